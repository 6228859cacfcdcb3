//! What a framework adapter needs and an application does not: the
//! [`Reviewer`] it holds, the [`ResponseHeaders`] it hands over per response,
//! the [`Review`] it applies, and the [`Reviewed`] mark of the nesting protocol.
//!
//! The Tower and Actix-web adapters are built on exactly this; an adapter for
//! another framework would be too.

use std::fmt;
use std::sync::Arc;

use crate::consent::{Consent, Signals};
use crate::event::Event;
use crate::policy::{Enforcement, Policy};

pub use crate::event::Observer;
pub use crate::review::Review;

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
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// [`Policy::read_consent`].
    pub fn read_consent<I>(&self, cookie_headers: I, signals: Signals) -> Consent
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.policy.read_consent(cookie_headers, signals)
    }

    /// [`Policy::review_response`], with the callback as observer.
    pub fn review_response<C, S, V>(
        &self,
        consent: &Consent,
        headers: ResponseHeaders<'_, C, S, V>,
    ) -> Review
    where
        C: IntoIterator,
        C::Item: AsRef<[u8]>,
        S: IntoIterator + Copy,
        S::Item: AsRef<[u8]>,
        V: IntoIterator,
        V::Item: AsRef<[u8]>,
    {
        let observer = self.on_event.as_deref().map(|f| f as _);
        self.policy
            .review_response_as(consent, headers, observer, self.enforcement)
    }
}

/// The mark a consent layer leaves on a response it reviewed (nested layers,
/// §6): the `Set-Cookie` values the response carried when it left that layer.
///
/// An outer layer judges, with its own policy, only the values that are not
/// among these: those a middleware between the two layers appended
/// (tower-cookies, tower-sessions, actix-session). So every `Set-Cookie` that
/// reaches the client was judged by some consent layer, and the innermost
/// one, closest to the route, rules on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reviewed {
    judged: Vec<Box<[u8]>>,
}

impl Reviewed {
    /// The mark for a response whose `Set-Cookie` values are now `set_cookies`.
    pub fn of<S>(set_cookies: S) -> Reviewed
    where
        S: IntoIterator,
        S::Item: AsRef<[u8]>,
    {
        Reviewed {
            judged: set_cookies
                .into_iter()
                .map(|value| value.as_ref().into())
                .collect(),
        }
    }

    /// For each value of `set_cookies`, whether an inner layer judged it:
    /// byte for byte one of the marked values, each matched once.
    pub(crate) fn judged<S>(&self, set_cookies: S) -> Vec<bool>
    where
        S: IntoIterator,
        S::Item: AsRef<[u8]>,
    {
        let mut unmatched: Vec<&[u8]> = self.judged.iter().map(|v| &v[..]).collect();
        set_cookies
            .into_iter()
            .map(|value| {
                let found = unmatched.iter().position(|j| *j == value.as_ref());
                found.map(|at| unmatched.swap_remove(at)).is_some()
            })
            .collect()
    }
}

/// The headers a response review reads, by name: the request's `Cookie`
/// values, the response's `Set-Cookie` and `Vary` values, and the mark of an
/// inner layer that reviewed the response already.
///
/// `set_cookies` is read several times, so it must be `Copy`: a slice, an
/// array of `&str`, or a borrowed header view (`&http::header::GetAll`).
#[derive(Clone, Copy, Debug)]
pub struct ResponseHeaders<'m, C, S, V> {
    /// The request's `Cookie` header values, for the purge.
    pub request_cookies: C,
    /// The response's `Set-Cookie` values, in order.
    pub set_cookies: S,
    /// The response's `Vary` values, so nothing is named twice.
    pub vary: V,
    /// The mark an inner consent layer left on the response, if any.
    pub reviewed: Option<&'m Reviewed>,
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
