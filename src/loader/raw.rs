//! The shape of a data file as written by hand, before any check.
//!
//! Everything a curator can get wrong is optional or a string here, so that
//! the loader can report each mistake with its line instead of stopping at
//! the first one serde meets. Unknown keys are ignored by serde and reported
//! by the loader (each with its line), so one typo does not hide a file.

/// The tables a data file may hold.
pub const TABLES: &[&str] = &[
    "document",
    "organisation",
    "person",
    "group",
    "deliverable",
    "event",
    "relation",
];

/// The keys of a `[[document]]`.
pub const DOCUMENT_KEYS: &[&str] = &["key", "title", "publisher", "date", "url", "text_file"];

/// The keys of an entity table (which apply to which kind is checked apart).
pub const ENTITY_KEYS: &[&str] = &[
    "id",
    "name",
    "aliases",
    "description",
    "note",
    "source",
    "category",
    "acronym",
    "honorific",
    "group_kind",
    "number",
    "status",
    "deliverable_kind",
    "url",
    "event_kind",
    "date",
];

/// The keys of a `[[relation]]`.
pub const RELATION_KEYS: &[&str] = &["type", "from", "to", "role", "note", "source"];

/// The keys of a source.
pub const SOURCE_KEYS: &[&str] = &["doc", "section", "quote"];

use serde::Deserialize;

use crate::model::EntityKind;
use toml::Spanned;

/// One `*.toml` file of graph-data.
#[derive(Debug, Default, Deserialize)]
pub struct RawFile {
    #[serde(default)]
    pub document: Vec<Spanned<RawDocument>>,
    #[serde(default)]
    pub organisation: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    pub person: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    pub group: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    pub deliverable: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    pub event: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    pub relation: Vec<Spanned<RawRelation>>,
}

/// A `[[document]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawDocument {
    pub key: Option<Spanned<String>>,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<String>,
    pub text_file: Option<String>,
}

/// A `[[<table>.source]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawSource {
    pub doc: Option<Spanned<String>>,
    pub section: Option<String>,
    pub quote: Option<Spanned<String>>,
}

/// An entity entry of any kind; the loader checks which of the kind-specific
/// fields apply.
#[derive(Debug, Default, Deserialize)]
pub struct RawEntity {
    pub id: Option<Spanned<String>>,
    pub name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub description: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub source: Vec<Spanned<RawSource>>,
    // organisation
    pub category: Option<Spanned<String>>,
    pub acronym: Option<Spanned<String>>,
    // person
    pub honorific: Option<Spanned<String>>,
    // group, event
    pub group_kind: Option<Spanned<String>>,
    pub number: Option<Spanned<u32>>,
    // group, deliverable
    pub status: Option<Spanned<String>>,
    // deliverable
    pub deliverable_kind: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    // event
    pub event_kind: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
}

/// A `[[relation]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawRelation {
    #[serde(rename = "type")]
    pub rel_type: Option<Spanned<String>>,
    pub from: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub role: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub source: Vec<Spanned<RawSource>>,
}

/// One entry of a data file.
// Entries are handed on one at a time, never stored as records: boxing the
// large variant would cost an allocation per entity for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RawRecord {
    Document(Spanned<RawDocument>),
    Entity(EntityKind, Spanned<RawEntity>),
    Relation(Spanned<RawRelation>),
}

impl RawRecord {
    /// Where [`RawFile::into_records`] puts the record: documents, then
    /// entities by kind, then relations.
    #[cfg(test)]
    pub fn table_rank(&self) -> usize {
        match self {
            RawRecord::Document(_) => 0,
            RawRecord::Entity(kind, _) => 1 + *kind as usize,
            RawRecord::Relation(_) => 1 + EntityKind::ALL.len(),
        }
    }
}

impl RawFile {
    /// Every entry: documents, then entities by kind (in [`EntityKind`]'s
    /// order), then relations, each table as written.
    pub fn into_records(self) -> impl Iterator<Item = RawRecord> {
        let entities = [
            (EntityKind::Organisation, self.organisation),
            (EntityKind::Person, self.person),
            (EntityKind::Group, self.group),
            (EntityKind::Deliverable, self.deliverable),
            (EntityKind::Event, self.event),
        ];
        debug_assert!(entities
            .iter()
            .map(|(k, _)| *k)
            .eq(EntityKind::ALL.iter().copied()));
        let documents = self.document.into_iter().map(RawRecord::Document);
        let entities = entities
            .into_iter()
            .flat_map(|(kind, list)| list.into_iter().map(move |e| RawRecord::Entity(kind, e)));
        let relations = self.relation.into_iter().map(RawRecord::Relation);
        documents.chain(entities).chain(relations)
    }
}
