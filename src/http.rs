//! The HTTP surface: `fn app(state) -> Router` with `/graphql` (the
//! GraphQL-over-HTTP spec), `/` (a GraphQL IDE), `/health`, CORS,
//! compression and a body limit.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, Value};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::api::CivSchema;
use crate::graph::Graph;

/// The media type of the GraphQL-over-HTTP spec.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

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
    let body = json!({
        "error": "not found",
        "routes": ["GET /", "GET /graphql", "POST /graphql", "GET /health"],
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// The response media type a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`: the first listed of
/// `application/graphql-response+json` and `application/json` (or a
/// wildcard, read as JSON); no header reads as JSON. `None`: none acceptable.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(Media::Json);
    };
    let accept = accept.to_str().ok()?;
    let mut any = false;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
        });
        if refused {
            continue;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => return Some(Media::GraphqlResponseJson),
            "application/json" => return Some(Media::Json),
            "*/*" | "application/*" => any = true,
            _ => {}
        }
    }
    any.then_some(Media::Json)
}

/// A request-level failure: no `data`, one error with a code.
fn request_error(media: Media, status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

fn not_acceptable() -> Response {
    request_error(
        Media::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "this server answers application/graphql-response+json or application/json",
    )
}

async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let query = query.unwrap_or_default();
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(r) => r,
        Err(err) => {
            let message = format!("cannot read the GraphQL request from the query string: {err}");
            return request_error(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    if request.query.trim().is_empty() {
        return request_error(
            media,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "missing `query` parameter: GET /graphql?query={stats{entityCount}}",
        );
    }
    if is_mutation(&request) {
        let mut response = request_error(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations are not allowed over GET",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, media, request).await
}

/// Whether the operation to run is a mutation (refused over GET).
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let is_mut = |ty: OperationType| ty == OperationType::Mutation;
    match &doc.operations {
        DocumentOperations::Single(op) => is_mut(op.node.ty),
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.get(name.as_str()).is_some_and(|op| is_mut(op.node.ty)),
            None => false,
        },
    }
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some("application/json") {
        return request_error(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes Content-Type: application/json",
        );
    }
    match parse_body(&body) {
        Ok(request) => execute(&state, media, request).await,
        Err(message) => request_error(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
    }
}

/// Reads a JSON request body: an object with a string `query`, and
/// optionally `variables` (object), `operationName` (string), `extensions`
/// (object).
fn parse_body(body: &[u8]) -> Result<async_graphql::Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("the body is not valid JSON: {err}"))?;
    let serde_json::Value::Object(map) = &value else {
        return Err(if value.is_array() {
            "batched requests are not supported: send one operation per request".to_string()
        } else {
            "the body must be a JSON object with a `query`".to_string()
        });
    };
    match map.get("query") {
        Some(serde_json::Value::String(q)) if !q.trim().is_empty() => {}
        Some(serde_json::Value::String(_)) | None | Some(serde_json::Value::Null) => {
            return Err("missing `query`: the body must hold the GraphQL document".to_string())
        }
        Some(_) => return Err("`query` must be a string".to_string()),
    }
    for (field, want_object) in [
        ("variables", true),
        ("extensions", true),
        ("operationName", false),
    ] {
        match map.get(field) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Object(_)) if want_object => {}
            Some(serde_json::Value::String(_)) if !want_object => {}
            Some(_) => {
                let want = if want_object { "an object" } else { "a string" };
                return Err(format!("`{field}` must be {want}"));
            }
        }
    }
    serde_json::from_value(value).map_err(|err| format!("malformed GraphQL request: {err}"))
}

/// Runs `request` on the current snapshot and writes the response.
async fn execute(state: &AppState, media: Media, request: async_graphql::Request) -> Response {
    let query = request.query.clone();
    let request = request.data(state.graph.load_full());
    let run = state.schema.execute(request);
    let response = match tokio::time::timeout(state.config.timeout, run).await {
        Ok(response) => response,
        Err(_) => {
            return request_error(
                media,
                StatusCode::SERVICE_UNAVAILABLE,
                "TIMEOUT",
                "the request took too long and was stopped",
            )
        }
    };
    // A request error (the document does not parse or validate) has no
    // field path and leaves no data: the spec gives it no `data` entry.
    let request_failed = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut errors = response.errors;
    if request_failed {
        let parses = async_graphql::parser::parse_query(&query).is_ok();
        for e in &mut errors {
            let code = if !parses {
                "GRAPHQL_PARSE_FAILED"
            } else if e.message.contains("nested too deep") {
                "QUERY_TOO_DEEP"
            } else if e.message.contains("too complex") {
                "QUERY_TOO_COMPLEX"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            let ext = e
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if ext.get("code").is_none() {
                ext.set("code", code);
            }
        }
    }
    let body = ResponseBody {
        data: (!request_failed).then_some(&response.data),
        errors: &errors,
        extensions: &response.extensions,
    };
    let body = serde_json::to_string(&body).unwrap_or_else(|err| {
        json!({ "errors": [{ "message": format!("cannot write the response: {err}") }] })
            .to_string()
    });
    let status = if request_failed && media == Media::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

/// A GraphQL response as the spec writes it: `data` (absent after a request
/// error), then `errors` and `extensions` when there are any. Field order
/// follows the query.
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, Value>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_negotiation_follows_the_spec() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(negotiate(&accept("application/json")), Some(Media::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Media::GraphqlResponseJson)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(Media::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }

    #[test]
    fn bodies_are_checked_before_execution() {
        assert!(parse_body(b"{").unwrap_err().contains("not valid JSON"));
        assert!(parse_body(b"[]").unwrap_err().contains("batched"));
        assert!(parse_body(br#"{"query": 1}"#)
            .unwrap_err()
            .contains("string"));
        assert!(parse_body(br#"{"query": "{a}", "variables": []}"#)
            .unwrap_err()
            .contains("variables"));
        assert!(parse_body(br#"{"query": "{a}", "variables": null}"#).is_ok());
    }
}
