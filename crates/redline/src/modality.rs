//! Modality: whether an event is asserted, or only hypothetical, alleged, denied, negated or
//! prescribed.
//!
//! Shallow rules read cue words in the head's clause, left of the head: negation right before it,
//! then the complements of denials and accusations, then prescriptive and hypothetical modals,
//! directives ("urged X to"), intentions ("plans to") and verbs of wishing and speculation. The
//! nearest cue of the strongest class decides. A caller with a
//! dependency parse narrows the cues' reach through `modality_at`'s `reaches` (the coder's
//! `tree_reaches`) without changing the classes.

use crate::text::Token;

/// How the text presents an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modality {
    /// Stated as having happened.
    Asserted,
    /// Possible, wished for, speculated, conditional.
    Hypothetical,
    /// Reported as an accusation or allegation.
    Alleged,
    /// Denied by someone.
    Denied,
    /// Said not to have happened.
    Negated,
    /// Prescribed: what someone must or should do.
    Prescriptive,
}

impl Modality {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Asserted => "asserted",
            Modality::Hypothetical => "hypothetical",
            Modality::Alleged => "alleged",
            Modality::Denied => "denied",
            Modality::Negated => "negated",
            Modality::Prescriptive => "prescriptive",
        }
    }
}

/// A cue word that decided a modality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// The modality it gives.
    pub modality: Modality,
    /// Token index within the sentence.
    pub token: usize,
}

/// Negations, and verbs whose infinitive complement did not happen ("failed to reach",
/// "refused to release").
const NEGATORS: &[&str] = &[
    "not", "n't", "never", "no", "neither", "nor", "without", "failed", "fails", "fail", "refused",
    "refuses", "refuse", "declined", "declines", "decline", "unable",
];
const ADVERBS_BEFORE_HEAD: &[&str] = &[
    "also",
    "yet",
    "ever",
    "just",
    "still",
    "actually",
    "really",
    "even",
    "further",
    "already",
    "so",
    "far",
    "go",
    "have",
    "has",
    "had",
    "be",
    "been",
    "being",
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "will",
    "would",
    "to",
    "previously",
    "recently",
    "reportedly",
    "formally",
    "officially",
    "publicly",
    "quickly",
    "immediately",
];

/// Verbs that ask someone else to act: the infinitive after them is what should be done, not what
/// was ("urged the UN to renew sanctions", "called on the government to crack down").
const DIRECTIVES: &[&str] = &[
    "ask",
    "urge",
    "call",
    "request",
    "press",
    "pressure",
    "push",
    "demand",
    "encourage",
    "invite",
    "appeal",
    "implore",
    "order",
    "instruct",
    "advise",
    "tell",
    "warn",
];

/// How far a cue reaches to the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// To the next comma, semicolon or colon: conditionals and modal verbs.
    Clause,
    /// To the end of the sentence, a semicolon or a contrast ("but", "while"): wishes,
    /// speculation, accusations, denials, obligations, whose complements run on.
    Sentence,
}

/// Nouns that cue speculation only when a complement follows ("speculation that", "doubts
/// about"), not as the subject of their own clause ("the possibility remains").
const COMPLEMENT_NOUNS: &[&str] = &[
    "speculation",
    "possibility",
    "doubt",
    "fear",
    "concern",
    "prospect",
];

fn class_of(tokens: &[Token], k: usize) -> Option<(Modality, Scope)> {
    let t = &tokens[k];
    let next = tokens.get(k + 1).map_or("", |n| n.norm.as_str());
    let word = t.norm.as_str();
    let lemma = t
        .verb_lemma
        .as_deref()
        .or(t.noun_lemma.as_deref())
        .unwrap_or(word);
    if COMPLEMENT_NOUNS.contains(&lemma) {
        let complement = tokens[k + 1..tokens.len().min(k + 5)].iter().any(|n| {
            matches!(
                n.norm.as_str(),
                "that" | "about" | "of" | "whether" | "over"
            )
        });
        return (complement && lemma != "concern" && lemma != "fear")
            .then_some((Modality::Hypothetical, Scope::Sentence));
    }
    Some(match (word, lemma) {
        (_, "deny") | (_, "denial") | ("denials", _) => (Modality::Denied, Scope::Sentence),
        (_, "accuse") | (_, "accusation") | (_, "allege") | (_, "allegation") => {
            (Modality::Alleged, Scope::Sentence)
        }
        ("allegedly" | "alleged" | "reportedly" | "purportedly" | "suspected", _) => {
            (Modality::Alleged, Scope::Clause)
        }
        ("must" | "should" | "ought", _) => (Modality::Prescriptive, Scope::Sentence),
        ("need" | "needs" | "has" | "have", _) if next == "to" => {
            (Modality::Prescriptive, Scope::Clause)
        }
        (
            "would" | "could" | "might" | "may" | "can" | "cannot" | "if" | "unless" | "perhaps"
            | "possibly" | "possible" | "likely" | "unlikely" | "potential" | "potentially"
            | "hypothetical",
            _,
        ) => (Modality::Hypothetical, Scope::Clause),
        ("whether", _) | (_, "want" | "wish" | "hope" | "speculate" | "consider" | "mull") => {
            (Modality::Hypothetical, Scope::Sentence)
        }
        ("right", _) if next == "to" => (Modality::Hypothetical, Scope::Sentence),
        // Intentions: "plans to send troops", "is expected to sign", "threatened to strike".
        (_, "plan" | "intend" | "aim" | "seek" | "prepare" | "expect" | "propose" | "threaten")
            if next == "to" =>
        {
            (Modality::Hypothetical, Scope::Clause)
        }
        _ => return None,
    })
}

/// Whether a token ends the reach of a cue of this scope.
fn ends_scope(token: &Token, scope: Scope) -> bool {
    match scope {
        // A clause of time or reason after the cue tells what did happen: "threatened to shell
        // their positions after accusing them", "could retaliate because Ruritania attacked".
        Scope::Clause => matches!(
            token.norm.as_str(),
            "," | ";" | ":" | "after" | "since" | "because"
        ),
        Scope::Sentence => matches!(
            token.norm.as_str(),
            ";" | "but" | "while" | "whereas" | "although" | "though" | "however"
        ),
    }
}

/// The modality of the head at token `head`. `clause_start` is where the head's clause begins;
/// negation is read there, cues anywhere earlier in the sentence whose scope reaches the head.
/// `reaches(cue, head)` may narrow a cue's reach further (the coder's dependency parse does);
/// it is asked only about cues whose words already reach the head. The returned flag says the
/// negation sits right before the head, so that a pattern with its own code for the negated
/// reading (`neg=`) takes that code instead of the modality.
pub fn modality_at(
    tokens: &[Token],
    clause_start: usize,
    head: usize,
    reaches: impl Fn(usize, usize) -> bool,
) -> (Modality, Option<Cue>, bool) {
    // Negation right before the head, across auxiliaries and adverbs.
    let mut k = head;
    let mut negated = None;
    while k > clause_start {
        k -= 1;
        let w = tokens[k].norm.as_str();
        if NEGATORS.contains(&w) {
            negated = Some(k);
            break;
        }
        if !ADVERBS_BEFORE_HEAD.contains(&w) {
            break;
        }
    }
    // "kept X from offering": prevented, not done.
    if head > 0 && tokens[head - 1].norm == "from" && tokens[head].norm.ends_with("ing") {
        return (
            Modality::Negated,
            Some(Cue {
                modality: Modality::Negated,
                token: head - 1,
            }),
            false,
        );
    }
    let mut best: Option<Cue> = None;
    let rank = |m: Modality| match m {
        Modality::Denied => 5,
        Modality::Alleged => 4,
        Modality::Prescriptive => 3,
        Modality::Hypothetical => 2,
        _ => 0,
    };
    // A cue at k reaches the head when no token after it, up to the head, ends its scope; the
    // walk leftwards keeps that for both scopes, so a sentence costs one pass per head.
    let mut clause_open = !ends_scope(&tokens[head], Scope::Clause);
    let mut sentence_open = !ends_scope(&tokens[head], Scope::Sentence);
    // An infinitive ("to renew", "to help patrol") is prescribed by a directive verb before it.
    let infinitive = (head >= 1 && tokens[head - 1].norm == "to")
        || (head >= 2 && tokens[head - 2].norm == "to" && tokens[head - 1].norm == "help");
    let directive = |k: usize| {
        let t = &tokens[k];
        let lemma = t.verb_lemma.as_deref().unwrap_or("");
        // "called on the government to", not "called Erdogan to apologise" (a telephone call).
        let call_on = || {
            tokens
                .get(k + 1)
                .is_some_and(|n| matches!(n.norm.as_str(), "on" | "upon" | "for"))
        };
        infinitive
            && !t.capitalised
            && DIRECTIVES.contains(&lemma)
            && (lemma != "call" || call_on())
    };
    for k in (0..head).rev() {
        let class = class_of(tokens, k)
            .or_else(|| directive(k).then_some((Modality::Prescriptive, Scope::Clause)));
        if let Some((m, scope)) = class
            && match scope {
                Scope::Clause => clause_open,
                Scope::Sentence => sentence_open,
            }
            && best.as_ref().is_none_or(|b| rank(m) > rank(b.modality))
            && reaches(k, head)
        {
            best = Some(Cue {
                modality: m,
                token: k,
            });
        }
        clause_open &= !ends_scope(&tokens[k], Scope::Clause);
        sentence_open &= !ends_scope(&tokens[k], Scope::Sentence);
    }
    match (negated, best) {
        (Some(n), Some(cue)) if cue.token > n => (cue.modality, Some(cue), false),
        (Some(n), _) => (
            Modality::Negated,
            Some(Cue {
                modality: Modality::Negated,
                token: n,
            }),
            true,
        ),
        (None, Some(cue)) => (cue.modality, Some(cue), false),
        (None, None) => (Modality::Asserted, None, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Lemmatizer, make_token, token_spans};

    fn modality(text: &str, head_word: &str) -> (Modality, bool) {
        let lem = Lemmatizer::from_table(
            "wants\twant\t-\naccused\taccuse\t-\ndenied\tdeny\t-\nplans\tplan\t-\nexpected\texpect\t-\nthreatened\tthreaten\t-\nurged\turge\t-\ncalled\tcall\t-\n",
        );
        let toks: Vec<Token> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        let head = toks.iter().position(|t| t.norm == head_word).unwrap();
        let (m, _, neg) = modality_at(&toks, 0, head, |_, _| true);
        (m, neg)
    }

    #[test]
    fn each_class_has_its_cue() {
        assert_eq!(
            modality("Freedonia attacked Sylvania", "attacked"),
            (Modality::Asserted, false)
        );
        assert_eq!(
            modality("Freedonia did not attack Sylvania", "attack"),
            (Modality::Negated, true)
        );
        assert_eq!(
            modality("Freedonia could attack Sylvania", "attack"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality("if Freedonia attacks", "attacks"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality("Freedonia wants Sylvania to attack", "attack"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality("Freedonia must attack", "attack"),
            (Modality::Prescriptive, false)
        );
        assert_eq!(
            modality("officials accused Freedonia of having attacked", "attacked"),
            (Modality::Alleged, false)
        );
        assert_eq!(
            modality("Freedonia denied attacking", "attacking"),
            (Modality::Denied, false)
        );
        assert_eq!(
            modality("kept Freedonia from attacking", "attacking"),
            (Modality::Negated, false)
        );
        // A concession states a fact: a speculation's reach ends at "though".
        assert_eq!(
            modality(
                "there are doubts whether Freedonia will help , even though Sylvania attacked it",
                "attacked"
            ),
            (Modality::Asserted, false)
        );
        // Intentions: only with their infinitive ("the plan to" too), to the end of the clause.
        assert_eq!(
            modality("Freedonia plans to attack Sylvania", "attack"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality("Freedonia is expected to attack Sylvania", "attack"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality(
                "Freedonia planned the raid , then attacked Sylvania",
                "attacked"
            ),
            (Modality::Asserted, false)
        );
        // A clause of time or reason ends a modal's or an intention's reach.
        assert_eq!(
            modality(
                "Freedonia threatened to shell Sylvania after accusing it",
                "shell"
            ),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality(
                "Freedonia threatened to shell Sylvania after accusing it",
                "accusing"
            ),
            (Modality::Asserted, false)
        );
        assert_eq!(
            modality(
                "Freedonia could retaliate because Sylvania attacked",
                "attacked"
            ),
            (Modality::Asserted, false)
        );
        // A directive prescribes the infinitive after it; a telephone call does not.
        assert_eq!(
            modality("Freedonia urged Sylvania to attack Ruritania", "attack"),
            (Modality::Prescriptive, false)
        );
        assert_eq!(
            modality("Freedonia called on Sylvania to withdraw", "withdraw"),
            (Modality::Prescriptive, false)
        );
        assert_eq!(
            modality("Freedonia called Sylvania to apologise", "apologise"),
            (Modality::Asserted, false)
        );
        assert_eq!(
            modality(
                "Freedonia urged restraint and attacked Sylvania",
                "attacked"
            ),
            (Modality::Asserted, false)
        );
    }

    #[test]
    fn cues_reach_as_far_as_their_scope() {
        // A conditional ends at its comma; a wish runs on to the end of the sentence.
        assert_eq!(
            modality("if Freedonia wins, Sylvania attacks", "attacks"),
            (Modality::Asserted, false)
        );
        assert_eq!(
            modality(
                "Freedonia wants arms, including shells it attacks with",
                "attacks"
            ),
            (Modality::Hypothetical, false)
        );
        // A speculation noun cues only with a complement.
        assert_eq!(
            modality("speculation has mounted that Freedonia attacks", "attacks"),
            (Modality::Hypothetical, false)
        );
        assert_eq!(
            modality("the possibility remains, as Freedonia attacks", "attacks"),
            (Modality::Asserted, false)
        );
        // A contrast ends even a long cue.
        assert_eq!(
            modality("Freedonia must go, but Sylvania attacks", "attacks"),
            (Modality::Asserted, false)
        );
    }

    #[test]
    fn a_negated_modal_stays_negated() {
        assert_eq!(
            modality("Freedonia could not attack", "attack"),
            (Modality::Negated, true)
        );
    }
}
