//! The event JSON written by `redline code`, as specified in `docs/events.md` and
//! `docs/events.schema.json`. The core's types stay plain Rust; this is where they meet the wire.

use redline::coder::{ActorRef, EntryRef};
use redline::{Doc, Event, Span};
use serde::Serialize;

/// Version of the event format; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct EventOut<'a> {
    pub format: u32,
    pub doc_id: &'a str,
    pub sentence: SentenceOut<'a>,
    pub source: ActorOut<'a>,
    pub target: Option<ActorOut<'a>>,
    pub cameo: &'a str,
    pub root: &'a str,
    pub quad_class: u8,
    pub goldstein: f32,
    pub plover: PloverOut<'a>,
    pub modality: &'static str,
    pub date: Option<String>,
    pub date_basis: &'static str,
    pub location: Option<LocationOut<'a>>,
    pub tone: ToneBothOut,
    pub provenance: ProvenanceOut<'a>,
}

#[derive(Serialize)]
pub struct LocationOut<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub country: &'a str,
    pub admin1: Option<&'a str>,
    pub admin1_name: Option<&'a str>,
    pub lat: f32,
    pub lon: f32,
    pub geonameid: u32,
    pub mention: Option<SpanOut<'a>>,
    pub basis: &'static str,
    pub reason: &'a str,
}

#[derive(Serialize)]
pub struct ToneOut {
    pub tone: f32,
    pub polarity: f32,
    pub words: u32,
    pub positive: u32,
    pub negative: u32,
    pub valence: f32,
}

#[derive(Serialize)]
pub struct ToneBothOut {
    pub sentence: ToneOut,
    pub document: ToneOut,
}

fn round2(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

fn tone(t: &redline::tone::Tone) -> ToneOut {
    ToneOut {
        tone: round2(t.tone),
        polarity: round2(t.polarity),
        words: t.words,
        positive: t.positive,
        negative: t.negative,
        valence: (t.valence * 1000.0).round() / 1000.0,
    }
}

#[derive(Serialize)]
pub struct SentenceOut<'a> {
    pub index: usize,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

#[derive(Serialize)]
pub struct ActorOut<'a> {
    pub code: &'a str,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'static str>,
    /// The words that refer to the actor ("he"), when `text` is the antecedent they stand for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<SpanOut<'a>>,
}

#[derive(Serialize)]
pub struct PloverOut<'a> {
    pub event: Option<&'a str>,
    pub mode: Option<&'a str>,
}

#[derive(Serialize)]
pub struct SpanOut<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

#[derive(Serialize)]
pub struct EntryOut<'a> {
    pub entry: &'a str,
    pub kind: &'static str,
    pub phrase: &'a str,
    pub code: &'a str,
}

#[derive(Serialize)]
pub struct PatternOut<'a> {
    pub id: &'a str,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct ActorEntriesOut<'a> {
    pub source: Vec<EntryOut<'a>>,
    pub target: Vec<EntryOut<'a>>,
}

#[derive(Serialize)]
pub struct ProvenanceOut<'a> {
    pub pattern: PatternOut<'a>,
    pub head: SpanOut<'a>,
    pub matched: Vec<SpanOut<'a>>,
    pub actors: ActorEntriesOut<'a>,
    pub modality_cue: Option<SpanOut<'a>>,
    pub date_text: Option<SpanOut<'a>>,
    pub reciprocal: bool,
    pub passive: bool,
    pub coder_version: &'a str,
    pub dictionary_version: &'a str,
}

fn span<'a>(doc: &'a Doc, s: Span) -> SpanOut<'a> {
    SpanOut {
        text: &doc.text[s.range()],
        start: s.start,
        end: s.end,
    }
}

fn actor<'a>(doc: &'a Doc, a: &'a ActorRef) -> ActorOut<'a> {
    ActorOut {
        code: a.code.as_str(),
        text: &doc.text[a.span.range()],
        start: a.span.start,
        end: a.span.end,
        via: a.via,
        reference: a.reference.map(|r| span(doc, r)),
    }
}

fn entries(a: Option<&ActorRef>) -> Vec<EntryOut<'_>> {
    a.map(|a| {
        a.entries
            .iter()
            .map(|e: &EntryRef| EntryOut {
                entry: &e.location,
                kind: e.kind,
                phrase: &e.phrase,
                code: &e.code,
            })
            .collect()
    })
    .unwrap_or_default()
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The wire form of one event of `doc`.
pub fn event_out<'a>(doc: &'a Doc, e: &'a Event) -> EventOut<'a> {
    let p = &e.provenance;
    EventOut {
        format: FORMAT_VERSION,
        doc_id: &e.doc_id,
        sentence: SentenceOut {
            index: e.sentence_index,
            text: &doc.text[e.sentence.range()],
            start: e.sentence.start,
            end: e.sentence.end,
        },
        source: actor(doc, &e.source),
        target: e.target.as_ref().map(|t| actor(doc, t)),
        cameo: e.code.as_str(),
        root: e.code.root(),
        quad_class: e.quad_class,
        goldstein: e.goldstein,
        plover: PloverOut {
            event: non_empty(&e.plover_event),
            mode: non_empty(&e.plover_mode),
        },
        modality: e.modality.as_str(),
        date: e.date.map(|d| d.to_string()),
        date_basis: e.date_basis.as_str(),
        location: e.location.as_ref().map(|l| LocationOut {
            name: &l.name,
            kind: l.kind.as_str(),
            country: &l.country,
            admin1: non_empty(&l.admin1),
            admin1_name: non_empty(&l.admin1_name),
            lat: l.lat,
            lon: l.lon,
            geonameid: l.geonameid,
            mention: l.span.map(|s| span(doc, s)),
            basis: l.basis.as_str(),
            reason: &l.reason,
        }),
        tone: ToneBothOut {
            sentence: tone(&e.tone),
            document: tone(&e.document_tone),
        },
        provenance: ProvenanceOut {
            pattern: PatternOut {
                id: &p.pattern,
                text: &p.pattern_text,
            },
            head: span(doc, p.head),
            matched: p.matched.iter().map(|&s| span(doc, s)).collect(),
            actors: ActorEntriesOut {
                source: entries(Some(&e.source)),
                target: entries(e.target.as_ref()),
            },
            modality_cue: p.modality_cue.map(|s| span(doc, s)),
            date_text: p.date_span.map(|s| span(doc, s)),
            reciprocal: p.reciprocal,
            passive: p.passive,
            coder_version: p.coder_version,
            dictionary_version: &p.dictionary_version,
        },
    }
}
