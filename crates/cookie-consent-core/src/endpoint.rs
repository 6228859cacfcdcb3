//! The consent endpoint: what a banner form's `POST` is answered.
//!
//! A consent write changes what the visitor allowed, so it must be the
//! visitor's own act on this site: a page elsewhere must not be able to submit
//! "accept all" for them. Every consent endpoint answers through
//! [`Policy::answer_consent_post`], which checks where the request came from
//! before it reads the form.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::consent::ConsentChoice;
use crate::policy::Policy;
use crate::records::{
    forwarded_ip, recorded_at_text, truncated_ip, user_agent, ConsentId, ConsentRecord, Recording,
};
use crate::TARGET;

/// The most bytes a consent form's body may have: a form with every category
/// of a large policy fits many times over.
pub const CONSENT_FORM_LIMIT: usize = 16 * 1024;

/// A consent form's `POST`, as the bytes of its headers and body.
///
/// `host` is the request's own authority (`Host`, or the URI's authority
/// under HTTP/2); `peer` the connection's remote address; the others are the
/// headers of those names.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsentPost<'a> {
    /// The request's authority: `Host`, or the URI's under HTTP/2.
    pub host: Option<&'a [u8]>,
    /// The `Origin` header.
    pub origin: Option<&'a [u8]>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a [u8]>,
    /// The `Referer` header: its path on this site is where the answer leads back.
    pub referer: Option<&'a [u8]>,
    /// The `application/x-www-form-urlencoded` body.
    pub form: &'a [u8],
    /// Every `Cookie` header: the consent cookie's id is carried over.
    pub cookies: &'a [&'a [u8]],
    /// The `User-Agent` header, for the record.
    pub user_agent: Option<&'a [u8]>,
    /// The connection's remote address, for the record.
    pub peer: Option<IpAddr>,
    /// The last value of [`Recording::forwarded_header`], when one is trusted.
    pub forwarded: Option<&'a [u8]>,
}

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

/// What the consent endpoint answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentAnswer {
    /// `303 See Other` to `location`, setting the consent cookie.
    Recorded {
        /// Where to go back to: a path of this site.
        location: String,
        /// The consent cookie's `Set-Cookie` value.
        set_cookie: String,
    },
    /// `403 Forbidden`, nothing set: another site sent the write.
    CrossSite,
    /// `400 Bad Request`, nothing set: the form names no known action.
    BadForm,
    /// `503 Service Unavailable`, nothing set: the answer could not be
    /// recorded, so no consent is written either.
    Unavailable,
}

impl ConsentAnswer {
    /// The HTTP status code: 303 (recorded, see the redirect), 403 (another
    /// site), 400 (no known action) or 503 (the answer could not be recorded).
    pub fn status(&self) -> u16 {
        match self {
            ConsentAnswer::Recorded { .. } => 303,
            ConsentAnswer::CrossSite => 403,
            ConsentAnswer::BadForm => 400,
            ConsentAnswer::Unavailable => 503,
        }
    }

    /// A short plain-text body for the refusals; empty for a redirect.
    pub fn body(&self) -> &'static str {
        match self {
            ConsentAnswer::Recorded { .. } => "",
            ConsentAnswer::CrossSite => "consent can only be given on this site's own pages",
            ConsentAnswer::BadForm => "action must be accept-all, reject-optional, save or reset",
            ConsentAnswer::Unavailable => {
                "your choice could not be saved just now; please try again in a moment"
            }
        }
    }
}

impl Policy {
    /// Answers a consent form's `POST`: refuses a write from another site,
    /// reads the form ([`ConsentChoice::from_form`]) and writes the consent
    /// cookie, keeping the browser's consent id ([`Policy::consent_id`]) or
    /// starting one, leading back to the page it came from. Records nothing:
    /// [`answer_consent_post_recorded`](Self::answer_consent_post_recorded) does.
    ///
    /// ```
    /// # use cookie_consent_core::{ConsentAnswer, ConsentPost, Policy};
    /// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"")?;
    /// let post = ConsentPost {
    ///     host: Some(b"shop.example"),
    ///     origin: Some(b"https://shop.example"),
    ///     referer: Some(b"https://shop.example/cart?step=2"),
    ///     form: b"action=accept-all",
    ///     ..ConsentPost::default()
    /// };
    /// let ConsentAnswer::Recorded { location, set_cookie } = policy.answer_consent_post(&post) else {
    ///     panic!("a same-origin form is answered");
    /// };
    /// assert_eq!(location, "/cart");
    /// assert!(set_cookie.starts_with("cookie-preferences="));
    /// let forged = ConsentPost { origin: Some(b"https://evil.example"), ..post };
    /// assert_eq!(policy.answer_consent_post(&forged), ConsentAnswer::CrossSite);
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn answer_consent_post(&self, post: &ConsentPost<'_>) -> ConsentAnswer {
        match self.prepare_answer(post) {
            Ok(prepared) => prepared.answer,
            Err(refusal) => refusal,
        }
    }

    /// [`answer_consent_post`](Self::answer_consent_post), recording the
    /// answer in `recording`'s store first: the answer leaves only once
    /// its record is durable. When the store fails, or the system has no
    /// randomness for a new consent id, the answer is
    /// [`ConsentAnswer::Unavailable`] and no consent is written; the cause is
    /// logged at most once a minute. Refusals (403, 400) are not recorded:
    /// nothing was consented.
    pub async fn answer_consent_post_recorded(
        &self,
        post: &ConsentPost<'_>,
        recording: &Recording,
    ) -> ConsentAnswer {
        let prepared = match self.prepare_answer(post) {
            Ok(prepared) => prepared,
            Err(refusal) => return refusal,
        };
        let Some(id) = prepared.id else {
            recording.log_failure(
                &"the system has no randomness for a consent id",
                prepared.at.unix_timestamp(),
            );
            return ConsentAnswer::Unavailable;
        };
        // A record that could not hold the revision would be no proof: refuse, as for a failing store.
        let Ok(revision) = i64::try_from(self.revision()) else {
            recording.log_failure(
                &"the policy's revision exceeds what a record holds (i64)",
                prepared.at.unix_timestamp(),
            );
            return ConsentAnswer::Unavailable;
        };
        let ip = recording
            .forwarded_header()
            .zip(post.forwarded)
            .and_then(|(name, value)| forwarded_ip(name, value))
            .or(post.peer)
            .map(truncated_ip)
            .unwrap_or_default();
        let record = ConsentRecord {
            id: id.to_string(),
            recorded_at: recorded_at_text(prepared.at),
            action: prepared.choice.action().to_owned(),
            granted: self.granted_by(&prepared.choice),
            revision,
            policy_digest: self.digest().to_owned(),
            user_agent: user_agent(post.user_agent),
            ip,
        };
        match recording.store().insert(record).await {
            Ok(()) => prepared.answer,
            Err(error) => {
                recording.log_failure(&error, prepared.at.unix_timestamp());
                ConsentAnswer::Unavailable
            }
        }
    }

    /// The answer to a post, before any record: the refusal, or the choice,
    /// its consent id and the answer that writes it.
    fn prepare_answer(&self, post: &ConsentPost<'_>) -> Result<Prepared, ConsentAnswer> {
        if !post.is_same_origin() {
            tracing::debug!(target: TARGET, "consent write from another site refused");
            return Err(ConsentAnswer::CrossSite);
        }
        let form = form_urlencoded::parse(post.form);
        let Some(choice) = ConsentChoice::from_form(form) else {
            return Err(ConsentAnswer::BadForm);
        };
        self.warn_if_secure_cookie_over_http(post);
        let id = self.consent_id(post.cookies).or_else(ConsentId::random);
        let at = time::OffsetDateTime::now_utc();
        let answer = ConsentAnswer::Recorded {
            location: post.return_path().to_owned(),
            set_cookie: self.write_consent_with_id(&choice, id.as_ref(), at.unix_timestamp()),
        };
        Ok(Prepared {
            choice,
            id,
            at,
            answer,
        })
    }

    /// The category ids `choice` leaves granted, in policy order,
    /// comma-joined; empty for a reset, which leaves no consent.
    fn granted_by(&self, choice: &ConsentChoice) -> String {
        let ids: Vec<&str> = self
            .categories()
            .iter()
            .enumerate()
            .filter(|(index, category)| choice.grants(*index, &category.id))
            .map(|(_, category)| category.id.as_str())
            .collect();
        ids.join(",")
    }

    /// A `Secure` consent cookie sent over plain http to a host other than
    /// localhost is dropped by browsers: consent would never stick. Warn once.
    fn warn_if_secure_cookie_over_http(&self, post: &ConsentPost<'_>) {
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

/// A post's answer before it is recorded.
struct Prepared {
    choice: ConsentChoice,
    /// The browser's consent id, or a fresh one; `None` without randomness.
    id: Option<ConsentId>,
    /// The moment of the answer: the cookie's timestamp and the record's time.
    at: time::OffsetDateTime,
    answer: ConsentAnswer,
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
fn host_name(host: &[u8]) -> &[u8] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn post<'a>(origin: Option<&'a str>, fetch: Option<&'a str>) -> ConsentPost<'a> {
        ConsentPost {
            host: Some(b"shop.example:8080"),
            origin: origin.map(str::as_bytes),
            sec_fetch_site: fetch.map(str::as_bytes),
            referer: None,
            form: b"action=accept-all",
            ..ConsentPost::default()
        }
    }

    #[test]
    fn only_this_sites_own_pages_may_write_consent() {
        let allowed = [
            (None, None),
            (Some("http://shop.example:8080"), None),
            (Some("https://SHOP.example:8080"), Some("same-origin")),
            (None, Some("same-origin")),
        ];
        for (origin, fetch) in allowed {
            assert!(post(origin, fetch).is_same_origin(), "{origin:?} {fetch:?}");
        }
        let refused = [
            (Some("https://evil.example"), Some("cross-site")),
            (Some("https://evil.example"), None),
            (None, Some("cross-site")),
            (None, Some("same-site")),
            (None, Some("none")),
            (Some("null"), None),
            (Some("http://shop.example"), None),
            (Some("http://shop.example:8080.evil.example"), None),
            (Some("http://shop.example:80800"), None),
            (Some("ftp://shop.example:8080"), None),
            (Some("http://"), None),
            (Some("https://shop.example:8080"), Some("cross-site")),
        ];
        for (origin, fetch) in refused {
            assert!(
                !post(origin, fetch).is_same_origin(),
                "{origin:?} {fetch:?}"
            );
        }
        let no_host = ConsentPost {
            host: None,
            ..post(Some("http://shop.example:8080"), None)
        };
        assert!(
            !no_host.is_same_origin(),
            "an origin cannot be checked without Host"
        );
    }

    #[test]
    fn default_ports_match_either_way() {
        let with = |host: &'static str, origin: &'static str| ConsentPost {
            host: Some(host.as_bytes()),
            origin: Some(origin.as_bytes()),
            ..ConsentPost::default()
        };
        assert!(with("shop.example", "https://shop.example:443").is_same_origin());
        assert!(with("shop.example:443", "https://shop.example").is_same_origin());
        assert!(with("shop.example:80", "http://shop.example").is_same_origin());
        assert!(!with("shop.example:443", "http://shop.example").is_same_origin());
    }

    #[test]
    fn the_answer_leads_back_to_a_path_of_this_site_only() {
        let back = |referer: &'static str| {
            ConsentPost {
                referer: Some(referer.as_bytes()),
                ..post(None, None)
            }
            .return_path()
            .to_owned()
        };
        assert_eq!(back("http://shop.example:8080/cart?x=1#top"), "/cart");
        assert_eq!(back("http://shop.example:8080/?cookie-settings"), "/");
        assert_eq!(back("http://shop.example:8080"), "/");
        assert_eq!(back("https://evil.example/phish"), "/");
        assert_eq!(back("http://shop.example:8080//evil.example/x"), "/");
        assert_eq!(back("http://shop.example:8080/a\\b"), "/");
        assert_eq!(back("/relative"), "/");
        assert_eq!(back("http://shop.example:8080/caf\u{e9}"), "/");
    }

    #[test]
    fn a_forged_write_is_refused_before_the_form_is_read() {
        let policy = Policy::from_toml_str("").unwrap();
        let forged = post(Some("https://evil.example"), Some("cross-site"));
        assert_eq!(
            policy.answer_consent_post(&forged),
            ConsentAnswer::CrossSite
        );
        assert_eq!(ConsentAnswer::CrossSite.status(), 403);
        let bad = ConsentPost {
            form: b"action=everything",
            ..post(None, None)
        };
        assert_eq!(policy.answer_consent_post(&bad), ConsentAnswer::BadForm);
        let garbage = ConsentPost {
            form: b"\xff\xfe=%%%&&action",
            ..post(None, None)
        };
        assert_eq!(policy.answer_consent_post(&garbage), ConsentAnswer::BadForm);
        let reset = ConsentPost {
            form: b"action=reset",
            ..post(None, None)
        };
        match policy.answer_consent_post(&reset) {
            ConsentAnswer::Recorded {
                location,
                set_cookie,
            } => {
                assert_eq!(location, "/");
                assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// A store holding records in memory, or failing every call.
    #[derive(Debug, Default)]
    struct MemoryStore {
        records: std::sync::Mutex<Vec<ConsentRecord>>,
        down: std::sync::atomic::AtomicBool,
    }

    impl crate::ConsentStore for MemoryStore {
        fn insert(&self, record: ConsentRecord) -> crate::StoreFuture<'_, ()> {
            let down = self.down.load(Ordering::Relaxed);
            if !down {
                self.records.lock().unwrap().push(record);
            }
            Box::pin(async move {
                if down {
                    return Err(crate::StoreError::new("down"));
                }
                Ok(())
            })
        }

        fn select<'a>(
            &'a self,
            query: &'a crate::RecordQuery,
        ) -> crate::StoreFuture<'a, Vec<ConsentRecord>> {
            let records = self.records.lock().unwrap();
            let found = records
                .iter()
                .filter(|r| query.matches(r))
                .cloned()
                .collect();
            Box::pin(async move { Ok(found) })
        }
    }

    /// Polls a future that never waits (the memory store's never do).
    fn ready<F: std::future::Future>(future: F) -> F::Output {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(future).poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the memory store never waits"),
        }
    }

    #[test]
    fn every_answer_is_recorded_under_the_browsers_id() {
        let policy = Policy::from_toml_str(
            "revision = 3\n[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"",
        )
        .unwrap();
        let store = std::sync::Arc::new(MemoryStore::default());
        let recording =
            Recording::from_arc(store.clone()).trust_forwarded_header("X-Forwarded-For");
        let answer = |form: &'static [u8], cookies: &[&[u8]]| {
            let post = ConsentPost {
                form,
                cookies,
                user_agent: Some(b"TestBrowser/1.0"),
                peer: Some("10.0.0.1".parse().unwrap()),
                forwarded: Some(b"6.6.6.6, 198.51.100.23"),
                ..post(None, None)
            };
            ready(policy.answer_consent_post_recorded(&post, &recording))
        };
        let ConsentAnswer::Recorded { set_cookie, .. } = answer(b"action=accept-all", &[]) else {
            panic!("recorded");
        };
        let pair = set_cookie.split(';').next().unwrap().to_owned();
        let id = policy.consent_id([&pair]).expect("a fresh id is written");
        let cookie = format!("other=1; {pair}");
        let ConsentAnswer::Recorded { set_cookie, .. } =
            answer(b"action=save&category=analytics", &[cookie.as_bytes()])
        else {
            panic!("recorded");
        };
        assert_eq!(
            policy.consent_id([set_cookie.split(';').next().unwrap()]),
            Some(id)
        );
        answer(b"action=reset", &[cookie.as_bytes()]);
        answer(b"action=reject-optional", &[]);
        let records = store.records.lock().unwrap().clone();
        let actions: Vec<_> = records
            .iter()
            .map(|r| (r.action.as_str(), r.granted.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("accept-all", "essential,functional,analytics"),
                ("save", "essential,analytics"),
                ("reset", ""),
                ("reject-optional", "essential"),
            ]
        );
        for record in &records[..3] {
            assert_eq!(record.id, id.to_string());
        }
        assert_ne!(
            records[3].id,
            id.to_string(),
            "a browser without the cookie starts a new id"
        );
        let first = &records[0];
        assert_eq!(first.revision, 3);
        assert_eq!(first.policy_digest, policy.digest());
        assert_eq!(first.user_agent, "TestBrowser/1.0");
        assert_eq!(
            first.ip, "198.51.100.0",
            "the trusted header's last entry, truncated"
        );
        assert!(
            first.recorded_at.ends_with('Z') && first.recorded_at.len() == 27,
            "{}",
            first.recorded_at
        );
        // Forgeries and bad forms are not recorded.
        let forged = ConsentPost {
            cookies: &[],
            ..post(Some("https://evil.example"), None)
        };
        assert_eq!(
            ready(policy.answer_consent_post_recorded(&forged, &recording)),
            ConsentAnswer::CrossSite
        );
        assert_eq!(store.records.lock().unwrap().len(), 4);
    }

    #[test]
    fn no_consent_without_its_record() {
        let policy = Policy::from_toml_str("").unwrap();
        let store = std::sync::Arc::new(MemoryStore::default());
        let recording = Recording::from_arc(store.clone());
        store.down.store(true, Ordering::Relaxed);
        let post = ConsentPost {
            peer: Some("2001:db8:1:2::9".parse().unwrap()),
            ..post(None, None)
        };
        let answer = ready(policy.answer_consent_post_recorded(&post, &recording));
        assert_eq!(answer, ConsentAnswer::Unavailable);
        assert_eq!(answer.status(), 503);
        store.down.store(false, Ordering::Relaxed);
        let answer = ready(policy.answer_consent_post_recorded(&post, &recording));
        assert_eq!(answer.status(), 303);
        assert_eq!(
            store.records.lock().unwrap()[0].ip,
            "2001:db8:1::",
            "the peer, truncated"
        );
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name(b"localhost:3000"), b"localhost");
        assert_eq!(host_name(b"[::1]:3000"), b"[::1]");
        assert_eq!(host_name(b"example.com"), b"example.com");
    }
}
