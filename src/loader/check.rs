//! Turns parsed files into checked model records, collecting every problem.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use foldhash::HashMap as FastMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use toml::Spanned;

use super::parse::{self, FileCtx};
use super::raw::{RawDocument, RawEntity, RawRelation, RawSource};
use super::{LoadError, LoadOptions, Problem};
use crate::graph::Graph;
use crate::model::{
    DeliverableKind, DeliverableStatus, Details, Document, Entity, EntityId, EntityKind, EventKind,
    GroupKind, GroupStatus, OrganisationCategory, Relation, RelationType, Source,
};

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
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_string()
    }
}

struct Checker<'a> {
    problems: Vec<Problem>,
    /// Documents by key, with their text without white space when quotes
    /// are checked.
    documents: HashMap<String, (Arc<Document>, Option<Arc<str>>)>,
    options: &'a LoadOptions,
    /// Every distinct role and section heading, shared by the records that
    /// repeat it.
    strings: foldhash::HashSet<Arc<str>>,
}

impl Checker<'_> {
    fn report(&mut self, file: &FileCtx, offset: usize, message: impl Into<String>) {
        self.problems.push(file.problem(offset, message));
    }

    /// `text`, shared with every earlier record that holds the same text.
    fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.strings.insert(shared.clone());
        shared
    }
}

/// Where an entity id was first declared, and what it became.
struct Declared {
    file: u32,
    line: u32,
    /// Its kind and position in the entity list, when it had no problem.
    entity: Option<(EntityKind, u32)>,
}

pub(super) fn build(paths: &[PathBuf], options: &LoadOptions) -> Result<Graph, LoadError> {
    let mut checker = Checker {
        problems: Vec::new(),
        documents: HashMap::new(),
        options,
        strings: Default::default(),
    };
    let mut parsed = Vec::with_capacity(paths.len());
    for file in parse::parse_all(paths)? {
        checker.problems.extend(file.problems);
        if let Some(raw) = file.raw {
            parsed.push((file.file, raw));
        }
    }

    let file_paths: Vec<PathBuf> = parsed.iter().map(|(f, _)| f.path.clone()).collect();

    // Documents first: sources in any file may cite them.
    for (file, raw) in &mut parsed {
        for doc in std::mem::take(&mut raw.document) {
            check_document(&mut checker, file, doc);
        }
    }

    let mut entities: Vec<Entity> = Vec::new();
    let mut declared: FastMap<EntityId, Declared> = FastMap::default();
    for (file_index, (file, raw)) in parsed.iter_mut().enumerate() {
        let tables = [
            (
                EntityKind::Organisation,
                std::mem::take(&mut raw.organisation),
            ),
            (EntityKind::Person, std::mem::take(&mut raw.person)),
            (EntityKind::Group, std::mem::take(&mut raw.group)),
            (
                EntityKind::Deliverable,
                std::mem::take(&mut raw.deliverable),
            ),
            (EntityKind::Event, std::mem::take(&mut raw.event)),
        ];
        for (kind, list) in tables {
            for entry in list {
                let line = file.line_of(entry.span().start);
                let declared_id = entry
                    .get_ref()
                    .id
                    .as_ref()
                    .and_then(|id| EntityId::parse(id.get_ref()).ok());
                if let Some(id) = &declared_id {
                    if let Some(first) = declared.get(id) {
                        let message = format!(
                            "duplicate id `{id}`: already declared at {}:{}",
                            file_paths[first.file as usize].display(),
                            first.line
                        );
                        checker.report(file, entry.span().start, message);
                        continue;
                    }
                }
                let entity = check_entity(&mut checker, file, kind, entry);
                let Some(id) = declared_id else { continue };
                let position = entity.map(|mut entity| {
                    entity.id = id.clone(); // one shared id text
                    entities.push(entity);
                    (kind, entities.len() as u32 - 1)
                });
                let first = Declared {
                    file: file_index as u32,
                    line: line as u32,
                    entity: position,
                };
                declared.insert(id, first);
            }
        }
    }

    let mut relations: Vec<Relation> = Vec::new();
    // (type, from, to) -> where it was first declared.
    let mut relation_seen: FastMap<(RelationType, u32, u32), (u32, u32)> = FastMap::default();
    for (file_index, (file, raw)) in parsed.iter_mut().enumerate() {
        for entry in std::mem::take(&mut raw.relation) {
            let at = entry.span().start;
            let Some((relation, key)) = check_relation(&mut checker, file, &declared, entry) else {
                continue;
            };
            let first = match relation_seen.entry(key) {
                Entry::Occupied(first) => *first.get(),
                Entry::Vacant(slot) => {
                    slot.insert((file_index as u32, file.line_of(at) as u32));
                    relations.push(relation);
                    continue;
                }
            };
            {
                let message = format!(
                    "duplicate relation: {} from `{}` to `{}` is already declared at {}:{} (give both roles in one relation)",
                    relation.rel_type,
                    relation.from,
                    relation.to,
                    file_paths[first.0 as usize].display(),
                    first.1
                );
                checker.report(file, at, message);
            }
        }
    }
    drop(relation_seen);
    drop(declared);
    // The files' line starts are no longer needed.
    drop(parsed);

    if !checker.problems.is_empty() {
        let mut problems = checker.problems;
        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(LoadError::Invalid(problems));
    }
    let documents = checker.documents.into_values().map(|(d, _)| d).collect();
    // The checks above establish every invariant Graph::new asserts.
    Graph::new(documents, entities, relations).map_err(|err| {
        LoadError::Invalid(vec![Problem {
            file: PathBuf::new(),
            line: 0,
            message: err.to_string(),
        }])
    })
}

fn check_document(checker: &mut Checker<'_>, file: &FileCtx, entry: Spanned<RawDocument>) {
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
    if checker.documents.contains_key(key.get_ref()) {
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
            Some(name) => match std::fs::read_to_string(dir.join(name)) {
                Ok(t) => text = Some(Arc::from(strip_space(&t))),
                Err(err) => checker.report(
                    file,
                    at,
                    format!("cannot read {}: {err}", dir.join(name).display()),
                ),
            },
        }
    }
    let (Some(title), Some(publisher)) = (title, publisher) else {
        return;
    };
    let document = Document {
        key: key.get_ref().clone(),
        title,
        publisher,
        date: raw.date.as_ref().map(|d| d.get_ref().clone()),
        url: raw.url.clone(),
        text_file: raw.text_file.clone(),
    };
    checker
        .documents
        .insert(key.get_ref().clone(), (Arc::new(document), text));
}

fn check_sources(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    at: usize,
    what: &dyn Fn() -> String,
    list: Vec<Spanned<RawSource>>,
) -> Vec<Source> {
    if list.is_empty() {
        let message = format!(
            "{} has no source: add a [[...source]] with `doc` and `quote`",
            what()
        );
        checker.report(file, at, message);
    }
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let src_at = entry.span().start;
        let raw = entry.into_inner();
        let doc = required_str(checker, file, src_at, "source", "doc", raw.doc.as_ref());
        let quote = required(checker, file, src_at, "source", "quote", raw.quote.as_ref());
        let (Some(doc), Some(quote)) = (doc, quote) else {
            continue;
        };
        let Some((document, text)) = checker.documents.get(doc.get_ref()).cloned() else {
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

fn check_entity(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    table: EntityKind,
    entry: Spanned<RawEntity>,
) -> Option<Entity> {
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
        if alias.trim().is_empty() {
            checker.report(file, at, format!("{} has a blank alias", what()));
        }
    }
    Some(Entity {
        id: id?,
        name: name?,
        aliases: raw.aliases.into_iter().map(trimmed).collect(),
        description: raw.description,
        note: raw.note,
        sources,
        details: details?,
    })
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
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|v| v.get_ref().clone());
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
                date: text(&r.date),
                number,
            }
        }
    };
    (!misplaced).then_some(details)
}

fn span<T>(field: &Option<Spanned<T>>) -> Option<usize> {
    field.as_ref().map(|f| f.span().start)
}

/// A checked relation, and its key for duplicate detection: the type and
/// the positions of its ends in the entity list.
fn check_relation(
    checker: &mut Checker<'_>,
    file: &FileCtx,
    declared: &FastMap<EntityId, Declared>,
    entry: Spanned<RawRelation>,
) -> Option<(Relation, (RelationType, u32, u32))> {
    let at = entry.span().start;
    let mut raw = entry.into_inner();
    let rel_type = vocab::<RelationType>(checker, file, at, "relation", "type", &raw.rel_type);
    let mut end = |field: &str, value: &Option<Spanned<String>>| {
        let value = required_str(checker, file, at, "relation", field, value.as_ref())?;
        let text = value.get_ref().as_str();
        // A declared id is well formed: share its text.
        if let Some((id, first)) = declared.get_key_value(text) {
            // Declared, but with problems of its own, reported there.
            let (kind, position) = first.entity?;
            return Some((id.clone(), kind, position, value.span().start));
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
    if from == to {
        let message = format!("{rel_type} from `{from}` to `{to}` links an entity to itself");
        checker.report(file, to_at, message);
        return None;
    }
    if !rel_type.allows(from_kind, to_kind) {
        let message = format!(
            "{rel_type} cannot go from a {} to a {}: it links {}",
            from_kind.prefix(),
            to_kind.prefix(),
            rel_type.rule()
        );
        checker.report(file, at, message);
        return None;
    }
    let relation = Relation {
        rel_type,
        from,
        to,
        role: raw.role.map(|role| checker.intern(role.trim())),
        note: raw.note.map(String::into_boxed_str),
        sources: sources.into_boxed_slice(),
    };
    Some((relation, (rel_type, from_pos, to_pos)))
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
    value: Option<&'v Spanned<String>>,
) -> Option<&'v Spanned<String>> {
    let value = required(checker, file, at, table, field, value)?;
    if value.get_ref().trim().is_empty() {
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
    value: Option<String>,
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
    value: &Option<Spanned<String>>,
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

fn check_date(checker: &mut Checker<'_>, file: &FileCtx, date: &Spanned<String>) {
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
