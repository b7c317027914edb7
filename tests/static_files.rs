//! Static-file serving through the standalone server (`build/mongoose`,
//! c_examples/web_server.c) and through `mg_send_file` from a handler
//! (tests/c/send_file_server.c): GET/HEAD, MIME types, conditional
//! requests, ranges (including past 2^31 in a sparse 3 GiB file),
//! directories, listings, hidden files, traversal attempts, url_rewrites,
//! ACLs, the access log, method handling, streaming memory and throughput,
//! and the binary's command line.
//!
//! Needs `make` first (build/mongoose and build/libmongoose.a) and curl.

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The document root
// ---------------------------------------------------------------------------

const HELLO: &[u8] = b"Hello, world!\n";
const TWELVE: &[u8] = b"0123456789ab";
const MIB: usize = 1 << 20;
const BIG_SIZE: u64 = 3 << 30;
/// Offset of the marker in the sparse file: 2^31 + 12345.
const MARK_AT: u64 = (1 << 31) + 12345;
const MARK: &[u8] = b"<<sparse-mark>>!";
const TAIL: &[u8] = b"THE-END!";
const ESCAPED_NAME: &str = "a<b>&\"c\".txt";

/// The temporary tree: `www` (the document root), `other` (an alias
/// target), `vhost` (a virtual host's root) and `tmp` (logs, configs).
struct Tree {
    base: PathBuf,
    data: Vec<u8>,
}

impl Tree {
    fn www(&self) -> PathBuf {
        self.base.join("www")
    }
    fn other(&self) -> PathBuf {
        self.base.join("other")
    }
    fn vhost(&self) -> PathBuf {
        self.base.join("vhost")
    }
    /// A fresh path for a per-test file (log, config).
    fn tmp(&self, name: &str) -> PathBuf {
        let p = self.base.join("tmp").join(name);
        let _ = std::fs::remove_file(&p);
        p
    }
}

/// Pseudo-random bytes (xorshift64*), deterministic.
fn pseudo_random(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        use std::fs;
        let parent = root().join("target/static_files_test");
        // Leftovers of earlier runs whose process is gone.
        if let Ok(entries) = fs::read_dir(&parent) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name
                    .parse::<u32>()
                    .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
                {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        let base = parent.join(std::process::id().to_string());
        let _ = fs::remove_dir_all(&base);
        let www = base.join("www");
        for d in [
            "www/sub",
            "www/list/zdir",
            "www/deep",
            "www/sp ace",
            "www/scripts/app",
            "other",
            "vhost",
            "tmp",
        ] {
            fs::create_dir_all(base.join(d)).unwrap();
        }
        let data = pseudo_random(MIB, 0x1234_5678_9abc_def1);
        let files: &[(&str, &[u8])] = &[
            ("hello.txt", HELLO),
            ("twelve.txt", TWELVE),
            ("page.html", b"<html><body>page</body></html>\n"),
            ("style.css", b"body {}\n"),
            ("data.json", b"{}\n"),
            ("image.png", b"\x89PNG\r\n\x1a\n"),
            ("thing.foo", b"foo\n"),
            ("noext", b"no extension\n"),
            ("empty.txt", b""),
            ("data.bin", &data),
            ("custom404.html", b"<p>custom not found page</p>\n"),
            // Names ending in .htpasswd are hidden; a file named exactly
            // .htpasswd would protect its tree (tests/auth_files.rs).
            (
                "backup.htpasswd",
                b"joe:mydomain.com:0123456789abcdef0123456789abcdef\n",
            ),
            ("sub/index.html", b"<p>sub index</p>\n"),
            ("sub/inner.txt", b"inner\n"),
            ("sp ace/in space.txt", b"spaced\n"),
            ("list/plain.txt", b"plain\n"),
            ("list/secret.txt", b"top secret\n"),
            ("list/.dotfile", b"dot\n"),
            ("list/old.htpasswd", b"x:y:z\n"),
            ("list/zdir/z.txt", b"z\n"),
            ("deep/secret.txt", b"deep secret\n"),
            ("deep/visible.txt", b"visible\n"),
            ("scripts/run.cgi", b"#!/bin/sh\necho SCRIPT-SOURCE\n"),
            ("scripts/db.php", b"<?php $password = 'SCRIPT-SOURCE'; ?>\n"),
            ("scripts/UPPER.PHP", b"<?php echo 'SCRIPT-SOURCE'; ?>\n"),
            ("scripts/tool.pl", b"print 'SCRIPT-SOURCE';\n"),
            (
                "scripts/page.shtml",
                b"<!--#include file=\"SCRIPT-SOURCE\" -->\n",
            ),
            ("scripts/plain.txt", b"not a script\n"),
            ("scripts/app/index.php", b"<?php echo 'SCRIPT-SOURCE'; ?>\n"),
        ];
        for (name, content) in files {
            fs::write(www.join(name), content).unwrap();
        }
        fs::write(www.join("list").join(ESCAPED_NAME), b"escaped\n").unwrap();
        std::os::unix::fs::symlink("/etc", www.join("symlink_out")).unwrap();
        fs::write(base.join("other/alias.txt"), b"from the alias dir\n").unwrap();
        fs::write(base.join("vhost/v.txt"), b"virtual host file\n").unwrap();
        fs::write(base.join("vhost/hello.txt"), b"vhost hello\n").unwrap();
        // The sparse 3 GiB file with a marker past 2^31 and a known tail.
        {
            use std::os::unix::fs::FileExt;
            let f = fs::File::create(www.join("big.bin")).unwrap();
            f.set_len(BIG_SIZE).unwrap();
            f.write_all_at(MARK, MARK_AT).unwrap();
            f.write_all_at(TAIL, BIG_SIZE - TAIL.len() as u64).unwrap();
        }
        Tree { base, data }
    })
}

fn mongoose_bin() -> PathBuf {
    let bin = root().join("build/mongoose");
    assert!(bin.exists(), "build/mongoose is missing: run `make`");
    bin
}

/// build/mongoose on an ephemeral port serving `www`, with extra flags.
fn web(args: &[&str]) -> Server {
    let www = tree().www();
    Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-listening_port", "0", "-document_root"])
            .arg(&www)
            .args(args),
    )
}

/// A server with the options most tests use. Each test starts its own
/// (a process in a static would outlive the test binary).
fn shared() -> Server {
    web(&[
        "-extra_mime_types",
        ".foo=application/x-foo,.css=text/x-override",
        "-hide_files_patterns",
        "secret.txt",
    ])
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A response as curl saw it (`curl -i`), parsed.
struct CurlResp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl CurlResp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Runs `curl -s -i ARGS URL` and parses the (last) response.
fn curl_i(url: &str, args: &[&str]) -> CurlResp {
    assert!(have("curl"), "curl is needed");
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "20"])
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    parse_curl(&out.stdout, url)
}

fn parse_curl(mut raw: &[u8], what: &str) -> CurlResp {
    loop {
        let end = find(raw, b"\r\n\r\n")
            .unwrap_or_else(|| panic!("{what}: no head in {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let rest = &raw[end + 4..];
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        // With -L, curl prints every response; keep the last one.
        if rest.starts_with(b"HTTP/") && (status == 100 || (300..400).contains(&status)) {
            raw = rest;
            continue;
        }
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect();
        return CurlResp {
            status,
            headers,
            body: rest.to_vec(),
        };
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// Sends a raw request on `s` and reads one response.
fn send(s: &mut std::net::TcpStream, req: &str) -> Response {
    s.write_all(req.as_bytes()).unwrap();
    read_response_for(s, req.starts_with("HEAD "))
}

/// One request with `Connection: close`, on a fresh connection; returns
/// the raw bytes received until the server closed.
fn raw_request(port: u16, method: &str, target: &[u8], extra: &str) -> Vec<u8> {
    let mut req = Vec::new();
    req.extend_from_slice(method.as_bytes());
    req.push(b' ');
    req.extend_from_slice(target);
    req.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").as_bytes(),
    );
    exchange(port, &req)
}

fn status_of(raw: &[u8]) -> u16 {
    let line = &raw[..find(raw, b"\r\n").unwrap_or(raw.len())];
    String::from_utf8_lossy(line)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {:?}", String::from_utf8_lossy(raw)))
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Waits up to `limit` for the child to exit; kills it otherwise.
fn wait_exit(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs build/mongoose with `args` expecting it to exit by itself.
fn run_to_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(mongoose_bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(5));
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (status.and_then(|s| s.code()), out, err)
}

// ---------------------------------------------------------------------------
// GET, HEAD, MIME types
// ---------------------------------------------------------------------------

#[test]
fn get_serves_file_with_headers() {
    let s = shared();
    let r = curl_i(&s.url("/hello.txt"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);
    assert_eq!(r.header("Content-Length"), Some("14"));
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    assert!(r
        .header("Etag")
        .is_some_and(|e| e.starts_with('"') && e.ends_with(".14\"")));
    assert!(r
        .header("Last-Modified")
        .is_some_and(|d| d.ends_with(" GMT")));
    assert!(r.header("Date").is_some());

    let r = curl_i(&s.url("/empty.txt"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert!(r.body.is_empty());

    let r = curl_i(&s.url("/data.bin"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), MIB);
    assert!(r.body == tree().data, "1 MiB body differs");
}

#[test]
fn head_has_headers_only_and_keeps_the_connection() {
    let s = shared();
    let r = curl_i(&s.url("/data.bin"), &["-I"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Length"), Some("1048576"));
    assert!(r.body.is_empty(), "HEAD must have no body");

    let mut c = s.connect();
    for path in ["/hello.txt", "/data.bin", "/sub/", "/list/", "/missing"] {
        let h = send(&mut c, &format!("HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n"));
        let want = if path == "/missing" { 404 } else { 200 };
        assert_eq!(h.status, want, "HEAD {path}");
        assert!(h.header("Content-Length").is_some(), "HEAD {path}: {h:?}");
        assert!(h.body.is_empty());
        // The same connection goes on: any stray body byte would break
        // the next response's parsing.
        let g = get(&mut c, "/hello.txt");
        assert_eq!(g.status, 200, "GET after HEAD {path}");
        assert_eq!(g.body, HELLO);
    }
    let h = send(&mut c, "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(h.header("Content-Length"), Some("14"));
    assert_eq!(h.header("Content-Type"), Some("text/plain"));
    // HEAD with a Range: the 206 head only.
    let h = send(
        &mut c,
        "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=2147483648-\r\n\r\n",
    );
    assert_eq!(h.status, 206);
    assert_eq!(h.header("Content-Length"), Some("1073741824"));
    assert_eq!(
        h.header("Content-Range"),
        Some("bytes 2147483648-3221225471/3221225472")
    );
    assert_eq!(get(&mut c, "/twelve.txt").body, TWELVE);
}

#[test]
fn pipelined_file_requests() {
    let s = shared();
    let mut c = s.connect();
    c.write_all(
        b"GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n\
          HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n\
          GET /missing HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /twelve.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.status, 200);
    assert!(r.body == tree().data);
    let r = read_response_for(&mut c, true);
    assert_eq!(r.header("Content-Length"), Some("3221225472"));
    let r = read_response(&mut c);
    assert_eq!((r.status, r.body.as_slice()), (206, &tree().data[10..20]));
    let r = read_response(&mut c);
    assert_eq!(r.status, 404);
    let r = read_response(&mut c);
    assert_eq!((r.status, r.body.as_slice()), (200, TWELVE));
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(is_closed(&mut c, Duration::from_secs(2)));
}

#[test]
fn content_types_builtin_and_extra() {
    let s = shared();
    for (path, want) in [
        ("/page.html", "text/html"),
        ("/hello.txt", "text/plain"),
        ("/data.json", "application/json"),
        ("/image.png", "image/png"),
        ("/noext", "text/plain"),
        ("/thing.foo", "application/x-foo"), // extra_mime_types
        ("/style.css", "text/x-override"),   // extra wins over built-in
        ("/sub/index.html", "text/html"),
    ] {
        let r = curl_i(&s.url(path), &["-I"]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("Content-Type"), Some(want), "{path}");
    }
    // Without the extra types, .css is the built-in text/css.
    let plain = web(&[]);
    let r = curl_i(&plain.url("/style.css"), &[]);
    assert_eq!(r.header("Content-Type"), Some("text/css"));
    let r = curl_i(&plain.url("/thing.foo"), &[]);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
}

// ---------------------------------------------------------------------------
// Conditional requests
// ---------------------------------------------------------------------------

#[test]
fn etag_and_last_modified_give_304() {
    let s = shared();
    let r = curl_i(&s.url("/hello.txt"), &[]);
    let etag = r.header("Etag").expect("Etag").to_string();
    let lm = r
        .header("Last-Modified")
        .expect("Last-Modified")
        .to_string();

    let r = curl_i(
        &s.url("/hello.txt"),
        &["-H", &format!("If-None-Match: {etag}")],
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("Etag"), Some(etag.as_str()));

    let r = curl_i(
        &s.url("/hello.txt"),
        &["-H", &format!("If-Modified-Since: {lm}")],
    );
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

    // A stale date, or another tag: the full file.
    let r = curl_i(
        &s.url("/hello.txt"),
        &["-H", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT"],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);
    let r = curl_i(&s.url("/hello.txt"), &["-H", "If-None-Match: \"0.0\""]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);
    // Garbage dates count as modified.
    let r = curl_i(
        &s.url("/hello.txt"),
        &["-H", "If-Modified-Since: yesterday"],
    );
    assert_eq!(r.status, 200);

    // A 304 keeps the connection usable.
    let mut c = s.connect();
    let r = send(
        &mut c,
        &format!("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n"),
    );
    assert_eq!(r.status, 304);
    assert_eq!(get(&mut c, "/hello.txt").body, HELLO);
}

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

#[test]
fn ranges() {
    let s = shared();
    let url = s.url("/twelve.txt");
    let r = curl_i(&url, &["-r", "2-4"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"234");
    assert_eq!(r.header("Content-Range"), Some("bytes 2-4/12"));
    assert_eq!(r.header("Content-Length"), Some("3"));

    let r = curl_i(&url, &["-r", "5-"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"56789ab");
    assert_eq!(r.header("Content-Range"), Some("bytes 5-11/12"));

    let r = curl_i(&url, &["-r", "-3"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"9ab");
    assert_eq!(r.header("Content-Range"), Some("bytes 9-11/12"));

    // The last byte position past the end is clamped (5.4 was off by one).
    let r = curl_i(&url, &["-r", "5-100"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"56789ab");
    assert_eq!(r.header("Content-Length"), Some("7"));
    assert_eq!(r.header("Content-Range"), Some("bytes 5-11/12"));
    let r = curl_i(&url, &["-r", "11-11"]);
    assert_eq!((r.status, r.body.as_slice()), (206, &b"b"[..]));
    let r = curl_i(&url, &["-r", "0-"]);
    assert_eq!((r.status, r.body.as_slice()), (206, TWELVE));

    // The first byte past the end: 416 with the size.
    for range in ["12-", "12-20", "50-60"] {
        let r = curl_i(&url, &["-r", range]);
        assert_eq!(r.status, 416, "{range}");
        assert_eq!(r.header("Content-Range"), Some("bytes */12"), "{range}");
        assert!(!contains(&r.body, b"0123"), "{range}");
    }

    // Unparseable ranges, and several ranges at once (no
    // multipart/byteranges), are ignored: the whole file.
    for range in [
        "bytes=abc",
        "items=1-2",
        "bytes=4-2x",
        "bytes",
        "bytes=0-1,5-6",
    ] {
        let r = curl_i(&url, &["-H", &format!("Range: {range}")]);
        assert_eq!(r.status, 200, "{range}");
        assert_eq!(r.body, TWELVE, "{range}");
        assert!(r.header("Content-Range").is_none(), "{range}");
    }

    // A range on the 1 MiB file, streamed.
    let r = curl_i(&s.url("/data.bin"), &["-r", "100000-699999"]);
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("Content-Range"),
        Some("bytes 100000-699999/1048576")
    );
    assert!(r.body == tree().data[100_000..700_000]);

    // 416 keeps the connection.
    let mut c = s.connect();
    let r = send(
        &mut c,
        "GET /twelve.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=99-\r\n\r\n",
    );
    assert_eq!(r.status, 416);
    let r = send(
        &mut c,
        "GET /twelve.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2\r\n\r\n",
    );
    assert_eq!((r.status, r.body.as_slice()), (206, &b"12"[..]));
}

#[test]
fn range_past_2_gib_in_a_sparse_3_gib_file() {
    let s = shared();
    let url = s.url("/big.bin");
    let first = MARK_AT;
    let last = MARK_AT + MARK.len() as u64 - 1;
    assert_eq!((first, last), (2_147_495_993, 2_147_496_008));
    let r = curl_i(&url, &["-r", &format!("{first}-{last}")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, MARK);
    assert_eq!(
        r.header("Content-Range"),
        Some(format!("bytes {first}-{last}/{BIG_SIZE}").as_str())
    );
    assert_eq!(r.header("Content-Length"), Some("16"));

    // A few bytes around the marker: zeros either side.
    let r = curl_i(&url, &["-r", &format!("{}-{}", first - 4, last + 4)]);
    let mut want = vec![0u8; 4];
    want.extend_from_slice(MARK);
    want.extend_from_slice(&[0; 4]);
    assert_eq!(r.body, want);

    // Suffix and open ranges near the end of the 3 GiB file.
    let r = curl_i(&url, &["-r", "-8"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, TAIL);
    assert_eq!(
        r.header("Content-Range"),
        Some(format!("bytes {}-{}/{BIG_SIZE}", BIG_SIZE - 8, BIG_SIZE - 1).as_str())
    );
    let r = curl_i(&url, &["-r", &format!("{}-", BIG_SIZE - 4)]);
    assert_eq!(r.body, b"END!");
    let r = curl_i(&url, &["-r", &format!("{BIG_SIZE}-")]);
    assert_eq!(r.status, 416);
    assert_eq!(
        r.header("Content-Range"),
        Some(format!("bytes */{BIG_SIZE}").as_str())
    );

    let r = curl_i(&url, &["-I"]);
    assert_eq!(r.header("Content-Length"), Some("3221225472"));
}

// ---------------------------------------------------------------------------
// Directories, listings, hidden files
// ---------------------------------------------------------------------------

#[test]
fn directory_redirect_and_index() {
    let s = shared();
    let r = curl_i(&s.url("/sub"), &[]);
    assert_eq!(r.status, 301);
    assert_eq!(r.header("Location"), Some("/sub/"));
    let r = curl_i(&s.url("/sub?x=1&y=2"), &[]);
    assert_eq!(r.status, 301);
    assert_eq!(r.header("Location"), Some("/sub/?x=1&y=2"));
    let r = curl_i(&s.url("/list/zdir"), &[]);
    assert_eq!(r.header("Location"), Some("/list/zdir/"));
    // The Location is percent-encoded again.
    let r = curl_i(&s.url("/sp%20ace"), &[]);
    assert_eq!(r.status, 301);
    assert_eq!(r.header("Location"), Some("/sp%20ace/"));
    let r = curl_i(&s.url("/sp%20ace"), &["-L"]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("in space.txt"), "{}", r.text());
    let r = curl_i(&s.url("/sp%20ace/in%20space.txt"), &[]);
    assert_eq!(r.body, b"spaced\n");

    let r = curl_i(&s.url("/sub/"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"<p>sub index</p>\n");
    assert_eq!(r.header("Content-Type"), Some("text/html"));
    let r = curl_i(&s.url("/sub"), &["-L"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"<p>sub index</p>\n");
    let r = curl_i(&s.url("/sub/inner.txt"), &[]);
    assert_eq!(r.body, b"inner\n");

    // The redirect keeps the connection.
    let mut c = s.connect();
    let r = get(&mut c, "/sub");
    assert_eq!(r.status, 301);
    assert_eq!(get(&mut c, "/sub/").status, 200);
}

#[test]
fn listing_escapes_names_and_hides_files() {
    let s = shared(); // hide_files_patterns=secret.txt
    let r = curl_i(&s.url("/list/"), &[]);
    assert_eq!(r.status, 200);
    assert!(r
        .header("Content-Type")
        .is_some_and(|t| t.starts_with("text/html")));
    let page = r.text();
    assert!(
        page.contains("a&lt;b&gt;&amp;&quot;c&quot;.txt"),
        "name not HTML-escaped: {page}"
    );
    assert!(!page.contains(ESCAPED_NAME), "raw name in the page: {page}");
    assert!(!page.contains("<b>"), "{page}");
    assert!(page.contains("plain.txt"));
    assert!(page.contains("zdir/"), "directories end with /: {page}");
    assert!(!page.contains(".htpasswd"), "{page}");
    assert!(!page.contains("secret.txt"), "hidden file listed: {page}");
    for link in ["?nd", "?dd", "?sd"] {
        assert!(page.contains(link), "sort link {link} missing: {page}");
    }
    // Directories first, then names ascending.
    let pos = |n: &str| page.find(n).unwrap_or_else(|| panic!("{n} not in {page}"));
    assert!(pos("zdir/") < pos("a&lt;b"));
    assert!(pos("a&lt;b") < pos("plain.txt"));

    // ?nd: descending by name, and the links toggle to ascending.
    let r = curl_i(&s.url("/list/?nd"), &[]);
    let page = r.text();
    assert!(page.contains("?na"), "{page}");
    assert!(!page.contains("?nd"), "{page}");
    let pos = |n: &str| page.find(n).unwrap_or_else(|| panic!("{n} not in {page}"));
    assert!(pos("zdir/") < pos("plain.txt"));
    assert!(pos("plain.txt") < pos("a&lt;b"));

    // The escaped entry is reachable through its (encoded) link.
    let r = curl_i(&s.url(&format!("/list/{}", url_encode(ESCAPED_NAME))), &[]);
    assert_eq!((r.status, r.body.as_slice()), (200, &b"escaped\n"[..]));

    // The root listing has big.bin but not the root backup.htpasswd.
    let page = curl_i(&s.url("/"), &[]).text();
    assert!(
        page.contains("big.bin") && page.contains("hello.txt"),
        "{page}"
    );
    assert!(!page.contains(".htpasswd"), "{page}");
}

#[test]
fn listing_disabled_gives_403() {
    let s = web(&["-enable_directory_listing", "no"]);
    let r = curl_i(&s.url("/list/"), &[]);
    assert_eq!(r.status, 403);
    assert!(!r.text().contains("plain.txt"));
    let r = curl_i(&s.url("/"), &[]);
    assert_eq!(r.status, 403);
    // An index file is still served, files too.
    assert_eq!(curl_i(&s.url("/sub/"), &[]).status, 200);
    assert_eq!(curl_i(&s.url("/list/plain.txt"), &[]).body, b"plain\n");
}

#[test]
fn hidden_files_are_404_everywhere() {
    let s = shared(); // hide_files_patterns=secret.txt (a bare name)
    for path in [
        "/list/secret.txt",
        "/deep/secret.txt",
        "/backup.htpasswd",
        "/list/old.htpasswd",
        "/list/OLD.HTPASSWD",
    ] {
        let r = curl_i(&s.url(path), &[]);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("secret"), "{path}");
        assert!(!r.text().contains("mydomain"), "{path}");
    }
    let r = curl_i(&s.url("/deep/visible.txt"), &[]);
    assert_eq!(r.status, 200);
    let page = curl_i(&s.url("/deep/"), &[]).text();
    assert!(
        page.contains("visible.txt") && !page.contains("secret.txt"),
        "{page}"
    );
    // Dotfiles are not hidden by default.
    assert_eq!(curl_i(&s.url("/list/.dotfile"), &[]).status, 200);

    // A pattern hiding a directory hides what is below it.
    let s = web(&["-hide_files_patterns", "deep"]);
    assert_eq!(curl_i(&s.url("/deep/visible.txt"), &[]).status, 404);
    assert_eq!(curl_i(&s.url("/deep/"), &[]).status, 404);
    assert!(!curl_i(&s.url("/"), &[]).text().contains("deep"));
}

#[test]
fn scripts_are_never_served_as_source() {
    // What cgi_pattern matches (by default *.cgi, *.pl, *.php) is run,
    // never sent: these scripts print no header block or cannot run at
    // all (not executable, no #! line), which is a 500 (tests/cgi.rs).
    // SSI is not implemented: what ssi_pattern matches (*.shtml, *.shtm)
    // gets 501. Never the file's source, also as a directory's index file
    // and for HEAD.
    let s = shared();
    for (path, status) in [
        ("/scripts/run.cgi", 500),
        ("/scripts/db.php", 500),
        ("/scripts/UPPER.PHP", 500),
        ("/scripts/tool.pl", 500),
        ("/scripts/page.shtml", 501),
        ("/scripts/app/", 500),
    ] {
        let r = curl_i(&s.url(path), &[]);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert!(!r.text().contains("SCRIPT-SOURCE"), "{path}: {}", r.text());
        assert_eq!(curl_i(&s.url(path), &["-I"]).status, status, "HEAD {path}");
    }
    assert_eq!(curl_i(&s.url("/scripts/plain.txt"), &[]).status, 200);
    // The listing still shows the names (5.4 listed them too).
    let page = curl_i(&s.url("/scripts/"), &[]).text();
    assert!(
        page.contains("run.cgi") && !page.contains("SCRIPT-SOURCE"),
        "{page}"
    );

    // mg_send_file applies the same rule, to files and index files, and
    // serves a directory's index file like the built-in handling.
    let s = send_file_server();
    for (path, status) in [
        ("/docs/scripts/db.php", 500),
        ("/docs/scripts/page.shtml", 501),
        ("/docs/scripts/app/", 500),
    ] {
        let r = curl_i(&s.url(path), &[]);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert!(!r.text().contains("SCRIPT-SOURCE"), "{path}");
    }
    let r = curl_i(&s.url("/docs/sub/"), &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "<p>sub index</p>\n"));
    let r = curl_i(&s.url("/docs/scripts/plain.txt"), &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "not a script\n"));

    // The patterns are options: here only *.txt counts as a CGI script.
    let s = web(&["-cgi_pattern", "**.txt$"]);
    assert_eq!(curl_i(&s.url("/scripts/plain.txt"), &[]).status, 500);
    let r = curl_i(&s.url("/scripts/db.php"), &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("SCRIPT-SOURCE"));
}

// ---------------------------------------------------------------------------
// Traversal attempts
// ---------------------------------------------------------------------------

#[test]
fn traversal_attempts_all_fail() {
    let alias = format!("/alias/={}/", tree().other().display());
    let s = web(&["-url_rewrites", &alias]);
    let attempts: &[&[u8]] = &[
        b"/../etc/passwd",
        b"/../../../../../../etc/passwd",
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/..%2fetc%2fpasswd",
        b"/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        b"/%2e%2e%5cetc",
        b"/%2e%2e%5c%2e%2e%5c%2e%2e%5c%2e%2e%5c%2e%2e%5cetc%5cpasswd",
        b"/sub/..%2f..%2f..%2fetc/passwd",
        b"/sub/../../../../../etc/passwd",
        b"/%00/etc/passwd",
        b"/a.txt%00.html",
        b"/hello.txt%00.html",
        b"/\xc0\xae\xc0\xae/etc/passwd",
        b"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        b"/symlink_out/passwd",
        b"/symlink_out/",
        b"/symlink_out",
        b"/sub/../symlink_out/passwd",
        b"//etc/passwd",
        b"///etc/passwd",
        b"/./../etc/passwd",
        b"/./.././.././../etc/passwd",
        b"/..\\..\\..\\etc\\passwd",
        b"/\\..\\..\\..\\etc\\passwd",
        b"/%5c..%5c..%5c..%5cetc%5cpasswd",
        b"/sub\\..\\..\\..\\etc\\passwd",
        b"/..%252f..%252fetc%252fpasswd",
        b"/alias/../../../etc/passwd",
        b"/alias/..%2f..%2f..%2f..%2fetc%2fpasswd",
        b"/etc/passwd",
        b"/....//....//etc/passwd",
        b"/.%2e/.%2e/etc/passwd",
        b"/%2e./%2e./etc/passwd",
    ];
    for &target in attempts {
        let shown = String::from_utf8_lossy(target).into_owned();
        let raw = raw_request(s.port, "GET", target, "");
        assert!(
            !contains(&raw, b"root:"),
            "{shown}: /etc/passwd leaked: {:?}",
            String::from_utf8_lossy(&raw)
        );
        if raw.is_empty() {
            eprintln!("{shown:50} closed without a reply");
            continue; // nothing leaked
        }
        let status = status_of(&raw);
        eprintln!("{shown:50} {status}");
        assert!(
            (400..500).contains(&status),
            "{shown}: status {status}: {:?}",
            String::from_utf8_lossy(&raw)
        );
    }
    // The server is still fine, and the alias itself works.
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);
    assert_eq!(
        curl_i(&s.url("/alias/alias.txt"), &[]).body,
        b"from the alias dir\n"
    );
}

// ---------------------------------------------------------------------------
// url_rewrites
// ---------------------------------------------------------------------------

#[test]
fn url_rewrites_alias_error_redirect_and_vhost() {
    let t = tree();
    let rewrites = format!(
        "/alias/={}/,404=/custom404.html,@vhost.example={}",
        t.other().display(),
        t.vhost().display()
    );
    let s = web(&["-url_rewrites", &rewrites]);

    let r = curl_i(&s.url("/alias/alias.txt"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"from the alias dir\n");
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);

    // Error redirect: a 302 carrying the code and the original URI.
    let r = curl_i(&s.url("/nope.txt?a=1"), &[]);
    assert_eq!(r.status, 302);
    let loc = r.header("Location").expect("Location").to_string();
    assert!(
        loc.starts_with("/custom404.html?code=404&orig_uri=/nope.txt"),
        "{loc}"
    );
    assert!(loc.contains("query_string=a"), "{loc}");
    let r = curl_i(&s.url("/nope.txt"), &["-L"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"<p>custom not found page</p>\n");
    // A missing file under the alias goes through the same redirect.
    let r = curl_i(&s.url("/alias/missing.txt"), &[]);
    assert_eq!(r.status, 302);

    // Virtual host, with and without a port, any case.
    for host in ["vhost.example", "vhost.example:1234", "VHOST.Example"] {
        let r = curl_i(&s.url("/v.txt"), &["-H", &format!("Host: {host}")]);
        assert_eq!(r.status, 200, "{host}");
        assert_eq!(r.body, b"virtual host file\n", "{host}");
        let r = curl_i(&s.url("/hello.txt"), &["-H", &format!("Host: {host}")]);
        assert_eq!(r.body, b"vhost hello\n", "{host}");
    }
    let r = curl_i(&s.url("/v.txt"), &["-H", "Host: other.example"]);
    assert_eq!(r.status, 302, "another host uses the document root");
    let r = curl_i(&s.url("/hello.txt"), &["-H", "Host: other.example"]);
    assert_eq!(r.body, HELLO);
}

// ---------------------------------------------------------------------------
// ACL
// ---------------------------------------------------------------------------

#[test]
fn acl_allow_and_deny() {
    let s = web(&["-access_control_list", "-0.0.0.0/0,+127.0.0.1"]);
    let r = curl_i(&s.url("/hello.txt"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);

    let s = web(&["-access_control_list", "-127.0.0.0/8"]);
    let mut c = s.connect();
    // The server may close before (or while) the request is written.
    let _ = c.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = Vec::new();
    let got = loop {
        let mut chunk = [0u8; 1024];
        match c.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("denied connection not closed: {e}"),
        }
    };
    assert!(
        got && buf.is_empty(),
        "denied client got {:?}",
        String::from_utf8_lossy(&buf)
    );
    let out = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &s.url("/hello.txt"),
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "000");

    let s = web(&[
        "-access_control_list",
        "+127.0.0.1,-10.0.0.0/8,+192.168.1.0/24",
    ]);
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).status, 200);
}

#[test]
fn malformed_acl_is_refused() {
    let www = tree().www();
    let www = www.to_str().unwrap();
    for acl in [
        "10.0.0.1",
        "+192.168/16",
        "+1.2.3.4/33",
        "+256.1.1.1",
        "+1.2.3.4,junk",
    ] {
        let (code, _out, err) = run_to_exit(&[
            "-listening_port",
            "0",
            "-document_root",
            www,
            "-access_control_list",
            acl,
        ]);
        assert_eq!(code, Some(1), "{acl}: {err}");
        assert!(
            err.contains("access_control_list") && err.contains("Invalid"),
            "{acl}: the mg_set_option message should be printed: {err}"
        );
    }
}

// ---------------------------------------------------------------------------
// Access log
// ---------------------------------------------------------------------------

/// Waits for the log to hold `n` lines.
fn log_lines(path: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Parses `IP - USER [DATE] "REQUEST" STATUS BYTES "REFERER" "UA"`.
fn log_fields(line: &str) -> (String, String, u16, u64, String, String) {
    let ip = line.split(' ').next().unwrap().to_string();
    let q1 = line.find('"').expect("request quote");
    let q2 = q1 + 1 + line[q1 + 1..].find('"').expect("request end");
    let request = line[q1 + 1..q2].to_string();
    let mut rest = line[q2 + 1..].trim_start().splitn(3, ' ');
    let status = rest.next().unwrap().parse().expect("status");
    let bytes = rest.next().unwrap().parse().expect("bytes");
    let tail = rest.next().unwrap_or("");
    let quoted: Vec<&str> = tail.split('"').collect();
    let referer = quoted.get(1).copied().unwrap_or("").to_string();
    let ua = quoted.get(3).copied().unwrap_or("").to_string();
    (ip, request, status, bytes, referer, ua)
}

#[test]
fn access_log_lines_count_real_bytes() {
    let log = tree().tmp("access.log");
    let s = web(&["-access_log_file", log.to_str().unwrap()]);
    let ua = "User-Agent: static-test/1.0\r\nReferer: http://ref.example/\r\n";
    let mut raws = Vec::new();
    let cases: &[(&str, &[u8], u16)] = &[
        ("GET", b"/hello.txt", 200),
        ("GET", b"/data.bin", 200),
        ("GET", b"/missing.txt?x=1", 404),
        ("HEAD", b"/hello.txt", 200),
        ("GET", b"/sub", 301),
        ("GET", b"/list/", 200),
    ];
    for (i, &(method, target, want)) in cases.iter().enumerate() {
        let raw = raw_request(s.port, method, target, ua);
        assert_eq!(status_of(&raw), want);
        raws.push(raw);
        // Wait for each line so the order is certain.
        log_lines(&log, i + 1);
    }
    // A range request too.
    let raw = raw_request(
        s.port,
        "GET",
        b"/twelve.txt",
        &format!("{ua}Range: bytes=2-4\r\n"),
    );
    assert_eq!(status_of(&raw), 206);
    raws.push(raw);

    let lines = log_lines(&log, cases.len() + 1);
    assert_eq!(lines.len(), cases.len() + 1, "{lines:#?}");
    for (i, line) in lines.iter().enumerate() {
        let (ip, request, status, bytes, referer, agent) = log_fields(line);
        let (method, target, want) = cases
            .get(i)
            .copied()
            .unwrap_or(("GET", b"/twelve.txt", 206));
        assert_eq!(ip, "127.0.0.1", "{line}");
        assert_eq!(
            request,
            format!("{method} {} HTTP/1.1", String::from_utf8_lossy(target)),
            "{line}"
        );
        assert_eq!(status, want, "{line}");
        assert!(bytes > 0, "{line}");
        assert_eq!(
            bytes,
            raws[i].len() as u64,
            "{line}: byte count differs from the {} bytes received",
            raws[i].len()
        );
        assert_eq!(referer, "http://ref.example/", "{line}");
        assert_eq!(agent, "static-test/1.0", "{line}");
        assert!(
            line.contains(" - - [") && line.contains(" +0000] \""),
            "Combined format: {line}"
        );
    }

    // A request without referer or agent logs `-` for them.
    let mut c = s.connect();
    c.write_all(b"GET /twelve.txt HTTP/1.0\r\n\r\n").unwrap();
    let raw = read_to_close(&mut c);
    let lines = log_lines(&log, cases.len() + 2);
    let last = lines.last().unwrap();
    assert!(last.contains("\"GET /twelve.txt HTTP/1.0\" 200"), "{last}");
    assert!(
        last.ends_with(&format!(" {} \"-\" \"-\"", raw.len())),
        "{last}"
    );
}

// ---------------------------------------------------------------------------
// Methods and error pages
// ---------------------------------------------------------------------------

#[test]
fn methods_and_error_pages() {
    let s = shared();
    let r = curl_i(&s.url("/missing.txt"), &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.body, b"404 Not Found\n");
    assert_eq!(r.header("Content-Length"), Some("14"));

    let r = curl_i(&s.url("/hello.txt"), &["-X", "BREW"]);
    assert_eq!(r.status, 501);
    assert!(r.body.len() < 200);

    for method in ["PUT", "DELETE"] {
        let r = curl_i(
            &s.url("/hello.txt"),
            &["-X", method, "-H", "Content-Length: 0"],
        );
        assert_eq!(r.status, 405, "{method}");
        let allow = r
            .header("Allow")
            .unwrap_or_else(|| panic!("{method}: no Allow"));
        assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
        assert!(!allow.contains(method), "{method} in Allow: {allow}");
    }
    // The file is untouched.
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);

    let r = curl_i(&s.url("/hello.txt"), &["-X", "OPTIONS"]);
    assert_eq!(r.status, 200);
    let allow = r.header("Allow").expect("Allow on OPTIONS");
    assert!(
        allow.contains("GET") && allow.contains("OPTIONS"),
        "{allow}"
    );
    let raw = raw_request(s.port, "OPTIONS", b"*", "");
    assert_eq!(status_of(&raw), 200, "{}", String::from_utf8_lossy(&raw));
    assert!(contains(&raw, b"Allow: "));

    let r = curl_i(&s.url("/hello.txt"), &["-d", "a=b"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);

    // Error replies keep the connection when they can.
    let mut c = s.connect();
    let r = send(&mut c, "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 501);
    let r = send(&mut c, "DELETE /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 405);
    assert!(r.header("Allow").is_some());
    let r = send(&mut c, "OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    let r = send(
        &mut c,
        "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert_eq!((r.status, r.body.as_slice()), (200, HELLO));
    let r = get(&mut c, "/missing");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (404, &b"404 Not Found\n"[..])
    );
    assert_eq!(get(&mut c, "/hello.txt").body, HELLO);
}

// ---------------------------------------------------------------------------
// Streaming: bounded memory, throughput
// ---------------------------------------------------------------------------

#[test]
fn large_file_streams_with_bounded_memory() {
    let s = web(&[]);
    let pid = s.pid();
    // Warm up, then measure.
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).status, 200);
    let baseline = vm_rss_kib(pid);

    let mut c = s.connect();
    c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match c.read(&mut byte) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => assert_eq!(other.unwrap(), 1),
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("Content-Length: 3221225472"), "{head}");

    let target = 200 * MIB;
    let mut buf = vec![0u8; 64 * 1024];
    let (mut got, mut next_check, mut peak) = (0usize, 0usize, baseline);
    let mut marker_seen = false;
    while got < target {
        let n = match c.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("read failed after {got} bytes: {e}"),
        };
        assert!(n > 0, "server closed after {got} bytes");
        if buf[..n].iter().any(|&b| b != 0) {
            marker_seen = true;
        }
        got += n;
        if got >= next_check {
            peak = peak.max(vm_rss_kib(pid));
            next_check += 4 * MIB;
            // A slow-ish reader: the server must wait for the socket.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert!(
        !marker_seen,
        "the first 200 MB of the sparse file are zeros"
    );
    drop(c);
    eprintln!("RSS: baseline {baseline} KiB, peak {peak} KiB over {got} bytes");
    assert!(
        peak < 30 * 1024,
        "server RSS reached {peak} KiB while streaming (baseline {baseline} KiB)"
    );
    assert!(
        peak < baseline + 16 * 1024,
        "server RSS grew from {baseline} to {peak} KiB while streaming"
    );
    // The dropped download does not disturb the server.
    let r = curl_i(&s.url("/hello.txt"), &[]);
    assert_eq!(r.body, HELLO);
    std::thread::sleep(Duration::from_millis(200));
    assert!(vm_rss_kib(pid) < 30 * 1024);
}

#[test]
fn ten_clients_download_concurrently() {
    let s = web(&[]);
    let port = s.port;
    let data = &tree().data;
    let start = Instant::now();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                scope.spawn(move || {
                    let mut c = connect(port);
                    for i in 0..20 {
                        let r = get(&mut c, "/data.bin");
                        assert_eq!(r.status, 200, "download {i}");
                        assert!(r.body == *data, "download {i}: body differs");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    let elapsed = start.elapsed();
    eprintln!("10 x 20 x 1 MiB in {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(8),
        "200 MiB over loopback took {elapsed:?}"
    );
}

// ---------------------------------------------------------------------------
// The standalone binary
// ---------------------------------------------------------------------------

#[test]
fn binary_help_and_bad_flags() {
    let (code, out, _) = run_to_exit(&["-h"]);
    assert_eq!(code, Some(0));
    for name in [
        "document_root",
        "listening_port",
        "enable_directory_listing",
        "access_control_list",
        "url_rewrites",
    ] {
        assert!(out.contains(name), "usage lacks {name}: {out}");
    }
    assert!(out.contains("-c"), "{out}");

    let (code, _, err) = run_to_exit(&["-no_such_option", "x"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no_such_option"), "{err}");
    let (code, _, _) = run_to_exit(&["-document_root"]);
    assert_eq!(code, Some(2), "missing value");
    let (code, _, err) = run_to_exit(&["-c", "/nonexistent/mongoose.conf"]);
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn binary_config_file_and_overrides() {
    let t = tree();
    let conf = t.tmp("mongoose.conf");
    std::fs::write(
        &conf,
        format!(
            "# a comment\n\n  # an indented comment\ndocument_root {}\nenable_directory_listing no\n",
            t.other().display()
        ),
    )
    .unwrap();
    let conf = conf.to_str().unwrap();

    // The config file alone: serves `other`, listing off.
    let s =
        Server::start_cmd(Command::new(mongoose_bin()).args(["-c", conf, "-listening_port", "0"]));
    let mut s = s;
    let mut second = String::new();
    std::io::BufRead::read_line(&mut s.stdout, &mut second).unwrap();
    assert_eq!(second.trim(), format!("Serving {}", t.other().display()));
    assert_eq!(
        curl_i(&s.url("/alias.txt"), &[]).body,
        b"from the alias dir\n"
    );
    assert_eq!(curl_i(&s.url("/"), &[]).status, 403);
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).status, 404);
    drop(s);

    // Command-line flags win over the file.
    let www = t.www();
    let s = Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-c", conf, "-listening_port", "0", "-document_root"])
            .arg(&www)
            .args(["-enable_directory_listing", "yes"]),
    );
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);
    assert_eq!(curl_i(&s.url("/alias.txt"), &[]).status, 404);
    assert_eq!(curl_i(&s.url("/list/"), &[]).status, 200);
    drop(s);

    // A bad line in the config file.
    let bad = t.tmp("bad.conf");
    std::fs::write(&bad, "no_such_option 1\n").unwrap();
    let (code, _, err) = run_to_exit(&["-c", bad.to_str().unwrap(), "-listening_port", "0"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn binary_defaults_to_the_current_directory() {
    // No -document_root: "." is served.
    let s = Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-listening_port", "0"])
            .current_dir(tree().vhost()),
    );
    assert_eq!(curl_i(&s.url("/v.txt"), &[]).body, b"virtual host file\n");
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, b"vhost hello\n");
    // Directory listing is on by default.
    assert!(curl_i(&s.url("/"), &[]).text().contains("v.txt"));
}

/// The address a listening socket of this machine on `port` is bound to,
/// from /proc/net/tcp (IPv4, as `make run` uses).
fn listening_address(port: u16) -> Option<std::net::Ipv4Addr> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (ip, p) = fields.get(1)?.split_once(':')?;
        let listening = fields.get(3) == Some(&"0A");
        (listening && u16::from_str_radix(p, 16).ok()? == port).then(|| {
            // The address is the 32-bit value in host (little-endian) order.
            std::net::Ipv4Addr::from(u32::from_str_radix(ip, 16).unwrap_or(0).swap_bytes())
        })
    })
}

#[test]
fn make_run_listens_on_loopback_unless_asked() {
    // `make run` in a checkout serves .git/ too: only this machine may see
    // it unless HOST says otherwise, and ARGS hides dot-files as the README
    // says. Runs the command `make run` would run.
    let www = tree().www();
    let hide = "ARGS=-hide_files_patterns '.*'";
    for (extra, want, dot_status) in [
        (None, [127, 0, 0, 1], 200),
        (Some("HOST=0.0.0.0"), [0, 0, 0, 0], 200),
        (Some(hide), [127, 0, 0, 1], 404),
    ] {
        let out = Command::new("make")
            .current_dir(root())
            .args(["-n", "run", "PORT=0", &format!("DIR={}", www.display())])
            .args(extra)
            .output()
            .expect("run make");
        let plan = String::from_utf8_lossy(&out.stdout);
        let line = plan
            .lines()
            .find(|l| l.contains("mongoose -document_root"))
            .unwrap_or_else(|| panic!("no server command in `make -n run`:\n{plan}"));
        let s = Server::start_cmd(
            Command::new("sh")
                .arg("-c")
                .arg(format!("exec {line}"))
                .current_dir(root()),
        );
        assert_eq!(
            listening_address(s.port),
            Some(std::net::Ipv4Addr::from(want)),
            "{line}"
        );
        assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);
        assert_eq!(
            curl_i(&s.url("/list/.dotfile"), &[]).status,
            dot_status,
            "{line}"
        );
        let listing = curl_i(&s.url("/list/"), &[]).text();
        assert_eq!(listing.contains(".dotfile"), dot_status == 200, "{line}");
    }
}

#[test]
fn binary_stops_cleanly_on_signals() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut s = web(&[]);
        // With a connection open and a download in flight.
        let mut c = s.connect();
        c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        assert!(c.read(&mut buf).unwrap() > 0);
        let start = Instant::now();
        // SAFETY: signalling our own child.
        unsafe { libc::kill(s.pid() as i32, sig) };
        let status = wait_exit(&mut s.child, Duration::from_secs(3))
            .unwrap_or_else(|| panic!("signal {sig}: server did not exit"));
        assert_eq!(status.code(), Some(0), "signal {sig}");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "signal {sig}: {:?}",
            start.elapsed()
        );
    }
}

// ---------------------------------------------------------------------------
// mg_send_file and MG_HTTP_ERROR from a handler
// ---------------------------------------------------------------------------

fn send_file_server() -> Server {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(|| compile_c("send_file_server", &[]));
    let www = tree().www();
    Server::start(bin, &[www.to_str().unwrap()])
}

fn send_url(s: &Server, file: &Path) -> String {
    s.url(&format!(
        "/send?path={}",
        url_encode(file.to_str().unwrap())
    ))
}

#[test]
fn mg_send_file_from_a_handler() {
    let s = send_file_server();
    let www = tree().www();

    let r = curl_i(&send_url(&s, &www.join("hello.txt")), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, HELLO);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.header("Content-Length"), Some("14"));

    let r = curl_i(&send_url(&s, &www.join("data.bin")), &[]);
    assert_eq!(r.status, 200);
    assert!(r.body == tree().data, "1 MiB via mg_send_file differs");

    let r = curl_i(&send_url(&s, &www.join("twelve.txt")), &["-r", "2-4"]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"234");
    assert_eq!(r.header("Content-Range"), Some("bytes 2-4/12"));

    let r = curl_i(
        &send_url(&s, &www.join("big.bin")),
        &["-r", &format!("{MARK_AT}-{}", MARK_AT + 15)],
    );
    assert_eq!(r.status, 206);
    assert_eq!(r.body, MARK);

    let r = curl_i(&send_url(&s, &www.join("no-such-file")), &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.body, b"404 Not Found\n");

    // Conditional requests apply too.
    let r = curl_i(&send_url(&s, &www.join("hello.txt")), &[]);
    let etag = r.header("Etag").unwrap().to_string();
    let r = curl_i(
        &send_url(&s, &www.join("hello.txt")),
        &["-H", &format!("If-None-Match: {etag}")],
    );
    assert_eq!(r.status, 304);

    // Keep-alive after mg_send_file, small and streamed bodies.
    let mut c = s.connect();
    let path = |name: &str| {
        format!(
            "/send?path={}",
            url_encode(www.join(name).to_str().unwrap())
        )
    };
    let r = get(&mut c, &path("hello.txt"));
    assert_eq!((r.status, r.body.as_slice()), (200, HELLO));
    let r = get(&mut c, &path("data.bin"));
    assert_eq!(r.status, 200);
    assert!(r.body == tree().data);
    let r = get(&mut c, &path("twelve.txt"));
    assert_eq!((r.status, r.body.as_slice()), (200, TWELVE));
    let r = get(&mut c, &path("missing"));
    assert_eq!(r.status, 404);
    let r = get(&mut c, "/hello");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
    let r = get(&mut c, "/hello.txt");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, HELLO),
        "built-in after a handler"
    );
}

#[test]
fn mg_http_error_replaces_error_pages() {
    let s = send_file_server();
    let r = curl_i(&s.url("/custom/missing.txt"), &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "custom 404 for /custom/missing.txt");
    let r = curl_i(&s.url("/other/missing.txt"), &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.body, b"404 Not Found\n");
    // Declined requests are served by the built-in handling.
    assert_eq!(curl_i(&s.url("/hello.txt"), &[]).body, HELLO);

    // The custom page keeps the connection usable.
    let mut c = s.connect();
    let r = get(&mut c, "/custom/x");
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "custom 404 for /custom/x")
    );
    let r = get(&mut c, "/hello.txt");
    assert_eq!((r.status, r.body.as_slice()), (200, HELLO));
}

/// Request buffers are shared between connections through a pool: a
/// connection whose own head never parsed must not show another client's
/// request (here in the error redirect's `orig_uri` and `query_string`).
#[test]
fn error_redirect_never_shows_another_connections_request() {
    let s = web(&[
        "-url_rewrites",
        "400=/err,408=/err",
        "-request_timeout_ms",
        "300",
    ]);
    let mut a = s.connect();
    let r = get(&mut a, "/secret-path?token=hunter2");
    assert_eq!(r.status, 404);

    let bad = exchange(s.port, b"BAD REQUEST LINE\x01\r\n\r\n");
    let bad = String::from_utf8_lossy(&bad).into_owned();
    assert!(bad.starts_with("HTTP/1.1 302"), "{bad}");
    assert!(bad.contains("Location: /err?code=400"), "{bad}");
    assert!(!bad.contains("secret") && !bad.contains("hunter2"), "{bad}");

    // A head that never completes: 408 after request_timeout_ms.
    let partial = exchange_open(s.port, b"GET /partial");
    let partial = String::from_utf8_lossy(&partial).into_owned();
    assert!(partial.contains("code=408"), "{partial}");
    assert!(
        !partial.contains("secret") && !partial.contains("hunter2"),
        "{partial}"
    );
    drop(a);
}
