//! `redline`: code news into political events.
//!
//! The binary parses arguments, reads files, calls the core and prints. Errors are shaped with
//! `anyhow` and turned into exit codes in one place, [`main`]: 0 all went well, 1 some input was
//! bad (reported and skipped; the rest was coded), 2 usage or setup errors.

mod bench;
mod compat;
mod corpus;
mod export;
mod feed;
mod fetch;
mod ingest;
mod input;
mod monitor;
mod serve_bench;
mod syntax;
mod wire;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use redline::coder::SentenceTrace;
use redline::{Coder, Config, Dictionaries, Doc, Event, GoldsteinScale, Severity};

/// mimalloc instead of glibc malloc: the dictionaries, the coder and the server allocate many small
/// strings and nodes (see the workspace Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "redline",
    version,
    about = "Code world news into CAMEO/PLOVER political events, with provenance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Code documents (.txt articles, .jsonl, .html, folders, or - for JSON Lines on stdin).
    Code(CodeArgs),
    /// Dictionary tools.
    Dict {
        #[command(subcommand)]
        command: DictCommand,
    },
    /// The built-in English tagger, lemmatiser and dependency parser.
    Syntax {
        #[command(subcommand)]
        command: syntax::SyntaxCommand,
    },
    /// Run a PETRARCH (XML records) or TABARI (Validate.text) validation suite and score it.
    Validate(compat::ValidateArgs),
    /// Code documents and store them, with their events merged across reports (see `--db`).
    Ingest(ingest::IngestArgs),
    /// Ingest, then the report and the alerts, in one step.
    Monitor(monitor::MonitorArgs),
    /// The state of relations per dyad, over time, and what changed most.
    Report(monitor::ReportArgs),
    /// Red lines crossed: alerts from rules (docs/alerts.md), with the events behind them.
    Alerts(monitor::AlertsArgs),
    /// Poll folders and feed files, ingest what is new and print new alerts.
    Watch(monitor::WatchArgs),
    /// Blocs and each country's alignment with chosen poles (USA, CHN, RUS) over time.
    Blocs(monitor::BlocsArgs),
    /// The store's events as GDELT, ICEWS, PLOVER, CSV or JSON Lines (docs/export.md).
    Export(export::ExportArgs),
    /// Serve the dashboard and the JSON API over a store (docs: README, "Dashboard and API").
    Serve(ServeArgs),
    /// Measure coding speed on a corpus built from the UD treebanks' sentences; with a
    /// subcommand, the monitor's benchmarks.
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        what: Option<bench::BenchWhat>,
        #[command(flatten)]
        args: bench::BenchArgs,
    },
}

/// Arguments of `redline serve`.
#[derive(clap::Args)]
struct ServeArgs {
    /// The store.
    #[arg(long, default_value = "redline.db")]
    db: PathBuf,
    /// Address to listen on; loopback unless told otherwise.
    #[arg(long, default_value_t = redline_server::DEFAULT_BIND)]
    bind: std::net::SocketAddr,
    /// Bearer token that allows `POST /api/documents` (else the environment's REDLINE_TOKEN;
    /// without either the server is read-only).
    #[arg(long)]
    token: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = redline_server::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Code posted documents with sources from the built-in dependency parser, as `redline code
    /// --syntax` does.
    #[arg(long)]
    syntax: bool,
}

/// `redline serve`.
fn serve(args: &ServeArgs) -> Result<bool> {
    let config = redline_server::ServerConfig {
        db: args.db.clone(),
        bind: args.bind,
        token: args
            .token
            .clone()
            .or_else(|| std::env::var("REDLINE_TOKEN").ok()),
        body_limit: args.body_limit,
        syntax: syntax_model(args.syntax)?,
    };
    let writes = if config.token.is_some() {
        "writes allowed with the token"
    } else {
        "read-only"
    };
    redline_server::run(&config, |addr| {
        eprintln!(
            "serving {} on http://{addr}/ ({writes})",
            config.db.display()
        );
    })?;
    Ok(true)
}

#[derive(Subcommand)]
enum DictCommand {
    /// Load the dictionaries and report every defect with file and line.
    Check {
        /// Folders or files to check: a Redline folder (with actors/ or verbs/ inside), a
        /// PETRARCH dictionary folder, or a TABARI `.project` file.
        paths: Vec<PathBuf>,
        /// Extra dictionary folders in Redline's format (with actors/ and verbs/ inside).
        #[arg(long = "dict")]
        dicts: Vec<PathBuf>,
        /// PETRARCH dictionary folders.
        #[arg(long)]
        petrarch: Vec<PathBuf>,
        /// TABARI project files.
        #[arg(long)]
        tabari: Vec<PathBuf>,
        /// Check only the named dictionaries, not the embedded ones.
        #[arg(long)]
        no_embedded: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// One JSON event a line (docs/events.md).
    Jsonl,
    /// An aligned table for people.
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
enum Scale {
    Gdelt,
    Schrodt,
}

#[derive(clap::Args)]
struct CodeArgs {
    /// Files, folders or feed URLs (http, https) to code; `-` reads JSON Lines from standard
    /// input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Show, per sentence, the tokens, actors, dates, patterns tried and why events were or
    /// were not produced.
    #[arg(long)]
    explain: bool,
    /// Publication date for every document (YYYY-MM-DD), overriding what the input says.
    #[arg(long, value_parser = parse_date_arg)]
    published: Option<chrono::NaiveDate>,
    /// Goldstein table.
    #[arg(long, value_enum, default_value = "gdelt")]
    goldstein: Scale,
    /// Extra dictionary folders in Redline's format (with actors/ and verbs/ inside), added to
    /// the embedded ones.
    #[arg(long = "dict")]
    dicts: Vec<PathBuf>,
    /// Foreign dictionaries, added to the embedded ones: `petrarch:DIR` (a PETRARCH-2
    /// dictionary folder) or `tabari:PROJECTFILE`. Repeatable.
    #[arg(long = "dictionaries")]
    foreign: Vec<String>,
    /// Leave out the embedded dictionaries (code with `--dict` and `--dictionaries` only).
    #[arg(long)]
    no_embedded: bool,
    /// Follow PETRARCH's and TABARI's conventions (verbs only; a "that" clause's subject as
    /// target), as `redline validate` does.
    #[arg(long)]
    petrarch_style: bool,
    /// Take sources from the built-in dependency parser, the shallow searches as fallback, and
    /// targets the shallow searches miss (off by default; see the README's Syntax section).
    #[arg(long)]
    syntax: bool,
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    input::parse_day(s).ok_or_else(|| format!("'{s}' is not a YYYY-MM-DD date"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Code(args) => code(args),
        Command::Dict {
            command:
                DictCommand::Check {
                    paths,
                    mut dicts,
                    petrarch,
                    tabari,
                    no_embedded,
                },
        } => (|| {
            let mut foreign = Vec::new();
            for p in petrarch {
                foreign.push(compat::petrarch_set(&p)?);
            }
            for p in tabari {
                foreign.push(compat::tabari_set(&p)?);
            }
            for p in paths {
                if p.extension().is_some_and(|e| e == "xml") {
                    foreign.push(compat::petrarch_suite_set(&p)?);
                } else if p.extension().is_some_and(|e| e == "project") {
                    foreign.push(compat::tabari_set(&p)?);
                } else if p.join("actors").is_dir() || p.join("verbs").is_dir() {
                    dicts.push(p);
                } else {
                    foreign.push(compat::petrarch_set(&p)?);
                }
            }
            dict_check(&dicts, &foreign, no_embedded)
        })(),
        Command::Syntax { command } => syntax::run(command).map(|()| true),
        Command::Validate(args) => with_stdout(|out| compat::validate(args, out)),
        Command::Ingest(args) => ingest_command(&args),
        Command::Report(args) => with_stdout(|out| monitor::report(&args, out).map(|()| true)),
        Command::Alerts(args) => with_stdout(|out| monitor::alerts(&args, out).map(|()| true)),
        Command::Watch(args) => make_coder(&[], args.syntax)
            .and_then(|coder| with_stdout(|out| monitor::watch(&args, coder, out))),
        Command::Blocs(args) => with_stdout(|out| monitor::blocs(&args, out).map(|()| true)),
        Command::Export(args) => ignore_broken_pipe(export::run(&args).map(|()| true)),
        Command::Monitor(args) => make_coder(&[], args.syntax)
            .and_then(|coder| with_stdout(|out| monitor::monitor(&args, coder, out))),
        Command::Serve(args) => serve(&args),
        Command::Bench { what: None, args } => {
            with_stdout(|out| bench::run(args, out).map(|()| true))
        }
        Command::Bench {
            what: Some(what), ..
        } => match what {
            bench::BenchWhat::Corpus(a) => bench::corpus(&a).map(|()| true),
            bench::BenchWhat::Ingest(a) => with_stdout(|out| bench::ingest(&a, out).map(|()| true)),
            bench::BenchWhat::Store(a) => {
                with_stdout(|out| monitor::bench_store(&a, out).map(|()| true))
            }
            bench::BenchWhat::Serve(a) => {
                with_stdout(|out| serve_bench::run(&a, out).map(|()| true))
            }
        },
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("redline: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Loads the embedded dictionaries plus any extra folders; returns them and whether every file
/// loaded without errors. Diagnostics go to standard error.
fn load_dictionaries(
    extra: &[PathBuf],
    foreign: &[compat::ForeignSet],
    no_embedded: bool,
) -> Result<(Dictionaries, Vec<redline::Diagnostic>)> {
    let (mut dicts, mut diags) = if no_embedded {
        (Dictionaries::empty(), Vec::new())
    } else {
        Dictionaries::embedded()
    };
    for set in foreign {
        diags.extend(set.load_into(&mut dicts).1);
    }
    for dir in extra {
        for (sub, is_actor) in [("actors", true), ("verbs", false)] {
            let folder = dir.join(sub);
            if !folder.is_dir() {
                continue;
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .with_context(|| format!("cannot read {}", folder.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let name = file.display().to_string();
                diags.extend(if is_actor {
                    dicts.add_actor_file(&name, &text)
                } else {
                    dicts.add_verb_file(&name, &text)
                });
            }
        }
        dicts.version = format!("{}+{}", dicts.version, dir.display());
    }
    Ok((dicts, diags))
}

/// Runs `f` on a buffered standard output and flushes it; a closed pipe is not an error.
fn with_stdout(
    f: impl FnOnce(&mut BufWriter<std::io::StdoutLock<'static>>) -> Result<bool>,
) -> Result<bool> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    ignore_broken_pipe(f(&mut out).and_then(|ok| out.flush().map(|()| ok).map_err(Into::into)))
}

/// A reader that closed the pipe (`| head`) is not an error.
fn ignore_broken_pipe(result: Result<bool>) -> Result<bool> {
    let broken = |e: &anyhow::Error| {
        let pipe = Some(std::io::ErrorKind::BrokenPipe);
        e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == pipe
                || c.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
                    == pipe
                || c.downcast_ref::<csv::Error>().is_some_and(|c| {
                    matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
                })
        })
    };
    match result {
        Err(e) if broken(&e) => Ok(true),
        other => other,
    }
}

/// The coder on the embedded dictionaries plus `extra`, with dictionary errors on stderr; with
/// `syntax`, taking sources from the embedded parser.
fn make_coder(extra: &[PathBuf], syntax: bool) -> Result<Arc<Coder>> {
    let (dicts, diags) = load_dictionaries(extra, &[], false)?;
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        eprintln!("redline: {d}");
    }
    let config = Config {
        syntax: syntax_model(syntax)?,
        ..Config::default()
    };
    Ok(Arc::new(Coder::new(Arc::new(dicts), config)))
}

/// The embedded syntax model when `wanted`.
fn syntax_model(wanted: bool) -> Result<Option<Arc<redline::syntax::SyntaxModel>>> {
    if !wanted {
        return Ok(None);
    }
    let model = redline::syntax::SyntaxModel::embedded().context("the embedded syntax model")?;
    Ok(Some(Arc::new(model)))
}

fn ingest_command(args: &ingest::IngestArgs) -> Result<bool> {
    let coder = make_coder(&args.dicts, args.syntax)?;
    let outcome = ingest::run(args, coder, &fetch::Fetcher::new())?;
    eprintln!("{}", ingest::summary_line(&outcome, &args.db));
    Ok(outcome.skipped_files == 0)
}

fn dict_check(
    extra: &[PathBuf],
    foreign: &[compat::ForeignSet],
    no_embedded: bool,
) -> Result<bool> {
    let start = Instant::now();
    let (dicts, diags) = load_dictionaries(extra, foreign, no_embedded)?;
    let elapsed = start.elapsed();
    for d in &diags {
        println!("{d}");
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    println!(
        "{} actor phrases, {} verb patterns, {} CAMEO codes; {} errors, {} warnings; loaded in {:.1} ms",
        dicts.actors.len(),
        dicts.verbs.len(),
        dicts.cameo.len(),
        errors,
        diags.len() - errors,
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(errors == 0)
}

fn code(args: CodeArgs) -> Result<bool> {
    let foreign = args
        .foreign
        .iter()
        .map(|s| compat::parse_spec(s))
        .collect::<Result<Vec<_>>>()?;
    let (dicts, diags) = load_dictionaries(&args.dicts, &foreign, args.no_embedded)?;
    let n_errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if foreign.is_empty() {
        for d in diags.iter().filter(|d| d.severity == Severity::Error) {
            eprintln!("redline: {d}");
        }
    } else if n_errors > 0 {
        // Foreign dictionaries carry many old defects; summarise instead of flooding stderr.
        eprintln!("redline: {n_errors} dictionary lines skipped (see redline dict check)");
    }
    let syntax = syntax_model(args.syntax)?;
    let config = Config {
        goldstein: match args.goldstein {
            Scale::Gdelt => GoldsteinScale::Gdelt,
            Scale::Schrodt => GoldsteinScale::Schrodt,
        },
        petrarch_style: args.petrarch_style,
        syntax,
        ..Config::default()
    };
    let coder = Coder::new(Arc::new(dicts), config);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut all_ok = true;
    let mut n_docs = 0usize;
    let mut table_rows: Vec<[String; 8]> = Vec::new();
    let mut write_error: Option<std::io::Error> = None;
    let fetcher = fetch::Fetcher::new();
    for path in input::expand(&args.paths) {
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                eprintln!("redline: skipped {e}");
                all_ok = false;
                continue;
            }
        };
        input::read_path(&path, &fetcher, &mut |doc| {
            let mut doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("redline: skipped {e}");
                    all_ok = false;
                    return;
                }
            };
            if args.published.is_some() {
                doc.published = args.published;
            }
            n_docs += 1;
            let result = if args.explain {
                let (events, traces) = coder.code_explained(&doc);
                write_explain(&mut out, &doc, &events, &traces)
            } else {
                let events = compat::drop_discarded(coder.code(&doc));
                match args.format {
                    Format::Jsonl => events.iter().try_for_each(|e| {
                        serde_json::to_writer(&mut out, &wire::event_out(&doc, e))
                            .map_err(std::io::Error::other)?;
                        out.write_all(b"\n")
                    }),
                    Format::Table => {
                        table_rows.extend(events.iter().map(|e| table_row(&doc, e)));
                        Ok(())
                    }
                }
            };
            if let Err(e) = result
                && write_error.is_none()
            {
                write_error = Some(e);
            }
        });
        if write_error.is_some() {
            break;
        }
    }
    if let Some(e) = write_error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(all_ok);
        }
        return Err(e).context("cannot write to standard output");
    }
    if args.format == Format::Table && !args.explain {
        write_table(&mut out, &table_rows)?;
    }
    out.flush().ok();
    if n_docs == 0 && all_ok {
        eprintln!("redline: no documents found");
    }
    Ok(all_ok)
}

fn table_row(doc: &Doc, e: &Event) -> [String; 8] {
    let sentence = &doc.text[e.sentence.range()];
    let short: String = sentence.chars().take(70).collect();
    [
        e.doc_id.clone(),
        e.date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
        e.source.code.to_string(),
        e.target.as_ref().map_or("-".into(), |t| t.code.to_string()),
        e.code.to_string(),
        e.modality.as_str().to_string(),
        format!("{:+.1}", e.goldstein),
        if short.len() < sentence.len() {
            format!("{short}...")
        } else {
            short
        },
    ]
}

fn write_table(out: &mut impl Write, rows: &[[String; 8]]) -> Result<()> {
    let header = [
        "DOC", "DATE", "SOURCE", "TARGET", "CAMEO", "MODALITY", "GOLD", "SENTENCE",
    ]
    .map(String::from);
    let mut widths = [0usize; 8];
    for row in std::iter::once(&header).chain(rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 7 {
                    c.clone()
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    writeln!(out, "{} events", rows.len())?;
    Ok(())
}

fn write_explain(
    out: &mut impl Write,
    doc: &Doc,
    events: &[Event],
    traces: &[SentenceTrace],
) -> std::io::Result<()> {
    let t = |s: redline::Span| &doc.text[s.range()];
    writeln!(
        out,
        "== document {} (published {}, title {:?})",
        doc.id,
        doc.published.map_or("unknown".into(), |d| d.to_string()),
        doc.title.as_deref().unwrap_or("")
    )?;
    for trace in traces {
        writeln!(
            out,
            "\n-- sentence {} [{}..{}]: {}",
            trace.index,
            trace.span.start,
            trace.span.end,
            t(trace.span)
        )?;
        let toks: Vec<String> = trace
            .tokens
            .iter()
            .map(|(s, _, lemma)| {
                if t(*s).to_lowercase() == *lemma {
                    t(*s).to_string()
                } else {
                    format!("{}/{}", t(*s), lemma)
                }
            })
            .collect();
        writeln!(out, "   tokens: {}", toks.join(" "))?;
        if trace.actors.is_empty() {
            writeln!(out, "   actors: none")?;
        }
        for (s, code, kind) in &trace.actors {
            writeln!(out, "   actor: {:?} = {code} ({kind})", t(*s))?;
        }
        for (s, n) in &trace.places {
            writeln!(out, "   place: {:?} ({n} gazetteer candidate(s))", t(*s))?;
        }
        for (s, date, basis) in &trace.dates {
            writeln!(out, "   date: {:?} = {date} ({basis})", t(*s))?;
        }
        for h in &trace.heads {
            let pattern = h.pattern.as_ref().map_or(String::new(), |(loc, text)| {
                format!(" best {loc} \"{text}\"")
            });
            writeln!(
                out,
                "   head {:?}: {} pattern(s) tried;{pattern} -> {}",
                t(h.span),
                h.tried,
                h.outcome
            )?;
        }
        for e in events.iter().filter(|e| e.sentence_index == trace.index) {
            writeln!(
                out,
                "   EVENT {} -> {} {} ({}) {} date {} ({}) via {}",
                e.source.code,
                e.target
                    .as_ref()
                    .map_or("-".to_string(), |x| x.code.to_string()),
                e.code,
                e.modality.as_str(),
                e.plover_event,
                e.date.map_or("-".into(), |d| d.to_string()),
                e.date_basis.as_str(),
                e.provenance.pattern
            )?;
            if let Some(l) = &e.location {
                writeln!(
                    out,
                    "      location: {} ({}, {}) {:.2},{:.2} [{}]: {}",
                    l.name,
                    l.kind.as_str(),
                    l.country,
                    l.lat,
                    l.lon,
                    l.basis.as_str(),
                    l.reason
                )?;
            }
        }
    }
    writeln!(out)
}
