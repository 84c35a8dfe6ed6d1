// The explorer's only data source: civgraph's same-origin /graphql.

export class ApiError extends Error {}

/** Sends one GraphQL operation; the data, or an ApiError. */
export async function gql(query, variables = {}) {
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(`civgraph did not answer (${err.message})`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`civgraph answered ${res.status} without a GraphQL response`);
  }
  if (body.errors?.length) {
    throw new ApiError(body.errors.map((e) => e.message).join('; '));
  }
  return body.data;
}

const RELATION = 'id type role from { id } to { id }';

/**
 * Every entity and relation. Entities come a page of 100 at a time with
 * their count of outgoing relations; the relations come as each entity's
 * outgoing ones, many entities per request (aliases), sized to stay well
 * under the server's complexity and alias limits.
 */
export async function wholeGraph() {
  const list = `query Entities($after: String) {
    entities(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name kind relationCount(direction: OUT) } }
    }
  }`;
  const nodes = [];
  const batches = [];
  let after = null;
  for (;;) {
    const data = await gql(list, { after });
    const page = data.entities.edges.map((e) => e.node);
    for (const n of page) nodes.push({ id: n.id, name: n.name, kind: n.kind });
    batches.push(...outRelations(page.filter((n) => n.relationCount > 0)));
    if (!data.entities.pageInfo.hasNextPage) break;
    after = data.entities.pageInfo.endCursor;
  }
  const relations = (await Promise.all(batches)).flat();
  return { nodes, relations };
}

/** The outgoing relations of `entities` ({id, relationCount}), in as few requests as fit. */
function outRelations(entities) {
  const COST = 12; // per relation, with a margin
  const BUDGET = 12000;
  const MAX_ALIASES = 25; // the server allows 30 aliases per request
  const requests = [];
  let batch = [];
  let cost = 0;
  const flush = () => {
    if (!batch.length) return;
    const these = batch;
    const vars = these.map((_, i) => `$e${i}: ID!, $n${i}: Int!`).join(', ');
    const fields = these
      .map(
        (_, i) => `e${i}: entity(id: $e${i}) {
          relations(direction: OUT, first: $n${i}) { edges { relation { ${RELATION} } } } }`,
      )
      .join('\n');
    const variables = {};
    these.forEach((e, i) => {
      variables[`e${i}`] = e.id;
      variables[`n${i}`] = Math.min(e.relationCount, 100);
    });
    requests.push(
      gql(`query OutRelations(${vars}) {\n${fields}\n}`, variables).then((data) =>
        these.flatMap((_, i) => data[`e${i}`]?.relations.edges.map((x) => flat(x.relation)) ?? []),
      ),
    );
    batch = [];
    cost = 0;
  };
  for (const e of entities) {
    const c = Math.min(e.relationCount, 100) * COST + 4;
    if (cost + c > BUDGET || batch.length === MAX_ALIASES) flush();
    batch.push(e);
    cost += c;
  }
  flush();
  return requests;
}

function flat(r) {
  return { id: r.id, type: r.type, role: r.role, from: r.from.id, to: r.to.id };
}

/** The 1-hop neighbourhoods of `ids`, in one request: id -> {nodes, relations}. */
export async function neighbourhoods(ids) {
  if (!ids.length) return {};
  const vars = ids.map((_, i) => `$e${i}: ID!`).join(', ');
  const fields = ids
    .map(
      (_, i) => `e${i}: entity(id: $e${i}) { id neighbourhood(depth: 1) {
        nodes { id name kind } relations { ${RELATION} } } }`,
    )
    .join('\n');
  const variables = Object.fromEntries(ids.map((id, i) => [`e${i}`, id]));
  const data = await gql(`query Neighbourhoods(${vars}) {\n${fields}\n}`, variables);
  const out = {};
  ids.forEach((id, i) => {
    const e = data[`e${i}`];
    out[id] = e
      ? { nodes: e.neighbourhood.nodes, relations: e.neighbourhood.relations.map(flat) }
      : null;
  });
  return out;
}

const SOURCES = 'sources { document section quote }';

export const ENTITY_DETAILS = `query EntityDetails($id: ID!) {
  entity(id: $id) {
    id name kind aliases description note ${SOURCES}
    ... on Organisation { acronym category parent { id name } }
    ... on Person { honorific titles }
    ... on Group { groupKind number status parent { id name } }
    ... on Deliverable { deliverableKind status url }
    ... on Event { eventKind date number parent { id name } }
    relations(first: 100) {
      totalCount
      edges {
        direction
        node { id name kind }
        relation { id type role note ${SOURCES} }
      }
    }
  }
}`;

/** An entity with its fields, relations and sources (null when unknown). */
export async function entityDetails(id) {
  const data = await gql(ENTITY_DETAILS, { id });
  return data.entity;
}

/** A relation with both ends and its sources. */
export async function relationDetails(id) {
  const data = await gql(
    `query RelationDetails($id: ID!) { relation(id: $id) {
      id type role note ${SOURCES}
      from { id name kind } to { id name kind } } }`,
    { id },
  );
  return data.relation;
}

/** Ranked search hits. */
export async function search(text, first = 8) {
  const data = await gql(
    `query Search($q: String!, $first: Int) {
      search(query: $q, first: $first) { score entity { id name kind description } } }`,
    { q: text, first },
  );
  return data.search;
}

/** The shortest path and up to 5 short alternatives between two entities. */
export async function paths(from, to) {
  const path = `length nodes { id name kind } relations { ${RELATION} }`;
  const data = await gql(
    `query Paths($from: ID!, $to: ID!) {
      shortestPath(from: $from, to: $to, maxDepth: 10) { ${path} }
      paths(from: $from, to: $to, maxDepth: 6, first: 5) { ${path} }
    }`,
    { from, to },
  );
  const norm = (p) => ({ length: p.length, nodes: p.nodes, relations: p.relations.map(flat) });
  return {
    shortest: data.shortestPath ? norm(data.shortestPath) : null,
    others: data.paths.map(norm),
  };
}

/** Names of entities by id (for labels of ids read from a URL). */
export async function names(ids) {
  if (!ids.length) return {};
  const vars = ids.map((_, i) => `$e${i}: ID!`).join(', ');
  const fields = ids.map((_, i) => `e${i}: entity(id: $e${i}) { id name kind }`).join('\n');
  const variables = Object.fromEntries(ids.map((id, i) => [`e${i}`, id]));
  const data = await gql(`query Names(${vars}) {\n${fields}\n}`, variables);
  const out = {};
  ids.forEach((id, i) => {
    out[id] = data[`e${i}`];
  });
  return out;
}

/** Every row of the who-leads-what table that matches `where`. */
export async function leadership(where) {
  const query = `query Leadership($where: LeadershipWhere!, $after: String) {
    leadership(where: $where, first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        leader { id name kind }
        role
        led { id name kind ... on Group { groupKind } }
        ledParentChain { id name }
        leaderAffiliations { role organisation { id name } }
        relation { id sources { quote } }
      } }
    }
  }`;
  const rows = [];
  let after = null;
  for (;;) {
    const data = await gql(query, { where, after });
    for (const { node } of data.leadership.edges) rows.push(node);
    if (!data.leadership.pageInfo.hasNextPage) break;
    after = data.leadership.pageInfo.endCursor;
  }
  return rows;
}
