//! Cytoscape.js elements JSON:
//! `{"elements": {"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}}`,
//! as `cy.add(json.elements)` or `cytoscape({elements})` take it.
//!
//! A node's `data` has `id`, `label` (the name) and the entity's attributes;
//! an edge's has `id`, `source`, `target` and the relation's attributes
//! (`type`, `role`, ...). Absent attributes are left out.

use serde_json::{json, Map, Value};

use super::{entity_attributes, relation_attributes};
use crate::graph::Subgraph;

/// The Cytoscape.js document of `sub`.
pub fn cytoscape(sub: &Subgraph<'_>) -> Value {
    serde_json::to_value(document(sub)).expect("a Cytoscape.js document is JSON")
}

/// The same document, each element made as it is written (streamed: the
/// document is never whole in memory).
pub(super) fn document<'s>(sub: &'s Subgraph<'s>) -> Document<'s> {
    Document {
        elements: Elements {
            edges: Edges(sub),
            nodes: Nodes(sub),
        },
    }
}

/// `{"elements": {"edges": [...], "nodes": [...]}}`, keys in the order
/// `serde_json` writes an object's (sorted).
#[derive(serde::Serialize)]
pub(super) struct Document<'s> {
    elements: Elements<'s>,
}

#[derive(serde::Serialize)]
struct Elements<'s> {
    edges: Edges<'s>,
    nodes: Nodes<'s>,
}

struct Nodes<'s>(&'s Subgraph<'s>);

struct Edges<'s>(&'s Subgraph<'s>);

impl serde::Serialize for Nodes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.entities.iter().map(|e| {
            let mut data = Map::new();
            data.insert("id".into(), json!(e.id.as_str()));
            data.insert("label".into(), json!(e.name));
            for (name, value) in entity_attributes(self.0.graph, e) {
                data.insert(name.into(), value.to_json());
            }
            json!({ "data": data })
        }))
    }
}

impl serde::Serialize for Edges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.relations.iter().map(|r| {
            let mut data = Map::new();
            data.insert("id".into(), json!(r.id()));
            data.insert("source".into(), json!(r.from().id.as_str()));
            data.insert("target".into(), json!(r.to().id.as_str()));
            for (name, value) in relation_attributes(*r) {
                data.insert(name.into(), value.to_json());
            }
            json!({ "data": data })
        }))
    }
}
