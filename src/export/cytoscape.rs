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
    let nodes: Vec<Value> = sub
        .entities
        .iter()
        .map(|e| {
            let mut data = Map::new();
            data.insert("id".into(), json!(e.id.as_str()));
            data.insert("label".into(), json!(e.name));
            for (name, value) in entity_attributes(e) {
                data.insert(name.into(), value.to_json());
            }
            json!({ "data": data })
        })
        .collect();
    let edges: Vec<Value> = sub
        .relations
        .iter()
        .map(|r| {
            let mut data = Map::new();
            data.insert("id".into(), json!(r.id()));
            data.insert("source".into(), json!(r.from.as_str()));
            data.insert("target".into(), json!(r.to.as_str()));
            for (name, value) in relation_attributes(r) {
                data.insert(name.into(), value.to_json());
            }
            json!({ "data": data })
        })
        .collect();
    json!({ "elements": { "nodes": nodes, "edges": edges } })
}
