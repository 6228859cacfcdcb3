//! A real axum `Router` served on loopback, asked over real HTTP/1.1.

use std::net::SocketAddr;

use axum::extract::Query;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{AppendHeaders, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use cookie_consent_testing::client::{send, Reply};
use cookie_consent_testing::policies::{billing, minopa, prefixed, MINOPA};
use cookie_consent_tower::{Consent, ConsentLayer, CookieRule, Policy};
use tokio::net::TcpListener;

/// Serves `app` on a free loopback port for the rest of the test.
async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// One request over a fresh HTTP/1.1 connection.
async fn fetch(addr: SocketAddr, method: &str, path: &str, cookies: &[&str]) -> Reply {
    let headers: Vec<(&str, &str)> = cookies.iter().map(|c| ("cookie", *c)).collect();
    send(addr, method, path, &headers, "").await
}

async fn get_(addr: SocketAddr, path: &str, cookies: &[&str]) -> Reply {
    fetch(addr, "GET", path, cookies).await
}

/// `/set?name=A&name=B`: sets each named cookie.
async fn set(Query(names): Query<Vec<(String, String)>>) -> impl IntoResponse {
    let cookies: Vec<_> = names
        .into_iter()
        .filter(|(key, _)| key == "name")
        .map(|(_, name)| (SET_COOKIE, format!("{name}=demo; Path=/; Max-Age=3600")))
        .collect();
    (AppendHeaders(cookies), "set")
}

async fn home(consent: Consent) -> String {
    let script = if consent.allows("analytics") {
        "<script src=/ga.js></script>"
    } else {
        ""
    };
    format!("{}|{script}", consent.state().as_str())
}

const ANALYTICS: &str = r#"cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D"#;

#[tokio::test]
async fn a_served_router_filters_set_cookie() {
    let app = Router::new()
        .route("/set", get(set))
        .layer(ConsentLayer::new(minopa()));
    let addr = serve(app).await;
    let path = "/set?name=next-auth.session-token&name=_ga&name=theme&name=_clck";
    let answer = get_(addr, path, &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.set_cookie_names(), ["next-auth.session-token"]);
    assert_eq!(answer.vary, ["Cookie, Sec-GPC"], "Minopa honours GPC");
    assert_eq!(answer.body, "set");
    let answer = get_(addr, path, &[ANALYTICS]).await;
    assert_eq!(
        answer.set_cookie_names(),
        ["next-auth.session-token", "_ga", "_clck"]
    );
}

#[tokio::test]
async fn handlers_read_consent_and_render_accordingly() {
    let app = Router::new()
        .route("/", get(home))
        .layer(ConsentLayer::new(minopa()));
    let addr = serve(app).await;
    assert_eq!(get_(addr, "/", &[]).await.body, "missing|");
    assert_eq!(
        get_(addr, "/", &[ANALYTICS]).await.body,
        "valid|<script src=/ga.js></script>"
    );
    assert_eq!(
        get_(addr, "/", &["cookie-preferences=garbage"]).await.body,
        "invalid|"
    );
}

#[tokio::test]
async fn without_the_layer_the_extractor_answers_500_saying_what_to_do() {
    let addr = serve(Router::new().route("/", get(home))).await;
    let answer = get_(addr, "/", &[]).await;
    assert_eq!(answer.status, 500);
    assert!(
        answer
            .body
            .contains("add `cookie_consent_tower::ConsentLayer`"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn redirects_head_and_errors_are_filtered() {
    let redirect = || async {
        (
            AppendHeaders([
                (SET_COOKIE, "_ga=1"),
                (SET_COOKIE, "next-auth.csrf-token=1"),
            ]),
            Redirect::to("/"),
        )
    };
    let error = || async {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            AppendHeaders([(SET_COOKIE, "_ga=1")]),
            "boom",
        )
    };
    let app = Router::new()
        .route("/redirect", get(redirect))
        .route("/error", get(error))
        .route("/set", get(set))
        .layer(ConsentLayer::new(minopa()));
    let addr = serve(app).await;
    let answer = get_(addr, "/redirect", &[]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.headers[LOCATION], "/");
    assert_eq!(answer.set_cookies, ["next-auth.csrf-token=1"]);
    let answer = get_(addr, "/error", &[]).await;
    assert_eq!(answer.status, 500);
    assert!(answer.set_cookies.is_empty());
    let answer = fetch(addr, "HEAD", "/set?name=_ga&name=next-auth.csrf-token", &[]).await;
    assert_eq!(answer.set_cookie_names(), ["next-auth.csrf-token"]);
}

#[tokio::test]
async fn a_nested_router_carries_its_own_policy() {
    let site = minopa();
    let app = Router::new()
        .route("/set", get(set))
        .nest(
            "/billing",
            Router::new()
                .route("/set", get(set))
                .layer(ConsentLayer::new(billing(&site))),
        )
        .layer(ConsentLayer::new(site));
    let addr = serve(app).await;
    let query = "?name=__stripe_mid&name=__stripe_sid&name=_ga";
    let answer = get_(addr, &format!("/billing/set{query}"), &[]).await;
    assert_eq!(answer.set_cookie_names(), ["__stripe_mid", "__stripe_sid"]);
    assert_eq!(
        answer.vary,
        ["Cookie, Sec-GPC"],
        "the outer layer passes the response through"
    );
    let answer = get_(addr, &format!("/set{query}"), &[]).await;
    assert!(answer.set_cookies.is_empty(), "{:?}", answer.set_cookies);
}

#[tokio::test]
async fn a_route_layer_carries_its_own_policy() {
    let site = minopa();
    let app = Router::new()
        .route("/billing/set", get(set))
        .route_layer(ConsentLayer::new(billing(&site)))
        .route("/set", get(set))
        .layer(ConsentLayer::new(site));
    let addr = serve(app).await;
    assert_eq!(
        get_(addr, "/billing/set?name=__stripe_mid", &[])
            .await
            .set_cookie_names(),
        ["__stripe_mid"]
    );
    assert!(get_(addr, "/set?name=__stripe_mid", &[])
        .await
        .set_cookies
        .is_empty());
}

#[tokio::test]
async fn tower_cookies_set_cookies_are_filtered_when_the_layer_is_outside() {
    use tower_cookies::{Cookie, CookieManagerLayer, Cookies};
    let handler = |cookies: Cookies| async move {
        cookies.add(Cookie::new("next-auth.csrf-token", "t"));
        cookies.add(Cookie::new("theme", "dark"));
        cookies.add(Cookie::new("_ga", "GA1"));
        "ok"
    };
    let app = Router::new()
        .route("/", get(handler))
        .layer(CookieManagerLayer::new())
        .layer(ConsentLayer::new(minopa()));
    let addr = serve(app).await;
    let mut names = get_(addr, "/", &[])
        .await
        .set_cookie_names()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(names, ["next-auth.csrf-token"]);
    let mut names = get_(addr, "/", &[ANALYTICS])
        .await
        .set_cookie_names()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(names, ["_ga", "next-auth.csrf-token"]);
}

#[tokio::test]
async fn tower_sessions_session_cookie_passes_when_the_layer_is_outside() {
    use tower_sessions::{MemoryStore, Session, SessionManagerLayer};
    let handler = |session: Session| async move {
        session.insert("user", 42).await.unwrap();
        (AppendHeaders([(SET_COOKIE, "_clck=1; Path=/")]), "ok")
    };
    let site = minopa()
        .to_builder()
        .cookie(
            CookieRule::new("id", "essential")
                .provider("tower-sessions")
                .purpose("Session"),
        )
        .build()
        .unwrap();
    let app = Router::new()
        .route("/", get(handler))
        .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false))
        .layer(ConsentLayer::new(site));
    let addr = serve(app).await;
    let answer = get_(addr, "/", &[]).await;
    assert_eq!(
        answer.set_cookie_names(),
        ["id"],
        "the session cookie passes and _clck goes"
    );
}

#[tokio::test]
async fn a_cookie_appended_between_nested_layers_is_judged_by_the_outer_one() {
    use tower_cookies::{Cookie, CookieManagerLayer, Cookies};
    let pay = |cookies: Cookies| async move {
        cookies.add(Cookie::new("_ga", "GA1"));
        (AppendHeaders([(SET_COOKIE, "__stripe_mid=1")]), "paid")
    };
    let site = minopa();
    let app = Router::new()
        .nest(
            "/billing",
            Router::new()
                .route("/pay", get(pay))
                .layer(ConsentLayer::new(billing(&site))),
        )
        .layer(CookieManagerLayer::new())
        .layer(ConsentLayer::new(site));
    let addr = serve(app).await;
    let answer = get_(addr, "/billing/pay", &[]).await;
    assert_eq!(
        answer.set_cookie_names(),
        ["__stripe_mid"],
        "_ga goes without consent"
    );
    let answer = get_(addr, "/billing/pay", &[ANALYTICS]).await;
    assert_eq!(answer.set_cookie_names(), ["__stripe_mid", "_ga"]);
}

#[tokio::test]
async fn a_session_cookie_appended_between_nested_layers_is_judged_by_the_outer_one() {
    use tower_sessions::{MemoryStore, Session, SessionManagerLayer};
    let pay = |session: Session| async move {
        session.insert("user", 42).await.unwrap();
        (AppendHeaders([(SET_COOKIE, "__stripe_mid=1")]), "paid")
    };
    let app = |site: Policy| {
        Router::new()
            .nest(
                "/billing",
                Router::new()
                    .route("/pay", get(pay))
                    .layer(ConsentLayer::new(billing(&site))),
            )
            .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false))
            .layer(ConsentLayer::new(site))
    };
    // The site policy does not declare tower-sessions' `id`: judged, it goes.
    let addr = serve(app(minopa())).await;
    assert_eq!(
        get_(addr, "/billing/pay", &[]).await.set_cookie_names(),
        ["__stripe_mid"]
    );
    let declared = minopa()
        .to_builder()
        .cookie(CookieRule::new("id", "essential").provider("tower-sessions"))
        .build()
        .unwrap();
    let addr = serve(app(declared)).await;
    assert_eq!(
        get_(addr, "/billing/pay", &[]).await.set_cookie_names(),
        ["__stripe_mid", "id"]
    );
}

#[tokio::test]
async fn a_response_rendered_from_the_consent_varies_on_it() {
    use axum::Extension;
    let by_extension = |Extension(consent): Extension<Consent>| async move {
        consent.granted().collect::<Vec<_>>().join(",")
    };
    let unread = |_consent: Consent| async { "same for all" };
    let app = |policy: Policy| {
        Router::new()
            .route("/extractor", get(home))
            .route("/extension", get(by_extension))
            .route("/unread", get(unread))
            .layer(ConsentLayer::new(policy))
    };
    let addr = serve(app(minopa())).await;
    for path in ["/extractor", "/extension"] {
        assert_eq!(
            get_(addr, path, &[]).await.vary,
            ["Cookie, Sec-GPC"],
            "{path}"
        );
    }
    let unread = get_(addr, "/unread", &[]).await;
    assert!(unread.vary.is_empty(), "{:?}", unread.vary);
    let minopa_dnt =
        Policy::from_toml_str(&MINOPA.replace("honor_dnt = false", "honor_dnt = true"));
    let addr = serve(app(minopa_dnt.unwrap())).await;
    assert_eq!(
        get_(addr, "/extractor", &[]).await.vary,
        ["Cookie, Sec-GPC, DNT"]
    );
}

#[tokio::test]
async fn report_only_reports_exactly_the_purges_enforcement_appends() {
    use cookie_consent_tower::Event;
    use std::sync::{Arc, Mutex};
    let run = |settings: &'static str| async move {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let layer = ConsentLayer::new(prefixed(settings)).on_event(move |event| {
            if let Event::Purged { name, .. } = event {
                seen.lock().unwrap().push(name.to_string());
            }
        });
        let addr = serve(Router::new().route("/set", get(set)).layer(layer)).await;
        // The response sets `_ga` anew: stripped, so the old one must still be expired.
        let answer = get_(addr, "/set?name=_ga", &["_ga=old; __Secure-sid=1"]).await;
        let purged = events.lock().unwrap().clone();
        let set_cookies: Vec<String> = answer.set_cookies.iter().map(|v| v.to_string()).collect();
        (purged, set_cookies)
    };
    let (reported, unchanged) = run("enforcement = \"report-only\"").await;
    let (enforced, appended) = run("").await;
    assert_eq!(unchanged, ["_ga=demo; Path=/; Max-Age=3600"]);
    assert_eq!(reported, ["_ga", "__Secure-sid"]);
    assert_eq!(reported, enforced);
    assert_eq!(
        appended,
        [
            "_ga=; Max-Age=0; Path=/",
            "_ga=; Max-Age=0; Path=/; Domain=.example.com",
            "__Secure-sid=; Max-Age=0; Path=/; Secure",
        ]
    );
}

#[tokio::test]
async fn an_optional_consent_is_none_without_the_layer() {
    let maybe = |consent: Option<Consent>| async move {
        consent.map_or("no layer".to_owned(), |c| c.state().as_str().to_owned())
    };
    let bare = serve(Router::new().route("/", get(maybe))).await;
    let answer = get_(bare, "/", &[]).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "no layer"));
    let layered = serve(
        Router::new()
            .route("/", get(maybe))
            .layer(ConsentLayer::new(minopa())),
    )
    .await;
    assert_eq!(get_(layered, "/", &[ANALYTICS]).await.body, "valid");
}
