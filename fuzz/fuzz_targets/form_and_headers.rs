#![no_main]
use libfuzzer_sys::fuzz_target;
use mongoose::core::util::{form, header_param, pattern, url};

fuzz_target!(|data: &[u8]| {
    let (a, b) = data.split_at(data.len() / 2);
    for len in [0usize, 1, 2, 7, 64] {
        let mut buf = vec![0u8; len];
        let _ = form::get_var(a, b, &mut buf);
        let _ = header_param::parse_header(a, b, &mut buf);
        let _ = url::url_decode(a, &mut buf, true);
        let _ = url::url_encode(a, &mut buf);
    }
    let _ = pattern::match_prefix(a, b);
});
