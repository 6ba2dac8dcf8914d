//! One suite, two backends: each `case` below runs once per backend.

use std::sync::atomic::{AtomicU32, Ordering};

use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::*;
use athar_store_any::{AnyStore, PgStore, SqliteStore};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

/// A store for one test, and what to clean up after it.
pub struct Fixture {
    pub store: AnyStore,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = athar_store_any::open(&url, true).await.unwrap();
    Fixture {
        store,
        _dir: Some(dir),
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A fresh schema on the test database, or `None` when no test database is configured.
/// Panics (fails the test) when one is configured but cannot be used.
pub async fn postgres(test: &str) -> Option<Fixture> {
    let Ok(url) = std::env::var("ATHAR_TEST_DATABASE_URL") else {
        eprintln!("ATHAR_TEST_DATABASE_URL is not set: PostgreSQL case of {test} not run");
        return None;
    };
    let schema = format!(
        "t_{}_{}_{}",
        test.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(30)
            .collect::<String>(),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
    .to_lowercase();
    let store = PgStore::open(&url, Some(&schema))
        .await
        .unwrap_or_else(|e| panic!("ATHAR_TEST_DATABASE_URL is set but unusable: {e}"));
    Some(Fixture {
        store: AnyStore::Postgres(store),
        _dir: None,
    })
}

/// Drops a test's PostgreSQL schema (best effort).
pub async fn cleanup(f: Fixture) {
    if let AnyStore::Postgres(p) = &f.store
        && let Some(schema) = p.schema()
    {
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(p.pool())
            .await;
    }
    f.store.close().await;
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let f = super::sqlite().await;
                    super::$name(&f.store).await;
                    super::cleanup(f).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(f) = super::postgres(stringify!($name)).await else { return };
                    super::$name(&f.store).await;
                    super::cleanup(f).await;
                }
            )*
        }
    };
}
pub(crate) use conformance;

conformance!(
    batch_round_trip,
    import_is_idempotent,
    failed_batch_writes_nothing,
    unknown_references_are_refused,
    records_cannot_be_updated,
    merge_split_reverse,
    reverse_conflicts,
    facts_follow_records,
    review_decisions_label_and_merge,
    models_users_audit,
    candidates_by_key,
    keys_are_replaced_whole,
    large_batch_spans_chunks,
    check_finds_tampering,
    backup_restores,
    ingest_matches_incrementally,
    batch_import_matches_with_the_saved_model,
    pfif_import_matches_the_store_but_keeps_its_own_persons,
    person_search_crosses_scripts,
);

pub fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).single().unwrap()
}

pub fn change(s: i64) -> Change {
    Change::new("tester", t(s))
}

fn record(local: &str, name: &str, keys: &[i64]) -> NewRecord {
    NewRecord {
        local_id: Some(local.into()),
        line: Some(2),
        raw: vec![
            ("id".into(), local.into()),
            ("الاسم".into(), name.into()),
            ("note".into(), "  keep  spaces ".into()),
        ],
        fields: vec![
            ("id".into(), local.into()),
            ("full_name".into(), name.into()),
        ],
        normalized: json!({"id": local, "full_name": name}),
        display_name: name.into(),
        keys: keys.to_vec(),
    }
}

fn file(sha: &str) -> FileInfo {
    FileInfo {
        file_name: "list.csv".into(),
        sha256: sha.into(),
        format: "csv-utf-8".into(),
        received_at: None,
    }
}

fn source(name: &str) -> SourceInfo {
    SourceInfo {
        name: name.into(),
        supplier: Some("a documentation group".into()),
        notes: None,
    }
}

fn placement(p: PersonRef) -> Placement {
    Placement {
        person: p,
        model_version: Some("m1".into()),
        score: Some(0.97),
        reason: "test".into(),
    }
}

/// Three records: two in one new person, one alone; one review pair.
fn three(sha: &str) -> WriteBatch {
    let mut b = WriteBatch::new(source("prison"), Some(file(sha)));
    b.records = vec![
        record("a", "عمر خالد", &[1, 2]),
        record("b", "Omar Khaled", &[2, 3]),
        record("c", "سامي", &[9]),
    ];
    b.placements = vec![
        placement(PersonRef::New(0)),
        placement(PersonRef::New(0)),
        placement(PersonRef::New(1)),
    ];
    b.new_persons = 2;
    b.reviews = vec![NewReview {
        left: RecordRef::New(0),
        right: RecordRef::New(2),
        probability: 0.3,
        explanation: json!({"fields": []}),
        model_version: Some("m1".into()),
    }];
    b
}

async fn assert_sound(s: &dyn Store) {
    let faults = s.check().await.unwrap();
    assert!(faults.is_empty(), "{faults:?}");
}

async fn batch_round_trip(s: &AnyStore) {
    let out = s.write_batch(&three("aa"), &change(0)).await.unwrap();
    assert!(!out.already_imported);
    assert_eq!(out.records, 3);
    assert_eq!(out.record_ids.len(), 3);
    assert_eq!(out.person_ids.len(), 2);
    let r = s.record(out.record_ids[0]).await.unwrap().unwrap();
    assert_eq!(
        r.raw[2],
        ("note".to_string(), "  keep  spaces ".to_string()),
        "raw kept exactly"
    );
    assert_eq!(r.raw[1].0, "الاسم");
    assert_eq!(r.field("full_name"), Some("عمر خالد"));
    assert_eq!(r.person_id, out.person_ids[0]);
    assert_eq!(r.source, "prison");
    assert_eq!(r.local_id.as_deref(), Some("a"));
    let p = s.person(out.person_ids[0]).await.unwrap().unwrap();
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.history.len(), 1);
    assert_eq!(p.history[0].kind, EventKind::Place);
    assert_eq!(p.history[0].model_version.as_deref(), Some("m1"));
    assert!(p.history[0].moves.iter().all(|m| m.score == Some(0.97)));
    let c = s.counts().await.unwrap();
    assert_eq!(
        (c.records, c.persons, c.imports, c.sources, c.open_reviews),
        (3, 2, 1, 1, 1)
    );
    let reviews = s.open_reviews(10).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (reviews[0].left_record_id, reviews[0].right_record_id),
        (out.record_ids[0], out.record_ids[2])
    );
    let page = s.records_page(0, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(s.records_page(page[1].id, 10).await.unwrap().len(), 1);
    assert_eq!(
        s.record_by_local_id("prison", "b").await.unwrap(),
        Some(out.record_ids[1])
    );
    let audit = s.audit_page(0, 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "import" && a.detail["records"] == 3),
        "{audit:?}"
    );
    assert_sound(&**s).await;
}

async fn import_is_idempotent(s: &AnyStore) {
    s.write_batch(&three("same"), &change(0)).await.unwrap();
    let again = s.write_batch(&three("same"), &change(1)).await.unwrap();
    assert!(again.already_imported);
    assert!(again.record_ids.is_empty());
    assert_eq!(s.counts().await.unwrap().records, 3);
    assert_eq!(s.find_import("same").await.unwrap().unwrap().records, 3);
    assert!(s.find_import("other").await.unwrap().is_none());
    // A different file of the same source adds.
    s.write_batch(&three("other"), &change(2)).await.unwrap();
    let c = s.counts().await.unwrap();
    assert_eq!((c.records, c.sources, c.imports), (6, 1, 2));
}

async fn failed_batch_writes_nothing(s: &AnyStore) {
    // The last placement names a person that does not exist: the foreign key fails late in
    // the transaction, after records were inserted.
    let mut b = three("bad");
    b.placements[2].person = PersonRef::Existing(987_654);
    assert!(s.write_batch(&b, &change(0)).await.is_err());
    let c = s.counts().await.unwrap();
    assert_eq!(
        (
            c.records,
            c.persons,
            c.imports,
            c.sources,
            c.events,
            c.open_reviews
        ),
        (0, 0, 0, 0, 0, 0)
    );
    assert!(s.find_import("bad").await.unwrap().is_none());
    assert!(s.audit_page(0, 10).await.unwrap().is_empty());
    // And an invalid batch is refused before any write.
    let mut b = three("bad2");
    b.placements.pop();
    assert!(matches!(
        s.write_batch(&b, &change(0)).await,
        Err(StoreError::Invalid(_))
    ));
    // The same file then imports cleanly.
    s.write_batch(&three("bad"), &change(1)).await.unwrap();
    assert_sound(&**s).await;
}

/// A batch's references to stored rows are checked (SQLite writes batches of records and
/// reviews with per-row foreign-key checks off and checks them once), and every later write
/// still has its foreign keys enforced.
async fn unknown_references_are_refused(s: &AnyStore) {
    let out = s.write_batch(&three("ok"), &change(0)).await.unwrap();
    let before = s.counts().await.unwrap();
    // A review against a record that is not stored.
    let mut b = three("bad-review");
    b.reviews[0].left = RecordRef::Existing(987_654);
    assert!(s.write_batch(&b, &change(1)).await.is_err());
    // A record placed into a person that is not stored, beside a stored one.
    let mut b = three("bad-person");
    b.placements[0].person = PersonRef::Existing(out.person_ids[0]);
    b.placements[1].person = PersonRef::Existing(987_654);
    assert!(s.write_batch(&b, &change(2)).await.is_err());
    let after = s.counts().await.unwrap();
    assert_eq!(
        (
            after.records,
            after.persons,
            after.imports,
            after.events,
            after.open_reviews
        ),
        (
            before.records,
            before.persons,
            before.imports,
            before.events,
            before.open_reviews
        )
    );
    assert!(s.find_import("bad-review").await.unwrap().is_none());
    assert!(s.find_import("bad-person").await.unwrap().is_none());
    // After those writes, a note on an unknown record is still refused by the foreign key.
    let note = |record| NewNote {
        record,
        note_record_id: None,
        author: "caseworker".into(),
        text: "seen".into(),
        status: None,
        author_made_contact: None,
        last_known_location: None,
        linked_record: None,
        source_date: None,
    };
    assert!(
        s.add_note(&note(RecordRef::Existing(987_654)), &change(3))
            .await
            .is_err()
    );
    s.add_note(&note(RecordRef::Existing(out.record_ids[0])), &change(4))
        .await
        .unwrap();
    assert_sound(&**s).await;
}

async fn records_cannot_be_updated(s: &AnyStore) {
    let out = s.write_batch(&three("imm"), &change(0)).await.unwrap();
    let id = out.record_ids[0];
    let err = match s {
        AnyStore::Sqlite(x) => sqlx::query("UPDATE records SET display_name = 'x' WHERE id = ?1")
            .bind(id)
            .execute(x.pool())
            .await
            .err(),
        AnyStore::Postgres(x) => sqlx::query("UPDATE records SET display_name = 'x' WHERE id = $1")
            .bind(id)
            .execute(x.pool())
            .await
            .err(),
    };
    let err = err.expect("an UPDATE of a record must fail");
    assert!(err.to_string().contains("immutable"), "{err}");
    assert_eq!(
        s.record(id).await.unwrap().unwrap().display_name,
        "عمر خالد"
    );
}

async fn merge_split_reverse(s: &AnyStore) {
    let out = s.write_batch(&three("m"), &change(0)).await.unwrap();
    let (p0, p1) = (out.person_ids[0], out.person_ids[1]);
    let merge = s
        .merge_persons(p1, p0, &change(1).because("same mother and birth date"))
        .await
        .unwrap();
    assert_eq!(s.person(p0).await.unwrap().unwrap().records.len(), 3);
    assert!(s.person(p1).await.unwrap().unwrap().records.is_empty());
    assert_sound(&**s).await;
    let undo = s.reverse_event(merge, &change(2)).await.unwrap();
    assert_eq!(s.person(p0).await.unwrap().unwrap().records.len(), 2);
    assert_eq!(s.person(p1).await.unwrap().unwrap().records.len(), 1);
    assert!(matches!(
        s.reverse_event(merge, &change(3)).await,
        Err(StoreError::Conflict(_))
    ));
    // Reversing the reversal redoes the merge.
    s.reverse_event(undo, &change(4)).await.unwrap();
    assert_eq!(s.person(p0).await.unwrap().unwrap().records.len(), 3);
    let (split, np) = s.split_record(out.record_ids[1], &change(5)).await.unwrap();
    assert_eq!(
        s.record(out.record_ids[1])
            .await
            .unwrap()
            .unwrap()
            .person_id,
        np
    );
    assert!(matches!(
        s.split_record(out.record_ids[1], &change(6)).await,
        Err(StoreError::Invalid(_))
    ));
    s.reverse_event(split, &change(7)).await.unwrap();
    assert_eq!(
        s.record(out.record_ids[1])
            .await
            .unwrap()
            .unwrap()
            .person_id,
        p0
    );
    let mv = s.move_records(&[out.record_ids[2]], np, &change(8)).await;
    assert!(mv.is_err(), "moving into an empty person is refused");
    // The full history is there, in order, nothing destroyed.
    let events = s.events(0, 100).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Place,
            EventKind::Merge,
            EventKind::Reverse,
            EventKind::Reverse,
            EventKind::Split,
            EventKind::Reverse
        ]
    );
    assert_eq!(events[2].reverses, Some(merge));
    assert_eq!(
        events[1].reason.as_deref(),
        Some("same mother and birth date")
    );
    assert_sound(&**s).await;
    // Moves and merges are audited in the same transaction.
    let actions: Vec<String> = s
        .audit_page(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        ["merge", "reverse", "split"]
            .iter()
            .all(|a| actions.iter().any(|x| x == a)),
        "{actions:?}"
    );
}

async fn reverse_conflicts(s: &AnyStore) {
    let out = s.write_batch(&three("rc"), &change(0)).await.unwrap();
    let (p0, p1) = (out.person_ids[0], out.person_ids[1]);
    let merge = s.merge_persons(p1, p0, &change(1)).await.unwrap();
    let (_, _) = s.split_record(out.record_ids[2], &change(2)).await.unwrap();
    assert!(matches!(
        s.reverse_event(merge, &change(3)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        matches!(
            s.reverse_event(1, &change(3)).await,
            Err(StoreError::Invalid(_))
        ),
        "a placement is not reversed"
    );
    assert!(matches!(
        s.merge_persons(p0, p0, &change(4)).await,
        Err(StoreError::Invalid(_))
    ));
    assert_sound(&**s).await;
}

async fn facts_follow_records(s: &AnyStore) {
    let out = s.write_batch(&three("f"), &change(0)).await.unwrap();
    let (p0, p1) = (out.person_ids[0], out.person_ids[1]);
    s.add_claim(
        &NewClaim {
            person: PersonRef::Existing(p1),
            record: None,
            status: Status::Alive,
            claimant: Some("a neighbour".into()),
            statement: "saw him in 2025".into(),
        },
        &change(1),
    )
    .await
    .unwrap();
    let no_evidence = NewDetermination {
        person: PersonRef::Existing(p1),
        record: None,
        status: Status::Released,
        evidence: " ".into(),
    };
    assert!(matches!(
        s.add_determination(&no_evidence, &change(2)).await,
        Err(StoreError::Invalid(_))
    ));
    s.add_determination(
        &NewDetermination {
            person: PersonRef::Existing(p1),
            record: None,
            status: Status::Released,
            evidence: "release list of 2024-12-08".into(),
        },
        &change(3),
    )
    .await
    .unwrap();
    s.add_detention(
        &NewDetention {
            person: PersonRef::Existing(p1),
            record: Some(RecordRef::Existing(out.record_ids[2])),
            facility: Some("سجن صيدنايا".into()),
            prison_number: Some("4521".into()),
            started: Some("2014-03".into()),
            ended: Some("2024-12-08".into()),
            outcome: DetentionOutcome::Released,
            transferred_from: None,
        },
        &change(4),
    )
    .await
    .unwrap();
    s.add_note(
        &NewNote {
            record: RecordRef::Existing(out.record_ids[2]),
            note_record_id: None,
            author: "caseworker".into(),
            text: "family contacted".into(),
            status: Some("believed_alive".into()),
            author_made_contact: Some(true),
            last_known_location: None,
            linked_record: None,
            source_date: Some(t(5)),
        },
        &change(5),
    )
    .await
    .unwrap();
    let p = s.person(p1).await.unwrap().unwrap();
    assert_eq!(
        (
            p.claims.len(),
            p.determinations.len(),
            p.detentions.len(),
            p.notes.len()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(p.determinations[0].status, Status::Released);
    assert_eq!(p.detentions[0].outcome, DetentionOutcome::Released);
    assert_eq!(p.notes[0].author_made_contact, Some(true));
    // A merge carries them to the surviving person; claims stay apart from determinations.
    s.merge_persons(p1, p0, &change(6)).await.unwrap();
    let p = s.person(p0).await.unwrap().unwrap();
    assert_eq!(
        (
            p.claims.len(),
            p.determinations.len(),
            p.detentions.len(),
            p.notes.len()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(p.claims[0].status, Status::Alive);
    let facts = s.person_facts(&[p0]).await.unwrap();
    assert_eq!(facts.determinations[0].record_id, out.record_ids[2]);
    assert_eq!(s.notes_page(0, 10).await.unwrap().len(), 1);
    assert_sound(&**s).await;
}

async fn review_decisions_label_and_merge(s: &AnyStore) {
    let out = s.write_batch(&three("r"), &change(0)).await.unwrap();
    let item = s.open_reviews(10).await.unwrap()[0].id;
    assert!(s.decide_review(item, "maybe", &change(1)).await.is_err());
    let ev = s
        .decide_review(item, "confirmed", &change(1).because("same prison number"))
        .await
        .unwrap();
    assert!(ev.is_some());
    assert_eq!(
        s.record(out.record_ids[2])
            .await
            .unwrap()
            .unwrap()
            .person_id,
        out.person_ids[0]
    );
    assert!(s.open_reviews(10).await.unwrap().is_empty());
    assert!(matches!(
        s.decide_review(item, "rejected", &change(2)).await,
        Err(StoreError::Conflict(_))
    ));
    s.add_label(out.record_ids[0], out.record_ids[1], false, &change(3))
        .await
        .unwrap();
    let labels = s.labels().await.unwrap();
    assert_eq!(labels.len(), 2);
    assert!(labels[0].is_match && !labels[1].is_match);
    assert_sound(&**s).await;
}

async fn models_users_audit(s: &AnyStore) {
    assert!(s.active_model().await.unwrap().is_none());
    s.save_model("v1", "{\"a\":1}", &change(0)).await.unwrap();
    s.save_model("v2", "{\"a\":2}", &change(1)).await.unwrap();
    let m = s.active_model().await.unwrap().unwrap();
    assert_eq!((m.version.as_str(), m.json.as_str()), ("v2", "{\"a\":2}"));
    let id = s
        .add_user(
            "rana",
            Role::Caseworker,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            &change(2),
        )
        .await
        .unwrap();
    assert!(id > 0);
    assert!(matches!(
        s.add_user("rana", Role::Admin, "x", &change(3)).await,
        Err(StoreError::Conflict(_))
    ));
    let u = s.user("rana").await.unwrap().unwrap();
    assert_eq!((u.role, u.disabled), (Role::Caseworker, false));
    assert!(s.user("nobody").await.unwrap().is_none());
    s.audit(
        "read_person",
        "person",
        Some("7"),
        &json!({"why": "family asked"}),
        &change(4),
    )
    .await
    .unwrap();
    let a = s.audit_page(0, 100).await.unwrap();
    assert!(a.iter().any(|e| e.action == "read_person"
        && e.target_id.as_deref() == Some("7")
        && e.detail["why"] == "family asked"));
    assert!(a.iter().any(|e| e.action == "add_user"));
}

/// `replace_keys` swaps the whole key table in one transaction; keys of a record that is not
/// stored are refused and leave the old keys in place.
async fn keys_are_replaced_whole(s: &AnyStore) {
    let out = s.write_batch(&three("rk"), &change(0)).await.unwrap();
    let [a, b, c] = [out.record_ids[0], out.record_ids[1], out.record_ids[2]];
    let bad = [(5, a), (6, 987_654)];
    let err = s.replace_keys(&bad, &change(1)).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(s.candidate_ids(&[2], 10).await.unwrap(), vec![a, b]);
    assert!(s.candidate_ids(&[5], 10).await.unwrap().is_empty());
    s.replace_keys(&[(5, a), (5, c), (6, b)], &change(2))
        .await
        .unwrap();
    assert!(s.candidate_ids(&[1, 2, 3, 9], 10).await.unwrap().is_empty());
    assert_eq!(s.candidate_ids(&[5], 10).await.unwrap(), vec![a, c]);
    assert_eq!(s.candidate_ids(&[6], 10).await.unwrap(), vec![b]);
    // no cap at all
    assert_eq!(s.candidate_ids(&[5], usize::MAX).await.unwrap(), vec![a, c]);
    assert_sound(&**s).await;
}

async fn candidates_by_key(s: &AnyStore) {
    let out = s.write_batch(&three("k"), &change(0)).await.unwrap();
    let c = s.candidates(&[2], 10).await.unwrap();
    assert_eq!(
        c.iter().map(|r| r.id).collect::<Vec<_>>(),
        out.record_ids[..2]
    );
    assert!(c.iter().all(|r| r.person_id == out.person_ids[0]));
    let c = s.candidates(&[3, 9, 77], 10).await.unwrap();
    assert_eq!(c.len(), 2);
    // Key 2 has two records: over a cap of 1 it is skipped as too common.
    assert!(s.candidates(&[2], 1).await.unwrap().is_empty());
    assert!(s.candidates(&[], 10).await.unwrap().is_empty());
    assert_eq!(
        s.candidate_ids(&[3, 9, 77], 10).await.unwrap(),
        vec![out.record_ids[1], out.record_ids[2]]
    );
    assert!(s.candidate_ids(&[2], 1).await.unwrap().is_empty());
    let by_id = s
        .records_by_ids(&[out.record_ids[2], 999_999, out.record_ids[0]])
        .await
        .unwrap();
    assert_eq!(
        by_id.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![out.record_ids[0], out.record_ids[2]]
    );
    // Link forms: the same records, their persons and sources, and the normalized form as
    // stored (it parses back to the same JSON).
    let forms = s
        .link_forms(&[out.record_ids[2], 999_999, out.record_ids[0]])
        .await
        .unwrap();
    assert_eq!(forms.len(), by_id.len());
    for (f, r) in forms.iter().zip(&by_id) {
        assert_eq!(
            (f.id, f.person_id, &f.source, f.created_at),
            (r.id, r.person_id, &r.source, r.created_at)
        );
        let parsed: serde_json::Value = serde_json::from_str(&f.normalized).unwrap();
        assert_eq!(parsed, r.normalized);
    }
    assert!(s.link_forms(&[]).await.unwrap().is_empty());
    // Candidate forms: the link forms of the candidate ids, under the same cap, in id order.
    for (keys, cap) in [
        (&[3, 9, 77][..], 10),
        (&[2, 3], 10),
        (&[2, 3], 1),
        (&[2], 1),
        (&[], 10),
    ] {
        let ids = s.candidate_ids(keys, cap).await.unwrap();
        assert_eq!(
            s.candidate_forms(keys, cap).await.unwrap(),
            s.link_forms(&ids).await.unwrap(),
            "keys {keys:?}, cap {cap}"
        );
    }
    assert_eq!(s.candidate_forms(&[2, 3], 1).await.unwrap().len(), 1);
}

/// A batch larger than the backends' bulk statements (several chunks of records, persons and
/// keys), whose review items point at records of the first and the last chunk: every row lands,
/// with the right ids, persons and keys.
async fn large_batch_spans_chunks(s: &AnyStore) {
    const N: usize = 12_345;
    let mut b = WriteBatch::new(source("big"), Some(file("big")));
    for i in 0..N {
        let i64i = i64::try_from(i).unwrap();
        // five keys a record (more key rows than records): one shared by pairs, four unique
        let keys = [
            1_000_000 + i64i / 2,
            2_000_000 + i64i,
            3_000_000 + i64i,
            4_000_000 + i64i,
            5_000_000 + i64i,
        ];
        b.records
            .push(record(&format!("r{i}"), &format!("name {i}"), &keys));
        // pairs share a person; the persons are numbered from the last record backwards
        let person = u32::try_from(N.div_ceil(2) - 1 - i / 2).unwrap();
        b.placements.push(placement(PersonRef::New(person)));
    }
    b.new_persons = u32::try_from(N.div_ceil(2)).unwrap();
    b.reviews = vec![
        NewReview {
            left: RecordRef::New(0),
            right: RecordRef::New(u32::try_from(N - 1).unwrap()),
            probability: 0.4,
            explanation: json!({"fields": []}),
            model_version: None,
        },
        NewReview {
            left: RecordRef::New(7_777),
            right: RecordRef::New(3),
            probability: 0.5,
            explanation: json!({"fields": []}),
            model_version: Some("m1".into()),
        },
    ];
    let out = s.write_batch(&b, &change(0)).await.unwrap();
    assert_eq!(out.record_ids.len(), N);
    assert_eq!(out.person_ids.len(), N.div_ceil(2));
    let c = s.counts().await.unwrap();
    assert_eq!(
        (c.records, c.persons, c.open_reviews, c.events),
        (N as u64, N.div_ceil(2) as u64, 2, 1)
    );
    assert_sound(&**s).await;
    // the last record's keys, and the pair sharing the first key of record 9_000
    let last = i64::try_from(N - 1).unwrap();
    assert_eq!(
        s.candidate_ids(&[5_000_000 + last], 10).await.unwrap(),
        vec![out.record_ids[N - 1]]
    );
    let pair = s.candidates(&[1_000_000 + 4_500], 10).await.unwrap();
    assert_eq!(
        pair.iter().map(|r| r.id).collect::<Vec<_>>(),
        out.record_ids[9_000..9_002]
    );
    assert_eq!(pair[0].person_id, pair[1].person_id);
    assert_eq!(pair[0].person_id, out.person_ids[N.div_ceil(2) - 1 - 4_500]);
    let reviews = s.open_reviews(10).await.unwrap();
    let mut pairs: Vec<(RecordId, RecordId)> = reviews
        .iter()
        .map(|r| (r.left_record_id, r.right_record_id))
        .collect();
    pairs.sort_unstable();
    assert_eq!(
        pairs,
        vec![
            (out.record_ids[0], out.record_ids[N - 1]),
            (out.record_ids[7_777], out.record_ids[3]),
        ]
    );
}

async fn check_finds_tampering(s: &AnyStore) {
    let out = s.write_batch(&three("tamper"), &change(0)).await.unwrap();
    assert_sound(&**s).await;
    let (rec, other) = (out.record_ids[0], out.person_ids[1]);
    match s {
        AnyStore::Sqlite(x) => {
            sqlx::query("UPDATE memberships SET person_id = ?1 WHERE record_id = ?2")
                .bind(other)
                .bind(rec)
                .execute(x.pool())
                .await
                .unwrap();
        }
        AnyStore::Postgres(x) => {
            sqlx::query("UPDATE memberships SET person_id = $1 WHERE record_id = $2")
                .bind(other)
                .bind(rec)
                .execute(x.pool())
                .await
                .unwrap();
        }
    }
    let faults = s.check().await.unwrap();
    assert!(
        faults
            .iter()
            .any(|f| f.code == "membership_mismatch" && f.message.contains(&rec.to_string())),
        "{faults:?}"
    );
}

async fn backup_restores(s: &AnyStore) {
    s.write_batch(&three("bk"), &change(0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    match s {
        AnyStore::Sqlite(_) => {
            s.backup(&path).await.unwrap();
            assert!(s.backup(&path).await.is_err(), "a backup never overwrites");
            let restored = SqliteStore::open(&path.display().to_string(), false)
                .await
                .unwrap();
            assert_eq!(restored.counts().await.unwrap(), s.counts().await.unwrap());
            assert!(restored.check().await.unwrap().is_empty());
            assert_eq!(
                restored.records_page(0, 10).await.unwrap(),
                s.records_page(0, 10).await.unwrap()
            );
        }
        AnyStore::Postgres(_) => {
            let err = s.backup(&path).await.unwrap_err();
            assert!(
                matches!(err, StoreError::Unsupported(ref m) if m.contains("pg_dump")),
                "{err}"
            );
        }
    }
}

/// Generated lists through the real reader and engine.
fn generated(persons: usize) -> (tempfile::TempDir, Vec<Incoming>, Vec<Incoming>) {
    let dir = tempfile::tempdir().unwrap();
    let reg = athar_gen::generate(persons, 7, &athar_gen::GenConfig::default()).unwrap();
    athar_gen::write_dir(dir.path(), &reg).unwrap();
    let read = |name: &str| -> Vec<Incoming> {
        let list = athar_reader::open(dir.path().join(name), &athar_reader::ReadOptions::default())
            .unwrap();
        list.map(|row| {
            let row = row.unwrap();
            Incoming {
                raw: row
                    .raw()
                    .map(|(k, v)| (k.into_owned(), v.to_owned()))
                    .collect(),
                line: Some(row.line),
                record: row.record,
            }
        })
        .collect()
    };
    let (prison, family) = (read("prison.csv"), read("family.csv"));
    (dir, prison, family)
}

async fn ingest_matches_incrementally(s: &AnyStore) {
    let (_dir, prison, family) = generated(400);
    let opts = MatchOptions::default();
    let np = athar_linkage::NoProgress;
    let file = |sha: &str| {
        Some(FileInfo {
            file_name: "prison.csv".into(),
            sha256: sha.into(),
            format: "csv".into(),
            received_at: None,
        })
    };
    let r1 = ingest::import(
        &**s,
        source("prison"),
        file("p"),
        &prison,
        &opts,
        &change(0),
        &np,
    )
    .await
    .unwrap();
    assert_eq!(r1.outcome.records, prison.len() as u64);
    let (version, model) = ingest::load_model(&**s)
        .await
        .unwrap()
        .expect("the first import saves a model");
    assert!(version.starts_with("fit-"));
    let r2 = ingest::import(
        &**s,
        source("family"),
        file("f"),
        &family,
        &opts,
        &change(1),
        &np,
    )
    .await
    .unwrap();
    assert!(r2.joined_existing > 0, "family reports join prison records");
    assert_sound(&**s).await;
    // One more record: a copy of a stored prison record with its id changed joins its person.
    let mut copy = prison[5].clone();
    copy.record.set(athar_record::Field::Id, "NEW-1");
    let stored = s
        .record_by_local_id(
            "prison",
            prison[5].record.get(athar_record::Field::Id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let person = s.record(stored).await.unwrap().unwrap().person_id;
    let out = ingest::ingest_one(
        &**s,
        source("portal"),
        copy,
        Some(&model),
        &opts,
        &change(2),
    )
    .await
    .unwrap();
    assert_eq!(out.band, athar_linkage::Band::Link);
    assert_eq!(out.person_id, person);
    // A record like nobody starts a new person.
    let (lonely, _) =
        athar_record::Record::from_pairs([(athar_record::Field::FullName, "Zzyzx Qwertyuiop")]);
    let out = ingest::ingest_one(
        &**s,
        source("portal"),
        Incoming {
            raw: vec![],
            record: lonely,
            line: None,
        },
        Some(&model),
        &opts,
        &change(3),
    )
    .await
    .unwrap();
    assert_eq!(out.band, athar_linkage::Band::None);
    assert_eq!(
        s.person(out.person_id)
            .await
            .unwrap()
            .unwrap()
            .records
            .len(),
        1
    );
    assert_sound(&**s).await;
    // The keys computed afresh from the stored records are the keys stored at import.
    let (ids, records): (Vec<RecordId>, Vec<athar_linkage::LinkRecord>) = stored_records(s).await;
    let fresh = ingest::fresh_keys(&records, &ids);
    assert_keys_stored(s, &fresh).await;
    // Lost keys (a store written under other name rules): training rebuilds them all.
    s.replace_keys(&[], &change(4)).await.unwrap();
    assert!(
        s.candidate_ids(&[fresh[0].0], 1_000_000)
            .await
            .unwrap()
            .is_empty()
    );
    // Training re-estimates the model from the store, labels included.
    s.add_label(1, 2, false, &change(4)).await.unwrap();
    let report = ingest::train(&**s, &opts, &change(5), &np).await.unwrap();
    assert_eq!(report.labels, 1);
    assert_eq!(report.keys, fresh.len() as u64);
    assert_eq!(
        s.active_model().await.unwrap().unwrap().version,
        report.version
    );
    assert_keys_stored(s, &fresh).await;
    assert_sound(&**s).await;
}

/// Every stored record, as the engine reads it, with its id.
async fn stored_records(s: &AnyStore) -> (Vec<RecordId>, Vec<athar_linkage::LinkRecord>) {
    let mut out = (Vec::new(), Vec::new());
    let mut after = 0;
    loop {
        let page = s.records_page(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            out.0.push(r.id);
            out.1.push(ingest::stored_link_record(r).unwrap());
        }
    }
    out
}

/// Each `(key, record)` of every 7th record is stored: the key finds the record.
async fn assert_keys_stored(s: &AnyStore, keys: &[(i64, RecordId)]) {
    let mut checked = 0;
    for &(k, r) in keys.iter().filter(|(_, r)| r % 7 == 0) {
        let found = s.candidate_ids(&[k], 1_000_000).await.unwrap();
        assert!(found.contains(&r), "key {k} of record {r}");
        checked += 1;
    }
    assert!(checked > 100, "{checked}");
}

/// Every stored record's person, by record id.
async fn memberships(s: &AnyStore) -> Vec<(RecordId, PersonId)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = s.records_page(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        out.extend(page.iter().map(|r| (r.id, r.person_id)));
    }
    out
}

/// How many of `copies` (the ids of copies of `prison[0..]`, in order) share a person with
/// their original in the `prison` source, by the memberships `after`.
async fn copies_joined(
    s: &AnyStore,
    prison: &[Incoming],
    copies: &[RecordId],
    after: &[(RecordId, PersonId)],
) -> usize {
    let person_of = |id: RecordId| after.iter().find(|(r, _)| *r == id).unwrap().1;
    let mut joined = 0;
    for (i, id) in copies.iter().enumerate() {
        let original = s
            .record_by_local_id(
                "prison",
                prison[i].record.get(athar_record::Field::Id).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        if person_of(*id) == person_of(original) {
            joined += 1;
        }
    }
    joined
}

async fn batch_import_matches_with_the_saved_model(s: &AnyStore) {
    let (_dir, prison, family) = generated(300);
    let opts = MatchOptions::default();
    let np = athar_linkage::NoProgress;
    let file = |sha: &str| {
        Some(FileInfo {
            file_name: format!("{sha}.csv"),
            sha256: sha.into(),
            format: "csv".into(),
            received_at: None,
        })
    };
    ingest::import(
        &**s,
        source("prison"),
        file("p"),
        &prison,
        &opts,
        &change(0),
        &np,
    )
    .await
    .unwrap();
    let model = s.active_model().await.unwrap().unwrap().version;
    let before = memberships(s).await;
    // A second list: copies of 20 stored records (new ids), then the family list.
    let mut list: Vec<Incoming> = prison[..20]
        .iter()
        .enumerate()
        .map(|(i, inc)| {
            let mut c = inc.clone();
            c.record.set(athar_record::Field::Id, &format!("COPY-{i}"));
            c
        })
        .collect();
    list.extend(family.iter().cloned());
    let r = ingest::import(
        &**s,
        source("family"),
        file("f"),
        &list,
        &opts,
        &change(1),
        &np,
    )
    .await
    .unwrap();
    assert!(r.joined_existing >= 20, "{r:?}");
    // the saved model scored the list: nothing was re-fitted
    assert_eq!(s.active_model().await.unwrap().unwrap().version, model);
    // stored records keep their persons (stored persons are never merged by an import)
    let after = memberships(s).await;
    assert_eq!(&after[..before.len()], &before[..]);
    let joined = copies_joined(s, &prison, &r.outcome.record_ids[..20], &after).await;
    // an exact copy joins its original's person (19: a copy may tie with a stored duplicate
    // of the same person that the first import kept apart)
    assert!(
        joined >= 19,
        "{joined} of 20 copies joined their original's person"
    );
    // review items all touch a record of the new list
    let first_new = r.outcome.record_ids[0];
    let reviews = s.open_reviews(100_000).await.unwrap();
    assert!(
        reviews
            .iter()
            .all(|v| v.left_record_id >= first_new || v.right_record_id >= first_new),
        "a review item between two stored records"
    );
    assert_sound(&**s).await;
}

async fn pfif_import_matches_the_store_but_keeps_its_own_persons(s: &AnyStore) {
    let (_dir, prison, _family) = generated(300);
    let np = athar_linkage::NoProgress;
    let file = |sha: &str| FileInfo {
        file_name: format!("{sha}.xml"),
        sha256: sha.into(),
        format: "pfif-1.4".into(),
        received_at: None,
    };
    ingest::import(
        &**s,
        source("prison"),
        Some(file("p")),
        &prison,
        &MatchOptions::default(),
        &change(0),
        &np,
    )
    .await
    .unwrap();
    let before = memberships(s).await;
    // A document: copies of 10 stored records (new ids), then one new person in two records
    // that the document itself links.
    let mut doc: Vec<Incoming> = prison[..10]
        .iter()
        .enumerate()
        .map(|(i, inc)| {
            let mut c = inc.clone();
            c.record
                .set(athar_record::Field::Id, &format!("example.org/person.{i}"));
            c
        })
        .collect();
    for (k, first) in ["Quzmar", "Qozmar"].into_iter().enumerate() {
        let id = format!("example.org/new.{k}");
        let mut record = athar_record::Record::new();
        for (f, v) in [
            (athar_record::Field::Id, id.as_str()),
            (athar_record::Field::FirstName, first),
            (athar_record::Field::FatherName, "Zebulor"),
            (athar_record::Field::FamilyName, "Vorbelian"),
            (athar_record::Field::BirthYear, "1971"),
        ] {
            record.set(f, v);
        }
        doc.push(Incoming {
            raw: vec![("person_record_id".into(), id.clone())],
            line: None,
            record,
        });
    }
    let extras = athar_pfif::Extras {
        links: vec![(10, 11)],
        ..Default::default()
    };
    let r = athar_pfif::import(&**s, source("pfif"), file("x"), &doc, &extras, &change(1))
        .await
        .unwrap();
    assert!(r.joined_existing >= 9, "{r:?}");
    let after = memberships(s).await;
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "stored persons unchanged"
    );
    let person_of = |id: RecordId| after.iter().find(|(r, _)| *r == id).unwrap().1;
    let ids = &r.outcome.record_ids;
    let joined = copies_joined(s, &prison, &ids[..10], &after).await;
    assert!(
        joined >= 9,
        "{joined} of 10 copies joined their original's person"
    );
    // the document's own person: its two records together, a person of their own
    assert_eq!(person_of(ids[10]), person_of(ids[11]));
    assert!(before.iter().all(|&(_, p)| p != person_of(ids[10])));
    // review items never pair two records that now share a person
    for v in s.open_reviews(100_000).await.unwrap() {
        assert_ne!(person_of(v.left_record_id), person_of(v.right_record_id));
    }
    assert_sound(&**s).await;
}

async fn person_search_crosses_scripts(s: &AnyStore) {
    let recs: Vec<Incoming> = [
        ("1", "محمد", "الحلبي"),
        ("2", "Mohammed", "Al-Halabi"),
        ("3", "سامر", "الخطيب"),
    ]
    .iter()
    .map(|(id, first, family)| {
        let (record, _) = athar_record::Record::from_pairs([
            (athar_record::Field::Id, *id),
            (athar_record::Field::FirstName, *first),
            (athar_record::Field::FamilyName, *family),
        ]);
        Incoming {
            raw: vec![],
            record,
            line: None,
        }
    })
    .collect();
    for (i, r) in recs.into_iter().enumerate() {
        ingest::ingest_one(
            &**s,
            source("list"),
            r,
            None,
            &MatchOptions::default(),
            &change(i as i64),
        )
        .await
        .unwrap();
    }
    let q = ingest::Query {
        name: "محمد الحلبي".into(),
        ..Default::default()
    };
    let hits = ingest::search(&**s, &q, None, 10).await.unwrap();
    let names: Vec<&str> = hits.iter().map(|h| h.display_name.as_str()).collect();
    assert!(
        names.contains(&"محمد الحلبي") && names.contains(&"Mohammed Al-Halabi"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("سامر")), "{names:?}");
}
