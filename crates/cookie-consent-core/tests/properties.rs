//! Properties that hold for any input: no panic on any bytes, essential cookies
//! and removals always kept, decisions deterministic, nothing optional without
//! consent in opt-in, and kept values a subsequence of the input.

use cookie_consent_core::adapter::ResponseHeaders;
use cookie_consent_core::{Consent, Policy, Signals, Verdict};
use proptest::prelude::*;

fn minopa() -> Policy {
    Policy::from_toml_str(include_str!("data/minopa.toml")).unwrap()
}

fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("next-auth.session-token".to_owned()),
        Just("cookie-preferences".to_owned()),
        Just("theme".to_owned()),
        Just("_ga".to_owned()),
        Just("_clck".to_owned()),
        "sentry-[a-z]{0,5}",
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
    ]
}

fn attributes() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("; Path=/".to_owned()),
            Just("; HttpOnly".to_owned()),
            Just("; Secure".to_owned()),
            Just("; SameSite=Lax".to_owned()),
            (1..100_000_000i64).prop_map(|s| format!("; Max-Age={s}")),
            Just("; Expires=Fri, 01 Jan 2100 00:00:00 GMT".to_owned()),
            "; [ -~]{0,20}",
        ],
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

/// A `Set-Cookie` value: usually well-formed, sometimes arbitrary bytes.
fn set_cookie() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (names(), "[!-~]{0,20}", attributes()).prop_map(|(n, v, a)| format!("{n}={v}{a}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// A `Cookie` header: consent values of every sort, and arbitrary bytes.
fn cookie_header() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..128),
        (any::<bool>(), any::<bool>(), 0..3u64, prop::option::of(0..2_000_000_000i64)).prop_map(
            |(functional, analytics, revision, timestamp)| {
                let timestamp = timestamp.map(|t| format!(",\"timestamp\":{t}")).unwrap_or_default();
                format!(
                    "_ga=1; cookie-preferences={{\"categories\":{{\"functional\":{functional},\"analytics\":{analytics}}},\"revision\":{revision}{timestamp}}}; theme=dark"
                )
                .into_bytes()
            }
        ),
        "[ -~]{0,200}".prop_map(String::into_bytes),
    ]
}

fn signals() -> impl Strategy<Value = Signals> {
    (any::<bool>(), any::<bool>()).prop_map(|(gpc, dnt)| Signals { gpc, dnt })
}

fn read(policy: &Policy, headers: &[Vec<u8>], signals: Signals) -> Consent {
    policy.read_consent(headers.iter().map(Vec::as_slice), signals)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_never_panic(
        headers in prop::collection::vec(cookie_header(), 0..3),
        set_cookies in prop::collection::vec(set_cookie(), 0..8),
        vary in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..2),
        gpc in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..4), 0..2),
    ) {
        let policy = minopa();
        let signals = Signals::from_headers(&gpc, &gpc);
        let consent = read(&policy, &headers, signals);
        let outcome = policy.review_response(&consent, ResponseHeaders { request_cookies: headers.iter().map(Vec::as_slice), set_cookies: &set_cookies, vary: vary.iter().map(Vec::as_slice), mark: None }, None);
        prop_assert!(outcome.stripped().all(|i| i < set_cookies.len()));
    }

    #[test]
    fn essential_cookies_and_removals_are_always_kept(
        headers in prop::collection::vec(cookie_header(), 0..3),
        signals in signals(),
        name in names(),
        essential in prop_oneof![Just("next-auth.session-token"), Just("next-auth.csrf-token"), Just("cookie-preferences")],
        value in "[!-:<-~]{0,20}",
        attributes in attributes(),
    ) {
        let policy = minopa();
        let consent = read(&policy, &headers, signals);
        let kept = format!("{essential}={value}{attributes}");
        prop_assert_eq!(policy.decide(&consent, &kept), Verdict::Keep);
        let removal = format!("{name}=; Path=/; Max-Age=0");
        prop_assert_eq!(policy.decide(&consent, &removal), Verdict::Keep);
        let expired = format!("{name}=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        prop_assert_eq!(policy.decide(&consent, &expired), Verdict::Keep);
    }

    #[test]
    fn deciding_twice_gives_the_same_result(
        headers in prop::collection::vec(cookie_header(), 0..3),
        signals in signals(),
        set_cookies in prop::collection::vec(set_cookie(), 0..8),
    ) {
        let policy = minopa();
        let first = read(&policy, &headers, signals);
        let second = read(&policy, &headers, signals);
        prop_assert_eq!(first.state(), second.state());
        prop_assert_eq!(first.granted_set(), second.granted_set());
        for value in &set_cookies {
            prop_assert_eq!(policy.decide(&first, value), policy.decide(&second, value));
        }
        let review = |consent: &Consent| policy.review_response(consent, ResponseHeaders { request_cookies: headers.iter().map(Vec::as_slice), set_cookies: &set_cookies, vary: [""; 0], mark: None }, None);
        prop_assert_eq!(review(&first), review(&second));
    }

    #[test]
    fn without_consent_no_optional_cookie_survives_in_opt_in(
        other_cookies in "[ -~]{0,100}",
        signals in signals(),
        set_cookies in prop::collection::vec(set_cookie(), 0..8),
    ) {
        let policy = minopa();
        // Whatever else the request carries, it has no consent cookie.
        let header = other_cookies.replace("cookie-preferences", "x");
        let consent = policy.read_consent([header.as_str()], signals);
        let outcome = policy.review_response(&consent, ResponseHeaders { request_cookies: [header.as_str()], set_cookies: &set_cookies, vary: [""; 0], mark: None }, None);
        for (index, value) in set_cookies.iter().enumerate() {
            if !outcome.keeps(index) {
                continue;
            }
            // A kept value is essential, the consent cookie, or a removal.
            let text = String::from_utf8_lossy(value);
            let cookie = cookie::Cookie::parse(text.as_ref()).unwrap();
            let category = policy.rule_for(cookie.name()).map(|r| r.category.as_str());
            let removal = cookie.max_age().is_some_and(|d| d.is_zero() || d.is_negative())
                || (cookie.max_age().is_none() && cookie.expires_datetime().is_some_and(|t| t < cookie::time::OffsetDateTime::now_utc()));
            prop_assert!(category == Some("essential") || removal, "kept {text}");
        }
    }

    #[test]
    fn kept_values_are_an_ordered_subsequence(
        headers in prop::collection::vec(cookie_header(), 0..3),
        // Past 64 values too: the first 64 are kept as bits, the rest in a list.
        set_cookies in prop::collection::vec(set_cookie(), 0..72),
    ) {
        let policy = minopa();
        let consent = read(&policy, &headers, Signals::default());
        let outcome = policy.review_response(&consent, ResponseHeaders { request_cookies: headers.iter().map(Vec::as_slice), set_cookies: &set_cookies, vary: [""; 0], mark: None }, None);
        let stripped: Vec<usize> = outcome.stripped().collect();
        prop_assert!(stripped.windows(2).all(|w| w[0] < w[1]), "indices ascend: {:?}", stripped);
        let kept: Vec<usize> = (0..set_cookies.len()).filter(|&i| outcome.keeps(i)).collect();
        prop_assert_eq!(kept.len() + stripped.len(), set_cookies.len());
        prop_assert!(kept.iter().all(|i| stripped.binary_search(i).is_err()));
    }
}
