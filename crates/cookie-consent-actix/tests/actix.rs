//! The middleware on real actix-web `App`s: every rule of the core, seen through actix.

use std::sync::{Arc, Mutex};

use actix_web::body::MessageBody;
use actix_web::http::header::{COOKIE, LOCATION, SET_COOKIE, VARY};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use cookie_consent_actix::{Consent, ConsentExt, ConsentMiddleware, CookieRule, Event, Policy};
use cookie_consent_testing::policies::{self, billing, minopa, prefixed, MINOPA};

const ANALYTICS: &str = r#"cookie-preferences={"categories":{"analytics":true},"revision":1}"#;

fn with_settings(settings: &str) -> Policy {
    policies::with_settings(MINOPA, settings)
}

/// `/set?name=A&name=B&delete=C`, as the demo sites serve it.
async fn set(query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for (key, name) in query.iter() {
        match key.as_str() {
            "name" => {
                response.append_header((SET_COOKIE, format!("{name}=demo; Path=/; Max-Age=3600")))
            }
            "delete" => response.append_header((SET_COOKIE, format!("{name}=; Path=/; Max-Age=0"))),
            _ => &mut response,
        };
    }
    response.body("set")
}

fn set_cookies<B>(response: &actix_web::dev::ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn names(set_cookies: &[String]) -> Vec<&str> {
    set_cookies
        .iter()
        .map(|v| v.split('=').next().unwrap())
        .collect()
}

fn vary<B>(response: &actix_web::dev::ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(VARY)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn get(path: &str, cookies: &[&str]) -> TestRequest {
    let mut request = TestRequest::get().uri(path);
    for cookie in cookies {
        request = request.append_header((COOKIE, *cookie));
    }
    request
}

macro_rules! app {
    ($middleware:expr) => {
        test::init_service(
            App::new()
                .route("/set", web::get().to(set))
                .wrap($middleware),
        )
        .await
    };
}

#[actix_web::test]
async fn report_only_changes_nothing_and_reports() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let middleware = ConsentMiddleware::new(with_settings("enforcement = \"report-only\""))
        .on_event(move |event| seen.lock().unwrap().push(format!("{event:?}")));
    let app = app!(middleware);
    let response = test::call_service(&app, get("/set?name=_ga", &["_clck=1"]).to_request()).await;
    assert_eq!(names(&set_cookies(&response)), ["_ga"]);
    assert!(vary(&response).is_empty());
    assert_eq!(
        *events.lock().unwrap(),
        [
            r#"Stripped { name: "_ga", category: Some("analytics"), reason: Missing, enforced: false }"#,
            r#"Purged { name: "_clck", category: "analytics", enforced: false }"#,
        ]
    );
}

#[actix_web::test]
async fn the_callback_sees_every_decision() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let middleware = ConsentMiddleware::new(minopa()).on_event(move |event| {
        if let Event::Kept { name, .. } | Event::Stripped { name, .. } = event {
            seen.lock().unwrap().push(name.to_string());
        }
    });
    let app = app!(middleware);
    test::call_service(
        &app,
        get("/set?name=next-auth.csrf-token&name=_ga", &[]).to_request(),
    )
    .await;
    assert_eq!(*events.lock().unwrap(), ["next-auth.csrf-token", "_ga"]);
}

#[derive(Debug)]
struct Teapot;

impl std::fmt::Display for Teapot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("teapot")
    }
}

impl ResponseError for Teapot {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::ImATeapot()
            .append_header((SET_COOKIE, "_ga=1"))
            .append_header((SET_COOKIE, "next-auth.csrf-token=1"))
            .body("teapot")
    }
}

#[actix_web::test]
async fn responses_from_a_handlers_error_are_filtered() {
    let failing = || async { Err::<HttpResponse, Teapot>(Teapot) };
    let app = test::init_service(
        App::new()
            .route("/fail", web::get().to(failing))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    let response = test::call_service(&app, get("/fail", &[]).to_request()).await;
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(set_cookies(&response), ["next-auth.csrf-token=1"]);
}

#[actix_web::test]
async fn redirects_and_head_are_filtered() {
    let redirect = || async {
        HttpResponse::Found()
            .append_header((LOCATION, "/"))
            .append_header((SET_COOKIE, "_ga=1"))
            .finish()
    };
    let app = test::init_service(
        App::new()
            .route("/redirect", web::get().to(redirect))
            .route("/set", web::route().method(Method::HEAD).to(set))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    let response = test::call_service(&app, get("/redirect", &[]).to_request()).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(set_cookies(&response).is_empty());
    let request = TestRequest::default()
        .method(Method::HEAD)
        .uri("/set?name=_ga&name=next-auth.csrf-token")
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(names(&set_cookies(&response)), ["next-auth.csrf-token"]);
}

async fn show_consent(consent: Consent, request: HttpRequest) -> String {
    let via_ext = request.consent().map(|c| c.state().as_str());
    format!(
        "{} {:?} {:?}",
        consent.state().as_str(),
        consent.granted().collect::<Vec<_>>(),
        via_ext
    )
}

#[actix_web::test]
async fn handlers_reach_the_consent_by_extractor_and_by_the_request() {
    let app = test::init_service(
        App::new()
            .route("/", web::get().to(show_consent))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    let body = test::call_and_read_body(&app, get("/", &[ANALYTICS]).to_request()).await;
    assert_eq!(body, r#"valid ["essential", "analytics"] Some("valid")"#);
}

#[actix_web::test]
async fn without_the_middleware_the_extractor_answers_500_saying_what_to_do() {
    let app = test::init_service(App::new().route("/", web::get().to(show_consent))).await;
    let response = test::call_service(&app, get("/", &[]).to_request()).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = test::read_body(response).await;
    assert!(
        String::from_utf8_lossy(&body)
            .contains("add `.wrap(cookie_consent_actix::ConsentMiddleware::new(policy))`"),
        "{body:?}"
    );
}

#[actix_web::test]
async fn a_scope_and_a_resource_carry_their_own_policy() {
    let site = minopa();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/billing")
                    .wrap(ConsentMiddleware::new(billing(&site)))
                    .route("/set", web::get().to(set)),
            )
            .service(
                web::resource("/pay")
                    .wrap(ConsentMiddleware::new(billing(&site)))
                    .route(web::get().to(set)),
            )
            .route("/set", web::get().to(set))
            .wrap(ConsentMiddleware::new(site)),
    )
    .await;
    let query = "?name=__stripe_mid&name=__stripe_sid&name=_ga";
    let response =
        test::call_service(&app, get(&format!("/billing/set{query}"), &[]).to_request()).await;
    assert_eq!(
        names(&set_cookies(&response)),
        ["__stripe_mid", "__stripe_sid"]
    );
    assert_eq!(
        vary(&response),
        ["Cookie, Sec-GPC"],
        "the outer middleware passes the response through"
    );
    let response = test::call_service(&app, get(&format!("/pay{query}"), &[]).to_request()).await;
    assert_eq!(
        names(&set_cookies(&response)),
        ["__stripe_mid", "__stripe_sid"]
    );
    let response = test::call_service(&app, get(&format!("/set{query}"), &[]).to_request()).await;
    assert!(set_cookies(&response).is_empty());
}

#[actix_web::test]
async fn the_session_cookie_passes_when_the_middleware_is_outermost() {
    use actix_session::storage::CookieSessionStore;
    use actix_session::{Session, SessionMiddleware};
    use actix_web::cookie::Key;
    let handler = |session: Session| async move {
        session.insert("user", 42).unwrap();
        HttpResponse::Ok()
            .append_header((SET_COOKIE, "_clck=1; Path=/"))
            .finish()
    };
    let site = minopa()
        .to_builder()
        .cookie(CookieRule::new("id", "essential").provider("actix-session"))
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .route("/", web::get().to(handler))
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            ))
            .wrap(ConsentMiddleware::new(site)),
    )
    .await;
    let response = test::call_service(&app, get("/", &[]).to_request()).await;
    let mut cookies = set_cookies(&response);
    cookies.sort();
    assert_eq!(
        names(&cookies),
        ["id"],
        "the session cookie passes and _clck goes"
    );
}

#[actix_web::test]
async fn a_streaming_body_passes_chunk_by_chunk() {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, actix_web::Error>>(1);
    // actix handlers run on one thread: a RefCell suffices.
    let receiver = std::rc::Rc::new(std::cell::RefCell::new(Some(receiver)));
    let handler = move || {
        let receiver = receiver.borrow_mut().take().unwrap();
        async move {
            let stream = futures_util::stream::unfold(receiver, |mut r| async {
                r.recv().await.map(|c| (c, r))
            });
            HttpResponse::Ok()
                .append_header((SET_COOKIE, "_ga=1"))
                .streaming(stream)
        }
    };
    let app = test::init_service(
        App::new()
            .route("/", web::get().to(handler))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    let response = test::call_service(&app, get("/", &[]).to_request()).await;
    assert!(set_cookies(&response).is_empty());
    let mut body = std::pin::pin!(response.into_body());
    for chunk in ["first", "second", "third"] {
        sender.send(Ok(Bytes::from(chunk))).await.unwrap();
        let next = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await;
        assert_eq!(
            next.unwrap().unwrap(),
            chunk,
            "each chunk arrives as sent, before the next exists"
        );
    }
    drop(sender);
    assert!(std::future::poll_fn(|cx| body.as_mut().poll_next(cx))
        .await
        .is_none());
}

#[actix_web::test]
async fn the_middleware_keeps_the_body_type_and_works_under_condition() {
    // `Condition` requires the wrapped middleware to keep the body type: this compiles only if it does.
    let app = test::init_service(App::new().route("/set", web::get().to(set)).wrap(
        actix_web::middleware::Condition::new(true, ConsentMiddleware::new(minopa())),
    ))
    .await;
    let response = test::call_service(&app, get("/set?name=_ga", &[]).to_request()).await;
    assert!(set_cookies(&response).is_empty());
}

#[actix_web::test]
async fn a_cookie_appended_between_nested_middleware_is_judged_by_the_outer_one() {
    use actix_session::storage::CookieSessionStore;
    use actix_session::{Session, SessionMiddleware};
    use actix_web::cookie::Key;
    use actix_web::dev::Service as _;
    let pay = |session: Session| async move {
        session.insert("user", 42).unwrap();
        HttpResponse::Ok()
            .append_header((SET_COOKIE, "__stripe_mid=1"))
            .finish()
    };
    let app = |site: Policy| {
        let billing = site
            .to_builder()
            .cookie(CookieRule::new("__stripe_mid", "essential"))
            .build()
            .unwrap();
        App::new()
            .service(
                web::scope("/billing")
                    .wrap(ConsentMiddleware::new(billing))
                    .route("/pay", web::get().to(pay)),
            )
            // A cookie-setting middleware between the scope's consent middleware and the app's.
            .wrap_fn(|request, service| {
                let response = service.call(request);
                async move {
                    let mut response = response.await?;
                    response.headers_mut().append(
                        SET_COOKIE,
                        actix_web::http::header::HeaderValue::from_static("_ga=GA1; Path=/"),
                    );
                    Ok(response)
                }
            })
            .wrap(SessionMiddleware::new(
                CookieSessionStore::default(),
                Key::generate(),
            ))
            .wrap(ConsentMiddleware::new(site))
    };
    // The site policy does not declare actix-session's `id`: judged, it goes; so does `_ga`.
    let service = test::init_service(app(minopa())).await;
    let response = test::call_service(&service, get("/billing/pay", &[]).to_request()).await;
    assert_eq!(names(&set_cookies(&response)), ["__stripe_mid"]);
    // Declared and granted, both pass: the outer middleware judged them with its policy.
    let site = minopa()
        .to_builder()
        .cookie(CookieRule::new("id", "essential"))
        .build()
        .unwrap();
    let service = test::init_service(app(site)).await;
    let response =
        test::call_service(&service, get("/billing/pay", &[ANALYTICS]).to_request()).await;
    let mut cookies = names(&set_cookies(&response))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    cookies.sort();
    assert_eq!(cookies, ["__stripe_mid", "_ga", "id"]);
}

#[actix_web::test]
async fn a_response_rendered_from_the_consent_varies_on_it() {
    let by_extractor = |consent: Consent| async move {
        HttpResponse::Ok().body(if consent.allows("analytics") {
            "<script>"
        } else {
            ""
        })
    };
    let by_request = |request: HttpRequest| async move {
        let consent = request.consent().unwrap();
        HttpResponse::Ok().body(consent.state().as_str())
    };
    let unread = |_consent: Consent| async { HttpResponse::Ok().body("same for all") };
    let app = test::init_service(
        App::new()
            .route("/extractor", web::get().to(by_extractor))
            .route("/request", web::get().to(by_request))
            .route("/unread", web::get().to(unread))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    for path in ["/extractor", "/request"] {
        let response = test::call_service(&app, get(path, &[]).to_request()).await;
        assert_eq!(vary(&response), ["Cookie, Sec-GPC"], "{path}");
    }
    let response = test::call_service(&app, get("/unread", &[]).to_request()).await;
    assert!(vary(&response).is_empty(), "{:?}", vary(&response));
    // With `honor_dnt`, DNT too.
    let app = test::init_service(
        App::new()
            .route("/extractor", web::get().to(by_extractor))
            .wrap(ConsentMiddleware::new(with_settings("honor_dnt = true"))),
    )
    .await;
    let response = test::call_service(&app, get("/extractor", &[]).to_request()).await;
    assert_eq!(vary(&response), ["Cookie, Sec-GPC, DNT"]);
}

#[actix_web::test]
async fn report_only_reports_exactly_the_purges_enforcement_appends() {
    let purged = |settings: &'static str| async move {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let middleware = ConsentMiddleware::new(prefixed(settings)).on_event(move |event| {
            if let Event::Purged { name, .. } = event {
                seen.lock().unwrap().push(name.to_string());
            }
        });
        let app = app!(middleware);
        // The response sets `_ga` anew: stripped, so the old one must still be expired.
        let request = get("/set?name=_ga", &["_ga=old; __Secure-sid=1"]).to_request();
        let response = test::call_service(&app, request).await;
        let names = events.lock().unwrap().clone();
        (names, set_cookies(&response))
    };
    let (reported, unchanged) = purged("enforcement = \"report-only\"").await;
    let (enforced, appended) = purged("").await;
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

#[actix_web::test]
async fn non_utf8_header_bytes_are_judged_without_panicking() {
    use actix_web::http::header::HeaderValue;
    let handler = || async {
        let mut response = HttpResponse::Ok().finish();
        for value in [
            &b"_ga=\xff\xfe"[..],
            b"\xff\xfe=1",
            b"next-auth.csrf-token=\xe9t\xe9",
        ] {
            response
                .headers_mut()
                .append(SET_COOKIE, HeaderValue::from_bytes(value).unwrap());
        }
        response
    };
    let app = test::init_service(
        App::new()
            .route("/", web::get().to(handler))
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    let cookie = HeaderValue::from_bytes(b"cookie-preferences=%7B\xff; _clck=\xff; \xff\xfe=1");
    let request = TestRequest::get()
        .uri("/")
        .insert_header((COOKIE, cookie.unwrap()))
        .to_request();
    let response = test::call_service(&app, request).await;
    let values: Vec<&[u8]> = response
        .headers()
        .get_all(SET_COOKIE)
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

/// An `Err` that an inner middleware returns becomes a response only after
/// every middleware ran; the consent middleware judges that response and
/// carries it in the error, so its cookies are judged like any other (§6, §16).
#[actix_web::test]
async fn an_inner_middlewares_err_is_judged() {
    #[derive(Debug)]
    struct Refused;
    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("refused")
        }
    }
    impl ResponseError for Refused {
        fn error_response(&self) -> HttpResponse {
            HttpResponse::Forbidden()
                .append_header((SET_COOKIE, "_ga=from-error"))
                .append_header((SET_COOKIE, "next-auth.csrf-token=kept"))
                .finish()
        }
    }
    /// Refuses before the handler runs, as an auth middleware would.
    fn refuse<S>(
        request: actix_web::dev::ServiceRequest,
        service: &S,
    ) -> std::future::Ready<Result<actix_web::dev::ServiceResponse, actix_web::Error>>
    where
        S: actix_web::dev::Service<actix_web::dev::ServiceRequest>,
    {
        drop(service.call(request));
        std::future::ready(Err(Refused.into()))
    }
    let route = || web::resource("/").route(web::get().to(HttpResponse::Ok));
    let app_wide = test::init_service(
        App::new()
            .service(route())
            .wrap_fn(refuse)
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    // The refusal sits inside a per-route consent middleware, under the app-wide one.
    let per_route = test::init_service(
        App::new()
            .service(
                web::scope("")
                    .service(route())
                    .wrap_fn(refuse)
                    .wrap(ConsentMiddleware::new(minopa())),
            )
            .wrap(ConsentMiddleware::new(minopa())),
    )
    .await;
    for (cookies, expected) in [
        (&[][..], &["next-auth.csrf-token=kept"][..]),
        (
            &[ANALYTICS],
            &["_ga=from-error", "next-auth.csrf-token=kept"],
        ),
    ] {
        for error in [
            test::try_call_service(&app_wide, get("/", cookies).to_request()).await,
            test::try_call_service(&per_route, get("/", cookies).to_request()).await,
        ] {
            let error = error.expect_err("the inner middleware's Err stays an Err");
            assert_eq!(error.to_string(), "refused", "the cause is kept");
            let response = error.error_response();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            let values: Vec<_> = response.headers().get_all(SET_COOKIE).collect();
            assert_eq!(values, expected);
        }
    }
}

#[actix_web::test]
async fn report_only_can_be_switched_on_the_middleware_and_callbacks_compose() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let (first, second) = (events.clone(), events.clone());
    // The policy file enforces; the middleware only reports.
    let middleware = ConsentMiddleware::new(minopa())
        .report_only()
        .on_event(move |event| {
            if let Event::Stripped { name, enforced, .. } = event {
                first
                    .lock()
                    .unwrap()
                    .push(format!("first {name} {enforced}"));
            }
        })
        .on_event(move |event| {
            if let Event::Stripped { name, .. } = event {
                second.lock().unwrap().push(format!("second {name}"));
            }
        });
    let app = app!(middleware);
    let response = test::call_service(&app, get("/set?name=_ga", &[]).to_request()).await;
    assert_eq!(names(&set_cookies(&response)), ["_ga"]);
    assert!(vary(&response).is_empty());
    assert_eq!(*events.lock().unwrap(), ["first _ga false", "second _ga"]);
}
