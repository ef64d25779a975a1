//! The JSON forms of the store's rows, as the API answers them (documented in
//! `assets/openapi.json`). The report's and the blocs' forms are the store's
//! (`redline_store::report::report_json`, `redline_store::blocs::blocs_json`), shared with the
//! CLI's `--format json` (docs/monitor.md).

use redline_store::alerts::Alert;
use redline_store::export::EventRow;
use redline_store::query::{DocumentDetail, MentionDetail};
use serde::Serialize;
use serde_json::{Value, json};

pub use redline_store::report::{dyad_name, periods_json, report_json, tally_json};

/// A merged event with its first report, as the API answers it. Serialised straight from the
/// row, without building a `Value` tree (the events endpoint's hot path); the keys are in
/// alphabetical order, as in every other object of the API.
#[derive(Serialize)]
pub struct EventJson<'a> {
    added_at: &'a str,
    cameo: &'a str,
    date: Option<String>,
    doc_id: &'a str,
    documents: i64,
    goldstein: f64,
    id: i64,
    mentions: i64,
    modality: &'a str,
    plover: PloverJson<'a>,
    publisher: &'a str,
    quad_class: u8,
    root: Option<&'a str>,
    sentence: &'a str,
    source: &'a str,
    sources: i64,
    target: Option<&'a str>,
    url: Option<&'a str>,
}

/// An event's PLOVER category and mode.
#[derive(Serialize)]
struct PloverJson<'a> {
    event: Option<&'a str>,
    mode: Option<&'a str>,
}

impl<'a> From<&'a EventRow> for EventJson<'a> {
    fn from(e: &'a EventRow) -> EventJson<'a> {
        EventJson {
            added_at: &e.added_at,
            cameo: &e.cameo,
            date: e.date.map(|d| d.to_string()),
            doc_id: &e.doc_id,
            documents: e.n_documents,
            goldstein: e.goldstein,
            id: e.event_key,
            mentions: e.n_mentions,
            modality: &e.modality,
            plover: PloverJson {
                event: e.plover_event.as_deref(),
                mode: e.plover_mode.as_deref(),
            },
            publisher: &e.publisher,
            quad_class: e.quad_class,
            root: e.cameo.get(..2),
            sentence: &e.sentence,
            source: &e.source,
            sources: e.n_sources,
            target: e.target.as_deref(),
            url: e.url.as_deref(),
        }
    }
}

/// A page of events, as `GET /api/events` answers it.
#[derive(Serialize)]
pub struct EventPageJson<'a> {
    /// Newest first.
    pub events: Vec<EventJson<'a>>,
    /// Where the next page starts, `null` on the last.
    pub next_cursor: Option<String>,
}

/// A merged event with its first report.
pub fn event_json(e: &EventRow) -> Value {
    serde_json::to_value(EventJson::from(e)).expect("an event serialises")
}

/// A byte range relative to `base`, as `{start, end}`.
fn rel(span: (i64, i64), base: i64) -> Value {
    json!({"start": span.0 - base, "end": span.1 - base})
}

/// One mention: the sentence, and where its source, target and verb are in the sentence (byte
/// offsets into `sentence.text`).
pub fn mention_json(m: &MentionDetail) -> Value {
    let base = m.sentence_span.0;
    json!({
        "event_id": m.event_key,
        "doc_id": m.doc_id,
        "title": m.title,
        "url": m.url,
        "publisher": m.publisher,
        "published": m.published,
        "sentence": {"index": m.sentence_index, "text": m.sentence, "start": m.sentence_span.0, "end": m.sentence_span.1},
        "source": {"code": m.source, "span": rel(m.source_span, base)},
        "target": m.target.as_ref().map(|code| json!({"code": code, "span": m.target_span.map(|s| rel(s, base))})),
        "verb": {"span": rel(m.head_span, base)},
        "cameo": m.cameo,
        "quad_class": m.quad_class,
        "goldstein": m.goldstein,
        "modality": m.modality,
        "date": m.date.map(|d| d.to_string()),
        "date_basis": m.date_basis,
        "provenance": serde_json::from_str::<Value>(&m.provenance).unwrap_or(Value::Null),
    })
}

/// An alert with its events.
pub fn alert_json(a: &Alert) -> Value {
    json!({
        "rule": a.rule,
        "severity": a.severity.as_str(),
        "dyad": dyad_name(&a.dyad),
        "from": a.from.to_string(),
        "to": a.to.to_string(),
        "message": a.message,
        "n_events": a.n_events,
        "events": a.events.iter().map(event_json).collect::<Vec<_>>(),
    })
}

/// A document, its sentences (offsets into `text`) and its coded mentions.
pub fn document_json(d: &DocumentDetail) -> Value {
    json!({
        "id": d.id,
        "title": d.title,
        "url": d.url,
        "publisher": d.publisher,
        "published": d.published,
        "text": d.text,
        "body": {"start": d.body_span.0, "end": d.body_span.1},
        "sentences": d.sentences.iter().enumerate().map(|(i, s)| json!({
            "index": i,
            "start": s.0,
            "end": s.1,
        })).collect::<Vec<_>>(),
        "mentions": d.mentions.iter().map(|m| {
            let mut v = mention_json(m);
            // In a document the spans are most useful as offsets into its text.
            v["source"]["span"] = json!({"start": m.source_span.0, "end": m.source_span.1});
            v["verb"]["span"] = json!({"start": m.head_span.0, "end": m.head_span.1});
            if let (Some(t), Some(target)) = (m.target_span, v.get_mut("target").filter(|t| !t.is_null())) {
                target["span"] = json!({"start": t.0, "end": t.1});
            }
            v
        }).collect::<Vec<_>>(),
    })
}
