//! Every limit against hostile queries, driven through `civgraph::http::app`
//! in process (`tower::ServiceExt::oneshot`) on the bundled `graph-data/`:
//! each refuses with a clear GraphQL error carrying `extensions.code` (and
//! `extensions.limit` where a size limit refused), and each refusal is
//! counted at `/metrics` as `civgraph_refusals_total{limit="..."}`.
//!
//! Then hostile inputs of every sort (huge strings, deep nesting, many
//! aliases, long id lists, forged cursors, broken JSON, wrong content
//! types): never a 5xx, never a hang. Nothing here asserts on timing: the
//! test run finishing is the proof that nothing stalls.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use civgraph::api::{self, QueryLimits};
use civgraph::graph::Graph;
use civgraph::http::{app, AppState, HttpConfig, GRAPHQL_RESPONSE_JSON};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const APPLICATION_JSON: &str = "application/json";

/// The bundled graph, loaded once.
fn graph() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
            let graph = civgraph::loader::load_dir(&dir)
                .unwrap_or_else(|err| panic!("graph-data does not load:\n{err}"));
            Arc::new(graph)
        })
        .clone()
}

/// One server state (its own metrics), answering each request through a
/// fresh router over that state.
struct Server {
    state: AppState,
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    content_type: String,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {:?}", self.text()))
    }

    /// Every error, each checked to have a non-empty message and a code.
    fn errors(&self) -> Vec<Value> {
        let body = self.json();
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {body}"))
            .clone();
        assert!(!errors.is_empty(), "empty errors in {body}");
        for e in &errors {
            let message = e["message"].as_str().unwrap_or("");
            assert!(!message.trim().is_empty(), "an error without message: {e}");
            assert!(
                e["extensions"]["code"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty()),
                "an error without extensions.code: {e}"
            );
        }
        errors
    }

    fn codes(&self) -> Vec<String> {
        self.errors()
            .iter()
            .map(|e| e["extensions"]["code"].as_str().unwrap().to_string())
            .collect()
    }
}

impl Server {
    fn new() -> Server {
        Server::with(QueryLimits::default(), HttpConfig::default())
    }

    fn with(limits: QueryLimits, config: HttpConfig) -> Server {
        Server {
            state: AppState::new(graph(), api::schema(limits), config),
        }
    }

    /// Sends one request; no answer may be a 5xx.
    async fn send(&self, request: Request<Body>) -> Reply {
        let reply = self.send_any(request).await;
        assert!(
            !reply.status.is_server_error(),
            "answered {}: {:?}",
            reply.status,
            &reply.text()[..reply.body.len().min(2000)]
        );
        reply
    }

    /// Sends one request, whatever its answer.
    async fn send_any(&self, request: Request<Body>) -> Reply {
        let response = app(self.state.clone())
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a readable body")
            .to_bytes();
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// POST /graphql, accepting application/graphql-response+json.
    async fn query(&self, query: &str) -> Reply {
        self.post(json!({ "query": query }).to_string()).await
    }

    async fn query_with(&self, query: &str, variables: Value) -> Reply {
        self.post(json!({ "query": query, "variables": variables }).to_string())
            .await
    }

    async fn post(&self, body: String) -> Reply {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, APPLICATION_JSON)
            .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// The value of `civgraph_refusals_total{limit="<limit>"}` (0 if absent).
    async fn refusals(&self, limit: &str) -> u64 {
        let reply = self
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let prefix = format!("civgraph_refusals_total{{limit=\"{limit}\"}} ");
        common::metric(&reply.text(), &prefix)
    }

    /// Asserts a request error (400, no `data`) with `code` and, when given,
    /// `extensions.limit`.
    fn assert_refused(&self, reply: &Reply, code: &str, limit: Option<&str>) {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(
            reply.content_type.starts_with(GRAPHQL_RESPONSE_JSON),
            "{}",
            reply.content_type
        );
        let body = reply.json();
        assert!(body.get("data").is_none(), "a refusal with data: {body}");
        let errors = reply.errors();
        assert_eq!(errors[0]["extensions"]["code"], code, "{}", reply.text());
        if let Some(limit) = limit {
            assert_eq!(errors[0]["extensions"]["limit"], limit, "{}", reply.text());
        }
    }
}

/// `{ entity(...) { relations { edges { node { ... id } } } } }` with
/// `levels` nested relation hops: 1 + 3 x levels + 1 levels deep.
fn relation_chain(levels: usize) -> String {
    let mut q = String::from(r#"{ entity(id: "person:okan-geray") { "#);
    for _ in 0..levels {
        q.push_str("relations(first: 1) { edges { node { ");
    }
    q.push_str("id ");
    q.push_str(&"} } } ".repeat(levels));
    q.push_str("} }");
    q
}

/// `__type` fields nested `n` deep: `ofType { ofType { ... name } }`.
fn of_types(n: usize) -> String {
    format!("{}name{}", "ofType { ".repeat(n), " }".repeat(n))
}

// ---------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------

#[tokio::test]
async fn depth_over_the_limit_is_query_too_deep_and_counted() {
    let server = Server::new();
    // entity + 5 x (relations > edges > node) + id: 17 levels, over 16.
    let reply = server.query(&relation_chain(5)).await;
    server.assert_refused(&reply, "QUERY_TOO_DEEP", None);
    assert!(reply.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("deep"));
    assert_eq!(server.refusals("depth").await, 1);

    // 4 hops: 14 levels, within the limit.
    let reply = server.query(&relation_chain(4)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json()["data"]["entity"]["relations"].is_object());
    assert_eq!(server.refusals("depth").await, 1);
}

/// Other servers skip the depth check for operations or fragments named
/// like the introspection fields; here, names do not matter.
#[tokio::test]
async fn the_depth_limit_is_not_bypassed_by_introspection_names() {
    let server = Server::new();
    let deep = relation_chain(6);
    let body = deep.trim_start_matches('{');
    let cases = [
        format!("query __schema {{ {body}"),
        format!("query __type {{ {body}"),
        format!("query IntrospectionQuery {{ {body}"),
        // Fragments named `__schema` and `__type` holding the deep part.
        format!(
            "query {{ entity(id: \"person:okan-geray\") {{ ...__schema }} }}
             fragment __schema on Entity {{ relations {{ edges {{ node {{ ...__type }} }} }} }}
             fragment __type on Entity {{ {} }}",
            &relation_chain(5)
                .trim_start_matches(r#"{ entity(id: "person:okan-geray") { "#)
                .trim_end_matches("} }")
        ),
        // Aliased as an introspection field.
        deep.replacen("entity(", "__schema: entity(", 1),
        deep.replacen("entity(", "__type: entity(", 1),
    ];
    for (i, query) in cases.iter().enumerate() {
        let reply = server.query(query).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "case {i}: {query}");
        assert!(reply.json().get("data").is_none(), "case {i}");
        assert_eq!(
            reply.codes(),
            ["QUERY_TOO_DEEP"],
            "case {i}: {query}\n{}",
            reply.text()
        );
    }
    assert_eq!(server.refusals("depth").await, cases.len() as u64);
}

/// Real introspection nested past the limit is refused like any other field.
#[tokio::test]
async fn deep_real_introspection_is_query_too_deep() {
    let server = Server::new();
    let cases = [
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} }} }} }} }} }}",
            of_types(20)
        ),
        format!(
            "{{ __type(name: \"Person\") {{ fields {{ type {{ {} }} }} }} }}",
            of_types(20)
        ),
        format!(
            "query __schema {{ __schema {{ ...__type }} }}
             fragment __type on __Schema {{ types {{ fields {{ type {{ ...__schema }} }} }} }}
             fragment __schema on __Type {{ {} }}",
            of_types(16)
        ),
    ];
    for query in &cases {
        let reply = server.query(query).await;
        server.assert_refused(&reply, "QUERY_TOO_DEEP", None);
    }
    assert_eq!(server.refusals("depth").await, cases.len() as u64);
}

/// The query GraphiQL and other IDEs send (graphql-js'
/// `getIntrospectionQuery()`, with and without every option) passes under
/// the default limits.
#[tokio::test]
async fn the_standard_introspection_query_passes_under_default_limits() {
    let server = Server::new();
    for query in [INTROSPECTION_QUERY, INTROSPECTION_QUERY_ALL_OPTIONS] {
        let reply = server.query(query).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let body = reply.json();
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "Person"));
        // The GET form GraphiQL can use works too.
        let uri = format!(
            "/graphql?query={}",
            common::url_encode(query.trim_start_matches('\n'))
        );
        let reply = server
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(reply.json().get("errors").is_none());
    }
    for limit in ["depth", "cost", "tokens", "aliases", "directives"] {
        assert_eq!(server.refusals(limit).await, 0, "{limit}");
    }
}

// ---------------------------------------------------------------------------
// Cost, aliases, directives, tokens
// ---------------------------------------------------------------------------

#[tokio::test]
async fn cost_over_the_limit_is_query_too_complex_and_counted() {
    let server = Server::new();
    let costly = "{ entities(first: 100) { edges { node {
        relations(first: 100) { edges { node { id name } } } } } } }";
    let reply = server.query(costly).await;
    server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
    assert!(reply.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("complex"));
    assert_eq!(server.refusals("cost").await, 1);
    // The page size given through a variable weighs the same.
    let reply = server
        .query_with(
            "query ($n: Int) { entities(first: $n) { edges { node {
               relations(first: $n) { edges { node { id name } } } } } } }",
            json!({ "n": 100 }),
        )
        .await;
    server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
    assert_eq!(server.refusals("cost").await, 2);
    // A modest page passes.
    let reply = server
        .query("{ entities(first: 10) { edges { node { relations(first: 10) { totalCount } } } } }")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

/// A document is parsed and checked once, then kept: sent again with other
/// variables, its cost is weighed anew each time, never carried over.
#[tokio::test]
async fn a_document_sent_again_is_weighed_with_its_new_variables() {
    let server = Server::new();
    let query = "query ($n: Int) { entities(first: $n) { edges { node {
        relations(first: $n) { totalCount edges { node { id } } } } } } }";
    for (n, refused) in [(5, false), (100, true), (5, false), (100, true)] {
        let reply = server.query_with(query, json!({ "n": n })).await;
        if refused {
            server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
        } else {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let body = reply.json();
            assert_eq!(
                body["data"]["entities"]["edges"].as_array().unwrap().len(),
                5
            );
        }
    }
    assert_eq!(server.refusals("cost").await, 2);
    // A document refused for its shape stays refused when sent again.
    let aliases: String = (0..40)
        .map(|i| format!("a{i}: stats {{ entityCount }} "))
        .collect();
    for _ in 0..2 {
        let reply = server.query(&format!("{{ {aliases} }}")).await;
        server.assert_refused(&reply, "QUERY_TOO_LARGE", Some("aliases"));
    }
}

/// Fragments that each spread the next one twice expand to 2^n fields:
/// refused for cost at once, not walked (nor executed) 2^n times.
#[tokio::test]
async fn a_fragment_bomb_is_refused_not_expanded() {
    let server = Server::new();
    let mut query = String::from("{ ...F40 }\nfragment F0 on Query { stats { entityCount } }\n");
    for i in 1..=40 {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i - 1,
            i - 1
        ));
    }
    let reply = server.query(&query).await;
    server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
    // The same through a field of each fragment, and through interfaces.
    let mut query = String::from(
        "{ entity(id: \"person:okan-geray\") { ...E30 } }\nfragment E0 on Entity { id name }\n",
    );
    for i in 1..=30 {
        query.push_str(&format!(
            "fragment E{i} on Entity {{ ... on Person {{ ...E{} }} ...E{} }}\n",
            i - 1,
            i - 1
        ));
    }
    let reply = server.query(&query).await;
    server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
    // With a variable on the way (the variable-position check walks the
    // fragments too).
    let mut query = String::from(
        "query ($id: ID!) { entity(id: $id) { ...V30 } }\nfragment V0 on Entity { id }\n",
    );
    for i in 1..=30 {
        query.push_str(&format!(
            "fragment V{i} on Entity {{ ...V{} ...V{} }}\n",
            i - 1,
            i - 1
        ));
    }
    let reply = server
        .query_with(&query, json!({ "id": "person:okan-geray" }))
        .await;
    server.assert_refused(&reply, "QUERY_TOO_COMPLEX", Some("cost"));
    assert_eq!(server.refusals("cost").await, 3);
}

#[tokio::test]
async fn aliases_over_the_limit_are_query_too_large() {
    let server = Server::new();
    let aliases = |n: usize| {
        let fields: String = (0..n).map(|i| format!("a{i}: __typename ")).collect();
        format!("{{ {fields} }}")
    };
    let reply = server.query(&aliases(30)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = server.query(&aliases(31)).await;
    server.assert_refused(&reply, "QUERY_TOO_LARGE", Some("aliases"));
    assert!(reply.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("aliases"));
    assert_eq!(server.refusals("aliases").await, 1);
}

#[tokio::test]
async fn directives_over_the_limit_are_query_too_large() {
    let server = Server::new();
    let directives = |n: usize| {
        let fields: String = (0..n).map(|_| "__typename @include(if: true) ").collect();
        format!("{{ {fields} }}")
    };
    let reply = server.query(&directives(50)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = server.query(&directives(51)).await;
    server.assert_refused(&reply, "QUERY_TOO_LARGE", Some("directives"));
    // Directives on the operation and on fragments count too.
    let many = "@skip(if: false) ".repeat(51);
    let reply = server
        .query(&format!("query Q {many} {{ __typename }}"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(server.refusals("directives").await, 2);
}

#[tokio::test]
async fn tokens_over_the_limit_are_query_too_large() {
    let server = Server::new();
    // 2 + 4999 tokens: over 5000.
    let reply = server
        .query(&format!("{{ {} }}", "__typename ".repeat(4999)))
        .await;
    server.assert_refused(&reply, "QUERY_TOO_LARGE", Some("tokens"));
    assert!(reply.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("tokens"));
    assert_eq!(server.refusals("tokens").await, 1);
    // Comments and commas are not tokens.
    let padded = format!("{{ stats {{ entityCount }} }} #{}", ",".repeat(20_000));
    let reply = server.query(&padded).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---------------------------------------------------------------------------
// Body size, batching
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_counted() {
    let server = Server::new();
    let body = json!({ "query": format!("{{ stats {{ entityCount }} }}{}", " ".repeat(70_000)) })
        .to_string();
    // With Content-Length...
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, APPLICATION_JSON)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body.clone()))
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.codes(), ["QUERY_TOO_LARGE"], "{}", reply.text());
    // ...and streamed without one: the handler answers a GraphQL error.
    let reply = server.post(body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.codes(), ["QUERY_TOO_LARGE"], "{}", reply.text());
    assert_eq!(reply.errors()[0]["extensions"]["limit"], "body_size");
    assert_eq!(server.refusals("body_size").await, 2);
}

#[tokio::test]
async fn overlong_searches_are_bad_user_input() {
    let server = Server::new();
    let long = "a".repeat(201);
    let reply = server
        .query(&format!("{{ search(query: \"{long}\") {{ score }} }}"))
        .await;
    assert_eq!(reply.codes(), ["BAD_USER_INPUT"], "{}", reply.text());
    let many = "itu ".repeat(13);
    let reply = server
        .query(&format!("{{ search(query: \"{many}\") {{ score }} }}"))
        .await;
    assert_eq!(reply.codes(), ["BAD_USER_INPUT"], "{}", reply.text());
    let reply = server
        .query("{ search(query: \"digital public infrastructure for cities\") { score } }")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(!reply.text().contains("\"errors\""), "{}", reply.text());
}

#[tokio::test]
async fn batching_is_refused_and_counted() {
    let server = Server::new();
    let one = json!({ "query": "{ stats { entityCount } }" });
    for body in [json!([one, one]), json!([one]), json!([])] {
        let reply = server.post(body.to_string()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(reply.json().get("data").is_none());
        assert_eq!(reply.codes(), ["BAD_REQUEST"]);
        assert!(reply.errors()[0]["message"]
            .as_str()
            .unwrap()
            .contains("batch"));
    }
    assert_eq!(server.refusals("batch").await, 3);
}

// ---------------------------------------------------------------------------
// Page sizes and walk budgets: field errors (BAD_USER_INPUT), data kept
// ---------------------------------------------------------------------------

/// Asserts a 200 with `data` and, for each error, BAD_USER_INPUT with a
/// path; returns how many errors.
fn assert_bad_user_input(reply: &Reply, limit: &str) -> usize {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert!(body.get("data").is_some(), "{body}");
    let errors = reply.errors();
    for e in &errors {
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
        assert_eq!(e["extensions"]["limit"], limit, "{e}");
        assert!(e["path"].is_array(), "{e}");
    }
    errors.len()
}

#[tokio::test]
async fn page_sizes_outside_0_to_100_are_bad_user_input_and_counted() {
    let server = Server::new();
    let mut refused = 0;
    for first in ["101", "-1", "2147483647", "-2147483648"] {
        for query in [
            format!("{{ entities(first: {first}) {{ totalCount }} }}"),
            format!("{{ people(first: {first}) {{ totalCount }} }}"),
            format!("{{ search(query: \"itu\", first: {first}) {{ score }} }}"),
            format!(
                "{{ entity(id: \"person:okan-geray\") {{ relations(first: {first}) {{ totalCount }} }} }}"
            ),
            format!("{{ leadership(first: {first}) {{ totalCount }} }}"),
        ] {
            let reply = server.query(&query).await;
            refused += assert_bad_user_input(&reply, "page_size");
        }
    }
    assert_eq!(server.refusals("page_size").await, refused as u64);
    // Through a variable, too.
    let reply = server
        .query_with(
            "query ($n: Int) { entities(first: $n) { totalCount } }",
            json!({ "n": 1000 }),
        )
        .await;
    assert_bad_user_input(&reply, "page_size");
    // 0 and 100 are fine.
    let reply = server
        .query("{ a: entities(first: 0) { totalCount } b: entities(first: 100) { totalCount } }")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json().get("errors").is_none(), "{}", reply.text());
}

#[tokio::test]
async fn traverse_and_paths_bounds_are_bad_user_input_and_counted() {
    let server = Server::new();
    let ids: Vec<String> = (0..101).map(|i| format!("person:p{i}")).collect();
    let reply = server
        .query_with(
            "query ($ids: [ID!]!) { traverse(from: $ids, steps: [{}]) { totalCount } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_bad_user_input(&reply, "traverse");
    let nine_steps = ["{}"; 9].join(", ");
    let reply = server
        .query(&format!(
            "{{ traverse(from: [\"person:okan-geray\"], steps: [{nine_steps}]) {{ totalCount }} }}"
        ))
        .await;
    assert_bad_user_input(&reply, "traverse");
    let reply = server
        .query("{ traverse(from: [\"person:okan-geray\"], steps: [{maxHops: 6}]) { totalCount } }")
        .await;
    assert_bad_user_input(&reply, "traverse");
    let reply = server
        .query("{ traverse(from: [\"person:okan-geray\"], steps: []) { totalCount } }")
        .await;
    assert_bad_user_input(&reply, "traverse");
    assert_eq!(server.refusals("traverse").await, 4);

    for depth in [0, 11, -1] {
        let reply = server
            .query(&format!(
                "{{ paths(from: \"person:okan-geray\", to: \"person:leyi-zhang\", maxDepth: {depth}) {{ length }} }}"
            ))
            .await;
        assert_bad_user_input(&reply, "path_depth");
        let reply = server
            .query(&format!(
                "{{ shortestPath(from: \"person:okan-geray\", to: \"person:leyi-zhang\", maxDepth: {depth}) {{ length }} }}"
            ))
            .await;
        assert_bad_user_input(&reply, "path_depth");
    }
    assert_eq!(server.refusals("path_depth").await, 6);
    let reply = server
        .query("{ entity(id: \"person:okan-geray\") { neighbourhood(depth: 6) { nodes { id } } } }")
        .await;
    assert_bad_user_input(&reply, "neighbourhood_depth");
    assert_eq!(server.refusals("neighbourhood_depth").await, 1);
}

/// The largest walks the bounds allow answer (cut at their budgets, saying
/// so), without error.
#[tokio::test]
async fn the_largest_walks_allowed_answer() {
    let server = Server::new();
    let steps = ["{maxHops: 5}"; 8].join(", ");
    let query = format!(
        "{{ traverse(from: [\"person:okan-geray\", \"group:u4ssc\"], steps: [{steps}], first: 100) {{
             totalCount truncated edges {{ depth node {{ id }} }} }} }}"
    );
    let reply = server.query(&query).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["traverse"]["truncated"].is_boolean());

    let reply = server
        .query(
            "{ paths(from: \"person:okan-geray\", to: \"person:leyi-zhang\", maxDepth: 10, first: 100) {
                 length nodes { id } } }",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert!(body.get("errors").is_none(), "{body}");
    assert!(!body["data"]["paths"].as_array().unwrap().is_empty());

    let reply = server
        .query(
            "{ entity(id: \"group:u4ssc\") { neighbourhood(depth: 5) { nodes { id } relations { id } } } }",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---------------------------------------------------------------------------
// Hostile inputs: never a 5xx, never a hang
// ---------------------------------------------------------------------------

#[tokio::test]
async fn huge_strings_are_answered() {
    let server = Server::new();
    let big = "a".repeat(60_000);
    let odd = "é\u{0}\u{202e}🙂\\\"".repeat(2_000);
    for s in [&big, &odd] {
        for query in [
            "query ($s: String!) { search(query: $s) { score } }",
            "query ($s: ID!) { entity(id: $s) { id } }",
            "query ($s: ID!) { node(id: $s) { id } }",
            "query ($s: String) { entities(after: $s) { totalCount } }",
        ] {
            let reply = server.query_with(query, json!({ "s": s })).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            // A clear error, or an answer; never an echo of 60 KB.
            if let Some(errors) = reply.json()["errors"].as_array() {
                for e in errors {
                    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e}");
                    assert!(e["message"].as_str().unwrap().len() <= 1100, "{e}");
                }
            }
        }
    }
    // As a literal in the document.
    let reply = server
        .query(&format!("{{ search(query: \"{big}\") {{ score }} }}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // A huge name is one token, but not a field.
    let reply = server.query(&format!("{{ {big} }}")).await;
    server.assert_refused(&reply, "GRAPHQL_VALIDATION_FAILED", None);
}

#[tokio::test]
async fn deep_nesting_is_refused() {
    let server = Server::new();
    // 1000 levels of `{a{a{...}}}`: past the parser's recursion limit.
    let a = format!("{}a{}", "{a".repeat(1000), "}".repeat(1000));
    let reply = server.query(&a).await;
    server.assert_refused(&reply, "QUERY_TOO_DEEP", None);
    // 1000 levels of relations { edges { node { ...: past the token limit
    // first, and past the parser's recursion limit when tokens are allowed.
    let chain = relation_chain(1000);
    let reply = server.query(&chain).await;
    server.assert_refused(&reply, "QUERY_TOO_LARGE", Some("tokens"));
    let lenient = Server::with(
        QueryLimits {
            max_tokens: 1_000_000,
            ..QueryLimits::default()
        },
        HttpConfig {
            max_body_bytes: 1 << 20,
            ..HttpConfig::default()
        },
    );
    let reply = lenient.query(&chain).await;
    lenient.assert_refused(&reply, "QUERY_TOO_DEEP", None);
    let reply = lenient.query(&a).await;
    lenient.assert_refused(&reply, "QUERY_TOO_DEEP", None);
    // Deep input values in the document: lists and objects.
    for value in [
        format!("{}1{}", "[".repeat(1000), "]".repeat(1000)),
        format!("{}1{}", "{a: ".repeat(1000), "}".repeat(1000)),
    ] {
        let reply = lenient
            .query(&format!("{{ entities(kinds: {value}) {{ totalCount }} }}"))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
        assert!(reply.json().get("data").is_none());
        reply.errors();
    }
    // Deep JSON in the variables: a JSON error, 400.
    let deep_json = format!(
        r#"{{"query": "query ($k: [EntityKind!]) {{ entities(kinds: $k) {{ totalCount }} }}", "variables": {{"k": {}1{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let reply = server.post(deep_json).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.codes(), ["BAD_REQUEST"]);
    // A long chain of fragments, each spreading the next.
    let mut frags = String::from("{ ...F0 }\n");
    for i in 0..2000 {
        frags.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    frags.push_str("fragment F2000 on Query { __typename }\n");
    let reply = lenient.query(&frags).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    reply.errors();
}

#[tokio::test]
async fn many_aliases_are_refused_before_they_run() {
    let server = Server::new();
    let fields: String = (0..10_000)
        .map(|i| format!("a{i}: stats {{ entityCount }} "))
        .collect();
    let query = format!("{{ {fields} }}");
    let reply = server.query(&query).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let lenient = Server::with(
        QueryLimits {
            max_tokens: 1_000_000,
            ..QueryLimits::default()
        },
        HttpConfig {
            max_body_bytes: 1 << 20,
            ..HttpConfig::default()
        },
    );
    let reply = lenient.query(&query).await;
    lenient.assert_refused(&reply, "QUERY_TOO_LARGE", Some("aliases"));
    // The same field repeated without aliases merges into one.
    let same: String = "stats { entityCount } ".repeat(1_200);
    let reply = server.query(&format!("{{ {same} }}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json()["data"]["stats"]["entityCount"].is_number());
}

#[tokio::test]
async fn long_lists_of_ids_are_answered() {
    let server = Server::new();
    let ids: Vec<String> = (0..2_000).map(|i| format!("person:someone-{i}")).collect();
    let reply = server
        .query_with(
            "query ($ids: [ID!]!) { traverse(from: $ids, steps: [{}]) { totalCount } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_bad_user_input(&reply, "traverse");
    // Past the body limit: 413.
    let ids: Vec<String> = (0..20_000).map(|i| format!("person:someone-{i}")).collect();
    let reply = server
        .query_with(
            "query ($ids: [ID!]!) { traverse(from: $ids, steps: [{}]) { totalCount } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Malformed ids in a list: one clear error.
    let reply = server
        .query_with(
            "query ($ids: [ID!]!) { traverse(from: $ids, steps: [{}]) { totalCount } }",
            json!({ "ids": ["person:okan-geray", "not an id", ""] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.codes(), ["BAD_USER_INPUT"]);
    // A long literal list of kinds.
    let kinds = vec!["PERSON"; 1_000].join(", ");
    let reply = server
        .query(&format!(
            "{{ entities(kinds: [{kinds}]) {{ totalCount }} }}"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn invalid_cursors_are_bad_user_input() {
    use base64::Engine;
    let server = Server::new();
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let cursors = [
        String::new(),
        "x".to_string(),
        "////".to_string(),
        "🙂".to_string(),
        b64("civgraph:-1"),
        b64("civgraph:99999999999999999999999999"),
        b64(&format!("civgraph:{}", usize::MAX)),
        b64("civgraph:100000"),
        b64("something else"),
        "A".repeat(50_000),
    ];
    for cursor in &cursors {
        for query in [
            "query ($c: String) { entities(after: $c) { totalCount } }",
            "query ($c: String) { people(after: $c) { totalCount } }",
            "query ($c: String) { entity(id: \"group:u4ssc\") { relations(after: $c) { totalCount } } }",
            "query ($c: String) { leadership(after: $c) { totalCount } }",
            "query ($c: String) { traverse(from: [\"group:u4ssc\"], steps: [{}], after: $c) { totalCount } }",
        ] {
            let reply = server.query_with(query, json!({ "c": cursor })).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.codes(), ["BAD_USER_INPUT"], "{cursor:.40}: {query}");
        }
    }
}

#[tokio::test]
async fn broken_json_is_400_with_a_code() {
    let server = Server::new();
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"null".to_vec(),
        b"1".to_vec(),
        b"\"{ stats { entityCount } }\"".to_vec(),
        b"{\"query\": \"{ stats { entityCount } }\"".to_vec(),
        b"{\"query\": \"{ stats { entityCount } }\"}}".to_vec(),
        b"{\"query\": \"\\ud800\"}".to_vec(),
        b"{\"query\": \"\xff\xfe\"}".to_vec(),
        b"\xef\xbb\xbf{\"query\": \"{ __typename }\"}".to_vec(),
        b"{\"query\": 1}".to_vec(),
        b"{\"query\": null}".to_vec(),
        b"{\"query\": \"{ __typename }\", \"variables\": \"{}\"}".to_vec(),
        b"{\"query\": \"{ __typename }\", \"variables\": [1]}".to_vec(),
        b"{\"query\": \"{ __typename }\", \"operationName\": 3}".to_vec(),
        b"{\"query\": \"{ __typename }\", \"extensions\": 3}".to_vec(),
        b"\0\0\0".to_vec(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(),
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, APPLICATION_JSON)
            .header(header::ACCEPT, GRAPHQL_RESPONSE_JSON)
            .body(Body::from(body))
            .unwrap();
        let reply = server.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{shown}: {}",
            reply.text()
        );
        assert!(reply.json().get("data").is_none(), "{shown}");
        assert_eq!(reply.codes(), ["BAD_REQUEST"], "{shown}");
    }
}

#[tokio::test]
async fn wrong_content_types_are_415_with_a_code() {
    let server = Server::new();
    let body = json!({ "query": "{ stats { entityCount } }" }).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/graphql"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
        Some("json"),
        Some(""),
        Some("application/xml"),
    ] {
        let mut request = Request::post("/graphql").header(header::ACCEPT, GRAPHQL_RESPONSE_JSON);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let reply = server
            .send(request.body(Body::from(body.clone())).unwrap())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}: {}",
            reply.text()
        );
        assert_eq!(reply.codes(), ["UNSUPPORTED_MEDIA_TYPE"]);
    }
    // Parameters and case do not matter.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.clone()))
            .unwrap();
        let reply = server.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{content_type}");
    }
}

/// The per-request timeout answers on time even while resolvers compute
/// without awaiting (a timeout around the execution itself would only be
/// looked at after it finished).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_timeout_is_503_timeout_and_counted() {
    // A query far longer than the timeout on any machine: betweenness over
    // a generated graph of 3,000 entities (some 15,000 relations) is a
    // breadth-first search from every entity.
    let dir = tempfile::tempdir().unwrap();
    civgraph::generate::generate(3_000, 1, dir.path()).unwrap();
    let generated = Arc::new(civgraph::loader::load_dir(dir.path()).unwrap());
    let server = Server {
        state: AppState::new(
            generated,
            api::schema(QueryLimits::default()),
            HttpConfig {
                timeout: std::time::Duration::from_millis(1),
                ..HttpConfig::default()
            },
        ),
    };
    let slow = "{ centrality(metric: BETWEENNESS, first: 1) { score } }";
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, APPLICATION_JSON)
        .body(Body::from(json!({ "query": slow }).to_string()))
        .unwrap();
    let reply = server.send_any(request).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text()
    );
    assert_eq!(reply.codes(), ["TIMEOUT"]);
    assert!(reply.json().get("data").is_none());
    assert_eq!(server.refusals("timeout").await, 1);
    // The server goes on answering.
    let server = Server::new();
    let reply = server.query(slow).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Many refusals at once leave the server answering everyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_do_not_disturb_other_clients() {
    let server = Arc::new(Server::new());
    let hostile = [
        relation_chain(1000),
        relation_chain(6),
        format!("{{ {} }}", "__typename ".repeat(5200)),
        "{ entities(first: 100) { edges { node { relations(first: 100) { edges { node { id } } } } } } }"
            .to_string(),
    ];
    let mut tasks = Vec::new();
    for i in 0..40 {
        let server = server.clone();
        let query = hostile[i % hostile.len()].clone();
        tasks.push(tokio::spawn(async move {
            let reply = server.query(&query).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        }));
    }
    for _ in 0..20 {
        let reply = server
            .query("{ stats { entityCount relationCount } }")
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.json()["data"]["stats"]["entityCount"],
            graph().entities().len()
        );
    }
    for t in tasks {
        t.await.expect("a client task");
    }
}

/// graphql-js 16's `getIntrospectionQuery()`, as GraphiQL sends it.
const INTROSPECTION_QUERY: &str = include_str!("fixtures/introspection/default.graphql");
/// The same with every option on (descriptions, specifiedByURL,
/// isRepeatable, schema description, input value deprecation, oneOf).
const INTROSPECTION_QUERY_ALL_OPTIONS: &str =
    include_str!("fixtures/introspection/all-options.graphql");

/// On a large graph, graph-wide fields run in turns, on a thread the
/// runtime gives up; they answer as they would in place, in a
/// multi-threaded runtime (the server's) as in a single-threaded one
/// (`civgraph query`'s), where there is no thread to give up.
#[test]
fn graph_wide_fields_answer_alike_in_either_runtime_on_a_large_graph() {
    let dir = tempfile::tempdir().unwrap();
    civgraph::generate::generate(10_000, 2, dir.path()).unwrap();
    let generated = Arc::new(civgraph::loader::load_dir(dir.path()).unwrap());
    assert!(
        generated.entities().len() + generated.relations().len() > 50_000,
        "large enough to be computed off the runtime's threads"
    );
    let query = "{ stats { entityCount componentCount }
                   aggregate { entityCount byRelationType { key count } }
                   components(first: 2) { size }
                   centrality(metric: DEGREE, first: 3) { score entity { id } }
                   leadership(first: 2) { totalCount }
                   people(first: 2, where: { nameContains: \"an\" }) { totalCount } }";
    let answer = |runtime: tokio::runtime::Runtime| {
        let schema = api::schema_for(generated.clone());
        let response = runtime.block_on(schema.execute(query));
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.into_json().unwrap()
    };
    let single = answer(
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    );
    let multi = answer(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    );
    assert_eq!(single, multi);
    assert_eq!(single["stats"]["entityCount"], 10_000);
    assert_eq!(single["aggregate"]["entityCount"], 10_000);
}
