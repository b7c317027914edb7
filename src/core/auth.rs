//! HTTP Digest authentication against a passwords file of
//! `user:realm:HA1` lines (`mg_authorize_digest`), as Mongoose 5.4 checks
//! it: qop=auth only, HA2 = md5(method:uri), response =
//! md5(HA1:nonce:nc:cnonce:qop:HA2), compared case-insensitively.

use crate::core::util::header_param::parse_header;
use crate::core::util::md5::{hex_lower, Md5};

/// Longest passwords-file line considered (5.4 read 255 characters).
const MAX_LINE: usize = 255;

/// Does the `Authorization` header match a line of `passwords` for
/// `realm` (the `auth_domain` option)?
pub fn authorize_digest(
    method: &[u8],
    authorization: &[u8],
    realm: &[u8],
    passwords: &[u8],
) -> bool {
    let Some(params) = authorization
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case(b"Digest "))
        .map(|_| &authorization[7..])
    else {
        return false;
    };
    let field = |name: &[u8], cap: usize| -> Option<Vec<u8>> {
        let mut buf = vec![0u8; cap];
        let n = parse_header(params, name, &mut buf);
        (n > 0).then(|| buf[..n as usize].to_vec())
    };
    let (Some(user), Some(cnonce), Some(response), Some(uri), Some(qop), Some(nc), Some(nonce)) = (
        field(b"username", 100),
        field(b"cnonce", 100),
        field(b"response", 100),
        field(b"uri", 16384),
        field(b"qop", 100),
        field(b"nc", 100),
        field(b"nonce", 100),
    ) else {
        return false;
    };
    for line in passwords.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            continue;
        }
        let mut parts = line.splitn(3, |&b| b == b':');
        let (Some(u), Some(r), Some(ha1)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if u != user.as_slice() || r != realm {
            continue;
        }
        let ha2 = md5_hex(&[method, b":", &uri]);
        let expected = md5_hex(&[
            ha1, b":", &nonce, b":", &nc, b":", &cnonce, b":", &qop, b":", &ha2,
        ]);
        return expected.eq_ignore_ascii_case(&response);
    }
    false
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
    fn header(
        user: &str,
        realm: &str,
        password: &str,
        method: &str,
        uri: &str,
    ) -> (Vec<u8>, Vec<u8>) {
        let ha1 = md5_hex(&[
            user.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let ha2 = md5_hex(&[method.as_bytes(), b":", uri.as_bytes()]);
        let (nonce, nc, cnonce, qop) = (b"1234", b"00000001", b"abcd", b"auth");
        let response = md5_hex(&[
            &ha1, b":", nonce, b":", nc, b":", cnonce, b":", qop, b":", &ha2,
        ]);
        let h = format!(
            "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"1234\", uri=\"{uri}\", response=\"{}\", qop=auth, nc=00000001, cnonce=\"abcd\"",
            String::from_utf8_lossy(&response)
        );
        let line = format!("{user}:{realm}:{}\n", String::from_utf8_lossy(&ha1));
        (h.into_bytes(), line.into_bytes())
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
}
