//! `redline report`, `alerts`, `export`, `monitor` and `bench store`: reading the store and
//! printing it for people (aligned tables) and programs (JSON, CSV).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use redline_store::Store;
use redline_store::report::{Period, Report, ReportQuery, Tally, dyad_name, report_json};
use serde_json::json;

/// Output formats of `report` and `alerts`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum OutFormat {
    /// Aligned tables for people.
    Table,
    /// One JSON document.
    Json,
    /// Comma-separated values.
    Csv,
}

/// `--by`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum By {
    /// Days.
    Day,
    /// Weeks from Monday.
    Week,
    /// Calendar months.
    Month,
}

/// Arguments of `redline report`.
#[derive(clap::Args, Clone)]
pub struct ReportArgs {
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// First day (YYYY-MM-DD); default the first in the store.
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD); default the last in the store.
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub to: Option<chrono::NaiveDate>,
    /// One relationship: two country codes, `PRK-RUS` (either order).
    #[arg(long, value_parser = parse_dyad)]
    pub dyad: Option<(String, String)>,
    /// Only relationships of this country (`PRK`).
    #[arg(long)]
    pub country: Option<String>,
    /// Grouping of the time series, and the period changes are measured over.
    #[arg(long, value_enum, default_value = "month")]
    pub by: By,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutFormat,
    /// Relationships listed.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Relationships with a time series when no `--dyad` is given.
    #[arg(long, default_value_t = 3)]
    pub series: usize,
    /// Periods in the trailing baseline.
    #[arg(long, default_value_t = 6)]
    pub baseline: u32,
}

/// Parses `PRK-RUS`.
pub fn parse_dyad(s: &str) -> Result<(String, String), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("'{s}' is not a dyad like PRK-RUS"))?;
    let ok = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic());
    if !ok(a) || !ok(b) {
        return Err(format!("'{s}' is not a dyad of two 3-letter country codes"));
    }
    Ok((a.to_uppercase(), b.to_uppercase()))
}

/// Opens an existing store (a missing file is a usage error, not an empty store).
pub fn open_existing(db: &Path) -> Result<Store> {
    if !db.is_file() {
        bail!(
            "no store at {} (run `redline ingest` first, or pass --db)",
            db.display()
        );
    }
    Store::open(db).with_context(|| format!("cannot open store {}", db.display()))
}

impl ReportArgs {
    /// The query these arguments ask for.
    pub fn query(&self) -> ReportQuery {
        ReportQuery {
            from: self.from,
            to: self.to,
            dyad: self.dyad.clone(),
            country: self.country.as_ref().map(|c| c.to_uppercase()),
            by: match self.by {
                By::Day => Period::Day,
                By::Week => Period::Week,
                By::Month => Period::Month,
            },
            series_dyads: self.series,
            top: self.top,
            baseline_periods: self.baseline,
            ..ReportQuery::default()
        }
    }
}

/// `redline report`.
pub fn report(args: &ReportArgs, out: &mut impl Write) -> Result<()> {
    let store = open_existing(&args.db)?;
    let r = redline_store::report::report(&store, &args.query())?;
    match args.format {
        OutFormat::Table => write_report_table(&r, args.baseline, out)?,
        OutFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report_json(&r))?;
            writeln!(out)?;
        }
        OutFormat::Csv => write_report_csv(&r, out)?,
    }
    Ok(())
}

fn tally_cells(t: &Tally) -> Vec<String> {
    let mut cells: Vec<String> = vec![t.total().to_string()];
    cells.extend(t.by_quad.iter().map(|n| n.to_string()));
    cells.push(format!("{:+.1}", t.goldstein_sum));
    cells.push(format!("{:+.2}", t.goldstein_mean()));
    cells.push(format!("{:+.2}", t.balance()));
    cells.push(format!("{:+.2}", t.tone_mean()));
    cells
}

const TALLY_HEADER: [&str; 9] = [
    "EVENTS",
    "V.COOP",
    "M.COOP",
    "V.CONF",
    "M.CONF",
    "GOLD.SUM",
    "GOLD.MEAN",
    "BALANCE",
    "TONE",
];

/// Writes rows as an aligned table: the first column left-aligned, the others right-aligned.
pub fn write_aligned(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut widths = vec![0usize; header.len()];
    for row in std::iter::once(&header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

fn write_report_table(r: &Report, baseline: u32, out: &mut impl Write) -> Result<()> {
    let (Some(from), Some(to)) = (r.from, r.to) else {
        writeln!(out, "no events between two countries in the store")?;
        return Ok(());
    };
    writeln!(
        out,
        "Relations {from} to {to}: asserted events between two countries, merged across reports"
    )?;
    writeln!(out)?;
    let mut header = vec!["DYAD"];
    header.extend(TALLY_HEADER);
    let rows: Vec<Vec<String>> = r
        .dyads
        .iter()
        .map(|(d, t)| {
            let mut row = vec![dyad_name(d)];
            row.extend(tally_cells(t));
            row
        })
        .collect();
    write_aligned(out, &header, &rows)?;
    for (dyad, periods) in &r.series {
        writeln!(out)?;
        writeln!(out, "{} by {}", dyad_name(dyad), r.by.name())?;
        let mut header = vec!["PERIOD"];
        header.extend(TALLY_HEADER);
        let rows: Vec<Vec<String>> = periods
            .iter()
            .map(|(p, t)| {
                let mut row = vec![r.by.label(*p)];
                row.extend(tally_cells(t));
                row
            })
            .collect();
        write_aligned(out, &header, &rows)?;
    }
    if let Some(recent) = r.recent_from {
        writeln!(out)?;
        writeln!(
            out,
            "Changed most: {} to {to} against the {baseline} {}s before",
            r.by.label(recent),
            r.by.name()
        )?;
        if r.changes.is_empty() {
            writeln!(
                out,
                "no relationship with enough events in the latest period"
            )?;
        } else {
            let rows: Vec<Vec<String>> = r
                .changes
                .iter()
                .map(|c| {
                    vec![
                        dyad_name(&c.dyad),
                        c.recent.total().to_string(),
                        format!("{:.1}", c.baseline_per_period),
                        format!("{:+.2}", c.recent.goldstein_mean()),
                        format!("{:+.2}", c.baseline.goldstein_mean()),
                        format!("{:+.2}", c.goldstein_shift),
                        format!("{:+.2}", c.score),
                        if c.goldstein_shift >= 0.0 {
                            "towards cooperation".into()
                        } else {
                            "towards conflict".into()
                        },
                    ]
                })
                .collect();
            write_aligned(
                out,
                &[
                    "DYAD",
                    "RECENT",
                    "BASE/PERIOD",
                    "MEAN.NOW",
                    "MEAN.BEFORE",
                    "SHIFT",
                    "SCORE",
                    "DIRECTION",
                ],
                &rows,
            )?;
        }
    }
    Ok(())
}

fn write_report_csv(r: &Report, out: &mut impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "section",
        "dyad",
        "period",
        "events",
        "verbal_cooperation",
        "material_cooperation",
        "verbal_conflict",
        "material_conflict",
        "goldstein_sum",
        "goldstein_mean",
        "balance",
        "tone_mean",
    ])?;
    let mut record = |section: &str, dyad: &str, period: String, t: &Tally| {
        let mut row = vec![section.to_string(), dyad.to_string(), period];
        row.push(t.total().to_string());
        row.extend(t.by_quad.iter().map(|n| n.to_string()));
        row.push(format!("{:.2}", t.goldstein_sum));
        row.push(format!("{:.3}", t.goldstein_mean()));
        row.push(format!("{:.3}", t.balance()));
        row.push(format!("{:.3}", t.tone_mean()));
        w.write_record(&row)
    };
    for (d, t) in &r.dyads {
        record("total", &dyad_name(d), String::new(), t)?;
    }
    for (d, periods) in &r.series {
        for (p, t) in periods {
            record("series", &dyad_name(d), r.by.label(*p), t)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Arguments of `redline bench store`.
#[derive(clap::Args)]
pub struct StoreBenchArgs {
    /// Synthetic events to store.
    #[arg(long, default_value_t = 5_000_000)]
    pub events: usize,
    /// The store to build (kept, and reused if it already holds at least `--events` events).
    #[arg(long, default_value = "bench-store.db")]
    pub db: PathBuf,
}

/// Opens the benchmark store at `db`, topping it up with synthetic events until it holds at least
/// `events` (a store built by an earlier run is reused), and says so on stderr.
pub fn open_synthetic_store(db: &Path, events: usize) -> Result<Store> {
    let mut store =
        Store::open(db).with_context(|| format!("cannot open store {}", db.display()))?;
    let have = store.counts()?.events as usize;
    if have < events {
        let start = Instant::now();
        eprintln!(
            "adding {} synthetic events to {}",
            events - have,
            db.display()
        );
        store.add_synthetic_events(events - have, have as u64 + 1)?;
        eprintln!("built in {:.1} s", start.elapsed().as_secs_f64());
    }
    Ok(store)
}

/// `redline bench store`: builds (or reuses) a store of synthetic events, then times reports.
pub fn bench_store(args: &StoreBenchArgs, out: &mut impl Write) -> Result<()> {
    let store = open_synthetic_store(&args.db, args.events)?;
    let total = store.counts()?.events;
    let queries: [(&str, ReportQuery); 4] = [
        ("all dyads, by month", ReportQuery::default()),
        (
            "one dyad, by day",
            ReportQuery {
                dyad: Some(("AAX".into(), "ABX".into())),
                by: Period::Day,
                ..ReportQuery::default()
            },
        ),
        (
            "one country, by week",
            ReportQuery {
                country: Some("AAX".into()),
                by: Period::Week,
                ..ReportQuery::default()
            },
        ),
        (
            "all dyads, one quarter, by week",
            ReportQuery {
                from: chrono::NaiveDate::from_ymd_opt(2024, 7, 1),
                to: chrono::NaiveDate::from_ymd_opt(2024, 9, 30),
                by: Period::Week,
                ..ReportQuery::default()
            },
        ),
    ];
    writeln!(out, "store: {total} events in {}", args.db.display())?;
    for (name, q) in queries {
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let r = redline_store::report::report(&store, &q)?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(r);
        }
        times.sort_by(f64::total_cmp);
        writeln!(
            out,
            "report {name}: {:.0} ms (median of 5; slowest {:.0} ms)",
            times[2], times[4]
        )?;
    }
    Ok(())
}

/// Arguments of `redline alerts`.
#[derive(clap::Args, Clone)]
pub struct AlertsArgs {
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// A rule file (docs/alerts.md); default the embedded rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD).
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub to: Option<chrono::NaiveDate>,
    /// Triggering events shown per alert (in tables; JSON and CSV have all that are kept).
    #[arg(long, default_value_t = 3)]
    pub events: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutFormat,
    /// Print the embedded default rules and exit.
    #[arg(long)]
    pub print_rules: bool,
}

/// The rules of `--rules`, or the embedded ones.
pub fn load_rules(path: Option<&Path>) -> Result<Vec<redline_store::alerts::Rule>> {
    Ok(match path {
        None => redline_store::alerts::parse_rules(
            "rules/default.toml",
            redline_store::alerts::DEFAULT_RULES,
        )?,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            redline_store::alerts::parse_rules(&p.display().to_string(), &text)?
        }
    })
}

/// `redline alerts`.
pub fn alerts(args: &AlertsArgs, out: &mut impl Write) -> Result<()> {
    if args.print_rules {
        out.write_all(redline_store::alerts::DEFAULT_RULES.as_bytes())?;
        return Ok(());
    }
    let rules = load_rules(args.rules.as_deref())?;
    let store = open_existing(&args.db)?;
    let alerts = redline_store::alerts::evaluate(&store, &rules, args.from, args.to)?;
    match args.format {
        OutFormat::Table => write_alerts_table(&alerts, args.events, out)?,
        OutFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &alerts_json(&alerts))?;
            writeln!(out)?;
        }
        OutFormat::Csv => write_alerts_csv(&alerts, out)?,
    }
    Ok(())
}

fn short(s: &str, n: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= n {
        s
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

/// Writes alerts for people: one line per alert, then its triggering events indented.
pub fn write_alerts_table(
    alerts: &[redline_store::alerts::Alert],
    n_events: usize,
    out: &mut impl Write,
) -> Result<()> {
    if alerts.is_empty() {
        writeln!(out, "no alerts")?;
        return Ok(());
    }
    let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    for a in alerts {
        *by_rule.entry(&a.rule).or_default() += 1;
        let when = if a.from == a.to {
            a.from.to_string()
        } else {
            format!("{} to {}", a.from, a.to)
        };
        writeln!(
            out,
            "{:<6}  {when}  {}  {}-{}  {}",
            a.severity.as_str().to_uppercase(),
            a.rule,
            a.dyad.0,
            a.dyad.1,
            a.message
        )?;
        for e in a.events.iter().take(n_events) {
            writeln!(
                out,
                "          {} {} -> {} {} x{}  {}: \"{}\"",
                e.date.map_or("-".into(), |d| d.to_string()),
                e.source,
                e.target.as_deref().unwrap_or("-"),
                e.cameo,
                e.n_mentions,
                e.doc_id.rsplit('/').next().unwrap_or(&e.doc_id),
                short(&e.sentence, 90)
            )?;
        }
        if a.n_events > n_events.min(a.events.len()) {
            writeln!(
                out,
                "          ... {} more",
                a.n_events - n_events.min(a.events.len())
            )?;
        }
    }
    let counts: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
    writeln!(out, "{} alerts: {}", alerts.len(), counts.join(", "))?;
    Ok(())
}

fn event_json(e: &redline_store::export::EventRow) -> serde_json::Value {
    json!({
        "event_id": e.event_key,
        "date": e.date.map(|d| d.to_string()),
        "source": e.source,
        "target": e.target,
        "cameo": e.cameo,
        "quad_class": e.quad_class,
        "goldstein": e.goldstein,
        "mentions": e.n_mentions,
        "sources": e.n_sources,
        "documents": e.n_documents,
        "doc_id": e.doc_id,
        "sentence": e.sentence,
    })
}

fn alerts_json(alerts: &[redline_store::alerts::Alert]) -> serde_json::Value {
    json!(
        alerts
            .iter()
            .map(|a| json!({
                "rule": a.rule,
                "severity": a.severity.as_str(),
                "dyad": format!("{}-{}", a.dyad.0, a.dyad.1),
                "from": a.from.to_string(),
                "to": a.to.to_string(),
                "message": a.message,
                "n_events": a.n_events,
                "events": a.events.iter().map(event_json).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    )
}

fn write_alerts_csv(alerts: &[redline_store::alerts::Alert], out: &mut impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rule",
        "severity",
        "dyad",
        "from",
        "to",
        "message",
        "n_events",
        "event_ids",
    ])?;
    for a in alerts {
        let ids: Vec<String> = a.events.iter().map(|e| e.event_key.to_string()).collect();
        w.write_record([
            a.rule.clone(),
            a.severity.as_str().to_string(),
            format!("{}-{}", a.dyad.0, a.dyad.1),
            a.from.to_string(),
            a.to.to_string(),
            a.message.clone(),
            a.n_events.to_string(),
            ids.join(" "),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Arguments of `redline monitor`.
#[derive(clap::Args, Clone)]
pub struct MonitorArgs {
    /// Files or folders to ingest first.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// A rule file; default the embedded rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Grouping of the report's series.
    #[arg(long, value_enum, default_value = "month")]
    pub by: By,
    /// Relationships listed in the report.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Relationships with a time series.
    #[arg(long, default_value_t = 2)]
    pub series: usize,
    /// Take sources from the built-in dependency parser, as `redline code --syntax` does (off by
    /// default; see the README's Syntax section).
    #[arg(long)]
    pub syntax: bool,
}

/// `redline monitor`: ingest, then the report, then the alerts. Returns whether every input was
/// read.
pub fn monitor(
    args: &MonitorArgs,
    coder: std::sync::Arc<redline::Coder>,
    out: &mut impl Write,
) -> Result<bool> {
    let rules = load_rules(args.rules.as_deref())?;
    let ingest_args = crate::ingest::IngestArgs {
        paths: args.paths.clone(),
        db: args.db.clone(),
        batch: 256,
        dicts: Vec::new(),
        syntax: args.syntax,
    };
    let outcome = crate::ingest::run(&ingest_args, coder, &crate::fetch::Fetcher::new())?;
    eprintln!("{}", crate::ingest::summary_line(&outcome, &args.db));
    let report_args = ReportArgs {
        db: args.db.clone(),
        from: None,
        to: None,
        dyad: None,
        country: None,
        by: args.by,
        format: OutFormat::Table,
        top: args.top,
        series: args.series,
        baseline: 6,
    };
    report(&report_args, out)?;
    writeln!(out)?;
    writeln!(out, "Alerts")?;
    let store = open_existing(&args.db)?;
    let alerts = redline_store::alerts::evaluate(&store, &rules, None, None)?;
    write_alerts_table(&alerts, 1, out)?;
    Ok(outcome.skipped_files == 0)
}

/// Arguments of `redline blocs`.
#[derive(clap::Args, Clone)]
pub struct BlocsArgs {
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// First day (YYYY-MM-DD); default the first in the store.
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD); default the last in the store.
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub to: Option<chrono::NaiveDate>,
    /// One result per period.
    #[arg(long, value_enum, default_value = "month")]
    pub by: By,
    /// The poles, comma-separated country codes.
    #[arg(long, default_value = "USA,CHN,RUS", value_delimiter = ',')]
    pub poles: Vec<String>,
    /// Fewest events for a relationship to count in a period.
    #[arg(long, default_value_t = 1)]
    pub min_events: i64,
    /// Show this country's alignment with each pole over time instead of the blocs.
    #[arg(long)]
    pub country: Option<String>,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutFormat,
}

/// `redline blocs`.
pub fn blocs(args: &BlocsArgs, out: &mut impl Write) -> Result<()> {
    let store = open_existing(&args.db)?;
    let Some((first, last)) = redline_store::report::store_days(&store)? else {
        writeln!(out, "no events between two countries in the store")?;
        return Ok(());
    };
    let poles: Vec<String> = args.poles.iter().map(|p| p.trim().to_uppercase()).collect();
    let by = match args.by {
        By::Day => Period::Day,
        By::Week => Period::Week,
        By::Month => Period::Month,
    };
    let periods = redline_store::blocs::blocs(
        &store,
        &redline_store::blocs::BlocQuery {
            from: args.from.unwrap_or(first),
            to: args.to.unwrap_or(last),
            by,
            poles: poles.clone(),
            min_events: args.min_events,
        },
    )?;
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:+.2}"));
    if args.format == OutFormat::Json {
        let value = redline_store::blocs::blocs_json(&periods, &poles, by);
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    if let Some(country) = &args.country {
        let country = country.to_uppercase();
        writeln!(
            out,
            "{country}: alignment with {} by {}",
            poles.join(", "),
            by.name()
        )?;
        let mut header = vec!["PERIOD".to_string()];
        header.extend(poles.iter().cloned());
        header.push("BLOC".into());
        let rows: Vec<Vec<String>> = periods
            .iter()
            .map(|p| {
                let c = p.countries.iter().find(|c| c.country == country);
                let mut row = vec![by.label(p.start)];
                row.extend((0..poles.len()).map(|i| fmt(c.and_then(|c| c.with_poles[i]))));
                row.push(
                    c.and_then(|c| c.bloc)
                        .map_or("-".into(), |i| poles[i].clone()),
                );
                row
            })
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        return write_aligned(out, &header, &rows);
    }
    writeln!(
        out,
        "Blocs by {}: poles {}; a country joins the pole it is most aligned with (> {:.1}); SPLIT is 1 for friends inside blocs and enemies across",
        by.name(),
        poles.join(", "),
        redline_store::blocs::BLOC_THRESHOLD
    )?;
    let mut header = vec!["PERIOD".to_string(), "SPLIT".to_string()];
    let pairs = periods
        .first()
        .map_or(Vec::new(), |p| p.between_poles.clone());
    header.extend(
        pairs
            .iter()
            .map(|(i, j, _)| format!("{}-{}", poles[*i], poles[*j])),
    );
    header.extend(poles.iter().map(|p| format!("{p} BLOC")));
    let rows: Vec<Vec<String>> = periods
        .iter()
        .map(|p| {
            let mut row = vec![by.label(p.start), fmt(p.split)];
            row.extend(p.between_poles.iter().map(|(_, _, s)| fmt(*s)));
            for (i, pole) in poles.iter().enumerate() {
                let members: Vec<&str> = p
                    .countries
                    .iter()
                    .filter(|c| c.bloc == Some(i) && c.country != *pole)
                    .map(|c| c.country.as_str())
                    .collect();
                row.push(if members.is_empty() {
                    "-".into()
                } else {
                    members.join(" ")
                });
            }
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_aligned(out, &header, &rows)
}

/// Arguments of `redline watch`.
#[derive(clap::Args, Clone)]
pub struct WatchArgs {
    /// Folders, files, feed files and feed URLs (http, https) to poll.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// Seconds between polls.
    #[arg(long, default_value_t = 60)]
    pub interval: u64,
    /// Stop after this many polls (0: never).
    #[arg(long, default_value_t = 0)]
    pub rounds: u64,
    /// A rule file; default the embedded rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Take sources from the built-in dependency parser, as `redline code --syntax` does (off by
    /// default; see the README's Syntax section).
    #[arg(long)]
    pub syntax: bool,
}

/// `redline watch`: polls the paths, ingests what is new or changed (unchanged documents are
/// skipped by their content hash before coding), and prints the alerts that appeared.
pub fn watch(
    args: &WatchArgs,
    coder: std::sync::Arc<redline::Coder>,
    out: &mut impl Write,
) -> Result<bool> {
    let rules = load_rules(args.rules.as_deref())?;
    let key = |a: &redline_store::alerts::Alert| {
        format!("{}|{:?}|{}|{}|{}", a.rule, a.dyad, a.from, a.to, a.message)
    };
    let mut known: std::collections::HashSet<String> = match Store::open(&args.db) {
        Ok(store) => redline_store::alerts::evaluate(&store, &rules, None, None)?
            .iter()
            .map(key)
            .collect(),
        Err(_) => Default::default(),
    };
    let mut all_ok = true;
    let mut round = 0;
    // One fetcher for every poll: it sends each feed URL's ETag and Last-Modified back, so an
    // unchanged feed answers 304 and is neither downloaded nor parsed again.
    let fetcher = crate::fetch::Fetcher::new();
    loop {
        round += 1;
        let ingest_args = crate::ingest::IngestArgs {
            paths: args.paths.clone(),
            db: args.db.clone(),
            batch: 256,
            dicts: Vec::new(),
            syntax: args.syntax,
        };
        let outcome = crate::ingest::run(&ingest_args, coder.clone(), &fetcher)?;
        all_ok &= outcome.skipped_files == 0;
        let s = outcome.summary;
        if s.added + s.replaced > 0 {
            writeln!(out, "{}", crate::ingest::summary_line(&outcome, &args.db))?;
            let store = open_existing(&args.db)?;
            let fresh: Vec<redline_store::alerts::Alert> =
                redline_store::alerts::evaluate(&store, &rules, None, None)?
                    .into_iter()
                    .filter(|a| known.insert(key(a)))
                    .collect();
            if !fresh.is_empty() {
                write_alerts_table(&fresh, 1, out)?;
            }
        }
        out.flush()?;
        if args.rounds != 0 && round >= args.rounds {
            return Ok(all_ok);
        }
        std::thread::sleep(std::time::Duration::from_secs(args.interval));
    }
}
