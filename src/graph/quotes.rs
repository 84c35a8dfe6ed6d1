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

/// A graph's quotes: their text one after another, or packed.
#[derive(Debug)]
pub(super) enum Quotes {
    Text(String),
    Packed {
        bytes: Box<[u8]>,
        codec: Box<QuoteCodec>,
    },
}

impl Default for Quotes {
    fn default() -> Quotes {
        Quotes::Text(String::new())
    }
}

impl Quotes {
    /// How many bytes they take (the symbol table included).
    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Quotes::Text(text) => text.len(),
            Quotes::Packed { bytes, .. } => bytes.len() + std::mem::size_of::<QuoteCodec>(),
        }
    }

    /// The quote at `range` (as the starts `pack` gave mark them).
    pub(super) fn get(&self, range: std::ops::Range<usize>) -> crate::model::Quote<'_> {
        match self {
            Quotes::Text(text) => crate::model::Quote::from(&text[range]),
            Quotes::Packed { bytes, codec } => crate::model::Quote::packed(&bytes[range], codec),
        }
    }
}

/// Where each of a block's quotes lies, in about 1.25 bytes a quote: each
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
    /// The quotes starting at `starts`, one after another, the last
    /// ending at `end`.
    pub(super) fn new(starts: &[u32], end: usize) -> QuoteStarts {
        let mut out = QuoteStarts {
            every: starts.iter().step_by(STRIDE).copied().collect(),
            lengths: Vec::with_capacity(starts.len()),
            long: Vec::new(),
        };
        let ends = starts.iter().skip(1).map(|&s| s as usize).chain([end]);
        for (i, (&start, end)) in starts.iter().zip(ends).enumerate() {
            let len = end - start as usize;
            match u8::try_from(len) {
                Ok(len) if len < LONG => out.lengths.push(len),
                _ => {
                    out.lengths.push(LONG);
                    let len = u32::try_from(len).expect("a block holds less than 4 GiB");
                    out.long.push((i as u32, len));
                }
            }
        }
        out
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

/// Quotes packed by [`pack`], with where each begins.
pub(super) struct Packed {
    pub bytes: Box<[u8]>,
    pub codec: Box<QuoteCodec>,
    /// By quote, in the order given.
    pub starts: Vec<u32>,
}

/// How many quotes are packed at a time: the list of their slices and
/// their ends stay small, where one for every quote took 150 MB at 1M
/// entities; and their text (about 0.5 MB) stays in the cache between the
/// pass that reads it ahead and the packing.
const CHUNK: usize = 1 << 13;

/// How many quotes the symbol table is trained on, taken evenly from all
/// (FSST then samples 16 KB of them).
const SAMPLE: usize = 4096;

/// How many quotes FSST packs side by side (its cursors, interleaved so that
/// their look-ups overlap): 6 packed the generated graph's quotes 5% faster
/// than its default of 4 on this project's 2-core Xeon (8 no faster).
const LANES: usize = 6;

/// How many quotes a thread packs at a time: the threads take pieces in
/// turn, so that neither is left packing alone at the end (halves, one a
/// thread, finished up to 0.15 s apart at 1M entities).
const PIECE: usize = CHUNK * 8;

/// The `n` quotes `quote(0)`, ..., `quote(n - 1)`, `len` bytes in all,
/// packed one after another with a table trained on a sample of them;
/// `None` if packing them would not make them smaller (a few short quotes,
/// or none).
///
/// They are packed on two threads: the packing is the last step of a
/// graph's build, which the other core would otherwise wait for.
pub(super) fn pack<'q>(
    n: usize,
    len: usize,
    quote: impl Fn(usize) -> &'q [u8] + Sync,
) -> Option<Packed> {
    let size_of_table = std::mem::size_of::<QuoteCodec>();
    if len <= size_of_table {
        return None;
    }
    let sample: Vec<&[u8]> = (0..n).step_by((n / SAMPLE).max(1)).map(&quote).collect();
    let compressor = Compressor::train(&sample);
    let pieces = n.div_ceil(PIECE);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut packed = Vec::new();
        loop {
            let piece = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if piece >= pieces {
                return packed;
            }
            let range = piece * PIECE..((piece + 1) * PIECE).min(n);
            packed.push((piece, pack_range(&compressor, range, &quote)));
        }
    };
    let (mut packed, more) = super::on_two_threads(work, work);
    packed.extend(more);
    packed.sort_unstable_by_key(|(piece, _)| *piece);
    let total: usize = packed.iter().map(|(_, (bytes, _))| bytes.len()).sum();
    if total + size_of_table >= len {
        return None;
    }
    // Joined in order, each piece freed once copied.
    let mut bytes = Vec::with_capacity(total);
    let mut starts = Vec::with_capacity(n);
    for (_, (piece_bytes, piece_starts)) in packed {
        let base = bytes.len() as u32;
        starts.extend(piece_starts.iter().map(|&s| base + s));
        bytes.extend_from_slice(&piece_bytes);
    }
    let parts = compressor.into_parts();
    Some(Packed {
        bytes: bytes.into_boxed_slice(),
        codec: Box::new(QuoteCodec {
            symbols: parts.symbols,
            lengths: parts.lengths,
        }),
        starts,
    })
}

/// The quotes of `range`, packed one after another, and where each starts.
fn pack_range<'q>(
    compressor: &Compressor,
    range: std::ops::Range<usize>,
    quote: &impl Fn(usize) -> &'q [u8],
) -> (Vec<u8>, Vec<u32>) {
    // Never more than their text when packing is worth it; only what is
    // written of this is resident.
    let len = range.clone().map(|i| quote(i).len()).sum();
    let mut bytes: Vec<u8> = Vec::with_capacity(len);
    let mut starts = Vec::with_capacity(range.len());
    let (mut values, mut out, mut ends) = (Vec::new(), Vec::new(), Vec::new());
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
        out.clear();
        ends.clear();
        compressor.compress_bulk_into::<LANES>(&values, &mut out, &mut ends);
        let base = bytes.len() as u64;
        starts.push(bytes.len() as u32);
        starts.extend(ends[..ends.len() - 1].iter().map(|&e| (base + e) as u32));
        bytes.extend_from_slice(&out);
    }
    (bytes, starts)
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
            let mut starts = Vec::new();
            let mut end = 0usize;
            for len in &lengths {
                starts.push(end as u32);
                end += len;
            }
            let quote_starts = QuoteStarts::new(&starts, end);
            for (i, &start) in starts.iter().enumerate() {
                let span = quote_starts.span(i);
                proptest::prop_assert_eq!(span, start as usize..start as usize + lengths[i]);
            }
        }
    }

    /// The quotes of `texts`, as the graph's tables hold them: one text, and
    /// where each begins.
    fn joined(texts: &[String]) -> (String, Vec<u32>) {
        let mut text = String::new();
        let mut starts = Vec::new();
        for t in texts {
            starts.push(text.len() as u32);
            text.push_str(t);
        }
        (text, starts)
    }

    fn pack_text(text: &str, starts: &[u32]) -> Option<Packed> {
        let quote = |i: usize| {
            let end = starts.get(i + 1).map_or(text.len(), |&s| s as usize);
            &text.as_bytes()[starts[i] as usize..end]
        };
        pack(starts.len(), text.len(), quote)
    }

    fn read_back(packed: &Packed) -> Vec<String> {
        let quotes = Quotes::Packed {
            bytes: packed.bytes.clone(),
            codec: Box::new(QuoteCodec {
                symbols: packed.codec.symbols,
                lengths: packed.codec.lengths,
            }),
        };
        let starts = QuoteStarts::new(&packed.starts, packed.bytes.len());
        (0..packed.starts.len())
            .map(|i| quotes.get(starts.span(i)).to_string())
            .collect()
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
        let (text, starts) = joined(&texts);
        let packed = pack_text(&text, &starts).expect("repetitive quotes pack smaller");
        assert!(
            packed.bytes.len() < text.len() / 2,
            "{} of {}",
            packed.bytes.len(),
            text.len()
        );
        assert_eq!(read_back(&packed), texts);
    }

    #[test]
    fn quotes_too_few_to_pay_for_a_table_are_not_packed() {
        let texts = vec![
            "Okan Geray, Chair".to_string(),
            String::new(),
            "ITU".to_string(),
        ];
        let (text, starts) = joined(&texts);
        assert!(pack_text(&text, &starts).is_none());
        assert!(pack_text("", &[]).is_none());
    }
}
