//! The requests of the HTTP benchmark (`bench/http.sh`), drawn from a graph:
//! one file per query, one JSON request body per line, in the order the load
//! generator sends them (it cycles through a file's lines).
//!
//! The queries are those of `benches/scale.rs`, asked as a client would:
//!
//! - `entity_1hop`: an entity and a page of its relations (`first`, 20 by
//!   default), of the entity given, else the one with the most relations;
//! - `neighbourhood_2hop`: the 2-hop neighbourhood of an entity of median
//!   degree;
//! - `shortest_path`: `shortestPath` between 64 random pairs (seed 42);
//! - `k_shortest_paths`: `paths` (10 at most, depth 4) between the same pairs;
//! - `search_top10`: `search` (10 hits) for 64 names as they are typed into
//!   a search box: a random entity's name cut after a random number of
//!   characters, 3 at least (seed 7);
//! - `hundred_entities`: the first page of 100 entities.
//!
//! The pairs and searches are one document each, asked with variables, as
//! Apollo Client, urql or graphql-request send them.
//!
//! `cargo run --release --example http_bodies -- DIR OUT_DIR [ENTITY] [FIRST]`

use std::io::Write;
use std::path::Path;

use civgraph::graph::Graph;
use civgraph::model::Direction;
use serde_json::{json, Value};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Random pairs and searches per file.
const ROTATION: usize = 64;

const NEIGHBOURHOOD: &str = "query Neighbourhood($id: ID!) { entity(id: $id) { id \
    neighbourhood(depth: 2) { truncated nodes { id name kind } relations { type from { id } to { id } } } } }";
const SHORTEST_PATH: &str =
    "query ShortestPath($from: ID!, $to: ID!) { shortestPath(from: $from, to: $to) { \
    length nodes { id name kind } relations { type role } } }";
const K_SHORTEST_PATHS: &str =
    "query Paths($from: ID!, $to: ID!) { paths(from: $from, to: $to, first: 10) { \
    length nodes { id name } relations { type } } }";
const SEARCH: &str =
    "query Search($q: String!) { search(query: $q, first: 10) { score entity { id name kind } } }";
const HUNDRED: &str = "{ entities(first: 100) { totalCount edges { node { id name kind } } } }";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, out, entity, first) = match args.as_slice() {
        [dir, out] => (dir, out, None, 20),
        [dir, out, entity] => (dir, out, Some(entity.as_str()), 20),
        [dir, out, entity, first] => match first.parse::<u32>() {
            Ok(first) => (dir, out, Some(entity.as_str()), first),
            Err(_) => fail(&format!("FIRST must be a whole number, not {first:?}"), 2),
        },
        _ => fail("usage: http_bodies DIR OUT_DIR [ENTITY] [FIRST]", 2),
    };
    let graph =
        civgraph::loader::load_dir(Path::new(dir)).unwrap_or_else(|e| fail(&e.to_string(), 1));
    if graph.entities().is_empty() {
        fail("the graph has no entity", 1);
    }
    let entity = entity.filter(|e| !e.is_empty());
    if let Some(id) = entity {
        if graph.entity(id).is_none() {
            fail(&format!("no entity {id:?} in {dir}"), 1);
        }
    }
    let files = bodies(&graph, entity, first);
    std::fs::create_dir_all(out).unwrap_or_else(|e| fail(&format!("{out}: {e}"), 1));
    for (name, lines) in files {
        let path = Path::new(out).join(format!("{name}.bodies"));
        let mut text = Vec::new();
        for body in lines {
            serde_json::to_writer(&mut text, &body).expect("JSON writes to memory");
            text.push(b'\n');
        }
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&text))
            .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display()), 1));
    }
}

fn fail(message: &str, code: i32) -> ! {
    eprintln!("error: {message}");
    std::process::exit(code)
}

/// Each query's request bodies, by the query's name.
fn bodies(graph: &Graph, entity: Option<&str>, first: u32) -> Vec<(&'static str, Vec<Value>)> {
    let entities = graph.entities();
    let mut by_degree: Vec<(usize, &str)> = entities
        .iter()
        .map(|e| {
            (
                graph.edges(&e.id, None, Direction::Both).len(),
                e.id.as_str(),
            )
        })
        .collect();
    by_degree.sort();
    let median = by_degree[by_degree.len() / 2].1;
    // The most relations; of those, the first id.
    let hub = by_degree
        .iter()
        .filter(|(d, _)| *d == by_degree[by_degree.len() - 1].0)
        .map(|(_, id)| *id)
        .next()
        .expect("an entity");
    let entity = entity.unwrap_or(hub);
    eprintln!("entity_1hop: {entity} (first {first}); neighbourhood_2hop: {median}");

    let one_hop = format!(
        "{{ entity(id: {}) {{ id name kind relations(first: {first}) {{ totalCount edges {{ \
         direction relation {{ type role }} node {{ id name kind }} }} }} }} }}",
        Value::from(entity)
    );
    let mut rng = fastrand::Rng::with_seed(42);
    let pairs: Vec<(&str, &str)> = (0..ROTATION)
        .map(|_| {
            let a = &entities[rng.usize(..entities.len())];
            let b = &entities[rng.usize(..entities.len())];
            (a.id.as_str(), b.id.as_str())
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let typed: Vec<String> = (0..ROTATION)
        .map(|_| {
            let name = &entities[rng.usize(..entities.len())].name;
            let chars = name.chars().count();
            let keep = if chars <= 3 {
                chars
            } else {
                rng.usize(3..=chars)
            };
            name.chars().take(keep).collect()
        })
        .collect();
    let paths = |query: &str| -> Vec<Value> {
        pairs
            .iter()
            .map(|(from, to)| json!({ "query": query, "variables": { "from": from, "to": to } }))
            .collect()
    };
    vec![
        ("entity_1hop", vec![json!({ "query": one_hop })]),
        (
            "neighbourhood_2hop",
            vec![json!({ "query": NEIGHBOURHOOD, "variables": { "id": median } })],
        ),
        ("shortest_path", paths(SHORTEST_PATH)),
        ("k_shortest_paths", paths(K_SHORTEST_PATHS)),
        (
            "search_top10",
            typed
                .iter()
                .map(|q| json!({ "query": SEARCH, "variables": { "q": q } }))
                .collect(),
        ),
        ("hundred_entities", vec![json!({ "query": HUNDRED })]),
    ]
}
