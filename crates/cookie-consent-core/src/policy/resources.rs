//! What a page loads and stores, by category (DESIGN §20): `[[resources]]`
//! (the tags, frames, pixels and preloads of a provider, by URL prefix or
//! host pattern) and `[[storage]]` (`localStorage`/`sessionStorage` keys).
//! Consent covers reading the device, not only cookies (ePrivacy art. 5(3)).

use serde::Deserialize;

use super::{Policy, PolicyError};
use crate::category::Category;

/// One `[[resources]]` entry: the URLs of a provider's tags, frames,
/// pixels and preloads, and the category that must be granted for a page to
/// load them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResourceRule {
    /// An `http(s)://` URL prefix (`https://www.googletagmanager.com/`), or a
    /// host pattern: `cdn.example.com`, or `*.clarity.ms` for every
    /// subdomain.
    #[serde(rename = "match")]
    pub pattern: String,
    /// The category id.
    pub category: String,
    /// Who serves it: named in the placeholder and on the policy page.
    #[serde(default)]
    pub provider: String,
    /// The text of the placeholder that stands in for a frame (translatable
    /// under `[locales]`); default: a sentence naming provider and category.
    #[serde(default)]
    pub placeholder: Option<String>,
}

/// One `[[storage]]` entry: a `localStorage`/`sessionStorage` key (exact,
/// or a prefix ending in `*`) and its category.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StorageRule {
    /// The key, or a prefix followed by `*`.
    pub key: String,
    /// The category id.
    pub category: String,
}

/// What a page may do with one resource URL.
#[cfg(feature = "page")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResourceVerdict {
    /// Load it as written.
    Load,
    /// Neutralise it until the category at this index is granted.
    Block { category: usize },
    /// An undeclared third-party resource under `unknown_resources = "strip"`.
    Strip,
    /// Load it, and report its host (`unknown_resources = "report"`).
    Report { host: String },
}

/// `Host` (with any port) names `host`.
fn same_host(page_host: &str, host: &str) -> bool {
    let page_host = page_host.rsplit_once(':').map_or(page_host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            page_host
        }
    });
    page_host.trim_end_matches('.').eq_ignore_ascii_case(host)
}

/// What a resource the policy does not declare is treated as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum UnknownResources {
    /// Loaded (the default: first-party and unlisted resources keep working).
    #[default]
    Keep,
    /// Neutralised, as an ungranted one is.
    Strip,
    /// Loaded, and reported once per host.
    Report,
}

/// How a resource pattern matches a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// A URL prefix: this scheme, host and (when given) port, and a path
    /// that starts with `path`.
    Prefix {
        scheme: String,
        host: String,
        port: Option<String>,
        path: String,
    },
    /// The host is this one.
    Host(String),
    /// The host is a subdomain of this one.
    Subdomains(String),
    /// The site's own URLs (relative, or on the page's host) whose path
    /// starts with this: a first-party tag such as `/js/matomo.js`.
    Path(String),
}

/// A URL a page names, as patterns match it: absolute, and (for the
/// site's own) its path.
pub(crate) struct Target {
    absolute: Option<Url>,
    own_path: Option<String>,
}

impl Target {
    /// `url` on a page of `page_host` (unknown: only root-relative URLs are
    /// the site's own). A relative URL without a leading `/` has no path to
    /// match without the page's own: it matches no path pattern. `paths`:
    /// whether a path pattern will ask (else a relative URL's is not read).
    pub(crate) fn new(url: &str, page_host: Option<&str>, paths: bool) -> Target {
        let absolute = Url::parse(url);
        let own_path = match &absolute {
            Some(parsed) => page_host
                .filter(|host| same_host(host, &parsed.host))
                .map(|_| parsed.path.clone()),
            None if !paths => None,
            None => {
                // As the browser reads it: tabs and newlines dropped, `\\` a `/`.
                let url = url
                    .trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control())
                    .replace(['\t', '\n', '\r'], "")
                    .replace('\\', "/");
                url.starts_with('/').then(|| normalized_path(&url))
            }
        };
        Target { absolute, own_path }
    }
}

impl StorageRule {
    /// A rule for the storage key `key` (or prefix ending in `*`) in `category`.
    pub fn new(key: impl Into<String>, category: impl Into<String>) -> Self {
        StorageRule {
            key: key.into(),
            category: category.into(),
        }
    }
}

impl ResourceRule {
    /// A rule for the URLs `pattern` matches, in `category`.
    pub fn new(pattern: impl Into<String>, category: impl Into<String>) -> Self {
        ResourceRule {
            pattern: pattern.into(),
            category: category.into(),
            provider: String::new(),
            placeholder: None,
        }
    }

    /// Sets the provider.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = provider.into();
        self
    }
}

impl Pattern {
    /// The pattern `text` stands for, or why it stands for none.
    pub(crate) fn parse(text: &str) -> Result<Pattern, String> {
        if text.starts_with('/') && !text.starts_with("//") {
            return Ok(Pattern::Path(normalized_path(text)));
        }
        if text.contains("//") {
            let url = Url::parse(text)
                .filter(|url| !url.scheme.is_empty() && is_host(&url.host))
                .ok_or_else(|| format!("`{text}`: not an http(s):// URL with a host"))?;
            return Ok(Pattern::Prefix {
                scheme: url.scheme,
                host: url.host,
                port: (!url.port.is_empty()).then_some(url.port),
                path: url.path,
            });
        }
        let lower = text.to_ascii_lowercase();
        if let Some(domain) = lower.strip_prefix("*.") {
            return match is_host(domain) {
                true => Ok(Pattern::Subdomains(domain.to_owned())),
                false => Err(format!("`{text}`: `*.` must stand before a host")),
            };
        }
        match is_host(&lower) {
            true => Ok(Pattern::Host(lower)),
            false => Err(format!(
                "`{text}` is neither an http(s):// URL prefix, a host (`cdn.example.com`, `*.clarity.ms`) nor a path of the site's own (`/js/matomo.js`)"
            )),
        }
    }

    /// Whether `target` is one of these.
    pub(crate) fn matches(&self, target: &Target) -> bool {
        if let Pattern::Path(prefix) = self {
            return target
                .own_path
                .as_ref()
                .is_some_and(|path| path.starts_with(prefix.as_str()));
        }
        let Some(url) = &target.absolute else {
            return false;
        };
        match self {
            Pattern::Path(_) => false,
            Pattern::Prefix {
                scheme,
                host,
                port,
                path,
            } => {
                (url.scheme.is_empty() || url.scheme == *scheme)
                    && url.host == *host
                    && port.as_ref().is_none_or(|port| *port == url.port)
                    && url.path.starts_with(path.as_str())
            }
            Pattern::Host(host) => url.host == *host,
            Pattern::Subdomains(domain) => url
                .host
                .strip_suffix(domain.as_str())
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
        }
    }
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// An absolute URL as the browser reads what a page writes in `src` or
/// `href`: spaces around it and tabs and newlines inside it dropped, `\\`
/// read as `/`, the host's percent-escapes decoded, scheme and host in lower
/// case, a trailing dot dropped from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `https:`, or empty for `//host/…`.
    scheme: String,
    pub(crate) host: String,
    port: String,
    /// From the first `/`, `?` or `#` after the host on.
    path: String,
}

impl Url {
    /// `None` for a relative URL (the page's own origin) and other schemes.
    pub(crate) fn parse(text: &str) -> Option<Url> {
        // Most URLs a page names are its own, relative, and need no copy to say so.
        if !text.contains("//") && !text.contains(['\\', '\t', '\n', '\r']) {
            return None;
        }
        let text: String = text
            .trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control())
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .map(|c| if c == '\\' { '/' } else { c })
            .collect();
        let (scheme, after) = match text.find("//") {
            Some(0) => (String::new(), &text[2..]),
            Some(at) => {
                let scheme = text[..at].to_ascii_lowercase();
                if scheme != "https:" && scheme != "http:" {
                    return None;
                }
                (scheme, &text[at + 2..])
            }
            None => return None,
        };
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let authority = &after[..end];
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, port),
            _ => (host_port, ""),
        };
        let host = percent_decode(host).to_ascii_lowercase();
        let host = host.strip_suffix('.').unwrap_or(&host).to_owned();
        Some(Url {
            scheme,
            host,
            port: port.to_owned(),
            path: normalized_path(&after[end..]),
        })
    }
}

/// A path as the server receives it from a browser: escapes of unreserved
/// characters decoded (`%67` → `g`, the same URL by RFC 3986), then `.` and
/// `..` segments resolved; the query and fragment left as written.
pub(crate) fn normalized_path(path: &str) -> String {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let (path, rest) = path.split_at(end);
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        let escaped = match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => Some((high * 16 + low) as u8),
            _ => None,
        };
        match escaped {
            Some(b) if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => {
                decoded.push(b);
                i += 3;
            }
            _ => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    let decoded = String::from_utf8_lossy(&decoded);
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = decoded.split('/').collect();
    for (n, segment) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        match *segment {
            "." if last => segments.push(""),
            "." => {}
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
                if last {
                    segments.push("");
                }
            }
            other => segments.push(other),
        }
    }
    format!("{}{rest}", segments.join("/"))
}

/// `%74` → `t`: browsers decode a host's escapes before they resolve it.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The resources, validated: each pattern read, each category known.
pub(crate) fn compile_resources(
    resources: &[ResourceRule],
    categories: &[Category],
    line: &dyn Fn(usize, &str) -> Option<usize>,
    problems: &mut Vec<PolicyError>,
) -> Vec<(Pattern, usize)> {
    let mut compiled = Vec::with_capacity(resources.len());
    for (i, resource) in resources.iter().enumerate() {
        let error = |key: &str, message: String| {
            PolicyError::new(format!("resources[{i}].{key}"), message).at_line(line(i, key))
        };
        let pattern = match Pattern::parse(&resource.pattern) {
            Ok(pattern) => pattern,
            Err(message) => {
                problems.push(error("match", message));
                continue;
            }
        };
        match category_index(categories, &resource.category) {
            Ok(index) => compiled.push((pattern, index)),
            Err(message) => problems.push(error("category", message)),
        }
    }
    compiled
}

/// The storage keys, validated.
pub(crate) fn compile_storage(
    storage: &[StorageRule],
    categories: &[Category],
    line: &dyn Fn(usize, &str) -> Option<usize>,
    problems: &mut Vec<PolicyError>,
) -> Vec<usize> {
    let mut compiled = Vec::with_capacity(storage.len());
    for (i, rule) in storage.iter().enumerate() {
        let error = |key: &str, message: String| {
            PolicyError::new(format!("storage[{i}].{key}"), message).at_line(line(i, key))
        };
        let stem = rule.key.strip_suffix('*').unwrap_or(&rule.key);
        if stem.is_empty() || stem.contains('*') {
            let message = format!(
                "`{}`: a key, or a prefix followed by one `*` at the end",
                rule.key
            );
            problems.push(error("key", message));
            continue;
        }
        match category_index(categories, &rule.category) {
            Ok(index) => compiled.push(index),
            Err(message) => problems.push(error("category", message)),
        }
    }
    compiled
}

fn category_index(categories: &[Category], id: &str) -> Result<usize, String> {
    categories.iter().position(|c| c.id == id).ok_or_else(|| {
        format!(
            "unknown category `{id}` (categories: {}){}",
            super::category_list(categories),
            super::suggest::did_you_mean(id, categories.iter().map(|c| c.id.as_str()))
        )
    })
}

impl Policy {
    /// The declared resources, in file order.
    pub fn resources(&self) -> &[ResourceRule] {
        &self.inner.settings.resources
    }

    /// The declared storage keys, in file order.
    pub fn storage(&self) -> &[StorageRule] {
        &self.inner.settings.storage
    }

    /// The declared resource `url` is one of (the first that matches), and
    /// the index of its category; `None` for a relative URL or one no entry
    /// names.
    pub(crate) fn resource_for(&self, url: &str) -> Option<(&ResourceRule, usize)> {
        let target = Target::new(url, None, true);
        let at = self
            .inner
            .resources
            .iter()
            .position(|(pattern, _)| pattern.matches(&target))?;
        Some((
            &self.inner.settings.resources[at],
            self.inner.resources[at].1,
        ))
    }

    /// The declared resource rule `url` falls under (the first that
    /// matches); `None` for one no entry names. A path pattern matches
    /// root-relative URLs here (the page's host is not known).
    pub fn resource_rule(&self, url: &str) -> Option<&ResourceRule> {
        self.resource_for(url).map(|(rule, _)| rule)
    }

    #[cfg(feature = "page")]
    /// What a page may do with the resource at `url` when the categories
    /// flagged in `granted` are granted: the one decision of the page layer.
    /// A relative URL, or one on `page_host`, is the site's own: loaded
    /// unless declared in an ungranted category.
    pub(crate) fn resource_verdict(
        &self,
        granted: &[bool],
        url: &str,
        page_host: Option<&str>,
    ) -> ResourceVerdict {
        let paths = self
            .inner
            .resources
            .iter()
            .any(|(pattern, _)| matches!(pattern, Pattern::Path(_)));
        let target = Target::new(url, page_host, paths);
        let declared = self
            .inner
            .resources
            .iter()
            .find(|(pattern, _)| pattern.matches(&target));
        match declared {
            Some(&(_, category)) if granted.get(category).copied().unwrap_or(false) => {
                return ResourceVerdict::Load
            }
            Some(&(_, category)) => return ResourceVerdict::Block { category },
            None => {}
        }
        // Undeclared: the site's own loads; a third party's as `unknown_resources` says.
        let Some(parsed) = target.absolute.filter(|_| target.own_path.is_none()) else {
            return ResourceVerdict::Load;
        };
        {
            match self.inner.settings.unknown_resources {
                UnknownResources::Keep => ResourceVerdict::Load,
                UnknownResources::Strip => ResourceVerdict::Strip,
                UnknownResources::Report => ResourceVerdict::Report { host: parsed.host },
            }
        }
    }

    /// What an undeclared third-party resource is treated as.
    pub fn unknown_resources(&self) -> UnknownResources {
        self.inner.settings.unknown_resources
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, url: &str) -> bool {
        let pattern = Pattern::parse(pattern).unwrap();
        let target = Target::new(url, None, true);
        target.absolute.is_some() && pattern.matches(&target)
    }

    #[test]
    fn a_path_pattern_matches_the_sites_own_urls() {
        let own = Pattern::parse("/js/matomo").unwrap();
        let on = |url: &str, host: Option<&str>| own.matches(&Target::new(url, host, true));
        assert!(on("/js/matomo.js", None));
        assert!(on(" /js/matomo.js?v=2", None));
        assert!(on(
            "https://shop.example/js/matomo.js",
            Some("shop.example:8080")
        ));
        assert!(!on(
            "https://cdn.other.example/js/matomo.js",
            Some("shop.example")
        ));
        assert!(!on("https://shop.example/js/matomo.js", None));
        assert!(!on("js/matomo.js", None));
        assert!(!on("/js/app.js", None));
        assert!(on("/css/../js/./matomo.js", None));
        assert!(on("/js/%6Datomo.js", None));
        assert!(on("\\js/matomo.js", None));
    }

    #[test]
    fn a_prefix_matches_its_urls_with_scheme_and_host_in_any_case() {
        let gtm = "https://www.googletagmanager.com/gtag/";
        assert!(matches(
            gtm,
            "https://www.googletagmanager.com/gtag/js?id=G-1"
        ));
        assert!(matches(gtm, "HTTPS://WWW.GoogleTagManager.com/gtag/js"));
        assert!(matches(gtm, "//www.googletagmanager.com/gtag/js"));
        assert!(matches(gtm, "  https://www.googletagmanager.com/gtag/js "));
        assert!(matches(gtm, "https://www.googletagmanager.com\\gtag/js"));
        assert!(matches(
            gtm,
            "https://user@www.googletagmanager.com/gtag/js"
        ));
        assert!(!matches(gtm, "http://www.googletagmanager.com/gtag/js"));
        assert!(!matches(gtm, "https://www.googletagmanager.com/GTAG/js"));
        assert!(!matches(
            gtm,
            "https://www.googletagmanager.com.evil/gtag/js"
        ));
        assert!(!matches(gtm, "/gtag/js"));
        // A prefix that is only the origin: every path of that host, no other host.
        let origin = "https://cdn.example.com";
        assert!(matches(origin, "https://cdn.example.com/a.js"));
        assert!(matches(origin, "https://cdn.example.com:443/a.js"));
        assert!(!matches(origin, "https://cdn.example.com.evil/a.js"));
        // What the browser reads past: a port, tabs, escapes in the host.
        assert!(matches(gtm, "https://www.googletagmanager.com:443/gtag/js"));
        assert!(matches(gtm, "https://www.google\ttagmanager.com/gtag/js"));
        assert!(matches(gtm, "https://www.google%74agmanager.com/gtag/js"));
        assert!(matches(gtm, "https://www.googletagmanager.com./gtag/js"));
        assert!(matches(
            gtm,
            "https://www.googletagmanager.com/./x/../gtag/js"
        ));
        assert!(matches(gtm, "https://www.googletagmanager.com/%67tag/js"));
    }

    #[test]
    fn host_patterns_match_the_host_or_its_subdomains() {
        assert!(matches("*.clarity.ms", "https://www.clarity.ms/tag/x"));
        assert!(matches("*.clarity.ms", "https://a.b.CLARITY.ms/"));
        assert!(!matches("*.clarity.ms", "https://clarity.ms/"));
        assert!(!matches("*.clarity.ms", "https://evilclarity.ms/"));
        assert!(matches("cdn.example.com", "https://cdn.example.com./a"));
        assert!(matches("cdn.example.com", "http://cdn.example.com:8080/a"));
        assert!(!matches("cdn.example.com", "https://x.cdn.example.com/a"));
    }

    #[test]
    fn patterns_that_name_no_url_are_refused() {
        for bad in [
            "",
            "https://",
            "*.",
            "ftp://x.com/",
            "a b.com",
            "*.*.x.com",
            "https:///x",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?}");
        }
    }
}
