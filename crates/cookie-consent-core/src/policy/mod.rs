//! The cookie policy: categories, declared cookies and settings, compiled once.
//!
//! A [`Policy`] is loaded from a policy file ([`Policy::from_toml_str`],
//! [`Policy::from_json_str`], [`Policy::from_path`]) or built in code
//! ([`Policy::builder`]). Either way it is validated and compiled into lookup
//! tables once, then shared by reference count: cloning a `Policy` is cheap.

mod builder;
mod changes;
mod compile;
pub(crate) mod consent_mode;
mod diagnose;
mod error;
pub(crate) mod expiry;
pub(crate) mod file;
mod lint;
pub(crate) mod locales;
mod names;
pub(crate) mod resources;
mod suggest;
pub(crate) mod texts;

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::signing::SigningKeys;
use crate::source::{CompiledSource, ConsentSource};
use crate::syntax::is_cookie_name;
use consent_mode::{ConsentMode, ConsentModeConfig};
use locales::{LocaleConfig, Locales};

pub use builder::PolicyBuilder;
pub use changes::Change;
pub use diagnose::{Diagnostic, Fix, Severity};
pub use error::PolicyError;
pub use lint::{Lint, LintFix, LintTarget};
use names::NameIndex;
#[cfg(feature = "page")]
pub(crate) use resources::ResourceVerdict;
pub use resources::{ResourceRule, StorageRule, UnknownResources};

use crate::category::{Category, CategorySet};

/// What `check_*` reports: every error of the diagnosis, else the policy as
/// loading reads it (and, should the two ever disagree, loading's problems).
fn checked(
    text: &str,
    diagnostics: Vec<Diagnostic>,
    load: fn(&str) -> Result<Policy, Vec<PolicyError>>,
) -> Result<Policy, Vec<PolicyError>> {
    let errors: Vec<PolicyError> = diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(PolicyError::from)
        .collect();
    if errors.is_empty() {
        load(text)
    } else {
        Err(errors)
    }
}

/// The id of the category that is always granted.
pub const ESSENTIAL: &str = "essential";

/// How a visitor who has not chosen is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Mode {
    /// Nothing but essential cookies until the visitor grants more (GDPR, ePrivacy).
    #[default]
    OptIn,
    /// Everything until the visitor refuses.
    OptOut,
}

/// Whether decisions change responses or are only reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Enforcement {
    /// Strip and purge.
    #[default]
    Enforce,
    /// Decide and report through events, but leave every response unchanged.
    ReportOnly,
}

/// What a cookie the policy does not declare is treated as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownCookies {
    /// Strip it (reason `undeclared`).
    #[default]
    Strip,
    /// Keep it.
    Keep,
    /// Treat it as belonging to this category.
    Category(String),
}

impl<'de> Deserialize<'de> for UnknownCookies {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "strip" => UnknownCookies::Strip,
            "keep" => UnknownCookies::Keep,
            _ => UnknownCookies::Category(text),
        })
    }
}

/// The `SameSite` attribute of the consent cookie.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    #[default]
    Lax,
    /// `SameSite=None` (requires `secure`).
    None,
}

/// How the consent cookie is written (`[consent_cookie]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ConsentCookieConfig {
    /// Cookie name; default `cookie-preferences`.
    pub name: String,
    /// Lifetime in days; default 365.
    pub max_age_days: u32,
    /// `Path`; default `/`.
    pub path: String,
    /// `Domain`, if any.
    pub domain: Option<String>,
    /// `Secure`; default true.
    pub secure: bool,
    /// `SameSite`; default `Lax`.
    pub same_site: SameSite,
    /// `HttpOnly`; `None` (the default): exactly when the cookie is signed,
    /// so that unsigned, a banner script may read it.
    pub http_only: Option<bool>,
    /// Whether the cookie is signed ([`SigningKeys`](crate::SigningKeys)): a
    /// value without a valid MAC is Invalid. The keys come from the
    /// application ([`Policy::with_signing_keys`]), which turns this on.
    pub sign: bool,
    /// Whether the consent endpoint takes a write the browser marks as a
    /// script's (`Sec-Fetch-Mode` not `navigate`, or no `Sec-Fetch-User: ?1`):
    /// for a JavaScript banner that posts with `fetch`. Default false: only a
    /// form the visitor submitted is taken. Records of scripted writes say so.
    pub allow_scripted_writes: bool,
}

impl Default for ConsentCookieConfig {
    fn default() -> Self {
        ConsentCookieConfig {
            name: "cookie-preferences".to_owned(),
            max_age_days: 365,
            path: "/".to_owned(),
            domain: None,
            secure: true,
            same_site: SameSite::Lax,
            http_only: None,
            sign: false,
            allow_scripted_writes: false,
        }
    }
}

/// One declared cookie (`[[cookies]]`): an exact name, or a prefix ending in `*`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CookieRule {
    /// Exact name (case-sensitive), or a prefix followed by `*`.
    pub name: String,
    /// The category id.
    pub category: String,
    /// Who sets it.
    #[serde(default)]
    pub provider: String,
    /// What it is for.
    #[serde(default)]
    pub purpose: String,
    /// How long it lives: `Session`, or a number and an English unit
    /// (`13 months`, `24 hours`); a policy with any other text does not
    /// load, and the error says the nearest valid form. Translations of it
    /// go under `[locales]`.
    #[serde(default)]
    pub expiry: String,
    /// The `Domain` it is set with, so that purging can expire it there too.
    #[serde(default)]
    pub domain: Option<String>,
    /// The `Path` it is set with; purging uses `/` when absent.
    #[serde(default)]
    pub path: Option<String>,
}

impl CookieRule {
    /// A rule for `name` (exact, or a prefix ending in `*`) in `category`.
    pub fn new(name: impl Into<String>, category: impl Into<String>) -> Self {
        CookieRule {
            name: name.into(),
            category: category.into(),
            provider: String::new(),
            purpose: String::new(),
            expiry: String::new(),
            domain: None,
            path: None,
        }
    }

    /// Sets the provider.
    #[must_use]
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Sets the purpose.
    #[must_use]
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = purpose.into();
        self
    }

    /// The retention `expiry` states, in days: 0 for `Session`, `None`
    /// when it states none (or is not of the grammar, as only a rule built
    /// without validation can be).
    pub fn retention_days(&self) -> Option<f64> {
        match expiry::parse(&self.expiry) {
            Ok(expiry::Expiry::Days(days)) => Some(days),
            Ok(expiry::Expiry::Session) => Some(0.0),
            Ok(expiry::Expiry::Unstated) | Err(_) => None,
        }
    }

    /// Sets the expiry text.
    #[must_use]
    pub fn expiry(mut self, expiry: impl Into<String>) -> Self {
        self.expiry = expiry.into();
        self
    }

    /// Sets the domain the cookie is set with.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets the path the cookie is set with.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The prefix, when the rule is a prefix rule (`sentry-*` → `sentry-`).
    pub fn prefix(&self) -> Option<&str> {
        self.name.strip_suffix('*')
    }
}

/// The policy's scalar settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) name: String,
    /// `updated`: the date the policy was last changed, `YYYY-MM-DD`.
    pub(crate) updated: Option<String>,
    pub(crate) revision: u64,
    pub(crate) mode: Mode,
    pub(crate) unknown_cookies: UnknownCookies,
    pub(crate) enforcement: Enforcement,
    pub(crate) consent_max_age_days: Option<u32>,
    pub(crate) honor_dnt: bool,
    pub(crate) vary: bool,
    pub(crate) max_purge: usize,
    pub(crate) consent_cookie: ConsentCookieConfig,
    /// A GPP opt-out counts as `Sec-GPC: 1` (§10).
    pub(crate) honor_gpp: bool,
    /// The cookie holding the GPP string.
    pub(crate) gpp_cookie: String,
    /// A US Privacy opt-out of sale counts as `Sec-GPC: 1` (§10).
    pub(crate) honor_usp: bool,
    /// `[[consent_sources]]` as written: empty reads the policy's own cookie only.
    pub(crate) consent_sources: Vec<ConsentSource>,
    /// `[consent_mode]` as written (§11); `None`: no Consent Mode script.
    pub(crate) consent_mode: Option<ConsentModeConfig>,
    /// The locale of a request that asks for none the policy speaks (§12).
    pub(crate) default_locale: String,
    /// `[locales.<tag>]` as written.
    pub(crate) locales: std::collections::BTreeMap<String, LocaleConfig>,
    /// `[[resources]]` as written (§20).
    pub(crate) resources: Vec<ResourceRule>,
    /// `[[storage]]` as written (§20).
    pub(crate) storage: Vec<StorageRule>,
    /// What an undeclared third-party resource is treated as.
    pub(crate) unknown_resources: UnknownResources,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            name: String::new(),
            updated: None,
            revision: 0,
            mode: Mode::OptIn,
            unknown_cookies: UnknownCookies::Strip,
            enforcement: Enforcement::Enforce,
            consent_max_age_days: None,
            honor_dnt: false,
            vary: true,
            max_purge: 32,
            consent_cookie: ConsentCookieConfig::default(),
            honor_gpp: false,
            gpp_cookie: "__gpp".to_owned(),
            honor_usp: false,
            consent_sources: Vec::new(),
            consent_mode: None,
            default_locale: "en".to_owned(),
            locales: std::collections::BTreeMap::new(),
            resources: Vec::new(),
            storage: Vec::new(),
            unknown_resources: UnknownResources::Keep,
        }
    }
}

/// A policy file's text, and whether it is JSON (by its `.json` extension).
fn read_policy_file(path: &Path) -> Result<(String, bool), PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        PolicyError::new("", format!("cannot read the policy file: {err}")).in_file(path)
    })?;
    let is_json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    Ok((text, is_json))
}

/// Where undeclared cookies go, resolved to a category index.
#[derive(Clone, Copy, Debug)]
pub(crate) enum UnknownRule {
    Strip,
    Keep,
    Category(usize),
}

/// A validated, compiled cookie policy. Cheap to clone.
///
/// ```
/// # use cookie_consent_core::{Policy, Signals};
/// let policy = Policy::from_toml_str(r#"
///     name = "Example"
///     [[categories]]
///     id = "analytics"
///     [[cookies]]
///     name = "_ga"
///     category = "analytics"
/// "#)?;
/// // A first visit: no consent yet, so `_ga` is stripped and the session cookie passes.
/// let consent = policy.read_consent([b"session=abc".as_slice()], Signals::default());
/// assert!(consent.needs_prompt());
/// assert!(policy.decide(&consent, "_ga=GA1.1.1; Path=/").is_strip());
/// # Ok::<(), cookie_consent_core::PolicyError>(())
/// ```
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<Compiled>,
}

/// How the consent cookie is signed.
#[derive(Clone, Copy)]
pub(crate) enum Signing<'p> {
    /// Not signed: as wave 2, any value is read.
    Off,
    /// Signed with these keys.
    Keys(&'p SigningKeys),
    /// `sign = true` but no keys given: nothing verifies (fail closed).
    KeysMissing,
}

#[derive(Clone)]
pub(crate) struct Compiled {
    pub(crate) settings: Settings,
    pub(crate) categories: Vec<Category>,
    pub(crate) rules: Vec<CookieRule>,
    /// Category index of each rule.
    pub(crate) rule_category: Vec<usize>,
    pub(crate) names: NameIndex,
    pub(crate) unknown: UnknownRule,
    pub(crate) all: CategorySet,
    pub(crate) gpc: CategorySet,
    /// The consent sources, compiled; empty: the policy's own cookie only.
    pub(crate) sources: Vec<CompiledSource>,
    /// `[consent_mode]`, validated.
    pub(crate) consent_mode: Option<ConsentMode>,
    /// The built-in locales and `[locales]`, validated.
    pub(crate) locales: Locales,
    /// Hex SHA-256 of the policy file's text.
    pub(crate) digest: String,
    /// The consent cookie's keys: given by the application, never in a file.
    pub(crate) signing_keys: Option<SigningKeys>,
    /// Each resource's pattern and category index, in `settings.resources` order.
    pub(crate) resources: Vec<(resources::Pattern, usize)>,
    /// Each storage rule's category index, in `settings.storage` order.
    pub(crate) storage: Vec<usize>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.inner.settings.name)
            .field("revision", &self.inner.settings.revision)
            .field("categories", &self.inner.categories.len())
            .field("cookies", &self.inner.rules.len())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Loads a policy from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        file::from_toml(text)
    }

    /// Loads a policy from JSON text with the same schema as the TOML file.
    pub fn from_json_str(text: &str) -> Result<Policy, PolicyError> {
        file::from_json(text)
    }

    /// [`from_toml_str`](Self::from_toml_str), reporting every problem of the
    /// text rather than the first: each part is validated whatever the others
    /// hold (a text that does not parse has one problem). For `cookie-consent
    /// check` and editors.
    ///
    /// ```
    /// let problems = cookie_consent_core::Policy::check_toml_str(
    ///     "[[cookies]]\nname = \"a\"\ncategory = \"nope\"\n[[cookies]]\nname = \"b*c\"\ncategory = \"essential\"\n",
    /// ).unwrap_err();
    /// assert_eq!(problems.len(), 2);
    /// assert_eq!(problems[1].to_string(), "line 5: field `cookies[1].name`: `b*c`: `*` may only stand at the end of a name");
    /// ```
    pub fn check_toml_str(text: &str) -> Result<Policy, Vec<PolicyError>> {
        checked(text, Policy::diagnose_toml_str(text), file::from_toml_all)
    }

    /// [`check_toml_str`](Self::check_toml_str) for JSON.
    pub fn check_json_str(text: &str) -> Result<Policy, Vec<PolicyError>> {
        checked(text, Policy::diagnose_json_str(text), file::from_json_all)
    }

    /// [`from_path`](Self::from_path), reporting every problem, each naming the file.
    pub fn check_path(path: impl AsRef<Path>) -> Result<Policy, Vec<PolicyError>> {
        let path = path.as_ref();
        let (text, is_json) = read_policy_file(path).map_err(|err| vec![err])?;
        let policy = if is_json {
            Policy::check_json_str(&text)
        } else {
            Policy::check_toml_str(&text)
        };
        policy.map_err(|problems| problems.into_iter().map(|p| p.in_file(path)).collect())
    }

    /// Loads a policy file: JSON when its name ends in `.json`, TOML otherwise.
    /// Errors name the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let (text, is_json) = read_policy_file(path)?;
        let policy = if is_json {
            file::from_json(&text)
        } else {
            file::from_toml(&text)
        };
        policy.map_err(|problem| problem.in_file(path))
    }

    /// Starts a policy in code.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Starts a new policy from this one, to extend or change it.
    pub fn to_builder(&self) -> PolicyBuilder {
        PolicyBuilder {
            settings: self.inner.settings.clone(),
            categories: self.inner.categories.clone(),
            cookies: self.inner.rules.clone(),
            signing_keys: self.inner.signing_keys.clone(),
        }
    }

    /// This policy with its consent cookie signed by `keys` (the first signs,
    /// all verify): a consent without a valid MAC is then Invalid, and the
    /// cookie is `HttpOnly` unless the policy file says `http_only = false`.
    /// Servers and sister subdomains that share the keys (and the cookie's
    /// `domain`) share consent. The policy's digest is unchanged.
    ///
    /// ```
    /// # use cookie_consent_core::{ConsentChoice, ConsentState, Policy, Signals, SigningKeys};
    /// let keys = SigningKeys::parse(&"5e".repeat(32)).unwrap();
    /// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"")?.with_signing_keys(keys);
    /// let set_cookie = policy.write_consent(&ConsentChoice::AcceptAll);
    /// assert!(set_cookie.contains("; HttpOnly"));
    /// let pair = set_cookie.split(';').next().unwrap();
    /// assert_eq!(policy.read_consent([pair], Signals::default()).state(), ConsentState::Valid);
    /// // What a page script could write is not believed.
    /// let forged = "cookie-preferences={\"categories\":{\"analytics\":true},\"revision\":0}";
    /// assert_eq!(policy.read_consent([forged], Signals::default()).state(), ConsentState::Invalid);
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn with_signing_keys(&self, keys: SigningKeys) -> Policy {
        let mut compiled = Compiled::clone(&self.inner);
        compiled.signing_keys = Some(keys);
        Policy {
            inner: Arc::new(compiled),
        }
    }

    /// How the consent cookie is signed: keys given turn signing on.
    pub(crate) fn signing(&self) -> Signing<'_> {
        match (
            &self.inner.signing_keys,
            self.inner.settings.consent_cookie.sign,
        ) {
            (Some(keys), _) => Signing::Keys(keys),
            (None, true) => Signing::KeysMissing,
            (None, false) => Signing::Off,
        }
    }

    /// Whether `name` is a cookie that holds consent: the policy's own
    /// consent cookie, a consent source's (`CookieConsent`, `cc_cookie`, a
    /// `cmplz_` name, …, and OneTrust's `OptanonAlertBoxClosed`), or an
    /// honoured signal's (the GPP string, `usprivacy`).
    pub fn is_consent_cookie(&self, name: &str) -> bool {
        let inner = &self.inner;
        name == inner.consent_name()
            || inner.sources.iter().any(|source| match source.format {
                crate::source::Format::Complianz => name.starts_with(&*source.cookie),
                crate::source::Format::OneTrust => {
                    name == &*source.cookie || name == "OptanonAlertBoxClosed"
                }
                _ => name == &*source.cookie,
            })
            || (inner.settings.honor_gpp && name == inner.settings.gpp_cookie)
            || (inner.settings.honor_usp && name == "usprivacy")
    }

    /// The cookies that hold consent and that the policy page must list: the
    /// policy's own consent cookie when its own cookie is read (no sources, or
    /// a `cookie-consent` one), and each source's cookie (`cmplz_*` for
    /// Complianz's, a pattern as `[[cookies]]` writes one).
    pub fn consent_cookie_names(&self) -> Vec<String> {
        let inner = &self.inner;
        let own = inner.sources.is_empty()
            || inner
                .sources
                .iter()
                .any(|s| s.format == crate::source::Format::CookieConsent);
        let mut names: Vec<String> = own
            .then(|| inner.consent_name().to_owned())
            .into_iter()
            .collect();
        for source in &inner.sources {
            let name = match source.format {
                crate::source::Format::CookieConsent => continue,
                crate::source::Format::Complianz => format!("{}*", source.cookie),
                _ => source.cookie.to_string(),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The format of each consent source (`[[consent_sources]]`), in the
    /// order they are read: `cookiebot`, `tcf`, … Empty: the policy's own
    /// cookie is its only source.
    pub fn consent_source_formats(&self) -> impl Iterator<Item = &str> {
        self.inner.sources.iter().map(|source| source.format.id())
    }

    /// Whether the consent cookie is signed (keys given, or `sign = true`).
    pub fn signs_consent(&self) -> bool {
        !matches!(self.signing(), Signing::Off)
    }

    /// Hex SHA-256 of the policy file's text, as `sha256sum` prints it: which
    /// policy a consent record's answer was given to. A policy built in
    /// code has no text; its digest is that of its compiled form.
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    /// The site name.
    pub fn name(&self) -> &str {
        &self.inner.settings.name
    }

    /// The date the policy was last changed (`updated`, `YYYY-MM-DD`), if stated.
    pub fn updated(&self) -> Option<&str> {
        self.inner.settings.updated.as_deref()
    }

    /// Whether any category honours Global Privacy Control (`honor_gpc`): a
    /// site then serves `/.well-known/gpc.json` ([`gpc_json`](Self::gpc_json)).
    pub fn honors_gpc(&self) -> bool {
        !self.inner.gpc.is_empty()
    }

    /// The GPC support resource for `/.well-known/gpc.json`:
    /// `{"gpc":true,"lastUpdate":"YYYY-MM-DD"}` (`lastUpdate` when the policy
    /// states `updated`), or `None` when no category honours GPC (serve 404).
    pub fn gpc_json(&self) -> Option<String> {
        if !self.honors_gpc() {
            return None;
        }
        Some(match self.updated() {
            Some(date) => format!("{{\"gpc\":true,\"lastUpdate\":\"{date}\"}}"),
            None => "{\"gpc\":true}".to_owned(),
        })
    }

    /// The revision; consent given to a lower one is outdated.
    pub fn revision(&self) -> u64 {
        self.inner.settings.revision
    }

    /// Opt-in or opt-out.
    pub fn mode(&self) -> Mode {
        self.inner.settings.mode
    }

    /// Enforce or report-only.
    pub fn enforcement(&self) -> Enforcement {
        self.inner.settings.enforcement
    }

    /// Whether `DNT: 1` counts like `Sec-GPC: 1` (`honor_dnt`). When it does
    /// not, an adapter need not look the header up: [`Consent::signals`] then
    /// reports `dnt: false` whatever the request sent.
    ///
    /// [`Consent::signals`]: crate::Consent::signals
    #[inline]
    pub fn honors_dnt(&self) -> bool {
        self.inner.settings.honor_dnt
    }

    /// The consent cookie's configuration.
    pub fn consent_cookie(&self) -> &ConsentCookieConfig {
        &self.inner.settings.consent_cookie
    }

    /// The categories, in display order; `essential` first.
    pub fn categories(&self) -> &[Category] {
        &self.inner.categories
    }

    /// The declared cookies, in file order.
    pub fn cookies(&self) -> &[CookieRule] {
        &self.inner.rules
    }

    /// The position of a category in [`categories`](Self::categories).
    pub fn category_index(&self, id: &str) -> Option<usize> {
        self.inner.categories.iter().position(|c| c.id == id)
    }

    /// The rule that governs a cookie name: exact name first, then the longest prefix.
    pub fn rule_for(&self, name: &str) -> Option<&CookieRule> {
        self.inner.lookup(name).map(|i| &self.inner.rules[i])
    }

    pub(crate) fn same_as(&self, other: &Policy) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Compiled {
    /// The rule for a cookie name: exact name first, then the longest prefix.
    pub(crate) fn lookup(&self, name: &str) -> Option<usize> {
        self.names.lookup(name.as_bytes())
    }

    pub(crate) fn category_id(&self, index: usize) -> &str {
        &self.categories[index].id
    }

    pub(crate) fn consent_name(&self) -> &str {
        &self.settings.consent_cookie.name
    }
}

fn category_list(categories: &[Category]) -> String {
    categories
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_category_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Bytes allowed in `Path` and `Domain` values: visible ASCII but `;`.
fn is_attribute_byte(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && b != b';'
}

fn check_pattern(name: &str) -> Result<(), String> {
    let stem = name.strip_suffix('*').unwrap_or(name);
    if name == "*" {
        return Err(
            "a bare `*` would match every cookie; name a prefix before it, like `_ga_*`".to_owned(),
        );
    }
    if stem.contains('*') {
        return Err(format!("`{name}`: `*` may only stand at the end of a name"));
    }
    if !is_cookie_name(stem.as_bytes()) {
        return Err(format!("`{name}` is not a valid cookie name"));
    }
    Ok(())
}

fn validate_consent_cookie(config: &ConsentCookieConfig) -> Result<(), (&'static str, String)> {
    if !is_cookie_name(config.name.as_bytes()) || config.name.contains('*') {
        return Err((
            "name",
            format!("`{}` is not a valid cookie name", config.name),
        ));
    }
    if !config.path.starts_with('/') || !config.path.bytes().all(is_attribute_byte) {
        return Err(("path", format!("`{}` must start with `/`", config.path)));
    }
    if let Some(domain) = &config.domain {
        if domain.is_empty() || !domain.bytes().all(is_attribute_byte) {
            return Err(("domain", format!("`{domain}` is not a valid cookie domain")));
        }
    }
    if config.same_site == SameSite::None && !config.secure {
        return Err((
            "same_site",
            "SameSite=None requires secure = true; browsers refuse it otherwise".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
