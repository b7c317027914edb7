//! `name=value` parameters inside a header value (Cookie, Authorization:
//! Digest, Content-Disposition): the logic of `mg_parse_header`.
//!
//! Two fixes over Mongoose 5.4: a quoted value may contain commas, and the
//! output buffer is NUL-terminated on every return path (it holds the
//! empty string on failure).

/// A parameter value located inside a header, not yet unescaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawValue<'a> {
    /// The text of the value: for a quoted value, the bytes between the
    /// quotes with `\"` escapes still in place; for an unquoted value, the
    /// bytes with the trailing `,` and `;` already stripped.
    pub raw: &'a [u8],
    /// The quote character (`"` or `'`) of a quoted value.
    pub quote: Option<u8>,
}

impl RawValue<'_> {
    /// Iterates over the value's bytes with the escapes of a quoted value
    /// resolved (a backslash right before the quote character is dropped).
    pub fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let quote = self.quote;
        let raw = self.raw;
        raw.iter().enumerate().filter_map(move |(i, &b)| {
            let escape = b == b'\\' && quote.is_some() && raw.get(i + 1).copied() == quote;
            (!escape).then_some(b)
        })
    }

    /// Length of the value once unescaped.
    pub fn len(&self) -> usize {
        self.bytes().count()
    }

    /// True when the unescaped value is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

/// Finds parameter `name` in `hdr` and returns its raw value.
///
/// The name is compared case-sensitively, must be followed by `=` and must
/// sit at the start of `hdr` or right after a space or a comma; the first
/// such occurrence decides (later ones are not tried). A value starting
/// with `"` or `'` is quoted and runs to the matching unescaped quote
/// (commas allowed); `None` when the quote is never closed. Otherwise the
/// value ends at a space, a comma or the end, and then one trailing `,` and
/// one trailing `;` are stripped (`a=1; b=2` gives `1`).
///
/// A name at the very end of `hdr` (`...name=`) is `None`, as in 5.4.
pub fn find_value<'a>(hdr: &'a [u8], name: &[u8]) -> Option<RawValue<'a>> {
    let n = name.len();
    let start = (0..hdr.len()).find(|&s| {
        (s == 0 || hdr[s - 1] == b' ' || hdr[s - 1] == b',')
            && s + n < hdr.len()
            && hdr[s + n] == b'='
            && &hdr[s..s + n] == name
    })?;
    let value = hdr.get(start + n + 1..).filter(|v| !v.is_empty())?;
    match value[0] {
        quote @ (b'"' | b'\'') => {
            let body = &value[1..];
            let mut i = 0;
            while i < body.len() {
                if body[i] == b'\\' && body.get(i + 1) == Some(&quote) {
                    i += 2;
                } else if body[i] == quote {
                    return Some(RawValue {
                        raw: &body[..i],
                        quote: Some(quote),
                    });
                } else {
                    i += 1;
                }
            }
            None
        }
        _ => {
            let end = value
                .iter()
                .position(|&b| b == b' ' || b == b',')
                .unwrap_or(value.len());
            let mut raw = &value[..end];
            if let Some(rest) = raw.strip_suffix(b",") {
                raw = rest;
            }
            if let Some(rest) = raw.strip_suffix(b";") {
                raw = rest;
            }
            Some(RawValue { raw, quote: None })
        }
    }
}

/// Copies parameter `name` of `hdr` into `buf`, NUL-terminated, and returns
/// its length (see [`find_value`] for the syntax; quoted values are
/// unescaped).
///
/// Returns 0, with `buf` holding the empty string, when the parameter is
/// absent, its quote is unterminated, or the value needs `buf.len()` bytes
/// or more (there must be room for the NUL). An empty `buf` returns 0.
pub fn parse_header(hdr: &[u8], name: &[u8], buf: &mut [u8]) -> i32 {
    let Some(first) = buf.first_mut() else {
        return 0;
    };
    *first = 0;
    let Some(value) = find_value(hdr, name) else {
        return 0;
    };
    let len = value.len();
    if len >= buf.len() {
        return 0;
    }
    for (dst, b) in buf.iter_mut().zip(value.bytes()) {
        *dst = b;
    }
    buf[len] = 0;
    i32::try_from(len).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HDR: &str = r#"xx=1 kl yy, ert=234 kl=123, ii="12\"34" zz='aa bb',tt=2,gf="xx d=1234"#;

    fn ph(hdr: &str, name: &str, n: usize) -> (i32, Vec<u8>) {
        let mut buf = vec![0xAAu8; n];
        let r = parse_header(hdr.as_bytes(), name.as_bytes(), &mut buf);
        let end = buf
            .iter()
            .position(|&b| b == 0)
            .expect("buffer is always NUL-terminated");
        (r, buf[..end].to_vec())
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(ph(HDR, "yy", 10), (0, vec![]));
        assert_eq!(ph(HDR, "ert", 10), (3, b"234".to_vec()));
        assert_eq!(ph(HDR, "ert", 2), (0, vec![]));
        assert_eq!(ph(HDR, "ert", 3), (0, vec![]));
        assert_eq!(ph(HDR, "ert", 4), (3, b"234".to_vec()));
        assert_eq!(ph(HDR, "gf", 10), (0, vec![]));
        assert_eq!(ph(HDR, "zz", 10), (5, b"aa bb".to_vec()));
        assert_eq!(ph(HDR, "d", 10), (4, b"1234".to_vec()));
        assert_eq!(ph(HDR, "MMM", 10), (0, vec![]));
        assert_eq!(ph(HDR, "kl", 10), (3, b"123".to_vec()));
        assert_eq!(ph(HDR, "xx", 10), (1, b"1".to_vec()));
        assert_eq!(ph(HDR, "ii", 10), (5, b"12\"34".to_vec()));
        assert_eq!(ph(HDR, "tt", 10), (1, b"2".to_vec()));
    }

    #[test]
    fn fixes_over_5_4() {
        // Quoted values may contain commas.
        assert_eq!(
            ph(r#"Digest username="a,b", realm="r""#, "username", 20),
            (3, b"a,b".to_vec())
        );
        assert_eq!(
            ph(r#"qop="auth,auth-int""#, "qop", 20),
            (13, b"auth,auth-int".to_vec())
        );
        // Failure paths leave an empty, terminated buffer.
        let mut buf = *b"XXXXXXXX";
        assert_eq!(parse_header(b"a=123456789", b"a", &mut buf), 0);
        assert_eq!(buf[0], 0);
        let mut buf = *b"XXXXXXXX";
        assert_eq!(parse_header(b"a=\"12", b"a", &mut buf), 0);
        assert_eq!(buf[0], 0);
    }

    #[test]
    fn edge_cases() {
        let mut empty: [u8; 0] = [];
        assert_eq!(parse_header(b"a=1", b"a", &mut empty), 0);
        assert_eq!(ph("", "a", 10), (0, vec![]));
        assert_eq!(ph("a=", "a", 10), (0, vec![]));
        assert_eq!(ph("a=\"\"", "a", 10), (0, vec![]));
        assert_eq!(ph("a=\"", "a", 10), (0, vec![]));
        assert_eq!(ph("A=1", "a", 10), (0, vec![]), "case-sensitive");
        assert_eq!(ph("xa=1,a=2", "a", 10), (1, b"2".to_vec()));
        assert_eq!(ph("a=1; b=2", "a", 10), (1, b"1".to_vec()));
        assert_eq!(ph("a=1; b=2", "b", 10), (1, b"2".to_vec()));
        assert_eq!(ph("a=1;;", "a", 10), (2, b"1;".to_vec()));
        assert_eq!(ph("a=1;", "a", 2), (1, b"1".to_vec()));
        assert_eq!(ph("a='x\\'y'", "a", 10), (3, b"x'y".to_vec()));
        assert_eq!(ph("a='x\\\"y'", "a", 10), (4, b"x\\\"y".to_vec()));
        assert_eq!(
            ph("a=\"x\\\"", "a", 10),
            (0, vec![]),
            "escaped closing quote"
        );
        assert_eq!(ph("a=\"x\" b=2", "b", 10), (1, b"2".to_vec()));
        // The first occurrence decides even if it fails.
        assert_eq!(ph("a=\"x a=2", "a", 10), (0, vec![]));
        assert_eq!(ph("a=\"12\"", "a", 3), (2, b"12".to_vec()));
        assert_eq!(ph("a=\"12\"", "a", 2), (0, vec![]));
    }

    #[test]
    fn raw_value() {
        let v = find_value(br#"name="a\"b""#, b"name").expect("found");
        assert_eq!(v.raw, br#"a\"b"#);
        assert_eq!(v.quote, Some(b'"'));
        assert_eq!(v.bytes().collect::<Vec<u8>>(), b"a\"b");
        assert_eq!(v.len(), 3);
        assert_eq!(find_value(b"x=1", b"y"), None);
    }
}
