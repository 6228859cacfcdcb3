//! Reviewing one response: every `Set-Cookie` decided, the purge, `Vary`.

mod judge;
mod nesting;
mod outcome;
mod purge;
mod vary;

use crate::clock::Now;
use crate::consent::{Consent, Decider, Reading};
use crate::event::Observer;
use crate::policy::{Enforcement, Policy};
use crate::syntax::{is_named, is_removal, set_cookie_pair_name, set_cookie_value};
use crate::TARGET;
use judge::Judged;
pub use nesting::NestingMark;
pub use outcome::Review;
use outcome::Stripped;
use purge::PurgeContext;

/// The headers a response review reads, by name: the request's `Cookie`
/// values, the response's `Set-Cookie` and `Vary` values, and the mark of an
/// inner layer that reviewed the response already.
///
/// `set_cookies` is read several times, so it must be `Copy`: a slice, an
/// array of `&str`, or a borrowed header view (`&http::header::GetAll`).
#[derive(Clone, Copy, Debug)]
pub struct ResponseHeaders<'m, C, S, V> {
    /// The request's `Cookie` header values, for the purge.
    pub request_cookies: C,
    /// The response's `Set-Cookie` values, in order.
    pub set_cookies: S,
    /// The response's `Vary` values, so nothing is named twice.
    pub vary: V,
    /// The mark an inner consent layer left on the response, if any.
    pub mark: Option<&'m NestingMark>,
}

impl Policy {
    /// Reviews one response: decides every `Set-Cookie`, the purge and `Vary`.
    ///
    /// - `consent`: the request's, from [`Policy::read_consent`]; a consent cookie
    ///   set (or removed) by the response itself takes precedence.
    /// - `headers`: what the review reads (see [`ResponseHeaders`]). With a
    ///   [`NestingMark`](crate::adapter::NestingMark) mark, only the values no inner layer judged are judged,
    ///   and the inner layer's purge stands.
    /// - `observer`: called with every [`Event`](crate::Event), for metrics.
    ///
    /// Events also go to `tracing` (target `cookie_consent`). In report-only
    /// mode the outcome leaves the headers unchanged and events say
    /// `enforced: false`. A response without `Set-Cookie` whose consent allows
    /// every category it could purge costs no allocation.
    ///
    /// ```
    /// use cookie_consent_core::adapter::ResponseHeaders;
    /// use cookie_consent_core::{Policy, Signals};
    ///
    /// let policy = Policy::from_toml_str(r#"
    ///     [[categories]]
    ///     id = "analytics"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     category = "analytics"
    ///     [[cookies]]
    ///     name = "session"
    ///     category = "essential"
    /// "#)?;
    /// let cookie_headers = ["_ga=GA1.1.1; session=old"];
    /// let consent = policy.read_consent(cookie_headers, Signals::default());
    /// let headers = ResponseHeaders {
    ///     request_cookies: cookie_headers,
    ///     set_cookies: ["session=new; Path=/; HttpOnly", "_ga=GA1.1.2; Path=/"],
    ///     vary: ["Accept-Encoding"],
    ///     mark: None,
    /// };
    /// let outcome = policy.review_response(&consent, headers, None);
    /// assert!(outcome.keeps(0) && !outcome.keeps(1));
    /// assert_eq!(outcome.purges(), ["_ga=; Max-Age=0; Path=/"]);
    /// assert_eq!(outcome.vary(), Some("Cookie"));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn review_response<C, S, V>(
        &self,
        consent: &Consent,
        headers: ResponseHeaders<'_, C, S, V>,
        observer: Observer<'_>,
    ) -> Review
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        S: IntoIterator<Item: AsRef<[u8]>> + Copy,
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        self.review_response_as(consent, headers, observer, self.enforcement())
    }

    /// [`review_response`](Self::review_response) enforced as `enforcement`
    /// says, not as the policy file does (`Reviewer::report_only`).
    pub(crate) fn review_response_as<C, S, V>(
        &self,
        consent: &Consent,
        headers: ResponseHeaders<'_, C, S, V>,
        observer: Observer<'_>,
        enforcement: Enforcement,
    ) -> Review
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        S: IntoIterator<Item: AsRef<[u8]>> + Copy,
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        let ResponseHeaders {
            request_cookies,
            set_cookies,
            vary,
            mark,
        } = headers;
        let now = &Now::lazy();
        let enforced = enforcement == Enforcement::Enforce;
        let consent_from_request = consent;
        let in_force = self.consent_set_by_response(consent, set_cookies, now);
        let consent = in_force.as_ref().unwrap_or(consent);
        let judged_inside = mark.map(|mark| mark.judged(set_cookies));

        // A handler that read the consent rendered from it.
        let mut depends_on_consent = consent_from_request.was_read();
        let judged = Judged {
            inside: judged_inside.as_deref(),
            observer,
            enforced,
            now,
        };
        let strips = self.judge(consent, set_cookies, judged, &mut depends_on_consent);
        let context = PurgeContext {
            response_sets: |name: &str| {
                // Only what the response still sets once stripped values are gone.
                set_cookies
                    .into_iter()
                    .enumerate()
                    .any(|(i, v)| !strips.contains(i) && is_named(v.as_ref(), name))
            },
            observer,
            enforced,
        };
        let purges = if mark.is_none() {
            // A marked response was purged inside.
            self.purge_step(
                consent_from_request,
                consent,
                request_cookies,
                context,
                &mut depends_on_consent,
            )
        } else {
            Vec::new()
        };

        let consent_state = Some(consent.state_quietly());
        // One line per judged response, so a layer that sees nothing shows 0s.
        tracing::debug!(
            target: TARGET,
            kept = set_cookies.into_iter().count() - strips.iter().count(),
            stripped = strips.iter().count(),
            purged = purges.len(),
            enforced,
            "response judged"
        );
        if !enforced {
            return Review {
                consent_state,
                ..Review::default()
            };
        }
        let vary = (depends_on_consent && self.inner.settings.vary)
            .then(|| self.vary_value(vary))
            .flatten();
        Review {
            stripped: strips,
            purges,
            vary,
            consent_state,
        }
    }

    /// The consent the response itself sets, if it sets (or removes) the consent cookie.
    fn consent_set_by_response<S>(
        &self,
        request: &Consent,
        set_cookies: S,
        now: &Now,
    ) -> Option<Consent>
    where
        S: IntoIterator<Item: AsRef<[u8]>>,
    {
        let name = self.inner.consent_name();
        let mut in_force = None;
        for value in set_cookies {
            let value = value.as_ref();
            if !is_named(value, name) {
                continue;
            }
            let Some((_, after_name)) = set_cookie_pair_name(value) else {
                continue;
            };
            let mut reading = Reading::MISSING;
            if !is_removal(after_name, now) {
                // Signed, it is believed only as it would be on the next request.
                self.add_own_value(&mut reading, name.as_bytes(), set_cookie_value(value), now);
            }
            // The browser applies them in order: the last one wins.
            in_force = Some(reading);
        }
        in_force.map(|reading| {
            let said_anything = !reading.is_missing();
            let mut consent = reading.into_consent(self, request.signals_quietly());
            consent.source = said_anything.then_some(Decider::OwnCookie);
            consent
        })
    }
}

#[cfg(test)]
mod tests;
