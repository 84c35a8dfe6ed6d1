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
//! Anything else, valid TOML or not, makes [`read`] return `None`, and the
//! file is then read by `toml` in full, which reports every mistake with its
//! line as before. That covers unknown keys, duplicate keys, values of the
//! wrong type, dotted keys, inline tables, and a `[[table.source]]` that does
//! not follow its table. So for every text this reader accepts, it returns
//! exactly what `toml` returns, spans included (a test compares the two on
//! random texts).

use std::iter::Peekable;

use toml::Spanned;
use toml_parser::lexer::{Lexer, Token, TokenKind};
use toml_parser::{ParseError, Source};

use super::raw::{
    RawDocument, RawEntity, RawFile, RawRelation, RawSource, DOCUMENT_KEYS, ENTITY_KEYS,
    RELATION_KEYS, SOURCE_KEYS,
};

/// The records of `text`, or `None` when it is not in the plain shape.
pub(super) fn read(text: &str) -> Option<RawFile> {
    let mut reader = Reader {
        source: Source::new(text),
        tokens: Source::new(text).lex().peekable(),
        file: RawFile::default(),
        open: Open::Nothing,
        seen: 0,
    };
    reader.file()?;
    Some(reader.file)
}

/// The table the lines being read belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Before the first header.
    Nothing,
    /// The last entry of one of [`RawFile`]'s tables.
    Entry(Table),
    /// The last source of the last entry of that table.
    Source(Table),
}

/// One of [`RawFile`]'s tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Document,
    Organisation,
    Person,
    Group,
    Deliverable,
    Event,
    Relation,
}

impl Table {
    fn named(name: &str) -> Option<Table> {
        Some(match name {
            "document" => Table::Document,
            "organisation" => Table::Organisation,
            "person" => Table::Person,
            "group" => Table::Group,
            "deliverable" => Table::Deliverable,
            "event" => Table::Event,
            "relation" => Table::Relation,
            _ => return None,
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

struct Reader<'a> {
    source: Source<'a>,
    tokens: Peekable<Lexer<'a>>,
    file: RawFile,
    open: Open,
    /// The keys already given in the open table, as bits of its key list
    /// (a key given twice is an error toml reports).
    seen: u32,
}

impl Reader<'_> {
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
        let mut ok = true;
        self.source
            .get(token)?
            .decode_newline(&mut |_: ParseError| ok = false);
        ok.then_some(())
    }

    fn comment(&self, token: Token) -> Option<()> {
        let mut ok = true;
        self.source
            .get(token)?
            .decode_comment(&mut |_: ParseError| ok = false);
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
                self.push_entry(table, span);
            }
            Some(sub) => {
                // A source belongs to the entry just opened (or whose last
                // source was just read); anything else is left to toml.
                let follows = matches!(self.open, Open::Entry(t) | Open::Source(t) if t == table);
                if self.text(sub) != "source" || table == Table::Document || !follows {
                    return None;
                }
                self.open = Open::Source(table);
                let source = Spanned::new(span, RawSource::default());
                self.entry_sources(table)?.push(source);
            }
        }
        Some(())
    }

    fn push_entry(&mut self, table: Table, span: std::ops::Range<usize>) {
        let f = &mut self.file;
        match table {
            Table::Document => f.document.push(Spanned::new(span, RawDocument::default())),
            Table::Relation => f.relation.push(Spanned::new(span, RawRelation::default())),
            _ => {
                if let Some(list) = entities(f, table) {
                    list.push(Spanned::new(span, RawEntity::default()));
                }
            }
        }
    }

    /// The sources of the last entry of `table`.
    fn entry_sources(&mut self, table: Table) -> Option<&mut Vec<Spanned<RawSource>>> {
        match table {
            Table::Document => None,
            Table::Relation => Some(&mut self.file.relation.last_mut()?.get_mut().source),
            _ => Some(
                &mut entities(&mut self.file, table)?
                    .last_mut()?
                    .get_mut()
                    .source,
            ),
        }
    }

    /// `key = value`, its key already read.
    fn key_value(&mut self, key: Token) -> Option<()> {
        let keys = match self.open {
            Open::Nothing => return None,
            Open::Source(_) => SOURCE_KEYS,
            Open::Entry(Table::Document) => DOCUMENT_KEYS,
            Open::Entry(Table::Relation) => RELATION_KEYS,
            Open::Entry(_) => ENTITY_KEYS,
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
            TokenKind::BasicString
            | TokenKind::LiteralString
            | TokenKind::MlBasicString
            | TokenKind::MlLiteralString => {
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
                TokenKind::BasicString
                | TokenKind::LiteralString
                | TokenKind::MlBasicString
                | TokenKind::MlLiteralString
                    if want_value =>
                {
                    out.push(self.string(token)?);
                    want_value = false;
                }
                _ => return None,
            }
        }
    }

    /// Puts `value` into the open table's field `name`.
    fn store(&mut self, name: &str, value: Value) -> Option<()> {
        match self.open {
            Open::Nothing => None,
            Open::Source(table) => {
                let source = self.entry_sources(table)?.last_mut()?.get_mut();
                match name {
                    "doc" => source.doc = Some(value.spanned()?),
                    "section" => source.section = Some(value.string()?),
                    "quote" => source.quote = Some(value.spanned()?),
                    _ => return None,
                }
                Some(())
            }
            Open::Entry(Table::Document) => {
                let doc = self.file.document.last_mut()?.get_mut();
                match name {
                    "key" => doc.key = Some(value.spanned()?),
                    "title" => doc.title = Some(value.string()?),
                    "publisher" => doc.publisher = Some(value.string()?),
                    "date" => doc.date = Some(value.spanned()?),
                    "url" => doc.url = Some(value.string()?),
                    "text_file" => doc.text_file = Some(value.string()?),
                    _ => return None,
                }
                Some(())
            }
            Open::Entry(Table::Relation) => {
                let rel = self.file.relation.last_mut()?.get_mut();
                match name {
                    "type" => rel.rel_type = Some(value.spanned()?),
                    "from" => rel.from = Some(value.spanned()?),
                    "to" => rel.to = Some(value.spanned()?),
                    "role" => rel.role = Some(value.string()?),
                    "note" => rel.note = Some(value.string()?),
                    _ => return None,
                }
                Some(())
            }
            Open::Entry(table) => {
                let e = entities(&mut self.file, table)?.last_mut()?.get_mut();
                match (name, value) {
                    ("aliases", Value::Strings(list)) => e.aliases = list,
                    ("number", Value::Number(n)) => e.number = Some(n),
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
                            "name" => {
                                e.name = Some(s.into_inner());
                                return Some(());
                            }
                            "description" => {
                                e.description = Some(s.into_inner());
                                return Some(());
                            }
                            "note" => {
                                e.note = Some(s.into_inner());
                                return Some(());
                            }
                            _ => return None,
                        };
                        *field = Some(s);
                    }
                    _ => return None,
                }
                Some(())
            }
        }
    }
}

/// The entries of an entity table (`None` for documents and relations).
fn entities(file: &mut RawFile, table: Table) -> Option<&mut Vec<Spanned<RawEntity>>> {
    Some(match table {
        Table::Organisation => &mut file.organisation,
        Table::Person => &mut file.person,
        Table::Group => &mut file.group,
        Table::Deliverable => &mut file.deliverable,
        Table::Event => &mut file.event,
        Table::Document | Table::Relation => return None,
    })
}
