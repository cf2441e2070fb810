//! SQLite lets one transaction write at a time. Writers that meet at its
//! file lock wait in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15 …
//! up to 100 ms between looks: under load a writer sleeps on long after the
//! lock came free, and every extra writer (the notification worker beside
//! four approvers, say) costs far more than its own work. The writers of
//! one process take turns here instead, in order of arrival, and reach
//! `BEGIN IMMEDIATE` when the lock is theirs. Another process (the CLI,
//! a second portal on the same file) still meets them at the file lock.

use super::StoreError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue of one store's writers (tokio's mutex hands its turns out first
/// come, first served), and how long one waits before the answer is "not
/// now" (503), as when SQLite gives up waiting for its lock.
pub struct WriteTurns {
    queue: Arc<Mutex<()>>,
    longest_wait: Duration,
}

/// One writer's turn: held by its transaction, given back when that
/// transaction commits or is dropped.
pub struct WriteTurn {
    _held: OwnedMutexGuard<()>,
}

/// A writer's turn where the database needs one (`None`: PostgreSQL, whose
/// writers wait only for the rows they share).
pub(crate) async fn turn_in(turns: Option<&WriteTurns>) -> Result<Option<WriteTurn>, StoreError> {
    match turns {
        Some(turns) => Ok(Some(turns.take().await?)),
        None => Ok(None),
    }
}

impl WriteTurns {
    pub(crate) fn new(longest_wait: Duration) -> WriteTurns {
        WriteTurns { queue: Arc::default(), longest_wait }
    }

    pub(crate) async fn take(&self) -> Result<WriteTurn, StoreError> {
        match tokio::time::timeout(self.longest_wait, self.queue.clone().lock_owned()).await {
            Ok(held) => Ok(WriteTurn { _held: held }),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writers_take_turns_in_the_order_they_came() {
        let turns = Arc::new(WriteTurns::new(Duration::from_secs(10)));
        let first = turns.take().await.expect("free");
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for n in 0..3 {
            let (turns, order) = (turns.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = turns.take().await.expect("a turn");
                order.lock().expect("order").push(n);
            }));
            // Each waiter queues before the next one is spawned.
            tokio::task::yield_now().await;
        }
        assert!(order.lock().expect("order").is_empty(), "no one writes while a turn is held");
        drop(first);
        for waiter in waiting {
            waiter.await.expect("waiter");
        }
        assert_eq!(*order.lock().expect("order"), vec![0, 1, 2]);
    }

    #[tokio::test]
    async fn a_writer_that_waits_past_the_longest_wait_is_told_not_now() {
        let turns = WriteTurns::new(Duration::from_millis(50));
        let _held = turns.take().await.expect("free");
        let refused = turns.take().await.err().expect("a refusal");
        assert!(matches!(refused, StoreError::Unavailable(_)), "{refused:?}");
    }
}
