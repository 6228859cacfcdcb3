//! What a framework adapter needs and an application does not: the
//! [`Reviewer`] it holds, the [`ResponseHeaders`] it hands over per response,
//! the [`Review`] it applies, and the [`NestingMark`] mark of the nesting protocol.
//!
//! The Tower and Actix-web adapters are built on exactly this; an adapter for
//! another framework would be too.

use std::fmt;
use std::sync::Arc;

use crate::consent::{Consent, Signals};
use crate::event::Event;
use crate::policy::{Enforcement, Policy};

pub use crate::event::Observer;
pub use crate::review::{NestingMark, ResponseHeaders, Review};

type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// What an adapter holds: a [`Policy`], how it is enforced, and the event
/// callbacks; the two calls an adapter makes, per request and per response.
/// Cheap to clone.
#[derive(Clone)]
#[must_use]
pub struct Reviewer {
    policy: Policy,
    enforcement: Enforcement,
    on_event: Option<Arc<Callback>>,
}

impl Reviewer {
    /// Reviews responses against `policy`, enforced as its file says,
    /// reporting events to `tracing` only.
    pub fn new(policy: Policy) -> Self {
        Reviewer {
            enforcement: policy.enforcement(),
            policy,
            on_event: None,
        }
    }

    /// Decides and reports, but changes no response, whatever the policy
    /// file says (`enforcement = "report-only"`): for trying a policy on a
    /// live site first.
    pub fn report_only(self) -> Self {
        Reviewer {
            enforcement: Enforcement::ReportOnly,
            ..self
        }
    }

    /// Also calls `callback` with every [`Event`]: each kept, stripped and
    /// purged cookie, and each undeclared name. For metrics; keep it cheap.
    /// Callbacks compose: each one given is called, in the order given.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        let on_event: Arc<Callback> = match self.on_event {
            None => Arc::new(callback),
            Some(earlier) => Arc::new(move |event: &Event<'_>| {
                earlier(event);
                callback(event);
            }),
        };
        Reviewer {
            on_event: Some(on_event),
            ..self
        }
    }

    /// How responses are treated: enforced, or only reported.
    pub fn enforcement(&self) -> Enforcement {
        self.enforcement
    }

    /// The policy enforced.
    #[inline]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// [`Policy::read_consent`].
    pub fn read_consent<I>(&self, cookie_headers: I, signals: Signals) -> Consent
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        self.policy.read_consent(cookie_headers, signals)
    }

    /// The request phase, in one call: the visitor's consent from the
    /// request's `Cookie` values and privacy signals, `Sec-GPC` and `DNT`
    /// (`dnt` is called only when the policy honours it: a header lookup
    /// saved). The consent watches reads: a handler that reads it makes the
    /// response vary on it.
    pub fn read_request<C, G, D>(&self, cookies: C, sec_gpc: G, dnt: impl FnOnce() -> D) -> Consent
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        G: IntoIterator<Item: AsRef<[u8]>>,
        D: IntoIterator<Item: AsRef<[u8]>>,
    {
        let dnt = self.policy.honors_dnt().then(dnt);
        let signals = Signals::from_headers(sec_gpc, dnt.into_iter().flatten());
        let mut consent = self.policy.read_consent(cookies, signals);
        consent.watch_reads();
        consent
    }

    /// The response phase, in one call: [`review_response`](Self::review_response)
    /// (with `headers.mark`, the mark an inner layer left, if any) and, for a
    /// `nested` layer (an outer one waits), the mark to leave on the response:
    /// its `Set-Cookie` values as the review leaves them.
    pub fn review_response_nested<C, S, V>(
        &self,
        consent: &Consent,
        headers: ResponseHeaders<'_, C, S, V>,
        nested: bool,
    ) -> (Review, Option<NestingMark>)
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        S: IntoIterator<Item: AsRef<[u8]>> + Copy,
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        let set_cookies = headers.set_cookies;
        let review = self.review_response(consent, headers);
        let mark = nested.then(|| NestingMark::after(set_cookies, &review));
        (review, mark)
    }

    /// [`Policy::review_response`], with the callback as observer.
    pub fn review_response<C, S, V>(
        &self,
        consent: &Consent,
        headers: ResponseHeaders<'_, C, S, V>,
    ) -> Review
    where
        C: IntoIterator<Item: AsRef<[u8]>>,
        S: IntoIterator<Item: AsRef<[u8]>> + Copy,
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        let observer = self.on_event.as_deref().map(|f| f as _);
        self.policy
            .review_response_as(consent, headers, observer, self.enforcement)
    }
}

impl fmt::Debug for Reviewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reviewer")
            .field("policy", &self.policy)
            .field("enforcement", &self.enforcement)
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}
