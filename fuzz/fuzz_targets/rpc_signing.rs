#![no_main]
//! See `fuzz_logic::rpc_signing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_logic::rpc_signing(data));
