//! `Consent` as a handler argument, for the frameworks whose adapters put it
//! in the request's extensions. These impls live here, behind features,
//! because the orphan rule forbids them in the adapter crates.

#[cfg(feature = "axum")]
mod axum;

#[cfg(feature = "axum")]
pub use self::axum::MissingConsentLayer;
