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

use std::borrow::Cow;

use serde::Deserialize;

use crate::model::EntityKind;
use toml::Spanned;

/// A string value: borrowed from the file's text when it is written as it
/// reads (the plain reader's common case), so that reading a value that is
/// only looked at (an id, a type, a document key) allocates nothing.
pub type Text<'a> = Cow<'a, str>;

/// One `*.toml` file of graph-data.
#[derive(Debug, Default, Deserialize)]
pub struct RawFile<'a> {
    #[serde(default)]
    pub document: Vec<Spanned<RawDocument<'a>>>,
    #[serde(default)]
    pub organisation: Vec<Spanned<RawEntity<'a>>>,
    #[serde(default)]
    pub person: Vec<Spanned<RawEntity<'a>>>,
    #[serde(default)]
    pub group: Vec<Spanned<RawEntity<'a>>>,
    #[serde(default)]
    pub deliverable: Vec<Spanned<RawEntity<'a>>>,
    #[serde(default)]
    pub event: Vec<Spanned<RawEntity<'a>>>,
    #[serde(default)]
    pub relation: Vec<Spanned<RawRelation<'a>>>,
}

/// A `[[document]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawDocument<'a> {
    pub key: Option<Spanned<Text<'a>>>,
    pub title: Option<Text<'a>>,
    pub publisher: Option<Text<'a>>,
    pub date: Option<Spanned<Text<'a>>>,
    pub url: Option<Text<'a>>,
    pub text_file: Option<Text<'a>>,
}

/// A `[[<table>.source]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawSource<'a> {
    pub doc: Option<Spanned<Text<'a>>>,
    pub section: Option<Text<'a>>,
    pub quote: Option<Spanned<Text<'a>>>,
}

/// An entity entry of any kind; the loader checks which of the kind-specific
/// fields apply.
#[derive(Debug, Default, Deserialize)]
pub struct RawEntity<'a> {
    pub id: Option<Spanned<Text<'a>>>,
    pub name: Option<Text<'a>>,
    #[serde(default)]
    pub aliases: Vec<Text<'a>>,
    pub description: Option<Text<'a>>,
    pub note: Option<Text<'a>>,
    #[serde(default)]
    pub source: Vec<Spanned<RawSource<'a>>>,
    // organisation
    pub category: Option<Spanned<Text<'a>>>,
    pub acronym: Option<Spanned<Text<'a>>>,
    // person
    pub honorific: Option<Spanned<Text<'a>>>,
    // group, event
    pub group_kind: Option<Spanned<Text<'a>>>,
    pub number: Option<Spanned<u32>>,
    // group, deliverable
    pub status: Option<Spanned<Text<'a>>>,
    // deliverable
    pub deliverable_kind: Option<Spanned<Text<'a>>>,
    pub url: Option<Spanned<Text<'a>>>,
    // event
    pub event_kind: Option<Spanned<Text<'a>>>,
    pub date: Option<Spanned<Text<'a>>>,
}

/// A `[[relation]]` entry.
#[derive(Debug, Default, Deserialize)]
pub struct RawRelation<'a> {
    #[serde(rename = "type")]
    pub rel_type: Option<Spanned<Text<'a>>>,
    pub from: Option<Spanned<Text<'a>>>,
    pub to: Option<Spanned<Text<'a>>>,
    pub role: Option<Text<'a>>,
    pub note: Option<Text<'a>>,
    #[serde(default)]
    pub source: Vec<Spanned<RawSource<'a>>>,
}

/// One entry of a data file.
#[derive(Debug)]
pub enum RawRecord<'a> {
    Document(Spanned<RawDocument<'a>>),
    /// Boxed: an entity's fields (about 560 bytes) are nearly three times
    /// a relation's, and every record is moved a few times on its way from
    /// the reader, as large as its largest kind; entities are a sixth of
    /// the records.
    Entity(EntityKind, Box<Spanned<RawEntity<'a>>>),
    Relation(Spanned<RawRelation<'a>>),
}

impl RawRecord<'_> {
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

impl<'a> RawFile<'a> {
    /// Every entry: documents, then entities by kind (in [`EntityKind`]'s
    /// order), then relations, each table as written.
    pub fn into_records(self) -> impl Iterator<Item = RawRecord<'a>> {
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
        let entities = entities.into_iter().flat_map(|(kind, list)| {
            list.into_iter()
                .map(move |e| RawRecord::Entity(kind, Box::new(e)))
        });
        let relations = self.relation.into_iter().map(RawRecord::Relation);
        documents.chain(entities).chain(relations)
    }
}

/// `spanned` with its value converted by `f`, at the same place.
pub fn map_spanned<T, U>(spanned: Spanned<T>, f: impl FnOnce(T) -> U) -> Spanned<U> {
    let span = spanned.span();
    Spanned::new(span, f(spanned.into_inner()))
}

/// `text`, owning its string: an entry kept after its file's text is gone
/// (one with a problem, checked once every file is read) owns its strings.
fn own(text: Text<'_>) -> Text<'static> {
    Cow::Owned(text.into_owned())
}

fn own_spanned(text: Spanned<Text<'_>>) -> Spanned<Text<'static>> {
    map_spanned(text, own)
}

impl RawDocument<'_> {
    /// The same entry, owning its strings.
    pub fn into_owned(self) -> RawDocument<'static> {
        RawDocument {
            key: self.key.map(own_spanned),
            title: self.title.map(own),
            publisher: self.publisher.map(own),
            date: self.date.map(own_spanned),
            url: self.url.map(own),
            text_file: self.text_file.map(own),
        }
    }
}

impl RawSource<'_> {
    /// The same entry, owning its strings.
    pub fn into_owned(self) -> RawSource<'static> {
        RawSource {
            doc: self.doc.map(own_spanned),
            section: self.section.map(own),
            quote: self.quote.map(own_spanned),
        }
    }
}

/// Sources, owning their strings.
fn own_sources(sources: Vec<Spanned<RawSource<'_>>>) -> Vec<Spanned<RawSource<'static>>> {
    sources
        .into_iter()
        .map(|s| map_spanned(s, RawSource::into_owned))
        .collect()
}

impl RawEntity<'_> {
    /// The same entry, owning its strings.
    pub fn into_owned(self) -> RawEntity<'static> {
        RawEntity {
            id: self.id.map(own_spanned),
            name: self.name.map(own),
            aliases: self.aliases.into_iter().map(own).collect(),
            description: self.description.map(own),
            note: self.note.map(own),
            source: own_sources(self.source),
            category: self.category.map(own_spanned),
            acronym: self.acronym.map(own_spanned),
            honorific: self.honorific.map(own_spanned),
            group_kind: self.group_kind.map(own_spanned),
            number: self.number,
            status: self.status.map(own_spanned),
            deliverable_kind: self.deliverable_kind.map(own_spanned),
            url: self.url.map(own_spanned),
            event_kind: self.event_kind.map(own_spanned),
            date: self.date.map(own_spanned),
        }
    }
}

impl RawRelation<'_> {
    /// The same entry, owning its strings.
    pub fn into_owned(self) -> RawRelation<'static> {
        RawRelation {
            rel_type: self.rel_type.map(own_spanned),
            from: self.from.map(own_spanned),
            to: self.to.map(own_spanned),
            role: self.role.map(own),
            note: self.note.map(own),
            source: own_sources(self.source),
        }
    }
}
