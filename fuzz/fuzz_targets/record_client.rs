//! What a consent record keeps of the client: a forwarding header's address,
//! `User-Agent`, and the texts `records export` is asked with.
#![no_main]

use cookie_consent_core::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzzing::record_client(data));
