//! `redline syntax`: train, evaluate and run the built-in tagger, lemmatiser and parser.
//!
//! The core does the work; this module reads treebanks and models from files, times things
//! and prints. `eval` prints one JSON object; `parse` prints CoNLL-U; `train` reports progress
//! on standard error and writes the model file.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use redline::syntax::conllu::{Sentence, parse_conllu, write_conllu};
use redline::syntax::eval::{SystemSentence, raw_text, score_gold_tokens, score_raw};
use redline::syntax::{SyntaxModel, TrainOptions, train};

#[derive(clap::Subcommand)]
pub enum SyntaxCommand {
    /// Train a model on a CoNLL-U treebank and write it to a file.
    Train {
        /// The training treebank.
        #[arg(long)]
        train: PathBuf,
        /// A held-out treebank, scored after training.
        #[arg(long)]
        dev: Option<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Seeds the shuffling and the parser's exploration; the same seed gives the same model.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Parser epochs.
        #[arg(long, default_value_t = TrainOptions::default().parser_epochs)]
        epochs: usize,
        /// Tagger epochs.
        #[arg(long, default_value_t = TrainOptions::default().tagger_epochs)]
        tagger_epochs: usize,
        /// Jackknife folds for the parser's training tags and supertags (1: gold tags).
        #[arg(long, default_value_t = TrainOptions::default().jackknife_folds)]
        folds: usize,
        /// Train the tagger's second pass (slower, barely more accurate).
        #[arg(long)]
        tagger_second_pass: bool,
        /// Train the parser this many times (each run explores differently) and keep the mean
        /// of their weights.
        #[arg(long, default_value_t = TrainOptions::default().parser_runs)]
        parser_runs: usize,
        /// The parser's beam width: above 1, greedy training goes on with a beam, and the model
        /// parses with it (the accurate model: --beam 16).
        #[arg(long, default_value_t = TrainOptions::default().beam)]
        beam: usize,
        /// Parser passes with the beam.
        #[arg(long, default_value_t = TrainOptions::default().beam_epochs)]
        beam_epochs: usize,
        /// Train without the supertagger (the parser then reads words and tags only, as
        /// format 7 models do).
        #[arg(long)]
        no_supertags: bool,
    },
    /// Score a model on a CoNLL-U file (gold tokens, or --raw text); prints one JSON object.
    Eval {
        /// The gold treebank.
        file: PathBuf,
        /// Tokenise and split the text ourselves and score CoNLL 2018-style F1.
        #[arg(long)]
        raw: bool,
        #[command(flatten)]
        model: ModelArgs,
        /// Also write the predicted sentences as CoNLL-U to this file (gold tokens only).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Parse from the file's own tags instead of the tagger's (gold tokens only): how much
        /// of the parser's error comes from tagging.
        #[arg(long, conflicts_with = "raw")]
        gold_tags: bool,
    },
    /// Tokenise, tag, lemmatise and parse text; prints CoNLL-U.
    Parse {
        /// A text file, or - for standard input.
        #[arg(default_value = "-")]
        file: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Drop small weights from a model, making it smaller and faster.
    Prune {
        /// The model to prune.
        #[arg(long)]
        model: PathBuf,
        /// Where to write the pruned model.
        #[arg(long)]
        out: PathBuf,
        /// Tagger weights smaller than this in magnitude are dropped.
        #[arg(long, default_value_t = 0.1)]
        tagger_min: f32,
        /// Supertagger weights smaller than this in magnitude are dropped (the parser leans
        /// on every one of them: 1 cost 0.2 to 0.3 dev UAS).
        #[arg(long, default_value_t = 0.0)]
        supertagger_min: f32,
        /// Parser weights smaller than this in magnitude are dropped.
        #[arg(long, default_value_t = 0.1)]
        parser_min: f32,
    },
    /// Measure tokenising, tagging, lemmatising and parsing speed on one core over the UD
    /// sentences `redline bench` uses; prints one JSON object.
    Bench {
        /// The shared data folder holding ud-ewt/ and ud-pud/.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// How many sentences to parse (the corpus repeats).
        #[arg(long, default_value_t = 100_000)]
        sentences: usize,
        #[command(flatten)]
        model: ModelArgs,
    },
}

/// Which model to use.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// A model file instead of an embedded model.
    #[arg(long)]
    model: Option<PathBuf>,
    /// The embedded accurate model (a parser trained and searching with a beam of 16: more
    /// accurate, about ten times slower).
    #[arg(long, conflicts_with = "model")]
    accurate: bool,
    /// Search with this many states instead of the width the model was trained with (1:
    /// greedy). Narrower is faster and a little less accurate for the accurate model (the
    /// README's Syntax section has the trade); a greedily trained model only loses by a beam.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    beam: Option<u16>,
}

pub fn run(command: SyntaxCommand) -> Result<()> {
    match command {
        SyntaxCommand::Train {
            train: train_path,
            dev,
            out,
            seed,
            epochs,
            tagger_epochs,
            folds,
            tagger_second_pass,
            parser_runs,
            beam,
            beam_epochs,
            no_supertags,
        } => {
            let options = TrainOptions {
                seed,
                tagger_epochs,
                parser_epochs: epochs,
                jackknife_folds: folds,
                tagger_second_pass,
                parser_runs,
                beam,
                beam_epochs,
                supertags: !no_supertags,
            };
            run_train(&train_path, dev.as_deref(), &out, &options)
        }
        SyntaxCommand::Eval {
            file,
            raw,
            model,
            output,
            gold_tags,
        } => run_eval(&file, raw, &model, output.as_deref(), gold_tags),
        SyntaxCommand::Parse { file, model } => run_parse(&file, &model),
        SyntaxCommand::Prune {
            model,
            out,
            tagger_min,
            supertagger_min,
            parser_min,
        } => {
            let pruned = read_model(&model)?.pruned(tagger_min, supertagger_min, parser_min);
            let bytes = pruned.to_bytes();
            std::fs::write(&out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "{}: {:.2} MB, {} tagger, {} supertagger and {} parser weights",
                out.display(),
                bytes.len() as f64 / 1e6,
                pruned.tagger.n_weights(),
                pruned.supertagger.as_ref().map_or(0, |t| t.n_weights()),
                pruned.parser.n_weights()
            );
            Ok(())
        }
        SyntaxCommand::Bench {
            data,
            sentences,
            model,
        } => run_bench(&data, sentences, &model),
    }
}

pub fn read_treebank(path: &Path) -> Result<Vec<Sentence>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(parse_conllu(&path.display().to_string(), &text)?)
}

/// The model the arguments name: a file, the embedded accurate model, or the embedded default.
pub fn load_model(args: &ModelArgs) -> Result<SyntaxModel> {
    let mut model = match (&args.model, args.accurate) {
        (Some(path), _) => read_model(path)?,
        (None, true) => {
            SyntaxModel::embedded_accurate().context("the embedded accurate syntax model")?
        }
        (None, false) => SyntaxModel::embedded().context("the embedded syntax model")?,
    };
    if let Some(beam) = args.beam {
        model.parser.beam = usize::from(beam);
    }
    Ok(model)
}

fn read_model(path: &Path) -> Result<SyntaxModel> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    SyntaxModel::from_bytes(&bytes).with_context(|| format!("{}", path.display()))
}

/// CPU time (user and system) this process has used, where the system says (Linux, where
/// `/proc/self/stat` counts in hundredths of a second). On a shared machine it measures the
/// work better than the wall clock, which counts the time other processes held the core.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Peak resident memory of this process in MB, where the system says (Linux).
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn run_train(
    train_path: &Path,
    dev: Option<&Path>,
    out: &Path,
    options: &TrainOptions,
) -> Result<()> {
    let start = Instant::now();
    let sentences = read_treebank(train_path)?;
    if sentences.is_empty() {
        bail!("{}: no sentences", train_path.display());
    }
    let model = train(&sentences, options, &mut |line| {
        eprintln!("[{:7.1} s] {line}", start.elapsed().as_secs_f64());
    });
    let bytes = model.to_bytes();
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    let train_secs = start.elapsed().as_secs_f64();
    eprintln!(
        "trained in {train_secs:.1} s; peak memory {}; model {} ({:.2} MB: {} tagger, {} supertagger and {} parser weights)",
        peak_memory_mb().map_or("unknown".into(), |m| format!("{m:.0} MB")),
        out.display(),
        bytes.len() as f64 / 1e6,
        model.tagger.n_weights(),
        model.supertagger.as_ref().map_or(0, |t| t.n_weights()),
        model.parser.n_weights()
    );
    if let Some(dev) = dev {
        // Score the model as written, so quantisation is included.
        let reloaded = SyntaxModel::from_bytes(&bytes)?;
        let gold = read_treebank(dev)?;
        let predicted: Vec<Sentence> = gold.iter().map(|s| reloaded.annotate(s)).collect();
        let scores = score_gold_tokens(&gold, &predicted);
        eprintln!(
            "dev {}: UPOS {:.2} XPOS {:.2} lemma {:.2} UAS {:.2} LAS {:.2}",
            dev.display(),
            scores.upos,
            scores.xpos,
            scores.lemma,
            scores.uas,
            scores.las
        );
    }
    Ok(())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn run_eval(
    file: &Path,
    raw: bool,
    model_args: &ModelArgs,
    output: Option<&Path>,
    gold_tags: bool,
) -> Result<()> {
    let model = load_model(model_args)?;
    let gold = read_treebank(file)?;
    let json = if raw {
        let gold_raw = raw_text(&gold);
        let start = Instant::now();
        let parsed = model.analyse_text(&gold_raw.text);
        let secs = start.elapsed().as_secs_f64();
        let system: Vec<SystemSentence> = parsed
            .iter()
            .enumerate()
            .map(|(k, p)| SystemSentence {
                span: p.span,
                spans: p.spans.clone(),
                sentence: SyntaxModel::to_conllu_sentence(&gold_raw.text, p, k.to_string()),
            })
            .collect();
        let scores = score_raw(&gold, &gold_raw, &system);
        serde_json::json!({
            "mode": "raw",
            "tokens": round2(scores.tokens),
            "sentences": round2(scores.sentences),
            "words": round2(scores.words),
            "upos": round2(scores.tagged.upos),
            "xpos": round2(scores.tagged.xpos),
            "lemma": round2(scores.tagged.lemma),
            "uas": round2(scores.tagged.uas),
            "las": round2(scores.tagged.las),
            "gold_words": scores.tagged.words,
            "sentences_per_second": (parsed.len() as f64 / secs).round(),
            "beam": model.parser.beam.max(1),
        })
    } else {
        let start = Instant::now();
        let predicted: Vec<Sentence> = gold
            .iter()
            .map(|s| {
                if gold_tags {
                    model.annotate_with_gold_tags(s)
                } else {
                    model.annotate(s)
                }
            })
            .collect();
        let secs = start.elapsed().as_secs_f64();
        let scores = score_gold_tokens(&gold, &predicted);
        if let Some(out) = output {
            std::fs::write(out, write_conllu(&predicted))
                .with_context(|| format!("cannot write {}", out.display()))?;
        }
        serde_json::json!({
            "mode": if gold_tags { "gold_tags" } else { "gold_tokens" },
            "upos": round2(scores.upos),
            "xpos": round2(scores.xpos),
            "lemma": round2(scores.lemma),
            "uas": round2(scores.uas),
            "las": round2(scores.las),
            "words": scores.words,
            "sentences": gold.len(),
            "sentences_per_second": (gold.len() as f64 / secs).round(),
            "beam": model.parser.beam.max(1),
        })
    };
    println!("{json}");
    Ok(())
}

fn run_parse(file: &Path, model_args: &ModelArgs) -> Result<()> {
    let model = load_model(model_args)?;
    let mut text = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
    } else {
        text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    let sentences: Vec<Sentence> = model
        .analyse_text(&text)
        .iter()
        .enumerate()
        .map(|(k, p)| SyntaxModel::to_conllu_sentence(&text, p, (k + 1).to_string()))
        .collect();
    let mut out = std::io::stdout().lock();
    match out.write_all(write_conllu(&sentences).as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

fn run_bench(data: &Path, n_sentences: usize, model_args: &ModelArgs) -> Result<()> {
    let load_start = Instant::now();
    let model = load_model(model_args)?;
    let load_ms = load_start.elapsed().as_secs_f64() * 1000.0;
    let corpus = crate::bench::ud_sentences(data)?;
    // Tokens first, so that the timed loop is tagging, lemmatising and parsing only; the
    // tokeniser is timed separately.
    let token_start = Instant::now();
    let tokenised: Vec<Vec<&str>> = corpus
        .iter()
        .map(|text| {
            redline::syntax::tokenize::ud_token_spans(text, 0..text.len())
                .into_iter()
                .map(|s| &text[s.range()])
                .collect()
        })
        .collect();
    let token_secs = token_start.elapsed().as_secs_f64();
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut n_words = 0usize;
    for k in 0..n_sentences {
        n_words += model.analyse(&tokenised[k % tokenised.len()]).len();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    println!(
        "{}",
        serde_json::json!({
            "sentences": n_sentences,
            "distinct_input_sentences": corpus.len(),
            "words": n_words,
            "seconds": secs,
            "sentences_per_second": (n_sentences as f64 / secs).round(),
            "cpu_seconds": cpu_secs,
            "sentences_per_cpu_second": cpu_secs.map(|c| (n_sentences as f64 / c).round()),
            "words_per_second": (n_words as f64 / secs).round(),
            "tokeniser_sentences_per_second": (corpus.len() as f64 / token_secs).round(),
            "model_load_ms": load_ms,
            "beam": model.parser.beam.max(1),
            "threads": 1,
        })
    );
    Ok(())
}
