//! The response-level entry point: one call per response, made by the adapters.

use crate::consent::{unix_now, Consent, ConsentState, Reading};
use crate::decision::{parse_set_cookie, set_cookie_name, Verdict};
use crate::event::{Event, Observer};
use crate::policy::{Enforcement, Policy};
use crate::purge::PurgeContext;

/// What to do to one response's headers, decided by [`Policy::review_response`].
///
/// An adapter removes the `Set-Cookie` values for which [`keeps`](Self::keeps)
/// is false, appends [`purges`](Self::purges) as `Set-Cookie` values, and adds
/// `Vary: Cookie` when [`add_vary`](Self::add_vary) says so. Nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseOutcome {
    /// Indices of the `Set-Cookie` values to remove, ascending.
    stripped: Vec<usize>,
    purges: Vec<String>,
    add_vary: bool,
    consent_state: Option<ConsentState>,
}

impl ResponseOutcome {
    /// Whether the `Set-Cookie` value at `index` (in response order) stays.
    pub fn keeps(&self, index: usize) -> bool {
        self.stripped.binary_search(&index).is_err()
    }

    /// Indices of the `Set-Cookie` values to remove, ascending.
    pub fn stripped(&self) -> &[usize] {
        &self.stripped
    }

    /// `Set-Cookie` values to append that expire cookies no longer allowed.
    pub fn purges(&self) -> &[String] {
        &self.purges
    }

    /// Whether to add `Vary: Cookie`.
    pub fn add_vary(&self) -> bool {
        self.add_vary
    }

    /// The state of the consent in force for this response.
    pub fn consent_state(&self) -> ConsentState {
        self.consent_state.unwrap_or(ConsentState::Missing)
    }

    /// Whether the response's headers stay exactly as they are.
    pub fn leaves_headers_unchanged(&self) -> bool {
        self.stripped.is_empty() && self.purges.is_empty() && !self.add_vary
    }
}

/// A marker an adapter puts in a response's extensions once it has been
/// reviewed, so that outer layers pass it through unchanged: the innermost
/// layer, the one closest to the route, decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reviewed;

impl Policy {
    /// Reviews one response: decides every `Set-Cookie`, the purge and `Vary`.
    ///
    /// - `consent`: the request's, from [`Policy::read_consent`]; a consent cookie
    ///   set (or removed) by the response itself takes precedence.
    /// - `request_cookies`: the request's `Cookie` header values, for the purge.
    /// - `set_cookies`: the response's `Set-Cookie` values, in order.
    /// - `vary`: the response's `Vary` values, so `Cookie` is not added twice.
    /// - `observer`: called with every [`Event`], for metrics.
    ///
    /// Events also go to `tracing` (target `cookie_consent`). In report-only
    /// mode the outcome leaves the headers unchanged and events say
    /// `enforced: false`. A response without `Set-Cookie` whose consent allows
    /// every category it could purge costs no allocation.
    ///
    /// ```
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
    /// let set_cookies = ["session=new; Path=/; HttpOnly", "_ga=GA1.1.2; Path=/"];
    /// let outcome = policy.review_response(&consent, cookie_headers, set_cookies, [""; 0], None);
    /// assert!(outcome.keeps(0) && !outcome.keeps(1));
    /// assert_eq!(outcome.purges(), ["_ga=; Max-Age=0; Path=/"]);
    /// assert!(outcome.add_vary());
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn review_response<C, S, V>(
        &self,
        consent: &Consent,
        request_cookies: C,
        set_cookies: S,
        vary: V,
        observer: Observer<'_>,
    ) -> ResponseOutcome
    where
        C: IntoIterator,
        C::Item: AsRef<[u8]>,
        S: IntoIterator + Clone,
        S::Item: AsRef<[u8]>,
        V: IntoIterator,
        V::Item: AsRef<[u8]>,
    {
        let now = unix_now();
        let enforced = self.enforcement() == Enforcement::Enforce;
        let in_force = self.consent_set_by_response(consent, set_cookies.clone(), now);
        let consent = in_force.as_ref().unwrap_or(consent);

        let mut outcome = ResponseOutcome {
            consent_state: Some(consent.state()),
            ..ResponseOutcome::default()
        };
        let mut depends_on_consent = false;
        for (index, value) in set_cookies.clone().into_iter().enumerate() {
            let judgement = self.judge(consent, value.as_ref(), now);
            depends_on_consent |= judgement.consulted_consent;
            if judgement.undeclared {
                Event::Undeclared { name: judgement.name }.emit(observer);
            }
            match judgement.verdict {
                Verdict::Keep => {
                    Event::Kept { name: judgement.name, category: judgement.category }.emit(observer);
                }
                Verdict::Strip { name, category, reason } => {
                    Event::Stripped { name, category, reason, enforced }.emit(observer);
                    if enforced {
                        outcome.stripped.push(index);
                    }
                }
            }
        }

        // Nothing can be purged while every category is granted.
        if consent.granted_set() != self.inner.all || !consent.policy().same_as(self) {
            let response_sets = |name: &str| {
                set_cookies
                    .clone()
                    .into_iter()
                    .any(|v| set_cookie_name(v.as_ref()) == Some(name))
            };
            let context = PurgeContext { response_sets, enforced, observer };
            depends_on_consent |= self.purge(consent, request_cookies, context, &mut outcome.purges);
        }

        outcome.add_vary = enforced
            && depends_on_consent
            && self.inner.settings.vary
            && !vary.into_iter().any(|v| varies_on_cookie(v.as_ref()));
        outcome
    }

    /// The consent the response itself sets, if it sets (or removes) the consent cookie.
    fn consent_set_by_response<S>(&self, request: &Consent, set_cookies: S, now: i64) -> Option<Consent>
    where
        S: IntoIterator,
        S::Item: AsRef<[u8]>,
    {
        let name = self.inner.consent_name();
        let mut in_force = None;
        for value in set_cookies {
            let value = value.as_ref();
            if set_cookie_name(value) != Some(name) {
                continue;
            }
            let Some(cookie) = parse_set_cookie(value, now) else { continue };
            let mut reading = Reading::MISSING;
            if !cookie.removal {
                reading.add(self, set_cookie_value(value), now);
            }
            // The browser applies them in order: the last one wins.
            in_force = Some(reading);
        }
        in_force.map(|reading| reading.into_consent(self, request.signals()))
    }
}

/// The value of a `Set-Cookie`: after the first `=`, up to the first `;`.
fn set_cookie_value(set_cookie: &[u8]) -> &[u8] {
    let after_eq = set_cookie.iter().position(|&b| b == b'=').map_or(&[][..], |eq| &set_cookie[eq + 1..]);
    let end = after_eq.iter().position(|&b| b == b';').unwrap_or(after_eq.len());
    after_eq[..end].trim_ascii()
}

/// Whether a `Vary` value already covers `Cookie` (or everything).
fn varies_on_cookie(vary: &[u8]) -> bool {
    vary.split(|&b| b == b',').any(|field| {
        let field = field.trim_ascii();
        field == b"*" || field.eq_ignore_ascii_case(b"cookie")
    })
}
