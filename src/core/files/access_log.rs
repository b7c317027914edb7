//! The `access_log_file` option: one Combined Log Format line per finished
//! request, appended to the file.
//!
//! Unlike 5.4 the time is UTC (`+0000`), the byte count is the real one,
//! and every field a client controls is escaped, so a request cannot
//! forge extra lines or break the quoting: `"` and `\` get a backslash,
//! and control bytes, DEL, bytes >= 0x80 (and spaces, in the unquoted user
//! field) become `\xHH`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use crate::core::http::date::utc;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends an optional field escaped; an absent or empty one is `-`.
fn push_field(out: &mut Vec<u8>, field: Option<&[u8]>, escape_space: bool) {
    match field {
        Some(f) if !f.is_empty() => push_escaped(out, f, escape_space),
        _ => out.push(b'-'),
    }
}

/// Appends `field` to `out`, escaped. `escape_space` is for the unquoted
/// fields (the address and the user).
fn push_escaped(out: &mut Vec<u8>, field: &[u8], escape_space: bool) {
    for &b in field {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b' ' if escape_space => out.extend_from_slice(b"\\x20"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0x0f)],
            ]),
        }
    }
}

/// Formats one access-log line, ending in `\n`:
///
/// `IP - USER [DD/Mon/YYYY:HH:MM:SS +0000] "METHOD URI[?QUERY] HTTP/VER" STATUS BYTES "REFERER" "UA"`
///
/// `http_version` is the version number as in `mg_connection`
/// (`1.1`). A missing (or empty) user is `-`, and a missing referer or
/// user agent is `"-"`, as in Apache's combined format. The query is
/// appended after `?` only when present.
#[allow(clippy::too_many_arguments)]
pub fn format_line(
    remote_ip: &str,
    user: Option<&[u8]>,
    unix_secs: i64,
    method: &[u8],
    uri: &[u8],
    query: Option<&[u8]>,
    http_version: &[u8],
    status: i32,
    bytes: u64,
    referer: Option<&[u8]>,
    user_agent: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + uri.len());
    push_field(&mut out, Some(remote_ip.as_bytes()), true);
    out.extend_from_slice(b" - ");
    push_field(&mut out, user, true);

    let t = utc(unix_secs);
    let stamp = format!(
        " [{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000] \"",
        t.day,
        t.month_name(),
        t.year,
        t.hour,
        t.minute,
        t.second
    );
    out.extend_from_slice(stamp.as_bytes());

    push_escaped(&mut out, method, false);
    out.push(b' ');
    push_escaped(&mut out, uri, false);
    if let Some(q) = query {
        out.push(b'?');
        push_escaped(&mut out, q, false);
    }
    out.extend_from_slice(b" HTTP/");
    push_escaped(&mut out, http_version, false);
    out.extend_from_slice(format!("\" {status} {bytes} \"").as_bytes());
    push_field(&mut out, referer, false);
    out.extend_from_slice(b"\" \"");
    push_field(&mut out, user_agent, false);
    out.extend_from_slice(b"\"\n");
    out
}

/// Appends `line` to the file at `path`, creating it if needed.
///
/// The file is opened with `O_APPEND` for every line and the line goes out
/// in a single `write`, so concurrent writers (several servers, several
/// processes) never interleave inside a line.
pub fn append(path: &Path, line: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    let written = file.write(line)?;
    if written != line.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "short write to the access log",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        user: Option<&[u8]>,
        uri: &[u8],
        query: Option<&[u8]>,
        referer: Option<&[u8]>,
        ua: Option<&[u8]>,
    ) -> String {
        let v = format_line(
            "127.0.0.1",
            user,
            1_795_840_649,
            b"PUT",
            uri,
            query,
            b"1.1",
            201,
            12,
            referer,
            ua,
        );
        String::from_utf8(v).expect("log lines are ASCII")
    }

    #[test]
    fn combined_format() {
        assert_eq!(
            line(Some(b"joe"), b"/new/x.txt", None, None, None),
            "127.0.0.1 - joe [28/Nov/2026:04:37:29 +0000] \"PUT /new/x.txt HTTP/1.1\" 201 12 \"-\" \"-\"\n"
        );
        assert_eq!(
            line(None, b"/a", Some(b"x=1&y=2"), Some(b"http://r/"), Some(b"curl/8.0")),
            "127.0.0.1 - - [28/Nov/2026:04:37:29 +0000] \"PUT /a?x=1&y=2 HTTP/1.1\" 201 12 \"http://r/\" \"curl/8.0\"\n"
        );
        assert_eq!(
            line(Some(b""), b"/a", Some(b""), Some(b""), None),
            "127.0.0.1 - - [28/Nov/2026:04:37:29 +0000] \"PUT /a? HTTP/1.1\" 201 12 \"-\" \"-\"\n"
        );
    }

    #[test]
    fn big_byte_counts_and_odd_times() {
        let v = format_line(
            "::1",
            None,
            0,
            b"GET",
            b"/",
            None,
            b"1.0",
            200,
            u64::MAX,
            None,
            None,
        );
        let s = String::from_utf8(v).unwrap();
        assert!(s.starts_with(
            "::1 - - [01/Jan/1970:00:00:00 +0000] \"GET / HTTP/1.0\" 200 18446744073709551615 "
        ));
    }

    #[test]
    fn clients_cannot_forge_lines() {
        let s = line(
            Some(b"eve \"x\n1.2.3.4 - root"),
            b"/a\"\r\n9.9.9.9 - - [x] \"GET /",
            Some(b"q=\x1b[31m"),
            Some(b"\\\"-\""),
            Some(b"\xff\xfe\x7f\t"),
        );
        assert_eq!(s.matches('\n').count(), 1);
        assert!(s.ends_with('\n'));
        assert!(!s.contains('\r'));
        assert!(!s.contains('\x1b'));
        assert!(s.contains("eve\\x20\\\"x\\x0a1.2.3.4\\x20-\\x20root"));
        assert!(s.contains("/a\\\"\\x0d\\x0a9.9.9.9 - - [x] \\\"GET /?q=\\x1b[31m"));
        assert!(s.contains("\"\\\\\\\"-\\\"\""));
        assert!(s.contains("\"\\xff\\xfe\\x7f\\x09\""));
        // Every unescaped quote is one of the six delimiters.
        let bytes = s.as_bytes();
        let delimiters = (0..bytes.len())
            .filter(|&i| bytes[i] == b'"')
            .filter(|&i| {
                let backslashes = bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count();
                backslashes % 2 == 0
            })
            .count();
        assert_eq!(delimiters, 6);
    }

    #[test]
    fn append_adds_lines() {
        let dir = std::env::temp_dir().join(format!("mg-access-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("access.log");
        let _ = std::fs::remove_file(&path);
        append(&path, b"one\n").unwrap();
        append(&path, b"two\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one\ntwo\n");
        assert!(append(&dir.join("missing/dir/log"), b"x\n").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
