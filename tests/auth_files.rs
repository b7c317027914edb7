//! Passwords files of the standalone server (`build/mongoose`): per-directory
//! `.htpasswd` (nearest one up protects its tree), `global_auth_file`,
//! `mongoose -A`, the files never being served or listed, and the server's
//! nonces (replayed `nc` refused, foreign nonces `stale=true`), driven with
//! curl --digest, Python's urllib and requests digest handlers, and raw
//! sockets. Needs `make` first.

mod common;
use common::*;

use mongoose::core::util::md5;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn md5_hex(s: &str) -> String {
    String::from_utf8(md5::hex_lower(&md5::digest(s.as_bytes())).to_vec()).unwrap()
}

fn mongoose_bin() -> PathBuf {
    let bin = root().join("build/mongoose");
    assert!(bin.exists(), "build/mongoose is missing: run `make`");
    bin
}

/// `mongoose -A FILE DOMAIN USER PASSWORD`.
fn add_user(file: &Path, domain: &str, user: &str, password: &str) {
    let status = Command::new(mongoose_bin())
        .arg("-A")
        .arg(file)
        .args([domain, user, password])
        .status()
        .unwrap();
    assert!(status.success(), "mongoose -A failed");
}

/// A fresh tree under target/: `www/pub/p.txt`, `www/sec/.htpasswd` (joe),
/// `www/sec/sub/deep/f.txt`, `www/sec/inner/.htpasswd` (ann only),
/// `www/sec/inner/i.txt`, and `outside/` for passwords files.
fn tree(name: &str) -> (PathBuf, PathBuf) {
    let base = root().join("target/auth-files-test").join(name);
    let _ = std::fs::remove_dir_all(&base);
    let www = base.join("www");
    for d in ["pub", "sec/sub/deep", "sec/inner"] {
        std::fs::create_dir_all(www.join(d)).unwrap();
    }
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(www.join("pub/p.txt"), "public\n").unwrap();
    std::fs::write(www.join("sec/sub/deep/f.txt"), "deep secret\n").unwrap();
    std::fs::write(www.join("sec/inner/i.txt"), "inner secret\n").unwrap();
    add_user(&www.join("sec/.htpasswd"), "mydomain.com", "joe", "secret");
    add_user(
        &www.join("sec/inner/.htpasswd"),
        "mydomain.com",
        "ann",
        "pw",
    );
    (base, www)
}

fn web(www: &Path, args: &[&str]) -> Server {
    Server::start_cmd(
        Command::new(mongoose_bin())
            .args(["-listening_port", "127.0.0.1:0", "-document_root"])
            .arg(www)
            .args(args),
    )
}

/// curl's status code (and body) for `url`, with `-u user:pw --digest`
/// when `user` is given.
fn fetch(url: &str, user: Option<&str>) -> (String, String) {
    let mut args = vec!["-g", "--path-as-is", "-w", "\n%{http_code}"];
    if let Some(u) = user {
        args.extend_from_slice(&["--digest", "-u", u]);
    }
    args.push(url);
    let out = String::from_utf8_lossy(&curl(&args).stdout).into_owned();
    let (body, code) = out.rsplit_once('\n').unwrap();
    (code.to_string(), body.to_string())
}

#[test]
fn mongoose_a_writes_htdigest_lines() {
    let (base, _) = tree("dash-a");
    let file = base.join("outside/users");
    add_user(&file, "example.org", "joe", "one");
    add_user(&file, "example.org", "ann", "two");
    add_user(&file, "other.org", "joe", "three");
    add_user(&file, "example.org", "joe", "four"); // replaces joe's first line
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "joe:example.org:{}\nann:example.org:{}\njoe:other.org:{}\n",
            md5_hex("joe:example.org:four"),
            md5_hex("ann:example.org:two"),
            md5_hex("joe:other.org:three"),
        )
    );
    let bad = Command::new(mongoose_bin())
        .arg("-A")
        .arg(&file)
        .args(["example.org", "a:b", "x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn htpasswd_protects_its_whole_tree() {
    let (_, www) = tree("tree");
    let srv = web(&www, &[]);
    let joe = Some("joe:secret");
    assert_eq!(fetch(&srv.url("/pub/p.txt"), None).0, "200");
    // 5.4 only looked in the file's own directory: sub/deep was open.
    for path in [
        "/sec/sub/deep/f.txt",
        "/sec/",
        "/sec",
        "/sec/sub/",
        "/sec/nope",
    ] {
        assert_eq!(fetch(&srv.url(path), None).0, "401", "{path}");
        assert_eq!(fetch(&srv.url(path), Some("joe:wrong")).0, "401", "{path}");
        assert_eq!(fetch(&srv.url(path), Some("bob:secret")).0, "401", "{path}");
    }
    assert_eq!(
        fetch(&srv.url("/sec/sub/deep/f.txt"), joe),
        ("200".into(), "deep secret\n".into())
    );
    assert_eq!(fetch(&srv.url("/sec/nope"), joe).0, "404");
    // The nearest file wins: inner/ is ann's alone.
    assert_eq!(fetch(&srv.url("/sec/inner/i.txt"), joe).0, "401");
    assert_eq!(fetch(&srv.url("/sec/inner/i.txt"), Some("ann:pw")).0, "200");
    assert_eq!(
        fetch(&srv.url("/sec/sub/deep/f.txt"), Some("ann:pw")).0,
        "401"
    );
    // The challenge names the realm; Basic is not accepted.
    let head = String::from_utf8_lossy(&curl(&["-i", &srv.url("/sec/")]).stdout).into_owned();
    assert!(
        head.contains("WWW-Authenticate: Digest qop=\"auth\", realm=\"mydomain.com\", nonce=\""),
        "{head}"
    );
    let basic = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--basic",
        "-u",
        "joe:secret",
        &srv.url("/sec/"),
    ]);
    assert_eq!(String::from_utf8_lossy(&basic.stdout), "401");
    // Another realm is another set of users.
    let other = web(&www, &["-auth_domain", "other.org"]);
    assert_eq!(fetch(&other.url("/sec/sub/deep/f.txt"), joe).0, "401");
}

#[test]
fn htpasswd_is_never_served_or_listed() {
    let (_, www) = tree("hidden");
    // An empty pattern list (and one hiding something else) must not
    // unhide it.
    for hide in [&[][..], &["-hide_files_patterns", "**.txt$"][..]] {
        let srv = web(&www, hide);
        let joe = Some("joe:secret");
        for path in [
            "/sec/.htpasswd",
            "/sec/%2ehtpasswd",
            "/sec/%2Ehtpasswd",
            "/sec/.HTPASSWD",
            "/sec/.htpasswd/",
            "/sec//.htpasswd",
            "/sec/./.htpasswd",
            "/sec/sub/../.htpasswd",
            "/sec/sub/%2e%2e/.htpasswd",
            "/sec/inner/.htpasswd",
        ] {
            let (code, body) = fetch(&srv.url(path), joe);
            assert!(code == "404" || code == "401", "{path}: {code}");
            assert!(!body.contains("mydomain.com"), "{path}: {body}");
            let (code, body) = fetch(&srv.url(path), Some("ann:pw"));
            assert!(code == "404" || code == "401", "{path}: {code}");
            assert!(!body.contains("mydomain.com"), "{path}: {body}");
        }
        let (code, listing) = fetch(&srv.url("/sec/"), joe);
        assert_eq!(code, "200");
        assert!(listing.contains("sub/"), "{listing}");
        assert!(
            !listing.to_ascii_lowercase().contains("htpasswd"),
            "{listing}"
        );
    }
}

#[test]
fn global_auth_file_protects_everything_and_is_hidden() {
    let (base, www) = tree("global");
    // Inside the root under an innocent name, and linked again.
    let users = www.join("pub/users.txt");
    add_user(&users, "mydomain.com", "root", "toor");
    std::os::unix::fs::symlink(&users, www.join("pub/link.txt")).unwrap();
    let srv = web(&www, &["-global_auth_file", users.to_str().unwrap()]);
    let me = Some("root:toor");
    assert_eq!(fetch(&srv.url("/pub/p.txt"), None).0, "401");
    assert_eq!(fetch(&srv.url("/pub/p.txt"), Some("root:bad")).0, "401");
    assert_eq!(fetch(&srv.url("/pub/p.txt"), me).0, "200");
    // .htpasswd files are not consulted: the global file decides.
    assert_eq!(fetch(&srv.url("/sec/sub/deep/f.txt"), me).0, "200");
    assert_eq!(
        fetch(&srv.url("/sec/sub/deep/f.txt"), Some("joe:secret")).0,
        "401"
    );
    for path in ["/pub/users.txt", "/pub/link.txt", "/pub/%75sers.txt"] {
        assert_eq!(fetch(&srv.url(path), me).0, "404", "{path}");
    }
    let (_, listing) = fetch(&srv.url("/pub/"), me);
    assert!(listing.contains("p.txt"), "{listing}");
    assert!(!listing.contains("users.txt"), "{listing}");
    assert!(!listing.contains("link.txt"), "{listing}");

    // The DAV passwords file is hidden the same way.
    let dav = web(&www, &["-dav_auth_file", users.to_str().unwrap()]);
    assert_eq!(fetch(&dav.url("/pub/users.txt"), None).0, "404");
    assert_eq!(fetch(&dav.url("/pub/p.txt"), None).0, "200");

    // A global file that cannot be read lets nobody in (5.4 let all in).
    let missing = base.join("outside/missing");
    let srv = web(&www, &["-global_auth_file", missing.to_str().unwrap()]);
    assert_eq!(fetch(&srv.url("/pub/p.txt"), None).0, "401");
    assert_eq!(fetch(&srv.url("/pub/p.txt"), me).0, "401");
}

fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn python_urllib_and_requests_digest_clients() {
    let (_, www) = tree("python");
    let srv = web(&www, &[]);
    let base = srv.url("");
    let urllib = r#"
import sys, urllib.request, urllib.error
base, user, pw = sys.argv[1:4]
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, base, user, pw)
opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
for path in ["/sec/sub/deep/f.txt", "/sec/sub/deep/f.txt", "/pub/p.txt"]:
    try:
        r = opener.open(base + path)
        print(r.status, r.read().decode().strip())
    except urllib.error.HTTPError as e:
        print(e.code)
"#;
    assert_eq!(
        python(urllib, &[&base, "joe", "secret"]),
        "200 deep secret\n200 deep secret\n200 public\n"
    );
    assert_eq!(
        python(urllib, &[&base, "joe", "nope"]),
        "401\n401\n200 public\n"
    );

    // requests keeps the nonce and counts nc up on a session: each
    // request after the first is accepted without a new challenge.
    let requests = r#"
import sys, requests
from requests.auth import HTTPDigestAuth
base, user, pw = sys.argv[1:4]
s = requests.Session()
s.auth = HTTPDigestAuth(user, pw)
for i in range(4):
    r = s.get(base + "/sec/sub/deep/f.txt")
    print(r.status_code, len(r.history))
"#;
    assert_eq!(
        python(requests, &[&base, "joe", "secret"]),
        "200 1\n200 0\n200 0\n200 0\n"
    );
    let bad = python(requests, &[&base, "joe", "bad"]);
    assert!(bad.lines().all(|l| l.starts_with("401 ")), "{bad}");
}

/// An Authorization header for `nonce` and `nc`.
fn authorization(user: &str, pw: &str, method: &str, uri: &str, nonce: &str, nc: &str) -> String {
    let ha1 = md5_hex(&format!("{user}:mydomain.com:{pw}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:c0ffee:auth:{ha2}"));
    format!(
        "Digest username=\"{user}\", realm=\"mydomain.com\", nonce=\"{nonce}\", uri=\"{uri}\", \
         response=\"{response}\", qop=auth, nc={nc}, cnonce=\"c0ffee\""
    )
}

fn request(srv: &Server, uri: &str, auth: Option<&str>) -> Response {
    let mut s = srv.connect();
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(s, "GET {uri} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
    read_response(&mut s)
}

fn nonce_of(r: &Response) -> String {
    let h = r.header("WWW-Authenticate").expect("challenge");
    let start = h.find("nonce=\"").unwrap() + 7;
    let len = h[start..].find('"').unwrap();
    h[start..start + len].to_string()
}

/// The replay checks, against a server whose 401 comes from `.htpasswd`
/// (`uri` under it) or from MG_AUTH with mg_authorize_digest.
fn replays_are_refused(srv: &Server, uri: &str, user: &str, pw: &str) {
    let first = request(srv, uri, None);
    assert_eq!(first.status, 401);
    assert!(!first.header("WWW-Authenticate").unwrap().contains("stale"));
    let nonce = nonce_of(&first);
    let a1 = authorization(user, pw, "GET", uri, &nonce, "00000001");
    assert_eq!(request(srv, uri, Some(&a1)).status, 200);
    // The same request again (a replay): refused, stale=true.
    let again = request(srv, uri, Some(&a1));
    assert_eq!(again.status, 401);
    assert!(again
        .header("WWW-Authenticate")
        .unwrap()
        .ends_with(", stale=true"));
    assert_ne!(nonce_of(&again), nonce);
    // The next nc, and one that was overtaken, each once.
    let a3 = authorization(user, pw, "GET", uri, &nonce, "00000003");
    let a2 = authorization(user, pw, "GET", uri, &nonce, "00000002");
    assert_eq!(request(srv, uri, Some(&a3)).status, 200);
    assert_eq!(request(srv, uri, Some(&a2)).status, 200);
    assert_eq!(request(srv, uri, Some(&a2)).status, 401);
    // A nonce the server never issued (5.4 took any): stale=true.
    let forged = authorization(user, pw, "GET", uri, "1234", "00000001");
    let r = request(srv, uri, Some(&forged));
    assert_eq!(r.status, 401);
    assert!(r
        .header("WWW-Authenticate")
        .unwrap()
        .ends_with(", stale=true"));
    let mut tampered = nonce.clone().into_bytes();
    tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let r = request(
        srv,
        uri,
        Some(&authorization(user, pw, "GET", uri, &tampered, "00000009")),
    );
    assert_eq!(r.status, 401);
    // A wrong password is not stale: the user must be asked.
    let wrong = authorization(user, "wrong", "GET", uri, &nonce, "00000010");
    let r = request(srv, uri, Some(&wrong));
    assert_eq!(r.status, 401);
    assert!(!r.header("WWW-Authenticate").unwrap().contains("stale"));
}

#[test]
fn replayed_or_foreign_nonces_are_refused() {
    let (base, www) = tree("replay");
    let srv = web(&www, &[]);
    replays_are_refused(&srv, "/sec/sub/deep/f.txt", "joe", "secret");

    // The same through MG_AUTH and mg_authorize_digest (tests/c/auth_test.c).
    let passwords = base.join("outside/passwords");
    add_user(&passwords, "mydomain.com", "joe", "secret");
    let bin = compile_c("auth_test", &[]);
    let srv = Server::start_cmd(Command::new(&bin).arg("0").arg(&passwords));
    replays_are_refused(&srv, "/secret/x", "joe", "secret");
}
