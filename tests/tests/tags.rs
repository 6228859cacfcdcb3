//! Chromium judges the page layer (DESIGN §20) on both demos' `/demo/page`,
//! with DevTools' network events: before consent no request reaches a
//! declared tracker URL and no declared storage key persists; Accept all (a
//! click) loads each once; a grant in the page loads them without a reload;
//! after withdrawal nothing loads on the next page; the frame's placeholder
//! passes axe-core and its button loads the frame.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cookie_consent_core::Policy;
use cookie_consent_tests::browser::{
    browser_available, click, evaluate, needed, network_requests, open_browser_recording_network,
    serious_violations, Driver,
};
use cookie_consent_tests::{serve_actix_demo, serve_axum_demo};
use fantoccini::Client;

/// The requests to the demo's tracker among `requests`, by file.
fn tracked(requests: &[String]) -> Vec<String> {
    let mut files: Vec<String> = requests
        .iter()
        .filter_map(|url| url.split("/demo/tracker/").nth(1))
        .map(|file| file.split('?').next().unwrap_or(file).to_owned())
        .collect();
    files.sort();
    files
}

/// The `localStorage` keys the page kept.
async fn storage(client: &Client) -> Vec<String> {
    let keys = evaluate(client, "return Object.keys(localStorage).sort();").await;
    serde_json::from_value(keys).unwrap()
}

/// Lets late requests (a frame, a pixel) go out before the log is read.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

fn profile(site: &str, step: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-tags-{site}-{step}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn the_page_layer_holds(site: &str, addr: SocketAddr, policy: &Policy) {
    let page = format!("http://{addr}/demo/page");
    let optional: Vec<String> = policy.categories()[1..]
        .iter()
        .map(|c| format!("demo_{}", c.id))
        .collect();
    let mut all_keys = optional.clone();
    all_keys.sort();
    let driver = Driver::start().await;

    // Before consent: nothing of the tracker's, no declared key kept.
    let client = open_browser_recording_network(&driver, &profile(site, "accept")).await;
    client.goto(&page).await.unwrap();
    settle().await;
    let requests = network_requests(&client).await;
    assert!(
        requests.iter().any(|u| u.ends_with("/demo/page")),
        "{site}: the log has the page: {requests:?}"
    );
    assert_eq!(
        tracked(&requests),
        Vec::<String>::new(),
        "{site}: before consent"
    );
    assert_eq!(
        storage(&client).await,
        Vec::<String>::new(),
        "{site}: storage before consent"
    );
    let ran = evaluate(
        &client,
        "return [window.demoAnalytics || 0, window.demoInline || 0];",
    )
    .await;
    assert_eq!(
        ran,
        serde_json::json!([0, 0]),
        "{site}: no tracker code ran"
    );

    // Accept all, a click: the banner posts, the page comes back, each loads once.
    click(&client, "button[value=accept-all]").await;
    settle().await;
    let requests = network_requests(&client).await;
    assert_eq!(
        tracked(&requests),
        ["analytics.js", "pixel.gif", "video"],
        "{site}: after Accept all: {requests:?}"
    );
    let ran = evaluate(
        &client,
        "return [window.demoAnalytics || 0, window.demoInline || 0];",
    )
    .await;
    assert_eq!(
        ran,
        serde_json::json!([1, 1]),
        "{site}: the script and the inline one ran once"
    );
    assert_eq!(
        storage(&client).await,
        all_keys,
        "{site}: storage after Accept all"
    );

    // Withdrawn: the next page loads none of it, and the keys are purged.
    client
        .goto(&format!("http://{addr}/?cookie-settings"))
        .await
        .unwrap();
    click(&client, "button[value=reject-optional]").await;
    let _ = network_requests(&client).await;
    client.goto(&page).await.unwrap();
    settle().await;
    let requests = network_requests(&client).await;
    assert_eq!(
        tracked(&requests),
        Vec::<String>::new(),
        "{site}: after withdrawal: {requests:?}"
    );
    assert_eq!(
        storage(&client).await,
        Vec::<String>::new(),
        "{site}: storage after withdrawal"
    );
    client.close().await.unwrap();

    // Granted in the page (a JavaScript banner's `update`): restored at once, no reload.
    let client = open_browser_recording_network(&driver, &profile(site, "update")).await;
    client.goto(&page).await.unwrap();
    settle().await;
    let _ = network_requests(&client).await;
    let ids: Vec<&str> = policy.categories()[1..]
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let update = format!(
        "window.__samePage = true; window.cookieConsent.update({}); return true;",
        serde_json::json!(ids)
    );
    evaluate(&client, &update).await;
    settle().await;
    let requests = network_requests(&client).await;
    assert_eq!(
        tracked(&requests),
        ["analytics.js", "pixel.gif", "video"],
        "{site}: granted in the page: {requests:?}"
    );
    let state = evaluate(
        &client,
        "return [window.__samePage === true, window.demoAnalytics || 0, window.demoInline || 0, \
         document.querySelectorAll('[data-consent-placeholder]').length, \
         document.querySelector('iframe').getAttribute('src') !== null];",
    )
    .await;
    assert_eq!(
        state,
        serde_json::json!([true, 1, 1, 0, true]),
        "{site}: restored without reload"
    );
    client.close().await.unwrap();

    // The placeholder: accessible, and its button loads the frame.
    let client = open_browser_recording_network(&driver, &profile(site, "placeholder")).await;
    client.goto(&page).await.unwrap();
    let axe_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("js/node_modules/axe-core/axe.min.js");
    if needed(
        site,
        axe_path.exists(),
        "axe-core (npm ci --prefix tests/js)",
    )
    .is_some()
    {
        let axe = std::fs::read_to_string(&axe_path).unwrap();
        let violations = serious_violations(&client, &axe).await;
        assert_eq!(
            violations,
            Vec::<String>::new(),
            "{site}: the page with its placeholder"
        );
    }
    let _ = network_requests(&client).await;
    click(&client, "[data-consent-placeholder] button").await;
    settle().await;
    let requests = network_requests(&client).await;
    let video = policy
        .resources()
        .iter()
        .find(|r| r.provider == "Demo Video")
        .unwrap();
    let mut expected = vec!["video".to_owned()];
    // A pixel in the frame's category loads with it.
    if policy
        .resources()
        .iter()
        .any(|r| r.provider == "Demo Pixel" && r.category == video.category)
    {
        expected.insert(0, "pixel.gif".to_owned());
    }
    assert_eq!(
        tracked(&requests),
        expected,
        "{site}: after the placeholder's button: {requests:?}"
    );
    let frame = evaluate(
        &client,
        "return document.querySelector('iframe').getAttribute('src');",
    )
    .await;
    assert!(
        frame
            .as_str()
            .is_some_and(|src| src.ends_with("/demo/tracker/video")),
        "{site}: {frame}"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_layer_holds_in_chromium_on_axum() {
    if browser_available("tags on axum").is_none() {
        return;
    }
    let policy = Policy::from_toml_str(example_axum_minopa::EMBEDDED_POLICY).unwrap();
    // As the demo's `main` serves it: with its tracker's resources.
    let policy = cookie_consent_demo::with_demo_resources(&policy, None).unwrap();
    let addr = serve_axum_demo(policy.clone()).await;
    the_page_layer_holds("axum", addr, &policy).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_layer_holds_in_chromium_on_actix() {
    if browser_available("tags on actix").is_none() {
        return;
    }
    let policy = Policy::from_toml_str(example_actix_mihari::EMBEDDED_POLICY).unwrap();
    let policy = cookie_consent_demo::with_demo_resources(&policy, None).unwrap();
    let addr = serve_actix_demo(policy.clone());
    the_page_layer_holds("actix", addr, &policy).await;
}
