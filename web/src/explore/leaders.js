// The who-leads-what table: the API's `leadership` rows, filtered on the
// server (the same filter as GET /export/leadership.csv, so the download
// holds exactly the rows shown), sorted here by any column.
import { leadership } from './api.js';
import { GROUP_KINDS, KIND, enumLabel, esc, kindIcon } from './vocab.js';
import { viewHref } from './panel.js';

const GROUP_KIND_LABEL = Object.fromEntries(GROUP_KINDS.map((g) => [g.value, g.label]));

function kindOf(row) {
  if (row.led.groupKind) return GROUP_KIND_LABEL[row.led.groupKind] ?? enumLabel(row.led.groupKind);
  return KIND[row.led.kind]?.label ?? enumLabel(row.led.kind);
}

function within(row) {
  return [...row.ledParentChain].reverse();
}

function affiliation(row) {
  return row.leaderAffiliations.map((a) => a.organisation.name).join('; ');
}

const SORT_KEYS = {
  leader: (r) => r.leader.name,
  role: (r) => r.role ?? '',
  led: (r) => r.led.name,
  kind: (r) => kindOf(r),
  within: (r) => within(r).map((p) => p.name).join(' › '),
  affiliation: (r) => affiliation(r),
};

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function link(e) {
  return `<a href="${viewHref(e.id)}" class="entity-link">${kindIcon(e.kind, 12)}${esc(e.name)}</a>`;
}

export class LeadersView {
  constructor(root, { navigate, announce }) {
    this.root = root;
    this.navigate = navigate;
    this.announce = announce;
    this.text = root.querySelector('#leaders-text');
    this.kind = root.querySelector('#leaders-kind');
    this.csv = root.querySelector('#leaders-csv');
    this.count = root.querySelector('#leaders-count');
    this.tbody = root.querySelector('tbody');
    this.rows = [];
    this.key = null; // the filters of the rows held
    this.seq = 0;
    for (const g of GROUP_KINDS) {
      const o = document.createElement('option');
      o.value = g.value;
      o.textContent = g.label;
      this.kind.append(o);
    }
    let timer = 0;
    this.text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.#update({ q: this.text.value }), 200);
    });
    this.kind.addEventListener('change', () => this.#update({ kind: this.kind.value }));
    this.sort = root.querySelector('#leaders-sort');
    this.sort.addEventListener('change', () => this.#update({ sort: this.sort.value, dir: 'asc' }));
    root.querySelector('#leaders-form').addEventListener('submit', (e) => e.preventDefault());
    root.querySelectorAll('th[data-sort] button').forEach((b) => {
      b.addEventListener('click', () => {
        const col = b.parentElement.dataset.sort;
        const same = this.route?.sort === col;
        const dir = same && this.route.dir !== 'desc' ? 'desc' : 'asc';
        this.#update({ sort: col, dir });
      });
    });
  }

  /** Writes a change of filter or order into the URL (replacing it), then shows it. */
  #update(change) {
    const r = { ...this.route, ...change };
    const q = new URLSearchParams();
    if (r.q) q.set('q', r.q);
    if (r.kind) q.set('kind', r.kind);
    if (r.sort) q.set('sort', r.sort);
    if (r.sort && r.dir === 'desc') q.set('dir', 'desc');
    const s = q.toString();
    this.navigate(`/explore/leaders${s ? `?${s}` : ''}`, { replace: true });
  }

  /** Shows the table for a route {q, kind, sort, dir}. */
  async show(route) {
    this.route = route;
    if (this.text.value !== route.q && document.activeElement !== this.text) this.text.value = route.q;
    this.kind.value = route.kind;
    this.sort.value = route.sort in SORT_KEYS ? route.sort : '';
    const csv = new URLSearchParams();
    if (route.q.trim()) csv.set('text', route.q.trim());
    if (route.kind) csv.set('groupKind', route.kind);
    const cs = csv.toString();
    this.csv.href = `/export/leadership.csv${cs ? `?${cs}` : ''}`;

    const key = JSON.stringify([route.q.trim(), route.kind]);
    if (key !== this.key) {
      const mine = ++this.seq;
      const where = {};
      if (route.q.trim()) where.text = route.q.trim();
      if (route.kind) where.groupKind = [route.kind];
      this.root.setAttribute('aria-busy', 'true');
      try {
        const rows = await leadership(where);
        if (mine !== this.seq) return;
        this.rows = rows;
        this.key = key;
      } catch (err) {
        if (mine !== this.seq) return;
        this.count.textContent = `Could not load the table: ${err.message}`;
        this.root.removeAttribute('aria-busy');
        return;
      } finally {
        if (mine === this.seq) this.root.removeAttribute('aria-busy');
      }
    }
    this.#paint();
  }

  #paint() {
    const { sort, dir } = this.route;
    const rows = [...this.rows];
    if (sort && SORT_KEYS[sort]) {
      const f = SORT_KEYS[sort];
      const sign = dir === 'desc' ? -1 : 1;
      rows.sort((a, b) => sign * collator.compare(f(a), f(b)));
    }
    this.root.querySelectorAll('th[data-sort]').forEach((th) => {
      if (th.dataset.sort === sort) th.setAttribute('aria-sort', dir === 'desc' ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
    this.tbody.innerHTML = rows.length
      ? rows
          .map((r) => {
            const chain = within(r)
              .map((p) => `<a href="${viewHref(p.id)}">${esc(p.name)}</a>`)
              .join(' <span aria-hidden="true">›</span> ');
            const aff = r.leaderAffiliations
              .map((a) => `<a href="${viewHref(a.organisation.id)}">${esc(a.organisation.name)}</a>${a.role ? ` <span class="muted">(${esc(a.role)})</span>` : ''}`)
              .join('<br>');
            const quote = r.relation.sources[0]?.quote;
            return `<tr>
              <td data-label="Leader">${link(r.leader)}</td>
              <td data-label="Role"><a href="${viewHref(r.relation.id)}" class="role-link" ${quote ? `title="${esc(quote)}"` : ''}>${esc(r.role ?? '—')}</a></td>
              <td data-label="Leads">${link(r.led)}</td>
              <td data-label="Kind">${esc(kindOf(r))}</td>
              <td data-label="Within">${chain || '<span class="muted">—</span>'}</td>
              <td data-label="Leader's organisation">${aff || '<span class="muted">—</span>'}</td>
            </tr>`;
          })
          .join('')
      : '<tr><td colspan="6" class="empty">No leadership matches these filters.</td></tr>';
    const n = rows.length;
    const msg = `${n} ${n === 1 ? 'leadership' : 'leaderships'}${this.route.q.trim() || this.route.kind ? ' match' : ''}`;
    this.count.textContent = msg;
    this.announce(msg);
  }
}
