//! The page layer's rewriter (DESIGN §20): an HTML page, as it streams, with
//! every tag, frame, pixel and preload of a category the visitor has not
//! granted neutralised before the browser sees it, and the cookie guard
//! first in `<head>`. Adapters feed it the body's chunks; the decision on
//! each URL is the policy's (`Policy::resource_verdict`, one procedure for
//! every element).
//!
//! Neutralised, an element keeps what the guard needs to restore it when the
//! visitor grants in the page: `data-consent-blocked`, its category in
//! `data-consent-category`, and its URL (and `type`) under `data-consent-*`.

mod placeholder;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use lol_html::html_content::ContentType;
use lol_html::send::{Element, HtmlRewriter, Settings};
use lol_html::{element, AsciiCompatibleEncoding, MemorySettings};

use crate::consent::Consent;
use crate::policy::{Policy, ResourceVerdict};

/// How a page is rewritten, besides the policy and the visitor's consent.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PageOptions {
    /// The `nonce` of the page's Content-Security-Policy, for the scripts
    /// the rewriter adds.
    pub nonce: Option<String>,
    /// The charset of `Content-Type`, when it names one; else the page's
    /// `<meta charset>` decides, and UTF-8 without one.
    pub charset: Option<String>,
    /// The request's host (`Host`): URLs on it are the site's own, never
    /// "undeclared third-party".
    pub host: Option<String>,
    /// The request's `Accept-Language`, for the placeholders' language.
    pub accept_language: Option<String>,
    /// Where the placeholders' buttons post the visitor's grant: the
    /// consent endpoint (default `/consent`).
    pub consent_action: Option<String>,
    /// Leave out the cookie guard (a page whose template renders it itself).
    pub without_guard: bool,
    /// Put the banner first in `<body>` while the visitor has not chosen:
    /// its form's action (the consent endpoint) and the policy page's URL.
    pub banner: Option<(String, String)>,
}

/// What a page layer keeps of the request, as sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageRequest<'a> {
    /// `Host` (or the request target's host).
    pub host: Option<&'a [u8]>,
    /// `Accept-Language`, for the placeholders' language.
    pub accept_language: Option<&'a [u8]>,
    /// A `HEAD` request: its response has no body to rewrite.
    pub is_head: bool,
}

/// What a page layer reads of the response's head.
#[derive(Clone, Copy, Debug)]
pub struct PageResponse<'a> {
    /// The status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<&'a [u8]>,
    /// `Content-Encoding`.
    pub content_encoding: Option<&'a [u8]>,
}

/// How a page layer is set up, the same on every adapter: where the
/// placeholders post, whether it adds the guard, whether it adds the banner.
#[derive(Clone, Debug, Default)]
pub struct PageSettings {
    consent_action: Option<String>,
    without_guard: bool,
    banner: Option<(String, String)>,
}

impl PageSettings {
    /// Where the placeholders' buttons post (the consent endpoint's path;
    /// default `/consent`).
    pub fn consent_action(mut self, path: impl Into<String>) -> Self {
        self.consent_action = Some(path.into());
        self
    }

    /// Leaves the cookie guard to the page's own template.
    pub fn without_guard(mut self) -> Self {
        self.without_guard = true;
        self
    }

    /// Puts the banner first in `<body>` while the visitor has not chosen,
    /// its form posting to `action` and linking the policy page at `policy_url`.
    pub fn with_banner(mut self, action: impl Into<String>, policy_url: impl Into<String>) -> Self {
        self.banner = Some((action.into(), policy_url.into()));
        self
    }

    /// The rewriter for one response, or `None` to pass it as it is: not a
    /// page, compressed (warned once per process), or in a charset the
    /// rewriter does not read. The one step both adapters take per response.
    pub fn rewriter<'a>(
        &self,
        policy: &Policy,
        consent: &Consent,
        request: &PageRequest<'_>,
        response: &PageResponse<'_>,
        csp: impl IntoIterator<Item = &'a [u8]>,
    ) -> Option<PageRewriter> {
        let plan = plan(
            request.is_head,
            response.status,
            response.content_type,
            response.content_encoding,
        );
        let charset = match plan {
            PagePlan::Rewrite { charset } => charset,
            PagePlan::Compressed => {
                warn_compressed();
                return None;
            }
            PagePlan::Pass => return None,
        };
        let options = self.options(
            request.host,
            request.accept_language,
            charset,
            csp_nonce(csp),
        );
        PageRewriter::new(policy, consent, &options)
    }

    /// The options of one page: the request's `Host` and `Accept-Language`
    /// as sent, the response's charset and Content-Security-Policy nonce.
    pub fn options(
        &self,
        host: Option<&[u8]>,
        accept_language: Option<&[u8]>,
        charset: Option<String>,
        nonce: Option<String>,
    ) -> PageOptions {
        let text = |value: Option<&[u8]>| {
            value.and_then(|v| std::str::from_utf8(v).ok().map(str::to_owned))
        };
        PageOptions {
            nonce,
            charset,
            host: text(host),
            accept_language: text(accept_language),
            consent_action: self.consent_action.clone(),
            without_guard: self.without_guard,
            banner: self.banner.clone(),
        }
    }
}

/// The bytes the sink has written and not yet handed out.
type Output = Arc<Mutex<Vec<u8>>>;

/// Where lol_html writes the rewritten bytes: into [`Output`].
type Sink = Box<dyn FnMut(&[u8]) + Send>;

/// One page being rewritten: feed it the body's chunks in order with
/// [`write`](Self::write), then [`end`](Self::end); each hands back the
/// rewritten bytes ready so far. Memory stays bounded by the longest tag,
/// never the page.
pub struct PageRewriter {
    rewriter: Option<HtmlRewriter<'static, Sink>>,
    output: Output,
}

impl std::fmt::Debug for PageRewriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageRewriter")
            .field("failed", &self.rewriter.is_none())
            .finish_non_exhaustive()
    }
}

/// What the element handlers share.
struct Plan {
    policy: Policy,
    granted: Vec<bool>,
    /// The guard (and Consent Mode) to put first in `<head>`; taken once.
    head: Mutex<Option<String>>,
    injected: AtomicBool,
    host: Option<String>,
    reported: Mutex<HashSet<String>>,
    placeholders: placeholder::Texts,
}

/// The attributes that carry a URL, per element the rewriter judges.
const URL_ATTRIBUTES: [(&str, &[&str]); 4] = [
    ("script", &["src"]),
    ("iframe", &["src"]),
    ("img", &["src", "srcset"]),
    ("link", &["href", "imagesrcset"]),
];

impl PageRewriter {
    /// A rewriter for one page; `None` when its charset is not one the
    /// rewriter reads (not ASCII-compatible, such as UTF-16): the adapter
    /// then passes the page untouched and warns.
    pub fn new(policy: &Policy, consent: &Consent, options: &PageOptions) -> Option<PageRewriter> {
        let declared = options.charset.as_deref();
        let encoding = match declared {
            Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())?,
            None => encoding_rs::UTF_8,
        };
        let encoding = AsciiCompatibleEncoding::new(encoding)?;
        let granted = (0..policy.categories().len())
            .map(|i| i == 0 || consent.grants_index(policy, i))
            .collect();
        let head = (!options.without_guard).then(|| {
            let nonce = options.nonce.as_deref();
            let mut head = policy.render_cookie_guard(consent, nonce);
            if let Some(mode) = policy.render_consent_mode(consent, nonce) {
                head.push_str(&mode);
            }
            head
        });
        let plan = Arc::new(Plan {
            policy: policy.clone(),
            granted,
            head: Mutex::new(head),
            injected: AtomicBool::new(false),
            host: options.host.clone(),
            reported: Mutex::new(HashSet::new()),
            placeholders: placeholder::Texts::new(policy, consent, options),
        });
        let banner = options
            .banner
            .as_ref()
            .filter(|_| consent.needs_prompt())
            .map(|(action, policy_url)| {
                let locale = policy.locale(options.accept_language.as_deref());
                locale.render_banner(consent, action, policy_url)
            });
        let output: Output = Arc::new(Mutex::new(Vec::new()));
        let sink_output = Arc::clone(&output);
        let sink: Sink = Box::new(move |bytes: &[u8]| {
            if let Ok(mut out) = sink_output.lock() {
                out.extend_from_slice(bytes);
            }
        });
        let head_plan = Arc::clone(&plan);
        let first_plan = Arc::clone(&plan);
        let judge_plan = Arc::clone(&plan);
        let mut banner = banner;
        let settings = Settings::new_send()
            .with_encoding(encoding)
            .with_adjust_charset_on_meta_tag(declared.is_none())
            .with_memory_settings(MemorySettings::default())
            // The banner, while the visitor has not chosen: first in `<body>`, once.
            .append_element_content_handler(element!("body", move |el: &mut Element<'_, '_>| {
                if let Some(banner) = banner.take() {
                    el.prepend(&banner, ContentType::Html);
                }
                Ok(())
            }))
            // First in `<head>`, but after a `<meta charset>` that leads it: the
            // browser looks for the charset in the first 1024 bytes only.
            .append_element_content_handler(element!("head > *", move |el: &mut Element<
                '_,
                '_,
            >| {
                if let Some(head) = first_plan.take_head() {
                    let charset = el.tag_name() == "meta"
                        && (el.has_attribute("charset")
                            || el
                                .get_attribute("http-equiv")
                                .is_some_and(|v| v.eq_ignore_ascii_case("content-type")));
                    match charset {
                        true => el.after(&head, ContentType::Html),
                        false => el.before(&head, ContentType::Html),
                    }
                }
                Ok(())
            }))
            // An empty `<head>`: before its end.
            .append_element_content_handler(element!("head", move |el: &mut Element<'_, '_>| {
                let plan = Arc::clone(&head_plan);
                if let Some(handlers) = el.end_tag_handlers() {
                    handlers.push(Box::new(move |end| {
                        if let Some(head) = plan.take_head() {
                            end.before(&head, ContentType::Html);
                        }
                        Ok(())
                    }));
                }
                Ok(())
            }));
        // One handler per tag, so that none needs to ask the element its name.
        let settings = URL_ATTRIBUTES
            .iter()
            .fold(settings, |settings, &(tag, attributes)| {
                let plan = Arc::clone(&judge_plan);
                settings.append_element_content_handler(element!(tag, move |el: &mut Element<
                    '_,
                    '_,
                >| {
                    plan.judge(el, tag, attributes);
                    Ok(())
                }))
            });
        Some(PageRewriter {
            rewriter: Some(HtmlRewriter::new(settings, sink)),
            output,
        })
    }

    /// Rewrites the next chunk of the page; the bytes ready so far.
    pub fn write(&mut self, chunk: &[u8]) -> Vec<u8> {
        if let Some(rewriter) = &mut self.rewriter {
            if let Err(err) = rewriter.write(chunk) {
                self.fail(&err);
            }
        }
        self.take()
    }

    /// Ends the page; the last bytes.
    pub fn end(mut self) -> Vec<u8> {
        if let Some(rewriter) = self.rewriter.take() {
            if let Err(err) = rewriter.end() {
                tracing::warn!(target: crate::TARGET, error = %err, "the page's end could not be rewritten");
            }
        }
        self.take()
    }

    /// Markup the rewriter cannot read with confidence (lol_html's strict
    /// mode) ends the page where it is: a truncated page, never an
    /// ungranted tag let through.
    fn fail(&mut self, err: &lol_html::errors::RewritingError) {
        tracing::warn!(
            target: crate::TARGET,
            error = %err,
            "the page could not be rewritten with confidence; the rest of it is not sent"
        );
        self.rewriter = None;
    }

    fn take(&self) -> Vec<u8> {
        self.output
            .lock()
            .map(|mut out| std::mem::take(&mut *out))
            .unwrap_or_default()
    }
}

impl Plan {
    fn take_head(&self) -> Option<String> {
        if self.injected.swap(true, Ordering::Relaxed) {
            return None;
        }
        self.head.lock().ok()?.take()
    }

    /// One element: loaded as written, or neutralised.
    fn judge(&self, el: &mut Element<'_, '_>, tag: &str, attributes: &[&str]) {
        // A page without `<head>`: the guard goes before its first script.
        if tag == "script" && !self.injected.load(Ordering::Relaxed) {
            if let Some(head) = self.take_head() {
                el.before(&head, ContentType::Html);
            }
        }
        if tag == "link" && !is_fetched_link(el) {
            return;
        }
        // The strictest verdict of the element's URLs, then its own tag.
        let mut blocked: Option<Option<usize>> = None;
        for attribute in attributes {
            // `has_attribute` reads in place; `get_attribute` copies.
            if !el.has_attribute(attribute) {
                continue;
            }
            let Some(value) = el.get_attribute(attribute) else {
                continue;
            };
            // `srcset`: each candidate's URL, before its size.
            for url in value
                .split(',')
                .map(|c| c.split_whitespace().next().unwrap_or(""))
            {
                match self.verdict(url) {
                    ResourceVerdict::Block { category } => blocked = Some(Some(category)),
                    ResourceVerdict::Strip if blocked.is_none() => blocked = Some(None),
                    _ => {}
                }
            }
        }
        if blocked.is_none() && tag == "script" {
            if let Some(id) = el.get_attribute("data-consent-category") {
                let index = self.policy.categories().iter().position(|c| c.id == id);
                match index {
                    Some(index) if self.granted[index] => {}
                    // A tag naming no category of the policy is never granted.
                    index => blocked = Some(index),
                }
            }
        }
        let Some(category) = blocked else { return };
        self.neutralise(el, tag, attributes, category);
    }

    fn verdict(&self, url: &str) -> ResourceVerdict {
        let verdict = self
            .policy
            .resource_verdict(&self.granted, url, self.host.as_deref());
        if let ResourceVerdict::Report { host } = &verdict {
            let first = self
                .reported
                .lock()
                .map(|mut seen| seen.insert(host.clone()))
                .unwrap_or(false);
            if first {
                tracing::info!(target: crate::TARGET, host = %host, "a page loads an undeclared resource");
            }
        }
        verdict
    }

    /// The element made inert: its URLs moved under `data-consent-*`, a
    /// script's type `text/plain`, a frame hidden behind its placeholder.
    /// `category` is `None` for an undeclared resource stripped for good.
    fn neutralise(
        &self,
        el: &mut Element<'_, '_>,
        tag: &str,
        attributes: &[&str],
        category: Option<usize>,
    ) {
        for attribute in attributes {
            if let Some(value) = el.get_attribute(attribute) {
                el.remove_attribute(attribute);
                let _ = el.set_attribute(&format!("data-consent-{attribute}"), &value);
            }
        }
        let _ = el.set_attribute("data-consent-blocked", "");
        if let Some(index) = category {
            let id = &self.policy.categories()[index].id;
            let _ = el.set_attribute("data-consent-category", id);
        }
        match tag {
            "script" => {
                if let Some(kind) = el.get_attribute("type") {
                    let _ = el.set_attribute("data-consent-type", &kind);
                }
                let _ = el.set_attribute("type", "text/plain");
            }
            "iframe" => {
                let _ = el.set_attribute("hidden", "");
                if let Some(index) = category {
                    let url = el.get_attribute("data-consent-src").unwrap_or_default();
                    let placeholder = self.placeholders.render(&self.policy, index, &url);
                    el.before(&placeholder, ContentType::Html);
                }
            }
            _ => {}
        }
    }
}

/// Says once per process that a compressed page went through unread: a
/// layer placed outside the compression layer, not an event per request.
pub fn warn_compressed() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            target: crate::TARGET,
            "a compressed page passed the page layer unread (its tags reach the browser): \
             put the page layer inside the compression layer"
        );
    }
}

/// What a page layer does with one response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagePlan {
    /// An HTML body to rewrite, in this charset (from `Content-Type`; `None`:
    /// the page's `<meta charset>`, else UTF-8).
    Rewrite {
        /// See above.
        charset: Option<String>,
    },
    /// Not a page, or no body: passed as it is, at no cost.
    Pass,
    /// A compressed page (`Content-Encoding`): passed as it is, and worth a
    /// warning, since its tags reach the browser (the page layer belongs
    /// inside the compression layer).
    Compressed,
}

/// Whether a response is a page to rewrite: a `text/html` body of a request
/// other than `HEAD`, with a status that has a body (not 1xx, 204, 304).
pub fn plan(
    is_head: bool,
    status: u16,
    content_type: Option<&[u8]>,
    content_encoding: Option<&[u8]>,
) -> PagePlan {
    // The common answer, at the cost of a few byte compares: not a page.
    let starts = |prefix: &[u8]| {
        content_type.is_some_and(|v| {
            v.len() >= prefix.len() && v[..prefix.len()].eq_ignore_ascii_case(prefix)
        })
    };
    if !starts(b"text/html") && !starts(b"application/xhtml+xml") {
        return PagePlan::Pass;
    }
    let Some(content_type) = content_type.and_then(|v| std::str::from_utf8(v).ok()) else {
        return PagePlan::Pass;
    };
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let html = essence.eq_ignore_ascii_case("text/html")
        || essence.eq_ignore_ascii_case("application/xhtml+xml");
    if !html || is_head || status < 200 || status == 204 || status == 304 {
        return PagePlan::Pass;
    }
    let encoded = content_encoding
        .map(|v| String::from_utf8_lossy(v).trim().to_ascii_lowercase())
        .is_some_and(|coding| !coding.is_empty() && coding != "identity");
    if encoded {
        return PagePlan::Compressed;
    }
    let charset = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    PagePlan::Rewrite { charset }
}

/// The nonce a response's `Content-Security-Policy` allows scripts with
/// (`script-src` or, without one, `default-src`), for the scripts the
/// rewriter adds.
pub fn csp_nonce<'a>(policies: impl IntoIterator<Item = &'a [u8]>) -> Option<String> {
    for policy in policies {
        let Ok(policy) = std::str::from_utf8(policy) else {
            continue;
        };
        let directives: Vec<Vec<&str>> = policy
            .split(';')
            .map(|d| d.split_ascii_whitespace().collect())
            .collect();
        let find = |name: &str| {
            directives
                .iter()
                .find(|d| d.first().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        };
        let Some(directive) = find("script-src-elem")
            .or_else(|| find("script-src"))
            .or_else(|| find("default-src"))
        else {
            continue;
        };
        let nonce = directive.iter().find_map(|source| {
            source
                .strip_prefix("'nonce-")
                .and_then(|rest| rest.strip_suffix('\''))
                .map(str::to_owned)
        });
        if nonce.is_some() {
            return nonce;
        }
    }
    None
}

/// Every URL `html` leaves where the browser fetches it: `(tag, attribute,
/// URL)` for each `src`, `srcset` candidate and fetched link's `href` of the
/// elements the rewriter judges, read by lol_html as the rewriter reads a page.
#[cfg(fuzzing)]
pub(crate) fn fetched_urls(html: &[u8]) -> Vec<(String, String, String)> {
    let found = Arc::new(Mutex::new(Vec::new()));
    let mut settings = Settings::new_send();
    for &(tag, attributes) in &URL_ATTRIBUTES {
        let found = Arc::clone(&found);
        settings =
            settings.append_element_content_handler(element!(tag, move |el: &mut Element<
                '_,
                '_,
            >| {
                if tag == "link" && !is_fetched_link(el) {
                    return Ok(());
                }
                // A script that is no script runs nothing and fetches nothing.
                if tag == "script" && el.get_attribute("type").is_some_and(|t| t == "text/plain") {
                    return Ok(());
                }
                for attribute in attributes {
                    if let Some(value) = el.get_attribute(attribute) {
                        for url in value
                            .split(',')
                            .map(|c| c.split_whitespace().next().unwrap_or(""))
                        {
                            if let Ok(mut found) = found.lock() {
                                found.push((
                                    tag.to_owned(),
                                    (*attribute).to_owned(),
                                    url.to_owned(),
                                ));
                            }
                        }
                    }
                }
                Ok(())
            }));
    }
    let sink: Sink = Box::new(|_: &[u8]| {});
    let mut rewriter = HtmlRewriter::new(settings, sink);
    // What lol_html refuses to read, the browser reads otherwise: nothing to say.
    if rewriter.write(html).is_ok() {
        let _ = rewriter.end();
    }
    let found = found.lock().map(|f| f.clone()).unwrap_or_default();
    found
}

/// A `<link>` whose `rel` makes the browser fetch it ahead: preload,
/// prefetch, modulepreload.
fn is_fetched_link(el: &Element<'_, '_>) -> bool {
    el.get_attribute("rel").is_some_and(|rel| {
        rel.split_ascii_whitespace().any(|r| {
            ["preload", "prefetch", "modulepreload"]
                .iter()
                .any(|known| r.eq_ignore_ascii_case(known))
        })
    })
}

#[cfg(test)]
mod tests;
