//! The core's integration tests: golden cases as data, run by one `check` function, and data
//! tests over the embedded dictionaries.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use redline::actors::ActorKind;
use redline::{Coder, Config, Dictionaries, Doc, Event};
use serde_json::Value;

fn golden_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"))
}

fn fictional_coder() -> Coder {
    let mut dicts = Dictionaries::empty();
    let dir = golden_dir().join("fictional");
    let actors = std::fs::read_to_string(dir.join("actors.txt")).unwrap();
    let verbs = std::fs::read_to_string(dir.join("verbs.txt")).unwrap();
    let mut diags = dicts.add_actor_file("fictional/actors.txt", &actors);
    diags.extend(dicts.add_verb_file("fictional/verbs.txt", &verbs));
    assert!(diags.is_empty(), "{diags:?}");
    Coder::new(Arc::new(dicts), Config::default())
}

/// The embedded coder with the embedded default parser in the loop (`Config::syntax`).
fn parsing_coder() -> &'static Coder {
    static CODER: OnceLock<Coder> = OnceLock::new();
    CODER.get_or_init(|| {
        let config = Config {
            syntax: Some(Arc::new(redline::syntax::SyntaxModel::embedded().unwrap())),
            ..Config::default()
        };
        Coder::new(embedded_coder().dictionaries().clone().into(), config)
    })
}

fn embedded_coder() -> &'static Coder {
    static CODER: OnceLock<Coder> = OnceLock::new();
    CODER.get_or_init(|| {
        let (dicts, diags) = Dictionaries::embedded();
        assert!(
            diags.is_empty(),
            "{}",
            diags
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        Coder::new(Arc::new(dicts), Config::default())
    })
}

/// Whether an event fits an expectation: every field the expectation names must match; `cameo`
/// is a prefix (`"19"` accepts `"190"` and `"195"`), `target: null` means no target.
fn fits(expect: &Value, e: &Event) -> bool {
    let obj = expect.as_object().expect("an expectation is an object");
    obj.iter().all(|(k, v)| match k.as_str() {
        "source" => v.as_str() == Some(e.source.code.as_str()),
        "target" => match v {
            Value::Null => e.target.is_none(),
            _ => e.target.as_ref().map(|t| t.code.as_str()) == v.as_str(),
        },
        "cameo" => e.code.as_str().starts_with(v.as_str().unwrap()),
        "modality" => v.as_str() == Some(e.modality.as_str()),
        "date" => v.as_str() == e.date.map(|d| d.to_string()).as_deref(),
        "date_basis" => v.as_str() == Some(e.date_basis.as_str()),
        "location" => e.location.as_ref().map(|l| l.name.as_str()) == v.as_str(),
        "location_country" => e.location.as_ref().map(|l| l.country.as_str()) == v.as_str(),
        "location_kind" => e.location.as_ref().map(|l| l.kind.as_str()) == v.as_str(),
        "location_basis" => e.location.as_ref().map(|l| l.basis.as_str()) == v.as_str(),
        other => panic!("unknown expectation field '{other}'"),
    })
}

fn describe(doc: &Doc, e: &Event) -> String {
    format!(
        "{} -> {} {} {} {:?} ({}; {})",
        e.source.code,
        e.target.as_ref().map_or("-".into(), |t| t.code.to_string()),
        e.code,
        e.modality.as_str(),
        e.date.map(|d| d.to_string()),
        e.provenance.pattern,
        &doc.text[e.provenance.head.range()]
    )
}

/// Runs every case of one golden file against a coder; returns the failures.
fn check(file: &str, coder: &Coder) -> Vec<String> {
    let text = std::fs::read_to_string(golden_dir().join(file)).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut failures = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let note = case["note"].as_str().expect("every case has a note");
        let published = case["published"]
            .as_str()
            .and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok());
        let doc = Doc::new(format!("{file}#{n}"), case["text"].as_str().unwrap())
            .with_published(published);
        let events = coder.code(&doc);
        // Spans always point at their surface form.
        for e in &events {
            assert!(
                doc.text.is_char_boundary(e.source.span.start)
                    && e.source.span.end <= doc.text.len()
            );
        }
        let got: Vec<String> = events.iter().map(|e| describe(&doc, e)).collect();
        let expected = case["events"].as_array().cloned().unwrap_or_default();
        let mut used = HashSet::new();
        for x in &expected {
            match events
                .iter()
                .enumerate()
                .find(|(k, e)| !used.contains(k) && fits(x, e))
            {
                Some((k, _)) => {
                    used.insert(k);
                }
                None => failures.push(format!(
                    "{file} case {n} ({note}): missing {x}; got {got:?}"
                )),
            }
        }
        if case["exact"].as_bool() == Some(true) && used.len() != events.len() {
            failures.push(format!(
                "{file} case {n} ({note}): expected exactly {} events; got {got:?}",
                expected.len()
            ));
        }
        for x in case["absent"].as_array().into_iter().flatten() {
            if events.iter().any(|e| fits(x, e)) {
                failures.push(format!(
                    "{file} case {n} ({note}): unwanted {x}; got {got:?}"
                ));
            }
        }
    }
    failures
}

#[test]
fn golden_engine_cases_on_the_fictional_dictionaries() {
    let failures = check("engine.json", &fictional_coder());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn golden_cases_on_the_embedded_dictionaries() {
    let failures = check("real.json", embedded_coder());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn golden_location_cases_on_the_embedded_dictionaries() {
    let failures = check("geo.json", embedded_coder());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tone_reads_hostile_and_friendly_sentences_apart() {
    let coder = embedded_coder();
    let tone_of = |text: &str| {
        let doc = Doc::new("t", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        let events = coder.code(&doc);
        assert!(!events.is_empty(), "{text}");
        (events[0].tone, events[0].document_tone)
    };
    let (hostile, doc) = tone_of(
        "Russia brutally attacked Ukraine, killing dozens of terrified civilians in a deadly strike.",
    );
    assert!(hostile.tone < 0.0 && hostile.valence < -0.5, "{hostile:?}");
    assert_eq!(
        hostile, doc,
        "a one-sentence document has its sentence's tone"
    );
    let (friendly, _) = tone_of(
        "Japan warmly welcomed South Korea's generous offer of help and praised the successful talks.",
    );
    assert!(
        friendly.tone > 0.0 && friendly.valence > 0.5,
        "{friendly:?}"
    );
}

#[test]
fn document_tone_matches_the_events_and_covers_documents_without_events() {
    let coder = embedded_coder();
    let doc = Doc::new(
        "t",
        "Russia brutally attacked Ukraine. The weather was pleasant and calm.",
    )
    .with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let events = coder.code(&doc);
    assert!(!events.is_empty());
    assert_eq!(coder.document_tone(&doc), events[0].document_tone);
    let quiet = Doc::new(
        "q",
        "The weather was terrible and the harvest failed badly.",
    );
    assert!(coder.code(&quiet).is_empty());
    let tone = coder.document_tone(&quiet);
    assert!(tone.words > 0 && tone.tone < 0.0, "{tone:?}");
    // One pass (ingest's) gives what the separate calls give.
    for d in [&doc, &quiet] {
        let coded = coder.code_document(d);
        assert_eq!(coded.events, coder.code(d));
        assert_eq!(coded.sentences, coder.sentences(d));
        assert_eq!(coded.tone, coder.document_tone(d));
    }
}

#[test]
fn mention_spans_are_their_surface_forms() {
    let coder = embedded_coder();
    let doc = Doc::new("s", "North Korean leader Kim Jong-un and Russia’s Vladimir Putin signed a treaty in Pyongyang on Wednesday.")
        .with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let events = coder.code(&doc);
    assert!(!events.is_empty());
    for e in &events {
        let source = &doc.text[e.source.span.range()];
        assert!(
            e.source.entries.iter().any(|x| source.contains(&x.phrase)),
            "{source} vs {:?}",
            e.source.entries
        );
        assert_eq!(&doc.text[e.provenance.head.range()], "signed");
        assert!(doc.text[e.sentence.range()].starts_with("North Korean"));
    }
}

#[test]
fn a_coder_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Coder>();
    let coder = embedded_coder();
    let codes: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                scope.spawn(move || {
                    coder
                        .code(&Doc::new(format!("t{i}"), "Russia attacked Ukraine."))
                        .len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(codes, [1, 1, 1, 1]);
}

// ---- Data tests over the embedded dictionaries.

#[test]
fn embedded_dictionaries_load_without_any_diagnostic_and_quickly_enough_to_matter() {
    let (dicts, diags) = Dictionaries::embedded();
    assert!(
        diags.is_empty(),
        "{}",
        diags
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        dicts.verbs.len() >= 1500,
        "only {} verb patterns",
        dicts.verbs.len()
    );
}

#[test]
fn verb_patterns_cover_all_twenty_roots() {
    let (dicts, _) = Dictionaries::embedded();
    let roots: HashSet<&str> = dicts
        .verbs
        .patterns()
        .iter()
        .map(|p| p.code.root())
        .collect();
    for root in 1..=20 {
        assert!(
            roots.contains(format!("{root:02}").as_str()),
            "no pattern for root {root:02}"
        );
    }
    for p in dicts.verbs.patterns() {
        assert!(
            dicts.cameo.contains(p.code.as_str()),
            "{}: {}",
            p.location(),
            p.code
        );
    }
}

#[test]
fn every_un_member_and_observer_state_is_named() {
    let (dicts, _) = Dictionaries::embedded();
    let states: HashSet<&str> = dicts
        .actors
        .entries()
        .iter()
        .filter(|e| e.kind == ActorKind::Country)
        .map(|e| e.code.as_str())
        .collect();
    assert!(states.len() >= 195, "only {} states", states.len());
    for code in [
        "PRK", "KOR", "RUS", "UKR", "USA", "CHN", "JPN", "IRN", "ISR", "PSE", "SYR", "VAT", "SSD",
        "TLS",
    ] {
        assert!(states.contains(code), "{code} missing");
    }
    let capitals: HashSet<&str> = dicts
        .actors
        .entries()
        .iter()
        .filter(|e| e.kind == ActorKind::Capital)
        .map(|e| e.phrase.as_str())
        .collect();
    for city in [
        "Pyongyang",
        "Moscow",
        "Seoul",
        "Beijing",
        "Kyiv",
        "Washington",
    ] {
        assert!(capitals.contains(city), "{city} missing");
    }
}

#[test]
fn leaders_have_sane_dates_and_no_shared_name_in_office_twice() {
    let (dicts, _) = Dictionaries::embedded();
    let persons: Vec<_> = dicts
        .actors
        .entries()
        .iter()
        .filter(|e| e.kind == ActorKind::Person)
        .collect();
    assert!(persons.len() >= 300);
    let early = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    let late = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    for p in &persons {
        let from = p
            .from
            .unwrap_or_else(|| panic!("{}: a person needs a start date", p.location()));
        assert!(
            from >= early && from < late,
            "{}: start {from}",
            p.location()
        );
        if let Some(to) = p.to {
            assert!(from < to && to < late, "{}: {from}..{to}", p.location());
        }
    }
    // One phrase must not name two different codes on the same day.
    for (i, a) in persons.iter().enumerate() {
        for b in &persons[i + 1..] {
            if a.phrase.to_lowercase() != b.phrase.to_lowercase() || a.code == b.code {
                continue;
            }
            let overlap =
                a.from.max(b.from) < a.to.unwrap_or(late).min(b.to.unwrap_or(late)).into();
            assert!(
                !overlap,
                "{} and {}: '{}' names {} and {} at once",
                a.location(),
                b.location(),
                a.phrase,
                a.code,
                b.code
            );
        }
    }
}

#[test]
fn the_leaders_the_brief_names_resolve_on_the_seed_date() {
    let coder = embedded_coder();
    let doc = Doc::new(
        "l",
        "Kim Jong-un met Vladimir Putin. Xi Jinping met Volodymyr Zelensky.",
    )
    .with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let (_, traces) = coder.code_explained(&doc);
    let codes: Vec<&str> = traces
        .iter()
        .flat_map(|t| t.actors.iter().map(|a| a.1.as_str()))
        .collect();
    assert_eq!(codes, ["PRKGOV", "RUSGOV", "CHNGOV", "UKRGOV"]);
}

/// With `Config::syntax`, a conjoined verb far from its subject still gets it from the parse
/// ("X admitted ... and later apologised to Y"); without it, the shallow search finds no source
/// in the second clause and the apology is lost.
#[test]
fn the_parser_fallback_finds_the_subject_of_a_conjoined_verb() {
    let text = "Turkey admitted the mistake on Tuesday and later apologised to Greece.";
    let doc = Doc::new("conj", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let codes = |coder: &Coder| -> Vec<(String, String, String)> {
        coder
            .code(&doc)
            .iter()
            .map(|e| {
                (
                    e.source.code.to_string(),
                    e.target.as_ref().map_or("-".into(), |t| t.code.to_string()),
                    e.code.to_string(),
                )
            })
            .collect()
    };
    let apology = ("TUR".to_string(), "GRC".to_string(), "055".to_string());
    assert!(!codes(embedded_coder()).contains(&apology));
    let with_parse = parsing_coder();
    assert!(
        codes(with_parse).contains(&apology),
        "{:?}",
        codes(with_parse)
    );
}

/// With the parse, the conjuncts of a word inside the subject's mention join the subject: in
/// "Envoys from Seoul, Washington and Tokyo held talks" the parser hangs Washington and Tokyo from
/// Seoul, and the talks are between all three, as the shallow search has it.
#[test]
fn the_parse_keeps_conjuncts_inside_the_subject_mention() {
    let text = "Top nuclear envoys from Seoul, Washington and Tokyo held phone talks on Tuesday.";
    let doc = Doc::new("envoys", text).with_published(NaiveDate::from_ymd_opt(2024, 4, 2));
    let pairs = |coder: &Coder| -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = coder
            .code(&doc)
            .iter()
            .filter(|e| e.code.as_str() == "041")
            .map(|e| {
                (
                    e.source.code.to_string(),
                    e.target.as_ref().map_or("-".into(), |t| t.code.to_string()),
                )
            })
            .collect();
        pairs.sort();
        pairs
    };
    let shallow = pairs(embedded_coder());
    assert_eq!(shallow.len(), 6, "{shallow:?}");
    assert_eq!(pairs(parsing_coder()), shallow);
}

/// With `Config::syntax` the parse's subject comes first: in "X studied Y's report and refused
/// aid from Z" the nearest actor before "refused" is Y, a possessor inside the first clause's
/// object, but the tree gives X, the subject "refused" shares with "studied", and the event says
/// so (`via: parse`). (Had the first verb been coded, "criticised", the shallow rules would
/// share its subject too.)
#[test]
fn the_parse_subject_comes_before_the_nearest_actor() {
    let text = "The Kenyan government studied the EU's report and refused aid from Uganda.";
    let doc = Doc::new("first", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    // The source's code and how it was found.
    let refusal_source = |coder: &Coder| -> Option<(String, Option<&'static str>)> {
        coder
            .code(&doc)
            .iter()
            .find(|e| e.code.as_str() == "120")
            .map(|e| (e.source.code.to_string(), e.source.via))
    };
    assert_eq!(
        refusal_source(embedded_coder()),
        Some(("IGOEUREEC".to_string(), None))
    );
    let with_parse = parsing_coder();
    assert_eq!(
        refusal_source(with_parse),
        Some(("KENGOV".to_string(), Some("parse")))
    );
}

/// The parse's subject brings the actors joined to it: "X and Y found ... and destroyed" codes
/// the destruction for both X and Y; the shallow search takes the nearest actor, the rebels
/// "destroyed" follows ("found" is not coded, so there is no subject to share).
#[test]
fn the_parse_subject_keeps_its_conjoined_actors() {
    let text = "The Chilean army and Peruvian police found the rebels in Bolivia and destroyed their weapons.";
    let doc = Doc::new("conj2", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let destroyers = |coder: &Coder| -> Vec<String> {
        coder
            .code(&doc)
            .iter()
            .filter(|e| &text[e.provenance.head.range()] == "destroyed")
            .map(|e| e.source.code.to_string())
            .collect()
    };
    assert_eq!(destroyers(embedded_coder()), ["REB"]);
    let with_parse = parsing_coder();
    assert_eq!(destroyers(with_parse), ["CHLMIL", "PERCOP"]);
}

/// With `Config::syntax`, the tree narrows modality cues: "May" is a modal only as an auxiliary,
/// and a denial does not reach the verb joined to it ("denied the charges and accused").
#[test]
fn the_parse_narrows_modality_cues() {
    let with_parse = parsing_coder();
    let events = |coder: &Coder, text: &str| -> Vec<(String, &'static str)> {
        let doc = Doc::new("modality", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        coder
            .code(&doc)
            .iter()
            .map(|e| (e.code.to_string(), e.modality.as_str()))
            .collect()
    };
    let meeting = "Prime Minister Theresa May met the German chancellor in Berlin.";
    assert_eq!(
        events(embedded_coder(), meeting),
        [("040".to_string(), "hypothetical")]
    );
    assert_eq!(
        events(with_parse, meeting),
        [("040".to_string(), "asserted")]
    );
    let accusation = "Iraq denied the charges and accused Iran of arming the rebels.";
    assert!(events(with_parse, accusation).contains(&("112".to_string(), "asserted")));
    // A modal before a verb joined to its own without a subject still reaches it.
    let threat = "Russia could attack Ukraine and occupy Kyiv.";
    assert_eq!(
        events(with_parse, threat),
        [
            ("190".to_string(), "hypothetical"),
            ("192".to_string(), "hypothetical")
        ]
    );
}

/// With `Config::syntax`, a pronoun subject in a clause reported by a verb of saying stands for
/// that verb's subject: "Iran has told the UN it will not attack Israel" is Iran's (the
/// shallow rules give the UN, the nearest actor), and "Hamas said in a long statement that they
/// had attacked Israeli troops" codes the attack, which the shallow rules cannot source.
#[test]
fn a_reported_pronoun_stands_for_the_speaker() {
    let with_parse = parsing_coder();
    let sources = |coder: &Coder, text: &str, code: &str| -> Vec<String> {
        let doc = Doc::new("said", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        coder
            .code(&doc)
            .iter()
            .filter(|e| e.code.as_str() == code)
            .map(|e| e.source.code.to_string())
            .collect()
    };
    let told = "Iran has told the UN it will not attack Israel.";
    assert_eq!(sources(embedded_coder(), told, "190"), ["IGOUNO"]);
    assert_eq!(sources(with_parse, told, "190"), ["IRN"]);
    let said = "Hamas said in a long statement that they had attacked Israeli troops.";
    assert!(sources(embedded_coder(), said, "190").is_empty());
    assert_eq!(sources(with_parse, said, "190"), ["PSEREB"]);
}

/// With the parse, a noun that a coded verb governs is what the verb is about, not an act of
/// its own: "blames sanctions" is an accusation, not an embargo. The shallow rules cannot tell.
#[test]
fn a_noun_under_a_coded_verb_is_not_its_own_event() {
    let text = "North Korea blames sanctions for its food shortages.";
    let doc = Doc::new("noun", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let codes = |coder: &Coder| -> Vec<String> {
        coder
            .code(&doc)
            .iter()
            .map(|e| e.code.to_string())
            .collect()
    };
    assert_eq!(codes(embedded_coder()), ["112", "163"]);
    assert_eq!(codes(parsing_coder()), ["112"]);
}

/// An acronym in apposition is the same actor, not a partner: "agree" is a mutual act, and
/// pairing the army with itself used to leave no event.
#[test]
fn an_apposed_acronym_is_the_same_actor() {
    let text = "The Libyan National Army (LNA) agreed to lift a blockade on oil exports.";
    let doc = Doc::new("appos", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let agreements = |coder: &Coder| -> Vec<String> {
        coder
            .code(&doc)
            .iter()
            .filter(|e| e.code.as_str() == "030")
            .map(|e| e.source.code.to_string())
            .collect()
    };
    assert_eq!(agreements(embedded_coder()), ["LBYREB"]);
    assert_eq!(agreements(parsing_coder()), ["LBYREB"]);
}

/// A pronoun whose antecedent is in the same sentence shows the antecedent as the actor's
/// words, with the pronoun kept as the reference: "Russia said it had expelled".
#[test]
fn a_pronoun_shows_its_antecedent_in_the_same_sentence() {
    let text = "Russia said on Friday it had expelled diplomats from Poland. It then recalled its ambassador.";
    let doc = Doc::new("pron", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let events = embedded_coder().code(&doc);
    let expelled = events
        .iter()
        .find(|e| e.code.as_str() == "161")
        .expect("the expulsion is coded");
    assert_eq!(&text[expelled.source.span.range()], "Russia");
    let reference = expelled.source.reference.expect("the pronoun is kept");
    assert_eq!(&text[reference.range()], "it");
    assert_eq!(expelled.source.via, Some("reference"));
    // Across sentences the pronoun stays the actor's words: the sentence holds every span.
    for e in events.iter().filter(|e| e.sentence_index == 1) {
        assert_eq!(&text[e.source.span.range()], "It");
        assert!(e.source.reference.is_none());
    }
}

/// Clause rules of the shallow coder: a pattern that ends in a preposition takes the actor
/// after it as its target (not the court the lawsuit was filed in), a participle after a comma
/// shares the subject of the verb before it, an object pronoun stands for the one person it can
/// mean ("accusing him"), and a role word before a preposition names an actor ("the Israeli
/// government without").
#[test]
fn final_prepositions_participles_and_role_words_before_prepositions() {
    let coder = embedded_coder();
    let code = |text: &str| -> Vec<(String, String, Option<String>)> {
        let doc = Doc::new("clauses", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        coder
            .code(&doc)
            .into_iter()
            .map(|e| {
                (
                    e.code.to_string(),
                    e.source.code.to_string(),
                    e.target.map(|t| t.code.to_string()),
                )
            })
            .collect()
    };
    let lawsuit = code(
        "A French lawyer filed a lawsuit in a Paris court against Saudi Crown Prince Mohammed bin Salman, accusing him of torture.",
    );
    assert!(
        lawsuit.contains(&("115".into(), "FRAJUD".into(), Some("SAUGOV".into()))),
        "{lawsuit:?}"
    );
    assert!(
        lawsuit.iter().any(|(c, s, t)| c.starts_with("112")
            && s == "FRAJUD"
            && t.as_deref() == Some("SAUGOV")),
        "{lawsuit:?}"
    );
    let shared = code(
        "The National Security Agency has been sharing raw intelligence with the Israeli government without filtering it.",
    );
    assert!(
        shared
            .iter()
            .any(|(_, _, t)| t.as_deref() == Some("ISRGOV")),
        "{shared:?}"
    );
}

/// A plural after a participle is a noun ("monitoring sanctions on"), not a verb of its own;
/// the same word as a finite verb still codes.
#[test]
fn a_plural_after_a_participle_is_a_noun() {
    let codes = |text: &str| -> Vec<String> {
        let doc = Doc::new("plural", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        embedded_coder()
            .code(&doc)
            .iter()
            .map(|e| e.code.to_string())
            .collect()
    };
    assert!(codes("The UN panel kept monitoring sanctions on North Korea.").is_empty());
    assert_eq!(codes("The United States sanctions North Korea."), ["163"]);
}

/// A place named as what an act is done to stands for its country ("shelled Haifa": Israel),
/// with `via: place`; not after a locative ("attacked in Kharkiv"), and not a name that runs on
/// ("met Alice Wells").
#[test]
fn a_place_named_as_the_object_is_the_target_country() {
    let target = |text: &str| -> Vec<(String, Option<&'static str>)> {
        let doc = Doc::new("place", text).with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
        embedded_coder()
            .code(&doc)
            .into_iter()
            .filter_map(|e| e.target.map(|t| (t.code.to_string(), t.via)))
            .collect()
    };
    assert_eq!(
        target("Hezbollah shelled Haifa."),
        [("ISR".to_string(), Some("place"))]
    );
    assert_eq!(
        target("Russian forces shelled the city of Kharkiv."),
        [("UKR".to_string(), Some("place"))]
    );
    assert!(target("Russia attacked in Kharkiv.").is_empty());
    // "Gaza" is also a province of Mozambique: the document's countries decide.
    assert!(target("The EU suspended aid to Gaza.").is_empty());
    assert_eq!(
        target("Israel and Hamas fought for weeks. The EU suspended aid to Gaza."),
        [("PSE".to_string(), Some("place"))]
    );
    // The place is where the act happened too.
    let doc = Doc::new("where", "Hezbollah shelled Haifa.")
        .with_published(NaiveDate::from_ymd_opt(2024, 6, 21));
    let events = embedded_coder().code(&doc);
    assert_eq!(events.len(), 1);
    let location = events[0].location.as_ref().expect("a location");
    assert_eq!(
        (location.name.as_str(), location.country.as_str()),
        ("Haifa", "ISR")
    );
    assert!(
        location.span.is_some(),
        "named in the text, not the actor's country"
    );
    assert!(target("Taliban members met Alice Wells in Doha.").is_empty());
}
