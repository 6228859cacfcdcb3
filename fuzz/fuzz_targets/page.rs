//! Any bytes as a page through the page rewriter, cut at the place the first
//! two bytes name.
#![no_main]

use cookie_consent_core::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let cut = usize::from(u16::from_le_bytes([data[0], data[1]]));
    fuzzing::page(&data[2..], cut);
});
