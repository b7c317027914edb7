//! Websocket tests (RFC 6455, server side).
//!
//! - The `websockets` Python library (tests/ws_client.py) as an independent
//!   client against the websocket_echo and websocket_chat examples.
//! - Raw sockets with a tiny frame builder for the handshake, protocol
//!   errors, size limits and keep-alive pings, against the examples and
//!   tests/c/ws_test_server.c (which takes options on the command line).
//! - Headless Chromium loading the websocket_echo page.
//!
//! Missing python3/websockets or chromium skips those tests with a note on
//! stderr (not captured by the test harness); `.ci/run` installs both.

mod common;
use common::ws::*;
use common::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Servers

fn example(name: &str) -> PathBuf {
    let bin = root().join("build/examples").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `make` first",
        bin.display()
    );
    bin
}

fn echo_server() -> Server {
    Server::start(&example("websocket_echo"), &[])
}

fn chat_server() -> Server {
    Server::start(&example("websocket_chat"), &[])
}

fn ws_test_server(options: &[&str]) -> Server {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    let bin = BIN.get_or_init(compile_ws_test_server).clone();
    Server::start(&bin, options)
}

/// Compiles tests/c/ws_test_server.c like `compile_c`, but into a private
/// file that is then renamed into place: another test process running at
/// the same time may be executing the previous binary, and writing over it
/// would fail its exec with ETXTBSY.
fn compile_ws_test_server() -> PathBuf {
    let out_dir = root().join("target/ctests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let tmp = out_dir.join(format!("ws_test_server.{}.tmp", std::process::id()));
    let out = out_dir.join("ws_test_server-ws");
    let status = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-I"])
        .arg(root().join("include"))
        .arg(root().join("tests/c/ws_test_server.c"))
        .arg(static_lib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&tmp)
        .status()
        .expect("cannot run cc");
    assert!(status.success(), "cc failed on tests/c/ws_test_server.c");
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// A note that is visible even though libtest captures test output.
fn loud_note(msg: &str) {
    let bar = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{bar}\n!!! {msg}\n{bar}");
}

// ---------------------------------------------------------------------------
// Raw websocket client

const SAMPLE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const SAMPLE_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn upgrade_request(path: &str, key: &str, version: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Version: {version}\r\n\r\n"
    )
}

/// Reads an HTTP head byte by byte (nothing after it is consumed).
fn read_head(s: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read head");
        assert_eq!(
            n,
            1,
            "connection closed inside the head: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.push(byte[0]);
    }
    String::from_utf8(raw).unwrap()
}

/// Opens a websocket on `port` and returns the stream after the 101.
fn ws_open(port: u16) -> TcpStream {
    let mut s = connect(port);
    s.write_all(upgrade_request("/ws", SAMPLE_KEY, "13").as_bytes())
        .unwrap();
    let head = read_head(&mut s);
    assert!(
        head.starts_with("HTTP/1.1 101 "),
        "upgrade refused: {head:?}"
    );
    s
}

/// Like `read_frame`, but `None` if nothing starts arriving within `wait`.
fn try_read_frame(s: &mut TcpStream, wait: Duration) -> Option<(u8, Vec<u8>)> {
    s.set_read_timeout(Some(wait.max(Duration::from_millis(1))))
        .unwrap();
    let mut first = [0u8; 1];
    let got = s.peek(&mut first);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    match got {
        Ok(0) => panic!("connection closed while waiting for a frame"),
        Ok(_) => Some(read_frame(s)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            None
        }
        Err(e) => panic!("read failed: {e}"),
    }
}

/// The next frame must be a CLOSE with `code`, then the server must close.
fn expect_close(s: &mut TcpStream, code: u16, what: &str) {
    let (first, payload) = read_frame(s);
    assert_eq!(
        first,
        0x88,
        "{what}: expected a CLOSE frame, got first byte {first:#04x} payload {:?}",
        String::from_utf8_lossy(&payload)
    );
    assert!(
        payload.len() >= 2,
        "{what}: CLOSE without a status code: {payload:?}"
    );
    let got = u16::from_be_bytes([payload[0], payload[1]]);
    assert_eq!(got, code, "{what}: wrong close code");
    let rest = read_to_close(s);
    assert!(
        rest.is_empty(),
        "{what}: bytes after the CLOSE frame: {rest:?}"
    );
}

/// Sends a message frame and checks it comes back unchanged.
fn assert_echo(s: &mut TcpStream, first: u8, payload: &[u8]) {
    s.write_all(&frame(first, payload)).unwrap();
    let (got_first, got) = read_frame(s);
    assert_eq!(got_first, 0x80 | (first & 0x0f), "echo opcode");
    assert!(got == payload, "echo of {} bytes differs", payload.len());
}

fn stats(port: u16) -> String {
    let mut s = connect(port);
    let r = get(&mut s, "/stats");
    assert_eq!(r.status, 200);
    r.text()
}

fn stat(port: u16, name: &str) -> u32 {
    let text = stats(port);
    text.split(' ')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text:?}"))
}

// ---------------------------------------------------------------------------
// Python `websockets` client scenarios

fn have_python_websockets() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let ok = Command::new("python3")
            .args(["-c", "import websockets"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            loud_note(
                "SKIPPING the Python websocket client tests: `python3 -c \"import websockets\"` \
                 failed. Install with `python3 -m pip install websockets` (.ci/run does).",
            );
        }
        ok
    })
}

fn python_scenario(server: Server, scenario: &str) {
    if !have_python_websockets() {
        return;
    }
    let out = Command::new("python3")
        .arg(root().join("tests/ws_client.py"))
        .arg(server.port.to_string())
        .arg(scenario)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "ws_client.py {scenario} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
}

#[test]
fn python_echo_text_all_sizes() {
    python_scenario(echo_server(), "echo_text");
}

#[test]
fn python_echo_binary_all_sizes() {
    python_scenario(echo_server(), "echo_binary");
}

#[test]
fn python_fragmented_text() {
    python_scenario(echo_server(), "fragmented_text");
}

#[test]
fn python_fragmented_binary() {
    python_scenario(echo_server(), "fragmented_binary");
}

#[test]
fn python_ping_pong() {
    python_scenario(echo_server(), "ping");
}

#[test]
fn python_close_1000() {
    python_scenario(echo_server(), "close_1000");
}

#[test]
fn python_close_4000() {
    python_scenario(echo_server(), "close_4000");
}

#[test]
fn python_pipelined_1000_messages() {
    python_scenario(echo_server(), "pipelined");
}

#[test]
fn python_chat_two_clients() {
    python_scenario(chat_server(), "chat");
}

// ---------------------------------------------------------------------------
// Handshake

#[test]
fn handshake_rfc_sample_key_exact_101() {
    let server = echo_server();
    let mut s = connect(server.port);
    s.write_all(upgrade_request("/ws", SAMPLE_KEY, "13").as_bytes())
        .unwrap();
    let head = read_head(&mut s);
    assert_eq!(
        head,
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n\r\n"
        )
    );
    // Nothing else follows the 101, and the socket speaks websocket.
    assert!(try_read_frame(&mut s, Duration::from_millis(100)).is_none());
    assert_echo(&mut s, 0x81, b"hi");
}

#[test]
fn handshake_header_variants_accepted() {
    // Case-insensitive header names and values, token lists.
    let server = echo_server();
    let mut s = connect(server.port);
    s.write_all(
        format!(
            "GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: WebSocket\r\n\
             connection: keep-alive, Upgrade\r\nsec-websocket-key: {SAMPLE_KEY}\r\n\
             sec-websocket-version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head:?}");
    assert!(head.contains(&format!("Sec-WebSocket-Accept: {SAMPLE_ACCEPT}\r\n")));
    assert_echo(&mut s, 0x82, &[0, 1, 2, 255]);
}

#[test]
fn handshake_wrong_version_426() {
    let server = echo_server();
    let mut s = connect(server.port);
    s.write_all(upgrade_request("/ws", SAMPLE_KEY, "8").as_bytes())
        .unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 426, "{:?}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.header("Sec-WebSocket-Version"), Some("13"));
    assert!(r.header("Sec-WebSocket-Accept").is_none());
    assert!(read_to_close(&mut s).is_empty());
}

#[test]
fn handshake_bad_requests_400() {
    let server = echo_server();
    let cases = [
        ("bad key", upgrade_request("/ws", "short", "13")),
        (
            "key without padding",
            upgrade_request("/ws", "dGhlIHNhbXBsZSBub25jZQ", "13"),
        ),
        (
            "key of 17 bytes",
            upgrade_request("/ws", "AAAAAAAAAAAAAAAAAAAAAAA=", "13"),
        ),
        (
            "missing key",
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
                .to_string(),
        ),
        (
            "POST",
            upgrade_request("/ws", SAMPLE_KEY, "13").replacen("GET", "POST", 1),
        ),
        (
            "HTTP/1.0",
            upgrade_request("/ws", SAMPLE_KEY, "13").replacen("HTTP/1.1", "HTTP/1.0", 1),
        ),
    ];
    for (what, request) in cases {
        let mut s = connect(server.port);
        s.write_all(request.as_bytes()).unwrap();
        let r = read_response(&mut s);
        assert_eq!(
            r.status,
            400,
            "{what}: {:?}",
            String::from_utf8_lossy(&r.raw)
        );
        assert!(
            r.header("Sec-WebSocket-Accept").is_none(),
            "{what}: accepted"
        );
    }
}

// ---------------------------------------------------------------------------
// Frames

#[test]
fn raw_echo_length_encodings() {
    let server = echo_server();
    let mut s = ws_open(server.port);
    for len in [0usize, 1, 125, 126, 127, 65535, 65536, 200_000] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 13 % 251) as u8).collect();
        assert_echo(&mut s, 0x82, &payload);
    }
    // A non-minimal length encoding is accepted too.
    s.write_all(&frame_raw(0x81, &[126, 0, 3], b"abc", true))
        .unwrap();
    assert_eq!(read_frame(&mut s), (0x81, b"abc".to_vec()));
    // Frames split across writes, byte by byte.
    for b in frame(0x81, b"slow") {
        s.write_all(&[b]).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(read_frame(&mut s), (0x81, b"slow".to_vec()));
    // Several frames in one write.
    let mut many = Vec::new();
    for i in 0..50 {
        many.extend(frame(0x81, format!("m{i}").as_bytes()));
    }
    s.write_all(&many).unwrap();
    for i in 0..50 {
        assert_eq!(read_frame(&mut s), (0x81, format!("m{i}").into_bytes()));
    }
}

#[test]
fn utf8_split_across_fragments_is_valid() {
    let server = echo_server();
    let mut s = ws_open(server.port);
    let text = "€uro ✓".as_bytes();
    // Cut inside the 3-byte euro sign.
    let mut bytes = frame(0x01, &text[..1]);
    bytes.extend(frame(0x00, &text[1..2]));
    bytes.extend(frame(0x80, &text[2..]));
    s.write_all(&bytes).unwrap();
    assert_eq!(read_frame(&mut s), (0x81, text.to_vec()));
}

#[test]
fn ping_between_fragments() {
    let server = echo_server();
    let mut s = ws_open(server.port);
    let mut bytes = frame(0x01, b"hel");
    bytes.extend(frame(0x89, b"ping!"));
    bytes.extend(frame(0x00, b"l"));
    bytes.extend(frame(0x8a, b"unsolicited pong")); // ignored
    bytes.extend(frame(0x80, b"o"));
    s.write_all(&bytes).unwrap();
    assert_eq!(
        read_frame(&mut s),
        (0x8a, b"ping!".to_vec()),
        "PONG for the PING"
    );
    assert_eq!(
        read_frame(&mut s),
        (0x81, b"hello".to_vec()),
        "reassembled message"
    );
    // A PING on its own, with an empty payload.
    s.write_all(&frame(0x89, b"")).unwrap();
    assert_eq!(read_frame(&mut s), (0x8a, Vec::new()));
    assert_echo(&mut s, 0x81, b"still fine");
}

#[test]
fn close_handshake_echoes_code() {
    let server = echo_server();
    for (payload, code) in [
        (&b""[..], 1000u16),
        (b"\x03\xe8", 1000),
        (b"\x03\xe9going away", 1001),
        (b"\x0f\xa0", 4000),
        (b"\x0b\xb8reason", 3000),
    ] {
        let mut s = ws_open(server.port);
        s.write_all(&frame(0x88, payload)).unwrap();
        expect_close(&mut s, code, &format!("CLOSE {payload:?}"));
    }
}

#[test]
fn protocol_errors_close_with_status() {
    let server = echo_server();
    let mut interleaved = frame(0x01, b"a");
    interleaved.extend(frame(0x81, b"b"));
    let mut bad_utf8_fragments = frame(0x01, b"ok \xe2\x82");
    bad_utf8_fragments.extend(frame(0x80, b"x"));
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "unmasked client frame",
            frame_raw(0x81, &[2], b"hi", false),
            1002,
        ),
        ("RSV1 set", frame(0xc1, b"hi"), 1002),
        ("RSV2 set", frame(0xa1, b"hi"), 1002),
        ("RSV3 set", frame(0x91, b"hi"), 1002),
        ("reserved data opcode 3", frame(0x83, b"hi"), 1002),
        ("reserved data opcode 7", frame(0x87, b"hi"), 1002),
        ("reserved control opcode 0xb", frame(0x8b, b"hi"), 1002),
        ("reserved control opcode 0xf", frame(0x8f, b"hi"), 1002),
        ("fragmented PING", frame(0x09, b"hi"), 1002),
        ("fragmented CLOSE", frame(0x08, b"\x03\xe8"), 1002),
        ("126-byte PING", frame(0x89, &[b'p'; 126]), 1002),
        ("126-byte CLOSE", frame(0x88, &[b'c'; 126]), 1002),
        ("continuation without start", frame(0x80, b"x"), 1002),
        (
            "unfinished continuation without start",
            frame(0x00, b"x"),
            1002,
        ),
        (
            "new data frame inside a fragmented message",
            interleaved,
            1002,
        ),
        ("1-byte CLOSE payload", frame(0x88, b"\x03"), 1002),
        ("CLOSE code 1005", frame(0x88, b"\x03\xed"), 1002),
        ("CLOSE code 1006", frame(0x88, b"\x03\xee"), 1002),
        ("CLOSE code 999", frame(0x88, b"\x03\xe7"), 1002),
        ("CLOSE code 0", frame(0x88, b"\x00\x00"), 1002),
        ("CLOSE code 5000", frame(0x88, b"\x13\x88"), 1002),
        (
            "64-bit length with the high bit set",
            frame_raw(0x82, &[127, 0x80, 0, 0, 0, 0, 0, 0, 5], b"", true),
            1002,
        ),
        ("invalid UTF-8 text", frame(0x81, b"bad \xff"), 1007),
        ("overlong UTF-8 text", frame(0x81, b"\xc0\xaf"), 1007),
        (
            "UTF-16 surrogate in text",
            frame(0x81, b"\xed\xa0\x80"),
            1007,
        ),
        ("invalid UTF-8 across fragments", bad_utf8_fragments, 1007),
    ];
    for (what, bytes, code) in cases {
        let mut s = ws_open(server.port);
        s.write_all(&bytes).unwrap();
        expect_close(&mut s, code, what);
    }
}

#[test]
fn handler_mg_false_closes_with_1000() {
    let server = ws_test_server(&[]);
    let mut s = ws_open(server.port);
    assert_echo(&mut s, 0x81, b"first");
    s.write_all(&frame(0x81, b"close me")).unwrap();
    expect_close(&mut s, 1000, "MG_FALSE from the handler");
}

#[test]
fn max_message_size_1009() {
    let server = ws_test_server(&["websocket_max_message_size=1000"]);
    // Exactly at the limit: fine, in one frame and in fragments.
    let mut s = ws_open(server.port);
    assert_echo(&mut s, 0x82, &[7u8; 1000]);
    let mut bytes = frame(0x02, &[1u8; 500]);
    bytes.extend(frame(0x80, &[2u8; 500]));
    s.write_all(&bytes).unwrap();
    let (first, payload) = read_frame(&mut s);
    assert_eq!((first, payload.len()), (0x82, 1000));

    // Announced in a header: the CLOSE comes without the payload being sent.
    let mut s = ws_open(server.port);
    s.write_all(&frame_raw(0x82, &[126, 0x03, 0xe9], b"", true))
        .unwrap();
    expect_close(&mut s, 1009, "1001-byte frame header");

    let mut s = ws_open(server.port);
    s.write_all(&frame_raw(0x81, &[127, 0, 0, 1, 0, 0, 0, 0, 0], b"", true))
        .unwrap();
    expect_close(&mut s, 1009, "1 TiB frame header");

    let mut s = ws_open(server.port);
    s.write_all(&frame(0x81, &[b'a'; 1001])).unwrap();
    expect_close(&mut s, 1009, "whole 1001-byte frame");

    // Fragments that add up to more than the limit.
    let mut s = ws_open(server.port);
    s.write_all(&frame(0x02, &[1u8; 600])).unwrap();
    s.write_all(&frame_raw(0x80, &len_field(600), b"", true))
        .unwrap();
    expect_close(&mut s, 1009, "600 + 600 byte fragments");

    // The server is still fine.
    let mut s = ws_open(server.port);
    assert_echo(&mut s, 0x81, b"ok");
}

// ---------------------------------------------------------------------------
// Keep-alive pings

#[test]
fn keepalive_ping_unanswered_closes() {
    let server = ws_test_server(&["websocket_ping_interval_ms=300"]);
    let mut s = ws_open(server.port);
    let start = Instant::now();
    let got = try_read_frame(&mut s, Duration::from_millis(1000));
    assert_eq!(
        got.map(|(f, _)| f),
        Some(0x89),
        "no PING within 1 s of idleness"
    );
    let pinged = Instant::now();
    assert!(
        pinged - start >= Duration::from_millis(200),
        "PING too early: {:?}",
        pinged - start
    );
    // Never answer: the server must give up on us.
    let rest = {
        s.set_read_timeout(Some(Duration::from_millis(1500)))
            .unwrap();
        let mut buf = Vec::new();
        let r = s.read_to_end(&mut buf);
        (r.map_err(|e| e.kind()), buf)
    };
    assert!(
        matches!(rest.0, Ok(_) | Err(std::io::ErrorKind::ConnectionReset)),
        "not closed within 1.5 s of the PING: {:?} after {:?}",
        rest,
        pinged.elapsed()
    );
    assert!(
        pinged.elapsed() < Duration::from_millis(1500),
        "closed too late"
    );
}

#[test]
fn keepalive_ping_answered_stays_open() {
    let server = ws_test_server(&["websocket_ping_interval_ms=300"]);
    let mut s = ws_open(server.port);
    let deadline = Instant::now() + Duration::from_millis(1600);
    let mut pings = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if let Some((first, payload)) = try_read_frame(&mut s, left) {
            assert_eq!(first, 0x89, "unexpected frame {payload:?}");
            pings += 1;
            s.write_all(&frame(0x8a, &payload)).unwrap();
        }
    }
    assert!(
        pings >= 2,
        "only {pings} PINGs in 1.6 s at a 300 ms interval"
    );
    assert_echo(&mut s, 0x81, b"still open");
}

#[test]
fn keepalive_off_with_zero_interval() {
    let server = ws_test_server(&["websocket_ping_interval_ms=0"]);
    let mut s = ws_open(server.port);
    assert!(try_read_frame(&mut s, Duration::from_millis(700)).is_none());
    assert_echo(&mut s, 0x81, b"no pings");
}

// ---------------------------------------------------------------------------
// Events and the API

#[test]
fn abrupt_disconnect_triggers_mg_close() {
    let server = ws_test_server(&[]);
    assert_eq!(stat(server.port, "connects"), 0);
    let mut s = ws_open(server.port);
    assert_echo(&mut s, 0x81, b"hello");
    assert_eq!(stat(server.port, "connects"), 1);
    assert_eq!(stat(server.port, "ws_closes"), 0);
    // Half a frame, then gone without a CLOSE.
    s.write_all(&frame(0x81, b"never finished")[..5]).unwrap();
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(3);
    while stat(server.port, "ws_closes") != 1 {
        assert!(
            Instant::now() < deadline,
            "no MG_CLOSE for the websocket: {}",
            stats(server.port)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A clean close is an MG_CLOSE as well.
    let mut s = ws_open(server.port);
    s.write_all(&frame(0x88, b"\x03\xe8")).unwrap();
    expect_close(&mut s, 1000, "clean close");
    let deadline = Instant::now() + Duration::from_secs(3);
    while stat(server.port, "ws_closes") != 2 {
        assert!(Instant::now() < deadline, "{}", stats(server.port));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(stat(server.port, "connects"), 2);
}

#[test]
fn websocket_write_on_http_connection_sends_nothing() {
    let server = ws_test_server(&[]);
    let expected: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain";
    let got = exchange(
        server.port,
        b"GET /wswrite HTTP/1.1\r\nHost: x\r\n\r\nGET /wswrite HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&[expected, expected].concat())
    );
}

// ---------------------------------------------------------------------------
// A real browser

/// Runs headless Chromium on `url` and returns (DOM, stderr), or `None`
/// if it did not finish within `limit`.
fn chromium_dump_dom(chromium: &Path, url: &str, limit: Duration) -> Option<(String, String)> {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "mg-ws-chromium-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let finished = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let _ = std::fs::remove_dir_all(&profile);
    finished.then_some((dom, err))
}

#[test]
fn chromium_headless_echo_page() {
    let chromium = PathBuf::from("/usr/bin/chromium");
    if !chromium.exists() {
        loud_note(
            "SKIPPING the headless Chromium websocket test: /usr/bin/chromium is not \
             installed (`apt-get install chromium`; .ci/run does).",
        );
        return;
    }
    let server = echo_server();
    let echo = r#"<div class="echo">hello from chromium</div>"#;
    // The virtual time budget does not wait for websocket traffic: on a
    // loaded machine the DOM can be dumped after the socket opened but
    // before the echo arrived. Such a run is retried.
    let mut attempts = Vec::new();
    for _ in 0..3 {
        let (dom, err) = chromium_dump_dom(
            &chromium,
            &server.url("/?autotest"),
            Duration::from_secs(20),
        )
        .expect("chromium did not finish within 20 s");
        assert!(
            dom.contains(r#"<span id="status">"#),
            "chromium did not load the page:\n{dom}\nstderr: {err}"
        );
        if dom.contains(r#"<span id="status">open</span>"#) && dom.contains(echo) {
            return;
        }
        attempts.push(dom);
    }
    panic!(
        "no `open` status with the echo in 3 attempts; DOMs:\n{}",
        attempts.join("\n----\n")
    );
}
