//! Where a consent write came from, and where its answer leads back: only
//! this site's own pages may write consent, and only to a path of this site.

use std::sync::atomic::{AtomicBool, Ordering};

use super::ConsentPost;
use crate::policy::Policy;
use crate::TARGET;

impl ConsentPost<'_> {
    /// Whether this site's own pages sent the write: refused when
    /// `Sec-Fetch-Site` is present and not `same-origin`, or when `Origin` is
    /// present and not this request's own origin (its host and port against
    /// `Host`); allowed when the request carries neither (a client that is not
    /// a browser acts for itself).
    ///
    /// ```
    /// # use cookie_consent_core::ConsentPost;
    /// let post = ConsentPost { host: Some(b"shop.example"), ..ConsentPost::default() };
    /// assert!(post.is_same_origin());
    /// let forged = ConsentPost { origin: Some(b"https://evil.example"), ..post };
    /// assert!(!forged.is_same_origin());
    /// let own = ConsentPost { origin: Some(b"https://shop.example"), ..post };
    /// assert!(own.is_same_origin());
    /// ```
    pub fn is_same_origin(&self) -> bool {
        let fetch_site_ok = self
            .sec_fetch_site
            .is_none_or(|site| site.trim_ascii().eq_ignore_ascii_case(b"same-origin"));
        let origin_ok = match self.origin {
            None => true,
            Some(origin) => self.host.is_some_and(|host| same_authority(origin, host)),
        };
        fetch_site_ok && origin_ok
    }

    /// Where the answer leads back: the `Referer`'s path when it is a page of
    /// this site, else `/`. Only the path: `?cookie-settings` would reopen the banner.
    pub fn return_path(&self) -> &str {
        let referer_path = || {
            let referer = self.referer?;
            let host = self.host?;
            let (scheme_and_authority, path) = split_url(referer)?;
            if !same_authority(scheme_and_authority, host) {
                return None;
            }
            let end = path
                .iter()
                .position(|&b| b == b'?' || b == b'#')
                .unwrap_or(path.len());
            let path = &path[..end];
            // A path of this site, safe as a header: never `//host` (another site).
            let safe = path.starts_with(b"/")
                && !path.starts_with(b"//")
                && path.iter().all(|b| (0x21..0x7f).contains(b) && *b != b'\\');
            safe.then(|| std::str::from_utf8(path).ok()).flatten()
        };
        referer_path().unwrap_or("/")
    }
}

impl Policy {
    /// A `Secure` consent cookie sent over plain http to a host other than
    /// localhost is dropped by browsers: consent would never stick. Warn once.
    pub(super) fn warn_if_secure_cookie_over_http(&self, post: &ConsentPost<'_>) {
        static WARNED: AtomicBool = AtomicBool::new(false);
        let page = post.origin.or(post.referer).unwrap_or_default();
        let host = post.host.unwrap_or_default();
        let local = [&b"localhost"[..], b"127.0.0.1", b"[::1]"]
            .iter()
            .any(|local| host_name(host).eq_ignore_ascii_case(local));
        if self.consent_cookie().secure
            && page.starts_with(b"http://")
            && !local
            && !WARNED.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                target: TARGET,
                host = %String::from_utf8_lossy(host),
                "the consent cookie is `Secure`, but this site is served over plain http: \
                 browsers drop it, so consent never sticks; serve the site over https, or set \
                 `secure = false` under `[consent_cookie]` in the policy file (reported once)"
            );
        }
    }
}

/// `scheme://authority` and the rest (from the first `/` after it).
fn split_url(url: &[u8]) -> Option<(&[u8], &[u8])> {
    let after_scheme = url.windows(3).position(|w| w == b"://")? + 3;
    let path_at = url[after_scheme..]
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'#')
        .map_or(url.len(), |at| after_scheme + at);
    Some((&url[..path_at], &url[path_at..]))
}

/// Whether `scheme://authority` names the authority `host` (a `Host` value),
/// ignoring case and the scheme's default port on either side.
fn same_authority(origin: &[u8], host: &[u8]) -> bool {
    let origin = origin.trim_ascii();
    let Some(at) = origin.windows(3).position(|w| w == b"://") else {
        return false; // `null`, or not an origin at all
    };
    let (scheme, authority) = (&origin[..at], &origin[at + 3..]);
    let default_port: &[u8] = if scheme.eq_ignore_ascii_case(b"https") {
        b":443"
    } else if scheme.eq_ignore_ascii_case(b"http") {
        b":80"
    } else {
        return false;
    };
    let authority = strip_port(authority, default_port);
    !authority.is_empty() && authority.eq_ignore_ascii_case(strip_port(host, default_port))
}

/// `authority` without `port` at its end.
fn strip_port<'a>(authority: &'a [u8], port: &[u8]) -> &'a [u8] {
    let authority = authority.trim_ascii();
    authority.strip_suffix(port).unwrap_or(authority)
}

/// The host of a `Host` value, without its port.
pub(super) fn host_name(host: &[u8]) -> &[u8] {
    if host.starts_with(b"[") {
        let end = host
            .iter()
            .position(|&b| b == b']')
            .map_or(host.len(), |at| at + 1);
        return &host[..end];
    }
    host.iter()
        .position(|&b| b == b':')
        .map_or(host, |at| &host[..at])
}
