//! The review of whole responses.

use std::sync::Mutex;

use super::*;
use crate::consent::{ConsentChoice, ConsentState, Signals};
use crate::decision::{StripReason, Verdict};
use crate::event::Event;

const POLICY: &str = r#"
    [[categories]]
    id = "functional"
    [[categories]]
    id = "analytics"
    [[cookies]]
    name = "session"
    category = "essential"
    [[cookies]]
    name = "theme"
    category = "functional"
    path = "/app"
    [[cookies]]
    name = "_ga"
    category = "analytics"
    domain = ".example.com"
    [[cookies]]
    name = "_gid"
    category = "analytics"
    [[cookies]]
    name = "sentry-*"
    category = "analytics"
"#;

fn policy(settings: &str) -> Policy {
    Policy::from_toml_str(&format!("{settings}\n{POLICY}")).unwrap()
}

const ALL: &str = r#"cookie-preferences={"categories":{"functional":true,"analytics":true}}"#;
const NONE: &str = r#"cookie-preferences={"categories":{}}"#;

fn review(p: &Policy, cookie: &str, set_cookies: &[&str], vary: &[&str]) -> Review {
    let consent = p.read_consent([cookie], Signals::default());
    let headers = ResponseHeaders {
        request_cookies: [cookie],
        set_cookies,
        vary,
        mark: None,
    };
    p.review_response(&consent, headers, None)
}

/// The headers of a response whose `Vary` is empty.
fn plain<'m, C, S>(request_cookies: C, set_cookies: S) -> ResponseHeaders<'m, C, S, [&'m str; 0]> {
    ResponseHeaders {
        request_cookies,
        set_cookies,
        vary: [],
        mark: None,
    }
}

fn kept<'a>(outcome: &Review, set_cookies: &[&'a str]) -> Vec<&'a str> {
    set_cookies
        .iter()
        .enumerate()
        .filter(|(i, _)| outcome.keeps(*i))
        .map(|(_, v)| *v)
        .collect()
}

#[test]
fn kept_values_stay_in_order_and_stripped_ones_go() {
    let p = policy("");
    let set = [
        "session=1",
        "_ga=2",
        "theme=3",
        "x=4",
        "session=5; Max-Age=0",
    ];
    let outcome = review(&p, "", &set, &[]);
    assert_eq!(kept(&outcome, &set), ["session=1", "session=5; Max-Age=0"]);
    assert_eq!(outcome.stripped().collect::<Vec<_>>(), [1, 2, 3]);
    assert!(outcome.add_vary());
}

#[test]
fn values_past_the_sixty_fourth_are_judged_alike() {
    let p = policy("");
    let set: Vec<String> = (0..70)
        .map(|i| format!("{}={i}", ["session", "_ga", "theme"][i % 3]))
        .collect();
    let set: Vec<&str> = set.iter().map(String::as_str).collect();
    let outcome = review(&p, "", &set, &[]);
    let expected: Vec<usize> = (0..70).filter(|i| i % 3 != 0).collect();
    assert_eq!(outcome.stripped().collect::<Vec<_>>(), expected);
    assert!(outcome.keeps(63) && !outcome.keeps(64) && !outcome.keeps(65) && outcome.keeps(66));
    assert!(!outcome.keeps(68) && outcome.keeps(69) && outcome.keeps(1000));
}

#[test]
fn a_response_without_set_cookie_and_all_granted_changes_nothing() {
    let p = policy("");
    let outcome = review(&p, &format!("{ALL}; _ga=1"), &[], &[]);
    assert!(outcome.leaves_headers_unchanged());
    assert_eq!(outcome.consent_state(), ConsentState::Valid);
}

#[test]
fn the_consent_set_by_the_response_is_in_force() {
    let p = policy("");
    let accept = p.write_consent(&ConsentChoice::AcceptAll);
    let reject = p.write_consent(&ConsentChoice::RejectOptional);
    // No consent in the request, but the response records acceptance.
    let set = [accept.as_str(), "_ga=1"];
    let outcome = review(&p, "", &set, &[]);
    assert_eq!(kept(&outcome, &set), set);
    assert_eq!(outcome.consent_state(), ConsentState::Valid);
    // Everything granted in the request, but the response withdraws it: strip and purge at once.
    let set = [reject.as_str(), "_ga=1"];
    let outcome = review(&p, &format!("{ALL}; _gid=1"), &set, &[]);
    assert_eq!(kept(&outcome, &set), [reject.as_str()]);
    assert_eq!(outcome.purges(), ["_gid=; Max-Age=0; Path=/"]);
    // The last consent cookie of the response wins.
    let set = [reject.as_str(), accept.as_str(), "_ga=1"];
    assert!(review(&p, "", &set, &[]).keeps(2));
}

#[test]
fn a_response_that_removes_the_consent_cookie_is_judged_as_missing() {
    let p = policy("");
    let reset = p.write_consent(&ConsentChoice::Reset);
    let set = [reset.as_str(), "theme=1"];
    let outcome = review(&p, ALL, &set, &[]);
    assert_eq!(outcome.consent_state(), ConsentState::Missing);
    assert_eq!(kept(&outcome, &set), [reset.as_str()]);
}

#[test]
fn purge_expires_declared_cookies_no_longer_granted() {
    let p = policy("");
    let cookie = format!("{NONE}; _ga=1; theme=2; session=3; unknown=4; sentry-abc=5");
    let outcome = review(&p, &cookie, &[], &[]);
    assert_eq!(
        outcome.purges(),
        [
            "_ga=; Max-Age=0; Path=/",
            "_ga=; Max-Age=0; Path=/; Domain=.example.com",
            "theme=; Max-Age=0; Path=/app",
            "sentry-abc=; Max-Age=0; Path=/",
        ]
    );
    assert!(outcome.add_vary());
}

#[test]
fn purge_skips_granted_essential_undeclared_and_what_the_response_sets() {
    let p = policy("");
    let analytics = r#"cookie-preferences={"categories":{"analytics":true}}"#;
    let cookie = format!("{analytics}; _ga=1; theme=2; session=3; unknown=4");
    // theme is not granted, but the response already removes it.
    let outcome = review(&p, &cookie, &["theme=; Max-Age=0; Path=/app"], &[]);
    assert!(outcome.purges().is_empty(), "{:?}", outcome.purges());
    assert!(!outcome.add_vary());
}

#[test]
fn a_stripped_set_cookie_does_not_stop_the_purge_of_its_name() {
    let p = policy("");
    let outcome = review(&p, &format!("{NONE}; _gid=old"), &["_gid=new"], &[]);
    assert_eq!(outcome.stripped().collect::<Vec<_>>(), [0]);
    assert_eq!(outcome.purges(), ["_gid=; Max-Age=0; Path=/"]);
}

#[test]
fn purge_is_capped_deduplicated_and_only_for_token_names() {
    let p = policy("max_purge = 3");
    let cookie = format!("{NONE}; _gid=1; _gid=2; sentry-a=1; sentry-b=2; sentry-c=3; sentry-d=4");
    let outcome = review(&p, &cookie, &[], &[]);
    assert_eq!(
        outcome.purges(),
        [
            "_gid=; Max-Age=0; Path=/",
            "sentry-a=; Max-Age=0; Path=/",
            "sentry-b=; Max-Age=0; Path=/"
        ]
    );
    let cookie = format!("{NONE}; sentry-a b=1; sentry-\u{e9}=2; sentry-(=3");
    assert!(review(&p, &cookie, &[], &[]).purges().is_empty());
    let zero = policy("max_purge = 0");
    assert!(review(&zero, &format!("{NONE}; _gid=1"), &[], &[])
        .purges()
        .is_empty());
}

#[test]
fn vary_is_added_once_and_only_when_consent_mattered() {
    let p = policy("");
    assert!(review(&p, "", &["_ga=1"], &[]).add_vary());
    assert!(
        review(&p, ALL, &["_ga=1"], &["Accept-Encoding"]).add_vary(),
        "kept by consent still depends on it"
    );
    assert!(!review(&p, "", &["_ga=1"], &["accept-encoding, Cookie"]).add_vary());
    assert!(!review(&p, "", &["_ga=1"], &["*"]).add_vary());
    assert!(!review(&p, "", &["session=1", "x=1", "_ga=; Max-Age=0"], &[]).add_vary());
    assert!(!review(&policy("vary = false"), "", &["_ga=1"], &[]).add_vary());
}

#[test]
fn report_only_decides_and_reports_but_changes_nothing() {
    let p = policy("enforcement = \"report-only\"");
    let events = Mutex::new(Vec::new());
    let observer = |event: &Event<'_>| events.lock().unwrap().push(format!("{event:?}"));
    let cookie = format!("{NONE}; _gid=1");
    let consent = p.read_consent([cookie.as_str()], Signals::default());
    let outcome = p.review_response(
        &consent,
        plain([cookie.as_str()], ["_ga=1"]),
        Some(&observer),
    );
    assert!(outcome.leaves_headers_unchanged());
    assert_eq!(
        *events.lock().unwrap(),
        [
            r#"Stripped { name: "_ga", category: Some("analytics"), reason: NotGranted, enforced: false }"#,
            r#"Purged { name: "_gid", category: "analytics", enforced: false }"#,
        ]
    );
}

#[test]
fn the_observer_sees_every_decision() {
    let p = policy("");
    let events = Mutex::new(Vec::new());
    let observer = |event: &Event<'_>| events.lock().unwrap().push(format!("{event:?}"));
    let consent = p.read_consent([ALL], Signals::default());
    p.review_response(
        &consent,
        plain([ALL], ["session=1", "_ga=1", "odd=1", "broken"]),
        Some(&observer),
    );
    assert_eq!(
        *events.lock().unwrap(),
        [
            r#"Kept { name: "session", category: Some("essential") }"#,
            r#"Kept { name: "_ga", category: Some("analytics") }"#,
            r#"Undeclared { name: "odd" }"#,
            r#"Stripped { name: "odd", category: None, reason: Undeclared, enforced: true }"#,
            r#"Stripped { name: "", category: None, reason: Malformed, enforced: true }"#,
        ]
    );
}

#[test]
fn gpc_from_the_request_applies_to_consent_set_by_the_response() {
    let p = Policy::from_toml_str("[[categories]]\nid = \"ads\"\nhonor_gpc = true\n[[cookies]]\nname = \"ad\"\ncategory = \"ads\"").unwrap();
    let accept = p.write_consent(&ConsentChoice::AcceptAll);
    let consent = p.read_consent(
        [""; 0],
        Signals {
            gpc: true,
            dnt: false,
        },
    );
    let outcome = p.review_response(&consent, plain([""; 0], [accept.as_str(), "ad=1"]), None);
    assert!(outcome.keeps(0) && !outcome.keeps(1));
}

#[test]
fn a_consent_from_another_policy_is_matched_by_category_id() {
    let site = policy("");
    let billing = site
        .to_builder()
        .cookie(crate::CookieRule::new("__stripe_mid", "essential"))
        .build()
        .unwrap();
    let consent = site.read_consent(
        [r#"cookie-preferences={"categories":{"analytics":true}}"#],
        Signals::default(),
    );
    let outcome = billing.review_response(
        &consent,
        plain([""; 0], ["__stripe_mid=1", "_ga=1", "theme=1"]),
        None,
    );
    assert_eq!(outcome.stripped().collect::<Vec<_>>(), [2]);
    assert_eq!(
        billing.decide(&consent, "theme=1"),
        Verdict::Strip {
            name: "theme",
            category: Some("functional"),
            reason: StripReason::NotGranted
        }
    );
}
