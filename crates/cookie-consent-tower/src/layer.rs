use std::fmt;
use std::sync::Arc;

use cookie_consent_core::{Event, Policy};
use tower_layer::Layer;

use crate::service::ConsentService;

type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// What every service of one layer shares.
pub(crate) struct Config {
    pub(crate) policy: Policy,
    pub(crate) on_event: Option<Box<Callback>>,
}

/// Applies a cookie [`Policy`] to every response of the wrapped service.
///
/// See the [crate documentation](crate) for an example, the layer order and
/// per-route configuration.
#[derive(Clone)]
#[must_use]
pub struct ConsentLayer {
    pub(crate) config: Arc<Config>,
}

impl ConsentLayer {
    /// A layer enforcing `policy`.
    pub fn new(policy: Policy) -> Self {
        ConsentLayer {
            config: Arc::new(Config {
                policy,
                on_event: None,
            }),
        }
    }

    /// Calls `callback` with every [`Event`]: each kept, stripped and purged
    /// cookie, and each undeclared name. For metrics; keep it cheap.
    pub fn on_event<F>(self, callback: F) -> Self
    where
        F: Fn(&Event<'_>) + Send + Sync + 'static,
    {
        let policy = self.config.policy.clone();
        ConsentLayer {
            config: Arc::new(Config {
                policy,
                on_event: Some(Box::new(callback)),
            }),
        }
    }

    /// The policy this layer enforces.
    pub fn policy(&self) -> &Policy {
        &self.config.policy
    }
}

impl fmt::Debug for ConsentLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentLayer")
            .field("policy", &self.config.policy)
            .field("on_event", &self.config.on_event.is_some())
            .finish()
    }
}

impl<S> Layer<S> for ConsentLayer {
    type Service = ConsentService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConsentService::new(inner, self.clone())
    }
}
