use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use crate::Consent;

/// The error when a handler asks for [`Consent`] on a route without
/// `ConsentMiddleware`: a 500, since this is a mistake in the application's setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingConsentMiddleware;

impl MissingConsentMiddleware {
    const MESSAGE: &'static str = "cookie-consent: this handler asks for `Consent`, but the request \
        has none; add `.wrap(cookie_consent_actix::ConsentMiddleware::new(policy))` around this route";
}

impl std::fmt::Display for MissingConsentMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Self::MESSAGE)
    }
}

impl std::error::Error for MissingConsentMiddleware {}

impl ResponseError for MissingConsentMiddleware {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        tracing::error!(target: crate::TARGET, "{}", Self::MESSAGE);
        HttpResponse::InternalServerError().body(Self::MESSAGE)
    }
}

impl FromRequest for Consent {
    type Error = MissingConsentMiddleware;
    type Future = Ready<Result<Consent, MissingConsentMiddleware>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Consent>()
                .cloned()
                .ok_or(MissingConsentMiddleware),
        )
    }
}
