//! TABARI's options: the `.options` file a project names and the `{ OPTION: ... }` records of
//! `Validate.text`, which change them between records.
//!
//! What is implemented: `SET: MINIMUM WORDS` (a record with fewer words is not coded; 8 by
//! default, as in TABARI) and `DEFAULT: SOURCE [X] [PRIOR] TARGET [Y] [AFTER]` / `DEFAULT: OFF`
//! (default actors, carried out by the coder through
//! [`DefaultActors`](crate::coder::DefaultActors)), `FORWARD:` (pronouns across the records
//! of a story), `SET: TIME SHIFT` (the `<TIME>` discards only) and `COMMA:` (comma-delimited clauses left out by length, through
//! [`CommaClauses`](crate::coder::CommaClauses); on with TABARI's defaults unless `COMMA: OFF`). Commands that only change TABARI's output,
//! menus or logs (`LABEL:`, `OUTPUT:`, `COMPLEX:`, the `USAGE` and `SKIP RECORDS` switches) are
//! read and have no effect; so are those Redline does not carry out yet (`CODE BY SENTENCE`,
//! `CODE ALL`, `CONVERT AGENT`, `YYYY`, `ALLCAPS`), which are kept in
//! [`TabariOptions::unimplemented`] so a caller can say so. Anything else is an error.

use crate::actors::ActorCode;
use crate::coder::{CommaClauses, DefaultActors};
use crate::diag::Diagnostic;

/// TABARI's minimum number of words for a record to be coded.
pub const DEFAULT_MIN_WORDS: usize = 8;

/// The options in force for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabariOptions {
    /// `SET: MINIMUM WORDS = n`: records with fewer words are not coded.
    pub min_words: usize,
    /// `DEFAULT:` actors.
    pub defaults: DefaultActors,
    /// `FORWARD:` (and not `FORWARD: ... OFF`): records of one story are coded in order, and a
    /// pronoun stands for the first actor of the record before (see
    /// [`Config::forward_pronouns`](crate::coder::Config::forward_pronouns)). The pattern that
    /// TABARI reads story and sentence numbers with is not interpreted: a story is a run of
    /// records whose ids differ only after the last `-`.
    pub forward: bool,
    /// `SET: TIME SHIFT = TRUE`: the verb file's `<TIME>` phrases apply; of them Redline
    /// carries out the discards (`[###]`), not the date shifts.
    pub time_shift: bool,
    /// `COMMA:` limits (TABARI's defaults unless changed; `COMMA: OFF` is `None`).
    pub comma: Option<CommaClauses>,
    /// Options read but not carried out, as written (`SET: CODE ALL`), latest last; an option
    /// switched back off (`COMMA: OFF`) leaves the list.
    pub unimplemented: Vec<String>,
}

impl Default for TabariOptions {
    fn default() -> TabariOptions {
        TabariOptions {
            min_words: DEFAULT_MIN_WORDS,
            defaults: DefaultActors::default(),
            forward: false,
            time_shift: false,
            comma: Some(CommaClauses::default()),
            unimplemented: Vec::new(),
        }
    }
}

impl TabariOptions {
    /// Applies one command (`SET: MINIMUM WORDS = 4`, `DEFAULT: OFF`); an error says what is
    /// wrong with it.
    pub fn apply(&mut self, command: &str) -> Result<(), String> {
        let command = command.trim();
        let Some((verb, rest)) = command.split_once(':') else {
            return Err(format!("'{command}' is not an option command (no ':')"));
        };
        let verb = verb.trim().to_uppercase();
        let rest = rest.trim();
        let upper = rest.to_uppercase();
        match verb.as_str() {
            "SET" => {
                let (name, value) = match upper.split_once('=') {
                    Some((n, v)) => (n.trim().to_string(), v.trim().to_string()),
                    None => (upper.trim().to_string(), String::new()),
                };
                match name.as_str() {
                    "MINIMUM WORDS" => {
                        self.min_words = value
                            .parse()
                            .map_err(|_| format!("'{value}' is not a number of words"))?;
                    }
                    "SKIP RECORDS" | "VERB USAGE" | "ACTOR USAGE" | "AGENT USAGE"
                    | "DUP WARNING" | "LABEL" | "FBIS" | "CHECK DOMINANT" => {}
                    "CODE BY CLAUSE" | "CODE BY SENTENCE" | "CODE ALL" => {
                        self.unimplemented.retain(|o| !o.starts_with("SET: CODE"));
                        if name != "CODE BY CLAUSE" {
                            self.unimplemented.push(format!("SET: {name}"));
                        }
                    }
                    "TIME SHIFT" => self.time_shift = value == "TRUE",
                    "CONVERT AGENT" | "YYYY" | "ALLCAPS" => {
                        let key = format!("SET: {name}");
                        self.unimplemented.retain(|o| !o.starts_with(&key));
                        if value == "TRUE" {
                            self.unimplemented.push(format!("{key} = TRUE"));
                        }
                    }
                    _ => return Err(format!("unknown setting 'SET: {rest}'")),
                }
            }
            "DEFAULT" => self.defaults = read_default(rest)?,
            "FORWARD" => self.forward = !upper.split_whitespace().any(|w| w == "OFF"),
            "COMMA" => self.comma = read_comma(&upper, self.comma)?,
            "LABEL" | "OUTPUT" | "COMPLEX" => {}
            _ => return Err(format!("unknown option '{verb}:'")),
        }
        Ok(())
    }

    /// Whether `text` has fewer words than `SET: MINIMUM WORDS` asks (a word: a run of
    /// characters between spaces with a letter or digit in it).
    pub fn too_short(&self, text: &str) -> bool {
        let words = text
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
        words < self.min_words
    }
}

/// `MIN = 4 MAX = 6 EMIN = 3 EMAX = 6 BMIN = 3 BMAX = 8` (any of them; the others keep their
/// values, TABARI's defaults after `OFF`) or `OFF`.
fn read_comma(rest: &str, current: Option<CommaClauses>) -> Result<Option<CommaClauses>, String> {
    if rest.split_whitespace().any(|w| w == "OFF") {
        return Ok(None);
    }
    let mut limits = current.unwrap_or_default();
    let flat = rest.replace('=', " = ");
    let words: Vec<&str> = flat.split_whitespace().collect();
    let mut k = 0;
    while k < words.len() {
        let (Some(&"="), Some(value)) = (words.get(k + 1), words.get(k + 2)) else {
            return Err(format!("cannot read 'COMMA: {rest}'"));
        };
        let value: usize = value
            .parse()
            .map_err(|_| format!("'{value}' is not a number of words"))?;
        let slot = match words[k] {
            "MIN" => &mut limits.min,
            "MAX" => &mut limits.max,
            "EMIN" => &mut limits.end_min,
            "EMAX" => &mut limits.end_max,
            "BMIN" => &mut limits.begin_min,
            "BMAX" => &mut limits.begin_max,
            other => return Err(format!("'{other}' is not a COMMA: setting")),
        };
        *slot = value;
        k += 3;
    }
    Ok(Some(limits))
}

/// `SOURCE [X] PRIOR TARGET [Y] AFTER`, any part left out, or `OFF`.
fn read_default(rest: &str) -> Result<DefaultActors, String> {
    let mut out = DefaultActors::default();
    let mut words = rest.split_whitespace().peekable();
    while let Some(word) = words.next() {
        match word.to_uppercase().as_str() {
            "OFF" => return Ok(DefaultActors::default()),
            role @ ("SOURCE" | "TARGET") => {
                let Some(code) = words.next() else {
                    return Err(format!("DEFAULT: {role} without a [code]"));
                };
                let inner = code.trim_start_matches('[').trim_end_matches(']');
                let code = ActorCode::parse(&inner.to_uppercase())
                    .ok_or_else(|| format!("'{code}' is not an actor code"))?;
                if role == "SOURCE" {
                    out.source = Some(code);
                } else {
                    out.target = Some(code);
                }
            }
            "PRIOR" => out.source_prior = true,
            "AFTER" => out.target_after = true,
            other => return Err(format!("'{other}' is not part of a DEFAULT: option")),
        }
    }
    Ok(out)
}

/// Reads a TABARI `.options` file; every line it cannot read is a diagnostic, and the rest
/// still applies. `//` starts a comment; a line of `~~` ends the file, as in TABARI's other
/// files.
pub fn read_options(file: &str, text: &str) -> (TabariOptions, Vec<Diagnostic>) {
    let mut options = TabariOptions::default();
    let mut diags = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.starts_with("~~") {
            break;
        }
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Err(e) = options.apply(line) {
            diags.push(Diagnostic::error(file, k as u32 + 1, e));
        }
    }
    (options, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_file_and_commands() {
        let (mut o, diags) = read_options(
            "v.options",
            "// comment\nCOMPLEX: VERBS[5] CONJ[4]\nSET: MINIMUM WORDS = 5\nLABEL: 010=YIELD\nSET: BOGUS = 1\n~~~~~\nnot read\n",
        );
        assert_eq!(o.min_words, 5);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 5);
        assert!(o.too_short("Gondor's planes attacked Osgiliath ."));
        assert!(!o.too_short("Gondor's planes attacked Osgiliath on Friday."));
        o.apply("DEFAULT: SOURCE [DEFSRC] PRIOR TARGET [DEFTAR]")
            .unwrap();
        assert_eq!(o.defaults.source.as_ref().unwrap().as_str(), "DEFSRC");
        assert!(o.defaults.source_prior && !o.defaults.target_after);
        o.apply("DEFAULT: OFF").unwrap();
        assert_eq!(o.defaults, DefaultActors::default());
        o.apply("SET: CODE ALL").unwrap();
        assert_eq!(o.comma, Some(CommaClauses::default()));
        o.apply("COMMA: MIN = 4 MAX = 6 BMIN = 3 BMAX = 8}")
            .unwrap_err();
        o.apply("COMMA: MIN = 4 MAX = 6 BMIN = 3 BMAX = 8").unwrap();
        let comma = o.comma.unwrap();
        assert_eq!(
            (comma.min, comma.max, comma.end_max, comma.begin_max),
            (4, 6, 10, 8)
        );
        o.apply("FORWARD: ^^*****NNN*SSS").unwrap();
        assert!(o.forward);
        assert_eq!(o.unimplemented, ["SET: CODE ALL"]);
        o.apply("SET: CODE BY CLAUSE").unwrap();
        o.apply("COMMA: OFF").unwrap();
        assert_eq!(o.comma, None);
        o.apply("FORWARD: ^^*****NNN*SSS OFF").unwrap();
        assert!(o.unimplemented.is_empty() && !o.forward);
        o.apply("SET: TIME SHIFT = TRUE").unwrap();
        assert!(o.time_shift);
        assert!(o.apply("DEFAULT: SOURCE").is_err());
    }
}
