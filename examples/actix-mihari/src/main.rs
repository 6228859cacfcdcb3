//! `cargo run -p example-actix-mihari`: the demo site on actix-web.

use std::process::ExitCode;

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> ExitCode {
    let prepared = cookie_consent_demo::prepare(
        example_actix_mihari::EMBEDDED_POLICY,
        example_actix_mihari::app_with,
    );
    let ((host, port), configure) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let server = match HttpServer::new(move || App::new().configure(configure.clone()))
        .bind((host.as_str(), port))
    {
        Ok(server) => server,
        Err(err) => {
            eprintln!("cannot listen on {host}:{port}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{host}:{port}");
    if let Err(err) = server.run().await {
        eprintln!("server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
