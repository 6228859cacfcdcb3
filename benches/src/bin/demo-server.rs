//! `demo-server SITE VARIANT ADDR`: a demo site (`axum`: Minopa, `actix`:
//! Mihari) served on one thread, `with` or `without` its consent layer, or
//! under the `floor` (see below), for `benches/wrk.sh` and `benches/e2e.sh`.
//! Prints `listening on http://ADDR` when ready.
//!
//! The `floor` is not a layer anyone ships: it makes the edits DESIGN requires
//! on the workload of `benches/workload.sh`, known in advance, with no consent
//! read and no judging: one request extension for the hand-off to handlers,
//! the `Set-Cookie` lookup, and on `/demo/set` the stripped values removed
//! and `Vary: Cookie` added. Nothing cheaper can follow the design.
//! `handoff` is the floor with the consent read and handed over (the
//! extension is the `Consent`): what a route that sets no cookie pays at
//! least, since the purge check needs that consent.

use std::process::ExitCode;

use actix_web::{web, App, HttpServer};
use axum::http::header::{Entry, SET_COOKIE, VARY};
use axum::http::HeaderValue;

fn axum(app: axum::Router, addr: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|err| err.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|err| format!("cannot listen on {addr}: {err}"))?;
        println!("listening on http://{addr}");
        axum::serve(listener, app)
            .await
            .map_err(|err| err.to_string())
    })
}

fn actix<F>(config: F, addr: &str) -> Result<(), String>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(move || App::new().configure(config.clone()))
            .workers(1)
            .bind(addr)
            .map_err(|err| format!("cannot listen on {addr}: {err}"))?;
        println!("listening on http://{addr}");
        server.run().await.map_err(|err| err.to_string())
    })
}

/// The floor's hand-off to handlers: one 8-byte request extension.
#[derive(Clone, Copy)]
struct Handoff(#[allow(dead_code)] u64);

/// The positions of the values the consent layer strips from `/demo/set` of
/// the workload: Minopa's `theme`; Mihari's `mh_prefs` and `mh_perf`.
const AXUM_STRIPPED: [usize; 1] = [1];
const ACTIX_STRIPPED: [usize; 2] = [1, 3];

/// The axum site under the floor (`read`: the `handoff` variant).
fn axum_floor(policy: cookie_consent_core::Policy, read: bool) -> axum::Router {
    use axum::http::header::{HeaderName, COOKIE};
    use cookie_consent_core::Signals;
    use tower::ServiceBuilder;
    static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");
    let edits = |mut response: axum::response::Response| {
        // Kept values cloned in order (they share their bytes), then the entry rewritten.
        if let Entry::Occupied(mut entry) = response.headers_mut().entry(SET_COOKIE) {
            let mut kept: [Option<HeaderValue>; 4] = Default::default();
            let values = entry.iter().enumerate();
            let values = values.filter(|(index, _)| !AXUM_STRIPPED.contains(index));
            for (slot, (_, value)) in kept.iter_mut().zip(values) {
                *slot = Some(value.clone());
            }
            let mut kept = kept.into_iter().flatten();
            if let Some(first) = kept.next() {
                entry.insert(first);
                kept.for_each(|value| entry.append(value));
            }
            response
                .headers_mut()
                .append(VARY, HeaderValue::from_static("Cookie, Sec-GPC"));
        }
        response
    };
    let handoff = policy.clone();
    example_axum_minopa::routes(policy).layer(
        ServiceBuilder::new()
            .map_request(move |mut request: axum::extract::Request| {
                if read {
                    let headers = request.headers();
                    let signals = Signals::from_headers(headers.get_all(&SEC_GPC), [""; 0]);
                    let consent = handoff.read_consent(headers.get_all(COOKIE), signals);
                    request.extensions_mut().insert(consent);
                } else {
                    request.extensions_mut().insert(Handoff(1));
                }
                request
            })
            .map_response(edits),
    )
}

/// The actix site under the floor: the same edits in a middleware written
/// like `ConsentMiddleware` (no boxing) around the app, since the site's
/// scope is the example's own: one server thread, as `actix` serves.
fn actix_floor(policy: cookie_consent_core::Policy, read: bool, addr: &str) -> Result<(), String> {
    let routes = example_actix_mihari::routes(policy.clone());
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(move || {
            let floor = actix_floor::Floor {
                policy: read.then(|| policy.clone()),
            };
            App::new().configure(routes.clone()).wrap(floor)
        })
        .workers(1)
        .bind(addr)
        .map_err(|err| format!("cannot listen on {addr}: {err}"))?;
        println!("listening on http://{addr}");
        server.run().await.map_err(|err| err.to_string())
    })
}

mod actix_floor {
    use std::future::{ready, Ready};

    use actix_web::body::MessageBody;
    use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
    use actix_web::http::header::{HeaderName, HeaderValue, COOKIE, SET_COOKIE, VARY};
    use actix_web::{Error, HttpMessage};
    use cookie_consent_core::{Policy, Signals};
    use futures_util::future::{FutureExt, Map};

    use super::{Handoff, ACTIX_STRIPPED};

    static SEC_GPC: HeaderName = HeaderName::from_static("sec-gpc");

    /// `policy`: read the consent and hand it over (`handoff`), else an 8-byte extension.
    pub(super) struct Floor {
        pub(super) policy: Option<Policy>,
    }

    pub(super) struct FloorService<S> {
        service: S,
        policy: Option<Policy>,
    }

    impl<S, B> Transform<S, ServiceRequest> for Floor
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        type Response = ServiceResponse<B>;
        type Error = Error;
        type Transform = FloorService<S>;
        type InitError = ();
        type Future = Ready<Result<Self::Transform, Self::InitError>>;

        fn new_transform(&self, service: S) -> Self::Future {
            let policy = self.policy.clone();
            ready(Ok(FloorService { service, policy }))
        }
    }

    type Edited<B> = fn(Result<ServiceResponse<B>, Error>) -> Result<ServiceResponse<B>, Error>;

    impl<S, B> Service<ServiceRequest> for FloorService<S>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
        B: MessageBody,
    {
        type Response = ServiceResponse<B>;
        type Error = Error;
        type Future = Map<S::Future, Edited<B>>;

        forward_ready!(service);

        fn call(&self, request: ServiceRequest) -> Self::Future {
            match &self.policy {
                Some(policy) => {
                    let headers = request.headers();
                    let signals = Signals::from_headers(headers.get_all(&SEC_GPC), [""; 0]);
                    let consent = policy.read_consent(headers.get_all(COOKIE), signals);
                    request.extensions_mut().insert(consent);
                }
                None => {
                    request.extensions_mut().insert(Handoff(1));
                }
            }
            self.service.call(request).map(edits as Edited<B>)
        }
    }

    fn edits<B>(response: Result<ServiceResponse<B>, Error>) -> Result<ServiceResponse<B>, Error> {
        let mut response = response?;
        let headers = response.headers_mut();
        if headers.contains_key(SET_COOKIE) {
            let mut kept: [Option<HeaderValue>; 4] = Default::default();
            let values = headers.get_all(SET_COOKIE).enumerate();
            let values = values.filter(|(index, _)| !ACTIX_STRIPPED.contains(index));
            for (slot, (_, value)) in kept.iter_mut().zip(values) {
                *slot = Some(value.clone());
            }
            headers.remove(SET_COOKIE);
            kept.into_iter()
                .flatten()
                .for_each(|value| headers.append(SET_COOKIE, value));
            headers.append(VARY, HeaderValue::from_static("Cookie"));
        }
        Ok(response)
    }
}

fn run(site: &str, variant: &str, addr: &str) -> Result<(), String> {
    let policy = |embedded| {
        cookie_consent_core::Policy::from_toml_str(embedded).map_err(|err| err.to_string())
    };
    match (site, variant) {
        ("axum", "with") => {
            let app = example_axum_minopa::app(policy(example_axum_minopa::EMBEDDED_POLICY)?);
            axum(app.map_err(|err| err.to_string())?, addr)
        }
        ("axum", "without") => {
            let policy = policy(example_axum_minopa::EMBEDDED_POLICY)?;
            axum(example_axum_minopa::routes(policy), addr)
        }
        ("axum", "floor" | "handoff") => {
            let policy = policy(example_axum_minopa::EMBEDDED_POLICY)?;
            axum(axum_floor(policy, variant == "handoff"), addr)
        }
        ("actix", "floor" | "handoff") => {
            let policy = policy(example_actix_mihari::EMBEDDED_POLICY)?;
            actix_floor(policy, variant == "handoff", addr)
        }
        ("actix", "with") => {
            let app = example_actix_mihari::app(policy(example_actix_mihari::EMBEDDED_POLICY)?);
            actix(app.map_err(|err| err.to_string())?, addr)
        }
        ("actix", "without") => {
            let policy = policy(example_actix_mihari::EMBEDDED_POLICY)?;
            actix(example_actix_mihari::routes(policy), addr)
        }
        _ => Err(format!(
            "usage: demo-server axum|actix with|without|floor|handoff ADDR, not {site:?} {variant:?}"
        )),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match run(arg(0), arg(1), arg(2)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo-server: {message}");
            ExitCode::FAILURE
        }
    }
}
