//! The averaged perceptron shared by the tagger and the parser, over hashed features.
//!
//! A feature is a 32-bit hash of its template and values ([`feature`]); nothing keeps the
//! feature strings, which keeps the model small and the lookups cheap. During training every
//! feature holds a short list of (class, weight, running total, timestamp) cells, created only
//! when an update touches them, so the weights stay sparse (the perceptron only ever updates the
//! true and the predicted class). [`TrainingWeights::average`] turns them into compact
//! [`Weights`]: averaged, pruned of near-zero values, stored as one flat array of
//! (class, weight) pairs indexed by a hash table. Collisions of 32-bit hashes among a few million
//! features are rare enough (about one query in two thousand) not to matter for accuracy.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::SyntaxError;
use super::model::{ByteReader, ByteWriter};

/// A hasher for keys that are already hashes: it only spreads them over 64 bits.
#[derive(Debug, Default, Clone, Copy)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        // hashbrown takes its control bits from the top of the hash, so a bare u32 would put
        // every key in the same tag group; the multiply spreads the bits.
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u32(&mut self, value: u32) {
        self.0 = u64::from(value);
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A hash map keyed by already-hashed values.
pub type PrehashedMap<K, V> = HashMap<K, V, BuildHasherDefault<PrehashedHasher>>;

/// A fast hasher for the string-keyed tables read on every word (tag dictionary, likely tags,
/// lexicon, lemma tables): eight bytes per multiply, as in rustc's FxHash. The keys come from
/// the model and the training data, not from an adversary, so SipHash's flood resistance buys
/// nothing there, and it cost more than the tagger's feature hashing.
#[derive(Debug, Default, Clone, Copy)]
pub struct StrHasher(u64);

impl StrHasher {
    const K: u64 = 0xF135_7AEA_2E62_A9C5;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(Self::K).rotate_left(26);
    }
}

impl Hasher for StrHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // hashbrown takes its control bits from the top of the hash: spread every bit there.
        mix(self.0, 0)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }
    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
}

/// A hash map with [`StrHasher`], for keys that are strings.
pub type StrMap<K, V> = HashMap<K, V, BuildHasherDefault<StrHasher>>;

/// Mixes two 64-bit values into one (a multiply-xorshift, as in splitmix64).
#[inline]
pub fn mix(a: u64, b: u64) -> u64 {
    let mut x = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15).rotate_left(31);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The 64-bit FNV-1a hash of a string, mixed.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h, 0x5bd1_e995)
}

/// The feature of a template number and up to three values.
#[inline]
pub fn feature(template: u64, a: u64, b: u64, c: u64) -> u32 {
    // Four multiplications instead of the three full mixes this once was (the parser computes
    // 74 of these per transition): the template and `a` are combined before a multiplication, so
    // that (template, a) pairs stay distinct, and `b` and `c` enter through different odd
    // multipliers; the last multiply-fold spreads every input bit over the 32 kept.
    let h = (template.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ a).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ b.wrapping_mul(0x94D0_49BB_1331_11EB)
        ^ c.rotate_left(23).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    ((h ^ (h >> 31)).wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    class: u16,
    weight: f32,
    total: f64,
    stamp: u32,
}

/// Weights being trained: sparse per feature, with the running totals that averaging needs.
#[derive(Debug, Default)]
pub struct TrainingWeights {
    n_classes: usize,
    rows: PrehashedMap<u32, Vec<Cell>>,
    /// The number of examples seen, the clock of the averaging.
    step: u32,
    /// The step the averaging starts from.
    start: u32,
}

impl TrainingWeights {
    /// Empty weights over `n_classes` classes.
    pub fn new(n_classes: usize) -> TrainingWeights {
        TrainingWeights {
            n_classes,
            rows: PrehashedMap::default(),
            step: 0,
            start: 0,
        }
    }

    /// Averages only what follows: the current weights stay, their history is forgotten.
    pub fn restart_averaging(&mut self) {
        for cell in self.rows.values_mut().flatten() {
            cell.total = 0.0;
            cell.stamp = self.step;
        }
        self.start = self.step;
    }

    /// Adds the current weights of `features` into `scores` (one slot per class).
    pub fn score(&self, features: &[u32], scores: &mut [f32]) {
        for f in features {
            if let Some(row) = self.rows.get(f) {
                for cell in row {
                    scores[cell.class as usize] += cell.weight;
                }
            }
        }
    }

    /// Counts one example; call once per classification, whether or not it was wrong.
    pub fn tick(&mut self) {
        self.step += 1;
    }

    /// Moves the weights of `features` towards `truth` and away from `guess`.
    pub fn update(&mut self, features: &[u32], truth: usize, guess: usize) {
        if truth == guess {
            return;
        }
        self.add(features, &[(truth, 1.0), (guess, -1.0)]);
    }

    /// Adds `delta` to the weight of each (feature, class) for the given (class, delta) pairs.
    pub fn add(&mut self, features: &[u32], deltas: &[(usize, f32)]) {
        let step = self.step;
        for f in features {
            let row = self.rows.entry(*f).or_default();
            for &(class, delta) in deltas {
                let class = class as u16;
                let cell = match row.iter_mut().position(|c| c.class == class) {
                    Some(k) => &mut row[k],
                    None => {
                        row.push(Cell {
                            class,
                            weight: 0.0,
                            total: 0.0,
                            stamp: step,
                        });
                        row.last_mut().expect("just pushed")
                    }
                };
                cell.total += f64::from(step - cell.stamp) * f64::from(cell.weight);
                cell.stamp = step;
                cell.weight += delta;
            }
        }
    }

    /// The averaged weights, dropping those smaller than `min_abs` in magnitude.
    pub fn average(&self, min_abs: f32) -> Weights {
        Self::average_runs(&[self], min_abs)
    }

    /// The mean of several runs' averaged weights (over the same classes), dropping those
    /// smaller than `min_abs` in magnitude.
    pub fn average_runs(runs: &[&TrainingWeights], min_abs: f32) -> Weights {
        let n_classes = runs.first().map_or(0, |r| r.n_classes);
        let mut sums: PrehashedMap<u32, Vec<(u16, f32)>> = PrehashedMap::default();
        for run in runs {
            let step = f64::from((run.step - run.start).max(1));
            for (key, row) in &run.rows {
                let sum = sums.entry(*key).or_default();
                for c in row {
                    let total = c.total + f64::from(run.step - c.stamp) * f64::from(c.weight);
                    let value = (total / step) as f32 / runs.len() as f32;
                    match sum.iter_mut().find(|(class, _)| *class == c.class) {
                        Some(cell) => cell.1 += value,
                        None => sum.push((c.class, value)),
                    }
                }
            }
        }
        let mut keys: Vec<u32> = sums.keys().copied().collect();
        keys.sort_unstable();
        let averaged: Vec<(u32, Vec<(u16, f32)>)> = keys
            .into_iter()
            .map(|key| {
                let mut cells = sums.remove(&key).expect("a key of the map");
                cells.retain(|(_, w)| w.abs() >= min_abs);
                cells.sort_unstable_by_key(|c| c.0);
                (key, cells)
            })
            .filter(|(_, cells)| !cells.is_empty())
            .collect();
        let row_maxima = averaged
            .iter()
            .map(|(_, cells)| cells.iter().map(|c| c.1.abs()).fold(0f32, f32::max));
        let mut weights = Weights::with_rows(
            n_classes,
            averaged.len(),
            Weights::scale_for(worst_sum(row_maxima)),
        );
        let mut quantised = Vec::new();
        for (key, cells) in averaged {
            quantised.clear();
            quantised.extend(cells.iter().map(|&(class, v)| (class, weights.quantise(v))));
            weights.push_row(key, &quantised);
        }
        weights
    }
}

/// Averaged weights: an open-addressing hash table from feature to its row of class weights.
///
/// A slot is one `u64`: the feature's key in the high 32 bits, then 24 bits of where its row
/// starts and 8 bits of how many cells it has. Most features have weights for a few classes and
/// keep them sparse, as cells of one `u32` each (the class in the high 16 bits, the weight in the
/// low 16); features with weights for many classes (the frequent ones, read on nearly every
/// decision) are stored dense, one `i16` per class, marked by a cell count of 0, so that adding
/// them is a loop the compiler vectorises. Weights are quantised to 16 bits (see
/// [`MAX_FEATURES`]), so scores are integers in units of [`Weights::scale`], which changes no
/// decision (only the argmax is used). Scoring probes every feature's slot before reading any
/// row, so that cache misses overlap instead of following each other.
#[derive(Debug, Default, Clone)]
pub struct Weights {
    n_classes: usize,
    scale: f32,
    slots: Vec<u64>,
    cells: Vec<u32>,
    /// Dense rows, [`Weights::chunks`] chunks of 16 weights each (the classes, padded with
    /// zeros).
    dense: Vec<[i16; 16]>,
}

/// Scores for up to 256 classes, as [`Weights::score`] adds them; only the first `n_classes`
/// mean anything.
pub type Scores = [i16; 256];

/// The most features one call of [`Weights::score`] may add. Weights are quantised so that the
/// sum of this many of them cannot leave the `i16` range whichever features fire, so scores add
/// in 16 bits, sixteen classes per vector instruction, and never overflow.
pub const MAX_FEATURES: usize = 96;

/// The largest score magnitude [`MAX_FEATURES`] features can reach: the sum of the largest
/// row maxima.
fn worst_sum(row_maxima: impl Iterator<Item = f32>) -> f32 {
    let mut maxima: Vec<f32> = row_maxima.collect();
    if maxima.len() > MAX_FEATURES {
        maxima.select_nth_unstable_by(MAX_FEATURES - 1, |a, b| b.total_cmp(a));
        maxima.truncate(MAX_FEATURES);
    }
    maxima.iter().sum()
}

impl Weights {
    fn with_rows(n_classes: usize, n_rows: usize, scale: f32) -> Weights {
        // At most half full, so that probes stay short.
        let size = (n_rows * 2).next_power_of_two().max(16);
        Weights {
            n_classes,
            scale,
            slots: vec![0; size],
            cells: Vec::with_capacity(n_rows * 2),
            dense: Vec::new(),
        }
    }

    /// The scale that maps the largest possible score magnitude to the largest `i16`, less
    /// half a unit of rounding for each of the [`MAX_FEATURES`] weights.
    fn scale_for(worst_sum: f32) -> f32 {
        worst_sum.max(1e-6) / (32767 - MAX_FEATURES / 2) as f32
    }

    /// The chunks of 16 classes in a dense row, so that adding a row is whole vector
    /// instructions only.
    fn chunks(&self) -> usize {
        self.n_classes.div_ceil(16)
    }

    /// Dense row `row`: [`Weights::chunks`] chunks of 16 weights.
    fn dense_row(&self, row: usize) -> &[[i16; 16]] {
        let chunks = self.chunks();
        &self.dense[row * chunks..(row + 1) * chunks]
    }

    /// Whether a row of `len` cells is stored dense: when adding it cell by cell would cost
    /// more than a vectorised pass over every class.
    fn is_dense(&self, len: usize) -> bool {
        len * 8 >= self.n_classes
    }

    fn push_row(&mut self, key: u32, cells: &[(u16, i16)]) {
        if cells.is_empty() {
            return;
        }
        let key = key.max(1);
        let (start, len) = if self.is_dense(cells.len()) {
            let chunks = self.chunks();
            let row = self.dense.len() / chunks;
            self.dense.resize(self.dense.len() + chunks, [0; 16]);
            let dense = &mut self.dense[row * chunks..];
            for &(class, q) in cells {
                dense[class as usize / 16][class as usize % 16] = q;
            }
            (row, 0)
        } else {
            let start = self.cells.len();
            self.cells.extend(
                cells
                    .iter()
                    .map(|&(class, q)| (u32::from(class) << 16) | u32::from(q as u16)),
            );
            (start, cells.len())
        };
        assert!(start < 1 << 24 && len < 256, "weight table too large");
        let slot = (u64::from(key) << 32) | ((start as u64) << 8) | len as u64;
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    /// Requantises weights whose worst-case score would not fit 16 bits (models written before
    /// scores were 16 bits wide); weights written by [`TrainingWeights::average`] already fit.
    fn fit_scores(&mut self) {
        // Row maxima straight from the table: this runs on every model load.
        let row_max = |slot: u64| {
            let start = ((slot >> 8) & 0xFF_FFFF) as usize;
            let max = match (slot & 0xFF) as usize {
                0 => self
                    .dense_row(start)
                    .iter()
                    .flatten()
                    .map(|q| q.unsigned_abs())
                    .max(),
                len => self.cells[start..start + len]
                    .iter()
                    .map(|&c| (c as u16 as i16).unsigned_abs())
                    .max(),
            };
            f32::from(max.unwrap_or(0))
        };
        let worst = worst_sum(self.slots.iter().filter(|&&s| s != 0).map(|&s| row_max(s)));
        if worst <= 32767.0 {
            return;
        }
        // The same margin as `scale_for`, so that rounding cannot push the sum back over.
        let factor = (32767 - MAX_FEATURES / 2) as f32 / worst;
        let requantise = |q: i16| (f32::from(q) * factor).round() as i16;
        for q in self.dense.iter_mut().flatten() {
            *q = requantise(*q);
        }
        for cell in &mut self.cells {
            let q = requantise(*cell as u16 as i16);
            *cell = (*cell & 0xFFFF_0000) | u32::from(q as u16);
        }
        self.scale /= factor;
    }

    fn quantise(&self, value: f32) -> i16 {
        (value / self.scale).round().clamp(-32767.0, 32767.0) as i16
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The unit of the scores [`Weights::score`] adds.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// The number of stored (feature, class) weights.
    pub fn len(&self) -> usize {
        self.cells.len() + self.dense.iter().flatten().filter(|&&q| q != 0).count()
    }

    /// Whether no weight is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The occupied slots in the order their features were added (ascending keys, for every
    /// table built here).
    fn rows_in_order(&self) -> Vec<u64> {
        let mut rows: Vec<u64> = self.slots.iter().copied().filter(|&s| s != 0).collect();
        rows.sort_unstable_by_key(|s| s >> 32);
        rows
    }

    /// The non-zero (class, weight) cells of a row.
    fn row(&self, slot: u64) -> Vec<(u16, i16)> {
        let start = ((slot >> 8) & 0xFF_FFFF) as usize;
        match (slot & 0xFF) as usize {
            0 => self
                .dense_row(start)
                .iter()
                .flatten()
                .take(self.n_classes)
                .enumerate()
                .filter(|&(_, &q)| q != 0)
                .map(|(class, &q)| (class as u16, q))
                .collect(),
            len => self.cells[start..start + len]
                .iter()
                .map(|&c| ((c >> 16) as u16, c as u16 as i16))
                .collect(),
        }
    }

    /// A copy without the weights smaller than `min_abs` in magnitude.
    pub fn pruned(&self, min_abs: f32) -> Weights {
        let rows = self.rows_in_order();
        let mut out = Weights::with_rows(self.n_classes, rows.len(), self.scale);
        for slot in rows {
            let mut cells = self.row(slot);
            cells.retain(|&(_, q)| f32::from(q).abs() * self.scale >= min_abs);
            if !cells.is_empty() {
                out.push_row((slot >> 32) as u32, &cells);
            }
        }
        out
    }

    /// Adds the weights of `features` into the first [`Weights::n_classes`] `scores`, in units
    /// of [`Weights::scale`].
    #[inline]
    pub fn score(&self, features: &[u32], scores: &mut Scores) {
        assert!(
            features.len() <= MAX_FEATURES,
            "at most {MAX_FEATURES} features per score"
        );
        if self.slots.is_empty() {
            return;
        }
        let chunks = self.chunks();
        let mask = self.slots.len() - 1;
        let mut first_probe = [0u64; MAX_FEATURES];
        // Independent loads first: the processor overlaps their cache misses.
        for (probe, f) in first_probe.iter_mut().zip(features) {
            *probe = self.slots[(*f).max(1) as usize & mask];
        }
        let mut dense_rows = [0usize; MAX_FEATURES];
        let mut n_dense = 0;
        for (probe, f) in first_probe.iter().zip(features) {
            let key = (*f).max(1);
            let mut slot = *probe;
            let mut i = key as usize & mask;
            while slot != 0 && (slot >> 32) as u32 != key {
                i = (i + 1) & mask;
                slot = self.slots[i];
            }
            if slot == 0 {
                continue;
            }
            let start = ((slot >> 8) & 0xFF_FFFF) as usize;
            match (slot & 0xFF) as usize {
                0 => {
                    dense_rows[n_dense] = start * chunks;
                    n_dense += 1;
                }
                len => {
                    for &cell in &self.cells[start..start + len] {
                        // Classes are below 256 (checked when read), so this index needs no
                        // bounds check.
                        let score = &mut scores[(cell >> 16) as u8 as usize];
                        *score = score.wrapping_add(cell as u16 as i16);
                    }
                }
            }
        }
        // Dense rows sixteen classes at a time, the sums kept in registers across the rows.
        let dense_rows = &dense_rows[..n_dense];
        match chunks {
            // The parser's 104 classes and the tagger's 102: a row is a fixed-size array, so
            // the additions unroll and need no bounds checks.
            7 => self.add_dense::<7>(dense_rows, scores),
            _ => {
                for (chunk, out) in scores[..chunks * 16].chunks_exact_mut(16).enumerate() {
                    let mut sum = [0i16; 16];
                    for &row in dense_rows {
                        for (s, &q) in sum.iter_mut().zip(&self.dense[row + chunk]) {
                            *s = s.wrapping_add(q);
                        }
                    }
                    for (s, q) in out.iter_mut().zip(sum) {
                        *s = s.wrapping_add(q);
                    }
                }
            }
        }
    }

    /// Adds dense rows of `N` chunks into `scores`, the sums in registers.
    #[inline]
    fn add_dense<const N: usize>(&self, rows: &[usize], scores: &mut Scores) {
        let mut sums = [[0i16; 16]; N];
        for &row in rows {
            let weights: &[[i16; 16]; N] = self.dense[row..row + N]
                .try_into()
                .expect("a dense row is N chunks");
            for (sum, chunk) in sums.iter_mut().zip(weights) {
                for (s, &q) in sum.iter_mut().zip(chunk) {
                    *s = s.wrapping_add(q);
                }
            }
        }
        for (out, sum) in scores.chunks_exact_mut(16).zip(&sums) {
            for (s, &q) in out.iter_mut().zip(sum) {
                *s = s.wrapping_add(q);
            }
        }
    }

    /// Writes the weights.
    ///
    /// The scale, then per feature: the key (4 bytes), the number of cells (1 byte), then per
    /// cell the class (1 byte) and the quantised weight (2 bytes).
    pub fn write(&self, w: &mut ByteWriter) {
        w.u32(self.n_classes as u32);
        w.f32(self.scale);
        let rows = self.rows_in_order();
        w.u32(rows.len() as u32);
        for slot in rows {
            let cells = self.row(slot);
            w.u32((slot >> 32) as u32);
            w.u8(cells.len() as u8);
            for (class, q) in cells {
                w.u8(class as u8);
                w.u16(q as u16);
            }
        }
    }

    /// Reads weights written by [`Weights::write`].
    pub fn read(r: &mut ByteReader) -> Result<Weights, SyntaxError> {
        let n_classes = r.u32("class count")? as usize;
        if n_classes > 255 {
            return Err(r.error(format!("{n_classes} classes, at most 255 are supported")));
        }
        let scale = r.f32("weight scale")?;
        let n_rows = r.u32("feature count")? as usize;
        let mut weights = Weights::with_rows(n_classes, n_rows, scale);
        let mut cells = Vec::with_capacity(n_classes);
        for _ in 0..n_rows {
            let key = r.u32("feature key")?;
            let n_cells = r.u8("cell count")? as usize;
            let bytes = r.take(n_cells * 3, "weight cells")?;
            cells.clear();
            for cell in bytes.chunks_exact(3) {
                if cell[0] as usize >= n_classes {
                    return Err(r.error(format!("class {} out of range", cell[0])));
                }
                let q = u16::from_le_bytes([cell[1], cell[2]]) as i16;
                cells.push((u16::from(cell[0]), q));
            }
            if weights.cells.len() + cells.len() >= 1 << 24
                || weights.dense.len() / weights.chunks() + 1 >= 1 << 24
            {
                return Err(r.error("too many weights"));
            }
            weights.push_row(key, &cells);
        }
        weights.fit_scores();
        Ok(weights)
    }
}

/// A small deterministic random number generator (xorshift64*), so that a seed fixes training.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed, 0x2545_F491_4F6C_DD1D) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffles a slice in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perceptron_learns_a_separable_problem_and_round_trips() {
        let mut weights = TrainingWeights::new(2);
        let data = [(1u32, 0usize), (2, 1), (3, 0), (4, 1)];
        for _ in 0..5 {
            for (f, truth) in data {
                let mut scores = [0.0f32; 2];
                weights.score(&[f, 99], &mut scores);
                let guess = usize::from(scores[1] > scores[0]);
                weights.tick();
                weights.update(&[f, 99], truth, guess);
            }
        }
        let averaged = weights.average(0.0);
        let mut w = ByteWriter::default();
        averaged.write(&mut w);
        let read = Weights::read(&mut ByteReader::new(&w.bytes)).unwrap();
        for (f, truth) in data {
            let mut scores = [0i16; 256];
            read.score(&[f, 99], &mut scores);
            assert_eq!(usize::from(scores[1] > scores[0]), truth);
        }
    }

    #[test]
    fn runs_average_to_their_mean_and_averaging_can_restart() {
        let mut a = TrainingWeights::new(2);
        a.tick();
        a.add(&[5], &[(0, 2.0)]);
        a.tick();
        let mut b = TrainingWeights::new(2);
        b.tick();
        b.add(&[5], &[(0, 4.0)]);
        b.tick();
        // Each run's average is its weight over its two steps: 2 and 4 at step 1 of 2, held
        // for one step, so 1 and 2; the mean of the runs is 1.5.
        let mean = TrainingWeights::average_runs(&[&a, &b], 0.0);
        let one = |w: &Weights| {
            let mut scores = [0i16; 256];
            w.score(&[5], &mut scores);
            f32::from(scores[0]) * w.scale()
        };
        assert!((one(&mean) - 1.5).abs() < 1e-3, "{}", one(&mean));
        // After a restart only what follows counts: the weight of 2 held for one more step.
        a.restart_averaging();
        a.tick();
        assert!((one(&a.average(0.0)) - 2.0).abs() < 1e-3);
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert!((0.0..1.0).contains(&a.unit()));
    }
}
