//! Consent values in the form browsers and [`Policy::write_consent`] write
//! them, read in one pass over the text as it arrives.
//!
//! `encodeURIComponent(JSON.stringify(v))` gives compact JSON whose
//! punctuation is percent-encoded and whose category ids are plain; this
//! reader takes punctuation plain or encoded, ids plain, the three known
//! fields and a plain consent `id`, booleans and integers. Anything else (white space, escapes inside
//! strings, unknown fields, RFC 3339 dates, malformed text) it leaves to the
//! general reader in `value.rs`, which percent-decodes and runs serde_json. A
//! property test holds the two together: wherever this one answers, both
//! answer alike. It exists because it costs a tenth of the general reader on
//! the value every consenting visitor sends with every request.
//!
//! [`Policy::write_consent`]: crate::Policy::write_consent

use super::record::Record;
use crate::category::{Category, CategorySet};

/// Reads `raw` (surrounding quotes already gone) if it has the common form;
/// `None` leaves it to the general reader, whatever it holds.
pub(super) fn read(raw: &[u8], categories: &[Category]) -> Option<Record> {
    read_prefix(raw, categories).and_then(|(record, rest)| rest.is_empty().then_some(record))
}

/// Reads a value in the common form at the start of `raw` (a `Cookie`
/// header from the value on), and what follows it.
pub(super) fn read_prefix<'t>(
    raw: &'t [u8],
    categories: &[Category],
) -> Option<(Record, &'t [u8])> {
    read_as_written(raw, categories).or_else(|| read_any_punctuation(raw, categories))
}

/// The text exactly as `write_consent` and `encodeURIComponent` write it
/// (fields in that order, upper-case escapes, known ids only): its
/// punctuation matched as whole escaped strings, where the general reader
/// below decodes escape by escape. `None` leaves the value to that reader.
fn read_as_written<'t>(raw: &'t [u8], categories: &[Category]) -> Option<(Record, &'t [u8])> {
    let mut text = Text {
        rest: raw.strip_prefix(b"%7B%22categories%22%3A%7B")?,
        encoded: true,
    };
    let mut granted = CategorySet::EMPTY;
    let mut refused = CategorySet::EMPTY;
    if !text.word(b"%7D") {
        loop {
            if !text.word(b"%22") {
                return None;
            }
            // An id the policy does not know is the general reader's to skip.
            let bit = CategorySet::single(text.category_id(categories)?);
            if !text.word(b"%22%3A") {
                return None;
            }
            if text.word(b"true") {
                granted = granted.with(bit);
            } else if text.word(b"false") {
                refused = refused.with(bit);
            } else {
                return None;
            }
            if text.word(b"%7D") {
                break;
            }
            if !text.word(b"%2C") {
                return None;
            }
        }
    }
    if !text.word(b"%2C%22revision%22%3A") {
        return None;
    }
    let revision = text.integer()?;
    let timestamp = if text.word(b"%2C%22timestamp%22%3A") {
        Some(i64::try_from(text.integer()?).ok()?)
    } else {
        None
    };
    // The consent id (records, §15) keys nothing here: read past it.
    if text.word(b"%2C%22id%22%3A%22") && !(text.consent_id() && text.word(b"%22")) {
        return None;
    }
    if !text.word(b"%7D") {
        return None;
    }
    let record = Record {
        granted: granted.without(refused),
        refused,
        revision,
        timestamp,
    };
    Some((record, text.rest))
}

/// The common form with its punctuation plain or escaped in any case.
fn read_any_punctuation<'t>(raw: &'t [u8], categories: &[Category]) -> Option<(Record, &'t [u8])> {
    let mut text = Text {
        rest: raw,
        // The general reader takes a value starting with `{` as raw JSON.
        encoded: raw.first() != Some(&b'{'),
    };
    text.eat(b'{')?;
    let mut grants = None;
    let mut revision = None;
    let mut timestamp = None;
    loop {
        text.eat(b'"')?;
        // A repeated field is an error for the general reader: leave it to it.
        if text.word(b"categories") {
            text.end_of_key()?;
            if grants.replace(text.categories(categories)?).is_some() {
                return None;
            }
        } else if text.word(b"revision") {
            text.end_of_key()?;
            if revision.replace(text.integer()?).is_some() {
                return None;
            }
        } else if text.word(b"timestamp") {
            text.end_of_key()?;
            let seconds = i64::try_from(text.integer()?).ok()?;
            if timestamp.replace(seconds).is_some() {
                return None;
            }
        } else if text.word(b"id") {
            // The general reader skips `id` whatever it holds, repeated or not.
            text.end_of_key()?;
            text.eat(b'"')?;
            if !text.consent_id() {
                return None;
            }
            text.eat(b'"')?;
        } else {
            return None;
        }
        if text.eat(b',').is_none() {
            break;
        }
    }
    text.eat(b'}')?;
    let (granted, refused) = grants?;
    let record = Record {
        granted,
        refused,
        revision: revision.unwrap_or(0),
        timestamp,
    };
    Some((record, text.rest))
}

/// The rest of the value, and whether `%XX` escapes decode in it.
struct Text<'a> {
    rest: &'a [u8],
    encoded: bool,
}

impl Text<'_> {
    /// Consumes the character `c`, plain or (in an encoded value) as `%XX`.
    fn eat(&mut self, c: u8) -> Option<()> {
        let rest = self.rest;
        if rest.first() == Some(&c) {
            self.rest = &rest[1..];
            return Some(());
        }
        match rest.first_chunk::<3>() {
            Some(&[b'%', high, low])
                if self.encoded
                    && HEX[usize::from(high)] == c >> 4
                    && HEX[usize::from(low)] == c & 0xf =>
            {
                self.rest = &rest[3..];
                Some(())
            }
            _ => None,
        }
    }

    /// Consumes `word` if the text starts with it.
    fn word<const N: usize>(&mut self, word: &[u8; N]) -> bool {
        let found = self.rest.first_chunk::<N>() == Some(word);
        if found {
            self.rest = &self.rest[N..];
        }
        found
    }

    /// The closing quote of a field name and the colon after it.
    fn end_of_key(&mut self) -> Option<()> {
        self.eat(b'"')?;
        self.eat(b':')
    }

    /// `{"id":bool,…}`: (granted, refused) as the general reader computes
    /// them; ids the policy does not know are skipped.
    fn categories(&mut self, categories: &[Category]) -> Option<(CategorySet, CategorySet)> {
        self.eat(b'{')?;
        let mut granted = CategorySet::EMPTY;
        let mut refused = CategorySet::EMPTY;
        if self.eat(b'}').is_none() {
            loop {
                self.eat(b'"')?;
                let index = self.category_id(categories);
                self.end_of_key()?;
                let value = if self.word(b"true") {
                    true
                } else if self.word(b"false") {
                    false
                } else {
                    return None;
                };
                if let Some(index) = index {
                    let bit = CategorySet::single(index);
                    if value {
                        granted = granted.with(bit);
                    } else {
                        refused = refused.with(bit);
                    }
                }
                if self.eat(b',').is_none() {
                    break;
                }
            }
            self.eat(b'}')?;
        }
        Some((granted.without(refused), refused))
    }

    /// Consumes a plain id up to (not including) its closing quote; the
    /// policy's index for it, if it has one. Anything but plain characters
    /// stops early, and the caller's quote check then fails.
    fn category_id(&mut self, categories: &[Category]) -> Option<usize> {
        let rest = self.rest;
        // The policy's own ids first: a match must end where the plain text does.
        for (index, category) in categories.iter().enumerate() {
            let id = category.id.as_bytes();
            if rest.first() == id.first()
                && rest.get(id.len()).is_some_and(|&b| !is_plain(b))
                && rest[..id.len()] == *id
            {
                self.rest = &rest[id.len()..];
                return Some(index);
            }
        }
        let len = rest
            .iter()
            .position(|&b| !is_plain(b))
            .unwrap_or(rest.len());
        self.rest = &rest[len..];
        None
    }

    /// Consumes a consent id's characters (letters, digits, `-`, `_`; one to
    /// 64), up to its closing quote; `false` when there are none.
    fn consent_id(&mut self) -> bool {
        let len = self
            .rest
            .iter()
            .take(65)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
            .count();
        self.rest = &self.rest[len..];
        (1..=64).contains(&len)
    }

    /// A JSON integer that fits `u64` without leading zeros; a sign, a
    /// fraction or an exponent is left to the general reader.
    fn integer(&mut self) -> Option<u64> {
        let digits = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // 19 digits always fit a u64; longer ones are the general reader's.
        if digits == 0 || digits > 19 || (digits > 1 && self.rest[0] == b'0') {
            return None;
        }
        let (number, rest) = self.rest.split_at(digits);
        self.rest = rest;
        Some(number.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
    }
}

/// A byte that stands for itself inside a JSON string in both raw and
/// encoded values: printable ASCII but the quote, the backslash and `%`, and
/// `;`, which ends a cookie value.
fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'%' | b';')
}

/// The value of each byte as a hex digit (either case, as `percent_decode`
/// reads them); 0xff for the bytes that are none.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        table[b"0123456789ABCDEF"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use percent_encoding::{percent_encode, NON_ALPHANUMERIC};
    use proptest::prelude::*;

    use super::read;
    use crate::consent::record::Record;
    use crate::consent::value::parse_json;
    use crate::consent::write::URI_COMPONENT;
    use crate::{ConsentChoice, Policy};

    fn policy() -> Policy {
        Policy::from_toml_str(
            "[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n[[categories]]\nid = \"ads-2\"",
        )
        .unwrap()
    }

    fn both(policy: &Policy, raw: &[u8]) -> (Option<Record>, Option<Record>) {
        let categories = &policy.inner.categories;
        (read(raw, categories), parse_json(raw, categories))
    }

    /// JSON text of a consent, every part drawn from forms both readers take
    /// and forms only the general one takes.
    fn consent_json() -> impl Strategy<Value = String> {
        let id = prop_oneof![
            Just("essential"),
            Just("functional"),
            Just("analytics"),
            Just("ads-2"),
            Just("ads"),
            Just(""),
            Just("Analytics"),
            Just("a b"),
            Just("an\\u0061lytics"),
        ];
        let boolean = prop_oneof![
            Just("true"),
            Just("false"),
            Just("1"),
            Just("null"),
            Just("\"true\"")
        ];
        let categories = prop::collection::vec((id, boolean), 0..5).prop_map(|pairs| {
            let members: Vec<String> = pairs
                .iter()
                .map(|(id, b)| format!("\"{id}\":{b}"))
                .collect();
            format!("{{{}}}", members.join(","))
        });
        let integer = prop_oneof![
            Just("0".to_owned()),
            Just("01".to_owned()),
            Just("-1".to_owned()),
            Just("1.0".to_owned()),
            Just("1e2".to_owned()),
            Just("\"1\"".to_owned()),
            Just("18446744073709551615".to_owned()),
            Just("99999999999999999999".to_owned()),
            Just("9223372036854775808".to_owned()),
            Just("\"2025-11-22T10:00:00Z\"".to_owned()),
            any::<u32>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
        ];
        let consent_id = prop_oneof![
            Just("\"0f3a9c1e5b7d2468ace013579bdf0246\""),
            Just("\"a-B_9\""),
            Just("\"\""),
            Just("\"a b\""),
            Just("\"x\\u0041\""),
            Just("7"),
            Just("null"),
            Just("\"0123456789012345678901234567890123456789012345678901234567890123456789\""),
        ];
        let field = prop_oneof![
            4 => categories.prop_map(|c| format!("\"categories\":{c}")),
            2 => integer.clone().prop_map(|n| format!("\"revision\":{n}")),
            2 => integer.prop_map(|n| format!("\"timestamp\":{n}")),
            1 => Just("\"version\":2".to_owned()),
            2 => consent_id.prop_map(|id| format!("\"id\":{id}")),
            1 => Just("\"categories\" : {}".to_owned()),
        ];
        prop::collection::vec(field, 0..4).prop_map(|fields| format!("{{{}}}", fields.join(",")))
    }

    /// The JSON as a cookie value: raw, encoded as `encodeURIComponent` does,
    /// with every non-alphanumeric byte encoded, or in lower-case hex.
    fn cookie_value(json: &str, encoding: u8) -> Vec<u8> {
        match encoding % 4 {
            0 => json.as_bytes().to_vec(),
            1 => percent_encode(json.as_bytes(), URI_COMPONENT)
                .to_string()
                .into_bytes(),
            2 => percent_encode(json.as_bytes(), NON_ALPHANUMERIC)
                .to_string()
                .into_bytes(),
            _ => percent_encode(json.as_bytes(), URI_COMPONENT)
                .to_string()
                .to_lowercase()
                .into_bytes(),
        }
    }

    /// One byte inserted (`true`) or deleted at a place, when there is an edit.
    fn edited(mut raw: Vec<u8>, edit: Option<(prop::sample::Index, u8, bool)>) -> Vec<u8> {
        if let Some((at, byte, insert)) = edit {
            let at = at.index(raw.len() + 1);
            if insert {
                raw.insert(at, byte);
            } else if at < raw.len() {
                raw.remove(at);
            }
        }
        raw
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Wherever the common-form reader answers, the general one answers alike.
        #[test]
        fn the_common_form_reader_agrees_with_the_general_one(
            json in consent_json(),
            encoding in any::<u8>(),
            edit in prop::option::of((any::<prop::sample::Index>(), any::<u8>(), any::<bool>())),
        ) {
            let policy = policy();
            // Now and then a byte inserted or deleted anywhere.
            let raw = edited(cookie_value(&json, encoding), edit);
            let (common, general) = both(&policy, &raw);
            if common.is_some() {
                prop_assert_eq!(common, general, "{}", String::from_utf8_lossy(&raw));
            }
        }

        /// Values as `write_consent` and browsers write them, now and then
        /// with a byte changed: wherever the as-written reader answers, the
        /// general one reads the text it read alike; the unchanged ones with
        /// known ids it always reads.
        #[test]
        fn the_as_written_reader_agrees_with_the_general_one(
            grants in prop::collection::vec((0..5usize, any::<bool>()), 0..5),
            revision in any::<u64>(),
            timestamp in prop::option::of(any::<u64>()),
            id in prop::option::of("[0-9a-f]{32}"),
            edit in prop::option::of((any::<prop::sample::Index>(), any::<u8>(), any::<bool>())),
        ) {
            let ids = ["essential", "functional", "analytics", "ads-2", "unknown_id"];
            let members: Vec<String> = grants.iter().map(|(i, b)| format!("\"{}\":{b}", ids[*i])).collect();
            let mut json = format!("{{\"categories\":{{{}}},\"revision\":{revision}", members.join(","));
            if let Some(timestamp) = timestamp {
                json += &format!(",\"timestamp\":{timestamp}");
            }
            if let Some(id) = &id {
                json += &format!(",\"id\":\"{id}\"");
            }
            json += "}";
            let raw = edited(cookie_value(&json, 1), edit);
            let categories = &policy().inner.categories;
            let as_written = super::read_as_written(&raw, categories);
            if let Some((record, rest)) = as_written {
                let read = &raw[..raw.len() - rest.len()];
                prop_assert_eq!(Some(record), parse_json(read, categories), "{}", String::from_utf8_lossy(&raw));
            } else {
                let known = grants.iter().all(|(i, _)| *i < 4);
                // 20 digits are the general reader's.
                let fits = revision < 10_000_000_000_000_000_000
                    && timestamp.is_none_or(|t| i64::try_from(t).is_ok());
                prop_assert!(edit.is_some() || !known || !fits, "{json}");
            }
        }

        /// Compact JSON of the known fields, raw or encoded as a browser does:
        /// the common-form reader reads it, so the fast path is really taken.
        #[test]
        fn the_common_form_reader_reads_what_browsers_write(
            grants in prop::collection::vec((0..4usize, any::<bool>()), 0..5),
            // Up to 19 digits: 20-digit revisions are the general reader's.
            revision in prop::option::of(0..10_000_000_000_000_000_000u64),
            timestamp in prop::option::of(0..=i64::MAX),
            id in prop::option::of("[0-9a-zA-Z_-]{1,64}"),
            encoded in any::<bool>(),
        ) {
            let ids = ["essential", "functional", "analytics", "unknown_id"];
            let members: Vec<String> = grants.iter().map(|(i, b)| format!("\"{}\":{b}", ids[*i])).collect();
            let mut json = format!("{{\"categories\":{{{}}}", members.join(","));
            if let Some(revision) = revision {
                json += &format!(",\"revision\":{revision}");
            }
            if let Some(timestamp) = timestamp {
                json += &format!(",\"timestamp\":{timestamp}");
            }
            if let Some(id) = &id {
                json += &format!(",\"id\":\"{id}\"");
            }
            json += "}";
            let raw = cookie_value(&json, u8::from(encoded));
            let (common, general) = both(&policy(), &raw);
            prop_assert!(general.is_some(), "{json}");
            prop_assert_eq!(common, general, "{}", json);
        }
    }

    #[test]
    fn written_consent_takes_the_fast_path() {
        let policy = policy();
        for choice in [
            ConsentChoice::AcceptAll,
            ConsentChoice::RejectOptional,
            ConsentChoice::Only(vec!["analytics".to_owned()]),
        ] {
            let set_cookie = policy.write_consent(&choice);
            let value = set_cookie["cookie-preferences=".len()..]
                .split(';')
                .next()
                .unwrap();
            let (common, general) = both(&policy, value.as_bytes());
            assert!(common.is_some(), "{set_cookie}");
            assert_eq!(common, general);
        }
    }
}
