//! One part of a `multipart/form-data` body: the logic of
//! `mg_parse_multipart`.
//!
//! The boundary is not taken from the Content-Type header: as in Mongoose,
//! the first line of the buffer is the delimiter line and the rest of the
//! body is searched for it. Line endings may be CRLF or bare LF.

use super::header_param::find_value;

/// One parsed part; every slice borrows from the input buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part<'a> {
    /// The `name` parameter of Content-Disposition (empty when absent).
    /// It is the raw text between the quotes: a `\"` escape is left as is.
    pub name: &'a [u8],
    /// The `filename` parameter of Content-Disposition (empty when absent),
    /// raw like `name`.
    pub file_name: &'a [u8],
    /// The part's content, without the line ending before the next
    /// delimiter.
    pub data: &'a [u8],
}

/// Splits off the first line of `buf`: returns (line without its CRLF or
/// LF, offset of the next line), or `None` if there is no line ending.
fn split_line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let lf = buf.iter().position(|&b| b == b'\n')?;
    let line = &buf[..lf];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, lf + 1))
}

const DISPOSITION: &[u8] = b"content-disposition:";

/// Parses the part at the start of `buf`.
///
/// `buf` must begin with the delimiter line (`--boundary` and a line
/// ending), then the part's header lines, a blank line and the content.
/// The content ends right before the line ending that precedes the next
/// occurrence of `--boundary` at the start of a line.
///
/// Returns the offset of that next delimiter (add it to the position of
/// `buf` to reach the next part) and the part, or `None` when no complete
/// part is present: no delimiter line, an empty boundary, headers without
/// a blank line, or no following delimiter. The closing `--boundary--`
/// line therefore yields `None`.
pub fn parse_multipart(buf: &[u8]) -> Option<(usize, Part<'_>)> {
    let (boundary, mut pos) = split_line(buf)?;
    if boundary.len() <= 2 || !boundary.starts_with(b"--") {
        return None;
    }

    let mut part = Part {
        name: &[],
        file_name: &[],
        data: &[],
    };
    loop {
        let (line, used) = split_line(&buf[pos..])?;
        pos += used;
        if line.is_empty() {
            break;
        }
        let is_disposition = line
            .get(..DISPOSITION.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(DISPOSITION));
        if is_disposition {
            let params = &line[DISPOSITION.len()..];
            part.name = find_value(params, b"name").map_or(&[], |v| v.raw);
            part.file_name = find_value(params, b"filename").map_or(&[], |v| v.raw);
        }
    }

    let body_start = pos;
    let body = &buf[body_start..];
    // The delimiter must follow a '\n' that belongs to the content area.
    let mut from = 0;
    let delimiter = loop {
        let lf = from + body.get(from..)?.iter().position(|&b| b == b'\n')?;
        let next = lf + 1;
        if body.get(next..)?.starts_with(boundary) {
            break next;
        }
        from = next;
    };
    let mut data_end = delimiter - 1;
    if data_end > 0 && body[data_end - 1] == b'\r' {
        data_end -= 1;
    }
    part.data = &body[..data_end];
    Some((body_start + delimiter, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--xyz\r\n\
Content-Disposition: form-data; name=\"field\"\r\n\
\r\n\
hello\r\n\
--xyz\r\n\
Content-Type: text/plain\r\n\
content-disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n\
\r\n\
line1\r\nline2\r\n\
--xyz--\r\n";

    fn all_parts(mut buf: &[u8]) -> Vec<(usize, Part<'_>)> {
        let mut out = Vec::new();
        while let Some((n, part)) = parse_multipart(buf) {
            assert!(n > 0 && n <= buf.len());
            out.push((n, part));
            buf = &buf[n..];
        }
        out
    }

    #[test]
    fn crlf_form() {
        let parts = all_parts(BODY);
        assert_eq!(parts.len(), 2);
        let (n, p) = parts[0];
        assert_eq!(p.name, b"field");
        assert_eq!(p.file_name, b"");
        assert_eq!(p.data, b"hello");
        assert!(BODY[n..].starts_with(b"--xyz\r\n"));
        let p = parts[1].1;
        assert_eq!(p.name, b"file");
        assert_eq!(p.file_name, b"a b.txt");
        assert_eq!(p.data, b"line1\r\nline2");
    }

    #[test]
    fn lf_form() {
        let body = b"--b\nContent-Disposition: form-data; name=x\n\nv\n--b\n\
Content-Disposition: form-data; name=\"y\"\n\n\n--b--\n";
        let parts = all_parts(body);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].1.name, b"x");
        assert_eq!(parts[0].1.data, b"v");
        assert_eq!(parts[1].1.name, b"y");
        assert_eq!(parts[1].1.data, b"");
    }

    #[test]
    fn final_boundary_and_incomplete_input() {
        assert_eq!(parse_multipart(b"--xyz--\r\n"), None);
        assert_eq!(parse_multipart(b"--xyz--"), None);
        assert_eq!(parse_multipart(b""), None);
        assert_eq!(parse_multipart(b"--\n"), None);
        assert_eq!(parse_multipart(b"--\r\n\r\nx\r\n--\r\n"), None);
        assert_eq!(parse_multipart(b"xyz\r\n\r\nx\r\n--xyz"), None);
        // Every truncation of a valid body parses as "incomplete" or as the
        // first part, never anything else, and never panics.
        for cut in 0..BODY.len() {
            if let Some((n, p)) = parse_multipart(&BODY[..cut]) {
                assert_eq!(p.data, b"hello");
                assert!(n <= cut);
            }
        }
    }

    #[test]
    fn delimiter_rules() {
        // The boundary text inside a line is content, not a delimiter.
        let body = b"--b\r\n\r\nx --b y\r\n--b--\r\n";
        let (n, p) = parse_multipart(body).expect("part");
        assert_eq!(p.data, b"x --b y");
        assert_eq!(&body[n..], b"--b--\r\n");
        // A delimiter right after the blank line is not an empty part.
        assert_eq!(parse_multipart(b"--b\r\n\r\n--b--\r\n"), None);
        // Empty part with CRLF.
        let (_, p) = parse_multipart(b"--b\r\n\r\n\r\n--b--").expect("part");
        assert_eq!(p.data, b"");
        // No headers at all, and no Content-Disposition.
        let (_, p) = parse_multipart(b"--b\r\nX: y\r\n\r\ndata\r\n--b").expect("part");
        assert_eq!(
            (p.name, p.file_name, p.data),
            (&b""[..], &b""[..], &b"data"[..])
        );
    }

    #[test]
    fn hostile_input() {
        let mut junk = b"--b\n".to_vec();
        junk.extend([b'\n'; 10]);
        assert_eq!(parse_multipart(&junk), None);
        let mut data = vec![0u8; 300];
        let mut seed = 12345u32;
        for _ in 0..2000 {
            for b in data.iter_mut() {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *b = b"-\r\nb:=\" "[(seed >> 16) as usize % 8];
            }
            data[0] = b'-';
            data[1] = b'-';
            if let Some((n, p)) = parse_multipart(&data) {
                assert!(n <= data.len());
                assert!(p.data.len() < n);
            }
        }
    }
}
