//! RSS 2.0 and Atom feed files: each item or entry becomes a document (its title and
//! description or content, HTML tags removed), identified by its guid, id or link, dated by its
//! `pubDate`, `published` or `updated`.
//!
//! A small tolerant reader rather than a feed crate: feed-rs costs 37 s of build and 63 crates
//! (../shared/notes/crates.md section 6) for the five fields used here. It reads elements by name,
//! CDATA sections and the XML entities; a feed it cannot read is an error naming the file, and
//! nothing from it is stored. Feeds come from files or, through [`crate::fetch`], from URLs; this
//! module only parses text.

use chrono::NaiveDate;
use redline::Doc;

use crate::input::{InputError, parse_day};

/// The text between `<name ...>` and `</name>` of every element called `name` in `xml`,
/// outermost first, not nested in each other.
fn elements<'a>(xml: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        // `<item>` but not `<itemized>`.
        if !after.starts_with(['>', ' ', '\t', '\n', '\r', '/']) {
            rest = after;
            continue;
        }
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let attributes = &after[..tag_end];
        if attributes.ends_with('/') {
            out.push((attributes, ""));
            rest = &after[tag_end + 1..];
            continue;
        }
        let body = &after[tag_end + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push((attributes, &body[..end]));
        rest = &body[end + close.len()..];
    }
    out
}

fn first<'a>(xml: &'a str, names: &[&str]) -> Option<(&'a str, &'a str)> {
    names
        .iter()
        .find_map(|n| elements(xml, n).into_iter().next())
}

/// Resolves CDATA sections and the XML entities.
fn text_of(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(at) = rest.find("<![CDATA[") {
        out.push_str(&decode_entities(&rest[..at]));
        let inner = &rest[at + 9..];
        let end = inner.find("]]>").unwrap_or(inner.len());
        out.push_str(&inner[..end]);
        rest = inner.get(end + 3..).unwrap_or("");
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes HTML tags from an item description, keeping paragraph breaks.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag.to_lowercase();
                if t.starts_with("p") || t.starts_with("/p") || t.starts_with("br") {
                    out.push_str("\n\n");
                }
            }
            (true, _) => tag.push(c),
            (false, _) => out.push(c),
        }
    }
    decode_entities(&out)
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn date_of(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    chrono::DateTime::parse_from_rfc2822(s)
        .map(|d| d.date_naive())
        .ok()
        .or_else(|| parse_day(s))
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let at = attributes.find(&format!("{name}="))?;
    let rest = &attributes[at + name.len() + 1..];
    let quote = rest.chars().next()?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// Whether a file's text looks like a feed.
pub fn is_feed(text: &str) -> bool {
    let head = &text[..text.len().min(2000)];
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:RDF")
}

/// One item or entry of a feed.
pub struct FeedItem {
    /// The document: the title, then the description or content.
    pub doc: Doc,
    /// Whether the item had a description or content; without one the document is its title
    /// only (and its linked page is worth fetching).
    pub has_body: bool,
}

/// The documents of a feed file; an error if it is not a readable feed.
pub fn read_feed(origin: &str, xml: &str) -> Result<Vec<Doc>, InputError> {
    Ok(read_feed_items(origin, xml)?
        .into_iter()
        .map(|item| item.doc)
        .collect())
}

/// The items of a feed file; an error if it is not a readable feed.
pub fn read_feed_items(origin: &str, xml: &str) -> Result<Vec<FeedItem>, InputError> {
    let fail = |message: String| InputError {
        origin: origin.to_string(),
        message,
    };
    let atom = !xml.contains("<rss") && xml.contains("<feed");
    let items = elements(xml, if atom { "entry" } else { "item" });
    if items.is_empty() {
        return Err(fail("no feed items found".into()));
    }
    // A truncated feed: an opened item without its end.
    let opened = xml.matches(if atom { "<entry" } else { "<item" }).count();
    let closed = xml
        .matches(if atom { "</entry>" } else { "</item>" })
        .count();
    if opened != closed {
        return Err(fail(format!(
            "truncated feed: {opened} items opened, {closed} closed"
        )));
    }
    let mut feed_items = Vec::new();
    for (i, (_, item)) in items.iter().enumerate() {
        let title = first(item, &["title"]).map(|(_, t)| strip_tags(&text_of(t)));
        let body = first(
            item,
            &["content:encoded", "content", "description", "summary"],
        )
        .map(|(_, t)| strip_tags(&text_of(t)))
        .unwrap_or_default();
        let link = if atom {
            elements(item, "link")
                .into_iter()
                .find(|(a, _)| attribute(a, "rel").is_none_or(|r| r == "alternate"))
                .and_then(|(a, _)| attribute(a, "href").map(str::to_string))
        } else {
            first(item, &["link"]).map(|(_, t)| text_of(t).trim().to_string())
        };
        let id = first(item, &["guid", "id"])
            .map(|(_, t)| text_of(t).trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| link.clone())
            .unwrap_or_else(|| format!("{origin}#{}", i + 1));
        let published = first(item, &["pubDate", "published", "dc:date", "updated"])
            .and_then(|(_, t)| date_of(&text_of(t)));
        let has_body = !body.trim().is_empty();
        let text = match &title {
            Some(t) if !body.starts_with(t.as_str()) => format!("{t}.\n\n{body}"),
            _ => body,
        };
        if text.trim().is_empty() {
            return Err(fail(format!("item {} has no text", i + 1)));
        }
        let mut doc = Doc::new(id, text)
            .with_published(published)
            .with_title(title);
        doc.url = link;
        feed_items.push(FeedItem { doc, has_body });
    }
    Ok(feed_items)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Talks in Geneva</title><link>https://wire.example/1</link><guid>wire-1</guid>
<pubDate>Wed, 19 Jun 2024 10:00:00 +0900</pubDate>
<description><![CDATA[<p>Russia and North Korea signed a defence treaty on Wednesday.</p><p>Officials said so.</p>]]></description></item>
<item><title>Second &amp; last</title><link>https://wire.example/2</link>
<description>South Korea condemned North Korea&#39;s balloons.</description></item>
</channel></rss>"#;

    #[test]
    fn rss_items_become_documents() {
        let docs = read_feed("f.rss", RSS).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "wire-1");
        assert_eq!(docs[0].published, NaiveDate::from_ymd_opt(2024, 6, 19));
        assert_eq!(
            docs[0].text,
            "Talks in Geneva.\n\nRussia and North Korea signed a defence treaty on Wednesday.\n\nOfficials said so."
        );
        assert_eq!(docs[1].id, "https://wire.example/2");
        assert!(
            docs[1]
                .text
                .starts_with("Second & last.\n\nSouth Korea condemned North Korea's")
        );
    }

    #[test]
    fn atom_entries_become_documents() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>W</title>
<entry><id>tag:w,2024:1</id><title>Drills</title><link rel="alternate" href="https://w.example/a"/>
<published>2024-03-04T09:00:00Z</published><summary>South Korea and the United States began drills on Monday.</summary></entry></feed>"#;
        let docs = read_feed("f.atom", atom).unwrap();
        assert_eq!(docs[0].id, "tag:w,2024:1");
        assert_eq!(docs[0].url.as_deref(), Some("https://w.example/a"));
        assert_eq!(docs[0].published, NaiveDate::from_ymd_opt(2024, 3, 4));
    }

    #[test]
    fn a_truncated_feed_is_an_error() {
        let cut = &RSS[..RSS.find("Second").unwrap()];
        let e = read_feed("f.rss", cut).unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }
}
