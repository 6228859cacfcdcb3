//! The placeholder that stands in for a frame of an ungranted category: it
//! says whose content it is and which consent it needs, in the visitor's
//! language, and its button posts that grant to the consent endpoint (a
//! plain form: it works without JavaScript, and the endpoint records it).

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::PageOptions;
use crate::consent::Consent;
use crate::policy::locales::ResourceText;
use crate::policy::texts::Text;
use crate::policy::Policy;

/// The words and the form every placeholder of one page shares.
pub(super) struct Texts {
    tag: String,
    /// Per resource index, its provider and placeholder in the page's language.
    resources: Vec<(Option<String>, Option<String>)>,
    sentence: String,
    button: String,
    /// Per category index, its title in the page's language.
    titles: Vec<String>,
    action: String,
    /// The optional categories granted already: kept by the button's post.
    granted: Vec<String>,
}

impl Texts {
    pub(super) fn new(policy: &Policy, consent: &Consent, options: &PageOptions) -> Texts {
        let locale = policy.locale(options.accept_language.as_deref());
        let granted = (1..policy.categories().len())
            .filter(|&i| consent.grants_index(policy, i))
            .map(|i| policy.categories()[i].id.clone())
            .collect();
        let resources = (0..policy.resources().len())
            .map(|i| {
                let own = |f: fn(&ResourceText) -> &Option<String>| {
                    locale.resource(i, f).map(str::to_owned)
                };
                (own(|t| &t.provider), own(|t| &t.placeholder))
            })
            .collect();
        Texts {
            tag: locale.tag().to_owned(),
            resources,
            sentence: locale.text(Text::Placeholder).to_owned(),
            button: locale.text(Text::PlaceholderButton).to_owned(),
            titles: (0..policy.categories().len())
                .map(|i| locale.category_title(i).to_owned())
                .collect(),
            action: options
                .consent_action
                .clone()
                .unwrap_or_else(|| "/consent".to_owned()),
            granted,
        }
    }

    /// The placeholder for the frame at `url`, of category `index`.
    pub(super) fn render(&self, policy: &Policy, index: usize, url: &str) -> String {
        let rule = policy.resource_rule(url);
        // The resource's own words in the page's language, else as declared.
        let (own_provider, own_placeholder) = rule
            .and_then(|rule| {
                policy
                    .resources()
                    .iter()
                    .position(|r| std::ptr::eq(r, rule))
            })
            .and_then(|i| self.resources.get(i).cloned())
            .unwrap_or_default();
        let provider = match own_provider.or_else(|| rule.map(|r| r.provider.clone())) {
            Some(provider) if !provider.is_empty() => provider,
            _ => crate::policy::resources::Url::parse(url)
                .map(|u| u.host)
                .unwrap_or_default(),
        };
        let title = self.titles.get(index).map_or("", String::as_str);
        let fill = |words: &str| {
            words
                .replace("{provider}", &provider)
                .replace("{category}", title)
        };
        let sentence = match own_placeholder.or_else(|| rule.and_then(|r| r.placeholder.clone())) {
            Some(own) => fill(&own),
            None => fill(&self.sentence),
        };
        let id = &policy.categories()[index].id;
        let mut inputs = String::new();
        for granted in self.granted.iter().chain(std::iter::once(id)) {
            inputs.push_str(&format!(
                "<input type=\"hidden\" name=\"category\" value=\"{}\">",
                attr(granted)
            ));
        }
        format!(
            "<div class=\"cookie-consent-placeholder\" role=\"region\" aria-label=\"{label}\" \
             lang=\"{tag}\" data-consent-placeholder=\"{category}\">\
             <p>{sentence}</p>\
             <form method=\"post\" action=\"{action}\">{inputs}\
             <button type=\"submit\" name=\"action\" value=\"save\">{button}</button></form></div>",
            label = attr(&provider),
            tag = attr(&self.tag),
            category = attr(id),
            sentence = text(&sentence),
            action = attr(&self.action),
            button = text(&fill(&self.button)),
        )
    }
}
