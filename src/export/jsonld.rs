//! JSON-LD with schema.org terms: one node per entity in `@graph`, its
//! `@id` the entity id, relations written as the schema.org properties that
//! say the same thing, and as `civgraph:` properties where schema.org has
//! none.
//!
//! | civgraph | schema.org |
//! | --- | --- |
//! | Organisation | `Organization` (`alternateName`, `parentOrganization` / `subOrganization` from PART_OF) |
//! | Person | `Person` (`affiliation`, `worksFor` as a `Role` and `jobTitle` from AFFILIATED_WITH; `memberOf` as a `Role` with `roleName` from MEMBER_OF and LEADS) |
//! | Group | `Organization` with `additionalType` `civgraph:Group` and `civgraph:groupKind` |
//! | Deliverable | `CreativeWork` (`creator` from PRODUCED, DEVELOPED, AUTHORED; `about` from FEATURES; `creativeWorkStatus`) |
//! | Event | `Event` (`startDate`, `superEvent` / `subEvent`, `performer` from SPOKE_AT, and as a `Role` "moderator" from MODERATED) |
//!
//! COORDINATES, SUPPORTS and PRESENTED become `civgraph:coordinates`,
//! `civgraph:supports` and `civgraph:presented` on the entity they go from
//! (a `Role` when the relation has a role).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::graph::{RelationRef, Subgraph};
use crate::model::{Details, Entity, EntityId, EntityKind, RelationType};

/// The IRI the `civgraph:` prefix stands for.
pub const CIVGRAPH_VOCAB: &str = "urn:civgraph:vocab:";

/// The JSON-LD document of `sub`: `@context` and `@graph`.
pub fn jsonld(sub: &Subgraph<'_>) -> Value {
    serde_json::to_value(document(sub)).expect("a JSON-LD document is JSON")
}

/// The same document, each node made as it is written (streamed: the
/// document is never whole in memory).
pub(super) fn document<'s>(sub: &'s Subgraph<'s>) -> Document<'s> {
    let mut outgoing: HashMap<&EntityId, Vec<RelationRef<'_>>> = HashMap::new();
    let mut incoming: HashMap<&EntityId, Vec<RelationRef<'_>>> = HashMap::new();
    for &r in &sub.relations {
        outgoing.entry(&r.from().id).or_default().push(r);
        incoming.entry(&r.to().id).or_default().push(r);
    }
    Document {
        context: context(),
        graph: Nodes {
            sub,
            outgoing,
            incoming,
        },
    }
}

/// A JSON-LD document, its keys in the order `serde_json` writes an
/// object's (sorted).
#[derive(serde::Serialize)]
pub(super) struct Document<'s> {
    #[serde(rename = "@context")]
    context: Value,
    #[serde(rename = "@graph")]
    graph: Nodes<'s>,
}

/// The `@graph` list, one node per entity.
pub(super) struct Nodes<'s> {
    sub: &'s Subgraph<'s>,
    outgoing: HashMap<&'s EntityId, Vec<RelationRef<'s>>>,
    incoming: HashMap<&'s EntityId, Vec<RelationRef<'s>>>,
}

impl serde::Serialize for Nodes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.sub.entities.iter().map(|e| {
            let outgoing = self.outgoing.get(&e.id).map_or(&[][..], Vec::as_slice);
            let incoming = self.incoming.get(&e.id).map_or(&[][..], Vec::as_slice);
            Value::Object(node(e, outgoing, incoming))
        }))
    }
}

fn context() -> Value {
    let mut ctx = Map::new();
    ctx.insert("@vocab".into(), json!("https://schema.org/"));
    ctx.insert("schema".into(), json!("https://schema.org/"));
    ctx.insert("civgraph".into(), json!(CIVGRAPH_VOCAB));
    // Entity ids (`person:okan-geray`) are compact IRIs under these prefixes.
    for kind in EntityKind::ALL {
        ctx.insert(
            kind.prefix().into(),
            json!(format!("urn:civgraph:{}:", kind.prefix())),
        );
    }
    ctx.insert("additionalType".into(), json!({ "@type": "@id" }));
    ctx.insert("url".into(), json!({ "@type": "@id" }));
    Value::Object(ctx)
}

fn reference(id: &EntityId) -> Value {
    json!({ "@id": id.as_str() })
}

/// The schema.org Role pattern: `{"@type": "Role", <property>: target, "roleName": role}`.
fn role(property: &str, target: &EntityId, role_name: &str) -> Value {
    json!({ "@type": "Role", property: reference(target), "roleName": role_name })
}

/// Appends `value` to the list under `key`.
fn push(node: &mut Map<String, Value>, key: &str, value: Value) {
    match node.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(list) => list.push(value),
        other => *other = Value::Array(vec![other.take(), value]),
    }
}

fn set(node: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    node.insert(key.to_string(), value.into());
}

fn node(
    e: &Entity,
    outgoing: &[RelationRef<'_>],
    incoming: &[RelationRef<'_>],
) -> Map<String, Value> {
    let mut n = Map::new();
    let ty = match e.kind() {
        EntityKind::Organisation | EntityKind::Group => "Organization",
        EntityKind::Person => "Person",
        EntityKind::Deliverable => "CreativeWork",
        EntityKind::Event => "Event",
    };
    set(&mut n, "@id", e.id.as_str());
    set(&mut n, "@type", ty);
    set(&mut n, "name", &*e.name);
    for alias in e.aliases() {
        push(&mut n, "alternateName", json!(alias));
    }
    if let Some(d) = e.description() {
        set(&mut n, "description", d);
    }
    if let Some(note) = e.note() {
        set(&mut n, "civgraph:note", note);
    }
    match &e.details {
        Details::Organisation { acronym, category } => {
            if let Some(a) = acronym.as_ref().filter(|a| !e.aliases().contains(a)) {
                push(&mut n, "alternateName", json!(a));
            }
            set(&mut n, "civgraph:category", category.as_str());
        }
        Details::Person { honorific } => {
            if let Some(h) = honorific {
                set(&mut n, "honorificPrefix", &**h);
            }
        }
        Details::Group {
            group_kind,
            number,
            status,
        } => {
            set(&mut n, "additionalType", "civgraph:Group");
            set(&mut n, "civgraph:groupKind", group_kind.as_str());
            if let Some(number) = number {
                set(&mut n, "civgraph:number", *number);
            }
            set(&mut n, "civgraph:status", status.as_str());
        }
        Details::Deliverable {
            deliverable_kind,
            status,
            url,
        } => {
            set(
                &mut n,
                "civgraph:deliverableKind",
                deliverable_kind.as_str(),
            );
            set(&mut n, "creativeWorkStatus", status.as_str());
            if let Some(url) = url {
                set(&mut n, "url", &**url);
            }
        }
        Details::Event {
            event_kind,
            date,
            number,
        } => {
            set(&mut n, "civgraph:eventKind", event_kind.as_str());
            if let Some(date) = date {
                set(&mut n, "startDate", &**date);
            }
            if let Some(number) = number {
                set(&mut n, "civgraph:number", *number);
            }
        }
    }
    for r in outgoing {
        outgoing_property(&mut n, e, *r);
    }
    for r in incoming {
        incoming_property(&mut n, e, *r);
    }
    n
}

/// What a relation `e` is the `from` of says about `e`.
fn outgoing_property(n: &mut Map<String, Value>, e: &Entity, relation: RelationRef<'_>) {
    use RelationType as T;
    let (to, r) = (&relation.to().id, relation.get());
    let role_or_reference = |property: &str| match relation.role() {
        Some(name) => role(property, to, name),
        None => reference(to),
    };
    match r.rel_type {
        T::AffiliatedWith => {
            push(n, "affiliation", reference(to));
            push(n, "worksFor", role_or_reference("worksFor"));
            if let Some(title) = relation.role() {
                push(n, "jobTitle", json!(title));
            }
        }
        T::MemberOf => push(n, "memberOf", role_or_reference("memberOf")),
        T::Leads => {
            let name = relation.role().unwrap_or("leader");
            push(n, "memberOf", role("memberOf", to, name));
        }
        T::PartOf if e.kind() == EntityKind::Event => push(n, "superEvent", reference(to)),
        T::PartOf => push(n, "parentOrganization", reference(to)),
        T::Features => push(n, "about", reference(to)),
        T::Coordinates => push(
            n,
            "civgraph:coordinates",
            role_or_reference("civgraph:coordinates"),
        ),
        T::Supports => push(
            n,
            "civgraph:supports",
            role_or_reference("civgraph:supports"),
        ),
        T::Presented => push(
            n,
            "civgraph:presented",
            role_or_reference("civgraph:presented"),
        ),
        // Said on the other end, where schema.org has the property.
        T::Produced | T::Developed | T::Authored | T::Moderated | T::SpokeAt => {}
    }
}

/// What a relation `e` is the `to` of says about `e`.
fn incoming_property(n: &mut Map<String, Value>, e: &Entity, relation: RelationRef<'_>) {
    use RelationType as T;
    let from = &relation.from().id;
    match relation.rel_type {
        T::PartOf if e.kind() == EntityKind::Event => push(n, "subEvent", reference(from)),
        T::PartOf => push(n, "subOrganization", reference(from)),
        T::Produced | T::Developed | T::Authored => push(n, "creator", reference(from)),
        T::SpokeAt => push(n, "performer", reference(from)),
        T::Moderated => push(n, "performer", role("performer", from, "moderator")),
        // Said on the other end.
        T::AffiliatedWith
        | T::MemberOf
        | T::Leads
        | T::Features
        | T::Coordinates
        | T::Supports
        | T::Presented => {}
    }
}
