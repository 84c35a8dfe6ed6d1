//! A fast reader for data files written in the plain shape every file of
//! graph-data uses: `[[table]]` and `[[table.source]]` headers, each followed
//! by `key = value` lines whose values are strings, a whole number or an
//! array of strings, with comments and blank lines anywhere.
//!
//! Tokens come from `toml_parser`'s lexer and strings are decoded by its
//! decoder, so quoting and escapes follow the TOML specification exactly; only
//! the document tree is skipped (building it, then deserializing it with
//! serde, is most of the time toml takes on a large file).
//!
//! Each entry is handed on as soon as it is complete, so that a large file is
//! never held as a whole tree of entries.
//!
//! Anything else, valid TOML or not, makes [`read`] return `false`, and the
//! file is then read by `toml` in full, which reports every mistake with its
//! line as before. That covers unknown keys, duplicate keys, values of the
//! wrong type, dotted keys, inline tables, and a `[[table.source]]` that does
//! not follow its table. So for every text this reader accepts, it returns
//! exactly what `toml` returns, spans included (a test compares the two on
//! random texts).

use std::iter::Peekable;

use toml::Spanned;
use toml_parser::lexer::{Lexer, Token, TokenKind};
use toml_parser::{ErrorSink, ParseError, Raw, Source};

use super::raw::{RawRecord, RawSource, DOCUMENT_KEYS, ENTITY_KEYS, RELATION_KEYS, SOURCE_KEYS};
use crate::model::EntityKind;

/// Hands every entry of `text` to `sink`, in the order written; `false` when
/// the text is not in the plain shape (`sink` may then have been handed some
/// of its entries, which the caller discards).
pub(super) fn read(text: &str, sink: &mut dyn FnMut(RawRecord)) -> bool {
    let mut reader = Reader {
        source: Source::new(text),
        tokens: Source::new(text).lex().peekable(),
        sink,
        current: None,
        open: Open::Nothing,
        seen: 0,
    };
    let read = reader.file().is_some();
    if let Some(last) = reader.current.take() {
        (reader.sink)(last);
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
enum Value {
    String(Spanned<String>),
    Number(Spanned<u32>),
    Strings(Vec<String>),
}

impl Value {
    fn string(self) -> Option<String> {
        self.spanned().map(Spanned::into_inner)
    }

    fn spanned(self) -> Option<Spanned<String>> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

struct Reader<'a, 's> {
    source: Source<'a>,
    tokens: Peekable<Lexer<'a>>,
    sink: &'s mut dyn FnMut(RawRecord),
    /// The entry being read, handed on at the next entry's header.
    current: Option<RawRecord>,
    open: Open,
    /// The keys already given in the open table, as bits of its key list
    /// (a key given twice is an error toml reports).
    seen: u32,
}

impl<'a> Reader<'a, '_> {
    /// Reads every line; `None` at the first thing outside the plain shape.
    fn file(&mut self) -> Option<()> {
        loop {
            self.skip(TokenKind::Whitespace);
            let token = self.tokens.next()?;
            match token.kind() {
                TokenKind::Eof => return Some(()),
                TokenKind::Newline => self.newline(token)?,
                TokenKind::Comment => {
                    self.comment(token)?;
                    self.end_of_line()?;
                }
                TokenKind::LeftSquareBracket => {
                    self.header(token)?;
                    self.end_of_line()?;
                }
                TokenKind::Atom => {
                    self.key_value(token)?;
                    self.end_of_line()?;
                }
                _ => return None,
            }
        }
    }

    fn skip(&mut self, kind: TokenKind) {
        while self.tokens.next_if(|t| t.kind() == kind).is_some() {}
    }

    fn text(&self, token: Token) -> &str {
        &self.source.input()[token.span().start()..token.span().end()]
    }

    fn newline(&self, token: Token) -> Option<()> {
        self.sound(token, Raw::decode_newline)
    }

    fn comment(&self, token: Token) -> Option<()> {
        self.sound(token, Raw::decode_comment)
    }

    /// `Some` when `decode` (toml_parser's check of a newline or a comment)
    /// finds nothing wrong with `token`.
    fn sound(&self, token: Token, decode: fn(&Raw<'a>, &mut dyn ErrorSink)) -> Option<()> {
        let mut ok = true;
        decode(&self.source.get(token)?, &mut |_: ParseError| ok = false);
        ok.then_some(())
    }

    /// Optional whitespace and comment, then the end of the line or file.
    fn end_of_line(&mut self) -> Option<()> {
        self.skip(TokenKind::Whitespace);
        let mut token = self.tokens.next()?;
        if token.kind() == TokenKind::Comment {
            self.comment(token)?;
            token = self.tokens.next()?;
        }
        match token.kind() {
            TokenKind::Newline => self.newline(token),
            TokenKind::Eof => Some(()),
            _ => None,
        }
    }

    /// The next token, which must be of `kind`.
    fn expect(&mut self, kind: TokenKind) -> Option<Token> {
        self.tokens.next_if(|t| t.kind() == kind)
    }

    /// `[[table]]` or `[[table.source]]`, its first `[` already read.
    fn header(&mut self, open: Token) -> Option<()> {
        let second = self.expect(TokenKind::LeftSquareBracket)?;
        if second.span().start() != open.span().end() {
            return None;
        }
        self.skip(TokenKind::Whitespace);
        let name = self.expect(TokenKind::Atom)?;
        let table = Table::named(self.text(name))?;
        self.skip(TokenKind::Whitespace);
        let mut sub = None;
        if self.expect(TokenKind::Dot).is_some() {
            self.skip(TokenKind::Whitespace);
            sub = Some(self.expect(TokenKind::Atom)?);
            self.skip(TokenKind::Whitespace);
        }
        let close = self.expect(TokenKind::RightSquareBracket)?;
        let last = self.expect(TokenKind::RightSquareBracket)?;
        if last.span().start() != close.span().end() {
            return None;
        }
        let span = open.span().start()..last.span().end();
        self.seen = 0;
        match sub {
            None => {
                self.open = Open::Entry(table);
                let record = match table {
                    Table::Document => RawRecord::Document(Spanned::new(span, Default::default())),
                    Table::Entity(kind) => {
                        RawRecord::Entity(kind, Spanned::new(span, Default::default()))
                    }
                    Table::Relation => RawRecord::Relation(Spanned::new(span, Default::default())),
                };
                if let Some(done) = self.current.replace(record) {
                    (self.sink)(done);
                }
            }
            Some(sub) => {
                // A source belongs to the entry just opened (or whose last
                // source was just read); anything else is left to toml.
                let follows = matches!(self.open, Open::Entry(t) | Open::Source(t) if t == table);
                if self.text(sub) != "source" || !follows {
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
    fn sources(&mut self) -> Option<&mut Vec<Spanned<RawSource>>> {
        match self.current.as_mut()? {
            RawRecord::Document(_) => None,
            RawRecord::Entity(_, e) => Some(&mut e.get_mut().source),
            RawRecord::Relation(r) => Some(&mut r.get_mut().source),
        }
    }

    /// `key = value`, its key already read.
    fn key_value(&mut self, key: Token) -> Option<()> {
        let keys = match self.open {
            Open::Nothing => return None,
            Open::Source(_) => SOURCE_KEYS,
            Open::Entry(Table::Document) => DOCUMENT_KEYS,
            Open::Entry(Table::Relation) => RELATION_KEYS,
            Open::Entry(Table::Entity(_)) => ENTITY_KEYS,
        };
        let name = self.text(key);
        // Sources are written as [[table.source]] in the plain shape.
        let position = keys.iter().position(|k| *k == name && *k != "source")?;
        let bit = 1u32 << position;
        if self.seen & bit != 0 {
            return None;
        }
        self.seen |= bit;
        self.skip(TokenKind::Whitespace);
        self.expect(TokenKind::Equals)?;
        self.skip(TokenKind::Whitespace);
        let value = self.value()?;
        let name = keys[position];
        self.store(name, value)
    }

    fn value(&mut self) -> Option<Value> {
        let token = self.tokens.next()?;
        match token.kind() {
            kind if is_string(kind) => {
                let span = token.span().start()..token.span().end();
                Some(Value::String(Spanned::new(span, self.string(token)?)))
            }
            TokenKind::Atom => {
                // A whole number as toml writes it most simply: digits, no
                // sign, no underscore, no leading zero.
                let text = self.text(token);
                let plain = text.bytes().all(|b| b.is_ascii_digit())
                    && (text == "0" || !text.starts_with('0'));
                if !plain {
                    return None;
                }
                let number = text.parse().ok()?;
                let span = token.span().start()..token.span().end();
                Some(Value::Number(Spanned::new(span, number)))
            }
            TokenKind::LeftSquareBracket => self.strings().map(Value::Strings),
            _ => None,
        }
    }

    /// A string token's decoded text.
    fn string(&self, token: Token) -> Option<String> {
        if let Some(text) = verbatim(token.kind(), self.text(token)) {
            return Some(text.to_owned());
        }
        let mut out = String::new();
        let mut ok = true;
        let kind = self
            .source
            .get(token)?
            .decode_scalar(&mut out, &mut |_: ParseError| ok = false);
        (ok && kind == toml_parser::decoder::ScalarKind::String).then_some(out)
    }

    /// An array of strings, its `[` already read: strings separated by
    /// commas (one may trail), with whitespace, newlines and comments between.
    fn strings(&mut self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        let mut want_value = true;
        loop {
            let token = self.tokens.next()?;
            match token.kind() {
                TokenKind::Whitespace => {}
                TokenKind::Newline => self.newline(token)?,
                TokenKind::Comment => self.comment(token)?,
                TokenKind::RightSquareBracket => return Some(out),
                TokenKind::Comma if !want_value => want_value = true,
                kind if want_value && is_string(kind) => {
                    out.push(self.string(token)?);
                    want_value = false;
                }
                _ => return None,
            }
        }
    }

    /// Puts `value` into the open table's field `name`.
    fn store(&mut self, name: &str, value: Value) -> Option<()> {
        if let Open::Source(_) = self.open {
            let source = self.sources()?.last_mut()?.get_mut();
            match name {
                "doc" => source.doc = Some(value.spanned()?),
                "section" => source.section = Some(value.string()?),
                "quote" => source.quote = Some(value.spanned()?),
                _ => return None,
            }
            return Some(());
        }
        match self.current.as_mut()? {
            RawRecord::Document(doc) => {
                let doc = doc.get_mut();
                match name {
                    "key" => doc.key = Some(value.spanned()?),
                    "title" => doc.title = Some(value.string()?),
                    "publisher" => doc.publisher = Some(value.string()?),
                    "date" => doc.date = Some(value.spanned()?),
                    "url" => doc.url = Some(value.string()?),
                    "text_file" => doc.text_file = Some(value.string()?),
                    _ => return None,
                }
            }
            RawRecord::Relation(rel) => {
                let rel = rel.get_mut();
                match name {
                    "type" => rel.rel_type = Some(value.spanned()?),
                    "from" => rel.from = Some(value.spanned()?),
                    "to" => rel.to = Some(value.spanned()?),
                    "role" => rel.role = Some(value.string()?),
                    "note" => rel.note = Some(value.string()?),
                    _ => return None,
                }
            }
            RawRecord::Entity(_, e) => {
                let e = e.get_mut();
                match (name, value) {
                    ("aliases", Value::Strings(list)) => e.aliases = list,
                    ("number", Value::Number(n)) => e.number = Some(n),
                    ("name", Value::String(s)) => e.name = Some(s.into_inner()),
                    ("description", Value::String(s)) => e.description = Some(s.into_inner()),
                    ("note", Value::String(s)) => e.note = Some(s.into_inner()),
                    (_, Value::String(s)) => {
                        let field = match name {
                            "id" => &mut e.id,
                            "category" => &mut e.category,
                            "acronym" => &mut e.acronym,
                            "honorific" => &mut e.honorific,
                            "group_kind" => &mut e.group_kind,
                            "status" => &mut e.status,
                            "deliverable_kind" => &mut e.deliverable_kind,
                            "url" => &mut e.url,
                            "event_kind" => &mut e.event_kind,
                            "date" => &mut e.date,
                            _ => return None,
                        };
                        *field = Some(s);
                    }
                    _ => return None,
                }
            }
        }
        Some(())
    }
}

/// Whether a token is a string, in any of TOML's four quotings.
fn is_string(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::BasicString
            | TokenKind::LiteralString
            | TokenKind::MlBasicString
            | TokenKind::MlLiteralString
    )
}

/// The text of a one-line string written as it reads, with nothing to
/// decode: a basic string with no escape, or a literal string, holding no
/// control character but tab (TOML forbids them there), with its closing
/// quote. `None` for anything else, which the decoder then reads.
fn verbatim(kind: TokenKind, raw: &str) -> Option<&str> {
    let quote = match kind {
        TokenKind::BasicString => b'"',
        TokenKind::LiteralString => b'\'',
        _ => return None,
    };
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
