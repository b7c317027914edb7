//! mg_authorize_digest and mg_md5 from C, driven with curl --digest.

mod common;

use common::*;
use mongoose::core::util::md5;

fn md5_hex(s: &str) -> String {
    String::from_utf8(md5::hex_lower(&md5::digest(s.as_bytes())).to_vec()).unwrap()
}

fn status(args: &[&str]) -> String {
    let mut all = vec!["-o", "/dev/null", "-w", "%{http_code}"];
    all.extend_from_slice(args);
    String::from_utf8_lossy(&curl(&all).stdout).into_owned()
}

#[test]
fn digest_authentication_with_curl() {
    let dir = root().join("target/auth-test");
    std::fs::create_dir_all(&dir).unwrap();
    let passwords = dir.join("passwords.txt");
    let ha1 = md5_hex("joe:mydomain.com:secret");
    std::fs::write(
        &passwords,
        format!(
            "ann:mydomain.com:{}\njoe:mydomain.com:{ha1}\n",
            md5_hex("x")
        ),
    )
    .unwrap();
    let bin = compile_c("auth_test", &[]);
    let srv = Server::start_cmd(std::process::Command::new(&bin).arg("0").arg(&passwords));

    let public = curl(&[&srv.url("/public")]);
    // mg_md5 is standard MD5 in lowercase hex.
    assert_eq!(
        String::from_utf8_lossy(&public.stdout),
        format!("ok /public md5={}", md5_hex("abc"))
    );

    assert_eq!(status(&[&srv.url("/secret/x")]), "401");
    let head = String::from_utf8_lossy(&curl(&["-i", &srv.url("/secret/x")]).stdout).into_owned();
    assert!(
        head.contains("WWW-Authenticate: Digest qop=\"auth\", realm=\"mydomain.com\""),
        "{head}"
    );

    assert_eq!(
        status(&["--digest", "-u", "joe:secret", &srv.url("/secret/x?y=1")]),
        "200"
    );
    assert_eq!(
        status(&["--digest", "-u", "joe:wrong", &srv.url("/secret/x")]),
        "401"
    );
    assert_eq!(
        status(&["--digest", "-u", "bob:secret", &srv.url("/secret/x")]),
        "401"
    );
    assert_eq!(
        status(&["--basic", "-u", "joe:secret", &srv.url("/secret/x")]),
        "401"
    );
}
