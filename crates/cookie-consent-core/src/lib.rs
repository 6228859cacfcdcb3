//! Server-side enforcement of a website's cookie policy, free of any web framework.
//!
//! A site declares its cookie policy once, in a policy file: its categories and
//! every cookie it sets. For each request, [`Policy::read_consent`] reads the
//! visitor's consent (the `cookie-preferences` cookie and the `Sec-GPC` signal);
//! for each response, [`Policy::review_response`] says which `Set-Cookie` values
//! to remove, which cookies to expire and whether to add `Vary: Cookie`. The
//! Tower and Actix-web adapters only translate headers to and from these calls.
//!
//! The API speaks bytes and `&str`, never `http` or `cookie` types, so that one
//! core serves `http` 1.x stacks and actix-web 4 (on `http` 0.2) alike.
//!
//! ```
//! use cookie_consent_core::{ConsentState, Policy, Signals, StripReason, Verdict};
//!
//! let policy = Policy::from_toml_str(r#"
//!     name = "Example"
//!     [[categories]]
//!     id = "analytics"
//!     [[cookies]]
//!     name = "session"
//!     category = "essential"
//!     [[cookies]]
//!     name = "_ga"
//!     category = "analytics"
//! "#)?;
//! let consent = policy.read_consent(["session=abc"], Signals::default());
//! assert_eq!(consent.state(), ConsentState::Missing);
//! assert_eq!(policy.decide(&consent, "session=def; HttpOnly"), Verdict::Keep);
//! assert_eq!(
//!     policy.decide(&consent, "_ga=GA1.1.1"),
//!     Verdict::Strip { name: "_ga", category: Some("analytics"), reason: StripReason::Missing },
//! );
//! # Ok::<(), cookie_consent_core::PolicyError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod accept_language;
pub mod adapter;
mod category;
mod clock;
mod consent;
mod decision;
mod endpoint;
mod event;
mod extract;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "page")]
pub mod page;
mod policy;
mod records;
mod render;
mod review;
mod signal;
mod signing;
mod source;
mod syntax;

/// The `tracing` target of every event and logged failure.
pub const TARGET: &str = "cookie_consent";

pub use category::{Category, CategorySet};
pub use consent::{Consent, ConsentChoice, ConsentState, Signals};
pub use decision::{StripReason, Verdict};
pub use endpoint::{ConsentAnswer, ConsentPost, CONSENT_FORM_LIMIT};
pub use event::Event;
#[cfg(feature = "axum")]
pub use extract::MissingConsentLayer;
#[cfg(feature = "actix")]
pub use extract::MissingConsentMiddleware;
pub use policy::{
    Change, ConsentCookieConfig, CookieRule, Diagnostic, Enforcement, Fix, Lint, LintFix,
    LintTarget, Mode, Policy, PolicyBuilder, PolicyError, ResourceRule, SameSite, Severity,
    StorageRule, UnknownCookies, UnknownResources, ESSENTIAL,
};
pub use records::{
    truncated_ip, ConsentId, ConsentRecord, ConsentStore, RecordQuery, Recording, StoreError,
    StoreFuture, USER_AGENT_LIMIT,
};
pub use render::{
    BannerButton, BannerCategory, BannerView, CookieView, Locale, PolicyCategory, PolicyView,
    ResourceView,
};
pub use signing::{KeyError, SigningKeys, MIN_KEY_LEN};
pub use source::{ConsentFormat, ConsentSource, FormatReading};
