//! Loads a graph and times searches (top 10) on it: the median of N runs of
//! each query, after a warm-up, for comparing two builds query by query or
//! for a profiler (`perf record -D <ms of the load>` leaves the load out).
//!
//! `cargo build --release --example search_times`
//! `target/release/examples/search_times DIR N QUERY...`
//!
//! `search_times DIR 1 --typing` types 60 names into a search box instead,
//! as `benches/scale.rs` does.
//!
//! `SEARCH_WARM_SECS=0` leaves the warm-up out (3 s by default), so that
//! instructions can be counted per search, which the machine's load does
//! not change: under callgrind, collecting only inside the search and
//! dumping after each (`--collect-atstart=no`, `--toggle-collect` and
//! `--dump-after` set to `civgraph::graph::search::SearchIndex::search`),
//! N = 1 gives two files per query, in turn: the timed search, then the
//! one that counts its hits. Compare the second: the first also pays for
//! what a query asks first in the process (a two-letter word's list, made
//! once: 662,000 instructions for `on` at 100k entities).

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../benches/support/typing.rs"]
mod typing;

/// The binary's allocator, so that what is timed is what the server runs.
/// (With the system allocator, the first searches after a 1M load take
/// milliseconds: glibc's malloc sorting out the millions of blocks the load
/// freed. Under mimalloc the first search takes about 0.1 ms, then 10 µs.)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, runs, queries @ ..] = args.as_slice() else {
        eprintln!("usage: search_times DIR RUNS QUERY...");
        std::process::exit(2);
    };
    let runs: usize = match runs.parse() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("RUNS must be a whole number above 0, not {runs:?}");
            std::process::exit(2);
        }
    };
    let graph = match civgraph::loader::load_dir(Path::new(dir)) {
        Ok(graph) => graph,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    // Caches warmed first.
    let warm = Instant::now();
    let warm_for = std::env::var("SEARCH_WARM_SECS")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .unwrap_or(3);
    while warm.elapsed() < Duration::from_secs(warm_for) {
        std::hint::black_box(graph.search("s", None, 10));
    }
    if queries == ["--typing"] {
        for order in typing::ORDERS {
            let keystrokes = typing::keystrokes(&graph, order);
            let times = typing::time(&graph, &keystrokes);
            typing::report(dir, order, &times);
        }
        return;
    }
    for query in queries {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(graph.search(query, None, 10));
                start.elapsed()
            })
            .collect();
        times.sort();
        let hits = graph.search(query, None, 10).len();
        println!(
            "{query:?}: median {:?} ({hits} hits)",
            times[times.len() / 2]
        );
    }
}
