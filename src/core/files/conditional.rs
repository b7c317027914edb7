//! Entity tags, conditional requests (`If-None-Match`,
//! `If-Modified-Since`) and single byte ranges for static files. (The
//! dates themselves are in `http::date`.)
//!
//! Range fixes over 5.4: a last-byte position past the end is clamped (5.4
//! sent one byte too many in Content-Length), a first-byte position at or
//! past the end is unsatisfiable (416) instead of a negative length, and
//! suffix ranges `bytes=-N` are honoured.

use crate::core::http::date::parse_http_date;

/// The entity tag of a file, in the 5.4 format `"<mtime hex>.<size>"`,
/// quotes included (e.g. `"53d6a2b3.12"`).
pub fn etag(mtime: i64, size: u64) -> String {
    format!("\"{mtime:x}.{size}\"")
}

/// Strips `W/` and returns the opaque tag, quotes included.
fn opaque_tag(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// True when an `If-None-Match` value matches `etag`: `*`, or any entry of
/// the comma-separated list equal to it under the weak comparison (`W/` is
/// ignored on both sides; the compare ignores ASCII case like 5.4).
fn none_match_hits(header: &[u8], etag: &[u8]) -> bool {
    let ours = opaque_tag(etag);
    let mut i = 0;
    while i < header.len() {
        match header[i] {
            b' ' | b'\t' | b',' => i += 1,
            _ => {
                let start = i;
                if header[i..].starts_with(b"W/") {
                    i += 2;
                }
                if header.get(i) == Some(&b'"') {
                    // A quoted tag may contain commas: read to the close quote.
                    i += 1;
                    while i < header.len() && header[i] != b'"' {
                        i += 1;
                    }
                    i = (i + 1).min(header.len());
                } else {
                    while i < header.len() && !matches!(header[i], b',' | b' ' | b'\t') {
                        i += 1;
                    }
                }
                let tag = &header[start..i];
                if tag == b"*" || opaque_tag(tag).eq_ignore_ascii_case(ours) {
                    return true;
                }
            }
        }
    }
    false
}

/// Decides a 304 Not Modified for a file with this `etag` and `mtime`.
///
/// When `If-None-Match` is present it alone decides (RFC 7232 section 6):
/// true when it is `*` or lists the tag (weak comparison). Otherwise true
/// when `If-Modified-Since` parses and the file is not newer than it.
/// An unparseable date means "modified".
pub fn not_modified(
    if_none_match: Option<&[u8]>,
    if_modified_since: Option<&[u8]>,
    etag: &str,
    mtime: i64,
) -> bool {
    if let Some(inm) = if_none_match {
        return none_match_hits(inm, etag.as_bytes());
    }
    if_modified_since
        .and_then(parse_http_date)
        .is_some_and(|since| mtime <= since)
}

/// What to send for a `Range` request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeResult {
    /// No usable range: send the whole file with 200.
    Full,
    /// Send bytes `start..=end` with 206; `end` is inclusive and below the
    /// file size.
    Partial { start: u64, end: u64 },
    /// The range starts at or past the end: send 416 with
    /// `Content-Range: bytes */SIZE`.
    Unsatisfiable,
}

impl RangeResult {
    /// The `Content-Range` header value for this result on a file of
    /// `size` bytes: `bytes A-B/SIZE` for a partial reply, `bytes */SIZE`
    /// for a 416, none for a full reply.
    pub fn content_range(&self, size: u64) -> Option<String> {
        match *self {
            RangeResult::Full => None,
            RangeResult::Partial { start, end } => Some(format!("bytes {start}-{end}/{size}")),
            RangeResult::Unsatisfiable => Some(format!("bytes */{size}")),
        }
    }

    /// The number of body bytes to send for a file of `size` bytes.
    pub fn body_len(&self, size: u64) -> u64 {
        match *self {
            RangeResult::Full => size,
            RangeResult::Partial { start, end } => end - start + 1,
            RangeResult::Unsatisfiable => 0,
        }
    }
}

/// Parses a non-empty run of decimal digits, saturating at `u64::MAX`.
fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u64, |acc, &b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

fn trim(s: &[u8]) -> &[u8] {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t');
    let start = s.iter().position(|b| !is_ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !is_ws(b)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// Interprets a `Range` header for a file of `size` bytes.
///
/// Only one range is honoured: `bytes=A-B` (B is clamped to `size - 1`),
/// `bytes=A-` and the suffix form `bytes=-N` (the last N bytes). A first
/// byte at or past the end, or a zero-length suffix, is
/// [`RangeResult::Unsatisfiable`]; so is any range of an empty file. A
/// missing or malformed header, another unit, `B < A`, or a list of
/// several ranges gives [`RangeResult::Full`] (the header is ignored, as
/// RFC 7233 allows). Numbers too large for `u64` saturate, so no input
/// overflows.
pub fn parse_range(header: Option<&[u8]>, size: u64) -> RangeResult {
    let Some(header) = header else {
        return RangeResult::Full;
    };
    let header = trim(header);
    let Some(eq) = header.iter().position(|&b| b == b'=') else {
        return RangeResult::Full;
    };
    if !trim(&header[..eq]).eq_ignore_ascii_case(b"bytes") {
        return RangeResult::Full;
    }
    let spec = trim(&header[eq + 1..]);
    if spec.contains(&b',') {
        return RangeResult::Full;
    }
    let Some(dash) = spec.iter().position(|&b| b == b'-') else {
        return RangeResult::Full;
    };
    let (first, last) = (trim(&spec[..dash]), trim(&spec[dash + 1..]));

    if first.is_empty() {
        // Suffix range: the last N bytes.
        let Some(n) = parse_u64(last) else {
            return RangeResult::Full;
        };
        if n == 0 || size == 0 {
            return RangeResult::Unsatisfiable;
        }
        return RangeResult::Partial {
            start: size.saturating_sub(n),
            end: size - 1,
        };
    }

    let Some(start) = parse_u64(first) else {
        return RangeResult::Full;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match parse_u64(last) {
            Some(end) if end >= start => end,
            _ => return RangeResult::Full,
        }
    };
    if start >= size {
        return RangeResult::Unsatisfiable;
    }
    RangeResult::Partial {
        start,
        end: end.min(size - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::http::date::http_date;

    #[test]
    fn etag_format() {
        assert_eq!(etag(0x53d6_a2b3, 12), "\"53d6a2b3.12\"");
        assert_eq!(etag(0, 0), "\"0.0\"");
    }

    #[test]
    fn conditional_requests() {
        let tag = etag(1000, 5);
        let t = tag.as_bytes();
        assert!(not_modified(Some(t), None, &tag, 1000));
        assert!(not_modified(Some(b"*"), None, &tag, 1000));
        assert!(not_modified(Some(b"\"x\", \"3e8.5\""), None, &tag, 1000));
        assert!(not_modified(Some(b"W/\"3e8.5\""), None, &tag, 1000));
        assert!(not_modified(Some(b"\"a,b\",W/\"3E8.5\""), None, &tag, 1000));
        assert!(!not_modified(Some(b"\"3e8.6\""), None, &tag, 1000));
        assert!(!not_modified(Some(b"3e8.5"), None, &tag, 1000), "unquoted");
        assert!(!not_modified(Some(b"\"3e8.5"), None, &tag, 1000));
        assert!(!not_modified(Some(b""), None, &tag, 1000));
        assert!(!not_modified(Some(b"\"a,\"3e8.5\"\""), None, &tag, 1000));

        // If-None-Match takes precedence over If-Modified-Since.
        let later = http_date(2000);
        let lb = later.as_bytes();
        assert!(!not_modified(Some(b"\"zz\""), Some(lb), &tag, 1000));
        assert!(not_modified(None, Some(lb), &tag, 1000));
        assert!(not_modified(
            None,
            Some(http_date(1000).as_bytes()),
            &tag,
            1000
        ));
        assert!(!not_modified(
            None,
            Some(http_date(999).as_bytes()),
            &tag,
            1000
        ));
        assert!(!not_modified(None, Some(b"garbage"), &tag, 1000));
        assert!(!not_modified(None, None, &tag, 1000));
    }

    fn range(h: &str, size: u64) -> RangeResult {
        parse_range(Some(h.as_bytes()), size)
    }

    fn part(start: u64, end: u64) -> RangeResult {
        RangeResult::Partial { start, end }
    }

    #[test]
    fn ranges() {
        use RangeResult::{Full, Unsatisfiable};
        assert_eq!(parse_range(None, 12), Full);
        assert_eq!(range("bytes=2-4", 12), part(2, 4));
        assert_eq!(range("bytes=5-12", 12), part(5, 11), "5.4 off-by-one fixed");
        assert_eq!(range("bytes=5-999", 12), part(5, 11));
        assert_eq!(range("bytes=0-", 12), part(0, 11));
        assert_eq!(range("bytes=11-", 12), part(11, 11));
        assert_eq!(range("bytes=12-", 12), Unsatisfiable);
        assert_eq!(range("bytes=50-60", 12), Unsatisfiable, "5.4 sent -37");
        assert_eq!(range("bytes=-5", 12), part(7, 11));
        assert_eq!(range("bytes=-50", 12), part(0, 11));
        assert_eq!(range("bytes=-0", 12), Unsatisfiable);
        assert_eq!(range("bytes=0-0", 0), Unsatisfiable);
        assert_eq!(range("bytes=-1", 0), Unsatisfiable);
        assert_eq!(range("BYTES = 1-2", 12), part(1, 2));
        assert_eq!(range(" bytes=1-2 ", 12), part(1, 2));

        for bad in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=4-2",
            "bytes=1-2,4-5",
            "bytes=1-2,",
            "items=1-2",
            "bytes=+1-2",
            "bytes=1--2",
            "bytes=1-2-3",
            "bytes=0x1-2",
            "bytes=-+5",
            "bytes=- 5x",
        ] {
            assert_eq!(range(bad, 12), Full, "{bad:?}");
        }
    }

    #[test]
    fn huge_ranges_do_not_overflow() {
        let size: u64 = 3 << 30; // 3 GiB
        let two31 = 1u64 << 31;
        assert_eq!(range("bytes=2147483648-", size), part(two31, size - 1));
        assert_eq!(
            range("bytes=2147483648-2147483657", size),
            part(two31, two31 + 9)
        );
        assert_eq!(
            range("bytes=0-9223372036854775808", size),
            part(0, size - 1)
        );
        assert_eq!(
            range("bytes=9223372036854775808-", size),
            RangeResult::Unsatisfiable
        );
        assert_eq!(
            range("bytes=9223372036854775807-18446744073709551615", size),
            RangeResult::Unsatisfiable
        );
        assert_eq!(
            range("bytes=0-99999999999999999999999999", size),
            part(0, size - 1)
        );
        assert_eq!(
            range("bytes=99999999999999999999999-", size),
            RangeResult::Unsatisfiable
        );
        assert_eq!(range("bytes=-9223372036854775808", size), part(0, size - 1));
        assert_eq!(
            range("bytes=-2147483648", size),
            part(size - two31, size - 1)
        );
        assert_eq!(
            range("bytes=-1", u64::MAX),
            part(u64::MAX - 1, u64::MAX - 1)
        );
        assert_eq!(range("bytes=0-", u64::MAX).body_len(u64::MAX), u64::MAX);
    }

    #[test]
    fn content_range_values() {
        assert_eq!(
            part(2, 4).content_range(12).as_deref(),
            Some("bytes 2-4/12")
        );
        assert_eq!(
            RangeResult::Unsatisfiable.content_range(12).as_deref(),
            Some("bytes */12")
        );
        assert_eq!(RangeResult::Full.content_range(12), None);
        assert_eq!(part(2, 4).body_len(12), 3);
        assert_eq!(RangeResult::Full.body_len(12), 12);
        assert_eq!(RangeResult::Unsatisfiable.body_len(12), 0);
    }
}
