use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::strategy::Strategy;

use super::*;
use crate::clock::Now;
use crate::decision::StripReason;
use crate::syntax::cookie_pairs;

impl Consent {
    /// Why the category at `index` is refused, as the decision says it.
    fn refusal(&self, policy: &Policy, index: usize) -> StripReason {
        crate::decision::refusal(self, policy, index)
    }
}

const NOW: i64 = 1_763_800_000;
const DAY: i64 = 86_400;

const CATEGORIES: &str = r#"
[[categories]]
id = "functional"
[[categories]]
id = "analytics"
[[categories]]
id = "marketing"
honor_gpc = true
"#;

fn policy(settings: &str) -> Policy {
    Policy::from_toml_str(&format!("{settings}\n{CATEGORIES}")).unwrap()
}

/// A `Cookie` header carrying `json` as the consent cookie, encoded as a browser does.
fn cookie(json: &str) -> String {
    format!(
        "cookie-preferences={}",
        utf8_percent_encode(json, NON_ALPHANUMERIC)
    )
}

fn read(policy: &Policy, headers: &[&str]) -> Consent {
    policy.read_consent_at(headers, Signals::default(), NOW)
}

fn granted(consent: &Consent) -> Vec<&str> {
    consent.granted().collect()
}

const ANALYTICS_ONLY: &str = r#"{"categories":{"functional":false,"analytics":true,"marketing":false},"revision":1,"timestamp":1763790000}"#;

#[test]
fn opt_in_missing_grants_essential_only() {
    let consent = read(&policy("revision = 1"), &["session=1"]);
    assert_eq!(consent.state(), ConsentState::Missing);
    assert_eq!(granted(&consent), ["essential"]);
    assert!(consent.needs_prompt());
    assert!(consent.allows("essential") && !consent.allows("analytics"));
}

#[test]
fn opt_in_valid_grants_as_recorded() {
    let consent = read(&policy("revision = 1"), &[&cookie(ANALYTICS_ONLY)]);
    assert_eq!(consent.state(), ConsentState::Valid);
    assert_eq!(granted(&consent), ["essential", "analytics"]);
    assert!(!consent.needs_prompt());
}

#[test]
fn opt_in_outdated_grants_essential_only() {
    let consent = read(&policy("revision = 2"), &[&cookie(ANALYTICS_ONLY)]);
    assert_eq!(consent.state(), ConsentState::Outdated);
    assert_eq!(granted(&consent), ["essential"]);
    assert!(consent.needs_prompt());
}

#[test]
fn opt_in_expired_grants_essential_only() {
    let p = policy("revision = 1\nconsent_max_age_days = 30");
    let old = format!(
        r#"{{"categories":{{"analytics":true}},"revision":1,"timestamp":{}}}"#,
        NOW - 31 * DAY
    );
    let consent = read(&p, &[&cookie(&old)]);
    assert_eq!(consent.state(), ConsentState::Expired);
    assert_eq!(granted(&consent), ["essential"]);
    // Within the maximum age it is valid.
    let recent = format!(
        r#"{{"categories":{{"analytics":true}},"revision":1,"timestamp":{}}}"#,
        NOW - 29 * DAY
    );
    assert_eq!(read(&p, &[&cookie(&recent)]).state(), ConsentState::Valid);
}

#[test]
fn undated_consent_is_expired_when_a_maximum_age_is_set() {
    let p = policy("consent_max_age_days = 30");
    let consent = read(&p, &[&cookie(r#"{"categories":{"analytics":true}}"#)]);
    assert_eq!(consent.state(), ConsentState::Expired);
    let p = policy("");
    assert_eq!(
        read(&p, &[&cookie(r#"{"categories":{"analytics":true}}"#)]).state(),
        ConsentState::Valid
    );
}

#[test]
fn opt_in_invalid_grants_essential_only() {
    let consent = read(&policy(""), &["cookie-preferences=not-json"]);
    assert_eq!(consent.state(), ConsentState::Invalid);
    assert_eq!(granted(&consent), ["essential"]);
}

#[test]
fn a_timestamp_over_a_day_ahead_is_invalid() {
    let p = policy("");
    let at = |t: i64| {
        cookie(&format!(
            r#"{{"categories":{{"analytics":true}},"timestamp":{t}}}"#
        ))
    };
    assert_eq!(
        read(&p, &[&at(NOW + DAY + 1)]).state(),
        ConsentState::Invalid
    );
    assert_eq!(read(&p, &[&at(NOW + DAY - 1)]).state(), ConsentState::Valid);
}

#[test]
fn a_timestamp_in_milliseconds_is_read_as_date_now_meant_it() {
    let p = policy("consent_max_age_days = 30");
    let at = |t: i64| {
        cookie(&format!(
            r#"{{"categories":{{"analytics":true}},"timestamp":{t}}}"#
        ))
    };
    // `Date.now()` in a banner script: milliseconds.
    assert_eq!(read(&p, &[&at(NOW * 1000)]).state(), ConsentState::Valid);
    assert_eq!(
        read(&p, &[&at((NOW - 31 * DAY) * 1000)]).state(),
        ConsentState::Expired
    );
    assert_eq!(
        read(&p, &[&at((NOW + 2 * DAY) * 1000)]).state(),
        ConsentState::Invalid
    );
    // Far ahead in seconds is in the future, however it could be read.
    for far in [100_000_000_000, 500_000_000_000, 999_999_999_999] {
        assert_eq!(
            read(&p, &[&at(far)]).state(),
            ConsentState::Invalid,
            "{far}"
        );
    }
}

#[test]
fn opt_out_rows_of_the_state_table() {
    let p = policy("mode = \"opt-out\"\nrevision = 2\nconsent_max_age_days = 30");
    let all = ["essential", "functional", "analytics", "marketing"];
    let missing = read(&p, &[]);
    assert_eq!(
        (missing.state(), granted(&missing)),
        (ConsentState::Missing, all.to_vec())
    );

    let refuse_analytics = |revision: u64, timestamp: i64| {
        cookie(&format!(
            r#"{{"categories":{{"analytics":false}},"revision":{revision},"timestamp":{timestamp}}}"#
        ))
    };
    let recorded = vec!["essential", "functional", "marketing"];
    let valid = read(&p, &[&refuse_analytics(2, NOW)]);
    assert_eq!(
        (valid.state(), granted(&valid)),
        (ConsentState::Valid, recorded.clone())
    );
    // An opt-out stands even when outdated or expired.
    let outdated = read(&p, &[&refuse_analytics(1, NOW)]);
    assert_eq!(
        (outdated.state(), granted(&outdated)),
        (ConsentState::Outdated, recorded.clone())
    );
    let expired = read(&p, &[&refuse_analytics(2, NOW - 40 * DAY)]);
    assert_eq!(
        (expired.state(), granted(&expired)),
        (ConsentState::Expired, recorded)
    );
    let invalid = read(&p, &["cookie-preferences=%7B"]);
    assert_eq!(
        (invalid.state(), granted(&invalid)),
        (ConsentState::Invalid, vec!["essential"])
    );
}

#[test]
fn essential_is_granted_whatever_the_cookie_says() {
    let consent = read(
        &policy(""),
        &[&cookie(
            r#"{"categories":{"essential":false,"analytics":true}}"#,
        )],
    );
    assert_eq!(granted(&consent), ["essential", "analytics"]);
}

#[test]
fn unknown_ids_and_fields_are_ignored() {
    let json =
        r#"{"categories":{"ads":true,"analytics":true},"version":"2","extra":[1,{"a":null}]}"#;
    let consent = read(&policy(""), &[&cookie(json)]);
    assert_eq!(
        (consent.state(), granted(&consent)),
        (ConsentState::Valid, vec!["essential", "analytics"])
    );
    assert!(!consent.allows("ads"));
}

#[test]
fn malformed_values_are_invalid() {
    let p = policy("");
    for json in [
        "[]",
        "\"x\"",
        "{}",
        r#"{"categories":[]}"#,
        r#"{"categories":{"analytics":"yes"}}"#,
        r#"{"categories":{"analytics":1}}"#,
        r#"{"categories":{"analytics":true},"revision":-1}"#,
        r#"{"categories":{"analytics":true},"revision":1.5}"#,
        r#"{"categories":{"analytics":true},"timestamp":1.5}"#,
        r#"{"categories":{"analytics":true},"timestamp":"yesterday"}"#,
        r#"{"categories":{"analytics":true},"categories":{"analytics":true}}"#,
        r#"{"categories":{"analytics":true}} trailing"#,
        r#"{"categories":{"analytics":true}"#,
    ] {
        assert_eq!(
            read(&p, &[&cookie(json)]).state(),
            ConsentState::Invalid,
            "{json}"
        );
    }
    assert_eq!(
        read(&p, &["cookie-preferences="]).state(),
        ConsentState::Invalid
    );
}

#[test]
fn quoted_raw_and_encoded_values_are_read() {
    let p = policy("");
    let json = r#"{"categories":{"analytics":true}}"#;
    let encoded = utf8_percent_encode(json, NON_ALPHANUMERIC).to_string();
    for header in [
        format!("cookie-preferences={encoded}"),
        format!("cookie-preferences=\"{encoded}\""),
        format!("cookie-preferences={json}"),
        format!("a=1;cookie-preferences={encoded} ; b=2"),
    ] {
        let consent = read(&p, &[&header]);
        assert_eq!(
            (consent.state(), granted(&consent)),
            (ConsentState::Valid, vec!["essential", "analytics"]),
            "{header}"
        );
    }
}

#[test]
fn values_are_percent_decoded_once_and_plus_stays_plus() {
    let p = policy("");
    // `+` in the offset must survive decoding, or the date would not parse.
    let json = r#"{"categories":{"analytics":true},"timestamp":"2025-11-22T08:00:00+01:00"}"#;
    let encoded = json
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace('"', "%22");
    assert!(encoded.contains('+'));
    let consent = read(&p, &[&format!("cookie-preferences={encoded}")]);
    assert_eq!(consent.state(), ConsentState::Valid);
    // Encoded twice is not decoded twice.
    let twice = utf8_percent_encode(&encoded, NON_ALPHANUMERIC).to_string();
    assert_eq!(
        read(&p, &[&format!("cookie-preferences={twice}")]).state(),
        ConsentState::Invalid
    );
}

#[test]
fn rfc3339_timestamps_are_read() {
    let p = policy("consent_max_age_days = 1");
    let json = r#"{"categories":{"analytics":true},"timestamp":"2025-11-22T08:00:00Z"}"#;
    // 2025-11-22T08:00:00Z is 1763798400, within a day of NOW.
    assert_eq!(read(&p, &[&cookie(json)]).state(), ConsentState::Valid);
}

#[test]
fn oversize_values_are_invalid() {
    let p = policy("");
    let padding = |n: usize| {
        format!(
            r#"{{"categories":{{"analytics":true}},"pad":"{}"}}"#,
            "x".repeat(n)
        )
    };
    let base = padding(0).len();
    let at_limit = padding(4096 - base);
    assert_eq!(at_limit.len(), 4096);
    assert_eq!(
        read(&p, &[&format!("cookie-preferences={at_limit}")]).state(),
        ConsentState::Valid
    );
    let over = padding(4097 - base);
    assert_eq!(
        read(&p, &[&format!("cookie-preferences={over}")]).state(),
        ConsentState::Invalid
    );
    let huge = format!("cookie-preferences={}", "%7B".repeat(100_000));
    assert_eq!(read(&p, &[&huge]).state(), ConsentState::Invalid);
}

#[test]
fn non_utf8_bytes_are_invalid_and_do_not_hide_other_cookies() {
    let p = policy("");
    let bad: &[u8] = b"cookie-preferences={\"categories\":{\"analytics\":\xff}}";
    assert_eq!(
        p.read_consent_at([bad], Signals::default(), NOW).state(),
        ConsentState::Invalid
    );
    let mut header = b"junk=\xff\xfe; ".to_vec();
    header.extend_from_slice(cookie(ANALYTICS_ONLY).as_bytes());
    let consent = p.read_consent_at([header.as_slice()], Signals::default(), NOW);
    assert_eq!(consent.state(), ConsentState::Valid);
}

#[test]
fn several_consent_cookies_intersect_and_the_worst_state_wins() {
    let p = policy("revision = 1");
    let both = cookie(r#"{"categories":{"functional":true,"analytics":true},"revision":1}"#);
    let analytics = cookie(r#"{"categories":{"analytics":true},"revision":1}"#);
    // Two Cookie headers (HTTP/2 crumbs).
    let consent = read(&p, &[&both, &analytics]);
    assert_eq!(
        (consent.state(), granted(&consent)),
        (ConsentState::Valid, vec!["essential", "analytics"])
    );
    // Duplicate names in one header.
    let consent = read(&p, &[&format!("{both}; {analytics}")]);
    assert_eq!(granted(&consent), ["essential", "analytics"]);
    // One outdated: outdated, so essential only in opt-in.
    let old = cookie(r#"{"categories":{"analytics":true},"revision":0}"#);
    assert_eq!(read(&p, &[&both, &old]).state(), ConsentState::Outdated);
    assert_eq!(
        read(&p, &[&both, "cookie-preferences=x", &old]).state(),
        ConsentState::Invalid
    );
    // In opt-out the intersection of recorded grants shows.
    let p = policy("mode = \"opt-out\"");
    let no_analytics = cookie(r#"{"categories":{"analytics":false}}"#);
    let no_functional = cookie(r#"{"categories":{"functional":false}}"#);
    assert_eq!(
        granted(&read(&p, &[&no_analytics, &no_functional])),
        ["essential", "marketing"]
    );
}

#[test]
fn gpc_denies_categories_that_honor_it() {
    let p = policy("");
    let all = cookie(r#"{"categories":{"functional":true,"analytics":true,"marketing":true}}"#);
    let signals = Signals {
        gpc: true,
        dnt: false,
    };
    let consent = p.read_consent_at([all.as_str()], signals, NOW);
    assert_eq!(granted(&consent), ["essential", "functional", "analytics"]);
    assert_eq!(consent.refusal(&p, 3), StripReason::Gpc);
    assert!(consent.signals().gpc);
}

#[test]
fn dnt_counts_only_when_honoured() {
    let all = cookie(r#"{"categories":{"functional":true,"analytics":true,"marketing":true}}"#);
    let dnt = Signals {
        gpc: false,
        dnt: true,
    };
    let ignored = policy("").read_consent_at([all.as_str()], dnt, NOW);
    assert!(ignored.allows("marketing"));
    assert!(!ignored.signals().dnt);
    let p = policy("honor_dnt = true");
    let honoured = p.read_consent_at([all.as_str()], dnt, NOW);
    assert!(!honoured.allows("marketing"));
    assert_eq!(honoured.refusal(&p, 3), StripReason::Dnt);
}

#[test]
fn refusal_reasons_follow_the_state() {
    let p = policy("revision = 1");
    assert_eq!(read(&p, &[]).refusal(&p, 2), StripReason::Missing);
    assert_eq!(
        read(&p, &["cookie-preferences=x"]).refusal(&p, 2),
        StripReason::Invalid
    );
    let old = cookie(r#"{"categories":{"analytics":true},"revision":0}"#);
    assert_eq!(read(&p, &[&old]).refusal(&p, 2), StripReason::Outdated);
    let valid = read(&p, &[&cookie(ANALYTICS_ONLY)]);
    assert_eq!(valid.refusal(&p, 1), StripReason::NotGranted);
    let p = policy("revision = 1\nconsent_max_age_days = 1");
    let expired = cookie(r#"{"categories":{"analytics":true},"revision":1,"timestamp":1}"#);
    assert_eq!(read(&p, &[&expired]).refusal(&p, 2), StripReason::Expired);
    // A signal on a category that is not granted anyway reports the state.
    let missing_gpc = p.read_consent_at(
        [""; 0],
        Signals {
            gpc: true,
            dnt: false,
        },
        NOW,
    );
    assert_eq!(missing_gpc.refusal(&p, 3), StripReason::Missing);
}

#[test]
fn signals_are_read_from_headers() {
    let none: [&str; 0] = [];
    assert_eq!(
        Signals::from_headers(["1"], none),
        Signals {
            gpc: true,
            dnt: false
        }
    );
    assert_eq!(
        Signals::from_headers([" 1\t"], ["1"]),
        Signals {
            gpc: true,
            dnt: true
        }
    );
    assert_eq!(
        Signals::from_headers(["0", "1"], none),
        Signals {
            gpc: true,
            dnt: false
        }
    );
    for value in ["0", "", "1,1", "true", "01", "1 1"] {
        assert!(!Signals::from_headers([value], none).gpc, "{value:?}");
    }
    assert!(!Signals::from_headers([b"\xff1".as_slice()], none).gpc);
}

#[test]
fn written_consent_reads_back() {
    let p = policy("revision = 4\nconsent_max_age_days = 10");
    let read_back = |choice: &ConsentChoice| {
        let set_cookie = p.write_consent_at(choice, NOW);
        let pair = set_cookie.split(';').next().unwrap().to_owned();
        read(&p, &[&pair])
    };
    let all = read_back(&ConsentChoice::AcceptAll);
    assert_eq!(
        (all.state(), granted(&all)),
        (
            ConsentState::Valid,
            vec!["essential", "functional", "analytics", "marketing"]
        )
    );
    let none = read_back(&ConsentChoice::RejectOptional);
    assert_eq!(
        (none.state(), granted(&none)),
        (ConsentState::Valid, vec!["essential"])
    );
    let some = read_back(&ConsentChoice::Only(vec![
        "analytics".into(),
        "bogus".into(),
    ]));
    assert_eq!(granted(&some), ["essential", "analytics"]);
}

#[test]
fn written_consent_has_the_configured_attributes() {
    let p = Policy::from_toml_str(
        "revision = 2\n[consent_cookie]\nname = \"cc\"\nmax_age_days = 2\npath = \"/app\"\ndomain = \"example.com\"\nsame_site = \"Strict\"\nhttp_only = true\n[[categories]]\nid = \"analytics\"\n",
    )
    .unwrap();
    let value = p.write_consent_at(&ConsentChoice::AcceptAll, NOW);
    let decoded = percent_encoding::percent_decode_str(&value)
        .decode_utf8()
        .unwrap()
        .into_owned();
    assert!(
        decoded.starts_with(
            r#"cc={"categories":{"analytics":true},"revision":2,"timestamp":1763800000};"#
        ),
        "{decoded}"
    );
    let attributes: Vec<&str> = value.split("; ").skip(1).collect();
    for expected in [
        "Path=/app",
        "Max-Age=172800",
        "Domain=example.com",
        "SameSite=Strict",
        "Secure",
        "HttpOnly",
    ] {
        assert!(
            attributes.contains(&expected),
            "{expected} missing from {value}"
        );
    }
    let reset = p.write_consent_at(&ConsentChoice::Reset, NOW);
    assert!(reset.starts_with("cc=;"), "{reset}");
    assert!(
        reset.contains("Max-Age=0")
            && reset.contains("Path=/app")
            && reset.contains("Domain=example.com"),
        "{reset}"
    );
}

#[test]
fn written_values_are_encoded_like_encode_uri_component() {
    let value = policy("").write_consent_at(&ConsentChoice::RejectOptional, NOW);
    let pair = value.split(';').next().unwrap();
    assert_eq!(
        pair,
        "cookie-preferences=%7B%22categories%22%3A%7B%22functional%22%3Afalse%2C%22analytics%22%3Afalse%2C%22marketing%22%3Afalse%7D%2C%22revision%22%3A0%2C%22timestamp%22%3A1763800000%7D"
    );
}

/// Reads the headers pair by pair, the plain way the single pass of
/// `read_consent_at` must agree with: the state, the grants, and the
/// categories of the other declared cookies.
fn read_by_pairs(policy: &Policy, headers: &[String]) -> (ConsentState, CategorySet, CategorySet) {
    let mut reading = Reading::MISSING;
    let mut present = CategorySet::EMPTY;
    for header in headers {
        for (name, value) in cookie_pairs(header.as_bytes()) {
            if name == policy.inner.consent_name().as_bytes() {
                reading.add(policy, value, &Now::at(NOW));
            } else if let Some(rule) = policy.inner.names.lookup(name) {
                present = present.with(CategorySet::single(policy.inner.rule_category[rule]));
            }
        }
    }
    let consent = reading.into_consent(policy, Signals::default());
    (consent.state(), consent.granted_set(), present)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

    #[test]
    fn one_pass_reads_headers_as_pairs_do(
        pairs in proptest::collection::vec(
            proptest::prop_oneof![
                // The consent cookie: common form, raw, quoted, spaced, cut short, run on.
                (
                    "[ ]{0,1}cookie-preferences[ ]{0,1}=[ ]{0,1}",
                    proptest::prop_oneof![
                        proptest::strategy::Just(utf8_percent_encode(ANALYTICS_ONLY, NON_ALPHANUMERIC).to_string()),
                        proptest::strategy::Just("%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D".to_owned()),
                        proptest::strategy::Just(r#"{"categories":{"functional":true},"revision":1}"#.to_owned()),
                        proptest::strategy::Just(r#""%7B%22categories%22%3A%7B%7D%7D""#.to_owned()),
                        proptest::strategy::Just("%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D".to_owned()),
                        proptest::strategy::Just("%7B%22categories%22%3A%7B%22a;b%22%3Atrue%7D%7D".to_owned()),
                        "%7B%22categories%22%3A%7B%7D%7D[ a=%]{0,2}",
                        "[ -~]{0,12}",
                    ],
                    "[ ]{0,1}",
                )
                    .prop_map(|(name, value, after)| format!("{name}{value}{after}")),
                // Other cookies, declared or not, with or without `=`.
                "[ ]{0,1}(theme|_ga|_gid|sentry-x|session|other|cookie-preferencesx)(=[a-zA-Z0-9.]{0,6})?",
            ],
            0..5,
        ),
        split in 0..3usize,
    ) {
        let p = policy("revision = 1\n[[cookies]]\nname = \"theme\"\ncategory = \"functional\"\n[[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\n[[cookies]]\nname = \"sentry-*\"\ncategory = \"marketing\"\n[[cookies]]\nname = \"session\"\ncategory = \"essential\"");
        // One header, or the pairs spread over several as HTTP/2 sends them.
        let headers: Vec<String> = if split == 0 || pairs.is_empty() {
            vec![pairs.join(";")]
        } else {
            pairs.chunks(split).map(|chunk| chunk.join(";")).collect()
        };
        let consent = p.read_consent_at(&headers, Signals::default(), NOW);
        proptest::prop_assert_eq!(
            (consent.state(), consent.granted_set(), consent.present()),
            read_by_pairs(&p, &headers),
            "{:?}",
            headers
        );
    }
}

mod signed {
    use super::*;
    use crate::{ConsentChoice, SigningKeys};

    fn keys(seed: u8) -> SigningKeys {
        SigningKeys::new([[seed; 32]]).unwrap()
    }

    /// The `name=value` a browser sends back for a `Set-Cookie`.
    fn pair(set_cookie: &str) -> String {
        set_cookie.split(';').next().unwrap().to_owned()
    }

    fn state(policy: &Policy, header: &str) -> ConsentState {
        policy
            .read_consent_at([header], Signals::default(), NOW)
            .state()
    }

    #[test]
    fn only_a_value_signed_by_a_key_of_the_policy_for_its_name_is_believed() {
        let signed = policy("").with_signing_keys(keys(1));
        let written = pair(&signed.write_consent_at(&ConsentChoice::AcceptAll, NOW));
        assert_eq!(state(&signed, &written), ConsentState::Valid);
        let consent = signed.read_consent_at([written.as_str()], Signals::default(), NOW);
        assert!(consent.allows("marketing"));
        let value = written.strip_prefix("cookie-preferences=").unwrap();
        let (tag, unsigned) = value.split_at(crate::signing::TAG_LEN);
        let other_key = pair(
            &policy("")
                .with_signing_keys(keys(2))
                .write_consent_at(&ConsentChoice::AcceptAll, NOW),
        );
        let forged = [
            // What a page script writes: no MAC at all.
            format!("cookie-preferences={unsigned}"),
            other_key,
            // A truncated MAC, and the MAC alone.
            format!("cookie-preferences={}{unsigned}", &tag[..43]),
            format!("cookie-preferences={tag}"),
            // The value re-encoded after signing: the same JSON, other bytes.
            format!("cookie-preferences={tag}{}", unsigned.replace("%7B", "%7b")),
            format!("cookie-preferences=\"{value}\""),
        ];
        for header in &forged {
            assert_eq!(state(&signed, header), ConsentState::Invalid, "{header}");
            // Fail closed: nothing optional granted, and a forged one beside a good one spoils it.
            let both = format!("{written}; {header}");
            assert!(!signed
                .read_consent_at([both.as_str()], Signals::default(), NOW)
                .allows("analytics"));
        }
        // The MAC moved onto another cookie name: that policy's cookie does not verify.
        let renamed = Policy::from_toml_str(&format!(
            "[consent_cookie]\nname = \"consent\"\n{CATEGORIES}"
        ))
        .unwrap()
        .with_signing_keys(keys(1));
        assert_eq!(
            state(&renamed, &format!("consent={value}")),
            ConsentState::Invalid
        );
        // Without keys, as in wave 2: the unsigned value is read.
        assert_eq!(state(&policy(""), &forged[0]), ConsentState::Valid);
    }

    #[test]
    fn a_rotated_key_still_verifies_and_the_new_one_signs() {
        let old = policy("").with_signing_keys(keys(1));
        let by_old = pair(&old.write_consent_at(&ConsentChoice::AcceptAll, NOW));
        let rotated =
            policy("").with_signing_keys(SigningKeys::new([[2u8; 32], [1u8; 32]]).unwrap());
        assert_eq!(state(&rotated, &by_old), ConsentState::Valid);
        let by_new = pair(&rotated.write_consent_at(&ConsentChoice::AcceptAll, NOW));
        assert_eq!(
            state(&policy("").with_signing_keys(keys(2)), &by_new),
            ConsentState::Valid
        );
        assert_eq!(state(&old, &by_new), ConsentState::Invalid);
    }

    #[test]
    fn a_signed_cookie_is_http_only_unless_the_file_says_otherwise() {
        let signed = policy("").with_signing_keys(keys(1));
        assert!(signed
            .write_consent(&ConsentChoice::AcceptAll)
            .contains("; HttpOnly"));
        assert!(!policy("")
            .write_consent(&ConsentChoice::AcceptAll)
            .contains("HttpOnly"));
        let readable = policy("[consent_cookie]\nhttp_only = false").with_signing_keys(keys(1));
        assert!(!readable
            .write_consent(&ConsentChoice::AcceptAll)
            .contains("HttpOnly"));
        // The builder carries the keys, and `to_builder` keeps them.
        let built = Policy::builder().signing_keys(keys(1)).build().unwrap();
        assert!(built.to_builder().build().unwrap().signs_consent());
    }

    /// A response that sets a signed consent (the endpoint's answer, a page
    /// that records consent) is judged under it: its own `_ga` passes.
    #[test]
    fn a_signed_consent_set_by_the_response_is_in_force_for_it() {
        let policy = Policy::from_toml_str(&format!(
            "{CATEGORIES}\n[[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\n"
        ))
        .unwrap()
        .with_signing_keys(keys(1));
        let set_cookies = [
            policy.write_consent(&ConsentChoice::AcceptAll),
            "_ga=1; Path=/".to_owned(),
        ];
        let consent = policy.read_consent([""], Signals::default());
        let headers = crate::adapter::ResponseHeaders {
            request_cookies: [""],
            set_cookies: &set_cookies,
            vary: [""; 0],
            mark: None,
        };
        let review = policy.review_response(&consent, headers, None);
        assert!(review.keeps(1), "the response's own consent grants its _ga");
    }

    #[test]
    fn sign_without_keys_believes_nothing() {
        let policy = policy("[consent_cookie]\nsign = true");
        assert!(policy.signs_consent());
        let unsigned = pair(&policy.write_consent_at(&ConsentChoice::AcceptAll, NOW));
        assert_eq!(state(&policy, &unsigned), ConsentState::Invalid);
        assert_eq!(policy.consent_id([unsigned.as_str()]), None);
    }

    proptest::proptest! {
        /// The memo of verified values is a fast path: it answers as the MAC does,
        /// for values that verify and any others.
        #[test]
        fn the_memo_answers_as_the_mac_does(value in "[ -~]{0,80}", flip in 0usize..200) {
            let keys = keys(9);
            let signed = keys.sign("c", &value);
            let mut bytes = signed.clone().into_bytes();
            let at = flip % bytes.len();
            bytes[at] ^= 1;
            for candidate in [signed.as_bytes(), &bytes[..]] {
                let fresh = SigningKeys::new([[9u8; 32]]).unwrap();
                let first = fresh.verify(b"c", candidate);
                proptest::prop_assert_eq!(first, fresh.verify(b"c", candidate));
                proptest::prop_assert_eq!(first, keys.verify(b"c", candidate));
            }
            proptest::prop_assert_eq!(keys.verify(b"c", signed.as_bytes()), Some(value.as_bytes()));
            proptest::prop_assert_eq!(keys.verify(b"c", &bytes), None);
        }
    }
}
