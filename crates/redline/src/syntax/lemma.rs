//! The lemmatiser: treebank exceptions, forms with one lemma, the embedded lemma table, then
//! suffix rules.
//!
//! A lemma is predicted from the form and its predicted XPOS in four steps: a form-and-tag pair
//! the later steps get wrong in training is looked up (`n't`/RB -> `not`, `'s`/VBZ -> `be`); a
//! training form that always had the same lemma takes it, whatever its tag (so a tagging error
//! does not change `Pizza`'s lemma); an inflected verb or plural noun unseen in training is looked
//! up in the embedded lemma table (`text::Lemmatizer`, derived from lemminflect); everything else
//! takes the edit script (strip so many characters, append a string) learned for the longest
//! suffix of the form seen with that tag in training. Capitals are kept only for tags whose
//! training lemmas keep them (`NNP`: `Venus`; `NN`: `Laughter` -> `laughter`).

use std::collections::HashMap;

use super::SyntaxError;
use super::conllu::Sentence;
use super::model::{ByteReader, ByteWriter};
use super::perceptron::StrMap;
use crate::text::Lemmatizer;

/// An edit from a form to its lemma, applied to the form as cased by its tag's case rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EditScript {
    strip: u8,
    append: String,
}

impl EditScript {
    fn between(base: &str, lemma: &str) -> EditScript {
        let common = base
            .chars()
            .zip(lemma.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let strip = base.chars().count() - common;
        let append: String = lemma.chars().skip(common).collect();
        EditScript {
            strip: strip.min(255) as u8,
            append,
        }
    }

    fn apply(&self, base: &str) -> String {
        let n = base.chars().count();
        if usize::from(self.strip) > n {
            return base.to_string();
        }
        let mut out: String = base.chars().take(n - usize::from(self.strip)).collect();
        out.push_str(&self.append);
        out
    }
}

/// The longest suffix used as a rule key, in characters.
const MAX_SUFFIX: usize = 4;

/// The lemmatiser's model.
#[derive(Debug, Clone, Default)]
pub struct LemmaModel {
    /// `form TAB xpos` -> lemma, where the steps below are wrong.
    exceptions: StrMap<String, String>,
    /// Training forms that always had the same lemma, whatever their tag: these stay right
    /// when the tagger is wrong (`Pizza` tagged NN instead of NNP keeps its capital).
    form_lemmas: StrMap<String, String>,
    /// `xpos TAB suffix` -> the most frequent edit script.
    rules: StrMap<String, EditScript>,
    /// Tags whose lemmas keep the form's capitals (`NNP`: `Venus`); others are lower-cased
    /// (`NN`: `Laughter` -> `laughter`).
    case_keeping_tags: Vec<String>,
    /// The embedded verb and noun lemma table.
    lexicon: Lemmatizer,
}

/// Whether `form` is a number with thousands separators: `1,250,000`, `4,223.5`.
fn is_grouped_number(form: &str) -> bool {
    let integer = form.split_once('.').map_or(form, |(i, f)| {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            ""
        } else {
            i
        }
    });
    let mut groups = integer.split(',');
    let first = groups.next().unwrap_or("");
    let mut rest = groups.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

impl LemmaModel {
    /// The lemma of `form` tagged `xpos`.
    pub fn lemma(&self, form: &str, xpos: &str) -> String {
        let mut key = String::with_capacity(form.len() + xpos.len() + 1);
        key.push_str(form);
        key.push('\t');
        key.push_str(xpos);
        if let Some(lemma) = self.exceptions.get(&key) {
            return lemma.clone();
        }
        self.lemma_without_exceptions(form, xpos)
    }

    fn lemma_without_exceptions(&self, form: &str, xpos: &str) -> String {
        if let Some(lemma) = self.form_lemmas.get(form) {
            return lemma.clone();
        }
        // EWT writes numbers without their thousands separators (108 of 108 in training).
        if xpos == "CD" && is_grouped_number(form) {
            return form.replace(',', "");
        }
        if matches!(xpos, "VBD" | "VBN" | "VBG" | "VBZ" | "NNS") {
            let (verb, noun) = self.lexicon.lemmas(&form.to_lowercase());
            let found = if xpos == "NNS" { noun } else { verb };
            if let Some(lemma) = found {
                return lemma;
            }
        }
        let lower = form.to_lowercase();
        let base = self.cased(form, &lower, xpos);
        let chars: Vec<usize> = lower.char_indices().map(|(i, _)| i).collect();
        let mut key = String::with_capacity(xpos.len() + 1 + MAX_SUFFIX * 2);
        for k in (0..=MAX_SUFFIX.min(chars.len())).rev() {
            key.clear();
            key.push_str(xpos);
            key.push('\t');
            key.push_str(
                &lower[if k == 0 {
                    lower.len()
                } else {
                    chars[chars.len() - k]
                }..],
            );
            if let Some(script) = self.rules.get(&key) {
                return script.apply(base);
            }
        }
        base.to_string()
    }

    fn cased<'a>(&self, form: &'a str, lower: &'a str, xpos: &str) -> &'a str {
        // Codes with digits (`EB3326`, `01-Feb-02`) keep their capitals whatever their tag:
        // 89 of the 125 such training forms do, 36 are lower-cased.
        if self.case_keeping_tags.iter().any(|t| t == xpos)
            || form.bytes().any(|b| b.is_ascii_digit())
        {
            form
        } else {
            lower
        }
    }

    /// Learns rules and exceptions from the gold words of `sentences`; `lexicon` is the
    /// embedded lemma table.
    pub fn train(sentences: &[&Sentence], lexicon: Lemmatizer) -> LemmaModel {
        // Which tags keep capitals: a vote among capitalised forms.
        let mut case_votes: HashMap<&str, (usize, usize)> = HashMap::new();
        for w in sentences.iter().flat_map(|s| &s.words) {
            if w.form.chars().any(char::is_uppercase) {
                let votes = case_votes.entry(&w.xpos).or_default();
                if w.lemma.chars().any(char::is_uppercase) {
                    votes.0 += 1;
                } else {
                    votes.1 += 1;
                }
            }
        }
        let mut case_keeping_tags: Vec<String> = case_votes
            .into_iter()
            .filter(|(_, (keep, lower))| keep > lower)
            .map(|(tag, _)| tag.to_string())
            .collect();
        case_keeping_tags.sort();
        let mut model = LemmaModel {
            exceptions: StrMap::default(),
            form_lemmas: StrMap::default(),
            rules: StrMap::default(),
            case_keeping_tags,
            lexicon,
        };
        let mut script_counts: HashMap<String, HashMap<EditScript, usize>> = HashMap::new();
        let mut lemma_counts: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for w in sentences.iter().flat_map(|s| &s.words) {
            let lower = w.form.to_lowercase();
            let base = model.cased(&w.form, &lower, &w.xpos);
            let script = EditScript::between(base, &w.lemma);
            // A script that rewrites the whole word (`best` -> `good`, `usb` -> `USB`) is a
            // fact about that word, not about its suffix: it goes to the exceptions only.
            let whole_word = usize::from(script.strip) >= base.chars().count()
                || script.append.chars().any(char::is_uppercase);
            let chars: Vec<usize> = lower.char_indices().map(|(i, _)| i).collect();
            for k in 0..=MAX_SUFFIX.min(chars.len()) {
                if whole_word {
                    break;
                }
                let suffix = &lower[if k == 0 {
                    lower.len()
                } else {
                    chars[chars.len() - k]
                }..];
                *script_counts
                    .entry(format!("{}\t{suffix}", w.xpos))
                    .or_default()
                    .entry(script.clone())
                    .or_default() += 1;
            }
            *lemma_counts
                .entry(format!("{}\t{}", w.form, w.xpos))
                .or_default()
                .entry(w.lemma.clone())
                .or_default() += 1;
        }
        for (key, counts) in script_counts {
            let total: usize = counts.values().sum();
            let (script, n) = counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.append.cmp(&a.0.append)))
                .expect("a counted key has a script");
            let is_tag_default = key.ends_with('\t');
            if is_tag_default || (n >= 2 && n * 2 > total) {
                model.rules.insert(key, script);
            }
        }
        let mut by_form: HashMap<&str, Option<&str>> = HashMap::new();
        for w in sentences.iter().flat_map(|s| &s.words) {
            let entry = by_form.entry(&w.form).or_insert(Some(&w.lemma));
            if *entry != Some(w.lemma.as_str()) {
                *entry = None;
            }
        }
        model.form_lemmas = by_form
            .into_iter()
            .filter_map(|(form, lemma)| Some((form.to_string(), lemma?.to_string())))
            .collect();
        for (key, counts) in lemma_counts {
            let (lemma, _) = counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .expect("a counted form has a lemma");
            let (form, xpos) = key.split_once('\t').expect("keys hold a tab");
            if model.lemma_without_exceptions(form, xpos) != lemma {
                model.exceptions.insert(key, lemma);
            }
        }
        model
    }

    pub(crate) fn write(&self, w: &mut ByteWriter) {
        w.u32(self.case_keeping_tags.len() as u32);
        for tag in &self.case_keeping_tags {
            w.str(tag);
        }
        let mut exceptions: Vec<_> = self.exceptions.iter().collect();
        exceptions.sort();
        w.u32(exceptions.len() as u32);
        for (key, lemma) in exceptions {
            w.str(key);
            w.str(lemma);
        }
        let mut form_lemmas: Vec<_> = self.form_lemmas.iter().collect();
        form_lemmas.sort();
        w.u32(form_lemmas.len() as u32);
        for (form, lemma) in form_lemmas {
            w.str(form);
            w.str(lemma);
        }
        let mut rules: Vec<_> = self.rules.iter().collect();
        rules.sort_by(|a, b| a.0.cmp(b.0));
        w.u32(rules.len() as u32);
        for (key, script) in rules {
            w.str(key);
            w.u8(script.strip);
            w.str(&script.append);
        }
    }

    pub(crate) fn read(r: &mut ByteReader, lexicon: Lemmatizer) -> Result<LemmaModel, SyntaxError> {
        let n = r.u32("case-keeping tag count")? as usize;
        let mut case_keeping_tags = Vec::with_capacity(n);
        for _ in 0..n {
            case_keeping_tags.push(r.str("case-keeping tag")?);
        }
        let n = r.u32("exception count")? as usize;
        let mut exceptions = StrMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            exceptions.insert(r.str("exception key")?, r.str("exception lemma")?);
        }
        let n = r.u32("form lemma count")? as usize;
        let mut form_lemmas = StrMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            form_lemmas.insert(r.str("form")?, r.str("form lemma")?);
        }
        let n = r.u32("rule count")? as usize;
        let mut rules = StrMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            let key = r.str("rule key")?;
            let strip = r.u8("rule strip")?;
            let append = r.str("rule append")?;
            rules.insert(key, EditScript { strip, append });
        }
        Ok(LemmaModel {
            exceptions,
            form_lemmas,
            rules,
            case_keeping_tags,
            lexicon,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_numbers_are_recognised() {
        for yes in ["1,250,000", "420,588", "4,223.5", "12,000"] {
            assert!(is_grouped_number(yes), "{yes}");
        }
        for no in [
            "1250000", "1,25", "12,0000", ",000", "1,000.", "a,000", "1,000.x",
        ] {
            assert!(!is_grouped_number(no), "{no}");
        }
    }

    #[test]
    fn edit_scripts_round_trip() {
        for (form, lemma) in [
            ("signed", "sign"),
            ("the", "the"),
            ("Bush", "Bush"),
            ("went", "go"),
            ("treaties", "treaty"),
        ] {
            assert_eq!(EditScript::between(form, lemma).apply(form), lemma);
        }
        assert_eq!(
            EditScript::between("walked", "walk").apply("talked"),
            "talk"
        );
    }
}
