//! `requests-tower STACK N`: serves the workload N times through an in-process
//! axum app whose routes sit under STACK (`identity`, `set-response-header`,
//! `cookie-manager`, `consent` or `consent-page`; `floor` and `handoff` measure the floor
//! under any layer that follows the design). `benches/callgrind.sh` counts two values of N
//! and subtracts, so start-up cancels out. The first response is checked.

use std::process::ExitCode;

use axum::body::Body;
use axum::http::header::{COOKIE, SET_COOKIE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, Request};
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::get;
use axum::Router;
use cookie_consent_benches::floor::for_tower;
use cookie_consent_benches::{
    minopa, minopa_signed, names, request_count, signed_cookie_header, COOKIE_HEADER,
    NO_CONSENT_HEADER, SET_COOKIES,
};
use cookie_consent_benches::{KEPT_NAMES, SET_COOKIE_NAMES};

/// What a response without consent keeps (the session cookie) and purges (`_ga`).
const NO_CONSENT_NAMES: [&str; 2] = ["next-auth.csrf-token", "_ga"];
use futures_util::FutureExt;
use tower::layer::util::Identity;
use tower::Service;

async fn handler() -> impl IntoResponse {
    let set_cookies = SET_COOKIES.map(|value| (SET_COOKIE, HeaderValue::from_static(value)));
    (AppendHeaders(set_cookies), "ok")
}

/// The request's `Cookie` header for `stack`: the workload's, signed for the
/// signed stacks, without the consent for the `-no-consent` ones.
fn cookie_header(stack: &str) -> String {
    match stack {
        "consent-signed" => signed_cookie_header(),
        "consent-no-consent" | "consent-signed-no-consent" => NO_CONSENT_HEADER.to_owned(),
        _ => COOKIE_HEADER.to_owned(),
    }
}

/// The app under `stack`, and the cookie names its response must carry.
fn app(stack: &str) -> Result<(Router, &'static [&'static str]), String> {
    let routes = Router::new().route("/", get(handler));
    Ok(match stack {
        "consent-signed" => (
            routes.layer(cookie_consent_tower::ConsentLayer::new(minopa_signed())),
            &KEPT_NAMES,
        ),
        // No consent: only the session cookie passes, and `_ga` is purged.
        "consent-no-consent" => (
            routes.layer(cookie_consent_tower::ConsentLayer::new(minopa())),
            &NO_CONSENT_NAMES,
        ),
        "consent-signed-no-consent" => (
            routes.layer(cookie_consent_tower::ConsentLayer::new(minopa_signed())),
            &NO_CONSENT_NAMES,
        ),
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
        // The page layer (DESIGN §20) inside the header layer, on a response
        // that is no page: what it costs a site's non-HTML answers.
        "consent-page" => (
            routes
                .layer(cookie_consent_tower::ConsentPageLayer::new(minopa()))
                .layer(cookie_consent_tower::ConsentLayer::new(minopa())),
            &KEPT_NAMES,
        ),
        // Not layers anyone ships (`cookie_consent_benches::floor`): the
        // header edits DESIGN requires on this workload (drop `theme`, add
        // `Vary: Cookie`), known in advance, with no judging; with an 8-byte
        // extension, or with the consent read and handed over.
        "floor" => (
            routes.layer(
                tower::ServiceBuilder::new()
                    .map_request(for_tower::extension)
                    .map_response(for_tower::minopa_edits),
            ),
            &KEPT_NAMES,
        ),
        "handoff" => {
            let policy = minopa();
            let handoff = move |request| for_tower::consent(&policy, request);
            (
                routes.layer(
                    tower::ServiceBuilder::new()
                        .map_request(handoff)
                        .map_response(for_tower::minopa_edits),
                ),
                &KEPT_NAMES,
            )
        }
        other => return Err(format!("unknown stack {other:?}")),
    })
}

fn run(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let stack = args.next().ok_or("missing the stack")?;
    let (mut app, expected) = app(&stack)?;
    // Static, as the other stacks' header always was: a clone costs nothing.
    let cookie: &'static str = Box::leak(cookie_header(&stack).into_boxed_str());
    for i in 0..request_count(args.next())? {
        let request = Request::get("/")
            .header(COOKIE, HeaderValue::from_static(cookie))
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
