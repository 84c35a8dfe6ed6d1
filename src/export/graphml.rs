//! GraphML, as Gephi and `networkx.read_graphml` read it: a directed graph,
//! node ids the entity ids, edge ids the relation ids, one `<key>` per
//! attribute and a `<data>` for each attribute an entity or relation has.
//!
//! Key ids are `n_<name>` / `e_<name>`, never a bare name: Gephi treats
//! some key ids (`label`, `weight`, `d3`, `x`, ...) as node or edge
//! properties. The `label` keys give Gephi its labels (the entity's name,
//! the relation's type; Gephi keeps parallel edges apart by label).

use std::borrow::Cow;
use std::io::Write;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::{
    entity_attributes, relation_attributes, AttrType, ExportError, ENTITY_ATTRIBUTES,
    RELATION_ATTRIBUTES,
};
use crate::graph::Subgraph;

const GRAPHML_NS: &str = "http://graphml.graphdrawing.org/xmlns";
const SCHEMA_LOCATION: &str =
    "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";

/// `sub` as a GraphML document (UTF-8).
pub fn graphml(sub: &Subgraph<'_>) -> Result<Vec<u8>, ExportError> {
    let mut bytes = Vec::new();
    write(sub, &mut bytes).map_err(|e| ExportError::Write(e.to_string()))?;
    Ok(bytes)
}

/// Writes `sub` as a GraphML document (UTF-8) to `out`, element by element.
pub(super) fn write(sub: &Subgraph<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("graphml")
        .with_attribute(("xmlns", GRAPHML_NS))
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute(("xsi:schemaLocation", SCHEMA_LOCATION))
        .write_inner_content(|w| {
            key(w, "node", "label", AttrType::Text)?;
            for (name, ty) in ENTITY_ATTRIBUTES {
                key(w, "node", name, *ty)?;
            }
            key(w, "edge", "label", AttrType::Text)?;
            for (name, ty) in RELATION_ATTRIBUTES {
                key(w, "edge", name, *ty)?;
            }
            w.create_element("graph")
                .with_attribute(("id", "civgraph"))
                .with_attribute(("edgedefault", "directed"))
                .write_inner_content(|w| {
                    for e in &sub.entities {
                        w.create_element("node")
                            .with_attribute(("id", e.id.as_str()))
                            .write_inner_content(|w| {
                                data(w, "n_label", &e.name)?;
                                for (name, value) in entity_attributes(sub.graph, e) {
                                    data(w, &format!("n_{name}"), &value.text())?;
                                }
                                Ok(())
                            })?;
                    }
                    for r in &sub.relations {
                        w.create_element("edge")
                            .with_attribute(("id", r.id().as_str()))
                            .with_attribute(("source", r.from().id.as_str()))
                            .with_attribute(("target", r.to().id.as_str()))
                            .write_inner_content(|w| {
                                data(w, "e_label", r.rel_type.as_str())?;
                                for (name, value) in relation_attributes(*r) {
                                    data(w, &format!("e_{name}"), &value.text())?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    w.into_inner().write_all(b"\n")
}

fn key(
    w: &mut Writer<&mut dyn Write>,
    domain: &str,
    name: &str,
    ty: AttrType,
) -> std::io::Result<()> {
    let prefix = if domain == "node" { "n" } else { "e" };
    let ty = match ty {
        AttrType::Text => "string",
        AttrType::Int => "int",
    };
    w.create_element("key")
        .with_attribute(("id", format!("{prefix}_{name}").as_str()))
        .with_attribute(("for", domain))
        .with_attribute(("attr.name", name))
        .with_attribute(("attr.type", ty))
        .write_empty()?;
    Ok(())
}

fn data(w: &mut Writer<&mut dyn Write>, key: &str, value: &str) -> std::io::Result<()> {
    w.create_element("data")
        .with_attribute(("key", key))
        .write_text_content(BytesText::new(&xml_chars(value)))?;
    Ok(())
}

/// `text` without the characters XML 1.0 cannot hold at all (control
/// characters other than tab, line feed and carriage return; U+FFFE, U+FFFF).
/// The rest is escaped by the writer.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_hold_are_dropped() {
        assert_eq!(xml_chars("a\u{1}b\u{FFFF}\tc"), "ab\tc");
        assert!(matches!(xml_chars("plain & <fine>"), Cow::Borrowed(_)));
    }
}
