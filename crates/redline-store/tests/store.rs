//! The store's one integration-test binary: idempotence, replacement, merging across reports,
//! near-duplicates, and the fixture database of every released schema version.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use redline::{Coder, Config, Dictionaries, Doc};
use redline_store::{IngestDoc, SCHEMA_VERSION, Store};

fn coder() -> &'static Coder {
    static CODER: OnceLock<Coder> = OnceLock::new();
    CODER.get_or_init(|| Coder::new(Arc::new(Dictionaries::embedded().0), Config::default()))
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

const TREATY: &str = "Russia and North Korea signed a defence treaty on Wednesday, officials said. \
    The agreement commits each side to come to the other's aid if attacked.";

fn doc(id: &str, text: &str, published: Option<NaiveDate>) -> Doc {
    Doc::new(id, text).with_published(published)
}

fn ingest(store: &mut Store, docs: &[(Doc, &str)]) -> redline_store::BatchSummary {
    let batch: Vec<IngestDoc> = docs
        .iter()
        .map(|(d, source)| IngestDoc::code(coder(), d.clone(), source))
        .collect();
    store.write_batch(&batch).unwrap()
}

fn event_counts(store: &Store) -> Vec<(String, Option<String>, String, i64, i64, i64)> {
    redline_store::export::events(store, &Default::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.source,
                e.target,
                e.cameo,
                e.n_mentions,
                e.n_sources,
                e.n_documents,
            )
        })
        .collect()
}

#[test]
fn the_same_document_twice_adds_nothing_and_a_changed_one_replaces_its_events() {
    let mut store = Store::open_in_memory().unwrap();
    let d = doc("d1", TREATY, day(2024, 6, 21));
    let first = ingest(&mut store, &[(d.clone(), "a.example")]);
    assert_eq!(first.added, 1);
    assert!(first.mentions >= 2, "{first:?}");
    let again = ingest(&mut store, &[(d, "a.example")]);
    assert_eq!((again.added, again.unchanged, again.mentions), (0, 1, 0));
    let before = store.counts().unwrap();
    let changed = doc(
        "d1",
        "North Korea fired artillery shells near Yeonpyeong Island on Friday, the South Korean military said.",
        day(2024, 1, 5),
    );
    let replaced = ingest(&mut store, &[(changed, "a.example")]);
    assert_eq!(replaced.replaced, 1);
    let after = store.counts().unwrap();
    assert_eq!(after.documents, 1);
    assert_ne!(before.mentions, 0);
    // The treaty's events are gone with the old version; only the new document's remain.
    assert!(
        event_counts(&store).iter().all(|e| e.2 != "057"),
        "{:?}",
        event_counts(&store)
    );
}

#[test]
fn reports_of_one_event_merge_and_count_mentions_sources_and_documents() {
    let mut store = Store::open_in_memory().unwrap();
    let other_words = "North Korea and Russia signed a defence treaty on Thursday in Pyongyang. \
        Analysts said the pact was the strongest since the Cold War.";
    ingest(
        &mut store,
        &[
            (doc("a", TREATY, day(2024, 6, 21)), "a.example"),
            // The next day, another outlet dates the signing one day later: within the window.
            (doc("b", other_words, day(2024, 6, 21)), "b.example"),
        ],
    );
    let events = event_counts(&store);
    let rus_prk: Vec<_> = events
        .iter()
        .filter(|e| e.0 == "RUS" && e.1.as_deref() == Some("PRK") && e.2 == "057")
        .collect();
    assert_eq!(rus_prk.len(), 1, "{events:?}");
    assert_eq!(
        (rus_prk[0].3, rus_prk[0].4, rus_prk[0].5),
        (2, 2, 2),
        "{events:?}"
    );
}

#[test]
fn a_republished_wire_story_counts_as_one_source() {
    let mut store = Store::open_in_memory().unwrap();
    let republished = format!("{TREATY} (Reporting by the wire desk.)");
    ingest(
        &mut store,
        &[
            (doc("wire", TREATY, day(2024, 6, 21)), "wire.example"),
            (
                doc("paper", &republished, day(2024, 6, 21)),
                "paper.example",
            ),
        ],
    );
    let events = event_counts(&store);
    let e = events
        .iter()
        .find(|e| e.0 == "RUS" && e.2 == "057")
        .unwrap();
    assert_eq!((e.3, e.4, e.5), (2, 1, 2), "{events:?}");
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Writes the fixture of the current schema version (run with `REDLINE_WRITE_FIXTURES=1` when a
/// version is released, and commit the new file only). Version 1's was written through
/// `raw_insert_v1`, version 2's through `write_batch` at the time.
fn write_fixture(version: i64, path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut store = Store::open_at_version(path, version).unwrap();
    let docs = [
        doc("a", TREATY, day(2024, 6, 21)),
        doc(
            "b",
            "North Korea and Russia signed a defence treaty on Thursday in Pyongyang.",
            day(2024, 6, 21),
        ),
    ];
    if version == SCHEMA_VERSION {
        let batch: Vec<IngestDoc> = docs
            .iter()
            .map(|d| IngestDoc::code(coder(), d.clone(), "fixture.example"))
            .collect();
        store.write_batch(&batch).unwrap();
    } else {
        store
            .in_transaction(|tx| {
                for d in &docs {
                    redline_store::raw_insert_v1(tx, d, &coder().sentences(d), &coder().code(d))?;
                }
                Ok(())
            })
            .unwrap();
    }
    drop(store);
    // One file, no WAL beside it.
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
}

#[test]
fn every_released_schema_version_opens_and_migrates() {
    for version in 1..=SCHEMA_VERSION {
        let fixture = fixtures().join(format!("v{version}.db"));
        // Released fixtures are frozen; only the current version's is (re)written on request.
        if version == SCHEMA_VERSION && std::env::var_os("REDLINE_WRITE_FIXTURES").is_some() {
            write_fixture(version, &fixture);
        }
        assert!(fixture.is_file(), "missing fixture {}", fixture.display());
        let copy = std::env::temp_dir().join(format!(
            "redline-store-{}-v{version}.db",
            std::process::id()
        ));
        std::fs::copy(&fixture, &copy).unwrap();
        let store = Store::open(&copy).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let counts = store.counts().unwrap();
        assert_eq!(counts.documents, 2, "v{version}");
        assert!(counts.mentions >= 4, "v{version}: {counts:?}");
        let events = event_counts(&store);
        let e = events
            .iter()
            .find(|e| e.0 == "RUS" && e.2 == "057")
            .unwrap_or_else(|| panic!("v{version}: {events:?}"));
        assert_eq!((e.3, e.5), (2, 2), "v{version}: {events:?}");
        // Tone and locations arrived in version 5: older files have none, newer ones have them.
        let tone = store.document_tone("a").unwrap();
        assert_eq!(tone.is_some(), version >= 5, "v{version}: {tone:?}");
        drop(store);
        // Version 6: the day index covers the API's filters, whichever version the file began at.
        let conn = rusqlite::Connection::open(&copy).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_index_info('events_by_day') ORDER BY seqno")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            columns,
            [
                "day",
                "event_key",
                "source",
                "target",
                "cameo",
                "quad_class",
                "modality"
            ],
            "v{version}"
        );
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
    }
}

#[test]
fn every_stored_document_has_its_tone_with_or_without_events() {
    let mut store = Store::open_in_memory().unwrap();
    let quiet = "The weather was terrible and the harvest failed badly.";
    ingest(
        &mut store,
        &[
            (doc("a", TREATY, day(2024, 6, 21)), "a.example"),
            (doc("q", quiet, day(2024, 6, 21)), "a.example"),
        ],
    );
    let treaty = store.document_tone("a").unwrap().unwrap();
    let coded = coder().code(&doc("a", TREATY, day(2024, 6, 21)));
    assert_eq!(treaty, coded[0].document_tone);
    let quiet_tone = store.document_tone("q").unwrap().unwrap();
    assert!(
        quiet_tone.words > 0 && quiet_tone.tone < 0.0,
        "{quiet_tone:?}"
    );
}

#[test]
fn a_merged_event_has_the_location_of_its_first_located_mention() {
    let mut store = Store::open_in_memory().unwrap();
    let text = "North Korea and Russia signed a defence treaty on Thursday in Pyongyang.";
    ingest(
        &mut store,
        &[(doc("b", text, day(2024, 6, 21)), "b.example")],
    );
    let events = redline_store::export::events(&store, &Default::default()).unwrap();
    let e = events.iter().find(|e| e.cameo == "057").unwrap();
    let l = e.location.as_ref().expect("a location");
    assert_eq!((l.name.as_str(), l.country.as_str()), ("Pyongyang", "PRK"));
    assert!(
        (l.lat - 39.03).abs() < 0.1 && (l.lon - 125.75).abs() < 0.1,
        "{l:?}"
    );
    assert!(e.tone.is_some() && e.avg_tone.is_some(), "{e:?}");
}

#[test]
fn the_report_reads_the_same_totals_from_months_and_days() {
    let mut store = Store::open_in_memory().unwrap();
    let texts = [
        (
            "m1",
            "North Korea fired missiles toward South Korea on Monday.",
            day(2024, 1, 29),
        ),
        (
            "m2",
            "South Korea condemned North Korea on Tuesday.",
            day(2024, 2, 6),
        ),
        (
            "m3",
            "Russia and North Korea signed a defence treaty on Wednesday.",
            day(2024, 2, 29),
        ),
        (
            "m4",
            "North Korea threatened South Korea on Friday.",
            day(2024, 3, 1),
        ),
        (
            "m5",
            "Russia praised North Korea on Monday.",
            day(2024, 4, 15),
        ),
    ];
    let docs: Vec<(Doc, &str)> = texts
        .iter()
        .map(|(id, text, published)| (doc(id, text, *published), "s.example"))
        .collect();
    ingest(&mut store, &docs);
    // Every range, whole months or not, against the events themselves.
    let all = redline_store::export::events(
        &store,
        &redline_store::export::Filter {
            asserted_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    let first = NaiveDate::from_ymd_opt(2024, 1, 20).unwrap();
    for (from_offset, to_offset) in [(0, 90), (5, 40), (12, 12), (11, 60), (0, 30)] {
        let from = first + chrono::Duration::days(from_offset);
        let to = first + chrono::Duration::days(to_offset);
        let r = redline_store::report::report(
            &store,
            &redline_store::report::ReportQuery {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        )
        .unwrap();
        let got: i64 = r.dyads.iter().map(|(_, t)| t.total()).sum();
        let counted: Vec<_> = all
            .iter()
            .filter(|e| e.date.is_some_and(|d| d >= from && d <= to))
            .filter(|e| {
                let (a, b) = (
                    redline_store::country(&e.source),
                    e.target.as_deref().and_then(redline_store::country),
                );
                a.is_some() && b.is_some() && a != b
            })
            .collect();
        assert_eq!(got, counted.len() as i64, "{from}..{to}");
        // The rollups' tone sums are the events' tones.
        let tone: f64 = r.dyads.iter().map(|(_, t)| t.tone_sum).sum();
        let expected_tone: f64 = counted.iter().map(|e| e.tone.unwrap()).sum();
        assert!((tone - expected_tone).abs() < 1e-3, "{from}..{to}");
    }
}
