//! `diff OLD NEW`: what changed for visitors between two policies, and the
//! re-consent verdict (DESIGN §14). A change needs every visitor asked again
//! when it widens what consent covers: a new non-essential category or
//! cookie, a cookie moved into another non-essential category, or a changed
//! purpose of a non-essential cookie. Consent given before covers none of
//! them, so `revision` must increase (which makes older consent outdated).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use cookie_consent_core::{Category, CookieRule, Policy, ESSENTIAL};

use crate::{emit, load, Outcome};

/// One change: its line, why it needs re-consent if it does, and what
/// visitors must be told of it if they must (a notice, not a re-consent).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) text: String,
    pub(crate) reconsent: Option<&'static str>,
    pub(crate) notice: Option<&'static str>,
}

pub(crate) fn run(old: &Path, new: &Path) -> Outcome {
    let (old, new) = (load(old)?, load(new)?);
    let changes = changes(&old, &new);
    let mut out = String::new();
    for change in &changes {
        match (change.reconsent, change.notice) {
            (Some(reason), _) => {
                let _ = writeln!(out, "{} — needs re-consent: {reason}", change.text);
            }
            (None, Some(notice)) => {
                let _ = writeln!(out, "{} — tell visitors: {notice}", change.text);
            }
            (None, None) => {
                let _ = writeln!(out, "{}", change.text);
            }
        }
    }
    let needed = changes
        .iter()
        .find_map(|c| c.reconsent.map(|r| (r, &c.text)));
    let (from, to) = (old.revision(), new.revision());
    let code = match needed {
        None if changes.is_empty() => {
            out.push_str("no change for visitors\n");
            0
        }
        None => {
            let _ = writeln!(out, "no re-consent needed (revision {from} → {to})");
            0
        }
        Some(_) if to > from => {
            let _ = writeln!(
                out,
                "re-consent needed: revision {from} → {to} asks every visitor again"
            );
            0
        }
        Some((reason, text)) => {
            let _ = writeln!(
                out,
                "re-consent needed ({reason}: {text}), but `revision` stays {to}: set it to {} or more",
                from + 1
            );
            3
        }
    };
    emit(&out)?;
    Ok(ExitCode::from(code))
}

/// The changes from `old` to `new`, categories first, each in file order.
pub(crate) fn changes(old: &Policy, new: &Policy) -> Vec<Change> {
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
    let find = |rules: &'_ [CookieRule], name: &str| rules.iter().find(|r| r.name == name).cloned();
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
                        let text = format!("~ cookie `{}`: {field} \"{a}\" → \"{b}\"", rule.name);
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
    changes
}
