//! Full-text search over names, aliases, acronyms and descriptions.
//!
//! Text is folded before it is compared: accents are transliterated
//! (`deunicode`), case is ignored, and punctuation separates words. A query
//! matches an entity when each query word (the first 16 count) is a word of
//! its names or starts one. A query word of five letters or more that is no
//! indexed word and starts none matches instead the words within one edit of
//! it (two from nine letters on), and the words whose start, as long as the
//! query word, is that close: optimal string alignment distance, so a swap of
//! two neighbouring letters is one edit. Each name is also indexed with its
//! spaces removed (`un habitat` -> `unhabitat`), so a name typed as one word
//! matches.
//!
//! Scores are in `(0, 1]`, ties broken by entity position:
//!
//! * an entity whose names hold every query word scores `0.4 + 0.4 * mean`,
//!   `mean` being the mean weight of the word matches (exact 1, prefix 0.75,
//!   typo 0.5), unless one of its names earns more: 1.0 for the name equal
//!   to the query (with or without its spaces), 0.95 for such an alias or
//!   acronym, 0.85 for a name or alias that starts with the query;
//! * when that gives fewer hits than asked for, the entities whose
//!   description and names together hold every query word follow, at
//!   `0.1 + 0.25 * mean` (the words of descriptions are indexed apart, so a
//!   word is looked for with typos in descriptions when it is no word and
//!   starts none there).
//!
//! The distinct words are the keys of a finite state transducer (`fst`) whose
//! values locate each word's posting list (entity positions, sorted) in one
//! flat array, in the order of the words: the lists of the words a prefix
//! starts lie together, found by two look-ups however many words it starts
//! (a one-letter prefix starts tens of thousands). Such a run of lists is
//! read by position lazily, through the least position of each block of 64
//! entries, so the first ten of a million entries cost a few blocks. A
//! prefix of one or two letters, the longest runs, also has one sorted list
//! of every entity with a word it starts (each once), which a query of
//! several words ending in one (`heritage an`, as it is typed) can look in
//! and leapfrog along as along a word's own list; a longer prefix's run is
//! made into such a set within a search (kept as one bit per position), once
//! checking it on names has cost as much (`energy and inn`). Typos
//! are found by walking the transducer with an automaton that keeps a band
//! of the edit-distance table and leaves every branch that can no longer
//! come close, instead of comparing the query word with every indexed word.
//!
//! Only the entities that may earn a name bonus have their names compared
//! with the query: every bonus beats every word-match score (at most 0.8),
//! and only an entity one of whose names, its spaces removed, starts with
//! the query with its spaces removed can earn one. Such whole names are
//! flagged in the posting lists, and read by position until `limit` have
//! earned one. The other entities are ranked by their word matches alone,
//! which for a query of up to six words is a count of the words they hold
//! exactly: they are read tier by tier off the words' own lists
//! ([`Candidates::by_tiers`]), stopping at `limit`. Only when that costs too
//! much, or the query is longer, is every entity holding all its words
//! listed: the word with the fewest entries is walked and looked up in the
//! others' lists (galloping in long sorted ones, merging the rest, sorted or
//! into bitmaps), or on the entity's names for a word far more common.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::OnceLock;

use fst::{IntoStreamer, Streamer};

use crate::model::Entity;

/// Query words beyond this many are ignored: each costs a pass over the index.
const MAX_WORDS: usize = 16;

/// Posting-list entries are an entity position shifted left by one, with
/// this bit set when the word is a whole name of the entity with its spaces
/// removed.
const WHOLE_NAME: u32 = 1;

/// A name of several words is indexed whole under a key of its own: this
/// byte, which sorts after every byte of a word, then its first word, a
/// space, and the rest of it with its spaces removed (`~atlantic
/// heritagecasestudy6`). So its whole form lies in no word's run of lists
/// (`atlantic` would have as many more lists as names start with it,
/// entities it holds through its own list already), and a query word that
/// runs past a name's first word (`centralai`, `unhabitat`) finds it under
/// that first word and the rest of the query word.
const WHOLE_KEY: u8 = b'~';

/// Folds text for comparison: ASCII transliteration, lower case, every run
/// of non-alphanumeric characters turned into one space, trimmed.
pub fn fold(text: &str) -> String {
    let mut out = String::new();
    fold_into(text, &mut out);
    out
}

/// Appends `text` folded ([`fold`]) to `out`.
fn fold_into(text: &str, out: &mut String) {
    // Text already ASCII is borrowed, not copied (`deunicode` would).
    let ascii = deunicode::deunicode_with_tofu_cow(text, "[?]");
    out.reserve(ascii.len());
    let start = out.len();
    // Run by run of letters and digits, each copied whole (a byte outside
    // ASCII, of which there are none once transliterated, separates words,
    // as its character would), then all made lower case at once.
    let bytes = ascii.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_alphanumeric() {
            at += 1;
            continue;
        }
        let run = at;
        while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
            at += 1;
        }
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(&ascii[run..at]);
    }
    out[start..].make_ascii_lowercase();
}

/// How well one query word matched one indexed word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Quality {
    Typo = 1,
    Prefix = 2,
    Exact = 3,
}

impl Quality {
    /// The weight of the match (exact 1, prefix 0.75, typo 0.5) in quarters,
    /// so that the weights of a query's words add up exactly.
    fn quarters(self) -> u8 {
        match self {
            Quality::Exact => 4,
            Quality::Prefix => 3,
            Quality::Typo => 2,
        }
    }
}

// Sums of quarters index bits of a `u128` (`best_first`).
const _: () = assert!(4 * MAX_WORDS < 128);

/// The mean weight of a query's word matches, from their sum in quarters.
fn mean(quarters: u8, words: usize) -> f64 {
    f64::from(quarters) / 4.0 / words as f64
}

/// Posting-list entries are read by position in blocks of this many: the
/// least position of each block is kept.
const BLOCK: usize = 64;

/// Distinct words and their posting lists.
struct WordIndex {
    /// word -> `start << 32 | len`, its posting list in `entries`.
    words: fst::Map<Vec<u8>>,
    /// The posting lists one after the other, each sorted by position, in
    /// the order of their words: the lists of the words a prefix starts lie
    /// together.
    entries: Vec<u32>,
    /// For each block of [`BLOCK`] entries, the least position among them
    /// and among those of whole names (`u32::MAX` for none).
    least: Vec<[u32; 2]>,
    /// Where each posting list starts in `entries`, in order, when kept
    /// (see [`WordIndex::build`]): a run of lists, cut into its lists, can
    /// be looked in list by list instead of read whole.
    starts: Vec<u32>,
    /// For each first byte, where the positions of the entities with a word
    /// that starts with it lie in `initial_entries`: sorted and each once, as
    /// entries (shifted, no flag). A one-letter query word is the longest
    /// run of lists, and the one a query of several words cannot read lazily.
    initials: Vec<std::ops::Range<usize>>,
    initial_entries: Vec<u32>,
    /// The same for each first two bytes that start a word (sorted by
    /// them), made when a query first asks: a two-letter query word (`an`
    /// of `heritage an`, the word being typed) is a run of many lists too,
    /// often long (`and`, `ana`, `andrea`, ...). Made for every pair, they
    /// would hold about as many entries as `initial_entries` (3.7 million
    /// at 1M entities, 15 MB); a search box asks for few of them.
    pairs: Box<[PairList]>,
    /// Every position in `entries` is below it.
    end: u32,
}

/// The first two bytes of words, and the sorted list of the entities with
/// a word that starts with them, once made.
type PairList = ([u8; 2], OnceLock<Box<[u32]>>);

/// What one query word matches in a [`WordIndex`].
#[derive(Clone)]
struct Lists<'a> {
    entries: &'a [u32],
    least: &'a [[u32; 2]],
    /// [`WordIndex::starts`].
    starts: &'a [u32],
    /// The posting list of the word itself (empty when it is no word),
    /// merged with those of the whole names it is (see `spanning`): made
    /// then.
    exact: Cow<'a, [u32]>,
    /// Where the posting lists of the longer words it starts lie in
    /// `entries`, one after the other: each is sorted, the whole is not.
    longer: std::ops::Range<usize>,
    /// Where the posting lists of the whole names it starts and runs past
    /// the first word of lie in `entries`, runs like `longer` (they are in
    /// no word's run: see [`WHOLE_KEY`]).
    spanning: Vec<std::ops::Range<usize>>,
    /// Where the posting lists of the words within its typo budget lie in
    /// `entries`, only when it is no word and starts none.
    typos: Vec<std::ops::Range<usize>>,
    /// For a word of one or two letters: every entity with a word that
    /// starts with it (itself included), sorted ([`WordIndex::initials`],
    /// [`WordIndex::pairs`]).
    initial: Option<&'a [u32]>,
}

/// A sorted posting list and the quality its entries match with.
type SortedList<'a> = (&'a [u32], Quality);

/// Posting-list entries of one quality: one list, sorted by position, or
/// several one after the other.
#[derive(Clone, Copy)]
struct Part<'a> {
    entries: &'a [u32],
    quality: Quality,
    sorted: bool,
}

impl<'a> Part<'a> {
    /// One sorted list.
    fn sorted(entries: &'a [u32], quality: Quality) -> Part<'a> {
        Part {
            entries,
            quality,
            sorted: true,
        }
    }
}

impl WordIndex {
    /// The index of `map`'s words; with where each list starts when
    /// `keep_starts` (4 bytes a word: kept for descriptions, whose words
    /// are few, not for names, which hold each name whole too). Every
    /// position in `map` is below `end`.
    fn build(map: Words, keep_starts: bool, end: u32) -> WordIndex {
        let total = map.values().map(Vec::len).sum();
        // Gathered in a hash map (a look-up per word of every name and
        // description), put in order once.
        let mut map: Vec<(Box<str>, Vec<u32>)> = map.into_iter().collect();
        map.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut entries = Vec::with_capacity(total);
        let mut words = fst::MapBuilder::memory();
        let mut initials = vec![0..0; 256];
        let mut initial_entries: Vec<u32> = Vec::new();
        let mut pairs = Vec::new();
        let mut starts = Vec::new();
        // The first byte of the words read, and where their entries start
        // (the words of one first byte come together).
        let mut initial: Option<(u8, usize)> = None;
        let mut close = |initial: Option<(u8, usize)>, entries: &[u32]| {
            if let Some((b, from)) = initial {
                let start = initial_entries.len();
                initial_entries.extend(each_once(&entries[from..], end));
                initials[usize::from(b)] = start..initial_entries.len();
            }
        };
        for (word, list) in map {
            let start = u32::try_from(entries.len()).expect("fewer than 2^32 word occurrences");
            let len = u32::try_from(list.len()).expect("fewer than 2^32 word occurrences");
            let bytes = word.as_bytes();
            // Whole names (last, see `WHOLE_KEY`) start no word.
            if bytes[0] == WHOLE_KEY {
                close(initial.take(), &entries);
            } else {
                if initial.is_none_or(|(b, _)| b != bytes[0]) {
                    close(initial.replace((bytes[0], entries.len())), &entries);
                }
                if let [a, b, ..] = *bytes {
                    if pairs.last().is_none_or(|(two, _)| *two != [a, b]) {
                        pairs.push(([a, b], OnceLock::new()));
                    }
                }
            }
            if keep_starts {
                starts.push(start);
            }
            entries.extend_from_slice(&list);
            words
                .insert(bytes, u64::from(start) << 32 | u64::from(len))
                .expect("the words are sorted, each once (keys of a map)");
        }
        close(initial, &entries);
        initial_entries.shrink_to_fit();
        let least = entries
            .chunks(BLOCK)
            .map(|block| [least_of(block, false), least_of(block, true)])
            .collect();
        WordIndex {
            words: words.into_map(),
            entries,
            least,
            starts,
            initials,
            initial_entries,
            pairs: pairs.into_boxed_slice(),
            end,
        }
    }

    /// The bytes it holds on the heap (as asked for, before the allocator's
    /// rounding).
    fn heap_bytes(&self) -> usize {
        self.words.as_fst().as_bytes().len()
            + std::mem::size_of_val(&self.entries[..])
            + std::mem::size_of_val(&self.least[..])
            + std::mem::size_of_val(&self.starts[..])
            + std::mem::size_of_val(&self.initials[..])
            + std::mem::size_of_val(&self.pairs[..])
            + self
                .pairs
                .iter()
                .filter_map(|(_, made)| made.get())
                .map(|list| std::mem::size_of_val(&list[..]))
                .sum::<usize>()
            + std::mem::size_of_val(&self.initial_entries[..])
    }

    /// Where the posting list a key's value locates lies in `entries`.
    fn span(value: u64) -> std::ops::Range<usize> {
        let start = (value >> 32) as usize;
        let len = (value & u64::from(u32::MAX)) as usize;
        start..start + len
    }

    fn list(&self, value: u64) -> &[u32] {
        &self.entries[WordIndex::span(value)]
    }

    /// The value of the first key from `key` on, if any, and whether it is
    /// `key`: a walk down the transducer along `key` (a stream would
    /// allocate and keep the whole path: several times the instructions).
    ///
    /// Where the walk leaves `key`, the first key below is not walked to:
    /// values grow with keys (each list lies after the one before), so the
    /// builder puts on each transition the least of the values below it
    /// (less what the path above holds) and leaves the outputs further down
    /// the least key's path at zero: the output read down to a node past
    /// the root is the value of the least key below it. Debug builds walk
    /// down to check.
    fn first_from<'s>(&'s self, key: &[u8]) -> Option<(u64, bool)> {
        use fst::raw::{Node, Output};
        let fst = self.words.as_fst();
        let least_below = |mut node: Node<'s>, mut out: Output| {
            while !node.is_final() {
                let t = node.transition(0);
                out = out.cat(t.out);
                node = fst.node(t.addr);
            }
            out.cat(node.final_output()).value()
        };
        // Below a node a transition leads to.
        let least_past_root = |node: Node<'s>, out: Output| {
            debug_assert_eq!(least_below(node, out), out.value());
            out.value()
        };
        let after = |node: Node<'s>, out: Output, i: usize| {
            let t = node.transition(i);
            least_past_root(fst.node(t.addr), out.cat(t.out))
        };
        let mut node = fst.root();
        let mut out = Output::zero();
        // Where the keys past the path read so far start: at the deepest
        // node with a transition past the path's (its output before, and
        // that transition).
        let mut past = None;
        for &b in key {
            match node.find_input(b) {
                Some(i) => {
                    if i + 1 < node.len() {
                        past = Some((node, out, i + 1));
                    }
                    let t = node.transition(i);
                    out = out.cat(t.out);
                    node = fst.node(t.addr);
                }
                None => {
                    if let Some(i) = (0..node.len()).find(|&i| node.transition(i).inp > b) {
                        past = Some((node, out, i));
                    }
                    return past.map(|(node, out, i)| (after(node, out, i), false));
                }
            }
        }
        match node.is_final() {
            true => Some((out.cat(node.final_output()).value(), true)),
            // Every node leads to a key.
            false if key.is_empty() => Some((least_below(node, out), false)),
            false => Some((least_past_root(node, out), false)),
        }
    }

    /// Where the posting list of the first key from `key` on starts in
    /// `entries` (its end when there is none).
    fn start_of(&self, key: &[u8]) -> usize {
        self.first_from(key)
            .map_or(self.entries.len(), |(value, _)| {
                WordIndex::span(value).start
            })
    }

    /// The posting list of `key` (empty when it is none), and where the
    /// lists of the longer keys it starts lie in `entries`: the first key
    /// from `key` on, and the first key from the next one that `key` does
    /// not start (two look-ups, however many keys it starts).
    fn run(&self, key: &[u8]) -> (&[u32], std::ops::Range<usize>) {
        let (start, exact) = match self.first_from(key) {
            Some((value, true)) => (WordIndex::span(value).start, self.list(value)),
            Some((value, false)) => (WordIndex::span(value).start, &[][..]),
            None => (self.entries.len(), &[][..]),
        };
        let end = successor(key).map_or(self.entries.len(), |next| self.start_of(&next));
        let longer = start + exact.len();
        (exact, longer..end.max(longer))
    }

    /// The posting lists of `word` and of the longer words it starts, and
    /// of the whole names it starts and runs past the first word of.
    fn starting(&self, word: &str) -> Lists<'_> {
        let (exact, longer) = self.run(word.as_bytes());
        let mut whole = Vec::new();
        let mut spanning = Vec::new();
        self.past_first_words(word.as_bytes(), &mut whole, &mut spanning);
        let initial = match *word.as_bytes() {
            [b] => Some(&self.initial_entries[self.initials[usize::from(b)].clone()]),
            [a, b] => self
                .pairs
                .binary_search_by_key(&[a, b], |p| p.0)
                .ok()
                .map(|i| {
                    // The lists of the words it starts: its run.
                    let run = &self.entries[longer.start - exact.len()..longer.end];
                    &self.pairs[i]
                        .1
                        .get_or_init(|| each_once(run, self.end).into_boxed_slice())[..]
                }),
            _ => None,
        };
        let exact = match whole.is_empty() {
            true => Cow::Borrowed(exact),
            false => {
                let mut merged: Vec<u32> =
                    whole.into_iter().flatten().chain(exact).copied().collect();
                merged.sort_unstable();
                // An entity's entries of several lists, as one, flagged if
                // any is (sorted, they come together).
                merged.dedup_by(|later, kept| {
                    let same = *later >> 1 == *kept >> 1;
                    if same {
                        *kept |= *later;
                    }
                    same
                });
                Cow::Owned(merged)
            }
        };
        Lists {
            entries: &self.entries,
            least: &self.least,
            starts: &self.starts,
            exact,
            longer,
            spanning,
            typos: Vec::new(),
            initial,
        }
    }

    /// The whole names `word` starts with its first bytes as their first
    /// word and the rest as the start of the rest (`centralai`: `central`
    /// and `ai`, `centra` and `i`, ...): for each first word it is longer
    /// than, the list of the name it is, if any (into `whole`), and the run
    /// of the longer names it starts (into `runs`). A walk of the index
    /// along `word` says which of its starts are first words of names.
    fn past_first_words<'s>(
        &'s self,
        word: &[u8],
        whole: &mut Vec<&'s [u32]>,
        runs: &mut Vec<std::ops::Range<usize>>,
    ) {
        let fst = self.words.as_fst();
        let mut node = fst.root();
        let mut key = Vec::with_capacity(word.len() + 2);
        for (i, &b) in std::iter::once(&WHOLE_KEY)
            .chain(&word[..word.len().saturating_sub(1)])
            .enumerate()
        {
            let Some(t) = node.find_input(b) else {
                return;
            };
            node = fst.node(node.transition_addr(t));
            // `WHOLE_KEY` and `word[..i]` read: a first word, if a space
            // follows.
            if i > 0 && node.find_input(b' ').is_some() {
                key.clear();
                key.push(WHOLE_KEY);
                key.extend_from_slice(&word[..i]);
                key.push(b' ');
                key.extend_from_slice(&word[i..]);
                let (exact, longer) = self.run(&key);
                if !exact.is_empty() {
                    whole.push(exact);
                }
                if !longer.is_empty() {
                    runs.push(longer);
                }
            }
        }
    }

    /// Where the posting lists of the names of several words whose first
    /// word starts with `word` lie in `entries` (they start with it too,
    /// but their first word matches it already: a query word needs them
    /// only for a name bonus).
    fn first_words_starting(&self, word: &str) -> std::ops::Range<usize> {
        let mut key = Vec::with_capacity(word.len() + 1);
        key.push(WHOLE_KEY);
        key.extend_from_slice(word.as_bytes());
        let (exact, longer) = self.run(&key);
        longer.start - exact.len()..longer.end
    }

    /// The posting lists of the words `word` matches: itself and the longer
    /// words it starts, or, when there are none and the word is long enough,
    /// the words and word starts within its typo budget.
    fn matching(&self, word: &str) -> Lists<'_> {
        let mut lists = self.starting(word);
        let budget = typo_budget(word);
        if budget > 0 && lists.is_empty() {
            // Words, and whole names (their spaces skipped).
            for whole in [false, true] {
                let typos = Keyed {
                    inner: Typos::new(word.as_bytes(), budget),
                    whole,
                };
                let mut keys = self.words.search(typos).into_stream();
                while let Some((_, value)) = keys.next() {
                    lists.typos.push(WordIndex::span(value));
                }
            }
        }
        lists
    }
}

/// The entries of a run of posting lists without their flag, sorted and
/// each once: the entities they hold, every position below `end`. Through
/// one bit per position, unless they are very few for that: sorting costs
/// far more per entry than a bit does per 64 positions (about 40 times as
/// much for 10,000 entries). The bits span every position rather than
/// the run's least to greatest: a run's entities lie all over (positions
/// follow ids, not the words of names), and finding its least and
/// greatest cost more than the bits it spared (the fold, about a fifth of
/// the time at 1M entities).
fn each_once(run: &[u32], end: u32) -> Vec<u32> {
    match run_bits(run, end) {
        Some(bits) => bits_to_list(&bits, run.len()),
        None => sorted_once(run),
    }
}

/// The positions of the entries of a run of posting lists as one bit per
/// position below `end`, or `None` when they are too few for that (see
/// [`each_once`]).
fn run_bits(run: &[u32], end: u32) -> Option<Vec<u64>> {
    let words = (end as usize).div_ceil(64);
    if run.len() * 32 < words {
        return None;
    }
    let mut bits = vec![0u64; words];
    for &e in run {
        let pos = e >> 1;
        bits[(pos / 64) as usize] |= 1 << (pos % 64);
    }
    Some(bits)
}

/// The entries of a run, sorted and each once, by sorting them.
fn sorted_once(run: &[u32]) -> Vec<u32> {
    let mut once: Vec<u32> = run.iter().map(|&e| e & !WHOLE_NAME).collect();
    once.sort_unstable();
    once.dedup();
    once
}

/// The list of the positions whose bits are set, as entries without their
/// flag; `most` bounds how many are set.
fn bits_to_list(bits: &[u64], most: usize) -> Vec<u32> {
    // Written in place rather than pushed (a push checks the capacity).
    let mut once = vec![0; most];
    let mut n = 0;
    for (at, &word) in (0u32..).step_by(64).zip(bits) {
        let mut word = word;
        while word != 0 {
            once[n] = (at + word.trailing_zeros()) << 1;
            n += 1;
            word &= word - 1;
        }
    }
    once.truncate(n);
    once
}

/// A run of posting lists made into one set of entities within a search
/// ([`Candidates::by_tiers`] makes it): its bits, when it is not too few
/// for them, in which the tiers look position by position, with no list
/// taken from them (that step was half the cost of making it: about 20 µs
/// for the 22,000 entries of `fin`'s run at 1M entities); its list, made
/// when first asked for (listing merges it).
enum MadeRun {
    /// Too few for bits: sorted.
    List(Vec<u32>),
    Bits {
        bits: Vec<u64>,
        /// How many entries the run has: a bound on the entities it holds.
        entries: usize,
        list: std::cell::OnceCell<Vec<u32>>,
    },
}

impl MadeRun {
    fn new(run: &[u32], end: u32) -> MadeRun {
        match run_bits(run, end) {
            Some(bits) => MadeRun::Bits {
                bits,
                entries: run.len(),
                list: std::cell::OnceCell::new(),
            },
            None => MadeRun::List(sorted_once(run)),
        }
    }

    /// Its entities, sorted, as entries without their flag.
    fn list(&self) -> &[u32] {
        match self {
            MadeRun::List(list) => list,
            MadeRun::Bits {
                bits,
                entries,
                list,
            } => list.get_or_init(|| bits_to_list(bits, *entries)),
        }
    }

    fn sorted(&self) -> Sorted<'_> {
        match self {
            MadeRun::List(list) => Sorted::List(list),
            MadeRun::Bits { bits, .. } => Sorted::Bits(bits),
        }
    }
}

/// A set of entities that can be sought in by position.
#[derive(Clone, Copy)]
enum Sorted<'s> {
    /// A posting list, sorted by position.
    List(&'s [u32]),
    /// One bit per position.
    Bits(&'s [u64]),
}

impl Sorted<'_> {
    /// The first position from `pos` on in the set; `at` is a list's
    /// cursor (see [`seek`]).
    fn seek(self, at: &mut usize, pos: u32) -> Option<u32> {
        match self {
            Sorted::List(list) => seek(list, at, pos),
            Sorted::Bits(bits) => {
                let mut word_at = (pos / 64) as usize;
                let mut word = bits.get(word_at)? & (u64::MAX << (pos % 64));
                while word == 0 {
                    word_at += 1;
                    word = *bits.get(word_at)?;
                }
                Some(word_at as u32 * 64 + word.trailing_zeros())
            }
        }
    }
}

/// The least position of the entries of `block` (of whole names only, when
/// `whole_only`), `u32::MAX` for none.
fn least_of(block: &[u32], whole_only: bool) -> u32 {
    block
        .iter()
        .filter(|&&e| !whole_only || e & WHOLE_NAME != 0)
        .map(|&e| e >> 1)
        .min()
        .unwrap_or(u32::MAX)
}

/// The least key after every key that starts with `key`, if any.
fn successor(key: &[u8]) -> Option<Vec<u8>> {
    let mut next = key.to_vec();
    while let Some(last) = next.pop() {
        if last < u8::MAX {
            next.push(last + 1);
            return Some(next);
        }
    }
    None
}

impl<'a> Lists<'a> {
    /// How many entries its lists hold.
    fn len(&self) -> usize {
        self.parts().map(|p| p.entries.len()).sum()
    }

    fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.longer.is_empty()
            && self.spanning.is_empty()
            && self.typos.is_empty()
    }

    /// Every list, or run of lists, with its quality.
    fn parts(&self) -> impl Iterator<Item = Part<'_>> + '_ {
        let exact = Part::sorted(&self.exact, Quality::Exact);
        // One sorted list rather than a run of lists, when there is one
        // (it holds the word's own entities too: they match exactly).
        let longer = match self.initial {
            Some(initial) => Part::sorted(initial, Quality::Prefix),
            None => Part {
                entries: &self.entries[self.longer.clone()],
                quality: Quality::Prefix,
                sorted: false,
            },
        };
        let spanning = self.spanning.iter().map(|run| Part {
            entries: &self.entries[run.clone()],
            quality: Quality::Prefix,
            sorted: false,
        });
        let typos = self
            .typos
            .iter()
            .map(|typos| Part::sorted(&self.entries[typos.clone()], Quality::Typo));
        [exact, longer]
            .into_iter()
            .chain(spanning)
            .chain(typos)
            .filter(|part| !part.entries.is_empty())
    }

    /// The one sorted list of every entity the word matches by its start
    /// (or exactly), when there is one: a word of one or two letters' that
    /// runs past the first word of no name.
    fn one_list(&self) -> Option<&'a [u32]> {
        self.initial.filter(|_| self.spanning.is_empty())
    }

    /// The lists of the runs of longer words and of whole names, one after
    /// the other.
    fn runs(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        std::iter::once(self.longer.clone()).chain(self.spanning.iter().cloned())
    }

    /// Its sorted lists, each with its quality: the runs of the longer
    /// words and whole names cut into their lists ([`WordIndex::starts`],
    /// which must be kept when there are such runs), or their one list when
    /// there is one.
    fn sorted_lists(&self) -> Vec<SortedList<'_>> {
        let mut lists = Vec::new();
        lists.push((&self.exact[..], Quality::Exact));
        let runs = match self.initial {
            Some(initial) => {
                lists.push((initial, Quality::Prefix));
                &self.spanning[..]
            }
            None => &[][..],
        };
        match self.initial {
            Some(_) => runs
                .iter()
                .for_each(|run| self.cut(run.clone(), &mut lists)),
            None => self.runs().for_each(|run| self.cut(run, &mut lists)),
        }
        for typos in &self.typos {
            lists.push((&self.entries[typos.clone()], Quality::Typo));
        }
        lists.retain(|(list, _)| !list.is_empty());
        lists
    }

    /// Adds the lists of `run` to `lists`.
    fn cut<'s>(&'s self, run: std::ops::Range<usize>, lists: &mut Vec<SortedList<'s>>) {
        if run.is_empty() {
            return;
        }
        let (from, to) = self.run_starts(&run);
        assert!(
            from < to,
            "a run is cut where the index keeps its lists' starts"
        );
        for k in from..to {
            let start = self.starts[k] as usize;
            let end = self
                .starts
                .get(k + 1)
                .map_or(run.end, |&next| (next as usize).min(run.end));
            lists.push((&self.entries[start..end], Quality::Prefix));
        }
    }

    /// How many sorted lists [`Lists::sorted_lists`] holds, at most.
    fn sorted_list_count(&self) -> usize {
        let cut = |run: std::ops::Range<usize>| {
            let (from, to) = self.run_starts(&run);
            to - from
        };
        let runs: usize = match self.initial {
            Some(_) => 1 + self.spanning.iter().cloned().map(cut).sum::<usize>(),
            None => self.runs().map(cut).sum(),
        };
        1 + runs + self.typos.len()
    }

    /// Where the starts of the lists of a run lie in `starts`.
    fn run_starts(&self, run: &std::ops::Range<usize>) -> (usize, usize) {
        let from = self.starts.partition_point(|&s| (s as usize) < run.start);
        let to = self.starts.partition_point(|&s| (s as usize) < run.end);
        (from, to)
    }

    /// The positions in the lists of the longer words and whole names
    /// (only those of whole names, when `whole_only`), increasing, each
    /// once.
    fn longer_by_position(&self, whole_only: bool) -> ByPosition<'a> {
        ByPosition::new(self.entries, self.least, self.runs(), whole_only)
    }

    /// The positions in the lists of the words within the typo budget,
    /// increasing, each once.
    fn typos_by_position(&self) -> ByPosition<'a> {
        ByPosition::new(self.entries, self.least, self.typos.iter().cloned(), false)
    }
}

/// The positions of runs of posting lists, increasing and each once, read
/// lazily: a block of entries is read only when its least position comes
/// up, so the first few of a run of a million entries cost a look at its
/// blocks' least positions and at a few blocks.
struct ByPosition<'a> {
    entries: &'a [u32],
    whole_only: bool,
    /// Pieces of the run not read yet, `(least, start, end)`, least first.
    unread: BinaryHeap<Reverse<(u32, usize, usize)>>,
    /// The positions read from pieces and not yet given, least first.
    read: BinaryHeap<Reverse<u32>>,
    last: Option<u32>,
}

impl<'a> ByPosition<'a> {
    fn new(
        entries: &'a [u32],
        least: &[[u32; 2]],
        runs: impl Iterator<Item = std::ops::Range<usize>>,
        whole_only: bool,
    ) -> ByPosition<'a> {
        let mut unread = Vec::new();
        for run in runs {
            let mut at = run.start;
            while at < run.end {
                let end = ((at / BLOCK + 1) * BLOCK).min(run.end);
                let least = if end - at == BLOCK {
                    least[at / BLOCK][usize::from(whole_only)]
                } else {
                    least_of(&entries[at..end], whole_only)
                };
                if least != u32::MAX {
                    unread.push(Reverse((least, at, end)));
                }
                at = end;
            }
        }
        ByPosition {
            entries,
            whole_only,
            unread: BinaryHeap::from(unread),
            read: BinaryHeap::new(),
            last: None,
        }
    }
}

impl Iterator for ByPosition<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        loop {
            let next_read = self.read.peek().map(|r| r.0);
            match self.unread.peek() {
                Some(&Reverse((least, start, end))) if next_read.is_none_or(|r| least <= r) => {
                    self.unread.pop();
                    let whole_only = self.whole_only;
                    self.read.extend(
                        self.entries[start..end]
                            .iter()
                            .filter(|&&e| !whole_only || e & WHOLE_NAME != 0)
                            .map(|&e| Reverse(e >> 1)),
                    );
                }
                _ => {
                    let pos = self.read.pop()?.0;
                    if self.last != Some(pos) {
                        self.last = Some(pos);
                        return Some(pos);
                    }
                }
            }
        }
    }
}

/// The texts an entity is found by as written: its name, its aliases and
/// an organisation's acronym.
fn name_texts(e: &Entity) -> impl Iterator<Item = &str> {
    let acronym = match &e.details {
        crate::model::Details::Organisation { acronym, .. } => acronym.as_deref(),
        _ => None,
    };
    std::iter::once(&*e.name)
        .chain(e.aliases().iter().map(|a| &**a))
        .chain(acronym)
}

/// Words, each with its posting list, as the index is being built.
type Words = foldhash::HashMap<Box<str>, Vec<u32>>;

/// Adds `pos` to the posting list of `word`.
fn add(map: &mut Words, word: &str, pos: u32, whole_name: bool) {
    let entry = pos << 1 | if whole_name { WHOLE_NAME } else { 0 };
    let list = match map.get_mut(word) {
        Some(list) => list,
        None => map.entry(word.into()).or_default(),
    };
    match list.last_mut() {
        Some(last) if *last >> 1 == pos => *last |= entry,
        _ => list.push(entry),
    }
}

/// Adds `pos` to the posting lists of the words of the folded name
/// `folded` and of its whole form ([`WHOLE_KEY`]), made in `compact`.
fn add_name(map: &mut Words, folded: &str, pos: u32, compact: &mut String) {
    for word in folded.split(' ') {
        add(map, word, pos, false);
    }
    compact.clear();
    match folded.split_once(' ') {
        Some((first, rest)) => {
            compact.push(char::from(WHOLE_KEY));
            compact.push_str(first);
            compact.push(' ');
            compact.extend(rest.split(' '));
        }
        None => compact.push_str(folded),
    }
    add(map, compact, pos, true);
}

/// An index over every entity's folded names and descriptions.
pub struct SearchIndex {
    /// Every entity's folded names (name, then aliases and acronym), each
    /// followed by a newline, entity after entity.
    names: String,
    /// Where each entity's names end in `names`.
    name_ends: Vec<u32>,
    /// A bit for each entity whose name folds to nothing (its first line in
    /// `names` is then an alias's or its acronym's, if any).
    unnamed: fixedbitset::FixedBitSet,
    /// The words of names, aliases and acronyms, and each of those whole
    /// with its spaces removed.
    name_words: WordIndex,
    /// The words of descriptions.
    description_words: WordIndex,
}

/// One search result: an entity position and its score in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredEntity {
    pub position: u32,
    pub score: f64,
}

impl SearchIndex {
    /// The bytes it holds on the heap (as asked for, before the allocator's
    /// rounding).
    pub fn heap_bytes(&self) -> usize {
        self.names.len()
            + std::mem::size_of_val(&self.name_ends[..])
            + std::mem::size_of_val(self.unnamed.as_slice())
            + self.name_words.heap_bytes()
            + self.description_words.heap_bytes()
    }

    /// Indexes `entities`; positions in results are indices into that slice.
    /// Panics past 2^31 entities (or 4 GiB of names).
    pub fn build(entities: &[Entity]) -> SearchIndex {
        assert!(
            entities.len() <= (u32::MAX >> 1) as usize,
            "the search index holds at most 2^31 entities"
        );
        let mut name_words = Words::default();
        let mut description_words = Words::default();
        let mut names = String::new();
        let mut name_ends = Vec::with_capacity(entities.len());
        let mut unnamed = fixedbitset::FixedBitSet::with_capacity(entities.len());
        // A name with its spaces removed, in one buffer for every name
        // (collected afresh, each grew by reallocation: 1.4% of a 100k
        // load's instructions).
        let mut compact = String::new();
        // A description folded, in one buffer for every description.
        let mut description = String::new();
        for (i, e) in entities.iter().enumerate() {
            let pos = i as u32;
            for (k, text) in name_texts(e).enumerate() {
                // Folded where it is kept (folded apart, then copied, each
                // was an allocation of its own: 1.5% of a 100k load's
                // instructions went to folding).
                let start = names.len();
                fold_into(text, &mut names);
                if names.len() == start {
                    if k == 0 {
                        unnamed.insert(i);
                    }
                    continue;
                }
                add_name(&mut name_words, &names[start..], pos, &mut compact);
                names.push('\n');
            }
            if let Some(d) = e.description() {
                description.clear();
                fold_into(d, &mut description);
                for word in description.split(' ').filter(|w| !w.is_empty()) {
                    add(&mut description_words, word, pos, false);
                }
            }
            name_ends.push(u32::try_from(names.len()).expect("less than 4 GiB of names"));
        }
        names.shrink_to_fit();
        // Below 2^31, as asserted above.
        let end = entities.len() as u32;
        SearchIndex {
            names,
            name_ends,
            unnamed,
            name_words: WordIndex::build(name_words, false, end),
            description_words: WordIndex::build(description_words, true, end),
        }
    }

    /// The entities matching `query`, best first (ties by position), filtered
    /// by `keep`, at most `limit`. A query with no letter or digit matches
    /// nothing.
    pub fn search(
        &self,
        query: &str,
        limit: usize,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<ScoredEntity> {
        let folded = fold(query);
        if folded.is_empty() || limit == 0 {
            return Vec::new();
        }
        let all: Vec<&str> = folded.split(' ').collect();
        let words = &all[..all.len().min(MAX_WORDS)];
        let compact = words.concat();

        let in_names: Vec<Lists> = words
            .iter()
            .map(|word| self.name_words.matching(word))
            .collect();
        // One word: its lists are read lazily (the word may be in hundreds
        // of thousands of names, of which ten are wanted).
        let candidates = match words {
            [_] => Candidates::OneWord(&in_names[0]),
            _ => Candidates::words(self, words, &in_names),
        };
        // The words the query starts as one word, its spaces removed.
        let mut starting = match words {
            [_] => in_names[0].clone(),
            _ => self.name_words.starting(&compact),
        };
        // With the names whose first word starts with it.
        starting
            .spanning
            .push(self.name_words.first_words_starting(&compact));
        let query = Query {
            folded: &folded,
            compact: &compact,
            words: words.len(),
            whole: all.len() == words.len(),
        };
        let mut hits = self.name_hits(&candidates, &starting, &query, limit, &keep);
        // Entities found only with the help of their description.
        if hits.len() < limit {
            let candidates = candidates.listed();
            let in_descriptions: Vec<Lists> = words
                .iter()
                .map(|word| self.description_words.matching(word))
                .collect();
            // An entity found now misses a word in its names (or it is a
            // candidate already), so holds that word in its description:
            // with no word in descriptions there is none; with one, it is
            // in that word's description lists (`heritage` of `atlantic
            // heritage case study 6`: 8,000 entities at 1M, against 15,000
            // for the shortest word, with far fewer names to look in
            // between the first and the last).
            let described: Vec<usize> = (0..words.len())
                .filter(|&i| !in_descriptions[i].is_empty())
                .collect();
            let description_only = match described[..] {
                [only] => Some(only),
                _ => None,
            };
            let in_either = match described.is_empty() {
                true => Vec::new(),
                false => self.all_words_in_either(
                    words,
                    &in_names,
                    &in_descriptions,
                    description_only,
                    CHECK_IN_EITHER,
                ),
            };
            let more = best_first(&in_either, limit - hits.len(), |pos| {
                candidates.binary_search_by_key(&pos, |h| h.0).is_err() && keep(pos)
            });
            hits.extend(more.into_iter().map(|(pos, sum)| ScoredEntity {
                position: pos,
                score: 0.1 + 0.25 * mean(sum, words.len()),
            }));
        }
        hits
    }

    /// The best `limit` of `candidates` (entities whose names hold every
    /// query word, with the sum of their match weights in quarters) that
    /// `keep` keeps, best first; fewer only when fewer are kept. `starting`
    /// holds the posting lists of the words that start with the query
    /// written as one word.
    fn name_hits(
        &self,
        candidates: &Candidates,
        starting: &Lists,
        query: &Query,
        limit: usize,
        keep: &impl Fn(u32) -> bool,
    ) -> Vec<ScoredEntity> {
        let mut hits = Vec::new();
        // Only these can earn a name bonus: one of their names, its spaces
        // removed, is the query with its spaces removed (1.0 or 0.95), or
        // starts with it (0.85).
        let equal: Vec<u32> = starting
            .exact
            .iter()
            .filter(|&&e| e & WHOLE_NAME != 0)
            .map(|&e| e >> 1)
            .collect();
        for &pos in &equal {
            if candidates.holds(pos) && keep(pos) {
                let score = self.bonus(pos, query);
                if score > 0.0 {
                    hits.push(ScoredEntity {
                        position: pos,
                        score,
                    });
                }
            }
        }
        for pos in starting.longer_by_position(true) {
            // A name with a longer compact form is not equal to the query,
            // so earns 0.85 at most: later positions cannot get in. (Unless
            // words past the 16th were ignored: the full query may equal it.)
            if query.whole && hits.len() >= limit {
                break;
            }
            // Its bonus, if any, is for a name that starts with the query,
            // so holds every query word: no need to ask the candidates.
            if equal.binary_search(&pos).is_err() && keep(pos) {
                let score = self.bonus(pos, query);
                if score > 0.0 {
                    debug_assert!(candidates.holds(pos));
                    hits.push(ScoredEntity {
                        position: pos,
                        score,
                    });
                }
            }
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.position.cmp(&b.position))
        });
        if hits.len() >= limit {
            hits.truncate(limit);
            return hits;
        }
        // Every entity with a bonus is in `hits`; the others score by their
        // word matches alone, all below any bonus.
        let mut with_bonus: Vec<u32> = hits.iter().map(|h| h.position).collect();
        with_bonus.sort_unstable();
        let rest = candidates.best_first(limit - hits.len(), |pos| {
            with_bonus.binary_search(&pos).is_err() && keep(pos)
        });
        hits.extend(rest.into_iter().map(|(pos, sum)| ScoredEntity {
            position: pos,
            score: 0.4 + 0.4 * mean(sum, query.words),
        }));
        hits
    }

    /// The entities whose names hold every query word (`in_names`, what
    /// each matches), as [`all_words`] finds them; but a word whose lists
    /// hold far more entries than the shortest word's (`on` in `working
    /// group on water 249`) is checked on the names of the entities the
    /// others match instead of merged: one with more than `entries_per_check`
    /// times as many.
    ///
    /// A word whose runs of lists have been made into one set (`made[i]`,
    /// if set) is looked for in that set's list.
    fn all_name_words(
        &self,
        words: &[&str],
        in_names: &[Lists],
        made: &[std::cell::OnceCell<MadeRun>],
        entries_per_check: usize,
    ) -> Vec<(u32, u8)> {
        let sizes: Vec<usize> = in_names.iter().map(Lists::len).collect();
        let shortest = sizes.iter().copied().min().unwrap_or(0);
        let checks: Vec<NameCheck> = (0..words.len())
            .map(|i| NameCheck::new(words[i], &in_names[i]))
            .collect();
        let (checked, merged): (Vec<usize>, Vec<usize>) = (0..words.len())
            .partition(|&i| checked_on_names(sizes[i], shortest, entries_per_check));
        let parts = merged.iter().map(|&i| {
            let lists = &in_names[i];
            let parts = match made.get(i).and_then(std::cell::OnceCell::get) {
                // Made only of a word matched by no typo.
                Some(made) => [
                    Part::sorted(&lists.exact, Quality::Exact),
                    Part::sorted(made.list(), Quality::Prefix),
                ]
                .into_iter()
                .filter(|part| !part.entries.is_empty())
                .collect(),
                None => lists.parts().collect(),
            };
            (parts, entries_per_check)
        });
        let on_names = |i: usize, pos: u32| {
            let quality = checks[i].quality(self.names_of(pos))?;
            Some(quality.quarters())
        };
        all_words_looking(parts, &merged, &checked, on_names)
    }

    /// The entities whose names or description hold every query word
    /// (`in_names` and `in_descriptions`, what each matches in either), as
    /// [`all_words`] finds them from the lists of both; but a word whose
    /// lists hold far more entries than the shortest word's (`wor` in
    /// `51238 data on group wor`: 268,000 entries at 1M entities, against
    /// 2) is looked for in the names and the description lists of the
    /// entities the others match instead of merged: when it holds more than
    /// `cost.0` and `cost.1` for each of its description lists (the cost of
    /// a check on names and of a look in a list, in entries merged) times
    /// as many.
    ///
    /// With `description_only`, that word counts in descriptions only.
    fn all_words_in_either(
        &self,
        words: &[&str],
        in_names: &[Lists],
        in_descriptions: &[Lists],
        description_only: Option<usize>,
        cost: (usize, usize),
    ) -> Vec<(u32, u8)> {
        let names_too = |i: usize| description_only != Some(i);
        let sizes: Vec<usize> = (0..words.len())
            .map(|i| {
                let in_names = if names_too(i) { in_names[i].len() } else { 0 };
                in_names + in_descriptions[i].len()
            })
            .collect();
        let Some(smallest) = (0..words.len()).min_by_key(|&i| sizes[i]) else {
            return Vec::new();
        };
        let per_entry = |i: usize| {
            let lists = in_descriptions[i].sorted_list_count();
            cost.0.saturating_add(cost.1.saturating_mul(lists))
        };
        let (checked, merged): (Vec<usize>, Vec<usize>) = (0..words.len()).partition(|&i| {
            i != smallest && sizes[i] > sizes[smallest].saturating_mul(per_entry(i))
        });
        // Made for a word when it is first looked for.
        let checks: Vec<std::cell::OnceCell<(Option<NameCheck>, Vec<SortedList>)>> =
            words.iter().map(|_| std::cell::OnceCell::new()).collect();
        let parts = merged.iter().map(|&i| {
            let in_names = in_names[i].parts().filter(|_| names_too(i));
            let parts = in_names.chain(in_descriptions[i].parts()).collect();
            (parts, per_entry(i))
        });
        let in_either = |i: usize, pos: u32| {
            let (check, lists) = checks[i].get_or_init(|| {
                (
                    names_too(i).then(|| NameCheck::new(words[i], &in_names[i])),
                    in_descriptions[i].sorted_lists(),
                )
            });
            let in_description = lists
                .iter()
                .filter(|(list, _)| list.binary_search_by_key(&pos, |e| e >> 1).is_ok())
                .map(|&(_, quality)| quality)
                .max();
            let in_names = check.as_ref().and_then(|c| c.quality(self.names_of(pos)));
            Some(in_names.max(in_description)?.quarters())
        };
        all_words_looking(parts, &merged, &checked, in_either)
    }

    /// Whether one of the folded names of the entity at `pos` contains
    /// `folded` (folded, not empty).
    pub fn names_contain(&self, pos: u32, folded: &str) -> bool {
        self.names_of(pos).any(|name| name.contains(folded))
    }

    /// The folded name of the entity at `pos` (empty when it folds to
    /// nothing).
    pub(super) fn folded_name(&self, pos: u32) -> &str {
        match self.is_unnamed(pos) {
            true => "",
            false => self.names_of(pos).next().unwrap_or(""),
        }
    }

    /// Whether the name of the entity at `pos` folds to nothing.
    fn is_unnamed(&self, pos: u32) -> bool {
        self.unnamed.contains(pos as usize)
    }

    /// The folded names of the entity at `pos`, its name first (unless it
    /// folds to nothing: see [`SearchIndex::is_unnamed`]).
    fn names_of(&self, pos: u32) -> std::str::SplitTerminator<'_, char> {
        let end = self.name_ends[pos as usize] as usize;
        let start = match pos.checked_sub(1) {
            Some(before) => self.name_ends[before as usize] as usize,
            None => 0,
        };
        self.names[start..end].split_terminator('\n')
    }

    /// The name bonus of the entity at `pos`: 1.0 when its name is the query,
    /// 0.95 when an alias or acronym is (either with its spaces removed),
    /// 0.85 when one of them starts with the query, otherwise 0.
    fn bonus(&self, pos: u32, query: &Query) -> f64 {
        let mut best: f64 = 0.0;
        let named = !self.is_unnamed(pos);
        for (i, name) in self.names_of(pos).enumerate() {
            let bonus = if name == query.folded
                || name
                    .bytes()
                    .filter(|&b| b != b' ')
                    .eq(query.compact.bytes())
            {
                if i == 0 && named {
                    1.0
                } else {
                    0.95
                }
            } else if name.starts_with(query.folded) {
                0.85
            } else {
                0.0
            };
            best = best.max(bonus);
        }
        best
    }
}

/// A folded query.
struct Query<'a> {
    folded: &'a str,
    /// The words that count, joined.
    compact: &'a str,
    /// How many words count.
    words: usize,
    /// Whether every word of `folded` counts.
    whole: bool,
}

/// How many edits a word of this length may be away and still match.
fn typo_budget(word: &str) -> usize {
    match word.len() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The entities every query word matches (`words`, the lists of each,
/// and `checked`, the sum of the weights of the matches of the words not
/// among them, if all match), with the sum of the weights of their matches
/// in quarters, sorted by position: the word with the fewest entries is
/// merged and walked; the others, in turn, keep those of the walk they
/// match (so that the next is looked in for fewer, often far fewer, and
/// between closer first and last positions): each list far longer than the
/// walk on its own, by galloping, and the rest merged between the first and
/// last position walked only. (In the query's order: by size, `study` after
/// `case` would keep nearly all of them.)
fn all_words<'a>(
    words: impl Iterator<Item = Vec<Part<'a>>>,
    checked: impl FnMut(u32) -> Option<u8>,
) -> Vec<(u32, u8)> {
    let words = words.map(|parts| (parts, usize::MAX));
    all_words_galloping(words, |_, _| None, checked, GALLOP_RATIO)
}

/// [`all_words`] of the words at `merged` (each word's parts beside what
/// looking for it on one entity costs, in entries merged), the words at
/// `checked` looked for on every entity found (`look`, given a word's
/// place in the query and an entity's position: its weight, if it
/// matches). A merged word whose parts would cost more to merge than
/// looking for it on every entity still walked is looked for instead
/// (`fin` of `waste division of alpine fin` in descriptions, 30,000 entries
/// in runs of lists at 1M entities, when 29 entities are left of the walk).
fn all_words_looking<'a>(
    words: impl Iterator<Item = (Vec<Part<'a>>, usize)>,
    merged: &[usize],
    checked: &[usize],
    look: impl Fn(usize, u32) -> Option<u8>,
) -> Vec<(u32, u8)> {
    all_words_galloping(
        words,
        |at, pos| look(merged[at], pos),
        |pos| {
            checked
                .iter()
                .try_fold(0, |sum, &i| Some(sum + look(i, pos)?))
        },
        GALLOP_RATIO,
    )
}

/// [`all_words_looking`], a sorted list looked in by galloping when it
/// holds more than `gallop_ratio` times the entities walked.
fn all_words_galloping<'a>(
    words: impl Iterator<Item = (Vec<Part<'a>>, usize)>,
    mut look: impl FnMut(usize, u32) -> Option<u8>,
    mut checked: impl FnMut(u32) -> Option<u8>,
    gallop_ratio: usize,
) -> Vec<(u32, u8)> {
    let words: Vec<(Vec<Part>, usize)> = words.collect();
    let sizes: Vec<usize> = words
        .iter()
        .map(|(parts, _)| parts.iter().map(|p| p.entries.len()).sum())
        .collect();
    let Some(smallest) = (0..words.len()).min_by_key(|&i| sizes[i]) else {
        return Vec::new();
    };
    let others = (0..words.len()).filter(|&i| i != smallest);
    let mut walk = Vec::with_capacity(sizes[smallest]);
    Matched::merge(words[smallest].0.iter().copied())
        .for_each(|pos, quality| walk.push((pos, quality.quarters())));
    for i in others {
        let (Some(&(first, _)), Some(&(last, _))) = (walk.first(), walk.last()) else {
            return Vec::new();
        };
        let (parts, look_cost) = &words[i];
        // A list far longer than the walk is looked in by galloping; the
        // others are merged, unless looking for the word costs less.
        let galloped =
            |p: &&Part| p.sorted && p.entries.len() > walk.len().saturating_mul(gallop_ratio);
        let merging: usize = parts
            .iter()
            .filter(|p| !galloped(p))
            .map(|p| p.entries.len())
            .sum();
        if merging > walk.len().saturating_mul(*look_cost) {
            walk.retain_mut(|(pos, sum)| match look(i, *pos) {
                Some(weight) => {
                    *sum += weight;
                    true
                }
                None => false,
            });
            continue;
        }
        let (lists, runs): (Vec<Part>, Vec<Part>) = parts.iter().partition(galloped);
        let mut sets: Vec<Matched> = lists
            .into_iter()
            .map(|list| Matched::merge_within(std::iter::once(list), first..=last))
            .collect();
        if !runs.is_empty() {
            sets.push(Matched::merge_within(runs.into_iter(), first..=last));
        }
        sets.retain(|set| !matches!(set, Matched::Sorted(none) if none.is_empty()));
        match &sets[..] {
            // Nothing between the first and the last walked.
            [] => return Vec::new(),
            // One list (the most common: a word's own list, or the one
            // made of its run): walked along beside the walk.
            &[Matched::List(list, quality)] => {
                let (weight, mut at) = (quality.quarters(), 0);
                walk.retain_mut(|(pos, sum)| {
                    let held = seek(list, &mut at, *pos) == Some(*pos);
                    *sum += if held { weight } else { 0 };
                    held
                });
                continue;
            }
            _ => {}
        }
        let mut probes: Vec<Probe> = sets.iter().map(|set| Probe { set, at: 0 }).collect();
        walk.retain_mut(|(pos, sum)| {
            match probes
                .iter_mut()
                .filter_map(|probe| probe.quality(*pos))
                .max()
            {
                Some(q) => {
                    *sum += q.quarters();
                    true
                }
                None => false,
            }
        });
    }
    walk.retain_mut(|(pos, sum)| match checked(*pos) {
        Some(more) => {
            *sum += more;
            true
        }
        None => false,
    });
    walk
}

/// One query word matched against an entity's folded names as the index
/// of names matches it: their words, and each name with its spaces removed.
struct NameCheck<'w> {
    word: &'w [u8],
    /// Set when the word matches by typos only (it is no indexed word and
    /// starts none).
    typos: Option<Typos<'w>>,
}

impl<'w> NameCheck<'w> {
    /// `word`, matched as `lists` (what it matches in the index) says: by
    /// typos when they hold its typos.
    fn new(word: &'w str, lists: &Lists) -> NameCheck<'w> {
        NameCheck {
            word: word.as_bytes(),
            typos: (!lists.typos.is_empty())
                .then(|| Typos::new(word.as_bytes(), typo_budget(word))),
        }
    }

    /// The best quality the word matches one of `names` with, if any.
    fn quality<'n>(&self, names: impl Iterator<Item = &'n str>) -> Option<Quality> {
        let mut best = None;
        for name in names {
            best = best.max(match (&self.typos, self.word.first()) {
                (None, Some(&first)) => self.quality_in(name.as_bytes(), first),
                _ => self.quality_by_words(name),
            });
            if best == Some(Quality::Exact) {
                break;
            }
        }
        best
    }

    /// The best quality the word matches one name with: each of its words,
    /// and the name with its spaces removed.
    fn quality_by_words(&self, name: &str) -> Option<Quality> {
        let mut best = None;
        for word in name.split(' ') {
            best = best.max(self.matches(word.bytes()));
        }
        if name.contains(' ') {
            best = best.max(self.matches(name.bytes().filter(|&b| b != b' ')));
        }
        best
    }

    /// [`NameCheck::quality_by_words`] of a word matched without typos,
    /// whose first byte is `first`: looked for where each word of the name
    /// starts, in one pass over it, rather than split into words (a check
    /// on names cost about 960 instructions at 1M entities, most of them
    /// in splitting).
    fn quality_in(&self, name: &[u8], first: u8) -> Option<Quality> {
        let mut best = None;
        let mut rest = name;
        let mut spaced = false;
        loop {
            // The word holds no space: where it starts a name's word, it
            // ends within it.
            if rest.first() == Some(&first) && rest.starts_with(self.word) {
                match rest.get(self.word.len()) {
                    None | Some(b' ') => return Some(Quality::Exact),
                    Some(_) => best = Some(Quality::Prefix),
                }
            }
            match rest.iter().position(|&b| b == b' ') {
                Some(space) => {
                    spaced = true;
                    rest = &rest[space + 1..];
                }
                None => break,
            }
        }
        // Folded names start with no space: the name with its spaces
        // removed starts with the name's first byte.
        if spaced && name.first() == Some(&first) {
            best = best.max(self.matches(name.iter().copied().filter(|&b| b != b' ')));
        }
        best
    }

    /// How the word matches one indexed word, if it does.
    fn matches(&self, indexed: impl Iterator<Item = u8>) -> Option<Quality> {
        use fst::Automaton;
        if let Some(typos) = &self.typos {
            let mut state = typos.start();
            for b in indexed {
                if !typos.can_match(&state) {
                    return None;
                }
                state = typos.accept(&state, b);
            }
            return typos.is_match(&state).then_some(Quality::Typo);
        }
        let mut indexed = indexed;
        for &b in self.word {
            if indexed.next() != Some(b) {
                return None;
            }
        }
        Some(match indexed.next() {
            None => Quality::Exact,
            Some(_) => Quality::Prefix,
        })
    }
}

/// The entities one query word matches, each with the best quality it
/// matches with.
enum Matched<'a> {
    /// One posting list (entries, not positions), all of one quality.
    List(&'a [u32], Quality),
    /// Few, sorted by position.
    Sorted(Vec<(u32, Quality)>),
    /// Many: a bitmap of positions from `base` for each quality, the best
    /// first.
    Bitmaps {
        base: usize,
        planes: Vec<(Quality, Vec<u64>)>,
    },
}

impl<'a> Matched<'a> {
    /// The union of posting lists, by sorting when they are sparse, else
    /// through bitmaps.
    fn merge(parts: impl Iterator<Item = Part<'a>>) -> Matched<'a> {
        Matched::merge_within(parts, 0..=u32::MAX)
    }

    /// [`Matched::merge`] of the entities at positions `within` only: a
    /// sorted list is cut to them, a run of lists filtered.
    fn merge_within(
        parts: impl Iterator<Item = Part<'a>>,
        within: std::ops::RangeInclusive<u32>,
    ) -> Matched<'a> {
        let (&first, &last) = (within.start(), within.end());
        let parts: Vec<Part> = parts
            .map(|p| match p.sorted {
                true => {
                    let from = p.entries.partition_point(|&e| e >> 1 < first);
                    let to = p.entries.partition_point(|&e| e >> 1 <= last);
                    Part {
                        entries: &p.entries[from..to.max(from)],
                        ..p
                    }
                }
                false => p,
            })
            .filter(|p| !p.entries.is_empty())
            .collect();
        match parts[..] {
            [] => return Matched::Sorted(Vec::new()),
            [Part {
                entries,
                quality,
                sorted: true,
            }] => return Matched::List(entries, quality),
            _ => {}
        }
        let inside = |p: &Part<'a>| {
            let sorted = p.sorted;
            p.entries
                .iter()
                .map(|&e| e >> 1)
                .filter(move |&pos| sorted || (first..=last).contains(&pos))
        };
        let total: usize = parts.iter().map(|p| p.entries.len()).sum();
        let (low, high) = parts
            .iter()
            .map(|p| match (p.sorted, p.entries) {
                (true, [first, .., last]) => (first >> 1, last >> 1),
                _ => inside(p).fold((u32::MAX, 0), |(low, high), pos| {
                    (low.min(pos), high.max(pos))
                }),
            })
            .fold((u32::MAX, 0), |(low, high), (first, last)| {
                (low.min(first), high.max(last))
            });
        if low > high {
            return Matched::Sorted(Vec::new());
        }
        let base = low as usize & !63;
        let span = (high as usize - base) / 64 + 1;
        if total < span {
            // The runs' entries sorted, and the sorted lists merged in.
            let mut all: Vec<(u32, Quality)> = parts
                .iter()
                .filter(|p| !p.sorted)
                .flat_map(|p| inside(p).map(move |pos| (pos, p.quality)))
                .collect();
            all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            all.dedup_by_key(|h| h.0);
            for p in parts.iter().filter(|p| p.sorted) {
                all = merge_sorted(&all, inside(p).map(|pos| (pos, p.quality)));
            }
            return Matched::Sorted(all);
        }
        let mut planes: Vec<(Quality, Vec<u64>)> = Vec::new();
        for p in &parts {
            let plane = match planes.iter().position(|plane| plane.0 == p.quality) {
                Some(plane) => plane,
                None => {
                    planes.push((p.quality, vec![0; span]));
                    planes.len() - 1
                }
            };
            let bits = &mut planes[plane].1;
            for pos in inside(p) {
                let i = pos as usize - base;
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        planes.sort_unstable_by_key(|p| Reverse(p.0));
        Matched::Bitmaps { base, planes }
    }

    /// Calls `f` with every entity and its quality, by position.
    fn for_each(&self, mut f: impl FnMut(u32, Quality)) {
        match self {
            Matched::List(list, quality) => list.iter().for_each(|&e| f(e >> 1, *quality)),
            Matched::Sorted(hits) => hits.iter().for_each(|&(pos, q)| f(pos, q)),
            Matched::Bitmaps { base, planes, .. } => {
                let span = planes.first().map_or(0, |p| p.1.len());
                for w in 0..span {
                    let mut any = planes.iter().fold(0, |bits, p| bits | p.1[w]);
                    while any != 0 {
                        let bit = any.trailing_zeros();
                        let quality = planes
                            .iter()
                            .find(|p| p.1[w] >> bit & 1 != 0)
                            .map_or(Quality::Typo, |p| p.0);
                        f((base + w * 64) as u32 + bit, quality);
                        any &= any - 1;
                    }
                }
            }
        }
    }
}

/// `sorted` and `more`, both sorted by position, in one list sorted by
/// position, each position once with its best quality.
fn merge_sorted(
    sorted: &[(u32, Quality)],
    more: impl Iterator<Item = (u32, Quality)>,
) -> Vec<(u32, Quality)> {
    let mut out: Vec<(u32, Quality)> = Vec::with_capacity(sorted.len() + more.size_hint().0);
    let mut push = |(pos, quality): (u32, Quality)| match out.last_mut() {
        Some(last) if last.0 == pos => last.1 = last.1.max(quality),
        _ => out.push((pos, quality)),
    };
    let mut rest = sorted.iter().copied().peekable();
    for hit in more {
        while let Some(earlier) = rest.next_if(|e| e.0 <= hit.0) {
            push(earlier);
        }
        push(hit);
    }
    rest.for_each(&mut push);
    out
}

/// Looks entities up in a [`Matched`], in increasing position order.
struct Probe<'m, 'a> {
    set: &'m Matched<'a>,
    /// How far into a list or sorted set the positions asked so far are.
    at: usize,
}

impl Probe<'_, '_> {
    /// The quality `pos` matches with, if it does; `pos` is past the last
    /// position asked.
    fn quality(&mut self, pos: u32) -> Option<Quality> {
        match self.set {
            Matched::List(list, quality) => {
                (seek(list, &mut self.at, pos) == Some(pos)).then_some(*quality)
            }
            Matched::Sorted(hits) => {
                self.at += gallop(&hits[self.at..], |h| h.0 < pos);
                hits.get(self.at).filter(|h| h.0 == pos).map(|h| h.1)
            }
            Matched::Bitmaps { base, planes, .. } => {
                let i = (pos as usize).checked_sub(*base)?;
                planes
                    .iter()
                    .find(|p| {
                        p.1.get(i / 64)
                            .is_some_and(|bits| bits >> (i % 64) & 1 != 0)
                    })
                    .map(|p| p.0)
            }
        }
    }
}

/// The first position from `pos` on in posting list `list`, its cursor `at`
/// (how far into it earlier positions, not after `pos`, were sought) moved
/// to it.
fn seek(list: &[u32], at: &mut usize, pos: u32) -> Option<u32> {
    *at += gallop(&list[*at..], |&e| e >> 1 < pos);
    list.get(*at).map(|&e| e >> 1)
}

/// The number of leading entries of `sorted` that are `before` the sought
/// one, found in doubling steps from the start: cheap when it is near.
fn gallop<T>(sorted: &[T], before: impl Fn(&T) -> bool) -> usize {
    // Most are a step or two away (lists of similar lengths walked side by
    // side): those are stepped to.
    const STEPS: usize = 4;
    for (i, entry) in sorted.iter().take(STEPS).enumerate() {
        if !before(entry) {
            return i;
        }
    }
    if sorted.len() <= STEPS {
        return sorted.len();
    }
    let mut bound = STEPS;
    while bound < sorted.len() && before(&sorted[bound]) {
        bound *= 2;
    }
    let low = bound / 2;
    let high = bound.min(sorted.len());
    low + sorted[low..high].partition_point(before)
}

/// The entities whose names hold every word of a query, each with the sum
/// of its words' match weights in quarters.
enum Candidates<'l, 'a> {
    /// A query of several words (`in_names`, what each matches in the
    /// index of names): listed when first needed, as a search whose first
    /// ten hits earn a name bonus needs no list.
    Words {
        index: &'l SearchIndex,
        words: &'l [&'l str],
        in_names: &'l [Lists<'a>],
        listed: std::cell::OnceCell<Vec<(u32, u8)>>,
        /// For each word, the runs of lists of the longer words and whole
        /// names it starts made into one set ([`MadeRun`]), once
        /// [`Candidates::by_tiers`] has made it: listing looks in its list.
        made: Vec<std::cell::OnceCell<MadeRun>>,
    },
    /// A one-word query: the posting lists of the indexed words its word
    /// matches (see [`WordIndex::matching`]), not merged.
    OneWord(&'l Lists<'a>),
}

impl<'l, 'a> Candidates<'l, 'a> {
    /// The candidates of a query of several words, `in_names` what each
    /// matches in the index of names.
    fn words(
        index: &'l SearchIndex,
        words: &'l [&'l str],
        in_names: &'l [Lists<'a>],
    ) -> Candidates<'l, 'a> {
        Candidates::Words {
            index,
            words,
            in_names,
            listed: std::cell::OnceCell::new(),
            made: words.iter().map(|_| std::cell::OnceCell::new()).collect(),
        }
    }

    /// Whether the entity at `pos` is a candidate: every query word is
    /// looked for in its names when they are not listed yet. For a one-word
    /// query, asked only of entities found in the lists of the words its
    /// word starts (the `starting` lists of [`SearchIndex::name_hits`],
    /// which are its own lists): always one.
    fn holds(&self, pos: u32) -> bool {
        match self {
            Candidates::Words {
                index,
                words,
                in_names,
                listed,
                ..
            } => match listed.get() {
                Some(all) => all.binary_search_by_key(&pos, |c| c.0).is_ok(),
                None => words.iter().zip(*in_names).all(|(word, lists)| {
                    NameCheck::new(word, lists)
                        .quality(index.names_of(pos))
                        .is_some()
                }),
            },
            Candidates::OneWord(_) => true,
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.listed().is_empty()
    }

    /// Every candidate, sorted by position.
    fn listed(&self) -> std::borrow::Cow<'_, [(u32, u8)]> {
        match self {
            Candidates::Words {
                index,
                words,
                in_names,
                listed,
                made,
            } => std::borrow::Cow::Borrowed(
                listed
                    .get_or_init(|| index.all_name_words(words, in_names, made, ENTRIES_PER_CHECK)),
            ),
            Candidates::OneWord(lists) => {
                std::borrow::Cow::Owned(all_words(std::iter::once(lists.parts().collect()), |_| {
                    Some(0)
                }))
            }
        }
    }

    /// What [`best_first`] takes from every candidate. For one word, read
    /// off its lists best quality first, each quality by position, and
    /// stopping at `n`, instead of listing every candidate. For a few
    /// words, the same tier by tier ([`Candidates::by_tiers`]) unless that
    /// costs more than listing them.
    fn best_first(&self, n: usize, take: impl Fn(u32) -> bool) -> Vec<(u32, u8)> {
        let lists = match self {
            Candidates::Words { listed, .. } => {
                if listed.get().is_none() {
                    if let Some(found) = self.by_tiers(n, &take) {
                        return found;
                    }
                }
                return best_first(&self.listed(), n, take);
            }
            Candidates::OneWord(lists) => lists,
        };
        // An entity counts with its best quality. A word matched by typos
        // matches no word exactly or by its start (`WordIndex::matching`).
        let in_exact = |pos: u32| lists.exact.binary_search_by_key(&pos, |e| e >> 1).is_ok();
        let exact = lists.exact.iter().map(|&e| (e >> 1, Quality::Exact));
        let longer = lists
            .longer_by_position(false)
            .filter(|&pos| !in_exact(pos))
            .map(|pos| (pos, Quality::Prefix));
        let typos = lists.typos_by_position().map(|pos| (pos, Quality::Typo));
        exact
            .chain(longer)
            .chain(typos)
            .filter(|&(pos, _)| take(pos))
            .take(n)
            .map(|(pos, quality)| (pos, quality.quarters()))
            .collect()
    }
}

impl Candidates<'_, '_> {
    /// [`Candidates::best_first`] for a query of a few words, without
    /// listing every candidate; `None` when that would cost more.
    ///
    /// A word matched by typos always weighs the same; each other word
    /// weighs more when it is a word of the names than when it starts one.
    /// So the candidates rank by how many words they hold exactly, then by
    /// position: a tier of candidates for each such count, and within a
    /// tier one set for each choice of the words held exactly. Each set is
    /// read by position off a list that holds it: the shortest of its
    /// words' own lists, or when none is held exactly, the shortest of the
    /// words' lists. An entity read is kept when it is in the own lists of
    /// the set's words and of no other word, and its names hold the other
    /// words ([`NameCheck`]). A tier is read until `n` are taken or it
    /// ends. Reading stops, and `None` is answered, past a share of the
    /// work of listing the candidates: positions follow ids, which often
    /// follow names, so the first few of a set can be far down its list.
    fn by_tiers(&self, n: usize, take: &impl Fn(u32) -> bool) -> Option<Vec<(u32, u8)>> {
        let Candidates::Words {
            index,
            words,
            in_names,
            listed,
            made,
        } = self
        else {
            return None;
        };
        if words.len() > MAX_TIERED_WORDS {
            return None;
        }
        let sizes: Vec<usize> = in_names.iter().map(Lists::len).collect();
        let end = index.name_words.end;
        if sizes.contains(&0) {
            return Some(Vec::new());
        }
        let checks: Vec<NameCheck> = words
            .iter()
            .zip(*in_names)
            .map(|(word, lists)| NameCheck::new(word, lists))
            .collect();
        let exactable: u32 = (0..words.len())
            .filter(|&i| in_names[i].typos.is_empty())
            .fold(0, |bits, i| bits | 1 << i);
        // The words no longer word or name starts: held exactly by every
        // candidate, so in every set that is not empty (`waste`, `division`
        // and `alpine` of `waste division of alpine fin`; without this, the
        // tiers of three words held exactly and fewer were read, each
        // entity checked on names and found in none, until reading cost
        // more than listing).
        let only_exact: u32 = (0..words.len())
            .filter(|&i| {
                let lists = &in_names[i];
                lists.typos.is_empty()
                    && lists.initial.is_none()
                    && lists.longer.is_empty()
                    && lists.spanning.is_empty()
            })
            .fold(0, |bits, i| bits | 1 << i);
        // In probes of a sorted list; a check on names costs `CHECK_COST`.
        // What listing costs, in entries merged: the words it checks on
        // names instead cost a check for each entry of the shortest.
        let shortest = sizes.iter().copied().min().unwrap_or(0);
        let listing: usize = sizes
            .iter()
            .map(
                |&size| match checked_on_names(size, shortest, ENTRIES_PER_CHECK) {
                    true => shortest * ENTRIES_PER_CHECK,
                    false => size,
                },
            )
            .sum();
        let mut budget = listing / ENTRIES_PER_PROBE + MIN_PROBES;
        let mut out = Vec::new();
        // Every candidate read, kept or not: all of them once every tier is
        // read, which spares listing them again (a query with fewer hits
        // than asked for looks in descriptions, apart from them).
        let mut every = Vec::new();
        // A word of three letters or more, not held exactly, is checked on
        // names; once those checks have cost as much as listing would
        // spend on the lists of the longer words it starts, those are made
        // into one set ([`MadeRun`]), looked in and leapfrogged along as a
        // word of one or two letters' list is (`energy and inn`: of
        // the 7,000 sessions about energy and something, the 300 about
        // innovation).
        let mut spent_on_names = [0; MAX_TIERED_WORDS];
        // The sorted list of word `j`'s starts, if it has one: its one or
        // two letters' list, or the set made of its run.
        let sorted_starts = |j: usize| match in_names[j].one_list() {
            Some(list) => Some(Sorted::List(list)),
            None => made[j].get().map(MadeRun::sorted),
        };
        for held in (only_exact.count_ones()..=exactable.count_ones()).rev() {
            let mut sets: Vec<TierSet> = Vec::new();
            for exact in 0..=exactable {
                if exact & !exactable != 0
                    || exact & only_exact != only_exact
                    || exact.count_ones() != held
                {
                    continue;
                }
                let from = if exact == 0 {
                    let i = (0..words.len()).min_by_key(|&i| sizes[i])?;
                    let lists = &in_names[i];
                    match lists.one_list() {
                        Some(initial) => ListByPosition::List(initial),
                        None if lists.typos.is_empty() => {
                            ListByPosition::Run(lists.longer_by_position(false))
                        }
                        None => ListByPosition::Run(lists.typos_by_position()),
                    }
                } else {
                    let i = (0..words.len())
                        .filter(|&i| exact >> i & 1 != 0)
                        .min_by_key(|&i| in_names[i].exact.len())?;
                    ListByPosition::List(&in_names[i].exact)
                };
                sets.push(TierSet {
                    exact,
                    from,
                    at: [0; MAX_TIERED_WORDS],
                    at_initial: [0; MAX_TIERED_WORDS],
                });
            }
            // The sets' entities by position (an entity is in one set of a
            // tier at most, but may be read from the lists of several).
            let mut heads: BinaryHeap<Reverse<(u32, usize)>> = BinaryHeap::new();
            for (i, set) in sets.iter_mut().enumerate() {
                if let Some(pos) = set.from.next_from(0) {
                    heads.push(Reverse((pos, i)));
                }
            }
            while let Some(Reverse((pos, i))) = heads.pop() {
                let set = &mut sets[i];
                // Where the set's next entity may be: past this one, or,
                // when this one misses a word the set holds exactly, at
                // that word's next entity or later (so a set holding two
                // words exactly leapfrogs along their lists).
                let mut from = Some(pos + 1);
                let mut fits = true;
                // The first word of the set it does not hold exactly, if
                // any. With none, the sorted lists of the other words'
                // starts are looked in even when it is out (it holds
                // another word exactly, or its names miss one), as the
                // set's next entity is in each of them too. (In `waste
                // division of alpine fin`, the entities holding `waste`,
                // `division` and `alpine` exactly nearly all hold `of`
                // exactly, and so are out of their set: `fin`'s list leads
                // past them to the few that hold a word starting with
                // `fin`.)
                let mut missed = None;
                for (j, lists) in in_names.iter().enumerate() {
                    if exactable >> j & 1 != 0 {
                        budget = budget.checked_sub(1)?;
                        let next = seek(&lists.exact, &mut set.at[j], pos);
                        let in_set = set.exact >> j & 1 != 0;
                        if (next == Some(pos)) != in_set {
                            fits = false;
                            if in_set {
                                from = next;
                                missed = Some(j);
                                break;
                            }
                        }
                    }
                }
                if let Some(missed) = missed {
                    // Past the next entity of the word it misses, the set's
                    // next is also at or past the next of each set word
                    // after that one, and of each sorted list of the other
                    // words' starts: each is sought from there, so a set
                    // leapfrogs along them all at once (`ministry finance
                    // alpine of div` at 1M: along the bits of `div`'s run,
                    // past the many entities of `alpine finance ministry`).
                    // The set words before it held this entity; seeking
                    // them too cost more than it spared (`health and was`
                    // ran out of budget and listed, at 100k).
                    for (j, lists) in in_names.iter().enumerate() {
                        let Some(at) = from else { break };
                        if set.exact >> j & 1 != 0 {
                            if j > missed {
                                budget = budget.checked_sub(1)?;
                                from = seek(&lists.exact, &mut set.at[j], at);
                            }
                            continue;
                        }
                        if let Some(sorted) = sorted_starts(j) {
                            budget = budget.checked_sub(1)?;
                            from = sorted.seek(&mut set.at_initial[j], at);
                        }
                    }
                }
                let mut sum = Quality::Exact.quarters() * held as u8;
                for (j, check) in checks.iter().enumerate() {
                    if missed.is_some() || set.exact >> j & 1 != 0 {
                        continue;
                    }
                    let lists = &in_names[j];
                    let sorted = sorted_starts(j);
                    if !fits && sorted.is_none() {
                        continue;
                    }
                    let quality = if let Some(initial) = sorted {
                        // Not held exactly (see above): held by its start,
                        // if in the sorted list of its one or two letters
                        // (or the set made of its run); if not, the set's
                        // next entity is at that list's next or later.
                        budget = budget.checked_sub(1)?;
                        let next = initial.seek(&mut set.at_initial[j], pos);
                        if next != Some(pos) {
                            from = from.zip(next).map(|(a, b)| a.max(b));
                        }
                        (next == Some(pos)).then_some(Quality::Prefix)
                    } else if lists.typos.is_empty() {
                        budget = budget.checked_sub(CHECK_COST)?;
                        spent_on_names[j] += CHECK_COST;
                        let runs = lists.runs().map(|run| run.len()).sum::<usize>();
                        let making = runs / ENTRIES_PER_PROBE;
                        if spent_on_names[j] >= making {
                            budget = budget.checked_sub(making)?;
                            made[j].get_or_init(|| match lists.spanning.is_empty() {
                                true => MadeRun::new(&lists.entries[lists.longer.clone()], end),
                                false => {
                                    let runs: Vec<u32> = lists
                                        .runs()
                                        .flat_map(|run| &lists.entries[run])
                                        .copied()
                                        .collect();
                                    MadeRun::new(&runs, end)
                                }
                            });
                        }
                        check.quality(index.names_of(pos))
                    } else {
                        // The lists of the words within the typo budget
                        // are sorted, and cheaper to look in than names.
                        budget = budget.checked_sub(lists.typos.len())?;
                        let mut typos = lists.typos.iter();
                        typos
                            .any(|typo| {
                                let list = &lists.entries[typo.clone()];
                                list.binary_search_by_key(&pos, |e| e >> 1).is_ok()
                            })
                            .then_some(Quality::Typo)
                    };
                    match quality {
                        Some(q) => sum += q.quarters(),
                        None => fits = false,
                    }
                }
                if fits {
                    every.push((pos, sum));
                    if take(pos) {
                        out.push((pos, sum));
                        if out.len() == n {
                            return Some(out);
                        }
                    }
                }
                if let Some(next) = from.and_then(|from| set.from.next_from(from)) {
                    heads.push(Reverse((next, i)));
                }
            }
        }
        every.sort_unstable();
        // Set here only, and tiers are read only while it is unset.
        let _ = listed.set(every);
        Some(out)
    }
}

/// A word whose lists hold more than this many times the entries of the
/// shortest word's is checked on names rather than merged: a check, a few
/// reads far apart in memory, costs about as much as merging this many
/// entries.
const ENTRIES_PER_CHECK: usize = 64;

/// Whether listing the candidates checks a word whose lists hold `size`
/// entries on names rather than merge it, the shortest word's holding
/// `shortest`: when it holds more than `entries_per_check` times as many.
fn checked_on_names(size: usize, shortest: usize, entries_per_check: usize) -> bool {
    size / entries_per_check > shortest
}

/// [`SearchIndex::all_words_in_either`] looks for a word in names and
/// description lists rather than merge its lists when they hold more than
/// this many times the entries of the shortest word's: a check on names,
/// as [`ENTRIES_PER_CHECK`], and a binary search of each list, as about
/// 16 entries merged.
const CHECK_IN_EITHER: (usize, usize) = (ENTRIES_PER_CHECK, 16);

/// [`all_words`] looks in a sorted list on its own, rather than merge it,
/// when it holds more than this many times the entities walked. (4 when
/// every word was looked for in the whole walk: 16 costs 6-8% fewer
/// instructions than 4 for `session 4: climate and fin` and `session 9:
/// innovation and ci` at 100k entities, within 1% for others.)
const GALLOP_RATIO: usize = 16;

/// Queries of more words than this are ranked by listing their candidates
/// ([`Candidates::by_tiers`] reads a set for each choice of words).
const MAX_TIERED_WORDS: usize = 6;

/// [`Candidates::by_tiers`] probes a sorted list at most once for this many
/// list entries that listing the candidates would merge (a probe costs
/// about as much as merging a few dozen entries; the rest is a margin,
/// halved since listing keeps fewer walked entities word after word: of
/// 1,105 keystrokes typing names at 1M, 8-11 over 200 µs instead of 13-15;
/// 512 left the tail as it was and raised the p90 of words reversed from 37
/// to 53 µs)...
const ENTRIES_PER_PROBE: usize = 256;

/// ... and at least this many times.
const MIN_PROBES: usize = 256;

/// A check on names costs about as much as this many probes.
const CHECK_COST: usize = 3;

/// One set of a tier of [`Candidates::by_tiers`]: the words its entities
/// hold exactly (as bits), the list they are read from, and how far into
/// each word's own list, and into a one-letter word's list of its letter,
/// the positions read are.
struct TierSet<'a> {
    exact: u32,
    from: ListByPosition<'a>,
    at: [usize; MAX_TIERED_WORDS],
    at_initial: [usize; MAX_TIERED_WORDS],
}

/// A posting list, or a run of them, read by position.
enum ListByPosition<'a> {
    /// The entries of a list not read yet.
    List(&'a [u32]),
    Run(ByPosition<'a>),
}

impl ListByPosition<'_> {
    /// The first position from `from` on, read.
    fn next_from(&mut self, from: u32) -> Option<u32> {
        match self {
            ListByPosition::List(rest) => {
                let (&first, after) = rest[gallop(rest, |&e| e >> 1 < from)..].split_first()?;
                *rest = after;
                Some(first >> 1)
            }
            ListByPosition::Run(run) => run.find(|&pos| pos >= from),
        }
    }
}

/// The first `n` entries of `candidates` (sorted by position) that `take`
/// takes, the largest sums first, ties by position.
fn best_first(candidates: &[(u32, u8)], n: usize, take: impl Fn(u32) -> bool) -> Vec<(u32, u8)> {
    let mut sums = candidates.iter().fold(0u128, |set, c| set | 1 << c.1);
    let mut out = Vec::new();
    while sums != 0 && out.len() < n {
        let sum = (127 - sums.leading_zeros()) as u8;
        sums &= !(1 << sum);
        for &(pos, s) in candidates {
            if s == sum && take(pos) {
                out.push((pos, s));
                if out.len() == n {
                    break;
                }
            }
        }
    }
    out
}

/// Half the width of the band of the edit-distance table that [`Typos`]
/// keeps: the largest typo budget. Cells further from the diagonal hold a
/// distance above any budget.
const BAND_HALF: usize = 2;
const BAND: usize = 2 * BAND_HALF + 1;

/// An automaton over the keys of words only, or (`whole`) over the keys of
/// whole names only ([`WHOLE_KEY`]) as `inner` over their names with the
/// spaces removed.
struct Keyed<A> {
    inner: A,
    whole: bool,
}

/// Where [`Keyed`] is in a key.
#[derive(Clone)]
enum KeyedState<S> {
    Start,
    In(S),
    /// In a key of the other kind.
    Out,
}

impl<A: fst::Automaton<State: Clone>> fst::Automaton for Keyed<A> {
    type State = KeyedState<A::State>;

    fn start(&self) -> Self::State {
        KeyedState::Start
    }

    fn is_match(&self, state: &Self::State) -> bool {
        matches!(state, KeyedState::In(s) if self.inner.is_match(s))
    }

    fn can_match(&self, state: &Self::State) -> bool {
        match state {
            KeyedState::Start => true,
            KeyedState::In(s) => self.inner.can_match(s),
            KeyedState::Out => false,
        }
    }

    fn will_always_match(&self, state: &Self::State) -> bool {
        matches!(state, KeyedState::In(s) if self.inner.will_always_match(s))
    }

    fn accept(&self, state: &Self::State, byte: u8) -> Self::State {
        match state {
            KeyedState::Start => match (self.whole, byte == WHOLE_KEY) {
                (true, true) => KeyedState::In(self.inner.start()),
                (false, false) => KeyedState::In(self.inner.accept(&self.inner.start(), byte)),
                _ => KeyedState::Out,
            },
            KeyedState::In(s) if self.whole && byte == b' ' => KeyedState::In(s.clone()),
            KeyedState::In(s) => KeyedState::In(self.inner.accept(s, byte)),
            KeyedState::Out => KeyedState::Out,
        }
    }
}

/// An automaton over the bytes of indexed words that accepts those within
/// `budget` edits of `word` (optimal string alignment distance: a swap of
/// two neighbouring bytes is one edit), and those whose first `word.len()`
/// bytes are (a typo in the start of a longer word being typed).
struct Typos<'w> {
    word: &'w [u8],
    budget: u8,
}

/// Where [`Typos`] is in an indexed word.
#[derive(Clone, Copy)]
enum TypoState {
    /// `depth` bytes read. `row[t]` is the distance between them and the
    /// first `depth + t - BAND_HALF` bytes of the word, `above` the same a
    /// byte earlier; both are capped at `budget + 1`, which is also what a
    /// cell past either end of the word holds. `last` is the byte read last.
    Row {
        depth: usize,
        last: Option<u8>,
        row: [u8; BAND],
        above: [u8; BAND],
    },
    /// The first `word.len()` bytes read are within the budget: so is every
    /// word that starts with them.
    Always,
}

impl Typos<'_> {
    fn new(word: &[u8], budget: usize) -> Typos<'_> {
        assert!(budget <= BAND_HALF, "typo budgets are at most {BAND_HALF}");
        Typos {
            word,
            budget: budget as u8,
        }
    }

    fn state(
        &self,
        depth: usize,
        last: Option<u8>,
        row: [u8; BAND],
        above: [u8; BAND],
    ) -> TypoState {
        if depth == self.word.len() && row[BAND_HALF] <= self.budget {
            TypoState::Always
        } else {
            TypoState::Row {
                depth,
                last,
                row,
                above,
            }
        }
    }
}

impl fst::Automaton for Typos<'_> {
    type State = TypoState;

    fn start(&self) -> TypoState {
        let cap = self.budget + 1;
        let mut row = [cap; BAND];
        for (j, cell) in row[BAND_HALF..].iter_mut().enumerate() {
            if j <= self.word.len() {
                *cell = (j as u8).min(cap);
            }
        }
        self.state(0, None, row, [cap; BAND])
    }

    fn is_match(&self, state: &TypoState) -> bool {
        match *state {
            TypoState::Always => true,
            // The cell of the whole word, when in the band.
            TypoState::Row { depth, row, .. } => (self.word.len() + BAND_HALF)
                .checked_sub(depth)
                .and_then(|t| row.get(t))
                .is_some_and(|&d| d <= self.budget),
        }
    }

    fn can_match(&self, state: &TypoState) -> bool {
        // No row of the table is below the one before it.
        match state {
            TypoState::Always => true,
            TypoState::Row { row, .. } => row.iter().any(|&d| d <= self.budget),
        }
    }

    fn will_always_match(&self, state: &TypoState) -> bool {
        matches!(state, TypoState::Always)
    }

    fn accept(&self, state: &TypoState, byte: u8) -> TypoState {
        let TypoState::Row {
            depth,
            last,
            row,
            above,
        } = *state
        else {
            return TypoState::Always;
        };
        let cap = self.budget + 1;
        let depth = depth + 1;
        let mut next = [cap; BAND];
        for t in 0..BAND {
            // Column `j` of row `depth`: `row` holds it at `t + 1`, column
            // `j - 1` at `t`, and `above` column `j - 2` at `t`.
            let Some(j) = (depth + t).checked_sub(BAND_HALF) else {
                continue;
            };
            if j > self.word.len() {
                break;
            }
            if j == 0 {
                next[t] = depth.min(usize::from(cap)) as u8;
                continue;
            }
            let up = row.get(t + 1).copied().unwrap_or(cap);
            let left = t.checked_sub(1).map_or(cap, |l| next[l]);
            let mut d = (up + 1)
                .min(left + 1)
                .min(row[t] + u8::from(byte != self.word[j - 1]));
            if let Some(last) = last {
                if j >= 2 && byte == self.word[j - 2] && last == self.word[j - 1] {
                    d = d.min(above[t] + 1);
                }
            }
            next[t] = d.min(cap);
        }
        self.state(depth, Some(byte), next, row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fst::Automaton;
    use std::collections::BTreeMap;

    #[test]
    fn fold_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("  Ébru CANAN-Sokullu! "), "ebru canan sokullu");
        assert_eq!(fold("UN-Habitat"), "un habitat");
        assert_eq!(fold("--"), "");
    }

    proptest::proptest! {
        /// `fold` reads bytes of the transliterated text, borrowed when it
        /// is ASCII: the same as transliterating into a new string and
        /// reading its characters.
        #[test]
        fn fold_matches_folding_a_transliterated_copy(text in "\\PC{0,24}|[a-zA-Zéü ,.'\\-]{0,24}") {
            let copy = deunicode::deunicode(&text);
            let mut expected = String::new();
            let mut pending_space = false;
            for c in copy.chars() {
                if c.is_ascii_alphanumeric() {
                    if pending_space && !expected.is_empty() {
                        expected.push(' ');
                    }
                    pending_space = false;
                    expected.push(c.to_ascii_lowercase());
                } else {
                    pending_space = true;
                }
            }
            proptest::prop_assert_eq!(fold(&text), expected);
        }
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget("itu"), 0);
        assert_eq!(typo_budget("geray"), 1);
        assert_eq!(typo_budget("infrastructure"), 2);
    }

    /// What the typo automaton must accept, from `strsim`'s optimal string
    /// alignment distance: `key` within `budget` of `word`, or its start
    /// as long as `word` is.
    fn close(key: &str, word: &str, budget: usize) -> bool {
        strsim::osa_distance(key, word) <= budget
            || (key.len() > word.len() && strsim::osa_distance(&key[..word.len()], word) <= budget)
    }

    /// Runs the automaton over `key`, checking on the way that it gives up
    /// only on keys it rejects.
    fn accepts(typos: &Typos, key: &str) -> bool {
        let mut state = typos.start();
        let mut gave_up = false;
        for &b in key.as_bytes() {
            gave_up |= !typos.can_match(&state);
            state = typos.accept(&state, b);
        }
        let accepted = typos.is_match(&state);
        assert!(!(gave_up && accepted), "{key:?} gave up on, then accepted");
        accepted
    }

    #[test]
    fn typo_automaton_agrees_with_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "geray",
            "garey",
            "gerya",
            "okan",
            "infrastructure",
            "infrastrcuture",
            "unhabitat",
            "habitat",
            "itu",
            "tui",
            "abcdef",
            "badcfe",
        ];
        for key in words {
            for word in words {
                for budget in 0..=BAND_HALF {
                    let typos = Typos::new(word.as_bytes(), budget);
                    assert_eq!(
                        accepts(&typos, key),
                        close(key, word, budget),
                        "{key} {word} {budget}"
                    );
                }
            }
        }
    }

    fn random_word(rng: &mut fastrand::Rng, letters: &[u8], max: usize) -> String {
        let len = rng.usize(0..=max);
        (0..len)
            .map(|_| char::from(letters[rng.usize(..letters.len())]))
            .collect()
    }

    #[test]
    fn typo_automaton_agrees_with_strsim_on_random_words() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let key = random_word(&mut rng, b"abc", 10);
            let word = random_word(&mut rng, b"abc", 10);
            let budget = rng.usize(0..=BAND_HALF);
            let typos = Typos::new(word.as_bytes(), budget);
            assert_eq!(
                accepts(&typos, &key),
                close(&key, &word, budget),
                "{key} {word} {budget}"
            );
        }
    }

    #[test]
    fn typo_walk_of_the_index_finds_what_a_scan_finds() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut map = Words::default();
        for pos in 0..3000 {
            let word = random_word(&mut rng, b"abcde", 9);
            if !word.is_empty() {
                add(&mut map, &word, pos, false);
            }
        }
        let mut keys: Vec<String> = map.keys().map(|k| k.to_string()).collect();
        keys.sort_unstable();
        let index = WordIndex::build(map, true, 3000);
        for _ in 0..300 {
            let word = random_word(&mut rng, b"abcdef", 10);
            let budget = rng.usize(0..=BAND_HALF);
            let mut walked = Vec::new();
            let mut stream = index
                .words
                .search(Typos::new(word.as_bytes(), budget))
                .into_stream();
            while let Some((key, _)) = stream.next() {
                walked.push(String::from_utf8(key.to_vec()).expect("ASCII"));
            }
            let scanned: Vec<&String> = keys.iter().filter(|k| close(k, &word, budget)).collect();
            assert_eq!(
                walked.iter().collect::<Vec<_>>(),
                scanned,
                "{word} {budget}"
            );
        }
    }

    /// A random index of `words` words over `range` positions (whole-name
    /// flags at random), and the map it is built from.
    fn random_index(
        rng: &mut fastrand::Rng,
        words: usize,
        range: u32,
        letters: &[u8],
    ) -> (WordIndex, BTreeMap<Box<str>, Vec<u32>>) {
        let mut map = Words::default();
        for _ in 0..words {
            let word = random_word(rng, letters, 7);
            if !word.is_empty() {
                add(&mut map, &word, rng.u32(0..range), rng.bool());
            }
        }
        for list in map.values_mut() {
            list.sort_unstable();
            list.dedup_by_key(|e| *e >> 1);
        }
        (
            WordIndex::build(map.clone(), true, range),
            map.into_iter().collect(),
        )
    }

    #[test]
    fn a_words_lists_are_found_by_two_look_ups_and_read_by_position() {
        let mut rng = fastrand::Rng::with_seed(17);
        for round in 0..300 {
            // Few words over few positions, or many over many (runs of
            // several blocks).
            let (words, range) = if round % 2 == 0 {
                (40, 50)
            } else {
                (3000, 5000)
            };
            let (index, map) = random_index(&mut rng, words, range, b"abc");
            for _ in 0..20 {
                let word = random_word(&mut rng, b"abcd", 3);
                let lists = index.starting(&word);
                let exact: &[u32] = map.get(word.as_str()).map_or(&[], |l| l.as_slice());
                assert_eq!(lists.exact, exact, "{word}");
                let longer: Vec<u32> = map
                    .iter()
                    .filter(|(k, _)| k.len() > word.len() && k.starts_with(word.as_str()))
                    .flat_map(|(_, list)| list.iter().copied())
                    .collect();
                assert_eq!(&index.entries[lists.longer.clone()], longer, "{word}");
                // A word of one or two letters: their list, sorted, each once.
                let mut initial: Vec<u32> = exact
                    .iter()
                    .chain(&longer)
                    .map(|&e| e & !WHOLE_NAME)
                    .collect();
                initial.sort_unstable();
                initial.dedup();
                match word.len() {
                    1 => assert_eq!(lists.initial, Some(&initial[..]), "{word}"),
                    2 => assert_eq!(lists.initial.unwrap_or(&[]), initial, "{word}"),
                    _ => assert_eq!(lists.initial, None, "{word}"),
                }
                for whole_only in [false, true] {
                    let expected = positions(&longer, whole_only);
                    let read: Vec<u32> = lists.longer_by_position(whole_only).collect();
                    assert_eq!(read, expected, "{word} {whole_only}");
                    // Read a few only, as a search does.
                    let first: Vec<u32> = lists.longer_by_position(whole_only).take(3).collect();
                    assert_eq!(first, expected[..expected.len().min(3)]);
                }
            }
        }
    }

    /// The positions of `entries`, each once, sorted; those flagged as
    /// whole names only when `whole_only`.
    fn positions<'e>(entries: impl IntoIterator<Item = &'e u32>, whole_only: bool) -> Vec<u32> {
        let mut read: Vec<u32> = entries
            .into_iter()
            .filter(|&&e| !whole_only || e & WHOLE_NAME != 0)
            .map(|&e| e >> 1)
            .collect();
        read.sort_unstable();
        read.dedup();
        read
    }

    #[test]
    fn names_are_keyed_by_words_and_whole_apart_from_them() {
        let mut rng = fastrand::Rng::with_seed(29);
        for round in 0..200 {
            let entities = if round % 2 == 0 { 30 } else { 600 };
            // Names of one to four short words over few letters, so that
            // words start one another and first words run into the next.
            let names: Vec<String> = (0..entities)
                .map(|_| {
                    let words = rng.usize(1..=4);
                    let name: Vec<String> = (0..words)
                        .map(|_| random_word(&mut rng, b"abc", 3))
                        .filter(|w| !w.is_empty())
                        .collect();
                    name.join(" ")
                })
                .collect();
            let mut map = Words::default();
            let mut compact = String::new();
            for (pos, name) in names.iter().enumerate() {
                if !name.is_empty() {
                    add_name(&mut map, name, pos as u32, &mut compact);
                }
            }
            let index = WordIndex::build(map, false, names.len() as u32);
            // No word's run holds a whole name of several words.
            let mut keys = index.words.stream();
            while let Some((key, value)) = keys.next() {
                let spaces = key.iter().filter(|&&b| b == b' ').count();
                match key[0] == WHOLE_KEY {
                    true => assert_eq!(spaces, 1, "{key:?}"),
                    false => {
                        assert_eq!(spaces, 0, "{key:?}");
                        // A single word is flagged where it is a whole name.
                        let flagged = positions(index.list(value), true);
                        let word = std::str::from_utf8(key).expect("ASCII");
                        let named: Vec<u32> = (0..entities as u32)
                            .filter(|&p| names[p as usize] == word)
                            .collect();
                        assert_eq!(flagged, named, "{word}");
                    }
                }
            }
            let expected = |keep: &dyn Fn(&str) -> bool| -> Vec<u32> {
                (0..entities as u32)
                    .filter(|&p| keep(&names[p as usize]))
                    .collect()
            };
            for _ in 0..30 {
                let word = random_word(&mut rng, b"abcd", 5);
                if word.is_empty() {
                    continue;
                }
                let lists = index.starting(&word);
                let runs: Vec<&u32> = lists.runs().flat_map(|run| &index.entries[run]).collect();
                let first_words = &index.entries[index.first_words_starting(&word)];
                let whole = |name: &str| name.replace(' ', "");
                // Exact: the entities with the word, or a name that is it.
                assert_eq!(
                    positions(&lists.exact[..], false),
                    expected(&|n| n.split(' ').any(|w| w == word) || whole(n) == word),
                    "{word}"
                );
                assert_eq!(
                    positions(&lists.exact[..], true),
                    expected(&|n| whole(n) == word),
                    "{word}"
                );
                // Runs: the entities with a longer word it starts, or a name
                // longer than it that it starts past the first word of.
                let past_first = |n: &str| {
                    n.split_once(' ')
                        .is_some_and(|(first, _)| first.len() < word.len())
                        && whole(n).len() > word.len()
                        && whole(n).starts_with(&word)
                };
                assert_eq!(
                    positions(runs.iter().copied(), false),
                    expected(&|n| {
                        n.split(' ')
                            .any(|w| w.len() > word.len() && w.starts_with(&word))
                            || past_first(n)
                    }),
                    "{word}"
                );
                // With the names whose first word starts with it: every
                // name longer than it that it starts.
                assert_eq!(
                    positions(runs.iter().copied().chain(first_words), true),
                    expected(&|n| whole(n).len() > word.len() && whole(n).starts_with(&word)),
                    "{word}"
                );
            }
            // The first key from any key on, as a stream of the keys finds.
            for _ in 0..30 {
                let mut key = random_word(&mut rng, b"abc ~", 6).into_bytes();
                if rng.bool() {
                    key.insert(0, WHOLE_KEY);
                }
                let streamed = index
                    .words
                    .range()
                    .ge(&key)
                    .into_stream()
                    .next()
                    .map(|(found, value)| (value, found == key.as_slice()));
                assert_eq!(index.first_from(&key), streamed, "{key:?}");
            }
        }
    }

    #[test]
    fn merged_lists_hold_each_position_once_with_its_best_quality() {
        let mut rng = fastrand::Rng::with_seed(3);
        for round in 0..400 {
            // Dense rounds go through the bitmaps, sparse ones are sorted.
            let range = if round % 2 == 0 { 200 } else { 100_000 };
            let qualities = [Quality::Typo, Quality::Prefix, Quality::Exact];
            // Parts: one sorted list, or several one after the other.
            let parts: Vec<(Vec<u32>, Quality, bool)> = (0..rng.usize(1..6))
                .map(|_| {
                    let sorted = rng.bool();
                    let mut entries = Vec::new();
                    for _ in 0..if sorted { 1 } else { rng.usize(1..4) } {
                        let mut list: Vec<u32> = (0..rng.usize(1..80))
                            .map(|_| rng.u32(0..range) << 1 | rng.u32(0..2))
                            .collect();
                        list.sort_unstable();
                        list.dedup_by_key(|e| *e >> 1);
                        entries.extend(list);
                    }
                    (entries, qualities[rng.usize(..3)], sorted)
                })
                .collect();
            let borrowed = parts.iter().map(|(entries, quality, sorted)| Part {
                entries,
                quality: *quality,
                sorted: *sorted,
            });
            let mut best: BTreeMap<u32, Quality> = BTreeMap::new();
            for (entries, q, _) in &parts {
                for &e in entries {
                    let b = best.entry(e >> 1).or_insert(*q);
                    *b = (*b).max(*q);
                }
            }
            let merged = Matched::merge(borrowed.clone());
            let mut walked = Vec::new();
            merged.for_each(|pos, q| walked.push((pos, q)));
            let expected: Vec<(u32, Quality)> = best.clone().into_iter().collect();
            assert_eq!(walked, expected);
            // Cut to a range of positions.
            let first = rng.u32(0..range);
            let within = first..=first + rng.u32(0..range);
            let mut cut = Vec::new();
            Matched::merge_within(borrowed, within.clone()).for_each(|pos, q| cut.push((pos, q)));
            let expected_cut: Vec<(u32, Quality)> = expected
                .iter()
                .copied()
                .filter(|(pos, _)| within.contains(pos))
                .collect();
            assert_eq!(cut, expected_cut, "{within:?}");
            // Probed in increasing order, skipping some.
            let mut probe = Probe {
                set: &merged,
                at: 0,
            };
            let mut pos = rng.u32(0..4);
            while pos < range + 4 {
                assert_eq!(probe.quality(pos), best.get(&pos).copied(), "{pos}");
                pos += rng.u32(1..4);
            }
        }
    }

    #[test]
    fn one_word_candidates_are_taken_as_from_the_listed_candidates() {
        let mut rng = fastrand::Rng::with_seed(5);
        for round in 0..300 {
            let (words, range) = if round % 2 == 0 {
                (60, 60)
            } else {
                (4000, 5000)
            };
            let (index, map) = random_index(&mut rng, words, range, b"abc");
            for _ in 0..10 {
                // Short words match by their start; words of five letters
                // or more that start none, by typos.
                let word = random_word(&mut rng, b"abcd", 7);
                if word.is_empty() {
                    continue;
                }
                let lists = index.matching(&word);
                // What the word matches, from the map, each entity with its
                // best quality.
                let mut best: BTreeMap<u32, Quality> = BTreeMap::new();
                let note = |best: &mut BTreeMap<u32, Quality>, list: &[u32], q: Quality| {
                    for &e in list {
                        let b = best.entry(e >> 1).or_insert(q);
                        *b = (*b).max(q);
                    }
                };
                for (key, list) in &map {
                    if **key == *word {
                        note(&mut best, list, Quality::Exact);
                    } else if key.starts_with(word.as_str()) {
                        note(&mut best, list, Quality::Prefix);
                    }
                }
                if best.is_empty() && typo_budget(&word) > 0 {
                    for (key, list) in &map {
                        if close(key, &word, typo_budget(&word)) {
                            note(&mut best, list, Quality::Typo);
                        }
                    }
                }
                let listed: Vec<(u32, u8)> =
                    best.iter().map(|(&pos, q)| (pos, q.quarters())).collect();
                let one_word = Candidates::OneWord(&lists);
                assert_eq!(one_word.is_empty(), listed.is_empty(), "{word}");
                assert_eq!(*one_word.listed(), *listed, "{word}");
                let modulus = rng.u32(1..4);
                let take = |pos: u32| pos % modulus != 1;
                for n in [0, 1, 3, 10, 100] {
                    assert_eq!(
                        one_word.best_first(n, take),
                        best_first(&listed, n, take),
                        "round {round}, {word}, n {n}"
                    );
                }
            }
        }
    }

    /// The search as it was first written: every word of every entity in
    /// a map, every match scored, all of them sorted.
    mod reference {
        use std::collections::BTreeMap;

        use super::super::{fold, name_texts, typo_budget, Quality};
        use crate::model::Entity;

        type Map = BTreeMap<String, Vec<u32>>;

        pub struct Index {
            /// Each entity's folded names, with whether it is the name.
            names: Vec<Vec<(String, String, bool)>>,
            name_words: Map,
            description_words: Map,
        }

        fn add(map: &mut Map, word: &str, pos: u32) {
            let list = map.entry(word.to_string()).or_default();
            if list.last() != Some(&pos) {
                list.push(pos);
            }
        }

        fn weight(q: Quality) -> f64 {
            match q {
                Quality::Exact => 1.0,
                Quality::Prefix => 0.75,
                Quality::Typo => 0.5,
            }
        }

        pub fn build(entities: &[Entity]) -> Index {
            let mut index = Index {
                names: Vec::new(),
                name_words: Map::new(),
                description_words: Map::new(),
            };
            for (i, e) in entities.iter().enumerate() {
                let pos = i as u32;
                let mut names = Vec::new();
                for (k, text) in name_texts(e).enumerate() {
                    let folded = fold(text);
                    if folded.is_empty() {
                        continue;
                    }
                    let compact: String = folded.split(' ').collect();
                    for word in folded.split(' ').chain(std::iter::once(compact.as_str())) {
                        add(&mut index.name_words, word, pos);
                    }
                    names.push((folded, compact, k == 0));
                }
                if let Some(d) = e.description() {
                    for word in fold(d).split(' ').filter(|w| !w.is_empty()) {
                        add(&mut index.description_words, word, pos);
                    }
                }
                index.names.push(names);
            }
            index
        }

        fn matches(map: &Map, word: &str) -> BTreeMap<u32, Quality> {
            let mut hits: BTreeMap<u32, Quality> = BTreeMap::new();
            let mut put = |list: &[u32], q: Quality| {
                for &pos in list {
                    let best = hits.entry(pos).or_insert(q);
                    *best = (*best).max(q);
                }
            };
            let mut any = false;
            for (key, list) in map {
                if key.starts_with(word) {
                    any = true;
                    let q = if key == word {
                        Quality::Exact
                    } else {
                        Quality::Prefix
                    };
                    put(list, q);
                }
            }
            let budget = typo_budget(word);
            if budget > 0 && !any {
                for (key, list) in map {
                    let whole = strsim::osa_distance(key, word) <= budget;
                    let prefix = key.len() > word.len()
                        && strsim::osa_distance(&key[..word.len()], word) <= budget;
                    if whole || prefix {
                        put(list, Quality::Typo);
                    }
                }
            }
            hits
        }

        /// Position -> sum of weights, for the entities every word matches.
        fn all_words(maps: &[&Map], words: &[&str]) -> BTreeMap<u32, f64> {
            let mut acc: Option<BTreeMap<u32, f64>> = None;
            for word in words {
                let mut found: BTreeMap<u32, Quality> = BTreeMap::new();
                for map in maps {
                    for (pos, q) in matches(map, word) {
                        let best = found.entry(pos).or_insert(q);
                        *best = (*best).max(q);
                    }
                }
                acc = Some(match acc {
                    None => found.iter().map(|(&p, &q)| (p, weight(q))).collect(),
                    Some(sums) => sums
                        .into_iter()
                        .filter_map(|(p, s)| found.get(&p).map(|&q| (p, s + weight(q))))
                        .collect(),
                });
            }
            acc.unwrap_or_default()
        }

        pub fn search(
            index: &Index,
            query: &str,
            limit: usize,
            keep: impl Fn(u32) -> bool,
        ) -> Vec<(u32, f64)> {
            let folded = fold(query);
            if folded.is_empty() || limit == 0 {
                return Vec::new();
            }
            let words: Vec<&str> = folded.split(' ').take(16).collect();
            let compact: String = words.concat();
            let n = words.len() as f64;
            let in_names = all_words(&[&index.name_words], &words);
            let mut scored = Vec::new();
            for (&pos, &sum) in &in_names {
                if !keep(pos) {
                    continue;
                }
                let mut score = 0.4 + 0.4 * (sum / n);
                for (name, name_compact, is_name) in &index.names[pos as usize] {
                    let bonus = if *name == folded || *name_compact == compact {
                        if *is_name {
                            1.0
                        } else {
                            0.95
                        }
                    } else if name.starts_with(&folded) {
                        0.85
                    } else {
                        0.0
                    };
                    score = score.max(bonus);
                }
                scored.push((pos, score));
            }
            if scored.len() < limit {
                let in_either = all_words(&[&index.description_words, &index.name_words], &words);
                for (pos, sum) in in_either {
                    if in_names.contains_key(&pos) || !keep(pos) {
                        continue;
                    }
                    scored.push((pos, 0.1 + 0.25 * (sum / n)));
                }
            }
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.truncate(limit);
            scored
        }
    }

    #[test]
    fn an_alias_scores_as_one_when_the_name_folds_to_nothing() {
        // The first folded name of the second entity is its alias's: it
        // is not its name for that.
        let entities = [
            entity(0, "Habitat".into(), vec![], None),
            entity(1, "--".into(), vec!["Habitat".into()], None),
        ];
        let index = SearchIndex::build(&entities);
        let hits = index.search("habitat", 10, |_| true);
        let scores: Vec<(u32, f64)> = hits.iter().map(|h| (h.position, h.score)).collect();
        assert_eq!(scores, [(0, 1.0), (1, 0.95)]);
        assert_eq!(index.folded_name(0), "habitat");
        assert_eq!(index.folded_name(1), "");
    }

    fn entity(i: usize, name: String, aliases: Vec<String>, acronym: Option<String>) -> Entity {
        use crate::model::{Details, EntityId, OrganisationCategory};
        // Of its own name, or of other words (found in descriptions only).
        let description = match i % 3 {
            0 => Some(format!("works on {} in cities", name)),
            1 => Some(format!(
                "works on {} and {}",
                VOCABULARY[i % VOCABULARY.len()],
                VOCABULARY[i / VOCABULARY.len() % VOCABULARY.len()]
            )),
            _ => None,
        };
        let id = EntityId::parse(&format!("organisation:e-{i}")).expect("a valid id");
        let details = Details::Organisation {
            acronym: acronym.map(Into::into),
            category: OrganisationCategory::Unit,
        };
        Entity::new(id, name, details).with_text(
            aliases.into_iter().map(Into::into).collect(),
            description.map(Into::into),
            None,
        )
    }

    /// Up to `count` folded query words, each made from a word of the
    /// vocabulary ([`mangle`]).
    fn query_words(rng: &mut fastrand::Rng, count: std::ops::RangeInclusive<usize>) -> Vec<String> {
        (0..rng.usize(count))
            .map(|_| {
                let picked = pick(rng);
                fold(&mangle(rng, picked))
            })
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// A query word made from `word`: as it is, a prefix, or with a typo.
    fn mangle(rng: &mut fastrand::Rng, word: &str) -> String {
        let mut w: Vec<u8> = word.bytes().collect();
        match rng.usize(0..6) {
            0 | 1 => {}
            2 => w.truncate(rng.usize(1..=w.len())),
            3 if w.len() > 2 => {
                let i = rng.usize(0..w.len() - 1);
                w.swap(i, i + 1);
            }
            4 => w.insert(rng.usize(0..=w.len()), b'x'),
            _ => {
                w.remove(rng.usize(0..w.len()));
            }
        }
        String::from_utf8(w).expect("ASCII")
    }

    const VOCABULARY: [&str; 14] = [
        "rosa",
        "rossi",
        "rossini",
        "garcia",
        "garcias",
        "santos",
        "sanchez",
        "urban",
        "urbanisation",
        "habitat",
        "un",
        "health",
        "mobility",
        "infrastructure",
    ];

    fn pick(rng: &mut fastrand::Rng) -> &'static str {
        VOCABULARY[rng.usize(..VOCABULARY.len())]
    }

    /// `n` entities named with phrases of the vocabulary.
    fn random_entities(rng: &mut fastrand::Rng, n: usize) -> Vec<Entity> {
        let phrase = |rng: &mut fastrand::Rng| {
            let len = rng.usize(1..4);
            (0..len).map(|_| pick(rng)).collect::<Vec<_>>().join(" ")
        };
        (0..n)
            .map(|i| {
                let name = if i % 17 == 5 {
                    "--".to_string()
                } else {
                    phrase(rng)
                };
                let aliases = (0..rng.usize(0..3)).map(|_| phrase(rng)).collect();
                let acronym = (i % 5 == 0).then(|| "UN-Habitat".to_string());
                entity(i, name, aliases, acronym)
            })
            .collect()
    }

    #[test]
    fn a_word_checked_on_names_matches_as_in_the_index() {
        let mut rng = fastrand::Rng::with_seed(23);
        for _ in 0..20 {
            let entities = random_entities(&mut rng, 300);
            let index = SearchIndex::build(&entities);
            for _ in 0..40 {
                let picked = pick(&mut rng);
                let word = fold(&mangle(&mut rng, picked));
                let lists = index.name_words.matching(&word);
                let mut in_index = vec![None; entities.len()];
                Matched::merge(lists.parts()).for_each(|pos, q| in_index[pos as usize] = Some(q));
                let check = NameCheck::new(&word, &lists);
                for (pos, want) in in_index.into_iter().enumerate() {
                    let got = check.quality(index.names_of(pos as u32));
                    assert_eq!(got, want, "{word:?} in {:?}", entities[pos].name);
                }
            }
        }
    }

    #[test]
    fn a_run_of_lists_is_made_into_one_list_of_its_entities_each_once_or_their_bits() {
        let mut rng = fastrand::Rng::with_seed(41);
        for _ in 0..400 {
            // A run of sorted lists, some entries flagged as whole names,
            // few or many in a span anywhere (sorted, or through bits).
            let base = rng.u32(0..100_000);
            let span = rng.u32(1..20_000);
            let run: Vec<u32> = (0..rng.usize(0..4))
                .flat_map(|_| {
                    let len = if rng.bool() { 4 } else { span as usize };
                    let mut list: Vec<u32> = (0..rng.usize(0..=len))
                        .map(|_| (base + rng.u32(0..span)) << 1 | rng.u32(0..2))
                        .collect();
                    list.sort_unstable_by_key(|e| e >> 1);
                    list.dedup_by_key(|e| *e >> 1);
                    list
                })
                .collect();
            let positions: std::collections::BTreeSet<u32> = run.iter().map(|&e| e >> 1).collect();
            let expected: Vec<u32> = positions.into_iter().map(|pos| pos << 1).collect();
            assert_eq!(each_once(&run, base + span), expected);
            // Made within a search: sought in, bit by bit or in its list,
            // as its list is.
            let made = MadeRun::new(&run, base + span);
            for _ in 0..20 {
                let pos = rng.u32(0..base + span + 100);
                let first = expected.iter().map(|&e| e >> 1).find(|&p| p >= pos);
                assert_eq!(made.sorted().seek(&mut 0, pos), first);
            }
            assert_eq!(made.list(), expected);
        }
    }

    #[test]
    fn several_words_are_taken_by_tiers_as_from_the_listed_candidates() {
        let mut rng = fastrand::Rng::with_seed(29);
        let mut by_tiers = 0;
        for round in 0..30 {
            let entities = random_entities(&mut rng, if round % 3 == 0 { 2000 } else { 200 });
            let index = SearchIndex::build(&entities);
            for _ in 0..40 {
                let words = query_words(&mut rng, 2..=MAX_TIERED_WORDS + 1);
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                let in_names: Vec<Lists> =
                    words.iter().map(|w| index.name_words.matching(w)).collect();
                let candidates = Candidates::words(&index, &words, &in_names);
                let modulus = rng.u32(1..4);
                let take = |pos: u32| pos % modulus != 1;
                let listed = all_words(in_names.iter().map(|l| l.parts().collect()), |_| Some(0));
                for n in [1, 3, 10, 100] {
                    let Some(found) = candidates.by_tiers(n, &take) else {
                        // Listed instead, in the lists the tiers made of
                        // runs, if any.
                        assert_eq!(*candidates.listed(), *listed, "{words:?} n {n}");
                        continue;
                    };
                    by_tiers += 1;
                    assert_eq!(found, best_first(&listed, n, take), "{words:?} n {n}");
                    // Read to the end: every candidate is listed.
                    if found.len() < n {
                        assert_eq!(*candidates.listed(), *listed, "{words:?} n {n}");
                    }
                }
                // Listed with every word but the shortest checked on names.
                assert_eq!(
                    index.all_name_words(&words, &in_names, &[], 1),
                    listed,
                    "{words:?}"
                );
            }
        }
        // Most of those of up to six words are answered by tiers here.
        assert!(by_tiers > 30 * 40 * 4 / 3, "{by_tiers}");
    }

    #[test]
    fn words_looked_for_in_names_and_description_lists_match_as_merged() {
        let mut rng = fastrand::Rng::with_seed(31);
        let mut checked = 0;
        for round in 0..20 {
            let entities = random_entities(&mut rng, if round % 4 == 0 { 2000 } else { 200 });
            let index = SearchIndex::build(&entities);
            for _ in 0..40 {
                let words = query_words(&mut rng, 1..=4);
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                let in_names: Vec<Lists> =
                    words.iter().map(|w| index.name_words.matching(w)).collect();
                let in_descriptions: Vec<Lists> = words
                    .iter()
                    .map(|w| index.description_words.matching(w))
                    .collect();
                let merged = all_words(
                    in_names
                        .iter()
                        .zip(&in_descriptions)
                        .map(|(n, d)| n.parts().chain(d.parts()).collect()),
                    |_| Some(0),
                );
                // Every word but the shortest looked for, none, and as
                // a search does.
                for cost in [(0, 0), (usize::MAX, 0), CHECK_IN_EITHER] {
                    let got =
                        index.all_words_in_either(&words, &in_names, &in_descriptions, None, cost);
                    assert_eq!(got, merged, "{words:?} cost {cost:?}");
                    // One word in descriptions only.
                    for only in 0..words.len() {
                        let merged =
                            all_words(
                                in_names.iter().zip(&in_descriptions).enumerate().map(
                                    |(i, (n, d))| {
                                        let n = n.parts().filter(|_| i != only);
                                        n.chain(d.parts()).collect()
                                    },
                                ),
                                |_| Some(0),
                            );
                        let got = index.all_words_in_either(
                            &words,
                            &in_names,
                            &in_descriptions,
                            Some(only),
                            cost,
                        );
                        assert_eq!(got, merged, "{words:?} cost {cost:?} only {only}");
                    }
                }
                checked += usize::from(words.len() > 1);
            }
        }
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn words_galloped_or_looked_for_match_as_merged() {
        let mut rng = fastrand::Rng::with_seed(43);
        for round in 0..20 {
            let entities = random_entities(&mut rng, if round % 4 == 0 { 2000 } else { 200 });
            let index = SearchIndex::build(&entities);
            for _ in 0..40 {
                let words = query_words(&mut rng, 1..=4);
                let lists: Vec<(Lists, Lists)> = words
                    .iter()
                    .map(|w| {
                        (
                            index.name_words.matching(w),
                            index.description_words.matching(w),
                        )
                    })
                    .collect();
                let parts: Vec<Vec<Part>> = lists
                    .iter()
                    .map(|(n, d)| n.parts().chain(d.parts()).collect())
                    .collect();
                // A word looked for on an entity: the best quality of its
                // entries for it, read off every part.
                let look = |i: usize, pos: u32| {
                    let entries = parts[i].iter().flat_map(|p| {
                        let quality = p.quality;
                        p.entries
                            .iter()
                            .filter(move |&&e| e >> 1 == pos)
                            .map(move |_| quality)
                    });
                    Some(entries.max()?.quarters())
                };
                let costed = |cost: usize| parts.iter().map(move |p| (p.clone(), cost));
                let modulus = rng.u32(1..4);
                let checked = |pos: u32| (pos % modulus != 1).then_some((pos % 3) as u8);
                let merged = all_words_galloping(costed(usize::MAX), look, checked, usize::MAX);
                for ratio in [0, 1, GALLOP_RATIO] {
                    for cost in [usize::MAX, 0, 1, 8] {
                        let got = all_words_galloping(costed(cost), look, checked, ratio);
                        assert_eq!(got, merged, "{words:?} ratio {ratio} cost {cost}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_run_of_description_lists_is_cut_into_its_lists() {
        let mut rng = fastrand::Rng::with_seed(37);
        let entities = random_entities(&mut rng, 3000);
        let index = SearchIndex::build(&entities);
        for word in VOCABULARY {
            for len in 1..=word.len() {
                let lists = index.description_words.matching(&word[..len]);
                let cut = lists.sorted_lists();
                assert!(cut.len() <= lists.sorted_list_count());
                for (list, _) in &cut {
                    assert!(list.windows(2).all(|w| w[0] >> 1 < w[1] >> 1));
                }
                let mut from_cut: Vec<u32> = cut
                    .iter()
                    .flat_map(|(l, _)| l.iter())
                    .map(|&e| e >> 1)
                    .collect();
                let mut from_parts: Vec<u32> = lists
                    .parts()
                    .flat_map(|p| p.entries.iter())
                    .map(|&e| e >> 1)
                    .collect();
                from_cut.sort_unstable();
                from_parts.sort_unstable();
                assert_eq!(from_cut, from_parts, "{:?}", &word[..len]);
            }
        }
    }

    #[test]
    fn search_ranks_as_a_full_scan_does() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut described = [0; 2];
        for round in 0..24 {
            let n = if round % 4 == 0 { 1000 } else { 150 };
            let entities = random_entities(&mut rng, n);
            let index = SearchIndex::build(&entities);
            let expected = reference::build(&entities);
            for _ in 0..60 {
                let words: Vec<String> = (0..rng.usize(1..4))
                    .map(|_| {
                        let word = pick(&mut rng);
                        mangle(&mut rng, word)
                    })
                    .collect();
                let query = if rng.bool() {
                    words.join(" ")
                } else {
                    words.concat()
                };
                let limit = rng.usize(0..25);
                let modulo = rng.u32(1..4);
                let keep = |pos: u32| pos % modulo != 1;
                let got: Vec<(u32, f64)> = index
                    .search(&query, limit, keep)
                    .into_iter()
                    .map(|h| (h.position, h.score))
                    .collect();
                let want = reference::search(&expected, &query, limit, keep);
                assert_eq!(got, want, "{query:?} limit {limit} modulo {modulo}");
                // Found with the help of a description (scores under 0.4).
                let words = query.split(' ').count();
                described[usize::from(words > 1)] += got.iter().filter(|h| h.1 < 0.4).count();
            }
        }
        // Of one word and of several.
        assert!(described.iter().all(|&n| n > 50), "{described:?}");
    }

    #[test]
    fn long_queries_count_their_first_sixteen_words() {
        let long = vec!["a"; 17].join(" ");
        let entities = vec![
            entity(0, long.clone(), Vec::new(), None),
            entity(1, vec!["a"; 16].join(" "), Vec::new(), None),
        ];
        let index = SearchIndex::build(&entities);
        let expected = reference::build(&entities);
        for query in [long.clone(), format!("{long} b"), vec!["a"; 16].join(" ")] {
            let got: Vec<(u32, f64)> = index
                .search(&query, 10, |_| true)
                .into_iter()
                .map(|h| (h.position, h.score))
                .collect();
            assert_eq!(got, reference::search(&expected, &query, 10, |_| true));
        }
    }
}

#[cfg(test)]
mod names_contain_tests {
    use crate::graph::{fold, Graph};
    use crate::model::{Details, Entity, EntityId, OrganisationCategory};
    use proptest::prelude::*;

    /// What `nameContains` meant before the index answered it: each name,
    /// alias and acronym folded, then searched.
    fn folded_each(e: &Entity, needle: &str) -> bool {
        let acronym = match &e.details {
            Details::Organisation { acronym, .. } => acronym.as_ref(),
            _ => None,
        };
        std::iter::once(&*e.name)
            .chain(e.aliases().iter().map(|a| &**a))
            .chain(acronym.map(|a| &**a))
            .any(|text| fold(text).contains(needle))
    }

    const TEXT: &str = "[a-cA-Céè ,.'\\-]{0,8}";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_index_answers_names_contain_as_folding_each_name_does(
            names in proptest::collection::vec(
                (TEXT, proptest::collection::vec(TEXT, 0..3), proptest::option::of(TEXT)),
                1..6,
            ),
            needles in proptest::collection::vec(TEXT, 1..6),
        ) {
            let entities: Vec<_> = names
                .into_iter()
                .enumerate()
                .map(|(i, (name, aliases, acronym))| {
                    let id = EntityId::parse(&format!("organisation:o{i}")).unwrap();
                    let details = Details::Organisation {
                        acronym: acronym.map(Into::into),
                        category: OrganisationCategory::Other,
                    };
                    let aliases = aliases.into_iter().map(Into::into).collect();
                    let entity = Entity::new(id, name, details).with_text(aliases, None, None);
                    (entity, Default::default())
                })
                .collect();
            let graph = Graph::new(Vec::new(), entities, Vec::new()).unwrap();
            for needle in needles.iter().map(|n| fold(n)).filter(|n| !n.is_empty()) {
                for e in graph.entities() {
                    prop_assert_eq!(
                        graph.names_contain(e, &needle),
                        folded_each(e, &needle),
                        "{:?} in {:?}", needle, e.name
                    );
                }
            }
        }
    }
}
