//! The schema, its version and the migrations between versions.
//!
//! `schema_version` holds one row, the version the file is at. Opening a store runs every
//! migration above that version, each in its own transaction, so a file is always at exactly one
//! version. A fixture database of every released version lives in `tests/fixtures/` and a test
//! opens and migrates each one.

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::StoreError;

/// The version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

/// Version 1: documents, their sentences and the coded events (mentions), one row each.
const V1: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (0);
CREATE TABLE documents (
    doc_key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    url TEXT,
    title TEXT,
    source TEXT NOT NULL,
    published TEXT,
    text TEXT NOT NULL,
    body_start INTEGER NOT NULL,
    body_end INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE sentences (
    doc_key INTEGER NOT NULL,
    sentence_index INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    PRIMARY KEY (doc_key, sentence_index)
) WITHOUT ROWID;
CREATE TABLE mentions (
    mention_key INTEGER PRIMARY KEY,
    doc_key INTEGER NOT NULL,
    sentence_index INTEGER NOT NULL,
    source TEXT NOT NULL,
    target TEXT,
    cameo TEXT NOT NULL,
    quad_class INTEGER NOT NULL,
    goldstein REAL NOT NULL,
    plover_event TEXT,
    plover_mode TEXT,
    modality TEXT NOT NULL,
    day INTEGER,
    date_basis TEXT NOT NULL,
    source_start INTEGER NOT NULL,
    source_end INTEGER NOT NULL,
    target_start INTEGER,
    target_end INTEGER,
    head_start INTEGER NOT NULL,
    head_end INTEGER NOT NULL,
    provenance TEXT NOT NULL
);
CREATE INDEX mentions_by_doc ON mentions(doc_key);
";

/// Version 2: merged events (one row per real-world event, counting its mentions, sources and
/// documents), near-duplicate detection on documents, and the per-dyad daily aggregate that
/// `report` and the alerts read.
const V2: &str = "
ALTER TABLE documents ADD COLUMN minhash BLOB;
ALTER TABLE documents ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN duplicate_of INTEGER;
CREATE TABLE minhash_bands (band INTEGER NOT NULL, doc_key INTEGER NOT NULL);
CREATE INDEX minhash_bands_by_band ON minhash_bands(band);
CREATE INDEX minhash_bands_by_doc ON minhash_bands(doc_key);
ALTER TABLE mentions ADD COLUMN event_key INTEGER NOT NULL DEFAULT 0;
CREATE TABLE events (
    event_key INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT,
    cameo TEXT NOT NULL,
    quad_class INTEGER NOT NULL,
    goldstein REAL NOT NULL,
    modality TEXT NOT NULL,
    day INTEGER,
    n_mentions INTEGER NOT NULL DEFAULT 0,
    n_sources INTEGER NOT NULL DEFAULT 0,
    n_documents INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL
);
CREATE INDEX events_by_key ON events(source, target, cameo, modality, day);
CREATE INDEX events_by_day ON events(day);
CREATE INDEX mentions_by_event ON mentions(event_key);
CREATE TABLE dyad_day (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    day INTEGER NOT NULL,
    quad_class INTEGER NOT NULL,
    n_events INTEGER NOT NULL,
    goldstein_sum REAL NOT NULL,
    PRIMARY KEY (a, b, day, quad_class)
) WITHOUT ROWID;
CREATE INDEX dyad_day_by_day ON dyad_day(day);
";

/// Version 3: a monthly rollup of `dyad_day`, and a covering day index, so that a report over a
/// store of 5 million events reads about 0.3 million month rows instead of 3 million day rows
/// (14 s before, see `redline bench store`).
const V3: &str = "
DROP INDEX dyad_day_by_day;
CREATE INDEX dyad_day_by_day ON dyad_day(day, a, b, quad_class, n_events, goldstein_sum);
CREATE TABLE dyad_month (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    month INTEGER NOT NULL,
    quad_class INTEGER NOT NULL,
    n_events INTEGER NOT NULL,
    goldstein_sum REAL NOT NULL,
    PRIMARY KEY (a, b, month, quad_class)
) WITHOUT ROWID;
INSERT INTO dyad_month
    SELECT a, b,
           CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
             + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1,
           quad_class, sum(n_events), sum(goldstein_sum)
    FROM dyad_day GROUP BY 1, 2, 3, 4;
";

/// Version 4: covering indexes for what the writer reads back. `origin` and `minhash` were added
/// after `text`, so reading them walked each document's overflow pages; and recounting an event's
/// documents and sources looked up every mention's row (with its provenance) for its `doc_key`.
/// Recounting was a quarter of ingest time on 16,000 documents and grew with the store. Near-
/// duplicate candidates are the latest documents of each band, read from `(band, doc_key)`.
const V4: &str = "
CREATE INDEX documents_meta ON documents(doc_key, origin, minhash);
DROP INDEX mentions_by_event;
CREATE INDEX mentions_by_event ON mentions(event_key, doc_key);
DROP INDEX minhash_bands_by_band;
CREATE INDEX minhash_bands_by_band ON minhash_bands(band, doc_key);
";

/// Version 5: where and how (issue 7). Each document's tone (GDELT-style tone, polarity and
/// counts, and the VADER-style valence), each mention's sentence tone and event location, and
/// each merged event's location (its first mention's that has one) and tone (its first
/// mention's sentence tone). The rollups gain `tone_sum`, the sum of their events' tones, and the
/// covering day index covers it. Rows stored before version 5 have no tone or location (NULL;
/// 0 in the rollups' sums).
const V5: &str = "
ALTER TABLE documents ADD COLUMN tone REAL;
ALTER TABLE documents ADD COLUMN polarity REAL;
ALTER TABLE documents ADD COLUMN word_count INTEGER;
ALTER TABLE documents ADD COLUMN positive INTEGER;
ALTER TABLE documents ADD COLUMN negative INTEGER;
ALTER TABLE documents ADD COLUMN valence REAL;
ALTER TABLE mentions ADD COLUMN tone REAL;
ALTER TABLE mentions ADD COLUMN location_name TEXT;
ALTER TABLE mentions ADD COLUMN location_kind TEXT;
ALTER TABLE mentions ADD COLUMN location_country TEXT;
ALTER TABLE mentions ADD COLUMN location_admin1 TEXT;
ALTER TABLE mentions ADD COLUMN location_lat REAL;
ALTER TABLE mentions ADD COLUMN location_lon REAL;
ALTER TABLE mentions ADD COLUMN location_geonameid INTEGER;
ALTER TABLE mentions ADD COLUMN location_basis TEXT;
ALTER TABLE events ADD COLUMN tone REAL;
ALTER TABLE events ADD COLUMN location_name TEXT;
ALTER TABLE events ADD COLUMN location_kind TEXT;
ALTER TABLE events ADD COLUMN location_country TEXT;
ALTER TABLE events ADD COLUMN location_admin1 TEXT;
ALTER TABLE events ADD COLUMN location_lat REAL;
ALTER TABLE events ADD COLUMN location_lon REAL;
ALTER TABLE events ADD COLUMN location_geonameid INTEGER;
ALTER TABLE events ADD COLUMN location_basis TEXT;
ALTER TABLE dyad_day ADD COLUMN tone_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE dyad_month ADD COLUMN tone_sum REAL NOT NULL DEFAULT 0;
DROP INDEX dyad_day_by_day;
CREATE INDEX dyad_day_by_day
    ON dyad_day(day, a, b, quad_class, n_events, goldstein_sum, tone_sum);
";

/// Version 6: the events' day index covers what the API filters on. A filtered page (`dyad`,
/// `country`, `cameo`, `quad_class`, `modality`) walks the day index newest first and tested
/// each entry against its table row; with the filtered columns in the index only the matching
/// rows are read. `event_key` is the second column so that the index still gives the page order
/// (day, then id). On a synthetic store of 1 million events a country's material-conflict page
/// went from 1.1 ms to 0.15 ms, a rare country's page from 3.2 ms to 0.18 ms.
const V6: &str = "
DROP INDEX events_by_day;
CREATE INDEX events_by_day
    ON events(day, event_key, source, target, cameo, quad_class, modality);
";

/// Every migration: the version it brings a file to, and its SQL. Version 2 also has a Rust
/// backfill (merging the mentions of a version-1 file into events), run by [`crate::Store`].
pub const MIGRATIONS: &[(i64, &str)] = &[(1, V1), (2, V2), (3, V3), (4, V4), (5, V5), (6, V6)];

/// The version a file is at: 0 for an empty file.
pub fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    let has_table: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?)
}

/// Runs one migration's SQL and records the new version, inside `tx`.
pub fn apply(tx: &Transaction<'_>, version: i64, sql: &str) -> Result<(), StoreError> {
    tx.execute_batch(sql)?;
    tx.execute("UPDATE schema_version SET version = ?1", [version])?;
    Ok(())
}
