//! PETRARCH-2 and TABARI verb dictionaries: read into [`VerbFile`], then added to a
//! [`VerbDictionary`] as Redline patterns.
//!
//! A file holds synsets (`&NAME` then `+member` lines) and verb blocks. A block starts with a
//! `--- NAME [code] ---` header (PETRARCH-2) or a verb line with a code (TABARI); its verb lines
//! (`SPEED {SPEEDING SPEEDS SPED}`, multi-word `+BREAK_DOWN`, `WIRE_+TAP`) share its patterns
//! (`- * (TO BORDER) [154]`). In a pattern `*` is the verb, `+` the target, `$` the source, `%` a
//! compound source, `^` a skipped phrase, `&NAME` a synset, `_` joins words that must be
//! adjacent and a space allows a gap. `[a:b]` codes keep `a`; `[---]` codes nothing.
//!
//! Unlike PETRARCH-2, which stops reading a block's patterns at the first comment line among
//! them, this reader reads on and reports the patterns PETRARCH-2 would not have seen.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Dialect, clean_lines};
use crate::cameo::{CameoCode, CameoTable};
use crate::diag::Diagnostic;
use crate::verbs::{Element, VerbDictionary, VerbPattern};

/// A synset: named alternatives, each a word sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Synset {
    /// The name without `&`, upper case.
    pub name: String,
    /// The members as written (may name other synsets).
    pub members: Vec<String>,
    /// The line it starts on.
    pub line: u32,
}

/// A verb of a block: its head word and the words around it for multi-word verbs.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockVerb {
    /// The head lemma, lower case.
    pub head: String,
    /// Irregular forms given in `{}`, lower case.
    pub forms: Vec<String>,
    /// Words right before the head (multi-word verbs such as `WIRE_+TAP`), in text order; `...`
    /// where a gap may fall.
    pub before: Vec<String>,
    /// Words right after the head (`+BREAK_DOWN`), `...` where a gap may fall.
    pub after: Vec<String>,
    /// Whether the verb was written without a final `_`: TABARI then matches it as a stem
    /// (`RESTOR` matches "restored").
    pub stem: bool,
    /// Written with a final `=` (TABARI): matches the word exactly, without regular endings.
    pub exact: bool,
    /// The verb's own code, overriding the block's for the bare verb.
    pub code: Option<String>,
    /// The line.
    pub line: u32,
}

/// One pattern line of a block.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternLine {
    /// The pattern text between `-` and the code.
    pub text: String,
    /// The code as written (`154`, `042:043`, `---`).
    pub code: String,
    /// The line.
    pub line: u32,
}

/// A verb block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VerbBlock {
    /// The header's name, or the first verb's.
    pub name: String,
    /// The default code (`---` for none).
    pub code: String,
    /// The verbs.
    pub verbs: Vec<BlockVerb>,
    /// The patterns.
    pub patterns: Vec<PatternLine>,
    /// The line the block starts on.
    pub line: u32,
}

/// A verb dictionary as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VerbFile {
    /// Synsets by name.
    pub synsets: Vec<Synset>,
    /// Blocks in file order.
    pub blocks: Vec<VerbBlock>,
    /// The first comment-only line after the first pattern: PETRARCH-2 stops reading the file
    /// there, so nothing after it exists for PETRARCH-2.
    pub petrarch_stops_at: Option<u32>,
    /// TABARI's `<TIME>` phrases coded `[###]` (lower-case words): under `SET: TIME SHIFT` they
    /// discard the sentence. The section's date shifts are not used.
    pub time_discards: Vec<Vec<String>>,
}

/// The code inside the last `[...]` of a line, and the line without it.
fn split_code(s: &str) -> (String, Option<String>) {
    match (s.rfind('['), s.rfind(']')) {
        (Some(a), Some(b)) if a < b => (
            format!("{} {}", &s[..a], &s[b + 1..]).trim().to_string(),
            Some(s[a + 1..b].trim().to_string()),
        ),
        _ => (s.trim().to_string(), None),
    }
}

/// Reads a verb dictionary.
pub fn read_verbs(file: &str, text: &str, dialect: Dialect) -> (VerbFile, Vec<Diagnostic>) {
    let mut out = VerbFile::default();
    let mut diags = Vec::new();
    let mut synset: Option<Synset> = None;
    let mut block: Option<VerbBlock> = None;
    let mut in_skipped_section: Option<&str> = None;
    let flush_block = |block: &mut Option<VerbBlock>, out: &mut VerbFile| {
        if let Some(b) = block.take() {
            out.blocks.push(b);
        }
    };
    for (line_no, line, comment_only) in clean_lines(text, dialect) {
        if let Some(end) = in_skipped_section {
            if line.eq_ignore_ascii_case(end) {
                in_skipped_section = None;
            } else if end == "</TIME>"
                && let (phrase, Some(code)) = split_code(&line)
                && code == crate::cameo::DISCARD_CODE
                && !phrase.starts_with('-')
            {
                out.time_discards.push(
                    phrase
                        .split(|c: char| c == '_' || c.is_whitespace())
                        .filter(|w| !w.is_empty())
                        .map(str::to_lowercase)
                        .collect(),
                );
            }
            continue;
        }
        if comment_only {
            let patterns_began = out
                .blocks
                .iter()
                .chain(block.as_ref())
                .any(|b| !b.patterns.is_empty());
            if patterns_began && out.petrarch_stops_at.is_none() {
                out.petrarch_stops_at = Some(line_no);
            }
            continue;
        }
        if line.is_empty() {
            if let Some(s) = synset.take() {
                out.synsets.push(s);
            }
            continue;
        }
        let upper = line.to_uppercase();
        if upper == "<TIME>" {
            in_skipped_section = Some("</TIME>");
            continue;
        }
        if upper.starts_with('<') && upper.ends_with('>') {
            // <SYNSETS>, </SYNSETS> and similar section marks carry no entries themselves.
            continue;
        }
        if let Some(s) = synset.as_mut() {
            if let Some(member) = line.strip_prefix('+') {
                s.members.push(member.trim().to_string());
                continue;
            }
            out.synsets.push(synset.take().expect("checked above"));
        }
        if let Some(name) = line.strip_prefix('&') {
            flush_block(&mut block, &mut out);
            let name = name.split_whitespace().next().unwrap_or("");
            synset = Some(Synset {
                name: name.trim_end_matches('_').to_uppercase(),
                members: Vec::new(),
                line: line_no,
            });
            continue;
        }
        if line.starts_with("---") {
            flush_block(&mut block, &mut out);
            let inner = line.trim_matches('-').trim();
            let (name, code) = split_code(inner);
            block = Some(VerbBlock {
                name: name.trim_end_matches('_').to_string(),
                code: code.unwrap_or_else(|| "---".to_string()),
                line: line_no,
                ..VerbBlock::default()
            });
            continue;
        }
        if let Some(pattern) = line.strip_prefix('-') {
            let (text, code) = split_code(pattern);
            let Some(b) = block.as_mut() else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    "pattern outside any verb block",
                ));
                continue;
            };
            let Some(code) = code else {
                diags.push(Diagnostic::error(
                    file,
                    line_no,
                    format!("pattern '{text}' has no [code]"),
                ));
                continue;
            };
            b.patterns.push(PatternLine {
                text,
                code,
                line: line_no,
            });
            continue;
        }
        if line.starts_with('{') {
            // TABARI: a line of forms for the verb above ("{ ACTING_ ACTXD_ }").
            if let Some(v) = block.as_mut().and_then(|b| b.verbs.last_mut()) {
                // Forms of its own replace the regular endings.
                if v.forms == regular_endings(&v.head) {
                    v.forms.clear();
                }
                v.forms.extend(
                    line.trim_matches(|c| c == '{' || c == '}')
                        .split_whitespace()
                        .map(|w| w.trim_matches('_').to_lowercase()),
                );
            } else {
                diags.push(Diagnostic::error(file, line_no, "forms before any verb"));
            }
            continue;
        }
        // A verb line.
        let (rest, code) = split_code(&line);
        let (word_part, forms) = match (rest.find('{'), rest.rfind('}')) {
            (Some(a), Some(b)) if a < b => {
                (rest[..a].trim().to_string(), rest[a + 1..b].to_string())
            }
            _ => (rest.clone(), String::new()),
        };
        let starts_new = block.as_ref().is_none_or(|b| {
            !b.patterns.is_empty() || (dialect == Dialect::Tabari && code.is_some())
        });
        if starts_new {
            flush_block(&mut block, &mut out);
            block = Some(VerbBlock {
                name: word_part.trim_start_matches('+').to_string(),
                code: code.clone().unwrap_or_else(|| "---".to_string()),
                line: line_no,
                ..VerbBlock::default()
            });
        }
        let Some(verb) = parse_verb_word(&word_part, line_no) else {
            diags.push(Diagnostic::error(
                file,
                line_no,
                format!("cannot read verb '{word_part}'"),
            ));
            continue;
        };
        let mut verb = verb;
        verb.forms = forms
            .split_whitespace()
            .filter(|f| !f.contains('_'))
            .map(|f| f.trim_start_matches('+').to_lowercase())
            .collect();
        // TABARI's regular verb endings: a verb written with a final "_" and no forms of its
        // own also matches its S, ES, ED, EN and ING forms ("DEPART_": "departes", "departen").
        if dialect == Dialect::Tabari && !verb.stem && !verb.exact && verb.forms.is_empty() {
            verb.forms = regular_endings(&verb.head);
        }
        verb.code = if starts_new { None } else { code };
        block.as_mut().expect("set above").verbs.push(verb);
    }
    if let Some(s) = synset.take() {
        out.synsets.push(s);
    }
    flush_block(&mut block, &mut out);
    (out, diags)
}

/// TABARI's regular endings of a verb: `S`, `ES`, `ED`, `EN`, `ING`, and for a verb ending in
/// `E` also `D` and `ING` without the `E`.
fn regular_endings(head: &str) -> Vec<String> {
    let mut out: Vec<String> = ["s", "es", "ed", "en", "ing"]
        .iter()
        .map(|e| format!("{head}{e}"))
        .collect();
    if let Some(base) = head.strip_suffix('e') {
        out.push(format!("{head}d"));
        out.push(format!("{base}ing"));
    }
    out
}

/// `SPEED`, `+BREAK_DOWN`, `WIRE_+TAP`, `ARM_`, `HAVE NOTHING TO DO WITH`: the head is the word
/// marked `+`, else the first. `_` joins adjacent words; a space allows a gap, kept as `...`.
fn parse_verb_word(s: &str, line: u32) -> Option<BlockVerb> {
    // TABARI's "BAN=": this word exactly, neither a stem nor with regular endings.
    let exact = s.trim_end().ends_with('=');
    let s = s.trim_end().trim_end_matches('=');
    let mut words: Vec<String> = Vec::new();
    for chunk in s.split_whitespace() {
        let mut first = true;
        for w in chunk.split('_').filter(|w| !w.is_empty()) {
            if first && !words.is_empty() {
                words.push("...".to_string());
            }
            first = false;
            words.push(w.to_string());
        }
    }
    if words.is_empty() {
        return None;
    }
    let marked = words.iter().position(|w| w.starts_with('+') && w.len() > 1);
    let k = marked.unwrap_or(0);
    let clean = |w: &String| w.trim_start_matches('+').to_lowercase();
    let head = clean(&words[k]);
    if head.is_empty() || !head.chars().any(char::is_alphabetic) {
        return None;
    }
    Some(BlockVerb {
        head,
        forms: Vec::new(),
        before: words[..k].iter().map(clean).collect(),
        after: words[k + 1..].iter().map(clean).collect(),
        code: None,
        stem: !exact && !s.trim_end().ends_with('_'),
        exact,
        line,
    })
}

/// The first code of `[a:b]`, checked: `None` for `---` (codes nothing); an error message when
/// it is not a code at all.
/// TABARI's `+++` (complex) is a code in TABARI files only: PETRARCH-2 reads no such code.
fn check_code(code: &str, dialect: Dialect) -> Result<Option<String>, String> {
    let first = code.split(':').next().unwrap_or("").trim();
    if first.is_empty() || first.chars().all(|c| c == '-') {
        return Ok(None);
    }
    if first == crate::cameo::COMPLEX_CODE && dialect != Dialect::Tabari {
        return Err(format!("'{code}' is not an event code"));
    }
    if crate::cameo::is_uncoded_marker(first) {
        return Ok(Some(first.to_string()));
    }
    if CameoCode::parse_foreign(first).is_none() {
        return Err(format!("'{code}' is not an event code"));
    }
    Ok(Some(first.to_string()))
}

/// The second code of `[a:b]`, the converse event's, when it is a code.
fn paired_of(code: &str) -> Option<&str> {
    let second = code.split_once(':')?.1.trim();
    CameoCode::parse_foreign(second).map(|_| second)
}

/// Expands a synset into its alternatives (word sequences), following nested synsets.
fn expand_synset(
    name: &str,
    synsets: &HashMap<String, &Synset>,
    depth: usize,
    dialect: Dialect,
) -> Result<Vec<Vec<String>>, String> {
    let Some(s) = synsets.get(name) else {
        return Err(format!("undefined synset '&{name}'"));
    };
    if depth > 5 {
        return Err(format!("synset '&{name}' nests too deeply"));
    }
    let mut out = Vec::new();
    for member in &s.members {
        let mut seqs: Vec<Vec<String>> = vec![Vec::new()];
        // TABARI: a space lets other words come between ("AUSTRIAN FLORIN" matches "austrian
        // gold florin"), written "..." in a phrase, and a last word without a final "_" is a
        // stem ("YUM YENNYEN" matches "yum yennyener"), written with a final "*".
        let tabari = dialect == Dialect::Tabari;
        let chunks: Vec<&str> = member.split_whitespace().collect();
        for (c, chunk) in chunks.iter().enumerate() {
            let words: Vec<&str> = chunk.split('_').filter(|w| !w.is_empty()).collect();
            for (k, word) in words.iter().enumerate() {
                let mut alts: Vec<Vec<String>> = match word.strip_prefix('&') {
                    Some(inner) => {
                        expand_synset(inner.trim_end_matches('_'), synsets, depth + 1, dialect)?
                    }
                    None => vec![words_of(word.trim_end_matches('$'))],
                };
                let last = c + 1 == chunks.len() && k + 1 == words.len();
                if tabari
                    && last
                    && !chunk.ends_with('_')
                    && !word.starts_with('&')
                    && word.chars().all(char::is_alphanumeric)
                {
                    for a in &mut alts {
                        if let Some(w) = a.last_mut() {
                            w.push('*');
                        }
                    }
                }
                if tabari && c > 0 && k == 0 {
                    for a in &mut alts {
                        a.insert(0, "...".to_string());
                    }
                }
                seqs = seqs
                    .iter()
                    .flat_map(|s| {
                        alts.iter().map(move |a| {
                            let mut x = s.clone();
                            x.extend(a.iter().cloned());
                            x
                        })
                    })
                    .collect();
            }
        }
        out.extend(seqs.into_iter().filter(|s| !s.is_empty()));
    }
    Ok(out)
}

/// A dictionary word as Redline's tokenizer splits text: `DIDN'T` is `did n't`, `U.S.` stays.
fn words_of(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    // Treebank clitics written on their own (`DID N'T`, `'S`) are already tokens.
    if lower.starts_with("n'") || lower.starts_with('\'') {
        return vec![crate::text::normalise(&lower)];
    }
    crate::text::token_spans(&lower, 0..lower.len())
        .into_iter()
        .map(|s| crate::text::normalise(&lower[s.range()]))
        .collect()
}

/// Pattern atoms in text order: an element and whether a gap may precede it. In TABARI a word
/// not followed by `_` (or marked `~`) is a stem.
fn pattern_atoms(
    text: &str,
    synsets: &HashMap<String, &Synset>,
    dialect: Dialect,
) -> Result<(Vec<(Element, bool)>, usize), String> {
    // TABARI's "{ A | B }" alternatives become one atom; PETRARCH-2's ( ) and { } only group.
    let mut alternatives: Vec<Vec<Vec<String>>> = Vec::new();
    let mut flat = String::new();
    let mut rest = text;
    while let Some(a) = rest.find('{') {
        let Some(b) = rest[a..].find('}').map(|b| a + b) else {
            return Err("unclosed '{'".to_string());
        };
        flat.push_str(&rest[..a]);
        let inner = &rest[a + 1..b];
        if inner.contains('|') {
            alternatives.push(
                inner
                    .split('|')
                    .map(|alt| {
                        alt.split(|c: char| c == '_' || c.is_whitespace())
                            .filter(|w| !w.is_empty())
                            .map(str::to_lowercase)
                            .collect()
                    })
                    .collect(),
            );
            flat.push_str(&format!(" \u{1}{} ", alternatives.len() - 1));
        } else {
            flat.push(' ');
            flat.push_str(inner);
            flat.push(' ');
        }
        rest = &rest[b + 1..];
    }
    flat.push_str(rest);
    let flat = flat.replace(['(', ')'], " ");
    let mut atoms: Vec<(Element, bool)> = Vec::new();
    let mut verb_at = None;
    for chunk in flat.split_whitespace() {
        let mut first_in_chunk = true;
        let pieces: Vec<&str> = chunk.split('_').collect();
        for (k, piece) in pieces.iter().enumerate() {
            let piece = *piece;
            if piece.is_empty() {
                continue;
            }
            let stem =
                dialect == Dialect::Tabari && (piece.ends_with('~') || k + 1 == pieces.len());
            let piece = piece.trim_end_matches('~');
            let gap_before = first_in_chunk;
            first_in_chunk = false;
            let element = match piece {
                "*" => {
                    if verb_at.is_some() {
                        return Err("more than one '*'".to_string());
                    }
                    verb_at = Some(atoms.len());
                    atoms.push((Element::Gap, gap_before)); // placeholder for the verb
                    continue;
                }
                "+" => Element::Target,
                "$" | "%" => Element::Source,
                // TABARI: skip to and over the next actor ("AT ^ +": "at the Gondor of the
                // Prince of Dol Amroth" has the target Dol Amroth).
                "^" if dialect == Dialect::Tabari => {
                    atoms.push((Element::Gap, gap_before));
                    Element::Actor
                }
                "^" => {
                    // A skipped phrase: at least one token of any kind (every word begins with
                    // the empty stem), then a gap.
                    atoms.push((Element::Stem(vec![String::new()]), gap_before));
                    Element::Gap
                }
                p if p.starts_with('&') => {
                    let alts = expand_synset(
                        p[1..].trim_end_matches('_').to_uppercase().as_str(),
                        synsets,
                        0,
                        dialect,
                    )?;
                    to_element(alts)
                }
                p if p.starts_with('\u{1}') => {
                    let k: usize = p[1..].parse().map_err(|_| "bad alternative".to_string())?;
                    to_element(alternatives[k].clone())
                }
                p if stem && p.chars().all(char::is_alphanumeric) => {
                    Element::Stem(vec![p.to_lowercase()])
                }
                p => to_element(vec![words_of(p)]),
            };
            atoms.push((element, gap_before));
        }
    }
    let Some(verb_at) = verb_at else {
        return Err("pattern has no '*' for the verb".to_string());
    };
    Ok((atoms, verb_at))
}

fn to_element(alts: Vec<Vec<String>>) -> Element {
    // Stems ("dollar*") and gaps ("...") only have a meaning inside a phrase.
    let plain = |w: &String| w != "..." && !w.ends_with('*');
    if alts.iter().all(|a| a.len() == 1 && plain(&a[0])) {
        Element::Word(alts.into_iter().map(|mut a| a.remove(0)).collect())
    } else {
        Element::Phrase(alts)
    }
}

/// Builds Redline's `before` (nearest first) and `elements` from atoms around the verb, with
/// the verb's own multi-word parts joined to it.
fn build_elements(
    atoms: &[(Element, bool)],
    verb_at: usize,
    verb: &BlockVerb,
) -> (Vec<Element>, Vec<Element>) {
    let mut after = Vec::new();
    let word = |w: &String| {
        if w == "..." {
            Element::Gap
        } else {
            Element::Word(vec![w.clone()])
        }
    };
    after.extend(verb.after.iter().map(word));
    for (element, gap) in &atoms[verb_at + 1..] {
        if *gap && !matches!(element, Element::Gap) {
            after.push(Element::Gap);
        }
        after.push(element.clone());
    }
    while matches!(after.last(), Some(Element::Gap)) {
        after.pop();
    }
    let mut before = Vec::new();
    before.extend(verb.before.iter().rev().map(word));
    // Walking leftwards: the verb's own gap flag says whether a gap may sit right before it.
    let mut gap_after = atoms[verb_at].1;
    for (element, gap) in atoms[..verb_at].iter().rev() {
        if gap_after && !matches!(element, Element::Gap) {
            before.push(Element::Gap);
        }
        before.push(element.clone());
        gap_after = *gap;
    }
    while matches!(before.last(), Some(Element::Gap)) {
        before.pop();
    }
    (before, after)
}

/// Adds a read file's patterns to `dict`, reporting what cannot be used: undefined synsets,
/// codes not in CAMEO (kept) or not codes at all (dropped), duplicate and unreachable patterns,
/// and the patterns PETRARCH-2 itself would never read.
pub fn add_to(
    read: &VerbFile,
    dict: &mut VerbDictionary,
    table: &CameoTable,
    file: &str,
    dialect: Dialect,
) -> Vec<Diagnostic> {
    let stems = dialect == Dialect::Tabari;
    let file_name: Arc<str> = Arc::from(file);
    let mut diags = Vec::new();
    let mut synsets: HashMap<String, &Synset> = HashMap::new();
    for s in &read.synsets {
        if let Some(first) = synsets.get(&s.name) {
            diags.push(Diagnostic::warning(
                file,
                s.line,
                format!(
                    "duplicate synset '&{}' (first on line {}); the later one is used",
                    s.name, first.line
                ),
            ));
        }
        synsets.insert(s.name.clone(), s);
    }
    let not_cameo = |code: &str, line: u32, diags: &mut Vec<Diagnostic>| {
        if !table.contains(code) && !crate::cameo::is_uncoded_marker(code) {
            diags.push(Diagnostic::warning(
                file,
                line,
                format!("code '{code}' is not in CAMEO (kept)"),
            ));
        }
    };
    if let Some(stop) = read.petrarch_stops_at {
        let later: Vec<&VerbBlock> = read
            .blocks
            .iter()
            .filter(|b| b.patterns.iter().any(|p| p.line > stop))
            .collect();
        let n: usize = later
            .iter()
            .map(|b| b.patterns.iter().filter(|p| p.line > stop).count())
            .sum();
        if n > 0 {
            diags.push(Diagnostic::warning(
                file,
                stop,
                format!(
                    "comment line among the patterns: petrarch-2 stops reading the file here, so {n} later pattern(s) in {} block(s) are unreachable there (redline reads them)",
                    later.len()
                ),
            ));
        }
    }
    let mut heads_seen: HashMap<String, u32> = HashMap::new();
    for block in &read.blocks {
        let block_code = match check_code(&block.code, dialect) {
            Ok(c) => c,
            Err(e) => {
                diags.push(Diagnostic::error(file, block.line, e));
                None
            }
        };
        if let Some(c) = &block_code {
            not_cameo(c, block.line, &mut diags);
        }
        for verb in &block.verbs {
            let key = std::iter::once(verb.head.as_str())
                .chain(verb.before.iter().map(String::as_str))
                .chain(verb.after.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(first) = heads_seen.insert(key.clone(), verb.line) {
                diags.push(Diagnostic::warning(
                    file,
                    verb.line,
                    format!("duplicate verb '{key}' (first on line {first})"),
                ));
            }
            let code = match verb.code.as_deref().map(|c| check_code(c, dialect)) {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    diags.push(Diagnostic::error(file, verb.line, e));
                    None
                }
                None => block_code.clone(),
            };
            if let Some(code) = code {
                if verb.code.is_some() {
                    not_cameo(&code, verb.line, &mut diags);
                }
                let (before, elements) = build_elements(&[(Element::Gap, false)], 0, verb);
                dict.push_with_stem(
                    make_pattern(
                        &code,
                        paired_of(verb.code.as_deref().unwrap_or(&block.code)),
                        verb,
                        before,
                        elements,
                        &key,
                        &file_name,
                        verb.line,
                    ),
                    stems && verb.stem,
                );
            }
        }
        let pattern_verbs = merged_verbs(&block.verbs, stems);
        let mut seen_patterns: HashMap<String, (u32, String)> = HashMap::new();
        for p in &block.patterns {
            let normalised = p
                .text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase();
            if let Some((first, code)) = seen_patterns.get(&normalised) {
                let message = if *code == p.code {
                    format!("duplicate pattern '{}' (first on line {first})", p.text)
                } else {
                    format!(
                        "unreachable pattern '{}': line {first} has the same pattern with code [{code}]",
                        p.text
                    )
                };
                diags.push(Diagnostic::warning(file, p.line, message));
                continue;
            }
            seen_patterns.insert(normalised, (p.line, p.code.clone()));
            let code = match check_code(&p.code, dialect) {
                Ok(Some(c)) => c,
                Ok(None) => {
                    diags.push(Diagnostic::warning(
                        file,
                        p.line,
                        format!(
                            "pattern '{}' has the null code [---]: it codes nothing and is skipped",
                            p.text
                        ),
                    ));
                    continue;
                }
                Err(e) => {
                    diags.push(Diagnostic::error(file, p.line, e));
                    continue;
                }
            };
            not_cameo(&code, p.line, &mut diags);
            let (atoms, verb_at) = match pattern_atoms(&p.text, &synsets, dialect) {
                Ok(x) => x,
                Err(e) => {
                    diags.push(Diagnostic::error(
                        file,
                        p.line,
                        format!("pattern '{}': {e}", p.text),
                    ));
                    continue;
                }
            };
            for verb in &pattern_verbs {
                let (before, elements) = build_elements(&atoms, verb_at, verb);
                let text = format!("{} :: {}", block.name.to_lowercase(), p.text.to_lowercase());
                dict.push_with_stem(
                    make_pattern(
                        &code,
                        paired_of(&p.code),
                        verb,
                        before,
                        elements,
                        &text,
                        &file_name,
                        p.line,
                    ),
                    stems && verb.stem,
                );
            }
        }
    }
    diags
}

/// The verbs a block's patterns are built for: the single-word verbs merged into one (their
/// heads become alternatives, so a pattern is stored once, not once per synonym; stems and
/// exact words kept apart), and each multi-word verb on its own.
fn merged_verbs(verbs: &[BlockVerb], stems: bool) -> Vec<BlockVerb> {
    let mut out: Vec<BlockVerb> = Vec::new();
    for stem in [false, true] {
        let mut members = verbs
            .iter()
            .filter(|v| v.before.is_empty() && v.after.is_empty() && (v.stem && stems) == stem);
        if let Some(first) = members.next() {
            let mut merged = first.clone();
            merged.stem = stem;
            for v in members {
                merged.forms.push(v.head.clone());
                merged.forms.extend(v.forms.iter().cloned());
            }
            out.push(merged);
        }
    }
    out.extend(
        verbs
            .iter()
            .filter(|v| !(v.before.is_empty() && v.after.is_empty()))
            .cloned(),
    );
    out
}

#[allow(clippy::too_many_arguments)]
fn make_pattern(
    code: &str,
    paired: Option<&str>,
    verb: &BlockVerb,
    before: Vec<Element>,
    elements: Vec<Element>,
    text: &str,
    file: &Arc<str>,
    line: u32,
) -> VerbPattern {
    let mut heads = vec![verb.head.clone()];
    for f in &verb.forms {
        if !heads.contains(f) {
            heads.push(f.clone());
        }
    }
    VerbPattern {
        code: CameoCode::parse_foreign(code).expect("checked by check_code"),
        negated_code: None,
        paired_code: paired.and_then(CameoCode::parse_foreign),
        compound: text.split(" :: ").nth(1).is_some_and(|p| p.contains('%')),
        heads,
        elements,
        before,
        text: text.to_string(),
        file: file.clone(),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETRARCH: &str = "\
# header comment
&CURRENCY
+DOLLAR
+SWISS FRANC

--- ACCELERATE   [042]  ---
ACCELERATE
SPEED {SPEEDING SPEEDS SPED }
+BREAK_DOWN {}
- * AID                     [070]   # RUSH
- * &CURRENCY               [073]
- $ SAID * (TO BORDER)      [154]
# a comment inside the patterns
- * &WEAPON                 [194]
- * AID                     [071]
- * CASH                    [+++]
- * NOTHING                 [---]
";

    fn load(text: &str, dialect: Dialect) -> (VerbDictionary, Vec<Diagnostic>) {
        let (file, mut diags) = read_verbs("v.txt", text, dialect);
        let mut dict = VerbDictionary::new();
        diags.extend(add_to(
            &file,
            &mut dict,
            &CameoTable::embedded(),
            "v.txt",
            dialect,
        ));
        (dict, diags)
    }

    #[test]
    fn petrarch_blocks_synsets_and_defects() {
        let (dict, diags) = load(PETRARCH, Dialect::Petrarch);
        let got: Vec<(u32, String)> = diags.iter().map(|d| (d.line, d.message.clone())).collect();
        let lines: Vec<u32> = got.iter().map(|g| g.0).collect();
        assert_eq!(lines, [13, 14, 15, 16, 17], "{got:?}");
        assert!(got[0].1.contains("petrarch-2 stops reading"));
        assert!(got[1].1.contains("undefined synset '&WEAPON'"));
        assert!(got[2].1.contains("unreachable"));
        assert!(got[3].1.contains("not an event code"));
        assert!(got[4].1.contains("null code"));
        // 3 bare verbs + 3 patterns x 2 (single-word verbs share one pattern).
        assert_eq!(dict.len(), 9);
        let with_source = dict
            .patterns()
            .iter()
            .find(|p| p.line == 12 && p.heads.contains(&"speed".to_string()))
            .unwrap();
        assert_eq!(
            with_source.heads,
            ["accelerate", "speed", "speeding", "speeds", "sped"]
        );
        assert_eq!(
            with_source.before,
            [
                Element::Gap,
                Element::Word(vec!["said".into()]),
                Element::Gap,
                Element::Source
            ]
        );
        assert_eq!(
            with_source.elements,
            [
                Element::Gap,
                Element::Word(vec!["to".into()]),
                Element::Gap,
                Element::Word(vec!["border".into()])
            ]
        );
        let currency = dict.patterns().iter().find(|p| p.line == 11).unwrap();
        assert_eq!(
            currency.elements[1],
            Element::Phrase(vec![
                vec!["dollar".into()],
                vec!["swiss".into(), "franc".into()]
            ])
        );
        let multi = dict
            .patterns()
            .iter()
            .find(|p| p.heads[0] == "break" && p.line == 9)
            .unwrap();
        assert_eq!(multi.elements[0], Element::Word(vec!["down".into()]));
    }

    #[test]
    fn tabari_verb_lines_start_blocks() {
        let text = "<TIME>\nLAST_WEEK [-7]\n</TIME>\nABANDON  [345] ;pas\n- * NEW_TIES [903]\nACCORD  [---]\n- IN_*  [075]\n- TO * [ab:c]\n";
        let (dict, diags) = load(text, Dialect::Tabari);
        assert_eq!(dict.len(), 4, "{diags:?}");
        let ties = dict.patterns().iter().find(|p| p.line == 5).unwrap();
        assert_eq!(
            ties.elements,
            [
                Element::Gap,
                Element::Word(vec!["new".into()]),
                Element::Stem(vec!["ties".into()])
            ]
        );
        let in_pattern = dict.patterns().iter().find(|p| p.line == 7).unwrap();
        assert_eq!(in_pattern.heads, ["accord"]);
        assert_eq!(in_pattern.before, [Element::Word(vec!["in".into()])]);
        let lines: Vec<u32> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [4, 5, 8]); // WEIS codes not in CAMEO, kept
        let (file, _) = read_verbs(
            "v.txt",
            "<TIME>\nKAN_WA_MA_KAN [###]\nLAST_WEEK [-7]\n</TIME>\n",
            Dialect::Tabari,
        );
        assert_eq!(file.time_discards, [["kan", "wa", "ma", "kan"]]);
    }

    #[test]
    fn tabari_synset_members_have_gaps_and_stems_and_literals_win_ties() {
        use crate::text::{Lemmatizer, make_token, token_spans};
        let (dict, diags) = load(
            "&CURRENCY\n+AUSTRIAN FLORIN\n+YUM YENNYEN\n+DOLLAR\nGIVE_ [070]\n- * &CURRENCY [903]\n- * DOLLAR [071]\n",
            Dialect::Tabari,
        );
        assert!(
            diags.iter().all(|d| d.severity != crate::Severity::Error),
            "{diags:?}"
        );
        let lem = Lemmatizer::default();
        let code_of = |text: &str| {
            let tokens: Vec<_> = token_spans(text, 0..text.len())
                .into_iter()
                .map(|s| make_token(text, s, &lem))
                .collect();
            dict.best_match(&tokens, 0, tokens.len(), &|_| None)
                .map(|m| dict.pattern(m.pattern).code.to_string())
        };
        assert_eq!(code_of("give austrian gold florin").as_deref(), Some("903"));
        assert_eq!(code_of("give yum yennyener").as_deref(), Some("903"));
        // "dollars" is in the synset and in a pattern of its own: the literal wins.
        assert_eq!(code_of("give dollars").as_deref(), Some("071"));
    }

    #[test]
    fn the_complex_code_is_tabari_only() {
        let text = "RESTOR_ [064]\n- * FXLL DIPLOMATIC  [+++]\n";
        let (dict, diags) = load(text, Dialect::Tabari);
        assert!(
            dict.patterns().iter().any(|p| p.code.as_str() == "+++"),
            "{diags:?}"
        );
        let text = "--- RESTORE [064] ---\nRESTORE\n- * FXLL DIPLOMATIC  [+++]\n";
        let (dict, diags) = load(text, Dialect::Petrarch);
        assert!(!dict.patterns().iter().any(|p| p.code.as_str() == "+++"));
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("not an event code"))
        );
    }

    #[test]
    fn tabari_caret_skips_over_an_actor() {
        use crate::text::{Lemmatizer, make_token, token_spans};
        let (dict, _) = load("WARN_ [160]\n- * AT ^ +  [162]\n", Dialect::Tabari);
        let text = "warn at the gondor of the prince";
        let lem = Lemmatizer::default();
        let tokens: Vec<_> = token_spans(text, 0..text.len())
            .into_iter()
            .map(|s| make_token(text, s, &lem))
            .collect();
        // Actors: "gondor" (token 3) and "prince" (token 6).
        let mention_at = |k: usize| match k {
            3 => Some(4),
            6 => Some(7),
            _ => None,
        };
        let m = dict
            .best_match(&tokens, 0, tokens.len(), &mention_at)
            .unwrap();
        assert_eq!(dict.pattern(m.pattern).code.as_str(), "162");
        assert_eq!(m.target_token, Some(6));
    }

    #[test]
    fn tabari_verbs_with_a_final_underscore_take_regular_endings() {
        let (dict, _) = load(
            "DEPART_ [032]\nDEPLORE_ [111]\nMEET_ [031]\n{ MET_ }\n",
            Dialect::Tabari,
        );
        let heads = |head: &str| {
            dict.patterns()
                .iter()
                .find(|p| p.heads[0] == head)
                .unwrap()
                .heads
                .clone()
        };
        let depart = heads("depart");
        for form in ["departs", "departes", "departed", "departen", "departing"] {
            assert!(depart.iter().any(|h| h == form), "{form}: {depart:?}");
        }
        assert!(!depart.iter().any(|h| h == "departx"));
        assert!(heads("deplore").iter().any(|h| h == "deploring"));
        // Forms given in braces replace the regular endings.
        assert_eq!(heads("meet"), ["meet", "met"]);
    }
}
