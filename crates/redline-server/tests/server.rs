//! The server's integration tests: real servers on 127.0.0.1 port 0 over a store of the example
//! corpus (`examples/news`), spoken to with hand-written HTTP/1.1 over `TcpStream`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use redline::{Coder, Config, Dictionaries, Doc};
use redline_server::{AppState, ServerConfig};
use redline_store::{IngestDoc, Store};
use serde_json::{Value, json};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A store of the example news, built once per test run; each server gets its own copy.
fn example_store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("redline-server-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("news.db");
        let coder = Coder::new(Arc::new(Dictionaries::embedded().0), Config::default());
        let mut files: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("examples/news"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        let docs: Vec<IngestDoc> = files
            .iter()
            .map(|f| {
                let id = f.file_name().unwrap().to_string_lossy().to_string();
                let text = std::fs::read_to_string(f).unwrap();
                let publisher = text.lines().next().unwrap_or("").trim().to_string();
                IngestDoc::code(&coder, Doc::from_article(id, text), &publisher)
            })
            .collect();
        let mut store = Store::open(&path).unwrap();
        store.write_batch(&docs).unwrap();
        path
    })
}

/// Starts a server over a copy of the example store; returns its address.
fn start(name: &str, token: Option<&str>, body_limit: usize) -> SocketAddr {
    start_with(name, token, body_limit, None)
}

/// [`start`], the coder taking sources from `syntax` if given.
fn start_with(
    name: &str,
    token: Option<&str>,
    body_limit: usize,
    syntax: Option<Arc<redline::syntax::SyntaxModel>>,
) -> SocketAddr {
    let db = example_store().with_file_name(format!("{name}.db"));
    std::fs::copy(example_store(), &db).unwrap();
    let config = ServerConfig {
        db,
        bind: "127.0.0.1:0".parse().unwrap(),
        token: token.map(str::to_string),
        body_limit,
        syntax,
    };
    let state = Arc::new(AppState::new(&config).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            redline_server::serve(listener, redline_server::router(state))
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

/// The shared read-only server.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| start("read-only", None, redline_server::DEFAULT_BODY_LIMIT))
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = std::str::from_utf8(&rest[..eol]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 2 + size + 2..];
    }
}

/// One HTTP/1.1 request, written by hand.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    // The server may answer (413) and close before reading everything: that is not a failure.
    let _ = stream.write_all(&raw);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(&response)));
    let headers = String::from_utf8_lossy(&response[..split]).to_string();
    let status = headers[9..12].parse().unwrap();
    let mut body = response[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

fn get(path: &str) -> Reply {
    request(server(), "GET", path, &[], b"")
}

fn get_json(path: &str) -> Value {
    let r = get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
}

/// Every event of a query, following the cursors.
fn all_events(query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/events?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(&path);
        let events = page["events"].as_array().unwrap();
        assert!(events.len() <= limit);
        out.extend(events.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(events.len(), limit, "a page before the last is full");
                cursor = Some(c.to_string());
            }
            None => return out,
        }
    }
}

fn country(code: &Value) -> String {
    code.as_str().unwrap_or("").chars().take(3).collect()
}

#[test]
fn pagination_visits_every_event_once_newest_first() {
    let paged = all_events("", 7);
    let whole = all_events("", 500);
    assert!(
        whole.len() > 50,
        "the example corpus has many events: {}",
        whole.len()
    );
    let ids = |v: &[Value]| {
        v.iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&paged), ids(&whole));
    let mut unique = ids(&paged);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), paged.len(), "no event twice");
    let dates: Vec<&str> = whole.iter().filter_map(|e| e["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[test]
fn filters_narrow_the_events() {
    let prk_rus = all_events("&dyad=PRK-RUS", 100);
    assert!(!prk_rus.is_empty());
    for e in &prk_rus {
        let mut pair = [country(&e["source"]), country(&e["target"])];
        pair.sort();
        assert_eq!(pair, ["PRK".to_string(), "RUS".to_string()], "{e}");
    }
    let rus_prk = all_events("&dyad=rus-prk", 100);
    assert_eq!(
        rus_prk.len(),
        prk_rus.len(),
        "a dyad is either order, any case"
    );

    for e in all_events("&cameo=04", 100) {
        assert!(e["cameo"].as_str().unwrap().starts_with("04"), "{e}");
    }
    let conflict = all_events("&quad_class=4", 100);
    assert!(!conflict.is_empty());
    assert!(conflict.iter().all(|e| e["quad_class"] == 4));
    for e in all_events("&modality=hypothetical", 100) {
        assert_eq!(e["modality"], "hypothetical");
    }
    for e in all_events("&country=KOR", 100) {
        assert!(
            country(&e["source"]) == "KOR" || country(&e["target"]) == "KOR",
            "{e}"
        );
    }
    for e in all_events("&actor=RUSGOV", 100) {
        let s = e["source"].as_str().unwrap_or("");
        let t = e["target"].as_str().unwrap_or("");
        assert!(s.starts_with("RUSGOV") || t.starts_with("RUSGOV"), "{e}");
    }
    let treaty = all_events("&q=Treaty", 100);
    assert!(!treaty.is_empty());
    for e in &treaty {
        assert!(
            e["sentence"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("treaty")
        );
    }
    let june = all_events("&from=2024-06-01&to=2024-06-30", 100);
    assert!(!june.is_empty());
    for e in &june {
        let d = e["date"].as_str().unwrap();
        assert!(("2024-06-01"..="2024-06-30").contains(&d), "{d}");
    }
    // Empty form fields do not filter.
    assert_eq!(
        all_events("&dyad=&q=", 500).len(),
        all_events("", 500).len()
    );
}

#[test]
fn an_event_has_its_reports_spans_and_page() {
    let events = all_events("&dyad=PRK-RUS&modality=asserted", 100);
    let event = &events[0];
    let id = event["id"].as_i64().unwrap();
    let detail = get_json(&format!("/api/events/{id}"));
    assert_eq!(detail["event"]["id"], id);
    let mentions = detail["mentions"].as_array().unwrap();
    assert_eq!(mentions.len() as i64, event["mentions"].as_i64().unwrap());
    let m = &mentions[0];
    let sentence = m["sentence"]["text"].as_str().unwrap();
    let start = m["verb"]["span"]["start"].as_u64().unwrap() as usize;
    let end = m["verb"]["span"]["end"].as_u64().unwrap() as usize;
    assert!(!sentence[start..end].is_empty());
    assert!(m["provenance"]["pattern"].is_string(), "{m}");

    let page = get(&format!("/events/{id}"));
    assert_eq!(page.status, 200);
    assert!(
        page.headers
            .to_ascii_lowercase()
            .contains("content-type: text/html")
    );
    for needle in [
        "<mark class=\"src\"",
        "<mark class=\"verb\"",
        "Dictionary entries that fired",
        "Modality",
        "<dd class=\"location\">",
    ] {
        assert!(page.body.contains(needle), "{needle} in {}", page.body);
    }
    assert_eq!(get("/events/999999999").status, 404);
    assert_eq!(get("/events/abc").status, 400);

    let doc_id = event["doc_id"].as_str().unwrap();
    let doc = get_json(&format!("/api/documents/{doc_id}"));
    assert_eq!(doc["id"], doc_id);
    assert!(!doc["sentences"].as_array().unwrap().is_empty());
    assert!(!doc["mentions"].as_array().unwrap().is_empty());
    let r = get("/api/documents/no-such-document");
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (404, "not_found".into())
    );
}

#[test]
fn series_report_alerts_and_graph() {
    let s = get_json("/api/dyads/PRK-RUS/series?by=month");
    assert_eq!(s["dyad"], "PRK-RUS");
    assert!(s["totals"]["events"].as_i64().unwrap() > 0);
    let periods = s["periods"].as_array().unwrap();
    assert!(periods.len() >= 2);
    assert!(
        periods
            .iter()
            .all(|p| p["period"].as_str().unwrap().len() == 7)
    );
    let window = get_json("/api/dyads/PRK-RUS/series?by=week&from=2024-06-01&to=2024-06-30");
    assert!(window["periods"].as_array().unwrap().len() <= 6);

    let report = get_json("/api/report?by=month&top=5");
    assert!(report["dyads"].as_array().unwrap().len() <= 5);

    let alerts = get_json("/api/alerts")["alerts"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!alerts.is_empty());
    let ends: Vec<&str> = alerts.iter().map(|a| a["to"].as_str().unwrap()).collect();
    assert!(ends.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(
        alerts
            .iter()
            .all(|a| !a["events"].as_array().unwrap().is_empty())
    );

    let graph = get_json("/api/graph");
    let nodes: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(nodes.contains(&"PRK") && nodes.contains(&"RUS"));
    for e in graph["edges"].as_array().unwrap() {
        let b = e["balance"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&b));
        assert!(nodes.contains(&e["source"].as_str().unwrap()));
    }
}

#[test]
fn blocs_split_the_peninsula_between_the_poles() {
    let b = get_json("/api/blocs?from=2024-06-01&to=2024-06-30&poles=usa,CHN,RUS");
    assert_eq!(b["poles"], json!(["USA", "CHN", "RUS"]));
    let periods = b["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 1, "{b}");
    let june = &periods[0];
    assert_eq!(june["period"], "2024-06");
    let bloc = |c: &str| {
        june["countries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["country"] == c)
            .unwrap_or_else(|| panic!("{c} missing from {june}"))
            .clone()
    };
    let (prk, kor) = (bloc("PRK"), bloc("KOR"));
    assert_eq!(prk["bloc"], "RUS", "{prk}");
    assert_eq!(kor["bloc"], "USA", "{kor}");
    assert!(prk["alignment"]["RUS"].as_f64().unwrap() > 0.5);
    assert!(kor["alignment"]["RUS"].as_f64().unwrap() < 0.0);
    let split = june["split"].as_f64().unwrap();
    assert!(split > 0.5 && split <= 1.0, "{split}");
    let pairs: Vec<&str> = june["between_poles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dyad"].as_str().unwrap())
        .collect();
    assert_eq!(pairs, ["USA-CHN", "USA-RUS", "CHN-RUS"]);

    // The whole store by month: one period a month, the same figures for June.
    let all = get_json("/api/blocs?by=month");
    let months = all["periods"].as_array().unwrap();
    assert!(months.len() >= 6);
    let june_again = months.iter().find(|p| p["period"] == "2024-06").unwrap();
    assert_eq!(june_again["split"], june["split"]);
    // Fewer relationships count when each needs more events.
    let strict = get_json("/api/blocs?from=2024-06-01&to=2024-06-30&min_events=3");
    assert!(
        strict["periods"][0]["countries"].as_array().unwrap().len()
            <= june["countries"].as_array().unwrap().len()
    );
}

#[test]
fn malformed_parameters_are_400_naming_the_parameter() {
    for (path, parameter) in [
        ("/api/events?from=2024-13-01", "from"),
        ("/api/events?to=yesterday", "to"),
        ("/api/events?from=2024-06-02&to=2024-06-01", "to"),
        ("/api/events?limit=0", "limit"),
        ("/api/events?limit=100000", "limit"),
        ("/api/events?quad_class=9", "quad_class"),
        ("/api/events?dyad=PRK", "dyad"),
        ("/api/events?cameo=abc", "cameo"),
        ("/api/events?modality=likely", "modality"),
        ("/api/events?country=KOREA", "country"),
        ("/api/events?actor=R%27S", "actor"),
        ("/api/events?cursor=zzz", "cursor"),
        ("/api/events?form=2024-01-01", "form"),
        ("/api/events?limit=5&limit=6", "limit"),
        ("/api/events/abc", "id"),
        ("/api/dyads/PRKRUS/series", "dyad"),
        ("/api/dyads/PRK-RUS/series?by=year", "by"),
        ("/api/report?top=-1", "top"),
        ("/api/graph?from=2024-02-30", "from"),
        ("/api/alerts?to=2024-1-1x", "to"),
        ("/api/blocs?poles=USA,RU", "poles"),
        ("/api/blocs?poles=USA,usa", "poles"),
        ("/api/blocs?min_events=0", "min_events"),
        ("/api/blocs?by=decade", "by"),
    ] {
        let r = get(path);
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.headers
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{path}"
        );
        let body = r.json();
        assert_eq!(body["code"], "bad_parameter", "{path}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("'{parameter}'")),
            "{path}: {message}"
        );
    }
}

#[test]
fn static_routes_serve_only_the_embedded_files() {
    let index = get("/");
    assert_eq!(index.status, 200);
    assert!(index.body.contains("<script src=\"/assets/app.js\">"));
    assert_eq!(get("/assets/app.js").status, 200);
    assert_eq!(get("/assets/style.css").status, 200);
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/../../../../etc/passwd",
        "/assets/app.js/../../../etc/passwd",
        "/assets/",
        "/assets/index.html",
        "/src/lib.rs",
        "/%2e%2e/Cargo.toml",
    ] {
        let r = get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(
            !r.body.contains("[workspace]") && !r.body.contains("root:"),
            "{path}"
        );
    }
}

#[test]
fn writes_need_the_token() {
    let doc = br#"{"id":"post-1","text":"Russia and North Korea signed a defence treaty on Wednesday.","published":"2024-06-21"}"#;
    // A server without a token takes no writes at all.
    let r = request(
        server(),
        "POST",
        "/api/documents",
        &[("Authorization", "Bearer x")],
        doc,
    );
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, "writes_disabled".into())
    );

    let addr = start("writable", Some("s3cret"), 1024);
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("s3cret"),
        Some("Bearer s3cre"),
        Some("Bearer s3cret-"),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let r = request(addr, "POST", "/api/documents", &headers, doc);
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (401, "unauthorized".into()),
            "{auth:?}"
        );
    }
    let ok = [
        ("Authorization", "Bearer s3cret"),
        ("Content-Type", "application/x-ndjson"),
    ];
    let r = request(addr, "POST", "/api/documents", &ok, doc);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["added"], 1);
    let r = request(addr, "POST", "/api/documents", &ok, doc);
    assert_eq!(
        r.json()["unchanged"],
        1,
        "the same document again adds nothing"
    );
    let stored = request(addr, "GET", "/api/documents/post-1", &[], b"");
    assert_eq!(stored.status, 200);
    assert_eq!(stored.json()["mentions"].as_array().unwrap().len(), 2);
    // A JSON array works too.
    let array = br#"[{"id":"post-2","text":"Japan criticised China.","title":"t"}]"#;
    assert_eq!(
        request(addr, "POST", "/api/documents", &ok, array).status,
        200
    );

    // Bad bodies are 400 naming the line or field.
    let bad = b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}\n";
    let r = request(addr, "POST", "/api/documents", &ok, bad);
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (400, "bad_body".into())
    );
    assert!(
        r.json()["message"].as_str().unwrap().contains("line 2"),
        "{}",
        r.body
    );
    let r = request(
        addr,
        "POST",
        "/api/documents",
        &ok,
        br#"[{"id":"a","text":"x","colour":1}]"#,
    );
    assert!(
        r.json()["message"].as_str().unwrap().contains("colour"),
        "{}",
        r.body
    );
    let r = request(
        addr,
        "POST",
        "/api/documents",
        &ok,
        br#"{"id":"a","text":"x","published":"June"}"#,
    );
    assert!(
        r.json()["message"].as_str().unwrap().contains("published"),
        "{}",
        r.body
    );

    // Over the limit (1 KiB here): 413 with JSON.
    let big = format!(r#"{{"id":"big","text":"{}"}}"#, "word ".repeat(400));
    let r = request(addr, "POST", "/api/documents", &ok, big.as_bytes());
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["code"], "body_too_large");
}

#[test]
fn default_bind_is_loopback() {
    let config = ServerConfig::default();
    assert_eq!(config.bind, "127.0.0.1:8080".parse::<SocketAddr>().unwrap());
    assert!(config.bind.ip().is_loopback());
    assert!(config.token.is_none(), "read-only unless a token is given");
}

#[test]
fn openapi_documents_every_path_and_real_responses_carry_its_fields() {
    let spec = get_json("/api/openapi.json");
    assert_eq!(spec["openapi"], "3.1.0");
    let event = &all_events("&dyad=PRK-RUS", 5)[0];
    let (event_id, doc_id) = (
        event["id"].to_string(),
        event["doc_id"].as_str().unwrap().to_string(),
    );
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 10);
    for (template, ops) in paths {
        let path = template
            .replace(
                "{id}",
                if template.contains("documents") {
                    &doc_id
                } else {
                    &event_id
                },
            )
            .replace("{dyad}", "PRK-RUS");
        for (method, op) in ops.as_object().unwrap() {
            let r = request(server(), &method.to_uppercase(), &path, &[], b"[]");
            if method == "post" {
                // The read-only server refuses writes with a documented error.
                assert_eq!(r.status, 403);
                assert!(op["responses"]["403"].is_object());
                check_fields(
                    &r.json(),
                    &spec["components"]["responses"]["Error"]["content"]["application/json"]["schema"],
                    &path,
                );
                continue;
            }
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
            check_fields(&r.json(), schema, &path);
        }
    }
}

/// The object carries every `required` field of `schema`, recursively into documented
/// properties and the first item of documented arrays.
fn check_fields(value: &Value, schema: &Value, at: &str) {
    for field in schema["required"].as_array().into_iter().flatten() {
        let field = field.as_str().unwrap();
        assert!(value.get(field).is_some(), "{at}: no '{field}' in {value}");
    }
    for (name, sub) in schema["properties"].as_object().into_iter().flatten() {
        let Some(v) = value.get(name) else { continue };
        if sub["type"] == "array" {
            if let Some(first) = v.as_array().and_then(|a| a.first()) {
                check_fields(first, &sub["items"], &format!("{at}.{name}[0]"));
            }
        } else if sub["type"] == "object" {
            check_fields(v, sub, &format!("{at}.{name}"));
        }
    }
}

/// Runs headless chromium on `url`; with `screenshot` it saves a PNG of `size` there, else it
/// returns the DOM after the page's scripts ran (a virtual-time budget lets the fetches finish).
fn chromium(url: &str, screenshot: Option<(&Path, &str)>) -> String {
    let binary = std::env::var("REDLINE_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let profile =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{}", std::process::id()));
    let mut cmd = std::process::Command::new(binary);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    match screenshot {
        Some((path, size)) => {
            cmd.arg(format!("--screenshot={}", path.display()))
                .arg(format!("--window-size={size}"));
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("chromium runs (set REDLINE_CHROMIUM)");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The end-to-end browser test: headless chromium loads the dashboard from a server on the
/// example corpus, the timeline, graph and alerts render with data, the first alert's event link
/// leads to the event page with the sentence highlighted; screenshots (laptop and phone sizes)
/// go to `target/e2e/`. Runs only with `REDLINE_E2E=1` (`.ci/run` sets it after installing
/// Debian's chromium), so plain `cargo test` needs no browser.
#[test]
fn e2e_dashboard_in_chromium() {
    if std::env::var("REDLINE_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set REDLINE_E2E=1 (needs chromium)");
        return;
    }
    let addr = server();
    let shots = workspace_root().join("target/e2e");
    std::fs::create_dir_all(&shots).unwrap();

    let dom = chromium(&format!("http://{addr}/"), None);
    let between = |from: &str, to: &str| -> String {
        let start = dom
            .find(from)
            .unwrap_or_else(|| panic!("{from} in the dashboard: {dom}"));
        let end = dom[start..].find(to).map_or(dom.len(), |e| start + e);
        dom[start..end].to_string()
    };
    let timeline = between("id=\"timeline-svg\"", "</svg>");
    assert!(
        timeline.matches("class=\"bar coop\"").count() >= 2,
        "timeline bars: {timeline}"
    );
    assert!(
        timeline.contains("class=\"balance\""),
        "timeline balance line"
    );
    let graph = between("id=\"graph-svg\"", "</svg>");
    assert!(
        graph.contains("class=\"edge\"") && graph.contains(">PRK<") && graph.contains(">RUS<"),
        "graph: {graph}"
    );
    let table = between("id=\"events\"", "</table>");
    assert!(table.matches("<tr>").count() > 10, "event table rows");
    let blocs = between("id=\"blocs\"", "</table>");
    assert!(
        blocs.contains("RUS bloc") && blocs.contains(">2024-06<") && blocs.contains("PRK "),
        "blocs table: {blocs}"
    );

    // The alert list: newest first, each with links to its events; follow the first one.
    let alerts = between("id=\"alerts\"", "</ol>");
    let marker = "class=\"alert-event\"";
    let link_at = alerts.find(marker).expect("an alert links to an event");
    let tag_start = alerts[..link_at].rfind('<').unwrap();
    let tag = &alerts[tag_start..alerts[tag_start..].find('>').unwrap() + tag_start];
    let href = tag
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(href.starts_with("/events/"), "{href}");

    let page = chromium(&format!("http://{addr}{href}"), None);
    for needle in [
        "<mark class=\"src\"",
        "<mark class=\"verb\"",
        "<blockquote class=\"sentence\">",
        "Dictionary entries that fired",
    ] {
        assert!(page.contains(needle), "{needle} on {href}: {page}");
    }

    for (name, url, size) in [
        (
            "dashboard-laptop.png",
            format!("http://{addr}/"),
            "1280,2400",
        ),
        ("dashboard-phone.png", format!("http://{addr}/"), "390,2400"),
        (
            "event-laptop.png",
            format!("http://{addr}{href}"),
            "1280,1000",
        ),
        (
            "event-phone.png",
            format!("http://{addr}{href}"),
            "390,1200",
        ),
    ] {
        let path = shots.join(name);
        let _ = std::fs::remove_file(&path);
        chromium(&url, Some((&path, size)));
        let png = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}");
    }
}

#[test]
fn a_server_with_a_syntax_model_codes_posted_documents_with_the_parse() {
    let model = Arc::new(redline::syntax::SyntaxModel::embedded().unwrap());
    let doc = br#"{"id":"parsed-1","text":"The Japanese foreign minister met his South Korean counterpart in Seoul on Monday.","published":"2024-06-21"}"#;
    let ok = [("Authorization", "Bearer s3cret")];
    for (name, syntax) in [("shallow-post", None), ("parsed-post", Some(model))] {
        let parsed = syntax.is_some();
        let addr = start_with(name, Some("s3cret"), 1 << 20, syntax);
        let r = request(addr, "POST", "/api/documents", &ok, doc);
        assert_eq!(r.status, 200, "{}", r.body);
        let stored = request(addr, "GET", "/api/documents/parsed-1", &[], b"");
        assert_eq!(stored.status, 200);
        assert!(
            !stored.json()["mentions"].as_array().unwrap().is_empty(),
            "{}",
            stored.body
        );
        assert_eq!(
            stored.body.contains("\"source_via\":\"parse\""),
            parsed,
            "{}",
            stored.body
        );
    }
}
