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

/// Runs `cookie-consent scan URL --policy FILE --json`: (exit code, JSON, stderr).
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
            "--json",
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
