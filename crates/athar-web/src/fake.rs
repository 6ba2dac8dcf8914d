//! [`MemoryPortal`]: an in-memory [`PortalStore`] and [`Registry`] for the web tier's own tests
//! and snapshots.
//! It matches names by simple folding; the real stores match names with `athar-names`.
//! Not for production: nothing survives a restart.

use std::sync::Mutex;

use athar_store::portal::{
    BoxFuture, CaseStatus, CaseView, NameIndexRow, NewCase, NewReport, NewTip, PortalError,
    PortalStore, PublicCandidate, PublicQuery, SearchLogEntry, SharedUpdate,
};

use crate::portal::matching::{Details, fold_name};
use crate::registry::Registry;

/// Everything the fake holds, open for tests to inspect.
#[derive(Debug, Default)]
pub struct MemoryData {
    /// Stored records (search candidates).
    pub records: Vec<PublicCandidate>,
    /// Person id → public reference.
    pub references: Vec<(String, String)>,
    /// The search log.
    pub searches: Vec<SearchLogEntry>,
    /// Reports received (the records they became).
    pub reports: Vec<NewReport>,
    /// Tips received.
    pub tips: Vec<NewTip>,
    /// Cases as opened, and as their code's holder sees them.
    pub cases: Vec<(NewCase, CaseView)>,
    /// The name index and its position.
    pub name_index: (Vec<NameIndexRow>, i64),
    /// The name index's key scheme.
    pub name_index_scheme: i64,
}

/// An in-memory portal store.
#[derive(Debug, Default)]
pub struct MemoryPortal {
    /// The data, behind a lock.
    pub data: Mutex<MemoryData>,
}

impl MemoryPortal {
    /// A store holding `records`.
    pub fn with_records(records: Vec<PublicCandidate>) -> MemoryPortal {
        MemoryPortal {
            data: Mutex::new(MemoryData {
                records,
                ..Default::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryData> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the data (tests).
    pub fn inspect<T>(&self, f: impl FnOnce(&MemoryData) -> T) -> T {
        f(&self.lock())
    }
}

/// True when every word of `asked` is a word of the record's name (after folding), and the
/// first word is the given name.
fn name_matches(asked: &str, c: &PublicCandidate) -> bool {
    let asked = fold_name(asked);
    let words: Vec<String> = fold_name(&c.whole_name())
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut asked_words = asked.split(' ');
    let first_ok = asked_words.next().is_some_and(|w| {
        c.first_name
            .as_deref()
            .map(fold_name)
            .is_some_and(|f| f == w)
            || words.first().is_some_and(|f| f == w)
    });
    first_ok && asked.split(' ').all(|w| words.iter().any(|x| x == w))
}

impl Registry for MemoryPortal {
    fn public_candidates<'a>(
        &'a self,
        query: &'a PublicQuery,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>> {
        Box::pin(async move {
            Ok(self
                .lock()
                .records
                .iter()
                .filter(|c| name_matches(&query.name, c))
                .take(limit)
                .cloned()
                .collect())
        })
    }

    fn ingest_report<'a>(
        &'a self,
        report: &'a NewReport,
    ) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            d.reports.push(report.clone());
            Ok(d.reports.len() as i64)
        })
    }
}

impl PortalStore for MemoryPortal {
    fn name_index_position(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        Box::pin(async move { Ok(self.lock().name_index.1) })
    }

    fn name_index_scheme(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        Box::pin(async move { Ok(self.lock().name_index_scheme) })
    }

    fn reset_name_index(&self, scheme: i64) -> BoxFuture<'_, Result<(), PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            d.name_index = (Vec::new(), 0);
            d.name_index_scheme = scheme;
            Ok(())
        })
    }

    fn index_names<'a>(
        &'a self,
        rows: &'a [NameIndexRow],
        up_to: i64,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            for row in rows {
                if !d.name_index.0.iter().any(|r| r.record_id == row.record_id) {
                    d.name_index.0.push(row.clone());
                }
            }
            d.name_index.1 = d.name_index.1.max(up_to);
            Ok(())
        })
    }

    fn name_index_rows(
        &self,
        after: i64,
        up_to: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<NameIndexRow>, PortalError>> {
        Box::pin(async move {
            let mut rows: Vec<NameIndexRow> = self
                .lock()
                .name_index
                .0
                .iter()
                .filter(|r| r.record_id > after && r.record_id <= up_to)
                .map(|r| NameIndexRow {
                    fields: PublicCandidate {
                        person_id: String::new(),
                        ..r.fields.clone()
                    },
                    ..r.clone()
                })
                .collect();
            rows.sort_by_key(|r| r.record_id);
            rows.truncate(limit);
            Ok(rows)
        })
    }

    /// Each indexed record is its own person here (the fake has no memberships).
    fn persons_of<'a>(
        &'a self,
        record_ids: &'a [i64],
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, PortalError>> {
        Box::pin(async move {
            let d = self.lock();
            Ok(record_ids
                .iter()
                .filter(|id| d.name_index.0.iter().any(|r| r.record_id == **id))
                .map(|id| (*id, format!("r{id}")))
                .collect())
        })
    }

    fn public_reference<'a>(
        &'a self,
        person_id: &'a str,
        fresh: &'a str,
    ) -> BoxFuture<'a, Result<String, PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            if let Some((_, r)) = d.references.iter().find(|(p, _)| p == person_id) {
                return Ok(r.clone());
            }
            d.references
                .push((person_id.to_string(), fresh.to_string()));
            Ok(fresh.to_string())
        })
    }

    fn log_search<'a>(
        &'a self,
        entry: &'a SearchLogEntry,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            self.lock().searches.push(entry.clone());
            Ok(())
        })
    }

    fn open_case<'a>(&'a self, case: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            let case_id = d.cases.len() as i64 + 1;
            let view = CaseView {
                case_id,
                kind: case.kind,
                opened_unix: case.at_unix,
                updates: vec![SharedUpdate {
                    at_unix: case.at_unix,
                    status: CaseStatus::Received,
                    message: None,
                }],
            };
            d.cases.push((case.clone(), view));
            Ok(case_id)
        })
    }

    fn add_tip<'a>(&'a self, tip: &'a NewTip) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            d.tips.push(tip.clone());
            Ok(d.tips.len() as i64)
        })
    }

    fn find_case<'a>(
        &'a self,
        code_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<CaseView>, PortalError>> {
        Box::pin(async move {
            Ok(self
                .lock()
                .cases
                .iter()
                .find(|(c, _)| c.code_hash == code_hash)
                .map(|(_, v)| v.clone()))
        })
    }

    fn share_update<'a>(
        &'a self,
        case_id: i64,
        update: &'a SharedUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            let mut d = self.lock();
            match d.cases.iter_mut().find(|(_, v)| v.case_id == case_id) {
                Some((_, v)) => {
                    v.updates.push(update.clone());
                    Ok(())
                }
                None => Err(PortalError::Invalid(format!("no case {case_id}"))),
            }
        })
    }
}
