//! Red lines: alert rules read from TOML (documented in `docs/alerts.md`) and evaluated over the
//! store.
//!
//! Four kinds of rule. `event`: any asserted event with one of some CAMEO codes between two
//! countries of a list (optionally needing a context word in its sentence). `balance`: a dyad's
//! mean Goldstein score over a window falls below a threshold. `spike`: a dyad's events of a quad
//! class in a window exceed a multiple of their rate over a trailing baseline. `new_pair`: two
//! countries appear together for the first time after the store's first weeks. Windowed rules are
//! evaluated on consecutive windows ending at the last day asked for, so a store covering a year
//! shows when each line was crossed.
//!
//! A rule file is parsed strictly: unknown fields, unknown kinds and fields that do not belong to
//! a rule's kind are errors that name the file and line.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::export::{EventRow, Filter, events};
use crate::report::{Dyad, Tally};
use crate::{Store, StoreError, country, day_date, day_number};

/// The rules shipped with Redline (`crates/redline-store/rules/default.toml`).
pub const DEFAULT_RULES: &str = include_str!("../rules/default.toml");

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Worth attention.
    #[default]
    Medium,
    /// A red line crossed.
    High,
}

impl Severity {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The kinds of rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Any matching event.
    Event,
    /// Mean Goldstein below a threshold over a window.
    Balance,
    /// Events of a quad class far above their baseline.
    Spike,
    /// A country pair seen for the first time.
    NewPair,
}

impl RuleKind {
    fn as_str(self) -> &'static str {
        match self {
            RuleKind::Event => "event",
            RuleKind::Balance => "balance",
            RuleKind::Spike => "spike",
            RuleKind::NewPair => "new_pair",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: toml::Spanned<String>,
    kind: RuleKind,
    #[serde(default)]
    description: String,
    #[serde(default)]
    severity: Severity,
    codes: Option<Vec<String>>,
    context_codes: Option<Vec<String>>,
    context_words: Option<Vec<String>>,
    countries: Option<Vec<String>>,
    dyad: Option<String>,
    window_days: Option<u32>,
    baseline_days: Option<u32>,
    below: Option<f64>,
    factor: Option<f64>,
    quad_class: Option<u8>,
    min_events: Option<i64>,
    warmup_days: Option<u32>,
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its name, unique in the file.
    pub name: String,
    /// What it watches.
    pub kind: RuleKind,
    /// What it means, for people.
    pub description: String,
    /// How serious.
    pub severity: Severity,
    /// `event`: CAMEO codes or prefixes (`"06"` is every code of root 06).
    pub codes: Vec<String>,
    /// `event`: codes that count only with a context word in the sentence.
    pub context_codes: Vec<String>,
    /// `event`: the context words (lower case, matched as words).
    pub context_words: Vec<String>,
    /// `event`, `new_pair`: both countries must be in this list (empty: any).
    pub countries: Vec<String>,
    /// `balance`, `spike`: only this dyad (else every dyad).
    pub dyad: Option<Dyad>,
    /// Window length in days.
    pub window_days: u32,
    /// `spike`: the trailing baseline in days.
    pub baseline_days: u32,
    /// `balance`: the threshold on mean Goldstein.
    pub below: f64,
    /// `spike`: how many times the baseline rate.
    pub factor: f64,
    /// `spike`: the quad class counted (default 4, material conflict).
    pub quad_class: u8,
    /// Fewest events in a window for the rule to fire.
    pub min_events: i64,
    /// `new_pair`: days after the store's first event before pairs count as new.
    pub warmup_days: u32,
}

impl Rule {
    /// Whether both countries of `dyad` are in the rule's list (an empty list allows any).
    pub fn allows(&self, dyad: &Dyad) -> bool {
        self.countries.is_empty()
            || (self.countries.contains(&dyad.0) && self.countries.contains(&dyad.1))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses and validates a rule file; errors name `origin` and the line.
pub fn parse_rules(origin: &str, text: &str) -> Result<Vec<Rule>, StoreError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let message = e.message().trim_end_matches('.').to_string();
        StoreError::Rules(match line {
            Some(line) => format!("{origin}:{line}: {message}"),
            None => format!("{origin}: {message}"),
        })
    })?;
    let mut rules = Vec::new();
    let mut seen = BTreeMap::new();
    for raw in file.rule {
        let line = line_of(text, raw.name.span().start);
        let name = raw.name.get_ref().clone();
        let fail = |message: String| {
            StoreError::Rules(format!("{origin}:{line}: rule '{name}': {message}"))
        };
        if let Some(first) = seen.insert(name.clone(), line) {
            return Err(fail(format!("the name is already used on line {first}")));
        }
        let kind = raw.kind;
        let allowed: &[&str] = match kind {
            RuleKind::Event => &["codes", "context_codes", "context_words", "countries"],
            RuleKind::Balance => &["dyad", "window_days", "below", "min_events"],
            RuleKind::Spike => &[
                "dyad",
                "window_days",
                "baseline_days",
                "factor",
                "quad_class",
                "min_events",
            ],
            RuleKind::NewPair => &["countries", "window_days", "min_events", "warmup_days"],
        };
        let present = [
            ("codes", raw.codes.is_some()),
            ("context_codes", raw.context_codes.is_some()),
            ("context_words", raw.context_words.is_some()),
            ("countries", raw.countries.is_some()),
            ("dyad", raw.dyad.is_some()),
            ("window_days", raw.window_days.is_some()),
            ("baseline_days", raw.baseline_days.is_some()),
            ("below", raw.below.is_some()),
            ("factor", raw.factor.is_some()),
            ("quad_class", raw.quad_class.is_some()),
            ("min_events", raw.min_events.is_some()),
            ("warmup_days", raw.warmup_days.is_some()),
        ];
        for (field, is_present) in present {
            if is_present && !allowed.contains(&field) {
                return Err(fail(format!(
                    "field '{field}' does not apply to kind '{}'",
                    kind.as_str()
                )));
            }
        }
        let required: &[(&str, bool)] = match kind {
            RuleKind::Event => &[("codes", raw.codes.is_some())],
            RuleKind::Balance => &[("below", raw.below.is_some())],
            RuleKind::Spike => &[("factor", raw.factor.is_some())],
            RuleKind::NewPair => &[],
        };
        if let Some((field, _)) = required.iter().find(|(_, ok)| !ok) {
            return Err(fail(format!(
                "field '{field}' is required for kind '{}'",
                kind.as_str()
            )));
        }
        let codes = raw.codes.unwrap_or_default();
        let context_codes = raw.context_codes.unwrap_or_default();
        for code in codes.iter().chain(&context_codes) {
            let root: Option<u8> = code.get(..2).and_then(|r| r.parse().ok());
            if !(2..=4).contains(&code.len())
                || !code.bytes().all(|b| b.is_ascii_digit())
                || !root.is_some_and(|r| (1..=20).contains(&r))
            {
                return Err(fail(format!("'{code}' is not a CAMEO code")));
            }
        }
        if let Some(c) = context_codes.iter().find(|c| !codes.contains(c)) {
            return Err(fail(format!(
                "context code '{c}' is not among the rule's codes"
            )));
        }
        if !context_codes.is_empty() && raw.context_words.as_ref().is_none_or(|w| w.is_empty()) {
            return Err(fail("context_codes need context_words".into()));
        }
        let countries = raw.countries.unwrap_or_default();
        if let Some(c) = countries
            .iter()
            .find(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(fail(format!("'{c}' is not a 3-letter country code")));
        }
        let dyad = match raw.dyad {
            None => None,
            Some(d) => {
                let (a, b) = d
                    .split_once('-')
                    .filter(|(a, b)| a.len() == 3 && b.len() == 3 && a != b)
                    .ok_or_else(|| fail(format!("dyad '{d}' is not like PRK-RUS")))?;
                Some(if a <= b {
                    (a.to_string(), b.to_string())
                } else {
                    (b.to_string(), a.to_string())
                })
            }
        };
        let quad_class = raw.quad_class.unwrap_or(4);
        if !(1..=4).contains(&quad_class) {
            return Err(fail(format!("quad_class {quad_class} is not 1 to 4")));
        }
        let window_days = raw.window_days.unwrap_or(30);
        if window_days == 0 {
            return Err(fail("window_days must be at least 1".into()));
        }
        rules.push(Rule {
            name,
            kind,
            description: raw.description,
            severity: raw.severity,
            codes,
            context_codes,
            context_words: raw
                .context_words
                .unwrap_or_default()
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect(),
            countries,
            dyad,
            window_days,
            baseline_days: raw.baseline_days.unwrap_or(window_days * 6),
            below: raw.below.unwrap_or(0.0),
            factor: raw.factor.unwrap_or(3.0),
            quad_class,
            min_events: raw.min_events.unwrap_or(1),
            warmup_days: raw.warmup_days.unwrap_or(30),
        });
    }
    Ok(rules)
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule's name.
    pub rule: String,
    /// Its kind.
    pub kind: RuleKind,
    /// Its severity.
    pub severity: Severity,
    /// The dyad concerned.
    pub dyad: Dyad,
    /// The first day of the window (or the event's day).
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// What happened, in a sentence.
    pub message: String,
    /// How many events triggered it.
    pub n_events: usize,
    /// The triggering events, most reported first (at most five).
    pub events: Vec<EventRow>,
}

/// How many triggering events an alert lists.
pub const EVENTS_PER_ALERT: usize = 5;

fn dyad_of(e: &EventRow) -> Option<Dyad> {
    let a = country(&e.source)?;
    let b = country(e.target.as_deref()?)?;
    (a != b).then(|| {
        if a <= b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        }
    })
}

fn has_word(sentence: &str, words: &[String]) -> bool {
    let lower = sentence.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .any(|token| {
            std::iter::once(token)
                .chain(token.split('-'))
                .any(|w| words.iter().any(|x| x == w))
        })
}

/// Evaluates `rules` over the store between `from` and `to` (default: the store's first and last
/// days). Alerts come in time order, then by severity (highest first) and rule.
pub fn evaluate(
    store: &Store,
    rules: &[Rule],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Alert>, StoreError> {
    // Two queries, each answered from an end of the day index.
    let first: Option<i64> = store.conn().query_row(
        "SELECT min(day) FROM events WHERE day IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let last: Option<i64> = store
        .conn()
        .query_row("SELECT max(day) FROM events", [], |r| r.get(0))?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Vec::new());
    };
    let from = from.map_or(first, day_number);
    let to = to.map_or(last, day_number);
    let asserted = events(
        store,
        &Filter {
            from: Some(day_date(from - 400)),
            to: Some(day_date(to)),
            asserted_only: true,
            ..Filter::default()
        },
    )?;
    let mut alerts = Vec::new();
    for rule in rules {
        match rule.kind {
            RuleKind::Event => event_alerts(rule, &asserted, from, to, &mut alerts),
            RuleKind::Balance | RuleKind::Spike => {
                window_alerts(rule, &asserted, from, to, &mut alerts)
            }
            RuleKind::NewPair => new_pair_alerts(rule, &asserted, first, from, to, &mut alerts),
        }
    }
    alerts.sort_by(|x, y| {
        x.to.cmp(&y.to)
            .then(y.severity.cmp(&x.severity))
            .then(x.rule.cmp(&y.rule))
            .then(x.dyad.cmp(&y.dyad))
    });
    Ok(alerts)
}

fn in_days(e: &EventRow, from: i64, to: i64) -> bool {
    e.date
        .map(day_number)
        .is_some_and(|d| (from..=to).contains(&d))
}

fn top_events(mut list: Vec<EventRow>) -> (usize, Vec<EventRow>) {
    let n = list.len();
    list.sort_by(|x, y| {
        y.n_mentions
            .cmp(&x.n_mentions)
            .then(x.date.cmp(&y.date))
            .then(x.event_key.cmp(&y.event_key))
    });
    list.truncate(EVENTS_PER_ALERT);
    (n, list)
}

fn event_alerts(rule: &Rule, asserted: &[EventRow], from: i64, to: i64, out: &mut Vec<Alert>) {
    // One alert per dyad, day and code: "Kim and Putin signed" is one crossing, not two.
    let mut grouped: BTreeMap<(Dyad, NaiveDate, String), Vec<EventRow>> = BTreeMap::new();
    for e in asserted.iter().filter(|e| in_days(e, from, to)) {
        let Some(dyad) = dyad_of(e) else { continue };
        let Some(code) = rule.codes.iter().find(|c| e.cameo.starts_with(c.as_str())) else {
            continue;
        };
        if !rule.allows(&dyad) {
            continue;
        }
        if rule.context_codes.contains(code) && !has_word(&e.sentence, &rule.context_words) {
            continue;
        }
        let date = e.date.expect("dated: filtered above");
        grouped
            .entry((dyad, date, e.cameo.clone()))
            .or_default()
            .push(e.clone());
    }
    for ((dyad, date, cameo), list) in grouped {
        let mentions: i64 = list.iter().map(|e| e.n_mentions).sum();
        let (n_events, events) = top_events(list);
        out.push(Alert {
            rule: rule.name.clone(),
            kind: rule.kind,
            severity: rule.severity,
            message: format!(
                "{} (CAMEO {cameo}): {n_events} event(s), {mentions} mention(s)",
                code_verb(&cameo),
            ),
            dyad,
            from: date,
            to: date,
            n_events,
            events,
        });
    }
}

fn code_verb(code: &str) -> &'static str {
    match code.get(..2) {
        Some("03") => "intent to cooperate",
        Some("04") => "consultation",
        Some("05") => "diplomatic cooperation",
        Some("06") => "material cooperation",
        Some("07") => "aid",
        _ => "event",
    }
}

fn window_alerts(rule: &Rule, asserted: &[EventRow], from: i64, to: i64, out: &mut Vec<Alert>) {
    let w = i64::from(rule.window_days);
    let mut end = to;
    while end >= from {
        let start = (end - w + 1).max(from);
        let mut by_dyad: BTreeMap<Dyad, Vec<&EventRow>> = BTreeMap::new();
        for e in asserted.iter().filter(|e| in_days(e, start, end)) {
            if let Some(d) = dyad_of(e)
                && rule.dyad.as_ref().is_none_or(|x| *x == d)
            {
                by_dyad.entry(d).or_default().push(e);
            }
        }
        for (dyad, list) in by_dyad {
            let mut tally = Tally::default();
            for e in &list {
                tally.by_quad[usize::from(e.quad_class.clamp(1, 4)) - 1] += 1;
                tally.goldstein_sum += e.goldstein;
                tally.tone_sum += e.tone.unwrap_or(0.0);
            }
            let fired = match rule.kind {
                RuleKind::Balance => (tally.total() >= rule.min_events
                    && tally.goldstein_mean() < rule.below)
                    .then(|| {
                        format!(
                            "mean Goldstein {:+.2} over {} events in {} days, below {:+.2}",
                            tally.goldstein_mean(),
                            tally.total(),
                            end - start + 1,
                            rule.below
                        )
                    }),
                _ => {
                    let n = tally.by_quad[usize::from(rule.quad_class) - 1];
                    let b_end = start - 1;
                    let b_start = b_end - i64::from(rule.baseline_days) + 1;
                    let baseline = asserted
                        .iter()
                        .filter(|e| {
                            in_days(e, b_start, b_end)
                                && e.quad_class == rule.quad_class
                                && dyad_of(e).as_ref() == Some(&dyad)
                        })
                        .count();
                    let rate = baseline as f64 * (end - start + 1) as f64
                        / f64::from(rule.baseline_days.max(1));
                    // A floor of half an event per window, so a quiet baseline is not a zero
                    // that any single event multiplies infinitely.
                    (n >= rule.min_events && n as f64 >= rule.factor * rate.max(0.5)).then(|| {
                        format!(
                            "{n} events of quad class {} in {} days against {:.1} expected from the {} days before",
                            rule.quad_class,
                            end - start + 1,
                            rate,
                            rule.baseline_days
                        )
                    })
                }
            };
            if let Some(message) = fired {
                let list: Vec<EventRow> = list
                    .into_iter()
                    .filter(|e| rule.kind == RuleKind::Balance || e.quad_class == rule.quad_class)
                    .cloned()
                    .collect();
                let (n_events, events) = top_events(list);
                out.push(Alert {
                    rule: rule.name.clone(),
                    kind: rule.kind,
                    severity: rule.severity,
                    dyad,
                    from: day_date(start),
                    to: day_date(end),
                    message,
                    n_events,
                    events,
                });
            }
        }
        end -= w;
    }
}

fn new_pair_alerts(
    rule: &Rule,
    asserted: &[EventRow],
    store_first: i64,
    from: i64,
    to: i64,
    out: &mut Vec<Alert>,
) {
    let mut by_dyad: BTreeMap<Dyad, Vec<&EventRow>> = BTreeMap::new();
    for e in asserted {
        if let Some(d) = dyad_of(e) {
            by_dyad.entry(d).or_default().push(e);
        }
    }
    let warm = store_first + i64::from(rule.warmup_days);
    for (dyad, list) in by_dyad {
        if !rule.allows(&dyad) {
            continue;
        }
        let Some(first) = list.iter().filter_map(|e| e.date.map(day_number)).min() else {
            continue;
        };
        if first < warm.max(from) || first > to {
            continue;
        }
        let end = first + i64::from(rule.window_days) - 1;
        let early: Vec<EventRow> = list
            .into_iter()
            .filter(|e| in_days(e, first, end))
            .cloned()
            .collect();
        if (early.len() as i64) < rule.min_events {
            continue;
        }
        let (n_events, events) = top_events(early);
        out.push(Alert {
            rule: rule.name.clone(),
            kind: rule.kind,
            severity: rule.severity,
            message: format!(
                "{}-{} appear together for the first time: {n_events} event(s) in {} days",
                dyad.0, dyad.1, rule.window_days
            ),
            dyad,
            from: day_date(first),
            to: day_date(end.min(to)),
            n_events,
            events,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_parse() {
        let rules = parse_rules("default.toml", DEFAULT_RULES).unwrap();
        assert!(rules.iter().any(|r| r.kind == RuleKind::Event));
        assert!(rules.iter().any(|r| r.kind == RuleKind::Balance));
        assert!(rules.iter().any(|r| r.kind == RuleKind::Spike));
        assert!(rules.iter().any(|r| r.kind == RuleKind::NewPair));
    }

    fn error(text: &str) -> String {
        parse_rules("r.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn rule_errors_name_the_line() {
        let e = error(
            "[[rule]]\nname = \"a\"\nkind = \"event\"\ncodes = [\"062\"]\ncolour = \"red\"\n",
        );
        assert!(e.starts_with("r.toml:5:") && e.contains("colour"), "{e}");
        let e = error("[[rule]]\nname = \"a\"\nkind = \"volcano\"\n");
        assert!(e.starts_with("r.toml:3:") && e.contains("volcano"), "{e}");
        let e = error("\n[[rule]]\nname = \"b\"\nkind = \"balance\"\n");
        assert_eq!(
            e,
            "r.toml:3: rule 'b': field 'below' is required for kind 'balance'"
        );
        let e = error("[[rule]]\nname = \"c\"\nkind = \"event\"\ncodes = [\"999\"]\n");
        assert_eq!(e, "r.toml:2: rule 'c': '999' is not a CAMEO code");
        let e = error("[[rule]]\nname = \"d\"\nkind = \"balance\"\nbelow = 1.0\nfactor = 2.0\n");
        assert_eq!(
            e,
            "r.toml:2: rule 'd': field 'factor' does not apply to kind 'balance'"
        );
    }

    #[test]
    fn context_words_match_whole_words() {
        let words = vec!["defence".to_string(), "mutual".to_string()];
        assert!(has_word(
            "They signed a mutual-defence treaty.",
            &["mutual-defence".into()]
        ));
        assert!(has_word("A new defence pact.", &words));
        assert!(!has_word("The defenceless village.", &words));
    }
}
