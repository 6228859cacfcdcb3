//! The workload every measurement in BENCHMARKS.md shares (issue 6): a request
//! carrying a Minopa consent that grants analytics (revision 1) and a `_ga`
//! cookie, answered by a handler that sets four cookies.

/// Minopa's policy (`examples/policies/minopa.toml`).
pub const MINOPA: &str = include_str!("../../examples/policies/minopa.toml");

/// The request's `Cookie` header: consent to analytics at revision 1, and `_ga`.
pub const COOKIE_HEADER: &str =
    "cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; _ga=GA1.1.1";

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
