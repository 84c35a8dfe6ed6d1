//! Runs the HTTP benchmark's request through the whole router in-process,
//! N times, for a profiler (callgrind, perf): no sockets, no load generator.
//!
//! `cargo build --release --example profile_request`
//! `valgrind --tool=callgrind target/release/examples/profile_request 2000`
//!
//! A second argument `executed` turns the response cache off, so that every
//! request is executed (the default answers all but the first from it).

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
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
    let graph = Arc::new(civgraph::loader::load_dir(&dir).expect("the bundled graph loads"));
    let schema = civgraph::api::schema(civgraph::api::QueryLimits::default());
    let executed = std::env::args().nth(2).is_some_and(|a| a == "executed");
    let config = HttpConfig {
        response_cache_bytes: if executed { 0 } else { 64 << 20 },
        ..HttpConfig::default()
    };
    let router = app(AppState::new(graph, schema, config));
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(QUERY))
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
