#![no_main]
//! See `fuzz_logic::oss_signing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::oss_signing(data));
