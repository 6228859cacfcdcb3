//! `cookie-consent scan` through the real binary, in Debian's Chromium:
//! both demo sites store nothing the consent does not allow; a deliberately
//! broken app (the consent layer inside tower-cookies, a route without the
//! layer, a page script writing an undeclared cookie) gets each finding with
//! its category and pass, and exit 1. Errors are messages with exit 2.
//!
//! Without a browser the browser tests skip and say so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) they fail.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use axum::http::header::SET_COOKIE;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use cookie_consent_tower::{ConsentLayer, Policy};
use tower_cookies::{Cookie, CookieManagerLayer, Cookies};

const MINOPA: &str = "../../examples/policies/minopa.toml";
const MIHARI: &str = "../../examples/policies/mihari.toml";

fn browser_available(test: &str) -> bool {
    let present =
        Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists();
    if !present {
        let message = format!("{test}: needs /usr/bin/chromium and /usr/bin/chromedriver");
        if std::env::var("COOKIE_CONSENT_BROWSER").as_deref() == Ok("require") {
            panic!("{message}; COOKIE_CONSENT_BROWSER=require");
        }
        eprintln!("skipped: {message}");
    }
    present
}

/// Serves `app` on a loopback port from a thread of its own.
fn serve(app: Router) -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

/// Runs `cookie-consent scan URL --policy FILE --format json`: (exit code, JSON, stderr).
fn scan(url: &str, policy: &str) -> (i32, serde_json::Value, String) {
    scan_signing(url, policy, None)
}

/// [`scan`] with `CONSENT_KEYS` set to `keys`, for a site that signs its consent.
fn scan_signing(url: &str, policy: &str, keys: Option<&str>) -> (i32, serde_json::Value, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cookie-consent"));
    command.env_remove("CONSENT_KEYS");
    if let Some(keys) = keys {
        command.env("CONSENT_KEYS", keys);
    }
    let output = command
        .args([
            "scan",
            url,
            "--policy",
            policy,
            "--max-pages",
            "5",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// Every (pass, cookie, category, findings) of a scan with any finding.
fn findings(json: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    for pass in json["passes"].as_array().unwrap() {
        for cookie in pass["cookies"].as_array().unwrap() {
            let findings: Vec<&str> = cookie["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            if !findings.is_empty() {
                rows.push((
                    pass["pass"].as_str().unwrap().to_owned(),
                    cookie["name"].as_str().unwrap().to_owned(),
                    cookie["category"].as_str().unwrap_or("-").to_owned(),
                    findings.join(", "),
                ));
            }
        }
    }
    rows
}

fn policy(path: &str) -> Policy {
    Policy::from_path(path).unwrap()
}

#[test]
fn both_demo_sites_store_nothing_the_consent_does_not_allow() {
    if !browser_available("both_demo_sites_store_nothing_the_consent_does_not_allow") {
        return;
    }
    let axum_demo = serve(
        example_axum_minopa::app(policy(MINOPA), cookie_consent_tests::memory_records()).unwrap(),
    );
    let actix_demo = cookie_consent_tests::serve_actix_demo(policy(MIHARI));
    // A site that signs its consent, scanned with its keys.
    let keys = "9d".repeat(32);
    let signing = cookie_consent_core::SigningKeys::parse(&keys).unwrap();
    let signed_demo = serve(
        example_axum_minopa::app(
            policy(MINOPA).with_signing_keys(signing),
            cookie_consent_tests::memory_records(),
        )
        .unwrap(),
    );
    for (addr, file, analytics, keys) in [
        (axum_demo, MINOPA, "_ga", None),
        (actix_demo, MIHARI, "mh_analytics_id", None),
        (signed_demo, MINOPA, "_ga", Some(keys.as_str())),
    ] {
        let (code, json, err) = scan_signing(&format!("http://{addr}/"), file, keys);
        assert_eq!(findings(&json), [], "{file}: {err}");
        assert_eq!(code, 0, "{file}: {err}");
        // The scan saw the site: after accepting all, the analytics cookie is there.
        let accepted = &json["passes"][2];
        assert_eq!(accepted["pass"], "after-accept");
        let names: Vec<&str> = accepted["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&analytics), "{file}: {names:?}");
    }
}

async fn home() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><title>Broken</title>\
         <script>document.cookie = 'tracker_x=1; Path=/';</script></head>\
         <body><a href=\"/session\">Session</a> <a href=\"/untracked\">Untracked</a></body></html>",
    )
}

async fn session(cookies: Cookies) -> &'static str {
    let mut theme = Cookie::new("theme", "dark");
    theme.set_path("/");
    cookies.add(theme);
    "ok"
}

async fn untracked() -> impl IntoResponse {
    ([(SET_COOKIE, "_ga=GA1.1.1; Path=/; Max-Age=3600")], "ok")
}

#[test]
fn a_broken_app_gets_each_finding_with_its_category_and_pass() {
    if !browser_available("a_broken_app_gets_each_finding_with_its_category_and_pass") {
        return;
    }
    let app = Router::new()
        .route("/", get(home))
        .route("/session", get(session))
        // Wrong: the consent layer inside tower-cookies never sees its Set-Cookie.
        .layer(ConsentLayer::new(policy(MINOPA)))
        .layer(CookieManagerLayer::new())
        // Wrong: a route merged after the layer has none.
        .merge(Router::new().route("/untracked", get(untracked)));
    let addr = serve(app);
    let (code, json, err) = scan(&format!("http://{addr}/"), MINOPA);
    let row = |pass: &str, name: &str, category: &str, findings: &str| {
        (
            pass.to_owned(),
            name.to_owned(),
            category.to_owned(),
            findings.to_owned(),
        )
    };
    assert_eq!(
        findings(&json),
        [
            row("no-consent", "_ga", "analytics", "before-consent"),
            row("no-consent", "theme", "functional", "before-consent"),
            row("no-consent", "tracker_x", "-", "undeclared, before-consent"),
            row("after-reject", "_ga", "analytics", "after-reject"),
            row("after-reject", "theme", "functional", "after-reject"),
            row("after-reject", "tracker_x", "-", "undeclared, after-reject"),
            row("after-accept", "tracker_x", "-", "undeclared"),
        ],
        "{err}"
    );
    assert_eq!(code, 1);
}

#[test]
fn errors_are_messages() {
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        let output = Command::new(env!("CARGO_BIN_EXE_cookie-consent"))
            .args(args)
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["scan", "not a url", "--policy", MINOPA], &[]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "cookie-consent: `not a url` is not a URL: relative URL without a base\n"
    );
    let (code, err) = run(&["scan", "ftp://example.com/", "--policy", MINOPA], &[]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "cookie-consent: `ftp://example.com/` is not an http or https URL\n"
        )
    );
    let (code, err) = run(
        &["scan", "http://127.0.0.1:9/", "--policy", MINOPA],
        &[("COOKIE_CONSENT_CHROMIUM", "/nowhere/chromium")],
    );
    assert_eq!(code, 2);
    assert!(err.starts_with("cookie-consent: scan needs Chromium and chromedriver: /nowhere/chromium is missing (Debian: apt-get install chromium chromium-driver"), "{err}");
    let (code, err) = run(
        &["scan", "http://127.0.0.1:9/", "--policy", "nowhere.toml"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("nowhere.toml: cannot read the policy file"),
        "{err}"
    );

    if !browser_available("errors_are_messages (a site that does not answer)") {
        return;
    }
    // Nothing listens on a freshly closed port: the page does not load.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, err) = run(
        &[
            "scan",
            &format!("http://127.0.0.1:{port}/"),
            "--policy",
            MINOPA,
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did not load"), "{err}");
}

/// The names of the cookies a scan's pass (0, 1, 2) found.
fn names_in_pass(json: &serde_json::Value, pass: usize) -> Vec<&str> {
    json["passes"][pass]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// Runs `cookie-consent scan URL --policy FILE --format json` with further arguments.
fn scan_with(url: &str, policy: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cookie-consent"))
        .env_remove("CONSENT_KEYS")
        .args(["scan", url, "--policy", policy.to_str().unwrap()])
        .args(["--max-pages", "5", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// Minopa's policy reading `source`, written to a file of its own.
fn policy_file(test: &str, source: &str) -> (std::path::PathBuf, Policy) {
    let text = format!("{}\n{source}", std::fs::read_to_string(MINOPA).unwrap());
    let dir =
        std::env::temp_dir().join(format!("cookie-consent-scan-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.toml");
    std::fs::write(&path, &text).unwrap();
    (path, Policy::from_toml_str(&text).unwrap())
}

/// vanilla-cookieconsent's files, from `tests/js` (`npm ci --prefix tests/js`).
fn vanilla_file(name: &str) -> Option<String> {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/js/node_modules/vanilla-cookieconsent/dist")
        .join(name);
    let text = std::fs::read_to_string(&dist).ok();
    if text.is_none() && std::env::var("COOKIE_CONSENT_BROWSER").as_deref() == Ok("require") {
        panic!("{} is missing: npm ci --prefix tests/js", dist.display());
    }
    text
}

const VANILLA_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<link rel="stylesheet" href="/banner.css"><script src="/banner.js"></script></head>
<body><a href="/track">Track</a>
<script>
CookieConsent.run({
  revision: 1, hideFromBots: false,
  categories: { necessary: { enabled: true, readOnly: true }, functional: {}, analytics: {}, marketing: {} },
  language: { default: "en", translations: { en: {
    consentModal: { title: "Cookies", description: "We use cookies.", acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all" },
    preferencesModal: { title: "Preferences", acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all", savePreferencesBtn: "Save", sections: [] }
  } } }
});
</script></body></html>"#;

/// A site whose consent comes from a CMP: `page` (the guard first in
/// `<head>`), the banner's files, and `/track`, which sets `_ga` through
/// tower-cookies. `layer_inside` makes the classic mistake: the consent
/// layer inside `CookieManagerLayer`, so it never sees `_ga`.
fn cmp_site(policy: Policy, page: &'static str, layer_inside: bool) -> Option<SocketAddr> {
    let (script, style) = (
        vanilla_file("cookieconsent.umd.js")?,
        vanilla_file("cookieconsent.css")?,
    );
    let guarded = move |consent: cookie_consent_tower::Consent| async move {
        let guard = consent.policy().render_cookie_guard(&consent, None);
        Html(page.replacen("<head>", &format!("<head>{guard}"), 1))
    };
    let track = |cookies: Cookies| async move {
        let mut ga = Cookie::new("_ga", "GA1.1.1");
        ga.set_path("/");
        cookies.add(ga);
        "tracked"
    };
    let routes = Router::new()
        .route("/", get(guarded))
        .route("/track", get(track))
        .route(
            "/banner.js",
            get(move || async move { ([("content-type", "text/javascript")], script) }),
        )
        .route(
            "/banner.css",
            get(move || async move { ([("content-type", "text/css")], style) }),
        );
    let app = match layer_inside {
        false => routes
            .layer(CookieManagerLayer::new())
            .layer(ConsentLayer::new(policy)),
        true => routes
            .layer(ConsentLayer::new(policy))
            .layer(CookieManagerLayer::new()),
    };
    Some(serve(app))
}

#[test]
fn a_vanilla_cookieconsent_site_is_scanned_through_its_own_banner() {
    if !browser_available("a_vanilla_cookieconsent_site_is_scanned_through_its_own_banner") {
        return;
    }
    let (file, policy) = policy_file(
        "vanilla",
        "[[consent_sources]]\nformat = \"vanilla-cookieconsent\"\n",
    );
    let Some(good) = cmp_site(policy.clone(), VANILLA_PAGE, false) else {
        return;
    };
    let (code, json, err) = scan_with(&format!("http://{good}/"), &file, &[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{err}");
    let accepted = names_in_pass(&json, 2);
    assert!(
        accepted.contains(&"_ga"),
        "the banner's Accept all took: {accepted:?}"
    );

    // The layer inside tower-cookies: the same banner, and the findings.
    let broken = cmp_site(policy.clone(), VANILLA_PAGE, true).unwrap();
    let (code, json, err) = scan_with(&format!("http://{broken}/"), &file, &[]);
    let rows = findings(&json);
    assert!(
        rows.iter()
            .any(|r| r.0 == "no-consent" && r.1 == "_ga" && r.3 == "before-consent"),
        "{rows:?} {err}"
    );
    assert!(
        rows.iter()
            .any(|r| r.0 == "after-reject" && r.1 == "_ga" && r.3 == "after-reject"),
        "{rows:?} {err}"
    );
    assert_eq!(code, 1);

    // A banner whose button cannot be found: exit 2, saying so.
    let (code, json, err) = scan_with(
        &format!("http://{good}/"),
        &file,
        &["--accept", "#no-such-button"],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(json, serde_json::Value::Null);
    assert!(
        err.contains("the --accept button `#no-such-button` was not found"),
        "{err}"
    );
}

#[test]
fn a_cookiebot_site_without_its_script_is_scanned_by_writing_its_cookie() {
    if !browser_available("a_cookiebot_site_without_its_script_is_scanned_by_writing_its_cookie") {
        return;
    }
    let (file, policy) = policy_file("cookiebot", "[[consent_sources]]\nformat = \"cookiebot\"\n");
    const PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>Shop</title></head>\
                        <body><a href=\"/track\">Track</a></body></html>";
    let Some(site) = cmp_site(policy, PAGE, false) else {
        return;
    };
    let (code, json, err) = scan_with(&format!("http://{site}/"), &file, &[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{err}");
    let accepted = names_in_pass(&json, 2);
    assert!(
        accepted.contains(&"_ga"),
        "the written CookieConsent took: {accepted:?}"
    );
    let rejected = names_in_pass(&json, 1);
    assert!(!rejected.contains(&"_ga"), "{rejected:?}");
}

/// A pass whose consent does not take is an error, not a clean report: a
/// site that signs its consent, scanned without its keys.
#[test]
fn a_pass_whose_consent_does_not_hold_exits_2() {
    if !browser_available("a_pass_whose_consent_does_not_hold_exits_2") {
        return;
    }
    let keys = cookie_consent_core::SigningKeys::parse(&"7e".repeat(32)).unwrap();
    let signed = serve(
        example_axum_minopa::app(
            policy(MINOPA).with_signing_keys(keys),
            cookie_consent_tests::memory_records(),
        )
        .unwrap(),
    );
    let (code, json, err) = scan(&format!("http://{signed}/"), MINOPA);
    assert_eq!((code, json), (2, serde_json::Value::Null), "{err}");
    assert!(
        err.contains("the reject optional pass could not establish its consent")
            && err.contains("reads it as invalid"),
        "{err}"
    );
}
