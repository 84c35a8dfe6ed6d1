//! Turns parsed files into checked model records, collecting every problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use toml::Spanned;

use super::raw::{
    RawDocument, RawEntity, RawFile, RawRelation, RawSource, DOCUMENT_KEYS, ENTITY_KEYS,
    RELATION_KEYS, SOURCE_KEYS, TABLES,
};
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

/// One file being checked: its path, its text's line starts, and the problems.
struct FileCtx<'a> {
    path: &'a Path,
    line_starts: Vec<usize>,
}

impl FileCtx<'_> {
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

struct Checker<'a> {
    problems: Vec<Problem>,
    documents: HashMap<String, (Arc<Document>, Option<String>)>,
    options: &'a LoadOptions,
}

impl Checker<'_> {
    fn report(&mut self, file: &FileCtx<'_>, offset: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.path.to_path_buf(),
            line: file.line_of(offset),
            message: message.into(),
        });
    }
}

pub(super) fn build(
    texts: &[(PathBuf, String)],
    options: &LoadOptions,
) -> Result<Graph, LoadError> {
    let mut checker = Checker {
        problems: Vec::new(),
        documents: HashMap::new(),
        options,
    };
    let mut parsed: Vec<(FileCtx<'_>, RawFile)> = Vec::new();
    for (path, text) in texts {
        let file = FileCtx {
            path,
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        };
        match toml::from_str::<RawFile>(text) {
            Ok(raw) => {
                check_unknown_keys(&mut checker, &file, text, &raw);
                parsed.push((file, raw));
            }
            Err(err) => {
                let offset = err.span().map_or(0, |s| s.start);
                let mut message = err.message().trim().to_string();
                if message.contains("expected a string") && message.contains("map") {
                    message.push_str(": write dates in quotes, e.g. date = \"2025-10-31\"");
                }
                checker.report(&file, offset, message);
            }
        }
    }

    // Documents first: sources in any file may cite them.
    for (file, raw) in &parsed {
        for doc in &raw.document {
            check_document(&mut checker, file, doc);
        }
    }

    let mut entities: Vec<Entity> = Vec::new();
    let mut first_seen: HashMap<EntityId, (PathBuf, usize)> = HashMap::new();
    for (file, raw) in &parsed {
        let tables = [
            (EntityKind::Organisation, &raw.organisation),
            (EntityKind::Person, &raw.person),
            (EntityKind::Group, &raw.group),
            (EntityKind::Deliverable, &raw.deliverable),
            (EntityKind::Event, &raw.event),
        ];
        for (kind, list) in tables {
            for entry in list.iter() {
                let line = file.line_of(entry.span().start);
                let declared_id = entry
                    .get_ref()
                    .id
                    .as_ref()
                    .and_then(|id| EntityId::parse(id.get_ref()).ok());
                if let Some(id) = &declared_id {
                    if let Some((first_file, first_line)) = first_seen.get(id) {
                        let message = format!(
                            "duplicate id `{id}`: already declared at {}:{}",
                            first_file.display(),
                            first_line
                        );
                        checker.report(file, entry.span().start, message);
                        continue;
                    }
                    first_seen.insert(id.clone(), (file.path.to_path_buf(), line));
                }
                if let Some(entity) = check_entity(&mut checker, file, kind, entry) {
                    entities.push(entity);
                }
            }
        }
    }

    let kinds: HashMap<EntityId, EntityKind> =
        entities.iter().map(|e| (e.id.clone(), e.kind())).collect();
    let mut relations: Vec<Relation> = Vec::new();
    let mut relation_seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    for (file, raw) in &parsed {
        for entry in &raw.relation {
            let Some(relation) = check_relation(&mut checker, file, &kinds, &first_seen, entry)
            else {
                continue;
            };
            let line = file.line_of(entry.span().start);
            if let Some((first_file, first_line)) = relation_seen.get(&relation.id) {
                let message = format!(
                    "duplicate relation: {} from `{}` to `{}` is already declared at {}:{} (give both roles in one relation)",
                    relation.rel_type,
                    relation.from,
                    relation.to,
                    first_file.display(),
                    first_line
                );
                checker.report(file, entry.span().start, message);
                continue;
            }
            relation_seen.insert(relation.id.clone(), (file.path.to_path_buf(), line));
            relations.push(relation);
        }
    }

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

/// Reports every key serde ignored: unknown tables, and unknown fields of
/// entries and of their sources, each at its own line.
fn check_unknown_keys(checker: &mut Checker<'_>, file: &FileCtx<'_>, text: &str, raw: &RawFile) {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let mut starts: Vec<usize> = raw
        .document
        .iter()
        .map(|e| e.span().start)
        .chain(raw.relation.iter().map(|e| e.span().start))
        .chain(
            [
                &raw.organisation,
                &raw.person,
                &raw.group,
                &raw.deliverable,
                &raw.event,
            ]
            .into_iter()
            .flat_map(|list| list.iter().map(|e| e.span().start)),
        )
        .collect();
    starts.sort_unstable();
    let end_of = |start: usize| {
        starts
            .iter()
            .copied()
            .find(|&s| s > start)
            .unwrap_or(text.len())
    };
    for (name, value) in &table {
        if !TABLES.contains(&name.as_str()) {
            let at = find_key(text, 0, text.len(), name);
            let message = format!(
                "unknown table `{name}`{}: expected one of {}",
                suggest(name, TABLES),
                TABLES.join(", ")
            );
            checker.report(file, at, message);
            continue;
        }
        let (known, spans): (&[&str], Vec<usize>) = match name.as_str() {
            "document" => (
                DOCUMENT_KEYS,
                raw.document.iter().map(|e| e.span().start).collect(),
            ),
            "relation" => (
                RELATION_KEYS,
                raw.relation.iter().map(|e| e.span().start).collect(),
            ),
            "organisation" => (
                ENTITY_KEYS,
                raw.organisation.iter().map(|e| e.span().start).collect(),
            ),
            "person" => (
                ENTITY_KEYS,
                raw.person.iter().map(|e| e.span().start).collect(),
            ),
            "group" => (
                ENTITY_KEYS,
                raw.group.iter().map(|e| e.span().start).collect(),
            ),
            "deliverable" => (
                ENTITY_KEYS,
                raw.deliverable.iter().map(|e| e.span().start).collect(),
            ),
            _ => (
                ENTITY_KEYS,
                raw.event.iter().map(|e| e.span().start).collect(),
            ),
        };
        let Some(entries) = value.as_array() else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let (Some(fields), Some(&start)) = (entry.as_table(), spans.get(i)) else {
                continue;
            };
            let end = end_of(start);
            for key in fields.keys().filter(|k| !known.contains(&k.as_str())) {
                let message = format!(
                    "unknown field `{key}` in this [[{name}]]{}: expected one of {}",
                    suggest(key, known),
                    known.join(", ")
                );
                checker.report(file, find_key(text, start, end, key), message);
            }
            let sources = fields.get("source").and_then(|v| v.as_array());
            for source in sources.into_iter().flatten().filter_map(|v| v.as_table()) {
                for key in source.keys().filter(|k| !SOURCE_KEYS.contains(&k.as_str())) {
                    let message = format!(
                        "unknown field `{key}` in this source{}: expected one of {}",
                        suggest(key, SOURCE_KEYS),
                        SOURCE_KEYS.join(", ")
                    );
                    checker.report(file, find_key(text, start, end, key), message);
                }
            }
        }
    }
}

/// The offset of the line in `text[start..end]` that sets `key` (`key =`)
/// or opens a table named by it; `start` when there is none.
fn find_key(text: &str, start: usize, end: usize, key: &str) -> usize {
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let t = line.trim_start();
        let sets = t
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        let header = t.starts_with('[')
            && t.trim_start_matches('[')
                .trim_end()
                .trim_end_matches(']')
                .rsplit('.')
                .next()
                .is_some_and(|last| last.trim() == key);
        if sets || header {
            return offset;
        }
        offset += line.len();
    }
    start
}

/// ` (did you mean `x`?)` for the known word closest to `word`, if close.
fn suggest(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn check_document(checker: &mut Checker<'_>, file: &FileCtx<'_>, entry: &Spanned<RawDocument>) {
    let at = entry.span().start;
    let raw = entry.get_ref();
    let Some(key) = required_str(checker, file, at, "document", "key", raw.key.as_ref()) else {
        return;
    };
    let title = required_text(checker, file, at, "document", "title", raw.title.as_deref());
    let publisher = required_text(
        checker,
        file,
        at,
        "document",
        "publisher",
        raw.publisher.as_deref(),
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
                Ok(t) => text = Some(strip_space(&t)),
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
    file: &FileCtx<'_>,
    at: usize,
    what: &str,
    list: &[Spanned<RawSource>],
) -> Vec<Source> {
    if list.is_empty() {
        checker.report(
            file,
            at,
            format!("{what} has no source: add a [[...source]] with `doc` and `quote`"),
        );
    }
    let mut out = Vec::new();
    for entry in list {
        let src_at = entry.span().start;
        let raw = entry.get_ref();
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
        let q = quote.get_ref().trim();
        let chars = q.chars().count();
        if q.is_empty() {
            checker.report(file, quote.span().start, "empty quote");
            continue;
        }
        if chars > MAX_QUOTE_CHARS {
            let message = format!(
                "quote is {chars} characters long; a citation is at most {MAX_QUOTE_CHARS}: keep the passage that states the fact"
            );
            checker.report(file, quote.span().start, message);
        }
        if let Some(text) = &text {
            if !quote_is_in(q, text) {
                let message = format!(
                    "quote not found in `{}`: \"{}\"",
                    document.text_file.as_deref().unwrap_or(&document.key),
                    q
                );
                checker.report(file, quote.span().start, message);
            }
        }
        out.push(Source {
            document,
            section: raw.section.clone(),
            quote: q.to_string(),
        });
    }
    out
}

fn check_entity(
    checker: &mut Checker<'_>,
    file: &FileCtx<'_>,
    table: EntityKind,
    entry: &Spanned<RawEntity>,
) -> Option<Entity> {
    let at = entry.span().start;
    let raw = entry.get_ref();
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
    let name = required_text(checker, file, at, table_name, "name", raw.name.as_deref());
    let what = id
        .as_ref()
        .map_or_else(|| format!("this {table_name}"), |id| format!("`{id}`"));
    let sources = check_sources(checker, file, at, &what, &raw.source);
    let details = check_details(checker, file, table, entry);
    for alias in &raw.aliases {
        if alias.trim().is_empty() {
            checker.report(file, at, format!("{what} has a blank alias"));
        }
    }
    Some(Entity {
        id: id?,
        name: name?,
        aliases: raw.aliases.iter().map(|a| a.trim().to_string()).collect(),
        description: raw.description.clone(),
        note: raw.note.clone(),
        sources,
        details: details?,
    })
}

fn check_details(
    checker: &mut Checker<'_>,
    file: &FileCtx<'_>,
    table: EntityKind,
    entry: &Spanned<RawEntity>,
) -> Option<Details> {
    let at = entry.span().start;
    let r = entry.get_ref();
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

fn check_relation(
    checker: &mut Checker<'_>,
    file: &FileCtx<'_>,
    kinds: &HashMap<EntityId, EntityKind>,
    declared: &HashMap<EntityId, (PathBuf, usize)>,
    entry: &Spanned<RawRelation>,
) -> Option<Relation> {
    let at = entry.span().start;
    let raw = entry.get_ref();
    let rel_type = vocab::<RelationType>(checker, file, at, "relation", "type", &raw.rel_type);
    let mut end = |field: &str, value: &Option<Spanned<String>>| {
        let value = required_str(checker, file, at, "relation", field, value.as_ref())?;
        match EntityId::parse(value.get_ref()) {
            Err(err) => {
                checker.report(file, value.span().start, err.to_string());
                None
            }
            Ok(id) => match kinds.get(&id) {
                Some(kind) => Some((id, *kind, value.span().start)),
                // Declared, but with problems of its own, reported there.
                None if declared.contains_key(&id) => None,
                None => {
                    let message =
                        format!("unknown reference `{field} = \"{id}\"`: no entity has this id");
                    checker.report(file, value.span().start, message);
                    None
                }
            },
        }
    };
    let from = end("from", &raw.from);
    let to = end("to", &raw.to);
    let what = match (&rel_type, &from, &to) {
        (Some(t), Some(f), Some(o)) => format!("{t} from `{}` to `{}`", f.0, o.0),
        _ => "this relation".to_string(),
    };
    let sources = check_sources(checker, file, at, &what, &raw.source);
    let (rel_type, (from, from_kind, _), (to, to_kind, to_at)) = (rel_type?, from?, to?);
    if from == to {
        checker.report(file, to_at, format!("{what} links an entity to itself"));
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
    Some(Relation {
        id: Relation::make_id(rel_type, &from, &to),
        rel_type,
        from,
        to,
        role: raw.role.as_ref().map(|r| r.trim().to_string()),
        note: raw.note.clone(),
        sources,
    })
}

fn required<'v, T>(
    checker: &mut Checker<'_>,
    file: &FileCtx<'_>,
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
    file: &FileCtx<'_>,
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
    file: &FileCtx<'_>,
    at: usize,
    table: &str,
    field: &str,
    value: Option<&str>,
) -> Option<String> {
    match value.map(str::trim) {
        None => {
            checker.report(
                file,
                at,
                format!("missing field `{field}` in this [[{table}]]"),
            );
            None
        }
        Some("") => {
            checker.report(
                file,
                at,
                format!("field `{field}` is blank in this [[{table}]]"),
            );
            None
        }
        Some(v) => Some(v.to_string()),
    }
}

fn vocab<T: FromStr<Err = crate::model::UnknownValue>>(
    checker: &mut Checker<'_>,
    file: &FileCtx<'_>,
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

fn check_date(checker: &mut Checker<'_>, file: &FileCtx<'_>, date: &Spanned<String>) {
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
