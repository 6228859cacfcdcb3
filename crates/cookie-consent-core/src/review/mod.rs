//! Reviewing one response: every `Set-Cookie` decided, the purge, `Vary`.

mod nesting;
mod purge;

use crate::clock::Now;
use crate::consent::{Consent, ConsentState, Decider, Reading};
use crate::decision::Verdict;
use crate::event::{Event, Observer};
use crate::policy::{Enforcement, Policy};
use crate::syntax::{is_named, is_removal, set_cookie_pair_name, set_cookie_value};
pub use nesting::NestingMark;
use purge::PurgeContext;

/// What to do to one response's headers, decided by [`Policy::review_response`].
///
/// An adapter removes the `Set-Cookie` values for which [`keeps`](Self::keeps)
/// is false, appends [`purges`](Self::purges) as `Set-Cookie` values, and
/// appends [`vary`](Self::vary) to `Vary` when there is one. Nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Review {
    stripped: Stripped,
    purges: Vec<String>,
    vary: Option<&'static str>,
    consent_state: Option<ConsentState>,
}

impl Review {
    /// Whether the `Set-Cookie` value at `index` (in response order) stays.
    #[inline]
    pub fn keeps(&self, index: usize) -> bool {
        !self.stripped.contains(index)
    }

    /// Whether any `Set-Cookie` value goes.
    #[inline]
    pub fn strips_any(&self) -> bool {
        !self.stripped.is_empty()
    }

    /// Indices of the `Set-Cookie` values to remove, ascending.
    pub fn stripped(&self) -> impl Iterator<Item = usize> + '_ {
        self.stripped.iter()
    }

    /// `Set-Cookie` values to append that expire cookies no longer allowed.
    #[inline]
    pub fn purges(&self) -> &[String] {
        &self.purges
    }

    /// The value to append as a `Vary` header, when the response depends on
    /// consent and does not vary on it yet: `Cookie`, with `Sec-GPC` and `DNT`
    /// when the policy honours them, less what `Vary` already names.
    #[inline]
    pub fn vary(&self) -> Option<&'static str> {
        self.vary
    }

    /// Whether a `Vary` value is to be appended.
    pub fn add_vary(&self) -> bool {
        self.vary.is_some()
    }

    /// The state of the consent in force for this response.
    pub fn consent_state(&self) -> ConsentState {
        self.consent_state.unwrap_or(ConsentState::Missing)
    }

    /// Whether the response's headers stay exactly as they are.
    pub fn leaves_headers_unchanged(&self) -> bool {
        !self.strips_any() && self.purges.is_empty() && self.vary.is_none()
    }
}

/// The indices of the `Set-Cookie` values to remove: a bit each for the first
/// 64, so the common response needs no list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Stripped {
    first_64: u64,
    /// Indices from 64 on, ascending.
    beyond: Vec<usize>,
}

impl Stripped {
    #[inline]
    fn contains(&self, index: usize) -> bool {
        if index < 64 {
            self.first_64 & (1 << index) != 0
        } else {
            self.beyond.binary_search(&index).is_ok()
        }
    }

    fn is_empty(&self) -> bool {
        self.first_64 == 0 && self.beyond.is_empty()
    }

    /// Adds `index`, larger than any before.
    #[inline]
    fn insert(&mut self, index: usize) {
        if index < 64 {
            self.first_64 |= 1 << index;
        } else {
            self.beyond.push(index);
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let mut bits = self.first_64;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let index = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                index
            })
        })
        .chain(self.beyond.iter().copied())
    }
}

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
    /// - `observer`: called with every [`Event`], for metrics.
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

        // What enforcement strips; report-only reports it and strips nothing.
        let mut strips = Stripped::default();
        // A handler that read the consent rendered from it.
        let mut depends_on_consent = consent_from_request.was_read();
        for (index, value) in set_cookies.into_iter().enumerate() {
            if judged_inside.as_ref().is_some_and(|judged| judged[index]) {
                continue;
            }
            let decision = self.decide_value(consent, value.as_ref(), now, !depends_on_consent);
            depends_on_consent |= decision.consulted_consent;
            if decision.undeclared {
                Event::Undeclared {
                    name: decision.name,
                }
                .emit(observer);
            }
            match decision.verdict {
                // Kept values are not logged: only an observer hears of them.
                Verdict::Keep if observer.is_some() => {
                    Event::Kept {
                        name: decision.name,
                        category: decision.category,
                    }
                    .emit(observer);
                }
                Verdict::Keep => {}
                Verdict::Strip {
                    name,
                    category,
                    reason,
                } => {
                    Event::Stripped {
                        name,
                        category,
                        reason,
                        enforced,
                    }
                    .emit(observer);
                    strips.insert(index);
                }
            }
        }

        let mut purges = Vec::new();
        // Nothing to purge while the request carries no cookie of a category
        // the consent in force refuses (a consent read against another policy
        // does not know: look). A reviewed response was purged inside.
        let request = consent_from_request;
        let may_purge = mark.is_none()
            && (!request.policy().same_as(self)
                || !request
                    .present()
                    .without(consent.granted_quietly())
                    .is_empty());
        if may_purge {
            // Only what the response still sets once stripped values are gone.
            let strips = &strips;
            let response_sets = |name: &str| {
                set_cookies
                    .into_iter()
                    .enumerate()
                    .any(|(i, v)| !strips.contains(i) && is_named(v.as_ref(), name))
            };
            let context = PurgeContext {
                response_sets,
                observer,
                enforced,
            };
            depends_on_consent |= self.purge(consent, request_cookies, context, &mut purges);
        }

        let consent_state = Some(consent.state_quietly());
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

    /// The `Vary` value a response that depends on consent needs: `Cookie`,
    /// and the signals the policy honours, less those `vary` names already.
    fn vary_value<V>(&self, vary: V) -> Option<&'static str>
    where
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        let mut needed = VaryOn::COOKIE;
        if !self.inner.gpc.is_empty() {
            needed |= VaryOn::SEC_GPC;
        }
        if self.inner.settings.honor_dnt {
            needed |= VaryOn::DNT;
        }
        for value in vary {
            needed &= !VaryOn::named_in(value.as_ref());
        }
        VaryOn::value(needed)
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
                reading.add(self, set_cookie_value(value), now);
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

/// The request headers a response that depends on consent varies on, as bits.
struct VaryOn;

impl VaryOn {
    const COOKIE: u8 = 1;
    const SEC_GPC: u8 = 2;
    const DNT: u8 = 4;
    const ALL: u8 = 7;

    /// The bits a `Vary` value names (`*` names them all).
    fn named_in(vary: &[u8]) -> u8 {
        vary.split(|&b| b == b',')
            .map(|field| {
                let field = field.trim_ascii();
                if field == b"*" {
                    VaryOn::ALL
                } else if field.eq_ignore_ascii_case(b"cookie") {
                    VaryOn::COOKIE
                } else if field.eq_ignore_ascii_case(b"sec-gpc") {
                    VaryOn::SEC_GPC
                } else if field.eq_ignore_ascii_case(b"dnt") {
                    VaryOn::DNT
                } else {
                    0
                }
            })
            .fold(0, |bits, bit| bits | bit)
    }

    /// The header value naming `bits`, none when no bit is set.
    fn value(bits: u8) -> Option<&'static str> {
        const VALUES: [&str; 8] = [
            "",
            "Cookie",
            "Sec-GPC",
            "Cookie, Sec-GPC",
            "DNT",
            "Cookie, DNT",
            "Sec-GPC, DNT",
            "Cookie, Sec-GPC, DNT",
        ];
        (bits != 0).then(|| VALUES[usize::from(bits & VaryOn::ALL)])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::consent::{ConsentChoice, Signals};
    use crate::decision::StripReason;

    const POLICY: &str = r#"
        [[categories]]
        id = "functional"
        [[categories]]
        id = "analytics"
        [[cookies]]
        name = "session"
        category = "essential"
        [[cookies]]
        name = "theme"
        category = "functional"
        path = "/app"
        [[cookies]]
        name = "_ga"
        category = "analytics"
        domain = ".example.com"
        [[cookies]]
        name = "_gid"
        category = "analytics"
        [[cookies]]
        name = "sentry-*"
        category = "analytics"
    "#;

    fn policy(settings: &str) -> Policy {
        Policy::from_toml_str(&format!("{settings}\n{POLICY}")).unwrap()
    }

    const ALL: &str = r#"cookie-preferences={"categories":{"functional":true,"analytics":true}}"#;
    const NONE: &str = r#"cookie-preferences={"categories":{}}"#;

    fn review(p: &Policy, cookie: &str, set_cookies: &[&str], vary: &[&str]) -> Review {
        let consent = p.read_consent([cookie], Signals::default());
        let headers = ResponseHeaders {
            request_cookies: [cookie],
            set_cookies,
            vary,
            mark: None,
        };
        p.review_response(&consent, headers, None)
    }

    /// The headers of a response whose `Vary` is empty.
    fn plain<'m, C, S>(
        request_cookies: C,
        set_cookies: S,
    ) -> ResponseHeaders<'m, C, S, [&'m str; 0]> {
        ResponseHeaders {
            request_cookies,
            set_cookies,
            vary: [],
            mark: None,
        }
    }

    fn kept<'a>(outcome: &Review, set_cookies: &[&'a str]) -> Vec<&'a str> {
        set_cookies
            .iter()
            .enumerate()
            .filter(|(i, _)| outcome.keeps(*i))
            .map(|(_, v)| *v)
            .collect()
    }

    #[test]
    fn kept_values_stay_in_order_and_stripped_ones_go() {
        let p = policy("");
        let set = [
            "session=1",
            "_ga=2",
            "theme=3",
            "x=4",
            "session=5; Max-Age=0",
        ];
        let outcome = review(&p, "", &set, &[]);
        assert_eq!(kept(&outcome, &set), ["session=1", "session=5; Max-Age=0"]);
        assert_eq!(outcome.stripped().collect::<Vec<_>>(), [1, 2, 3]);
        assert!(outcome.add_vary());
    }

    #[test]
    fn values_past_the_sixty_fourth_are_judged_alike() {
        let p = policy("");
        let set: Vec<String> = (0..70)
            .map(|i| format!("{}={i}", ["session", "_ga", "theme"][i % 3]))
            .collect();
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let outcome = review(&p, "", &set, &[]);
        let expected: Vec<usize> = (0..70).filter(|i| i % 3 != 0).collect();
        assert_eq!(outcome.stripped().collect::<Vec<_>>(), expected);
        assert!(outcome.keeps(63) && !outcome.keeps(64) && !outcome.keeps(65) && outcome.keeps(66));
        assert!(!outcome.keeps(68) && outcome.keeps(69) && outcome.keeps(1000));
    }

    #[test]
    fn a_response_without_set_cookie_and_all_granted_changes_nothing() {
        let p = policy("");
        let outcome = review(&p, &format!("{ALL}; _ga=1"), &[], &[]);
        assert!(outcome.leaves_headers_unchanged());
        assert_eq!(outcome.consent_state(), ConsentState::Valid);
    }

    #[test]
    fn the_consent_set_by_the_response_is_in_force() {
        let p = policy("");
        let accept = p.write_consent(&ConsentChoice::AcceptAll);
        let reject = p.write_consent(&ConsentChoice::RejectOptional);
        // No consent in the request, but the response records acceptance.
        let set = [accept.as_str(), "_ga=1"];
        let outcome = review(&p, "", &set, &[]);
        assert_eq!(kept(&outcome, &set), set);
        assert_eq!(outcome.consent_state(), ConsentState::Valid);
        // Everything granted in the request, but the response withdraws it: strip and purge at once.
        let set = [reject.as_str(), "_ga=1"];
        let outcome = review(&p, &format!("{ALL}; _gid=1"), &set, &[]);
        assert_eq!(kept(&outcome, &set), [reject.as_str()]);
        assert_eq!(outcome.purges(), ["_gid=; Max-Age=0; Path=/"]);
        // The last consent cookie of the response wins.
        let set = [reject.as_str(), accept.as_str(), "_ga=1"];
        assert!(review(&p, "", &set, &[]).keeps(2));
    }

    #[test]
    fn a_response_that_removes_the_consent_cookie_is_judged_as_missing() {
        let p = policy("");
        let reset = p.write_consent(&ConsentChoice::Reset);
        let set = [reset.as_str(), "theme=1"];
        let outcome = review(&p, ALL, &set, &[]);
        assert_eq!(outcome.consent_state(), ConsentState::Missing);
        assert_eq!(kept(&outcome, &set), [reset.as_str()]);
    }

    #[test]
    fn purge_expires_declared_cookies_no_longer_granted() {
        let p = policy("");
        let cookie = format!("{NONE}; _ga=1; theme=2; session=3; unknown=4; sentry-abc=5");
        let outcome = review(&p, &cookie, &[], &[]);
        assert_eq!(
            outcome.purges(),
            [
                "_ga=; Max-Age=0; Path=/",
                "_ga=; Max-Age=0; Path=/; Domain=.example.com",
                "theme=; Max-Age=0; Path=/app",
                "sentry-abc=; Max-Age=0; Path=/",
            ]
        );
        assert!(outcome.add_vary());
    }

    #[test]
    fn purge_skips_granted_essential_undeclared_and_what_the_response_sets() {
        let p = policy("");
        let analytics = r#"cookie-preferences={"categories":{"analytics":true}}"#;
        let cookie = format!("{analytics}; _ga=1; theme=2; session=3; unknown=4");
        // theme is not granted, but the response already removes it.
        let outcome = review(&p, &cookie, &["theme=; Max-Age=0; Path=/app"], &[]);
        assert!(outcome.purges().is_empty(), "{:?}", outcome.purges());
        assert!(!outcome.add_vary());
    }

    #[test]
    fn a_stripped_set_cookie_does_not_stop_the_purge_of_its_name() {
        let p = policy("");
        let outcome = review(&p, &format!("{NONE}; _gid=old"), &["_gid=new"], &[]);
        assert_eq!(outcome.stripped().collect::<Vec<_>>(), [0]);
        assert_eq!(outcome.purges(), ["_gid=; Max-Age=0; Path=/"]);
    }

    #[test]
    fn purge_is_capped_deduplicated_and_only_for_token_names() {
        let p = policy("max_purge = 3");
        let cookie =
            format!("{NONE}; _gid=1; _gid=2; sentry-a=1; sentry-b=2; sentry-c=3; sentry-d=4");
        let outcome = review(&p, &cookie, &[], &[]);
        assert_eq!(
            outcome.purges(),
            [
                "_gid=; Max-Age=0; Path=/",
                "sentry-a=; Max-Age=0; Path=/",
                "sentry-b=; Max-Age=0; Path=/"
            ]
        );
        let cookie = format!("{NONE}; sentry-a b=1; sentry-\u{e9}=2; sentry-(=3");
        assert!(review(&p, &cookie, &[], &[]).purges().is_empty());
        let zero = policy("max_purge = 0");
        assert!(review(&zero, &format!("{NONE}; _gid=1"), &[], &[])
            .purges()
            .is_empty());
    }

    #[test]
    fn vary_is_added_once_and_only_when_consent_mattered() {
        let p = policy("");
        assert!(review(&p, "", &["_ga=1"], &[]).add_vary());
        assert!(
            review(&p, ALL, &["_ga=1"], &["Accept-Encoding"]).add_vary(),
            "kept by consent still depends on it"
        );
        assert!(!review(&p, "", &["_ga=1"], &["accept-encoding, Cookie"]).add_vary());
        assert!(!review(&p, "", &["_ga=1"], &["*"]).add_vary());
        assert!(!review(&p, "", &["session=1", "x=1", "_ga=; Max-Age=0"], &[]).add_vary());
        assert!(!review(&policy("vary = false"), "", &["_ga=1"], &[]).add_vary());
    }

    #[test]
    fn report_only_decides_and_reports_but_changes_nothing() {
        let p = policy("enforcement = \"report-only\"");
        let events = Mutex::new(Vec::new());
        let observer = |event: &Event<'_>| events.lock().unwrap().push(format!("{event:?}"));
        let cookie = format!("{NONE}; _gid=1");
        let consent = p.read_consent([cookie.as_str()], Signals::default());
        let outcome = p.review_response(
            &consent,
            plain([cookie.as_str()], ["_ga=1"]),
            Some(&observer),
        );
        assert!(outcome.leaves_headers_unchanged());
        assert_eq!(
            *events.lock().unwrap(),
            [
                r#"Stripped { name: "_ga", category: Some("analytics"), reason: NotGranted, enforced: false }"#,
                r#"Purged { name: "_gid", category: "analytics", enforced: false }"#,
            ]
        );
    }

    #[test]
    fn the_observer_sees_every_decision() {
        let p = policy("");
        let events = Mutex::new(Vec::new());
        let observer = |event: &Event<'_>| events.lock().unwrap().push(format!("{event:?}"));
        let consent = p.read_consent([ALL], Signals::default());
        p.review_response(
            &consent,
            plain([ALL], ["session=1", "_ga=1", "odd=1", "broken"]),
            Some(&observer),
        );
        assert_eq!(
            *events.lock().unwrap(),
            [
                r#"Kept { name: "session", category: Some("essential") }"#,
                r#"Kept { name: "_ga", category: Some("analytics") }"#,
                r#"Undeclared { name: "odd" }"#,
                r#"Stripped { name: "odd", category: None, reason: Undeclared, enforced: true }"#,
                r#"Stripped { name: "", category: None, reason: Malformed, enforced: true }"#,
            ]
        );
    }

    #[test]
    fn gpc_from_the_request_applies_to_consent_set_by_the_response() {
        let p = Policy::from_toml_str("[[categories]]\nid = \"ads\"\nhonor_gpc = true\n[[cookies]]\nname = \"ad\"\ncategory = \"ads\"").unwrap();
        let accept = p.write_consent(&ConsentChoice::AcceptAll);
        let consent = p.read_consent(
            [""; 0],
            Signals {
                gpc: true,
                dnt: false,
            },
        );
        let outcome = p.review_response(&consent, plain([""; 0], [accept.as_str(), "ad=1"]), None);
        assert!(outcome.keeps(0) && !outcome.keeps(1));
    }

    #[test]
    fn a_consent_from_another_policy_is_matched_by_category_id() {
        let site = policy("");
        let billing = site
            .to_builder()
            .cookie(crate::CookieRule::new("__stripe_mid", "essential"))
            .build()
            .unwrap();
        let consent = site.read_consent(
            [r#"cookie-preferences={"categories":{"analytics":true}}"#],
            Signals::default(),
        );
        let outcome = billing.review_response(
            &consent,
            plain([""; 0], ["__stripe_mid=1", "_ga=1", "theme=1"]),
            None,
        );
        assert_eq!(outcome.stripped().collect::<Vec<_>>(), [2]);
        assert_eq!(
            billing.decide(&consent, "theme=1"),
            Verdict::Strip {
                name: "theme",
                category: Some("functional"),
                reason: StripReason::NotGranted
            }
        );
    }
}
