//! Durations as the world file writes them: a whole number and one unit,
//! `s`, `m`, `h` or `d` (`72h`, `30m`).

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// Seconds in `text`, or why it is not a duration.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let wrong = || format!("\u{201c}{text}\u{201d} is not a duration: write a whole number and one unit, s, m, h or d (e.g. 72h)");
    let unit = text.chars().last().ok_or_else(wrong)?;
    let (_, seconds) = UNITS.iter().find(|(u, _)| *u == unit).ok_or_else(wrong)?;
    let number = &text[..text.len() - unit.len_utf8()];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    let count: u64 = number.parse().map_err(|_| wrong())?;
    match count.checked_mul(*seconds) {
        Some(0) => Err(format!("\u{201c}{text}\u{201d} is no time at all: a duration must be longer than 0")),
        Some(total) => Ok(total),
        None => Err(wrong()),
    }
}

/// `seconds` in the largest unit that divides it evenly (259200 → `3d`);
/// parsing it gives the same number back.
pub fn format_duration(seconds: u64) -> String {
    let (unit, size) = UNITS.iter().find(|(_, size)| seconds.is_multiple_of(*size)).copied().unwrap_or(('s', 1));
    format!("{}{unit}", seconds / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_a_number_and_one_unit() {
        assert_eq!(parse_duration("72h"), Ok(72 * 3600));
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        for wrong in ["", "h", "72", "7.5h", "-1h", "1w", "1 h", "0h", "99999999999999999999d"] {
            assert!(parse_duration(wrong).is_err(), "{wrong:?} was accepted");
        }
    }

    #[test]
    fn a_written_duration_reads_back_as_the_same_seconds() {
        for seconds in [1, 59, 60, 3600, 7200, 86_400, 259_200, 90_061] {
            assert_eq!(parse_duration(&format_duration(seconds)), Ok(seconds));
        }
        assert_eq!(format_duration(72 * 3600), "3d");
        assert_eq!(format_duration(62 * 3600), "62h");
    }
}
