//! Full-text search over names, aliases, acronyms and descriptions.
//!
//! Text is folded before it is compared: accents are transliterated
//! (`deunicode`), case is ignored, and punctuation separates words. A query
//! matches an entity when every query word is a word, a word prefix, or (for
//! longer words) a word one or two edits away (`strsim`'s optimal string alignment distance,
//! which counts a swap of two letters as one edit)
//! of its names; descriptions are searched too, at a lower score. Exact name
//! and alias matches rank first.
//!
//! Posting lists are sorted by entity position, so the words of a query are
//! combined by merging sorted lists (no hashing, no per-entity allocation),
//! and the typo scan stops comparing a word as soon as it cannot be close.

use std::collections::BTreeMap;

use crate::model::Entity;

/// Folds text for comparison: ASCII transliteration, lower case, every run
/// of non-alphanumeric characters turned into one space, trimmed.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// How well one query word matched one indexed word.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Quality {
    Typo = 1,
    Prefix = 2,
    Exact = 3,
}

impl Quality {
    fn weight(self) -> f64 {
        match self {
            Quality::Exact => 1.0,
            Quality::Prefix => 0.75,
            Quality::Typo => 0.5,
        }
    }
}

/// The searchable text of one entity, folded.
struct Fields {
    /// Folded name, then aliases and acronym, each with its words joined by
    /// nothing (`un habitat` -> `unhabitat`), for whole-phrase matches.
    names: Vec<(String, String)>,
}

/// An index over every entity's folded names and descriptions.
pub struct SearchIndex {
    fields: Vec<Fields>,
    /// word -> entities (by position) whose name, aliases or acronym hold it.
    name_words: BTreeMap<Box<str>, Vec<u32>>,
    /// word -> entities whose description holds it.
    description_words: BTreeMap<Box<str>, Vec<u32>>,
}

/// One search result: an entity position and its score in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredEntity {
    pub position: u32,
    pub score: f64,
}

impl SearchIndex {
    /// Indexes `entities`; positions in results are indices into that slice.
    pub fn build(entities: &[Entity]) -> SearchIndex {
        let mut name_words: BTreeMap<Box<str>, Vec<u32>> = BTreeMap::new();
        let mut description_words: BTreeMap<Box<str>, Vec<u32>> = BTreeMap::new();
        let mut fields = Vec::with_capacity(entities.len());
        for (i, e) in entities.iter().enumerate() {
            let pos = i as u32;
            let mut names = Vec::new();
            let acronym = match &e.details {
                crate::model::Details::Organisation { acronym, .. } => acronym.as_deref(),
                _ => None,
            };
            for text in std::iter::once(e.name.as_str())
                .chain(e.aliases.iter().map(String::as_str))
                .chain(acronym)
            {
                let folded = fold(text);
                if folded.is_empty() {
                    continue;
                }
                let compact: String = folded.split(' ').collect();
                for word in folded.split(' ').chain(std::iter::once(compact.as_str())) {
                    add(&mut name_words, word, pos);
                }
                names.push((folded, compact));
            }
            if let Some(d) = &e.description {
                for word in fold(d).split(' ').filter(|w| !w.is_empty()) {
                    add(&mut description_words, word, pos);
                }
            }
            fields.push(Fields { names });
        }
        SearchIndex {
            fields,
            name_words,
            description_words,
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
        // Long queries cost a pass over the index per word: the first 16 count.
        let words: Vec<&str> = folded.split(' ').take(16).collect();
        let compact: String = words.concat();

        let in_names = all_words(&self.name_words, &words);
        let mut scored: Vec<ScoredEntity> = Vec::new();
        for &(pos, sum) in &in_names {
            if !keep(pos) {
                continue;
            }
            let mean = sum / words.len() as f64;
            let mut score = 0.4 + 0.4 * mean;
            for (i, (name, name_compact)) in self.fields[pos as usize].names.iter().enumerate() {
                let bonus = if *name == folded || *name_compact == compact {
                    if i == 0 {
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
            scored.push(ScoredEntity {
                position: pos,
                score,
            });
        }
        // Entities found only with the help of their description.
        if scored.len() < limit {
            let in_descriptions =
                all_words_in_either(&self.name_words, &self.description_words, &words);
            for (pos, mean) in in_descriptions {
                if in_names.binary_search_by_key(&pos, |h| h.0).is_ok() || !keep(pos) {
                    continue;
                }
                scored.push(ScoredEntity {
                    position: pos,
                    score: 0.1 + 0.25 * mean,
                });
            }
        }
        scored.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.position.cmp(&b.position))
        });
        scored.truncate(limit);
        scored
    }
}

fn add(map: &mut BTreeMap<Box<str>, Vec<u32>>, word: &str, pos: u32) {
    let list = map.entry(word.into()).or_default();
    if list.last() != Some(&pos) {
        list.push(pos);
    }
}

/// How many edits a word of this length may be away and still match.
fn typo_budget(word: &str) -> usize {
    match word.len() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// For one query word: every entity position with the best quality with
/// which one of its indexed words matches, sorted by position.
fn matches(map: &BTreeMap<Box<str>, Vec<u32>>, word: &str) -> Vec<(u32, Quality)> {
    let mut hits: Vec<(u32, Quality)> = Vec::new();
    for (key, list) in
        map.range::<str, _>((std::ops::Bound::Included(word), std::ops::Bound::Unbounded))
    {
        if !key.starts_with(word) {
            break;
        }
        let q = if &**key == word {
            Quality::Exact
        } else {
            Quality::Prefix
        };
        hits.extend(list.iter().map(|&pos| (pos, q)));
    }
    // Typos are looked for only when the word matches nothing as typed.
    let budget = typo_budget(word);
    if budget > 0 && hits.is_empty() {
        let w = word.as_bytes();
        let mut rows = Vec::new();
        for (key, list) in map {
            if key.len() + budget < word.len() {
                continue;
            }
            // A typo in the typed word against a whole word, or against the
            // start of a longer word being typed (folded text is ASCII).
            let k = key.as_bytes();
            let whole = k.len() <= w.len() + budget && osa_within(k, w, budget, &mut rows);
            let prefix =
                !whole && k.len() > w.len() && osa_within(&k[..w.len()], w, budget, &mut rows);
            if whole || prefix {
                hits.extend(list.iter().map(|&pos| (pos, Quality::Typo)));
            }
        }
    }
    best_per_position(hits)
}

/// `hits` sorted by position, each position once with its best quality.
fn best_per_position(mut hits: Vec<(u32, Quality)>) -> Vec<(u32, Quality)> {
    hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    hits.dedup_by_key(|h| h.0);
    hits
}

/// The positions in both sorted lists, with `sum` plus the weight of the
/// quality in `found`.
fn intersect(sums: Vec<(u32, f64)>, found: &[(u32, Quality)]) -> Vec<(u32, f64)> {
    let mut out = Vec::with_capacity(sums.len().min(found.len()));
    let mut rest = found;
    for (pos, sum) in sums {
        let skip = rest.partition_point(|h| h.0 < pos);
        rest = &rest[skip..];
        match rest.first() {
            Some(&(p, q)) if p == pos => out.push((pos, sum + q.weight())),
            Some(_) => {}
            None => break,
        }
    }
    out
}

/// Entities all of whose `words` match one of their indexed words, with the
/// sum of the weights of the matches, sorted by position.
fn all_words(map: &BTreeMap<Box<str>, Vec<u32>>, words: &[&str]) -> Vec<(u32, f64)> {
    let mut acc: Option<Vec<(u32, f64)>> = None;
    for word in words {
        let found = matches(map, word);
        acc = Some(match acc {
            None => found.iter().map(|&(p, q)| (p, q.weight())).collect(),
            Some(sums) => intersect(sums, &found),
        });
    }
    acc.unwrap_or_default()
}

/// Entities all of whose `words` match a word of their names or of their
/// description, with the mean weight of the matches, sorted by position.
fn all_words_in_either(
    names: &BTreeMap<Box<str>, Vec<u32>>,
    descriptions: &BTreeMap<Box<str>, Vec<u32>>,
    words: &[&str],
) -> Vec<(u32, f64)> {
    let mut acc: Option<Vec<(u32, f64)>> = None;
    for word in words {
        let mut found = matches(descriptions, word);
        found.extend(matches(names, word));
        let found = best_per_position(found);
        acc = Some(match acc {
            None => found.iter().map(|&(p, q)| (p, q.weight())).collect(),
            Some(sums) => intersect(sums, &found),
        });
    }
    let n = words.len() as f64;
    let mut out = acc.unwrap_or_default();
    out.iter_mut().for_each(|(_, sum)| *sum /= n);
    out
}

/// Whether the optimal string alignment distance between `a` and `b` (a swap
/// of two neighbouring bytes is one edit) is at most `k`. Stops as soon as a
/// row of the table exceeds `k`: every later row is at least its minimum.
/// `rows` is scratch space, reused between calls.
fn osa_within(a: &[u8], b: &[u8], k: usize, rows: &mut Vec<usize>) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    let w = b.len() + 1;
    rows.clear();
    rows.resize(3 * w, 0);
    // Offsets of rows i - 2, i - 1 and i.
    let (mut before, mut last, mut cur) = (0, w, 2 * w);
    for j in 0..w {
        rows[last + j] = j;
    }
    for i in 1..=a.len() {
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[last + j] + 1)
                .min(rows[cur + j - 1] + 1)
                .min(rows[last + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[before + j - 2] + 1);
            }
            rows[cur + j] = d;
            row_min = row_min.min(d);
        }
        if row_min > k {
            return false;
        }
        (before, last, cur) = (last, cur, before);
    }
    rows[last + w - 1] <= k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("  Ébru CANAN-Sokullu! "), "ebru canan sokullu");
        assert_eq!(fold("UN-Habitat"), "un habitat");
        assert_eq!(fold("--"), "");
    }

    #[test]
    fn osa_within_agrees_with_strsim() {
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
        let mut rows = Vec::new();
        for a in words {
            for b in words {
                let d = strsim::osa_distance(a, b);
                for k in 0..4 {
                    assert_eq!(
                        osa_within(a.as_bytes(), b.as_bytes(), k, &mut rows),
                        d <= k,
                        "{a} {b} {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget("itu"), 0);
        assert_eq!(typo_budget("geray"), 1);
        assert_eq!(typo_budget("infrastructure"), 2);
    }
}
