//! The hot paths at scale: on the bundled graph and on generated graphs of
//! 100k entities (and 1M with `CIVGRAPH_BENCH_1M=1`), about five relations
//! per entity (`civgraph generate`, seed 1, kept under
//! `target/bench-graphs/` between runs).
//!
//! Run with `cargo bench --bench scale`; the figures and the method are in
//! BENCHMARKS.md. Each graph's load also prints its resident memory per
//! relation (the growth of this process's RSS across the load), and each
//! generated graph the spread of search times over every keystroke of 60
//! names typed into a search box ([`typing`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use civgraph::api;
use civgraph::graph::Graph;
use civgraph::loader;
use civgraph::model::{Direction, EntityId, EntityKind};

#[path = "support/typing.rs"]
mod typing;

/// The API's own bounds (`paths`: `first` 10, `maxDepth` 4, 200000 visits).
const K: usize = 10;
const K_PATHS_DEPTH: usize = 4;
const K_PATHS_BUDGET: usize = 200_000;
/// `shortestPath`'s largest `maxDepth`.
const PATH_DEPTH: usize = 10;

/// The allocator of the `civgraph` binary, so that memory and times match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HUNDRED: &str = "{ entities(first: 100) { totalCount edges { node { id name kind } } } }";

struct Subject {
    name: String,
    dir: PathBuf,
    graph: Arc<Graph>,
    /// An entity of median degree, and the query words to search for.
    median: EntityId,
    searches: Vec<String>,
    /// Random pairs of entities (fixed seed).
    pairs: Vec<(EntityId, EntityId)>,
}

/// The folder of a generated graph of `n` entities, generated when missing.
fn generated(n: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-graphs");
    let dir = root.join(format!("{n}-seed1"));
    let done = root.join(format!("{n}-seed1.done"));
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("generating {n} entities into {}", dir.display());
        civgraph::generate::generate(n, 1, &dir).expect("the graph generates");
        std::fs::write(&done, b"").expect("the marker is written");
    }
    dir
}

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn subject(name: &str, dir: PathBuf) -> Subject {
    let before = resident_bytes();
    let started = Instant::now();
    let graph = Arc::new(loader::load_dir(&dir).expect("the graph loads"));
    let took = started.elapsed();
    let grew = resident_bytes().saturating_sub(before);
    let relations = graph.relations().len();
    eprintln!(
        "{name}: {} entities, {relations} relations; loaded in {:.2} s; RSS grew {:.1} MiB, {:.0} bytes per relation",
        graph.entities().len(),
        took.as_secs_f64(),
        grew as f64 / 1048576.0,
        grew as f64 / relations.max(1) as f64
    );
    let mut by_degree: Vec<(usize, &EntityId)> = graph
        .entities()
        .iter()
        .map(|e| (graph.edges(&e.id, None, Direction::Both).len(), &e.id))
        .collect();
    by_degree.sort();
    let median = by_degree[by_degree.len() / 2].1.clone();
    let entities = graph.entities();
    let mut rng = fastrand::Rng::with_seed(42);
    let pairs = (0..64)
        .map(|_| {
            let a = &entities[rng.usize(..entities.len())];
            let b = &entities[rng.usize(..entities.len())];
            (a.id.clone(), b.id.clone())
        })
        .collect();
    // A person's full name, a word prefix and a typo, from the graph itself:
    // the median-degree person.
    let people: Vec<&EntityId> = by_degree
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| id.kind() == EntityKind::Person)
        .collect();
    let person = people
        .get(people.len() / 2)
        .and_then(|id| graph.entity(id.as_str()))
        .map_or(String::new(), |e| e.name.to_lowercase());
    let searches = if name == "bundled" {
        vec!["digital public infrastructure".to_string()]
    } else {
        // The whole name, a prefix, a stray letter, two letters swapped; the
        // surname's first letter and first two letters (what a search box
        // is asked first), and a word many organisations' names hold.
        let last: Vec<char> = person
            .split(' ')
            .next_back()
            .unwrap_or("")
            .chars()
            .collect();
        let mut swapped = last.clone();
        swapped.swap(1, 2);
        vec![
            person.clone(),
            last[..3].iter().collect(),
            format!("{person}x"),
            swapped.into_iter().collect(),
            last[..1].iter().collect(),
            last[..2].iter().collect(),
            "water".to_string(),
        ]
    };
    eprintln!("{name}: median entity {median}; searches {searches:?}");
    Subject {
        name: name.to_string(),
        dir,
        graph,
        median,
        searches,
        pairs,
    }
}

fn subjects() -> Vec<Subject> {
    // As the binary does by default (`--huge-pages off`).
    civgraph::cli::HugePages::Off.apply();
    let mut out = vec![subject(
        "bundled",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data"),
    )];
    out.push(subject("100k", generated(100_000)));
    if std::env::var_os("CIVGRAPH_BENCH_1M").is_some_and(|v| v == "1") {
        out.push(subject("1m", generated(1_000_000)));
    }
    out
}

fn on_the_graph(c: &mut Criterion, s: &Subject) {
    let g = &s.graph;
    let mut group = c.benchmark_group(format!("scale/{}", s.name));
    group.bench_function("entity_1hop_median", |b| {
        b.iter(|| {
            let e = g.entity(s.median.as_str()).expect("known");
            g.edges(&e.id, None, Direction::Both).len()
        })
    });
    group.bench_function("neighbourhood_2hop_median", |b| {
        b.iter(|| {
            let sub = g.neighbourhood(&s.median, 2, None, Direction::Both, usize::MAX);
            sub.map(|sub| sub.entities.len())
        })
    });
    let mut i = 0;
    group.bench_function("shortest_path_random_pairs", |b| {
        b.iter(|| {
            let (from, to) = &s.pairs[i % s.pairs.len()];
            i += 1;
            g.shortest_path(from, to, None, PATH_DEPTH).map(|p| p.len())
        })
    });
    let mut i = 0;
    group.bench_function("k_shortest_paths_k10_random_pairs", |b| {
        b.iter(|| {
            let (from, to) = &s.pairs[i % s.pairs.len()];
            i += 1;
            g.k_shortest_paths(from, to, None, K_PATHS_DEPTH, K, K_PATHS_BUDGET)
                .0
                .len()
        })
    });
    for (n, query) in s.searches.iter().enumerate() {
        group.bench_with_input(BenchmarkId::new("search_top10", n), query, |b, q| {
            b.iter(|| g.search(q, None, 10).len())
        });
    }
    group.finish();
}

fn through_schema(c: &mut Criterion, s: &Subject) {
    let schema = api::schema_for(s.graph.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let entity_1hop = format!(
        r#"{{ entity(id: "{}") {{ id name kind relations(first: 50) {{ totalCount edges {{ direction relation {{ type role }} node {{ id name kind }} }} }} }} }}"#,
        s.median
    );
    let mut group = c.benchmark_group(format!("scale/{}/schema", s.name));
    for (name, query) in [
        ("entity_1hop_median", entity_1hop.as_str()),
        ("hundred_entities", HUNDRED),
    ] {
        let response = rt.block_on(schema.execute(query));
        assert!(response.errors.is_empty(), "{name}: {:?}", response.errors);
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = rt.block_on(schema.execute(query));
                serde_json::to_vec(&response).expect("serializes").len()
            })
        });
        // Asked again: the document's plan answers, when it has one.
        let request = async_graphql::Request::new(query);
        if schema.run_planned(&request, &s.graph).is_some() {
            group.bench_function(format!("{name}_planned"), |b| {
                b.iter(|| {
                    schema
                        .run_planned(&request, &s.graph)
                        .expect("planned")
                        .len()
                })
            });
        }
    }
    group.finish();
}

fn load(c: &mut Criterion, s: &Subject) {
    if s.graph.relations().len() > 1_000_000 {
        // Tens of seconds per load: measured by `civgraph validate --stats`.
        return;
    }
    let mut group = c.benchmark_group(format!("scale/{}", s.name));
    if s.graph.relations().len() > 10_000 {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(30));
    }
    group.bench_function("load_and_validate", |b| {
        b.iter(|| loader::load_dir(&s.dir).expect("loads").relations().len())
    });
    group.finish();
}

/// A search box asked at every keystroke: every prefix of 60 entity names
/// picked at random, as written and with their words in reverse order,
/// each searched 15 times (top 10); its median counts. Printed, not a
/// criterion benchmark: the spread over keystrokes is the figure, not one
/// query's time; the slowest eight are printed too.
fn typing(s: &Subject) {
    if s.name == "bundled" {
        return;
    }
    for order in typing::ORDERS {
        let keystrokes = typing::keystrokes(&s.graph, order);
        typing::report(&s.name, order, &typing::time(&s.graph, &keystrokes));
    }
}

fn scale(c: &mut Criterion) {
    for s in subjects() {
        on_the_graph(c, &s);
        typing(&s);
        through_schema(c, &s);
        load(c, &s);
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
