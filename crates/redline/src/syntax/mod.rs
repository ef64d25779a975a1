//! Syntax: a built-in English tagger, lemmatiser and labelled dependency parser (UD v2).
//!
//! [`SyntaxModel`] bundles the three, trained on the UD English Web Treebank by
//! [`train`] and shipped in the binary as `data/syntax.model` ([`SyntaxModel::embedded`]).
//! Like the rest of the core it does no I/O: models come in as bytes, treebanks as text, and the
//! CLI reads the files. The pieces, one file each:
//!
//! * [`conllu`]: reading and writing CoNLL-U;
//! * [`tokenize`]: UD-style tokens of raw text, as byte spans (`don't` -> `do n't`);
//! * [`tagger`]: UPOS and XPOS, an averaged perceptron; the same tagger also predicts each
//!   word's supertag (its arc's label and the side its head is on) for the parser to read;
//! * [`lemma`]: lemmas from exceptions, the embedded lemma table and suffix rules;
//! * [`parser`]: greedy arc-eager parsing with a dynamic oracle;
//! * [`perceptron`]: the hashed averaged perceptron under both;
//! * [`model`]: the versioned binary file format;
//! * [`eval`]: CoNLL 2018-style scores, on gold tokens or raw text.
//!
//! ```
//! let model = redline::syntax::SyntaxModel::embedded().unwrap();
//! let words = model.analyse(&["Russia", "signed", "the", "treaty", "."]);
//! assert_eq!(words[1].deprel, "root");
//! assert_eq!(words[0].head, 2);
//! assert_eq!(words[0].deprel, "nsubj");
//! ```

pub mod conllu;
pub mod eval;
pub mod lemma;
pub mod model;
pub mod parser;
pub mod perceptron;
pub mod tagger;
pub mod tokenize;

use std::collections::HashMap;

use conllu::{Sentence, Word};
use lemma::LemmaModel;
use model::{ByteReader, ByteWriter, FORMAT_VERSION, MAGIC};
use parser::{Parser, ParserExample, ParserTraining, word_hash};
use perceptron::Rng;
use tagger::{Tagger, WordHashes};

use crate::text::{Lemmatizer, Span};

/// The model shipped in the binary (trained by `redline syntax train`, see the README).
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../../data/syntax.model");

/// The accurate model (`data/syntax-accurate.model`), its parser trained with a beam.
pub const EMBEDDED_ACCURATE_MODEL: &[u8] = include_bytes!("../../data/syntax-accurate.model");

/// What can go wrong reading treebanks and models.
#[derive(Debug, thiserror::Error)]
pub enum SyntaxError {
    /// A CoNLL-U line could not be read.
    #[error("{file}:{line}: {message}")]
    Conllu {
        /// The file, as named by the caller.
        file: String,
        /// The 1-based line (0 when the fault is a whole sentence).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A model file could not be decoded.
    #[error("syntax model: offset {offset}: {message}")]
    Model {
        /// The byte offset at fault.
        offset: usize,
        /// What was expected there.
        message: String,
    },
}

/// The analysis of one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis<'m> {
    /// Universal part of speech.
    pub upos: &'m str,
    /// Penn Treebank tag.
    pub xpos: &'m str,
    /// The lemma.
    pub lemma: String,
    /// The head, 1-based; 0 for the root.
    pub head: usize,
    /// The dependency relation, with subtype.
    pub deprel: &'m str,
}

/// A sentence of raw text, tokenised and analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSentence<'m> {
    /// The sentence in the text.
    pub span: Span,
    /// The words in the text.
    pub spans: Vec<Span>,
    /// Their analyses.
    pub words: Vec<Analysis<'m>>,
}

/// The tagger, lemmatiser and parser, trained together.
#[derive(Debug, Clone)]
pub struct SyntaxModel {
    /// The part-of-speech tagger.
    pub tagger: Tagger,
    /// The lemmatiser.
    pub lemmas: LemmaModel,
    /// The dependency parser.
    pub parser: Parser,
    /// The supertagger: a [`Tagger`] whose classes are supertags, each word's arc label and the
    /// side its head is on (`nsubj>`: the head is to the right; `root^`), which the parser
    /// reads as features (Ouchi, Duh and Matsumoto 2014). `None` for a parser trained without
    /// (`redline syntax train --no-supertags`).
    pub supertagger: Option<Tagger>,
}

/// Options for [`train`].
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Seeds the order of training sentences and the parser's exploration.
    pub seed: u64,
    /// Passes over the data for the tagger.
    pub tagger_epochs: usize,
    /// Passes over the data for the parser.
    pub parser_epochs: usize,
    /// The parser trains on tags and supertags predicted by taggers that did not see the
    /// sentence (this many folds), so that it learns what the taggers' mistakes look like; 1
    /// trains on gold tags (supertags are then jackknifed in 2 folds). 10 folds rather than 4
    /// gave 0.2 to 0.5 dev UAS with supertags: taggers trained on 90% of the data err about as
    /// often as the full one does on new text, on 75% more often, and the parser learns to
    /// distrust supertags more than it should.
    pub jackknife_folds: usize,
    /// Train the tagger's second pass (needs `jackknife_folds > 1`). It added 0.05 UPOS on dev
    /// for 10% of the parsing time, so it is off by default.
    pub tagger_second_pass: bool,
    /// Parser training runs, each exploring with its own random choices; the parser keeps the
    /// mean of their averaged weights (one model's size and speed).
    pub parser_runs: usize,
    /// The parser's beam width: 1 trains and parses greedily; above 1, greedy training goes on
    /// with a beam for `beam_epochs` passes and the model parses with that beam (more
    /// accurate, about a beam's width slower).
    pub beam: usize,
    /// Parser passes with the beam.
    pub beam_epochs: usize,
    /// Train a supertagger and let the parser read its supertags (jackknifed in training like
    /// the tags).
    pub supertags: bool,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            seed: 1,
            tagger_epochs: 8,
            parser_epochs: 12,
            jackknife_folds: 10,
            tagger_second_pass: false,
            parser_runs: 1,
            beam: 1,
            beam_epochs: 16,
            supertags: true,
        }
    }
}

impl SyntaxModel {
    /// Decodes a model written by [`SyntaxModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SyntaxModel, SyntaxError> {
        let mut r = ByteReader::new(bytes);
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(SyntaxError::Model {
                offset: 0,
                message: "not a redline syntax model".into(),
            });
        }
        let version = r.u32("format version")?;
        if version != FORMAT_VERSION {
            return Err(r.error(format!(
                "format version {version}, this build reads {FORMAT_VERSION}"
            )));
        }
        let tagger = Tagger::read(&mut r)?;
        let lemmas = LemmaModel::read(&mut r, embedded_lexicon())?;
        let parser = Parser::read(&mut r)?;
        let supertagger = if r.u8("supertagger flag")? == 1 {
            Some(Tagger::read(&mut r)?)
        } else {
            None
        };
        if !r.at_end() {
            return Err(r.error("trailing bytes after the model"));
        }
        Ok(SyntaxModel {
            tagger,
            lemmas,
            parser,
            supertagger,
        })
    }

    /// The model shipped in the binary. Decoding takes about 0.2 s, so build it once and share
    /// it; the coder's `Dictionaries::embedded` does not load it.
    pub fn embedded() -> Result<SyntaxModel, SyntaxError> {
        SyntaxModel::from_bytes(EMBEDDED_MODEL)
    }

    /// The accurate model shipped in the binary: the same tagger and lemmatiser, a parser
    /// trained and searching with a beam of 8 (more accurate, about ten times slower).
    pub fn embedded_accurate() -> Result<SyntaxModel, SyntaxError> {
        SyntaxModel::from_bytes(EMBEDDED_ACCURATE_MODEL)
    }

    /// The model as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = ByteWriter::default();
        w.bytes.extend_from_slice(MAGIC);
        w.u32(FORMAT_VERSION);
        self.tagger.write(&mut w);
        self.lemmas.write(&mut w);
        self.parser.write(&mut w);
        w.u8(u8::from(self.supertagger.is_some()));
        if let Some(supertagger) = &self.supertagger {
            supertagger.write(&mut w);
        }
        w.bytes
    }

    /// A smaller copy: tagger, supertagger and parser weights smaller than the given magnitudes
    /// dropped (`redline syntax prune`; the README records what each threshold costs).
    pub fn pruned(&self, tagger_min: f32, supertagger_min: f32, parser_min: f32) -> SyntaxModel {
        SyntaxModel {
            tagger: self.tagger.pruned(tagger_min),
            lemmas: self.lemmas.clone(),
            parser: self.parser.pruned(parser_min),
            supertagger: self.supertagger.as_ref().map(|t| t.pruned(supertagger_min)),
        }
    }

    /// Tags, lemmatises and parses one sentence of words.
    pub fn analyse(&self, forms: &[&str]) -> Vec<Analysis<'_>> {
        if forms.is_empty() {
            return Vec::new();
        }
        let hashes = self.tagger.word_hashes(forms);
        let tags = self.tagger.tag_hashed(forms, &hashes);
        self.lemmatise_and_parse(forms, &hashes, tags)
    }

    fn lemmatise_and_parse(
        &self,
        forms: &[&str],
        hashes: &[WordHashes],
        tags: Vec<u16>,
    ) -> Vec<Analysis<'_>> {
        let words: Vec<u64> = hashes.iter().map(|h| h.lower).collect();
        let punct: Vec<bool> = tags.iter().map(|&t| self.tagger.is_punct(t)).collect();
        let coarse: Vec<u16> = tags.iter().map(|&t| self.tagger.coarse(t)).collect();
        let supertags = self
            .supertagger
            .as_ref()
            .map_or_else(Vec::new, |t| t.tag_rehashed(forms, hashes));
        let (heads, labels) = self
            .parser
            .parse(&words, &tags, &coarse, &supertags, &punct);
        forms
            .iter()
            .zip(tags)
            .zip(heads.into_iter().zip(labels))
            .map(|((form, tag), (head, label))| {
                let (upos, xpos) = &self.tagger.classes[tag as usize];
                Analysis {
                    upos,
                    xpos,
                    lemma: self.lemmas.lemma(form, xpos),
                    head,
                    deprel: &self.parser.labels[label as usize],
                }
            })
            .collect()
    }

    /// Splits raw text into sentences and UD tokens and analyses them.
    pub fn analyse_text(&self, text: &str) -> Vec<ParsedSentence<'_>> {
        tokenize::ud_sentences(text)
            .into_iter()
            .filter(|(_, spans)| !spans.is_empty())
            .map(|(span, spans)| {
                let forms: Vec<&str> = spans.iter().map(|s| &text[s.range()]).collect();
                let words = self.analyse(&forms);
                ParsedSentence { span, spans, words }
            })
            .collect()
    }

    /// A copy of `sentence` with this model's tags, lemmas and tree on its words.
    pub fn annotate(&self, sentence: &Sentence) -> Sentence {
        let forms = sentence.forms();
        let mut out = sentence.clone();
        for (word, a) in out.words.iter_mut().zip(self.analyse(&forms)) {
            apply(word, &a);
        }
        out
    }

    /// As [`SyntaxModel::annotate`], but parsing from the sentence's own (gold) tags: how much
    /// of the parser's error the tagger's causes. A gold tag pair the tagger does not know
    /// becomes its first class.
    pub fn annotate_with_gold_tags(&self, sentence: &Sentence) -> Sentence {
        let forms = sentence.forms();
        let mut out = sentence.clone();
        if forms.is_empty() {
            return out;
        }
        let hashes = self.tagger.word_hashes(&forms);
        let tags = gold_tags(&self.tagger, sentence);
        for (word, a) in out
            .words
            .iter_mut()
            .zip(self.lemmatise_and_parse(&forms, &hashes, tags))
        {
            apply(word, &a);
        }
        out
    }

    /// A CoNLL-U sentence for a parsed sentence of `text`.
    pub fn to_conllu_sentence(text: &str, parsed: &ParsedSentence, id: String) -> Sentence {
        let words = parsed
            .spans
            .iter()
            .zip(&parsed.words)
            .enumerate()
            .map(|(k, (span, a))| {
                let mut word = Word {
                    form: text[span.range()].to_string(),
                    no_space_after: parsed
                        .spans
                        .get(k + 1)
                        .is_some_and(|next| next.start == span.end),
                    ..Word::default()
                };
                apply(&mut word, a);
                word
            })
            .collect();
        Sentence {
            id: Some(id),
            text: Some(
                text[parsed.span.range()]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            new_paragraph: false,
            words,
            multiword_tokens: Vec::new(),
        }
    }
}

fn apply(word: &mut Word, a: &Analysis) {
    word.upos = a.upos.to_string();
    word.xpos = a.xpos.to_string();
    word.lemma = a.lemma.clone();
    word.head = a.head;
    word.deprel = a.deprel.to_string();
}

/// The embedded verb and noun lemma table the lemmatiser falls back on.
fn embedded_lexicon() -> Lemmatizer {
    Lemmatizer::from_table(crate::coder::EMBEDDED_LEMMAS)
}

/// Trains a model on `sentences`; `progress` receives one line per epoch.
pub fn train(
    sentences: &[Sentence],
    options: &TrainOptions,
    progress: &mut dyn FnMut(&str),
) -> SyntaxModel {
    let mut rng = Rng::new(options.seed);
    let all: Vec<&Sentence> = sentences.iter().collect();
    progress(&format!("training the tagger on {} sentences", all.len()));
    let mut tagger = Tagger::train(&all, options.tagger_epochs, &mut rng, progress);
    let lemmas = LemmaModel::train(&all, embedded_lexicon());

    // Predicted tags for the parser's training data, each fold tagged by a tagger trained on
    // the other folds.
    let folds = options.jackknife_folds.max(1);
    let predicted = if folds == 1 {
        sentences.iter().map(|s| gold_tags(&tagger, s)).collect()
    } else {
        jackknife(
            &all,
            &tagger,
            folds,
            options.tagger_epochs,
            &mut rng,
            progress,
        )
    };
    // The same for supertags.
    let (supertagger, supertags) = if options.supertags {
        let supertagged: Vec<Sentence> = sentences.iter().map(with_supertags).collect();
        let all: Vec<&Sentence> = supertagged.iter().collect();
        progress("training the supertagger");
        let supertagger = Tagger::train(&all, options.tagger_epochs, &mut rng, &mut |_| {});
        let predicted = jackknife(
            &all,
            &supertagger,
            folds.max(2),
            options.tagger_epochs,
            &mut rng,
            progress,
        );
        (Some(supertagger), predicted)
    } else {
        (None, Vec::new())
    };

    if folds > 1 && options.tagger_second_pass {
        tagger.train_second_pass(&all, &predicted, options.tagger_epochs, &mut rng, progress);
    }

    let mut labels: Vec<String> = sentences
        .iter()
        .flat_map(|s| s.words.iter().map(|w| w.deprel.clone()))
        .collect();
    labels.sort();
    labels.dedup();
    // Words seen once stand for the words the tagger does not know, as in the tagger.
    let mut word_counts: HashMap<String, usize> = HashMap::new();
    for w in sentences.iter().flat_map(|s| &s.words) {
        *word_counts.entry(w.form.to_lowercase()).or_default() += 1;
    }
    let parser_word = |form: &str| {
        let lower = form.to_lowercase();
        if word_counts[&lower] > 1 {
            word_hash(&lower)
        } else {
            tagger::UNKNOWN
        }
    };
    let mut supertags = supertags.into_iter();
    let examples: Vec<ParserExample> = sentences
        .iter()
        .zip(predicted)
        .map(|(s, tags)| (s, tags, supertags.next().unwrap_or_default()))
        .filter(|(s, _, _)| s.is_projective())
        .map(|(s, tags, supertags)| ParserExample {
            supertags,
            words: s.words.iter().map(|w| parser_word(&w.form)).collect(),
            coarse: tags.iter().map(|&t| tagger.coarse(t)).collect(),
            tags,
            heads: s.words.iter().map(|w| w.head).collect(),
            labels: s
                .words
                .iter()
                .map(|w| labels.binary_search(&w.deprel).expect("collected above") as u16)
                .collect(),
        })
        .collect();
    progress(&format!(
        "training the parser on {} projective sentences, {} labels",
        examples.len(),
        labels.len()
    ));
    let training = ParserTraining {
        epochs: options.parser_epochs,
        runs: options.parser_runs,
        beam: options.beam,
        beam_epochs: options.beam_epochs,
    };
    let parser = Parser::train(&examples, labels, &training, &mut rng, progress);
    SyntaxModel {
        tagger,
        lemmas,
        parser,
        supertagger,
    }
}

/// The classes of `all` as `full` numbers them, each fold tagged by a tagger trained on the
/// other folds, so that the parser learns from tags as wrong as the tagger's on new text.
fn jackknife(
    all: &[&Sentence],
    full: &Tagger,
    folds: usize,
    epochs: usize,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&str),
) -> Vec<Vec<u16>> {
    let mut predicted: Vec<Vec<u16>> = vec![Vec::new(); all.len()];
    for fold in 0..folds {
        let rest: Vec<&Sentence> = all
            .iter()
            .enumerate()
            .filter(|(k, _)| k % folds != fold)
            .map(|(_, s)| *s)
            .collect();
        progress(&format!("jackknife tagger {} of {folds}", fold + 1));
        let fold_tagger = Tagger::train(&rest, epochs, rng, &mut |_| {});
        // The fold tagger's classes as the full tagger numbers them.
        let to_full: Vec<u16> = fold_tagger
            .classes
            .iter()
            .map(|class| full.classes.iter().position(|c| c == class).unwrap_or(0) as u16)
            .collect();
        for (k, s) in all.iter().enumerate().filter(|(k, _)| k % folds == fold) {
            predicted[k] = fold_tagger
                .tag(&s.forms())
                .into_iter()
                .map(|t| to_full[t as usize])
                .collect();
        }
    }
    predicted
}

/// A copy of `s` whose words' tags are their supertags: UPOS the arc's label and the side its
/// head is on (`<` left, `>` right, `^` the root), XPOS empty.
fn with_supertags(s: &Sentence) -> Sentence {
    let mut s = s.clone();
    for (k, w) in s.words.iter_mut().enumerate() {
        let side = match w.head {
            0 => '^',
            h if h <= k => '<',
            _ => '>',
        };
        w.upos = format!("{}{side}", w.deprel);
        w.xpos = String::new();
    }
    s
}

fn gold_tags(tagger: &Tagger, s: &Sentence) -> Vec<u16> {
    s.words
        .iter()
        .map(|w| {
            tagger
                .classes
                .iter()
                .position(|(u, x)| *u == w.upos && *x == w.xpos)
                .unwrap_or(0) as u16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::conllu::parse_conllu;
    use super::eval::score_gold_tokens;
    use super::*;

    const TINY: &str = include_str!("../../tests/golden/syntax_tiny.conllu");

    fn tiny_model(seed: u64) -> (Vec<Sentence>, SyntaxModel) {
        tiny_model_with_beam(seed, 1)
    }

    fn tiny_model_with_beam(seed: u64, beam: usize) -> (Vec<Sentence>, SyntaxModel) {
        let sentences = parse_conllu("syntax_tiny.conllu", TINY).unwrap();
        let options = TrainOptions {
            seed,
            tagger_epochs: 10,
            parser_epochs: 15,
            jackknife_folds: 1,
            tagger_second_pass: false,
            parser_runs: 1,
            beam,
            beam_epochs: 6,
            supertags: true,
        };
        let model = train(&sentences, &options, &mut |_| {});
        (sentences, model)
    }

    #[test]
    fn a_beam_trained_parser_keeps_its_width_and_parses_trees() {
        let (gold, model) = tiny_model_with_beam(3, 4);
        assert_eq!(model.parser.beam, 4);
        let reloaded = SyntaxModel::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(reloaded.parser.beam, 4);
        let predicted: Vec<Sentence> = gold.iter().map(|s| reloaded.annotate(s)).collect();
        for s in &predicted {
            // One root, and every head inside the sentence.
            assert_eq!(s.words.iter().filter(|w| w.head == 0).count(), 1, "{s:?}");
            assert!(s.words.iter().all(|w| w.head <= s.words.len()));
        }
        let scores = score_gold_tokens(&gold, &predicted);
        assert!(scores.uas >= 90.0 && scores.las >= 85.0, "{scores:?}");
        // The beam parser differs from the greedy one trained the same way only in the
        // search: the same model parsed greedily gives a tree too.
        let mut greedy = reloaded.clone();
        greedy.parser.beam = 1;
        let tree = greedy.analyse(&gold[2].forms());
        assert_eq!(tree.iter().filter(|w| w.head == 0).count(), 1);
    }

    #[test]
    fn the_supertagger_is_trained_saved_and_optional() {
        let (gold, model) = tiny_model(1);
        let supertagger = model.supertagger.as_ref().expect("trained with supertags");
        // Supertags are arc labels with the side of the head.
        assert!(supertagger.classes.iter().any(|(c, _)| c == "nsubj>"));
        assert!(supertagger.classes.iter().any(|(c, _)| c == "root^"));
        let reloaded = SyntaxModel::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(reloaded.supertagger.unwrap().classes, supertagger.classes);
        // Without supertags the parser reads words and tags only, and still parses.
        let sentences = parse_conllu("syntax_tiny.conllu", TINY).unwrap();
        let options = TrainOptions {
            tagger_epochs: 10,
            parser_epochs: 15,
            jackknife_folds: 1,
            supertags: false,
            ..TrainOptions::default()
        };
        let plain = train(&sentences, &options, &mut |_| {});
        assert!(plain.supertagger.is_none());
        let reloaded = SyntaxModel::from_bytes(&plain.to_bytes()).unwrap();
        assert!(reloaded.supertagger.is_none());
        let tree = reloaded.analyse(&gold[2].forms());
        assert_eq!(tree.iter().filter(|w| w.head == 0).count(), 1);
    }

    #[test]
    fn parsing_from_gold_tags_keeps_the_gold_tags() {
        let (gold, model) = tiny_model(1);
        let out = model.annotate_with_gold_tags(&gold[1]);
        for (a, b) in out.words.iter().zip(&gold[1].words) {
            assert_eq!((&a.upos, &a.xpos), (&b.upos, &b.xpos));
        }
        assert_eq!(out.words.iter().filter(|w| w.head == 0).count(), 1);
    }

    #[test]
    fn a_tiny_treebank_trains_and_parses_its_own_sentences() {
        let (gold, model) = tiny_model(1);
        let predicted: Vec<Sentence> = gold.iter().map(|s| model.annotate(s)).collect();
        let scores = score_gold_tokens(&gold, &predicted);
        assert!(scores.upos >= 95.0, "{scores:?}");
        assert!(scores.lemma >= 95.0, "{scores:?}");
        assert!(scores.uas >= 90.0 && scores.las >= 85.0, "{scores:?}");
    }

    #[test]
    fn training_is_deterministic_and_the_model_round_trips() {
        let (gold, a) = tiny_model(7);
        let (_, b) = tiny_model(7);
        assert_eq!(a.to_bytes(), b.to_bytes());
        let reloaded = SyntaxModel::from_bytes(&a.to_bytes()).unwrap();
        let forms = gold[4].forms();
        assert_eq!(reloaded.analyse(&forms), a.analyse(&forms));
    }

    #[test]
    fn raw_text_is_tokenised_and_parsed_with_spans_into_the_text() {
        let (_, model) = tiny_model(1);
        let text = "The army didn't attack. Police arrested two men.";
        let parsed = model.analyse_text(text);
        assert_eq!(parsed.len(), 2);
        let forms: Vec<&str> = parsed[0].spans.iter().map(|s| &text[s.range()]).collect();
        assert_eq!(forms, ["The", "army", "did", "n't", "attack", "."]);
        assert_eq!(parsed[1].words.iter().filter(|w| w.head == 0).count(), 1);
    }

    #[test]
    fn bad_model_bytes_are_refused_with_the_offset() {
        assert!(SyntaxModel::from_bytes(b"nonsense").is_err());
        let (_, model) = tiny_model(1);
        let bytes = model.to_bytes();
        let err = SyntaxModel::from_bytes(&bytes[..bytes.len() - 3]).unwrap_err();
        assert!(err.to_string().starts_with("syntax model: offset"), "{err}");
    }
}
