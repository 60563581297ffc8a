#![no_main]
//! See `fuzz_logic::ram_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::ram_json(data));
