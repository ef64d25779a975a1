//! Actors: the actor dictionary and the actor mentions it finds in a sentence.
//!
//! The dictionary format is documented in `docs/dictionaries.md`. Phrases are stored in a token
//! trie keyed by normalised tokens, so finding every mention in a sentence costs one hash lookup
//! per token plus the length of the matches. Raw matches are then composed: an adjective or
//! country followed by an agent and a person ("North Korean leader Kim Jong-un") is one mention
//! whose code is the person's (PRKGOV); "South Korean and US officials" gives KORGOV and USAGOV.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;

use crate::diag::Diagnostic;
use crate::text::{Span, Token, normalise, token_spans};

/// A CAMEO actor code: a country (`PRK`), a country with agents (`PRKGOV`), an organisation
/// (`IGOUNO`) or an agent alone (`COP`). Upper-case ASCII letters only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorCode(String);

impl ActorCode {
    /// Parses a code of 3 to 15 upper-case ASCII letters (or digits after the first three, as
    /// PETRARCH's validation codes have them: `AR1`).
    pub fn parse(s: &str) -> Option<ActorCode> {
        ((3..=15).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && s.bytes().next().is_some_and(|b| b.is_ascii_uppercase()))
        .then(|| ActorCode(s.to_string()))
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country part, when the code starts with a state's code rather than `IGO`, `NGO` or an
    /// agent.
    pub fn country(&self) -> Option<&str> {
        let head = &self.0[..3];
        (!NON_STATE_PREFIXES.contains(&head)).then_some(head)
    }
}

impl fmt::Display for ActorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Three-letter codes that start a code without a country.
const NON_STATE_PREFIXES: &[&str] = &[
    "IGO", "NGO", "IMG", "MNC", "GOV", "MIL", "COP", "OPP", "REB", "INS", "MED", "BUS", "CVL",
    "JUD", "LEG", "ELI", "SPY", "REF", "CRM", "LAB", "EDU", "HLH", "UAF", "REL", "MOD", "RAD",
    "AGR", "ENV",
];

/// What a dictionary line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A state's name.
    Country,
    /// An adjectival form of a state.
    Adjective,
    /// A plural demonym (the population).
    People,
    /// A capital city as metonym.
    Capital,
    /// A fixed actor with a full code.
    Actor,
    /// A role noun combining with a country.
    Agent,
    /// A named person with dated offices.
    Person,
    /// A phrase that names an actor only in a context.
    Context,
    /// The last word of an organisation's name ("Ministry", "Association"): a capitalised name
    /// ending in it is an organisation of that agent type.
    OrgHead,
}

impl ActorKind {
    fn parse(s: &str) -> Option<ActorKind> {
        Some(match s {
            "country" => ActorKind::Country,
            "adjective" => ActorKind::Adjective,
            "people" => ActorKind::People,
            "capital" => ActorKind::Capital,
            "actor" => ActorKind::Actor,
            "agent" => ActorKind::Agent,
            "person" => ActorKind::Person,
            "context" => ActorKind::Context,
            "orghead" => ActorKind::OrgHead,
            _ => return None,
        })
    }

    /// The keyword used in dictionary files.
    pub fn keyword(self) -> &'static str {
        match self {
            ActorKind::Country => "country",
            ActorKind::Adjective => "adjective",
            ActorKind::People => "people",
            ActorKind::Capital => "capital",
            ActorKind::Actor => "actor",
            ActorKind::Agent => "agent",
            ActorKind::Person => "person",
            ActorKind::Context => "context",
            ActorKind::OrgHead => "orghead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CaseRule {
    Any,
    Capitalised,
    Exact(String),
}

/// One phrase of one dictionary line.
#[derive(Debug, Clone)]
pub struct ActorEntry {
    /// What the line names.
    pub kind: ActorKind,
    /// The code as written on the line.
    pub code: ActorCode,
    /// First day in force (persons, and actors whose status changed), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day in force, exclusive: the successor's first day.
    pub to: Option<NaiveDate>,
    /// `role=` value.
    pub role: Option<String>,
    /// `when=` codes (context entries).
    pub when: Vec<String>,
    /// The phrase as written.
    pub phrase: String,
    /// The file the line is in.
    pub file: Arc<str>,
    /// The 1-based line number.
    pub line: u32,
    case: Vec<CaseRule>,
}

impl ActorEntry {
    /// `file:line`, for provenance.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    fn in_force(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date < t)
    }
}

#[derive(Debug, Clone, Default)]
struct TrieNode {
    children: HashMap<String, u32>,
    /// Final words matched as stems (TABARI's `ARGENTIN` matches "Argentina"): the stem and the
    /// node holding the entries. Empty for Redline's own dictionaries.
    stems: Vec<(String, u32)>,
    /// Words that may follow after a gap of any other words in the sentence (TABARI's
    /// `PRINCE DOL_AMROTH`, written `prince ... dol amroth`): the word, whether it is matched as
    /// a stem, and the node it leads to. Empty for Redline's own dictionaries.
    gaps: Vec<(String, bool, u32)>,
    entries: Vec<u32>,
}

/// The actor dictionary: every phrase of every line, in a token trie.
#[derive(Debug, Clone)]
pub struct ActorDictionary {
    entries: Vec<ActorEntry>,
    nodes: Vec<TrieNode>,
    /// `orghead` words, by normalised form.
    org_heads: HashMap<String, u32>,
}

impl Default for ActorDictionary {
    fn default() -> Self {
        ActorDictionary {
            entries: Vec::new(),
            nodes: vec![TrieNode::default()],
            org_heads: HashMap::default(),
        }
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl ActorDictionary {
    /// An empty dictionary.
    pub fn new() -> ActorDictionary {
        ActorDictionary::default()
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no phrases.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All phrases, in load order.
    pub fn entries(&self) -> &[ActorEntry] {
        &self.entries
    }

    /// Adds every line of one file; bad lines are skipped and reported.
    pub fn add_file(&mut self, file: &str, text: &str) -> Vec<Diagnostic> {
        let file_name: Arc<str> = Arc::from(file);
        let mut diags = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            let line_no = idx as u32 + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((head, phrases)) = line.split_once(" : ").or_else(|| line.split_once(':'))
            else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "missing ' : ' between the code and the phrases",
                ));
                continue;
            };
            let mut fields = head.split_whitespace();
            let Some(kind) = fields.next().and_then(ActorKind::parse) else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("unknown kind in '{head}'"),
                ));
                continue;
            };
            let Some(code) = fields.next().and_then(ActorCode::parse) else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("bad or missing actor code in '{head}'"),
                ));
                continue;
            };
            if matches!(
                kind,
                ActorKind::Country
                    | ActorKind::Adjective
                    | ActorKind::People
                    | ActorKind::Capital
                    | ActorKind::Agent
                    | ActorKind::OrgHead
            ) && code.as_str().len() != 3
            {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("{} code '{code}' must have 3 letters", kind.keyword()),
                ));
                continue;
            }
            let (mut from, mut to, mut role, mut when) = (None, None, None, Vec::new());
            let mut bad = false;
            for field in fields {
                if let Some((a, b)) = field.split_once("..") {
                    from = if a.is_empty() { None } else { parse_date(a) };
                    to = if b.is_empty() { None } else { parse_date(b) };
                    if (!a.is_empty() && from.is_none()) || (!b.is_empty() && to.is_none()) {
                        diags.push(Diagnostic::error(
                            file,
                            line_no,
                            format!("malformed date range '{field}'"),
                        ));
                        bad = true;
                    } else if let (Some(f), Some(t)) = (from, to)
                        && f > t
                    {
                        diags.push(Diagnostic::error(
                            file,
                            line_no,
                            format!("date range '{field}' ends before it starts"),
                        ));
                        bad = true;
                    }
                } else if let Some(v) = field.strip_prefix("role=") {
                    role = Some(v.to_string());
                } else if let Some(v) = field.strip_prefix("when=") {
                    when = v.split(',').map(str::to_string).collect();
                } else {
                    diags.push(Diagnostic::error(
                        file,
                        line_no,
                        format!("unknown field '{field}'"),
                    ));
                    bad = true;
                }
            }
            if bad {
                continue;
            }
            if kind == ActorKind::Context && when.is_empty() {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "context line needs when=CODE,...",
                ));
                continue;
            }
            for phrase in phrases.split(';').map(str::trim) {
                if phrase.is_empty() {
                    diags.push(Diagnostic::error(file, line_no, "empty phrase"));
                    continue;
                }
                if kind == ActorKind::OrgHead
                    && (phrase.contains(' ') || !phrase.starts_with(char::is_uppercase))
                {
                    diags.push(Diagnostic::error(
                        file,
                        line_no,
                        format!("orghead '{phrase}' must be one capitalised word"),
                    ));
                    continue;
                }
                let entry = ActorEntry {
                    kind,
                    code: code.clone(),
                    from,
                    to,
                    role: role.clone(),
                    when: when.clone(),
                    phrase: phrase.to_string(),
                    file: file_name.clone(),
                    line: line_no,
                    case: Vec::new(),
                };
                self.insert(entry);
            }
        }
        diags
    }

    /// Adds one phrase built elsewhere (the `compat` readers). The phrase's capitals set its case
    /// rule as in [`ActorDictionary::add_file`]; write it in lower case to match any case.
    pub fn add_phrase(
        &mut self,
        kind: ActorKind,
        code: ActorCode,
        dates: (Option<NaiveDate>, Option<NaiveDate>),
        phrase: &str,
        file: &Arc<str>,
        line: u32,
    ) {
        self.add_built_phrase(kind, code, dates, phrase, (file, line), false);
    }

    /// Like [`ActorDictionary::add_phrase`], but the phrase's last word matches any word it
    /// begins, as in TABARI dictionaries (`LIBYA` matches "Libyas", `ARGENTIN` "Argentina").
    pub fn add_stem_phrase(
        &mut self,
        kind: ActorKind,
        code: ActorCode,
        dates: (Option<NaiveDate>, Option<NaiveDate>),
        phrase: &str,
        file: &Arc<str>,
        line: u32,
    ) {
        self.add_built_phrase(kind, code, dates, phrase, (file, line), true);
    }

    fn add_built_phrase(
        &mut self,
        kind: ActorKind,
        code: ActorCode,
        dates: (Option<NaiveDate>, Option<NaiveDate>),
        phrase: &str,
        (file, line): (&Arc<str>, u32),
        stem_last: bool,
    ) {
        let entry = ActorEntry {
            kind,
            code,
            from: dates.0,
            to: dates.1,
            role: None,
            when: Vec::new(),
            phrase: phrase.to_string(),
            file: file.clone(),
            line,
            case: Vec::new(),
        };
        self.insert_with_stem(entry, stem_last);
    }

    fn insert(&mut self, entry: ActorEntry) {
        self.insert_with_stem(entry, false);
    }

    fn insert_with_stem(&mut self, mut entry: ActorEntry, stem_last: bool) {
        if entry.kind == ActorKind::OrgHead {
            let id = self.entries.len() as u32;
            self.org_heads.insert(normalise(&entry.phrase), id);
            self.entries.push(entry);
            return;
        }
        // " ... " separates the parts of a phrase that other words may come between.
        let phrase = entry.phrase.clone();
        let parts: Vec<&str> = phrase.split(" ... ").collect();
        let gapped = parts.len() > 1;
        let mut spans: Vec<(Span, bool)> = Vec::new();
        let mut offset = 0;
        for (p, part) in parts.iter().enumerate() {
            for (k, span) in token_spans(part, 0..part.len()).into_iter().enumerate() {
                let shifted = Span::new(span.start + offset, span.end + offset);
                spans.push((shifted, p > 0 && k == 0));
            }
            offset += part.len() + " ... ".len();
        }
        let mut node = 0u32;
        for (k, &(span, after_gap)) in spans.iter().enumerate() {
            let surface = &phrase[span.range()];
            let norm = normalise(surface);
            let letters: Vec<char> = surface.chars().filter(|c| c.is_alphabetic()).collect();
            entry.case.push(
                if letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) {
                    CaseRule::Exact(surface.replace('\u{2019}', "'"))
                } else if surface.chars().next().is_some_and(char::is_uppercase) {
                    CaseRule::Capitalised
                } else {
                    CaseRule::Any
                },
            );
            let stem = stem_last && k + 1 == spans.len();
            let here = &self.nodes[node as usize];
            let existing = if after_gap {
                here.gaps
                    .iter()
                    .find(|(w, s, _)| *w == norm && *s == stem)
                    .map(|&(_, _, n)| n)
            } else if stem {
                here.stems.iter().find(|(s, _)| *s == norm).map(|&(_, n)| n)
            } else {
                here.children.get(&norm).copied()
            };
            let next = match existing {
                Some(n) => n,
                None => {
                    self.nodes.push(TrieNode::default());
                    let n = (self.nodes.len() - 1) as u32;
                    let here = &mut self.nodes[node as usize];
                    if after_gap {
                        here.gaps.push((norm, stem, n));
                    } else if stem {
                        here.stems.push((norm, n));
                    } else {
                        here.children.insert(norm, n);
                    }
                    n
                }
            };
            node = next;
        }
        // The case rules pair with consecutive tokens; a gapped phrase matches any case.
        if gapped {
            entry.case.clear();
        }
        let id = self.entries.len() as u32;
        self.entries.push(entry);
        self.nodes[node as usize].entries.push(id);
    }

    /// The longest phrase starting at token `start`: its end (exclusive) and its entries.
    fn longest_at(&self, tokens: &[Token], text: &str, start: usize) -> Option<(usize, Vec<u32>)> {
        let mut best = None;
        self.walk(0, start, start, false, tokens, text, &mut best);
        best
    }

    /// Follows the trie from `node`, reached with `tokens[start..i]`, keeping in `best` the
    /// longest match (a later match of the same length replaces an earlier one, unless it went
    /// through a gap: "Al Gore" is `AL_GORE` before `AL GORE`).
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        mut node: u32,
        mut i: usize,
        start: usize,
        gapped: bool,
        tokens: &[Token],
        text: &str,
        best: &mut Option<(usize, Vec<u32>)>,
    ) {
        let keep = |end: usize, entries: &[u32], best: &mut Option<(usize, Vec<u32>)>| {
            let ok: Vec<u32> = entries
                .iter()
                .copied()
                .filter(|&e| self.case_ok(&self.entries[e as usize], &tokens[start..end], text))
                .collect();
            let longer = |b: usize| end > b || (end == b && !gapped);
            if !ok.is_empty() && best.as_ref().is_none_or(|(b, _)| longer(*b)) {
                *best = Some((end, ok));
            }
        };
        while i < tokens.len() {
            let here = &self.nodes[node as usize];
            for &(ref stem, child) in &here.stems {
                if tokens[i].norm.starts_with(stem.as_str()) {
                    keep(i + 1, &self.nodes[child as usize].entries, best);
                }
            }
            for &(ref word, stem, child) in &here.gaps {
                // A gap stays inside the clause: it never takes in a comma, colon or stop.
                for j in i..tokens.len() {
                    let norm = tokens[j].norm.as_str();
                    if norm == word || (stem && norm.starts_with(word.as_str())) {
                        let child_entries = &self.nodes[child as usize].entries;
                        let ok: Vec<u32> = child_entries.to_vec();
                        if !ok.is_empty() && best.as_ref().is_none_or(|(b, _)| j + 1 > *b) {
                            *best = Some((j + 1, ok));
                        }
                        self.walk(child, j + 1, start, true, tokens, text, best);
                    }
                    if matches!(norm, "," | ";" | ":" | ".") {
                        break;
                    }
                }
            }
            let Some(&next) = here.children.get(&tokens[i].norm) else {
                break;
            };
            node = next;
            i += 1;
            keep(i, &self.nodes[node as usize].entries, best);
        }
    }

    fn case_ok(&self, entry: &ActorEntry, tokens: &[Token], text: &str) -> bool {
        entry.case.iter().zip(tokens).all(|(rule, tok)| match rule {
            CaseRule::Any => true,
            CaseRule::Capitalised => tok.capitalised,
            CaseRule::Exact(s) => text[tok.span.range()].replace('\u{2019}', "'") == *s,
        })
    }

    /// The entry with index `id`.
    pub fn entry(&self, id: u32) -> &ActorEntry {
        &self.entries[id as usize]
    }
}

/// The code of a dated stint in which a person's name is no actor (TABARI's `[--- <950630]`):
/// while it is in force the name matches, so its words are no other actor, but codes nothing.
pub const NULL_STINT_CODE: &str = "NULLCODE";

/// What kind of thing a mention names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionKind {
    /// A state by name (`Russia`).
    State,
    /// A capital (`Pyongyang`): an actor or a place, depending on its role.
    Capital,
    /// A state's agents (`South Korean officials`).
    Agents,
    /// A named person.
    Person,
    /// An organisation or other fixed actor.
    Organisation,
    /// A population (`Russians`).
    People,
    /// A context phrase (`the North`).
    Context,
    /// A pronoun or a group reference resolved to an earlier actor.
    Reference,
    /// No words: the default actor a configuration supplies when a clause has none
    /// (TABARI's `DEFAULT:` option).
    Default,
    /// A place named as what an act is done to ("shelled Haifa"), standing for its country.
    Place,
}

/// One actor mention in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Token indexes within the sentence, half open.
    pub first_token: usize,
    /// One past the last token.
    pub end_token: usize,
    /// Byte span in the document's text.
    pub span: Span,
    /// The resolved code.
    pub code: ActorCode,
    /// What it names.
    pub kind: MentionKind,
    /// The dictionary entries that produced it (indexes into the dictionary).
    pub entries: Vec<u32>,
    /// For a reference (a pronoun, "the two leaders"), the span of the mention it stands for.
    pub antecedent: Option<Span>,
}

impl Mention {
    /// Whether the mention names a person (for pronoun resolution).
    pub fn is_person(&self) -> bool {
        self.kind == MentionKind::Person
    }

    /// Whether the mention names a role's installation ("a police station"): a target, never
    /// the actor that does something. `tokens` are the sentence's.
    pub fn is_installation(&self, tokens: &[Token]) -> bool {
        self.end_token
            .checked_sub(1)
            .and_then(|last| tokens.get(last))
            .is_some_and(|t| INSTALLATION_NOUNS.contains(&t.norm.as_str()))
    }
}

/// A composed chunk before it becomes a mention.
#[derive(Debug, Default)]
struct Chunk {
    first: usize,
    end: usize,
    country: Option<String>,
    agent: Option<String>,
    fixed: Option<ActorCode>,
    person: Option<ActorCode>,
    kind: Option<MentionKind>,
    entries: Vec<u32>,
    adjective_only: bool,
    /// Further codes of the same dictionary line (PETRARCH's compound actors, `[ELR/GAL]`):
    /// each becomes a mention over the same tokens.
    also: Vec<ActorCode>,
}

/// Role words that are also adjectives ("military aid", "government forces").
const MODIFIER_AGENTS: &[&str] = &[
    "military",
    "army",
    "police",
    "government",
    "opposition",
    "rebel",
    "media",
    "business",
    "state",
    "security",
    "intelligence",
    "civilian",
    "defence",
    "defense",
    "naval",
    "navy",
    "foreign",
    "health",
    "judicial",
    "party",
    "court",
    "border",
    "air",
    "official",
    "insurgent",
    "militant",
    "union",
    "student",
    "farmer",
    "refugee",
    "migrant",
];

/// Nouns for the members of a role, which after a role word keep its code ("army trainees",
/// "police officers", "government employees").
const MEMBER_NOUNS: &[&str] = &[
    "trainee",
    "trainees",
    "recruit",
    "recruits",
    "personnel",
    "officer",
    "officers",
    "member",
    "members",
    "commander",
    "commanders",
    "veteran",
    "veterans",
    "chief",
    "chiefs",
    "cadet",
    "cadets",
    "conscript",
    "conscripts",
    "reservist",
    "reservists",
    "staff",
    "employee",
    "employees",
    "worker",
    "workers",
    "representative",
    "representatives",
    "delegate",
    "delegates",
    "delegation",
    "envoy",
    "envoys",
    "negotiator",
    "negotiators",
    "source",
    "sources",
    "guard",
    "guards",
    "patrol",
    "patrols",
    "agent",
    "agents",
    "investigator",
    "investigators",
    "prosecutor",
    "prosecutors",
    "pilot",
    "pilots",
    "sniper",
    "snipers",
    "unit",
    "units",
];

/// Nouns for a role's installations and equipment, which stand for it as the target of an
/// attack ("stormed a police station", "shelled a military base": the police, the military).
const INSTALLATION_NOUNS: &[&str] = &[
    "station",
    "stations",
    "base",
    "bases",
    "headquarters",
    "checkpoint",
    "checkpoints",
    "post",
    "posts",
    "outpost",
    "outposts",
    "convoy",
    "convoys",
    "barracks",
    "camp",
    "camps",
    "compound",
    "compounds",
    "vehicle",
    "vehicles",
    "installation",
    "installations",
    "facility",
    "facilities",
    "positions",
    "targets",
];

/// Words that, after a role word, show it names an actor ("military said", "the government
/// without"), not a modifier of the next noun.
const VERB_LIKE: &[&str] = &[
    "is", "are", "was", "were", "has", "have", "had", "will", "would", "could", "can", "may",
    "might", "must", "should", "did", "does", "do", "also", "said", "says", "and", "or", "of",
    "in", "on", "to", "from", "for", "with", "at", "by", "who", "which", "that", "had", "not",
    // Other prepositions and conjunctions: "with the Israeli government without filtering it".
    "without", "against", "over", "after", "before", "during", "since", "under", "into", "as",
    "than", "but", "while", "when", "because", "if", "about", "through", "amid", "despite",
    "within", "across", "toward", "towards", "until", "unless", "whose", "where", "nor", "so",
    "then", "there", "here",
];

/// Whether a country starting at token `start` follows "of" right before `after`: at once, or
/// after at most three modifiers that leave it the head, "the" or lower-case participles and
/// compounds ("war-ravaged", "neighbouring", "landlocked").
fn country_follows(tokens: &[Token], after: usize, start: usize) -> bool {
    let modifier = |t: &Token| {
        !t.capitalised
            && !t.punct
            && (t.norm == "the"
                || (t.norm.len() > 3
                    && t.norm.chars().all(|c| c.is_alphabetic() || c == '-')
                    && (t.norm.contains('-') || t.norm.ends_with("ed") || t.norm.ends_with("ing"))))
    };
    start >= after && start - after <= 3 && tokens[after..start].iter().all(modifier)
}

/// Whether `role` modifies the word `next` instead of naming an actor.
fn modifies_next(role: &Token, next: &Token) -> bool {
    let adverb = next.norm.ends_with("ly") || TIME_WORDS.contains(&next.norm.as_str());
    MODIFIER_AGENTS.contains(&role.norm.as_str())
        && !next.punct
        && !next.capitalised
        && !adverb
        && (next.verb_lemma.is_none() || NOUNS_AFTER_ROLES.contains(&next.norm.as_str()))
        && !VERB_LIKE.contains(&next.norm.as_str())
}

/// Words that could be verbs but after a role word are the nouns it modifies ("joint military
/// exercises", "military aid"), not what the role does.
const NOUNS_AFTER_ROLES: &[&str] = &[
    "aid",
    "support",
    "exercise",
    "exercises",
    "drill",
    "drills",
    "supplies",
    "ties",
    "talks",
    "training",
    "spending",
    "funding",
    "hardware",
];

/// Adverbs of time that may stand between a subject and its verb ("the military yesterday gave").
const TIME_WORDS: &[&str] = &[
    "yesterday",
    "today",
    "tonight",
    "tomorrow",
    "now",
    "then",
    "again",
    "earlier",
    "later",
    "already",
    "still",
    "also",
    "last",
    "this",
    "soon",
    "once",
];

/// Tokens that, standing between two mentions, join them into a compound.
pub fn is_joiner(norm: &str) -> bool {
    matches!(norm, "and" | "," | "or" | "&" | "nor")
}

impl ActorDictionary {
    /// Finds the actor mentions in one sentence.
    ///
    /// `date` resolves persons to the office they held; `seen` holds the countries the document
    /// has mentioned so far, for context rules.
    pub fn find_mentions(
        &self,
        tokens: &[Token],
        text: &str,
        date: Option<NaiveDate>,
        seen: &HashSet<String>,
    ) -> Vec<Mention> {
        // Raw matches: greedy, leftmost longest.
        let mut raws: Vec<(usize, usize, Vec<u32>)> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            if let Some((end, entries)) = self.longest_at(tokens, text, i) {
                // "the South Korean government": a longer phrase starting inside this one wins.
                if (i + 1..end).any(|k| {
                    self.longest_at(tokens, text, k)
                        .is_some_and(|(e, _)| e > end)
                }) {
                    i += 1;
                    continue;
                }
                // "Kim Hong-kyun" is not Kim Jong-un: a surname alone, followed by more of a
                // name, is someone else.
                let surname_only = end == i + 1
                    && entries
                        .iter()
                        .all(|&e| self.entries[e as usize].kind == ActorKind::Person);
                if surname_only
                    && tokens.get(end).is_some_and(|t| {
                        t.capitalised
                            && !t.punct
                            && crate::dates::month(&t.norm).is_none()
                            && !crate::dates::is_day_word(&t.norm)
                    })
                {
                    i = end;
                    continue;
                }
                raws.push((i, end, entries));
                i = end;
            } else {
                i += 1;
            }
        }
        self.add_organisation_names(tokens, &mut raws);
        // An organisation name (`orghead`) composes like an agent.
        // The entry of a kind for a phrase; of dated entries ("actor AFGREB ..2021-08-15 :
        // Taliban"), the one in force on the document's date, or without a date the current one.
        let kinds = |r: &(usize, usize, Vec<u32>), k: ActorKind| {
            let mut of_kind = r.2.iter().copied().filter(|&e| {
                let kind = self.entries[e as usize].kind;
                kind == k || (k == ActorKind::Agent && kind == ActorKind::OrgHead)
            });
            let first = of_kind.next()?;
            let current = |e: u32| {
                let entry = &self.entries[e as usize];
                date.map_or(entry.to.is_none(), |d| entry.in_force(d))
            };
            if current(first) {
                return Some(first);
            }
            of_kind.find(|&e| current(e)).or(Some(first))
        };
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut r = 0;
        while r < raws.len() {
            let raw = &raws[r];
            let mut chunk = Chunk {
                first: raw.0,
                end: raw.1,
                ..Chunk::default()
            };
            r += 1;
            if let Some(e) = kinds(raw, ActorKind::Person) {
                chunk.person = self.resolve_person(raw, date);
                chunk.entries.push(e);
                chunk.kind = Some(MentionKind::Person);
            } else if let Some(e) = kinds(raw, ActorKind::Actor) {
                chunk.fixed = Some(self.entries[e as usize].code.clone());
                chunk.entries.push(e);
                chunk.kind = Some(MentionKind::Organisation);
            } else if let Some(e) = kinds(raw, ActorKind::Context) {
                let entry = &self.entries[e as usize];
                let earlier = |w: &str| {
                    chunks
                        .iter()
                        .any(|c: &Chunk| c.country.as_deref() == Some(w))
                };
                if !entry
                    .when
                    .iter()
                    .any(|w| seen.contains(w.as_str()) || earlier(w))
                {
                    continue;
                }
                chunk.fixed = Some(entry.code.clone());
                chunk.entries.push(e);
                chunk.kind = Some(MentionKind::Context);
            } else if let Some(e) = kinds(raw, ActorKind::Country)
                .or_else(|| kinds(raw, ActorKind::Adjective))
                .or_else(|| kinds(raw, ActorKind::Capital))
                .or_else(|| kinds(raw, ActorKind::People))
            {
                let entry = &self.entries[e as usize];
                chunk.country = Some(entry.code.as_str().to_string());
                chunk.entries.push(e);
                chunk.kind = Some(match entry.kind {
                    ActorKind::Country => MentionKind::State,
                    ActorKind::Capital => MentionKind::Capital,
                    ActorKind::People => MentionKind::People,
                    _ => MentionKind::State,
                });
                if entry.kind == ActorKind::People {
                    chunk.agent = Some("CVL".to_string());
                }
                chunk.adjective_only = entry.kind == ActorKind::Adjective;
            } else if let Some(e) = kinds(raw, ActorKind::Agent) {
                chunk.agent = Some(self.entries[e as usize].code.as_str().to_string());
                chunk.entries.push(e);
                chunk.kind = Some(MentionKind::Agents);
            } else {
                continue;
            }
            if let Some(&first) = chunk.entries.first() {
                let e = &self.entries[first as usize];
                for &other in &raw.2 {
                    let o = &self.entries[other as usize];
                    if matches!(e.kind, ActorKind::Country | ActorKind::Actor)
                        && o.line == e.line
                        && o.file == e.file
                        && o.kind == e.kind
                        && o.code != e.code
                        && !chunk.also.contains(&o.code)
                    {
                        chunk.also.push(o.code.clone());
                    }
                }
            }
            // Extend: ['s] agent* [person] or, after an agent, "of|from" + country.
            let mut j = chunk.end;
            if chunk.country.is_some()
                && j < tokens.len()
                && tokens[j].norm == "'s"
                && chunk.kind != Some(MentionKind::People)
            {
                // Only a possessive when an agent follows; otherwise the country stays alone.
                if r < raws.len()
                    && raws[r].0 == j + 1
                    && kinds(&raws[r], ActorKind::Agent).is_some()
                {
                    j += 1;
                }
            }
            if chunk.person.is_none() {
                while r < raws.len() && raws[r].0 == j {
                    let next = &raws[r];
                    if let Some(e) = kinds(next, ActorKind::Person) {
                        chunk.person = self.resolve_person(next, date);
                        chunk.entries.push(e);
                        chunk.kind = Some(MentionKind::Person);
                        j = next.1;
                        r += 1;
                        break;
                    } else if let Some(e) = kinds(next, ActorKind::Agent) {
                        if chunk.fixed.is_none() {
                            chunk.agent = Some(self.entries[e as usize].code.as_str().to_string());
                            if chunk.kind != Some(MentionKind::Agents) {
                                chunk.kind = Some(MentionKind::Agents);
                            }
                        }
                        chunk.entries.push(e);
                        chunk.adjective_only = false;
                        j = next.1;
                        r += 1;
                    } else if let Some(e) = kinds(next, ActorKind::Country)
                        && chunk.agent.is_some()
                        && chunk.country.as_deref() == Some(self.entries[e as usize].code.as_str())
                    {
                        // "Bree Prime Minister Romendacil", the name coded as the country
                        // alone: the title's agent stays.
                        chunk.entries.push(e);
                        j = next.1;
                        r += 1;
                        break;
                    } else {
                        break;
                    }
                }
                // "the foreign minister of Japan", "officials from Seoul", "the president of
                // war-ravaged South Sudan".
                if chunk.country.is_none()
                    && chunk.agent.is_some()
                    && chunk.person.is_none()
                    && j + 1 < tokens.len()
                    && matches!(tokens[j].norm.as_str(), "of" | "from")
                    && r < raws.len()
                    && country_follows(tokens, j + 1, raws[r].0)
                    && let Some(e) = kinds(&raws[r], ActorKind::Country)
                        .or_else(|| kinds(&raws[r], ActorKind::Capital))
                {
                    chunk.country = Some(self.entries[e as usize].code.as_str().to_string());
                    chunk.entries.push(e);
                    j = raws[r].1;
                    r += 1;
                }
                // A title followed by an unknown name: "President Emmanuel Foo".
                if chunk.agent.is_some()
                    && chunk.person.is_none()
                    && j > 0
                    && tokens[j - 1].capitalised
                {
                    while j < tokens.len()
                        && tokens[j].capitalised
                        && !tokens[j].punct
                        && (r >= raws.len() || raws[r].0 > j)
                        && !crate::text::is_sentence_opener(&tokens[j].norm)
                    {
                        j += 1;
                    }
                }
            }
            // "Afghan Army trainees", "police officers", "an army base": a noun for the role's
            // members or installations keeps the role's code and joins the mention.
            if chunk.agent.is_some()
                && chunk.person.is_none()
                && chunk.fixed.is_none()
                && (r >= raws.len() || raws[r].0 > j)
                && tokens.get(j).is_some_and(|t| {
                    !t.capitalised
                        && (MEMBER_NOUNS.contains(&t.norm.as_str())
                            || INSTALLATION_NOUNS.contains(&t.norm.as_str()))
                })
            {
                j += 1;
            }
            chunk.end = j;
            // "military assistance", "Russian military technology": a role word used as a
            // modifier of the next noun is not an actor.
            if chunk.person.is_none()
                && chunk.fixed.is_none()
                && chunk.agent.is_some()
                && chunk.kind == Some(MentionKind::Agents)
                && tokens
                    .get(j)
                    .is_some_and(|t| modifies_next(&tokens[j - 1], t))
            {
                // "United States military aid": the country may still be the actor.
                if chunk.country.is_none() || chunk.adjective_only || chunk.first + 1 >= j {
                    continue;
                }
                let country_end = self
                    .longest_at(tokens, text, chunk.first)
                    .map_or(chunk.first + 1, |(e, _)| e);
                let is_noun = chunk
                    .entries
                    .first()
                    .is_some_and(|&e| self.entries[e as usize].kind == ActorKind::Country);
                if !is_noun {
                    continue;
                }
                chunk.agent = None;
                chunk.kind = Some(MentionKind::State);
                chunk.end = country_end;
                chunk.entries.truncate(1);
            }
            chunks.push(chunk);
        }
        // "South Korean and US officials": an adjective alone takes the agent of the next chunk
        // it is joined to.
        for k in (0..chunks.len()).rev() {
            if !chunks[k].adjective_only || k + 1 >= chunks.len() {
                continue;
            }
            let gap: Vec<&str> = tokens[chunks[k].end..chunks[k + 1].first]
                .iter()
                .map(|t| t.norm.as_str())
                .collect();
            if !gap.is_empty()
                && gap.iter().all(|g| is_joiner(g))
                && chunks[k + 1].agent.is_some()
                && chunks[k + 1].country.is_some()
            {
                chunks[k].agent = chunks[k + 1].agent.clone();
                chunks[k].adjective_only = false;
                chunks[k].kind = Some(MentionKind::Agents);
            }
        }
        chunks
            .into_iter()
            .filter(|c| !c.adjective_only)
            .flat_map(|mut c| {
                let also = std::mem::take(&mut c.also);
                let main = self.chunk_mention(tokens, c);
                let extra: Vec<Mention> = main
                    .iter()
                    .flat_map(|m| {
                        also.iter().map(|code| Mention {
                            code: code.clone(),
                            ..m.clone()
                        })
                    })
                    .collect();
                main.into_iter().chain(extra)
            })
            .collect()
    }

    /// The mention a composed chunk stands for, if its code is valid.
    fn chunk_mention(&self, tokens: &[Token], c: Chunk) -> Option<Mention> {
        {
            {
                let code = if let Some(p) = c.person {
                    p
                } else if let Some(f) = c.fixed {
                    f
                } else {
                    let mut s = String::new();
                    if let Some(country) = &c.country {
                        s.push_str(country);
                    }
                    if let Some(agent) = &c.agent {
                        s.push_str(agent);
                    } else if c.kind == Some(MentionKind::Capital) {
                        s.push_str("GOV");
                    }
                    ActorCode::parse(&s)?
                };
                let span = tokens[c.first].span.cover(tokens[c.end - 1].span);
                Some(Mention {
                    first_token: c.first,
                    end_token: c.end,
                    span,
                    code,
                    kind: c.kind.unwrap_or(MentionKind::State),
                    entries: c.entries,
                    antecedent: None,
                })
            }
        }
    }

    /// Adds raw matches for capitalised names ending in an `orghead` word that no dictionary
    /// phrase covers: "Junior Doctors Association", "Fish and Wildlife Service", "the Ministry of
    /// Defence".
    fn add_organisation_names(&self, tokens: &[Token], raws: &mut Vec<(usize, usize, Vec<u32>)>) {
        if self.org_heads.is_empty() {
            return;
        }
        let covered =
            |k: usize, raws: &[(usize, usize, Vec<u32>)]| raws.iter().any(|r| r.0 <= k && k < r.1);
        let mut added = Vec::new();
        for k in 0..tokens.len() {
            let Some(&entry) = self.org_heads.get(&tokens[k].norm) else {
                continue;
            };
            if !tokens[k].capitalised || covered(k, raws) {
                continue;
            }
            // Leftwards over capitalised words and the small words inside names.
            let mut first = k;
            while first > 0 && !covered(first - 1, raws) {
                let t = &tokens[first - 1];
                let inner = matches!(t.norm.as_str(), "of" | "and" | "for" | "&")
                    && first >= 2
                    && tokens[first - 2].capitalised;
                if (t.capitalised && !t.punct && !matches!(t.norm.as_str(), "the" | "a" | "an"))
                    || inner
                {
                    first -= 1;
                } else {
                    break;
                }
            }
            // Rightwards over "of Foreign Affairs".
            let mut end = k + 1;
            if end + 1 < tokens.len()
                && matches!(tokens[end].norm.as_str(), "of" | "for")
                && tokens[end + 1].capitalised
                && !covered(end + 1, raws)
            {
                end += 1;
                while end < tokens.len()
                    && tokens[end].capitalised
                    && !tokens[end].punct
                    && !covered(end, raws)
                {
                    end += 1;
                }
            }
            if first == k && end == k + 1 {
                continue;
            }
            if !added
                .iter()
                .any(|a: &(usize, usize, Vec<u32>)| a.0 < end && first < a.1)
            {
                added.push((first, end, vec![entry]));
            }
        }
        raws.extend(added);
        raws.sort_by_key(|r| r.0);
    }

    /// The code of the office a person held on `date`: the stint in force, else the latest stint
    /// before the date (coded as an elite, ELI, since the person is out of office), else the
    /// earliest stint.
    fn resolve_person(
        &self,
        raw: &(usize, usize, Vec<u32>),
        date: Option<NaiveDate>,
    ) -> Option<ActorCode> {
        let stints: Vec<&ActorEntry> = raw
            .2
            .iter()
            .map(|&e| &self.entries[e as usize])
            .filter(|e| e.kind == ActorKind::Person)
            .collect();
        let Some(date) = date else {
            return stints
                .iter()
                .filter(|e| e.code.as_str() != NULL_STINT_CODE)
                .max_by_key(|e| e.from)
                .map(|e| e.code.clone());
        };
        if let Some(e) = stints.iter().find(|e| e.in_force(date)) {
            return (e.code.as_str() != NULL_STINT_CODE).then(|| e.code.clone());
        }
        let stints: Vec<&ActorEntry> = stints
            .into_iter()
            .filter(|e| e.code.as_str() != NULL_STINT_CODE)
            .collect();
        let before = stints
            .iter()
            .filter(|e| e.to.is_some_and(|t| t <= date))
            .max_by_key(|e| e.to);
        match before {
            Some(e) => ActorCode::parse(&format!(
                "{}ELI",
                e.code.country().unwrap_or(&e.code.as_str()[..3])
            )),
            None => stints.iter().min_by_key(|e| e.from).map(|e| e.code.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Lemmatizer, make_token};

    const DICT: &str = "\
country   FRD : Freedonia ; FD
adjective FRD : Freedonian
people    FRD : Freedonians
capital   FRD : Fredville
country   SYL : Sylvania
adjective SYL : Sylvanian
actor     FRDMED : Freedonia Daily
actor     SYLREB ..2021-08-15 : Green Brigade
actor     SYLGOV 2021-08-15.. : Green Brigade
agent     GOV : officials ; president ; President ; leader
agent     MIL : soldiers ; army
person    FRDGOV 2010-01-01..2020-01-01 role=head_of_state : Rufus Firefly ; Firefly
person    FRDGOV 2020-01-01.. role=head_of_state : Ada Marx ; Marx
context   FRD when=SYL,FRD : the North
";

    fn mentions(text: &str, date: &str, seen: &[&str]) -> Vec<(String, String)> {
        let mut dict = ActorDictionary::new();
        assert!(dict.add_file("test.txt", DICT).is_empty());
        let lem = Lemmatizer::default();
        let tokens: Vec<Token> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        let seen: HashSet<String> = seen.iter().map(|s| s.to_string()).collect();
        dict.find_mentions(
            &tokens,
            text,
            NaiveDate::parse_from_str(date, "%Y-%m-%d").ok(),
            &seen,
        )
        .into_iter()
        .map(|m| (text[m.span.range()].to_string(), m.code.to_string()))
        .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn adjective_agent_and_person_compose_one_mention() {
        assert_eq!(
            mentions(
                "Freedonian leader Ada Marx met Sylvanian soldiers.",
                "2024-01-01",
                &[]
            ),
            pairs(&[
                ("Freedonian leader Ada Marx", "FRDGOV"),
                ("Sylvanian soldiers", "SYLMIL")
            ])
        );
    }

    #[test]
    fn persons_resolve_against_the_document_date() {
        assert_eq!(
            mentions("Firefly spoke.", "2015-06-01", &[]),
            pairs(&[("Firefly", "FRDGOV")])
        );
        assert_eq!(
            mentions("Firefly spoke.", "2024-06-01", &[]),
            pairs(&[("Firefly", "FRDELI")])
        );
    }

    #[test]
    fn member_and_installation_nouns_keep_the_role_and_other_nouns_drop_it() {
        assert_eq!(
            mentions("Sylvanian army trainees left.", "2024-01-01", &[]),
            pairs(&[("Sylvanian army trainees", "SYLMIL")])
        );
        assert_eq!(
            mentions("Freedonians stormed an army base", "2024-01-01", &[]),
            pairs(&[("Freedonians", "FRDCVL"), ("army base", "MIL")])
        );
        assert!(mentions("the army budget", "2024-01-01", &[]).is_empty());
        // Nor a noun that could be a verb but is the exercise itself.
        assert!(mentions("joint army exercises", "2024-01-01", &[]).is_empty());
    }

    #[test]
    fn dated_actor_lines_code_by_the_document_date() {
        let brigade = |date: &str| mentions("the Green Brigade attacked", date, &[]);
        assert_eq!(brigade("2021-08-14"), pairs(&[("Green Brigade", "SYLREB")]));
        assert_eq!(brigade("2021-08-15"), pairs(&[("Green Brigade", "SYLGOV")]));
        // Without a date, the line still in force.
        assert_eq!(brigade(""), pairs(&[("Green Brigade", "SYLGOV")]));
    }

    #[test]
    fn compound_adjectives_share_the_agent() {
        assert_eq!(
            mentions("Freedonian and Sylvanian officials met.", "2024-01-01", &[]),
            pairs(&[("Freedonian", "FRDGOV"), ("Sylvanian officials", "SYLGOV")])
        );
    }

    #[test]
    fn adjective_alone_is_not_an_actor_and_case_guards_work() {
        assert!(mentions("Freedonian technology is cheap.", "2024-01-01", &[]).is_empty());
        assert_eq!(
            mentions("fd said FD would", "2024-01-01", &[]),
            pairs(&[("FD", "FRD")])
        );
    }

    #[test]
    fn context_phrases_need_their_context() {
        assert!(mentions("the North said", "2024-01-01", &[]).is_empty());
        assert_eq!(
            mentions("the North said", "2024-01-01", &["SYL"]),
            pairs(&[("the North", "FRD")])
        );
    }

    #[test]
    fn capitals_code_the_government_and_agents_take_of_country() {
        assert_eq!(
            mentions("Fredville denied it", "2024-01-01", &[]),
            pairs(&[("Fredville", "FRDGOV")])
        );
        assert_eq!(
            mentions("the army of Sylvania", "2024-01-01", &[]),
            pairs(&[("army of Sylvania", "SYLMIL")])
        );
        // Participles and compounds between "of" and the country leave it the agent's.
        assert_eq!(
            mentions("the army of war-ravaged Sylvania", "2024-01-01", &[]),
            pairs(&[("army of war-ravaged Sylvania", "SYLMIL")])
        );
        assert_eq!(
            mentions("the army of the neighbouring Sylvania", "2024-01-01", &[]),
            pairs(&[("army of the neighbouring Sylvania", "SYLMIL")])
        );
        // Anything else does not: the army is not Sylvania's.
        assert_eq!(
            mentions("the army of many people in Sylvania", "2024-01-01", &[]),
            pairs(&[("army", "MIL"), ("Sylvania", "SYL")])
        );
        assert_eq!(
            mentions("Freedonia Daily reported", "2024-01-01", &[]),
            pairs(&[("Freedonia Daily", "FRDMED")])
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_line() {
        let mut dict = ActorDictionary::new();
        let diags = dict.add_file("bad.txt", "country FRD : Freedonia\nperson FRDGOV 2020-13-01.. : X\nblah FRD : Y\nagent GOVX : z\n");
        let lines: Vec<u32> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(dict.len(), 1);
    }
}
