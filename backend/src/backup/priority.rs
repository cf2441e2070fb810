//! A backup yields the processor to the portal serving beside it: its work
//! runs on a thread of its own at a lower scheduling priority, and the
//! threads it starts there (SQLite's connection threads) inherit it, so the
//! copy and the check of its audit chain take what the portal leaves over.
//! On a busy machine a backup takes longer; pages do not.

use std::future::Future;

/// How much nicer than the portal backups run: as nice as Linux allows, so
/// the portal's threads get about seventy times a backup's share of a
/// processor they compete for. (At 10, a backup still raised the overview's
/// p99 by 23 % on a busy 2-core machine; at 19 by 6–8 %: BENCHMARKS.md.)
const BACKUP_NICENESS: i32 = 19;
/// The most a thread may yield (Linux's nice values end at 19).
const MOST_NICE: i32 = 19;

/// Runs `work` to its end on a thread of its own, [`BACKUP_NICENESS`] below the caller.
pub(super) async fn yielding<Work, Done, T>(work: Work) -> std::io::Result<T>
where
    Work: FnOnce() -> Done + Send + 'static,
    Done: Future<Output = T>,
    T: Send + 'static,
{
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new().name("airlock-backup".into()).spawn(move || {
        // On Linux the nice value is the calling thread's (and its new threads'), not the
        // process's; this thread starts with the portal's, and goes BACKUP_NICENESS below it.
        let portal = rustix::process::getpriority_process(None).unwrap_or(0);
        if let Err(error) = rustix::process::setpriority_process(None, (portal + BACKUP_NICENESS).min(MOST_NICE)) {
            tracing::warn!(%error, "the backup runs at the portal's own priority");
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let _ = sender.send(runtime.map(|runtime| runtime.block_on(work())));
    })?;
    receiver.await.map_err(|_| std::io::Error::other("the backup's thread ended without an answer"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_backup_and_the_threads_it_starts_run_below_the_portal_s_priority() {
        let here = rustix::process::getpriority_process(None).expect("this thread's");
        let (backup, started_by_it) = yielding(|| async {
            let started = std::thread::spawn(|| rustix::process::getpriority_process(None).expect("its thread's"));
            (rustix::process::getpriority_process(None).expect("the backup's"), started.join().expect("joined"))
        })
        .await
        .expect("ran");
        let below = (here + BACKUP_NICENESS).min(MOST_NICE);
        assert_eq!((backup, started_by_it), (below, below));
        assert_eq!(rustix::process::getpriority_process(None).expect("this thread's"), here, "the caller's own stays");
    }
}
