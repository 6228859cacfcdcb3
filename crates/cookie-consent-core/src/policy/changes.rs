//! What changed for visitors between two versions of a policy, and whether
//! it needs re-consent (DESIGN §14, §19). A change needs every visitor asked
//! again when it widens what consent covers: a new non-essential category or
//! cookie, a cookie moved into another non-essential category, or a changed
//! purpose of a non-essential cookie. Consent given before covers none of
//! them, so `revision` must increase (which makes older consent outdated).
//! A longer retention or a signal no longer honoured needs visitors told.

use super::CookieRule;
use super::{Policy, ESSENTIAL};
use crate::category::Category;

/// One change between two policies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The change as a line: `+ cookie `_ga` (analytics)`.
    pub text: String,
    /// Why it needs re-consent, when it does.
    pub reconsent: Option<&'static str>,
    /// What visitors must be told of it, when they must (not a re-consent).
    pub notice: Option<&'static str>,
}

impl Policy {
    /// What changed for visitors from `old` to this policy, categories
    /// first, each in file order; each says whether it needs every visitor
    /// asked again, or told.
    pub fn changes_since(&self, old: &Policy) -> Vec<Change> {
        let new = self;
        let mut changes = Vec::new();
        let change = |text: String, reconsent| Change {
            text,
            reconsent,
            notice: None,
        };
        let find =
            |categories: &'_ [Category], id: &str| categories.iter().find(|c| c.id == id).cloned();
        for category in new.categories() {
            match find(old.categories(), &category.id) {
                None => {
                    let reason = (category.id != ESSENTIAL).then_some("a new category");
                    changes.push(change(format!("+ category `{}`", category.id), reason));
                }
                Some(before) => {
                    for (field, a, b) in [
                        ("title", &before.title, &category.title),
                        ("description", &before.description, &category.description),
                    ] {
                        if a != b {
                            let text =
                                format!("~ category `{}`: {field} \"{a}\" → \"{b}\"", category.id);
                            changes.push(change(text, None));
                        }
                    }
                    if before.honor_gpc != category.honor_gpc {
                        let text = format!(
                            "~ category `{}`: honor_gpc {} → {}",
                            category.id, before.honor_gpc, category.honor_gpc
                        );
                        changes.push(Change {
                            notice: before.honor_gpc.then_some(
                                "a privacy signal (Global Privacy Control) is no longer honoured",
                            ),
                            ..change(text, None)
                        });
                    }
                }
            }
        }
        for category in old.categories() {
            if find(new.categories(), &category.id).is_none() {
                changes.push(change(format!("- category `{}`", category.id), None));
            }
        }
        let find =
            |rules: &'_ [CookieRule], name: &str| rules.iter().find(|r| r.name == name).cloned();
        for rule in new.cookies() {
            let optional = rule.category != ESSENTIAL;
            match find(old.cookies(), &rule.name) {
                None => {
                    let reason = optional.then_some("a new non-essential cookie");
                    changes.push(change(
                        format!("+ cookie `{}` ({})", rule.name, rule.category),
                        reason,
                    ));
                }
                Some(before) => {
                    if before.category != rule.category {
                        let reason = optional.then_some("a cookie in another category");
                        let text = format!(
                            "~ cookie `{}`: category `{}` → `{}`",
                            rule.name, before.category, rule.category
                        );
                        changes.push(change(text, reason));
                    }
                    for (field, a, b) in [
                        ("purpose", &before.purpose, &rule.purpose),
                        ("provider", &before.provider, &rule.provider),
                        ("expiry", &before.expiry, &rule.expiry),
                    ] {
                        if a != b {
                            let reason =
                                (optional && field == "purpose").then_some("a changed purpose");
                            let text =
                                format!("~ cookie `{}`: {field} \"{a}\" → \"{b}\"", rule.name);
                            let longer = field == "expiry"
                                && matches!(
                                    (before.retention_days(), rule.retention_days()),
                                    (Some(was), Some(now)) if now > was
                                );
                            changes.push(Change {
                                notice: longer.then_some("the cookie is kept longer"),
                                ..change(text, reason)
                            });
                        }
                    }
                }
            }
        }
        for rule in old.cookies() {
            if find(new.cookies(), &rule.name).is_none() {
                changes.push(change(
                    format!("- cookie `{}` ({})", rule.name, rule.category),
                    None,
                ));
            }
        }
        // Resources (§20) load and read the device as cookies do: a new one
        // of a non-essential category widens what consent covers.
        let category_of = |policy: &Policy, pattern: &str| {
            policy
                .resources()
                .iter()
                .find(|r| r.pattern == pattern)
                .map(|r| r.category.clone())
        };
        for resource in new.resources() {
            let optional = resource.category != ESSENTIAL;
            match category_of(old, &resource.pattern) {
                None => changes.push(change(
                    format!("+ resource `{}` ({})", resource.pattern, resource.category),
                    optional.then_some("a new non-essential resource"),
                )),
                Some(before) if before != resource.category => changes.push(change(
                    format!(
                        "~ resource `{}`: category `{before}` → `{}`",
                        resource.pattern, resource.category
                    ),
                    optional.then_some("a resource in another category"),
                )),
                Some(_) => {}
            }
        }
        for resource in old.resources() {
            if category_of(new, &resource.pattern).is_none() {
                changes.push(change(
                    format!("- resource `{}` ({})", resource.pattern, resource.category),
                    None,
                ));
            }
        }
        changes
    }
}
