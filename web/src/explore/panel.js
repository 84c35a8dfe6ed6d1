// The side panel's contents: an entity (fields, relations, source quotes),
// a relation, a path, or the overview. Plain HTML strings; every link is a
// real link to an explorer URL, so it works by keyboard, opens in a new tab
// and can be shared.
import { GROUP_KINDS, KIND, RELATION, RELATION_TYPES, enumLabel, esc, kindIcon } from './vocab.js';

/** The explorer URL of an entity or relation, optionally with entities to keep expanded. */
export function viewHref(id, expand = []) {
  const keep = expand.filter((e) => e !== id);
  const q = keep.length ? `?expand=${keep.map(encodeURIComponent).join(',')}` : '';
  return `/explore/${encodeURI(id)}${q}`;
}

function kindBadge(kind) {
  const k = KIND[kind];
  return `<span class="kind-badge">${kindIcon(kind, 14)}${esc(k ? k.label : kind)}</span>`;
}

function entityLink(e, expand) {
  return `<a href="${viewHref(e.id, expand)}" class="entity-link">${kindIcon(e.kind, 12)}${esc(e.name)}</a>`;
}

function quotes(sources) {
  return sources
    .map(
      (s) => `<figure class="quote">
        <blockquote>${esc(s.quote)}</blockquote>
        <figcaption>${esc(s.document)}${s.section ? ` — ${esc(s.section)}` : ''}</figcaption>
      </figure>`,
    )
    .join('');
}

function field(label, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return '';
  const v = Array.isArray(value) ? value.map(esc).join(', ') : value;
  return `<dt>${esc(label)}</dt><dd>${v}</dd>`;
}

const GROUP_KIND_LABEL = Object.fromEntries(GROUP_KINDS.map((g) => [g.value, g.label]));

function ideHref(query) {
  return `/graphiql?query=${encodeURIComponent(query)}`;
}

/** The panel for an entity, from `entityDetails`. `expand`: the roots drawn. */
export function entityPanel(e, expand) {
  const parent = e.parent ? entityLink({ ...e.parent, kind: e.kind }, expand) : '';
  const fields = [
    field('Also known as', e.aliases),
    field('Honorific', e.honorific ? esc(e.honorific) : ''),
    field('Titles', e.titles),
    field('Acronym', e.acronym ? esc(e.acronym) : ''),
    field('Category', e.category ? esc(enumLabel(e.category)) : ''),
    field('Kind of group', e.groupKind ? esc(GROUP_KIND_LABEL[e.groupKind] ?? enumLabel(e.groupKind)) : ''),
    field('Number', e.number ?? ''),
    field('Kind', e.deliverableKind ? esc(enumLabel(e.deliverableKind)) : e.eventKind ? esc(enumLabel(e.eventKind)) : ''),
    field('Status', e.status ? esc(enumLabel(e.status)) : ''),
    field('Date', e.date ? esc(e.date) : ''),
    field('Part of', parent),
    field('Address', e.url ? `<a href="${esc(e.url)}" rel="noopener noreferrer">${esc(e.url)}</a>` : ''),
  ].join('');

  // Relations grouped by type and direction, in the schema's type order.
  const groups = new Map();
  for (const edge of e.relations.edges) {
    const key = `${edge.relation.type}:${edge.direction}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(edge);
  }
  const order = RELATION_TYPES.flatMap((t) => [`${t.type}:OUT`, `${t.type}:IN`]);
  const relations = order
    .filter((k) => groups.has(k))
    .map((k) => {
      const [type, dir] = k.split(':');
      const t = RELATION[type];
      const title = t ? (dir === 'OUT' ? t.out : t.in) : type;
      const items = groups
        .get(k)
        .map((edge) => {
          const r = edge.relation;
          const role = r.role ? `<span class="role">${esc(r.role)}</span>` : '';
          const note = r.note ? `<p class="note">${esc(r.note)}</p>` : '';
          return `<li>
            <div class="rel-line">${entityLink(edge.node, expand)}${role}</div>
            ${note}
            <details class="rel-source">
              <summary>Source${r.sources.length > 1 ? `s (${r.sources.length})` : ''}<span class="visually-hidden"> for ${esc(title.toLowerCase())} ${esc(edge.node.name)}</span></summary>
              ${quotes(r.sources)}
              <p class="rel-id"><a href="${viewHref(r.id, expand)}">This relation</a></p>
            </details>
          </li>`;
        })
        .join('');
      return `<h4>${esc(title)} <span class="count">(${groups.get(k).length})</span></h4><ul class="rels">${items}</ul>`;
    })
    .join('');
  const more =
    e.relations.totalCount > e.relations.edges.length
      ? `<p class="muted">Showing ${e.relations.edges.length} of ${e.relations.totalCount} relations.</p>`
      : '';

  const query = `{
  entity(id: "${e.id}") {
    id
    name
    kind
    description
    sources { document section quote }
    relations(first: 20) {
      totalCount
      edges { direction node { id name } relation { type role } }
    }
  }
}`;

  return `<div class="panel-head">
      ${kindBadge(e.kind)}
      <h2 id="panel-title" tabindex="-1">${esc(e.name)}</h2>
      <p class="entity-id"><code>${esc(e.id)}</code></p>
    </div>
    ${e.description ? `<p class="description">${esc(e.description)}</p>` : ''}
    ${e.note ? `<p class="note"><strong>Note:</strong> ${esc(e.note)}</p>` : ''}
    ${fields ? `<dl class="fields">${fields}</dl>` : ''}
    <div class="panel-actions">
      <a class="btn secondary" href="/explore/path?from=${encodeURIComponent(e.id)}">Find a path from here</a>
      <a class="btn secondary" href="${ideHref(query)}">Query in the IDE</a>
    </div>
    <section class="panel-section" aria-labelledby="sources-title">
      <h3 id="sources-title">Sources</h3>
      ${quotes(e.sources)}
    </section>
    <section class="panel-section" aria-labelledby="relations-title">
      <h3 id="relations-title">Relations <span class="count">(${e.relations.totalCount})</span></h3>
      ${relations || '<p class="muted">No relations.</p>'}
      ${more}
    </section>`;
}

/** The panel for a relation, from `relationDetails`. */
export function relationPanel(r, expand) {
  const t = RELATION[r.type];
  return `<div class="panel-head">
      <span class="kind-badge">Relation</span>
      <h2 id="panel-title" tabindex="-1">${esc(r.from.name)} <span class="rel-verb">${esc(t ? t.out.toLowerCase() : r.type)}</span> ${esc(r.to.name)}</h2>
      <p class="entity-id"><code>${esc(r.id)}</code></p>
    </div>
    <dl class="fields">
      ${field('Type', esc(r.type))}
      ${field('From', entityLink(r.from, expand))}
      ${field('To', entityLink(r.to, expand))}
      ${field('Role', r.role ? esc(r.role) : '')}
    </dl>
    ${r.note ? `<p class="note"><strong>Note:</strong> ${esc(r.note)}</p>` : ''}
    <section class="panel-section" aria-labelledby="sources-title">
      <h3 id="sources-title">Sources</h3>
      ${quotes(r.sources)}
    </section>`;
}

/** The steps of a path, as a list. */
export function pathSteps(path) {
  const items = [];
  path.nodes.forEach((n, i) => {
    items.push(`<li class="step-node">${entityLink(n, [])}</li>`);
    const r = path.relations[i];
    if (!r) return;
    // The relation in its own direction; the arrow says which way it
    // points along the path.
    const t = RELATION[r.type];
    const next = path.nodes[i + 1];
    const forward = r.from === n.id;
    const verb = (t ? t.out : r.type).toLowerCase();
    const role = r.role ? ` (${esc(r.role)})` : '';
    const [a, b] = forward ? [n, next] : [next, n];
    items.push(
      `<li class="step-rel"><a href="${viewHref(r.id, [])}"><span aria-hidden="true">${forward ? '↓' : '↑'} ${esc(verb)}${role}</span><span class="visually-hidden">${esc(a.name)} ${esc(verb)} ${esc(b.name)}${role}</span></a></li>`,
    );
  });
  return `<ol class="path-steps">${items.join('')}</ol>`;
}

/** The overview panel: what the graph holds and where to start. */
export function overviewPanel(stats, hubs) {
  const byKind = stats.byKind
    .map((k) => `<li>${kindIcon(k.kind, 14)} ${k.count} ${esc((KIND[k.kind]?.plural ?? k.kind).toLowerCase())}</li>`)
    .join('');
  const start = hubs.map((h) => `<li>${entityLink(h.entity, [])}</li>`).join('');
  return `<div class="panel-head">
      <h2 id="panel-title" tabindex="-1">The whole graph</h2>
    </div>
    <p>${stats.entityCount} entities and ${stats.relationCount} relations, each with the passage of its source that states it.</p>
    <ul class="kind-counts">${byKind}</ul>
    <p>Click an entity to see its fields, relations and sources, and to draw its neighbours. Thick dark arrows are leaderships, labelled with the role.</p>
    <section class="panel-section" aria-labelledby="start-title">
      <h3 id="start-title">The most connected</h3>
      <ul class="start-list">${start}</ul>
    </section>
    <p><a href="/explore/leaders">Who leads what: the table</a> · <a href="/explore/path">Find a path between two entities</a></p>`;
}
