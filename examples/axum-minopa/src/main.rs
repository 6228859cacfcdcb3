//! `cargo run -p example-axum-minopa`: the demo site on axum.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let settings =
        match cookie_consent_demo::Settings::from_env(example_axum_minopa::EMBEDDED_POLICY) {
            Ok(settings) => settings,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        };
    let app = match example_axum_minopa::app(settings.policy) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("cookie policy: {err}");
            return ExitCode::FAILURE;
        }
    };
    let listener =
        match tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!(
                    "cannot listen on {}:{}: {err}",
                    settings.host, settings.port
                );
                return ExitCode::FAILURE;
            }
        };
    println!("listening on http://{}:{}", settings.host, settings.port);
    if let Err(err) = axum::serve(listener, app).await {
        eprintln!("server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
