//! The HTTP surface: `fn app(state) -> Router` with `/graphql` (the
//! GraphQL-over-HTTP spec), `/` (a GraphQL IDE), `/health`, `/export/*`
//! (GraphML, JSON-LD, Cytoscape.js, CSV downloads), CORS, compression and a
//! body limit.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use async_graphql::http::GraphiQLSource;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

mod downloads;
mod graphql;

use downloads::{export_leadership, export_route};
use graphql::{graphql_get, graphql_post};

use crate::api::CivSchema;
use crate::export::Format;
use crate::graph::Graph;

/// The media type of the GraphQL-over-HTTP spec.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The response header that says an export was cut at the neighbourhood
/// budget ([`export::EXPORT_BUDGET`] entities).
pub const TRUNCATED_HEADER: &str = "x-civgraph-truncated";

/// Every route, as the 404 answer lists them.
const ROUTES: &[&str] = &[
    "GET /",
    "GET /graphql",
    "POST /graphql",
    "GET /health",
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
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            cors_origins: None,
            max_body_bytes: 64 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The current graph snapshot; a reload swaps it whole.
    pub graph: Arc<ArcSwap<Graph>>,
    /// The schema, with its limits.
    pub schema: CivSchema,
    /// The HTTP settings.
    pub config: Arc<HttpConfig>,
}

impl AppState {
    /// State serving `graph` through `schema`.
    pub fn new(graph: Arc<Graph>, schema: CivSchema, config: HttpConfig) -> AppState {
        AppState {
            graph: Arc::new(ArcSwap::new(graph)),
            schema,
            config: Arc::new(config),
        }
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
    Router::new()
        .route("/", get(ide))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .route("/export/graphml", export_route(Format::GraphMl))
        .route("/export/jsonld", export_route(Format::JsonLd))
        .route("/export/cytoscape", export_route(Format::Cytoscape))
        .route("/export/entities.csv", export_route(Format::EntitiesCsv))
        .route("/export/relations.csv", export_route(Format::RelationsCsv))
        .route("/export/leadership.csv", get(export_leadership))
        .fallback(not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TraceLayer::new_for_http())
}

async fn ide() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("civgraph")
            .finish(),
    )
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let graph = state.graph.load();
    Json(json!({
        "status": "ok",
        "entities": graph.entities().len(),
        "relations": graph.relations().len(),
    }))
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
