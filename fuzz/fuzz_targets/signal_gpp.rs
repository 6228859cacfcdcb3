//! One `gpp` cookie value (DESIGN §10): an opt-out denies the GPC category, nothing more.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|value: &[u8]| {
    fuzzing::signal_value(POLICY.get_or_init(fuzzing::signal_policy), value, false);
});
