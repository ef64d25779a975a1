//! The dashboard: three embedded files (`index.html`, `app.js`, `style.css`, compiled into the
//! binary with `include_str!`, so nothing is read from disk and no path can reach the file
//! system), and the event pages, rendered here as plain HTML so they read without JavaScript.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use redline_store::export::EventRow;
use redline_store::query::MentionDetail;

use crate::AppState;
use crate::api::parse_event_id;
use crate::error::ApiError;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");

/// The dashboard's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route(
            "/assets/app.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    APP_JS,
                )
            }),
        )
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    STYLE_CSS,
                )
            }),
        )
        .route("/events/{id}", get(event_page))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The sentence with its source, target and verb wrapped in `<mark class=...>`. Spans that do not
/// fall inside the sentence on character boundaries, or overlap an earlier one, are left out.
pub fn highlight(m: &MentionDetail) -> String {
    let base = m.sentence_span.0;
    let mut spans: Vec<(usize, usize, &str, &str)> = Vec::new();
    let mut push = |span: (i64, i64), class: &'static str, label: &'static str| {
        let (s, e) = (span.0 - base, span.1 - base);
        if s >= 0 && e > s && (e as usize) <= m.sentence.len() {
            spans.push((s as usize, e as usize, class, label));
        }
    };
    push(m.source_span, "src", "source");
    if let Some(t) = m.target_span {
        push(t, "tgt", "target");
    }
    push(m.head_span, "verb", "verb");
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (s, e, class, label) in spans {
        let (Some(before), Some(inside)) = (m.sentence.get(at..s), m.sentence.get(s..e)) else {
            continue;
        };
        if s < at {
            continue;
        }
        out.push_str(&escape(before));
        let _ = write!(
            out,
            "<mark class=\"{class}\" title=\"{label}\">{}</mark>",
            escape(inside)
        );
        at = e;
    }
    out.push_str(&escape(m.sentence.get(at..).unwrap_or("")));
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} - Redline</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head>\
         <body><header><a class=\"brand\" href=\"/\">Redline</a></header><main>{body}</main></body></html>\n",
        escape(title)
    )
}

const QUAD_NAMES: [&str; 4] = [
    "verbal cooperation",
    "material cooperation",
    "verbal conflict",
    "material conflict",
];

fn entries_html(provenance: &serde_json::Value) -> String {
    let mut out = String::new();
    if let Some(p) = provenance.get("pattern").and_then(|p| p.as_str()) {
        let text = provenance
            .get("pattern_text")
            .and_then(|t| t.as_str())
            .unwrap_or("");
        let _ = write!(
            out,
            "<li>verb pattern <code>{}</code> <q>{}</q></li>",
            escape(p),
            escape(text)
        );
    }
    for (side, key) in [("source", "source_entries"), ("target", "target_entries")] {
        for e in provenance
            .get(key)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let field = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let _ = write!(
                out,
                "<li>{side} actor <code>{}</code> <q>{}</q> = {}</li>",
                escape(field("entry")),
                escape(field("phrase")),
                escape(field("code"))
            );
        }
    }
    out
}

fn event_html(e: &EventRow, mentions: &[MentionDetail]) -> String {
    let mut b = String::new();
    let target = e.target.as_deref().unwrap_or("-");
    let date = e.date.map_or("undated".into(), |d| d.to_string());
    let _ = write!(
        b,
        "<h1>{} &rarr; {}: CAMEO {}</h1>",
        escape(&e.source),
        escape(target),
        escape(&e.cameo)
    );
    let quad = QUAD_NAMES
        .get(usize::from(e.quad_class).wrapping_sub(1))
        .copied()
        .unwrap_or("");
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>Date</dt><dd>{date}</dd><dt>Quad class</dt><dd>{} {quad}</dd>\
         <dt>Goldstein</dt><dd>{:+.1}</dd><dt>Modality</dt><dd class=\"modality\">{}</dd>\
         <dt>PLOVER</dt><dd>{} {}</dd><dt>Reports</dt><dd>{} mentions in {} documents from {} sources</dd>\
         <dt>Location</dt><dd class=\"location\">{}</dd></dl>",
        e.quad_class,
        e.goldstein,
        escape(&e.modality),
        escape(e.plover_event.as_deref().unwrap_or("-")),
        escape(e.plover_mode.as_deref().unwrap_or("")),
        e.n_mentions,
        e.n_documents,
        e.n_sources,
        escape(
            &e.location
                .as_ref()
                .map_or("none named".to_string(), |l| format!(
                    "{} ({}, {}) {:.2}, {:.2}; basis: {}",
                    l.name, l.kind, l.country, l.lat, l.lon, l.basis
                ))
        )
    );
    b.push_str(
        "<p class=\"legend\"><mark class=\"src\">source</mark> <mark class=\"tgt\">target</mark> \
         <mark class=\"verb\">verb</mark></p>",
    );
    for (i, m) in mentions.iter().enumerate() {
        let provenance: serde_json::Value =
            serde_json::from_str(&m.provenance).unwrap_or(serde_json::Value::Null);
        let heading = if i == 0 {
            "First report"
        } else {
            "Other report"
        };
        let title = m.title.as_deref().unwrap_or(&m.doc_id);
        let link = match &m.url {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                format!("<a href=\"{}\">{}</a>", escape(u), escape(title))
            }
            _ => escape(title),
        };
        let _ = write!(
            b,
            "<section class=\"mention\"><h2>{heading}</h2>\
             <p class=\"source-doc\">{link} &middot; {} &middot; published {}</p>\
             <blockquote class=\"sentence\">{}</blockquote>\
             <dl class=\"facts\"><dt>Modality</dt><dd>{}</dd><dt>Date</dt><dd>{} ({})</dd></dl>\
             <h3>Dictionary entries that fired</h3><ul class=\"entries\">{}</ul>\
             <p><a href=\"/api/documents/{}\">the document as JSON</a></p></section>",
            escape(&m.publisher),
            escape(m.published.as_deref().unwrap_or("unknown")),
            highlight(m),
            escape(&m.modality),
            m.date.map_or("undated".into(), |d| d.to_string()),
            escape(&m.date_basis),
            entries_html(&provenance),
            escape(&m.doc_id)
        );
    }
    let _ = write!(
        b,
        "<p><a href=\"/api/events/{}\">this event as JSON</a> &middot; <a href=\"/\">dashboard</a></p>",
        e.event_key
    );
    page(&format!("{} {} {}", e.source, e.cameo, target), &b)
}

/// `GET /events/{id}`: the event page.
async fn event_page(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let result = async {
        let id = parse_event_id(&id)?;
        state
            .read(move |store, _| {
                let event = redline_store::query::event(store, id)?
                    .ok_or_else(|| ApiError::not_found(format!("event {id}")))?;
                let mentions = redline_store::query::event_mentions(store, id)?;
                Ok(event_html(&event, &mentions))
            })
            .await
    }
    .await;
    match result {
        Ok(html) => Html(html).into_response(),
        Err(e) => (
            e.status,
            Html(page(
                "Error",
                &format!("<h1>{}</h1><p>{}</p>", e.status, escape(&e.message)),
            )),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(
        sentence: &str,
        source: (i64, i64),
        target: Option<(i64, i64)>,
        head: (i64, i64),
    ) -> MentionDetail {
        MentionDetail {
            event_key: 1,
            doc_id: "d".into(),
            title: None,
            url: None,
            publisher: "p".into(),
            published: None,
            sentence_index: 0,
            sentence_span: (100, 100 + sentence.len() as i64),
            sentence: sentence.into(),
            source: "RUS".into(),
            target: Some("PRK".into()),
            cameo: "057".into(),
            quad_class: 1,
            goldstein: 8.0,
            modality: "asserted".into(),
            date: None,
            date_basis: "publication".into(),
            source_span: source,
            target_span: target,
            head_span: head,
            provenance: "{}".into(),
        }
    }

    #[test]
    fn highlight_marks_source_target_and_verb_and_escapes() {
        let m = mention(
            "Russia signed <a> pact with Korea",
            (100, 106),
            Some((128, 133)),
            (107, 113),
        );
        assert_eq!(
            highlight(&m),
            "<mark class=\"src\" title=\"source\">Russia</mark> <mark class=\"verb\" title=\"verb\">signed</mark> \
             &lt;a&gt; pact with <mark class=\"tgt\" title=\"target\">Korea</mark>"
        );
    }

    #[test]
    fn highlight_skips_spans_outside_the_sentence_or_overlapping() {
        let m = mention("Russia signed", (90, 95), None, (100, 106));
        assert_eq!(
            highlight(&m),
            "<mark class=\"verb\" title=\"verb\">Russia</mark> signed"
        );
        let m = mention("Russia signed", (100, 110), None, (107, 113));
        assert_eq!(
            highlight(&m),
            "<mark class=\"src\" title=\"source\">Russia sig</mark>ned"
        );
    }
}
