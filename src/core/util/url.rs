//! Percent-encoding: `mg_url_decode` and `mg_url_encode`.
//!
//! Both write C-style into a caller buffer and NUL-terminate it, because
//! the C API and the internal callers (URI cleaning, directory listings,
//! form variables) share these exact conventions. [`decode_to_vec`] is the
//! allocation-friendly form for Rust callers.

/// Bytes copied unchanged by [`url_encode`] besides ASCII letters and digits.
const DONT_ESCAPE: &[u8] = b"._-$,;~()";

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes the input byte at `src[i]`: returns the output byte and how many
/// input bytes it used (1, or 3 for a `%XX` escape).
///
/// `%XX` is decoded only when both following bytes are hex digits and the
/// `%` sits below index `src.len() - 2`; otherwise the `%` is literal.
fn decode_one(src: &[u8], i: usize, form: bool) -> (u8, usize) {
    let b = src[i];
    if b == b'%' && i + 2 < src.len() {
        if let (Some(hi), Some(lo)) = (hex_value(src[i + 1]), hex_value(src[i + 2])) {
            return ((hi << 4) | lo, 3);
        }
    }
    if form && b == b'+' {
        (b' ', 1)
    } else {
        (b, 1)
    }
}

/// Percent-decodes `src` into `dst` and NUL-terminates it.
///
/// `+` becomes a space only when `form` is set. At most `dst.len() - 1`
/// bytes are written, followed by a NUL. Returns the decoded length, or -1
/// when `dst` was too small to take all of `src` (it then holds the
/// decoded, NUL-terminated prefix). An empty `dst` returns -1 and is not
/// written.
pub fn url_decode(src: &[u8], dst: &mut [u8], form: bool) -> i32 {
    let Some(room) = dst.len().checked_sub(1) else {
        return -1;
    };
    let (mut i, mut j) = (0, 0);
    while i < src.len() && j < room {
        let (b, used) = decode_one(src, i, form);
        dst[j] = b;
        i += used;
        j += 1;
    }
    dst[j] = 0;
    if i >= src.len() {
        i32::try_from(j).unwrap_or(i32::MAX)
    } else {
        -1
    }
}

/// Percent-decodes `src` into a new vector (no NUL terminator), with the
/// same rules as [`url_decode`].
pub fn decode_to_vec(src: &[u8], form: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let (b, used) = decode_one(src, i, form);
        out.push(b);
        i += used;
    }
    out
}

/// Percent-encodes `src` into `dst` and NUL-terminates it.
///
/// ASCII letters, digits and `._-$,;~()` are copied; every other byte
/// becomes `%xx` in lowercase hex. Encoding stops when the next item does
/// not fit in front of the NUL, so `dst` always holds a NUL-terminated
/// prefix of the full encoding (never a torn escape or an unwritten byte).
/// Returns the number of bytes written before the NUL; an empty `dst`
/// returns 0 and is not written.
pub fn url_encode(src: &[u8], dst: &mut [u8]) -> i32 {
    let Some(room) = dst.len().checked_sub(1) else {
        return 0;
    };
    let mut j = 0;
    for &b in src {
        if b.is_ascii_alphanumeric() || DONT_ESCAPE.contains(&b) {
            if j + 1 > room {
                break;
            }
            dst[j] = b;
            j += 1;
        } else {
            if j + 3 > room {
                break;
            }
            dst[j] = b'%';
            dst[j + 1] = HEX_LOWER[usize::from(b >> 4)];
            dst[j + 2] = HEX_LOWER[usize::from(b & 0x0f)];
            j += 3;
        }
    }
    dst[j] = 0;
    i32::try_from(j).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `url_decode` with a buffer of `n` bytes; returns the result and
    /// the NUL-terminated contents.
    fn dec(src: &[u8], n: usize, form: bool) -> (i32, Vec<u8>) {
        let mut buf = vec![0xAAu8; n];
        let r = url_decode(src, &mut buf, form);
        let end = buf.iter().position(|&b| b == 0).expect("NUL-terminated");
        (r, buf[..end].to_vec())
    }

    fn enc(src: &[u8], n: usize) -> (i32, Vec<u8>) {
        let mut buf = vec![0xAAu8; n];
        let r = url_encode(src, &mut buf);
        let end = buf.iter().position(|&b| b == 0).expect("NUL-terminated");
        assert_eq!(end as i32, r);
        (r, buf[..end].to_vec())
    }

    #[test]
    fn decode_spec_vectors() {
        assert_eq!(dec(b"foo", 3, false), (-1, b"fo".to_vec()));
        assert_eq!(dec(b"foo", 4, false), (3, b"foo".to_vec()));
        assert_eq!(dec(b"a+", 10, false), (2, b"a+".to_vec()));
        assert_eq!(dec(b"a+", 10, true), (2, b"a ".to_vec()));
        assert_eq!(dec(&b"%61"[..1], 10, false), (1, b"%".to_vec()));
        assert_eq!(dec(&b"%61"[..2], 10, false), (2, b"%6".to_vec()));
        assert_eq!(dec(b"%61", 10, false), (1, b"a".to_vec()));
    }

    #[test]
    fn decode_edge_cases() {
        let mut empty: [u8; 0] = [];
        assert_eq!(url_decode(b"abc", &mut empty, false), -1);
        assert_eq!(dec(b"", 1, false), (0, vec![]));
        assert_eq!(dec(b"a", 1, false), (-1, vec![]));
        assert_eq!(dec(b"%zz%4", 10, false), (5, b"%zz%4".to_vec()));
        assert_eq!(dec(b"%2F%2f%00x", 10, false).0, 4);
        assert_eq!(dec(b"%41%4a%4A", 10, true), (3, b"AJJ".to_vec()));
        assert_eq!(dec(b"%2B+", 10, true), (2, b"+ ".to_vec()));
        assert_eq!(dec(b"%ff", 10, false), (1, vec![0xff]));
        // Exactly enough room for the decoded bytes plus NUL.
        assert_eq!(dec(b"%41%42", 3, false), (2, b"AB".to_vec()));
        assert_eq!(dec(b"%41%42", 2, false), (-1, b"A".to_vec()));
    }

    #[test]
    fn decode_to_vec_matches() {
        assert_eq!(decode_to_vec(b"a%20b+c%", true), b"a b c%");
        assert_eq!(decode_to_vec(b"a%20b+c%", false), b"a b+c%");
        assert_eq!(decode_to_vec(b"", false), b"");
        assert_eq!(decode_to_vec(b"%00", false), vec![0]);
    }

    #[test]
    fn encode_spec_vectors() {
        assert_eq!(enc(b"", 10), (0, vec![]));
        assert_eq!(enc(b"foo", 10), (3, b"foo".to_vec()));
        assert_eq!(enc(b"f o", 10), (5, b"f%20o".to_vec()));
    }

    #[test]
    fn encode_edge_cases() {
        let mut empty: [u8; 0] = [];
        assert_eq!(url_encode(b"abc", &mut empty), 0);
        assert_eq!(enc(b"abc", 1), (0, vec![]));
        assert_eq!(enc(b"abc", 3), (2, b"ab".to_vec()));
        assert_eq!(enc(b"._-$,;~()", 20), (9, b"._-$,;~()".to_vec()));
        assert_eq!(
            enc(b"/?&=+\x00\xff", 40),
            (21, b"%2f%3f%26%3d%2b%00%ff".to_vec())
        );
        // The escape does not fit: stop cleanly instead of skipping a byte.
        assert_eq!(enc(b"a b", 4), (1, b"a".to_vec()));
        assert_eq!(enc(b"a b", 5), (4, b"a%20".to_vec()));
        assert_eq!(enc(b"a b", 6), (5, b"a%20b".to_vec()));
        assert_eq!(enc(b" b", 3), (0, vec![]));
        assert_eq!(enc(b"a b", 2), (1, b"a".to_vec()));
    }

    #[test]
    fn round_trip() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut buf = vec![0u8; 3 * 256 + 1];
        let n = url_encode(&all, &mut buf);
        assert!(n > 0);
        assert_eq!(decode_to_vec(&buf[..n as usize], false), all);
    }
}
