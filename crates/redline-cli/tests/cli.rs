//! End-to-end tests of the `redline` binary: the acceptance case scored by the eval kit, the
//! event schema, bad input, and the other output modes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn redline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redline"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared` beside the repository; CI always has it.
fn shared() -> PathBuf {
    let p = repo().join("../shared");
    assert!(
        p.join("eval/score.py").is_file(),
        "these tests need ../shared beside the repository (as CI lays it out)"
    );
    p
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("redline runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redline-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn seed_editorial_meets_the_acceptance_bars() {
    let shared = shared();
    let out = run(redline()
        .arg("code")
        .arg(shared.join("seed/dangerous-cooperation.txt")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = temp_dir("seed");
    let pred = dir.join("seed.pred.jsonl");
    std::fs::write(&pred, &out.stdout).unwrap();
    // The gold lines name no document, so the file name we give as doc_id does not matter.
    let score = Command::new("python3")
        .arg(shared.join("eval/score.py"))
        .arg(shared.join("eval/seed.gold.jsonl"))
        .arg(&pred)
        .args([
            "--json",
            "--min-recall",
            "1.0",
            "--min-precision",
            "0.85",
            "--min-date",
            "1.0",
        ])
        .output()
        .expect("python3 runs score.py");
    assert!(
        score.status.success(),
        "score.py bars failed: {}\n{}",
        String::from_utf8_lossy(&score.stdout),
        String::from_utf8_lossy(&score.stderr)
    );
}

/// A small validator for the subset of JSON Schema that docs/events.schema.json uses.
fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return validate(&root["$defs"][name], root, v, path, errors);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = options.iter().filter(|o| {
            let mut e = Vec::new();
            validate(o, root, v, path, &mut e);
            e.is_empty()
        });
        if ok.count() != 1 {
            errors.push(format!("{path}: matches not exactly one of oneOf"));
        }
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types
            .iter()
            .any(|t| *t == actual || (*t == "number" && actual == "integer"))
        {
            errors.push(format!("{path}: {actual} is not {types:?}"));
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64())
        && n < min
    {
        errors.push(format!("{path}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64())
        && n > max
    {
        errors.push(format!("{path}: {n} > {max}"));
    }
    if let (Some(min), Some(s)) = (schema.get("minLength").and_then(Value::as_u64), v.as_str())
        && (s.chars().count() as u64) < min
    {
        errors.push(format!("{path}: shorter than {min}"));
    }
    if let (Some(pattern), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str())
        && !simple_pattern(pattern, s)
    {
        errors.push(format!("{path}: '{s}' does not match {pattern}"));
    }
    if let Some(obj) = v.as_object() {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{path}: missing {req}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, root, val, &format!("{path}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: unexpected {k}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (arr.len() as u64) < min
        {
            errors.push(format!("{path}: fewer than {min} items"));
        }
        for (i, item) in arr.iter().enumerate() {
            validate(items, root, item, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The schema's patterns, checked by hand: each is one of a few known shapes.
fn simple_pattern(pattern: &str, s: &str) -> bool {
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    match pattern {
        "^(0[1-9]|1[0-9]|20)[0-9]{0,2}$" => {
            (2..=4).contains(&s.len()) && digits(s) && matches!(s[..2].parse::<u32>(), Ok(1..=20))
        }
        "^(0[1-9]|1[0-9]|20)$" => {
            s.len() == 2 && digits(s) && matches!(s.parse::<u32>(), Ok(1..=20))
        }
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" => {
            s.len() == 10
                && digits(&s[..4])
                && &s[4..5] == "-"
                && digits(&s[5..7])
                && &s[7..8] == "-"
                && digits(&s[8..])
        }
        "^[A-Z]{3,15}$" => (3..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase()),
        "^.+:[0-9]+$" => s
            .rsplit_once(':')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && digits(b)),
        other => panic!("the test does not know the pattern {other}"),
    }
}

#[test]
fn seed_treaty_is_located_in_pyongyang_and_the_denial_is_not() {
    let out = run(redline()
        .arg("code")
        .arg(shared().join("seed/dangerous-cooperation.txt")));
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let treaty: Vec<&Value> = events
        .iter()
        .filter(|e| e["cameo"] == "057" && e["sentence"]["index"] == 0)
        .collect();
    assert_eq!(treaty.len(), 2);
    for e in treaty {
        let loc = &e["location"];
        assert!(
            (loc["lat"].as_f64().unwrap() - 39.03).abs() < 0.1
                && (loc["lon"].as_f64().unwrap() - 125.75).abs() < 0.1,
            "{loc}"
        );
        assert_eq!(loc["basis"], "sentence");
    }
    // "Both Pyongyang and Moscow have denied": Pyongyang is the actor, not the place.
    let denial = events
        .iter()
        .find(|e| e["cameo"] == "016")
        .expect("the denial is coded");
    assert_eq!(denial["source"]["text"], "Pyongyang");
    assert_ne!(
        denial["location"]["mention"]["start"], denial["source"]["start"],
        "{}",
        denial["location"]
    );
    assert!(
        events
            .iter()
            .all(|e| e["tone"]["document"]["words"].as_u64().unwrap() > 500)
    );
}

#[test]
fn every_event_matches_the_schema_and_its_spans() {
    let shared = shared();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/events.schema.json")).unwrap(),
    )
    .unwrap();
    let seed = shared.join("seed/dangerous-cooperation.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    // The shallow rules and the parse (whose actors say `via: parse`).
    let mut lines: Vec<Value> = Vec::new();
    for flags in [&[][..], &["--syntax"][..]] {
        let out = run(redline().arg("code").arg(&seed).args(flags));
        let these: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(these.len() >= 10, "{flags:?}");
        lines.extend(these);
    }
    assert!(lines.iter().any(|e| e["source"]["via"] == "parse"));
    for (i, ev) in lines.iter().enumerate() {
        let mut errors = Vec::new();
        validate(&schema, &schema, ev, &format!("event {i}"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}\n{ev}");
        for part in [&ev["source"], &ev["sentence"], &ev["provenance"]["head"]] {
            let (s, e) = (
                part["start"].as_u64().unwrap() as usize,
                part["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[s..e], part["text"].as_str().unwrap());
        }
    }
    // The validator itself rejects a broken event.
    let mut broken = lines[0].clone();
    broken["cameo"] = Value::from("57");
    broken.as_object_mut().unwrap().remove("date");
    let mut errors = Vec::new();
    validate(&schema, &schema, &broken, "broken", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn bad_documents_are_reported_with_file_and_line_and_skipped() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("a.jsonl"), "{\"id\": \"ok1\", \"text\": \"Russia attacked Ukraine on Monday.\", \"published\": \"2024-03-08\"}\n{\"id\": \"bad\", \"text\": 5}\n{\"id\": \"ok2\", \"text\": \"China criticised Japan.\"}\n").unwrap();
    std::fs::write(dir.join("b.txt"), [0xff, 0xfe, 0x00]).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/c.txt"), "Freedonia News\n\nIran condemned Israel on Tuesday, officials said in a long statement to reporters.\n").unwrap();
    let out = run(redline()
        .arg("code")
        .arg(&dir)
        .arg(dir.join("missing.jsonl")));
    assert_eq!(out.status.code(), Some(1), "some inputs failed, so exit 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a.jsonl:2:"), "{stderr}");
    assert!(stderr.contains("b.txt: not UTF-8"), "{stderr}");
    assert!(stderr.contains("missing.jsonl: no such file"), "{stderr}");
    let docs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["doc_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        docs.contains(&"ok1".to_string()) && docs.contains(&"ok2".to_string()),
        "{docs:?}"
    );
    assert!(docs.iter().any(|d| d.ends_with("c.txt")), "{docs:?}");
}

#[test]
fn stdin_published_override_table_and_explain() {
    let mut child = redline()
        .args([
            "code",
            "-",
            "--published",
            "2024-06-21",
            "--format",
            "table",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"{\"id\": \"s1\", \"text\": \"Russia attacked Ukraine on Wednesday.\", \"published\": \"2020-01-01\"}\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("DOC"), "{table}");
    assert!(
        table.contains("2024-06-19") && table.contains("RUS") && table.contains("UKR"),
        "{table}"
    );

    let dir = temp_dir("explain");
    std::fs::write(
        dir.join("d.jsonl"),
        "{\"id\": \"e1\", \"text\": \"Russia attacked Ukraine. Nothing happened.\"}\n",
    )
    .unwrap();
    let out = run(redline()
        .args(["code", "--explain"])
        .arg(dir.join("d.jsonl")));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("actor: \"Russia\" = RUS"), "{text}");
    assert!(text.contains("head \"attacked\""), "{text}");
    assert!(text.contains("EVENT RUS -> UKR"), "{text}");
    assert!(text.contains("actors: none"), "{text}");
}

#[test]
fn html_input_uses_the_article_and_its_date() {
    let dir = temp_dir("html");
    std::fs::write(
        dir.join("p.html"),
        r#"<html><head><title>Border</title><meta property="article:published_time" content="2024-05-10T08:00:00Z"></head><body><nav>Menu</nav>
<article><h1>Border</h1><p>Russia attacked Ukraine on Thursday, according to officials who spoke to reporters in the capital after the meeting.</p>
<p>Further talks are expected later in the month, with no date set yet for the next round.</p></article></body></html>"#,
    )
    .unwrap();
    let out = run(redline().arg("code").arg(dir.join("p.html")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev: Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .expect("an event"),
    )
    .unwrap();
    assert_eq!(ev["date"], "2024-05-09");
    assert_eq!(ev["source"]["code"], "RUS");
}

#[test]
fn dict_check_reports_defects_with_file_and_line() {
    let out = run(redline().args(["dict", "check"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let dir = temp_dir("dict");
    std::fs::create_dir_all(dir.join("verbs")).unwrap();
    std::fs::write(
        dir.join("verbs/x.txt"),
        "057 : sign ... pact\n999 : explode\n",
    )
    .unwrap();
    let out = run(redline().args(["dict", "check", "--dict"]).arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("verbs/x.txt:2: error: '999' is not a CAMEO event code"),
        "{text}"
    );
}

/// The committed syntax models reproduce the scores recorded beside them (EWT test, gold
/// tokens) within 0.1 point, so a model and its README numbers cannot drift apart.
#[test]
fn syntax_eval_reproduces_the_recorded_test_scores() {
    let shared = shared();
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("crates/redline/data/syntax.scores.json")).unwrap(),
    )
    .unwrap();
    // The default model, and the accurate one (its parser searching with a beam).
    for (flags, key) in [
        (&[][..], "ewt_test"),
        (&["--accurate"][..], "accurate_ewt_test"),
    ] {
        let out = run(redline()
            .args(["syntax", "eval"])
            .args(flags)
            .arg(shared.join("data/ud-ewt/en_ewt-ud-test.conllu")));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let measured: Value = serde_json::from_slice(&out.stdout).unwrap();
        for score in ["upos", "xpos", "lemma", "uas", "las"] {
            let (m, r) = (
                measured[score].as_f64().unwrap(),
                recorded[key][score].as_f64().unwrap(),
            );
            assert!(
                (m - r).abs() <= 0.1,
                "{key} {score}: measured {m}, recorded {r}"
            );
        }
        assert!(measured["sentences_per_second"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn syntax_parse_prints_one_tree_per_sentence_as_conllu() {
    let mut child = redline()
        .args(["syntax", "parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Russia's army didn't attack. Kim met Putin in Pyongyang.".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let sentences: Vec<&str> = text
        .split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .collect();
    assert_eq!(sentences.len(), 2, "{text}");
    for s in &sentences {
        let words: Vec<Vec<&str>> = s
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').collect())
            .collect();
        assert!(words.iter().all(|w| w.len() == 10), "{s}");
        assert_eq!(words.iter().filter(|w| w[6] == "0").count(), 1, "{s}");
    }
    let forms: Vec<&str> = sentences[0]
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(forms, ["Russia", "'s", "army", "did", "n't", "attack", "."]);
}

#[test]
fn syntax_eval_reports_a_bad_treebank_with_file_and_line() {
    let dir = temp_dir("syntax-bad");
    let bad = dir.join("bad.conllu");
    std::fs::write(&bad, "1\tword\n").unwrap();
    let out = run(redline().args(["syntax", "eval"]).arg(&bad));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.conllu:1: expected 10 columns"), "{err}");
}

/// `--gold-tags` parses from the treebank's own tags (so the tags score all but perfectly) and
/// says so; it makes no sense with `--raw`, which is refused.
#[test]
fn syntax_eval_with_gold_tags_parses_from_the_treebank_tags() {
    let tiny = repo().join("crates/redline/tests/golden/syntax_tiny.conllu");
    let out = run(redline().args(["syntax", "eval", "--gold-tags"]).arg(&tiny));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scores: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scores["mode"], "gold_tags");
    assert!(scores["xpos"].as_f64().unwrap() > 99.0, "{scores}");
    assert!(scores["uas"].as_f64().unwrap() > 50.0, "{scores}");
    let out = run(redline()
        .args(["syntax", "eval", "--gold-tags", "--raw"])
        .arg(&tiny));
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `redline validate --format json` on a suite and returns the report.
fn validate_suite(path: &Path) -> Value {
    let out = run(redline().args(["validate", "--format", "json"]).arg(path));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn petrarch_unit_records_pass_rate() {
    let report =
        validate_suite(&shared().join("data/petrarch/validation/PETR.UnitTest.records.xml"));
    let rate = report["pass_rate"].as_f64().unwrap();
    // Measured 0.786 (221 of 281); PETRARCH-2 itself passes 90 of 279.
    assert!(rate >= 0.77, "pass rate {rate}: {report}");
    assert_eq!(report["records"], 281);
    assert!(report["events"]["exact"]["f1"].as_f64().unwrap() >= 0.78);
    for level in ["exact", "dyad_root", "dyad"] {
        assert!(report["events"][level]["precision"].is_number());
    }
}

/// `redline validate X | head -1` used to panic in `println!` once `head` closed the pipe.
#[test]
fn validate_and_bench_exit_quietly_on_a_closed_pipe() {
    let suite = shared().join("data/tabari/Validate.text");
    let petrarch = shared().join("data/petrarch/dictionaries");
    let commands: [Vec<std::ffi::OsString>; 2] = [
        vec!["validate".into(), "--verbose".into(), suite.into()],
        vec!["bench".into(), "--load-petrarch".into(), petrarch.into()],
    ];
    for args in commands {
        let mut child = redline()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the first line is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn tabari_validation_records_pass_rate() {
    let report = validate_suite(&shared().join("data/tabari/Validate.text"));
    let rate = report["pass_rate"].as_f64().unwrap();
    // Measured 0.823 (353 of 429 standard records).
    assert!(rate >= 0.80, "pass rate {rate}: {report}");
    assert!(report["passed"].as_u64().unwrap() >= 345);
    // `--failures` lists exactly the failed records, one a line.
    let out = run(redline()
        .args(["validate", "--failures"])
        .arg(shared().join("data/tabari/Validate.text")));
    let listing = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = listing.lines().collect();
    assert!(lines.iter().all(|l| l.starts_with("FAIL ")), "{listing}");
    let failed = report["records"].as_u64().unwrap() - report["passed"].as_u64().unwrap();
    assert_eq!(lines.len() as u64, failed);
}

#[test]
fn dict_check_reports_petrarch_defects_and_coding_goes_on() {
    let dir = temp_dir("petrarch");
    std::fs::write(
        dir.join("CAMEO.2.0.txt"),
        "&CURRENCY\n+DOLLAR\n\n--- AID [070] ---\nAID\n- * &MONEY [071]\n- * DOLLARS [07?]\n- * FOOD [073]\n- * FOOD [074]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Phoenix.Test.actors.txt"),
        "FREEDONIA [FRD]\nSYLVANIA_\n\t[SYLGOV 20201301-20210101]\n\t[SYL]\nNOCODE\n",
    )
    .unwrap();
    for f in [
        "Phoenix.agents.txt",
        "Phoenix.discards.txt",
        "Phoenix.IssueCoding.txt",
    ] {
        std::fs::write(dir.join(f), "").unwrap();
    }
    let out = run(redline()
        .args(["dict", "check", "--no-embedded", "--petrarch"])
        .arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "CAMEO.2.0.txt:6: error: pattern '* &MONEY': undefined synset '&MONEY'",
        "CAMEO.2.0.txt:7: error: '07?' is not an event code",
        "CAMEO.2.0.txt:9: warning: unreachable pattern '* FOOD': line 8 has the same pattern with code [073]",
        "Phoenix.Test.actors.txt:3: error: malformed date '20201301-20210101'",
        "Phoenix.Test.actors.txt:5: error: actor 'nocode' has no code",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Coding goes on with what is valid.
    let spec = format!("petrarch:{}", dir.display());
    let mut child = redline()
        .args(["code", "-", "--no-embedded", "--dictionaries", &spec])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"id\":\"d\",\"text\":\"Freedonia sent aid to Sylvania.\",\"published\":\"2024-01-01\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    let event: Value = serde_json::from_str(line.lines().next().expect("one event")).unwrap();
    assert_eq!(event["source"]["code"], "FRD");
    assert_eq!(event["target"]["code"], "SYL");
    assert_eq!(event["cameo"], "070");
}

/// The events of a store as comparable rows: (source, target, cameo, date, mentions, sources,
/// documents), sorted.
fn store_events(db: &Path) -> Vec<String> {
    let store = redline_store::Store::open(db).unwrap();
    let mut rows: Vec<String> = redline_store::export::events(&store, &Default::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            format!(
                "{} {:?} {} {:?} {} {} {} {}",
                e.source,
                e.target,
                e.cameo,
                e.date,
                e.modality,
                e.n_mentions,
                e.n_sources,
                e.n_documents
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Mentions per document id in a store.
fn mentions_per_doc(db: &Path) -> std::collections::BTreeMap<String, usize> {
    let store = redline_store::Store::open(db).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for m in redline_store::export::mentions(&store, &Default::default()).unwrap() {
        *out.entry(m.doc_id).or_default() += 1;
    }
    out
}

fn write_corpus(dir: &Path, docs: usize, sentences: usize) -> PathBuf {
    let out = run(redline().args([
        "bench",
        "corpus",
        "--docs",
        &docs.to_string(),
        "--sentences",
        &sentences.to_string(),
    ]));
    assert!(out.status.success());
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

#[test]
fn ingest_killed_twenty_times_then_rerun_stores_every_document_once() {
    let dir = temp_dir("kill");
    // Enough documents that twenty short runs cannot store them all, so every kill lands in a
    // run that still has work to do.
    let n_docs = 1000;
    let corpus = write_corpus(&dir, n_docs, 4);
    let reference = dir.join("reference.db");
    let started = std::time::Instant::now();
    let out = run(redline()
        .arg("ingest")
        .arg(&corpus)
        .arg("--db")
        .arg(&reference));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A whole run takes `full`; a run with nothing new to store takes `idle` (dictionary load,
    // reading, hashing). Kills land shortly after `idle`, when a run is coding and writing, so
    // each run stores a few batches before it dies.
    let full = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    assert!(
        run(redline()
            .arg("ingest")
            .arg(&corpus)
            .arg("--db")
            .arg(&reference))
        .status
        .success()
    );
    let mut idle = started.elapsed().as_millis() as u64;
    let step = full.saturating_sub(idle).max(150) / 150;
    let db = dir.join("killed.db");
    let mut killed_mid_run = 0;
    let mut stored_between = Vec::new();
    let reference_per_doc = mentions_per_doc(&reference);
    let mut step = step;
    let mut attempts = 0;
    // Twenty kills that land while a run is working. A run that finishes first does not count;
    // it halves the step and brings the base delay before its own finish (the load may have
    // dropped since `idle` was measured), and a complete store starts afresh.
    let in_between = |stored: &[i64]| stored.iter().any(|&n| n > 0 && n < n_docs as i64);
    while killed_mid_run < 20 || !in_between(&stored_between) {
        attempts += 1;
        assert!(attempts <= 120, "kills kept missing: {stored_between:?}");
        let mut child = redline()
            .arg("ingest")
            .arg(&corpus)
            .arg("--db")
            .arg(&db)
            .args(["--batch", "7"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let at = idle + (1 + attempts % 3) * step;
        // Watch the child until the kill is due, to learn how long a run took when it finished
        // first.
        let spawned = std::time::Instant::now();
        let due = spawned + std::time::Duration::from_millis(at);
        let mut finished_after = None;
        while std::time::Instant::now() < due {
            if child.try_wait().unwrap().is_some() {
                finished_after = Some(spawned.elapsed().as_millis() as u64);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        match finished_after {
            None => killed_mid_run += 1,
            // The machine got faster than when `idle` was measured (load dropped), or little
            // was left to store: kill earlier next time.
            Some(took) => {
                step = (step / 2).max(1);
                idle = idle.min(took * 2 / 3);
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever is stored is stored whole: each document with all its mentions.
        let per_doc = mentions_per_doc(&db);
        for (doc, n) in &per_doc {
            assert_eq!(
                reference_per_doc.get(doc),
                Some(n),
                "{doc} after kill {attempts}"
            );
        }
        let n_stored = redline_store::Store::open(&db)
            .unwrap()
            .counts()
            .unwrap()
            .documents;
        // A kill that landed before anything new was written (a loaded machine starts slowly)
        // moves the next ones later.
        if stored_between
            .last()
            .is_none_or(|&before| n_stored <= before)
            && n_stored < n_docs as i64
        {
            step = (step * 2).min(full.max(2) / 2);
        }
        stored_between.push(n_stored);
        if n_stored == n_docs as i64 {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        }
    }
    assert!(
        stored_between.iter().any(|&n| n > 0 && n < n_docs as i64),
        "no kill landed while documents were being written: {stored_between:?}"
    );
    let out = run(redline().arg("ingest").arg(&corpus).arg("--db").arg(&db));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = redline_store::Store::open(&db).unwrap();
    let counts = store.counts().unwrap();
    let expected = redline_store::Store::open(&reference)
        .unwrap()
        .counts()
        .unwrap();
    assert_eq!(counts.documents, n_docs as i64, "{stored_between:?}");
    assert_eq!(counts, expected, "{stored_between:?}");
    assert_eq!(store_events(&db), store_events(&reference));
    eprintln!("documents stored after each kill: {stored_between:?}");
}

#[test]
fn a_truncated_file_is_skipped_with_nothing_stored_from_it() {
    let dir = temp_dir("truncated");
    let good = dir.join("good.jsonl");
    std::fs::write(
        &good,
        "{\"id\":\"g1\",\"text\":\"Russia and North Korea signed a defence treaty on Wednesday.\",\"published\":\"2024-06-21\"}\n",
    )
    .unwrap();
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\":\"b1\",\"text\":\"North Korea fired artillery near Yeonpyeong on Friday.\",\"published\":\"2024-01-05\"}\n{\"id\":\"b2\",\"text\":\"Russia and Ukra",
    )
    .unwrap();
    let binary = dir.join("binary.txt");
    std::fs::write(&binary, b"Seoul \xff\xfe said").unwrap();
    let db = dir.join("t.db");
    let out = run(redline()
        .arg("ingest")
        .args([&good, &bad, &binary])
        .arg("--db")
        .arg(&db));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("bad.jsonl") && stderr.contains("nothing stored"),
        "{stderr}"
    );
    assert!(stderr.contains("binary.txt"), "{stderr}");
    let store = redline_store::Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().documents, 1);
    let ids: Vec<String> = redline_store::export::events(&store, &Default::default())
        .unwrap()
        .into_iter()
        .map(|e| e.doc_id)
        .collect();
    assert!(ids.iter().all(|id| id == "g1"), "{ids:?}");
}

/// Compares `actual` with the golden file `tests/golden/NAME`, or writes it when
/// `REDLINE_BLESS=1` (after a deliberate change to the coder, the dictionaries or a format).
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("REDLINE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {} (run with REDLINE_BLESS=1)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(rerun with REDLINE_BLESS=1 if the change is intended)",
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

/// `redline monitor examples/news` into a fresh store, once per test run: (stdout, store).
fn monitored_examples() -> &'static (String, PathBuf) {
    static ONCE: std::sync::OnceLock<(String, PathBuf)> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = temp_dir("monitor");
        let db = dir.join("news.db");
        let out = run(redline()
            .current_dir(repo())
            .args(["monitor", "examples/news", "--db"])
            .arg(&db));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (String::from_utf8(out.stdout).unwrap(), db)
    })
}

#[test]
fn monitor_on_the_example_news_shows_the_picture_and_fires_alerts() {
    let (stdout, db) = monitored_examples();
    golden("monitor-examples.txt", stdout);
    // The picture, independently of the exact numbers.
    let store = redline_store::Store::open(db).unwrap();
    let report = redline_store::report::report(&store, &Default::default()).unwrap();
    let totals = |a: &str, b: &str| {
        report
            .dyads
            .iter()
            .find(|(d, _)| d.0 == a && d.1 == b)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    assert!(totals("PRK", "RUS").balance() > 0.5);
    assert!(totals("KOR", "PRK").balance() < 0.0);
    let prk_rus = redline_store::report::report(
        &store,
        &redline_store::report::ReportQuery {
            dyad: Some(("PRK".into(), "RUS".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let (first_half, second_half): (Vec<_>, Vec<_>) = prk_rus.series[0]
        .1
        .iter()
        .partition(|(p, _)| p.format("%m").to_string().as_str() <= "06");
    let coop = |v: &[&(chrono::NaiveDate, redline_store::report::Tally)]| -> i64 {
        v.iter().map(|(_, t)| t.by_quad[0] + t.by_quad[1]).sum()
    };
    assert!(coop(&second_half) > coop(&first_half), "{prk_rus:?}");
    for rule in [
        "military-cooperation  PRK-RUS",
        "korean-peninsula-hostility  KOR-PRK",
        "material-conflict-spike",
    ] {
        assert!(stdout.contains(rule), "no alert {rule}:\n{stdout}");
    }
}

#[test]
fn report_formats_are_pinned() {
    let (_, db) = monitored_examples();
    for (format, extra, name) in [
        ("json", vec!["--dyad", "PRK-RUS"], "report-prk-rus.json"),
        (
            "csv",
            vec!["--country", "PRK", "--by", "week"],
            "report-prk-week.csv",
        ),
        (
            "table",
            vec!["--dyad", "KOR-PRK", "--by", "month"],
            "report-kor-prk.txt",
        ),
    ] {
        let out = run(redline()
            .args(["report", "--format", format, "--db"])
            .arg(db)
            .args(&extra));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        golden(name, &String::from_utf8(out.stdout).unwrap());
    }
    let out = run(redline()
        .args(["alerts", "--format", "json", "--db"])
        .arg(db));
    let alerts: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(alerts.as_array().is_some_and(|a| !a.is_empty()));
    golden("alerts.json", &String::from_utf8(out.stdout).unwrap());
}

#[test]
fn a_bad_rule_file_names_its_line() {
    let (_, db) = monitored_examples();
    let dir = temp_dir("rules");
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nname = \"x\"\nkind = \"balance\"\nbelow = -1.0\ncolour = \"red\"\n",
    )
    .unwrap();
    let out = run(redline()
        .arg("alerts")
        .arg("--rules")
        .arg(&rules)
        .arg("--db")
        .arg(db));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("rules.toml:5:") && stderr.contains("colour"),
        "{stderr}"
    );
}

fn export(db: &Path, args: &[&str]) -> String {
    let out = run(redline().arg("export").arg("--db").arg(db).args(args));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_export_format_reads_back() {
    let (_, db) = monitored_examples();
    let dir = temp_dir("export");
    let mentions_path = dir.join("mentions.tsv");
    let gdelt = export(
        db,
        &[
            "--format",
            "gdelt",
            "--mentions",
            mentions_path.to_str().unwrap(),
        ],
    );
    let events: Vec<Vec<&str>> = gdelt.lines().map(|l| l.split('\t').collect()).collect();
    assert!(events.len() > 100);
    let mut ids = std::collections::HashSet::new();
    for row in &events {
        assert_eq!(row.len(), 61, "{row:?}");
        assert!(ids.insert(row[0]), "duplicate GLOBALEVENTID {}", row[0]);
        assert!(row[1].is_empty() || row[1].len() == 8, "{row:?}");
        assert!(row[29].parse::<u8>().is_ok_and(|q| (1..=4).contains(&q)));
        assert!(row[30].parse::<f64>().is_ok());
    }
    // ActionGeo (columns 52-59): an event located in Pyongyang has its coordinates.
    let pyongyang = events
        .iter()
        .find(|row| row[52] == "Pyongyang")
        .expect("an event in Pyongyang");
    assert_eq!(pyongyang[53], "KN", "{pyongyang:?}");
    let (lat, lon): (f64, f64) = (
        pyongyang[56].parse().unwrap(),
        pyongyang[57].parse().unwrap(),
    );
    assert!(
        (lat - 39.03).abs() < 0.1 && (lon - 125.75).abs() < 0.1,
        "{pyongyang:?}"
    );
    assert!(events.iter().all(|row| row[34].parse::<f64>().is_ok()));
    let mentions_text = std::fs::read_to_string(&mentions_path).unwrap();
    let mut per_event: std::collections::HashMap<&str, i64> = Default::default();
    for line in mentions_text.lines() {
        let row: Vec<&str> = line.split('\t').collect();
        assert_eq!(row.len(), 16, "{row:?}");
        assert!(
            ids.contains(row[0]),
            "mention of an unknown event {}",
            row[0]
        );
        *per_event.entry(row[0]).or_default() += 1;
    }
    // NumMentions (column 32) is the number of rows in the mentions table.
    for row in &events {
        assert_eq!(
            per_event.get(row[0]).copied(),
            row[31].parse().ok(),
            "{row:?}"
        );
    }

    let icews = export(db, &["--format", "icews"]);
    let mut lines = icews.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header.len(), 20);
    assert_eq!(header[0], "Event ID");
    assert_eq!(lines.clone().count(), events.len());
    for line in lines {
        let row: Vec<&str> = line.split('\t').collect();
        assert_eq!(row.len(), 20, "{row:?}");
        assert!(row[7].parse::<f64>().is_ok(), "{row:?}");
    }

    let plover = export(db, &["--format", "plover"]);
    assert_eq!(plover.lines().count(), events.len());
    for line in plover.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for key in [
            "id",
            "date",
            "event",
            "actor1",
            "actor1_code",
            "cameo",
            "text",
            "story_id",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
    }

    let csv_text = export(db, &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 20);
    let mut n_rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 20);
        assert!(record[12].parse::<i64>().unwrap() >= 1);
        n_rows += 1;
    }
    assert_eq!(n_rows, events.len());

    let jsonl = export(db, &["--format", "jsonl"]);
    assert_eq!(jsonl.lines().count(), events.len());
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let mentions = v["mentions"].as_array().unwrap();
        assert_eq!(
            Some(mentions.len() as u64),
            v["num_mentions"].as_u64(),
            "{line}"
        );
        assert!(
            mentions
                .iter()
                .all(|m| m["provenance"]["pattern"].is_string())
        );
    }
}

#[test]
fn export_formats_are_pinned() {
    let (_, db) = monitored_examples();
    // DATEADDED (column 60) is the ingest time: masked.
    let gdelt: String = export(db, &["--format", "gdelt", "--dyad", "PRK-RUS"])
        .lines()
        .map(|l| {
            let mut row: Vec<&str> = l.split('\t').collect();
            row[59] = "DATEADDED";
            row.join("\t") + "\n"
        })
        .collect();
    golden("export-prk-rus.gdelt.tsv", &gdelt);
    golden(
        "export-kor-prk.icews.tsv",
        &export(db, &["--format", "icews", "--dyad", "KOR-PRK"]),
    );
    golden(
        "export-prk-rus.plover.jsonl",
        &export(
            db,
            &[
                "--format",
                "plover",
                "--dyad",
                "PRK-RUS",
                "--from",
                "2024-06-01",
                "--to",
                "2024-06-30",
            ],
        ),
    );
}

#[test]
fn blocs_put_north_korea_with_russia() {
    let (_, db) = monitored_examples();
    let out = run(redline().args(["blocs", "--db"]).arg(db));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    golden(
        "blocs-examples.txt",
        &String::from_utf8(out.stdout).unwrap(),
    );
    let out = run(redline()
        .args(["blocs", "--format", "json", "--db"])
        .arg(db));
    let periods: Value = serde_json::from_slice(&out.stdout).unwrap();
    let periods = periods.as_array().unwrap();
    let with_russia = periods
        .iter()
        .filter(|p| {
            p["countries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["country"] == "PRK" && c["bloc"] == "RUS")
        })
        .count();
    assert!(
        with_russia * 4 >= periods.len() * 3,
        "{with_russia} of {}",
        periods.len()
    );
}

#[test]
fn a_feed_is_ingested_and_watch_adds_only_what_is_new() {
    let dir = temp_dir("watch");
    let feeds = dir.join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    std::fs::write(
        feeds.join("wire.rss"),
        r#"<rss version="2.0"><channel><title>Wire</title>
<item><title>Treaty</title><guid>w1</guid><link>https://wire.example/1</link><pubDate>Fri, 21 Jun 2024 08:00:00 GMT</pubDate>
<description>Russia and North Korea signed a defence treaty on Wednesday.</description></item>
<item><title>Balloons</title><guid>w2</guid><link>https://wire.example/2</link><pubDate>Sat, 29 Jun 2024 08:00:00 GMT</pubDate>
<description>South Korea condemned North Korea on Friday over the balloons.</description></item>
</channel></rss>"#,
    )
    .unwrap();
    let db = dir.join("w.db");
    let out = run(redline()
        .arg("watch")
        .arg(&feeds)
        .args(["--interval", "0", "--rounds", "2", "--db"])
        .arg(&db));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The first poll stores both items; the second finds nothing new and prints nothing.
    assert_eq!(stdout.matches("ingested").count(), 1, "{stdout}");
    assert!(stdout.contains("2 new"), "{stdout}");
    assert!(stdout.contains("military-cooperation"), "{stdout}");
    let store = redline_store::Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().documents, 2);
    let events = redline_store::export::events(&store, &Default::default()).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.url.as_deref() == Some("https://wire.example/1"))
    );
}

/// A feed server on 127.0.0.1 port 0 for the URL tests: `/wire.rss` is an RSS feed with an ETag
/// (answering `304` when the request carries it), `/gone.rss` is a 404, `/page.html` is not a
/// feed, `/titles.rss` has items with titles only, linking to `/article.html` (an article page)
/// and `/missing.html` (a 404). Returns the base URL and the request heads it saw.
fn feed_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Treaty</title><guid>u1</guid><link>https://wire.example/u1</link><pubDate>Fri, 21 Jun 2024 08:00:00 GMT</pubDate>
<description>Russia and North Korea signed a defence treaty on Wednesday.</description></item>
<item><title>Balloons</title><guid>u2</guid><link>https://wire.example/u2</link><pubDate>Sat, 29 Jun 2024 08:00:00 GMT</pubDate>
<description>South Korea condemned North Korea on Friday over the balloons.</description></item>
</channel></rss>"#;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let titles = format!(
        r#"<rss version="2.0"><channel><title>Titles</title>
<item><title>Treaty signed</title><guid>t1</guid><link>{base}/article.html</link><pubDate>Fri, 21 Jun 2024 08:00:00 GMT</pubDate></item>
<item><title>Balloons again</title><guid>t2</guid><link>{base}/missing.html</link><pubDate>Sat, 29 Jun 2024 08:00:00 GMT</pubDate></item>
</channel></rss>"#
    );
    let article = r#"<html><head><title>Treaty signed</title></head><body><nav>Home | World</nav>
<article><h1>Treaty signed</h1><p>Russia and North Korea signed a defence treaty on Wednesday in Pyongyang, officials said after the ceremony ended late in the evening.</p>
<p>The two governments agreed to meet again next month to continue the discussions on trade and security along the border.</p></article><footer>Copyright</footer></body></html>"#;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let answer = if head.starts_with("GET /wire.rss ") {
                if head
                    .to_ascii_lowercase()
                    .contains("if-none-match: \"wire-7\"")
                {
                    "HTTP/1.1 304 Not Modified\r\nETag: \"wire-7\"\r\nConnection: close\r\n\r\n"
                        .to_string()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: \"wire-7\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{feed}",
                        feed.len()
                    )
                }
            } else if head.starts_with("GET /titles.rss ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{titles}",
                    titles.len()
                )
            } else if head.starts_with("GET /article.html ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{article}",
                    article.len()
                )
            } else if head.starts_with("GET /page.html ") {
                let page = "<html><body><p>Not a feed.</p></body></html>";
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            log.lock().unwrap().push(head);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (base, seen)
}

/// The environment without proxy settings, so that requests to 127.0.0.1 stay on loopback.
fn without_proxies(cmd: &mut Command) -> &mut Command {
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn feed_urls_are_fetched_and_a_failing_url_is_reported_and_skipped() {
    let (base, seen) = feed_server();
    let dir = temp_dir("feed-urls");
    let db = dir.join("u.db");
    let gone = format!("{base}/gone.rss");
    let page = format!("{base}/page.html");
    let out = run(without_proxies(redline().arg("ingest"))
        .arg(&gone)
        .arg(format!("{base}/wire.rss"))
        .arg(&page)
        .arg("--db")
        .arg(&db));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Something was skipped: exit status 1, and each failure names its URL.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{gone}: cannot fetch: HTTP 404 Not Found")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{page}: not an RSS or Atom feed")),
        "{stderr}"
    );
    assert!(stderr.contains("2 new"), "{stderr}");
    let store = redline_store::Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().documents, 2);
    let events = redline_store::export::events(&store, &Default::default()).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.url.as_deref() == Some("https://wire.example/u1"))
    );
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .all(|h| h.to_ascii_lowercase().contains("user-agent: redline/")),
        "{seen:?}"
    );
}

#[test]
fn watch_asks_for_a_feed_url_only_if_it_changed() {
    let (base, seen) = feed_server();
    let dir = temp_dir("watch-url");
    let db = dir.join("w.db");
    let out = run(without_proxies(redline().arg("watch"))
        .arg(format!("{base}/wire.rss"))
        .args(["--interval", "0", "--rounds", "3", "--db"])
        .arg(&db));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("ingested").count(), 1, "{stdout}");
    assert!(stdout.contains("2 new"), "{stdout}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    // The first poll downloads the feed; the next two send its ETag back and get 304.
    assert!(!seen[0].to_ascii_lowercase().contains("if-none-match"));
    for head in &seen[1..] {
        assert!(
            head.to_ascii_lowercase()
                .contains("if-none-match: \"wire-7\""),
            "{head}"
        );
    }
}

#[test]
fn a_feed_url_item_without_text_gets_its_linked_page() {
    let (base, seen) = feed_server();
    let out = run(without_proxies(redline().arg("code"))
        .arg(format!("{base}/titles.rss"))
        .args(["--format", "jsonl"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The article's treaty is coded under the item's id.
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["doc_id"] == "t1" && e["cameo"].as_str().is_some_and(|c| c.starts_with('0'))),
        "{stdout}"
    );
    // The page that is missing leaves its item with its title, and says so.
    assert!(
        stderr.contains(&format!(
            "redline: warning: {base}/missing.html: cannot fetch: HTTP 404 Not Found: the feed item t2 keeps its title only"
        )),
        "{stderr}"
    );
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|h| h.starts_with("GET /article.html ")),
        "{seen:?}"
    );
}

/// `--beam` sets how many states the parser keeps, whatever the model was trained with; the
/// width used is in the scores, and 0 is refused.
#[test]
fn syntax_eval_takes_the_beam_width_to_search_with() {
    let tiny = repo().join("crates/redline/tests/golden/syntax_tiny.conllu");
    let beam_of = |args: &[&str]| -> u64 {
        let out = run(redline().args(["syntax", "eval"]).args(args).arg(&tiny));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let scores: Value = serde_json::from_slice(&out.stdout).unwrap();
        scores["beam"].as_u64().unwrap()
    };
    assert_eq!(beam_of(&[]), 1);
    assert_eq!(beam_of(&["--accurate"]), 16);
    assert_eq!(beam_of(&["--accurate", "--beam", "4"]), 4);
    assert_eq!(beam_of(&["--raw", "--beam", "2"]), 2);
    let out = run(redline().args(["syntax", "eval", "--beam", "0"]).arg(&tiny));
    assert_eq!(out.status.code(), Some(2));
}

/// `bench --docs` codes a given corpus, repeated up to `--sentences`, and reports the rate with
/// the parser too; a bad document stops it with the file and line.
#[test]
fn bench_codes_a_given_corpus() {
    let dir = temp_dir("bench-docs");
    let docs = dir.join("news.jsonl");
    std::fs::write(
        &docs,
        "{\"id\": \"a\", \"text\": \"Freedonia attacked Sylvania. Kim met Putin in Pyongyang.\"}\n\
         {\"id\": \"b\", \"text\": \"Russia and China signed an agreement.\"}\n",
    )
    .unwrap();
    let out = run(redline()
        .args(["bench", "--json", "--syntax", "--sentences", "30", "--docs"])
        .arg(&docs));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["distinct_input_sentences"], 3);
    assert!(report["sentences"].as_u64().unwrap() >= 30, "{report}");
    assert!(report["events"].as_u64().unwrap() >= 20, "{report}");
    assert!(report["sentences_per_second_with_syntax"].as_f64().unwrap() > 0.0);
    std::fs::write(
        &docs,
        "{\"id\": \"a\", \"text\": \"Kim met Putin.\"}\nnot json\n",
    )
    .unwrap();
    let out = run(redline().args(["bench", "--docs"]).arg(&docs));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("news.jsonl:2"), "{stderr}");
}

#[test]
fn ingest_with_syntax_takes_sources_from_the_parse() {
    let dir = temp_dir("ingest-syntax");
    let via_parse = |syntax: bool| {
        let db = dir.join(format!("news-{syntax}.db"));
        let mut cmd = redline();
        cmd.current_dir(repo())
            .args(["ingest", "examples/news", "--db"])
            .arg(&db);
        if syntax {
            cmd.arg("--syntax");
        }
        let out = run(&mut cmd);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let export = run(redline()
            .args(["export", "--format", "jsonl", "--db"])
            .arg(&db));
        assert!(export.status.success());
        let text = String::from_utf8(export.stdout).unwrap();
        assert!(text.lines().count() > 100, "{text}");
        text.matches("\"source_via\":\"parse\"").count()
    };
    assert_eq!(via_parse(false), 0);
    assert!(via_parse(true) > 100);
}
