//! `requests-actix STACK N`: serves the workload N times through an in-process
//! actix-web app under STACK (`none`, `default-headers` or `consent`; `floor`
//! and `handoff` measure the floor under any middleware that follows the design).
//! `benches/callgrind.sh` counts two values of N and subtracts, so start-up
//! cancels out. The first response is checked.

use std::process::ExitCode;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderValue, COOKIE, SET_COOKIE, X_CONTENT_TYPE_OPTIONS};
use actix_web::middleware::DefaultHeaders;
use actix_web::{test, web, App, HttpResponse};
use cookie_consent_benches::floor::Floor;
use cookie_consent_benches::{minopa, names, request_count, COOKIE_HEADER, SET_COOKIES};
use cookie_consent_benches::{KEPT_NAMES, SET_COOKIE_NAMES, STRIPPED, VARY};

async fn handler() -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for value in SET_COOKIES {
        response.append_header((SET_COOKIE, HeaderValue::from_static(value)));
    }
    response.body("ok")
}

/// The workload's request.
fn request() -> actix_http::Request {
    test::TestRequest::get()
        .uri("/")
        .insert_header((COOKIE, HeaderValue::from_static(COOKIE_HEADER)))
        .to_request()
}

async fn serve<S, B>(app: S, requests: u64, expected: &[&str]) -> Result<(), String>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for i in 0..requests {
        let request = request();
        let response = app.call(request).await.map_err(|err| err.to_string())?;
        if i == 0 {
            let found = names(response.headers().get_all(SET_COOKIE).map(|v| v.as_bytes()));
            if found != expected {
                return Err(format!("Set-Cookie names {found:?}, expected {expected:?}"));
            }
        }
    }
    Ok(())
}

async fn run(stack: &str, requests: u64) -> Result<(), String> {
    let routes = || App::new().route("/", web::get().to(handler));
    match stack {
        "none" => {
            serve(
                test::init_service(routes()).await,
                requests,
                &SET_COOKIE_NAMES,
            )
            .await
        }
        "default-headers" => {
            let headers = DefaultHeaders::new().add((X_CONTENT_TYPE_OPTIONS, "nosniff"));
            let app = test::init_service(routes().wrap(headers)).await;
            serve(app, requests, &SET_COOKIE_NAMES).await
        }
        // Not middleware anyone ships: see `cookie_consent_benches::floor`.
        "floor" => {
            let app = routes().wrap(Floor::edits(STRIPPED, VARY));
            serve(test::init_service(app).await, requests, &KEPT_NAMES).await
        }
        "handoff" => {
            let app = routes().wrap(Floor::handoff(minopa(), STRIPPED, VARY));
            serve(test::init_service(app).await, requests, &KEPT_NAMES).await
        }
        "consent" => {
            let middleware = cookie_consent_actix::ConsentMiddleware::new(minopa());
            let app = test::init_service(routes().wrap(middleware)).await;
            serve(app, requests, &KEPT_NAMES).await
        }
        // The page middleware (DESIGN §20) inside the header one, on a
        // response that is no page.
        "consent-page" => {
            let page = cookie_consent_actix::ConsentPage::new(minopa());
            let middleware = cookie_consent_actix::ConsentMiddleware::new(minopa());
            let app = test::init_service(routes().wrap(page).wrap(middleware)).await;
            serve(app, requests, &KEPT_NAMES).await
        }
        other => Err(format!("unknown stack {other:?}")),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let stack = args.next().unwrap_or_default();
    let result = request_count(args.next())
        .and_then(|requests| actix_web::rt::System::new().block_on(run(&stack, requests)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("requests-actix: {message}");
            ExitCode::FAILURE
        }
    }
}
