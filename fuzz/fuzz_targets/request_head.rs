#![no_main]
use libfuzzer_sys::fuzz_target;
use mongoose::core::http::request::RequestHead;

fuzz_target!(|data: &[u8]| {
    let mut head = RequestHead::default();
    if let Ok(true) = head.parse(data, 16384) {
        assert!(head.head_len <= data.len());
        let _ = head.uri();
    }
});
