//! When a `Set-Cookie` line stores nothing because it expires at once: the
//! browser's reading of `Max-Age` and `Expires`, as Chromium does it.
//!
//! The rules (each pinned by a line of `tests/data/cookie-lines.json`, which
//! headless Chromium checks in the browser tests):
//! - attribute names are compared without case, after trimming space and tab;
//! - of each attribute only the last counts, even when its value cannot be
//!   read, and even with no `=` at all (`Max-Age=0; Max-Age` has no Max-Age);
//!   an attribute whose value is longer than 1024 bytes is ignored by
//!   Chromium, so a `Max-Age` or `Expires` that long makes us say "not a
//!   removal" (its exact limit is not ours to guess);
//! - a readable `Max-Age` (an optional `+` or `-`, then digits) decides: zero
//!   or less removes; a negative one too long for 64 bits removes too;
//! - else the last `Expires`, read with the cookie date algorithm
//!   ([`cookie_date`]), removes when it is not after now; an empty or
//!   unreadable one makes a session cookie.

use super::trim;
use crate::clock::Now;

/// Longer attribute values are ignored by Chromium (`kMaxCookieAttributeValueSize`).
const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// Whether the attributes after a `Set-Cookie` value's name make the line a
/// removal: the browser stores nothing from it. `after_name` starts at the
/// `=` after the name; the cookie's value runs to the first `;`.
///
/// When in doubt this says "not a removal": a removal wrongly stripped costs
/// nothing the purge does not mend, a set wrongly passed is a leak.
pub(crate) fn is_removal(after_name: &[u8], now: &Now) -> bool {
    let mut max_age: Option<&[u8]> = None;
    let mut expires: Option<&[u8]> = None;
    // One pass by index: this runs on every value a consent strips.
    let text = after_name;
    let mut at = memchr::memchr(b';', text).unwrap_or(text.len());
    while at < text.len() {
        // `at` is on a `;`: the attribute runs from after it to the next one.
        let start = at + 1;
        at = memchr::memchr(b';', &text[start..]).map_or(text.len(), |end| start + end);
        let attribute = trim(&text[start..at]);
        if !matches!(attribute.first(), Some(b'm' | b'M' | b'e' | b'E')) {
            continue;
        }
        let (key, value) = match memchr::memchr(b'=', attribute) {
            Some(eq) => (trim(&attribute[..eq]), trim(&attribute[eq + 1..])),
            None => (attribute, &b""[..]),
        };
        if value.len() > MAX_ATTRIBUTE_VALUE
            && (key.eq_ignore_ascii_case(b"max-age") || key.eq_ignore_ascii_case(b"expires"))
        {
            // Chromium ignores such a value, but where its limit lies
            // exactly is not ours to guess: in doubt, not a removal.
            return false;
        }
        if key.eq_ignore_ascii_case(b"max-age") {
            max_age = Some(value);
        } else if key.eq_ignore_ascii_case(b"expires") {
            expires = Some(value);
        }
    }
    if let Some(removal) = max_age.and_then(max_age_removes) {
        return removal;
    }
    match expires {
        Some(value) => cookie_date(value).is_some_and(|at| at <= now.get()),
        None => false,
    }
}

/// What a `Max-Age` value says: `Some(true)` removes, `Some(false)` sets,
/// `None` cannot be read (and leaves the decision to `Expires`).
fn max_age_removes(value: &[u8]) -> Option<bool> {
    let (negative, digits) = match value.first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let zero = digits.iter().all(|&d| d == b'0');
    // Too long for 64 bits saturates: to the earliest time (removes) when
    // negative, to the latest (sets) when not.
    Some(zero || negative)
}

/// Bytes that separate the tokens of a cookie date (Chromium's list; `:`
/// is not one, it holds a time together).
fn is_date_delimiter(byte: u8) -> bool {
    matches!(byte, b'\t' | b' '..=b'/' | b';'..=b'@' | b'['..=b'`' | b'{'..=b'~')
}

/// An `Expires` value as Unix seconds, read as Chromium reads it (the cookie
/// date algorithm of RFC 6265 §5.1.1 in its tokenizer's words): the first
/// time `h:m:s`, the first number of at most two digits as the day, the next
/// number of at most five as the year, the first word starting with a
/// month's three letters; 70–99 are 19xx, 0–69 20xx. `None` when a part is
/// missing or the date does not exist.
pub(crate) fn cookie_date(value: &[u8]) -> Option<i64> {
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in value
        .split(|&b| is_date_delimiter(b))
        .filter(|t| !t.is_empty())
    {
        if !token[0].is_ascii_digit() {
            if month.is_none() {
                month = month_of(token);
            }
        } else if token.contains(&b':') {
            if time.is_none() {
                time = time_of(token);
            }
        } else if !token.iter().all(u8::is_ascii_digit) {
            // `1st`: Chromium and RFC 6265 read it differently; in doubt, no part.
        } else if day.is_none() && token.len() <= 2 {
            day = Some(leading_number(token));
        } else if year.is_none() && token.len() <= 5 {
            // Chromium takes this number as the year; one or five digits are
            // no year we read with confidence: in doubt, no date.
            if !(2..=4).contains(&token.len()) {
                return None;
            }
            year = Some(leading_number(token));
        }
    }
    let ((hour, minute, second), day, month, mut year) = (time?, day?, month?, year?);
    if year <= 69 {
        year += 2000;
    } else if year <= 99 {
        year += 1900;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let month = time::Month::try_from(month).ok()?;
    let day = u8::try_from(day).ok()?;
    // Past `time`'s range a date is far in the future: never a removal.
    let Ok(year) = i32::try_from(year) else {
        return Some(i64::MAX);
    };
    if year > 9999 {
        return Some(i64::MAX);
    }
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(midnight + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// The digits a token starts with, as C's `atoi` reads them (a token has at
/// most five characters here, so it cannot overflow).
fn leading_number(token: &[u8]) -> u32 {
    token
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
}

/// `h:m:s` with one or two digits each, and nothing after.
fn time_of(token: &[u8]) -> Option<(u32, u32, u32)> {
    let mut rest = token;
    let mut field = |last: bool| {
        let digits = rest
            .iter()
            .take(2)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let value = leading_number(&rest[..digits]);
        rest = &rest[digits..];
        if !last {
            rest = rest.strip_prefix(b":")?;
        }
        Some(value)
    };
    let time = (field(false)?, field(false)?, field(true)?);
    // Anything after the seconds: Chromium and RFC 6265 differ; in doubt, no time.
    rest.is_empty().then_some(time)
}

/// The month a word starts with (`jan`…`dec`, any case), 1 to 12.
fn month_of(token: &[u8]) -> Option<u8> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let start = token.get(..3)?;
    let index = MONTHS.iter().position(|m| start.eq_ignore_ascii_case(*m))?;
    u8::try_from(index + 1).ok()
}

/// The removal rules read the slow way: every attribute collected, the
/// last of each taken. The reference [`is_removal`] is held to.
#[cfg(any(test, fuzzing))]
pub(crate) fn removal_by_the_rules(after_name: &[u8], now: i64) -> bool {
    let space_or_tab = |b: &u8| *b == b' ' || *b == b'\t';
    let trim = |bytes: &[u8]| -> Vec<u8> {
        let start = bytes
            .iter()
            .position(|b| !space_or_tab(b))
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !space_or_tab(b))
            .map_or(start, |e| e + 1);
        bytes[start..end].to_vec()
    };
    let attributes: Vec<(Vec<u8>, Vec<u8>)> = after_name
        .split(|&b| b == b';')
        .skip(1)
        .map(
            |attribute| match attribute.iter().position(|&b| b == b'=') {
                Some(eq) => (
                    trim(&attribute[..eq]).to_ascii_lowercase(),
                    trim(&attribute[eq + 1..]),
                ),
                None => (trim(attribute).to_ascii_lowercase(), Vec::new()),
            },
        )
        .collect();
    if attributes
        .iter()
        .any(|(k, v)| v.len() > 1024 && (k == b"max-age" || k == b"expires"))
    {
        return false;
    }
    let last = |key: &[u8]| {
        attributes
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    };
    if let Some(max_age) = last(b"max-age") {
        let text = String::from_utf8_lossy(max_age);
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(&text);
        if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<i128>() {
                Ok(seconds) => seconds <= 0,
                Err(_) => text.starts_with('-') || unsigned.bytes().all(|b| b == b'0'),
            };
        }
    }
    last(b"expires")
        .and_then(|value| cookie_date(value))
        .is_some_and(|at| at <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_dates_read_as_chromium_reads_them() {
        let at = |text: &str| cookie_date(text.as_bytes());
        assert_eq!(at("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(at("Wed, 01 Jan 69 00:00:00 GMT"), Some(3_124_224_000));
        assert_eq!(at("Thu, 01-Jan-70 00:00:01 GMT"), Some(1));
        assert_eq!(at("2000 jan 1 00:00:00"), Some(946_684_800));
        assert_eq!(at("1 January 2000 1:2:3"), Some(946_684_800 + 3723));
        for unreadable in [
            "0",
            "1970-01-01",
            "2000-01-01",
            "31 feb 2000 00:00:00",
            "01 jan 2000 24:00:00",
            "0 jan 2000 00:00:00",
            "01 jan 2000 23:59:60",
            "01 jan 2000",
            "junk",
            "",
            // A year Chromium would take that we do not read with confidence.
            "DECEMBER\"12:34:56, 99999-1, 01",
            "Wed, 01 Dec 7 2001 00:00:00 GMT",
        ] {
            assert_eq!(at(unreadable), None, "{unreadable}");
        }
        assert_eq!(at("01 jan 99999 00:00:00"), None);
        assert_eq!(at("1st may 1 12:34:56"), None);
    }

    #[test]
    fn only_the_last_of_each_attribute_counts() {
        let removal = |text: &str| is_removal(text.as_bytes(), &Now::at(1_763_800_000));
        assert!(removal("=1; Max-Age=0"));
        assert!(removal("=1; max-age=+0; Path=/"));
        assert!(!removal("=1; Max-Age=0; Max-Age=+3600"));
        assert!(!removal("=1; Max-Age=0; Max-Age=abc"));
        assert!(!removal("=1; Max-Age=0; Max-Age"));
        assert!(removal(
            "=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=x"
        ));
        assert!(!removal(
            "=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires"
        ));
        // Chromium ignores the long one; in doubt, we do not.
        assert!(!removal(&format!(
            "=1; Max-Age=0; Max-Age=1{}",
            "0".repeat(1030)
        )));
    }

    proptest::proptest! {
        /// The one-pass reader agrees with the rules read the slow way, on
        /// attributes built from the pieces the rules are about.
        #[test]
        fn the_one_pass_reader_follows_the_rules(
            attributes in proptest::collection::vec(
                proptest::prop_oneof![
                    "[ \t]{0,2}(Max-Age|max-age|MAX-AGE|mAx-AgE|expires|Expires)[ \t]{0,2}(=[ \t]{0,2}[-+]?[0-9]{0,3}[a-z]?[ \t]{0,2})?",
                    "(Expires|expires)=(Thu, 01 Jan 1970 00:00:00 GMT|Fri, 01 Jan 2100 00:00:00 GMT|Wed, 01 Jan 69 00:00:00 GMT|Sunday, 06-Nov-94 08:49:37 GMT|Sun Nov  6 08:49:37 1994|0|1970-01-01|31 feb 2000 00:00:00|[0-9a-z :,-]{0,24})",
                    "(Max-Age|expires)=[0-9]{1020,1030}",
                    "max-age=-?[0-9]{18,22}",
                    "(Path=/|HttpOnly|Secure|SameSite=Lax|Domain=a.b)",
                    "[ -~]{0,8}",
                ],
                0..6,
            ),
        ) {
            let text = format!("=v{}", attributes.iter().map(|a| format!(";{a}")).collect::<String>());
            let now = 1_763_800_000;
            proptest::prop_assert_eq!(
                is_removal(text.as_bytes(), &Now::at(now)),
                removal_by_the_rules(text.as_bytes(), now),
                "{}", text
            );
        }
    }
}

#[cfg(test)]
mod table {
    use super::is_removal;
    use crate::clock::Now;
    use crate::syntax::set_cookie_pair_name;

    /// One line of `tests/data/cookie-lines.json`: what Chromium does with it.
    #[derive(serde::Deserialize)]
    struct Case {
        line: String,
        /// `stores`, `removes` (nothing, as it expires at once) or `rejects`
        /// (nothing, for another reason: the layer may keep or strip it).
        chromium: String,
        name: Option<String>,
        rule: String,
    }

    /// The table the browser tests check against Chromium: every line it
    /// stores is read under the name it stores, and is no removal; every
    /// line it removes is one.
    #[test]
    fn every_line_reads_as_chromium_stores_it() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("../../tests/data/cookie-lines.json")).unwrap();
        assert!(cases.len() >= 50);
        let now = Now::at(1_763_800_000);
        for case in cases {
            let read = set_cookie_pair_name(case.line.as_bytes())
                .map(|(name, after)| (name, is_removal(after, &now)));
            let (line, rule) = (&case.line, &case.rule);
            match case.chromium.as_str() {
                "removes" => assert_eq!(read.map(|r| r.1), Some(true), "{line:?}: {rule}"),
                "stores" => {
                    let name = case.name.as_deref().unwrap();
                    // An empty name is no name to the layer: stripped as malformed.
                    let expected = (!name.is_empty()).then_some((name, false));
                    assert_eq!(read, expected, "{line:?}: {rule}");
                }
                "rejects" => {}
                other => panic!("{line:?}: unknown outcome {other}"),
            }
        }
    }
}
