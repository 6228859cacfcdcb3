//! The workload every measurement in BENCHMARKS.md shares (issue 6): a request
//! carrying a Minopa consent that grants analytics (revision 1) and a `_ga`
//! cookie, answered by a handler that sets four cookies.

pub mod floor;

/// Minopa's policy (`examples/policies/minopa.toml`).
pub const MINOPA: &str = include_str!("../../examples/policies/minopa.toml");

/// The request's `Cookie` header: consent to analytics at revision 1, and `_ga`.
pub const COOKIE_HEADER: &str =
    "cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; _ga=GA1.1.1";

/// The key the signed stacks sign with.
pub const SIGNING_KEY: [u8; 32] = [0x5e; 32];

/// [`COOKIE_HEADER`] with its consent signed by [`SIGNING_KEY`].
pub fn signed_cookie_header() -> String {
    let keys = cookie_consent_core::SigningKeys::new([SIGNING_KEY]).expect("a valid key");
    let (pair, rest) = COOKIE_HEADER.split_once("; ").expect("two cookies");
    let (name, value) = pair.split_once('=').expect("a pair");
    format!("{name}={}; {rest}", keys.sign(name, value))
}

/// Minopa's policy, its consent signed by [`SIGNING_KEY`].
pub fn minopa_signed() -> cookie_consent_core::Policy {
    let keys = cookie_consent_core::SigningKeys::new([SIGNING_KEY]).expect("a valid key");
    minopa().with_signing_keys(keys)
}

/// The request's `Cookie` header without a consent: `_ga` alone.
pub const NO_CONSENT_HEADER: &str = "_ga=GA1.1.1";

/// The handler's four cookies: essential (kept), functional and not granted
/// (stripped), analytics and granted (kept, kept).
pub const SET_COOKIES: [&str; 4] = [
    "next-auth.csrf-token=t; Path=/; HttpOnly",
    "theme=dark; Path=/; Max-Age=31536000",
    "_ga=GA1.1.1; Path=/; Max-Age=63072000",
    "_clck=c; Path=/; Max-Age=31536000",
];

/// The names [`SET_COOKIES`] sets, in order.
pub const SET_COOKIE_NAMES: [&str; 4] = ["next-auth.csrf-token", "theme", "_ga", "_clck"];

/// The positions in [`SET_COOKIES`] of the values enforcement strips: `theme`.
pub const STRIPPED: &[usize] = &[1];

/// The `Vary` enforcement adds on the workload (Minopa honours GPC).
pub const VARY: &str = "Cookie, Sec-GPC";

/// The names a response of the workload keeps under enforcement: `theme` goes.
pub const KEPT_NAMES: [&str; 3] = ["next-auth.csrf-token", "_ga", "_clck"];

/// The policy parsed, or the reason it does not parse.
pub fn minopa() -> cookie_consent_core::Policy {
    match cookie_consent_core::Policy::from_toml_str(MINOPA) {
        Ok(policy) => policy,
        Err(err) => panic!("examples/policies/minopa.toml: {err}"),
    }
}

/// The cookie names of `set_cookies`, in order: what a run checks its
/// responses against before it is counted.
pub fn names<'a>(set_cookies: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    set_cookies
        .into_iter()
        .map(|value| {
            let value = String::from_utf8_lossy(value);
            value
                .split('=')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

/// The number of requests a `requests-*` program serves, from its arguments.
pub fn request_count(arg: Option<String>) -> Result<u64, String> {
    arg.ok_or("missing the request count")?
        .parse()
        .map_err(|err| format!("request count: {err}"))
}

/// Each consent source (DESIGN §9) with the grants it needs and a typical real
/// value (CONSENT-FORMATS.md) as the request's `Cookie` header: what
/// `benches/benches/core.rs` reads.
pub const SOURCE_SAMPLES: [(&str, &str, &str); 8] = [
    ("cookie-consent", "", COOKIE_HEADER),
    (
        "cookiebot",
        "",
        "CookieConsent={stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1709627572438%2Ciab2:%27%27%2Cregion:%27VN%27}",
    ),
    (
        "onetrust",
        "",
        "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-06-16T12:18:11.366Z",
    ),
    (
        "cookieyes",
        "",
        "cookieyes-consent=consentid:WHRLbHhJZVJlTXR3b0F4MUpUQWNCZDRNbXRpTWNEcmE,consent:no,action:yes,necessary:yes,functional:no,analytics:yes,performance:no,advertisement:no,other:no",
    ),
    (
        "complianz",
        "",
        "cmplz_banner-status=dismissed; cmplz_functional=allow; cmplz_marketing=deny; cmplz_preferences=allow; cmplz_statistics=deny",
    ),
    (
        "tcf",
        "[consent_sources.grants]\nfunctional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]",
        "euconsent-v2=CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA",
    ),
    (
        "vanilla-cookieconsent",
        "",
        "cc_cookie=%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22lastConsentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%7D",
    ),
    (
        "klaro",
        "[consent_sources.grants]\nfunctional = [\"preferences\"]\nanalytics = [\"google-analytics\"]\nmarketing = [\"google-ads\"]",
        "klaro=%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Atrue%2C%22google-ads%22%3Afalse%7D",
    ),
];

/// Minopa's policy with one consent source of `format` and its `grants`.
pub fn minopa_reading(format: &str, grants: &str) -> cookie_consent_core::Policy {
    let text = format!("{MINOPA}\n[[consent_sources]]\nformat = \"{format}\"\n{grants}");
    match cookie_consent_core::Policy::from_toml_str(&text) {
        Ok(policy) => policy,
        Err(err) => panic!("{err}"),
    }
}
