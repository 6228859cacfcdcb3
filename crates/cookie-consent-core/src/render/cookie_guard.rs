//! The cookie guard (DESIGN §11): §4's decision, in the page. Scripts write
//! most analytics cookies through `document.cookie`, where no `Set-Cookie`
//! filter sees them; this inline script, first in `<head>`, drops every such
//! write the visitor's consent does not allow.

use std::fmt::Write as _;

use super::script_open;
use crate::consent::Consent;
use crate::policy::{Policy, UnknownRule};

/// The guard's code, after its data: `cookie_guard.js` beside this file,
/// readable beside the decision it repeats (§4 and the removal rules of
/// `syntax/expiry.rs`), shipped as written.
const GUARD: &str = include_str!("cookie_guard.js");

/// The reader of the first consent source's cookie, so that the guard learns
/// a choice the CMP writes (`readChoice`); only the one a policy needs is sent.
fn cmp_reader(format: Option<&str>) -> &'static str {
    match format {
        Some("vanilla-cookieconsent") => concat!(
            include_str!("cmp/json.js"),
            include_str!("cmp/vanilla-cookieconsent.js")
        ),
        Some("klaro") => concat!(include_str!("cmp/json.js"), include_str!("cmp/klaro.js")),
        Some("cookiebot") => include_str!("cmp/cookiebot.js"),
        Some("onetrust") => include_str!("cmp/onetrust.js"),
        Some("cookieyes") => include_str!("cmp/cookieyes.js"),
        Some("complianz") => include_str!("cmp/complianz.js"),
        Some("tcf") => include_str!("cmp/tcf.js"),
        _ => include_str!("cmp/none.js"),
    }
}

/// `unknown_cookies` in the guard's data: a category index, or these.
const UNKNOWN_STRIP: i64 = -1;
const UNKNOWN_KEEP: i64 = -2;

impl Policy {
    /// The cookie guard for this visitor: one small inline `<script>` (with
    /// `nonce` for a Content-Security-Policy), generated from the policy's
    /// names, prefixes, categories and `unknown_cookies` and from what
    /// `consent` grants. Put it first in `<head>`, before any script that
    /// may write cookies.
    ///
    /// In the page it drops each write through `document.cookie` and the
    /// Cookie Store API (`cookieStore.set`) whose cookie the consent does not
    /// allow — the same decision as the layer's for `Set-Cookie` — and lets
    /// removals through, the consent cookie unless it is signed (then only
    /// the server writes it), and the cookies of the policy's consent sources
    /// (a CMP must store its choice). When the CMP writes its cookie, the
    /// guard reads it (a small reader for the first source's format, `cmp/`)
    /// and the page's later writes follow the new choice at once. It defines
    /// `window.cookieConsent`: `granted` (the granted category ids),
    /// `allows(id)`, and `update(ids)`, for a JavaScript banner to call when
    /// the visitor chooses, so later writes follow the new choice without a
    /// reload. Its hooks sit on the prototypes, where a page cannot remove
    /// them, and reach every same-origin frame and window the page opens.
    /// About 14 KiB of readable code plus the policy's names (under 5 KiB
    /// compressed); no dependency.
    ///
    /// ```
    /// # use cookie_consent_core::{Policy, Signals};
    /// let policy = Policy::from_toml_str(r#"
    ///     [[categories]]
    ///     id = "analytics"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     category = "analytics"
    /// "#)?;
    /// let consent = policy.read_consent([""], Signals::default());
    /// let guard = policy.render_cookie_guard(&consent, None);
    /// assert!(guard.contains(r#"e={"_ga":1}"#));
    /// assert!(guard.contains("g=[true,false]"));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn render_cookie_guard(&self, consent: &Consent, nonce: Option<&str>) -> String {
        let inner = &self.inner;
        let mut exact = serde_json::Map::new();
        let mut prefixes: Vec<(&str, usize)> = Vec::new();
        for (rule, &category) in inner.rules.iter().zip(&inner.rule_category) {
            match rule.prefix() {
                Some(prefix) => prefixes.push((prefix, category)),
                None => {
                    exact.insert(rule.name.clone(), category.into());
                }
            }
        }
        // The longest prefix first: the first that matches is the one §4 takes.
        prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let unknown = match inner.unknown {
            UnknownRule::Strip => UNKNOWN_STRIP,
            UnknownRule::Keep => UNKNOWN_KEEP,
            UnknownRule::Category(index) => i64::try_from(index).unwrap_or(UNKNOWN_STRIP),
        };
        let ids: Vec<&str> = self.categories().iter().map(|c| c.id.as_str()).collect();
        // A page rendered from consent: the read is noted, so the response varies on it.
        let _ = consent.granted_set();
        let granted: Vec<bool> = (0..ids.len())
            .map(|i| i == 0 || consent.grants_index(self, i))
            .collect();
        // What the request's privacy signals deny, whatever a CMP records.
        let signalled = consent.signals.gpc || (consent.signals.dnt && inner.settings.honor_dnt);
        let denied: Vec<bool> = (0..ids.len())
            .map(|i| signalled && inner.gpc.contains(i))
            .collect();
        let json = |value: serde_json::Value| script_safe(&value.to_string());
        let mut out = script_open(nonce);
        let _ = write!(
            out,
            "(function(d,w){{var n={},e={},p={},u={unknown},c={},g={},s={},k={},x={},q={},t={};\n{GUARD}{}}})(document,window);</script>\n",
            json(inner.consent_name().into()),
            json(exact.into()),
            json(serde_json::json!(prefixes)),
            json(serde_json::json!(ids)),
            json(serde_json::json!(granted)),
            u8::from(self.signs_consent()),
            json(self.guard_sources()),
            json(serde_json::json!(self.guard_source_extras())),
            json(serde_json::json!(denied)),
            json(self.guard_storage()),
            cmp_reader(
                self.consent_source_formats()
                    .next()
                    .filter(|f| *f != "cookie-consent")
            ),
        );
        out
    }

    /// The consent sources, for the guard: `[format, cookie, ids, required]`,
    /// `required` giving for each category the indexes of the ids that must
    /// all be granted (none: the source cannot grant it).
    fn guard_sources(&self) -> serde_json::Value {
        let sources: Vec<serde_json::Value> = self
            .inner
            .sources
            .iter()
            .filter(|source| source.format != crate::source::Format::CookieConsent)
            .map(|source| {
                let required: Vec<Vec<usize>> = source
                    .required
                    .iter()
                    .map(|mask| {
                        (0..source.ids.len())
                            .filter(|i| mask & (1 << i) != 0)
                            .collect()
                    })
                    .collect();
                serde_json::json!([source.format.id(), &*source.cookie, source.ids, required])
            })
            .collect();
        serde_json::Value::Array(sources)
    }

    /// The storage keys (§20), for the guard: `[key or prefix, 1 when a
    /// prefix, category index]`, the longest first so the first that matches
    /// is the most specific.
    fn guard_storage(&self) -> serde_json::Value {
        let mut keys: Vec<(&str, u8, usize)> = self
            .storage()
            .iter()
            .zip(&self.inner.storage)
            .map(|(rule, &category)| match rule.key.strip_suffix('*') {
                Some(prefix) => (prefix, 1, category),
                None => (rule.key.as_str(), 0, category),
            })
            .collect();
        // Exact keys before prefixes of the same length; longer before shorter.
        keys.sort_by_key(|&(key, prefix, _)| (std::cmp::Reverse(key.len()), prefix));
        serde_json::json!(keys)
    }

    /// Other cookies a CMP or a signal source stores: OneTrust's
    /// `OptanonAlertBoxClosed`, the GPP and US Privacy strings when honoured.
    fn guard_source_extras(&self) -> Vec<&str> {
        let inner = &self.inner;
        let mut extras = Vec::new();
        if inner
            .sources
            .iter()
            .any(|s| s.format == crate::source::Format::OneTrust)
        {
            extras.push("OptanonAlertBoxClosed");
        }
        if inner.settings.honor_gpp {
            extras.push(inner.settings.gpp_cookie.as_str());
        }
        if inner.settings.honor_usp {
            extras.push("usprivacy");
        }
        extras
    }
}

/// JSON that cannot end the `<script>` it sits in.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::GUARD;
    use crate::{Policy, Signals};

    #[test]
    fn the_data_follows_the_policy_and_the_code_stays_small() {
        let policy = Policy::from_toml_str(
            "unknown_cookies = \"analytics\"\n[[categories]]\nid = \"analytics\"\n\
             [[cookies]]\nname = \"_ga_*\"\ncategory = \"analytics\"\n\
             [[cookies]]\nname = \"_g*\"\ncategory = \"essential\"\n\
             [[cookies]]\nname = \"sid\"\ncategory = \"essential\"\n",
        )
        .unwrap();
        let consent = policy.read_consent([""], Signals::default());
        let guard = policy.render_cookie_guard(&consent, Some("n1"));
        assert!(
            guard.starts_with("<script nonce=\"n1\">(function(d,w){var n=\"cookie-preferences\",e={\"sid\":0},p=[[\"_ga_\",1],[\"_g\",0]],u=1,c=[\"essential\",\"analytics\"],g=[true,false],s=0,k=[],x=[],q=[false,false],t=[];\n"),
            "{guard}"
        );
        assert!(guard.ends_with("})(document,window);</script>\n"));
        assert!(
            GUARD.len() < 18_000,
            "the guard's code is {} bytes",
            GUARD.len()
        );
    }
}
