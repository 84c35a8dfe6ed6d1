#!/usr/bin/env bash
# HTTP benchmark: civgraph against the ceiling of this machine, in one run.
#
# Builds the release binary and the ceiling example (examples/ceiling.rs: axum
# answering the same bytes with no GraphQL work), starts them on 127.0.0.1
# pinned to core 0, and loads each in turn with wrk pinned to core 1 (POST of
# an entity + 1-hop query, 32 connections), RUNS times DURATION each,
# alternating. civgraph runs three times: as served by default (`civgraph`:
# the query repeats, so after the first request its response comes from the
# response cache); with the response cache off (`executed`: every request
# parsed from JSON, checked and run; after the first, by the document's
# compiled plan); and with the response cache and plans off (`no-plans`:
# every request validated and executed by async-graphql; the document cache
# still spares the GraphQL parse). Prints requests/s and p50/p99 latency
# (medians of the runs) and each as a ratio of the ceiling.
# Stops what it started, even on error.
#
#   bench/http.sh                      # 3 runs x 10 s, 32 connections
#   RUNS=5 DURATION=20s bench/http.sh
#   ENTITY=person:okan-geray FIRST=50 bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ENTITY=${ENTITY:-group:u4ssc} # the bundled graph's hub: 34 relations, 20 returned
FIRST=${FIRST:-20}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
CIV_PORT=${CIV_PORT:-18080}
CEILING_PORT=${CEILING_PORT:-18081}
EXECUTED_PORT=${EXECUTED_PORT:-18082}
NO_PLANS_PORT=${NO_PLANS_PORT:-18083}

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
cargo build --release --quiet --bin civgraph --example ceiling

wait_for() { # URL
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "error: $1 did not answer" >&2
  return 1
}

query="{ entity(id: \\\"$ENTITY\\\") { id name kind relations(first: $FIRST) { totalCount edges { direction relation { type role } node { id name kind } } } } }"
body="{\"query\":\"$query\"}"

RUST_LOG=warn taskset -c "$SERVER_CORE" target/release/civgraph serve --data graph-data \
  --bind "127.0.0.1:$CIV_PORT" >"$work/civgraph.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$CIV_PORT/health"
RUST_LOG=warn taskset -c "$SERVER_CORE" target/release/civgraph serve --data graph-data \
  --bind "127.0.0.1:$EXECUTED_PORT" --response-cache-mb 0 >"$work/executed.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$EXECUTED_PORT/health"
RUST_LOG=warn taskset -c "$SERVER_CORE" target/release/civgraph serve --data graph-data \
  --bind "127.0.0.1:$NO_PLANS_PORT" --response-cache-mb 0 --no-plans >"$work/no-plans.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$NO_PLANS_PORT/health"

curl -fs -H 'content-type: application/json' -H 'accept: application/json' \
  -d "$body" "http://127.0.0.1:$CIV_PORT/graphql" >"$work/response.json"
if grep -q '"errors"' "$work/response.json"; then
  echo "error: the query failed: $(cat "$work/response.json")" >&2
  exit 1
fi

taskset -c "$SERVER_CORE" target/release/examples/ceiling "127.0.0.1:$CEILING_PORT" \
  "$work/response.json" >"$work/ceiling.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$CEILING_PORT/"
cmp -s "$work/response.json" <(curl -fs -H 'content-type: application/json' -d "$body" \
  "http://127.0.0.1:$CEILING_PORT/graphql") || { echo "error: the ceiling answers other bytes" >&2; exit 1; }
cmp -s "$work/response.json" <(curl -fs -H 'content-type: application/json' -H 'accept: application/json' \
  -d "$body" "http://127.0.0.1:$EXECUTED_PORT/graphql") || { echo "error: the servers answer other bytes" >&2; exit 1; }
cmp -s "$work/response.json" <(curl -fs -H 'content-type: application/json' -H 'accept: application/json' \
  -d "$body" "http://127.0.0.1:$NO_PLANS_PORT/graphql") || { echo "error: the servers answer other bytes" >&2; exit 1; }

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = [==[$body]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.1f %.1f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

echo "== $ENTITY with $FIRST relations: $(wc -c <"$work/response.json") bytes per response;" \
  "$RUNS runs x $DURATION, $CONNECTIONS connections; servers on core $SERVER_CORE, wrk on core $LOAD_CORE"
for run in $(seq 1 "$RUNS"); do
  for target in ceiling civgraph executed no-plans; do
    port=$CIV_PORT
    [ "$target" = ceiling ] && port=$CEILING_PORT
    [ "$target" = executed ] && port=$EXECUTED_PORT
    [ "$target" = no-plans ] && port=$NO_PLANS_PORT
    line=$(taskset -c "$LOAD_CORE" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/post.lua" \
      "http://127.0.0.1:$port/graphql" | grep '^RESULT')
    read -r _ rps p50 p99 errors <<<"$line"
    if [ "$errors" != 0 ]; then
      echo "error: $target answered $errors requests with errors" >&2
      exit 1
    fi
    printf '  run %d %-8s %10.0f req/s  p50 %7.0f us  p99 %7.0f us\n' "$run" "$target" "$rps" "$p50" "$p99"
    echo "$rps $p50 $p99" >>"$work/$target.runs"
  done
done

median() { # FILE COLUMN
  sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
echo "== medians of $RUNS runs"
ceiling_rps=$(median "$work/ceiling.runs" 1)
printf '%-10s %12s %10s %10s %10s\n' target "req/s" "p50 (us)" "p99 (us)" "of ceiling"
for target in ceiling civgraph executed no-plans; do
  rps=$(median "$work/$target.runs" 1)
  printf '%-10s %12.0f %10.0f %10.0f %10.2f\n' "$target" "$rps" \
    "$(median "$work/$target.runs" 2)" "$(median "$work/$target.runs" 3)" \
    "$(awk -v a="$rps" -v b="$ceiling_rps" 'BEGIN { print a / b }')"
done
