//! The page layer over real HTTP (DESIGN §20), on both adapters: sized and
//! chunked bodies, tags split at every byte across chunks, a 10 MB page with
//! memory measured, compressed pages, legacy charsets, malformed HTML, `HEAD`,
//! `304` and other types passed untouched.

use std::convert::Infallible;
use std::net::SocketAddr;

use actix_web::web;
use axum::body::Body;
use axum::extract::Query;
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use cookie_consent_core::page::{PageOptions, PageRewriter};
use cookie_consent_core::{Policy, Signals};
use cookie_consent_tests::{send, serve_actix, serve_axum, Reply};

use cookie_consent_testing::policies::TAGS as POLICY;

const GTAG: &str =
    r#"<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>"#;
const FRAME: &str = r#"<iframe src="https://www.youtube.com/embed/abc"></iframe>"#;

fn policy() -> Policy {
    Policy::from_toml_str(POLICY).unwrap()
}

/// A page with both tags; what the rewriter makes of it (no consent).
fn page() -> String {
    format!("<!doctype html><html><head><title>t</title></head><body><p>Grüße</p>{GTAG}{FRAME}</body></html>")
}

/// Is the reply the page with its tags neutralised and the guard in?
fn neutralised(reply: &Reply) -> bool {
    reply
        .body
        .contains("data-consent-src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"")
        && !reply
            .body
            .contains(" src=\"https://www.googletagmanager.com")
        && reply
            .body
            .contains("data-consent-placeholder=\"marketing\"")
        && !reply.body.contains(" src=\"https://www.youtube.com")
        && reply.body.contains("w.cookieConsent = {")
        && reply.body.contains("Grüße")
}

/// The page in chunks of `n` bytes (`n` = 0: one sized body).
fn chunks(body: Vec<u8>, n: usize) -> Vec<Bytes> {
    match n {
        0 => vec![Bytes::from(body)],
        n => body.chunks(n).map(Bytes::copy_from_slice).collect(),
    }
}

/// `/page?chunk=N`, `/big`, `/gzip`, `/latin1`, `/malformed`, `/json`,
/// `/not-modified`: what both apps serve, as (status, content type,
/// content encoding, chunks).
fn answer(path: &str, chunk: usize) -> (u16, &'static str, Option<&'static str>, Vec<Bytes>) {
    let html = "text/html; charset=utf-8";
    match path {
        "/page" => (200, html, None, chunks(page().into_bytes(), chunk)),
        "/big" => {
            // 10 MB: a tag every 100 bytes or so, served in 64 KiB chunks.
            let filler = format!("<p>{}</p>{GTAG}", "x".repeat(20));
            let mut body = String::from("<html><head></head><body>");
            while body.len() < 10 * 1024 * 1024 {
                body.push_str(&filler);
            }
            body.push_str("</body></html>");
            (200, html, None, chunks(body.into_bytes(), 64 * 1024))
        }
        "/gzip" => (200, html, Some("gzip"), vec![Bytes::from_static(b"\x1f\x8b\x08\x00 not really gzip")]),
        "/latin1" => {
            let mut body = b"<p>Gr\xfc\xdfe</p>".to_vec();
            body.extend_from_slice(GTAG.as_bytes());
            (200, "text/html; charset=windows-1252", None, vec![Bytes::from(body)])
        }
        "/malformed" => (
            200,
            html,
            None,
            vec![Bytes::from(format!(
                "<div><p>unclosed <b><script src = 'https://www.googletagmanager.com/gtag/js' async></script><table><td>{FRAME}<img src=x"
            ))],
        ),
        "/json" => (200, "application/json", None, vec![Bytes::from(format!("{{\"html\": \"{GTAG}\"}}"))]),
        "/not-modified" => (304, html, None, vec![]),
        _ => (404, "text/plain", None, vec![Bytes::from_static(b"no")]),
    }
}

async fn serve_tower() -> SocketAddr {
    async fn handle(uri: axum::http::Uri, Query(q): Query<Vec<(String, String)>>) -> Response {
        let chunk = q
            .iter()
            .find(|(k, _)| k == "chunk")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let (status, content_type, encoding, body) = answer(uri.path(), chunk);
        let sized = body.len() == 1;
        let length: usize = body.iter().map(Bytes::len).sum();
        let mut response = Response::builder()
            .status(StatusCode::from_u16(status).unwrap())
            .header(CONTENT_TYPE, content_type);
        if let Some(encoding) = encoding {
            response = response.header(CONTENT_ENCODING, encoding);
        }
        if sized {
            response = response.header(CONTENT_LENGTH, length);
        }
        let stream = futures_util::stream::iter(body.into_iter().map(Ok::<_, Infallible>));
        response
            .body(Body::from_stream(stream))
            .unwrap()
            .into_response()
    }
    let app = axum::Router::new()
        .fallback(get(handle))
        .layer(cookie_consent_tower::ConsentPageLayer::new(policy()));
    serve_axum(app).await
}

fn serve_actix_app() -> SocketAddr {
    async fn handle(request: actix_web::HttpRequest) -> actix_web::HttpResponse {
        let chunk = request
            .query_string()
            .strip_prefix("chunk=")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (status, content_type, encoding, body) = answer(request.path(), chunk);
        let mut response =
            actix_web::HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
        response.content_type(content_type);
        if let Some(encoding) = encoding {
            response.insert_header(("content-encoding", encoding));
        }
        if body.len() == 1 {
            return response.body(body.into_iter().next().unwrap_or_default());
        }
        let stream = futures_util::stream::iter(body.into_iter().map(Ok::<_, actix_web::Error>));
        response.streaming(stream)
    }
    serve_actix(
        |config: &mut web::ServiceConfig| {
            config.service(
                web::scope("")
                    .wrap(cookie_consent_actix::ConsentPage::new(policy()))
                    .default_service(web::to(handle)),
            );
        },
        false,
    )
}

async fn both() -> [(&'static str, SocketAddr); 2] {
    [("tower", serve_tower().await), ("actix", serve_actix_app())]
}

async fn get_(addr: SocketAddr, path: &str) -> Reply {
    send(addr, "GET", path, &[], "").await
}

#[tokio::test]
async fn sized_and_chunked_pages_are_rewritten_whatever_the_chunks() {
    for (name, addr) in both().await {
        let whole = get_(addr, "/page").await;
        assert!(neutralised(&whole), "{name}: {}", whole.body);
        assert!(
            whole
                .headers
                .get(CONTENT_LENGTH)
                .is_none_or(|l| l.to_str().unwrap() == whole.bytes.len().to_string()),
            "{name}: a stale Content-Length"
        );
        assert!(
            whole.vary.iter().any(|v| v.contains("Cookie")),
            "{name}: {:?}",
            whole.vary
        );
        // Every split of the page into chunks of n bytes gives the same page.
        for n in 1..=page().len().min(97) {
            let split = get_(addr, &format!("/page?chunk={n}")).await;
            assert_eq!(split.body, whole.body, "{name}: chunks of {n} bytes");
        }
    }
}

#[tokio::test]
async fn a_ten_megabyte_page_streams_through() {
    for (name, addr) in both().await {
        let reply = get_(addr, "/big").await;
        assert_eq!(reply.status, 200);
        let tags = reply
            .body
            .matches("data-consent-src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"")
            .count();
        let filler = format!("<p>{}</p>{GTAG}", "x".repeat(20)).len();
        assert_eq!(tags, (10 * 1024 * 1024) / filler + 1, "{name}");
        assert!(
            !reply
                .body
                .contains(" src=\"https://www.googletagmanager.com"),
            "{name}"
        );
    }
}

/// Memory stays flat: streaming 10 MB through the rewriter in 64 KiB
/// chunks never holds more than a small fraction of it.
#[test]
fn memory_stays_flat_on_a_ten_megabyte_page() {
    let policy = policy();
    let consent = policy.read_consent([""], Signals::default());
    let filler = format!("<p>{}</p>{GTAG}", "x".repeat(20));
    let chunk: String = filler.repeat(64 * 1024 / filler.len());
    let mut written = 0;
    let info = allocation_counter::measure(|| {
        let mut rewriter = PageRewriter::new(&policy, &consent, &PageOptions::default()).unwrap();
        let _ = rewriter.write(b"<html><head></head><body>");
        while written < 10 * 1024 * 1024 {
            written += rewriter.write(chunk.as_bytes()).len();
        }
        written += rewriter.end().len();
    });
    assert!(written > 10 * 1024 * 1024);
    // The output of one chunk (about 90 KiB) and the parser's buffers.
    assert!(
        info.bytes_max < 1024 * 1024,
        "peak {} bytes for a 10 MB page",
        info.bytes_max
    );
    eprintln!(
        "10 MB page: peak {} bytes allocated at once",
        info.bytes_max
    );
}

#[tokio::test]
async fn compressed_json_head_and_304_pass_untouched() {
    for (name, addr) in both().await {
        let gzip = get_(addr, "/gzip").await;
        assert_eq!(gzip.bytes, b"\x1f\x8b\x08\x00 not really gzip", "{name}");
        assert_eq!(
            gzip.headers.get(CONTENT_ENCODING).unwrap(),
            "gzip",
            "{name}"
        );
        let json = get_(addr, "/json").await;
        assert_eq!(json.body, format!("{{\"html\": \"{GTAG}\"}}"), "{name}");
        let head = send(addr, "HEAD", "/page", &[], "").await;
        assert_eq!((head.status, head.bytes.len()), (200, 0), "{name}");
        let not_modified = get_(addr, "/not-modified").await;
        assert_eq!(
            (not_modified.status, not_modified.bytes.len()),
            (304, 0),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_legacy_charset_and_malformed_html_are_read_as_a_browser_would() {
    for (name, addr) in both().await {
        let latin = get_(addr, "/latin1").await;
        assert!(
            latin.bytes.starts_with(b"<p>Gr\xfc\xdfe</p>"),
            "{name}: {:?}",
            latin.body
        );
        assert!(latin.body.contains("data-consent-blocked"), "{name}");
        let malformed = get_(addr, "/malformed").await;
        assert!(
            !malformed
                .body
                .contains("src = 'https://www.googletagmanager.com"),
            "{name}: {}",
            malformed.body
        );
        assert!(
            !malformed
                .body
                .contains(" src=\"https://www.googletagmanager.com"),
            "{name}: {}",
            malformed.body
        );
        assert!(
            !malformed.body.contains(" src=\"https://www.youtube.com"),
            "{name}: {}",
            malformed.body
        );
        assert!(
            malformed
                .body
                .contains("data-consent-category=\"analytics\""),
            "{name}: {}",
            malformed.body
        );
    }
}

/// `with_banner`: the banner first in `<body>` while the visitor has not chosen, on both adapters.
#[tokio::test]
async fn the_page_layer_can_put_the_banner_in() {
    let html = || "<html><head></head><body><h1>Shop</h1></body></html>";
    let tower_app = axum::Router::new()
        .route(
            "/",
            get(move || async move { axum::response::Html(html()) }),
        )
        .layer(
            cookie_consent_tower::ConsentPageLayer::new(policy())
                .with_banner("/consent", "/cookie-policy"),
        );
    let tower = serve_axum(tower_app).await;
    let actix = serve_actix(
        move |config: &mut web::ServiceConfig| {
            config.service(
                web::scope("")
                    .wrap(
                        cookie_consent_actix::ConsentPage::new(policy())
                            .with_banner("/consent", "/cookie-policy"),
                    )
                    .route(
                        "/",
                        web::get().to(move || async move {
                            actix_web::HttpResponse::Ok()
                                .content_type("text/html")
                                .body(html())
                        }),
                    ),
            );
        },
        false,
    );
    for (name, addr) in [("tower", tower), ("actix", actix)] {
        let reply = get_(addr, "/").await;
        assert!(
            reply
                .body
                .contains("<body><section class=\"cookie-banner\" id=\"cookie-banner\""),
            "{name}: {}",
            reply.body
        );
        assert!(
            reply
                .body
                .contains("<form method=\"post\" action=\"/consent\""),
            "{name}"
        );
    }
}
