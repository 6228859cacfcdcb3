use std::fmt;
use std::task::{Context, Poll};

use http::header::COOKIE;
use http::{HeaderName, HeaderValue, Request, Response};
use tower_service::Service;

use crate::future::{Pending, ResponseFuture};
use crate::layer::ConsentLayer;

static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
static DNT: HeaderName = HeaderName::from_static("dnt");

/// The service [`ConsentLayer`] wraps around an inner service.
#[must_use]
pub struct ConsentService<S> {
    inner: S,
    layer: ConsentLayer,
}

impl<S> ConsentService<S> {
    /// Wraps `inner`, enforcing the layer's policy.
    pub fn new(inner: S, layer: ConsentLayer) -> Self {
        ConsentService { inner, layer }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

// Written by hand so that `S: Clone` is the only bound (no derive-added ones).
impl<S: Clone> Clone for ConsentService<S> {
    fn clone(&self) -> Self {
        ConsentService {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for ConsentService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ConsentService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let headers = request.headers();
        let cookies = headers.get_all(COOKIE);
        let consent = self
            .layer
            .reviewer
            .read_request(&cookies, headers.get_all(&SEC_GPC), || {
                headers.get_all(&DNT)
            });
        // The response is judged against the request's cookies (for the purge);
        // header values are reference-counted, so keeping them copies nothing.
        let mut cookies = cookies.iter().cloned();
        let first_cookie: Option<HeaderValue> = cookies.next();
        let more_cookies: Vec<HeaderValue> = cookies.collect();
        // An outer ConsentLayer put its Consent here first: this layer is nested,
        // decides, and must mark the response for the outer one.
        let nested = request.extensions_mut().insert(consent.clone()).is_some();
        let pending = Pending {
            reviewer: self.layer.reviewer.clone(),
            consent,
            nested,
            first_cookie,
            more_cookies,
        };
        ResponseFuture::new(self.inner.call(request), pending)
    }
}
