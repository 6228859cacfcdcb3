use super::*;

const FULL: &str = r#"
name = "Shop"
revision = 3
mode = "opt-out"
unknown_cookies = "analytics"
enforcement = "report-only"
consent_max_age_days = 180
honor_dnt = true
vary = false
max_purge = 5

[consent_cookie]
name = "consent"
max_age_days = 30
path = "/shop"
domain = ".shop.example"
secure = true
same_site = "Strict"
http_only = true

[[categories]]
id = "essential"
title = "Essential"

[[categories]]
id = "analytics"
title = "Analytics"
honor_gpc = true

[[cookies]]
name = "sid"
category = "essential"

[[cookies]]
name = "_ga_*"
category = "analytics"
domain = ".shop.example"
path = "/"
"#;

fn toml_error(text: &str) -> PolicyError {
    Policy::from_toml_str(text).expect_err("the policy must be refused")
}

#[test]
fn every_setting_is_read_from_toml() {
    let policy = Policy::from_toml_str(FULL).unwrap();
    let s = &policy.inner.settings;
    assert_eq!(policy.name(), "Shop");
    assert_eq!(policy.revision(), 3);
    assert_eq!(policy.mode(), Mode::OptOut);
    assert_eq!(
        s.unknown_cookies,
        UnknownCookies::Category("analytics".into())
    );
    assert_eq!(policy.enforcement(), Enforcement::ReportOnly);
    assert_eq!(s.consent_max_age_days, Some(180));
    assert!(policy.honors_dnt());
    assert!(!s.vary);
    assert_eq!(s.max_purge, 5);
    let cc = policy.consent_cookie();
    assert_eq!(
        (
            cc.name.as_str(),
            cc.max_age_days,
            cc.path.as_str(),
            cc.domain.as_deref()
        ),
        ("consent", 30, "/shop", Some(".shop.example"))
    );
    assert_eq!(
        (cc.secure, cc.same_site, cc.http_only),
        (true, SameSite::Strict, Some(true))
    );
    assert!(policy.categories()[1].honor_gpc);
    assert_eq!(policy.cookies()[1].domain.as_deref(), Some(".shop.example"));
}

#[test]
fn defaults_apply_when_settings_are_absent() {
    let policy = Policy::from_toml_str("").unwrap();
    assert_eq!(policy.inner.settings, Settings::default());
    assert_eq!(policy.categories().len(), 1);
    assert_eq!(policy.categories()[0].id, ESSENTIAL);
    assert_eq!(policy.consent_cookie().name, "cookie-preferences");
}

#[test]
fn essential_is_added_first_when_absent() {
    let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"").unwrap();
    let ids: Vec<_> = policy.categories().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["essential", "analytics"]);
}

#[test]
fn essential_anywhere_but_first_is_an_error() {
    let err =
        toml_error("[[categories]]\nid = \"analytics\"\n\n[[categories]]\nid = \"essential\"\n");
    assert_eq!(err.field, "categories[1].id");
    assert_eq!(err.line, Some(5));
    assert!(err.message.contains("must be the first"), "{err}");
}

#[test]
fn unknown_category_in_a_cookie_names_line_and_field() {
    let text = "[[categories]]\nid = \"analytics\"\n\n[[cookies]]\nname = \"_ga\"\ncategory = \"analytcs\"\n";
    let err = toml_error(text);
    assert_eq!(err.field, "cookies[0].category");
    assert_eq!(err.line, Some(6));
    assert!(err.message.contains("unknown category `analytcs`"), "{err}");
    assert!(err.message.contains("essential, analytics"), "{err}");
    assert!(
        err.message.ends_with("; did you mean `analytics`?"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("line 6: field `cookies[0].category`: {}", err.message)
    );
}

#[test]
fn duplicate_category_id_is_an_error() {
    let err = toml_error("[[categories]]\nid = \"a\"\n[[categories]]\nid = \"a\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("categories[1].id", Some(4))
    );
    assert!(
        err.message
            .contains("duplicate category id `a` (first declared at line 2)"),
        "{err}"
    );
}

#[test]
fn duplicate_exact_name_is_an_error() {
    let text = "[[cookies]]\nname = \"sid\"\ncategory = \"essential\"\n\n[[cookies]]\ncategory = \"essential\"\nname = \"sid\"\n";
    let err = toml_error(text);
    assert_eq!((err.field.as_str(), err.line), ("cookies[1].name", Some(7)));
    assert!(
        err.message
            .contains("declared twice (first declared at line 2)"),
        "{err}"
    );
}

#[test]
fn duplicate_prefix_is_an_error() {
    let text = "[[cookies]]\nname = \"a*\"\ncategory = \"essential\"\n[[cookies]]\nname = \"a*\"\ncategory = \"essential\"\n";
    assert_eq!(toml_error(text).field, "cookies[1].name");
}

#[test]
fn star_only_at_the_end_and_never_bare() {
    for (name, needle) in [
        ("a*b", "only stand at the end"),
        ("*", "bare `*`"),
        ("**", "only stand at the end"),
    ] {
        let text = format!("[[cookies]]\nname = \"{name}\"\ncategory = \"essential\"\n");
        let err = toml_error(&text);
        assert_eq!(
            (err.field.as_str(), err.line),
            ("cookies[0].name", Some(2)),
            "{name}"
        );
        assert!(err.message.contains(needle), "{name}: {err}");
    }
}

#[test]
fn invalid_cookie_names_are_errors() {
    for name in ["", "a b", "a;b", "é"] {
        let text = format!("[[cookies]]\nname = \"{name}\"\ncategory = \"essential\"\n");
        assert!(
            toml_error(&text)
                .message
                .contains("not a valid cookie name"),
            "{name}"
        );
    }
}

#[test]
fn more_than_63_optional_categories_is_an_error() {
    let mut text: String = (0..63)
        .map(|i| format!("[[categories]]\nid = \"c{i}\"\n"))
        .collect();
    assert_eq!(Policy::from_toml_str(&text).unwrap().categories().len(), 64);
    text.push_str("[[categories]]\nid = \"c63\"\n");
    let err = toml_error(&text);
    assert_eq!(
        (err.field.as_str(), err.line),
        ("categories[63].id", Some(128))
    );
    assert!(err.message.contains("at most 63"), "{err}");
}

#[test]
fn unknown_keys_are_errors_everywhere() {
    let err = toml_error("nmae = \"x\"\n");
    assert_eq!((err.field.as_str(), err.line), ("nmae", Some(1)));
    assert!(err.message.contains("unknown field `nmae`"), "{err}");

    let err = toml_error("[[cookies]]\nname = \"a\"\ncategory = \"essential\"\nprovder = \"x\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("cookies[0].provder", Some(4))
    );

    let err = toml_error("[[categories]]\nid = \"a\"\nhonour_gpc = true\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("categories[0].honour_gpc", Some(3))
    );

    let err = toml_error("[consent_cookie]\nsamesite = \"Lax\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("consent_cookie.samesite", Some(2))
    );
}

#[test]
fn bad_enum_values_are_errors() {
    let err = toml_error("name = \"x\"\nmode = \"opt_in\"\n");
    assert_eq!((err.field.as_str(), err.line), ("mode", Some(2)));
    assert!(err.message.contains("opt_in"), "{err}");

    let err = toml_error("enforcement = \"off\"\n");
    assert_eq!(err.field, "enforcement");

    let err = toml_error("[consent_cookie]\nsame_site = \"lax\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("consent_cookie.same_site", Some(2))
    );
}

#[test]
fn wrong_types_are_errors() {
    let err = toml_error("revision = -1\n");
    assert_eq!((err.field.as_str(), err.line), ("revision", Some(1)));
    let err = toml_error("[[categories]]\nid = \"a\"\nhonor_gpc = \"yes\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("categories[0].honor_gpc", Some(3))
    );
}

#[test]
fn toml_syntax_errors_name_the_line() {
    let err = toml_error("name = \"x\"\n\nrevision = = 2\n");
    assert_eq!(err.line, Some(3));
}

#[test]
fn duplicate_keys_name_the_key() {
    let err = toml_error("name = \"a\"\nrevision = 1\nrevision = 2\n");
    assert_eq!((err.field.as_str(), err.line), ("revision", Some(3)));
}

#[test]
fn unknown_cookies_must_name_a_known_category() {
    let err = toml_error("name = \"x\"\nunknown_cookies = \"ads\"\n");
    assert_eq!((err.field.as_str(), err.line), ("unknown_cookies", Some(2)));
    assert!(err.message.contains("`ads`"), "{err}");
}

#[test]
fn consent_cookie_is_validated() {
    let err = toml_error("[consent_cookie]\nsecure = false\nsame_site = \"None\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("consent_cookie.same_site", Some(3))
    );
    let err = toml_error("[consent_cookie]\nname = \"a b\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("consent_cookie.name", Some(2))
    );
    let err = toml_error("[consent_cookie]\npath = \"shop\"\n");
    assert_eq!(err.field, "consent_cookie.path");
}

#[test]
fn rule_paths_and_domains_are_validated() {
    let err = toml_error("[[cookies]]\nname = \"a\"\ncategory = \"essential\"\npath = \"x\"\n");
    assert_eq!((err.field.as_str(), err.line), ("cookies[0].path", Some(4)));
    let err = toml_error("[[cookies]]\nname = \"a\"\ncategory = \"essential\"\ndomain = \"a;b\"\n");
    assert_eq!(
        (err.field.as_str(), err.line),
        ("cookies[0].domain", Some(4))
    );
}

#[test]
fn errors_from_a_file_name_the_file() {
    let dir = std::env::temp_dir().join(format!("cookie-consent-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("site.toml");
    std::fs::write(
        &path,
        "[[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\n",
    )
    .unwrap();
    let err = Policy::from_path(&path).unwrap_err();
    assert_eq!(err.file.as_deref(), Some(path.as_path()));
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3: field `cookies[0].category`: {}",
            path.display(),
            err.message
        )
    );

    let missing = dir.join("missing.toml");
    let err = Policy::from_path(&missing).unwrap_err();
    assert_eq!(err.file.as_deref(), Some(missing.as_path()));
    assert!(err.message.contains("cannot read"), "{err}");

    let json = dir.join("site.json");
    std::fs::write(&json, r#"{"categories": [{"id": "analytics"}]}"#).unwrap();
    assert_eq!(Policy::from_path(&json).unwrap().categories().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_is_read_with_the_same_schema() {
    let json = r#"{
        "name": "Shop", "revision": 3, "mode": "opt-out", "unknown_cookies": "analytics",
        "enforcement": "report-only", "consent_max_age_days": 180, "honor_dnt": true,
        "vary": false, "max_purge": 5,
        "consent_cookie": {"name": "consent", "max_age_days": 30, "path": "/shop",
            "domain": ".shop.example", "secure": true, "same_site": "Strict", "http_only": true},
        "categories": [{"id": "essential", "title": "Essential"},
                       {"id": "analytics", "title": "Analytics", "honor_gpc": true}],
        "cookies": [{"name": "sid", "category": "essential"},
                    {"name": "_ga_*", "category": "analytics", "domain": ".shop.example", "path": "/"}]
    }"#;
    let from_json = Policy::from_json_str(json).unwrap();
    let from_toml = Policy::from_toml_str(FULL).unwrap();
    assert_eq!(from_json.inner.settings, from_toml.inner.settings);
    assert_eq!(from_json.categories(), from_toml.categories());
    assert_eq!(from_json.cookies(), from_toml.cookies());
}

#[test]
fn json_errors_name_line_and_field() {
    let json = "{\n  \"categories\": [{\"id\": \"analytics\"}],\n  \"cookies\": [\n    {\"name\": \"_ga\",\n     \"category\": \"ads\"}\n  ]\n}";
    let err = Policy::from_json_str(json).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.line),
        ("cookies[0].category", Some(5))
    );

    let json =
        "{\n  \"cookies\": [\n    {\"name\": \"_ga\",\n     \"categori\": \"essential\"}\n  ]\n}";
    let err = Policy::from_json_str(json).unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.line),
        ("cookies[0].categori", Some(4))
    );

    let json = "{\n  \"mode\": \"sometimes\"\n}";
    let err = Policy::from_json_str(json).unwrap_err();
    assert_eq!((err.field.as_str(), err.line), ("mode", Some(2)));

    let err = Policy::from_json_str("{\n\"name\": }").unwrap_err();
    assert_eq!(err.line, Some(2));
}

#[test]
fn builder_extends_a_policy_and_validates_like_a_file() {
    let site = Policy::from_toml_str(FULL).unwrap();
    let billing = site
        .to_builder()
        .cookie(
            CookieRule::new("__stripe_mid", ESSENTIAL)
                .provider("Stripe")
                .purpose("Fraud prevention"),
        )
        .cookie(
            CookieRule::new("__stripe_sid", ESSENTIAL)
                .provider("Stripe")
                .purpose("Fraud prevention"),
        )
        .build()
        .unwrap();
    assert_eq!(billing.cookies().len(), site.cookies().len() + 2);
    assert_eq!(billing.inner.settings, site.inner.settings);
    assert_eq!(billing.rule_for("__stripe_mid").unwrap().provider, "Stripe");
    assert!(site.rule_for("__stripe_mid").is_none());

    let err = site
        .to_builder()
        .cookie(CookieRule::new("sid", ESSENTIAL))
        .build()
        .unwrap_err();
    assert_eq!((err.field.as_str(), err.line), ("cookies[2].name", None));
    let err = Policy::builder()
        .cookie(CookieRule::new("x", "ads"))
        .build()
        .unwrap_err();
    assert_eq!(err.field, "cookies[0].category");
    let built = Policy::builder()
        .name("Built")
        .revision(2)
        .mode(Mode::OptOut)
        .category(Category::new("analytics").honor_gpc(true))
        .build()
        .unwrap();
    assert_eq!(
        (built.name(), built.revision(), built.mode()),
        ("Built", 2, Mode::OptOut)
    );
    assert_eq!(built.categories()[1].title, "analytics");
}

#[test]
fn exact_names_win_over_prefixes_and_the_longest_prefix_wins() {
    let policy = Policy::from_toml_str(
        r#"
        [[categories]]
        id = "a"
        [[categories]]
        id = "b"
        [[cookies]]
        name = "_ga*"
        category = "a"
        [[cookies]]
        name = "_ga_x*"
        category = "b"
        [[cookies]]
        name = "_ga_xy"
        category = "a"
        "#,
    )
    .unwrap();
    let category = |name: &str| policy.rule_for(name).map(|r| r.category.as_str());
    assert_eq!(category("_ga"), Some("a"));
    assert_eq!(category("_ga_1"), Some("a"));
    assert_eq!(category("_ga_x1"), Some("b"));
    assert_eq!(category("_ga_xy"), Some("a"));
    assert_eq!(category("_GA"), None, "names are case-sensitive");
    assert_eq!(category("ga"), None);
}

#[test]
fn updated_is_a_date_and_gpc_json_states_it() {
    let toml = Policy::from_toml_str(
        "updated = 2026-03-01\n[[categories]]\nid = \"ads\"\nhonor_gpc = true\n",
    )
    .unwrap();
    assert_eq!(toml.updated(), Some("2026-03-01"));
    assert_eq!(
        toml.gpc_json().as_deref(),
        Some(r#"{"gpc":true,"lastUpdate":"2026-03-01"}"#)
    );
    let json = Policy::from_json_str(r#"{"updated": "2026-03-01"}"#).unwrap();
    assert_eq!(json.updated(), Some("2026-03-01"));
    // No category honours GPC: no support resource.
    assert_eq!(json.gpc_json(), None);
    let undated =
        Policy::from_toml_str("[[categories]]\nid = \"ads\"\nhonor_gpc = true\n").unwrap();
    assert_eq!(undated.gpc_json().as_deref(), Some(r#"{"gpc":true}"#));
    let built = Policy::builder().updated("2026-02-30").build().unwrap();
    assert_eq!(built.updated(), Some("2026-02-30"));

    for (text, message) in [
        (
            "name = \"x\"\nupdated = \"March 1\"\n",
            "line 2: field `updated`: `March 1` is not a date (YYYY-MM-DD)",
        ),
        // TOML itself refuses the month; the field is still named.
        (
            "updated = 2026-13-01\n",
            "line 1: field `updated`: invalid date, expected month between 01 and 12",
        ),
        (
            "updated = 2026-03-01T10:00:00Z\n",
            "line 1: field `updated`: `2026-03-01T10:00:00Z` is not a date (YYYY-MM-DD)",
        ),
    ] {
        assert_eq!(
            Policy::from_toml_str(text).unwrap_err().to_string(),
            message
        );
    }
}

#[test]
fn check_reports_every_problem_and_loading_the_first() {
    let text = "unknown_cookies = \"nope\"\n\
        [[categories]]\nid = \"bad id\"\n\
        [[categories]]\nid = \"ads\"\n\
        [[cookies]]\nname = \"a\"\ncategory = \"nope\"\n\
        [[cookies]]\nname = \"x\"\ncategory = \"ads\"\n\
        [[cookies]]\nname = \"x\"\ncategory = \"ads\"\n\
        [[cookies]]\nname = \"x\"\ncategory = \"ads\"\n\
        [consent_mode]\nads = [\"ad_storag\"]\n\
        [locales.de]\nsav = \"x\"\n";
    let problems: Vec<String> = Policy::check_toml_str(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "line 1: field `unknown_cookies`: must be \"strip\", \"keep\" or a category id; `nope` is none of them (categories: essential, ads)",
            "line 3: field `categories[0].id`: category id `bad id` must be non-empty ASCII letters, digits, `-` or `_`",
            "line 8: field `cookies[0].category`: unknown category `nope` (categories: essential, ads)",
            "line 13: field `cookies[2].name`: cookie `x` is declared twice (first declared at line 10)",
            "line 16: field `cookies[3].name`: cookie `x` is declared twice (first declared at line 10)",
            "line 19: field `consent_mode.ads`: unknown consent type `ad_storag` (types: ad_storage, ad_user_data, ad_personalization, analytics_storage, functionality_storage, personalization_storage, security_storage)",
            "line 21: field `locales.de.sav`: unknown text `sav` (texts: banner_title, banner_title_site, banner_text, read_policy, accept_all, reject_optional, customize, choose, always_on, save, policy_title, last_updated, column_cookie, column_provider, column_purpose, column_expiry, no_cookies, retention, legal_basis, cookie_settings, loads, stores, placeholder, placeholder_button; and the tables categories, cookies, resources)",
        ]
    );
    // Check reports them in line order; loading, the first it meets, which is among them.
    assert_eq!(
        Policy::from_toml_str(text).unwrap_err().to_string(),
        problems[1]
    );
    // JSON: a bad entry is reported and the others still checked.
    let json = r#"{"categories": [{"id": "ads", "colour": 1}],
        "cookies": [{"name": "a", "category": "nope"}, {"name": "b*c", "category": "essential"}]}"#;
    let problems = Policy::check_json_str(json).unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].field, "categories[0].colour");
}

/// Found by the `policy_file` fuzz target holding loading to `check`: JSON
/// with text after the document loaded, the rest ignored.
#[test]
fn json_with_text_after_the_document_does_not_load() {
    let err = Policy::from_json_str("{\"name\": \"Shop\"}\n]\n{\"cookies\": 1}").unwrap_err();
    assert_eq!(err.to_string(), "line 2: trailing characters");
    assert!(Policy::from_json_str("{\"name\": \"Shop\"}\n\n").is_ok());
}

/// `[[resources]]` and `[[storage]]` (DESIGN §20): loaded in file order, each
/// error naming its line and field, in TOML and JSON alike.
#[test]
fn resources_and_storage_load_and_their_errors_name_line_and_field() {
    let text = "unknown_resources = \"report\"\n\
        [[categories]]\nid = \"analytics\"\n\
        [[resources]]\nmatch = \"https://www.googletagmanager.com/\"\ncategory = \"analytics\"\nprovider = \"Google\"\n\
        [[resources]]\nmatch = \"*.clarity.ms\"\ncategory = \"analytics\"\n\
        [[storage]]\nkey = \"_hj*\"\ncategory = \"analytics\"\n";
    let policy = Policy::from_toml_str(text).unwrap();
    assert_eq!(policy.unknown_resources(), UnknownResources::Report);
    let patterns: Vec<&str> = policy
        .resources()
        .iter()
        .map(|r| r.pattern.as_str())
        .collect();
    assert_eq!(
        patterns,
        ["https://www.googletagmanager.com/", "*.clarity.ms"]
    );
    assert_eq!(policy.storage()[0].key, "_hj*");
    assert_eq!(
        policy
            .resource_rule("https://www.clarity.ms/tag/abc")
            .map(|r| r.pattern.as_str()),
        Some("*.clarity.ms")
    );
    assert_eq!(policy.resource_rule("/js/app.js"), None);
    let json = r#"{"categories": [{"id": "analytics"}],
        "resources": [{"match": "https://www.googletagmanager.com/", "category": "analytics"}],
        "storage": [{"key": "_hj*", "category": "analytics"}]}"#;
    let from_json = Policy::from_json_str(json).unwrap();
    assert_eq!(from_json.resources().len(), 1);
    assert_eq!(from_json.storage().len(), 1);
    for (text, expected) in [
        (
            "[[resources]]\nmatch = \"ftp://x\"\ncategory = \"essential\"\n",
            "line 2: field `resources[0].match`: `ftp://x`: not an http(s):// URL with a host",
        ),
        (
            "[[categories]]\nid = \"analytics\"\n[[resources]]\nmatch = \"x.com\"\ncategory = \"analytic\"\n",
            "line 5: field `resources[0].category`: unknown category `analytic` (categories: essential, analytics); did you mean `analytics`?",
        ),
        (
            "[[storage]]\nkey = \"a*b\"\ncategory = \"essential\"\n",
            "line 2: field `storage[0].key`: `a*b`: a key, or a prefix followed by one `*` at the end",
        ),
        (
            "[[resources]]\ncategory = \"essential\"\n",
            "line 1: field `resources[0]`: missing field `match`",
        ),
    ] {
        assert_eq!(Policy::from_toml_str(text).unwrap_err().to_string(), expected);
    }
}
