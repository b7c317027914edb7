//! TLS (rustls) tests: HTTPS and WSS against C programs linked with
//! libmongoose.a, with independent clients (curl, Python's ssl module and
//! `websockets`, `openssl s_client`), certificates made at test time with
//! the `openssl` command (none are committed, so none expire).

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A test CA, a server certificate for localhost/127.0.0.1 signed by it
/// in several key formats, and a client certificate.
struct Certs {
    dir: PathBuf,
}

impl Certs {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

fn certs() -> &'static Certs {
    static CERTS: OnceLock<Certs> = OnceLock::new();
    CERTS.get_or_init(|| {
        let dir = root()
            .join("target")
            .join(format!("tls-certs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Every key format 5.4's OpenSSL read: RSA as PKCS#1 and PKCS#8,
        // ECDSA P-256 as SEC1, P-384 and Ed25519 as PKCS#8.
        let script = r#"
set -e
o() { openssl "$@" 2>/dev/null; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj /CN=test-ca -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign
cat > ext.cnf <<EOF
subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=CA:FALSE
EOF
sign() { # key name
  o req -new -key "$1" -subj /CN=localhost -out "$2.csr"
  o x509 -req -in "$2.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext.cnf -out "$2.crt"
}
o genrsa -traditional -out rsa1.key 2048
o pkcs8 -topk8 -nocrypt -in rsa1.key -out rsa8.key
o ecparam -name prime256v1 -genkey -noout -out p256.key
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key
o genpkey -algorithm ed25519 -out ed25519.key
for k in rsa1 rsa8 p256 p384 ed25519; do sign $k.key $k; cat $k.crt ca.pem $k.key > $k.pem; done
grep -q 'BEGIN RSA PRIVATE KEY' rsa1.pem
grep -q 'BEGIN EC PRIVATE KEY' p256.pem
cp p256.pem server.pem
# Client certificate for ssl_ca_certificate.
o ecparam -name prime256v1 -genkey -noout -out client.key
o req -new -key client.key -subj /CN=client -out client.csr
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > client.cnf
o x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile client.cnf -out client.crt
# A client certificate of another (self-signed) issuer.
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
  -out other.crt -days 2 -subj /CN=other
# Broken files: a key that is not the certificate's, no key, no certificate.
cat other.crt other.key > selfsigned.pem
cat p256.crt rsa8.key > mismatch.pem
cp p256.crt nokey.pem
cp p256.key nocert.pem
echo garbage > garbage.pem
"#;
        let status = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(&dir)
            .status()
            .expect("run sh");
        assert!(
            status.success(),
            "openssl could not make the test certificates"
        );
        Certs { dir }
    })
}

fn tls_server(extra: &[&str]) -> Server {
    let cert = format!("ssl_certificate={}", certs().path("server.pem"));
    let mut args = vec![cert.as_str()];
    args.extend_from_slice(extra);
    start_test_server(&args)
}

fn https(port: u16, path: &str) -> String {
    format!("https://localhost:{port}{path}")
}

/// curl resolving localhost to 127.0.0.1, trusting the test CA.
fn curl_tls(port: u16, args: &[&str]) -> std::process::Output {
    let resolve = format!("localhost:{port}:127.0.0.1");
    let ca = certs().path("ca.pem");
    let mut all = vec!["--resolve", resolve.as_str(), "--cacert", ca.as_str()];
    all.extend_from_slice(args);
    curl(&all)
}

fn python(port: u16, scenario: &str) -> Option<std::process::Output> {
    if !have("python3") {
        eprintln!("python3 missing: skipping the {scenario} scenario");
        return None;
    }
    Some(
        Command::new("python3")
            .arg(root().join("tests/tls_client.py"))
            .arg(port.to_string())
            .arg(certs().path("ca.pem"))
            .arg(scenario)
            .output()
            .expect("run python3"),
    )
}

/// Waits (bounded) until the server closes `s`; true if it did.
fn closed_within(s: &mut std::net::TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true, // reset
        }
    }
    false
}

#[test]
fn https_with_curl_keep_alive_and_remote_ip() {
    let srv = tls_server(&[]);
    let out = curl_tls(
        srv.port,
        &[
            "-v",
            &https(srv.port, "/counter"),
            &https(srv.port, "/echo?q=1"),
        ],
    );
    let body = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "curl failed: {log}");
    assert!(body.starts_with("count=1"), "{body}");
    assert!(body.contains("remote=127.0.0.1:1\n"), "{body}");
    assert!(body.contains("query=q=1\n"), "{body}");
    assert!(log.contains("Re-using existing connection"), "{log}");
    assert!(log.contains("ALPN: server accepted http/1.1"), "{log}");
}

#[test]
fn https_with_python_keep_alive_pipelining_chunked_upload() {
    let srv = tls_server(&[]);
    if let Some(out) = python(srv.port, "http") {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn wss_echo_with_python_websockets() {
    let bin = compile_c("ws_test_server", &[]);
    let cert = format!("ssl_certificate={}", certs().path("server.pem"));
    let srv = Server::start(&bin, &[&cert]);
    if let Some(out) = python(srv.port, "wss") {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'websockets'") {
            eprintln!("websockets missing: skipping wss");
            return;
        }
        assert!(out.status.success(), "{err}");
    }
}

#[test]
fn every_key_format_serves() {
    for name in ["rsa1", "rsa8", "p256", "p384", "ed25519"] {
        let cert = format!("ssl_certificate={}", certs().path(&format!("{name}.pem")));
        let srv = start_test_server(&[&cert]);
        let out = curl_tls(srv.port, &[&https(srv.port, "/hello")]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"Hello [/hello]", "{name}");
    }
}

/// A large static file over TLS: streamed through the cipher in chunks,
/// so the server's memory stays far below the file's size; ranges work.
#[test]
fn large_static_file_streams_in_constant_memory() {
    let dir = root()
        .join("target")
        .join(format!("tls-docroot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..20_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(dir.join("big.bin"), &data).unwrap();
    let mongoose = root().join("build/mongoose");
    let srv = Server::start_cmd(Command::new(&mongoose).args([
        "-listening_port",
        "127.0.0.1:0",
        "-document_root",
        dir.to_str().unwrap(),
        "-ssl_certificate",
        &certs().path("server.pem"),
    ]));
    let out_file = dir.join("got.bin");
    let out = curl_tls(
        srv.port,
        &[
            "-o",
            out_file.to_str().unwrap(),
            &https(srv.port, "/big.bin"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&out_file).unwrap() == data, "file differs");
    let status = std::fs::read_to_string(format!("/proc/{}/status", srv.pid())).unwrap();
    let hwm_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(
        hwm_kb < 12 * 1024,
        "peak RSS {hwm_kb} kB while sending a 20 MB file"
    );
    let out = curl_tls(srv.port, &["-r", "1000-1999", &https(srv.port, "/big.bin")]);
    assert_eq!(out.stdout, &data[1000..2000]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_certificate_files_are_refused_with_a_message() {
    let mongoose = root().join("build/mongoose");
    for (name, expect) in [
        ("missing.pem", "cannot be read"),
        ("mismatch.pem", "does not match"),
        ("nokey.pem", "no private key"),
        ("nocert.pem", "no certificate"),
        ("garbage.pem", "no certificate"),
    ] {
        let out = Command::new(&mongoose)
            .args(["-listening_port", "127.0.0.1:0", "-ssl_certificate"])
            .arg(certs().path(name))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: mongoose started");
        assert!(
            err.contains("ssl_certificate") && err.contains(expect),
            "{name}: {err}"
        );
    }
    // A refused file leaves the server with its previous certificate.
    let bin = compile_c("tls_options", &[]);
    let srv = Server::start_cmd(
        Command::new(&bin)
            .arg(certs().path("server.pem"))
            .arg(certs().path("mismatch.pem")),
    );
    let out = curl_tls(srv.port, &[&https(srv.port, "/")]);
    assert_eq!(
        out.stdout,
        b"hello over tls",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn client_certificates_required_with_ssl_ca_certificate() {
    let ca = format!("ssl_ca_certificate={}", certs().path("ca.pem"));
    let srv = tls_server(&[&ca]);
    let url = https(srv.port, "/hello");
    let with = curl_tls(
        srv.port,
        &[
            "--cert",
            &certs().path("client.crt"),
            "--key",
            &certs().path("client.key"),
            &url,
        ],
    );
    assert_eq!(
        with.stdout,
        b"Hello [/hello]",
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let without = curl_tls(srv.port, &[&url]);
    assert!(
        !without.status.success(),
        "served without a client certificate"
    );
    assert!(without.stdout.is_empty());
    // A certificate from another CA is refused too.
    let other = curl_tls(
        srv.port,
        &[
            "--cert",
            &certs().path("other.crt"),
            "--key",
            &certs().path("other.key"),
            &url,
        ],
    );
    assert!(
        other.stdout.is_empty(),
        "served a client certificate of another issuer"
    );
    let bad_ca = format!("ssl_ca_certificate={}", certs().path("garbage.pem"));
    let cert = format!("ssl_certificate={}", certs().path("server.pem"));
    let out = Command::new(test_server_binary())
        .args(["0", &cert, &bad_ca])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Error setting CA cert"));
}

/// Plain HTTP, garbage, a huge bogus hello and a truncated handshake each
/// get a clean close; the server goes on serving.
#[test]
fn bad_handshakes_get_a_clean_close() {
    let srv = tls_server(&["idle_timeout_ms=1000"]);
    let mut huge = vec![0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00, 0xff, 0xfb];
    huge.extend(std::iter::repeat_n(0x41u8, 70_000));
    let inputs: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"\x00\x01garbage garbage garbage\r\n\r\n".to_vec(),
        huge,
    ];
    for input in inputs {
        let mut s = srv.connect();
        let _ = s.write_all(&input);
        assert!(
            closed_within(&mut s, Duration::from_secs(10)),
            "not closed after {:?}",
            &input[..input.len().min(20)]
        );
    }
    // A handshake that starts and stalls is cut by the idle timeout.
    let mut s = srv.connect();
    s.write_all(&[0x16, 0x03, 0x01, 0x00, 0x80, 0x01]).unwrap();
    let cpu = srv.cpu_time();
    assert!(
        closed_within(&mut s, Duration::from_secs(10)),
        "stalled handshake kept"
    );
    // Waiting for it cost (almost) nothing: no select() spin.
    let spent = srv.cpu_time().saturating_sub(cpu);
    assert!(
        spent < Duration::from_millis(500),
        "{spent:?} of CPU while waiting"
    );
    // A silent client too.
    let mut s = srv.connect();
    assert!(
        closed_within(&mut s, Duration::from_secs(10)),
        "silent client kept"
    );
    let out = curl_tls(srv.port, &[&https(srv.port, "/hello")]);
    assert_eq!(out.stdout, b"Hello [/hello]");
}

/// TLS 1.2 and 1.3 only; ALPN http/1.1 (checked with `openssl s_client`).
#[test]
fn protocol_versions_with_openssl_s_client() {
    let srv = tls_server(&[]);
    let connect = format!("127.0.0.1:{}", srv.port);
    let run = |args: &[&str]| {
        let mut child = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &connect,
                "-CAfile",
                &certs().path("ca.pem"),
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"GET /hello HTTP/1.0\r\n\r\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tls13 = run(&["-tls1_3", "-alpn", "http/1.1", "-ign_eof"]);
    assert!(
        tls13.contains("Protocol  : TLSv1.3") || tls13.contains("TLSv1.3"),
        "{tls13}"
    );
    assert!(tls13.contains("ALPN protocol: http/1.1"), "{tls13}");
    assert!(tls13.contains("Hello [/hello]"), "{tls13}");
    let tls12 = run(&["-tls1_2", "-ign_eof"]);
    assert!(tls12.contains("Hello [/hello]"), "{tls12}");
    let tls11 = run(&["-tls1_1"]);
    assert!(
        !tls11.contains("Hello [/hello]"),
        "TLS 1.1 accepted: {tls11}"
    );
}

/// `mg_connect(..., use_ssl=1)`: a TLS client, unverified as in 5.4
/// unless the client's server has `ssl_ca_certificate`.
#[test]
fn mg_connect_with_tls() {
    let target = tls_server(&[]);
    let other = start_test_server(&[&format!(
        "ssl_certificate={}",
        certs().path("selfsigned.pem")
    )]);
    let fetch = |client: &Server, port: u16, host: &str| {
        let url = client.url(&format!("/fetch?port={port}&path=/hello&ssl=1&host={host}"));
        String::from_utf8_lossy(&curl(&[&url]).stdout).into_owned()
    };
    // 5.4: no verification.
    let plain = Server::start(&compile_c("client_test", &[]), &[]);
    assert_eq!(
        fetch(&plain, target.port, "localhost"),
        "status=200 body=Hello [/hello] close=0"
    );
    assert_eq!(
        fetch(&plain, other.port, "127.0.0.1"),
        "status=200 body=Hello [/hello] close=0"
    );
    // With a CA: verified, by name (SNI) or IP address.
    let ca = format!("ssl_ca_certificate={}", certs().path("ca.pem"));
    let verifying = Server::start(&compile_c("client_test", &[]), &[&ca]);
    for host in ["localhost", "127.0.0.1"] {
        assert_eq!(
            fetch(&verifying, target.port, host),
            "status=200 body=Hello [/hello] close=0"
        );
    }
    // A certificate of another issuer fails the handshake: MG_CLOSE with
    // status_code EPROTO, no reply.
    assert_eq!(
        fetch(&verifying, other.port, "localhost"),
        format!("status=0 body= close={}", libc::EPROTO)
    );
    // A TLS client against a plain HTTP server fails cleanly too.
    let plain_target = start_test_server(&[]);
    let out = fetch(&verifying, plain_target.port, "localhost");
    assert!(out.starts_with("status=0 body= close="), "{out}");
}
