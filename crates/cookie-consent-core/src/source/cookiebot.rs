//! Cookiebot: `CookieConsent`, a JavaScript object literal (unquoted keys,
//! `'`-quoted strings, bare booleans and numbers) with `'` and `,`
//! percent-encoded on the wire. The whole value `-1` means the visitor's
//! region needs no consent (all granted); `0` means nothing accepted. `utc` is
//! the time of the choice in milliseconds.

use super::reading::{all, bit_of, key_value, with_decoded, Decision, SourceRead};

/// Reads one `CookieConsent` value.
pub(crate) fn read(raw: &[u8], ids: &[Box<str>]) -> SourceRead {
    match raw.trim_ascii() {
        b"-1" => {
            return SourceRead::Decided(Decision {
                granted: all(ids),
                ..Decision::NONE
            })
        }
        b"0" => return SourceRead::Decided(Decision::NONE),
        _ => {}
    }
    with_decoded(raw, |value| read_object(value, ids))
        .flatten()
        .map_or(SourceRead::Invalid, SourceRead::Decided)
}

fn read_object(value: &[u8], ids: &[Box<str>]) -> Option<Decision> {
    let body = value.trim_ascii().strip_prefix(b"{")?.strip_suffix(b"}")?;
    let mut decision = Decision::NONE;
    let mut necessary = false;
    for field in top_level_fields(body) {
        let (key, value) = key_value(field, b':')?;
        // The consent keys are booleans; a string there is not Cookiebot's.
        let is_category = matches!(
            key,
            b"necessary" | b"preferences" | b"statistics" | b"marketing"
        ) || bit_of(ids, key) != 0;
        if is_category && !matches!(value, b"true" | b"false") {
            return None;
        }
        // An object literal keeps the last of a repeated key: so does this.
        match value {
            b"true" => {
                necessary |= key == b"necessary";
                decision.granted |= bit_of(ids, key);
            }
            b"false" => {
                necessary &= key != b"necessary";
                decision.granted &= !bit_of(ids, key);
            }
            [b'\'', .., b'\''] => {}
            number if key == b"utc" => {
                let millis: i64 = std::str::from_utf8(number).ok()?.parse().ok()?;
                decision.timestamp = Some(millis.div_euclid(1000));
            }
            number if number.iter().all(u8::is_ascii_digit) && !number.is_empty() => {}
            _ => return None,
        }
    }
    necessary.then_some(decision)
}

/// The `key:value` fields of an object body, split at commas outside quotes.
fn top_level_fields(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(body);
    std::iter::from_fn(move || {
        let text = rest?;
        let mut quoted = false;
        for (at, &byte) in text.iter().enumerate() {
            match byte {
                b'\'' => quoted = !quoted,
                b',' if !quoted => {
                    rest = Some(&text[at + 1..]);
                    return Some(&text[..at]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<Box<str>> {
        ["preferences", "statistics", "marketing"]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    #[test]
    fn the_real_values_decode_to_their_choices() {
        let rejected = b"{stamp:%27f+7ywpRuvGmFIujhI+oEbPugblwcsBmNcpD/7RUUNZKavIMY97rzhQ==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1745620490943%2Cregion:%27pl%27}";
        assert_eq!(
            read(rejected, &ids()),
            SourceRead::Decided(Decision {
                granted: 0,
                timestamp: Some(1_745_620_490),
                outdated: false
            })
        );
        let implied = b"{stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1709627572438%2Ciab2:%27%27%2Cregion:%27VN%27}";
        assert_eq!(
            read(implied, &ids()),
            SourceRead::Decided(Decision {
                granted: 0b111,
                timestamp: Some(1_709_627_572),
                outdated: false
            })
        );
    }

    #[test]
    fn minus_one_grants_all_and_zero_nothing() {
        assert_eq!(
            read(b"-1", &ids()),
            SourceRead::Decided(Decision {
                granted: 0b111,
                ..Decision::NONE
            })
        );
        assert_eq!(read(b"0", &ids()), SourceRead::Decided(Decision::NONE));
    }

    #[test]
    fn raw_values_read_alike_and_garbage_is_invalid() {
        let raw = b"{stamp:'a,b',necessary:true,preferences:true,statistics:false,marketing:false,utc:1000}";
        assert_eq!(
            read(raw, &ids()),
            SourceRead::Decided(Decision {
                granted: 0b001,
                timestamp: Some(1),
                outdated: false
            })
        );
        for bad in [
            &b""[..],
            b"{}",
            b"{necessary:yes}",
            b"{necessary:true,utc:soon}",
            b"necessary:true",
            b"%7Bnecessary:true%7D%7D",
            &[0xff; 3],
        ] {
            assert_eq!(read(bad, &ids()), SourceRead::Invalid, "{bad:?}");
        }
    }
}
