//! CAMEO event codes and what they map to: names, Goldstein scores, quad class, PLOVER.
//!
//! The table is generated from `../shared/data/cameo` by `tools/gen_cameo.py` and embedded. GDELT's
//! Goldstein table is the default; Schrodt's (as used by the Phoenix pipeline) is selectable.

use std::collections::HashMap;
use std::fmt;

/// TABARI's discard code (see [`CameoCode::parse_foreign`]).
pub const DISCARD_CODE: &str = "###";

/// TABARI's complex code: a pattern coded `+++` marks the sentence as too complex to code
/// automatically (TABARI sets it aside for a person), so, like `###`, nothing is coded from it.
pub const COMPLEX_CODE: &str = "+++";

/// Whether a code is TABARI's `###` or `+++`: a sentence where one fires gives no events.
pub fn is_uncoded_marker(code: &str) -> bool {
    code == DISCARD_CODE || code == COMPLEX_CODE
}

/// A CAMEO event code such as `057` or `0332`: two to four digits, leading zero kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CameoCode(String);

impl CameoCode {
    /// Parses a code: two to four ASCII digits whose root is 01 to 20.
    pub fn parse(s: &str) -> Option<CameoCode> {
        let ok = (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        let root: u32 = s.get(..2)?.parse().ok()?;
        (ok && (1..=20).contains(&root)).then(|| CameoCode(s.to_string()))
    }

    /// Parses a code from a foreign dictionary that need not be CAMEO: two to eight ASCII letters
    /// or digits (the PETRARCH and TABARI validation dictionaries use WEIS codes such as `223`
    /// and `174K`). The caller reports codes that are not in the [`CameoTable`].
    /// `###` (discard) and `+++` (complex) are TABARI's: a sentence where one fires is not
    /// coded.
    pub fn parse_foreign(s: &str) -> Option<CameoCode> {
        (is_uncoded_marker(s)
            || ((2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())))
        .then(|| CameoCode(s.to_string()))
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-digit root (`05` for `057`).
    pub fn root(&self) -> &str {
        &self.0[..2]
    }

    /// The root as a number, 1 to 20.
    pub fn root_number(&self) -> u8 {
        self.root().parse().unwrap_or(0)
    }

    /// GDELT's quad class: 1 verbal cooperation (01-05), 2 material cooperation (06-08),
    /// 3 verbal conflict (09-13), 4 material conflict (14-20).
    pub fn quad_class(&self) -> u8 {
        match self.root_number() {
            1..=5 => 1,
            6..=8 => 2,
            9..=13 => 3,
            _ => 4,
        }
    }
}

impl fmt::Display for CameoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which Goldstein table to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GoldsteinScale {
    /// GDELT's table (the default).
    #[default]
    Gdelt,
    /// Schrodt's table, as the Phoenix pipeline uses it.
    Schrodt,
}

/// What the table knows about one code.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeInfo {
    /// The CAMEO name (`Sign formal agreement`).
    pub name: String,
    /// GDELT's Goldstein score.
    pub goldstein_gdelt: f32,
    /// Schrodt's Goldstein score.
    pub goldstein_schrodt: f32,
    /// PLOVER event type (`AGREE`), empty where CAMEO 2021 gives none (roots 01 and 02).
    pub plover_event: String,
    /// PLOVER mode, possibly empty.
    pub plover_mode: String,
    /// PLOVER context, possibly empty.
    pub plover_context: String,
}

/// Every CAMEO code with its names and scores.
#[derive(Debug, Clone)]
pub struct CameoTable {
    codes: HashMap<String, CodeInfo>,
}

/// The embedded table.
pub const EMBEDDED_TABLE: &str = include_str!("../data/cameo.tsv");

impl CameoTable {
    /// The embedded table.
    pub fn embedded() -> CameoTable {
        CameoTable::parse(EMBEDDED_TABLE)
    }

    /// Parses a table in the `cameo.tsv` layout.
    pub fn parse(text: &str) -> CameoTable {
        let mut codes = HashMap::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 7 {
                continue;
            }
            codes.insert(
                f[0].to_string(),
                CodeInfo {
                    name: f[1].to_string(),
                    goldstein_gdelt: f[2].parse().unwrap_or(0.0),
                    goldstein_schrodt: f[3].parse().unwrap_or(0.0),
                    plover_event: f[4].to_string(),
                    plover_mode: f[5].to_string(),
                    plover_context: f[6].to_string(),
                },
            );
        }
        CameoTable { codes }
    }

    /// What the table knows of `code`, if it is a CAMEO code.
    pub fn get(&self, code: &CameoCode) -> Option<&CodeInfo> {
        self.codes.get(code.as_str())
    }

    /// Whether `code` is in the table.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains_key(code)
    }

    /// The Goldstein score of `code` on `scale` (0 for an unknown code).
    pub fn goldstein(&self, code: &CameoCode, scale: GoldsteinScale) -> f32 {
        self.get(code).map_or(0.0, |i| match scale {
            GoldsteinScale::Gdelt => i.goldstein_gdelt,
            GoldsteinScale::Schrodt => i.goldstein_schrodt,
        })
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_with_their_leading_zero() {
        let code = CameoCode::parse("057").unwrap();
        assert_eq!((code.root(), code.quad_class()), ("05", 1));
        assert_eq!(CameoCode::parse("195").unwrap().quad_class(), 4);
        assert!(CameoCode::parse("57").is_none());
        assert!(CameoCode::parse("21").is_none());
        assert!(CameoCode::parse("0a1").is_none());
    }

    #[test]
    fn embedded_table_has_every_root_and_scores() {
        let table = CameoTable::embedded();
        for root in 1..=20 {
            assert!(
                table.contains(&format!("{root:02}")),
                "root {root:02} missing"
            );
        }
        let treaty = table.get(&CameoCode::parse("057").unwrap()).unwrap();
        assert_eq!(treaty.goldstein_gdelt, 8.0);
        assert_eq!(
            table.goldstein(&CameoCode::parse("129").unwrap(), GoldsteinScale::Schrodt),
            -4.0
        );
    }
}
