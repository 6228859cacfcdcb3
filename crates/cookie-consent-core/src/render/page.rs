//! The cookie-policy page, in Markdown and HTML, in one locale.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::locale::Locale;
use crate::policy::texts::Text;
use crate::policy::CookieRule;

impl<'p> Locale<'p> {
    /// The rules of category `index`, in file order, with their rule index.
    pub(crate) fn rules_in(&self, index: usize) -> impl Iterator<Item = (usize, &'p CookieRule)> {
        let policy = self.policy;
        policy
            .cookies()
            .iter()
            .enumerate()
            .filter(move |&(rule, _)| policy.inner.rule_category[rule] == index)
    }

    /// The cookies of category `index` as this locale shows them.
    pub(crate) fn rows(&self, index: usize) -> Vec<CookieView<'p>> {
        self.rules_in(index)
            .map(|(i, rule)| CookieView {
                name: &rule.name,
                provider: self.cookie(i, |t| &t.provider).unwrap_or(&rule.provider),
                purpose: self.cookie(i, |t| &t.purpose).unwrap_or(&rule.purpose),
                expiry: self.cookie(i, |t| &t.expiry).unwrap_or(&rule.expiry),
                domain: rule.domain.as_deref(),
            })
            .collect()
    }

    /// The resources (§20) of category `index`, in file order.
    pub(crate) fn resources_in(&self, index: usize) -> Vec<ResourceView<'p>> {
        let policy = self.policy;
        policy
            .resources()
            .iter()
            .zip(&policy.inner.resources)
            .filter(|(_, (_, category))| *category == index)
            .map(|(rule, _)| ResourceView {
                provider: &rule.provider,
                pattern: &rule.pattern,
            })
            .collect()
    }

    /// The storage keys (§20) of category `index`, in file order.
    pub(crate) fn storage_in(&self, index: usize) -> Vec<&'p str> {
        let policy = self.policy;
        policy
            .storage()
            .iter()
            .zip(&policy.inner.storage)
            .filter(|(_, category)| **category == index)
            .map(|(rule, _)| rule.key.as_str())
            .collect()
    }

    /// Retention, legal basis, what the category loads and what it stores,
    /// when stated.
    fn details(&self, index: usize) -> Vec<(&'p str, String)> {
        let category = &self.policy.categories()[index];
        let resources: Vec<String> = self
            .resources_in(index)
            .iter()
            .map(|r| match r.provider {
                "" => r.pattern.to_owned(),
                provider => format!("{provider} ({})", r.pattern),
            })
            .collect();
        [
            (
                self.text(Text::Retention),
                self.category(index, |t| &t.retention)
                    .unwrap_or(&category.retention)
                    .to_owned(),
            ),
            (
                self.text(Text::LegalBasis),
                self.category(index, |t| &t.legal_basis)
                    .unwrap_or(&category.legal_basis)
                    .to_owned(),
            ),
            (self.text(Text::Loads), resources.join(", ")),
            (self.text(Text::Stores), self.storage_in(index).join(", ")),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    fn heading(&self) -> String {
        match self.policy.name() {
            "" => self.text(Text::PolicyTitle).to_owned(),
            name => format!("{} — {name}", self.text(Text::PolicyTitle)),
        }
    }

    fn columns(&self) -> [&'p str; 4] {
        [
            Text::ColumnCookie,
            Text::ColumnProvider,
            Text::ColumnPurpose,
            Text::ColumnExpiry,
        ]
        .map(|t| self.text(t))
    }

    /// The policy document in Markdown, in this locale.
    pub fn render_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let mut out = format!("# {}\n", self.heading());
        if let Some(date) = self.policy.updated() {
            let _ = write!(out, "\n{}: {date}\n", self.text(Text::LastUpdated));
        }
        for index in 0..self.policy.categories().len() {
            let _ = write!(out, "\n## {}\n", self.category_title(index));
            let description = self.category_description(index);
            if !description.is_empty() {
                let _ = write!(out, "\n{description}\n");
            }
            let rows = self.rows(index);
            if rows.is_empty() {
                let _ = write!(out, "\n{}\n", self.text(Text::NoCookies));
            } else {
                let _ = write!(
                    out,
                    "\n| {} |\n|---|---|---|---|\n",
                    self.columns().join(" | ")
                );
                for row in rows {
                    let cells = [row.name, row.provider, row.purpose, row.expiry].map(cell);
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
            }
            for (label, value) in self.details(index) {
                let _ = write!(out, "\n**{label}:** {value}\n");
            }
        }
        out
    }

    /// The policy page as an HTML fragment (an `<article lang>`) in this
    /// locale, every text escaped.
    pub fn render_html(&self) -> String {
        let mut out = format!(
            "<article class=\"cookie-policy\" lang=\"{}\">\n<h1>{}</h1>\n",
            attr(self.tag()),
            text(&self.heading())
        );
        if let Some(date) = self.policy.updated() {
            let _ = writeln!(
                out,
                "<p class=\"cookie-policy-updated\">{}: <time datetime=\"{date}\">{date}</time></p>",
                text(self.text(Text::LastUpdated))
            );
        }
        for (index, category) in self.policy.categories().iter().enumerate() {
            let _ = write!(
                out,
                "<section id=\"category-{}\">\n<h2>{}</h2>\n",
                attr(&category.id),
                text(self.category_title(index))
            );
            let description = self.category_description(index);
            if !description.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", text(description));
            }
            let rows = self.rows(index);
            if rows.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", text(self.text(Text::NoCookies)));
            } else {
                out.push_str("<table>\n<thead><tr>");
                for column in self.columns() {
                    let _ = write!(out, "<th scope=\"col\">{}</th>", text(column));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    let _ = writeln!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        text(row.name),
                        text(row.provider),
                        text(row.purpose),
                        text(row.expiry)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
            let details = self.details(index);
            if !details.is_empty() {
                out.push_str("<dl>\n");
                for (label, value) in details {
                    let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", text(label), text(&value));
                }
                out.push_str("</dl>\n");
            }
            out.push_str("</section>\n");
        }
        out.push_str("</article>\n");
        out
    }
}

/// The policy page as data, in one locale: what `cookie-consent render
/// --format json` prints, and what a site's own template of the page reads.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct PolicyView<'p> {
    /// The language tag of the texts.
    pub lang: &'p str,
    /// The site's name (`name`).
    pub name: &'p str,
    /// When the policy last changed (`updated`), `YYYY-MM-DD`.
    pub updated: Option<&'p str>,
    /// The policy's revision.
    pub revision: u64,
    /// The page's own words, by key (`policy_title`, `column_cookie`, …).
    pub texts: std::collections::BTreeMap<&'static str, &'p str>,
    /// Every category, essential first.
    pub categories: Vec<PolicyCategory<'p>>,
}

/// A category of the policy page.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct PolicyCategory<'p> {
    /// The category id.
    pub id: &'p str,
    /// Its title, description, retention and legal basis, in the locale.
    pub title: &'p str,
    /// See `title`.
    pub description: &'p str,
    /// See `title`.
    pub retention: &'p str,
    /// See `title`.
    pub legal_basis: &'p str,
    /// Whether `Sec-GPC: 1` denies it.
    pub honor_gpc: bool,
    /// Its cookies, in file order.
    pub cookies: Vec<CookieView<'p>>,
    /// What its pages load (`[[resources]]`), in file order.
    pub resources: Vec<ResourceView<'p>>,
    /// The storage keys it uses (`[[storage]]`), in file order.
    pub storage: Vec<&'p str>,
}

/// A resource as the policy page shows it.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct ResourceView<'p> {
    /// Who serves it.
    pub provider: &'p str,
    /// The URL prefix or host pattern, as declared.
    #[serde(rename = "match")]
    pub pattern: &'p str,
}

/// A cookie as the policy page and the banner's Customize show it.
#[derive(Clone, Debug, serde::Serialize)]
#[non_exhaustive]
pub struct CookieView<'p> {
    /// The name as declared (a prefix rule ends in `*`).
    pub name: &'p str,
    /// Who sets it, what for and how long it lasts, in the locale.
    pub provider: &'p str,
    /// See `provider`.
    pub purpose: &'p str,
    /// See `provider`.
    pub expiry: &'p str,
    /// The domain it is set on, when declared.
    pub domain: Option<&'p str>,
}

impl<'p> Locale<'p> {
    /// The policy page as data, in this locale (see [`PolicyView`]).
    pub fn policy_view(&self) -> PolicyView<'p> {
        let policy = self.policy;
        let categories = policy
            .categories()
            .iter()
            .enumerate()
            .map(|(index, category)| {
                let field =
                    |f: fn(&crate::policy::locales::CategoryText) -> &Option<String>,
                     own: &'p str| { self.category(index, f).unwrap_or(own) };
                PolicyCategory {
                    id: &category.id,
                    title: self.category_title(index),
                    description: self.category_description(index),
                    retention: field(|t| &t.retention, &category.retention),
                    legal_basis: field(|t| &t.legal_basis, &category.legal_basis),
                    honor_gpc: category.honor_gpc,
                    cookies: self.rows(index),
                    resources: self.resources_in(index),
                    storage: self.storage_in(index),
                }
            })
            .collect();
        PolicyView {
            lang: self.tag(),
            name: policy.name(),
            updated: policy.updated(),
            revision: policy.revision(),
            texts: Text::ALL.iter().map(|t| (t.key(), self.text(*t))).collect(),
            categories,
        }
    }
}
