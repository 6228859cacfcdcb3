//! `cargo run -p example-actix-mihari`: the demo site on actix-web.

use std::process::ExitCode;

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> ExitCode {
    let settings =
        match cookie_consent_demo::Settings::from_env(example_actix_mihari::EMBEDDED_POLICY) {
            Ok(settings) => settings,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        };
    let configure = match example_actix_mihari::app(settings.policy) {
        Ok(configure) => configure,
        Err(err) => {
            eprintln!("cookie policy: {err}");
            return ExitCode::FAILURE;
        }
    };
    let server = match HttpServer::new(move || App::new().configure(configure.clone()))
        .bind((settings.host.as_str(), settings.port))
    {
        Ok(server) => server,
        Err(err) => {
            eprintln!(
                "cannot listen on {}:{}: {err}",
                settings.host, settings.port
            );
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{}:{}", settings.host, settings.port);
    if let Err(err) = server.run().await {
        eprintln!("server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
