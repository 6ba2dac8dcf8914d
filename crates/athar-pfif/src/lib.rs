//! PFIF (People Finder Interchange Format) import and export: versions 1.1 to 1.4 are read,
//! 1.4 is written.
//!
//! Reading is namespace-aware (quick-xml's `NsReader`): elements are matched by their resolved
//! namespace, never by prefix, so `pfif:person`, a default namespace, or any other prefix all
//! work. Renamed fields of older versions (`first_name`, `last_name`, `other`, `found`,
//! `home_zip`) are read as their 1.4 names.
//!
//! Mapping onto the registry:
//! - each `person` is one record (its `person_record_id` is the record's id in its list); the
//!   raw row is the person's elements exactly as read, in order;
//! - each `note` is a note on that record; a note's `linked_person_record_id` says the two
//!   records are the same person, so linked records are placed in one person;
//! - what PFIF has no field for travels in an extension namespace ([`ATHAR_NS`]): every
//!   canonical field (`<athar:field name="father_name">`), and the person's claims,
//!   determinations and detention episodes.
//!
//! On export every record is a `person`, and the records of one person are linked by notes
//! written on both records (PFIF's duplicate links are reciprocal); those generated notes have
//! ids under [`LINK_NOTE_PREFIX`] and are not stored again when the file is imported back.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use athar_record::{Field, Record};
use athar_store::ingest::{self, ImportReport, Incoming};
use athar_store::{
    Change, DetentionOutcome, FileInfo, NewClaim, NewDetention, NewDetermination, NewNote,
    PersonRef, Placement, RecordRef, SourceInfo, Status, Store, StoreError, WriteBatch,
};
use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

/// The PFIF 1.4 namespace (what we write).
pub const PFIF_1_4: &str = "http://zesty.ca/pfif/1.4";
/// The namespaces we read.
pub const PFIF_NAMESPACES: [&str; 4] = [
    "http://zesty.ca/pfif/1.1",
    "http://zesty.ca/pfif/1.2",
    "http://zesty.ca/pfif/1.3",
    PFIF_1_4,
];
/// Athar's extension namespace: canonical fields, claims, determinations, detentions.
pub const ATHAR_NS: &str = "urn:athar:pfif-extension:1";
/// The domain of record ids minted by this registry.
pub const DOMAIN: &str = "athar.local";
/// Prefix of the ids of the duplicate-link notes written by [`export`].
pub const LINK_NOTE_PREFIX: &str = "athar.local/link.";

/// Errors reading PFIF. Every message names the file and the line.
#[derive(Debug, thiserror::Error)]
pub enum PfifError {
    /// Not well-formed XML.
    #[error("{file}: line {line}: not well-formed XML: {message}")]
    Xml {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// Well-formed, but not valid PFIF.
    #[error("{file}: line {line}: field {field}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// The element or attribute at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Writing failed.
    #[error("writing PFIF: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A claim, determination or detention carried in the extension namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extension {
    /// Canonical fields PFIF has no element for (or all of them, as we write).
    pub fields: Vec<(String, String)>,
    /// `(status, claimant, statement)`.
    pub claims: Vec<(String, Option<String>, String)>,
    /// `(status, evidence, decided_by, decided_at)`.
    pub determinations: Vec<(String, String, Option<String>, Option<String>)>,
    /// Detention episodes: attribute map (facility, prison_number, started, ended, outcome).
    pub detentions: Vec<BTreeMap<String, String>>,
}

/// A PFIF person record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Line where the element starts.
    pub line: u64,
    /// `person_record_id`.
    pub person_record_id: String,
    /// The person's PFIF elements as read, in order (1.4 names), `person_record_id` included.
    pub fields: Vec<(String, String)>,
    /// The extension.
    pub ext: Extension,
}

impl Person {
    /// The text of a PFIF field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// A PFIF note.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note {
    /// Line where the element starts.
    pub line: u64,
    /// The note's elements as read (1.4 names).
    pub fields: Vec<(String, String)>,
}

impl Note {
    /// The text of a PFIF field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// A PFIF document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// `1.1` … `1.4`.
    pub version: String,
    /// Persons.
    pub persons: Vec<Person>,
    /// Notes (nested ones carry their person's `person_record_id`).
    pub notes: Vec<Note>,
}

/// True when the bytes look like a PFIF document (an XML document naming a PFIF namespace).
pub fn looks_like_pfif(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && head.contains("zesty.ca/pfif/")
}

fn rename(name: &str) -> &str {
    match name {
        "first_name" => "given_name",
        "last_name" => "family_name",
        "other" => "description",
        "found" => "author_made_contact",
        "home_zip" => "home_postal_code",
        n => n,
    }
}

fn line_of(text: &str, pos: u64) -> u64 {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Pfif,
    Athar,
    Other,
}

fn ns_of(r: &ResolveResult<'_>, version: &mut Option<String>) -> Ns {
    match r {
        ResolveResult::Bound(Namespace(ns)) => {
            if let Some(v) = PFIF_NAMESPACES.iter().find(|p| **p == *ns) {
                if version.is_none() {
                    *version = v.rsplit('/').next().map(str::to_owned);
                }
                Ns::Pfif
            } else if *ns == ATHAR_NS {
                Ns::Athar
            } else {
                Ns::Other
            }
        }
        _ => Ns::Other,
    }
}

/// The field element being read: namespace, name, attributes, text so far, line.
type OpenField = (Ns, String, BTreeMap<String, String>, String, u64);

/// Where the parser is.
enum Open {
    Person(Person),
    Note(Note),
}

/// Parses a PFIF document (1.1–1.4). `file` names it in errors.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Document, PfifError> {
    let text = std::str::from_utf8(bytes).map_err(|e| PfifError::Xml {
        file: file.to_owned(),
        line: line_of(&String::from_utf8_lossy(bytes), e.valid_up_to() as u64),
        message: "not UTF-8".into(),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = NsReader::from_str(text);
    let mut version: Option<String> = None;
    let mut doc = Document::default();
    let mut stack: Vec<Open> = Vec::new();
    // The field element being read: (namespace, name, attributes, text, line).
    let mut field: Option<OpenField> = None;
    let xml_err = |pos: u64, e: quick_xml::Error| PfifError::Xml {
        file: file.to_owned(),
        line: line_of(text, pos),
        message: e.to_string(),
    };
    let invalid = |line: u64, field: &str, message: &str| PfifError::Invalid {
        file: file.to_owned(),
        line,
        field: field.to_owned(),
        message: message.to_owned(),
    };
    loop {
        let pos = reader.buffer_position();
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => return Err(xml_err(pos, e)),
        };
        let ns = ns_of(&resolved, &mut version);
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                let name = name.to_owned();
                let line = line_of(text, pos);
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| invalid(line, &name, &err.to_string()))?;
                    let key: String = {
                        let ln = a.key.local_name();
                        let k: &str = ln.as_ref();
                        k.to_owned()
                    };
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| invalid(line, &key, &err.to_string()))?
                        .into_owned();
                    attrs.insert(key, value);
                }
                match (ns, name.as_str(), stack.last()) {
                    (Ns::Pfif, "pfif", _) => {}
                    (Ns::Pfif, "person", None) => {
                        stack.push(Open::Person(Person {
                            line,
                            ..Person::default()
                        }));
                    }
                    (Ns::Pfif, "note", parent) => {
                        let mut note = Note {
                            line,
                            fields: Vec::new(),
                        };
                        if let Some(Open::Person(p)) = parent {
                            note.fields
                                .push(("person_record_id".into(), p.person_record_id.clone()));
                        }
                        stack.push(Open::Note(note));
                    }
                    (Ns::Pfif | Ns::Athar, _, Some(_)) => {
                        field = Some((ns, name.clone(), attrs, String::new(), line));
                    }
                    (Ns::Pfif, other, None) => {
                        return Err(invalid(line, other, "unexpected PFIF element at top level"));
                    }
                    _ => {}
                }
                if empty && field.is_some() {
                    close_field(&mut field, &mut stack, &invalid)?;
                }
            }
            Event::Text(t) => {
                if let Some(f) = field.as_mut() {
                    f.3.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(f) = field.as_mut() {
                    f.3.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(f) = field.as_mut() {
                    let name = r.xml10_content();
                    let c = match name.as_ref() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => r.resolve_char_ref().ok().flatten(),
                    };
                    match c {
                        Some(c) => f.3.push(c),
                        None => {
                            return Err(invalid(f.4, &f.1, &format!("unknown entity &{name};")));
                        }
                    }
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                if field.as_ref().is_some_and(|f| f.1 == name) {
                    close_field(&mut field, &mut stack, &invalid)?;
                } else if ns == Ns::Pfif && (name == "person" || name == "note") {
                    match stack.pop() {
                        Some(Open::Person(p)) => {
                            if p.person_record_id.is_empty() {
                                return Err(invalid(
                                    p.line,
                                    "person_record_id",
                                    "a person needs a person_record_id",
                                ));
                            }
                            doc.persons.push(p);
                        }
                        Some(Open::Note(n)) => {
                            if n.get("note_record_id").is_none() {
                                return Err(invalid(
                                    n.line,
                                    "note_record_id",
                                    "a note needs a note_record_id",
                                ));
                            }
                            if n.get("person_record_id").is_none() {
                                return Err(invalid(
                                    n.line,
                                    "person_record_id",
                                    "a top-level note needs a person_record_id",
                                ));
                            }
                            doc.notes.push(n);
                        }
                        None => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    doc.version = version.ok_or_else(|| {
        invalid(
            1,
            "xmlns",
            "no PFIF namespace (http://zesty.ca/pfif/1.1 to 1.4)",
        )
    })?;
    Ok(doc)
}

type Invalid<'a> = dyn Fn(u64, &str, &str) -> PfifError + 'a;

fn close_field(
    field: &mut Option<OpenField>,
    stack: &mut [Open],
    invalid: &Invalid<'_>,
) -> Result<(), PfifError> {
    let Some((ns, name, attrs, value, line)) = field.take() else {
        return Ok(());
    };
    match (ns, stack.last_mut()) {
        (Ns::Pfif, Some(Open::Person(p))) => {
            let name = rename(&name).to_owned();
            if name == "person_record_id" {
                p.person_record_id = value.trim().to_owned();
            }
            p.fields.push((name, value));
        }
        (Ns::Pfif, Some(Open::Note(n))) => {
            let name = rename(&name).to_owned();
            if let Some(slot) = n.fields.iter_mut().find(|(k, _)| *k == name) {
                slot.1 = value;
            } else {
                n.fields.push((name, value));
            }
        }
        (Ns::Athar, Some(Open::Person(p))) => match name.as_str() {
            "field" => {
                let f = attrs.get("name").cloned().unwrap_or_default();
                if Field::from_header(&f).is_none() {
                    return Err(invalid(
                        line,
                        "athar:field",
                        &format!("unknown field {f:?}"),
                    ));
                }
                p.ext.fields.push((f, value));
            }
            "claim" => p.ext.claims.push((
                attrs.get("status").cloned().unwrap_or_default(),
                attrs.get("claimant").cloned(),
                value,
            )),
            "determination" => p.ext.determinations.push((
                attrs.get("status").cloned().unwrap_or_default(),
                value,
                attrs.get("decided_by").cloned(),
                attrs.get("decided_at").cloned(),
            )),
            "detention" => p.ext.detentions.push(attrs),
            _ => {}
        },
        _ => {}
    }
    Ok(())
}

/// What a PFIF file brings besides its records: notes, declared links and the extension's
/// facts, by record index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// Notes to store (generated link notes excluded), by record index.
    pub notes: Vec<(usize, NewNote)>,
    /// Pairs of record indices declared the same person.
    pub links: Vec<(usize, usize)>,
    /// Claims by record index.
    pub claims: Vec<(usize, NewClaim)>,
    /// Determinations by record index.
    pub determinations: Vec<(usize, NewDetermination)>,
    /// Detentions by record index.
    pub detentions: Vec<(usize, NewDetention)>,
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Maps a PFIF document onto incoming records and their extras.
pub fn to_incoming(doc: &Document) -> (Vec<Incoming>, Extras) {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut incoming = Vec::with_capacity(doc.persons.len());
    let mut extras = Extras::default();
    for (i, p) in doc.persons.iter().enumerate() {
        index.insert(p.person_record_id.as_str(), i);
        let mut record = Record::new();
        record.set(Field::Id, &p.person_record_id);
        let mapped = [
            ("full_name", Field::FullName),
            ("given_name", Field::FirstName),
            ("family_name", Field::FamilyName),
            ("alternate_names", Field::Alias),
            ("date_of_birth", Field::BirthDate),
            ("age", Field::Age),
            ("home_city", Field::Residence),
        ];
        for (pf, f) in mapped {
            if let Some(v) = p.get(pf) {
                record.set(f, v);
            }
        }
        match p.get("sex") {
            Some("male") => {
                record.set(Field::Sex, "M");
            }
            Some("female") => {
                record.set(Field::Sex, "F");
            }
            _ => {}
        }
        for (name, value) in &p.ext.fields {
            if let Some(f) = Field::from_header(name) {
                record.set(f, value);
            }
        }
        let mut raw = p.fields.clone();
        raw.extend(
            p.ext
                .fields
                .iter()
                .map(|(k, v)| (format!("athar:{k}"), v.clone())),
        );
        incoming.push(Incoming {
            raw,
            record,
            line: Some(p.line),
        });
        for (status, claimant, statement) in &p.ext.claims {
            if let Ok(status) = status.parse::<Status>() {
                extras.claims.push((
                    i,
                    NewClaim {
                        person: PersonRef::New(0),
                        record: Some(RecordRef::New(i as u32)),
                        status,
                        claimant: claimant.clone(),
                        statement: statement.clone(),
                    },
                ));
            }
        }
        for (status, evidence, _, _) in &p.ext.determinations {
            if let Ok(status) = status.parse::<Status>() {
                extras.determinations.push((
                    i,
                    NewDetermination {
                        person: PersonRef::New(0),
                        record: Some(RecordRef::New(i as u32)),
                        status,
                        evidence: evidence.clone(),
                    },
                ));
            }
        }
        for d in &p.ext.detentions {
            let get = |k: &str| d.get(k).filter(|v| !v.is_empty()).cloned();
            extras.detentions.push((
                i,
                NewDetention {
                    person: PersonRef::New(0),
                    record: Some(RecordRef::New(i as u32)),
                    facility: get("facility"),
                    prison_number: get("prison_number"),
                    started: get("started"),
                    ended: get("ended"),
                    outcome: get("outcome")
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(DetentionOutcome::Unknown),
                    transferred_from: None,
                },
            ));
        }
    }
    for n in &doc.notes {
        let Some(pid) = n.get("person_record_id") else {
            continue;
        };
        let Some(&i) = index.get(pid) else { continue };
        let linked = n.get("linked_person_record_id");
        if let Some(&j) = linked.and_then(|l| index.get(l)) {
            extras.links.push((i, j));
        }
        let id = n.get("note_record_id").unwrap_or("");
        if id.starts_with(LINK_NOTE_PREFIX) {
            continue;
        }
        extras.notes.push((
            i,
            NewNote {
                record: RecordRef::New(i as u32),
                note_record_id: Some(id.to_owned()),
                author: n.get("author_name").unwrap_or("").to_owned(),
                text: n.get("text").unwrap_or("").to_owned(),
                status: n.get("status").map(str::to_owned),
                author_made_contact: n.get("author_made_contact").map(|v| v.trim() == "true"),
                last_known_location: n.get("last_known_location").map(str::to_owned),
                linked_record: linked.map(str::to_owned),
                source_date: n.get("source_date").and_then(parse_time),
            },
        ));
    }
    (incoming, extras)
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Imports a PFIF document's records atomically: records linked by `linked_person_record_id`
/// notes share a person, other records start their own; notes, claims, determinations and
/// detention episodes come along. Idempotent by the file's SHA-256 like any import.
///
/// When the store has a saved model, the document is matched against the stored records like
/// any list (the engine's incremental path): a person of the document joins the stored person
/// its records link to (the one most of them link to), pairs the engine is unsure of wait for a
/// human, and two persons of the document are never merged by the engine — the document's own
/// links say who is who. A fresh store (no model) takes the document as it is.
pub async fn import<S: Store + ?Sized>(
    store: &S,
    source: SourceInfo,
    file: FileInfo,
    incoming: &[Incoming],
    extras: &Extras,
    change: &Change,
) -> Result<ImportReport, StoreError> {
    if let Some(found) = store.find_import(&file.sha256).await? {
        return Ok(ImportReport {
            outcome: athar_store::WriteOutcome {
                source_id: 0,
                import_id: Some(found.id),
                already_imported: true,
                record_ids: Vec::new(),
                person_ids: Vec::new(),
                records: found.records,
            },
            joined_existing: 0,
            reviews: 0,
            new_persons: 0,
        });
    }
    let n = incoming.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b) in &extras.links {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    // With a saved model: the engine's plan against the stored records.
    let (mut matched, existing) = match ingest::load_model(store).await? {
        Some((_, model)) if n > 0 => {
            let np = athar_linkage::NoProgress;
            let new = ingest::read_new(incoming, &source.name, change.at);
            let existing = ingest::stored_candidates(store, &new, model.block_cap(), &np).await?;
            let plan = ingest::plan_import(
                source.clone(),
                Some(file.clone()),
                incoming,
                new,
                &existing,
                Some(&model),
                &ingest::MatchOptions::default(),
                change.at,
                &np,
            )?;
            (Some(plan.batch), existing)
        }
        _ => (None, Vec::new()),
    };
    // Each person of the document: the stored person most of its records joined, if any.
    let mut votes: HashMap<usize, BTreeMap<athar_store::PersonId, u32>> = HashMap::new();
    if let Some(b) = &matched {
        for (i, p) in b.placements.iter().enumerate() {
            if let PersonRef::Existing(id) = p.person {
                *votes.entry(roots[i]).or_default().entry(id).or_default() += 1;
            }
        }
    }
    let stored_of_root = |root: usize| {
        votes.get(&root).and_then(|v| {
            v.iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&p, _)| p)
        })
    };
    let mut person_of_root: HashMap<usize, u32> = HashMap::new();
    let mut placements = Vec::with_capacity(n);
    let mut joined_existing = 0;
    for (i, &root) in roots.iter().enumerate() {
        let placement = match stored_of_root(root) {
            Some(p) => {
                joined_existing += 1;
                let engine = matched.as_ref().map(|b| &b.placements[i]);
                Placement {
                    person: PersonRef::Existing(p),
                    model_version: engine.and_then(|e| e.model_version.clone()),
                    score: engine.and_then(|e| e.score),
                    reason: "pfif: linked_person_record_id; link band: joined a stored person"
                        .into(),
                }
            }
            None => {
                let next = person_of_root.len() as u32;
                let k = *person_of_root.entry(root).or_insert(next);
                Placement {
                    person: PersonRef::New(k),
                    model_version: None,
                    score: None,
                    reason: "pfif: linked_person_record_id".into(),
                }
            }
        };
        placements.push(placement);
    }
    // The stored forms: the engine's plan built them already when there was one.
    let records = match matched.as_mut() {
        Some(b) => std::mem::take(&mut b.records),
        None => incoming
            .iter()
            .enumerate()
            .map(|(i, inc)| {
                let lr = ingest::link_record(&inc.record, format!("n{i}"), &source.name, change.at);
                ingest::new_record(inc, &lr)
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let person_of = |i: usize| placements[i].person;
    // The engine's review items, less those whose two records now share a person.
    let stored_person: HashMap<athar_store::RecordId, athar_store::PersonId> =
        existing.iter().map(|f| (f.id, f.person_id)).collect();
    let side = |r: RecordRef| match r {
        RecordRef::New(i) => Some(person_of(i as usize)),
        RecordRef::Existing(id) => stored_person.get(&id).map(|&p| PersonRef::Existing(p)),
    };
    let reviews: Vec<_> = matched
        .map(|b| b.reviews)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| side(r.left).is_none() || side(r.left) != side(r.right))
        .collect();
    let mut batch = WriteBatch::new(source, Some(file));
    batch.new_persons = person_of_root.len() as u32;
    batch.reviews = reviews;
    batch.notes = extras.notes.iter().map(|(_, n)| n.clone()).collect();
    batch.claims = extras
        .claims
        .iter()
        .map(|(i, c)| NewClaim {
            person: person_of(*i),
            ..c.clone()
        })
        .collect();
    batch.determinations = extras
        .determinations
        .iter()
        .map(|(i, d)| NewDetermination {
            person: person_of(*i),
            ..d.clone()
        })
        .collect();
    batch.detentions = extras
        .detentions
        .iter()
        .map(|(i, d)| NewDetention {
            person: person_of(*i),
            ..d.clone()
        })
        .collect();
    batch.records = records;
    batch.placements = placements;
    let new_persons = u64::from(batch.new_persons);
    let reviews = batch.reviews.len() as u64;
    let outcome = store.write_batch(&batch, change).await?;
    Ok(ImportReport {
        outcome,
        joined_existing,
        reviews,
        new_persons,
    })
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The PFIF id of a stored record: its own id when it came from PFIF, else one minted here.
pub fn pfif_id(r: &athar_store::StoredRecord) -> String {
    match &r.local_id {
        Some(l) if l.contains('/') => l.clone(),
        _ => format!("{DOMAIN}/record.{}", r.id),
    }
}

fn element(w: &mut dyn Write, indent: &str, name: &str, value: &str) -> std::io::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    writeln!(w, "{indent}<pfif:{name}>{}</pfif:{name}>", esc(value))
}

/// Writes the whole store as PFIF 1.4: a person per record (with the extension), the stored
/// notes, and reciprocal duplicate links between the records of each person.
pub async fn export<S: Store + ?Sized>(store: &S, w: &mut dyn Write) -> Result<(), PfifError> {
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<pfif:pfif xmlns:pfif="{PFIF_1_4}" xmlns:athar="{ATHAR_NS}">"#
    )?;
    // First pass: the first record of each person (the anchor of its duplicate links).
    let mut first: HashMap<i64, (i64, String)> = HashMap::new();
    let mut ids: HashMap<i64, String> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.records_page(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            first
                .entry(r.person_id)
                .or_insert_with(|| (r.id, pfif_id(r)));
            ids.insert(r.id, pfif_id(r));
        }
    }
    let mut after = 0;
    let mut links: Vec<(String, String, DateTime<Utc>, i64)> = Vec::new();
    loop {
        let page = store.records_page(after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut persons: Vec<i64> = page.iter().map(|r| r.person_id).collect();
        persons.sort_unstable();
        persons.dedup();
        let facts = store.person_facts(&persons).await?;
        for r in &page {
            let id = pfif_id(r);
            writeln!(w, "  <pfif:person>")?;
            element(w, "    ", "person_record_id", &id)?;
            element(w, "    ", "entry_date", &time(r.created_at))?;
            element(w, "    ", "source_name", &r.source)?;
            element(w, "    ", "source_date", &time(r.created_at))?;
            let name = if r.display_name.is_empty() {
                "(no name)"
            } else {
                &r.display_name
            };
            element(w, "    ", "full_name", name)?;
            element(w, "    ", "given_name", r.field("first_name").unwrap_or(""))?;
            element(
                w,
                "    ",
                "family_name",
                r.field("family_name").unwrap_or(""),
            )?;
            element(w, "    ", "alternate_names", r.field("alias").unwrap_or(""))?;
            let sex = match r.field("sex").map(str::trim) {
                Some("M" | "m") => "male",
                Some("F" | "f") => "female",
                _ => "",
            };
            element(w, "    ", "sex", sex)?;
            let rec: Option<Record> = serde_json::from_value(r.normalized.clone()).ok();
            let dob = rec
                .as_ref()
                .and_then(|x| {
                    x.canonical(Field::BirthDate)
                        .or_else(|| x.canonical(Field::BirthYear))
                })
                .unwrap_or_default();
            element(w, "    ", "date_of_birth", &dob)?;
            element(w, "    ", "home_city", r.field("residence").unwrap_or(""))?;
            for (k, v) in &r.fields {
                if k == "id" {
                    continue;
                }
                writeln!(
                    w,
                    r#"    <athar:field name="{}">{}</athar:field>"#,
                    esc(k),
                    esc(v)
                )?;
            }
            for c in facts.claims.iter().filter(|c| c.record_id == Some(r.id)) {
                writeln!(
                    w,
                    r#"    <athar:claim status="{}"{}>{}</athar:claim>"#,
                    c.status,
                    c.claimant
                        .as_deref()
                        .map(|x| format!(r#" claimant="{}""#, esc(x)))
                        .unwrap_or_default(),
                    esc(&c.statement)
                )?;
            }
            for d in facts.determinations.iter().filter(|d| d.record_id == r.id) {
                writeln!(
                    w,
                    r#"    <athar:determination status="{}" decided_by="{}" decided_at="{}">{}</athar:determination>"#,
                    d.status,
                    esc(&d.decided_by),
                    time(d.decided_at),
                    esc(&d.evidence)
                )?;
            }
            for d in facts
                .detentions
                .iter()
                .filter(|d| d.record_id == Some(r.id))
            {
                let attr = |k: &str, v: &Option<String>| {
                    v.as_deref()
                        .map(|v| format!(r#" {k}="{}""#, esc(v)))
                        .unwrap_or_default()
                };
                writeln!(
                    w,
                    r#"    <athar:detention{}{}{}{} outcome="{}"/>"#,
                    attr("facility", &d.facility),
                    attr("prison_number", &d.prison_number),
                    attr("started", &d.started),
                    attr("ended", &d.ended),
                    d.outcome.as_str()
                )?;
            }
            writeln!(w, "  </pfif:person>")?;
            if let Some((anchor, anchor_id)) = first.get(&r.person_id)
                && *anchor != r.id
            {
                links.push((id.clone(), anchor_id.clone(), r.created_at, r.person_id));
            }
        }
    }
    let mut after = 0;
    loop {
        let page = store.notes_page(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for n in &page {
            let Some(pid) = ids.get(&n.record_id) else {
                continue;
            };
            writeln!(w, "  <pfif:note>")?;
            element(w, "    ", "note_record_id", &n.note_record_id)?;
            element(w, "    ", "person_record_id", pid)?;
            element(
                w,
                "    ",
                "linked_person_record_id",
                n.linked_record.as_deref().unwrap_or(""),
            )?;
            element(w, "    ", "entry_date", &time(n.created_at))?;
            element(w, "    ", "author_name", &n.author)?;
            element(
                w,
                "    ",
                "source_date",
                &time(n.source_date.unwrap_or(n.created_at)),
            )?;
            if let Some(c) = n.author_made_contact {
                element(
                    w,
                    "    ",
                    "author_made_contact",
                    if c { "true" } else { "false" },
                )?;
            }
            element(w, "    ", "status", n.status.as_deref().unwrap_or(""))?;
            element(
                w,
                "    ",
                "last_known_location",
                n.last_known_location.as_deref().unwrap_or(""),
            )?;
            element(w, "    ", "text", &n.text)?;
            writeln!(w, "  </pfif:note>")?;
        }
    }
    for (a, b, at, person) in &links {
        for (from, to) in [(a, b), (b, a)] {
            writeln!(w, "  <pfif:note>")?;
            element(
                w,
                "    ",
                "note_record_id",
                &format!("{LINK_NOTE_PREFIX}{from}.{to}"),
            )?;
            element(w, "    ", "person_record_id", from)?;
            element(w, "    ", "linked_person_record_id", to)?;
            element(w, "    ", "author_name", "athar")?;
            element(w, "    ", "source_date", &time(*at))?;
            element(
                w,
                "    ",
                "text",
                &format!("Same person (athar person {person})."),
            )?;
            writeln!(w, "  </pfif:note>")?;
        }
    }
    writeln!(w, "</pfif:pfif>")?;
    Ok(())
}

#[cfg(test)]
mod tests;
