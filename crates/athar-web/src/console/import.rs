//! Import in the browser: upload a CSV or XLSX list, see the detected encoding and the column
//! mapping with a preview of the normalized rows, adjust the mapping, confirm. The confirmed
//! import runs as a background job ([`super::jobs`]) whose page shows its progress; the import
//! itself is the CLI's: [`athar_store::ingest::import`], atomic and idempotent by the file's
//! SHA-256. Also [`retrain`]: the model re-estimated from the whole store with every
//! caseworker decision as a label, and the open queue rescored with it.
//!
//! The web tier is stateless, so the preview carries the uploaded file on to the confirmation
//! in a hidden field (base64); nothing is stored before the caseworker confirms.

use std::collections::HashMap;

use askama::Template;
use std::sync::Arc;

use athar_linkage::{LinkOptions, NoProgress, Progress};
use athar_reader::{ReadOptions, open_bytes};
use athar_record::{Field, FieldMap};
use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::{Change, FileInfo, SourceInfo, StoreError};
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::auth::redirect;
use super::frame::Frame;
use super::jobs::{self, ImportRequest};
use super::{ConsoleBackend, ConsoleError, backend};
use crate::AppState;
use crate::error::WebError;
use crate::layout::page;
use crate::security::verify_form_token;

/// Rows shown in the preview.
pub const PREVIEW_ROWS: usize = 5;

/// The upload page.
#[derive(Template)]
#[template(path = "console/import.html")]
pub struct UploadPage {
    /// Frame.
    pub f: Frame,
    /// Known sources.
    pub sources: Vec<String>,
    /// A problem reading the file, if any.
    pub problem: Option<String>,
}

/// `GET /{lang}/console/import`.
pub async fn form(State(state): State<AppState>, f: Frame) -> Result<Response, ConsoleError> {
    let sources = backend(&state)?.source_names().await?;
    Ok(page(&UploadPage {
        f,
        sources,
        problem: None,
    }))
}

/// One column of the preview with its mapping.
#[derive(Debug, Clone)]
pub struct ColumnView {
    /// Position.
    pub index: usize,
    /// Header.
    pub column: String,
    /// The field it maps to (name), or empty.
    pub field: String,
}

/// The preview page.
#[derive(Template)]
#[template(path = "console/import_preview.html")]
pub struct PreviewPage {
    /// Frame.
    pub f: Frame,
    /// File name.
    pub file_name: String,
    /// Source name.
    pub source: String,
    /// The file, base64, carried to the confirmation.
    pub data: String,
    /// Detected encoding.
    pub encoding: String,
    /// Detected delimiter.
    pub delimiter: String,
    /// Columns and mappings.
    pub columns: Vec<ColumnView>,
    /// Every canonical field name (for the mapping menus).
    pub fields: Vec<&'static str>,
    /// Preview rows: canonical field → normalized value, in `fields_shown` order.
    pub rows: Vec<Vec<String>>,
    /// The fields shown in the preview.
    pub fields_shown: Vec<String>,
    /// Rows in the file.
    pub total: u64,
    /// The reader's warnings.
    pub warnings: Vec<String>,
    /// True when this exact file was imported before.
    pub already: bool,
}

/// What the upload and preview forms send.
#[derive(Debug, Default)]
struct Upload {
    csrf: String,
    source: String,
    file_name: String,
    bytes: Vec<u8>,
    /// `map_<i>` → field name, from the preview's menus.
    map: HashMap<usize, String>,
    /// Rows counted by the preview (shown as the reading phase's total; 0 when absent).
    rows: u64,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (whitespace ignored); `None` when malformed.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, WebError> {
    let mut up = Upload::default();
    while let Some(field) = mp.next_field().await.map_err(|_| WebError::BadForm)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                up.file_name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|_| WebError::TooLarge)?;
                if !bytes.is_empty() {
                    up.bytes = bytes.to_vec();
                }
            }
            other => {
                let text = field.text().await.map_err(|_| WebError::BadForm)?;
                match other {
                    "csrf" => up.csrf = text,
                    "source" => up.source = text.trim().to_string(),
                    "file_name" => up.file_name = text,
                    "rows" => up.rows = text.trim().parse().unwrap_or(0),
                    "data" if up.bytes.is_empty() => {
                        up.bytes = b64_decode(&text).ok_or(WebError::BadForm)?;
                    }
                    m if m.starts_with("map_") => {
                        if let Ok(i) = m["map_".len()..].parse() {
                            up.map.insert(i, text);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    // Keep only the file's own name: no directories from the browser.
    up.file_name = up
        .file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("upload")
        .to_string();
    Ok(up)
}

/// Reads the headers once to turn the preview's menus into explicit mappings.
fn field_map(up: &Upload) -> Result<FieldMap, String> {
    let mut map = FieldMap::new();
    if up.map.is_empty() {
        return Ok(map);
    }
    let probe = open_bytes(
        up.file_name.clone(),
        up.bytes.clone(),
        &ReadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let headers: Vec<String> = probe.columns().iter().map(|c| c.column.clone()).collect();
    for (i, field) in &up.map {
        let Some(column) = headers.get(*i) else {
            continue;
        };
        if let Some(f) = Field::ALL.iter().find(|f| f.name() == field.as_str()) {
            map.insert(*f, column.clone()).map_err(|e| e.to_string())?;
        }
    }
    Ok(map)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `POST /{lang}/console/import`: reads the upload and shows the preview (stores nothing).
pub async fn preview(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, ConsoleError> {
    let up = read_upload(mp).await?;
    verify_form_token(&headers, &up.csrf)?;
    let store = backend(&state)?;
    let problem = |f: Frame, sources: Vec<String>, msg: String| {
        page(&UploadPage {
            f,
            sources,
            problem: Some(msg),
        })
    };
    if up.bytes.is_empty() || up.source.is_empty() {
        let msg = f.tr.t("c-import-need-file");
        return Ok(problem(f, store.source_names().await?, msg));
    }
    let map = match field_map(&up) {
        Ok(m) => m,
        Err(e) => return Ok(problem(f, store.source_names().await?, e)),
    };
    let opts = ReadOptions { map, sheet: None };
    let mut list = match open_bytes(up.file_name.clone(), up.bytes.clone(), &opts) {
        Ok(l) => l,
        Err(e) => return Ok(problem(f, store.source_names().await?, e.to_string())),
    };
    let columns: Vec<ColumnView> = list
        .columns()
        .iter()
        .enumerate()
        .map(|(index, c)| ColumnView {
            index,
            column: c.column.clone(),
            field: c.field.map(|f| f.name().to_string()).unwrap_or_default(),
        })
        .collect();
    let fields_shown: Vec<String> = {
        let mut v: Vec<Field> = list.columns().iter().filter_map(|c| c.field).collect();
        v.dedup();
        v.iter().map(|f| f.name().to_string()).collect()
    };
    let mut rows = Vec::new();
    let mut total = 0;
    let mut read_error = None;
    for row in list.by_ref() {
        match row {
            Ok(row) => {
                total += 1;
                if rows.len() < PREVIEW_ROWS {
                    rows.push(
                        fields_shown
                            .iter()
                            .map(|name| {
                                Field::ALL
                                    .iter()
                                    .find(|f| f.name() == name)
                                    .and_then(|f| row.record.canonical(*f))
                                    .unwrap_or_default()
                            })
                            .collect(),
                    );
                }
            }
            Err(e) => {
                read_error = Some(e.to_string());
                break;
            }
        }
    }
    if let Some(e) = read_error {
        return Ok(problem(f, store.source_names().await?, e));
    }
    let already = store.find_import(&sha256_hex(&up.bytes)).await?.is_some();
    Ok(page(&PreviewPage {
        encoding: list.encoding().name().to_string(),
        delimiter: list
            .delimiter()
            .map(|d| {
                if d == '\t' {
                    "TAB".to_string()
                } else {
                    d.to_string()
                }
            })
            .unwrap_or_default(),
        warnings: list.warnings(),
        f,
        file_name: up.file_name.clone(),
        source: up.source.clone(),
        data: b64_encode(&up.bytes),
        columns,
        fields: Field::ALL.iter().map(|f| f.name()).collect(),
        rows,
        fields_shown,
        total,
        already,
    }))
}

/// Reads a whole list into the records to import; an unreadable row is an error naming it.
pub fn incoming(
    file_name: &str,
    bytes: Vec<u8>,
    map: FieldMap,
) -> Result<(Vec<Incoming>, String), String> {
    incoming_with(file_name, bytes, map, &|| ())
}

/// [`incoming`], calling `on_row` after each row read (an import job's progress).
pub fn incoming_with(
    file_name: &str,
    bytes: Vec<u8>,
    map: FieldMap,
    on_row: &dyn Fn(),
) -> Result<(Vec<Incoming>, String), String> {
    let mut list = open_bytes(
        file_name.to_string(),
        bytes,
        &ReadOptions { map, sheet: None },
    )
    .map_err(|e| e.to_string())?;
    let format = if list.encoding().name() == "xlsx" {
        "xlsx"
    } else {
        "csv"
    }
    .to_string();
    let mut out = Vec::new();
    for row in list.by_ref() {
        let row = row.map_err(|e| e.to_string())?;
        out.push(Incoming {
            raw: row
                .raw()
                .map(|(k, v)| (k.into_owned(), v.to_string()))
                .collect(),
            record: row.record,
            line: Some(row.line),
        });
        on_row();
    }
    Ok((out, format))
}

/// `POST /{lang}/console/import/confirm`: starts the import as a background job and sends the
/// browser to the job's page. The mapping is checked first, so a bad mapping is refused here
/// and starts nothing.
pub async fn confirm(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, ConsoleError> {
    let up = read_upload(mp).await?;
    verify_form_token(&headers, &up.csrf)?;
    if up.bytes.is_empty() || up.source.is_empty() {
        return Err(WebError::BadForm.into());
    }
    let staff = f.staff()?.clone();
    let store = backend(&state)?;
    let map = field_map(&up).map_err(ConsoleError::Refused)?;
    let job = jobs::start(
        &state,
        store,
        &staff,
        ImportRequest {
            source: SourceInfo {
                name: up.source.clone(),
                supplier: None,
                notes: None,
            },
            file_name: up.file_name.clone(),
            sha256: sha256_hex(&up.bytes),
            bytes: up.bytes,
            map,
            rows: up.rows,
        },
    );
    Ok(redirect(&jobs::href(&f, &job)))
}

/// Runs [`ingest::import`] on the blocking pool: planning a list is CPU-bound (blocking,
/// scoring, clustering) and must not hold up an async worker that serves other requests.
pub async fn run_import(
    store: Arc<dyn ConsoleBackend>,
    source: SourceInfo,
    file: Option<FileInfo>,
    records: Vec<Incoming>,
    change: Change,
    progress: Arc<dyn Progress + Send + Sync>,
) -> Result<ingest::ImportReport, StoreError> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(ingest::import(
            store.as_ref(),
            source,
            file,
            &records,
            &MatchOptions::default(),
            &change,
            progress.as_ref(),
        ))
    })
    .await
    .map_err(|e| StoreError::Database(format!("the import task failed: {e}")))?
}

/// What retraining did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainReport {
    /// The new model's version.
    pub version: String,
    /// Labels used.
    pub labels: usize,
    /// Open review items rescored.
    pub rescored: usize,
    /// Blocking and search keys stored afresh.
    pub keys: usize,
}

/// Re-estimates the model from every stored record with every human judgement as a label,
/// saves it as the active model, rebuilds every record's stored keys under the current rules
/// (as `athar train` does), and rescores the open review queue with it.
pub async fn retrain(
    state: &AppState,
    store: &dyn ConsoleBackend,
    change: &Change,
) -> Result<TrainReport, ConsoleError> {
    let ingest::TrainingSet {
        records,
        ids,
        index,
        labels,
    } = ingest::training_set(store).await.map_err(|e| match e {
        StoreError::Invalid(msg) => ConsoleError::Refused(msg),
        e => e.into(),
    })?;
    let n_labels = labels.len();
    // The model, and the stored keys afresh under this build's rules (as `athar train` does),
    // off the async threads; the records come back for rescoring.
    let (model, keys, records) = tokio::task::spawn_blocking(move || {
        athar_linkage::link(&records, &labels, &LinkOptions::default(), &NoProgress).map(|o| {
            let keys = ingest::fresh_keys(&records, &ids);
            (o.model, keys, records)
        })
    })
    .await
    .map_err(|e| ConsoleError::Refused(format!("training failed: {e}")))?
    .map_err(|e| StoreError::Invalid(format!("training failed: {e}")))?;
    // Two trainings in the same instant (a fixed test clock, two instances) must not collide.
    let version = format!(
        "{}-{}",
        ingest::model_version(change.at, "train"),
        hex::encode(state.random_bytes(3))
    );
    store.save_model(&version, &model.to_json(), change).await?;
    store.replace_keys(&keys, change).await?;
    let open = store
        .review_queue(
            &athar_store::console::QueueFilter {
                limit: usize::MAX,
                ..Default::default()
            },
            state.clock.now(),
        )
        .await?;
    let mut rescored = 0;
    for e in open {
        let (Some(&l), Some(&r)) = (
            index.get(&e.item.left_record_id),
            index.get(&e.item.right_record_id),
        ) else {
            continue;
        };
        let m = model.score_prepared(&model.prepare(&records[l]), &model.prepare(&records[r]));
        let explanation = serde_json::to_value(&m.explanation).map_err(WebError::internal)?;
        store
            .rescore_review(e.item.id, m.probability, &explanation, &version, change)
            .await?;
        rescored += 1;
    }
    Ok(TrainReport {
        version,
        labels: n_labels,
        rescored,
        keys: keys.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            "محمد,1985\n".as_bytes(),
        ] {
            let enc = b64_encode(data);
            assert_eq!(b64_decode(&enc).unwrap(), data);
        }
        assert_eq!(b64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64_encode(b"fo"), "Zm8=");
        assert!(b64_decode("Zm9v!").is_none());
    }
}
