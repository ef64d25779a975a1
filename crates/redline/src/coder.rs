//! The coder: from a document to events, each with its provenance.
//!
//! For every sentence of the body: tokens and lemmas, actor mentions (with references such as
//! "the two leaders" and pronouns resolved against earlier sentences), date expressions, then each
//! token whose lemma heads a verb pattern. The best pattern at a head fixes the code; the subject
//! left of the head is the source (the `by` agent in a passive), the `+` slot or the first actor
//! right of the head in its clause is the target; cue words give the modality. Coding never
//! fails: a sentence with no match has no event, and `--explain` says why.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use crate::actors::{ActorCode, ActorDictionary, ActorKind, Mention, MentionKind, is_joiner};
use crate::cameo::{CameoCode, CameoTable, GoldsteinScale};
use crate::dates::{DateBasis, DateMention, find_dates};
use crate::diag::{Diagnostic, Severity};
use crate::doc::Doc;
use crate::geo::{Gazetteer, LocationBasis, PlaceKind, Toponym};
use crate::modality::{Modality, modality_at};
use crate::text::{Lemmatizer, Span, Token, make_token, sentence_spans, token_spans};
use crate::tone::{Tone, ToneCounter, ToneLexicon};
use crate::verbs::{PatternMatch, VerbDictionary};

/// The coder's version, recorded in every event's provenance.
pub const CODER_VERSION: &str = concat!("redline-coder/", env!("CARGO_PKG_VERSION"));

/// The embedded dictionary files: (name, text).
pub const EMBEDDED_ACTOR_FILES: &[(&str, &str)] = &[
    (
        "actors/countries.txt",
        include_str!("../data/actors/countries.txt"),
    ),
    (
        "actors/synonyms.txt",
        include_str!("../data/actors/synonyms.txt"),
    ),
    ("actors/igos.txt", include_str!("../data/actors/igos.txt")),
    (
        "actors/agents.txt",
        include_str!("../data/actors/agents.txt"),
    ),
    (
        "actors/groups.txt",
        include_str!("../data/actors/groups.txt"),
    ),
    (
        "actors/leaders.txt",
        include_str!("../data/actors/leaders.txt"),
    ),
    (
        "actors/leaders_world.txt",
        include_str!("../data/actors/leaders_world.txt"),
    ),
    (
        "actors/persons.txt",
        include_str!("../data/actors/persons.txt"),
    ),
    (
        "actors/context.txt",
        include_str!("../data/actors/context.txt"),
    ),
];

/// The embedded verb-pattern files: (name, text).
pub const EMBEDDED_VERB_FILES: &[(&str, &str)] = &[
    (
        "verbs/01_statement.txt",
        include_str!("../data/verbs/01_statement.txt"),
    ),
    (
        "verbs/02_appeal.txt",
        include_str!("../data/verbs/02_appeal.txt"),
    ),
    (
        "verbs/03_intent.txt",
        include_str!("../data/verbs/03_intent.txt"),
    ),
    (
        "verbs/04_consult.txt",
        include_str!("../data/verbs/04_consult.txt"),
    ),
    (
        "verbs/05_diplomatic_coop.txt",
        include_str!("../data/verbs/05_diplomatic_coop.txt"),
    ),
    (
        "verbs/06_material_coop.txt",
        include_str!("../data/verbs/06_material_coop.txt"),
    ),
    ("verbs/07_aid.txt", include_str!("../data/verbs/07_aid.txt")),
    (
        "verbs/08_yield.txt",
        include_str!("../data/verbs/08_yield.txt"),
    ),
    (
        "verbs/09_investigate.txt",
        include_str!("../data/verbs/09_investigate.txt"),
    ),
    (
        "verbs/10_demand.txt",
        include_str!("../data/verbs/10_demand.txt"),
    ),
    (
        "verbs/11_disapprove.txt",
        include_str!("../data/verbs/11_disapprove.txt"),
    ),
    (
        "verbs/12_reject.txt",
        include_str!("../data/verbs/12_reject.txt"),
    ),
    (
        "verbs/13_threaten.txt",
        include_str!("../data/verbs/13_threaten.txt"),
    ),
    (
        "verbs/14_protest.txt",
        include_str!("../data/verbs/14_protest.txt"),
    ),
    (
        "verbs/15_force_posture.txt",
        include_str!("../data/verbs/15_force_posture.txt"),
    ),
    (
        "verbs/16_reduce_relations.txt",
        include_str!("../data/verbs/16_reduce_relations.txt"),
    ),
    (
        "verbs/17_coerce.txt",
        include_str!("../data/verbs/17_coerce.txt"),
    ),
    (
        "verbs/18_assault.txt",
        include_str!("../data/verbs/18_assault.txt"),
    ),
    (
        "verbs/19_fight.txt",
        include_str!("../data/verbs/19_fight.txt"),
    ),
    (
        "verbs/20_mass_violence.txt",
        include_str!("../data/verbs/20_mass_violence.txt"),
    ),
];

/// The embedded lemma table.
pub const EMBEDDED_LEMMAS: &str = include_str!("../data/lemmas.tsv");

/// Everything the coder looks things up in, built once and shared.
#[derive(Debug, Clone)]
pub struct Dictionaries {
    /// Actors.
    pub actors: ActorDictionary,
    /// Verb patterns.
    pub verbs: VerbDictionary,
    /// CAMEO codes and their scores.
    pub cameo: CameoTable,
    /// Lemmas.
    pub lemmatizer: Lemmatizer,
    /// A name for this set of dictionaries, recorded in provenance.
    pub version: String,
    /// Places, for event locations: parsed on first use (about 50 ms), so that loading the
    /// dictionaries stays fast for the tools that never locate anything.
    gazetteer: OnceLock<Gazetteer>,
    /// Word valences, for tone.
    pub tone: ToneLexicon,
}

impl Dictionaries {
    /// Empty dictionaries with the embedded CAMEO table and lemmas, to add files to.
    pub fn empty() -> Dictionaries {
        Dictionaries {
            actors: ActorDictionary::new(),
            verbs: VerbDictionary::new(),
            cameo: CameoTable::embedded(),
            lemmatizer: Lemmatizer::from_table(EMBEDDED_LEMMAS),
            version: "custom".to_string(),
            gazetteer: OnceLock::new(),
            tone: ToneLexicon::embedded(),
        }
    }

    /// The dictionaries shipped in the binary, with any diagnostics their files raise.
    pub fn embedded() -> (Dictionaries, Vec<Diagnostic>) {
        let mut dicts = Dictionaries::empty();
        let mut diags = Vec::new();
        for (name, text) in EMBEDDED_ACTOR_FILES {
            diags.extend(dicts.actors.add_file(name, text));
        }
        for (name, text) in EMBEDDED_VERB_FILES {
            diags.extend(dicts.verbs.add_file(name, text, &dicts.cameo));
        }
        dicts.version = format!("redline-dict/{}", env!("CARGO_PKG_VERSION"));
        (dicts, diags)
    }

    /// The gazetteer (the embedded one unless [`Dictionaries::set_gazetteer`] replaced it).
    pub fn gazetteer(&self) -> &Gazetteer {
        self.gazetteer.get_or_init(Gazetteer::embedded)
    }

    /// Uses another gazetteer.
    pub fn set_gazetteer(&mut self, gazetteer: Gazetteer) {
        self.gazetteer = OnceLock::from(gazetteer);
    }

    /// Adds an actor file in Redline's format.
    pub fn add_actor_file(&mut self, name: &str, text: &str) -> Vec<Diagnostic> {
        self.actors.add_file(name, text)
    }

    /// Adds a verb-pattern file in Redline's format.
    pub fn add_verb_file(&mut self, name: &str, text: &str) -> Vec<Diagnostic> {
        self.verbs.add_file(name, text, &self.cameo)
    }
}

/// Options for coding.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Which Goldstein table scores events.
    pub goldstein: GoldsteinScale,
    /// Skip event locations and tone (for measuring what they cost).
    pub skip_places_and_tone: bool,
    /// Follow PETRARCH's and TABARI's conventions, for their validation suites: heads are
    /// verbs only (a head right after a determiner, or after an indefinite article and up to two
    /// modifiers, "a brief private visit", is a noun, whatever pattern it starts), and a verb with no object takes the subject of a "that" clause right
    /// after it as target ("Gollum allowed that Mordor ..."), or else a place ("appealed for
    /// peace in Ithilen"); a verb joined by "and" or "or" to the verb before it in the sentence
    /// shares that verb's subject. Off by default: nominal events
    /// ("a terror attack by ...") count in news event data, and the eval kit's figures are
    /// measured without it.
    pub petrarch_style: bool,
    /// A dependency parser (off by default). The head's `nsubj` in the tree (through `conj`
    /// and `xcomp`, with the actors joined to it by `conj` or `appos`) is the source, the
    /// shallow search its fallback; where the shallow searches find no `by` agent in a passive
    /// or no target, the head's `obl:agent`, `obj`, `iobj` or `obl` supplies it; and the tree
    /// narrows modality cues (a modal only as an auxiliary, no cue across a `conj`). The README's
    /// Syntax section has what it does to the eval kit's scores and to speed.
    pub syntax: Option<Arc<crate::syntax::SyntaxModel>>,
    /// Actors to code when a clause names none (TABARI's `DEFAULT:` option; none by default).
    pub defaults: DefaultActors,
    /// TABARI's `FORWARD:` option: "he", "she", "it" and "they" stand for the first actor the
    /// previous sentence names itself (not through a pronoun), by its country code only. Off by
    /// default.
    pub forward_pronouns: bool,
    /// TABARI's pronouns: "he", "she", "it", "they", "him", "her" and "them" stand for the first
    /// actor of the sentence before them, with the compound it heads ("Elrond and Gondor urged
    /// Bree ... then they requested"). Off by default.
    pub first_actor_pronouns: bool,
    /// TABARI's clause conventions. `CODE BY CLAUSE`: a clause gives the events of its first
    /// coded verb only; a clause ends at "and", "but", "or", "while", "whereas" or ";" unless
    /// the word joins two actors. And when a pattern places its target before the verb
    /// (`ANTI- + *`), the source is the subject before that target ("Gollum participated in an
    /// anti- Gondor parade"). Off by default.
    pub tabari_clauses: bool,
    /// TABARI's `COMMA:` option: comma-delimited clauses of these lengths are left out of
    /// coding (their tokens are dropped from the sentence; the text is not changed). `None` by
    /// default.
    pub comma_clauses: Option<CommaClauses>,
}

/// Lengths in words of the comma-delimited clauses TABARI leaves out (`COMMA: MIN = 2 MAX = 10
/// EMIN = 2 EMAX = 10 BMIN = 255 BMAX = 0`, its defaults): a clause between two commas with
/// `min..=max` words, the one after the last comma with `end_min..=end_max`, and the one before
/// the first comma with `begin_min..=begin_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommaClauses {
    /// Fewest words of a clause between two commas.
    pub min: usize,
    /// Most words of a clause between two commas.
    pub max: usize,
    /// Fewest words of the clause after the last comma.
    pub end_min: usize,
    /// Most words of the clause after the last comma.
    pub end_max: usize,
    /// Fewest words of the clause before the first comma.
    pub begin_min: usize,
    /// Most words of the clause before the first comma.
    pub begin_max: usize,
}

impl Default for CommaClauses {
    /// TABARI's defaults: clauses between commas and after the last one, of 2 to 10 words.
    fn default() -> CommaClauses {
        CommaClauses {
            min: 2,
            max: 10,
            end_min: 2,
            end_max: 10,
            begin_min: 255,
            begin_max: 0,
        }
    }
}

/// The sentence's tokens without the comma-delimited clauses `limits` leaves out (each with
/// its opening comma, or for the first clause its closing one); a final stop stays.
fn drop_comma_clauses(
    tokens: Vec<Token>,
    limits: &CommaClauses,
    is_verb: impl Fn(&Token) -> bool,
) -> Vec<Token> {
    let commas: Vec<usize> = (0..tokens.len())
        .filter(|&k| tokens[k].norm == ",")
        .collect();
    if commas.is_empty() {
        return tokens;
    }
    let end = if tokens.last().is_some_and(|t| t.punct) {
        tokens.len() - 1
    } else {
        tokens.len()
    };
    let words = |a: usize, b: usize| tokens[a..b].iter().filter(|t| !t.punct).count();
    let mut drop = vec![false; tokens.len()];
    let first = commas[0];
    if (limits.begin_min..=limits.begin_max).contains(&words(0, first)) {
        drop[..=first].iter_mut().for_each(|d| *d = true);
    }
    // A clause between commas, unless it is a member of a list ("Mordor, the awful Fornost,
    // and Gondor").
    for pair in commas.windows(2) {
        let list = tokens
            .get(pair[1] + 1)
            .is_some_and(|t| matches!(t.norm.as_str(), "and" | "or"));
        if !list && (limits.min..=limits.max).contains(&words(pair[0] + 1, pair[1])) {
            drop[pair[0]..pair[1]].iter_mut().for_each(|d| *d = true);
        }
    }
    // The clause after the last comma, unless no verb is left before it: then it holds the
    // sentence's verb ("Arnor's minister, in remarks published on Monday, urged Eriador").
    let last = commas[commas.len() - 1];
    let verb_before = (0..last).any(|k| !drop[k] && is_verb(&tokens[k]));
    if last < end
        && verb_before
        && (limits.end_min..=limits.end_max).contains(&words(last + 1, end))
    {
        drop[last..end].iter_mut().for_each(|d| *d = true);
    }
    tokens
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(t, _)| t)
        .collect()
}

/// Default actors (TABARI's `DEFAULT: SOURCE [X] PRIOR TARGET [Y] AFTER`). An event with a
/// default actor carries a source or target with `via: Some("default")` and an empty span at
/// the head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultActors {
    /// The source when the clause has none. Without `source_prior` the first actor after the
    /// verb is the source first (the rest of the clause then gives the target).
    pub source: Option<ActorCode>,
    /// `PRIOR`: the source comes only from before the verb, else it is the default.
    pub source_prior: bool,
    /// The target when the clause has none. Without `target_after` the members of a compound
    /// source after the first are the target first.
    pub target: Option<ActorCode>,
    /// `AFTER`: the target comes only from after the verb, else it is the default.
    pub target_after: bool,
}

/// A dictionary entry that contributed to an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    /// `file:line`.
    pub location: String,
    /// The line's kind (`person`, `agent`, ...).
    pub kind: &'static str,
    /// The phrase that matched.
    pub phrase: String,
    /// The code on the line.
    pub code: String,
}

/// An event's source or target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRef {
    /// The resolved code.
    pub code: ActorCode,
    /// The mention in the text: for a reference whose antecedent is in the same sentence
    /// ("Netanyahu says he will"), the antecedent, and the referring words in `reference`.
    pub span: Span,
    /// The words that refer to the actor named at `span` ("he"), when they are not its name.
    pub reference: Option<Span>,
    /// The entries that produced it.
    pub entries: Vec<EntryRef>,
    /// How it was found when not directly: `reference` (a pronoun, "the two leaders"),
    /// `context` (a context rule: "the North"), `default` (TABARI's default actors); `parse`
    /// when the dependency parse named it for its role (`Config::syntax`), alone or before one
    /// of the others (`parse, reference`).
    pub via: Option<&'static str>,
}

/// Why an event is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The verb pattern, `file:line`.
    pub pattern: String,
    /// The pattern's text.
    pub pattern_text: String,
    /// The head word.
    pub head: Span,
    /// The words the pattern matched.
    pub matched: Vec<Span>,
    /// The cue word that set the modality, if any.
    pub modality_cue: Option<Span>,
    /// The date expression used, if any.
    pub date_span: Option<Span>,
    /// Whether the event was produced both ways from a compound subject.
    pub reciprocal: bool,
    /// Whether the source came from a passive's `by` phrase.
    pub passive: bool,
    /// Coder version.
    pub coder_version: &'static str,
    /// Dictionary version.
    pub dictionary_version: String,
}

/// One coded event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The document.
    pub doc_id: String,
    /// Index of the sentence in the document, from 0.
    pub sentence_index: usize,
    /// The sentence.
    pub sentence: Span,
    /// Who acts.
    pub source: ActorRef,
    /// Who is acted upon, if anyone.
    pub target: Option<ActorRef>,
    /// CAMEO event code.
    pub code: CameoCode,
    /// GDELT quad class 1-4.
    pub quad_class: u8,
    /// Goldstein score on the configured scale.
    pub goldstein: f32,
    /// PLOVER event type (empty for roots 01 and 02).
    pub plover_event: String,
    /// PLOVER mode (may be empty).
    pub plover_mode: String,
    /// How the text presents it.
    pub modality: Modality,
    /// When it happened, if known.
    pub date: Option<NaiveDate>,
    /// How the date was found.
    pub date_basis: DateBasis,
    /// Why.
    pub provenance: Provenance,
    /// Where it happened, when the text or its actors say.
    pub location: Option<EventLocation>,
    /// The tone of the event's sentence.
    pub tone: Tone,
    /// The tone of the whole document.
    pub document_tone: Tone,
}

/// Where an event happened.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLocation {
    /// The place's name.
    pub name: String,
    /// Country, admin-1 or city.
    pub kind: PlaceKind,
    /// ISO alpha-3.
    pub country: String,
    /// Admin-1 code, empty for a country.
    pub admin1: String,
    /// Admin-1 name.
    pub admin1_name: String,
    /// Latitude.
    pub lat: f32,
    /// Longitude.
    pub lon: f32,
    /// GeoNames id.
    pub geonameid: u32,
    /// The place name in the text (none when it comes from an actor's country).
    pub span: Option<Span>,
    /// Sentence, paragraph or actor country.
    pub basis: LocationBasis,
    /// Why this place among the candidates.
    pub reason: String,
}

/// Per-sentence facts kept for the document-level passes (location and tone).
#[derive(Debug, Default)]
struct SentenceFacts {
    toponyms: Vec<Toponym>,
    tone: ToneCounter,
    paragraph: usize,
}

/// A coded document: its events, the sentence spans of its body and its tone (the same tone
/// every event's `document_tone` carries; all zero with `skip_places_and_tone`).
#[derive(Debug, Clone)]
pub struct CodedDocument {
    /// The events, as [`Coder::code`] gives them.
    pub events: Vec<Event>,
    /// The body's sentences, as [`Coder::sentences`] gives them.
    pub sentences: Vec<Span>,
    /// The document's tone, as [`Coder::document_tone`] gives it.
    pub tone: Tone,
}

/// What `--explain` shows for one sentence.
#[derive(Debug, Clone, Default)]
pub struct SentenceTrace {
    /// Index in the document.
    pub index: usize,
    /// The sentence.
    pub span: Span,
    /// Tokens: span, normalised form, lemma.
    pub tokens: Vec<(Span, String, String)>,
    /// Actors found: span, code, kind.
    pub actors: Vec<(Span, String, String)>,
    /// Dates found: span, date, basis.
    pub dates: Vec<(Span, String, &'static str)>,
    /// Each head tried and what came of it.
    pub heads: Vec<HeadTrace>,
    /// Places named: span and number of gazetteer candidates.
    pub places: Vec<(Span, usize)>,
}

/// One head word and its outcome.
#[derive(Debug, Clone)]
pub struct HeadTrace {
    /// The head word.
    pub span: Span,
    /// How many patterns were tried there.
    pub tried: usize,
    /// The winning pattern, `file:line` and text.
    pub pattern: Option<(String, String)>,
    /// What happened: `event`, or why none was produced.
    pub outcome: String,
}

/// Document-level state carried from sentence to sentence.
#[derive(Debug, Default)]
struct DocState {
    seen: HashSet<String>,
    previous: Vec<Mention>,
    last_person_pair: Option<Vec<Mention>>,
    last_state_pair: Option<Vec<Mention>>,
}

/// Prepositions after which a mention is not a subject.
const PREPOSITIONS: &[&str] = &[
    "in",
    "with",
    "to",
    "from",
    "of",
    "for",
    "on",
    "at",
    "by",
    "between",
    "against",
    "over",
    "about",
    "into",
    "toward",
    "towards",
    "under",
    "after",
    "before",
    "during",
    "among",
    "across",
    "through",
    "via",
    "despite",
    "like",
    "near",
    "than",
    "including",
    "regarding",
    "amid",
    "within",
    "upon",
    "onto",
    "beyond",
    "behind",
];

/// Prepositions that, ending a pattern, introduce its target ("impose sanctions on",
/// "file ... lawsuit ... against").
const TARGET_PREPOSITIONS: &[&str] = &[
    "against", "on", "upon", "with", "to", "toward", "towards", "into", "over", "from",
];

/// Prepositions after which a mention is a place, not a target.
const LOCATIVES: &[&str] = &[
    "in",
    "at",
    "near",
    "inside",
    "outside",
    "across",
    "throughout",
    "within",
    "around",
    "during",
    "since",
];

/// Words that end the clause a source is looked for in (searching leftwards).
const LEFT_BOUNDARIES: &[&str] = &[
    ";", "that", "which", "who", "whom", "whose", "where", "while", "whereas", "because",
    "although", "though", "unless", "whether",
];

/// Verbs of saying and thinking: their complement is a clause of its own even without "that"
/// ("Freedonia said the North attacked").
const SPEECH_VERBS: &[&str] = &[
    "say",
    "tell",
    "state",
    "announce",
    "claim",
    "add",
    "insist",
    "report",
    "believe",
    "think",
    "argue",
    "note",
    "stress",
    "declare",
    "confirm",
    "suggest",
    "assert",
    "allege",
    "acknowledge",
    "admit",
    "warn",
    "deny",
    "fear",
];

/// Verbs whose object is the subject of a following infinitive ("urged Russia to ...").
const OBJECT_CONTROL_VERBS: &[&str] = &[
    "want",
    "ask",
    "urge",
    "force",
    "allow",
    "order",
    "tell",
    "persuade",
    "help",
    "encourage",
    "invite",
    "expect",
    "require",
    "permit",
    "enable",
    "press",
    "pressure",
    "push",
    "call",
    "request",
    "warn",
    "advise",
    "compel",
    "oblige",
    "authorize",
    "authorise",
    "instruct",
    "get",
    "lead",
    "cause",
    "prompt",
    "need",
    "wish",
    "prefer",
];

/// Whether a mention is the object of a verb that keeps its own subject for an infinitive after it.
fn is_object_of_plain_verb(tokens: &[Token], m: &Mention) -> bool {
    let mut k = m.first_token;
    while k > 0
        && matches!(
            tokens[k - 1].norm.as_str(),
            "the" | "a" | "an" | "its" | "their" | "his" | "her"
        )
    {
        k -= 1;
    }
    let Some(verb) = k.checked_sub(1).map(|v| &tokens[v]) else {
        return false;
    };
    let lemma = verb.verb_lemma.as_deref().unwrap_or(&verb.norm);
    verb.verb_lemma.is_some() && verb.norm != lemma && !OBJECT_CONTROL_VERBS.contains(&lemma)
}

/// Whether a token is a verb of saying used as a verb (lower case, not a noun like "report").
fn is_speech_verb(token: &Token) -> bool {
    let speech = token
        .verb_lemma
        .as_deref()
        .is_some_and(|l| SPEECH_VERBS.contains(&l))
        || SPEECH_VERBS.contains(&token.norm.as_str());
    speech
        && !token.capitalised
        && !matches!(
            token.norm.as_str(),
            "report" | "reports" | "states" | "state" | "note" | "notes" | "fear" | "fears"
        )
}

/// Whether token `k` joins two clauses (TABARI's clause conjunctions), not two actors.
fn is_clause_joint(tokens: &[Token], mentions: &[Mention], k: usize) -> bool {
    if !matches!(
        tokens[k].norm.as_str(),
        "and" | "but" | "or" | "while" | "whereas" | ";"
    ) {
        return false;
    }
    let ends_mention = mentions.iter().any(|m| m.end_token == k);
    let starts_mention = mentions
        .iter()
        .any(|m| m.first_token == k + 1 || (m.first_token == k + 2 && tokens[k + 1].norm == "the"));
    !(ends_mention && starts_mention)
}

/// Whether a token ends the clause the subject is looked for in. Verbs of saying count only in
/// lower case and not as nouns ("United States", "Secretary of State" are names).
fn is_left_boundary(token: &Token) -> bool {
    LEFT_BOUNDARIES.contains(&token.norm.as_str()) || is_speech_verb(token)
}

/// Words that end the clause a target is looked for in (searching rightwards).
const RIGHT_BOUNDARIES: &[&str] = &[
    ";",
    ",",
    ":",
    "that",
    "which",
    "who",
    "while",
    "whereas",
    "because",
    "although",
    "though",
    "if",
    "unless",
    "whether",
    "but",
    "according",
    "after",
    "before",
    "as",
    "when",
    "since",
    "so",
    "amid",
    "despite",
    "\"",
    "\u{201C}",
];

/// Words that start a clause, where the search for a negation before the head stops.
const CLAUSE_MARKS: &[&str] = &[
    ",", ";", ":", "that", "which", "who", "while", "whereas", "but", "because", "although",
    "though", "as", "and", "\u{201C}", "\"",
];

/// Determiners and possessives: a head after one of them is a noun.
const DETERMINERS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "my",
    "your", "'s", "any", "some", "every", "each", "no",
];

/// Roots whose events a compound subject does to each other when there is no object.
fn is_symmetric(code: &CameoCode) -> bool {
    matches!(code.root(), "03" | "04" | "05" | "06" | "19")
        && code.as_str() != "042"
        && code.as_str() != "043"
}

/// Codes an event with a compound source and no target applies pairwise.
/// The coder: dictionaries and options, shareable across threads.
#[derive(Debug, Clone)]
pub struct Coder {
    dicts: Arc<Dictionaries>,
    config: Config,
}

impl Coder {
    /// A coder over `dicts` with `config`.
    pub fn new(dicts: Arc<Dictionaries>, config: Config) -> Coder {
        Coder { dicts, config }
    }

    /// The dictionaries.
    pub fn dictionaries(&self) -> &Dictionaries {
        &self.dicts
    }

    /// The events of a document.
    pub fn code(&self, doc: &Doc) -> Vec<Event> {
        self.run(doc, None).events
    }

    /// The events of a document with the sentences and tone found on the way, for callers that
    /// store them too (ingest): splitting and scoring the document again would repeat the work.
    pub fn code_document(&self, doc: &Doc) -> CodedDocument {
        self.run(doc, None)
    }

    /// The events of a document, and a trace of every sentence.
    pub fn code_explained(&self, doc: &Doc) -> (Vec<Event>, Vec<SentenceTrace>) {
        let mut traces = Vec::new();
        let events = self.run(doc, Some(&mut traces)).events;
        (events, traces)
    }

    /// The sentences of a document's body, as spans.
    pub fn sentences(&self, doc: &Doc) -> Vec<Span> {
        sentence_spans(&doc.text, doc.body.range())
    }

    /// The tone of a document's body, as [`Event::document_tone`] gives it for a document with
    /// events: for storing the tone of a document in which nothing was coded. Pure; about the
    /// cost of tokenising the body. Default (all zero) with `skip_places_and_tone`.
    pub fn document_tone(&self, doc: &Doc) -> Tone {
        let mut document = ToneCounter::default();
        if self.config.skip_places_and_tone {
            return document.tone();
        }
        for sentence in self.sentences(doc) {
            let tokens = self.tokens(&doc.text, sentence);
            document.add(&self.dicts.tone.count(&tokens));
        }
        document.tone()
    }

    fn tokens(&self, text: &str, span: Span) -> Vec<Token> {
        token_spans(text, span.range())
            .into_iter()
            .map(|s| make_token(text, s, &self.dicts.lemmatizer))
            .collect()
    }

    fn run(&self, doc: &Doc, mut traces: Option<&mut Vec<SentenceTrace>>) -> CodedDocument {
        let mut state = DocState::default();
        if let Some(title) = &doc.title {
            let toks = self.tokens(title, Span::new(0, title.len()));
            for m in self
                .dicts
                .actors
                .find_mentions(&toks, title, doc.published, &state.seen)
            {
                if let Some(c) = m.code.country() {
                    state.seen.insert(c.to_string());
                }
            }
        }
        let mut events = Vec::new();
        let mut facts: Vec<SentenceFacts> = Vec::new();
        let mut paragraph = 0;
        let mut previous_end = doc.body.start;
        let sentences = self.sentences(doc);
        for (index, &sentence) in sentences.iter().enumerate() {
            let gap = &doc.text[previous_end..sentence.start];
            if index > 0 && gap.matches('\n').count() >= 2 {
                paragraph += 1;
            }
            previous_end = sentence.end;
            let mut trace = traces.as_ref().map(|_| SentenceTrace {
                index,
                span: sentence,
                ..SentenceTrace::default()
            });
            let (toponyms, tone) = self.code_sentence(
                doc,
                index,
                sentence,
                &mut state,
                &mut events,
                trace.as_mut(),
            );
            facts.push(SentenceFacts {
                toponyms,
                tone,
                paragraph,
            });
            if let (Some(list), Some(t)) = (traces.as_deref_mut(), trace) {
                list.push(t);
            }
        }
        let mut document = ToneCounter::default();
        for f in &facts {
            document.add(&f.tone);
        }
        let document_tone = document.tone();
        let mut doc_countries: Vec<String> = state.seen.iter().cloned().collect();
        doc_countries.sort();
        for e in &mut events {
            let f = &facts[e.sentence_index];
            e.tone = f.tone.tone();
            e.document_tone = document_tone;
            if !self.config.skip_places_and_tone {
                e.location = self.locate(e, &facts, &doc_countries);
            }
        }
        CodedDocument {
            events,
            sentences,
            tone: document_tone,
        }
    }

    /// The place an event happened: a place named in its sentence (the nearest after the head,
    /// else before it), else one named in its paragraph, else the country of an actor (the
    /// target's for visits and material acts, which happen where the target is; else the
    /// source's).
    fn locate(
        &self,
        e: &Event,
        facts: &[SentenceFacts],
        doc_countries: &[String],
    ) -> Option<EventLocation> {
        let gaz = &self.dicts.gazetteer();
        let event_countries: Vec<&str> = [Some(&e.source.code), e.target.as_ref().map(|t| &t.code)]
            .into_iter()
            .flatten()
            .filter_map(|c| c.country())
            .collect();
        let head = e.provenance.head.start;
        let here = &facts[e.sentence_index];
        let in_sentence = here.toponyms.iter().min_by_key(|t| {
            if t.span.start >= head {
                t.span.start - head
            } else {
                10_000 + head - t.span.end
            }
        });
        let paragraph = || {
            facts
                .iter()
                .enumerate()
                .filter(|(i, f)| f.paragraph == here.paragraph && *i != e.sentence_index)
                .flat_map(|(i, f)| {
                    f.toponyms
                        .iter()
                        .map(move |t| (i.abs_diff(e.sentence_index), t))
                })
                .min_by_key(|(d, t)| (*d, t.span.start))
                .map(|(_, t)| t)
        };
        let (toponym, basis) = match in_sentence {
            Some(t) => (Some(t), LocationBasis::Sentence),
            None => match paragraph() {
                Some(t) => (Some(t), LocationBasis::Paragraph),
                None => (None, LocationBasis::ActorCountry),
            },
        };
        let (place, span, reason) = match toponym {
            Some(t) => {
                let r = gaz.resolve(t, &event_countries, doc_countries)?;
                (r.place, Some(t.span), r.reason)
            }
            None => {
                let target_side = matches!(e.code.root(), "04") || matches!(e.quad_class, 2 | 4);
                let actor = if target_side {
                    e.target.as_ref().or(Some(&e.source))
                } else {
                    Some(&e.source)
                };
                let country = actor.and_then(|a| a.code.country())?;
                let reason = format!(
                    "no place named; the {} actor's country",
                    if target_side && e.target.is_some() {
                        "target"
                    } else {
                        "source"
                    }
                );
                (gaz.country(country)?, None, reason)
            }
        };
        let p = gaz.place(place);
        Some(EventLocation {
            name: p.name.clone(),
            kind: p.kind,
            country: p.country.clone(),
            admin1: p.admin1.clone(),
            admin1_name: p.admin1_name.clone(),
            lat: p.lat,
            lon: p.lon,
            geonameid: p.geonameid,
            span,
            basis,
            reason,
        })
    }

    fn code_sentence(
        &self,
        doc: &Doc,
        index: usize,
        sentence: Span,
        state: &mut DocState,
        events: &mut Vec<Event>,
        mut trace: Option<&mut SentenceTrace>,
    ) -> (Vec<Toponym>, ToneCounter) {
        let text = &doc.text;
        let mut tokens = self.tokens(text, sentence);
        if let Some(limits) = &self.config.comma_clauses {
            let is_verb = |t: &Token| !t.punct && !self.dicts.verbs.candidates(t).is_empty();
            tokens = drop_comma_clauses(tokens, limits, is_verb);
        }
        if tokens.is_empty() {
            return (Vec::new(), ToneCounter::default());
        }
        let tree = LazyTree {
            model: self.config.syntax.as_deref(),
            text,
            tokens: &tokens,
            parse: OnceCell::new(),
        };
        let mut mentions =
            self.dicts
                .actors
                .find_mentions(&tokens, text, doc.published, &state.seen);
        self.add_references(&tokens, &mut mentions, state);
        mentions.sort_by_key(|m| (m.first_token, m.end_token));
        let dates = find_dates(&tokens, doc.published);
        // Tokens inside a date or a mention are never heads.
        let mut blocked = vec![false; tokens.len()];
        for m in &mentions {
            blocked[m.first_token..m.end_token]
                .iter_mut()
                .for_each(|b| *b = true);
        }
        for d in &dates {
            let end = tokens
                .iter()
                .position(|t| t.span.end >= d.span.end)
                .map_or(tokens.len(), |e| e + 1);
            blocked[d.first_token..end]
                .iter_mut()
                .for_each(|b| *b = true);
        }
        if let Some(t) = trace.as_deref_mut() {
            t.tokens = tokens
                .iter()
                .map(|k| (k.span, k.norm.clone(), k.lemma().to_string()))
                .collect();
            t.actors = mentions
                .iter()
                .map(|m| {
                    (
                        m.span,
                        m.code.to_string(),
                        format!("{:?}", m.kind).to_lowercase(),
                    )
                })
                .collect();
            t.dates = dates
                .iter()
                .map(|d| (d.span, d.date.to_string(), d.basis.as_str()))
                .collect();
        }
        let limit = tokens
            .iter()
            .position(|t| t.norm == ";")
            .unwrap_or(tokens.len());
        let mention_at = |i: usize| {
            mentions
                .iter()
                .find(|m| m.first_token == i)
                .map(|m| m.end_token)
        };
        let mut consumed = vec![false; tokens.len()];
        let mut sentence_events: Vec<Event> = Vec::new();
        // In a sentence written all in capitals a capital says nothing about names.
        let all_caps = tokens.iter().filter(|t| !t.punct).all(|t| {
            let surface = &text[t.span.range()];
            !surface.chars().any(char::is_lowercase)
        });
        // TABARI codes one verb per clause: once a clause has given events, its later heads
        // wait for the next conjunction that is not between two actors.
        let mut clause_coded = false;
        let mut boundaries_seen = 0;
        for head in 0..tokens.len() {
            if self.config.tabari_clauses {
                for k in boundaries_seen..head {
                    if is_clause_joint(&tokens, &mentions, k) {
                        clause_coded = false;
                    }
                }
                boundaries_seen = boundaries_seen.max(head);
            }
            if blocked[head] || consumed[head] || tokens[head].punct {
                continue;
            }
            let tried = self.dicts.verbs.candidates(&tokens[head]).len();
            if tried == 0 {
                continue;
            }
            let mut head_trace = HeadTrace {
                span: tokens[head].span,
                tried,
                pattern: None,
                outcome: String::new(),
            };
            if clause_coded {
                head_trace.outcome =
                    "its clause already gave events (one verb per clause)".to_string();
                if let Some(t) = trace.as_deref_mut() {
                    t.heads.push(head_trace);
                }
                continue;
            }
            let events_before = sentence_events.len();
            let lim = if head < limit { limit } else { tokens.len() };
            let outcome = match self.dicts.verbs.best_match(&tokens, head, lim, &mention_at) {
                None => "no pattern matched what follows".to_string(),
                Some(m) => {
                    let pattern = self.dicts.verbs.pattern(m.pattern);
                    head_trace.pattern = Some((pattern.location(), pattern.text.clone()));
                    // "the treaty", "the newly signed treaty": after a determiner (and adverbs).
                    let mut before = head;
                    while before > 0
                        && tokens[before - 1].norm.ends_with("ly")
                        && tokens[before - 1].norm.len() > 3
                    {
                        before -= 1;
                    }
                    let after_determiner = (before > 0
                        && DETERMINERS.contains(&tokens[before - 1].norm.as_str()))
                        || (self.config.petrarch_style
                            && after_article_and_modifiers(&tokens, &blocked, before));
                    let inflected = tokens[head]
                        .verb_lemma
                        .as_deref()
                        .is_some_and(|l| l != tokens[head].norm);
                    // A pattern that spells out the words before its head ("% have postponed
                    // their *") has already decided the head's role.
                    let spelled_out = m.matched_tokens.iter().any(|&k| k < head);
                    if after_determiner
                        && !spelled_out
                        && (pattern.specificity() == 0 || inflected || self.config.petrarch_style)
                    {
                        "head is a noun or adjective here (after a determiner)".to_string()
                    } else if !spelled_out
                        && pattern.specificity() == 0
                        && !self.config.petrarch_style
                        && !self.config.tabari_clauses
                        && head > 0
                        && tokens[head].norm.ends_with('s')
                        && tokens[head - 1].norm.ends_with("ing")
                        && tokens[head - 1].verb_lemma.is_some()
                        && tokens
                            .get(head + 1)
                            .is_none_or(|t| t.punct || PREPOSITIONS.contains(&t.norm.as_str()))
                    {
                        // "monitoring sanctions on", "growing attacks in": a plural after a
                        // participle and before a preposition is a noun, the participle's
                        // object or the thing it describes ("Shelling kills ten" is a verb).
                        "head is a noun here (a plural after a participle)".to_string()
                    } else if self.config.petrarch_style
                        && !spelled_out
                        && tokens.get(head + 1).is_some_and(|t| t.norm == "'s")
                    {
                        // "Estonia donate's cash": a possessive ending makes it a noun.
                        "head is a noun here (a possessive follows)".to_string()
                    } else if head > 0
                        && tokens[head].capitalised
                        && !tokens[head - 1].punct
                        && !all_caps
                    {
                        "head is capitalised mid-sentence (a name)".to_string()
                    } else if !spelled_out
                        && pattern.specificity() == 0
                        && !sentence_events.is_empty()
                        && tree.get().is_some_and(|t| {
                            t[head].noun
                                && t[head].head.is_some_and(|up| {
                                    sentence_events
                                        .iter()
                                        .any(|e| e.provenance.head == tokens[up].span)
                                })
                        })
                    {
                        // "blames sanctions for": a noun that a coded verb governs is what
                        // that verb is about, not an act of its own.
                        "head is a noun that a coded verb governs (the parse)".to_string()
                    } else {
                        for c in consumed.iter_mut().take(m.end).skip(head) {
                            *c = true;
                        }
                        if let Some(t) = m.target_token
                            && let Some(end) = mention_at(t)
                        {
                            consumed[t..end].iter_mut().for_each(|c| *c = false);
                        }
                        // A pattern that takes in words before its head ("indicated should
                        // *") replaces what an earlier head among those words produced.
                        let before_head: Vec<Span> = m
                            .matched_tokens
                            .iter()
                            .filter(|&&k| k < head)
                            .map(|&k| tokens[k].span)
                            .collect();
                        if !before_head.is_empty() {
                            sentence_events.retain(|e| !before_head.contains(&e.provenance.head));
                        }
                        self.make_events(
                            doc,
                            index,
                            sentence,
                            &tokens,
                            &mentions,
                            &dates,
                            &m,
                            &tree,
                            &state.seen,
                            &mut sentence_events,
                        )
                    }
                }
            };
            if self.config.tabari_clauses && sentence_events.len() > events_before {
                clause_coded = true;
            }
            head_trace.outcome = outcome;
            if let Some(t) = trace.as_deref_mut() {
                t.heads.push(head_trace);
            }
        }
        // A bare statement ("X said ...") adds nothing when the sentence codes what was said:
        // CAMEO codes the reported act, and a held-out gold counts the extra 010 as over-coding.
        let substantive = sentence_events
            .iter()
            .any(|e| e.code.as_str() != "010" && e.modality == Modality::Asserted);
        if substantive {
            sentence_events.retain(|e| e.code.as_str() != "010");
        }
        // Places named as targets ("shelled Haifa") are where the act happened too.
        let place_targets: Vec<usize> = sentence_events
            .iter()
            .filter_map(|e| e.target.as_ref().filter(|t| t.via == Some("place")))
            .filter_map(|t| tokens.iter().position(|k| k.span.start == t.span.start))
            .collect();
        // One event per (source, target, code) in a sentence.
        let mut seen_keys = HashSet::new();
        for e in sentence_events {
            let key = (
                e.source.code.clone(),
                e.target.as_ref().map(|t| t.code.clone()),
                e.code.clone(),
                e.modality,
            );
            if seen_keys.insert(key) {
                events.push(e);
            }
        }
        // Carry state forward.
        for m in &mentions {
            if let Some(c) = m.code.country() {
                state.seen.insert(c.to_string());
            }
        }
        for group in compound_groups(&tokens, &mentions) {
            let members: Vec<Mention> = group.iter().map(|&k| mentions[k].clone()).collect();
            let distinct: HashSet<&ActorCode> = members.iter().map(|m| &m.code).collect();
            if distinct.len() < 2 {
                continue;
            }
            if members.iter().all(Mention::is_person) {
                state.last_person_pair = Some(members.clone());
            }
            state.last_state_pair = Some(members);
        }
        let (tone, toponyms) = if self.config.skip_places_and_tone {
            (ToneCounter::default(), Vec::new())
        } else {
            let mut toponyms = self.toponyms(&tokens, &mentions);
            for &i in &place_targets {
                if !toponyms.iter().any(|t| t.first_token == i)
                    && let Some(t) = self.dicts.gazetteer().toponym_at(&tokens, i)
                {
                    toponyms.push(t);
                }
            }
            (self.dicts.tone.count(&tokens), toponyms)
        };
        if let Some(t) = trace {
            t.places = toponyms
                .iter()
                .map(|p| (p.span, p.candidates.len()))
                .collect();
        }
        state.previous = mentions;
        (toponyms, tone)
    }

    /// Places named in a sentence: gazetteer toponyms used as places, and country or context
    /// mentions after a locative ("across the border into the South").
    fn toponyms(&self, tokens: &[Token], mentions: &[Mention]) -> Vec<Toponym> {
        let gaz = &self.dicts.gazetteer();
        let mut out = gaz.find_toponyms(tokens);
        // A name that is a person, an organisation, an agent or a context phrase ("Hassan",
        // "the South") is not a place, whatever a gazetteer elsewhere calls it.
        out.retain(|t| {
            !mentions.iter().any(|m| {
                !matches!(m.kind, MentionKind::State | MentionKind::Capital)
                    && m.first_token <= t.first_token
                    && t.first_token < m.end_token
            })
        });
        for m in mentions {
            if !matches!(m.kind, MentionKind::State | MentionKind::Context)
                || out.iter().any(|t| t.first_token == m.first_token)
            {
                continue;
            }
            let mut before = m.first_token;
            if before > 0 && tokens[before - 1].norm == "the" {
                before -= 1;
            }
            let locative = before > 0
                && matches!(
                    tokens[before - 1].norm.as_str(),
                    "in" | "into" | "at" | "across" | "inside" | "throughout" | "within"
                );
            if let (true, Some(country)) = (locative, m.code.country().and_then(|c| gaz.country(c)))
            {
                out.push(Toponym {
                    span: m.span,
                    first_token: m.first_token,
                    candidates: vec![country],
                    region_word: false,
                });
            }
        }
        out
    }

    /// Adds mentions for "the two leaders", "both countries" and unambiguous pronouns.
    fn add_references(&self, tokens: &[Token], mentions: &mut Vec<Mention>, state: &DocState) {
        let mut added = Vec::new();
        let n = tokens.len();
        for i in 0..n {
            if mentions
                .iter()
                .any(|m| m.first_token <= i && i < m.end_token)
            {
                continue;
            }
            let w = tokens[i].norm.as_str();
            let next = tokens.get(i + 1).map_or("", |t| t.norm.as_str());
            let next2 = tokens.get(i + 2).map_or("", |t| t.norm.as_str());
            let (len, noun) = if w == "the" && next == "two" {
                (3, next2)
            } else if w == "both" {
                (2, next)
            } else {
                (0, "")
            };
            if len > 0 {
                let pair = match noun {
                    "leaders" | "presidents" | "heads" | "men" => state.last_person_pair.as_ref(),
                    "countries" | "nations" | "sides" | "states" | "governments" | "neighbours"
                    | "neighbors" | "allies" => state.last_state_pair.as_ref(),
                    _ => None,
                };
                if let Some(pair) = pair {
                    let span = tokens[i].span.cover(tokens[i + len - 1].span);
                    for m in pair {
                        let code = if noun == "leaders"
                            || noun == "presidents"
                            || noun == "heads"
                            || noun == "men"
                        {
                            m.code.clone()
                        } else {
                            m.code
                                .country()
                                .and_then(ActorCode::parse)
                                .unwrap_or_else(|| m.code.clone())
                        };
                        added.push(Mention {
                            first_token: i,
                            end_token: i + len,
                            span,
                            code,
                            kind: MentionKind::Reference,
                            entries: m.entries.clone(),
                            antecedent: Some(m.antecedent.unwrap_or(m.span)),
                        });
                    }
                }
                continue;
            }
            // "Slovakia says it will not accept": a pronoun opening the complement of a verb of
            // saying is that verb's subject.
            if matches!(w, "it" | "he" | "she" | "they" | "we") {
                let mut k = i;
                let mut steps = 0;
                while k > 0 && steps < 4 {
                    k -= 1;
                    steps += 1;
                    let prev = &tokens[k];
                    if matches!(
                        prev.norm.as_str(),
                        "that" | "," | "on" | "today" | "yesterday"
                    ) || crate::dates::is_day_word(&prev.norm)
                    {
                        continue;
                    }
                    break;
                }
                if k < i && is_speech_verb(&tokens[k]) {
                    let left_start = (0..k)
                        .rev()
                        .find(|&j| is_left_boundary(&tokens[j]))
                        .map_or(0, |j| j + 1);
                    let subject = find_subject(tokens, mentions, left_start, k);
                    if !subject.is_empty() {
                        for s in subject {
                            let m = &mentions[s];
                            added.push(pronoun_reference(tokens, i, m, m.code.clone()));
                        }
                        continue;
                    }
                }
            }
            if self.config.first_actor_pronouns
                && matches!(w, "it" | "he" | "she" | "they" | "him" | "her" | "them")
                && let Some(k) = mentions
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.end_token <= i && m.kind != MentionKind::Reference)
                    .min_by_key(|(_, m)| m.first_token)
                    .map(|(k, _)| k)
            {
                for s in group_right(tokens, mentions, k) {
                    let m = &mentions[s];
                    added.push(pronoun_reference(tokens, i, m, m.code.clone()));
                }
                continue;
            }
            if self.config.forward_pronouns && matches!(w, "it" | "he" | "she" | "they") {
                let first = state
                    .previous
                    .iter()
                    .filter(|m| m.kind != MentionKind::Reference)
                    .min_by_key(|m| m.first_token);
                if let Some(m) = first {
                    added.push(pronoun_reference(
                        tokens,
                        i,
                        m,
                        m.code
                            .country()
                            .and_then(ActorCode::parse)
                            .unwrap_or_else(|| m.code.clone()),
                    ));
                    continue;
                }
            }
            if matches!(w, "it" | "he" | "she" | "him" | "her") {
                // "her" is also a possessive ("her government"): only as an object, before a
                // preposition or the end of the clause.
                if w == "her"
                    && tokens
                        .get(i + 1)
                        .is_some_and(|t| !t.punct && !PREPOSITIONS.contains(&t.norm.as_str()))
                {
                    continue;
                }
                let wants_person = w != "it";
                let mut codes: Vec<&Mention> = Vec::new();
                for m in state
                    .previous
                    .iter()
                    .chain(mentions.iter().filter(|m| m.end_token <= i))
                {
                    let compatible = if wants_person {
                        m.is_person()
                    } else {
                        matches!(
                            m.kind,
                            MentionKind::State
                                | MentionKind::Organisation
                                | MentionKind::Context
                                | MentionKind::Capital
                        )
                    };
                    if compatible && !codes.iter().any(|c| c.code == m.code) {
                        codes.push(m);
                    }
                }
                if codes.len() == 1 {
                    let m = codes[0];
                    added.push(pronoun_reference(tokens, i, m, m.code.clone()));
                }
            }
        }
        // A reference replaces what the dictionary found inside it ("the two leaders").
        mentions.retain(|m| {
            !added
                .iter()
                .any(|a| m.first_token < a.end_token && a.first_token < m.end_token)
        });
        mentions.extend(added);
    }

    #[allow(clippy::too_many_arguments)]
    fn make_events(
        &self,
        doc: &Doc,
        index: usize,
        sentence: Span,
        tokens: &[Token],
        mentions: &[Mention],
        dates: &[DateMention],
        m: &PatternMatch,
        tree: &LazyTree,
        seen: &HashSet<String>,
        out: &mut Vec<Event>,
    ) -> String {
        let pattern = self.dicts.verbs.pattern(m.pattern);
        let head = m.head;
        // A pattern that places its actors itself, with a `$` source slot or a `+` target slot
        // before the head ("+ * FROM $": "X was freed from Y"), has settled who did what: the
        // voice of the verb changes nothing (TABARI, PETRARCH).
        let placed = m.source_token.is_some() || m.target_token.is_some_and(|t| t < head);
        // Passive: "was attacked by X".
        // "was attacked by X", and the reduced relative "the text disclosed by X".
        let passive = !placed
            && (is_passive(tokens, head)
                || (tokens[head].norm.ends_with("ed")
                    && tokens.get(head + 1).is_some_and(|t| t.norm == "by")
                    && mention_after_by(tokens, mentions, head + 1).is_some()));
        // Words a pattern takes in before its head ("suggested * apply") belong to the verb
        // phrase: the subject is looked for left of them.
        let anchor = m.matched_tokens.iter().copied().min().unwrap_or(head);
        let left_start = (0..anchor)
            .rev()
            .find(|&k| is_left_boundary(&tokens[k]))
            .map_or(0, |k| k + 1);
        // TABARI's clauses are not bounded by commas: it drops the comma clauses it does not
        // want (`Config::comma_clauses`) and looks past the others.
        let right_end = (m.end..tokens.len())
            .find(|&k| {
                RIGHT_BOUNDARIES.contains(&tokens[k].norm.as_str())
                    && !(self.config.tabari_clauses && tokens[k].norm == ",")
            })
            .unwrap_or(tokens.len());
        // With a parser, the head's subject in the tree comes first (with the actors joined to
        // it by `conj` or `appos`); the shallow searches below are its fallback, for a subject
        // that the tree does not give or that names no actor. With one mention in the sentence
        // both can only name it, so the parse is left for the fallback after the searches.
        let mut subject = if passive || mentions.len() < 2 {
            Vec::new()
        } else {
            tree.get()
                .and_then(|t| {
                    dependency_subject(t, head).map(|k| subject_group(t, tokens, mentions, k))
                })
                .unwrap_or_default()
        };
        // The mentions the parse named for a role, for the events' provenance (`via`).
        let mut from_parse: Vec<usize> = subject.clone();
        if subject.is_empty() {
            subject = nearest_left_group(tokens, mentions, left_start, anchor, !passive);
        }
        // "filed a lawsuit against X, accusing him of torture": a participle opening a clause
        // after a comma shares the subject of the verb coded before it.
        if from_parse.is_empty()
            && !passive
            && head > 0
            && anchor == head
            && tokens[head].norm.ends_with("ing")
            && tokens[head - 1].norm == ","
            && let Some(first) = out
                .iter()
                .rev()
                .find(|e| e.provenance.head.end <= tokens[head - 1].span.start)
        {
            let shared = shared_sources(out, first, mentions);
            if !shared.is_empty() {
                subject = shared;
            }
        }
        // "Neither Galadriel nor Gollum boycotted" with "neither *": the words a pattern takes
        // before its head may also stand before the subject.
        if subject.is_empty() && anchor < head {
            let start = (0..head)
                .rev()
                .find(|&k| is_left_boundary(&tokens[k]))
                .map_or(0, |k| k + 1);
            subject = find_subject(tokens, mentions, start, head);
        }
        // "Sylvania denied sending weapons": a gerund right after a verb of saying shares its
        // subject.
        if subject.is_empty()
            && left_start > 0
            && tokens[head].norm.ends_with("ing")
            && head - left_start <= 2
        {
            let speech = left_start - 1;
            let outer = (0..speech)
                .rev()
                .find(|&k| is_left_boundary(&tokens[k]))
                .map_or(0, |k| k + 1);
            subject = find_subject(tokens, mentions, outer, speech);
        }
        // "X condemned the attack and promised aid": a verb joined by "and" or "or" to the one
        // before it in the sentence shares that verb's subject (PETRARCH and TABARI code it so).
        // Without their dictionaries' conventions, only when no clause opens between the two
        // ("signed a deal aimed at ending a war that has rattled markets and weighed on": the
        // war weighs) and the parse has not named the subject.
        if self.config.petrarch_style || from_parse.is_empty() {
            let mut k = head;
            while k > 0 && tokens[k - 1].norm.ends_with("ly") && tokens[k - 1].norm.len() > 3 {
                k -= 1;
            }
            let joined = k > 0 && matches!(tokens[k - 1].norm.as_str(), "and" | "or");
            let same_clause = |e: &Event| {
                self.config.petrarch_style
                    || !tokens.iter().take(k - 1).any(|t| {
                        t.span.start >= e.provenance.head.end
                            && (LEFT_BOUNDARIES.contains(&t.norm.as_str())
                                || RIGHT_BOUNDARIES.contains(&t.norm.as_str()))
                    })
            };
            // A nominal head ("Russia's attack on Kyiv and urged") has no subject to share.
            let verbal = |e: &Event| {
                self.config.petrarch_style
                    || tokens
                        .iter()
                        .position(|t| t.span == e.provenance.head)
                        .is_none_or(|h| {
                            h == 0
                                || !(tokens[h - 1].norm == "'s"
                                    || DETERMINERS.contains(&tokens[h - 1].norm.as_str()))
                        })
            };
            if joined
                && let Some(first) = out
                    .iter()
                    .rev()
                    .find(|e| e.provenance.head.end <= tokens[k - 1].span.start && verbal(e))
                    .filter(|e| same_clause(e))
            {
                let shared = shared_sources(out, first, mentions);
                if !shared.is_empty() {
                    subject = shared;
                }
            }
        }
        // A `$` slot in the pattern (PETRARCH dictionaries) names the source outright.
        // Before the head the slot ends a compound ("Gondor and Osgiliath have delayed").
        if let Some(s) = m.source_token
            && let Some(k) = mentions.iter().position(|x| x.first_token == s)
        {
            subject = if s < head {
                group_left(tokens, mentions, k)
            } else {
                group_right(tokens, mentions, k)
            };
        }
        if subject.is_empty()
            && !passive
            && mentions.len() == 1
            && let Some(tree) = tree.get()
            && let Some(k) = dependency_subject(tree, head)
        {
            subject = subject_group(tree, tokens, mentions, k);
            from_parse.extend(&subject);
        }
        let (sources, targets_from_left) = if passive {
            let by = (head + 1..right_end.max(m.end))
                .find(|&k| tokens[k].norm == "by")
                .and_then(|k| mention_after_by(tokens, mentions, k))
                .or_else(|| {
                    let tree = tree.get()?;
                    let agent = (0..tree.len())
                        .find(|&k| tree[k].head == Some(head) && tree[k].relation == "obl:agent")?;
                    let agent = mention_for(tree, mentions, agent)?;
                    from_parse.extend(group_right(tokens, mentions, agent));
                    Some(agent)
                });
            match by {
                Some(b) => (group_right(tokens, mentions, b), subject),
                None => return "passive without a 'by' agent: no source".to_string(),
            }
        } else {
            (subject, Vec::new())
        };
        // Default actors (TABARI): two word-less mentions after the real ones, with token
        // positions no search can reach.
        let defaults = &self.config.defaults;
        let extended: Vec<Mention>;
        let (mentions, default_source, default_target) =
            if defaults.source.is_some() || defaults.target.is_some() {
                let at = Span::new(tokens[head].span.start, tokens[head].span.start);
                let word_less = |code: &ActorCode| Mention {
                    first_token: usize::MAX,
                    end_token: usize::MAX,
                    span: at,
                    code: code.clone(),
                    kind: MentionKind::Default,
                    entries: Vec::new(),
                    antecedent: None,
                };
                let mut all = mentions.to_vec();
                let source = defaults.source.as_ref().map(|c| {
                    all.push(word_less(c));
                    all.len() - 1
                });
                let target = defaults.target.as_ref().map(|c| {
                    all.push(word_less(c));
                    all.len() - 1
                });
                extended = all;
                (&extended[..], source, target)
            } else {
                (mentions, None, None)
            };
        let mut sources = sources;
        // "+ WAS * DEAD": with the target placed before the head, the source is the first actor
        // after it ("An Eriadorian was shot dead in Osgiliath").
        if let Some(t) = m.target_token.filter(|&t| t < head)
            && m.source_token.is_none()
            && sources.iter().all(|&s| mentions[s].first_token == t)
        {
            // The subject before the target ("Gollum participated in an anti- Gondor parade"),
            // else the first actor after the head.
            let before_target = if self.config.tabari_clauses {
                find_subject(tokens, mentions, left_start, t)
            } else {
                Vec::new()
            };
            if !before_target.is_empty() {
                sources = before_target;
            } else if let Some(k) = mentions
                .iter()
                .position(|x| x.first_token > head && x.first_token != usize::MAX)
            {
                sources = group_right(tokens, mentions, k);
            }
        }
        if sources.is_empty()
            && !passive
            && let Some(default) = default_source
        {
            let after = (!defaults.source_prior)
                .then(|| {
                    mentions
                        .iter()
                        .position(|x| x.first_token > head && x.end_token <= right_end)
                })
                .flatten();
            sources = vec![after.unwrap_or(default)];
        }
        if sources.is_empty() {
            return "no source actor before the head in its clause".to_string();
        }
        let mut targets: Vec<usize> = if passive {
            targets_from_left
        } else if let Some(t) = m.target_token {
            mentions
                .iter()
                .position(|x| x.first_token == t)
                .map(|k| group_right(tokens, mentions, k))
                .unwrap_or_default()
        } else {
            let candidate = |x: &Mention, places_too: bool| {
                x.first_token > head
                    && x.end_token <= right_end
                    && !sources
                        .iter()
                        .any(|&s| mentions[s].first_token == x.first_token)
                    && (places_too
                        || !(x.first_token > 0
                            && LOCATIVES.contains(&tokens[x.first_token - 1].norm.as_str())))
            };
            // A pattern that ends in a preposition ("file ... lawsuit ... against") names its
            // target's place: the first actor within six words after it, before any other
            // ("filed a lawsuit in a Paris court against visiting Saudi Crown Prince ...").
            let after_preposition = m
                .matched_tokens
                .iter()
                .copied()
                .max()
                .filter(|&k| k > head && TARGET_PREPOSITIONS.contains(&tokens[k].norm.as_str()))
                .and_then(|k| {
                    mentions
                        .iter()
                        .position(|x| x.first_token > k && x.first_token <= k + 6)
                        .filter(|&x| candidate(&mentions[x], true))
                });
            // PETRARCH takes a place ("appealed for peace in Ithilen") when nothing else is there.
            let first = after_preposition
                .or_else(|| mentions.iter().position(|x| candidate(x, false)))
                .or_else(|| {
                    self.config
                        .petrarch_style
                        .then(|| mentions.iter().position(|x| candidate(x, true)))
                        .flatten()
                });
            // "sent troops to Russia": a bare role word (no country) yields to a later actor with
            // one in the same clause.
            let first = first.map(|k| {
                if mentions[k].code.as_str().len() == 3 && mentions[k].code.country().is_none() {
                    mentions
                        .iter()
                        .position(|x| {
                            x.first_token >= mentions[k].end_token
                                && x.end_token <= right_end
                                && x.code.country().is_some()
                                && !(x.first_token > 0
                                    && LOCATIVES.contains(&tokens[x.first_token - 1].norm.as_str()))
                        })
                        .unwrap_or(k)
                } else {
                    k
                }
            });
            first
                .map(|k| group_right(tokens, mentions, k))
                .unwrap_or_default()
        };
        // "Gollum allowed that Mordor is ...": with no object, the subject of a "that" clause
        // right after the verb phrase is what the act is about (PETRARCH codes it so).
        if targets.is_empty()
            && !passive
            && self.config.petrarch_style
            && right_end < tokens.len()
            && tokens[right_end].norm == "that"
        {
            let mut at = right_end + 1;
            if tokens.get(at).is_some_and(|t| t.norm == "the") {
                at += 1;
            }
            if let Some(k) = mentions.iter().position(|x| x.first_token == at) {
                targets = group_right(tokens, mentions, k);
            }
        }
        if targets.is_empty()
            && !passive
            && mentions.len() > sources.len()
            && let Some(tree) = tree.get()
        {
            let object = (0..tree.len())
                .filter(|&k| {
                    tree[k].head == Some(head)
                        && matches!(tree[k].relation.as_str(), "obj" | "iobj" | "obl")
                        // Places: "in Myanmar's Rakhine State" is where, not whom.
                        && !(0..tree.len()).any(|c| {
                            tree[c].head == Some(k)
                                && tree[c].relation == "case"
                                && LOCATIVES.contains(&tokens[c].norm.as_str())
                        })
                })
                .filter_map(|k| mention_for(tree, mentions, k))
                .find(|&k| !sources.contains(&k));
            if let Some(k) = object {
                targets = group_right(tokens, mentions, k);
                from_parse.extend(&targets);
            }
        }
        // "Russia shelled Kharkiv": with no actor for a target, a place named right after the
        // verb phrase (or after "to", "on", "against") stands for its country.
        let with_place: Vec<Mention>;
        let mentions = if targets.is_empty()
            && !passive
            && !self.config.petrarch_style
            && !self.config.tabari_clauses
            && let Some(place) = self.place_target(tokens, mentions, seen, m.end, right_end)
        {
            with_place = mentions.iter().cloned().chain([place]).collect();
            targets = vec![with_place.len() - 1];
            &with_place[..]
        } else {
            mentions
        };
        targets.retain(|&t| {
            !sources
                .iter()
                .any(|&s| same_actor(&mentions[s].code, &mentions[t].code))
        });
        if targets.is_empty()
            && !passive
            && let Some(default) = default_target
        {
            targets = if !defaults.target_after && sources.len() >= 2 {
                sources.split_off(1)
            } else {
                vec![default]
            };
        }
        // Modality.
        let clause_start = (0..head)
            .rev()
            .find(|&k| CLAUSE_MARKS.contains(&tokens[k].norm.as_str()))
            .unwrap_or(0);
        // With a parser, a cue reaches the head only through the tree (`tree_reaches`).
        let path = OnceCell::new();
        let reaches = |cue: usize, head: usize| {
            tree.get().is_none_or(|t| {
                tree_reaches(t, tokens, cue, path.get_or_init(|| HeadPath::new(t, head)))
            })
        };
        let (mut modality, cue, negation_adjacent) =
            modality_at(tokens, clause_start, head, reaches);
        let mut code = pattern.code.clone();
        if negation_adjacent && let Some(neg) = &pattern.negated_code {
            code = neg.clone();
            modality = Modality::Asserted;
        }
        // Date: the expression nearest the head, else publication.
        let date = dates.iter().min_by_key(|d| d.first_token.abs_diff(head));
        let (date_value, basis, date_span) = match date {
            Some(d) => (Some(d.date), d.basis, Some(d.span)),
            None => (doc.published, DateBasis::Published, None),
        };
        let mut pairs: Vec<(usize, Option<usize>, bool)> = Vec::new();
        if pattern.compound && sources.len() >= 2 {
            targets.clear();
        }
        if targets.is_empty() {
            if sources.len() >= 2 && (is_symmetric(&code) || pattern.compound) {
                for &a in &sources {
                    for &b in &sources {
                        if a != b && !same_actor(&mentions[a].code, &mentions[b].code) {
                            pairs.push((a, Some(b), true));
                        }
                    }
                }
            } else {
                pairs.extend(sources.iter().map(|&s| (s, None, false)));
            }
        } else {
            for &s in &sources {
                for &t in &targets {
                    pairs.push((s, Some(t), false));
                }
            }
        }
        // A paired code ("[032:033]" in PETRARCH: visit, and be visited) adds the converse event.
        let mut coded: Vec<(usize, Option<usize>, bool, CameoCode)> = pairs
            .iter()
            .map(|&(s, t, r)| (s, t, r, code.clone()))
            .collect();
        if let Some(paired) = &pattern.paired_code {
            for &(s, t, _) in &pairs {
                if let Some(t) = t {
                    coded.push((t, Some(s), false, paired.clone()));
                }
            }
        }
        let n = coded.len();
        let first_code = code;
        for (s, t, reciprocal, code) in coded {
            let info = self.dicts.cameo.get(&code);
            out.push(Event {
                doc_id: doc.id.clone(),
                sentence_index: index,
                sentence,
                source: self.actor_ref(&mentions[s], from_parse.contains(&s), sentence),
                target: t.map(|t| self.actor_ref(&mentions[t], from_parse.contains(&t), sentence)),
                quad_class: code.quad_class(),
                goldstein: self.dicts.cameo.goldstein(&code, self.config.goldstein),
                plover_event: info.map(|i| i.plover_event.clone()).unwrap_or_default(),
                plover_mode: info.map(|i| i.plover_mode.clone()).unwrap_or_default(),
                code: code.clone(),
                modality,
                date: date_value,
                date_basis: basis,
                location: None,
                tone: Tone::default(),
                document_tone: Tone::default(),
                provenance: Provenance {
                    pattern: pattern.location(),
                    pattern_text: pattern.text.clone(),
                    head: tokens[head].span,
                    matched: m.matched_tokens.iter().map(|&k| tokens[k].span).collect(),
                    modality_cue: cue.as_ref().map(|c| tokens[c.token].span),
                    date_span,
                    reciprocal,
                    passive,
                    coder_version: CODER_VERSION,
                    dictionary_version: self.dicts.version.clone(),
                },
            });
        }
        format!("{n} event(s), {} {}", first_code, modality.as_str())
    }

    /// A place named at token `at`, after a target preposition ("to", "on", ...) and an article
    /// at most, before `right_end` and outside every actor mention, as a mention of its country:
    /// the target of "shelled Haifa" or "suspended aid to Gaza". A name whose places lie in
    /// several countries counts only when exactly one of them is named in the sentence or
    /// earlier in the document (`seen`).
    fn place_target(
        &self,
        tokens: &[Token],
        mentions: &[Mention],
        seen: &HashSet<String>,
        mut at: usize,
        right_end: usize,
    ) -> Option<Mention> {
        if tokens
            .get(at)
            .is_some_and(|t| TARGET_PREPOSITIONS.contains(&t.norm.as_str()))
        {
            at += 1;
        }
        if tokens.get(at).is_some_and(|t| t.norm == "the") {
            at += 1;
        }
        // "the city of Kharkiv".
        if tokens.get(at).is_some_and(|t| {
            matches!(
                t.norm.as_str(),
                "city" | "town" | "village" | "port" | "region" | "province" | "district"
            )
        }) && tokens.get(at + 1).is_some_and(|t| t.norm == "of")
        {
            at += 2;
        }
        if at >= right_end
            || mentions
                .iter()
                .any(|x| x.first_token <= at && at < x.end_token)
        {
            return None;
        }
        let known = |iso3: &str| {
            seen.contains(iso3) || mentions.iter().any(|x| x.code.country() == Some(iso3))
        };
        let (end, country) = self
            .dicts
            .gazetteer()
            .country_named_at(tokens, at, &known)?;
        // "Alice Wells", "South Korean sites": a name that runs on is not this place.
        if end > right_end || tokens.get(end).is_some_and(|t| t.capitalised && !t.punct) {
            return None;
        }
        Some(Mention {
            first_token: at,
            end_token: end,
            span: tokens[at].span.cover(tokens[end - 1].span),
            code: ActorCode::parse(country)?,
            kind: MentionKind::Place,
            entries: Vec::new(),
            antecedent: None,
        })
    }

    /// The event's view of a mention; `parsed` when the dependency parse named it for its role.
    /// A reference whose antecedent lies in `sentence` shows the antecedent, with the referring
    /// words kept in [`ActorRef::reference`].
    fn actor_ref(&self, m: &Mention, parsed: bool, sentence: Span) -> ActorRef {
        let entries = m
            .entries
            .iter()
            .map(|&e| {
                let entry = self.dicts.actors.entry(e);
                EntryRef {
                    location: entry.location(),
                    kind: kind_name(entry.kind),
                    phrase: entry.phrase.clone(),
                    code: entry.code.to_string(),
                }
            })
            .collect();
        let via = match (m.kind, parsed) {
            (MentionKind::Reference, false) => Some("reference"),
            (MentionKind::Reference, true) => Some("parse, reference"),
            (MentionKind::Context, false) => Some("context"),
            (MentionKind::Context, true) => Some("parse, context"),
            (MentionKind::Default, _) => Some("default"),
            (MentionKind::Place, _) => Some("place"),
            (_, true) => Some("parse"),
            _ => None,
        };
        let antecedent = m
            .antecedent
            .filter(|a| sentence.start <= a.start && a.end <= sentence.end && *a != m.span);
        ActorRef {
            code: m.code.clone(),
            span: antecedent.unwrap_or(m.span),
            reference: antecedent.map(|_| m.span),
            entries,
            via,
        }
    }
}

fn kind_name(kind: ActorKind) -> &'static str {
    kind.keyword()
}

/// The mentions that are the sources of the events coded at `first`'s head with its code.
fn shared_sources(out: &[Event], first: &Event, mentions: &[Mention]) -> Vec<usize> {
    out.iter()
        .filter(|e| e.provenance.head == first.provenance.head && e.code == first.code)
        .filter_map(|e| {
            mentions
                .iter()
                .position(|m| m.span == e.source.span && m.code == e.source.code)
        })
        .fold(Vec::new(), |mut acc, m| {
            if !acc.contains(&m) {
                acc.push(m);
            }
            acc
        })
}

/// Two codes name the same actor for the purpose of self-targeting: equal, or one is the bare
/// country of the other.
fn same_actor(a: &ActorCode, b: &ActorCode) -> bool {
    if a == b {
        return true;
    }
    match (a.country(), b.country()) {
        (Some(x), Some(y)) if x == y => a.as_str().len() == 3 || b.as_str().len() == 3,
        _ => false,
    }
}

/// The mention a `by` at token `by` introduces, across a determiner and modifiers ("by the
/// state-run agency").
#[allow(clippy::needless_range_loop)] // j indexes tokens and names mention starts alike
fn mention_after_by(tokens: &[Token], mentions: &[Mention], by: usize) -> Option<usize> {
    for j in by + 1..(by + 4).min(tokens.len()) {
        if let Some(k) = mentions.iter().position(|x| x.first_token == j) {
            return Some(k);
        }
        if tokens[j].punct || tokens[j].capitalised {
            return None;
        }
    }
    None
}

fn is_passive(tokens: &[Token], head: usize) -> bool {
    let w = tokens[head].norm.as_str();
    let participle = w.ends_with("ed")
        || w.ends_with("en")
        || tokens[head]
            .verb_lemma
            .as_deref()
            .is_some_and(|l| l != w && !w.ends_with("ing") && !w.ends_with('s'));
    if !participle {
        return false;
    }
    let mut k = head;
    for _ in 0..3 {
        if k == 0 {
            return false;
        }
        k -= 1;
        match tokens[k].norm.as_str() {
            "is" | "are" | "was" | "were" | "been" | "being" | "be" | "get" | "got" => return true,
            "also" | "reportedly" | "allegedly" | "not" | "n't" | "never" | "repeatedly"
            | "recently" | "previously" | "later" | "then" => continue,
            _ => return false,
        }
    }
    false
}

/// A token's place in a dependency tree of the sentence.
#[derive(Debug, Clone)]
struct Dependency {
    /// The head token (0-based), `None` for the root.
    head: Option<usize>,
    /// The UD relation to it.
    relation: String,
    /// Whether the tagger made the word a common noun (`NOUN`).
    noun: bool,
}

/// The parse of a sentence, made the first time a head asks for it: a sentence with no head, or
/// no actor for the parse to choose between, is never parsed.
struct LazyTree<'a> {
    model: Option<&'a crate::syntax::SyntaxModel>,
    text: &'a str,
    tokens: &'a [Token],
    parse: OnceCell<Vec<Dependency>>,
}

impl LazyTree<'_> {
    /// The tree, if the coder has a syntax model.
    fn get(&self) -> Option<&[Dependency]> {
        let model = self.model?;
        let tree = self.parse.get_or_init(|| {
            let forms: Vec<&str> = self
                .tokens
                .iter()
                .map(|t| &self.text[t.span.range()])
                .collect();
            model
                .analyse(&forms)
                .into_iter()
                .map(|a| Dependency {
                    head: a.head.checked_sub(1),
                    relation: a.deprel.to_string(),
                    noun: a.upos == "NOUN",
                })
                .collect()
        });
        Some(tree)
    }
}

/// The nominal subject of `head` in the tree, following `conj` and `xcomp` up to the verb that
/// has one ("X met Y and signed": `signed` shares `met`'s subject). An `xcomp` under a verb with
/// an object takes that object as its subject ("X wants Y to provide": Y provides).
fn dependency_subject(tree: &[Dependency], head: usize) -> Option<usize> {
    let child = |verb: usize, relation: &dyn Fn(&str) -> bool| {
        (0..tree.len()).find(|&k| tree[k].head == Some(verb) && relation(&tree[k].relation))
    };
    let mut verb = head;
    for _ in 0..4 {
        if let Some(k) = child(verb, &|r| r.starts_with("nsubj")) {
            // The subject of a passive ("two people reported killed") is who it happened to.
            return (tree[k].relation == "nsubj").then_some(k);
        }
        match (&tree[verb].head, tree[verb].relation.as_str()) {
            (Some(up), "xcomp")
                if let Some(object) = child(*up, &|r| r == "obj" || r == "iobj") =>
            {
                return Some(object);
            }
            (Some(up), "conj" | "xcomp") => verb = *up,
            _ => return None,
        }
    }
    None
}

/// The head's side of [`tree_reaches`], built once per head: a cue costs a walk up from it.
struct HeadPath {
    /// For each word on the path from the head up to the root, the word below it on the path
    /// (the head itself for the head); `None` off the path.
    below: Vec<Option<usize>>,
    /// Whether each word has a subject of its own.
    has_subject: Vec<bool>,
}

impl HeadPath {
    fn new(tree: &[Dependency], head: usize) -> HeadPath {
        let mut below = vec![None; tree.len()];
        let (mut node, mut child) = (head, head);
        for _ in 0..tree.len() {
            below[node] = Some(child);
            match tree[node].head {
                Some(up) => (node, child) = (up, node),
                None => break,
            }
        }
        let mut has_subject = vec![false; tree.len()];
        for d in tree {
            if let Some(h) = d.head
                && d.relation.starts_with("nsubj")
            {
                has_subject[h] = true;
            }
        }
        HeadPath { below, has_subject }
    }
}

/// Whether the tree leaves a modality cue at token `cue` its reach to the head of `path`. It
/// takes it away in two cases: a modal verb that is not an auxiliary ("Theresa May met", "on May
/// 3"), and a head in another conjunct than the cue ("denied the charges and accused the
/// government": the accusation is asserted), unless the head's conjunct has no subject of its
/// own and the cue either modifies the first conjunct's verb ("could attack and occupy") or sits
/// in the subject the two share. Elsewhere the words decide: on long sentences the parse's
/// attachments are too often wrong to narrow a scope.
fn tree_reaches(tree: &[Dependency], tokens: &[Token], cue: usize, path: &HeadPath) -> bool {
    let Some(dep) = tree.get(cue) else {
        return true;
    };
    let relation = dep.relation.as_str();
    let modal = matches!(
        tokens[cue].norm.as_str(),
        "would" | "could" | "might" | "may" | "can" | "must" | "should" | "ought"
    );
    if modal && !relation.starts_with("aux") {
        return false;
    }
    let modifier = relation.starts_with("aux")
        || matches!(relation, "mark" | "advmod" | "amod" | "cop" | "discourse");
    // The word the cue's scope hangs from.
    let root = match dep.head {
        Some(governor) if modifier => governor,
        _ => cue,
    };
    // Climb from it to where it meets the head's path; the word the head climbs through to
    // that meeting point decides.
    let (mut node, mut from) = (root, None);
    for _ in 0..tree.len() {
        if let Some(child) = path.below[node] {
            if child == node || tree[child].relation != "conj" {
                return true;
            }
            // A conjunct without a subject shares the first one's, and with it a cue inside
            // that subject ("men who they allege were tortured and killed").
            let in_subject = from.is_some_and(|f: usize| tree[f].relation.starts_with("nsubj"));
            return ((node == root && modifier) || in_subject) && !path.has_subject[child];
        }
        match tree[node].head {
            Some(up) => (node, from) = (up, Some(node)),
            None => return true,
        }
    }
    true
}

/// The actors a subject at node `k` stands for ([`parse_group`]); a personal pronoun that names
/// none, in a clause reported by a verb of saying, stands for that verb's subject ("The Taliban
/// claimed that they had attacked", "UNITA says it has ceased").
fn subject_group(
    tree: &[Dependency],
    tokens: &[Token],
    mentions: &[Mention],
    k: usize,
) -> Vec<usize> {
    let group = parse_group(tree, tokens, mentions, k);
    if !group.is_empty() || !matches!(tokens[k].norm.as_str(), "it" | "they" | "he" | "she" | "we")
    {
        return group;
    }
    // Up from the pronoun's verb, through verbs sharing it, to a clause reported by a verb
    // of saying.
    let Some(mut clause) = tree[k].head else {
        return group;
    };
    for _ in 0..4 {
        match (tree[clause].head, tree[clause].relation.as_str()) {
            (Some(up), "conj" | "xcomp") => clause = up,
            _ => break,
        }
    }
    let Some(mut speech) = tree[clause]
        .head
        .filter(|_| tree[clause].relation == "ccomp")
    else {
        return group;
    };
    if !is_speech_verb(&tokens[speech]) {
        return group;
    }
    // "..., saying they had downed it": the verb of saying shares the subject of its clause.
    let mut speaker = dependency_subject(tree, speech);
    if speaker.is_none()
        && tree[speech].relation == "advcl"
        && let Some(up) = tree[speech].head
    {
        speech = up;
        speaker = dependency_subject(tree, speech);
    }
    speaker.map_or(group, |s| parse_group(tree, tokens, mentions, s))
}

/// The actors a node of the tree stands for: its mention with the compound that the mention
/// ends, and those of the words joined to it by `conj` or `appos` ("Mexico and Canada agreed",
/// "Putin, President of Russia, said"), in the order of the sentence.
fn parse_group(
    tree: &[Dependency],
    tokens: &[Token],
    mentions: &[Mention],
    k: usize,
) -> Vec<usize> {
    let mut group: Vec<usize> = Vec::new();
    let mut stack = vec![k];
    let mut seen = vec![false; tree.len()];
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut seen[node], true) {
            continue;
        }
        // The words whose conjuncts join the group: the node's, and those of the words of its
        // mention ("envoys from Seoul, Washington and Tokyo held talks": Washington and Tokyo
        // hang from Seoul, inside the subject's mention).
        let mut span = node..node;
        if let Some(m) = mention_for(tree, mentions, node)
            && !mentions[m].is_installation(tokens)
        {
            span = mentions[m].first_token..mentions[m].end_token;
            for g in group_left(tokens, mentions, m) {
                // "the Libyan National Army (LNA)": a second mention with the same code is
                // the same actor, not a partner (a mutual act would pair it with itself).
                if !group
                    .iter()
                    .any(|&h| h == g || mentions[h].code == mentions[g].code)
                {
                    group.push(g);
                }
            }
        }
        stack.extend((0..tree.len()).filter(|&c| {
            tree[c].head.is_some_and(|h| h == node || span.contains(&h))
                && !span.contains(&c)
                && matches!(tree[c].relation.as_str(), "conj" | "appos")
        }));
    }
    group.sort_by_key(|&g| mentions[g].first_token);
    group
}

/// The mention that holds token `k`, or else a mention that modifies `k` as a name does
/// (`compound`, `flat`, `nmod:poss`, `appos`: "Sylvania's army", "the minister, Kim"). Plain
/// `nmod` is not followed: in "a car bomb in Kyiv killed" Kyiv is not the killer.
fn mention_for(tree: &[Dependency], mentions: &[Mention], k: usize) -> Option<usize> {
    if let Some(m) = mentions
        .iter()
        .position(|m| m.first_token <= k && k < m.end_token)
    {
        return Some(m);
    }
    mentions.iter().position(|m| {
        let last = m.end_token.saturating_sub(1);
        tree.get(last).is_some_and(|d| {
            d.head == Some(k)
                && matches!(
                    d.relation.as_str(),
                    "compound" | "flat" | "nmod:poss" | "appos"
                )
        })
    })
}

/// The subject group: the nearest mention left of the head in the clause that no preposition
/// governs and that names an actor, not an installation ("attacked an army base, killing":
/// the attackers kill), with the mentions compounded to it.
fn find_subject(
    tokens: &[Token],
    mentions: &[Mention],
    left_start: usize,
    head: usize,
) -> Vec<usize> {
    nearest_left_group(tokens, mentions, left_start, head, true)
}

/// The nearest mention left of the head as [`find_subject`] finds it; installations count
/// when `actors_only` is false (the subject of a passive is its target: "a police station was
/// attacked").
fn nearest_left_group(
    tokens: &[Token],
    mentions: &[Mention],
    left_start: usize,
    head: usize,
    actors_only: bool,
) -> Vec<usize> {
    let nearest = mentions
        .iter()
        .enumerate()
        .filter(|(_, m)| m.first_token >= left_start && m.end_token <= head)
        .filter(|(_, m)| !governed_by_preposition(tokens, mentions, m))
        .filter(|(_, m)| !(actors_only && m.is_installation(tokens)))
        // "Y's attack ... urged": a possessor is the subject only of a head close after it.
        .filter(|(_, m)| {
            !(tokens.get(m.end_token).is_some_and(|t| t.norm == "'s") && head > m.end_token + 4)
        })
        // "summoned the Russian ambassador to protest": in a purpose clause the object of the
        // main verb is not the subject, unless that verb passes its object on ("wants North
        // Korea to provide").
        .filter(|(_, m)| {
            !(head > 0 && tokens[head - 1].norm == "to" && is_object_of_plain_verb(tokens, m))
        })
        .max_by_key(|(_, m)| m.end_token)
        .map(|(k, _)| k);
    let by_agent = || {
        mentions.iter().position(|m| {
            m.first_token >= left_start
                && m.end_token <= head
                && ((m.first_token >= 1 && tokens[m.first_token - 1].norm == "by")
                    || (m.first_token >= 2
                        && tokens[m.first_token - 2].norm == "by"
                        && tokens[m.first_token - 1].norm == "the"))
        })
    };
    match nearest {
        Some(k) => group_left(tokens, mentions, k),
        // "The missiles fired by the Israeli military struck": the agent of a reduced relative.
        None if let Some(k) = by_agent() => group_left(tokens, mentions, k),
        None => {
            // "the government, which is trying": a relative pronoun after a mention.
            if left_start >= 1 && matches!(tokens[left_start - 1].norm.as_str(), "which" | "who") {
                let mut end = left_start - 1;
                if end >= 1 && tokens[end - 1].norm == "," {
                    end -= 1;
                }
                if let Some(k) = mentions.iter().position(|m| m.end_token == end) {
                    return group_left(tokens, mentions, k);
                }
            }
            Vec::new()
        }
    }
}

/// Whether a preposition governs the mention (directly, or through the compound it ends).
fn governed_by_preposition(tokens: &[Token], mentions: &[Mention], m: &Mention) -> bool {
    let mut first = m.first_token;
    // Walk left over compounds: "with Russia and China".
    loop {
        if first == 0 {
            return false;
        }
        let mut k = first - 1;
        if matches!(tokens[k].norm.as_str(), "the" | "both") && k > 0 {
            k -= 1;
        }
        let prev = tokens[k].norm.as_str();
        if PREPOSITIONS.contains(&prev) {
            return true;
        }
        if matches!(prev, "and" | "or" | "&")
            && let Some(before) = mentions.iter().find(|x| x.end_token == k)
        {
            first = before.first_token;
            continue;
        }
        return false;
    }
}

/// The compound group that ends with mention `k`: "Kim and Putin", "Seoul, Tokyo and Washington".
fn group_left(tokens: &[Token], mentions: &[Mention], k: usize) -> Vec<usize> {
    let mut group: Vec<usize> = same_span(mentions, k);
    let mut first = mentions[k].first_token;
    loop {
        let mut j = first;
        let mut joined = false;
        // "the Philippines and the Central African Republic", "Fornost and the evil awful
        // Gondor": a determiner, and up to two lower-case modifiers, after the joiner.
        let mut k = j;
        while k > 0 && j - k < 2 && is_modifier(&tokens[k - 1]) {
            k -= 1;
        }
        if k > 1 && tokens[k - 1].norm == "the" && is_joiner(&tokens[k - 2].norm) {
            j = k - 1;
        } else if j > 1 && tokens[j - 1].norm == "the" && is_joiner(&tokens[j - 2].norm) {
            j -= 1;
        } else if k < j && k > 0 && is_joiner(&tokens[k - 1].norm) {
            j = k;
        }
        while j > 0 && is_joiner(&tokens[j - 1].norm) {
            j -= 1;
            joined = true;
        }
        if !joined {
            break;
        }
        match mentions.iter().position(|x| x.end_token == j) {
            Some(p) => {
                group.extend(same_span(mentions, p));
                first = mentions[p].first_token;
            }
            None => break,
        }
    }
    group.sort_unstable();
    group.dedup();
    group
}

/// A reference in one word (a pronoun, token `i`) to the actor of `m`, coded `code`.
fn pronoun_reference(tokens: &[Token], i: usize, m: &Mention, code: ActorCode) -> Mention {
    Mention {
        first_token: i,
        end_token: i + 1,
        span: tokens[i].span,
        code,
        kind: MentionKind::Reference,
        entries: m.entries.clone(),
        antecedent: Some(m.antecedent.unwrap_or(m.span)),
    }
}

/// The compound group that starts with mention `k`.
fn group_right(tokens: &[Token], mentions: &[Mention], k: usize) -> Vec<usize> {
    let mut group: Vec<usize> = same_span(mentions, k);
    let mut end = mentions[k].end_token;
    loop {
        let mut j = end;
        let mut joined = false;
        while j < tokens.len() && is_joiner(&tokens[j].norm) {
            j += 1;
            joined = true;
        }
        if joined && tokens.get(j).is_some_and(|t| t.norm == "the") {
            j += 1;
        }
        if !joined {
            break;
        }
        match mentions.iter().position(|x| x.first_token == j) {
            Some(p) => {
                group.extend(same_span(mentions, p));
                end = mentions[p].end_token;
            }
            None => break,
        }
    }
    group.sort_unstable();
    group.dedup();
    group
}

/// Mentions over exactly the same tokens as mention `k` (a reference to a pair).
fn same_span(mentions: &[Mention], k: usize) -> Vec<usize> {
    (0..mentions.len())
        .filter(|&j| {
            mentions[j].first_token == mentions[k].first_token
                && mentions[j].end_token == mentions[k].end_token
        })
        .collect()
}

/// Every compound group of two or more mentions in a sentence.
fn compound_groups(tokens: &[Token], mentions: &[Mention]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for k in 0..mentions.len() {
        let g = group_right(tokens, mentions, k);
        if g.len() >= 2 && !groups.iter().any(|x| x.contains(&k)) {
            groups.push(g);
        }
    }
    groups
}

/// Words that are never modifiers inside a noun phrase: auxiliaries, modals, negation, `to`.
const NOT_MODIFIERS: &[&str] = &[
    "will", "would", "can", "could", "may", "might", "must", "should", "shall", "has", "have",
    "had", "is", "are", "was", "were", "be", "been", "being", "did", "does", "do", "to", "not",
    "n't", "and", "or", "also",
];

/// Whether a token can be a modifier inside a noun phrase: a lower-case word that is not an
/// auxiliary, a participle or punctuation.
fn is_modifier(t: &Token) -> bool {
    !t.punct
        && !t.capitalised
        && t.norm != "the"
        && !NOT_MODIFIERS.contains(&t.norm.as_str())
        && !t.norm.ends_with("ed")
        && !t.norm.ends_with("ing")
        && !PREPOSITIONS.contains(&t.norm.as_str())
}

/// "a brief private visit": the head ends a noun phrase opened by an indefinite article, with
/// at most two lower-case modifiers between (no auxiliaries, participles, names or actors).
fn after_article_and_modifiers(tokens: &[Token], blocked: &[bool], head: usize) -> bool {
    for n_modifiers in 1..=2 {
        if head < n_modifiers + 1 {
            return false;
        }
        let article = head - n_modifiers - 1;
        let modifiers_ok = (article + 1..head).all(|k| {
            let t = &tokens[k];
            !t.punct
                && !t.capitalised
                && !blocked[k]
                && !NOT_MODIFIERS.contains(&t.norm.as_str())
                && !t.norm.ends_with("ed")
                && !t.norm.ends_with("ing")
        });
        if !modifiers_ok {
            return false;
        }
        if matches!(tokens[article].norm.as_str(), "a" | "an") {
            return true;
        }
    }
    false
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str, limits: &CommaClauses, verbs: &[&str]) -> String {
        let lem = Lemmatizer::default();
        let tokens: Vec<Token> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        drop_comma_clauses(tokens, limits, |t| verbs.contains(&t.norm.as_str()))
            .iter()
            .map(|t| &text[t.span.range()])
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn tree(arcs: &[(Option<usize>, &str)]) -> Vec<Dependency> {
        arcs.iter()
            .map(|&(head, relation)| Dependency {
                head,
                relation: relation.to_string(),
                noun: false,
            })
            .collect()
    }

    fn words(text: &str) -> Vec<Token> {
        let lem = Lemmatizer::default();
        token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect()
    }

    #[test]
    fn the_tree_keeps_cues_off_other_conjuncts_and_non_auxiliary_modals() {
        // "X denied charges and accused Y": 0 X, 1 denied, 2 charges, 3 and, 4 accused, 5 Y.
        let tokens = words("X denied charges and accused Y");
        let t = tree(&[
            (Some(1), "nsubj"),
            (None, "root"),
            (Some(1), "obj"),
            (Some(4), "cc"),
            (Some(1), "conj"),
            (Some(4), "obj"),
        ]);
        assert!(tree_reaches(&t, &tokens, 1, &HeadPath::new(&t, 2)));
        assert!(!tree_reaches(&t, &tokens, 1, &HeadPath::new(&t, 4)));
        // "X could attack Y and occupy Z": the modal reaches the second verb, which has no
        // subject of its own; once it has one (Z made its subject here), it does not.
        let tokens = words("X could attack Y and occupy Z");
        let mut t = tree(&[
            (Some(2), "nsubj"),
            (Some(2), "aux"),
            (None, "root"),
            (Some(2), "obj"),
            (Some(5), "cc"),
            (Some(2), "conj"),
            (Some(5), "obj"),
        ]);
        assert!(tree_reaches(&t, &tokens, 1, &HeadPath::new(&t, 2)));
        assert!(tree_reaches(&t, &tokens, 1, &HeadPath::new(&t, 5)));
        t[6].relation = "nsubj".to_string();
        assert!(!tree_reaches(&t, &tokens, 1, &HeadPath::new(&t, 5)));
        // "men who they allege were tortured and killed", parsed with "allege" under "who":
        // the cue sits in the subject that "killed" shares with "tortured", so it reaches both;
        // once "killed" has a subject of its own, only "tortured".
        // 0 men, 1 who, 2 they, 3 allege, 4 were, 5 tortured, 6 and, 7 killed.
        let tokens = words("men who they allege were tortured and killed");
        let mut t = tree(&[
            (None, "root"),
            (Some(5), "nsubj:pass"),
            (Some(3), "nsubj"),
            (Some(1), "acl:relcl"),
            (Some(5), "aux:pass"),
            (Some(0), "acl:relcl"),
            (Some(7), "cc"),
            (Some(5), "conj"),
        ]);
        assert!(tree_reaches(&t, &tokens, 3, &HeadPath::new(&t, 5)));
        assert!(tree_reaches(&t, &tokens, 3, &HeadPath::new(&t, 7)));
        t[2].head = Some(7);
        assert!(!tree_reaches(&t, &tokens, 3, &HeadPath::new(&t, 7)));
        // "May met Z": a name, not a modal.
        let tokens = words("May met Z");
        let t = tree(&[(Some(1), "nsubj"), (None, "root"), (Some(1), "obj")]);
        assert!(!tree_reaches(&t, &tokens, 0, &HeadPath::new(&t, 1)));
    }

    #[test]
    fn the_parse_gives_active_subjects_through_conj_and_xcomp_but_never_passive_ones() {
        // "Turkey admitted the mistake and apologised": apologised (4) shares admitted's subject.
        let active = tree(&[
            (Some(1), "nsubj"),
            (None, "root"),
            (Some(3), "det"),
            (Some(1), "obj"),
            (Some(1), "conj"),
        ]);
        assert_eq!(dependency_subject(&active, 4), Some(0));
        // "Two people reported killed": people is who was killed, not the killer.
        let passive = tree(&[
            (Some(1), "nummod"),
            (Some(3), "nsubj:pass"),
            (None, "root"),
            (Some(2), "xcomp"),
        ]);
        assert_eq!(dependency_subject(&passive, 3), None);
        // "Greece asked NATO to patrol": NATO patrols; "Greece wants to patrol": Greece does.
        let asked = tree(&[
            (Some(1), "nsubj"),
            (None, "root"),
            (Some(1), "obj"),
            (Some(4), "mark"),
            (Some(1), "xcomp"),
        ]);
        assert_eq!(dependency_subject(&asked, 4), Some(2));
        let wants = tree(&[
            (Some(1), "nsubj"),
            (None, "root"),
            (Some(3), "mark"),
            (Some(1), "xcomp"),
        ]);
        assert_eq!(dependency_subject(&wants, 3), Some(0));
    }

    #[test]
    fn tabari_comma_clauses_are_dropped_by_length() {
        let limits = CommaClauses::default();
        // A clause between commas and the clause after the last one, of 2 to 10 words.
        assert_eq!(
            kept(
                "Arnor restored ties with Gondor, almost five years after the riots, a senior official said.",
                &limits,
                &["restored", "said"]
            ),
            "Arnor restored ties with Gondor ."
        );
        // A list member stays, and so does the last clause when no verb is left before it.
        assert_eq!(
            kept(
                "Mordor, the awful Fornost, and Gondor welcomed it.",
                &limits,
                &["welcomed"]
            ),
            "Mordor , the awful Fornost , and Gondor welcomed it ."
        );
        assert_eq!(
            kept(
                "Arnor's minister, in remarks published on Monday, urged Eriador to act.",
                &limits,
                &["published", "urged"]
            ),
            "Arnor 's minister , urged Eriador to act ."
        );
        // The first clause only with BMIN..=BMAX set.
        let begin = CommaClauses {
            begin_min: 3,
            begin_max: 8,
            ..limits
        };
        assert_eq!(
            kept(
                "Arnor is about to restore complete, full ties.",
                &begin,
                &["restore"]
            ),
            "full ties ."
        );
    }
}
