use cookie_consent_core::adapter::Reviewer;
use cookie_consent_core::{Event, Policy};
use tower_layer::Layer;

use crate::service::ConsentService;

/// Applies a cookie [`Policy`] to every response of the wrapped service.
///
/// See the [crate documentation](crate) for an example, the layer order and
/// per-route configuration.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConsentLayer {
    pub(crate) reviewer: Reviewer,
}

impl ConsentLayer {
    /// A layer enforcing `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentLayer {
            reviewer: Reviewer::new(policy),
        }
    }

    /// Decides and reports, but changes no response, whatever the policy file
    /// says: for trying a policy on a live site before enforcing it.
    pub fn report_only(self) -> Self {
        ConsentLayer {
            reviewer: self.reviewer.report_only(),
        }
    }

    /// Calls `callback` with every [`Event`]: each kept, stripped and purged
    /// cookie, and each undeclared name. For metrics; keep it cheap. Called
    /// twice, both callbacks are called.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        ConsentLayer {
            reviewer: self.reviewer.on_event(callback),
        }
    }

    /// The policy this layer enforces.
    pub fn policy(&self) -> &Policy {
        self.reviewer.policy()
    }
}

impl<S> Layer<S> for ConsentLayer {
    type Service = ConsentService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsentService::new(inner, self.clone())
    }
}
