//! A search box asked at every keystroke, shared by `benches/scale.rs` and
//! `examples/search_times.rs` (which can run it on two builds in turn, for
//! comparing them in the same hour).

use std::time::{Duration, Instant};

use civgraph::graph::Graph;

/// The two orders names are typed in.
pub const ORDERS: [&str; 2] = ["as written", "words reversed"];

/// Every prefix of 60 entity names picked at random (seed 7), typed in
/// `order`: as written, or with their words in reverse order (a surname
/// typed first).
pub fn keystrokes(g: &Graph, order: &str) -> Vec<String> {
    let entities = g.entities();
    let mut rng = fastrand::Rng::with_seed(7);
    let names: Vec<String> = (0..60)
        .map(|_| entities[rng.usize(..entities.len())].name.to_lowercase())
        .collect();
    let mut out = Vec::new();
    for name in &names {
        let text = match order {
            "as written" => name.clone(),
            _ => name.split(' ').rev().collect::<Vec<_>>().join(" "),
        };
        for (end, _) in text.char_indices().skip(1).chain([(text.len(), ' ')]) {
            out.push(text[..end].to_string());
        }
    }
    out
}

/// Each keystroke searched 15 times (top 10): its median, sorted.
pub fn time(g: &Graph, keystrokes: &[String]) -> Vec<(Duration, String)> {
    let mut times: Vec<(Duration, String)> = keystrokes
        .iter()
        .map(|query| {
            let mut runs: Vec<Duration> = (0..15)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(g.search(query, None, 10).len());
                    start.elapsed()
                })
                .collect();
            runs.sort();
            (runs[runs.len() / 2], query.clone())
        })
        .collect();
    times.sort();
    times
}

/// Prints the spread of `times` (sorted) and the slowest eight.
pub fn report(name: &str, order: &str, times: &[(Duration, String)]) {
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].0;
    let slow = times
        .iter()
        .filter(|t| t.0 > Duration::from_micros(200))
        .count();
    let (worst, worst_query) = times.last().expect("keystrokes");
    eprintln!(
        "{name}: typing 60 names {order}, {} keystrokes: median {:?}, p90 {:?}, p99 {:?}, \
         max {worst:?} ({worst_query:?}); over 200 µs: {slow}",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
    );
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(8)
        .map(|(t, q)| format!("{q:?} {t:?}"))
        .collect();
    eprintln!("  slowest: {}", slowest.join(", "));
}
