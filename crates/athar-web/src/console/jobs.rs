//! Import jobs: a confirmed browser import runs in the background while the caseworker's
//! browser shows its phase and progress on a page that refreshes itself (`<meta
//! http-equiv="refresh">`, no JavaScript) until the job is done.
//!
//! The import a job runs is the CLI's ([`athar_store::ingest::import`]): all or nothing in one
//! transaction, and idempotent by the file's SHA-256. Jobs live in this process's memory
//! ([`Jobs`] on the state); a job is never dropped while it runs, a task that dies is marked
//! failed, and after a restart the job page says that the job is no longer known and — from the
//! file's SHA-256 carried in the page's address — whether that file is in the store or not, so
//! no job is lost silently. Only the staff member who started a job, and admins, see it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use askama::Template;
use athar_linkage::Progress;
use athar_store::ingest::ImportReport;
use athar_store::{Change, FileInfo, Role, SourceInfo};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};

use super::auth::Staff;
use super::frame::Frame;
use super::{ConsoleBackend, ConsoleError, backend};
use crate::AppState;
use crate::layout::{page, page_with_status};

/// How many jobs are kept; beyond it the oldest finished ones are forgotten (never a running
/// one).
pub const KEEP_JOBS: usize = 200;
/// Finished jobs older than this are forgotten.
pub const KEEP_HOURS: i64 = 24;
/// Seconds between refreshes of a running job's page.
pub const REFRESH_SECONDS: u32 = 2;

/// Where a job is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a worker.
    Queued,
    /// Reading and normalizing the file's rows.
    Reading,
    /// A stage of the linkage engine (`preparing`, `blocking`, `estimating`, `scoring`,
    /// `clustering`) or of the store (`writing`), as reported through [`Progress`].
    Stage(String),
    /// Finished: the import's outcome.
    Done(JobResult),
    /// Failed: nothing was written; the message names the file, line and field when the
    /// problem is in the list.
    Failed(String),
}

/// What a finished import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobResult {
    /// Records stored (when already imported: stored by the earlier import).
    pub records: u64,
    /// True when this exact file was imported before: nothing was added.
    pub already: bool,
    /// Records that joined a stored person.
    pub joined: u64,
    /// New persons.
    pub new_persons: u64,
    /// Review items queued.
    pub reviews: u64,
}

impl From<&ImportReport> for JobResult {
    fn from(r: &ImportReport) -> Self {
        JobResult {
            records: r.outcome.records,
            already: r.outcome.already_imported,
            joined: r.joined_existing,
            new_persons: r.new_persons,
            reviews: r.reviews,
        }
    }
}

/// A job's state at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Phase.
    pub phase: Phase,
    /// Steps done in the phase (rows, records or pairs).
    pub done: u64,
    /// Steps in the phase (0: not known).
    pub total: u64,
    /// When the job finished.
    pub finished_at: Option<DateTime<Utc>>,
}

impl Status {
    /// True once the job is done or failed.
    pub fn finished(&self) -> bool {
        matches!(self.phase, Phase::Done(_) | Phase::Failed(_))
    }
}

/// One import job.
#[derive(Debug)]
pub struct Job {
    /// Random id (hex), the page's address.
    pub id: String,
    /// Who started it.
    pub owner: String,
    /// The source the list is imported into.
    pub source: String,
    /// The file's name.
    pub file_name: String,
    /// The file's SHA-256 (hex).
    pub sha256: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    status: Mutex<Status>,
}

impl Job {
    fn lock(&self) -> MutexGuard<'_, Status> {
        // A poisoned lock only means a progress report panicked; the status itself is whole.
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The job's state now.
    pub fn status(&self) -> Status {
        self.lock().clone()
    }

    /// Moves to `phase` with `total` steps.
    pub fn set_phase(&self, phase: Phase, total: u64) {
        let mut s = self.lock();
        if s.finished() {
            return;
        }
        s.phase = phase;
        s.done = 0;
        s.total = total;
    }

    /// `n` more steps are done.
    pub fn advance(&self, n: u64) {
        let mut s = self.lock();
        s.done = s.done.saturating_add(n);
    }

    /// Ends the job (the first end wins: a late failure report cannot hide a result).
    pub fn finish(&self, outcome: Result<JobResult, String>, at: DateTime<Utc>) {
        let mut s = self.lock();
        if s.finished() {
            return;
        }
        s.phase = match outcome {
            Ok(r) => Phase::Done(r),
            Err(e) => Phase::Failed(e),
        };
        s.finished_at = Some(at);
    }

    /// Who may see the job: the staff member who started it, and admins.
    pub fn visible_to(&self, staff: &Staff) -> bool {
        staff.name == self.owner || staff.role == Role::Admin
    }
}

/// The linkage engine's and the store's progress reports, written into a job.
impl Progress for Job {
    fn stage(&self, name: &str, total: u64) {
        self.set_phase(Phase::Stage(name.to_string()), total);
    }
    fn advance(&self, n: u64) {
        Job::advance(self, n);
    }
}

/// The jobs of this process.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The job with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.lock().get(id).cloned()
    }

    /// A running job of `owner` importing the file with this SHA-256 into `source`, if any (a
    /// second confirmation of the same list joins it instead of starting another).
    pub fn running(&self, owner: &str, sha256: &str, source: &str) -> Option<Arc<Job>> {
        self.lock()
            .values()
            .find(|j| {
                j.owner == owner && j.sha256 == sha256 && j.source == source && !j.lock().finished()
            })
            .cloned()
    }

    /// Adds a job, forgetting finished jobs older than [`KEEP_HOURS`] and, beyond
    /// [`KEEP_JOBS`], the oldest finished ones. Running jobs are never forgotten.
    pub fn insert(&self, job: Arc<Job>, now: DateTime<Utc>) {
        let mut jobs = self.lock();
        let cutoff = now - Duration::hours(KEEP_HOURS);
        jobs.retain(|_, j| j.lock().finished_at.is_none_or(|t| t > cutoff));
        if jobs.len() >= KEEP_JOBS {
            let mut finished: Vec<(DateTime<Utc>, String)> = jobs
                .values()
                .filter_map(|j| j.lock().finished_at.map(|t| (t, j.id.clone())))
                .collect();
            finished.sort();
            let excess = jobs.len() + 1 - KEEP_JOBS;
            for (_, id) in finished.into_iter().take(excess) {
                jobs.remove(&id);
            }
        }
        jobs.insert(job.id.clone(), job);
    }

    /// How many jobs are kept now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no job is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a job imports.
pub struct ImportRequest {
    /// Into which source.
    pub source: SourceInfo,
    /// The file's name.
    pub file_name: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// The mapping chosen in the preview.
    pub map: athar_record::FieldMap,
    /// Rows counted by the preview (0: not known), for the reading phase's progress.
    pub rows: u64,
}

/// Starts an import job for `staff` and returns it at once; the import runs on a background
/// task. A second confirmation of the same file by the same person while the first runs joins
/// the running job.
pub fn start(
    state: &AppState,
    store: Arc<dyn ConsoleBackend>,
    staff: &Staff,
    req: ImportRequest,
) -> Arc<Job> {
    if let Some(j) = state
        .jobs
        .running(&staff.name, &req.sha256, &req.source.name)
    {
        return j;
    }
    let change = staff.change(state);
    let job = Arc::new(Job {
        id: hex::encode(state.random_bytes(16)),
        owner: staff.name.clone(),
        source: req.source.name.clone(),
        file_name: req.file_name.clone(),
        sha256: req.sha256.clone(),
        started_at: change.at,
        status: Mutex::new(Status {
            phase: Phase::Queued,
            done: 0,
            total: 0,
            finished_at: None,
        }),
    });
    state.jobs.insert(job.clone(), change.at);
    let clock = state.clock.clone();
    let worker = tokio::spawn(run(store, job.clone(), req, change));
    // The supervisor: a worker that panics or is cancelled still ends its job, as failed.
    let watched = job.clone();
    tokio::spawn(async move {
        if let Err(e) = worker.await {
            tracing::error!(job = %watched.id, cause = %e, "import job task ended abnormally");
            watched.finish(
                Err(format!(
                    "the import stopped unexpectedly ({e}); nothing was written"
                )),
                clock.now(),
            );
        }
    });
    job
}

async fn run(store: Arc<dyn ConsoleBackend>, job: Arc<Job>, req: ImportRequest, change: Change) {
    let at = change.at;
    job.set_phase(Phase::Reading, req.rows);
    let reading = {
        let job = job.clone();
        let (file_name, bytes, map) = (req.file_name.clone(), req.bytes, req.map);
        tokio::task::spawn_blocking(move || {
            super::import::incoming_with(&file_name, bytes, map, &|| job.advance(1))
        })
        .await
    };
    let (records, format) = match reading {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return job.finish(Err(e), at),
        Err(e) => return job.finish(Err(format!("reading the list failed: {e}")), at),
    };
    let file = FileInfo {
        file_name: req.file_name,
        sha256: req.sha256,
        format,
        received_at: Some(at),
    };
    let progress: Arc<dyn Progress + Send + Sync> = job.clone();
    let outcome =
        super::import::run_import(store, req.source, Some(file), records, change, progress).await;
    job.finish(
        outcome
            .as_ref()
            .map(JobResult::from)
            .map_err(|e| format!("{e}; nothing was written")),
        at,
    );
}

/// The job page.
#[derive(Template)]
#[template(path = "console/import_job.html")]
pub struct JobPage {
    /// Frame.
    pub f: Frame,
    /// The job, when this server knows it.
    pub job: Option<JobView>,
    /// When the job is not known: what the store says of the file.
    pub lost: Option<LostView>,
    /// Seconds until the page reloads itself (0: it does not).
    pub refresh: u32,
}

/// A known job as the page shows it.
pub struct JobView {
    /// Id.
    pub id: String,
    /// File.
    pub file_name: String,
    /// Source.
    pub source: String,
    /// Who started it.
    pub owner: String,
    /// The phase's code (`queued`, `reading`, `scoring`, `writing`, `done`, `failed` …).
    pub phase: String,
    /// The phase in words.
    pub phase_text: String,
    /// Steps done.
    pub done: u64,
    /// Steps in the phase (0: not known).
    pub total: u64,
    /// "1,234 of 5,000", translated.
    pub progress_text: String,
    /// The result, when done.
    pub result: Option<JobResult>,
    /// The error, when failed.
    pub error: Option<String>,
}

/// A job this server does not know (it restarted, or another instance ran it).
pub struct LostView {
    /// The file's SHA-256 from the address, when it was there.
    pub sha256: Option<String>,
    /// The earlier import of that file, in words (records, source, date).
    pub imported: Option<String>,
}

/// The job page's query: the file's SHA-256, so that the page can still say something true
/// after the server forgot the job.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct JobQuery {
    /// SHA-256 (hex) of the imported file.
    pub file: String,
}

/// Every phase a job reports (the reader's, the linkage engine's stages, the store's), each
/// with a translation `c-job-phase-<code>`.
pub const PHASES: &[&str] = &[
    "queued",
    "reading",
    "preparing",
    "blocking",
    "estimating",
    "scoring",
    "clustering",
    "writing",
    "done",
    "failed",
];

fn phase_code(p: &Phase) -> String {
    match p {
        Phase::Queued => "queued".into(),
        Phase::Reading => "reading".into(),
        Phase::Stage(s) => s.clone(),
        Phase::Done(_) => "done".into(),
        Phase::Failed(_) => "failed".into(),
    }
}

/// The job as `f`'s language shows it.
pub fn view(f: &Frame, job: &Job) -> JobView {
    let s = job.status();
    let phase = phase_code(&s.phase);
    let phase_text = if PHASES.contains(&phase.as_str()) {
        f.tr.t(&format!("c-job-phase-{phase}"))
    } else {
        phase.clone()
    };
    // A count can outrun an estimate (rows counted by the preview): never show 120 of 100.
    let total = if s.total > 0 { s.total.max(s.done) } else { 0 };
    let progress_text = if total > 0 {
        f.tr.t_args(
            "c-job-progress",
            &[("done", f.tr.number(s.done)), ("total", f.tr.number(total))],
        )
    } else {
        f.tr.number(s.done)
    };
    let (result, error) = match &s.phase {
        Phase::Done(r) => (Some(r.clone()), None),
        Phase::Failed(e) => (None, Some(e.clone())),
        _ => (None, None),
    };
    JobView {
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        source: job.source.clone(),
        owner: job.owner.clone(),
        phase,
        phase_text,
        done: s.done,
        total,
        progress_text,
        result,
        error,
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /{lang}/console/import/jobs/{id}`: the job's phase and progress, refreshing itself
/// while it runs; its result or error when finished.
pub async fn show(
    State(state): State<AppState>,
    f: Frame,
    Path((_lang, id)): Path<(String, String)>,
    Query(q): Query<JobQuery>,
) -> Result<Response, ConsoleError> {
    let staff = f.staff()?.clone();
    // Someone else's job is answered exactly like an unknown one: ids are not confirmed.
    match state.jobs.get(&id).filter(|j| j.visible_to(&staff)) {
        Some(job) => {
            let v = view(&f, &job);
            let refresh = if job.status().finished() {
                0
            } else {
                REFRESH_SECONDS
            };
            Ok(page(&JobPage {
                f,
                job: Some(v),
                lost: None,
                refresh,
            }))
        }
        None => {
            let sha256 = Some(q.file.to_ascii_lowercase()).filter(|s| is_sha256(s));
            let imported = match &sha256 {
                Some(s) => backend(&state)?.find_import(s).await?.map(|i| {
                    f.tr.t_args(
                        "c-job-unknown-imported",
                        &[
                            ("n", f.tr.number(i.records)),
                            ("source", i.source),
                            ("date", f.tr.date(i.imported_at)),
                        ],
                    )
                }),
                None => None,
            };
            Ok(page_with_status(
                StatusCode::NOT_FOUND,
                &JobPage {
                    f,
                    job: None,
                    lost: Some(LostView { sha256, imported }),
                    refresh: 0,
                },
            ))
        }
    }
}

/// The job page's address.
pub fn href(f: &Frame, job: &Job) -> String {
    format!(
        "{}?file={}",
        f.href(&format!("import/jobs/{}", job.id)),
        job.sha256
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn job(id: &str, owner: &str) -> Arc<Job> {
        Arc::new(Job {
            id: id.into(),
            owner: owner.into(),
            source: "s".into(),
            file_name: "f.csv".into(),
            sha256: "ab".repeat(32),
            started_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            status: Mutex::new(Status {
                phase: Phase::Queued,
                done: 0,
                total: 0,
                finished_at: None,
            }),
        })
    }

    fn render(job: Option<JobView>, lost: Option<LostView>, refresh: u32) -> String {
        let f = Frame::bare(crate::i18n::Lang::En, None, String::new());
        JobPage {
            f,
            job,
            lost,
            refresh,
        }
        .render()
        .unwrap()
    }

    #[test]
    fn a_running_job_refreshes_itself_and_a_finished_one_does_not() {
        let j = job("a", "cw");
        Progress::stage(j.as_ref(), "scoring", 4000);
        Progress::advance(j.as_ref(), 1234);
        let f = Frame::bare(crate::i18n::Lang::En, None, String::new());
        let html = render(Some(view(&f, &j)), None, REFRESH_SECONDS);
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
        assert!(html.contains("data-phase=\"scoring\""));
        assert!(html.contains("Scoring candidate pairs"));
        assert!(html.contains("<progress value=\"1234\" max=\"4000\">"));
        assert!(html.contains("1,234 of 4,000"));
        j.finish(
            Ok(JobResult {
                records: 7,
                already: false,
                joined: 2,
                new_persons: 5,
                reviews: 3,
            }),
            j.started_at,
        );
        let html = render(Some(view(&f, &j)), None, 0);
        assert!(!html.contains("http-equiv"));
        assert!(html.contains("<dd class=\"stored\">7</dd>"));
        assert!(html.contains("<dd class=\"reviews\">3</dd>"));
        let html = render(
            None,
            Some(LostView {
                sha256: None,
                imported: None,
            }),
            0,
        );
        assert!(html.contains("not known"));
    }

    #[test]
    fn every_phase_is_translated() {
        for lang in [crate::i18n::Lang::Ar, crate::i18n::Lang::En] {
            let keys = crate::i18n::catalogue_keys(lang);
            for p in PHASES {
                let key = format!("c-job-phase-{p}");
                assert!(keys.contains(&key), "{key} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn progress_reports_move_the_phase_and_the_count() {
        let j = job("a", "cw");
        Progress::stage(j.as_ref(), "scoring", 10);
        Progress::advance(j.as_ref(), 3);
        Progress::advance(j.as_ref(), 4);
        let s = j.status();
        assert_eq!(s.phase, Phase::Stage("scoring".into()));
        assert_eq!((s.done, s.total), (7, 10));
        assert!(!s.finished());
    }

    #[test]
    fn the_first_end_wins() {
        let j = job("a", "cw");
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 1, 0).unwrap();
        j.finish(Err("line 3, field birth_year: not a year".into()), at);
        j.finish(
            Ok(JobResult {
                records: 1,
                already: false,
                joined: 0,
                new_persons: 1,
                reviews: 0,
            }),
            at,
        );
        assert!(matches!(j.status().phase, Phase::Failed(ref m) if m.contains("line 3")));
        j.set_phase(Phase::Reading, 5);
        assert!(j.status().finished(), "a finished job does not restart");
    }

    #[test]
    fn only_the_owner_and_admins_see_a_job() {
        let j = job("a", "cw");
        let staff = |name: &str, role| Staff {
            name: name.into(),
            role,
            session_hash: String::new(),
        };
        assert!(j.visible_to(&staff("cw", Role::Caseworker)));
        assert!(j.visible_to(&staff("boss", Role::Admin)));
        assert!(!j.visible_to(&staff("cw2", Role::Caseworker)));
    }

    #[test]
    fn running_jobs_are_never_forgotten() {
        let jobs = Jobs::default();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let running = job("run", "cw");
        jobs.insert(running.clone(), t0);
        for i in 0..KEEP_JOBS + 5 {
            let j = job(&format!("j{i}"), "cw");
            j.finish(Err("x".into()), t0 + Duration::seconds(i as i64));
            jobs.insert(j, t0 + Duration::seconds(i as i64));
        }
        assert!(jobs.len() <= KEEP_JOBS);
        assert!(jobs.get("run").is_some());
        assert!(
            jobs.get("j0").is_none(),
            "the oldest finished job went first"
        );
        assert!(jobs.get(&format!("j{}", KEEP_JOBS + 4)).is_some());
        // A day later the finished ones are gone, the running one stays.
        jobs.insert(job("new", "cw"), t0 + Duration::hours(KEEP_HOURS + 1));
        assert_eq!(jobs.len(), 2);
        assert!(
            jobs.running("cw", &"ab".repeat(32), "s").is_some(),
            "a running job is found for a second confirmation"
        );
    }
}
