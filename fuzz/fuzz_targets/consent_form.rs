//! A consent form's `POST`: headers and body split from the input by `\n`
//! (host, origin, sec-fetch-site, referer, the form, then the Cookie header).
#![no_main]

use std::sync::OnceLock;

use cookie_consent_core::{fuzzing, ConsentPost, Policy};
use libfuzzer_sys::fuzz_target;

static POLICY: OnceLock<Policy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(6, |&b| b == b'\n');
    let mut header = || parts.next().filter(|part| !part.is_empty());
    let (host, origin, sec_fetch_site, referer) = (header(), header(), header(), header());
    let form = parts.next().unwrap_or_default();
    let cookies: Vec<&[u8]> = parts.next().into_iter().collect();
    let post = ConsentPost {
        host,
        origin,
        sec_fetch_site,
        referer,
        form,
        cookies: &cookies,
        ..ConsentPost::default()
    };
    fuzzing::consent_post(POLICY.get_or_init(fuzzing::policy), &post);
});
