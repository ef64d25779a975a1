//! Reading and writing CoNLL-U (Universal Dependencies' ten-column format).
//!
//! Only syntactic words are kept as [`Word`]s: multiword-token lines (`1-2 don't`) become
//! [`MultiwordToken`]s that remember the surface form, and empty nodes (`8.1`) of enhanced
//! dependencies are skipped, since basic trees never point at them.

use super::SyntaxError;

/// One syntactic word of a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The word form.
    pub form: String,
    /// The lemma.
    pub lemma: String,
    /// The universal part of speech.
    pub upos: String,
    /// The language-specific part of speech (Penn Treebank tags in English treebanks).
    pub xpos: String,
    /// The head, 1-based; 0 is the root.
    pub head: usize,
    /// The dependency relation to the head, with any subtype (`nmod:poss`).
    pub deprel: String,
    /// No space follows the word in the original text (`SpaceAfter=No`).
    pub no_space_after: bool,
}

/// A multiword token: the words `first..=last` (1-based) are written as `form` in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiwordToken {
    /// First word, 1-based.
    pub first: usize,
    /// Last word, 1-based.
    pub last: usize,
    /// The surface form.
    pub form: String,
    /// No space follows the token in the original text.
    pub no_space_after: bool,
}

/// A sentence of a treebank.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    /// The `# sent_id` comment, if any.
    pub id: Option<String>,
    /// The `# text` comment, if any.
    pub text: Option<String>,
    /// The sentence starts a new paragraph or document (`# newpar`, `# newdoc`).
    pub new_paragraph: bool,
    /// The words.
    pub words: Vec<Word>,
    /// The multiword tokens.
    pub multiword_tokens: Vec<MultiwordToken>,
}

impl Sentence {
    /// The word forms.
    pub fn forms(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.form.as_str()).collect()
    }

    /// Whether the tree has no crossing arcs (the arc-eager parser can only build these).
    pub fn is_projective(&self) -> bool {
        let arcs: Vec<(usize, usize)> = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (a, b) = (i + 1, w.head);
                (a.min(b), a.max(b))
            })
            .collect();
        arcs.iter().all(|&(l1, r1)| {
            arcs.iter()
                .all(|&(l2, r2)| !(l1 < l2 && l2 < r1 && r1 < r2))
        })
    }
}

/// Reads every sentence of a CoNLL-U text; `file` names it in errors.
pub fn parse_conllu(file: &str, text: &str) -> Result<Vec<Sentence>, SyntaxError> {
    let mut sentences = Vec::new();
    let mut current = Sentence::default();
    for (line_idx, line) in text.lines().enumerate() {
        let line_no = line_idx + 1;
        let error = |message: String| SyntaxError::Conllu {
            file: file.to_string(),
            line: line_no,
            message,
        };
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if !current.words.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start();
            if let Some(id) = comment.strip_prefix("sent_id =") {
                current.id = Some(id.trim().to_string());
            } else if let Some(t) = comment.strip_prefix("text =") {
                current.text = Some(t.trim().to_string());
            } else if comment.starts_with("newpar") || comment.starts_with("newdoc") {
                current.new_paragraph = true;
            }
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(error(format!("expected 10 columns, found {}", cols.len())));
        }
        let no_space_after = cols[9].split('|').any(|m| m == "SpaceAfter=No");
        if let Some((a, b)) = cols[0].split_once('-') {
            let (Ok(first), Ok(last)) = (a.parse(), b.parse()) else {
                return Err(error(format!("bad multiword token id '{}'", cols[0])));
            };
            current.multiword_tokens.push(MultiwordToken {
                first,
                last,
                form: cols[1].to_string(),
                no_space_after,
            });
            continue;
        }
        if cols[0].contains('.') {
            continue;
        }
        let id: usize = cols[0]
            .parse()
            .map_err(|_| error(format!("bad word id '{}'", cols[0])))?;
        if id != current.words.len() + 1 {
            return Err(error(format!(
                "word id {id} out of sequence (expected {})",
                current.words.len() + 1
            )));
        }
        let head = if cols[6] == "_" {
            0
        } else {
            cols[6]
                .parse()
                .map_err(|_| error(format!("bad head '{}'", cols[6])))?
        };
        current.words.push(Word {
            form: cols[1].to_string(),
            lemma: cols[2].to_string(),
            upos: cols[3].to_string(),
            xpos: cols[4].to_string(),
            head,
            deprel: cols[7].to_string(),
            no_space_after,
        });
    }
    if !current.words.is_empty() {
        sentences.push(current);
    }
    for (k, s) in sentences.iter().enumerate() {
        if let Some(w) = s.words.iter().find(|w| w.head > s.words.len()) {
            return Err(SyntaxError::Conllu {
                file: file.to_string(),
                line: 0,
                message: format!(
                    "sentence {} ({}): head {} of '{}' is past the last word",
                    k + 1,
                    s.id.as_deref().unwrap_or("no id"),
                    w.head,
                    w.form
                ),
            });
        }
    }
    Ok(sentences)
}

/// Writes sentences as CoNLL-U (features and enhanced dependencies left empty).
pub fn write_conllu(sentences: &[Sentence]) -> String {
    let mut out = String::new();
    for s in sentences {
        if let Some(id) = &s.id {
            out.push_str(&format!("# sent_id = {id}\n"));
        }
        if let Some(text) = &s.text {
            out.push_str(&format!("# text = {text}\n"));
        }
        for (i, w) in s.words.iter().enumerate() {
            if let Some(m) = s.multiword_tokens.iter().find(|m| m.first == i + 1) {
                let misc = if m.no_space_after {
                    "SpaceAfter=No"
                } else {
                    "_"
                };
                out.push_str(&format!(
                    "{}-{}\t{}\t_\t_\t_\t_\t_\t_\t_\t{misc}\n",
                    m.first, m.last, m.form
                ));
            }
            let in_multiword = s
                .multiword_tokens
                .iter()
                .any(|m| (m.first..=m.last).contains(&(i + 1)));
            let misc = if w.no_space_after && !in_multiword {
                "SpaceAfter=No"
            } else {
                "_"
            };
            let or_blank = |s: &str| {
                if s.is_empty() {
                    "_".to_string()
                } else {
                    s.to_string()
                }
            };
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t_\t{}\t{}\t_\t{misc}\n",
                i + 1,
                w.form,
                or_blank(&w.lemma),
                or_blank(&w.upos),
                or_blank(&w.xpos),
                w.head,
                or_blank(&w.deprel)
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# newdoc id = d1\n# sent_id = s1\n# text = I don't.\n1\tI\tI\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n2\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n3\tn't\tnot\tPART\tRB\t_\t2\tadvmod\t_\t_\n3.1\tx\tx\tX\tX\t_\t_\t_\t_\t_\n4\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_\n\n";

    #[test]
    fn reads_words_multiword_tokens_and_comments() {
        let s = &parse_conllu("t.conllu", SAMPLE).unwrap()[0];
        assert_eq!(s.forms(), ["I", "do", "n't", "."]);
        assert_eq!(s.text.as_deref(), Some("I don't."));
        assert!(s.new_paragraph);
        assert_eq!(s.multiword_tokens[0].form, "don't");
        assert_eq!(s.words[2].lemma, "not");
        assert!(s.is_projective());
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse_conllu("bad.conllu", "1\tI\tI\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "bad.conllu:1: expected 10 columns, found 3");
    }

    #[test]
    fn writing_then_reading_keeps_the_sentence() {
        let sentences = parse_conllu("t.conllu", SAMPLE).unwrap();
        let again = parse_conllu("again", &write_conllu(&sentences)).unwrap();
        assert_eq!(again[0].words, sentences[0].words);
        assert_eq!(again[0].multiword_tokens, sentences[0].multiword_tokens);
    }
}
