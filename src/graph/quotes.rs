//! The graph's quotes, packed: every source's quote compressed with one
//! symbol table trained on a sample of them (FSST, the `fsst-rs` crate).
//!
//! A quote is a short passage of prose, and quotes are many (one a source:
//! 6.1M at 1M entities) and read few at a time. FSST replaces the byte
//! sequences a sample of them repeats most (up to 8 bytes each) with
//! one-byte codes, and unpacks any quote alone, from its own bytes and the
//! table (2.3 KB): no block to unpack first, no dictionary to walk. The
//! generated graph's quotes pack to 0.45 of their size.

use std::fmt;

use fsst::{Compressor, Symbol};

/// The symbol table a graph's quotes are packed with.
pub struct QuoteCodec {
    symbols: [Symbol; 255],
    lengths: [u8; 255],
}

impl QuoteCodec {
    /// The text of a quote `pack` packed with this table.
    pub(crate) fn unpack(&self, packed: &[u8]) -> String {
        let bytes = fsst::Decompressor::new(&self.symbols, &self.lengths).decompress(packed);
        // A packed quote unpacks to the text packed, which was a `str`.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl fmt::Debug for QuoteCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbols = self.lengths.iter().filter(|&&l| l > 0).count();
        f.debug_struct("QuoteCodec")
            .field("symbols", &symbols)
            .finish()
    }
}

/// A graph's quotes, in one block: their text one after another, or
/// packed; and where each lies, by piece of [`PIECE`] quotes (the last may
/// hold fewer).
#[derive(Debug)]
pub(super) struct Quotes {
    /// By piece: where its quotes lie, from its start.
    starts: Vec<QuoteStarts>,
    /// By piece: where it starts in the block (which holds less than 4 GiB).
    piece_starts: Vec<u32>,
    block: Block,
}

#[derive(Debug)]
enum Block {
    Text(Box<str>),
    Packed {
        bytes: Box<[u8]>,
        codec: Box<QuoteCodec>,
    },
}

impl Default for Quotes {
    fn default() -> Quotes {
        Quotes {
            starts: Vec::new(),
            piece_starts: Vec::new(),
            block: Block::Text(Box::default()),
        }
    }
}

impl Quotes {
    /// The `n` quotes `quote(0)`, ..., `quote(n - 1)`, `len` bytes in all:
    /// packed with a table trained on a sample of them, unless that would
    /// not make them smaller (a few short quotes, or none).
    pub(super) fn new<'q>(n: usize, len: usize, quote: impl Fn(usize) -> &'q str + Sync) -> Quotes {
        pack(n, len, |i| quote(i).as_bytes()).unwrap_or_else(|| Quotes::text(n, len, quote))
    }

    /// The quotes as they are written.
    fn text<'q>(n: usize, len: usize, quote: impl Fn(usize) -> &'q str) -> Quotes {
        let mut text = String::with_capacity(len);
        let mut starts = Vec::with_capacity(n.div_ceil(PIECE));
        let mut piece_starts = Vec::with_capacity(n.div_ceil(PIECE));
        for first in (0..n).step_by(PIECE) {
            let range = first..n.min(first + PIECE);
            let mut piece = QuoteStarts::with_capacity(range.len());
            let piece_start = text.len();
            piece_starts.push(piece_start as u32);
            for i in range {
                let quote = quote(i);
                piece.push(text.len() - piece_start, quote.len());
                text.push_str(quote);
            }
            starts.push(piece);
        }
        Quotes {
            starts,
            piece_starts,
            block: Block::Text(text.into_boxed_str()),
        }
    }

    /// How many bytes their text or packed bytes take (the symbol table
    /// included).
    pub(super) fn heap_bytes(&self) -> usize {
        match &self.block {
            Block::Text(text) => text.len(),
            Block::Packed { bytes, .. } => bytes.len() + std::mem::size_of::<QuoteCodec>(),
        }
    }

    /// How many bytes the places of the quotes take.
    pub(super) fn starts_heap_bytes(&self) -> usize {
        self.starts
            .iter()
            .map(QuoteStarts::heap_bytes)
            .sum::<usize>()
            + std::mem::size_of_val(&self.piece_starts[..])
    }

    /// Quote `i`.
    pub(super) fn get(&self, i: usize) -> crate::model::Quote<'_> {
        let piece = i / PIECE;
        let span = self.starts[piece].span(i % PIECE);
        let start = self.piece_starts[piece] as usize;
        let span = start + span.start..start + span.end;
        match &self.block {
            Block::Text(text) => crate::model::Quote::from(&text[span]),
            Block::Packed { bytes, codec } => crate::model::Quote::packed(&bytes[span], codec),
        }
    }
}

/// Where each of a piece's quotes lies, in about 1.25 bytes a quote: each
/// quote's length in a byte (a longer one's apart), and every 16th quote's
/// start. A start of 4 bytes for every quote was 4.8 bytes a relation at 1M
/// entities (6.1M quotes), where most quotes pack to 20 to 40 bytes.
#[derive(Debug, Default)]
pub(super) struct QuoteStarts {
    /// The start of quote 0, [`STRIDE`], 2 * [`STRIDE`], ...
    every: Vec<u32>,
    /// By quote: its length, or [`LONG`] when it is in `long`.
    lengths: Vec<u8>,
    /// (quote, length) of the quotes [`LONG`] bytes long or longer, by quote.
    long: Vec<(u32, u32)>,
}

/// How many quotes one whole start is kept for.
const STRIDE: usize = 16;

/// The length byte of a quote whose length is kept apart.
const LONG: u8 = u8::MAX;

impl QuoteStarts {
    /// Room for `n` quotes.
    fn with_capacity(n: usize) -> QuoteStarts {
        QuoteStarts {
            every: Vec::with_capacity(n.div_ceil(STRIDE)),
            lengths: Vec::with_capacity(n),
            long: Vec::new(),
        }
    }

    /// The next quote, `len` bytes from `start`, where the last one ended.
    ///
    /// Panics past 4 GiB of quotes in one piece.
    fn push(&mut self, start: usize, len: usize) {
        let i = self.lengths.len();
        if i % STRIDE == 0 {
            self.every
                .push(u32::try_from(start).expect("a piece holds less than 4 GiB"));
        }
        match u8::try_from(len) {
            Ok(len) if len < LONG => self.lengths.push(len),
            _ => {
                self.lengths.push(LONG);
                let len = u32::try_from(len).expect("a piece holds less than 4 GiB");
                self.long.push((i as u32, len));
            }
        }
    }

    fn length(&self, i: usize) -> usize {
        match self.lengths[i] {
            LONG => {
                let at = self.long.partition_point(|&(q, _)| (q as usize) < i);
                self.long[at].1 as usize
            }
            len => usize::from(len),
        }
    }

    /// Where quote `i` lies.
    pub(super) fn span(&self, i: usize) -> std::ops::Range<usize> {
        let first = i - i % STRIDE;
        let start =
            self.every[i / STRIDE] as usize + (first..i).map(|j| self.length(j)).sum::<usize>();
        start..start + self.length(i)
    }

    /// The bytes they take.
    pub(super) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&self.every[..])
            + self.lengths.len()
            + std::mem::size_of_val(&self.long[..])
    }
}

/// How many quotes are packed at a time: the list of their slices and
/// their ends stay small, where one for every quote took 150 MB at 1M
/// entities; and their text (about 0.5 MB) stays in the cache between the
/// pass that reads it ahead and the packing.
const CHUNK: usize = 1 << 13;

/// How many quotes a symbol table is trained on, taken evenly from all
/// (FSST then samples 16 KB of them).
const SAMPLE: usize = 4096;

/// How many symbol tables are trained, each on its own sample, for the one
/// that packs a check sample smallest: a table is only as good as the 16 KB
/// it is trained on. Tables trained on different samples of the generated
/// graph's quotes at 1M entities packed them to between 30.1 and 32.6
/// bytes a relation; the best of 16 packs them to 30.1, for about 2.5 ms
/// of a core a table.
const TABLES: usize = 16;

/// How many quotes the tables are checked on, taken evenly from all.
const CHECK: usize = 1 << 13;

/// Of [`TABLES`] symbol tables, each trained on [`SAMPLE`] of the `n`
/// quotes `quote(0)`, ..., `quote(n - 1)` (taken evenly, from a different
/// first), the one that packs [`CHECK`] others smallest (the first of
/// those that tie). They are trained and checked on two threads, half
/// each (one table, on the calling thread).
fn best_table<'q>(n: usize, quote: &(impl Fn(usize) -> &'q [u8] + Sync)) -> Compressor {
    let step = (n / SAMPLE).max(1);
    // The check sample in one block: the quotes lie anywhere in memory,
    // and each table packs them.
    let check_step = (n / CHECK).max(1);
    let mut text = Vec::new();
    let mut ends = Vec::new();
    for i in (check_step / 2..n).step_by(check_step) {
        text.extend_from_slice(quote(i));
        ends.push(text.len());
    }
    let check: Vec<&[u8]> = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(&ends)
        .map(|(start, &end)| &text[start..end])
        .collect();
    let tables = TABLES.min(step);
    let best = |firsts: std::ops::Range<usize>| {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        firsts
            .map(|t| {
                let sample: Vec<&[u8]> = (t * step / tables..n).step_by(step).map(quote).collect();
                let table = Compressor::train(&sample);
                bytes.clear();
                ends.clear();
                table.compress_bulk_into::<LANES>(&check, &mut bytes, &mut ends);
                (bytes.len(), table)
            })
            .min_by_key(|(packed, _)| *packed)
    };
    // A graph of few quotes trains one table, on this thread.
    let (first, second) = match tables {
        1 => (best(0..1), None),
        _ => {
            let half = tables / 2;
            super::on_two_threads(|| best(0..half), || best(half..tables))
        }
    };
    [first, second]
        .into_iter()
        .flatten()
        .min_by_key(|(packed, _)| *packed)
        .map(|(_, table)| table)
        .expect("at least one table is trained")
}

/// How many quotes FSST packs side by side (its cursors, interleaved so that
/// their look-ups overlap): 6 packed the generated graph's quotes 5% faster
/// than its default of 4 on this project's 2-core Xeon (8 no faster).
const LANES: usize = 6;

/// How many quotes a piece holds: a thread packs a piece at a time, and
/// the threads take pieces in turn, so that neither is left packing alone
/// at the end (halves, one a thread, finished up to 0.15 s apart at 1M
/// entities). Where a quote lies is kept by piece, from its start.
pub(super) const PIECE: usize = CHUNK * 8;

/// The `n` quotes `quote(0)`, ..., `quote(n - 1)`, `len` bytes in all,
/// packed piece by piece with a table trained on a sample of them, then
/// joined into one block; `None` if packing them would not make them
/// smaller (a few short quotes, or none).
///
/// They are packed on two threads: the packing is the last step of a
/// graph's build, which the other core would otherwise wait for.
fn pack<'q>(n: usize, len: usize, quote: impl Fn(usize) -> &'q [u8] + Sync) -> Option<Quotes> {
    let size_of_table = std::mem::size_of::<QuoteCodec>();
    if len <= size_of_table {
        return None;
    }
    let compressor = best_table(n, &quote);
    let pieces = n.div_ceil(PIECE);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut packed = Vec::new();
        let mut scratch = Scratch::default();
        loop {
            let piece = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if piece >= pieces {
                return packed;
            }
            let range = piece * PIECE..((piece + 1) * PIECE).min(n);
            let piece_quotes = pack_range(&compressor, range, &quote, &mut scratch);
            packed.push((piece, piece_quotes));
        }
    };
    let (mut packed, more) = super::on_two_threads(work, work);
    packed.extend(more);
    packed.sort_unstable_by_key(|(piece, _)| *piece);
    let total: usize = packed.iter().map(|(_, (bytes, _))| bytes.len()).sum();
    if total + size_of_table >= len {
        return None;
    }
    let (pieces, starts): (Vec<_>, Vec<_>) = packed.into_iter().map(|(_, piece)| piece).unzip();
    let mut piece_starts = Vec::with_capacity(pieces.len());
    let mut at = 0;
    for piece in &pieces {
        piece_starts.push(at as u32);
        at += piece.len();
    }
    let parts = compressor.into_parts();
    Some(Quotes {
        starts,
        piece_starts,
        block: Block::Packed {
            bytes: join(pieces, total),
            codec: Box::new(QuoteCodec {
                symbols: parts.symbols,
                lengths: parts.lengths,
            }),
        },
    })
}

/// `pieces`, `total` bytes in all, one after another in one block: copied
/// on two threads, half the bytes each (one thread copying them all was
/// the last step of a graph's build, the other core idle), each piece
/// freed once copied.
fn join(pieces: Vec<Box<[u8]>>, total: usize) -> Box<[u8]> {
    let mut block = vec![0u8; total].into_boxed_slice();
    // The first pieces that hold half the bytes, and the rest.
    let mut half = 0;
    let mut first_bytes = 0;
    while half < pieces.len() && 2 * (first_bytes + pieces[half].len()) <= total {
        first_bytes += pieces[half].len();
        half += 1;
    }
    let mut pieces = pieces;
    let second = pieces.split_off(half);
    let (left, right) = block.split_at_mut(first_bytes);
    let copy = |into: &mut [u8], pieces: Vec<Box<[u8]>>| {
        let mut at = 0;
        for piece in pieces {
            into[at..at + piece.len()].copy_from_slice(&piece);
            at += piece.len();
        }
    };
    super::on_two_threads(|| copy(left, pieces), || copy(right, second));
    block
}

/// What a thread packs a piece with, kept from one piece to the next.
#[derive(Default)]
struct Scratch {
    /// The piece's packed bytes.
    bytes: Vec<u8>,
    /// Where each quote packed so far ends in `bytes`.
    ends: Vec<u64>,
}

/// The quotes of `range`, packed one after another, and where each lies.
fn pack_range<'q>(
    compressor: &Compressor,
    range: std::ops::Range<usize>,
    quote: &impl Fn(usize) -> &'q [u8],
    scratch: &mut Scratch,
) -> (Box<[u8]>, QuoteStarts) {
    let Scratch { bytes, ends } = scratch;
    bytes.clear();
    ends.clear();
    let mut values = Vec::with_capacity(CHUNK);
    for first in range.clone().step_by(CHUNK) {
        values.clear();
        values.extend((first..range.end.min(first + CHUNK)).map(quote));
        // The quotes may lie anywhere in memory (a graph's are in its
        // files' blocks, read in the relations' order): a pass whose reads
        // do not wait for each other has them waited for together, where
        // the packing would wait for each in turn.
        let touched = values.iter().fold(0u8, |t, q| {
            t ^ q.first().copied().unwrap_or(0) ^ q.last().copied().unwrap_or(0)
        });
        std::hint::black_box(touched);
        compressor.compress_bulk_into::<LANES>(&values, bytes, ends);
    }
    let mut starts = QuoteStarts::with_capacity(range.len());
    let mut start = 0;
    for &end in ends.iter() {
        starts.push(start, end as usize - start);
        start = end as usize;
    }
    // Copied at its size: the scratch's room (twice the text of a chunk
    // past what is written) stays with the thread.
    (Box::from(&bytes[..]), starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Lengths of every size (the long ones kept apart, among short
        /// ones and each other), around the blocks of [`STRIDE`] quotes.
        #[test]
        fn quote_starts_give_back_every_span(
            lengths in proptest::collection::vec(
                proptest::prop_oneof![0usize..40, 250usize..260, 300usize..70_000],
                0..80,
            ),
        ) {
            let mut quote_starts = QuoteStarts::with_capacity(lengths.len());
            let mut starts = Vec::new();
            let mut end = 0usize;
            for &len in &lengths {
                quote_starts.push(end, len);
                starts.push(end);
                end += len;
            }
            for (i, &start) in starts.iter().enumerate() {
                proptest::prop_assert_eq!(quote_starts.span(i), start..start + lengths[i]);
            }
        }
    }

    fn read_back(quotes: &Quotes, n: usize) -> Vec<String> {
        (0..n).map(|i| quotes.get(i).to_string()).collect()
    }

    /// The quotes of `texts` packed; `None` if not.
    fn packed(texts: &[String]) -> Option<Quotes> {
        let len = texts.iter().map(String::len).sum();
        pack(texts.len(), len, |i| texts[i].as_bytes())
    }

    #[test]
    fn packed_quotes_read_back_as_written() {
        // More than a piece (two threads' work), with empty quotes,
        // accents, and quotes that share most of their words, as a graph's
        // do.
        let mut rng = fastrand::Rng::with_seed(7);
        let words = [
            "Céline",
            "Eriksen",
            "Head of Unit",
            "Ministry",
            "U4SSC",
            "co-leads",
            "—",
            "the",
            "城市",
        ];
        let texts: Vec<String> = (0..PIECE + 1000)
            .map(|i| {
                if i % 97 == 0 {
                    return String::new();
                }
                let n = rng.usize(1..12);
                (0..n)
                    .map(|_| words[rng.usize(..words.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let text_len = texts.iter().map(String::len).sum::<usize>();
        let packed = packed(&texts).expect("repetitive quotes pack smaller");
        assert!(
            packed.heap_bytes() < text_len / 2,
            "{} of {text_len}",
            packed.heap_bytes()
        );
        assert_eq!(read_back(&packed, texts.len()), texts);
        // Given in the same order, but not packed.
        let text = Quotes::text(texts.len(), text_len, |i| &texts[i]);
        assert_eq!(text.heap_bytes(), text_len);
        assert_eq!(read_back(&text, texts.len()), texts);
        // Through `new`, which packs what pays.
        let new = Quotes::new(texts.len(), text_len, |i| &texts[i]);
        assert_eq!(new.heap_bytes(), packed.heap_bytes());
        assert_eq!(read_back(&new, texts.len()), texts);
    }

    #[test]
    fn quotes_too_few_to_pay_for_a_table_are_not_packed() {
        let texts = vec![
            "Okan Geray, Chair".to_string(),
            String::new(),
            "ITU".to_string(),
        ];
        assert!(packed(&texts).is_none());
        assert!(packed(&[]).is_none());
        let quotes = Quotes::new(texts.len(), 20, |i| &texts[i]);
        assert_eq!(quotes.heap_bytes(), 20);
        assert_eq!(read_back(&quotes, texts.len()), texts);
    }
}
