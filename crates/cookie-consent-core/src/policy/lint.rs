//! What a valid policy may still get wrong for the people it informs
//! (DESIGN §14, §19): the warnings of `cookie-consent check`.

use super::{Policy, ESSENTIAL};

/// One warning about a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lint {
    /// A stable name for the rule, for machine output: `retention-too-long`.
    pub rule: &'static str,
    /// What it is about.
    pub target: LintTarget,
    /// What is wrong.
    pub message: String,
    /// How to mend it, in words.
    pub help: Option<String>,
    /// The mend, when one can be written for the author.
    pub fix: Option<LintFix>,
}

/// The part of a policy a [`Lint`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintTarget {
    /// A key of the category with this id.
    #[allow(missing_docs)]
    Category { id: String, key: &'static str },
    /// A key of the declared cookie with this name.
    #[allow(missing_docs)]
    Cookie { name: String, key: &'static str },
    /// A key of `[consent_cookie]`.
    #[allow(missing_docs)]
    ConsentCookie { key: &'static str },
    /// The list of cookies as a whole.
    Cookies,
    /// A key of the declared resource with this `match`.
    #[allow(missing_docs)]
    Resource { pattern: String, key: &'static str },
}

/// A mend for a [`Lint`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintFix {
    /// Set the target's key to this TOML value.
    Set(&'static str),
    /// Add this `[[cookies]]` entry (TOML).
    AddCookie(String),
}

impl LintTarget {
    /// The field, as errors name fields: `cookies[_ga].expiry` names the
    /// entry by its id or name, since lints have no index in the file.
    pub fn field(&self) -> String {
        match self {
            LintTarget::Category { id, key } => format!("categories[{id}].{key}"),
            LintTarget::Cookie { name, key } => format!("cookies[{name}].{key}"),
            LintTarget::ConsentCookie { key } => format!("consent_cookie.{key}"),
            LintTarget::Cookies => "cookies".to_owned(),
            LintTarget::Resource { pattern, key } => format!("resources[{pattern}].{key}"),
        }
    }
}

/// The longest a non-essential cookie should be kept: 13 months (the CNIL's
/// recommendation for consent-based trackers), in days.
const MAX_DAYS: f64 = 13.0 * 30.5;

/// Providers whose cookies track visitors: declared essential, they would
/// pass without consent.
const TRACKERS: [&str; 14] = [
    "google analytics",
    "google ads",
    "doubleclick",
    "facebook",
    "meta",
    "microsoft clarity",
    "hotjar",
    "tiktok",
    "linkedin",
    "criteo",
    "mixpanel",
    "amplitude",
    "segment",
    "hubspot",
];

impl Policy {
    /// The warnings `cookie-consent check` gives for this policy: categories
    /// without a description, marketing that ignores GPC, cookies without a
    /// provider or purpose, kept longer than 13 months, or of a tracker but
    /// declared essential, consent cookies the policy page would not list,
    /// an unsigned consent cookie, and resources without a provider or of a
    /// provider none of whose cookies are declared.
    pub fn lints(&self) -> Vec<Lint> {
        let mut lints = Vec::new();
        let lint = |rule, target, message: String, help: Option<String>, fix| Lint {
            rule,
            target,
            message,
            help,
            fix,
        };
        for category in self.categories() {
            let target = |key| LintTarget::Category {
                id: category.id.clone(),
                key,
            };
            if category.description.is_empty() && category.id != ESSENTIAL {
                let message = format!(
                    "category `{}` has no description: visitors choose without knowing what it covers",
                    category.id
                );
                let help = Some("add `description = \"…\"`: what the category's cookies do".into());
                lints.push(lint(
                    "category-without-description",
                    target("description"),
                    message,
                    help,
                    None,
                ));
            }
            let marketing =
                category.id.contains("marketing") || category.id.contains("advertising");
            if marketing && !category.honor_gpc {
                let message = format!(
                    "category `{}` looks like marketing but does not honour GPC",
                    category.id
                );
                let help = Some(
                    "set `honor_gpc = true` (a sale or share opt-out under US state laws)".into(),
                );
                lints.push(lint(
                    "marketing-without-gpc",
                    target("honor_gpc"),
                    message,
                    help,
                    Some(LintFix::Set("true")),
                ));
            }
        }
        let consent_name = &self.consent_cookie().name;
        for rule in self.cookies() {
            if rule.name == *consent_name {
                continue;
            }
            let target = |key| LintTarget::Cookie {
                name: rule.name.clone(),
                key,
            };
            for (key, value) in [("provider", &rule.provider), ("purpose", &rule.purpose)] {
                if value.is_empty() {
                    let message = format!(
                        "cookie `{}` has no {key}: the policy page shows an empty cell",
                        rule.name
                    );
                    let help = Some(format!("add `{key} = \"…\"`"));
                    let name = if key == "provider" {
                        "cookie-without-provider"
                    } else {
                        "cookie-without-purpose"
                    };
                    lints.push(lint(name, target(key), message, help, None));
                }
            }
            let essential = rule.category == ESSENTIAL;
            if !essential {
                if let Some(days) = rule.retention_days().filter(|&d| d > MAX_DAYS) {
                    // "400 days" needs no "(400 days)" after it.
                    let in_days = format!("{days:.0} days");
                    let kept = match rule.expiry.trim() == in_days {
                        true => in_days,
                        false => format!("{} ({in_days})", rule.expiry),
                    };
                    let message = format!(
                        "cookie `{}` is kept for {kept}, longer than 13 months",
                        rule.name
                    );
                    let help = Some(
                        "keep consent-based cookies at most 13 months (CNIL), and set the \
                         cookie's own lifetime to match"
                            .into(),
                    );
                    lints.push(lint(
                        "retention-too-long",
                        target("expiry"),
                        message,
                        help,
                        None,
                    ));
                }
            }
            let provider = rule.provider.to_ascii_lowercase();
            if essential && TRACKERS.iter().any(|t| provider.contains(t)) {
                let message = format!(
                    "cookie `{}` of {} is declared essential: a tracking provider's cookie passes without consent",
                    rule.name, rule.provider
                );
                let help = Some("put it in the category visitors grant for it".into());
                lints.push(lint(
                    "tracker-declared-essential",
                    target("category"),
                    message,
                    help,
                    None,
                ));
            }
        }
        for resource in self.resources() {
            let declared = self
                .cookies()
                .iter()
                .any(|rule| rule.provider.eq_ignore_ascii_case(&resource.provider));
            if !resource.provider.is_empty() && !declared && resource.category != ESSENTIAL {
                let message = format!(
                    "resource `{}` is served by {}, whose cookies the policy does not declare: \
                     the policy page says nothing of what it stores",
                    resource.pattern, resource.provider
                );
                lints.push(lint(
                    "resource-provider-undeclared",
                    LintTarget::Resource {
                        pattern: resource.pattern.clone(),
                        key: "provider",
                    },
                    message,
                    Some(format!(
                        "declare the cookies {} sets (`[[cookies]]` with `provider = \"{}\"`)",
                        resource.provider, resource.provider
                    )),
                    None,
                ));
            }
            if resource.provider.is_empty() {
                let message = format!(
                    "resource `{}` has no provider: its placeholder and the policy page cannot say who serves it",
                    resource.pattern
                );
                lints.push(lint(
                    "resource-without-provider",
                    LintTarget::Resource {
                        pattern: resource.pattern.clone(),
                        key: "provider",
                    },
                    message,
                    Some("add `provider = \"…\"`".into()),
                    None,
                ));
            }
        }
        // The policy page lists what it declares: the consent cookies too.
        for name in self.consent_cookie_names() {
            if self.cookies().iter().any(|rule| rule.name == name) {
                continue;
            }
            let expiry = if name == *consent_name {
                format!("{} days", self.consent_cookie().max_age_days)
            } else {
                "1 year".to_owned()
            };
            let entry = format!(
                "[[cookies]]\nname = {}\ncategory = \"essential\"\npurpose = \"Remembers your cookie choices\"\nexpiry = \"{expiry}\"\n",
                serde_json::Value::String(name.to_owned())
            );
            let message = format!(
                "the consent cookie `{name}` is not declared: the policy page must list it"
            );
            let help = Some(format!("declare it, as essential:\n{entry}"));
            lints.push(lint(
                "consent-cookie-undeclared",
                LintTarget::Cookies,
                message,
                help,
                Some(LintFix::AddCookie(entry)),
            ));
        }
        if !self.consent_cookie().sign {
            let message = "the consent cookie is not signed: any script on the page can write a \
                           consent that grants every category"
                .to_owned();
            let help = Some(
                "set `sign = true` under `[consent_cookie]` and give the application its keys \
                 (`Policy::with_signing_keys`; the demo sites read `CONSENT_KEYS`)"
                    .to_owned(),
            );
            lints.push(lint(
                "consent-unsigned",
                LintTarget::ConsentCookie { key: "sign" },
                message,
                help,
                Some(LintFix::Set("true")),
            ));
        }
        lints
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An expiry already in days is not repeated in the message.
    #[test]
    fn a_retention_in_days_is_said_once() {
        let text = "[[categories]]\nid = \"analytics\"\ndescription = \"Counts.\"\n\
                    [[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\nprovider = \"Google\"\n\
                    purpose = \"Counts\"\nexpiry = \"400 days\"\n";
        let policy = Policy::from_toml_str(text).unwrap();
        let messages: Vec<String> = policy.lints().into_iter().map(|l| l.message).collect();
        assert!(
            messages
                .contains(&"cookie `_ga` is kept for 400 days, longer than 13 months".to_owned()),
            "{messages:?}"
        );
    }
}

#[cfg(test)]
mod resource_lints {
    use super::*;

    /// A resource names its provider, and the cookies that provider sets are declared.
    #[test]
    fn a_resource_needs_a_provider_whose_cookies_are_declared() {
        let text = "[[categories]]\nid = \"marketing\"\ndescription = \"Ads.\"\nhonor_gpc = true\n\
                    [[resources]]\nmatch = \"https://www.youtube.com/embed/\"\ncategory = \"marketing\"\nprovider = \"YouTube\"\n\
                    [[resources]]\nmatch = \"*.pixel.example\"\ncategory = \"marketing\"\n";
        let policy = Policy::from_toml_str(text).unwrap();
        let rules: Vec<(&str, String)> = policy
            .lints()
            .iter()
            .filter(|l| l.rule.starts_with("resource"))
            .map(|l| (l.rule, l.target.field()))
            .collect();
        assert_eq!(
            rules,
            [
                (
                    "resource-provider-undeclared",
                    "resources[https://www.youtube.com/embed/].provider".to_owned()
                ),
                (
                    "resource-without-provider",
                    "resources[*.pixel.example].provider".to_owned()
                ),
            ]
        );
        let declared = format!("{text}[[cookies]]\nname = \"VISITOR_INFO1_LIVE\"\ncategory = \"marketing\"\nprovider = \"YouTube\"\n");
        let policy = Policy::from_toml_str(&declared).unwrap();
        assert!(!policy
            .lints()
            .iter()
            .any(|l| l.rule == "resource-provider-undeclared"));
    }
}
