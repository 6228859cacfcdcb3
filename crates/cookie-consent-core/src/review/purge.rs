//! Expiring cookies after consent was withdrawn (§5 of the design).
//!
//! Scripts in the browser set most tracking cookies, so stripping
//! `Set-Cookie` is not enough: the server expires, by name, each declared
//! cookie the request still carries whose category is not granted.

use crate::consent::Consent;
use crate::event::{Event, Observer};
use crate::policy::{CookieRule, Policy};
use crate::syntax::{cookie_pairs, is_cookie_name, is_named};

/// What a purge needs to know of the response.
pub(crate) struct PurgeContext<'r, F> {
    /// Whether the response itself sets or removes a cookie of this name.
    pub(crate) response_sets: F,
    /// False in report-only mode: the events say so.
    pub(crate) enforced: bool,
    pub(crate) observer: Observer<'r>,
}

impl Policy {
    /// The purge step of a review: nothing while the request carries no
    /// cookie of a category the consent in force refuses (a consent read
    /// against another policy does not know: look). Notes in
    /// `depends_on_consent` whether anything was purged.
    pub(super) fn purge_step<C, F>(
        &self,
        request: &Consent,
        consent: &Consent,
        request_cookies: C,
        context: PurgeContext<'_, F>,
        depends_on_consent: &mut bool,
    ) -> Vec<String>
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        F: Fn(&str) -> bool,
    {
        let mut purges = Vec::new();
        let may_purge = !request.policy().same_as(self)
            || !request
                .present()
                .without(consent.granted_quietly())
                .is_empty();
        if may_purge {
            *depends_on_consent |= self.purge(consent, request_cookies, context, &mut purges);
        }
        purges
    }

    /// Appends to `out` the expiring `Set-Cookie` values for the request's cookies
    /// that `consent` no longer allows; returns whether anything was purged.
    /// Report-only mode computes the same values (the caller drops them), so
    /// its events are exactly what enforcement would append.
    pub(crate) fn purge<C, F>(
        &self,
        consent: &Consent,
        request_cookies: C,
        context: PurgeContext<'_, F>,
        out: &mut Vec<String>,
    ) -> bool
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        F: Fn(&str) -> bool,
    {
        let inner = &self.inner;
        let max = inner.settings.max_purge;
        let before = out.len();
        for header in request_cookies {
            for (name, _) in cookie_pairs(header.as_ref()) {
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
                    || out[before..].iter().any(|p| is_named(p.as_bytes(), name))
                {
                    continue;
                }
                let expiring = expiring(name, &inner.rules[rule_index]);
                // A rule's variants go together or not at all.
                if out.len() - before + expiring.len() > max {
                    return out.len() > before;
                }
                out.extend(expiring);
                Event::Purged {
                    name,
                    category: inner.category_id(category),
                    enforced: context.enforced,
                }
                .emit(context.observer);
            }
        }
        out.len() > before
    }
}

/// The `Set-Cookie` values that expire cookie `name` of `rule`: host-only,
/// and on the rule's domain when it declares one. Browsers ignore a line for
/// a prefixed name that lacks what the prefix demands, and match the prefixes
/// without case (`__HOST-x` is a `__Host-` cookie to Chromium).
fn expiring(name: &str, rule: &CookieRule) -> Vec<String> {
    let prefix = NamePrefix::of(name);
    let demands = match prefix {
        NamePrefix::None => "",
        NamePrefix::Secure | NamePrefix::Host => "; Secure",
        NamePrefix::Http | NamePrefix::HostHttp => "; Secure; HttpOnly",
    };
    if matches!(prefix, NamePrefix::Host | NamePrefix::HostHttp) {
        return vec![format!("{name}=; Max-Age=0; Path=/{demands}")];
    }
    let path = rule.path.as_deref().unwrap_or("/");
    let host_only = format!("{name}=; Max-Age=0; Path={path}{demands}");
    match rule.domain.as_deref() {
        None => vec![host_only],
        Some(domain) => vec![
            host_only,
            format!("{name}=; Max-Age=0; Path={path}; Domain={domain}{demands}"),
        ],
    }
}

/// The cookie-name prefixes browsers enforce: `__Secure-` and `__Http-`
/// need `Secure` (and `HttpOnly`); `__Host-` and `__Host-Http-` also
/// `Path=/` and no `Domain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NamePrefix {
    None,
    Secure,
    Host,
    Http,
    HostHttp,
}

impl NamePrefix {
    fn of(name: &str) -> NamePrefix {
        let starts = |prefix: &str| {
            name.as_bytes()
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
        };
        if starts("__Host-Http-") {
            NamePrefix::HostHttp
        } else if starts("__Host-") {
            NamePrefix::Host
        } else if starts("__Http-") {
            NamePrefix::Http
        } else if starts("__Secure-") {
            NamePrefix::Secure
        } else {
            NamePrefix::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::NamePrefix;

    #[test]
    fn prefixes_are_matched_without_case() {
        assert_eq!(NamePrefix::of("__HOST-sid"), NamePrefix::Host);
        assert_eq!(NamePrefix::of("__host-http-sid"), NamePrefix::HostHttp);
        assert_eq!(NamePrefix::of("__secure-x"), NamePrefix::Secure);
        assert_eq!(NamePrefix::of("__HTTP-x"), NamePrefix::Http);
        assert_eq!(NamePrefix::of("__Hos"), NamePrefix::None);
        assert_eq!(NamePrefix::of("_Host-x"), NamePrefix::None);
    }
}
