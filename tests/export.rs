//! The exports analysts take to Gephi, networkx, Cytoscape and
//! spreadsheets: each read back with the parser its tool would use
//! (quick-xml, serde_json, the csv crate, networkx when it is installed),
//! through the library, the HTTP routes and the command line.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use civgraph::api::{self, QueryLimits};
use civgraph::export::{self, Format, Scope, ENTITY_COLUMNS, LEADERSHIP_COLUMNS, RELATION_COLUMNS};
use civgraph::graph::{Graph, LeadershipFilter, Subgraph};
use civgraph::http::{app, AppState, HttpConfig};
use civgraph::model::{
    ArcStr, Details, Document, Entity, EntityId, GroupKind, GroupStatus, OrganisationCategory,
    Relation, RelationType, Source, Sources,
};
use http_body_util::BodyExt;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;
use tower::ServiceExt;

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled graph, `graph-data/`.
fn bundled() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let graph = civgraph::loader::load_dir(&crate_root().join("graph-data"))
                .unwrap_or_else(|err| panic!("the bundled graph does not load:\n{err}"));
            Arc::new(graph)
        })
        .clone()
}

const TRICKY_NAME: &str = "Acme & Sons <\"Ltd\"> 'quoted', ]]> ok";
const TRICKY_DESCRIPTION: &str = "line one\nline two, with a comma & a \"quote\"";
const TRICKY_ROLE: &str = "@Chief <Officer> & \"Co\"";

/// A graph whose text holds everything XML, JSON and CSV must escape, and
/// cells a spreadsheet would read as formulas.
fn tricky() -> Graph {
    let doc = Arc::new(Document {
        key: "doc".into(),
        title: "Report <2025> & \"notes\"".into(),
        publisher: "Publisher".into(),
        date: None,
        url: None,
        text_file: None,
    });
    let source = |quote: &str| -> Sources {
        [Source {
            document: doc.clone(),
            section: None,
            quote: quote.into(),
        }]
        .into()
    };
    let id = |s: &str| EntityId::parse(s).unwrap();
    let entity = |eid: &str, name: &str, details: Details| Entity::new(id(eid), name, details);
    let mut acme = entity(
        "organisation:acme",
        TRICKY_NAME,
        Details::Organisation {
            acronym: Some("A&S".into()),
            category: OrganisationCategory::Company,
        },
    );
    acme.set_aliases(["A&S".into(), "=ACME".into()].into());
    acme.set_description(Some(TRICKY_DESCRIPTION.into()));
    acme.set_note(Some("-5 is not a formula".into()));
    let mut eve = entity(
        "person:eve",
        "=HYPERLINK(\"http://example.invalid\")",
        Details::Person { honorific: None },
    );
    eve.set_description(Some("a control\u{1} character".into()));
    let group = entity(
        "group:g",
        "Group \"G\"",
        Details::Group {
            group_kind: GroupKind::WorkingGroup,
            number: Some(3),
            status: GroupStatus::Active,
        },
    );
    let relation = |t: RelationType, from: &str, to: &str, role: Option<&str>| Relation {
        rel_type: t,
        from: id(from),
        to: id(to),
        role: role.map(ArcStr::from),
        note: None,
        sources: source("+1 for the quote"),
    };
    let relations = vec![
        relation(
            RelationType::AffiliatedWith,
            "person:eve",
            "organisation:acme",
            Some(TRICKY_ROLE),
        ),
        relation(RelationType::Leads, "person:eve", "group:g", Some("Chair")),
        relation(RelationType::MemberOf, "organisation:acme", "group:g", None),
    ];
    let entities = [acme, eve, group].map(|e| (e, source("a quote")));
    Graph::new(vec![doc.clone()], entities.into(), relations).unwrap()
}

// ---------------------------------------------------------------- GraphML

/// A GraphML document read back with quick-xml.
#[derive(Debug, Default)]
struct GraphMl {
    edgedefault: String,
    /// key id -> (for, attr.name, attr.type)
    keys: HashMap<String, (String, String, String)>,
    /// node id -> attr.name -> value
    nodes: Vec<(String, HashMap<String, String>)>,
    /// (edge id, source, target, attr.name -> value)
    edges: Vec<(String, String, String, HashMap<String, String>)>,
}

impl GraphMl {
    fn node(&self, id: &str) -> &HashMap<String, String> {
        &self
            .nodes
            .iter()
            .find(|(n, _)| n == id)
            .unwrap_or_else(|| panic!("no node {id}"))
            .1
    }
}

fn parse_graphml(bytes: &[u8]) -> GraphMl {
    let text = std::str::from_utf8(bytes).expect("GraphML is UTF-8");
    let mut reader = Reader::from_str(text);
    let mut out = GraphMl::default();
    let mut data_key: Option<String> = None;
    let mut value = String::new();
    let attrs_of = |e: &quick_xml::events::BytesStart<'_>| -> HashMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.expect("a well-formed attribute");
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("an escaped value")
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML at {}: {e}", reader.error_position()));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let a = attrs_of(&e);
                match e.name().as_ref() {
                    b"key" => {
                        out.keys.insert(
                            a["id"].clone(),
                            (
                                a["for"].clone(),
                                a["attr.name"].clone(),
                                a["attr.type"].clone(),
                            ),
                        );
                    }
                    b"graph" => out.edgedefault = a["edgedefault"].clone(),
                    b"node" => out.nodes.push((a["id"].clone(), HashMap::new())),
                    b"edge" => out.edges.push((
                        a["id"].clone(),
                        a["source"].clone(),
                        a["target"].clone(),
                        HashMap::new(),
                    )),
                    b"data" => {
                        data_key = Some(a["key"].clone());
                        value.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(t) if data_key.is_some() => value.push_str(&t.xml10_content().unwrap()),
            Event::GeneralRef(r) if data_key.is_some() => {
                match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => value.push(c),
                    None => {
                        let name = r.decode().unwrap();
                        let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("undeclared entity &{name};"));
                        value.push_str(resolved);
                    }
                }
            }
            Event::End(e) if e.name().as_ref() == b"data" => {
                let key = data_key.take().expect("data opened");
                let (domain, name, _) = out
                    .keys
                    .get(&key)
                    .unwrap_or_else(|| panic!("data for undeclared key {key}"))
                    .clone();
                let target = if domain == "node" {
                    &mut out.nodes.last_mut().expect("data inside a node").1
                } else {
                    &mut out.edges.last_mut().expect("data inside an edge").3
                };
                assert!(
                    target.insert(name.clone(), value.clone()).is_none(),
                    "{name} twice"
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn graphml_has_a_node_per_entity_and_an_edge_per_relation() {
    let graph = bundled();
    let parsed = parse_graphml(&export::graphml(&graph.everything()).unwrap());
    assert_eq!(parsed.edgedefault, "directed");
    let node_ids: BTreeSet<&str> = parsed.nodes.iter().map(|(id, _)| id.as_str()).collect();
    let entity_ids: BTreeSet<&str> = graph.entities().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(parsed.nodes.len(), graph.entities().len());
    assert_eq!(node_ids, entity_ids);
    assert_eq!(parsed.edges.len(), graph.relations().len());
    for ((id, source, target, data), r) in parsed.edges.iter().zip(graph.relations()) {
        assert_eq!(
            (id.as_str(), source.as_str(), target.as_str()),
            (r.id().as_str(), r.from().id.as_str(), r.to().id.as_str())
        );
        assert_eq!(data["type"], r.rel_type.as_str());
        assert_eq!(data.get("role").map(String::as_str), r.role());
        assert_eq!(
            data["source_quote"],
            r.sources().next().unwrap().quote.text()
        );
    }
    let okan = parsed.node("person:okan-geray");
    assert_eq!(okan["name"], "Okan Geray");
    assert_eq!(okan["label"], "Okan Geray");
    assert_eq!(okan["kind"], "PERSON");
    // Every key is typed as networkx and Gephi read it.
    for (id, (domain, name, ty)) in &parsed.keys {
        assert!(domain == "node" || domain == "edge", "{id}");
        let want = if name == "number" { "int" } else { "string" };
        assert_eq!(ty, want, "{id}");
    }
}

#[test]
fn graphml_escapes_text_and_omits_absent_attributes() {
    let graph = tricky();
    let bytes = export::graphml(&graph.everything()).unwrap();
    let parsed = parse_graphml(&bytes);
    let acme = parsed.node("organisation:acme");
    assert_eq!(acme["name"], TRICKY_NAME);
    assert_eq!(acme["description"], TRICKY_DESCRIPTION);
    assert_eq!(acme["aliases"], "A&S; =ACME");
    assert_eq!(acme["acronym"], "A&S");
    assert_eq!(acme["category"], "COMPANY");
    assert_eq!(acme["source_document"], "Report <2025> & \"notes\"");
    assert!(!acme.contains_key("group_kind") && !acme.contains_key("number"));
    let eve = parsed.node("person:eve");
    assert_eq!(
        eve["description"], "a control character",
        "XML cannot hold U+0001"
    );
    assert!(!eve.contains_key("note") && !eve.contains_key("aliases"));
    let group = parsed.node("group:g");
    assert_eq!(group["number"], "3");
    assert_eq!(group["group_kind"], "WORKING_GROUP");
    let affiliation = &parsed
        .edges
        .iter()
        .find(|e| e.3["type"] == "AFFILIATED_WITH")
        .unwrap()
        .3;
    assert_eq!(affiliation["role"], TRICKY_ROLE);
    let member = &parsed
        .edges
        .iter()
        .find(|e| e.3["type"] == "MEMBER_OF")
        .unwrap()
        .3;
    assert!(!member.contains_key("role"));
}

// ---------------------------------------------------------------- JSON-LD

fn jsonld_nodes(doc: &Value) -> HashMap<String, &Value> {
    doc["@graph"]
        .as_array()
        .expect("an @graph list")
        .iter()
        .map(|n| (n["@id"].as_str().expect("an @id").to_string(), n))
        .collect()
}

/// The values of `key` on `node`, as a list whether written as one or many.
fn values<'a>(node: &'a Value, key: &str) -> Vec<&'a Value> {
    match &node[key] {
        Value::Null => Vec::new(),
        Value::Array(list) => list.iter().collect(),
        one => vec![one],
    }
}

fn refers(list: &[&Value], id: &EntityId) -> bool {
    list.iter().any(|v| v["@id"] == id.as_str())
}

fn has_role(list: &[&Value], property: &str, id: &EntityId, role: &str) -> bool {
    list.iter()
        .any(|v| v["@type"] == "Role" && v[property]["@id"] == id.as_str() && v["roleName"] == role)
}

#[test]
fn jsonld_types_every_entity_with_schema_org() {
    let graph = bundled();
    let bytes = export::export(
        &graph,
        Format::JsonLd,
        &Scope::default(),
        &LeadershipFilter::default(),
    )
    .unwrap()
    .bytes;
    let doc: Value = serde_json::from_slice(&bytes).expect("JSON-LD is JSON");
    assert_eq!(doc["@context"]["@vocab"], "https://schema.org/");
    assert!(doc["@context"]["civgraph"].is_string());
    let nodes = jsonld_nodes(&doc);
    assert_eq!(nodes.len(), graph.entities().len());
    for e in graph.entities() {
        let node = nodes
            .get(e.id.as_str())
            .unwrap_or_else(|| panic!("no @id {}", e.id));
        let want = match &e.details {
            Details::Organisation { .. } | Details::Group { .. } => "Organization",
            Details::Person { .. } => "Person",
            Details::Deliverable { .. } => "CreativeWork",
            Details::Event { .. } => "Event",
        };
        assert_eq!(node["@type"], want, "{}", e.id);
        assert_eq!(node["name"], &*e.name);
        if let Details::Group { group_kind, .. } = &e.details {
            assert_eq!(node["additionalType"], "civgraph:Group");
            assert_eq!(node["civgraph:groupKind"], group_kind.as_str());
        }
        if let Details::Event { date: Some(d), .. } = &e.details {
            assert_eq!(node["startDate"], &**d);
        }
    }
}

#[test]
fn jsonld_says_what_each_relation_says() {
    use RelationType as T;
    let graph = bundled();
    let doc = export::jsonld(&graph.everything());
    let nodes = jsonld_nodes(&doc);
    let node = |id: &EntityId| nodes[id.as_str()];
    for r in graph.relations() {
        let (from, to) = (node(&r.from().id), node(&r.to().id));
        let role = r.role();
        let ok = match r.rel_type {
            T::AffiliatedWith => {
                refers(&values(from, "affiliation"), &r.to().id)
                    && role.is_none_or(|t| {
                        values(from, "jobTitle").contains(&&Value::from(t))
                            && has_role(&values(from, "worksFor"), "worksFor", &r.to().id, t)
                    })
            }
            T::Leads => has_role(
                &values(from, "memberOf"),
                "memberOf",
                &r.to().id,
                role.unwrap_or("leader"),
            ),
            T::MemberOf => match role {
                Some(t) => has_role(&values(from, "memberOf"), "memberOf", &r.to().id, t),
                None => refers(&values(from, "memberOf"), &r.to().id),
            },
            T::PartOf if r.from().id.kind() == civgraph::model::EntityKind::Event => {
                refers(&values(from, "superEvent"), &r.to().id)
                    && refers(&values(to, "subEvent"), &r.from().id)
            }
            T::PartOf => {
                refers(&values(from, "parentOrganization"), &r.to().id)
                    && refers(&values(to, "subOrganization"), &r.from().id)
            }
            T::Produced | T::Developed | T::Authored => {
                refers(&values(to, "creator"), &r.from().id)
            }
            T::Features => refers(&values(from, "about"), &r.to().id),
            T::SpokeAt => refers(&values(to, "performer"), &r.from().id),
            T::Moderated => has_role(
                &values(to, "performer"),
                "performer",
                &r.from().id,
                "moderator",
            ),
            T::Coordinates | T::Supports | T::Presented => {
                let property = format!("civgraph:{}", r.rel_type.as_str().to_ascii_lowercase());
                let list = values(from, &property);
                match role {
                    Some(t) => has_role(&list, &property, &r.to().id, t),
                    None => refers(&list, &r.to().id),
                }
            }
        };
        assert!(ok, "{} is not said in the JSON-LD", r.display_id());
    }
}

// ---------------------------------------------------------------- Cytoscape

#[test]
fn cytoscape_has_a_node_per_entity_and_an_edge_per_relation() {
    let graph = bundled();
    let doc = export::cytoscape(&graph.everything());
    let nodes = doc["elements"]["nodes"].as_array().unwrap();
    let edges = doc["elements"]["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), graph.entities().len());
    assert_eq!(edges.len(), graph.relations().len());
    let ids: HashSet<&str> = nodes
        .iter()
        .map(|n| n["data"]["id"].as_str().unwrap())
        .collect();
    for n in nodes {
        assert!(n["data"]["label"].is_string() && n["data"]["kind"].is_string());
    }
    for (edge, r) in edges.iter().zip(graph.relations()) {
        let data = &edge["data"];
        assert_eq!(data["id"], r.id().as_str());
        assert_eq!(data["type"], r.rel_type.as_str());
        assert_eq!(data["role"].as_str(), r.role());
        assert!(ids.contains(data["source"].as_str().unwrap()));
        assert!(ids.contains(data["target"].as_str().unwrap()));
    }
}

// ---------------------------------------------------------------- CSV

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed CSV record");
            assert_eq!(r.len(), headers.len());
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, rows)
}

#[test]
fn entities_csv_has_the_documented_columns_and_a_row_per_entity() {
    let graph = bundled();
    let (headers, rows) = read_csv(&export::entities_csv(&graph.everything()).unwrap());
    assert_eq!(headers, ENTITY_COLUMNS);
    assert_eq!(rows.len(), graph.entities().len());
    for (row, e) in rows.iter().zip(graph.entities()) {
        assert_eq!(row["id"], e.id.as_str());
        assert_eq!(row["kind"], e.kind().as_str());
        let first = graph
            .sources_of(e)
            .next()
            .expect("a loaded entity has a source");
        assert_eq!(row["source_quote"], first.quote.text());
    }
}

#[test]
fn relations_csv_has_the_documented_columns_and_a_row_per_relation() {
    let graph = bundled();
    let (headers, rows) = read_csv(&export::relations_csv(&graph.everything()).unwrap());
    assert_eq!(headers, RELATION_COLUMNS);
    assert_eq!(rows.len(), graph.relations().len());
    for (row, r) in rows.iter().zip(graph.relations()) {
        assert_eq!(row["id"], r.id());
        assert_eq!(row["from"], r.from().id.as_str());
        assert_eq!(
            row["to_name"],
            &*graph.entity(r.to().id.as_str()).unwrap().name
        );
        assert_eq!(row["role"], r.role().unwrap_or_default());
    }
}

#[test]
fn leadership_csv_has_a_row_per_leadership() {
    let graph = bundled();
    let all = graph.leaderships(&LeadershipFilter::default());
    let (headers, rows) = read_csv(&export::leadership_csv(&all).unwrap());
    assert_eq!(headers, LEADERSHIP_COLUMNS);
    assert_eq!(rows.len(), all.len());
    assert_eq!(
        rows.len(),
        graph
            .relations()
            .filter(|r| r.rel_type == RelationType::Leads)
            .count()
    );
    for (row, l) in rows.iter().zip(&all) {
        assert_eq!(row["leader_id"], l.leader.id.as_str());
        assert_eq!(row["led_id"], l.led.id.as_str());
        let top_down: Vec<&str> = l.led_parents.iter().rev().map(|p| &*p.name).collect();
        assert_eq!(row["parents"], top_down.join(" > "));
    }
    // Leyi Zhang leads a working group of the DPI thematic group, below U4SSC.
    let leyi = rows
        .iter()
        .find(|r| r["leader_id"] == "person:leyi-zhang")
        .expect("Leyi Zhang leads a group");
    assert_eq!(leyi["group_kind"], "WORKING_GROUP");
    assert!(
        leyi["parents"].starts_with("United for Smart Sustainable Cities > "),
        "{}",
        leyi["parents"]
    );
}

#[test]
fn csv_cells_round_trip_and_never_run_as_formulas() {
    let graph = tricky();
    let (_, entities) = read_csv(&export::entities_csv(&graph.everything()).unwrap());
    let acme = entities
        .iter()
        .find(|r| r["id"] == "organisation:acme")
        .unwrap();
    assert_eq!(acme["name"], TRICKY_NAME);
    assert_eq!(acme["description"], TRICKY_DESCRIPTION);
    assert_eq!(
        acme["aliases"], "A&S; =ACME",
        "only a leading = is a formula"
    );
    let eve = entities.iter().find(|r| r["id"] == "person:eve").unwrap();
    assert_eq!(eve["name"], "'=HYPERLINK(\"http://example.invalid\")");
    let (_, relations) = read_csv(&export::relations_csv(&graph.everything()).unwrap());
    for row in &relations {
        assert_eq!(row["source_quote"], "'+1 for the quote");
        assert!(row["from_name"] == TRICKY_NAME || row["from_name"].starts_with("'="));
    }
    let affiliation = relations
        .iter()
        .find(|r| r["type"] == "AFFILIATED_WITH")
        .unwrap();
    assert_eq!(affiliation["role"], format!("'{TRICKY_ROLE}"));
    let rows = graph.leaderships(&LeadershipFilter::default());
    let (_, leadership) = read_csv(&export::leadership_csv(&rows).unwrap());
    assert_eq!(leadership.len(), 1);
    assert_eq!(
        leadership[0]["leader_affiliations"],
        format!("'{TRICKY_ROLE}, {TRICKY_NAME}")
    );
    for cell in leadership[0].values().chain(acme.values()) {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
    }
}

// ---------------------------------------------------------------- neighbourhoods

/// Hops from `root` to every entity it reaches, relations (of `types`)
/// taken either way: computed here, independently of the graph module.
fn distances(graph: &Graph, root: &str, types: Option<&[RelationType]>) -> HashMap<String, usize> {
    let mut adjacent: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in graph.relations() {
        if types.is_some_and(|t| !t.contains(&r.rel_type)) {
            continue;
        }
        adjacent
            .entry(r.from().id.as_str())
            .or_default()
            .push(r.to().id.as_str());
        adjacent
            .entry(r.to().id.as_str())
            .or_default()
            .push(r.from().id.as_str());
    }
    let mut dist = HashMap::from([(root.to_string(), 0)]);
    let mut queue = VecDeque::from([root]);
    while let Some(at) = queue.pop_front() {
        let d = dist[at];
        for &next in adjacent.get(at).into_iter().flatten() {
            if !dist.contains_key(next) {
                dist.insert(next.to_string(), d + 1);
                queue.push_back(next);
            }
        }
    }
    dist
}

fn check_neighbourhood(
    graph: &Graph,
    sub: &Subgraph<'_>,
    root: &str,
    depth: usize,
    types: Option<&[RelationType]>,
) {
    let dist = distances(graph, root, types);
    let want: BTreeSet<&str> = dist
        .iter()
        .filter(|(_, d)| **d <= depth)
        .map(|(id, _)| id.as_str())
        .collect();
    let got: BTreeSet<&str> = sub.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(sub.entities[0].id.as_str(), root, "the root comes first");
    assert_eq!(got, want, "{root} at depth {depth}");
    assert!(!sub.truncated);
    for r in &sub.relations {
        assert!(got.contains(r.from().id.as_str()) && got.contains(r.to().id.as_str()));
        assert!(types.is_none_or(|t| t.contains(&r.rel_type)));
    }
}

#[test]
fn neighbourhood_exports_hold_the_root_and_only_what_lies_within_depth() {
    let graph = bundled();
    for root in ["person:okan-geray", "group:u4ssc", "person:leyi-zhang"] {
        for depth in 0..=3 {
            let scope = Scope::new(Some(root), Some(depth), None).unwrap();
            check_neighbourhood(&graph, &scope.select(&graph).unwrap(), root, depth, None);
        }
    }
    let types = [RelationType::Leads, RelationType::PartOf];
    let scope = Scope::new(Some("person:leyi-zhang"), Some(3), Some("LEADS,PART_OF")).unwrap();
    check_neighbourhood(
        &graph,
        &scope.select(&graph).unwrap(),
        "person:leyi-zhang",
        3,
        Some(&types),
    );

    // What the formats write is that neighbourhood.
    let scope = Scope::new(Some("person:okan-geray"), Some(2), None).unwrap();
    let sub = scope.select(&graph).unwrap();
    let written = |format| {
        export::export(&graph, format, &scope, &LeadershipFilter::default())
            .unwrap()
            .bytes
    };
    let parsed = parse_graphml(&written(Format::GraphMl));
    assert_eq!(parsed.nodes.len(), sub.entities.len());
    assert_eq!(parsed.edges.len(), sub.relations.len());
    assert_eq!(parsed.nodes[0].0, "person:okan-geray");
    let (_, rows) = read_csv(&written(Format::EntitiesCsv));
    assert_eq!(rows.len(), sub.entities.len());
    let (_, rows) = read_csv(&written(Format::RelationsCsv));
    assert_eq!(rows.len(), sub.relations.len());
    let (_, rows) = read_csv(&written(Format::LeadershipCsv));
    let leads = sub
        .relations
        .iter()
        .filter(|r| r.rel_type == RelationType::Leads)
        .count();
    assert_eq!(rows.len(), leads);
}

#[test]
fn the_whole_graph_with_types_keeps_every_entity_and_only_those_relations() {
    let graph = bundled();
    let sub = Scope::new(None, None, Some("part_of"))
        .unwrap()
        .select(&graph)
        .unwrap();
    assert_eq!(sub.entities.len(), graph.entities().len());
    assert!(!sub.relations.is_empty());
    assert!(sub
        .relations
        .iter()
        .all(|r| r.rel_type == RelationType::PartOf));
}

#[test]
fn a_neighbourhood_past_the_budget_is_cut_and_says_so() {
    let graph = bundled();
    let mut scope = Scope::new(Some("group:u4ssc"), Some(3), None).unwrap();
    scope.budget = 5;
    let made = export::export(
        &graph,
        Format::Cytoscape,
        &scope,
        &LeadershipFilter::default(),
    )
    .unwrap();
    assert!(made.truncated);
    let doc: Value = serde_json::from_slice(&made.bytes).unwrap();
    assert_eq!(doc["elements"]["nodes"].as_array().unwrap().len(), 5);
}

#[test]
fn an_unknown_root_is_not_found() {
    let graph = bundled();
    let err = Scope::new(Some("person:nobody"), None, None)
        .unwrap()
        .select(&graph)
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

// ---------------------------------------------------------------- HTTP

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

async fn get(uri: &str) -> Reply {
    let state = AppState::new(
        bundled(),
        api::schema(QueryLimits::default()),
        HttpConfig::default(),
    );
    let response = app(state)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn every_export_route_answers_a_download_of_its_type() {
    let graph = bundled();
    let routes = [
        (
            "/export/graphml",
            "application/graphml+xml",
            "civgraph-graph.graphml",
        ),
        (
            "/export/jsonld",
            "application/ld+json",
            "civgraph-graph.jsonld",
        ),
        (
            "/export/cytoscape",
            "application/json",
            "civgraph-cytoscape.json",
        ),
        (
            "/export/entities.csv",
            "text/csv; charset=utf-8",
            "civgraph-entities.csv",
        ),
        (
            "/export/relations.csv",
            "text/csv; charset=utf-8",
            "civgraph-relations.csv",
        ),
        (
            "/export/leadership.csv",
            "text/csv; charset=utf-8",
            "civgraph-leadership.csv",
        ),
    ];
    for (uri, content_type, file) in routes {
        let reply = get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.header("content-type"), Some(content_type), "{uri}");
        assert_eq!(
            reply.header("content-disposition"),
            Some(format!("attachment; filename=\"{file}\"").as_str()),
            "{uri}"
        );
        assert_eq!(reply.header("x-civgraph-truncated"), None, "{uri}");
    }
    let parsed = parse_graphml(&get("/export/graphml").await.body);
    assert_eq!(parsed.nodes.len(), graph.entities().len());
    let (_, rows) = read_csv(&get("/export/entities.csv").await.body);
    assert_eq!(rows.len(), graph.entities().len());
    let doc = get("/export/cytoscape").await.json();
    assert_eq!(
        doc["elements"]["edges"].as_array().unwrap().len(),
        graph.relations().len()
    );
}

/// A download is streamed in chunks as it is written; the bytes are the
/// same as the export written in one piece, across chunk boundaries (the
/// bundled graph's GraphML is over 64 KiB, a chunk's size).
#[tokio::test]
async fn streamed_downloads_hold_the_same_bytes_as_the_export() {
    let graph = bundled();
    let formats = [
        ("graphml", Format::GraphMl),
        ("jsonld", Format::JsonLd),
        ("cytoscape", Format::Cytoscape),
        ("entities.csv", Format::EntitiesCsv),
        ("relations.csv", Format::RelationsCsv),
        ("leadership.csv", Format::LeadershipCsv),
    ];
    for (route, format) in formats {
        for query in ["", "?root=person:okan-geray&depth=2"] {
            let reply = get(&format!("/export/{route}{query}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{route}{query}");
            let root = (!query.is_empty()).then_some("person:okan-geray");
            let scope = Scope::new(root, root.map(|_| 2), None).unwrap();
            let made =
                export::export(&graph, format, &scope, &LeadershipFilter::default()).unwrap();
            assert_eq!(reply.body.len(), made.bytes.len(), "{route}{query}");
            assert!(reply.body == made.bytes, "{route}{query}: the bytes differ");
        }
    }
    assert!(export::graphml(&graph.everything()).unwrap().len() > 64 << 10);
}

/// A browser asks for compressed downloads: the streamed body, compressed
/// as it goes, decompresses to the export's bytes (gzip and brotli).
#[tokio::test]
async fn compressed_downloads_decompress_to_the_export() {
    use std::io::Read;
    let graph = bundled();
    let scope = Scope::new(None, None, None).unwrap();
    for (route, format) in [
        ("graphml", Format::GraphMl),
        ("leadership.csv", Format::LeadershipCsv),
    ] {
        let made = export::export(&graph, format, &scope, &LeadershipFilter::default())
            .unwrap()
            .bytes;
        for encoding in ["gzip", "br"] {
            let state = AppState::new(
                bundled(),
                api::schema(QueryLimits::default()),
                HttpConfig::default(),
            );
            let request = Request::get(format!("/export/{route}"))
                .header("accept-encoding", encoding)
                .body(Body::empty())
                .unwrap();
            let response = app(state).oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers().get("content-encoding").unwrap(),
                encoding,
                "{route}"
            );
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let mut plain = Vec::new();
            match encoding {
                "gzip" => flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut plain)
                    .unwrap(),
                _ => brotli::Decompressor::new(&body[..], 4096)
                    .read_to_end(&mut plain)
                    .unwrap(),
            };
            assert!(plain == made, "{route} {encoding}: the bytes differ");
        }
    }
}

#[tokio::test]
async fn export_routes_take_a_root_depth_and_types() {
    let reply = get("/export/cytoscape?root=person:okan-geray&depth=0").await;
    assert_eq!(reply.status, StatusCode::OK);
    let nodes = reply.json()["elements"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["data"]["id"], "person:okan-geray");
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"civgraph-cytoscape-person-okan-geray-depth0.json\"")
    );

    // Depth 1 by default when a root is given.
    let graph = bundled();
    let reply = get("/export/relations.csv?root=person:okan-geray").await;
    let (_, rows) = read_csv(&reply.body);
    let dist = distances(&graph, "person:okan-geray", None);
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(dist[&row["from"]] <= 1 && dist[&row["to"]] <= 1, "{row:?}");
    }

    let reply = get("/export/relations.csv?types=LEADS,part_of").await;
    assert_eq!(reply.status, StatusCode::OK);
    let (_, rows) = read_csv(&reply.body);
    assert!(rows
        .iter()
        .all(|r| r["type"] == "LEADS" || r["type"] == "PART_OF"));
}

#[tokio::test]
async fn bad_export_parameters_are_400_and_unknown_roots_404() {
    for uri in [
        "/export/graphml?root=okan",
        "/export/graphml?root=Person:Okan",
        "/export/graphml?root=person:okan-geray&depth=6",
        "/export/graphml?root=person:okan-geray&depth=-1",
        "/export/graphml?root=person:okan-geray&depth=two",
        "/export/graphml?depth=2",
        "/export/graphml?types=",
        "/export/graphml?colour=red",
        "/export/entities.csv?groupKind=WORKING_GROUP",
        "/export/leadership.csv?groupKind=COMMITTEE",
        "/export/leadership.csv?leaderOrganisation=group:u4ssc",
        "/export/leadership.csv?under=u4ssc",
    ] {
        let reply = get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{uri}"
        );
        assert!(reply.json()["error"].is_string(), "{uri}");
    }
    let reply = get("/export/jsonld?types=LEADS,CHAIRS").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = reply.json();
    assert!(body["error"].as_str().unwrap().contains("CHAIRS"), "{body}");
    let accepted: Vec<&str> = body["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let every: Vec<&str> = RelationType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(accepted, every);

    for uri in [
        "/export/graphml?root=person:nobody",
        "/export/leadership.csv?under=group:nothing",
    ] {
        let reply = get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            reply.json()["error"].as_str().unwrap().contains("nobody") || uri.contains("nothing")
        );
    }
}

#[tokio::test]
async fn the_leadership_table_takes_its_filters() {
    let reply = get("/export/leadership.csv?groupKind=working_group").await;
    assert_eq!(reply.status, StatusCode::OK);
    let (headers, rows) = read_csv(&reply.body);
    assert_eq!(headers, LEADERSHIP_COLUMNS);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["group_kind"] == "WORKING_GROUP"));

    let reply = get("/export/leadership.csv?role=chair").await;
    let (_, rows) = read_csv(&reply.body);
    assert!(rows.iter().any(|r| r["leader_id"] == "person:okan-geray"));
    assert!(rows
        .iter()
        .all(|r| r["role"].to_lowercase().contains("chair")));

    let all = read_csv(&get("/export/leadership.csv").await.body).1;
    let under = read_csv(
        &get("/export/leadership.csv?under=group:tg-digital-public-infrastructure")
            .await
            .body,
    )
    .1;
    assert!(!under.is_empty() && under.len() < all.len());
}

#[tokio::test]
async fn the_404_answer_lists_the_export_routes() {
    let reply = get("/export/gexf").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let routes = reply.json()["routes"].clone();
    for route in ["GET /export/graphml", "GET /export/leadership.csv"] {
        assert!(
            routes.as_array().unwrap().contains(&Value::from(route)),
            "{routes}"
        );
    }
}

// ---------------------------------------------------------------- command line

/// `civgraph` run from the crate root, untouched by the caller's environment.
fn civgraph(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_civgraph"));
    cmd.args(args)
        .current_dir(crate_root())
        .env_remove("CIVGRAPH_DATA")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    cmd.output()
        .unwrap_or_else(|err| panic!("cannot run civgraph {args:?}: {err}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn cli_export_writes_each_format_to_stdout_or_a_file() {
    let graph = bundled();
    let out = civgraph(&["export", "--format", "graphml", "--data", "graph-data"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let parsed = parse_graphml(&out.stdout);
    assert_eq!(parsed.nodes.len(), graph.entities().len());
    assert_eq!(parsed.edges.len(), graph.relations().len());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("okan.csv");
    let out = civgraph(&[
        "export",
        "--format",
        "entities-csv",
        "--root",
        "person:okan-geray",
        "--depth",
        "2",
        "--types",
        "LEADS,PART_OF",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let (_, rows) = read_csv(&std::fs::read(&file).unwrap());
    let dist = distances(
        &graph,
        "person:okan-geray",
        Some(&[RelationType::Leads, RelationType::PartOf]),
    );
    let want = dist.values().filter(|d| **d <= 2).count();
    assert_eq!(rows.len(), want);

    for format in Format::NAMES {
        let out = civgraph(&["export", "--format", format]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert!(!out.stdout.is_empty(), "{format}");
    }

    // A destination that cannot be written is named, with the cause, and
    // nothing else (not the temporary file it would have been written to).
    let missing = dir.path().join("no-such-folder").join("out.csv");
    let out = civgraph(&[
        "export",
        "--format",
        "entities-csv",
        "--out",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let message = stderr(&out);
    let expected = format!(
        "error: cannot write {}: there is no folder {}",
        missing.display(),
        missing.parent().unwrap().display()
    );
    assert_eq!(message.trim_end(), expected);
    assert!(!missing.exists());
}

#[tokio::test]
async fn cli_leadership_csv_takes_the_routes_filters_as_flags() {
    let filtered = civgraph(&[
        "export",
        "--format",
        "leadership-csv",
        "--group-kind",
        "WORKING_GROUP,THEMATIC_GROUP",
        "--under",
        "group:u4ssc",
        "--role",
        "lead",
    ]);
    assert!(filtered.status.success(), "{}", stderr(&filtered));
    let route = get(
        "/export/leadership.csv?groupKind=WORKING_GROUP,THEMATIC_GROUP&under=group:u4ssc&role=lead",
    )
    .await;
    assert_eq!(filtered.stdout, route.body.to_vec());
    let all = civgraph(&["export", "--format", "leadership-csv"]);
    let (_, some) = read_csv(&filtered.stdout);
    let (_, every) = read_csv(&all.stdout);
    assert!(
        !some.is_empty() && some.len() < every.len(),
        "{} of {}",
        some.len(),
        every.len()
    );

    // Mistakes name the flag; filters on another format are refused.
    let out = civgraph(&[
        "export",
        "--format",
        "leadership-csv",
        "--leader-organisation",
        "group:u4ssc",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("`--leader-organisation`: `group:u4ssc` is not an organisation"),
        "{}",
        stderr(&out)
    );
    let out = civgraph(&["export", "--format", "graphml", "--role", "chair"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("leadership-csv"), "{}", stderr(&out));
}

#[test]
fn cli_export_refuses_bad_arguments_and_bad_data() {
    let out = civgraph(&["export", "--format", "graphml", "--root", "person:nobody"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("person:nobody"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    let out = civgraph(&["export", "--format", "gexf"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("graphml"), "{}", stderr(&out));

    let out = civgraph(&["export", "--format", "graphml", "--types", "CHAIRS"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("LEADS"), "{}", stderr(&out));

    let out = civgraph(&[
        "export",
        "--format",
        "graphml",
        "--data",
        "tests/fixtures/invalid/unknown-reference",
    ]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let file = "tests/fixtures/invalid/unknown-reference/relations.toml:";
    assert!(
        err.lines().filter(|l| l.starts_with(file)).count() >= 2,
        "{err}"
    );
}

#[test]
fn cli_query_prints_the_response_and_fails_on_errors() {
    let graph = bundled();
    let out = civgraph(&["query", "{ stats { entityCount relationCount } }"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["data"]["stats"]["entityCount"], graph.entities().len());
    assert_eq!(
        body["data"]["stats"]["relationCount"],
        graph.relations().len()
    );
    assert!(body.get("errors").is_none());

    let out = civgraph(&[
        "query",
        "--variables",
        r#"{"id": "person:okan-geray"}"#,
        "query($id: ID!) { entity(id: $id) { name } }",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["data"]["entity"]["name"], "Okan Geray");

    let out = civgraph(&["query", "{ entity(id: \"okan\") { name } }"]);
    assert_eq!(out.status.code(), Some(1));
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let out = civgraph(&["query", "{ nosuchfield }"]);
    assert_eq!(out.status.code(), Some(1));
    let out = civgraph(&["query", "--variables", "[1]", "{ stats { entityCount } }"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--variables"), "{}", stderr(&out));
}

// ---------------------------------------------------------------- networkx

#[test]
fn networkx_reads_the_bundled_graphml() {
    let available = Command::new("python3")
        .args(["-c", "import networkx"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        return;
    }
    let graph = bundled();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("civgraph.graphml");
    std::fs::write(&file, export::graphml(&graph.everything()).unwrap()).unwrap();
    let script = "import sys, networkx as nx\n\
                  g = nx.read_graphml(sys.argv[1])\n\
                  print(g.is_directed(), g.number_of_nodes(), g.number_of_edges())\n\
                  print(g.nodes['person:okan-geray']['name'])";
    let out = Command::new("python3")
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "True {} {}",
                graph.entities().len(),
                graph.relations().len()
            )
            .as_str()
        )
    );
    assert_eq!(lines.next(), Some("Okan Geray"));
}
