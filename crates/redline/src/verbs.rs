//! Verbs: the verb-pattern dictionary and matching a pattern at a head token.
//!
//! The format is documented in `docs/dictionaries.md`. Patterns are indexed by their head lemma,
//! so each token of a sentence costs at most three hash lookups (its form, verb lemma and noun
//! lemma) before any pattern is tried.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use crate::cameo::{CameoCode, CameoTable};
use crate::diag::Diagnostic;
use crate::text::Token;

/// Longest gap `...` may stand for, in tokens.
pub const MAX_GAP: usize = 8;

/// One element of a pattern after its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// A token whose form or lemma is one of these words.
    Word(Vec<String>),
    /// Zero to [`MAX_GAP`] tokens.
    Gap,
    /// The target: an actor mention starts here.
    Target,
    /// The source: an actor mention starts here (PETRARCH's `$`, used by `compat`).
    Source,
    /// Any one of these token sequences (a PETRARCH synset with multi-word members).
    Phrase(Vec<Vec<String>>),
    /// A token that begins with one of these (TABARI's stems: `RESTOR` matches "restored").
    Stem(Vec<String>),
    /// Any actor mention, passed over (TABARI's `^`: "WARN AT ^ +" skips "the Gondor" in
    /// "warned at the Gondor of the Prince of Dol Amroth").
    Actor,
}

impl Element {
    /// Whether a word or stem element accepts `token` (always false for other elements).
    fn accepts(&self, token: &Token) -> bool {
        match self {
            Element::Word(alternatives) => alternatives.iter().any(|a| token.is(a)),
            Element::Stem(stems) => stems.iter().any(|s| token.norm.starts_with(s.as_str())),
            _ => false,
        }
    }
}

/// One verb pattern.
#[derive(Debug, Clone)]
pub struct VerbPattern {
    /// The event code.
    pub code: CameoCode,
    /// The code when the head is negated.
    pub negated_code: Option<CameoCode>,
    /// The code of the converse event, target to source (PETRARCH's `[032:033]`).
    pub paired_code: Option<CameoCode>,
    /// The source slot is a compound whose members act on each other (PETRARCH's and TABARI's
    /// `%`: "Fornost and Gondor welcomed ..." is Fornost to Gondor and back).
    pub compound: bool,
    /// Head lemmas (alternatives).
    pub heads: Vec<String>,
    /// What must follow the head.
    pub elements: Vec<Element>,
    /// What must precede the head, nearest first (matched leftwards; PETRARCH's words before
    /// `*`). Empty for Redline's own patterns.
    pub before: Vec<Element>,
    /// The pattern as written.
    pub text: String,
    /// The file the line is in.
    pub file: Arc<str>,
    /// The 1-based line.
    pub line: u32,
}

impl VerbPattern {
    /// `file:line`, the pattern's identity in provenance.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// How many words the pattern's word elements admit in all: of two patterns as specific,
    /// the one with fewer is the more precise.
    pub fn alternatives(&self) -> usize {
        self.elements
            .iter()
            .chain(&self.before)
            .map(|e| match e {
                Element::Word(v) | Element::Stem(v) => v.len(),
                Element::Phrase(v) => v.len(),
                _ => 0,
            })
            .sum()
    }

    /// How many word or target elements it has beyond the head: its specificity.
    pub fn specificity(&self) -> usize {
        self.elements
            .iter()
            .chain(&self.before)
            .filter(|e| !matches!(e, Element::Gap))
            .count()
    }
}

/// Whether a word of a phrase accepts a token: `w*` is a stem (TABARI), else the token's form
/// or lemma.
fn phrase_word_accepts(word: &str, token: &Token) -> bool {
    match word.strip_suffix('*') {
        Some(stem) => token.norm.starts_with(stem),
        None => token.is(word),
    }
}

/// Where a phrase starting at `at` can end (before `limit`): `...` in it is a gap of up to
/// [`MAX_GAP`] tokens (TABARI's space between the words of a synset member).
fn phrase_ends(words: &[String], tokens: &[Token], at: usize, limit: usize) -> Vec<usize> {
    let Some((first, rest)) = words.split_first() else {
        return vec![at];
    };
    if first == "..." {
        return (0..=MAX_GAP)
            .filter(|skip| at + skip <= limit)
            .flat_map(|skip| phrase_ends(rest, tokens, at + skip, limit))
            .collect();
    }
    if at >= limit || !phrase_word_accepts(first, &tokens[at]) {
        return Vec::new();
    }
    phrase_ends(rest, tokens, at + 1, limit)
}

/// The verb-pattern dictionary.
#[derive(Debug, Clone, Default)]
pub struct VerbDictionary {
    patterns: Vec<VerbPattern>,
    by_head: HashMap<String, Vec<u32>>,
    /// TABARI stems (`RESTOR` matches "restored"), keyed by their first three characters.
    by_stem: HashMap<String, Vec<(String, u32)>>,
}

/// A pattern that matched at a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternMatch {
    /// Index of the pattern.
    pub pattern: u32,
    /// Head token index.
    pub head: usize,
    /// One past the last token the pattern consumed.
    pub end: usize,
    /// Token index where the `+` target starts, if the pattern has one.
    pub target_token: Option<usize>,
    /// Token index where the `$` source starts, if the pattern has one.
    pub source_token: Option<usize>,
    /// Tokens matched by word elements (not gaps), head included.
    pub matched_tokens: Vec<usize>,
}

impl VerbDictionary {
    /// An empty dictionary.
    pub fn new() -> VerbDictionary {
        VerbDictionary::default()
    }

    /// Every pattern, in load order.
    pub fn patterns(&self) -> &[VerbPattern] {
        &self.patterns
    }

    /// The pattern with index `id`.
    pub fn pattern(&self, id: u32) -> &VerbPattern {
        &self.patterns[id as usize]
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Adds every line of one file; lines with unknown codes or bad syntax are reported and
    /// skipped, duplicates are reported and kept once.
    pub fn add_file(&mut self, file: &str, text: &str, table: &CameoTable) -> Vec<Diagnostic> {
        let file_name: Arc<str> = Arc::from(file);
        let mut diags = Vec::new();
        let mut seen: HashMap<String, u32> = self
            .patterns
            .iter()
            .map(|p| (p.text.clone(), p.line))
            .collect();
        for (idx, raw) in text.lines().enumerate() {
            let line_no = idx as u32 + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((head, pattern)) = line.split_once(':') else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "missing ' : ' between the code and the pattern",
                ));
                continue;
            };
            let mut fields = head.split_whitespace();
            let code_text = fields.next().unwrap_or("");
            let Some(code) = CameoCode::parse(code_text).filter(|c| table.contains(c.as_str()))
            else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("'{code_text}' is not a CAMEO event code"),
                ));
                continue;
            };
            let mut negated_code = None;
            let mut bad = false;
            for field in fields {
                match field.strip_prefix("neg=") {
                    Some(c) => match CameoCode::parse(c).filter(|c| table.contains(c.as_str())) {
                        Some(c) => negated_code = Some(c),
                        None => {
                            diags.push(Diagnostic::error(
                                file,
                                line_no,
                                format!("neg code '{c}' is not a CAMEO event code"),
                            ));
                            bad = true;
                        }
                    },
                    None => {
                        diags.push(Diagnostic::error(
                            file,
                            line_no,
                            format!("unknown field '{field}'"),
                        ));
                        bad = true;
                    }
                }
            }
            if bad {
                continue;
            }
            let words: Vec<&str> = pattern.split_whitespace().collect();
            let Some((&head_word, rest)) = words.split_first() else {
                diags.push(Diagnostic::error(file, line_no, "empty pattern"));
                continue;
            };
            if head_word == "..." || head_word == "+" {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "a pattern must start with its head word",
                ));
                continue;
            }
            let mut elements = Vec::new();
            for w in rest {
                elements.push(match *w {
                    "..." => Element::Gap,
                    "+" => Element::Target,
                    _ => Element::Word(w.split('|').map(|a| a.to_lowercase()).collect()),
                });
            }
            if matches!(elements.last(), Some(Element::Gap)) {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "a pattern cannot end with '...'",
                ));
                continue;
            }
            if elements
                .iter()
                .filter(|e| matches!(e, Element::Target))
                .count()
                > 1
            {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "a pattern can have one '+' at most",
                ));
                continue;
            }
            let normalised = words.join(" ").to_lowercase();
            if let Some(first) = seen.get(&normalised) {
                diags.push(Diagnostic::warning(
                    file,
                    line_no,
                    format!("duplicate pattern '{normalised}' (first on line {first})"),
                ));
                continue;
            }
            seen.insert(normalised.clone(), line_no);
            let id = self.patterns.len() as u32;
            let heads: Vec<String> = head_word.split('|').map(|h| h.to_lowercase()).collect();
            for h in &heads {
                self.by_head.entry(h.clone()).or_default().push(id);
            }
            self.patterns.push(VerbPattern {
                code,
                negated_code,
                paired_code: None,
                compound: false,
                heads,
                elements,
                before: Vec::new(),
                text: normalised,
                file: file_name.clone(),
                line: line_no,
            });
        }
        diags
    }

    /// Adds a pattern built elsewhere (the `compat` readers) and returns its index.
    pub fn push(&mut self, pattern: VerbPattern) -> u32 {
        let id = self.patterns.len() as u32;
        for h in &pattern.heads {
            let ids = self.by_head.entry(h.clone()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        self.patterns.push(pattern);
        id
    }

    /// Adds a pattern whose heads, when `stem` is set, match any word they begin (TABARI's
    /// convention for words written without a final `_`). Stems shorter than three characters
    /// match exactly.
    pub fn push_with_stem(&mut self, pattern: VerbPattern, stem: bool) -> u32 {
        let heads = pattern.heads.clone();
        let id = self.push(pattern);
        if stem {
            for h in heads {
                if let Some(key) = stem_key(&h) {
                    self.by_stem
                        .entry(key.to_string())
                        .or_default()
                        .push((h, id));
                }
            }
        }
        id
    }

    /// Patterns whose head is this token's form or one of its lemmas.
    pub fn candidates(&self, token: &Token) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        if !self.by_stem.is_empty()
            && let Some(list) = stem_key(&token.norm).and_then(|k| self.by_stem.get(k))
        {
            for (stem, id) in list {
                if token.norm.starts_with(stem.as_str()) && !out.contains(id) {
                    out.push(*id);
                }
            }
        }
        let keys = [
            Some(token.norm.as_str()),
            token.verb_lemma.as_deref(),
            token.noun_lemma.as_deref(),
        ];
        let lists: Vec<&Vec<u32>> = keys
            .iter()
            .flatten()
            .filter_map(|k| self.by_head.get(*k))
            .collect();
        // One list (the common case) needs no de-duplication; several are merged in order with a
        // set, since a head such as "call" has 170 patterns and a linear `contains` was a tenth
        // of coding time.
        if out.is_empty() && lists.len() == 1 {
            return lists[0].clone();
        }
        let mut seen: rustc_hash::FxHashSet<u32> = out.iter().copied().collect();
        for ids in lists {
            for &id in ids {
                if seen.insert(id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// The best pattern at head token `head`: the most specific that matches, then the one that
    /// consumed fewest tokens. `mention_at(i)` gives the end token of a mention starting at `i`.
    /// `limit` is the first token the match may not reach (the end of the clause or sentence).
    pub fn best_match(
        &self,
        tokens: &[Token],
        head: usize,
        limit: usize,
        mention_at: &dyn Fn(usize) -> Option<usize>,
    ) -> Option<PatternMatch> {
        // (specificity, span, alternatives, match): at equal specificity the shorter match wins,
        // then the pattern whose words admit fewer alternatives ("* DOLLAR" before "* &CURRENCY").
        let mut best: Option<(usize, usize, usize, PatternMatch)> = None;
        for id in self.candidates(&tokens[head]) {
            let pattern = &self.patterns[id as usize];
            // A less specific pattern cannot beat the best match so far: skip trying it.
            if best
                .as_ref()
                .is_some_and(|(s, _, _, _)| pattern.specificity() < *s)
            {
                continue;
            }
            let mut state = MatchState {
                matched: vec![head],
                target: None,
                source: None,
            };
            if !pattern.before.is_empty()
                && !match_before(&pattern.before, tokens, head, mention_at, &mut state)
            {
                continue;
            }
            if let Some(end) = match_elements(
                &pattern.elements,
                tokens,
                head + 1,
                limit,
                mention_at,
                &mut state,
            ) {
                let spec = pattern.specificity();
                let span = end - head;
                let alternatives = pattern.alternatives();
                let better = match &best {
                    None => true,
                    Some((s, l, a, _)) => {
                        spec > *s
                            || (spec == *s && span < *l)
                            || (spec == *s && span == *l && alternatives < *a)
                    }
                };
                if better {
                    best = Some((
                        spec,
                        span,
                        alternatives,
                        PatternMatch {
                            pattern: id,
                            head,
                            end,
                            target_token: state.target,
                            source_token: state.source,
                            matched_tokens: state.matched,
                        },
                    ));
                }
            }
        }
        best.map(|(_, _, _, m)| m)
    }
}

/// The first three characters of a word, the key of the stem index.
fn stem_key(word: &str) -> Option<&str> {
    let end = word.char_indices().nth(3).map_or(word.len(), |(k, _)| k);
    (word.chars().count() >= 3).then(|| &word[..end])
}

struct MatchState {
    matched: Vec<usize>,
    target: Option<usize>,
    source: Option<usize>,
}

/// Matches `before` (nearest element first) leftwards from the head: words must sit right before
/// what they precede unless a `Gap` allows up to [`MAX_GAP`] tokens; a `Source` or `Target` is a
/// mention ending there.
fn match_before(
    before: &[Element],
    tokens: &[Token],
    head: usize,
    mention_at: &dyn Fn(usize) -> Option<usize>,
    state: &mut MatchState,
) -> bool {
    // `end` is one past the last token the next element (leftwards) may cover.
    fn go(
        before: &[Element],
        tokens: &[Token],
        end: usize,
        mention_at: &dyn Fn(usize) -> Option<usize>,
        state: &mut MatchState,
    ) -> bool {
        let Some((first, rest)) = before.split_first() else {
            return true;
        };
        match first {
            Element::Word(_) | Element::Stem(_) => {
                if end == 0 || !first.accepts(&tokens[end - 1]) {
                    return false;
                }
                state.matched.push(end - 1);
                if go(rest, tokens, end - 1, mention_at, state) {
                    return true;
                }
                state.matched.pop();
                false
            }
            Element::Phrase(options) => options.iter().any(|words| {
                // Before the head a phrase is matched without gaps.
                !words.iter().any(|w| w == "...")
                    && words.len() <= end
                    && words
                        .iter()
                        .zip(&tokens[end - words.len()..end])
                        .all(|(w, t)| phrase_word_accepts(w, t))
                    && go(rest, tokens, end - words.len(), mention_at, state)
            }),
            Element::Gap => {
                // Before a source or target slot the gap is the rest of the sentence: "$ *"
                // says only that the source comes first (TABARI, PETRARCH).
                let slot_next = matches!(
                    rest.first(),
                    Some(Element::Source | Element::Target | Element::Actor)
                );
                let max = if slot_next { end } else { MAX_GAP.min(end) };
                (0..=max).any(|skip| go(rest, tokens, end - skip, mention_at, state))
            }
            Element::Actor => (0..end)
                .rev()
                .filter(|&s| mention_at(s) == Some(end))
                .any(|start| go(rest, tokens, start, mention_at, state)),
            Element::Source | Element::Target => {
                let start = (0..end).rev().find(|&s| mention_at(s) == Some(end));
                let Some(start) = start else {
                    return false;
                };
                let saved = (state.source, state.target);
                if matches!(first, Element::Source) {
                    state.source = Some(start);
                } else {
                    state.target = Some(start);
                }
                if go(rest, tokens, start, mention_at, state) {
                    return true;
                }
                (state.source, state.target) = saved;
                false
            }
        }
    }
    go(before, tokens, head, mention_at, state)
}

fn match_elements(
    elements: &[Element],
    tokens: &[Token],
    at: usize,
    limit: usize,
    mention_at: &dyn Fn(usize) -> Option<usize>,
    state: &mut MatchState,
) -> Option<usize> {
    let Some((first, rest)) = elements.split_first() else {
        return Some(at);
    };
    match first {
        Element::Word(_) | Element::Stem(_) => {
            if at < limit && first.accepts(&tokens[at]) {
                state.matched.push(at);
                if let Some(end) = match_elements(rest, tokens, at + 1, limit, mention_at, state) {
                    return Some(end);
                }
                state.matched.pop();
            }
            None
        }
        Element::Phrase(options) => options.iter().find_map(|words| {
            phrase_ends(words, tokens, at, limit)
                .into_iter()
                .find_map(|end| match_elements(rest, tokens, end, limit, mention_at, state))
        }),
        Element::Actor => {
            let end = mention_at(at)?;
            if end > limit {
                return None;
            }
            match_elements(rest, tokens, end, limit, mention_at, state)
        }
        Element::Target | Element::Source => {
            let end = mention_at(at)?;
            if end > limit {
                return None;
            }
            let saved = (state.source, state.target);
            if matches!(first, Element::Source) {
                state.source = Some(at);
            } else {
                state.target = Some(at);
            }
            let result = match_elements(rest, tokens, end, limit, mention_at, state);
            if result.is_none() {
                (state.source, state.target) = saved;
            }
            result
        }
        Element::Gap => {
            for skip in 0..=MAX_GAP {
                if at + skip > limit {
                    break;
                }
                // A gap does not run to a word across a comma that opens another clause or
                // phrase ("a civilian killed when their plane crashed, a rebel spokesman
                // said"), only across one inside a list of modifiers ("restore complete, full
                // ties"), or to an actor slot (an apposition: "release Aya Hijazi, an American
                // aid worker").
                if skip > 0
                    && tokens[at + skip - 1].norm == ","
                    && !matches!(
                        rest.first(),
                        Some(Element::Target | Element::Source | Element::Actor)
                    )
                    && opens_clause(tokens.get(at + skip))
                {
                    break;
                }
                if let Some(end) = match_elements(rest, tokens, at + skip, limit, mention_at, state)
                {
                    return Some(end);
                }
            }
            None
        }
    }
}

/// Whether the token after a comma opens a clause or a phrase of its own: an article,
/// determiner or pronoun, a capitalised word, a participle, a relative or a conjunction.
fn opens_clause(next: Option<&Token>) -> bool {
    next.is_some_and(|t| {
        t.capitalised
            || t.norm.ends_with("ing")
            || matches!(
                t.norm.as_str(),
                "a" | "an"
                    | "the"
                    | "this"
                    | "that"
                    | "these"
                    | "those"
                    | "its"
                    | "their"
                    | "his"
                    | "her"
                    | "it"
                    | "they"
                    | "he"
                    | "she"
                    | "we"
                    | "which"
                    | "who"
                    | "whose"
                    | "where"
                    | "when"
                    | "while"
                    | "but"
                    | "and"
                    | "or"
                    | "as"
                    | "after"
                    | "before"
                    | "since"
                    | "because"
                    | "although"
                    | "though"
                    | "if"
                    | "according"
                    | "said"
                    | "says"
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Lemmatizer, make_token, token_spans};

    fn tokens(text: &str) -> Vec<Token> {
        let lem =
            Lemmatizer::from_table("signed\tsign\t-\ntreaties\t-\ttreaty\naccused\taccuse\t-\n");
        token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect()
    }

    fn dict(text: &str) -> (VerbDictionary, Vec<Diagnostic>) {
        let mut d = VerbDictionary::new();
        let diags = d.add_file("v.txt", text, &CameoTable::embedded());
        (d, diags)
    }

    #[test]
    fn most_specific_pattern_wins() {
        let (d, diags) = dict("050 : sign\n057 : sign ... treaty|accord\n");
        assert!(diags.is_empty());
        let toks = tokens("they signed a new treaty today");
        let m = d.best_match(&toks, 1, toks.len(), &|_| None).unwrap();
        assert_eq!(d.pattern(m.pattern).code.as_str(), "057");
        assert_eq!(m.matched_tokens, [1, 4]);
        let toks = tokens("they signed it");
        let m = d.best_match(&toks, 1, toks.len(), &|_| None).unwrap();
        assert_eq!(d.pattern(m.pattern).code.as_str(), "050");
    }

    #[test]
    fn a_gap_stops_at_a_comma_that_opens_a_clause() {
        let (d, _) = dict("057 : sign ... treaty\n");
        let code = |text: &str| {
            let toks = tokens(text);
            d.best_match(&toks, 1, toks.len(), &|_| None)
                .map(|m| d.pattern(m.pattern).code.to_string())
        };
        assert_eq!(
            code("they signed a new, permanent treaty").as_deref(),
            Some("057")
        );
        assert_eq!(code("they signed it, the treaty said"), None);
        assert_eq!(code("they signed it, and the treaty lapsed"), None);
    }

    #[test]
    fn target_slot_needs_a_mention() {
        let (d, _) = dict("112 : accuse + of\n");
        let toks = tokens("X accused Foo Land of spying");
        let at = |i: usize| (i == 2).then_some(4);
        let m = d.best_match(&toks, 1, toks.len(), &at).unwrap();
        assert_eq!((m.target_token, m.end), (Some(2), 5));
        assert!(d.best_match(&toks, 1, toks.len(), &|_| None).is_none());
    }

    #[test]
    fn words_and_a_source_slot_before_the_head() {
        let mut d = VerbDictionary::new();
        d.push(VerbPattern {
            code: CameoCode::parse("112").unwrap(),
            negated_code: None,
            paired_code: None,
            compound: false,
            heads: vec!["accuse".into()],
            elements: vec![Element::Target],
            before: vec![
                Element::Word(vec!["formally".into()]),
                Element::Gap,
                Element::Source,
            ],
            text: "$ ... formally accuse +".into(),
            file: Arc::from("p.txt"),
            line: 1,
        });
        let toks = tokens("Foo Land then formally accused Bar");
        // Mentions: "Foo Land" (0..2) and "Bar" (5..6).
        let at = |i: usize| match i {
            0 => Some(2),
            5 => Some(6),
            _ => None,
        };
        let m = d.best_match(&toks, 4, toks.len(), &at).unwrap();
        assert_eq!((m.source_token, m.target_token), (Some(0), Some(5)));
        assert_eq!(m.matched_tokens, [4, 3]);
        let toks = tokens("Foo Land then accused Bar");
        assert!(d.best_match(&toks, 3, toks.len(), &at).is_none());
    }

    #[test]
    fn bad_lines_are_reported() {
        let (d, diags) =
            dict("999 : sign\n057 sign\n057 : ... sign\n057 : sign\n057 : sign\n057 bad=1 : x\n");
        let lines: Vec<u32> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3, 5, 6]);
        assert_eq!(d.len(), 1);
    }
}
