//! Runs HTTP benchmark requests through the whole router in-process, N times,
//! for a profiler (callgrind, perf): no sockets, no load generator.
//!
//! `cargo build --release --example profile_request`
//! `valgrind --tool=callgrind target/release/examples/profile_request 2000`
//!
//! A second argument `executed` turns the response cache off, so that every
//! request is executed (the default answers all but the first from it).
//!
//! By default the request is the bundled graph's entity + 1-hop. Two
//! environment variables change that:
//!
//! - `DATA`: the graph directory to load (a generated one, say);
//! - `BODIES`: a file of request bodies, one per line, as
//!   `examples/http_bodies` writes them; the requests cycle through its lines,
//!   as the HTTP benchmark's load generator does.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use civgraph::http::{app, AppState, HttpConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The binary's allocator, so that the profile is the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERY: &str = r#"{"query":"{ entity(id: \"group:u4ssc\") { id name kind relations(first: 20) { totalCount edges { direction relation { type role } node { id name kind } } } } }"}"#;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = match std::env::var_os("DATA") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data"),
    };
    let bodies: Vec<String> = match std::env::var_os("BODIES") {
        Some(path) => std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.to_string_lossy()))
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
        None => vec![QUERY.to_owned()],
    };
    assert!(!bodies.is_empty(), "BODIES holds no request");
    let graph = Arc::new(civgraph::loader::load_dir(&dir).expect("the graph loads"));
    let schema = civgraph::api::schema(civgraph::api::QueryLimits::default());
    let executed = std::env::args().nth(2).is_some_and(|a| a == "executed");
    let config = HttpConfig {
        response_cache_bytes: if executed { 0 } else { 64 << 20 },
        ..HttpConfig::default()
    };
    let router = app(AppState::new(graph, schema, config));
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for body in bodies.iter().cycle().take(n) {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(body.clone()))
            .expect("a request");
        let response = router.clone().oneshot(request).await.expect("a response");
        bytes += response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
            .len();
    }
    let took = started.elapsed();
    eprintln!(
        "{n} requests, {bytes} bytes, {:.1} µs each",
        took.as_secs_f64() * 1e6 / n as f64
    );
}
