//! One `Set-Cookie` value: the judge agrees with the design's steps, and its
//! attributes with the removal rules. The first line of the input says what is granted.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (granted, value) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b""[..], data),
    };
    fuzzing::set_cookie(POLICY.get_or_init(fuzzing::policy), value, granted);
});
