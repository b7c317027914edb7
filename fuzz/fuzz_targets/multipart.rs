#![no_main]
use libfuzzer_sys::fuzz_target;
use mongoose::core::util::multipart::parse_multipart;

fuzz_target!(|data: &[u8]| {
    let mut ofs = 0;
    while let Some((n, part)) = parse_multipart(&data[ofs..]) {
        assert!(n > 0 && ofs + n <= data.len());
        assert!(part.data.len() <= data.len());
        ofs += n;
    }
});
