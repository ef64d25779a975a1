//! PETRARCH-2 and TABARI in the CLI: finding their dictionary files, `redline validate`, and
//! `redline bench --load-petrarch`. The readers themselves are in the core (`redline::compat`);
//! this module only reads files and prints.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use redline::compat::options::{TabariOptions, read_options};
use redline::compat::validation::{self, Expected, Record, RecordResult, Suite, Triple};
use redline::compat::{Dialect, ForeignExtras, ForeignFiles, load_foreign};
use redline::{Coder, Config, Diagnostic, Dictionaries, Doc};

/// A foreign dictionary set: each file's role, name and text.
pub struct ForeignSet {
    /// PETRARCH or TABARI conventions.
    pub dialect: Dialect,
    /// (role, display name, text).
    pub files: Vec<(String, String, String)>,
    /// How the set was named (`petrarch:DIR`).
    pub label: String,
}

impl ForeignSet {
    /// Adds the set to `dicts`.
    pub fn load_into(&self, dicts: &mut Dictionaries) -> (ForeignExtras, Vec<Diagnostic>) {
        let mut files = ForeignFiles::default();
        for (role, name, text) in &self.files {
            let list = match role.as_str() {
                "verbs" => &mut files.verbs,
                "actors" => &mut files.actors,
                "agents" => &mut files.agents,
                "discards" => &mut files.discards,
                "issues" => &mut files.issues,
                _ => continue,
            };
            list.push((name.as_str(), text.as_str()));
        }
        let out = load_foreign(dicts, &files, self.dialect);
        dicts.version = format!("{}+{}", dicts.version, self.label);
        out
    }
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Some of the old dictionaries are Latin-1; keep going with replacement characters.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The production file set of a PETRARCH dictionary folder: from `PETR_config.ini` (in the
/// folder or its parent) when there is one, else CAMEO.2.0.txt and the Phoenix files.
fn petrarch_roles(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let ini = [dir.join("PETR_config.ini"), dir.join("../PETR_config.ini")]
        .into_iter()
        .find(|p| p.is_file());
    let mut roles = Vec::new();
    if let Some(ini) = ini {
        for line in read(&ini)?.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') && line != "[Dictionaries]" && !roles.is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let role = match key.trim() {
                "verbfile_name" => "verbs",
                "actorfile_list" => "actors",
                "agentfile_name" => "agents",
                "discardfile_name" => "discards",
                "issuefile_name" => "issues",
                _ => continue,
            };
            for name in value.split(',') {
                roles.push((role.to_string(), dir.join(name.trim())));
            }
        }
    }
    if roles.is_empty() {
        let mut actors: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("Phoenix.") && n.ends_with(".actors.txt"))
            })
            .collect();
        actors.sort();
        roles.push(("verbs".into(), dir.join("CAMEO.2.0.txt")));
        roles.extend(actors.into_iter().map(|p| ("actors".into(), p)));
        roles.push(("agents".into(), dir.join("Phoenix.agents.txt")));
        roles.push(("discards".into(), dir.join("Phoenix.discards.txt")));
        roles.push(("issues".into(), dir.join("Phoenix.IssueCoding.txt")));
    }
    Ok(roles)
}

fn load_roles(
    roles: Vec<(String, PathBuf)>,
    dialect: Dialect,
    label: String,
) -> Result<ForeignSet> {
    let mut files = Vec::new();
    for (role, path) in roles {
        files.push((role, path.display().to_string(), read(&path)?));
    }
    Ok(ForeignSet {
        dialect,
        files,
        label,
    })
}

/// Reads a PETRARCH dictionary folder.
pub fn petrarch_set(dir: &Path) -> Result<ForeignSet> {
    load_roles(
        petrarch_roles(dir)?,
        Dialect::Petrarch,
        format!("petrarch:{}", dir.display()),
    )
}

/// Reads the dictionaries a TABARI project file names.
pub fn tabari_set(project: &Path) -> Result<ForeignSet> {
    let base = project.parent().unwrap_or(Path::new("."));
    let roles = validation::read_tabari_project(&read(project)?)
        .into_iter()
        .filter(|(role, _)| matches!(role.as_str(), "verbs" | "actors" | "agents"))
        .map(|(role, name)| (role, base.join(name)))
        .collect();
    load_roles(
        roles,
        Dialect::Tabari,
        format!("tabari:{}", project.display()),
    )
}

/// The options of a TABARI project: its `<optionsfile>` (TABARI's defaults without one).
fn tabari_options(project: &Path) -> Result<(TabariOptions, Vec<Diagnostic>)> {
    let base = project.parent().unwrap_or(Path::new("."));
    let file = validation::read_tabari_project(&read(project)?)
        .into_iter()
        .find(|(role, _)| role == "options");
    Ok(match file {
        Some((_, name)) => {
            let path = base.join(name);
            read_options(&path.display().to_string(), &read(&path)?)
        }
        None => (TabariOptions::default(), Vec::new()),
    })
}

/// The dictionaries a PETRARCH XML suite's `<Environment>` names, found beside the file or in
/// `../dictionaries`.
fn suite_set(xml: &Path, suite: &Suite) -> Result<ForeignSet> {
    let name = xml.display().to_string();
    let base = xml.parent().unwrap_or(Path::new("."));
    let mut roles = Vec::new();
    for (role, file) in &suite.environment {
        let path = [base.join(file), base.join("../dictionaries").join(file)]
            .into_iter()
            .find(|p| p.is_file())
            .with_context(|| {
                format!("{name}: dictionary '{file}' not found beside it or in ../dictionaries")
            })?;
        roles.push((role.clone(), path));
    }
    load_roles(roles, Dialect::Petrarch, format!("petrarch:{name}"))
}

/// The dictionaries a PETRARCH XML validation file's `<Environment>` names.
pub fn petrarch_suite_set(xml: &Path) -> Result<ForeignSet> {
    let name = xml.display().to_string();
    let (suite, _) = validation::read_petrarch_records(&name, &read(xml)?);
    suite_set(xml, &suite)
}

/// Removes every event of a sentence where a TABARI discard (`[###]`) or complex (`[+++]`)
/// pattern fired.
pub fn drop_discarded(events: Vec<redline::Event>) -> Vec<redline::Event> {
    let discarded: Vec<usize> = events
        .iter()
        .filter(|e| redline::cameo::is_uncoded_marker(e.code.as_str()))
        .map(|e| e.sentence_index)
        .collect();
    if discarded.is_empty() {
        return events;
    }
    events
        .into_iter()
        .filter(|e| !discarded.contains(&e.sentence_index))
        .collect()
}

/// Parses a `--dictionaries` value: `petrarch:DIR`, `petrarch:SUITE.xml` (the dictionaries
/// its `<Environment>` names) or `tabari:PROJECTFILE`.
pub fn parse_spec(spec: &str) -> Result<ForeignSet> {
    match spec.split_once(':') {
        Some(("petrarch", path)) if path.ends_with(".xml") => petrarch_suite_set(Path::new(path)),
        Some(("petrarch", dir)) => petrarch_set(Path::new(dir)),
        Some(("tabari", project)) => tabari_set(Path::new(project)),
        _ => bail!("'{spec}' is not petrarch:DIR or tabari:PROJECTFILE"),
    }
}

/// How `redline validate` prints its report.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table per category, then the event-level figures.
    Text,
    /// One JSON object (`records`, `passed`, `pass_rate`, `categories`, `events`, ...).
    Json,
}

/// Arguments of `redline validate`.
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// PETRARCH's XML records (`*.xml`) or TABARI's `Validate.text`.
    file: PathBuf,
    /// `text` for people, `json` for one object.
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    /// The TABARI project file naming the dictionaries (default: `Validate.project` beside the
    /// records).
    #[arg(long)]
    project: Option<PathBuf>,
    /// Also load Redline's embedded dictionaries (off by default: the suites use fictional
    /// actors on their own dictionaries).
    #[arg(long)]
    with_embedded: bool,
    /// List every failed record with what was expected and produced.
    #[arg(long)]
    verbose: bool,
    /// Print only the failed records, one a line (`FAIL id expected [...] produced [...]`),
    /// without the tables: for grep and diff between runs.
    #[arg(long, conflicts_with = "format")]
    failures: bool,
    /// Print the coder's trace (as `redline code --explain`) for the record with this id.
    #[arg(long)]
    explain: Option<String>,
}

/// Runs `redline validate`; returns whether the run went through (not whether records passed).
pub fn validate(args: ValidateArgs, out: &mut impl Write) -> Result<bool> {
    let text = read(&args.file)?;
    let name = args.file.display().to_string();
    let is_xml = args.file.extension().is_some_and(|e| e == "xml");
    let (suite, set, mut diags) = if is_xml {
        let (suite, diags) = validation::read_petrarch_records(&name, &text);
        let set = suite_set(&args.file, &suite)?;
        (suite, set, diags)
    } else {
        let project = args.project.clone().unwrap_or_else(|| {
            args.file
                .parent()
                .unwrap_or(Path::new("."))
                .join("Validate.project")
        });
        let (options, mut diags) = tabari_options(&project)?;
        let (suite, more) = validation::read_tabari_records(&name, &text, options);
        diags.extend(more);
        (suite, tabari_set(&project)?, diags)
    };
    let mut dicts = if args.with_embedded {
        Dictionaries::embedded().0
    } else {
        Dictionaries::empty()
    };
    let (extras, dict_diags) = set.load_into(&mut dicts);
    let dict_errors = dict_diags
        .iter()
        .filter(|d| d.severity == redline::Severity::Error)
        .count();
    diags.retain(|d| d.severity == redline::Severity::Error);
    for d in &diags {
        eprintln!("redline: {d}");
    }
    // The suites expect verbs only: PETRARCH and TABARI do not code nominal events.
    let config = Config {
        petrarch_style: true,
        ..Config::default()
    };
    let dicts = Arc::new(dicts);
    let coder = Coder::new(dicts.clone(), config.clone());
    if let Some(id) = &args.explain {
        let Some(record) = suite.records.iter().find(|r| &r.id == id) else {
            bail!("{name}: no record '{id}'");
        };
        // As the run codes it, but alone (without the record before it under FORWARD).
        let doc = Doc::new(record.id.clone(), record.text.clone()).with_published(record.date);
        let coder = Coder::new(dicts.clone(), record_config(&config, record));
        let (events, traces) = coder.code_explained(&doc);
        crate::write_explain(out, &doc, &events, &traces)?;
        writeln!(out, "expected: {:?}", record.expected)?;
        return Ok(true);
    }
    let results: Vec<RecordResult> = suite
        .records
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let Some(o) = &r.tabari else {
                return run_record(&coder, &extras, r, None, is_xml);
            };
            // FORWARD: the record before, when it is of the same story, is coded first.
            let story = |id: &str| id.rsplit_once('-').map(|(s, _)| s.to_string());
            let before = (o.forward && k > 0)
                .then(|| &suite.records[k - 1])
                .filter(|p| story(&p.id).is_some() && story(&p.id) == story(&r.id))
                .map(|p| p.text.as_str());
            let coder = Coder::new(dicts.clone(), record_config(&config, r));
            run_record(&coder, &extras, r, before, is_xml)
        })
        .collect();
    let report = validation::report(&results);
    print_report(
        &args,
        &suite,
        &report,
        &results,
        (dict_diags.len(), dict_errors),
        out,
    )?;
    Ok(true)
}

/// The coder's configuration for a record: TABARI's options in force change it (default actors,
/// pronouns forwarded across a story, pronouns standing for the sentence's first actor).
fn record_config(base: &Config, record: &Record) -> Config {
    match &record.tabari {
        None => base.clone(),
        Some(o) => Config {
            defaults: o.defaults.clone(),
            forward_pronouns: o.forward,
            first_actor_pronouns: true,
            tabari_clauses: true,
            comma_clauses: o.comma,
            ..base.clone()
        },
    }
}

/// Codes one record (after the text `before` it in its story, whose events do not count); a
/// panic in the coder fails the record instead of the run.
fn run_record(
    coder: &Coder,
    extras: &ForeignExtras,
    record: &Record,
    before: Option<&str>,
    petrarch: bool,
) -> RecordResult {
    if matches!(record.expected, Expected::Malformed(_)) {
        return validation::judge(record, Vec::new());
    }
    if extras.discards.find_on(&record.text, record.date).is_some() {
        return validation::judge(record, Vec::new());
    }
    // Under `SET: TIME SHIFT` a `<TIME>` phrase coded `[###]` discards the record.
    if record.tabari.as_ref().is_some_and(|o| o.time_shift)
        && extras.time_discards.find(&record.text).is_some()
    {
        return validation::judge(record, Vec::new());
    }
    // TABARI does not code a record shorter than `SET: MINIMUM WORDS`.
    if record
        .tabari
        .as_ref()
        .is_some_and(|o| o.too_short(&record.text))
    {
        return validation::judge(record, Vec::new());
    }
    let require_dyad = record
        .options
        .get("require_dyad")
        .is_none_or(|v| v != "false");
    let (text, offset) = match before {
        Some(b) => (format!("{b}\n\n{}", record.text), b.len() + 2),
        None => (record.text.clone(), 0),
    };
    let doc = Doc::new(record.id.clone(), text).with_published(record.date);
    let coded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut events = coder.code(&doc);
        events.retain(|e| e.sentence.start >= offset);
        events
    }));
    let Ok(events) = coded else {
        let mut r = validation::judge(record, Vec::new());
        r.passed = false;
        r.note = Some("the coder panicked on this record".to_string());
        return r;
    };
    // A bare agent ("officials said") has no country: PETRARCH writes it `---GOV` and, with
    // require_dyad (the default), drops events whose source or target lacks one; TABARI writes
    // it `~GOV` and keeps it.
    let code_of = |code: &str| {
        // TABARI writes a bare agent coded before the country (`[NGM~]`) as its code alone.
        if !extras.agent_codes.contains(code)
            || (!petrarch && extras.prefix_agent_codes.contains(code))
        {
            code.to_string()
        } else if petrarch {
            format!("---{code}")
        } else {
            format!("~{code}")
        }
    };
    // TABARI's discard and complex codes: a pattern coded `###` or `+++` leaves the sentence
    // uncoded.
    if events
        .iter()
        .any(|e| redline::cameo::is_uncoded_marker(e.code.as_str()))
    {
        return validation::judge(record, Vec::new());
    }
    let produced: Vec<Triple> = events
        .iter()
        .map(|e| Triple {
            source: code_of(e.source.code.as_str()),
            target: e
                .target
                .as_ref()
                .map_or("---".to_string(), |t| code_of(t.code.as_str())),
            code: e.code.to_string(),
        })
        .filter(|t| !require_dyad || !(t.source.starts_with("---") || t.target.starts_with("---")))
        .collect();
    validation::judge(record, produced)
}

fn print_report(
    args: &ValidateArgs,
    suite: &Suite,
    report: &validation::Report,
    results: &[RecordResult],
    (n_diags, n_errors): (usize, usize),
    out: &mut impl Write,
) -> Result<()> {
    let level = |p: &validation::Prf| {
        serde_json::json!({
            "precision": p.precision(), "recall": p.recall(), "f1": p.f1(),
            "true_positives": p.true_positives, "produced": p.produced, "expected": p.expected,
        })
    };
    if args.format == ReportFormat::Json {
        let categories: BTreeMap<&String, serde_json::Value> = report
            .by_category
            .iter()
            .map(|(c, (n, p))| {
                (c, serde_json::json!({"records": n, "passed": p, "pass_rate": *p as f64 / *n as f64}))
            })
            .collect();
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.id.as_str())
            .collect();
        let report_json = serde_json::json!({
            "file": args.file.display().to_string(),
            "records": report.records,
            "passed": report.passed,
            "pass_rate": report.pass_rate(),
            "skipped": suite.skipped,
            "categories": categories,
            "events": {
                "exact": level(&report.exact),
                "dyad_root": level(&report.dyad_root),
                "dyad": level(&report.dyad),
            },
            "dictionary_diagnostics": n_diags,
            "dictionary_errors": n_errors,
            "failed": failed,
        });
        writeln!(out, "{report_json}")?;
        return Ok(());
    }
    if args.verbose || args.failures {
        let show = |v: &[Triple]| {
            v.iter()
                .map(|t| format!("{}/{}/{}", t.source, t.target, t.code))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for r in results.iter().filter(|r| !r.passed) {
            writeln!(
                out,
                "FAIL {:<16} expected [{}] produced [{}]{}",
                r.id,
                show(&r.expected),
                show(&r.produced),
                r.note.as_ref().map_or(String::new(), |n| format!(" ({n})"))
            )?;
        }
        if args.failures {
            return Ok(());
        }
    }
    writeln!(out, "{}", args.file.display())?;
    writeln!(
        out,
        "{:<12} {:>7} {:>7} {:>8}",
        "category", "records", "passed", "rate"
    )?;
    for (c, (n, p)) in &report.by_category {
        writeln!(
            out,
            "{c:<12} {n:>7} {p:>7} {:>7.1}%",
            100.0 * *p as f64 / *n as f64
        )?;
    }
    writeln!(
        out,
        "{:<12} {:>7} {:>7} {:>7.1}%   ({} records not run)",
        "all",
        report.records,
        report.passed,
        100.0 * report.pass_rate(),
        suite.skipped
    )?;
    writeln!(out, "events        precision  recall      F1")?;
    for (name, p) in [
        ("exact", &report.exact),
        ("dyad+root", &report.dyad_root),
        ("dyad", &report.dyad),
    ] {
        writeln!(
            out,
            "{name:<12} {:>10.3} {:>7.3} {:>7.3}",
            p.precision(),
            p.recall(),
            p.f1()
        )?;
    }
    writeln!(
        out,
        "dictionaries: {n_diags} diagnostics ({n_errors} errors; see redline dict check)"
    )?;
    Ok(())
}

/// `redline bench --load-petrarch DIR`: load time (median of five) and peak memory.
pub fn bench_load(dir: &Path, json: bool, out: &mut impl Write) -> Result<()> {
    let set = petrarch_set(dir)?;
    let mut times = Vec::new();
    let mut base_times = Vec::new();
    let mut counts = (0, 0, 0);
    // On-CPU nanoseconds of this thread (the first field of schedstat): on a shared machine the
    // wall time includes waiting for a core, the CPU time does not.
    let cpu_ns = || {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
            })
    };
    let mut cpu_times = Vec::new();
    for _ in 0..5 {
        let cpu_start = cpu_ns();
        let start = Instant::now();
        let mut dicts = Dictionaries::empty();
        base_times.push(start.elapsed().as_secs_f64() * 1000.0);
        let (_, diags) = set.load_into(&mut dicts);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (cpu_start, cpu_ns()) {
            cpu_times.push((b - a) as f64 / 1e6);
        }
        counts = (dicts.actors.len(), dicts.verbs.len(), diags.len());
    }
    times.sort_by(f64::total_cmp);
    base_times.sort_by(f64::total_cmp);
    let median = times[2];
    let base = base_times[2];
    cpu_times.sort_by(f64::total_cmp);
    let cpu = cpu_times.get(cpu_times.len() / 2).copied();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (hwm, rss) = (kib("VmHWM:"), kib("VmRSS:"));
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({
                "dir": dir.display().to_string(), "load_ms_median": median,
                "load_ms_runs": times, "base_ms_median": base, "cpu_ms_median": cpu, "vm_hwm_mib": hwm as f64 / 1024.0,
                "vm_rss_mib": rss as f64 / 1024.0, "actor_phrases": counts.0,
                "verb_patterns": counts.1, "diagnostics": counts.2,
            })
        )?;
    } else {
        writeln!(
            out,
            "loaded {} actor phrases and {} verb patterns ({} diagnostics) from {} files",
            counts.0,
            counts.1,
            counts.2,
            set.files.len()
        )?;
        writeln!(
            out,
            "load time: {median:.1} ms wall, {} ms on CPU (medians of 5, from text already in memory; {base:.1} ms of it builds the lemma and CAMEO tables)\npeak memory: {:.1} MiB (VmHWM), now {:.1} MiB (VmRSS), whole process",
            cpu.map_or("?".to_string(), |c| format!("{c:.1}")),
            hwm as f64 / 1024.0,
            rss as f64 / 1024.0
        )?;
    }
    Ok(())
}
