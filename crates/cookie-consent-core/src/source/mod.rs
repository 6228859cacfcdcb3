//! Consent sources (DESIGN §9): reading the consent a site's existing banner
//! already stores, in its own cookie format.
//!
//! Each format has its reader, a pure function from cookie bytes to a
//! [`SourceRead`] (one module each); this module holds what is common: the
//! formats, their default cookies and grants, the configuration a policy
//! compiles a source into, and an application's own format.

mod complianz;
mod cookiebot;
mod cookieyes;
mod klaro;
mod onetrust;
pub(crate) mod reading;
mod tcf;
mod vanilla;
mod write;

pub(crate) use write::write as write_source;

use std::fmt;
use std::sync::Arc;

use crate::syntax::cookie_pairs;
use reading::{bit_of, Decision, SourceRead};

/// A banner's cookie format that an application reads itself: for a
/// home-grown banner, so that it needs no fork.
///
/// ```
/// use cookie_consent_core::{ConsentFormat, ConsentSource, FormatReading, Policy, Signals};
///
/// /// Our old banner wrote `consent=stats|ads` (the accepted groups), or `consent=none`.
/// #[derive(Debug)]
/// struct OldBanner;
///
/// impl ConsentFormat for OldBanner {
///     fn id(&self) -> &str {
///         "old-banner"
///     }
///     fn default_cookie(&self) -> &str {
///         "consent"
///     }
///     fn read(&self, value: &[u8]) -> FormatReading {
///         match std::str::from_utf8(value) {
///             Ok("") => FormatReading::NoDecision,
///             Ok("none") => FormatReading::decided(Vec::<String>::new()),
///             Ok(groups) => FormatReading::decided(groups.split('|')),
///             Err(_) => FormatReading::Unreadable,
///         }
///     }
/// }
///
/// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"")?
///     .to_builder()
///     .consent_source(ConsentSource::custom(OldBanner).grant("analytics", ["stats"]))
///     .build()?;
/// let consent = policy.read_consent(["consent=stats|ads"], Signals::default());
/// assert!(consent.allows("analytics"));
/// assert_eq!(consent.source(), Some("old-banner"));
/// # Ok::<(), cookie_consent_core::PolicyError>(())
/// ```
pub trait ConsentFormat: fmt::Debug + Send + Sync + 'static {
    /// The format's name, as [`Consent::source`](crate::Consent::source) reports it.
    fn id(&self) -> &str;

    /// The cookie it is read from, unless the source names another.
    fn default_cookie(&self) -> &str;

    /// Reads one value of the cookie (as the browser sent it, undecoded).
    fn read(&self, value: &[u8]) -> FormatReading;
}

/// What an application's [`ConsentFormat`] read in one cookie value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatReading {
    /// The banner recorded no decision yet: as if there were no cookie.
    NoDecision,
    /// The value cannot be read: the consent is Invalid.
    Unreadable,
    /// A decision.
    Decided {
        /// The format's own ids the visitor granted.
        granted: Vec<String>,
        /// When the visitor chose, in Unix seconds, if the format records it.
        timestamp: Option<i64>,
        /// The banner itself would ask again.
        outdated: bool,
    },
}

impl FormatReading {
    /// A current, undated decision granting `ids`.
    pub fn decided<I>(ids: I) -> FormatReading
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        FormatReading::Decided {
            granted: ids.into_iter().map(Into::into).collect(),
            timestamp: None,
            outdated: false,
        }
    }
}

/// A built-in format, or an application's own.
#[derive(Clone, Debug)]
pub(crate) enum Format {
    CookieConsent,
    VanillaCookieconsent,
    Cookiebot,
    OneTrust,
    CookieYes,
    Klaro,
    Complianz,
    Tcf,
    Custom(Arc<dyn ConsentFormat>),
}

/// Formats are equal when they are the same built-in one, or the very same
/// application format.
impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        match (self, other) {
            (Format::Custom(a), Format::Custom(b)) => Arc::ptr_eq(a, b),
            (Format::Custom(_), _) | (_, Format::Custom(_)) => false,
            (a, b) => a.index() == b.index(),
        }
    }
}

impl Eq for Format {}

impl Format {
    /// The built-in formats, by the names a policy file uses.
    pub(crate) const NAMES: [&'static str; 8] = [
        "cookie-consent",
        "vanilla-cookieconsent",
        "cookiebot",
        "onetrust",
        "cookieyes",
        "klaro",
        "complianz",
        "tcf",
    ];

    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "cookie-consent" => Format::CookieConsent,
            "vanilla-cookieconsent" => Format::VanillaCookieconsent,
            "cookiebot" => Format::Cookiebot,
            "onetrust" => Format::OneTrust,
            "cookieyes" => Format::CookieYes,
            "klaro" => Format::Klaro,
            "complianz" => Format::Complianz,
            "tcf" => Format::Tcf,
            _ => return None,
        })
    }

    /// The name [`Consent::source`](crate::Consent::source) reports.
    pub(crate) fn id(&self) -> &str {
        match self {
            Format::Custom(format) => format.id(),
            builtin => Format::NAMES[builtin.index()],
        }
    }

    fn index(&self) -> usize {
        match self {
            Format::CookieConsent => 0,
            Format::VanillaCookieconsent => 1,
            Format::Cookiebot => 2,
            Format::OneTrust => 3,
            Format::CookieYes => 4,
            Format::Klaro => 5,
            Format::Complianz => 6,
            Format::Tcf | Format::Custom(_) => 7,
        }
    }

    /// The cookie read when the source names none (a prefix for Complianz);
    /// `consent_cookie` is the policy's own consent cookie.
    pub(crate) fn default_cookie<'a>(&'a self, consent_cookie: &'a str) -> &'a str {
        match self {
            Format::CookieConsent => consent_cookie,
            Format::VanillaCookieconsent => "cc_cookie",
            Format::Cookiebot => "CookieConsent",
            Format::OneTrust => "OptanonConsent",
            Format::CookieYes => "cookieyes-consent",
            Format::Klaro => "klaro",
            Format::Complianz => "cmplz_",
            Format::Tcf => "euconsent-v2",
            Format::Custom(format) => format.default_cookie(),
        }
    }

    /// The source ids that grant a policy category of this id when the
    /// source's `grants` say nothing of it; `None` when the format has no default.
    pub(crate) fn default_grant(&self, category: &str) -> Option<&'static str> {
        let by_name = |names: &[&'static str]| names.iter().copied().find(|n| *n == category);
        match self {
            Format::CookieConsent | Format::VanillaCookieconsent => None,
            Format::Cookiebot | Format::Complianz => match category {
                "functional" => Some("preferences"),
                "analytics" => Some("statistics"),
                "marketing" => Some("marketing"),
                _ => None,
            },
            Format::OneTrust => match category {
                "functional" => Some("C0003"),
                "analytics" => Some("C0002"),
                "marketing" => Some("C0004"),
                _ => None,
            },
            Format::CookieYes => match category {
                "marketing" => Some("advertisement"),
                _ => by_name(&["functional", "analytics", "performance"]),
            },
            Format::Klaro | Format::Tcf | Format::Custom(_) => None,
        }
    }

    /// Whether the format names categories by the policy's own ids.
    pub(crate) fn grants_by_category_id(&self) -> bool {
        matches!(self, Format::CookieConsent | Format::VanillaCookieconsent)
    }
}

/// A consent source as a policy holds it, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledSource {
    pub(crate) format: Format,
    /// The cookie's name (for Complianz, the prefix of its cookies).
    pub(crate) cookie: Box<str>,
    /// The source's own ids the grants name: bit `i` of a decision is `ids[i]`.
    pub(crate) ids: Vec<Box<str>>,
    /// For each policy category, the ids that must all be granted (a mask of
    /// `ids`); 0 for `essential`, always granted.
    pub(crate) required: Vec<u64>,
}

impl CompiledSource {
    /// Reads this source's cookies from the request's `Cookie` header values;
    /// `revision` is the policy's. Several cookies of the source: the grants
    /// intersect, the worst state wins (§3), as the caller combines them.
    pub(crate) fn read_each<'h>(
        &self,
        headers: impl Iterator<Item = &'h [u8]> + Clone,
        revision: u64,
        mut each: impl FnMut(SourceRead),
    ) {
        let name = self.cookie.as_bytes();
        let values = || {
            headers
                .clone()
                .flat_map(cookie_pairs)
                .filter(move |(n, _)| *n == name)
                .map(|(_, value)| value)
        };
        match &self.format {
            Format::CookieConsent => unreachable!("read by the consent module"),
            Format::Complianz => each(complianz::read(
                headers.clone().flat_map(cookie_pairs),
                &self.cookie,
                &self.ids,
            )),
            Format::OneTrust => {
                let closed = headers
                    .clone()
                    .flat_map(cookie_pairs)
                    .find(|(n, _)| *n == b"OptanonAlertBoxClosed")
                    .map(|(_, value)| value);
                values().for_each(|value| each(onetrust::read(value, closed, &self.ids)));
            }
            Format::VanillaCookieconsent => {
                values().for_each(|value| each(vanilla::read(value, &self.ids, revision)));
            }
            Format::Cookiebot => values().for_each(|value| each(cookiebot::read(value, &self.ids))),
            Format::CookieYes => values().for_each(|value| each(cookieyes::read(value, &self.ids))),
            Format::Klaro => values().for_each(|value| each(klaro::read(value, &self.ids))),
            Format::Tcf => values().for_each(|value| each(tcf::read(value, &self.ids))),
            Format::Custom(format) => {
                values().for_each(|value| each(custom(format.read(value), &self.ids)));
            }
        }
    }
}

/// An application format's reading, as the built-in readers answer.
fn custom(reading: FormatReading, ids: &[Box<str>]) -> SourceRead {
    match reading {
        FormatReading::NoDecision => SourceRead::Missing,
        FormatReading::Unreadable => SourceRead::Invalid,
        FormatReading::Decided {
            granted,
            timestamp,
            outdated,
        } => SourceRead::Decided(Decision {
            granted: granted
                .iter()
                .fold(0, |mask, id| mask | bit_of(ids, id.as_bytes())),
            timestamp,
            outdated,
        }),
    }
}

/// A consent source for [`PolicyBuilder::consent_source`](crate::PolicyBuilder::consent_source):
/// a format, its cookie, and which of its ids grant which policy category.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct ConsentSource {
    pub(crate) format: Format,
    pub(crate) cookie: Option<String>,
    pub(crate) grants: Vec<(String, Vec<String>)>,
}

impl ConsentSource {
    /// A built-in format by its policy-file name (`cookiebot`, `onetrust`, …);
    /// `None` for a name no built-in format has.
    pub fn named(format: &str) -> Option<ConsentSource> {
        Format::from_name(format).map(|format| ConsentSource {
            format,
            cookie: None,
            grants: Vec::new(),
        })
    }

    /// An application's own format.
    pub fn custom(format: impl ConsentFormat) -> ConsentSource {
        ConsentSource {
            format: Format::Custom(Arc::new(format)),
            cookie: None,
            grants: Vec::new(),
        }
    }

    /// Reads the cookie of this name instead of the format's default.
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.cookie = Some(name.into());
        self
    }

    /// The policy category `category` is granted when every one of the
    /// source's `ids` is.
    pub fn grant<I>(mut self, category: impl Into<String>, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let ids = ids.into_iter().map(Into::into).collect();
        self.grants.push((category.into(), ids));
        self
    }
}
