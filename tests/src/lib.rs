//! The cross-framework suite's harness: serving both demo sites in-process
//! on free loopback ports; the client to ask them is the shared one.

pub mod browser;

use std::net::SocketAddr;

use cookie_consent_core::{Policy, Recording};
pub use cookie_consent_demo::Options;
pub use cookie_consent_testing::client::{send, send_over, Http, Reply};

/// Consent records in memory: the demo sites' default store.
pub fn memory_records() -> Recording {
    cookie_consent_demo::open_records("sqlite::memory:").expect("SQLite in memory opens")
}

/// Serves the axum demo (`example-axum-minopa`) with `policy`, on the current tokio runtime.
pub async fn serve_axum_demo(policy: Policy) -> SocketAddr {
    serve_axum_demo_recording(policy, memory_records()).await
}

/// [`serve_axum_demo`], recording consent answers in `records`.
pub async fn serve_axum_demo_recording(policy: Policy, records: Recording) -> SocketAddr {
    serve_axum_demo_with(policy, records, Options::default()).await
}

/// [`serve_axum_demo_recording`], with the routes `options` turn on.
pub async fn serve_axum_demo_with(
    policy: Policy,
    records: Recording,
    options: Options,
) -> SocketAddr {
    let app = example_axum_minopa::app_with(policy, records, options).expect("a valid policy");
    serve_axum(app).await
}

/// Serves any axum router on a free loopback port, with the client's address.
pub async fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("the axum demo serves")
    });
    addr
}

/// Serves the actix demo (`example-actix-mihari`) with `policy`, on a thread of its own.
pub fn serve_actix_demo(policy: Policy) -> SocketAddr {
    serve_actix_demo_recording(policy, memory_records())
}

/// [`serve_actix_demo`], recording consent answers in `records`.
pub fn serve_actix_demo_recording(policy: Policy, records: Recording) -> SocketAddr {
    serve_actix_demo_with(policy, records, Options::default())
}

/// [`serve_actix_demo_recording`], with the routes `options` turn on.
pub fn serve_actix_demo_with(policy: Policy, records: Recording, options: Options) -> SocketAddr {
    let configure =
        example_actix_mihari::app_with(policy, records, options).expect("a valid policy");
    serve_actix(configure, false)
}

/// Serves an actix app (`configure` applied to each worker's `App`) on a
/// thread of its own; with `h2c`, HTTP/1.1 and cleartext HTTP/2 alike.
pub fn serve_actix<F>(configure: F, h2c: bool) -> SocketAddr
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Clone + Send + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().configure(configure.clone())
            })
            .workers(1)
            .disable_signals();
            let listener =
                std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
            let server = if h2c {
                server.listen_auto_h2c(listener)
            } else {
                server.listen(listener)
            }
            .expect("the listener serves");
            sender
                .send(server.addrs()[0])
                .expect("the test waits for the address");
            server.run().await.expect("the actix app serves");
        });
    });
    receiver.recv().expect("the actix app starts")
}
