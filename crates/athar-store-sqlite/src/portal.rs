//! The SQLite implementation of [`PortalStore`]: the public search log, public references,
//! follow-up cases and their shared updates, and tips. Tables: `migrations/0100_portal.sql`.
//! Reporters' and tipsters' contacts are written here and never read back by this trait.

use athar_store::portal::{
    BoxFuture, CaseStatus, CaseView, IndexedRow, NameIndexRow, NewCase, NewTip, PortalError,
    PortalStore, ReportKind, SearchLogEntry, SharedUpdate,
};

use super::SqliteStore;

fn backend(e: impl std::fmt::Display) -> PortalError {
    PortalError::Backend(e.to_string())
}

impl PortalStore for SqliteStore {
    fn name_index_position(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT up_to FROM portal_name_index_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .map_err(backend)
        })
    }

    fn name_index_scheme(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT key_scheme FROM portal_name_index_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .map_err(backend)
        })
    }

    fn reset_name_index(&self, scheme: i64) -> BoxFuture<'_, Result<(), PortalError>> {
        Box::pin(async move {
            let mut tx = self.begin_write().await.map_err(backend)?;
            sqlx::query("DELETE FROM portal_name_index")
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query(
                "UPDATE portal_name_index_state SET up_to = 0, key_scheme = ?1 WHERE id = 1",
            )
            .bind(scheme)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)
        })
    }

    fn index_names<'a>(
        &'a self,
        rows: &'a [NameIndexRow],
        up_to: i64,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            let mut tx = self.begin_write().await.map_err(backend)?;
            // One statement for all rows (a JSON array unpacked by `json_each`): the first
            // start on a large store indexes every record.
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let f = &row.fields;
                    serde_json::json!([
                        row.record_id,
                        row.name_key,
                        f.full_name,
                        f.first_name,
                        f.father_name,
                        f.grandfather_name,
                        f.family_name,
                        f.mother_name,
                        f.birth_year,
                        f.prison_number
                    ])
                })
                .collect();
            if !json.is_empty() {
                sqlx::query(
                    "INSERT INTO portal_name_index (record_id, name_key, full_name, first_name,
                     father_name, grandfather_name, family_name, mother_name, birth_year, prison_number)
                     SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5,
                            value->>6, value->>7, value->>8, value->>9
                     FROM json_each(?1) WHERE true
                     ON CONFLICT (record_id) DO NOTHING",
                )
                .bind(serde_json::Value::Array(json).to_string())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            sqlx::query(
                "UPDATE portal_name_index_state SET up_to = ?1 WHERE id = 1 AND up_to < ?1",
            )
            .bind(up_to)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)
        })
    }

    fn name_index_rows(
        &self,
        after: i64,
        up_to: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<NameIndexRow>, PortalError>> {
        Box::pin(async move {
            // A range of the primary key (the rowid): one sequential read of the table.
            let rows: Vec<IndexedRow> = sqlx::query_as(
                "SELECT record_id, name_key, full_name, first_name, father_name,
                            grandfather_name, family_name, mother_name, birth_year, prison_number
                     FROM portal_name_index WHERE record_id > ?1 AND record_id <= ?2
                     ORDER BY record_id LIMIT ?3",
            )
            .bind(after)
            .bind(up_to)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            Ok(rows.into_iter().map(NameIndexRow::read).collect())
        })
    }

    fn persons_of<'a>(
        &'a self,
        record_ids: &'a [i64],
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, PortalError>> {
        Box::pin(async move {
            if record_ids.is_empty() {
                return Ok(Vec::new());
            }
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT m.record_id, m.person_id FROM json_each(?1) j
                 JOIN memberships m ON m.record_id = j.value",
            )
            .bind(serde_json::to_string(record_ids).map_err(backend)?)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            Ok(rows
                .into_iter()
                .map(|(record, person)| (record, person.to_string()))
                .collect())
        })
    }

    fn public_reference<'a>(
        &'a self,
        person_id: &'a str,
        fresh: &'a str,
    ) -> BoxFuture<'a, Result<String, PortalError>> {
        Box::pin(async move {
            // Most references already exist: read without taking the write lock first.
            let known: Option<String> =
                sqlx::query_scalar("SELECT reference FROM portal_references WHERE person_id = ?1")
                    .bind(person_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
            if let Some(reference) = known {
                return Ok(reference);
            }
            let mut tx = self.begin_write().await.map_err(backend)?;
            sqlx::query(
                "INSERT INTO portal_references (person_id, reference) VALUES (?1, ?2)
                 ON CONFLICT (person_id) DO NOTHING",
            )
            .bind(person_id)
            .bind(fresh)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let reference: String =
                sqlx::query_scalar("SELECT reference FROM portal_references WHERE person_id = ?1")
                    .bind(person_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(reference)
        })
    }

    fn log_search<'a>(
        &'a self,
        entry: &'a SearchLogEntry,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        self.log_searches(std::slice::from_ref(entry))
    }

    fn log_searches<'a>(
        &'a self,
        entries: &'a [SearchLogEntry],
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            if entries.is_empty() {
                return Ok(());
            }
            // One statement for the whole batch; a bad entry fails it all.
            let json: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let q = &e.query;
                    serde_json::json!([
                        e.at_unix,
                        e.client_key,
                        q.name,
                        q.father_name,
                        q.mother_name,
                        q.birth_year,
                        q.prison_number,
                        e.outcome
                    ])
                })
                .collect();
            sqlx::query(
                "INSERT INTO portal_search_log
                 (at_unix, client_key, name, father_name, mother_name, birth_year, prison_number, outcome)
                 SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5,
                        value->>6, value->>7
                 FROM json_each(?1)",
            )
            .bind(serde_json::Value::Array(json).to_string())
            .execute(&self.writer)
            .await
            .map_err(backend)?;
            Ok(())
        })
    }

    fn open_case<'a>(&'a self, case: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let mut tx = self.begin_write().await.map_err(backend)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO portal_cases (kind, record_id, code_hash, reporter_contact, opened_unix)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            )
            .bind(case.kind.code())
            .bind(case.record_id)
            .bind(&case.code_hash)
            .bind(&case.reporter_contact)
            .bind(case.at_unix)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            sqlx::query(
                "INSERT INTO portal_case_updates (case_id, at_unix, status, message)
                 VALUES (?1, ?2, ?3, NULL)",
            )
            .bind(id)
            .bind(case.at_unix)
            .bind(CaseStatus::Received.code())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            Ok(id)
        })
    }

    fn add_tip<'a>(&'a self, tip: &'a NewTip) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            sqlx::query_scalar(
                "INSERT INTO portal_tips (at_unix, about_person, place, text, contact)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            )
            .bind(tip.at_unix)
            .bind(&tip.about_person)
            .bind(&tip.place)
            .bind(&tip.text)
            .bind(&tip.contact)
            .fetch_one(&self.writer)
            .await
            .map_err(backend)
        })
    }

    fn find_case<'a>(
        &'a self,
        code_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<CaseView>, PortalError>> {
        Box::pin(async move {
            let case: Option<(i64, String, i64)> = sqlx::query_as(
                "SELECT id, kind, opened_unix FROM portal_cases WHERE code_hash = ?1",
            )
            .bind(code_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
            let Some((case_id, kind, opened_unix)) = case else {
                return Ok(None);
            };
            let kind = ReportKind::from_code(&kind)
                .ok_or_else(|| backend(format!("case {case_id} has unknown kind {kind}")))?;
            let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                "SELECT at_unix, status, message FROM portal_case_updates
                 WHERE case_id = ?1 ORDER BY id",
            )
            .bind(case_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            let updates = rows
                .into_iter()
                .map(|(at_unix, status, message)| {
                    let status = CaseStatus::from_code(&status).ok_or_else(|| {
                        backend(format!("case {case_id} has unknown status {status}"))
                    })?;
                    Ok(SharedUpdate {
                        at_unix,
                        status,
                        message,
                    })
                })
                .collect::<Result<Vec<_>, PortalError>>()?;
            Ok(Some(CaseView {
                case_id,
                kind,
                opened_unix,
                updates,
            }))
        })
    }

    fn share_update<'a>(
        &'a self,
        case_id: i64,
        update: &'a SharedUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO portal_case_updates (case_id, at_unix, status, message)
                 SELECT id, ?2, ?3, ?4 FROM portal_cases WHERE id = ?1",
            )
            .bind(case_id)
            .bind(update.at_unix)
            .bind(update.status.code())
            .bind(&update.message)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(PortalError::Invalid(format!("no case {case_id}")));
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_the_portal_conformance_check() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("portal.db").display());
        let store = SqliteStore::open(&url, true).await.unwrap();
        athar_store::portal::check_portal_store(&store)
            .await
            .unwrap();
        // The check logs 3 single entries and a batch of 3, then a batch of 2 that has a bad
        // entry second: none of that last batch may be stored.
        let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM portal_search_log")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(logged, 6, "a refused batch leaves no entry behind");
    }
}
