//! Regression tests for 5.4 bugs (spec section 10) that other test files
//! did not pin down:
//!
//! - item 14: after a 413 (or 431), the rest of the same read burst must not
//!   be parsed as another request;
//! - item 31: MG_AUTH once per request, also for requests the handler
//!   declines, and before the websocket handshake;
//! - item 35: an `mg_connect` reply whose head arrives in pieces gives one
//!   MG_REPLY with the right status and body;
//! - item 2: every connection waiting before a poll is accepted by it;
//! - item 12: IPv6 peer addresses and ports are reported in full.
//!
//! C programs: tests/c/kb_*.c.

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Item 14: nothing is answered after a 413/431 in the same burst.

const REPLY_413: &str =
    "HTTP/1.1 413 Request Entity Too Large\r\nDate: D\r\nContent-Length: 29\r\n\
     Content-Type: text/plain\r\nConnection: close\r\n\r\n413 Request Entity Too Large\n";
const REPLY_431: &str =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nDate: D\r\nContent-Length: 36\r\n\
     Content-Type: text/plain\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large\n";
const NEXT_REQUEST: &[u8] = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

/// Writes `burst` in one write (the write side stays open, so only the
/// server can end the exchange) and returns every byte until it closes
/// (`Date` values as `D`).
fn burst_until_close(port: u16, burst: &[u8]) -> String {
    let mut s = connect(port);
    // The server may close before it has read everything: a failed write
    // is fine, what it sent before closing is what is checked.
    let _ = s.write_all(burst);
    fixed_dates_text(&read_to_close(&mut s))
}

#[test]
fn too_large_body_then_second_request_in_same_write_gives_one_413_only() {
    let srv = start_test_server(&["max_request_body_size=100", "max_request_head_size=1024"]);
    let post =
        |len: usize| format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n");

    // Body over the limit sent in full, then a complete second request.
    let mut burst = post(101).into_bytes();
    burst.extend_from_slice(&[b'b'; 101]);
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(burst_until_close(srv.port, &burst), REPLY_413, "full body");

    // The announced body is not sent: the next request directly follows
    // the head (it must not be answered as a request of its own).
    let mut burst = post(1000).into_bytes();
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(burst_until_close(srv.port, &burst), REPLY_413, "no body");

    // A body that itself looks like requests.
    let mut burst = post(200).into_bytes();
    let fake: Vec<u8> = NEXT_REQUEST.iter().copied().cycle().take(200).collect();
    burst.extend_from_slice(&fake);
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(
        burst_until_close(srv.port, &burst),
        REPLY_413,
        "body of requests"
    );

    // A large body (several reads) then the next request.
    let mut burst = post(200_000).into_bytes();
    burst.extend_from_slice(&vec![b'b'; 200_000]);
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(burst_until_close(srv.port, &burst), REPLY_413, "large body");

    // Chunked body over the limit, then the next request.
    let mut burst =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    burst.extend_from_slice(b"200\r\n");
    burst.extend_from_slice(&[b'c'; 0x200]);
    burst.extend_from_slice(b"\r\n0\r\n\r\n");
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(burst_until_close(srv.port, &burst), REPLY_413, "chunked");

    // A good request first: its reply, then the 413, then nothing.
    let mut burst = NEXT_REQUEST.to_vec();
    burst.extend_from_slice(post(101).as_bytes());
    burst.extend_from_slice(&[b'b'; 101]);
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(
        burst_until_close(srv.port, &burst),
        format!("HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\nE\r\nHello [/hello]\r\n0\r\n\r\n{REPLY_413}"),
        "pipelined"
    );

    // The same for a head over max_request_head_size (5.4 answered 413 there).
    let mut burst = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    burst.extend_from_slice(&[b'h'; 2000]);
    burst.extend_from_slice(b"\r\n\r\n");
    burst.extend_from_slice(NEXT_REQUEST);
    assert_eq!(burst_until_close(srv.port, &burst), REPLY_431, "big head");

    // The server is still fine.
    assert_eq!(get(&mut srv.connect(), "/hello").text(), "Hello [/hello]");
}

// ---------------------------------------------------------------------------
// Item 31: MG_AUTH exactly once per request.

fn auth_server_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| compile_c("kb_auth_server", &[])).clone()
}

/// A fresh document root holding `file.txt` ("hi\n").
fn doc_root(tag: &str) -> PathBuf {
    let dir = root()
        .join("target/known_bugs")
        .join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("file.txt"), "hi\n").unwrap();
    dir
}

/// Event counters of kb_auth_server.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Counts {
    auth: i64,
    request: i64,
    handshake: i64,
    ws_connect: i64,
}

/// Reads the counters with GET /count on a fresh connection. The /count
/// request's own MG_AUTH and MG_REQUEST are included.
fn counts(srv: &Server) -> Counts {
    let text = get(&mut srv.connect(), "/count").text();
    let field = |name: &str| count_field(&text, name);
    Counts {
        auth: field("auth"),
        request: field("request"),
        handshake: field("handshake"),
        ws_connect: field("ws_connect"),
    }
}

/// The counters' increase caused by `f`, without the final /count itself.
fn delta(srv: &Server, f: impl FnOnce()) -> Counts {
    let before = counts(srv);
    f();
    let after = counts(srv);
    Counts {
        auth: after.auth - before.auth - 1,
        request: after.request - before.request - 1,
        handshake: after.handshake - before.handshake,
        ws_connect: after.ws_connect - before.ws_connect,
    }
}

fn plain(auth: i64, request: i64) -> Counts {
    Counts {
        auth,
        request,
        handshake: 0,
        ws_connect: 0,
    }
}

/// The number after `name=` in a /count reply.
fn count_field(text: &str, name: &str) -> i64 {
    text.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text:?}"))
}

/// MG_HTTP_ERROR calls so far (from GET /count).
fn http_errors(srv: &Server) -> i64 {
    count_field(&get(&mut srv.connect(), "/count").text(), "http_error")
}

#[test]
fn mg_http_error_fires_for_errors_only() {
    // Item 21: 5.4 also fired MG_HTTP_ERROR for 201, 204 and 304.
    let dir = doc_root("http-error");
    let root_opt = format!("document_root={}", dir.display());
    let srv = Server::start(&auth_server_binary(), &[&root_opt]);
    let before = http_errors(&srv);
    let mut s = srv.connect();
    assert_eq!(get(&mut s, "/created").status, 201);
    s.write_all(b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).status, 204);
    let r = get(&mut s, "/file.txt");
    assert_eq!(r.status, 200);
    let etag = r.header("ETag").expect("ETag").to_owned();
    let request = format!("GET /file.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n");
    s.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_response(&mut s).status, 304);
    assert_eq!(
        http_errors(&srv),
        before,
        "no MG_HTTP_ERROR for 201/204/304"
    );
    assert_eq!(get(&mut s, "/missing").status, 404);
    assert_eq!(http_errors(&srv), before + 1, "one for the 404");
}

#[test]
fn mg_auth_called_once_per_request_also_when_declined() {
    let dir = doc_root("auth-once");
    let root_opt = format!("document_root={}", dir.display());
    let srv = Server::start(&auth_server_binary(), &[&root_opt]);

    // (request, expected status, MG_REQUEST calls)
    let cases: &[(&str, u16, i64)] = &[
        // Answered by the handler.
        ("GET /handled HTTP/1.1\r\nHost: x\r\n\r\n", 200, 1),
        // Declined (MG_FALSE), then served from disk.
        ("GET /file.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200, 1),
        ("HEAD /file.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200, 1),
        // Declined, directory listing.
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, 1),
        // Declined, not found.
        ("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", 404, 1),
        // Declined with a body.
        (
            "POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
            200,
            1,
        ),
        // Refused by MG_AUTH: no MG_REQUEST.
        ("GET /private HTTP/1.1\r\nHost: x\r\n\r\n", 401, 0),
    ];
    for &(req, status, requests) in cases {
        let d = delta(&srv, || {
            let mut s = srv.connect();
            s.write_all(req.as_bytes()).unwrap();
            let r = read_response_for(&mut s, req.starts_with("HEAD"));
            assert_eq!(r.status, status, "{req:?}: {:?}", r.status_line);
        });
        assert_eq!(d, plain(1, requests), "{req:?}");
    }

    // Two declined requests pipelined on one keep-alive connection.
    let d = delta(&srv, || {
        let mut s = srv.connect();
        s.write_all(
            b"GET /file.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
        assert_eq!(read_response(&mut s).text(), "hi\n");
        assert_eq!(read_response(&mut s).status, 404);
    });
    assert_eq!(d, plain(2, 2), "pipelined");
    let _ = std::fs::remove_dir_all(&dir);
}

const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn upgrade(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

#[test]
fn websocket_upgrade_refused_by_mg_auth_gets_plain_401_and_no_101() {
    let srv = Server::start(&auth_server_binary(), &[]);

    let d = delta(&srv, || {
        let mut s = srv.connect();
        s.write_all(upgrade("/private_ws").as_bytes()).unwrap();
        let r = read_response(&mut s);
        let head = String::from_utf8_lossy(&r.raw).into_owned();
        assert!(
            head.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
            "not a plain 401: {head:?}"
        );
        assert!(r.body.is_empty(), "{head:?}");
        assert_eq!(r.header("Sec-WebSocket-Accept"), None, "{head:?}");
        assert_eq!(r.header("Upgrade"), None, "{head:?}");
        assert!(r.header("WWW-Authenticate").is_some(), "{head:?}");
        // The connection is still plain HTTP: the next bytes are exactly the
        // reply to the next request (no 101, no frame in between).
        s.write_all(b"GET /handled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let rest = fixed_dates_text(&read_to_close(&mut s));
        assert_eq!(
            rest,
            "HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             7\r\nhandled\r\n0\r\n\r\n"
        );
    });
    // MG_AUTH once for the upgrade, once for /handled; no handshake events.
    assert_eq!(d, plain(2, 1), "refused upgrade");

    // An accepted upgrade: MG_AUTH once, then the handshake; websocket
    // messages do not go through MG_AUTH.
    let d = delta(&srv, || {
        let mut s = srv.connect();
        s.write_all(upgrade("/ws").as_bytes()).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(s.read(&mut byte).unwrap(), 1, "closed in the 101");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101 "), "{head:?}");
        // One masked text frame "hey" (mask 0), echoed unmasked.
        s.write_all(&[0x81, 0x83, 0, 0, 0, 0, b'h', b'e', b'y'])
            .unwrap();
        let mut echo = [0u8; 5];
        s.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, &[0x81, 3, b'h', b'e', b'y']);
    });
    assert_eq!(
        d,
        Counts {
            auth: 1,
            request: 1,
            handshake: 1,
            ws_connect: 1
        },
        "accepted upgrade"
    );
}

// ---------------------------------------------------------------------------
// Item 35: a reply head in several pieces gives one MG_REPLY.

/// An upstream that answers each connection with the next plan: it reads
/// the request head, then writes the pieces with a pause between them
/// (so they arrive in separate reads), then closes.
fn split_upstream(plans: Vec<Vec<&'static [u8]>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for plan in plans {
            let (mut s, _) = listener.accept().unwrap();
            s.set_nodelay(true).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match s.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            for (i, piece) in plan.iter().enumerate() {
                if i > 0 {
                    // Not an assertion: only makes separate reads likely.
                    thread::sleep(Duration::from_millis(40));
                }
                if s.write_all(piece).is_err() {
                    break;
                }
            }
        }
    });
    port
}

#[test]
fn mg_connect_reply_head_in_pieces_gives_one_mg_reply() {
    let plans: Vec<Vec<&'static [u8]>> = vec![
        // Status line, headers, end of head, body.
        vec![
            b"HTTP/1.1 202 Accepted\r\n",
            b"Content-Type: text/plain\r\nX-Split: yes\r\n",
            b"Content-Length: 5\r\n\r\n",
            b"Hello",
        ],
        // Cuts inside the status line, a header name, the CRLF CRLF and the body.
        vec![
            b"HTTP/1.1 2",
            b"02 Accepted\r\nX-Spl",
            b"it: yes\r\nContent-Length: 5\r",
            b"\n\r",
            b"\nHe",
            b"llo",
        ],
        // Chunked, in pieces.
        vec![
            b"HTTP/1.1 202 Accepted\r\nX-Split: yes\r\n",
            b"Transfer-Encoding: chunked\r\n\r\n",
            b"3\r\nHel\r\n",
            b"2\r\nlo\r\n0\r\n\r\n",
        ],
    ];
    let n = plans.len();
    let upstream = split_upstream(plans);
    let srv = Server::start(&compile_c("kb_client", &[]), &[]);
    for i in 0..n {
        let text = get(
            &mut srv.connect(),
            &format!("/fetch?port={upstream}&path=/plan{i}"),
        )
        .text();
        assert_eq!(
            text, "replies=1 status=202 x_split=yes body=Hello",
            "plan {i}"
        );
    }
}

// ---------------------------------------------------------------------------
// Item 2: all waiting connections are accepted in one poll.

#[test]
fn one_poll_accepts_every_waiting_connection() {
    let bin = compile_c("kb_multi_accept", &[]);
    let out = Command::new(&bin).output().expect("run kb_multi_accept");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        "accepted next=5 iterate=5 queue_empty=1",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
}

// ---------------------------------------------------------------------------
// Item 12: IPv6 remote_ip/remote_port (and local_*) in full.

fn addr_server(listening_port: &str) -> Server {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(|| compile_c("kb_addr_server", &[])).clone();
    Server::start_cmd(Command::new(bin).arg(listening_port))
}

/// GET / from `client` and the expected reply for its addresses.
fn check_addresses(mut client: TcpStream, ip: &str, server_port: u16) {
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let client_port = client.local_addr().unwrap().port();
    assert_eq!(client.peer_addr().unwrap().port(), server_port);
    assert_eq!(
        get(&mut client, "/").text(),
        format!("remote={ip} {client_port} local={ip} {server_port}")
    );
}

#[test]
fn ipv6_request_reports_full_remote_ip_and_port() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: IPv6 loopback unavailable, skipping");
        return;
    }
    let srv = addr_server("[::1]:0");
    for _ in 0..3 {
        let client = TcpStream::connect(("::1", srv.port)).expect("connect [::1]");
        check_addresses(client, "::1", srv.port);
    }
    // The same program over IPv4, for comparison.
    let srv4 = addr_server("127.0.0.1:0");
    check_addresses(srv4.connect(), "127.0.0.1", srv4.port);
}
