//! The synthetic Syrian registry generator with ground truth (`athar gen`).
//!
//! [`generate`] builds a true population — clans, households whose siblings share father,
//! grandfather, family and mother names, Zipf-like name frequencies — and decides in which of
//! three lists each person appears (prison registers, family reports, survivor registrations;
//! sometimes twice in the same list). [`Registry::record`] then writes one appearance as that
//! list would: its own fields, Arabic or Latin script in several transliteration traditions, and
//! the corruptions of `../shared/research/arabic-names.md` at the rates of [`GenConfig`].
//!
//! Generation is pure and deterministic: the seeded RNG is a parameter, every record is
//! rendered from its own seed, so the output for `(persons, seed, config)` is the same bytes on
//! any machine and any number of threads. File writing sits at the edge, in [`write_dir`].
//!
//! The name tables (`data/*.txt`) hold common Syrian given and family names combined at random;
//! no record describes a real person. The Latin spellings come from this crate's own rules, not
//! from `athar-names`, so that measuring the matcher on this data is not circular.

mod arabic;
mod config;
mod dates;
mod latin;
mod population;
mod render;
mod tables;
mod write;

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use config::{GenConfig, SourceProfile};
pub use latin::Tradition;
pub use population::{Fate, Sex};
pub use write::{Summary, write_dir};

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A configuration value is out of range.
    #[error("invalid generator configuration: {0}")]
    Config(String),
    /// A compiled-in data table is malformed (a bug in this crate).
    #[error("malformed generator table: {0}")]
    Table(String),
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing CSV failed.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: csv::Error,
    },
}

/// The columns of every generated list: the canonical fields of `CONTRACT.md`, in its order.
pub const COLUMNS: [&str; 24] = [
    "id",
    "source",
    "full_name",
    "first_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "mother_name",
    "mother_family_name",
    "alias",
    "sex",
    "birth_date",
    "birth_year",
    "age",
    "governorate",
    "birth_place",
    "residence",
    "national_id",
    "prison_number",
    "detention_date",
    "detention_place",
    "last_seen_date",
    "last_seen_place",
    "status",
];

/// A column of [`COLUMNS`], by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // Each variant is the field of the same name in COLUMNS.
pub enum Column {
    Id,
    Source,
    FullName,
    FirstName,
    FatherName,
    GrandfatherName,
    FamilyName,
    MotherName,
    MotherFamilyName,
    Alias,
    Sex,
    BirthDate,
    BirthYear,
    Age,
    Governorate,
    BirthPlace,
    Residence,
    NationalId,
    PrisonNumber,
    DetentionDate,
    DetentionPlace,
    LastSeenDate,
    LastSeenPlace,
    Status,
}

/// One of the three generated lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Prison registers (`prison.csv`, ids `P…`).
    Prison,
    /// Family reports of missing relatives (`family.csv`, ids `F…`).
    Family,
    /// Survivor registrations (`survivor.csv`, ids `S…`).
    Survivor,
}

impl Source {
    /// The three sources in file order.
    pub const ALL: [Source; 3] = [Source::Prison, Source::Family, Source::Survivor];

    /// The value of the `source` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::Prison => "prison",
            Self::Family => "family",
            Self::Survivor => "survivor",
        }
    }

    /// The file name in the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Prison => "prison.csv",
            Self::Family => "family.csv",
            Self::Survivor => "survivor.csv",
        }
    }

    /// The first letter of record ids of this source.
    pub fn id_prefix(self) -> char {
        match self {
            Self::Prison => 'P',
            Self::Family => 'F',
            Self::Survivor => 'S',
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl GenConfig {
    /// The profile of `source`.
    pub fn profile(&self, source: Source) -> &SourceProfile {
        match source {
            Source::Prison => &self.prison,
            Source::Family => &self.family,
            Source::Survivor => &self.survivor,
        }
    }
}

/// One generated row: its values in the order of [`COLUMNS`] and the true person behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The values, in the order of [`COLUMNS`] (empty string = field absent).
    pub values: [String; 24],
    /// The true person (`truth.csv`'s `person_id`).
    pub person_id: String,
}

impl Record {
    /// The value of a column.
    pub fn get(&self, column: Column) -> &str {
        &self.values[column as usize]
    }

    /// The record id.
    pub fn id(&self) -> &str {
        self.get(Column::Id)
    }
}

/// The id of the `index`-th (0-based) true person: `H0000001`, `H0000002`, …
pub fn person_id(index: usize) -> String {
    format!("H{:07}", index + 1)
}

/// The id of the `index`-th (0-based) record of `source`: `P0000001`, `F0000001`, `S0000001` …
pub fn record_id(source: Source, index: usize) -> String {
    format!("{}{:07}", source.id_prefix(), index + 1)
}

#[derive(Debug, Clone, Copy)]
struct Appearance {
    person: u32,
    seed: u64,
}

/// A generated registry: the true population and, per source, the ordered appearances whose
/// rows [`Registry::record`] renders on demand.
#[derive(Debug)]
pub struct Registry {
    config: GenConfig,
    tables: tables::Tables,
    persons: Vec<population::Person>,
    lists: [Vec<Appearance>; 3],
}

/// Generates a registry of `persons` true persons, deterministic for `(persons, seed, config)`.
///
/// ```
/// use athar_gen::{generate, Column, GenConfig, Source};
///
/// let registry = generate(100, 7, &GenConfig::default())?;
/// assert_eq!(registry.persons(), 100);
/// let first = registry.record(Source::Prison, 0);
/// assert_eq!(first.id(), "P0000001");
/// assert_eq!(first.get(Column::Source), "prison");
/// assert!(first.person_id.starts_with('H'));
/// // Same inputs, same rows.
/// let again = generate(100, 7, &GenConfig::default())?;
/// assert_eq!(again.record(Source::Prison, 0), first);
/// # Ok::<(), athar_gen::GenError>(())
/// ```
pub fn generate(persons: usize, seed: u64, config: &GenConfig) -> Result<Registry, GenError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    generate_with(persons, config, &mut rng)
}

/// Generates a registry drawing all randomness from `rng`.
pub fn generate_with(
    persons: usize,
    config: &GenConfig,
    rng: &mut impl Rng,
) -> Result<Registry, GenError> {
    config.validate()?;
    if u32::try_from(persons).is_err() {
        return Err(GenError::Config(format!(
            "{persons} persons is more than this generator supports"
        )));
    }
    let tables = tables::Tables::load(config.given_name_zipf, config.family_name_zipf)?;
    let people = population::build(persons, config, &tables, rng);
    let mut lists: [Vec<Appearance>; 3] = Default::default();
    for (i, p) in people.iter().enumerate() {
        let person = u32::try_from(i).unwrap_or(u32::MAX);
        let mut included = [
            rng.random_bool(config.prison.inclusion_rate),
            rng.random_bool(config.family.inclusion_rate),
            p.fate == Fate::Released && rng.random_bool(config.survivor.inclusion_rate),
        ];
        if !included.iter().any(|&x| x) {
            // Everyone in the truth is on at least one list.
            let prison = config.prison.inclusion_rate;
            let family = config.family.inclusion_rate;
            let share = if prison + family > 0.0 {
                prison / (prison + family)
            } else {
                0.5
            };
            included[usize::from(!rng.random_bool(share))] = true;
        }
        for source in Source::ALL {
            if included[source.index()] {
                let list = &mut lists[source.index()];
                list.push(Appearance {
                    person,
                    seed: rng.next_u64(),
                });
                if rng.random_bool(config.profile(source).duplicate_rate) {
                    list.push(Appearance {
                        person,
                        seed: rng.next_u64(),
                    });
                }
            }
        }
    }
    // Lists are not ordered by person: shuffle each, so neighbours tell nothing.
    for list in &mut lists {
        list.shuffle(rng);
    }
    Ok(Registry {
        config: config.clone(),
        tables,
        persons: people,
        lists,
    })
}

impl Registry {
    /// The number of true persons.
    pub fn persons(&self) -> usize {
        self.persons.len()
    }

    /// The number of records of `source`.
    pub fn len(&self, source: Source) -> usize {
        self.lists[source.index()].len()
    }

    /// True when no source has a record (only for zero persons).
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(Vec::is_empty)
    }

    /// The number of records of all sources.
    pub fn total_records(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }

    /// Renders the `index`-th record of `source` (panics if out of range, like slice indexing).
    pub fn record(&self, source: Source, index: usize) -> Record {
        let a = self.lists[source.index()][index];
        let p = &self.persons[a.person as usize];
        let values = render::record(
            p,
            source,
            record_id(source, index),
            a.seed,
            &self.config,
            &self.tables,
        );
        Record {
            values,
            person_id: person_id(a.person as usize),
        }
    }

    /// Renders the records of `source` in `range` on the rayon pool, in order.
    pub fn records_in(&self, source: Source, range: Range<usize>) -> Vec<Record> {
        range
            .into_par_iter()
            .map(|i| self.record(source, i))
            .collect()
    }

    /// All records of `source`, in order, rendered one at a time.
    pub fn records(&self, source: Source) -> impl Iterator<Item = Record> + '_ {
        (0..self.len(source)).map(move |i| self.record(source, i))
    }

    /// The household of the true person behind the `index`-th record of `source` (for tests
    /// and statistics: siblings share a household).
    pub fn household_of(&self, source: Source, index: usize) -> u32 {
        let a = self.lists[source.index()][index];
        self.persons[a.person as usize].household
    }
}

#[cfg(test)]
mod tests;
