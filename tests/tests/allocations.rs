//! Heap allocations each layer adds per request, counted exactly (per thread,
//! by `allocation-counter`'s counting allocator, in this test binary only).
//! A regression fails CI; every counted allocation is explained in BENCHMARKS.md.

use std::convert::Infallible;

use bytes::Bytes;
use cookie_consent_core::{Policy, Signals};
use futures_util::FutureExt;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response};
use http_body_util::Full;
use tower::{service_fn, Layer, Service};

const MINOPA: &str = include_str!("../../examples/policies/minopa.toml");
/// A Minopa consent granting analytics (revision 1), and a `_ga` cookie.
const COOKIE_HEADER: &str =
    "cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; _ga=GA1.1.1";
/// The handler's four cookies: essential, not granted, granted, granted.
const WORKLOAD: [&str; 4] = [
    "next-auth.csrf-token=t; Path=/; HttpOnly",
    "theme=dark; Path=/; Max-Age=31536000",
    "_ga=GA1.1.1; Path=/; Max-Age=63072000",
    "_clck=c; Path=/; Max-Age=31536000",
];

fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

fn minopa() -> Policy {
    Policy::from_toml_str(MINOPA).unwrap()
}

/// The allocations of one `http::Extensions` insert of a `Consent`.
fn extension_insert() -> u64 {
    let consent = minopa().read_consent([COOKIE_HEADER], Signals::default());
    let mut extensions = http::Extensions::new();
    allocations(|| {
        extensions.insert(consent);
    })
}

mod tower_layer {
    use super::*;

    type Handler = Box<
        dyn FnMut(Request<()>) -> std::future::Ready<Result<Response<Full<Bytes>>, Infallible>>,
    >;

    /// A request as hyper hands it over: header values share the read buffer,
    /// so cloning one counts a reference instead of copying.
    fn request() -> Request<()> {
        let mut request = Request::get("/").body(()).unwrap();
        let shared = Bytes::from_static(COOKIE_HEADER.as_bytes());
        request
            .headers_mut()
            .insert(COOKIE, HeaderValue::from_maybe_shared(shared).unwrap());
        request
    }

    /// Allocations of one call through `layer`, with the handler's responses
    /// prepared beforehand so that only the layer's work is counted.
    pub(super) fn through<L>(layer: L, set_cookies: &'static [&'static str]) -> u64
    where
        L: Layer<tower::util::ServiceFn<Handler>>,
        L::Service: Service<Request<()>, Response = Response<Full<Bytes>>, Error = Infallible>,
    {
        let mut prepared: Vec<Response<Full<Bytes>>> = (0..2)
            .map(|_| {
                let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
                for value in set_cookies {
                    response
                        .headers_mut()
                        .append(SET_COOKIE, HeaderValue::from_static(value));
                }
                // Room for what the layer appends, as a real response's map usually has.
                response.headers_mut().reserve(16);
                response
            })
            .collect();
        let handler: Handler = Box::new(move |_| std::future::ready(Ok(prepared.pop().unwrap())));
        let mut service = layer.layer(service_fn(handler));
        // Warm-up: lazy statics and thread-locals are set up once, not per request.
        drop(service.call(request()).now_or_never().unwrap());
        let request = request();
        let mut response = None;
        let count = allocations(|| response = service.call(request).now_or_never());
        drop(response);
        count
    }
}

#[test]
fn tower_no_set_cookie_path_adds_only_the_extension_insert() {
    let identity = tower_layer::through(tower::layer::util::Identity::new(), &[]);
    let consent = tower_layer::through(cookie_consent_tower::ConsentLayer::new(minopa()), &[]);
    assert_eq!(
        extension_insert(),
        3,
        "http::Extensions: its map's box, the map's table, the boxed value"
    );
    // Plus the flag that notes whether the handler read the consent (Vary, §6).
    assert_eq!(
        consent - identity,
        extension_insert() + READ_FLAG,
        "Identity {identity}, ConsentLayer {consent}"
    );
}

/// The shared flag `Consent::watch_reads` allocates.
const READ_FLAG: u64 = 1;

#[test]
fn tower_four_cookie_workload_allocations() {
    let identity = tower_layer::through(tower::layer::util::Identity::new(), &WORKLOAD);
    let consent =
        tower_layer::through(cookie_consent_tower::ConsentLayer::new(minopa()), &WORKLOAD);
    // Only the extension insert and the read flag: stripped values are bits,
    // the kept ones wait on the stack while the Set-Cookie entry is rewritten.
    assert_eq!(
        consent - identity,
        extension_insert() + READ_FLAG,
        "Identity {identity}, ConsentLayer {consent}"
    );
}

mod actix_app {
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::http::header::COOKIE;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;

    /// Allocations of one call; the handlers here are ready at once, so one poll serves it.
    fn once<S, R, B>(app: &S, request: R) -> u64
    where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    {
        let mut response = None;
        let count = allocations(|| response = app.call(request).now_or_never());
        assert!(matches!(response, Some(Ok(_))), "answered at once");
        count
    }

    /// Allocations of one request through an app whose handler sets
    /// `set_cookies`: without middleware, and with `ConsentMiddleware`.
    pub(super) async fn without_and_with(set_cookies: &'static [&'static str]) -> (u64, u64) {
        let handler = move || async move {
            let mut response = HttpResponse::Ok();
            for value in set_cookies {
                response.append_header((SET_COOKIE.as_str(), *value));
            }
            response.finish()
        };
        let request = || {
            test::TestRequest::get()
                .uri("/")
                .insert_header((COOKIE, COOKIE_HEADER))
                .to_request()
        };
        let bare = test::init_service(App::new().route("/", web::get().to(handler))).await;
        let wrapped = test::init_service(
            App::new()
                .route("/", web::get().to(handler))
                .wrap(cookie_consent_actix::ConsentMiddleware::new(minopa())),
        )
        .await;
        // Warm-up first: actix pools requests and lazily builds thread-locals.
        once(&bare, request());
        let bare_count = once(&bare, request());
        once(&wrapped, request());
        let wrapped_count = once(&wrapped, request());
        (bare_count, wrapped_count)
    }
}

#[actix_web::test]
async fn actix_no_set_cookie_path_adds_only_the_extension_insert() {
    let (bare, wrapped) = actix_app::without_and_with(&[]).await;
    // actix pools requests with their extension map already sized: the insert
    // costs one allocation, the boxed Consent; the read flag is the other.
    assert_eq!(
        wrapped - bare,
        1 + READ_FLAG,
        "no middleware {bare}, ConsentMiddleware {wrapped}"
    );
}

#[actix_web::test]
async fn actix_four_cookie_workload_allocations() {
    let (bare, wrapped) = actix_app::without_and_with(&WORKLOAD).await;
    // Only the extension insert and the read flag: stripped values are bits,
    // and actix's HeaderMap::retain removes `theme` in place.
    assert_eq!(
        wrapped - bare,
        1 + READ_FLAG,
        "no middleware {bare}, ConsentMiddleware {wrapped}"
    );
}

/// Reading the consent of each source (DESIGN §9) from its real value
/// (CONSENT-FORMATS.md): the formats that allow it read without allocating;
/// the JSON ones allocate what serde_json builds: vanilla-cookieconsent its
/// `categories` list and one string per category, Klaro its service map.
#[test]
fn reading_each_consent_source_allocates_as_counted() {
    let sources = [
        ("cookie-consent", "", COOKIE_HEADER, 0),
        // As the consent endpoint writes it: with a timestamp and a consent id (§15).
        (
            "cookie-consent",
            "",
            "cookie-preferences=%7B%22categories%22%3A%7B%22functional%22%3Afalse%2C%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D%2C%22revision%22%3A1%2C%22timestamp%22%3A1796010373%2C%22id%22%3A%22d873a41d77aded21687f305bf74b2175%22%7D; _ga=GA1.1.1",
            0,
        ),
        (
            "cookiebot",
            "",
            "CookieConsent={stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1709627572438%2Ciab2:%27%27%2Cregion:%27VN%27}",
            0,
        ),
        (
            "onetrust",
            "",
            "OptanonConsent=isGpcEnabled=0&version=202501.2.0&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=1&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-06-16T12:18:11.366Z",
            0,
        ),
        (
            "cookieyes",
            "",
            "cookieyes-consent=consentid:WHRLbHhJZVJlTXR3b0F4MUpUQWNCZDRNbXRpTWNEcmE,consent:no,action:yes,necessary:yes,functional:no,analytics:yes,performance:no,advertisement:no,other:no",
            0,
        ),
        (
            "complianz",
            "",
            "cmplz_banner-status=dismissed; cmplz_functional=allow; cmplz_marketing=deny; cmplz_preferences=allow; cmplz_statistics=deny",
            0,
        ),
        (
            "tcf",
            "[consent_sources.grants]\nfunctional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]",
            "euconsent-v2=CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA",
            0,
        ),
        (
            "vanilla-cookieconsent",
            "",
            "cc_cookie=%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%5D%2C%22revision%22%3A1%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%7D",
            3,
        ),
        (
            "klaro",
            "[consent_sources.grants]\nfunctional = [\"preferences\"]\nanalytics = [\"google-analytics\"]\nmarketing = [\"google-ads\"]",
            "klaro=%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Atrue%2C%22google-ads%22%3Afalse%7D",
            1,
        ),
    ];
    for (format, grants, header, expected) in sources {
        let policy = Policy::from_toml_str(&format!(
            "{MINOPA}\n[[consent_sources]]\nformat = \"{format}\"\n{grants}"
        ))
        .unwrap();
        let mut consent = None;
        let count =
            allocations(|| consent = Some(policy.read_consent([header], Signals::default())));
        let consent = consent.unwrap();
        assert_eq!(consent.source(), Some(format), "{format} decided");
        assert_eq!(count, expected, "{format}: {count} allocations");
    }
}

/// A signed consent, once this thread has verified it, is read with exactly the
/// allocations of the same consent unsigned; the first read keeps it (the
/// memo's table, once per thread, and the value's copy).
#[test]
fn a_verified_signed_consent_reads_with_the_allocations_of_an_unsigned_one() {
    let keys = cookie_consent_core::SigningKeys::new([[0x5e; 32]]).unwrap();
    let (unsigned_policy, signed_policy) = (minopa(), minopa().with_signing_keys(keys.clone()));
    let (pair, rest) = COOKIE_HEADER.split_once("; ").unwrap();
    let (name, value) = pair.split_once('=').unwrap();
    let signed = format!("{name}={}; {rest}", keys.sign(name, value));
    let read = |policy: &Policy, header: &str| {
        let mut consent = None;
        let count =
            allocations(|| consent = Some(policy.read_consent([header], Signals::default())));
        let consent = consent.unwrap();
        assert_eq!(consent.state(), cookie_consent_core::ConsentState::Valid);
        assert!(consent.allows("analytics"));
        count
    };
    let first = read(&signed_policy, &signed);
    assert_eq!(first, 2, "the memo's table and the value's copy");
    let unsigned = read(&unsigned_policy, COOKIE_HEADER);
    for _ in 0..3 {
        assert_eq!(read(&signed_policy, &signed), unsigned);
    }
}
