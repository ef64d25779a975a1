//! A synthetic news corpus for the ingest benchmark and the kill test: fictional documents of
//! about 25 sentences each, built from templates over real country names so that the embedded
//! dictionaries code events in them. Deterministic for a given seed.

use serde_json::json;

/// A small deterministic generator (xorshift64*), so the corpus is the same on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e3779b97f4a7c15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545f4914f6cdd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const COUNTRIES: &[&str] = &[
    "Russia",
    "Ukraine",
    "North Korea",
    "South Korea",
    "China",
    "Japan",
    "the United States",
    "Iran",
    "Israel",
    "France",
    "Germany",
    "Turkey",
    "India",
    "Pakistan",
    "Poland",
    "Belarus",
];

const EVENTS: &[&str] = &[
    "{A} and {B} held talks in {CITY} on {DAY}, officials said.",
    "{A} accused {B} of violating the ceasefire along the border.",
    "{A} fired missiles at {B} on {DAY}, the defence ministry said.",
    "{A} signed a trade agreement with {B} on {DAY}.",
    "{A} sent humanitarian aid to {B} after the floods.",
    "{A} condemned {B} over the military drills near the frontier.",
    "{A} threatened {B} with new sanctions if the shelling continued.",
    "{A} praised {B} for its role in the prisoner exchange.",
    "{A} expelled diplomats from {B} on {DAY}.",
    "{A} urged {B} to return to negotiations.",
];

const FILLER: &[&str] = &[
    "The statement came after {N} weeks of rising tension in the region.",
    "Analysts in {CITY} said the move could raise pressure on the markets by {N} percent.",
    "Local media reported that about {N} people gathered in the centre of {CITY}.",
    "The announcement was carried by state television shortly after {N} o'clock.",
    "Prices for grain and fuel have risen by {N} percent since the spring.",
    "Officials declined to give further details about the {N} page document.",
    "Heavy rain was forecast for {CITY} over the next {N} days.",
    "The central bank kept its key rate at {N} percent on the same day.",
    "A spokesperson said the talks would continue for at least {N} more rounds.",
    "Some {N} companies have already moved their offices out of {CITY}.",
];

const CITIES: &[&str] = &[
    "Geneva", "Vienna", "Istanbul", "Doha", "Riyadh", "Oslo", "Helsinki", "Astana", "Hanoi",
    "Jakarta", "Nairobi", "Lima",
];

const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

fn fill(template: &str, rng: &mut Rng) -> String {
    let a = rng.below(COUNTRIES.len());
    let b = (a + 1 + rng.below(COUNTRIES.len() - 1)) % COUNTRIES.len();
    let capitalise = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    template
        .replace("{A}", &capitalise(COUNTRIES[a]))
        .replace("{B}", COUNTRIES[b])
        .replace("{CITY}", rng.pick::<&str>(CITIES))
        .replace("{DAY}", rng.pick::<&str>(DAYS))
        .replace("{N}", &(2 + rng.below(900)).to_string())
}

/// Document `i` of the corpus with `seed`: a JSON Lines object with id, text, published, url.
pub fn document(seed: u64, i: usize, n_sentences: usize) -> String {
    let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x100000001b3));
    let sentences: Vec<String> = (0..n_sentences)
        .map(|k| {
            // About one sentence in four reports an event.
            if k % 4 == 0 {
                fill(rng.pick::<&str>(EVENTS), &mut rng)
            } else {
                fill(rng.pick::<&str>(FILLER), &mut rng)
            }
        })
        .collect();
    let day = 1 + (i * 7 + rng.below(5)) % 365;
    let published = chrono::NaiveDate::from_yo_opt(2024, day as u32)
        .unwrap_or_default()
        .to_string();
    json!({
        "id": format!("gen-{i}"),
        "text": sentences.join(" "),
        "published": published,
        "url": format!("https://outlet{}.example/news/{i}", i % 40),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_and_varied() {
        assert_eq!(document(1, 5, 25), document(1, 5, 25));
        assert_ne!(document(1, 5, 25), document(1, 6, 25));
        let v: serde_json::Value = serde_json::from_str(&document(1, 0, 25)).unwrap();
        assert_eq!(v["id"], "gen-0");
    }
}
