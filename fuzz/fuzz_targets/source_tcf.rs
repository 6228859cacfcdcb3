//! One value of the `tcf` source's cookie (a TC string), read alone and duplicated.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|value: &[u8]| {
    fuzzing::source_value(POLICY.get_or_init(|| fuzzing::source_policy("tcf")), value);
});
