//! Turns parsed files into checked model records, collecting every problem.
//!
//! Each file is converted by the thread that parsed it, as soon as it is
//! parsed: records with no problem of their own become compact records (ids
//! and document keys as numbers, lines instead of spans); the others are
//! kept as written. Then, in path order: documents, entities (duplicates
//! named at their first place), relations (each file on any core, every
//! entity being known), and the problems in the order the checks find them.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use foldhash::HashMap as FastMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use toml::Spanned;

use super::intern::{Batch, Interner};
use super::parse::{self, FileCtx, Lines};
use super::raw::{map_spanned, RawDocument, RawEntity, RawRecord, RawRelation, RawSource, Text};
use super::{LoadError, LoadOptions, Problem};
use crate::graph::{
    EntitySources, Graph, GraphError, NewRelation, NewSource, QuoteBlock, QuoteSpan, RelationPart,
};
use crate::model::{
    ArcStr, DeliverableKind, DeliverableStatus, Details, Document, Entity, EntityId, EntityKind,
    EventKind, GroupKind, GroupStatus, OrganisationCategory, RelationType, Source, Sources,
};
use smallvec::SmallVec;

/// The longest quote accepted: a citation, not a copy.
pub const MAX_QUOTE_CHARS: usize = 300;

/// Whether `quote` occurs in `text`, white space ignored on both sides.
pub fn quote_is_in(quote: &str, text_without_space: &str) -> bool {
    let q = strip_space(quote);
    !q.is_empty() && text_without_space.contains(&q)
}

fn strip_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `s` trimmed, reusing its allocation when it has nothing to trim.
fn trimmed(s: Text<'_>) -> String {
    match s {
        Text::Owned(s) if trim(&s).len() == s.len() => s,
        s => trim(&s).to_string(),
    }
}

/// `s.trim()`, answered from its first and last bytes when both are ASCII
/// and printable (`!` to `~`), as nearly every value is: `str::trim`
/// decodes a character at each end and looks it up, 50 instructions a call,
/// and the load trims about five values a relation. Any other byte (ASCII
/// white space is all at or below the space) is left to `str::trim`.
fn trim(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| (b'!'..=b'~').contains(&b));
    let bytes = s.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) {
        s
    } else {
        s.trim()
    }
}

/// A declared document, its text without white space when quotes are
/// checked, and its position among the documents, as declared (the
/// position its sources give the graph).
type DocumentEntry = (Arc<Document>, Option<Arc<str>>, u32);

struct Checker<'a> {
    problems: Vec<Problem>,
    /// Documents by key, with their text without white space when quotes
    /// are checked.
    documents: HashMap<String, DocumentEntry>,
    options: &'a LoadOptions,
    /// Every distinct role and section heading, shared by the records that
    /// repeat it.
    strings: foldhash::HashSet<ArcStr>,
}

impl Checker<'_> {
    fn report(&mut self, file: &FileCtx, offset: usize, message: impl Into<String>) {
        self.problems.push(file.problem(offset, message));
    }

    /// The position of `document` (a declared one) among the documents.
    fn position_of(&self, document: &Document) -> u32 {
        self.documents[document.key.as_str()].2
    }

    /// `text`, shared with every earlier record that holds the same text.
    fn intern(&mut self, text: &str) -> ArcStr {
        if let Some(shared) = self.strings.get(text) {
            return shared.clone();
        }
        let shared = ArcStr::from(text);
        self.strings.insert(shared.clone());
        shared
    }
}

/// Where an entity id was first declared, and what it became.
struct Declared {
    file: u32,
    line: u32,
    /// The id, its text shared with the entity (and named in problems).
    id: EntityId,
    /// Its kind and position in the entity list, when it had no problem.
    entity: Option<(EntityKind, u32)>,
}

/// The interner's texts by number, made the first time one is asked for:
/// a graph with no problem asks for none (it writes no message), and
/// making a million of them took a tenth of a second at 1M entities.
struct IdTexts<'a> {
    interner: &'a Interner,
    texts: OnceLock<Vec<Arc<str>>>,
}

impl IdTexts<'_> {
    fn get(&self, number: u32) -> &str {
        &self.texts.get_or_init(|| self.interner.texts())[number as usize]
    }
}

/// What the parsing threads share.
struct Shared {
    /// Entity ids, declared or referred to.
    ids: Interner,
    /// Document keys, declared or cited.
    docs: Interner,
}

/// A parsing thread's own state.
struct Worker<'a> {
    /// Collects the problems of one record while it is looked at (they are
    /// found again, in order, once every file is parsed), and shares roles
    /// and section headings.
    checker: Checker<'a>,
    /// Document keys already numbered by this thread.
    doc_keys: FastMap<Box<str>, u32>,
}

/// The entity ids of the file being read, numbered together once it is read
/// ([`Interner::number_all`]): until then, a record holds its ids' positions
/// in `batch`.
#[derive(Default)]
struct FileIds {
    batch: Batch,
    /// The position of the last relation's `from`.
    last_from: Option<u32>,
    numbers: Vec<u32>,
}

impl FileIds {
    /// The position of a relation's `from`. Relations are usually written
    /// entity after entity, so most repeat the last one's.
    fn from(&mut self, id: &str) -> u32 {
        match self.last_from {
            Some(last) if self.batch.get(last) == id => last,
            _ => *self.last_from.insert(self.batch.push(id)),
        }
    }

    fn clear(&mut self) {
        self.batch.clear();
        self.last_from = None;
    }
}

impl Worker<'_> {
    fn doc_number(&mut self, shared: &Shared, key: &str) -> u32 {
        if let Some(&number) = self.doc_keys.get(key) {
            return number;
        }
        let number = shared.docs.intern(key);
        self.doc_keys.insert(key.into(), number);
        number
    }
}

/// A source with no problem of its own; its document is looked up once
/// every document is known. Its quote is in its file's [`QuoteBlock`].
struct PendingSource {
    doc: u32,
    /// The lines of `doc` and `quote`, past the first of their entry's.
    doc_line: LinesPast,
    quote_line: LinesPast,
    section: Option<ArcStr>,
    quote: QuoteSpan,
}

/// How many lines past the first of its entry's a field is written: an
/// entry whose fields lie further is kept as written (see [`lines_past`]).
/// A byte each, which keeps a prepared relation as small as the relation
/// it is checked into (64 bytes), in the same place.
type LinesPast = u8;

/// How many lines past `first` the byte `offset` of an entry is, if that
/// fits a [`LinesPast`].
fn lines_past(lines: &Lines, first: u32, offset: usize) -> Option<LinesPast> {
    LinesPast::try_from(lines.line_of(offset) - first).ok()
}

/// Whether each of `offsets`, bytes of the entry whose first line is
/// `first`, is within [`LinesPast`] of it: at once when the whole entry is.
fn lines_fit(lines: &Lines, first: u32, mut offsets: impl Iterator<Item = usize>) -> bool {
    lines.spans_at_most(LinesPast::MAX.into())
        || offsets.all(|offset| lines_past(lines, first, offset).is_some())
}

/// Where a clean source's `doc` and `quote` are written.
fn source_offsets(source: &Spanned<RawSource>) -> [usize; 2] {
    let raw = source.get_ref();
    let (Some(doc), Some(quote)) = (&raw.doc, &raw.quote) else {
        unreachable!("a clean source has a document and a quote");
    };
    [doc.span().start, quote.span().start]
}

/// An entity entry as kept between parsing and checking.
enum PendingEntity {
    /// With no problem of its own: converted while its file was parsed.
    /// Kept in the file's list (boxed, each was an allocation of its own,
    /// made, read and freed apart: 1M of them at 1M entities).
    Checked(CheckedEntity),
    /// Anything else, checked as written once every file is parsed.
    Raw {
        kind: EntityKind,
        /// The number of its id, when the id is well formed.
        id: Option<u32>,
        entry: Box<Spanned<RawEntity<'static>>>,
    },
}

struct CheckedEntity {
    /// Without its sources, which are `sources`.
    entity: Entity,
    id: u32,
    line: u32,
    sources: SmallVec<[PendingSource; 1]>,
}

/// A relation entry as kept between parsing and checking.
enum PendingRelation {
    /// With no problem found in the relation alone: its ends are numbers.
    Checked(CheckedRelation),
    /// Anything else, checked as written once every file is parsed.
    Raw(Box<Spanned<RawRelation<'static>>>),
}

struct CheckedRelation {
    rel_type: RelationType,
    /// The lines of `from` and `to`, past `line`.
    from_line: LinesPast,
    to_line: LinesPast,
    from: u32,
    to: u32,
    line: u32,
    role: Option<ArcStr>,
    note: Option<ArcStr>,
    sources: SmallVec<[PendingSource; 1]>,
}

// A file's relations are checked into [`NewRelation`]s in place (see
// `build`), which needs them the same size.
const _: () = assert!(std::mem::size_of::<PendingRelation>() == 64);
const _: () = assert!(std::mem::size_of::<NewRelation>() == 64);

/// What identifies a checked relation (its type and its ends' id numbers),
/// and where it is: its line and its position among its file's relations.
struct RelationKey {
    rel_type: RelationType,
    from: u32,
    to: u32,
    line: u32,
    ordinal: u32,
}

/// One file's relations, checked, with their keys in the same order; the
/// problems found, by the position of their relation in the file.
struct CheckedRelations {
    relations: RelationPart,
    keys: Vec<RelationKey>,
    problems: Vec<(u32, Problem)>,
}

/// Where a problem about relations was found: its file's position in the
/// list of files, and the relation's position in the file.
type RelationProblems = Vec<(usize, Vec<RelationKey>, Vec<(u32, Problem)>)>;

/// Appends each file's problems about relations to `problems`, with a
/// problem for every relation that repeats (type, from, to) of an earlier
/// one (in path order), after that relation's own problems.
fn relation_problems(
    files: RelationProblems,
    file_paths: &[PathBuf],
    declared: &[Option<Declared>],
    problems: &mut Vec<Problem>,
) {
    let total = files.iter().map(|(_, keys, _)| keys.len()).sum();
    // (type, from, to) -> where it was first declared.
    let mut seen: FastMap<(RelationType, u32, u32), (u32, u32)> =
        FastMap::with_capacity_and_hasher(total, Default::default());
    for (file_index, keys, mut found) in files {
        let before = found.len();
        for key in keys {
            let first = match seen.entry((key.rel_type, key.from, key.to)) {
                Entry::Occupied(first) => *first.get(),
                Entry::Vacant(slot) => {
                    slot.insert((file_index as u32, key.line));
                    continue;
                }
            };
            let message = format!(
                "duplicate relation: {} from `{}` to `{}` is already declared at {}:{} (give both roles in one relation)",
                key.rel_type,
                declared_id(declared, key.from),
                declared_id(declared, key.to),
                file_paths[first.0 as usize].display(),
                first.1
            );
            let problem = Problem {
                file: file_paths[file_index].clone(),
                line: key.line as usize,
                message,
            };
            found.push((key.ordinal, problem));
        }
        if found.len() > before && before > 0 {
            found.sort_by_key(|(ordinal, _)| *ordinal); // stable
        }
        problems.extend(found.into_iter().map(|(_, p)| p));
    }
}

/// The id numbered `number`, which is declared.
fn declared_id(declared: &[Option<Declared>], number: u32) -> &str {
    declared[number as usize]
        .as_ref()
        .map_or("", |first| first.id.as_str())
}

/// A data file as kept between parsing and checking.
struct PreparedFile {
    /// Its line starts are kept only when records are kept as written.
    file: FileCtx,
    /// Found while parsing.
    problems: Vec<Problem>,
    documents: Vec<Spanned<RawDocument<'static>>>,
    /// In the order they are checked: by table, then as written.
    entities: Vec<PendingEntity>,
    relations: Vec<PendingRelation>,
    /// The quotes of `entities` and `relations`.
    quotes: QuoteBlock,
}

pub(super) fn build(paths: &[PathBuf], options: &LoadOptions) -> Result<Graph, LoadError> {
    let shared = Shared {
        ids: Interner::new(),
        docs: Interner::new(),
    };
    // Each file is converted by the thread that parsed it, as soon as it is
    // parsed: only the compact records are kept, not every file's entries.
    let new_preparer = || Preparer {
        worker: Worker {
            checker: Checker {
                problems: Vec::new(),
                documents: HashMap::new(),
                options,
                strings: Default::default(),
            },
            doc_keys: FastMap::default(),
        },
        shared: &shared,
        ids: FileIds::default(),
        documents: Vec::new(),
        entities: Default::default(),
        relations: Vec::new(),
        quotes: QuoteBlock::default(),
        file_len: 0,
        keep_lines: false,
    };
    // Where the time goes, for `RUST_LOG=civgraph=debug`.
    let started = std::time::Instant::now();
    let mut files = parse::parse_all(paths, new_preparer)?;
    tracing::debug!(files = files.len(), since_start = ?started.elapsed(), "load: files parsed");
    // The same files give the same id in every process.
    let hashes: Vec<u64> = files.iter().map(|f| f.file.content_hash).collect();
    let data_id = parse::stable_hash(&hashes);

    let mut checker = Checker {
        problems: Vec::new(),
        documents: HashMap::new(),
        options,
        strings: Default::default(),
    };
    for file in &mut files {
        checker.problems.append(&mut file.problems);
    }
    let file_paths: Vec<PathBuf> = files.iter().map(|f| f.file.path.clone()).collect();

    // Documents first: sources in any file may cite them.
    for file in &mut files {
        for doc in std::mem::take(&mut file.documents) {
            check_document(&mut checker, &file.file, doc);
        }
    }
    let doc_keys = shared.docs.texts();
    let docs: Vec<Option<DocumentEntry>> = doc_keys
        .iter()
        .map(|key| checker.documents.get(&**key).cloned())
        .collect();
    let docs = Docs {
        by_number: &docs,
        keys: &doc_keys,
    };

    let id_texts = IdTexts {
        interner: &shared.ids,
        texts: OnceLock::new(),
    };
    let entity_count = files.iter().map(|f| f.entities.len()).sum();
    let mut entities: Vec<Entity> = Vec::with_capacity(entity_count);
    // By position in `entities`.
    let mut entity_sources: Vec<EntitySources> = Vec::with_capacity(entity_count);
    // By id number.
    let mut declared: Vec<Option<Declared>> = Vec::new();
    declared.resize_with(shared.ids.len(), || None);
    let duplicate = |id: &EntityId, first: &Declared| {
        format!(
            "duplicate id `{id}`: already declared at {}:{}",
            file_paths[first.file as usize].display(),
            first.line
        )
    };
    for (file_index, file) in files.iter_mut().enumerate() {
        let ctx = &file.file;
        for pending in std::mem::take(&mut file.entities) {
            match pending {
                PendingEntity::Checked(checked) => {
                    let CheckedEntity {
                        entity,
                        id,
                        line,
                        sources,
                    } = checked;
                    if let Some(first) = &declared[id as usize] {
                        let message = duplicate(&entity.id, first);
                        checker.problems.push(ctx.problem_at_line(line, message));
                        continue;
                    }
                    let sources =
                        resolve_sources(&mut checker, (ctx, line), &docs, sources, &file.quotes);
                    declared[id as usize] = Some(Declared {
                        file: file_index as u32,
                        line,
                        id: entity.id.clone(),
                        entity: Some((entity.kind(), entities.len() as u32)),
                    });
                    entities.push(entity);
                    let part = file_index as u32;
                    entity_sources.push(EntitySources { part, sources });
                }
                PendingEntity::Raw { kind, id, entry } => {
                    let line = ctx.line_of(entry.span().start);
                    if let Some(first) = id.and_then(|id| declared[id as usize].as_ref()) {
                        let message = duplicate(&first.id, first);
                        checker.report(ctx, entry.span().start, message);
                        continue;
                    }
                    let entity = check_entity(&mut checker, ctx, kind, *entry);
                    let Some(id) = id else { continue };
                    let Ok(declared_id) = EntityId::parse(id_texts.get(id)) else {
                        continue; // numbered only when well formed
                    };
                    let position = entity.map(|(mut entity, sources)| {
                        entity.id = declared_id.clone(); // one shared id text
                        entities.push(entity);
                        let sources = sources
                            .into_iter()
                            .map(|s| {
                                let document = checker.position_of(&s.document);
                                NewSource::written_into(s, document, &mut file.quotes)
                            })
                            .collect();
                        let part = file_index as u32;
                        entity_sources.push(EntitySources { part, sources });
                        (kind, entities.len() as u32 - 1)
                    });
                    declared[id as usize] = Some(Declared {
                        file: file_index as u32,
                        line: line as u32,
                        id: declared_id,
                        entity: position,
                    });
                }
            }
        }
    }

    tracing::debug!(entities = entities.len(), since_start = ?started.elapsed(), "load: entities checked");
    let ends = Ends {
        declared: &declared,
        entities: declared
            .iter()
            .map(|d| d.as_ref().and_then(|d| d.entity))
            .collect(),
        texts: &id_texts,
    };
    let by_text = |text: &str| {
        shared
            .ids
            .get(text)
            .and_then(|id| declared[id as usize].as_ref())
    };
    // Every entity is known: each file's relations are checked on any core,
    // then duplicates across files are found in path order.
    let pending: Vec<Mutex<(Vec<PendingRelation>, QuoteBlock)>> = files
        .iter_mut()
        .map(|f| {
            let relations = std::mem::take(&mut f.relations);
            Mutex::new((relations, std::mem::take(&mut f.quotes)))
        })
        .collect();
    let new_checker = || Checker {
        problems: Vec::new(),
        documents: checker.documents.clone(),
        options,
        strings: Default::default(),
    };
    let check_file = |checker: &mut Checker<'_>, file_index: usize| {
        let slot = &pending[file_index];
        let (list, mut quotes) =
            std::mem::take(&mut *slot.lock().unwrap_or_else(PoisonError::into_inner));
        let ctx = &files[file_index].file;
        let mut keys = Vec::with_capacity(list.len());
        let mut problems = Vec::new();
        // Checked in place: each relation is written where it was read
        // (the two are the same size), not into a list of its own.
        let relations = (list.into_iter().enumerate())
            .filter_map(|(ordinal, pending)| {
                let ordinal = ordinal as u32;
                let checked = match pending {
                    PendingRelation::Checked(relation) => {
                        check_prepared_relation(checker, ctx, &ends, &docs, relation, &quotes)
                    }
                    PendingRelation::Raw(entry) => {
                        let line = ctx.line_of(entry.span().start) as u32;
                        let checked = check_relation(checker, ctx, &by_text, *entry, &mut quotes);
                        checked.map(|(relation, (from, to))| {
                            // Both ends are declared, hence numbered.
                            let number = |id: &EntityId| shared.ids.get(id.as_str()).unwrap_or(0);
                            let key = RelationKey {
                                rel_type: relation.rel_type,
                                from: number(&from),
                                to: number(&to),
                                line,
                                ordinal: 0,
                            };
                            (relation, key)
                        })
                    }
                };
                problems.extend(checker.problems.drain(..).map(|p| (ordinal, p)));
                checked.map(|(relation, key)| {
                    keys.push(RelationKey { ordinal, ..key });
                    relation
                })
            })
            .collect();
        CheckedRelations {
            relations: RelationPart { relations, quotes },
            keys,
            problems,
        }
    };
    let checked = super::on_all_cores(pending.len(), new_checker, check_file);
    drop(pending);
    tracing::debug!(since_start = ?started.elapsed(), "load: relations checked");

    // Each file's relations, which the graph gathers into one list.
    let mut relations: Vec<RelationPart> = Vec::with_capacity(checked.len());
    let mut relation_keys: RelationProblems = Vec::with_capacity(checked.len());
    for (file_index, checked_file) in checked.into_iter().enumerate() {
        relations.push(checked_file.relations);
        relation_keys.push((file_index, checked_file.keys, checked_file.problems));
    }
    // `declared` names the relations' ends if there are problems.
    drop(files);
    drop(shared);
    tracing::debug!(since_start = ?started.elapsed(), "load: relations joined");

    // Duplicate relations are looked for only when there are problems
    // already, or when the graph finds two relations with one id (the
    // graph sorts relations by id: repeats are then side by side).
    let any_relation_problem = relation_keys.iter().any(|(_, _, p)| !p.is_empty());
    let mut problems = checker.problems;
    if problems.is_empty() && !any_relation_problem {
        // In the order declared: sources give their positions.
        let mut declared_documents: Vec<DocumentEntry> = checker.documents.into_values().collect();
        declared_documents.sort_unstable_by_key(|(_, _, position)| *position);
        let documents: Vec<Arc<Document>> =
            declared_documents.into_iter().map(|(d, _, _)| d).collect();
        let cited = documents.clone();
        match Graph::from_positions(documents, cited, entities, entity_sources, relations) {
            Ok(graph) => {
                tracing::debug!(since_start = ?started.elapsed(), "load: graph built");
                return Ok(graph.with_data_id(data_id));
            }
            Err(GraphError::DuplicateRelation(_)) => {}
            // The checks above establish every other invariant Graph::new
            // asserts.
            Err(err) => {
                return Err(LoadError::Invalid(vec![Problem {
                    file: PathBuf::new(),
                    line: 0,
                    message: err.to_string(),
                }]))
            }
        }
    }
    relation_problems(relation_keys, &file_paths, &declared, &mut problems);
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Err(LoadError::Invalid(problems))
}

/// Converts what can be converted of each file on the thread that parses it,
/// entry by entry: every entry with no problem of its own; the others are
/// kept as written.
struct Preparer<'a> {
    worker: Worker<'a>,
    shared: &'a Shared,
    ids: FileIds,
    // The entries of the file being read.
    documents: Vec<Spanned<RawDocument<'static>>>,
    /// By kind (in [`EntityKind`]'s order), as written.
    entities: [Vec<PendingEntity>; EntityKind::ALL.len()],
    relations: Vec<PendingRelation>,
    /// The quotes of `entities` and `relations`.
    quotes: QuoteBlock,
    /// The length of the file being read.
    file_len: usize,
    /// Whether an entry is kept as written (its lines are then needed).
    keep_lines: bool,
}

impl parse::Prepare for Preparer<'_> {
    type Prepared = PreparedFile;

    fn begin(&mut self, len: usize) {
        self.file_len = len;
    }

    fn record(&mut self, file: &FileCtx, lines: &Lines, record: RawRecord<'_>) {
        let (worker, shared) = (&mut self.worker, self.shared);
        match record {
            RawRecord::Document(doc) => {
                self.documents
                    .push(map_spanned(doc, RawDocument::into_owned));
                self.keep_lines = true;
            }
            RawRecord::Entity(kind, entry) => {
                // As for relations, below.
                self.quotes.reserve(self.file_len);
                let pending = prepare_entity(
                    worker,
                    shared,
                    &mut self.ids,
                    (file, lines),
                    kind,
                    *entry,
                    &mut self.quotes,
                );
                self.keep_lines |= matches!(pending, PendingEntity::Raw { .. });
                self.entities[kind as usize].push(pending);
            }
            RawRecord::Relation(entry) => {
                // A file's quotes are part of its text: room for its length
                // is never outgrown (and what is not written is not
                // resident), where growing by doubling copied the block.
                self.quotes.reserve(self.file_len);
                let pending = prepare_relation(
                    worker,
                    shared,
                    &mut self.ids,
                    lines,
                    entry,
                    &mut self.quotes,
                );
                self.keep_lines |= matches!(pending, PendingRelation::Raw(_));
                self.relations.push(pending);
            }
        }
    }

    fn discard(&mut self) {
        self.documents.clear();
        self.entities.iter_mut().for_each(Vec::clear);
        self.relations.clear();
        self.quotes = QuoteBlock::default();
        self.keep_lines = false;
        self.ids.clear();
    }

    fn keeps_lines(&self) -> bool {
        self.keep_lines
    }

    fn finish(&mut self, file: FileCtx, problems: Vec<Problem>) -> PreparedFile {
        self.keep_lines = false;
        // The records' ids, positions in the file's batch until now.
        let ids = &mut self.ids;
        self.shared.ids.number_all(&mut ids.batch, &mut ids.numbers);
        let number = |position: &mut u32| *position = ids.numbers[*position as usize];
        for entity in self.entities.iter_mut().flatten() {
            match entity {
                PendingEntity::Checked(checked) => number(&mut checked.id),
                PendingEntity::Raw { id, .. } => id.iter_mut().for_each(number),
            }
        }
        for relation in &mut self.relations {
            if let PendingRelation::Checked(r) = relation {
                number(&mut r.from);
                number(&mut r.to);
            }
        }
        ids.clear();
        // The lists are handed over as they are, where copying them into
        // lists of their exact size wrote them twice; a file's entities of
        // several kinds are joined.
        let entities = match self.entities.iter().filter(|l| !l.is_empty()).count() {
            0 => Vec::new(),
            1 => (self.entities.iter_mut())
                .find(|l| !l.is_empty())
                .map_or_else(Vec::new, hand_over),
            _ => {
                let total = self.entities.iter().map(Vec::len).sum();
                let mut entities = Vec::with_capacity(total);
                for list in &mut self.entities {
                    entities.append(list);
                }
                entities
            }
        };
        let relations = hand_over(&mut self.relations);
        PreparedFile {
            file,
            problems,
            documents: std::mem::take(&mut self.documents),
            entities,
            relations,
            quotes: std::mem::take(&mut self.quotes),
        }
    }
}

/// What `list` holds, `list` left empty with room for as many (the next
/// file's list: files are mostly alike); an empty list keeps its room.
fn hand_over<T>(list: &mut Vec<T>) -> Vec<T> {
    match list.len() {
        0 => Vec::new(),
        room => std::mem::replace(list, Vec::with_capacity(room)),
    }
}

/// Whether a source has no problem of its own (its document aside).
fn source_is_clean(source: &RawSource) -> bool {
    let doc_ok = source
        .doc
        .as_ref()
        .is_some_and(|d| !trim(d.get_ref()).is_empty());
    doc_ok
        && source.quote.as_ref().is_some_and(|q| {
            let q = trim(q.get_ref());
            !q.is_empty() && (q.len() <= MAX_QUOTE_CHARS || q.chars().count() <= MAX_QUOTE_CHARS)
        })
}

fn sources_are_clean(sources: &[Spanned<RawSource>]) -> bool {
    !sources.is_empty() && sources.iter().all(|s| source_is_clean(s.get_ref()))
}

/// A clean source (see [`source_is_clean`]) of the entry whose first line
/// is `first`, its fields' lines known to fit ([`lines_fit`]): its document
/// numbered, its quote (trimmed) written into `quotes`, its file's block.
fn prepare_source(
    worker: &mut Worker<'_>,
    shared: &Shared,
    (lines, first): (&Lines, u32),
    entry: Spanned<RawSource>,
    quotes: &mut QuoteBlock,
) -> PendingSource {
    let raw = entry.into_inner();
    let (Some(doc), Some(quote)) = (raw.doc, raw.quote) else {
        unreachable!("a clean source has a document and a quote");
    };
    let past = |offset| lines_past(lines, first, offset).expect("lines that fit");
    PendingSource {
        doc: worker.doc_number(shared, doc.get_ref()),
        doc_line: past(doc.span().start),
        quote_line: past(quote.span().start),
        section: raw.section.map(|s| worker.checker.intern(&s)),
        quote: quotes.push(trim(quote.get_ref())),
    }
}

/// An entity entry of `file` (its lines in `lines`), prepared; its id
/// numbered by its position in `ids`.
fn prepare_entity(
    worker: &mut Worker<'_>,
    shared: &Shared,
    ids: &mut FileIds,
    (file, lines): (&FileCtx, &Lines),
    kind: EntityKind,
    entry: Spanned<RawEntity<'_>>,
    quotes: &mut QuoteBlock,
) -> PendingEntity {
    let at = entry.span().start;
    let raw = entry.get_ref();
    // Well formed, hence not blank.
    let id = raw
        .id
        .as_ref()
        .and_then(|id| EntityId::parse(id.get_ref()).ok());
    let number = id.as_ref().map(|id| ids.batch.push(id.as_str()));
    let clean = id.as_ref().is_some_and(|id| id.kind() == kind)
        && raw.name.as_ref().is_some_and(|n| !trim(n).is_empty())
        && sources_are_clean(&raw.source)
        && raw.aliases.iter().all(|a| !trim(a).is_empty());
    let line = lines.line_of(at);
    let fits = || lines_fit(lines, line, raw.source.iter().flat_map(source_offsets));
    let details = if clean && fits() {
        worker.checker.problems.clear();
        let details = check_details(&mut worker.checker, file, kind, at, raw);
        details.filter(|_| worker.checker.problems.is_empty())
    } else {
        None
    };
    let (Some(details), Some(id), Some(number)) = (details, id, number) else {
        return PendingEntity::Raw {
            kind,
            id: number,
            entry: Box::new(map_spanned(entry, RawEntity::into_owned)),
        };
    };
    let raw = entry.into_inner();
    let sources = (raw.source.into_iter())
        .map(|s| prepare_source(worker, shared, (lines, line), s, quotes))
        .collect();
    let entity = Entity::new(id, trimmed(raw.name.unwrap_or_default()), details).with_text(
        raw.aliases.into_iter().map(|a| trimmed(a).into()).collect(),
        raw.description.map(|t| t.into_owned().into()),
        raw.note.map(|t| t.into_owned().into()),
    );
    PendingEntity::Checked(CheckedEntity {
        entity,
        id: number,
        line,
        sources,
    })
}

/// A relation entry (its lines in `lines`), prepared; its ends numbered by
/// their positions in `ids`.
fn prepare_relation(
    worker: &mut Worker<'_>,
    shared: &Shared,
    ids: &mut FileIds,
    lines: &Lines,
    entry: Spanned<RawRelation<'_>>,
    quotes: &mut QuoteBlock,
) -> PendingRelation {
    let raw = entry.get_ref();
    let rel_type = raw
        .rel_type
        .as_ref()
        .and_then(|t| t.get_ref().parse::<RelationType>().ok());
    let end_ok =
        |v: &Option<Spanned<Text>>| v.as_ref().is_some_and(|v| !trim(v.get_ref()).is_empty());
    let clean = end_ok(&raw.from) && end_ok(&raw.to) && sources_are_clean(&raw.source);
    let line = lines.line_of(entry.span().start);
    let fits = || {
        let (Some(from), Some(to)) = (&raw.from, &raw.to) else {
            unreachable!("a clean relation has both ends");
        };
        let ends = [from.span().start, to.span().start];
        let sources = raw.source.iter().flat_map(source_offsets);
        lines_fit(lines, line, ends.into_iter().chain(sources))
    };
    let Some(rel_type) = rel_type.filter(|_| clean && fits()) else {
        return PendingRelation::Raw(Box::new(map_spanned(entry, RawRelation::into_owned)));
    };
    let raw = entry.into_inner();
    let (Some(from), Some(to)) = (raw.from, raw.to) else {
        unreachable!("a clean relation has both ends");
    };
    let past = |offset| lines_past(lines, line, offset).expect("lines that fit");
    let (from_line, to_line) = (past(from.span().start), past(to.span().start));
    let sources = (raw.source.into_iter())
        .map(|s| prepare_source(worker, shared, (lines, line), s, quotes))
        .collect();
    PendingRelation::Checked(CheckedRelation {
        rel_type,
        from: ids.from(from.get_ref()),
        to: ids.batch.push(to.get_ref()),
        line,
        from_line,
        to_line,
        role: raw.role.map(|role| worker.checker.intern(trim(&role))),
        note: raw.note.map(ArcStr::from),
        sources,
    })
}

/// The documents, by number, and their keys.
struct Docs<'a> {
    by_number: &'a [Option<DocumentEntry>],
    keys: &'a [Arc<str>],
}

/// Pending sources, their documents looked up (as [`check_sources`] does,
/// in the same order); their quotes are read from their file's `quotes`.
fn resolve_sources(
    checker: &mut Checker<'_>,
    (file, line): (&FileCtx, u32),
    docs: &Docs<'_>,
    pending: impl IntoIterator<Item = PendingSource>,
    quotes: &QuoteBlock,
) -> SmallVec<[NewSource; 1]> {
    let pending = pending.into_iter();
    let mut out = SmallVec::with_capacity(pending.size_hint().0);
    for source in pending {
        let Some((document, document_text, position)) = &docs.by_number[source.doc as usize] else {
            let message = format!(
                "unknown document `{}`: declare it in a [[document]] with that key",
                docs.keys[source.doc as usize]
            );
            checker
                .problems
                .push(file.problem_at_line(line + u32::from(source.doc_line), message));
            continue;
        };
        if let Some(document_text) = document_text {
            let quote = quotes.get(source.quote);
            if !quote_is_in(quote, document_text) {
                let message = format!(
                    "quote not found in `{}`: \"{}\"",
                    document.text_file.as_deref().unwrap_or(&document.key),
                    quote
                );
                checker
                    .problems
                    .push(file.problem_at_line(line + u32::from(source.quote_line), message));
            }
        }
        out.push(NewSource {
            document: *position,
            section: source.section,
            quote: source.quote,
        });
    }
    out
}

/// Entity ids by number: where each was declared, and its text.
struct Ends<'a> {
    declared: &'a [Option<Declared>],
    /// By number: the kind and position of each entity declared without a
    /// problem, 8 bytes each (a relation's ends are read from here, any of
    /// a million, so the fewer bytes the fewer cache misses).
    entities: Vec<Option<(EntityKind, u32)>>,
    texts: &'a IdTexts<'a>,
}

impl Ends<'_> {
    /// The kind and position of the declared entity numbered `id` (as
    /// [`check_relation`] finds it).
    fn get(
        &self,
        checker: &mut Checker<'_>,
        file: &FileCtx,
        field: &str,
        id: u32,
        line: u32,
    ) -> Option<(EntityKind, u32)> {
        if let Some(found) = self.entities[id as usize] {
            return Some(found);
        }
        if self.declared[id as usize].is_some() {
            // Declared, but with problems of its own, reported there.
            return None;
        }
        let message = match EntityId::parse(self.texts.get(id)) {
            Err(err) => err.to_string(),
            Ok(id) => format!("unknown reference `{field} = \"{id}\"`: no entity has this id"),
        };
        checker.problems.push(file.problem_at_line(line, message));
        None
    }
}

/// Finishes checking a relation converted while parsing, with the problems
/// [`check_relation`] would find, in the same order; with its key.
fn check_prepared_relation(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    ends: &Ends<'_>,
    docs: &Docs<'_>,
    relation: CheckedRelation,
    quotes: &QuoteBlock,
) -> Option<(NewRelation, RelationKey)> {
    let rel_type = relation.rel_type;
    let line = relation.line;
    let from_line = line + u32::from(relation.from_line);
    let to_line = line + u32::from(relation.to_line);
    let from = ends.get(checker, file, "from", relation.from, from_line);
    let to = ends.get(checker, file, "to", relation.to, to_line);
    let sources = resolve_sources(checker, (file, line), docs, relation.sources, quotes);
    let ((from_kind, from_pos), (to_kind, to_pos)) = (from?, to?);
    let from_id = || declared_id(ends.declared, relation.from);
    let shape = shape_problem(rel_type, (from_kind, from_pos), (to_kind, to_pos), from_id);
    if let Some((at, message)) = shape {
        let line = match at {
            ShapeAt::To => to_line,
            ShapeAt::Relation => relation.line,
        };
        checker.problems.push(file.problem_at_line(line, message));
        return None;
    }
    let checked = NewRelation::new(
        rel_type,
        (from_pos, to_pos),
        relation.role,
        relation.note,
        sources,
    );
    let key = RelationKey {
        rel_type,
        from: relation.from,
        to: relation.to,
        line: relation.line,
        ordinal: 0,
    };
    Some((checked, key))
}

fn check_document(checker: &mut Checker<'_>, file: &FileCtx, entry: Spanned<RawDocument<'_>>) {
    let at = entry.span().start;
    let raw = entry.into_inner();
    let Some(key) = required_str(checker, file, at, "document", "key", raw.key.as_ref()) else {
        return;
    };
    let title = required_text(checker, file, at, "document", "title", raw.title.clone());
    let publisher = required_text(
        checker,
        file,
        at,
        "document",
        "publisher",
        raw.publisher.clone(),
    );
    if let Some(date) = &raw.date {
        check_date(checker, file, date);
    }
    if checker.documents.contains_key(&**key.get_ref()) {
        let message = format!("duplicate document key `{}`", key.get_ref());
        checker.report(file, key.span().start, message);
        return;
    }
    let mut text = None;
    if let Some(dir) = &checker.options.sources_dir {
        match &raw.text_file {
            None => checker.report(
                file,
                at,
                format!(
                    "document `{}` has no `text_file`, so its quotes cannot be checked",
                    key.get_ref()
                ),
            ),
            Some(name) => match std::fs::read_to_string(dir.join(&**name)) {
                Ok(t) => text = Some(Arc::from(strip_space(&t))),
                Err(err) => checker.report(
                    file,
                    at,
                    format!("cannot read {}: {err}", dir.join(&**name).display()),
                ),
            },
        }
    }
    let (Some(title), Some(publisher)) = (title, publisher) else {
        return;
    };
    let document = Document {
        key: key.get_ref().to_string(),
        title,
        publisher,
        date: raw.date.as_ref().map(|d| d.get_ref().to_string()),
        url: raw.url.as_deref().map(str::to_owned),
        text_file: raw.text_file.as_deref().map(str::to_owned),
    };
    let position = checker.documents.len() as u32;
    checker.documents.insert(
        key.get_ref().to_string(),
        (Arc::new(document), text, position),
    );
}

fn check_sources(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    what: &dyn Fn() -> String,
    list: Vec<Spanned<RawSource<'_>>>,
) -> Sources {
    if list.is_empty() {
        let message = format!(
            "{} has no source: add a [[...source]] with `doc` and `quote`",
            what()
        );
        checker.report(file, at, message);
    }
    let mut out = Sources::with_capacity(list.len());
    for entry in list {
        let src_at = entry.span().start;
        let raw = entry.into_inner();
        let doc = required_str(checker, file, src_at, "source", "doc", raw.doc.as_ref());
        let quote = required(checker, file, src_at, "source", "quote", raw.quote.as_ref());
        let (Some(doc), Some(quote)) = (doc, quote) else {
            continue;
        };
        let Some((document, text, _)) = checker.documents.get(&**doc.get_ref()).cloned() else {
            let message = format!(
                "unknown document `{}`: declare it in a [[document]] with that key",
                doc.get_ref()
            );
            checker.report(file, doc.span().start, message);
            continue;
        };
        let quote_at = quote.span().start;
        let q = trimmed(raw.quote.expect("checked above").into_inner());
        if q.is_empty() {
            checker.report(file, quote_at, "empty quote");
            continue;
        }
        if q.len() > MAX_QUOTE_CHARS {
            let chars = q.chars().count();
            if chars > MAX_QUOTE_CHARS {
                let message = format!(
                    "quote is {chars} characters long; a citation is at most {MAX_QUOTE_CHARS}: keep the passage that states the fact"
                );
                checker.report(file, quote_at, message);
            }
        }
        if let Some(text) = &text {
            if !quote_is_in(&q, text) {
                let message = format!(
                    "quote not found in `{}`: \"{}\"",
                    document.text_file.as_deref().unwrap_or(&document.key),
                    q
                );
                checker.report(file, quote_at, message);
            }
        }
        let section = raw.section.map(|s| checker.intern(&s));
        out.push(Source {
            document,
            section,
            quote: q.into_boxed_str(),
        });
    }
    out
}

/// Checks an entity that [`prepare_entity`] could not take as clean.
///
/// A record is only checked here when its own fields fail the clean test of
/// `prepare_entity` (or `source_is_clean`): a new check of an entity's own
/// fields must be added to that test as well, or a record that breaks only
/// the new rule would be taken as clean. Every such rule has a fixture in
/// `tests/fixtures/invalid/`, which catches a rule added here alone.
fn check_entity(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    table: EntityKind,
    entry: Spanned<RawEntity<'_>>,
) -> Option<(Entity, Sources)> {
    let at = entry.span().start;
    let mut raw = entry.into_inner();
    let table_name = table.prefix();
    let id_text = required_str(checker, file, at, table_name, "id", raw.id.as_ref());
    let id = id_text.and_then(|id| match EntityId::parse(id.get_ref()) {
        Ok(parsed) if parsed.kind() == table => Some(parsed),
        Ok(parsed) => {
            let message = format!(
                "id `{parsed}` is a {} id, but it is declared in a [[{table_name}]] table: use `{table_name}:{}`",
                parsed.kind().prefix(),
                parsed.slug()
            );
            checker.report(file, id.span().start, message);
            None
        }
        Err(err) => {
            checker.report(file, id.span().start, err.to_string());
            None
        }
    });
    let name = required_text(checker, file, at, table_name, "name", raw.name.take());
    let what = || {
        id.as_ref()
            .map_or_else(|| format!("this {table_name}"), |id| format!("`{id}`"))
    };
    let sources = check_sources(checker, file, at, &what, std::mem::take(&mut raw.source));
    let details = check_details(checker, file, table, at, &raw);
    for alias in &raw.aliases {
        if trim(alias).is_empty() {
            checker.report(file, at, format!("{} has a blank alias", what()));
        }
    }
    let entity = Entity::new(id?, name?, details?).with_text(
        raw.aliases.into_iter().map(|a| trimmed(a).into()).collect(),
        raw.description.map(|t| t.into_owned().into()),
        raw.note.map(|t| t.into_owned().into()),
    );
    Some((entity, sources))
}

fn check_details(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    table: EntityKind,
    at: usize,
    r: &RawEntity,
) -> Option<Details> {
    let name = table.prefix();
    // Kind-specific fields: (field, its offset if present, the kinds it applies to).
    let specific: [(&str, Option<usize>, &[EntityKind]); 10] = [
        ("category", span(&r.category), &[EntityKind::Organisation]),
        ("acronym", span(&r.acronym), &[EntityKind::Organisation]),
        ("honorific", span(&r.honorific), &[EntityKind::Person]),
        ("group_kind", span(&r.group_kind), &[EntityKind::Group]),
        (
            "number",
            r.number.as_ref().map(|n| n.span().start),
            &[EntityKind::Group, EntityKind::Event],
        ),
        (
            "status",
            span(&r.status),
            &[EntityKind::Group, EntityKind::Deliverable],
        ),
        (
            "deliverable_kind",
            span(&r.deliverable_kind),
            &[EntityKind::Deliverable],
        ),
        ("url", span(&r.url), &[EntityKind::Deliverable]),
        ("event_kind", span(&r.event_kind), &[EntityKind::Event]),
        ("date", span(&r.date), &[EntityKind::Event]),
    ];
    let mut misplaced = false;
    for (field, offset, kinds) in specific {
        if let Some(offset) = offset {
            if !kinds.contains(&table) {
                let message = format!("field `{field}` does not apply to a {name}");
                checker.report(file, offset, message);
                misplaced = true;
            }
        }
    }
    let text = |s: &Option<Spanned<Text>>| s.as_ref().map(|v| Box::<str>::from(&**v.get_ref()));
    let number = r.number.as_ref().map(|n| *n.get_ref());
    let details = match table {
        EntityKind::Organisation => Details::Organisation {
            acronym: text(&r.acronym),
            category: vocab::<OrganisationCategory>(
                checker,
                file,
                at,
                name,
                "category",
                &r.category,
            )?,
        },
        EntityKind::Person => Details::Person {
            honorific: text(&r.honorific),
        },
        EntityKind::Group => {
            let group_kind =
                vocab::<GroupKind>(checker, file, at, name, "group_kind", &r.group_kind);
            let status = vocab::<GroupStatus>(checker, file, at, name, "status", &r.status);
            Details::Group {
                group_kind: group_kind?,
                number,
                status: status?,
            }
        }
        EntityKind::Deliverable => {
            let kind = vocab::<DeliverableKind>(
                checker,
                file,
                at,
                name,
                "deliverable_kind",
                &r.deliverable_kind,
            );
            let status = vocab::<DeliverableStatus>(checker, file, at, name, "status", &r.status);
            Details::Deliverable {
                deliverable_kind: kind?,
                status: status?,
                url: text(&r.url),
            }
        }
        EntityKind::Event => {
            if let Some(date) = &r.date {
                check_date(checker, file, date);
            }
            Details::Event {
                event_kind: vocab::<EventKind>(
                    checker,
                    file,
                    at,
                    name,
                    "event_kind",
                    &r.event_kind,
                )?,
                // Events share their dates (many meet on one day).
                date: r.date.as_ref().map(|d| checker.intern(d.get_ref())),
                number,
            }
        }
    };
    (!misplaced).then_some(details)
}

fn span<T>(field: &Option<Spanned<T>>) -> Option<usize> {
    field.as_ref().map(|f| f.span().start)
}

/// Where a relation's shape problem is reported.
enum ShapeAt {
    /// At its `to` field.
    To,
    /// At the relation itself.
    Relation,
}

/// What is wrong with a relation between two existing entities, if
/// anything: an entity linked to itself, or kinds its type does not link.
///
/// Each end is its kind and its entity's position in the list of entities:
/// the same entity at both ends is the same position. The id of `from` is
/// read only to write a problem (it is anywhere in memory).
fn shape_problem<'i>(
    rel_type: RelationType,
    (from_kind, from_pos): (EntityKind, u32),
    (to_kind, to_pos): (EntityKind, u32),
    from_id: impl FnOnce() -> &'i str,
) -> Option<(ShapeAt, String)> {
    if from_pos == to_pos {
        let id = from_id();
        let message = format!("{rel_type} from `{id}` to `{id}` links an entity to itself");
        return Some((ShapeAt::To, message));
    }
    if !rel_type.allows(from_kind, to_kind) {
        let message = format!(
            "{rel_type} cannot go from a {} to a {}: it links {}",
            from_kind.prefix(),
            to_kind.prefix(),
            rel_type.rule()
        );
        return Some((ShapeAt::Relation, message));
    }
    None
}

/// A checked relation, its ends the positions of their entities in the
/// entity list; with its ends' ids (its key for duplicate detection).
///
/// As with [`check_entity`]: a new rule on a relation's own fields must be
/// added to the clean test of [`prepare_relation`] too.
fn check_relation<'d>(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    declared: &dyn Fn(&str) -> Option<&'d Declared>,
    entry: Spanned<RawRelation<'_>>,
    quotes: &mut QuoteBlock,
) -> Option<(NewRelation, (EntityId, EntityId))> {
    let at = entry.span().start;
    let mut raw = entry.into_inner();
    let rel_type = vocab::<RelationType>(checker, file, at, "relation", "type", &raw.rel_type);
    let mut end = |field: &str, value: &Option<Spanned<Text>>| {
        let value = required_str(checker, file, at, "relation", field, value.as_ref())?;
        let text: &str = value.get_ref();
        // A declared id is well formed: share its text.
        if let Some(first) = declared(text) {
            // Declared, but with problems of its own, reported there.
            let (kind, position) = first.entity?;
            return Some((first.id.clone(), kind, position, value.span().start));
        }
        match EntityId::parse(text) {
            Err(err) => checker.report(file, value.span().start, err.to_string()),
            Ok(id) => {
                let message =
                    format!("unknown reference `{field} = \"{id}\"`: no entity has this id");
                checker.report(file, value.span().start, message);
            }
        }
        None
    };
    let from = end("from", &raw.from);
    let to = end("to", &raw.to);
    let what = || match (&rel_type, &from, &to) {
        (Some(t), Some(f), Some(o)) => format!("{t} from `{}` to `{}`", f.0, o.0),
        _ => "this relation".to_string(),
    };
    let sources = check_sources(checker, file, at, &what, std::mem::take(&mut raw.source));
    let (rel_type, (from, from_kind, from_pos, _), (to, to_kind, to_pos, to_at)) =
        (rel_type?, from?, to?);
    let from_id = || from.as_str();
    let shape = shape_problem(rel_type, (from_kind, from_pos), (to_kind, to_pos), from_id);
    if let Some((shape_at, message)) = shape {
        let offset = match shape_at {
            ShapeAt::To => to_at,
            ShapeAt::Relation => at,
        };
        checker.report(file, offset, message);
        return None;
    }
    let sources = sources
        .into_iter()
        .map(|s| {
            let document = checker.position_of(&s.document);
            NewSource::written_into(s, document, quotes)
        })
        .collect();
    let relation = NewRelation::new(
        rel_type,
        (from_pos, to_pos),
        raw.role.map(|role| checker.intern(trim(&role))),
        raw.note.map(ArcStr::from),
        sources,
    );
    Some((relation, (from, to)))
}

fn required<'v, T>(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    table: &str,
    field: &str,
    value: Option<&'v Spanned<T>>,
) -> Option<&'v Spanned<T>> {
    if value.is_none() {
        checker.report(
            file,
            at,
            format!("missing field `{field}` in this [[{table}]]"),
        );
    }
    value
}

/// Like [`required`], for a string that must also not be blank.
fn required_str<'v>(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    table: &str,
    field: &str,
    value: Option<&'v Spanned<Text<'v>>>,
) -> Option<&'v Spanned<Text<'v>>> {
    let value = required(checker, file, at, table, field, value)?;
    if trim(value.get_ref()).is_empty() {
        let message = format!("field `{field}` is blank in this [[{table}]]");
        checker.report(file, value.span().start, message);
        return None;
    }
    Some(value)
}

fn required_text(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    table: &str,
    field: &str,
    value: Option<Text<'_>>,
) -> Option<String> {
    match value.map(trimmed) {
        None => {
            checker.report(
                file,
                at,
                format!("missing field `{field}` in this [[{table}]]"),
            );
            None
        }
        Some(v) if v.is_empty() => {
            checker.report(
                file,
                at,
                format!("field `{field}` is blank in this [[{table}]]"),
            );
            None
        }
        Some(v) => Some(v),
    }
}

fn vocab<T: FromStr<Err = crate::model::UnknownValue>>(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    table: &str,
    field: &str,
    value: &Option<Spanned<Text<'_>>>,
) -> Option<T> {
    let value = required(checker, file, at, table, field, value.as_ref())?;
    match value.get_ref().parse::<T>() {
        Ok(v) => Some(v),
        Err(err) => {
            let message = format!("field `{field}`: {err}");
            checker.report(file, value.span().start, message);
            None
        }
    }
}

fn check_date(checker: &mut Checker<'_>, file: &FileCtx, date: &Spanned<Text<'_>>) {
    let d = date.get_ref().as_bytes();
    let shape = d.len() == 10
        && d[4] == b'-'
        && d[7] == b'-'
        && d.iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    let valid = shape && {
        let year: u32 = date.get_ref()[0..4].parse().unwrap_or(0);
        let month: u32 = date.get_ref()[5..7].parse().unwrap_or(0);
        let day: u32 = date.get_ref()[8..10].parse().unwrap_or(0);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        (1..=days).contains(&day)
    };
    if !valid {
        let message = format!(
            "date `{}` is not a calendar date: write YYYY-MM-DD",
            date.get_ref()
        );
        checker.report(file, date.span().start, message);
    }
}

#[cfg(test)]
mod tests {
    use super::trim;
    use proptest::prelude::*;

    /// Values with white space of every kind at either end, or none.
    fn padded() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec![
            "", " ", "\t", "\n", "\r\n", "\u{b}", "\u{c}", "\u{85}", "\u{a0}", "\u{2003}",
            "\u{3000}",
        ]);
        (space.clone(), "\\PC{0,6}|[a-z ]{0,4}|", space)
            .prop_map(|(before, middle, after)| format!("{before}{middle}{after}"))
    }

    proptest! {
        #[test]
        fn trim_is_str_trim(s in padded()) {
            prop_assert_eq!(trim(&s), s.trim());
        }
    }

    #[test]
    fn trim_keeps_plain_values_and_trims_the_rest() {
        for s in [
            "a",
            "ab",
            "a b",
            "é",
            "aé",
            "éa",
            "",
            " ",
            " a",
            "a ",
            "\u{3000}a\u{b}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }
}
