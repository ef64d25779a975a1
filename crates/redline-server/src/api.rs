//! The JSON API: `/api/events`, `/api/events/{id}`, `/api/documents` (GET one, POST many),
//! `/api/dyads/{dyad}/series`, `/api/report`, `/api/alerts`, `/api/graph`, `/api/blocs`, `/api/openapi.json`.
//!
//! Query parameters are parsed here, strictly: an unknown or repeated parameter, or a value that
//! does not parse, is a 400 naming it, so a typo (`?form=2024-01-01`) never silently widens a
//! query.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use redline::Doc;
use redline_store::IngestDoc;
use redline_store::query::{Cursor, EventQuery, MAX_PAGE};
use redline_store::report::{Period, ReportQuery};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::{AppState, wire};

/// The hand-written OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../assets/openapi.json");

/// Events per page when `limit` is not given.
pub const DEFAULT_PAGE: usize = 50;

/// The modalities the coder produces.
const MODALITIES: &[&str] = &[
    "alleged",
    "asserted",
    "denied",
    "hypothetical",
    "negated",
    "prescriptive",
];

type Shared = State<Arc<AppState>>;
type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The API's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/events", get(events))
        .route("/api/events/{id}", get(event))
        .route("/api/documents", axum::routing::post(post_documents))
        .route("/api/documents/{*id}", get(document))
        .route("/api/dyads/{dyad}/series", get(series))
        .route("/api/report", get(report))
        .route("/api/alerts", get(alerts))
        .route("/api/graph", get(graph))
        .route("/api/blocs", get(blocs))
        .route("/api/openapi.json", get(openapi))
}

/// 404 for every path no route serves (static paths included: nothing is read from disk).
pub async fn not_found() -> ApiError {
    ApiError::not_found("path")
}

/// Query parameters, checked against the names an endpoint accepts.
struct Params(HashMap<String, String>);

impl Params {
    fn parse(query: RawQuery, allowed: &[&str]) -> Result<Params, ApiError> {
        let Query(pairs) = query.map_err(|e| ApiError::bad_parameter("query", e.body_text()))?;
        let mut map = HashMap::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::bad_parameter(
                    &k,
                    format!("unknown parameter (expected one of {})", allowed.join(", ")),
                ));
            }
            if map.contains_key(&k) {
                return Err(ApiError::bad_parameter(&k, "given more than once"));
            }
            map.insert(k, v);
        }
        Ok(Params(map))
    }

    /// The value, `None` when absent or empty (a form's empty field does not filter).
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.get(name)
            .map(|s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                    ApiError::bad_parameter(name, format!("'{s}' is not a date like 2024-06-19"))
                })
            })
            .transpose()
    }

    fn dyad(&self, name: &str) -> Result<Option<(String, String)>, ApiError> {
        self.get(name).map(|s| parse_dyad(name, s)).transpose()
    }

    fn country(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.get(name)
            .map(|s| {
                if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
                    Ok(s.to_ascii_uppercase())
                } else {
                    Err(ApiError::bad_parameter(
                        name,
                        format!("'{s}' is not a 3-letter country code"),
                    ))
                }
            })
            .transpose()
    }

    fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
        &self,
        name: &str,
        min: T,
        max: T,
    ) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|s| match s.parse::<T>() {
                Ok(n) if n >= min && n <= max => Ok(n),
                _ => Err(ApiError::bad_parameter(
                    name,
                    format!("'{s}' is not a whole number from {min} to {max}"),
                )),
            })
            .transpose()
    }

    fn period(&self, name: &str) -> Result<Period, ApiError> {
        match self.get(name) {
            None | Some("month") => Ok(Period::Month),
            Some("week") => Ok(Period::Week),
            Some("day") => Ok(Period::Day),
            Some(s) => Err(ApiError::bad_parameter(
                name,
                format!("'{s}' is not day, week or month"),
            )),
        }
    }

    /// A date window checked for order.
    fn window(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ApiError> {
        let (from, to) = (self.date("from")?, self.date("to")?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ApiError::bad_parameter(
                "to",
                format!("{t} is before from ({f})"),
            ));
        }
        Ok((from, to))
    }
}

/// `PRK-RUS` (either order, any case).
pub fn parse_dyad(name: &str, s: &str) -> Result<(String, String), ApiError> {
    let ok = |c: &str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic());
    match s.split_once('-') {
        Some((a, b)) if ok(a) && ok(b) => Ok((a.to_ascii_uppercase(), b.to_ascii_uppercase())),
        _ => Err(ApiError::bad_parameter(
            name,
            format!("'{s}' is not a dyad of two 3-letter country codes like PRK-RUS"),
        )),
    }
}

/// The event query of `/api/events`' parameters (shared with the dashboard's event table).
fn event_query(p: &Params) -> Result<EventQuery, ApiError> {
    let (from, to) = p.window()?;
    let actor = p
        .get("actor")
        .map(|s| {
            if s.len() <= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Ok(s.to_ascii_uppercase())
            } else {
                Err(ApiError::bad_parameter(
                    "actor",
                    format!("'{s}' is not an actor code like RUSGOV"),
                ))
            }
        })
        .transpose()?;
    let cameo = p
        .get("cameo")
        .map(|s| {
            if (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_string())
            } else {
                Err(ApiError::bad_parameter(
                    "cameo",
                    format!("'{s}' is not a CAMEO code or root like 04 or 057"),
                ))
            }
        })
        .transpose()?;
    let modality = p
        .get("modality")
        .map(|s| {
            if MODALITIES.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(ApiError::bad_parameter(
                    "modality",
                    format!("'{s}' is not one of {}", MODALITIES.join(", ")),
                ))
            }
        })
        .transpose()?;
    let text = p
        .get("q")
        .map(|s| {
            if s.len() <= 200 {
                Ok(s.to_string())
            } else {
                Err(ApiError::bad_parameter("q", "longer than 200 bytes"))
            }
        })
        .transpose()?;
    let after = p
        .get("cursor")
        .map(|s| {
            Cursor::decode(s).ok_or_else(|| {
                ApiError::bad_parameter("cursor", format!("'{s}' is not a cursor from next_cursor"))
            })
        })
        .transpose()?;
    Ok(EventQuery {
        from,
        to,
        actor,
        dyad: p.dyad("dyad")?,
        cameo,
        quad_class: p.number::<u8>("quad_class", 1, 4)?,
        modality,
        country: p.country("country")?,
        text,
        after,
        limit: p
            .number::<usize>("limit", 1, MAX_PAGE)?
            .unwrap_or(DEFAULT_PAGE),
    })
}

/// `GET /api/events`: one page of merged events, newest first.
async fn events(State(state): Shared, query: RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(
        query,
        &[
            "from",
            "to",
            "actor",
            "dyad",
            "cameo",
            "quad_class",
            "modality",
            "country",
            "q",
            "limit",
            "cursor",
        ],
    )?;
    let q = event_query(&p)?;
    // Serialised on the blocking pool too: a page of 50 events is most of the request's work.
    let body = state
        .read(move |store, _| {
            let page = redline_store::query::events_page(store, &q)?;
            let json = wire::EventPageJson {
                events: page.events.iter().map(wire::EventJson::from).collect(),
                next_cursor: page.next.map(|c| c.encode()),
            };
            serde_json::to_vec(&json)
                .map_err(|e| ApiError::internal(format!("cannot serialise events: {e}")))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// An event id from the path.
pub fn parse_event_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| ApiError::bad_parameter("id", format!("'{s}' is not an event id")))
}

/// `GET /api/events/{id}`: the event and every report of it.
async fn event(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = parse_event_id(&id)?;
    state
        .read(move |store, _| {
            let event = redline_store::query::event(store, id)?
                .ok_or_else(|| ApiError::not_found(format!("event {id}")))?;
            let mentions = redline_store::query::event_mentions(store, id)?;
            Ok(Json(json!({
                "event": wire::event_json(&event),
                "mentions": mentions.iter().map(wire::mention_json).collect::<Vec<_>>(),
            })))
        })
        .await
}

/// `GET /api/documents/{id}`: a document's text, sentences and coded spans.
async fn document(State(state): Shared, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    state
        .read(move |store, _| {
            let doc = redline_store::query::document(store, &id)?
                .ok_or_else(|| ApiError::not_found(format!("document '{id}'")))?;
            Ok(Json(wire::document_json(&doc)))
        })
        .await
}

/// One document of a `POST` body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    id: String,
    text: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

impl DocIn {
    fn into_doc(self, at: &str) -> Result<(Doc, String), ApiError> {
        if self.id.trim().is_empty() {
            return Err(ApiError::bad_body(format!("{at}: 'id' is empty")));
        }
        let published = self
            .published
            .as_deref()
            .map(|s| {
                s.get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .ok_or_else(|| {
                        ApiError::bad_body(format!(
                            "{at}: 'published' is not a date like 2024-06-19: '{s}'"
                        ))
                    })
            })
            .transpose()?;
        let source = self
            .url
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .map(|h| h.trim_start_matches("www.").to_lowercase())
            .unwrap_or_else(|| self.id.clone());
        let mut doc = Doc::new(self.id, self.text)
            .with_published(published)
            .with_title(self.title);
        doc.url = self.url;
        Ok((doc, source))
    }
}

/// Reads a JSON array of documents, or JSON Lines (one a line; blank lines skipped).
fn parse_documents(body: &[u8]) -> Result<Vec<(Doc, String)>, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|e| ApiError::bad_body(format!("not UTF-8: {e}")))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let docs: Vec<DocIn> = serde_json::from_str(trimmed)
            .map_err(|e| ApiError::bad_body(format!("not a JSON array of documents: {e}")))?;
        return docs
            .into_iter()
            .enumerate()
            .map(|(i, d)| d.into_doc(&format!("document {}", i + 1)))
            .collect();
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let d: DocIn = serde_json::from_str(line)
            .map_err(|e| ApiError::bad_body(format!("line {}: not a document: {e}", i + 1)))?;
        out.push(d.into_doc(&format!("line {}", i + 1))?);
    }
    if out.is_empty() {
        return Err(ApiError::bad_body("no documents"));
    }
    Ok(out)
}

/// `POST /api/documents`: code the documents and store them (bearer token required).
async fn post_documents(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    state.authorize(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    )?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large(state.body_limit())
        } else {
            ApiError::bad_body(e.body_text())
        }
    })?;
    let docs = parse_documents(&body)?;
    let n_documents = docs.len();
    let summary = state
        .write(move |store, coder| {
            let coded: Vec<IngestDoc> = docs
                .into_iter()
                .map(|(doc, source)| IngestDoc::code(coder, doc, &source))
                .collect();
            Ok(store.write_batch(&coded)?)
        })
        .await?;
    Ok((
        StatusCode::OK,
        Json(json!({
            "documents": n_documents,
            "added": summary.added,
            "replaced": summary.replaced,
            "unchanged": summary.unchanged,
            "mentions": summary.mentions,
            "new_events": summary.new_events,
        })),
    )
        .into_response())
}

/// `GET /api/dyads/{dyad}/series`: one relationship over time.
async fn series(
    State(state): Shared,
    Path(dyad): Path<String>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    let dyad = parse_dyad("dyad", &dyad)?;
    let p = Params::parse(query, &["from", "to", "by"])?;
    let (from, to) = p.window()?;
    let by = p.period("by")?;
    let q = ReportQuery {
        from,
        to,
        dyad: Some(dyad.clone()),
        by,
        top: 1,
        series_dyads: 1,
        ..ReportQuery::default()
    };
    state
        .read(move |store, _| {
            let r = redline_store::report::report(store, &q)?;
            let (a, b) = &dyad;
            let periods = r
                .series
                .iter()
                .find(|(d, _)| (&d.0 == a && &d.1 == b) || (&d.0 == b && &d.1 == a))
                .map(|(_, p)| wire::periods_json(by, p))
                .unwrap_or_default();
            let totals = r
                .dyads
                .first()
                .map(|(_, t)| wire::tally_json(t))
                .unwrap_or_else(|| wire::tally_json(&Default::default()));
            Ok(Json(json!({
                "dyad": wire::dyad_name(&dyad),
                "by": by.name(),
                "from": r.from.map(|d| d.to_string()),
                "to": r.to.map(|d| d.to_string()),
                "totals": totals,
                "periods": periods,
            })))
        })
        .await
}

/// `GET /api/report`: the report of `redline report --format json`.
async fn report(State(state): Shared, query: RawQuery) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(
        query,
        &[
            "from", "to", "by", "dyad", "country", "top", "series", "baseline",
        ],
    )?;
    let (from, to) = p.window()?;
    let defaults = ReportQuery::default();
    let q = ReportQuery {
        from,
        to,
        dyad: p.dyad("dyad")?,
        country: p.country("country")?,
        by: p.period("by")?,
        top: p.number("top", 1, 1000)?.unwrap_or(15),
        series_dyads: p.number("series", 0, 50)?.unwrap_or(3),
        baseline_periods: p
            .number("baseline", 1, 120)?
            .unwrap_or(defaults.baseline_periods),
        ..defaults
    };
    state
        .read(move |store, _| {
            Ok(Json(wire::report_json(&redline_store::report::report(
                store, &q,
            )?)))
        })
        .await
}

/// `GET /api/alerts`: red lines crossed, newest first.
async fn alerts(State(state): Shared, query: RawQuery) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(query, &["from", "to"])?;
    let (from, to) = p.window()?;
    state
        .read(move |store, state| {
            let mut alerts = redline_store::alerts::evaluate(store, state.rules(), from, to)?;
            // Stable: alerts of one day keep the store's order (severity, then rule).
            alerts.sort_by_key(|a| std::cmp::Reverse(a.to));
            Ok(Json(json!({
                "alerts": alerts.iter().map(wire::alert_json).collect::<Vec<_>>(),
            })))
        })
        .await
}

/// `GET /api/graph`: countries as nodes, their relations over the window as edges.
async fn graph(State(state): Shared, query: RawQuery) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(query, &["from", "to", "top"])?;
    let (from, to) = p.window()?;
    let q = ReportQuery {
        from,
        to,
        top: p.number("top", 1, 2000)?.unwrap_or(200),
        series_dyads: 0,
        ..ReportQuery::default()
    };
    state
        .read(move |store, _| {
            let r = redline_store::report::report(store, &q)?;
            let mut nodes: std::collections::BTreeMap<&str, i64> = Default::default();
            for ((a, b), t) in &r.dyads {
                *nodes.entry(a).or_default() += t.total();
                *nodes.entry(b).or_default() += t.total();
            }
            Ok(Json(json!({
                "from": r.from.map(|d| d.to_string()),
                "to": r.to.map(|d| d.to_string()),
                "nodes": nodes.iter().map(|(c, n)| json!({"id": c, "events": n})).collect::<Vec<_>>(),
                "edges": r.dyads.iter().map(|(d, t)| json!({
                    "source": d.0,
                    "target": d.1,
                    "events": t.total(),
                    "balance": (t.balance() * 1000.0).round() / 1000.0,
                    "goldstein_mean": (t.goldstein_mean() * 1000.0).round() / 1000.0,
                })).collect::<Vec<_>>(),
            })))
        })
        .await
}

/// The most poles `/api/blocs` takes.
const MAX_POLES: usize = 8;

/// `GET /api/blocs`: the signed graph's blocs period by period and each country's alignment
/// with the poles (`redline blocs --format json`).
async fn blocs(State(state): Shared, query: RawQuery) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(query, &["from", "to", "by", "poles", "min_events"])?;
    let (from, to) = p.window()?;
    let by = p.period("by")?;
    let poles = match p.get("poles") {
        None => vec!["USA".to_string(), "CHN".to_string(), "RUS".to_string()],
        Some(list) => {
            let mut poles: Vec<String> = Vec::new();
            for code in list.split(',').map(str::trim) {
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(ApiError::bad_parameter(
                        "poles",
                        format!("'{code}' is not a 3-letter country code"),
                    ));
                }
                let code = code.to_ascii_uppercase();
                if poles.contains(&code) {
                    return Err(ApiError::bad_parameter(
                        "poles",
                        format!("{code} is named twice"),
                    ));
                }
                poles.push(code);
            }
            if poles.len() > MAX_POLES {
                return Err(ApiError::bad_parameter(
                    "poles",
                    format!("at most {MAX_POLES} poles"),
                ));
            }
            poles
        }
    };
    let min_events = p.number("min_events", 1, 1_000_000)?.unwrap_or(1);
    state
        .read(move |store, _| {
            let Some((first, last)) = redline_store::report::store_days(store)? else {
                return Ok(Json(json!({
                    "from": null, "to": null, "by": by.name(), "poles": poles, "periods": [],
                })));
            };
            let (from, to) = (from.unwrap_or(first), to.unwrap_or(last));
            // A window of days is at most a few years of daily periods.
            if by == Period::Day && (to - from).num_days() > 3660 {
                return Err(ApiError::bad_parameter(
                    "by",
                    "daily blocs over more than ten years: choose week or month, or a shorter window",
                ));
            }
            let periods = redline_store::blocs::blocs(
                store,
                &redline_store::blocs::BlocQuery {
                    from,
                    to,
                    by,
                    poles: poles.clone(),
                    min_events,
                },
            )?;
            Ok(Json(json!({
                "from": from.to_string(),
                "to": to.to_string(),
                "by": by.name(),
                "poles": poles,
                "periods": redline_store::blocs::blocs_json(&periods, &poles, by),
            })))
        })
        .await
}

/// `GET /api/openapi.json`.
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
