//! `[locales]` and `default_locale`: per locale the texts, and the category
//! and cookie translations, as written and validated against the policy.
//! `render::locale` reads them with their fallbacks.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::texts::{built_in, Text, BUILT_IN};
use super::{CookieRule, PolicyError, ResourceRule};
use crate::accept_language;
use crate::category::Category;

/// A category's display fields in one locale; what is absent falls back.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryText {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) retention: Option<String>,
    pub(crate) legal_basis: Option<String>,
}

/// A cookie's display fields in one locale; what is absent falls back.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CookieText {
    pub(crate) provider: Option<String>,
    pub(crate) purpose: Option<String>,
    pub(crate) expiry: Option<String>,
}

/// A resource's placeholder fields in one locale (by its `match` as written).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceText {
    pub(crate) provider: Option<String>,
    pub(crate) placeholder: Option<String>,
}

/// `[locales.<tag>]` as written: texts by key, and translations of the
/// categories (by id), cookies (by name as declared) and resources (by
/// `match` as declared).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct LocaleConfig {
    #[serde(default)]
    pub(crate) categories: BTreeMap<String, CategoryText>,
    #[serde(default)]
    pub(crate) cookies: BTreeMap<String, CookieText>,
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, ResourceText>,
    #[serde(flatten)]
    pub(crate) texts: BTreeMap<String, String>,
}

/// One locale, resolved: its own texts (the policy's, else built in) and
/// translations; what it lacks comes from the default locale, then English.
#[derive(Clone, Debug)]
pub(crate) struct CompiledLocale {
    pub(crate) tag: String,
    pub(crate) texts: Vec<Option<String>>,
    /// By category index.
    pub(crate) categories: Vec<CategoryText>,
    /// By rule index.
    pub(crate) cookies: Vec<CookieText>,
    /// By resource index; read by the page layer's placeholders.
    #[cfg_attr(not(feature = "page"), allow(dead_code))]
    pub(crate) resources: Vec<ResourceText>,
}

/// Every locale a policy speaks: the built-in ones and those it declares.
#[derive(Clone, Debug)]
pub(crate) struct Locales {
    pub(crate) list: Vec<CompiledLocale>,
    pub(crate) default: usize,
}

/// A BCP 47 tag as far as pages need: letters, then `-` and letters or digits.
fn is_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let valid = |part: &str, first: bool| {
        (1..=8).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || (!first && b.is_ascii_digit()))
    };
    parts.next().is_some_and(|p| valid(p, true)) && parts.all(|p| valid(p, false))
}

impl Locales {
    /// Validates `[locales]` and `default_locale`; errors name the field
    /// and, through `line(tag, key)`, its line.
    pub(crate) fn compile(
        configs: &BTreeMap<String, LocaleConfig>,
        default_locale: &str,
        categories: &[Category],
        rules: &[CookieRule],
        resources: &[ResourceRule],
        line: &dyn Fn(&str, &str) -> Option<usize>,
        problems: &mut Vec<PolicyError>,
    ) -> Locales {
        let mut list: Vec<CompiledLocale> = Vec::new();
        for (tag, config) in configs {
            match compile_locale(tag, config, categories, (rules, resources), line) {
                Ok(locale) => list.push(locale),
                Err(problem) => problems.push(problem),
            }
        }
        for (tag, texts) in BUILT_IN {
            if !list.iter().any(|l| l.tag.eq_ignore_ascii_case(tag)) {
                list.push(CompiledLocale {
                    tag: tag.to_owned(),
                    texts: texts.iter().map(|t| Some((*t).to_owned())).collect(),
                    categories: vec![CategoryText::default(); categories.len()],
                    cookies: vec![CookieText::default(); rules.len()],
                    resources: vec![ResourceText::default(); resources.len()],
                });
            }
        }
        let find = |tag: &str| list.iter().position(|l| l.tag.eq_ignore_ascii_case(tag));
        let default = find(default_locale).unwrap_or_else(|| {
            let tags: Vec<&str> = list.iter().map(|l| l.tag.as_str()).collect();
            let message = format!(
                "no locale `{default_locale}` (built in or under [locales]: {})",
                tags.join(", ")
            );
            let at = line("", "default_locale");
            problems.push(PolicyError::new("default_locale", message).at_line(at));
            // English is always built in.
            find("en").unwrap_or(0)
        });
        Locales { list, default }
    }
}

/// One `[locales.<tag>]` entry, validated.
fn compile_locale(
    tag: &str,
    config: &LocaleConfig,
    categories: &[Category],
    (rules, resources): (&[CookieRule], &[ResourceRule]),
    line: &dyn Fn(&str, &str) -> Option<usize>,
) -> Result<CompiledLocale, PolicyError> {
    let error = |key: &str, message: String| {
        let field = format!("locales.{tag}.{key}");
        PolicyError::new(field.trim_end_matches('.'), message).at_line(line(tag, key))
    };
    if !is_tag(tag) {
        return Err(error(
            "",
            format!("`{tag}` is not a language tag (such as `de` or `de-AT`)"),
        ));
    }
    let mut texts: Vec<Option<String>> = match built_in(tag) {
        Some(texts) => texts.iter().map(|t| Some((*t).to_owned())).collect(),
        None => vec![None; Text::ALL.len()],
    };
    for (key, value) in &config.texts {
        let Some(text) = Text::from_key(key) else {
            let keys: Vec<&str> = Text::ALL.iter().map(|t| t.key()).collect();
            let message = format!(
                "unknown text `{key}` (texts: {}; and the tables categories, cookies, resources)",
                keys.join(", ")
            );
            return Err(error(key, message));
        };
        texts[text.index()] = Some(value.clone());
    }
    let mut category_texts = vec![CategoryText::default(); categories.len()];
    for (id, text) in &config.categories {
        let Some(index) = categories.iter().position(|c| c.id == *id) else {
            let ids: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
            let message = format!("unknown category `{id}` (categories: {})", ids.join(", "));
            return Err(error(&format!("categories.{id}"), message));
        };
        category_texts[index] = text.clone();
    }
    let mut cookie_texts = vec![CookieText::default(); rules.len()];
    for (name, text) in &config.cookies {
        let Some(index) = rules.iter().position(|r| r.name == *name) else {
            let message = format!("`{name}` is not a declared cookie (as written in [[cookies]])");
            return Err(error(&format!("cookies.{name}"), message));
        };
        cookie_texts[index] = text.clone();
    }
    let mut resource_texts = vec![ResourceText::default(); resources.len()];
    for (pattern, text) in &config.resources {
        let Some(index) = resources.iter().position(|r| r.pattern == *pattern) else {
            let message =
                format!("`{pattern}` is not a declared resource (as written in [[resources]])");
            return Err(error(&format!("resources.{pattern}"), message));
        };
        resource_texts[index] = text.clone();
    }
    Ok(CompiledLocale {
        tag: tag.to_owned(),
        texts,
        categories: category_texts,
        cookies: cookie_texts,
        resources: resource_texts,
    })
}

impl Locales {
    /// The locale for an `Accept-Language` header, else the default.
    pub(crate) fn negotiate(&self, accept_language: &str) -> usize {
        let tags: Vec<&str> = self.list.iter().map(|l| l.tag.as_str()).collect();
        accept_language::best(accept_language, &tags).unwrap_or(self.default)
    }
}
