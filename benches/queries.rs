//! Hot paths on the bundled graph, executed through the schema in-process
//! (parse, validate, resolve, serialize), answered by a document's plan
//! (`_planned`, for the queries plans know), and straight on the graph.
//!
//! Run with `cargo bench --bench queries`; figures are quoted in README.md.

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};

use civgraph::api;
use civgraph::loader;
use civgraph::model::{Direction, EntityId};

const ENTITY_WITH_RELATIONS: &str = r#"{
  entity(id: "group:u4ssc") {
    id name kind
    relations(first: 50) {
      totalCount
      edges { direction relation { type role } node { id name kind } }
    }
  }
}"#;

const PERSON_WITH_RELATIONS: &str = r#"{
  entity(id: "person:okan-geray") {
    id name kind
    relations(first: 50) {
      totalCount
      edges { direction relation { type role } node { id name kind } }
    }
  }
}"#;

const PATHS_K10: &str = r#"{
  paths(from: "person:okan-geray", to: "person:leyi-zhang", maxDepth: 6, first: 10) {
    length nodes { id } relations { type }
  }
}"#;

const LEADERSHIP: &str = r#"{
  leadership(first: 100) {
    totalCount
    edges { node { role leader { id name } led { id name } ledParentChain { name } leaderAffiliations { role organisation { name } } } }
  }
}"#;

const SEARCH: &str =
    r#"{ search(query: "digital public infrastructure", first: 10) { score entity { id name } } }"#;

const PATH: &str = r#"{
  shortestPath(from: "person:okan-geray", to: "person:leyi-zhang") {
    length nodes { id name } relations { type role }
  }
}"#;

fn bundled() -> Arc<civgraph::graph::Graph> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
    Arc::new(loader::load_dir(&dir).expect("the bundled graph loads"))
}

fn through_schema(c: &mut Criterion) {
    let graph = bundled();
    let schema = api::schema_for(graph.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("schema");
    for (name, query) in [
        ("hub_entity_with_1hop_relations", ENTITY_WITH_RELATIONS),
        ("person_with_1hop_relations", PERSON_WITH_RELATIONS),
        ("search_top10", SEARCH),
        ("shortest_path", PATH),
        ("paths_k10", PATHS_K10),
        ("leadership_table", LEADERSHIP),
    ] {
        let response = rt.block_on(schema.execute(query));
        assert!(response.errors.is_empty(), "{name}: {:?}", response.errors);
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = rt.block_on(schema.execute(query));
                serde_json::to_vec(&response).unwrap()
            })
        });
        // Asked again: the document's plan answers, when it has one.
        let request = async_graphql::Request::new(query);
        if schema.run_planned(&request, &graph).is_some() {
            group.bench_function(format!("{name}_planned"), |b| {
                b.iter(|| schema.run_planned(&request, &graph).unwrap())
            });
        }
    }
    group.finish();
}

fn on_the_graph(c: &mut Criterion) {
    let graph = bundled();
    let u4ssc = EntityId::parse("group:u4ssc").unwrap();
    let from = EntityId::parse("person:okan-geray").unwrap();
    let to = EntityId::parse("person:leyi-zhang").unwrap();
    let mut group = c.benchmark_group("graph");
    group.bench_function("edges_1hop", |b| {
        b.iter(|| graph.edges(&u4ssc, None, Direction::Both).len())
    });
    group.bench_function("search_top10", |b| {
        b.iter(|| {
            graph
                .search("digital public infrastructure", None, 10)
                .len()
        })
    });
    group.bench_function("shortest_path", |b| {
        b.iter(|| graph.shortest_path(&from, &to, None, 6).map(|p| p.len()))
    });
    group.bench_function("k_shortest_paths_k10", |b| {
        b.iter(|| {
            graph
                .k_shortest_paths(&from, &to, None, 6, 10, 200_000)
                .0
                .len()
        })
    });
    group.bench_function("leadership_rows", |b| {
        b.iter(|| graph.leaderships(&Default::default()).len())
    });
    group.bench_function("load_and_validate", |b| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
        b.iter(|| loader::load_dir(&dir).unwrap().entities().len())
    });
    group.finish();
}

criterion_group!(benches, through_schema, on_the_graph);
criterion_main!(benches);
