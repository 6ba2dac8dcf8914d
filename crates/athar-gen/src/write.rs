//! The edge: writes a generated registry into a directory as CSV (`prison.csv`, `family.csv`,
//! `survivor.csv`, `truth.csv`), streaming in chunks rendered in parallel.
//!
//! Each file is written under a temporary name and renamed when complete, so a failed run
//! never leaves a half-written list that looks whole.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{COLUMNS, GenError, Registry, Source};

/// Rows rendered per parallel batch: large enough to keep both cores busy, small enough to
/// keep memory flat.
const CHUNK: usize = 32_768;

/// What [`write_dir`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// True persons (distinct `person_id` values in `truth.csv`).
    pub persons: usize,
    /// Records written to `prison.csv`.
    pub prison: usize,
    /// Records written to `family.csv`.
    pub family: usize,
    /// Records written to `survivor.csv`.
    pub survivor: usize,
}

impl Summary {
    /// All records (rows of `truth.csv`).
    pub fn records(&self) -> usize {
        self.prison + self.family + self.survivor
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenError + '_ {
    move |source| GenError::Io {
        path: path.to_owned(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> GenError + '_ {
    move |source| GenError::Csv {
        path: path.to_owned(),
        source,
    }
}

fn temp_path(final_path: &Path) -> PathBuf {
    let mut name = final_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    final_path.with_file_name(name)
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, GenError> {
    let file = File::create(path).map_err(io_err(path))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, file)))
}

fn finish(mut w: csv::Writer<BufWriter<File>>, tmp: &Path, path: &Path) -> Result<(), GenError> {
    w.flush().map_err(io_err(tmp))?;
    let mut inner = w
        .into_inner()
        .map_err(|e| io_err(tmp)(std::io::Error::other(e.to_string())))?;
    inner.flush().map_err(io_err(tmp))?;
    drop(inner);
    fs::rename(tmp, path).map_err(io_err(path))
}

/// Writes `registry` into `dir` (created if missing): the three lists with the canonical
/// header of [`COLUMNS`], and `truth.csv` (`id,person_id`, one row per record, in the order of
/// the lists).
pub fn write_dir(dir: &Path, registry: &Registry) -> Result<Summary, GenError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let truth_path = dir.join("truth.csv");
    let truth_tmp = temp_path(&truth_path);
    let mut truth = writer(&truth_tmp)?;
    truth
        .write_record(["id", "person_id"])
        .map_err(csv_err(&truth_tmp))?;
    let mut counts = [0usize; 3];
    for source in Source::ALL {
        let path = dir.join(source.file_name());
        let tmp = temp_path(&path);
        let mut w = writer(&tmp)?;
        w.write_record(COLUMNS).map_err(csv_err(&tmp))?;
        let n = registry.len(source);
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            for record in registry.records_in(source, start..end) {
                w.write_record(&record.values).map_err(csv_err(&tmp))?;
                truth
                    .write_record([record.id(), record.person_id.as_str()])
                    .map_err(csv_err(&truth_tmp))?;
            }
            start = end;
        }
        finish(w, &tmp, &path)?;
        counts[source as usize] = n;
    }
    finish(truth, &truth_tmp, &truth_path)?;
    Ok(Summary {
        persons: registry.persons(),
        prison: counts[0],
        family: counts[1],
        survivor: counts[2],
    })
}
