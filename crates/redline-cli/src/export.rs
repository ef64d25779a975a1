//! `redline export`: the store's merged events in other projects' formats. The column mappings
//! are documented in `docs/export.md`; a test reads every format back.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use redline::CameoTable;
use redline_store::country;
use redline_store::export::{EventRow, Filter, MentionRow, StoredLocation};
use serde_json::json;

/// Export formats.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum ExportFormat {
    /// GDELT 2.0 event table (61 tab-separated columns, no header); `--mentions` for its
    /// mentions table.
    Gdelt,
    /// ICEWS coded event data (20 tab-separated columns with a header).
    Icews,
    /// PLOVER JSON Lines.
    Plover,
    /// CSV with a header, one merged event a row.
    Csv,
    /// JSON Lines, one merged event a line with every mention and its provenance.
    Jsonl,
}

/// Arguments of `redline export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The store.
    #[arg(long, default_value = "redline.db")]
    pub db: PathBuf,
    /// Write here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// GDELT only: write the mentions table (16 columns) to this file.
    #[arg(long)]
    pub mentions: Option<PathBuf>,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD).
    #[arg(long, value_parser = crate::parse_date_arg)]
    pub to: Option<chrono::NaiveDate>,
    /// Only one relationship (`PRK-RUS`).
    #[arg(long, value_parser = crate::monitor::parse_dyad)]
    pub dyad: Option<(String, String)>,
    /// Only events with this country on either side.
    #[arg(long)]
    pub country: Option<String>,
    /// Only asserted events (all modalities by default, with the modality in the row where the
    /// format has room for it).
    #[arg(long)]
    pub asserted: bool,
}

/// `redline export`.
pub fn run(args: &ExportArgs) -> Result<()> {
    if args.mentions.is_some() && args.format != ExportFormat::Gdelt {
        bail!("--mentions goes with --format gdelt only");
    }
    let store = crate::monitor::open_existing(&args.db)?;
    let filter = Filter {
        from: args.from,
        to: args.to,
        dyad: args.dyad.clone(),
        country: args.country.as_ref().map(|c| c.to_uppercase()),
        asserted_only: args.asserted,
    };
    let events = redline_store::export::events(&store, &filter)?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let cameo = CameoTable::embedded();
    match args.format {
        ExportFormat::Gdelt => {
            for e in &events {
                writeln!(out, "{}", gdelt_event(e).join("\t"))?;
            }
            if let Some(path) = &args.mentions {
                let mentions = redline_store::export::mentions(&store, &filter)?;
                let mut m_out = std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                );
                for m in &mentions {
                    writeln!(m_out, "{}", gdelt_mention(m).join("\t"))?;
                }
                m_out.flush()?;
            }
        }
        ExportFormat::Icews => {
            writeln!(out, "{}", ICEWS_HEADER.join("\t"))?;
            for e in &events {
                writeln!(out, "{}", icews_row(e, &cameo).join("\t"))?;
            }
        }
        ExportFormat::Plover => {
            for e in &events {
                serde_json::to_writer(&mut out, &plover(e, &cameo))?;
                writeln!(out)?;
            }
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(CSV_HEADER)?;
            for e in &events {
                w.write_record(csv_row(e))?;
            }
            w.flush()?;
        }
        ExportFormat::Jsonl => {
            let mentions = redline_store::export::mentions(&store, &filter)?;
            let mut by_event: std::collections::HashMap<i64, Vec<&MentionRow>> = Default::default();
            for m in &mentions {
                by_event.entry(m.event_key).or_default().push(m);
            }
            for e in &events {
                let ms = by_event.get(&e.event_key).map_or(&[][..], |v| v.as_slice());
                serde_json::to_writer(&mut out, &jsonl(e, ms))?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Tabs and newlines cannot appear inside a tab-separated field.
fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn ymd(d: Option<chrono::NaiveDate>) -> String {
    d.map_or(String::new(), |d| d.format("%Y%m%d").to_string())
}

/// An actor code's GDELT parts: (country, known group, type 1, type 2).
fn actor_parts(code: &str) -> (String, String, String, String) {
    let chunk = |i: usize| code.get(i..i + 3).unwrap_or("").to_string();
    match country(code) {
        Some(c) => (c.to_string(), String::new(), chunk(3), chunk(6)),
        None if code.starts_with("IGO") || code.starts_with("NGO") || code.starts_with("IMG") => {
            (String::new(), chunk(3), chunk(0), String::new())
        }
        None => (String::new(), String::new(), chunk(0), chunk(3)),
    }
}

/// The ten GDELT columns of an actor (Code, Name, CountryCode, KnownGroupCode, EthnicCode,
/// Religion1Code, Religion2Code, Type1Code, Type2Code, Type3Code).
fn gdelt_actor(code: Option<&str>, name: Option<&str>) -> Vec<String> {
    let Some(code) = code else {
        return vec![String::new(); 10];
    };
    let (c, group, t1, t2) = actor_parts(code);
    vec![
        code.to_string(),
        clean(name.unwrap_or("")).to_uppercase(),
        c,
        group,
        String::new(),
        String::new(),
        String::new(),
        t1,
        t2,
        String::new(),
    ]
}

/// One row of the GDELT 2.0 event table: 61 columns.
pub fn gdelt_event(e: &EventRow) -> Vec<String> {
    use chrono::Datelike;
    let mut row = vec![
        e.event_key.to_string(),
        ymd(e.date),
        e.date
            .map_or(String::new(), |d| d.format("%Y%m").to_string()),
        e.date.map_or(String::new(), |d| d.year().to_string()),
        e.date.map_or(String::new(), |d| {
            format!(
                "{:.4}",
                f64::from(d.year()) + f64::from(d.ordinal0()) / 365.0
            )
        }),
    ];
    row.extend(gdelt_actor(Some(&e.source), Some(&e.source_text)));
    row.extend(gdelt_actor(e.target.as_deref(), e.target_text.as_deref()));
    row.extend([
        u8::from(e.sentence_index == 0).to_string(),
        e.cameo.clone(),
        e.cameo.get(..3).unwrap_or(&e.cameo).to_string(),
        e.cameo.get(..2).unwrap_or(&e.cameo).to_string(),
        e.quad_class.to_string(),
        format!("{:.1}", e.goldstein),
        e.n_mentions.to_string(),
        e.n_sources.to_string(),
        e.n_documents.to_string(),
        format!("{:.2}", e.avg_tone.unwrap_or(0.0)),
    ]);
    // Actor1Geo, Actor2Geo: Type 0 (no location), seven empty fields each.
    for _ in 0..2 {
        row.push("0".to_string());
        row.extend(std::iter::repeat_n(String::new(), 7));
    }
    row.extend(gdelt_geo(e.location.as_ref()));
    row.push(
        e.added_at
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>(),
    );
    row.push(clean(e.url.as_deref().unwrap_or(&e.doc_id)));
    debug_assert_eq!(row.len(), 61);
    row
}

/// ISO 3166 alpha-3 to FIPS 10-4 country codes, generated by `tools/gen_fips.py` from GeoNames
/// (CC BY 4.0, see NOTICE), sorted by ISO3.
const FIPS_TABLE: &str = include_str!("../data/fips.tsv");

/// The FIPS 10-4 code GDELT uses for an ISO3 country code.
fn fips(iso3: &str) -> Option<&'static str> {
    static TABLE: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        FIPS_TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    });
    table
        .binary_search_by(|(i, _)| (*i).cmp(iso3))
        .ok()
        .map(|k| table[k].1)
}

/// The eight GDELT geography fields (Type, FullName, CountryCode, ADM1Code, ADM2Code, Lat, Long,
/// FeatureID) of a location; Type 0 and empty fields without one.
fn gdelt_geo(l: Option<&StoredLocation>) -> Vec<String> {
    let Some(l) = l else {
        let mut empty = vec!["0".to_string()];
        empty.extend(std::iter::repeat_n(String::new(), 7));
        return empty;
    };
    let us = l.country == "USA";
    // GDELT's types: 1 country, 2 US state, 3 US city, 4 world city, 5 world state (admin-1).
    let geo_type = match (l.kind.as_str(), us) {
        ("country", _) => 1,
        ("admin1", true) => 2,
        ("admin1", false) => 5,
        (_, true) => 3,
        (_, false) => 4,
    };
    let country = fips(&l.country).unwrap_or_default();
    // GeoNames writes admin-1 codes as `ISO2.code`; GDELT as the FIPS country code and the code.
    let adm1 = match l.admin1.split_once('.') {
        Some((_, code)) if geo_type != 1 && !country.is_empty() => format!("{country}{code}"),
        _ if geo_type == 1 => country.to_string(),
        _ => String::new(),
    };
    vec![
        geo_type.to_string(),
        clean(&l.name),
        country.to_string(),
        adm1,
        String::new(),
        format!("{:.4}", l.lat),
        format!("{:.4}", l.lon),
        l.geonameid.to_string(),
    ]
}

/// One row of the GDELT 2.0 mentions table: 16 columns.
pub fn gdelt_mention(m: &MentionRow) -> Vec<String> {
    let time = |d: Option<chrono::NaiveDate>| {
        d.map_or(String::new(), |d| format!("{}000000", d.format("%Y%m%d")))
    };
    vec![
        m.event_key.to_string(),
        time(m.event_date),
        time(m.published.or(m.event_date)),
        "1".to_string(),
        clean(&m.publisher),
        clean(m.url.as_deref().unwrap_or(&m.doc_id)),
        (m.sentence_index + 1).to_string(),
        m.source_start.to_string(),
        m.target_start.map_or("-1".to_string(), |t| t.to_string()),
        m.head_start.to_string(),
        "1".to_string(),
        if m.modality == "asserted" {
            "100"
        } else {
            "50"
        }
        .to_string(),
        m.doc_len.to_string(),
        format!("{:.2}", m.doc_tone.unwrap_or(0.0)),
        String::new(),
        clean(&m.provenance),
    ]
}

/// The ICEWS columns, as in the Dataverse files.
pub const ICEWS_HEADER: [&str; 20] = [
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
];

fn sector(code: &str) -> &'static str {
    match code {
        "GOV" => "Government",
        "MIL" => "Military",
        "LEG" => "Legislative / Parliamentary",
        "JUD" => "Judicial",
        "COP" => "Police",
        "REB" => "Rebels",
        "OPP" => "Opposition",
        "CVL" => "Civilians",
        "BUS" => "Business",
        "MED" => "Media",
        "SPY" => "Intelligence",
        "IGO" => "International Government Organization",
        "NGO" => "Non-Governmental Organization",
        _ => "",
    }
}

/// One ICEWS row: 20 columns.
pub fn icews_row(e: &EventRow, cameo: &CameoTable) -> Vec<String> {
    let side = |code: Option<&str>, text: Option<&str>| -> [String; 3] {
        let Some(code) = code else {
            return Default::default();
        };
        let (c, _, t1, _) = actor_parts(code);
        [clean(text.unwrap_or(code)), sector(&t1).to_string(), c]
    };
    let [s_name, s_sector, s_country] = side(Some(&e.source), Some(&e.source_text));
    let [t_name, t_sector, t_country] = side(e.target.as_deref(), e.target_text.as_deref());
    let text = redline::CameoCode::parse(&e.cameo)
        .and_then(|c| cameo.get(&c).map(|i| i.name.clone()))
        .unwrap_or_default();
    vec![
        e.event_key.to_string(),
        e.date.map_or(String::new(), |d| d.to_string()),
        s_name,
        s_sector,
        s_country,
        text,
        e.cameo.clone(),
        format!("{:.1}", e.goldstein),
        t_name,
        t_sector,
        t_country,
        clean(&e.doc_id),
        (e.sentence_index + 1).to_string(),
        clean(&e.publisher),
    ]
    .into_iter()
    .chain(icews_place(e.location.as_ref()))
    .collect()
}

/// ICEWS's City, District, Province, Country, Latitude and Longitude of a location: the name in
/// the column of its kind (no District: the gazetteer has no admin-2), the ISO3 country code as
/// in the actor columns; all empty without a location.
fn icews_place(l: Option<&StoredLocation>) -> [String; 6] {
    let Some(l) = l else {
        return Default::default();
    };
    let named = |kind: &str| {
        if l.kind == kind {
            clean(&l.name)
        } else {
            String::new()
        }
    };
    [
        named("city"),
        String::new(),
        named("admin1"),
        l.country.clone(),
        format!("{:.4}", l.lat),
        format!("{:.4}", l.lon),
    ]
}

/// One PLOVER event (JSON).
pub fn plover(e: &EventRow, cameo: &CameoTable) -> serde_json::Value {
    let context = redline::CameoCode::parse(&e.cameo)
        .and_then(|c| cameo.get(&c).map(|i| i.plover_context.clone()))
        .filter(|c| !c.is_empty());
    json!({
        "id": e.event_key.to_string(),
        "date": e.date.map(|d| d.to_string()),
        "event": e.plover_event,
        "mode": e.plover_mode,
        "context": context,
        "actor1": e.source_text,
        "actor1_code": e.source,
        "actor1_country": country(&e.source),
        "actor2": e.target_text,
        "actor2_code": e.target,
        "actor2_country": e.target.as_deref().and_then(country),
        "cameo": e.cameo,
        "quad_class": e.quad_class,
        "goldstein": (e.goldstein * 10.0).round() / 10.0,
        "modality": e.modality,
        "text": e.sentence,
        "story_id": e.doc_id,
        "sentence_number": e.sentence_index + 1,
        "publisher": e.publisher,
        "url": e.url,
        "num_mentions": e.n_mentions,
        "num_sources": e.n_sources,
        "num_articles": e.n_documents,
        "version": "PLOVER-2021 via CAMEO2PLOVER",
    })
}

/// The CSV columns.
pub const CSV_HEADER: [&str; 20] = [
    "event_id",
    "date",
    "source",
    "source_text",
    "target",
    "target_text",
    "cameo",
    "quad_class",
    "goldstein",
    "plover_event",
    "plover_mode",
    "modality",
    "mentions",
    "sources",
    "documents",
    "doc_id",
    "url",
    "publisher",
    "sentence_index",
    "sentence",
];

fn csv_row(e: &EventRow) -> Vec<String> {
    vec![
        e.event_key.to_string(),
        e.date.map_or(String::new(), |d| d.to_string()),
        e.source.clone(),
        e.source_text.clone(),
        e.target.clone().unwrap_or_default(),
        e.target_text.clone().unwrap_or_default(),
        e.cameo.clone(),
        e.quad_class.to_string(),
        format!("{:.1}", e.goldstein),
        e.plover_event.clone().unwrap_or_default(),
        e.plover_mode.clone().unwrap_or_default(),
        e.modality.clone(),
        e.n_mentions.to_string(),
        e.n_sources.to_string(),
        e.n_documents.to_string(),
        e.doc_id.clone(),
        e.url.clone().unwrap_or_default(),
        e.publisher.clone(),
        e.sentence_index.to_string(),
        e.sentence.clone(),
    ]
}

fn jsonl(e: &EventRow, mentions: &[&MentionRow]) -> serde_json::Value {
    json!({
        "event_id": e.event_key,
        "date": e.date.map(|d| d.to_string()),
        "source": e.source,
        "target": e.target,
        "cameo": e.cameo,
        "quad_class": e.quad_class,
        "goldstein": (e.goldstein * 10.0).round() / 10.0,
        "plover": {"event": e.plover_event, "mode": e.plover_mode},
        "modality": e.modality,
        "num_mentions": e.n_mentions,
        "num_sources": e.n_sources,
        "num_articles": e.n_documents,
        "mentions": mentions.iter().map(|m| json!({
            "doc_id": m.doc_id,
            "url": m.url,
            "publisher": m.publisher,
            "published": m.published.map(|d| d.to_string()),
            "sentence_index": m.sentence_index,
            "sentence": m.sentence,
            "modality": m.modality,
            "source_start": m.source_start,
            "target_start": m.target_start,
            "head_start": m.head_start,
            "provenance": serde_json::from_str::<serde_json::Value>(&m.provenance).unwrap_or(serde_json::Value::Null),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fips_table_is_sorted_unique_and_knows_the_koreas() {
        let keys: Vec<&str> = FIPS_TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            (fips("PRK"), fips("KOR"), fips("GBR")),
            (Some("KN"), Some("KS"), Some("UK"))
        );
        assert_eq!(fips("XXX"), None);
    }

    #[test]
    fn locations_map_to_gdelt_types_and_fips_codes() {
        let place = |kind: &str, country: &str, admin1: &str| StoredLocation {
            name: "Somewhere".into(),
            kind: kind.into(),
            country: country.into(),
            admin1: admin1.into(),
            lat: 39.0314,
            lon: 125.7507,
            geonameid: 1871859,
            basis: "sentence".into(),
        };
        let city = gdelt_geo(Some(&place("city", "PRK", "KP.12")));
        assert_eq!(
            city,
            [
                "4",
                "Somewhere",
                "KN",
                "KN12",
                "",
                "39.0314",
                "125.7507",
                "1871859"
            ]
        );
        assert_eq!(
            gdelt_geo(Some(&place("admin1", "USA", "US.TX")))[..4],
            ["2", "Somewhere", "US", "USTX"]
        );
        assert_eq!(
            gdelt_geo(Some(&place("country", "RUS", "")))[..4],
            ["1", "Somewhere", "RS", "RS"]
        );
        assert_eq!(gdelt_geo(None)[0], "0");
    }
}
