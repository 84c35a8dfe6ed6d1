// The node-link drawing (cytoscape.js): colours and shapes by kind, roles on
// LEADS edges, filters by kind and relation type, a highlighted path, and
// new neighbours placed around the entity they were expanded from (so what
// was already drawn stays where the reader saw it). Only what the filters
// show is laid out; an entity a filter hid gets its place when it is first
// shown, beside its neighbours, in the same way.
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';

import { KIND, KINDS, RELATION } from './vocab.js';

cytoscape.use(fcose);

const INK = '#1b1f24';
const EDGE = '#7b8594';
const LEADS = '#14243a';
const SELECT = '#c2410c';
const PATH = '#b42318';

const STYLE = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(color)',
      shape: 'data(shape)',
      // Bigger the more relations it has in the drawing, so hubs stand out
      // and their names stay readable when zoomed out.
      width: 'mapData(deg, 1, 24, 16, 40)',
      height: 'mapData(deg, 1, 24, 16, 40)',
      'border-width': 1,
      'border-color': INK,
      label: 'data(name)',
      color: INK,
      'font-family': 'system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif',
      'font-size': 'mapData(deg, 1, 20, 9, 18)',
      'text-valign': 'bottom',
      'text-halign': 'center',
      'text-margin-y': 3,
      'text-wrap': 'wrap',
      'text-max-width': 150,
      'text-outline-color': '#ffffff',
      'text-outline-width': 2,
      'text-outline-opacity': 0.9,
      // Names too small to read are left out until the reader zooms in
      // (the hubs' stay: their font is bigger).
      'min-zoomed-font-size': 7,
    },
  },
  { selector: 'node.root', style: { width: 40, height: 40, 'font-size': 15, 'font-weight': 'bold', 'min-zoomed-font-size': 0 } },
  {
    selector: 'node:selected',
    style: { 'border-width': 4, 'border-color': SELECT, 'overlay-opacity': 0, 'z-index': 20 },
  },
  {
    selector: 'edge',
    style: {
      width: 1.4,
      'line-color': EDGE,
      'target-arrow-color': EDGE,
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.8,
      'curve-style': 'bezier',
      // The role on LEADS edges, the relation on a highlighted path (set
      // as data, not by class: cytoscape caches a label's drawing).
      label: 'data(label)',
      color: LEADS,
      'font-family': 'system-ui, "Noto Sans", "Liberation Sans", Arial, sans-serif',
      'font-size': 9,
      'font-weight': 'bold',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.92,
      'text-background-padding': 2,
      'text-background-shape': 'round-rectangle',
      'min-zoomed-font-size': 7,
    },
  },
  {
    selector: 'edge[type = "LEADS"]',
    style: {
      width: 2.6,
      'line-color': LEADS,
      'target-arrow-color': LEADS,
    },
  },
  {
    selector: 'edge:selected',
    style: { width: 4, 'line-color': SELECT, 'target-arrow-color': SELECT, 'overlay-opacity': 0 },
  },
  { selector: '.faded', style: { opacity: 0.16, 'text-opacity': 0.4 } },
  {
    selector: 'node.on-path',
    // (The same font as before: cytoscape caches the drawn labels, and a
    // label whose font changes after it was drawn would be cut.)
    style: { 'border-width': 4, 'border-color': PATH, 'min-zoomed-font-size': 0, 'z-index': 10 },
  },
  {
    selector: 'edge.on-path',
    style: {
      width: 5,
      'line-color': PATH,
      'target-arrow-color': PATH,
      color: PATH,
      'min-zoomed-font-size': 0,
      'z-index': 10,
    },
  },
  { selector: '.hidden', style: { display: 'none' } },
];

/** A node's data for cytoscape. */
function nodeData(n) {
  const k = KIND[n.kind] ?? KINDS[0];
  return { id: n.id, name: n.name, kind: n.kind, color: k.color, shape: k.shape };
}

/** A relation's data for cytoscape (an edge `source` -> `target`). */
function edgeData(r) {
  const t = RELATION[r.type];
  const label = t ? t.label : r.type;
  return {
    id: r.id,
    source: r.from,
    target: r.to,
    type: r.type,
    role: r.role ?? '',
    label: r.type === 'LEADS' ? r.role ?? '' : '',
    pathLabel: r.role ? `${label}: ${r.role}` : label,
  };
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/**
 * Runs `fn` with Math.random replaced by a seeded generator (mulberry32),
 * so that the same graph is laid out the same way at every visit.
 */
function seeded(seed, fn) {
  const random = Math.random;
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = random;
  }
}

export class GraphView {
  constructor(container, { onNode, onEdge, onBackground, onPlaced, onDragged }) {
    this.cy = cytoscape({
      container,
      style: STYLE,
      minZoom: 0.15,
      maxZoom: 3,
      boxSelectionEnabled: false,
      selectionType: 'single',
      pixelRatio: 'auto',
    });
    this.filters = { kinds: null, types: null };
    this.roots = new Set();
    // The entities whose place means something: laid out, or placed beside
    // their neighbours, while shown. (An entity drawn while a filter hides
    // it has none until it is shown.)
    this.placed = new Set();
    // Those placed beside their neighbours whose settling has not run to its end.
    this.unsettled = new Set();
    // Told when entities got their places: ({anew}), anew when the whole
    // drawing was laid out again (the places of all others are dropped).
    this.onPlaced = onPlaced ?? (() => {});
    this.generation = 0;
    // A node the reader dragged has the place they gave it: kept (a settling
    // still to come pins it there) and told (id, {x, y}).
    this.cy.on('dragfree', 'node', (e) => {
      const id = e.target.id();
      this.placed.add(id);
      this.unsettled.delete(id);
      onDragged?.(id, { ...e.target.position() });
    });
    this.cy.on('tap', 'node', (e) => onNode(e.target.id(), e));
    this.cy.on('tap', 'edge', (e) => onEdge(e.target.id(), e));
    this.cy.on('tap', (e) => {
      if (e.target === this.cy) onBackground?.();
    });
    // A hover names what is under the pointer, whatever the zoom.
    const tip = document.createElement('div');
    tip.className = 'cy-tip';
    tip.hidden = true;
    tip.setAttribute('aria-hidden', 'true');
    container.parentElement.append(tip);
    this.cy.on('mouseover', 'node, edge', (e) => {
      container.style.cursor = 'pointer';
      const el = e.target;
      if (el.isNode()) {
        const k = KIND[el.data('kind')];
        tip.textContent = `${el.data('name')} · ${k ? k.label : el.data('kind')}`;
      } else {
        const t = RELATION[el.data('type')];
        const from = el.source().data('name');
        const to = el.target().data('name');
        tip.textContent = `${from} ${(t ? t.out : el.data('type')).toLowerCase()}${el.data('role') ? ` (${el.data('role')})` : ''} ${to}`;
      }
      const p = e.renderedPosition;
      tip.style.left = `${Math.round(p.x + 12)}px`;
      tip.style.top = `${Math.round(p.y + 12)}px`;
      tip.hidden = false;
    });
    this.cy.on('mouseout', 'node, edge', () => {
      container.style.cursor = '';
      tip.hidden = true;
    });
    this.cy.on('viewport tapstart', () => {
      tip.hidden = true;
    });
  }

  /** The ids of the entities drawn. */
  nodeIds() {
    return new Set(this.cy.nodes().map((n) => n.id()));
  }

  /**
   * Draws exactly `graph` ({nodes, relations}). `fresh`: lay everything
   * out anew; otherwise entities already drawn keep their place and new
   * ones are put around the drawn entity they hang off (`anchors` first).
   * `positions` (id -> {x, y}): where a fresh drawing's entities go (those
   * shown without one are placed beside their neighbours).
   * Resolves once the frame with the new drawing is painted.
   */
  async draw(graph, { fresh = false, roots = [], anchors = [], positions = null } = {}) {
    const cy = this.cy;
    const wantNodes = new Map(graph.nodes.map((n) => [n.id, n]));
    const wantEdges = new Map();
    for (const r of graph.relations) {
      if (wantNodes.has(r.from) && wantNodes.has(r.to)) wantEdges.set(r.id, r);
    }
    this.roots = new Set(roots);
    this.#stopLayout();
    this.settled = null;
    this.generation += 1;
    let added;
    cy.batch(() => {
      if (fresh) cy.elements().remove();
      cy.elements().unselect();
      cy.edges().filter((e) => !wantEdges.has(e.id())).remove();
      cy.nodes().filter((n) => !wantNodes.has(n.id())).remove();
      const have = this.nodeIds();
      const newNodes = [...wantNodes.values()].filter((n) => !have.has(n.id));
      const newEdges = [...wantEdges.values()].filter((r) => cy.getElementById(r.id).empty());
      added = cy.add([
        // Somewhere at first (never all on one spot, which cytoscape
        // cannot draw edges between); the layout or #placeAround moves them
        // once they are shown.
        ...newNodes.map((n, i) => ({
          group: 'nodes',
          data: nodeData(n),
          position: { x: (i * 211) % 600, y: (i * 137) % 600 },
        })),
        ...newEdges.map((r) => ({ group: 'edges', data: edgeData(r) })),
      ]);
      // (Only what changed: every style change redraws that element.)
      const rootSet = new Set(roots);
      cy.nodes('.root').forEach((n) => {
        if (!rootSet.has(n.id())) n.removeClass('root');
      });
      for (const id of roots) {
        const n = cy.getElementById(id);
        if (!n.hasClass('root')) n.addClass('root');
      }
      cy.nodes().forEach((n) => {
        const deg = n.degree(false);
        if (n.data('deg') !== deg) n.data('deg', deg);
      });
      this.#applyFilters();
    });
    const newNodes = added.nodes();
    if (fresh) {
      this.placed.clear();
      this.unsettled.clear();
    } else {
      for (const set of [this.placed, this.unsettled]) {
        for (const id of set) if (!wantNodes.has(id)) set.delete(id);
      }
    }
    if (fresh && positions) {
      // The same drawing as before: put back where it was what had a place.
      const known = newNodes.filter((n) => positions.has(n.id()));
      cy.batch(() => known.forEach((n) => n.position(positions.get(n.id()))));
      known.forEach((n) => this.placed.add(n.id()));
    }
    const shown = this.#shown().nodes();
    if (shown.nonempty() && !shown.some((n) => this.placed.has(n.id()))) {
      // Nothing shown has a place yet: lay it all out.
      await this.#layoutAnew();
    } else {
      if (fresh) this.fit();
      // New entities show at once around the one they hang off, then
      // settle by the same forces while everything already drawn stays put;
      // and then the drawing fits the canvas.
      this.#placeShown(anchors, { fitAfter: true });
    }
    await nextFrame();
    return { added: newNodes.length };
  }

  /**
   * What the filters show: the entities and relations not hidden. (Read
   * from the classes the filters set: cytoscape's `:visible` can answer
   * for an element as it was before the filters changed until its style is
   * next computed.)
   */
  #shown() {
    const cy = this.cy;
    const nodes = cy.nodes().not('.hidden');
    const edges = cy.edges().filter((e) => !e.hasClass('hidden') && !e.source().hasClass('hidden') && !e.target().hasClass('hidden'));
    return nodes.union(edges);
  }

  /**
   * Lays out anew what is shown (from scratch, stretched to the canvas, in
   * view); the entities hidden lose their places.
   */
  async #layoutAnew() {
    const generation = this.generation;
    await this.layout({ randomize: true });
    if (generation !== this.generation) return;
    this.#stretchToCanvas();
    this.fit();
    this.#laidOutAnew();
  }

  /** After a layout of what is shown: that, and only that, has a place. */
  #laidOutAnew() {
    this.placed = new Set(this.#shown().nodes().map((n) => n.id()));
    this.unsettled.clear();
    this.onPlaced({ anew: true });
  }

  /**
   * Gives the entities shown without a place one beside their neighbours
   * (`anchors` first), then lets them, and any placed so but not yet
   * settled, settle by the forces while the others stay put (from the next
   * frame, animated). Then fits the whole drawing to the canvas if
   * `fitAfter`, else only zooms out as far as they need to be in view.
   * Sets `this.settled`.
   */
  #placeShown(anchors = [], { fitAfter = false } = {}) {
    const cy = this.cy;
    const shown = this.#shown().nodes();
    const fresh = shown.filter((n) => !this.placed.has(n.id()));
    if (fresh.nonempty()) {
      this.#placeAround(fresh, anchors);
      fresh.forEach((n) => {
        this.placed.add(n.id());
        this.unsettled.add(n.id());
      });
    }
    const free = shown.filter((n) => this.unsettled.has(n.id()));
    if (free.empty()) return;
    const around = free.union(cy.getElementById(anchors[0] ?? ''));
    this.#reveal(around);
    const generation = this.generation;
    this.settled = nextFrame().then(() => (generation === this.generation ? this.#settle(around, fitAfter) : null));
  }

  /**
   * Lets the shown entities placed beside their neighbours but not settled
   * find their places among the pinned others (animated).
   */
  async #settle(around, fitAfter) {
    const cy = this.cy;
    const generation = this.generation;
    if (around.some((n) => n.removed())) return;
    const shown = this.#shown().nodes();
    const free = shown.filter((n) => this.unsettled.has(n.id()));
    if (free.empty()) return;
    const pinned = shown
      .filter((n) => !this.unsettled.has(n.id()))
      .map((n) => ({ nodeId: n.id(), position: { ...n.position() } }));
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    await this.layout({ randomize: false, pinned, animate: !still });
    // A newer drawing took over: leave the view to it.
    if (generation !== this.generation || around.some((n) => n.removed())) return;
    free.forEach((n) => this.unsettled.delete(n.id()));
    this.onPlaced({ anew: false });
    // Then use the room: fit the whole drawing, no closer than 1.5x; or
    // just keep the entities placed in view.
    const target = fitAfter ? this.#fitViewport(this.#shown()) : this.#revealViewport(free);
    if (!target) return;
    if (still) cy.viewport(target);
    else await cy.animation(target, { duration: 250 }).play().promise();
  }

  /** The viewport that fits `eles` with a margin, zoomed in at most 1.5x. */
  #fitViewport(eles) {
    const cy = this.cy;
    if (eles.empty()) return null;
    const fit = cy.getFitViewport(eles, 40);
    if (!fit) return null;
    if (fit.zoom <= 1.5) return fit;
    const bb = eles.boundingBox();
    const zoom = 1.5;
    return {
      zoom,
      pan: { x: cy.width() / 2 - zoom * (bb.x1 + bb.w / 2), y: cy.height() / 2 - zoom * (bb.y1 + bb.h / 2) },
    };
  }

  /**
   * Stretches a fresh layout (roughly round) to the canvas's shape, so a
   * wide window spreads the entities out rather than leaving its sides empty.
   */
  #stretchToCanvas() {
    const cy = this.cy;
    const nodes = this.#shown().nodes();
    if (nodes.length < 3) return;
    const bb = nodes.boundingBox();
    const w = cy.width();
    const h = cy.height();
    if (!bb.w || !bb.h || !w || !h) return;
    const want = w / h;
    const have = bb.w / bb.h;
    const sx = Math.min(1.8, Math.max(1, want / have));
    const sy = Math.min(1.8, Math.max(1, have / want));
    if (sx === 1 && sy === 1) return;
    const cx = bb.x1 + bb.w / 2;
    const cyy = bb.y1 + bb.h / 2;
    cy.batch(() => {
      nodes.forEach((n) => {
        const p = n.position();
        n.position({ x: cx + (p.x - cx) * sx, y: cyy + (p.y - cyy) * sy });
      });
    });
  }

  /** Stops a layout still running (animating), and settles its promise. */
  #stopLayout() {
    this.running?.stop();
    this.runningDone?.();
    this.running = null;
    this.runningDone = null;
  }

  /**
   * Places `nodes` (shown, without a place) beside the placed entities they
   * are linked to: on an arc around the one they hang off (the anchors
   * first), facing away from the middle of the drawing; then those linked
   * only to entities just placed, around those, and so on. Entities linked
   * to nothing placed start beside the drawing.
   */
  #placeAround(nodes, anchors) {
    const cy = this.cy;
    const todo = new Set(nodes.map((n) => n.id()));
    const old = cy.nodes().filter((n) => this.placed.has(n.id()) && !todo.has(n.id()));
    const shownOld = old.not('.hidden');
    const ref = shownOld.nonempty() ? shownOld : old;
    const centre = { x: 0, y: 0 };
    ref.forEach((n) => {
      centre.x += n.position('x') / ref.length;
      centre.y += n.position('y') / ref.length;
    });
    const bb = ref.nonempty() ? ref.boundingBox({ includeLabels: false }) : { x2: 0, y1: 0, h: 0 };
    // The entities with a place, in the order they are preferred as the one
    // to hang off: the anchors (the entity just clicked) first.
    const rank = new Map();
    for (const id of [...anchors, ...old.map((n) => n.id())]) {
      if (this.placed.has(id) && !todo.has(id) && !rank.has(id)) rank.set(id, rank.size);
    }
    let beside = 0;
    while (todo.size) {
      // Group what is left by the entity with a place it is linked to.
      const groups = new Map();
      for (const id of todo) {
        let best = null;
        cy.getElementById(id)
          .neighborhood('node')
          .forEach((m) => {
            const r = rank.get(m.id());
            if (r !== undefined && (best === null || r < rank.get(best))) best = m.id();
          });
        if (best === null) continue;
        if (!groups.has(best)) groups.set(best, []);
        groups.get(best).push(cy.getElementById(id));
      }
      if (!groups.size) {
        // Linked to nothing with a place: one of them starts beside the
        // drawing, and the others of its part hang off it.
        const first = cy.getElementById(todo.values().next().value);
        first.position({ x: bb.x2 + 150, y: bb.y1 + bb.h / 2 + 150 * beside });
        beside += 1;
        todo.delete(first.id());
        rank.set(first.id(), rank.size);
        continue;
      }
      cy.batch(() => {
        for (const [anchorId, group] of groups) {
          const p = cy.getElementById(anchorId).position();
          let dx = p.x - centre.x;
          let dy = p.y - centre.y;
          if (Math.hypot(dx, dy) < 1) {
            dx = 1;
            dy = 0;
          }
          const heading = Math.atan2(dy, dx);
          const n = group.length;
          const span = n === 1 ? 0 : Math.min(Math.PI * 1.8, Math.max(Math.PI / 2, n * 0.32));
          const radius = n === 1 ? 110 : Math.max(120, (50 * n) / span);
          group.forEach((node, i) => {
            const t = n === 1 ? heading : heading - span / 2 + (span * i) / (n - 1);
            node.position({ x: p.x + radius * Math.cos(t), y: p.y + radius * Math.sin(t) });
          });
        }
      });
      for (const group of groups.values()) {
        for (const node of group) {
          todo.delete(node.id());
          rank.set(node.id(), rank.size);
        }
      }
    }
  }

  /**
   * Lays out the whole drawing: fCoSE, a fast force-directed layout
   * (spectral start, then forces); from the current places unless
   * `randomize`.
   */
  layout({ randomize = false, animate = false, pinned = null } = {}) {
    const visible = this.#shown();
    const n = visible.nodes().length;
    const l = visible.layout({
      name: 'fcose',
      quality: randomize || pinned ? 'default' : 'proof',
      fixedNodeConstraint: pinned?.length ? pinned : undefined,
      randomize,
      animate,
      animationDuration: 350,
      animationEasing: 'ease-out',
      fit: false,
      padding: 30,
      nodeDimensionsIncludeLabels: false,
      uniformNodeDimensions: true,
      packComponents: true,
      // Longer edges at hubs, so that their many neighbours get room.
      idealEdgeLength: (e) => {
        const hub = Math.max(e.source().degree(false), e.target().degree(false));
        return Math.min(230, (n > 60 ? 70 : 80) + 4 * hub);
      },
      nodeRepulsion: () => 30000,
      edgeElasticity: () => 0.45,
      nestingFactor: 0.1,
      gravity: 0.2,
      gravityRange: 3.8,
      numIter: pinned ? 900 : 2500,
      tile: true,
      tilingPaddingVertical: 20,
      tilingPaddingHorizontal: 20,
    });
    this.#stopLayout();
    this.running = l;
    const done = new Promise((resolve) => {
      this.runningDone = resolve;
      l.one('layoutstop', resolve);
    });
    // (Without animation fCoSE runs to the end inside run().)
    seeded(visible.nodes().length * 7919 + visible.edges().length, () => l.run());
    return done;
  }

  /**
   * Lays the drawing out again (the entities hidden lose their places);
   * false when a newer drawing replaced it meanwhile (left as it is).
   */
  async tidy() {
    const generation = this.generation;
    await this.layout({ randomize: false, animate: !matchMedia('(prefers-reduced-motion: reduce)').matches });
    if (generation !== this.generation) return false;
    this.fit();
    this.#laidOutAnew();
    return true;
  }

  /** Zooms out (and pans) just enough that `eles` are in view, if they are not. */
  #reveal(eles) {
    const target = this.#revealViewport(eles);
    if (target) this.cy.viewport(target);
  }

  /** The viewport of #reveal (null: `eles` are in view already). */
  #revealViewport(eles) {
    const cy = this.cy;
    const shown = eles.intersection(this.#shown());
    if (shown.empty()) return null;
    const ext = cy.extent();
    const bb = shown.boundingBox({ includeLabels: false, includeOverlays: false });
    const inside = bb.x1 >= ext.x1 && bb.x2 <= ext.x2 && bb.y1 >= ext.y1 && bb.y2 <= ext.y2;
    if (inside) return null;
    const all = bb;
    const both = {
      x1: Math.min(all.x1, ext.x1),
      y1: Math.min(all.y1, ext.y1),
      x2: Math.max(all.x2, ext.x2),
      y2: Math.max(all.y2, ext.y2),
    };
    const pad = 40;
    const zoom = Math.min(
      cy.zoom(),
      (cy.width() - 2 * pad) / (both.x2 - both.x1),
      (cy.height() - 2 * pad) / (both.y2 - both.y1),
    );
    return {
      zoom,
      pan: {
        x: cy.width() / 2 - zoom * ((both.x1 + both.x2) / 2),
        y: cy.height() / 2 - zoom * ((both.y1 + both.y2) / 2),
      },
    };
  }

  /** Fits the view to `ids` (all that is shown by default), zoomed in at most 1.5x. */
  fit(ids) {
    const cy = this.cy;
    const eles = ids ? cy.collection(ids.map((id) => cy.getElementById(id))) : this.#shown();
    const target = this.#fitViewport(eles);
    if (target) cy.viewport(target);
  }

  /** Centres the view on `id` without changing the zoom much. */
  focus(id) {
    const n = this.cy.getElementById(id);
    if (n.empty()) return;
    const cy = this.cy;
    const ext = cy.extent();
    const p = n.position();
    const inside = p.x > ext.x1 && p.x < ext.x2 && p.y > ext.y1 && p.y < ext.y2;
    if (!inside) cy.center(n);
  }

  select(id) {
    this.cy.elements().unselect();
    if (id) this.cy.getElementById(id).select();
  }

  /**
   * Shows only these kinds / relation types (null: all), and a highlighted
   * path whole whatever they hide. Entities shown for the first time since
   * they were drawn are placed beside their neighbours, and the drawing then
   * fits the canvas (see #placeShown; `this.settled` says when they are
   * still).
   */
  setFilters({ kinds, types }) {
    this.filters = { kinds, types };
    this.cy.batch(() => this.#applyFilters());
    this.#placeNewlyShown({ fitAfter: true });
  }

  /**
   * After a filter or highlight showed entities: those without a place get
   * one (everything is laid out when nothing shown has one). `fitAfter`: as
   * for #placeShown.
   */
  #placeNewlyShown({ fitAfter }) {
    const shown = this.#shown().nodes();
    if (shown.every((n) => this.placed.has(n.id()))) return;
    // A new placing: what a previous one was still doing stops.
    this.#stopLayout();
    this.settled = null;
    this.generation += 1;
    if (!shown.some((n) => this.placed.has(n.id()))) this.settled = this.#layoutAnew();
    else this.#placeShown([], { fitAfter });
  }

  #applyFilters() {
    const { kinds, types } = this.filters;
    const cy = this.cy;
    cy.elements('.hidden').removeClass('hidden');
    // (A highlighted path is shown whole: the filters hide only the rest.)
    const rest = cy.elements().not('.on-path');
    if (kinds) rest.nodes().filter((n) => !kinds.has(n.data('kind'))).addClass('hidden');
    if (types) rest.edges().filter((e) => !types.has(e.data('type'))).addClass('hidden');
    if (types) {
      // An entity whose every relation is filtered out is hidden too
      // (unless it is one of the entities the view is about).
      rest.nodes().forEach((n) => {
        if (this.roots.has(n.id())) return;
        const edges = n.connectedEdges();
        if (edges.nonempty() && edges.every((e) => e.hasClass('hidden'))) n.addClass('hidden');
      });
    }
  }

  /** Highlights a path ({nodes, relations}) and fades the rest; null clears. */
  highlight(path) {
    const cy = this.cy;
    if (!path && !this.highlighted) return;
    this.highlighted = Boolean(path);
    cy.batch(() => {
      cy.elements('.on-path, .faded').removeClass('on-path faded');
      cy.edges().forEach((e) => {
        const label = e.data('type') === 'LEADS' ? e.data('role') : '';
        if (e.data('label') !== label) e.data('label', label);
      });
      if (path) {
        const ids = new Set([...path.nodes.map((n) => n.id), ...path.relations.map((r) => r.id)]);
        cy.elements().forEach((e) => {
          const on = ids.has(e.id());
          e.addClass(on ? 'on-path' : 'faded');
          if (on && e.isEdge()) e.data('label', e.data('pathLabel'));
        });
      }
      // The path is shown whole, whatever the filters hide; once it is
      // cleared, the filters alone say what is shown.
      this.#applyFilters();
    });
    // (The view stays on the path.)
    this.#placeNewlyShown({ fitAfter: false });
  }

  counts() {
    const vis = this.#shown();
    return { nodes: vis.nodes().length, edges: vis.edges().length };
  }

  /** Where the entities with a place are: id -> {x, y}. */
  positions() {
    return new Map(
      this.cy
        .nodes()
        .filter((n) => this.placed.has(n.id()))
        .map((n) => [n.id(), { ...n.position() }]),
    );
  }
}
