#!/usr/bin/env bash
# The instructions a load + validate costs, counted by valgrind's callgrind:
# the same count on a quiet machine and a busy one, where wall times of a
# 1-2% change drown in the machine's noise.
#
# Builds the release binary, generates the graph if it is not there yet
# (100k entities by default: about 7G instructions, two minutes under
# callgrind), runs `civgraph validate` on it under callgrind, and prints the
# total and the inclusive count of each of the load's steps. Pass a second
# build to count both, one after the other, and print each step's change.
#
#   bench/load-instructions.sh                        # this tree's build
#   bench/load-instructions.sh /tmp/civgraph-before   # that build, then this
#   ENTITIES=10000 bench/load-instructions.sh         # a smaller graph
#
# Threads are run one at a time under callgrind, and which thread meets an
# id first changes a little from run to run: the totals of one build vary by
# about 0.3% (7,256M and 7,277M at 100k). A step's count is inclusive, and
# callgrind charges a recursive function (a sort) shared by two steps to
# both: the total is the figure to compare.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-100000}
GRAPH=${GRAPH:-target/bench-graphs/${ENTITIES}-seed1}
OUT=${OUT:-target/load-instructions}

if ! command -v valgrind >/dev/null; then
  echo "valgrind is needed (Debian: apt-get install valgrind)" >&2
  exit 1
fi
cargo build --release --quiet
mkdir -p "$OUT"
cp target/release/civgraph "$OUT/civgraph-this"
BUILDS=()
if [[ $# -gt 0 ]]; then
  [[ -x "$1" ]] || { echo "$1: not an executable" >&2; exit 1; }
  cp "$1" "$OUT/civgraph-other"
  BUILDS+=(other)
fi
BUILDS+=(this)
if [[ ! -e "$GRAPH.done" ]]; then
  rm -rf "$GRAPH"
  "$OUT/civgraph-this" generate --entities "$ENTITIES" --seed 1 --out "$GRAPH" >/dev/null
  touch "$GRAPH.done"
fi

# The load's steps, by the functions that make them (inclusive counts; a
# step inlined into its caller counts 0: `pack_range` is, in builds since
# the twentieth session's last, and `Quotes::new` then counts the packing).
STEPS=(
  'loader::parse::parse_file '
  'loader::check::build '
  'graph::build::<impl civgraph::graph::Graph>::from_positions '
  'graph::build::sort_by_id '
  'graph::search::SearchIndex::build '
  'graph::build::name_ranks '
  'graph::build::linked_pairs '
  'graph::build::adjacency '
  'graph::build::order_adjacency '
  'graph::quotes::best_table::{{closure}} '
  'graph::quotes::pack_range '
  'graph::quotes::Quotes::new '
)

count() { # $1: a callgrind file; prints "total" then a count per step
  local annotated
  annotated=$(callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null)
  awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' <<<"$annotated"
  for step in "${STEPS[@]}"; do
    # The largest count a function of that name has (its own line, not a
    # caller's or a callee's); one inlined into its caller is not found,
    # and counts 0.
    { grep -F "civgraph::$step[" <<<"$annotated" || true; } |
      awk '{ gsub(",", "", $1); v = $1 + 0; if (v > max) max = v } END { printf "%.0f\n", max }'
  done
}

declare -A COUNTS
for build in "${BUILDS[@]}"; do
  echo "counting $build ($GRAPH) ..." >&2
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$build.callgrind" \
    "$OUT/civgraph-$build" validate --data "$GRAPH" >/dev/null 2>"$OUT/$build.log"
  COUNTS[$build]=$(count "$OUT/$build.callgrind" | tr '\n' ' ')
done

names=(total "${STEPS[@]}")
read -ra this <<<"${COUNTS[this]}"
if [[ -n "${COUNTS[other]:-}" ]]; then
  read -ra other <<<"${COUNTS[other]}"
  printf '%-62s %15s %15s %8s\n' step other this change
  for i in "${!names[@]}"; do
    awk -v n="${names[$i]}" -v a="${other[$i]}" -v b="${this[$i]}" 'BEGIN {
      c = a > 0 ? sprintf("%+.1f%%", 100 * (b - a) / a) : "";
      printf "%-62s %15.0f %15.0f %8s\n", n, a, b, c }'
  done
else
  printf '%-62s %15s\n' step instructions
  for i in "${!names[@]}"; do
    printf '%-62s %15d\n' "${names[$i]}" "${this[$i]}"
  done
fi
echo "callgrind files: $OUT/*.callgrind (callgrind_annotate --inclusive=yes FILE)" >&2
