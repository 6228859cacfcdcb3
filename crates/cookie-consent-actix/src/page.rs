//! [`ConsentPage`] (feature `page`): HTML pages rewritten as they stream,
//! so that no tag, frame, pixel or preload of an ungranted category reaches
//! the browser (DESIGN §20). The core's
//! [`PageRewriter`](cookie_consent_core::page::PageRewriter) decides; this
//! module only moves the body's chunks through it.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{
    HeaderName, HeaderValue, ACCEPT_LANGUAGE, CONTENT_ENCODING, CONTENT_LENGTH,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HOST, VARY,
};
use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage};
use cookie_consent_core::adapter::Reviewer;
use cookie_consent_core::page::{PageRequest, PageResponse, PageRewriter, PageSettings};
use cookie_consent_core::{Consent, Policy};
use pin_project_lite::pin_project;

static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
static DNT: HeaderName = HeaderName::from_static("dnt");

/// Rewrites each HTML response: the tags, frames, pixels and preloads of
/// the policy's `[[resources]]` whose category the visitor has not granted
/// are neutralised before the browser sees them, the cookie guard goes first
/// in `<head>`, and the guard restores them when the visitor grants in the
/// page. Other responses pass untouched.
///
/// Wrap it inside `Compress` (a compressed page cannot be read and is passed
/// with a warning): in actix the middleware added last is the outermost, so
/// `.wrap(ConsentPage::new(..))` comes before `.wrap(Compress::default())`.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConsentPage {
    reviewer: Reviewer,
    page: PageSettings,
}

impl ConsentPage {
    /// A page middleware for `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentPage {
            reviewer: Reviewer::new(policy),
            page: PageSettings::default(),
        }
    }

    /// Where the placeholders' buttons post (the consent endpoint's path;
    /// default `/consent`).
    pub fn consent_action(mut self, path: impl Into<String>) -> Self {
        self.page = self.page.consent_action(path);
        self
    }

    /// Leaves the cookie guard to the page's own template.
    pub fn without_guard(mut self) -> Self {
        self.page = self.page.without_guard();
        self
    }

    /// Puts the banner first in `<body>` of each page while the visitor has
    /// not chosen, its form posting to `action` (the consent endpoint) and
    /// linking the policy page at `policy_url`.
    pub fn with_banner(mut self, action: impl Into<String>, policy_url: impl Into<String>) -> Self {
        self.page = self.page.with_banner(action, policy_url);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for ConsentPage
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<PageBody<B>>;
    type Error = Error;
    type Transform = ConsentPageService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ConsentPageService {
            service,
            page: self.clone(),
        }))
    }
}

/// The service [`ConsentPage`] wraps around the inner service.
#[derive(Debug)]
#[must_use]
pub struct ConsentPageService<S> {
    service: S,
    page: ConsentPage,
}

/// What the response is rewritten with, kept from the request.
struct Pending {
    page: ConsentPage,
    consent: Consent,
    host: Option<HeaderValue>,
    accept_language: Option<HeaderValue>,
    is_head: bool,
}

impl Pending {
    /// The rewriter for this response, if it is a page to rewrite.
    fn rewriter<'a>(
        &self,
        response: &PageResponse<'_>,
        csp: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<PageRewriter> {
        let request = PageRequest {
            host: self.host.as_ref().map(HeaderValue::as_bytes),
            accept_language: self.accept_language.as_ref().map(HeaderValue::as_bytes),
            is_head: self.is_head,
        };
        let policy = self.page.reviewer.policy();
        self.page
            .page
            .rewriter(policy, &self.consent, &request, response, csp)
    }
}

impl<S, B> Service<ServiceRequest> for ConsentPageService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<PageBody<B>>;
    type Error = Error;
    type Future = PageFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let headers = request.headers();
        // Inside ConsentMiddleware, the consent it read; else read here.
        let known = request.extensions().get::<Consent>().cloned();
        let consent = known.unwrap_or_else(|| {
            self.page.reviewer.read_request(
                headers.get_all(COOKIE),
                headers.get_all(&SEC_GPC),
                || headers.get_all(&DNT),
            )
        });
        // Kept as they came (a reference count each): read only for a page.
        let pending = Pending {
            page: self.page.clone(),
            consent,
            host: headers.get(HOST).cloned(),
            accept_language: headers.get(ACCEPT_LANGUAGE).cloned(),
            is_head: request.method() == Method::HEAD,
        };
        PageFuture {
            future: self.service.call(request),
            pending: Some(pending),
        }
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

impl<F> std::fmt::Debug for PageFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFuture").finish_non_exhaustive()
    }
}

impl<F, B> Future for PageFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<PageBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.future.poll(cx))?;
        let Some(pending) = this.pending.take() else {
            return Poll::Ready(Ok(response.map_body(|_, body| PageBody::passed(body))));
        };
        let headers = response.headers();
        let head = PageResponse {
            status: response.status().as_u16(),
            content_type: headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes),
            content_encoding: headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes),
        };
        let csp = headers
            .get_all(CONTENT_SECURITY_POLICY)
            .map(HeaderValue::as_bytes);
        let Some(rewriter) = pending.rewriter(&head, csp) else {
            return Poll::Ready(Ok(response.map_body(|_, body| PageBody::passed(body))));
        };
        let mut response = response.map_body(|_, body| PageBody::rewritten(body, rewriter));
        // The length changes, and the page differs by consent and language.
        let headers = response.headers_mut();
        headers.remove(CONTENT_LENGTH);
        headers.append(VARY, HeaderValue::from_static("Cookie, Accept-Language"));
        Poll::Ready(Ok(response))
    }
}

pin_project! {
    /// A response body, rewritten as it streams when it is a page.
    pub struct PageBody<B> {
        #[pin]
        body: B,
        rewriter: Option<PageRewriter>,
        done: bool,
    }
}

impl<B> std::fmt::Debug for PageBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
            done: false,
        }
    }

    fn rewritten(body: B, rewriter: PageRewriter) -> Self {
        PageBody {
            body,
            rewriter: Some(rewriter),
            done: false,
        }
    }
}

impl<B: MessageBody> MessageBody for PageBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        match (&self.rewriter, self.done) {
            (Some(_), _) => BodySize::Stream,
            (None, true) => BodySize::Sized(0),
            (None, false) => self.body.size(),
        }
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let mut this = self.project();
        let Some(rewriter) = this.rewriter.as_mut() else {
            if *this.done {
                return Poll::Ready(None);
            }
            return this.body.poll_next(cx);
        };
        loop {
            match std::task::ready!(this.body.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => {
                    let out = rewriter.write(&chunk);
                    // A tag split across chunks waits for the rest.
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Bytes::from(out))));
                    }
                }
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None => {
                    *this.done = true;
                    let last = this.rewriter.take().map(PageRewriter::end);
                    return Poll::Ready(last.filter(|l| !l.is_empty()).map(|l| Ok(Bytes::from(l))));
                }
            }
        }
    }
}
