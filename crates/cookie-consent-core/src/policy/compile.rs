//! From what a policy file (or builder) says to the [`Policy`] the decisions
//! read: each part validated, every error naming its field and line.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::consent_mode::ConsentMode;
use super::file::{Located, PolicyText};
use super::locales::Locales;
use super::names::NameIndex;
use super::resources::{compile_resources, compile_storage};
use super::suggest::did_you_mean;
use super::{
    category_list, check_pattern, is_attribute_byte, is_category_id, validate_consent_cookie,
    Compiled, CookieRule, Policy, PolicyError, Settings, UnknownCookies, UnknownRule, ESSENTIAL,
};
use crate::category::{Category, CategorySet};
use crate::source::{CompiledSource, ConsentSource, Format};
use crate::syntax::is_cookie_name;

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
    /// Compiles a policy, or every problem found: each part is validated
    /// whatever the others hold, a bad entry left out (so `check` reports
    /// them all); `problems` are those found while reading the text.
    pub(crate) fn compile(
        settings: Settings,
        categories: Vec<Located<Category>>,
        cookies: Vec<Located<CookieRule>>,
        source: Option<&PolicyText<'_>>,
        problems: Vec<PolicyError>,
    ) -> Result<Policy, Vec<PolicyError>> {
        match Policy::compile_all(settings, categories, cookies, source, problems) {
            (policy, problems) if problems.is_empty() => Ok(policy),
            (_, problems) => Err(problems),
        }
    }

    /// [`compile`](Self::compile), keeping the policy made of the parts that
    /// are valid even when others are not: `check` lints it.
    pub(crate) fn compile_all(
        settings: Settings,
        categories: Vec<Located<Category>>,
        cookies: Vec<Located<CookieRule>>,
        source: Option<&PolicyText<'_>>,
        mut problems: Vec<PolicyError>,
    ) -> (Policy, Vec<PolicyError>) {
        let line = |span: &Option<Range<usize>>, key: &str| {
            source.and_then(|s| s.line_of_key(span.as_ref(), key))
        };
        let categories = compile_categories(categories, &line, &mut problems);
        let unknown = unknown_rule(&settings, &categories, source).unwrap_or_else(|problem| {
            problems.push(problem);
            UnknownRule::Strip
        });
        if let Err((key, message)) = validate_consent_cookie(&settings.consent_cookie) {
            let at = source.and_then(|s| s.line_of_key(s.consent_cookie.as_ref(), key));
            problems.push(PolicyError::new(format!("consent_cookie.{key}"), message).at_line(at));
        }
        let Rules {
            rules,
            rule_category,
            exact,
            prefixes,
        } = compile_rules(cookies, &categories, &line, &mut problems);
        if let Some(updated) = settings.updated.as_deref().filter(|d| !is_date(d)) {
            let message = format!("`{updated}` is not a date (YYYY-MM-DD)");
            let at = source.and_then(|s| s.line_of_top_key("updated"));
            problems.push(PolicyError::new("updated", message).at_line(at));
        }
        if !is_cookie_name(settings.gpp_cookie.as_bytes()) {
            let message = format!("`{}` is not a cookie name", settings.gpp_cookie);
            let at = source.and_then(|s| s.line_of_top_key("gpp_cookie"));
            problems.push(PolicyError::new("gpp_cookie", message).at_line(at));
        }
        let text = source;
        let mut sources = Vec::with_capacity(settings.consent_sources.len());
        for (i, consent_source) in settings.consent_sources.iter().enumerate() {
            let span = text.and_then(|t| t.consent_sources.get(i).cloned().flatten());
            let line = |key: &str| text.and_then(|t| t.line_of_entry_key(span.as_ref(), key));
            let cookie_name = &settings.consent_cookie.name;
            match compile_source(consent_source, i, &categories, cookie_name, &line) {
                Ok(compiled) => sources.push(compiled),
                Err(problem) => problems.push(problem),
            }
        }

        let consent_mode = settings.consent_mode.as_ref().and_then(|config| {
            let ids: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
            let line = |key: &str| text.and_then(|t| t.line_of_key(t.consent_mode.as_ref(), key));
            ConsentMode::compile(config, &ids, &line)
                .map_err(|problem| problems.push(problem))
                .ok()
        });

        let resource_line = |i: usize, key: &str| {
            let span = text.and_then(|t| t.resources.get(i).cloned().flatten());
            text.and_then(|t| t.line_of_key(span.as_ref(), key))
        };
        let resources = compile_resources(
            &settings.resources,
            &categories,
            &resource_line,
            &mut problems,
        );
        let storage_line = |i: usize, key: &str| {
            let span = text.and_then(|t| t.storage.get(i).cloned().flatten());
            text.and_then(|t| t.line_of_key(span.as_ref(), key))
        };
        let storage = compile_storage(&settings.storage, &categories, &storage_line, &mut problems);

        let locales = Locales::compile(
            &settings.locales,
            &settings.default_locale,
            &categories,
            &rules,
            &settings.resources,
            &|tag: &str, key: &str| text.and_then(|t| t.line_of_locale(tag, key)),
            &mut problems,
        );

        // Policies built in code have no text: their compiled form stands in.
        let digest = match source {
            Some(source) => sha256_hex(source.text.as_bytes()),
            None => sha256_hex(format!("{settings:?}{categories:?}{rules:?}").as_bytes()),
        };
        let all = CategorySet::first(categories.len());
        let gpc = categories
            .iter()
            .enumerate()
            .filter(|(i, c)| c.honor_gpc && *i != 0)
            .fold(CategorySet::EMPTY, |set, (i, _)| {
                set.with(CategorySet::single(i))
            });
        let policy = Policy {
            inner: Arc::new(Compiled {
                settings,
                categories,
                rules,
                rule_category,
                names: NameIndex::new(exact.into_iter().collect(), prefixes),
                unknown,
                all,
                gpc,
                sources,
                consent_mode,
                locales,
                digest,
                signing_keys: None,
                resources,
                storage,
            }),
        };
        (policy, problems)
    }
}

/// Lower-case hex SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// `YYYY-MM-DD` with a month and day that can exist.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes[range].iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && digits(0..4).is_some()
        && digits(5..7).is_some_and(|month| (1..=12).contains(&month))
        && digits(8..10).is_some_and(|day| (1..=31).contains(&day))
}

/// Categories: valid ids, no duplicates, at most 63 besides `essential`, which
/// comes first (added when absent).
fn compile_categories(
    categories: Vec<Located<Category>>,
    line: &LineOf<'_>,
    problems: &mut Vec<PolicyError>,
) -> Vec<Category> {
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
            problems.push(PolicyError::new(field, message).at_line(at));
            continue;
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
            problems.push(PolicyError::new(field, message).at_line(at));
            continue;
        }
        if compiled.len() == 64 {
            let message = "a policy may have at most 63 categories besides `essential`";
            problems.push(PolicyError::new(field, message).at_line(at));
            continue;
        }
        let mut category = value;
        if category.title.is_empty() {
            category.title.clone_from(&category.id);
        }
        compiled.push(category);
        lines.push(at);
    }
    compiled
}

/// What `unknown_cookies` makes of an undeclared cookie.
fn unknown_rule(
    settings: &Settings,
    categories: &[Category],
    source: Option<&PolicyText<'_>>,
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
    problems: &mut Vec<PolicyError>,
) -> Rules {
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
            problems.push(error("name", message));
            continue;
        }
        let Some(category) = categories.iter().position(|c| c.id == rule.category) else {
            let message = format!(
                "unknown category `{}` (categories: {}){}",
                rule.category,
                category_list(categories),
                did_you_mean(&rule.category, categories.iter().map(|c| c.id.as_str()))
            );
            problems.push(error("category", message));
            continue;
        };
        if let Some(path) = &rule.path {
            if !path.starts_with('/') || !path.bytes().all(is_attribute_byte) {
                let message =
                    format!("`{path}` must start with `/` and hold no `;` or control characters");
                problems.push(error("path", message));
                continue;
            }
        }
        if let Some(domain) = &rule.domain {
            if domain.is_empty() || !domain.bytes().all(is_attribute_byte) || domain.contains(' ') {
                let message = format!("`{domain}` is not a valid cookie domain");
                problems.push(error("domain", message));
                continue;
            }
        }
        if let Err(message) = super::expiry::parse(&rule.expiry) {
            problems.push(error("expiry", message));
            continue;
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
            None => match compiled.exact.get(rule.name.as_str()) {
                Some(&first) => Some(first),
                None => {
                    compiled.exact.insert(rule.name.as_str().into(), index);
                    None
                }
            },
        };
        if let Some(first) = duplicate {
            let first_line = lines[first]
                .map(|l| format!(" (first declared at line {l})"))
                .unwrap_or_default();
            let message = format!("cookie `{}` is declared twice{first_line}", rule.name);
            problems.push(error("name", message));
            continue;
        }
        lines.push(line(&span, "name"));
        compiled.rules.push(rule);
        compiled.rule_category.push(category);
    }
    compiled
}

/// One `[[consent_sources]]` entry: a known format, a valid cookie name, grants
/// that name known categories, and a grant for every optional category (a
/// category no source id grants would silently never be granted).
fn compile_source(
    source: &ConsentSource,
    i: usize,
    categories: &[Category],
    consent_cookie: &str,
    line: &dyn Fn(&str) -> Option<usize>,
) -> Result<CompiledSource, PolicyError> {
    let field = |key: &str| format!("consent_sources[{i}].{key}");
    let error = |key: &str, line_key: &str, message: String| {
        PolicyError::new(field(key), message).at_line(line(line_key))
    };
    let format = &source.format;
    let cookie: Box<str> = source
        .cookie
        .as_deref()
        .unwrap_or_else(|| format.default_cookie(consent_cookie))
        .into();
    if !is_cookie_name(cookie.as_bytes()) {
        return Err(error(
            "cookie",
            "cookie",
            format!("`{cookie}` is not a cookie name"),
        ));
    }
    if format.grants_by_category_id()
        && matches!(format, Format::CookieConsent)
        && !source.grants.is_empty()
    {
        let message =
            "the cookie-consent format grants each category by its own id: remove `grants`";
        return Err(error("grants", "grants", message.to_owned()));
    }
    let mut ids: Vec<Box<str>> = Vec::new();
    let mut id_bit = |id: &str| -> Result<u64, PolicyError> {
        let at = match ids.iter().position(|known| &**known == id) {
            Some(at) => at,
            None => {
                ids.push(id.into());
                ids.len() - 1
            }
        };
        if at >= 64 {
            let message = "a source's grants may name at most 64 different ids".to_owned();
            return Err(error("grants", "grants", message));
        }
        Ok(1 << at)
    };
    let mut required = vec![0u64; categories.len()];
    for (category, granting) in &source.grants {
        let key = format!("grants.{category}");
        let Some(index) = categories.iter().position(|c| c.id == *category) else {
            let message = format!(
                "unknown category `{category}` (categories: {})",
                category_list(categories)
            );
            return Err(error(&key, category, message));
        };
        if index == 0 {
            let message = "`essential` is always granted: remove it from `grants`".to_owned();
            return Err(error(&key, category, message));
        }
        if granting.is_empty() || granting.iter().any(String::is_empty) {
            let message = "list the source's ids that grant this category".to_owned();
            return Err(error(&key, category, message));
        }
        for id in granting {
            let purpose = id.parse::<u8>().ok().filter(|n| (1..=24).contains(n));
            if matches!(format, Format::Tcf) && purpose.is_none() {
                let message = format!("TCF grants are purpose numbers from 1 to 24, not `{id}`");
                return Err(error(&key, category, message));
            }
            required[index] |= id_bit(id)?;
        }
    }
    for (index, category) in categories.iter().enumerate().skip(1) {
        if required[index] != 0 || matches!(format, Format::CookieConsent) {
            continue;
        }
        let default = if format.grants_by_category_id() {
            Some(category.id.as_str())
        } else {
            format.default_grant(&category.id)
        };
        match default {
            Some(id) => required[index] = id_bit(id)?,
            None => {
                let message = format!(
                    "the {} source cannot grant category `{}`: add `{} = [\"…\"]` under \
                     [consent_sources.grants], naming the source's ids that grant it",
                    format.id(),
                    category.id,
                    category.id
                );
                return Err(error("grants", "format", message));
            }
        }
    }
    Ok(CompiledSource {
        format: format.clone(),
        cookie,
        ids,
        required,
    })
}
