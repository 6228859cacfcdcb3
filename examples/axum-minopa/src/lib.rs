//! The demo site on axum (DESIGN §7), with Minopa's policy embedded.

use axum::extract::{Path, Query, RawQuery};
use axum::http::header::{HeaderName, ACCEPT_LANGUAGE, CONTENT_TYPE, SET_COOKIE, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use cookie_consent_demo as demo;
use cookie_consent_tower::{
    Consent, ConsentEndpoint, ConsentLayer, ConsentPageLayer, Policy, PolicyError, RecordQuery,
    Recording,
};

/// Minopa's policy, the default.
pub const EMBEDDED_POLICY: &str = include_str!("../../policies/minopa.toml");

/// The demo site enforcing `policy` and recording consent answers in
/// `records`; `/billing` enforces it plus Stripe's cookies. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: records keep the
/// client's address.
pub fn app(policy: Policy, records: Recording) -> Result<Router, PolicyError> {
    app_with(policy, records, demo::Options::default())
}

/// [`app`], with the routes `options` turn on.
pub fn app_with(
    policy: Policy,
    records: Recording,
    options: demo::Options,
) -> Result<Router, PolicyError> {
    let billing = Router::new()
        .route("/demo/set", get(demo_set))
        .layer(ConsentLayer::new(demo::billing_policy(&policy)?));
    Ok(routes_with(policy.clone(), records, options)
        .nest("/billing", billing)
        .layer(ConsentLayer::new(policy)))
}

/// The site's own routes with no enforcement: what [`app`] puts under
/// `ConsentLayer`. The pages that read `Consent` (`/`, `/demo/consent`) answer
/// 500 here; the benchmarks serve it to measure the layer on the other routes.
pub fn routes(policy: Policy, records: Recording) -> Router {
    routes_with(policy, records, demo::Options::default())
}

/// [`routes`], with the routes `options` turn on.
pub fn routes_with(policy: Policy, records: Recording, options: demo::Options) -> Router {
    // The page layer on the one page that leaves its tags to it (DESIGN §20).
    let tags = Router::new()
        .route("/demo/page", get(demo_page))
        .layer(ConsentPageLayer::new(policy.clone()));
    Router::new()
        .merge(tags)
        .route("/demo/tracker/{file}", get(tracker))
        .route("/", get(home))
        .route("/cookie-policy", get(cookie_policy))
        .route_service(
            "/consent",
            ConsentEndpoint::new().recording(records.clone()),
        )
        .route("/demo/set", get(demo_set))
        .route("/demo/raw", get(demo_raw))
        .route("/demo/consent", get(demo_consent))
        .route("/demo/records", get(demo_records))
        .route("/healthz", get(|| async { "ok" }))
        .route("/.well-known/gpc.json", get(gpc_json))
        .layer(Extension(policy))
        .layer(Extension(records))
        .layer(Extension(options))
}

fn with_cookies(cookies: Vec<String>, body: impl IntoResponse) -> Response {
    let headers: Vec<_> = cookies.into_iter().map(|c| (SET_COOKIE, c)).collect();
    (AppendHeaders(headers), body).into_response()
}

/// The request's `Accept-Language`, for the page's locale.
fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers.get(ACCEPT_LANGUAGE)?.to_str().ok()
}

/// Pages in the visitor's language vary on the header that chose it.
const VARY_LANGUAGE: [(HeaderName, &str); 1] = [(VARY, "Accept-Language")];

async fn home(
    Extension(policy): Extension<Policy>,
    consent: Consent,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let settings = query.is_some_and(|q| q.split('&').any(|p| p == "cookie-settings"));
    let page = demo::home_page(&policy, &consent, settings, accept_language(&headers));
    with_cookies(demo::home_cookies(&policy), (VARY_LANGUAGE, Html(page)))
}

async fn demo_page(
    Extension(policy): Extension<Policy>,
    consent: Consent,
    headers: HeaderMap,
) -> Response {
    let page = demo::demo_page(&policy, &consent, accept_language(&headers));
    (VARY_LANGUAGE, Html(page)).into_response()
}

async fn tracker(Path(file): Path<String>) -> Response {
    match demo::tracker(&file) {
        Some((content_type, body)) => ([(CONTENT_TYPE, content_type)], body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn cookie_policy(Extension(policy): Extension<Policy>, headers: HeaderMap) -> Response {
    let page = demo::policy_page(&policy, accept_language(&headers));
    (VARY_LANGUAGE, Html(page)).into_response()
}

async fn demo_set(Query(query): Query<Vec<(String, String)>>) -> Response {
    match demo::demo_set_cookies(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(cookies) => with_cookies(cookies, "set"),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

async fn demo_raw(
    Extension(options): Extension<demo::Options>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    match demo::demo_raw(options, query.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Ok(answer)) => {
            let status = match answer.not_modified {
                true => StatusCode::NOT_MODIFIED,
                false => StatusCode::OK,
            };
            let vary: Vec<_> = answer.vary.into_iter().map(|v| (VARY, v)).collect();
            let body = if answer.not_modified { "" } else { "raw" };
            (
                status,
                AppendHeaders(vary),
                with_cookies(answer.set_cookies, body),
            )
                .into_response()
        }
        Some(Err(err)) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

/// The GPC support resource, when a category honours GPC; 404 otherwise.
async fn gpc_json(Extension(policy): Extension<Policy>) -> Response {
    match policy.gpc_json() {
        Some(json) => ([(CONTENT_TYPE, "application/json")], json).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn demo_consent(consent: Consent) -> Response {
    (
        [(CONTENT_TYPE, "application/json")],
        demo::consent_json(&consent),
    )
        .into_response()
}

/// The consent records of one consent id, oldest first.
async fn demo_records(
    Extension(records): Extension<Recording>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let Some(id) = demo::records_id(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else {
        return (StatusCode::BAD_REQUEST, "id is required").into_response();
    };
    match records.store().select(&RecordQuery::all().id(id)).await {
        Ok(found) => (
            [(CONTENT_TYPE, "application/json")],
            demo::records_json(&found),
        )
            .into_response(),
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    }
}
