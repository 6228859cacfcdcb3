//! Building a policy in code, or extending one.

use super::resources::{ResourceRule, StorageRule, UnknownResources};
use super::{
    ConsentCookieConfig, CookieRule, Enforcement, Mode, Policy, PolicyError, Settings,
    UnknownCookies,
};
use crate::category::Category;
use crate::signing::SigningKeys;
use crate::source::ConsentSource;

/// Builds a [`Policy`] in code; [`Policy::to_builder`] starts from an existing one.
///
/// The builder runs the same validation as a policy file, so a policy built here
/// obeys every rule a loaded one does.
///
/// ```
/// # use cookie_consent_core::{Category, CookieRule, Policy};
/// let site = Policy::builder()
///     .name("Example")
///     .category(Category::new("analytics").title("Analytics cookies"))
///     .cookie(CookieRule::new("_ga", "analytics").provider("Google Analytics"))
///     .build()?;
/// // The billing pages also allow Stripe's fraud-prevention cookies.
/// let billing = site
///     .to_builder()
///     .cookie(CookieRule::new("__stripe_mid", "essential").provider("Stripe"))
///     .build()?;
/// assert_eq!(billing.cookies().len(), 2);
/// # Ok::<(), cookie_consent_core::PolicyError>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct PolicyBuilder {
    pub(crate) settings: Settings,
    pub(crate) categories: Vec<Category>,
    pub(crate) cookies: Vec<CookieRule>,
    pub(crate) signing_keys: Option<SigningKeys>,
}

impl PolicyBuilder {
    /// Sets the site name shown on the policy page.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.settings.name = name.into();
        self
    }

    /// Sets the date the policy was last changed (`YYYY-MM-DD`).
    pub fn updated(mut self, date: impl Into<String>) -> Self {
        self.settings.updated = Some(date.into());
        self
    }

    /// Sets the policy revision; consent given to a lower revision is outdated.
    pub fn revision(mut self, revision: u64) -> Self {
        self.settings.revision = revision;
        self
    }

    /// Sets opt-in or opt-out.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.settings.mode = mode;
        self
    }

    /// Sets what undeclared cookies are.
    pub fn unknown_cookies(mut self, unknown: UnknownCookies) -> Self {
        self.settings.unknown_cookies = unknown;
        self
    }

    /// Enforces, or only reports.
    pub fn enforcement(mut self, enforcement: Enforcement) -> Self {
        self.settings.enforcement = enforcement;
        self
    }

    /// Consent older than this many days counts as expired.
    pub fn consent_max_age_days(mut self, days: Option<u32>) -> Self {
        self.settings.consent_max_age_days = days;
        self
    }

    /// Makes `DNT: 1` act like `Sec-GPC: 1`.
    pub fn honor_dnt(mut self, honor: bool) -> Self {
        self.settings.honor_dnt = honor;
        self
    }

    /// Whether to add `Vary: Cookie` when a decision depended on consent.
    pub fn vary(mut self, vary: bool) -> Self {
        self.settings.vary = vary;
        self
    }

    /// The most expiring Set-Cookies one response may get.
    pub fn max_purge(mut self, max_purge: usize) -> Self {
        self.settings.max_purge = max_purge;
        self
    }

    /// Sets the consent cookie's name and attributes.
    pub fn consent_cookie(mut self, config: ConsentCookieConfig) -> Self {
        self.settings.consent_cookie = config;
        self
    }

    /// Whether a GPP string that records an opt-out of sale, sharing or
    /// targeted advertising counts as `Sec-GPC: 1` (`honor_gpp`, default false).
    pub fn honor_gpp(mut self, honor: bool) -> Self {
        self.settings.honor_gpp = honor;
        self
    }

    /// The cookie the GPP string is read from (`gpp_cookie`, default `__gpp`).
    pub fn gpp_cookie(mut self, name: impl Into<String>) -> Self {
        self.settings.gpp_cookie = name.into();
        self
    }

    /// Whether a US Privacy string (`usprivacy`) that opts out of sale counts
    /// as `Sec-GPC: 1` (`honor_usp`, default false).
    pub fn honor_usp(mut self, honor: bool) -> Self {
        self.settings.honor_usp = honor;
        self
    }

    /// Adds a consent source (a banner's own cookie), tried after those added before: where the
    /// site's banner stores the visitor's choice. Without any, the policy's
    /// own consent cookie is the one source.
    pub fn consent_source(mut self, source: ConsentSource) -> Self {
        self.settings.consent_sources.push(source);
        self
    }

    /// Adds a category, after those already there.
    pub fn category(mut self, category: Category) -> Self {
        self.categories.push(category);
        self
    }

    /// Declares a cookie.
    pub fn cookie(mut self, rule: CookieRule) -> Self {
        self.cookies.push(rule);
        self
    }

    /// Declares a resource pages load (`[[resources]]`).
    pub fn resource(mut self, rule: ResourceRule) -> Self {
        self.settings.resources.push(rule);
        self
    }

    /// Declares a storage key (`[[storage]]`).
    pub fn storage(mut self, rule: StorageRule) -> Self {
        self.settings.storage.push(rule);
        self
    }

    /// What an undeclared third-party resource is treated as.
    pub fn unknown_resources(mut self, rule: UnknownResources) -> Self {
        self.settings.unknown_resources = rule;
        self
    }

    /// Validates and compiles the policy.
    pub fn build(self) -> Result<Policy, PolicyError> {
        use super::file::Located;
        let signing_keys = self.signing_keys;
        let policy = Policy::compile(
            self.settings,
            self.categories
                .into_iter()
                .map(Located::unlocated)
                .collect(),
            self.cookies.into_iter().map(Located::unlocated).collect(),
            None,
            Vec::new(),
        )
        .map_err(super::file::first)?;
        Ok(match signing_keys {
            Some(keys) => policy.with_signing_keys(keys),
            None => policy,
        })
    }

    /// Signs the consent cookie with `keys`: see [`Policy::with_signing_keys`].
    pub fn signing_keys(mut self, keys: SigningKeys) -> Self {
        self.signing_keys = Some(keys);
        self
    }
}
