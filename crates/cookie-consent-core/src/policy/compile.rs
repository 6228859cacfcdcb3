//! From what a policy file (or builder) says to the [`Policy`] the decisions
//! read: each part validated, every error naming its field and line.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::file::{Located, Source};
use super::names::NameIndex;
use super::{
    category_list, check_pattern, is_attribute_byte, is_category_id, validate_consent_cookie,
    Compiled, CookieRule, Policy, PolicyError, Settings, UnknownCookies, UnknownRule, ESSENTIAL,
};
use crate::category::{Category, CategorySet};

/// The line of a key within an entry of the source text, when there is text.
type LineOf<'a> = dyn Fn(&Option<Range<usize>>, &str) -> Option<usize> + 'a;

/// The rules of a policy, validated, with the indexes the decisions read.
struct Rules {
    rules: Vec<CookieRule>,
    /// Category index of each rule.
    rule_category: Vec<usize>,
    exact: HashMap<Box<str>, usize>,
    prefixes: Vec<(Box<str>, usize)>,
}

impl Policy {
    pub(crate) fn compile(
        settings: Settings,
        categories: Vec<Located<Category>>,
        cookies: Vec<Located<CookieRule>>,
        source: Option<&Source<'_>>,
    ) -> Result<Policy, PolicyError> {
        let line = |span: &Option<Range<usize>>, key: &str| {
            source.and_then(|s| s.line_of_key(span.as_ref(), key))
        };
        let categories = compile_categories(categories, &line)?;
        let unknown = unknown_rule(&settings, &categories, source)?;
        validate_consent_cookie(&settings.consent_cookie).map_err(|(key, message)| {
            let at = source.and_then(|s| s.line_of_key(s.consent_cookie.as_ref(), key));
            PolicyError::new(format!("consent_cookie.{key}"), message).at_line(at)
        })?;
        let Rules {
            rules,
            rule_category,
            exact,
            prefixes,
        } = compile_rules(cookies, &categories, &line)?;

        let all = CategorySet::first(categories.len());
        let gpc = categories
            .iter()
            .enumerate()
            .filter(|(i, c)| c.honor_gpc && *i != 0)
            .fold(CategorySet::EMPTY, |set, (i, _)| {
                set.with(CategorySet::single(i))
            });
        Ok(Policy {
            inner: Arc::new(Compiled {
                settings,
                categories,
                rules,
                rule_category,
                names: NameIndex::new(exact.into_iter().collect(), prefixes),
                unknown,
                all,
                gpc,
            }),
        })
    }
}

/// Categories: valid ids, no duplicates, at most 63 besides `essential`, which
/// comes first (added when absent).
fn compile_categories(
    categories: Vec<Located<Category>>,
    line: &LineOf<'_>,
) -> Result<Vec<Category>, PolicyError> {
    let mut compiled: Vec<Category> = Vec::with_capacity(categories.len() + 1);
    let mut lines: Vec<Option<usize>> = Vec::new();
    if categories.first().map(|c| c.value.id.as_str()) != Some(ESSENTIAL) {
        compiled.push(Category::new(ESSENTIAL).title("Essential cookies"));
        lines.push(None);
    }
    for (i, Located { value, span }) in categories.into_iter().enumerate() {
        let field = format!("categories[{i}].id");
        let at = line(&span, "id");
        if !is_category_id(&value.id) {
            let message = format!(
                "category id `{}` must be non-empty ASCII letters, digits, `-` or `_`",
                value.id
            );
            return Err(PolicyError::new(field, message).at_line(at));
        }
        if let Some(first) = compiled.iter().position(|c| c.id == value.id) {
            let message = match lines[first] {
                _ if value.id == ESSENTIAL => "`essential` must be the first category".to_owned(),
                Some(first_line) => format!(
                    "duplicate category id `{}` (first declared at line {first_line})",
                    value.id
                ),
                None => format!("duplicate category id `{}`", value.id),
            };
            return Err(PolicyError::new(field, message).at_line(at));
        }
        if compiled.len() == 64 {
            let message = "a policy may have at most 63 categories besides `essential`";
            return Err(PolicyError::new(field, message).at_line(at));
        }
        let mut category = value;
        if category.title.is_empty() {
            category.title.clone_from(&category.id);
        }
        compiled.push(category);
        lines.push(at);
    }
    Ok(compiled)
}

/// What `unknown_cookies` makes of an undeclared cookie.
fn unknown_rule(
    settings: &Settings,
    categories: &[Category],
    source: Option<&Source<'_>>,
) -> Result<UnknownRule, PolicyError> {
    match &settings.unknown_cookies {
        UnknownCookies::Strip => Ok(UnknownRule::Strip),
        UnknownCookies::Keep => Ok(UnknownRule::Keep),
        UnknownCookies::Category(id) => match categories.iter().position(|c| c.id == *id) {
            Some(i) => Ok(UnknownRule::Category(i)),
            None => Err(PolicyError::new(
                "unknown_cookies",
                format!(
                    "must be \"strip\", \"keep\" or a category id; `{id}` is none of them (categories: {})",
                    category_list(categories)
                ),
            )
            .at_line(source.and_then(|s| s.line_of_top_key("unknown_cookies")))),
        },
    }
}

/// Cookies: valid patterns, paths and domains, in known categories, no
/// pattern twice.
fn compile_rules(
    cookies: Vec<Located<CookieRule>>,
    categories: &[Category],
    line: &LineOf<'_>,
) -> Result<Rules, PolicyError> {
    let mut compiled = Rules {
        rules: Vec::with_capacity(cookies.len()),
        rule_category: Vec::with_capacity(cookies.len()),
        exact: HashMap::new(),
        prefixes: Vec::new(),
    };
    let mut lines: Vec<Option<usize>> = Vec::with_capacity(cookies.len());
    for (i, Located { value: rule, span }) in cookies.into_iter().enumerate() {
        let error = |key: &str, message: String| {
            PolicyError::new(format!("cookies[{i}].{key}"), message).at_line(line(&span, key))
        };
        if let Err(message) = check_pattern(&rule.name) {
            return Err(error("name", message));
        }
        let Some(category) = categories.iter().position(|c| c.id == rule.category) else {
            let message = format!(
                "unknown category `{}` (categories: {})",
                rule.category,
                category_list(categories)
            );
            return Err(error("category", message));
        };
        if let Some(path) = &rule.path {
            if !path.starts_with('/') || !path.bytes().all(is_attribute_byte) {
                let message =
                    format!("`{path}` must start with `/` and hold no `;` or control characters");
                return Err(error("path", message));
            }
        }
        if let Some(domain) = &rule.domain {
            if domain.is_empty() || !domain.bytes().all(is_attribute_byte) || domain.contains(' ') {
                return Err(error(
                    "domain",
                    format!("`{domain}` is not a valid cookie domain"),
                ));
            }
        }
        let index = compiled.rules.len();
        let duplicate = match rule.prefix() {
            Some(prefix) => {
                let found = compiled
                    .prefixes
                    .iter()
                    .find(|(p, _)| &**p == prefix)
                    .map(|&(_, i)| i);
                if found.is_none() {
                    compiled.prefixes.push((prefix.into(), index));
                }
                found
            }
            None => compiled.exact.insert(rule.name.as_str().into(), index),
        };
        if let Some(first) = duplicate {
            let first_line = lines[first]
                .map(|l| format!(" (first declared at line {l})"))
                .unwrap_or_default();
            return Err(error(
                "name",
                format!("cookie `{}` is declared twice{first_line}", rule.name),
            ));
        }
        lines.push(line(&span, "name"));
        compiled.rules.push(rule);
        compiled.rule_category.push(category);
    }
    Ok(compiled)
}
