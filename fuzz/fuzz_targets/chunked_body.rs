#![no_main]
use libfuzzer_sys::fuzz_target;
use mongoose::core::http::chunked::ChunkedDecoder;

fuzz_target!(|data: &[u8]| {
    // Feed the input in two pieces, as a socket would.
    let split = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut buf = data[..split].to_vec();
    let mut d = ChunkedDecoder::default();
    if d.decode(&mut buf, 1 << 20).is_ok() {
        buf.extend_from_slice(&data[split..]);
        let _ = d.decode(&mut buf, 1 << 20);
    }
    assert!(d.decoded <= d.consumed.max(d.decoded));
});
