//! Dates: finding date expressions in a sentence and resolving them against publication.
//!
//! News reports past events, so relative expressions resolve backwards: "on Wednesday" is the
//! latest Wednesday on or before the publication date, and "June 19" without a year is the latest
//! June 19 not more than a week after publication.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::text::{Span, Token};

/// How an event's date was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBasis {
    /// A full or partial calendar date in the sentence ("June 19", "2024-06-19").
    Explicit,
    /// A relative expression resolved against publication ("on Wednesday", "yesterday").
    Relative,
    /// No expression: the publication date.
    Published,
}

impl DateBasis {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            DateBasis::Explicit => "explicit",
            DateBasis::Relative => "relative",
            DateBasis::Published => "published",
        }
    }
}

/// A date expression found in a sentence, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    /// Where the expression is.
    pub span: Span,
    /// First token index within the sentence.
    pub first_token: usize,
    /// The resolved day.
    pub date: NaiveDate,
    /// Explicit or relative.
    pub basis: DateBasis,
}

fn weekday(norm: &str) -> Option<Weekday> {
    Some(match norm {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// Whether a normalised word names a day of the week.
pub fn is_day_word(norm: &str) -> bool {
    weekday(norm).is_some()
}

/// The month number of a month name or abbreviation (`june`, `jun.`, `sept.`).
pub fn month(norm: &str) -> Option<u32> {
    let word = norm.trim_end_matches('.');
    Some(match word {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

fn number_word(norm: &str) -> Option<i64> {
    Some(match norm {
        "one" | "a" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        _ => return norm.parse().ok().filter(|n| (1..=400).contains(n)),
    })
}

/// The latest `day` on or before `published`.
fn last_weekday(published: NaiveDate, day: Weekday) -> NaiveDate {
    let back = (published.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
    published - Duration::days(back as i64)
}

/// The latest month/day on or before a week after `published` (news may announce a date ahead).
fn month_day(published: NaiveDate, m: u32, d: u32) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(published.year(), m, d)?;
    if this_year <= published + Duration::days(7) {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(published.year() - 1, m, d)
    }
}

/// Finds the date expressions of one sentence. Without a publication date only absolute dates
/// with a year resolve.
pub fn find_dates(tokens: &[Token], published: Option<NaiveDate>) -> Vec<DateMention> {
    let mut out = Vec::new();
    let mut i = 0;
    let norm = |k: usize| tokens.get(k).map_or("", |t| t.norm.as_str());
    while i < tokens.len() {
        let t = norm(i);
        let mut found: Option<(usize, NaiveDate, DateBasis)> = None;
        // ISO dates: 2024-06-19.
        if t.len() == 10
            && t.as_bytes()[4] == b'-'
            && let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        {
            found = Some((i + 1, d, DateBasis::Explicit));
        }
        // Month Day[, Year] and Day Month [Year].
        if found.is_none()
            && let Some(m) = month(t)
            && tokens[i].capitalised
            && let Some(d) = norm(i + 1)
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=31).contains(d))
        {
            let mut end = i + 2;
            let mut year = None;
            let y_at = if norm(end) == "," { end + 1 } else { end };
            if let Ok(y) = norm(y_at).parse::<i32>()
                && (1900..=2100).contains(&y)
            {
                year = Some(y);
                end = y_at + 1;
            }
            let date = match (year, published) {
                (Some(y), _) => NaiveDate::from_ymd_opt(y, m, d),
                (None, Some(p)) => month_day(p, m, d),
                (None, None) => None,
            };
            if let Some(date) = date {
                found = Some((end, date, DateBasis::Explicit));
            }
        }
        if found.is_none()
            && let Ok(d) = t.parse::<u32>()
            && (1..=31).contains(&d)
            && let Some(m) = month(norm(i + 1))
            && tokens.get(i + 1).is_some_and(|x| x.capitalised)
        {
            let mut end = i + 2;
            let mut year = None;
            if let Ok(y) = norm(end).parse::<i32>()
                && (1900..=2100).contains(&y)
            {
                year = Some(y);
                end += 1;
            }
            let date = match (year, published) {
                (Some(y), _) => NaiveDate::from_ymd_opt(y, m, d),
                (None, Some(p)) => month_day(p, m, d),
                (None, None) => None,
            };
            if let Some(date) = date {
                found = Some((end, date, DateBasis::Explicit));
            }
        }
        if found.is_none()
            && let Some(p) = published
        {
            if let Some(day) = weekday(t) {
                // "last Wednesday" and "on Wednesday" both mean the latest one.
                found = Some((i + 1, last_weekday(p, day), DateBasis::Relative));
            } else if t == "yesterday" {
                found = Some((i + 1, p - Duration::days(1), DateBasis::Relative));
            } else if t == "today" || t == "tonight" {
                found = Some((i + 1, p, DateBasis::Relative));
            } else if t == "last" && norm(i + 1) == "night" {
                found = Some((i + 2, p - Duration::days(1), DateBasis::Relative));
            } else if t == "last" && norm(i + 1) == "week" {
                found = Some((i + 2, p - Duration::days(7), DateBasis::Relative));
            } else if let Some(n) = number_word(t)
                && matches!(norm(i + 1), "days" | "day")
                && norm(i + 2) == "ago"
            {
                found = Some((i + 3, p - Duration::days(n), DateBasis::Relative));
            } else if let Some(n) = number_word(t)
                && matches!(norm(i + 1), "weeks" | "week")
                && norm(i + 2) == "ago"
            {
                found = Some((i + 3, p - Duration::days(7 * n), DateBasis::Relative));
            }
        }
        match found {
            Some((end, date, basis)) => {
                out.push(DateMention {
                    span: tokens[i].span.cover(tokens[end - 1].span),
                    first_token: i,
                    date,
                    basis,
                });
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Lemmatizer, make_token, token_spans};

    fn resolve(text: &str, published: &str) -> Vec<(String, &'static str)> {
        let lem = Lemmatizer::default();
        let toks: Vec<Token> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        let p = NaiveDate::parse_from_str(published, "%Y-%m-%d").ok();
        find_dates(&toks, p)
            .into_iter()
            .map(|d| (d.date.to_string(), d.basis.as_str()))
            .collect()
    }

    #[test]
    fn weekdays_resolve_to_the_latest_on_or_before_publication() {
        // 2024-06-21 is a Friday.
        assert_eq!(
            resolve("signed on Wednesday", "2024-06-21"),
            [("2024-06-19".to_string(), "relative")]
        );
        assert_eq!(
            resolve("met on Friday", "2024-06-21"),
            [("2024-06-21".to_string(), "relative")]
        );
        assert_eq!(
            resolve("met last Saturday", "2024-06-21"),
            [("2024-06-15".to_string(), "relative")]
        );
    }

    #[test]
    fn relative_words_and_counts() {
        assert_eq!(
            resolve("yesterday", "2024-03-01"),
            [("2024-02-29".to_string(), "relative")]
        );
        assert_eq!(
            resolve("two days ago", "2024-03-01"),
            [("2024-02-28".to_string(), "relative")]
        );
        assert_eq!(
            resolve("last week", "2024-03-08"),
            [("2024-03-01".to_string(), "relative")]
        );
    }

    #[test]
    fn calendar_dates_with_and_without_years() {
        assert_eq!(
            resolve("on June 19", "2024-06-21"),
            [("2024-06-19".to_string(), "explicit")]
        );
        assert_eq!(
            resolve("on December 30", "2024-01-03"),
            [("2023-12-30".to_string(), "explicit")]
        );
        assert_eq!(
            resolve("on 5 Jan. 2023", "2024-01-03"),
            [("2023-01-05".to_string(), "explicit")]
        );
        assert_eq!(
            resolve("June 19, 2020", "2024-06-21"),
            [("2020-06-19".to_string(), "explicit")]
        );
        assert_eq!(
            resolve("on 2022-02-24", "2024-06-21"),
            [("2022-02-24".to_string(), "explicit")]
        );
        assert!(resolve("on Wednesday", "").is_empty());
        assert!(resolve("they may go", "2024-06-21").is_empty());
    }
}
