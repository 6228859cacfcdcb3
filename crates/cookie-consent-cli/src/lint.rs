//! The lint warnings of `check` (DESIGN §14): what a valid policy may still
//! get wrong for the people it informs.

use cookie_consent_core::{Policy, ESSENTIAL};

/// One warning: the line it concerns (when found in the text), the field and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Warning {
    pub(crate) line: Option<usize>,
    pub(crate) field: String,
    pub(crate) message: String,
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

/// The warnings for `policy`, whose text is `text` (for line numbers).
pub(crate) fn lint(policy: &Policy, text: &str) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for (i, category) in policy.categories().iter().enumerate() {
        let line = line_of(text, &["id"], &category.id);
        if line.is_none() && category.id == ESSENTIAL {
            // Added by the library, not written in the file.
            continue;
        }
        let warn = |key: &str, message: String| Warning {
            line,
            field: format!("categories[{i}].{key}"),
            message,
        };
        if category.description.is_empty() {
            let message = format!(
                "category `{}` has no description: visitors choose without knowing what it covers",
                category.id
            );
            warnings.push(warn("description", message));
        }
        let marketing = category.id.contains("marketing") || category.id.contains("advertising");
        if marketing && !category.honor_gpc {
            let message = format!("category `{}` looks like marketing but does not honour GPC: set `honor_gpc = true` (a sale or share opt-out under US state laws)", category.id);
            warnings.push(warn("honor_gpc", message));
        }
    }
    for (i, rule) in policy.cookies().iter().enumerate() {
        if rule.name == policy.consent_cookie().name {
            continue;
        }
        let line = line_of(text, &["name"], &rule.name);
        let warn = |key: &str, message: String| Warning {
            line,
            field: format!("cookies[{i}].{key}"),
            message,
        };
        for (key, value) in [("provider", &rule.provider), ("purpose", &rule.purpose)] {
            if value.is_empty() {
                let message = format!(
                    "cookie `{}` has no {key}: the policy page shows an empty cell",
                    rule.name
                );
                warnings.push(warn(key, message));
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
                warnings.push(warn("expiry", message));
            }
        }
        let provider = rule.provider.to_ascii_lowercase();
        if essential && TRACKERS.iter().any(|t| provider.contains(t)) {
            let message = format!(
                "cookie `{}` of {} is declared essential: a tracking provider's cookie passes without consent",
                rule.name, rule.provider
            );
            warnings.push(warn("category", message));
        }
    }
    // The policy page lists what it declares: the consent cookies too.
    for name in policy.consent_cookie_names() {
        let declared = policy.cookies().iter().any(|rule| rule.name == name);
        if !declared {
            let days = policy.consent_cookie().max_age_days;
            let expiry = if name == policy.consent_cookie().name {
                format!("{days} days")
            } else {
                "1 year".to_owned()
            };
            warnings.push(Warning {
                line: None,
                field: "cookies".to_owned(),
                message: format!(
                    "the consent cookie `{name}` is not declared: the policy page must list it; add\n\
                     [[cookies]]\nname = {}\ncategory = \"essential\"\npurpose = \"Remembers your cookie choices\"\nexpiry = \"{expiry}\"",
                    serde_json::json!(name)
                ),
            });
        }
    }
    if !policy.consent_cookie().sign {
        let line = text
            .lines()
            .position(|l| l.trim() == "[consent_cookie]")
            .map(|index| index + 1);
        warnings.push(Warning {
            line,
            field: "consent_cookie.sign".to_owned(),
            message: "the consent cookie is not signed: any script on the page can write a consent \
                      that grants every category; set `sign = true` under `[consent_cookie]` and give \
                      the application its keys (`Policy::with_signing_keys`; the demo sites read \
                      `CONSENT_KEYS`)"
                .to_owned(),
        });
    }
    warnings.sort_by_key(|w| w.line);
    warnings
}

/// The line of the entry whose `key` is `value` (`name = "_ga"` in TOML,
/// `"name": "_ga"` in JSON): the first such line.
fn line_of(text: &str, keys: &[&str], value: &str) -> Option<usize> {
    let quoted = format!("\"{value}\"");
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches('{').trim_start();
            keys.iter().any(|key| {
                let rest = line
                    .strip_prefix(key)
                    .or_else(|| line.strip_prefix(&format!("\"{key}\"")));
                rest.map(|r| r.trim_start().trim_start_matches(['=', ':']).trim_start())
                    .is_some_and(|r| r.starts_with(&quoted))
            })
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod expiry_lint {
    use cookie_consent_core::Policy;

    use super::lint;

    /// An expiry already in days is not repeated in the message.
    #[test]
    fn a_retention_in_days_is_said_once() {
        let text = "[[categories]]\nid = \"analytics\"\ndescription = \"Counts.\"\n\
                    [[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\nprovider = \"Google\"\n\
                    purpose = \"Counts\"\nexpiry = \"400 days\"\n";
        let policy = Policy::from_toml_str(text).unwrap();
        let messages: Vec<String> = lint(&policy, text).into_iter().map(|w| w.message).collect();
        assert!(
            messages
                .contains(&"cookie `_ga` is kept for 400 days, longer than 13 months".to_owned()),
            "{messages:?}"
        );
    }
}
