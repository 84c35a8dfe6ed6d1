// The graph explorer at /explore: one page, many views, each with its own
// URL (so it can be shared, and the browser's back button works):
//   /explore                         the whole graph
//   /explore/<entity id>?expand=...  an entity, its neighbours, and the
//                                    neighbours of the entities expanded
//   /explore/<relation id>           a relation and its sources
//   /explore/path?from=...&to=...    a path finder
//   /explore/leaders?q=...&kind=...  who leads what
// Graph views also carry their filters: ?kinds=PERSON,GROUP&types=LEADS.
import '../shared/base.css';
import './explore.css';

import { ApiError, entityDetails, gql, names, neighbourhoods, paths, relationDetails, wholeGraph } from './api.js';
import { combobox } from './combobox.js';
import { GraphView } from './graph.js';
import { LeadersView } from './leaders.js';
import { entityPanel, overviewPanel, pathSteps, relationPanel, viewHref } from './panel.js';
import { KIND, KINDS, RELATION_TYPES, esc, kindIcon } from './vocab.js';

const $ = (sel) => document.querySelector(sel);

// What the page measured, read by the browser tests.
const timings = { wholeGraphDrawnMs: null, wholeGraphDataMs: null, wholeGraphLayoutMs: null, expands: [] };
// The latest views rendered, oldest first: {url, outcome}, where outcome is
// null while the view is being fetched and drawn, 'done' once it is shown,
// and 'overtaken' when a newer view took over before it was.
const renders = [];
window.__civgraph = {
  timings,
  renders,
  /** Where entity `id` is drawn, in page coordinates (null when it is not). */
  nodePosition(id) {
    const n = graph?.cy.getElementById(id);
    if (!n || n.empty() || !n.visible()) return null;
    const p = n.renderedPosition();
    const r = els.cy.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  },
  /** How many entities and relations a highlighted path lights up. */
  highlighted() {
    const lit = graph ? graph.cy.elements('.on-path') : null;
    return lit ? { nodes: lit.nodes().length, edges: lit.edges().length } : { nodes: 0, edges: 0 };
  },
  /** The cytoscape instance, for poking at from the console. */
  cy: () => graph?.cy ?? null,
  /** The ids drawn and shown. */
  shown() {
    return graph ? graph.cy.nodes(':visible').map((n) => n.id()) : [];
  },
  /** Resolves once the entities last placed have settled (at once when none are moving). */
  settled: () => graph?.settled ?? null,
  /** The places the whole graph keeps for its next drawing, id -> {x, y} (null before its first). */
  wholePositions: () => (wholePositions ? Object.fromEntries(wholePositions) : null),
};

const els = {
  graphView: $('#graph-view'),
  leadersView: $('#leaders-view'),
  title: $('#view-title'),
  panel: $('#panel'),
  cy: $('#cy'),
  cyMessage: $('#cy-message'),
  status: $('#status'),
  main: $('#main'),
};

function announce(text) {
  els.status.textContent = '';
  // A fresh text node, so a repeated message is read again.
  setTimeout(() => {
    els.status.textContent = text;
  }, 30);
}

// ---- data, cached for the page's life (a graph snapshot does not change
// often; a reload of the page fetches anew) ----
let whole = null;
const hoods = new Map();

function getWhole() {
  whole ??= wholeGraph().catch((err) => {
    whole = null;
    throw err;
  });
  return whole;
}

/** The neighbourhoods of `ids`; one request for those not fetched or on their way. */
const pending = new Map();
async function getHoods(ids) {
  const missing = [...new Set(ids)].filter((id) => !hoods.has(id) && !pending.has(id));
  if (missing.length) {
    const request = neighbourhoods(missing);
    for (const id of missing) pending.set(id, request);
    try {
      const got = await request;
      for (const id of missing) hoods.set(id, got[id]);
    } finally {
      for (const id of missing) pending.delete(id);
    }
  }
  // Those another request is fetching: wait for it.
  await Promise.all(ids.filter((id) => !hoods.has(id) && pending.has(id)).map((id) => pending.get(id).catch(() => null)));
  const again = ids.filter((id) => !hoods.has(id));
  if (again.length) return getHoods(ids);
  return ids.map((id) => hoods.get(id));
}

/**
 * Fetches, in the background, the neighbourhoods of the entities drawn, so
 * that a click on one of them expands at once.
 */
let prefetching = false;
function prefetchShown() {
  if (prefetching || !graph) return;
  const ids = graph.cy
    .nodes(':visible')
    .map((n) => n.id())
    .filter((id) => !hoods.has(id))
    .slice(0, 50);
  if (!ids.length) return;
  prefetching = true;
  const idle = window.requestIdleCallback ?? ((f) => setTimeout(f, 50));
  idle(async () => {
    try {
      // Small batches, so that a click soon finds its entity fetched.
      for (let i = 0; i < ids.length; i += 8) await getHoods(ids.slice(i, i + 8));
    } catch {
      // Only a head start: a click fetches what it needs anyway.
    } finally {
      prefetching = false;
    }
  });
}

function union(parts) {
  const nodes = new Map();
  const relations = new Map();
  for (const p of parts) {
    if (!p) continue;
    for (const n of p.nodes) nodes.set(n.id, n);
    for (const r of p.relations) relations.set(r.id, r);
  }
  return { nodes: [...nodes.values()], relations: [...relations.values()] };
}

// ---- routing ----

function list(text) {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseRoute() {
  const path = decodeURIComponent(window.location.pathname.replace(/^\/explore\/?/, '')).replace(/\/+$/, '');
  const q = new URLSearchParams(window.location.search);
  const filters = {
    kinds: q.has('kinds') ? new Set(list(q.get('kinds'))) : null,
    types: q.has('types') ? new Set(list(q.get('types'))) : null,
  };
  if (path === '') return { view: 'whole', filters };
  if (path === 'leaders') {
    return { view: 'leaders', q: q.get('q') ?? '', kind: q.get('kind') ?? '', sort: q.get('sort') ?? '', dir: q.get('dir') ?? 'asc' };
  }
  if (path === 'path') {
    return { view: 'path', from: q.get('from') ?? '', to: q.get('to') ?? '', alt: Number(q.get('alt') ?? 0) || 0, filters };
  }
  const expand = list(q.get('expand')).slice(0, 12);
  if (path.startsWith('relation:')) return { view: 'relation', id: path, expand, filters };
  return { view: 'entity', id: path, expand, filters };
}

function navigate(url, { replace = false, focusPanel = false } = {}) {
  const withFilters = carryFilters(url);
  if (replace) history.replaceState(null, '', withFilters);
  else history.pushState(null, '', withFilters);
  render({ focusPanel });
}

/** Keeps the graph filters across graph views. */
function carryFilters(url) {
  const u = new URL(url, window.location.origin);
  if (!u.pathname.startsWith('/explore') || u.pathname.startsWith('/explore/leaders')) return u.pathname + u.search;
  for (const key of ['kinds', 'types']) {
    const v = filterParam(key);
    if (v !== null && !u.searchParams.has(key)) u.searchParams.set(key, v);
  }
  return u.pathname + u.search.replaceAll('%2C', ',').replaceAll('%3A', ':');
}

function filterParam(key) {
  const set = filters[key];
  return set ? [...set].join(',') : null;
}

window.addEventListener('popstate', () => render({}));

// Links to explorer views are followed without reloading the page.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.hasAttribute('download') || a.target) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !/^\/explore(\/|$)/.test(url.pathname)) return;
  e.preventDefault();
  navigate(url.pathname + url.search, { focusPanel: els.panel.contains(a) || e.detail === 0 });
});

// ---- the graph, its filters, and the views drawn in it ----

let graph = null;
let drawing = null; // 'whole' or 'local': what the canvas holds (see drawAs)
let wholePositions = null;
let roots = [];
const filters = { kinds: null, types: null };

/**
 * Draws `g` ('whole': the whole graph; 'local': some entities and their
 * neighbours) and notes what the canvas holds from then on. The note is
 * taken at once, not when the drawing has settled: the canvas is replaced
 * now, even if a newer view takes over before the drawing is on screen
 * (and that view must know what it finds on the canvas).
 */
function drawAs(kind, g, options) {
  drawing = kind;
  return graph.draw(g, options);
}

function ensureGraph() {
  if (graph) return graph;
  graph = new GraphView(els.cy, {
    onNode: (id) => {
      const t0 = performance.now();
      const r = parseRoute();
      if (r.view === 'entity' || r.view === 'relation') {
        // Expand: draw the clicked entity's neighbours too.
        const keep = roots.filter((x) => x !== id);
        pendingExpand = { id, t0 };
        navigate(viewHref(id, keep));
      } else {
        navigate(viewHref(id));
      }
    },
    onEdge: (id) => {
      const r = parseRoute();
      const keep = r.view === 'entity' || r.view === 'relation' ? roots : [];
      navigate(viewHref(id, keep));
    },
    onPlaced: ({ anew }) => {
      // The whole graph keeps its entities' places for its next drawing:
      // all of them when it was laid out anew, else those just placed.
      // (Only places that mean something: an entity a filter hid while the
      // drawing was laid out has none until it is shown.)
      if (drawing !== 'whole') return;
      const now = graph.positions();
      if (anew || !wholePositions) {
        wholePositions = now;
      } else {
        for (const [id, p] of now) if (!wholePositions.has(id)) wholePositions.set(id, p);
      }
    },
    onDragged: (id, p) => {
      // Where the reader dragged an entity of the whole graph is kept too
      // (a drag in an entity's view leaves the whole graph's places alone).
      if (drawing === 'whole' && wholePositions) wholePositions.set(id, p);
    },
  });
  return graph;
}

let pendingExpand = null;

function buildFilterControls() {
  const kindBox = $('#kind-filter');
  kindBox.innerHTML = KINDS.map(
    (k) => `<label class="chip"><input type="checkbox" data-kind="${k.kind}" checked />${kindIcon(k.kind, 14)}<span>${esc(k.plural)}</span></label>`,
  ).join('');
  const typeBox = $('#type-filter');
  typeBox.innerHTML = RELATION_TYPES.map(
    (t) => `<label class="type-option"><input type="checkbox" data-type="${t.type}" checked /> ${esc(t.label)}</label>`,
  ).join('');
  kindBox.addEventListener('change', () => {
    const on = [...kindBox.querySelectorAll('input:checked')].map((i) => i.dataset.kind);
    filters.kinds = on.length === KINDS.length ? null : new Set(on);
    applyFilters(true);
  });
  typeBox.addEventListener('change', () => {
    const on = [...typeBox.querySelectorAll('input:checked')].map((i) => i.dataset.type);
    filters.types = on.length === RELATION_TYPES.length ? null : new Set(on);
    applyFilters(true);
  });
  $('#types-all').addEventListener('click', () => {
    filters.types = null;
    applyFilters(true);
  });
  $('#types-none').addEventListener('click', () => {
    filters.types = new Set();
    applyFilters(true);
  });
}

function syncFilterControls() {
  document.querySelectorAll('#kind-filter input').forEach((i) => {
    i.checked = !filters.kinds || filters.kinds.has(i.dataset.kind);
  });
  document.querySelectorAll('#type-filter input').forEach((i) => {
    i.checked = !filters.types || filters.types.has(i.dataset.type);
  });
  const n = filters.types ? filters.types.size : RELATION_TYPES.length;
  $('#type-filter-count').textContent = filters.types ? `(${n} of ${RELATION_TYPES.length})` : '(all)';
}

function applyFilters(writeUrl) {
  syncFilterControls();
  graph?.setFilters(filters);
  showCounts();
  if (writeUrl) {
    const u = new URL(window.location.href);
    for (const key of ['kinds', 'types']) {
      const v = filterParam(key);
      if (v === null) u.searchParams.delete(key);
      else u.searchParams.set(key, v);
    }
    history.replaceState(null, '', u.pathname + u.search.replaceAll('%2C', ',').replaceAll('%3A', ':'));
    const c = graph?.counts();
    if (c) announce(`Showing ${c.nodes} entities and ${c.edges} relations.`);
  }
}

function showCounts() {
  const c = graph?.counts();
  $('#graph-counts').textContent = c ? `${c.nodes} entities · ${c.edges} relations shown` : '';
}

function showMessage(text) {
  els.cyMessage.hidden = !text;
  els.cyMessage.textContent = text ?? '';
}

function setTitle(title, docTitle) {
  els.title.textContent = title;
  document.title = `${docTitle ?? title} · civgraph explorer`;
}

async function drawWhole(token) {
  const g = await getWhole();
  timings.wholeGraphDataMs ??= Math.round(performance.now());
  if (token !== renderToken) return false;
  ensureGraph();
  if (drawing !== 'whole') {
    const t0 = performance.now();
    const t = await drawAs('whole', g, { fresh: true, roots: [], positions: wholePositions });
    timings.wholeGraphLayoutMs ??= Math.round(performance.now() - t0);
    if (token !== renderToken) return false;
    if (timings.wholeGraphDrawnMs === null) {
      timings.wholeGraphDrawnMs = Math.round(performance.now());
      performance.mark('civgraph:whole-graph-drawn');
    }
    return t;
  }
  return true;
}

let renderToken = 0;
let leaders = null;
let pathForm = null;

/** Shows the view of the current URL. */
async function render(options = {}) {
  const token = ++renderToken;
  const entry = { url: window.location.pathname + window.location.search, outcome: null };
  renders.push(entry);
  if (renders.length > 50) renders.shift();
  try {
    await renderView(token, options);
  } finally {
    entry.outcome = token === renderToken ? 'done' : 'overtaken';
  }
}

async function renderView(token, { focusPanel = false }) {
  const route = parseRoute();
  document.querySelectorAll('.topnav a[data-nav]').forEach((a) => {
    const on =
      (a.dataset.nav === 'leaders' && route.view === 'leaders') ||
      (a.dataset.nav === 'path' && route.view === 'path') ||
      (a.dataset.nav === 'graph' && ['whole', 'entity', 'relation'].includes(route.view));
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });

  if (route.view === 'leaders') {
    els.graphView.hidden = true;
    els.leadersView.hidden = false;
    document.title = 'Who leads what · civgraph explorer';
    leaders ??= new LeadersView(els.leadersView, { navigate, announce });
    await leaders.show(route);
    return;
  }

  els.leadersView.hidden = true;
  const wasHidden = els.graphView.hidden;
  els.graphView.hidden = false;
  // (An entity view overtaken while its details were on their way left
  // the panel marked busy; this view fills the panel anew.)
  els.panel.removeAttribute('aria-busy');
  filters.kinds = route.filters.kinds;
  filters.types = route.filters.types;
  syncFilterControls();
  ensureGraph();
  graph.setFilters(filters);
  if (wasHidden) graph.cy.resize();
  showMessage(null);

  try {
    if (route.view === 'whole') await renderWhole(token);
    else if (route.view === 'path') await renderPath(route, token);
    else if (route.view === 'relation') await renderRelation(route, token, focusPanel);
    else await renderEntity(route, token, focusPanel);
    if (token === renderToken) showCounts();
  } catch (err) {
    if (token !== renderToken) return;
    const msg = err instanceof ApiError ? err.message : String(err);
    showMessage(`Could not load this view: ${msg}`);
    announce(`Could not load this view: ${msg}`);
  }
}

let overviewHtml = null;

async function renderWhole(token) {
  setTitle('The whole graph');
  roots = [];
  graph.highlight(null);
  const ok = await drawWhole(token);
  if (!ok || token !== renderToken) return;
  graph.setFilters(filters);
  graph.select(null);
  graph.fit();
  const c = graph.counts();
  announce(`Showing the whole graph: ${c.nodes} entities and ${c.edges} relations.`);
  if (!overviewHtml) {
    const data = await gql(`{
      stats { entityCount relationCount byKind { kind count } }
      centrality(metric: DEGREE, first: 6) { entity { id name kind } }
    }`);
    overviewHtml = overviewPanel(data.stats, data.centrality);
  }
  if (token !== renderToken) return;
  els.panel.innerHTML = overviewHtml;
}

async function renderEntity(route, token, focusPanel) {
  const id = route.id;
  const wanted = [id, ...route.expand];
  const fetchedAlready = wanted.every((x) => hoods.has(x));
  const tFetch = performance.now();
  const parts = await getHoods(wanted);
  const fetchMs = performance.now() - tFetch;
  if (token !== renderToken) return;
  if (!parts[0]) {
    setTitle('Not found');
    showMessage(`There is no entity with the id “${id}”. Try the search box.`);
    els.panel.innerHTML = `<h2 id="panel-title" tabindex="-1">Not found</h2><p>There is no entity with the id <code>${esc(id)}</code>.</p>`;
    await drawAs('local', { nodes: [], relations: [] }, { fresh: true });
    return;
  }
  const rootNode = parts[0].nodes[0];
  setTitle(`${rootNode.name} and its neighbours`, rootNode.name);
  roots = wanted.filter((_, i) => parts[i]);
  const g = union(parts);
  graph.highlight(null);
  const fresh = drawing !== 'local' || !graph.nodeIds().has(id);
  await drawAs('local', g, { fresh, roots, anchors: [id] });
  if (token !== renderToken) return;
  graph.select(id);
  if (fresh) graph.fit();
  else graph.focus(id);
  if (pendingExpand && pendingExpand.id === id) {
    const ms = performance.now() - pendingExpand.t0;
    const entry = {
      id,
      ms: Math.round(ms * 10) / 10,
      fetchMs: Math.round(fetchMs * 10) / 10,
      prefetched: fetchedAlready,
      entities: graph.cy.nodes().length,
      settledMs: null,
    };
    timings.expands.push(entry);
    const t0 = pendingExpand.t0;
    graph.settled?.then(() => {
      entry.settledMs = Math.round((performance.now() - t0) * 10) / 10;
    });
    pendingExpand = null;
  }
  const c = graph.counts();
  announce(`Showing ${rootNode.name} and ${c.nodes - 1} related entities.`);
  prefetchShown();
  els.panel.setAttribute('aria-busy', 'true');
  let details;
  try {
    details = await entityDetails(id);
  } finally {
    if (token === renderToken) els.panel.removeAttribute('aria-busy');
  }
  if (token !== renderToken) return;
  els.panel.innerHTML = entityPanel(details, roots);
  els.panel.scrollTop = 0;
  if (focusPanel) $('#panel-title')?.focus({ preventScroll: false });
}

async function renderRelation(route, token, focusPanel) {
  const r = await relationDetails(route.id);
  if (token !== renderToken) return;
  if (!r) {
    setTitle('Not found');
    showMessage(`There is no relation with the id “${route.id}”.`);
    els.panel.innerHTML = `<h2 id="panel-title" tabindex="-1">Not found</h2><p>There is no relation with the id <code>${esc(route.id)}</code>.</p>`;
    return;
  }
  const wanted = route.expand.length ? route.expand : [r.from.id];
  const parts = await getHoods(wanted);
  if (token !== renderToken) return;
  // Make sure both ends and the relation are drawn.
  const extra = {
    nodes: [r.from, r.to],
    relations: [{ id: r.id, type: r.type, role: r.role, from: r.from.id, to: r.to.id }],
  };
  roots = wanted.filter((_, i) => parts[i]);
  const g = union([...parts, extra]);
  setTitle(`${r.from.name} → ${r.to.name}`, `${r.type}: ${r.from.name} → ${r.to.name}`);
  graph.highlight(null);
  const fresh = drawing !== 'local' || !graph.nodeIds().has(r.from.id);
  await drawAs('local', g, { fresh, roots, anchors: [r.from.id] });
  if (token !== renderToken) return;
  graph.select(r.id);
  if (fresh) graph.fit();
  els.panel.innerHTML = relationPanel(r, roots);
  els.panel.scrollTop = 0;
  if (focusPanel) $('#panel-title')?.focus();
}

// ---- the path finder ----

function pathFormHtml() {
  return `<div class="panel-head"><h2 id="panel-title" tabindex="-1">Find a path</h2></div>
    <p>The shortest chain of relations between two entities, followed in either direction.</p>
    <form id="path-form" class="path-form" autocomplete="off">
      <div class="field combo">
        <label for="path-from">From</label>
        <input id="path-from" type="text" placeholder="Search an entity…" spellcheck="false" />
      </div>
      <div class="field combo">
        <label for="path-to">To</label>
        <input id="path-to" type="text" placeholder="Search an entity…" spellcheck="false" />
      </div>
      <div class="path-buttons">
        <button class="btn" type="submit">Find path</button>
        <button class="btn secondary" type="button" id="path-swap">Swap</button>
      </div>
      <p id="path-error" class="error" role="alert"></p>
    </form>
    <div id="path-result" aria-live="polite"></div>`;
}

function setupPathForm() {
  els.panel.innerHTML = pathFormHtml();
  const fromInput = $('#path-from');
  const toInput = $('#path-to');
  const from = combobox(fromInput, { keepValue: true, onPick: () => toInput.focus() });
  const to = combobox(toInput, { keepValue: true, onPick: () => $('#path-form button[type=submit]').focus() });
  $('#path-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const a = from.picked();
    const b = to.picked();
    const err = $('#path-error');
    if (!a || !b) {
      err.textContent = !a ? 'Choose where the path starts from the suggestions.' : 'Choose where the path ends from the suggestions.';
      (!a ? fromInput : toInput).focus();
      return;
    }
    err.textContent = '';
    navigate(`/explore/path?from=${encodeURIComponent(a.id)}&to=${encodeURIComponent(b.id)}`);
  });
  $('#path-swap').addEventListener('click', () => {
    const a = from.picked();
    const b = to.picked();
    from.set(b);
    to.set(a);
  });
  return { from, to, ids: [null, null] };
}

async function renderPath(route, token) {
  setTitle('Path finder');
  roots = [];
  if (!pathForm || !$('#path-form')) pathForm = setupPathForm();
  const ids = [route.from || null, route.to || null];
  if (ids[0] !== pathForm.ids[0] || ids[1] !== pathForm.ids[1]) {
    const known = await names(ids.filter(Boolean));
    if (token !== renderToken) return;
    pathForm.from.set(ids[0] ? known[ids[0]] : null);
    pathForm.to.set(ids[1] ? known[ids[1]] : null);
    pathForm.ids = ids;
  }
  const ok = await drawWhole(token);
  if (!ok || token !== renderToken) return;
  graph.setFilters(filters);
  const result = $('#path-result');
  if (!route.from || !route.to) {
    graph.highlight(null);
    graph.select(null);
    graph.fit();
    result.innerHTML = '';
    if (!route.from) $('#path-from').focus({ preventScroll: true });
    return;
  }
  const found = await paths(route.from, route.to);
  if (token !== renderToken) return;
  const all = [];
  if (found.shortest) all.push(found.shortest);
  for (const p of found.others) {
    const same = all.some((q) => q.relations.map((r) => r.id).join() === p.relations.map((r) => r.id).join());
    if (!same) all.push(p);
  }
  if (!all.length) {
    graph.highlight(null);
    result.innerHTML = '<p>No path joins these two entities (within 10 relations).</p>';
    announce('No path found.');
    return;
  }
  const alt = Math.min(route.alt, all.length - 1);
  const path = all[alt];
  graph.highlight(path);
  graph.select(null);
  graph.fit(path.nodes.map((n) => n.id));
  const a = path.nodes[0].name;
  const b = path.nodes[path.nodes.length - 1].name;
  setTitle(`Path from ${a} to ${b}`);
  const base = `/explore/path?from=${encodeURIComponent(route.from)}&to=${encodeURIComponent(route.to)}`;
  const choices =
    all.length > 1
      ? `<h3>Other paths</h3><ul class="path-choices">${all
          .map(
            (p, i) =>
              `<li><a href="${base}${i ? `&alt=${i}` : ''}" ${i === alt ? 'aria-current="true"' : ''}>Path ${i + 1}: ${p.length} ${p.length === 1 ? 'step' : 'steps'}${i === 0 ? ' (shortest)' : ''}</a></li>`,
          )
          .join('')}</ul>`
      : '';
  result.innerHTML = `<h3>${path.length} ${path.length === 1 ? 'step' : 'steps'}</h3>${pathSteps(path)}${choices}`;
  announce(`Found a path of ${path.length} steps from ${a} to ${b}.`);
}

// ---- start ----

buildFilterControls();
combobox($('#search-input'), {
  onPick: (e) => navigate(viewHref(e.id), { focusPanel: true }),
});
$('#fit').addEventListener('click', () => graph?.fit());
// (The whole graph keeps the new places: see onPlaced.)
$('#tidy').addEventListener('click', () => graph?.tidy());
window.addEventListener('resize', () => graph?.cy.resize());
// The relation-type menu closes on Escape and on a click elsewhere.
const typeBox = $('#type-filter-box');
document.addEventListener('click', (e) => {
  if (typeBox.open && !typeBox.contains(e.target)) typeBox.open = false;
});
typeBox.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && typeBox.open) {
    typeBox.open = false;
    typeBox.querySelector('summary').focus();
  }
});
render({});
