//! WebDAV through the standalone server (`build/mongoose -dav_auth_file`):
//! the litmus conformance suites, who may change what, confinement to the
//! root (URI and Destination), hidden files, bad XML and bad requests.
//! Needs `make` first, curl, and litmus (`.ci/run` installs it).

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn mongoose_bin() -> PathBuf {
    let bin = root().join("build/mongoose");
    assert!(bin.exists(), "build/mongoose is missing: run `make`");
    bin
}

fn add_user(file: &Path, user: &str, password: &str) {
    let ok = Command::new(mongoose_bin())
        .arg("-A")
        .arg(file)
        .args(["mydomain.com", user, password])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// A fresh `base/www` (document root) with `base/dav.pw` (user:pass) and
/// `base/outside/`.
fn tree(name: &str) -> (PathBuf, PathBuf) {
    let base = root().join("target/dav-test").join(name);
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("www")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    add_user(&base.join("dav.pw"), "user", "pass");
    (base.clone(), base.join("www"))
}

fn web(base: &Path, dav: bool, args: &[&str]) -> Server {
    let mut cmd = Command::new(mongoose_bin());
    cmd.args(["-listening_port", "127.0.0.1:0", "-document_root"])
        .arg(base.join("www"));
    if dav {
        cmd.arg("-dav_auth_file").arg(base.join("dav.pw"));
    }
    Server::start_cmd(cmd.args(args))
}

/// One request with curl: (status, body).
fn dav(
    srv: &Server,
    method: &str,
    path: &str,
    headers: &[&str],
    body: Option<&str>,
) -> (u16, String) {
    dav_as(srv, Some("user:pass"), method, path, headers, body)
}

fn dav_as(
    srv: &Server,
    user: Option<&str>,
    method: &str,
    path: &str,
    headers: &[&str],
    body: Option<&str>,
) -> (u16, String) {
    let url = srv.url(path);
    let mut args = vec!["-g", "--path-as-is", "-X", method, "-w", "\n%{http_code}"];
    if let Some(u) = user {
        args.extend_from_slice(&["--digest", "-u", u]);
    }
    for h in headers {
        args.extend_from_slice(&["-H", h]);
    }
    if let Some(b) = body {
        args.extend_from_slice(&["--data-binary", b]);
    }
    args.push(&url);
    let out = String::from_utf8_lossy(&curl(&args).stdout).into_owned();
    let (body, code) = out.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

#[test]
fn litmus_suites_pass() {
    if !have("litmus") {
        eprintln!("litmus is not installed (.ci/run installs it): skipped");
        return;
    }
    let (base, _) = tree("litmus");
    let srv = web(&base, true, &[]);
    let out = Command::new("litmus")
        .env("TESTS", "basic copymove props locks http")
        .current_dir(base.join("outside"))
        .arg(srv.url("/"))
        .args(["user", "pass"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    for (suite, n) in [
        ("basic", 16),
        ("copymove", 13),
        ("props", 30),
        ("locks", 41),
        ("http", 4),
    ] {
        let want = format!("summary for `{suite}': of {n} tests run: {n} passed, 0 failed.");
        assert!(text.contains(&want), "{suite}: {want}\n{text}");
    }
    assert!(!text.contains("WARNING"), "{text}");
    assert!(out.status.success(), "{text}");
}

#[test]
fn mutations_need_dav_auth_file_credentials() {
    let (base, www) = tree("auth");
    std::fs::write(www.join("f.txt"), "old").unwrap();
    // Without dav_auth_file: 405, nothing changes; PROPFIND reads.
    let srv = web(&base, false, &[]);
    for method in [
        "PUT",
        "DELETE",
        "MKCOL",
        "PROPPATCH",
        "LOCK",
        "MOVE",
        "COPY",
    ] {
        let (code, _) = dav_as(
            &srv,
            None,
            method,
            "/f.txt",
            &["Destination: /g.txt"],
            Some("x"),
        );
        assert_eq!(code, 405, "{method}");
    }
    assert_eq!(std::fs::read_to_string(www.join("f.txt")).unwrap(), "old");
    let (code, body) = dav_as(&srv, None, "PROPFIND", "/", &["Depth: 1"], None);
    assert_eq!(code, 207);
    assert!(body.contains("<D:href>/f.txt</D:href>"), "{body}");
    // A .htpasswd protects PROPFIND as it does GET.
    std::fs::create_dir(www.join("sec")).unwrap();
    add_user(&www.join("sec/.htpasswd"), "joe", "pw");
    let (code, _) = dav_as(&srv, None, "PROPFIND", "/sec/", &["Depth: 1"], None);
    assert_eq!(code, 401);
    let (code, body) = dav_as(
        &srv,
        Some("joe:pw"),
        "PROPFIND",
        "/sec/",
        &["Depth: 1"],
        None,
    );
    assert_eq!(code, 207);
    assert!(!body.contains("htpasswd"), "{body}");

    // With it: every DAV method needs one of its users.
    let srv = web(&base, true, &[]);
    assert_eq!(dav_as(&srv, None, "PUT", "/f.txt", &[], Some("new")).0, 401);
    assert_eq!(
        dav_as(&srv, Some("user:bad"), "PUT", "/f.txt", &[], Some("new")).0,
        401
    );
    assert_eq!(
        dav_as(&srv, Some("joe:pw"), "PUT", "/f.txt", &[], Some("new")).0,
        401
    );
    assert_eq!(
        dav_as(&srv, None, "PROPFIND", "/", &["Depth: 0"], None).0,
        401
    );
    assert_eq!(std::fs::read_to_string(www.join("f.txt")).unwrap(), "old");
    assert_eq!(dav(&srv, "PUT", "/f.txt", &[], Some("new")).0, 204);
    assert_eq!(dav(&srv, "PUT", "/n.txt", &[], Some("created")).0, 201);
    assert_eq!(std::fs::read_to_string(www.join("f.txt")).unwrap(), "new");
    assert_eq!(
        std::fs::read_to_string(www.join("n.txt")).unwrap(),
        "created"
    );
    // OPTIONS advertises the classes.
    let head =
        String::from_utf8_lossy(&curl(&["-i", "-X", "OPTIONS", &srv.url("/")]).stdout).into_owned();
    assert!(head.contains("DAV: 1, 2"), "{head}");
}

#[test]
fn paths_stay_inside_the_root() {
    let (base, www) = tree("confine");
    std::fs::create_dir(www.join("d")).unwrap();
    std::fs::write(www.join("d/f.txt"), "f").unwrap();
    std::fs::write(base.join("outside/secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(base.join("outside"), www.join("link")).unwrap();
    let srv = web(&base, true, &[]);
    let outside = base.join("outside");
    let before = std::fs::read_dir(&outside).unwrap().count();

    // Through a link that leaves the root.
    for (method, path) in [
        ("PUT", "/link/new.txt"),
        ("MKCOL", "/link/dir"),
        ("DELETE", "/link/secret.txt"),
    ] {
        let (code, _) = dav(
            &srv,
            method,
            path,
            &[],
            if method == "PUT" { Some("x") } else { None },
        );
        assert!(
            (400..500).contains(&code) && code != 401,
            "{method} {path}: {code}"
        );
    }
    let (code, body) = dav(&srv, "PROPFIND", "/link/", &["Depth: 1"], None);
    assert!(code == 404 || code == 403, "{code}");
    assert!(!body.contains("secret"), "{body}");
    // Destination: another host, `..` (encoded or not), through the link.
    let host = format!("127.0.0.1:{}", srv.port);
    for (dest, want) in [
        ("http://evil.example/x.txt".to_string(), 502),
        (format!("http://{host}/../outside/x.txt"), 403),
        (format!("http://{host}/d/%2e%2e/%2e%2e/outside/x.txt"), 403),
        ("/d/..%2f..%2foutside/x.txt".to_string(), 403),
    ] {
        for method in ["COPY", "MOVE"] {
            let h = format!("Destination: {dest}");
            let (code, _) = dav(&srv, method, "/d/f.txt", &[&h], None);
            assert_eq!(code, want, "{method} {dest}");
        }
    }
    let (code, _) = dav(
        &srv,
        "COPY",
        "/d/f.txt",
        &["Destination: /link/copied.txt"],
        None,
    );
    assert!((400..500).contains(&code), "{code}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), before);
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "outside"
    );
    assert!(www.join("d/f.txt").exists());

    // A directory into itself.
    assert_eq!(
        dav(&srv, "MOVE", "/d/", &["Destination: /d/sub/"], None).0,
        403
    );
    assert_eq!(
        dav(&srv, "COPY", "/d/", &["Destination: /d/sub/"], None).0,
        403
    );
    assert_eq!(dav(&srv, "MOVE", "/d/", &["Destination: /d/"], None).0, 403);
}

#[test]
fn passwords_and_hidden_files_are_out_of_reach() {
    let (base, www) = tree("hidden");
    std::fs::create_dir(www.join("p")).unwrap();
    std::fs::write(www.join("p/f.txt"), "f").unwrap();
    add_user(&www.join("p/.htpasswd"), "joe", "pw");
    // The DAV passwords file itself, under the root.
    std::fs::copy(base.join("dav.pw"), www.join("users.txt")).unwrap();
    let srv = Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-listening_port", "127.0.0.1:0", "-document_root"])
            .arg(&www)
            .arg("-dav_auth_file")
            .arg(www.join("users.txt"))
            .args(["-hide_files_patterns", "**.secret$"]),
    );
    let htpasswd = std::fs::read(www.join("p/.htpasswd")).unwrap();
    for (method, path, headers) in [
        ("PUT", "/p/.htpasswd", vec![]),
        ("PUT", "/p/%2ehtpasswd", vec![]),
        ("PUT", "/p/.HTPASSWD", vec![]),
        ("PUT", "/users.txt", vec![]),
        ("PUT", "/x.secret", vec![]),
        ("DELETE", "/p/.htpasswd", vec![]),
        ("DELETE", "/users.txt", vec![]),
        ("MOVE", "/p/.htpasswd", vec!["Destination: /p/open.txt"]),
        ("COPY", "/users.txt", vec!["Destination: /copy.txt"]),
        ("COPY", "/p/f.txt", vec!["Destination: /p/.htpasswd"]),
        ("MOVE", "/p/f.txt", vec!["Destination: /p/.htpasswd"]),
        ("LOCK", "/p/.htpasswd", vec![]),
        ("PROPPATCH", "/p/.htpasswd", vec![]),
    ] {
        let (code, body) = dav(&srv, method, path, &headers, Some("x"));
        assert!(code == 403 || code == 404, "{method} {path}: {code}");
        assert!(!body.contains("mydomain.com"), "{method} {path}: {body}");
    }
    assert_eq!(std::fs::read(www.join("p/.htpasswd")).unwrap(), htpasswd);
    assert!(www.join("users.txt").exists() && !www.join("copy.txt").exists());
    assert!(!www.join("x.secret").exists());
    for path in ["/p/.htpasswd", "/users.txt"] {
        assert_eq!(
            dav(&srv, "PROPFIND", path, &["Depth: 0"], None).0,
            404,
            "{path}"
        );
    }
    for path in ["/", "/p/"] {
        let (code, body) = dav(&srv, "PROPFIND", path, &["Depth: 1"], None);
        assert_eq!(code, 207);
        assert!(
            !body.contains("htpasswd") && !body.contains("users.txt"),
            "{body}"
        );
    }
}

#[test]
fn bad_xml_and_bad_requests_get_clear_statuses() {
    let (base, www) = tree("bad");
    std::fs::write(www.join("f.txt"), "f").unwrap();
    let srv = web(&base, true, &[]);
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><D:propfind xmlns:D="DAV:"><D:prop><x>&c;</x></D:prop></D:propfind>"#;
    let deep = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
    for body in [
        "<D:propfind xmlns:D=\"DAV:\"><D:prop>",
        "not xml",
        laughs,
        &deep,
        "<x:a/>",
    ] {
        for method in ["PROPFIND", "PROPPATCH", "LOCK"] {
            let (code, _) = dav(
                &srv,
                method,
                "/f.txt",
                &["Depth: 0", "Content-Type: text/xml"],
                Some(body),
            );
            assert_eq!(code, 400, "{method} {}", &body[..body.len().min(40)]);
        }
    }
    assert_eq!(
        dav(&srv, "PROPFIND", "/", &["Depth: infinity"], None).0,
        403
    );
    assert_eq!(dav(&srv, "PROPFIND", "/", &[], None).0, 403);
    // A 100 MB body is refused before it is read.
    let mut s = srv.connect();
    write!(
        s,
        "PROPFIND / HTTP/1.1\r\nHost: x\r\nDepth: 0\r\nContent-Length: 104857600\r\n\r\n"
    )
    .unwrap();
    assert_eq!(read_response(&mut s).status, 413);
    // Locks: unknown tokens.
    assert_eq!(
        dav(
            &srv,
            "UNLOCK",
            "/f.txt",
            &["Lock-Token: <opaquelocktoken:nope>"],
            None
        )
        .0,
        409
    );
    assert_eq!(dav(&srv, "UNLOCK", "/f.txt", &[], None).0, 400);
    let (code, _) = dav(
        &srv,
        "PUT",
        "/f.txt",
        &["If: (<opaquelocktoken:nope>)"],
        Some("x"),
    );
    assert_eq!(code, 412);
    assert_eq!(
        dav(&srv, "PUT", "/f.txt", &["If: garbage"], Some("x")).0,
        400
    );
    assert_eq!(std::fs::read_to_string(www.join("f.txt")).unwrap(), "f");
    // A locked file refuses writers without the token.
    let lock = r#"<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>me</D:owner></D:lockinfo>"#;
    let (code, body) = dav(&srv, "LOCK", "/f.txt", &["Timeout: Second-60"], Some(lock));
    assert_eq!(code, 200, "{body}");
    let token = body
        .split("<D:locktoken><D:href>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(dav(&srv, "PUT", "/f.txt", &[], Some("x")).0, 423);
    assert_eq!(dav(&srv, "DELETE", "/f.txt", &[], None).0, 423);
    assert_eq!(dav(&srv, "LOCK", "/f.txt", &[], Some(lock)).0, 423);
    let with = format!("If: (<{token}>)");
    assert_eq!(dav(&srv, "PUT", "/f.txt", &[&with], Some("mine")).0, 204);
    let unlock = format!("Lock-Token: <{token}>");
    assert_eq!(dav(&srv, "UNLOCK", "/f.txt", &[&unlock], None).0, 204);
    assert_eq!(dav(&srv, "PUT", "/f.txt", &[], Some("free")).0, 204);
    // Partial PUT is not supported: 501, file untouched.
    assert_eq!(
        dav(
            &srv,
            "PUT",
            "/f.txt",
            &["Content-Range: bytes 0-0/1"],
            Some("z")
        )
        .0,
        501
    );
    assert_eq!(std::fs::read_to_string(www.join("f.txt")).unwrap(), "free");
}

/// Authorization for a raw request (the server's nonce, `nc` counted up).
fn raw_auth(srv: &Server, method: &str, uri: &str, nc: u32) -> String {
    use mongoose::core::util::md5;
    let hex =
        |s: &str| String::from_utf8(md5::hex_lower(&md5::digest(s.as_bytes())).to_vec()).unwrap();
    let mut s = srv.connect();
    write!(s, "PROPFIND / HTTP/1.1\r\nHost: x\r\nDepth: 0\r\n\r\n").unwrap();
    let r = read_response(&mut s);
    let h = r.header("WWW-Authenticate").unwrap().to_string();
    let nonce = h
        .split("nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let ha1 = hex("user:mydomain.com:pass");
    let ha2 = hex(&format!("{method}:{uri}"));
    let nc = format!("{nc:08x}");
    let resp = hex(&format!("{ha1}:{nonce}:{nc}:abc:auth:{ha2}"));
    format!("Authorization: Digest username=\"user\", realm=\"mydomain.com\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{resp}\", qop=auth, nc={nc}, cnonce=\"abc\"\r\n")
}

#[test]
fn interrupted_and_concurrent_puts_leave_whole_files() {
    let (base, www) = tree("put");
    std::fs::write(www.join("f.txt"), "original").unwrap();
    let srv = web(&base, true, &[]);
    // A client that stops half-way: the old file stays, nothing else appears.
    let mut s = srv.connect();
    let auth = raw_auth(&srv, "PUT", "/f.txt", 1);
    write!(
        s,
        "PUT /f.txt HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 1000000\r\n\r\n"
    )
    .unwrap();
    s.write_all(&[b'x'; 5000]).unwrap();
    drop(s);
    // Two PUTs to one path, interleaved.
    let mut a = srv.connect();
    let mut b = srv.connect();
    let (auth_a, auth_b) = (
        raw_auth(&srv, "PUT", "/f.txt", 1),
        raw_auth(&srv, "PUT", "/f.txt", 1),
    );
    let body_a = vec![b'a'; 200_000];
    let body_b = vec![b'b'; 100_000];
    write!(
        a,
        "PUT /f.txt HTTP/1.1\r\nHost: x\r\n{auth_a}Content-Length: {}\r\n\r\n",
        body_a.len()
    )
    .unwrap();
    write!(
        b,
        "PUT /f.txt HTTP/1.1\r\nHost: x\r\n{auth_b}Content-Length: {}\r\n\r\n",
        body_b.len()
    )
    .unwrap();
    a.write_all(&body_a[..50_000]).unwrap();
    b.write_all(&body_b[..50_000]).unwrap();
    a.write_all(&body_a[50_000..]).unwrap();
    b.write_all(&body_b[50_000..]).unwrap();
    assert_eq!(read_response(&mut a).status / 100, 2);
    assert_eq!(read_response(&mut b).status / 100, 2);
    let got = std::fs::read(www.join("f.txt")).unwrap();
    assert!(
        got == body_a || got == body_b,
        "mixed content ({} bytes)",
        got.len()
    );
    let names: Vec<String> = std::fs::read_dir(&www)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["f.txt"], "leftovers: {names:?}");
    let mut rest = Vec::new();
    let _ = a.read_to_end(&mut rest);
}

#[test]
fn copy_of_a_ten_thousand_file_tree() {
    let (base, www) = tree("bigcopy");
    for d in 0..100 {
        let dir = www.join(format!("src/d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(dir.join(format!("f{f}")), format!("{d}/{f}")).unwrap();
        }
    }
    let srv = web(&base, true, &[]);
    assert_eq!(
        dav(&srv, "COPY", "/src/", &["Destination: /dst/"], None).0,
        201
    );
    assert_eq!(
        std::fs::read_to_string(www.join("dst/d99/f99")).unwrap(),
        "99/99"
    );
    let count: usize = std::fs::read_dir(www.join("dst"))
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(count, 10_000);
    assert_eq!(
        dav(
            &srv,
            "COPY",
            "/src/",
            &["Destination: /dst/", "Overwrite: F"],
            None
        )
        .0,
        412
    );
    assert_eq!(dav(&srv, "DELETE", "/dst/", &[], None).0, 204);
    assert!(!www.join("dst").exists());
}
