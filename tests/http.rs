//! Behaviour tests of the HTTP layer: `civgraph::http::app` driven in
//! process with `tower::ServiceExt::oneshot` (no TCP port), serving the
//! small fixture graph in `tests/fixtures/small`.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use civgraph::api::{self, QueryLimits};
use civgraph::graph::Graph;
use civgraph::http::{app, AppState, HttpConfig, GRAPHQL_RESPONSE_JSON};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const APPLICATION_JSON: &str = "application/json";

fn graph() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small");
            let graph = civgraph::loader::load_dir(&dir)
                .unwrap_or_else(|err| panic!("the fixture does not load:\n{err}"));
            Arc::new(graph)
        })
        .clone()
}

fn router_with(limits: QueryLimits, config: HttpConfig) -> Router {
    app(AppState::new(graph(), api::schema(limits), config))
}

fn router() -> Router {
    router_with(QueryLimits::default(), HttpConfig::default())
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE).unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("a UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "body is not JSON ({err}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `extensions.code` of each error.
    fn error_codes(&self) -> Vec<String> {
        let body = self.json();
        body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {body}"))
            .iter()
            .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

/// Sends one request through a fresh router; no answer is ever a 5xx.
async fn send_to(router: Router, request: Request<Body>) -> Reply {
    let what = format!("{} {}", request.method(), request.uri());
    let response = router
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes();
    assert!(
        !status.is_server_error(),
        "{what} answered {status}: {:?}",
        String::from_utf8_lossy(&body)
    );
    Reply {
        status,
        headers,
        body,
    }
}

async fn send(request: Request<Body>) -> Reply {
    send_to(router(), request).await
}

/// POST /graphql with a JSON body and an optional Accept header.
fn post(body: impl Into<String>, accept: Option<&str>) -> Request<Body> {
    let mut builder = Request::post("/graphql").header(header::CONTENT_TYPE, APPLICATION_JSON);
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT, accept);
    }
    builder.body(Body::from(body.into())).unwrap()
}

/// POST /graphql of `{"query": query}`.
fn post_query(query: &str, accept: Option<&str>) -> Request<Body> {
    post(json!({ "query": query }).to_string(), accept)
}

/// GET of `uri` with an optional Accept header.
fn get(uri: &str, accept: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(uri);
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT, accept);
    }
    builder.body(Body::empty()).unwrap()
}

/// GET /graphql?query=...
fn get_query(query: &str, accept: Option<&str>) -> Request<Body> {
    get(
        &format!("/graphql?query={}", common::url_encode(query)),
        accept,
    )
}

// ---------------------------------------------------------------------------
// POST and GET /graphql
// ---------------------------------------------------------------------------

#[tokio::test]
async fn post_json_answers_200_with_data() {
    let reply = send(post_query("{ stats { entityCount relationCount } }", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.content_type().starts_with(APPLICATION_JSON),
        "{}",
        reply.content_type()
    );
    assert_eq!(
        reply.json(),
        json!({ "data": { "stats": { "entityCount": 17, "relationCount": 33 } } })
    );
}

#[tokio::test]
async fn post_takes_variables_and_an_operation_name() {
    let body = json!({
        "query": "query A($id: ID!) { entity(id: $id) { name } } query B { stats { entityCount } }",
        "variables": { "id": "person:zoe-muller" },
        "operationName": "A",
    });
    let reply = send(post(body.to_string(), Some(APPLICATION_JSON))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "data": { "entity": { "name": "Zoë Müller" } } })
    );

    // Content-Type parameters are fine.
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(
            json!({ "query": "{ stats { entityCount } }" }).to_string(),
        ))
        .unwrap();
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"]["stats"]["entityCount"], 17);
}

#[tokio::test]
async fn get_with_a_query_string_works() {
    let reply = send(get_query("{ stats { entityCount } }", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with(APPLICATION_JSON));
    assert_eq!(
        reply.json(),
        json!({ "data": { "stats": { "entityCount": 17 } } })
    );

    let uri = format!(
        "/graphql?query={}&variables={}",
        common::url_encode("query ($id: ID!) { entity(id: $id) { name } }"),
        common::url_encode(r#"{"id": "person:jose-garcia"}"#)
    );
    let reply = send(get(&uri, Some(GRAPHQL_RESPONSE_JSON))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "data": { "entity": { "name": "José García" } } })
    );
}

#[tokio::test]
async fn get_without_a_query_is_400() {
    for uri in ["/graphql", "/graphql?query=", "/graphql?variables=%7B%7D"] {
        let reply = send(get(uri, None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.json().get("errors").is_some(), "{uri}");
    }
    let reply = send(get(
        "/graphql?query=%7Bstats%7BentityCount%7D%7D&variables=%5B",
        None,
    ))
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "broken variables");
}

// ---------------------------------------------------------------------------
// Media types and status codes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn graphql_response_json_is_answered_in_kind() {
    let reply = send(post_query(
        "{ stats { entityCount } }",
        Some(GRAPHQL_RESPONSE_JSON),
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.content_type().starts_with(GRAPHQL_RESPONSE_JSON),
        "{}",
        reply.content_type()
    );
    assert_eq!(reply.json()["data"]["stats"]["entityCount"], 17);

    // Listed first, it wins over application/json.
    let accept = "application/graphql-response+json, application/json;q=0.9";
    let reply = send(post_query("{ stats { entityCount } }", Some(accept))).await;
    assert!(reply.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
}

#[tokio::test]
async fn a_request_error_with_graphql_response_json_is_400_without_data() {
    for query in [
        "{ stats { noSuchField } }",
        "{ entity { id } }",
        "{ entities(first: \"ten\") { totalCount } }",
    ] {
        for request in [
            post_query(query, Some(GRAPHQL_RESPONSE_JSON)),
            get_query(query, Some(GRAPHQL_RESPONSE_JSON)),
        ] {
            let reply = send(request).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(reply.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
            let body = reply.json();
            assert!(body.get("data").is_none(), "{query}: {body}");
            assert!(!body["errors"].as_array().unwrap().is_empty());
            assert_eq!(
                reply.error_codes()[0],
                "GRAPHQL_VALIDATION_FAILED",
                "{body}"
            );
        }
    }
    // A document that does not parse.
    let reply = send(post_query("{ stats { ", Some(GRAPHQL_RESPONSE_JSON))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json().get("data").is_none());
    assert_eq!(reply.error_codes()[0], "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn a_request_error_with_application_json_is_200() {
    for accept in [Some(APPLICATION_JSON), None] {
        let reply = send(post_query("{ stats { noSuchField } }", accept)).await;
        assert_eq!(reply.status, StatusCode::OK, "Accept {accept:?}");
        assert!(reply.content_type().starts_with(APPLICATION_JSON));
        let body = reply.json();
        assert!(body.get("data").is_none(), "{body}");
        assert!(!body["errors"].as_array().unwrap().is_empty());
    }
    let reply = send(get_query("{ stats { ", Some(APPLICATION_JSON))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.error_codes()[0], "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn a_field_error_keeps_the_data_and_status_200() {
    let query = r#"{ entity(id: "Not An Id") { id } stats { entityCount } }"#;
    for accept in [GRAPHQL_RESPONSE_JSON, APPLICATION_JSON] {
        let reply = send(post_query(query, Some(accept))).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}");
        let body = reply.json();
        assert_eq!(body["data"]["stats"], json!({ "entityCount": 17 }));
        assert_eq!(reply.error_codes(), ["BAD_USER_INPUT"]);
        assert_eq!(body["errors"][0]["path"], json!(["entity"]));
    }
}

#[tokio::test]
async fn a_broken_json_body_is_400_with_errors() {
    for body in [
        "{",
        "not json at all",
        "",
        "null",
        "\"{ stats { entityCount } }\"",
        r#"{"query": 1}"#,
        r#"{}"#,
        r#"{"query": "   "}"#,
        r#"{"query": "{ stats { entityCount } }", "variables": []}"#,
        r#"{"query": "{ stats { entityCount } }", "variables": "{}"}"#,
        r#"{"query": "{ stats { entityCount } }", "operationName": 3}"#,
    ] {
        for accept in [Some(APPLICATION_JSON), Some(GRAPHQL_RESPONSE_JSON), None] {
            let reply = send(post(body, accept)).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "body {body:?}");
            let json = reply.json();
            assert!(json.get("data").is_none(), "{json}");
            assert!(!json["errors"].as_array().unwrap().is_empty(), "{json}");
        }
    }
    // Not even UTF-8.
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, APPLICATION_JSON)
        .body(Body::from(vec![0xff, 0xfe, b'{']))
        .unwrap();
    assert_eq!(send(request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_batched_array_body_is_400() {
    let body = json!([
        { "query": "{ stats { entityCount } }" },
        { "query": "{ stats { relationCount } }" },
    ]);
    for accept in [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON] {
        let reply = send(post(body.to_string(), Some(accept))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let json = reply.json();
        assert!(json.get("data").is_none());
        assert!(!json["errors"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let body = json!({ "query": "{ stats { entityCount } }" }).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/graphql"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut builder = Request::post("/graphql");
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        let reply = send(builder.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type {content_type:?}"
        );
        assert!(!reply.json()["errors"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn other_methods_on_graphql_are_405() {
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let request = Request::builder()
            .method(method.clone())
            .uri("/graphql")
            .header(header::CONTENT_TYPE, APPLICATION_JSON)
            .body(Body::from(r#"{"query": "{ stats { entityCount } }"}"#))
            .unwrap();
        let reply = send(request).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        let allow = reply
            .header(header::ALLOW)
            .unwrap_or("")
            .to_ascii_uppercase();
        assert!(
            allow.contains("POST") && allow.contains("GET"),
            "Allow: {allow}"
        );
    }
}

#[tokio::test]
async fn a_mutation_over_get_is_405() {
    for query in [
        "mutation { __typename }",
        "mutation { stats { entityCount } }",
    ] {
        let reply = send(get_query(query, None)).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{query}");
        assert_eq!(reply.header(header::ALLOW), Some("POST"));
        assert!(!reply.json()["errors"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn accepting_only_html_is_406() {
    for accept in [
        "text/html",
        "text/html, application/xhtml+xml",
        "application/json;q=0",
    ] {
        let reply = send(post_query("{ stats { entityCount } }", Some(accept))).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_ACCEPTABLE,
            "POST, Accept {accept}"
        );
        let reply = send(get_query("{ stats { entityCount } }", Some(accept))).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_ACCEPTABLE,
            "GET, Accept {accept}"
        );
    }
    // A wildcard reads as JSON.
    let reply = send(post_query("{ stats { entityCount } }", Some("*/*"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with(APPLICATION_JSON));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let config = HttpConfig {
        max_body_bytes: 1024,
        ..HttpConfig::default()
    };
    // A valid request, padded with white space past the limit.
    let body = format!(
        r#"{{"query": "{{ stats {{ entityCount }} }}{}"}}"#,
        " ".repeat(2000)
    );
    assert!(body.len() > 1024);

    // With a Content-Length header...
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, APPLICATION_JSON)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.clone()))
        .unwrap();
    let reply = send_to(router_with(QueryLimits::default(), config.clone()), request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // ...and without one.
    let reply = send_to(
        router_with(QueryLimits::default(), config.clone()),
        post(body, None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Under the limit, the same router answers.
    let reply = send_to(
        router_with(QueryLimits::default(), config),
        post_query("{ stats { entityCount } }", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

// ---------------------------------------------------------------------------
// The other routes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn health_is_200_json_with_status_ok() {
    let reply = send(get("/health", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with(APPLICATION_JSON));
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["entities"], 17);
    assert_eq!(body["relations"], 33);
}

#[tokio::test]
async fn the_root_serves_graphiql() {
    let reply = send(get("/", Some("text/html"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.content_type().starts_with("text/html"),
        "{}",
        reply.content_type()
    );
    let html = reply.text().to_ascii_lowercase();
    assert!(html.contains("graphiql"));
    assert!(html.contains("/graphql"), "the IDE talks to /graphql");
}

/// The contract: "GET / in a browser: an interactive GraphQL IDE that works
/// with no internet access (every asset served by civgraph itself)".
#[tokio::test]
async fn the_ide_needs_no_internet() {
    let html = send(get("/", Some("text/html"))).await.text();
    for attr in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "src=\"//",
        "href=\"//",
    ] {
        assert!(
            !html.contains(attr),
            "the IDE loads an asset from another host ({attr}...):\n{html}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_are_404() {
    for uri in ["/nope", "/graphql/extra", "/health/x", "/graphiql/x"] {
        let reply = send(get(uri, None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

// ---------------------------------------------------------------------------
// CORS and compression
// ---------------------------------------------------------------------------

#[tokio::test]
async fn cors_preflight_allows_any_origin_by_default() {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/graphql")
        .header(header::ORIGIN, "https://dashboard.example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    let reply = send(request).await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let methods = reply
        .header(header::ACCESS_CONTROL_ALLOW_METHODS)
        .unwrap_or("")
        .to_ascii_uppercase();
    assert!(methods.contains("POST"), "{methods}");
    let headers = reply
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(headers.contains("content-type"), "{headers}");

    // The actual request carries the header too.
    let mut request = post_query("{ stats { entityCount } }", None);
    request.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://dashboard.example.org"),
    );
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
}

#[tokio::test]
async fn cors_origins_can_be_restricted() {
    let config = HttpConfig {
        cors_origins: Some(vec![HeaderValue::from_static("https://allowed.example")]),
        ..HttpConfig::default()
    };
    let preflight = |origin: &'static str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/graphql")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let router = router_with(QueryLimits::default(), config);
    let reply = send_to(router.clone(), preflight("https://allowed.example")).await;
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://allowed.example")
    );
    let reply = send_to(router, preflight("https://evil.example")).await;
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

const LARGE_QUERY: &str =
    "{ entities(first: 100) { edges { node { id name kind aliases description } } } }";

#[tokio::test]
async fn large_responses_are_gzipped_when_asked() {
    let mut request = post_query(LARGE_QUERY, None);
    request
        .headers_mut()
        .insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(&reply.body[..2], &[0x1f, 0x8b], "gzip magic number");

    // Not asked: plain JSON, and larger than the gzipped body.
    let plain = send(post_query(LARGE_QUERY, None)).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    assert_eq!(
        plain.json()["data"]["entities"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        17
    );
    assert!(reply.body.len() < plain.body.len());
}

// ---------------------------------------------------------------------------
// The response body
// ---------------------------------------------------------------------------

#[tokio::test]
async fn response_fields_follow_the_query_order() {
    let text = send(post_query("{ stats { relationCount entityCount } }", None))
        .await
        .text();
    let (r, e) = (
        text.find("relationCount").unwrap(),
        text.find("entityCount").unwrap(),
    );
    assert!(r < e, "{text}");

    let text = send(post_query("{ stats { entityCount relationCount } }", None))
        .await
        .text();
    let (r, e) = (
        text.find("relationCount").unwrap(),
        text.find("entityCount").unwrap(),
    );
    assert!(e < r, "{text}");

    // Aliases and root fields too.
    let text = send(post_query(
        r#"{ z: stats { entityCount } a: entity(id: "person:li-wei") { name id } }"#,
        None,
    ))
    .await
    .text();
    assert!(
        text.find("\"z\"").unwrap() < text.find("\"a\"").unwrap(),
        "{text}"
    );
    assert!(
        text.find("\"name\"").unwrap() < text.find("\"id\"").unwrap(),
        "{text}"
    );
    // `data` comes before `errors`.
    let text = send(post_query(r#"{ entity(id: "bad id") { id } }"#, None))
        .await
        .text();
    assert!(
        text.find("\"data\"").unwrap() < text.find("\"errors\"").unwrap(),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Query limits
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_query_too_deep() {
    let limits = QueryLimits {
        max_depth: 4,
        ..QueryLimits::default()
    };
    // entity > relations > edges > node > id: 5 levels.
    let deep = r#"{ entity(id: "person:zoe-muller") { relations { edges { node { id } } } } }"#;
    for (accept, status) in [
        (GRAPHQL_RESPONSE_JSON, StatusCode::BAD_REQUEST),
        (APPLICATION_JSON, StatusCode::OK),
    ] {
        let reply = send_to(
            router_with(limits, HttpConfig::default()),
            post_query(deep, Some(accept)),
        )
        .await;
        assert_eq!(reply.status, status, "{accept}");
        assert!(reply.json().get("data").is_none());
        assert_eq!(reply.error_codes(), ["QUERY_TOO_DEEP"], "{}", reply.text());
    }
    // Within the limit, the same query shape answers.
    let shallow = r#"{ entity(id: "person:zoe-muller") { relations { totalCount } } }"#;
    let reply = send_to(
        router_with(limits, HttpConfig::default()),
        post_query(shallow, None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"]["entity"]["relations"]["totalCount"], 5);

    // The default limit stops a runaway nesting too.
    // entity + 6 x (relations > edges > node) + id: 20 levels.
    let reply = send(post_query(&nested(6), Some(GRAPHQL_RESPONSE_JSON))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_codes(), ["QUERY_TOO_DEEP"], "{}", reply.text());
}

/// `entity` with `levels` nested `relations(first: 1) { edges { node ... } }`.
fn nested(levels: usize) -> String {
    let mut query = String::from(r#"{ entity(id: "person:zoe-muller") { id "#);
    for _ in 0..levels {
        query.push_str("relations(first: 1) { edges { node { id ");
    }
    query.push_str(&"} } } ".repeat(levels));
    query.push_str("} }");
    query
}

/// A query nested past the parser's own recursion limit (32) is refused
/// before the depth limit is checked, with another code.
#[tokio::test]
async fn a_very_deep_query_is_query_too_deep() {
    let reply = send(post_query(&nested(12), Some(GRAPHQL_RESPONSE_JSON))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_codes(), ["QUERY_TOO_DEEP"], "{}", reply.text());
}

#[tokio::test]
async fn a_query_costlier_than_the_limit_is_query_too_complex() {
    // 100 entities x 100 relations each: far over the default budget.
    let costly = "{ entities(first: 100) { edges { node { ... on Person {
        relations(first: 100) { edges { node { id name } relation { id role } } } } } } } }";
    for (accept, status) in [
        (GRAPHQL_RESPONSE_JSON, StatusCode::BAD_REQUEST),
        (APPLICATION_JSON, StatusCode::OK),
    ] {
        let reply = send(post_query(costly, Some(accept))).await;
        assert_eq!(reply.status, status, "{accept}");
        assert!(reply.json().get("data").is_none());
        assert_eq!(
            reply.error_codes(),
            ["QUERY_TOO_COMPLEX"],
            "{}",
            reply.text()
        );
    }
    // A configured budget applies.
    let limits = QueryLimits {
        max_complexity: 50,
        ..QueryLimits::default()
    };
    let reply = send_to(
        router_with(limits, HttpConfig::default()),
        post_query("{ entities(first: 100) { edges { node { id } } } }", None),
    )
    .await;
    assert_eq!(reply.error_codes(), ["QUERY_TOO_COMPLEX"]);
    let reply = send_to(
        router_with(limits, HttpConfig::default()),
        post_query("{ entities(first: 5) { edges { node { id } } } }", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(node_count(&reply.json()), 5);
}

fn node_count(body: &Value) -> usize {
    body["data"]["entities"]["edges"].as_array().unwrap().len()
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

/// Odd requests of every sort: none may answer 5xx (`send` checks).
#[tokio::test]
async fn odd_requests_never_answer_500() {
    let queries = [
        "",
        "{",
        "}",
        "{ __typename }",
        "{ __schema { types { name } } }",
        r#"{ search(query: "") { score } }"#,
        r#"{ search(query: "ж中文🙂") { score } }"#,
        r#"{ entities(first: 2147483647) { totalCount } }"#,
        r#"{ entities(after: "////") { totalCount } }"#,
        r#"{ shortestPath(from: "person:zoe-muller", to: "organisation:acme", maxDepth: -2147483648) { length } }"#,
        r#"{ node(id: "relation:") { id } }"#,
        r#"{ entity(id: "person:zoe-muller") { ... on Person { ... on Person { id } } } }"#,
        "query ($x: Int!) { entities(first: $x) { totalCount } }",
        "subscription { stats { entityCount } }",
        "mutation { stats { entityCount } }",
        "fragment F on Person { id } { entity(id: \"person:li-wei\") { ...F ...F } }",
    ];
    for query in queries {
        for accept in [GRAPHQL_RESPONSE_JSON, APPLICATION_JSON] {
            send(post_query(query, Some(accept))).await;
            send(get_query(query, Some(accept))).await;
        }
    }
    for uri in [
        "/graphql?query=%ZZ",
        "/graphql?query=%7B&query=%7D",
        "/graphql?operationName=",
        "/graphql?query=%7Bstats%7BentityCount%7D%7D&extensions=%5B%5D",
        "/?query=1",
        "/health?verbose=1",
    ] {
        send(get(uri, None)).await;
    }
    for method in [
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ] {
        let request = Request::builder()
            .method(method)
            .uri("/graphql")
            .body(Body::empty())
            .unwrap();
        send(request).await;
    }
    let request = Request::post("/health").body(Body::empty()).unwrap();
    assert_eq!(send(request).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// A fragment that spreads itself is a validation error (GraphQL spec 5.5.2.2).
#[tokio::test]
async fn a_fragment_cycle_is_a_validation_error() {
    for query in [
        "fragment A on Query { ...A } { ...A }",
        "fragment A on Query { stats { entityCount } ...B } fragment B on Query { ...A } { ...A }",
    ] {
        let reply = send(post_query(query, Some(GRAPHQL_RESPONSE_JSON))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(reply.json().get("data").is_none());
    }
}

/// `relations(first: N)` costs N times its selection, also when selected
/// through the `Entity` interface (as in `search` hits and `relations`
/// edges): otherwise nesting multiplies the work unchecked.
#[tokio::test]
async fn relations_through_the_entity_interface_count_towards_complexity() {
    let costly = "{ entities(first: 100) { edges { node {
        relations(first: 100) { edges { node {
          relations(first: 100) { edges { node { id name } } } } } } } } } }";
    let reply = send(post_query(costly, Some(GRAPHQL_RESPONSE_JSON))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.error_codes(), ["QUERY_TOO_COMPLEX"]);
}

/// GraphQL-over-HTTP: a GET whose operation is a mutation is 405, whether
/// the operation has a name or not.
#[tokio::test]
async fn a_named_mutation_over_get_is_405() {
    let reply = send(get_query("mutation M { __typename }", None)).await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.text()
    );
    let uri = format!(
        "/graphql?query={}&operationName=M",
        common::url_encode("query Q { stats { entityCount } } mutation M { __typename }")
    );
    let reply = send(get(&uri, None)).await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.text()
    );
}

/// GraphQL-over-HTTP: GET takes `query`, `operationName` and `variables`.
#[tokio::test]
async fn get_honours_operation_name() {
    let uri = format!(
        "/graphql?query={}&operationName=R",
        common::url_encode("query Q { stats { entityCount } } query R { stats { relationCount } }")
    );
    let reply = send(get(&uri, None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({ "data": { "stats": { "relationCount": 33 } } })
    );
}

/// A required variable that is not provided fails variable coercion, and a
/// nullable variable cannot feed a non-null argument: request errors
/// (GraphQL spec 6.1, 5.8.5), so 400 and no `data` with
/// application/graphql-response+json.
#[tokio::test]
async fn a_missing_variable_is_a_request_error() {
    for query in [
        "query ($id: ID!) { entity(id: $id) { id } }",
        "query ($id: ID) { entity(id: $id) { id } }",
    ] {
        let reply = send(post_query(query, Some(GRAPHQL_RESPONSE_JSON))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(reply.json().get("data").is_none());
        assert_eq!(reply.error_codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    }
}

/// The same checks on a document the server has run before (its parse then
/// comes from the document cache, and its plan would answer): a required
/// variable left out is still a request error, and a mutation over GET
/// still a 405.
#[tokio::test]
async fn a_document_run_before_is_checked_as_a_new_one() {
    let state = state_with(HttpConfig::default());
    let query = "query ($id: ID!) { entity(id: $id) { id } }";
    for _ in 0..2 {
        let body = json!({ "query": query, "variables": { "id": "person:zoe-muller" } });
        let reply = send_to(app(state.clone()), post(body.to_string(), None)).await;
        assert_eq!(reply.json()["data"]["entity"]["id"], "person:zoe-muller");
    }
    for variables in [json!({}), json!({ "id": null })] {
        let body = json!({ "query": query, "variables": variables });
        let reply = send_to(
            app(state.clone()),
            post(body.to_string(), Some(GRAPHQL_RESPONSE_JSON)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(reply.json().get("data").is_none());
        assert_eq!(reply.error_codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    }
    let mutation = "mutation { __typename }";
    let body = json!({ "query": mutation }).to_string();
    send_to(app(state.clone()), post(body, None)).await;
    let reply = send_to(app(state.clone()), get_query(mutation, None)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Every response carries an `x-request-id`: the client's own, else a fresh
/// version-4 UUID, a different one for every request.
#[tokio::test]
async fn every_response_carries_a_request_id() {
    let request_id = || header::HeaderName::from_static("x-request-id");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..50 {
        let reply = send(get("/health", None)).await;
        let id = reply
            .header(request_id())
            .expect("an x-request-id")
            .to_string();
        let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4, "{id}");
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
        assert_eq!(
            id,
            parsed.hyphenated().to_string(),
            "lower case, hyphenated"
        );
        assert!(seen.insert(id), "a request id repeated");
    }
    let request = Request::get("/health")
        .header("x-request-id", "client-chosen-42")
        .body(Body::empty())
        .unwrap();
    let reply = send(request).await;
    assert_eq!(reply.header(request_id()), Some("client-chosen-42"));
}

/// A forged cursor with a huge offset: BAD_USER_INPUT, never a crash.
#[tokio::test]
async fn a_huge_cursor_is_bad_user_input_not_a_crash() {
    use base64::Engine;
    let cursor =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("civgraph:{}", usize::MAX));
    let body = json!({
        "query": "query ($after: String) { entities(after: $after) { totalCount } }",
        "variables": { "after": cursor },
    });
    let reply = send(post(body.to_string(), None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.error_codes(), ["BAD_USER_INPUT"]);
}

// ---------------------------------------------------------------------------
// The response cache
// ---------------------------------------------------------------------------

/// `civgraph_response_cache_lookups_total{result="<result>"}` of `state`.
async fn cache_lookups(state: &AppState, result: &str) -> u64 {
    let reply = send_to(
        app(state.clone()),
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    let prefix = format!("civgraph_response_cache_lookups_total{{result=\"{result}\"}} ");
    common::metric(&reply.text(), &prefix)
}

fn state_with(config: HttpConfig) -> AppState {
    AppState::new(graph(), api::schema(QueryLimits::default()), config)
}

#[tokio::test]
async fn a_query_asked_again_is_answered_from_the_response_cache() {
    let state = state_with(HttpConfig::default());
    let query = "query ($id: ID!) { entity(id: $id) { id name relations(first: 3) {
        totalCount edges { node { id name } } } } }";
    let ask = |id: &str, accept: &'static str| {
        post(
            json!({ "query": query, "variables": { "id": id } }).to_string(),
            Some(accept),
        )
    };
    let first = send_to(
        app(state.clone()),
        ask("person:zoe-muller", APPLICATION_JSON),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json()["data"]["entity"]["id"], "person:zoe-muller");
    assert_eq!(cache_lookups(&state, "hit").await, 0);
    // The same bytes again, in the media type this request negotiates.
    let again = send_to(
        app(state.clone()),
        ask("person:zoe-muller", GRAPHQL_RESPONSE_JSON),
    )
    .await;
    assert_eq!(again.body, first.body);
    assert!(again.content_type().starts_with(GRAPHQL_RESPONSE_JSON));
    assert!(first.content_type().starts_with(APPLICATION_JSON));
    assert_eq!(cache_lookups(&state, "hit").await, 1);
    // Other variables are another question.
    let other = send_to(
        app(state.clone()),
        ask("person:jose-garcia", APPLICATION_JSON),
    )
    .await;
    assert_eq!(other.json()["data"]["entity"]["id"], "person:jose-garcia");
    assert_eq!(cache_lookups(&state, "hit").await, 1);
    assert_eq!(cache_lookups(&state, "miss").await, 2);
}

#[tokio::test]
async fn responses_with_errors_are_not_kept() {
    let state = state_with(HttpConfig::default());
    let query = "{ entities(first: 101) { totalCount } }";
    for _ in 0..2 {
        let reply = send_to(app(state.clone()), post_query(query, None)).await;
        assert_eq!(reply.error_codes(), ["BAD_USER_INPUT"]);
    }
    assert_eq!(cache_lookups(&state, "hit").await, 0);
    assert_eq!(cache_lookups(&state, "miss").await, 2);
}

#[tokio::test]
async fn the_response_cache_can_be_turned_off() {
    let state = state_with(HttpConfig {
        response_cache_bytes: 0,
        ..HttpConfig::default()
    });
    let query = "{ stats { entityCount } }";
    let first = send_to(app(state.clone()), post_query(query, None)).await;
    let again = send_to(app(state.clone()), post_query(query, None)).await;
    assert_eq!(first.body, again.body);
    assert_eq!(cache_lookups(&state, "hit").await, 0);
    assert_eq!(cache_lookups(&state, "miss").await, 0);
}
