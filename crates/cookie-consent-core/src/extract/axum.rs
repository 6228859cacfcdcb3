use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use crate::Consent;

/// The rejection when a handler asks for [`Consent`] on a route without
/// `ConsentLayer`: a 500, since this is a mistake in the application's setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingConsentLayer;

impl MissingConsentLayer {
    const MESSAGE: &'static str =
        "cookie-consent: this handler asks for `Consent`, but the request \
        has none; add `cookie_consent_tower::ConsentLayer` around this route";
}

impl std::fmt::Display for MissingConsentLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Self::MESSAGE)
    }
}

impl std::error::Error for MissingConsentLayer {}

impl IntoResponse for MissingConsentLayer {
    fn into_response(self) -> Response {
        tracing::error!(target: crate::TARGET, "{}", Self::MESSAGE);
        (StatusCode::INTERNAL_SERVER_ERROR, Self::MESSAGE).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Consent {
    type Rejection = MissingConsentLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Consent>()
            .cloned()
            .ok_or(MissingConsentLayer)
    }
}

/// `Option<Consent>`: `None` on a route without `ConsentLayer`, where a
/// handler that can do without consent still answers.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Consent {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Consent>().cloned())
    }
}
