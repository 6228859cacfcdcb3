//! What the demo sites (`example-axum-minopa`, `example-actix-mihari`) share:
//! their settings, their pages and their cookies, all from the policy. Each
//! site only routes requests here and translates headers, as the adapters do.

use std::fmt::Write as _;

use cookie_consent_core::{
    Consent, ConsentRecord, CookieRule, Locale, Policy, PolicyError, Recording, ResourceRule,
    SigningKeys, StorageRule, ESSENTIAL,
};

/// Where a demo site listens and which policy it enforces.
#[derive(Debug)]
pub struct Settings {
    /// `HOST`, default `127.0.0.1`.
    pub host: String,
    /// `PORT`, default 3000.
    pub port: u16,
    /// `COOKIE_POLICY` (a path), default the site's embedded policy; with
    /// `CONSENT_KEYS` (comma-separated keys, each hex or base64 of at least 32
    /// bytes) its consent cookie is signed, else unsigned as in wave 2.
    pub policy: Policy,
    /// `CONSENT_RECORDS`: where consent answers are recorded, default `sqlite::memory:`.
    pub records: Recording,
    /// What the demo serves beyond the site's own pages.
    pub options: Options,
}

/// Routes a demo serves only when asked to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `DEMO_RAW_SET_COOKIE=1`: `/demo/raw?v=LINE` appends each `v` verbatim as
    /// a `Set-Cookie` value (for differential tests against a browser); else 404.
    pub raw_set_cookie: bool,
}

impl Settings {
    /// Reads `HOST`, `PORT` and `COOKIE_POLICY`; `embedded` is the site's own policy file.
    /// The error is a sentence to print: a bad policy file gives its file, line and field.
    pub fn from_env(embedded: &str) -> Result<Settings, String> {
        let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
        let port = match std::env::var("PORT") {
            Ok(port) => port
                .parse()
                .map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
            Err(_) => 3000,
        };
        let policy = match std::env::var_os("COOKIE_POLICY") {
            Some(path) => Policy::from_path(path),
            None => Policy::from_toml_str(embedded),
        }
        .map_err(|err: PolicyError| format!("cookie policy: {err}"))?;
        let tracker = std::env::var("DEMO_TRACKER_ORIGIN").ok();
        let policy = with_demo_resources(&policy, tracker.as_deref())
            .map_err(|err| format!("cookie policy: {err}"))?;
        let policy = match std::env::var("CONSENT_KEYS") {
            Ok(keys) => policy.with_signing_keys(
                SigningKeys::parse(&keys).map_err(|err| format!("CONSENT_KEYS: {err}"))?,
            ),
            Err(_) => policy,
        };
        let records = std::env::var("CONSENT_RECORDS").unwrap_or_else(|_| "sqlite::memory:".into());
        let records = open_records(&records)?;
        let options = Options {
            raw_set_cookie: std::env::var("DEMO_RAW_SET_COOKIE").as_deref() == Ok("1"),
        };
        Ok(Settings {
            host,
            port,
            policy,
            records,
            options,
        })
    }
}

/// The recording into the store `url` names (`sqlite::memory:`,
/// `sqlite:PATH`, `postgres://…`); the error is a sentence to print.
pub fn open_records(url: &str) -> Result<Recording, String> {
    let store = cookie_consent_records::open(url).map_err(|err| err.to_string())?;
    Ok(Recording::new(store))
}

/// `GET /demo/records?id=ID`: the id asked for, from the query's pairs.
pub fn records_id<'a>(query: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<&'a str> {
    query
        .into_iter()
        .find(|(key, _)| *key == "id")
        .map(|(_, id)| id)
}

/// The records as the JSON array `/demo/records` answers, oldest first.
pub fn records_json(records: &[ConsentRecord]) -> String {
    serde_json::to_string(records).unwrap_or_else(|_| "[]".to_owned())
}

/// What a demo's `main` starts from: the address to listen on and the app built
/// for the configured policy. The error is a sentence to print before exiting 1.
pub fn prepare<A>(
    embedded: &str,
    app: impl FnOnce(Policy, Recording, Options) -> Result<A, PolicyError>,
) -> Result<((String, u16), A), String> {
    let settings = Settings::from_env(embedded)?;
    let app = app(settings.policy, settings.records, settings.options)
        .map_err(|err| format!("cookie policy: {err}"))?;
    Ok(((settings.host, settings.port), app))
}

/// The billing pages' policy: the site's, plus Stripe's fraud-prevention cookies
/// as essential (those the site policy does not already declare).
pub fn billing_policy(site: &Policy) -> Result<Policy, PolicyError> {
    ["__stripe_mid", "__stripe_sid"]
        .into_iter()
        .filter(|name| !site.cookies().iter().any(|rule| rule.name == *name))
        .fold(site.to_builder(), |builder, name| {
            let rule = CookieRule::new(name, ESSENTIAL)
                .provider("Stripe")
                .purpose("Fraud prevention");
            builder.cookie(rule.expiry("1 year"))
        })
        .build()
}

/// The cookies the home page sets: one per rule but the consent cookie's, a
/// prefix rule `p*` as `pdemo`.
pub fn home_cookies(policy: &Policy) -> Vec<String> {
    let consent_cookie = &policy.consent_cookie().name;
    policy
        .cookies()
        .iter()
        .filter(|rule| rule.name != *consent_cookie)
        .map(|rule| match rule.prefix() {
            Some(prefix) => format!("{prefix}demo=demo; Path=/; Max-Age=3600"),
            None => format!("{}=demo; Path=/; Max-Age=3600", rule.name),
        })
        .collect()
}

/// `/demo/set?name=A&delete=C`: `A=demo; Path=/; Max-Age=3600`, `C=; Path=/; Max-Age=0`.
/// A name that is not a cookie-name token is refused (the error, for a 400):
/// a link from another site must not write attributes, or a consent cookie
/// behind a `;`.
pub fn demo_set_cookies<'a>(
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<String>, String> {
    let mut cookies = Vec::new();
    for (key, name) in query {
        let line = match key {
            "name" => format!("{name}=demo; Path=/; Max-Age=3600"),
            "delete" => format!("{name}=; Path=/; Max-Age=0"),
            _ => continue,
        };
        if !is_cookie_name(name) {
            return Err(format!("{name:?} is not a cookie name"));
        }
        cookies.push(line);
    }
    Ok(cookies)
}

/// A cookie-name token (RFC 6265 §4.1.1): visible ASCII but separators.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// What `/demo/raw` answers: `Set-Cookie` lines verbatim, `Vary` values the
/// page already sends, and whether it is a `304 Not Modified`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAnswer {
    /// Each `v`, verbatim.
    pub set_cookies: Vec<String>,
    /// Each `vary`.
    pub vary: Vec<String>,
    /// `status=304`.
    pub not_modified: bool,
}

/// `/demo/raw?v=LINE&v=…&vary=VALUE&status=304`, when
/// [`Options::raw_set_cookie`] is on (`None`: answer 404). A value no header
/// can carry (a control byte other than tab) is refused with the error, for a 400.
pub fn demo_raw<'a>(
    options: Options,
    query: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<Result<RawAnswer, String>> {
    if !options.raw_set_cookie {
        return None;
    }
    let mut answer = RawAnswer::default();
    for (key, value) in query {
        if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Some(Err(format!(
                "{value:?} holds a control byte no header can carry"
            )));
        }
        match key {
            "v" => answer.set_cookies.push(value.to_owned()),
            "vary" => answer.vary.push(value.to_owned()),
            "status" => answer.not_modified = value == "304",
            _ => {}
        }
    }
    Some(Ok(answer))
}

/// `/demo/consent`: `{"state":…,"granted":[…],"gpc":…,"source":…}`, the source
/// `null` while the state is missing.
pub fn consent_json(consent: &Consent) -> String {
    #[derive(serde::Serialize)]
    struct View<'a> {
        state: &'a str,
        granted: Vec<&'a str>,
        gpc: bool,
        source: Option<&'a str>,
    }
    let view = View {
        state: consent.state().as_str(),
        granted: consent.granted().collect(),
        gpc: consent.signals().gpc,
        source: consent.source(),
    };
    serde_json::to_string(&view).unwrap_or_default()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:48rem;padding:1rem;line-height:1.5}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.3rem;text-align:left;overflow-wrap:anywhere}\
.cookie-banner{border:2px solid #333;padding:1rem;margin:1rem 0;background:#f6f6f6}\
.cookie-banner button{font-size:1rem;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0}\
.cookie-banner fieldset div{padding:.25rem 0}summary{cursor:pointer;padding:.5rem 0}\
:focus-visible{outline:3px solid #0057b7;outline-offset:2px}footer{margin-top:2rem;border-top:1px solid #ccc}";

fn page(locale: &Locale<'_>, title: &str, scripts: &str, body: &str) -> String {
    let text = |key| locale.text_by_key(key).unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n{scripts}<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — {site}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\
         <footer><p><a href=\"/?cookie-settings\" id=\"cookie-settings\">{settings}</a> · \
         <a href=\"/cookie-policy\">{policy}</a></p></footer>\n</body>\n</html>\n",
        lang = locale.tag(),
        site = locale.policy().name(),
        settings = text("cookie_settings"),
        policy = text("policy_title"),
    )
}

/// The provider of the demo's own analytics script, which marks a policy as
/// extended with the demo's resources.
const DEMO_ANALYTICS: &str = "Demo Analytics";

/// The policy plus what `/demo/page` loads and stores (DESIGN §7b): a script,
/// a video frame and a pixel under `/demo/tracker/` (on `tracker_origin`,
/// default the site's own), and a `localStorage` key `demo_<id>` per optional
/// category. A policy that has them already is returned as it is. The demos'
/// `main` serves the policy so extended (built in code, its digest is of the
/// compiled policy, not of the file); the apps serve the policy they are given.
pub fn with_demo_resources(
    policy: &Policy,
    tracker_origin: Option<&str>,
) -> Result<Policy, PolicyError> {
    if policy
        .resources()
        .iter()
        .any(|r| r.provider == DEMO_ANALYTICS)
    {
        return Ok(policy.clone());
    }
    let optional: Vec<&str> = policy
        .categories()
        .iter()
        .skip(1)
        .map(|c| c.id.as_str())
        .collect();
    let Some(&last) = optional.last() else {
        return Ok(policy.clone());
    };
    let pick = |wanted: &[&'static str]| -> String {
        let found = wanted.iter().find(|id| optional.contains(id)).copied();
        found.unwrap_or(last).to_owned()
    };
    let base = format!(
        "{}/demo/tracker/",
        tracker_origin.unwrap_or_default().trim_end_matches('/')
    );
    let resources = [
        ("analytics.js", pick(&["analytics"]), DEMO_ANALYTICS),
        ("video", pick(&["marketing", "functional"]), "Demo Video"),
        ("pixel.gif", pick(&["marketing", "analytics"]), "Demo Pixel"),
    ];
    let builder = resources.into_iter().fold(
        policy.to_builder(),
        |builder, (file, category, provider)| {
            builder
                .resource(ResourceRule::new(format!("{base}{file}"), category).provider(provider))
        },
    );
    optional
        .iter()
        .fold(builder, |builder, id| {
            builder.storage(StorageRule::new(format!("demo_{id}"), *id))
        })
        .build()
}

/// The URL the page loads the demo resource of `provider` from.
fn demo_resource<'p>(policy: &'p Policy, provider: &str) -> Option<&'p str> {
    policy
        .resources()
        .iter()
        .find(|r| r.provider == provider)
        .map(|r| r.pattern.as_str())
}

/// `GET /demo/page` (DESIGN §7b), served through the page layer: the demo's
/// script, frame and pixel, an inline script tagged with its category, one
/// `localStorage` write per declared key, and the banner while consent is
/// asked for. It renders no guard: the page layer puts it first in `<head>`.
pub fn demo_page(policy: &Policy, consent: &Consent, accept_language: Option<&str>) -> String {
    let locale = policy.locale(accept_language);
    let mut body = format!("<main>\n<h1>{} — tags and storage</h1>\n", policy.name());
    if consent.needs_prompt() {
        body.push_str(&locale.render_banner(consent, "/consent", "/cookie-policy"));
    }
    let attr = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;");
    if let Some(script) = demo_resource(policy, DEMO_ANALYTICS) {
        let _ = writeln!(body, "<script src=\"{}\"></script>", attr(script));
    }
    if let Some(video) = demo_resource(policy, "Demo Video") {
        let _ = writeln!(
            body,
            "<iframe src=\"{}\" title=\"Demo video\" width=\"320\" height=\"180\"></iframe>",
            attr(video)
        );
    }
    if let Some(pixel) = demo_resource(policy, "Demo Pixel") {
        let _ = writeln!(
            body,
            "<img src=\"{}\" alt=\"\" width=\"1\" height=\"1\">",
            attr(pixel)
        );
    }
    if let Some(analytics) = policy
        .resources()
        .iter()
        .find(|r| r.provider == DEMO_ANALYTICS)
    {
        let _ = writeln!(
            body,
            "<script data-consent-category=\"{}\">window.demoInline=(window.demoInline||0)+1;</script>",
            attr(&analytics.category)
        );
    }
    let keys: Vec<&str> = policy.storage().iter().map(|s| s.key.as_str()).collect();
    let _ = writeln!(
        body,
        "<script>{}.forEach(function(k){{try{{localStorage.setItem(k,'1')}}catch(e){{}}}});</script>",
        serde_json::json!(keys).to_string().replace('<', "\\u003c")
    );
    body.push_str("</main>\n");
    page(&locale, policy.name(), "", &body)
}

/// `GET /demo/tracker/FILE`: what the demo's "tracker" serves, as
/// (content type, body); `None` for another file.
pub fn tracker(file: &str) -> Option<(&'static str, &'static [u8])> {
    match file {
        "analytics.js" => Some((
            "application/javascript",
            b"window.demoAnalytics=(window.demoAnalytics||0)+1;",
        )),
        "video" => Some((
            "text/html; charset=utf-8",
            b"<!doctype html><title>Demo video</title><p>A video would play here.</p>",
        )),
        // A 1x1 transparent GIF.
        "pixel.gif" => Some((
            "image/gif",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b",
        )),
        _ => None,
    }
}

/// The cookies the home page's own script writes, as a site's scripts do, so
/// the cookie guard has something to judge: through `document.cookie`, the
/// first exact rule of `essential`, `functional` and `analytics` that the
/// policy declares; through `cookieStore.set`, the last other exact rule
/// that is not essential.
pub fn script_cookies(policy: &Policy) -> (Vec<&str>, Option<&str>) {
    let consent_cookie = &policy.consent_cookie().name;
    let exact = || {
        policy
            .cookies()
            .iter()
            .filter(|rule| rule.prefix().is_none() && rule.name != *consent_cookie)
    };
    let document: Vec<&str> = [ESSENTIAL, "functional", "analytics"]
        .into_iter()
        .filter_map(|category| exact().find(|rule| rule.category == category))
        .map(|rule| rule.name.as_str())
        .collect();
    let store = exact()
        .rev()
        .find(|rule| rule.category != ESSENTIAL && !document.contains(&rule.name.as_str()))
        .map(|rule| rule.name.as_str());
    (document, store)
}

/// What the home page's `<head>` starts with: the cookie guard, the Consent
/// Mode default when the policy has `[consent_mode]`, then the page's own
/// script writing [`script_cookies`] (value `script`).
fn home_scripts(policy: &Policy, consent: &Consent) -> String {
    let mut scripts = policy.render_cookie_guard(consent, None);
    scripts.push_str(
        &policy
            .render_consent_mode(consent, None)
            .unwrap_or_default(),
    );
    let (document, store) = script_cookies(policy);
    scripts.push_str("<script>");
    for name in document {
        let _ = write!(
            scripts,
            "document.cookie=\"{name}=script; Path=/; Max-Age=3600\";"
        );
    }
    if let Some(name) = store {
        let _ = write!(
            scripts,
            "if(window.cookieStore)cookieStore.set({{name:\"{name}\",value:\"script\",path:\"/\",\
             expires:Date.now()+3600000}}).catch(function(){{}});"
        );
    }
    scripts.push_str("</script>\n");
    scripts
}

/// The home page in the visitor's language (`accept_language`): the banner
/// when consent is needed or the visitor asked for the settings, and the
/// analytics script only when analytics is granted. The page depends on
/// `Accept-Language`: answer it with `Vary: Accept-Language`.
pub fn home_page(
    policy: &Policy,
    consent: &Consent,
    settings_requested: bool,
    accept_language: Option<&str>,
) -> String {
    let locale = policy.locale(accept_language);
    let mut body = format!("<main>\n<h1>{}</h1>\n", policy.name());
    if consent.needs_prompt() || settings_requested {
        body.push_str(&locale.render_banner(consent, "/consent", "/cookie-policy"));
    }
    let _ = writeln!(
        body,
        "<p>Your consent: <strong id=\"consent-state\">{}</strong>; granted: {}.</p>",
        consent.state().as_str(),
        consent.granted().collect::<Vec<_>>().join(", ")
    );
    // Third-party scripts stay off the page until their category is granted.
    if consent.allows("analytics") {
        body.push_str("<script src=\"/analytics.js\" data-category=\"analytics\"></script>\n");
    }
    body.push_str("</main>\n");
    page(
        &locale,
        policy.name(),
        &home_scripts(policy, consent),
        &body,
    )
}

/// The cookie-policy page, rendered from the policy in the visitor's
/// language (answer it with `Vary: Accept-Language`).
pub fn policy_page(policy: &Policy, accept_language: Option<&str>) -> String {
    let locale = policy.locale(accept_language);
    let title = locale.text_by_key("policy_title").unwrap_or_default();
    page(
        &locale,
        title,
        "",
        &format!("<main>\n{}</main>\n", locale.render_html()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The only test here that touches the environment, so nothing races it.
    #[test]
    fn settings_come_from_the_environment_and_a_bad_policy_names_file_line_and_field() {
        let dir = std::env::temp_dir().join(format!("cookie-consent-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(
            &bad,
            "name = \"x\"\n[[cookies]]\nname = \"_ga\"\ncategory = \"nope\"\n",
        )
        .unwrap();
        std::env::set_var("COOKIE_POLICY", &bad);
        std::env::set_var("PORT", "8080");
        let err = Settings::from_env("").unwrap_err();
        assert_eq!(
            err,
            format!(
                "cookie policy: {}:4: field `cookies[0].category`: unknown category `nope` (categories: essential)",
                bad.display()
            )
        );
        let good = dir.join("good.toml");
        std::fs::write(&good, "name = \"Good\"\n").unwrap();
        std::env::set_var("COOKIE_POLICY", &good);
        let settings = Settings::from_env("").unwrap();
        assert_eq!(
            (
                settings.host.as_str(),
                settings.port,
                settings.policy.name()
            ),
            ("127.0.0.1", 8080, "Good")
        );
        std::env::set_var(
            "CONSENT_KEYS",
            format!("{},{}", "ab".repeat(32), "Kw".repeat(22)),
        );
        assert!(Settings::from_env("").unwrap().policy.signs_consent());
        std::env::set_var("CONSENT_KEYS", "ab".repeat(31));
        assert_eq!(
            Settings::from_env("").unwrap_err(),
            "CONSENT_KEYS: signing key 1 has fewer than 32 bytes"
        );
        std::env::remove_var("CONSENT_KEYS");
        assert!(!Settings::from_env("").unwrap().policy.signs_consent());
        std::env::set_var("PORT", "eighty");
        assert_eq!(
            Settings::from_env("").unwrap_err(),
            "PORT must be a port number, not \"eighty\""
        );
        std::env::remove_var("PORT");
        std::env::set_var("COOKIE_POLICY", &bad);
        let refused = prepare("", |_, _, _| -> Result<(), PolicyError> {
            unreachable!("a bad policy never builds an app")
        });
        assert!(refused
            .unwrap_err()
            .contains("bad.toml:4: field `cookies[0].category`"));
        std::env::remove_var("COOKIE_POLICY");
        let ((host, port), name) =
            prepare("name = \"Embedded\"", |p, _, _| Ok(p.name().to_owned())).unwrap();
        assert_eq!(
            (host.as_str(), port, name.as_str()),
            ("127.0.0.1", 3000, "Embedded")
        );
        let app_error = prepare("", |p, _, _| {
            billing_policy(&p).and_then(|_| {
                Policy::builder()
                    .cookie(CookieRule::new("x", "nope"))
                    .build()
            })
        });
        assert_eq!(app_error.unwrap_err(), "cookie policy: field `cookies[0].category`: unknown category `nope` (categories: essential)");
        let embedded = Settings::from_env("name = \"Embedded\"").unwrap();
        assert_eq!((embedded.port, embedded.policy.name()), (3000, "Embedded"));
        std::env::set_var("CONSENT_RECORDS", "mysql://db");
        let refused = Settings::from_env("").unwrap_err();
        assert!(
            refused.contains("consent records `mysql://db`"),
            "{refused}"
        );
        std::env::set_var(
            "CONSENT_RECORDS",
            format!("sqlite:{}", dir.join("no-such-dir/records.db").display()),
        );
        let refused = Settings::from_env("").unwrap_err();
        assert!(refused.contains("no-such-dir/records.db"), "{refused}");
        std::env::remove_var("CONSENT_RECORDS");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_home_page_sets_one_cookie_per_rule() {
        let policy = Policy::from_toml_str(
            "[[cookies]]\nname = \"sid\"\ncategory = \"essential\"\n[[cookies]]\nname = \"sentry-*\"\ncategory = \"essential\"\n\
             [[cookies]]\nname = \"cookie-preferences\"\ncategory = \"essential\"\n",
        )
        .unwrap();
        assert_eq!(
            home_cookies(&policy),
            [
                "sid=demo; Path=/; Max-Age=3600",
                "sentry-demo=demo; Path=/; Max-Age=3600"
            ]
        );
    }

    #[test]
    fn demo_set_refuses_what_is_not_a_cookie_name_and_raw_lines_need_the_option() {
        let set = |query: &[(&'static str, &'static str)]| demo_set_cookies(query.iter().copied());
        assert_eq!(
            set(&[("name", "_ga"), ("delete", "theme")]).unwrap(),
            [
                "_ga=demo; Path=/; Max-Age=3600",
                "theme=; Path=/; Max-Age=0"
            ]
        );
        for bad in [
            "x; Domain=evil.example",
            "cookie-preferences=%7B%7D;",
            "",
            "a b",
        ] {
            assert!(set(&[("name", bad)]).is_err(), "{bad:?}");
            assert!(set(&[("delete", bad)]).is_err(), "{bad:?}");
        }
        let lines = [
            ("v", "_ga=1; Max-Age=0; Max-Age=1"),
            ("v", "x=\u{a0}"),
            ("vary", "Accept-Encoding"),
            ("status", "304"),
        ];
        assert!(demo_raw(Options::default(), lines).is_none());
        let on = Options {
            raw_set_cookie: true,
        };
        let answer = demo_raw(on, lines).unwrap().unwrap();
        assert_eq!(
            answer.set_cookies,
            ["_ga=1; Max-Age=0; Max-Age=1", "x=\u{a0}"]
        );
        assert_eq!(
            (answer.vary, answer.not_modified),
            (vec!["Accept-Encoding".to_owned()], true)
        );
        assert!(demo_raw(on, [("v", "a=1\n")]).unwrap().is_err());
        assert!(demo_raw(on, [("vary", "a\r\nb")]).unwrap().is_err());
    }
}
