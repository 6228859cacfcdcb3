//! `Consent` as a handler argument, for the frameworks whose adapters put it
//! in the request's extensions. These impls live here, behind features,
//! because the orphan rule forbids them in the adapter crates.

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "axum")]
mod axum;

#[cfg(feature = "actix")]
pub use self::actix::MissingConsentMiddleware;
#[cfg(feature = "axum")]
pub use self::axum::MissingConsentLayer;
