//! The immutable graph snapshot: entities and relations in a petgraph
//! CSR graph, an id index, per-entity sorted adjacency and a search index.
//!
//! An entity's position never leaves this module: callers speak [`EntityId`]s and get
//! `&Entity` / [`RelationRef`] back. Unknown ids are `None`, never a panic.

mod analytics;
mod build;
mod leadership;
mod lists;
mod quotes;
mod search;
mod traverse;

use std::sync::Arc;

use smallvec::SmallVec;
use std::hash::BuildHasher;

use crate::model::{
    ArcStr, Direction, Document, Entity, EntityId, EntityKind, RelationId, RelationType, Source,
    SourceRef,
};

pub use analytics::{AnalyticsError, Metric, Reached, Step, Subgraph, Traversal, ALL_PAIRS_BUDGET};
pub use leadership::{LeadershipFilter, LeadershipRow};
pub use lists::ListOrder;
pub use quotes::QuoteCodec;
pub use search::fold;
pub use traverse::Path;

/// Why a set of records cannot form a graph (an invariant the loader
/// normally establishes first, with file and line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Two entities share an id.
    #[error("duplicate entity id `{0}`")]
    DuplicateEntity(EntityId),
    /// Two relations share an id (same type, from and to).
    #[error("duplicate relation `{0}`")]
    DuplicateRelation(String),
    /// A relation names an entity that does not exist.
    #[error("relation `{relation}` refers to unknown entity `{entity}`")]
    UnknownEntity { relation: String, entity: EntityId },
    /// A relation links kinds its type does not allow.
    #[error("relation `{0}` links kinds its type does not allow")]
    KindMismatch(String),
    /// More distinct roles than a graph holds.
    #[error(
        "more than {} distinct roles: a graph holds at most that many",
        StoredRelation::MAX_ROLES
    )]
    TooManyRoles,
}

/// A relation on its way into a graph, as the loader hands it over: its
/// ends are positions in the list of entities the graph is built from
/// (see `Graph::from_positions`); its sources' quotes are in the block of
/// the [`RelationPart`] it comes in, until the graph takes what it holds
/// into its tables ([`StoredRelation`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelation {
    pub rel_type: RelationType,
    from: u32,
    to: u32,
    role: Option<ArcStr>,
    note: Option<ArcStr>,
    sources: SmallVec<[NewSource; 1]>,
    /// Where its sources begin among the graph's, once they are stored
    /// ([`StoredRelation::sources`]), in what would be padding.
    first_source: u32,
}

const _: () = assert!(std::mem::size_of::<NewRelation>() == 64);

impl NewRelation {
    /// A relation from the entity at position `from` to the one at `to`.
    pub(crate) fn new(
        rel_type: RelationType,
        (from, to): (u32, u32),
        role: Option<ArcStr>,
        note: Option<ArcStr>,
        sources: SmallVec<[NewSource; 1]>,
    ) -> NewRelation {
        NewRelation {
            rel_type,
            from,
            to,
            role,
            note,
            sources,
            first_source: StoredRelation::NO_SOURCES,
        }
    }
}

/// A source of a [`NewRelation`]: its quote is in its part's block, its
/// document is a position in the list of cited documents handed over with
/// it (a number, where a shared `Arc` was counted up and down for each of
/// 6M sources, from every core at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub document: u32,
    pub section: Option<ArcStr>,
    pub quote: QuoteSpan,
}

impl NewSource {
    /// `source`, its document at `document` in the cited list, its quote
    /// written into `quotes`.
    pub fn written_into(source: Source, document: u32, quotes: &mut QuoteBlock) -> NewSource {
        NewSource {
            document,
            section: source.section,
            quote: quotes.push(&source.quote),
        }
    }
}

/// `(a(), b())`, `b` on another thread.
fn on_two_threads<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let b = s.spawn(b);
        let a = a();
        (a, b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// The documents sources cite, each at one position (found by address).
#[derive(Default)]
pub(crate) struct Cited {
    pub list: Vec<Arc<Document>>,
    at: std::collections::HashMap<*const Document, u32>,
}

impl Cited {
    /// The position of `document`, added if new.
    pub fn position(&mut self, document: &Arc<Document>) -> u32 {
        *self.at.entry(Arc::as_ptr(document)).or_insert_with(|| {
            self.list.push(document.clone());
            (self.list.len() - 1) as u32
        })
    }
}

/// Where a quote lies in a [`QuoteBlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteSpan {
    start: u32,
    end: u32,
}

impl QuoteSpan {
    /// The quote's length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the quote is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// The quotes of relations on their way into a graph, written one after
/// another into one block of text as they are read: one allocation a file,
/// where a quote of its own was one allocation a relation (5M at 1M
/// entities), made on the threads that parse and freed on the one that
/// builds the graph.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QuoteBlock(String);

impl QuoteBlock {
    /// Appends `quote`; where it lies.
    ///
    /// Panics past 4 GiB of quotes in one block.
    pub fn push(&mut self, quote: &str) -> QuoteSpan {
        let start = self.0.len();
        self.0.push_str(quote);
        let end = u32::try_from(self.0.len()).expect("a block holds less than 4 GiB of quotes");
        QuoteSpan {
            start: start as u32,
            end,
        }
    }

    /// Makes room for at least `bytes` in all (nothing when there is).
    pub fn reserve(&mut self, bytes: usize) {
        self.0.reserve(bytes.saturating_sub(self.0.len()));
    }

    /// The quote at `span`, which this block gave.
    pub fn get(&self, span: QuoteSpan) -> &str {
        &self.0[span.start as usize..span.end as usize]
    }
}

/// Relations on their way into a graph (a loader's file of them), with the
/// block their quotes are in (and the quotes of the file's entities).
#[derive(Debug, Default)]
pub struct RelationPart {
    pub relations: Vec<NewRelation>,
    pub quotes: QuoteBlock,
}

/// An entity's sources on their way into a graph, as the loader hands them
/// over: their quotes are in the block of the [`RelationPart`] at `part`
/// (its file's).
#[derive(Debug, Clone)]
pub struct EntitySources {
    pub part: u32,
    pub sources: SmallVec<[NewSource; 1]>,
}

/// A relation as the graph holds it, 16 bytes: its type, its ends as their
/// entities' positions, and where its role and sources lie in the graph's
/// tables (read them through [`RelationRef`], which has the
/// graph). Its note, which few relations have, is in the tables by the
/// relation's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRelation {
    pub rel_type: RelationType,
    /// 0 for none, else one more than its place in [`Tables::roles`]: 24
    /// bits, little-endian, beside the type (a graph holds fewer than 2^24
    /// distinct roles, checked when it is built).
    role: [u8; 3],
    from: u32,
    to: u32,
    /// Its first source among the sources ([`Tables::source_places`]), or
    /// [`StoredRelation::NO_SOURCES`]; they run to the next start marked
    /// in [`Tables::source_starts`].
    sources: u32,
}

const _: () = assert!(std::mem::size_of::<StoredRelation>() == 16);

impl StoredRelation {
    /// The most distinct roles a graph holds (the role's number, one more
    /// than its place, fits in 24 bits).
    const MAX_ROLES: usize = (1 << 24) - 1;

    /// The first source of a relation with none.
    const NO_SOURCES: u32 = u32::MAX;

    /// 0 for none, else one more than its place in [`Tables::roles`].
    fn role(&self) -> u32 {
        let [a, b, c] = self.role;
        u32::from_le_bytes([a, b, c, 0])
    }
}

/// Each source's document and section: its place in [`Tables::places`],
/// in 2 bytes while a graph cites at most 65,536 places (distinct pairs of
/// document and section), else in 4.
#[derive(Debug)]
enum SourcePlaces {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for SourcePlaces {
    fn default() -> SourcePlaces {
        SourcePlaces::Narrow(Vec::new())
    }
}

impl SourcePlaces {
    /// The place of source `i`.
    fn get(&self, i: usize) -> u32 {
        match self {
            SourcePlaces::Narrow(places) => u32::from(places[i]),
            SourcePlaces::Wide(places) => places[i],
        }
    }

    /// Appends the next source's place, widening every place past 65,535.
    fn push(&mut self, place: u32) {
        match self {
            SourcePlaces::Narrow(places) => match u16::try_from(place) {
                Ok(place) => places.push(place),
                Err(_) => {
                    let mut wide = Vec::with_capacity(places.capacity().max(places.len() + 1));
                    wide.extend(places.iter().map(|&p| u32::from(p)));
                    wide.push(place);
                    *self = SourcePlaces::Wide(wide);
                }
            },
            SourcePlaces::Wide(places) => places.push(place),
        }
    }

    fn reserve_exact(&mut self, additional: usize) {
        match self {
            SourcePlaces::Narrow(places) => places.reserve_exact(additional),
            SourcePlaces::Wide(places) => places.reserve_exact(additional),
        }
    }

    /// The bytes they take.
    fn heap_bytes(&self) -> usize {
        match self {
            SourcePlaces::Narrow(places) => std::mem::size_of_val(&places[..]),
            SourcePlaces::Wide(places) => std::mem::size_of_val(&places[..]),
        }
    }
}

/// A document and a section of it, as sources cite them: places in the
/// [`Tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    document: u32,
    /// [`Place::NO_SECTION`] for none.
    section: u32,
}

impl Place {
    const NO_SECTION: u32 = u32::MAX;
}

/// What the graph's relations hold besides their types and ends, and the
/// entities' sources, each text once: the distinct roles, the notes, the
/// sources with the distinct pairs of document and section they cite, and
/// every quote in one block (where a quote of its own cost a pointer, a
/// length and the allocator's rounding), packed when that makes the block
/// smaller (see [`quotes`]).
#[derive(Debug, Default)]
struct Tables {
    roles: Vec<ArcStr>,
    /// (relation position, note), by position.
    notes: Vec<(u32, ArcStr)>,
    /// The sources, relations' in the order of their files (where their
    /// quotes were read, so that they are packed reading each file's in
    /// turn), then the entities' in entity order, about 3.25 bytes each
    /// (5.25 past 65,536 places): each source's place here, and its quote
    /// (and where it lies) in `quotes`.
    source_places: SourcePlaces,
    /// Where each relation's sources begin among the sources, and where
    /// the last relation's end (see [`SourceStarts`]).
    source_starts: SourceStarts,
    /// By entity position, and one more: where the entity's sources begin
    /// among the sources (the next entity's begin where its end). The first
    /// is where the relations' sources end.
    entity_sources: Vec<u32>,
    places: Vec<Place>,
    documents: Vec<Arc<Document>>,
    sections: Vec<ArcStr>,
    /// The sources' quotes, packed or not, in the sources' order.
    quotes: quotes::Quotes,
}

impl Tables {
    /// The sources from `range` (positions among the sources).
    fn sources(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = SourceRef<'_>> + Clone + '_ {
        range.map(move |i| {
            let place = self.places[self.source_places.get(i) as usize];
            SourceRef {
                document: &self.documents[place.document as usize],
                section: (place.section != Place::NO_SECTION)
                    .then(|| &*self.sections[place.section as usize]),
                quote: self.quotes.get(i),
            }
        })
    }
}

/// Marks among the relations' sources, a bit each: where each relation's
/// begin, and where the last relation's end. A relation's sources run from
/// its first to the next mark. Its sources are then kept in any order of
/// the relations (their files'), where a relation that kept only its first
/// ended where the next relation began, in the relations' order.
#[derive(Debug, Default)]
struct SourceStarts(Vec<u64>);

impl SourceStarts {
    /// Room for marks below `n`.
    fn with_capacity(n: usize) -> SourceStarts {
        SourceStarts(Vec::with_capacity(n / 64 + 1))
    }

    /// Marks `i`.
    fn mark(&mut self, i: usize) {
        let word = i / 64;
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (i % 64);
    }

    /// The first mark after `i`.
    ///
    /// Panics when there is none.
    fn next_after(&self, i: usize) -> usize {
        let from = i + 1;
        let mut word = from / 64;
        let mut bits = self.0[word] & (u64::MAX << (from % 64));
        while bits == 0 {
            word += 1;
            bits = self.0[word];
        }
        word * 64 + bits.trailing_zeros() as usize
    }

    fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&self.0[..])
    }
}

/// A relation of a graph: what it holds (through `Deref`) and its two ends.
#[derive(Clone, Copy)]
pub struct RelationRef<'g> {
    graph: &'g Graph,
    relation: &'g StoredRelation,
}

impl<'g> RelationRef<'g> {
    /// What the relation holds, for as long as the graph lives.
    pub fn get(self) -> &'g StoredRelation {
        self.relation
    }

    /// The entity the relation goes from.
    pub fn from(self) -> &'g Entity {
        &self.graph.entities[self.relation.from as usize]
    }

    /// The entity the relation goes to.
    pub fn to(self) -> &'g Entity {
        &self.graph.entities[self.relation.to as usize]
    }

    /// `relation:<type>/<from>/<to>`, stable for the same data.
    pub fn id(self) -> String {
        self.display_id().to_string()
    }

    /// The id, to be written without building a `String` first.
    pub fn display_id(self) -> RelationId<'g> {
        RelationId {
            rel_type: self.relation.rel_type,
            from: &self.from().id,
            to: &self.to().id,
        }
    }

    /// Its position among the graph's relations, which are ordered by id:
    /// relations order by id as their positions do.
    pub fn position(self) -> usize {
        index_in(&self.graph.relations, self.relation).expect("a relation of its graph")
    }

    /// The role held, on LEADS, AFFILIATED_WITH, MEMBER_OF, PRESENTED.
    pub fn role(self) -> Option<&'g str> {
        let role = self.relation.role().checked_sub(1)?;
        Some(&self.graph.tables.roles[role as usize])
    }

    /// A curator's remark, e.g. where the sources disagree.
    pub fn note(self) -> Option<&'g str> {
        let notes = &self.graph.tables.notes;
        let at = self.position() as u32;
        let i = notes.binary_search_by_key(&at, |(p, _)| *p).ok()?;
        Some(&notes[i].1)
    }

    /// Where the relation's facts come from (usually one source).
    pub fn sources(self) -> impl ExactSizeIterator<Item = SourceRef<'g>> + Clone + 'g {
        let tables = &self.graph.tables;
        let range = match self.relation.sources {
            StoredRelation::NO_SOURCES => 0..0,
            first => first as usize..tables.source_starts.next_after(first as usize),
        };
        tables.sources(range)
    }
}

impl std::ops::Deref for RelationRef<'_> {
    type Target = StoredRelation;

    fn deref(&self) -> &StoredRelation {
        self.relation
    }
}

/// The same relation of the same graph.
impl PartialEq for RelationRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.relation, other.relation)
    }
}

impl Eq for RelationRef<'_> {}

impl std::fmt::Debug for RelationRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relation")
            .field("id", &self.display_id().to_string())
            .field("role", &self.role())
            .field("note", &self.note())
            .field("sources", &self.sources().len())
            .finish()
    }
}

/// One step from an entity along a relation.
#[derive(Debug, Clone, Copy)]
pub struct EdgeRef<'g> {
    pub relation: RelationRef<'g>,
    /// The entity at the other end.
    pub other: &'g Entity,
    /// `Out` when the entity asked about is the relation's `from`.
    pub direction: Direction,
}

/// One relation at an entity, in [`Graph::adjacency`]: 4 bytes, the
/// direction in the top bit of the relation's position. The entity at the
/// other end is read from the relation ([`Graph::other_end`]): holding it
/// here too cost 8 bytes a relation.
#[derive(Debug, Clone, Copy)]
struct Adj {
    /// The relation's position, with [`Adj::OUTGOING`] set when the entity
    /// is its `from`.
    packed: u32,
}

impl Adj {
    const OUTGOING: u32 = 1 << 31;

    /// Graphs hold fewer than 2^31 relations (checked when built).
    fn new(relation: u32, outgoing: bool) -> Adj {
        debug_assert!(relation < Adj::OUTGOING);
        let flag = if outgoing { Adj::OUTGOING } else { 0 };
        Adj {
            packed: relation | flag,
        }
    }

    /// The relation's position in [`Graph::relations`].
    fn relation(&self) -> u32 {
        self.packed & !Adj::OUTGOING
    }

    /// Whether the entity is the relation's `from`.
    fn outgoing(&self) -> bool {
        self.packed & Adj::OUTGOING != 0
    }
}

/// Where each relation type's relations lie among the relations, which are
/// ordered by id and so by type (in the ids' order of types): a relation's
/// type is found from its position in a table of 13 entries that stays in
/// cache, where reading the relation would be a miss at 1M relations.
#[derive(Debug, Default)]
struct TypeRuns {
    /// The first position of each run, in order.
    starts: Vec<u32>,
    /// The type of each run.
    types: Vec<RelationType>,
    /// One past the last relation.
    end: u32,
}

impl TypeRuns {
    /// The runs of `relations`, which are ordered by id.
    fn new(relations: &[StoredRelation]) -> TypeRuns {
        let mut runs = TypeRuns {
            end: relations.len() as u32,
            ..TypeRuns::default()
        };
        let mut at = 0;
        while at < relations.len() {
            let t = relations[at].rel_type;
            runs.starts.push(at as u32);
            runs.types.push(t);
            at += relations[at..].partition_point(|r| r.rel_type == t);
        }
        runs
    }

    /// The type of the relation at `position`.
    fn type_at(&self, position: u32) -> RelationType {
        self.types[self.starts.partition_point(|&s| s <= position) - 1]
    }

    /// Where the relations of `rel_type` lie (empty when there are none).
    fn run(&self, rel_type: RelationType) -> std::ops::Range<usize> {
        match self.types.iter().position(|&t| t == rel_type) {
            Some(i) => {
                let end = self.starts.get(i + 1).copied().unwrap_or(self.end);
                self.starts[i] as usize..end as usize
            }
            None => 0..0,
        }
    }
}

/// The id index: each entity's position, in a table keyed by the hash of
/// its id. The table holds positions only, 4 bytes an entity (a map holding
/// each id's shared text took 24): an id looked up is compared with the
/// entity's own, which the caller reads next anyway.
struct IdIndex {
    positions: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl IdIndex {
    /// The index of `entities`, or the first id they hold twice.
    fn new(entities: &[Entity]) -> Result<IdIndex, GraphError> {
        let hasher = foldhash::fast::RandomState::default();
        let id_at = |at: u32| entities[at as usize].id.as_str();
        let mut positions = hashbrown::HashTable::with_capacity(entities.len());
        for (at, e) in entities.iter().enumerate() {
            let id = e.id.as_str();
            let hash = hasher.hash_one(id);
            match positions.entry(hash, |&p| id_at(p) == id, |&p| hasher.hash_one(id_at(p))) {
                hashbrown::hash_table::Entry::Occupied(_) => {
                    return Err(GraphError::DuplicateEntity(e.id.clone()))
                }
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(at as u32);
                }
            }
        }
        Ok(IdIndex { positions, hasher })
    }

    /// The position of the entity with this id among `entities`, those the
    /// index was made of.
    fn get(&self, entities: &[Entity], id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.positions
            .find(hash, |&at| entities[at as usize].id.as_str() == id)
            .copied()
    }
}

/// The petgraph graph: which entities relations link, compressed by rows.
type LinkedPairs = petgraph::csr::Csr<(), (), petgraph::Directed, u32>;

/// Counts of the graph's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub entities: usize,
    pub relations: usize,
    /// Every kind, in enum order, with its count (zero included).
    pub by_kind: Vec<(EntityKind, usize)>,
    /// Every relation type, in enum order, with its count (zero included).
    pub by_relation_type: Vec<(RelationType, usize)>,
}

/// The graph: immutable once built.
pub struct Graph {
    documents: Vec<Arc<Document>>,
    /// Sorted by (kind, id); position i is node i of `graph`.
    entities: Vec<Entity>,
    relations: Vec<StoredRelation>,
    /// What the relations hold besides their types and ends, and the
    /// entities' sources.
    tables: Tables,
    /// Where each type's relations lie in `relations`.
    type_runs: TypeRuns,
    /// Node i is entity i; an edge links each pair of entities some
    /// relation links (from its `from` to its `to`).
    graph: LinkedPairs,
    by_id: IdIndex,
    /// Entity i's relations are `adjacency[adjacency_start[i]..adjacency_start[i + 1]]`.
    adjacency_start: Vec<u32>,
    /// Per entity: every relation touching it, ordered by relation type,
    /// then the other end's name, then the relation id.
    adjacency: Vec<Adj>,
    /// Entity i's dense rank by name (folded, then as written; equal names
    /// share one): the key of the adjacency's order and of lists by name.
    name_rank: Box<[u32]>,
    search: search::SearchIndex,
    centrality: analytics::CentralityCache,
    /// The kinds' lists in orders other than by id, made when first asked.
    orders: lists::ListOrders,
    /// Identifies the data this snapshot holds (see [`Graph::data_id`]).
    data_id: u64,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("entities", &self.entities.len())
            .field("relations", &self.relations.len())
            .finish()
    }
}

impl Graph {
    /// The documents facts are drawn from, by key.
    pub fn documents(&self) -> &[Arc<Document>] {
        &self.documents
    }

    /// The entity with this id, if any.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        // Every key is a well-formed id: a malformed one is simply not found.
        self.position_of_id(id)
            .map(|at| &self.entities[at as usize])
    }

    /// The position of the entity with this id, if any.
    fn position_of_id(&self, id: &str) -> Option<u32> {
        self.by_id.get(&self.entities, id)
    }

    /// The relation with this id, if any.
    pub fn relation(&self, id: &str) -> Option<RelationRef<'_>> {
        // Relations are sorted by id.
        self.relations
            .binary_search_by(|r| self.relation_ref(r).display_id().cmp_with(id))
            .ok()
            .map(|i| self.relation_at(i))
    }

    /// The relation at `position` in [`Graph::relations`].
    ///
    /// Panics when there are not so many relations.
    pub fn relation_at(&self, position: usize) -> RelationRef<'_> {
        self.relation_ref(&self.relations[position])
    }

    fn relation_ref<'g>(&'g self, relation: &'g StoredRelation) -> RelationRef<'g> {
        RelationRef {
            graph: self,
            relation,
        }
    }

    /// Every relation touching the entity at `position`, in edge order.
    fn adjacency(&self, position: u32) -> &[Adj] {
        let (start, end) = (
            self.adjacency_start[position as usize],
            self.adjacency_start[position as usize + 1],
        );
        &self.adjacency[start as usize..end as usize]
    }

    /// Identifies the data this snapshot holds, so that what refers to
    /// positions in it (page cursors) can be refused by a snapshot of other
    /// data. Loaded from files: a hash of their contents, the same in every
    /// process given the same files (replicas agree). Built otherwise: a
    /// number of its own in this process.
    pub fn data_id(&self) -> u64 {
        self.data_id
    }

    /// This snapshot, said to hold the data identified by `id`.
    pub fn with_data_id(mut self, id: u64) -> Graph {
        self.data_id = id;
        self
    }

    /// Every entity, ordered by kind (enum order) then id.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entities of one kind, ordered by id.
    pub fn entities_of(&self, kind: EntityKind) -> &[Entity] {
        &self.entities[self.kind_range(kind)]
    }

    /// Where the entities of `kind` lie among the graph's (sorted by kind).
    fn kind_range(&self, kind: EntityKind) -> std::ops::Range<usize> {
        let start = self.entities.partition_point(|e| e.kind() < kind);
        let end = self.entities.partition_point(|e| e.kind() <= kind);
        start..end
    }

    /// How many relations of each type touch at least one of `entities`
    /// (entities of this graph), each relation counted once; every type in
    /// [`RelationType::ALL`] order, zero included.
    ///
    /// Panics when given an entity of another graph.
    pub fn relations_touching<'g>(
        &'g self,
        entities: impl IntoIterator<Item = &'g Entity>,
    ) -> Vec<(RelationType, usize)> {
        let mut touched = fixedbitset::FixedBitSet::with_capacity(self.relations.len());
        for e in entities {
            let at = self.position_of(e);
            for a in self.adjacency(at) {
                touched.insert(a.relation() as usize);
            }
        }
        RelationType::ALL
            .iter()
            .map(|&t| (t, touched.count_ones(self.run_of_type(t))))
            .collect()
    }

    /// Where the relations of `rel_type` lie in [`Graph::relations`].
    fn run_of_type(&self, rel_type: RelationType) -> std::ops::Range<usize> {
        self.type_runs.run(rel_type)
    }

    /// The entity at the other end of `a`, by position.
    #[inline]
    fn other_end(&self, a: &Adj) -> u32 {
        other_end(&self.relations, a)
    }

    /// The type of the relation `a` follows, read off its position (no
    /// read of the relation itself).
    fn type_of(&self, a: &Adj) -> RelationType {
        self.type_runs.type_at(a.relation())
    }

    /// Where the facts about `e`, an entity of this graph, come from (at
    /// least one source, when loaded).
    ///
    /// Panics when `e` is not an entity of this graph.
    pub fn sources_of<'g>(
        &'g self,
        e: &Entity,
    ) -> impl ExactSizeIterator<Item = SourceRef<'g>> + Clone + 'g {
        let at = self.position_of(e) as usize;
        let starts = &self.tables.entity_sources;
        self.tables
            .sources(starts[at] as usize..starts[at + 1] as usize)
    }

    /// The position of `e`, an entity of this graph (found from its
    /// address: no look-up).
    fn position_of(&self, e: &Entity) -> u32 {
        let at = index_in(&self.entities, e)
            .unwrap_or_else(|| panic!("`{}` is not an entity of this graph", e.id));
        at as u32
    }

    /// Every relation, ordered by id.
    pub fn relations(
        &self,
    ) -> impl ExactSizeIterator<Item = RelationRef<'_>> + DoubleEndedIterator + Clone + '_ {
        self.relations.iter().map(|r| self.relation_ref(r))
    }

    /// How many relations the graph holds.
    pub fn relation_count(&self) -> usize {
        self.relations.len()
    }

    /// The relations touching `id`, of `types` (all when `None`), followed in
    /// `direction`; ordered by relation type, then the other end's name.
    /// Empty for an unknown id.
    pub fn edges<'g>(
        &'g self,
        id: &EntityId,
        types: Option<&[RelationType]>,
        direction: Direction,
    ) -> Vec<EdgeRef<'g>> {
        let Some(at) = self.position_of_id(id.as_str()) else {
            return Vec::new();
        };
        self.edges_at(at, types, direction).collect()
    }

    /// [`Graph::edges`] of `e`, an entity of this graph, as an iterator: no
    /// id look-up and no list made, for scans over many entities.
    ///
    /// Panics when `e` is an entity of another graph.
    pub fn edges_of<'g>(
        &'g self,
        e: &Entity,
        types: Option<&[RelationType]>,
        direction: Direction,
    ) -> impl Iterator<Item = EdgeRef<'g>> + 'g {
        self.edges_at(self.position_of(e), types, direction)
    }

    /// How many [`Graph::edges_of`] `e` has, counted without making them:
    /// with every type (or one) and both directions, the length of its
    /// adjacency (or of that type's run in it).
    ///
    /// Panics when `e` is an entity of another graph.
    pub fn edge_count_of(
        &self,
        e: &Entity,
        types: Option<&[RelationType]>,
        direction: Direction,
    ) -> usize {
        let mask = analytics::type_mask(types);
        let (list, every_type) = self.adj_list(self.position_of(e), mask);
        if every_type && direction == Direction::Both {
            return list.len();
        }
        list.iter()
            .filter(|a| self.adj_keeps(a, every_type, mask, direction))
            .count()
    }

    /// [`Graph::edges_of`] `e` after the first `skip`: those are passed over
    /// without being made, so a page deep into a hub's relations costs no
    /// more than its first.
    ///
    /// Panics when `e` is an entity of another graph.
    pub fn edges_of_after<'g>(
        &'g self,
        e: &Entity,
        types: Option<&[RelationType]>,
        direction: Direction,
        skip: usize,
    ) -> impl Iterator<Item = EdgeRef<'g>> + 'g {
        self.adj(self.position_of(e), analytics::type_mask(types), direction)
            .skip(skip)
            .map(|a| self.edge_ref(a))
    }

    /// The edges of the entity at `position`, of `types`, in `direction`.
    fn edges_at<'g>(
        &'g self,
        position: u32,
        types: Option<&[RelationType]>,
        direction: Direction,
    ) -> impl Iterator<Item = EdgeRef<'g>> + 'g {
        self.adj(position, analytics::type_mask(types), direction)
            .map(|a| self.edge_ref(a))
    }

    /// The entities at the other end of `id`'s relations of one type, in
    /// `direction`, in edge order.
    pub fn neighbours<'g>(
        &'g self,
        id: &EntityId,
        rel_type: RelationType,
        direction: Direction,
    ) -> impl Iterator<Item = EdgeRef<'g>> + 'g {
        let list = self
            .position_of_id(id.as_str())
            .map_or(&[][..], |at| self.adjacency_of_type(at, rel_type));
        self.directed(list, direction)
    }

    /// [`Graph::neighbours`] of the entity at `position`.
    fn neighbours_at(
        &self,
        position: u32,
        rel_type: RelationType,
        direction: Direction,
    ) -> impl Iterator<Item = EdgeRef<'_>> + '_ {
        self.directed(self.adjacency_of_type(position, rel_type), direction)
    }

    /// The edges of `list` in `direction`.
    fn directed<'g>(
        &'g self,
        list: &'g [Adj],
        direction: Direction,
    ) -> impl Iterator<Item = EdgeRef<'g>> + 'g {
        list.iter()
            .filter(move |a| direction_matches(direction, a.outgoing()))
            .map(|a| self.edge_ref(a))
    }

    /// The relations of `rel_type` touching the entity at `position`, in
    /// edge order: a run of its adjacency, which is ordered by type first
    /// (found by binary search, so a hub's other relations are not read).
    fn adjacency_of_type(&self, position: u32, rel_type: RelationType) -> &[Adj] {
        let list = self.adjacency(position);
        let start = list.partition_point(|a| self.type_of(a) < rel_type);
        let len = list[start..].partition_point(|a| self.type_of(a) == rel_type);
        &list[start..start + len]
    }

    fn edge_ref(&self, a: &Adj) -> EdgeRef<'_> {
        EdgeRef {
            relation: self.relation_at(a.relation() as usize),
            other: &self.entities[self.other_end(a) as usize],
            direction: if a.outgoing() {
                Direction::Out
            } else {
                Direction::In
            },
        }
    }

    /// Ranked search: entities whose names, aliases or acronym (or, ranked
    /// lower, description) match `query`, best first, at most `limit`.
    pub fn search(
        &self,
        query: &str,
        kinds: Option<&[EntityKind]>,
        limit: usize,
    ) -> Vec<(&Entity, f64)> {
        self.search
            .search(query, limit, |pos| {
                kinds.is_none_or(|k| k.contains(&self.entities[pos as usize].kind()))
            })
            .into_iter()
            .map(|s| (&self.entities[s.position as usize], s.score))
            .collect()
    }

    /// Whether the name, an alias or the acronym of `e` (an entity of this
    /// graph), folded as [`fold`] folds, contains `folded`, a folded text
    /// that is not empty. The search index holds every entity's names
    /// folded, so nothing is folded again.
    pub fn names_contain(&self, e: &Entity, folded: &str) -> bool {
        self.search.names_contain(self.position_of(e), folded)
    }

    /// What the graph holds, part by part, in bytes: what each part asked
    /// the allocator for (its vectors' lengths, its texts), before the
    /// allocator's rounding and what it keeps free. The process's resident
    /// memory is the measure of the whole; this says where it goes.
    pub fn memory_use(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of_val;
        let t = &self.tables;
        let mut parts = vec![
            ("relations", size_of_val(&self.relations[..])),
            (
                "sources",
                t.quotes.starts_heap_bytes()
                    + t.source_places.heap_bytes()
                    + t.source_starts.heap_bytes()
                    + size_of_val(&t.entity_sources[..]),
            ),
            ("quotes", t.quotes.heap_bytes()),
            ("entities", size_of_val(&self.entities[..])),
            (
                "entity texts",
                self.entities.iter().map(Entity::heap_bytes).sum(),
            ),
            (
                "adjacency",
                size_of_val(&self.adjacency[..]) + size_of_val(&self.adjacency_start[..]),
            ),
            (
                "petgraph",
                // Its row offsets are `usize`, its columns the index type.
                (self.graph.node_count() + 1) * std::mem::size_of::<usize>()
                    + self.graph.edge_count() * std::mem::size_of::<u32>(),
            ),
            ("id index", self.by_id.positions.allocation_size()),
            ("name ranks", size_of_val(&self.name_rank[..])),
            ("search index", self.search.heap_bytes()),
        ];
        // Made only when a client asks for a list in such an order.
        let orders = self.orders.heap_bytes();
        if orders > 0 {
            parts.push(("list orders", orders));
        }
        parts
    }

    /// How many connected components the graph has, relations taken either
    /// way (a pass over every relation: 0.05 s at 1M entities, so not one
    /// of [`Graph::stats`]).
    pub fn component_count(&self) -> usize {
        petgraph::algo::connected_components(&self.graph)
    }

    /// Counts by kind and by relation type.
    pub fn stats(&self) -> Stats {
        let by_kind = EntityKind::ALL
            .iter()
            .map(|&k| (k, self.entities_of(k).len()))
            .collect();
        let by_relation_type = RelationType::ALL
            .iter()
            .map(|&t| (t, self.run_of_type(t).len()))
            .collect();
        Stats {
            entities: self.entities.len(),
            relations: self.relations.len(),
            by_kind,
            by_relation_type,
        }
    }
}

/// The entity at the other end of `a`, a relation of `relations`, by
/// position.
#[inline]
fn other_end(relations: &[StoredRelation], a: &Adj) -> u32 {
    let r = &relations[a.relation() as usize];
    if a.outgoing() {
        r.to
    } else {
        r.from
    }
}

/// Where `item` is in `items`, if it is one of them (found from its
/// address: no comparison).
fn index_in<T>(items: &[T], item: &T) -> Option<usize> {
    let size = std::mem::size_of::<T>();
    let offset = (std::ptr::from_ref(item) as usize).wrapping_sub(items.as_ptr() as usize);
    let at = offset / size;
    (offset % size == 0 && at < items.len()).then_some(at)
}

fn direction_matches(direction: Direction, outgoing: bool) -> bool {
    match direction {
        Direction::Both => true,
        Direction::Out => outgoing,
        Direction::In => !outgoing,
    }
}

#[cfg(test)]
mod tests {
    use super::{SourcePlaces, SourceStarts};

    proptest::proptest! {
        /// A relation's sources end at the next mark, however far (in the
        /// same word of marks or words later), and the last at the end.
        #[test]
        fn source_starts_end_each_list_at_the_next(
            lengths in proptest::collection::vec(
                proptest::prop_oneof![1usize..4, 60usize..70, 120usize..300],
                1..40,
            ),
        ) {
            let mut marks = SourceStarts::with_capacity(lengths.iter().sum());
            let mut first = 0;
            let mut lists = Vec::new();
            for &len in &lengths {
                marks.mark(first);
                lists.push(first..first + len);
                first += len;
            }
            marks.mark(first);
            for list in lists {
                proptest::prop_assert_eq!(marks.next_after(list.start), list.end);
            }
        }
    }

    /// Places read back as pushed, in 2 bytes each up to 65,535 and in 4
    /// once one is larger (every place before it widened).
    #[test]
    fn source_places_widen_past_two_bytes() {
        let mut places = SourcePlaces::default();
        places.reserve_exact(3);
        let given = [0, 65_535, 7, 65_536, 3, u32::MAX - 1];
        for (i, &p) in given.iter().enumerate() {
            places.push(p);
            let wide = given[..=i].iter().any(|&p| p > 65_535);
            assert_eq!(matches!(places, SourcePlaces::Wide(_)), wide);
            assert_eq!(places.heap_bytes(), (i + 1) * if wide { 4 } else { 2 });
            for (j, &q) in given[..=i].iter().enumerate() {
                assert_eq!(places.get(j), q);
            }
        }
    }
}
