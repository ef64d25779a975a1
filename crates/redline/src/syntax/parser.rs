//! The dependency parser: greedy arc-eager transitions chosen by an averaged perceptron, trained
//! with Goldberg and Nivre's (2012) dynamic oracle, labels predicted jointly with the arcs.
//!
//! The classes are `SHIFT`, `REDUCE`, `LEFT(label)` and `RIGHT(label)`. The dummy root is the last
//! word of the buffer (Ballesteros and Nivre 2013): it is never shifted, and when it is all that
//! is left of the buffer, each word still without a head takes it as head by `LEFT(root)`, the
//! only arc labelled `root`. So the root is chosen with the whole sentence read, not when its
//! first word is (with the root at the front of the stack the parser made the subject the root of
//! "The US troops fired ..."). The first word the dummy root took becomes the root and any others
//! attach to it as `punct` or `parataxis`, so every parse is a tree with one root.
//! Features are Zhang and Nivre's (2011) templates over words, tags, labels, distance, valency and
//! label sets, plus the second stack word, less ten that did not pay for their time (bilexical
//! pairs and triples among them; template numbers keep their gaps, as they seed the hashes), and
//! seven tag triples again over coarse tags (UPOS), which generalise where the fine tags'
//! triples are sparse; with a supertagger, nine more over the supertags (each word's arc label and
//! the side its head is on) of s0, s1, b0 and b1, alone and in pairs (Ouchi, Duh and Matsumoto
//! 2014): a look at the right context that the greedy parser otherwise lacks. Training explores:
//! after the first epoch the parser follows its own prediction nine times in ten, and the oracle
//! says which transitions are still best from wherever it went, so the model learns to recover
//! from its own mistakes.
//! Non-projective training trees (288 of EWT's 12,544 sentences) are skipped, as arc-eager
//! cannot build them.

use super::SyntaxError;
use super::model::{ByteReader, ByteWriter};
use super::perceptron::{Rng, Scores, TrainingWeights, Weights, feature, hash_str};

const NONE: usize = usize::MAX;
const SHIFT: usize = 0;
const REDUCE: usize = 1;
const NULL: u64 = 0xDEAD;
const ROOT_WORD: u64 = 0xB007;

/// The parser's model.
#[derive(Debug, Clone, Default)]
pub struct Parser {
    /// The dependency labels, with subtypes (`nmod:poss`).
    pub labels: Vec<String>,
    weights: Weights,
    /// How many states [`Parser::parse`] keeps: 1 (or 0) parses greedily, more search with a
    /// beam, for weights trained with one.
    pub beam: usize,
}

/// A parse in progress. Words are 1..=n; the dummy root is `n + 1`, the last word of the
/// buffer, which is never shifted.
#[derive(Debug, Clone)]
struct State {
    n: usize,
    stack: Vec<usize>,
    next: usize,
    heads: Vec<usize>,
    labels: Vec<u16>,
    /// Per word, its dependents so far (one allocation for what the features read).
    deps: Vec<Deps>,
}

/// A word's dependents so far: the two outermost on each side, how many on each side, and the
/// set of their labels (a bit per label, modulo 64).
#[derive(Debug, Clone, Copy)]
struct Deps {
    left1: usize,
    left2: usize,
    right1: usize,
    right2: usize,
    n_left: u8,
    n_right: u8,
    left_labels: u64,
    right_labels: u64,
}

impl Deps {
    const EMPTY: Deps = Deps {
        left1: NONE,
        left2: NONE,
        right1: NONE,
        right2: NONE,
        n_left: 0,
        n_right: 0,
        left_labels: 0,
        right_labels: 0,
    };
}

impl State {
    fn new(n: usize) -> State {
        let size = n + 2;
        State {
            n,
            stack: Vec::with_capacity(n),
            next: 1,
            heads: vec![NONE; size],
            labels: vec![0; size],
            deps: vec![Deps::EMPTY; size],
        }
    }

    /// Makes this state a copy of `other` (of the same sentence), reusing its allocations.
    fn copy_from(&mut self, other: &State) {
        self.n = other.n;
        self.next = other.next;
        self.stack.clone_from(&other.stack);
        self.heads.clone_from(&other.heads);
        self.labels.clone_from(&other.labels);
        self.deps.clone_from(&other.deps);
    }

    /// The dummy root's position.
    fn root(&self) -> usize {
        self.n + 1
    }

    fn done(&self) -> bool {
        self.next == self.root() && self.stack.is_empty()
    }

    /// The top of the stack, `NONE` when it is empty.
    fn top(&self) -> usize {
        self.stack.last().copied().unwrap_or(NONE)
    }

    fn add_arc(&mut self, head: usize, dep: usize, label: u16) {
        self.heads[dep] = head;
        self.labels[dep] = label;
        let bit = 1u64 << (label % 64);
        let d = &mut self.deps[head];
        if dep < head {
            if d.left1 == NONE || dep < d.left1 {
                d.left2 = d.left1;
                d.left1 = dep;
            } else if d.left2 == NONE || dep < d.left2 {
                d.left2 = dep;
            }
            d.n_left = d.n_left.saturating_add(1);
            d.left_labels |= bit;
        } else {
            if d.right1 == NONE || dep > d.right1 {
                d.right2 = d.right1;
                d.right1 = dep;
            } else if d.right2 == NONE || dep > d.right2 {
                d.right2 = dep;
            }
            d.n_right = d.n_right.saturating_add(1);
            d.right_labels |= bit;
        }
    }

    /// The transitions this state allows. Words reach the dummy root only by `LEFT(root)`, once
    /// the rest of the sentence is read, so the parser never commits to a root early ("The
    /// troops fired": not `troops`); every other arc has another label.
    fn allowed(&self) -> Allowed {
        let s0 = self.top();
        let has_word = self.next < self.root();
        let headless = s0 != NONE && self.heads[s0] == NONE;
        Allowed {
            shift: has_word,
            reduce: s0 != NONE && !headless,
            left: headless,
            left_root_only: !has_word,
            right: s0 != NONE && has_word,
        }
    }

    /// The allowed class with the highest score, the first of ties; `SHIFT` if none is.
    /// `scores` is scratch: the classes not allowed are set to `i16::MIN` (which no sum of
    /// quantised weights reaches), so that the search is one maximum and one scan, loops the
    /// compiler vectorises, rather than a branch per class.
    fn best_valid(&self, scores: &mut [i16], n_labels: usize, root: usize) -> usize {
        let allowed = self.allowed();
        let (left, right) = (2, 2 + n_labels);
        if !allowed.shift {
            scores[SHIFT] = i16::MIN;
        }
        if !allowed.reduce {
            scores[REDUCE] = i16::MIN;
        }
        if !allowed.left {
            scores[left..right].fill(i16::MIN);
        } else if allowed.left_root_only {
            scores[left..left + root].fill(i16::MIN);
            scores[left + root + 1..right].fill(i16::MIN);
        } else {
            scores[left + root] = i16::MIN;
        }
        if !allowed.right {
            scores[right..right + n_labels].fill(i16::MIN);
        } else {
            scores[right + root] = i16::MIN;
        }
        let scores = &scores[..right + n_labels];
        let max = scores.iter().copied().max().unwrap_or(i16::MIN);
        if max == i16::MIN {
            return SHIFT;
        }
        scores.iter().position(|&s| s == max).unwrap_or(SHIFT)
    }

    fn apply(&mut self, class: usize, n_labels: usize) {
        match class {
            SHIFT => {
                self.stack.push(self.next);
                self.next += 1;
            }
            REDUCE => {
                self.stack.pop();
            }
            c if c < 2 + n_labels => {
                let s0 = self.stack.pop().expect("left-arc needs a stack word");
                self.add_arc(self.next, s0, (c - 2) as u16);
            }
            c => {
                let s0 = self.top();
                self.add_arc(s0, self.next, (c - 2 - n_labels) as u16);
                self.stack.push(self.next);
                self.next += 1;
            }
        }
    }

    /// The dynamic oracle: how many gold arcs each class makes unreachable (`u32::MAX` for
    /// invalid classes). `gold_heads` has the dummy root (`n + 1`) for the sentence's root.
    fn costs(
        &self,
        gold_heads: &[usize],
        gold_labels: &[u16],
        n_labels: usize,
        root: usize,
        in_stack: &mut [bool],
        costs: &mut [u32],
    ) {
        let allowed = self.allowed();
        for (class, cost) in costs.iter_mut().enumerate() {
            *cost = if allowed.allows(class, n_labels, root) {
                0
            } else {
                u32::MAX
            };
        }
        let s0 = self.top();
        let b = self.next;
        if s0 == NONE {
            return;
        }
        in_stack.iter_mut().for_each(|x| *x = false);
        for &k in &self.stack {
            in_stack[k] = true;
        }
        let n = self.n;
        // Gold dependents of s0 still in the buffer.
        let s0_deps_in_buffer = (b..=n).filter(|&k| gold_heads[k] == s0).count() as u32;
        // Headless stack words whose gold head is b.
        let stack_deps_of_b = self
            .stack
            .iter()
            .filter(|&&k| self.heads[k] == NONE && gold_heads[k] == b)
            .count() as u32;
        let b_head_in_stack = gold_heads[b] != NONE && in_stack[gold_heads[b]];
        if costs[SHIFT] == 0 {
            costs[SHIFT] = u32::from(b_head_in_stack) + stack_deps_of_b;
        }
        if costs[REDUCE] == 0 {
            costs[REDUCE] = s0_deps_in_buffer;
        }
        let s0_head_later = gold_heads[s0] != NONE && gold_heads[s0] > b;
        for l in 0..n_labels {
            let left = 2 + l;
            if costs[left] == 0 {
                costs[left] = s0_deps_in_buffer
                    + u32::from(s0_head_later)
                    + u32::from(gold_heads[s0] == b && gold_labels[s0] as usize != l);
            }
            let right = 2 + n_labels + l;
            if costs[right] == 0 {
                let head_elsewhere = gold_heads[b] != s0
                    && (b_head_in_stack || (gold_heads[b] != NONE && gold_heads[b] > b));
                costs[right] = u32::from(head_elsewhere)
                    + stack_deps_of_b
                    + u32::from(gold_heads[b] == s0 && gold_labels[b] as usize != l);
            }
        }
    }
}

/// Which transitions a state allows (`State::allowed`), the rules in one place for parsing and
/// for the oracle.
struct Allowed {
    shift: bool,
    reduce: bool,
    /// A left arc from the first buffer word to the headless top of the stack...
    left: bool,
    /// ... labelled `root` when (and only when) that word is the dummy root.
    left_root_only: bool,
    /// A right arc, never labelled `root`.
    right: bool,
}

impl Allowed {
    /// The one class allowed, when only one is: `SHIFT` with an empty stack, `REDUCE` or
    /// `LEFT(root)` with only the dummy root in the buffer.
    fn only(&self, root: usize) -> Option<usize> {
        match (self.shift, self.reduce, self.left, self.right) {
            (true, false, false, false) => Some(SHIFT),
            (false, true, false, false) => Some(REDUCE),
            (false, false, true, false) if self.left_root_only => Some(2 + root),
            _ => None,
        }
    }

    /// Whether `class` is allowed; `n_labels` splits the arc classes, `root` is the root label.
    fn allows(&self, class: usize, n_labels: usize, root: usize) -> bool {
        match class {
            SHIFT => self.shift,
            REDUCE => self.reduce,
            c if c < 2 + n_labels => self.left && ((c - 2 == root) == self.left_root_only),
            c => self.right && c - 2 - n_labels != root,
        }
    }
}

/// A training sentence's gold tree as the dynamic oracle reads it (the dummy root, `n + 1`,
/// heads the sentence's root), with the oracle's scratch space.
struct Oracle {
    heads: Vec<usize>,
    labels: Vec<u16>,
    in_stack: Vec<bool>,
}

impl Oracle {
    fn of(ex: &ParserExample) -> Oracle {
        let n = ex.words.len();
        let mut heads = vec![NONE];
        heads.extend(ex.heads.iter().map(|&h| if h == 0 { n + 1 } else { h }));
        heads.push(NONE);
        let mut labels = vec![0u16];
        labels.extend_from_slice(&ex.labels);
        labels.push(0);
        Oracle {
            heads,
            labels,
            in_stack: vec![false; n + 2],
        }
    }

    /// Each class's cost from `st` ([`State::costs`]).
    fn costs(&mut self, st: &State, n_labels: usize, root: usize, costs: &mut [u32]) {
        st.costs(
            &self.heads,
            &self.labels,
            n_labels,
            root,
            &mut self.in_stack,
            costs,
        );
    }
}

/// Keeps the first `width` of `items` by `order` (a total order), sorted by it: a selection,
/// then a sort of what is kept, for the beam's best states.
fn keep_best<T>(items: &mut Vec<T>, width: usize, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if items.len() > width {
        items.select_nth_unstable_by(width - 1, &order);
        items.truncate(width);
    }
    items.sort_unstable_by(order);
}

fn distance_bucket(d: usize) -> u64 {
    match d {
        0..=4 => d as u64,
        5..=9 => 5,
        _ => 6,
    }
}

impl Parser {
    fn n_classes(&self) -> usize {
        2 + 2 * self.labels.len()
    }

    fn root_label(&self) -> usize {
        self.labels.iter().position(|l| l == "root").unwrap_or(0)
    }

    fn features(st: &State, tokens: &Tokens, out: &mut Vec<u32>) {
        out.clear();
        let tok = |i: usize| {
            if i == NONE {
                (NULL, NULL)
            } else {
                (tokens.words[i], tokens.tags[i])
            }
        };
        let label = |i: usize| {
            if i == NONE || st.heads[i] == NONE {
                NULL
            } else {
                u64::from(st.labels[i])
            }
        };
        let at = |v: &Vec<usize>, i: usize| if i == NONE { NONE } else { v[i] };
        let s0 = st.top();
        let s1 = if st.stack.len() >= 2 {
            st.stack[st.stack.len() - 2]
        } else {
            NONE
        };
        // The buffer ends with the dummy root.
        let root = st.root();
        let b0 = st.next;
        let b1 = if b0 < root { b0 + 1 } else { NONE };
        let b2 = if b0 + 1 < root { b0 + 2 } else { NONE };
        let s0h = at(&st.heads, s0);
        let s0h2 = at(&st.heads, s0h);
        let s0d = if s0 == NONE { Deps::EMPTY } else { st.deps[s0] };
        let b0d = st.deps[b0];
        let (s0l, s0l2, s0r, s0r2) = (s0d.left1, s0d.left2, s0d.right1, s0d.right2);
        let (b0l, b0l2) = (b0d.left1, b0d.left2);
        let (s0w, s0p) = tok(s0);
        let (s1w, s1p) = tok(s1);
        let (b0w, b0p) = tok(b0);
        let (b1w, b1p) = tok(b1);
        let (b2w, b2p) = tok(b2);
        let (s0hw, s0hp) = tok(s0h);
        let (s0h2w, s0h2p) = tok(s0h2);
        let (s0lw, s0lp) = tok(s0l);
        let (s0l2w, s0l2p) = tok(s0l2);
        let (s0rw, s0rp) = tok(s0r);
        let s0r2p = tok(s0r2).1;
        let (b0lw, b0lp) = tok(b0l);
        let (b0l2w, b0l2p) = tok(b0l2);
        let d = if s0 == NONE {
            NULL
        } else {
            distance_bucket(b0 - s0)
        };
        let (s0vl, s0vr, s0sl, s0sr) = if s0 == NONE {
            (NULL, NULL, NULL, NULL)
        } else {
            (
                u64::from(s0d.n_left),
                u64::from(s0d.n_right),
                s0d.left_labels,
                s0d.right_labels,
            )
        };
        let b0vl = u64::from(b0d.n_left);
        let b0sl = b0d.left_labels;
        // The coarse tag (UPOS) packed above the fine one; 17 values generalise where the
        // fine tags' triples are sparse.
        let c = |p: u64| {
            if p == NULL || p == ROOT_WORD {
                p
            } else {
                p >> 16
            }
        };
        let (s0c, s1c, b0c, b1c, b2c) = (c(s0p), c(s1p), c(b0p), c(b1p), c(b2p));
        let (s0hc, s0lc, s0rc, b0lc) = (c(s0hp), c(s0lp), c(s0rp), c(b0lp));
        out.extend([
            feature(0, 0, 0, 0),
            feature(1, s0w, s0p, 0),
            feature(2, s0w, 0, 0),
            feature(3, s0p, 0, 0),
            feature(4, b0w, b0p, 0),
            feature(5, b0w, 0, 0),
            feature(6, b0p, 0, 0),
            feature(7, b1w, b1p, 0),
            feature(8, b1w, 0, 0),
            feature(9, b1p, 0, 0),
            feature(11, b2w, 0, 0),
            feature(12, b2p, 0, 0),
            feature(16, s0w, s0p, b0p),
            feature(17, s0p, b0w, b0p),
            feature(19, s0p, b0p, 0),
            feature(20, b0p, b1p, 0),
            feature(21, b0p, b1p, b2p),
            feature(22, s0p, b0p, b1p),
            feature(23, s0hp, s0p, b0p),
            feature(24, s0p, s0lp, b0p),
            feature(25, s0p, s0rp, b0p),
            feature(26, s0p, b0p, b0lp),
            feature(27, s0w, d, 0),
            feature(28, s0p, d, 0),
            feature(30, b0p, d, 0),
            feature(32, s0p, b0p, d),
            feature(33, s0w, s0vr, 0),
            feature(34, s0p, s0vr, 0),
            feature(35, s0w, s0vl, 0),
            feature(36, s0p, s0vl, 0),
            feature(37, b0w, b0vl, 0),
            feature(38, b0p, b0vl, 0),
            feature(39, s0hw, 0, 0),
            feature(41, label(s0), 0, 0),
            feature(42, s0lw, 0, 0),
            feature(43, s0lp, 0, 0),
            feature(44, label(s0l), 0, 0),
            feature(45, s0rw, 0, 0),
            feature(46, s0rp, 0, 0),
            feature(47, label(s0r), 0, 0),
            feature(48, b0lw, 0, 0),
            feature(49, b0lp, 0, 0),
            feature(50, label(b0l), 0, 0),
            feature(51, s0h2w, 0, 0),
            feature(52, s0h2p, 0, 0),
            feature(53, label(s0h), 0, 0),
            feature(54, s0l2w, 0, 0),
            feature(55, s0l2p, 0, 0),
            feature(56, label(s0l2), 0, 0),
            feature(59, label(s0r2), 0, 0),
            feature(60, b0l2w, 0, 0),
            feature(61, b0l2p, 0, 0),
            feature(62, label(b0l2), 0, 0),
            feature(63, s0p, s0lp, s0l2p),
            feature(64, s0p, s0rp, s0r2p),
            feature(65, s0p, s0hp, s0h2p),
            feature(66, b0p, b0lp, b0l2p),
            feature(67, s0w, s0sr, 0),
            feature(68, s0p, s0sr, 0),
            feature(69, s0w, s0sl, 0),
            feature(70, s0p, s0sl, 0),
            feature(71, b0w, b0sl, 0),
            feature(72, b0p, b0sl, 0),
            feature(73, s1p, 0, 0),
            feature(74, s1w, s1p, 0),
            feature(75, s1p, s0p, b0p),
            feature(76, s1w, s0w, b0p),
            feature(77, b0c, b1c, b2c),
            feature(78, s0c, b0c, b1c),
            feature(79, s0hc, s0c, b0c),
            feature(80, s0c, s0lc, b0c),
            feature(81, s0c, s0rc, b0c),
            feature(82, s0c, b0c, b0lc),
            feature(83, s1c, s0c, b0c),
        ]);
        // The supertag templates, for a parser trained with a supertagger.
        if tokens.supertags.is_empty() {
            return;
        }
        let sup = |i: usize| if i == NONE { NULL } else { tokens.supertags[i] };
        let (s0s, s1s, b0s, b1s) = (sup(s0), sup(s1), sup(b0), sup(b1));
        out.extend([
            feature(90, s0s, 0, 0),
            feature(91, b0s, 0, 0),
            feature(92, b1s, 0, 0),
            feature(93, s1s, 0, 0),
            feature(94, s0s, b0s, 0),
            feature(95, s0s, b0p, 0),
            feature(96, s0p, b0s, 0),
            feature(97, b0s, b1s, 0),
            feature(98, s0s, b0s, d),
        ]);
    }

    /// The feature values of a sentence's words: `words` are hashes of the lower-case forms,
    /// `tags` the tagger's classes with their `coarse` classes (UPOS), `supertags` the
    /// supertagger's classes (empty for a parser trained without them).
    fn token_values(words: &[u64], tags: &[u16], coarse: &[u16], supertags: &[u16]) -> Tokens {
        let with_ends = |values: &mut dyn Iterator<Item = u64>| {
            let mut v = Vec::with_capacity(words.len() + 2);
            v.push(ROOT_WORD);
            v.extend(values);
            // The dummy root, at the end of the buffer.
            v.push(ROOT_WORD);
            v
        };
        Tokens {
            words: with_ends(&mut words.iter().copied()),
            // A tag value carries the coarse tag above the fine one (`features` reads both).
            tags: with_ends(
                &mut tags
                    .iter()
                    .zip(coarse)
                    .map(|(&t, &c)| u64::from(t) | (u64::from(c) + 1) << 16),
            ),
            supertags: if supertags.is_empty() {
                Vec::new()
            } else {
                with_ends(&mut supertags.iter().map(|&s| u64::from(s)))
            },
        }
    }

    /// Parses a tagged sentence: `words` are hashes of the lower-case forms, `tags` the tagger's
    /// classes, `supertags` the supertagger's (empty for a parser trained without them),
    /// `punct` marks punctuation. Returns 1-based heads (0 for the root) and labels. Greedy or
    /// with a beam, as the parser was trained ([`Parser::beam`]).
    pub fn parse(
        &self,
        words: &[u64],
        tags: &[u16],
        coarse: &[u16],
        supertags: &[u16],
        punct: &[bool],
    ) -> (Vec<usize>, Vec<u16>) {
        let tokens = Self::token_values(words, tags, coarse, supertags);
        if self.beam > 1 {
            self.parse_beam(&tokens, punct, self.beam)
        } else {
            self.parse_greedy(&tokens, punct)
        }
    }

    fn parse_greedy(&self, tokens: &Tokens, punct: &[bool]) -> (Vec<usize>, Vec<u16>) {
        let n = punct.len();
        let n_labels = self.labels.len();
        let root = self.root_label();
        let mut st = State::new(n);
        let mut features = Vec::with_capacity(80);
        let n_classes = self.n_classes();
        let mut scores: Scores = [0; 256];
        while !st.done() {
            // A forced move (an empty stack, or only the dummy root left in the buffer) needs
            // no scores.
            let best = match st.allowed().only(root) {
                Some(class) => class,
                None => {
                    Self::features(&st, tokens, &mut features);
                    scores[..n_classes].fill(0);
                    self.weights.score(&features, &mut scores);
                    st.best_valid(&mut scores[..n_classes], n_labels, root)
                }
            };
            st.apply(best, n_labels);
        }
        self.finish(st, punct)
    }

    /// Parses with a beam of `width` states: at each step every state's allowed classes are
    /// scored and the `width` best (state score plus class score) are kept. Every parse takes
    /// the same number of transitions (two per word), so the totals compare fairly.
    fn parse_beam(&self, tokens: &Tokens, punct: &[bool], width: usize) -> (Vec<usize>, Vec<u16>) {
        let n = punct.len();
        let n_labels = self.labels.len();
        let root = self.root_label();
        let n_classes = self.n_classes();
        let mut beam: Vec<(i64, State)> = vec![(0, State::new(n))];
        let mut next: Vec<(i64, State)> = Vec::with_capacity(width);
        let mut features = Vec::with_capacity(80);
        let mut scores: Scores = [0; 256];
        let mut candidates: Vec<(i64, usize, usize)> = Vec::new();
        while !beam.iter().all(|(_, st)| st.done()) {
            candidates.clear();
            for (k, (total, st)) in beam.iter().enumerate() {
                if st.done() {
                    candidates.push((*total, k, usize::MAX));
                    continue;
                }
                Self::features(st, tokens, &mut features);
                scores[..n_classes].fill(0);
                self.weights.score(&features, &mut scores);
                let allowed = st.allowed();
                for (class, &score) in scores[..n_classes].iter().enumerate() {
                    if allowed.allows(class, n_labels, root) {
                        candidates.push((total + i64::from(score), k, class));
                    }
                }
            }
            // The best `width`, best first (a total order: every (state, class) is distinct).
            keep_best(&mut candidates, width, |a, b| {
                b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
            });
            // The next beam reuses the previous step's states' allocations.
            for (i, &(total, k, class)) in candidates.iter().enumerate() {
                if i == next.len() {
                    next.push((total, beam[k].1.clone()));
                } else {
                    next[i].0 = total;
                    next[i].1.copy_from(&beam[k].1);
                }
                if class != usize::MAX {
                    next[i].1.apply(class, n_labels);
                }
            }
            next.truncate(candidates.len());
            std::mem::swap(&mut beam, &mut next);
        }
        let best = beam.into_iter().next().expect("the beam is never empty").1;
        self.finish(best, punct)
    }

    /// Makes the parse a tree with one root: the first word the dummy root took (not
    /// punctuation, if it took a word) is the root, and the other words it took, or any left
    /// without a head, attach to that word as `punct` or `parataxis`.
    fn finish(&self, st: State, punct: &[bool]) -> (Vec<usize>, Vec<u16>) {
        let root = self.root_label();
        let find = |name: &str| self.labels.iter().position(|l| l == name).unwrap_or(root) as u16;
        let (punct_label, parataxis_label) = (find("punct"), find("parataxis"));
        let dummy = st.root();
        let mut heads = st.heads;
        let mut labels = st.labels;
        let unattached = |h: usize| h == dummy || h == NONE;
        let root_word = (1..=st.n)
            .find(|&k| heads[k] == dummy && !punct[k - 1])
            .or_else(|| (1..=st.n).find(|&k| unattached(heads[k])))
            .unwrap_or(1);
        for k in 1..=st.n {
            if k == root_word {
                heads[k] = 0;
                labels[k] = root as u16;
            } else if unattached(heads[k]) {
                heads[k] = root_word;
                labels[k] = if punct[k - 1] {
                    punct_label
                } else {
                    parataxis_label
                };
            }
        }
        (heads[1..=st.n].to_vec(), labels[1..=st.n].to_vec())
    }

    /// Trains a parser on tagged sentences: (lower-case word hashes, predicted tags, gold heads,
    /// gold labels); `labels` names the label numbers.
    pub fn train(
        sentences: &[ParserExample],
        labels: Vec<String>,
        options: &ParserTraining,
        rng: &mut Rng,
        progress: &mut dyn FnMut(&str),
    ) -> Parser {
        let mut parser = Parser {
            labels,
            weights: Weights::default(),
            beam: options.beam.max(1),
        };
        let trained: Vec<TrainingWeights> = (0..options.runs.max(1))
            .map(|_| {
                let mut training = parser.train_run(sentences, options.epochs, rng, progress);
                if parser.beam > 1 {
                    parser.train_beam_epochs(
                        &mut training,
                        sentences,
                        options.beam_epochs,
                        rng,
                        progress,
                    );
                }
                training
            })
            .collect();
        let refs: Vec<&TrainingWeights> = trained.iter().collect();
        parser.weights = TrainingWeights::average_runs(&refs, 0.05);
        parser
    }

    /// The training weights' scores of the classes from `st`.
    fn training_scores(
        training: &TrainingWeights,
        st: &State,
        tokens: &Tokens,
        features: &mut Vec<u32>,
        scores: &mut [f32],
    ) {
        Self::features(st, tokens, features);
        scores.iter_mut().for_each(|s| *s = 0.0);
        training.score(features, scores);
    }

    fn train_run(
        &self,
        sentences: &[ParserExample],
        epochs: usize,
        rng: &mut Rng,
        progress: &mut dyn FnMut(&str),
    ) -> TrainingWeights {
        let n_labels = self.labels.len();
        let n_classes = self.n_classes();
        let root = self.root_label();
        let mut training = TrainingWeights::new(n_classes);
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut features = Vec::with_capacity(80);
        let mut scores = vec![0f32; n_classes];
        let mut costs = vec![0u32; n_classes];
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            let (mut correct, mut total) = (0usize, 0usize);
            for &k in &order {
                let ex = &sentences[k];
                let n = ex.words.len();
                let tokens = Self::token_values(&ex.words, &ex.tags, &ex.coarse, &ex.supertags);
                let mut oracle = Oracle::of(ex);
                let mut st = State::new(n);
                while !st.done() {
                    Self::training_scores(&training, &st, &tokens, &mut features, &mut scores);
                    oracle.costs(&st, n_labels, root, &mut costs);
                    let min_cost = *costs.iter().min().expect("there are classes");
                    let (mut guess, mut best) = (NONE, NONE);
                    for class in 0..n_classes {
                        if costs[class] == u32::MAX {
                            continue;
                        }
                        if guess == NONE || scores[class] > scores[guess] {
                            guess = class;
                        }
                        if costs[class] == min_cost
                            && (best == NONE || scores[class] > scores[best])
                        {
                            best = class;
                        }
                    }
                    training.tick();
                    if costs[guess] > min_cost {
                        training.update(&features, best, guess);
                    }
                    let explore = epoch > 0 && rng.unit() < 0.9;
                    st.apply(if explore { guess } else { best }, n_labels);
                }
                total += n;
                correct += st.heads[1..=n]
                    .iter()
                    .zip(&oracle.heads[1..=n])
                    .filter(|(a, b)| a == b)
                    .count();
            }
            progress(&format!(
                "parser epoch {}: training attachment {:.2}% (while exploring)",
                epoch + 1,
                100.0 * correct as f64 / total.max(1) as f64
            ));
        }
        training
    }

    /// Global training with a beam of [`Parser::beam`] states (Zhang and Clark 2008, with
    /// Collins and Roark's 2004 early update), continuing from the greedy weights in `training`
    /// and averaging afresh: the reference is the best-scoring sequence of zero-cost transitions
    /// (the dynamic oracle's), and when no state in the beam is still zero-cost (or at the end,
    /// when the best state is not) the reference's transitions gain and the best state's lose.
    fn train_beam_epochs(
        &self,
        training: &mut TrainingWeights,
        sentences: &[ParserExample],
        epochs: usize,
        rng: &mut Rng,
        progress: &mut dyn FnMut(&str),
    ) {
        struct Hyp {
            st: State,
            score: f32,
            history: Vec<u16>,
            zero: bool,
        }
        let n_labels = self.labels.len();
        let n_classes = self.n_classes();
        let root = self.root_label();
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut features = Vec::with_capacity(80);
        let mut scores = vec![0f32; n_classes];
        let mut costs = vec![0u32; n_classes];
        let mut candidates: Vec<(f32, usize, usize, bool)> = Vec::new();
        training.restart_averaging();
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            let (mut early, mut wrong) = (0usize, 0usize);
            for &k in &order {
                let ex = &sentences[k];
                let n = ex.words.len();
                let tokens = Self::token_values(&ex.words, &ex.tags, &ex.coarse, &ex.supertags);
                let mut oracle = Oracle::of(ex);
                let mut beam = vec![Hyp {
                    st: State::new(n),
                    score: 0.0,
                    history: Vec::new(),
                    zero: true,
                }];
                // The reference: always zero-cost, so only its state and transitions matter.
                let mut reference = State::new(n);
                let mut reference_history: Vec<u16> = Vec::new();
                let mut update = false;
                while !beam[0].st.done() {
                    training.tick();
                    candidates.clear();
                    for (h, hyp) in beam.iter().enumerate() {
                        Self::training_scores(
                            training,
                            &hyp.st,
                            &tokens,
                            &mut features,
                            &mut scores,
                        );
                        oracle.costs(&hyp.st, n_labels, root, &mut costs);
                        for class in 0..n_classes {
                            if costs[class] != u32::MAX {
                                candidates.push((
                                    hyp.score + scores[class],
                                    h,
                                    class,
                                    hyp.zero && costs[class] == 0,
                                ));
                            }
                        }
                    }
                    // The reference takes its best zero-cost class.
                    Self::training_scores(
                        training,
                        &reference,
                        &tokens,
                        &mut features,
                        &mut scores,
                    );
                    oracle.costs(&reference, n_labels, root, &mut costs);
                    let best = (0..n_classes)
                        .filter(|&c| costs[c] == 0)
                        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
                        .unwrap_or(SHIFT);
                    reference.apply(best, n_labels);
                    reference_history.push(best as u16);

                    keep_best(&mut candidates, self.beam, |a, b| {
                        b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
                    });
                    beam = candidates
                        .iter()
                        .map(|&(score, h, class, zero)| {
                            let mut st = beam[h].st.clone();
                            st.apply(class, n_labels);
                            let mut history = beam[h].history.clone();
                            history.push(class as u16);
                            Hyp {
                                st,
                                score,
                                history,
                                zero,
                            }
                        })
                        .collect();
                    if !beam.iter().any(|h| h.zero) {
                        early += 1;
                        update = true;
                        break;
                    }
                }
                if !update && !beam[0].zero {
                    wrong += 1;
                    update = true;
                }
                if update {
                    // The reference gains, the beam's best loses, along their prefixes.
                    for (history, delta) in [(&reference_history, 1.0f32), (&beam[0].history, -1.0)]
                    {
                        let mut st = State::new(n);
                        for &class in history {
                            Self::features(&st, &tokens, &mut features);
                            training.add(&features, &[(class as usize, delta)]);
                            st.apply(class as usize, n_labels);
                        }
                    }
                }
            }
            progress(&format!(
                "parser beam epoch {}: {early} early updates, {wrong} wrong at the end, of {}",
                epoch + 1,
                sentences.len()
            ));
        }
    }

    /// A copy without the weights smaller than `min_abs` in magnitude.
    pub fn pruned(&self, min_abs: f32) -> Parser {
        Parser {
            labels: self.labels.clone(),
            weights: self.weights.pruned(min_abs),
            beam: self.beam,
        }
    }

    /// The number of stored weights.
    pub fn n_weights(&self) -> usize {
        self.weights.len()
    }

    pub(crate) fn write(&self, w: &mut ByteWriter) {
        w.u32(self.labels.len() as u32);
        for l in &self.labels {
            w.str(l);
        }
        w.u32(self.beam.max(1) as u32);
        self.weights.write(w);
    }

    pub(crate) fn read(r: &mut ByteReader) -> Result<Parser, SyntaxError> {
        let n = r.u32("label count")? as usize;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            labels.push(r.str("label")?);
        }
        let beam = r.u32("beam width")? as usize;
        if !(1..=64).contains(&beam) {
            return Err(r.error(format!("beam width {beam}, expected 1 to 64")));
        }
        let weights = Weights::read(r)?;
        let parser = Parser {
            labels,
            weights,
            beam,
        };
        if parser.weights.n_classes() != parser.n_classes() {
            return Err(r.error("parser weights do not match its labels"));
        }
        Ok(parser)
    }
}

/// How to train the parser.
#[derive(Debug, Clone)]
pub struct ParserTraining {
    /// Greedy passes over the data.
    pub epochs: usize,
    /// Training runs, each exploring with its own random choices; the parser keeps the mean of
    /// their averaged weights (one model's size and speed).
    pub runs: usize,
    /// The beam width: above 1, training goes on with a beam for `beam_epochs` passes and the
    /// parser parses with that beam.
    pub beam: usize,
    /// Passes with the beam.
    pub beam_epochs: usize,
}

/// One training sentence for the parser.
#[derive(Debug, Clone)]
pub struct ParserExample {
    /// Hashes of the lower-case forms.
    pub words: Vec<u64>,
    /// Predicted tag classes.
    pub tags: Vec<u16>,
    /// Gold heads, 1-based, 0 for the root.
    pub heads: Vec<usize>,
    /// Gold label numbers.
    pub labels: Vec<u16>,
    /// The predicted tags' coarse classes (UPOS).
    pub coarse: Vec<u16>,
    /// Predicted supertags (the supertagger's classes), or none.
    pub supertags: Vec<u16>,
}

/// A sentence's feature values, with the root at position 0 and the dummy root after the last
/// word ([`Parser::token_values`]).
struct Tokens {
    words: Vec<u64>,
    tags: Vec<u64>,
    /// Empty for a parser without supertags.
    supertags: Vec<u64>,
}

/// The hash the parser uses for a word (its lower-case form).
pub fn word_hash(form: &str) -> u64 {
    hash_str(&form.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_reproduces_a_projective_tree() {
        // "she signed it ." : signed is the root, headed by the dummy root at 5.
        let gold_heads = [NONE, 2, 5, 2, 2, NONE];
        let gold_labels = [0u16, 1, 0, 2, 3, 0];
        let (n_labels, root) = (4, 0);
        let mut st = State::new(4);
        let mut in_stack = vec![false; 6];
        let mut costs = vec![0u32; 2 + 2 * n_labels];
        while !st.done() {
            st.costs(
                &gold_heads,
                &gold_labels,
                n_labels,
                root,
                &mut in_stack,
                &mut costs,
            );
            let best = (0..costs.len()).min_by_key(|&c| costs[c]).expect("classes");
            assert_eq!(costs[best], 0);
            st.apply(best, n_labels);
        }
        assert_eq!(&st.heads[1..=4], &gold_heads[1..=4]);
        assert_eq!(&st.labels[1..=4], &gold_labels[1..=4]);
    }
}
