//! The attributes of one `Set-Cookie` line: the one-pass removal reader
//! agrees with the removal rules read the slow way (Chromium's rules, pinned
//! by `tests/data/cookie-lines.json`).
#![no_main]

use cookie_consent_core::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::removal(data));
