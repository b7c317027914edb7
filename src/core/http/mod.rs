//! HTTP/1.1: request heads, reply heads of outgoing connections, chunked
//! request bodies, URI clean-up, status reasons and reply framing. Pure
//! code: no sockets here (the one outside input is the clock, for `Date`).

#![forbid(unsafe_code)]

pub mod chunked;
pub mod date;
pub mod path;
pub mod reply;
pub mod request;
pub mod response;
pub mod status;

/// Does a comma-separated header value (`Connection: keep-alive, Upgrade`)
/// contain `token`, compared ignoring ASCII case?
pub fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// Appends `n` in decimal. (Replies are built with these rather than
/// `write!`: the formatting machinery costs more than the rest of a small
/// reply.)
pub fn push_decimal(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(digits::<10>(n, &mut [0; 20]));
}

/// Appends `n` in upper-case hexadecimal (chunk sizes).
pub fn push_hex(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(digits::<16>(n, &mut [0; 20]));
}

/// Writes `n` in `BASE` at the end of `buf` (u64::MAX has 20 decimal
/// digits) and returns the digits. (The base is a constant so that the
/// divisions compile to multiplies and shifts.)
pub fn digits<const BASE: u64>(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b"0123456789ABCDEF"[(n % BASE) as usize];
        n /= BASE;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

/// A `tchar` of RFC 9110 5.6.2: the bytes of a token (header names,
/// transfer codings, chunk extension names).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `s` without surrounding optional whitespace (RFC 9110 5.6.3: spaces
/// and tabs only; `trim_ascii` would also drop form feeds, which a proxy
/// may not).
pub fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t');
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t');
    match (start, end) {
        (Some(start), Some(end)) => &s[start..=end],
        _ => &[],
    }
}

/// Appends `Date: <now>\r\n`. An origin server with a clock sends one in
/// every 2xx, 3xx and 4xx reply (RFC 9110 6.6.1); the text is formatted
/// once per second (`clock::http_date_now`).
pub fn push_date_header(out: &mut Vec<u8>) {
    out.extend_from_slice(b"Date: ");
    out.extend_from_slice(crate::core::net::clock::http_date_now().as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends `HTTP/1.1 <code> <reason>\r\n`.
pub fn push_status_line(out: &mut Vec<u8>, code: i32) {
    out.extend_from_slice(b"HTTP/1.1 ");
    if code < 0 {
        out.push(b'-');
    }
    push_decimal(out, u64::from(code.unsigned_abs()));
    out.push(b' ');
    out.extend_from_slice(status::reason(code).as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_status_lines_match_format() {
        for n in [0u64, 7, 10, 255, 4096, 65535, 1 << 40, u64::MAX] {
            let (mut d, mut h) = (Vec::new(), Vec::new());
            push_decimal(&mut d, n);
            push_hex(&mut h, n);
            assert_eq!(d, n.to_string().into_bytes());
            assert_eq!(h, format!("{n:X}").into_bytes());
        }
        for code in [200, 404, 599, -1, i32::MIN, i32::MAX] {
            let mut line = Vec::new();
            push_status_line(&mut line, code);
            let want = format!("HTTP/1.1 {} {}\r\n", code, status::reason(code));
            assert_eq!(line, want.into_bytes());
        }
    }
}
