//! The consent banner: a view of everything it shows and posts, which a
//! site may render with its own templates, and the built-in HTML rendering
//! of that view.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde::Serialize;

use super::locale::Locale;
use super::page::CookieView;
use crate::consent::Consent;
use crate::policy::texts::Text;

/// Everything a consent banner shows and posts, in one locale, for one
/// visitor: serializable for a template engine (askama, minijinja, tera…).
/// The built-in [`Locale::render_banner`] is one rendering of it.
///
/// A banner posts to `action`: Accept all, Reject optional and Save send
/// their `value` in the field `choice_field`; Save also sends each ticked
/// category's id in `category_field` — what [`ConsentChoice::from_form`]
/// reads and the consent endpoints answer.
///
/// [`ConsentChoice::from_form`]: crate::ConsentChoice::from_form
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct BannerView<'p> {
    /// The language tag of the texts.
    pub lang: &'p str,
    /// The heading ("Cookies on Minopa").
    pub title: String,
    /// The first paragraph, naming the optional categories.
    pub text: String,
    /// Where the policy page is.
    pub policy_url: String,
    /// The text of the link to it.
    pub read_policy: &'p str,
    /// Where the forms post.
    pub action: String,
    /// The field each button posts its choice in: `action`.
    pub choice_field: &'static str,
    /// The field each ticked category posts its id in: `category`.
    pub category_field: &'static str,
    /// Accept all: on the first layer, as prominent as Reject optional.
    pub accept_all: BannerButton<'p>,
    /// Reject optional: on the first layer, as prominent as Accept all.
    pub reject_optional: BannerButton<'p>,
    /// Save choices, in Customize.
    pub save: BannerButton<'p>,
    /// Customize's summary.
    pub customize: &'p str,
    /// Customize's legend.
    pub choose: &'p str,
    /// The essential category's note ("always on").
    pub always_on: &'p str,
    /// Every category, essential first, with its cookies.
    pub categories: Vec<BannerCategory<'p>>,
}

/// A button: its text and the value it posts.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct BannerButton<'p> {
    /// The button's text.
    pub label: &'p str,
    /// The value it posts in the choice field.
    pub value: &'static str,
}

/// A category as Customize shows it.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct BannerCategory<'p> {
    /// The category id, posted when ticked.
    pub id: &'p str,
    /// Its title in the locale.
    pub title: &'p str,
    /// Its description in the locale.
    pub description: &'p str,
    /// Essential: always on, its checkbox disabled and not posted.
    pub essential: bool,
    /// Granted by the visitor's consent now.
    pub checked: bool,
    /// The cookies it covers (the consent cookie aside).
    pub cookies: Vec<CookieView<'p>>,
}

impl<'p> Locale<'p> {
    /// The banner's view for this visitor: texts in this locale, each
    /// category with its description and cookies, ticked as `consent` grants.
    pub fn banner_view(&self, consent: &Consent, action: &str, policy_url: &str) -> BannerView<'p> {
        let policy = self.policy;
        let optional: Vec<&str> = (1..policy.categories().len())
            .map(|i| self.category_title(i))
            .collect();
        let title = match policy.name() {
            "" => self.text(Text::BannerTitle).to_owned(),
            site => self.text(Text::BannerTitleSite).replace("{site}", site),
        };
        let categories = policy
            .categories()
            .iter()
            .enumerate()
            .map(|(index, category)| BannerCategory {
                id: &category.id,
                title: self.category_title(index),
                description: self.category_description(index),
                essential: index == 0,
                checked: index == 0 || consent.allows(&category.id),
                cookies: self
                    .rows(index)
                    .into_iter()
                    .filter(|cookie| cookie.name != policy.consent_cookie().name)
                    .collect(),
            })
            .collect();
        let button = |text: Text, value| BannerButton {
            label: self.text(text),
            value,
        };
        BannerView {
            lang: self.tag(),
            title,
            text: self
                .text(Text::BannerBody)
                .replace("{categories}", &optional.join(", ")),
            policy_url: policy_url.to_owned(),
            read_policy: self.text(Text::ReadPolicy),
            action: action.to_owned(),
            choice_field: "action",
            category_field: "category",
            accept_all: button(Text::AcceptAll, "accept-all"),
            reject_optional: button(Text::RejectOptional, "reject-optional"),
            save: button(Text::Save, "save"),
            customize: self.text(Text::Customize),
            choose: self.text(Text::Choose),
            always_on: self.text(Text::AlwaysOn),
            categories,
        }
    }

    /// The consent banner as an HTML fragment (a `<section lang>`): plain
    /// forms posting to `action` (so it works without JavaScript) — Accept
    /// all and Reject optional side by side, and Customize: per category a
    /// labelled checkbox pre-filled from `consent`, its description and its
    /// cookies — and a link to the policy page at `policy_url`. The built-in
    /// rendering of [`banner_view`](Self::banner_view).
    pub fn render_banner(&self, consent: &Consent, action: &str, policy_url: &str) -> String {
        render(&self.banner_view(consent, action, policy_url))
    }
}

/// The built-in HTML of a banner view.
fn render(view: &BannerView<'_>) -> String {
    let action = attr(&view.action);
    let field = view.choice_field;
    let button = |b: &BannerButton<'_>| {
        format!(
            "<button type=\"submit\" name=\"{field}\" value=\"{}\">{}</button>",
            b.value,
            text(b.label)
        )
    };
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<section class=\"cookie-banner\" id=\"cookie-banner\" lang=\"{lang}\" aria-labelledby=\"cookie-banner-title\">\n\
         <h2 id=\"cookie-banner-title\">{title}</h2>\n\
         <p>{body} <a href=\"{policy_url}\">{read_policy}</a>.</p>\n\
         <form method=\"post\" action=\"{action}\" class=\"cookie-banner-choices\">\n{accept}\n{reject}\n</form>\n\
         <details id=\"cookie-customize\">\n<summary>{customize}</summary>\n\
         <form method=\"post\" action=\"{action}\">\n<fieldset>\n<legend>{choose}</legend>\n",
        lang = attr(view.lang),
        title = text(&view.title),
        body = text(&view.text),
        policy_url = attr(&view.policy_url),
        read_policy = text(view.read_policy),
        accept = button(&view.accept_all),
        reject = button(&view.reject_optional),
        customize = text(view.customize),
        choose = text(view.choose),
    );
    for category in &view.categories {
        let id = attr(category.id);
        let (input, label) = if category.essential {
            (
                format!("<input type=\"checkbox\" id=\"consent-{id}\" checked disabled aria-describedby=\"consent-{id}-about\">"),
                format!("{} ({})", text(category.title), text(view.always_on)),
            )
        } else {
            let checked = if category.checked { " checked" } else { "" };
            (
                format!(
                    "<input type=\"checkbox\" id=\"consent-{id}\" name=\"{}\" value=\"{id}\"{checked} aria-describedby=\"consent-{id}-about\">",
                    view.category_field
                ),
                text(category.title).into_owned(),
            )
        };
        let _ = write!(
            out,
            "<div class=\"cookie-category\">{input} <label for=\"consent-{id}\">{label}</label>\n\
             <div id=\"consent-{id}-about\">"
        );
        if !category.description.is_empty() {
            let _ = write!(out, "<p>{}</p>", text(category.description));
        }
        if !category.cookies.is_empty() {
            out.push_str("<ul class=\"cookie-list\">");
            for cookie in &category.cookies {
                let _ = write!(out, "<li><code>{}</code>", text(cookie.name));
                let about: Vec<&str> = [cookie.provider, cookie.purpose, cookie.expiry]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                if !about.is_empty() {
                    let _ = write!(out, " — {}", text(&about.join("; ")));
                }
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</div></div>\n");
    }
    let _ = write!(
        out,
        "</fieldset>\n{}\n</form>\n</details>\n</section>\n",
        button(&view.save)
    );
    out
}
