//! The example programs of c_examples/, built by `make`, driven with curl.

mod common;

use common::*;
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    let p = root().join("build/examples").join(name);
    assert!(p.exists(), "{} missing: run make", p.display());
    p
}

fn curl_text(args: &[&str]) -> String {
    let out = curl(args);
    assert!(out.status.success(), "curl {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hello_world_answers_every_uri() {
    let srv = Server::start(&example("hello_world"), &[]);
    assert_eq!(
        curl_text(&[&srv.url("/foo/bar")]),
        "Hello! Requested URI is [/foo/bar]"
    );
    assert_eq!(
        curl_text(&[&srv.url("/a%20b?x=1")]),
        "Hello! Requested URI is [/a b]"
    );
}

#[test]
fn hello_world_binds_an_explicit_address() {
    // The first argument may be an address; port 0 picks a free one.
    let srv =
        Server::start_cmd(std::process::Command::new(example("hello_world")).arg("127.0.0.1:0"));
    assert_eq!(curl_text(&[&srv.url("/x")]), "Hello! Requested URI is [/x]");
}

#[test]
fn form_submit_echoes_escaped_values() {
    let srv = Server::start(&example("form_submit"), &[]);
    let page = curl_text(&[&srv.url("/")]);
    assert!(page.contains("<form method=\"POST\" action=\"/submit\">"));
    let reply = curl_text(&[
        "-d",
        "name=J%C3%BCrgen+Doe&comment=%3Cb%3Ehi%3C%2Fb%3E%26",
        &srv.url("/submit"),
    ]);
    assert!(reply.contains("<p>name: Jürgen Doe</p>"), "{reply}");
    assert!(
        reply.contains("<p>comment: &lt;b&gt;hi&lt;/b&gt;&amp;</p>"),
        "{reply}"
    );
    let reply = curl_text(&[&srv.url("/submit?name=q")]);
    assert!(
        reply.contains("<p>name: q</p>") && reply.contains("<p>comment: (missing)</p>"),
        "{reply}"
    );
    let long = format!("name={}", "x".repeat(600));
    let reply = curl_text(&["-d", &long, &srv.url("/submit")]);
    assert!(reply.contains("<p>name: (too long)</p>"), "{reply}");
}

#[test]
fn restful_api_sums_and_reports_errors() {
    let srv = Server::start(&example("restful_api"), &[]);
    let code = |args: &[&str]| {
        let mut all = vec!["-o", "/dev/stderr", "-w", "%{http_code}"];
        all.extend_from_slice(args);
        let out = curl(&all);
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        code(&[&srv.url("/api/sum?n1=1.5&n2=2")]),
        ("200".into(), "{\"result\": 3.5}\n".into())
    );
    assert_eq!(
        code(&["-d", "n1=-4&n2=10", &srv.url("/api/sum")]),
        ("200".into(), "{\"result\": 6}\n".into())
    );
    let (status, body) = code(&[&srv.url("/api/sum?n1=abc&n2=2")]);
    assert_eq!(status, "400");
    assert!(body.contains("\"error\""), "{body}");
    assert_eq!(code(&[&srv.url("/api/sum?n1=1")]).0, "400");
    assert_eq!(code(&[&srv.url("/api/nope")]).0, "404");
    let (status, body) = code(&[&srv.url("/")]);
    assert_eq!(status, "200");
    assert!(body.contains("fetch('/api/sum"), "{body}");
    let out = curl(&["-sI", &srv.url("/api/sum?n1=1&n2=2")]);
    let head = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(head.contains("content-type: application/json"), "{head}");
}

#[test]
fn file_upload_saves_several_files_byte_for_byte() {
    let dir = root().join("target/upload-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    // A 20 MiB file of pseudo-random bytes (CRLF and boundary-like bytes
    // included), a small text file and an empty one.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let big: Vec<u8> = (0..20 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(dir.join("in/big.bin"), &big).unwrap();
    std::fs::write(
        dir.join("in/notes.txt"),
        b"line 1\r\n--not a boundary\r\nline 3\n",
    )
    .unwrap();
    std::fs::write(dir.join("in/empty.dat"), b"").unwrap();

    let out_dir = dir.join("out").display().to_string();
    let srv = Server::start(&example("file_upload"), &[&out_dir]);
    let form = |name: &str| format!("file=@{}", dir.join("in").join(name).display());
    let reply = curl_text(&[
        "-F",
        &form("big.bin"),
        "-F",
        &form("notes.txt"),
        "-F",
        &form("empty.dat"),
        "-F",
        "comment=plain field",
        &srv.url("/upload"),
    ]);
    assert!(
        reply.contains("saved big.bin (field file): 20971520 bytes"),
        "{reply}"
    );
    assert!(
        reply.contains("saved notes.txt (field file): 33 bytes"),
        "{reply}"
    );
    assert!(
        reply.contains("saved empty.dat (field file): 0 bytes"),
        "{reply}"
    );
    assert!(reply.ends_with("3 file(s) uploaded\n"), "{reply}");
    for name in ["big.bin", "notes.txt", "empty.dat"] {
        let a = std::fs::read(dir.join("in").join(name)).unwrap();
        let b = std::fs::read(dir.join("out").join(name)).unwrap();
        assert!(a == b, "{name} differs after upload");
    }
    // A hostile file name cannot escape the upload directory.
    std::fs::write(dir.join("in/evil.txt"), b"evil").unwrap();
    let reply = curl_text(&[
        "-F",
        &format!(
            "file=@{};filename=../../evil.txt",
            dir.join("in/evil.txt").display()
        ),
        &srv.url("/upload"),
    ]);
    assert!(reply.contains("saved evil.txt"), "{reply}");
    assert!(dir.join("out/evil.txt").exists());
    assert!(!dir.join("evil.txt").exists());
}

#[test]
fn examples_compile_with_clang_too() {
    if !have("clang") {
        eprintln!("clang not installed: skipping (CI installs it)");
        return;
    }
    for entry in std::fs::read_dir(root().join("c_examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "c") {
            let rel = format!("c_examples/{}", path.file_name().unwrap().to_string_lossy());
            compile_with("clang", &rel, &[]);
        }
    }
}

#[test]
fn pubsub_streams_published_messages_and_ticks() {
    let srv = Server::start(&example("pubsub"), &[]);
    let url = srv.url("/events");
    let stream = std::thread::spawn(move || curl(&["-N", "--max-time", "2.5", &url]));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        curl_text(&[&srv.url("/publish?msg=hello%20world")]),
        "published\n"
    );
    let out = stream.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(": subscribed\n\n"), "{text}");
    assert!(text.contains("data: hello world\n\n"), "{text}");
    assert!(
        text.contains("data: tick "),
        "no tick from the producer thread: {text}"
    );
    let out = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &srv.url("/publish"),
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "400");
}
