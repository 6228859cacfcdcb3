//! The demo site on actix-web (DESIGN §7), with Mihari's policy embedded.

use actix_web::http::header::{ContentType, ACCEPT_LANGUAGE, SET_COOKIE, VARY};
use actix_web::{web, HttpRequest, HttpResponse, Scope};
use cookie_consent_actix::{
    recorded_consent_endpoint, Consent, ConsentMiddleware, ConsentPage, Policy, PolicyError,
    RecordQuery, Recording,
};
use cookie_consent_demo as demo;

/// Mihari's policy, the default.
pub const EMBEDDED_POLICY: &str = include_str!("../../policies/mihari.toml");

/// Registers the demo site enforcing `policy` and recording consent answers
/// in `records` (`/billing` enforces it plus Stripe's cookies):
/// `App::new().configure(app(policy, records)?)`.
pub fn app(
    policy: Policy,
    records: Recording,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static, PolicyError> {
    app_with(policy, records, demo::Options::default())
}

/// [`app`], with the routes `options` turn on.
pub fn app_with(
    policy: Policy,
    records: Recording,
    options: demo::Options,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static, PolicyError> {
    let billing = demo::billing_policy(&policy)?;
    Ok(move |config: &mut web::ServiceConfig| {
        config.service(
            site(&policy, &records, options)
                .service(
                    web::scope("/billing")
                        .wrap(ConsentMiddleware::new(billing.clone()))
                        .route("/demo/set", web::get().to(demo_set)),
                )
                .wrap(ConsentMiddleware::new(policy.clone())),
        );
    })
}

/// Registers the site's own routes with no enforcement: what [`app`] wraps in
/// `ConsentMiddleware`. The pages that read `Consent` (`/`, `/demo/consent`)
/// answer 500 here; the benchmarks serve it to measure the middleware on the
/// other routes.
pub fn routes(
    policy: Policy,
    records: Recording,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |config: &mut web::ServiceConfig| {
        config.service(site(&policy, &records, demo::Options::default()));
    }
}

fn site(policy: &Policy, records: &Recording, options: demo::Options) -> Scope {
    web::scope("")
        .app_data(web::Data::new(policy.clone()))
        .app_data(web::Data::new(records.clone()))
        .app_data(web::Data::new(options))
        .route("/", web::get().to(home))
        // The page middleware on the one page that leaves its tags to it (DESIGN §20).
        .service(
            web::resource("/demo/page")
                .wrap(ConsentPage::new(policy.clone()))
                .route(web::get().to(demo_page)),
        )
        .route("/demo/tracker/{file}", web::get().to(tracker))
        .route("/cookie-policy", web::get().to(cookie_policy))
        .route("/consent", recorded_consent_endpoint(records.clone()))
        .route("/demo/set", web::get().to(demo_set))
        .route("/demo/raw", web::get().to(demo_raw))
        .route("/demo/consent", web::get().to(demo_consent))
        .route("/demo/records", web::get().to(demo_records))
        .route("/healthz", web::get().to(|| async { "ok" }))
        .route("/.well-known/gpc.json", web::get().to(gpc_json))
}

fn with_cookies(
    mut response: actix_web::HttpResponseBuilder,
    cookies: Vec<String>,
) -> actix_web::HttpResponseBuilder {
    for cookie in cookies {
        response.append_header((SET_COOKIE, cookie));
    }
    response
}

async fn home(policy: web::Data<Policy>, consent: Consent, request: HttpRequest) -> HttpResponse {
    let settings = request
        .query_string()
        .split('&')
        .any(|p| p == "cookie-settings");
    let page = demo::home_page(&policy, &consent, settings, accept_language(&request));
    with_cookies(HttpResponse::Ok(), demo::home_cookies(&policy))
        .content_type(ContentType::html())
        .append_header((VARY, "Accept-Language"))
        .body(page)
}

/// The request's `Accept-Language`, for the page's locale.
fn accept_language(request: &HttpRequest) -> Option<&str> {
    request.headers().get(ACCEPT_LANGUAGE)?.to_str().ok()
}

async fn demo_page(
    policy: web::Data<Policy>,
    consent: Consent,
    request: HttpRequest,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .append_header((VARY, "Accept-Language"))
        .body(demo::demo_page(
            &policy,
            &consent,
            accept_language(&request),
        ))
}

async fn tracker(file: web::Path<String>) -> HttpResponse {
    match demo::tracker(&file) {
        Some((content_type, body)) => HttpResponse::Ok().content_type(content_type).body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn cookie_policy(policy: web::Data<Policy>, request: HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .append_header((VARY, "Accept-Language"))
        .body(demo::policy_page(&policy, accept_language(&request)))
}

async fn demo_set(query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    match demo::demo_set_cookies(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(cookies) => with_cookies(HttpResponse::Ok(), cookies).body("set"),
        Err(err) => HttpResponse::BadRequest().body(err),
    }
}

async fn demo_raw(
    options: web::Data<demo::Options>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let query = query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    match demo::demo_raw(**options, query) {
        None => HttpResponse::NotFound().finish(),
        Some(Ok(answer)) => {
            let status = match answer.not_modified {
                true => HttpResponse::NotModified(),
                false => HttpResponse::Ok(),
            };
            let mut response = with_cookies(status, answer.set_cookies);
            for vary in answer.vary {
                response.append_header((VARY, vary));
            }
            match answer.not_modified {
                true => response.finish(),
                false => response.body("raw"),
            }
        }
        Some(Err(err)) => HttpResponse::BadRequest().body(err),
    }
}

/// The GPC support resource, when a category honours GPC; 404 otherwise.
async fn gpc_json(policy: web::Data<Policy>) -> HttpResponse {
    match policy.gpc_json() {
        Some(json) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(json),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn demo_consent(consent: Consent) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(demo::consent_json(&consent))
}

/// The consent records of one consent id, oldest first.
async fn demo_records(
    records: web::Data<Recording>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(id) = demo::records_id(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else {
        return HttpResponse::BadRequest().body("id is required");
    };
    match records.store().select(&RecordQuery::all().id(id)).await {
        Ok(found) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(demo::records_json(&found)),
        Err(err) => HttpResponse::ServiceUnavailable().body(err.to_string()),
    }
}
