//! [`consent_endpoint`]: the banner's `POST /consent`, ready to route.

use actix_web::http::header::{
    ContentType, HeaderName, COOKIE, HOST, LOCATION, ORIGIN, REFERER, SET_COOKIE, USER_AGENT,
};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use cookie_consent_core::{ConsentAnswer, ConsentPost, Recording, CONSENT_FORM_LIMIT};

use crate::ConsentExt;

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");
static SEC_FETCH_USER: HeaderName = HeaderName::from_static("sec-fetch-user");

/// The consent endpoint as an actix-web route: it answers the
/// banner's form with the consent cookie and a `303` back to the page the
/// visitor was on, and refuses with `403` and no cookie a write that another
/// site sent ([`ConsentPost::is_same_origin`]) or that the browser marks as a
/// script's rather than the visitor's ([`ConsentPost::is_scripted`]; a
/// JavaScript banner needs `[consent_cookie] allow_scripted_writes`).
///
/// It writes the consent cookie of the policy that the
/// [`ConsentMiddleware`](crate::ConsentMiddleware) around it enforces:
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use cookie_consent_actix::{consent_endpoint, ConsentMiddleware, Policy};
///
/// # let policy = Policy::from_toml_str("").unwrap();
/// let app = App::new()
///     .route("/", web::get().to(HttpResponse::Ok))
///     .route("/consent", consent_endpoint())
///     .wrap(ConsentMiddleware::new(policy));
/// ```
///
/// Answers: `303` with `Location` and `Set-Cookie`; `403` for another site's
/// write or a script's; `400` for a form with no known `action`; `413` for a body over
/// [`CONSENT_FORM_LIMIT`]; `500` without a `ConsentMiddleware` around it.
/// [`recorded_consent_endpoint`] also records every answer.
pub fn consent_endpoint() -> actix_web::Route {
    web::post().to(|request, form| answer(request, form, None))
}

/// [`consent_endpoint`], recording every answer in `recording`'s store
/// (proof of consent) before it is sent: `503` and no consent written when the
/// store cannot take it. The client's address is the connection's peer, or
/// the trusted forwarding header's.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use cookie_consent_actix::{recorded_consent_endpoint, ConsentMiddleware, Policy, Recording};
/// # #[derive(Debug)] struct Store;
/// # impl cookie_consent_actix::ConsentStore for Store {
/// #     fn insert(&self, _: cookie_consent_actix::ConsentRecord) -> cookie_consent_actix::StoreFuture<'_, ()> { Box::pin(async { Ok(()) }) }
/// #     fn select<'a>(&'a self, _: &'a cookie_consent_actix::RecordQuery) -> cookie_consent_actix::StoreFuture<'a, Vec<cookie_consent_actix::ConsentRecord>> { Box::pin(async { Ok(Vec::new()) }) }
/// # }
/// # let policy = Policy::from_toml_str("").unwrap();
/// // A store from cookie-consent-records: `cookie_consent_records::open("sqlite:consent.db")?`
/// let recording = Recording::new(Store);
/// let app = App::new()
///     .route("/consent", recorded_consent_endpoint(recording))
///     .wrap(ConsentMiddleware::new(policy));
/// ```
pub fn recorded_consent_endpoint(recording: Recording) -> actix_web::Route {
    web::post().to(move |request, form| answer(request, form, Some(recording.clone())))
}

async fn answer(
    request: HttpRequest,
    form: web::Bytes,
    recording: Option<Recording>,
) -> HttpResponse {
    let Some(consent) = request.consent() else {
        return HttpResponse::InternalServerError()
            .body("cookie-consent: consent_endpoint needs a ConsentMiddleware around it");
    };
    if form.len() > CONSENT_FORM_LIMIT {
        return HttpResponse::PayloadTooLarge().body("consent form too large");
    }
    let header = |name: &HeaderName| request.headers().get(name).map(|v| v.as_bytes());
    let cookies: Vec<&[u8]> = request
        .headers()
        .get_all(COOKIE)
        .map(|v| v.as_bytes())
        .collect();
    let forwarded = recording
        .as_ref()
        .and_then(Recording::forwarded_header)
        .and_then(|name| request.headers().get_all(name).last())
        .map(|v| v.as_bytes());
    let post = ConsentPost {
        host: header(&HOST).or_else(|| request.uri().authority().map(|a| a.as_str().as_bytes())),
        origin: header(&ORIGIN),
        sec_fetch_site: header(&SEC_FETCH_SITE),
        sec_fetch_mode: header(&SEC_FETCH_MODE),
        sec_fetch_user: header(&SEC_FETCH_USER),
        referer: header(&REFERER),
        form: &form,
        cookies: &cookies,
        user_agent: header(&USER_AGENT),
        peer: request.peer_addr().map(|addr| addr.ip()),
        forwarded,
    };
    let policy = consent.policy();
    let answer = match &recording {
        Some(recording) => policy.answer_consent_post_recorded(&post, recording).await,
        None => policy.answer_consent_post(&post),
    };
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = HttpResponse::build(status);
    response.content_type(ContentType::plaintext());
    if let ConsentAnswer::Recorded {
        location,
        set_cookie,
    } = &answer
    {
        response
            .insert_header((LOCATION, location.as_str()))
            .append_header((SET_COOKIE, set_cookie.as_str()));
    }
    response.body(answer.body())
}
