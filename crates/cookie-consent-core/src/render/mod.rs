//! The policy as people read it: the cookie-policy page (HTML and Markdown)
//! and the consent banner, rendered from the same [`Policy`] the layer
//! enforces, so the document and the enforcement cannot drift apart.

mod consent_mode;
mod cookie_guard;

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

pub(crate) use consent_mode::{ConsentMode, ConsentModeConfig};

use crate::category::Category;
use crate::consent::Consent;
use crate::policy::{CookieRule, Policy};

const COLUMNS: [&str; 4] = ["Cookie", "Provider", "Purpose", "Expiry"];

impl Policy {
    /// The cookies declared in the category at `index`, in file order.
    fn cookies_in(&self, index: usize) -> impl Iterator<Item = &CookieRule> {
        let categories = &self.inner.rule_category;
        self.cookies()
            .iter()
            .zip(categories)
            .filter(move |(_, &c)| c == index)
            .map(|(r, _)| r)
    }

    /// The policy document in Markdown: per category a heading, its
    /// description, the table Cookie / Provider / Purpose / Expiry, then
    /// retention and legal basis.
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
        let cell = |s: &str| s.replace('|', "\\|");
        let mut out = format!("# Cookie Policy{}\n", heading_suffix(self.name()));
        if let Some(date) = self.updated() {
            let _ = write!(out, "\nLast updated: {date}\n");
        }
        for (index, category) in self.categories().iter().enumerate() {
            let _ = write!(out, "\n## {}\n", category.title);
            if !category.description.is_empty() {
                let _ = write!(out, "\n{}\n", category.description);
            }
            let mut rows = self.cookies_in(index).peekable();
            if rows.peek().is_none() {
                out.push_str("\nNo cookies of this category are set.\n");
            } else {
                let _ = write!(out, "\n| {} |\n|---|---|---|---|\n", COLUMNS.join(" | "));
                for rule in rows {
                    let cells =
                        [&rule.name, &rule.provider, &rule.purpose, &rule.expiry].map(|s| cell(s));
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
            }
            for (label, value) in details(category) {
                let _ = write!(out, "\n**{label}:** {value}\n");
            }
        }
        out
    }

    /// The policy page as an HTML fragment (an `<article>`), every text escaped.
    pub fn render_html(&self) -> String {
        let mut out = format!(
            "<article class=\"cookie-policy\">\n<h1>Cookie Policy{}</h1>\n",
            text(&heading_suffix(self.name()))
        );
        if let Some(date) = self.updated() {
            let _ = writeln!(
                out,
                "<p class=\"cookie-policy-updated\">Last updated: <time datetime=\"{date}\">{date}</time></p>"
            );
        }
        for (index, category) in self.categories().iter().enumerate() {
            let _ = write!(
                out,
                "<section id=\"category-{}\">\n<h2>{}</h2>\n",
                attr(&category.id),
                text(&category.title)
            );
            if !category.description.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", text(&category.description));
            }
            let mut rows = self.cookies_in(index).peekable();
            if rows.peek().is_none() {
                out.push_str("<p>No cookies of this category are set.</p>\n");
            } else {
                out.push_str("<table>\n<thead><tr>");
                for column in COLUMNS {
                    let _ = write!(out, "<th scope=\"col\">{column}</th>");
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for rule in rows {
                    let _ = writeln!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        text(&rule.name),
                        text(&rule.provider),
                        text(&rule.purpose),
                        text(&rule.expiry)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
            let details = details(category);
            if !details.is_empty() {
                out.push_str("<dl>\n");
                for (label, value) in details {
                    let _ = writeln!(out, "<dt>{label}</dt><dd>{}</dd>", text(value));
                }
                out.push_str("</dl>\n");
            }
            out.push_str("</section>\n");
        }
        out.push_str("</article>\n");
        out
    }

    /// The consent banner as an HTML fragment: plain forms posting to `action`
    /// (so it works without JavaScript) with the fields [`ConsentChoice::from_form`]
    /// reads — Accept all, Reject optional, and Customize: a labelled checkbox
    /// per optional category, pre-filled from `consent`.
    ///
    /// [`ConsentChoice::from_form`]: crate::ConsentChoice::from_form
    pub fn render_banner(&self, consent: &Consent, action: &str) -> String {
        let action = attr(action);
        let optional: Vec<&Category> = self.categories().iter().skip(1).collect();
        let names: Vec<&str> = optional.iter().map(|c| c.title.as_str()).collect();
        let mut out = String::with_capacity(2048);
        let _ = write!(
            out,
            "<section class=\"cookie-banner\" id=\"cookie-banner\" aria-labelledby=\"cookie-banner-title\">\n\
             <h2 id=\"cookie-banner-title\">Cookies{}</h2>\n\
             <p>We use essential cookies to make this site work. With your consent we would also use: {}. \
             <a href=\"/cookie-policy\">Read the cookie policy</a>.</p>\n\
             <form method=\"post\" action=\"{action}\" class=\"cookie-banner-choices\">\n\
             <button type=\"submit\" name=\"action\" value=\"accept-all\">Accept all</button>\n\
             <button type=\"submit\" name=\"action\" value=\"reject-optional\">Reject optional</button>\n\
             </form>\n\
             <details id=\"cookie-customize\">\n<summary>Customize</summary>\n\
             <form method=\"post\" action=\"{action}\">\n<fieldset>\n<legend>Choose the cookies you allow</legend>\n\
             <div><input type=\"checkbox\" id=\"consent-essential\" checked disabled> \
             <label for=\"consent-essential\">{} (always on)</label></div>\n",
            text(&heading_suffix(self.name()).replace(" — ", " on ")),
            text(&names.join(", ")),
            text(&self.categories()[0].title),
        );
        for category in optional {
            let checked = if consent.allows(&category.id) {
                " checked"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<div><input type=\"checkbox\" id=\"consent-{id}\" name=\"category\" value=\"{id}\"{checked}> \
                 <label for=\"consent-{id}\">{title}</label></div>",
                id = attr(&category.id),
                title = text(&category.title),
            );
        }
        out.push_str(
            "</fieldset>\n<button type=\"submit\" name=\"action\" value=\"save\">Save choices</button>\n\
             </form>\n</details>\n</section>\n",
        );
        out
    }
}

/// `<script>`, with the CSP nonce when there is one.
fn script_open(nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => format!("<script nonce=\"{}\">", attr(nonce)),
        None => "<script>".to_owned(),
    }
}

fn heading_suffix(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" — {name}")
    }
}

/// Retention and legal basis, when the policy states them.
fn details(category: &Category) -> Vec<(&'static str, &str)> {
    [
        ("Retention", category.retention.as_str()),
        ("Legal basis", category.legal_basis.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect()
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
        let banner = p.render_banner(&consent, "/consent");
        for expected in [
            r#"<form method="post" action="/consent" class="cookie-banner-choices">"#,
            r#"<button type="submit" name="action" value="accept-all">Accept all</button>"#,
            r#"<button type="submit" name="action" value="reject-optional">Reject optional</button>"#,
            r#"<input type="checkbox" id="consent-analytics" name="category" value="analytics"> <label for="consent-analytics">Analytics &lt;b&gt;</label>"#,
            r#"<input type="checkbox" id="consent-ads" name="category" value="ads" checked> <label for="consent-ads">Ads</label>"#,
            r#"<button type="submit" name="action" value="save">Save choices</button>"#,
            "With your consent we would also use: Analytics &lt;b&gt;, Ads.",
        ] {
            assert!(banner.contains(expected), "missing {expected}\n{banner}");
        }
        assert!(
            banner.contains(r#"<label for="consent-essential">Essential (always on)</label>"#),
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
