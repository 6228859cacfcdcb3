use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, COOKIE, SET_COOKIE, VARY};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use cookie_consent_core::adapter::{NestingMark, ResponseHeaders, Reviewer};
use cookie_consent_core::{Consent, Event, Policy};
use pin_project_lite::pin_project;

/// Applies a cookie [`Policy`] to every response of the wrapped app, scope or resource.
///
/// `Send + Clone` (the policy is shared by `Arc`), so it can be built outside
/// `HttpServer::new`'s factory. See the [crate documentation](crate).
#[derive(Clone, Debug)]
#[must_use]
pub struct ConsentMiddleware {
    reviewer: Reviewer,
}

impl ConsentMiddleware {
    /// A middleware enforcing `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentMiddleware {
            reviewer: Reviewer::new(policy),
        }
    }

    /// Decides and reports, but changes no response, whatever the policy file
    /// says: for trying a policy on a live site before enforcing it.
    pub fn report_only(self) -> Self {
        ConsentMiddleware {
            reviewer: self.reviewer.report_only(),
        }
    }

    /// Calls `callback` with every [`Event`]: each kept, stripped and purged
    /// cookie, and each undeclared name. For metrics; keep it cheap. Called
    /// twice, both callbacks are called.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        ConsentMiddleware {
            reviewer: self.reviewer.on_event(callback),
        }
    }

    /// The policy this middleware enforces.
    pub fn policy(&self) -> &Policy {
        self.reviewer.policy()
    }
}

impl<S, B> Transform<S, ServiceRequest> for ConsentMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = ConsentMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ConsentMiddlewareService {
            service,
            reviewer: self.reviewer.clone(),
        }))
    }
}

/// The service [`ConsentMiddleware`] wraps around the inner service.
#[must_use]
pub struct ConsentMiddlewareService<S> {
    service: S,
    reviewer: Reviewer,
}

// Written by hand so that `S: Debug` is the only bound.
impl<S: std::fmt::Debug> std::fmt::Debug for ConsentMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentMiddlewareService")
            .field("service", &self.service)
            .field("reviewer", &self.reviewer)
            .finish()
    }
}

static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
static DNT: HeaderName = HeaderName::from_static("dnt");

impl<S, B> Service<ServiceRequest> for ConsentMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = ConsentFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let headers = request.headers();
        let consent =
            self.reviewer
                .read_request(headers.get_all(COOKIE), headers.get_all(&SEC_GPC), || {
                    headers.get_all(&DNT)
                });
        // An outer ConsentMiddleware put its Consent here first: this one is
        // nested, decides, and must mark the response for the outer one.
        let nested = request.extensions_mut().insert(consent.clone()).is_some();
        ConsentFuture {
            future: self.service.call(request),
            reviewer: self.reviewer.clone(),
            consent: Some(consent),
            nested,
        }
    }
}

pin_project! {
    /// Resolves to the inner service's response with its cookie headers judged.
    pub struct ConsentFuture<F> {
        #[pin]
        future: F,
        reviewer: Reviewer,
        consent: Option<Consent>,
        nested: bool,
    }
}

impl<F> std::fmt::Debug for ConsentFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The inner future is the service's own, often without `Debug`.
        f.debug_struct("ConsentFuture")
            .field("judged", &self.consent.is_none())
            .field("nested", &self.nested)
            .finish_non_exhaustive()
    }
}

impl<F, B> Future for ConsentFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.future.poll(cx));
        let Some(consent) = this.consent.take() else {
            return Poll::Ready(result);
        };
        let (reviewer, nested) = (&*this.reviewer, *this.nested);
        Poll::Ready(match result {
            Ok(response) => {
                let (request, mut response) = response.into_parts();
                judge(
                    reviewer,
                    &consent,
                    Some(request.headers()),
                    &mut response,
                    nested,
                );
                Ok(ServiceResponse::new(request, response))
            }
            // An inner middleware's `Err` becomes a response only after every
            // middleware ran: judge that response now and carry it in the error.
            Err(error) => {
                let mut response = error.error_response();
                judge(reviewer, &consent, None, &mut response, nested);
                Err(InternalError::from_response(error, response).into())
            }
        })
    }
}

/// Judges one response and, in a nested middleware, marks it for the outer one.
/// Without the request's headers (an error response) nothing is purged.
fn judge<B>(
    reviewer: &Reviewer,
    consent: &Consent,
    request_headers: Option<&HeaderMap>,
    response: &mut HttpResponse<B>,
    nested: bool,
) {
    // An inner ConsentMiddleware's mark: only what was appended since is judged here.
    let inner_mark = response.extensions_mut().remove::<NestingMark>();
    let headers = response.headers_mut();
    // `Cookie` and `Vary` are looked up only if the review needs them (a
    // purge to consider, a `Vary` to add): each lookup hashes the name.
    let (outcome, mark) = reviewer.review_response_nested(
        consent,
        ResponseHeaders {
            request_cookies: request_headers
                .into_iter()
                .flat_map(|headers| headers.get_all(COOKIE)),
            set_cookies: headers.get_all(SET_COOKIE).as_slice(),
            vary: std::iter::once(&*headers).flat_map(|headers| headers.get_all(VARY)),
            mark: inner_mark.as_ref(),
        },
        nested,
    );
    if outcome.strips_any() {
        let mut index = 0;
        headers.retain(|name, _| {
            if *name != SET_COOKIE {
                return true;
            }
            index += 1;
            outcome.keeps(index - 1)
        });
    }
    for purge in outcome.purges() {
        // Purge values are built from validated names and attributes.
        if let Ok(value) = HeaderValue::from_str(purge) {
            headers.append(SET_COOKIE, value);
        }
    }
    if let Some(vary) = outcome.vary() {
        headers.append(VARY, HeaderValue::from_static(vary));
    }
    // Only an outer middleware reads the mark (unnested, none is made).
    if let Some(mark) = mark {
        response.extensions_mut().insert(mark);
    }
}

/// Reads the [`Consent`] that [`ConsentMiddleware`] put in the request.
pub trait ConsentExt {
    /// The request's consent, or `None` when no `ConsentMiddleware` wraps the route.
    fn consent(&self) -> Option<Consent>;
}

impl ConsentExt for HttpRequest {
    fn consent(&self) -> Option<Consent> {
        self.extensions().get::<Consent>().cloned()
    }
}

impl ConsentExt for ServiceRequest {
    fn consent(&self) -> Option<Consent> {
        self.extensions().get::<Consent>().cloned()
    }
}
