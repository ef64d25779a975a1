//! Documents: the text as received, its metadata, and the part of it that is the article body.
//!
//! A `Doc` owns its text and never changes it. Plain-text articles copied from a news site start
//! with page furniture (site name, headline, byline, "Published : June 21, 2024 - 05:30",
//! "Link copied", bullets); [`Doc::from_article`] reads that as metadata and marks where the body
//! starts, so that only the body is coded while every offset still points into the whole text.

use chrono::NaiveDate;

use crate::dates::month;
use crate::text::Span;

/// One document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// The caller's identifier.
    pub id: String,
    /// The text, exactly as received.
    pub text: String,
    /// Publication date, against which relative dates resolve.
    pub published: Option<NaiveDate>,
    /// Headline, when known.
    pub title: Option<String>,
    /// Where the document came from, when known.
    pub url: Option<String>,
    /// The byline, when the furniture had one.
    pub byline: Option<String>,
    /// The part of `text` to code.
    pub body: Span,
}

impl Doc {
    /// A document whose whole text is the body.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Doc {
        let text = text.into();
        let body = Span::new(0, text.len());
        Doc {
            id: id.into(),
            text,
            published: None,
            title: None,
            url: None,
            byline: None,
            body,
        }
    }

    /// Sets the publication date.
    pub fn with_published(mut self, published: Option<NaiveDate>) -> Doc {
        self.published = published;
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: Option<String>) -> Doc {
        self.title = title;
        self
    }

    /// A plain-text article with leading page furniture: the furniture becomes metadata (title,
    /// byline, publication date) and the body starts at the first paragraph of running text.
    pub fn from_article(id: impl Into<String>, text: impl Into<String>) -> Doc {
        let mut doc = Doc::new(id, text);
        let mut offset = 0;
        let mut header_lines: Vec<&str> = Vec::new();
        let mut body_start = None;
        for line in doc.text.split_inclusive('\n') {
            let trimmed = line.trim();
            let start = offset;
            offset += line.len();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(date) = furniture_date(trimmed) {
                doc.published.get_or_insert(date);
                continue;
            }
            if is_furniture(trimmed) {
                if let Some(by) = trimmed.strip_prefix("By ") {
                    doc.byline.get_or_insert_with(|| by.trim().to_string());
                } else if !is_widget(trimmed) {
                    header_lines.push(trimmed);
                }
                continue;
            }
            body_start = Some(start + (line.len() - line.trim_start().len()));
            break;
        }
        match body_start {
            Some(start) => {
                doc.body = Span::new(start, doc.text.trim_end().len().max(start));
                // The site name comes first; the headline is the next line, else the only one.
                let title = if header_lines.len() >= 2 {
                    header_lines[1]
                } else {
                    header_lines.first().copied().unwrap_or("")
                };
                if !title.is_empty() {
                    doc.title = Some(title.to_string());
                }
            }
            None => doc.body = Span::new(0, doc.text.len()),
        }
        doc
    }
}

/// A header line: short, and not ending like a sentence.
fn is_furniture(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let ends_sentence = line.ends_with(['.', '!', '?', '"', '\u{201D}']);
    is_widget(line)
        || line.starts_with("By ") && words <= 8
        || (line.len() < 160 && !(ends_sentence && words >= 6))
}

/// Share buttons, bullets and similar page widgets.
fn is_widget(line: &str) -> bool {
    let lower = line.to_lowercase();
    let stripped = lower.trim_start_matches(['•', '·', '-', '*', ' ']).trim();
    stripped.is_empty()
        || matches!(
            stripped,
            "link copied"
                | "share"
                | "print"
                | "email"
                | "facebook"
                | "twitter"
                | "x"
                | "kakaotalk"
                | "copy link"
                | "listen"
                | "a a"
                | "advertisement"
        )
}

/// "Published : June 21, 2024 - 05:30", "Updated: 2024-06-21", "Posted June 21, 2024".
fn furniture_date(line: &str) -> Option<NaiveDate> {
    let lower = line.to_lowercase();
    let rest = ["published", "updated", "posted", "date"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))?;
    let rest = rest.trim_start_matches([' ', ':', '\t']).trim();
    if let Ok(d) = NaiveDate::parse_from_str(rest.get(..10)?, "%Y-%m-%d") {
        return Some(d);
    }
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let (m, d, y) = if let Some(m) = words.first().and_then(|w| month(w)) {
        (m, words.get(1)?.parse().ok()?, words.get(2)?.parse().ok()?)
    } else {
        (
            month(words.get(1)?)?,
            words.first()?.parse().ok()?,
            words.get(2)?.parse().ok()?,
        )
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_becomes_metadata_and_the_body_starts_at_running_text() {
        let text = "The Daily Planet\n\n\n[Opinion] Quiet borders\n\nA deck line about the borders\n\nBy Planet Staff\n\nPublished : March 3, 2024 - 07:15\n\n    • Link copied\n\nFreedonia and Sylvania signed a treaty on Monday, officials said.\n\nSecond paragraph.";
        let doc = Doc::from_article("d1", text);
        assert_eq!(doc.published, NaiveDate::from_ymd_opt(2024, 3, 3));
        assert_eq!(doc.title.as_deref(), Some("[Opinion] Quiet borders"));
        assert_eq!(doc.byline.as_deref(), Some("Planet Staff"));
        assert!(doc.text[doc.body.range()].starts_with("Freedonia and Sylvania signed"));
        assert!(doc.text[doc.body.range()].ends_with("Second paragraph."));
    }

    #[test]
    fn text_without_furniture_is_all_body() {
        let doc = Doc::from_article(
            "d2",
            "Freedonia and Sylvania signed a treaty on Monday, officials said.",
        );
        assert_eq!(doc.body, Span::new(0, doc.text.len()));
        assert_eq!(doc.title, None);
    }

    #[test]
    fn furniture_dates_in_several_styles() {
        assert_eq!(
            furniture_date("Updated: 2024-06-21 10:00"),
            NaiveDate::from_ymd_opt(2024, 6, 21)
        );
        assert_eq!(
            furniture_date("Posted 21 June 2024"),
            NaiveDate::from_ymd_opt(2024, 6, 21)
        );
        assert_eq!(
            furniture_date("Published : June 21, 2024 - 05:30"),
            NaiveDate::from_ymd_opt(2024, 6, 21)
        );
        assert_eq!(furniture_date("Publishers say"), None);
    }
}
