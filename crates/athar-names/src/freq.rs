//! Term frequencies of name units, so that agreement on a common unit (محمد) weighs far less
//! than agreement on a rare one. Keyed by [`Unit::term_key`], which is stable across scripts
//! and spellings: the attested Arabic unit when known, the skeleton otherwise.

use std::collections::HashMap;

use crate::name::Name;
use crate::unit::Unit;

/// Counts of units by their cross-script term key.
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    counts: HashMap<u64, u64>,
    total: u64,
}

impl TermFrequencies {
    /// An empty table.
    pub fn new() -> TermFrequencies {
        TermFrequencies::default()
    }

    /// Counts one unit; a double given name (محمد خير) also counts each of its parts, so that
    /// محمد stays common however it was written.
    pub fn add_unit(&mut self, u: &Unit) {
        *self.counts.entry(u.term_key()).or_insert(0) += 1;
        self.total += 1;
        for p in &u.parts {
            self.add_unit(p);
        }
    }

    /// Counts every unit of a name.
    pub fn add_name(&mut self, n: &Name) {
        for u in &n.units {
            self.add_unit(u);
        }
    }

    /// A table built from units.
    pub fn from_units<'a>(units: impl IntoIterator<Item = &'a Unit>) -> TermFrequencies {
        let mut t = TermFrequencies::new();
        for u in units {
            t.add_unit(u);
        }
        t
    }

    /// A table built from names.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a Name>) -> TermFrequencies {
        let mut t = TermFrequencies::new();
        for n in names {
            t.add_name(n);
        }
        t
    }

    /// How many counted units share this unit's term key.
    pub fn count(&self, u: &Unit) -> u64 {
        self.counts.get(&u.term_key()).copied().unwrap_or(0)
    }

    /// Number of units counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Number of distinct term keys.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Relative frequency of the unit, smoothed so an unseen unit is rare but not impossible:
    /// `(count + 0.5) / (total + 1)`. This is the u-probability of agreement on this value
    /// (the chance that a random other record carries it).
    pub fn frequency(&self, u: &Unit) -> f64 {
        (self.count(u) as f64 + 0.5) / (self.total as f64 + 1.0)
    }

    /// Information carried by agreement on the unit, in bits: `-log2(frequency)`.
    pub fn weight(&self, u: &Unit) -> f64 {
        -self.frequency(u).log2()
    }
}
