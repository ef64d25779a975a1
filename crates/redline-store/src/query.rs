//! Reading the store for interactive use (the HTTP API and dashboard): filtered, paged merged
//! events, one event with every mention of it, one document with its sentences and coded spans.
//!
//! Pages are keyset-paged (newest first, by day then event id), so a page costs the same at any
//! depth: no `OFFSET`. A [`Cursor`] is the last event of the previous page.

use crate::export::{LOCATION_TONE_COLUMNS, event_row};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params, params_from_iter};

use crate::export::EventRow;
use crate::{Store, StoreError, day_date, day_number};

/// The most events one page may hold.
pub const MAX_PAGE: usize = 500;

/// Where a page starts: just after this event in newest-first order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The event's day (days since 1970-01-01), `None` for undated events (they come last).
    pub day: Option<i64>,
    /// The event's id.
    pub event_key: i64,
}

impl Cursor {
    /// The opaque text form: `DAY.KEY`, or `u.KEY` for an undated event.
    pub fn encode(&self) -> String {
        match self.day {
            Some(d) => format!("{d}.{}", self.event_key),
            None => format!("u.{}", self.event_key),
        }
    }

    /// Reads [`Cursor::encode`]'s form back; `None` when it is not one.
    pub fn decode(s: &str) -> Option<Cursor> {
        let (day, key) = s.split_once('.')?;
        let event_key = key.parse().ok()?;
        let day = if day == "u" {
            None
        } else {
            Some(day.parse().ok()?)
        };
        Some(Cursor { day, event_key })
    }
}

/// Which events a page holds. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// An actor code or its prefix (`PRK`, `RUSGOV`), on either side.
    pub actor: Option<String>,
    /// Two countries, either direction.
    pub dyad: Option<(String, String)>,
    /// A CAMEO code or root prefix (`04`, `057`).
    pub cameo: Option<String>,
    /// Quad class 1-4.
    pub quad_class: Option<u8>,
    /// Modality (`asserted`, `hypothetical`, ...).
    pub modality: Option<String>,
    /// A country on either side.
    pub country: Option<String>,
    /// Words in the first report's sentence (case-insensitive substring).
    pub text: Option<String>,
    /// Start after this event.
    pub after: Option<Cursor>,
    /// Events per page, at most [`MAX_PAGE`].
    pub limit: usize,
}

/// One page of events and where the next one starts.
#[derive(Debug, Clone)]
pub struct EventPage {
    /// Newest first.
    pub events: Vec<EventRow>,
    /// The cursor of the next page, `None` on the last.
    pub next: Option<Cursor>,
}

/// The columns of an [`EventRow`] over `events e`, its first mention `m`, `d` and `s`.
/// Events without a mention (only the synthetic benchmark stores make them) read with an empty
/// document id and sentence.
const EVENT_COLUMNS: &str = "e.event_key, e.day, e.source, e.target, e.cameo, e.quad_class,
    e.goldstein, e.modality, e.n_mentions, e.n_sources, e.n_documents, e.added_at,
    COALESCE(d.id, ''), d.url, COALESCE(d.source, ''), COALESCE(m.sentence_index, -1),
    COALESCE(CAST(substr(CAST(d.text AS BLOB), s.start + 1, s.end - s.start) AS TEXT), ''),
    m.plover_event, m.plover_mode,
    COALESCE(CAST(substr(CAST(d.text AS BLOB), m.source_start + 1, m.source_end - m.source_start) AS TEXT), ''),
    CAST(substr(CAST(d.text AS BLOB), m.target_start + 1, m.target_end - m.target_start) AS TEXT)";

const FIRST_MENTION_JOIN: &str = "LEFT JOIN mentions m ON m.mention_key =
        (SELECT min(mention_key) FROM mentions WHERE event_key = e.event_key)
    LEFT JOIN documents d ON d.doc_key = m.doc_key
    LEFT JOIN sentences s ON s.doc_key = m.doc_key AND s.sentence_index = m.sentence_index";

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
fn like_prefix(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// One page of merged events matching `q`, newest first.
pub fn events_page(store: &Store, q: &EventQuery) -> Result<EventPage, StoreError> {
    let mut conds: Vec<String> = vec!["1".into()];
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(from) = q.from {
        conds.push("e.day >= ?".into());
        values.push(Box::new(day_number(from)));
    }
    if let Some(to) = q.to {
        conds.push("e.day <= ?".into());
        values.push(Box::new(day_number(to)));
    }
    if let Some(actor) = &q.actor {
        conds.push("(e.source LIKE ? ESCAPE '\\' OR e.target LIKE ? ESCAPE '\\')".into());
        values.push(Box::new(like_prefix(actor)));
        values.push(Box::new(like_prefix(actor)));
    }
    if let Some((a, b)) = &q.dyad {
        conds.push(
            "((substr(e.source, 1, 3) = ? AND substr(e.target, 1, 3) = ?)
              OR (substr(e.source, 1, 3) = ? AND substr(e.target, 1, 3) = ?))"
                .into(),
        );
        for v in [a, b, b, a] {
            values.push(Box::new(v.clone()));
        }
    }
    if let Some(c) = &q.country {
        conds.push("(substr(e.source, 1, 3) = ? OR substr(e.target, 1, 3) = ?)".into());
        values.push(Box::new(c.clone()));
        values.push(Box::new(c.clone()));
    }
    if let Some(code) = &q.cameo {
        conds.push("e.cameo LIKE ? ESCAPE '\\'".into());
        values.push(Box::new(like_prefix(code)));
    }
    if let Some(quad) = q.quad_class {
        conds.push("e.quad_class = ?".into());
        values.push(Box::new(quad));
    }
    if let Some(m) = &q.modality {
        conds.push("e.modality = ?".into());
        values.push(Box::new(m.clone()));
    }
    if let Some(text) = &q.text {
        conds.push(
            "instr(lower(CAST(substr(CAST(d.text AS BLOB), s.start + 1, s.end - s.start) AS TEXT)), lower(?)) > 0"
                .into(),
        );
        values.push(Box::new(text.clone()));
    }
    match q.after {
        Some(Cursor {
            day: Some(day),
            event_key,
        }) => {
            conds.push("(e.day < ? OR (e.day = ? AND e.event_key < ?) OR e.day IS NULL)".into());
            values.push(Box::new(day));
            values.push(Box::new(day));
            values.push(Box::new(event_key));
        }
        Some(Cursor {
            day: None,
            event_key,
        }) => {
            conds.push("(e.day IS NULL AND e.event_key < ?)".into());
            values.push(Box::new(event_key));
        }
        None => {}
    }
    let limit = q.limit.clamp(1, MAX_PAGE);
    // One more than asked tells whether there is a next page.
    values.push(Box::new(limit as i64 + 1));
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, {LOCATION_TONE_COLUMNS} FROM events e {FIRST_MENTION_JOIN}
         WHERE {}
         ORDER BY e.day DESC, e.event_key DESC
         LIMIT ?",
        conds.join(" AND ")
    );
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut events: Vec<EventRow> = stmt
        .query_map(params_from_iter(values.iter()), event_row)?
        .collect::<Result<_, _>>()?;
    let next = if events.len() > limit {
        events.truncate(limit);
        events.last().map(|e| Cursor {
            day: e.date.map(day_number),
            event_key: e.event_key,
        })
    } else {
        None
    };
    Ok(EventPage { events, next })
}

/// One merged event, with its first report.
pub fn event(store: &Store, event_key: i64) -> Result<Option<EventRow>, StoreError> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, {LOCATION_TONE_COLUMNS} FROM events e {FIRST_MENTION_JOIN} WHERE e.event_key = ?1"
    );
    Ok(store
        .conn()
        .prepare_cached(&sql)?
        .query_row(params![event_key], event_row)
        .optional()?)
}

/// A byte range, relative to whatever the field says.
pub type Range = (i64, i64);

/// One coded mention with everything needed to show it: the sentence, where the source, target
/// and verb are in it, and the provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionDetail {
    /// The merged event it belongs to.
    pub event_key: i64,
    /// Document id.
    pub doc_id: String,
    /// Document title.
    pub title: Option<String>,
    /// Document URL.
    pub url: Option<String>,
    /// Publisher.
    pub publisher: String,
    /// Publication date as stored.
    pub published: Option<String>,
    /// Sentence index in the document.
    pub sentence_index: i64,
    /// The sentence's byte range in the document.
    pub sentence_span: Range,
    /// The sentence.
    pub sentence: String,
    /// Source actor code.
    pub source: String,
    /// Target actor code.
    pub target: Option<String>,
    /// CAMEO code.
    pub cameo: String,
    /// Quad class.
    pub quad_class: u8,
    /// Goldstein score.
    pub goldstein: f64,
    /// Modality.
    pub modality: String,
    /// The mention's own date.
    pub date: Option<NaiveDate>,
    /// How the date was found (`explicit`, `relative`, `publication`, ...).
    pub date_basis: String,
    /// The source's byte range in the document.
    pub source_span: Range,
    /// The target's byte range in the document.
    pub target_span: Option<Range>,
    /// The verb's (head's) byte range in the document.
    pub head_span: Range,
    /// The provenance JSON (pattern, dictionary entries, matched spans, versions).
    pub provenance: String,
}

const MENTION_COLUMNS: &str = "m.event_key, d.id, d.title, d.url, d.source, d.published,
    m.sentence_index, s.start, s.end,
    CAST(substr(CAST(d.text AS BLOB), s.start + 1, s.end - s.start) AS TEXT),
    m.source, m.target, m.cameo, m.quad_class, m.goldstein, m.modality, m.day, m.date_basis,
    m.source_start, m.source_end, m.target_start, m.target_end, m.head_start, m.head_end,
    m.provenance";

fn mention_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MentionDetail> {
    let target_start: Option<i64> = r.get(20)?;
    let target_end: Option<i64> = r.get(21)?;
    Ok(MentionDetail {
        event_key: r.get(0)?,
        doc_id: r.get(1)?,
        title: r.get(2)?,
        url: r.get(3)?,
        publisher: r.get(4)?,
        published: r.get(5)?,
        sentence_index: r.get(6)?,
        sentence_span: (r.get(7)?, r.get(8)?),
        sentence: r.get(9)?,
        source: r.get(10)?,
        target: r.get(11)?,
        cameo: r.get(12)?,
        quad_class: r.get(13)?,
        goldstein: r.get(14)?,
        modality: r.get(15)?,
        date: r.get::<_, Option<i64>>(16)?.map(day_date),
        date_basis: r.get(17)?,
        source_span: (r.get(18)?, r.get(19)?),
        target_span: target_start.zip(target_end),
        head_span: (r.get(22)?, r.get(23)?),
        provenance: r.get(24)?,
    })
}

/// Every mention of one merged event, in the order they were stored.
pub fn event_mentions(store: &Store, event_key: i64) -> Result<Vec<MentionDetail>, StoreError> {
    let sql = format!(
        "SELECT {MENTION_COLUMNS} FROM mentions m
         JOIN documents d ON d.doc_key = m.doc_key
         JOIN sentences s ON s.doc_key = m.doc_key AND s.sentence_index = m.sentence_index
         WHERE m.event_key = ?1 ORDER BY m.mention_key"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![event_key], mention_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One stored document: its text, sentences and the mentions coded in it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentDetail {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Publisher.
    pub publisher: String,
    /// Publication date as stored.
    pub published: Option<String>,
    /// The text as read.
    pub text: String,
    /// The coded part of the text.
    pub body_span: Range,
    /// Byte ranges of the sentences in the text.
    pub sentences: Vec<Range>,
    /// Mentions coded in it, in text order.
    pub mentions: Vec<MentionDetail>,
}

/// One document by id.
pub fn document(store: &Store, id: &str) -> Result<Option<DocumentDetail>, StoreError> {
    let conn = store.conn();
    let head = conn
        .prepare_cached(
            "SELECT doc_key, id, title, url, source, published, text, body_start, body_end
             FROM documents WHERE id = ?1",
        )?
        .query_row(params![id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                DocumentDetail {
                    id: r.get(1)?,
                    title: r.get(2)?,
                    url: r.get(3)?,
                    publisher: r.get(4)?,
                    published: r.get(5)?,
                    text: r.get(6)?,
                    body_span: (r.get(7)?, r.get(8)?),
                    sentences: Vec::new(),
                    mentions: Vec::new(),
                },
            ))
        })
        .optional()?;
    let Some((doc_key, mut doc)) = head else {
        return Ok(None);
    };
    doc.sentences = conn
        .prepare_cached(
            "SELECT start, end FROM sentences WHERE doc_key = ?1 ORDER BY sentence_index",
        )?
        .query_map(params![doc_key], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let sql = format!(
        "SELECT {MENTION_COLUMNS} FROM mentions m
         JOIN documents d ON d.doc_key = m.doc_key
         JOIN sentences s ON s.doc_key = m.doc_key AND s.sentence_index = m.sentence_index
         WHERE m.doc_key = ?1 ORDER BY m.sentence_index, m.head_start, m.mention_key"
    );
    doc.mentions = conn
        .prepare_cached(&sql)?
        .query_map(params![doc_key], mention_row)?
        .collect::<Result<_, _>>()?;
    Ok(Some(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        for c in [
            Cursor {
                day: Some(19_800),
                event_key: 7,
            },
            Cursor {
                day: Some(-3),
                event_key: 1,
            },
            Cursor {
                day: None,
                event_key: 42,
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in ["", "1", "x.1", "1.x", "1.2.3"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(like_prefix("04"), "04%");
        assert_eq!(like_prefix("a%_\\"), "a\\%\\_\\\\%");
    }
}
