//! What the review of a response reports: to `tracing` (target
//! `cookie_consent`) and to an optional observer, for metrics.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use crate::decision::StripReason;
use crate::TARGET;

/// One thing the review of a response did or, in report-only mode, would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A `Set-Cookie` passed.
    Kept {
        /// Cookie name.
        name: &'a str,
        /// Its category, when the policy knows the name.
        category: Option<&'a str>,
    },
    /// A `Set-Cookie` was stripped (`enforced: false`: would have been, in report-only mode).
    Stripped {
        /// Cookie name (empty when malformed beyond that).
        name: &'a str,
        /// Its category, when the policy knows the name.
        category: Option<&'a str>,
        /// Why.
        reason: StripReason,
        /// False in report-only mode.
        enforced: bool,
    },
    /// A cookie of the request was expired (`enforced: false`: would have been).
    Purged {
        /// Cookie name.
        name: &'a str,
        /// Its category.
        category: &'a str,
        /// False in report-only mode.
        enforced: bool,
    },
    /// The response set a cookie the policy does not declare.
    Undeclared {
        /// Cookie name.
        name: &'a str,
    },
}

/// An observer of events, such as a metrics counter.
pub type Observer<'o> = Option<&'o (dyn Fn(&Event<'_>) + Send + Sync)>;

/// Names already warned about; bounded, since an application may make names up.
const MAX_WARNED: usize = 1024;

impl Event<'_> {
    pub(crate) fn emit(&self, observer: Observer<'_>) {
        match *self {
            Event::Kept { .. } => {}
            Event::Stripped {
                name,
                category,
                reason,
                enforced,
            } => tracing::debug!(
                target: TARGET,
                name,
                category = category.unwrap_or(""),
                reason = reason.as_str(),
                enforced,
                "Set-Cookie stripped"
            ),
            Event::Purged {
                name,
                category,
                enforced,
            } => tracing::debug!(
                target: TARGET,
                name,
                category,
                reason = "purge",
                enforced,
                "cookie expired after consent was withdrawn"
            ),
            Event::Undeclared { name } => warn_undeclared_once(name),
        }
        if let Some(observer) = observer {
            observer(self);
        }
    }
}

/// What an undeclared name usually means, for the names that new users meet.
fn undeclared_hint(name: &str) -> &'static str {
    match name {
        "id" => {
            "`id` is tower-sessions' session cookie: strip it and every login fails; declare it \
             essential, or name it with `SessionManagerLayer::with_name`"
        }
        "session" | "actix-session" => "a session cookie: declare it essential, or logins fail",
        _ => {
            "cookies set by a middleware are judged only when the consent layer sits outside it \
             (axum: `.layer(ConsentLayer)` after `.layer(CookieManagerLayer)`; actix: \
             `.wrap(ConsentMiddleware)` last)"
        }
    }
}

/// The policy-file entry that declares `name` as essential: valid TOML, to paste.
pub(crate) fn declaration(name: &str) -> String {
    // A JSON string is a TOML basic string: quotes, backslashes and controls escaped.
    let quoted = serde_json::to_string(name).unwrap_or_default();
    format!("[[cookies]]\nname = {quoted}\ncategory = \"essential\"\n")
}

fn warn_undeclared_once(name: &str) {
    static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let warned = WARNED.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked while logging; go on.
    let mut warned = warned
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if warned.len() >= MAX_WARNED || warned.contains(name) {
        return;
    }
    warned.insert(name.to_owned());
    tracing::warn!(
        target: TARGET,
        name,
        hint = undeclared_hint(name),
        "the response sets cookie `{name}`, which the policy does not declare, so \
         `unknown_cookies` decides its fate (by default: stripped); declare it in the policy \
         file (its real category in place of essential; reported once per name):\n{}",
        declaration(name)
    );
    if warned.len() == MAX_WARNED {
        tracing::warn!(target: TARGET, "{MAX_WARNED} undeclared cookie names reported; no more will be");
    }
}
