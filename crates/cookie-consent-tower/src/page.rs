//! [`ConsentPageLayer`] (feature `page`): HTML pages rewritten as they
//! stream, so that no tag, frame, pixel or preload of an ungranted category
//! reaches the browser (DESIGN §20). The core's
//! [`PageRewriter`](cookie_consent_core::page::PageRewriter) decides; this
//! module only moves the body's chunks through it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use cookie_consent_core::adapter::Reviewer;
use cookie_consent_core::page::{PageRequest, PageResponse, PageRewriter, PageSettings};
use cookie_consent_core::{Consent, Policy};
use http::header::{
    ACCEPT_LANGUAGE, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    COOKIE, HOST, VARY,
};
use http::{HeaderName, HeaderValue, Method, Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
static DNT: HeaderName = HeaderName::from_static("dnt");

/// Rewrites each HTML response: the tags, frames, pixels and preloads of
/// the policy's `[[resources]]` whose category the visitor has not granted
/// are neutralised before the browser sees them, the cookie guard goes first
/// in `<head>`, and the guard restores them when the visitor grants in the
/// page. Other responses pass untouched.
///
/// Put it inside the compression layer (a compressed page cannot be read and
/// is passed with a warning) and beside [`ConsentLayer`](crate::ConsentLayer),
/// which judges the headers; the order between the two does not matter.
///
/// ```
/// use axum::{response::Html, routing::get, Router};
/// use cookie_consent_tower::{ConsentLayer, ConsentPageLayer, Policy};
///
/// # fn main() -> Result<(), cookie_consent_tower::PolicyError> {
/// let policy = Policy::from_toml_str(r#"
///     [[categories]]
///     id = "analytics"
///     [[resources]]
///     match = "https://www.googletagmanager.com/"
///     category = "analytics"
///     provider = "Google Analytics"
/// "#)?;
/// let page = r#"<html><head><script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head></html>"#;
/// let app: Router = Router::new()
///     .route("/", get(move || async move { Html(page) }))
///     .layer(ConsentPageLayer::new(policy.clone()))
///     .layer(ConsentLayer::new(policy));
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct ConsentPageLayer {
    inner: Arc<Settings>,
}

/// What every request of a page layer shares (one reference count to keep).
struct Settings {
    reviewer: Reviewer,
    page: PageSettings,
}

impl fmt::Debug for ConsentPageLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentPageLayer")
            .field("policy", self.inner.reviewer.policy())
            .finish_non_exhaustive()
    }
}

impl ConsentPageLayer {
    /// A page layer for `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentPageLayer {
            inner: Arc::new(Settings {
                reviewer: Reviewer::new(policy),
                page: PageSettings::default(),
            }),
        }
    }

    /// Where the placeholders' buttons post (the consent endpoint's path;
    /// default `/consent`).
    pub fn consent_action(self, path: impl Into<String>) -> Self {
        self.with(|page| page.consent_action(path))
    }

    /// Leaves the cookie guard to the page's own template.
    pub fn without_guard(self) -> Self {
        self.with(PageSettings::without_guard)
    }

    /// Puts the banner first in `<body>` of each page while the visitor has
    /// not chosen, its form posting to `action` (the consent endpoint) and
    /// linking the policy page at `policy_url`.
    pub fn with_banner(self, action: impl Into<String>, policy_url: impl Into<String>) -> Self {
        self.with(|page| page.with_banner(action, policy_url))
    }

    fn with(self, change: impl FnOnce(PageSettings) -> PageSettings) -> Self {
        ConsentPageLayer {
            inner: Arc::new(Settings {
                reviewer: self.inner.reviewer.clone(),
                page: change(self.inner.page.clone()),
            }),
        }
    }
}

impl<S> Layer<S> for ConsentPageLayer {
    type Service = ConsentPageService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsentPageService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`ConsentPageLayer`] wraps around an inner service.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConsentPageService<S> {
    inner: S,
    layer: ConsentPageLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ConsentPageService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Body<Data = Bytes>,
{
    type Response = Response<PageBody<ResBody>>;
    type Error = S::Error;
    type Future = PageFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let headers = request.headers();
        // Inside ConsentLayer, the consent it read; else read here.
        let consent = match request.extensions().get::<Consent>() {
            Some(consent) => consent.clone(),
            None => self.layer.inner.reviewer.read_request(
                headers.get_all(COOKIE),
                headers.get_all(&SEC_GPC),
                || headers.get_all(&DNT),
            ),
        };
        // Kept as they came (a reference count each): read only for a page.
        let host = headers.get(HOST).cloned();
        let uri_host = match host {
            Some(_) => None,
            None => request.uri().host().map(str::to_owned),
        };
        let pending = Pending {
            layer: self.layer.clone(),
            consent,
            host,
            accept_language: headers.get(ACCEPT_LANGUAGE).cloned(),
            uri_host,
            is_head: request.method() == Method::HEAD,
        };
        PageFuture {
            future: self.inner.call(request),
            pending: Some(pending),
        }
    }
}

/// What the response is rewritten with, kept from the request.
struct Pending {
    layer: ConsentPageLayer,
    consent: Consent,
    host: Option<HeaderValue>,
    accept_language: Option<HeaderValue>,
    /// The request target's host, for a request without `Host` (HTTP/2).
    uri_host: Option<String>,
    is_head: bool,
}

impl Pending {
    /// The rewriter for this response, if it is a page to rewrite.
    fn rewriter<'a>(
        &self,
        response: &PageResponse<'_>,
        csp: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<PageRewriter> {
        let settings = &self.layer.inner;
        let request = PageRequest {
            host: (self.host.as_ref().map(HeaderValue::as_bytes))
                .or(self.uri_host.as_deref().map(str::as_bytes)),
            accept_language: self.accept_language.as_ref().map(HeaderValue::as_bytes),
            is_head: self.is_head,
        };
        let policy = settings.reviewer.policy();
        settings
            .page
            .rewriter(policy, &self.consent, &request, response, csp)
    }
}

pin_project! {
    /// Resolves to the inner service's response, its body rewritten when it is a page.
    pub struct PageFuture<F> {
        #[pin]
        future: F,
        pending: Option<Pending>,
    }
}

impl<F> fmt::Debug for PageFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for PageFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body<Data = Bytes>,
{
    type Output = Result<Response<PageBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.future.poll(cx))?;
        let Some(pending) = this.pending.take() else {
            return Poll::Ready(Ok(response.map(PageBody::passed)));
        };
        let headers = response.headers();
        let head = PageResponse {
            status: response.status().as_u16(),
            content_type: headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes),
            content_encoding: headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes),
        };
        let csp = headers.get_all(CONTENT_SECURITY_POLICY);
        let Some(rewriter) = pending.rewriter(&head, csp.iter().map(HeaderValue::as_bytes)) else {
            return Poll::Ready(Ok(response.map(PageBody::passed)));
        };
        let (mut parts, body) = response.into_parts();
        // The length changes, and the page differs by consent and language.
        parts.headers.remove(CONTENT_LENGTH);
        parts
            .headers
            .append(VARY, HeaderValue::from_static("Cookie, Accept-Language"));
        Poll::Ready(Ok(Response::from_parts(
            parts,
            PageBody::rewritten(body, rewriter),
        )))
    }
}

pin_project! {
    /// A response body, rewritten as it streams when it is a page.
    pub struct PageBody<B> {
        #[pin]
        body: B,
        rewriter: Option<PageRewriter>,
        // The trailers, held while the page's last bytes go first.
        trailers: Option<Frame<Bytes>>,
        done: bool,
    }
}

impl<B> fmt::Debug for PageBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageBody")
            .field("rewritten", &self.rewriter.is_some())
            .finish_non_exhaustive()
    }
}

impl<B> PageBody<B> {
    fn passed(body: B) -> Self {
        PageBody {
            body,
            rewriter: None,
            trailers: None,
            done: false,
        }
    }

    fn rewritten(body: B, rewriter: PageRewriter) -> Self {
        PageBody {
            body,
            rewriter: Some(rewriter),
            trailers: None,
            done: false,
        }
    }
}

impl<B: Body<Data = Bytes>> Body for PageBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if this.rewriter.is_none() {
            if *this.done {
                return Poll::Ready(this.trailers.take().map(Ok));
            }
            return this.body.poll_frame(cx);
        }
        loop {
            match ready!(this.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        let Some(rewriter) = this.rewriter.as_mut() else {
                            return Poll::Ready(None);
                        };
                        let out = rewriter.write(&data);
                        // A tag split across chunks waits for the rest.
                        if !out.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                        }
                    }
                    // Trailers end the data: the page's last bytes go first.
                    Err(trailers) => {
                        let last = this.rewriter.take().map(PageRewriter::end);
                        *this.done = true;
                        return match last.filter(|l| !l.is_empty()) {
                            Some(last) => {
                                *this.trailers = Some(trailers);
                                Poll::Ready(Some(Ok(Frame::data(Bytes::from(last)))))
                            }
                            None => Poll::Ready(Some(Ok(trailers))),
                        };
                    }
                },
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None => {
                    *this.done = true;
                    let last = this.rewriter.take().map(PageRewriter::end);
                    return Poll::Ready(
                        last.filter(|l| !l.is_empty())
                            .map(|l| Ok(Frame::data(Bytes::from(l)))),
                    );
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.rewriter {
            Some(_) => false,
            None if self.done => self.trailers.is_none(),
            None => self.body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.rewriter {
            // The length changes: no exact hint.
            Some(_) => SizeHint::default(),
            None => self.body.size_hint(),
        }
    }
}
