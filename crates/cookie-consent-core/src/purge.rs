//! Expiring cookies after consent was withdrawn (§5 of the design).
//!
//! Scripts in the browser set most tracking cookies, so stripping
//! `Set-Cookie` is not enough: the server expires, by name, each declared
//! cookie the request still carries whose category is not granted.

use crate::consent::{cookie_pairs, Consent};
use crate::event::{Event, Observer};
use crate::policy::{is_cookie_name, Policy};

/// What a purge needs to know of the response.
pub(crate) struct PurgeContext<'r, F> {
    /// Whether the response itself sets or removes a cookie of this name.
    pub(crate) response_sets: F,
    pub(crate) enforced: bool,
    pub(crate) observer: Observer<'r>,
}

impl Policy {
    /// Appends to `out` the expiring `Set-Cookie` values for the request's cookies
    /// that `consent` no longer allows; returns whether anything was purged.
    pub(crate) fn purge<C, F>(
        &self,
        consent: &Consent,
        request_cookies: C,
        context: PurgeContext<'_, F>,
        out: &mut Vec<String>,
    ) -> bool
    where
        C: IntoIterator,
        C::Item: AsRef<[u8]>,
        F: Fn(&str) -> bool,
    {
        let inner = &self.inner;
        let max = inner.settings.max_purge;
        // Names already handled, kept apart from `out` so report-only dedups too.
        let mut purged: Vec<String> = Vec::new();
        let mut count = 0;
        for header in request_cookies {
            for (name, _) in cookie_pairs(header.as_ref()) {
                if count >= max {
                    return !purged.is_empty();
                }
                let Ok(name) = std::str::from_utf8(name) else {
                    continue;
                };
                if name == inner.consent_name() {
                    continue;
                }
                let Some(rule_index) = inner.lookup(name) else {
                    continue;
                };
                let category = inner.rule_category[rule_index];
                if category == 0 || consent.grants_index(self, category) {
                    continue;
                }
                // Only token names: anything else could not be written back safely.
                if !is_cookie_name(name.as_bytes())
                    || (context.response_sets)(name)
                    || purged.iter().any(|p| p == name)
                {
                    continue;
                }
                let rule = &inner.rules[rule_index];
                let path = rule.path.as_deref().unwrap_or("/");
                let domains = std::iter::once(None).chain(rule.domain.as_deref().map(Some));
                for domain in domains {
                    if count >= max {
                        break;
                    }
                    count += 1;
                    if context.enforced {
                        out.push(match domain {
                            None => format!("{name}=; Max-Age=0; Path={path}"),
                            Some(domain) => {
                                format!("{name}=; Max-Age=0; Path={path}; Domain={domain}")
                            }
                        });
                    }
                }
                Event::Purged {
                    name,
                    category: inner.category_id(category),
                    enforced: context.enforced,
                }
                .emit(context.observer);
                purged.push(name.to_owned());
            }
        }
        !purged.is_empty()
    }
}
