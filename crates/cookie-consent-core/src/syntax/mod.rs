//! The HTTP bytes the library reads: `Cookie` and `Set-Cookie` header values.
//!
//! Every reader here takes any bytes (a header may hold non-UTF-8 and
//! anything else a client or an application sends) and never allocates on the
//! common path. The decisions about what the bytes mean live elsewhere.

mod expiry;

pub(crate) use expiry::is_removal;
#[cfg(fuzzing)]
pub(crate) use expiry::removal_by_the_rules;

/// Space and tab, the only white space browsers trim around a cookie's name,
/// value and attributes.
pub(crate) fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

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
    std::str::from_utf8(trim(&value[..eq])).ok()
}

/// Whether the name of a `Set-Cookie` value is `name` (a cookie-name token):
/// `set_cookie_name(value) == Some(name)` without reading the whole name.
#[inline]
pub(crate) fn is_named(value: &[u8], name: &str) -> bool {
    let value = trim(value);
    // Most values differ at the first byte: settle those before comparing.
    value.first() == name.as_bytes().first()
        && value
            .strip_prefix(name.as_bytes())
            .is_some_and(|rest| trim(rest).first() == Some(&b'='))
}

/// The part before the first `;`, and what follows it.
pub(crate) fn split_at_semicolon(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(b';', text) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    }
}

/// The name of a `Set-Cookie` value (trimmed, UTF-8, not empty, before an
/// `=` that comes before any `;`) and the text after it; `None` when the value
/// is not a cookie.
///
/// The name is trimmed of space and tab only, as browsers trim it: a name
/// ending in another white space is another cookie to them. Read in place,
/// without building a `cookie::Cookie`: the decision runs on every response
/// and must not allocate.
pub(crate) fn set_cookie_pair_name(value: &[u8]) -> Option<(&str, &[u8])> {
    let eq = value.iter().position(|&b| b == b'=' || b == b';')?;
    if value[eq] != b'=' {
        return None;
    }
    let name = std::str::from_utf8(trim(&value[..eq])).ok()?;
    (!name.is_empty()).then_some((name, &value[eq..]))
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
