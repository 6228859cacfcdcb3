//! Reading a policy file (TOML, or JSON with the same schema).
//!
//! Both formats go through the same raw schema. Each `[[categories]]` and
//! `[[cookies]]` entry keeps the byte span it came from, so that validation,
//! which runs after parsing, can still name the line of the field at fault.

use std::ops::Range;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::consent_mode::ConsentModeConfig;
use super::locales::LocaleConfig;
use super::resources::{ResourceRule, StorageRule, UnknownResources};
use super::suggest::did_you_mean;
use super::{
    ConsentCookieConfig, CookieRule, Enforcement, Mode, Policy, PolicyError, Settings,
    UnknownCookies,
};
use crate::category::Category;
use crate::source::{ConsentSource, Format};

/// A value and, when it came from text, the bytes it came from.
#[derive(Debug, Clone)]
pub(crate) struct Located<T> {
    pub(crate) value: T,
    pub(crate) span: Option<Range<usize>>,
}

impl<T> Located<T> {
    pub(crate) fn unlocated(value: T) -> Self {
        Located { value, span: None }
    }
}

/// The text a policy came from, to turn spans into line numbers.
pub(crate) struct PolicyText<'a> {
    pub(crate) text: &'a str,
    pub(crate) consent_cookie: Option<Range<usize>>,
    /// The span of each `[[consent_sources]]` entry.
    pub(crate) consent_sources: Vec<Option<Range<usize>>>,
    /// The span of `[consent_mode]`.
    pub(crate) consent_mode: Option<Range<usize>>,
    /// The span of each `[[resources]]` entry.
    pub(crate) resources: Vec<Option<Range<usize>>>,
    /// The span of each `[[storage]]` entry.
    pub(crate) storage: Vec<Option<Range<usize>>>,
}

impl PolicyText<'_> {
    /// The line of `key` inside `span` (a whole entry), else the entry's first line.
    pub(crate) fn line_of_key(&self, span: Option<&Range<usize>>, key: &str) -> Option<usize> {
        self.line_in(span, key, false)
    }

    /// [`line_of_key`](Self::line_of_key) for an entry with sub-tables of its
    /// own (`[consent_sources.grants]`): only the next `[[` header ends it.
    pub(crate) fn line_of_entry_key(
        &self,
        span: Option<&Range<usize>>,
        key: &str,
    ) -> Option<usize> {
        self.line_in(span, key, true)
    }

    fn line_in(
        &self,
        span: Option<&Range<usize>>,
        key: &str,
        with_subtables: bool,
    ) -> Option<usize> {
        let span = span?.clone();
        let entry = self.text.get(span.clone())?;
        // A TOML `[table]` or `[[array]]` span covers its header only: the entry
        // runs on to the next header.
        let is_header = entry.starts_with('[');
        let region = if is_header {
            self.text.get(span.start..)?
        } else {
            entry
        };
        let mut offset = span.start;
        for (i, line) in region.split_inclusive('\n').enumerate() {
            let line_start = line.trim_start();
            let next_entry = if with_subtables {
                line_start.starts_with("[[")
            } else {
                line_start.starts_with('[')
            };
            if is_header && i > 0 && next_entry {
                break;
            }
            if starts_with_key(line_start, key) {
                return Some(line_number(self.text, offset));
            }
            offset += line.len();
        }
        Some(line_number(self.text, span.start))
    }

    /// The line of `key` (a dotted path such as `categories.ads.title`)
    /// under `[locales.<tag>]`: in TOML, under the deepest table header of
    /// the path; in JSON, the first line naming its last part after the tag.
    pub(crate) fn line_of_locale(&self, tag: &str, key: &str) -> Option<usize> {
        if tag.is_empty() {
            return self.line_of_top_key(key);
        }
        let mut parts = vec![tag];
        parts.extend(key.split('.').filter(|p| !p.is_empty()));
        let normalized = |line: &str| line.trim().replace(['"', ' '], "");
        let mut offset = 0;
        let mut headers = Vec::new();
        for line in self.text.split_inclusive('\n') {
            headers.push((offset, normalized(line)));
            offset += line.len();
        }
        for n in (1..=parts.len()).rev() {
            let header = format!("[locales.{}", parts[..n].join("."));
            let found = headers.iter().find(|(_, line)| {
                line.strip_prefix(&header)
                    .is_some_and(|rest| rest.starts_with(']'))
            });
            if let Some(&(start, _)) = found {
                let rest = parts[n..].join(".");
                return if rest.is_empty() {
                    Some(line_number(self.text, start))
                } else {
                    self.line_of_key(Some(&(start..start + 1)), &rest)
                };
            }
        }
        // JSON: the tag's line, then the first line after it naming the key's last part.
        let quoted = |word: &str| format!("\"{word}\"");
        let tag_at = self.text.find(&quoted(tag))?;
        let last = parts.last().copied().unwrap_or(tag);
        let at = self.text[tag_at..]
            .find(&quoted(last))
            .map_or(tag_at, |i| tag_at + i);
        Some(line_number(self.text, at))
    }

    /// The line of a top-level key, the first line that starts with it.
    pub(crate) fn line_of_top_key(&self, key: &str) -> Option<usize> {
        self.line_of_key(Some(&(0..self.text.len())), key)
    }
}

/// `key = …` (TOML, key bare or quoted) or `"key": …` (JSON).
fn starts_with_key(line: &str, key: &str) -> bool {
    let rest = if let Some(rest) = line.strip_prefix('"') {
        match rest.strip_prefix(key).and_then(|r| r.strip_prefix('"')) {
            Some(rest) => rest,
            None => return false,
        }
    } else {
        match line.strip_prefix(key) {
            Some(rest) => rest,
            None => return false,
        }
    };
    matches!(rest.trim_start().as_bytes().first(), Some(b'=' | b':'))
}

pub(crate) fn line_number(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The document, generic over how entries are held while parsing
/// (`toml::Spanned<T>` for TOML, `&RawValue` for JSON).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc<C, K, S, Q, M, R, G> {
    #[serde(default)]
    name: String,
    updated: Option<RawDate>,
    #[serde(default)]
    revision: u64,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    unknown_cookies: UnknownCookies,
    #[serde(default)]
    enforcement: Enforcement,
    #[serde(default)]
    consent_max_age_days: Option<u32>,
    #[serde(default)]
    honor_dnt: bool,
    #[serde(default)]
    honor_gpp: bool,
    gpp_cookie: Option<String>,
    #[serde(default)]
    honor_usp: bool,
    #[serde(default = "default_true")]
    vary: bool,
    #[serde(default = "default_max_purge")]
    max_purge: usize,
    consent_cookie: Option<S>,
    #[serde(default = "Vec::new")]
    categories: Vec<C>,
    #[serde(default = "Vec::new")]
    cookies: Vec<K>,
    #[serde(default = "Vec::new")]
    consent_sources: Vec<Q>,
    consent_mode: Option<M>,
    default_locale: Option<String>,
    #[serde(default)]
    locales: std::collections::BTreeMap<String, LocaleConfig>,
    #[serde(default)]
    unknown_resources: UnknownResources,
    #[serde(default = "Vec::new")]
    resources: Vec<R>,
    #[serde(default = "Vec::new")]
    storage: Vec<G>,
}

/// `updated`: a TOML date (`2026-03-01`), or the same as a string (JSON).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    fn text(&self) -> String {
        match self {
            RawDate::Text(text) => text.clone(),
            RawDate::Toml(date) => date.to_string(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_max_purge() -> usize {
    Settings::default().max_purge
}

impl<C, K, S, Q, M, R, G> RawDoc<C, K, S, Q, M, R, G> {
    /// Splits off the settings, given the consent cookie's parsed table.
    fn settings(&self, consent_cookie: ConsentCookieConfig) -> Settings {
        Settings {
            name: self.name.clone(),
            updated: self.updated.as_ref().map(RawDate::text),
            revision: self.revision,
            mode: self.mode,
            unknown_cookies: self.unknown_cookies.clone(),
            enforcement: self.enforcement,
            consent_max_age_days: self.consent_max_age_days,
            honor_dnt: self.honor_dnt,
            vary: self.vary,
            max_purge: self.max_purge,
            consent_cookie,
            honor_gpp: self.honor_gpp,
            gpp_cookie: self
                .gpp_cookie
                .clone()
                .unwrap_or_else(|| Settings::default().gpp_cookie),
            honor_usp: self.honor_usp,
            consent_sources: Vec::new(),
            consent_mode: None,
            default_locale: self
                .default_locale
                .clone()
                .unwrap_or_else(|| Settings::default().default_locale),
            locales: self.locales.clone(),
            resources: Vec::new(),
            storage: Vec::new(),
            unknown_resources: self.unknown_resources,
        }
    }
}

/// A `[[consent_sources]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    format: String,
    cookie: Option<String>,
    #[serde(default)]
    grants: std::collections::BTreeMap<String, Vec<RawGrantId>>,
}

/// A source's id: a name, or a number (TCF purposes).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawGrantId {
    Name(String),
    Number(u64),
}

impl RawSource {
    /// The source, or the error naming its unknown format.
    fn into_source(self, i: usize, line: Option<usize>) -> Result<ConsentSource, PolicyError> {
        let Some(mut source) = ConsentSource::named(&self.format) else {
            let message = format!(
                "unknown format `{}` (formats: {}){}",
                self.format,
                Format::NAMES.join(", "),
                did_you_mean(&self.format, Format::NAMES.iter().copied())
            );
            return Err(
                PolicyError::new(format!("consent_sources[{i}].format"), message).at_line(line),
            );
        };
        if let Some(cookie) = self.cookie {
            source = source.cookie(cookie);
        }
        for (category, ids) in self.grants {
            let ids = ids.into_iter().map(|id| match id {
                RawGrantId::Name(name) => name,
                RawGrantId::Number(number) => number.to_string(),
            });
            source = source.grant(category, ids);
        }
        Ok(source)
    }
}

/// A `[[categories]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: String,
    title: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    retention: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    honor_gpc: bool,
}

impl From<RawCategory> for Category {
    fn from(raw: RawCategory) -> Self {
        Category {
            title: raw.title.unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            description: raw.description,
            retention: raw.retention,
            legal_basis: raw.legal_basis,
            honor_gpc: raw.honor_gpc,
        }
    }
}

/// Turns a serde error with its field path into a [`PolicyError`].
fn deserialize_error<E: std::fmt::Display>(
    err: &serde_path_to_error::Error<E>,
    message: &str,
    line: Option<usize>,
    prefix: &str,
) -> PolicyError {
    // toml's `Spanned` shows up in the path as a private field; hide it.
    let mut field = err
        .path()
        .to_string()
        .replace(".$__serde_spanned_private_value", "");
    if field == "." {
        field.clear();
    }
    // serde names the unknown key only in its message; put it in the path too.
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        if !field.ends_with(key) {
            field = if field.is_empty() {
                key.to_owned()
            } else {
                format!("{field}.{key}")
            };
        }
    }
    let field = match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field,
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{field}"),
    };
    PolicyError::new(field, message).at_line(line)
}

/// The first of `problems`: what loading a policy reports.
pub(crate) fn first(problems: Vec<PolicyError>) -> PolicyError {
    problems
        .into_iter()
        .next()
        .unwrap_or_else(|| PolicyError::new("", "invalid policy"))
}

pub(crate) fn from_toml(text: &str) -> Result<Policy, PolicyError> {
    from_toml_all(text).map_err(first)
}

pub(crate) fn from_json(text: &str) -> Result<Policy, PolicyError> {
    from_json_all(text).map_err(first)
}

/// A TOML policy, or every problem found in it (one, if it does not parse).
pub(crate) fn from_toml_all(text: &str) -> Result<Policy, Vec<PolicyError>> {
    type Doc = RawDoc<
        toml::Spanned<RawCategory>,
        toml::Spanned<CookieRule>,
        toml::Spanned<ConsentCookieConfig>,
        toml::Spanned<RawSource>,
        toml::Spanned<ConsentModeConfig>,
        toml::Spanned<ResourceRule>,
        toml::Spanned<StorageRule>,
    >;
    let deserializer = toml::Deserializer::parse(text).map_err(|err| {
        vec![named_by_span(
            text,
            &err,
            PolicyError::new("", err.message()),
        )]
    })?;
    let doc: Doc = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let inner = err.inner();
        vec![named_by_span(
            text,
            inner,
            deserialize_error(&err, inner.message(), None, ""),
        )]
    })?;
    let mut problems = Vec::new();
    let consent_span = doc.consent_cookie.as_ref().map(|c| c.span());
    let consent_cookie = doc.consent_cookie.as_ref().map(|c| c.get_ref().clone());
    let mut settings = doc.settings(consent_cookie.unwrap_or_default());
    let mut source_spans = Vec::with_capacity(doc.consent_sources.len());
    let consent_mode_span = doc.consent_mode.as_ref().map(|m| m.span());
    settings.consent_mode = doc.consent_mode.as_ref().map(|m| m.get_ref().clone());
    let mut text_source = PolicyText {
        text,
        consent_cookie: consent_span.clone(),
        consent_sources: Vec::new(),
        consent_mode: consent_mode_span,
        resources: doc.resources.iter().map(|r| Some(r.span())).collect(),
        storage: doc.storage.iter().map(|r| Some(r.span())).collect(),
    };
    settings.resources = doc
        .resources
        .into_iter()
        .map(toml::Spanned::into_inner)
        .collect();
    settings.storage = doc
        .storage
        .into_iter()
        .map(toml::Spanned::into_inner)
        .collect();
    for (i, raw) in doc.consent_sources.into_iter().enumerate() {
        let span = raw.span();
        let line = text_source.line_of_key(Some(&span), "format");
        match raw.into_inner().into_source(i, line) {
            Ok(source) => {
                settings.consent_sources.push(source);
                source_spans.push(Some(span));
            }
            Err(problem) => problems.push(problem),
        }
    }
    text_source.consent_sources = source_spans;
    let categories = doc
        .categories
        .into_iter()
        .map(|c| Located {
            span: Some(c.span()),
            value: Category::from(c.into_inner()),
        })
        .collect();
    let cookies = doc
        .cookies
        .into_iter()
        .map(|c| Located {
            span: Some(c.span()),
            value: c.into_inner(),
        })
        .collect();
    Policy::compile(settings, categories, cookies, Some(&text_source), problems)
}

/// Adds the line of a TOML error's span and, when the message names no field
/// (as with "duplicate key"), the key the span points at.
fn named_by_span(text: &str, err: &toml::de::Error, error: PolicyError) -> PolicyError {
    let span = err.span();
    let mut error = error
        .at_line(span.as_ref().map(|s| line_number(text, s.start)))
        .at_span(span.clone());
    if error.field.is_empty() {
        // The span points at a key, or at a value after `key =` on its line.
        let key_before = |start: usize| {
            let line_start = text.get(..start)?.rfind('\n').map_or(0, |at| at + 1);
            let (key, _) = text.get(line_start..start)?.split_once('=')?;
            Some(key.trim().trim_matches('"'))
        };
        let key = span.and_then(|s| {
            key_before(s.start).or_else(|| text.get(s).map(|k| k.trim().trim_matches('"')))
        });
        if let Some(key) = key.filter(|k| !k.is_empty() && !k.contains(['\n', '=', '['])) {
            error.field = key.to_owned();
        }
    }
    error
}

/// A JSON policy, or every problem found in it (one, if it does not parse).
pub(crate) fn from_json_all(text: &str) -> Result<Policy, Vec<PolicyError>> {
    match from_json_parts(text, true) {
        (Some(policy), problems) if problems.is_empty() => Ok(policy),
        (_, problems) => Err(problems),
    }
}

/// Every problem of a JSON policy, and the policy its valid parts make
/// (none when the document itself does not read); with lines when
/// `located` (not for a document made by `check`, whose lines are not the
/// author's).
pub(crate) fn from_json_parts(text: &str, located: bool) -> (Option<Policy>, Vec<PolicyError>) {
    type Doc<'a> = RawDoc<
        &'a RawValue,
        &'a RawValue,
        &'a RawValue,
        &'a RawValue,
        &'a RawValue,
        &'a RawValue,
        &'a RawValue,
    >;
    let json_error = |err: &serde_json::Error| (err.line() > 0).then_some(err.line());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let doc: Doc<'_> = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(doc) => doc,
        Err(err) => {
            let inner = err.inner();
            let message = json_message(inner);
            return (
                None,
                vec![deserialize_error(&err, &message, json_error(inner), "")],
            );
        }
    };
    // Nothing may follow the document (serde_json leaves that check to the caller).
    if let Err(err) = deserializer.end() {
        let problem = PolicyError::new("", json_message(&err)).at_line(json_error(&err));
        return (None, vec![problem]);
    }
    // Each entry is read on its own: a bad one is reported and left out.
    let mut problems = Vec::new();
    // Entries are parsed one by one from their own text, which also gives their span.
    fn entry<T: serde::de::DeserializeOwned>(
        text: &str,
        raw: &RawValue,
        field: &str,
    ) -> Result<Located<T>, PolicyError> {
        let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let span = start..start + raw.get().len();
        let first_line = line_number(text, start);
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        serde_path_to_error::deserialize(&mut deserializer)
            .map(|value| Located {
                value,
                span: Some(span),
            })
            .map_err(|err| {
                let inner = err.inner();
                let line = (inner.line() > 0).then(|| first_line + inner.line() - 1);
                deserialize_error(&err, &json_message(inner), line, field)
            })
    }
    let consent_cookie: Option<Located<ConsentCookieConfig>> = doc
        .consent_cookie
        .and_then(|raw| read(&mut problems, entry(text, raw, "consent_cookie")));
    let mut settings = doc.settings(
        consent_cookie
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_default(),
    );
    let consent_mode: Option<Located<ConsentModeConfig>> = doc
        .consent_mode
        .and_then(|raw| read(&mut problems, entry(text, raw, "consent_mode")));
    settings.consent_mode = consent_mode.as_ref().map(|m| m.value.clone());
    let mut source_spans = Vec::with_capacity(doc.consent_sources.len());
    for (i, raw) in doc.consent_sources.iter().enumerate() {
        let Some(entry): Option<Located<RawSource>> = read(
            &mut problems,
            entry(text, raw, &format!("consent_sources[{i}]")),
        ) else {
            continue;
        };
        let probe = PolicyText {
            text,
            consent_cookie: None,
            consent_sources: Vec::new(),
            consent_mode: None,
            resources: Vec::new(),
            storage: Vec::new(),
        };
        let line = probe.line_of_key(entry.span.as_ref(), "format");
        if let Some(source) = read(&mut problems, entry.value.into_source(i, line)) {
            settings.consent_sources.push(source);
            source_spans.push(entry.span);
        }
    }
    let mut categories = Vec::with_capacity(doc.categories.len());
    for (i, raw) in doc.categories.iter().enumerate() {
        let Some(c): Option<Located<RawCategory>> =
            read(&mut problems, entry(text, raw, &format!("categories[{i}]")))
        else {
            continue;
        };
        categories.push(Located {
            value: Category::from(c.value),
            span: c.span,
        });
    }
    let cookies: Vec<Located<CookieRule>> = doc
        .cookies
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| read(&mut problems, entry(text, raw, &format!("cookies[{i}]"))))
        .collect();
    let mut resource_spans = Vec::with_capacity(doc.resources.len());
    for (i, raw) in doc.resources.iter().enumerate() {
        let field = format!("resources[{i}]");
        if let Some(entry) = read(&mut problems, entry::<ResourceRule>(text, raw, &field)) {
            settings.resources.push(entry.value);
            resource_spans.push(entry.span);
        }
    }
    let mut storage_spans = Vec::with_capacity(doc.storage.len());
    for (i, raw) in doc.storage.iter().enumerate() {
        let field = format!("storage[{i}]");
        if let Some(entry) = read(&mut problems, entry::<StorageRule>(text, raw, &field)) {
            settings.storage.push(entry.value);
            storage_spans.push(entry.span);
        }
    }
    let source = PolicyText {
        text,
        consent_cookie: consent_cookie.and_then(|c| c.span),
        consent_sources: source_spans,
        consent_mode: consent_mode.and_then(|m| m.span),
        resources: resource_spans,
        storage: storage_spans,
    };
    let (policy, problems) = Policy::compile_all(
        settings,
        categories,
        cookies,
        located.then_some(&source),
        problems,
    );
    (Some(policy), problems)
}

/// The value, or `None` with its problem noted.
fn read<T>(problems: &mut Vec<PolicyError>, result: Result<T, PolicyError>) -> Option<T> {
    result.map_err(|problem| problems.push(problem)).ok()
}

/// serde_json appends " at line L column C"; the line is reported on its own.
fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}
