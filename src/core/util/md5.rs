//! MD5 (RFC 1321), for HTTP Digest authentication and `mg_md5`.
//!
//! MD5 is broken as a cryptographic hash; it is here only because Digest
//! authentication (RFC 2617) requires it. The hash itself is RustCrypto's
//! `md-5` (audited, and faster than the hand-written one this replaced);
//! this module adds the lower-case hex form Digest authentication uses.

use ::md5::Digest;

/// Incremental MD5 state.
#[derive(Clone, Default)]
pub struct Md5(::md5::Md5);

impl Md5 {
    pub fn new() -> Self {
        Md5::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(self) -> [u8; 16] {
        self.0.finalize().into()
    }
}

/// MD5 of `data` in one call.
pub fn digest(data: &[u8]) -> [u8; 16] {
    ::md5::Md5::digest(data).into()
}

/// The digest as 32 lowercase hex digits.
pub fn hex_lower(digest: &[u8; 16]) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (pair, &byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(data: &[u8]) -> String {
        String::from_utf8_lossy(&hex_lower(&digest(data))).into_owned()
    }

    #[test]
    fn rfc1321_vectors() {
        let vectors: &[(&str, &str)] = &[
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for &(input, want) in vectors {
            assert_eq!(hex(input.as_bytes()), want, "md5({input:?})");
        }
    }

    #[test]
    fn million_a() {
        assert_eq!(
            hex(&vec![b'a'; 1_000_000]),
            "7707d6ae4e027c70eea2a935c2296f21"
        );
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300] {
            let want = digest(&data[..len]);
            for split in [1, 3, 17, 63, 64, 65] {
                let mut md5 = Md5::new();
                for chunk in data[..len].chunks(split) {
                    md5.update(chunk);
                }
                md5.update(&[]);
                assert_eq!(md5.finish(), want, "len {len} split {split}");
            }
        }
    }

    #[test]
    fn digest_auth_example() {
        // RFC 2617 section 3.5 example: HA1, HA2 and the response.
        let ha1 = hex(b"Mufasa:testrealm@host.com:Circle Of Life");
        assert_eq!(ha1, "939e7578ed9e3c518a452acee763bce9");
        let ha2 = hex(b"GET:/dir/index.html");
        assert_eq!(ha2, "39aff3a2bab6126f332b942af96d3366");
        let resp = hex(format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
        )
        .as_bytes());
        assert_eq!(resp, "6629fae49393a05397450978507c4ef1");
    }
}
