//! Reading merged events and their mentions back out, for exports and alerts.
//!
//! The rows are plain Rust; the export formats (GDELT, ICEWS, PLOVER, CSV, JSON Lines) are
//! written by the CLI, which owns the wire.

use chrono::NaiveDate;
use rusqlite::params_from_iter;

use crate::{Store, StoreError, day_date, day_number};

/// Which events to read. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// Only events between these two countries (either direction).
    pub dyad: Option<(String, String)>,
    /// Only events with this country on either side.
    pub country: Option<String>,
    /// Only asserted events.
    pub asserted_only: bool,
}

impl Filter {
    /// The SQL condition on table alias `e` (events) and its parameters.
    fn sql(&self) -> (String, Vec<String>) {
        let mut conds = vec!["1".to_string()];
        let mut values = Vec::new();
        if let Some(from) = self.from {
            conds.push(format!("e.day >= {}", day_number(from)));
        }
        if let Some(to) = self.to {
            conds.push(format!("e.day <= {}", day_number(to)));
        }
        if let Some((a, b)) = &self.dyad {
            conds.push(
                "((substr(e.source, 1, 3) = ? AND substr(e.target, 1, 3) = ?)
                  OR (substr(e.source, 1, 3) = ? AND substr(e.target, 1, 3) = ?))"
                    .into(),
            );
            values.extend([a.clone(), b.clone(), b.clone(), a.clone()]);
        }
        if let Some(c) = &self.country {
            conds.push("(substr(e.source, 1, 3) = ? OR substr(e.target, 1, 3) = ?)".into());
            values.extend([c.clone(), c.clone()]);
        }
        if self.asserted_only {
            conds.push("e.modality = 'asserted'".into());
        }
        (conds.join(" AND "), values)
    }
}

/// Where an event happened, as stored (see `redline::coder::EventLocation`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLocation {
    /// The place's name.
    pub name: String,
    /// `country`, `admin1` or `city`.
    pub kind: String,
    /// ISO alpha-3 country code.
    pub country: String,
    /// GeoNames admin-1 code, empty for a country.
    pub admin1: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// GeoNames id.
    pub geonameid: i64,
    /// `sentence`, `paragraph` or `actor_country`.
    pub basis: String,
}

/// One merged event and its first mention.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// The store's id of the event.
    pub event_key: i64,
    /// When it happened (the first mention's date).
    pub date: Option<NaiveDate>,
    /// Source actor code.
    pub source: String,
    /// Target actor code.
    pub target: Option<String>,
    /// CAMEO code.
    pub cameo: String,
    /// Quad class 1-4.
    pub quad_class: u8,
    /// Goldstein score.
    pub goldstein: f64,
    /// Modality of its mentions.
    pub modality: String,
    /// Mentions (GDELT NumMentions).
    pub n_mentions: i64,
    /// Distinct sources, near-duplicates counted once (NumSources).
    pub n_sources: i64,
    /// Distinct documents (NumArticles).
    pub n_documents: i64,
    /// When the store first saw it, RFC 3339.
    pub added_at: String,
    /// The first mention: document id.
    pub doc_id: String,
    /// Its URL.
    pub url: Option<String>,
    /// Its publisher.
    pub publisher: String,
    /// Its sentence index.
    pub sentence_index: i64,
    /// Its sentence.
    pub sentence: String,
    /// PLOVER event type.
    pub plover_event: Option<String>,
    /// PLOVER mode.
    pub plover_mode: Option<String>,
    /// The first mention's source phrase.
    pub source_text: String,
    /// Its target phrase.
    pub target_text: Option<String>,
    /// Where it happened: its first mention's location that has one (none before version 5).
    pub location: Option<StoredLocation>,
    /// The sentence tone of its first mention (none before version 5).
    pub tone: Option<f64>,
    /// The mean tone of the documents that mention it (GDELT's AvgTone; none before version 5).
    pub avg_tone: Option<f64>,
}

/// The sentence text of mention alias `m` (offsets are bytes, so the slice is taken on a blob).
const SENTENCE_SQL: &str =
    "CAST(substr(CAST(d.text AS BLOB), s.start + 1, s.end - s.start) AS TEXT)";

/// The columns after an event row's base columns: its location, its tone, and the mean tone of
/// the documents that mention it (read by [`stored_location`] and the two after it).
pub(crate) const LOCATION_TONE_COLUMNS: &str =
    "e.location_name, e.location_kind, e.location_country, e.location_admin1,
    e.location_lat, e.location_lon, e.location_geonameid, e.location_basis, e.tone,
    (SELECT avg(tone) FROM documents WHERE doc_key IN
        (SELECT doc_key FROM mentions WHERE event_key = e.event_key))";

/// The location stored in the eight columns from `at` (see [`LOCATION_TONE_COLUMNS`]).
pub(crate) fn stored_location(
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<Option<StoredLocation>> {
    Ok(match r.get::<_, Option<String>>(at)? {
        None => None,
        Some(name) => Some(StoredLocation {
            name,
            kind: r.get(at + 1)?,
            country: r.get(at + 2)?,
            admin1: r.get(at + 3)?,
            lat: r.get(at + 4)?,
            lon: r.get(at + 5)?,
            geonameid: r.get(at + 6)?,
            basis: r.get(at + 7)?,
        }),
    })
}

/// An [`EventRow`] from the event columns (the first mention's document, sentence and actor
/// texts) followed by [`LOCATION_TONE_COLUMNS`], in that order; the API's queries share it.
pub(crate) fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        event_key: r.get(0)?,
        date: r.get::<_, Option<i64>>(1)?.map(day_date),
        source: r.get(2)?,
        target: r.get(3)?,
        cameo: r.get(4)?,
        quad_class: r.get(5)?,
        goldstein: r.get(6)?,
        modality: r.get(7)?,
        n_mentions: r.get(8)?,
        n_sources: r.get(9)?,
        n_documents: r.get(10)?,
        added_at: r.get(11)?,
        doc_id: r.get(12)?,
        url: r.get(13)?,
        publisher: r.get(14)?,
        sentence_index: r.get(15)?,
        sentence: r.get(16)?,
        plover_event: r.get(17)?,
        plover_mode: r.get(18)?,
        source_text: r.get(19)?,
        target_text: r.get(20)?,
        location: stored_location(r, 21)?,
        tone: r.get(29)?,
        avg_tone: r.get(30)?,
    })
}

/// Merged events matching `filter`, by date then id.
pub fn events(store: &Store, filter: &Filter) -> Result<Vec<EventRow>, StoreError> {
    let (cond, values) = filter.sql();
    let sql = format!(
        "SELECT e.event_key, e.day, e.source, e.target, e.cameo, e.quad_class, e.goldstein,
                e.modality, e.n_mentions, e.n_sources, e.n_documents, e.added_at,
                d.id, d.url, d.source, m.sentence_index, {SENTENCE_SQL}, m.plover_event, m.plover_mode,
                CAST(substr(CAST(d.text AS BLOB), m.source_start + 1, m.source_end - m.source_start) AS TEXT),
                CAST(substr(CAST(d.text AS BLOB), m.target_start + 1, m.target_end - m.target_start) AS TEXT),
                {LOCATION_TONE_COLUMNS}
         FROM events e
         JOIN mentions m ON m.mention_key =
             (SELECT min(mention_key) FROM mentions WHERE event_key = e.event_key)
         JOIN documents d ON d.doc_key = m.doc_key
         JOIN sentences s ON s.doc_key = m.doc_key AND s.sentence_index = m.sentence_index
         WHERE {cond}
         ORDER BY e.day, e.event_key"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), event_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One mention of a merged event, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionRow {
    /// The merged event.
    pub event_key: i64,
    /// The event's date.
    pub event_date: Option<NaiveDate>,
    /// The document's publication date.
    pub published: Option<NaiveDate>,
    /// When the document was stored.
    pub ingested_at: String,
    /// The document id.
    pub doc_id: String,
    /// Its URL.
    pub url: Option<String>,
    /// Its publisher.
    pub publisher: String,
    /// Sentence index in the document.
    pub sentence_index: i64,
    /// Byte offsets of source, target and head in the document.
    pub source_start: i64,
    /// Target start, if any.
    pub target_start: Option<i64>,
    /// Head word start.
    pub head_start: i64,
    /// The document's length in bytes.
    pub doc_len: i64,
    /// Modality of this mention.
    pub modality: String,
    /// The provenance JSON (pattern, dictionary entries, versions).
    pub provenance: String,
    /// The sentence.
    pub sentence: String,
    /// The document's tone (none before version 5).
    pub doc_tone: Option<f64>,
}

/// Every mention of the events matching `filter`.
pub fn mentions(store: &Store, filter: &Filter) -> Result<Vec<MentionRow>, StoreError> {
    let (cond, values) = filter.sql();
    let sql = format!(
        "SELECT m.event_key, e.day, d.published, d.ingested_at, d.id, d.url, d.source,
                m.sentence_index, m.source_start, m.target_start, m.head_start, length(CAST(d.text AS BLOB)),
                m.modality, m.provenance, {SENTENCE_SQL}, d.tone
         FROM mentions m
         JOIN events e ON e.event_key = m.event_key
         JOIN documents d ON d.doc_key = m.doc_key
         JOIN sentences s ON s.doc_key = m.doc_key AND s.sentence_index = m.sentence_index
         WHERE {cond}
         ORDER BY e.day, m.event_key, m.mention_key"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
        Ok(MentionRow {
            event_key: r.get(0)?,
            event_date: r.get::<_, Option<i64>>(1)?.map(day_date),
            published: r.get::<_, Option<String>>(2)?.and_then(|p| p.parse().ok()),
            ingested_at: r.get(3)?,
            doc_id: r.get(4)?,
            url: r.get(5)?,
            publisher: r.get(6)?,
            sentence_index: r.get(7)?,
            source_start: r.get(8)?,
            target_start: r.get(9)?,
            head_start: r.get(10)?,
            doc_len: r.get(11)?,
            modality: r.get(12)?,
            provenance: r.get(13)?,
            sentence: r.get(14)?,
            doc_tone: r.get(15)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
