//! The floor under any consent layer that follows DESIGN, for Tower and for
//! actix-web: not layers anyone ships. Each makes the edits the design
//! requires on a known workload, known in advance (the positions of the
//! stripped `Set-Cookie` values, the `Vary` value), with no judging, written
//! as cheaply as each framework allows (measured), so that nothing cheaper
//! can follow the design:
//!
//! - `edits`: the edits and the hand-off to handlers as one 8-byte request
//!   extension;
//! - `handoff`: the same, but the hand-off is the `Consent`, read
//!   from the request as the layer reads it (`Cookie` and `Sec-GPC`): what a
//!   route that sets no cookie pays at least, since the purge check of §5
//!   needs that consent on every request carrying a declared cookie.

use cookie_consent_core::{Policy, Signals};

/// The actix-web floor: what it edits, and whether it reads the consent.
#[derive(Clone, Debug)]
pub struct Floor {
    /// `Some`: read the consent with this policy and hand it over.
    policy: Option<Policy>,
    /// The positions of the `Set-Cookie` values the consent layer strips.
    stripped: &'static [usize],
    /// The `Vary` value the consent layer adds to a response with `Set-Cookie`.
    vary: &'static str,
}

impl Floor {
    /// The edits and an 8-byte extension.
    pub fn edits(stripped: &'static [usize], vary: &'static str) -> Floor {
        Floor {
            policy: None,
            stripped,
            vary,
        }
    }

    /// The edits and the consent read with `policy`, handed over.
    pub fn handoff(policy: Policy, stripped: &'static [usize], vary: &'static str) -> Floor {
        Floor {
            policy: Some(policy),
            stripped,
            vary,
        }
    }
}

/// The hand-off of [`Floor::edits`]: one 8-byte request extension.
#[derive(Clone, Copy)]
struct Handoff(#[allow(dead_code)] u64);

pub mod for_tower {
    //! The floor for Tower: `ServiceBuilder::new().map_request(..).map_response(edits)`,
    //! which measured cheaper per request than the same work in a service and
    //! future written by hand (their clones and poll cost more in axum).

    use axum::http::header::{Entry, HeaderName, COOKIE, SET_COOKIE, VARY};
    use axum::http::{HeaderValue, Request, Response};

    use super::*;

    static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");

    /// The hand-off of [`Floor::edits`]: an 8-byte extension.
    pub fn extension<B>(mut request: Request<B>) -> Request<B> {
        request.extensions_mut().insert(Handoff(1));
        request
    }

    /// The hand-off of [`Floor::handoff`]: the consent, read and handed over.
    pub fn consent<B>(policy: &Policy, mut request: Request<B>) -> Request<B> {
        let headers = request.headers();
        let signals = Signals::from_headers(headers.get_all(&SEC_GPC), [""; 0]);
        let consent = policy.read_consent(headers.get_all(COOKIE), signals);
        request.extensions_mut().insert(consent);
        request
    }

    /// Minopa's workload edits (the axum demo site's and `requests-tower`'s):
    /// the second `Set-Cookie` (`theme`) removed, the others kept in order,
    /// `Vary` added. Kept values are cloned (they share their bytes), then the
    /// entry is rewritten: the cheapest way `http` 1.x allows.
    pub fn minopa_edits<B>(mut response: Response<B>) -> Response<B> {
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
            let vary = HeaderValue::from_static(crate::VARY);
            response.headers_mut().append(VARY, vary);
        }
        response
    }
}

pub mod for_actix {
    //! The floor as an actix-web middleware written like `ConsentMiddleware`
    //! (one service, one unboxed future): cheaper than `wrap_fn`, measured.

    use std::future::{ready, Future, Ready};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use actix_web::body::MessageBody;
    use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
    use actix_web::http::header::{HeaderName, HeaderValue, COOKIE, SET_COOKIE, VARY};
    use actix_web::{Error, HttpMessage};
    use pin_project_lite::pin_project;

    use super::*;

    static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");

    impl<S, B> Transform<S, ServiceRequest> for Floor
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        type Response = ServiceResponse<B>;
        type Error = Error;
        type Transform = FloorService<S>;
        type InitError = ();
        type Future = Ready<Result<Self::Transform, Self::InitError>>;

        fn new_transform(&self, service: S) -> Self::Future {
            ready(Ok(FloorService {
                service,
                floor: self.clone(),
            }))
        }
    }

    /// The service [`Floor`] wraps.
    #[derive(Debug)]
    pub struct FloorService<S> {
        service: S,
        floor: Floor,
    }

    impl<S, B> Service<ServiceRequest> for FloorService<S>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        type Response = ServiceResponse<B>;
        type Error = Error;
        type Future = FloorFuture<S::Future>;

        forward_ready!(service);

        fn call(&self, request: ServiceRequest) -> Self::Future {
            match &self.floor.policy {
                Some(policy) => {
                    let headers = request.headers();
                    let signals = Signals::from_headers(headers.get_all(&SEC_GPC), [""; 0]);
                    let consent = policy.read_consent(headers.get_all(COOKIE), signals);
                    request.extensions_mut().insert(consent);
                }
                None => {
                    request.extensions_mut().insert(Handoff(1));
                }
            }
            FloorFuture {
                future: self.service.call(request),
                stripped: self.floor.stripped,
                vary: self.floor.vary,
            }
        }
    }

    pin_project! {
        /// The inner response with the known edits made.
        pub struct FloorFuture<F> {
            #[pin]
            future: F,
            stripped: &'static [usize],
            vary: &'static str,
        }
    }

    impl<F, B> Future for FloorFuture<F>
    where
        F: Future<Output = Result<ServiceResponse<B>, Error>>,
    {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let this = self.project();
            let mut response = std::task::ready!(this.future.poll(cx))?;
            let headers = response.headers_mut();
            if headers.contains_key(SET_COOKIE) {
                let mut index = 0;
                headers.retain(|name, _| {
                    if *name != SET_COOKIE {
                        return true;
                    }
                    index += 1;
                    !this.stripped.contains(&(index - 1))
                });
                headers.append(VARY, HeaderValue::from_static(this.vary));
            }
            Poll::Ready(Ok(response))
        }
    }
}
