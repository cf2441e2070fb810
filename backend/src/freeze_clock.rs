//! When an environment's freeze windows open and close: a fixed window is
//! what it says; a recurring one opens at each start of its cron schedule,
//! read as wall-clock time in its time zone (so "18:00 on Fridays in
//! Berlin" stays 18:00 across the change to and from summer time), and
//! lasts its duration. The gate is handed the result (`OpenFreeze`).

use airlock_domain::freeze::{Freeze, FreezeWindow, OpenFreeze};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::Cron;
use std::str::FromStr;

/// Why a recurring window cannot be read, for the world file's refusal.
pub(crate) fn check_recurring(cron: &str, time_zone: &str) -> Result<(), String> {
    schedule(cron)?;
    zone(time_zone)?;
    Ok(())
}

fn schedule(cron: &str) -> Result<Cron, String> {
    // Five fields only: minute hour day-of-month month day-of-week.
    if cron.split_whitespace().count() != 5 {
        return Err(format!("\u{201c}{cron}\u{201d} is not a five-field cron schedule (minute hour day month weekday)"));
    }
    Cron::from_str(cron).map_err(|e| format!("\u{201c}{cron}\u{201d} is not a cron schedule Airlock reads: {e}"))
}

fn zone(time_zone: &str) -> Result<Tz, String> {
    time_zone.parse::<Tz>().map_err(|_| format!("\u{201c}{time_zone}\u{201d} is not an IANA time zone (e.g. Europe/Berlin)"))
}

/// The window of `freeze` open at `now`, else the next to open (none for a
/// fixed window that has ended, or a schedule that cannot be read).
pub(crate) fn window(freeze: &Freeze, now: DateTime<Utc>) -> Option<OpenFreeze> {
    let open =
        |from: DateTime<Utc>, until: DateTime<Utc>| OpenFreeze { name: freeze.name.clone(), reason: freeze.reason.clone(), from, until };
    match &freeze.window {
        FreezeWindow::Once { from, until } => {
            let (from, until) = (from.with_timezone(&Utc), until.with_timezone(&Utc));
            (now < until).then(|| open(from, until))
        }
        FreezeWindow::Recurring { cron, duration_seconds, time_zone } => {
            let (cron, tz) = (schedule(cron).ok()?, zone(time_zone).ok()?);
            let length = Duration::seconds(i64::try_from(*duration_seconds).ok()?);
            // The latest start at or before now: if it is less than a window ago, it is open.
            let local_now = now.with_timezone(&tz);
            if let Ok(start) = cron.find_previous_occurrence(&local_now, true) {
                let start = start.with_timezone(&Utc);
                if now < start + length {
                    return Some(open(start, start + length));
                }
            }
            let next = cron.find_next_occurrence(&local_now, false).ok()?.with_timezone(&Utc);
            Some(open(next, next + length))
        }
    }
}

/// Of all `freezes`, one open at `now` (the one that stays open longest),
/// else the one that opens next: what the gate and the pages are told.
pub(crate) fn open_or_next(freezes: &[Freeze], now: DateTime<Utc>) -> Option<OpenFreeze> {
    let windows: Vec<OpenFreeze> = freezes.iter().filter_map(|f| window(f, now)).collect();
    let open = windows.iter().filter(|w| w.is_open_at(now)).max_by_key(|w| w.until).cloned();
    open.or_else(|| windows.into_iter().min_by_key(|w| w.from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn weekends() -> Freeze {
        let window =
            FreezeWindow::Recurring { cron: "0 18 * * FRI".into(), duration_seconds: 62 * 3600, time_zone: "Europe/Berlin".into() };
        Freeze { name: "weekends".into(), reason: "No deploys over the weekend".into(), window }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid time")
    }

    #[test]
    fn a_weekly_window_opens_at_six_on_friday_berlin_time_in_winter_and_summer() {
        // Winter (CET, UTC+1): Friday 2026-12-11 18:00 Berlin is 17:00 UTC.
        let winter = window(&weekends(), utc(2026, 12, 11, 17, 30)).expect("a window");
        assert_eq!((winter.from, winter.until), (utc(2026, 12, 11, 17, 0), utc(2026, 12, 14, 7, 0)));
        assert!(winter.is_open_at(utc(2026, 12, 11, 17, 30)));
        // Summer (CEST, UTC+2): Friday 2027-07-02 18:00 Berlin is 16:00 UTC.
        let summer = window(&weekends(), utc(2027, 7, 2, 16, 30)).expect("a window");
        assert_eq!(summer.from, utc(2027, 7, 2, 16, 0));
        assert!(!window(&weekends(), utc(2027, 7, 2, 15, 59)).expect("next").is_open_at(utc(2027, 7, 2, 15, 59)));
    }

    #[test]
    fn a_window_across_the_change_to_summer_time_lasts_its_hours_not_its_wall_clock() {
        // Friday 2027-03-26 18:00 CET (17:00 UTC); clocks go forward on Sunday the 28th.
        let w = window(&weekends(), utc(2027, 3, 28, 12, 0)).expect("open over the change");
        assert_eq!((w.from, w.until), (utc(2027, 3, 26, 17, 0), utc(2027, 3, 29, 7, 0)));
        assert!(w.is_open_at(utc(2027, 3, 29, 6, 59)) && !w.is_open_at(utc(2027, 3, 29, 7, 0)));
    }

    #[test]
    fn outside_every_window_the_next_one_is_named() {
        let tuesday = utc(2026, 12, 8, 10, 0);
        let next = open_or_next(&[weekends()], tuesday).expect("the next weekend");
        assert!(!next.is_open_at(tuesday));
        assert_eq!(next.from, utc(2026, 12, 11, 17, 0));
    }

    #[test]
    fn a_fixed_window_that_has_ended_is_no_longer_named() {
        let from = chrono::DateTime::parse_from_rfc3339("2026-12-20T00:00:00+01:00").expect("time");
        let until = chrono::DateTime::parse_from_rfc3339("2027-01-04T08:00:00+01:00").expect("time");
        let year_end = Freeze { name: "year-end".into(), reason: "Year-end freeze".into(), window: FreezeWindow::Once { from, until } };
        assert!(window(&year_end, utc(2026, 12, 25, 0, 0)).is_some_and(|w| w.is_open_at(utc(2026, 12, 25, 0, 0))));
        assert!(window(&year_end, utc(2027, 1, 4, 7, 0)).is_none());
    }

    #[test]
    fn schedules_and_zones_that_cannot_be_read_are_named() {
        assert!(check_recurring("0 18 * * FRI", "Europe/Berlin").is_ok());
        assert!(check_recurring("0 18 * * FRI *", "Europe/Berlin").is_err_and(|e| e.contains("five-field")));
        assert!(check_recurring("0 25 * * FRI", "Europe/Berlin").is_err());
        assert!(check_recurring("0 18 * * FRI", "Europe/Bärlin").is_err_and(|e| e.contains("IANA")));
    }
}
