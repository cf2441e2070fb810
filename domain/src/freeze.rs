//! Freeze windows: spans of time in which an environment takes no
//! dispatches (a year-end freeze, every weekend). Whether a window is open
//! at a given moment needs the time-zone database and a cron calendar, which
//! the server holds and the browser does not: the server works it out when
//! it reads a release and hands the gate the answer, an [`OpenFreeze`], so
//! the browser's verdict is the server's.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// One named window of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freeze {
    pub name: String,
    /// Shown to whoever is refused, e.g. "Year-end freeze".
    pub reason: String,
    pub window: FreezeWindow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FreezeWindow {
    /// From one instant until another (the offsets are kept as written).
    Once { from: DateTime<FixedOffset>, until: DateTime<FixedOffset> },
    /// Opens at every start of a five-field cron schedule read in
    /// `time_zone` (an IANA name), and lasts `duration_seconds`.
    Recurring { cron: String, duration_seconds: u64, time_zone: String },
}

/// A window as it applies at one moment: open now (`from` ≤ now < `until`),
/// or the next one to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenFreeze {
    pub name: String,
    pub reason: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl OpenFreeze {
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.from <= now && now < self.until
    }
}

/// An admin's written decision to let one release through a freeze. It
/// costs one approval more than usual, and the release's own author cannot
/// give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlass {
    pub by: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    /// Whether the audit log records it; one written behind Airlock's back counts for nothing.
    #[serde(default = "recorded")]
    pub recorded: bool,
}

fn recorded() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_window_is_open_from_its_start_until_just_before_its_end() {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 24, h, 0, 0).single().expect("a valid time");
        let freeze = OpenFreeze { name: "xmas".into(), reason: "Holidays".into(), from: at(8), until: at(18) };
        assert!(!freeze.is_open_at(at(7)));
        assert!(freeze.is_open_at(at(8)));
        assert!(freeze.is_open_at(at(17)));
        assert!(!freeze.is_open_at(at(18)));
    }

    #[test]
    fn a_stored_window_keeps_the_offset_it_was_written_with() {
        let from = DateTime::parse_from_rfc3339("2026-12-20T00:00:00+01:00").expect("rfc3339");
        let until = DateTime::parse_from_rfc3339("2027-01-04T08:00:00+01:00").expect("rfc3339");
        let freeze = Freeze { name: "year-end".into(), reason: "Year-end freeze".into(), window: FreezeWindow::Once { from, until } };
        let text = serde_json::to_string(&freeze).expect("json");
        assert!(text.contains("2026-12-20T00:00:00+01:00"), "{text}");
        assert_eq!(serde_json::from_str::<Freeze>(&text).expect("back"), freeze);
    }
}
