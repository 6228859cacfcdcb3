use cookie_consent_core::{Enforcer, Event, Policy};
use tower_layer::Layer;

use crate::service::ConsentService;

/// Applies a cookie [`Policy`] to every response of the wrapped service.
///
/// See the [crate documentation](crate) for an example, the layer order and
/// per-route configuration.
#[derive(Clone, Debug)]
#[must_use]
pub struct ConsentLayer {
    pub(crate) enforcer: Enforcer,
}

impl ConsentLayer {
    /// A layer enforcing `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentLayer {
            enforcer: Enforcer::new(policy),
        }
    }

    /// Calls `callback` with every [`Event`]: each kept, stripped and purged
    /// cookie, and each undeclared name. For metrics; keep it cheap.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        ConsentLayer {
            enforcer: self.enforcer.on_event(callback),
        }
    }

    /// The policy this layer enforces.
    pub fn policy(&self) -> &Policy {
        self.enforcer.policy()
    }
}

impl<S> Layer<S> for ConsentLayer {
    type Service = ConsentService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsentService::new(inner, self.clone())
    }
}
