#![no_main]
//! See `fuzz_logic::auth0_token`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::auth0_token(data));
