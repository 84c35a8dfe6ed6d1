//! Texts (entity ids, document keys) numbered densely as the threads that
//! parse meet them, so that a relation's ends are numbers before any entity
//! is known, and each distinct id is stored once.
//!
//! A look-up is a wait for memory: 5M relation ends at 1M entities land
//! anywhere in a table of 1M ids while the files' text streams through the
//! cache. One at a time, each look-up waited for its misses in turn (two of
//! them, the table's and the text's), behind a lock; that was a fifth of the
//! load's time. So a file's ids are numbered together ([`Interner::number_all`]):
//! sorted by shard, each shard locked once, and each shard's look-ups made
//! in three passes, the first two only reading what the next needs, so that
//! their misses are waited for together, not one after another.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use foldhash::fast::FixedState;
use smallvec::SmallVec;

/// Texts numbered by an [`Interner`], shared by the threads that meet them.
pub(super) struct Interner {
    shards: Vec<Mutex<Table>>,
    next: AtomicU32,
    hasher: FixedState,
}

/// Texts to be numbered together, in the order given: each is numbered by
/// its position ([`Batch::push`]) until [`Interner::number_all`] gives their
/// numbers.
#[derive(Debug, Default)]
pub(super) struct Batch {
    text: String,
    /// Where each text ends in `text`.
    ends: Vec<u32>,
    /// [`Interner::number_all`]'s own lists (the texts' hashes, their
    /// positions by shard), kept from one batch to the next: made afresh
    /// for each file, their pages were faulted in afresh.
    hashes: Vec<u64>,
    order: Vec<u32>,
}

impl Batch {
    /// Adds `text`; returns its position in the batch.
    ///
    /// Panics past 4 GiB of texts in one batch (a file's ids).
    pub(super) fn push(&mut self, text: &str) -> u32 {
        self.text.push_str(text);
        let end = u32::try_from(self.text.len()).expect("a batch holds less than 4 GiB of texts");
        self.ends.push(end);
        (self.ends.len() - 1) as u32
    }

    /// The text at `position`.
    pub(super) fn get(&self, position: u32) -> &str {
        let position = position as usize;
        let start = match position {
            0 => 0,
            p => self.ends[p - 1] as usize,
        };
        &self.text[start..self.ends[position] as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// One shard: a dense list of texts, in the order they were numbered, and an
/// open-addressing index into it.
#[derive(Default)]
struct Table {
    /// `(tag, slot)` at each place, linearly probed from a text's hash;
    /// tag 0 is an empty place. Its length is 0 or a power of two, at least
    /// twice the slots'.
    index: Vec<(u32, u32)>,
    slots: Vec<Slot>,
    /// Each slot's hash, by slot: the index is laid out again from them
    /// when it grows, without hashing every text again (4% of
    /// [`Interner::number_all`]'s instructions at 100k entities).
    hashes: Vec<u64>,
}

/// A text and its number, on a cache line of its own: comparing a text
/// reads one line, not a second allocation, when it fits (most ids do).
#[repr(align(64))]
struct Slot {
    /// Inline up to 48 bytes.
    text: SmallVec<[u8; 48]>,
    number: u32,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

/// The index's tag of a hash: never 0. (The shard is chosen by bits 32 and
/// up, so within a shard a few of the tag's bits are the same; the place,
/// by the low bits.)
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32 | 1
}

impl Table {
    /// The index place where `hash` starts its probe.
    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.index.len().wrapping_sub(1))
    }

    /// Where `text` is: its number, or else the empty index place its probe
    /// ended at, where it would go. The index must not be empty.
    fn probe(&self, hash: u64, text: &[u8]) -> Result<u32, usize> {
        let (tag, mask) = (tag(hash), self.index.len() - 1);
        let mut at = self.home(hash);
        loop {
            let (t, slot) = self.index[at];
            if t == 0 {
                return Err(at);
            }
            if t == tag {
                let slot = &self.slots[slot as usize];
                if slot.text.as_slice() == text {
                    return Ok(slot.number);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// The number of `text`, if it has one.
    fn find(&self, hash: u64, text: &[u8]) -> Option<u32> {
        if self.index.is_empty() {
            return None;
        }
        self.probe(hash, text).ok()
    }

    /// The number of `text`, given the next of `next` if it has none.
    fn intern(&mut self, hash: u64, text: &[u8], next: &AtomicU32) -> u32 {
        self.make_room(1);
        match self.probe(hash, text) {
            Ok(number) => number,
            Err(at) => {
                let number = next.fetch_add(1, Ordering::Relaxed);
                self.slots.push(Slot {
                    text: SmallVec::from_slice(text),
                    number,
                });
                self.hashes.push(hash);
                self.index[at] = (tag(hash), (self.slots.len() - 1) as u32);
                number
            }
        }
    }

    /// Makes the index at least twice as long as the slots will be with
    /// `more` of them: doubled as often as needed, then laid out once from
    /// the slots' hashes, read in order.
    fn make_room(&mut self, more: usize) {
        let wanted = (self.slots.len() + more) * 2;
        if wanted <= self.index.len() {
            return;
        }
        let len = wanted.next_power_of_two().max(64);
        self.index = vec![(0, 0); len];
        let mask = len - 1;
        for (i, &hash) in self.hashes.iter().enumerate() {
            let mut at = hash as usize & mask;
            while self.index[at].0 != 0 {
                at = (at + 1) & mask;
            }
            self.index[at] = (tag(hash), i as u32);
        }
    }
}

/// How a text is hashed, for its shard, its index place and its tag.
fn hash_text(hasher: &FixedState, text: &[u8]) -> u64 {
    hasher.hash_one(text)
}

impl Interner {
    const SHARDS: usize = 64;

    pub(super) fn new() -> Interner {
        Interner {
            shards: (0..Self::SHARDS).map(|_| Mutex::default()).collect(),
            next: AtomicU32::new(0),
            hasher: FixedState::with_seed(0x5eed),
        }
    }

    fn shard_of(hash: u64) -> usize {
        (hash >> 32) as usize % Self::SHARDS
    }

    fn shard(&self, shard: usize) -> MutexGuard<'_, Table> {
        // A thread that panicked left the table whole: the index is written
        // after its slot is pushed, and a slot alone is never looked at.
        self.shards[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of `text`, given it if it has none yet.
    pub(super) fn intern(&self, text: &str) -> u32 {
        let text = text.as_bytes();
        let hash = hash_text(&self.hasher, text);
        self.shard(Self::shard_of(hash))
            .intern(hash, text, &self.next)
    }

    /// The number of every text of `batch`, by position (each given one if
    /// it has none yet), into `numbers`.
    ///
    /// The texts are taken shard by shard, each shard locked once. Within a
    /// shard, a first pass reads each text's first index place, and a second
    /// the slot its probe will compare first; their reads do not wait for
    /// each other, so their misses are waited for together. The third pass
    /// numbers the texts, its reads mostly in the cache by then.
    pub(super) fn number_all(&self, batch: &mut Batch, numbers: &mut Vec<u32>) {
        let n = batch.len();
        numbers.clear();
        numbers.resize(n, 0);
        let (mut hashes, mut order) = (
            std::mem::take(&mut batch.hashes),
            std::mem::take(&mut batch.order),
        );
        hashes.clear();
        hashes.extend((0..n as u32).map(|i| hash_text(&self.hasher, batch.get(i).as_bytes())));
        // Positions by shard: a counting sort.
        let mut starts = [0u32; Self::SHARDS + 1];
        for &hash in &hashes {
            starts[Self::shard_of(hash) + 1] += 1;
        }
        for s in 0..Self::SHARDS {
            starts[s + 1] += starts[s];
        }
        order.clear();
        order.resize(n, 0);
        let mut fill = starts;
        for (i, &hash) in hashes.iter().enumerate() {
            let s = Self::shard_of(hash);
            order[fill[s] as usize] = i as u32;
            fill[s] += 1;
        }
        for s in 0..Self::SHARDS {
            let run = &order[starts[s] as usize..starts[s + 1] as usize];
            if run.is_empty() {
                continue;
            }
            let mut table = self.shard(s);
            // Room for every text of the run, so that the places read by
            // the first two passes stay where they are.
            table.make_room(run.len());
            let mut touched = 0u32;
            for &i in run {
                touched ^= table.index[table.home(hashes[i as usize])].1;
            }
            for &i in run {
                let hash = hashes[i as usize];
                let (tag, mask) = (tag(hash), table.index.len() - 1);
                let mut at = table.home(hash);
                while table.index[at].0 != 0 {
                    if table.index[at].0 == tag {
                        touched ^= table.slots[table.index[at].1 as usize].number;
                        break;
                    }
                    at = (at + 1) & mask;
                }
            }
            std::hint::black_box(touched);
            for &i in run {
                let text = batch.get(i).as_bytes();
                numbers[i as usize] = table.intern(hashes[i as usize], text, &self.next);
            }
        }
        (batch.hashes, batch.order) = (hashes, order);
    }

    /// The number of `text`, if it has one.
    pub(super) fn get(&self, text: &str) -> Option<u32> {
        let text = text.as_bytes();
        let hash = hash_text(&self.hasher, text);
        self.shard(Self::shard_of(hash)).find(hash, text)
    }

    /// How many texts it holds.
    pub(super) fn len(&self) -> usize {
        self.next.load(Ordering::Relaxed) as usize
    }

    /// Every text, by number.
    pub(super) fn texts(&self) -> Vec<Arc<str>> {
        let mut texts: Vec<Arc<str>> = vec![Arc::from(""); self.len()];
        for s in 0..Self::SHARDS {
            for slot in &self.shard(s).slots {
                let text = std::str::from_utf8(&slot.text).expect("interned from a str");
                texts[slot.number as usize] = Arc::from(text);
            }
        }
        texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        // Short and long (past the 48 bytes a slot holds inline).
        (0..n)
            .map(|i| {
                if i % 7 == 0 {
                    format!("person:someone-with-a-rather-long-name-indeed-{i}")
                } else {
                    format!("org:o{i}")
                }
            })
            .collect()
    }

    #[test]
    fn a_batch_is_numbered_as_one_text_at_a_time_would_be() {
        let texts = ids(5000);
        let interner = Interner::new();
        // Some numbered before, one at a time.
        let earlier: Vec<u32> = texts[..1000].iter().map(|t| interner.intern(t)).collect();
        let mut batch = Batch::default();
        // Every text twice, in a different order, so that a batch meets
        // texts it numbers itself.
        let positions: Vec<(usize, u32)> = (0..texts.len())
            .rev()
            .chain(0..texts.len())
            .map(|i| (i, batch.push(&texts[i])))
            .collect();
        let mut numbers = Vec::new();
        interner.number_all(&mut batch, &mut numbers);
        assert_eq!(interner.len(), texts.len());
        for (i, position) in positions {
            let number = numbers[position as usize];
            assert_eq!(batch.get(position), texts[i]);
            assert_eq!(interner.get(&texts[i]), Some(number));
            assert_eq!(interner.intern(&texts[i]), number);
            if i < 1000 {
                assert_eq!(number, earlier[i]);
            }
        }
        // Numbers are dense, one per text.
        let texts_back = interner.texts();
        assert_eq!(texts_back.len(), texts.len());
        for t in &texts {
            let n = interner.get(t).expect("numbered");
            assert_eq!(&*texts_back[n as usize], t.as_str());
        }
        assert_eq!(interner.get("org:nobody"), None);
    }

    #[test]
    fn threads_numbering_together_agree() {
        let texts = ids(20_000);
        let interner = Interner::new();
        let numbered: Vec<Vec<u32>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (texts, interner) = (&texts, &interner);
                    s.spawn(move || {
                        let mut batch = Batch::default();
                        let mut numbers = Vec::new();
                        let mut out = vec![0; texts.len()];
                        // Each thread in its own order, in batches of 1000.
                        let step = [1, 3, 7, 9][t];
                        let order: Vec<usize> = (0..texts.len())
                            .map(|i| (i * step + t) % texts.len())
                            .collect();
                        for chunk in order.chunks(1000) {
                            batch.clear();
                            chunk.iter().for_each(|&i| {
                                batch.push(&texts[i]);
                            });
                            interner.number_all(&mut batch, &mut numbers);
                            for (&i, &n) in chunk.iter().zip(&numbers) {
                                out[i] = n;
                            }
                        }
                        out
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(interner.len(), texts.len());
        for n in &numbered[1..] {
            assert_eq!(n, &numbered[0]);
        }
        let mut sorted = numbered[0].clone();
        sorted.sort_unstable();
        assert!(sorted.iter().enumerate().all(|(i, &n)| n == i as u32));
    }
}
