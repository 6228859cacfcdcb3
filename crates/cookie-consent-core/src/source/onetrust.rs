//! OneTrust: `OptanonConsent`, a form-encoded query string whose `groups` is
//! `ID:0|1` joined by `,`, and `OptanonAlertBoxClosed`, the time the visitor
//! chose. Without `OptanonAlertBoxClosed` and with `interactionCount=0`, the
//! groups are the banner's defaults, not a decision. `AwaitingReconsent=true`
//! means OneTrust asks again. `datestamp` is a browser date string: not read.

use super::reading::{bit_of, fields, iso_seconds, key_value, with_decoded, Decision, SourceRead};

/// Reads one `OptanonConsent` value with the request's `OptanonAlertBoxClosed`.
pub(crate) fn read(raw: &[u8], alert_box_closed: Option<&[u8]>, ids: &[Box<str>]) -> SourceRead {
    // Form encoding leaves only visible ASCII on the wire.
    if !raw.iter().all(|b| (0x21..0x7f).contains(b)) {
        return SourceRead::Invalid;
    }
    let mut groups = None;
    let mut interactions: Option<&[u8]> = None;
    let mut reconsent: Option<&[u8]> = None;
    for pair in fields(raw, b'&') {
        let Some((key, value)) = key_value(pair, b'=') else {
            continue;
        };
        // `URLSearchParams.get` keeps the first of a repeated key: so does this.
        match key {
            b"groups" => groups = groups.or(Some(value)),
            b"interactionCount" => interactions = interactions.or(Some(value)),
            b"AwaitingReconsent" => reconsent = reconsent.or(Some(value)),
            _ => {}
        }
    }
    let Some(groups) = groups else {
        return SourceRead::Invalid;
    };
    if alert_box_closed.is_none() && interactions.is_none_or(|count| count == b"0") {
        return SourceRead::Missing;
    }
    let timestamp = match alert_box_closed {
        Some(closed) => match with_decoded(closed, |t| {
            std::str::from_utf8(t).ok().and_then(iso_seconds)
        }) {
            Some(Some(seconds)) => Some(seconds),
            _ => return SourceRead::Invalid,
        },
        None => None,
    };
    let granted = with_decoded(groups, |groups| {
        // A group named twice (OneTrust's reading of that is not public):
        // in doubt, granted only if every time `1`.
        let (mut granted, mut refused) = (0, 0);
        for group in fields(groups, b',').filter(|g| !g.is_empty()) {
            match key_value(group, b':') {
                Some((id, b"1")) => granted |= bit_of(ids, id),
                Some((id, b"0")) => refused |= bit_of(ids, id),
                _ => return None,
            }
        }
        Some(granted & !refused)
    });
    match granted.flatten() {
        Some(granted) => SourceRead::Decided(Decision {
            granted,
            timestamp,
            outdated: reconsent == Some(b"true"),
        }),
        None => SourceRead::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &[u8] = b"isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=0&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false";

    fn ids() -> Vec<Box<str>> {
        ["C0003", "C0002", "C0004"]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    #[test]
    fn the_real_value_without_a_closed_banner_is_no_decision() {
        assert_eq!(read(REAL, None, &ids()), SourceRead::Missing);
    }

    #[test]
    fn a_closed_banner_makes_the_groups_a_decision_dated_by_it() {
        let chosen = read(REAL, Some(b"2025-06-16T12:18:11.366Z"), &ids());
        assert_eq!(
            chosen,
            SourceRead::Decided(Decision {
                granted: 0,
                timestamp: Some(1_750_076_291),
                outdated: false
            })
        );
        let accepted = b"interactionCount=2&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A1&AwaitingReconsent=true";
        assert_eq!(
            read(accepted, None, &ids()),
            SourceRead::Decided(Decision {
                granted: 0b110,
                timestamp: None,
                outdated: true
            })
        );
    }

    #[test]
    fn unreadable_values_are_invalid() {
        let closed = Some(&b"2025-06-16T12:18:11Z"[..]);
        for bad in [
            &b""[..],
            b"groups=C0001",
            b"groups=C0002:2",
            b"interactionCount=1",
            &[0xff, 0xfe],
        ] {
            assert_eq!(read(bad, closed, &ids()), SourceRead::Invalid, "{bad:?}");
        }
        assert_eq!(read(REAL, Some(b"yesterday"), &ids()), SourceRead::Invalid);
    }
}
