//! The layer on a bare `service_fn`: every rule of the core, seen through tower.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cookie_consent_core::adapter::NestingMark;
use cookie_consent_testing::policies::{with_settings, MINOPA};
use cookie_consent_tower::{ConsentLayer, Event, Policy};
use http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE, VARY};
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, StreamBody};
use tower::{service_fn, Layer, ServiceExt};

/// The Minopa policy, with the top-level settings in `overrides` replacing its own.
fn minopa(overrides: &str) -> Policy {
    with_settings(MINOPA, overrides)
}

const ANALYTICS: &str = r#"cookie-preferences={"categories":{"analytics":true},"revision":1}"#;

/// Runs one request through `ConsentLayer(policy)` around a handler that sets `set_cookies`.
async fn run(policy: Policy, request: Request<()>, set_cookies: &[&str]) -> Response<Full<Bytes>> {
    run_with(ConsentLayer::new(policy), request, set_cookies, &[]).await
}

async fn run_with(
    layer: ConsentLayer,
    request: Request<()>,
    set_cookies: &[&str],
    other_headers: &[(&'static str, &str)],
) -> Response<Full<Bytes>> {
    let set_cookies: Vec<String> = set_cookies.iter().map(|s| s.to_string()).collect();
    let other: Vec<(&'static str, String)> = other_headers
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    let handler = service_fn(move |_request: Request<()>| {
        let mut response = Response::new(Full::new(Bytes::from_static(b"body")));
        for value in &set_cookies {
            response
                .headers_mut()
                .append(SET_COOKIE, HeaderValue::from_str(value).unwrap());
        }
        for (name, value) in &other {
            response
                .headers_mut()
                .append(*name, HeaderValue::from_str(value).unwrap());
        }
        async move { Ok::<_, Infallible>(response) }
    });
    layer.layer(handler).oneshot(request).await.unwrap()
}

fn request(cookies: &[&str]) -> Request<()> {
    let mut request = Request::get("/").body(()).unwrap();
    for cookie in cookies {
        request
            .headers_mut()
            .append(COOKIE, HeaderValue::from_str(cookie).unwrap());
    }
    request
}

fn set_cookies<B>(response: &Response<B>) -> Vec<&str> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

fn vary<B>(response: &Response<B>) -> Vec<&str> {
    response
        .headers()
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

#[tokio::test]
async fn many_values_keep_their_order_and_all_may_go() {
    // More kept values than the layer holds on the stack.
    let set: Vec<String> = (0..20)
        .map(|i| match i % 3 {
            0 => format!("theme=t{i}"),
            _ => format!("next-auth.csrf-token=c{i}"),
        })
        .collect();
    let set: Vec<&str> = set.iter().map(String::as_str).collect();
    let response = run(minopa(""), request(&[]), &set).await;
    let kept: Vec<&str> = set
        .iter()
        .copied()
        .filter(|v| !v.starts_with("theme"))
        .collect();
    assert_eq!(kept.len(), 13);
    assert_eq!(set_cookies(&response), kept);
    // Every value stripped: the header goes.
    let response = run(minopa(""), request(&[]), &["theme=1", "_ga=2"]).await;
    assert!(set_cookies(&response).is_empty());
    assert!(!response.headers().contains_key(SET_COOKIE));
}

#[tokio::test]
async fn granted_categories_pass() {
    let set = ["_ga=GA1; Path=/", "_clck=1", "theme=dark", "sentry-trace=1"];
    let response = run(minopa(""), request(&[ANALYTICS]), &set).await;
    assert_eq!(
        set_cookies(&response),
        ["_ga=GA1; Path=/", "_clck=1", "sentry-trace=1"]
    );
}

#[tokio::test]
async fn report_only_changes_nothing_and_reports() {
    // Set in the policy file, or switched on the layer over an enforcing policy.
    let layers = [
        ConsentLayer::new(minopa("enforcement = \"report-only\"")),
        ConsentLayer::new(minopa("")).report_only(),
    ];
    for layer in layers {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let layer = layer.on_event(move |event| seen.lock().unwrap().push(format!("{event:?}")));
        let response = run_with(layer, request(&["_clck=1"]), &["_ga=1"], &[]).await;
        assert_eq!(set_cookies(&response), ["_ga=1"]);
        assert!(vary(&response).is_empty());
        assert_eq!(
            *events.lock().unwrap(),
            [
                r#"Stripped { name: "_ga", category: Some("analytics"), reason: Missing, enforced: false }"#,
                r#"Purged { name: "_clck", category: "analytics", enforced: false }"#,
            ]
        );
    }
}

#[tokio::test]
async fn callbacks_given_twice_are_both_called() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let (first, second) = (events.clone(), events.clone());
    let layer = ConsentLayer::new(minopa(""))
        .on_event(move |event| {
            if let Event::Stripped { name, .. } = event {
                first.lock().unwrap().push(format!("first {name}"));
            }
        })
        .on_event(move |event| {
            if let Event::Stripped { name, .. } = event {
                second.lock().unwrap().push(format!("second {name}"));
            }
        });
    run_with(layer, request(&[]), &["_ga=1"], &[]).await;
    assert_eq!(*events.lock().unwrap(), ["first _ga", "second _ga"]);
}

#[tokio::test]
async fn the_callback_sees_every_decision() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let layer = ConsentLayer::new(minopa("")).on_event(move |event| {
        if let Event::Kept { name, .. } | Event::Stripped { name, .. } = event {
            seen.lock().unwrap().push(name.to_string());
        }
    });
    run_with(
        layer,
        request(&[]),
        &["next-auth.csrf-token=1", "_ga=1"],
        &[],
    )
    .await;
    assert_eq!(*events.lock().unwrap(), ["next-auth.csrf-token", "_ga"]);
}

#[tokio::test]
async fn a_response_needing_no_change_is_untouched() {
    let response = run_with(
        ConsentLayer::new(minopa("")),
        request(&[ANALYTICS]),
        &["_ga=1", "next-auth.csrf-token=2"],
        &[("content-type", "text/plain"), ("x-other", "1")],
    )
    .await;
    assert_eq!(set_cookies(&response), ["_ga=1", "next-auth.csrf-token=2"]);
    assert_eq!(response.headers().get(CONTENT_TYPE).unwrap(), "text/plain");
    assert_eq!(response.headers().get("x-other").unwrap(), "1");
    // Kept by consent: the answer depended on it.
    assert_eq!(vary(&response), ["Cookie, Sec-GPC"]);
    // A lone layer leaves no mark: only an outer layer would read it.
    assert!(response.extensions().get::<NestingMark>().is_none());
}

#[tokio::test]
async fn the_request_carries_the_consent() {
    let handler = service_fn(|request: Request<()>| async move {
        let consent = request
            .extensions()
            .get::<cookie_consent_tower::Consent>()
            .cloned()
            .unwrap();
        let body = format!(
            "{} {:?}",
            consent.state().as_str(),
            consent.granted().collect::<Vec<_>>()
        );
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
    });
    let service = ConsentLayer::new(minopa("")).layer(handler);
    let response = service.oneshot(request(&[ANALYTICS])).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, r#"valid ["essential", "analytics"]"#);
}

#[tokio::test]
async fn nested_layers_let_the_innermost_decide() {
    let site = minopa("");
    let billing = site
        .to_builder()
        .cookie(cookie_consent_tower::CookieRule::new(
            "__stripe_mid",
            "essential",
        ))
        .build()
        .unwrap();
    let handler = service_fn(|_request: Request<()>| async {
        let mut response = Response::new(Full::new(Bytes::new()));
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_static("__stripe_mid=1"));
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_static("_ga=1"));
        Ok::<_, Infallible>(response)
    });
    let nested = ConsentLayer::new(site.clone()).layer(ConsentLayer::new(billing).layer(handler));
    let response = nested.oneshot(request(&[])).await.unwrap();
    assert_eq!(set_cookies(&response), ["__stripe_mid=1"]);
    assert!(
        response.extensions().get::<NestingMark>().is_none(),
        "the outer layer takes the inner layer's mark"
    );
    assert_eq!(
        vary(&response),
        ["Cookie, Sec-GPC"],
        "the outer layer adds nothing"
    );
    // The site policy alone strips the undeclared Stripe cookie.
    let handler = service_fn(|_request: Request<()>| async {
        let mut response = Response::new(Full::new(Bytes::new()));
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_static("__stripe_mid=1"));
        Ok::<_, Infallible>(response)
    });
    let response = ConsentLayer::new(site)
        .layer(handler)
        .oneshot(request(&[]))
        .await
        .unwrap();
    assert!(set_cookies(&response).is_empty());
}

#[tokio::test]
async fn a_streaming_body_passes_chunk_by_chunk() {
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<http_body::Frame<Bytes>, Infallible>>(1);
    let receiver = Arc::new(Mutex::new(Some(receiver)));
    let handler = service_fn(move |_request: Request<()>| {
        let receiver = receiver.lock().unwrap().take().unwrap();
        async move {
            let stream = futures_util::stream::unfold(receiver, |mut r| async {
                r.recv().await.map(|f| (f, r))
            });
            let mut response = Response::new(StreamBody::new(stream));
            response
                .headers_mut()
                .append(SET_COOKIE, HeaderValue::from_static("_ga=1"));
            Ok::<_, Infallible>(response)
        }
    });
    let response = ConsentLayer::new(minopa(""))
        .layer(handler)
        .oneshot(request(&[]))
        .await
        .unwrap();
    // Headers are judged before the body has produced anything.
    assert!(set_cookies(&response).is_empty());
    let mut body = std::pin::pin!(response.into_body());
    for chunk in ["first", "second", "third"] {
        sender
            .send(Ok(http_body::Frame::data(Bytes::from(chunk))))
            .await
            .unwrap();
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(
            frame.into_data().unwrap(),
            chunk,
            "each chunk arrives as sent, before the next exists"
        );
    }
    drop(sender);
    assert!(body.frame().await.is_none());
}

#[test]
fn the_layer_fits_axum_router_bounds() {
    fn assert_service<S: Clone + Send + Sync + 'static>(_: &S) {}
    fn assert_future<F: Send>(_: &F) {}
    let service = ConsentLayer::new(minopa("")).layer(service_fn(|_: Request<()>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
    }));
    assert_service(&service);
    let mut service = service;
    let future = tower::Service::call(&mut service, request(&[]));
    assert_future(&future);
}

#[tokio::test]
async fn non_utf8_header_bytes_are_judged_without_panicking() {
    let handler = service_fn(|_request: Request<()>| async {
        let mut response = Response::new(Full::new(Bytes::new()));
        for value in [
            &b"_ga=\xff\xfe"[..],
            b"\xff\xfe=1",
            b"next-auth.csrf-token=\xe9t\xe9",
        ] {
            response
                .headers_mut()
                .append(SET_COOKIE, HeaderValue::from_bytes(value).unwrap());
        }
        Ok::<_, Infallible>(response)
    });
    let mut request = Request::get("/").body(()).unwrap();
    let cookie = &b"cookie-preferences=%7B\xff; _clck=\xff; \xff\xfe=1"[..];
    request
        .headers_mut()
        .append(COOKIE, HeaderValue::from_bytes(cookie).unwrap());
    let service = ConsentLayer::new(minopa("")).layer(handler);
    let response = service.oneshot(request).await.unwrap();
    let values: Vec<&[u8]> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    // The essential cookie passes; `_ga` and the nameless value go; `_clck` is expired.
    assert_eq!(
        values,
        [
            &b"next-auth.csrf-token=\xe9t\xe9"[..],
            b"_clck=; Max-Age=0; Path=/"
        ]
    );
}
