//! Judging what the browser held: each cookie by the policy, as the layer
//! would judge it under the pass's consent.

use cookie_consent_core::{ConsentChoice, Policy, Signals};

use super::consent;

/// The three passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pass {
    NoConsent,
    Rejected,
    Accepted,
}

impl Pass {
    pub(super) const ALL: [Pass; 3] = [Pass::NoConsent, Pass::Rejected, Pass::Accepted];

    pub(super) fn name(self) -> &'static str {
        match self {
            Pass::NoConsent => "no-consent",
            Pass::Rejected => "after-reject",
            Pass::Accepted => "after-accept",
        }
    }

    /// The consent cookie the pass starts with.
    pub(super) fn choice(self) -> Option<ConsentChoice> {
        match self {
            Pass::NoConsent => None,
            Pass::Rejected => Some(ConsentChoice::RejectOptional),
            Pass::Accepted => Some(ConsentChoice::AcceptAll),
        }
    }

    /// The finding for a cookie the pass's consent does not allow.
    fn violation(self) -> Option<Finding> {
        match self {
            Pass::NoConsent => Some(Finding::BeforeConsent),
            Pass::Rejected => Some(Finding::AfterReject),
            Pass::Accepted => None,
        }
    }
}

/// One cookie the browser held after a pass, judged.
#[derive(Debug)]
pub(super) struct Found {
    pub(super) pass: Pass,
    pub(super) name: String,
    pub(super) domain: String,
    pub(super) path: String,
    /// Unix seconds; `None` for a session cookie.
    pub(super) expires: Option<f64>,
    pub(super) category: Option<String>,
    pub(super) findings: Vec<Finding>,
}

/// What is wrong with a cookie the browser held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Finding {
    /// The policy does not declare it.
    Undeclared,
    /// Set although no consent was given, and not essential.
    BeforeConsent,
    /// Set after the visitor rejected its category.
    AfterReject,
}

impl Finding {
    pub(super) fn name(self) -> &'static str {
        match self {
            Finding::Undeclared => "undeclared",
            Finding::BeforeConsent => "before-consent",
            Finding::AfterReject => "after-reject",
        }
    }

    /// A breach of consent, not only of the declaration: exit 1.
    pub(super) fn is_violation(self) -> bool {
        self != Finding::Undeclared
    }
}

/// The cookies of one pass, judged by the policy as the layer would judge them.
pub(super) fn judge(policy: &Policy, pass: Pass, cookies: Vec<serde_json::Value>) -> Vec<Found> {
    // The consent the site reads from this jar: the pass's own, checked when
    // it was established.
    let header = consent::jar_header(&cookies);
    let consent = policy.read_consent([header.as_str()], Signals::default());
    let mut found: Vec<Found> = cookies
        .iter()
        .filter_map(|cookie| {
            let name = cookie["name"].as_str()?.to_owned();
            // The consent cookies themselves (the policy's, a CMP's) are not judged.
            if policy.is_consent_cookie(&name) {
                return None;
            }
            let rule = policy.rule_for(&name);
            let mut findings = Vec::new();
            if rule.is_none() {
                findings.push(Finding::Undeclared);
            }
            if policy.decide(&consent, &format!("{name}=v")).is_strip() {
                findings.extend(pass.violation());
            }
            let session = cookie["session"].as_bool().unwrap_or(false);
            Some(Found {
                pass,
                domain: cookie["domain"].as_str().unwrap_or_default().to_owned(),
                path: cookie["path"].as_str().unwrap_or_default().to_owned(),
                expires: cookie["expires"].as_f64().filter(|_| !session),
                category: rule.map(|r| r.category.clone()),
                name,
                findings,
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.domain, &a.name).cmp(&(&b.domain, &b.name)));
    found
}
