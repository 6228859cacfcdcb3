//! Deciding one `Set-Cookie` (§4 of the design).

use crate::clock::Now;
use crate::consent::{Consent, ConsentState};
use crate::policy::{Policy, UnknownRule};
use crate::syntax::{is_removal, set_cookie_name, set_cookie_pair_name};

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
#[non_exhaustive]
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
pub(crate) struct Decision<'a> {
    pub(crate) verdict: Verdict<'a>,
    pub(crate) name: &'a str,
    pub(crate) category: Option<&'a str>,
    /// The verdict depended on the visitor's consent (so responses must `Vary: Cookie`).
    pub(crate) consulted_consent: bool,
    /// No rule declares the name.
    pub(crate) undeclared: bool,
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
        self.decide_value(consent, set_cookie.as_ref(), &Now::lazy(), false)
            .verdict
    }

    /// Judges one value. `consulted_needed`: whether the review still needs
    /// to know if the verdict depended on consent (for `Vary`); once it knows,
    /// a granted cookie's attributes need not be read.
    #[inline]
    pub(crate) fn decide_value<'a>(
        &'a self,
        consent: &Consent,
        value: &'a [u8],
        now: &Now,
        consulted_needed: bool,
    ) -> Decision<'a> {
        let inner = &self.inner;
        let decision = |verdict, name, category, consulted_consent, undeclared| Decision {
            verdict,
            name,
            category,
            consulted_consent,
            undeclared,
        };
        // The common `name=value` with a declared exact name, read in place.
        let (name, rule, after_name) = match inner.names.exact_at_start(value) {
            Some((name, rule)) => (name, Some(rule), &value[name.len()..]),
            None => {
                let Some((name, after_name)) = set_cookie_pair_name(value) else {
                    let name = set_cookie_name(value).unwrap_or("");
                    let strip = Verdict::Strip {
                        name,
                        category: None,
                        reason: StripReason::Malformed,
                    };
                    return decision(strip, name, None, false, false);
                };
                (name, inner.lookup(name), after_name)
            }
        };
        // Deleting is never a privacy risk; read only when it matters.
        let removal = || is_removal(after_name, now);
        let category_of = |rule: Option<usize>| rule.map(|r| inner.rule_category[r]);
        if name == inner.consent_name() {
            let category = category_of(rule).map(|c| inner.category_id(c));
            return decision(Verdict::Keep, name, category, false, false);
        }
        let (index, undeclared) = match category_of(rule) {
            Some(index) => (index, false),
            None if removal() => return decision(Verdict::Keep, name, None, false, false),
            None => match inner.unknown {
                UnknownRule::Keep => return decision(Verdict::Keep, name, None, false, true),
                UnknownRule::Strip => {
                    let strip = Verdict::Strip {
                        name,
                        category: None,
                        reason: StripReason::Undeclared,
                    };
                    return decision(strip, name, None, false, true);
                }
                UnknownRule::Category(index) => (index, true),
            },
        };
        let category = Some(inner.category_id(index));
        if index == 0 {
            return decision(Verdict::Keep, name, category, false, undeclared);
        }
        if consent.grants_index(self, index) {
            // A removal is kept whatever the consent: then it did not count.
            let consulted = !consulted_needed || !removal();
            return decision(Verdict::Keep, name, category, consulted, undeclared);
        }
        if removal() {
            return decision(Verdict::Keep, name, category, false, false);
        }
        let strip = Verdict::Strip {
            name,
            category,
            reason: refusal(consent, self, index),
        };
        decision(strip, name, category, true, undeclared)
    }
}

/// Why `consent` does not grant the category at `index` of `policy`: the
/// signal that denied it, else the state that capped the grants, else the
/// visitor's own choice.
pub(crate) fn refusal(consent: &Consent, policy: &Policy, index: usize) -> StripReason {
    let recorded = if policy.same_as(&consent.policy) {
        consent.recorded.contains(index)
    } else {
        consent
            .policy
            .category_index(&policy.categories()[index].id)
            .is_some_and(|i| consent.recorded.contains(i))
    };
    if recorded {
        if consent.signals.gpc {
            StripReason::Gpc
        } else {
            StripReason::Dnt
        }
    } else if consent.capped {
        match consent.state {
            ConsentState::Missing => StripReason::Missing,
            ConsentState::Outdated => StripReason::Outdated,
            ConsentState::Expired => StripReason::Expired,
            ConsentState::Invalid => StripReason::Invalid,
            ConsentState::Valid => StripReason::NotGranted,
        }
    } else {
        StripReason::NotGranted
    }
}

#[cfg(any(test, fuzzing))]
/// §4 of the design step by step, reading each value the general way:
/// the reference the judge's shortcuts (names read in place, attributes
/// read only when they matter) are held to.
pub(crate) fn decide_by_the_steps<'a>(
    policy: &'a Policy,
    consent: &Consent,
    value: &'a [u8],
    now: i64,
) -> (Verdict<'a>, &'a str, Option<&'a str>, bool, bool) {
    let inner = &policy.inner;
    let Some((name, after_name)) = set_cookie_pair_name(value) else {
        let name = set_cookie_name(value).unwrap_or("");
        let strip = Verdict::Strip {
            name,
            category: None,
            reason: StripReason::Malformed,
        };
        return (strip, name, None, false, false);
    };
    let rule_category = inner.lookup(name).map(|r| inner.rule_category[r]);
    if name == inner.consent_name() || is_removal(after_name, &Now::at(now)) {
        let category = rule_category.map(|c| inner.category_id(c));
        return (Verdict::Keep, name, category, false, false);
    }
    let (index, undeclared) = match (rule_category, &inner.unknown) {
        (Some(index), _) => (index, false),
        (None, UnknownRule::Keep) => return (Verdict::Keep, name, None, false, true),
        (None, UnknownRule::Strip) => {
            let strip = Verdict::Strip {
                name,
                category: None,
                reason: StripReason::Undeclared,
            };
            return (strip, name, None, false, true);
        }
        (None, UnknownRule::Category(index)) => (*index, true),
    };
    let category = Some(inner.category_id(index));
    if index == 0 {
        return (Verdict::Keep, name, category, false, undeclared);
    }
    if consent.grants_index(policy, index) {
        return (Verdict::Keep, name, category, true, undeclared);
    }
    let reason = refusal(consent, policy, index);
    (
        Verdict::Strip {
            name,
            category,
            reason,
        },
        name,
        category,
        true,
        undeclared,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Signals;

    const POLICY: &str = r#"
        [[categories]]
        id = "functional"
        [[categories]]
        id = "analytics"
        [[categories]]
        id = "marketing"
        honor_gpc = true
        [[cookies]]
        name = "session"
        category = "essential"
        [[cookies]]
        name = "theme"
        category = "functional"
        [[cookies]]
        name = "_ga"
        category = "analytics"
        [[cookies]]
        name = "_ga_*"
        category = "marketing"
        [[cookies]]
        name = "_ga_keep*"
        category = "essential"
    "#;

    fn policy(settings: &str) -> Policy {
        Policy::from_toml_str(&format!("{settings}\n{POLICY}")).unwrap()
    }

    fn granting(policy: &Policy, categories: &str) -> Consent {
        let json = format!(r#"{{"categories":{{{categories}}}}}"#);
        policy.read_consent([format!("cookie-preferences={json}")], Signals::default())
    }

    fn strip<'a>(name: &'a str, category: Option<&'a str>, reason: StripReason) -> Verdict<'a> {
        Verdict::Strip {
            name,
            category,
            reason,
        }
    }

    #[test]
    fn malformed_values_are_stripped() {
        let p = policy("");
        let c = granting(&p, r#""analytics":true"#);
        assert_eq!(
            p.decide(&c, "no-equals-sign"),
            strip("", None, StripReason::Malformed)
        );
        assert_eq!(
            p.decide(&c, "=value"),
            strip("", None, StripReason::Malformed)
        );
        assert_eq!(p.decide(&c, ""), strip("", None, StripReason::Malformed));
        assert_eq!(
            p.decide(&c, b"\xff\xfe=1".as_slice()),
            strip("", None, StripReason::Malformed)
        );
    }

    #[test]
    fn non_utf8_values_are_judged_by_their_name() {
        let p = policy("");
        let c = granting(&p, "");
        assert_eq!(
            p.decide(&c, b"session=\xff; Path=/".as_slice()),
            Verdict::Keep
        );
        assert_eq!(
            p.decide(&c, b"_ga=\xff; Path=/".as_slice()),
            strip("_ga", Some("analytics"), StripReason::NotGranted)
        );
    }

    #[test]
    fn the_consent_cookie_passes() {
        let p = policy("");
        let c = granting(&p, "");
        assert_eq!(
            p.decide(&c, "cookie-preferences=%7B%7D; Path=/"),
            Verdict::Keep
        );
    }

    #[test]
    fn removal_cookies_pass_without_consent() {
        let p = policy("");
        let c = p.read_consent([""; 0], Signals::default());
        for removal in [
            "_ga=; Max-Age=0",
            "_ga=x; Max-Age=-1; Path=/",
            "_ga=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "undeclared=; Max-Age=0",
        ] {
            assert_eq!(p.decide(&c, removal), Verdict::Keep, "{removal}");
        }
        // Max-Age wins over Expires: this sets the cookie for an hour.
        assert!(p
            .decide(
                &c,
                "_ga=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
            )
            .is_strip());
        assert!(p
            .decide(&c, "_ga=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT")
            .is_strip());
    }

    #[test]
    fn essential_cookies_pass_whatever_the_consent() {
        let p = policy("");
        for consent in [
            p.read_consent([""; 0], Signals::default()),
            p.read_consent(
                ["cookie-preferences=x"],
                Signals {
                    gpc: true,
                    dnt: true,
                },
            ),
        ] {
            assert_eq!(
                p.decide(&consent, "session=abc; HttpOnly; Secure"),
                Verdict::Keep
            );
            assert_eq!(p.decide(&consent, "_ga_keep1=1"), Verdict::Keep);
        }
    }

    #[test]
    fn granted_categories_pass_and_others_are_stripped_with_a_reason() {
        let p = policy("");
        let c = granting(&p, r#""analytics":true"#);
        assert_eq!(
            p.decide(&c, "_ga=GA1; Path=/; Max-Age=63072000"),
            Verdict::Keep
        );
        assert_eq!(
            p.decide(&c, "theme=dark"),
            strip("theme", Some("functional"), StripReason::NotGranted)
        );
        let missing = p.read_consent([""; 0], Signals::default());
        assert_eq!(
            p.decide(&missing, "_ga=1"),
            strip("_ga", Some("analytics"), StripReason::Missing)
        );
        let gpc = p.read_consent(
            ["cookie-preferences={\"categories\":{\"marketing\":true}}"],
            Signals {
                gpc: true,
                dnt: false,
            },
        );
        assert_eq!(
            p.decide(&gpc, "_ga_X=1"),
            strip("_ga_X", Some("marketing"), StripReason::Gpc)
        );
    }

    #[test]
    fn exact_names_then_the_longest_prefix_and_case_matters() {
        let p = policy("");
        let c = granting(&p, r#""analytics":true"#);
        assert_eq!(
            p.decide(&c, "_ga=1"),
            Verdict::Keep,
            "exact `_ga` is analytics, not the `_ga_*` prefix"
        );
        assert_eq!(
            p.decide(&c, "_ga_ABC=1"),
            strip("_ga_ABC", Some("marketing"), StripReason::NotGranted)
        );
        assert_eq!(
            p.decide(&c, "_ga_keepme=1"),
            Verdict::Keep,
            "the longer `_ga_keep*` prefix wins"
        );
        assert_eq!(
            p.decide(&c, "_GA=1"),
            strip("_GA", None, StripReason::Undeclared)
        );
        assert_eq!(
            p.decide(&c, "Session=1"),
            strip("Session", None, StripReason::Undeclared)
        );
    }

    #[test]
    fn unknown_cookies_follow_the_policy() {
        let strip_policy = policy("");
        let c = granting(&strip_policy, r#""analytics":true"#);
        assert_eq!(
            strip_policy.decide(&c, "x=1"),
            strip("x", None, StripReason::Undeclared)
        );
        let keep = policy("unknown_cookies = \"keep\"");
        assert_eq!(keep.decide(&granting(&keep, ""), "x=1"), Verdict::Keep);
        let as_analytics = policy("unknown_cookies = \"analytics\"");
        assert_eq!(
            as_analytics.decide(&granting(&as_analytics, r#""analytics":true"#), "x=1"),
            Verdict::Keep
        );
        assert_eq!(
            as_analytics.decide(&granting(&as_analytics, ""), "x=1"),
            strip("x", Some("analytics"), StripReason::NotGranted)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// The judge's shortcuts decide every value as §4 does step by step.
        #[test]
        fn the_judge_follows_the_design_steps(
            settings in proptest::prop_oneof![
                proptest::strategy::Just(""),
                proptest::strategy::Just("unknown_cookies = \"keep\""),
                proptest::strategy::Just("unknown_cookies = \"analytics\""),
            ],
            granted in "(\"functional\":true,)?(\"analytics\":true,)?(\"marketing\":false)?",
            before in "[ \t]{0,1}",
            name in "(session|theme|_ga|_ga_x|_ga_keep1|cookie-preferences|other|_g|them|[a-z_;=]{0,4})",
            between in "[ ]{0,1}",
            attributes in "(; Path=/)?(; Max-Age=(0|-1|60|x))?(; Expires=(Thu, 01 Jan 1970 00:00:00 GMT|Fri, 01 Jan 2100 00:00:00 GMT))?",
        ) {
            let policy = policy(settings);
            let consent = granting(&policy, granted.trim_end_matches(','));
            let text = format!("{before}{name}{between}=v{attributes}");
            let now = 1_763_800_000;
            let judged = policy.decide_value(&consent, text.as_bytes(), &Now::at(now), true);
            let judged = (judged.verdict, judged.name, judged.category, judged.consulted_consent, judged.undeclared);
            proptest::prop_assert_eq!(judged, decide_by_the_steps(&policy, &consent, text.as_bytes(), now), "{}", text);
        }
    }

    #[test]
    fn names_are_trimmed_but_values_never_rewritten() {
        let p = policy("");
        let c = granting(&p, "");
        assert_eq!(p.decide(&c, "  session =a"), Verdict::Keep);
        assert_eq!(
            p.decide(&c, " theme=1"),
            strip("theme", Some("functional"), StripReason::NotGranted)
        );
    }
}
