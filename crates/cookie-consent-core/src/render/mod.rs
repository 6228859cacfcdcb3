//! The policy as people read it: the cookie-policy page (HTML and Markdown)
//! and the consent banner, rendered from the same [`Policy`] the layer
//! enforces, so the document and the enforcement cannot drift apart.

mod banner;
mod consent_mode;
mod cookie_guard;
mod locale;
mod page;

use html_escape::encode_double_quoted_attribute as attr;

pub use banner::{BannerButton, BannerCategory, BannerView};
pub use locale::Locale;
pub use page::{CookieView, PolicyCategory, PolicyView, ResourceView};

use crate::consent::Consent;
use crate::policy::Policy;

/// The renderings in the policy's default locale; [`Policy::locale`] gives
/// those of the visitor's language.
impl Policy {
    /// The policy document in Markdown, in the default locale: per category a
    /// heading, its description, the table Cookie / Provider / Purpose /
    /// Expiry, then retention and legal basis.
    ///
    /// ```
    /// let policy = cookie_consent_core::Policy::from_toml_str(r#"
    ///     [[categories]]
    ///     id = "analytics"
    ///     title = "Analytics cookies"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     category = "analytics"
    ///     provider = "Google Analytics"
    ///     expiry = "2 years"
    /// "#)?;
    /// assert!(policy.render_markdown().contains("| _ga | Google Analytics |  | 2 years |"));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn render_markdown(&self) -> String {
        self.locale(None).render_markdown()
    }

    /// The policy page as an HTML fragment (an `<article>`) in the default
    /// locale, every text escaped.
    pub fn render_html(&self) -> String {
        self.locale(None).render_html()
    }

    /// The consent banner in the default locale: see [`Locale::render_banner`].
    pub fn render_banner(&self, consent: &Consent, action: &str, policy_url: &str) -> String {
        self.locale(None).render_banner(consent, action, policy_url)
    }
}

/// `<script>`, with the CSP nonce when there is one.
fn script_open(nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => format!("<script nonce=\"{}\">", attr(nonce)),
        None => "<script>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConsentChoice, Policy, Signals};

    const POLICY: &str = r#"
        name = "Shop <&>"
        [[categories]]
        id = "essential"
        title = "Essential"
        retention = "1 year"
        legal_basis = "Legitimate interest"
        [[categories]]
        id = "analytics"
        title = "Analytics <b>"
        description = "Counts \"visits\" & pages"
        [[categories]]
        id = "ads"
        title = "Ads"
        [[cookies]]
        name = "sid"
        category = "essential"
        provider = "Shop"
        purpose = "Keeps you | logged in"
        expiry = "Session"
        [[cookies]]
        name = "_ga"
        category = "analytics"
        provider = "<Google>"
    "#;

    fn policy() -> Policy {
        Policy::from_toml_str(POLICY).unwrap()
    }

    #[test]
    fn markdown_has_a_table_per_category_with_details() {
        let markdown = policy().render_markdown();
        assert_eq!(
            markdown,
            "# Cookie Policy — Shop <&>\n\
             \n## Essential\n\
             \n| Cookie | Provider | Purpose | Expiry |\n|---|---|---|---|\n\
             | sid | Shop | Keeps you \\| logged in | Session |\n\
             \n**Retention:** 1 year\n\
             \n**Legal basis:** Legitimate interest\n\
             \n## Analytics <b>\n\
             \nCounts \"visits\" & pages\n\
             \n| Cookie | Provider | Purpose | Expiry |\n|---|---|---|---|\n\
             | _ga | <Google> |  |  |\n\
             \n## Ads\n\
             \nNo cookies of this category are set.\n"
        );
    }

    #[test]
    fn html_escapes_every_text() {
        let html = policy().render_html();
        assert!(
            html.contains("<h1>Cookie Policy — Shop &lt;&amp;&gt;</h1>"),
            "{html}"
        );
        assert!(html.contains("<h2>Analytics &lt;b&gt;</h2>"), "{html}");
        assert!(
            html.contains("<p>Counts \"visits\" &amp; pages</p>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<tr><td><code>_ga</code></td><td>&lt;Google&gt;</td><td></td><td></td></tr>"
            ),
            "{html}"
        );
        assert!(html.contains("<dt>Retention</dt><dd>1 year</dd>"), "{html}");
        assert!(html.contains("<section id=\"category-ads\">\n<h2>Ads</h2>\n<p>No cookies of this category are set.</p>"), "{html}");
        assert!(!html.contains("<b>") && !html.contains("<Google>"));
    }

    #[test]
    fn the_banner_offers_every_choice_prefilled_from_consent() {
        let p = policy();
        let consent = p.read_consent(
            [r#"cookie-preferences={"categories":{"ads":true}}"#],
            Signals::default(),
        );
        let banner = p.render_banner(&consent, "/consent", "/legal/cookies?x=1&y=2");
        for expected in [
            r#"<a href="/legal/cookies?x=1&amp;y=2">Read the cookie policy</a>"#,
            r#"<form method="post" action="/consent" class="cookie-banner-choices">"#,
            r#"<button type="submit" name="action" value="accept-all">Accept all</button>"#,
            r#"<button type="submit" name="action" value="reject-optional">Reject optional</button>"#,
            r#"<input type="checkbox" id="consent-analytics" name="category" value="analytics" aria-describedby="consent-analytics-about"> <label for="consent-analytics">Analytics &lt;b&gt;</label>"#,
            r#"<div id="consent-analytics-about"><p>Counts "visits" &amp; pages</p><ul class="cookie-list"><li><code>_ga</code> — &lt;Google&gt;</li></ul></div>"#,
            r#"<input type="checkbox" id="consent-ads" name="category" value="ads" checked aria-describedby="consent-ads-about"> <label for="consent-ads">Ads</label>"#,
            r#"<div id="consent-ads-about"></div>"#,
            r#"<button type="submit" name="action" value="save">Save choices</button>"#,
            "With your consent we would also use: Analytics &lt;b&gt;, Ads.",
        ] {
            assert!(banner.contains(expected), "missing {expected}\n{banner}");
        }
        assert!(
            banner.contains(r#"<label for="consent-essential">Essential (always on)</label>
<div id="consent-essential-about"><ul class="cookie-list"><li><code>sid</code> — Shop; Keeps you | logged in; Session</li></ul></div>"#),
            "{banner}"
        );
    }

    #[test]
    fn banner_forms_read_back_as_choices() {
        assert_eq!(
            ConsentChoice::from_form([("action", "accept-all")]),
            Some(ConsentChoice::AcceptAll)
        );
        assert_eq!(
            ConsentChoice::from_form([("action", "reject-optional")]),
            Some(ConsentChoice::RejectOptional)
        );
        assert_eq!(
            ConsentChoice::from_form([("action", "reset")]),
            Some(ConsentChoice::Reset)
        );
        assert_eq!(
            ConsentChoice::from_form([("category", "a"), ("action", "save"), ("category", "b")]),
            Some(ConsentChoice::Only(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            ConsentChoice::from_form([("action", "save")]),
            Some(ConsentChoice::Only(vec![]))
        );
        assert_eq!(ConsentChoice::from_form([("action", "maybe")]), None);
        assert_eq!(ConsentChoice::from_form([("category", "a")]), None);
    }

    #[test]
    fn the_policy_page_shows_when_it_was_last_updated() {
        let dated = Policy::from_toml_str("name = \"Shop\"\nupdated = 2026-03-01\n").unwrap();
        assert!(dated.render_html().contains(
            "<p class=\"cookie-policy-updated\">Last updated: <time datetime=\"2026-03-01\">2026-03-01</time></p>"
        ));
        assert!(dated
            .render_markdown()
            .starts_with("# Cookie Policy — Shop\n\nLast updated: 2026-03-01\n"));
        let undated = Policy::from_toml_str("name = \"Shop\"\n").unwrap();
        assert!(!undated.render_html().contains("Last updated"));
        assert!(!undated.render_markdown().contains("Last updated"));
    }
}
