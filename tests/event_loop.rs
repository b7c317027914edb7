//! The select() loop under pressure: descriptors beyond FD_SETSIZE,
//! descriptor exhaustion, idle CPU, and two servers sharing a listener.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Raises this process's descriptor limit to its hard limit.
fn raise_nofile() -> u64 {
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        lim.rlim_cur
    }
}

fn bin(name: &str) -> String {
    root()
        .join("build/examples")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn idle_server_sleeps_in_select() {
    let srv = start_test_server(&[]);
    let mut s = srv.connect();
    assert_eq!(get(&mut s, "/hello").status, 200);
    assert_sleeps_in_select(|| srv.cpu_time());
}

#[test]
fn own_descriptors_beyond_fd_setsize_are_reported() {
    // The wakeup socket and the listener, not only accepted connections,
    // must fit in an fd_set: tests/c/fd_limit_test.c fills every
    // descriptor below 1024 and checks that mg_create_server returns NULL
    // and listening_port gives an error, then frees two and checks both
    // work again.
    if raise_nofile() < 1200 {
        eprintln!("skipping: hard descriptor limit < 1200");
        return;
    }
    let bin = compile_c("fd_limit_test", &[]);
    let out = std::process::Command::new(&bin).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(77) {
        eprintln!("skipping: {stderr}");
        return;
    }
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
}

#[test]
fn descriptors_beyond_fd_setsize_are_refused_cleanly() {
    let limit = raise_nofile();
    if limit < 2048 {
        eprintln!("skipping: hard descriptor limit {limit} < 2048");
        return;
    }
    let bin = test_server_binary();
    let srv = Server::start_shell(&format!(
        "ulimit -n {} && exec {} 0 max_connections=5000",
        limit.min(4096),
        bin.display()
    ));
    let mut conns: Vec<TcpStream> = Vec::new();
    for _ in 0..1100 {
        conns.push(srv.connect());
    }
    // The last connections landed on descriptors >= 1024 in the server:
    // each gets a 503 and a close, not memory corruption.
    let mut refused = 0;
    for s in conns.iter_mut().rev().take(40) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let reply = read_to_close(s);
        let text = String::from_utf8_lossy(&reply);
        assert!(
            text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{text:?}"
        );
        refused += 1;
    }
    assert_eq!(refused, 40);
    // The accepted ones are still served.
    for s in conns.iter_mut().take(5) {
        assert_eq!(get(s, "/hello").text(), "Hello [/hello]");
    }
    // ... at normal CPU.
    let before = srv.cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = srv.cpu_time() - before;
    assert!(
        used < Duration::from_millis(150),
        "server used {used:?} CPU in 1 s"
    );
    drop(conns);
    std::thread::sleep(Duration::from_millis(300));
    let mut s = srv.connect();
    assert_eq!(get(&mut s, "/hello").status, 200);
}

/// Out of descriptors (issue 16, defect 3), the connections the server
/// cannot hold are answered 503 and closed at once, through the spare
/// descriptor the server keeps, instead of waiting unanswered in the
/// accept queue; and the server sleeps while saturated.
#[test]
fn out_of_descriptors_every_client_gets_an_answer() {
    raise_nofile();
    let bin = test_server_binary();
    let srv = Server::start_shell(&format!("ulimit -n 64 && exec {} 0", bin.display()));
    let request = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    let clients: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = srv.connect();
            s.write_all(request).unwrap();
            s
        })
        .collect();
    // Every client gets an answer: 200 (kept alive) or 503 and a close.
    let mut served = Vec::new();
    let mut refused = 0;
    for (i, mut s) in clients.into_iter().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let r = read_response(&mut s);
        match r.status {
            200 => served.push(s),
            503 => {
                assert_eq!(r.header("Connection"), Some("close"), "client {i}");
                assert!(is_closed(&mut s, Duration::from_secs(5)), "client {i}");
                refused += 1;
            }
            other => panic!("client {i} got {other}"),
        }
    }
    assert!(
        (40..64).contains(&served.len()),
        "{} served, {refused} refused",
        served.len()
    );
    // Saturated: newcomers are refused at once, and the server sleeps.
    for _ in 0..20 {
        let mut s = srv.connect();
        s.write_all(request).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(read_response(&mut s).status, 503);
    }
    let before = srv.cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = srv.cpu_time() - before;
    assert!(
        used < Duration::from_millis(200),
        "server used {used:?} CPU while out of descriptors"
    );
    // The connections it holds are still served...
    for s in served.iter_mut().take(5) {
        assert_eq!(get(s, "/hello").status, 200);
    }
    // ... and once they close, newcomers are served again.
    drop(served);
    let t0 = Instant::now();
    loop {
        let mut s = srv.connect();
        s.write_all(request).unwrap();
        match read_response(&mut s).status {
            200 => break,
            503 if t0.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => panic!("after the others closed: {other}"),
        }
    }
}

#[test]
fn two_servers_share_one_listening_socket() {
    let srv = Server::start(std::path::Path::new(&bin("multi_threaded")), &[]);
    let port = srv.port;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..100 {
                    let mut s = connect(port);
                    s.write_all(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .unwrap();
                    let mut all = Vec::new();
                    s.read_to_end(&mut all).unwrap();
                    let text = String::from_utf8_lossy(&all).into_owned();
                    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 1, "{text}");
                    seen.push(text.contains("server 1"));
                }
                seen
            })
        })
        .collect();
    let seen: Vec<bool> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(seen.len(), 400);
    assert!(seen.iter().any(|&s| s), "server 1 never answered");
    assert!(seen.iter().any(|&s| !s), "server 2 never answered");
    let start = Instant::now();
    srv.stop();
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// Output queued for a connection accepted in the same `mg_poll_server()`
/// call (by another connection's handler) leaves in that call.
#[test]
fn output_for_a_connection_accepted_in_the_same_poll_is_flushed() {
    let bin = compile_c("same_poll_flush", &[]);
    let out = std::process::Command::new(&bin)
        .output()
        .expect("run same_poll_flush");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch directory for one test, emptied first.
fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 300 KB that no misplaced slice can reproduce by accident.
fn slice_test_bytes() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// Runs `exchange` on another thread and fails the test if it takes longer
/// than `deadline` (the server is then killed, which ends the thread).
fn within<T: Send + 'static>(
    deadline: Duration,
    exchange: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(exchange());
    });
    rx.recv_timeout(deadline)
        .unwrap_or_else(|_| panic!("no complete reply within {deadline:?}"))
}

/// Work done in MG_POLL slices must not wait for the poll timeout between
/// slices. Each of the 3000 slices here queues output; with the program
/// polling every 1000 ms, a loop that slept after each slice would need
/// 50 minutes. The deadline is far above the few milliseconds needed.
const SLICES_DEADLINE: Duration = Duration::from_secs(10);

#[test]
fn upload_saved_in_poll_slices_does_not_wait_for_the_poll_timeout() {
    // 5.4's big_upload.c: 100 bytes saved per MG_POLL, one space sent
    // back each time, "Written N bytes." and MG_TRUE at the end.
    let dir = scratch_dir("poll_upload");
    let bin = compile_c("poll_streaming", &[]);
    let srv = Server::start(&bin, &[dir.to_str().unwrap()]);
    let data = slice_test_bytes();
    let port = srv.port;
    let body = data.clone();
    let reply = within(SLICES_DEADLINE, move || {
        let mut s = connect(port);
        let head = format!(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
        read_response(&mut s)
    });
    assert_eq!(reply.status, 200);
    let text = reply.text();
    let spaces = " ".repeat(data.len() / 100);
    assert_eq!(text, format!("{spaces}Written {} bytes.", data.len()));
    assert!(
        std::fs::read(dir.join("upload.bin")).unwrap() == data,
        "saved bytes differ"
    );
    // Nothing left to do: the program must sleep in select() again.
    assert_sleeps_in_select(|| srv.cpu_time());
}

#[test]
fn file_streamed_in_poll_slices_does_not_wait_for_the_poll_timeout() {
    let dir = scratch_dir("poll_stream");
    let data = slice_test_bytes();
    std::fs::write(dir.join("source.bin"), &data).unwrap();
    let bin = compile_c("poll_streaming", &[]);
    let srv = Server::start(&bin, &[dir.to_str().unwrap()]);
    let port = srv.port;
    let reply = within(SLICES_DEADLINE, move || {
        let mut s = connect(port);
        s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let first = read_response(&mut s);
        // Twice on one connection: the second request starts from the
        // keep-alive state the first left behind.
        s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        (first, read_response(&mut s))
    });
    for r in [reply.0, reply.1] {
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
        assert!(
            r.body == data,
            "streamed bytes differ ({} bytes)",
            r.body.len()
        );
    }
}

#[test]
fn poll_slices_for_a_peer_that_does_not_read_do_not_spin() {
    // The next poll comes at once only while the slices' output leaves:
    // once the peer stops reading, the loop must wait in select() for it
    // (and the handler gets MG_POLL once per timeout, as in 5.4).
    let dir = scratch_dir("poll_stall");
    let bin = compile_c("poll_streaming", &[]);
    let srv = Server::start(&bin, &[dir.to_str().unwrap()]);
    let mut s = srv.connect();
    s.write_all(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = vec![0u8; 20_000];
    s.read_exact(&mut buf).unwrap(); // it flows, until the socket buffers fill
    let window = Duration::from_millis(500);
    let settled = (0..8).any(|_| {
        let before = srv.cpu_time();
        std::thread::sleep(window);
        srv.cpu_time() - before < window / 10
    });
    assert!(
        settled,
        "the server kept spinning for a peer that does not read"
    );
    let before = srv.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = srv.cpu_time() - before;
    assert!(
        used < Duration::from_millis(100),
        "server used {used:?} of CPU in 2 s waiting for a peer that does not read"
    );
    // And it flows again when the peer reads.
    within(SLICES_DEADLINE, move || {
        let mut buf = vec![0u8; 1 << 20];
        s.read_exact(&mut buf).unwrap();
    });
}
