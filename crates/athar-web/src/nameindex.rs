//! [`NameIndex`]: the public search's name index, held in memory by each web instance.
//!
//! The index's rows live in the store (`portal_name_index`, written by
//! [`crate::registry::StoreRegistry::catch_up`] and by each report), shared by every instance
//! and kept across restarts. Each instance loads them into this map — all of them at start, in
//! record id order, then the rows the store's index position has moved past — so a public
//! search reads its candidates without a round trip to the database: at a million records the
//! round trip, the database's B-tree walk and the decoding of up to 200 rows were most of a
//! search's cost, and most searches find nobody.
//!
//! Consistency: rows up to the store's index position are complete (the indexer writes a
//! batch's rows and moves the position in one transaction, and the store's writers are
//! serialized, so record ids are assigned in commit order). A report's own row is added here
//! at once by the instance that took it ([`NameIndex::add`]) and reaches the other instances
//! when the position passes it (within one indexer period).
//!
//! Memory: one row is 32 bytes plus its text (the compared fields, joined); about 80 MB at a
//! million records.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use athar_store::portal::{NameIndexRow, PublicCandidate};

use crate::portal::matching::Details;

/// Separates a row's text fields. A control character has no place in a name; one found in a
/// field is stored as a space.
const SEP: char = '\u{1F}';

/// One indexed record: its id, birth year and compared text fields.
#[derive(Debug)]
struct Row {
    record_id: i64,
    birth_year: Option<i32>,
    /// Full, first, father, grandfather, family and mother names and the prison number,
    /// joined by [`SEP`]; an empty field is an absent one.
    text: Box<str>,
}

impl Row {
    fn of(row: &NameIndexRow) -> Row {
        let f = &row.fields;
        let fields = [
            &f.full_name,
            &f.first_name,
            &f.father_name,
            &f.grandfather_name,
            &f.family_name,
            &f.mother_name,
            &f.prison_number,
        ];
        let mut text = String::new();
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                text.push(SEP);
            }
            if let Some(v) = field {
                text.extend(v.chars().map(|c| if c == SEP { ' ' } else { c }));
            }
        }
        Row {
            record_id: row.record_id,
            birth_year: f.birth_year,
            text: text.into_boxed_str(),
        }
    }

    fn view(&self) -> RowView<'_> {
        let mut parts = [""; 7];
        for (part, text) in parts.iter_mut().zip(self.text.split(SEP)) {
            *part = text;
        }
        RowView {
            parts,
            birth_year: self.birth_year,
        }
    }

    fn read(&self, name_key: i64) -> NameIndexRow {
        let v = self.view();
        let own = |s: Option<&str>| s.map(str::to_string);
        NameIndexRow {
            record_id: self.record_id,
            name_key,
            fields: PublicCandidate {
                person_id: String::new(),
                full_name: own(v.full_name()),
                first_name: own(v.first_name()),
                father_name: own(v.father_name()),
                grandfather_name: own(v.grandfather_name()),
                family_name: own(v.family_name()),
                mother_name: own(v.mother_name()),
                prison_number: own(v.prison_number()),
                birth_year: self.birth_year,
            },
        }
    }
}

/// A row of the index read in place: its fields borrowed from the row's text.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    /// The text fields in [`Row::text`]'s order.
    parts: [&'a str; 7],
    birth_year: Option<i32>,
}

impl RowView<'_> {
    fn part(&self, i: usize) -> Option<&str> {
        Some(self.parts[i]).filter(|p| !p.is_empty())
    }
}

impl Details for RowView<'_> {
    fn full_name(&self) -> Option<&str> {
        self.part(0)
    }
    fn first_name(&self) -> Option<&str> {
        self.part(1)
    }
    fn father_name(&self) -> Option<&str> {
        self.part(2)
    }
    fn grandfather_name(&self) -> Option<&str> {
        self.part(3)
    }
    fn family_name(&self) -> Option<&str> {
        self.part(4)
    }
    fn mother_name(&self) -> Option<&str> {
        self.part(5)
    }
    fn birth_year(&self) -> Option<i32> {
        self.birth_year
    }
    fn prison_number(&self) -> Option<&str> {
        self.part(6)
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Name key → its rows, in the order they arrived (record id order, but for reports).
    buckets: HashMap<i64, Vec<Row>>,
    /// Rows with ids up to here are all loaded.
    loaded_up_to: i64,
    /// Ids of rows added by [`NameIndex::add`] above `loaded_up_to`: skipped when loaded.
    added: HashSet<i64>,
    rows: usize,
}

impl Inner {
    fn insert(&mut self, row: &NameIndexRow) {
        self.buckets
            .entry(row.name_key)
            .or_default()
            .push(Row::of(row));
        self.rows += 1;
    }
}

/// The name index in memory (see the module docs).
#[derive(Debug, Default)]
pub struct NameIndex {
    inner: RwLock<Inner>,
}

impl NameIndex {
    /// An empty index.
    pub fn new() -> NameIndex {
        NameIndex::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere while holding it; the map is whole
        // (every change to it is one push).
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The id up to which every stored row is loaded.
    pub fn loaded_up_to(&self) -> i64 {
        self.read().loaded_up_to
    }

    /// How many rows are held.
    pub fn len(&self) -> usize {
        self.read().rows
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads `rows`, the stored rows with ids above [`NameIndex::loaded_up_to`] and at most
    /// `up_to` (in id order; all of them), and moves the loaded position to `up_to`. Rows that
    /// [`NameIndex::add`] already holds are not added twice.
    pub fn load(&self, rows: &[NameIndexRow], up_to: i64) {
        let mut inner = self.write();
        for row in rows {
            if row.record_id <= inner.loaded_up_to || inner.added.remove(&row.record_id) {
                continue;
            }
            inner.insert(row);
        }
        inner.loaded_up_to = inner.loaded_up_to.max(up_to);
        let loaded = inner.loaded_up_to;
        inner.added.retain(|id| *id > loaded);
    }

    /// Adds one row at once (a report this instance has just stored and indexed), unless the
    /// loaded rows already cover it.
    pub fn add(&self, row: &NameIndexRow) {
        let mut inner = self.write();
        if row.record_id <= inner.loaded_up_to || !inner.added.insert(row.record_id) {
            return;
        }
        inner.insert(row);
    }

    /// Of the first `limit` rows under `name_key`, those that `keep` accepts (read in place,
    /// nothing copied for the others), with their `fields.person_id` empty.
    pub fn candidates(
        &self,
        name_key: i64,
        limit: usize,
        mut keep: impl FnMut(&RowView<'_>) -> bool,
    ) -> Vec<NameIndexRow> {
        let inner = self.read();
        let Some(rows) = inner.buckets.get(&name_key) else {
            return Vec::new();
        };
        rows.iter()
            .take(limit)
            .filter(|r| keep(&r.view()))
            .map(|r| r.read(name_key))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(record_id: i64, name_key: i64, father: &str) -> NameIndexRow {
        NameIndexRow {
            record_id,
            name_key,
            fields: PublicCandidate {
                first_name: Some("محمد".into()),
                father_name: Some(father.into()),
                family_name: Some("الحلبي".into()),
                birth_year: Some(1985),
                prison_number: Some("A\u{1F}17".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn rows_read_back_as_stored() {
        let index = NameIndex::new();
        index.load(
            &[row(1, 7, "أحمد"), row(2, 7, "خالد"), row(3, 8, "أحمد")],
            3,
        );
        let found = index.candidates(7, 10, |_| true);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].record_id, 1);
        assert_eq!(found[1].fields.father_name.as_deref(), Some("خالد"));
        assert_eq!(found[0].fields.full_name, None);
        assert_eq!(found[0].fields.mother_name, None);
        assert_eq!(found[0].fields.birth_year, Some(1985));
        assert_eq!(found[0].fields.first_name.as_deref(), Some("محمد"));
        assert_eq!(found[0].fields.family_name.as_deref(), Some("الحلبي"));
        assert_eq!(
            found[0].fields.prison_number.as_deref(),
            Some("A 17"),
            "the separator inside a field becomes a space"
        );
        assert_eq!(index.candidates(7, 1, |_| true).len(), 1, "limit");
        let kept = index.candidates(7, 10, |v| v.father_name() == Some("خالد"));
        assert_eq!(kept.len(), 1, "only the rows kept are read out");
        assert_eq!(kept[0].record_id, 2);
        assert!(index.candidates(9, 10, |_| true).is_empty());
        assert_eq!((index.len(), index.loaded_up_to()), (3, 3));
    }

    #[test]
    fn a_row_added_at_once_is_not_loaded_twice() {
        let index = NameIndex::new();
        index.load(&[row(1, 7, "أحمد")], 1);
        index.add(&row(5, 7, "خالد"));
        index.add(&row(5, 7, "خالد"));
        assert_eq!(index.candidates(7, 10, |_| true).len(), 2);
        // The store's position passes the report: its row comes again with the others.
        index.load(&[row(4, 7, "سعيد"), row(5, 7, "خالد"), row(6, 8, "عمر")], 6);
        let ids: Vec<i64> = index
            .candidates(7, 10, |_| true)
            .iter()
            .map(|r| r.record_id)
            .collect();
        assert_eq!(ids, [1, 5, 4]);
        assert_eq!(index.len(), 4);
        // Loaded rows are never added again, by either path.
        index.add(&row(4, 7, "سعيد"));
        index.load(&[row(6, 8, "عمر")], 6);
        assert_eq!(index.len(), 4);
    }
}
