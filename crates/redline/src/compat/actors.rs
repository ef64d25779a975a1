//! PETRARCH-2 and TABARI actor, agent, discard and issue dictionaries.
//!
//! Actors: a name line (`ERIADOR [ERI]`, `VLADIMIR_PUTIN_`), `+` synonym lines, and codes in
//! brackets on the name line or on indented lines after it, possibly dated: `[RUSGOV >20000507]`
//! (from), `[X <991231]` (before), `[RUSELI 700101-990809]` (range), `[RUSELI]` (otherwise).
//! An actor with one undated code becomes a Redline `country` (three letters, so agents compose
//! with it) or `actor` line; an actor with dated codes becomes `person` stints, dated first so
//! the undated code applies only outside them.
//!
//! Agents: `PRESIDENT [~GOV]`, `ATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~GOV]`, `MSF {} [NGO~]`,
//! with `!PERSON! = MAN, MEN` substitutions and PETRARCH's regular plurals (`{}` turns them off).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;

use super::{Dialect, clean_lines, gapped_phrase_text, parse_compact_date, phrase_text};
use crate::actors::{ActorCode, ActorDictionary, ActorKind};
use crate::diag::Diagnostic;

/// The stand-in code of a `###` (discard) block while reading.
const DISCARD: &str = "DISCARDED";
/// A dated null code (`[--- <950630]`): the name is no actor in that period.
const NULL_STINT: &str = crate::actors::NULL_STINT_CODE;

/// Phrases already loaded, with where, to report duplicates across files.
#[derive(Debug, Default)]
pub struct SeenPhrases(rustc_hash::FxHashMap<String, (Arc<str>, u32)>);

/// One bracketed code with its dates.
#[derive(Debug, Clone, PartialEq)]
struct DatedCode {
    code: ActorCode,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Parses the inside of one `[...]`: `CODE`, `CODE >D`, `CODE <D`, `CODE D-D`. `Ok(None)` for
/// the null code `---`; `###` (TABARI's discard code) comes back with the code `DISCARD`.
fn parse_code_block(inner: &str) -> Result<Option<DatedCode>, String> {
    let mut parts = inner.split_whitespace();
    let Some(code_text) = parts.next() else {
        return Err("empty code '[]'".to_string());
    };
    let dated = parts.clone().next().is_some();
    let upper = if code_text == crate::cameo::DISCARD_CODE {
        DISCARD.to_string()
    } else if code_text == "---" && dated {
        NULL_STINT.to_string()
    } else if code_text.chars().all(|c| c == '-' || c == '#') {
        return Ok(None);
    } else {
        code_text.to_uppercase()
    };
    let Some(code) = ActorCode::parse(&upper) else {
        return Err(format!("'{code_text}' is not an actor code"));
    };
    let (mut from, mut to) = (None, None);
    // "< 950601" and "19950601 - 19990815" are written with spaces too.
    let date: String = parts.collect();
    if !date.is_empty() {
        let date = date.as_str();
        let bad = || format!("malformed date '{date}' in '[{inner}]'");
        if let Some(d) = date.strip_prefix('>') {
            from = Some(parse_compact_date(d).ok_or_else(bad)?);
        } else if let Some(d) = date.strip_prefix('<') {
            to = Some(parse_compact_date(d).ok_or_else(bad)?);
        } else if let Some((a, b)) = date.split_once('-') {
            from = Some(parse_compact_date(a).ok_or_else(bad)?);
            to = Some(parse_compact_date(b).ok_or_else(bad)?);
            if from > to {
                return Err(format!("date range '{date}' ends before it starts"));
            }
        } else {
            return Err(bad());
        }
    }
    Ok(Some(DatedCode { code, from, to }))
}

/// Every `[...]` in `s`, and `s` without them.
fn brackets(s: &str) -> (String, Vec<String>) {
    let mut rest = String::new();
    let mut out = Vec::new();
    let mut s = s;
    while let Some(a) = s.find('[') {
        rest.push_str(&s[..a]);
        match s[a..].find(']') {
            Some(b) => {
                out.push(s[a + 1..a + b].to_string());
                s = &s[a + b + 1..];
            }
            None => {
                out.push(s[a + 1..].to_string());
                s = "";
            }
        }
    }
    rest.push_str(s);
    (rest.trim().to_string(), out)
}

#[derive(Default)]
struct Group {
    /// Phrase, line, whether its last word is a TABARI stem, and whether it is a form TABARI
    /// derives (a noun ending) rather than a name written in the file.
    names: Vec<(String, u32, bool, bool)>,
    codes: Vec<(DatedCode, u32)>,
    null_code: bool,
    line: u32,
}

/// Reads an actor file into `dict`; returns its defects.
/// Names coded `###` go to `discards` (with their dates) instead of `dict`.
pub fn read_actors(
    file: &str,
    text: &str,
    dialect: Dialect,
    dict: &mut ActorDictionary,
    seen: &mut SeenPhrases,
    discards: &mut Discards,
) -> Vec<Diagnostic> {
    let file_name: Arc<str> = Arc::from(file);
    let mut diags = Vec::new();
    let mut group: Option<Group> = None;
    let mut skipping: Option<String> = None;
    let lines = clean_lines(text, dialect);
    for (line_no, line, _) in &lines {
        let (line_no, line) = (*line_no, line.as_str());
        if let Some(end) = &skipping {
            if line.eq_ignore_ascii_case(end) {
                skipping = None;
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if line.starts_with('<') {
            let tag = &line[1..line.len() - usize::from(line.ends_with('>'))];
            if line.ends_with('>')
                && !tag.is_empty()
                && tag.chars().all(|c| c.is_ascii_alphabetic())
            {
                // TABARI's <NOUN> and <ADJECTIVE> sections list parts of speech, not actors.
                skipping = Some(format!("</{tag}>"));
            } else if !line.starts_with("</") {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("malformed tag or comment '{line}' (a comment starts with '<!--')"),
                ));
            }
            continue;
        }
        let (rest, codes) = brackets(line);
        // TABARI matches a name whose last word has no final "_" as a stem.
        // TABARI: a name whose last word has no final "_" is a stem; one with a final "_"
        // also takes the noun ending S ("LIBYA_" matches "Libyas"); a final "=" matches the
        // name exactly. Words apart by a space may have other words between them in the text.
        let names_of = |s: &str| -> Vec<(String, u32, bool, bool)> {
            let s = s.trim_end();
            match dialect {
                Dialect::Petrarch => vec![(phrase_text(s), line_no, false, false)],
                Dialect::Tabari => {
                    if let Some(exact) = s.strip_suffix('=') {
                        vec![(gapped_phrase_text(exact), line_no, false, false)]
                    } else if s.ends_with('_') {
                        let name = gapped_phrase_text(s);
                        let plural = format!("{name}s");
                        vec![
                            (name, line_no, false, false),
                            (plural, line_no, false, true),
                        ]
                    } else {
                        vec![(gapped_phrase_text(s), line_no, true, false)]
                    }
                }
            }
        };
        if let Some(syn) = rest.strip_prefix('+') {
            match group.as_mut() {
                Some(g) => g.names.extend(names_of(syn)),
                None => diags.push(Diagnostic::error(file, line_no, "synonym before any actor")),
            }
        } else if !rest.is_empty() {
            if let Some(g) = group.take() {
                flush(g, file, &file_name, dict, seen, discards, &mut diags);
            }
            group = Some(Group {
                names: names_of(&rest),
                line: line_no,
                ..Group::default()
            });
        }
        let Some(g) = group.as_mut() else {
            diags.push(Diagnostic::error(file, line_no, "code before any actor"));
            continue;
        };
        for c in codes {
            // "[ELR/GAL]": a compound actor, one code for each member (dates go with each).
            let (codes_part, dates_part) = match c.trim().split_once(char::is_whitespace) {
                Some((a, b)) => (a.to_string(), format!(" {b}")),
                None => (c.trim().to_string(), String::new()),
            };
            for member in codes_part.split('/') {
                match parse_code_block(&format!("{member}{dates_part}")) {
                    Ok(Some(code)) => g.codes.push((code, line_no)),
                    Ok(None) => g.null_code = true,
                    Err(e) => diags.push(Diagnostic::error(file, line_no, e)),
                }
            }
        }
    }
    if let Some(g) = group.take() {
        flush(g, file, &file_name, dict, seen, discards, &mut diags);
    }
    diags
}

fn flush(
    mut g: Group,
    file: &str,
    file_name: &Arc<str>,
    dict: &mut ActorDictionary,
    seen: &mut SeenPhrases,
    discards: &mut Discards,
    diags: &mut Vec<Diagnostic>,
) {
    // An undated `###` is the default: it discards only outside the dated codes' ranges.
    let dated_ranges: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = g
        .codes
        .iter()
        .filter(|(c, _)| c.code.as_str() != DISCARD && (c.from.is_some() || c.to.is_some()))
        .map(|(c, _)| (c.from, c.to))
        .collect();
    g.codes.retain(|(c, _)| {
        if c.code.as_str() != DISCARD {
            return true;
        }
        let undated = c.from.is_none() && c.to.is_none();
        for (name, _, _, _) in &g.names {
            discards.dated.push(DatedDiscard {
                words: name
                    .split_whitespace()
                    .filter(|w| *w != "...")
                    .map(str::to_string)
                    .collect(),
                from: c.from,
                to: c.to,
                except: if undated {
                    dated_ranges.clone()
                } else {
                    Vec::new()
                },
            });
        }
        g.null_code = true;
        false
    });
    if g.codes.is_empty() {
        if !g.null_code {
            diags.push(Diagnostic::error(
                file,
                g.line,
                format!("actor '{}' has no code", g.names[0].0),
            ));
        }
        return;
    }
    // Dated stints first: the person resolver takes the first stint in force.
    g.codes
        .sort_by_key(|(c, _)| c.from.is_none() && c.to.is_none());
    let dated = g
        .codes
        .iter()
        .any(|(c, _)| c.from.is_some() || c.to.is_some());
    for (name, line, stem, derived) in &g.names {
        if name.is_empty() {
            continue;
        }
        if *derived {
            // A derived form duplicates nothing the file wrote.
        } else if let Some((f, l)) = seen.0.get(name) {
            diags.push(Diagnostic::warning(
                file,
                *line,
                format!("duplicate actor '{name}' (first at {f}:{l}); both are kept"),
            ));
        } else {
            seen.0.insert(name.clone(), (file_name.clone(), *line));
        }
        for (code, _) in &g.codes {
            let kind = if dated {
                ActorKind::Person
            } else if code.code.as_str().len() == 3 {
                ActorKind::Country
            } else {
                ActorKind::Actor
            };
            let add = if *stem {
                ActorDictionary::add_stem_phrase
            } else {
                ActorDictionary::add_phrase
            };
            add(
                dict,
                kind,
                code.code.clone(),
                (code.from, code.to),
                name,
                file_name,
                *line,
            );
        }
    }
}

/// PETRARCH's regular plural of a phrase: on its last word.
fn plural(phrase: &str) -> String {
    let (head, last) = match phrase.rsplit_once(' ') {
        Some((h, l)) => (format!("{h} "), l),
        None => (String::new(), phrase),
    };
    let p = if last.ends_with('y')
        && !last.ends_with("ay")
        && !last.ends_with("ey")
        && !last.ends_with("oy")
    {
        format!("{}ies", &last[..last.len() - 1])
    } else if ["s", "sh", "ch", "x", "z"]
        .iter()
        .any(|e| last.ends_with(e))
    {
        format!("{last}es")
    } else if let Some(stem) = last.strip_suffix("man") {
        format!("{stem}men")
    } else {
        format!("{last}s")
    };
    format!("{head}{p}")
}

/// Reads an agent file into `dict` (as `agent` phrases); returns its defects and records every
/// agent code in `codes`.
pub fn read_agents(
    file: &str,
    text: &str,
    dialect: Dialect,
    dict: &mut ActorDictionary,
    codes: &mut HashSet<String>,
    prefix_codes: &mut HashSet<String>,
) -> Vec<Diagnostic> {
    let file_name: Arc<str> = Arc::from(file);
    let mut diags = Vec::new();
    let mut substitutions: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (line_no, line, _) in clean_lines(text, dialect) {
        if line.is_empty() || (line.starts_with('<') && line.ends_with('>')) {
            continue;
        }
        if line.starts_with('!')
            && let Some((name, values)) = line.split_once('=')
        {
            substitutions.insert(
                name.trim().to_string(),
                values
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect(),
            );
            continue;
        }
        let (rest, blocks) = brackets(&line);
        let Some(code_text) = blocks.first() else {
            diags.push(Diagnostic::error(
                file,
                line_no,
                format!("agent '{rest}' has no [code]"),
            ));
            continue;
        };
        let code_text = code_text.trim();
        let bare = code_text.trim_matches('~').trim();
        if !code_text.contains('~') {
            diags.push(Diagnostic::warning(
                file,
                line_no,
                format!("agent code '[{code_text}]' has no '~'"),
            ));
        }
        let Some(code) = ActorCode::parse(&bare.to_uppercase()) else {
            diags.push(Diagnostic::error(
                file,
                line_no,
                format!("'{code_text}' is not an agent code"),
            ));
            continue;
        };
        codes.insert(code.as_str().to_string());
        if code_text.ends_with('~') && !code_text.starts_with('~') {
            prefix_codes.insert(code.as_str().to_string());
        }
        let (word, plurals) = match (rest.find('{'), rest.rfind('}')) {
            (Some(a), Some(b)) if a < b => (
                rest[..a].trim().to_string(),
                Some(
                    rest[a + 1..b]
                        .split_whitespace()
                        .map(phrase_text)
                        .collect::<Vec<_>>(),
                ),
            ),
            _ => (rest.clone(), None),
        };
        // "!MINST!_OF_SILLY_WALKS": one phrase per substitution value.
        let mut variants = vec![word.clone()];
        for (name, values) in &substitutions {
            if word.contains(name.as_str()) {
                variants = variants
                    .iter()
                    .flat_map(|v| values.iter().map(move |x| v.replace(name.as_str(), x)))
                    .collect();
            }
        }
        if variants.iter().any(|v| v.contains('!')) {
            diags.push(Diagnostic::error(
                file,
                line_no,
                format!("undefined substitution in '{word}'"),
            ));
            continue;
        }
        for v in variants {
            let singular = phrase_text(&v);
            if singular.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(singular.clone(), line_no) {
                diags.push(Diagnostic::warning(
                    file,
                    line_no,
                    format!("duplicate agent '{singular}' (first on line {first})"),
                ));
            }
            let mut phrases = vec![singular.clone()];
            match &plurals {
                Some(list) => phrases.extend(list.iter().cloned()),
                None => phrases.push(plural(&singular)),
            }
            for p in phrases {
                dict.add_phrase(
                    ActorKind::Agent,
                    code.clone(),
                    (None, None),
                    &p,
                    &file_name,
                    line_no,
                );
            }
        }
    }
    diags
}

/// Discard phrases: a sentence (or story) containing one is not coded.
#[derive(Debug, Clone, Default)]
pub struct Discards {
    /// Phrases that discard the sentence, as lower-case words.
    pub sentence: Vec<Vec<String>>,
    /// Phrases that discard the whole story (written with a leading `+`).
    pub story: Vec<Vec<String>>,
    /// TABARI actors coded `###`: they discard the sentence while in force.
    pub dated: Vec<DatedDiscard>,
}

/// A TABARI actor coded `###`, with the dates it is in force.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedDiscard {
    /// The name's words (the last one a stem).
    pub words: Vec<String>,
    /// First day in force.
    pub from: Option<NaiveDate>,
    /// First day no longer in force.
    pub to: Option<NaiveDate>,
    /// Ranges where the actor's other, dated codes apply instead.
    pub except: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

fn in_range(date: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    from.is_none_or(|f| f <= date) && to.is_none_or(|t| date < t)
}

/// Whether a discard matched a story or a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardLevel {
    /// The story is discarded.
    Story,
    /// The sentence is discarded.
    Sentence,
}

impl Discards {
    /// Like [`Discards::find`], and also the dated discards in force on `date`.
    pub fn find_on(&self, text: &str, date: Option<NaiveDate>) -> Option<(DiscardLevel, String)> {
        if let Some(hit) = self.find(text) {
            return Some(hit);
        }
        let words = discard_words(text);
        self.dated
            .iter()
            .filter(|d| {
                date.is_none_or(|day| {
                    in_range(day, d.from, d.to)
                        && !d.except.iter().any(|&(f, t)| in_range(day, f, t))
                })
            })
            .find(|d| {
                !d.words.is_empty()
                    && words.windows(d.words.len()).any(|w| {
                        w.iter()
                            .zip(&d.words)
                            .all(|(word, stem)| word.starts_with(stem.as_str()))
                    })
            })
            .map(|d| (DiscardLevel::Sentence, d.words.join(" ")))
    }

    /// The first discard phrase in `text` (whole words, any case), story discards first.
    pub fn find(&self, text: &str) -> Option<(DiscardLevel, String)> {
        let words = discard_words(text);
        let hit = |phrase: &Vec<String>| {
            !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase.as_slice())
        };
        for (level, list) in [
            (DiscardLevel::Story, &self.story),
            (DiscardLevel::Sentence, &self.sentence),
        ] {
            if let Some(p) = list.iter().find(|p| hit(p)) {
                return Some((level, p.join(" ")));
            }
        }
        None
    }
}

/// The lower-case words of a text, for discard matching.
fn discard_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Reads a discard file.
pub fn read_discards(file: &str, text: &str) -> (Discards, Vec<Diagnostic>) {
    let mut out = Discards::default();
    let mut diags = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (line_no, line, _) in clean_lines(text, Dialect::Petrarch) {
        let line = line.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (story, phrase) = match line.strip_prefix('+') {
            Some(p) => (true, p),
            None => (false, line),
        };
        let words: Vec<String> = phrase_text(phrase)
            .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if words.is_empty() {
            diags.push(Diagnostic::error(file, line_no, "empty discard phrase"));
            continue;
        }
        let key = words.join(" ");
        if let Some(first) = seen.insert(key.clone(), line_no) {
            diags.push(Diagnostic::warning(
                file,
                line_no,
                format!("duplicate discard '{key}' (first on line {first})"),
            ));
            continue;
        }
        if story {
            out.story.push(words);
        } else {
            out.sentence.push(words);
        }
    }
    (out, diags)
}

/// One issue phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueEntry {
    /// The `<ISSUE CATEGORY=...>` it sits in.
    pub category: String,
    /// The phrase as lower-case words (`n:` and `+` markers removed).
    pub phrase: String,
    /// The issue code; empty for `~` exclusions.
    pub code: String,
    /// Whether this is a `~` exclusion.
    pub exclude: bool,
    /// The line.
    pub line: u32,
}

/// Reads an issue file (`<ISSUE CATEGORY="X">` sections of `phrase [CODE]` and `~phrase`).
pub fn read_issues(file: &str, text: &str) -> (Vec<IssueEntry>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut category: Option<(String, u32)> = None;
    for (line_no, line, _) in clean_lines(text, Dialect::Petrarch) {
        if line.is_empty() {
            continue;
        }
        if line.to_uppercase().starts_with("<ISSUE") {
            if let Some((c, l)) = &category {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("issue '{c}' opened on line {l} is not closed"),
                ));
            }
            let name = line
                .split("CATEGORY=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string();
            category = Some((name, line_no));
            continue;
        }
        if line.to_uppercase().starts_with("</ISSUE") {
            category = None;
            continue;
        }
        let Some((cat, _)) = &category else {
            diags.push(Diagnostic::error(
                file,
                line_no,
                "issue phrase outside <ISSUE>",
            ));
            continue;
        };
        let clean = |s: &str| {
            s.split_whitespace()
                .map(|w| {
                    w.trim_start_matches("n:")
                        .trim_start_matches("v:")
                        .replace('+', " ")
                })
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        if let Some(ex) = line.strip_prefix('~') {
            out.push(IssueEntry {
                category: cat.clone(),
                phrase: clean(ex),
                code: String::new(),
                exclude: true,
                line: line_no,
            });
            continue;
        }
        // Without a code (COUNTEVENT issues), the phrase codes its category.
        let (rest, codes) = brackets(&line);
        let code = codes.first().map_or(cat.as_str(), |c| c.trim());
        if code.is_empty() || rest.is_empty() {
            diags.push(Diagnostic::error(
                file,
                line_no,
                format!("issue phrase '{line}' needs a phrase and a non-empty [CODE]"),
            ));
            continue;
        }
        out.push(IssueEntry {
            category: cat.clone(),
            phrase: clean(&rest),
            code: code.to_string(),
            exclude: false,
            line: line_no,
        });
    }
    if let Some((c, l)) = category {
        diags.push(Diagnostic::error(
            file,
            l,
            format!("issue '{c}' is never closed"),
        ));
    }
    (out, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_with_synonyms_dates_and_defects() {
        let text = "\
<!-- header -->
ERIADOR [ERI]
+ERIADORI
VLADIMIR_PUTIN_  # CountryInfo.txt
+PUTIN_
\t[RUSELI 700101 - 990809]
\t[RUSGOV >080508]
\t[RUSELI]
BADDATE [ABC 991301-000101]
NOCODE
ERIADOR [ERX]
BOROMIR [---]
";
        let mut dict = ActorDictionary::new();
        let diags = read_actors(
            "a.txt",
            text,
            Dialect::Petrarch,
            &mut dict,
            &mut SeenPhrases::default(),
            &mut Discards::default(),
        );
        let got: Vec<(u32, &str)> = diags.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].0, 9);
        assert!(got[0].1.contains("malformed date"));
        assert_eq!(got[1].0, 9); // BADDATE then has no code left
        assert_eq!(got[2], (10, "actor 'nocode' has no code"));
        assert!(got[3].1.starts_with("duplicate actor 'eriador'"));
        let putin: Vec<_> = dict
            .entries()
            .iter()
            .filter(|e| e.phrase == "putin")
            .collect();
        assert_eq!(putin.len(), 3);
        assert_eq!(putin[2].code.as_str(), "RUSELI");
        assert!(putin[2].from.is_none());
        assert_eq!(putin[1].from.unwrap().to_string(), "2008-05-08");
        assert_eq!(dict.entries()[0].kind, ActorKind::Country);
    }

    #[test]
    fn tabari_names_without_a_final_underscore_are_stems() {
        use crate::text::{Lemmatizer, make_token, token_spans};
        let mut dict = ActorDictionary::new();
        let diags = read_actors(
            "t.actors",
            "ARGENTIN [ARG] ;c\nARNOR_ [ARN]\nMOUSE= [MUS]\n",
            Dialect::Tabari,
            &mut dict,
            &mut SeenPhrases::default(),
            &mut Discards::default(),
        );
        assert!(diags.is_empty(), "{diags:?}");
        let text = "Argentina and Arnorian Arnor, Arnors, Mouse and Mouses";
        let lem = Lemmatizer::default();
        let tokens: Vec<_> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        let found: Vec<(String, String)> = dict
            .find_mentions(&tokens, text, None, &HashSet::new())
            .into_iter()
            .map(|m| (text[m.span.range()].to_string(), m.code.to_string()))
            .collect();
        assert_eq!(
            found,
            [
                ("Argentina".to_string(), "ARG".to_string()),
                ("Arnor".to_string(), "ARN".to_string()),
                // A final "_" takes the noun ending S; a final "=" matches exactly.
                ("Arnors".to_string(), "ARN".to_string()),
                ("Mouse".to_string(), "MUS".to_string())
            ]
        );
        // A compound code gives one mention per member over the same words.
        let mut dict = ActorDictionary::new();
        read_actors(
            "p.txt",
            "LORIEN [ELR/GAL]\n",
            Dialect::Petrarch,
            &mut dict,
            &mut SeenPhrases::default(),
            &mut Discards::default(),
        );
        let text = "Lorien";
        let tokens: Vec<_> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        let codes: Vec<String> = dict
            .find_mentions(&tokens, text, None, &HashSet::new())
            .into_iter()
            .map(|m| m.code.to_string())
            .collect();
        assert_eq!(codes, ["ELR", "GAL"]);
    }

    #[test]
    fn tabari_names_with_spaces_match_across_a_gap_and_null_stints_code_nothing() {
        use crate::text::{Lemmatizer, make_token, token_spans};
        let mut dict = ActorDictionary::new();
        let diags = read_actors(
            "t.actors",
            "PRINCE DOL_AMROTH [--- <950630] [DOL]\nAL GORE [TEN]\nAL_GORE_ [AGR]\nGONDOR_ [GON]\n",
            Dialect::Tabari,
            &mut dict,
            &mut SeenPhrases::default(),
            &mut Discards::default(),
        );
        assert!(diags.is_empty(), "{diags:?}");
        let lem = Lemmatizer::default();
        let found = |text: &str, date: &str| -> Vec<(String, String)> {
            let tokens: Vec<_> = token_spans(text, 0..text.len())
                .into_iter()
                .map(|s| make_token(text, s, &lem))
                .collect();
            let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok();
            dict.find_mentions(&tokens, text, date, &HashSet::new())
                .into_iter()
                .map(|m| (text[m.span.range()].to_string(), m.code.to_string()))
                .collect()
        };
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            found("the Prince of Dol_Amroth in Gondor", "1999-08-09"),
            [pair("Prince of Dol_Amroth", "DOL"), pair("Gondor", "GON")]
        );
        // Before the null stint ends the name is no actor.
        assert_eq!(
            found("the Prince of Dol Amroth in Gondor", "1995-01-01"),
            [pair("Gondor", "GON")]
        );
        // Adjacent words prefer the connected name; a gap never crosses a comma.
        assert_eq!(found("Al Gore", "1999-01-01"), [pair("Al Gore", "AGR")]);
        assert_eq!(
            found("Al \"The Weasel\" Gore", "1999-01-01"),
            [pair("Al \"The Weasel\" Gore", "TEN")]
        );
        assert!(found("Prince Rupert, of Dol Amroth", "1999-01-01").is_empty());
    }

    #[test]
    fn tabari_discard_codes_are_dated() {
        let mut dict = ActorDictionary::new();
        let mut discards = Discards::default();
        let diags = read_actors(
            "t.actors",
            "ONODOHER  [ONO <911226] [###]\nNASGUL [###]\n",
            Dialect::Tabari,
            &mut dict,
            &mut SeenPhrases::default(),
            &mut discards,
        );
        assert!(diags.is_empty(), "{diags:?}");
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let text = "Onodoher crowds burned it";
        assert!(discards.find_on(text, day("1991-01-01")).is_none());
        assert!(discards.find_on(text, day("1995-01-01")).is_some());
        assert!(
            discards
                .find_on("Nasguls rode", day("1991-01-01"))
                .is_some()
        );
        assert_eq!(dict.len(), 1);
    }

    #[test]
    fn agents_plurals_and_substitutions() {
        let text = "!PERSON! = MAN, WOMAN\nPRESIDENT [~GOV]\nPOLICE {} [ ~COP]\nATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~GOV]\nCONGRESS!PERSON! [~LEG]\nMSF {} [NGO~]\nPARTY [~OPP]\nNOCODE\nX!FOO! [~GOV]\n";
        let mut dict = ActorDictionary::new();
        let mut codes = HashSet::new();
        let mut prefix = HashSet::new();
        let diags = read_agents(
            "g.txt",
            text,
            Dialect::Petrarch,
            &mut dict,
            &mut codes,
            &mut prefix,
        );
        assert_eq!(prefix.into_iter().collect::<Vec<_>>(), ["NGO"]);
        let phrases: Vec<&str> = dict.entries().iter().map(|e| e.phrase.as_str()).collect();
        assert_eq!(
            phrases,
            [
                "president",
                "presidents",
                "police",
                "attorney general",
                "attorneys general",
                "congressman",
                "congressmen",
                "congresswoman",
                "congresswomen",
                "msf",
                "party",
                "parties"
            ]
        );
        let lines: Vec<u32> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [8, 9]);
        assert!(codes.contains("GOV") && codes.contains("NGO"));
    }

    #[test]
    fn discards_and_issues() {
        let (d, diags) = read_discards(
            "d.txt",
            "# c\nMONTHS LATER\n+Manchester United  # x\nMONTHS LATER\n",
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 4);
        assert_eq!(
            d.find("Fans of manchester united cheered").unwrap().0,
            DiscardLevel::Story
        );
        assert_eq!(
            d.find("Months later, it rained").unwrap().0,
            DiscardLevel::Sentence
        );
        assert!(d.find("Nothing here").is_none());
        let (issues, diags) = read_issues(
            "i.txt",
            "<ISSUE CATEGORY=\"EDUCATION\" TYPE=\"ALL\">\nn:preschool [EARLY]\n~a head start\nbroken [ ]\n</ISSUE>\nstray [X]\n",
        );
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].phrase, "preschool");
        let lines: Vec<u32> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [4, 6]);
    }
}
