//! A real `HttpServer` bound to loopback, asked over real HTTP/1.1.

use std::net::SocketAddr;

use actix_web::http::header::SET_COOKIE;
use actix_web::{web, App, HttpResponse, HttpServer};
use bytes::Bytes;
use cookie_consent_actix::{Consent, ConsentMiddleware, CookieRule, Policy};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;

const MIHARI: &str = include_str!("data/mihari.toml");

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
    let site = Policy::from_toml_str(MIHARI).unwrap();
    let billing = site
        .to_builder()
        .cookie(CookieRule::new("__stripe_mid", "essential").provider("Stripe"))
        .build()
        .unwrap();
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
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    actix_web::rt::spawn(connection);
    let mut request = hyper::Request::get(path).header("host", addr.to_string());
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = sender
        .send_request(request.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let names = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_owned())
        .collect();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (names, String::from_utf8(body.to_vec()).unwrap())
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
