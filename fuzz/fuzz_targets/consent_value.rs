//! The consent cookie's value: both readers agree wherever the fast one answers.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|raw: &[u8]| {
    fuzzing::consent_value(POLICY.get_or_init(fuzzing::policy), raw);
});
