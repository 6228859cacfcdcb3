//! The consent endpoint: what a banner form's `POST` is answered.
//!
//! A consent write changes what the visitor allowed, so it must be the
//! visitor's own act on this site: a page elsewhere must not be able to submit
//! "accept all" for them. Every consent endpoint answers through
//! [`Policy::answer_consent_post`], which checks where the request came from
//! before it reads the form.

mod origin;
mod recorded;

use std::net::IpAddr;

use crate::consent::ConsentChoice;
use crate::policy::Policy;
use crate::records::ConsentId;
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
    /// The `Sec-Fetch-Mode` header: `navigate` for a form the page submitted.
    pub sec_fetch_mode: Option<&'a [u8]>,
    /// The `Sec-Fetch-User` header: `?1` when the visitor's own gesture (a
    /// click, a key) started the navigation.
    pub sec_fetch_user: Option<&'a [u8]>,
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
    /// The last value of [`Recording::forwarded_header`](crate::Recording::forwarded_header), when one is trusted.
    pub forwarded: Option<&'a [u8]>,
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
    /// `403 Forbidden`, nothing set: the browser says a script sent the
    /// write, not the visitor (see [`ConsentPost::is_scripted`]).
    Scripted,
    /// `400 Bad Request`, nothing set: the form names no known action.
    BadForm,
    /// `503 Service Unavailable`, nothing set: the answer could not be
    /// recorded, so no consent is written either.
    Unavailable,
}

impl ConsentAnswer {
    /// The HTTP status code: 303 (recorded, see the redirect), 403 (another
    /// site, or a script), 400 (no known action) or 503 (the answer could not
    /// be recorded).
    pub fn status(&self) -> u16 {
        match self {
            ConsentAnswer::Recorded { .. } => 303,
            ConsentAnswer::CrossSite | ConsentAnswer::Scripted => 403,
            ConsentAnswer::BadForm => 400,
            ConsentAnswer::Unavailable => 503,
        }
    }

    /// A short plain-text body for the refusals; empty for a redirect.
    pub fn body(&self) -> &'static str {
        match self {
            ConsentAnswer::Recorded { .. } => "",
            ConsentAnswer::CrossSite => "consent can only be given on this site's own pages",
            ConsentAnswer::Scripted => {
                "consent is the visitor's own act: a script cannot give it; submit the banner's form"
            }
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

    /// The answer to a post, before any record: the refusal, or the choice,
    /// its consent id and the answer that writes it.
    fn prepare_answer(&self, post: &ConsentPost<'_>) -> Result<Prepared, ConsentAnswer> {
        if !post.is_same_origin() {
            tracing::debug!(target: TARGET, "consent write from another site refused");
            return Err(ConsentAnswer::CrossSite);
        }
        let scripted = post.is_scripted();
        if scripted && !self.consent_cookie().allow_scripted_writes {
            tracing::debug!(target: TARGET, "consent write by a script refused");
            return Err(ConsentAnswer::Scripted);
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
            scripted,
            answer,
        })
    }
}

/// A post's answer before it is recorded.
struct Prepared {
    choice: ConsentChoice,
    /// The browser's consent id, or a fresh one; `None` without randomness.
    id: Option<ConsentId>,
    /// The moment of the answer: the cookie's timestamp and the record's time.
    at: time::OffsetDateTime,
    /// Whether a script sent it (taken under `[consent_cookie] allow_scripted_writes`).
    scripted: bool,
    answer: ConsentAnswer,
}

impl ConsentPost<'_> {
    /// Whether the browser marks this write as not made by the visitor: it
    /// sends `Sec-Fetch-Mode` (every current browser does) and either that is
    /// not `navigate` (a `fetch` or `XMLHttpRequest`) or `Sec-Fetch-User` is
    /// not `?1` (a `form.submit()` no click or key started). Without
    /// `Sec-Fetch-Mode` (other clients, old browsers) nothing says so, and
    /// the origin check alone judges.
    pub fn is_scripted(&self) -> bool {
        let Some(mode) = self.sec_fetch_mode else {
            return false;
        };
        mode.trim_ascii() != b"navigate"
            || self.sec_fetch_user.map(<[u8]>::trim_ascii) != Some(b"?1".as_slice())
    }
}

#[cfg(test)]
mod tests;
