//! Request-target processing: splitting off the query string, percent
//! decoding and 5.4's clean-up of `//` and `..` runs.

/// Percent-encodes every byte that is not ASCII alphanumeric or in `safe`
/// (uppercase hex), e.g. for `Location` headers.
pub fn percent_encode(bytes: &[u8], safe: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || safe.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (no `+` → space, as 5.4 does for URIs). A `%` not
/// followed by two hex digits is kept literally.
pub fn percent_decode(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    percent_decode_into(src, &mut out);
    out
}

/// `percent_decode` into a reused buffer (cleared first).
pub fn percent_decode_into(src: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'%' && i + 2 < src.len() {
            if let (Some(h), Some(l)) = (hex(src[i + 1]), hex(src[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(src[i]);
        i += 1;
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// 5.4's URI clean-up, applied when the URI starts with `/` or `.`: after
/// each `/` or `\`, any following run of `/`, `\` and `..` pairs is dropped.
/// This strips traversal sequences rather than resolving them
/// (`/sub/../a` becomes `/sub/a`).
pub fn remove_double_dots_and_slashes(uri: &mut Vec<u8>) {
    if !matches!(uri.first(), Some(b'/') | Some(b'.')) {
        return;
    }
    // In place: the output never gets ahead of the input.
    let (mut read, mut write) = (0, 0);
    let len = uri.len();
    while read < len {
        let c = uri[read];
        uri[write] = c;
        write += 1;
        read += 1;
        if c == b'/' || c == b'\\' {
            loop {
                if read < len && (uri[read] == b'/' || uri[read] == b'\\') {
                    read += 1;
                } else if read + 1 < len && uri[read] == b'.' && uri[read + 1] == b'.' {
                    read += 2;
                } else {
                    break;
                }
            }
        }
    }
    uri.truncate(write);
}

/// Is this a request target 5.4 accepts: `/...`, `*`, an absolute
/// `http...` URI, or CONNECT's `host:port`?
pub fn is_valid_target(uri: &[u8]) -> bool {
    if uri.first() == Some(&b'/') || uri == b"*" {
        return true;
    }
    if uri.len() >= 4 && uri[..4].eq_ignore_ascii_case(b"http") {
        return true;
    }
    // host:port
    match uri.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => {
            let (host, port) = (&uri[..colon], &uri[colon + 1..]);
            !host.contains(&b' ') && !port.is_empty() && port.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        let mut v = s.as_bytes().to_vec();
        remove_double_dots_and_slashes(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn spec_vectors() {
        assert_eq!(clean("////a"), "/a");
        assert_eq!(clean("/....."), "/.");
        assert_eq!(clean("/......"), "/");
        assert_eq!(clean("..."), "...");
        assert_eq!(clean("/...///"), "/./");
        assert_eq!(clean("/a...///"), "/a.../");
        assert_eq!(clean("/.x"), "/.x");
        assert_eq!(clean("/\\"), "/");
        assert_eq!(clean("/a\\"), "/a\\");
        assert_eq!(clean("/a\\\\..."), "/a\\.");
        assert_eq!(clean("/sub/../a.txt"), "/sub/a.txt");
        assert_eq!(clean("/../../etc/passwd"), "/etc/passwd");
        assert_eq!(clean("abc//d"), "abc//d");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode(b"/a%20b"), b"/a b");
        assert_eq!(percent_decode(b"/a+b"), b"/a+b");
        assert_eq!(percent_decode(b"/%2e%2e/x"), b"/../x");
        assert_eq!(percent_decode(b"/%"), b"/%");
        assert_eq!(percent_decode(b"/%4"), b"/%4");
        assert_eq!(percent_decode(b"/%zz"), b"/%zz");
        assert_eq!(percent_decode(b"%41"), b"A");
        let mut v = percent_decode(b"/%2e%2e/x");
        remove_double_dots_and_slashes(&mut v);
        assert_eq!(v, b"/x");
    }

    #[test]
    fn targets() {
        assert!(is_valid_target(b"/"));
        assert!(is_valid_target(b"*"));
        assert!(is_valid_target(b"http://x/"));
        assert!(is_valid_target(b"example.com:443"));
        assert!(!is_valid_target(b"abc"));
        assert!(!is_valid_target(b":80"));
        assert!(!is_valid_target(b"a:b"));
    }
}
