//! Reads and parses the data files, several at a time.
//!
//! A file in the plain shape is read by [`super::plain`], straight into its
//! entries. Any other file is parsed into toml's spanned document tree, which
//! serves both the unknown-key check (every key carries its own span) and the
//! typed [`RawFile`]. Either way each entry is handed on as it is read, and
//! the text is dropped once the file is read, keeping only the line starts
//! for `FILE:LINE` messages.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::raw::{
    RawFile, RawRecord, DOCUMENT_KEYS, ENTITY_KEYS, RELATION_KEYS, SOURCE_KEYS, TABLES,
};
use super::{LoadError, Problem};

/// One data file: its path, its text while it is read, where its lines
/// start when that is needed, and a hash of its bytes.
pub(super) struct FileCtx {
    pub path: PathBuf,
    /// Held while the file is read, then given back to the reading thread.
    text: String,
    /// Where each line starts: made when a line is first asked for, and
    /// kept when lines are asked for after the text is given back
    /// ([`FileCtx::index_lines`]).
    line_starts: OnceLock<Vec<u32>>,
    /// The same for the same bytes in every process.
    pub content_hash: u64,
}

impl FileCtx {
    /// The file at `path`, holding `text`.
    pub fn new(path: &Path, text: String) -> FileCtx {
        FileCtx {
            path: path.to_path_buf(),
            content_hash: stable_hash(text.as_bytes()),
            text,
            line_starts: OnceLock::new(),
        }
    }

    /// Where lines start is worked out now, for lines asked for once the
    /// text is given back.
    pub fn index_lines(&mut self) {
        self.line_starts
            .get_or_init(|| line_starts(self.text.as_bytes()));
    }

    /// The text, given back; lines are then found only if indexed before.
    fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// A problem at a known line.
    pub fn problem_at_line(&self, line: u32, message: impl Into<String>) -> Problem {
        Problem {
            file: self.path.clone(),
            line: line as usize,
            message: message.into(),
        }
    }

    /// The 1-based line holding byte `offset`: the number of lines that
    /// start at or before it.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self
            .line_starts
            .get_or_init(|| line_starts(self.text.as_bytes()));
        started_by(starts, offset)
    }

    pub fn problem(&self, offset: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: self.path.clone(),
            line: self.line_of(offset),
            message: message.into(),
        }
    }
}

/// Where each line of `bytes` starts.
fn line_starts(bytes: &[u8]) -> Vec<u32> {
    let mut starts = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i as u32 + 1));
    starts
}

/// How many of `starts` (line starts, in order) are at or before `offset`.
fn started_by(starts: &[u32], offset: usize) -> usize {
    let offset = u32::try_from(offset).unwrap_or(u32::MAX);
    starts.partition_point(|&s| s <= offset)
}

/// Where the lines of an entry's values are found.
pub(super) enum Lines<'r> {
    /// As the plain reader counted them: the line of the entry's header,
    /// and where each line after it starts (up to the next entry's).
    Entry { first: u32, starts: &'r [u32] },
    /// Among all the lines of its file.
    File(&'r FileCtx),
}

impl Lines<'_> {
    /// The 1-based line holding byte `offset` of the entry's file.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self {
            Lines::Entry { first, starts } => first + started_by(starts, offset) as u32,
            Lines::File(file) => file.line_of(offset) as u32,
        }
    }

    /// Whether every byte of the entry is known to lie at most `n` lines
    /// past its first (known of an entry the plain reader counted).
    pub fn spans_at_most(&self, n: usize) -> bool {
        matches!(self, Lines::Entry { starts, .. } if starts.len() <= n)
    }
}

/// What the parsing threads do with the files they read: take each entry as
/// it is read, then the file itself.
pub(super) trait Prepare {
    type Prepared: Send;
    /// A file of `len` bytes is about to be read.
    fn begin(&mut self, len: usize) {
        let _ = len;
    }
    /// An entry of `file`, the file being read, with where its lines are.
    fn record(&mut self, file: &FileCtx, lines: &Lines, record: RawRecord);
    /// Forgets the entries taken from the file being read (it is read again,
    /// by toml). What those entries left in shared state (ids and document
    /// keys numbered) stays: numbering a text that no entry ends up naming
    /// is harmless.
    fn discard(&mut self);
    /// Whether lines of the file being read are asked for once it is read
    /// (its text is then given back): where they start is then kept.
    fn keeps_lines(&self) -> bool {
        true
    }
    /// The file whose entries were just taken, with the problems found while
    /// parsing it (when it does not parse, it has no entries).
    fn finish(&mut self, file: FileCtx, problems: Vec<Problem>) -> Self::Prepared;
}

/// Reads and parses `paths` on every core, each thread handing what it reads
/// to its own `state()`, so that only what that makes of each file is kept.
/// The results are in path order; the first file that cannot be read (in
/// path order) is the error.
pub(super) fn parse_all<P: Prepare>(
    paths: &[PathBuf],
    state: impl Fn() -> P + Sync,
) -> Result<Vec<P::Prepared>, LoadError> {
    // One buffer per thread for the files' text, reused (a fresh one per
    // file costs the kernel a page fault per 4 KiB).
    super::on_all_cores(
        paths.len(),
        || (state(), String::new()),
        |(state, text), i| parse_file(&paths[i], text, state),
    )
    .into_iter()
    .collect()
}

/// Reads and parses the file at `path`, its text read into `text`.
fn parse_file<P: Prepare>(
    path: &Path,
    text: &mut String,
    prepare: &mut P,
) -> Result<P::Prepared, LoadError> {
    // Read as bytes into the reused buffer, so that text that is not UTF-8
    // is reported at its line like any other problem.
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let mut file = match String::from_utf8(bytes) {
        Ok(read) => FileCtx::new(path, read),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let file = FileCtx {
                path: path.to_path_buf(),
                text: String::new(),
                line_starts: OnceLock::from(line_starts(&bytes)),
                content_hash: stable_hash(&bytes[..]),
            };
            let problem = file.problem(
                valid,
                format!("the file is not UTF-8 text (byte {valid} is not): save it as UTF-8"),
            );
            return Ok(prepare.finish(file, vec![problem]));
        }
    };
    prepare.begin(file.text.len());
    // Files in the plain shape (every file `generate` writes, and the
    // bundled ones) are read without building toml's tree; any other file,
    // and every file with a mistake, is read by toml in full.
    let mut problems = Vec::new();
    let plain = super::plain::read(&file.text, &mut |record, lines| {
        prepare.record(&file, lines, record)
    });
    if !plain {
        prepare.discard();
        match read_with_toml(&file, &file.text, &mut problems) {
            Ok(raw) => raw
                .into_records()
                .for_each(|record| prepare.record(&file, &Lines::File(&file), record)),
            Err(err) => {
                let offset = err.span().map_or(0, |s| s.start);
                let mut message = err.message().trim().to_string();
                if message.contains("expected a string")
                    && (message.contains("map") || message.contains("datetime"))
                {
                    message.push_str(": write dates in quotes, e.g. date = \"2025-10-31\"");
                }
                // The file's other problems wait until it parses.
                problems = vec![file.problem(offset, message)];
            }
        }
    }
    if prepare.keeps_lines() {
        file.index_lines();
    }
    *text = file.take_text();
    Ok(prepare.finish(file, problems))
}

/// A hash that is the same for the same value in every process (a fixed
/// seed), for what must agree across processes: the data's identity.
pub(super) fn stable_hash(value: impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6369_7667_7261_7068).hash_one(value)
}

/// The records of `text` as toml reads them, with the keys serde ignores
/// added to `problems`.
fn read_with_toml(
    file: &FileCtx,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Result<RawFile<'static>, toml::de::Error> {
    DeTable::parse(text).and_then(|root| {
        unknown_keys(file, root.get_ref(), problems);
        RawFile::deserialize(toml::de::Deserializer::from(root))
    })
}

/// Reports every key serde ignores: unknown tables, and unknown fields of
/// entries and of their sources, each at its own line.
fn unknown_keys(file: &FileCtx, root: &DeTable<'_>, problems: &mut Vec<Problem>) {
    for (name, value) in root {
        let table = name.get_ref().as_ref();
        if !TABLES.contains(&table) {
            let message = format!(
                "unknown table `{table}`{}: expected one of {}",
                suggest(table, TABLES),
                TABLES.join(", ")
            );
            problems.push(file.problem(name.span().start, message));
            continue;
        }
        let known = match table {
            "document" => DOCUMENT_KEYS,
            "relation" => RELATION_KEYS,
            _ => ENTITY_KEYS,
        };
        let entries = match value.get_ref() {
            DeValue::Array(entries) => entries,
            _ => continue,
        };
        for entry in entries.iter().filter_map(|e| e.get_ref().as_table()) {
            unknown_in(
                file,
                entry,
                &|| format!("this [[{table}]]"),
                known,
                problems,
            );
            let sources = entry.get("source").map(|s| s.get_ref());
            let Some(DeValue::Array(sources)) = sources else {
                continue;
            };
            for source in sources.iter().filter_map(|s| s.get_ref().as_table()) {
                unknown_in(
                    file,
                    source,
                    &|| "this source".into(),
                    SOURCE_KEYS,
                    problems,
                );
            }
        }
    }
}

fn unknown_in(
    file: &FileCtx,
    table: &DeTable<'_>,
    what: &dyn Fn() -> String,
    known: &[&str],
    problems: &mut Vec<Problem>,
) {
    for key in table.keys() {
        let name = key.get_ref().as_ref();
        if !known.contains(&name) {
            let message = format!(
                "unknown field `{name}` in {}{}: expected one of {}",
                what(),
                suggest(name, known),
                known.join(", ")
            );
            problems.push(file.problem(key.span().start, message));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use toml::Spanned;

    /// toml's reading of `text` (`None` when it fails or names an unknown
    /// key), printed with every span.
    fn with_toml(text: &str) -> Option<String> {
        let file = FileCtx::new(Path::new("test.toml"), text.to_string());
        let mut problems = Vec::new();
        let raw = read_with_toml(&file, text, &mut problems).ok()?;
        let records: Vec<RawRecord> = raw.into_records().collect();
        problems.is_empty().then(|| format!("{records:?}"))
    }

    /// Asserts that the plain reader either declines `text` or reads exactly
    /// what toml reads; returns whether it read it.
    fn agrees(text: &str) -> bool {
        let file = FileCtx::new(Path::new("test.toml"), text.to_string());
        let mut plain = Vec::new();
        let read = super::super::plain::read(text, &mut |record, lines| {
            // The lines it gives are the file's.
            for at in span_starts(&record) {
                assert_eq!(
                    lines.line_of(at) as usize,
                    file.line_of(at),
                    "the line of byte {at} of:\n{text}"
                );
            }
            plain.push(record)
        });
        if !read {
            return false;
        }
        // toml's entries come table by table.
        plain.sort_by_key(RawRecord::table_rank);
        assert_eq!(
            Some(format!("{plain:?}")),
            with_toml(text),
            "the plain reader and toml differ on:\n{text}"
        );
        true
    }

    /// Where `record` and each of its values with a span start.
    fn span_starts(record: &RawRecord) -> Vec<usize> {
        fn starts<T>(spans: &[Option<&Spanned<T>>]) -> Vec<usize> {
            spans.iter().flatten().map(|s| s.span().start).collect()
        }
        let sources = |list: &[Spanned<super::super::raw::RawSource>]| -> Vec<usize> {
            list.iter()
                .flat_map(|s| {
                    let raw = s.get_ref();
                    let mut at = starts(&[raw.doc.as_ref(), raw.quote.as_ref()]);
                    at.push(s.span().start);
                    at
                })
                .collect()
        };
        match record {
            RawRecord::Document(d) => {
                let raw = d.get_ref();
                let mut at = starts(&[raw.key.as_ref(), raw.date.as_ref()]);
                at.push(d.span().start);
                at
            }
            RawRecord::Entity(_, e) => {
                let raw = e.get_ref();
                let mut at = starts(&[
                    raw.id.as_ref(),
                    raw.category.as_ref(),
                    raw.acronym.as_ref(),
                    raw.honorific.as_ref(),
                    raw.group_kind.as_ref(),
                    raw.status.as_ref(),
                    raw.deliverable_kind.as_ref(),
                    raw.url.as_ref(),
                    raw.event_kind.as_ref(),
                    raw.date.as_ref(),
                ]);
                at.extend(raw.number.as_ref().map(|n| n.span().start));
                at.extend(sources(&raw.source));
                at.push(e.span().start);
                at
            }
            RawRecord::Relation(r) => {
                let raw = r.get_ref();
                let mut at = starts(&[raw.rel_type.as_ref(), raw.from.as_ref(), raw.to.as_ref()]);
                at.extend(sources(&raw.source));
                at.push(r.span().start);
                at
            }
        }
    }

    #[test]
    fn the_bundled_and_generated_files_are_read_by_the_plain_reader_as_toml_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        crate::generate::generate(400, 7, dir.path()).unwrap();
        let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("graph-data");
        let mut files = super::super::data_files(&bundled).unwrap();
        files.extend(super::super::data_files(dir.path()).unwrap());
        assert!(files.len() > 10);
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                agrees(&text),
                "{} is not read by the plain reader",
                path.display()
            );
        }
    }

    #[test]
    fn every_shape_the_plain_reader_knows_is_read_by_it_as_toml_reads_it() {
        let texts = [
            "[[person]]\nid = \"person:a\"\nname = \"Ana \\u00e9 \\\"q\\\" \\\\ \\t\"\n",
            "[[person]]\r\nid = 'person:a'\r\nname = 'back\\slash \"q\"'\r\n",
            "\u{feff}# first\n[[ person ]] # c\n  id=\"person:a\"  # after\n\n",
            "[[group]]\nid = \"group:g\"\nnumber = 10\naliases = [\n  \"x\", # c\n  'y',\n]\n",
            "[[group]]\nid = \"group:g\"\naliases = []\nnumber = 0",
            "[[relation]]\ntype = \"LEADS\"\nfrom = \"person:a\"\nto = \"group:b\"\n\t[[ relation . source ]]\n\tdoc = \"d\"\n\tquote = \"tab\there, é 中\"\n  [[relation.source]]\n  doc = \"e\"\n  quote = \"\"\n",
            "[[document]]\nkey = \"d\"\ntitle = \"T \\\"x\\\"\"\n[[person]]\nid = \"person:a\"",
        ];
        for text in texts {
            assert!(agrees(text), "the plain reader declined:\n{text}");
        }
    }

    proptest! {
        #[test]
        fn line_of_counts_the_lines_started(
            text in "[a\n]{0,200}",
            offsets in proptest::collection::vec(0..220usize, 1..60),
        ) {
            let starts: Vec<u32> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1))
                .collect();
            let expected =
                |offset: usize| starts.iter().filter(|&&s| s as usize <= offset).count();
            // While the text is held, then once it is given back, its lines
            // indexed.
            let file = FileCtx::new(Path::new("test.toml"), text.clone());
            for &offset in &offsets {
                prop_assert_eq!(file.line_of(offset), expected(offset), "offset {}", offset);
            }
            // As the plain reader gives an entry's lines.
            let entry = Lines::Entry { first: 1, starts: &starts[1..] };
            for &offset in &offsets {
                let line = entry.line_of(offset) as usize;
                prop_assert_eq!(line, expected(offset), "offset {}", offset);
            }
            let mut indexed = FileCtx::new(Path::new("test.toml"), text.clone());
            indexed.index_lines();
            prop_assert_eq!(indexed.take_text(), text);
            for &offset in &offsets {
                prop_assert_eq!(indexed.line_of(offset), expected(offset), "offset {}", offset);
            }
        }
    }

    /// Lines and pieces of lines, plain and otherwise.
    const PIECES: &[&str] = &[
        "[[person]]\n",
        "[[ person ]]\n",
        "[[person.source]]\n",
        "[[ person . source ]]\n",
        "[[relation]]\n",
        "[[relation.source]]\n",
        "[[document]]\n",
        "[[document.source]]\n",
        "[[group]]\n",
        "[[event]] # c\n",
        "[person]\n",
        "[[persons]]\n",
        "[[person.sources]]\n",
        "[[\"person\"]]\n",
        "[ [person]]\n",
        "[[person] ]\n",
        "[[person]]",
        "[[group.source]]",
        "id = \"person:a\"\n",
        "id = 'person:b'\n",
        "name = \"Ana \\u00e9 \\\"q\\\"\"\n",
        "name = \"bad \\q\"\n",
        "name = \"\"\"\nmulti \\\n  line\"\"\"\n",
        "name = '''lit'''\n",
        "aliases = [\"x\", 'y',]\n",
        "aliases = [\n  \"x\", # c\n  \"y\"\n]\n",
        "aliases = []\n",
        "aliases = [1]\n",
        "aliases = \"x\"\n",
        "aliases = [\"x\" \"y\"]\n",
        "aliases = [,]\n",
        "number = 7\n",
        "number = 07\n",
        "number = +7\n",
        "number = 1_000\n",
        "number = 4294967296\n",
        "number = -1\n",
        "number = \"7\"\n",
        "number = 0\n",
        "number = 1.5\n",
        "number = 0x1F\n",
        "date = 2025-10-31\n",
        "date = \"2025-10-31\"\n",
        "type = \"LEADS\"\n",
        "from = \"person:a\"\n",
        "to = \"group:b\"\n",
        "role = \"Chair\"\n",
        "quote = \"q\"\n",
        "doc = \"d\"\n",
        "section = \"s\"\n",
        "key = \"d\"\n",
        "title = \"T\"\n",
        "note = \"n\"\n",
        "category = \"un-entity\"\n",
        "url = \"https://x\"\n",
        "unknown = \"u\"\n",
        "source = []\n",
        "id.x = \"a\"\n",
        "name = { a = 1 }\n",
        "flag = true\n",
        "name = \"unterminated\n",
        "x\n",
        "= \"a\"\n",
        "\n",
        "# comment\n",
        "   \t\n",
        "# bad \u{7} comment\n",
        "\r\n",
        "\r",
        "name = \"a\"\r\n",
        "name = \"a\" \"b\"\n",
        "\u{feff}",
        "name=\"tight\"\n",
        "name = \"a\"",
        "  name = \"ind\"  # after\n",
        "\"id\" = \"q\"\n",
        "name = \"tab\there\"\n",
        "name = \"ctl\u{1}\"\n",
        "text_file = \"t.txt\"\n",
        "name = \"del\u{7f}\"\n",
        "name = 'back\\slash'\n",
        "name = \"\"\n",
        "name = ''\n",
        "name = 'tab\tlit'\n",
        "name = 'del\u{7f}lit'\n",
        "name = \"é \u{2028} 中\"\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_plain_reader_declines_or_reads_as_toml_reads(
            picks in proptest::collection::vec(0..PIECES.len(), 0..24)
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            agrees(&text);
        }

        #[test]
        fn any_string_value_is_declined_or_read_as_toml_reads(
            value in "[\\x00-\\x7f\u{80}-\u{3000}]{0,12}",
            quote in prop::sample::select(vec!["\"", "'", "\"\"\"", "'''"]),
        ) {
            let text = format!("[[person]]\nid = \"person:a\"\nname = {quote}{value}{quote}\n");
            agrees(&text);
        }

        #[test]
        fn mangled_plain_files_are_declined_or_read_as_toml_reads(
            picks in proptest::collection::vec(0..8usize, 1..10),
            at in any::<prop::sample::Index>(),
            junk in "[\\[\\]=.,'\"#\\\\ \nA-Za-z0-9é\t]{0,3}",
            cut in 0..3usize,
        ) {
            const PLAIN: &[&str] = &[
                "[[person]]\nid = \"person:a\"\nname = \"A\"\n",
                "  [[person.source]]\n  doc = \"d\"\n  quote = \"q\"\n",
                "[[relation]]\ntype = \"LEADS\"\nfrom = \"person:a\"\nto = \"group:b\"\n",
                "  [[relation.source]]\n  doc = \"d\"\n  section = \"s\"\n  quote = \"q\"\n",
                "[[group]]\nid = \"group:b\"\nnumber = 3\naliases = [\"B\", \"Bee\"]\n",
                "[[document]]\nkey = \"d\"\ntitle = \"T\"\ndate = \"2025-10-31\"\n",
                "# a comment\n\n",
                "[[event]]\nid = \"event:e\"\ndate = \"2025-10-31\" # when\n",
            ];
            let mut text: String = picks.iter().map(|&i| PLAIN[i]).collect();
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let mut end = i;
            for _ in 0..cut {
                if let Some(c) = text[end..].chars().next() {
                    end += c.len_utf8();
                }
            }
            text.replace_range(i..end, &junk);
            agrees(&text);
        }
    }
}
