//! The console's storage ([`athar_store::console::ConsoleStore`]) on both backends: the review
//! queue read in SQL in the order [`review_value`] specifies (migration 0201 keeps the values
//! by triggers), filtered and paginated; and the reads of personal data that write their audit
//! event in the same transaction (`records_audited`, `export_audited`).

use std::collections::HashMap;

use athar_store::console::{AuditQuery, ConsoleStore, QueueEntry, QueueFilter, review_value};
use athar_store::*;
use athar_store_any::AnyStore;
use serde_json::json;

use crate::conformance::{change, cleanup, postgres, sqlite, t};

crate::conformance::conformance!(
    review_queue_follows_review_value,
    review_queue_values_follow_decisions_and_rescoring,
    records_audited_reads_and_audits_together,
    review_queue_audited_reads_the_same_page_and_audits_it,
    export_audited_is_one_audited_snapshot,
);

/// The console side of either backend.
fn console(s: &AnyStore) -> &dyn ConsoleStore {
    match s {
        AnyStore::Sqlite(x) => x,
        AnyStore::Postgres(p) => p,
    }
}

fn rec(local: &str, name: &str, governorate: Option<&str>) -> NewRecord {
    let mut fields = vec![
        ("id".to_string(), local.to_string()),
        ("full_name".to_string(), name.to_string()),
    ];
    if let Some(g) = governorate {
        fields.push(("governorate".into(), g.into()));
    }
    NewRecord {
        local_id: Some(local.into()),
        line: Some(2),
        raw: fields.clone(),
        fields,
        normalized: json!({"id": local, "full_name": name}),
        display_name: name.into(),
        keys: vec![],
    }
}

/// Writes one list of `records` into `source`, each a new person, with `reviews` between
/// stored records (by id); returns the new records' ids.
async fn list(
    s: &AnyStore,
    source: &str,
    records: Vec<NewRecord>,
    reviews: &[(RecordId, RecordId, f64)],
    at: i64,
) -> Vec<RecordId> {
    let mut b = WriteBatch::new(
        SourceInfo {
            name: source.into(),
            supplier: None,
            notes: None,
        },
        None,
    );
    b.placements = (0..records.len())
        .map(|i| Placement {
            person: PersonRef::New(u32::try_from(i).unwrap()),
            model_version: None,
            score: None,
            reason: "test".into(),
        })
        .collect();
    b.new_persons = u32::try_from(records.len()).unwrap();
    b.records = records;
    b.reviews = reviews
        .iter()
        .map(|&(l, r, p)| NewReview {
            left: RecordRef::Existing(l),
            right: RecordRef::Existing(r),
            probability: p,
            explanation: json!({"fields": []}),
            model_version: Some("m1".into()),
        })
        .collect();
    s.write_batch(&b, &change(at)).await.unwrap().record_ids
}

/// Sources of every kind (case and script varied), records with governorates, and review
/// pairs across and within them with probabilities inside, at the edges of and outside
/// [0, 1], including pairs whose values tie. Returns the pairs (left, right, probability) and
/// each record's source name.
async fn queue_fixture(
    s: &AnyStore,
) -> (Vec<(RecordId, RecordId, f64)>, HashMap<RecordId, String>) {
    let mut source_of = HashMap::new();
    let mut add = |ids: &[RecordId], name: &str| {
        for id in ids {
            source_of.insert(*id, name.to_string());
        }
    };
    let fam = "family-reports";
    let f = list(
        s,
        fam,
        vec![
            rec("f0", "عمر خالد", Some("Homs")),
            rec("f1", "سامي حداد", Some("Homs")),
            rec("f2", "رامي", Some("Aleppo")),
            rec("f3", "ماهر", None),
        ],
        &[],
        0,
    )
    .await;
    add(&f, fam);
    let pri = "Sednaya PRISON register";
    let d = list(
        s,
        pri,
        vec![
            rec("d0", "Omar Khaled", Some("Homs")),
            rec("d1", "Sami Haddad", Some("ريف دمشق")),
            rec("d2", "Rami", Some("Aleppo")),
            rec("d3", "Maher", None),
        ],
        &[],
        1,
    )
    .await;
    add(&d, pri);
    let sur = "SURVIVOR-registrations";
    let sv = list(
        s,
        sur,
        vec![
            rec("s0", "Rami H", Some("Idlib")),
            rec("s1", "Maher K", None),
            rec("s2", "Maher Q", None),
        ],
        &[],
        2,
    )
    .await;
    add(&sv, sur);
    let hos = "hospital";
    let h = list(
        s,
        hos,
        vec![rec("h0", "Omar", Some("Homs")), rec("h1", "Omar K", None)],
        &[],
        3,
    )
    .await;
    add(&h, hos);
    // "İ" is not an ASCII letter: folded ASCII-only this is not a family source.
    let odd = "FAMİLY lists";
    let e = list(s, odd, vec![rec("e0", "Sami", None)], &[], 4).await;
    add(&e, odd);
    let pairs = vec![
        (f[0], f[1], 0.5),   // one source: 0 + 1
        (f[0], d[0], 0.9),   // family × detention: 2 + 0.2
        (f[1], d[1], 0.5),   // 2 + 1
        (f[2], d[2], 0.75),  // 2 + 0.5 = 2.5
        (sv[0], d[2], 0.5),  // survivor × detention: 1.5 + 1 = 2.5 (ties the one above)
        (d[0], d[1], 0.3),   // one source
        (d[2], d[3], 1.0),   // one source, certain: nothing to learn or change
        (f[3], d[3], 1.3),   // clamped to 1: 2 + 0
        (f[3], sv[1], 0.1),  // family × survivor
        (sv[2], d[3], -0.2), // clamped to 0: 1.5 + 0
        (h[0], d[0], 0.6),   // other × detention: 1 + 0.8
        (h[1], f[0], 0.5),   // other × family: 1 + 1
        (h[0], h[1], 0.45),  // one source
        (e[0], d[1], 0.5),   // "FAMİLY" is other: 1 + 1
        (d[1], f[1], 0.5),   // detention × family, sides swapped: 2 + 1 (ties f1 × d1)
    ];
    // The reviews arrive with a later list, as an import adds them.
    list(s, "later", vec![rec("x0", "X", None)], &pairs, 5).await;
    (pairs, source_of)
}

/// The queue as the specification orders it: `review_value` highest first, then older item.
fn expected_order(
    entries: &[QueueEntry],
    spec: &HashMap<(RecordId, RecordId), f64>,
    source_of: &HashMap<RecordId, String>,
) -> Vec<(i64, f64)> {
    let mut v: Vec<(i64, f64)> = entries
        .iter()
        .map(|e| {
            let (l, r) = (e.item.left_record_id, e.item.right_record_id);
            let p = spec[&(l, r)];
            (e.item.id, review_value(p, &source_of[&l], &source_of[&r]))
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn filter(
    source: Option<&str>,
    governorate: Option<&str>,
    limit: usize,
    offset: usize,
) -> QueueFilter {
    QueueFilter {
        source: source.map(str::to_string),
        governorate: governorate.map(str::to_string),
        limit,
        offset,
    }
}

async fn review_queue_follows_review_value(s: &AnyStore) {
    let (pairs, source_of) = queue_fixture(s).await;
    let spec: HashMap<(RecordId, RecordId), f64> =
        pairs.iter().map(|&(l, r, p)| ((l, r), p)).collect();
    let c = console(s);
    let now = t(10);
    let all = c
        .review_queue(&filter(None, None, 100, 0), now)
        .await
        .unwrap();
    assert_eq!(all.len(), pairs.len());
    assert_eq!(
        c.review_queue_count(&filter(None, None, 0, 0))
            .await
            .unwrap(),
        pairs.len() as u64
    );
    let got: Vec<(i64, f64)> = all.iter().map(|e| (e.item.id, e.value)).collect();
    let want = expected_order(&all, &spec, &source_of);
    // The SQL computes the specification's formula in the same order of operations: the
    // values are equal, not merely close, so ties order the same way too.
    assert_eq!(got, want);
    for e in &all {
        assert_eq!(e.left.source, source_of[&e.item.left_record_id]);
        assert_eq!(e.right.source, source_of[&e.item.right_record_id]);
    }
    // The fixture's ties and clamps are where a formula slip would show.
    assert_eq!(want[0].1, 3.0);
    assert!(want.iter().filter(|w| w.1 == 2.5).count() == 2);
    assert_eq!(want.last().unwrap().1, 0.0);

    // Pages of three, walked with offsets, are the whole queue in order.
    let mut paged = Vec::new();
    for page in 0.. {
        let p = c
            .review_queue(&filter(None, None, 3, page * 3), now)
            .await
            .unwrap();
        if p.is_empty() {
            break;
        }
        assert!(p.len() <= 3);
        paged.extend(p.into_iter().map(|e| (e.item.id, e.value)));
    }
    assert_eq!(paged, got);

    // Filters: the ordered queue restricted to the matching pairs, and counted alike.
    let by_source = |name: &str| -> Vec<(i64, f64)> {
        all.iter()
            .filter(|e| e.left.source == name || e.right.source == name)
            .map(|e| (e.item.id, e.value))
            .collect()
    };
    for name in [
        "family-reports",
        "SURVIVOR-registrations",
        "hospital",
        "nowhere",
    ] {
        let q = c
            .review_queue(&filter(Some(name), None, 100, 0), now)
            .await
            .unwrap();
        let ids: Vec<(i64, f64)> = q.iter().map(|e| (e.item.id, e.value)).collect();
        assert_eq!(ids, by_source(name), "source {name}");
        assert_eq!(
            c.review_queue_count(&filter(Some(name), None, 1, 5))
                .await
                .unwrap(),
            ids.len() as u64,
            "count of source {name}"
        );
    }
    assert!(!by_source("hospital").is_empty());
    let govs: HashMap<RecordId, Option<&str>> = all
        .iter()
        .flat_map(|e| {
            [
                (e.left.record_id, e.left.governorate.as_deref()),
                (e.right.record_id, e.right.governorate.as_deref()),
            ]
        })
        .collect();
    for gov in ["Homs", "ريف دمشق", "Idlib", "Latakia"] {
        let want: Vec<i64> = all
            .iter()
            .filter(|e| {
                govs[&e.item.left_record_id] == Some(gov)
                    || govs[&e.item.right_record_id] == Some(gov)
            })
            .map(|e| e.item.id)
            .collect();
        let q = c
            .review_queue(&filter(None, Some(gov), 100, 0), now)
            .await
            .unwrap();
        assert_eq!(
            q.iter().map(|e| e.item.id).collect::<Vec<_>>(),
            want,
            "governorate {gov}"
        );
        assert_eq!(
            c.review_queue_count(&filter(None, Some(gov), 100, 0))
                .await
                .unwrap(),
            want.len() as u64
        );
    }
    // Both filters at once, second page.
    let both: Vec<i64> = all
        .iter()
        .filter(|e| {
            (e.left.source == "family-reports" || e.right.source == "family-reports")
                && (govs[&e.item.left_record_id] == Some("Homs")
                    || govs[&e.item.right_record_id] == Some("Homs"))
        })
        .map(|e| e.item.id)
        .collect();
    assert!(both.len() >= 3, "{both:?}");
    let q = c
        .review_queue(&filter(Some("family-reports"), Some("Homs"), 2, 1), now)
        .await
        .unwrap();
    assert_eq!(
        q.iter().map(|e| e.item.id).collect::<Vec<_>>(),
        both[1..3].to_vec()
    );
    assert_eq!(
        c.review_queue_count(&filter(Some("family-reports"), Some("Homs"), 2, 1))
            .await
            .unwrap(),
        both.len() as u64
    );
}

async fn review_queue_values_follow_decisions_and_rescoring(s: &AnyStore) {
    let (pairs, source_of) = queue_fixture(s).await;
    let c = console(s);
    let now = t(10);
    let all = c
        .review_queue(&filter(None, None, 100, 0), now)
        .await
        .unwrap();
    let (first, second, third) = (all[0].item.id, all[1].item.id, all[2].item.id);
    // A decision takes the item out; deferring keeps it, at its value.
    s.decide_review(first, "rejected", &change(11))
        .await
        .unwrap();
    s.decide_review(second, "deferred", &change(12))
        .await
        .unwrap();
    let after = c
        .review_queue(&filter(None, None, 100, 0), now)
        .await
        .unwrap();
    assert_eq!(after.len(), pairs.len() - 1);
    assert!(after.iter().all(|e| e.item.id != first));
    let deferred = after.iter().find(|e| e.item.id == second).unwrap();
    assert_eq!(deferred.item.state, "deferred");
    assert_eq!(deferred.value, all[1].value);
    assert_eq!(
        c.review_queue_count(&filter(None, None, 0, 0))
            .await
            .unwrap(),
        (pairs.len() - 1) as u64
    );
    // Rescoring (after retraining) moves an item: to probability 1 its teaching value is gone.
    let e = &all[2];
    c.rescore_review(third, 1.0, &json!({"fields": []}), "m2", &change(13))
        .await
        .unwrap();
    let rescored = c
        .review_queue(&filter(None, None, 100, 0), now)
        .await
        .unwrap();
    let moved = rescored.iter().find(|x| x.item.id == third).unwrap();
    let want = review_value(
        1.0,
        &source_of[&e.item.left_record_id],
        &source_of[&e.item.right_record_id],
    );
    assert_eq!(moved.value, want);
    assert!(moved.value < e.value);
    let mut order: Vec<(i64, f64)> = rescored.iter().map(|x| (x.item.id, x.value)).collect();
    let got = order.clone();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(got, order, "the queue is re-ordered by the new value");
    // Confirming merges persons: the queue still reads the item's sides through memberships.
    let next = rescored[0].item.id;
    s.decide_review(next, "confirmed", &change(14))
        .await
        .unwrap();
    let left = c
        .review_queue(&filter(None, None, 100, 0), now)
        .await
        .unwrap();
    assert_eq!(left.len(), pairs.len() - 2);
    assert_eq!(
        c.review_queue_count(&filter(None, None, 0, 0))
            .await
            .unwrap(),
        left.len() as u64
    );
}

async fn records_audited_reads_and_audits_together(s: &AnyStore) {
    let ids = list(
        s,
        "prison",
        vec![
            rec("a", "عمر خالد", Some("Homs")),
            rec("b", "Omar Khaled", None),
            rec("c", "سامي", None),
        ],
        &[],
        0,
    )
    .await;
    let c = console(s);
    let unknown = ids[2] + 1000;
    let read = c
        .records_audited(
            &[ids[2], unknown, ids[0]],
            "search",
            &json!({"query": {"name": "omar"}}),
            &change(5).because("family asked"),
        )
        .await
        .unwrap();
    assert_eq!(
        read.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
    assert_eq!(read[0], s.record(ids[0]).await.unwrap().unwrap());
    let one = c
        .records_audited(&[ids[1]], "read_record", &json!({}), &change(6))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].display_name, "Omar Khaled");
    let events = c
        .search_audit(&AuditQuery {
            target_kind: Some("record".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    // Newest first: the single read names its record as the target.
    assert_eq!(events[0].action, "read_record");
    assert_eq!(events[0].target_id, Some(ids[1].to_string()));
    assert_eq!(events[0].detail["records"], json!([ids[1]]));
    assert_eq!(events[0].detail["persons"], json!([one[0].person_id]));
    assert_eq!(events[1].action, "search");
    assert_eq!(events[1].actor, "tester");
    assert_eq!(events[1].at, t(5));
    assert_eq!(events[1].reason.as_deref(), Some("family asked"));
    assert_eq!(events[1].target_id, None);
    assert_eq!(events[1].detail["query"], json!({"name": "omar"}));
    assert_eq!(events[1].detail["records"], json!([ids[0], ids[2]]));
    let mut persons = vec![read[0].person_id, read[1].person_id];
    persons.sort_unstable();
    assert_eq!(events[1].detail["persons"], json!(persons));
    // A read that finds nothing is still recorded.
    assert!(
        c.records_audited(&[unknown], "read_record", &json!({}), &change(7))
            .await
            .unwrap()
            .is_empty()
    );
    let events = c
        .search_audit(&AuditQuery {
            target_id: Some(unknown.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["records"], json!([]));
}

async fn review_queue_audited_reads_the_same_page_and_audits_it(s: &AnyStore) {
    queue_fixture(s).await;
    let c = console(s);
    let now = t(10);
    let page = filter(Some("family-reports"), None, 2, 1);
    let plain = c.review_queue(&page, now).await.unwrap();
    let audited = c
        .review_queue_audited(&page, now, &change(11))
        .await
        .unwrap();
    let ids = |v: &[QueueEntry]| v.iter().map(|e| e.item.id).collect::<Vec<_>>();
    assert_eq!(ids(&audited), ids(&plain));
    assert_eq!(audited.len(), 2);
    let events = c
        .search_audit(&AuditQuery {
            action: Some("review.queue".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].actor, "tester");
    assert_eq!(events[0].at, t(11));
    assert_eq!(events[0].detail["items"], json!(ids(&audited)));
    assert_eq!(events[0].detail["source"], json!("family-reports"));
    assert_eq!(events[0].detail["offset"], json!(1));
}

/// The `export` audit events, newest first.
async fn exports(c: &dyn ConsoleStore) -> Vec<AuditEvent> {
    c.search_audit(&AuditQuery {
        action: Some("export".into()),
        limit: 10,
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn export_audited_is_one_audited_snapshot(s: &AnyStore) {
    let mut ids = Vec::new();
    for (i, src) in ["prison", "family-reports"].into_iter().enumerate() {
        let recs = (0..4)
            .map(|j| rec(&format!("{src}-{j}"), &format!("N {i}{j}"), None))
            .collect();
        ids.extend(list(s, src, recs, &[], i64::try_from(i).unwrap()).await);
    }
    let c = console(s);
    // A failing sink ends the export and writes no audit event.
    let mut seen = 0;
    let failed = c
        .export_audited(&json!({"format": "csv"}), &change(5), &mut |_| {
            seen += 1;
            if seen == 3 {
                Err(StoreError::Invalid("the client went away".into()))
            } else {
                Ok(())
            }
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(seen, 3, "nothing is handed out after the sink's error");
    assert!(exports(c).await.is_empty());
    // A whole export: every record once, in id order, and one event counting them.
    let mut got = Vec::new();
    let n = c
        .export_audited(
            &json!({"format": "pfif", "contacts": false}),
            &change(6),
            &mut |r| {
                got.push((r.id, r.source.clone()));
                Ok(())
            },
        )
        .await
        .unwrap();
    assert_eq!(n, 8);
    ids.sort_unstable();
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), ids);
    assert_eq!(got[0].1, "prison");
    assert_eq!(got[7].1, "family-reports");
    let ev = exports(c).await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].target_kind, "store");
    assert_eq!(ev[0].at, t(6));
    assert_eq!(
        ev[0].detail,
        json!({"format": "pfif", "contacts": false, "records": 8})
    );
}
