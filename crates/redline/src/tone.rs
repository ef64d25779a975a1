//! Tone: how positive or negative a sentence or document reads.
//!
//! Two measures from open lexicons (embedded `data/tone.tsv`, see NOTICE):
//! * GDELT-style tone: positive minus negative words per 100 words, with polarity (positive plus
//!   negative per 100 words) and the counts, from the Hu & Liu opinion lexicon;
//! * a valence score in (-1, 1) in the manner of VADER: word valences summed, a negation within
//!   three words before a word flips and dampens it, an intensifier right before it strengthens
//!   it, and the sum is normalised as `s / sqrt(s^2 + 15)`.

use rustc_hash::FxHashMap as HashMap;

use crate::text::Token;

/// The embedded lexicon.
pub const EMBEDDED_LEXICON: &str = include_str!("../data/tone.tsv");

/// Word valences and polarities.
#[derive(Debug, Clone, Default)]
pub struct ToneLexicon {
    words: HashMap<String, (Option<f32>, i8)>,
}

/// The tone of a span of text.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tone {
    /// Positive minus negative words per 100 words (GDELT's tone).
    pub tone: f32,
    /// Positive plus negative words per 100 words (GDELT's polarity).
    pub polarity: f32,
    /// Words counted.
    pub words: u32,
    /// Positive words.
    pub positive: u32,
    /// Negative words.
    pub negative: u32,
    /// VADER-style compound valence in (-1, 1).
    pub valence: f32,
}

const NEGATIONS: &[&str] = &[
    "not", "n't", "no", "never", "without", "nor", "neither", "nothing", "nobody", "none", "cannot",
];
const BOOSTERS: &[&str] = &[
    "very",
    "extremely",
    "highly",
    "deeply",
    "greatly",
    "seriously",
    "strongly",
    "most",
    "really",
    "especially",
    "particularly",
    "hugely",
    "totally",
    "utterly",
];
const DAMPENERS: &[&str] = &[
    "slightly",
    "somewhat",
    "barely",
    "hardly",
    "marginally",
    "partly",
    "little",
];

/// Accumulates word counts and valence over tokens.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToneCounter {
    words: u32,
    positive: u32,
    negative: u32,
    valence_sum: f32,
}

impl ToneCounter {
    /// The tone of what was counted.
    pub fn tone(&self) -> Tone {
        let per100 = |n: u32| {
            if self.words == 0 {
                0.0
            } else {
                n as f32 * 100.0 / self.words as f32
            }
        };
        let s = self.valence_sum;
        Tone {
            tone: per100(self.positive) - per100(self.negative),
            polarity: per100(self.positive + self.negative),
            words: self.words,
            positive: self.positive,
            negative: self.negative,
            valence: if s == 0.0 {
                0.0
            } else {
                s / (s * s + 15.0).sqrt()
            },
        }
    }

    /// Adds another counter's words.
    pub fn add(&mut self, other: &ToneCounter) {
        self.words += other.words;
        self.positive += other.positive;
        self.negative += other.negative;
        self.valence_sum += other.valence_sum;
    }
}

impl ToneLexicon {
    /// The embedded lexicon.
    pub fn embedded() -> ToneLexicon {
        ToneLexicon::parse(EMBEDDED_LEXICON)
    }

    /// Parses a `word<TAB>valence<TAB>polarity` table.
    pub fn parse(text: &str) -> ToneLexicon {
        let mut words = HashMap::with_capacity_and_hasher(12_000, Default::default());
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            if let (Some(w), Some(v), Some(p)) = (f.next(), f.next(), f.next()) {
                words.insert(w.to_string(), (v.parse().ok(), p.parse().unwrap_or(0)));
            }
        }
        ToneLexicon { words }
    }

    /// Counts one sentence's tokens.
    pub fn count(&self, tokens: &[Token]) -> ToneCounter {
        let mut c = ToneCounter::default();
        for (i, t) in tokens.iter().enumerate() {
            if t.punct || !t.norm.chars().next().is_some_and(char::is_alphabetic) {
                continue;
            }
            c.words += 1;
            let entry = self
                .words
                .get(&t.norm)
                .or_else(|| t.verb_lemma.as_deref().and_then(|l| self.words.get(l)))
                .or_else(|| t.noun_lemma.as_deref().and_then(|l| self.words.get(l)));
            let Some(&(valence, polarity)) = entry else {
                continue;
            };
            let negated = tokens[i.saturating_sub(3)..i]
                .iter()
                .any(|p| NEGATIONS.contains(&p.norm.as_str()));
            match (polarity, negated) {
                (1, false) | (-1, true) => c.positive += 1,
                (-1, false) | (1, true) => c.negative += 1,
                _ => {}
            }
            if let Some(mut v) = valence {
                if i > 0 {
                    let prev = tokens[i - 1].norm.as_str();
                    if BOOSTERS.contains(&prev) {
                        v += 0.293 * v.signum();
                    } else if DAMPENERS.contains(&prev) {
                        v -= 0.293 * v.signum();
                    }
                }
                if negated {
                    v *= -0.74;
                }
                c.valence_sum += v;
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Lemmatizer, make_token, token_spans};

    fn tone(text: &str) -> Tone {
        let lex =
            ToneLexicon::parse("good\t1.9\t1\nattack\t-2.1\t-1\nwar\t-2.9\t0\nconcern\t-\t-1\n");
        let lem = Lemmatizer::default();
        let toks: Vec<Token> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        lex.count(&toks).tone()
    }

    #[test]
    fn gdelt_tone_counts_words_per_hundred() {
        let t = tone("a good attack and a concern.");
        assert_eq!((t.words, t.positive, t.negative), (6, 1, 2));
        assert!((t.tone - (100.0 / 6.0 - 200.0 / 6.0)).abs() < 1e-4);
        assert!((t.polarity - 50.0).abs() < 1e-4);
    }

    #[test]
    fn negation_flips_and_intensifiers_strengthen() {
        assert!(tone("the war").valence < -0.5);
        assert!(tone("not good").valence < 0.0);
        assert_eq!(tone("not good").negative, 1);
        assert!(tone("very good").valence > tone("good").valence);
        assert_eq!(tone("").words, 0);
    }
}
