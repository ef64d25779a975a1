//! Blocs: the signed graph of countries over a window, and each country's alignment with chosen
//! poles (for example USA, CHN, RUS) period by period.
//!
//! The edge between two countries is their cooperation–conflict balance over the period, from −1
//! to 1, trusted when they have at least `min_events` events. A country's alignment with a pole
//! is that edge when there is one; otherwise the structural-balance guess from the countries both
//! know (the friend of a friend is a friend, the enemy of an enemy a friend): the mean of
//! `edge(c, k) * edge(k, pole)`. A country joins the bloc of the pole it is most aligned with,
//! above [`BLOC_THRESHOLD`]. The split — how Cold-War-like the period is — is the weighted mean of
//! `edge * (+1 inside a bloc, −1 across blocs)` over edges between bloc members: 1 when blocs are
//! friends inside and enemies across, 0 when the blocs say nothing about who fights whom.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::report::{Period, Tally, range_tallies};
use crate::{Store, StoreError};

/// Alignment above which a country joins a pole's bloc.
pub const BLOC_THRESHOLD: f64 = 0.2;

/// What to compute.
#[derive(Debug, Clone)]
pub struct BlocQuery {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// One result per period.
    pub by: Period,
    /// The poles (country codes).
    pub poles: Vec<String>,
    /// Fewest events for an edge to count.
    pub min_events: i64,
}

/// One country in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// The country.
    pub country: String,
    /// Alignment with each pole, in the query's order (`None`: nothing to go on).
    pub with_poles: Vec<Option<f64>>,
    /// Index of the pole whose bloc it is in.
    pub bloc: Option<usize>,
}

/// One period.
#[derive(Debug, Clone, PartialEq)]
pub struct BlocPeriod {
    /// Its first day.
    pub start: NaiveDate,
    /// Countries with at least one counted edge, by code.
    pub countries: Vec<Alignment>,
    /// The split, from −1 to 1 (`None` with no edge between bloc members).
    pub split: Option<f64>,
    /// The poles' balances with each other: (pole i, pole j, balance).
    pub between_poles: Vec<(usize, usize, Option<f64>)>,
}

/// The blocs of every period between `q.from` and `q.to`.
pub fn blocs(store: &Store, q: &BlocQuery) -> Result<Vec<BlocPeriod>, StoreError> {
    let mut out = Vec::new();
    let mut start = q.by.start(q.from);
    while start <= q.to {
        let next = match q.by {
            Period::Day => start + chrono::Duration::days(1),
            Period::Week => start + chrono::Duration::weeks(1),
            Period::Month => start + chrono::Months::new(1),
        };
        let lo = start.max(q.from);
        let hi = (next - chrono::Duration::days(1)).min(q.to);
        let tallies = range_tallies(store, lo, hi, "", &[])?;
        out.push(period(start, &tallies, q));
        start = next;
    }
    Ok(out)
}

/// The periods as JSON (the form of `redline blocs --format json` and `GET /api/blocs`):
/// per period its label, the split, the poles' balances with each other and every country's
/// bloc and alignment with each pole, to three decimals.
pub fn blocs_json(periods: &[BlocPeriod], poles: &[String], by: Period) -> serde_json::Value {
    use serde_json::json;
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    json!(
        periods
            .iter()
            .map(|p| json!({
                "period": by.label(p.start),
                "start": p.start.to_string(),
                "split": p.split.map(round),
                "between_poles": p.between_poles.iter().map(|(i, j, s)| json!({
                    "dyad": format!("{}-{}", poles[*i], poles[*j]),
                    "balance": s.map(round),
                })).collect::<Vec<_>>(),
                "countries": p.countries.iter().map(|c| json!({
                    "country": c.country,
                    "bloc": c.bloc.map(|i| poles[i].clone()),
                    "alignment": poles.iter().zip(&c.with_poles)
                        .map(|(pole, a)| (pole.clone(), json!(a.map(round))))
                        .collect::<serde_json::Map<_, _>>(),
                })).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    )
}

fn period(
    start: NaiveDate,
    tallies: &BTreeMap<(String, String), Tally>,
    q: &BlocQuery,
) -> BlocPeriod {
    let mut edges: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
    let mut countries: BTreeSet<&str> = BTreeSet::new();
    for ((a, b), t) in tallies {
        if t.total() < q.min_events {
            continue;
        }
        let w = t.total() as f64;
        edges.insert((a, b), (t.balance(), w));
        edges.insert((b, a), (t.balance(), w));
        countries.insert(a);
        countries.insert(b);
    }
    let edge = |x: &str, y: &str| edges.get(&(x, y)).map(|e| e.0);
    let alignment = |c: &str, pole: &str| -> Option<f64> {
        if c == pole {
            return Some(1.0);
        }
        if let Some(s) = edge(c, pole) {
            return Some(s);
        }
        let via: Vec<f64> = countries
            .iter()
            .filter_map(|k| Some(edge(c, k)? * edge(k, pole)?))
            .collect();
        (!via.is_empty()).then(|| via.iter().sum::<f64>() / via.len() as f64)
    };
    let aligned: Vec<Alignment> = countries
        .iter()
        .map(|c| {
            let with_poles: Vec<Option<f64>> = q.poles.iter().map(|p| alignment(c, p)).collect();
            let bloc = if let Some(i) = q.poles.iter().position(|p| p == c) {
                Some(i)
            } else {
                with_poles
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| a.map(|a| (i, a)))
                    .filter(|(_, a)| *a > BLOC_THRESHOLD)
                    .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
                    .map(|(i, _)| i)
            };
            Alignment {
                country: c.to_string(),
                with_poles,
                bloc,
            }
        })
        .collect();
    let bloc_of: BTreeMap<&str, usize> = aligned
        .iter()
        .filter_map(|a| Some((a.country.as_str(), a.bloc?)))
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    for ((a, b), (s, w)) in &edges {
        if a >= b {
            continue;
        }
        if let (Some(x), Some(y)) = (bloc_of.get(a), bloc_of.get(b)) {
            num += w * s * if x == y { 1.0 } else { -1.0 };
            den += w;
        }
    }
    let mut between_poles = Vec::new();
    for i in 0..q.poles.len() {
        for j in i + 1..q.poles.len() {
            between_poles.push((i, j, edge(&q.poles[i], &q.poles[j])));
        }
    }
    BlocPeriod {
        start,
        countries: aligned,
        split: (den > 0.0).then(|| num / den),
        between_poles,
    }
}
