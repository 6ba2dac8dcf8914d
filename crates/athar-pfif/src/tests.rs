//! PFIF reading (versions, prefixes, errors) and the round trip through a store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use athar_store::ingest::{self, MatchOptions};
use athar_store::*;
use athar_store_sqlite::SqliteStore;
use chrono::{TimeZone, Utc};

use super::*;

const V14_PREFIXED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<p:pfif xmlns:p="http://zesty.ca/pfif/1.4">
  <p:person>
    <p:person_record_id>example.org/p1</p:person_record_id>
    <p:source_date>2024-12-09T10:00:00Z</p:source_date>
    <p:full_name>عمر خالد الحلبي</p:full_name>
    <p:given_name>عمر</p:given_name>
    <p:family_name>الحلبي</p:family_name>
    <p:sex>male</p:sex>
    <p:date_of_birth>1985-03</p:date_of_birth>
    <p:description>tall &amp; thin &#x41;</p:description>
    <p:note>
      <p:note_record_id>example.org/n1</p:note_record_id>
      <p:author_name>sister</p:author_name>
      <p:source_date>2024-12-10T08:00:00Z</p:source_date>
      <p:status>believed_alive</p:status>
      <p:author_made_contact>true</p:author_made_contact>
      <p:text>He called.</p:text>
    </p:note>
  </p:person>
  <p:person>
    <p:person_record_id>example.org/p2</p:person_record_id>
    <p:full_name>Omar Khaled Al-Halabi</p:full_name>
  </p:person>
  <p:note>
    <p:note_record_id>example.org/n2</p:note_record_id>
    <p:person_record_id>example.org/p2</p:person_record_id>
    <p:linked_person_record_id>example.org/p1</p:linked_person_record_id>
    <p:author_name>volunteer</p:author_name>
    <p:text>Same man, Latin spelling.</p:text>
  </p:note>
</p:pfif>
"#;

const V12_DEFAULT_NS: &str = r#"<pfif xmlns="http://zesty.ca/pfif/1.2">
  <person>
    <person_record_id>old.example/7</person_record_id>
    <first_name>Sami</first_name>
    <last_name>Haddad</last_name>
    <other>blue coat</other>
  </person>
</pfif>"#;

#[test]
fn r5_reads_1_4_with_any_prefix_and_entities() {
    assert!(looks_like_pfif(V14_PREFIXED.as_bytes()));
    assert!(!looks_like_pfif(b"id,name\n1,x\n"));
    let doc = parse("a.xml", V14_PREFIXED.as_bytes()).unwrap();
    assert_eq!(doc.version, "1.4");
    assert_eq!(doc.persons.len(), 2);
    assert_eq!(doc.persons[0].get("description"), Some("tall & thin A"));
    assert_eq!(doc.persons[0].line, 3);
    assert_eq!(doc.notes.len(), 2);
    assert_eq!(
        doc.notes[0].get("person_record_id"),
        Some("example.org/p1"),
        "nested note"
    );
    let (incoming, extras) = to_incoming(&doc);
    assert_eq!(incoming[0].record.get(Field::FirstName), Some("عمر"));
    assert_eq!(
        incoming[0].record.canonical(Field::BirthDate).as_deref(),
        Some("1985-03")
    );
    assert_eq!(
        incoming[0].record.canonical(Field::Sex).as_deref(),
        Some("M")
    );
    assert_eq!(
        incoming[0].raw[0],
        ("person_record_id".to_string(), "example.org/p1".to_string())
    );
    assert_eq!(extras.links, vec![(1, 0)]);
    assert_eq!(extras.notes.len(), 2);
}

#[test]
fn r5_reads_1_2_default_namespace_old_names() {
    let doc = parse("b.xml", V12_DEFAULT_NS.as_bytes()).unwrap();
    assert_eq!(doc.version, "1.2");
    let p = &doc.persons[0];
    assert_eq!(
        (
            p.get("given_name"),
            p.get("family_name"),
            p.get("description")
        ),
        (Some("Sami"), Some("Haddad"), Some("blue coat"))
    );
}

#[test]
fn r5_errors_name_file_line_field() {
    let missing_id = "<pfif xmlns=\"http://zesty.ca/pfif/1.4\">\n<person>\n<full_name>x</full_name>\n</person>\n</pfif>";
    let e = parse("c.xml", missing_id.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("c.xml") && e.contains("line 2") && e.contains("person_record_id"),
        "{e}"
    );
    let broken = "<pfif xmlns=\"http://zesty.ca/pfif/1.4\">\n<person>\n<full_name>x</wrong>\n</person></pfif>";
    let e = parse("d.xml", broken.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("d.xml") && e.contains("line 3"), "{e}");
    let not_pfif = "<root xmlns=\"urn:other\"><person/></root>";
    assert!(parse("e.xml", not_pfif.as_bytes()).is_err());
    let bad_field = "<pfif xmlns=\"http://zesty.ca/pfif/1.4\" xmlns:a=\"urn:athar:pfif-extension:1\">\n<person><person_record_id>x/1</person_record_id>\n<a:field name=\"shoe_size\">9</a:field></person></pfif>";
    let e = parse("f.xml", bad_field.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("shoe_size"), "{e}");
}

/// Persons as sets of PFIF record ids, and notes as (id, record, author, text).
async fn shape(
    s: &SqliteStore,
) -> (
    BTreeSet<Vec<String>>,
    BTreeSet<(String, String, String, String)>,
    usize,
) {
    let mut persons: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    let mut ids = HashMap::new();
    for r in s.records_page(0, 100_000).await.unwrap() {
        persons.entry(r.person_id).or_default().push(pfif_id(&r));
        ids.insert(r.id, pfif_id(&r));
    }
    let persons: BTreeSet<Vec<String>> = persons
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    let notes = s
        .notes_page(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|n| {
            (
                n.note_record_id,
                ids[&n.record_id].clone(),
                n.author,
                n.text,
            )
        })
        .collect();
    let all: Vec<i64> = s
        .records_page(0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.person_id)
        .collect();
    let f = s.person_facts(&all).await.unwrap();
    (
        persons,
        notes,
        f.claims.len() + f.determinations.len() + f.detentions.len(),
    )
}

#[tokio::test]
async fn r5_pfif_round_trip_keeps_persons_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let a = SqliteStore::open(
        &format!("sqlite://{}", dir.path().join("a.db").display()),
        true,
    )
    .await
    .unwrap();
    let at = Utc.timestamp_opt(1_800_000_000, 0).single().unwrap();
    let change = Change::new("tester", at);
    // A store with linked records from a PFIF file, a CSV-like list, merges, notes and facts.
    let doc = parse("a.xml", V14_PREFIXED.as_bytes()).unwrap();
    let (incoming, extras) = to_incoming(&doc);
    let file = FileInfo {
        file_name: "a.xml".into(),
        sha256: "x1".into(),
        format: "pfif-1.4".into(),
        received_at: None,
    };
    import(
        &a,
        SourceInfo {
            name: "pf".into(),
            ..Default::default()
        },
        file,
        &incoming,
        &extras,
        &change,
    )
    .await
    .unwrap();
    let rows: Vec<ingest::Incoming> = [
        ("1", "سامر", "الخطيب"),
        ("2", "Samer", "Al-Khatib"),
        ("3", "ليلى", "حداد"),
    ]
    .iter()
    .map(|(id, first, fam)| {
        let (record, _) = Record::from_pairs([
            (Field::Id, *id),
            (Field::FirstName, *first),
            (Field::FamilyName, *fam),
        ]);
        ingest::Incoming {
            raw: vec![("id".into(), (*id).into())],
            record,
            line: Some(2),
        }
    })
    .collect();
    for r in rows {
        ingest::ingest_one(
            &a,
            SourceInfo {
                name: "csv".into(),
                ..Default::default()
            },
            r,
            None,
            &MatchOptions::default(),
            &change,
        )
        .await
        .unwrap();
    }
    let r3 = a.record_by_local_id("csv", "2").await.unwrap().unwrap();
    let r2 = a.record_by_local_id("csv", "1").await.unwrap().unwrap();
    let (p2, p3) = (
        a.record(r2).await.unwrap().unwrap().person_id,
        a.record(r3).await.unwrap().unwrap().person_id,
    );
    a.merge_persons(p3, p2, &change).await.unwrap();
    a.add_determination(
        &NewDetermination {
            person: PersonRef::Existing(p2),
            record: None,
            status: Status::Released,
            evidence: "list of 8 Dec".into(),
        },
        &change,
    )
    .await
    .unwrap();
    a.add_detention(
        &NewDetention {
            person: PersonRef::Existing(p2),
            record: Some(RecordRef::Existing(r3)),
            facility: Some("فرع 215".into()),
            prison_number: Some("٤٥".into()),
            started: Some("2013".into()),
            ended: None,
            outcome: DetentionOutcome::Released,
            transferred_from: None,
        },
        &change,
    )
    .await
    .unwrap();
    a.add_claim(
        &NewClaim {
            person: PersonRef::Existing(p2),
            record: None,
            status: Status::Alive,
            claimant: Some("cousin".into()),
            statement: "in Idlib".into(),
        },
        &change,
    )
    .await
    .unwrap();
    a.add_note(
        &NewNote {
            record: RecordRef::Existing(r2),
            note_record_id: None,
            author: "cw".into(),
            text: "called <family> & left a message".into(),
            status: None,
            author_made_contact: Some(false),
            last_known_location: Some("حمص".into()),
            linked_record: None,
            source_date: None,
        },
        &change,
    )
    .await
    .unwrap();

    let mut xml = Vec::new();
    export(&a, &mut xml).await.unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains("xmlns:pfif=\"http://zesty.ca/pfif/1.4\""));
    assert!(text.contains("<athar:determination status=\"released\""));
    assert!(text.contains("&lt;family&gt; &amp; left"));

    let b = SqliteStore::open(
        &format!("sqlite://{}", dir.path().join("b.db").display()),
        true,
    )
    .await
    .unwrap();
    let doc = parse("export.xml", &xml).unwrap();
    let (incoming, extras) = to_incoming(&doc);
    let file = FileInfo {
        file_name: "export.xml".into(),
        sha256: "x2".into(),
        format: "pfif-1.4".into(),
        received_at: None,
    };
    import(
        &b,
        SourceInfo {
            name: "back".into(),
            ..Default::default()
        },
        file,
        &incoming,
        &extras,
        &change,
    )
    .await
    .unwrap();
    assert!(b.check().await.unwrap().is_empty());
    let (pa, na, fa) = shape(&a).await;
    let (pb, nb, fb) = shape(&b).await;
    assert_eq!(pa.len(), 3, "{pa:?}");
    assert_eq!(pa, pb, "same persons");
    assert_eq!(na, nb, "same notes");
    assert_eq!(
        (fa, fb),
        (3, 3),
        "claims, determinations and detentions come back"
    );
    // And exporting the copy gives the same persons and notes again.
    let mut xml2 = Vec::new();
    export(&b, &mut xml2).await.unwrap();
    let d1 = parse("1", &xml).unwrap();
    let d2 = parse("2", &xml2).unwrap();
    let ids = |d: &Document| {
        d.persons
            .iter()
            .map(|p| p.person_record_id.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&d1), ids(&d2));
    assert_eq!(d1.notes.len(), d2.notes.len());
}
