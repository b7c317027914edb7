//! Incremental, in-place decoder for `Transfer-Encoding: chunked` request
//! bodies. The decoded body is compacted to the front of the body area of
//! the receive buffer, so the handler sees one contiguous `content`.

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

/// Decoder state for one request body.
#[derive(Default, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// Decoded body bytes, at `body[..decoded]`.
    pub decoded: usize,
    /// Raw bytes consumed, at `body[..consumed]` before decoding.
    pub consumed: usize,
    trailer_bytes: usize,
}

impl ChunkedDecoder {
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
                    let size = parse_size(&body[self.consumed..self.consumed + line])?;
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
                        [b'\n', ..] => self.consumed += 1,
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
                    if text == b"\r\n" || text == b"\n" {
                        self.state = State::Done;
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

/// Parses `HEX[;ext]\r\n`.
fn parse_size(line: &[u8]) -> Result<u64, ChunkError> {
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

    #[test]
    fn decodes_byte_by_byte() {
        let input = b"A\r\n0123456789\r\n1\n!\n0\n\n";
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
}
