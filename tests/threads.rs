//! Cross-thread calls: mg_wakeup_server_ex from many threads and from the
//! IO thread, mg_iterate_over_connections from another thread, and the
//! CPU use of the loop afterwards.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Opens a /stream subscription and returns a line reader on it.
fn subscribe(port: u16) -> BufReader<TcpStream> {
    let mut s = connect(port);
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s);
    // Skip the response head.
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
    }
    assert_eq!(next_line(&mut r), "subscribed");
    r
}

/// The next payload line of a chunked stream of one-line chunks.
fn next_line(r: &mut BufReader<TcpStream>) -> String {
    let mut size = String::new();
    r.read_line(&mut size).unwrap();
    let n = usize::from_str_radix(size.trim(), 16)
        .unwrap_or_else(|_| panic!("bad chunk size {size:?}"));
    let mut data = vec![0u8; n + 2];
    std::io::Read::read_exact(r, &mut data).unwrap();
    let text = String::from_utf8(data[..n].to_vec()).unwrap();
    text.trim_end_matches('\n').to_string()
}

fn request(port: u16, path: &str) -> String {
    let mut s = connect(port);
    get(&mut s, path).text()
}

fn wakeup_server(extra: &[&str]) -> Server {
    let bin = compile_c("wakeup_test", extra);
    Server::start(&bin, &[])
}

#[test]
fn eight_producers_ten_thousand_messages_each_reach_every_subscriber_in_order() {
    let srv = wakeup_server(&[]);
    let (threads, count) = (8usize, 10_000usize);
    let readers: Vec<_> = (0..3).map(|_| subscribe(srv.port)).collect();
    assert_eq!(
        request(
            srv.port,
            &format!("/produce?threads={threads}&count={count}")
        ),
        "started 8\n"
    );
    let handles: Vec<_> = readers
        .into_iter()
        .map(|mut r| {
            std::thread::spawn(move || {
                let mut next = vec![0usize; threads];
                for _ in 0..threads * count {
                    let line = next_line(&mut r);
                    let (p, i) = line.split_once(' ').unwrap();
                    let p: usize = p[1..].parse().unwrap();
                    let i: usize = i.parse().unwrap();
                    assert_eq!(i, next[p], "producer {p} out of order");
                    next[p] += 1;
                }
                next
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), vec![count; threads]);
    }
    // Thousands of wakeups later, an idle server is back to ~0 CPU.
    std::thread::sleep(Duration::from_millis(200));
    let before = srv.cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = srv.cpu_time() - before;
    assert!(
        used < Duration::from_millis(100),
        "idle after wakeups used {used:?}"
    );
}

#[test]
fn wakeup_from_the_io_thread_and_iteration_from_another_thread() {
    let srv = wakeup_server(&[]);
    let mut r = subscribe(srv.port);
    assert_eq!(request(srv.port, "/self"), "queued\n");
    assert_eq!(next_line(&mut r), "self wakeup");
    assert_eq!(request(srv.port, "/iterate_thread"), "started\n");
    assert_eq!(next_line(&mut r), "iter 42");
    // A message far longer than 5.4's 8 KiB limit arrives whole.
    assert_eq!(request(srv.port, "/long?n=100000"), "queued\n");
    assert_eq!(next_line(&mut r), "L".repeat(100_000));
    assert_eq!(request(srv.port, "/end"), "ended\n");
    assert_eq!(next_line(&mut r), "end");
    // The stream's request ends (terminating chunk), the connection stays usable.
    let mut size = String::new();
    r.read_line(&mut size).unwrap();
    assert_eq!(size, "0\r\n");
}

#[test]
fn thread_sanitizer_run_is_clean() {
    // gcc's -fsanitize=thread needs libtsan; skip when it is missing.
    let probe = std::process::Command::new("sh")
        .arg("-c")
        .arg("echo 'int main(void){return 0;}' | cc -fsanitize=thread -x c - -o /dev/null 2>/dev/null")
        .status()
        .is_ok_and(|s| s.success());
    if !probe {
        eprintln!("skipping: this compiler cannot build with -fsanitize=thread");
        return;
    }
    let bin = compile_c("wakeup_test", &["-fsanitize=thread"]);
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("0").env(
        "TSAN_OPTIONS",
        "halt_on_error=1 exitcode=66 report_signal_unsafe=0",
    );
    let srv = Server::start_cmd(&mut cmd);
    let readers: Vec<_> = (0..2).map(|_| subscribe(srv.port)).collect();
    assert_eq!(
        request(srv.port, "/produce?threads=4&count=500"),
        "started 4\n"
    );
    for mut r in readers {
        for _ in 0..2000 {
            assert!(next_line(&mut r).starts_with('p'));
        }
    }
    assert_eq!(request(srv.port, "/iterate_thread"), "started\n");
    std::thread::sleep(Duration::from_millis(300));
    let mut srv = srv;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(srv.pid() as i32, libc::SIGTERM) };
    let status = srv.child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "ThreadSanitizer reported a problem (see stderr)"
    );
}

#[test]
fn destroying_one_sharer_keeps_the_listener_open_for_the_other() {
    let bin = compile_c("shared_listener", &[]);
    let srv = Server::start_cmd(&mut std::process::Command::new(&bin));
    for _ in 0..3 {
        assert_eq!(request(srv.port, "/x"), "served by server 2");
    }
}
