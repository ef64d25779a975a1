//! UD-style tokenisation of raw text, as byte spans into the untouched text.
//!
//! Sentences come from the coder's splitter (`text::sentence_spans`) and tokens start from the
//! coder's tokenizer (`text::token_spans`), then follow the English Web Treebank's conventions:
//! clitics are words of their own (`do n't`, `I 'm`, `Russia 's`, `can not`, `gon na`),
//! hyphenated words are split (`Al - Zaman`) except after prefixes such as `e-`, `non-`, `pre-`
//! and between digits (`713-853-3989`), a slash between letters is split (`and / or`), and URLs
//! and e-mail addresses stay whole.

use std::ops::Range;

use crate::text::{Span, sentence_spans, token_spans};

/// Prefixes EWT keeps attached to the hyphenated word (`e-mail`, `non-profit`).
const KEPT_HYPHEN_PREFIXES: &[&str] = &[
    "anti", "co", "cross", "e", "ex", "mid", "multi", "neo", "non", "over", "post", "pre", "pro",
    "psycho", "re", "semi", "sub",
];

/// Clitics after an apostrophe that are words of their own (`'s` and `n't` are split already).
const CLITICS: &[&str] = &["m", "ll", "re", "ve", "d", "s"];

/// Words EWT writes as two (`cannot` -> `can not`): the form and the length of its first part.
const FUSED_WORDS: &[(&str, usize)] = &[("cannot", 3), ("gonna", 3), ("wanna", 3), ("gotta", 3)];

/// Sentences of `text` and their UD tokens.
pub fn ud_sentences(text: &str) -> Vec<(Span, Vec<Span>)> {
    sentence_spans(text, 0..text.len())
        .into_iter()
        .map(|s| (s, ud_token_spans(text, s.range())))
        .collect()
}

fn looks_like_url(chunk: &str) -> bool {
    chunk.contains("://")
        || chunk.starts_with("www.")
        || chunk
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

/// The UD tokens of `text[range]`.
pub fn ud_token_spans(text: &str, range: Range<usize>) -> Vec<Span> {
    let mut out = Vec::new();
    let slice = &text[range.clone()];
    let mut offset = 0;
    for chunk in slice.split_whitespace() {
        let start = range.start + offset + slice[offset..].find(chunk).expect("chunk of slice");
        offset = start - range.start + chunk.len();
        let trimmed = chunk.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
        if looks_like_url(trimmed) {
            out.push(Span::new(start, start + trimmed.len()));
            out.extend(token_spans(
                text,
                start + trimmed.len()..start + chunk.len(),
            ));
            continue;
        }
        let spans = token_spans(text, start..start + chunk.len());
        let mut k = 0;
        while k < spans.len() {
            let span = spans[k];
            let word = &text[span.range()];
            // "I" "'" "m" -> "I" "'m": an apostrophe glued to a clitic after a word.
            if (word == "'" || word == "\u{2019}")
                && k + 1 < spans.len()
                && spans[k + 1].start == span.end
                && k > 0
                && spans[k - 1].end == span.start
                && CLITICS.contains(&text[spans[k + 1].range()].to_lowercase().as_str())
            {
                out.push(Span::new(span.start, spans[k + 1].end));
                k += 2;
                continue;
            }
            split_word(text, span, &mut out);
            k += 1;
        }
    }
    out
}

/// Splits one token at hyphens and slashes and fused words, EWT style.
fn split_word(text: &str, span: Span, out: &mut Vec<Span>) {
    let word = &text[span.range()];
    let lower = word.to_lowercase();
    if let Some(&(_, first)) = FUSED_WORDS.iter().find(|(w, _)| *w == lower) {
        out.push(Span::new(span.start, span.start + first));
        out.push(Span::new(span.start + first, span.end));
        return;
    }
    let mut piece_start = span.start;
    let bytes = word.as_bytes();
    for (i, c) in word.char_indices() {
        if (c != '-' && c != '/') || i == 0 || i + 1 >= word.len() {
            continue;
        }
        let left = &text[piece_start..span.start + i];
        let before = bytes[i - 1] as char;
        let after = bytes[i + 1] as char;
        let split = if c == '-' {
            before.is_alphabetic()
                && after.is_alphabetic()
                && !KEPT_HYPHEN_PREFIXES.contains(&left.to_lowercase().as_str())
        } else {
            before.is_alphabetic() && after.is_alphabetic()
        };
        if split {
            out.push(Span::new(piece_start, span.start + i));
            out.push(Span::new(span.start + i, span.start + i + 1));
            piece_start = span.start + i + 1;
        }
    }
    out.push(Span::new(piece_start, span.end));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        ud_token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| &text[s.range()])
            .collect()
    }

    #[test]
    fn clitics_hyphens_and_urls_follow_ewt() {
        assert_eq!(
            words("I'm sure Russia's Al-Zaman can't e-mail http://x.org/a-b, and/or 713-853-3989."),
            [
                "I",
                "'m",
                "sure",
                "Russia",
                "'s",
                "Al",
                "-",
                "Zaman",
                "ca",
                "n't",
                "e-mail",
                "http://x.org/a-b",
                ",",
                "and",
                "/",
                "or",
                "713-853-3989",
                "."
            ]
        );
        assert_eq!(words("I cannot go"), ["I", "can", "not", "go"]);
        assert_eq!(words("they've"), ["they", "'ve"]);
    }

    #[test]
    fn sentences_come_with_their_tokens() {
        let text = "He left. She stayed.";
        let sentences = ud_sentences(text);
        assert_eq!(sentences.len(), 2);
        assert_eq!(&text[sentences[1].1[0].range()], "She");
    }
}
