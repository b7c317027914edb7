//! CGI: `build/mongoose` runs shell and Python scripts written here, over
//! loopback, with raw sockets and curl; php-cgi when it is installed.
//!
//! - the environment, `Status:`/`Location:`/headers, chunked and
//!   close-delimited output, `Content-Length` passed through (keep-alive);
//! - output that is not a header block (or injects a header) is a 500, a
//!   script that cannot run is a 500 without its source;
//! - request bodies stream to stdin and output streams to the client with
//!   back-pressure: 200 MB each way with the server's RSS staying small;
//! - a slow script does not hold up other clients; a client that leaves
//!   (or a script that goes silent) gets the script's process group killed
//!   and reaped; `max_cgi_processes` answers 503 past its cap.

mod common;

use common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn mongoose_bin() -> PathBuf {
    let bin = root().join("build/mongoose");
    assert!(bin.exists(), "build/mongoose is missing: run `make`");
    bin
}

/// A fresh document root for one test, with `scripts` as (name, text,
/// executable).
fn www(test: &str, scripts: &[(&str, &str, bool)]) -> PathBuf {
    let dir = root()
        .join("target/cgi-tests")
        .join(format!("{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text, exec) in scripts {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let mode = if *exec { 0o755 } else { 0o644 };
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    dir
}

fn serve(root: &Path, args: &[&str]) -> Server {
    Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-listening_port", "127.0.0.1:0", "-document_root"])
            .arg(root)
            .args(args),
    )
}

fn request(s: &Server, req: &str) -> Response {
    let mut c = s.connect();
    c.write_all(req.as_bytes()).unwrap();
    read_response_for(&mut c, req.starts_with("HEAD "))
}

fn get(s: &Server, path: &str) -> Response {
    request(s, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
}

/// The server's resident set, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Is process `pid` gone (exited and reaped: not even a zombie)?
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_until(what: &str, deadline: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a pid a script wrote to `file`.
fn pid_in(file: &Path) -> u32 {
    let mut pid = None;
    wait_until("the script's pid", Duration::from_secs(10), || {
        pid = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse().ok());
        pid.is_some()
    });
    pid.unwrap()
}

const ENV_SCRIPT: &str = "#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
for v in GATEWAY_INTERFACE SERVER_SOFTWARE SERVER_PROTOCOL REQUEST_METHOD QUERY_STRING \
  REQUEST_URI SCRIPT_NAME SCRIPT_FILENAME PATH_TRANSLATED DOCUMENT_ROOT REDIRECT_STATUS HTTPS \
  REMOTE_ADDR SERVER_NAME CONTENT_TYPE CONTENT_LENGTH HTTP_X_THING HTTP_HOST; do
  eval \"echo $v=\\${$v-unset}\"
done
echo PWD=$(pwd)
";

#[test]
fn environment_and_working_directory() {
    let root = www("env", &[("sub/env.cgi", ENV_SCRIPT, true)]);
    let s = serve(&root, &[]);
    let r = request(
        &s,
        "GET /sub/env.cgi?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nX-Thing: yes\r\n\r\n",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let script = root.join("sub/env.cgi");
    let root = root.display();
    let script = script.display();
    let expected = format!(
        "GATEWAY_INTERFACE=CGI/1.1\nSERVER_SOFTWARE=Mongoose/5.4\nSERVER_PROTOCOL=HTTP/1.1\n\
         REQUEST_METHOD=GET\nQUERY_STRING=a=1&b=%20\nREQUEST_URI=/sub/env.cgi?a=1&b=%20\n\
         SCRIPT_NAME=/sub/env.cgi\nSCRIPT_FILENAME={script}\nPATH_TRANSLATED={script}\n\
         DOCUMENT_ROOT={root}\nREDIRECT_STATUS=200\nHTTPS=off\nREMOTE_ADDR=127.0.0.1\n\
         SERVER_NAME=127.0.0.1\nCONTENT_TYPE=unset\nCONTENT_LENGTH=unset\nHTTP_X_THING=yes\n\
         HTTP_HOST=x\nPWD={root}/sub\n"
    );
    assert_eq!(r.text(), expected);
    // A POST sees its type and length.
    let r = request(
        &s,
        "POST /sub/env.cgi HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-y\r\nContent-Length: 3\r\n\r\nabc",
    );
    let text = r.text();
    assert!(
        text.contains("REQUEST_METHOD=POST\n")
            && text.contains("CONTENT_TYPE=text/x-y\n")
            && text.contains("CONTENT_LENGTH=3\n"),
        "{text}"
    );
}

#[test]
fn status_location_and_framing() {
    let root = www(
        "framing",
        &[
            (
                "status.cgi",
                "#!/bin/sh\nprintf 'Status: 404 Not Here\\r\\nContent-Type: text/plain\\r\\nX-A: 1\\r\\n\\r\\nmissing'\n",
                true,
            ),
            ("redirect.cgi", "#!/bin/sh\nprintf 'Location: /elsewhere\\n\\n'\n", true),
            (
                "length.py",
                "#!/usr/bin/env python3\nimport sys\nsys.stdout.write('Content-Type: text/plain\\nContent-Length: 5\\n\\nhello')\n",
                true,
            ),
            (
                "hello.pl",
                "#!/usr/bin/perl\nprint \"Content-Type: text/plain\\r\\n\\r\\nperl $ENV{REQUEST_METHOD}\";\n",
                true,
            ),
            // Not executable: run by the program its #! line names.
            ("plain.cgi", "#!/bin/sh\nprintf 'A: b\\n\\nfrom sh'\n", false),
        ],
    );
    let s = serve(&root, &["-cgi_pattern", "**.cgi$|**.py$|**.pl$"]);

    // HTTP/1.1, no length: chunked, the script's reason phrase and headers.
    let r = get(&s, "/status.cgi");
    assert_eq!(
        String::from_utf8_lossy(&fixed_dates(&r.raw)),
        "HTTP/1.1 404 Not Here\r\nDate: D\r\nContent-Type: text/plain\r\nX-A: 1\r\n\
         Transfer-Encoding: chunked\r\n\r\n7\r\nmissing\r\n0\r\n\r\n"
    );
    // HTTP/1.0: unframed, closed.
    let raw = exchange(s.port, b"GET /status.cgi HTTP/1.0\r\n\r\n");
    assert_eq!(
        String::from_utf8_lossy(&fixed_dates(&raw)),
        "HTTP/1.1 404 Not Here\r\nDate: D\r\nContent-Type: text/plain\r\nX-A: 1\r\n\
         Connection: close\r\n\r\nmissing"
    );
    // Location alone: 302.
    let r = get(&s, "/redirect.cgi");
    assert_eq!(r.status_line, "HTTP/1.1 302 Found");
    assert_eq!(r.header("Location"), Some("/elsewhere"));
    assert_eq!(r.body, b"");
    // The script's Content-Length: passed through, the connection kept.
    let mut c = s.connect();
    for _ in 0..3 {
        c.write_all(b"GET /length.py HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let r = read_response(&mut c);
        assert_eq!(
            String::from_utf8_lossy(&fixed_dates(&r.raw)),
            "HTTP/1.1 200 OK\r\nDate: D\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
        );
    }
    // HEAD: the head only, and the connection goes on.
    c.write_all(b"HEAD /length.py HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response_for(&mut c, true);
    assert_eq!((r.status, r.header("Content-Length")), (200, Some("5")));
    c.write_all(b"GET /plain.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response(&mut c);
    assert_eq!((r.status, r.text().as_str()), (200, "from sh"));
    if Path::new("/usr/bin/perl").exists() {
        c.write_all(b"GET /hello.pl HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let r = read_response(&mut c);
        assert_eq!((r.status, r.text().as_str()), (200, "perl GET"));
    }
}

#[test]
fn bad_output_and_scripts_that_cannot_run() {
    let root = www(
        "bad",
        &[
            ("noheader.cgi", "#!/bin/sh\necho just text\n", true),
            ("empty.cgi", "#!/bin/sh\nexit 0\n", true),
            ("blankfirst.cgi", "#!/bin/sh\nprintf '\\r\\nbody'\n", true),
            (
                "inject.cgi",
                "#!/bin/sh\nprintf 'X-A: a\\rSet-Cookie: evil=1\\r\\n\\r\\nbody'\n",
                true,
            ),
            ("cut.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n'\n", true),
            ("nul.cgi", "#!/bin/sh\nprintf 'X-A: a\\000b\\r\\n\\r\\n'\n", true),
            ("badstatus.cgi", "#!/bin/sh\nprintf 'Status: OK\\r\\n\\r\\n'\n", true),
            ("secret.cgi", "no interpreter line SECRET-SOURCE\n", false),
            ("nointerp.cgi", "#!/no/such/interpreter\nSECRET-SOURCE\n", false),
            (
                "huge.cgi",
                "#!/bin/sh\nwhile :; do printf 'X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\r\\n'; done\n",
                true,
            ),
        ],
    );
    let s = serve(&root, &[]);
    for path in [
        "/noheader.cgi",
        "/empty.cgi",
        "/blankfirst.cgi",
        "/inject.cgi",
        "/cut.cgi",
        "/nul.cgi",
        "/badstatus.cgi",
        "/secret.cgi",
        "/nointerp.cgi",
        "/huge.cgi",
    ] {
        let r = get(&s, path);
        assert_eq!(r.status, 500, "{path}: {}", String::from_utf8_lossy(&r.raw));
        assert_eq!(r.body, b"500 Internal Server Error\n", "{path}");
        assert!(r.header("Set-Cookie").is_none(), "{path}");
    }
    // With an interpreter that exists, the same file runs.
    let s = serve(&root, &["-cgi_interpreter", "/bin/cat"]);
    let r = get(&s, "/nointerp.cgi");
    assert_eq!(r.status, 500, "cat prints no header block");
    let s = serve(&root, &["-cgi_interpreter", "/no/such/program"]);
    assert_eq!(get(&s, "/noheader.cgi").status, 500);
}

#[test]
fn request_bodies_stream_to_stdin() {
    let root = www(
        "upload",
        &[(
            "count.cgi",
            "#!/bin/sh\nn=$(wc -c)\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s bytes\\n' \"$n\"\n",
            true,
        )],
    );
    // Bodies far over max_request_body_size (1 MiB here) and over
    // max_buffered_input_size: they are never buffered whole.
    let s = serve(
        &root,
        &[
            "-max_request_body_size",
            "1048576",
            "-max_buffered_input_size",
            "2097152",
        ],
    );
    const SIZE: usize = 200 << 20;
    let mut c = s.connect();
    c.write_all(
        format!("POST /count.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: {SIZE}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let block = vec![b'x'; 1 << 20];
    let mut peak = 0;
    for i in 0..SIZE / block.len() {
        c.write_all(&block).unwrap();
        if i % 20 == 0 {
            peak = peak.max(rss_kib(s.pid()));
        }
    }
    let r = read_response(&mut c);
    assert_eq!((r.status, r.text()), (200, format!("{SIZE} bytes\n")));
    assert!(
        peak < 40 * 1024,
        "server RSS reached {peak} KiB during a 200 MB upload"
    );

    // Chunked, on the same connection (the body was consumed whole).
    c.write_all(b"POST /count.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    for piece in ["hello ", "chunked ", "world"] {
        c.write_all(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes())
            .unwrap();
    }
    c.write_all(b"0\r\n\r\n").unwrap();
    let r = read_response(&mut c);
    assert_eq!((r.status, r.text().as_str()), (200, "19 bytes\n"));

    // curl with Expect: 100-continue.
    let upload = root.join("upload.bin");
    std::fs::write(&upload, vec![b'y'; 3 << 20]).unwrap();
    let out = curl(&[
        "--data-binary",
        &format!("@{}", upload.display()),
        "-H",
        "Expect: 100-continue",
        &s.url("/count.cgi"),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{} bytes\n", 3 << 20)
    );

    // A malformed chunked body: 400, and the script is stopped.
    let raw = exchange(
        s.port,
        b"POST /count.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    );
    assert!(
        raw.starts_with(b"HTTP/1.1 400 "),
        "{}",
        String::from_utf8_lossy(&raw)
    );
}

#[test]
fn output_streams_with_back_pressure() {
    let root = www(
        "download",
        &[(
            "big.cgi",
            "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nexec head -c 209715200 /dev/zero\n",
            true,
        )],
    );
    let s = serve(&root, &[]);
    let mut c = s.connect();
    c.write_all(b"GET /big.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // A slow reader first: the script must wait for it, not fill memory.
    let mut buf = vec![0u8; 1 << 16];
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        c.read_exact(&mut buf[..4096]).unwrap();
    }
    let rss = rss_kib(s.pid());
    assert!(
        rss < 40 * 1024,
        "server RSS {rss} KiB while a client reads slowly"
    );
    drop(c);
    // The whole body, read at full speed on a fresh connection.
    let mut c = s.connect();
    c.write_all(b"GET /big.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 209_715_200);
    assert!(r.body.iter().all(|&b| b == 0));
    assert!(rss_kib(s.pid()) < 40 * 1024);
}

/// Is any process of group `pgid` alive (or an unreaped zombie)?
fn group_alive(pgid: u32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
            // pid (comm) state ppid pgrp ...: comm may hold spaces.
            let after = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
            after.split_whitespace().nth(2) == Some(&pgid.to_string())
        })
    })
}

#[test]
fn slow_scripts_do_not_block_others() {
    let root = www(
        "slow",
        &[
            (
                "slow.cgi",
                "#!/bin/sh\nsleep 2\nprintf 'A: b\\r\\n\\r\\nslow done'\n",
                true,
            ),
            ("static.txt", "static\n", false),
        ],
    );
    let s = serve(&root, &[]);
    let port = s.port;
    let slow = std::thread::spawn(move || {
        let mut c = connect(port);
        c.write_all(b"GET /slow.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let r = read_response(&mut c);
        (r.status, r.text(), Instant::now())
    });
    std::thread::sleep(Duration::from_millis(300));
    let r = get(&s, "/static.txt");
    let static_done = Instant::now();
    assert_eq!((r.status, r.text().as_str()), (200, "static\n"));
    let (status, text, slow_done) = slow.join().unwrap();
    assert_eq!((status, text.as_str()), (200, "slow done"));
    assert!(
        static_done < slow_done,
        "the static reply waited for the script"
    );
}

#[test]
fn scripts_are_killed_and_reaped() {
    let root = www(
        "kill",
        &[
            (
                "hang.cgi",
                "#!/bin/sh\necho $$ > hang.pid\nprintf 'Content-Type: text/plain\\r\\n\\r\\nstarted\\n'\nsleep 1000\n",
                true,
            ),
            ("silent.cgi", "#!/bin/sh\necho $$ > silent.pid\nsleep 1000\n", true),
            ("slow.cgi", "#!/bin/sh\nsleep 1\nprintf 'A: b\\r\\n\\r\\nok'\n", true),
        ],
    );
    // The client walks away from a script that never ends.
    let s = serve(&root, &[]);
    let mut c = s.connect();
    c.write_all(b"GET /hang.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.windows(8).any(|w| w == b"started\n") {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let pid = pid_in(&root.join("hang.pid"));
    assert!(group_alive(pid));
    drop(c);
    wait_until(
        "the script and its sleep to be gone",
        Duration::from_secs(10),
        || gone(pid) && !group_alive(pid),
    );

    // A script silent for idle_timeout_ms: 504, and it is gone.
    let s = serve(
        &root,
        &["-idle_timeout_ms", "1500", "-max_cgi_processes", "1"],
    );
    let r = get(&s, "/silent.cgi");
    assert_eq!(r.status, 504, "{}", r.text());
    let pid = pid_in(&root.join("silent.pid"));
    wait_until(
        "the silent script to be gone",
        Duration::from_secs(10),
        || gone(pid) && !group_alive(pid),
    );

    // max_cgi_processes=1: a second script while one runs gets 503.
    let port = s.port;
    let first = std::thread::spawn(move || {
        let mut c = connect(port);
        c.write_all(b"GET /slow.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_response(&mut c).status
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(&s, "/slow.cgi").status, 503);
    assert_eq!(first.join().unwrap(), 200);
    // ...and once it is done, the next one runs.
    assert_eq!(get(&s, "/slow.cgi").status, 200);

    // The server stopped with a script running: the script goes too.
    let _ = std::fs::remove_file(root.join("hang.pid"));
    let mut c = s.connect();
    c.write_all(b"GET /hang.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let pid = pid_in(&root.join("hang.pid"));
    s.stop();
    wait_until(
        "the script to be gone after the server",
        Duration::from_secs(10),
        || !group_alive(pid),
    );
}

const FORM_PHP: &str = r#"<?php
header('X-Form: 1');
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    echo 'Hello, ' . htmlspecialchars($_POST['name']) . '! blob=' . strlen($_POST['blob'] ?? '');
    echo ' script=' . $_SERVER['SCRIPT_NAME'] . ' q=' . ($_GET['q'] ?? '');
} else {
    echo '<form method="post"><input name="name"><input type="submit"></form>';
}
"#;

#[test]
fn php_cgi_form_and_phpinfo() {
    let Some(php) = ["/usr/bin/php-cgi", "/usr/local/bin/php-cgi"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!(
            "SKIPPED php_cgi_form_and_phpinfo: php-cgi is not installed (.ci/run installs it)"
        );
        return;
    };
    let root = www(
        "php",
        &[
            ("form.php", FORM_PHP, false),
            ("info.php", "<?php phpinfo();\n", false),
            (
                "gone.php",
                "<?php http_response_code(404); echo 'nope';\n",
                false,
            ),
            ("go.php", "<?php header('Location: /form.php'); \n", false),
        ],
    );
    let s = serve(&root, &["-cgi_interpreter", php]);
    let r = get(&s, "/form.php");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.header("X-Form"), Some("1"));
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert_eq!(
        r.text(),
        r#"<form method="post"><input name="name"><input type="submit"></form>"#
    );
    // The form posted (with a 1 MiB field, streamed to php's stdin), on
    // one keep-alive connection, twice.
    let blob = "b".repeat(1 << 20);
    let body = format!("name=%3Cworld%3E&blob={blob}");
    let mut c = s.connect();
    for _ in 0..2 {
        c.write_all(
            format!(
                "POST /form.php?q=7 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
        let r = read_response(&mut c);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.text(),
            format!(
                "Hello, &lt;world&gt;! blob={} script=/form.php q=7",
                1 << 20
            )
        );
    }
    let r = get(&s, "/info.php");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("PHP Version"), "{}", r.text());
    let r = get(&s, "/gone.php");
    assert_eq!((r.status, r.text().as_str()), (404, "nope"));
    let r = get(&s, "/go.php");
    assert_eq!((r.status, r.header("Location")), (302, Some("/form.php")));
}

#[test]
fn a_c_program_whose_handler_declines_runs_scripts_too() {
    // tests/c/test_server.c declines what it does not know: the built-in
    // handling runs the script, with the body the handler saw (buffered,
    // as 5.4 programs expect), while MG_POLL goes on for the connection.
    let root = www(
        "c-handler",
        &[
            (
                "count.cgi",
                "#!/bin/sh\nn=$(wc -c)\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s bytes, CONTENT_LENGTH=%s\\n' \"$n\" \"$CONTENT_LENGTH\"\n",
                true,
            ),
            ("slow.cgi", "#!/bin/sh\nsleep 1\nprintf 'A: b\\r\\n\\r\\nslow'\n", true),
        ],
    );
    let s = start_test_server(&[&format!("document_root={}", root.display())]);
    let mut c = s.connect();
    let body = "z".repeat(2 << 20);
    c.write_all(
        format!(
            "POST /count.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let r = read_response(&mut c);
    assert_eq!(
        (r.status, r.text()),
        (200, format!("{0} bytes, CONTENT_LENGTH={0}\n", 2 << 20))
    );
    c.write_all(
        b"POST /count.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    )
    .unwrap();
    let r = read_response(&mut c);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "3 bytes, CONTENT_LENGTH=3\n")
    );
    c.write_all(b"GET /slow.cgi HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let r = read_response(&mut c);
    assert_eq!((r.status, r.text().as_str()), (200, "slow"));
}
