//! [`ConsentEndpoint`]: the banner's `POST /consent`, ready to route.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use cookie_consent_core::{Consent, ConsentAnswer, ConsentPost, Recording, CONSENT_FORM_LIMIT};
use http::header::{
    ALLOW, CONTENT_TYPE, COOKIE, HOST, LOCATION, ORIGIN, REFERER, SET_COOKIE, USER_AGENT,
};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use tower_service::Service;

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");
static SEC_FETCH_USER: HeaderName = HeaderName::from_static("sec-fetch-user");

/// The consent endpoint as a Tower service: it answers the
/// banner's form with the consent cookie and a `303` back to the page the
/// visitor was on, and refuses with `403` and no cookie a write that another
/// site sent ([`ConsentPost::is_same_origin`]) or that the browser marks as a
/// script's rather than the visitor's ([`ConsentPost::is_scripted`]; a
/// JavaScript banner needs `[consent_cookie] allow_scripted_writes`).
///
/// It writes the consent cookie of the policy that the [`ConsentLayer`]
/// around it enforces, so route it inside that layer:
///
/// ```
/// use axum::{routing::get, Router};
/// use cookie_consent_tower::{ConsentEndpoint, ConsentLayer, Policy};
///
/// # let policy = Policy::from_toml_str("").unwrap();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "home" }))
///     .route_service("/consent", ConsentEndpoint::new())
///     .layer(ConsentLayer::new(policy));
/// ```
///
/// With [`recording`](Self::recording), every answer is recorded (proof of
/// consent) before it is sent; the client's address is the connection's (serve
/// with `into_make_service_with_connect_info::<SocketAddr>()`, or put a
/// `SocketAddr` in the request's extensions), or the trusted forwarding
/// header's.
///
/// Answers: `303` with `Location` and `Set-Cookie`; `403` for another site's
/// write or a script's; `400` for a form with no known `action`; `405` for anything but
/// `POST`; `413` for a body over [`CONSENT_FORM_LIMIT`]; `503` when the
/// answer could not be recorded; `500` without a `ConsentLayer` around it.
///
/// [`ConsentLayer`]: crate::ConsentLayer
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ConsentEndpoint {
    recording: Option<Recording>,
}

impl ConsentEndpoint {
    /// The endpoint, recording nothing.
    pub fn new() -> Self {
        ConsentEndpoint::default()
    }

    /// Records every answer in `recording`'s store before it is sent; no
    /// consent is written when the store cannot take it (`503`).
    pub fn recording(mut self, recording: Recording) -> Self {
        self.recording = Some(recording);
        self
    }
}

/// The endpoint's response future.
pub type EndpointFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl<B> Service<Request<B>> for ConsentEndpoint
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = EndpointFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let recording = self.recording.clone();
        Box::pin(async move { Ok(answer(request, recording).await) })
    }
}

async fn answer<B>(request: Request<B>, recording: Option<Recording>) -> Response<Full<Bytes>>
where
    B: Body,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    if request.method() != Method::POST {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let Some(policy) = request
        .extensions()
        .get::<Consent>()
        .map(|c| c.policy().clone())
    else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cookie-consent: ConsentEndpoint needs a ConsentLayer around it",
        );
    };
    let (parts, body) = request.into_parts();
    let form = match Limited::new(body, CONSENT_FORM_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<LengthLimitError>() => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "consent form too large")
        }
        Err(_) => return text(StatusCode::BAD_REQUEST, "consent form unreadable"),
    };
    let header = |name: &HeaderName| parts.headers.get(name).map(HeaderValue::as_bytes);
    let cookies: Vec<&[u8]> = parts
        .headers
        .get_all(COOKIE)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let forwarded = recording
        .as_ref()
        .and_then(Recording::forwarded_header)
        .and_then(|name| parts.headers.get_all(name).iter().next_back())
        .map(HeaderValue::as_bytes);
    let post = ConsentPost {
        host: header(&HOST).or_else(|| parts.uri.authority().map(|a| a.as_str().as_bytes())),
        origin: header(&ORIGIN),
        sec_fetch_site: header(&SEC_FETCH_SITE),
        sec_fetch_mode: header(&SEC_FETCH_MODE),
        sec_fetch_user: header(&SEC_FETCH_USER),
        referer: header(&REFERER),
        form: &form,
        cookies: &cookies,
        user_agent: header(&USER_AGENT),
        peer: peer_ip(&parts),
        forwarded,
    };
    let answer = match &recording {
        Some(recording) => policy.answer_consent_post_recorded(&post, recording).await,
        None => policy.answer_consent_post(&post),
    };
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = text(status, answer.body());
    if let ConsentAnswer::Recorded {
        location,
        set_cookie,
    } = answer
    {
        let headers = response.headers_mut();
        // Both are built from checked bytes; a failure would only drop the header.
        if let (Ok(location), Ok(set_cookie)) = (
            HeaderValue::from_str(&location),
            HeaderValue::from_str(&set_cookie),
        ) {
            headers.insert(LOCATION, location);
            headers.append(SET_COOKIE, set_cookie);
        }
    }
    response
}

/// The connection's remote address: axum's `ConnectInfo`, or a `SocketAddr`
/// the server put in the extensions.
fn peer_ip(parts: &Parts) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(info) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(info.0.ip());
    }
    parts.extensions.get::<SocketAddr>().map(SocketAddr::ip)
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
