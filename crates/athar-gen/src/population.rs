//! The true population: clans, households and the persons of the registry.
//!
//! A clan shares a family name, a grandfather and a home governorate; a household (father and
//! mother) has several children. Siblings share father, grandfather, family and mother names and
//! differ by given name, sex and birth date; cousins share grandfather and family name. Some
//! households have several members in the registry, and sometimes the father is detained too.

use rand::Rng;

use crate::config::GenConfig;
use crate::dates::Date;
use crate::tables::{Household, Tables};

/// Sex of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// What happened to a person (the truth the lists report partially).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still missing.
    Missing,
    /// Released alive.
    Released,
    /// Died in detention.
    Deceased,
}

/// One true person. Names are indices into the tables.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub sex: Sex,
    pub given: u16,
    pub father: u16,
    pub grandfather: u16,
    pub family: u16,
    pub mother: u16,
    pub mother_family: u16,
    /// The son's name of his kunya (أبو …), a male name.
    pub kunya: u16,
    pub birth: Date,
    pub governorate: u8,
    pub birth_town: u16,
    pub residence_town: u16,
    pub national_id: u64,
    pub detention: Date,
    pub facility: u16,
    /// Where he was last held (a transfer), or `facility`.
    pub last_facility: u16,
    pub prison_number: u32,
    pub fate: Fate,
    /// The household (siblings share it).
    pub household: u32,
}

/// Detention years 2011–2024 and their weights (most arrests in 2012–2014).
const DETENTION_YEARS: [(i32, f64); 14] = [
    (2011, 0.10),
    (2012, 0.20),
    (2013, 0.18),
    (2014, 0.13),
    (2015, 0.09),
    (2016, 0.07),
    (2017, 0.06),
    (2018, 0.05),
    (2019, 0.04),
    (2020, 0.03),
    (2021, 0.02),
    (2022, 0.015),
    (2023, 0.01),
    (2024, 0.005),
];

/// Number of children of a household: 1..=9, mean about 4.6.
const CHILDREN: [f64; 9] = [0.06, 0.12, 0.17, 0.19, 0.16, 0.12, 0.09, 0.05, 0.04];

fn weighted_index(weights: &[f64], rng: &mut impl Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn detention_date(rng: &mut impl Rng) -> Date {
    let weights: Vec<f64> = DETENTION_YEARS.iter().map(|(_, w)| *w).collect();
    let y = DETENTION_YEARS[weighted_index(&weights, rng)].0;
    let mut d = Date::random_in_year(y, rng);
    // The uprising's arrests start in March 2011.
    if y == 2011 && d.m < 3 {
        d = Date::random_in_year(y, rng);
        d.m = rng.random_range(3..=12);
        d.d = d.d.min(28);
    }
    d
}

fn index_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

struct Child {
    sex: Sex,
    given: u16,
    birth: Date,
}

/// Builds exactly `n` persons.
pub(crate) fn build(n: usize, cfg: &GenConfig, t: &Tables, rng: &mut impl Rng) -> Vec<Person> {
    let mut persons = Vec::with_capacity(n);
    let mut household_id: u32 = 0;
    while persons.len() < n {
        // The clan and its community.
        let x = rng.random::<f64>();
        let community = if x < cfg.christian_share {
            Household::Christian
        } else if x < cfg.christian_share + cfg.kurdish_share {
            Household::Kurdish
        } else {
            Household::General
        };
        let male = |rng: &mut _| t.male_pools.pick(community, rng);
        let female = |rng: &mut _| t.female_pools.pick(community, rng);
        let family_name = |rng: &mut _| t.family_pools.pick(community, rng);
        let family = family_name(rng);
        let grandfather = male(rng);
        let governorate = match community {
            Household::Kurdish if rng.random_bool(0.7) && !t.kurdish_governorates.is_empty() => {
                t.kurdish_governorates[rng.random_range(0..t.kurdish_governorates.len())]
            }
            _ => t.governorates.index(rng),
        };
        let towns = t.towns[governorate].len();
        let home_town = if rng.random_bool(0.35) {
            0
        } else {
            rng.random_range(0..towns)
        };
        let households = if rng.random_bool(cfg.cousin_household_rate) {
            2
        } else {
            1
        };
        let mut fathers: Vec<u16> = Vec::new();
        for _ in 0..households {
            if persons.len() >= n {
                break;
            }
            household_id += 1;
            // The father, distinct from his brother's name.
            let mut father = male(rng);
            for _ in 0..8 {
                if !fathers.contains(&father) && father != grandfather {
                    break;
                }
                father = male(rng);
            }
            fathers.push(father);
            let mother = female(rng);
            let mother_family = if rng.random_bool(cfg.cousin_marriage_rate) {
                family
            } else {
                family_name(rng)
            };

            // When the household's first member was detained, and how old the eldest was.
            let base_detention = detention_date(rng);
            let eldest_age =
                16 + rng.random_range(0..=10) + rng.random_range(0..=10) + rng.random_range(0..=10);
            let eldest_year = base_detention.y - eldest_age;
            let father_birth = Date::random_in_year(eldest_year - rng.random_range(22..=32), rng);

            // The children.
            let count = 1 + weighted_index(&CHILDREN, rng);
            let mut children: Vec<Child> = Vec::with_capacity(count);
            let mut year = eldest_year;
            for k in 0..count {
                let sex = if rng.random_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let pools = if sex == Sex::Male {
                    &t.male_pools
                } else {
                    &t.female_pools
                };
                let mut given = pools.pick(community, rng);
                if k == 0 && sex == Sex::Male && rng.random_bool(cfg.named_after_grandfather_rate) {
                    given = grandfather;
                }
                for _ in 0..10 {
                    let clash = children.iter().any(|c| c.sex == sex && c.given == given)
                        || (sex == Sex::Male && given == father);
                    if !clash {
                        break;
                    }
                    given = pools.pick(community, rng);
                }
                children.push(Child {
                    sex,
                    given,
                    birth: Date::random_in_year(year, rng),
                });
                year += rng.random_range(1..=3);
            }

            // Which of them are in the registry: old enough, mostly men.
            let mut members = 1;
            while members < count
                && rng.random_bool(if members == 1 {
                    cfg.extra_member_rate
                } else {
                    cfg.further_member_rate
                })
            {
                members += 1;
            }
            let mut chosen: Vec<usize> = Vec::new();
            for _ in 0..members {
                let want = if rng.random_bool(cfg.female_share) {
                    Sex::Female
                } else {
                    Sex::Male
                };
                let eligible = |c: &Child| base_detention.y - c.birth.y >= 14;
                let of_sex = (0..count)
                    .filter(|i| !chosen.contains(i) && eligible(&children[*i]))
                    .find(|i| children[*i].sex == want);
                let pick = of_sex.or_else(|| {
                    // No child of that sex is old enough: one of the others is of that sex
                    // instead (keeps the registry's sex ratio at `female_share`).
                    let i = (0..count).find(|i| !chosen.contains(i) && eligible(&children[*i]))?;
                    let pools = if want == Sex::Male {
                        &t.male_pools
                    } else {
                        &t.female_pools
                    };
                    let mut given = pools.pick(community, rng);
                    for _ in 0..10 {
                        let clash = children.iter().any(|c| c.sex == want && c.given == given)
                            || (want == Sex::Male && given == father);
                        if !clash {
                            break;
                        }
                        given = pools.pick(community, rng);
                    }
                    children[i].sex = want;
                    children[i].given = given;
                    Some(i)
                });
                if let Some(i) = pick {
                    chosen.push(i);
                }
            }
            if chosen.is_empty() {
                chosen.push(0);
            }

            for &i in &chosen {
                if persons.len() >= n {
                    break;
                }
                let c = &children[i];
                let detention = if rng.random_bool(0.5) {
                    base_detention
                } else {
                    base_detention.add_days(rng.random_range(0..600))
                };
                let birth_town = birth_town_of(home_town, towns, rng);
                persons.push(person(
                    cfg,
                    t,
                    rng,
                    Identity {
                        sex: c.sex,
                        given: c.given,
                        father,
                        grandfather,
                        family,
                        mother,
                        mother_family,
                        birth: c.birth,
                        governorate,
                        birth_town,
                        detention,
                        household: household_id,
                        community,
                    },
                ));
            }
            if persons.len() < n && rng.random_bool(cfg.father_detained_rate) {
                // The father: his father is the children's grandfather.
                let great_grandfather = male(rng);
                let his_mother = female(rng);
                let his_mother_family = family_name(rng);
                let birth_town = birth_town_of(home_town, towns, rng);
                household_id += 1;
                persons.push(person(
                    cfg,
                    t,
                    rng,
                    Identity {
                        sex: Sex::Male,
                        given: father,
                        father: grandfather,
                        grandfather: great_grandfather,
                        family,
                        mother: his_mother,
                        mother_family: his_mother_family,
                        birth: father_birth,
                        governorate,
                        birth_town,
                        detention: base_detention,
                        household: household_id,
                        community,
                    },
                ));
            }
        }
    }
    persons
}

/// Most were born in the clan's home town, the others elsewhere in the governorate.
fn birth_town_of(home_town: usize, towns: usize, rng: &mut impl Rng) -> u16 {
    if rng.random_bool(0.8) {
        index_u16(home_town)
    } else {
        index_u16(rng.random_range(0..towns))
    }
}

struct Identity {
    sex: Sex,
    given: u16,
    father: u16,
    grandfather: u16,
    family: u16,
    mother: u16,
    mother_family: u16,
    birth: Date,
    governorate: usize,
    birth_town: u16,
    detention: Date,
    household: u32,
    community: Household,
}

fn person(cfg: &GenConfig, t: &Tables, rng: &mut impl Rng, id: Identity) -> Person {
    let towns = t.towns[id.governorate].len();
    let residence_town = if rng.random_bool(0.6) {
        id.birth_town
    } else {
        index_u16(rng.random_range(0..towns))
    };
    let facility = index_u16(t.facilities.index(rng));
    // Many were moved from a security branch to Sednaya (facility 0).
    let last_facility = if rng.random_bool(0.35) { 0 } else { facility };
    let fate = {
        let x = rng.random::<f64>();
        if x < cfg.released_share {
            Fate::Released
        } else if x < cfg.released_share + cfg.deceased_share {
            Fate::Deceased
        } else {
            Fate::Missing
        }
    };
    // Syrian national numbers have 11 digits; the first two follow the governorate here.
    let national_id =
        (id.governorate as u64 + 1) * 1_000_000_000 + rng.random_range(0..1_000_000_000);
    Person {
        sex: id.sex,
        given: id.given,
        father: id.father,
        grandfather: id.grandfather,
        family: id.family,
        mother: id.mother,
        mother_family: id.mother_family,
        kunya: t.male_pools.pick(id.community, rng),
        birth: id.birth,
        governorate: u8::try_from(id.governorate).unwrap_or(0),
        birth_town: id.birth_town,
        residence_town,
        national_id,
        detention: id.detention,
        facility,
        last_facility,
        // Numbers restart per facility, so unrelated persons can share one (rarely).
        prison_number: rng.random_range(100..1_000_000),
        fate,
        household: id.household,
    }
}
