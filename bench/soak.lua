-- wrk script for bench/soak.sh: mixed GraphQL queries on the bundled graph,
-- POSTed round-robin; counts answers that are not 200 or that carry errors.
local queries = {
  '{ stats { entityCount relationCount } }',
  '{ entity(id: "person:okan-geray") { id name ... on Person { affiliations { organisation { name } } } relations(first: 10) { totalCount edges { node { id name } relation { type role } } } } }',
  '{ entity(id: "group:tg-digital-public-infrastructure") { name ... on Group { leaders { role leader { name } } subgroups { edges { node { name leaders { role leader { name } } } } } } } }',
  '{ search(query: "unece", first: 5) { score entity { id name kind } } }',
  '{ search(query: "digital public infra", first: 10) { score entity { id name } } }',
  '{ shortestPath(from: "person:okan-geray", to: "person:leyi-zhang") { length nodes { id name } relations { type role } } }',
  '{ paths(from: "person:okan-geray", to: "person:leyi-zhang", maxDepth: 5, first: 5) { length nodes { id } } }',
  '{ traverse(from: ["group:u4ssc"], steps: [{types: [PART_OF], direction: IN, maxHops: 3}], first: 20) { totalCount edges { depth node { name } } } }',
  '{ leadership(first: 20) { totalCount edges { node { role } } } }',
  '{ entities(first: 50, kinds: [PERSON, ORGANISATION]) { totalCount edges { cursor node { id name } } } }',
  '{ entity(id: "group:u4ssc") { neighbourhood(depth: 2) { nodes { id } relations { id } } } }',
  '{ documents { key title } }',
}

local requests = {}
for i, q in ipairs(queries) do
  local body = '{"query": ' .. string.format('%q', q) .. '}'
  requests[i] = wrk.format('POST', '/graphql', {
    ['Content-Type'] = 'application/json',
    ['Accept'] = 'application/graphql-response+json',
  }, body)
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  not_ok = 0
  with_errors = 0
  first_bad = ''
end

function request()
  n = n + 1
  return requests[(n % #requests) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    if first_bad == '' then first_bad = status .. ' ' .. string.sub(body, 1, 300) end
  elseif string.find(body, '"errors"', 1, true) then
    with_errors = with_errors + 1
    if first_bad == '' then first_bad = string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local bad, errs, sample = 0, 0, ''
  for _, t in ipairs(threads) do
    bad = bad + t:get('not_ok')
    errs = errs + t:get('with_errors')
    if sample == '' then sample = t:get('first_bad') end
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non_200=%d graphql_errors=%d socket_errors=%d\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    bad + e.status, errs, e.connect + e.read + e.write + e.timeout))
  if sample ~= '' then io.write('SOAK first bad answer: ' .. sample .. '\n') end
end
