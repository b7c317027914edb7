//! WebSocket framing (RFC 6455), server side.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
