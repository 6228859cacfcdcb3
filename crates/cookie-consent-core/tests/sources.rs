//! Consent sources (DESIGN §9): every example value of CONSENT-FORMATS.md read
//! through a policy, to its exact state, grants and time; precedence; and the
//! policy file's errors.

use cookie_consent_core::{ConsentState, Policy, Signals};

/// Minopa's categories, with `sources` as its `[[consent_sources]]`.
fn policy(sources: &str) -> Policy {
    let text = format!(
        "revision = 1\nconsent_max_age_days = 30\n\
         [[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n\
         [[categories]]\nid = \"marketing\"\n{sources}"
    );
    Policy::from_toml_str(&text).unwrap_or_else(|err| panic!("{err}"))
}

const DAY: i64 = 86_400;

/// State, grants and source of `cookie` at `now`.
fn read(policy: &Policy, cookie: &str, now: i64) -> (ConsentState, Vec<String>, Option<String>) {
    let consent = policy.read_consent_at([cookie], Signals::default(), now);
    (
        consent.state(),
        consent.granted().map(str::to_owned).collect(),
        consent.source().map(str::to_owned),
    )
}

/// Checks the reading at `chosen + 30 days` (valid) and one second later (expired):
/// so the source's own timestamp is read to the second.
fn valid_until_30_days_after(
    policy: &Policy,
    cookie: &str,
    chosen: i64,
    granted: &[&str],
    source: &str,
) {
    let (state, got, from) = read(policy, cookie, chosen + 30 * DAY);
    assert_eq!(state, ConsentState::Valid, "{cookie}");
    assert_eq!(got, granted, "{cookie}");
    assert_eq!(from.as_deref(), Some(source));
    let (state, ..) = read(policy, cookie, chosen + 30 * DAY + 1);
    assert_eq!(state, ConsentState::Expired, "{cookie}");
}

#[test]
fn vanilla_cookieconsent_v3_and_v2() {
    let p = policy("[[consent_sources]]\nformat = \"vanilla-cookieconsent\"");
    let v3 = "cc_cookie=%7B%22categories%22%3A%5B%22necessary%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22services%22%3A%7B%22necessary%22%3A%5B%5D%2C%22analytics%22%3A%5B%5D%2C%22support%22%3A%5B%5D%7D%2C%22lastConsentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22expirationTime%22%3A1747854156824%7D";
    valid_until_30_days_after(
        &p,
        v3,
        1_732_129_356,
        &["essential"],
        "vanilla-cookieconsent",
    );
    // v2 at revision 0: the policy is at revision 1, so the banner would ask again.
    let v2 = r#"cc_cookie={"categories":["necessary"],"revision":0,"data":null,"rfc_cookie":false,"consent_date":"2024-08-27T08:45:11.101Z","consent_uuid":"5b5c6534-444e-4b7f-af4a-22910eb29e48","last_consent_update":"2024-08-27T08:45:11.101Z"}"#;
    let (state, granted, _) = read(&p, v2, 1_724_748_311);
    assert_eq!(
        (state, granted),
        (ConsentState::Outdated, vec!["essential".to_owned()])
    );
    let accepted = "cc_cookie=%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22marketing%22%5D%2C%22revision%22%3A1%2C%22consentId%22%3A%22x%22%2C%22consentTimestamp%22%3A%222025-01-01T00%3A00%3A00Z%22%7D";
    valid_until_30_days_after(
        &p,
        accepted,
        1_735_689_600,
        &["essential", "analytics", "marketing"],
        "vanilla-cookieconsent",
    );
}

#[test]
fn cookiebot_values_minus_one_and_zero() {
    let p = policy("[[consent_sources]]\nformat = \"cookiebot\"");
    let rejected = "CookieConsent={stamp:%27f+7ywpRuvGmFIujhI+oEbPugblwcsBmNcpD/7RUUNZKavIMY97rzhQ==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1745620490943%2Cregion:%27pl%27}";
    valid_until_30_days_after(&p, rejected, 1_745_620_490, &["essential"], "cookiebot");
    let implied = "CookieConsent={stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1709627572438%2Ciab2:%27%27%2Cregion:%27VN%27}";
    valid_until_30_days_after(
        &p,
        implied,
        1_709_627_572,
        &["essential", "functional", "analytics", "marketing"],
        "cookiebot",
    );
    // `-1` and `0` record no time: never expired, however old.
    let (state, granted, _) = read(&p, "CookieConsent=-1", 4_000_000_000);
    assert_eq!((state, granted.len()), (ConsentState::Valid, 4));
    let (state, granted, _) = read(&p, "CookieConsent=0", 4_000_000_000);
    assert_eq!(
        (state, granted),
        (ConsentState::Valid, vec!["essential".to_owned()])
    );
}

#[test]
fn onetrust_without_and_with_a_closed_banner() {
    let p = policy("[[consent_sources]]\nformat = \"onetrust\"");
    let real = "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=0&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false";
    let (state, _, source) = read(&p, real, 1_750_076_291);
    assert_eq!(
        (state, source),
        (ConsentState::Missing, None),
        "the banner's defaults are no decision"
    );
    let closed = format!("{real}; OptanonAlertBoxClosed=2025-06-16T12:18:11.366Z");
    valid_until_30_days_after(&p, &closed, 1_750_076_291, &["essential"], "onetrust");
    let accepted = closed
        .replace("C0002%3A0", "C0002%3A1")
        .replace("C0004%3A0", "C0004%3A1");
    valid_until_30_days_after(
        &p,
        &accepted,
        1_750_076_291,
        &["essential", "analytics", "marketing"],
        "onetrust",
    );
    let reconsent = accepted.replace("AwaitingReconsent=false", "AwaitingReconsent=true");
    assert_eq!(
        read(&p, &reconsent, 1_750_076_291).0,
        ConsentState::Outdated
    );
}

#[test]
fn cookieyes_klaro_and_complianz() {
    let p = policy("[[consent_sources]]\nformat = \"cookieyes\"");
    let real = "cookieyes-consent=consentid:WHRLbHhJZVJlTXR3b0F4MUpUQWNCZDRNbXRpTWNEcmE,consent:no,action:yes,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no,other:no";
    let (state, granted, source) = read(&p, real, 4_000_000_000);
    assert_eq!(
        (state, granted),
        (ConsentState::Valid, vec!["essential".to_owned()]),
        "no time: never expired"
    );
    assert_eq!(source.as_deref(), Some("cookieyes"));
    let partial = real
        .replace("analytics:no", "analytics:yes")
        .replace("advertisement:no", "advertisement:yes");
    assert_eq!(
        read(&p, &partial, 0).1,
        ["essential", "analytics", "marketing"]
    );

    let p = policy(
        "[[consent_sources]]\nformat = \"klaro\"\n[consent_sources.grants]\n\
         functional = [\"preferences\"]\nanalytics = [\"google-analytics\"]\nmarketing = [\"google-ads\"]",
    );
    let real = "klaro=%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Afalse%2C%22google-ads%22%3Afalse%7D";
    assert_eq!(read(&p, real, 0).0, ConsentState::Valid);
    assert_eq!(read(&p, real, 0).1, ["essential"]);
    let granted = real.replace("google-analytics%22%3Afalse", "google-analytics%22%3Atrue");
    assert_eq!(read(&p, &granted, 0).1, ["essential", "analytics"]);
    let lacking = "klaro=%7B%22preferences%22%3Atrue%7D";
    assert_eq!(
        read(&p, lacking, 0).0,
        ConsentState::Outdated,
        "a service the cookie lacks"
    );

    let p = policy("[[consent_sources]]\nformat = \"complianz\"");
    let real = "cmplz_banner-status=dismissed; cmplz_functional=allow; cmplz_marketing=deny; cmplz_preferences=allow; cmplz_statistics=deny";
    let (state, granted, source) = read(&p, real, 0);
    assert_eq!(
        (state, granted),
        (
            ConsentState::Valid,
            vec!["essential".to_owned(), "functional".to_owned()]
        )
    );
    assert_eq!(source.as_deref(), Some("complianz"));
}

#[test]
fn tcf_grants_purposes_from_the_publisher_segment_or_the_core() {
    let p = policy(
        "[[consent_sources]]\nformat = \"tcf\"\n[consent_sources.grants]\n\
         functional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]",
    );
    // Publisher purposes [1,3,4,5,6] (iabgpp-es): functional and marketing;
    // updated 2022-02-01T00:00:00Z.
    let tc = "euconsent-v2=CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA";
    valid_until_30_days_after(
        &p,
        tc,
        1_643_673_600,
        &["essential", "functional", "marketing"],
        "tcf",
    );
    let reject = "euconsent-v2=CQEbF4AQEbF4AAHABBENBFFgAAAAAAAAAAAAAAAAAABigAMAAQU1GAAYAAgpqQAAwABBTUAA.YAAAAAAAAAAA";
    // A real reject, updated 2024-09-04T00:00:00Z.
    valid_until_30_days_after(&p, reject, 1_725_408_000, &["essential"], "tcf");
    // TCF 2.0 (policy version 2) is no longer valid: the CMP must ask again.
    let old = "euconsent-v2=CPTtLAAPTtLAAAAAAAENAACgALwAAEAAAAAAAOgAgABgAAAA";
    assert_eq!(read(&p, old, 1_643_673_600).0, ConsentState::Outdated);
    assert_eq!(
        read(&p, "euconsent-v2=garbage!", 0).0,
        ConsentState::Invalid
    );
    let error = Policy::from_toml_str(
        "[[categories]]\nid = \"ads\"\n[[consent_sources]]\nformat = \"tcf\"\n[consent_sources.grants]\nads = [\"ads\"]",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "line 6: field `consent_sources[0].grants.ads`: TCF grants are purpose numbers from 1 to 24, not `ads`"
    );
}

#[test]
fn sources_are_tried_in_order_and_the_first_that_says_anything_decides() {
    let p = policy(
        "[[consent_sources]]\nformat = \"cookie-consent\"\n[[consent_sources]]\nformat = \"cookiebot\"",
    );
    let ours =
        r#"cookie-preferences={"categories":{"analytics":true},"revision":1,"timestamp":1000}"#;
    let (state, granted, source) = read(&p, &format!("CookieConsent=-1; {ours}"), 1000);
    assert_eq!(
        (state, source.as_deref()),
        (ConsentState::Valid, Some("cookie-consent"))
    );
    assert_eq!(granted, ["essential", "analytics"]);
    let (_, granted, source) = read(&p, "CookieConsent=-1", 1000);
    assert_eq!((granted.len(), source.as_deref()), (4, Some("cookiebot")));
    // An unreadable first source decides: Invalid.
    let (state, _, source) = read(&p, "cookie-preferences=garbage; CookieConsent=-1", 1000);
    assert_eq!(
        (state, source.as_deref()),
        (ConsentState::Invalid, Some("cookie-consent"))
    );
    assert_eq!(
        read(&p, "other=1", 1000),
        (ConsentState::Missing, vec!["essential".to_owned()], None)
    );
    // Duplicates of one source: the grants intersect, the worst state wins.
    let (state, granted, _) = read(&p, "CookieConsent=-1; CookieConsent=0", 1000);
    assert_eq!(
        (state, granted),
        (ConsentState::Valid, vec!["essential".to_owned()])
    );
}

#[test]
fn a_policy_without_sources_reads_its_own_cookie_and_names_it() {
    let p = policy("");
    let ours =
        r#"cookie-preferences={"categories":{"analytics":true},"revision":1,"timestamp":1000}"#;
    assert_eq!(read(&p, ours, 1000).2.as_deref(), Some("cookie-consent"));
    assert_eq!(
        read(&p, "CookieConsent=-1", 1000).2,
        None,
        "other formats are not read"
    );
}

#[test]
fn source_errors_name_the_line_and_field() {
    let error = |sources: &str| {
        let text =
            format!("[[categories]]\nid = \"analytics\"\n[[categories]]\nid = \"ads\"\n{sources}");
        Policy::from_toml_str(&text).unwrap_err().to_string()
    };
    assert_eq!(
        error("[[consent_sources]]\nformat = \"cookiebot\"\n[consent_sources.grants]\nads = [\"marketing\"]\n[[consent_sources]]\nformat = \"usercentrics\""),
        "line 10: field `consent_sources[1].format`: unknown format `usercentrics` (formats: cookie-consent, vanilla-cookieconsent, cookiebot, onetrust, cookieyes, klaro, complianz, tcf)"
    );
    assert_eq!(
        error("[[consent_sources]]\nformat = \"cookiebot\"\n[consent_sources.grants]\nads = [\"marketing\"]\nstats = [\"statistics\"]"),
        "line 9: field `consent_sources[0].grants.stats`: unknown category `stats` (categories: essential, analytics, ads)"
    );
    assert_eq!(
        error("[[consent_sources]]\nformat = \"klaro\"\n[consent_sources.grants]\nanalytics = [\"matomo\"]"),
        "line 6: field `consent_sources[0].grants`: the klaro source cannot grant category `ads`: add `ads = [\"…\"]` under [consent_sources.grants], naming the source's ids that grant it"
    );
    assert_eq!(
        error("[[consent_sources]]\nformat = \"cookiebot\"\ncookie = \"bad name\"\n[consent_sources.grants]\nads = [\"marketing\"]"),
        "line 7: field `consent_sources[0].cookie`: `bad name` is not a cookie name"
    );
    assert_eq!(
        error("[[consent_sources]]\nformat = \"cookiebot\"\ncolour = \"blue\""),
        "line 7: field `consent_sources[0].colour`: unknown field `colour`, expected one of `format`, `cookie`, `grants`"
    );
    let json = Policy::from_json_str(
        "{\n  \"categories\": [{\"id\": \"ads\"}],\n  \"consent_sources\": [\n    {\"format\": \"nope\"}\n  ]\n}",
    )
    .unwrap_err()
    .to_string();
    assert!(
        json.starts_with("line 4: field `consent_sources[0].format`: unknown format `nope`"),
        "{json}"
    );
}

#[test]
fn a_gpp_or_us_privacy_opt_out_counts_as_gpc_where_honoured() {
    let text = |settings: &str| {
        format!(
            "{settings}\n[[categories]]\nid = \"analytics\"\n[[categories]]\nid = \"ads\"\nhonor_gpc = true"
        )
    };
    let all = r#"cookie-preferences={"categories":{"analytics":true,"ads":true}}"#;
    let granted = |policy: &Policy, cookies: &str| {
        let consent = policy.read_consent([cookies], Signals::default());
        (
            consent.granted().map(str::to_owned).collect::<Vec<_>>(),
            consent.signals().gpc,
        )
    };
    let gpp = Policy::from_toml_str(&text("honor_gpp = true")).unwrap();
    // Real OneTrust values: usnat opted out of sale, sharing and targeted ads; and not.
    let out = format!("{all}; __gpp=DBABLA~BVQVAAAABgA.QA");
    assert_eq!(
        granted(&gpp, &out),
        (vec!["essential".into(), "analytics".into()], true)
    );
    let not_out = format!("{all}; __gpp=DBABLA~BVQqAAAACgA.QA");
    assert!(!granted(&gpp, &not_out).1);
    assert!(!granted(&gpp, &format!("{all}; __gpp=garbage")).1);
    let renamed =
        Policy::from_toml_str(&text("honor_gpp = true\ngpp_cookie = \"OTGPPConsent\"")).unwrap();
    assert!(
        granted(
            &renamed,
            &format!("{all}; OTGPPConsent=DBABLA~BVQVAAAABgA.QA")
        )
        .1
    );
    assert!(
        !granted(&renamed, &out).1,
        "only the configured cookie is read"
    );
    let ignored = Policy::from_toml_str(&text("")).unwrap();
    assert!(!granted(&ignored, &out).1, "not honoured by default");

    let usp = Policy::from_toml_str(&text("honor_usp = true")).unwrap();
    assert!(granted(&usp, &format!("{all}; usprivacy=1YYN")).1);
    assert!(!granted(&usp, &format!("{all}; usprivacy=1YNN")).1);
    assert!(!granted(&ignored, &format!("{all}; usprivacy=1YYN")).1);

    let bad = Policy::from_toml_str(&text("gpp_cookie = \"a b\""))
        .unwrap_err()
        .to_string();
    assert_eq!(
        bad,
        "line 1: field `gpp_cookie`: `a b` is not a cookie name"
    );
}

/// Hand-made edge cases for every single-cookie format: each gives Invalid,
/// and a duplicate of a good value reads as the value once.
#[test]
fn broken_values_of_every_format_are_invalid_and_duplicates_change_nothing() {
    let klaro_grants =
        "[consent_sources.grants]\nfunctional = [\"a\"]\nanalytics = [\"b\"]\nmarketing = [\"c\"]";
    let tcf_grants = "[consent_sources.grants]\nfunctional = [1]\nanalytics = [8]\nmarketing = [3]";
    // (format, grants, cookie, a good value, values of the wrong type)
    let formats: [(&str, &str, &str, &str, &[&str]); 6] = [
        (
            "vanilla-cookieconsent",
            "",
            "cc_cookie",
            r#"{"categories":["analytics"],"revision":1,"consentId":"x","consentTimestamp":"2025-01-01T00:00:00Z"}"#,
            &[
                r#"{"categories":"analytics"}"#,
                r#"{"categories":[1],"consentId":"x","consentTimestamp":"2025-01-01T00:00:00Z"}"#,
                "[]",
            ],
        ),
        (
            "cookiebot",
            "",
            "CookieConsent",
            "{necessary:true,statistics:true,utc:1735689600000}",
            &[
                "{necessary:1}",
                "{necessary:true,statistics:'yes'}",
                "[true]",
            ],
        ),
        (
            "onetrust",
            "",
            "OptanonConsent",
            "interactionCount=1&groups=C0002%3A1",
            &[
                "interactionCount=1&groups=C0002%3Ayes",
                "interactionCount=1&groups=C0002",
            ],
        ),
        (
            "cookieyes",
            "",
            "cookieyes-consent",
            "action:yes,analytics:yes",
            &["action:yes,analytics:1", "action:yes,analytics"],
        ),
        (
            "klaro",
            klaro_grants,
            "klaro",
            r#"{"a":true,"b":true,"c":false}"#,
            &[r#"{"a":"yes"}"#, r#"["a"]"#, "true"],
        ),
        (
            "tcf",
            tcf_grants,
            "euconsent-v2",
            "CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA",
            &["BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "CPTtLA==AAAA"],
        ),
    ];
    for (format, grants, cookie, good, wrong_types) in formats {
        // No maximum age here: the good values are of different years.
        let text = format!(
            "revision = 1\n[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n\
             [[categories]]\nid = \"marketing\"\n[[consent_sources]]\nformat = \"{format}\"\n{grants}"
        );
        let p = Policy::from_toml_str(&text).unwrap();
        let at = 1_735_689_600;
        let once = read(&p, &format!("{cookie}={good}"), at);
        assert_eq!(
            (once.0, once.2.as_deref()),
            (ConsentState::Valid, Some(format)),
            "{format}"
        );
        let twice = read(&p, &format!("{cookie}={good}; {cookie}={good}"), at);
        assert_eq!(twice, once, "{format}: a duplicate changes nothing");
        let encoded: String = good.bytes().map(|b| format!("%{b:02X}")).collect();
        let double_encoded = encoded.replace('%', "%25");
        let truncated = &good[..good.len() / 2];
        let oversize = format!("{good}{}", "A".repeat(5000));
        let mut broken: Vec<String> = vec![
            String::new(),
            truncated.to_owned(),
            double_encoded,
            oversize,
        ];
        broken.extend(wrong_types.iter().map(|w| w.to_string()));
        for value in &broken {
            let state = read(&p, &format!("{cookie}={value}"), at).0;
            assert_eq!(state, ConsentState::Invalid, "{format}: {value:.60}");
        }
        let non_utf8 = [cookie.as_bytes(), b"=\xff\xfe", good.as_bytes()].concat();
        let consent = p.read_consent_at([non_utf8.as_slice()], Signals::default(), at);
        assert_eq!(
            consent.state(),
            ConsentState::Invalid,
            "{format}: non-UTF-8"
        );
    }
}

/// A key repeated inside a CMP value is read as that CMP's own script reads
/// it (DESIGN §16), row by row from `tests/data/repeated-keys.json`; the
/// JavaScript side of each row is checked in Node by `tests/tests/cmp_values.rs`.
#[test]
fn a_repeated_key_is_read_as_the_cmps_own_script_reads_it() {
    #[derive(serde::Deserialize)]
    struct Row {
        format: String,
        grants: Option<String>,
        cookie: String,
        granted: bool,
        rule: String,
    }
    let rows: Vec<Row> = serde_json::from_str(include_str!("data/repeated-keys.json")).unwrap();
    assert!(rows.len() >= 12);
    for row in rows {
        let text = format!(
            "revision = 1\n[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n\
             [[categories]]\nid = \"marketing\"\n[[consent_sources]]\nformat = \"{}\"\n{}",
            row.format,
            row.grants.as_deref().unwrap_or("")
        );
        let policy = Policy::from_toml_str(&text).unwrap();
        let cookies: Vec<&str> = row.cookie.split("; ").collect();
        let consent = policy.read_consent_at(cookies, Signals::default(), 1_735_689_600);
        assert!(
            matches!(consent.state(), ConsentState::Valid),
            "{}: {:?}",
            row.cookie,
            consent.state()
        );
        assert_eq!(
            consent.granted().any(|c| c == "analytics"),
            row.granted,
            "{} ({})",
            row.cookie,
            row.rule
        );
    }
}
