//! The public search log with group commit: every search still waits until its log entry is
//! durably stored before it is answered, but the entries of searches that arrive together are
//! written by one background task in one transaction (one `fsync` for many searches instead of
//! one each).
//!
//! [`GroupCommitLog`] wraps a [`PortalStore`] and passes every method through except
//! [`PortalStore::log_search`], which it queues. The queue is bounded ([`QUEUE`]): when the
//! writer falls behind, searches wait for room (back-pressure), they are never dropped. Each
//! queued entry carries a reply channel; the writer answers it only after the batch's commit,
//! with the commit's result, so a search whose entry could not be stored fails as before.
//! Nothing a visitor was answered can be lost by a crash; a crash loses only the entries of
//! searches that were still waiting, and those visitors got no answer.
//!
//! On shutdown the server finishes the requests in flight (which wait for their entries), the
//! wrapper is dropped with the state, and the writer drains what is queued and ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use athar_store::portal::{
    BoxFuture, CaseView, NameIndexRow, NewCase, NewTip, PortalError, PortalStore, SearchLogEntry,
    SharedUpdate,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How many searches may wait for the writer.
pub const QUEUE: usize = 4096;

/// At most this many entries are committed together.
pub const BATCH: usize = 512;

type Reply = oneshot::Sender<Result<(), String>>;

/// A [`PortalStore`] whose search log is written with group commit (see the module docs).
pub struct GroupCommitLog {
    inner: Arc<dyn PortalStore>,
    queue: mpsc::Sender<(SearchLogEntry, Reply)>,
    commits: Arc<AtomicU64>,
}

impl std::fmt::Debug for GroupCommitLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommitLog").finish_non_exhaustive()
    }
}

impl GroupCommitLog {
    /// Wraps `inner` and starts the writer on the current Tokio runtime. The writer ends, after
    /// writing everything queued, when the returned store (and every clone of its `Arc`) is
    /// dropped; await the handle to know it has.
    pub fn start(inner: Arc<dyn PortalStore>) -> (Arc<GroupCommitLog>, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(QUEUE);
        let commits = Arc::new(AtomicU64::new(0));
        let writer = tokio::spawn(write_batches(inner.clone(), rx, commits.clone()));
        let log = GroupCommitLog {
            inner,
            queue,
            commits,
        };
        (Arc::new(log), writer)
    }

    /// How many batches the writer has written so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

/// The writer: takes what is queued (at least one entry, at most [`BATCH`]), stores it in one
/// transaction, and tells each waiting search the result.
async fn write_batches(
    store: Arc<dyn PortalStore>,
    mut rx: mpsc::Receiver<(SearchLogEntry, Reply)>,
    commits: Arc<AtomicU64>,
) {
    let mut queued: Vec<(SearchLogEntry, Reply)> = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut queued, BATCH).await > 0 {
        let (entries, replies): (Vec<SearchLogEntry>, Vec<Reply>) = queued.drain(..).unzip();
        let result = store
            .log_searches(&entries)
            .await
            .map_err(|e| e.to_string());
        commits.fetch_add(1, Ordering::Relaxed);
        for reply in replies {
            // The search may have been cancelled (client gone); its entry is stored anyway.
            let _ = reply.send(result.clone());
        }
    }
}

impl PortalStore for GroupCommitLog {
    fn name_index_position(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        self.inner.name_index_position()
    }

    fn name_index_scheme(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
        self.inner.name_index_scheme()
    }

    fn reset_name_index(&self, scheme: i64) -> BoxFuture<'_, Result<(), PortalError>> {
        self.inner.reset_name_index(scheme)
    }

    fn index_names<'a>(
        &'a self,
        rows: &'a [NameIndexRow],
        up_to: i64,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        self.inner.index_names(rows, up_to)
    }

    fn name_index_rows(
        &self,
        after: i64,
        up_to: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<NameIndexRow>, PortalError>> {
        self.inner.name_index_rows(after, up_to, limit)
    }

    fn persons_of<'a>(
        &'a self,
        record_ids: &'a [i64],
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, PortalError>> {
        self.inner.persons_of(record_ids)
    }

    fn public_reference<'a>(
        &'a self,
        person_id: &'a str,
        fresh: &'a str,
    ) -> BoxFuture<'a, Result<String, PortalError>> {
        self.inner.public_reference(person_id, fresh)
    }

    fn log_search<'a>(
        &'a self,
        entry: &'a SearchLogEntry,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            let (reply, done) = oneshot::channel();
            let stopped = || PortalError::Backend("the search log writer has stopped".into());
            self.queue
                .send((entry.clone(), reply))
                .await
                .map_err(|_| stopped())?;
            done.await
                .map_err(|_| stopped())?
                .map_err(PortalError::Backend)
        })
    }

    fn log_searches<'a>(
        &'a self,
        entries: &'a [SearchLogEntry],
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        self.inner.log_searches(entries)
    }

    fn open_case<'a>(&'a self, case: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>> {
        self.inner.open_case(case)
    }

    fn add_tip<'a>(&'a self, tip: &'a NewTip) -> BoxFuture<'a, Result<i64, PortalError>> {
        self.inner.add_tip(tip)
    }

    fn find_case<'a>(
        &'a self,
        code_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<CaseView>, PortalError>> {
        self.inner.find_case(code_hash)
    }

    fn share_update<'a>(
        &'a self,
        case_id: i64,
        update: &'a SharedUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        self.inner.share_update(case_id, update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::MemoryPortal;
    use athar_store::portal::PublicQuery;

    fn entry(i: i64) -> SearchLogEntry {
        SearchLogEntry {
            at_unix: 1_800_000_000 + i,
            client_key: format!("198.51.100.{}", i % 250),
            query: PublicQuery {
                name: "محمد الحلبي".into(),
                birth_year: Some(1980),
                ..Default::default()
            },
            outcome: "no_record".into(),
        }
    }

    /// Searches that arrive together share a commit, every entry is stored, and each search
    /// is answered only after its entry is.
    #[tokio::test(flavor = "current_thread")]
    async fn searches_that_arrive_together_share_one_commit() {
        let memory = Arc::new(MemoryPortal::default());
        let (log, writer) = GroupCommitLog::start(memory.clone());
        let searches: Vec<_> = (0..300)
            .map(|i| {
                let log = log.clone();
                let memory = memory.clone();
                tokio::spawn(async move {
                    log.log_search(&entry(i)).await?;
                    // Answered: the entry is in the store.
                    let stored = memory.inspect(|d| d.searches.iter().any(|e| e == &entry(i)));
                    Ok::<bool, PortalError>(stored)
                })
            })
            .collect();
        for s in searches {
            assert!(
                s.await.unwrap().unwrap(),
                "answered before its entry was stored"
            );
        }
        assert_eq!(memory.inspect(|d| d.searches.len()), 300);
        assert!(
            log.commits() < 10,
            "{} commits for 300 searches",
            log.commits()
        );
        drop(log);
        writer.await.unwrap();
    }

    /// A failed commit fails the searches that waited for it.
    #[tokio::test]
    async fn a_failed_commit_fails_its_searches() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("log.db").display());
        let store = athar_store_sqlite::SqliteStore::open(&url, true)
            .await
            .unwrap();
        store.close().await;
        let (log, writer) = GroupCommitLog::start(Arc::new(store));
        assert!(log.log_search(&entry(1)).await.is_err());
        drop(log);
        writer.await.unwrap();
    }

    /// On shutdown (the store dropped), what is queued is written before the writer ends.
    #[tokio::test(flavor = "current_thread")]
    async fn the_writer_drains_the_queue_when_dropped() {
        let memory = Arc::new(MemoryPortal::default());
        let (log, writer) = GroupCommitLog::start(memory.clone());
        let waiting: Vec<_> = (0..50)
            .map(|i| {
                let log = log.clone();
                tokio::spawn(async move { log.log_search(&entry(i)).await })
            })
            .collect();
        // Let every search queue its entry, then drop the last handle on the store.
        tokio::task::yield_now().await;
        drop(log);
        for w in waiting {
            w.await.unwrap().unwrap();
        }
        writer.await.unwrap();
        assert_eq!(memory.inspect(|d| d.searches.len()), 50);
    }
}
