//! Compatibility with PETRARCH-2 and TABARI: their dictionary formats and validation suites.
//!
//! Every reader here is a pure function from a file's text to a structure plus diagnostics
//! (file and line); nothing reads files. The readers convert into Redline's own
//! [`VerbDictionary`](crate::verbs::VerbDictionary) and
//! [`ActorDictionary`](crate::actors::ActorDictionary), so the coder never knows where a pattern
//! came from, and foreign dictionaries mix with the embedded ones.
//!
//! * [`verbs`]: PETRARCH-2's `CAMEO.2.0.txt` and the older TABARI-style verb files (synsets with
//!   `&`, patterns with `*`, `+`, `$`, `%`, `^`, multi-word and irregular verbs, `[code]` and
//!   `[a:b]` codes).
//! * [`actors`]: actors (names, `+` synonyms, dated codes), agents (`~` codes, plural rules,
//!   `!X!` substitutions), discards and issues.
//! * [`options`]: TABARI's `.options` file and `OPTION:` commands (minimum words, default
//!   actors).
//! * [`validation`]: PETRARCH's XML unit-test records, TABARI's `Validate.text` records, and the
//!   scoring of coded events against them.

pub mod actors;
pub mod options;
pub mod validation;
pub mod verbs;

use crate::coder::Dictionaries;
use crate::diag::Diagnostic;

/// Which program's conventions a file follows. They differ in comments (`#` against `;`) and in
/// how a verb block starts (a `--- NAME [code] ---` header against a verb line with a code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PETRARCH-2 (`#` comments, `<!-- -->` blocks, `---` block headers).
    Petrarch,
    /// TABARI (`;` comments, a verb line with a code starts a block).
    Tabari,
}

/// The files of one foreign dictionary set, as (name, text) pairs, by role.
#[derive(Debug, Clone, Default)]
pub struct ForeignFiles<'a> {
    /// Verb-pattern files.
    pub verbs: Vec<(&'a str, &'a str)>,
    /// Actor files.
    pub actors: Vec<(&'a str, &'a str)>,
    /// Agent files.
    pub agents: Vec<(&'a str, &'a str)>,
    /// Discard files.
    pub discards: Vec<(&'a str, &'a str)>,
    /// Issue files.
    pub issues: Vec<(&'a str, &'a str)>,
}

/// What a foreign set adds beyond actors and verbs: discards, issues, and the agent codes (so
/// a caller can tell a bare agent from an actor).
#[derive(Debug, Clone, Default)]
pub struct ForeignExtras {
    /// Sentence and story discards.
    pub discards: actors::Discards,
    /// Issue phrases.
    pub issues: Vec<actors::IssueEntry>,
    /// Every agent code the agent files define (`GOV`, `GOVPRS`).
    pub agent_codes: std::collections::HashSet<String>,
    /// The agent codes written before the country (TABARI's `[NGM~]`): a bare one is written
    /// `NGM`, not `~NGM`.
    pub prefix_agent_codes: std::collections::HashSet<String>,
    /// TABARI's `<TIME>` phrases coded `[###]`: they discard a sentence under `SET: TIME SHIFT`.
    pub time_discards: actors::Discards,
}

/// Adds a foreign dictionary set to `dicts`; returns the extras and every defect found.
pub fn load_foreign(
    dicts: &mut Dictionaries,
    files: &ForeignFiles,
    dialect: Dialect,
) -> (ForeignExtras, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut extras = ForeignExtras::default();
    let mut seen = actors::SeenPhrases::default();
    for (name, text) in &files.verbs {
        let (file, d) = verbs::read_verbs(name, text, dialect);
        diags.extend(d);
        extras
            .time_discards
            .sentence
            .extend(file.time_discards.iter().cloned());
        diags.extend(verbs::add_to(
            &file,
            &mut dicts.verbs,
            &dicts.cameo,
            name,
            dialect,
        ));
    }
    for (name, text) in &files.actors {
        diags.extend(actors::read_actors(
            name,
            text,
            dialect,
            &mut dicts.actors,
            &mut seen,
            &mut extras.discards,
        ));
    }
    for (name, text) in &files.agents {
        diags.extend(actors::read_agents(
            name,
            text,
            dialect,
            &mut dicts.actors,
            &mut extras.agent_codes,
            &mut extras.prefix_agent_codes,
        ));
    }
    for (name, text) in &files.discards {
        let (d, ds) = actors::read_discards(name, text);
        extras.discards.sentence.extend(d.sentence);
        extras.discards.story.extend(d.story);
        diags.extend(ds);
    }
    for (name, text) in &files.issues {
        let (entries, ds) = actors::read_issues(name, text);
        extras.issues.extend(entries);
        diags.extend(ds);
    }
    (extras, diags)
}

/// The lines of a file with comments removed: `<!-- -->` blocks (which may span lines) always,
/// and `#` (PETRARCH) or `;` (TABARI) to the end of the line. Yields (1-based line, content,
/// whether the line held a comment and nothing else).
pub(crate) fn clean_lines(text: &str, dialect: Dialect) -> Vec<(u32, String, bool)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (idx, raw) in text.lines().enumerate() {
        let mut line = String::new();
        let mut rest = raw;
        let mut had_comment = in_block;
        loop {
            if in_block {
                match rest.find("-->") {
                    Some(k) => {
                        rest = &rest[k + 3..];
                        in_block = false;
                    }
                    None => break,
                }
            } else {
                match rest.find("<!--") {
                    Some(k) => {
                        line.push_str(&rest[..k]);
                        rest = &rest[k + 4..];
                        in_block = true;
                        had_comment = true;
                    }
                    None => {
                        line.push_str(rest);
                        break;
                    }
                }
            }
        }
        let marks: &[char] = match dialect {
            Dialect::Petrarch => &['#'],
            Dialect::Tabari => &[';', '#'],
        };
        if let Some(k) = line.find(marks) {
            // A TABARI-style "#" at the start of a line comments it out; PETRARCH's "#" anywhere.
            if dialect == Dialect::Petrarch || line[k..].starts_with(';') || k == 0 {
                line.truncate(k);
                had_comment = true;
            }
        }
        let trimmed = line.trim().to_string();
        let comment_only = had_comment && trimmed.is_empty();
        out.push((idx as u32 + 1, trimmed, comment_only));
    }
    out
}

/// A dictionary phrase (`ARNOR_`, `PRESIDENT_GEORGE_W._BUSH`, `CARAS GALADHON`) as Redline
/// phrase text: underscores become spaces, lower case so that it matches any capitalisation as
/// PETRARCH does.
pub(crate) fn phrase_text(s: &str) -> String {
    s.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A TABARI actor name as Redline phrase text: `_` joins words that must be adjacent, a space
/// separates parts that other words may come between (`PRINCE DOL_AMROTH` matches "the Prince
/// of Dol Amroth"), which Redline's actor trie writes `prince ... dol amroth`.
pub(crate) fn gapped_phrase_text(s: &str) -> String {
    s.split_whitespace()
        .map(phrase_text)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ... ")
}

/// Parses a PETRARCH/TABARI date: `YYMMDD` (years below 30 are 20xx) or `YYYYMMDD`.
pub(crate) fn parse_compact_date(s: &str) -> Option<chrono::NaiveDate> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = match s.len() {
        6 => {
            let yy: i32 = s[..2].parse().ok()?;
            (
                if yy < 30 { 2000 + yy } else { 1900 + yy },
                &s[2..4],
                &s[4..6],
            )
        }
        8 => (s[..4].parse().ok()?, &s[4..6], &s[6..8]),
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_removed_and_line_numbers_kept() {
        let lines = clean_lines("a # x\n<!-- b\nc --> d\n# only\ne", Dialect::Petrarch);
        let got: Vec<(u32, &str, bool)> =
            lines.iter().map(|(n, s, c)| (*n, s.as_str(), *c)).collect();
        assert_eq!(
            got,
            [
                (1, "a", false),
                (2, "", true),
                (3, "d", false),
                (4, "", true),
                (5, "e", false)
            ]
        );
        assert_eq!(clean_lines("X [Y] ;c", Dialect::Tabari)[0].1, "X [Y]");
    }

    #[test]
    fn compact_dates_have_a_century_pivot() {
        assert_eq!(
            parse_compact_date("991201").unwrap().to_string(),
            "1999-12-01"
        );
        assert_eq!(
            parse_compact_date("080507").unwrap().to_string(),
            "2008-05-07"
        );
        assert_eq!(
            parse_compact_date("20000507").unwrap().to_string(),
            "2000-05-07"
        );
        assert!(parse_compact_date("991301").is_none());
        assert!(parse_compact_date("99120").is_none());
    }
}
