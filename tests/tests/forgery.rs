//! Consent no page script can forge (signed consent), judged in Chromium on
//! both demo sites: a consent a script writes is not believed, the banner's
//! own click still is (and is recorded), and the consent endpoint refuses
//! what a script sends for the visitor.
//!
//! Without a browser these tests skip and say so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) a missing browser fails them.

use std::net::SocketAddr;
use std::time::Duration;

use cookie_consent_core::{Policy, SigningKeys};
use cookie_consent_testing::policies::{mihari, minopa, with_settings, MINOPA};
use cookie_consent_tests::browser::{
    all_cookies, browser_available, jar, open_browser, open_browser_with, Cdp, Driver,
};
use cookie_consent_tests::{
    memory_records, send, serve_actix_demo_with, serve_axum_demo_with, Options,
};
use fantoccini::{Client, Locator};

/// What a demo started with `CONSENT_KEYS` signs with.
fn keys() -> SigningKeys {
    SigningKeys::parse(&"c0".repeat(32)).expect("a valid key")
}

/// A grant-everything consent in the common form, as a page script would write it.
const FORGED: &str = r#"{"categories":{"functional":true,"analytics":true,"marketing":true,"performance":true},"revision":1,"timestamp":1764000000}"#;

/// Runs `script` in the page and returns its JSON result.
async fn evaluate(client: &Client, script: &str) -> serde_json::Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// The text of the page at `path`.
async fn page(client: &Client, addr: SocketAddr, path: &str) -> String {
    client.goto(&format!("http://{addr}{path}")).await.unwrap();
    let text = evaluate(client, "return document.body.innerText").await;
    text.as_str().unwrap_or_default().to_owned()
}

/// The state `/demo/consent` reports for the browser's cookies.
async fn consent_state(client: &Client, addr: SocketAddr) -> String {
    let text = page(client, addr, "/demo/consent").await;
    let view: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    view["state"].as_str().unwrap_or_default().to_owned()
}

/// The consent cookie as DevTools sees it (HttpOnly ones included).
async fn consent_cookie(client: &Client, name: &str) -> Option<serde_json::Value> {
    all_cookies(client)
        .await
        .into_iter()
        .find(|c| c["name"] == name)
}

/// Clicks a submit button and waits for the page it leads to.
async fn click_and_wait(client: &Client, css: &str) {
    evaluate(client, "window.__old = true; return 1").await;
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
    wait_for_new_page(client).await;
}

async fn wait_for_new_page(client: &Client) {
    for _ in 0..200 {
        let loaded = client
            .execute(
                "return document.readyState === 'complete' && window.__old !== true;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool());
        if loaded == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no new page within 5 s");
}

/// The steps of issue 24 on one signed demo site.
async fn a_page_script_cannot_grant_itself_consent(
    site: &str,
    addr: SocketAddr,
    policy: Policy,
    analytics: &str,
) {
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-forgery-{site}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let driver = Driver::start().await;
    let client = open_browser(&driver, &dir.join("profile")).await;
    let name = policy.consent_cookie().name.clone();
    let home = format!("http://{addr}/");
    client.goto(&home).await.unwrap();

    // 1. A page script writes a grant-all consent: the guard drops the write…
    let script = format!(
        "document.cookie = '{name}=' + encodeURIComponent('{FORGED}') + '; path=/'; \
         return document.cookie.indexOf('{name}=') >= 0;"
    );
    assert_eq!(
        evaluate(&client, &script).await,
        false,
        "{site}: the guard drops it"
    );
    // …and one that got past it (DevTools writes it as a script before the
    // guard, or a sister site, could) is not believed after a reload.
    let forged: String = url::form_urlencoded::byte_serialize(FORGED.as_bytes()).collect();
    let set = Cdp {
        cmd: "Network.setCookie",
        params: serde_json::json!({ "name": name, "value": forged, "url": home, "path": "/" }),
    };
    client.issue_cmd(set).await.expect("Network.setCookie");
    client.refresh().await.unwrap();
    assert!(
        consent_cookie(&client, &name).await.is_some(),
        "{site}: the forged cookie is in the jar"
    );
    assert_eq!(
        consent_state(&client, addr).await,
        "invalid",
        "{site}: forged consent"
    );
    page(&client, addr, &format!("/demo/set?name={analytics}")).await;
    assert!(
        !jar(&client).await.contains(analytics),
        "{site}: {analytics} stripped"
    );

    // 2. The banner's Accept all, clicked: signed, HttpOnly, believed, recorded.
    client.goto(&home).await.unwrap();
    click_and_wait(&client, "button[value=accept-all]").await;
    let cookie = consent_cookie(&client, &name)
        .await
        .expect("the consent cookie");
    assert_eq!(cookie["httpOnly"], true, "{site}: {cookie}");
    assert_eq!(
        consent_state(&client, addr).await,
        "valid",
        "{site}: the click counts"
    );
    // The page knows the choice only from the guard the server rendered.
    client.goto(&home).await.unwrap();
    let script = format!(
        "return [window.cookieConsent.allows('analytics'), document.cookie.indexOf('{name}=') >= 0];"
    );
    assert_eq!(
        evaluate(&client, &script).await,
        serde_json::json!([true, false]),
        "{site}: HttpOnly, and the guard knows the choice"
    );
    page(&client, addr, &format!("/demo/set?name={analytics}")).await;
    assert!(
        jar(&client).await.contains(analytics),
        "{site}: {analytics} kept once granted"
    );
    let value = cookie["value"].as_str().unwrap().to_owned();
    let id = policy
        .consent_id([format!("{name}={value}")])
        .expect("the signed cookie carries an id");
    let reply = send(addr, "GET", &format!("/demo/records?id={id}"), &[], "").await;
    let records: Vec<serde_json::Value> = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(records.len(), 1, "{site}: {records:?}");
    assert_eq!(
        (records[0]["action"].as_str(), &records[0]["scripted"]),
        (Some("accept-all"), &serde_json::json!(false))
    );

    // 3. A page script's fetch POST: 403, and no cookie changes.
    client.goto(&home).await.unwrap();
    let status = client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch('/consent', {method: 'POST', body: 'action=reject-optional',
               headers: {'content-type': 'application/x-www-form-urlencoded'}})
               .then(function (r) { done(r.status); }, function (e) { done(String(e)); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, 403, "{site}: a script's fetch");
    let after = consent_cookie(&client, &name).await.unwrap();
    assert_eq!(after["value"], cookie["value"], "{site}: nothing written");

    // 4. form.submit() with no click behind it: 403, and no cookie changes.
    evaluate(
        &client,
        "window.__old = true;
         var f = document.createElement('form'); f.method = 'post'; f.action = '/consent';
         var i = document.createElement('input'); i.name = 'action'; i.value = 'reject-optional';
         f.appendChild(i); document.body.appendChild(f); f.submit(); return 1;",
    )
    .await;
    wait_for_new_page(&client).await;
    let text = evaluate(&client, "return document.body.innerText").await;
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("visitor's own act"),
        "{site}: {text}"
    );
    let after = consent_cookie(&client, &name).await.unwrap();
    assert_eq!(after["value"], cookie["value"], "{site}: nothing written");
    let records: Vec<serde_json::Value> = serde_json::from_str(
        &send(addr, "GET", &format!("/demo/records?id={id}"), &[], "")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(records.len(), 1, "{site}: the refusals are not recorded");

    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_page_script_cannot_grant_itself_consent_on_the_axum_demo() {
    if browser_available("forgery-axum").is_none() {
        return;
    }
    let policy = minopa().with_signing_keys(keys());
    let addr = serve_axum_demo_with(policy.clone(), memory_records(), Options::default()).await;
    a_page_script_cannot_grant_itself_consent("minopa", addr, policy, "_ga").await;
}

#[tokio::test]
async fn a_page_script_cannot_grant_itself_consent_on_the_actix_demo() {
    if browser_available("forgery-actix").is_none() {
        return;
    }
    let policy = mihari().with_signing_keys(keys());
    let addr = serve_actix_demo_with(policy.clone(), memory_records(), Options::default());
    a_page_script_cannot_grant_itself_consent("mihari", addr, policy, "mh_analytics_id").await;
}

/// Sister subdomains (`a.` and `b.shop.localhost`, two servers on loopback:
/// the axum demo and the actix one) that share the keys and the cookie's
/// `domain` share consent; a third with other keys does not believe it.
#[tokio::test]
async fn sister_subdomains_sharing_keys_share_consent() {
    if browser_available("sister-subdomains").is_none() {
        return;
    }
    let shared = with_settings(
        &format!("{MINOPA}\n[consent_cookie]\ndomain = \"shop.localhost\"\n"),
        "",
    );
    let a = serve_axum_demo_with(
        shared.with_signing_keys(keys()),
        memory_records(),
        Options::default(),
    )
    .await;
    let b = serve_actix_demo_with(
        shared.with_signing_keys(keys()),
        memory_records(),
        Options::default(),
    );
    let other_keys = SigningKeys::new([[1u8; 32]]).unwrap();
    let c = serve_axum_demo_with(
        shared.with_signing_keys(other_keys),
        memory_records(),
        Options::default(),
    )
    .await;
    let dir = std::env::temp_dir().join(format!("cookie-consent-sisters-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let driver = Driver::start().await;
    let client = open_browser_with(&driver, &dir.join("profile"), "en-US,en", &[]).await;
    let on = |host: &str, addr: SocketAddr, path: &str| {
        format!("http://{host}.shop.localhost:{}{path}", addr.port())
    };
    client.goto(&on("a", a, "/")).await.unwrap();
    click_and_wait(&client, "button[value=accept-all]").await;
    let state = |host: &'static str, addr: SocketAddr| {
        let client = client.clone();
        let url = on(host, addr, "/demo/consent");
        async move {
            client.goto(&url).await.unwrap();
            let text = evaluate(&client, "return document.body.innerText").await;
            let view: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
            view["state"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(state("a", a).await, "valid");
    assert_eq!(
        state("b", b).await,
        "valid",
        "the sister site shares the consent"
    );
    assert_eq!(
        state("c", c).await,
        "invalid",
        "a site with other keys does not believe it"
    );
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
