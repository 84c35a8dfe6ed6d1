// The graph's vocabulary as the explorer shows it: entity kinds (colour,
// shape, label) and relation types (a phrase for each direction).

export const KINDS = [
  { kind: 'ORGANISATION', label: 'Organisation', plural: 'Organisations', color: '#0072b2', shape: 'round-rectangle' },
  { kind: 'PERSON', label: 'Person', plural: 'People', color: '#d55e00', shape: 'ellipse' },
  { kind: 'GROUP', label: 'Group', plural: 'Groups', color: '#009e73', shape: 'hexagon' },
  { kind: 'DELIVERABLE', label: 'Deliverable', plural: 'Deliverables', color: '#cc79a7', shape: 'diamond' },
  { kind: 'EVENT', label: 'Event', plural: 'Events', color: '#e69f00', shape: 'round-triangle' },
];

export const KIND = Object.fromEntries(KINDS.map((k) => [k.kind, k]));

// In the schema's order; `out` reads "<this> out <other>", `in` reads
// "<this> in <other>".
export const RELATION_TYPES = [
  { type: 'AFFILIATED_WITH', label: 'Affiliated with', out: 'Affiliated with', in: 'People affiliated' },
  { type: 'LEADS', label: 'Leads', out: 'Leads', in: 'Led by' },
  { type: 'MEMBER_OF', label: 'Member of', out: 'Member of', in: 'Members' },
  { type: 'PART_OF', label: 'Part of', out: 'Part of', in: 'Parts' },
  { type: 'COORDINATES', label: 'Coordinates', out: 'Coordinates', in: 'Coordinated by' },
  { type: 'SUPPORTS', label: 'Supports', out: 'Supports', in: 'Supported by' },
  { type: 'PRODUCED', label: 'Produced', out: 'Produced', in: 'Produced by' },
  { type: 'DEVELOPED', label: 'Developed', out: 'Developed', in: 'Developed by' },
  { type: 'AUTHORED', label: 'Authored', out: 'Authored', in: 'Authored by' },
  { type: 'FEATURES', label: 'Features', out: 'Features', in: 'Featured in' },
  { type: 'PRESENTED', label: 'Presented', out: 'Presented', in: 'Presented by' },
  { type: 'MODERATED', label: 'Moderated', out: 'Moderated', in: 'Moderated by' },
  { type: 'SPOKE_AT', label: 'Spoke at', out: 'Spoke at', in: 'Speakers' },
];

export const RELATION = Object.fromEntries(RELATION_TYPES.map((r) => [r.type, r]));

export const GROUP_KINDS = [
  { value: 'INITIATIVE', label: 'Initiative' },
  { value: 'THEMATIC_GROUP', label: 'Thematic group' },
  { value: 'WORKING_GROUP', label: 'Working group' },
  { value: 'SECRETARIAT', label: 'Secretariat' },
  { value: 'STUDY_GROUP', label: 'Study group' },
];

/** "THEMATIC_GROUP" -> "Thematic group". */
export function enumLabel(value) {
  if (!value) return '';
  const s = String(value).toLowerCase().replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A small SVG of a kind's shape and colour, for legends and badges. */
export function kindIcon(kind, size = 14) {
  const k = KIND[kind];
  if (!k) return '';
  const s = size;
  const c = k.color;
  const stroke = 'stroke="#1b1f24" stroke-width="1"';
  let shape;
  switch (k.shape) {
    case 'ellipse':
      shape = `<circle cx="${s / 2}" cy="${s / 2}" r="${s / 2 - 1}" fill="${c}" ${stroke}/>`;
      break;
    case 'hexagon': {
      const h = s / 2;
      const pts = [0, 1, 2, 3, 4, 5]
        .map((i) => {
          const a = (Math.PI / 3) * i;
          return `${(h + (h - 1) * Math.cos(a)).toFixed(1)},${(h + (h - 1) * Math.sin(a)).toFixed(1)}`;
        })
        .join(' ');
      shape = `<polygon points="${pts}" fill="${c}" ${stroke}/>`;
      break;
    }
    case 'diamond':
      shape = `<polygon points="${s / 2},1 ${s - 1},${s / 2} ${s / 2},${s - 1} 1,${s / 2}" fill="${c}" ${stroke}/>`;
      break;
    case 'round-triangle':
      shape = `<polygon points="${s / 2},1 ${s - 1},${s - 2} 1,${s - 2}" fill="${c}" ${stroke} stroke-linejoin="round"/>`;
      break;
    default:
      shape = `<rect x="1" y="2" width="${s - 2}" height="${s - 4}" rx="3" fill="${c}" ${stroke}/>`;
  }
  return `<svg class="kind-icon" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" aria-hidden="true" focusable="false">${shape}</svg>`;
}

/** Escapes text for HTML. */
export function esc(text) {
  return String(text ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
