//! WebSocket (RFC 6455), server side: the handshake key, frame headers,
//! unmasking, close payloads and outgoing frames. Pure code; the session
//! logic (events, reassembly, pings) is in `ws_session.rs`.

use base64::Engine;

/// The GUID of RFC 6455 section 1.3.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xa;

/// Close status codes we send.
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_INVALID_DATA: u16 = 1007;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;

/// `Sec-WebSocket-Accept` for a client key.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes())
}

/// A valid `Sec-WebSocket-Key` is the base64 of 16 bytes.
pub fn is_valid_key(key: &[u8]) -> bool {
    key.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(key)
            .is_ok_and(|k| k.len() == 16)
}

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// The first byte: FIN, RSV and opcode (5.4's `wsbits`).
    pub first_byte: u8,
    pub fin: bool,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    /// Header length in bytes (2..=14).
    pub header_len: usize,
    pub payload_len: u64,
}

/// Parses a client frame header at the start of `buf`. `Ok(None)` means
/// more bytes are needed; `Err(code)` is the close code to fail with.
/// Lengths are checked against `max_payload` before anything is buffered,
/// in 64-bit arithmetic (no wrap-around).
pub fn parse_header(buf: &[u8], max_payload: u64) -> Result<Option<FrameHeader>, u16> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0f;
    if b0 & 0x70 != 0 {
        return Err(CLOSE_PROTOCOL_ERROR); // RSV bits without an extension
    }
    let control = opcode & 0x08 != 0;
    if !matches!(
        opcode,
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG
    ) {
        return Err(CLOSE_PROTOCOL_ERROR);
    }
    if b1 & 0x80 == 0 {
        return Err(CLOSE_PROTOCOL_ERROR); // clients must mask
    }
    let (payload_len, mut header_len) = match b1 & 0x7f {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u16::from_be_bytes([buf[2], buf[3]]) as u64, 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            let n = u64::from_be_bytes(b);
            if n >> 63 != 0 {
                return Err(CLOSE_PROTOCOL_ERROR);
            }
            (n, 10)
        }
        n => (n as u64, 2),
    };
    if control && (!fin || payload_len > 125) {
        return Err(CLOSE_PROTOCOL_ERROR);
    }
    if payload_len > max_payload {
        return Err(CLOSE_TOO_BIG);
    }
    if buf.len() < header_len + 4 {
        return Ok(None);
    }
    let mask = [
        buf[header_len],
        buf[header_len + 1],
        buf[header_len + 2],
        buf[header_len + 3],
    ];
    header_len += 4;
    Ok(Some(FrameHeader {
        first_byte: b0,
        fin,
        opcode,
        mask: Some(mask),
        header_len,
        payload_len,
    }))
}

/// Unmasks a payload in place, eight bytes at a time (every eighth byte
/// starts the 4-byte mask afresh, so one 8-byte word of it fits them all).
pub fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let [a, b, c, d] = mask;
    let word_mask = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut words = payload.chunks_exact_mut(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word_mask).to_ne_bytes());
    }
    for (i, byte) in words.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

/// Whether a text payload is valid UTF-8. Chat and JSON traffic is mostly
/// ASCII, which `is_ascii` checks a word at a time.
pub fn is_utf8(payload: &[u8]) -> bool {
    payload.is_ascii() || std::str::from_utf8(payload).is_ok()
}

/// Checks a received CLOSE payload; returns the status code to echo, or
/// the close code to fail with.
pub fn check_close_payload(payload: &[u8]) -> Result<u16, u16> {
    match payload.len() {
        0 => Ok(CLOSE_NORMAL),
        1 => Err(CLOSE_PROTOCOL_ERROR),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            let valid = matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999);
            if !valid {
                Err(CLOSE_PROTOCOL_ERROR)
            } else if !is_utf8(&payload[2..]) {
                Err(CLOSE_INVALID_DATA)
            } else {
                Ok(code)
            }
        }
    }
}

/// Appends one unmasked, final frame.
pub fn write_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | (opcode & 0x0f));
    let len = payload.len();
    if len < 126 {
        out.push(len as u8);
    } else if len <= 0xffff {
        out.push(126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// Appends a CLOSE frame with a status code.
pub fn write_close(out: &mut Vec<u8>, code: u16) {
    write_frame(out, OP_CLOSE, &code.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_vector_from_rfc_6455() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_valid_key(b"short"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ"));
    }

    #[test]
    fn length_encodings() {
        let mut out = Vec::new();
        write_frame(&mut out, 1, b"hi");
        assert_eq!(out, b"\x81\x02hi");
        for (len, header) in [(125usize, 2usize), (126, 4), (65535, 4), (65536, 10)] {
            let mut out = Vec::new();
            write_frame(&mut out, 2, &vec![0; len]);
            assert_eq!(out.len(), header + len);
            assert_eq!(out[0], 0x82);
        }
    }

    fn masked(first: u8, len_bytes: &[u8]) -> Vec<u8> {
        let mut v = vec![first];
        v.extend_from_slice(len_bytes);
        v.extend_from_slice(&[1, 2, 3, 4]);
        v
    }

    #[test]
    fn header_parsing() {
        let h = parse_header(&masked(0x81, &[0x85]), 100).unwrap().unwrap();
        assert_eq!(
            (h.fin, h.opcode, h.header_len, h.payload_len),
            (true, 1, 6, 5)
        );
        let h = parse_header(&masked(0x02, &[0xfe, 0x01, 0x00]), 1000)
            .unwrap()
            .unwrap();
        assert_eq!((h.fin, h.header_len, h.payload_len), (false, 8, 256));
        let h = parse_header(&masked(0x82, &[0xff, 0, 0, 0, 0, 0, 1, 0, 0]), 1 << 20)
            .unwrap()
            .unwrap();
        assert_eq!((h.header_len, h.payload_len), (14, 65536));
        assert_eq!(parse_header(&[0x81], 100), Ok(None));
        assert_eq!(parse_header(&[0x81, 0xfe, 0], 100), Ok(None));
    }

    #[test]
    fn header_errors() {
        assert_eq!(
            parse_header(&[0x81, 0x05], 100),
            Err(CLOSE_PROTOCOL_ERROR),
            "unmasked"
        );
        assert_eq!(
            parse_header(&masked(0xc1, &[0x81]), 100),
            Err(CLOSE_PROTOCOL_ERROR),
            "rsv"
        );
        assert_eq!(
            parse_header(&masked(0x83, &[0x81]), 100),
            Err(CLOSE_PROTOCOL_ERROR),
            "opcode"
        );
        assert_eq!(
            parse_header(&masked(0x09, &[0x81]), 100),
            Err(CLOSE_PROTOCOL_ERROR),
            "fragmented ping"
        );
        assert_eq!(
            parse_header(&masked(0x89, &[0xfe, 0, 126]), 1000),
            Err(CLOSE_PROTOCOL_ERROR),
            "long ping"
        );
        assert_eq!(
            parse_header(&masked(0x82, &[0xfe, 0x10, 0]), 100),
            Err(CLOSE_TOO_BIG)
        );
        let huge = [0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(parse_header(&huge, 1 << 20), Err(CLOSE_TOO_BIG));
        let wrap = [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(parse_header(&wrap, u64::MAX), Err(CLOSE_PROTOCOL_ERROR));
    }

    #[test]
    fn close_payloads() {
        assert_eq!(check_close_payload(b""), Ok(1000));
        assert_eq!(check_close_payload(b"\x03"), Err(1002));
        assert_eq!(check_close_payload(b"\x03\xe8bye"), Ok(1000));
        assert_eq!(
            check_close_payload(b"\x03\xed"),
            Err(1002),
            "1005 may not be sent"
        );
        assert_eq!(check_close_payload(b"\x0f\xa0"), Ok(4000));
        assert_eq!(check_close_payload(b"\x03\xe8\xff"), Err(1007));
    }

    #[test]
    fn unmasking() {
        let mut p = *b"abcde";
        unmask(&mut p, [1, 2, 3, 4]);
        unmask(&mut p, [1, 2, 3, 4]);
        assert_eq!(&p, b"abcde");
    }

    #[test]
    fn unmasking_matches_the_bytewise_definition_at_every_length() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..40 {
            let plain: Vec<u8> = (0..len as u8)
                .map(|i| i.wrapping_mul(29).wrapping_add(7))
                .collect();
            let mut fast = plain.clone();
            unmask(&mut fast, mask);
            let slow: Vec<u8> = plain
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(fast, slow, "length {len}");
        }
    }

    #[test]
    fn utf8_check() {
        assert!(is_utf8(b""));
        assert!(is_utf8(b"plain ascii text"));
        assert!(is_utf8("h\u{e9}llo \u{1f600}".as_bytes()));
        assert!(!is_utf8(b"bad \xff byte"));
        assert!(!is_utf8(b"truncated \xe2\x82"));
        assert!(!is_utf8(b"\xed\xa0\x80")); // a UTF-16 surrogate
    }
}
