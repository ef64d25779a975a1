//! `redline ingest`: read documents, code them on every core and store them.
//!
//! Files are read whole before anything from them is stored: a file with any bad document (a
//! truncated JSON Lines file, text that is not UTF-8) is reported and skipped entirely, so a
//! corrupt file never leaves half of itself in the store. Documents are coded in batches with
//! rayon while a writer thread stores the previous batch in one transaction; a document already
//! stored with the same content hash is not even coded again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use redline::{Coder, Doc};
use redline_store::{BatchSummary, DocStatus, IngestDoc, Store, doc_hash};

use crate::fetch::Fetcher;
use crate::input;

/// Arguments of `redline ingest`.
#[derive(clap::Args, Clone)]
pub struct IngestArgs {
    /// Files, folders or feed URLs (http, https) to ingest; `-` reads JSON Lines from standard
    /// input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// Documents per batch: coded together and written in one transaction (up to four waiting
    /// batches share one when the writer falls behind).
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Extra dictionary folders in Redline's format, added to the embedded ones.
    #[arg(long = "dict")]
    pub dicts: Vec<PathBuf>,
    /// Take sources from the built-in dependency parser, as `redline code --syntax` does (off by
    /// default; see the README's Syntax section).
    #[arg(long)]
    pub syntax: bool,
}

/// What an ingest did, for the summary line and `monitor`.
#[derive(Debug, Default)]
pub struct IngestOutcome {
    /// Totals over all batches.
    pub summary: BatchSummary,
    /// Documents read.
    pub n_docs: usize,
    /// Files skipped as unreadable or corrupt.
    pub skipped_files: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// The publisher of a document: the host of its URL, else the site name at the top of a `.txt`
/// article, else its URL or id as given.
pub fn doc_source(doc: &Doc) -> String {
    if let Some(url) = &doc.url {
        if let Some(rest) = url.split("://").nth(1) {
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            return host.trim_start_matches("www.").to_lowercase();
        }
        return url.clone();
    }
    if doc.body.start > 0
        && let Some(first) = doc.text[..doc.body.start]
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
    {
        return first.to_string();
    }
    doc.id.clone()
}

/// Reads every input, fetching feed URLs with `fetcher`; a file or URL with any error is reported
/// on stderr and contributes nothing.
pub fn read_all(paths: &[PathBuf], fetcher: &Fetcher) -> (Vec<Doc>, usize) {
    let mut docs = Vec::new();
    let mut skipped = 0;
    for path in input::expand(paths) {
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                eprintln!("redline: skipped {e}");
                skipped += 1;
                continue;
            }
        };
        let mut file_docs = Vec::new();
        let mut errors = Vec::new();
        input::read_path(&path, fetcher, &mut |d| match d {
            Ok(d) => file_docs.push(d),
            Err(e) => errors.push(e),
        });
        if let Some(first) = errors.first() {
            eprintln!(
                "redline: skipped {} ({} bad document(s), first {first}): nothing stored from it",
                path.display(),
                errors.len()
            );
            skipped += 1;
            continue;
        }
        docs.extend(file_docs);
    }
    (docs, skipped)
}

/// At most this many coded batches are written in one transaction, when they are waiting.
const MERGED_BATCHES: usize = 4;

/// Ingests `docs` into the store at `db`.
pub fn ingest_docs(
    coder: &Coder,
    docs: Vec<Doc>,
    db: &Path,
    batch: usize,
) -> Result<(BatchSummary, Duration)> {
    let start = Instant::now();
    let mut store =
        Store::open(db).with_context(|| format!("cannot open store {}", db.display()))?;
    let reader = Store::open(db).with_context(|| format!("cannot open store {}", db.display()))?;
    let progress = ProgressBar::new(docs.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents  {per_sec}  ETA {eta}  {msg}")
            .expect("valid template"),
    );
    // Checkpoints (copying the WAL into the database file) run on their own thread and
    // connection: on the writer, at 16,000 documents, they blocked it on writes for about 0.5 s
    // of 8, and the writer is the one thread ingest cannot parallelise. The writer still
    // checkpoints itself if the log passes 256 MiB, so the log stays bounded if this thread
    // falls behind.
    store.set_wal_autocheckpoint(65536)?;
    let checkpoint_store =
        Store::open(db).with_context(|| format!("cannot open store {}", db.display()))?;
    let (checkpoint_send, checkpoint_receive) = sync_channel::<()>(1);
    let checkpointer = std::thread::Builder::new()
        .name("store-checkpoint".into())
        .spawn(move || -> Result<()> {
            for () in checkpoint_receive {
                checkpoint_store
                    .checkpoint_passive()
                    .context("cannot checkpoint the store")?;
            }
            Ok(())
        })
        .context("cannot start the store checkpointer")?;
    let (send, receive) = sync_channel::<(Vec<IngestDoc>, usize)>(MERGED_BATCHES - 1);
    let writer_progress = progress.clone();
    // Named, so that profiles tell the writer's time from the coders'.
    let writer = std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || -> Result<BatchSummary> {
            let mut total = BatchSummary::default();
            let mut busy = Duration::ZERO;
            let mut n_batches = 0u64;
            while let Ok((mut batch, mut n_unchanged)) = receive.recv() {
                // Batches already waiting join this transaction, up to MERGED_BATCHES: a writer
                // that has fallen behind commits less often, and each commit rewrites every
                // index page its documents touched (at 16,000 documents, four batches to a
                // transaction took a quarter off the writer's CPU). A writer that keeps up
                // commits every batch, so the last one is not left to write alone.
                for _ in 1..MERGED_BATCHES {
                    match receive.try_recv() {
                        Ok((more, n)) => {
                            batch.extend(more);
                            n_unchanged += n;
                        }
                        Err(_) => break,
                    }
                }
                let t = Instant::now();
                let mut s = store
                    .write_batch(&batch)
                    .context("cannot write to the store")?;
                busy += t.elapsed();
                s.unchanged += n_unchanged;
                total += s;
                writer_progress.inc((batch.len() + n_unchanged) as u64);
                // A checkpoint every fourth transaction (1,000 documents or more), unless one is
                // still running. After every batch, the pages every batch rewrites were copied
                // every time: system time rose from 2.0 s to 2.7 s at 16,000 documents.
                n_batches += 1;
                if n_batches.is_multiple_of(4) {
                    let _ = checkpoint_send.try_send(());
                }
                // Freeing a batch's documents and events is 4% of the writer's instructions;
                // the coding pool does it, off the one thread that cannot be parallel.
                rayon::spawn(move || drop(batch));
            }
            if std::env::var_os("REDLINE_TRACE_WRITER").is_some() {
                // Linux: the thread's time on a CPU and waiting for one (schedstat, in ns), which
                // tells a writer short of CPU from one waiting on the disk.
                let sched = std::fs::read_to_string("/proc/thread-self/schedstat")
                    .ok()
                    .and_then(|s| {
                        let mut f = s.split_whitespace().map(|x| x.parse::<f64>().ok());
                        Some((f.next()?? / 1e9, f.next()?? / 1e9))
                    });
                match sched {
                    Some((on_cpu, runnable)) => eprintln!(
                        "writer busy {:.2} s: on a CPU {on_cpu:.2} s, waiting for one {runnable:.2} s",
                        busy.as_secs_f64()
                    ),
                    None => eprintln!("writer busy {:.2} s", busy.as_secs_f64()),
                }
            }
            Ok(total)
        })
        .context("cannot start the store writer")?;
    let mut send_result = Ok(());
    // Documents move into their batch and on to the coder (they were cloned before: 3% of the
    // coding threads' time in `bench ingest`).
    let mut docs = docs.into_iter();
    loop {
        let chunk: Vec<Doc> = docs.by_ref().take(batch.max(1)).collect();
        if chunk.is_empty() {
            break;
        }
        let n_docs = chunk.len();
        // Hashing on every core: done here, it left the coding threads idle.
        let hashes: Vec<String> = chunk.par_iter().map(doc_hash).collect();
        let mut to_code = Vec::with_capacity(n_docs);
        for (doc, hash) in chunk.into_iter().zip(hashes) {
            if reader.status(&doc.id, &hash)? != DocStatus::Unchanged {
                to_code.push((doc, hash));
            }
        }
        let n_unchanged = n_docs - to_code.len();
        let coded: Vec<IngestDoc> = to_code
            .into_par_iter()
            .map(|(doc, hash)| {
                let source = doc_source(&doc);
                IngestDoc::code_with_hash(coder, doc, &source, hash)
            })
            .collect();
        if send.send((coded, n_unchanged)).is_err() {
            send_result = Err(());
            break;
        }
    }
    drop(send);
    let summary = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the store writer panicked"))??;
    checkpointer
        .join()
        .map_err(|_| anyhow::anyhow!("the store checkpointer panicked"))??;
    send_result.map_err(|()| anyhow::anyhow!("the store writer stopped"))?;
    progress.finish_and_clear();
    Ok((summary, start.elapsed()))
}

/// `redline ingest`; `fetcher` reads feed URLs (`watch` keeps one across polls, so that it can
/// ask for a feed only if it changed).
pub fn run(args: &IngestArgs, coder: Arc<Coder>, fetcher: &Fetcher) -> Result<IngestOutcome> {
    let (docs, skipped_files) = read_all(&args.paths, fetcher);
    let n_docs = docs.len();
    let (summary, elapsed) = ingest_docs(&coder, docs, &args.db, args.batch)?;
    Ok(IngestOutcome {
        summary,
        n_docs,
        skipped_files,
        elapsed,
    })
}

/// The summary line printed at the end of an ingest.
pub fn summary_line(o: &IngestOutcome, db: &Path) -> String {
    let s = &o.summary;
    let secs = o.elapsed.as_secs_f64().max(1e-9);
    format!(
        "ingested {} documents into {} in {:.2} s ({:.0} documents/s): {} new, {} replaced, {} unchanged, {} skipped file(s); {} event mentions, {} new events",
        o.n_docs,
        db.display(),
        secs,
        o.n_docs as f64 / secs,
        s.added,
        s.replaced,
        s.unchanged,
        o.skipped_files,
        s.mentions,
        s.new_events
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_is_the_url_host_or_the_site_name() {
        let mut d = Doc::new("a", "Text.");
        d.url = Some("https://www.Example.org/news/1?x=2".into());
        assert_eq!(doc_source(&d), "example.org");
        let d = Doc::from_article(
            "b.txt",
            "Example Wire\n\nHeadline here\n\nPublished : January 5, 2024 - 18:40\n\nNorth Korea fired artillery rounds into the sea on Friday, the military said.",
        );
        assert_eq!(doc_source(&d), "Example Wire");
        assert_eq!(doc_source(&Doc::new("c", "Plain text.")), "c");
    }
}
