//! Reading documents from files, folders, feed URLs and standard input.
//!
//! Every source yields documents one at a time, or an error naming the file (or URL) and line at
//! fault, so that one bad document is reported and skipped while the batch goes on.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use redline::Doc;
use serde::Deserialize;

use crate::fetch::{self, Fetched, Fetcher};

/// A document that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// `file` or `file:line`.
    pub origin: String,
    /// Lowercase, naming the field or problem.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// One JSON Lines document, as the eval kit and users write it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDoc {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// Parses a `YYYY-MM-DD` date, or the date part of an RFC 3339 timestamp.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// Every file under `paths` that `redline code` reads (`.txt`, `.jsonl`, `.html`, and RSS or
/// Atom feeds as `.rss`, `.atom`, `.xml`), in a stable order; `-` and feed URLs stay as they are.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, InputError>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || path.to_str().is_some_and(fetch::is_url) || path.is_file() {
            out.push(Ok(path.clone()));
        } else if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found, &mut out);
            found.sort();
            out.extend(found.into_iter().map(Ok));
        } else {
            out.push(Err(InputError {
                origin: path.display().to_string(),
                message: "no such file or directory".into(),
            }));
        }
    }
    out
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<Result<PathBuf, InputError>>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Err(InputError {
                origin: dir.display().to_string(),
                message: format!("cannot read directory: {e}"),
            }));
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, found, errors);
        } else if matches!(
            extension(&p).as_str(),
            "txt" | "jsonl" | "html" | "htm" | "rss" | "atom" | "xml"
        ) {
            found.push(p);
        }
    }
}

fn extension(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Reads the documents of one path (a file, a feed URL fetched with `fetcher`, or `-`), calling
/// `each` for every document or error.
pub fn read_path(path: &Path, fetcher: &Fetcher, each: &mut dyn FnMut(Result<Doc, InputError>)) {
    let origin = path.display().to_string();
    if path.as_os_str() == "-" {
        read_jsonl("<stdin>", BufReader::new(std::io::stdin().lock()), each);
        return;
    }
    if fetch::is_url(&origin) {
        read_url(&origin, fetcher, each);
        return;
    }
    let ext = extension(path);
    if ext == "jsonl" || ext == "json" {
        match fs::File::open(path) {
            Ok(f) => read_jsonl(&origin, BufReader::new(f), each),
            Err(e) => each(Err(InputError {
                origin,
                message: format!("cannot open: {e}"),
            })),
        }
        return;
    }
    let mut bytes = Vec::new();
    if let Err(e) = fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)) {
        each(Err(InputError {
            origin,
            message: format!("cannot read: {e}"),
        }));
        return;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            each(Err(InputError {
                origin,
                message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            }));
            return;
        }
    };
    if matches!(ext.as_str(), "rss" | "atom" | "xml") || crate::feed::is_feed(&text) {
        match crate::feed::read_feed(&origin, &text) {
            Ok(docs) => docs.into_iter().for_each(|d| each(Ok(d))),
            Err(e) => each(Err(e)),
        }
    } else if ext == "html" || ext == "htm" {
        each(html_doc(&origin, &text));
    } else if text.trim().is_empty() {
        each(Err(InputError {
            origin,
            message: "empty document".into(),
        }));
    } else {
        each(Ok(Doc::from_article(origin, text)));
    }
}

/// Reads the feed at `url`: nothing when the server says it has not changed since `fetcher` last
/// read it, an error naming the URL when it cannot be fetched or is not a feed. An item without
/// a description or content gets the main text of its linked page, fetched with the same limits.
fn read_url(url: &str, fetcher: &Fetcher, each: &mut dyn FnMut(Result<Doc, InputError>)) {
    let text = match fetcher.get(url) {
        Ok(Fetched::Body(text)) => text,
        Ok(Fetched::NotModified) => return,
        Err(e) => return each(Err(e)),
    };
    if !crate::feed::is_feed(&text) {
        return each(Err(InputError {
            origin: url.to_string(),
            message: "not an RSS or Atom feed".into(),
        }));
    }
    match crate::feed::read_feed_items(url, &text) {
        Ok(items) => {
            for item in items {
                let doc = if item.has_body {
                    item.doc
                } else {
                    with_linked_page(item.doc, fetcher)
                };
                each(Ok(doc));
            }
        }
        Err(e) => each(Err(e)),
    }
}

/// A feed item with only a title, given the main text of the page it links to. A page that
/// cannot be fetched or read leaves the item as it was, with a warning naming the page: one
/// missing page does not cost the rest of its feed.
fn with_linked_page(doc: Doc, fetcher: &Fetcher) -> Doc {
    let Some(link) = doc.url.clone().filter(|u| fetch::is_url(u)) else {
        return doc;
    };
    let page = fetcher
        .get_unconditional(&link)
        .and_then(|html| html_doc(&link, &html));
    match page {
        Ok(page) => {
            let text = match &doc.title {
                Some(t) if !page.text.starts_with(t.as_str()) => format!("{t}.\n\n{}", page.text),
                _ => page.text,
            };
            let mut linked = Doc::new(doc.id, text)
                .with_published(doc.published.or(page.published))
                .with_title(doc.title);
            linked.url = Some(link);
            linked
        }
        Err(e) => {
            eprintln!(
                "redline: warning: {e}: the feed item {} keeps its title only",
                doc.id
            );
            doc
        }
    }
}

/// Reads JSON Lines documents; a bad line is an error naming its line, and reading goes on.
pub fn read_jsonl(
    origin: &str,
    reader: impl BufRead,
    each: &mut dyn FnMut(Result<Doc, InputError>),
) {
    for (number, line) in reader.lines().enumerate() {
        let at = format!("{origin}:{}", number + 1);
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                each(Err(InputError {
                    origin: at,
                    message: format!("cannot read line: {e}"),
                }));
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        each(parse_json_doc(&line).map_err(|message| InputError {
            origin: at,
            message,
        }));
    }
}

fn parse_json_doc(line: &str) -> Result<Doc, String> {
    let raw: JsonDoc = serde_json::from_str(line).map_err(|e| format!("not a document: {e}"))?;
    let id = match raw.id {
        serde_json::Value::String(s) if !s.is_empty() => s,
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err("field 'id' must be a non-empty string or a number".into()),
    };
    let published = match raw.published.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(
            parse_day(p)
                .ok_or_else(|| format!("field 'published' is not a YYYY-MM-DD date: '{p}'"))?,
        ),
    };
    let mut doc = Doc::new(id, raw.text)
        .with_published(published)
        .with_title(raw.title);
    doc.url = raw.url.or(raw.source);
    Ok(doc)
}

/// The main text and publication date of an HTML page.
pub fn html_doc(origin: &str, html: &str) -> Result<Doc, InputError> {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let mut reader =
        dom_smoothie::Readability::new(html, None, Some(config)).map_err(|e| InputError {
            origin: origin.to_string(),
            message: format!("cannot parse HTML: {e}"),
        })?;
    let article = reader.parse().map_err(|e| InputError {
        origin: origin.to_string(),
        message: format!("no article text found: {e}"),
    })?;
    let text = article.text_content.to_string();
    if text.trim().is_empty() {
        return Err(InputError {
            origin: origin.to_string(),
            message: "no article text found".into(),
        });
    }
    let published = article
        .published_time
        .as_deref()
        .and_then(parse_day)
        .or_else(|| html_date(html));
    let title = (!article.title.trim().is_empty()).then(|| article.title.trim().to_string());
    Ok(Doc::new(origin, text)
        .with_published(published)
        .with_title(title))
}

/// A publication date from `<time datetime>`, JSON-LD `datePublished` or a meta tag, for pages
/// whose metadata the extractor does not read.
fn html_date(html: &str) -> Option<NaiveDate> {
    for key in [
        "\"datePublished\"",
        "article:published_time",
        "datetime=",
        "\"pubdate\"",
        "name=\"date\"",
    ] {
        let mut rest = html;
        while let Some(at) = rest.find(key) {
            let after = &rest[at + key.len()..];
            let window = &after[..after.len().min(120)];
            if let Some(d) = (0..window.len().saturating_sub(9))
                .filter(|&i| window.is_char_boundary(i) && window.is_char_boundary(i + 10))
                .find_map(|i| parse_day(&window[i..i + 10]))
            {
                return Some(d);
            }
            rest = after;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_errors_name_the_line_and_reading_goes_on() {
        let input = "{\"id\": \"a\", \"text\": \"One.\"}\nnot json\n\n{\"id\": \"c\", \"text\": \"Two.\", \"published\": \"2024-13-01\"}\n{\"id\": 7, \"text\": \"Three.\", \"published\": \"2024-06-21\"}\n";
        let mut got = Vec::new();
        read_jsonl("in.jsonl", input.as_bytes(), &mut |r| {
            got.push(r.map(|d| d.id).map_err(|e| e.origin))
        });
        assert_eq!(
            got,
            [
                Ok("a".to_string()),
                Err("in.jsonl:2".to_string()),
                Err("in.jsonl:4".to_string()),
                Ok("7".to_string())
            ]
        );
    }

    #[test]
    fn html_gives_main_text_and_date() {
        let html = r#"<html><head><title>Talks</title><meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>
<body><nav>Home | World</nav><article><h1>Talks</h1><p>Freedonia and Sylvania held talks on Monday about the border, officials said after the meeting ended late in the evening.</p>
<p>The two sides agreed to meet again next month to continue the discussions on trade and security.</p></article><footer>Copyright</footer></body></html>"#;
        let doc = html_doc("page.html", html).unwrap();
        assert!(
            doc.text.contains("Freedonia and Sylvania held talks"),
            "{}",
            doc.text
        );
        assert!(!doc.text.contains("Copyright"));
        assert_eq!(doc.published, NaiveDate::from_ymd_opt(2024, 3, 5));
    }

    #[test]
    fn html_date_fallbacks() {
        assert_eq!(
            html_date(r#"<time datetime="2023-11-02T08:00">"#),
            NaiveDate::from_ymd_opt(2023, 11, 2)
        );
        assert_eq!(
            html_date(r#"{"datePublished": "2022-01-09"}"#),
            NaiveDate::from_ymd_opt(2022, 1, 9)
        );
        assert_eq!(html_date("<p>nothing</p>"), None);
    }
}
