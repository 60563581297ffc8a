#![no_main]
//! See `fuzz_logic::vercel_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::vercel_json(data));
