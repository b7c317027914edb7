//! Incremental, in-place decoder for `Transfer-Encoding: chunked` request
//! bodies. The decoded body is compacted to the front of the body area of
//! the receive buffer, so the handler sees one contiguous `content`.
//!
//! Request bodies are decoded strictly to the grammar of RFC 9112 7.1:
//! CRLF only, `1*HEXDIG` sizes, well-formed extensions and trailer fields.
//! Where a proxy in front and this decoder could disagree on where a chunk
//! ends (a bare LF, `5 ;x`, `0x5`, an LF inside an extension: the "funky
//! chunks" smuggling vectors), the request is refused with 400. Replies
//! read by `mg_connect` clients are decoded leniently (bare LF accepted,
//! extensions skipped), as 5.4 programs talk to all sorts of servers.

/// Longest chunk-size line (with extensions) or trailer line accepted.
const MAX_LINE: usize = 4096;
/// Most trailer bytes accepted.
const MAX_TRAILERS: usize = 16384;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkError {
    /// Malformed framing: 400.
    Malformed,
    /// Decoded body over the limit: 413.
    TooLarge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// Decoder state for one body. `Default` is the strict decoder for
/// request bodies.
#[derive(Default, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// Decoded body bytes, at `body[..decoded]`.
    pub decoded: usize,
    /// Raw bytes consumed, at `body[..consumed]` before decoding.
    pub consumed: usize,
    trailer_bytes: usize,
    /// Accept bare LF line ends and any extension text (replies).
    lenient: bool,
}

impl ChunkedDecoder {
    /// A decoder for reply bodies (outgoing connections).
    pub fn lenient() -> ChunkedDecoder {
        ChunkedDecoder {
            lenient: true,
            ..ChunkedDecoder::default()
        }
    }

    /// Decodes what is available in `body` (the receive buffer after the
    /// head). Returns `Ok(true)` once the terminating chunk and trailers
    /// have been read.
    pub fn decode(&mut self, body: &mut [u8], max_body: u64) -> Result<bool, ChunkError> {
        loop {
            match self.state {
                State::Done => return Ok(true),
                State::Size => {
                    let Some(line) = self.line(body)? else {
                        return Ok(false);
                    };
                    let text = &body[self.consumed..self.consumed + line];
                    let size = if self.lenient {
                        parse_size_lenient(text)?
                    } else {
                        parse_size(text)?
                    };
                    self.consumed += line;
                    if size == 0 {
                        self.state = State::Trailers;
                    } else {
                        if (self.decoded as u64).saturating_add(size) > max_body {
                            return Err(ChunkError::TooLarge);
                        }
                        self.state = State::Data(size);
                    }
                }
                State::Data(remaining) => {
                    let avail = body.len() - self.consumed;
                    let take = remaining.min(avail as u64) as usize;
                    body.copy_within(self.consumed..self.consumed + take, self.decoded);
                    self.decoded += take;
                    self.consumed += take;
                    if take as u64 == remaining {
                        self.state = State::DataEnd;
                    } else {
                        self.state = State::Data(remaining - take as u64);
                        return Ok(false);
                    }
                }
                State::DataEnd => {
                    let rest = &body[self.consumed..];
                    match rest {
                        [b'\r', b'\n', ..] => self.consumed += 2,
                        [b'\n', ..] if self.lenient => self.consumed += 1,
                        [] | [b'\r'] => return Ok(false),
                        _ => return Err(ChunkError::Malformed),
                    }
                    self.state = State::Size;
                }
                State::Trailers => {
                    let Some(line) = self.line(body)? else {
                        return Ok(false);
                    };
                    let text = &body[self.consumed..self.consumed + line];
                    self.consumed += line;
                    self.trailer_bytes += line;
                    if self.trailer_bytes > MAX_TRAILERS {
                        return Err(ChunkError::Malformed);
                    }
                    if text == b"\r\n" || self.lenient && text == b"\n" {
                        self.state = State::Done;
                    } else if !self.lenient && !is_field_line(text) {
                        return Err(ChunkError::Malformed);
                    }
                }
            }
        }
    }

    /// Length of the next complete line (with its LF) at `consumed`.
    fn line(&self, body: &[u8]) -> Result<Option<usize>, ChunkError> {
        let rest = &body[self.consumed..];
        match rest.iter().take(MAX_LINE + 1).position(|&b| b == b'\n') {
            Some(i) => Ok(Some(i + 1)),
            None if rest.len() > MAX_LINE => Err(ChunkError::Malformed),
            None => Ok(None),
        }
    }
}

/// Parses `chunk-size [ chunk-ext ] CRLF` (RFC 9112 7.1, 7.1.1) strictly.
/// Leading zeros are allowed; more than 15 significant digits (over 2^60
/// bytes, far above any body limit) is malformed.
fn parse_size(line: &[u8]) -> Result<u64, ChunkError> {
    let line = line.strip_suffix(b"\r\n").ok_or(ChunkError::Malformed)?;
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let (hex, ext) = line.split_at(digits);
    let significant = &hex[hex.iter().take_while(|&&b| b == b'0').count()..];
    if hex.is_empty() || significant.len() > 15 || !is_chunk_ext(ext) {
        return Err(ChunkError::Malformed);
    }
    Ok(significant.iter().fold(0u64, |n, &d| {
        n * 16 + u64::from((d as char).to_digit(16).unwrap_or(0))
    }))
}

/// `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`.
fn is_chunk_ext(mut s: &[u8]) -> bool {
    fn skip_ws(s: &[u8]) -> &[u8] {
        let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        &s[n..]
    }
    fn token(s: &[u8]) -> Option<&[u8]> {
        let n = s.iter().take_while(|&&b| super::is_tchar(b)).count();
        (n > 0).then(|| &s[n..])
    }
    fn quoted(s: &[u8]) -> Option<&[u8]> {
        let mut i = 1;
        loop {
            match *s.get(i)? {
                b'"' => return Some(&s[i + 1..]),
                b'\\' => {
                    let next = *s.get(i + 1)?;
                    if !(next == b'\t' || (b' '..=0x7e).contains(&next) || next >= 0x80) {
                        return None;
                    }
                    i += 2;
                }
                b'\t' | b' '..=0x7e | 0x80..=0xff => i += 1,
                _ => return None,
            }
        }
    }
    loop {
        // Whitespace only before a `;` (BWS), never at the end of the line.
        if s.is_empty() {
            return true;
        }
        let Some(rest) = skip_ws(s).strip_prefix(b";") else {
            return false;
        };
        let Some(rest) = token(skip_ws(rest)) else {
            return false;
        };
        s = skip_ws(rest);
        if let Some(rest) = s.strip_prefix(b"=") {
            let rest = skip_ws(rest);
            let value = if rest.first() == Some(&b'"') {
                quoted(rest)
            } else {
                token(rest)
            };
            let Some(rest) = value else {
                return false;
            };
            s = rest;
        }
    }
}

/// A trailer `field-line CRLF`: a token name, a colon, a value of visible
/// characters, spaces and tabs.
fn is_field_line(line: &[u8]) -> bool {
    let Some(line) = line.strip_suffix(b"\r\n") else {
        return false;
    };
    let name = line.iter().take_while(|&&b| super::is_tchar(b)).count();
    name > 0
        && line.get(name) == Some(&b':')
        && line[name + 1..]
            .iter()
            .all(|&b| b == b'\t' || b == b' ' || (0x21..0x7f).contains(&b) || b >= 0x80)
}

/// Parses `HEX[;ext]` up to the end of the line, as found in replies.
fn parse_size_lenient(line: &[u8]) -> Result<u64, ChunkError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let digits = line
        .split(|&b| b == b';')
        .next()
        .unwrap_or(b"")
        .trim_ascii();
    if digits.is_empty() || digits.len() > 15 {
        return Err(ChunkError::Malformed);
    }
    let mut n: u64 = 0;
    for &d in digits {
        let v = (d as char).to_digit(16).ok_or(ChunkError::Malformed)?;
        n = n * 16 + v as u64;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], max: u64) -> Result<(Vec<u8>, usize), ChunkError> {
        let mut buf = input.to_vec();
        let mut d = ChunkedDecoder::default();
        assert!(d.decode(&mut buf, max)?, "incomplete");
        Ok((buf[..d.decoded].to_vec(), d.consumed))
    }

    #[test]
    fn decodes_whole_body() {
        let input = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        let (body, consumed) = decode_all(input, 100).unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(&input[consumed..], b"NEXT");
    }

    fn decode_lenient(input: &[u8]) -> Result<Vec<u8>, ChunkError> {
        let mut buf = input.to_vec();
        let mut d = ChunkedDecoder::lenient();
        assert!(d.decode(&mut buf, 100)?, "incomplete");
        Ok(buf[..d.decoded].to_vec())
    }

    #[test]
    fn decodes_byte_by_byte() {
        let input = b"A\r\n0123456789\r\n1;a=\"x\\\"y\"\r\n!\r\n0\r\nT: v\r\n\r\n";
        let mut buf = Vec::new();
        let mut d = ChunkedDecoder::default();
        let mut done = false;
        for &b in input.iter() {
            buf.push(b);
            done = d.decode(&mut buf, 100).unwrap();
        }
        assert!(done);
        assert_eq!(&buf[..d.decoded], b"0123456789!");
        assert_eq!(d.consumed, input.len());
    }

    #[test]
    fn errors() {
        assert_eq!(decode_all(b"zz\r\n", 10).err(), Some(ChunkError::Malformed));
        assert_eq!(
            decode_all(b"5\r\nhelloXX", 10).err(),
            Some(ChunkError::Malformed)
        );
        assert_eq!(
            decode_all(b"b\r\nhello world\r\n0\r\n\r\n", 10).err(),
            Some(ChunkError::TooLarge)
        );
        assert_eq!(
            decode_all(b"ffffffffffffffffff\r\n", u64::MAX).err(),
            Some(ChunkError::Malformed)
        );
        let mut long = vec![b'1'; 5000];
        let mut d = ChunkedDecoder::default();
        assert_eq!(d.decode(&mut long, 10), Err(ChunkError::Malformed));
    }

    #[test]
    fn strict_framing() {
        let ok: &[&[u8]] = &[
            b"5\r\nhello\r\n0\r\n\r\n",
            b"00005\r\nhello\r\n000\r\n\r\n",
            b"0000000000000000000005\r\nhello\r\n0\r\n\r\n",
            b"5;a\r\nhello\r\n0\r\n\r\n",
            b"5 ; a = b ;c=\"q d\"\r\nhello\r\n0\r\n\r\n",
            b"5\t;a\r\nhello\r\n0;last\r\nT-1: x y\r\nT-2:\r\n\r\n",
        ];
        for input in ok {
            let (body, _) = decode_all(input, 100)
                .unwrap_or_else(|e| panic!("{:?}: {e:?}", String::from_utf8_lossy(input)));
            assert_eq!(body, b"hello");
        }
        let bad: &[&[u8]] = &[
            b"5\nhello\r\n0\r\n\r\n",         // bare LF after the size
            b"5\r\nhello\n0\r\n\r\n",         // bare LF after the data
            b"5\r\nhello\r\n0\n\r\n",         // bare LF after the last chunk
            b"5\r\nhello\r\n0\r\n\n",         // bare LF ending the trailers
            b"5;\nhello\r\n0\r\n\r\n",        // LF in the extension
            b"5;a\rb\r\nhello\r\n0\r\n\r\n",  // CR in the extension
            b"5\r\nhello\r\n0\r\nT: v\n\r\n", // bare LF in a trailer
            b"5\r\nhello\r\n0\r\nnocolon\r\n\r\n",
            b"5\r\nhello\r\n0\r\nT : v\r\n\r\n",
            b"5\r\nhello\r\n0\r\nT: \x01\r\n\r\n",
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"5 \r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"5_\r\nhello\r\n0\r\n\r\n",
            b"5;\r\nhello\r\n0\r\n\r\n",
            b"5;a=\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"b\r\nhello\r\n0\r\n\r\n",
            b"5;a=b c\r\nhello\r\n0\r\n\r\n",
            b"5;a b\r\nhello\r\n0\r\n\r\n",
            b"5;a=b \r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello\rX0\r\n\r\n",
            b"1000000000000000\r\n", // 16 significant digits
        ];
        for input in bad {
            assert_eq!(
                decode_all(input, u64::MAX).err(),
                Some(ChunkError::Malformed),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn replies_are_decoded_leniently() {
        assert_eq!(decode_lenient(b"5 ;x\nhello\n0\n\n").unwrap(), b"hello");
        assert_eq!(
            decode_lenient(b"5\r\nhello\r\n0\r\nT: v\r\n\r\n").unwrap(),
            b"hello"
        );
        assert_eq!(decode_lenient(b"zz\r\n").err(), Some(ChunkError::Malformed));
    }
}
