//! Reading a request's consent: the policy's own cookie in one pass, or
//! every configured source in order, with the privacy signals.

use super::{common_form, record, Consent, Decider, Reading, Signals};
use crate::category::CategorySet;
use crate::clock::Now;
use crate::policy::{Policy, Signing};
use crate::signal::{self, Honoured};
use crate::source::Format;
use crate::syntax::cookie_pairs;

impl Policy {
    /// Reads the request's consent from every `Cookie` header value (HTTP/2 may
    /// send several) and the request's privacy signals.
    ///
    /// Takes header values as bytes, so any framework's headers fit. Never fails:
    /// garbage gives [`ConsentState::Invalid`](super::ConsentState::Invalid).
    pub fn read_consent<I>(&self, cookie_headers: I, signals: Signals) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        self.read_consent_with(cookie_headers, signals, &Now::lazy())
    }

    /// [`read_consent`](Self::read_consent) at a given time (Unix seconds), for tests and replays.
    pub fn read_consent_at<I>(&self, cookie_headers: I, signals: Signals, now: i64) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        self.read_consent_with(cookie_headers, signals, &Now::at(now))
    }

    fn read_consent_with<I>(&self, cookie_headers: I, signals: Signals, now: &Now) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        let settings = &self.inner.settings;
        if !self.inner.sources.is_empty() || settings.honor_gpp || settings.honor_usp {
            return self.read_sources(cookie_headers, signals, now);
        }
        self.read_own_cookie(cookie_headers, signals, now)
    }

    /// The policy's own consent cookie, its one source: read in one pass.
    fn read_own_cookie<I>(&self, cookie_headers: I, signals: Signals, now: &Now) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        let inner = &self.inner;
        let consent_name = inner.consent_name().as_bytes();
        let mut reading = Reading::MISSING;
        let mut present = CategorySet::EMPTY;
        // A signed value is verified before it is read: the in-place reading is for unsigned ones.
        let unsigned = matches!(self.signing(), Signing::Off);
        // One pass over each header, pair by pair (split at `;`, trimmed, those
        // without `=` skipped): the consent cookies, and the categories of the rest.
        for header in cookie_headers {
            let mut rest = header.as_ref();
            while !rest.is_empty() {
                let text = rest.trim_ascii_start();
                if let Some(value) = consent_value_start(text, consent_name).filter(|_| unsigned) {
                    // The common form, read in place: its end is found by reading it.
                    if let Some((record, after)) =
                        common_form::read_prefix(value, &inner.categories)
                    {
                        let after_value = after.trim_ascii_start();
                        let len = value.len() - after.len();
                        if len <= record::MAX_VALUE_LEN
                            && matches!(after_value.first(), None | Some(b';'))
                        {
                            reading.add_record(self, Some(record), now);
                            rest = after_value.get(1..).unwrap_or_default();
                            continue;
                        }
                    }
                }
                let (pair, next) = match memchr::memchr(b';', text) {
                    Some(at) => (&text[..at], &text[at + 1..]),
                    None => (text, &[][..]),
                };
                rest = next;
                let Some(eq) = pair.iter().position(|&b| b == b'=') else {
                    continue;
                };
                let name = pair[..eq].trim_ascii();
                if name == consent_name {
                    self.add_own_value(&mut reading, name, pair[eq + 1..].trim_ascii(), now);
                } else if let Some(rule) = inner.names.lookup(name) {
                    present = present.with(CategorySet::single(inner.rule_category[rule]));
                }
            }
        }
        let mut consent = reading.into_consent(self, signals);
        consent.present = present;
        if !reading.is_missing() {
            consent.source = Some(Decider::OwnCookie);
        }
        consent
    }

    /// The consent sources of §9, tried in order: the first whose cookies say
    /// anything decides; and the signal cookies of §10.
    fn read_sources<I>(&self, cookie_headers: I, mut signals: Signals, now: &Now) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        let inner = &self.inner;
        // Read several times: the first few headers wait on the stack.
        let mut first: [Option<I::Item>; 4] = [None, None, None, None];
        let mut more = Vec::new();
        for (index, header) in cookie_headers.into_iter().enumerate() {
            match first.get_mut(index) {
                Some(slot) => *slot = Some(header),
                None => more.push(header),
            }
        }
        let headers = || first.iter().flatten().chain(&more).map(AsRef::as_ref);
        let honoured = Honoured {
            gpp_cookie: inner
                .settings
                .honor_gpp
                .then(|| inner.settings.gpp_cookie.as_bytes()),
            usp: inner.settings.honor_usp,
        };
        signals.gpc |= signal::opted_out(honoured, headers());
        if inner.sources.is_empty() {
            return self.read_own_cookie(headers(), signals, now);
        }
        let mut decided = None;
        for (index, source) in inner.sources.iter().enumerate() {
            let mut reading = Reading::MISSING;
            match source.format {
                Format::CookieConsent => {
                    let name = source.cookie.as_bytes();
                    for (_, value) in headers().flat_map(cookie_pairs).filter(|(n, _)| *n == name) {
                        self.add_own_value(&mut reading, name, value, now);
                    }
                }
                _ => source.read_each(headers(), inner.settings.revision, |read| {
                    reading.add_source(self, source, read, now)
                }),
            }
            if !reading.is_missing() {
                decided = Some((index, reading));
                break;
            }
        }
        let present = headers()
            .flat_map(cookie_pairs)
            .filter_map(|(name, _)| inner.names.lookup(name))
            .fold(CategorySet::EMPTY, |set, rule| {
                set.with(CategorySet::single(inner.rule_category[rule]))
            });
        let (source, reading) = match decided {
            Some((index, reading)) => (Some(Decider::Source(index)), reading),
            None => (None, Reading::MISSING),
        };
        let mut consent = reading.into_consent(self, signals);
        consent.present = present;
        consent.source = source;
        consent
    }
}

impl Policy {
    /// Adds one value of a cookie this library writes: when the consent is
    /// signed, only a value whose MAC verifies for this name is read; any
    /// other is Invalid.
    pub(crate) fn add_own_value(&self, reading: &mut Reading, name: &[u8], raw: &[u8], now: &Now) {
        match self.signing() {
            Signing::Off => reading.add(self, raw, now),
            Signing::Keys(keys) => match keys.verify(name, raw) {
                Some(value) => reading.add(self, value, now),
                None => {
                    keys.warn_unverified(now.get());
                    reading.add_record(self, None, now);
                }
            },
            Signing::KeysMissing => {
                crate::signing::warn_keys_missing(now.get());
                reading.add_record(self, None, now);
            }
        }
    }
}

/// Where the value starts when `text` (trimmed at the start) is a pair named
/// `name`: after the name, white space, `=` and white space.
#[inline]
fn consent_value_start<'t>(text: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let after_name = text.strip_prefix(name)?.trim_ascii_start();
    Some(after_name.strip_prefix(b"=")?.trim_ascii_start())
}
