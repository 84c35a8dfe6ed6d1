//! The HTTP surface: `fn app(state) -> Router` with `/graphql` (the
//! GraphQL-over-HTTP spec), `/` (a GraphQL IDE), `/health`, `/export/*`
//! (GraphML, JSON-LD, Cytoscape.js, CSV downloads), CORS, compression and a
//! body limit.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

mod cache;
mod downloads;
mod graphql;

pub use cache::ResponseCache;

use downloads::{export_leadership, export_route};
use graphql::{graphql_get, graphql_post};

use crate::api::CivSchema;
use crate::export::Format;
use crate::graph::Graph;
use crate::metrics::{Metrics, SharedMetrics};
use crate::reload::{ReloadStatus, Reloader};

/// The media type of the GraphQL-over-HTTP spec.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The response header that says an export was cut at the neighbourhood
/// budget ([`crate::export::EXPORT_BUDGET`] entities).
pub const TRUNCATED_HEADER: &str = "x-civgraph-truncated";

/// Every route, as the 404 answer lists them.
const ROUTES: &[&str] = &[
    "GET / (the GraphQL IDE)",
    "GET /graphiql",
    "GET /explore",
    "GET /graphql",
    "POST /graphql",
    "GET /health",
    "GET /metrics",
    "GET /export/graphml",
    "GET /export/jsonld",
    "GET /export/cytoscape",
    "GET /export/entities.csv",
    "GET /export/relations.csv",
    "GET /export/leadership.csv",
];

/// How the HTTP layer behaves.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Origins browsers may call from; `None` allows any.
    pub cors_origins: Option<Vec<HeaderValue>>,
    /// The largest request body accepted (413 beyond it).
    pub max_body_bytes: usize,
    /// The longest a GraphQL request may run.
    pub timeout: Duration,
    /// The most bytes of responses kept for queries asked again (0: none).
    pub response_cache_bytes: usize,
    /// Whether a document asked again runs as its compiled plan (see
    /// [`crate::api::CivSchema::run_planned`]).
    pub plans: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            cors_origins: None,
            max_body_bytes: 64 * 1024,
            timeout: Duration::from_secs(10),
            response_cache_bytes: 64 << 20,
            plans: true,
        }
    }
}

/// What every request handler shares: one `Arc`, so that a request's
/// handler takes it with one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct SharedState {
    /// The current graph snapshot; a reload swaps it whole.
    pub graph: Arc<ArcSwap<Graph>>,
    /// The schema, with its limits.
    pub schema: CivSchema,
    /// The HTTP settings.
    pub config: Arc<HttpConfig>,
    /// What `/health` says about the data: its generation and last reload.
    pub status: Arc<ArcSwap<ReloadStatus>>,
    /// What `/metrics` exports.
    pub metrics: SharedMetrics,
    /// Responses kept for queries asked again, per snapshot.
    pub responses: Arc<ResponseCache>,
}

impl AppState {
    /// State serving `graph` through `schema`.
    pub fn new(graph: Arc<Graph>, schema: CivSchema, config: HttpConfig) -> AppState {
        let metrics = Arc::new(Metrics::new());
        metrics.graph_size(graph.entities().len(), graph.relations().len());
        AppState(Arc::new(SharedState {
            graph: Arc::new(ArcSwap::new(graph)),
            schema,
            responses: Arc::new(ResponseCache::new(config.response_cache_bytes)),
            config: Arc::new(config),
            status: Arc::new(ArcSwap::new(Arc::new(ReloadStatus::default()))),
            metrics,
        }))
    }

    /// A reloader of `dir` into this state's snapshot.
    pub fn reloader(&self, dir: std::path::PathBuf) -> Arc<Reloader> {
        Reloader::new(
            dir,
            self.graph.clone(),
            self.status.clone(),
            self.metrics.clone(),
        )
    }
}

/// The router: every route, with CORS, compression and the body limit.
pub fn app(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static(TRUNCATED_HEADER),
        ])
        .max_age(Duration::from_secs(3600))
        .allow_origin(match &state.config.cors_origins {
            None => AllowOrigin::any(),
            Some(list) => AllowOrigin::list(list.clone()),
        });
    let body_limit = state.config.max_body_bytes;
    let refusal_metrics = state.metrics.clone();
    Router::new()
        .merge(crate::web::routes())
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/export/graphml", export_route(Format::GraphMl))
        .route("/export/jsonld", export_route(Format::JsonLd))
        .route("/export/cytoscape", export_route(Format::Cytoscape))
        .route("/export/entities.csv", export_route(Format::EntitiesCsv))
        .route("/export/relations.csv", export_route(Format::RelationsCsv))
        .route("/export/leadership.csv", get(export_leadership))
        .fallback(not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::map_response_with_state(
            refusal_metrics,
            count_refusals,
        ))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(FreshRequestId))
}

/// A fresh version-4 UUID for each request that brings no `x-request-id` of
/// its own, from the thread's `fastrand` generator: a request id must be
/// unique, not unguessable, and tower-http's `MakeRequestUuid` asked the
/// kernel for its random bytes on every request (a system call: 2.3% of a
/// busy server's `perf` samples answering from the response cache, against
/// 0.25% for this).
#[derive(Clone, Copy)]
struct FreshRequestId;

impl MakeRequestId for FreshRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
        let mut text = uuid::Uuid::encode_buffer();
        let text = id.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let graph = state.graph.load();
    let status = state.status.load();
    Json(json!({
        "status": "ok",
        "entities": graph.entities().len(),
        "relations": graph.relations().len(),
        "generation": status.generation,
        "loadedAt": status.loaded_at,
        "lastReload": status.last_reload,
    }))
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Counts every 413, and answers the one the body limit gives before a
/// handler runs (a `Content-Length` over the limit) with the same GraphQL
/// error as a body that streams past it (which the handler answers).
async fn count_refusals(State(metrics): State<SharedMetrics>, response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    metrics.refused("body_size");
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        return response;
    }
    let body = json!({ "errors": [{
        "message": "the request body is larger than this server accepts",
        "extensions": { "code": "QUERY_TOO_LARGE", "limit": "body_size" },
    }] });
    (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response()
}

async fn not_found() -> Response {
    let body = json!({ "error": "not found", "routes": ROUTES });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
