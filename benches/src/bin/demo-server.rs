//! `demo-server SITE VARIANT ADDR`: a demo site (`axum`: Minopa, `actix`:
//! Mihari) served on one thread, `with` or `without` its consent layer, or
//! under the `floor` (see below), for `benches/wrk.sh` and `benches/e2e.sh`.
//! Prints `listening on http://ADDR` when ready.
//!
//! `floor` and `handoff` serve the site under the floors of
//! `cookie_consent_benches::floor` instead of its consent layer.

use std::process::ExitCode;

use actix_web::{web, App, HttpServer};
use cookie_consent_benches::floor::{for_tower, Floor};
use cookie_consent_core::Policy;

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

/// The positions of the values the consent middleware strips from Mihari's
/// `/demo/set` of the workload: `mh_prefs` and `mh_perf`.
const ACTIX_STRIPPED: &[usize] = &[1, 3];

/// The axum site under the floor (`read`: the `handoff` variant), as `app`
/// puts its layer around the site's routes.
fn axum_floor(policy: Policy, read: bool) -> axum::Router {
    use tower::ServiceBuilder;
    let routes = example_axum_minopa::routes(policy.clone(), records());
    if read {
        let handoff = move |request| for_tower::consent(&policy, request);
        let floor = ServiceBuilder::new()
            .map_request(handoff)
            .map_response(for_tower::minopa_edits);
        routes.layer(floor)
    } else {
        let floor = ServiceBuilder::new()
            .map_request(for_tower::extension)
            .map_response(for_tower::minopa_edits);
        routes.layer(floor)
    }
}

/// The actix site under the floor, around the app (the site's scope is the
/// example's own), served as [`actix`] serves.
fn actix_floor(policy: Policy, read: bool, addr: &str) -> Result<(), String> {
    let routes = example_actix_mihari::routes(policy.clone(), records());
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(move || {
            let floor = match read {
                true => Floor::handoff(policy.clone(), ACTIX_STRIPPED, "Cookie"),
                false => Floor::edits(ACTIX_STRIPPED, "Cookie"),
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

/// The demo sites' default store: consent records in memory (the workload
/// posts no consent).
fn records() -> cookie_consent_core::Recording {
    cookie_consent_demo::open_records("sqlite::memory:").expect("SQLite in memory opens")
}

fn run(site: &str, variant: &str, addr: &str) -> Result<(), String> {
    let policy = |embedded| {
        cookie_consent_core::Policy::from_toml_str(embedded).map_err(|err| err.to_string())
    };
    match (site, variant) {
        ("axum", "with") => {
            let app = example_axum_minopa::app(policy(example_axum_minopa::EMBEDDED_POLICY)?, records());
            axum(app.map_err(|err| err.to_string())?, addr)
        }
        ("axum", "without") => {
            let policy = policy(example_axum_minopa::EMBEDDED_POLICY)?;
            axum(example_axum_minopa::routes(policy, records()), addr)
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
            let app = example_actix_mihari::app(policy(example_actix_mihari::EMBEDDED_POLICY)?, records());
            actix(app.map_err(|err| err.to_string())?, addr)
        }
        ("actix", "without") => {
            let policy = policy(example_actix_mihari::EMBEDDED_POLICY)?;
            actix(example_actix_mihari::routes(policy, records()), addr)
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
