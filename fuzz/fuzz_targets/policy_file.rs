//! A policy file, read as TOML or (first byte odd) as JSON.
#![no_main]

use cookie_consent_core::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((kind, text)) = data.split_first() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(text) {
        fuzzing::policy_file(text, kind & 1 == 1);
    }
});
