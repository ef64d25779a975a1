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
    let h = mix(mix(mix(template, a), b), c);
    (h ^ (h >> 32)) as u32
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
}

impl TrainingWeights {
    /// Empty weights over `n_classes` classes.
    pub fn new(n_classes: usize) -> TrainingWeights {
        TrainingWeights {
            n_classes,
            rows: PrehashedMap::default(),
            step: 0,
        }
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
        let step = self.step;
        for f in features {
            let row = self.rows.entry(*f).or_default();
            for (class, delta) in [(truth, 1.0f32), (guess, -1.0f32)] {
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
        let step = f64::from(self.step.max(1));
        let mut keys: Vec<u32> = self.rows.keys().copied().collect();
        keys.sort_unstable();
        let averaged: Vec<(u32, Vec<(u16, f32)>)> = keys
            .into_iter()
            .map(|key| {
                let mut cells: Vec<(u16, f32)> = self.rows[&key]
                    .iter()
                    .map(|c| {
                        let total = c.total + f64::from(self.step - c.stamp) * f64::from(c.weight);
                        (c.class, (total / step) as f32)
                    })
                    .filter(|(_, w)| w.abs() >= min_abs)
                    .collect();
                cells.sort_unstable_by_key(|c| c.0);
                (key, cells)
            })
            .filter(|(_, cells)| !cells.is_empty())
            .collect();
        let max_abs = averaged
            .iter()
            .flat_map(|(_, cells)| cells.iter().map(|c| c.1.abs()))
            .fold(0f32, f32::max);
        let mut weights =
            Weights::with_rows(self.n_classes, averaged.len(), Weights::scale_for(max_abs));
        let mut quantised = Vec::new();
        for (key, cells) in averaged {
            quantised.clear();
            quantised.extend(cells.iter().map(|&(class, v)| (class, weights.quantise(v))));
            weights.push_row(key, &quantised);
        }
        weights
    }
}

/// Averaged weights: an open-addressing hash table from feature to a run of (class, weight)
/// cells.
///
/// A slot is one `u64`: the feature's key in the high 32 bits, the start of its run in the next
/// 24 and the run's length in the low 8. A cell is one `u32`: the class in the high 16 bits and
/// the weight, quantised to 16 bits against the largest magnitude, in the low 16. Scores are
/// therefore in units of [`Weights::scale`], which changes no decision (only the argmax is
/// used). Scoring probes every feature's slot before reading any cells, so that the cache
/// misses, where the parser spends most of its time, overlap instead of following each other.
#[derive(Debug, Default, Clone)]
pub struct Weights {
    n_classes: usize,
    scale: f32,
    slots: Vec<u64>,
    cells: Vec<u32>,
}

/// At most this many features are probed at once.
const PROBE_BATCH: usize = 128;

impl Weights {
    fn with_rows(n_classes: usize, n_rows: usize, scale: f32) -> Weights {
        // At most half full, so that probes stay short.
        let size = (n_rows * 2).next_power_of_two().max(16);
        Weights {
            n_classes,
            scale,
            slots: vec![0; size],
            cells: Vec::with_capacity(n_rows * 3),
        }
    }

    /// The scale for a largest weight magnitude.
    fn scale_for(max_abs: f32) -> f32 {
        max_abs.max(1e-6) / 32767.0
    }

    fn push_row(&mut self, key: u32, cells: &[(u16, i16)]) {
        let key = key.max(1);
        let start = self.cells.len();
        assert!(
            start < 1 << 24 && cells.len() < 256,
            "weight table too large"
        );
        self.cells.extend(
            cells
                .iter()
                .map(|&(class, q)| (u32::from(class) << 16) | u32::from(q as u16)),
        );
        let slot = (u64::from(key) << 32) | ((start as u64) << 8) | cells.len() as u64;
        let mask = self.slots.len() - 1;
        let mut i = key as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
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
        self.cells.len()
    }

    /// Whether no weight is stored.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn rows_in_order(&self) -> Vec<u64> {
        let mut rows: Vec<u64> = self.slots.iter().copied().filter(|&s| s != 0).collect();
        rows.sort_unstable_by_key(|s| (s >> 8) & 0xFF_FFFF);
        rows
    }

    fn row(&self, slot: u64) -> &[u32] {
        let start = ((slot >> 8) & 0xFF_FFFF) as usize;
        let len = (slot & 0xFF) as usize;
        &self.cells[start..start + len]
    }

    /// A copy without the weights smaller than `min_abs` in magnitude.
    pub fn pruned(&self, min_abs: f32) -> Weights {
        let rows = self.rows_in_order();
        let mut out = Weights::with_rows(self.n_classes, rows.len(), self.scale);
        let mut cells = Vec::new();
        for slot in rows {
            cells.clear();
            cells.extend(
                self.row(slot)
                    .iter()
                    .map(|&c| ((c >> 16) as u16, c as u16 as i16))
                    .filter(|&(_, q)| f32::from(q).abs() * self.scale >= min_abs),
            );
            if !cells.is_empty() {
                out.push_row((slot >> 32) as u32, &cells);
            }
        }
        out
    }

    /// Adds the weights of `features` into `scores` (one slot per class), in units of
    /// [`Weights::scale`].
    #[inline]
    pub fn score(&self, features: &[u32], scores: &mut [f32]) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut first_probe = [0u64; PROBE_BATCH];
        for batch in features.chunks(PROBE_BATCH) {
            // Independent loads first: the processor overlaps their cache misses.
            for (probe, f) in first_probe.iter_mut().zip(batch) {
                *probe = self.slots[(*f).max(1) as usize & mask];
            }
            for (probe, f) in first_probe.iter().zip(batch) {
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
                for &cell in self.row(slot) {
                    if let Some(score) = scores.get_mut((cell >> 16) as usize) {
                        *score += f32::from(cell as u16 as i16);
                    }
                }
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
            for &cell in cells {
                w.u8((cell >> 16) as u8);
                w.u16(cell as u16);
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
            if weights.cells.len() + cells.len() >= 1 << 24 {
                return Err(r.error("too many weights"));
            }
            weights.push_row(key, &cells);
        }
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
            let mut scores = [0.0f32; 2];
            read.score(&[f, 99], &mut scores);
            assert_eq!(usize::from(scores[1] > scores[0]), truth);
        }
    }

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert!((0.0..1.0).contains(&a.unit()));
    }
}
