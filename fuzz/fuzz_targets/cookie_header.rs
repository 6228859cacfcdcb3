//! A whole `Cookie` header: the one-pass scan agrees with reading pair by pair,
//! and a review over it (purges, `Vary`) never panics; read by a signing
//! policy, nothing unverified is believed.
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();
static SIGNED: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (gpc, header) = match data.split_first() {
        Some((flags, header)) => (flags & 1 == 1, header),
        None => (false, data),
    };
    fuzzing::cookie_header(POLICY.get_or_init(fuzzing::policy), header, gpc);
    fuzzing::signed_cookie_header(SIGNED.get_or_init(fuzzing::signed_policy), header);
});
