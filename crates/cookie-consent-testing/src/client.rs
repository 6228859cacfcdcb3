//! A plain HTTP client: one request over a fresh connection, for servers on
//! loopback that a test starts.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// What came back from one HTTP request.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Every header, as sent.
    pub headers: http::HeaderMap,
    /// Every `Set-Cookie` value, in order.
    pub set_cookies: Vec<String>,
    /// Every `Vary` value.
    pub vary: Vec<String>,
    /// The body, as text.
    pub body: String,
    /// The body as it came, byte for byte.
    pub bytes: Vec<u8>,
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
    let bytes = body.collect().await.expect("a body").to_bytes();
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
        headers: parts.headers.clone(),
        set_cookies: text("set-cookie"),
        vary: text("vary"),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

impl Reply {
    /// The names of the cookies each `Set-Cookie` sets, in order.
    pub fn set_cookie_names(&self) -> Vec<&str> {
        self.set_cookies
            .iter()
            .map(|v| v.split('=').next().unwrap_or_default())
            .collect()
    }
}
