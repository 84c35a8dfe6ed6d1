// A search box with a list of suggestions from the API's `search`: the
// ARIA 1.2 combobox pattern (arrow keys move through the suggestions, Enter
// picks, Escape closes), used by the top search and the path finder.
import { search } from './api.js';
import { KIND, esc, kindIcon } from './vocab.js';

let uid = 0;

/**
 * Turns `input` (inside a positioned wrapper) into a combobox.
 * `onPick(entity)` is called with {id, name, kind} when a suggestion is
 * chosen. Returns {set(entity), picked()} to show or read a choice.
 */
export function combobox(input, { onPick, first = 8, keepValue = false }) {
  const listId = `combo-list-${++uid}`;
  const list = document.createElement('ul');
  list.id = listId;
  list.className = 'combo-list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggestions');
  list.hidden = true;
  input.after(list);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);

  let hits = [];
  let active = -1;
  let seq = 0;
  let timer = 0;
  let chosen = null;

  function open(show) {
    list.hidden = !show;
    input.setAttribute('aria-expanded', String(show));
    if (!show) {
      active = -1;
      input.removeAttribute('aria-activedescendant');
    }
  }

  function paint() {
    list.innerHTML = hits.length
      ? hits
          .map((h, i) => {
            const e = h.entity;
            const k = KIND[e.kind];
            return `<li role="option" id="${listId}-${i}" aria-selected="${i === active}" data-i="${i}">
              ${kindIcon(e.kind, 14)}
              <span class="combo-name">${esc(e.name)}</span>
              <span class="combo-kind">${esc(k ? k.label : e.kind)}</span>
            </li>`;
          })
          .join('')
      : '<li class="combo-empty" role="option" aria-disabled="true" aria-selected="false">Nothing found</li>';
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${active}`);
      list.querySelector(`[data-i="${active}"]`)?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  async function lookUp() {
    const text = input.value.trim();
    const mine = ++seq;
    if (!text) {
      hits = [];
      open(false);
      return;
    }
    try {
      const found = await search(text, first);
      if (mine !== seq) return;
      hits = found;
      active = hits.length ? 0 : -1;
      paint();
      open(document.activeElement === input);
    } catch {
      if (mine !== seq) return;
      hits = [];
      open(false);
    }
  }

  function pick(i) {
    const hit = hits[i];
    if (!hit) return;
    chosen = { id: hit.entity.id, name: hit.entity.name, kind: hit.entity.kind };
    input.value = keepValue ? hit.entity.name : '';
    open(false);
    onPick(chosen);
  }

  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    timer = setTimeout(lookUp, 90);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) {
        if (hits.length) open(true);
        else lookUp();
        return;
      }
      const n = hits.length;
      if (!n) return;
      active = e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n;
      paint();
    } else if (e.key === 'Enter') {
      if (!list.hidden && hits.length) {
        e.preventDefault();
        pick(active >= 0 ? active : 0);
      } else if (input.value.trim() && !chosen) {
        // Enter before the suggestions arrived: look up, then take the best.
        e.preventDefault();
        clearTimeout(timer);
        lookUp().then(() => {
          if (hits.length) pick(0);
        });
      }
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        open(false);
      }
    }
  });
  input.addEventListener('focus', () => {
    if (hits.length && input.value.trim() && !chosen) {
      paint();
      open(true);
    }
  });
  input.addEventListener('blur', () => {
    setTimeout(() => open(false), 150);
  });
  list.addEventListener('mousedown', (e) => {
    // Keep the focus in the input; the click picks.
    e.preventDefault();
  });
  list.addEventListener('click', (e) => {
    const li = e.target.closest('li[data-i]');
    if (li) pick(Number(li.dataset.i));
  });

  return {
    set(entity) {
      chosen = entity;
      input.value = entity ? entity.name : '';
    },
    picked() {
      return chosen;
    },
  };
}
