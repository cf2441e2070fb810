//! Sessions kept in memory beside the database, for a server that is the only
//! one on its database: the embedded SQLite, whose server holds the
//! database's lock (`airlock serve` refuses to start a second). Every session
//! is then created, saved and ended through this process, so what it keeps
//! cannot fall behind the database. Reading the session row for every
//! request (a round trip to SQLite's worker thread) was a third of the cost
//! of a page already rendered.
//!
//! On PostgreSQL another replica may end a session at any moment, so there
//! every request reads the database and sign-out is immediate everywhere.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use tower_sessions::session::{Id, Record};

/// Beyond this many sessions, memory starts again from empty (and the
/// database answers until it fills up again).
const MOST_KEPT: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct SessionMemory {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    records: HashMap<Id, Record>,
    /// Moves on whenever a session is ended. A record read from (or written
    /// to) the database while it moved may be one that was just ended: it is
    /// not kept.
    endings: u64,
}

impl SessionMemory {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The record, unless it has expired (then it is forgotten).
    pub(crate) fn get(&self, id: &Id, now_unix: i64) -> Option<Record> {
        let mut kept = self.kept();
        match kept.records.get(id) {
            Some(record) if record.expiry_date.unix_timestamp() > now_unix => Some(record.clone()),
            Some(_) => {
                kept.records.remove(id);
                None
            }
            None => None,
        }
    }

    /// Where the endings count stands before a database read or write.
    pub(crate) fn endings(&self) -> u64 {
        self.kept().endings
    }

    /// Keeps `record` as the database has it now, unless a session was ended
    /// since `endings` was read.
    pub(crate) fn keep(&self, endings: u64, record: &Record) {
        let mut kept = self.kept();
        if kept.endings != endings {
            kept.records.remove(&record.id);
            return;
        }
        if kept.records.len() >= MOST_KEPT && !kept.records.contains_key(&record.id) {
            kept.records.clear();
        }
        kept.records.insert(record.id, record.clone());
    }

    pub(crate) fn forget(&self, id: &Id) {
        let mut kept = self.kept();
        kept.endings += 1;
        kept.records.remove(id);
    }

    /// After sessions were ended by who they belong to (an admin's action).
    pub(crate) fn forget_all(&self) {
        let mut kept = self.kept();
        kept.endings += 1;
        kept.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expires_unix: i64) -> Record {
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_unix).expect("a time");
        Record { id: Id::default(), data: HashMap::new(), expiry_date }
    }

    #[test]
    fn a_kept_session_is_read_until_it_expires() {
        let memory = SessionMemory::default();
        let session = record(1_000);
        memory.keep(memory.endings(), &session);
        assert!(memory.get(&session.id, 999).is_some());
        assert!(memory.get(&session.id, 1_000).is_none(), "expired");
        assert!(memory.get(&session.id, 999).is_none(), "and forgotten");
    }

    #[test]
    fn an_ended_session_is_forgotten() {
        let memory = SessionMemory::default();
        let (one, two) = (record(1_000), record(1_000));
        memory.keep(memory.endings(), &one);
        memory.keep(memory.endings(), &two);
        memory.forget(&one.id);
        assert!(memory.get(&one.id, 0).is_none());
        assert!(memory.get(&two.id, 0).is_some());
        memory.forget_all();
        assert!(memory.get(&two.id, 0).is_none());
    }

    #[test]
    fn a_read_that_raced_an_ending_is_not_kept() {
        let memory = SessionMemory::default();
        let session = record(1_000);
        let before_the_read = memory.endings();
        memory.forget(&session.id); // ended while the database was read
        memory.keep(before_the_read, &session);
        assert!(memory.get(&session.id, 0).is_none(), "what the read saw may be the ended session");
    }
}
