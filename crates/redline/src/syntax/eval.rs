//! Scoring against a treebank, as the CoNLL 2018 shared task does.
//!
//! On gold tokens ([`score_gold_tokens`]) every score is an accuracy over words. From raw text
//! ([`score_raw`]) the gold sentences are joined back into text ([`raw_text`]: `SpaceAfter=No`
//! respected, a blank line between paragraphs), the system tokenises it itself, and system words
//! are aligned to gold words by their character spans; every score is then an F1 of precision
//! (over system words) and recall (over gold words). LAS compares the universal part of the
//! relation (`nmod`, not `nmod:poss`), as the shared task did. Words inside a multiword token
//! (`don't` = `do n't`) get their own spans when their forms spell the token, else share its span.

use super::conllu::Sentence;
use crate::text::Span;

/// Scores in percent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    /// Universal part of speech.
    pub upos: f64,
    /// Penn Treebank tag.
    pub xpos: f64,
    /// Lemma.
    pub lemma: f64,
    /// Unlabelled attachment.
    pub uas: f64,
    /// Labelled attachment (universal relation).
    pub las: f64,
    /// Words scored.
    pub words: usize,
}

/// Raw-text scores: F1 in percent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RawScores {
    /// Tokens (spans of the text).
    pub tokens: f64,
    /// Sentences (spans of the text).
    pub sentences: f64,
    /// Syntactic words.
    pub words: f64,
    /// Tags, lemmas and attachments over aligned words.
    pub tagged: Scores,
}

fn universal(deprel: &str) -> &str {
    deprel.split(':').next().unwrap_or(deprel)
}

/// Accuracies of `predicted` against `gold`, sentence by sentence and word by word.
pub fn score_gold_tokens(gold: &[Sentence], predicted: &[Sentence]) -> Scores {
    let mut counts = [0usize; 5];
    let mut n = 0usize;
    for (g, p) in gold.iter().zip(predicted) {
        for (gw, pw) in g.words.iter().zip(&p.words) {
            n += 1;
            counts[0] += usize::from(gw.upos == pw.upos);
            counts[1] += usize::from(gw.xpos == pw.xpos);
            counts[2] += usize::from(gw.lemma == pw.lemma);
            let head = gw.head == pw.head;
            counts[3] += usize::from(head);
            counts[4] += usize::from(head && universal(&gw.deprel) == universal(&pw.deprel));
        }
    }
    let pct = |c: usize| 100.0 * c as f64 / n.max(1) as f64;
    Scores {
        upos: pct(counts[0]),
        xpos: pct(counts[1]),
        lemma: pct(counts[2]),
        uas: pct(counts[3]),
        las: pct(counts[4]),
        words: n,
    }
}

/// Gold sentences as raw text, with the span of every sentence, token and word in it.
#[derive(Debug, Clone, Default)]
pub struct RawGold {
    /// The text.
    pub text: String,
    /// Per sentence: its span.
    pub sentences: Vec<Span>,
    /// Every token's span.
    pub tokens: Vec<Span>,
    /// Per sentence, per word: its span.
    pub words: Vec<Vec<Span>>,
}

/// Joins gold sentences back into text.
pub fn raw_text(gold: &[Sentence]) -> RawGold {
    let mut raw = RawGold::default();
    for (k, s) in gold.iter().enumerate() {
        if k > 0 {
            raw.text
                .push_str(if s.new_paragraph { "\n\n" } else { " " });
        }
        let start = raw.text.len();
        let mut words = vec![Span::default(); s.words.len()];
        let mut i = 0;
        while i < s.words.len() {
            let multiword = s.multiword_tokens.iter().find(|m| m.first == i + 1);
            let (form, last, no_space) = match multiword {
                Some(m) => (m.form.as_str(), m.last, m.no_space_after),
                None => (s.words[i].form.as_str(), i + 1, s.words[i].no_space_after),
            };
            let token = Span::new(raw.text.len(), raw.text.len() + form.len());
            raw.text.push_str(form);
            raw.tokens.push(token);
            let parts: Vec<&str> = s.words[i..last].iter().map(|w| w.form.as_str()).collect();
            if parts.concat().to_lowercase() == form.to_lowercase() {
                let mut at = token.start;
                for (j, part) in parts.iter().enumerate() {
                    words[i + j] = Span::new(at, at + part.len());
                    at += part.len();
                }
            } else {
                for w in &mut words[i..last] {
                    *w = token;
                }
            }
            i = last;
            if !no_space && i < s.words.len() {
                raw.text.push(' ');
            }
        }
        raw.sentences.push(Span::new(start, raw.text.len()));
        raw.words.push(words);
    }
    raw
}

fn f1(correct: usize, system: usize, gold: usize) -> f64 {
    if system + gold == 0 {
        return 100.0;
    }
    200.0 * correct as f64 / (system + gold) as f64
}

/// One system sentence for [`score_raw`]: its span, and per word its span and analysis (as a
/// CoNLL-U sentence whose words are in the same order as the spans).
#[derive(Debug, Clone)]
pub struct SystemSentence {
    /// The sentence's span.
    pub span: Span,
    /// The words' spans.
    pub spans: Vec<Span>,
    /// The analysed words.
    pub sentence: Sentence,
}

/// F1 scores of a system's analysis of `gold_raw.text` against the gold sentences.
pub fn score_raw(gold: &[Sentence], gold_raw: &RawGold, system: &[SystemSentence]) -> RawScores {
    use std::collections::{HashMap, HashSet};
    let gold_sentences: HashSet<Span> = gold_raw.sentences.iter().copied().collect();
    let sentence_hits = system
        .iter()
        .filter(|s| gold_sentences.contains(&s.span))
        .count();
    let gold_tokens: HashSet<Span> = gold_raw.tokens.iter().copied().collect();
    let system_tokens: Vec<Span> = system
        .iter()
        .flat_map(|s| s.spans.iter().copied())
        .collect();
    let token_hits = system_tokens
        .iter()
        .filter(|t| gold_tokens.contains(t))
        .count();
    // Gold words by (span, position among words sharing it).
    let mut gold_index: HashMap<(Span, usize), (usize, usize)> = HashMap::new();
    for (si, words) in gold_raw.words.iter().enumerate() {
        for (wi, span) in words.iter().enumerate() {
            let rank = words[..wi].iter().filter(|s| *s == span).count();
            gold_index.insert((*span, rank), (si, wi));
        }
    }
    let n_gold_words: usize = gold.iter().map(|s| s.words.len()).sum();
    let n_system_words: usize = system.iter().map(|s| s.spans.len()).sum();
    // Alignment of system words to gold words.
    let mut aligned: Vec<Vec<Option<(usize, usize)>>> = Vec::with_capacity(system.len());
    for s in system {
        let mut row = Vec::with_capacity(s.spans.len());
        for (wi, span) in s.spans.iter().enumerate() {
            let rank = s.spans[..wi].iter().filter(|x| *x == span).count();
            row.push(gold_index.get(&(*span, rank)).copied());
        }
        aligned.push(row);
    }
    let mut counts = [0usize; 6];
    for (s, row) in system.iter().zip(&aligned) {
        for (wi, gold_at) in row.iter().enumerate() {
            let Some((gs, gw)) = *gold_at else { continue };
            let g = &gold[gs].words[gw];
            let p = &s.sentence.words[wi];
            counts[0] += 1;
            counts[1] += usize::from(g.upos == p.upos);
            counts[2] += usize::from(g.xpos == p.xpos);
            counts[3] += usize::from(g.lemma == p.lemma);
            let system_head = if p.head == 0 {
                Some(None)
            } else {
                row[p.head - 1].map(Some)
            };
            let gold_head = if g.head == 0 {
                None
            } else {
                Some((gs, g.head - 1))
            };
            let head = system_head == Some(gold_head);
            counts[4] += usize::from(head);
            counts[5] += usize::from(head && universal(&g.deprel) == universal(&p.deprel));
        }
    }
    let words_f1 = |c: usize| f1(c, n_system_words, n_gold_words);
    RawScores {
        tokens: f1(token_hits, system_tokens.len(), gold_raw.tokens.len()),
        sentences: f1(sentence_hits, system.len(), gold_raw.sentences.len()),
        words: words_f1(counts[0]),
        tagged: Scores {
            upos: words_f1(counts[1]),
            xpos: words_f1(counts[2]),
            lemma: words_f1(counts[3]),
            uas: words_f1(counts[4]),
            las: words_f1(counts[5]),
            words: n_gold_words,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::conllu::parse_conllu;
    use super::*;

    const GOLD: &str = "# newpar\n1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n1\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n2\tn't\tnot\tPART\tRB\t_\t1\tadvmod\t_\t_\n3\t!\t!\tPUNCT\t.\t_\t1\tpunct\t_\t_\n\n";

    #[test]
    fn raw_text_rebuilds_spacing_and_word_spans() {
        let gold = parse_conllu("g", GOLD).unwrap();
        let raw = raw_text(&gold);
        assert_eq!(raw.text, "don't!");
        assert_eq!(&raw.text[raw.words[0][1].range()], "n't");
        assert_eq!(raw.tokens.len(), 2);
    }

    #[test]
    fn a_perfect_system_scores_one_hundred() {
        let gold = parse_conllu("g", GOLD).unwrap();
        let raw = raw_text(&gold);
        let system = vec![SystemSentence {
            span: raw.sentences[0],
            spans: raw.words[0].clone(),
            sentence: gold[0].clone(),
        }];
        let scores = score_raw(&gold, &raw, &system);
        assert_eq!(scores.tagged.las, 100.0);
        assert_eq!(scores.words, 100.0);
        assert_eq!(score_gold_tokens(&gold, &gold).uas, 100.0);
    }
}
