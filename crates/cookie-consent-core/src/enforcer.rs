//! What an adapter holds: the policy, and an optional callback for events.

use std::fmt;
use std::sync::Arc;

use crate::consent::{Consent, Signals};
use crate::event::Event;
use crate::policy::Policy;
use crate::response::{ResponseHeaders, ResponseOutcome};

type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// A [`Policy`] with an optional event callback: the two calls an adapter
/// makes, per request and per response. Cheap to clone.
#[derive(Clone)]
#[must_use]
pub struct Enforcer {
    policy: Policy,
    on_event: Option<Arc<Callback>>,
}

impl Enforcer {
    /// Enforces `policy`, reporting events to `tracing` only.
    pub fn new(policy: Policy) -> Self {
        Enforcer {
            policy,
            on_event: None,
        }
    }

    /// Also calls `callback` with every [`Event`]: each kept, stripped and
    /// purged cookie, and each undeclared name. For metrics; keep it cheap.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        Enforcer {
            on_event: Some(Arc::new(callback)),
            ..self
        }
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
    ) -> ResponseOutcome
    where
        C: IntoIterator,
        C::Item: AsRef<[u8]>,
        S: IntoIterator + Copy,
        S::Item: AsRef<[u8]>,
        V: IntoIterator,
        V::Item: AsRef<[u8]>,
    {
        let observer = self.on_event.as_deref().map(|f| f as _);
        self.policy.review_response(consent, headers, observer)
    }
}

impl fmt::Debug for Enforcer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enforcer")
            .field("policy", &self.policy)
            .field("on_event", &self.on_event.is_some())
            .finish()
    }
}
