//! The PostgreSQL implementation of [`PortalStore`]: the public search log, public references,
//! follow-up cases and their shared updates, and tips. Tables: `migrations/0100_portal.sql`.
//! Reporters' and tipsters' contacts are written here and never read back by this trait.

use athar_store::portal::{
    BoxFuture, CaseStatus, CaseView, IndexedRow, NameIndexRow, NewCase, NewTip, PortalError,
    PortalStore, ReportKind, SearchLogEntry, SharedUpdate,
};

use super::PgStore;

fn backend(e: impl std::fmt::Display) -> PortalError {
    PortalError::Backend(e.to_string())
}

impl PortalStore for PgStore {
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
            let mut tx = self.pool.begin().await.map_err(backend)?;
            sqlx::query("DELETE FROM portal_name_index")
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query(
                "UPDATE portal_name_index_state SET up_to = 0, key_scheme = $1 WHERE id = 1",
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
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for row in rows {
                let f = &row.fields;
                sqlx::query(
                    "INSERT INTO portal_name_index (record_id, name_key, full_name, first_name,
                     father_name, grandfather_name, family_name, mother_name, birth_year, prison_number)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (record_id) DO NOTHING",
                )
                .bind(row.record_id)
                .bind(row.name_key)
                .bind(&f.full_name)
                .bind(&f.first_name)
                .bind(&f.father_name)
                .bind(&f.grandfather_name)
                .bind(&f.family_name)
                .bind(&f.mother_name)
                .bind(f.birth_year)
                .bind(&f.prison_number)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            sqlx::query(
                "UPDATE portal_name_index_state SET up_to = $1 WHERE id = 1 AND up_to < $1",
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
            let rows: Vec<IndexedRow> = sqlx::query_as(
                "SELECT record_id, name_key, full_name, first_name, father_name,
                        grandfather_name, family_name, mother_name, birth_year, prison_number
                 FROM portal_name_index WHERE record_id > $1 AND record_id <= $2
                 ORDER BY record_id LIMIT $3",
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
                "SELECT record_id, person_id FROM memberships WHERE record_id = ANY($1)",
            )
            .bind(record_ids)
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
            let mut tx = self.pool.begin().await.map_err(backend)?;
            sqlx::query(
                "INSERT INTO portal_references (person_id, reference) VALUES ($1, $2)
                 ON CONFLICT (person_id) DO NOTHING",
            )
            .bind(person_id)
            .bind(fresh)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let reference: String =
                sqlx::query_scalar("SELECT reference FROM portal_references WHERE person_id = $1")
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
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for entry in entries {
                let q = &entry.query;
                sqlx::query(
                    "INSERT INTO portal_search_log
                     (at_unix, client_key, name, father_name, mother_name, birth_year, prison_number, outcome)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(entry.at_unix)
                .bind(&entry.client_key)
                .bind(&q.name)
                .bind(&q.father_name)
                .bind(&q.mother_name)
                .bind(q.birth_year)
                .bind(&q.prison_number)
                .bind(&entry.outcome)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn open_case<'a>(&'a self, case: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO portal_cases (kind, record_id, code_hash, reporter_contact, opened_unix)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
                 VALUES ($1, $2, $3, NULL)",
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
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(tip.at_unix)
            .bind(&tip.about_person)
            .bind(&tip.place)
            .bind(&tip.text)
            .bind(&tip.contact)
            .fetch_one(&self.pool)
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
                "SELECT id, kind, opened_unix FROM portal_cases WHERE code_hash = $1",
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
                 WHERE case_id = $1 ORDER BY id",
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
                 SELECT id, $2, $3, $4 FROM portal_cases WHERE id = $1",
            )
            .bind(case_id)
            .bind(update.at_unix)
            .bind(update.status.code())
            .bind(&update.message)
            .execute(&self.pool)
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

    /// Runs against `ATHAR_TEST_DATABASE_URL` in a fresh schema; without the variable there is
    /// no PostgreSQL to test (scripts/test and CI always set it, and then it must connect).
    #[tokio::test]
    async fn passes_the_portal_conformance_check() {
        let Ok(url) = std::env::var("ATHAR_TEST_DATABASE_URL") else {
            return;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!("portal_test_{}_{nanos}", std::process::id());
        let store = PgStore::open(&url, Some(&schema)).await.unwrap();
        athar_store::portal::check_portal_store(&store)
            .await
            .unwrap();
    }
}
