//! An `Accept-Language` header, negotiated against Minopa's policy (built-in
//! locales and its own `[locales.de]`): a locale it speaks, and pages in it.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        fuzzing::accept_language(POLICY.get_or_init(fuzzing::policy), header);
    }
});
