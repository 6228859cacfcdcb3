//! The cross-framework suite's harness: serving both demo sites in-process
//! on free loopback ports, and a small HTTP/1.1 client to ask them.

pub mod browser;

use std::net::SocketAddr;

use bytes::Bytes;
use cookie_consent_core::{Policy, Recording};
pub use cookie_consent_demo::Options;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

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

/// What came back from one HTTP request.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Every `Set-Cookie` value, in order.
    pub set_cookies: Vec<String>,
    /// Every `Vary` value.
    pub vary: Vec<String>,
    /// The body, as text.
    pub body: String,
}

/// Sends one request over a fresh HTTP/1.1 connection.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    send_over(Http::One, addr, method, path, headers, body).await
}

/// The HTTP version a request goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Http {
    /// HTTP/1.1.
    One,
    /// Cleartext HTTP/2 with prior knowledge (h2c).
    Two,
}

/// Sends one request over a fresh connection of `http`; the reply must come
/// back over the same version.
pub async fn send_over(
    http: Http,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts");
    // HTTP/1.1 names the host in a header; HTTP/2 in the URI's authority.
    let mut request = hyper::Request::builder().method(method);
    request = match http {
        Http::One => request.uri(path).header("host", addr.to_string()),
        Http::Two => request.uri(format!("http://{addr}{path}")),
    };
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("a valid request");
    let response = match http {
        Http::One => {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .expect("an HTTP/1.1 handshake");
            tokio::spawn(connection);
            sender.send_request(request).await.expect("a response")
        }
        Http::Two => {
            let (mut sender, connection) = hyper::client::conn::http2::handshake(
                hyper_util::rt::TokioExecutor::new(),
                TokioIo::new(stream),
            )
            .await
            .expect("an HTTP/2 handshake");
            tokio::spawn(connection);
            sender.send_request(request).await.expect("a response")
        }
    };
    let expected = match http {
        Http::One => hyper::Version::HTTP_11,
        Http::Two => hyper::Version::HTTP_2,
    };
    assert_eq!(response.version(), expected, "answered over {http:?}");
    let (parts, body) = response.into_parts();
    let text = |name: &str| -> Vec<String> {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    Reply {
        status: parts.status.as_u16(),
        set_cookies: text("set-cookie"),
        vary: text("vary"),
        body: String::from_utf8_lossy(&body.collect().await.expect("a body").to_bytes())
            .into_owned(),
    }
}
