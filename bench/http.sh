#!/usr/bin/env bash
# HTTP benchmark: civgraph against the ceiling of this machine, in one run,
# on each query of the in-process benchmarks (benches/scale.rs).
#
# Builds the release binary and two examples: http_bodies, which draws the
# requests from the graph (examples/http_bodies.rs says which: entity + 1-hop,
# 2-hop neighbourhood, shortest path and k shortest paths between random
# pairs, search top-10 as typed into a search box, 100 entities), and
# ceiling (examples/ceiling.rs: axum answering each request with the bytes
# civgraph answers it, with no GraphQL work). Starts them on 127.0.0.1
# pinned to core 0, and loads each in turn with wrk pinned to core 1 (POST,
# 32 connections; a query of several requests, such as the random pairs,
# cycles through them), RUNS times DURATION each, the targets alternating
# within each run. civgraph runs three times: as served by default
# (`civgraph`: a request asked before is answered from the response cache);
# with the response cache off (`executed`: every request parsed from JSON,
# checked and run; after the first, by the document's compiled plan when
# the document has one); and with the response cache and plans off
# (`no-plans`: every request validated and executed by async-graphql; the
# document cache still spares the GraphQL parse). Every target is first
# checked to answer every request with the same bytes, and none with an
# error. Prints, for each query, requests/s and p50/p99 latency (medians of
# the runs) and requests/s as a ratio of the ceiling's.
# Stops what it started, even on error.
#
#   bench/http.sh                      # every query, 3 runs x 10 s, bundled graph
#   RUNS=5 DURATION=20s QUERIES="entity_1hop search_top10" bench/http.sh
#   DATA=target/bench-graphs/100000-seed1 bench/http.sh   # a generated graph
#   ENTITY=person:okan-geray FIRST=50 QUERIES=entity_1hop bench/http.sh
#   CIVGRAPH=/tmp/civgraph-before bench/http.sh   # another build of civgraph
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_QUERIES="entity_1hop neighbourhood_2hop shortest_path k_shortest_paths search_top10 hundred_entities"
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
DATA=${DATA:-graph-data}
QUERIES=${QUERIES:-$ALL_QUERIES}
TARGETS=${TARGETS:-ceiling civgraph executed no-plans}
ENTITY=${ENTITY:-} # entity_1hop's entity; the one with the most relations by default
FIRST=${FIRST:-20} # entity_1hop's page of relations
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
CIV_PORT=${CIV_PORT:-18080}
CEILING_PORT=${CEILING_PORT:-18081}
EXECUTED_PORT=${EXECUTED_PORT:-18082}
NO_PLANS_PORT=${NO_PLANS_PORT:-18083}
CIVGRAPH=${CIVGRAPH:-} # the civgraph binary; this tree's release build by default

for query in $QUERIES; do
  case " $ALL_QUERIES " in
    *" $query "*) ;;
    *) echo "error: unknown query $query (the queries: $ALL_QUERIES)" >&2; exit 2 ;;
  esac
done
for target in $TARGETS; do
  case "$target" in
    ceiling | civgraph | executed | no-plans) ;;
    *) echo "error: unknown target $target (the targets: ceiling civgraph executed no-plans)" >&2; exit 2 ;;
  esac
done
case " $TARGETS " in
  *" ceiling "*) ;;
  *) echo "error: TARGETS must include ceiling: every figure is a ratio of it" >&2; exit 2 ;;
esac

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

echo "== building (release)"
if [ -z "$CIVGRAPH" ]; then
  cargo build --release --quiet --bin civgraph --example ceiling --example http_bodies
  CIVGRAPH=target/release/civgraph
else
  cargo build --release --quiet --example ceiling --example http_bodies
fi

echo "== drawing the requests from $DATA"
target/release/examples/http_bodies "$DATA" "$work" "$ENTITY" "$FIRST"

port_of() { # TARGET
  case "$1" in
    ceiling) echo "$CEILING_PORT" ;;
    civgraph) echo "$CIV_PORT" ;;
    executed) echo "$EXECUTED_PORT" ;;
    no-plans) echo "$NO_PLANS_PORT" ;;
  esac
}

wait_for() { # URL PID [STATUS]: until the URL answers with STATUS (200), for up
  # to 10 minutes (a large graph loads for a while)
  for _ in $(seq 1 6000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "${3:-200}" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "error: the server for $1 stopped" >&2; return 1; }
    sleep 0.1
  done
  echo "error: $1 did not answer" >&2
  return 1
}

start_civgraph() { # PORT LOG ARGS...
  local port=$1 log=$2
  shift 2
  RUST_LOG=warn taskset -c "$SERVER_CORE" "$CIVGRAPH" serve --data "$DATA" \
    --bind "127.0.0.1:$port" "$@" >"$log" 2>&1 &
  pids+=($!)
}
# One at a time: a large graph's loads would otherwise share the cores.
for target in $TARGETS; do
  case "$target" in
    civgraph) start_civgraph "$CIV_PORT" "$work/civgraph.log" ;;
    executed) start_civgraph "$EXECUTED_PORT" "$work/executed.log" --response-cache-mb 0 ;;
    no-plans) start_civgraph "$NO_PLANS_PORT" "$work/no-plans.log" --response-cache-mb 0 --no-plans ;;
    *) continue ;;
  esac
  wait_for "http://127.0.0.1:$(port_of "$target")/health" "${pids[-1]}"
done

post() { # PORT BODY: the response's bytes
  printf '%s' "$2" | curl -fsS -H 'content-type: application/json' -H 'accept: application/json' \
    --data-binary @- "http://127.0.0.1:$1/graphql"
}

# The answers, from a civgraph that runs every request (and the response
# cache's, when only that one is benchmarked).
reference=$EXECUTED_PORT
case " $TARGETS " in
  *" executed "*) ;;
  *" civgraph "*) reference=$CIV_PORT ;;
  *" no-plans "*) reference=$NO_PLANS_PORT ;;
  *) start_civgraph "$EXECUTED_PORT" "$work/executed.log" --response-cache-mb 0
     wait_for "http://127.0.0.1:$EXECUTED_PORT/health" "${pids[-1]}" ;;
esac
: >"$work/all.requests"
: >"$work/all.responses"
for query in $QUERIES; do
  while IFS= read -r body; do
    response=$(post "$reference" "$body")
    if [[ $response == *'"errors"'* ]]; then
      echo "error: $query failed: $response (request $body)" >&2
      exit 1
    fi
    printf '%s\n' "$body" >>"$work/all.requests"
    printf '%s\n' "$response" >>"$work/all.responses"
    printf '%s' "$response" | wc -c >>"$work/$query.sizes"
  done <"$work/$query.bodies"
done

taskset -c "$SERVER_CORE" target/release/examples/ceiling "127.0.0.1:$CEILING_PORT" \
  "$work/all.requests" "$work/all.responses" >"$work/ceiling.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$CEILING_PORT/" "${pids[-1]}" 404 # no answer to an empty body

echo "== checking that every target answers every request with the same bytes"
paste -d '\n' "$work/all.requests" "$work/all.responses" | while IFS= read -r body && IFS= read -r expected; do
  for target in $TARGETS; do
    got=$(post "$(port_of "$target")" "$body")
    if [ "$got" != "$expected" ]; then
      echo "error: $target answers other bytes to $body" >&2
      exit 1
    fi
  done
done

cat >"$work/post.lua" <<'EOF'
-- POSTs the request bodies of the file given after `--`, one per line,
-- cycling through them; prints the figures in one line at the end.
local requests = {}
local count = 0
local at = 0

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  for line in io.lines(args[1]) do
    count = count + 1
    requests[count] = wrk.format(nil, nil, nil, line)
  end
  assert(count > 0, "no request in " .. args[1])
end

function request()
  at = at % count + 1
  return requests[at]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.1f %.1f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

echo "== $DATA; $RUNS runs x $DURATION, $CONNECTIONS connections; servers on core $SERVER_CORE, wrk on core $LOAD_CORE"
for query in $QUERIES; do
  sizes=$(sort -n "$work/$query.sizes" | awk '{ v[NR] = $1 } END { printf "%d request%s, responses of %d", NR, (NR > 1 ? "s" : ""), v[1]; if (v[NR] != v[1]) printf "-%d", v[NR]; print " bytes" }')
  echo "   $query: $sizes"
done
for run in $(seq 1 "$RUNS"); do
  for query in $QUERIES; do
    for target in $TARGETS; do
      line=$(taskset -c "$LOAD_CORE" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/post.lua" \
        "http://127.0.0.1:$(port_of "$target")/graphql" -- "$work/$query.bodies" | grep '^RESULT')
      read -r _ rps p50 p99 errors <<<"$line"
      if [ "$errors" != 0 ]; then
        echo "error: $target answered $errors requests of $query with errors" >&2
        exit 1
      fi
      printf '  run %d %-18s %-8s %10.0f req/s  p50 %7.0f us  p99 %7.0f us\n' \
        "$run" "$query" "$target" "$rps" "$p50" "$p99"
      echo "$rps $p50 $p99" >>"$work/$query.$target.runs"
    done
  done
done

median() { # FILE COLUMN
  sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
echo "== medians of $RUNS runs"
printf '%-18s %-10s %12s %10s %10s %10s\n' query target "req/s" "p50 (us)" "p99 (us)" "of ceiling"
for query in $QUERIES; do
  ceiling_rps=$(median "$work/$query.ceiling.runs" 1)
  for target in $TARGETS; do
    rps=$(median "$work/$query.$target.runs" 1)
    printf '%-18s %-10s %12.0f %10.0f %10.0f %10.2f\n' "$query" "$target" "$rps" \
      "$(median "$work/$query.$target.runs" 2)" "$(median "$work/$query.$target.runs" 3)" \
      "$(awk -v a="$rps" -v b="$ceiling_rps" 'BEGIN { print a / b }')"
  done
done
