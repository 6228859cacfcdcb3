//! Actix-web middleware that enforces a site's cookie policy on every response.
//!
//! [`ConsentMiddleware`] reads each visitor's consent from the request (the
//! `cookie-preferences` cookie, `Sec-GPC`, `DNT`), puts it in the request's
//! extensions as a [`Consent`], and removes from the response each
//! `Set-Cookie` whose category the visitor has not granted. It expires
//! cookies whose consent was withdrawn and adds `Vary: Cookie` when the
//! answer depended on consent. Only headers change: the body and its type are
//! left alone. Every decision is the core's ([`Policy::review_response`]);
//! this crate only translates headers.
//!
//! # Example
//!
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use cookie_consent_actix::{Consent, ConsentMiddleware, Policy};
//!
//! async fn home(consent: Consent) -> HttpResponse {
//!     let analytics = if consent.allows("analytics") {
//!         r#"<script src="/analytics.js"></script>"#
//!     } else {
//!         ""
//!     };
//!     HttpResponse::Ok().content_type("text/html").body(format!("<h1>Welcome</h1>{analytics}"))
//! }
//!
//! # fn main() -> Result<(), cookie_consent_actix::PolicyError> {
//! let policy = Policy::from_toml_str(r#"
//!     [[categories]]
//!     id = "analytics"
//!     [[cookies]]
//!     name = "_ga"
//!     category = "analytics"
//! "#)?; // or Policy::from_path("cookie-policy.toml")
//! // `HttpServer::new` calls this factory once per worker: the policy is shared, not copied.
//! let factory = move || {
//!     App::new()
//!         .route("/", web::get().to(home))
//!         .wrap(ConsentMiddleware::new(policy.clone()))
//! };
//! # let _ = factory;
//! # Ok(()) }
//! ```
//!
//! Handlers can also ask the request: `request.consent()` through [`ConsentExt`].
//!
//! # Wrap order
//!
//! In actix-web the `.wrap()` called last is the outermost. `ConsentMiddleware`
//! must be outside every middleware that appends `Set-Cookie` (actix-session's
//! `SessionMiddleware`, …) so that it sees their cookies: call its `.wrap()` last.
//!
//! # Per-scope configuration
//!
//! Wraps nest: the innermost `ConsentMiddleware` (on a `web::scope` or
//! `web::resource`) decides and marks the response with the values it judged
//! ([`NestingMark`](cookie_consent_core::adapter::NestingMark)); an outer one judges, with its own policy, only what a
//! middleware between the two appended (actix-session's cookie, say). So no
//! `Set-Cookie` leaves unjudged, and a scope can carry its own policy:
//!
//! ```
//! # use actix_web::{web, App, HttpResponse};
//! # use cookie_consent_actix::{ConsentMiddleware, CookieRule, Policy};
//! # let site = Policy::from_toml_str("").unwrap();
//! let billing = site
//!     .to_builder()
//!     .cookie(CookieRule::new("__stripe_mid", "essential").provider("Stripe"))
//!     .build()?;
//! let app = App::new()
//!     .service(
//!         web::scope("/billing")
//!             .wrap(ConsentMiddleware::new(billing))
//!             .route("/pay", web::get().to(HttpResponse::Ok)),
//!     )
//!     .wrap(ConsentMiddleware::new(site));
//! # Ok::<(), cookie_consent_actix::PolicyError>(())
//! ```
//!
//! [`consent_endpoint`] answers the banner's form (`POST /consent`): it refuses
//! another site's write with `403`, writes the consent cookie and redirects back.
//! [`recorded_consent_endpoint`] first records the answer in a [`ConsentStore`]
//! (proof of consent; `cookie-consent-records` has SQLite and PostgreSQL), and
//! answers `503` with no cookie when it cannot.
//! A handler that reads the [`Consent`] (extractor or [`ConsentExt`]) makes the
//! response `Vary: Cookie` (and `Sec-GPC`, `DNT` when the policy honours them).
//!
//! Responses that a handler's `ResponseError` produced are filtered like any
//! other. An `Err` returned by an *inner middleware* (an auth middleware's
//! refusal) is judged too: its `error_response()` is built, judged, and carried
//! on in an [`InternalError`](actix_web::error::InternalError) whose cause (and
//! `Display`) is the original error. Such a response purges nothing (the
//! request is gone by then); the next ordinary response does.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoint;
mod middleware;
#[cfg(feature = "page")]
mod page;

pub use cookie_consent_core::{
    BannerButton, BannerCategory, BannerView, Category, CategorySet, Consent, ConsentAnswer,
    ConsentChoice, ConsentCookieConfig, ConsentFormat, ConsentId, ConsentPost, ConsentRecord,
    ConsentSource, ConsentState, ConsentStore, CookieRule, CookieView, Enforcement, Event,
    FormatReading, KeyError, Locale, MissingConsentMiddleware, Mode, Policy, PolicyBuilder,
    PolicyCategory, PolicyError, PolicyView, RecordQuery, Recording, SameSite, Signals,
    SigningKeys, StoreError, StoreFuture, StripReason, UnknownCookies, Verdict, CONSENT_FORM_LIMIT,
    ESSENTIAL,
};
pub use endpoint::{consent_endpoint, recorded_consent_endpoint};
pub use middleware::{ConsentExt, ConsentFuture, ConsentMiddleware, ConsentMiddlewareService};
#[cfg(feature = "page")]
pub use page::{ConsentPage, ConsentPageService, PageBody, PageFuture};
