#![no_main]
//! See `fuzz_logic::auth0_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::auth0_json(data));
