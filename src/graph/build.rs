//! Building the snapshot: ordering, the id index, the adjacency and the
//! search index, with the invariants checked once.
//!
//! Every step is a sort or a linear pass (no per-entity allocation): the
//! adjacency is one array sliced per entity (compressed sparse rows), ordered
//! by integer keys computed once (each entity's rank by name).

use std::sync::Arc;

use petgraph::csr::Csr;

use super::{
    on_two_threads, search, Adj, Cited, EntitySources, Graph, GraphError, IdIndex, NewRelation,
    NewSource, Place, QuoteBlock, QuoteSpan, RelationPart, SourceStarts, StoredRelation, Tables,
};
use crate::model::{
    ArcStr, Document, Entity, EntityId, EntityKind, Relation, RelationId, RelationType, Sources,
};

impl Graph {
    /// Builds a graph, checking its invariants: unique ids, relations between
    /// existing entities of kinds their type allows.
    ///
    /// Each entity comes with its sources.
    pub fn new(
        documents: Vec<Arc<Document>>,
        entities: Vec<(Entity, Sources)>,
        relations: Vec<Relation>,
    ) -> Result<Graph, GraphError> {
        let mut quotes = QuoteBlock::default();
        let mut cited = Cited::default();
        let (entities, entity_sources): (Vec<Entity>, Vec<EntitySources>) = entities
            .into_iter()
            .map(|(e, sources)| {
                let sources = sources
                    .into_iter()
                    .map(|s| {
                        let document = cited.position(&s.document);
                        NewSource::written_into(s, document, &mut quotes)
                    })
                    .collect();
                (e, EntitySources { part: 0, sources })
            })
            .unzip();
        // The entities' positions as given (the graph indexes them again
        // once it has ordered them).
        let position = IdIndex::new(&entities)?;
        let relations = relations
            .into_iter()
            .map(|r| {
                let end = |id: &EntityId| {
                    position
                        .get(&entities, id.as_str())
                        .ok_or_else(|| GraphError::UnknownEntity {
                            relation: r.id(),
                            entity: id.clone(),
                        })
                };
                let ends = (end(&r.from)?, end(&r.to)?);
                let sources = r
                    .sources
                    .into_iter()
                    .map(|s| {
                        let document = cited.position(&s.document);
                        NewSource::written_into(s, document, &mut quotes)
                    })
                    .collect();
                Ok(NewRelation::new(r.rel_type, ends, r.role, r.note, sources))
            })
            .collect::<Result<Vec<_>, GraphError>>()?;
        drop(position);
        let part = RelationPart { relations, quotes };
        Graph::from_positions(documents, cited.list, entities, entity_sources, vec![part])
    }

    /// [`Graph::new`] of relations whose ends are already positions in
    /// `entities` (as given, before the graph orders them), as the loader
    /// knows them: no end is looked up by id. The relations come in parts
    /// (the loader's files), gathered into one list in id order.
    /// `entity_sources[i]` are the sources of `entities[i]`, their quotes in
    /// the blocks of `parts`. Sources name their documents by position in
    /// `cited`.
    ///
    /// Panics when an end is not a position in `entities`.
    pub(crate) fn from_positions(
        mut documents: Vec<Arc<Document>>,
        cited: Vec<Arc<Document>>,
        mut entities: Vec<Entity>,
        mut entity_sources: Vec<EntitySources>,
        mut parts: Vec<RelationPart>,
    ) -> Result<Graph, GraphError> {
        // Where the time goes, for `RUST_LOG=civgraph=debug`.
        let started = std::time::Instant::now();
        let step = |what: &str| tracing::debug!(since_start = ?started.elapsed(), "graph: {what}");
        documents.sort_by(|a, b| a.key.cmp(&b.key));
        let new_position = sort_entities(&mut entities, &mut entity_sources);
        entities.shrink_to_fit();
        step("entities sorted");
        assert!(
            parts.iter().map(|p| p.relations.len()).sum::<usize>() < Adj::OUTGOING as usize,
            "a graph holds fewer than 2^31 relations"
        );
        assert!(
            entities.len() < 1 << 30,
            "a graph holds fewer than 2^30 entities"
        );
        // What needs only the entities (the id index and the ids' ranks, the
        // search index) is built on other threads while this one moves the
        // relations' ends to the entities' new positions and sorts them.
        let kinds = KindEnds::new(&entities);
        let (search, rest) = std::thread::scope(|s| {
            let indexed = s.spawn(|| {
                let ranks = IdRanks::new(&entities, &kinds);
                step("id ranks");
                let index = IdIndex::new(&entities);
                step("id index");
                (ranks, index)
            });
            // The ranks by name, for the adjacency's order, after the search
            // index (it is done before the relations are sorted).
            let search = s.spawn(|| {
                let search = search::SearchIndex::build(&entities);
                step("search index");
                let name_rank = name_ranks(&entities, &search);
                step("name ranks");
                (search, name_rank)
            });
            // The sources are stored as their files hold them, each file's
            // relations' when their ends are moved (they are read in turn,
            // and their quotes are then packed reading each file's block
            // in turn, where the relations' order read them from anywhere),
            // then the entities'. The tables are sized once.
            let sources = parts
                .iter()
                .flat_map(|p| &p.relations)
                .map(|r| r.sources.len())
                .chain(entity_sources.iter().map(|e| e.sources.len()))
                .sum();
            // The room for the relations' keys (see `sort_by_id`) is taken
            // before the tables': taken after, where the allocator placed
            // them left a server about 5 MB larger at 1M entities (medians
            // of six and eight runs).
            let total: usize = parts.iter().map(|p| p.relations.len()).sum();
            let keys: Vec<(u64, u32, u32)> = Vec::with_capacity(total);
            let mut tables = TablesBuilder::with_capacity(sources, entities.len(), &cited);
            let moved = parts.iter_mut().enumerate().try_for_each(|(p, part)| {
                move_ends(&mut part.relations, &new_position, &kinds, &entities)?;
                tables.relation_sources(&mut part.relations, p as u32);
                Ok(())
            });
            tables.entity_sources(&entity_sources);
            drop(new_position);
            step("ends moved, sources stored");
            let (ranks, index) = indexed
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            let ordered = moved.and(index).and_then(|by_id| {
                let (relations, tables, quotes) =
                    sort_by_id(&parts, &ranks, &entities, tables, keys)?;
                Ok((by_id, relations, tables, quotes))
            });
            // What the relations held of their own is freed here, before
            // the adjacency is built in its place; their quotes (5M at 1M
            // entities) are kept in their blocks until they are packed, and
            // freed on this thread too. Freed on a thread of its own, the
            // memory stayed with that thread's heap when it ended, and the
            // process kept it (1.74 GB resident serving 1M entities, where
            // 1.0 GB is in use).
            step("relations sorted");
            let blocks: Vec<QuoteBlock> = parts.into_iter().map(|p| p.quotes).collect();
            drop(entity_sources);
            step("their parts freed");
            let join_search = || {
                search
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            };
            let (by_id, relations, mut tables, quotes) = match ordered {
                Ok(ordered) => ordered,
                Err(err) => {
                    join_search();
                    return (None, Err(err));
                }
            };
            // The quotes are packed, and petgraph's graph built, on other
            // threads meanwhile; the adjacency is laid out on this one while
            // the search index's thread ranks the names, which only its
            // order needs.
            let (search, built) = std::thread::scope(|s| {
                let packing = s.spawn(|| quotes.collect(&blocks));
                let graph = s.spawn(|| linked_pairs(&relations, entities.len()));
                let type_runs = super::TypeRuns::new(&relations);
                let (adjacency_start, mut adjacency, others) =
                    adjacency(entities.len(), &relations);
                let (search, name_rank) = join_search();
                order_adjacency(
                    &adjacency_start,
                    &mut adjacency,
                    &others,
                    &type_runs,
                    &name_rank,
                );
                drop(others);
                step("adjacency");
                let links = Links {
                    graph: graph
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    by_id,
                    adjacency_start,
                    adjacency,
                    name_rank: name_rank.into_boxed_slice(),
                };
                let packed = packing
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (search, (packed, links, type_runs))
            });
            let (packed, links, type_runs) = built;
            tables.quotes = packed;
            drop(blocks);
            step("quotes packed");
            (Some(search), Ok((links, type_runs, relations, tables)))
        });
        let (
            Links {
                graph,
                by_id,
                adjacency_start,
                adjacency,
                name_rank,
            },
            type_runs,
            relations,
            tables,
        ) = rest?;
        let search = search.expect("built when the graph is");
        Ok(Graph {
            documents,
            entities,
            type_runs,
            relations,
            tables,
            graph,
            by_id,
            adjacency_start,
            adjacency,
            name_rank,
            search,
            centrality: Default::default(),
            orders: Default::default(),
            data_id: BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }
}

/// The [`Graph::data_id`] of the next graph built from records (a loaded
/// graph is given the hash of its files instead).
static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What [`Graph::from_positions`] lays out beside the search index: the
/// fields of [`Graph`] of the same names.
struct Links {
    graph: super::LinkedPairs,
    by_id: IdIndex,
    adjacency_start: Vec<u32>,
    adjacency: Vec<Adj>,
    name_rank: Box<[u32]>,
}

/// Entities are sorted by kind: the end of each kind's positions.
struct KindEnds(Vec<(u32, EntityKind)>);

impl KindEnds {
    fn new(entities: &[Entity]) -> KindEnds {
        KindEnds(
            EntityKind::ALL
                .iter()
                .map(|&k| (entities.partition_point(|e| e.kind() <= k) as u32, k))
                .collect(),
        )
    }

    /// The positions of the entities of `kind`.
    fn run(&self, kind: EntityKind) -> std::ops::Range<u32> {
        let at = self
            .0
            .iter()
            .position(|&(_, k)| k == kind)
            .expect("every kind");
        let start = at.checked_sub(1).map_or(0, |before| self.0[before].0);
        start..self.0[at].0
    }

    fn kind_at(&self, position: u32) -> EntityKind {
        self.0
            .iter()
            .find(|(end, _)| position < *end)
            .map(|&(_, k)| k)
            .expect("a position is below the last kind's end")
    }
}

/// Moves each relation's ends to where `new_position` puts their entities
/// (which are now `entities`, of kinds `kinds`), checking that the kinds
/// are ones the relation's type allows and that the ends differ.
fn move_ends(
    relations: &mut [NewRelation],
    new_position: &[u32],
    kinds: &KindEnds,
    entities: &[Entity],
) -> Result<(), GraphError> {
    for r in relations {
        r.from = new_position[r.from as usize];
        r.to = new_position[r.to as usize];
        if r.from == r.to
            || !r
                .rel_type
                .allows(kinds.kind_at(r.from), kinds.kind_at(r.to))
        {
            let id = RelationId {
                rel_type: r.rel_type,
                from: &entities[r.from as usize].id,
                to: &entities[r.to as usize].id,
            };
            return Err(GraphError::KindMismatch(id.to_string()));
        }
    }
    Ok(())
}

/// Each entity's rank among the ids, as a relation's id orders them: a
/// relation's id is `relation:<type>/<from>/<to>`, so `from` is compared
/// followed by `/` and `to` alone. The two orders differ where an id is
/// the start of another followed by `-` (`a-b/` < `a/`, but `a` < `a-b`).
struct IdRanks {
    /// By position: the rank of the id as text.
    to_rank: Vec<u32>,
    /// By position: the rank of the id followed by `/`.
    from_rank: Vec<u32>,
}

impl IdRanks {
    /// The ranks of `entities`, sorted by kind, then id.
    fn new(entities: &[Entity], kinds: &KindEnds) -> IdRanks {
        let n = entities.len();
        let id = |i: u32| entities[i as usize].id.as_str().as_bytes();
        // The ids as text: each kind's ids are in order already, and no
        // kind's prefix starts another's, so the kinds' runs ordered by
        // prefix are all of them in order.
        let mut by_prefix = EntityKind::ALL.to_vec();
        by_prefix.sort_by_key(|k| k.prefix());
        let mut as_text: Vec<u32> = Vec::with_capacity(n);
        for kind in by_prefix {
            as_text.extend(kinds.run(kind));
        }
        debug_assert!(as_text.windows(2).all(|w| id(w[0]) < id(w[1])));
        // Nearly in order already: a stable sort of it is nearly linear.
        let mut before_slash = as_text.clone();
        before_slash.sort_by(|&a, &b| crate::model::cmp_before_slash(id(a), id(b)));
        let ranks = |order: &[u32]| {
            let mut rank = vec![0u32; n];
            for (r, &i) in order.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            rank
        };
        IdRanks {
            to_rank: ranks(&as_text),
            from_rank: ranks(&before_slash),
        }
    }
}

/// The relations of `parts` (whose ends are positions in `entities`) in
/// one list sorted by id, with the tables of what they hold (`tables`,
/// which hold their sources and the entities' already); or two relations
/// that have one id. `keys` is empty, with room for a key (key, part,
/// position in the part) a relation.
///
/// The ids are never compared as text: a relation's id orders as the
/// integer (its type's rank, its `from`'s rank, its `to`'s rank). Each
/// relation is then read once, from its part, into the list and the
/// tables: its reads are independent of each other, where following a
/// permutation's cycles in place waits for each cache miss in turn.
fn sort_by_id(
    parts: &[RelationPart],
    ranks: &IdRanks,
    entities: &[Entity],
    mut tables: TablesBuilder<'_>,
    mut keys: Vec<(u64, u32, u32)>,
) -> Result<(Vec<StoredRelation>, Tables, QuoteRefs), GraphError> {
    let mut types = RelationType::ALL.to_vec();
    types.sort_by(|a, b| a.cmp_in_ids(*b));
    let mut type_rank = [0u64; RelationType::ALL.len()];
    for (r, t) in types.iter().enumerate() {
        type_rank[*t as usize] = r as u64;
    }
    for (p, part) in parts.iter().enumerate() {
        keys.extend(part.relations.iter().enumerate().map(|(i, r)| {
            let key = type_rank[r.rel_type as usize] << 60
                | u64::from(ranks.from_rank[r.from as usize]) << 30
                | u64::from(ranks.to_rank[r.to as usize]);
            (key, p as u32, i as u32)
        }));
    }
    keys.sort_unstable();
    if let Some(w) = keys.windows(2).find(|w| w[0].0 == w[1].0) {
        let r = &parts[w[0].1 as usize].relations[w[0].2 as usize];
        let id = RelationId {
            rel_type: r.rel_type,
            from: &entities[r.from as usize].id,
            to: &entities[r.to as usize].id,
        };
        return Err(GraphError::DuplicateRelation(id.to_string()));
    }
    // The relations are read in id order, from anywhere in their parts:
    // each is waited for in memory. So they are taken in batches, a first
    // pass reading each relation, whose reads do not wait for each other
    // (their misses overlap), before the batch is stored from the cache.
    let mut relations = Vec::with_capacity(keys.len());
    for batch in keys.chunks(32) {
        let relation = |&(_, p, i): &(u64, u32, u32)| &parts[p as usize].relations[i as usize];
        let mut touched = 0u32;
        for key in batch {
            let r = relation(key);
            touched ^= r.from;
        }
        std::hint::black_box(touched);
        for key in batch {
            relations.push(tables.store(relations.len() as u32, relation(key))?);
        }
    }
    let (tables, quotes) = tables.finish();
    Ok((relations, tables, quotes))
}

/// [`Tables`] in the making: each distinct role and section, each cited
/// document and each pair of document and section a source cites, is
/// found by its address or its position (the loader shares each).
/// Sections that are equal but not shared are each kept, and read the
/// same; roles are kept once a text (a relation has 24 bits for its role).
struct TablesBuilder<'c> {
    tables: Tables,
    /// Where the sources' quotes are, in order.
    quotes: QuoteRefs,
    roles: foldhash::HashMap<*const u8, u32>,
    /// By text, for roles equal to one already stored but not shared.
    role_texts: foldhash::HashMap<ArcStr, u32>,
    /// The documents sources cite, by the position they give.
    cited: &'c [Arc<Document>],
    /// By position in `cited`: where the document is in the tables, once
    /// stored.
    documents: Vec<Option<u32>>,
    sections: foldhash::HashMap<*const u8, u32>,
    /// By the document's position in `cited` and the section's address
    /// (null for none): one look-up per source, the other two only for a
    /// new pair.
    places: foldhash::HashMap<(u32, *const u8), u32>,
}

impl<'c> TablesBuilder<'c> {
    /// Room for `sources` sources and `entities` entities, made once; the
    /// sources' documents are positions in `cited`.
    fn with_capacity(sources: usize, entities: usize, cited: &'c [Arc<Document>]) -> Self {
        let mut builder = TablesBuilder {
            tables: Tables::default(),
            quotes: QuoteRefs::default(),
            roles: Default::default(),
            role_texts: Default::default(),
            cited,
            documents: vec![None; cited.len()],
            sections: Default::default(),
            places: Default::default(),
        };
        builder.quotes.refs.reserve_exact(sources);
        builder.tables.source_places.reserve_exact(sources);
        builder.tables.source_starts = SourceStarts::with_capacity(sources);
        builder.tables.entity_sources.reserve_exact(entities + 1);
        builder
    }

    /// The sources of `relations` (the part's at `part`), in their order,
    /// into the tables; each relation is given its first.
    fn relation_sources(&mut self, relations: &mut [NewRelation], part: u32) {
        for r in relations {
            if r.sources.is_empty() {
                continue;
            }
            let first = self.quotes.refs.len();
            r.first_source = first as u32;
            self.tables.source_starts.mark(first);
            self.sources(&r.sources, part);
        }
    }

    /// The sources of each entity (by position) into the tables, after the
    /// relations' (which end here).
    fn entity_sources(&mut self, entity_sources: &[EntitySources]) {
        self.tables.source_starts.mark(self.quotes.refs.len());
        for e in entity_sources {
            let first = self.quotes.refs.len() as u32;
            self.tables.entity_sources.push(first);
            self.sources(&e.sources, e.part);
        }
        let end = self.quotes.refs.len() as u32;
        self.tables.entity_sources.push(end);
    }

    /// The tables, with no quotes yet: where they are is the second part.
    fn finish(self) -> (Tables, QuoteRefs) {
        (self.tables, self.quotes)
    }

    /// `sources` (their quotes in the block of the part at `part`), in
    /// order, into the tables.
    fn sources(&mut self, sources: &[NewSource], part: u32) {
        for s in sources {
            self.source(s.document, s.section.as_ref(), part, s.quote);
        }
    }

    /// A source citing `section` of `document` (its position in the cited
    /// documents) with `quote` (in the block of the part at `part`), into
    /// the tables.
    fn source(&mut self, document: u32, section: Option<&ArcStr>, part: u32, quote: QuoteSpan) {
        let t = &mut self.tables;
        let section_at = section.map_or(std::ptr::null(), |s| s.as_ptr());
        let place = *self
            .places
            .entry((document, section_at))
            .or_insert_with(|| {
                let stored = &mut self.documents[document as usize];
                let document = *stored.get_or_insert_with(|| {
                    t.documents.push(self.cited[document as usize].clone());
                    (t.documents.len() - 1) as u32
                });
                let section = section.map_or(Place::NO_SECTION, |section| {
                    *self.sections.entry(section.as_ptr()).or_insert_with(|| {
                        t.sections.push(section.clone());
                        (t.sections.len() - 1) as u32
                    })
                });
                t.places.push(Place { document, section });
                (t.places.len() - 1) as u32
            });
        let quotes = &mut self.quotes;
        quotes.bytes += quote.len();
        assert!(
            quotes.bytes < u32::MAX as usize,
            "a graph holds less than 4 GiB of quotes"
        );
        // A source's position, and the end of the last, fit in 32 bits
        // below `StoredRelation::NO_SOURCES`.
        assert!(
            quotes.refs.len() + 1 < StoredRelation::NO_SOURCES as usize,
            "a graph holds fewer than 2^32 - 2 sources"
        );
        quotes.refs.push((part, quote));
        t.source_places.push(place);
    }

    /// The relation at `position` in id order, its role and note into the
    /// tables (its sources are stored already).
    ///
    /// Fails past [`StoredRelation::MAX_ROLES`] distinct roles.
    fn store(&mut self, position: u32, r: &NewRelation) -> Result<StoredRelation, GraphError> {
        let t = &mut self.tables;
        let role = match &r.role {
            None => 0,
            Some(role) => match self.roles.get(&role.as_ptr()) {
                Some(&at) => 1 + at,
                None => {
                    let at = *self.role_texts.entry(role.clone()).or_insert_with(|| {
                        t.roles.push(role.clone());
                        (t.roles.len() - 1) as u32
                    });
                    if t.roles.len() > StoredRelation::MAX_ROLES {
                        return Err(GraphError::TooManyRoles);
                    }
                    self.roles.insert(role.as_ptr(), at);
                    1 + at
                }
            },
        };
        if let Some(note) = &r.note {
            t.notes.push((position, note.clone()));
        }
        let [a, b, c, _] = role.to_le_bytes();
        Ok(StoredRelation {
            rel_type: r.rel_type,
            role: [a, b, c],
            from: r.from,
            to: r.to,
            sources: r.first_source,
        })
    }
}

/// Where each source's quote is, in the sources' order: in the block of a
/// part (its position among the parts), and where in it. They are read
/// from there when the quotes are packed, so that they are never copied
/// into one block first.
#[derive(Default)]
struct QuoteRefs {
    refs: Vec<(u32, QuoteSpan)>,
    /// Their length in all.
    bytes: usize,
}

impl QuoteRefs {
    fn quote<'b>(&self, blocks: &'b [QuoteBlock], i: usize) -> &'b str {
        let (part, span) = self.refs[i];
        blocks[part as usize].get(span)
    }

    /// The quotes, packed if that makes them smaller.
    fn collect(&self, blocks: &[QuoteBlock]) -> super::quotes::Quotes {
        super::quotes::Quotes::new(self.refs.len(), self.bytes, |i| self.quote(blocks, i))
    }
}

/// Sorts `entities` by kind (enum order), then id, and `sources` (theirs,
/// by position) alike.
///
/// Their order is found on keys (the kind, then the first 24 bytes of the
/// slug, which decide most comparisons without reading the id's text), and
/// then they are moved once: a sort of the entities themselves read two
/// ids' texts, from anywhere in memory, at every comparison, and moved the
/// large entities at every step.
///
/// Returns each entity's new position, by its old one.
fn sort_entities(entities: &mut Vec<Entity>, sources: &mut Vec<EntitySources>) -> Vec<u32> {
    let head = |e: &Entity| {
        let slug = e.id.slug().as_bytes();
        let mut head = [0u8; 24];
        let n = slug.len().min(head.len());
        head[..n].copy_from_slice(&slug[..n]);
        // A slug's bytes are never 0: a shorter slug comes first, as text.
        let (first, rest) = head.split_at(16);
        (
            u128::from_be_bytes(first.try_into().expect("16 bytes")),
            u64::from_be_bytes(rest.try_into().expect("8 bytes")),
        )
    };
    // The keys, a half on each of two threads, then put by kind (a
    // counting sort): each kind's run is then sorted alone, the runs shared
    // between two threads.
    let key = |i: usize| {
        let e = &entities[i];
        (e.kind(), head(e), i as u32)
    };
    let middle = entities.len() / 2;
    let halves = on_two_threads(
        || (0..middle).map(key).collect::<Vec<EntityKey>>(),
        || {
            (middle..entities.len())
                .map(key)
                .collect::<Vec<EntityKey>>()
        },
    );
    let mut counts = [0usize; EntityKind::ALL.len()];
    for k in halves.0.iter().chain(&halves.1) {
        counts[k.0 as usize] += 1;
    }
    let mut starts = [0usize; EntityKind::ALL.len()];
    for kind in 1..counts.len() {
        starts[kind] = starts[kind - 1] + counts[kind - 1];
    }
    let mut keys: Vec<EntityKey> = vec![(EntityKind::ALL[0], (0, 0), 0); entities.len()];
    let mut fill = starts;
    for k in halves.0.into_iter().chain(halves.1) {
        keys[fill[k.0 as usize]] = k;
        fill[k.0 as usize] += 1;
    }
    // The runs, largest first, each to the thread with fewer keys so far.
    let mut runs: Vec<&mut [EntityKey]> = Vec::new();
    let mut rest = &mut keys[..];
    for &count in &counts {
        let (run, after) = rest.split_at_mut(count);
        runs.push(run);
        rest = after;
    }
    runs.sort_by_key(|run| std::cmp::Reverse(run.len()));
    let (mut one, mut other): (Vec<&mut [EntityKey]>, Vec<&mut [EntityKey]>) = Default::default();
    let (mut one_len, mut other_len) = (0, 0);
    for run in runs {
        if one_len <= other_len {
            one_len += run.len();
            one.push(run);
        } else {
            other_len += run.len();
            other.push(run);
        }
    }
    let sort = |runs: Vec<&mut [EntityKey]>| {
        for run in runs {
            run.sort_unstable();
            // Ids whose slugs begin alike: by the whole id.
            let id = |key: &EntityKey| &entities[key.2 as usize].id;
            for alike in run.chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1)) {
                if alike.len() > 1 {
                    alike.sort_unstable_by(|a, b| id(a).cmp(id(b)));
                }
            }
        }
    };
    on_two_threads(|| sort(one), || sort(other));
    let mut new_position = vec![0u32; entities.len()];
    for (k, &(_, _, i)) in keys.iter().enumerate() {
        new_position[i as usize] = k as u32;
    }
    let order: Vec<u32> = keys.into_iter().map(|(_, _, i)| i).collect();
    on_two_threads(|| gather(sources, &order), || gather(entities, &order));
    new_position
}

/// An entity's kind, the first 24 bytes of its id's slug, and its position.
type EntityKey = (EntityKind, (u128, u64), u32);

/// Puts `items` in a new order: `source[k]` is where the item that goes to
/// `k` is. They are read from there into a new list, in order: their reads
/// do not wait for each other, where following the permutation's cycles
/// in place waited for each item's cache miss in turn.
fn gather<T>(items: &mut Vec<T>, source: &[u32]) {
    debug_assert_eq!(items.len(), source.len());
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    *items = source
        .iter()
        .map(|&from| slots[from as usize].take().expect("a permutation"))
        .collect();
}

/// The graph's connectivity for petgraph's algorithms, of `n` entities
/// linked by `relations`: each linked pair once (a CSR wants its edges
/// sorted and distinct), 4 bytes a pair and 8 an entity.
///
/// The pairs are put in order by their first end with a counting sort,
/// then each entity's (five on average) by their second: a sort of all
/// the pairs at once was 2.4% of a 100k load's instructions.
fn linked_pairs(relations: &[StoredRelation], n: usize) -> super::LinkedPairs {
    // ends[i + 1] counts entity i's pairs; summed, ends[i] is where entity
    // i's begin, and it is moved on as each is placed, to end where entity
    // i + 1's begin.
    let mut ends = vec![0u32; n + 1];
    for r in relations {
        ends[r.from as usize + 1] += 1;
    }
    let mut total = 0;
    for end in &mut ends {
        total += *end;
        *end = total;
    }
    let mut pairs = vec![(0u32, 0u32); relations.len()];
    for r in relations {
        let at = &mut ends[r.from as usize];
        pairs[*at as usize] = (r.from, r.to);
        *at += 1;
    }
    let mut begin = 0;
    for &end in &ends[..n] {
        pairs[begin..end as usize].sort_unstable();
        begin = end as usize;
    }
    drop(ends);
    pairs.dedup();
    let mut graph: super::LinkedPairs =
        Csr::from_sorted_edges(&pairs).expect("sorted and distinct");
    // It holds the nodes up to the last linked one: the rest too.
    while graph.node_count() < n {
        graph.add_node(());
    }
    graph
}

/// The adjacency of `n` entities linked by `relations` (compressed sparse
/// rows): where each entity's entries begin, and the entries, each
/// entity's in the relations' order ([`order_adjacency`] puts them in
/// theirs); and beside each entry, the other end of its relation, which
/// the order needs (read here, where the relations are read in order).
fn adjacency(n: usize, relations: &[StoredRelation]) -> (Vec<u32>, Vec<Adj>, Vec<u32>) {
    let ends = || relations.iter().map(|r| (r.from, r.to));
    let mut degree = vec![0u32; n + 1];
    for (from, to) in ends() {
        degree[from as usize] += 1;
        degree[to as usize] += 1;
    }
    // adjacency_start[i] = where entity i's relations begin.
    let mut adjacency_start = Vec::with_capacity(n + 1);
    let mut total = 0u32;
    for d in &degree {
        adjacency_start.push(total);
        total += d;
    }
    let mut fill: Vec<u32> = adjacency_start.clone();
    let mut adjacency = vec![Adj::new(0, false); total as usize];
    let mut others = vec![0u32; total as usize];
    for (i, (from, to)) in ends().enumerate() {
        let relation = i as u32;
        for (at, other, outgoing) in [(from, to, true), (to, from, false)] {
            let place = fill[at as usize] as usize;
            adjacency[place] = Adj::new(relation, outgoing);
            others[place] = other;
            fill[at as usize] += 1;
        }
    }
    (adjacency_start, adjacency, others)
}

/// Puts each entity's entries of `adjacency` in the order the graph reads
/// them: relation type, then the other end's name (folded: accents and case
/// ignored, then as written; `name_rank` by position), then the relation id
/// (relations are sorted by id, so their position), then outgoing first. A
/// relation's type comes from its position (`type_runs`), and its other
/// end from `others` (beside each entry), not from the relation, which is
/// anywhere in memory.
fn order_adjacency(
    adjacency_start: &[u32],
    adjacency: &mut [Adj],
    others: &[u32],
    type_runs: &super::TypeRuns,
    name_rank: &[u32],
) {
    // Each entry's key is read once, into a list sorted in its place: a
    // sort by a key read at each comparison read it 2 log n times.
    let mut keyed: Vec<(u64, u32)> = Vec::new();
    for bounds in adjacency_start.windows(2) {
        let range = bounds[0] as usize..bounds[1] as usize;
        let (edges, others) = (&mut adjacency[range.clone()], &others[range]);
        if edges.len() < 2 {
            continue;
        }
        keyed.clear();
        keyed.extend(edges.iter().zip(others).map(|(a, &other)| {
            let rel_type = type_runs.type_at(a.relation()) as u64;
            let name = name_rank[other as usize];
            // A relation's position is below 2^31: with the direction
            // (outgoing first), 32 bits.
            let relation = a.relation() << 1 | u32::from(!a.outgoing());
            (rel_type << 32 | u64::from(name), relation)
        }));
        keyed.sort_unstable();
        for (a, &(_, relation)) in edges.iter_mut().zip(&keyed) {
            *a = Adj::new(relation >> 1, relation & 1 == 0);
        }
    }
}

/// Each entity's dense rank by (folded name, name): equal names share a
/// rank. The folded names are the search index's.
///
/// Most names repeat (people's especially): entities are grouped by name
/// first, and only the groups are sorted, by the first 16 bytes of their
/// folded names, held beside them; their texts are compared only when
/// those are equal. Sorting every entity compared the texts of equal names
/// again and again, each read from anywhere in memory.
fn name_ranks(entities: &[Entity], search: &search::SearchIndex) -> Vec<u32> {
    // The position of each group's first entity.
    let mut firsts: Vec<u32> = Vec::new();
    let mut groups: foldhash::HashMap<&str, u32> =
        foldhash::HashMap::with_capacity_and_hasher(entities.len() / 4, Default::default());
    let group: Vec<u32> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            *groups.entry(&*e.name).or_insert_with(|| {
                firsts.push(i as u32);
                (firsts.len() - 1) as u32
            })
        })
        .collect();
    drop(groups);
    // Each group's folded name, looked up once (a sort's comparisons looked
    // it up again each time, splitting the entity's names to find it).
    let folded: Vec<&str> = firsts.iter().map(|&f| search.folded_name(f)).collect();
    let key = |g: u32| {
        let first = firsts[g as usize];
        (folded[g as usize], &*entities[first as usize].name)
    };
    let head = |text: &str| {
        let mut bytes = [0u8; 16];
        let n = text.len().min(16);
        bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
        u128::from_be_bytes(bytes)
    };
    // A folded name holds no zero byte: a shorter name padded with zeros
    // sorts before a longer one it starts, as its text does.
    let mut order: Vec<(u128, u32)> = (0..firsts.len() as u32)
        .map(|g| (head(key(g).0), g))
        .collect();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(a.1).cmp(&key(b.1))));
    // The groups' names differ, so their keys do: each group is a rank.
    let mut group_rank = vec![0u32; firsts.len()];
    for (rank, &(_, g)) in order.iter().enumerate() {
        group_rank[g as usize] = rank as u32;
    }
    group.iter().map(|&g| group_rank[g as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArcStr, Details, Direction, OrganisationCategory, Source};

    fn entity(id: &str) -> Entity {
        let id = EntityId::parse(id).expect("a valid id");
        let details = match id.kind() {
            crate::model::EntityKind::Person => Details::Person { honorific: None },
            _ => Details::Organisation {
                acronym: None,
                category: OrganisationCategory::Other,
            },
        };
        Entity::new(id.clone(), id.slug(), details)
    }

    proptest::proptest! {
        /// Names with long common starts, names equal once folded, and
        /// names that fold to nothing, ranked as a sort of every entity by
        /// (folded name, name) ranks them.
        #[test]
        fn name_ranks_are_dense_ranks_by_folded_name_then_name(
            names in proptest::collection::vec(
                "(Organisation of [a-c]{0,2}|[A-Ca-cé]{0,3})[ -]?[a-cÉ]{0,2}|--",
                0..40,
            ),
        ) {
            let entities: Vec<Entity> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let mut e = entity(&format!("organisation:o-{i}"));
                    e.name = name.as_str().into();
                    e
                })
                .collect();
            let search = search::SearchIndex::build(&entities);
            let key = |i: usize| (super::super::fold(&entities[i].name), &*entities[i].name);
            let mut order: Vec<usize> = (0..entities.len()).collect();
            order.sort_by(|&a, &b| key(a).cmp(&key(b)));
            let mut want = vec![0u32; entities.len()];
            for k in 1..order.len() {
                let step = u32::from(key(order[k - 1]) != key(order[k]));
                want[order[k]] = want[order[k - 1]] + step;
            }
            proptest::prop_assert_eq!(name_ranks(&entities, &search), want);
        }

        /// Repeated pairs, pairs both ways, loops, and entities with no
        /// pair (the last among them): each linked pair once, in order,
        /// and every entity a node.
        #[test]
        fn linked_pairs_are_the_distinct_pairs_in_order(
            n in 1usize..12,
            ends in proptest::collection::vec((0u32..12, 0u32..12), 0..60),
        ) {
            let relations: Vec<StoredRelation> = ends
                .iter()
                .map(|&(from, to)| StoredRelation {
                    rel_type: RelationType::MemberOf,
                    role: [0; 3],
                    from: from % n as u32,
                    to: to % n as u32,
                    sources: StoredRelation::NO_SOURCES,
                })
                .collect();
            let mut want: Vec<(u32, u32)> = relations.iter().map(|r| (r.from, r.to)).collect();
            want.sort_unstable();
            want.dedup();
            let graph = linked_pairs(&relations, n);
            proptest::prop_assert_eq!(graph.node_count(), n);
            let got: Vec<(u32, u32)> = (0..n as u32)
                .flat_map(|a| graph.neighbors_slice(a).iter().map(move |&b| (a, b)))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    /// `entities`, each with no source.
    fn unsourced(entities: impl IntoIterator<Item = Entity>) -> Vec<(Entity, Sources)> {
        entities.into_iter().map(|e| (e, Sources::new())).collect()
    }

    fn relation(rel_type: RelationType, from: &Entity, to: &Entity) -> Relation {
        Relation {
            rel_type,
            from: from.id.clone(),
            to: to.id.clone(),
            role: None,
            note: None,
            sources: Default::default(),
        }
    }

    /// Every relation reads back the role, note and sources it was given,
    /// and every entity the sources it was given, from the graph's tables:
    /// none, one or several sources (the last relation's and the last
    /// entity's included), shared texts and equal texts not shared,
    /// documents outside the graph's list. With few quotes they are held as
    /// text; with more, packed.
    #[test]
    fn relations_read_back_what_they_hold() {
        read_back_what_they_hold(12, false);
        read_back_what_they_hold(300, true);
    }

    fn read_back_what_they_hold(people: usize, packed: bool) {
        let mut rng = fastrand::Rng::with_seed(11);
        let doc = |key: &str| {
            Arc::new(Document {
                key: key.to_string(),
                title: format!("The {key}"),
                publisher: "P".to_string(),
                date: None,
                url: None,
                text_file: None,
            })
        };
        let docs = [doc("a"), doc("b"), doc("c")];
        let shared_role = ArcStr::from("Chair");
        let shared_section = ArcStr::from("Part 1");
        let people: Vec<Entity> = (0..people)
            .map(|i| entity(&format!("person:p{i}")))
            .collect();
        let orgs: Vec<Entity> = (0..5)
            .map(|i| entity(&format!("organisation:o{i}")))
            .collect();
        let mut relations = Vec::new();
        for p in &people {
            for o in &orgs {
                if rng.bool() {
                    continue;
                }
                let mut r = relation(RelationType::AffiliatedWith, p, o);
                r.role = match rng.usize(0..3) {
                    0 => None,
                    1 => Some(shared_role.clone()),
                    _ => Some(ArcStr::from(if rng.bool() { "Chair" } else { "Lead" })),
                };
                r.note = rng
                    .bool()
                    .then(|| ArcStr::from(format!("note {}", relations.len())));
                for n in 0..rng.usize(0..4) {
                    r.sources.push(Source {
                        document: docs[rng.usize(0..docs.len())].clone(),
                        section: match rng.usize(0..3) {
                            0 => None,
                            1 => Some(shared_section.clone()),
                            _ => Some(ArcStr::from(format!("Part {n}"))),
                        },
                        quote: format!("{} works with {} ({n}) é", p.name, o.name).into(),
                    });
                }
                relations.push(r);
            }
        }
        let expected: foldhash::HashMap<String, Relation> =
            relations.iter().map(|r| (r.id(), r.clone())).collect();
        let mut entities = unsourced(people.iter().chain(&orgs).cloned());
        for (e, sources) in &mut entities {
            for n in 0..rng.usize(0..4) {
                sources.push(Source {
                    document: docs[rng.usize(0..docs.len())].clone(),
                    section: rng.bool().then(|| shared_section.clone()),
                    quote: format!("{} is here ({n})", e.name).into(),
                });
            }
        }
        let given_entities: foldhash::HashMap<EntityId, Sources> = entities
            .iter()
            .map(|(e, sources)| (e.id.clone(), sources.clone()))
            .collect();
        let graph = Graph::new(docs[..1].to_vec(), entities, relations).expect("a valid graph");
        for e in graph.entities() {
            let sources: Vec<_> = graph.sources_of(e).collect();
            let given: Vec<_> = given_entities[&e.id].iter().map(Source::as_ref).collect();
            assert_eq!(sources, given, "{}", e.id);
        }
        assert_eq!(graph.relation_count(), expected.len());
        for r in graph.relations() {
            let given = &expected[&r.id()];
            assert_eq!(r.role(), given.role.as_deref(), "{}", r.id());
            assert_eq!(r.note(), given.note.as_deref(), "{}", r.id());
            let sources: Vec<_> = r.sources().collect();
            let given_sources: Vec<_> = given.sources.iter().map(Source::as_ref).collect();
            assert_eq!(sources, given_sources, "{}", r.id());
        }
        // What the graph says it holds: every quote's text once (or less,
        // packed), a 16-byte relation each, a 6-byte source each and a
        // start per entity.
        let quotes = expected
            .values()
            .flat_map(|r| &r.sources)
            .map(|s| s.quote.len());
        let entity_quotes = given_entities.values().flatten().map(|s| s.quote.len());
        let relation_sources = expected.values().map(|r| r.sources.len()).sum::<usize>();
        let sources = relation_sources + given_entities.values().map(|s| s.len()).sum::<usize>();
        let parts: foldhash::HashMap<_, _> = graph.memory_use().into_iter().collect();
        let text = quotes.chain(entity_quotes).sum::<usize>();
        if packed {
            assert!(parts["quotes"] < text / 2, "{} of {text}", parts["quotes"]);
        } else {
            assert_eq!(parts["quotes"], text);
        }
        assert_eq!(parts["relations"], 16 * expected.len());
        // A place in 2 bytes, a length in 1 (the quotes are short), a
        // start for every 16 sources and for every piece of them, a start
        // per entity, and a bit per relation's source (and the end).
        assert_eq!(
            parts["sources"],
            3 * sources
                + 4 * sources.div_ceil(16)
                + 4 * sources.div_ceil(super::super::quotes::PIECE)
                + 4 * (graph.entities().len() + 1)
                + 8 * (relation_sources / 64 + 1)
        );
    }

    /// Ids that are the start of others, followed by `-`, a digit or a
    /// letter: as text and followed by `/` they sort differently.
    const SLUGS: &[&str] = &[
        "a", "a-b", "a-b-c", "a0", "ab", "a-", "b", "b-a", "z-9", "z",
    ];

    /// Relations come out ordered by their id's text, whatever their order
    /// in, and each is at both its ends' adjacency with the right other end.
    #[test]
    fn relations_are_ordered_by_id_text() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..40 {
            let mut entities: Vec<Entity> = Vec::new();
            for kind in ["person", "organisation"] {
                for slug in SLUGS {
                    entities.push(entity(&format!("{kind}:{slug}")));
                }
            }
            let (people, orgs) = entities.split_at(SLUGS.len());
            let mut relations = Vec::new();
            for p in people {
                for o in orgs {
                    for t in [RelationType::AffiliatedWith, RelationType::Leads] {
                        if rng.usize(0..3) > 0 {
                            relations.push(relation(t, p, o));
                        }
                    }
                }
            }
            for a in orgs {
                for b in orgs {
                    if a.id != b.id && rng.bool() {
                        relations.push(relation(RelationType::PartOf, a, b));
                    }
                }
            }
            rng.shuffle(&mut relations);
            rng.shuffle(&mut entities);
            let count = relations.len();
            let graph =
                Graph::new(Vec::new(), unsourced(entities), relations).expect("a valid graph");
            let ids: Vec<String> = graph.relations().map(|r| r.id()).collect();
            assert_eq!(ids.len(), count);
            for w in ids.windows(2) {
                assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
            }
            for (i, r) in graph.relations().enumerate() {
                assert_eq!(graph.relation(&ids[i]), Some(r));
                assert_eq!(graph.relation_at(i), r);
                assert_eq!(r.position(), i);
                let out = graph.edges(&r.from().id, None, crate::model::Direction::Out);
                assert!(out
                    .iter()
                    .any(|e| e.relation == r && std::ptr::eq(e.other, r.to())));
                let inc = graph.edges(&r.to().id, None, crate::model::Direction::In);
                assert!(inc
                    .iter()
                    .any(|e| e.relation == r && std::ptr::eq(e.other, r.from())));
            }
            // Types read off positions, and the runs of each type.
            for (i, r) in graph.relations().enumerate() {
                assert_eq!(graph.type_runs.type_at(i as u32), r.rel_type);
            }
            for &t in RelationType::ALL {
                let run = graph.run_of_type(t);
                let of_t = graph.relations().filter(|r| r.rel_type == t);
                assert_eq!(run.len(), of_t.count(), "{t:?}");
                assert!(run.into_iter().all(|i| graph.relation_at(i).rel_type == t));
            }
            // An entity's neighbours of one type: its edges of that type.
            for e in graph.entities() {
                for t in [
                    RelationType::AffiliatedWith,
                    RelationType::Leads,
                    RelationType::PartOf,
                ] {
                    for d in [Direction::Out, Direction::In, Direction::Both] {
                        let got: Vec<usize> = graph
                            .neighbours(&e.id, t, d)
                            .map(|x| x.relation.position())
                            .collect();
                        let want: Vec<usize> = graph
                            .edges(&e.id, None, d)
                            .iter()
                            .filter(|x| x.relation.rel_type == t)
                            .map(|x| x.relation.position())
                            .collect();
                        assert_eq!(got, want, "{} {t:?} {d:?}", e.id);
                        // `edges_of` is `edges`, without the look-up.
                        let types = [t, RelationType::PartOf];
                        for types in [None, Some(&types[..1]), Some(&types[..])] {
                            let got: Vec<usize> = graph
                                .edges_of(e, types, d)
                                .map(|x| x.relation.position())
                                .collect();
                            let want: Vec<usize> = graph
                                .edges(&e.id, types, d)
                                .iter()
                                .map(|x| x.relation.position())
                                .collect();
                            assert_eq!(got, want, "{} {types:?} {d:?}", e.id);
                            // Of the types asked for: every edge's, filtered.
                            let filtered: Vec<usize> = graph
                                .edges(&e.id, None, d)
                                .iter()
                                .filter(|x| {
                                    types.is_none_or(|ts| ts.contains(&x.relation.rel_type))
                                })
                                .map(|x| x.relation.position())
                                .collect();
                            assert_eq!(want, filtered, "{} {types:?} {d:?}", e.id);
                            // Counted and skipped without being made: the
                            // same count, and the same edges after a skip.
                            assert_eq!(graph.edge_count_of(e, types, d), want.len());
                            for skip in [0, 1, want.len() / 2, want.len(), want.len() + 1] {
                                let after: Vec<usize> = graph
                                    .edges_of_after(e, types, d, skip)
                                    .map(|x| x.relation.position())
                                    .collect();
                                assert_eq!(after, want[skip.min(want.len())..], "skip {skip}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// Entities come out by kind (in `EntityKind::ALL`'s order, which is not
    /// their ids' alphabetical order), then by id.
    #[test]
    fn entities_are_ordered_by_kind_then_id() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut entities: Vec<Entity> = Vec::new();
        // Slugs alike in their first 16 or 24 bytes (the sort's keys hold 24),
        // and differing after.
        let long = [
            "celine-eriksen-1",
            "celine-eriksen-10",
            "celine-eriksen-100",
            "celine-eriksen-1-2",
            "celine-eriksen-2",
            "celine-eriksen-",
            "celine-eriksen",
            "celine-eriksen-19",
            "innovation-bureau-of-western-1",
            "innovation-bureau-of-western-2",
            "innovation-bureau-of-wes",
            "innovation-bureau-of-west",
        ];
        for kind in EntityKind::ALL {
            for slug in SLUGS.iter().chain(&long) {
                entities.push(entity(&format!("{}:{slug}", kind.prefix())));
            }
        }
        rng.shuffle(&mut entities);
        let graph = Graph::new(Vec::new(), unsourced(entities), Vec::new()).expect("a valid graph");
        let order: Vec<(usize, &str)> = graph
            .entities()
            .iter()
            .map(|e| {
                let kind = EntityKind::ALL.iter().position(|&k| k == e.kind());
                (kind.unwrap(), e.id.as_str())
            })
            .collect();
        let mut expected = order.clone();
        expected.sort();
        assert_eq!(order, expected);
        for (i, e) in graph.entities().iter().enumerate() {
            assert_eq!(
                graph.entity(e.id.as_str()).map(|f| f.id.as_str()),
                Some(e.id.as_str()),
                "{i}"
            );
        }
    }

    #[test]
    fn an_empty_graph_and_one_without_relations_build() {
        let empty = Graph::new(Vec::new(), Vec::new(), Vec::new()).expect("builds");
        assert_eq!((empty.entities().len(), empty.relations().len()), (0, 0));
        let lone =
            Graph::new(Vec::new(), unsourced([entity("person:a")]), Vec::new()).expect("builds");
        let id = EntityId::parse("person:a").unwrap();
        assert!(lone
            .edges(&id, None, crate::model::Direction::Both)
            .is_empty());
    }

    #[test]
    fn bad_relations_are_refused() {
        let entities: Vec<Entity> = ["person:a", "person:a-b", "organisation:a"]
            .into_iter()
            .map(entity)
            .collect();
        let (p, q, o) = (&entities[0], &entities[1], &entities[2]);
        let build = |relations: Vec<Relation>| {
            Graph::new(Vec::new(), unsourced(entities.clone()), relations)
        };
        let twice = vec![
            relation(RelationType::AffiliatedWith, p, o),
            relation(RelationType::AffiliatedWith, q, o),
            relation(RelationType::AffiliatedWith, p, o),
        ];
        assert!(
            matches!(build(twice), Err(GraphError::DuplicateRelation(id))
            if id == "relation:affiliated-with/person:a/organisation:a")
        );
        let unknown = vec![relation(
            RelationType::AffiliatedWith,
            p,
            &entity("organisation:x"),
        )];
        assert!(
            matches!(build(unknown), Err(GraphError::UnknownEntity { entity, .. })
            if entity.as_str() == "organisation:x")
        );
        let wrong_kinds = vec![relation(RelationType::AffiliatedWith, o, p)];
        assert!(matches!(
            build(wrong_kinds),
            Err(GraphError::KindMismatch(_))
        ));
        let to_itself = vec![relation(RelationType::PartOf, o, o)];
        assert!(matches!(build(to_itself), Err(GraphError::KindMismatch(_))));
        let mut held_twice = entities.clone();
        held_twice.push(entity("person:a-b"));
        assert!(matches!(
            Graph::new(Vec::new(), unsourced(held_twice), Vec::new()),
            Err(GraphError::DuplicateEntity(id)) if id.as_str() == "person:a-b"
        ));
    }
}
