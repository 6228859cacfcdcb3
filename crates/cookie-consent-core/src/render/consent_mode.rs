//! Google Consent Mode v2 (DESIGN §11): the `gtag("consent", "default", …)`
//! call a page runs before any Google tag, stating for this visitor which of
//! Google's seven consent types the policy's categories grant.

use std::fmt::Write as _;

use super::script_open;
use crate::consent::Consent;
use crate::policy::consent_mode::{ConsentMode, SECURITY, TYPES};
use crate::policy::Policy;

/// Whether type `t` is granted: `security_storage` always; any other when
/// some category lists it and every category that lists it is granted.
fn grants(mode: &ConsentMode, t: usize, consent: &Consent, policy: &Policy) -> bool {
    let by = &mode.granted_by[t];
    t == SECURITY || (!by.is_empty() && by.iter().all(|&i| consent.grants_index(policy, i)))
}

impl Policy {
    /// The Google Consent Mode v2 default for this visitor: one `<script>`
    /// (with `nonce` for a Content-Security-Policy) that defines `dataLayer`
    /// and `gtag` and calls `gtag("consent", "default", {…})` with all seven
    /// types `"granted"` or `"denied"` as `consent` grants the categories that
    /// `[consent_mode]` maps them to, and `wait_for_update`; then
    /// `ads_data_redaction` and `url_passthrough` when the policy sets them.
    /// Put it first in `<head>`, before any Google tag. `None` when the policy
    /// has no `[consent_mode]` table.
    ///
    /// A type listed by several categories is granted only when all of them
    /// are; a type no category lists is denied; `security_storage` is always
    /// granted. Reading `consent` makes the response vary on it, as it must.
    ///
    /// ```
    /// # use cookie_consent_core::{Policy, Signals};
    /// let policy = Policy::from_toml_str(r#"
    ///     [[categories]]
    ///     id = "analytics"
    ///     [consent_mode]
    ///     wait_for_update = 300
    /// "#)?;
    /// let consent = policy.read_consent([""], Signals::default());
    /// let script = policy.render_consent_mode(&consent, Some("r4nd0m")).unwrap();
    /// assert!(script.starts_with(r#"<script nonce="r4nd0m">"#));
    /// assert!(script.contains(r#""analytics_storage":"denied""#));
    /// assert!(script.contains(r#""security_storage":"granted","wait_for_update":300}"#));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn render_consent_mode(&self, consent: &Consent, nonce: Option<&str>) -> Option<String> {
        let mode = self.inner.consent_mode.as_ref()?;
        let mut out = script_open(nonce);
        out.push_str(
            "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}\
             gtag(\"consent\",\"default\",{",
        );
        // A page rendered from consent: note the read, so the response varies on it.
        let _ = consent.granted_set();
        for (t, name) in TYPES.iter().enumerate() {
            let state = if grants(mode, t, consent, self) {
                "granted"
            } else {
                "denied"
            };
            let _ = write!(out, "\"{name}\":\"{state}\",");
        }
        let _ = write!(out, "\"wait_for_update\":{}}});", mode.wait_for_update);
        if mode.ads_data_redaction {
            out.push_str("gtag(\"set\",\"ads_data_redaction\",true);");
        }
        if mode.url_passthrough {
            out.push_str("gtag(\"set\",\"url_passthrough\",true);");
        }
        out.push_str("</script>\n");
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConsentChoice, Policy, Signals};

    const POLICY: &str =
        "[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n\
        [[categories]]\nid = \"marketing\"\nhonor_gpc = true\n";

    fn states(policy: &Policy, consent_cookie: &str, gpc: bool) -> Vec<(String, String)> {
        let signals = Signals { gpc, dnt: false };
        let consent = policy.read_consent([consent_cookie], signals);
        let script = policy.render_consent_mode(&consent, None).unwrap();
        let json = script
            .split("gtag(\"consent\",\"default\",")
            .nth(1)
            .and_then(|rest| rest.split(");").next())
            .unwrap();
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).unwrap();
        object
            .into_iter()
            .filter(|(key, _)| key != "wait_for_update")
            .map(|(key, value)| (key, value.as_str().unwrap().to_owned()))
            .collect()
    }

    fn cookie(policy: &Policy, choice: ConsentChoice) -> String {
        let set_cookie = policy.write_consent(&choice);
        set_cookie.split(';').next().unwrap().to_owned()
    }

    fn granted(states: &[(String, String)]) -> Vec<&str> {
        states
            .iter()
            .filter(|(_, state)| state == "granted")
            .map(|(key, _)| key.as_str())
            .collect()
    }

    #[test]
    fn the_seven_types_follow_the_visitors_consent() {
        let policy = Policy::from_toml_str(&format!("{POLICY}[consent_mode]\n")).unwrap();
        let none = states(&policy, "", false);
        assert_eq!(none.len(), 7, "{none:?}");
        assert_eq!(granted(&none), ["security_storage"]);
        let all = cookie(&policy, ConsentChoice::AcceptAll);
        assert_eq!(granted(&states(&policy, &all, false)).len(), 7);
        let analytics = cookie(&policy, ConsentChoice::Only(vec!["analytics".into()]));
        assert_eq!(
            granted(&states(&policy, &analytics, false)),
            ["analytics_storage", "security_storage"]
        );
        // Sec-GPC denies marketing, which honours it: the ad types follow.
        let with_gpc = states(&policy, &all, true);
        assert_eq!(
            granted(&with_gpc),
            [
                "analytics_storage",
                "functionality_storage",
                "personalization_storage",
                "security_storage"
            ]
        );
    }

    #[test]
    fn the_table_maps_categories_and_settings() {
        let text = format!(
            "{POLICY}[consent_mode]\nanalytics = [\"analytics_storage\", \"ad_user_data\"]\n\
             marketing = [\"ad_storage\", \"ad_user_data\"]\nwait_for_update = 1000\n\
             ads_data_redaction = true\nurl_passthrough = true\n"
        );
        let policy = Policy::from_toml_str(&text).unwrap();
        let analytics = cookie(&policy, ConsentChoice::Only(vec!["analytics".into()]));
        // ad_user_data is listed by analytics and marketing: both must be granted.
        assert_eq!(
            granted(&states(&policy, &analytics, false)),
            ["analytics_storage", "security_storage"]
        );
        let consent = policy.read_consent([analytics.as_str()], Signals::default());
        let script = policy.render_consent_mode(&consent, Some("a\"b")).unwrap();
        assert!(
            script.starts_with("<script nonce=\"a&quot;b\">"),
            "{script}"
        );
        assert!(script.contains("\"wait_for_update\":1000});gtag(\"set\",\"ads_data_redaction\",true);gtag(\"set\",\"url_passthrough\",true);</script>"), "{script}");
        // ad_personalization is no longer listed by anyone: denied.
        let all = cookie(&policy, ConsentChoice::AcceptAll);
        let all = states(&policy, &all, false);
        assert!(all.contains(&("ad_personalization".into(), "denied".into())));
    }

    #[test]
    fn no_table_no_script_and_errors_name_the_line() {
        let policy = Policy::from_toml_str(POLICY).unwrap();
        let consent = policy.read_consent([""], Signals::default());
        assert_eq!(policy.render_consent_mode(&consent, None), None);

        let unknown_category =
            format!("{POLICY}\n[consent_mode]\nwait_for_update = 5\nads = [\"ad_storage\"]\n");
        let err = Policy::from_toml_str(&unknown_category).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 11: field `consent_mode.ads`: unknown category `ads` (categories: essential, functional, analytics, marketing)"
        );
        let unknown_type = format!("{POLICY}[consent_mode]\nanalytics = [\"analytics\"]\n");
        let err = Policy::from_toml_str(&unknown_type).unwrap_err();
        assert_eq!(err.field, "consent_mode.analytics");
        assert_eq!(err.line, Some(9));
        assert!(
            err.message
                .starts_with("unknown consent type `analytics` (types: ad_storage,"),
            "{err}"
        );
        let bad_wait = format!("{POLICY}[consent_mode]\nwait_for_update = \"soon\"\n");
        let err = Policy::from_toml_str(&bad_wait).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.line),
            ("consent_mode.wait_for_update", Some(9)),
            "{err}"
        );
        // JSON, the same schema.
        let json = r#"{"categories": [{"id": "analytics"}],
            "consent_mode": {"analytics": ["nope"]}}"#;
        let err = Policy::from_json_str(json).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.line),
            ("consent_mode.analytics", Some(2)),
            "{err}"
        );
    }
}
