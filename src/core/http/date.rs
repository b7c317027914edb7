//! HTTP dates (RFC 9110 5.6.7) and the UTC calendar arithmetic ([`utc`])
//! the listing and the access log also use: a days-to-civil-date
//! conversion written out by hand, valid for the whole `i64` range of
//! seconds, with no time-zone database.
//!
//! Why not the `httpdate` crate: it takes exactly RFC 9110's three formats
//! between 1970 and 9999, while Mongoose 5.4 also accepted
//! `DD/Mon/YYYY HH:MM:SS` and its variants in `If-Modified-Since` (programs
//! and caches written against it send them), file times can be before 1970
//! or absurdly far ahead (where `httpdate` panics or fails), and the listing
//! and access-log formats need the calendar fields, which it does not
//! expose. What is left here is that calendar and one parser for every form.

/// English day names, Sunday first, as used in HTTP dates.
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// English month abbreviations, January first.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Full day names, accepted in RFC 850 dates.
const LONG_WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const SECS_PER_DAY: i64 = 86_400;

/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_SHIFT: i64 = 719_468;

/// Days in a 400-year cycle of the Gregorian calendar.
const DAYS_PER_ERA: i64 = 146_097;

/// A moment broken down into UTC calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Sunday to 6 = Saturday.
    pub weekday: u32,
}

impl UtcTime {
    /// The month abbreviation, e.g. `Nov`.
    pub fn month_name(&self) -> &'static str {
        MONTHS[(self.month as usize).saturating_sub(1) % 12]
    }

    /// The weekday abbreviation, e.g. `Sun`.
    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday as usize % 7]
    }
}

/// Converts a count of small non-negative calendar units to `u32`.
fn small(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Breaks `unix_secs` (seconds since 1970-01-01T00:00:00Z) into UTC fields.
pub fn utc(unix_secs: i64) -> UtcTime {
    let days = unix_secs.div_euclid(SECS_PER_DAY);
    let secs = unix_secs.rem_euclid(SECS_PER_DAY);

    // Count from 0000-03-01 so that the leap day ends each year; a year
    // then is 365 days plus the usual 4/100/400 corrections.
    let z = days + EPOCH_SHIFT;
    let era = z.div_euclid(DAYS_PER_ERA);
    let day_of_era = z - era * DAYS_PER_ERA; // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);

    UtcTime {
        year,
        month: small(month),
        day: small(day),
        hour: small(secs / 3600),
        minute: small(secs % 3600 / 60),
        second: small(secs % 60),
        // 1970-01-01 was a Thursday.
        weekday: small((days + 4).rem_euclid(7)),
    }
}

/// Days since 1970-01-01 of the given proleptic Gregorian date (the
/// inverse of the date part of [`utc`]). `month` is 1 to 12.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = i64::from((month + 9) % 12); // 0 = March
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats `unix_secs` as an RFC 1123 date: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(unix_secs: i64) -> String {
    let t = utc(unix_secs);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        t.weekday_name(),
        t.day,
        t.month_name(),
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

/// A tiny byte cursor for the date parser.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns whether any were skipped.
    fn spaces(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }

    fn letters(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// Reads `min..=max` decimal digits.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let start = self.i;
        let mut value: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        let len = self.i - start;
        if len < min || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((value, len))
    }

    /// Reads `HH:MM:SS`.
    fn time(&mut self) -> Option<(u32, u32, u32)> {
        let (h, _) = self.number(1, 2)?;
        if !self.eat(b':') {
            return None;
        }
        let (m, _) = self.number(2, 2)?;
        if !self.eat(b':') {
            return None;
        }
        let (s, _) = self.number(2, 2)?;
        Some((h, m, s))
    }

    fn month(&mut self) -> Option<u32> {
        let word = self.letters();
        MONTHS
            .iter()
            .position(|m| m.as_bytes().eq_ignore_ascii_case(word))
            .and_then(|i| u32::try_from(i + 1).ok())
    }

    /// Accepts the end of the value, optionally after a UTC zone name.
    fn utc_trailer(&mut self) -> bool {
        self.spaces();
        let rest = &self.s[self.i..];
        let zone_len = [&b"GMT"[..], b"UTC", b"UT", b"Z", b"+0000", b"-0000"]
            .iter()
            .find(|z| rest.len() >= z.len() && rest[..z.len()].eq_ignore_ascii_case(z))
            .map_or(0, |z| z.len());
        self.i += zone_len;
        self.spaces();
        self.i == self.s.len()
    }
}

/// Builds the timestamp after checking every field's range.
fn to_unix(year: i64, month: u32, day: u32, (h, m, s): (u32, u32, u32)) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * SECS_PER_DAY + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
}

/// A two-digit RFC 850 year: 70-99 are 19xx, 00-69 are 20xx.
fn full_year(value: u32, digits: usize) -> i64 {
    let y = i64::from(value);
    match digits {
        2 if y >= 70 => 1900 + y,
        2 => 2000 + y,
        _ => y,
    }
}

/// Parses an HTTP date and returns seconds since the epoch, or `None`.
///
/// Accepted, with the time always taken as UTC:
/// * RFC 1123 `Sun, 06 Nov 1994 08:49:37 GMT`;
/// * RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit years 70-99 are
///   19xx, 00-69 are 20xx; four digits are accepted too);
/// * asctime `Sun Nov  6 08:49:37 1994`;
/// * the Mongoose 5.4 forms `DD/Mon/YYYY HH:MM:SS`, `DD Mon YYYY HH:MM:SS`,
///   `DD-Mon-YYYY HH:MM:SS` (the weekday is optional everywhere, and a `:`
///   may join the year and the time as in log files).
///
/// Month and weekday names ignore ASCII case. A zone other than `GMT`,
/// `UTC`, `UT`, `Z` or `+0000` makes the value invalid, as do trailing
/// bytes and out-of-range fields.
pub fn parse_http_date(s: &[u8]) -> Option<i64> {
    let mut c = Cursor { s, i: 0 };
    c.spaces();
    if c.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        let save = c.i;
        let word = c.letters();
        let is_weekday = WEEKDAYS
            .iter()
            .chain(LONG_WEEKDAYS.iter())
            .any(|d| d.as_bytes().eq_ignore_ascii_case(word));
        if is_weekday {
            c.eat(b',');
            if !c.spaces() {
                return None;
            }
        } else {
            c.i = save; // asctime without a weekday: starts with the month
        }
    }

    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        // DD <sep> Mon <sep> YYYY <space or :> HH:MM:SS
        let (day, _) = c.number(1, 2)?;
        let sep = c.peek()?;
        match sep {
            b' ' => {
                c.spaces();
            }
            b'-' | b'/' => c.i += 1,
            _ => return None,
        }
        let month = c.month()?;
        match sep {
            b' ' => {
                if !c.spaces() {
                    return None;
                }
            }
            _ => {
                if !c.eat(sep) {
                    return None;
                }
            }
        }
        let (year, digits) = c.number(2, 4)?;
        if digits == 3 {
            return None;
        }
        if !c.eat(b':') && !c.spaces() {
            return None;
        }
        let time = c.time()?;
        if !c.utc_trailer() {
            return None;
        }
        to_unix(full_year(year, digits), month, day, time)
    } else {
        // asctime: Mon DD HH:MM:SS YYYY
        let month = c.month()?;
        if !c.spaces() {
            return None;
        }
        let (day, _) = c.number(1, 2)?;
        if !c.spaces() {
            return None;
        }
        let time = c.time()?;
        if !c.spaces() {
            return None;
        }
        let (year, _) = c.number(4, 4)?;
        if !c.utc_trailer() {
            return None;
        }
        to_unix(i64::from(year), month, day, time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_known_dates() {
        let t = utc(784_111_777);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday),
            (1994, 11, 6, 8, 49, 37, 0)
        );
        assert_eq!(utc(0).year, 1970);
        assert_eq!(utc(0).weekday, 4);
        let t = utc(-1);
        assert_eq!((t.year, t.month, t.day, t.hour), (1969, 12, 31, 23));
        let t = utc(951_782_400); // 2000-02-29
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        let t = utc(4_107_542_400); // 2100-03-01 (2100 is not a leap year)
        assert_eq!((t.year, t.month, t.day), (2100, 3, 1));
        // Extremes do not panic.
        let _ = utc(i64::MAX);
        let _ = utc(i64::MIN);
    }

    #[test]
    fn civil_round_trip() {
        let mut t = -80 * 365 * SECS_PER_DAY;
        while t < 200 * 365 * SECS_PER_DAY {
            let u = utc(t);
            let back = days_from_civil(u.year, u.month, u.day) * SECS_PER_DAY
                + i64::from(u.hour * 3600 + u.minute * 60 + u.second);
            assert_eq!(back, t);
            t += 86_399 * 7 + 13;
        }
    }

    #[test]
    fn formats_rfc1123() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_795_840_590), "Sat, 28 Nov 2026 04:36:30 GMT");
    }

    #[test]
    fn parses_all_forms() {
        let want = Some(784_111_777);
        let forms: &[&str] = &[
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
            "06/Nov/1994 08:49:37",
            "06/Nov/1994:08:49:37 +0000",
            "06 Nov 1994 08:49:37",
            "06-Nov-1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37",
            "sun, 06 nov 1994 08:49:37 gmt",
            "  Sun, 06 Nov 1994 08:49:37 GMT  ",
            "Sun, 6 Nov 1994 08:49:37 UTC",
        ];
        for f in forms {
            assert_eq!(parse_http_date(f.as_bytes()), want, "{f:?}");
        }
        assert_eq!(parse_http_date(b"Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date(b"Mon, 01-Jan-01 00:00:00 GMT"),
            Some(978_307_200)
        );
    }

    #[test]
    fn rejects_bad_dates() {
        let bad: &[&[u8]] = &[
            b"",
            b"yesterday",
            b"Sun, 32 Nov 1994 08:49:37 GMT",
            b"Sun, 29 Feb 1900 08:49:37 GMT",
            b"Sun, 06 Foo 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:00:00 GMT",
            b"Sun, 06 Nov 1994 08:60:00 GMT",
            b"Sun, 06 Nov 1994 08:49:37 PST",
            b"Sun, 06 Nov 1994 08:49:37 +0200",
            b"Sun, 06 Nov 1994 08:49:37 GMT junk",
            b"Sun, 06 Nov 199 08:49:37 GMT",
            b"Sun, 06 Nov 19940 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49",
            b"06/Nov-1994 08:49:37",
            b"Sun,06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 GMT\0",
            b"Sun, 999999999999 Nov 1994 08:49:37 GMT",
            b"\xff\xfe",
        ];
        for b in bad {
            assert_eq!(parse_http_date(b), None, "{:?}", String::from_utf8_lossy(b));
        }
        assert_eq!(
            parse_http_date(b"Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400)
        );
    }

    #[test]
    fn date_round_trip() {
        for t in [
            0,
            1,
            784_111_777,
            1_700_000_000,
            4_102_444_800,
            253_402_300_799,
        ] {
            assert_eq!(parse_http_date(http_date(t).as_bytes()), Some(t));
        }
    }
}
