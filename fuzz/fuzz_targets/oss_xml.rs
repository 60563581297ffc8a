#![no_main]
//! See `fuzz_logic::oss_xml`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::oss_xml(data));
