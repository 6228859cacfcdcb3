//! [`ConsentExt`]: the request's [`Consent`] without axum.

use cookie_consent_core::Consent;
use http::request::Parts;
use http::Request;

/// Reads the [`Consent`] that [`ConsentLayer`](crate::ConsentLayer) put in a
/// request's extensions: for hyper, tonic or any Tower service that is not an
/// axum handler (axum handlers take `Consent` or `Option<Consent>` as an argument).
///
/// ```
/// use cookie_consent_tower::{ConsentExt, ConsentLayer, Policy};
/// use tower::{service_fn, Layer, ServiceExt};
///
/// # tokio_test_block_on(async {
/// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"").unwrap();
/// let handler = service_fn(|request: http::Request<()>| async move {
///     let analytics = request.consent().is_some_and(|c| c.allows("analytics"));
///     Ok::<_, std::convert::Infallible>(http::Response::new(analytics.to_string()))
/// });
/// let response = ConsentLayer::new(policy).layer(handler).oneshot(http::Request::new(())).await;
/// assert_eq!(response.unwrap().body(), "false");
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub trait ConsentExt {
    /// The request's consent, or `None` when no `ConsentLayer` wraps the service.
    fn consent(&self) -> Option<Consent>;
}

impl<B> ConsentExt for Request<B> {
    fn consent(&self) -> Option<Consent> {
        self.extensions().get::<Consent>().cloned()
    }
}

impl ConsentExt for Parts {
    fn consent(&self) -> Option<Consent> {
        self.extensions.get::<Consent>().cloned()
    }
}
