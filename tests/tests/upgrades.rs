//! HTTP/2 and upgrades (DESIGN §16): both adapters judge every response
//! whatever carries it.
//! - Over cleartext HTTP/2 (hyper-util's auto server under axum, actix's
//!   `listen_auto_h2c`), both demo sites strip, keep and purge exactly as over
//!   HTTP/1.1.
//! - A WebSocket handshake whose `101 Switching Protocols` carries
//!   `Set-Cookie`: Chromium stores cookies from it (a control server without
//!   the layer shows it), and through either adapter it stores no cookie of an
//!   ungranted category.
//!
//! Without a browser the WebSocket test skips and says so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) it fails.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use cookie_consent_core::{ConsentChoice, Policy};
use cookie_consent_tests::browser::{all_cookies, browser_available, open_browser, Driver};
use cookie_consent_tests::{
    memory_records, send_over, serve_actix, serve_axum, serve_axum_demo_recording, Http, Reply,
};

fn policy(text: &str) -> Policy {
    Policy::from_toml_str(text).expect("the seed policy loads")
}

/// The first declared name of `category` that is not a prefix.
fn name_in(policy: &Policy, category: &str) -> String {
    policy
        .cookies()
        .iter()
        .find(|r| r.category == category && r.prefix().is_none())
        .map(|r| r.name.clone())
        .unwrap_or_else(|| panic!("no {category} cookie declared"))
}

/// The consent cookie's `name=value` for `choice`.
fn consent_pair(policy: &Policy, choice: &ConsentChoice) -> String {
    let line = policy.write_consent(choice);
    line.split(';').next().unwrap().to_owned()
}

/// The names a reply sets (not removals) and the names it removes.
fn sets_and_removals(reply: &Reply) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut sets = BTreeSet::new();
    let mut removals = BTreeSet::new();
    for line in &reply.set_cookies {
        let name = line.split('=').next().unwrap().trim().to_owned();
        if line.to_ascii_lowercase().contains("max-age=0") {
            removals.insert(name);
        } else {
            sets.insert(name);
        }
    }
    (sets, removals)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_demos_judge_alike_over_http2_and_http1() {
    for (site, text) in [
        ("axum", example_axum_minopa::EMBEDDED_POLICY),
        ("actix", example_actix_mihari::EMBEDDED_POLICY),
    ] {
        let policy = policy(text);
        let (essential, analytics) = (name_in(&policy, "essential"), name_in(&policy, "analytics"));
        let addr = match site {
            "axum" => serve_axum_demo_recording(policy.clone(), memory_records()).await,
            _ => {
                let configure = example_actix_mihari::app_with(
                    policy.clone(),
                    memory_records(),
                    Default::default(),
                )
                .unwrap();
                serve_actix(configure, true)
            }
        };
        let set = format!("/demo/set?name={essential}&name={analytics}");
        let granted = consent_pair(&policy, &ConsentChoice::AcceptAll);
        let held = format!("{analytics}=old");
        for http in [Http::Two, Http::One] {
            let label = format!("{site} over {http:?}");
            // No consent: the essential cookie passes, the analytics one goes,
            // and one the browser still holds is expired.
            let reply = send_over(http, addr, "GET", &set, &[("cookie", &held)], "").await;
            let (sets, removals) = sets_and_removals(&reply);
            assert_eq!(
                sets,
                BTreeSet::from([essential.clone()]),
                "{label}: {reply:?}"
            );
            assert!(removals.contains(&analytics), "{label}: purged: {reply:?}");
            assert!(
                reply.vary.iter().any(|v| v.contains("Cookie")),
                "{label}: {reply:?}"
            );
            // Granted: both pass.
            let reply = send_over(http, addr, "GET", &set, &[("cookie", &granted)], "").await;
            let (sets, _) = sets_and_removals(&reply);
            assert_eq!(
                sets,
                BTreeSet::from([essential.clone(), analytics.clone()]),
                "{label}: {reply:?}"
            );
        }
    }
}

/// `Sec-WebSocket-Accept` for a key (RFC 6455 §4.2.2): base64 of SHA-1 of
/// the key and the protocol's GUID.
fn websocket_accept(key: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    base64(&digest)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = byte(0) << 16 | byte(1) << 8 | byte(2);
        for i in 0..4 {
            match i <= chunk.len() {
                true => text.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63])),
                false => text.push('='),
            }
        }
    }
    text
}

/// The page: opens a WebSocket to `/ws` and says so in its title.
const PAGE: &str = "<!doctype html><title>waiting</title><script>\
    var ws = new WebSocket('ws://' + location.host + '/ws');\
    ws.onopen = function () { document.title = 'open'; };\
    ws.onerror = function () { document.title = 'error'; };\
    </script>";

/// The `Set-Cookie` lines the handshake's 101 carries.
fn handshake_cookies(policy: &Policy) -> Vec<String> {
    [name_in(policy, "essential"), name_in(policy, "analytics")]
        .iter()
        .map(|name| format!("{name}=from-101; Path=/; Max-Age=3600"))
        .collect()
}

/// An axum app answering the handshake itself (hyper's upgrade), with or
/// without the consent layer.
async fn serve_axum_websocket(policy: &Policy, layer: bool) -> SocketAddr {
    use axum::http::{header, Request, Response, StatusCode};
    use axum::routing::get;
    let cookies = handshake_cookies(policy);
    let handshake = move |mut request: Request<axum::body::Body>| {
        let cookies = cookies.clone();
        async move {
            let key = request.headers()[header::SEC_WEBSOCKET_KEY]
                .to_str()
                .unwrap()
                .to_owned();
            let upgrade = hyper::upgrade::on(&mut request);
            // Hold the upgraded connection open while the test reads the jar.
            tokio::spawn(async move {
                if let Ok(io) = upgrade.await {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    drop(io);
                }
            });
            let mut response = Response::builder()
                .status(StatusCode::SWITCHING_PROTOCOLS)
                .header(header::UPGRADE, "websocket")
                .header(header::CONNECTION, "Upgrade")
                .header(header::SEC_WEBSOCKET_ACCEPT, websocket_accept(&key));
            for cookie in &cookies {
                response = response.header(header::SET_COOKIE, cookie);
            }
            response.body(axum::body::Body::empty()).unwrap()
        }
    };
    let app = axum::Router::new()
        .route("/", get(|| async { axum::response::Html(PAGE) }))
        .route("/ws", get(handshake));
    let app = if layer {
        app.layer(cookie_consent_tower::ConsentLayer::new(policy.clone()))
    } else {
        app
    };
    serve_axum(app).await
}

/// An actix app answering the handshake with a 101 and a body that never
/// ends (how actix's WebSocket crates hold the connection), with or without
/// the consent middleware.
fn serve_actix_websocket(policy: &Policy, layer: bool) -> SocketAddr {
    use actix_web::{web, HttpRequest, HttpResponse};
    let cookies = handshake_cookies(policy);
    let policy = policy.clone();
    let configure = move |config: &mut web::ServiceConfig| {
        let cookies = cookies.clone();
        let handshake = move |request: HttpRequest| {
            let cookies = cookies.clone();
            async move {
                let key = request
                    .headers()
                    .get("sec-websocket-key")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                let mut response = HttpResponse::SwitchingProtocols();
                response
                    .upgrade("websocket")
                    .insert_header(("sec-websocket-accept", websocket_accept(&key)));
                for cookie in &cookies {
                    response.append_header(("set-cookie", cookie.as_str()));
                }
                response.streaming(futures_util::stream::pending::<
                    Result<actix_web::web::Bytes, actix_web::Error>,
                >())
            }
        };
        let routes = web::scope("")
            .route(
                "/",
                web::get().to(|| async { HttpResponse::Ok().content_type("text/html").body(PAGE) }),
            )
            .route("/ws", web::get().to(handshake));
        if layer {
            config
                .service(routes.wrap(cookie_consent_actix::ConsentMiddleware::new(policy.clone())));
        } else {
            config.service(routes);
        }
    };
    serve_actix(configure, false)
}

/// The names Chromium holds after the page at `addr` opened its WebSocket.
async fn stored_after_handshake(client: &fantoccini::Client, addr: SocketAddr) -> BTreeSet<String> {
    client
        .issue_cmd(cookie_consent_tests::browser::Cdp {
            cmd: "Network.clearBrowserCookies",
            params: serde_json::json!({}),
        })
        .await
        .unwrap();
    client.goto(&format!("http://{addr}/")).await.unwrap();
    let mut title = String::new();
    for _ in 0..100 {
        title = client.title().await.unwrap();
        if title != "waiting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(title, "open", "the WebSocket opened at {addr}");
    all_cookies(client)
        .await
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_handshake_stores_no_ungranted_cookie_through_either_adapter() {
    if browser_available("websocket").is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("cookie-consent-websocket-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let driver = Driver::start().await;
    let client = open_browser(&driver, &dir.join("profile")).await;
    for (site, text) in [
        ("axum", example_axum_minopa::EMBEDDED_POLICY),
        ("actix", example_actix_mihari::EMBEDDED_POLICY),
    ] {
        let policy = policy(text);
        let (essential, analytics) = (name_in(&policy, "essential"), name_in(&policy, "analytics"));
        let (bare, guarded) = match site {
            "axum" => (
                serve_axum_websocket(&policy, false).await,
                serve_axum_websocket(&policy, true).await,
            ),
            _ => (
                serve_actix_websocket(&policy, false),
                serve_actix_websocket(&policy, true),
            ),
        };
        let stored = stored_after_handshake(&client, bare).await;
        assert_eq!(
            stored,
            BTreeSet::from([essential.clone(), analytics.clone()]),
            "{site} without the layer: Chromium stores what a 101 sets"
        );
        let stored = stored_after_handshake(&client, guarded).await;
        assert_eq!(stored, BTreeSet::from([essential]), "{site} with the layer");
    }
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
