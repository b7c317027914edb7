mod common;
use common::*;

// Hostile and malformed input, driven over raw loopback sockets against
// tests/c/test_server.c: every error must give the exact status, close the
// connection (or keep it where correct), and leave the server healthy.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const EXACT_400: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nDate: D\r\nContent-Length: 16\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n400 Bad Request\n";

/// A fresh connection with a short read timeout (a hang fails fast).
fn conn(srv: &Server) -> TcpStream {
    let s = srv.connect();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// The server still answers a normal request on a new connection.
fn assert_healthy(srv: &Server) {
    let mut s = conn(srv);
    let r = get(&mut s, "/hello");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "Hello [/hello]");
}

/// Sends `request` on a fresh connection (write side left open), expects
/// exactly one reply with `code`, announced with `Connection: close`, and
/// then EOF from the server.
fn expect_error(srv: &Server, request: &[u8], code: u16) -> Response {
    let mut s = conn(srv);
    // Ignore write errors: the server may have answered and closed already.
    let _ = s.write_all(request);
    let r = read_response(&mut s);
    assert_eq!(
        r.status,
        code,
        "request {:?} got {:?}",
        String::from_utf8_lossy(request),
        String::from_utf8_lossy(&r.raw)
    );
    assert_eq!(
        r.header("Connection"),
        Some("close"),
        "{:?}",
        String::from_utf8_lossy(&r.raw)
    );
    assert!(
        is_closed(&mut s, Duration::from_secs(3)),
        "connection left open after {code} for {:?}",
        String::from_utf8_lossy(request)
    );
    r
}

/// Like `expect_error`, and the reply must be the exact 400 reply.
fn expect_400(srv: &Server, request: &[u8]) {
    let r = expect_error(srv, request, 400);
    assert_eq!(
        fixed_dates(&r.raw),
        EXACT_400,
        "for {:?}: {:?}",
        String::from_utf8_lossy(request),
        String::from_utf8_lossy(&r.raw)
    );
}

/// Writes `prefix` then `total` bytes of `fill` in a thread, ignoring
/// errors (the server is expected to refuse and close). Returns the join
/// handle; the flag stops it early.
fn flood(
    mut s: TcpStream,
    prefix: Vec<u8>,
    fill: u8,
    total: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        if s.write_all(&prefix).is_err() {
            return 0;
        }
        let block = vec![fill; 64 * 1024];
        let mut sent = 0;
        while sent < total && !stop.load(Ordering::Relaxed) {
            match s.write(&block) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        sent
    })
}

// ---------------------------------------------------------------------------
// Malformed request lines and headers → 400 and close.

#[test]
fn error_reply_format_for_400_is_exact() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    s.write_all(b"garbage\r\n\r\n").unwrap();
    assert_eq!(fixed_dates(&read_to_close(&mut s)), EXACT_400);
    assert_healthy(&srv);
}

#[test]
fn malformed_request_lines_give_400_and_close() {
    let srv = start_test_server(&[]);
    let cases: &[&[u8]] = &[
        b"garbage\r\n\r\n",
        b"GET /\r\n\r\n",                    // missing version
        b"GET\r\n\r\n",                      // method only
        b"GET  HTTP/1.1\r\nHost: x\r\n\r\n", // missing URI
        b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET / FOO/1.1\r\n\r\n",
        b"GET / HTTP/\r\n\r\n",
        b"GET / HTTP/1\r\n\r\n",
        b"GET abc HTTP/1.1\r\nHost: x\r\n\r\n",  // invalid URI
        b" / HTTP/1.1\r\nHost: x\r\n\r\n",       // missing method
        b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", // control byte in method
        b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", // control byte in URI
        b"GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n", // DEL in URI
        b"GET /a\x1bb HTTP/1.1\r\nHost: x\r\n\r\n", // ESC in URI
        b"\x01GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n",  // NUL in URI
        b"GET\0/ HTTP/1.1\r\nHost: x\r\n\r\n",   // NUL in method
        b"GET / HTTP/1.1\0\r\n\r\n",             // NUL after version
        b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", // encoded NUL
        b"GET / HTTP/1.1\rHost: x\r\r",          // lone CR line endings
        b"GET / HTTP/1.1\rHost: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", // TLS hello-ish
    ];
    for case in cases {
        expect_400(&srv, case);
    }
    assert_healthy(&srv);
}

#[test]
fn malformed_headers_give_400_and_close() {
    let srv = start_test_server(&[]);
    let cases: &[&[u8]] = &[
        b"GET /hello HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n", // space before colon
        b"GET /hello HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", // obs-fold
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX\0Y: v\r\n\r\n", // NUL in header name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", // NUL in header value
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", // control byte in value
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n", // DEL in value
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX\x01A: v\r\n\r\n", // control byte in name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", // lone CR in value
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX(A): v\r\n\r\n", // separator in name
    ];
    for case in cases {
        expect_400(&srv, case);
    }
    assert_healthy(&srv);
}

#[test]
fn more_header_syntax_errors_give_400() {
    // The ways a header line can be read differently by a proxy in front
    // (RFC 9112 5.1, 5.2; RFC 9110 5.1, 5.5): each is refused.
    let srv = start_test_server(&[]);
    let cases: &[&[u8]] = &[
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A\t: v\r\n\r\n", // tab before colon
        b"GET /hello HTTP/1.1\r\nTransfer-Encoding : chunked\r\nHost: x\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: v\r\n\tfolded\r\n\r\n", // obs-fold, tab
        b"GET /hello HTTP/1.1\r\nHost: x\r\n X-A: v\r\n\r\n",            // space before a name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX\xc3\xa9: v\r\n\r\n",       // non-ASCII in a name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX@A: v\r\n\r\n",             // '@' in a name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX A: v\r\n\r\n",             // space in a name
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\x0cb\r\n\r\n",        // form feed in a value
        b"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\x0c\r\n\r\n",
    ];
    for case in cases {
        expect_400(&srv, case);
    }
    assert_healthy(&srv);
}

#[test]
fn bare_lf_line_endings_give_400() {
    // RFC 9112 2.2 lets a server accept a bare LF as a line end, but a
    // proxy that does not would read `X: a<LF>Content-Length: 5` as one
    // header: the two disagree on the body. Refused everywhere in the head.
    let srv = start_test_server(&[]);
    let cases: &[&[u8]] = &[
        b"GET /hello HTTP/1.1\nHost: x\n\n",
        b"GET /hello HTTP/1.1\nHost: x\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\nX-A: v\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: x\r\n\n",
        b"GET /hello HTTP/1.0\n\n", // also for HTTP/1.0
        b"\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nX-A: v\nContent-Length: 5\r\n\r\nhello",
    ];
    for case in cases {
        expect_400(&srv, case);
    }
    // Empty lines (CRLF) before the request line are still skipped.
    let mut s = conn(&srv);
    s.write_all(b"\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).text(), "Hello [/hello]");
    assert_eq!(get(&mut s, "/counter").text(), "count=2");
    assert_healthy(&srv);
}

#[test]
fn http11_needs_exactly_one_valid_host() {
    // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, for any
    // request with more than one, and for an invalid one.
    let srv = start_test_server(&[]);
    let cases: &[&[u8]] = &[
        b"GET /hello HTTP/1.1\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nX-Host: x\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /hello HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /hello HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: a/b\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: user@a\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: a:80x\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: [::1\r\n\r\n",
        b"GET http://a/hello HTTP/1.1\r\n\r\n", // absolute form needs Host too
    ];
    for case in cases {
        expect_400(&srv, case);
    }
    // What stays accepted: HTTP/1.0 without Host (5.4 programs and old
    // clients send that), the usual forms, an empty Host.
    for req in [
        &b"GET /hello HTTP/1.0\r\n\r\n"[..],
        b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost:\r\n\r\n",
    ] {
        let mut s = conn(&srv);
        s.write_all(req).unwrap();
        let r = read_response(&mut s);
        assert_eq!(
            (r.status, r.text()),
            (200, "Hello [/hello]".to_string()),
            "{:?}",
            String::from_utf8_lossy(req)
        );
    }
    assert_healthy(&srv);
}

#[test]
fn error_after_a_good_request_on_the_same_connection() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    assert_eq!(get(&mut s, "/hello").status, 200);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        .unwrap();
    assert_eq!(fixed_dates(&read_to_close(&mut s)), EXACT_400);

    // Pipelined: a good request then garbage in one write.
    let mut s = conn(&srv);
    s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\x01\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert_eq!(fixed_dates(&read_to_close(&mut s)), EXACT_400);
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Versions.

#[test]
fn unsupported_versions_give_505() {
    let srv = start_test_server(&[]);
    for v in ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"] {
        let req = format!("GET /hello {v}\r\nHost: x\r\n\r\n");
        let r = expect_error(&srv, req.as_bytes(), 505);
        assert_eq!(r.status_line, "HTTP/1.1 505 HTTP Version Not Supported");
    }
    assert_healthy(&srv);
}

#[test]
fn lower_case_version_is_rejected() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    s.write_all(b"GET /hello http/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s);
    assert!(r.status == 400 || r.status == 505, "{:?}", r.status_line);
    // What this implementation does: not `HTTP/x.y`, so malformed.
    assert_eq!(fixed_dates(&r.raw), EXACT_400);
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Body framing.

#[test]
fn invalid_content_length_gives_400() {
    let srv = start_test_server(&[]);
    for cl in [
        "-1",
        "-0",
        "abc",
        "1 0",
        "1\t0",
        "+5",
        "5x",
        "0x10",
        "1.5",
        "",
        "18446744073709551616",       // 2^64
        "99999999999999999999999999", // far over 2^64
        "5, 5",                       // list form
    ] {
        let req = format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {cl}\r\n\r\nhello");
        expect_400(&srv, req.as_bytes());
    }
    // Two different Content-Lengths: the classic smuggling vector.
    expect_400(
        &srv,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    );
    expect_400(
        &srv,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_healthy(&srv);
}

#[test]
fn huge_but_parseable_content_length_is_413_not_a_crash() {
    // 19 digits: fits in u64, far over the body limit.
    let srv = start_test_server(&[]);
    expect_error(
        &srv,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999999\r\n\r\n",
        413,
    );
    assert_healthy(&srv);
}

#[test]
fn two_equal_content_lengths_are_accepted_and_kept_alive() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("content_len=5\n"), "{t}");
    assert!(t.ends_with("body=hello"), "{t}");
    // Kept alive: the next request on the connection is answered.
    assert_eq!(get(&mut s, "/counter").text(), "count=2");
}

#[test]
fn transfer_encoding_errors() {
    let srv = start_test_server(&[]);
    // Content-Length together with chunked → 400 (CL.TE smuggling).
    expect_400(
        &srv,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    expect_400(
        &srv,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    );
    // Chunked not the final coding, or twice: the body's length is
    // unknown → 400 (RFC 9112 6.3).
    for te in [
        "gzip",
        "chunked, gzip",
        "xchunked",
        "identity",
        "chunked, chunked",
        "chunked;x=1",
        "",
    ] {
        let req = format!("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n");
        expect_400(&srv, req.as_bytes());
    }
    // Malformed chunk sizes → 400.
    for body in [
        &b"zz\r\nhello\r\n0\r\n\r\n"[..],
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"0x5\r\nhello\r\n0\r\n\r\n",
        b"ffffffffffffffffffff\r\n",
        b"\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n", // chunk not followed by CRLF
    ] {
        let mut req =
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        req.extend_from_slice(body);
        expect_400(&srv, &req);
    }
    // An endless chunk extension (the size line is capped).
    let mut req =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
    req.extend_from_slice(&[b'e'; 8000]);
    expect_400(&srv, &req);
    assert_healthy(&srv);
}

#[test]
fn codings_before_chunked_give_501() {
    // The framing is chunked, but we decode no other coding: 501 (RFC 9112
    // 6.1) rather than handing the handler gzip bytes as the body. Also
    // when the list is split over two header lines.
    let srv = start_test_server(&[]);
    for te in [
        &b"Transfer-Encoding: gzip, chunked\r\n"[..],
        b"Transfer-Encoding: deflate,chunked\r\n",
        b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
    ] {
        let mut req = b"POST /echo HTTP/1.1\r\nHost: x\r\n".to_vec();
        req.extend_from_slice(te);
        req.extend_from_slice(b"\r\n5\r\nhello\r\n0\r\n\r\n");
        let r = expect_error(&srv, &req, 501);
        assert_eq!(r.status_line, "HTTP/1.1 501 Not Implemented");
    }
    assert_healthy(&srv);
}

#[test]
fn transfer_encoding_in_http10_gives_400() {
    // HTTP/1.0 has no transfer codings: the framing is faulty (RFC 9112
    // 6.1), whatever a proxy would make of it.
    let srv = start_test_server(&[]);
    expect_400(
        &srv,
        b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect_400(
        &srv,
        b"POST /echo HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    // Without it, an HTTP/1.0 body is read by its length as before.
    let mut s = conn(&srv);
    s.write_all(b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    let r = read_response(&mut s);
    assert!(r.text().ends_with("body=hello"), "{}", r.text());
    assert_healthy(&srv);
}

#[test]
fn chunked_framing_is_strict() {
    // RFC 9112 7.1: CRLF only, 1*HEXDIG sizes, well-formed extensions and
    // trailers. Each case below is one where a lenient parser in front
    // would find a different end of the body (the "funky chunks" vectors).
    let srv = start_test_server(&[]);
    for body in [
        &b"5\nhello\r\n0\r\n\r\n"[..],   // bare LF after the size
        b"5\r\nhello\n0\r\n\r\n",        // bare LF after the data
        b"5\r\nhello\r\n0\n\r\n",        // bare LF after the last chunk
        b"5\r\nhello\r\n0\r\n\n",        // bare LF ending the trailers
        b"5;\nhello\r\n0\r\n\r\n",       // LF inside an extension
        b"5;a\rb\r\nhello\r\n0\r\n\r\n", // CR inside an extension
        b"5;a b\r\nhello\r\n0\r\n\r\n",  // not an extension
        b"5;=b\r\nhello\r\n0\r\n\r\n",
        b"5;a=\"b\r\nhello\r\n0\r\n\r\n", // unterminated quoted string
        b"5 \r\nhello\r\n0\r\n\r\n",      // trailing space
        b" 5\r\nhello\r\n0\r\n\r\n",      // leading space
        b"+5\r\nhello\r\n0\r\n\r\n",
        b"5_0\r\nhello\r\n0\r\n\r\n",
        b"1000000000000005\r\nhello\r\n0\r\n\r\n", // 16 digits: overflow guard
        b"5\r\nhello\r\n0\r\nT: v\n\r\n",          // bare LF in a trailer
        b"5\r\nhello\r\n0\r\nnot a field\r\n\r\n",
        b"5\r\nhello\r\n0\r\nT : v\r\n\r\n",
    ] {
        let mut req =
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        req.extend_from_slice(body);
        expect_400(&srv, &req);
    }
    // What the grammar allows is accepted: extensions (quoted values
    // too), leading zeros, trailer fields.
    let mut s = conn(&srv);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          0003 ;a=1; b = \"x;y\"\r\nhel\r\n2;c\r\nlo\r\n0\r\nX-T: 1\r\n\r\n",
    )
    .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert!(r.text().ends_with("body=hello"), "{}", r.text());
    assert_eq!(get(&mut s, "/counter").text(), "count=2");
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Request smuggling.

#[test]
fn body_that_looks_like_a_request_is_not_answered() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    let inner = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    let req = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{inner}",
        inner.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert!(r.text().ends_with(&format!("body={inner}")), "{}", r.text());
    // Exactly one response: nothing else arrives...
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 256];
    match s.read(&mut buf) {
        Ok(n) => panic!(
            "unexpected extra {n} bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{e}"
        ),
    }
    // ...and the connection has seen exactly two requests after this one.
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(get(&mut s, "/counter").text(), "count=2");
}

#[test]
fn chunked_body_that_looks_like_a_request_is_body() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    let inner = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    let req = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{inner}\r\n0\r\n\r\nGET /counter HTTP/1.1\r\nHost: x\r\n\r\n",
        inner.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let r = read_response(&mut s);
    assert!(r.text().ends_with(&format!("body={inner}")), "{}", r.text());
    assert_eq!(read_response(&mut s).text(), "count=2");
}

#[test]
fn content_length_as_40th_header_still_frames_the_body() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    let mut req = String::from("POST /echo HTTP/1.1\r\n");
    for i in 1..40 {
        req += &format!("X-H{i}: v{i}\r\n");
    }
    // Host past the 30 public headers is seen too.
    req += "Host: x\r\n";
    let body = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    req += &format!("Content-Length: {}\r\n\r\n{body}", body.len());
    // The next pipelined request.
    req += "GET /counter HTTP/1.1\r\nHost: x\r\n\r\n";
    s.write_all(req.as_bytes()).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("num_headers=30\n"), "{t}");
    assert!(t.contains("header X-H30: v30\n"), "{t}");
    assert!(!t.contains("X-H31"), "{t}");
    assert!(t.contains(&format!("content_len={}\n", body.len())), "{t}");
    assert!(t.ends_with(&format!("body={body}")), "{t}");
    // The pipelined request is answered, and nothing was answered in between.
    let r = read_response(&mut s);
    assert_eq!(r.text(), "count=2");
    assert_eq!(get(&mut s, "/counter").text(), "count=3");
}

// ---------------------------------------------------------------------------
// Head size limit (16384).

#[test]
fn one_huge_header_gives_431() {
    let srv = start_test_server(&[]);
    let req = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20000)
    );
    let r = expect_error(&srv, req.as_bytes(), 431);
    assert_eq!(
        r.status_line,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    assert_healthy(&srv);
}

#[test]
fn many_headers_give_431() {
    let srv = start_test_server(&[]);
    // Many small headers (under 16 KiB in all, but more than we parse).
    let mut req = String::from("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        req += &format!("H{i}: v\r\n");
    }
    req += "\r\n";
    assert!(req.len() < 16384);
    expect_error(&srv, req.as_bytes(), 431);
    // Many headers over 16 KiB in all.
    let mut req = String::from("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for i in 0..100 {
        req += &format!("Header-{i}: {}\r\n", "v".repeat(200));
    }
    req += "\r\n";
    expect_error(&srv, req.as_bytes(), 431);
    assert_healthy(&srv);
}

#[test]
fn huge_uri_gives_431() {
    let srv = start_test_server(&[]);
    let req = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "u".repeat(20000));
    expect_error(&srv, req.as_bytes(), 431);
    assert_healthy(&srv);
}

/// A request whose head is exactly `len` bytes (padding in one header).
fn head_of_len(len: usize) -> Vec<u8> {
    let start = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    let end = "\r\n\r\n";
    let pad = len - start.len() - end.len();
    format!("{start}{}{end}", "p".repeat(pad)).into_bytes()
}

#[test]
fn head_just_under_and_at_the_limit_works() {
    let srv = start_test_server(&[]);
    for len in [16000, 16383, 16384] {
        let mut s = conn(&srv);
        s.write_all(&head_of_len(len)).unwrap();
        let r = read_response(&mut s);
        assert_eq!(r.status, 200, "head of {len} bytes");
        assert_eq!(r.text(), "Hello [/hello]");
        // Kept alive.
        assert_eq!(get(&mut s, "/counter").text(), "count=2");
    }
    expect_error(&srv, &head_of_len(16385), 431);
    assert_healthy(&srv);
}

#[test]
fn endless_head_is_refused_without_unbounded_buffering() {
    let srv = start_test_server(&[]);
    let rss_before = vm_rss_kib(srv.pid());
    let mut s = conn(&srv);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = flood(
        s.try_clone().unwrap(),
        b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Endless: ".to_vec(),
        b'a',
        50 << 20,
        stop.clone(),
    );
    let r = read_response(&mut s);
    assert_eq!(r.status, 431);
    assert_eq!(r.header("Connection"), Some("close"));
    let rss = vm_rss_kib(srv.pid());
    assert!(is_closed(&mut s, Duration::from_secs(5)), "not closed");
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let rss = rss.max(vm_rss_kib(srv.pid()));
    assert!(
        rss < 30 * 1024,
        "server RSS {rss} kB (before {rss_before} kB)"
    );
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Body size limit.

#[test]
fn content_length_over_the_limit_gives_413_before_the_body() {
    let srv = start_test_server(&["max_request_body_size=1000"]);
    let mut s = conn(&srv);
    let t0 = Instant::now();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "413 took {:?}",
        t0.elapsed()
    );
    assert_eq!(
        fixed_dates_text(&r.raw),
        "HTTP/1.1 413 Request Entity Too Large\r\nDate: D\r\nContent-Length: 29\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n413 Request Entity Too Large\n"
    );
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    // With Expect: 100-continue, no 100 Continue is sent first.
    let mut s = conn(&srv);
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n",
    )
    .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 413);
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    // At the limit is fine.
    let mut s = conn(&srv);
    let mut req = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".to_vec();
    req.extend_from_slice(&[b'b'; 1000]);
    s.write_all(&req).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("content_len=1000\n"));
    assert_eq!(get(&mut s, "/counter").text(), "count=2");
    assert_healthy(&srv);
}

#[test]
fn chunked_body_over_the_limit_gives_413() {
    let srv = start_test_server(&["max_request_body_size=1000"]);
    // One chunk announced over the limit: refused on its size line.
    let mut s = conn(&srv);
    let t0 = Instant::now();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n")
        .unwrap();
    let r = read_response(&mut s);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "413 took {:?}",
        t0.elapsed()
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    // Many small chunks adding up to more than the limit.
    let mut s = conn(&srv);
    let mut req = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..30 {
        req.extend_from_slice(b"40\r\n");
        req.extend_from_slice(&[b'c'; 0x40]);
        req.extend_from_slice(b"\r\n");
    }
    let _ = s.write_all(&req);
    let r = read_response(&mut s);
    assert_eq!(r.status, 413);
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    // Just at the limit: fine.
    let mut s = conn(&srv);
    let mut req = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(b"3e8\r\n");
    req.extend_from_slice(&[b'c'; 1000]);
    req.extend_from_slice(b"\r\n0\r\n\r\n");
    s.write_all(&req).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("content_len=1000\n"), "{}", r.text());
    assert_healthy(&srv);
}

#[test]
fn one_gib_upload_is_refused_with_bounded_memory() {
    // Default limits (32 MiB body).
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = flood(
        s.try_clone().unwrap(),
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n".to_vec(),
        b'z',
        50 << 20,
        stop.clone(),
    );
    let t0 = Instant::now();
    let r = read_response(&mut s);
    assert_eq!(r.status, 413);
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "413 took {:?}",
        t0.elapsed()
    );
    let mut rss = vm_rss_kib(srv.pid());
    assert!(is_closed(&mut s, Duration::from_secs(5)), "not closed");
    rss = rss.max(vm_rss_kib(srv.pid()));
    let sent = writer.join().unwrap();
    rss = rss.max(vm_rss_kib(srv.pid()));
    assert!(
        rss < 30 * 1024,
        "server RSS {rss} kB after the client sent {sent} bytes"
    );
    assert_healthy(&srv);

    // Chunked flavour: one endless chunk.
    let mut s = conn(&srv);
    let writer = flood(
        s.try_clone().unwrap(),
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40000000\r\n"
            .to_vec(),
        b'z',
        50 << 20,
        stop.clone(),
    );
    let r = read_response(&mut s);
    assert_eq!(r.status, 413);
    assert!(is_closed(&mut s, Duration::from_secs(5)), "not closed");
    writer.join().unwrap();
    let rss = vm_rss_kib(srv.pid());
    assert!(rss < 30 * 1024, "server RSS {rss} kB");
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Timeouts.

#[test]
fn slowloris_head_gets_408_and_close() {
    let srv = start_test_server(&["request_timeout_ms=500"]);
    let mut s = conn(&srv);
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let t0 = Instant::now();
    s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let mut eof = false;
    while t0.elapsed() < Duration::from_secs(3) {
        let _ = s.write(b"a"); // may fail once the server closed
        match s.read(&mut buf) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                eof = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let elapsed = t0.elapsed();
    assert!(
        eof,
        "not closed after {elapsed:?}; got {:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(
        elapsed < Duration::from_millis(1500),
        "closed after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(400),
        "closed too early: {elapsed:?}"
    );
    assert_eq!(
        fixed_dates_text(&got),
        "HTTP/1.1 408 Request Timeout\r\nDate: D\r\nContent-Length: 20\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n408 Request Timeout\n"
    );
    assert_healthy(&srv);
}

#[test]
fn idle_keep_alive_connection_is_closed_silently() {
    let srv = start_test_server(&["idle_timeout_ms=500"]);
    let mut s = conn(&srv);
    assert_eq!(get(&mut s, "/hello").status, 200);
    let t0 = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut buf = [0u8; 64];
    let n = match s.read(&mut buf) {
        Ok(n) => n,
        Err(e) if e.kind() == ErrorKind::ConnectionReset => 0,
        Err(e) => panic!("not closed after {:?}: {e}", t0.elapsed()),
    };
    assert_eq!(
        n,
        0,
        "unexpected bytes {:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    let elapsed = t0.elapsed();
    assert!(
        elapsed < Duration::from_millis(1500),
        "closed after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(400),
        "closed too early: {elapsed:?}"
    );

    // A fresh connection that never sends anything is closed the same way.
    let mut s = conn(&srv);
    let t0 = Instant::now();
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "closed after {:?}",
        t0.elapsed()
    );
    assert_healthy(&srv);
}

#[test]
fn busy_keep_alive_connection_stays_open() {
    let srv = start_test_server(&["idle_timeout_ms=500", "request_timeout_ms=500"]);
    let mut s = conn(&srv);
    for i in 1..=8 {
        assert_eq!(get(&mut s, "/counter").text(), format!("count={i}"));
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn stalled_body_gets_408_and_close() {
    let srv = start_test_server(&["idle_timeout_ms=500"]);
    let mut s = conn(&srv);
    let t0 = Instant::now();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    let r = read_response(&mut s);
    let elapsed = t0.elapsed();
    assert_eq!(r.status, 408);
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(
        elapsed < Duration::from_millis(1500),
        "408 after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(400),
        "408 too early: {elapsed:?}"
    );
    assert!(is_closed(&mut s, Duration::from_secs(3)));
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Client disconnects.

fn closes(srv: &Server) -> i32 {
    let mut s = conn(srv);
    let t = get(&mut s, "/stats").text();
    t.strip_prefix("closes=").unwrap().parse().unwrap()
}

#[test]
fn client_disconnect_mid_body_fires_mg_close() {
    let srv = start_test_server(&[]);
    let before = closes(&srv);
    {
        let mut s = conn(&srv);
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial body")
            .unwrap();
    } // dropped: FIN mid-body
    {
        // And one that resets mid-head.
        let s = conn(&srv);
        let mut w = &s;
        w.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-")
            .unwrap();
        // SO_LINGER 0 → RST on close.
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        use std::os::unix::io::AsRawFd;
        // SAFETY: valid socket and option struct.
        unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    // The /stats connection of `before` plus the two above have closed.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let n = closes(&srv);
        if n >= before + 3 {
            break;
        }
        assert!(Instant::now() < deadline, "closes={n}, before={before}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Random garbage.

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Splits `bytes` into responses (Content-Length or chunked framing);
/// returns their status codes. Panics on anything else.
fn statuses(bytes: &[u8]) -> Vec<u16> {
    let whole = || String::from_utf8_lossy(bytes).into_owned();
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end =
            find(rest, b"\r\n\r\n").unwrap_or_else(|| panic!("truncated reply {:?}", whole()));
        let head = String::from_utf8_lossy(&rest[..end]).into_owned();
        let status: u16 = head
            .strip_prefix("HTTP/1.1 ")
            .and_then(|h| h.get(..3))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("bad reply {:?}", whole()));
        rest = &rest[end + 4..];
        if head.contains("\r\nTransfer-Encoding: chunked") {
            loop {
                let line =
                    find(rest, b"\r\n").unwrap_or_else(|| panic!("bad chunk in {:?}", whole()));
                let size = std::str::from_utf8(&rest[..line])
                    .ok()
                    .and_then(|l| usize::from_str_radix(l, 16).ok())
                    .unwrap_or_else(|| panic!("bad chunk size in {:?}", whole()));
                rest = &rest[line + 2 + size + 2..];
                if size == 0 {
                    break;
                }
            }
        } else {
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no framing in {:?}", whole()));
            rest = &rest[len..];
        }
        out.push(status);
    }
    out
}

#[test]
fn random_garbage_never_hangs_or_crashes() {
    let srv = start_test_server(&["request_timeout_ms=1000", "idle_timeout_ms=1000"]);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let alphabet: &[u8] = b"GETPOST /HTP1.0\r\n:;,-x\t\0\x01\xff?%Content-Length: chunked";
    let mut answered = 0;
    for i in 0..200 {
        let len = 1 + rng.below(300) as usize;
        let mut data: Vec<u8> = (0..len)
            .map(|_| {
                if i % 2 == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len() as u64) as usize]
                }
            })
            .collect();
        let prefixed = i % 4 == 3;
        if prefixed {
            // Garbage inside an otherwise valid head.
            let mut v = b"GET /hello HTTP/1.1\r\nHost: x\r\n".to_vec();
            v.append(&mut data);
            v.extend_from_slice(b"\r\n\r\n");
            data = v;
        }
        let mut s = conn(&srv);
        let _ = s.write_all(&data);
        shutdown_write(&s);
        let t0 = Instant::now();
        let reply = read_to_close(&mut s);
        assert!(
            t0.elapsed() < Duration::from_secs(3),
            "case {i} took {:?}",
            t0.elapsed()
        );
        let mut codes = statuses(&reply);
        if prefixed && codes.first() == Some(&200) {
            // The garbage happened to end the head (it began with CRLF):
            // /hello was answered, the rest is a new request.
            codes.remove(0);
        }
        assert!(
            codes.len() <= 1,
            "case {i} {:?}: replies {codes:?}",
            String::from_utf8_lossy(&data)
        );
        for &code in &codes {
            assert!(
                (400..600).contains(&code),
                "case {i} {:?}: status {code}",
                String::from_utf8_lossy(&data)
            );
            answered += 1;
        }
        if i % 50 == 49 {
            assert_healthy(&srv);
        }
    }
    assert!(
        answered > 50,
        "only {answered} garbage requests got an error reply"
    );
    assert_healthy(&srv);
}

// ---------------------------------------------------------------------------
// Clients that do not read.

#[test]
fn error_reply_after_a_head_request_keeps_its_body() {
    let srv = start_test_server(&[]);
    let mut s = conn(&srv);
    s.write_all(b"HEAD /raw HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response_for(&mut s, true);
    assert_eq!(r.status, 200);
    // /raw writes its body with mg_printf: a reply to HEAD drops it.
    // The next request is malformed: its 400 announces 16 bytes and must
    // send them (the previous request's HEAD must not leak into it).
    s.write_all(b"garbage\r\n\r\n").unwrap();
    assert_eq!(
        fixed_dates_text(&read_to_close(&mut s)),
        String::from_utf8_lossy(EXACT_400)
    );
}

#[test]
fn pipelined_flood_without_reading_is_bounded() {
    // A client pipelines requests and never reads the replies: the server
    // must stop reading (back-pressure) instead of queuing replies forever.
    let srv = start_test_server(&[]);
    let s = conn(&srv);
    let stop = Arc::new(AtomicBool::new(false));
    let req = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".repeat(64 * 1024 / 32);
    let writer = std::thread::spawn({
        let mut s = s.try_clone().unwrap();
        let stop = stop.clone();
        move || {
            s.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
            let mut sent = 0usize;
            while sent < (40 << 20) && !stop.load(Ordering::Relaxed) {
                match s.write(&req) {
                    Ok(n) => sent += n,
                    Err(_) => break, // blocked: the server pushes back
                }
            }
            sent
        }
    });
    let mut rss = 0;
    let t0 = Instant::now();
    while !writer.is_finished() && t0.elapsed() < Duration::from_secs(4) {
        std::thread::sleep(Duration::from_millis(100));
        rss = rss.max(vm_rss_kib(srv.pid()));
    }
    stop.store(true, Ordering::Relaxed);
    let sent = writer.join().unwrap();
    rss = rss.max(vm_rss_kib(srv.pid()));
    drop(s);
    assert!(
        rss < 30 * 1024,
        "server RSS {rss} kB after {sent} bytes of unread pipelined requests"
    );
    assert_healthy(&srv);
}

#[test]
fn keep_alive_client_that_stops_reading_is_closed_after_idle_timeout() {
    let srv = start_test_server(&["idle_timeout_ms=500"]);
    let mut s = conn(&srv);
    let total = 20_000_000;
    s.write_all(format!("GET /big?n={total} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    // Don't read for well over the idle timeout: no progress is possible.
    std::thread::sleep(Duration::from_millis(2000));
    // Drain what the kernel buffered; the server must have closed.
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let eof = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    assert!(
        eof && got < total,
        "stalled reader not closed: eof={eof}, read {got} of {total} body bytes"
    );
    assert_healthy(&srv);
}
