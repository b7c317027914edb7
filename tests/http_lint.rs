//! What an HTTP linter says about the replies the library builds. REDbot
//! (PyPI `redbot`, run by tests/redbot_notes.py) checks a static file, a
//! ranged file, a directory listing, the `/dir` -> `/dir/` redirect, a
//! 404 and handler replies; raw requests check that the other replies
//! (304, 206, 416, 405, 400, HEAD, HTTP/1.0, handler error pages) carry
//! exactly one current `Date` (RFC 9110 6.6.1).
//!
//! The server is tests/c/send_file_server.c: built-in file handling from
//! its document root, `/hello` from the handler, custom 404 pages from
//! MG_HTTP_ERROR. Without `redbot` (`.ci/run` installs it) the REDbot test
//! is skipped with a note.

mod common;
use common::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// A document root with a small file, a file big enough for ranges and a
/// directory without an index file.
fn docroot() -> &'static Path {
    static WWW: OnceLock<PathBuf> = OnceLock::new();
    WWW.get_or_init(|| {
        let www = root().join("target/http_lint_www");
        let _ = std::fs::remove_dir_all(&www);
        std::fs::create_dir_all(www.join("list")).unwrap();
        std::fs::write(www.join("hello.txt"), b"Hello, world!\n").unwrap();
        let data: Vec<u8> = (0..65536u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(www.join("data.bin"), data).unwrap();
        std::fs::write(www.join("list/a.txt"), b"a\n").unwrap();
        std::fs::write(www.join("list/b.txt"), b"b\n").unwrap();
        www
    })
}

fn server() -> Server {
    let bin = compile_c("send_file_server", &[]);
    Server::start(&bin, &[docroot().to_str().unwrap()])
}

fn have_redbot() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import redbot.cli"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let bar = "!".repeat(78);
        let _ = writeln!(
            std::io::stderr(),
            "\n{bar}\n!!! SKIPPING the REDbot test: `python3 -c \"import redbot.cli\"` failed. \
             Install with `python3 -m pip install redbot` (.ci/run does).\n{bar}"
        );
    }
    ok
}

/// REDbot's notes about the reply it got: no BAD ones, and none saying
/// that `Date` is missing.
const MISSING_DATE: &[&str] = &["DATE_CLOCKLESS", "DATE_CLOCKLESS_BAD_HDR", "NO_DATE_304"];

#[test]
fn redbot_finds_nothing_bad_and_no_missing_date() {
    if !have_redbot() {
        return;
    }
    let srv = server();
    let cases: &[(&str, &str)] = &[
        ("/hello.txt", "200"),      // a static file (and its 304s)
        ("/data.bin", "200"),       // REDbot also asks for a range of it
        ("/list/", "200"),          // a directory listing
        ("/list", "301"),           // the redirect to the directory
        ("/missing.txt", "404"),    // the library's error page
        ("/hello", "200"),          // a handler reply (mg_printf_data)
        ("/custom-missing", "404"), // a handler's error page (MG_HTTP_ERROR)
    ];
    let urls: Vec<String> = cases.iter().map(|(p, _)| srv.url(p)).collect();
    let out = Command::new("python3")
        .arg(root().join("tests/redbot_notes.py"))
        .args(&urls)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "redbot_notes.py failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let notes: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .collect();
    for (url, (path, status)) in urls.iter().zip(cases) {
        let mine: Vec<&Vec<&str>> = notes.iter().filter(|n| n[0] == url).collect();
        // A run with no notes would make the checks below vacuous.
        assert!(
            !mine.is_empty(),
            "REDbot said nothing about {path}:\n{stdout}"
        );
        for n in &mine {
            assert_eq!(n[1], *status, "{path}: {n:?}");
            assert_ne!(n[2], "BAD", "{path}: {n:?}");
            assert!(!MISSING_DATE.contains(&n[3]), "{path}: {n:?}");
        }
    }
    // REDbot did look at the Date, the range and the validators.
    let has = |path: &str, id: &str| {
        let url = srv.url(path);
        notes.iter().any(|n| n[0] == url && n[3] == id)
    };
    assert!(has("/hello.txt", "DATE_CORRECT"), "{stdout}");
    assert!(has("/data.bin", "RANGE_CORRECT"), "{stdout}");
    assert!(has("/hello.txt", "INM_304"), "{stdout}");
    assert!(has("/hello.txt", "IMS_304"), "{stdout}");
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_imf_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 29 || !s.ends_with(" GMT") || &s[3..5] != ", " {
        return None;
    }
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &s[8..11])? as i64 + 1;
    let year = num(12..16)?;
    let (h, m, sec) = (num(17..19)?, num(20..22)?, num(23..25)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    if DAYS[days.rem_euclid(7) as usize] != &s[..3] {
        return None;
    }
    Some(days * 86400 + h * 3600 + m * 60 + sec)
}

#[test]
fn imf_date_parser_matches_rfc_examples() {
    assert_eq!(
        parse_imf_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(784_111_777)
    );
    assert_eq!(parse_imf_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(parse_imf_date("Mon, 06 Nov 1994 08:49:37 GMT"), None);
    assert_eq!(parse_imf_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
}

/// The `Date` values in the head of `raw`.
fn dates(raw: &[u8]) -> Vec<String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end])
        .split("\r\n")
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("Date")
                .then(|| value.trim().to_owned())
        })
        .collect()
}

#[test]
fn every_reply_has_exactly_one_current_date() {
    let srv = server();
    let etag = {
        let mut s = srv.connect();
        let r = get(&mut s, "/hello.txt");
        r.header("Etag").expect("Etag").to_owned()
    };
    let close = "Host: x\r\nConnection: close\r\n";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("GET /hello.txt HTTP/1.1\r\nIf-None-Match: {etag}\r\n{close}\r\n"),
            "304",
        ),
        (
            format!("GET /data.bin HTTP/1.1\r\nRange: bytes=0-9\r\n{close}\r\n"),
            "206",
        ),
        (
            format!("GET /data.bin HTTP/1.1\r\nRange: bytes=99999-\r\n{close}\r\n"),
            "416",
        ),
        (
            format!("PUT /hello.txt HTTP/1.1\r\nContent-Length: 0\r\n{close}\r\n"),
            "405",
        ),
        (format!("OPTIONS /hello.txt HTTP/1.1\r\n{close}\r\n"), "200"),
        (format!("HEAD /list/ HTTP/1.1\r\n{close}\r\n"), "200"),
        (format!("GET /list?x=1 HTTP/1.1\r\n{close}\r\n"), "301"),
        (format!("GET /missing.txt HTTP/1.1\r\n{close}\r\n"), "404"),
        ("GET /hello HTTP/1.0\r\n\r\n".to_owned(), "200"),
        (format!("HEAD /hello HTTP/1.1\r\n{close}\r\n"), "200"),
        (format!("GET /send HTTP/1.1\r\n{close}\r\n"), "400"),
        (format!("GET /custom-x HTTP/1.1\r\n{close}\r\n"), "404"),
        (
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".to_owned(),
            "400",
        ),
    ];
    for (request, status) in &cases {
        let raw = exchange(srv.port, request.as_bytes());
        let head = String::from_utf8_lossy(&raw);
        let first = head.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("HTTP/1.1 {status} ")),
            "{request:?} -> {head:?}"
        );
        let dates = dates(&raw);
        assert_eq!(dates.len(), 1, "{request:?} -> {head:?}");
        let date = parse_imf_date(&dates[0])
            .unwrap_or_else(|| panic!("{request:?}: bad Date {:?}", dates[0]));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            (now - date).abs() <= 2,
            "{request:?}: Date {:?} is not now",
            dates[0]
        );
    }
}
