//! Validation suites: PETRARCH's XML unit-test records and TABARI's `Validate.text`, and the
//! scoring of coded events against their expectations.
//!
//! Reading never fails: a record that cannot be read becomes a [`Record`] with
//! [`Expected::Malformed`], which the runner counts as failed, plus a diagnostic.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::options::TabariOptions;
use super::parse_compact_date;
use crate::diag::Diagnostic;

/// One expected (or produced) event: source, target and code as strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Triple {
    /// Source code (`ARN`, `---` for none).
    pub source: String,
    /// Target code.
    pub target: String,
    /// Event code.
    pub code: String,
}

/// What a record expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// These events, no more, no fewer.
    Events(Vec<Triple>),
    /// No event at all.
    NoEvents,
    /// An error of this kind (`storydiscard`, `sentencediscard`, `bad_input_parse`, `dateline`):
    /// no event may be produced.
    Error(String),
    /// The record could not be read; it counts as failed.
    Malformed(String),
}

/// One validation record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The record id (`DEMO-01`).
    pub id: String,
    /// Its category (`DEMO`, `COMPOUND`; TABARI: the id's prefix).
    pub category: String,
    /// The record's date.
    pub date: Option<NaiveDate>,
    /// The text to code.
    pub text: String,
    /// What coding must give.
    pub expected: Expected,
    /// `<Config>` options in force when it runs (PETRARCH).
    pub options: BTreeMap<String, String>,
    /// The line it starts on.
    pub line: u32,
    /// TABARI: the options in force when it runs (the `.options` file changed by the
    /// `{ OPTION: ... }` records before it).
    pub tabari: Option<TabariOptions>,
}

/// A read suite.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    /// Dictionary files the suite names, by role (`verbs`, `actors`, `agents`, `discards`).
    pub environment: Vec<(String, String)>,
    /// The categories the suite runs (PETRARCH's `<Include>`); empty for all.
    pub include: Vec<String>,
    /// The records that run.
    pub records: Vec<Record>,
    /// Records present but not run (category not included, or after TABARI's final record).
    pub skipped: usize,
}

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset].bytes().filter(|&b| b == b'\n').count() as u32 + 1
}

/// Removes `<!-- -->` comments, keeping offsets (each comment byte becomes a space or newline).
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(a) = rest.find("<!--") {
        out.push_str(&rest[..a]);
        let end = rest[a..].find("-->").map_or(rest.len(), |b| a + b + 3);
        for c in rest[a..end].chars() {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The value of `name="..."` (or `name = '...'`) in a tag's attribute text.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while let Some(k) = rest.find(name) {
        let after = rest[k + name.len()..].trim_start();
        let boundary = k == 0 || !rest.as_bytes()[k - 1].is_ascii_alphanumeric();
        if boundary && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let quote = v.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = v[1..].find(quote)?;
                return Some(v[1..1 + end].to_string());
            }
        }
        rest = &rest[k + name.len()..];
    }
    None
}

/// Inner text of the first `<tag>...</tag>` in `s`.
fn element<'a>(s: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let a = s.find(&open)? + open.len();
    let b = s[a..].find(&close)? + a;
    Some(&s[a..b])
}

/// Reads PETRARCH's XML validation records (the subset its unit-test file uses).
pub fn read_petrarch_records(file: &str, text: &str) -> (Suite, Vec<Diagnostic>) {
    let clean = blank_comments(text);
    let mut suite = Suite::default();
    let mut diags = Vec::new();
    if let Some(env) = element(&clean, "Environment") {
        for (tag, role) in [
            ("Verbfile", "verbs"),
            ("Actorfile", "actors"),
            ("Agentfile", "agents"),
            ("Discardfile", "discards"),
            ("Issuefile", "issues"),
        ] {
            if let Some(v) = element(env, tag) {
                for name in v.split(',') {
                    suite
                        .environment
                        .push((role.to_string(), name.trim().to_string()));
                }
            }
        }
        if let Some(inc) = element(env, "Include") {
            suite.include = inc.split_whitespace().map(str::to_string).collect();
        }
    } else {
        diags.push(Diagnostic::error(
            file,
            1,
            "no <Environment> naming the dictionaries",
        ));
    }
    let mut options: BTreeMap<String, String> = BTreeMap::new();
    let mut pos = clean.find("<Sentences>").unwrap_or(0);
    loop {
        let next_sentence = clean[pos..].find("<Sentence ").map(|k| pos + k);
        let next_config = clean[pos..].find("<Config ").map(|k| pos + k);
        let next_stop = clean[pos..].find("<Stop>").map(|k| pos + k);
        let first = [next_sentence, next_config, next_stop]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = first else { break };
        if Some(at) == next_stop {
            break;
        }
        let tag_end = clean[at..].find('>').map_or(clean.len(), |k| at + k);
        let attrs = &clean[at..tag_end];
        if Some(at) == next_config {
            match (attribute(attrs, "option"), attribute(attrs, "value")) {
                (Some(o), Some(v)) => {
                    options.insert(o, v.to_lowercase());
                }
                _ => diags.push(Diagnostic::error(
                    file,
                    line_of(&clean, at),
                    "<Config> needs option and value",
                )),
            }
            pos = tag_end;
            continue;
        }
        let line = line_of(&clean, at);
        let end = clean[tag_end..]
            .find("</Sentence>")
            .map_or(clean.len(), |k| tag_end + k);
        let body = &clean[tag_end.min(end)..end];
        pos = end;
        let id = attribute(attrs, "id").unwrap_or_else(|| format!("line-{line}"));
        let category = attribute(attrs, "category").unwrap_or_default();
        if !suite.include.is_empty() && !suite.include.contains(&category) {
            suite.skipped += 1;
            continue;
        }
        let date = attribute(attrs, "date").and_then(|d| parse_compact_date(&d));
        let text = element(body, "Text")
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let mut events = Vec::new();
        let mut expected = None;
        let mut rest = body;
        while let Some(k) = rest.find("<EventCoding") {
            let e = rest[k..].find('>').map_or(rest.len(), |x| k + x);
            let a = &rest[k..e];
            if attribute(a, "noevents").is_some() {
                expected = Some(Expected::NoEvents);
            } else if let Some(err) = attribute(a, "error") {
                expected = Some(Expected::Error(err));
            } else {
                match (
                    attribute(a, "sourcecode"),
                    attribute(a, "targetcode"),
                    attribute(a, "eventcode"),
                ) {
                    (Some(s), Some(t), Some(c)) => events.push(Triple {
                        source: s,
                        target: t,
                        code: c,
                    }),
                    _ => {
                        expected = Some(Expected::Malformed(
                            "<EventCoding> without sourcecode, targetcode and eventcode"
                                .to_string(),
                        ))
                    }
                }
            }
            rest = &rest[e..];
        }
        let mut expected = match expected {
            Some(x) => x,
            None if !events.is_empty() => Expected::Events(events),
            None => Expected::Malformed("no <EventCoding>".to_string()),
        };
        if text.is_empty() {
            expected = Expected::Malformed("no <Text>".to_string());
        }
        if date.is_none() {
            expected = Expected::Malformed("missing or malformed date".to_string());
        }
        if let Expected::Malformed(m) = &expected {
            diags.push(Diagnostic::error(file, line, format!("record {id}: {m}")));
        }
        suite.records.push(Record {
            id,
            category,
            date,
            text,
            expected,
            options: options.clone(),
            line,
            tabari: None,
        });
    }
    (suite, diags)
}

/// Reads TABARI's `Validate.text`: records `YYMMDD  ID` then the text, then a `/* ... */`
/// comment holding the expected events `{ SRC / TGT / CODE }`. `{---}` expects no event;
/// `{+++}` and `{ OPTION: ... }` records are instructions, not tests; `-{...}` is an event
/// switched off (TABARI ignores it, so a record with only those expects no event). Reading stops after `FINAL-01`, the end of the standard records.
/// `options` (from the project's `.options` file) are in force at the start; each record carries
/// the options in force when it runs, and an `OPTION:` that cannot be read is a diagnostic.
pub fn read_tabari_records(
    file: &str,
    text: &str,
    options: TabariOptions,
) -> (Suite, Vec<Diagnostic>) {
    let mut options = options;
    let mut suite = Suite::default();
    let mut diags = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut k = 0;
    let mut finished = false;
    while k < lines.len() {
        let line = lines[k];
        // A record starts with its date: YYMMDD, or YYYYMMDD under `SET: YYYY = TRUE` (a
        // malformed date still starts a record, which then has no date).
        let is_date = |h: &str| (6..=9).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_digit());
        let mut parts = line.split_whitespace();
        let head = parts.next().unwrap_or("");
        if !is_date(head) || !line.starts_with(head) {
            k += 1;
            continue;
        }
        let start = k;
        // "950101  950101  AGENTS-11": a repeated date is not the id.
        let id = parts.find(|p| !is_date(p)).unwrap_or("").to_string();
        k += 1;
        let mut body = String::new();
        while k < lines.len() {
            let l = lines[k];
            let h = l.split_whitespace().next().unwrap_or("");
            if is_date(h) && l.starts_with(h) {
                break;
            }
            body.push_str(l);
            body.push('\n');
            k += 1;
        }
        if finished {
            suite.skipped += 1;
            continue;
        }
        if id == "FINAL-01" {
            finished = true;
            continue;
        }
        let (text_part, comment) = match body.find("/*") {
            Some(c) => (&body[..c], &body[c..]),
            None => (body.as_str(), ""),
        };
        let text: String = text_part.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut events = Vec::new();
        let mut none = false;
        let mut instruction = false;
        let mut malformed = None;
        let mut rest = comment;
        while let Some(a) = rest.find('{') {
            let Some(b) = rest[a..].find('}').map(|b| a + b) else {
                // "{ OPTION: SET: MINIMUM WORDS = 4  */": instructions are sometimes left open.
                if let Some(command) = rest[a + 1..].trim_start().strip_prefix("OPTION:") {
                    let command = command.split("*/").next().unwrap_or("");
                    if let Err(e) = options.apply(command) {
                        diags.push(Diagnostic::error(file, start as u32 + 1, e));
                    }
                    instruction = true;
                } else {
                    malformed = Some("unclosed '{'".to_string());
                }
                break;
            };
            let inner = rest[a + 1..b].trim();
            let switched_off = rest[..a].ends_with('-');
            rest = &rest[b + 1..];
            if switched_off {
                // Not expected; with nothing else expected the record expects no event.
                none = true;
                continue;
            }
            if let Some(command) = inner.strip_prefix("OPTION:") {
                if let Err(e) = options.apply(command) {
                    diags.push(Diagnostic::error(file, start as u32 + 1, e));
                }
                instruction = true;
            } else if inner.starts_with("OPTION") || inner == "+++" {
                instruction = true;
            } else if inner.is_empty() || inner == "---" || inner == "###" {
                none = true;
            } else {
                let f: Vec<&str> = inner.split('/').map(str::trim).collect();
                if f.len() == 3 {
                    events.push(Triple {
                        source: f[0].to_string(),
                        target: f[1].to_string(),
                        code: f[2].split_whitespace().next().unwrap_or("").to_string(),
                    });
                } else {
                    malformed = Some(format!("cannot read expected event '{{{inner}}}'"));
                }
            }
        }
        if instruction && events.is_empty() {
            suite.skipped += 1;
            continue;
        }
        let expected = if let Some(m) = malformed {
            Expected::Malformed(m)
        } else if !events.is_empty() {
            Expected::Events(events)
        } else if none {
            Expected::NoEvents
        } else {
            Expected::Malformed("no expected events in /* {} */".to_string())
        };
        if let Expected::Malformed(m) = &expected {
            diags.push(Diagnostic::error(
                file,
                start as u32 + 1,
                format!("record {id}: {m}"),
            ));
        }
        let category = id
            .rsplit_once('-')
            .map_or(id.as_str(), |(c, _)| c)
            .to_string();
        let date = parse_compact_date(head);
        if date.is_none() {
            diags.push(Diagnostic::warning(
                file,
                start as u32 + 1,
                format!("record {id}: malformed date '{head}'; coded without a date"),
            ));
        }
        suite.records.push(Record {
            id,
            category,
            date,
            text,
            expected,
            options: BTreeMap::new(),
            line: start as u32 + 1,
            tabari: Some(options.clone()),
        });
    }
    (suite, diags)
}

/// Reads TABARI's `.project` file: the dictionaries it names, by role.
pub fn read_tabari_project(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        for (tag, role) in [
            ("<actorsfile>", "actors"),
            ("<verbsfile>", "verbs"),
            ("<agentsfile>", "agents"),
            ("<optionsfile>", "options"),
            ("<textfile>", "text"),
        ] {
            if let Some(rest) = line.trim().strip_prefix(tag) {
                out.push((role.to_string(), rest.trim().to_string()));
            }
        }
    }
    out
}

/// The outcome of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordResult {
    /// The record's id.
    pub id: String,
    /// Its category.
    pub category: String,
    /// Whether the produced events are exactly the expected ones.
    pub passed: bool,
    /// Expected events (empty for no-event and error records).
    pub expected: Vec<Triple>,
    /// Produced events.
    pub produced: Vec<Triple>,
    /// Why it failed, if it did.
    pub note: Option<String>,
}

/// Compares produced events with a record's expectation.
pub fn judge(record: &Record, produced: Vec<Triple>) -> RecordResult {
    let mut produced = produced;
    produced.sort();
    produced.dedup();
    let (expected, passed, note) = match &record.expected {
        Expected::Events(list) => {
            let mut e = list.clone();
            e.sort();
            e.dedup();
            let ok = e == produced;
            (e, ok, None)
        }
        Expected::NoEvents | Expected::Error(_) => (Vec::new(), produced.is_empty(), None),
        Expected::Malformed(m) => (Vec::new(), false, Some(format!("malformed record: {m}"))),
    };
    RecordResult {
        id: record.id.clone(),
        category: record.category.clone(),
        passed,
        note,
        expected,
        produced,
    }
}

/// Precision, recall and F1 at one level of matching.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Prf {
    /// Matched events.
    pub true_positives: usize,
    /// Produced events.
    pub produced: usize,
    /// Expected events.
    pub expected: usize,
}

impl Prf {
    /// Matched over produced (1 when nothing was produced).
    pub fn precision(&self) -> f64 {
        if self.produced == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.produced as f64
        }
    }

    /// Matched over expected (1 when nothing was expected).
    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.expected as f64
        }
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// The scores of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Records run.
    pub records: usize,
    /// Records exactly right.
    pub passed: usize,
    /// Per category: (records, passed).
    pub by_category: BTreeMap<String, (usize, usize)>,
    /// Source, target and code all equal.
    pub exact: Prf,
    /// Source and target equal, code in the same CAMEO root (first two characters).
    pub dyad_root: Prf,
    /// Source and target equal.
    pub dyad: Prf,
}

impl Report {
    /// Passed over records.
    pub fn pass_rate(&self) -> f64 {
        if self.records == 0 {
            0.0
        } else {
            self.passed as f64 / self.records as f64
        }
    }
}

/// Matches produced to expected events one to one under `key`, counting matches.
fn matches_under<K: Eq + std::hash::Hash>(
    expected: &[Triple],
    produced: &[Triple],
    key: impl Fn(&Triple) -> K,
) -> usize {
    let mut pool: HashMap<K, usize> = HashMap::new();
    for e in expected {
        *pool.entry(key(e)).or_default() += 1;
    }
    produced
        .iter()
        .filter(|p| match pool.get_mut(&key(p)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count()
}

/// Scores a run.
pub fn report(results: &[RecordResult]) -> Report {
    let mut r = Report {
        records: results.len(),
        ..Report::default()
    };
    for res in results {
        let entry = r.by_category.entry(res.category.clone()).or_default();
        entry.0 += 1;
        if res.passed {
            entry.1 += 1;
            r.passed += 1;
        }
        let root = |t: &Triple| t.code.chars().take(2).collect::<String>();
        for (prf, n) in [
            (
                &mut r.exact,
                matches_under(&res.expected, &res.produced, |t| t.clone()),
            ),
            (
                &mut r.dyad_root,
                matches_under(&res.expected, &res.produced, |t| {
                    (t.source.clone(), t.target.clone(), root(t))
                }),
            ),
            (
                &mut r.dyad,
                matches_under(&res.expected, &res.produced, |t| {
                    (t.source.clone(), t.target.clone())
                }),
            ),
        ] {
            prf.true_positives += n;
            prf.produced += res.produced.len();
            prf.expected += res.expected.len();
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<Validation>
<Environment>
    <Verbfile>V.txt</Verbfile>
    <Actorfile>A.txt</Actorfile>
    <Include>DEMO ERROR</Include>
</Environment>
<Sentences>
<!-- <Sentence date="19950101" id="HIDDEN-01" category="DEMO"> -->
<Sentence date="19950101" id="DEMO-01" category="DEMO">
<EventCoding sourcecode="ARN" targetcode="GON" eventcode="064"></EventCoding>
<Text>
Arnor restored ties
with Gondor.
</Text>
<Parse>(ROOT (S (NP (NNP Arnor))))</Parse>
</Sentence>
<Config option="require_dyad" value="False"></Config>
<Sentence date="19950101" id="OTHER-01" category="OTHER">
<EventCoding noevents = "True"></EventCoding><Text>x</Text></Sentence>
<Sentence date="19951301" id="DEMO-02" category="DEMO">
<EventCoding noevents = "True"></EventCoding><Text>x</Text></Sentence>
<Sentence date="19950101" id="ERROR-01" category="ERROR">
<EventCoding error="storydiscard"></EventCoding><Text>y</Text></Sentence>
</Sentences>
</Validation>
"#;

    #[test]
    fn petrarch_records_configs_and_malformed_ones() {
        let (suite, diags) = read_petrarch_records("r.xml", XML);
        assert_eq!(suite.environment[0], ("verbs".into(), "V.txt".into()));
        let ids: Vec<&str> = suite.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["DEMO-01", "DEMO-02", "ERROR-01"]);
        assert_eq!(suite.skipped, 1);
        assert_eq!(suite.records[0].text, "Arnor restored ties with Gondor.");
        assert_eq!(suite.records[0].line, 9);
        assert!(suite.records[0].options.is_empty());
        assert_eq!(suite.records[1].options["require_dyad"], "false");
        assert!(matches!(suite.records[1].expected, Expected::Malformed(_)));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 20);
        assert_eq!(
            suite.records[2].expected,
            Expected::Error("storydiscard".into())
        );
    }

    #[test]
    fn tabari_records_with_long_and_repeated_dates() {
        let text = "20150607 YYYY-01\nA b. /* { FOR / GON / 064 } */\n950101  950101  AGENTS-11\nC d. /* {---} */\n9501201  BAD-DATE\nE f. /* {---} */\n";
        let (suite, diags) = read_tabari_records("v.text", text, TabariOptions::default());
        let got: Vec<(&str, Option<String>)> = suite
            .records
            .iter()
            .map(|r| (r.id.as_str(), r.date.map(|d| d.to_string())))
            .collect();
        assert_eq!(
            got,
            [
                ("YYYY-01", Some("2015-06-07".to_string())),
                ("AGENTS-11", Some("1995-01-01".to_string())),
                ("BAD-DATE", None)
            ]
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 5);
    }

    #[test]
    fn tabari_records_and_scoring() {
        let text = "\n000101  START-00\nintro\n/* {+++} */\n950101  OPT-01\nx /* { OPTION: SET: MINIMUM WORDS = 4 */\n950101  DEMO-01\nArnor met\nGondor. /*\n\\n{ ARN / GON / 064 } 950101\n\\n-{ ARN / GON / 065 } */\n\n950101  V-01c\nNo code. /* {---} */\n950101  BAD-01\nBroken /* { ARN / GON } */\n990101  FINAL-01\nend\n950101  LATE-01\nx /* {---} */\n";
        let (suite, diags) = read_tabari_records("Validate.text", text, TabariOptions::default());
        let ids: Vec<&str> = suite.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["DEMO-01", "V-01c", "BAD-01"]);
        assert_eq!(suite.skipped, 3);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 15);
        // The open-ended OPTION record changed the options of the records after it.
        assert_eq!(suite.records[0].tabari.as_ref().unwrap().min_words, 4);
        let t = |s: &str, g: &str, c: &str| Triple {
            source: s.into(),
            target: g.into(),
            code: c.into(),
        };
        assert_eq!(
            suite.records[0].expected,
            Expected::Events(vec![t("ARN", "GON", "064")])
        );
        let results = vec![
            judge(&suite.records[0], vec![t("ARN", "GON", "061")]),
            judge(&suite.records[1], vec![]),
            judge(&suite.records[2], vec![]),
        ];
        let r = report(&results);
        assert_eq!((r.records, r.passed), (3, 1));
        assert_eq!(r.exact.true_positives, 0);
        assert_eq!(r.dyad_root.true_positives, 1);
        assert_eq!(r.by_category["DEMO"], (1, 0));
        assert!(results[2].note.is_some());
    }
}
