//! HTTP Digest authentication against a passwords file of
//! `user:realm:HA1` lines (htdigest's format; `mg_authorize_digest`,
//! `global_auth_file`, `.htpasswd`, `dav_auth_file`).
//!
//! The digest is Mongoose 5.4's: qop=auth only, HA2 = md5(method:uri),
//! response = md5(HA1:nonce:nc:cnonce:qop:HA2). Unlike 5.4, which took any
//! nonce forever, the nonce must be one this server issued ([`Nonces`]: a
//! keyed MAC over a counter and a timestamp), younger than
//! [`NONCE_LIFETIME_SECS`], and each `nc` of a nonce is accepted once.
//! A correct digest with a nonce that fails those checks is answered with
//! a new challenge carrying `stale=true`, so clients retry without asking
//! their user again. Secrets are compared in constant time.
//!
//! Also here: finding the `.htpasswd` that protects a path
//! ([`protecting_file`]) and the line of a user ([`password_line`]).

use crate::core::util::header_param::parse_header;
use crate::core::util::md5::{hex_lower, Md5};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Longest passwords-file line considered (5.4 read 255 characters).
const MAX_LINE: usize = 255;

/// How long a nonce is accepted after it was issued. A client that uses it
/// later gets `stale=true` and retries with a fresh one (Apache's
/// `AuthDigestNonceLifetime` default).
pub(crate) const NONCE_LIFETIME_SECS: i64 = 300;

/// Nonces whose `nc` values are remembered at once; beyond it the oldest
/// is forgotten (its next use gets `stale=true`). Bounds the memory that
/// unauthenticated requests, each issued a nonce, can take.
pub(crate) const MAX_LIVE_NONCES: usize = 4096;

/// Largest passwords file read (bytes); the rest is ignored.
pub(crate) const MAX_PASSWORDS_FILE: u64 = 16 << 20;

/// The name of per-directory passwords files.
pub(crate) const HTPASSWD: &str = ".htpasswd";

/// The outcome of a Digest check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials are right and the nonce is fresh.
    Granted,
    /// The credentials are right but the nonce is not acceptable
    /// (expired, not ours, forgotten, or its `nc` already used): answer
    /// with a new challenge saying `stale=true`.
    Stale,
    /// Missing or wrong credentials.
    Denied,
}

/// The nonces a server issued and the `nc` values seen for each.
pub struct Nonces {
    key: [u8; 32],
    next: u64,
    /// By serial number (issue order): when issued, and the replay window.
    live: BTreeMap<u64, NcWindow>,
}

/// The `nc` values used with one nonce: the highest one, and a bitmap of
/// the 64 below it (bit i set: `max - i` used), so requests that overtake
/// each other on parallel connections are still accepted once each.
struct NcWindow {
    issued: i64,
    max: u64,
    seen: u64,
}

impl Default for Nonces {
    fn default() -> Self {
        Nonces::new()
    }
}

impl Nonces {
    /// A table with a fresh random key (from the operating system).
    pub fn new() -> Nonces {
        Nonces {
            key: random_key(),
            next: 1,
            live: BTreeMap::new(),
        }
    }

    /// A new nonce: the issue time and a serial number in hex, then an
    /// HMAC-SHA1 over both under this server's key.
    pub fn issue(&mut self, now: i64) -> String {
        while let Some((&serial, w)) = self.live.first_key_value() {
            if w.issued + NONCE_LIFETIME_SECS >= now && self.live.len() < MAX_LIVE_NONCES {
                break;
            }
            self.live.remove(&serial);
        }
        let serial = self.next;
        self.next += 1;
        self.live.insert(
            serial,
            NcWindow {
                issued: now,
                max: 0,
                seen: 0,
            },
        );
        let mac = self.mac(now as u64, serial);
        format!("{:016x}{:016x}{}", now as u64, serial, hex(&mac))
    }

    fn mac(&self, time: u64, serial: u64) -> [u8; 20] {
        let mut msg = [0u8; 16];
        msg[..8].copy_from_slice(&time.to_be_bytes());
        msg[8..].copy_from_slice(&serial.to_be_bytes());
        hmac_sha1(&self.key, &msg)
    }

    /// Whether `nonce` is ours, fresh and known, and `nc` (hex) was not
    /// used with it before; records `nc` as used when so.
    pub fn accept(&mut self, nonce: &[u8], nc: &[u8], now: i64) -> bool {
        let Some((time, serial, mac)) = parse_nonce(nonce) else {
            return false;
        };
        if !constant_time_eq(hex(&self.mac(time, serial)).as_bytes(), mac) {
            return false;
        }
        let Some(nc) = parse_hex(nc) else {
            return false;
        };
        let Some(w) = self.live.get_mut(&serial) else {
            return false; // forgotten
        };
        if nc == 0 || w.issued + NONCE_LIFETIME_SECS < now {
            return false;
        }
        if nc > w.max {
            let shift = nc - w.max;
            w.seen = if shift >= 64 { 0 } else { w.seen << shift } | 1;
            w.max = nc;
            return true;
        }
        let age = w.max - nc;
        if age >= 64 || w.seen & (1 << age) != 0 {
            return false;
        }
        w.seen |= 1 << age;
        true
    }
}

/// `TTTTTTTTTTTTTTTTSSSSSSSSSSSSSSSSMMMM…` (16 hex, 16 hex, 40 hex).
fn parse_nonce(nonce: &[u8]) -> Option<(u64, u64, &[u8])> {
    if nonce.len() != 72 {
        return None;
    }
    Some((
        parse_hex(&nonce[..16])?,
        parse_hex(&nonce[16..32])?,
        &nonce[32..],
    ))
}

fn parse_hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc << 4 | u64::from(d))
    })
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Equality whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| {
        acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())
    }) == 0
}

fn hmac_sha1(key: &[u8; 32], msg: &[u8]) -> [u8; 20] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let mut inner = sha1_smol::Sha1::new();
    inner.update(&ipad);
    inner.update(msg);
    let mut outer = sha1_smol::Sha1::new();
    outer.update(&opad);
    outer.update(&inner.digest().bytes());
    outer.digest().bytes()
}

/// 32 bytes from `/dev/urandom`; where it cannot be read (a chroot), the
/// standard library's hash keys, which it takes from `getrandom`.
fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key));
    if read.is_err() {
        use std::hash::{BuildHasher, Hasher};
        for chunk in key.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(crate::core::net::clock::unix_now() as u64);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    key
}

/// The fields of an `Authorization: Digest` header that the check uses.
struct DigestFields {
    user: Vec<u8>,
    cnonce: Vec<u8>,
    response: Vec<u8>,
    uri: Vec<u8>,
    qop: Vec<u8>,
    nc: Vec<u8>,
    nonce: Vec<u8>,
}

fn digest_fields(authorization: &[u8]) -> Option<DigestFields> {
    let params = authorization
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case(b"Digest "))
        .map(|_| &authorization[7..])?;
    let field = |name: &[u8], cap: usize| -> Option<Vec<u8>> {
        let mut buf = vec![0u8; cap];
        let n = parse_header(params, name, &mut buf);
        (n > 0).then(|| buf[..n as usize].to_vec())
    };
    Some(DigestFields {
        user: field(b"username", 100)?,
        cnonce: field(b"cnonce", 100)?,
        response: field(b"response", 100)?,
        uri: field(b"uri", 16384)?,
        qop: field(b"qop", 100)?,
        nc: field(b"nc", 100)?,
        nonce: field(b"nonce", 100)?,
    })
}

/// Whether the digest in `f` is right for a line of `passwords` for
/// `realm` (5.4's check: the first line with the user and realm decides).
fn digest_matches(f: &DigestFields, method: &[u8], realm: &[u8], passwords: &[u8]) -> bool {
    for line in passwords.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            continue;
        }
        let mut parts = line.splitn(3, |&b| b == b':');
        let (Some(u), Some(r), Some(ha1)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if u != f.user.as_slice() || r != realm {
            continue;
        }
        let ha2 = md5_hex(&[method, b":", &f.uri]);
        let expected = md5_hex(&[
            ha1, b":", &f.nonce, b":", &f.nc, b":", &f.cnonce, b":", &f.qop, b":", &ha2,
        ]);
        return constant_time_eq(&expected, &f.response);
    }
    false
}

/// What a request already proved: the nonce and `nc` of a digest
/// accepted for it, so checking the same request again (MG_AUTH calling
/// `mg_authorize_digest`, then a `.htpasswd`) is not taken for a replay.
#[derive(Default, Debug)]
pub struct RequestAuth {
    accepted: Option<(Vec<u8>, Vec<u8>)>,
    /// The last check found a right digest with an unacceptable nonce:
    /// the challenge says `stale=true`.
    pub stale: bool,
}

/// The full check of a request's `Authorization` header against
/// `passwords` for `realm`, with the server's nonces (see the module doc).
pub fn verify(
    nonces: &mut Nonces,
    request: &mut RequestAuth,
    now: i64,
    method: &[u8],
    authorization: &[u8],
    realm: &[u8],
    passwords: &[u8],
) -> Verdict {
    let Some(f) = digest_fields(authorization) else {
        return Verdict::Denied;
    };
    if !digest_matches(&f, method, realm, passwords) {
        return Verdict::Denied;
    }
    if request
        .accepted
        .as_ref()
        .is_some_and(|(n, c)| *n == f.nonce && *c == f.nc)
    {
        return Verdict::Granted;
    }
    if nonces.accept(&f.nonce, &f.nc, now) {
        request.accepted = Some((f.nonce, f.nc));
        Verdict::Granted
    } else {
        request.stale = true;
        Verdict::Stale
    }
}

/// Reads a passwords file (at most [`MAX_PASSWORDS_FILE`] bytes).
pub fn read_passwords(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_PASSWORDS_FILE)
        .read_to_end(&mut data)?;
    Ok(data)
}

/// The `.htpasswd` protecting `path` (a file or directory under `root`,
/// existing or not): the nearest one in the directory itself (for a
/// directory), the file's directory, or any directory above it up to and
/// including `root`. Anything named `.htpasswd` counts, even when it
/// cannot be read (then nobody gets in).
pub fn protecting_file(root: &Path, path: &Path, is_dir: bool) -> Option<PathBuf> {
    let mut dir = if is_dir { Some(path) } else { path.parent() };
    while let Some(d) = dir {
        if !d.starts_with(root) {
            break;
        }
        let candidate = d.join(HTPASSWD);
        if std::fs::symlink_metadata(&candidate).is_ok() {
            return Some(candidate);
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    None
}

/// The passwords-file line of `user` in `realm` (htdigest's format).
pub fn password_line(user: &str, realm: &str, password: &str) -> String {
    let ha1 = md5_hex(&[
        user.as_bytes(),
        b":",
        realm.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    format!("{user}:{realm}:{}", String::from_utf8_lossy(&ha1))
}

/// 5.4's `mg_authorize_digest` check alone (no nonce checks): does the
/// `Authorization` header match a line of `passwords` for `realm`?
pub fn authorize_digest(
    method: &[u8],
    authorization: &[u8],
    realm: &[u8],
    passwords: &[u8],
) -> bool {
    digest_fields(authorization).is_some_and(|f| digest_matches(&f, method, realm, passwords))
}

fn md5_hex(parts: &[&[u8]]) -> [u8; 32] {
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(p);
    }
    hex_lower(&md5.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid Authorization header the way a browser would.
    fn header_with(
        user: &str,
        realm: &str,
        password: &str,
        method: &str,
        uri: &str,
        nonce: &str,
        nc: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        let ha1 = md5_hex(&[
            user.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let ha2 = md5_hex(&[method.as_bytes(), b":", uri.as_bytes()]);
        let (cnonce, qop) = (b"abcd", b"auth");
        let response = md5_hex(&[
            &ha1,
            b":",
            nonce.as_bytes(),
            b":",
            nc.as_bytes(),
            b":",
            cnonce,
            b":",
            qop,
            b":",
            &ha2,
        ]);
        let h = format!(
            "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{}\", qop=auth, nc={nc}, cnonce=\"abcd\"",
            String::from_utf8_lossy(&response)
        );
        let line = format!("{user}:{realm}:{}\n", String::from_utf8_lossy(&ha1));
        (h.into_bytes(), line.into_bytes())
    }

    fn header(
        user: &str,
        realm: &str,
        password: &str,
        method: &str,
        uri: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        header_with(user, realm, password, method, uri, "1234", "00000001")
    }

    #[test]
    fn accepts_a_valid_digest() {
        let (h, line) = header("joe", "mydomain.com", "secret", "GET", "/a?b=1");
        let file = [
            b"other:mydomain.com:00000000000000000000000000000000\n".to_vec(),
            line,
        ]
        .concat();
        assert!(authorize_digest(b"GET", &h, b"mydomain.com", &file));
    }

    #[test]
    fn rejects_wrong_password_realm_method_or_missing_fields() {
        let (h, _) = header("joe", "mydomain.com", "wrong", "GET", "/");
        let (_, line) = header("joe", "mydomain.com", "secret", "GET", "/");
        assert!(!authorize_digest(b"GET", &h, b"mydomain.com", &line));
        let (h, line) = header("joe", "mydomain.com", "secret", "GET", "/");
        assert!(!authorize_digest(b"GET", &h, b"other.realm", &line));
        assert!(!authorize_digest(b"POST", &h, b"mydomain.com", &line));
        assert!(!authorize_digest(
            b"GET",
            b"Basic am9lOnNlY3JldA==",
            b"mydomain.com",
            &line
        ));
        assert!(!authorize_digest(
            b"GET",
            b"Digest username=\"joe\"",
            b"mydomain.com",
            &line
        ));
        assert!(!authorize_digest(b"GET", b"", b"mydomain.com", &line));
    }

    #[test]
    fn nonces_are_ours_fresh_and_used_once_per_nc() {
        let mut n = Nonces::new();
        let nonce = n.issue(1000);
        assert_eq!(nonce.len(), 72);
        assert!(n.accept(nonce.as_bytes(), b"00000001", 1000));
        assert!(!n.accept(nonce.as_bytes(), b"00000001", 1000), "replay");
        assert!(n.accept(nonce.as_bytes(), b"00000003", 1001));
        assert!(n.accept(nonce.as_bytes(), b"00000002", 1001), "overtaken");
        assert!(!n.accept(nonce.as_bytes(), b"00000002", 1001), "replay");
        assert!(!n.accept(nonce.as_bytes(), b"00000000", 1001));
        assert!(!n.accept(nonce.as_bytes(), b"zz", 1001));
        assert!(
            !n.accept(
                nonce.as_bytes(),
                b"00000009",
                1000 + NONCE_LIFETIME_SECS + 1
            ),
            "expired"
        );
        // Forged: another MAC, or another server's key.
        let mut forged = nonce.clone().into_bytes();
        forged[71] = if forged[71] == b'0' { b'1' } else { b'0' };
        assert!(!n.accept(&forged, b"00000010", 1001));
        let other = Nonces::new().issue(1000);
        assert!(!n.accept(other.as_bytes(), b"00000001", 1000));
        assert!(!n.accept(b"1234", b"00000001", 1000));
    }

    #[test]
    fn the_table_of_live_nonces_is_bounded() {
        let mut n = Nonces::new();
        let first = n.issue(1000);
        for _ in 0..MAX_LIVE_NONCES {
            n.issue(1000);
        }
        assert_eq!(n.live.len(), MAX_LIVE_NONCES);
        assert!(!n.accept(first.as_bytes(), b"00000001", 1000), "forgotten");
    }

    #[test]
    fn verify_grants_once_and_says_stale_for_replays() {
        let mut n = Nonces::new();
        let nonce = n.issue(1000);
        let (h, line) = header_with("joe", "r", "secret", "GET", "/", &nonce, "00000001");
        let mut req = RequestAuth::default();
        assert_eq!(
            verify(&mut n, &mut req, 1000, b"GET", &h, b"r", &line),
            Verdict::Granted
        );
        // The same request checked again is not a replay.
        assert_eq!(
            verify(&mut n, &mut req, 1000, b"GET", &h, b"r", &line),
            Verdict::Granted
        );
        let mut next = RequestAuth::default();
        assert_eq!(
            verify(&mut n, &mut next, 1000, b"GET", &h, b"r", &line),
            Verdict::Stale
        );
        assert!(next.stale);
        let (bad, _) = header_with("joe", "r", "wrong", "GET", "/", &nonce, "00000002");
        assert_eq!(
            verify(&mut n, &mut next, 1000, b"GET", &bad, b"r", &line),
            Verdict::Denied
        );
    }

    #[test]
    fn finds_the_nearest_htpasswd_up_to_the_root() {
        let root = std::env::temp_dir().join(format!("mg-auth-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        let find = |p: &str, dir| protecting_file(&root, &root.join(p), dir);
        assert_eq!(find("a/b/c/x", false), None);
        std::fs::write(root.join("a/.htpasswd"), "").unwrap();
        assert_eq!(find("a/b/c/x", false), Some(root.join("a/.htpasswd")));
        assert_eq!(find("a", true), Some(root.join("a/.htpasswd")));
        assert_eq!(find("a", false), None);
        assert_eq!(find("nope/x", false), None);
        std::fs::write(root.join("a/b/.htpasswd"), "").unwrap();
        assert_eq!(
            find("a/b/c/missing", false),
            Some(root.join("a/b/.htpasswd"))
        );
        std::fs::write(root.join(".htpasswd"), "").unwrap();
        assert_eq!(find("x", false), Some(root.join(".htpasswd")));
        let _ = std::fs::remove_dir_all(&root);
    }
}
