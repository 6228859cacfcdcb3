//! CookieYes: `cookieyes-consent`, `key:value` pairs joined by `,` (raw from
//! the WordPress banner, percent-encoded as a whole by the SDK). `action`
//! empty means no decision yet; every key but the meta keys is a category
//! slug valued `yes` or `no`. `consent` is ignored: it says `yes` for partial
//! choices too.

use super::reading::{bit_of, fields, key_value, with_decoded, Decision, SourceRead};

/// Reads one `cookieyes-consent` value.
pub(crate) fn read(raw: &[u8], ids: &[Box<str>]) -> SourceRead {
    with_decoded(raw, |value| {
        let mut decision = Decision::NONE;
        // A slug named twice: in doubt, granted only if every time `yes`.
        let mut refused = 0;
        let mut action = None;
        for field in fields(value, b',') {
            let Some((key, answer)) = key_value(field, b':') else {
                return SourceRead::Invalid;
            };
            match (key, answer) {
                (b"action", answer) => action = Some(answer),
                (b"consentid" | b"consent" | b"tax" | b"lastRenewedDate", _) => {}
                (slug, b"yes") => decision.granted |= bit_of(ids, slug),
                (slug, b"no") => refused |= bit_of(ids, slug),
                _ => return SourceRead::Invalid,
            }
        }
        decision.granted &= !refused;
        match action {
            None => SourceRead::Invalid,
            Some(b"") => SourceRead::Missing,
            Some(_) => SourceRead::Decided(decision),
        }
    })
    .unwrap_or(SourceRead::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<Box<str>> {
        ["functional", "analytics", "performance", "advertisement"]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    #[test]
    fn the_real_value_rejects_everything() {
        let real = b"consentid:WHRLbHhJZVJlTXR3b0F4MUpUQWNCZDRNbXRpTWNEcmE,consent:no,action:yes,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no,other:no";
        assert_eq!(read(real, &ids()), SourceRead::Decided(Decision::NONE));
    }

    #[test]
    fn categories_are_read_one_by_one_raw_or_encoded() {
        let partial = b"consentid:x,consent:yes,action:yes,necessary:yes,functional:no,analytics:yes,performance:no,advertisement:yes,other:no";
        let expected = SourceRead::Decided(Decision {
            granted: 0b1010,
            ..Decision::NONE
        });
        assert_eq!(read(partial, &ids()), expected);
        let encoded =
            b"consentid%3Ax%2Cconsent%3Ayes%2Caction%3Ayes%2Canalytics%3Ayes%2Cadvertisement%3Ayes";
        assert_eq!(read(encoded, &ids()), expected);
    }

    #[test]
    fn no_action_yet_is_missing_and_garbage_is_invalid() {
        let undecided = b"consentid:x,consent:no,action:,necessary:yes,analytics:no";
        assert_eq!(read(undecided, &ids()), SourceRead::Missing);
        for bad in [
            &b""[..],
            b"garbage",
            b"action:yes,analytics:maybe",
            b"analytics:yes",
            &[0xff; 10],
        ] {
            assert_eq!(read(bad, &ids()), SourceRead::Invalid, "{bad:?}");
        }
        assert_eq!(read(&[b'a'; 5000], &ids()), SourceRead::Invalid);
    }
}
