//! `requests-tower STACK N`: serves the workload N times through an in-process
//! axum app whose routes sit under STACK (`identity`, `set-response-header`,
//! `cookie-manager` or `consent`; `edits-only` and `edits-and-extension`
//! measure the floor under any layer that follows the design). `benches/callgrind.sh` counts two values of N
//! and subtracts, so start-up cancels out. The first response is checked.

use std::process::ExitCode;

use axum::body::Body;
use axum::http::header::{Entry, COOKIE, SET_COOKIE, VARY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, Request};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cookie_consent_benches::{minopa, names, request_count, COOKIE_HEADER, SET_COOKIES};
use cookie_consent_benches::{KEPT_NAMES, SET_COOKIE_NAMES};
use futures_util::FutureExt;
use tower::layer::util::Identity;
use tower::Service;

async fn handler() -> impl IntoResponse {
    let set_cookies = SET_COOKIES.map(|value| (SET_COOKIE, HeaderValue::from_static(value)));
    (AppendHeaders(set_cookies), "ok")
}

/// The workload's required edits, as cheaply as `http` allows: `theme` (the
/// second value) removed, the others kept in order, `Vary: Cookie` added.
fn required_edits(mut response: Response) -> Response {
    if let Entry::Occupied(mut entry) = response.headers_mut().entry(SET_COOKIE) {
        let kept: [Option<HeaderValue>; 3] = {
            let mut values = entry.iter();
            let first = values.next().cloned();
            values.next();
            [first, values.next().cloned(), values.next().cloned()]
        };
        let mut kept = kept.into_iter().flatten();
        if let Some(first) = kept.next() {
            entry.insert(first);
            kept.for_each(|value| entry.append(value));
        }
    }
    response
        .headers_mut()
        .append(VARY, HeaderValue::from_static("Cookie"));
    response
}

/// What the consent hand-off to handlers costs at least: one extension.
#[derive(Clone)]
struct Handoff(#[allow(dead_code)] u64);

fn insert_extension(mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(Handoff(1));
    request
}

/// The app under `stack`, and the cookie names its response must carry.
fn app(stack: &str) -> Result<(Router, &'static [&'static str]), String> {
    let routes = Router::new().route("/", get(handler));
    Ok(match stack {
        "identity" => (routes.layer(Identity::new()), &SET_COOKIE_NAMES),
        "set-response-header" => (
            routes.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            )),
            &SET_COOKIE_NAMES,
        ),
        "cookie-manager" => (
            routes.layer(tower_cookies::CookieManagerLayer::new()),
            &SET_COOKIE_NAMES,
        ),
        "consent" => (
            routes.layer(cookie_consent_tower::ConsentLayer::new(minopa())),
            &KEPT_NAMES,
        ),
        // Not a layer anyone ships: the header edits DESIGN requires on this
        // workload (drop `theme`, add `Vary: Cookie`), known in advance, with no
        // reading or judging; with and without one request-extension insert.
        "edits-only" => (
            routes.layer(tower::util::MapResponseLayer::new(required_edits)),
            &KEPT_NAMES,
        ),
        "edits-and-extension" => (
            routes.layer(
                tower::ServiceBuilder::new()
                    .map_request(insert_extension)
                    .map_response(required_edits),
            ),
            &KEPT_NAMES,
        ),
        other => return Err(format!("unknown stack {other:?}")),
    })
}

fn run(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let stack = args.next().ok_or("missing the stack")?;
    let (mut app, expected) = app(&stack)?;
    for i in 0..request_count(args.next())? {
        let request = Request::get("/")
            .header(COOKIE, HeaderValue::from_static(COOKIE_HEADER))
            .body(Body::empty())
            .map_err(|err| err.to_string())?;
        // A Router is always ready, and this handler answers without waiting.
        let response = match app.call(request).now_or_never() {
            Some(Ok(response)) => response,
            Some(Err(never)) => match never {},
            None => return Err("the app did not answer at once".into()),
        };
        if i == 0 {
            let found = names(
                response
                    .headers()
                    .get_all(SET_COOKIE)
                    .iter()
                    .map(|v| v.as_bytes()),
            );
            if found != expected {
                return Err(format!(
                    "{stack}: Set-Cookie names {found:?}, expected {expected:?}"
                ));
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("requests-tower: {message}");
            ExitCode::FAILURE
        }
    }
}
