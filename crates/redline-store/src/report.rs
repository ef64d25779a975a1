//! The state of relations: per dyad (two countries, either direction), event counts by quad
//! class, Goldstein sum and mean, the cooperation–conflict balance and the mean tone, over time;
//! and the dyads
//! that changed most against their own trailing baseline.
//!
//! Everything is read from the aggregates that ingest maintains, never from the events
//! themselves: whole months from `dyad_month`, partial months from `dyad_day`. A report costs a
//! scan of (dyads x months) rows, not of events (`redline bench store` measures it on 5 million
//! events).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::params_from_iter;

use crate::{Store, StoreError, day_date, day_number};

/// How to group days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// One row a day.
    Day,
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    #[default]
    Month,
}

impl Period {
    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The label of the period starting at `start`: `2024-06` for months, the first day
    /// otherwise.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Month => start.format("%Y-%m").to_string(),
            _ => start.to_string(),
        }
    }

    /// The first day of the period holding `date`.
    pub fn start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => date,
            Period::Week => {
                date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
            }
            Period::Month => date.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the period `n` periods before the one starting at `start`.
    pub fn back(self, start: NaiveDate, n: u32) -> NaiveDate {
        match self {
            Period::Day => start - chrono::Duration::days(i64::from(n)),
            Period::Week => start - chrono::Duration::weeks(i64::from(n)),
            Period::Month => start
                .checked_sub_months(chrono::Months::new(n))
                .unwrap_or(start),
        }
    }
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// First day (default: the first day in the store).
    pub from: Option<NaiveDate>,
    /// Last day (default: the last day in the store).
    pub to: Option<NaiveDate>,
    /// Only this dyad (two country codes, any order).
    pub dyad: Option<(String, String)>,
    /// Only dyads with this country.
    pub country: Option<String>,
    /// Grouping of the time series.
    pub by: Period,
    /// How many dyads get a time series (the busiest) when no dyad is chosen.
    pub series_dyads: usize,
    /// How many dyads the totals and changes list.
    pub top: usize,
    /// Periods in the trailing baseline.
    pub baseline_periods: u32,
    /// Fewest events in the latest period for a dyad to be ranked by change.
    pub min_recent_events: i64,
}

impl Default for ReportQuery {
    fn default() -> ReportQuery {
        ReportQuery {
            from: None,
            to: None,
            dyad: None,
            country: None,
            by: Period::Month,
            series_dyads: 5,
            top: 15,
            baseline_periods: 6,
            min_recent_events: 2,
        }
    }
}

/// Counts of one dyad over some days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Events by quad class 1-4 (index 0 is class 1).
    pub by_quad: [i64; 4],
    /// Sum of the events' Goldstein scores.
    pub goldstein_sum: f64,
    /// Sum of the events' tones (each event's first mention's sentence tone, GDELT-style:
    /// positive minus negative words per 100 words; 0 for events stored before version 5).
    pub tone_sum: f64,
}

impl Tally {
    /// All events.
    pub fn total(&self) -> i64 {
        self.by_quad.iter().sum()
    }

    /// Mean Goldstein score (0 with no events).
    pub fn goldstein_mean(&self) -> f64 {
        if self.total() == 0 {
            0.0
        } else {
            self.goldstein_sum / self.total() as f64
        }
    }

    /// Mean tone of the events (0 with no events).
    pub fn tone_mean(&self) -> f64 {
        if self.total() == 0 {
            0.0
        } else {
            self.tone_sum / self.total() as f64
        }
    }

    /// (cooperation − conflict) / all events, from −1 (all conflict) to 1 (all cooperation).
    pub fn balance(&self) -> f64 {
        let coop = self.by_quad[0] + self.by_quad[1];
        let conflict = self.by_quad[2] + self.by_quad[3];
        if self.total() == 0 {
            0.0
        } else {
            (coop - conflict) as f64 / self.total() as f64
        }
    }

    fn add(&mut self, quad_class: u8, n: i64, goldstein_sum: f64, tone_sum: f64) {
        if (1..=4).contains(&quad_class) {
            self.by_quad[usize::from(quad_class) - 1] += n;
        }
        self.goldstein_sum += goldstein_sum;
        self.tone_sum += tone_sum;
    }
}

/// A dyad: two country codes, the smaller first.
pub type Dyad = (String, String);

/// One dyad's change against its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The dyad.
    pub dyad: Dyad,
    /// The latest period.
    pub recent: Tally,
    /// The baseline periods together.
    pub baseline: Tally,
    /// Baseline events per period.
    pub baseline_per_period: f64,
    /// Recent mean Goldstein minus baseline mean (a dyad new in the latest period has a
    /// baseline of 0, neutral).
    pub goldstein_shift: f64,
    /// The ranking score: the shift weighted by the evidence, `shift * sqrt(recent events)`.
    pub score: f64,
}

/// A report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The days covered.
    pub from: Option<NaiveDate>,
    /// The days covered.
    pub to: Option<NaiveDate>,
    /// Grouping of the series.
    pub by: Period,
    /// Totals per dyad over the days, busiest first.
    pub dyads: Vec<(Dyad, Tally)>,
    /// Per dyad with a series: (period start, tally), in time order.
    pub series: Vec<(Dyad, Vec<(NaiveDate, Tally)>)>,
    /// The latest period's first day, against which changes are measured.
    pub recent_from: Option<NaiveDate>,
    /// Dyads ranked by how much they changed, largest first.
    pub changes: Vec<Change>,
}

/// The SQL condition for the dyad and country filters, and its values.
fn dyad_filter(q: &ReportQuery) -> (String, Vec<String>) {
    let mut cond = String::new();
    let mut values = Vec::new();
    if let Some((x, y)) = &q.dyad {
        let (a, b) = if x <= y { (x, y) } else { (y, x) };
        cond.push_str(" AND a = ? AND b = ?");
        values.extend([a.clone(), b.clone()]);
    }
    if let Some(c) = &q.country {
        cond.push_str(" AND (a = ? OR b = ?)");
        values.extend([c.clone(), c.clone()]);
    }
    (cond, values)
}

/// Adds to `out` the tallies of rows from `sql`: (a, b, n1, n2, n3, n4, goldstein sum, tone
/// sum).
fn add_tallies(
    store: &Store,
    sql: &str,
    values: &[rusqlite::types::Value],
    out: &mut BTreeMap<Dyad, Tally>,
) -> Result<(), StoreError> {
    let mut stmt = store.conn().prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    while let Some(r) = rows.next()? {
        let t = out.entry((r.get(0)?, r.get(1)?)).or_default();
        for q in 0..4 {
            t.by_quad[q] += r.get::<_, Option<i64>>(2 + q)?.unwrap_or(0);
        }
        t.goldstein_sum += r.get::<_, f64>(6)?;
        t.tone_sum += r.get::<_, f64>(7)?;
    }
    Ok(())
}

/// Per-quad sums in one pass, grouped by dyad only, so SQLite streams the primary key's order
/// instead of sorting.
const SUMS: &str = "sum(CASE quad_class WHEN 1 THEN n_events END),
    sum(CASE quad_class WHEN 2 THEN n_events END), sum(CASE quad_class WHEN 3 THEN n_events END),
    sum(CASE quad_class WHEN 4 THEN n_events END), sum(goldstein_sum), sum(tone_sum)";

/// Tallies per dyad over the days `from..=to`: whole months from `dyad_month`, the partial
/// months at either end from `dyad_day` (through its covering day index).
pub(crate) fn range_tallies(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    cond: &str,
    strings: &[String],
) -> Result<BTreeMap<Dyad, Tally>, StoreError> {
    let mut out = BTreeMap::new();
    if from > to {
        return Ok(out);
    }
    let first_full = if from.day() == 1 {
        from
    } else {
        Period::Month.start(from) + chrono::Months::new(1)
    };
    let after_last_full = Period::Month.start(to + chrono::Duration::days(1));
    // One dyad: its primary-key prefix; otherwise the covering day index (SQLite's planner,
    // without statistics, preferred a full scan of the table).
    let index = if cond.contains("a = ? AND b = ?") {
        ""
    } else {
        "INDEXED BY dyad_day_by_day"
    };
    let by_day = |lo: NaiveDate, hi: NaiveDate, out: &mut BTreeMap<Dyad, Tally>| {
        add_tallies(
            store,
            &format!(
                "SELECT a, b, {SUMS} FROM dyad_day {index}
                 WHERE day BETWEEN ? AND ?{cond} GROUP BY a, b"
            ),
            &values(strings.to_vec(), &[day_number(lo), day_number(hi)]),
            out,
        )
    };
    if first_full < after_last_full {
        let month = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        add_tallies(
            store,
            &format!(
                "SELECT a, b, {SUMS} FROM dyad_month
                 WHERE month BETWEEN ? AND ?{cond} GROUP BY a, b"
            ),
            &values(
                strings.to_vec(),
                &[month(first_full), month(after_last_full) - 1],
            ),
            &mut out,
        )?;
        if from < first_full {
            by_day(from, first_full - chrono::Duration::days(1), &mut out)?;
        }
        if after_last_full <= to {
            by_day(after_last_full, to, &mut out)?;
        }
    } else {
        by_day(from, to, &mut out)?;
    }
    Ok(out)
}

fn values(strings: Vec<String>, days: &[i64]) -> Vec<rusqlite::types::Value> {
    days.iter()
        .map(|&d| rusqlite::types::Value::Integer(d))
        .chain(strings.into_iter().map(rusqlite::types::Value::Text))
        .collect()
}

/// The first and last days of the store's dyad events, if any.
pub fn store_days(store: &Store) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
    let conn = store.conn();
    let first: Option<i64> = conn.query_row("SELECT min(day) FROM dyad_day", [], |r| r.get(0))?;
    let last: Option<i64> = conn.query_row("SELECT max(day) FROM dyad_day", [], |r| r.get(0))?;
    Ok(first.zip(last).map(|(f, l)| (day_date(f), day_date(l))))
}

/// Builds the report for `q`.
pub fn report(store: &Store, q: &ReportQuery) -> Result<Report, StoreError> {
    let conn = store.conn();
    // Two queries: SQLite answers a lone min() or max() from the index's ends, but scans the
    // whole index for both in one statement (0.3 s on 5 million events).
    let first: Option<i64> = conn.query_row("SELECT min(day) FROM dyad_day", [], |r| r.get(0))?;
    let last: Option<i64> = conn.query_row("SELECT max(day) FROM dyad_day", [], |r| r.get(0))?;
    let from = q.from.or(first.map(day_date));
    let to = q.to.or(last.map(day_date));
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(Report {
            from,
            to,
            by: q.by,
            dyads: Vec::new(),
            series: Vec::new(),
            recent_from: None,
            changes: Vec::new(),
        });
    };
    let (cond, strings) = dyad_filter(q);
    // Totals per dyad over [from, to].
    let totals = range_tallies(store, from, to, &cond, &strings)?;
    let mut dyads: Vec<(Dyad, Tally)> = totals.into_iter().collect();
    dyads.sort_by(|x, y| y.1.total().cmp(&x.1.total()).then(x.0.cmp(&y.0)));
    // Series for the chosen dyad, or the busiest ones.
    let mut series = Vec::new();
    for (dyad, _) in dyads
        .iter()
        .take(if q.dyad.is_some() { 1 } else { q.series_dyads })
    {
        let mut stmt = conn.prepare_cached(
            "SELECT day, quad_class, n_events, goldstein_sum, tone_sum FROM dyad_day
             WHERE a = ?1 AND b = ?2 AND day BETWEEN ?3 AND ?4",
        )?;
        let mut rows = stmt.query(rusqlite::params![
            dyad.0,
            dyad.1,
            day_number(from),
            day_number(to)
        ])?;
        let mut periods: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        while let Some(r) = rows.next()? {
            let start = q.by.start(day_date(r.get(0)?));
            periods
                .entry(start)
                .or_default()
                .add(r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        }
        series.push((dyad.clone(), periods.into_iter().collect()));
    }
    dyads.truncate(q.top.max(1));
    // Changes: the latest period against the `baseline_periods` before it.
    let recent_from = q.by.start(to);
    let baseline_from = q.by.back(recent_from, q.baseline_periods);
    let recent = range_tallies(store, recent_from, to, &cond, &strings)?;
    let baseline = range_tallies(
        store,
        baseline_from,
        recent_from - chrono::Duration::days(1),
        &cond,
        &strings,
    )?;
    let mut changes: Vec<Change> = recent
        .into_iter()
        .filter(|(_, t)| t.total() >= q.min_recent_events)
        .map(|(dyad, recent)| {
            let baseline = baseline.get(&dyad).cloned().unwrap_or_default();
            let shift = recent.goldstein_mean() - baseline.goldstein_mean();
            Change {
                score: shift * (recent.total() as f64).sqrt(),
                baseline_per_period: baseline.total() as f64 / f64::from(q.baseline_periods.max(1)),
                goldstein_shift: shift,
                dyad,
                recent,
                baseline,
            }
        })
        .collect();
    changes.sort_by(|x, y| {
        y.score
            .abs()
            .total_cmp(&x.score.abs())
            .then(x.dyad.cmp(&y.dyad))
    });
    changes.truncate(q.top.max(1));
    Ok(Report {
        from: Some(from),
        to: Some(to),
        by: q.by,
        dyads,
        series,
        recent_from: Some(recent_from),
        changes,
    })
}

/// `PRK-RUS`.
pub fn dyad_name(d: &(String, String)) -> String {
    format!("{}-{}", d.0, d.1)
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// A tally as JSON: counts by quad class, Goldstein sum and mean, balance, mean tone.
pub fn tally_json(t: &Tally) -> serde_json::Value {
    serde_json::json!({
        "events": t.total(),
        "verbal_cooperation": t.by_quad[0],
        "material_cooperation": t.by_quad[1],
        "verbal_conflict": t.by_quad[2],
        "material_conflict": t.by_quad[3],
        "goldstein_sum": round(t.goldstein_sum, 2),
        "goldstein_mean": round(t.goldstein_mean(), 3),
        "balance": round(t.balance(), 3),
        "tone_mean": round(t.tone_mean(), 3),
    })
}

/// A series' periods as JSON: label, first day and tally.
pub fn periods_json(by: Period, periods: &[(NaiveDate, Tally)]) -> Vec<serde_json::Value> {
    periods
        .iter()
        .map(|(p, t)| {
            serde_json::json!({"period": by.label(*p), "start": p.to_string(), "totals": tally_json(t)})
        })
        .collect()
}

/// The report as JSON: the form of `redline report --format json` and `GET /api/report`
/// (documented in docs/monitor.md).
pub fn report_json(r: &Report) -> serde_json::Value {
    use serde_json::json;
    json!({
        "from": r.from.map(|d| d.to_string()),
        "to": r.to.map(|d| d.to_string()),
        "by": r.by.name(),
        "dyads": r.dyads.iter().map(|(d, t)| json!({"dyad": dyad_name(d), "totals": tally_json(t)})).collect::<Vec<_>>(),
        "series": r.series.iter().map(|(d, periods)| json!({
            "dyad": dyad_name(d),
            "periods": periods_json(r.by, periods),
        })).collect::<Vec<_>>(),
        "recent_from": r.recent_from.map(|d| d.to_string()),
        "changes": r.changes.iter().map(|c| json!({
            "dyad": dyad_name(&c.dyad),
            "recent": tally_json(&c.recent),
            "baseline": tally_json(&c.baseline),
            "baseline_per_period": round(c.baseline_per_period, 2),
            "goldstein_shift": round(c.goldstein_shift, 3),
            "score": round(c.score, 3),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_monday_and_the_first_of_the_month() {
        let d = NaiveDate::from_ymd_opt(2024, 6, 19).unwrap(); // a Wednesday
        assert_eq!(
            Period::Week.start(d),
            NaiveDate::from_ymd_opt(2024, 6, 17).unwrap()
        );
        assert_eq!(
            Period::Month.start(d),
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
        );
        assert_eq!(
            Period::Month.back(Period::Month.start(d), 6),
            NaiveDate::from_ymd_opt(2023, 12, 1).unwrap()
        );
    }

    #[test]
    fn balance_runs_from_conflict_to_cooperation() {
        let mut t = Tally::default();
        t.add(1, 3, 9.0, 6.0);
        t.add(4, 1, -10.0, -2.0);
        assert_eq!(t.total(), 4);
        assert!((t.tone_mean() - 1.0).abs() < 1e-9);
        assert!((t.balance() - 0.5).abs() < 1e-9);
        assert!((t.goldstein_mean() + 0.25).abs() < 1e-9);
    }
}
