//! Tower middleware that enforces a site's cookie policy on every response.
//!
//! [`ConsentLayer`] reads each visitor's consent from the request (the
//! `cookie-preferences` cookie, `Sec-GPC`, `DNT`), puts it in the request's
//! extensions as a [`Consent`], and removes from the response each
//! `Set-Cookie` whose category the visitor has not granted. It expires
//! cookies whose consent was withdrawn and adds `Vary: Cookie` when the
//! answer depended on consent. Only headers change: the body is never
//! buffered, wrapped or replaced. Every decision is the core's
//! ([`Policy::review_response`]); this crate only translates headers.
//!
//! # Example
//!
//! ```
//! use axum::{response::Html, routing::get, Router};
//! use cookie_consent_tower::{Consent, ConsentLayer, Policy};
//!
//! async fn home(consent: Consent) -> Html<String> {
//!     let analytics = if consent.allows("analytics") {
//!         r#"<script src="/analytics.js"></script>"#
//!     } else {
//!         ""
//!     };
//!     Html(format!("<h1>Welcome</h1>{analytics}"))
//! }
//!
//! # fn main() -> Result<(), cookie_consent_tower::PolicyError> {
//! let policy = Policy::from_toml_str(r#"
//!     [[categories]]
//!     id = "analytics"
//!     [[cookies]]
//!     name = "_ga"
//!     category = "analytics"
//! "#)?; // or Policy::from_path("cookie-policy.toml")
//! let app: Router = Router::new().route("/", get(home)).layer(ConsentLayer::new(policy));
//! # Ok(()) }
//! ```
//!
//! # Layer order
//!
//! `ConsentLayer` must sit *outside* every layer that appends `Set-Cookie`
//! (tower-cookies' `CookieManagerLayer`, tower-sessions' `SessionManagerLayer`,
//! …), so that it sees their cookies. In axum the layer added last is the
//! outermost, so add `ConsentLayer` after them:
//!
//! ```
//! # use axum::{routing::get, Router};
//! # use cookie_consent_tower::{ConsentLayer, Policy};
//! # let policy = Policy::from_toml_str("").unwrap();
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hi" }))
//!     .layer(tower_cookies::CookieManagerLayer::new()) // inner: sets cookies
//!     .layer(ConsentLayer::new(policy));                // outer: judges them
//! ```
//!
//! # Per-route configuration
//!
//! Layers nest: the innermost `ConsentLayer` (closest to the handler) decides
//! and marks the response with the values it judged ([`NestingMark`](cookie_consent_core::adapter::NestingMark)); an outer
//! one judges, with its own policy, only what a layer between the two appended
//! (a `CookieManagerLayer` there, say). So no `Set-Cookie` leaves unjudged, and
//! a sub-router, or a route, can carry its own policy:
//!
//! ```
//! # use axum::{routing::get, Router};
//! # use cookie_consent_tower::{ConsentLayer, CookieRule, Policy};
//! # let site = Policy::from_toml_str("").unwrap();
//! let billing = site
//!     .to_builder()
//!     .cookie(CookieRule::new("__stripe_mid", "essential").provider("Stripe"))
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "home" }))
//!     .nest(
//!         "/billing",
//!         Router::new()
//!             .route("/pay", get(|| async { "pay" }))
//!             .layer(ConsentLayer::new(billing)),
//!     )
//!     .layer(ConsentLayer::new(site));
//! # Ok::<(), cookie_consent_tower::PolicyError>(())
//! ```
//!
//! `Router::route_layer` works the same way for single routes.
//!
//! # The consent endpoint
//!
//! [`ConsentEndpoint`] answers the banner's form (`POST /consent`): it refuses
//! another site's write with `403`, writes the consent cookie and redirects back.
//! With [`ConsentEndpoint::recording`] it first records the answer in a
//! [`ConsentStore`] (proof of consent; `cookie-consent-records` has SQLite and
//! PostgreSQL), and answers `503` with no cookie when it cannot.
//!
//! # Vary
//!
//! A handler that reads the [`Consent`] makes its response depend on it: the
//! layer then adds `Vary: Cookie` (and `Sec-GPC`, `DNT` when the policy honours
//! them), so a shared cache never serves one visitor's page to another.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoint;
mod extension;
pub mod future;
mod layer;
#[cfg(feature = "page")]
mod page;
mod service;

#[cfg(feature = "axum")]
pub use cookie_consent_core::MissingConsentLayer;
pub use cookie_consent_core::{
    BannerButton, BannerCategory, BannerView, Category, CategorySet, Consent, ConsentAnswer,
    ConsentChoice, ConsentCookieConfig, ConsentFormat, ConsentId, ConsentPost, ConsentRecord,
    ConsentSource, ConsentState, ConsentStore, CookieRule, CookieView, Enforcement, Event,
    FormatReading, KeyError, Locale, Mode, Policy, PolicyBuilder, PolicyCategory, PolicyError,
    PolicyView, RecordQuery, Recording, SameSite, Signals, SigningKeys, StoreError, StoreFuture,
    StripReason, UnknownCookies, Verdict, CONSENT_FORM_LIMIT, ESSENTIAL,
};
pub use endpoint::{ConsentEndpoint, EndpointFuture};
pub use extension::ConsentExt;
pub use layer::ConsentLayer;
#[cfg(feature = "page")]
pub use page::{ConsentPageLayer, ConsentPageService, PageBody, PageFuture};
pub use service::ConsentService;
