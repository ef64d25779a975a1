//! `redline bench`: coding speed on one core, over a corpus built from the UD treebanks.
//!
//! The corpus is every `# text = ...` sentence of the UD English EWT (train, dev, test) and PUD
//! files, repeated until it holds the requested number of sentences and grouped twenty to a
//! document, or the documents of `--docs FILE` repeated the same way. The treebanks stay in
//! `../shared/data`; nothing is copied into the repository.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use redline::{Coder, Config, Dictionaries, Doc};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The shared data folder holding ud-ewt/ and ud-pud/.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// How many sentences to code.
    #[arg(long, default_value_t = 100_000)]
    sentences: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Instead of coding, measure loading this PETRARCH dictionary folder (time and memory).
    #[arg(long)]
    load_petrarch: Option<PathBuf>,
    /// Also code with the parser in the loop (`redline code --syntax`) and report that rate.
    #[arg(long)]
    syntax: bool,
    /// Code these documents (any input `redline code` reads: JSON Lines, text, HTML), repeated
    /// until they hold --sentences sentences, instead of the UD sentences: news text, where
    /// nearly every sentence holds an event, costs more than the treebanks' web text.
    #[arg(long)]
    docs: Option<PathBuf>,
}

/// The treebank files whose `# text` sentences make the corpus (also `redline syntax bench`'s).
pub const FILES: &[&str] = &[
    "ud-ewt/en_ewt-ud-train.conllu",
    "ud-ewt/en_ewt-ud-dev.conllu",
    "ud-ewt/en_ewt-ud-test.conllu",
    "ud-pud/en_pud-ud-test.conllu",
];

/// Every `# text = ` sentence of the UD files under `data`.
pub fn ud_sentences(data: &std::path::Path) -> Result<Vec<String>> {
    let mut sentences = Vec::new();
    for f in FILES {
        let path = data.join(f);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (set --data to the shared data folder)",
                path.display()
            )
        })?;
        sentences.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("# text = "))
                .map(str::to_string),
        );
    }
    if sentences.is_empty() {
        bail!("no '# text = ' lines found under {}", data.display());
    }
    Ok(sentences)
}

/// The UD sentences, repeated until there are `n`, twenty to a document; and how many are
/// distinct.
fn ud_docs(data: &std::path::Path, n: usize) -> Result<(Vec<Doc>, usize)> {
    let sentences = ud_sentences(data)?;
    let distinct = sentences.len();
    let mut docs = Vec::new();
    let mut k = 0;
    while k < n {
        let m = 20.min(n - k);
        let text: Vec<&str> = (k..k + m)
            .map(|i| sentences[i % distinct].as_str())
            .collect();
        docs.push(
            Doc::new(format!("bench-{}", docs.len()), text.join("\n\n"))
                .with_published(chrono::NaiveDate::from_ymd_opt(2024, 6, 21)),
        );
        k += m;
    }
    Ok((docs, distinct))
}

/// The documents of `path`, repeated until they hold at least `n` sentences (as the coder splits
/// them); and how many sentences are distinct. A bad document stops the benchmark: its numbers
/// would not be about the file.
fn repeated_docs(path: &std::path::Path, n: usize) -> Result<(Vec<Doc>, usize)> {
    let mut read = Vec::new();
    let mut first_error = None;
    crate::input::read_path(path, &crate::fetch::Fetcher::new(), &mut |doc| match doc {
        Ok(d) => read.push(d),
        Err(e) => {
            first_error.get_or_insert(e.to_string());
        }
    });
    if let Some(e) = first_error {
        bail!("{e}");
    }
    // The coder's own split (`Coder::sentences`), without loading dictionaries for it.
    let sizes: Vec<usize> = read
        .iter()
        .map(|d| redline::text::sentence_spans(&d.text, d.body.range()).len())
        .collect();
    let distinct: usize = sizes.iter().sum();
    if distinct == 0 {
        bail!("{}: no sentences to code", path.display());
    }
    let mut docs = Vec::new();
    let mut total = 0;
    while total < n {
        for (doc, size) in read.iter().zip(&sizes) {
            let mut copy = doc.clone();
            copy.id = format!("{}#{}", doc.id, docs.len());
            docs.push(copy);
            total += size;
            if total >= n {
                break;
            }
        }
    }
    Ok((docs, distinct))
}

pub fn run(args: BenchArgs, out: &mut impl Write) -> Result<()> {
    if let Some(dir) = &args.load_petrarch {
        return crate::compat::bench_load(dir, args.json, out);
    }
    let (docs, distinct) = match &args.docs {
        Some(path) => repeated_docs(path, args.sentences)?,
        None => ud_docs(&args.data, args.sentences)?,
    };
    // Dictionary load: the median of five loads.
    let mut loads = Vec::new();
    let mut dicts = None;
    for _ in 0..5 {
        let start = Instant::now();
        let (d, _) = Dictionaries::embedded();
        loads.push(start.elapsed().as_secs_f64() * 1000.0);
        dicts = Some(d);
    }
    loads.sort_by(f64::total_cmp);
    let load_ms = loads[2];
    let dicts = Arc::new(dicts.expect("five loads ran"));
    let start = Instant::now();
    dicts.gazetteer();
    let gazetteer_ms = start.elapsed().as_secs_f64() * 1000.0;
    // The same corpus without locations and tone, to show what they cost.
    let bare = Coder::new(
        dicts.clone(),
        Config {
            skip_places_and_tone: true,
            ..Config::default()
        },
    );
    let start = Instant::now();
    for doc in &docs {
        bare.code(doc);
    }
    let bare_secs = start.elapsed().as_secs_f64();
    let coder = Coder::new(dicts.clone(), Config::default());
    let n_sentences: usize = docs.iter().map(|d| coder.sentences(d).len()).sum();
    let start = Instant::now();
    let mut n_events = 0;
    for doc in &docs {
        n_events += coder.code(doc).len();
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = n_sentences as f64 / secs;
    // With the parser in the loop: a sentence is parsed when a head asks (its subject, with two
    // actors or more in the sentence; a target or agent the searches missed; a modality cue).
    let with_syntax = if args.syntax {
        let model =
            redline::syntax::SyntaxModel::embedded().context("the embedded syntax model")?;
        let parsing = Coder::new(
            dicts,
            Config {
                syntax: Some(Arc::new(model)),
                ..Config::default()
            },
        );
        let start = Instant::now();
        let mut events = 0;
        for doc in &docs {
            events += parsing.code(doc).len();
        }
        Some((n_sentences as f64 / start.elapsed().as_secs_f64(), events))
    } else {
        None
    };
    if args.json {
        let mut json = serde_json::json!({"sentences": n_sentences, "distinct_input_sentences": distinct, "documents": docs.len(), "events": n_events, "seconds": secs, "sentences_per_second": rate, "dictionary_load_ms": load_ms, "threads": 1, "sentences_per_second_without_places_and_tone": n_sentences as f64 / bare_secs, "places_and_tone_cost_percent": 100.0 * (secs - bare_secs) / secs, "gazetteer_load_ms": gazetteer_ms});
        if let Some((syntax_rate, syntax_events)) = with_syntax {
            json["sentences_per_second_with_syntax"] = syntax_rate.into();
            json["events_with_syntax"] = syntax_events.into();
        }
        writeln!(out, "{json}")?;
    } else {
        match &args.docs {
            Some(path) => writeln!(
                out,
                "corpus: the documents of {} ({distinct} sentences) repeated to {} documents, split into {n_sentences} sentences by the coder",
                path.display(),
                docs.len()
            )?,
            None => writeln!(
                out,
                "corpus: {} UD sentences ({} distinct), {} documents, split into {n_sentences} sentences by the coder",
                args.sentences,
                distinct,
                docs.len()
            )?,
        }
        writeln!(
            out,
            "coded on one thread in {secs:.2} s: {rate:.0} sentences/s, {n_events} events"
        )?;
        writeln!(
            out,
            "without locations and tone: {:.0} sentences/s; locations and tone cost {:.1}% of coding time",
            n_sentences as f64 / bare_secs,
            100.0 * (secs - bare_secs) / secs
        )?;
        writeln!(
            out,
            "dictionary load: {load_ms:.1} ms (median of 5); gazetteer, parsed on first use: {gazetteer_ms:.1} ms"
        )?;
        if let Some((syntax_rate, syntax_events)) = with_syntax {
            writeln!(
                out,
                "with the parser in the loop (--syntax): {syntax_rate:.0} sentences/s, {syntax_events} events"
            )?;
        }
    }
    Ok(())
}

/// The monitor's benchmarks: `redline bench corpus|ingest|store`.
#[derive(clap::Subcommand)]
pub enum BenchWhat {
    /// Print the synthetic corpus (JSON Lines) that `bench ingest` stores.
    Corpus(CorpusArgs),
    /// Ingest the synthetic corpus into a fresh store on all cores and print documents/s.
    Ingest(IngestBenchArgs),
    /// Build a store of synthetic events and time `report` over it.
    Store(crate::monitor::StoreBenchArgs),
    /// Concurrent clients on the HTTP events endpoint over a synthetic store (loopback only).
    Serve(crate::serve_bench::ServeBenchArgs),
}

/// Arguments of `redline bench corpus`.
#[derive(clap::Args)]
pub struct CorpusArgs {
    /// Documents.
    #[arg(long, default_value_t = 20_000)]
    pub docs: usize,
    /// Sentences a document.
    #[arg(long, default_value_t = 25)]
    pub sentences: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Arguments of `redline bench ingest`.
#[derive(clap::Args)]
pub struct IngestBenchArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// The store to create (deleted first); a temporary file when not given.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Documents per batch (as `redline ingest --batch`).
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
}

/// `redline bench corpus`.
pub fn corpus(args: &CorpusArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for i in 0..args.docs {
        if writeln!(
            out,
            "{}",
            crate::corpus::document(args.seed, i, args.sentences)
        )
        .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// `redline bench ingest`.
pub fn ingest(args: &IngestBenchArgs, out: &mut impl Write) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("redline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let corpus_path = dir.join("corpus.jsonl");
    let text: String = (0..args.corpus.docs)
        .map(|i| crate::corpus::document(args.corpus.seed, i, args.corpus.sentences) + "\n")
        .collect();
    std::fs::write(&corpus_path, text)?;
    let db = args.db.clone().unwrap_or_else(|| dir.join("bench.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let coder = crate::make_coder(&[], false)?;
    let start = Instant::now();
    let (docs, _) = crate::ingest::read_all(
        std::slice::from_ref(&corpus_path),
        &crate::fetch::Fetcher::new(),
    );
    let n_docs = docs.len();
    let (summary, _) = crate::ingest::ingest_docs(&coder, docs, &db, args.batch)?;
    let secs = start.elapsed().as_secs_f64();
    writeln!(
        out,
        "ingested {n_docs} documents ({} sentences each) in {secs:.2} s on {} threads: {:.0} documents/s; {} event mentions, {} events",
        args.corpus.sentences,
        rayon::current_num_threads(),
        n_docs as f64 / secs,
        summary.mentions,
        summary.new_events
    )?;
    if args.db.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
