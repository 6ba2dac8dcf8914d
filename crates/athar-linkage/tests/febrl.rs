//! Latin-only lists shaped like the FEBRL benchmark data (given name, surname, address, date of
//! birth, social-security number; one corrupted duplicate per original, in a second list) link
//! through the same engine and fields as the Arabic lists.
//!
//! The generator is a small synthetic stand-in for FEBRL's `dsgen`: typos (insert, delete,
//! substitute, transpose), missing values, swapped day and month, a changed address. No real
//! data is involved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use athar_linkage::{Date, LinkOptions, LinkRecord, NoProgress, eval};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const GIVEN: &[&str] = &[
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "elizabeth",
    "barbara",
    "susan",
    "jessica",
    "sarah",
    "karen",
    "daniel",
    "matthew",
    "anthony",
    "mark",
    "donald",
    "steven",
    "paul",
    "andrew",
    "joshua",
    "kenneth",
    "lisa",
    "nancy",
    "betty",
    "margaret",
    "sandra",
    "ashley",
    "kimberly",
    "emily",
    "donna",
    "michelle",
    "kevin",
    "brian",
    "george",
    "timothy",
    "ronald",
    "edward",
    "jason",
    "jeffrey",
    "ryan",
    "jacob",
    "chloe",
    "olivia",
    "ella",
    "grace",
    "ruby",
    "lachlan",
    "liam",
    "noah",
    "oliver",
    "jack",
];
const SURNAMES: &[&str] = &[
    "smith", "jones", "williams", "brown", "wilson", "taylor", "johnson", "white", "martin",
    "anderson", "thompson", "nguyen", "thomas", "walker", "harris", "lee", "ryan", "robinson",
    "kelly", "king", "davis", "wright", "evans", "roberts", "green", "hall", "wood", "jackson",
    "clarke", "patel", "campbell", "mitchell", "young", "hughes", "edwards", "turner", "hill",
    "scott", "cooper", "ward", "morris", "moore", "clark", "baker", "harrison", "lewis", "morgan",
    "bell", "watson", "reid", "oconnor", "murphy", "price", "bennett", "gray", "stewart",
    "russell", "collins", "ross", "cook", "mcdonald", "fraser", "hamilton", "graham", "murray",
    "duncan", "kennedy", "ferguson", "grant", "walsh",
];
const STREETS: &[&str] = &[
    "main", "high", "church", "station", "park", "victoria", "george", "king", "queen", "bridge",
];
const SUBURBS: &[&str] = &[
    "kingston",
    "belconnen",
    "woden",
    "tuggeranong",
    "gungahlin",
    "weston",
    "dickson",
    "braddon",
    "lyneham",
    "curtin",
];

fn typo(s: &str, rng: &mut impl Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = rng.random_range(1..c.len() - 1);
    match rng.random_range(0..4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, (b'a' + rng.random_range(0..26u8)) as char),
        2 => c[i] = (b'a' + rng.random_range(0..26u8)) as char,
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

fn original(i: usize, rng: &mut impl Rng) -> LinkRecord {
    LinkRecord {
        id: format!("rec-{i}-org"),
        source: "a".into(),
        first_name: GIVEN[rng.random_range(0..GIVEN.len())].into(),
        family_name: SURNAMES[rng.random_range(0..SURNAMES.len())].into(),
        birth_date: Date::ymd(
            rng.random_range(1920..2005),
            rng.random_range(1..13),
            rng.random_range(1..29),
        ),
        residence: format!(
            "{} {} street {}",
            rng.random_range(1..200),
            STREETS[rng.random_range(0..STREETS.len())],
            SUBURBS[rng.random_range(0..SUBURBS.len())]
        ),
        national_id: format!("{:07}", rng.random_range(1_000_000..9_999_999)),
        ..LinkRecord::default()
    }
}

fn duplicate(o: &LinkRecord, i: usize, rng: &mut impl Rng) -> LinkRecord {
    let mut d = o.clone();
    d.id = format!("rec-{i}-dup");
    d.source = "b".into();
    // one to three modifications, as in FEBRL's duplicates
    for _ in 0..rng.random_range(1..=3) {
        match rng.random_range(0..8) {
            0 => d.first_name = typo(&d.first_name, rng),
            1 => d.family_name = typo(&d.family_name, rng),
            2 => d.first_name.clear(),
            3 => d.national_id.clear(),
            4 => {
                if let (Some(m), Some(day)) = (d.birth_date.month, d.birth_date.day)
                    && day <= 12
                {
                    d.birth_date.month = Some(day);
                    d.birth_date.day = Some(m);
                } else {
                    d.birth_date.year = d.birth_date.year.map(|y| y + 1);
                }
            }
            5 => d.residence = typo(&d.residence, rng),
            6 => d.national_id = typo(&d.national_id, rng),
            _ => std::mem::swap(&mut d.first_name, &mut d.family_name),
        }
    }
    d
}

/// `n` originals and one duplicate each; returns the records and the person of each.
pub fn febrl_like(n: usize, seed: u64) -> (Vec<LinkRecord>, Vec<u64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut recs = Vec::with_capacity(2 * n);
    let mut truth = Vec::with_capacity(2 * n);
    let originals: Vec<LinkRecord> = (0..n).map(|i| original(i, &mut rng)).collect();
    for (i, o) in originals.iter().enumerate() {
        recs.push(o.clone());
        truth.push(i as u64);
    }
    for (i, o) in originals.iter().enumerate() {
        recs.push(duplicate(o, i, &mut rng));
        truth.push(i as u64);
    }
    (recs, truth)
}

#[test]
fn febrl_like_latin_lists_link() {
    let (recs, truth) = febrl_like(3000, 7);
    let opts = LinkOptions {
        truth: Some(truth.clone()),
        ..LinkOptions::default()
    };
    let out = athar_linkage::link(&recs, &[], &opts, &NoProgress).unwrap();
    eprintln!("blocking recall {:?}", out.blocking.true_pair_recall);
    let items: Vec<(u64, u64)> = out
        .clusters
        .iter()
        .zip(&truth)
        .map(|(c, t)| (u64::from(*c), *t))
        .collect();
    let s = eval::evaluate(&items);
    eprintln!("FEBRL-like 3000+3000: {s:?}");
    if let Some(d) = &out.diagnosis {
        eprint!("{d}");
    }
    assert!(s.f1 >= 0.999, "{s:?}");
}
