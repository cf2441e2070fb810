//! Failed sign-ins are audit entries, but anyone can fail a sign-in: a forged
//! `/auth/callback?state=x` costs the caller nothing. Written one by one they
//! would let an anonymous caller grow the append-only log, and take its lock,
//! without bound. So they are coalesced: per source and reason, the first
//! failure of each minute is written at once (an attack is visible at once),
//! and the failures after it in that minute become one more entry with their
//! count when the minute is over. The sum of the entries' counts is every
//! failure; a source failing non-stop writes at most two entries a minute.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Sources followed one by one; past this many in one minute, further new
/// sources share one key, so the map (and the entries) stay bounded too.
const MAX_SOURCES: usize = 1_000;
/// What the sources past [`MAX_SOURCES`] are written as.
pub const MANY_SOURCES: &str = "many sources";

/// One audit entry's worth of failed sign-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedSignIns {
    pub source: String,
    pub reason: String,
    /// How many failures this entry stands for.
    pub count: u64,
    /// The start of the minute they happened in.
    pub minute: DateTime<Utc>,
}

#[derive(Default)]
pub(crate) struct Coalescer {
    windows: Mutex<HashMap<(String, String), Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    minute: i64,
    /// Failures after the first in this minute, not yet written.
    held: u64,
}

impl Coalescer {
    /// Notes one failure; the entry to write now, if it is the first of its
    /// minute (with what an earlier minute of the same key still held).
    pub(crate) fn record(&self, source: &str, reason: &str, now: DateTime<Utc>) -> Vec<FailedSignIns> {
        let minute = now.timestamp().div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let mut key = (source.to_owned(), reason.to_owned());
        if !windows.contains_key(&key) && windows.len() >= MAX_SOURCES {
            key.0 = MANY_SOURCES.to_owned();
        }
        let mut due = Vec::new();
        match windows.get_mut(&key) {
            Some(window) if window.minute == minute => {
                window.held += 1;
                return due;
            }
            Some(window) => {
                due.extend(held_entry(&key, *window));
                *window = Window { minute, held: 0 };
            }
            None => {
                windows.insert(key.clone(), Window { minute, held: 0 });
            }
        }
        due.push(entry(&key, minute, 1));
        due
    }

    /// The held counts of every minute that is over, forgetting those keys.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> Vec<FailedSignIns> {
        let minute = now.timestamp().div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let mut due = Vec::new();
        windows.retain(|key, window| {
            if window.minute >= minute {
                return true;
            }
            due.extend(held_entry(key, *window));
            false
        });
        due
    }
}

fn held_entry(key: &(String, String), window: Window) -> Option<FailedSignIns> {
    (window.held > 0).then(|| entry(key, window.minute, window.held))
}

fn entry((source, reason): &(String, String), minute: i64, count: u64) -> FailedSignIns {
    FailedSignIns {
        source: source.clone(),
        reason: reason.clone(),
        count,
        minute: DateTime::from_timestamp(minute * 60, 0).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(seconds: i64) -> DateTime<Utc> {
        // A whole minute (30,000,000 minutes after the epoch), plus `seconds`.
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
    }

    fn total(entries: &[FailedSignIns]) -> u64 {
        entries.iter().map(|e| e.count).sum()
    }

    #[test]
    fn a_hundred_failures_in_a_minute_are_two_entries_that_count_them_all() {
        let coalescer = Coalescer::default();
        let mut written = Vec::new();
        for i in 0..100 {
            written.extend(coalescer.record("198.51.100.7", "state_mismatch", at(i * 59 / 100)));
        }
        assert_eq!(written.len(), 1, "the first is written at once");
        assert!(coalescer.due(at(59)).is_empty(), "the minute is not over");
        written.extend(coalescer.due(at(60)));
        assert_eq!((written.len(), total(&written)), (2, 100));
        assert!(coalescer.due(at(120)).is_empty(), "nothing is written twice");
    }

    #[test]
    fn sources_and_reasons_are_kept_apart_and_a_new_minute_writes_what_the_last_held() {
        let coalescer = Coalescer::default();
        assert_eq!(coalescer.record("a", "state_mismatch", at(1)).len(), 1);
        assert_eq!(coalescer.record("b", "state_mismatch", at(2)).len(), 1);
        assert_eq!(coalescer.record("a", "nonce", at(3)).len(), 1);
        assert!(coalescer.record("a", "state_mismatch", at(4)).is_empty());
        let next_minute = coalescer.record("a", "state_mismatch", at(61));
        assert_eq!(next_minute.iter().map(|e| e.count).collect::<Vec<_>>(), [1, 1], "the held one, then the new minute's first");
        assert_eq!(next_minute[0].minute, at(0));
    }

    #[test]
    fn endless_new_sources_share_one_key_past_the_limit() {
        let coalescer = Coalescer::default();
        let mut written = Vec::new();
        for i in 0..(MAX_SOURCES as i64 + 500) {
            written.extend(coalescer.record(&format!("10.0.{}.{}", i / 256, i % 256), "state_mismatch", at(0) + Duration::milliseconds(i)));
        }
        written.extend(coalescer.due(at(60)));
        assert_eq!(written.len(), MAX_SOURCES + 2, "one per followed source, and two for the rest");
        assert_eq!(total(&written), MAX_SOURCES as u64 + 500);
        assert!(written.iter().any(|e| e.source == MANY_SOURCES && e.count == 499));
    }
}
