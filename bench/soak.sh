#!/usr/bin/env bash
# Soak test: the release civgraph, serving a temporary copy of graph-data/
# with --watch, under mixed GraphQL queries at full concurrency (wrk, with
# bench/soak.lua) for a bounded time, while a loop rewrites a data file
# every second, alternating a valid and an invalid version. Then it checks:
# no answer other than 200, no GraphQL error, no socket error, reloads seen
# of both outcomes, and resident memory after the run equal to that before
# it (after a warm-up) within a bound. Prints the figures; stops everything
# it started, whatever happens.
#
#   bench/soak.sh [SECONDS] [CONNECTIONS]      (defaults: 30 and 64)
#
# Environment: SOAK_RSS_BOUND_KB (default 16384): how far RSS may move.
# Loopback only. Not run in CI (too long for a shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-30}
CONNECTIONS=${2:-64}
RSS_BOUND_KB=${SOAK_RSS_BOUND_KB:-16384}
WARMUP=10

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "wrk is missing: sudo apt-get install wrk" >&2
    exit 2
  fi
fi

echo "== cargo build --release"
cargo build --release --quiet
BIN=target/release/civgraph

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cp -r graph-data "$WORK/data"
FILE="$WORK/data/people.toml"
cp "$FILE" "$WORK/valid-a.toml"
sed 's/^name = "Okan Geray"$/name = "Okan Geray (soak)"/' "$FILE" >"$WORK/valid-b.toml"
cp "$FILE" "$WORK/invalid.toml"
printf '\n[[person]\nid = "person:broken\n' >>"$WORK/invalid.toml"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$BIN" serve --watch --data "$WORK/data" --bind "127.0.0.1:$PORT" --log-format json \
  2>"$WORK/server.log" &
SERVER=$!
PIDS+=("$SERVER")

for _ in $(seq 100); do
  curl -sf "$URL/health" >/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; echo "civgraph died" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$URL/health" >/dev/null || { echo "civgraph did not answer /health" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status"; }
RSS_START=$(rss_kb)

# Rewrites people.toml every second for $1 seconds: valid (renamed),
# invalid, valid (as shipped), invalid, ...
rewrite_for() {
  local end=$((SECONDS + $1)) i=0
  while [ "$SECONDS" -lt "$end" ]; do
    case $((i % 4)) in
      0) cp "$WORK/valid-b.toml" "$FILE" ;;
      1 | 3) cp "$WORK/invalid.toml" "$FILE" ;;
      2) cp "$WORK/valid-a.toml" "$FILE" ;;
    esac
    i=$((i + 1))
    sleep 1
  done
}

# The warm-up does what the soak does, so that the allocator has grown to
# its working size (freed memory is kept for reuse, not handed back at
# once) before RSS is taken as the baseline.
echo "== warm-up: ${WARMUP} s, with reloads"
rewrite_for "$WARMUP" &
PIDS+=("$!")
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/soak.lua "$URL/graphql" >"$WORK/warmup.txt"
wait "$!" 2>/dev/null || true
cp "$WORK/valid-a.toml" "$FILE"
sleep 1
RSS_BEFORE=$(rss_kb)

echo "== soak: ${DURATION} s, $CONNECTIONS connections, rewriting people.toml every second"
END=$((SECONDS + DURATION))
rewrite_for "$DURATION" &
PIDS+=("$!")
WRITER=$!
(
  while [ "$SECONDS" -lt "$END" ]; do
    rss_kb >>"$WORK/rss.txt"
    sleep 1
  done
) &
PIDS+=("$!")
SAMPLER=$!

wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/soak.lua "$URL/graphql" | tee "$WORK/wrk.txt"
wait "$WRITER" "$SAMPLER" 2>/dev/null || true

# End on valid data, and wait (bounded) until it is served.
generation() { curl -sf "$URL/health" | sed 's/.*"generation":\([0-9]*\).*/\1/'; }
GEN_BEFORE=$(generation)
cp "$WORK/valid-a.toml" "$FILE"
for _ in $(seq 100); do
  [ "$(generation)" -gt "$GEN_BEFORE" ] && break
  sleep 0.1
done
# RSS after: the lowest reading over a bounded settle time (the allocator
# hands freed memory back lazily; a leak does not come back).
RSS_AFTER=$(rss_kb)
for _ in $(seq 25); do
  [ $((RSS_AFTER - RSS_BEFORE)) -le "$RSS_BOUND_KB" ] && break
  sleep 0.2
  NOW=$(rss_kb)
  [ "$NOW" -lt "$RSS_AFTER" ] && RSS_AFTER=$NOW
done
RSS_MAX=$(sort -n "$WORK/rss.txt" | tail -1)
HEALTH=$(curl -sf "$URL/health")
METRICS=$(curl -sf "$URL/metrics")
RELOADS_OK=$(echo "$METRICS" | awk -F' ' '/^civgraph_reloads_total\{outcome="ok"\}/ { print $2 }')
RELOADS_FAILED=$(echo "$METRICS" | awk -F' ' '/^civgraph_reloads_total\{outcome="failed"\}/ { print $2 }')

SUMMARY=$(grep '^SOAK requests=' "$WORK/wrk.txt")
field() { echo "$SUMMARY" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
NON_200=$(field non_200)
GRAPHQL_ERRORS=$(field graphql_errors)
SOCKET_ERRORS=$(field socket_errors)
DELTA=$((RSS_AFTER - RSS_BEFORE))

echo
echo "== figures"
echo "requests:        $(field requests) in $(field seconds) s ($(field rps) per second)"
echo "latency:         p50 $(field p50_ms) ms, p99 $(field p99_ms) ms, max $(field max_ms) ms"
echo "non-200 answers: $NON_200; answers with GraphQL errors: $GRAPHQL_ERRORS; socket errors: $SOCKET_ERRORS"
echo "reloads:         ${RELOADS_OK:-0} ok, ${RELOADS_FAILED:-0} failed (generation $(echo "$HEALTH" | sed 's/.*"generation":\([0-9]*\).*/\1/'))"
echo "RSS (KiB):       at start $RSS_START, after warm-up $RSS_BEFORE, max during $RSS_MAX, after $RSS_AFTER (change $DELTA, bound $RSS_BOUND_KB)"
echo "RSS each second: $(tr '\n' ' ' <"$WORK/rss.txt")"

FAIL=0
[ "$NON_200" = 0 ] || { echo "FAIL: $NON_200 answers were not 200"; FAIL=1; }
[ "$GRAPHQL_ERRORS" = 0 ] || { echo "FAIL: $GRAPHQL_ERRORS answers carried GraphQL errors"; FAIL=1; }
[ "$SOCKET_ERRORS" = 0 ] || { echo "FAIL: $SOCKET_ERRORS socket errors"; FAIL=1; }
[ "${RELOADS_OK:-0}" -gt 0 ] || { echo "FAIL: no successful reload"; FAIL=1; }
[ "${RELOADS_FAILED:-0}" -gt 0 ] || { echo "FAIL: no failed reload"; FAIL=1; }
[ "${DELTA#-}" -le "$RSS_BOUND_KB" ] || { echo "FAIL: RSS moved by $DELTA KiB"; FAIL=1; }
kill -0 "$SERVER" 2>/dev/null || { echo "FAIL: civgraph is gone"; FAIL=1; }
if [ "$FAIL" = 0 ]; then
  echo "soak: ok"
fi
exit "$FAIL"
