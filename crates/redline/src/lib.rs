//! Redline's core: political event coding with provenance, and nothing that does I/O.
//!
//! A [`Coder`] is built once from [`Dictionaries`] and a [`Config`], then codes any number of
//! [`Doc`]s, from any number of threads. Every [`Event`] carries the spans of its sentence,
//! actors and head word, and the dictionary lines that produced it.
//!
//! ```
//! use std::sync::Arc;
//! use redline::{Coder, Config, Dictionaries, Doc};
//!
//! let (dicts, diagnostics) = Dictionaries::embedded();
//! assert!(diagnostics.is_empty());
//! let coder = Coder::new(Arc::new(dicts), Config::default());
//! let doc = Doc::new("d1", "Russia and North Korea signed a defence treaty on Wednesday.")
//!     .with_published(chrono::NaiveDate::from_ymd_opt(2024, 6, 21));
//! let events = coder.code(&doc);
//! let codes: Vec<_> = events.iter().map(|e| (e.source.code.as_str(), e.code.as_str())).collect();
//! assert!(codes.contains(&("RUS", "057")) && codes.contains(&("PRK", "057")));
//! assert_eq!(events[0].date.unwrap().to_string(), "2024-06-19");
//! assert_eq!(&doc.text[events[0].source.span.range()], "Russia");
//! ```

pub mod actors;
pub mod cameo;
pub mod coder;
pub mod compat;
pub mod dates;
pub mod diag;
pub mod doc;
pub mod geo;
pub mod modality;
pub mod syntax;
pub mod text;
pub mod tone;
pub mod verbs;

pub use actors::{ActorCode, ActorDictionary};
pub use cameo::{CameoCode, CameoTable, GoldsteinScale};
pub use coder::{Coder, Config, Dictionaries, Event};
pub use dates::DateBasis;
pub use diag::{Diagnostic, Severity};
pub use doc::Doc;
pub use modality::Modality;
pub use text::Span;
