//! The SQLite implementation of [`ConsoleStore`]: staff sessions, login throttling, API tokens,
//! the review queue with claims, audited reads, shared determinations, tips triage and audit
//! search. Tables: `migrations/0200_console.sql`; it also reads the registry's tables (and the
//! portal's, for tips and reporters' contacts).
//!
//! Every method that reads personal data or changes anything runs in one `BEGIN IMMEDIATE`
//! transaction that also writes its audit event.

use std::str::FromStr;

use athar_store::console::*;
use athar_store::*;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{
    RECORD_COLUMNS, Resolver, SqliteStore, Tx, audit_tx, claim_from_row, corrupt, db,
    detention_from_row, determination_from_row, insert_determination, note_from_row,
    record_from_row, review_from_row,
};

/// Records read per page of an export.
const EXPORT_PAGE: i64 = 5_000;

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    let role: String = row.try_get("role").map_err(db)?;
    Ok(User {
        id: row.try_get("id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        role: Role::from_str(&role)?,
        password_hash: row.try_get("password_hash").map_err(db)?,
        disabled: row.try_get("disabled").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<ApiToken> {
    let role: String = row.try_get("role").map_err(db)?;
    let scopes: String = row.try_get("scopes").map_err(db)?;
    Ok(ApiToken {
        id: row.try_get("id").map_err(db)?,
        label: row.try_get("label").map_err(db)?,
        user_name: row.try_get("user_name").map_err(db)?,
        role: Role::from_str(&role)?,
        scopes: scopes.split(',').filter_map(Scope::parse).collect(),
        created_at: row.try_get("created_at").map_err(db)?,
        revoked_at: row.try_get("revoked_at").map_err(db)?,
    })
}

/// The columns of a queue entry (review item, both sides, claim, stored value), after `SELECT`.
macro_rules! queue_columns {
    () => {
        "ri.*,
        ml.person_id AS l_person, sl.name AS l_source, rl.display_name AS l_name,
        (SELECT value->>1 FROM json_each(rl.fields) WHERE value->>0 = 'governorate') AS l_gov,
        mr.person_id AS r_person, sr.name AS r_source, rr.display_name AS r_name,
        (SELECT value->>1 FROM json_each(rr.fields) WHERE value->>0 = 'governorate') AS r_gov,
        c.claimed_by AS claimed_by, c.expires_at AS claim_expires, q.value AS order_value"
    };
}

/// Both sides of a review item (`ri`) and its claim.
macro_rules! queue_sides {
    () => {
        "
    JOIN records rl ON rl.id = ri.left_record_id
    JOIN memberships ml ON ml.record_id = rl.id
    JOIN sources sl ON sl.id = rl.source_id
    JOIN records rr ON rr.id = ri.right_record_id
    JOIN memberships mr ON mr.record_id = rr.id
    JOIN sources sr ON sr.id = rr.source_id
    LEFT JOIN console_review_claims c ON c.review_id = ri.id"
    };
}

/// One review item, open or decided.
const QUEUE_SELECT: &str = concat!(
    "SELECT ",
    queue_columns!(),
    " FROM review_items ri LEFT JOIN console_review_order q ON q.review_id = ri.id",
    queue_sides!()
);

/// The open queue, from the value-ordered table (migration 0201) outwards.
const QUEUE_ORDERED: &str = concat!(
    "SELECT ",
    queue_columns!(),
    " FROM console_review_order q JOIN review_items ri ON ri.id = q.review_id",
    queue_sides!()
);

/// The queue filter (`?1` source, `?2` governorate).
const QUEUE_WHERE: &str = "WHERE (?1 IS NULL OR sl.name = ?1 OR sr.name = ?1)
      AND (?2 IS NULL
           OR EXISTS (SELECT 1 FROM json_each(rl.fields)
                      WHERE value->>0 = 'governorate' AND value->>1 = ?2)
           OR EXISTS (SELECT 1 FROM json_each(rr.fields)
                      WHERE value->>0 = 'governorate' AND value->>1 = ?2))";

fn queue_from_row(row: &SqliteRow, now: DateTime<Utc>) -> Result<QueueEntry> {
    let item = review_from_row(row)?;
    let side = |p: &str| -> Result<QueueSide> {
        Ok(QueueSide {
            record_id: if p == "l" {
                item.left_record_id
            } else {
                item.right_record_id
            },
            person_id: row.try_get(format!("{p}_person").as_str()).map_err(db)?,
            source: row.try_get(format!("{p}_source").as_str()).map_err(db)?,
            display_name: row.try_get(format!("{p}_name").as_str()).map_err(db)?,
            governorate: row.try_get(format!("{p}_gov").as_str()).map_err(db)?,
        })
    };
    let (left, right) = (side("l")?, side("r")?);
    // Decided items have left the ordered table: their value is computed the same way.
    let stored: Option<f64> = row.try_get("order_value").map_err(db)?;
    let value =
        stored.unwrap_or_else(|| review_value(item.probability, &left.source, &right.source));
    let claimed_by: Option<String> = row.try_get("claimed_by").map_err(db)?;
    let claim_expires: Option<DateTime<Utc>> = row.try_get("claim_expires").map_err(db)?;
    let live = claim_expires.is_some_and(|t| t > now);
    Ok(QueueEntry {
        item,
        left,
        right,
        value,
        claimed_by: if live { claimed_by } else { None },
        claim_expires: if live { claim_expires } else { None },
    })
}

async fn record_tx(tx: &mut Tx<'_>, id: RecordId) -> Result<Option<StoredRecord>> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
         JOIN sources s ON s.id = r.source_id WHERE r.id = ?1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .as_ref()
        .map(record_from_row)
        .transpose()
}

async fn user_id(tx: &mut Tx<'_>, name: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM users WHERE name = ?1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound(format!("user {name:?}")))
}

/// Everything about a person, read on `conn` (inside a transaction: one consistent moment).
/// Both [`athar_store::Store::person`] and the audited console read use it.
pub(crate) async fn person_tx(
    conn: &mut sqlx::SqliteConnection,
    id: PersonId,
) -> Result<Option<PersonDetail>> {
    let created_at: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT created_at FROM persons WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    let Some(created_at) = created_at else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM memberships m JOIN records r ON r.id = m.record_id
         JOIN sources s ON s.id = r.source_id WHERE m.person_id = ?1 ORDER BY r.id"
    );
    let records = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(record_from_row)
        .collect::<Result<Vec<_>>>()?;
    let claims = sqlx::query(
        "SELECT c.id, m.person_id, c.record_id, c.status, c.claimant, c.statement, c.created_at,
                c.created_by
         FROM claims c JOIN memberships m ON m.record_id = c.record_id
         WHERE m.person_id = ?1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(claim_from_row)
    .collect::<Result<Vec<_>>>()?;
    let determinations = sqlx::query(
        "SELECT d.id, m.person_id, d.record_id, d.status, d.evidence, d.decided_by, d.decided_at
         FROM determinations d JOIN memberships m ON m.record_id = d.record_id
         WHERE m.person_id = ?1 ORDER BY d.decided_at, d.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(determination_from_row)
    .collect::<Result<Vec<_>>>()?;
    let detentions = sqlx::query(
        "SELECT d.id, m.person_id, d.record_id, d.facility, d.prison_number, d.started, d.ended,
                d.outcome, d.transferred_from
         FROM detentions d JOIN memberships m ON m.record_id = d.record_id
         WHERE m.person_id = ?1 ORDER BY d.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(detention_from_row)
    .collect::<Result<Vec<_>>>()?;
    let notes = sqlx::query(
        "SELECT n.*, m.person_id FROM notes n JOIN memberships m ON m.record_id = n.record_id
         WHERE m.person_id = ?1 ORDER BY n.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(note_from_row)
    .collect::<Result<Vec<_>>>()?;
    let events = sqlx::query(
        "SELECT id, kind, actor, reason, model_version, reverses, at FROM link_events
         WHERE id IN (SELECT event_id FROM link_moves
                      WHERE record_id IN (SELECT record_id FROM memberships WHERE person_id = ?1)
                         OR to_person = ?1 OR from_person = ?1)
         ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut history = Vec::with_capacity(events.len());
    for row in events {
        let event: EventId = row.try_get("id").map_err(db)?;
        let kind: String = row.try_get("kind").map_err(db)?;
        let moves: Vec<(i64, Option<i64>, i64, Option<f64>)> = sqlx::query_as(
            "SELECT record_id, from_person, to_person, score FROM link_moves
             WHERE event_id = ?1 ORDER BY record_id",
        )
        .bind(event)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        history.push(LinkEvent {
            id: event,
            kind: kind.parse()?,
            actor: row.try_get("actor").map_err(db)?,
            reason: row.try_get("reason").map_err(db)?,
            model_version: row.try_get("model_version").map_err(db)?,
            reverses: row.try_get("reverses").map_err(db)?,
            at: row.try_get("at").map_err(db)?,
            moves: moves
                .into_iter()
                .map(|(record_id, from, to, score)| Move {
                    record_id,
                    from,
                    to,
                    score,
                })
                .collect(),
        });
    }
    Ok(Some(PersonDetail {
        id,
        created_at,
        records,
        claims,
        determinations,
        detentions,
        notes,
        history,
    }))
}

/// Whether the portal's tables (migrations 0100–0199) exist in this store.
async fn has_table(tx: &mut Tx<'_>, name: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .bind(name)
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
    Ok(n > 0)
}

/// One page of the review queue, in value order, read through `e` (the pool, or the
/// transaction of an audited read).
async fn queue_page<'e, E>(
    e: E,
    filter: &QueueFilter,
    now: DateTime<Utc>,
) -> Result<Vec<QueueEntry>>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let sql = format!(
        "{QUEUE_ORDERED} {QUEUE_WHERE} ORDER BY q.value DESC, q.review_id LIMIT ?3 OFFSET ?4"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&filter.source)
        .bind(&filter.governorate)
        .bind(limit(filter.limit))
        .bind(limit(filter.offset))
        .fetch_all(e)
        .await
        .map_err(db)?
        .iter()
        .map(|row| queue_from_row(row, now))
        .collect()
}

#[async_trait::async_trait]
impl ConsoleStore for SqliteStore {
    async fn create_session(
        &self,
        id_hash: &str,
        user: i64,
        replaces: Option<&str>,
        expires_at: DateTime<Utc>,
        change: &Change,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if let Some(old) = replaces {
            sqlx::query("DELETE FROM console_sessions WHERE id_hash = ?1")
                .bind(old)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        // Expired sessions are cleaned up as new ones are made.
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= ?1")
            .bind(change.at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(id_hash)
        .bind(user)
        .bind(change.at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(
            &mut tx,
            "login",
            "user",
            Some(&change.actor),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>> {
        let row = sqlx::query(
            "SELECT s.id_hash, s.user_id, u.name, u.role, s.created_at, s.expires_at
             FROM console_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND NOT u.disabled",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role").map_err(db)?;
        let session = StaffSession {
            id_hash: row.try_get("id_hash").map_err(db)?,
            user_id: row.try_get("user_id").map_err(db)?,
            user_name: row.try_get("name").map_err(db)?,
            role: Role::from_str(&role)?,
            created_at: row.try_get("created_at").map_err(db)?,
            expires_at: row.try_get("expires_at").map_err(db)?,
        };
        Ok((session.expires_at > now).then_some(session))
    }

    async fn delete_session(&self, id_hash: &str, change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = ?1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit_tx(
            &mut tx,
            "logout",
            "user",
            Some(&change.actor),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn record_login_attempt(&self, keys: &[&str], ok: bool, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            sqlx::query("INSERT INTO console_login_attempts (key, ok, at) VALUES (?1, ?2, ?3)")
                .bind(key)
                .bind(ok)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn failed_logins_since(&self, key: &str, since: DateTime<Utc>) -> Result<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM console_login_attempts
             WHERE key = ?1 AND NOT ok AND at >= ?2
               AND id > COALESCE((SELECT MAX(id) FROM console_login_attempts WHERE key = ?1 AND ok), 0)",
        )
        .bind(key)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        sqlx::query(
            "SELECT id, name, role, password_hash, disabled, created_at FROM users ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn set_user_role(&self, name: &str, role: Role, change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let id = user_id(&mut tx, name).await?;
        sqlx::query("UPDATE users SET role = ?1 WHERE id = ?2")
            .bind(role.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit_tx(
            &mut tx,
            "set_role",
            "user",
            Some(name),
            &json!({"role": role}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn set_user_password(
        &self,
        name: &str,
        password_hash: &str,
        change: &Change,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let id = user_id(&mut tx, name).await?;
        sqlx::query("UPDATE users SET password_hash = ?1 WHERE id = ?2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM console_sessions WHERE user_id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit_tx(
            &mut tx,
            "reset_password",
            "user",
            Some(name),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn set_user_disabled(&self, name: &str, disabled: bool, change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let id = user_id(&mut tx, name).await?;
        sqlx::query("UPDATE users SET disabled = ?1 WHERE id = ?2")
            .bind(disabled)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if disabled {
            sqlx::query("DELETE FROM console_sessions WHERE user_id = ?1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        audit_tx(
            &mut tx,
            "set_disabled",
            "user",
            Some(name),
            &json!({"disabled": disabled}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn create_api_token(
        &self,
        token_hash: &str,
        label: &str,
        user_name: &str,
        scopes: &[Scope],
        change: &Change,
    ) -> Result<i64> {
        if scopes.is_empty() {
            return Err(StoreError::Invalid(
                "a token needs at least one scope".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let user = user_id(&mut tx, user_name).await?;
        let scope_text: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO console_api_tokens (token_hash, label, user_id, scopes, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .bind(token_hash)
        .bind(label)
        .bind(user)
        .bind(scope_text.join(","))
        .bind(change.at)
        .bind(&change.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(
            &mut tx,
            "create_token",
            "api_token",
            Some(&id.to_string()),
            &json!({"label": label, "user": user_name, "scopes": scope_text}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        sqlx::query(
            "SELECT t.id, t.label, u.name AS user_name, u.role, t.scopes, t.created_at, t.revoked_at
             FROM console_api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND NOT u.disabled",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(token_from_row)
        .transpose()
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        sqlx::query(
            "SELECT t.id, t.label, u.name AS user_name, u.role, t.scopes, t.created_at, t.revoked_at
             FROM console_api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(token_from_row)
        .collect()
    }

    async fn revoke_api_token(&self, id: i64, change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE console_api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
        )
        .bind(change.at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("live api token {id}")));
        }
        audit_tx(
            &mut tx,
            "revoke_token",
            "api_token",
            Some(&id.to_string()),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn review_queue(
        &self,
        filter: &QueueFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueEntry>> {
        queue_page(&self.pool, filter, now).await
    }

    async fn review_queue_audited(
        &self,
        filter: &QueueFilter,
        now: DateTime<Utc>,
        change: &Change,
    ) -> Result<Vec<QueueEntry>> {
        let mut tx = self.begin_write().await?;
        let entries = queue_page(&mut *tx, filter, now).await?;
        audit_tx(
            &mut tx,
            "review.queue",
            "review",
            None,
            &queue_audit_detail(filter, &entries),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(entries)
    }

    async fn review_queue_count(&self, filter: &QueueFilter) -> Result<u64> {
        let n: i64 = if filter.source.is_none() && filter.governorate.is_none() {
            sqlx::query_scalar("SELECT COUNT(*) FROM console_review_order")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?
        } else {
            let sql = format!(
                "SELECT COUNT(*) FROM console_review_order q
                 JOIN review_items ri ON ri.id = q.review_id
                 JOIN records rl ON rl.id = ri.left_record_id
                 JOIN sources sl ON sl.id = rl.source_id
                 JOIN records rr ON rr.id = ri.right_record_id
                 JOIN sources sr ON sr.id = rr.source_id {QUEUE_WHERE}"
            );
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(&filter.source)
                .bind(&filter.governorate)
                .fetch_one(&self.pool)
                .await
                .map_err(db)?
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn claim_review(
        &self,
        id: i64,
        until: DateTime<Utc>,
        change: &Change,
    ) -> Result<ClaimOutcome> {
        let mut tx = self.begin_write().await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM review_items WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let state = state.ok_or_else(|| StoreError::NotFound(format!("review item {id}")))?;
        if state != "open" && state != "deferred" {
            return Err(StoreError::Conflict(format!(
                "review item {id} is already {state}"
            )));
        }
        let holder: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT claimed_by, expires_at FROM console_review_claims WHERE review_id = ?1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some((by, expires)) = holder
            && by != change.actor
            && expires > change.at
        {
            return Ok(ClaimOutcome::HeldBy(by));
        }
        sqlx::query(
            "INSERT INTO console_review_claims (review_id, claimed_by, claimed_at, expires_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (review_id) DO UPDATE SET claimed_by = excluded.claimed_by,
                 claimed_at = excluded.claimed_at, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(&change.actor)
        .bind(change.at)
        .bind(until)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(
            &mut tx,
            "claim_review",
            "review_item",
            Some(&id.to_string()),
            &json!({"until": until}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(ClaimOutcome::Claimed(until))
    }

    async fn review_audited(
        &self,
        id: i64,
        change: &Change,
    ) -> Result<Option<(QueueEntry, StoredRecord, StoredRecord)>> {
        let mut tx = self.begin_write().await?;
        let sql = format!("{QUEUE_SELECT} WHERE ri.id = ?1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let entry = queue_from_row(&row, change.at)?;
        let left = record_tx(&mut tx, entry.item.left_record_id).await?;
        let right = record_tx(&mut tx, entry.item.right_record_id).await?;
        let (Some(left), Some(right)) = (left, right) else {
            return Err(StoreError::Corrupt(format!(
                "review item {id} names a missing record"
            )));
        };
        audit_tx(
            &mut tx,
            "read_review",
            "review_item",
            Some(&id.to_string()),
            &json!({"records": [left.id, right.id], "persons": [left.person_id, right.person_id]}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Some((entry, left, right)))
    }

    async fn rescore_review(
        &self,
        id: i64,
        probability: f64,
        explanation: &serde_json::Value,
        model_version: &str,
        change: &Change,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE review_items SET probability = ?1, explanation = ?2, model_version = ?3
             WHERE id = ?4 AND state IN ('open', 'deferred')",
        )
        .bind(probability)
        .bind(explanation.to_string())
        .bind(model_version)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("open review item {id}")));
        }
        audit_tx(
            &mut tx,
            "rescore_review",
            "review_item",
            Some(&id.to_string()),
            &json!({"probability": probability, "model": model_version}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn source_names(&self) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT name FROM sources ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db)
    }

    async fn person_audited(&self, id: PersonId, change: &Change) -> Result<Option<PersonDetail>> {
        let mut tx = self.begin_write().await?;
        let person = person_tx(&mut tx, id).await?;
        if person.is_some() {
            audit_tx(
                &mut tx,
                "read_person",
                "person",
                Some(&id.to_string()),
                &json!({}),
                change,
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(person)
    }

    async fn search_records_audited(
        &self,
        text: &str,
        n: usize,
        change: &Change,
    ) -> Result<Vec<RecordHit>> {
        let mut tx = self.begin_write().await?;
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT r.id, m.person_id, s.name, r.display_name
             FROM records r JOIN memberships m ON m.record_id = r.id JOIN sources s ON s.id = r.source_id
             WHERE instr(lower(r.display_name), lower(?1)) > 0 ORDER BY r.id LIMIT ?2",
        )
        .bind(text.trim())
        .bind(limit(n))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let hits: Vec<RecordHit> = rows
            .into_iter()
            .map(|(record_id, person_id, source, display_name)| RecordHit {
                record_id,
                person_id,
                source,
                display_name,
            })
            .collect();
        audit_tx(
            &mut tx,
            "search_records",
            "record",
            None,
            &json!({"query": text.trim(), "hits": hits.len()}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(hits)
    }

    async fn records_audited(
        &self,
        ids: &[RecordId],
        action: &str,
        detail: &serde_json::Value,
        change: &Change,
    ) -> Result<Vec<StoredRecord>> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id
             WHERE r.id IN (SELECT value FROM json_each(?1)) ORDER BY r.id"
        );
        let records = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::to_string(ids).map_err(corrupt)?)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>>>()?;
        let (target, detail) = records_audit_detail(ids, &records, detail);
        audit_tx(
            &mut tx,
            action,
            "record",
            target.as_deref(),
            &detail,
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(records)
    }

    async fn export_audited(
        &self,
        detail: &serde_json::Value,
        change: &Change,
        sink: &mut (dyn for<'r> FnMut(&'r StoredRecord) -> Result<()> + Send),
    ) -> Result<u64> {
        // One transaction: the export is one snapshot, and its audit row commits with it. On
        // SQLite that transaction holds the writer lock while the export reads.
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id > ?1 ORDER BY r.id LIMIT ?2"
        );
        let mut after = 0;
        let mut n = 0u64;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(EXPORT_PAGE)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id").map_err(db)?;
            for row in &rows {
                sink(&record_from_row(row)?)?;
                n += 1;
            }
        }
        audit_tx(
            &mut tx,
            "export",
            "store",
            None,
            &export_audit_detail(detail, n),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn reporter_contacts_audited(
        &self,
        person: PersonId,
        change: &Change,
    ) -> Result<Vec<ReporterContact>> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::new();
        if has_table(&mut tx, "portal_cases").await? {
            let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
                "SELECT c.record_id, c.id, c.kind, c.reporter_contact FROM portal_cases c
                 JOIN memberships m ON m.record_id = c.record_id
                 WHERE m.person_id = ?1 ORDER BY c.id",
            )
            .bind(person)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            out = rows
                .into_iter()
                .filter_map(|(record_id, case_id, kind, contact)| {
                    contact.map(|contact| ReporterContact {
                        record_id,
                        case_id,
                        kind,
                        contact,
                    })
                })
                .collect();
        }
        audit_tx(
            &mut tx,
            "read_contact",
            "person",
            Some(&person.to_string()),
            &json!({"contacts": out.len()}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }

    async fn add_determination_shared(
        &self,
        det: &NewDetermination,
        share: Option<&ShareChoice>,
        change: &Change,
    ) -> Result<DeterminationOutcome> {
        if let Some(s) = share
            && !matches!(
                s.case_status.as_str(),
                "received" | "under_review" | "contact_us" | "closed"
            )
        {
            return Err(StoreError::Invalid(format!(
                "unknown case status {:?}",
                s.case_status
            )));
        }
        let mut tx = self.begin_write().await?;
        let res = Resolver {
            record_ids: &[],
            person_ids: &[],
        };
        let id = insert_determination(&mut tx, &res, det, change).await?;
        let mut cases = Vec::new();
        if let (Some(s), PersonRef::Existing(person)) = (share, det.person) {
            if has_table(&mut tx, "portal_cases").await? {
                cases = sqlx::query_scalar(
                    "SELECT c.id FROM portal_cases c JOIN memberships m ON m.record_id = c.record_id
                     WHERE m.person_id = ?1 ORDER BY c.id",
                )
                .bind(person)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
                for case in &cases {
                    sqlx::query(
                        "INSERT INTO portal_case_updates (case_id, at_unix, status, message)
                         VALUES (?1, ?2, ?3, ?4)",
                    )
                    .bind(case)
                    .bind(change.at.timestamp())
                    .bind(&s.case_status)
                    .bind(&s.message)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                }
            }
            sqlx::query(
                "INSERT INTO console_determination_shares (determination_id, case_status, message, cases)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(id)
            .bind(&s.case_status)
            .bind(&s.message)
            .bind(serde_json::to_string(&cases).map_err(corrupt)?)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let person = match det.person {
            PersonRef::Existing(p) => Some(p.to_string()),
            PersonRef::New(_) => None,
        };
        audit_tx(
            &mut tx,
            "determination",
            "person",
            person.as_deref(),
            &json!({"determination": id, "status": det.status, "shared_with_cases": cases,
                    "case_status": share.map(|s| s.case_status.clone())}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(DeterminationOutcome {
            id,
            shared_with_cases: cases,
        })
    }

    async fn tips(&self, state: Option<&str>, n: usize) -> Result<Vec<TipEntry>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !has_table(&mut tx, "portal_tips").await? {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT t.id, t.at_unix, t.about_person, t.place, t.text, t.contact IS NOT NULL AS has_contact,
                    COALESCE(g.state, 'new') AS state, g.person_id, g.linked_place, g.reviewer, g.reviewed_at
             FROM portal_tips t LEFT JOIN console_tip_triage g ON g.tip_id = t.id
             WHERE (?1 IS NULL OR COALESCE(g.state, 'new') = ?1)
             ORDER BY t.id DESC LIMIT ?2",
        )
        .bind(state)
        .bind(limit(n))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let at: i64 = row.try_get("at_unix").map_err(db)?;
                Ok(TipEntry {
                    id: row.try_get("id").map_err(db)?,
                    received_at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
                    about_person: row.try_get("about_person").map_err(db)?,
                    place: row.try_get("place").map_err(db)?,
                    text: row.try_get("text").map_err(db)?,
                    has_contact: row.try_get("has_contact").map_err(db)?,
                    state: row.try_get("state").map_err(db)?,
                    person_id: row.try_get("person_id").map_err(db)?,
                    linked_place: row.try_get("linked_place").map_err(db)?,
                    reviewer: row.try_get("reviewer").map_err(db)?,
                    reviewed_at: row.try_get("reviewed_at").map_err(db)?,
                })
            })
            .collect()
    }

    async fn triage_tip(&self, id: i64, triage: &TipTriage, change: &Change) -> Result<()> {
        if !TIP_STATES.contains(&triage.state.as_str()) {
            return Err(StoreError::Invalid(format!(
                "unknown tip state {:?}",
                triage.state
            )));
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = if has_table(&mut tx, "portal_tips").await? {
            sqlx::query_scalar("SELECT id FROM portal_tips WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
        } else {
            None
        };
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("tip {id}")));
        }
        sqlx::query(
            "INSERT INTO console_tip_triage (tip_id, state, person_id, linked_place, reviewer, reviewed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (tip_id) DO UPDATE SET state = excluded.state, person_id = excluded.person_id,
                 linked_place = excluded.linked_place, reviewer = excluded.reviewer,
                 reviewed_at = excluded.reviewed_at",
        )
        .bind(id)
        .bind(&triage.state)
        .bind(triage.person_id)
        .bind(&triage.place)
        .bind(&change.actor)
        .bind(change.at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(
            &mut tx,
            "triage_tip",
            "tip",
            Some(&id.to_string()),
            &json!(triage),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn tip_contact_audited(&self, id: i64, change: &Change) -> Result<Option<String>> {
        let mut tx = self.begin_write().await?;
        if !has_table(&mut tx, "portal_tips").await? {
            return Ok(None);
        }
        let contact: Option<Option<String>> =
            sqlx::query_scalar("SELECT contact FROM portal_tips WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some(contact) = contact else {
            return Err(StoreError::NotFound(format!("tip {id}")));
        };
        audit_tx(
            &mut tx,
            "read_contact",
            "tip",
            Some(&id.to_string()),
            &json!({"present": contact.is_some()}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(contact)
    }

    async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target_kind, target_id, detail, reason FROM audit_events
             WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR target_kind = ?3) AND (?4 IS NULL OR target_id = ?4)
               AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6)
             ORDER BY id DESC LIMIT ?7",
        )
        .bind(&q.actor)
        .bind(&q.action)
        .bind(&q.target_kind)
        .bind(&q.target_id)
        .bind(q.from)
        .bind(q.until)
        .bind(limit(q.limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(crate::audit_event_from_row).collect()
    }
}
