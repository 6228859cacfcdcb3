//! The HTTP bytes the library reads: `Cookie` and `Set-Cookie` header values.
//!
//! Every reader here takes any bytes (a header may hold non-UTF-8 and
//! anything else a client or an application sends) and never allocates on the
//! common path. The decisions about what the bytes mean live elsewhere.

use crate::clock::Now;

/// The `name=value` pairs of one `Cookie` header value, as bytes.
///
/// Written by hand rather than with `cookie::Cookie::split_parse` because a
/// request header may hold any bytes, and one non-UTF-8 cookie must not hide
/// the others.
pub(crate) fn cookie_pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = Some(header);
    std::iter::from_fn(move || loop {
        let (pair, next) = split_at_semicolon(rest?);
        rest = next;
        if let Some(eq) = memchr::memchr(b'=', pair) {
            return Some((pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii()));
        }
    })
}

/// The name before the first `=`, trimmed, if it is UTF-8.
pub(crate) fn set_cookie_name(value: &[u8]) -> Option<&str> {
    let eq = value.iter().position(|&b| b == b'=')?;
    std::str::from_utf8(value[..eq].trim_ascii()).ok()
}

/// Whether the name of a `Set-Cookie` value is `name` (a cookie-name token):
/// `set_cookie_name(value) == Some(name)` without reading the whole name.
#[inline]
pub(crate) fn is_named(value: &[u8], name: &str) -> bool {
    let value = value.trim_ascii_start();
    // Most values differ at the first byte: settle those before comparing.
    value.first() == name.as_bytes().first()
        && value
            .strip_prefix(name.as_bytes())
            .is_some_and(|rest| rest.trim_ascii_start().first() == Some(&b'='))
}

/// The part before the first `;`, and what follows it.
pub(crate) fn split_at_semicolon(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(b';', text) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    }
}

/// An `Expires` date as Unix seconds: the HTTP date formats without
/// allocating, the rarer ones the `cookie` crate knows through it.
fn expires_at(text: &str) -> Option<i64> {
    if let Ok(time) = httpdate::parse_http_date(text) {
        let seconds = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        return Some(seconds);
    }
    let cookie = cookie::Cookie::parse(format!("x=; Expires={text}")).ok()?;
    cookie.expires_datetime().map(|t| t.unix_timestamp())
}

/// The name of a `Set-Cookie` value (trimmed, UTF-8, not empty, before an
/// `=` that comes before any `;`) and the text after it; `None` when the value
/// is not a cookie.
///
/// With [`is_removal`] this follows `cookie::Cookie::parse` rule for rule
/// (`Max-Age` digits with an optional `-`; `Expires` dates) without building
/// a `Cookie`, because that lower-cases every attribute name into a new
/// `String`: the decision runs on every response and must not allocate.
pub(crate) fn set_cookie_pair_name(value: &[u8]) -> Option<(&str, &[u8])> {
    let eq = value.iter().position(|&b| b == b'=' || b == b';')?;
    if value[eq] != b'=' {
        return None;
    }
    let name = std::str::from_utf8(value[..eq].trim_ascii()).ok()?;
    (!name.is_empty()).then_some((name, &value[eq..]))
}

/// Whether the attributes after a `Set-Cookie` name make it a removal:
/// `Max-Age` of zero or less, else an `Expires` date not after `now`.
pub(crate) fn is_removal(after_name: &[u8], now: &Now) -> bool {
    let mut max_age_removal = None;
    let mut expires = None;
    // The attributes follow the value, each after a `;`. This runs on every
    // value a consent strips: one pass by index over these short strings,
    // looking closer only at attributes that start like the two that count.
    let text = after_name;
    let mut at = 0;
    while at < text.len() && text[at] != b';' {
        at += 1;
    }
    while at < text.len() {
        // `at` is on a `;`: the attribute runs from after it to the next one.
        let start = at + 1;
        at = start;
        while at < text.len() && text[at] != b';' {
            at += 1;
        }
        let attribute = text[start..at].trim_ascii_start();
        if !matches!(attribute.first(), Some(b'm' | b'M' | b'e' | b'E')) {
            continue;
        }
        let Some(eq) = attribute.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (key, value) = (
            attribute[..eq].trim_ascii_end(),
            attribute[eq + 1..].trim_ascii(),
        );
        if key.eq_ignore_ascii_case(b"max-age") {
            let (negative, digits) = match value.strip_prefix(b"-") {
                Some(digits) => (true, digits),
                None => (false, value),
            };
            if digits.iter().all(u8::is_ascii_digit) {
                // Negative means "expire now"; an empty value is taken as the maximum.
                max_age_removal =
                    Some(negative || (!digits.is_empty() && digits.iter().all(|&d| d == b'0')));
            }
        } else if key.eq_ignore_ascii_case(b"expires") {
            if let Some(at) = std::str::from_utf8(value).ok().and_then(expires_at) {
                expires = Some(at);
            }
        }
    }
    // Max-Age wins over Expires (RFC 6265 §5.3).
    max_age_removal.unwrap_or_else(|| expires.is_some_and(|at| at <= now.get()))
}

/// A cookie-name token (RFC 6265 §4.1.1, RFC 9110 `token`).
pub(crate) fn is_cookie_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The value of a `Set-Cookie`: after the first `=`, up to the first `;`.
pub(crate) fn set_cookie_value(set_cookie: &[u8]) -> &[u8] {
    let after_eq = set_cookie
        .iter()
        .position(|&b| b == b'=')
        .map_or(&[][..], |eq| &set_cookie[eq + 1..]);
    let end = after_eq
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(after_eq.len());
    after_eq[..end].trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The decision reads Set-Cookie by hand (to allocate nothing); it must
        /// agree with the `cookie` crate on every input.
        #[test]
        fn set_cookie_reading_agrees_with_the_cookie_crate(
            name in "[ a-zA-Z_=;-]{0,6}",
            value in "[a-z0-9=]{0,4}",
            attributes in proptest::collection::vec(
                proptest::prop_oneof![
                    "(Max-Age|max-age|MAX-AGE) ?= ?-?[0-9]{0,3}[a-z]?",
                    "Expires=(Thu, 01 Jan 1970 00:00:00 GMT|Fri, 01 Jan 2100 00:00:00 GMT|Wed, 21-Oct-2015 07:28:00 GMT|Sunday, 06-Nov-94 08:49:37 GMT|Sun Nov  6 08:49:37 1994|junk)",
                    "(Path=/|HttpOnly|Secure|SameSite=Lax|Domain=a.b|expires|max-age)",
                    "[ -~]{0,8}",
                ],
                0..4,
            ),
        ) {
            let text = format!("{name}={value}{}", attributes.iter().map(|a| format!("; {a}")).collect::<String>());
            let now = 1_763_800_000;
            let ours = set_cookie_pair_name(text.as_bytes())
                .map(|(name, after_name)| (name.to_owned(), is_removal(after_name, &Now::at(now))));
            let theirs = cookie::Cookie::parse(text.as_str()).ok().map(|c| {
                let removal = match c.max_age() {
                    Some(max_age) => max_age <= cookie::time::Duration::ZERO,
                    None => c.expires_datetime().is_some_and(|t| t.unix_timestamp() <= now),
                };
                (c.name().to_owned(), removal)
            });
            proptest::prop_assert_eq!(ours, theirs, "{}", text);
        }
    }
}
