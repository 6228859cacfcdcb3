//! Deciding one `Set-Cookie` (§4 of the design).

use std::borrow::Cow;

use crate::consent::Consent;
use crate::policy::{Policy, UnknownRule};

/// Why a `Set-Cookie` was stripped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StripReason {
    /// The value could not be parsed as a cookie.
    Malformed,
    /// The policy does not declare the cookie and `unknown_cookies = "strip"`.
    Undeclared,
    /// The visitor has not granted the category.
    NotGranted,
    /// `Sec-GPC: 1` denies the category.
    Gpc,
    /// `DNT: 1` denies the category (`honor_dnt = true`).
    Dnt,
    /// The consent was given to an older policy revision.
    Outdated,
    /// The consent is older than `consent_max_age_days`.
    Expired,
    /// The consent cookie is malformed.
    Invalid,
    /// There is no consent cookie.
    Missing,
}

impl StripReason {
    /// The reason as reported: `malformed`, `undeclared`, `not-granted`, `gpc`,
    /// `dnt`, `outdated`, `expired`, `invalid` or `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            StripReason::Malformed => "malformed",
            StripReason::Undeclared => "undeclared",
            StripReason::NotGranted => "not-granted",
            StripReason::Gpc => "gpc",
            StripReason::Dnt => "dnt",
            StripReason::Outdated => "outdated",
            StripReason::Expired => "expired",
            StripReason::Invalid => "invalid",
            StripReason::Missing => "missing",
        }
    }
}

impl std::fmt::Display for StripReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision on one `Set-Cookie` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// The value passes unchanged.
    Keep,
    /// The value must be removed from the response.
    Strip {
        /// The cookie's name (empty when the value is malformed beyond that).
        name: &'a str,
        /// The category it belongs to, if it was found in the policy.
        category: Option<&'a str>,
        /// Why it goes.
        reason: StripReason,
    },
}

impl Verdict<'_> {
    /// Whether the value must go.
    pub fn is_strip(&self) -> bool {
        matches!(self, Verdict::Strip { .. })
    }
}

/// A verdict with what the response-level review needs besides.
pub(crate) struct Judgement<'a> {
    pub(crate) verdict: Verdict<'a>,
    pub(crate) name: &'a str,
    pub(crate) category: Option<&'a str>,
    /// The verdict depended on the visitor's consent (so responses must `Vary: Cookie`).
    pub(crate) consulted_consent: bool,
    /// No rule declares the name.
    pub(crate) undeclared: bool,
}

/// The parts of a `Set-Cookie` value the decision needs.
pub(crate) struct SetCookie<'a> {
    pub(crate) name: &'a str,
    pub(crate) removal: bool,
}

/// The name before the first `=`, trimmed, if it is UTF-8.
pub(crate) fn set_cookie_name(value: &[u8]) -> Option<&str> {
    let eq = value.iter().position(|&b| b == b'=')?;
    std::str::from_utf8(value[..eq].trim_ascii()).ok()
}

/// Parses a `Set-Cookie` value with the `cookie` crate; `None` when it is not a cookie.
pub(crate) fn parse_set_cookie(value: &[u8], now: i64) -> Option<SetCookie<'_>> {
    let name = set_cookie_name(value)?;
    // Attributes are read from a lossy copy when the value is not UTF-8: the
    // name, which decides, is ASCII either way.
    let text = match std::str::from_utf8(value) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    };
    let cookie = cookie::Cookie::parse(text.as_ref()).ok()?;
    // Max-Age wins over Expires (RFC 6265 §5.3).
    let removal = match cookie.max_age() {
        Some(max_age) => max_age <= cookie::time::Duration::ZERO,
        None => cookie.expires_datetime().is_some_and(|t| t.unix_timestamp() <= now),
    };
    Some(SetCookie { name, removal })
}

impl Policy {
    /// Decides one `Set-Cookie` value against a visitor's consent.
    ///
    /// This judges the value alone; [`Policy::review_response`] judges a whole
    /// response, where a consent cookie set by the response itself takes effect.
    pub fn decide<'a, V>(&'a self, consent: &Consent, set_cookie: &'a V) -> Verdict<'a>
    where
        V: AsRef<[u8]> + ?Sized,
    {
        self.judge(consent, set_cookie.as_ref(), crate::consent::unix_now()).verdict
    }

    pub(crate) fn judge<'a>(&'a self, consent: &Consent, value: &'a [u8], now: i64) -> Judgement<'a> {
        let inner = &self.inner;
        let judgement = |verdict, name, category, consulted_consent, undeclared| Judgement {
            verdict,
            name,
            category,
            consulted_consent,
            undeclared,
        };
        let Some(cookie) = parse_set_cookie(value, now) else {
            let name = set_cookie_name(value).unwrap_or("");
            let strip = Verdict::Strip { name, category: None, reason: StripReason::Malformed };
            return judgement(strip, name, None, false, false);
        };
        let name = cookie.name;
        if name == inner.consent_name() || cookie.removal {
            let category = inner.lookup(name).map(|r| inner.category_id(inner.rule_category[r]));
            return judgement(Verdict::Keep, name, category, false, false);
        }
        let (index, undeclared) = match inner.lookup(name) {
            Some(rule) => (inner.rule_category[rule], false),
            None => match inner.unknown {
                UnknownRule::Keep => return judgement(Verdict::Keep, name, None, false, true),
                UnknownRule::Strip => {
                    let strip = Verdict::Strip { name, category: None, reason: StripReason::Undeclared };
                    return judgement(strip, name, None, false, true);
                }
                UnknownRule::Category(index) => (index, true),
            },
        };
        let category = Some(inner.category_id(index));
        if index == 0 {
            return judgement(Verdict::Keep, name, category, false, undeclared);
        }
        let verdict = if consent.grants_index(self, index) {
            Verdict::Keep
        } else {
            Verdict::Strip { name, category, reason: consent.refusal(self, index) }
        };
        judgement(verdict, name, category, true, undeclared)
    }
}
