//! A real `HttpServer` bound to loopback, asked over real HTTP/1.1.

use std::net::SocketAddr;

use actix_web::http::header::SET_COOKIE;
use actix_web::{web, App, HttpResponse, HttpServer};
use cookie_consent_actix::{Consent, ConsentMiddleware};
use cookie_consent_testing::client::send;
use cookie_consent_testing::policies::{billing, mihari};

async fn set(query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for (_, name) in query.iter() {
        response.append_header((SET_COOKIE, format!("{name}=demo; Path=/; Max-Age=3600")));
    }
    response.body("set")
}

async fn state(consent: Consent) -> String {
    consent.state().as_str().to_owned()
}

/// Starts a server on a free loopback port; it runs until the test's runtime ends.
fn serve() -> SocketAddr {
    let site = mihari();
    let billing = billing(&site);
    let server = HttpServer::new(move || {
        App::new()
            .service(
                web::scope("/billing")
                    .wrap(ConsentMiddleware::new(billing.clone()))
                    .route("/set", web::get().to(set)),
            )
            .route("/set", web::get().to(set))
            .route("/state", web::get().to(state))
            .wrap(ConsentMiddleware::new(site.clone()))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

/// One GET over a fresh HTTP/1.1 connection: the Set-Cookie names and the body.
async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> (Vec<String>, String) {
    let headers: Vec<(&str, &str)> = cookie.iter().map(|c| ("cookie", *c)).collect();
    let reply = send(addr, "GET", path, &headers, "").await;
    let names = reply
        .set_cookie_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    (names, reply.body)
}

#[actix_web::test]
async fn a_served_app_filters_set_cookie() {
    let addr = serve();
    let path = "/set?name=mihari_session&name=mh_prefs&name=mh_analytics_id&name=__stripe_mid";
    let (names, body) = get(addr, path, None).await;
    assert_eq!(
        (names, body.as_str()),
        (vec!["mihari_session".to_owned()], "set")
    );
    let analytics = r#"cookie-preferences={"categories":{"analytics":true},"revision":1}"#;
    let (names, _) = get(addr, path, Some(analytics)).await;
    assert_eq!(names, ["mihari_session", "mh_analytics_id"]);
    let (names, _) = get(addr, &format!("/billing{path}"), None).await;
    assert_eq!(names, ["mihari_session", "__stripe_mid"]);
    assert_eq!(get(addr, "/state", Some(analytics)).await.1, "valid");
    assert_eq!(get(addr, "/state", None).await.1, "missing");
}
