//! Websocket framing for tests: masked client frames and reading the
//! server's (unmasked) frames.

use std::io::Read;
use std::net::TcpStream;

/// The mask of every client frame the tests send.
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A client frame: `first` is FIN/RSV/opcode, `len_bytes` the length
/// field as sent (b1 without the mask bit, plus any extended length),
/// masked with MASK when `masked`.
pub fn frame_raw(first: u8, len_bytes: &[u8], payload: &[u8], masked: bool) -> Vec<u8> {
    let mut v = vec![first, len_bytes[0] | if masked { 0x80 } else { 0 }];
    v.extend_from_slice(&len_bytes[1..]);
    if masked {
        v.extend_from_slice(&MASK);
        v.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    } else {
        v.extend_from_slice(payload);
    }
    v
}

/// The length field for `len` in the shortest encoding.
pub fn len_field(len: usize) -> Vec<u8> {
    if len < 126 {
        vec![len as u8]
    } else if len <= 0xffff {
        let mut v = vec![126];
        v.extend_from_slice(&(len as u16).to_be_bytes());
        v
    } else {
        let mut v = vec![127];
        v.extend_from_slice(&(len as u64).to_be_bytes());
        v
    }
}

/// A masked client frame.
pub fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    frame_raw(first, &len_field(payload.len()), payload, true)
}

/// Reads one server frame: (first byte, payload). Server frames must not
/// be masked.
pub fn read_frame(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).expect("read frame header");
    assert_eq!(h[1] & 0x80, 0, "server frames must not be masked");
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).unwrap();
            u16::from_be_bytes(b) as usize
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).unwrap();
            u64::from_be_bytes(b) as usize
        }
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).expect("read frame payload");
    (h[0], payload)
}
