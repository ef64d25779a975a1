//! The part-of-speech tagger: a greedy left-to-right averaged perceptron predicting UPOS and XPOS
//! together as one class (`VERB|VBD`), so the two never disagree.
//!
//! Features follow Honnibal's perceptron tagger, widened for web text: the word, its lower case,
//! prefixes, suffixes and shape, two words either side, the two previous predicted tags, and the
//! most frequent tag of the next two words (a cheap look-ahead the greedy decoder otherwise
//! lacks). Frequent words that always take the same tag in training skip the classifier (the
//! tag dictionary), which is both faster and as accurate.

use std::collections::HashMap;

use super::SyntaxError;
use super::conllu::Sentence;
use super::model::{ByteReader, ByteWriter};
use super::perceptron::{Rng, TrainingWeights, Weights, feature, hash_str};

/// A word's hashed properties, computed once per sentence.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WordHashes {
    /// The exact form.
    pub exact: u64,
    /// The lower-case form.
    pub lower: u64,
    suffixes: [u64; 4],
    prefixes: [u64; 3],
    shape: u64,
    flags: u64,
    likely_tag: u64,
}

/// The tagger's model.
#[derive(Debug, Clone, Default)]
pub struct Tagger {
    /// The classes: (UPOS, XPOS).
    pub classes: Vec<(String, String)>,
    /// Forms whose tag is (nearly) certain: at least 20 occurrences, 97% with one class.
    tag_dictionary: HashMap<String, u16>,
    /// The most frequent class of every lower-case training form.
    likely_tags: HashMap<String, u16>,
    weights: Weights,
    /// The second pass, which also sees the first pass's tags of the next two words; empty
    /// when the tagger was trained without it.
    second_pass: Weights,
}

const NO_TAG: u64 = 0xFFFF;
const START: u64 = 0xFFFE;

/// A compressed shape: `Kim` -> `Xx`, `3.5` -> `d.d`, `U.S.` -> `X.X.`.
fn shape(word: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    for c in word.chars() {
        let class = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if last != Some(class) {
            out.push(class);
            last = Some(class);
        }
    }
    out
}

impl Tagger {
    pub(crate) fn word_hashes(&self, forms: &[&str]) -> Vec<WordHashes> {
        forms
            .iter()
            .enumerate()
            .map(|(i, form)| {
                let lower = form.to_lowercase();
                let chars: Vec<(usize, char)> = lower.char_indices().collect();
                let n = chars.len();
                let suffix = |k: usize| {
                    if n >= k {
                        hash_str(&lower[chars[n - k].0..])
                    } else {
                        0
                    }
                };
                let prefix = |k: usize| {
                    if n >= k {
                        let end = if n > k { chars[k].0 } else { lower.len() };
                        hash_str(&lower[..end])
                    } else {
                        0
                    }
                };
                let first_upper = form.chars().next().is_some_and(char::is_uppercase);
                let flags = u64::from(first_upper)
                    | u64::from(i == 0) << 1
                    | u64::from(form.contains('-')) << 2
                    | u64::from(form.chars().any(|c| c.is_ascii_digit())) << 3
                    | u64::from(form.chars().all(char::is_uppercase)) << 4;
                WordHashes {
                    exact: hash_str(form),
                    lower: hash_str(&lower),
                    suffixes: [suffix(1), suffix(2), suffix(3), suffix(4)],
                    prefixes: [prefix(1), prefix(2), prefix(3)],
                    shape: hash_str(&shape(form)),
                    flags,
                    likely_tag: self
                        .likely_tags
                        .get(&lower)
                        .map_or(NO_TAG, |&t| u64::from(t)),
                }
            })
            .collect()
    }

    fn features(words: &[WordHashes], i: usize, prev: u64, prev2: u64, out: &mut Vec<u32>) {
        out.clear();
        let none = WordHashes {
            lower: START,
            exact: START,
            likely_tag: START,
            shape: START,
            suffixes: [START; 4],
            ..WordHashes::default()
        };
        let at = |k: isize| {
            let j = i as isize + k;
            if j < 0 || j as usize >= words.len() {
                none
            } else {
                words[j as usize]
            }
        };
        let (w, p1, p2, n1, n2) = (at(0), at(-1), at(-2), at(1), at(2));
        out.extend([
            feature(1, 0, 0, 0),
            feature(2, w.lower, 0, 0),
            feature(3, w.exact, 0, 0),
            feature(4, w.suffixes[0], 0, 0),
            feature(5, w.suffixes[1], 0, 0),
            feature(6, w.suffixes[2], 0, 0),
            feature(7, w.suffixes[3], 0, 0),
            feature(8, w.prefixes[0], 0, 0),
            feature(9, w.prefixes[1], 0, 0),
            feature(10, w.prefixes[2], 0, 0),
            feature(11, w.shape, 0, 0),
            feature(12, w.flags, 0, 0),
            feature(13, p1.lower, 0, 0),
            feature(14, n1.lower, 0, 0),
            feature(15, p2.lower, 0, 0),
            feature(16, n2.lower, 0, 0),
            feature(17, p1.suffixes[2], 0, 0),
            feature(18, n1.suffixes[2], 0, 0),
            feature(19, prev, 0, 0),
            feature(20, prev2, 0, 0),
            feature(21, prev, prev2, 0),
            feature(22, prev, w.lower, 0),
            feature(23, n1.likely_tag, 0, 0),
            feature(24, n2.likely_tag, 0, 0),
            feature(25, n1.likely_tag, w.lower, 0),
            feature(26, n1.likely_tag, n2.likely_tag, 0),
            feature(27, p1.lower, w.lower, 0),
            feature(28, w.lower, n1.lower, 0),
            feature(29, n1.shape, 0, 0),
            feature(30, p1.shape, 0, 0),
            feature(31, prev, n1.likely_tag, 0),
            feature(32, prev, w.suffixes[2], 0),
            feature(33, w.likely_tag, 0, 0),
            feature(34, w.flags, w.suffixes[2], 0),
            feature(35, prev, n1.lower, 0),
            feature(36, p1.lower, n1.lower, 0),
            feature(37, w.shape, prev, 0),
            feature(38, w.flags, prev, 0),
            feature(39, w.suffixes[3], n1.likely_tag, 0),
        ]);
    }

    /// The second pass's extra features: the first pass's tags to the right.
    fn second_pass_features(
        first_pass: &[u16],
        words: &[WordHashes],
        i: usize,
        prev: u64,
        out: &mut Vec<u32>,
    ) {
        let tag_at = |j: usize| first_pass.get(j).map_or(START, |&t| u64::from(t));
        let (next1, next2) = (tag_at(i + 1), tag_at(i + 2));
        out.extend([
            feature(40, next1, 0, 0),
            feature(41, next2, 0, 0),
            feature(42, next1, words[i].lower, 0),
            feature(43, prev, next1, 0),
            feature(44, next1, next2, 0),
            feature(45, first_pass[i].into(), 0, 0),
        ]);
    }

    /// The classes of the words of a sentence.
    pub fn tag(&self, forms: &[&str]) -> Vec<u16> {
        let words = self.word_hashes(forms);
        self.tag_hashed(forms, &words)
    }

    pub(crate) fn tag_hashed(&self, forms: &[&str], words: &[WordHashes]) -> Vec<u16> {
        let first = self.tag_pass(forms, words, &self.weights, None);
        if self.second_pass.is_empty() {
            return first;
        }
        self.tag_pass(forms, words, &self.second_pass, Some(&first))
    }

    fn tag_pass(
        &self,
        forms: &[&str],
        words: &[WordHashes],
        weights: &Weights,
        first_pass: Option<&[u16]>,
    ) -> Vec<u16> {
        let mut tags = Vec::with_capacity(forms.len());
        let mut features = Vec::with_capacity(48);
        let mut scores = vec![0f32; self.classes.len()];
        let (mut prev, mut prev2) = (START, START);
        for (i, form) in forms.iter().enumerate() {
            let tag = match self.tag_dictionary.get(*form) {
                Some(&t) => t,
                None => {
                    Self::features(words, i, prev, prev2, &mut features);
                    if let Some(first) = first_pass {
                        Self::second_pass_features(first, words, i, prev, &mut features);
                    }
                    scores.iter_mut().for_each(|s| *s = 0.0);
                    weights.score(&features, &mut scores);
                    argmax(&scores) as u16
                }
            };
            tags.push(tag);
            prev2 = prev;
            prev = u64::from(tag);
        }
        tags
    }

    /// Trains the second pass, given first-pass tags of the training sentences from taggers
    /// that did not see them (so that it learns how far to trust them).
    pub fn train_second_pass(
        &mut self,
        sentences: &[&Sentence],
        first_pass: &[Vec<u16>],
        epochs: usize,
        rng: &mut Rng,
        progress: &mut dyn FnMut(&str),
    ) {
        let mut training = TrainingWeights::new(self.classes.len());
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut features = Vec::with_capacity(48);
        let mut scores = vec![0f32; self.classes.len()];
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            let (mut correct, mut total) = (0usize, 0usize);
            for &k in &order {
                let forms = sentences[k].forms();
                let words = self.word_hashes(&forms);
                let (mut prev, mut prev2) = (START, START);
                for (i, form) in forms.iter().enumerate() {
                    let w = &sentences[k].words[i];
                    let truth = self
                        .classes
                        .iter()
                        .position(|(u, x)| *u == w.upos && *x == w.xpos)
                        .unwrap_or(0) as u16;
                    let guess = match self.tag_dictionary.get(*form) {
                        Some(&t) => t,
                        None => {
                            Self::features(&words, i, prev, prev2, &mut features);
                            Self::second_pass_features(
                                &first_pass[k],
                                &words,
                                i,
                                prev,
                                &mut features,
                            );
                            scores.iter_mut().for_each(|s| *s = 0.0);
                            training.score(&features, &mut scores);
                            let guess = argmax(&scores) as u16;
                            training.tick();
                            training.update(&features, truth as usize, guess as usize);
                            guess
                        }
                    };
                    correct += usize::from(guess == truth);
                    total += 1;
                    prev2 = prev;
                    prev = u64::from(guess);
                }
            }
            progress(&format!(
                "tagger second pass epoch {}: training accuracy {:.2}%",
                epoch + 1,
                100.0 * correct as f64 / total.max(1) as f64
            ));
        }
        self.second_pass = training.average(0.05);
    }

    /// Trains a tagger on the words of `sentences` for `epochs` passes in an order fixed by `rng`.
    pub fn train(
        sentences: &[&Sentence],
        epochs: usize,
        rng: &mut Rng,
        progress: &mut dyn FnMut(&str),
    ) -> Tagger {
        let mut class_ids: HashMap<(String, String), u16> = HashMap::new();
        let mut classes = Vec::new();
        let mut counts: HashMap<String, HashMap<u16, usize>> = HashMap::new();
        let mut lower_counts: HashMap<String, HashMap<u16, usize>> = HashMap::new();
        let gold: Vec<Vec<u16>> = sentences
            .iter()
            .map(|s| {
                s.words
                    .iter()
                    .map(|w| {
                        let key = (w.upos.clone(), w.xpos.clone());
                        let id = *class_ids.entry(key.clone()).or_insert_with(|| {
                            classes.push(key);
                            (classes.len() - 1) as u16
                        });
                        *counts
                            .entry(w.form.clone())
                            .or_default()
                            .entry(id)
                            .or_default() += 1;
                        *lower_counts
                            .entry(w.form.to_lowercase())
                            .or_default()
                            .entry(id)
                            .or_default() += 1;
                        id
                    })
                    .collect()
            })
            .collect();
        let best = |m: &HashMap<u16, usize>| {
            m.iter()
                .max_by_key(|(t, c)| (**c, std::cmp::Reverse(**t)))
                .map(|(t, c)| (*t, *c))
                .expect("a counted form has a tag")
        };
        let mut tag_dictionary = HashMap::new();
        for (form, m) in &counts {
            let total: usize = m.values().sum();
            let (tag, n) = best(m);
            if total >= 20 && n as f64 / total as f64 >= 0.97 {
                tag_dictionary.insert(form.clone(), tag);
            }
        }
        let likely_tags = lower_counts
            .iter()
            .map(|(form, m)| (form.clone(), best(m).0))
            .collect();
        let mut tagger = Tagger {
            classes,
            tag_dictionary,
            likely_tags,
            weights: Weights::default(),
            second_pass: Weights::default(),
        };
        let mut training = TrainingWeights::new(tagger.classes.len());
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut features = Vec::with_capacity(40);
        let mut scores = vec![0f32; tagger.classes.len()];
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            let (mut correct, mut total) = (0usize, 0usize);
            for &k in &order {
                let forms = sentences[k].forms();
                let words = tagger.word_hashes(&forms);
                let (mut prev, mut prev2) = (START, START);
                for (i, form) in forms.iter().enumerate() {
                    let truth = gold[k][i];
                    let guess = match tagger.tag_dictionary.get(*form) {
                        Some(&t) => t,
                        None => {
                            Self::features(&words, i, prev, prev2, &mut features);
                            scores.iter_mut().for_each(|s| *s = 0.0);
                            training.score(&features, &mut scores);
                            let guess = argmax(&scores) as u16;
                            training.tick();
                            training.update(&features, truth as usize, guess as usize);
                            guess
                        }
                    };
                    correct += usize::from(guess == truth);
                    total += 1;
                    prev2 = prev;
                    prev = u64::from(guess);
                }
            }
            progress(&format!(
                "tagger epoch {}: training accuracy {:.2}%",
                epoch + 1,
                100.0 * correct as f64 / total.max(1) as f64
            ));
        }
        tagger.weights = training.average(0.05);
        tagger
    }

    /// A copy without the weights smaller than `min_abs` in magnitude.
    pub fn pruned(&self, min_abs: f32) -> Tagger {
        Tagger {
            weights: self.weights.pruned(min_abs),
            second_pass: self.second_pass.pruned(min_abs),
            ..self.clone()
        }
    }

    /// The number of stored weights.
    pub fn n_weights(&self) -> usize {
        self.weights.len() + self.second_pass.len()
    }

    pub(crate) fn write(&self, w: &mut ByteWriter) {
        w.u32(self.classes.len() as u32);
        for (upos, xpos) in &self.classes {
            w.str(upos);
            w.str(xpos);
        }
        for map in [&self.tag_dictionary, &self.likely_tags] {
            let mut entries: Vec<(&String, &u16)> = map.iter().collect();
            entries.sort();
            w.u32(entries.len() as u32);
            for (form, tag) in entries {
                w.str(form);
                w.u16(*tag);
            }
        }
        self.weights.write(w);
        self.second_pass.write(w);
    }

    pub(crate) fn read(r: &mut ByteReader) -> Result<Tagger, SyntaxError> {
        let n = r.u32("tag count")? as usize;
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            classes.push((r.str("upos")?, r.str("xpos")?));
        }
        let mut maps = [HashMap::new(), HashMap::new()];
        for map in &mut maps {
            let len = r.u32("tag dictionary size")? as usize;
            map.reserve(len);
            for _ in 0..len {
                let form = r.str("tag dictionary form")?;
                let tag = r.u16("tag dictionary tag")?;
                if tag as usize >= n {
                    return Err(r.error(format!("tag {tag} of '{form}' out of range")));
                }
                map.insert(form, tag);
            }
        }
        let [tag_dictionary, likely_tags] = maps;
        let weights = Weights::read(r)?;
        let second_pass = Weights::read(r)?;
        if weights.n_classes() != n || (!second_pass.is_empty() && second_pass.n_classes() != n) {
            return Err(r.error("tagger weights do not match its classes"));
        }
        Ok(Tagger {
            classes,
            tag_dictionary,
            likely_tags,
            weights,
            second_pass,
        })
    }
}

/// The index of the largest score (the first on ties).
pub(crate) fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_compress_runs() {
        assert_eq!(shape("Kim"), "Xx");
        assert_eq!(shape("3.5"), "d.d");
        assert_eq!(shape("U.S."), "X.X.");
    }

    #[test]
    fn argmax_takes_the_first_of_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
    }
}
