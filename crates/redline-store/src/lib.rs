//! Redline's event store: coded documents, their sentences, every event mention with its
//! provenance, and the merged events, in one SQLite file.
//!
//! This crate is the SQLite dependency boundary: the core (`redline`) stays free of I/O, and the
//! binaries reach the database only through [`Store`]. What it owns:
//!
//! * writing: [`Store::write_batch`] stores a batch of coded documents in one transaction, so a
//!   process killed at any moment leaves every document either wholly stored or absent (WAL
//!   journal, `synchronous = NORMAL`);
//! * merging: every event mention joins the merged event with the same source, target, CAMEO code
//!   and modality dated within [`MERGE_WINDOW_DAYS`], which counts its mentions, documents and
//!   sources (GDELT's NumMentions, NumArticles and NumSources); a document that is a near
//!   duplicate of an earlier one (the same wire story republished) counts as that one's source;
//! * reading: [`report`], [`alerts`] and [`export`] query the store; [`query`] pages events and
//!   reads one event or document for the HTTP API.
//!
//! ```
//! use std::sync::Arc;
//! use redline::{Coder, Config, Dictionaries, Doc};
//! use redline_store::{IngestDoc, Store};
//!
//! let coder = Coder::new(Arc::new(Dictionaries::embedded().0), Config::default());
//! let doc = Doc::new("d1", "Russia and North Korea signed a defence treaty on Wednesday.")
//!     .with_published(chrono::NaiveDate::from_ymd_opt(2024, 6, 21));
//! let mut store = Store::open_in_memory().unwrap();
//! let batch = [IngestDoc::code(&coder, doc, "example.org")];
//! let summary = store.write_batch(&batch).unwrap();
//! assert_eq!((summary.added, summary.mentions), (1, 2));
//! // The same document again adds nothing.
//! assert_eq!(store.write_batch(&batch).unwrap().unchanged, 1);
//! ```

pub mod alerts;
pub mod blocs;
pub mod export;
pub mod fingerprint;
pub mod query;
pub mod report;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use redline::tone::Tone;
use redline::{Coder, Doc, Event, Span};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub use schema::SCHEMA_VERSION;

/// Mentions dated up to this many days apart can be the same event.
pub const MERGE_WINDOW_DAYS: i64 = 1;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer Redline.
    #[error("store schema version {found} is newer than this build's {supported}")]
    TooNew {
        /// The file's version.
        found: i64,
        /// This build's version.
        supported: i64,
    },
    /// An alert rule file is invalid.
    #[error("{0}")]
    Rules(String),
}

/// A coded document ready to store.
#[derive(Debug, Clone)]
pub struct IngestDoc {
    /// The document.
    pub doc: Doc,
    /// The publisher (a site name or URL host), used to count distinct sources.
    pub source: String,
    /// [`doc_hash`] of the document.
    pub content_hash: String,
    /// The sentences of the body.
    pub sentences: Vec<Span>,
    /// The events coded from it.
    pub events: Vec<Event>,
    /// [`provenance_json`] of each event (computed with the coding, off the writer thread).
    pub provenance: Vec<String>,
    /// The MinHash signature of the body.
    pub signature: fingerprint::Signature,
    /// The tone of the body: the events' [`Event::document_tone`], or [`Coder::document_tone`]
    /// for a document without events, so that every stored document has its tone.
    pub tone: Tone,
}

impl IngestDoc {
    /// Codes `doc` with `coder`.
    pub fn code(coder: &Coder, doc: Doc, source: &str) -> IngestDoc {
        let content_hash = doc_hash(&doc);
        IngestDoc::code_with_hash(coder, doc, source, content_hash)
    }

    /// Codes `doc`, whose [`doc_hash`] the caller already computed (ingest hashes every document
    /// to skip unchanged ones before coding; hashing again cost 1% of ingest).
    pub fn code_with_hash(
        coder: &Coder,
        doc: Doc,
        source: &str,
        content_hash: String,
    ) -> IngestDoc {
        // One pass gives the events, the sentences and the tone.
        let coded = coder.code_document(&doc);
        let events = coded.events;
        IngestDoc {
            tone: coded.tone,
            content_hash,
            sentences: coded.sentences,
            provenance: events.iter().map(provenance_json).collect(),
            signature: fingerprint::minhash(&doc.text[doc.body.range()]),
            events,
            source: source.to_string(),
            doc,
        }
    }
}

/// The content hash that decides whether a stored document has changed: its text, publication
/// date, title and URL.
pub fn doc_hash(doc: &Doc) -> String {
    let published = doc.published.map(|d| d.to_string()).unwrap_or_default();
    fingerprint::content_hash(&[
        &doc.text,
        &published,
        doc.title.as_deref().unwrap_or(""),
        doc.url.as_deref().unwrap_or(""),
    ])
}

/// Whether a document is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocStatus {
    /// Not stored.
    New,
    /// Stored with the same content hash: nothing to do.
    Unchanged,
    /// Stored with another content hash: its events will be replaced.
    Changed,
}

/// What one [`Store::write_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// New documents.
    pub added: usize,
    /// Documents whose content changed and whose events were replaced.
    pub replaced: usize,
    /// Documents already stored as they are.
    pub unchanged: usize,
    /// Event mentions written.
    pub mentions: usize,
    /// Merged events created.
    pub new_events: usize,
}

impl std::ops::AddAssign for BatchSummary {
    fn add_assign(&mut self, o: BatchSummary) {
        self.added += o.added;
        self.replaced += o.replaced;
        self.unchanged += o.unchanged;
        self.mentions += o.mentions;
        self.new_events += o.new_events;
    }
}

/// Counts of what a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Documents.
    pub documents: i64,
    /// Sentences.
    pub sentences: i64,
    /// Event mentions.
    pub mentions: i64,
    /// Merged events.
    pub events: i64,
}

/// An open store.
pub struct Store {
    conn: Connection,
    merge: MergeIndex,
}

/// Merge keys: source, target, CAMEO code, modality.
type MergeKey = (String, Option<String>, String, String);

/// The dated merged events of each merge key, loaded from the store the first time a key is
/// needed and kept up to date by the writer. Looking events up in SQL for every mention was half
/// of ingest time: inside a writing transaction SQLite re-prepared the lookup on every call.
#[derive(Default)]
struct MergeIndex {
    by_key: HashMap<MergeKey, Vec<(i64, i64)>>,
    n_entries: usize,
}

/// Past this many cached events the index starts afresh (about 100 bytes each).
const MERGE_INDEX_CAPACITY: usize = 2_000_000;

impl MergeIndex {
    fn key(f: &EventFields<'_>) -> MergeKey {
        (
            f.source.to_string(),
            f.target.map(str::to_string),
            f.cameo.to_string(),
            f.modality.to_string(),
        )
    }

    /// The merged event a mention with `f` joins, created if there is none; and whether it was.
    fn find_or_create(
        &mut self,
        tx: &Transaction<'_>,
        f: &EventFields<'_>,
        now: &str,
        rollups: &mut RollupDeltas,
    ) -> Result<(i64, bool), StoreError> {
        let Some(day) = f.day else {
            return Ok((create_event(tx, f, now, rollups)?, true));
        };
        let key = MergeIndex::key(f);
        if !self.by_key.contains_key(&key) {
            if self.n_entries > MERGE_INDEX_CAPACITY {
                self.clear();
            }
            let list: Vec<(i64, i64)> = tx
                .prepare_cached(
                    "SELECT day, event_key FROM events INDEXED BY events_by_key
                     WHERE source = ?1 AND target IS ?2 AND cameo = ?3 AND modality = ?4
                       AND day IS NOT NULL",
                )?
                .query_map(params![f.source, f.target, f.cameo, f.modality], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            self.n_entries += list.len();
            self.by_key.insert(key.clone(), list);
        }
        let list = self.by_key.get_mut(&key).expect("loaded above");
        let best = list
            .iter()
            .filter(|(d, _)| (d - day).abs() <= MERGE_WINDOW_DAYS)
            .min_by_key(|(d, k)| ((d - day).abs(), *k));
        if let Some(&(_, k)) = best {
            return Ok((k, false));
        }
        let k = create_event(tx, f, now, rollups)?;
        list.push((day, k));
        self.n_entries += 1;
        Ok((k, true))
    }

    /// Drops what is cached for `key`, after one of its events was deleted.
    fn forget(&mut self, key: &MergeKey) {
        if let Some(list) = self.by_key.remove(key) {
            self.n_entries -= list.len();
        }
    }

    fn clear(&mut self) {
        self.by_key.clear();
        self.n_entries = 0;
    }
}

/// The counts of an event created in the transaction being written: all its mentions are in
/// it, so they are counted as they are written instead of recounted in SQL afterwards
/// (recounting every touched event was a sixth of the writer's instructions).
#[derive(Default)]
struct NewEventCounts {
    n_mentions: i64,
    /// Distinct, in the order written (a document's mentions are written together).
    doc_keys: Vec<i64>,
    /// Distinct origins of those documents.
    origins: Vec<String>,
}

impl NewEventCounts {
    fn add(&mut self, doc_key: i64, origin: &str) {
        self.n_mentions += 1;
        if self.doc_keys.last() != Some(&doc_key) {
            self.doc_keys.push(doc_key);
            if !self.origins.iter().any(|o| o == origin) {
                self.origins.push(origin.to_string());
            }
        }
    }
}

/// Days since 1970-01-01, the store's date representation (compact, and ranges are integer
/// comparisons).
pub fn day_number(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date"))
        .num_days()
}

/// The date of a day number.
pub fn day_date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date") + chrono::Duration::days(day)
}

/// CAMEO's three-letter codes that are not countries: agent roles ("GOV" alone is "the
/// government" of a country the coder could not tell) and international actors. Kept sorted.
const NOT_COUNTRIES: &[&str] = &[
    "AGR", "BUS", "COP", "CRM", "CVL", "EDU", "ELI", "ENV", "GOV", "HLH", "IGO", "IMG", "INS",
    "JUD", "LAB", "LEG", "MED", "MIL", "MNC", "MOD", "NGM", "NGO", "OPP", "RAD", "REB", "REF",
    "REL", "SET", "SPY", "UAF", "UNO",
];

/// The country of an actor code (its first three letters), if it has one.
pub fn country(code: &str) -> Option<&str> {
    let prefix = code.get(..3)?;
    (prefix.bytes().all(|b| b.is_ascii_uppercase())
        && NOT_COUNTRIES.binary_search(&prefix).is_err())
    .then_some(prefix)
}

impl Store {
    /// Opens (or creates) the store at `path` and migrates it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_at_version(path, SCHEMA_VERSION)
    }

    /// A store in memory, for tests and examples.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, SCHEMA_VERSION)
    }

    /// Opens the store at `path` and migrates it up to `version` only: how the fixture database of
    /// version 1 was made (a file brought from 1 to 2 only cannot be backfilled, as the backfill
    /// writes the version-3 rollup).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: i64) -> Result<Store, StoreError> {
        Store::setup(Connection::open(path)?, version)
    }

    fn setup(conn: Connection, version: i64) -> Result<Store, StoreError> {
        // WAL lets readers run beside the writer, and with synchronous = NORMAL a commit is one
        // append to the log: a crash loses at most the last transactions, never consistency.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB of page cache (the default is 2 MiB) and the file memory-mapped: merging and
        // recounting read events and mentions all over the file, and `pread` per page showed
        // in profiles.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
        // Checkpoint every 64 MiB of log rather than 4 MiB: a tenth of the writer's time went to
        // checkpoints.
        conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // The query planner stability guarantee: a statement's plan is fixed when it is
        // prepared. Without it SQLite (built with STAT4, as rusqlite bundles it) marked the
        // near-duplicate lookup (`... WHERE band = ?1 ORDER BY doc_key DESC LIMIT 8`) to be
        // re-prepared on every new binding: 99 re-prepares in 100 calls, half of that lookup's
        // time and about a tenth of the writer's. The store never runs ANALYZE and has no NOCASE
        // columns, so no plan here depends on a bound value.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // Ingest uses about 25 distinct statements; the default cache holds 16, and re-preparing
        // them on every row cost 4x in `bench ingest`.
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = Store {
            conn,
            merge: MergeIndex::default(),
        };
        store.migrate(version)?;
        Ok(store)
    }

    fn migrate(&mut self, target: i64) -> Result<(), StoreError> {
        let found = schema::current_version(&self.conn)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found >= target {
            return Ok(());
        }
        // All steps in one transaction, the Rust backfill last (it writes tables of later
        // versions too): killed during a migration, the file stays at its old version. The
        // transaction takes the write lock first, so two processes opening a new file do not
        // both migrate it.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found = schema::current_version(&tx)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let mut backfill = false;
        for &(version, sql) in schema::MIGRATIONS {
            if version <= found || version > target {
                continue;
            }
            schema::apply(&tx, version, sql)?;
            backfill |= version == 2;
        }
        if backfill {
            backfill_v2(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets the WAL size, in pages, at which a commit on this connection checkpoints the log
    /// into the database (16384 by default, 64 MiB); 0 never.
    pub fn set_wal_autocheckpoint(&self, pages: i64) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "wal_autocheckpoint", pages)?;
        Ok(())
    }

    /// Copies what the WAL holds into the database without waiting for readers or the writer
    /// (SQLite's PASSIVE checkpoint), so that another thread can checkpoint while one writes.
    pub fn checkpoint_passive(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        schema::current_version(&self.conn)
    }

    /// The connection, for the query modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Whether the document `id` with `content_hash` is stored.
    pub fn status(&self, id: &str, content_hash: &str) -> Result<DocStatus, StoreError> {
        let stored: Option<String> = self
            .conn
            .prepare_cached("SELECT content_hash FROM documents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(match stored {
            None => DocStatus::New,
            Some(h) if h == content_hash => DocStatus::Unchanged,
            Some(_) => DocStatus::Changed,
        })
    }

    /// Stores a batch of documents in one transaction: new ones are added, changed ones replace
    /// their earlier version and its events, unchanged ones are skipped.
    pub fn write_batch(&mut self, docs: &[IngestDoc]) -> Result<BatchSummary, StoreError> {
        let result = self.try_write_batch(docs);
        if result.is_err() {
            // The transaction rolled back: what the index learnt in it may be wrong.
            self.merge.clear();
        }
        result
    }

    fn try_write_batch(&mut self, docs: &[IngestDoc]) -> Result<BatchSummary, StoreError> {
        let tx = self.conn.transaction()?;
        let mut summary = BatchSummary::default();
        // Events whose counts are recounted in SQL at the end: those that existed before this
        // transaction and gained mentions, and those that lost mentions to a replacement.
        let mut recount = BTreeSet::new();
        // Events created in this transaction, counted here as their mentions are written.
        let mut created: HashMap<i64, NewEventCounts> = HashMap::new();
        let mut rollups = RollupDeltas::default();
        let now = chrono_now();
        // The statements run per document, sentence or mention are held for the whole batch:
        // `prepare_cached` hashes the SQL text and resets and clears the statement on every
        // return, 8% of the writer's instructions with 25 sentences a document.
        let mut find_document =
            tx.prepare_cached("SELECT doc_key, content_hash FROM documents WHERE id = ?1")?;
        let mut insert_sentences = tx.prepare_cached(&insert_sentences_sql(SENTENCE_ROWS))?;
        let mut insert = tx.prepare_cached(INSERT_MENTION)?;
        let mut locate = tx.prepare_cached(LOCATE_EVENT)?;
        for d in docs {
            let existing: Option<(i64, String)> = find_document
                .query_row([&d.doc.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match existing {
                Some((_, hash)) if hash == d.content_hash => {
                    summary.unchanged += 1;
                    continue;
                }
                Some((doc_key, _)) => {
                    remove_document(&tx, doc_key, &mut recount)?;
                    summary.replaced += 1;
                }
                None => summary.added += 1,
            }
            let (doc_key, origin) = insert_document(&tx, d, &now)?;
            // Sentences go SENTENCE_ROWS to a statement: one execution per row was a tenth of
            // the writer's statements' overhead at 25 sentences a document.
            let rows: Vec<[i64; 4]> = d
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| [doc_key, i as i64, s.start as i64, s.end as i64])
                .collect();
            let mut chunks = rows.chunks_exact(SENTENCE_ROWS);
            for chunk in &mut chunks {
                insert_sentences.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                tx.prepare_cached(&insert_sentences_sql(rest.len()))?
                    .execute(rusqlite::params_from_iter(rest.iter().flatten()))?;
            }
            for (e, provenance) in d.events.iter().zip(&d.provenance) {
                let fields = EventFields::of(e);
                let (event_key, is_new) =
                    self.merge
                        .find_or_create(&tx, &fields, &now, &mut rollups)?;
                summary.new_events += usize::from(is_new);
                insert_mention(&mut insert, doc_key, Some(event_key), e, provenance)?;
                if e.location.is_some() {
                    locate_event(&mut locate, event_key, e)?;
                }
                if is_new {
                    created.insert(event_key, NewEventCounts::default());
                }
                match created.get_mut(&event_key) {
                    Some(counts) => counts.add(doc_key, &origin),
                    None => {
                        recount.insert(event_key);
                    }
                }
                summary.mentions += 1;
            }
        }
        drop((find_document, insert_sentences, insert, locate));
        // An event created here whose mentions a later replacement in this batch removed has
        // counts only SQL knows.
        created.retain(|k, _| !recount.contains(k));
        refresh_events(&tx, &recount, &mut self.merge, &mut rollups)?;
        let mut keys: Vec<i64> = created.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            let c = &created[&key];
            tx.prepare_cached(
                "UPDATE events SET n_mentions = ?2, n_documents = ?3, n_sources = ?4
                 WHERE event_key = ?1",
            )?
            .execute(params![
                key,
                c.n_mentions,
                c.doc_keys.len() as i64,
                c.origins.len() as i64
            ])?;
        }
        rollups.flush(&tx)?;
        tx.commit()?;
        Ok(summary)
    }

    /// The stored tone of document `id`: none if it is not stored or was stored before version 5.
    pub fn document_tone(&self, id: &str) -> Result<Option<Tone>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT tone, polarity, word_count, positive, negative, valence FROM documents
                 WHERE id = ?1 AND tone IS NOT NULL",
            )?
            .query_row([id], |r| {
                Ok(Tone {
                    tone: r.get::<_, f64>(0)? as f32,
                    polarity: r.get::<_, f64>(1)? as f32,
                    words: r.get(2)?,
                    positive: r.get(3)?,
                    negative: r.get(4)?,
                    valence: r.get::<_, f64>(5)? as f32,
                })
            })
            .optional()?;
        Ok(row)
    }

    /// How many documents, sentences, mentions and events the store holds.
    pub fn counts(&self) -> Result<StoreCounts, StoreError> {
        let count = |table: &str| -> Result<i64, StoreError> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(StoreCounts {
            documents: count("documents")?,
            sentences: count("sentences")?,
            mentions: count("mentions")?,
            events: count("events")?,
        })
    }

    /// Adds `n_events` synthetic merged events (no documents or mentions) over 730 days from
    /// 2023-01-01 between 60 made-up country codes, each side drawn as `60 * u^3` for a uniform
    /// `u` (a few countries take most events, as in news),
    /// and their share of the daily aggregate: how `redline bench store` builds a large store.
    /// Deterministic for a seed.
    pub fn add_synthetic_events(&mut self, n_events: usize, seed: u64) -> Result<(), StoreError> {
        const CODES: [(&str, u8, f64); 8] = [
            ("010", 1, 0.0),
            ("036", 1, 4.0),
            ("057", 1, 8.0),
            ("061", 2, 6.4),
            ("111", 3, -2.0),
            ("138", 3, -7.0),
            ("173", 4, -5.0),
            ("190", 4, -10.0),
        ];
        let countries: Vec<String> = (0..60)
            .map(|i| {
                let b = i as u8;
                format!(
                    "{}{}X",
                    char::from(b'A' + b / 26),
                    char::from(b'A' + b % 26)
                )
            })
            .collect();
        let mut state = seed.wrapping_mul(0x9e3779b97f4a7c15) | 1;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545f4914f6cdd1d)
        };
        let first_day = day_number(NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date"));
        let now = chrono_now();
        let mut done = 0;
        while done < n_events {
            let chunk = (n_events - done).min(100_000);
            self.in_transaction(|tx| {
                let mut rollups = RollupDeltas::default();
                for _ in 0..chunk {
                    // Squaring a uniform number makes low indexes (busy countries) common.
                    let mut skewed = || {
                        let u = (next() % 10_000) as f64 / 10_000.0;
                        (u * u * u * 60.0) as usize
                    };
                    let a = skewed();
                    let mut b = skewed();
                    if b == a {
                        b = (a + 1) % 60;
                    }
                    let (code, quad_class, goldstein) = CODES[(next() % 8) as usize];
                    let f = EventFields {
                        source: &countries[a],
                        target: Some(&countries[b]),
                        cameo: code,
                        quad_class,
                        goldstein,
                        modality: "asserted",
                        day: Some(first_day + (next() % 730) as i64),
                        // Tone follows the Goldstein score, as it does in news, halved.
                        tone: goldstein / 2.0,
                    };
                    let key = create_event(tx, &f, &now, &mut rollups)?;
                    tx.prepare_cached(
                        "UPDATE events SET n_mentions = 1, n_sources = 1, n_documents = 1
                         WHERE event_key = ?1",
                    )?
                    .execute([key])?;
                }
                rollups.flush(tx)
            })?;
            done += chunk;
        }
        Ok(())
    }

    /// Runs `f` in one transaction: for bulk loads such as the benchmark's synthetic store.
    pub fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn chrono_now() -> String {
    // The wall clock is read here, in the store, never in the core.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Inserts a document; returns its key and its origin (the source it counts as).
fn insert_document(
    tx: &Transaction<'_>,
    d: &IngestDoc,
    now: &str,
) -> Result<(i64, String), StoreError> {
    let signature = d.signature;
    tx.prepare_cached(
        "INSERT INTO documents (id, content_hash, url, title, source, published, text, body_start,
             body_end, ingested_at, minhash, origin, tone, polarity, word_count, positive, negative,
             valence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?5, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        d.doc.id,
        d.content_hash,
        d.doc.url,
        d.doc.title,
        d.source,
        d.doc.published.map(|p| p.to_string()),
        d.doc.text,
        d.doc.body.start as i64,
        d.doc.body.end as i64,
        now,
        fingerprint::to_bytes(&signature),
        f64::from(d.tone.tone),
        f64::from(d.tone.polarity),
        d.tone.words,
        d.tone.positive,
        d.tone.negative,
        f64::from(d.tone.valence),
    ])?;
    let doc_key = tx.last_insert_rowid();
    let origin = link_near_duplicate(tx, doc_key, &signature)?;
    Ok((doc_key, origin.unwrap_or_else(|| d.source.clone())))
}

/// Records the document's MinHash bands and, when an earlier document is the same story, makes
/// this one a duplicate of it with its origin (so that both count as one source); returns that
/// origin.
fn link_near_duplicate(
    tx: &Transaction<'_>,
    doc_key: i64,
    signature: &fingerprint::Signature,
) -> Result<Option<String>, StoreError> {
    let bands = fingerprint::bands(signature);
    // Candidates: the latest documents sharing a band (a republished story follows its original
    // closely; common boilerplate bands are shared by thousands of documents, and reading them
    // all grew ingest time with the store).
    let mut candidates = BTreeSet::new();
    for band in bands {
        let mut stmt = tx.prepare_cached(
            "SELECT doc_key FROM minhash_bands WHERE band = ?1 ORDER BY doc_key DESC LIMIT 8",
        )?;
        for k in stmt.query_map([band], |r| r.get::<_, i64>(0))? {
            candidates.insert(k?);
        }
    }
    candidates.remove(&doc_key);
    let mut best: Option<(i64, String)> = None;
    for other in candidates {
        let (bytes, origin): (Option<Vec<u8>>, String) = tx
            .prepare_cached(
                "SELECT minhash, origin FROM documents INDEXED BY documents_meta
                 WHERE doc_key = ?1",
            )?
            .query_row([other], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if bytes
            .as_deref()
            .and_then(fingerprint::from_bytes)
            .is_some_and(|o| fingerprint::near_duplicates(signature, &o))
        {
            best = Some((other, origin));
            break;
        }
    }
    if let Some((other, origin)) = &best {
        tx.prepare_cached(
            "UPDATE documents SET duplicate_of = ?1, origin = ?2 WHERE doc_key = ?3",
        )?
        .execute(params![other, origin, doc_key])?;
    }
    for band in bands {
        tx.prepare_cached("INSERT INTO minhash_bands (band, doc_key) VALUES (?1, ?2)")?
            .execute(params![band, doc_key])?;
    }
    Ok(best.map(|(_, origin)| origin))
}

fn remove_document(
    tx: &Transaction<'_>,
    doc_key: i64,
    touched: &mut BTreeSet<i64>,
) -> Result<(), StoreError> {
    {
        let mut stmt =
            tx.prepare_cached("SELECT DISTINCT event_key FROM mentions WHERE doc_key = ?1")?;
        let keys = stmt.query_map([doc_key], |r| r.get::<_, i64>(0))?;
        for k in keys {
            touched.insert(k?);
        }
    }
    for sql in [
        "DELETE FROM mentions WHERE doc_key = ?1",
        "DELETE FROM sentences WHERE doc_key = ?1",
        "DELETE FROM minhash_bands WHERE doc_key = ?1",
        "UPDATE documents SET duplicate_of = NULL WHERE duplicate_of = ?1",
        "DELETE FROM documents WHERE doc_key = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([doc_key])?;
    }
    Ok(())
}

/// The fields of an event that decide which merged event it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct EventFields<'a> {
    pub source: &'a str,
    pub target: Option<&'a str>,
    pub cameo: &'a str,
    pub quad_class: u8,
    pub goldstein: f64,
    pub modality: &'a str,
    pub day: Option<i64>,
    /// The sentence tone of the mention that creates the event (0 for mentions stored before
    /// version 5).
    pub tone: f64,
}

impl<'a> EventFields<'a> {
    fn of(e: &'a Event) -> EventFields<'a> {
        EventFields {
            source: e.source.code.as_str(),
            target: e.target.as_ref().map(|t| t.code.as_str()),
            cameo: e.code.as_str(),
            quad_class: e.quad_class,
            goldstein: f64::from(e.goldstein),
            modality: e.modality.as_str(),
            day: e.date.map(day_number),
            tone: f64::from(e.tone.tone),
        }
    }

    /// The dyad this event counts in, if it counts: asserted, dated, between two countries.
    fn dyad(&self) -> Option<(&'a str, &'a str, i64)> {
        let (a, b) = (country(self.source)?, country(self.target?)?);
        (self.modality == "asserted" && a != b).then_some(())?;
        Some((a.min(b), a.max(b), self.day?))
    }
}

/// Creates a merged event for a mention with `f`, counted in the daily aggregate.
fn create_event(
    tx: &Transaction<'_>,
    f: &EventFields<'_>,
    now: &str,
    rollups: &mut RollupDeltas,
) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO events (source, target, cameo, quad_class, goldstein, modality, day, added_at,
             tone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        f.source,
        f.target,
        f.cameo,
        f.quad_class,
        f.goldstein,
        f.modality,
        f.day,
        now,
        f.tone
    ])?;
    let key = tx.last_insert_rowid();
    if let Some((a, b, day)) = f.dyad() {
        rollups.add(a, b, day, f.quad_class, 1, f.goldstein, f.tone);
    }
    Ok(key)
}

/// Giving an event a location if it has none yet.
const LOCATE_EVENT: &str = "UPDATE events SET location_name = ?2, location_kind = ?3,
         location_country = ?4, location_admin1 = ?5, location_lat = ?6, location_lon = ?7,
         location_geonameid = ?8, location_basis = ?9
     WHERE event_key = ?1 AND location_name IS NULL";

/// Gives event `event_key` the location of mention `e` if it has none yet (with a statement of
/// [`LOCATE_EVENT`]): an event takes the location of its first mention that has one.
fn locate_event(
    update: &mut rusqlite::Statement<'_>,
    event_key: i64,
    e: &Event,
) -> Result<(), StoreError> {
    let Some(l) = &e.location else {
        return Ok(());
    };
    update.execute(params![
        event_key,
        l.name,
        l.kind.as_str(),
        l.country,
        l.admin1,
        f64::from(l.lat),
        f64::from(l.lon),
        l.geonameid,
        l.basis.as_str()
    ])?;
    Ok(())
}

/// The month index of a day number: year * 12 + month - 1.
pub fn month_index(day: i64) -> i64 {
    use chrono::Datelike;
    let d = day_date(day);
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// A rollup row's key: the dyad (`a` < `b`), the day or month index, the quad class.
type RollupKey = (String, String, i64, u8);

/// What a transaction adds to the daily and monthly rollups, per row: events, Goldstein sum,
/// tone sum. Summed in memory and written once per row at the end of the transaction: an
/// upsert per new event (two, with the month) was a sixth of the writer's instructions, and the
/// rollups are read only outside writing transactions.
#[derive(Default)]
struct RollupDeltas {
    day: BTreeMap<RollupKey, (i64, f64, f64)>,
    month: BTreeMap<RollupKey, (i64, f64, f64)>,
}

impl RollupDeltas {
    /// Adds `n` events (negative: removes them) with `goldstein` and `tone` each to dyad
    /// `a`-`b` on `day`.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        a: &str,
        b: &str,
        day: i64,
        quad_class: u8,
        n: i64,
        goldstein: f64,
        tone: f64,
    ) {
        for (map, at) in [(&mut self.day, day), (&mut self.month, month_index(day))] {
            let delta = map
                .entry((a.to_string(), b.to_string(), at, quad_class))
                .or_insert((0, 0.0, 0.0));
            delta.0 += n;
            delta.1 += goldstein * n as f64;
            delta.2 += tone * n as f64;
        }
    }

    /// Writes the sums into `dyad_day` and `dyad_month`; a row left with no events goes.
    fn flush(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        // The SQL is written out for each table, not formatted per call.
        const DAY: [&str; 2] = [
            "INSERT INTO dyad_day (a, b, day, quad_class, n_events, goldstein_sum, tone_sum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (a, b, day, quad_class) DO UPDATE SET
               n_events = n_events + excluded.n_events,
               goldstein_sum = goldstein_sum + excluded.goldstein_sum,
               tone_sum = tone_sum + excluded.tone_sum",
            "DELETE FROM dyad_day WHERE a = ?1 AND b = ?2 AND day = ?3 AND quad_class = ?4
               AND n_events <= 0",
        ];
        const MONTH: [&str; 2] = [
            "INSERT INTO dyad_month (a, b, month, quad_class, n_events, goldstein_sum, tone_sum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (a, b, month, quad_class) DO UPDATE SET
               n_events = n_events + excluded.n_events,
               goldstein_sum = goldstein_sum + excluded.goldstein_sum,
               tone_sum = tone_sum + excluded.tone_sum",
            "DELETE FROM dyad_month WHERE a = ?1 AND b = ?2 AND month = ?3 AND quad_class = ?4
               AND n_events <= 0",
        ];
        for (map, [upsert, delete]) in [(&mut self.day, DAY), (&mut self.month, MONTH)] {
            for ((a, b, at, quad_class), (n, goldstein, tone)) in std::mem::take(map) {
                if n == 0 && goldstein == 0.0 && tone == 0.0 {
                    continue;
                }
                tx.prepare_cached(upsert)?
                    .execute(params![a, b, at, quad_class, n, goldstein, tone])?;
                // Also at zero: adding and removing events in one transaction can leave a
                // rounding residue in the sums, and a row without events must not stay.
                if n <= 0 {
                    tx.prepare_cached(delete)?
                        .execute(params![a, b, at, quad_class])?;
                }
            }
        }
        Ok(())
    }
}

/// One dictionary entry in the stored provenance.
#[derive(serde::Serialize)]
struct StoredEntry<'a> {
    code: &'a str,
    entry: &'a str,
    kind: &'a str,
    phrase: &'a str,
}

/// The stored provenance. Fields are in alphabetical order, the order in which the
/// `serde_json::json!` map this replaced wrote them, so stored provenance is byte for byte what
/// it was (a unit test compares the two). Building that map allocated a `String` key and a
/// `Value` for every field: 8% of the coding threads' time in `bench ingest`.
#[derive(serde::Serialize)]
struct StoredProvenance<'a> {
    coder_version: &'a str,
    date_text: Option<[usize; 2]>,
    dictionary_version: &'a str,
    matched: Vec<[usize; 2]>,
    modality_cue: Option<[usize; 2]>,
    passive: bool,
    pattern: &'a str,
    pattern_text: &'a str,
    reciprocal: bool,
    source_entries: Vec<StoredEntry<'a>>,
    source_via: Option<&'a str>,
    target_entries: Vec<StoredEntry<'a>>,
    target_via: Option<&'a str>,
}

/// The provenance of an event as stored: JSON with the pattern, the dictionary entries, the
/// matched spans and the versions.
pub fn provenance_json(e: &Event) -> String {
    let p = &e.provenance;
    fn entries(a: Option<&redline::coder::ActorRef>) -> Vec<StoredEntry<'_>> {
        a.map(|a| {
            a.entries
                .iter()
                .map(|x| StoredEntry {
                    code: &x.code,
                    entry: &x.location,
                    kind: x.kind,
                    phrase: &x.phrase,
                })
                .collect()
        })
        .unwrap_or_default()
    }
    let span = |s: Span| [s.start, s.end];
    let stored = StoredProvenance {
        coder_version: p.coder_version,
        date_text: p.date_span.map(span),
        dictionary_version: &p.dictionary_version,
        matched: p.matched.iter().map(|&s| span(s)).collect(),
        modality_cue: p.modality_cue.map(span),
        passive: p.passive,
        pattern: &p.pattern,
        pattern_text: &p.pattern_text,
        reciprocal: p.reciprocal,
        source_entries: entries(Some(&e.source)),
        source_via: e.source.via,
        target_entries: entries(e.target.as_ref()),
        target_via: e.target.as_ref().and_then(|t| t.via),
    };
    serde_json::to_string(&stored).expect("provenance serialises")
}

/// Sentences inserted by one statement.
const SENTENCE_ROWS: usize = 8;

/// Inserting `n_rows` sentences: `(doc_key, sentence_index, start, end)` each.
fn insert_sentences_sql(n_rows: usize) -> String {
    let rows: Vec<String> = (0..n_rows)
        .map(|r| {
            let p = 4 * r;
            format!("(?{}, ?{}, ?{}, ?{})", p + 1, p + 2, p + 3, p + 4)
        })
        .collect();
    format!(
        "INSERT INTO sentences (doc_key, sentence_index, start, end) VALUES {}",
        rows.join(", ")
    )
}

/// Inserting a mention (schema version 2 and later).
const INSERT_MENTION: &str =
    "INSERT INTO mentions (doc_key, sentence_index, source, target, cameo, quad_class, goldstein,
         plover_event, plover_mode, modality, day, date_basis, source_start, source_end,
         target_start, target_end, head_start, head_end, provenance, event_key, tone,
         location_name, location_kind, location_country, location_admin1, location_lat,
         location_lon, location_geonameid, location_basis)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
         ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)";

/// Inserting a mention into a version-1 file (no merged events).
const INSERT_MENTION_V1: &str =
    "INSERT INTO mentions (doc_key, sentence_index, source, target, cameo, quad_class,
         goldstein, plover_event, plover_mode, modality, day, date_basis, source_start,
         source_end, target_start, target_end, head_start, head_end, provenance)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
         ?18, ?19)";

/// Inserts a mention with `insert`, a statement of [`INSERT_MENTION`] (with `event_key`) or of
/// [`INSERT_MENTION_V1`] (without, for the version-1 fixture).
fn insert_mention(
    insert: &mut rusqlite::Statement<'_>,
    doc_key: i64,
    event_key: Option<i64>,
    e: &Event,
    provenance: &str,
) -> Result<(), StoreError> {
    let p = &e.provenance;
    fn non_empty(s: &str) -> Option<&str> {
        (!s.is_empty()).then_some(s)
    }
    let target = e.target.as_ref();
    // Borrowed values only: this runs for every mention, and boxing each parameter and copying
    // its strings showed in the writer's profile.
    let common = params![
        doc_key,
        e.sentence_index as i64,
        e.source.code.as_str(),
        target.map(|t| t.code.as_str()),
        e.code.as_str(),
        e.quad_class,
        f64::from(e.goldstein),
        non_empty(&e.plover_event),
        non_empty(&e.plover_mode),
        e.modality.as_str(),
        e.date.map(day_number),
        e.date_basis.as_str(),
        e.source.span.start as i64,
        e.source.span.end as i64,
        target.map(|t| t.span.start as i64),
        target.map(|t| t.span.end as i64),
        p.head.start as i64,
        p.head.end as i64,
        provenance,
    ];
    let Some(event_key) = event_key else {
        // Version 1 files have no event_key: the fixture writer passes None.
        insert.execute(common)?;
        return Ok(());
    };
    let l = e.location.as_ref();
    let located = params![
        event_key,
        f64::from(e.tone.tone),
        l.map(|l| l.name.as_str()),
        l.map(|l| l.kind.as_str()),
        l.map(|l| l.country.as_str()),
        l.map(|l| l.admin1.as_str()),
        l.map(|l| f64::from(l.lat)),
        l.map(|l| f64::from(l.lon)),
        l.map(|l| l.geonameid),
        l.map(|l| l.basis.as_str()),
    ];
    insert.execute(rusqlite::params_from_iter(
        common.iter().chain(located.iter()),
    ))?;
    Ok(())
}

/// Writes a document the way version 1 did (no merged events): how the version-1 fixture is
/// made.
#[doc(hidden)]
pub fn raw_insert_v1(
    tx: &Transaction<'_>,
    doc: &Doc,
    sentences: &[Span],
    events: &[Event],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO documents (id, content_hash, url, title, source, published, text, body_start,
             body_end, ingested_at)
         VALUES (?1, ?2, ?3, ?4, 'fixture.example', ?5, ?6, ?7, ?8, '2024-07-01T00:00:00Z')",
        params![
            doc.id,
            doc_hash(doc),
            doc.url,
            doc.title,
            doc.published.map(|p| p.to_string()),
            doc.text,
            doc.body.start as i64,
            doc.body.end as i64
        ],
    )?;
    let doc_key = tx.last_insert_rowid();
    for (i, s) in sentences.iter().enumerate() {
        tx.execute(
            "INSERT INTO sentences VALUES (?1, ?2, ?3, ?4)",
            params![doc_key, i as i64, s.start as i64, s.end as i64],
        )?;
    }
    let mut insert = tx.prepare_cached(INSERT_MENTION_V1)?;
    for e in events {
        insert_mention(&mut insert, doc_key, None, e, &provenance_json(e))?;
    }
    Ok(())
}

/// Recounts the mentions, documents and sources of the `touched` events; an event left without
/// mentions is deleted and leaves the daily aggregate.
fn refresh_events(
    tx: &Transaction<'_>,
    touched: &BTreeSet<i64>,
    merge: &mut MergeIndex,
    rollups: &mut RollupDeltas,
) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    // One statement for the whole batch: inside a writing transaction SQLite re-prepared the
    // per-event form on every call (measured with `StatementStatus::RePrepare`).
    let keys = serde_json::to_string(touched).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "UPDATE events SET
           n_mentions = (SELECT count(*) FROM mentions m WHERE m.event_key = events.event_key),
           n_documents = (SELECT count(DISTINCT m.doc_key) FROM mentions m
                          WHERE m.event_key = events.event_key),
           n_sources = (SELECT count(DISTINCT d.origin) FROM mentions m
                        JOIN documents d INDEXED BY documents_meta ON d.doc_key = m.doc_key
                        WHERE m.event_key = events.event_key)
         WHERE event_key IN (SELECT value FROM json_each(?1))",
    )?
    .execute([&keys])?;
    type Row = (
        i64,
        String,
        Option<String>,
        u8,
        f64,
        String,
        Option<i64>,
        String,
        Option<f64>,
    );
    let empty: Vec<Row> = tx
        .prepare_cached(
            "SELECT event_key, source, target, quad_class, goldstein, modality, day, cameo, tone
             FROM events
             WHERE event_key IN (SELECT value FROM json_each(?1)) AND n_mentions = 0",
        )?
        .query_map([&keys], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (key, source, target, quad_class, goldstein, modality, day, cameo, tone) in empty {
        let f = EventFields {
            source: &source,
            target: target.as_deref(),
            cameo: &cameo,
            quad_class,
            goldstein,
            modality: &modality,
            day,
            tone: tone.unwrap_or(0.0),
        };
        if let Some((a, b, day)) = f.dyad() {
            rollups.add(a, b, day, quad_class, -1, goldstein, f.tone);
        }
        merge.forget(&MergeIndex::key(&f));
        tx.prepare_cached("DELETE FROM events WHERE event_key = ?1")?
            .execute([key])?;
    }
    Ok(())
}

/// Brings a version-1 file's data into version 2: fingerprints and origins for its documents,
/// merged events for its mentions.
fn backfill_v2(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let docs: Vec<(i64, String, i64, i64)> = tx
        .prepare("SELECT doc_key, text, body_start, body_end FROM documents ORDER BY doc_key")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    tx.execute("UPDATE documents SET origin = source", [])?;
    for (doc_key, text, start, end) in docs {
        let body = text.get(start as usize..end as usize).unwrap_or(&text);
        let signature = fingerprint::minhash(body);
        tx.execute(
            "UPDATE documents SET minhash = ?1 WHERE doc_key = ?2",
            params![fingerprint::to_bytes(&signature), doc_key],
        )?;
        link_near_duplicate(tx, doc_key, &signature)?;
    }
    type Row = (
        i64,
        String,
        Option<String>,
        String,
        u8,
        f64,
        String,
        Option<i64>,
    );
    let mentions: Vec<Row> = tx
        .prepare(
            "SELECT mention_key, source, target, cameo, quad_class, goldstein, modality, day
             FROM mentions ORDER BY mention_key",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let now = chrono_now();
    let mut touched = BTreeSet::new();
    let mut merge = MergeIndex::default();
    let mut rollups = RollupDeltas::default();
    for (mention_key, source, target, cameo, quad_class, goldstein, modality, day) in &mentions {
        let f = EventFields {
            source,
            target: target.as_deref(),
            cameo,
            quad_class: *quad_class,
            goldstein: *goldstein,
            modality,
            day: *day,
            tone: 0.0,
        };
        let (event_key, _) = merge.find_or_create(tx, &f, &now, &mut rollups)?;
        tx.execute(
            "UPDATE mentions SET event_key = ?1 WHERE mention_key = ?2",
            params![event_key, mention_key],
        )?;
        touched.insert(event_key);
    }
    refresh_events(tx, &touched, &mut merge, &mut rollups)?;
    rollups.flush(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 6, 19).unwrap();
        assert_eq!(day_date(day_number(d)), d);
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
    }

    #[test]
    fn country_is_the_first_three_letters_unless_a_role() {
        assert_eq!(country("PRKGOV"), Some("PRK"));
        assert_eq!(country("GOV"), None);
        assert_eq!(country("IGOUNO"), None);
        assert_eq!(country("US"), None);
    }

    /// The provenance as it was written before `StoredProvenance`: a `serde_json::json!` map.
    fn provenance_json_as_a_map(e: &Event) -> String {
        let p = &e.provenance;
        let entries = |a: Option<&redline::coder::ActorRef>| -> Vec<serde_json::Value> {
            a.map(|a| {
                a.entries
                    .iter()
                    .map(|x| serde_json::json!({"entry": x.location, "kind": x.kind, "phrase": x.phrase, "code": x.code}))
                    .collect()
            })
            .unwrap_or_default()
        };
        let span = |s: Span| serde_json::json!([s.start, s.end]);
        serde_json::json!({
            "pattern": p.pattern,
            "pattern_text": p.pattern_text,
            "matched": p.matched.iter().map(|&s| span(s)).collect::<Vec<_>>(),
            "source_entries": entries(Some(&e.source)),
            "target_entries": entries(e.target.as_ref()),
            "source_via": e.source.via,
            "target_via": e.target.as_ref().and_then(|t| t.via),
            "modality_cue": p.modality_cue.map(span),
            "date_text": p.date_span.map(span),
            "reciprocal": p.reciprocal,
            "passive": p.passive,
            "coder_version": p.coder_version,
            "dictionary_version": p.dictionary_version,
        })
        .to_string()
    }

    #[test]
    fn stored_provenance_is_byte_for_byte_the_json_map() {
        let coder = Coder::new(
            std::sync::Arc::new(redline::Dictionaries::embedded().0),
            redline::Config::default(),
        );
        let doc = Doc::new(
            "p1",
            "Russia and North Korea signed a defence treaty on Wednesday. North Korea may \
             launch a missile, officials warned. South Korea was criticised by North Korean \
             leader Kim Jong-un on 3 May.",
        )
        .with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        let events = coder.code(&doc);
        assert!(events.len() >= 3, "{events:?}");
        assert!(events.iter().any(|e| e.provenance.modality_cue.is_some()));
        assert!(events.iter().any(|e| e.provenance.date_span.is_some()));
        for e in &events {
            assert_eq!(provenance_json(e), provenance_json_as_a_map(e));
        }
    }

    /// The rollups as stored, and as recomputed from the merged events.
    #[allow(clippy::type_complexity)]
    fn rollups_and_events(
        store: &Store,
    ) -> [(
        Vec<(String, String, i64, u8, i64, f64)>,
        Vec<(String, String, i64, u8, i64, f64)>,
    ); 2] {
        let stored = |sql: &str| -> Vec<(String, String, i64, u8, i64, f64)> {
            store
                .conn
                .prepare(sql)
                .unwrap()
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let mut by_day: BTreeMap<(String, String, i64, u8), (i64, f64)> = BTreeMap::new();
        let mut by_month = by_day.clone();
        let events: Vec<(String, Option<String>, String, u8, f64, String, Option<i64>)> = store
            .conn
            .prepare(
                "SELECT source, target, cameo, quad_class, goldstein, modality, day FROM events",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (source, target, cameo, quad_class, goldstein, modality, day) in &events {
            let f = EventFields {
                source,
                target: target.as_deref(),
                cameo,
                quad_class: *quad_class,
                goldstein: *goldstein,
                modality,
                day: *day,
                tone: 0.0,
            };
            if let Some((a, b, day)) = f.dyad() {
                for (map, at) in [(&mut by_day, day), (&mut by_month, month_index(day))] {
                    let row = map
                        .entry((a.to_string(), b.to_string(), at, *quad_class))
                        .or_default();
                    row.0 += 1;
                    row.1 += goldstein;
                }
            }
        }
        let flat = |m: BTreeMap<(String, String, i64, u8), (i64, f64)>| {
            m.into_iter()
                .map(|((a, b, at, q), (n, g))| (a, b, at, q, n, g))
                .collect()
        };
        [
            (
                stored(
                    "SELECT a, b, day, quad_class, n_events, goldstein_sum FROM dyad_day ORDER BY 1, 2, 3, 4",
                ),
                flat(by_day),
            ),
            (
                stored(
                    "SELECT a, b, month, quad_class, n_events, goldstein_sum FROM dyad_month ORDER BY 1, 2, 3, 4",
                ),
                flat(by_month),
            ),
        ]
    }

    #[test]
    fn counts_and_rollups_equal_the_events_after_replacements_within_one_transaction() {
        let coder = Coder::new(
            std::sync::Arc::new(redline::Dictionaries::embedded().0),
            redline::Config::default(),
        );
        let published = NaiveDate::from_ymd_opt(2024, 6, 21);
        let code = |id: &str, text: &str| {
            IngestDoc::code(
                &coder,
                Doc::new(id, text).with_published(published),
                "s.example",
            )
        };
        let mut store = Store::open_in_memory().unwrap();
        store
            .write_batch(&[
                code(
                    "a",
                    "North Korea fired missiles toward South Korea on Monday.",
                ),
                code(
                    "b",
                    "Russia and North Korea signed a defence treaty on Wednesday.",
                ),
            ])
            .unwrap();
        // One batch replaces "a" twice (its events go, then new ones come and go again), "b"
        // once (its treaty leaves its day's row empty) and adds "c": events are created and
        // deleted for the same rollup rows in one transaction.
        let summary = store
            .write_batch(&[
                code("a", "South Korea condemned North Korea on Tuesday."),
                code(
                    "c",
                    "North Korea fired missiles toward South Korea on Monday.",
                ),
                code("b", "South Korea condemned North Korea on Tuesday."),
                code("a", "Russia praised North Korea on Monday."),
            ])
            .unwrap();
        assert_eq!((summary.added, summary.replaced), (1, 3));
        // A new event reported three times in one batch: twice the same wire story (one
        // source), once by another publisher.
        let from = |id: &str, text: &str, source: &str| {
            IngestDoc::code(&coder, Doc::new(id, text).with_published(published), source)
        };
        let saturday = "North Korea fired missiles toward South Korea on Saturday.";
        store
            .write_batch(&[
                from("f1", saturday, "u.example"),
                from("f2", saturday, "v.example"),
                from(
                    "f3",
                    "North Korea fired missiles toward South Korea on Saturday, the military in \
                     Seoul said after radar stations detected the launch early in the morning.",
                    "w.example",
                ),
            ])
            .unwrap();
        // The same event again in a later batch: a republication (no new source) and another
        // publisher's report (one more); its counts are recounted in SQL.
        store
            .write_batch(&[
                from("g", saturday, "x.example"),
                from(
                    "h",
                    "South Korea said North Korea fired missiles toward South Korea on Saturday \
                     and called the launch a provocation that threatened the whole region.",
                    "y.example",
                ),
            ])
            .unwrap();
        // Counts kept in memory for new events, and recounted for older ones, equal a recount
        // of every event.
        let counts: Vec<(i64, i64, i64, i64, i64, i64)> = store
            .conn
            .prepare(
                "SELECT n_mentions, n_documents, n_sources,
                   (SELECT count(*) FROM mentions m WHERE m.event_key = e.event_key),
                   (SELECT count(DISTINCT m.doc_key) FROM mentions m
                    WHERE m.event_key = e.event_key),
                   (SELECT count(DISTINCT d.origin) FROM mentions m
                    JOIN documents d ON d.doc_key = m.doc_key WHERE m.event_key = e.event_key)
                 FROM events e",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for c in &counts {
            assert_eq!((c.0, c.1, c.2), (c.3, c.4, c.5), "{counts:?}");
        }
        assert!(
            counts.iter().any(|c| (c.0, c.1, c.2) == (5, 5, 3)),
            "{counts:?}"
        );
        for (stored, expected) in rollups_and_events(&store) {
            assert!(!expected.is_empty());
            assert_eq!(stored.len(), expected.len(), "{stored:?} {expected:?}");
            for (s, e) in stored.iter().zip(&expected) {
                assert_eq!((&s.0, &s.1, s.2, s.3, s.4), (&e.0, &e.1, e.2, e.3, e.4));
                assert!((s.5 - e.5).abs() < 1e-9, "{s:?} {e:?}");
            }
        }
    }

    #[test]
    fn sentences_are_stored_in_full_and_remainder_statements() {
        let coder = Coder::new(
            std::sync::Arc::new(redline::Dictionaries::embedded().0),
            redline::Config::default(),
        );
        let mut store = Store::open_in_memory().unwrap();
        // 0, 1, a full statement, a full one and some, two full ones and some.
        for n in [
            0,
            1,
            SENTENCE_ROWS,
            SENTENCE_ROWS + 3,
            2 * SENTENCE_ROWS + 5,
        ] {
            let text: String = (0..n)
                .map(|i| format!("Sentence number {i} is here. "))
                .collect();
            let doc = Doc::new(format!("s{n}"), text);
            let expected: Vec<(i64, i64, i64)> = coder
                .sentences(&doc)
                .iter()
                .enumerate()
                .map(|(i, s)| (i as i64, s.start as i64, s.end as i64))
                .collect();
            assert_eq!(expected.len(), n);
            store
                .write_batch(&[IngestDoc::code(&coder, doc, "s.example")])
                .unwrap();
            let stored: Vec<(i64, i64, i64)> = store
                .conn
                .prepare(
                    "SELECT sentence_index, start, end FROM sentences
                     WHERE doc_key = (SELECT doc_key FROM documents WHERE id = ?1)
                     ORDER BY sentence_index",
                )
                .unwrap()
                .query_map([format!("s{n}")], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(stored, expected);
        }
    }

    #[test]
    fn not_countries_is_sorted_and_unique() {
        assert!(NOT_COUNTRIES.windows(2).all(|w| w[0] < w[1]));
    }
}
