//! A fast reader for data files written in the plain shape every file of
//! graph-data uses: `[[table]]` and `[[table.source]]` headers, each followed
//! by `key = value` lines whose values are strings, a whole number or an
//! array of strings, with comments and blank lines anywhere.
//!
//! The text is read byte by byte with the boundaries `toml_parser`'s lexer
//! gives its tokens, and comments, newlines and strings with escapes are
//! checked and decoded by `toml_parser`'s own decoders, so quoting and escapes
//! follow the TOML specification exactly; only the document tree is skipped
//! (building it, then deserializing it with serde, is most of the time toml
//! takes on a large file), and so is the lexer's token-at-a-time interface.
//!
//! Each entry is handed on as soon as it is complete, so that a large file is
//! never held as a whole tree of entries.
//!
//! Anything else, valid TOML or not, makes [`read`] return `false`, and the
//! file is then read by `toml` in full, which reports every mistake with its
//! line as before. That covers unknown keys, duplicate keys, values of the
//! wrong type, dotted keys, inline tables, multi-line strings, and a
//! `[[table.source]]` that does not follow its table. So for every text this
//! reader accepts, it returns exactly what `toml` returns, spans included (a
//! test compares the two on random texts, another that every shape it knows
//! is read, not declined).

use toml::Spanned;
use toml_parser::decoder::Encoding;
use toml_parser::{ParseError, Raw, Span};

use super::parse::Lines;
use super::raw::{RawRecord, RawSource, Text};
use crate::model::EntityKind;

/// Hands every entry of `text` to `sink`, in the order written, with where
/// its lines are; `false` when the text is not in the plain shape (`sink`
/// may then have been handed some of its entries, which the caller
/// discards).
pub(super) fn read<'a>(text: &'a str, sink: &mut dyn FnMut(RawRecord<'a>, &Lines)) -> bool {
    // toml_parser's lexer skips a byte order mark; so does this reader.
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: start,
        sink,
        current: None,
        open: Open::Nothing,
        seen: 0,
        line: 1,
        entry_line: 1,
        line_starts: Vec::new(),
    };
    let read = reader.file().is_some();
    if let Some(last) = reader.current.take() {
        let lines = Lines::Entry {
            first: reader.entry_line,
            starts: &reader.line_starts,
        };
        (reader.sink)(last, &lines);
    }
    read
}

/// The table the lines being read belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Before the first header.
    Nothing,
    /// The last entry of one of the tables.
    Entry(Table),
    /// The last source of the last entry of that table.
    Source(Table),
}

/// One of the tables a data file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Document,
    Entity(EntityKind),
    Relation,
}

impl Table {
    fn named(name: &str) -> Option<Table> {
        Some(match name {
            "document" => Table::Document,
            "relation" => Table::Relation,
            _ => Table::Entity(EntityKind::from_prefix(name)?),
        })
    }
}

/// A value as written: which of the shapes the plain form allows.
enum Value<'a> {
    String(Spanned<Text<'a>>),
    Number(Spanned<u32>),
    Strings(Vec<Text<'a>>),
}

impl<'a> Value<'a> {
    fn string(self) -> Option<Text<'a>> {
        self.spanned().map(Spanned::into_inner)
    }

    fn spanned(self) -> Option<Spanned<Text<'a>>> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// The bytes that end a bare word (a key, a table's name, a number), as
/// toml_parser's lexer ends what it calls an atom.
fn ends_word(b: u8) -> bool {
    ENDS_WORD[usize::from(b)]
}

/// [`ends_word`] by byte: a table read, where a `match` on the byte was a
/// jump through a table for every byte of every word.
static ENDS_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let ends = b".=,[]{} \t#\r\n";
    let mut i = 0;
    while i < ends.len() {
        table[ends[i] as usize] = true;
        i += 1;
    }
    table
};

/// Reads the text byte by byte where toml_parser's lexer would hand out
/// tokens, with the same boundaries (a word ends where the lexer's atom
/// does, a string where its string token does) and the same checks (comments,
/// escapes and newlines are checked by toml_parser's own decoders). A token
/// at a time cost a third of the load of a large graph; lines are short and
/// this reader looks at each byte about once.
struct Reader<'a, 's> {
    text: &'a str,
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
    sink: &'s mut dyn FnMut(RawRecord<'a>, &Lines),
    /// The entry being read, handed on at the next entry's header.
    current: Option<RawRecord<'a>>,
    open: Open,
    /// The keys already given in the open table, a bit for each [`Field`]
    /// (a key given twice is an error toml reports).
    seen: u32,
    /// The line being read (from 1).
    line: u32,
    /// The line of the header of the entry being read.
    entry_line: u32,
    /// Where each line since that header starts: the entry's values' lines
    /// are counted from these, where a pass over the whole text would
    /// find where every line starts.
    line_starts: Vec<u32>,
}

impl<'a> Reader<'a, '_> {
    /// Reads every line; `None` at the first thing outside the plain shape.
    fn file(&mut self) -> Option<()> {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Some(()),
                // A blank line, or a comment.
                Some(b'\n' | b'\r' | b'#') => self.end_of_line()?,
                Some(b'[') => {
                    self.header()?;
                    self.end_of_line()?;
                }
                Some(b'"' | b'\'') => return None,
                Some(_) => {
                    self.key_value()?;
                    self.end_of_line()?;
                }
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Takes the next byte when it is `b`.
    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.at += usize::from(found);
        found
    }

    /// Spaces and tabs.
    fn skip_blanks(&mut self) {
        while let Some(b' ' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// A bare word (possibly empty), up to the next byte that ends one.
    fn word(&mut self) -> &'a str {
        let start = self.at;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| ends_word(b))
            .unwrap_or(self.bytes.len() - start);
        self.at += len;
        // Each byte that ends a word is ASCII: a character boundary.
        &self.text[start..self.at]
    }

    /// A newline (`\n` or `\r\n`) at the reading position.
    fn newline(&mut self) -> Option<()> {
        let rest = &self.bytes[self.at..];
        self.at += match rest {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => return None,
        };
        self.line += 1;
        self.line_starts.push(self.at as u32);
        Some(())
    }

    /// A comment, from its `#` to the end of its line (not included),
    /// checked by toml_parser.
    fn comment(&mut self) -> Option<()> {
        let start = self.at;
        let len =
            memchr::memchr2(b'\r', b'\n', &self.bytes[start..]).unwrap_or(self.bytes.len() - start);
        self.at += len;
        let raw: &'a str = &self.text[start..self.at];
        let mut ok = true;
        Raw::new_unchecked(raw, None, Span::new_unchecked(start, self.at))
            .decode_comment(&mut |_: ParseError| ok = false);
        ok.then_some(())
    }

    /// Optional blanks and comment, then the end of the line or file.
    fn end_of_line(&mut self) -> Option<()> {
        // Most lines end right after their value.
        if self.peek() == Some(b'\n') {
            return self.newline();
        }
        self.skip_blanks();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            Some(_) => self.newline(),
        }
    }

    /// `[[table]]` or `[[table.source]]`.
    fn header(&mut self) -> Option<()> {
        let start = self.at;
        if !self.bytes[start..].starts_with(b"[[") {
            return None;
        }
        self.at += 2;
        self.skip_blanks();
        let table = Table::named(self.word())?;
        self.skip_blanks();
        let mut sub = None;
        if self.eat(b'.') {
            self.skip_blanks();
            sub = Some(self.word());
            self.skip_blanks();
        }
        if !self.bytes[self.at..].starts_with(b"]]") {
            return None;
        }
        self.at += 2;
        let span = start..self.at;
        self.seen = 0;
        match sub {
            None => {
                self.open = Open::Entry(table);
                let record = match table {
                    Table::Document => RawRecord::Document(Spanned::new(span, Default::default())),
                    Table::Entity(kind) => {
                        RawRecord::Entity(kind, Box::new(Spanned::new(span, Default::default())))
                    }
                    Table::Relation => RawRecord::Relation(Spanned::new(span, Default::default())),
                };
                if let Some(done) = self.current.replace(record) {
                    let lines = Lines::Entry {
                        first: self.entry_line,
                        starts: &self.line_starts,
                    };
                    (self.sink)(done, &lines);
                }
                self.entry_line = self.line;
                self.line_starts.clear();
            }
            Some(sub) => {
                // A source belongs to the entry just opened (or whose last
                // source was just read); anything else is left to toml.
                let follows = matches!(self.open, Open::Entry(t) | Open::Source(t) if t == table);
                if sub != "source" || !follows {
                    return None;
                }
                self.open = Open::Source(table);
                let source = Spanned::new(span, RawSource::default());
                let sources = self.sources()?;
                // Most entries have one source: room for one, not four.
                sources.reserve_exact(1);
                sources.push(source);
            }
        }
        Some(())
    }

    /// The sources of the entry being read (`None` for a document).
    fn sources(&mut self) -> Option<&mut Vec<Spanned<RawSource<'a>>>> {
        match self.current.as_mut()? {
            RawRecord::Document(_) => None,
            RawRecord::Entity(_, e) => Some(&mut e.get_mut().source),
            RawRecord::Relation(r) => Some(&mut r.get_mut().source),
        }
    }

    /// `key = value`.
    fn key_value(&mut self) -> Option<()> {
        // Sources are written as [[table.source]] in the plain shape.
        let field = Field::of(self.open, self.word())?;
        let bit = 1u32 << field as u32;
        if self.seen & bit != 0 {
            return None;
        }
        self.seen |= bit;
        // Written ` = ` nearly always: taken at once.
        if self.bytes[self.at..].starts_with(b" = ") {
            self.at += 3;
        } else {
            self.skip_blanks();
            if !self.eat(b'=') {
                return None;
            }
        }
        self.skip_blanks();
        let value = self.value()?;
        self.store(field, value)
    }

    fn value(&mut self) -> Option<Value<'a>> {
        let start = self.at;
        match self.peek()? {
            b'"' | b'\'' => {
                let text = self.string()?;
                Some(Value::String(Spanned::new(start..self.at, text)))
            }
            b'[' => {
                self.at += 1;
                self.strings().map(Value::Strings)
            }
            b if ends_word(b) => None,
            _ => {
                // A whole number as toml writes it most simply: digits, no
                // sign, no underscore, no leading zero.
                let text = self.word();
                let plain = text.bytes().all(|b| b.is_ascii_digit())
                    && (text == "0" || !text.starts_with('0'));
                if !plain {
                    return None;
                }
                let number = text.parse().ok()?;
                Some(Value::Number(Spanned::new(start..self.at, number)))
            }
        }
    }

    /// A one-line string, basic or literal, decoded; `None` for a
    /// multi-line one (left to toml) and for one that does not decode.
    fn string(&mut self) -> Option<Text<'a>> {
        let start = self.at;
        let quote = self.peek()?;
        let rest = &self.bytes[start + 1..];
        // Byte by byte: `starts_with(&[quote, quote])` stored the two bytes
        // one at a time and read them back as one, which the processor
        // cannot forward from its stores (a stall on every string read).
        if let [a, b, ..] = rest {
            if *a == quote && *b == quote {
                return None;
            }
        }
        // Most strings are written as they read: found 8 bytes at a time.
        let plain = plain_run(rest, quote);
        if rest.get(plain) == Some(&quote) {
            self.at = start + 1 + plain + 1;
            // The quotes are ASCII: character boundaries.
            return Some(Text::Borrowed(&self.text[start + 1..start + 1 + plain]));
        }
        // Where the lexer ends the token: at the closing quote, or (never a
        // string) at the end of the line. A backslash in a basic string
        // escapes a following backslash or quote.
        let mut i = 0;
        loop {
            let found = if quote == b'"' {
                memchr::memchr3(b'"', b'\\', b'\n', &rest[i..])?
            } else {
                memchr::memchr2(b'\'', b'\n', &rest[i..])?
            };
            i += found;
            match rest[i] {
                b'\\' => {
                    i += 1;
                    if let Some(b'\\' | b'"') = rest.get(i) {
                        i += 1;
                    }
                }
                b'\n' => return None,
                _ => break,
            }
        }
        self.at = start + 1 + i + 1;
        let raw: &'a str = &self.text[start..self.at];
        if let Some(text) = verbatim(quote, raw) {
            return Some(Text::Borrowed(text));
        }
        let encoding = match quote {
            b'"' => Encoding::BasicString,
            _ => Encoding::LiteralString,
        };
        let mut out = String::new();
        let mut ok = true;
        let kind = Raw::new_unchecked(raw, Some(encoding), Span::new_unchecked(start, self.at))
            .decode_scalar(&mut out, &mut |_: ParseError| ok = false);
        (ok && kind == toml_parser::decoder::ScalarKind::String).then_some(Text::Owned(out))
    }

    /// An array of strings, its `[` already read: strings separated by
    /// commas (one may trail), with blanks, newlines and comments between.
    fn strings(&mut self) -> Option<Vec<Text<'a>>> {
        let mut out = Vec::new();
        let mut want_value = true;
        loop {
            match self.peek()? {
                b' ' | b'\t' => self.at += 1,
                b'\n' | b'\r' => self.newline()?,
                b'#' => self.comment()?,
                b']' => {
                    self.at += 1;
                    return Some(out);
                }
                b',' if !want_value => {
                    self.at += 1;
                    want_value = true;
                }
                b'"' | b'\'' if want_value => {
                    out.push(self.string()?);
                    want_value = false;
                }
                _ => return None,
            }
        }
    }

    /// Puts `value` into `field` of the open table.
    fn store(&mut self, field: Field, value: Value<'a>) -> Option<()> {
        use Field as F;
        if let Open::Source(_) = self.open {
            let source = self.sources()?.last_mut()?.get_mut();
            match field {
                F::Doc => source.doc = Some(value.spanned()?),
                F::Section => source.section = Some(value.string()?),
                F::Quote => source.quote = Some(value.spanned()?),
                _ => return None,
            }
            return Some(());
        }
        match self.current.as_mut()? {
            RawRecord::Document(doc) => {
                let doc = doc.get_mut();
                match field {
                    F::Key => doc.key = Some(value.spanned()?),
                    F::Title => doc.title = Some(value.string()?),
                    F::Publisher => doc.publisher = Some(value.string()?),
                    F::Date => doc.date = Some(value.spanned()?),
                    F::Url => doc.url = Some(value.string()?),
                    F::TextFile => doc.text_file = Some(value.string()?),
                    _ => return None,
                }
            }
            RawRecord::Relation(rel) => {
                let rel = rel.get_mut();
                match field {
                    F::Type => rel.rel_type = Some(value.spanned()?),
                    F::From => rel.from = Some(value.spanned()?),
                    F::To => rel.to = Some(value.spanned()?),
                    F::Role => rel.role = Some(value.string()?),
                    F::Note => rel.note = Some(value.string()?),
                    _ => return None,
                }
            }
            RawRecord::Entity(_, e) => {
                let e = e.get_mut();
                match (field, value) {
                    (F::Aliases, Value::Strings(list)) => e.aliases = list,
                    (F::Number, Value::Number(n)) => e.number = Some(n),
                    (F::Name, Value::String(s)) => e.name = Some(s.into_inner()),
                    (F::Description, Value::String(s)) => e.description = Some(s.into_inner()),
                    (F::Note, Value::String(s)) => e.note = Some(s.into_inner()),
                    (_, Value::String(s)) => {
                        let slot = match field {
                            F::Id => &mut e.id,
                            F::Category => &mut e.category,
                            F::Acronym => &mut e.acronym,
                            F::Honorific => &mut e.honorific,
                            F::GroupKind => &mut e.group_kind,
                            F::Status => &mut e.status,
                            F::DeliverableKind => &mut e.deliverable_kind,
                            F::Url => &mut e.url,
                            F::EventKind => &mut e.event_kind,
                            F::Date => &mut e.date,
                            _ => return None,
                        };
                        *slot = Some(s);
                    }
                    _ => return None,
                }
            }
        }
        Some(())
    }
}

/// A key of one of the tables, by which a value is stored (and a key given
/// twice found: each is a bit of [`Reader::seen`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    // A source's.
    Doc,
    Section,
    Quote,
    // A document's (and `Date`, `Url` an entity's).
    Key,
    Title,
    Publisher,
    Date,
    Url,
    TextFile,
    // A relation's (and `Note` an entity's).
    Type,
    From,
    To,
    Role,
    Note,
    // An entity's.
    Id,
    Name,
    Aliases,
    Description,
    Category,
    Acronym,
    Honorific,
    GroupKind,
    Number,
    Status,
    DeliverableKind,
    EventKind,
}

impl Field {
    /// The key `name` of the table `open` is in, as its key list
    /// ([`SOURCE_KEYS`](super::raw::SOURCE_KEYS) and the others) names it; `None` for a key the
    /// table does not have, and for `source`, a header in the plain shape.
    /// Matched against the names as written in the code, which the compiler
    /// compares inline: comparing with a list's names was a call to `memcmp`
    /// for every key of every entry (1.4% of a large load).
    fn of(open: Open, name: &str) -> Option<Field> {
        use Field as F;
        Some(match (open, name) {
            (Open::Source(_), "doc") => F::Doc,
            (Open::Source(_), "section") => F::Section,
            (Open::Source(_), "quote") => F::Quote,
            (Open::Entry(Table::Document), name) => match name {
                "key" => F::Key,
                "title" => F::Title,
                "publisher" => F::Publisher,
                "date" => F::Date,
                "url" => F::Url,
                "text_file" => F::TextFile,
                _ => return None,
            },
            (Open::Entry(Table::Relation), name) => match name {
                "type" => F::Type,
                "from" => F::From,
                "to" => F::To,
                "role" => F::Role,
                "note" => F::Note,
                _ => return None,
            },
            (Open::Entry(Table::Entity(_)), name) => match name {
                "id" => F::Id,
                "name" => F::Name,
                "aliases" => F::Aliases,
                "description" => F::Description,
                "note" => F::Note,
                "category" => F::Category,
                "acronym" => F::Acronym,
                "honorific" => F::Honorific,
                "group_kind" => F::GroupKind,
                "number" => F::Number,
                "status" => F::Status,
                "deliverable_kind" => F::DeliverableKind,
                "url" => F::Url,
                "event_kind" => F::EventKind,
                "date" => F::Date,
                _ => return None,
            },
            _ => return None,
        })
    }
}

/// How many bytes `bytes` begins with that a string quoted by `quote` holds
/// as written: up to the first quote, backslash, control character (tab
/// included) or DEL. Sixteen bytes at a time, compared all at once (SSE2 on
/// x86-64, through `wide`): eight at a time in the lanes of a `u64`, as
/// before, cost 127 instructions a string.
fn plain_run(bytes: &[u8], quote: u8) -> usize {
    use wide::u8x16;
    let special = |b: u8| b == quote || b == b'\\' || b < 0x20 || b == 0x7f;
    let quotes = u8x16::splat(quote);
    let backslashes = u8x16::splat(b'\\');
    let dels = u8x16::splat(0x7f);
    let controls = u8x16::splat(0x1f);
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 16) {
        let v = u8x16::new(chunk.try_into().expect("16 bytes"));
        // A byte is at most 0x1f where the least of it and 0x1f is itself.
        let found = v.simd_eq(quotes)
            | v.simd_eq(backslashes)
            | v.simd_eq(dels)
            | v.min(controls).simd_eq(v);
        let mask = found.to_bitmask();
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += 16;
    }
    at + bytes[at..].iter().take_while(|&&b| !special(b)).count()
}

/// The text of a one-line string written as it reads, with nothing to
/// decode (`raw` is the string with its quotes): a basic string with no
/// escape, or a literal string, holding no control character but tab (TOML
/// forbids them there). `None` for anything else.
fn verbatim(quote: u8, raw: &str) -> Option<&str> {
    let bytes = raw.as_bytes();
    if bytes.len() < 2 || bytes[0] != quote || bytes[bytes.len() - 1] != quote {
        return None;
    }
    // No early exit, so that the loop is vectorised (strings are short).
    let plain = bytes[1..bytes.len() - 1].iter().fold(true, |plain, &b| {
        plain & (b >= 0x20 || b == b'\t') & (b != 0x7f) & (b != b'\\') & (b != quote)
    });
    plain.then(|| &raw[1..raw.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::{ends_word, plain_run, Field, Open, Table};
    use crate::loader::raw::{DOCUMENT_KEYS, ENTITY_KEYS, RELATION_KEYS, SOURCE_KEYS};
    use crate::model::EntityKind;
    use proptest::prelude::*;

    /// Each table's fields are the keys of its list but `source`, each its
    /// own; a key of another table's list, or a near miss, is none of them.
    #[test]
    fn a_tables_fields_are_the_keys_of_its_list() {
        let tables = [
            (Open::Source(Table::Relation), SOURCE_KEYS),
            (Open::Entry(Table::Document), DOCUMENT_KEYS),
            (Open::Entry(Table::Relation), RELATION_KEYS),
            (Open::Entry(Table::Entity(EntityKind::Person)), ENTITY_KEYS),
        ];
        let every: Vec<&str> = tables
            .iter()
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect();
        for (open, keys) in tables {
            let mut fields = Vec::new();
            for name in &every {
                let field = Field::of(open, name);
                let listed = keys.contains(name) && *name != "source";
                assert_eq!(field.is_some(), listed, "{name} in {open:?}");
                fields.extend(field);
                for near in [
                    format!("{name}s"),
                    name[1..].to_string(),
                    name.to_uppercase(),
                ] {
                    assert_eq!(Field::of(open, &near), None, "{near} in {open:?}");
                }
            }
            fields.sort_by_key(|f| *f as u32);
            fields.dedup();
            assert_eq!(
                fields.len(),
                keys.iter().filter(|k| **k != "source").count()
            );
        }
        assert_eq!(Field::of(Open::Nothing, "id"), None);
        // Every field is a bit of a u32.
        assert!((Field::EventKind as u32) < 32);
    }

    /// The bytes that end toml_parser's atoms, and no others.
    #[test]
    fn ends_word_is_true_for_the_atoms_ends_only() {
        for b in 0..=u8::MAX {
            let ends = matches!(
                b,
                b'.' | b'='
                    | b','
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b' '
                    | b'\t'
                    | b'#'
                    | b'\r'
                    | b'\n'
            );
            assert_eq!(ends_word(b), ends, "byte {b}");
        }
    }

    proptest! {
        #[test]
        fn plain_run_stops_where_a_byte_by_byte_scan_does(
            bytes in proptest::collection::vec(
                prop_oneof![
                    4 => 0x20u8..0x7f,
                    1 => Just(b'"'),
                    1 => Just(b'\''),
                    1 => Just(b'\\'),
                    1 => 0u8..0x20,
                    1 => 0x7fu8..=0xff,
                ],
                0..40,
            ),
            double in any::<bool>(),
        ) {
            let quote = if double { b'"' } else { b'\'' };
            let expected = bytes
                .iter()
                .position(|&b| b == quote || b == b'\\' || b < 0x20 || b == 0x7f)
                .unwrap_or(bytes.len());
            prop_assert_eq!(plain_run(&bytes, quote), expected);
        }
    }
}
