//! `cargo run -p example-axum-minopa`: the demo site on axum.

use std::net::SocketAddr;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let prepared = cookie_consent_demo::prepare(
        example_axum_minopa::EMBEDDED_POLICY,
        example_axum_minopa::app_with,
    );
    let ((host, port), app) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {host}:{port}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{host}:{port}");
    if let Err(err) = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    {
        eprintln!("server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
