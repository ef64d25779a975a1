//! Text: tokens and sentences as byte spans into the document's text, and lemmas.
//!
//! The text is never rewritten. A token holds its byte span and a separate normalised form
//! (lower case, curly apostrophes made straight), so that every later stage can point back at the
//! exact words. The tokenizer keeps abbreviations (`U.S.`, `Gen.`), initials (`J.`), numbers
//! (`3.5`, `1,000`) and hyphenated words (`Jong-un`) whole, and splits the possessive `'s` and the
//! negation `n't` off as tokens of their own.

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

/// A half-open byte range into a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The span as a range, for slicing the text.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One token of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Where the token is in the document's text.
    pub span: Span,
    /// Lower case, with typographic apostrophes and quotes made plain.
    pub norm: String,
    /// The lemma if the word can be a verb (`signed` -> `sign`), else `None`.
    pub verb_lemma: Option<String>,
    /// The lemma if the word can be a noun (`treaties` -> `treaty`), else `None`.
    pub noun_lemma: Option<String>,
    /// The first character is upper case.
    pub capitalised: bool,
    /// Every letter is upper case and there are at least two.
    pub all_caps: bool,
    /// The token is punctuation only.
    pub punct: bool,
}

impl Token {
    /// The lemma to show: the verb lemma, else the noun lemma, else the normalised form.
    pub fn lemma(&self) -> &str {
        self.verb_lemma
            .as_deref()
            .or(self.noun_lemma.as_deref())
            .unwrap_or(&self.norm)
    }

    /// Whether `word` is this token's normalised form or one of its lemmas.
    pub fn is(&self, word: &str) -> bool {
        self.norm == word
            || self.verb_lemma.as_deref() == Some(word)
            || self.noun_lemma.as_deref() == Some(word)
    }
}

/// Inflected verb and noun forms and their lemmas, from the embedded table.
#[derive(Debug, Clone, Default)]
pub struct Lemmatizer {
    forms: HashMap<String, (Option<String>, Option<String>)>,
}

impl Lemmatizer {
    /// Builds the lemmatiser from a `form<TAB>verb_lemma<TAB>noun_lemma` table (`-` for none).
    pub fn from_table(table: &str) -> Lemmatizer {
        let mut forms = HashMap::with_capacity_and_hasher(table.len() / 20, Default::default());
        for line in table.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(form), Some(verb), Some(noun)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let some = |s: &str| (s != "-").then(|| s.to_string());
            forms.insert(form.to_string(), (some(verb), some(noun)));
        }
        Lemmatizer { forms }
    }

    /// The verb and noun lemmas of a normalised form (`None` where the form is its own lemma).
    pub fn lemmas(&self, norm: &str) -> (Option<String>, Option<String>) {
        match self.forms.get(norm) {
            Some((v, n)) => (v.clone(), n.clone()),
            None => (None, None),
        }
    }

    /// Adds a form, for callers with their own irregular forms.
    pub fn insert(&mut self, form: &str, verb: Option<&str>, noun: Option<&str>) {
        self.forms.insert(
            form.to_string(),
            (verb.map(str::to_string), noun.map(str::to_string)),
        );
    }
}

/// Abbreviations that take a period and never end a sentence by themselves.
const TITLE_ABBREVIATIONS: &[&str] = &[
    "adm", "apr", "aug", "brig", "capt", "cmdr", "co", "col", "corp", "cpl", "dec", "dept", "dr",
    "e.g", "feb", "fig", "gen", "gov", "hon", "i.e", "inc", "jan", "jr", "jul", "jun", "lt", "ltd",
    "maj", "mar", "messrs", "mr", "mrs", "ms", "mt", "no", "nov", "oct", "pres", "prof", "rep",
    "rev", "sen", "sep", "sept", "sgt", "sr", "st", "vs",
];

/// Words that, capitalised after an abbreviation such as `U.S.`, show that a new sentence began.
const SENTENCE_STARTERS: &[&str] = &[
    "a", "an", "and", "but", "he", "her", "his", "i", "in", "it", "its", "on", "she", "that",
    "the", "their", "there", "these", "they", "this", "those", "we", "when", "while", "yet",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Normalises a token's text: lower case, plain apostrophes, quotes and dashes.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2013}' | '\u{2014}' => out.push('-'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Splits `text[range]` into token spans (no lemmas yet).
pub fn token_spans(text: &str, range: Range<usize>) -> Vec<Span> {
    let base = range.start;
    let s = &text[range];
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut spans = Vec::with_capacity(chars.len() / 5);
    let mut i = 0;
    let n = chars.len();
    let at = |k: usize| if k < n { Some(chars[k].1) } else { None };
    let pos = |k: usize| if k < n { chars[k].0 } else { s.len() };
    while i < n {
        let c = chars[i].1;
        // An underscore joins words the way TABARI's texts write names ("Dol_Amroth"): it
        // separates tokens like a space and is no token itself.
        if c.is_whitespace() || c == '_' {
            i += 1;
            continue;
        }
        if is_word_char(c) {
            let start = i;
            let mut j = i + 1;
            loop {
                match at(j) {
                    Some(d) if is_word_char(d) => j += 1,
                    // Internal hyphens, periods (U.S, 3.5) and digit commas (1,000) stay inside.
                    Some('-') | Some('.') | Some('/') if at(j + 1).is_some_and(is_word_char) => {
                        j += 2
                    }
                    Some(',')
                        if at(j - 1).is_some_and(|d| d.is_ascii_digit())
                            && at(j + 1).is_some_and(|d| d.is_ascii_digit()) =>
                    {
                        j += 2
                    }
                    _ => break,
                }
            }
            // Apostrophes: "don't" -> "do" "n't"; "Russia's" -> "Russia" "'s"; "'s" keeps apart.
            let word = &s[pos(start)..pos(j)];
            if at(j).is_some_and(is_apostrophe)
                && at(j + 1).is_some_and(|d| d == 't' || d == 'T')
                && word.len() > 1
                && (word.ends_with('n') || word.ends_with('N'))
                && !at(j + 2).is_some_and(is_word_char)
            {
                // "n't": the n belongs to the negation.
                let n_pos = pos(j) - 1;
                if n_pos > pos(start) {
                    spans.push(Span::new(base + pos(start), base + n_pos));
                }
                spans.push(Span::new(base + n_pos, base + pos(j + 2)));
                i = j + 2;
                continue;
            }
            // A trailing period belongs to abbreviations and initials.
            let mut end = j;
            if at(j) == Some('.') {
                let lower = normalise(word);
                let single_letter =
                    word.chars().count() == 1 && word.chars().all(|c| c.is_uppercase());
                let dotted =
                    word.contains('.') && word.chars().all(|c| c.is_alphabetic() || c == '.');
                if single_letter || dotted || TITLE_ABBREVIATIONS.contains(&lower.as_str()) {
                    end = j + 1;
                }
            }
            spans.push(Span::new(base + pos(start), base + pos(end)));
            i = end;
            continue;
        }
        if is_apostrophe(c)
            && at(i + 1).is_some_and(|d| d == 's' || d == 'S')
            && !at(i + 2).is_some_and(is_word_char)
            && i > 0
            && !chars[i - 1].1.is_whitespace()
        {
            spans.push(Span::new(base + pos(i), base + pos(i + 2)));
            i += 2;
            continue;
        }
        // Ellipsis "..." as one token; other punctuation one character each.
        if c == '.' && at(i + 1) == Some('.') && at(i + 2) == Some('.') {
            spans.push(Span::new(base + pos(i), base + pos(i + 3)));
            i += 3;
            continue;
        }
        if c == '-' && at(i + 1) == Some('-') {
            spans.push(Span::new(base + pos(i), base + pos(i + 2)));
            i += 2;
            continue;
        }
        spans.push(Span::new(base + pos(i), base + pos(i + 1)));
        i += 1;
    }
    spans
}

/// Builds a token for a span of `text`, with its normalised form, case flags and lemmas.
pub fn make_token(text: &str, span: Span, lemmatizer: &Lemmatizer) -> Token {
    let surface = &text[span.range()];
    let norm = normalise(surface);
    let first = surface.chars().next().unwrap_or(' ');
    let letters = surface.chars().filter(|c| c.is_alphabetic()).count();
    let all_caps = letters >= 2
        && surface
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
    let punct = !surface.chars().any(char::is_alphanumeric);
    let (verb_lemma, noun_lemma) = if punct {
        (None, None)
    } else {
        lemmatizer.lemmas(&norm)
    };
    Token {
        span,
        norm,
        verb_lemma,
        noun_lemma,
        capitalised: first.is_uppercase(),
        all_caps,
        punct,
    }
}

/// The most tokens a sentence may have. Longer runs with no sentence end (tables, lists, text
/// without punctuation) are cut after their last `;`, `:` or `,` in the second half of the
/// limit, else at the limit, so that the work on such text grows with its length, not with its
/// square. Sentences of edited text stay far below it (the longest in UD English EWT has 159
/// words).
pub const MAX_SENTENCE_TOKENS: usize = 250;

/// Splits `text[range]` into sentence spans.
///
/// A sentence ends at `.`, `!`, `?` or an ellipsis (with any closing quotes or brackets) when the
/// next token begins with a capital, a digit or an opening quote; at a blank line; and at the end.
/// Titles and months (`Gen.`, `Jan.`) and initials (`J.`) never end a sentence; a dotted
/// abbreviation such as `U.S.` ends one only when a typical sentence opener follows it. A run of
/// more than [`MAX_SENTENCE_TOKENS`] tokens with no end is cut (see there).
pub fn sentence_spans(text: &str, range: Range<usize>) -> Vec<Span> {
    let tokens = token_spans(text, range.clone());
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    // The current sentence's first token, and its last `;`, `:` or `,`.
    let mut first_token = 0;
    let mut last_clause_mark: Option<usize> = None;
    let mut last_end = range.start;
    let closing = |t: &str| {
        matches!(
            t,
            "\"" | "'" | ")" | "]" | "\u{201D}" | "\u{2019}" | "\u{00BB}"
        )
    };
    let mut k = 0;
    while k < tokens.len() {
        let span = tokens[k];
        // A blank line between tokens is a hard break.
        if let Some(s) = start
            && text[last_end..span.start].matches('\n').count() >= 2
        {
            out.push(Span::new(s, last_end));
            start = None;
        }
        if start.is_none() {
            start = Some(span.start);
            first_token = k;
            last_clause_mark = None;
        }
        // Too long: cut after the last clause mark of the second half, else before this token.
        if k - first_token >= MAX_SENTENCE_TOKENS
            && let Some(s) = start
        {
            let cut = last_clause_mark
                .filter(|&c| c - first_token >= MAX_SENTENCE_TOKENS / 2)
                .unwrap_or(k - 1);
            out.push(Span::new(s, tokens[cut].end));
            start = Some(tokens[cut + 1].start);
            first_token = cut + 1;
            last_clause_mark = None;
        }
        let tok = &text[span.range()];
        if matches!(tok, ";" | ":" | ",") {
            last_clause_mark = Some(k);
        }
        last_end = span.end;
        let mut ends = false;
        let mut next = k + 1;
        if matches!(tok, "." | "!" | "?" | "..." | "\u{2026}") {
            // A closing quote touches the period; a quote after a space opens the next sentence.
            while next < tokens.len()
                && closing(&text[tokens[next].range()])
                && tokens[next].start == last_end
            {
                last_end = tokens[next].end;
                next += 1;
            }
            ends = next >= tokens.len() || starts_sentence(&text[tokens[next].range()]);
        } else if tok.ends_with('.') && tok.len() > 1 && next < tokens.len() {
            let word = &tok[..tok.len() - 1];
            let lower = normalise(word);
            let single_letter = word.chars().count() == 1;
            let title = TITLE_ABBREVIATIONS.contains(&lower.as_str());
            if !single_letter && !title {
                let following = &text[tokens[next].range()];
                ends = SENTENCE_STARTERS.contains(&normalise(following).as_str())
                    && following.chars().next().is_some_and(char::is_uppercase);
            }
        }
        if ends {
            out.push(Span::new(start.take().unwrap_or(span.start), last_end));
        }
        k = next;
    }
    if let Some(s) = start {
        out.push(Span::new(s, last_end));
    }
    out
}

/// Whether a normalised word typically opens a sentence (`the`, `he`, `but`).
pub fn is_sentence_opener(norm: &str) -> bool {
    SENTENCE_STARTERS.contains(&norm)
}

fn starts_sentence(tok: &str) -> bool {
    tok.chars().next().is_some_and(|c| {
        c.is_uppercase()
            || c.is_ascii_digit()
            || matches!(c, '"' | '\u{201C}' | '\'' | '\u{2018}' | '(' | '[')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| &text[s.range()])
            .collect()
    }

    fn sentences(text: &str) -> Vec<&str> {
        sentence_spans(text, 0..text.len())
            .into_iter()
            .map(|s| &text[s.range()])
            .collect()
    }

    #[test]
    fn runs_without_an_end_are_cut_at_the_limit() {
        // 600 words with no punctuation: cut every MAX_SENTENCE_TOKENS words.
        let run = vec!["word"; 600].join(" ");
        let cut: Vec<usize> = sentences(&run)
            .iter()
            .map(|s| s.split(' ').count())
            .collect();
        assert_eq!(cut, [MAX_SENTENCE_TOKENS, MAX_SENTENCE_TOKENS, 100]);
        // With a comma in the second half of the limit, the cut falls after it.
        let mut words = vec!["word"; 300];
        words[199] = "word,";
        let text = words.join(" ");
        let parts = sentences(&text);
        assert_eq!(parts.len(), 2);
        assert!(
            parts[0].ends_with("word,"),
            "{:?}",
            &parts[0][parts[0].len() - 10..]
        );
        assert_eq!(parts[1].split(' ').count(), 100);
        // An ordinary sentence is untouched.
        assert_eq!(
            sentences("Kim met Putin. They signed."),
            ["Kim met Putin.", "They signed."]
        );
    }

    #[test]
    fn tokens_keep_abbreviations_numbers_and_hyphens_whole() {
        assert_eq!(
            words("Mr. Kim Jong-un met U.S. officials, paying $3.5 million (1,000 won)."),
            [
                "Mr.",
                "Kim",
                "Jong-un",
                "met",
                "U.S.",
                "officials",
                ",",
                "paying",
                "$",
                "3.5",
                "million",
                "(",
                "1,000",
                "won",
                ")",
                "."
            ]
        );
    }

    #[test]
    fn possessives_and_negations_are_tokens_of_their_own() {
        assert_eq!(
            words("Russia’s war; they don't know"),
            ["Russia", "’s", "war", ";", "they", "do", "n't", "know"]
        );
        assert_eq!(words("the North's"), ["the", "North", "'s"]);
    }

    #[test]
    fn sentence_splitting_survives_abbreviations_initials_and_quotes() {
        let text = "Mr. Smith met U.S. officials on Wednesday. They said: \"No deal.\" The U.S. Army said on Jan. 5 that Gen. Smith visited Kyiv. J. R. R. Tolkien wrote it. \"We will respond,\" he said.";
        assert_eq!(
            sentences(text),
            [
                "Mr. Smith met U.S. officials on Wednesday.",
                "They said: \"No deal.\"",
                "The U.S. Army said on Jan. 5 that Gen. Smith visited Kyiv.",
                "J. R. R. Tolkien wrote it.",
                "\"We will respond,\" he said."
            ]
        );
    }

    #[test]
    fn dotted_abbreviation_ends_a_sentence_before_an_opener() {
        assert_eq!(
            sentences("Aid went to the U.S. The president agreed."),
            ["Aid went to the U.S.", "The president agreed."]
        );
    }

    #[test]
    fn ellipsis_and_blank_lines_break_sentences() {
        assert_eq!(
            sentences("He waited... Then he left"),
            ["He waited...", "Then he left"]
        );
        assert_eq!(
            sentences("A headline\n\nThe body starts"),
            ["A headline", "The body starts"]
        );
    }

    #[test]
    fn lemmatizer_reads_its_table() {
        let lem = Lemmatizer::from_table("# c\nsigned\tsign\t-\ntreaties\t-\ttreaty\n");
        let tok = make_token("signed", Span::new(0, 6), &lem);
        assert_eq!(tok.verb_lemma.as_deref(), Some("sign"));
        assert!(tok.is("sign") && tok.is("signed") && !tok.is("treaty"));
    }
}
