//! The vocabulary of the graph: identifiers, kinds, relation types and the
//! entity and relation records themselves.
//!
//! This module knows nothing of files, GraphQL or HTTP. Its enums spell their
//! values as they appear in the data files and in the API (`LEADS`,
//! `THEMATIC_GROUP`, ...).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Shared immutable text behind one pointer (8 bytes, where `Arc<str>` takes
/// 16): ids, roles, headings and notes, held by millions of records.
pub use arcstr::ArcStr;

use serde::{Deserialize, Serialize};

/// Declares a closed vocabulary: an enum whose variants are written in
/// `SCREAMING_SNAKE_CASE` in data files and in the API, with `ALL` in
/// declaration order, `as_str` and `FromStr`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order (the order used for sorting).
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as written in data files and in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        value: s.to_string(),
                        expected: &[$($text,)+],
                    }),
                }
            }
        }
    };
}

/// A value that is not part of a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{value}`, expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    /// What was written.
    pub value: String,
    /// Every value that would have been accepted.
    pub expected: &'static [&'static str],
}

vocabulary! {
    /// The five kinds of entity.
    EntityKind {
        Organisation = "ORGANISATION",
        Person = "PERSON",
        Group = "GROUP",
        Deliverable = "DELIVERABLE",
        Event = "EVENT",
    }
}

impl EntityKind {
    /// The lower-case prefix of this kind's ids (`person` in `person:okan-geray`).
    pub const fn prefix(self) -> &'static str {
        match self {
            EntityKind::Organisation => "organisation",
            EntityKind::Person => "person",
            EntityKind::Group => "group",
            EntityKind::Deliverable => "deliverable",
            EntityKind::Event => "event",
        }
    }

    /// Each kind by the first letter of its prefix. The prefixes start with
    /// different letters: this fails to compile otherwise.
    const BY_FIRST_LETTER: [Option<EntityKind>; 256] = {
        let mut table = [None; 256];
        let mut i = 0;
        while i < EntityKind::ALL.len() {
            let kind = EntityKind::ALL[i];
            let letter = kind.prefix().as_bytes()[0] as usize;
            assert!(
                table[letter].is_none(),
                "two kinds' id prefixes start with one letter"
            );
            table[letter] = Some(kind);
            i += 1;
        }
        table
    };

    /// The kind whose id prefix is `prefix`.
    pub fn from_prefix(prefix: &str) -> Option<EntityKind> {
        EntityKind::ALL
            .iter()
            .copied()
            .find(|k| k.prefix() == prefix)
    }
}

vocabulary! {
    /// The closed vocabulary of relation types; each goes `from -> to`.
    RelationType {
        AffiliatedWith = "AFFILIATED_WITH",
        Leads = "LEADS",
        MemberOf = "MEMBER_OF",
        PartOf = "PART_OF",
        Coordinates = "COORDINATES",
        Supports = "SUPPORTS",
        Produced = "PRODUCED",
        Developed = "DEVELOPED",
        Authored = "AUTHORED",
        Features = "FEATURES",
        Presented = "PRESENTED",
        Moderated = "MODERATED",
        SpokeAt = "SPOKE_AT",
    }
}

impl RelationType {
    /// Whether a relation of this type may go from an entity of kind `from`
    /// to one of kind `to` (the table in the contract).
    pub fn allows(self, from: EntityKind, to: EntityKind) -> bool {
        use EntityKind::*;
        match self {
            RelationType::AffiliatedWith => from == Person && to == Organisation,
            RelationType::Leads => {
                matches!(from, Person | Organisation) && matches!(to, Group | Organisation)
            }
            RelationType::MemberOf => matches!(from, Person | Organisation) && to == Group,
            RelationType::PartOf => from == to && matches!(from, Group | Organisation | Event),
            RelationType::Coordinates | RelationType::Supports => {
                from == Organisation && to == Group
            }
            RelationType::Produced => from == Group && to == Deliverable,
            RelationType::Developed => from == Organisation && to == Deliverable,
            RelationType::Authored => from == Person && to == Deliverable,
            RelationType::Features => from == Deliverable,
            RelationType::Presented => from == Person && matches!(to, Group | Deliverable | Event),
            RelationType::Moderated | RelationType::SpokeAt => from == Person && to == Event,
        }
    }

    /// The allowed `from -> to` kinds, as a sentence for error messages.
    pub fn rule(self) -> &'static str {
        match self {
            RelationType::AffiliatedWith => "Person -> Organisation",
            RelationType::Leads => "Person or Organisation -> Group or Organisation",
            RelationType::MemberOf => "Person or Organisation -> Group",
            RelationType::PartOf => {
                "Group -> Group, Organisation -> Organisation or Event -> Event"
            }
            RelationType::Coordinates | RelationType::Supports => "Organisation -> Group",
            RelationType::Produced => "Group -> Deliverable",
            RelationType::Developed => "Organisation -> Deliverable",
            RelationType::Authored => "Person -> Deliverable",
            RelationType::Features => "Deliverable -> any entity",
            RelationType::Presented => "Person -> Group, Deliverable or Event",
            RelationType::Moderated | RelationType::SpokeAt => "Person -> Event",
        }
    }
}

vocabulary! {
    /// Which way a relation is followed from the entity asked about.
    Direction {
        /// The relations the entity is `from`.
        Out = "OUT",
        /// The relations the entity is `to`.
        In = "IN",
        /// Both.
        Both = "BOTH",
    }
}

vocabulary! {
    /// What sort of organisation an organisation is.
    OrganisationCategory {
        /// A UN agency, programme, fund, commission or other UN entity.
        UnEntity = "UN_ENTITY",
        /// A bureau, division, academy or other unit inside an organisation.
        Unit = "UNIT",
        Company = "COMPANY",
        University = "UNIVERSITY",
        Foundation = "FOUNDATION",
        City = "CITY",
        GovernmentBody = "GOVERNMENT_BODY",
        Other = "OTHER",
    }
}

vocabulary! {
    /// What sort of group a group is.
    GroupKind {
        Initiative = "INITIATIVE",
        ThematicGroup = "THEMATIC_GROUP",
        WorkingGroup = "WORKING_GROUP",
        Secretariat = "SECRETARIAT",
        StudyGroup = "STUDY_GROUP",
    }
}

vocabulary! {
    /// Where a group stands.
    GroupStatus {
        Active = "ACTIVE",
        Concluded = "CONCLUDED",
        New = "NEW",
    }
}

vocabulary! {
    /// What sort of deliverable a deliverable is.
    DeliverableKind {
        Publication = "PUBLICATION",
        Framework = "FRAMEWORK",
        Guide = "GUIDE",
        Policy = "POLICY",
        Plan = "PLAN",
        Report = "REPORT",
        CaseStudy = "CASE_STUDY",
        Standard = "STANDARD",
    }
}

vocabulary! {
    /// Where a deliverable stands.
    DeliverableStatus {
        Published = "PUBLISHED",
        InDevelopment = "IN_DEVELOPMENT",
        Planned = "PLANNED",
        Approved = "APPROVED",
    }
}

vocabulary! {
    /// What sort of event an event is.
    EventKind {
        /// A whole meeting.
        Meeting = "MEETING",
        /// A part of a meeting: opening, session, closing.
        Session = "SESSION",
    }
}

/// Why a string is not a well-formed entity id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id has no `:` between kind and slug (or a relation id is not
    /// `relation:<type>/<from>/<to>`).
    #[error("`{0}` is not an entity or relation id: expected `<kind>:<slug>` (e.g. `person:okan-geray`) or `relation:<type>/<from>/<to>`")]
    Shape(String),
    /// The part before `:` is not one of the five kinds.
    #[error("`{0}` has an unknown kind `{1}`: expected organisation, person, group, deliverable or event")]
    Kind(String, String),
    /// The slug is empty or has characters outside `[a-z0-9-]`.
    #[error("`{0}` has an invalid slug: use lower-case letters, digits and `-` only")]
    Slug(String),
}

/// An entity's stable identifier, `<kind>:<slug>` (`person:okan-geray`).
///
/// Cheap to clone: the text is shared.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityId(ArcStr);

impl EntityId {
    /// Parses and checks `<kind>:<slug>`, slug in `[a-z0-9-]+`.
    pub fn parse(text: &str) -> Result<EntityId, IdError> {
        let (kind, slug) = text
            .split_once(':')
            .ok_or_else(|| IdError::Shape(text.to_string()))?;
        if EntityKind::from_prefix(kind).is_none() {
            return Err(IdError::Kind(text.to_string(), kind.to_string()));
        }
        let slug_ok = !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return Err(IdError::Slug(text.to_string()));
        }
        Ok(EntityId(ArcStr::from(text)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind named by the id's prefix: read off its first letter, as the
    /// kinds' prefixes start with different letters and an id's prefix is
    /// checked on construction. Sorts by kind call this millions of times.
    pub fn kind(&self) -> EntityKind {
        EntityKind::BY_FIRST_LETTER[usize::from(self.0.as_bytes()[0])]
            .expect("EntityId is validated on construction")
    }

    /// The part after `:`.
    pub fn slug(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, s)| s)
    }
}

/// Lets maps keyed by id be searched with a `&str`, without parsing it.
impl std::borrow::Borrow<str> for EntityId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

/// A document that facts are drawn from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The short key data files cite it by.
    pub key: String,
    /// Its title.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// When, as `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Where it can be read.
    pub url: Option<String>,
    /// The name of its plain-text copy, for `validate --sources DIR`.
    pub text_file: Option<String>,
}

/// A record's sources: one (the usual case) is held inline, more on the
/// heap.
pub type Sources = smallvec::SmallVec<[Source; 1]>;

/// Where a fact comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The document, shared by every source that cites it.
    pub document: Arc<Document>,
    /// The heading of the part of the document that holds the quote
    /// (headings repeat: the loader shares each distinct one).
    pub section: Option<ArcStr>,
    /// A verbatim passage that states the fact.
    pub quote: Box<str>,
}

impl Source {
    /// The source, borrowed as a graph's relations lend theirs.
    pub fn as_ref(&self) -> SourceRef<'_> {
        SourceRef {
            document: &self.document,
            section: self.section.as_deref(),
            quote: Quote::from(&*self.quote),
        }
    }
}

/// A source, borrowed: an entity's ([`Source::as_ref`]) or a relation's
/// from its graph's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceRef<'a> {
    /// The document.
    pub document: &'a Document,
    /// The heading of the part of the document that holds the quote.
    pub section: Option<&'a str>,
    /// A verbatim passage that states the fact.
    pub quote: Quote<'a>,
}

/// A source's quote, as a graph lends it: its text, or its text packed in
/// the graph's memory ([`Quote::text`] unpacks it).
#[derive(Clone, Copy)]
pub struct Quote<'a>(QuoteRepr<'a>);

#[derive(Clone, Copy)]
enum QuoteRepr<'a> {
    Text(&'a str),
    Packed(&'a [u8], &'a crate::graph::QuoteCodec),
}

impl<'a> Quote<'a> {
    /// A quote packed with `codec`.
    pub(crate) fn packed(bytes: &'a [u8], codec: &'a crate::graph::QuoteCodec) -> Quote<'a> {
        Quote(QuoteRepr::Packed(bytes, codec))
    }

    /// The quote's text: borrowed if it is held as text, else unpacked.
    pub fn text(self) -> std::borrow::Cow<'a, str> {
        match self.0 {
            QuoteRepr::Text(text) => std::borrow::Cow::Borrowed(text),
            QuoteRepr::Packed(bytes, codec) => std::borrow::Cow::Owned(codec.unpack(bytes)),
        }
    }
}

impl<'a> From<&'a str> for Quote<'a> {
    fn from(text: &'a str) -> Quote<'a> {
        Quote(QuoteRepr::Text(text))
    }
}

impl fmt::Display for Quote<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Debug for Quote<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

/// Quotes are equal when their texts are, however they are held.
impl PartialEq for Quote<'_> {
    fn eq(&self, other: &Quote<'_>) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Quote<'_> {}

impl PartialEq<str> for Quote<'_> {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}

impl PartialEq<&str> for Quote<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

/// The fields that only one kind of entity has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Details {
    Organisation {
        acronym: Option<Box<str>>,
        category: OrganisationCategory,
    },
    Person {
        honorific: Option<Box<str>>,
    },
    Group {
        group_kind: GroupKind,
        number: Option<u32>,
        status: GroupStatus,
    },
    Deliverable {
        deliverable_kind: DeliverableKind,
        status: DeliverableStatus,
        url: Option<Box<str>>,
    },
    Event {
        event_kind: EventKind,
        /// `YYYY-MM-DD`.
        date: Option<ArcStr>,
        number: Option<u32>,
    },
}

/// A node of the graph.
///
/// Its sources are not held here: they come with it into a graph
/// ([`crate::graph::Graph::new`] takes each entity with its sources), which
/// keeps them in its tables with the relations' and lends them by
/// [`crate::graph::Graph::sources_of`].
///
/// Its aliases, description and note, which most entities have none of,
/// are held apart ([`Entity::aliases`], [`Entity::description`],
/// [`Entity::note`]): 8 bytes when there are none, where they took 48.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    pub id: EntityId,
    pub name: Box<str>,
    text: Option<Box<EntityText>>,
    pub details: Details,
}

/// An entity's texts besides its name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct EntityText {
    aliases: Box<[Box<str>]>,
    description: Option<Box<str>>,
    note: Option<Box<str>>,
}

impl Entity {
    /// An entity with no alias, description or note.
    pub fn new(id: EntityId, name: impl Into<Box<str>>, details: Details) -> Entity {
        Entity {
            id,
            name: name.into(),
            text: None,
            details,
        }
    }

    /// The entity with `aliases`, `description` and `note` (what it had of
    /// them replaced).
    pub fn with_text(
        mut self,
        aliases: Box<[Box<str>]>,
        description: Option<Box<str>>,
        note: Option<Box<str>>,
    ) -> Entity {
        self.edit_text(|t| {
            *t = EntityText {
                aliases,
                description,
                note,
            }
        });
        self
    }

    /// The entity's kind (from its id).
    pub fn kind(&self) -> EntityKind {
        self.id.kind()
    }

    /// Other names and acronyms.
    pub fn aliases(&self) -> &[Box<str>] {
        self.text.as_ref().map_or(&[], |t| &t.aliases)
    }

    /// A short description.
    pub fn description(&self) -> Option<&str> {
        self.text.as_ref()?.description.as_deref()
    }

    /// A curator's remark, e.g. where the sources disagree.
    pub fn note(&self) -> Option<&str> {
        self.text.as_ref()?.note.as_deref()
    }

    /// The bytes its texts hold on the heap, as asked of the allocator (its
    /// id's text counted whole, though ids are shared; an event's date not,
    /// for events of one day share it).
    pub fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<Box<str>>| s.as_deref().map_or(0, str::len);
        // An id's text is counted and shared: two words, then the text.
        let id = 2 * std::mem::size_of::<usize>() + self.id.as_str().len();
        let text = self.text.as_ref().map_or(0, |t| {
            std::mem::size_of::<EntityText>()
                + std::mem::size_of_val(&t.aliases[..])
                + t.aliases.iter().map(|a| a.len()).sum::<usize>()
                + opt(&t.description)
                + opt(&t.note)
        });
        let details = match &self.details {
            Details::Organisation { acronym: s, .. }
            | Details::Person { honorific: s }
            | Details::Deliverable { url: s, .. } => opt(s),
            Details::Event { .. } | Details::Group { .. } => 0,
        };
        id + self.name.len() + text + details
    }

    /// Replaces the aliases.
    pub fn set_aliases(&mut self, aliases: Box<[Box<str>]>) {
        self.edit_text(|t| t.aliases = aliases);
    }

    /// Replaces the description.
    pub fn set_description(&mut self, description: Option<Box<str>>) {
        self.edit_text(|t| t.description = description);
    }

    /// Replaces the note.
    pub fn set_note(&mut self, note: Option<Box<str>>) {
        self.edit_text(|t| t.note = note);
    }

    /// Changes the texts by `edit`, keeping none apart when none is left.
    fn edit_text(&mut self, edit: impl FnOnce(&mut EntityText)) {
        let mut text = self.text.take().unwrap_or_default();
        edit(&mut text);
        self.text = (*text != EntityText::default()).then_some(text);
    }
}

/// An edge of the graph, `from -> to`.
///
/// This is a relation as written in the data, its ends named by id; a
/// graph holds it with its ends as positions and its texts in tables
/// (`graph::StoredRelation`).
/// Its id, `relation:<type>/<from>/<to>`, is not stored: [`Relation::id`]
/// writes it from the type and the ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    pub rel_type: RelationType,
    pub from: EntityId,
    pub to: EntityId,
    /// The role held, on LEADS, AFFILIATED_WITH, MEMBER_OF, PRESENTED
    /// (roles repeat: the loader shares each distinct one).
    pub role: Option<ArcStr>,
    /// A curator's remark, e.g. where the sources disagree.
    pub note: Option<ArcStr>,
    /// Held in the relation itself when there is one (as there usually is).
    pub sources: Sources,
}

impl Relation {
    /// The stable id of the relation of `rel_type` from `from` to `to`.
    pub fn make_id(rel_type: RelationType, from: &EntityId, to: &EntityId) -> String {
        RelationId { rel_type, from, to }.to_string()
    }

    /// `relation:<type>/<from>/<to>`, stable for the same data.
    pub fn id(&self) -> String {
        self.display_id().to_string()
    }

    /// The id, to be written without building a `String` first.
    pub fn display_id(&self) -> RelationId<'_> {
        RelationId {
            rel_type: self.rel_type,
            from: &self.from,
            to: &self.to,
        }
    }
}

/// A relation id, `relation:<type>/<from>/<to>`, written on demand.
#[derive(Clone, Copy, Debug)]
pub struct RelationId<'a> {
    pub rel_type: RelationType,
    pub from: &'a EntityId,
    pub to: &'a EntityId,
}

impl<'a> RelationId<'a> {
    /// What identifies the relation, to hash or compare (the id's text
    /// without writing it).
    pub fn key(self) -> (RelationType, &'a EntityId, &'a EntityId) {
        (self.rel_type, self.from, self.to)
    }

    /// The id's text in pieces, to be written one after the other. None
    /// needs escaping in JSON: entity ids are checked on parsing.
    pub fn parts(self) -> [&'a str; 6] {
        [
            "relation:",
            self.rel_type.id_segment(),
            "/",
            self.from.as_str(),
            "/",
            self.to.as_str(),
        ]
    }

    /// How this id compares with the id written `text`, as text, without
    /// writing it (a string that is no relation id compares consistently,
    /// and equals no relation's).
    pub fn cmp_with(self, text: &str) -> std::cmp::Ordering {
        let mine = (self.rel_type, self.from.as_str(), self.to.as_str());
        match split_relation_id(text) {
            Some(theirs) => cmp_id_parts(mine, theirs),
            // Not of the shape of any relation id: compare the full texts.
            None => self.to_string().as_str().cmp(text),
        }
    }
}

impl fmt::Display for RelationId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts()
            .into_iter()
            .try_for_each(|part| f.write_str(part))
    }
}

impl RelationType {
    /// The type as written in relation ids: `spoke-at` for `SPOKE_AT`.
    pub fn id_segment(self) -> &'static str {
        match self {
            RelationType::AffiliatedWith => "affiliated-with",
            RelationType::Leads => "leads",
            RelationType::MemberOf => "member-of",
            RelationType::PartOf => "part-of",
            RelationType::Coordinates => "coordinates",
            RelationType::Supports => "supports",
            RelationType::Produced => "produced",
            RelationType::Developed => "developed",
            RelationType::Authored => "authored",
            RelationType::Features => "features",
            RelationType::Presented => "presented",
            RelationType::Moderated => "moderated",
            RelationType::SpokeAt => "spoke-at",
        }
    }

    /// How relations of these types order by id: as their id segments,
    /// each followed by `/`.
    pub fn cmp_in_ids(self, other: RelationType) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        cmp_before_slash(self.id_segment().as_bytes(), other.id_segment().as_bytes())
    }

    /// The type whose id segment is `segment`.
    pub fn from_id_segment(segment: &str) -> Option<RelationType> {
        RelationType::ALL
            .iter()
            .copied()
            .find(|t| t.id_segment() == segment)
    }
}

/// `relation:<type>/<from>/<to>` split into its parts, when the type is
/// known and `from` is followed by a `/` (the ends are not checked).
fn split_relation_id(text: &str) -> Option<(RelationType, &str, &str)> {
    let rest = text.strip_prefix("relation:")?;
    let (ty, rest) = rest.split_once('/')?;
    let (from, to) = rest.split_once('/')?;
    Some((RelationType::from_id_segment(ty)?, from, to))
}

/// Compares two ids given as parts, as their texts compare. Neither a type
/// segment nor `from` holds a `/`, so each part is compared as itself
/// followed by `/`.
fn cmp_id_parts(
    a: (RelationType, &str, &str),
    b: (RelationType, &str, &str),
) -> std::cmp::Ordering {
    a.0.cmp_in_ids(b.0)
        .then_with(|| cmp_before_slash(a.1.as_bytes(), b.1.as_bytes()))
        .then_with(|| a.2.cmp(b.2))
}

/// Compares `a/` with `b/` where neither `a` nor `b` holds a `/`, as far as
/// the `/` (enough to order texts that continue after it).
pub(crate) fn cmp_before_slash(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let next = |s: &[u8]| s.get(n).copied().unwrap_or(b'/');
        next(a).cmp(&next(b))
    })
}

/// Checks the shape of a relation id, `relation:<type>/<from>/<to>`.
pub fn check_relation_id(id: &str) -> Result<(), IdError> {
    let shape = || IdError::Shape(id.to_string());
    let rest = id.strip_prefix("relation:").ok_or_else(shape)?;
    let mut parts = rest.splitn(3, '/');
    let (Some(ty), Some(from), Some(to)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(shape());
    };
    if RelationType::from_id_segment(ty).is_none() {
        return Err(shape());
    }
    EntityId::parse(from)?;
    EntityId::parse(to)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entity's aliases, description and note read back as set, one at
    /// a time or together; an entity with none of them equals one never
    /// given any.
    #[test]
    fn entity_texts_read_back_as_set() {
        let id = EntityId::parse("person:a").unwrap();
        let plain = Entity::new(id, "A", Details::Person { honorific: None });
        assert_eq!(plain.aliases(), &[] as &[Box<str>]);
        assert_eq!((plain.description(), plain.note()), (None, None));
        let mut e = plain.clone();
        e.set_note(Some("n".into()));
        assert_eq!((e.description(), e.note()), (None, Some("n")));
        e.set_aliases(["x".into(), "y".into()].into());
        e.set_description(Some("d".into()));
        assert_eq!(&*e.aliases().join(","), "x,y");
        assert_eq!((e.description(), e.note()), (Some("d"), Some("n")));
        let same = plain
            .clone()
            .with_text(e.aliases().into(), Some("d".into()), Some("n".into()));
        assert_eq!(same, e);
        e.set_aliases(Box::default());
        e.set_description(None);
        e.set_note(None);
        assert_eq!(e, plain);
        assert_eq!(plain.clone().with_text(Box::default(), None, None), plain);
    }

    /// `EntityId::kind` reads only the first letter.
    #[test]
    fn every_kind_is_told_by_its_ids_first_letter() {
        for &kind in EntityKind::ALL {
            let id = EntityId::parse(&format!("{}:x", kind.prefix())).unwrap();
            assert_eq!(id.kind(), kind);
        }
    }

    #[test]
    fn ids_parse_and_reject() {
        let id = EntityId::parse("person:okan-geray").unwrap();
        assert_eq!(id.kind(), EntityKind::Person);
        assert_eq!(id.slug(), "okan-geray");
        assert!(matches!(EntityId::parse("okan"), Err(IdError::Shape(_))));
        assert!(matches!(EntityId::parse("human:x"), Err(IdError::Kind(..))));
        assert!(matches!(
            EntityId::parse("person:Okan"),
            Err(IdError::Slug(_))
        ));
        assert!(matches!(EntityId::parse("person:"), Err(IdError::Slug(_))));
    }

    #[test]
    fn relation_ids_have_a_shape() {
        let from = EntityId::parse("person:a").unwrap();
        let to = EntityId::parse("group:b").unwrap();
        let id = Relation::make_id(RelationType::SpokeAt, &from, &to);
        assert_eq!(id, "relation:spoke-at/person:a/group:b");
        assert!(check_relation_id(&id).is_ok());
        assert!(check_relation_id("relation:garbage").is_err());
        assert!(check_relation_id("relation:").is_err());
        assert!(check_relation_id("relation:leads/person:a/Group:b").is_err());
    }

    #[test]
    fn relation_ids_order_as_their_text() {
        for t in RelationType::ALL {
            let kebab = t.as_str().to_ascii_lowercase().replace('_', "-");
            assert_eq!(t.id_segment(), kebab);
            assert_eq!(RelationType::from_id_segment(&kebab), Some(*t));
        }
        let ids = [
            "person:a",
            "person:a-b",
            "person:a0",
            "person:ab",
            "person:a-",
            "group:a",
            "group:a-b-c",
            "organisation:x",
        ];
        let id = |s: &str| EntityId::parse(s).unwrap();
        let mut relations = Vec::new();
        for t in RelationType::ALL {
            for from in ids {
                for to in ids {
                    relations.push(Relation {
                        rel_type: *t,
                        from: id(from),
                        to: id(to),
                        role: None,
                        note: None,
                        sources: Default::default(),
                    });
                }
            }
        }
        for a in &relations {
            assert_eq!(a.id(), Relation::make_id(a.rel_type, &a.from, &a.to));
            for text in [
                "relation:leads/person:a/group:a",
                "relation:leads/person:a-b/group:a",
                "relation:leads/person:a/group:a/x",
                "relation:leads",
                "relation:lead/person:a/group:a",
                "relation:",
                "z",
                "",
            ] {
                assert_eq!(
                    a.display_id().cmp_with(text),
                    a.id().as_str().cmp(text),
                    "{} {text}",
                    a.id()
                );
            }
        }
    }

    #[test]
    fn vocabulary_round_trips() {
        for t in RelationType::ALL {
            assert_eq!(t.as_str().parse::<RelationType>().unwrap(), *t);
        }
        let err = "LEAD".parse::<RelationType>().unwrap_err();
        assert!(err.to_string().contains("LEADS"));
    }

    #[test]
    fn relation_kinds_follow_the_contract() {
        use EntityKind::*;
        assert!(RelationType::Leads.allows(Person, Group));
        assert!(RelationType::Leads.allows(Organisation, Organisation));
        assert!(!RelationType::Leads.allows(Group, Person));
        assert!(RelationType::PartOf.allows(Event, Event));
        assert!(!RelationType::PartOf.allows(Group, Organisation));
        assert!(RelationType::Features.allows(Deliverable, Person));
    }
}
