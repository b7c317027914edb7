//! The examples under valgrind (memcheck): a short real load, then the
//! clean stop every example has (SIGTERM sets a flag, the loop ends,
//! `mg_destroy_server`). valgrind must exit 0: no memory error and no
//! leak, "possibly lost" included. Connections still open at the stop
//! (keep-alive, a half-sent head, a websocket) are part of the load:
//! destroying the server must free them too.
//!
//! valgrind is slow (a request costs milliseconds), so the load is a few
//! requests of each kind. Without valgrind the tests are skipped with a
//! note on stderr; `.ci/run` installs it.

mod common;
use common::ws::*;
use common::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn example(name: &str) -> PathBuf {
    let p = root().join("build/examples").join(name);
    assert!(p.exists(), "{} missing: run make", p.display());
    p
}

/// A note that is visible even though libtest captures test output.
fn loud_note(msg: &str) {
    let bar = "!".repeat(78);
    let _ = writeln!(std::io::stderr(), "\n{bar}\n!!! {msg}\n{bar}");
}

fn have_valgrind() -> bool {
    if have("valgrind") {
        return true;
    }
    loud_note("valgrind is not installed: SKIPPING the valgrind tests (.ci/run installs it)");
    false
}

/// An example running under valgrind, its report going to `log`.
struct UnderValgrind {
    srv: Server,
    log: PathBuf,
}

impl UnderValgrind {
    fn start(name: &str, args: &[&str]) -> UnderValgrind {
        let dir = root().join("target/valgrind");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("{name}.log"));
        let _ = std::fs::remove_file(&log);
        let srv = Server::start_cmd(
            Command::new("valgrind")
                .args([
                    "--error-exitcode=1",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite,indirect,possible",
                    "--show-leak-kinds=definite,indirect,possible",
                ])
                .arg(format!("--log-file={}", log.display()))
                .arg(example(name))
                .arg("127.0.0.1:0")
                .args(args),
        );
        UnderValgrind { srv, log }
    }

    fn port(&self) -> u16 {
        self.srv.port
    }

    fn url(&self, path: &str) -> String {
        self.srv.url(path)
    }

    /// SIGTERM, then valgrind's exit status must be 0 (its report is
    /// shown otherwise).
    fn stop_clean(mut self) {
        let pid = self.srv.pid() as i32;
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.srv.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the example did not exit within 60 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let report = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(
            status.code() == Some(0),
            "valgrind exited with {status}:\n{report}"
        );
        // The report covers the whole run (and the leak check ran).
        assert!(report.contains("HEAP SUMMARY"), "{report}");
        assert!(report.contains("ERROR SUMMARY: 0 errors"), "{report}");
    }
}

fn curl_ok(args: &[&str]) -> String {
    let out = curl(args);
    assert!(out.status.success(), "curl {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reads an HTTP head byte by byte (nothing after it is consumed).
fn read_head(s: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read head");
        assert_eq!(n, 1, "closed inside the head: {raw:?}");
        raw.push(byte[0]);
    }
    String::from_utf8(raw).unwrap()
}

/// Opens a websocket on `port` and returns the stream after the 101.
fn ws_open(port: u16) -> TcpStream {
    let mut s = connect(port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
          Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
          Sec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head:?}");
    s
}

#[test]
fn hello_world_is_valgrind_clean() {
    if !have_valgrind() {
        return;
    }
    let vg = UnderValgrind::start("hello_world", &[]);
    // Three requests on one keep-alive connection, and an HTTP/1.0 one.
    let out = curl_ok(&[&vg.url("/a"), &vg.url("/b%20c?x=1"), &vg.url("/d")]);
    assert_eq!(
        out,
        "Hello! Requested URI is [/a]Hello! Requested URI is [/b c]Hello! Requested URI is [/d]"
    );
    assert_eq!(
        curl_ok(&["-0", &vg.url("/old")]),
        "Hello! Requested URI is [/old]"
    );
    // Two pipelined requests, then a malformed one (400 and close).
    let reply = exchange(
        vg.port(),
        b"GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\nbad\x01\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&reply);
    assert!(text.contains("[/p1]") && text.contains("[/p2]"), "{text}");
    assert!(text.contains("HTTP/1.1 400 Bad Request"), "{text}");
    // Left open at the stop: an idle keep-alive connection and a
    // connection in the middle of its head.
    let mut idle = connect(vg.port());
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    assert_eq!(get(&mut idle, "/idle").status, 200);
    let mut partial = connect(vg.port());
    partial
        .write_all(b"GET /never-finished HTTP/1.1\r\nHost: x\r\nX-A:")
        .unwrap();
    // A round trip, so the server has most likely read the partial head.
    assert_eq!(get(&mut idle, "/idle2").status, 200);
    vg.stop_clean();
}

#[test]
fn websocket_echo_is_valgrind_clean() {
    if !have_valgrind() {
        return;
    }
    let vg = UnderValgrind::start("websocket_echo", &[]);
    let page = curl_ok(&[&vg.url("/")]);
    assert!(page.contains("new WebSocket"), "{page}");
    // One websocket: text, binary with a 64-bit length, a fragmented
    // message, a ping, then the close handshake.
    let mut ws = ws_open(vg.port());
    ws.write_all(&frame(0x81, b"hello valgrind")).unwrap();
    assert_eq!(read_frame(&mut ws), (0x81, b"hello valgrind".to_vec()));
    let big: Vec<u8> = (0..70_000u32).map(|i| ((i * 31) >> 3) as u8).collect();
    ws.write_all(&frame(0x82, &big)).unwrap();
    assert!(read_frame(&mut ws) == (0x82, big), "binary echo differs");
    ws.write_all(&frame(0x01, b"frag")).unwrap();
    ws.write_all(&frame(0x89, b"p")).unwrap();
    ws.write_all(&frame(0x80, b"ment")).unwrap();
    assert_eq!(read_frame(&mut ws), (0x8a, b"p".to_vec()));
    assert_eq!(read_frame(&mut ws), (0x81, b"fragment".to_vec()));
    ws.write_all(&frame(0x88, &1000u16.to_be_bytes())).unwrap();
    assert_eq!(read_frame(&mut ws), (0x88, 1000u16.to_be_bytes().to_vec()));
    assert!(read_to_close(&mut ws).is_empty());
    // Another left open at the stop, with half a message buffered.
    let mut open = ws_open(vg.port());
    open.write_all(&frame(0x81, b"still here")).unwrap();
    assert_eq!(read_frame(&mut open), (0x81, b"still here".to_vec()));
    open.write_all(&frame(0x01, b"unfinished")).unwrap();
    // Once the echo of this has come back, the fragment has been read too.
    open.write_all(&frame(0x89, b"sync")).unwrap();
    assert_eq!(read_frame(&mut open), (0x8a, b"sync".to_vec()));
    vg.stop_clean();
}

#[test]
fn file_upload_is_valgrind_clean() {
    if !have_valgrind() {
        return;
    }
    let dir = root().join("target/valgrind/upload");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + (i >> 9)) as u8).collect();
    std::fs::write(dir.join("in/data.bin"), &data).unwrap();
    std::fs::write(dir.join("in/note.txt"), b"a note\r\n--x\r\n").unwrap();
    let out_dir = dir.join("out").display().to_string();
    let vg = UnderValgrind::start("file_upload", &[&out_dir]);
    let form = |name: &str| format!("file=@{}", dir.join("in").join(name).display());
    let reply = curl_ok(&[
        "-F",
        &form("data.bin"),
        "-F",
        &form("note.txt"),
        "-F",
        "comment=plain",
        &vg.url("/upload"),
    ]);
    assert!(reply.ends_with("2 file(s) uploaded\n"), "{reply}");
    assert!(std::fs::read(dir.join("out/data.bin")).unwrap() == data);
    // A chunked upload, and the form page.
    let reply = curl_ok(&[
        "-H",
        "Transfer-Encoding: chunked",
        "-F",
        &form("note.txt"),
        &vg.url("/upload"),
    ]);
    assert!(reply.ends_with("1 file(s) uploaded\n"), "{reply}");
    assert!(curl_ok(&[&vg.url("/")]).contains("multipart/form-data"));
    // An upload cut off in the middle of its body when the server stops.
    let mut cut = connect(vg.port());
    cut.write_all(
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
          Content-Length: 100000\r\n\r\n--b\r\n",
    )
    .unwrap();
    let mut probe = connect(vg.port());
    probe
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    assert_eq!(get(&mut probe, "/").status, 200);
    vg.stop_clean();
}
