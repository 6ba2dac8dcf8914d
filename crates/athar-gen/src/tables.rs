//! The data tables the generator draws from (`data/*.txt`, compiled in), parsed once per run.
//!
//! Names are synthetic combinations of common Syrian given and family names; no row describes a
//! real person. Every name carries its Arabic spelling and a small phonemic form from which the
//! Latin spellings are derived (see [`crate::latin`]).

use std::collections::HashMap;

use rand::Rng;

use crate::GenError;

const MALE: &str = include_str!("../data/male.txt");
const FEMALE: &str = include_str!("../data/female.txt");
const FAMILY: &str = include_str!("../data/family.txt");
const GOVERNORATES: &str = include_str!("../data/governorates.txt");
const TOWNS: &str = include_str!("../data/towns.txt");
const FACILITIES: &str = include_str!("../data/facilities.txt");
const VARIANTS: &str = include_str!("../data/variants.txt");

/// The characters a phonemic form may use (see the header of `data/male.txt`).
pub(crate) const PHONEMIC_ALPHABET: &str = "btdrzsfklmnhwyjqxgcTVDZE'aiuAIU@ -";

/// Which households use a name (the optional third field of the name tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Community {
    /// Untagged: every household but Christian ones.
    General,
    /// `c`: Christian households only.
    Christian,
    /// `s`: every household, Christian ones included.
    Shared,
    /// `k`: Kurdish names, favoured by Kurdish households.
    Kurdish,
}

/// One name unit (possibly a compound such as عبد الرحمن).
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub arabic: String,
    pub phonemic: String,
    pub community: Community,
    /// Attested Latin spellings with their counts, when the variant table has the name.
    pub attested: Option<Weighted<&'static str>>,
}

impl Name {
    /// A double name such as محمد خير whose first unit can be dropped (not a particle
    /// compound like عبد الرحمن or نور الدين, which stay whole).
    pub fn droppable_prefix(&self) -> Option<(&str, &str)> {
        let (first_ar, rest_ar) = self.arabic.split_once(' ')?;
        let (first_ph, rest_ph) = self.phonemic.split_once(' ')?;
        let particle = first_ph == "Eabd" || first_ph == "abU";
        let suffix = rest_ph.starts_with("al-") || rest_ph == "allAh";
        if particle || suffix || first_ar.is_empty() {
            return None;
        }
        Some((rest_ar, rest_ph))
    }
}

/// A place: Arabic and Latin spellings.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub arabic: &'static str,
    pub latin: &'static str,
}

/// A governorate with its English and French names.
#[derive(Debug, Clone)]
pub(crate) struct Governorate {
    pub arabic: &'static str,
    pub english: &'static str,
    pub french: &'static str,
}

/// Items with cumulative weights, sampled by binary search.
#[derive(Debug, Clone)]
pub(crate) struct Weighted<T> {
    pub items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T> Weighted<T> {
    pub fn new(items: Vec<T>, weights: &[f64]) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Self { items, cumulative }
    }

    /// A random index, by weight.
    pub fn index(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.items.len().saturating_sub(1))
    }

    /// The weight of item `i`.
    pub fn weight(&self, i: usize) -> f64 {
        self.cumulative[i] - if i == 0 { 0.0 } else { self.cumulative[i - 1] }
    }

    /// A random item, by weight.
    pub fn pick(&self, rng: &mut impl Rng) -> &T {
        &self.items[self.index(rng)]
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// A household's community: which names it draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Household {
    /// Most households: every name but the Christian ones.
    General,
    /// Christian households: Christian and shared names.
    Christian,
    /// Kurdish households: Kurdish names in a quarter of draws, else general ones.
    Kurdish,
}

/// Per-community samplers over one name table; they yield indices into the table.
#[derive(Debug, Clone)]
pub(crate) struct Pools {
    general: Weighted<u16>,
    christian: Weighted<u16>,
    kurdish: Weighted<u16>,
}

impl Pools {
    fn new(table: &Weighted<Name>, exponent: f64) -> Self {
        let index = |i: usize| u16::try_from(i).unwrap_or(u16::MAX);
        let mut general = (Vec::new(), Vec::new());
        let mut christian = (Vec::new(), Vec::new());
        let mut kurdish = (Vec::new(), Vec::new());
        let (mut c_rank, mut s_rank) = (0usize, 0usize);
        for (i, name) in table.items.iter().enumerate() {
            let w = table.weight(i);
            if name.community != Community::Christian {
                general.0.push(index(i));
                general.1.push(w);
            }
            // Within a community its own names are the frequent ones: rank them there.
            match name.community {
                Community::Christian => {
                    c_rank += 1;
                    christian.0.push(index(i));
                    christian.1.push(1.0 / ((c_rank + 1) as f64).powf(exponent));
                }
                Community::Shared => {
                    s_rank += 1;
                    christian.0.push(index(i));
                    christian.1.push(1.0 / ((s_rank + 1) as f64).powf(exponent));
                }
                Community::Kurdish => {
                    kurdish.0.push(index(i));
                    kurdish.1.push(1.0);
                }
                Community::General => {}
            }
        }
        let make = |(items, weights): (Vec<u16>, Vec<f64>)| Weighted::new(items, &weights);
        let general = make(general);
        Self {
            christian: if christian.0.is_empty() {
                general.clone()
            } else {
                make(christian)
            },
            kurdish: if kurdish.0.is_empty() {
                general.clone()
            } else {
                make(kurdish)
            },
            general,
        }
    }

    /// A name index for a household of `community`.
    pub fn pick(&self, community: Household, rng: &mut impl Rng) -> u16 {
        match community {
            Household::General => *self.general.pick(rng),
            Household::Christian => *self.christian.pick(rng),
            Household::Kurdish if rng.random_bool(0.25) => *self.kurdish.pick(rng),
            Household::Kurdish => *self.general.pick(rng),
        }
    }
}

/// All tables of one run.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub male: Weighted<Name>,
    pub female: Weighted<Name>,
    pub family: Weighted<Name>,
    pub governorates: Weighted<Governorate>,
    /// Towns of each governorate, in the order of `governorates`; the first is the capital.
    pub towns: Vec<Vec<Place>>,
    pub facilities: Weighted<Place>,
    pub male_pools: Pools,
    pub female_pools: Pools,
    pub family_pools: Pools,
    /// Governorates where Kurdish households mostly live (Al-Hasakah, Aleppo, Raqqa).
    pub kurdish_governorates: Vec<usize>,
}

fn lines(text: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn bad(file: &str, line: usize, what: &str) -> GenError {
    GenError::Table(format!("data/{file}, line {line}: {what}"))
}

fn variants() -> Result<HashMap<&'static str, Weighted<&'static str>>, GenError> {
    let mut map = HashMap::new();
    for (n, line) in lines(VARIANTS) {
        let (arabic, list) = line
            .split_once('|')
            .ok_or_else(|| bad("variants.txt", n, "expected Arabic|spellings"))?;
        let mut items = Vec::new();
        let mut weights = Vec::new();
        for entry in list.split(',') {
            let (spelling, count) = entry
                .rsplit_once(':')
                .ok_or_else(|| bad("variants.txt", n, "expected Spelling:count"))?;
            let count: f64 = count
                .parse()
                .map_err(|_| bad("variants.txt", n, "count is not a number"))?;
            items.push(spelling);
            weights.push(count);
        }
        map.insert(arabic, Weighted::new(items, &weights));
    }
    Ok(map)
}

fn names(
    file: &str,
    text: &'static str,
    variants: &HashMap<&'static str, Weighted<&'static str>>,
) -> Result<Vec<Name>, GenError> {
    let mut items = Vec::new();
    for (n, line) in lines(text) {
        let fields: Vec<&str> = line.split('|').collect();
        let (arabic, phonemic, community) = match fields[..] {
            [a, p] => (a, p, Community::General),
            [a, p, "c"] => (a, p, Community::Christian),
            [a, p, "s"] => (a, p, Community::Shared),
            [a, p, "k"] => (a, p, Community::Kurdish),
            _ => return Err(bad(file, n, "expected Arabic|phonemic[|c|s|k]")),
        };
        if let Some(c) = phonemic.chars().find(|c| !PHONEMIC_ALPHABET.contains(*c)) {
            return Err(bad(file, n, &format!("phonemic form has '{c}'")));
        }
        if arabic.split(' ').count() != phonemic.split(' ').count() {
            return Err(bad(file, n, "Arabic and phonemic forms differ in units"));
        }
        items.push(Name {
            arabic: arabic.to_owned(),
            phonemic: phonemic.to_owned(),
            community,
            attested: variants.get(arabic).cloned(),
        });
    }
    Ok(items)
}

/// Family names formed from men's names, as Syrian family names often are: "al-" + name
/// (الأحمد، الحسين) and the bare name (حمدان، سليمان), appended after the hand-written table.
fn derived_family_names(male: &[Name], family: &mut Vec<Name>) {
    let mut known: std::collections::HashSet<String> =
        family.iter().map(|n| n.arabic.clone()).collect();
    for m in male {
        let general = matches!(m.community, Community::General | Community::Shared);
        if m.arabic.contains(' ') || m.arabic.starts_with('آ') || !general {
            continue;
        }
        for (arabic, phonemic) in [
            (format!("ال{}", m.arabic), format!("al-{}", m.phonemic)),
            (m.arabic.clone(), m.phonemic.clone()),
        ] {
            if known.insert(arabic.clone()) {
                family.push(Name {
                    arabic,
                    phonemic,
                    community: Community::General,
                    attested: None,
                });
            }
        }
    }
}

/// Zipf-like weights over the rank; the tables list the most frequent names first.
fn zipf(items: Vec<Name>, exponent: f64) -> Weighted<Name> {
    let weights: Vec<f64> = (0..items.len())
        .map(|rank| 1.0 / ((rank + 1) as f64).powf(exponent))
        .collect();
    Weighted::new(items, &weights)
}

impl Tables {
    /// Parses the compiled-in tables with the Zipf exponents of the configuration.
    pub fn load(given_zipf: f64, family_zipf: f64) -> Result<Self, GenError> {
        let variants = variants()?;
        let male = names("male.txt", MALE, &variants)?;
        let female = names("female.txt", FEMALE, &variants)?;
        let mut family = names("family.txt", FAMILY, &variants)?;
        derived_family_names(&male, &mut family);
        let (male, female, family) = (
            zipf(male, given_zipf),
            zipf(female, given_zipf),
            zipf(family, family_zipf),
        );

        let mut govs = Vec::new();
        let mut codes = Vec::new();
        let mut gov_weights = Vec::new();
        for (n, line) in lines(GOVERNORATES) {
            let f: Vec<&'static str> = line.split('|').collect();
            let [code, arabic, english, french, weight] = f[..] else {
                return Err(bad("governorates.txt", n, "expected 5 fields"));
            };
            let weight: f64 = weight
                .parse()
                .map_err(|_| bad("governorates.txt", n, "weight is not a number"))?;
            codes.push(code);
            govs.push(Governorate {
                arabic,
                english,
                french,
            });
            gov_weights.push(weight);
        }
        let mut towns: Vec<Vec<Place>> = vec![Vec::new(); govs.len()];
        for (n, line) in lines(TOWNS) {
            let f: Vec<&'static str> = line.split('|').collect();
            let [code, arabic, latin] = f[..] else {
                return Err(bad("towns.txt", n, "expected 3 fields"));
            };
            let g = codes
                .iter()
                .position(|c| *c == code)
                .ok_or_else(|| bad("towns.txt", n, "unknown governorate code"))?;
            towns[g].push(Place { arabic, latin });
        }
        if let Some(g) = towns.iter().position(Vec::is_empty) {
            return Err(GenError::Table(format!(
                "data/towns.txt: no town for governorate {}",
                codes[g]
            )));
        }
        let mut facilities = Vec::new();
        let mut fac_weights = Vec::new();
        for (n, line) in lines(FACILITIES) {
            let f: Vec<&'static str> = line.split('|').collect();
            let [arabic, latin, weight] = f[..] else {
                return Err(bad("facilities.txt", n, "expected 3 fields"));
            };
            let weight: f64 = weight
                .parse()
                .map_err(|_| bad("facilities.txt", n, "weight is not a number"))?;
            facilities.push(Place { arabic, latin });
            fac_weights.push(weight);
        }
        let kurdish_governorates = ["HAS", "ALE", "RAQ"]
            .iter()
            .filter_map(|code| codes.iter().position(|c| c == code))
            .collect();
        Ok(Self {
            male_pools: Pools::new(&male, given_zipf),
            female_pools: Pools::new(&female, given_zipf),
            family_pools: Pools::new(&family, family_zipf),
            kurdish_governorates,
            male,
            female,
            family,
            governorates: Weighted::new(govs, &gov_weights),
            towns,
            facilities: Weighted::new(facilities, &fac_weights),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tables_parse_and_are_large() {
        let t = Tables::load(1.0, 0.7).unwrap();
        assert!(t.male.len() >= 300, "male names: {}", t.male.len());
        assert!(t.female.len() >= 250, "female names: {}", t.female.len());
        assert!(t.family.len() >= 700, "family names: {}", t.family.len());
        assert_eq!(t.governorates.len(), 14);
        assert!(t.facilities.len() >= 10);
    }

    #[test]
    fn no_duplicate_names_within_a_table() {
        let t = Tables::load(1.0, 0.7).unwrap();
        for table in [&t.male, &t.female, &t.family] {
            let mut seen = HashSet::new();
            for name in &table.items {
                assert!(
                    seen.insert(name.arabic.as_str()),
                    "duplicate {}",
                    name.arabic
                );
            }
        }
    }

    #[test]
    fn every_variant_row_names_a_table_entry() {
        let t = Tables::load(1.0, 0.7).unwrap();
        let known: HashSet<&str> = [&t.male, &t.female, &t.family]
            .iter()
            .flat_map(|w| w.items.iter().map(|n| n.arabic.as_str()))
            .collect();
        for (n, line) in lines(VARIANTS) {
            let arabic = line.split('|').next().unwrap();
            assert!(known.contains(arabic), "variants.txt line {n}: {arabic}");
        }
    }

    #[test]
    fn head_of_the_male_table_is_heavy() {
        let t = Tables::load(1.0, 0.7).unwrap();
        assert_eq!(t.male.items[0].arabic, "محمد");
        let total = t.male.cumulative.last().copied().unwrap();
        let share = t.male.cumulative[0] / total;
        assert!((0.10..0.25).contains(&share), "محمد share {share}");
    }
}
