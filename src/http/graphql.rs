//! `GET` and `POST /graphql` as the GraphQL-over-HTTP spec has them:
//! media-type negotiation, request checks, status codes.

use async_graphql::{ErrorExtensionValues, Value};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppState, GRAPHQL_RESPONSE_JSON};
use crate::api::selected_operation;
use crate::metrics::{CacheLabels, CacheResult, OperationLabels, Outcome, RequestLabels};

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

    /// A response of this media type.
    fn respond(self, status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
        (
            status,
            [(header::CONTENT_TYPE, self.content_type())],
            body.into(),
        )
            .into_response()
    }
}

/// Picks the response media type from `Accept`: of
/// `application/graphql-response+json`, `application/json` and the
/// wildcards (read as JSON), the one with the highest `q` (the first listed
/// on a tie); no header reads as JSON. `None`: none acceptable.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(Media::Json);
    };
    let accept = accept.to_str().ok()?;
    let mut best: Option<(f32, Media)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponseJson,
            "application/json" | "*/*" | "application/*" => Media::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, candidate));
        }
    }
    best.map(|(_, m)| m)
}

/// A request-level failure: no `data`, one error with a code.
fn request_error(media: Media, status: StatusCode, code: &str, message: &str) -> Response {
    refusal(media, status, code, None, message)
}

/// A request-level failure with `extensions.code` and, when a limit refused
/// it, `extensions.limit`.
fn refusal(
    media: Media,
    status: StatusCode,
    code: &str,
    limit: Option<&str>,
    message: &str,
) -> Response {
    let mut extensions = json!({ "code": code });
    if let Some(limit) = limit {
        extensions["limit"] = json!(limit);
    }
    let body = json!({ "errors": [{ "message": message, "extensions": extensions }] });
    media.respond(status, body.to_string())
}

fn not_acceptable() -> Response {
    request_error(
        Media::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "this server answers application/graphql-response+json or application/json",
    )
}

pub(super) async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let request = match parse_get(query.as_deref().unwrap_or_default()) {
        Ok(r) => r,
        Err(message) => {
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
    if is_mutation(&state, &request) {
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

/// Reads a GET request's parameters: `query`, and optionally
/// `operationName`, `variables` and `extensions` (JSON objects).
fn parse_get(query_string: &str) -> Result<async_graphql::Request, String> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|err| format!("cannot read the query string: {err}"))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut request = async_graphql::Request::new(get("query").unwrap_or_default());
    if let Some(name) = get("operationName").filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(vars) = get("variables").filter(|v| !v.is_empty()) {
        let value: serde_json::Value = serde_json::from_str(vars)
            .map_err(|err| format!("`variables` is not valid JSON: {err}"))?;
        if !value.is_object() && !value.is_null() {
            return Err("`variables` must be a JSON object".to_string());
        }
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    if let Some(ext) = get("extensions").filter(|v| !v.is_empty()) {
        let value: serde_json::Value = serde_json::from_str(ext)
            .map_err(|err| format!("`extensions` is not valid JSON: {err}"))?;
        if !value.is_object() {
            return Err("`extensions` must be a JSON object".to_string());
        }
    }
    Ok(request)
}

/// Whether the operation to run is a mutation (refused over GET).
fn is_mutation(state: &AppState, request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::OperationType;
    state
        .schema
        .with_document(request, |doc| {
            selected_operation(doc, request.operation_name.as_deref())
                .is_some_and(|op| op.ty == OperationType::Mutation)
        })
        .unwrap_or(false)
}

/// The required variables (non-null, no default) of the selected operation
/// that the request does not give: a request error before execution. Read
/// off the document cache's parse for a document sent before (a parse on
/// every request with variables cost more than running most plans).
fn missing_variables(state: &AppState, request: &async_graphql::Request) -> Vec<String> {
    if !request.query.contains('$') {
        return Vec::new();
    }
    state
        .schema
        .with_document(request, |doc| {
            let Some(op) = selected_operation(doc, request.operation_name.as_deref()) else {
                return Vec::new();
            };
            op.variable_definitions
                .iter()
                .map(|v| &v.node)
                .filter(|v| !v.var_type.node.nullable && v.default_value.is_none())
                .filter(|v| {
                    matches!(
                        request.variables.get(v.name.node.as_str()),
                        None | Some(async_graphql::Value::Null)
                    )
                })
                .map(|v| v.name.node.to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    // A body streamed past the limit (one announced past it by its
    // Content-Length is refused before this handler) or cut off.
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "the request body is larger than {} bytes",
                state.config.max_body_bytes
            );
            // Counted with the other 413s by the router.
            return refusal(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                "QUERY_TOO_LARGE",
                Some("body_size"),
                &message,
            );
        }
        Err(rejection) => {
            let message = format!("cannot read the request body: {}", rejection.body_text());
            return request_error(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
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
        Err(message) => {
            if message == BATCHED {
                state.metrics.refused("batch");
            }
            request_error(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", &message)
        }
    }
}

/// The answer to a batched (JSON array) body.
const BATCHED: &str = "batched requests are not supported: send one operation per request";

/// Reads a JSON request body: an object with a string `query`, and
/// optionally `variables` (object), `operationName` (string), `extensions`
/// (object).
fn parse_body(body: &[u8]) -> Result<async_graphql::Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("the body is not valid JSON: {err}"))?;
    let serde_json::Value::Object(map) = &value else {
        return Err(if value.is_array() {
            BATCHED.to_string()
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
    let started = std::time::Instant::now();
    let operation = state
        .metrics
        .operation_label(request.operation_name.as_deref());
    let record = |outcome: Outcome| {
        state
            .metrics
            .requests
            .get_or_create(&RequestLabels {
                operation: operation.clone(),
                outcome,
            })
            .inc();
        state
            .metrics
            .latency
            .get_or_create(&OperationLabels {
                operation: operation.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
    };
    let missing = missing_variables(state, &request);
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|v| format!("${v}")).collect();
        let message = format!("required variable {} is not given", list.join(", "));
        let status = match media {
            Media::GraphqlResponseJson => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        };
        record(Outcome::RequestError);
        return request_error(media, status, "GRAPHQL_VALIDATION_FAILED", &message);
    }
    let graph = state.graph.load_full();
    let key = state.responses.key(&request);
    if let Some(key) = &key {
        let found = state.responses.get(key, &graph);
        let result = if found.is_some() {
            CacheResult::Hit
        } else {
            CacheResult::Miss
        };
        state
            .metrics
            .response_cache
            .get_or_create(&CacheLabels { result })
            .inc();
        if let Some(body) = found {
            record(Outcome::Ok);
            return media.respond(StatusCode::OK, body);
        }
    }
    // A document run before, whose plan answers without async-graphql.
    let planned = if state.config.plans {
        state.schema.run_planned(&request, &graph)
    } else {
        None
    };
    if let Some(body) = planned {
        let body = Bytes::from(body);
        state.metrics.planned.inc();
        record(Outcome::Ok);
        if let Some(key) = key {
            state.responses.insert(key, &graph, body.clone());
        }
        return media.respond(StatusCode::OK, body);
    }
    let query = request.query.clone();
    // Set when this handler returns, or is dropped with its client gone: a
    // computation still running then stops.
    let stop = crate::api::Stop::default();
    let _stop_when_done = stop.when_dropped();
    let request = request.data(graph.clone()).data(stop);
    // Run on a task of its own: resolvers compute without awaiting, so a
    // timeout around the execution itself would only be looked at once it
    // finished. Awaited from here, the deadline answers the client on time;
    // the task is aborted (it stops at its next await, if any; the longest
    // computations also stop when `stop` is set, the others run to the end
    // of their budgets, on the snapshot they started with).
    let schema = state.schema.clone();
    let run = async move { schema.execute(request).await };
    // In the request's span, so its logs keep the request id.
    let mut task = tokio::spawn(tracing::Instrument::in_current_span(run));
    let response = match tokio::time::timeout(state.config.timeout, &mut task).await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => {
            tracing::error!(error = %err, "the GraphQL execution failed");
            record(Outcome::RequestError);
            return request_error(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "the server failed to run this request",
            );
        }
        Err(_) => {
            task.abort();
            record(Outcome::Timeout);
            state.metrics.refused("timeout");
            let message = format!(
                "the request took longer than {} ms and was stopped",
                state.config.timeout.as_millis()
            );
            return refusal(
                media,
                StatusCode::SERVICE_UNAVAILABLE,
                "TIMEOUT",
                Some("timeout"),
                &message,
            );
        }
    };
    // A request error (the document does not parse or validate) has no
    // field path and leaves no data: the spec gives it no `data` entry.
    let request_failed = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut errors = response.errors;
    for e in &mut errors {
        shorten(&mut e.message);
    }
    if request_failed {
        // Parsed again only when an error has no code of its own.
        let mut parses = None;
        for e in &mut errors {
            let ext = e
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if ext.get("code").is_some() {
                continue;
            }
            let parses =
                *parses.get_or_insert_with(|| async_graphql::parser::parse_query(&query).is_ok());
            let code = if !parses {
                "GRAPHQL_PARSE_FAILED"
            } else if e.message.contains("nested too deep") || e.message.contains("recursion depth")
            {
                "QUERY_TOO_DEEP"
            } else if e.message.contains("too complex") {
                "QUERY_TOO_COMPLEX"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            ext.set("code", code);
            match code {
                "QUERY_TOO_DEEP" => ext.set("limit", "depth"),
                "QUERY_TOO_COMPLEX" => ext.set("limit", "cost"),
                _ => {}
            }
        }
        record(Outcome::RequestError);
    } else if errors.is_empty() {
        record(Outcome::Ok);
    } else {
        record(Outcome::FieldError);
    }
    // Every refusal by a limit (request errors, and field errors for page
    // sizes and walk bounds) carries `extensions.limit`: count it.
    for e in &errors {
        if let Some(Value::String(limit)) = e.extensions.as_ref().and_then(|x| x.get("limit")) {
            state.metrics.refused(limit);
        }
    }
    let body = ResponseBody {
        data: (!request_failed).then_some(&response.data),
        errors: &errors,
        extensions: &response.extensions,
    };
    let body = match serde_json::to_vec(&body) {
        Ok(body) => Bytes::from(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot write a GraphQL response");
            return request_error(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "the server could not write the response",
            );
        }
    };
    if let Some(key) = key.filter(|_| errors.is_empty() && !request_failed) {
        state.responses.insert(key, &graph, body.clone());
    }
    let status = if request_failed && media == Media::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    media.respond(status, body)
}

/// The longest error message sent; longer ones (which echo a huge argument
/// back) are cut.
const MAX_MESSAGE_BYTES: usize = 1024;

fn shorten(message: &mut String) {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut end = MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str("… (cut)");
    }
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
