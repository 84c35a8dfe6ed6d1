#!/usr/bin/env bash
# Graph-wide requests on a large graph, over HTTP: how long each takes, and
# whether the server goes on answering while they run.
#
# Builds the release binary, generates the graph if it is not there yet
# (the 1M graph `cargo bench` uses, by default), starts `civgraph serve` on it
# with the response cache off (every request runs), and prints for each
# query the median of RUNS requests. Then, while three PageRank requests (one
# per type filter, so none is cached) and two relations.csv downloads run at
# once, it times /health and an entity query, and prints the server's
# largest resident size. Stops what it started, even on error.
#
#   bench/graph-wide.sh                       # 1M entities, 3 runs
#   ENTITIES=100000 RUNS=5 bench/graph-wide.sh
#   CIVGRAPH=/tmp/other-build bench/graph-wide.sh   # another build, same graph
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-1000000}
RUNS=${RUNS:-3}
PORT=${PORT:-18090}
GRAPH=${GRAPH:-target/bench-graphs/${ENTITIES}-seed1}

if [[ -z "${CIVGRAPH:-}" ]]; then
  cargo build --release --quiet
  CIVGRAPH=target/release/civgraph
fi
if [[ ! -e "$GRAPH.done" ]]; then
  rm -rf "$GRAPH"
  "$CIVGRAPH" generate --entities "$ENTITIES" --seed 1 --out "$GRAPH" >/dev/null
  touch "$GRAPH.done"
fi

pid=
cleanup() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

"$CIVGRAPH" serve --data "$GRAPH" --bind "127.0.0.1:$PORT" --response-cache-mb 0 \
  --timeout-ms 60000 2>/dev/null &
pid=$!
until curl -sf "localhost:$PORT/health" >/dev/null; do
  kill -0 "$pid" || { echo "civgraph serve stopped" >&2; exit 1; }
  sleep 1
done

# Ids the generator always makes (seed 1): a hub group, an organisation and
# two people.
HUB=group:united-for-resilience-cities-1-0
ORG=organisation:central-finance-ministry-58518
P1=person:celine-eriksen-0
P2=person:gustavo-nguyen-1
if ! curl -sf -H 'content-type: application/json' "localhost:$PORT/graphql" \
  -d "{\"query\":\"{ entity(id: \\\"$HUB\\\") { id } }\"}" | grep -q "$HUB"; then
  echo "note: $HUB is not in this graph; the queries that name it answer null" >&2
fi

# One request: its time in seconds; fails on a non-200 answer or errors.
ask() {
  local body out
  body=$(jq -cn --arg q "$1" '{query: $q}')
  out=$(curl -s -o /tmp/graph-wide-$$.json -w '%{http_code} %{time_total}' \
    -H 'content-type: application/json' "localhost:$PORT/graphql" -d "$body")
  if [[ ${out% *} != 200 ]] || jq -e '.errors' /tmp/graph-wide-$$.json >/dev/null; then
    echo "failed: $1: $(head -c 300 /tmp/graph-wide-$$.json)" >&2
    exit 1
  fi
  echo "${out#* }"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

queries=(
  "{ aggregate { entityCount byKind { key count } byRelationType { key count } } }"
  "{ aggregate(where: { nameContains: \"an\" }) { entityCount byRelationType { key count } } }"
  "{ people(where: { nameContains: \"eriksen\" }, first: 5) { totalCount } }"
  "{ leadership(first: 5) { totalCount } }"
  "{ leadership(where: { role: \"chair\" }, first: 5) { totalCount } }"
  "{ leadership(where: { leaderOrganisation: \"$ORG\" }, first: 5) { totalCount } }"
  "{ leadership(where: { groupOrganisation: \"$ORG\" }, first: 5) { totalCount } }"
  "{ leadership(where: { under: \"$HUB\" }, first: 5) { totalCount } }"
  "{ people(where: { some: [{ types: [LEADS] }] }, first: 5) { totalCount } }"
  "{ components(first: 3, types: [MEMBER_OF]) { size } }"
  "{ centrality(metric: DEGREE, first: 5, types: [MEMBER_OF, LEADS]) { score } }"
  "{ paths(from: \"$P1\", to: \"$P2\", first: 10, maxDepth: 4, types: [MEMBER_OF, AFFILIATED_WITH]) { length } }"
  "{ stats { componentCount } }"
)
echo "civgraph: $CIVGRAPH on $GRAPH, response cache off, median of $RUNS"
for q in "${queries[@]}"; do
  t=$(for _ in $(seq "$RUNS"); do ask "$q"; done | median)
  printf '%9.4f s  %s\n' "$t" "$q"
done

echo "while 3 PageRank requests and 2 relations.csv downloads run at once:"
rss_max=0
loads=()
for types in "LEADS, MEMBER_OF" "AFFILIATED_WITH, MEMBER_OF" "AFFILIATED_WITH, LEADS"; do
  ask "{ centrality(metric: PAGERANK, first: 1, types: [$types]) { score } }" >/dev/null &
  loads+=($!)
done
for _ in 1 2; do
  curl -sf "localhost:$PORT/export/relations.csv" -o /dev/null &
  loads+=($!)
done
sleep 0.5
health=$(curl -s -o /dev/null -w '%{time_total}' "localhost:$PORT/health")
entity=$(ask "{ entity(id: \"$P1\") { id name } }")
running() { for l in "${loads[@]}"; do kill -0 "$l" 2>/dev/null && return 0; done; return 1; }
while running; do
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  (( rss > rss_max )) && rss_max=$rss
  sleep 0.2
done
for l in "${loads[@]}"; do wait "$l"; done
printf '%9.4f s  /health\n%9.4f s  an entity query\n' "$health" "$entity"
echo "largest resident size meanwhile: $((rss_max / 1024)) MiB"
