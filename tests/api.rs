//! Behaviour tests of the GraphQL API, executed through `schema.execute` on
//! the small fixture graph in `tests/fixtures/small` (and, for a few facts,
//! on the bundled `graph-data/`).
//!
//! The tests speak only the public contract (`/work/shared/api`) and the
//! committed `schema.graphql`: queries in, JSON out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use async_graphql::{Request, Variables};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use civgraph::api::{self, CivSchema};
use civgraph::graph::Graph;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// The fixture and how to query it
// ---------------------------------------------------------------------------

/// Every entity of the fixture, in the order `entities` must list them:
/// kind (enum order), then id.
const FIXTURE_IDS: [&str; 17] = [
    "organisation:acme",
    "organisation:acme-bureau",
    "organisation:digital-futures-lab",
    "organisation:ecole",
    "person:anna-berg",
    "person:jose-garcia",
    "person:li-wei",
    "person:zoe-muller",
    "group:smart-cities",
    "group:tg-digital-futures",
    "group:tg-urban-wellbeing",
    "group:wg-open-data",
    "deliverable:open-data-guide",
    "deliverable:wellbeing-report",
    "event:plenary",
    "event:plenary-session-1",
    "event:plenary-session-2",
];

const FIXTURE_RELATIONS: usize = 33;

/// `EntityKind` in enum order.
const KINDS: [&str; 5] = ["ORGANISATION", "PERSON", "GROUP", "DELIVERABLE", "EVENT"];

/// `RelationType` in enum order.
const RELATION_TYPES: [&str; 13] = [
    "AFFILIATED_WITH",
    "LEADS",
    "MEMBER_OF",
    "PART_OF",
    "COORDINATES",
    "SUPPORTS",
    "PRODUCED",
    "DEVELOPED",
    "AUTHORED",
    "FEATURES",
    "PRESENTED",
    "MODERATED",
    "SPOKE_AT",
];

fn load(dir: &Path) -> Arc<Graph> {
    let graph = civgraph::loader::load_dir(dir)
        .unwrap_or_else(|err| panic!("{} does not load:\n{err}", dir.display()));
    Arc::new(graph)
}

fn fixture_schema() -> &'static CivSchema {
    static SCHEMA: OnceLock<CivSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small");
        api::schema_for(load(&dir))
    })
}

fn bundled_schema() -> &'static CivSchema {
    static SCHEMA: OnceLock<CivSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
        api::schema_for(load(&dir))
    })
}

/// The whole response (`data`, `errors`) as JSON.
async fn run_on(schema: &CivSchema, query: &str, variables: Value) -> Value {
    let request = Request::new(query).variables(Variables::from_json(variables));
    serde_json::to_value(schema.execute(request).await).expect("a response serializes")
}

async fn run(query: &str, variables: Value) -> Value {
    run_on(fixture_schema(), query, variables).await
}

/// `data` of a query that must succeed.
async fn data_on(schema: &CivSchema, query: &str, variables: Value) -> Value {
    let response = run_on(schema, query, variables.clone()).await;
    assert!(
        response.get("errors").is_none(),
        "unexpected errors for {query} with {variables}: {response:#}"
    );
    response["data"].clone()
}

async fn data(query: &str, variables: Value) -> Value {
    data_on(fixture_schema(), query, variables).await
}

/// The response of a query that must fail with `BAD_USER_INPUT`.
async fn bad_input(query: &str, variables: Value) -> Value {
    let response = run(query, variables.clone()).await;
    let errors = response["errors"].as_array().unwrap_or_else(|| {
        panic!("expected BAD_USER_INPUT for {query} with {variables}, got {response:#}")
    });
    assert!(
        errors
            .iter()
            .any(|e| e["extensions"]["code"] == "BAD_USER_INPUT"),
        "expected extensions.code BAD_USER_INPUT for {query} with {variables}, got {response:#}"
    );
    response
}

/// The `node.id` of each edge of a connection.
fn node_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("node.id").to_string())
        .collect()
}

/// `field` of each item of a list.
fn pluck(list: &Value, pointer: &str) -> Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v.pointer(pointer).cloned().unwrap_or(Value::Null))
        .collect()
}

fn kind_rank(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_else(|| panic!("unknown kind {kind}"))
}

fn type_rank(rel_type: &str) -> usize {
    RELATION_TYPES
        .iter()
        .position(|t| *t == rel_type)
        .unwrap_or_else(|| panic!("unknown relation type {rel_type}"))
}

fn cursor_for(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

const RELATIONS_PAGE: &str = r#"
query ($id: ID!, $first: Int, $after: String, $direction: Direction, $types: [RelationType!]) {
  entity(id: $id) {
    relations(first: $first, after: $after, direction: $direction, types: $types) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        direction
        node { id name }
        relation { id type role from { id } to { id } }
      }
    }
  }
}"#;

/// One page of `id`'s relations.
async fn relations_page(id: &str, first: i32, after: Option<&str>, direction: &str) -> Value {
    let vars = json!({ "id": id, "first": first, "after": after, "direction": direction });
    data(RELATIONS_PAGE, vars).await["entity"]["relations"].clone()
}

/// Every relation edge of `id` in `direction`, in one page.
async fn all_relations(id: &str, direction: &str) -> Value {
    relations_page(id, 100, None, direction).await
}

/// The relation ids of a page of relation edges.
fn relation_ids(connection: &Value) -> Vec<String> {
    pluck(&connection["edges"], "/relation/id")
        .into_iter()
        .map(|v| v.as_str().expect("relation.id").to_string())
        .collect()
}

/// Walks a connection page by page, `page(after)` giving each page (the
/// first for `None`) until `hasNextPage` is false. Every page's `totalCount`
/// must be `total`, and no more than `total` items may come (a list that
/// repeats itself would not end). The items' ids, read by `ids`, in order.
async fn walk_pages<F: std::future::Future<Output = Value>>(
    mut page: impl FnMut(Option<String>) -> F,
    ids: fn(&Value) -> Vec<String>,
    total: usize,
    what: &str,
) -> Vec<String> {
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let p = page(after).await;
        assert_eq!(p["totalCount"].as_u64(), Some(total as u64), "{what}");
        seen.extend(ids(&p));
        if p["pageInfo"]["hasNextPage"] != json!(true) {
            return seen;
        }
        after = Some(p["pageInfo"]["endCursor"].as_str().unwrap().to_string());
        assert!(seen.len() <= total, "{what}: pagination repeats");
    }
}

/// Walks `id`'s relations page by page, the page sizes taken in turn from
/// `sizes`, checking each page's `pageInfo`; the relation ids in order.
async fn walk_relations(id: &str, direction: &str, sizes: &[i32]) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for step in 0.. {
        assert!(step < 1000, "pagination of {id} does not end");
        let size = sizes[step % sizes.len()];
        let page = relations_page(id, size, after.as_deref(), direction).await;
        let edges = page["edges"].as_array().expect("edges");
        let info = &page["pageInfo"];
        assert!(edges.len() <= size as usize, "page larger than first");
        assert_eq!(info["hasPreviousPage"], json!(after.is_some()));
        if let (Some(first), Some(last)) = (edges.first(), edges.last()) {
            assert_eq!(info["startCursor"], first["cursor"]);
            assert_eq!(info["endCursor"], last["cursor"]);
        }
        seen.extend(relation_ids(&page));
        if info["hasNextPage"] != json!(true) {
            assert_eq!(seen.len() as u64, page["totalCount"].as_u64().unwrap());
            break;
        }
        assert!(size > 0, "an empty page cannot move on");
        after = Some(info["endCursor"].as_str().expect("endCursor").to_string());
    }
    seen
}

// ---------------------------------------------------------------------------
// Lookups by id
// ---------------------------------------------------------------------------

#[tokio::test]
async fn node_and_entity_find_an_entity_by_id() {
    let d = data(
        r#"{
          node(id: "person:zoe-muller") { __typename id }
          entity(id: "person:zoe-muller") { __typename id kind name aliases description }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d["node"],
        json!({ "__typename": "Person", "id": "person:zoe-muller" })
    );
    let e = &d["entity"];
    assert_eq!(e["__typename"], "Person");
    assert_eq!(e["kind"], "PERSON");
    assert_eq!(e["name"], "Zoë Müller");
    assert_eq!(e["aliases"], json!([]));
    assert_eq!(e["description"], "Chair of the Smart Cities Initiative.");
}

#[tokio::test]
async fn every_fixture_entity_is_found_by_id_with_its_kind() {
    for id in FIXTURE_IDS {
        let d = data(
            "query ($id: ID!) { node(id: $id) { id } entity(id: $id) { id kind } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(d["node"]["id"], id);
        assert_eq!(d["entity"]["id"], id);
        let prefix = id.split(':').next().unwrap().to_ascii_uppercase();
        assert_eq!(d["entity"]["kind"], json!(prefix), "kind of {id}");
    }
}

#[tokio::test]
async fn unknown_ids_are_null_without_error() {
    let d = data(
        r#"{
          node(id: "person:nobody") { id }
          entity(id: "group:no-such-group") { id }
          relation(id: "relation:leads/person:nobody/group:smart-cities") { id }
          relNode: node(id: "relation:leads/person:nobody/group:smart-cities") { id }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d,
        json!({ "node": null, "entity": null, "relation": null, "relNode": null })
    );
}

#[tokio::test]
async fn malformed_ids_are_bad_user_input() {
    for id in [
        "",
        "zoe-muller",
        "Person:zoe-muller",
        "person:Zoe-Muller",
        "person:zoë",
        "person:",
        "human:zoe-muller",
        "person:zoe muller",
    ] {
        let vars = json!({ "id": id });
        bad_input("query ($id: ID!) { node(id: $id) { id } }", vars.clone()).await;
        bad_input("query ($id: ID!) { entity(id: $id) { id } }", vars.clone()).await;
        bad_input(
            r#"query ($id: ID!) { shortestPath(from: $id, to: "organisation:acme") { length } }"#,
            vars,
        )
        .await;
    }
}

/// GraphQL spec, "Handling Field Errors": a field error on a nullable field
/// leaves `null` in its place; on a non-null field the null propagates to
/// the parent (here: `data` itself).
#[tokio::test]
async fn a_field_error_leaves_null_in_its_place() {
    let r = run(
        r#"{ entity(id: "Not An Id") { id } stats { entityCount } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        r["data"],
        json!({ "entity": null, "stats": { "entityCount": 17 } }),
        "{r:#}"
    );
    let r = run(r#"{ node(id: "") { id } }"#, json!({})).await;
    assert_eq!(r["data"], json!({ "node": null }), "{r:#}");
    // `search` is non-null: its error nulls the whole of `data`.
    let r = run(
        r#"{ search(query: "") { score } stats { entityCount } }"#,
        json!({}),
    )
    .await;
    assert_eq!(r["data"], Value::Null, "{r:#}");
}

/// The contract: "A malformed id (wrong shape) is a GraphQL error with
/// extensions.code = BAD_USER_INPUT". A relation id's shape is
/// `relation:<type>/<from>/<to>`.
#[tokio::test]
async fn malformed_relation_ids_are_bad_user_input() {
    for id in [
        "relation:garbage",
        "relation:",
        "relation:leads/person:Zoe/group:x",
    ] {
        bad_input(
            "query ($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    }
}

#[tokio::test]
async fn type_conditions_select_fields_through_node_and_entity() {
    let d = data(
        r#"{
          viaNode: node(id: "person:zoe-muller") {
            id
            ... on Person { name honorific }
            ... on Group { groupKind }
          }
          viaEntity: entity(id: "person:zoe-muller") {
            ... on Person { honorific titles }
            ... on Organisation { category }
          }
          group: entity(id: "group:wg-open-data") {
            ... on Person { honorific }
            ... on Group { groupKind number status }
          }
          relation: node(id: "relation:leads/person:zoe-muller/group:smart-cities") {
            __typename
            ... on Relation { type role from { id } to { id } }
          }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d["viaNode"],
        json!({ "id": "person:zoe-muller", "name": "Zoë Müller", "honorific": "Dr" })
    );
    assert_eq!(
        d["viaEntity"],
        json!({ "honorific": "Dr", "titles": ["Director", "Visiting Professor"] })
    );
    assert_eq!(
        d["group"],
        json!({ "groupKind": "WORKING_GROUP", "number": 1, "status": "NEW" })
    );
    assert_eq!(
        d["relation"],
        json!({
            "__typename": "Relation",
            "type": "LEADS",
            "role": "Chair",
            "from": { "id": "person:zoe-muller" },
            "to": { "id": "group:smart-cities" },
        })
    );
}

// ---------------------------------------------------------------------------
// Typed fields
// ---------------------------------------------------------------------------

#[tokio::test]
async fn person_affiliations_titles_and_leads() {
    let d = data(
        r#"{
          zoe: entity(id: "person:zoe-muller") {
            ... on Person {
              titles
              affiliations { person { id } organisation { id name } role relation { id type } }
              leads { leader { id } led { id } role ledParentChain { id } }
            }
          }
          anna: entity(id: "person:anna-berg") {
            ... on Person {
              titles
              leads {
                led { id } role ledParentChain { id }
                leaderAffiliations { organisation { id } role }
              }
            }
          }
        }"#,
        json!({}),
    )
    .await;
    let zoe = &d["zoe"];
    assert_eq!(zoe["titles"], json!(["Director", "Visiting Professor"]));
    assert_eq!(
        zoe["affiliations"],
        json!([
            {
                "person": { "id": "person:zoe-muller" },
                "organisation": { "id": "organisation:acme-bureau", "name": "Bureau of Urban Data" },
                "role": "Director",
                "relation": {
                    "id": "relation:affiliated-with/person:zoe-muller/organisation:acme-bureau",
                    "type": "AFFILIATED_WITH",
                },
            },
            {
                "person": { "id": "person:zoe-muller" },
                "organisation": { "id": "organisation:ecole", "name": "École Polytechnique Fédérale" },
                "role": "Visiting Professor",
                "relation": {
                    "id": "relation:affiliated-with/person:zoe-muller/organisation:ecole",
                    "type": "AFFILIATED_WITH",
                },
            },
        ])
    );
    assert_eq!(
        zoe["leads"],
        json!([{
            "leader": { "id": "person:zoe-muller" },
            "led": { "id": "group:smart-cities" },
            "role": "Chair",
            "ledParentChain": [],
        }])
    );
    let anna = &d["anna"];
    assert_eq!(anna["titles"], json!(["Professor"]));
    assert_eq!(
        anna["leads"],
        json!([
            {
                "led": { "id": "group:tg-digital-futures" },
                "role": "Leader",
                "ledParentChain": [{ "id": "group:smart-cities" }],
                "leaderAffiliations": [{ "organisation": { "id": "organisation:ecole" }, "role": "Professor" }],
            },
            {
                "led": { "id": "group:wg-open-data" },
                "role": "Leader",
                "ledParentChain": [{ "id": "group:tg-digital-futures" }, { "id": "group:smart-cities" }],
                "leaderAffiliations": [{ "organisation": { "id": "organisation:ecole" }, "role": "Professor" }],
            },
        ])
    );
}

#[tokio::test]
async fn organisation_people_units_parent_and_leads() {
    let d = data(
        r#"{
          acme: entity(id: "organisation:acme") {
            ... on Organisation {
              acronym category aliases
              parent { id }
              people { totalCount edges { node { id name } role relation { type } } }
              units { totalCount edges { node { id } } }
              leads { led { id } role }
              developed { edges { node { id } } }
              coordinates { edges { node { id } } }
            }
          }
          bureau: entity(id: "organisation:acme-bureau") {
            ... on Organisation { category acronym parent { id name } units { totalCount } }
          }
          ecole: entity(id: "organisation:ecole") {
            ... on Organisation {
              acronym category aliases
              supports { edges { node { id } } }
              featuredIn { edges { node { id } } }
            }
          }
        }"#,
        json!({}),
    )
    .await;
    let acme = &d["acme"];
    assert_eq!(acme["acronym"], "ASU");
    assert_eq!(acme["category"], "UN_ENTITY");
    assert_eq!(
        acme["aliases"],
        json!(["ASU", "Acme Standards Union (ASU)"])
    );
    assert_eq!(acme["parent"], Value::Null);
    assert_eq!(acme["people"]["totalCount"], 2);
    assert_eq!(
        acme["people"]["edges"],
        json!([
            { "node": { "id": "person:jose-garcia", "name": "José García" }, "role": "Counsellor", "relation": { "type": "AFFILIATED_WITH" } },
            { "node": { "id": "person:li-wei", "name": "Li Wei" }, "role": "Programme Officer", "relation": { "type": "AFFILIATED_WITH" } },
        ])
    );
    assert_eq!(acme["units"]["totalCount"], 1);
    assert_eq!(node_ids(&acme["units"]), ["organisation:acme-bureau"]);
    assert_eq!(
        acme["leads"],
        json!([{ "led": { "id": "group:tg-urban-wellbeing" }, "role": "Co-leader" }])
    );
    assert_eq!(
        node_ids(&acme["developed"]),
        ["deliverable:open-data-guide"]
    );
    assert_eq!(node_ids(&acme["coordinates"]), ["group:smart-cities"]);

    let bureau = &d["bureau"];
    assert_eq!(bureau["category"], "UNIT");
    assert_eq!(bureau["acronym"], Value::Null);
    assert_eq!(
        bureau["parent"],
        json!({ "id": "organisation:acme", "name": "Acme Standards Union" })
    );
    assert_eq!(bureau["units"]["totalCount"], 0);

    let ecole = &d["ecole"];
    assert_eq!(ecole["acronym"], "EPF");
    assert_eq!(ecole["category"], "UNIVERSITY");
    assert_eq!(ecole["aliases"], json!([]));
    assert_eq!(node_ids(&ecole["supports"]), ["group:smart-cities"]);
    assert_eq!(
        node_ids(&ecole["featuredIn"]),
        ["deliverable:open-data-guide"]
    );
}

#[tokio::test]
async fn group_leaders_parent_subgroups_ancestors_and_deliverables() {
    let d = data(
        r#"{
          sci: entity(id: "group:smart-cities") {
            ... on Group {
              groupKind status number aliases
              parent { id }
              ancestors { id }
              leaders { __typename leader { __typename id } role led { id } relation { id } }
              subgroups { totalCount edges { node { id name } } }
              coordinators { edges { node { id } } }
              supporters { edges { node { id } } }
              members { edges { node { id } role } }
              deliverables { totalCount }
            }
          }
          wg: entity(id: "group:wg-open-data") {
            ... on Group {
              parent { id }
              ancestors { id }
              subgroups { totalCount }
              deliverables { totalCount edges { node { id name } } }
              leaders { leader { id } role }
            }
          }
          wellbeing: entity(id: "group:tg-urban-wellbeing") {
            ... on Group {
              status
              leaders { leader { __typename id name } role }
              deliverables { edges { node { id } } }
            }
          }
          digital: entity(id: "group:tg-digital-futures") {
            ... on Group { presenters { edges { node { id } role } } }
          }
        }"#,
        json!({}),
    )
    .await;
    let sci = &d["sci"];
    assert_eq!(sci["groupKind"], "INITIATIVE");
    assert_eq!(sci["status"], "ACTIVE");
    assert_eq!(sci["number"], Value::Null);
    assert_eq!(sci["aliases"], json!(["SCI"]));
    assert_eq!(sci["parent"], Value::Null);
    assert_eq!(sci["ancestors"], json!([]));
    // Leaders in edge order: by the leader's name.
    assert_eq!(
        sci["leaders"],
        json!([
            {
                "__typename": "Leadership",
                "leader": { "__typename": "Person", "id": "person:jose-garcia" },
                "role": "Vice-Chair",
                "led": { "id": "group:smart-cities" },
                "relation": { "id": "relation:leads/person:jose-garcia/group:smart-cities" },
            },
            {
                "__typename": "Leadership",
                "leader": { "__typename": "Person", "id": "person:zoe-muller" },
                "role": "Chair",
                "led": { "id": "group:smart-cities" },
                "relation": { "id": "relation:leads/person:zoe-muller/group:smart-cities" },
            },
        ])
    );
    assert_eq!(sci["subgroups"]["totalCount"], 2);
    assert_eq!(
        node_ids(&sci["subgroups"]),
        ["group:tg-digital-futures", "group:tg-urban-wellbeing"]
    );
    assert_eq!(node_ids(&sci["coordinators"]), ["organisation:acme"]);
    assert_eq!(node_ids(&sci["supporters"]), ["organisation:ecole"]);
    assert_eq!(
        sci["members"]["edges"],
        json!([{ "node": { "id": "person:li-wei" }, "role": "Secretariat" }])
    );
    assert_eq!(sci["deliverables"]["totalCount"], 0);

    let wg = &d["wg"];
    assert_eq!(wg["parent"], json!({ "id": "group:tg-digital-futures" }));
    assert_eq!(
        wg["ancestors"],
        json!([{ "id": "group:tg-digital-futures" }, { "id": "group:smart-cities" }])
    );
    assert_eq!(wg["subgroups"]["totalCount"], 0);
    assert_eq!(wg["deliverables"]["totalCount"], 1);
    assert_eq!(
        wg["deliverables"]["edges"],
        json!([{ "node": { "id": "deliverable:open-data-guide", "name": "Open Data Guide" } }])
    );
    assert_eq!(
        wg["leaders"],
        json!([{ "leader": { "id": "person:anna-berg" }, "role": "Leader" }])
    );

    let wellbeing = &d["wellbeing"];
    assert_eq!(wellbeing["status"], "CONCLUDED");
    // An organisation can lead too.
    assert_eq!(
        wellbeing["leaders"],
        json!([
            { "leader": { "__typename": "Organisation", "id": "organisation:acme", "name": "Acme Standards Union" }, "role": "Co-leader" },
            { "leader": { "__typename": "Person", "id": "person:li-wei", "name": "Li Wei" }, "role": "Co-leader" },
        ])
    );
    assert_eq!(
        node_ids(&wellbeing["deliverables"]),
        ["deliverable:wellbeing-report"]
    );
    assert_eq!(
        d["digital"]["presenters"]["edges"],
        json!([{ "node": { "id": "person:anna-berg" }, "role": "Updates on the thematic group" }])
    );
}

#[tokio::test]
async fn deliverable_produced_by_authors_and_more() {
    let d = data(
        r#"{
          guide: entity(id: "deliverable:open-data-guide") {
            ... on Deliverable {
              deliverableKind status url
              producedBy { totalCount edges { node { id groupKind } relation { type } } }
              developedBy { edges { node { id } } }
              authors { totalCount edges { node { id name } } }
              features { edges { node { __typename id } } }
              presenters { edges { node { id } role } }
            }
          }
          report: entity(id: "deliverable:wellbeing-report") {
            ... on Deliverable {
              deliverableKind status url
              producedBy { edges { node { id } } }
              authors { edges { node { id } } }
              developedBy { totalCount }
            }
          }
        }"#,
        json!({}),
    )
    .await;
    let guide = &d["guide"];
    assert_eq!(guide["deliverableKind"], "GUIDE");
    assert_eq!(guide["status"], "PUBLISHED");
    assert_eq!(guide["url"], "https://example.org/open-data-guide");
    assert_eq!(guide["producedBy"]["totalCount"], 1);
    assert_eq!(
        guide["producedBy"]["edges"],
        json!([{ "node": { "id": "group:wg-open-data", "groupKind": "WORKING_GROUP" }, "relation": { "type": "PRODUCED" } }])
    );
    assert_eq!(node_ids(&guide["developedBy"]), ["organisation:acme"]);
    assert_eq!(guide["authors"]["totalCount"], 2);
    assert_eq!(
        node_ids(&guide["authors"]),
        ["person:jose-garcia", "person:zoe-muller"]
    );
    assert_eq!(
        guide["features"]["edges"],
        json!([{ "node": { "__typename": "Organisation", "id": "organisation:ecole" } }])
    );
    assert_eq!(
        guide["presenters"]["edges"],
        json!([{ "node": { "id": "person:anna-berg" }, "role": "Launch of the guide" }])
    );

    let report = &d["report"];
    assert_eq!(report["deliverableKind"], "REPORT");
    assert_eq!(report["status"], "IN_DEVELOPMENT");
    assert_eq!(report["url"], Value::Null);
    assert_eq!(
        node_ids(&report["producedBy"]),
        ["group:tg-urban-wellbeing"]
    );
    assert_eq!(node_ids(&report["authors"]), ["person:li-wei"]);
    assert_eq!(report["developedBy"]["totalCount"], 0);
}

#[tokio::test]
async fn event_sessions_moderators_and_speakers() {
    let d = data(
        r#"{
          plenary: entity(id: "event:plenary") {
            ... on Event {
              eventKind date number parent { id }
              sessions { totalCount edges { node { id name number } } }
              speakers { totalCount }
            }
          }
          s1: entity(id: "event:plenary-session-1") {
            ... on Event {
              eventKind number parent { id }
              moderators { edges { node { id name } } }
              speakers { totalCount edges { node { id } } }
              sessions { totalCount }
            }
          }
          s2: entity(id: "event:plenary-session-2") {
            ... on Event { moderators { totalCount } speakers { edges { node { id } } } }
          }
        }"#,
        json!({}),
    )
    .await;
    let plenary = &d["plenary"];
    assert_eq!(plenary["eventKind"], "MEETING");
    assert_eq!(plenary["date"], "2025-01-15");
    assert_eq!(plenary["number"], Value::Null);
    assert_eq!(plenary["parent"], Value::Null);
    assert_eq!(plenary["speakers"]["totalCount"], 0);
    // By number, not by name ("Breakout on Data" is session 2).
    assert_eq!(plenary["sessions"]["totalCount"], 2);
    assert_eq!(
        plenary["sessions"]["edges"],
        json!([
            { "node": { "id": "event:plenary-session-1", "name": "Opening Session", "number": 1 } },
            { "node": { "id": "event:plenary-session-2", "name": "Breakout on Data", "number": 2 } },
        ])
    );
    let s1 = &d["s1"];
    assert_eq!(s1["eventKind"], "SESSION");
    assert_eq!(s1["number"], 1);
    assert_eq!(s1["parent"], json!({ "id": "event:plenary" }));
    assert_eq!(
        s1["moderators"]["edges"],
        json!([{ "node": { "id": "person:jose-garcia", "name": "José García" } }])
    );
    assert_eq!(s1["speakers"]["totalCount"], 2);
    assert_eq!(
        node_ids(&s1["speakers"]),
        ["person:anna-berg", "person:zoe-muller"]
    );
    assert_eq!(s1["sessions"]["totalCount"], 0);
    assert_eq!(d["s2"]["moderators"]["totalCount"], 0);
    assert_eq!(node_ids(&d["s2"]["speakers"]), ["person:li-wei"]);
}

// ---------------------------------------------------------------------------
// Entity.relations
// ---------------------------------------------------------------------------

#[tokio::test]
async fn relations_follow_the_asked_direction() {
    for id in FIXTURE_IDS {
        let out = all_relations(id, "OUT").await;
        let inc = all_relations(id, "IN").await;
        let both = all_relations(id, "BOTH").await;
        for (conn, dir) in [(&out, "OUT"), (&inc, "IN")] {
            for edge in conn["edges"].as_array().unwrap() {
                let rel = &edge["relation"];
                assert_eq!(edge["direction"], dir, "{id}: {edge}");
                let (this, other) = if dir == "OUT" {
                    (&rel["from"]["id"], &rel["to"]["id"])
                } else {
                    (&rel["to"]["id"], &rel["from"]["id"])
                };
                assert_eq!(this, id, "{id} {dir}: {edge}");
                assert_eq!(&edge["node"]["id"], other, "node is the other end: {edge}");
            }
        }
        let out_ids: BTreeSet<String> = relation_ids(&out).into_iter().collect();
        let in_ids: BTreeSet<String> = relation_ids(&inc).into_iter().collect();
        let both_ids: BTreeSet<String> = relation_ids(&both).into_iter().collect();
        assert!(out_ids.is_disjoint(&in_ids), "{id}");
        assert_eq!(
            both_ids,
            out_ids.union(&in_ids).cloned().collect(),
            "{id}: BOTH = OUT + IN"
        );
        let total = |c: &Value| c["totalCount"].as_u64().unwrap();
        assert_eq!(total(&both), total(&out) + total(&inc), "{id}");
        assert_eq!(total(&both) as usize, both_ids.len(), "{id}");
    }
}

#[tokio::test]
async fn relations_default_to_both_directions() {
    let d = data(
        r#"{ entity(id: "organisation:acme") {
               relations { totalCount }
               relationCount
               out: relationCount(direction: OUT)
             } }"#,
        json!({}),
    )
    .await;
    // OUT: LEADS, COORDINATES, DEVELOPED; IN: 2 AFFILIATED_WITH, PART_OF.
    assert_eq!(
        d["entity"],
        json!({ "relations": { "totalCount": 6 }, "relationCount": 6, "out": 3 })
    );
}

#[tokio::test]
async fn relations_are_ordered_by_type_then_the_other_ends_name() {
    let sci = all_relations("group:smart-cities", "BOTH").await;
    let got: Vec<(String, String)> = sci["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["relation"]["type"].as_str().unwrap().to_string(),
                e["node"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("LEADS", "José García"),
        ("LEADS", "Zoë Müller"),
        ("MEMBER_OF", "Li Wei"),
        ("PART_OF", "Digital Futures"),
        ("PART_OF", "Urban Wellbeing"),
        ("COORDINATES", "Acme Standards Union"),
        ("SUPPORTS", "École Polytechnique Fédérale"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect();
    assert_eq!(got, want);

    // The same rule holds for every entity and direction.
    for id in FIXTURE_IDS {
        for dir in ["OUT", "IN", "BOTH"] {
            let conn = all_relations(id, dir).await;
            let keys: Vec<(usize, String)> = conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        type_rank(e["relation"]["type"].as_str().unwrap()),
                        e["node"]["name"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{id} {dir}: not ordered by type, then name");
        }
    }
}

#[tokio::test]
async fn relations_types_filter_keeps_only_those_types() {
    let q = r#"query ($types: [RelationType!]) {
        entity(id: "group:smart-cities") {
          relations(types: $types) { totalCount edges { relation { type } node { id } } }
          relationCount(types: $types)
        } }"#;
    let d = data(q, json!({ "types": ["PART_OF", "LEADS"] })).await;
    let rel = &d["entity"]["relations"];
    assert_eq!(rel["totalCount"], 4);
    assert_eq!(d["entity"]["relationCount"], 4);
    // Enum order, whatever the order of the filter.
    assert_eq!(
        pluck(&rel["edges"], "/relation/type"),
        [
            json!("LEADS"),
            json!("LEADS"),
            json!("PART_OF"),
            json!("PART_OF")
        ]
    );

    let d = data(q, json!({ "types": ["SPOKE_AT"] })).await;
    assert_eq!(d["entity"]["relations"]["totalCount"], 0);
    assert_eq!(d["entity"]["relations"]["edges"], json!([]));

    let d = data(q, json!({ "types": [] })).await;
    assert_eq!(
        d["entity"]["relations"]["totalCount"], 0,
        "an empty filter keeps nothing"
    );

    // Each type on its own adds up to the whole.
    for id in FIXTURE_IDS {
        let whole = all_relations(id, "BOTH").await["totalCount"]
            .as_u64()
            .unwrap();
        let mut sum = 0;
        for t in RELATION_TYPES {
            let vars = json!({ "id": id, "first": 100, "direction": "BOTH", "types": [t] });
            let conn = data(RELATIONS_PAGE, vars).await["entity"]["relations"].clone();
            for edge in conn["edges"].as_array().unwrap() {
                assert_eq!(edge["relation"]["type"], t);
            }
            sum += conn["totalCount"].as_u64().unwrap();
        }
        assert_eq!(sum, whole, "{id}");
    }
}

#[tokio::test]
async fn total_count_counts_every_match_not_the_page() {
    let page = relations_page("group:smart-cities", 2, None, "BOTH").await;
    assert_eq!(page["totalCount"], 7);
    assert_eq!(page["edges"].as_array().unwrap().len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);

    let d = data(
        "{ entities(first: 3) { totalCount edges { node { id } } pageInfo { hasNextPage } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["entities"]["totalCount"], FIXTURE_IDS.len());
    assert_eq!(node_ids(&d["entities"]).len(), 3);
    assert_eq!(d["entities"]["pageInfo"]["hasNextPage"], true);
}

// ---------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------

#[tokio::test]
async fn walking_relation_pages_yields_every_edge_once_in_order() {
    for id in [
        "group:smart-cities",
        "person:zoe-muller",
        "organisation:acme",
    ] {
        let whole = relation_ids(&all_relations(id, "BOTH").await);
        assert!(!whole.is_empty());
        for size in 1..=8 {
            let walked = walk_relations(id, "BOTH", &[size]).await;
            assert_eq!(walked, whole, "{id}, pages of {size}");
        }
        let walked = walk_relations(id, "BOTH", &[2, 1, 3]).await;
        assert_eq!(walked, whole, "{id}, pages of 2, 1, 3");
    }
}

#[tokio::test]
async fn walking_entity_pages_yields_every_entity_once_in_order() {
    let q = "query ($first: Int, $after: String, $kinds: [EntityKind!]) {
        entities(first: $first, after: $after, kinds: $kinds) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }";
    for kinds in [Value::Null, json!(["PERSON", "EVENT"])] {
        let whole = node_ids(&data(q, json!({ "first": 100, "kinds": kinds })).await["entities"]);
        for size in 1..=6 {
            let kinds = &kinds;
            let page = move |after| async move {
                let vars = json!({ "first": size, "after": after, "kinds": kinds });
                data(q, vars).await["entities"].clone()
            };
            let what = format!("entities {kinds}, pages of {size}");
            let seen = walk_pages(page, node_ids, whole.len(), &what).await;
            assert_eq!(seen, whole, "{what}");
        }
    }
}

/// An entity's typed lists (a group's supporters, an organisation's people)
/// walked page by page give the list asked for whole, each item once, in
/// the order of its relations; `totalCount` is the same on every page.
#[tokio::test]
async fn walking_an_entitys_typed_list_yields_every_item_once_in_order() {
    let schema = bundled_schema();
    const LISTS: [(&str, &str, &str, &str, &str); 5] = [
        ("group:u4ssc", "Group", "subgroups", "PART_OF", "IN"),
        ("group:u4ssc", "Group", "supporters", "SUPPORTS", "IN"),
        ("group:u4ssc", "Group", "coordinators", "COORDINATES", "IN"),
        (
            "organisation:itu",
            "Organisation",
            "people",
            "AFFILIATED_WITH",
            "IN",
        ),
        (
            "event:u4ssc-9th-meeting-session-2",
            "Event",
            "speakers",
            "SPOKE_AT",
            "IN",
        ),
    ];
    for (id, kind, field, rel, direction) in LISTS {
        let list = format!(
            "{field}(first: $first, after: $after) {{ totalCount \
             pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} relation {{ id }} }} }}"
        );
        let q = format!(
            "query ($id: ID!, $first: Int, $after: String) {{ \
             entity(id: $id) {{ ... on {kind} {{ {list} }} }} }}"
        );
        let page = |first: i32, after: Option<String>| {
            let q = q.clone();
            async move {
                let vars = json!({ "id": id, "first": first, "after": after });
                data_on(schema, &q, vars).await["entity"][field].clone()
            }
        };
        let whole = page(100, None).await;
        let ids = relation_ids(&whole);
        assert!(ids.len() >= 2, "{id} {field}: too few to page");
        assert_eq!(whole["totalCount"], json!(ids.len()));
        // The same relations, in the same order, as `relations` lists them.
        let vars = json!({ "id": id, "first": 100, "direction": direction, "types": [rel] });
        let relations = data_on(schema, RELATIONS_PAGE, vars).await["entity"]["relations"].clone();
        assert_eq!(ids, relation_ids(&relations), "{id} {field}");
        for size in 1..=3 {
            let what = format!("{id} {field}, pages of {size}");
            let seen = walk_pages(|after| page(size, after), relation_ids, ids.len(), &what).await;
            assert_eq!(seen, ids, "{what}");
        }
    }
}

#[tokio::test]
async fn typed_lists_paginate_too() {
    let q = "query ($after: String) {
        people(first: 1, after: $after, orderBy: { field: NAME, direction: DESC }) {
          pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = data(q, json!({ "after": after })).await["people"].clone();
        seen.extend(node_ids(&page));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_string());
        assert!(seen.len() <= 4, "pagination repeats");
    }
    assert_eq!(
        seen,
        [
            "person:zoe-muller",
            "person:li-wei",
            "person:jose-garcia",
            "person:anna-berg"
        ]
    );
}

#[tokio::test]
async fn a_page_of_zero_is_empty_but_counts() {
    let page = relations_page("group:smart-cities", 0, None, "BOTH").await;
    assert_eq!(page["edges"], json!([]));
    assert_eq!(page["totalCount"], 7);
    assert_eq!(page["pageInfo"]["startCursor"], Value::Null);
    assert_eq!(page["pageInfo"]["endCursor"], Value::Null);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);

    let d = data(
        r#"{
          entities(first: 0) { totalCount edges { cursor } }
          people(first: 0) { totalCount edges { cursor } }
          search(query: "acme", first: 0) { score }
          entity(id: "group:smart-cities") { ... on Group { subgroups(first: 0) { totalCount edges { cursor } } } }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d,
        json!({
            "entities": { "totalCount": FIXTURE_IDS.len(), "edges": [] },
            "people": { "totalCount": 4, "edges": [] },
            "search": [],
            "entity": { "subgroups": { "totalCount": 2, "edges": [] } },
        })
    );
}

#[tokio::test]
async fn first_outside_0_to_100_is_bad_user_input() {
    for first in [101, -1, 1000, i32::MIN] {
        let vars = json!({ "first": first });
        for q in [
            "query ($first: Int) { entities(first: $first) { totalCount } }",
            "query ($first: Int) { people(first: $first) { totalCount } }",
            "query ($first: Int) { organisations(first: $first) { totalCount } }",
            "query ($first: Int) { groups(first: $first) { totalCount } }",
            "query ($first: Int) { deliverables(first: $first) { totalCount } }",
            "query ($first: Int) { events(first: $first) { totalCount } }",
            r#"query ($first: Int) { search(query: "acme", first: $first) { score } }"#,
            r#"query ($first: Int) { entity(id: "group:smart-cities") { relations(first: $first) { totalCount } } }"#,
            r#"query ($first: Int) { entity(id: "group:smart-cities") { ... on Group { subgroups(first: $first) { totalCount } } } }"#,
            r#"query ($first: Int) { entity(id: "organisation:acme") { ... on Organisation { people(first: $first) { totalCount } } } }"#,
        ] {
            bad_input(q, vars.clone()).await;
        }
    }
    // The bounds themselves are fine.
    for first in [0, 100] {
        data(
            "query ($first: Int) { entities(first: $first) { totalCount } }",
            json!({ "first": first }),
        )
        .await;
    }
}

#[tokio::test]
async fn forged_cursors_are_bad_user_input() {
    for after in [
        "nonsense".to_string(),
        String::new(),
        "civgraph:3".to_string(),
        "!!!".to_string(),
        cursor_for("hello"),
        cursor_for("civgraph:"),
        cursor_for("civgraph:-1"),
        cursor_for("civgraph:x"),
    ] {
        let vars = json!({ "after": after });
        bad_input(
            "query ($after: String) { entities(after: $after) { totalCount } }",
            vars.clone(),
        )
        .await;
        bad_input(
            r#"query ($after: String) { entity(id: "group:smart-cities") { relations(after: $after) { totalCount } } }"#,
            vars.clone(),
        )
        .await;
        bad_input(
            "query ($after: String) { people(after: $after) { totalCount } }",
            vars,
        )
        .await;
    }
}

/// A well-formed cursor for a position the list never had: the server did
/// not issue it, so the contract wants BAD_USER_INPUT.
#[tokio::test]
async fn cursors_past_the_end_are_bad_user_input() {
    bad_input(
        r#"query ($after: String) { entity(id: "group:smart-cities") { relations(after: $after) { totalCount } } }"#,
        json!({ "after": cursor_for("civgraph:1000") }),
    )
    .await;
}

/// `Page::cut` computes `at + 1` on the decoded offset: with usize::MAX it
/// overflows (a panic in debug builds, a wrap to the first page in release).
#[tokio::test]
async fn a_cursor_with_a_huge_offset_is_bad_user_input() {
    bad_input(
        "query ($after: String) { entities(after: $after) { totalCount edges { node { id } } } }",
        json!({ "after": cursor_for(&format!("civgraph:{}", usize::MAX)) }),
    )
    .await;
}

// ---------------------------------------------------------------------------
// entities and the typed lists
// ---------------------------------------------------------------------------

#[tokio::test]
async fn entities_are_ordered_by_kind_then_id() {
    let d = data(
        "{ entities(first: 100) { totalCount edges { node { id kind } } } }",
        json!({}),
    )
    .await;
    let ids = node_ids(&d["entities"]);
    assert_eq!(ids, FIXTURE_IDS);
    let keys: Vec<(usize, String)> = d["entities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                kind_rank(e["node"]["kind"].as_str().unwrap()),
                e["node"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn entities_kinds_filter() {
    let q = "query ($kinds: [EntityKind!]) {
        entities(kinds: $kinds, first: 100) { totalCount edges { node { id kind } } } }";
    // Kind order, whatever the order of the filter.
    let d = data(q, json!({ "kinds": ["EVENT", "PERSON"] })).await;
    assert_eq!(d["entities"]["totalCount"], 7);
    assert_eq!(
        node_ids(&d["entities"]),
        [
            "person:anna-berg",
            "person:jose-garcia",
            "person:li-wei",
            "person:zoe-muller",
            "event:plenary",
            "event:plenary-session-1",
            "event:plenary-session-2",
        ]
    );
    for kind in KINDS {
        let d = data(q, json!({ "kinds": [kind] })).await;
        for k in pluck(&d["entities"]["edges"], "/node/kind") {
            assert_eq!(k, kind);
        }
    }
    let d = data(q, json!({ "kinds": Value::Null })).await;
    assert_eq!(d["entities"]["totalCount"], FIXTURE_IDS.len());
}

/// The ids listed by one typed list query.
async fn list(field: &str, args: &str) -> Vec<String> {
    let args = if args.is_empty() {
        String::new()
    } else {
        format!("({args})")
    };
    let q = format!("{{ list: {field}{args} {{ totalCount edges {{ node {{ id }} }} }} }}");
    let d = data(&q, json!({})).await;
    let ids = node_ids(&d["list"]);
    assert_eq!(
        d["list"]["totalCount"].as_u64().unwrap() as usize,
        ids.len()
    );
    ids
}

#[tokio::test]
async fn lists_without_filters_list_every_entity_of_their_kind_by_id() {
    assert_eq!(list("organisations", "").await, FIXTURE_IDS[0..4]);
    assert_eq!(list("people", "").await, FIXTURE_IDS[4..8]);
    assert_eq!(list("groups", "").await, FIXTURE_IDS[8..12]);
    assert_eq!(list("deliverables", "").await, FIXTURE_IDS[12..14]);
    assert_eq!(list("events", "").await, FIXTURE_IDS[14..17]);
}

#[tokio::test]
async fn name_contains_ignores_case_accents_and_punctuation() {
    for needle in ["MULLER", "müller", "zoë", "Zoe", "zoe muller", "ZOË-MÜLLER"] {
        let args = format!("where: {{ nameContains: {needle:?} }}");
        assert_eq!(
            list("people", &args).await,
            ["person:zoe-muller"],
            "nameContains {needle:?}"
        );
    }
    for needle in ["garcía", "GARCIA", "josé"] {
        let args = format!("where: {{ nameContains: {needle:?} }}");
        assert_eq!(
            list("people", &args).await,
            ["person:jose-garcia"],
            "{needle:?}"
        );
    }
    for needle in ["ecole", "ÉCOLE", "polytechnique-federale", "Fédérale"] {
        let args = format!("where: {{ nameContains: {needle:?} }}");
        assert_eq!(
            list("organisations", &args).await,
            ["organisation:ecole"],
            "{needle:?}"
        );
    }
    // Aliases count as names.
    assert_eq!(
        list("groups", r#"where: { nameContains: "sci" }"#).await,
        ["group:smart-cities"]
    );
    assert_eq!(
        list("organisations", r#"where: { nameContains: "(asu)" }"#).await,
        ["organisation:acme"]
    );
    assert_eq!(
        list("deliverables", r#"where: { nameContains: "report" }"#).await,
        ["deliverable:wellbeing-report"]
    );
    assert_eq!(
        list("events", r#"where: { nameContains: "session" }"#).await,
        ["event:plenary-session-1"]
    );
    assert!(list("people", r#"where: { nameContains: "nobody" }"#)
        .await
        .is_empty());
}

#[tokio::test]
async fn enum_filters_keep_only_the_listed_values() {
    assert_eq!(
        list("organisations", "where: { category: [UNIT] }").await,
        ["organisation:acme-bureau"]
    );
    assert_eq!(
        list(
            "organisations",
            "where: { category: [UNIVERSITY, COMPANY] }"
        )
        .await,
        ["organisation:digital-futures-lab", "organisation:ecole"]
    );
    assert_eq!(
        list("groups", "where: { groupKind: [THEMATIC_GROUP] }").await,
        ["group:tg-digital-futures", "group:tg-urban-wellbeing"]
    );
    assert_eq!(
        list(
            "groups",
            "where: { groupKind: [THEMATIC_GROUP], status: [ACTIVE] }"
        )
        .await,
        ["group:tg-digital-futures"]
    );
    assert_eq!(
        list("groups", "where: { status: [NEW, CONCLUDED] }").await,
        ["group:tg-urban-wellbeing", "group:wg-open-data"]
    );
    assert_eq!(
        list("deliverables", "where: { status: [IN_DEVELOPMENT] }").await,
        ["deliverable:wellbeing-report"]
    );
    assert_eq!(
        list("deliverables", "where: { deliverableKind: [GUIDE] }").await,
        ["deliverable:open-data-guide"]
    );
    assert_eq!(
        list(
            "deliverables",
            "where: { deliverableKind: [GUIDE], status: [IN_DEVELOPMENT] }"
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        list("events", "where: { eventKind: [SESSION] }").await,
        ["event:plenary-session-1", "event:plenary-session-2"]
    );
    assert_eq!(
        list("events", "where: { eventKind: [MEETING] }").await,
        ["event:plenary"]
    );
    // A filter combines with the name filter.
    assert_eq!(
        list(
            "groups",
            r#"where: { groupKind: [THEMATIC_GROUP], nameContains: "urban" }"#
        )
        .await,
        ["group:tg-urban-wellbeing"]
    );
}

#[tokio::test]
async fn related_to_filters_by_linked_entity_type_and_direction() {
    let sci = "group:smart-cities";
    assert_eq!(
        list(
            "people",
            &format!("where: {{ relatedTo: {{ id: {sci:?}, types: [LEADS] }} }}")
        )
        .await,
        ["person:jose-garcia", "person:zoe-muller"]
    );
    assert_eq!(
        list(
            "people",
            &format!("where: {{ relatedTo: {{ id: {sci:?} }} }}")
        )
        .await,
        ["person:jose-garcia", "person:li-wei", "person:zoe-muller"]
    );
    // Seen from the listed entity: OUT when it is the relation's `from`.
    assert_eq!(
        list(
            "people",
            &format!("where: {{ relatedTo: {{ id: {sci:?}, direction: OUT }} }}")
        )
        .await,
        ["person:jose-garcia", "person:li-wei", "person:zoe-muller"]
    );
    assert!(list(
        "people",
        &format!("where: {{ relatedTo: {{ id: {sci:?}, direction: IN }} }}")
    )
    .await
    .is_empty());
    assert_eq!(
        list(
            "groups",
            &format!("where: {{ relatedTo: {{ id: {sci:?}, direction: OUT }} }}")
        )
        .await,
        ["group:tg-digital-futures", "group:tg-urban-wellbeing"]
    );
    assert_eq!(
        list(
            "organisations",
            &format!("where: {{ relatedTo: {{ id: {sci:?}, types: [COORDINATES] }} }}")
        )
        .await,
        ["organisation:acme"]
    );
    assert_eq!(
        list(
            "groups",
            r#"where: { relatedTo: { id: "person:anna-berg", types: [LEADS], direction: IN } }"#
        )
        .await,
        ["group:tg-digital-futures", "group:wg-open-data"]
    );
    assert_eq!(
        list(
            "deliverables",
            r#"where: { relatedTo: { id: "person:zoe-muller" } }"#
        )
        .await,
        ["deliverable:open-data-guide"]
    );
    assert_eq!(
        list(
            "events",
            r#"where: { relatedTo: { id: "person:jose-garcia", types: [MODERATED] } }"#
        )
        .await,
        ["event:plenary-session-1"]
    );
    assert_eq!(
        list(
            "organisations",
            r#"where: { relatedTo: { id: "person:zoe-muller" }, nameContains: "ecole" }"#
        )
        .await,
        ["organisation:ecole"]
    );
    // An unknown entity is linked to nothing; a malformed id is an error.
    assert!(
        list("people", r#"where: { relatedTo: { id: "group:nothing" } }"#)
            .await
            .is_empty()
    );
    bad_input(
        r#"{ people(where: { relatedTo: { id: "Not An Id" } }) { totalCount } }"#,
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn order_by_name_ascending_and_descending() {
    assert_eq!(
        list("people", "orderBy: { field: NAME, direction: DESC }").await,
        [
            "person:zoe-muller",
            "person:li-wei",
            "person:jose-garcia",
            "person:anna-berg"
        ]
    );
    assert_eq!(
        list("groups", "orderBy: { field: NAME }").await,
        [
            "group:tg-digital-futures",
            "group:smart-cities",
            "group:tg-urban-wellbeing",
            "group:wg-open-data"
        ]
    );
    assert_eq!(
        list("groups", "orderBy: { field: NAME, direction: DESC }").await,
        [
            "group:wg-open-data",
            "group:tg-urban-wellbeing",
            "group:smart-cities",
            "group:tg-digital-futures"
        ]
    );
    assert_eq!(
        list("events", "orderBy: { field: NAME, direction: ASC }").await,
        [
            "event:plenary-session-2",
            "event:plenary",
            "event:plenary-session-1"
        ]
    );
    assert_eq!(
        list("events", "orderBy: { field: ID, direction: DESC }").await,
        [
            "event:plenary-session-2",
            "event:plenary-session-1",
            "event:plenary"
        ]
    );
    assert_eq!(
        list(
            "deliverables",
            "orderBy: { field: NAME, direction: DESC }, where: { status: [PUBLISHED, IN_DEVELOPMENT] }"
        )
        .await,
        ["deliverable:wellbeing-report", "deliverable:open-data-guide"]
    );
}

/// `SortDirection.ASC` is documented as "Smallest first".
#[tokio::test]
async fn order_by_relation_count_ascending_is_smallest_first() {
    let q = "query ($dir: SortDirection!) {
        people(orderBy: { field: RELATION_COUNT, direction: $dir }) {
          edges { node { id relationCount } } } }";
    let counts = |d: &Value| -> Vec<u64> {
        pluck(&d["people"]["edges"], "/node/relationCount")
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    let asc = counts(&data(q, json!({ "dir": "ASC" })).await);
    let desc = counts(&data(q, json!({ "dir": "DESC" })).await);
    // jose 4, li 5, zoe 5, anna 6.
    assert_eq!(asc, [4, 5, 5, 6], "ASC");
    assert_eq!(desc, [6, 5, 5, 4], "DESC");
}

// ---------------------------------------------------------------------------
// search
// ---------------------------------------------------------------------------

/// The ids of the hits for `query`, best first, and their scores.
async fn search(query: &str, kinds: Value) -> Vec<(String, f64)> {
    let d = data(
        "query ($q: String!, $kinds: [EntityKind!]) {
           search(query: $q, kinds: $kinds, first: 20) { score entity { id } } }",
        json!({ "q": query, "kinds": kinds }),
    )
    .await;
    let hits: Vec<(String, f64)> = d["search"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["entity"]["id"].as_str().unwrap().to_string(),
                h["score"].as_f64().unwrap(),
            )
        })
        .collect();
    for (id, score) in &hits {
        assert!(
            *score > 0.0 && *score <= 1.0,
            "{query:?}: {id} scored {score}"
        );
    }
    for pair in hits.windows(2) {
        assert!(
            pair[0].1 >= pair[1].1,
            "{query:?}: hits not best first: {hits:?}"
        );
    }
    hits
}

async fn top_hit(query: &str) -> String {
    search(query, Value::Null)
        .await
        .first()
        .unwrap_or_else(|| panic!("no hit for {query:?}"))
        .0
        .clone()
}

#[tokio::test]
async fn search_ignores_case_accents_and_punctuation() {
    for q in [
        "Zoë Müller",
        "zoe muller",
        "ZOE MULLER",
        "zoë-müller",
        "  Müller, Zoë!  ",
    ] {
        assert_eq!(top_hit(q).await, "person:zoe-muller", "{q:?}");
    }
    for q in [
        "ecole polytechnique",
        "ÉCOLE-POLYTECHNIQUE",
        "école polytechnique fédérale",
    ] {
        assert_eq!(top_hit(q).await, "organisation:ecole", "{q:?}");
    }
    for q in ["jose garcia", "José García", "GARCÍA"] {
        assert_eq!(top_hit(q).await, "person:jose-garcia", "{q:?}");
    }
    let exact = search("zoe muller", Value::Null).await;
    assert_eq!(exact[0].1, 1.0, "an exact name match scores 1");
}

#[tokio::test]
async fn search_finds_acronyms_and_aliases() {
    assert_eq!(top_hit("ASU").await, "organisation:acme");
    assert_eq!(top_hit("asu").await, "organisation:acme");
    // An acronym that is not also listed as an alias.
    assert_eq!(top_hit("EPF").await, "organisation:ecole");
    assert_eq!(top_hit("SCI").await, "group:smart-cities");
}

#[tokio::test]
async fn search_matches_word_prefixes() {
    assert_eq!(top_hit("polytech").await, "organisation:ecole");
    assert_eq!(top_hit("Zo").await, "person:zoe-muller");
    let hits: HashSet<String> = search("wellb", Value::Null)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(hits.contains("group:tg-urban-wellbeing"), "{hits:?}");
    assert!(hits.contains("deliverable:wellbeing-report"), "{hits:?}");
    assert_eq!(
        top_hit("open data gui").await,
        "deliverable:open-data-guide"
    );
}

#[tokio::test]
async fn search_tolerates_one_typo_in_a_longer_word() {
    assert_eq!(top_hit("polytecnique").await, "organisation:ecole");
    assert_eq!(top_hit("Zoe Mueller").await, "person:zoe-muller");
    assert_eq!(
        top_hit("wellbeign report").await,
        "deliverable:wellbeing-report"
    );
    assert!(search("xyzzyq", Value::Null).await.is_empty());
}

#[tokio::test]
async fn search_ranks_an_exact_name_first() {
    // "Digital Futures Lab" sorts before the group by kind and also starts
    // with the query; the group's exact name must still win.
    let hits = search("digital futures", Value::Null).await;
    assert_eq!(hits[0].0, "group:tg-digital-futures", "{hits:?}");
    assert_eq!(hits[0].1, 1.0);
    assert!(hits
        .iter()
        .any(|(id, _)| id == "organisation:digital-futures-lab"));
    assert!(hits[1].1 < hits[0].1, "{hits:?}");

    // The working group's name ends with the query, the guide's starts with
    // it; only an exact name scores 1.
    let hits = search("Open Data Guide", Value::Null).await;
    assert_eq!(hits[0], ("deliverable:open-data-guide".to_string(), 1.0));
    assert!(
        hits.iter().skip(1).all(|(_, score)| *score < 1.0),
        "{hits:?}"
    );
}

#[tokio::test]
async fn search_kinds_restricts_what_is_searched() {
    let hits = search("digital futures", json!(["ORGANISATION"])).await;
    let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["organisation:digital-futures-lab"]);

    let hits = search("open data", json!(["GROUP", "EVENT"])).await;
    let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["group:wg-open-data"]);

    assert!(search("zoe", json!(["GROUP"])).await.is_empty());
}

#[tokio::test]
async fn search_respects_first() {
    let d = data(
        r#"{ search(query: "wellbeing", first: 1) { entity { id } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(d["search"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn blank_search_is_bad_user_input() {
    for q in ["", " ", "\t\n", "   ", "--", "!?"] {
        let r = bad_input(
            "query ($q: String!) { search(query: $q) { score } }",
            json!({ "q": q }),
        )
        .await;
        assert_eq!(r["data"], Value::Null, "{q:?}");
    }
}

#[tokio::test]
async fn search_is_deterministic() {
    for q in ["digital", "open", "a", "wellbeing"] {
        assert_eq!(
            search(q, Value::Null).await,
            search(q, Value::Null).await,
            "{q:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// shortestPath
// ---------------------------------------------------------------------------

const PATH: &str = r#"
query ($from: ID!, $to: ID!, $types: [RelationType!], $maxDepth: Int) {
  shortestPath(from: $from, to: $to, types: $types, maxDepth: $maxDepth) {
    length
    nodes { id }
    relations { id type from { id } to { id } }
  }
}"#;

async fn path(from: &str, to: &str, types: Value, max_depth: Value) -> Value {
    let vars = json!({ "from": from, "to": to, "types": types, "maxDepth": max_depth });
    data(PATH, vars).await["shortestPath"].clone()
}

/// Checks a path's shape: `length` relations linking `length + 1` nodes in
/// order (each relation walked either way), from `from` to `to`.
fn check_path(p: &Value, from: &str, to: &str) -> usize {
    let length = p["length"].as_u64().expect("length") as usize;
    let nodes: Vec<&str> = p["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let relations = p["relations"].as_array().unwrap();
    assert_eq!(nodes.len(), length + 1, "{p}");
    assert_eq!(relations.len(), length, "{p}");
    assert_eq!(nodes[0], from, "{p}");
    assert_eq!(nodes[length], to, "{p}");
    for (i, r) in relations.iter().enumerate() {
        let ends = (
            r["from"]["id"].as_str().unwrap(),
            r["to"]["id"].as_str().unwrap(),
        );
        assert!(
            ends == (nodes[i], nodes[i + 1]) || ends == (nodes[i + 1], nodes[i]),
            "relation {i} does not link nodes {i} and {}: {p}",
            i + 1
        );
    }
    let distinct: HashSet<&str> = nodes.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        nodes.len(),
        "a shortest path never revisits: {p}"
    );
    length
}

#[tokio::test]
async fn shortest_path_is_consistent_and_shortest() {
    let p = path(
        "person:zoe-muller",
        "organisation:acme",
        Value::Null,
        Value::Null,
    )
    .await;
    assert_eq!(check_path(&p, "person:zoe-muller", "organisation:acme"), 2);

    let p = path(
        "organisation:acme-bureau",
        "organisation:acme",
        Value::Null,
        Value::Null,
    )
    .await;
    assert_eq!(
        p,
        json!({
            "length": 1,
            "nodes": [{ "id": "organisation:acme-bureau" }, { "id": "organisation:acme" }],
            "relations": [{
                "id": "relation:part-of/organisation:acme-bureau/organisation:acme",
                "type": "PART_OF",
                "from": { "id": "organisation:acme-bureau" },
                "to": { "id": "organisation:acme" },
            }],
        })
    );
    // Walked against the relation's direction.
    let p = path(
        "organisation:acme",
        "organisation:acme-bureau",
        Value::Null,
        Value::Null,
    )
    .await;
    assert_eq!(
        check_path(&p, "organisation:acme", "organisation:acme-bureau"),
        1
    );
}

#[tokio::test]
async fn shortest_path_lengths_match_a_breadth_first_search_for_every_pair() {
    // The graph, as an undirected adjacency list, from the API itself.
    let mut adjacency: HashMap<String, Vec<String>> = HashMap::new();
    for id in FIXTURE_IDS {
        let conn = all_relations(id, "BOTH").await;
        adjacency.insert(id.to_string(), node_ids(&conn));
    }
    let distances = |from: &str| {
        let mut dist: HashMap<String, usize> = HashMap::from([(from.to_string(), 0)]);
        let mut queue = VecDeque::from([from.to_string()]);
        while let Some(at) = queue.pop_front() {
            let d = dist[&at];
            for next in &adjacency[&at] {
                if !dist.contains_key(next) {
                    dist.insert(next.clone(), d + 1);
                    queue.push_back(next.clone());
                }
            }
        }
        dist
    };
    for from in FIXTURE_IDS {
        let dist = distances(from);
        for to in FIXTURE_IDS {
            let p = path(from, to, Value::Null, json!(10)).await;
            match dist.get(to) {
                None => assert_eq!(p, Value::Null, "{from} -> {to} has no path"),
                Some(&d) => assert_eq!(check_path(&p, from, to), d, "{from} -> {to}"),
            }
        }
    }
}

#[tokio::test]
async fn shortest_path_is_null_without_a_path() {
    // The lab is linked to nothing.
    assert_eq!(
        path(
            "person:zoe-muller",
            "organisation:digital-futures-lab",
            Value::Null,
            Value::Null
        )
        .await,
        Value::Null
    );
    // Unknown ids.
    assert_eq!(
        path(
            "person:nobody",
            "organisation:acme",
            Value::Null,
            Value::Null
        )
        .await,
        Value::Null
    );
    assert_eq!(
        path(
            "person:zoe-muller",
            "group:nothing",
            Value::Null,
            Value::Null
        )
        .await,
        Value::Null
    );
}

#[tokio::test]
async fn shortest_path_from_an_entity_to_itself_has_length_0() {
    for id in ["person:zoe-muller", "organisation:digital-futures-lab"] {
        let p = path(id, id, Value::Null, Value::Null).await;
        assert_eq!(
            p,
            json!({ "length": 0, "nodes": [{ "id": id }], "relations": [] })
        );
    }
}

#[tokio::test]
async fn shortest_path_follows_only_the_given_types() {
    let (zoe, acme) = ("person:zoe-muller", "organisation:acme");
    // Zoë reaches the ASU only through her bureau (PART_OF) or elsewhere.
    assert_eq!(
        path(zoe, acme, json!(["AFFILIATED_WITH"]), Value::Null).await,
        Value::Null
    );
    let p = path(
        zoe,
        acme,
        json!(["AFFILIATED_WITH", "PART_OF"]),
        Value::Null,
    )
    .await;
    assert_eq!(check_path(&p, zoe, acme), 2);
    assert_eq!(
        pluck(&p["relations"], "/type"),
        [json!("AFFILIATED_WITH"), json!("PART_OF")]
    );
    // A longer detour when the short ones are ruled out.
    let p = path(
        "person:anna-berg",
        "group:smart-cities",
        json!(["PART_OF", "LEADS"]),
        Value::Null,
    )
    .await;
    assert_eq!(check_path(&p, "person:anna-berg", "group:smart-cities"), 2);
    for t in pluck(&p["relations"], "/type") {
        assert!(t == "PART_OF" || t == "LEADS", "{p}");
    }
}

#[tokio::test]
async fn shortest_path_respects_max_depth() {
    let (zoe, acme) = ("person:zoe-muller", "organisation:acme");
    assert_eq!(path(zoe, acme, Value::Null, json!(1)).await, Value::Null);
    let p = path(zoe, acme, Value::Null, json!(2)).await;
    assert_eq!(check_path(&p, zoe, acme), 2);
    let p = path(zoe, acme, Value::Null, json!(10)).await;
    assert_eq!(check_path(&p, zoe, acme), 2);
}

#[tokio::test]
async fn shortest_path_max_depth_outside_1_to_10_is_bad_user_input() {
    for depth in [0, 11, -1, 100] {
        let vars = json!({
            "from": "person:zoe-muller", "to": "organisation:acme", "maxDepth": depth,
        });
        bad_input(PATH, vars).await;
    }
    let vars = json!({ "from": "zoe", "to": "organisation:acme" });
    bad_input(PATH, vars).await;
}

#[tokio::test]
async fn shortest_path_is_deterministic() {
    let pairs = [
        ("person:zoe-muller", "organisation:acme"),
        ("person:li-wei", "organisation:ecole"),
        ("event:plenary", "group:wg-open-data"),
        ("deliverable:wellbeing-report", "organisation:acme-bureau"),
    ];
    for (from, to) in pairs {
        let first = path(from, to, Value::Null, Value::Null).await;
        assert!(!first.is_null(), "{from} -> {to}");
        for _ in 0..3 {
            assert_eq!(path(from, to, Value::Null, Value::Null).await, first);
        }
    }
}

// ---------------------------------------------------------------------------
// stats, provenance, relation ids
// ---------------------------------------------------------------------------

#[tokio::test]
async fn stats_agree_with_the_entities_and_relations() {
    let d = data(
        "{ stats { entityCount relationCount componentCount
                   byKind { kind count } byRelationType { type count } }
           entities(first: 0) { totalCount } }",
        json!({}),
    )
    .await;
    let stats = &d["stats"];
    assert_eq!(stats["entityCount"], FIXTURE_IDS.len());
    assert_eq!(stats["entityCount"], d["entities"]["totalCount"]);
    assert_eq!(stats["relationCount"], FIXTURE_RELATIONS);
    assert_eq!(stats["componentCount"], 2, "the lab stands alone");

    assert_eq!(pluck(&stats["byKind"], "/kind"), KINDS.map(|k| json!(k)));
    let mut sum = 0;
    for kc in stats["byKind"].as_array().unwrap() {
        let n = data(
            "query ($k: [EntityKind!]) { entities(kinds: $k, first: 0) { totalCount } }",
            json!({ "k": [kc["kind"]] }),
        )
        .await["entities"]["totalCount"]
            .clone();
        assert_eq!(kc["count"], n, "{kc}");
        sum += n.as_u64().unwrap();
    }
    assert_eq!(json!(sum), stats["entityCount"]);

    assert_eq!(
        pluck(&stats["byRelationType"], "/type"),
        RELATION_TYPES.map(|t| json!(t))
    );
    // Every relation, counted once from its `from` end.
    let mut by_type: HashMap<String, u64> = HashMap::new();
    for id in FIXTURE_IDS {
        for t in pluck(&all_relations(id, "OUT").await["edges"], "/relation/type") {
            *by_type.entry(t.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let mut sum = 0;
    for tc in stats["byRelationType"].as_array().unwrap() {
        let t = tc["type"].as_str().unwrap();
        assert_eq!(
            tc["count"].as_u64().unwrap(),
            by_type.get(t).copied().unwrap_or(0),
            "{t}"
        );
        sum += tc["count"].as_u64().unwrap();
    }
    assert_eq!(json!(sum), stats["relationCount"]);
}

#[tokio::test]
async fn every_entity_and_relation_has_a_source() {
    let d = data(
        "{ entities(first: 20) { edges { node {
             id
             sources { document section quote documentInfo { key title publisher date url } }
             relations(first: 20) { edges { relation { id sources { document quote } } } }
           } } }
           documents { key title publisher date url } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["documents"],
        json!([{
            "key": "fixture",
            "title": "Fixture Meeting Report",
            "publisher": "Fixture Publisher",
            "date": "2025-01-15",
            "url": "https://example.org/fixture-report",
        }])
    );
    let mut relations: HashMap<String, Value> = HashMap::new();
    let edges = d["entities"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), FIXTURE_IDS.len());
    for edge in edges {
        let node = &edge["node"];
        let sources = node["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{} has no source", node["id"]);
        for s in sources {
            assert_eq!(s["document"], "Fixture Meeting Report");
            assert_eq!(s["documentInfo"]["title"], s["document"]);
            assert!(!s["quote"].as_str().unwrap().trim().is_empty());
        }
        for r in node["relations"]["edges"].as_array().unwrap() {
            let rel = &r["relation"];
            relations.insert(rel["id"].as_str().unwrap().to_string(), rel.clone());
        }
    }
    assert_eq!(relations.len(), FIXTURE_RELATIONS);
    for (id, rel) in &relations {
        let sources = rel["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{id} has no source");
        for s in sources {
            assert!(!s["quote"].as_str().unwrap().trim().is_empty(), "{id}");
        }
    }
    // A relation keeps all of its sources, in order.
    let d = data(
        r#"{ relation(id: "relation:leads/person:zoe-muller/group:smart-cities") {
               sources { section quote } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d["relation"]["sources"],
        json!([
            { "section": null, "quote": "Dr Zoë Müller, Chair, Smart Cities Initiative" },
            { "section": "Closing", "quote": "The Chair, Zoë Müller, closed the meeting." },
        ])
    );
}

#[tokio::test]
async fn relation_ids_are_stable_strings() {
    let mut seen = BTreeSet::new();
    for id in FIXTURE_IDS {
        let conn = all_relations(id, "OUT").await;
        for edge in conn["edges"].as_array().unwrap() {
            let rel = &edge["relation"];
            let rel_type = rel["type"].as_str().unwrap();
            let want = format!(
                "relation:{}/{}/{}",
                rel_type.to_ascii_lowercase().replace('_', "-"),
                rel["from"]["id"].as_str().unwrap(),
                rel["to"]["id"].as_str().unwrap()
            );
            assert_eq!(rel["id"], json!(want));
            seen.insert(want);
        }
    }
    assert_eq!(seen.len(), FIXTURE_RELATIONS);
    // Each id finds its relation again, through `relation` and `node`.
    for id in &seen {
        let d = data(
            "query ($id: ID!) {
               relation(id: $id) { id }
               node(id: $id) { __typename id } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(d["relation"]["id"], json!(id));
        assert_eq!(d["node"], json!({ "__typename": "Relation", "id": id }));
    }
    // And the same data gives the same ids.
    let again = relation_ids(&all_relations("group:smart-cities", "BOTH").await);
    let before = relation_ids(&all_relations("group:smart-cities", "BOTH").await);
    assert_eq!(again, before);
}

// ---------------------------------------------------------------------------
// The bundled graph
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bundled_graph_knows_who_chairs_u4ssc_and_finds_itu() {
    let schema = bundled_schema();
    let d = data_on(
        schema,
        r#"{
          entity(id: "group:u4ssc") {
            name
            ... on Group { leaders { leader { id name } role } }
          }
          search(query: "ITU") { entity { id } }
          okan: node(id: "person:okan-geray") { ... on Person { name leads { led { id } role } } }
        }"#,
        json!({}),
    )
    .await;
    let leaders = d["entity"]["leaders"].as_array().unwrap();
    assert!(
        leaders
            .iter()
            .any(|l| l["leader"]["id"] == "person:okan-geray" && l["role"] == "Chair"),
        "{leaders:?}"
    );
    assert_eq!(d["search"][0]["entity"]["id"], "organisation:itu");
    assert_eq!(d["okan"]["name"], "Okan Geray");
    assert!(d["okan"]["leads"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["led"]["id"] == "group:u4ssc" && l["role"] == "Chair"));
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x5eed_c1f9),
        ..ProptestConfig::default()
    })]

    /// Whatever the page sizes, walking `relations` page by page gives every
    /// edge once, in the order of the whole list.
    #[test]
    fn relation_pages_never_skip_or_repeat(
        entity in 0..FIXTURE_IDS.len(),
        direction in prop::sample::select(vec!["OUT", "IN", "BOTH"]),
        sizes in prop::collection::vec(1i32..=10, 1..8),
    ) {
        let id = FIXTURE_IDS[entity];
        let (walked, whole) = runtime().block_on(async {
            let whole = relation_ids(&all_relations(id, direction).await);
            (walk_relations(id, direction, &sizes).await, whole)
        });
        prop_assert_eq!(walked, whole);
    }
}

#[tokio::test]
async fn path_search_answers_the_paths_of_paths_and_whether_its_budget_cut_them() {
    let schema = bundled_schema();
    let args = r#"from: "person:okan-geray", to: "group:u4ssc", maxDepth: 3, first: 3"#;
    let fields = "length nodes { id } relations { id }";
    let query =
        format!("{{ paths({args}) {{ {fields} }} pathSearch({args}) {{ truncated paths {{ {fields} }} }} }}");
    let found = data_on(schema, &query, json!({})).await;
    assert!(!found["paths"].as_array().unwrap().is_empty());
    assert_eq!(found["pathSearch"]["paths"], found["paths"]);
    assert_eq!(found["pathSearch"]["truncated"], false);

    // Between two people of a generated graph, the simple paths of up to 10
    // relations are more than 200000 edge visits away: the search is cut
    // with fewer paths than asked for, and says so.
    let dir = tempfile::tempdir().unwrap();
    civgraph::generate::generate(3000, 1, dir.path()).unwrap();
    let generated = api::schema_for(load(dir.path()));
    let people = data_on(
        &generated,
        "{ entities(kinds: [PERSON], first: 2) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let people = node_ids(&people["entities"]);
    let cut = data_on(
        &generated,
        "query ($from: ID!, $to: ID!) { pathSearch(from: $from, to: $to, maxDepth: 10, first: 100) {
           truncated paths { length } } }",
        json!({ "from": people[0], "to": people[1] }),
    )
    .await;
    assert_eq!(cut["pathSearch"]["truncated"], true, "{cut}");
    let lengths = pluck(&cut["pathSearch"]["paths"], "/length");
    assert!(!lengths.is_empty() && lengths.len() < 100, "{lengths:?}");
    assert!(lengths.windows(2).all(|w| w[0].as_u64() <= w[1].as_u64()));

    let bad = run_on(
        schema,
        r#"{ pathSearch(from: "person:okan-geray", to: "group:u4ssc", maxDepth: 11) { truncated } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
}

/// `aggregate` counts the selected entities by kind, and the relations that
/// touch at least one of them by type, each relation once.
#[tokio::test]
async fn aggregate_counts_selected_entities_and_the_relations_touching_them() {
    let everything = data(
        "{ aggregate { entityCount byKind { key count } byRelationType { key count } }
           stats { entityCount byKind { kind count } byRelationType { type count } } }",
        json!({}),
    )
    .await;
    let (agg, stats) = (&everything["aggregate"], &everything["stats"]);
    assert_eq!(agg["entityCount"], stats["entityCount"]);
    let nonzero = |list: &Value, key: &str| -> Vec<(String, u64)> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|b| b["count"].as_u64().unwrap() > 0)
            .map(|b| {
                (
                    b[key].as_str().unwrap().to_string(),
                    b["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        nonzero(&agg["byKind"], "key"),
        nonzero(&stats["byKind"], "kind")
    );
    // Every relation touches some entity: all of them, once each.
    assert_eq!(
        nonzero(&agg["byRelationType"], "key"),
        nonzero(&stats["byRelationType"], "type")
    );

    // The people only: a relation between two people counts once.
    let people: Vec<&str> = FIXTURE_IDS
        .iter()
        .copied()
        .filter(|id| id.starts_with("person:"))
        .collect();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen = HashSet::new();
    for id in &people {
        let edges = all_relations(id, "BOTH").await;
        for (rid, t) in pluck(&edges["edges"], "/relation/id")
            .into_iter()
            .zip(pluck(&edges["edges"], "/relation/type"))
        {
            if seen.insert(rid) {
                *want.entry(t.as_str().unwrap().to_string()).or_default() += 1;
            }
        }
    }
    let agg = data(
        "{ aggregate(kinds: [PERSON]) { entityCount byKind { key count } byRelationType { key count } } }",
        json!({}),
    )
    .await["aggregate"]
        .clone();
    assert_eq!(agg["entityCount"], people.len());
    assert_eq!(
        agg["byKind"],
        json!([{ "key": "PERSON", "count": people.len() }])
    );
    let got: BTreeMap<String, u64> = nonzero(&agg["byRelationType"], "key").into_iter().collect();
    assert_eq!(got, want);
}

/// A kind's list on a generated graph of 3,000 entities, walked page by
/// page, for each filter and order: it is the kind's entities that the
/// filter keeps, sorted by the order's key (ties by id), every page's
/// `totalCount` their number. Each is walked twice: the first walk makes
/// the order (a sort of the kind), the second reads it made; a `relatedTo`
/// that names few entities reads those, not the kind.
#[tokio::test]
async fn kind_lists_are_their_kinds_filtered_and_sorted_however_they_are_read() {
    use civgraph::graph::fold;
    use civgraph::model::{Direction, Entity, EntityKind};

    let dir = tempfile::tempdir().unwrap();
    civgraph::generate::generate(3_000, 11, dir.path()).unwrap();
    let graph = load(dir.path());
    let schema = api::schema_for(graph.clone());
    let g = &*graph;
    // The entity of each kind with the most relations: `relatedTo` it
    // names many entities of some kinds and few of others.
    let hubs: Vec<&Entity> = EntityKind::ALL
        .iter()
        .map(|&k| {
            g.entities_of(k)
                .iter()
                .max_by_key(|e| g.edges_of(e, None, Direction::Both).count())
                .unwrap()
        })
        .collect();
    let count = |e: &Entity| g.edges_of(e, None, Direction::Both).count();
    // Each order: its `orderBy`, and the key the list is sorted by (the
    // relation count, the folded name, the id), ascending or descending.
    let orders = ["ID", "NAME", "RELATION_COUNT"]
        .into_iter()
        .flat_map(|field| ["ASC", "DESC"].map(|direction| (field, direction)));
    let key = |field: &str, e: &Entity| match field {
        "ID" => (0, String::new(), e.id.to_string()),
        "NAME" => (0, fold(&e.name), e.id.to_string()),
        _ => (count(e), fold(&e.name), e.id.to_string()),
    };
    let lists = [
        (
            "organisations",
            "OrganisationFilter",
            EntityKind::Organisation,
        ),
        ("people", "PersonFilter", EntityKind::Person),
        ("groups", "GroupFilter", EntityKind::Group),
        ("deliverables", "DeliverableFilter", EntityKind::Deliverable),
        ("events", "EventFilter", EntityKind::Event),
    ];
    let mut related_paths = 0;
    for (field, filter_type, kind) in lists {
        let q = format!(
            "query ($where: {filter_type}, $orderBy: EntityOrder, $after: String) {{
              {field}(where: $where, orderBy: $orderBy, first: 100, after: $after) {{
                totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"
        );
        let mut filters: Vec<(String, Value, Vec<&Entity>)> = vec![(
            "everyone".into(),
            json!({}),
            g.entities_of(kind).iter().collect(),
        )];
        for hub in &hubs {
            let related: HashSet<&str> = g
                .edges_of(hub, None, Direction::Both)
                .map(|edge| edge.other.id.as_str())
                .collect();
            let kept: Vec<&Entity> = g
                .entities_of(kind)
                .iter()
                .filter(|e| related.contains(e.id.as_str()))
                .collect();
            if kept.len() < g.entities_of(kind).len() / 8 {
                related_paths += 1;
            }
            filters.push((
                format!("related to {}", hub.id),
                json!({ "relatedTo": { "id": hub.id.as_str() } }),
                kept,
            ));
        }
        for (what, filter, kept) in &filters {
            for (field_name, direction) in orders.clone() {
                let order = json!({ "field": field_name, "direction": direction });
                let order_name = format!("{field_name} {direction}");
                let mut expected = kept.clone();
                expected.sort_by_cached_key(|e| key(field_name, e));
                if direction == "DESC" {
                    expected.reverse();
                }
                let expected: Vec<String> = expected.iter().map(|e| e.id.to_string()).collect();
                for walk in ["first walk", "second walk"] {
                    let what = format!("{field}, {what}, {order_name}, {walk}");
                    let page = |after: Option<String>| {
                        let vars = json!({ "where": filter, "orderBy": order, "after": after });
                        let (schema, q) = (&schema, &q);
                        async move { data_on(schema, q, vars).await[field].clone() }
                    };
                    let seen = walk_pages(page, node_ids, expected.len(), &what).await;
                    assert_eq!(seen, expected, "{what}");
                }
            }
        }
    }
    assert!(
        related_paths > 0,
        "no relatedTo named few entities of a kind"
    );
}

/// A `where` that a client declares as an optional variable and leaves out
/// (or sends as null) filters nothing: the whole list, as with no `where`.
#[tokio::test]
async fn a_where_variable_left_out_or_null_filters_nothing() {
    let lists = [
        ("organisations", "OrganisationFilter", "totalCount"),
        ("people", "PersonFilter", "totalCount"),
        ("groups", "GroupFilter", "totalCount"),
        ("deliverables", "DeliverableFilter", "totalCount"),
        ("events", "EventFilter", "totalCount"),
        ("leadership", "LeadershipWhere", "totalCount"),
        (
            "aggregate",
            "EntityFilter",
            "entityCount byRelationType { count }",
        ),
    ];
    for (field, filter_type, fields) in lists {
        let whole = data(&format!("{{ {field} {{ {fields} }} }}"), json!({})).await;
        let q =
            format!("query ($where: {filter_type}) {{ {field}(where: $where) {{ {fields} }} }}");
        assert_eq!(data(&q, json!({})).await, whole, "{field}, left out");
        assert_eq!(
            data(&q, json!({ "where": null })).await,
            whole,
            "{field}, null"
        );
    }
}
