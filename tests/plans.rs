//! A document asked again is answered by its compiled plan
//! (`civgraph::api` runs it without async-graphql's executor): these tests
//! hold a plan's answers to async-graphql's, byte for byte.
//!
//! Each query goes to two servers with the response cache off: one that
//! has run the document before (so its plan answers, as
//! `civgraph_planned_requests_total` shows), and one that is sent the
//! document with a comment that makes it new every time (so async-graphql
//! answers). The bodies and statuses must be identical.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use civgraph::api::{self, QueryLimits};
use civgraph::graph::Graph;
use civgraph::http::{app, AppState, HttpConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn graph() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
            Arc::new(civgraph::loader::load_dir(&dir).expect("the bundled graph loads"))
        })
        .clone()
}

fn state() -> AppState {
    let config = HttpConfig {
        response_cache_bytes: 0,
        ..HttpConfig::default()
    };
    AppState::new(graph(), api::schema(QueryLimits::default()), config)
}

async fn send(state: &AppState, query: &str, variables: &Value) -> (StatusCode, Bytes) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

async fn planned(state: &AppState) -> u64 {
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    common::metric(
        std::str::from_utf8(&body).unwrap(),
        "civgraph_planned_requests_total ",
    )
}

/// Two servers: `warm` has run the documents before, `cold` never has.
struct Pair {
    warm: AppState,
    cold: AppState,
    fresh: u64,
}

impl Pair {
    fn new() -> Pair {
        Pair {
            warm: state(),
            cold: state(),
            fresh: 0,
        }
    }

    /// Runs `query` once on `warm` (async-graphql answers, and the plan is
    /// made), then with each of `variables` on both servers: the answers
    /// must be the same. Returns how many of them a plan answered.
    async fn compare(&mut self, query: &str, variables: &[Value]) -> u64 {
        let (status, _) = send(&self.warm, query, &variables[0]).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let before = planned(&self.warm).await;
        for vars in variables {
            self.fresh += 1;
            let new_text = format!("{query}\n# {}", self.fresh);
            let (cold_status, cold) = send(&self.cold, &new_text, vars).await;
            let (warm_status, warm) = send(&self.warm, query, vars).await;
            assert_eq!(
                String::from_utf8_lossy(&warm),
                String::from_utf8_lossy(&cold),
                "{query}\nvariables {vars}"
            );
            assert_eq!(warm_status, cold_status, "{query}\nvariables {vars}");
        }
        assert_eq!(
            planned(&self.cold).await,
            0,
            "a new document never has a plan"
        );
        planned(&self.warm).await - before
    }

    /// [`Pair::compare`] with `query` for every entity of the bundled
    /// graph (`$id`): each answer must come from the plan.
    async fn compare_every_entity(&mut self, query: &str) {
        let ids = entity_ids();
        assert_eq!(self.compare(query, &ids).await, ids.len() as u64, "{query}");
    }
}

/// `{"after": cursor}` for each of the hub `group:u4ssc`'s relations, in
/// order. A cursor names a position in a list: these serve any of its lists.
async fn hub_cursors(state: &AppState) -> Vec<Value> {
    let query = "{ entity(id: \"group:u4ssc\") { relations(first: 100) { edges { cursor } } } }";
    let (_, body) = send(state, query, &json!({})).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    body["data"]["entity"]["relations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| json!({ "after": edge["cursor"] }))
        .collect()
}

fn entity_ids() -> Vec<Value> {
    graph()
        .entities()
        .iter()
        .map(|e| json!({ "id": e.id.as_str() }))
        .collect()
}

#[tokio::test]
async fn the_benchmark_query_is_planned_for_every_entity() {
    let mut pair = Pair::new();
    let query = "query ($id: ID!) { entity(id: $id) { id name kind relations(first: 20) { totalCount edges { direction relation { type role } node { id name kind } } } } }";
    pair.compare_every_entity(query).await;
}

#[tokio::test]
async fn every_field_a_plan_knows_answers_as_async_graphql_does() {
    let mut pair = Pair::new();
    let query = r#"query ($id: ID!, $first: Int, $after: String, $types: [RelationType!], $direction: Direction) {
      __typename
      entity(id: $id) {
        __typename id kind name aliases description note
        sources { __typename document section quote documentInfo { __typename key title publisher date url } }
        relationCount
        out: relationCount(direction: OUT)
        leads: relationCount(types: [LEADS], direction: IN)
        relations(first: $first, after: $after, types: $types, direction: $direction) {
          __typename totalCount
          pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
          edges {
            __typename cursor direction
            node { __typename id name ... on Person { kind } }
            relation {
              __typename id type role note
              sources { quote section }
              from { id kind }
              to { id ... on Group { name } ... on Organisation { aliases } }
            }
          }
        }
      }
    }"#;
    let mut variables = entity_ids();
    for (i, v) in variables.iter_mut().enumerate() {
        let v = v.as_object_mut().unwrap();
        v.insert("first".into(), json!(i % 7));
        if i % 3 == 0 {
            v.insert("direction".into(), json!(["OUT", "IN", "BOTH"][i % 9 / 3]));
        }
        if i % 4 == 0 {
            v.insert("types".into(), json!(["LEADS", "MEMBER_OF"]));
        }
        if i % 5 == 0 {
            v.insert("types".into(), json!("PART_OF"));
        }
    }
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
}

#[tokio::test]
async fn pages_follow_their_cursors_as_async_graphql_does() {
    let mut pair = Pair::new();
    let query = "query ($after: String) { entity(id: \"group:u4ssc\") { relations(first: 4, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } }";
    // Every cursor of the hub's relations, then the end of the list.
    let mut variables = vec![json!({})];
    variables.extend(hub_cursors(&pair.cold).await);
    assert!(variables.len() > 20);
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
}

#[tokio::test]
async fn relations_by_id_and_missing_ones_are_planned() {
    let mut pair = Pair::new();
    let query = "query ($id: ID!) { relation(id: $id) { id type role note from { id name } to { __typename id } sources { document quote } } }";
    let mut variables: Vec<Value> = graph()
        .relations()
        .map(|r| json!({ "id": r.id() }))
        .collect();
    variables.push(json!({ "id": "relation:leads/person:nobody/group:u4ssc" }));
    variables.push(json!({ "id": "not a relation id" }));
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
    let query = "query ($id: ID!) { entity(id: $id) { id } }";
    let variables = [
        json!({ "id": "person:okan-geray" }),
        json!({ "id": "person:nobody" }),
    ];
    assert_eq!(pair.compare(query, &variables).await, 2);
}

#[tokio::test]
async fn fragments_aliases_and_literal_directives_are_planned() {
    let mut pair = Pair::new();
    let query = r#"
      query Hub($id: ID!) {
        a: entity(id: $id) { ...Card ... on Entity { n: name } id id }
        b: entity(id: "person:okan-geray") @include(if: true) { ...Card }
        c: entity(id: "person:okan-geray") @skip(if: true) { id }
        entity(id: $id) { relations(first: 3) { edges { node { ...Card ...Card } } } }
      }
      fragment Card on Node { id ... on Entity { kind name @skip(if: false) description @include(if: false) } }
    "#;
    pair.compare_every_entity(query).await;
}

#[tokio::test]
async fn what_a_plan_cannot_answer_is_left_to_async_graphql() {
    let mut pair = Pair::new();
    let query = "query ($first: Int, $after: String, $id: ID!) { entity(id: $id) { id relations(first: $first, after: $after) { totalCount edges { node { id } } } } }";
    let variables = [
        json!({ "id": "group:u4ssc", "first": 2 }),
        json!({ "id": "group:u4ssc", "first": 101 }),
        json!({ "id": "group:u4ssc", "first": -1 }),
        json!({ "id": "group:u4ssc", "first": "two" }),
        json!({ "id": "group:u4ssc", "after": "not a cursor" }),
        json!({ "id": "no-kind" }),
        json!({ "id": 7 }),
    ];
    // The first is planned; each of the others is an error async-graphql
    // words (the same words as from a server that never planned it).
    assert_eq!(pair.compare(query, &variables).await, 1);
    // Fields plans do not know: every request goes to async-graphql.
    for query in [
        "{ documents { key title } }",
        "{ entity(id: \"group:u4ssc\") { ... on Group { groupKind leaders { role } } } }",
        "{ stats { entityCount } }",
        "query ($s: Boolean!) { entity(id: \"group:u4ssc\") { id @skip(if: $s) } }",
        "{ entity(id: \"group:u4ssc\") { relations(first: 2) { edges { node { id } } } relations(first: 2) { totalCount } } }",
        "{ __schema { queryType { name } } }",
    ] {
        assert_eq!(pair.compare(query, &[json!({ "s": false })]).await, 0, "{query}");
    }
}

/// Pairs of the bundled graph's entities: each entity with one far along
/// the list, with itself, and with an unknown entity.
fn pairs() -> Vec<Value> {
    let graph = graph();
    let ids: Vec<&str> = graph.entities().iter().map(|e| e.id.as_str()).collect();
    let mut pairs: Vec<Value> = (0..ids.len())
        .map(|i| json!({ "from": ids[i], "to": ids[(i * 37 + 11) % ids.len()] }))
        .collect();
    pairs.push(json!({ "from": ids[3], "to": ids[3] }));
    pairs.push(json!({ "from": "person:nobody", "to": ids[0] }));
    pairs
}

#[tokio::test]
async fn shortest_paths_are_planned() {
    let mut pair = Pair::new();
    let query = "query ($from: ID!, $to: ID!, $types: [RelationType!], $maxDepth: Int) { shortestPath(from: $from, to: $to, types: $types, maxDepth: $maxDepth) { __typename length nodes { id name ... on Person { honorific } } relations { id type role from { id } to { kind } } } }";
    let mut variables = pairs();
    for (i, v) in variables.iter_mut().enumerate() {
        let v = v.as_object_mut().unwrap();
        if i % 3 == 0 {
            v.insert("maxDepth".into(), json!(1 + i % 4));
        }
        if i % 5 == 0 {
            v.insert("types".into(), json!(["LEADS", "MEMBER_OF", "PART_OF"]));
        }
    }
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
    // Found and not found, by an id written in the document.
    let query =
        "query ($to: ID!) { shortestPath(from: \"person:okan-geray\", to: $to) { length } }";
    let variables = [
        json!({ "to": "group:u4ssc" }),
        json!({ "to": "event:nowhere" }),
    ];
    assert_eq!(pair.compare(query, &variables).await, 2);
    // Errors, which async-graphql words.
    let query = "query ($from: ID!, $maxDepth: Int) { shortestPath(from: $from, to: \"group:u4ssc\", maxDepth: $maxDepth) { length } }";
    let variables = [
        json!({ "from": "person:okan-geray" }),
        json!({ "from": "no-kind" }),
        json!({ "from": "person:okan-geray", "maxDepth": 0 }),
        json!({ "from": "person:okan-geray", "maxDepth": 11 }),
    ];
    assert_eq!(pair.compare(query, &variables).await, 1);
}

#[tokio::test]
async fn k_shortest_paths_are_planned() {
    let mut pair = Pair::new();
    let mut variables = pairs();
    for (i, v) in variables.iter_mut().enumerate() {
        let v = v.as_object_mut().unwrap();
        v.insert("first".into(), json!(i % 12));
        if i % 4 == 0 {
            v.insert("maxDepth".into(), json!(1 + i % 5));
        }
        if i % 7 == 0 {
            v.insert(
                "types".into(),
                json!(["LEADS", "AFFILIATED_WITH", "MEMBER_OF"]),
            );
        }
    }
    let n = variables.len() as u64;
    let query = "query ($from: ID!, $to: ID!, $types: [RelationType!], $maxDepth: Int, $first: Int) { paths(from: $from, to: $to, types: $types, maxDepth: $maxDepth, first: $first) { length nodes { __typename id } relations { type } } }";
    assert_eq!(pair.compare(query, &variables).await, n);
    let query = "query ($from: ID!, $to: ID!, $types: [RelationType!], $maxDepth: Int, $first: Int) { pathSearch(from: $from, to: $to, types: $types, maxDepth: $maxDepth, first: $first) { __typename truncated paths { __typename length nodes { id name } relations { id role } } } }";
    assert_eq!(pair.compare(query, &variables).await, n);
    // Errors, which async-graphql words.
    let query = "query ($first: Int, $maxDepth: Int) { paths(from: \"person:okan-geray\", to: \"group:u4ssc\", first: $first, maxDepth: $maxDepth) { length } }";
    let variables = [
        json!({}),
        json!({ "first": 101 }),
        json!({ "first": -1 }),
        json!({ "maxDepth": 0 }),
    ];
    assert_eq!(pair.compare(query, &variables).await, 1);
}

#[tokio::test]
async fn neighbourhoods_are_planned() {
    let mut pair = Pair::new();
    let query = "query ($id: ID!, $depth: Int, $types: [RelationType!], $direction: Direction) { entity(id: $id) { id neighbourhood(depth: $depth, types: $types, direction: $direction) { __typename truncated nodes { id name ... on Group { groupKind } } relations { id type role from { id } to { name } } } } }";
    let mut variables = entity_ids();
    for (i, v) in variables.iter_mut().enumerate() {
        let v = v.as_object_mut().unwrap();
        v.insert("depth".into(), json!(i % 4));
        if i % 3 == 0 {
            v.insert("direction".into(), json!(["OUT", "IN", "BOTH"][i % 9 / 3]));
        }
        if i % 5 == 0 {
            v.insert("types".into(), json!(["LEADS", "PART_OF"]));
        }
    }
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
    // The defaults (depth 1, both ways), and an error async-graphql words.
    let query = "query ($depth: Int) { entity(id: \"group:u4ssc\") { neighbourhood(depth: $depth) { nodes { id } } n: neighbourhood { truncated } } }";
    let variables = [json!({ "depth": 2 }), json!({}), json!({ "depth": 6 })];
    assert_eq!(pair.compare(query, &variables).await, 2);
}

#[tokio::test]
async fn a_cost_over_the_limit_is_refused_from_a_planned_document_too() {
    let mut pair = Pair::new();
    let query = "query ($first: Int) { entity(id: \"group:u4ssc\") { relations(first: $first) { edges { node { relations(first: $first) { edges { node { relations(first: $first) { totalCount } } } } } } } } }";
    let variables = [
        json!({ "first": 2 }),
        json!({ "first": 100 }),
        json!({ "first": 3 }),
    ];
    // 100 x 100 x 100 is over the cost limit: refused, not planned.
    assert_eq!(pair.compare(query, &variables).await, 2);
}

/// A small deterministic generator (xorshift), for random queries.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn chance(&mut self, in_ten: usize) -> bool {
        self.below(10) < in_ten
    }
}

/// A random selection set on an entity, `depth` levels of relations deep at
/// most. Every field is one plans know; aliases, fragments and
/// `__typename` are mixed in.
fn entity_selection(rng: &mut Rng, depth: usize, fresh: &mut usize) -> String {
    const LEAVES: [&str; 8] = [
        "id",
        "name",
        "kind",
        "aliases",
        "description",
        "note",
        "__typename",
        "relationCount",
    ];
    let mut parts = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let leaf = LEAVES[rng.below(LEAVES.len())];
        if rng.chance(2) {
            *fresh += 1;
            parts.push(format!("x{fresh}: {leaf}"));
        } else {
            parts.push(leaf.to_string());
        }
    }
    if rng.chance(3) {
        parts.push("sources { section quote document }".into());
    }
    if rng.chance(3) {
        let on = ["Person", "Group", "Organisation", "Entity", "Event"][rng.below(5)];
        parts.push(format!("... on {on} {{ id name }}"));
    }
    if rng.chance(3) {
        let own = [
            "... on Organisation { acronym category }",
            "... on Person { honorific titles }",
            "... on Group { groupKind number status }",
            "... on Deliverable { deliverableKind status url }",
            "... on Event { eventKind date number }",
        ];
        parts.push(own[rng.below(own.len())].into());
    }
    if rng.chance(2) {
        parts.push("... on Node { id }".into());
    }
    if depth > 0 && rng.chance(1) {
        *fresh += 1;
        let inner = entity_selection(rng, depth - 1, fresh);
        parts.push(format!(
            "n{fresh}: neighbourhood(depth: {}) {{ truncated nodes {{ {inner} }} relations {{ type from {{ id }} }} }}",
            rng.below(3)
        ));
    }
    if depth > 0 && rng.chance(6) {
        *fresh += 1;
        let direction = ["OUT", "IN", "BOTH"][rng.below(3)];
        let types = ["", "types: [LEADS] ", "types: [MEMBER_OF, PART_OF] "][rng.below(3)];
        let inner = entity_selection(rng, depth - 1, fresh);
        parts.push(format!(
            "r{fresh}: relations(first: {}, direction: {direction} {types}) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ direction relation {{ type role }} node {{ {inner} }} }} }}",
            rng.below(6)
        ));
    }
    if depth > 0 && rng.chance(6) {
        *fresh += 1;
        // Lists of any kind of entity: the random selection's fragments
        // are valid on their nodes.
        let (on, list) = [
            ("Group", "members"),
            ("Deliverable", "features"),
            ("Person", "presented"),
        ][rng.below(3)];
        let inner = entity_selection(rng, depth - 1, fresh);
        parts.push(format!(
            "... on {on} {{ l{fresh}: {list}(first: {}) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ role relation {{ type }} node {{ {inner} }} }} }} }}",
            rng.below(6)
        ));
    }
    parts.join(" ")
}

#[tokio::test]
async fn random_queries_answer_as_async_graphql_does() {
    let mut pair = Pair::new();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let ids = entity_ids();
    let mut planned = 0;
    let mut asked = 0;
    for _ in 0..300 {
        let mut fresh = 0;
        let selection = entity_selection(&mut rng, 2, &mut fresh);
        let query = format!("query ($id: ID!) {{ entity(id: $id) {{ {selection} }} }}");
        let variables: Vec<Value> = (0..4).map(|_| ids[rng.below(ids.len())].clone()).collect();
        planned += pair.compare(&query, &variables).await;
        asked += variables.len() as u64;
    }
    assert_eq!(planned, asked);
}

#[tokio::test]
async fn a_document_over_the_cost_limit_is_refused_every_time_it_is_sent() {
    let state = state();
    // 100 x 100 x 100 relations: over the limit whatever the variables.
    let query = "{ entity(id: \"group:u4ssc\") { relations(first: 100) { edges { node { relations(first: 100) { edges { node { relations(first: 100) { totalCount } } } } } } } } }";
    for _ in 0..3 {
        let (status, body) = send(&state, query, &json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
            "{body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    assert_eq!(planned(&state).await, 0);
}

#[tokio::test]
async fn pages_of_every_entity_are_planned() {
    let mut pair = Pair::new();
    let query = "query ($kinds: [EntityKind!], $first: Int, $after: String) { entities(kinds: $kinds, first: $first, after: $after) { __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { __typename cursor role relation { id } node { id name kind ... on Group { id } } } } }";
    // Walk every entity 30 at a time, then some kinds 7 at a time.
    let walker = state();
    let mut variables = Vec::new();
    for (kinds, first) in [
        (json!(null), 30),
        (json!(["PERSON", "GROUP"]), 7),
        (json!("EVENT"), 2),
    ] {
        let mut after = json!(null);
        loop {
            let vars = json!({ "kinds": kinds, "first": first, "after": after });
            let (_, body) = send(&walker, query, &vars).await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            let info = &body["data"]["entities"]["pageInfo"];
            variables.push(vars);
            if info["hasNextPage"] != json!(true) {
                break;
            }
            after = info["endCursor"].clone();
        }
    }
    assert!(variables.len() > 10);
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
    let query = "{ entities(first: 100) { totalCount edges { node { id name kind } } } }";
    assert_eq!(pair.compare(query, &[json!({})]).await, 1);
}

#[tokio::test]
async fn with_plans_off_every_request_goes_to_async_graphql() {
    let config = HttpConfig {
        response_cache_bytes: 0,
        plans: false,
        ..HttpConfig::default()
    };
    let off = AppState::new(graph(), api::schema(QueryLimits::default()), config);
    let on = state();
    let query =
        "{ entity(id: \"group:u4ssc\") { id name relations(first: 5) { edges { node { id } } } } }";
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(send(&off, query, &json!({})).await.1);
        bodies.push(send(&on, query, &json!({})).await.1);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(planned(&off).await, 0);
    assert_eq!(planned(&on).await, 2);
}

#[tokio::test]
async fn the_kinds_own_fields_are_planned() {
    let mut pair = Pair::new();
    let query = r#"query ($id: ID!) { entity(id: $id) {
      id
      ... on Organisation { acronym category }
      ... on Person { honorific titles }
      ... on Group { groupKind number status }
      ... on Deliverable { deliverableKind status url }
      ... on Event { eventKind date number }
      relations(first: 10) { edges { node {
        ... on Organisation { a: acronym }
        ... on Group { n: number }
        ... on Event { n: number d: date }
      } } }
    } }"#;
    pair.compare_every_entity(query).await;
}

#[tokio::test]
async fn a_fragment_spread_twice_answers_as_async_graphql_does() {
    let mut pair = Pair::new();
    let query = "query ($id: ID!) { entity(id: $id) { ...R ... on Entity { ...R } } } fragment R on Entity { id relations(first: 2) { edges { node { id ...R2 } } } } fragment R2 on Entity { name }";
    pair.compare_every_entity(query).await;
}

#[tokio::test]
async fn an_object_with_no_field_asked_is_null_as_async_graphql_answers_it() {
    // async-graphql answers null (the spec: `{}`) for an object none of
    // whose fields apply to its type (here, the nodes that are not events),
    // and for a query whose every field is skipped: so do plans.
    let mut pair = Pair::new();
    let query = "query ($id: ID!) { entity(id: $id) { relations(first: 5) { edges { node { ... on Event { id } } } } } }";
    pair.compare_every_entity(query).await;
    let query = "query ($id: ID!) { entity(id: $id) @skip(if: true) { id } }";
    assert_eq!(pair.compare(query, &entity_ids()[..2]).await, 2);
}

#[tokio::test]
async fn search_as_typed_into_a_box_is_planned() {
    let mut pair = Pair::new();
    // The explorer's search box: the same document for every keystroke.
    let query = "query ($q: String!, $first: Int, $kinds: [EntityKind!]) { search(query: $q, first: $first, kinds: $kinds) { __typename score entity { id name kind description ... on Organisation { acronym } } } }";
    let mut variables = Vec::new();
    for (i, e) in graph().entities().iter().enumerate() {
        let name: Vec<char> = e.name.chars().collect();
        for end in 1..=name.len() {
            let typed: String = name[..end].iter().collect();
            // Within what search takes (at most 12 words; more is an error).
            let words = typed.split_whitespace().count();
            if words == 0 || words > 10 || !typed.chars().any(char::is_alphanumeric) {
                continue;
            }
            let mut vars = json!({ "q": typed, "first": 1 + (end + i) % 10 });
            if i % 4 == 0 {
                vars["kinds"] = json!(["PERSON", "ORGANISATION"]);
            }
            variables.push(vars);
        }
    }
    assert!(variables.len() > 1000);
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n);
    // A blank query, one with no letter, one over the limits, and a page
    // out of bounds are errors: async-graphql words them.
    let refused = [
        json!({ "q": " " }),
        json!({ "q": "--" }),
        json!({ "q": "x".repeat(201) }),
        json!({ "q": "a b c d e f g h i j k l m" }),
        json!({ "q": "itu", "first": 101 }),
    ];
    assert_eq!(pair.compare(query, &refused).await, 0);
}

/// Every typed list of every kind (a group's `supporters`, a person's
/// `spokeAt`...) but an event's `sessions`, with pages and cursors, is
/// planned and answers as async-graphql does.
#[tokio::test]
async fn typed_lists_are_planned() {
    let mut pair = Pair::new();
    let page = "(first: $first, after: $after) { __typename totalCount \
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } \
        edges { __typename cursor role relation { id type } node { __typename id name";
    let lists = [
        (
            "Organisation",
            "units people coordinates supports memberOf developed featuredIn",
        ),
        ("Person", "memberOf authored presented moderated spokeAt"),
        (
            "Group",
            "subgroups members coordinators supporters deliverables presenters",
        ),
        (
            "Deliverable",
            "producedBy developedBy authors features presenters",
        ),
        ("Event", "moderators speakers presenters"),
    ];
    let mut query =
        String::from("query ($id: ID!, $first: Int, $after: String) { entity(id: $id) { id ");
    for (kind, fields) in lists {
        query.push_str(&format!("... on {kind} {{ "));
        for field in fields.split(' ') {
            // Nodes of one kind ask that kind's own fields without a
            // fragment; nodes of any kind, through one.
            let own = match field {
                "units" => " acronym",
                "coordinates" | "supports" | "subgroups" => " groupKind",
                "moderated" | "spokeAt" => " date",
                "members" | "features" | "presented" => " ... on Group { number }",
                _ => "",
            };
            query.push_str(&format!("{field}{page}{own} }} }} }} "));
        }
        query.push_str("} ");
    }
    query.push_str("} }");
    let mut variables = entity_ids();
    for (i, v) in variables.iter_mut().enumerate() {
        v.as_object_mut()
            .unwrap()
            .insert("first".into(), json!(i % 4));
    }
    let n = variables.len() as u64;
    assert_eq!(pair.compare(&query, &variables).await, n, "{query}");

    // `first` left out, or null: the page of 50 that async-graphql gives.
    let query = "query ($id: ID!, $first: Int) { entity(id: $id) { ... on Group { \
        supporters(first: $first) { totalCount edges { node { id } } } } } }";
    let mut variables = entity_ids();
    for (i, v) in variables.iter_mut().enumerate() {
        if i % 2 == 0 {
            v.as_object_mut()
                .unwrap()
                .insert("first".into(), Value::Null);
        }
    }
    let n = variables.len() as u64;
    assert_eq!(pair.compare(query, &variables).await, n, "{query}");

    // Pages after each cursor of a hub's list, and after its end. A cursor
    // names a position: those of the hub's relations serve any of its lists.
    let (_, body) = send(
        &pair.cold,
        "{ entity(id: \"group:u4ssc\") { ... on Group { supporters { totalCount } } } }",
        &json!({}),
    )
    .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    let supporters = body["data"]["entity"]["supporters"]["totalCount"]
        .as_u64()
        .unwrap();
    let variables = hub_cursors(&pair.cold).await;
    assert!(variables.len() as u64 > supporters + 1);
    let query = "query ($after: String) { entity(id: \"group:u4ssc\") { ... on Group { \
        supporters(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } \
        edges { cursor node { id acronym } } } } } }";
    // Past the list's end, the cursor is an error that async-graphql words.
    assert_eq!(pair.compare(query, &variables).await, supporters);

    // An event's sessions are sorted by number: async-graphql answers.
    let query = "query ($id: ID!) { entity(id: $id) { ... on Event { sessions { edges { node { id } } } } } }";
    assert_eq!(pair.compare(query, &entity_ids()).await, 0);
}

/// The kinds' lists (`organisations`, `people`...), with filters, orders,
/// pages and cursors, are planned on the bundled graph and answer as
/// async-graphql does; what async-graphql refuses is left to it.
#[tokio::test]
async fn kind_lists_are_planned() {
    let mut pair = Pair::new();
    let lists = [
        (
            "organisations",
            "OrganisationFilter",
            r#"{ "category": ["UN_ENTITY"] }"#,
            " acronym",
        ),
        ("people", "PersonFilter", r#"{ "nameContains": "an" }"#, ""),
        (
            "groups",
            "GroupFilter",
            r#"{ "groupKind": ["WORKING_GROUP"] }"#,
            " groupKind",
        ),
        (
            "deliverables",
            "DeliverableFilter",
            r#"{ "status": ["PUBLISHED"] }"#,
            "",
        ),
        (
            "events",
            "EventFilter",
            r#"{ "eventKind": ["SESSION"] }"#,
            " date",
        ),
    ];
    let orders = [
        Value::Null,
        json!({ "field": "NAME" }),
        json!({ "field": "NAME", "direction": "DESC" }),
        json!({ "field": "RELATION_COUNT", "direction": "DESC" }),
        json!({ "field": "ID", "direction": "DESC" }),
    ];
    // Cursors of 12 positions, from a server of its own.
    let helper = state();
    let cursors: Vec<Value> = hub_cursors(&helper).await.into_iter().take(12).collect();
    for (field, filter_type, own_filter, own) in lists {
        let query = format!(
            "query ($where: {filter_type}, $orderBy: EntityOrder, $first: Int, $after: String) {{
              {field}(where: $where, orderBy: $orderBy, first: $first, after: $after) {{
                __typename totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
                edges {{ __typename cursor role relation {{ id }} node {{ __typename id name{own} }} }} }} }}"
        );
        let filters = [
            json!({}),
            serde_json::from_str(own_filter).unwrap(),
            json!({ "relatedTo": { "id": "group:u4ssc" } }),
            json!({ "relatedTo": { "id": "group:u4ssc", "types": ["SUPPORTS"], "direction": "IN" } }),
            json!({ "some": [{ "types": ["LEADS"] }], "nameContains": "e" }),
            json!({ "none": [{ "types": ["MEMBER_OF"] }] }),
        ];
        let mut variables = Vec::new();
        for filter in &filters {
            for (i, order) in orders.iter().enumerate() {
                variables.push(json!({ "where": filter, "orderBy": order, "first": i % 4 }));
            }
        }
        // Every page after each of a few cursors, and past the end.
        variables.extend(
            cursors
                .iter()
                .map(|v| json!({ "after": v["after"], "first": 3 })),
        );
        // `first` and `where` left out, or null.
        variables.push(json!({}));
        variables.push(json!({ "where": null, "first": null, "orderBy": { "field": "NAME" } }));
        let n = variables.len() as u64;
        let planned = pair.compare(&query, &variables).await;
        // Cursors past the list's end are errors that async-graphql words.
        let total = {
            let (_, body) = send(
                &helper,
                &format!("{{ {field} {{ totalCount }} }}"),
                &json!({}),
            )
            .await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            body["data"][field]["totalCount"].as_u64().unwrap()
        };
        let past_end = 12u64.saturating_sub(total);
        assert_eq!(planned, n - past_end, "{query}");

        // Errors are left to async-graphql.
        let refused = [
            json!({ "where": { "relatedTo": { "id": "Not An Id" } } }),
            json!({ "first": 101 }),
            json!({ "after": "not a cursor" }),
        ];
        assert_eq!(pair.compare(&query, &refused).await, 0, "{query}");
    }
}
