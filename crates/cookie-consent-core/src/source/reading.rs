//! What a consent source's reader answers, the same for every format.

/// What one source's cookie (or cookies) say about the visitor's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceRead {
    /// No cookie, or the banner recorded no decision yet.
    Missing,
    /// Present, but unreadable.
    Invalid,
    /// A decision.
    Decided(Decision),
}

/// A decision a source recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Which of the ids asked about are granted: bit `i` for `ids[i]`.
    pub(crate) granted: u64,
    /// When the visitor chose, in Unix seconds, when the format records it.
    pub(crate) timestamp: Option<i64>,
    /// The banner itself would ask again (a newer revision, a new service, …).
    pub(crate) outdated: bool,
}

impl Decision {
    /// Nothing granted, undated, current.
    pub(crate) const NONE: Decision = Decision {
        granted: 0,
        timestamp: None,
        outdated: false,
    };
}

/// The bit of `id` among `ids`, 0 when it is not asked about.
pub(crate) fn bit_of(ids: &[Box<str>], id: &[u8]) -> u64 {
    ids.iter()
        .position(|asked| asked.as_bytes() == id)
        .map_or(0, |i| 1 << i)
}

/// Every id asked about granted.
pub(crate) fn all(ids: &[Box<str>]) -> u64 {
    if ids.len() >= 64 {
        u64::MAX
    } else {
        (1 << ids.len()) - 1
    }
}

/// An RFC 3339 / ISO 8601 time (`2024-11-20T19:02:36.823Z`) as Unix seconds.
pub(crate) fn iso_seconds(text: &str) -> Option<i64> {
    let format = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(text.trim(), &format)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// The most bytes a source's cookie value may have: no browser keeps more.
pub(crate) const MAX_VALUE_LEN: usize = 4096;

/// Calls `read` with `raw` percent-decoded as RFC 3986 does (`+` stays `+`):
/// `raw` itself when it holds no `%`, else a copy decoded on the stack.
/// `None` when the value is longer than [`MAX_VALUE_LEN`].
pub(crate) fn with_decoded<T>(raw: &[u8], read: impl FnOnce(&[u8]) -> T) -> Option<T> {
    if raw.len() > MAX_VALUE_LEN {
        return None;
    }
    if !raw.contains(&b'%') {
        return Some(read(raw));
    }
    let mut buffer = [0u8; MAX_VALUE_LEN];
    let mut len = 0;
    for byte in percent_encoding::percent_decode(raw) {
        buffer[len] = byte;
        len += 1;
    }
    Some(read(&buffer[..len]))
}

/// Splits `bytes` at every `separator`.
pub(crate) fn fields(bytes: &[u8], separator: u8) -> impl Iterator<Item = &[u8]> {
    bytes.split(move |&b| b == separator)
}

/// `key` and value of `key<separator>value`, split at the first separator.
pub(crate) fn key_value(field: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = field.iter().position(|&b| b == separator)?;
    Some((&field[..at], &field[at + 1..]))
}
