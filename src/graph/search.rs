//! Full-text search over names, aliases, acronyms and descriptions.
//!
//! Text is folded before it is compared: accents are transliterated
//! (`deunicode`), case is ignored, and punctuation separates words. A query
//! matches an entity when every query word is a word, a word prefix, or (for
//! longer words) a word one or two edits away (`strsim`'s optimal string alignment distance,
//! which counts a swap of two letters as one edit)
//! of its names; descriptions are searched too, at a lower score. Exact name
//! and alias matches rank first.

use std::collections::{BTreeMap, HashMap};

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
#[derive(Clone, Copy, PartialEq, PartialOrd)]
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
        for (&pos, qualities) in &in_names {
            if !keep(pos) {
                continue;
            }
            let mean = qualities.iter().map(|q| q.weight()).sum::<f64>() / words.len() as f64;
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
                if in_names.contains_key(&pos) || !keep(pos) {
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
/// which one of its indexed words matches.
fn matches(map: &BTreeMap<Box<str>, Vec<u32>>, word: &str) -> HashMap<u32, Quality> {
    let mut best: HashMap<u32, Quality> = HashMap::new();
    let note = |best: &mut HashMap<u32, Quality>, list: &Vec<u32>, q: Quality| {
        for &pos in list {
            let slot = best.entry(pos).or_insert(q);
            if q > *slot {
                *slot = q;
            }
        }
    };
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
        note(&mut best, list, q);
    }
    // Typos are looked for only when the word matches nothing as typed.
    let budget = typo_budget(word);
    if budget > 0 && best.is_empty() {
        for (key, list) in map {
            if key.len() + budget < word.len() {
                continue;
            }
            // A typo in the typed word against a whole word, or against the
            // start of a longer word being typed.
            let whole =
                key.len() <= word.len() + budget && strsim::osa_distance(key, word) <= budget;
            let prefix = !whole
                && key.len() > word.len()
                && key.is_char_boundary(word.len())
                && strsim::osa_distance(&key[..word.len()], word) <= budget;
            if whole || prefix {
                note(&mut best, list, Quality::Typo);
            }
        }
    }
    best
}

/// Entities all of whose `words` match one of their indexed words, with the
/// quality of each word's match.
fn all_words(map: &BTreeMap<Box<str>, Vec<u32>>, words: &[&str]) -> HashMap<u32, Vec<Quality>> {
    let mut acc: Option<HashMap<u32, Vec<Quality>>> = None;
    for word in words {
        let found = matches(map, word);
        acc = Some(match acc {
            None => found.into_iter().map(|(p, q)| (p, vec![q])).collect(),
            Some(mut prev) => {
                prev.retain(|p, qs| match found.get(p) {
                    Some(q) => {
                        qs.push(*q);
                        true
                    }
                    None => false,
                });
                prev
            }
        });
    }
    acc.unwrap_or_default()
}

/// Entities all of whose `words` match a word of their names or of their
/// description, with the mean weight of the matches.
fn all_words_in_either(
    names: &BTreeMap<Box<str>, Vec<u32>>,
    descriptions: &BTreeMap<Box<str>, Vec<u32>>,
    words: &[&str],
) -> Vec<(u32, f64)> {
    let mut acc: Option<HashMap<u32, f64>> = None;
    for word in words {
        let mut found = matches(descriptions, word);
        for (pos, q) in matches(names, word) {
            let slot = found.entry(pos).or_insert(q);
            if q > *slot {
                *slot = q;
            }
        }
        acc = Some(match acc {
            None => found.into_iter().map(|(p, q)| (p, q.weight())).collect(),
            Some(mut prev) => {
                prev.retain(|p, sum| match found.get(p) {
                    Some(q) => {
                        *sum += q.weight();
                        true
                    }
                    None => false,
                });
                prev
            }
        });
    }
    let n = words.len() as f64;
    let mut out: Vec<(u32, f64)> = acc
        .unwrap_or_default()
        .into_iter()
        .map(|(p, sum)| (p, sum / n))
        .collect();
    out.sort_by_key(|(p, _)| *p);
    out
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
    fn typo_budget_grows_with_length() {
        assert_eq!(typo_budget("itu"), 0);
        assert_eq!(typo_budget("geray"), 1);
        assert_eq!(typo_budget("infrastructure"), 2);
    }
}
