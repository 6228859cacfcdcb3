//! Klaro: `klaro`, `encodeURIComponent(JSON.stringify(consents))`, an object
//! of **service** name → bool. When a service the grants name is missing,
//! Klaro asks again: Outdated. Klaro records no time.

use std::collections::BTreeMap;

use super::reading::{bit_of, with_decoded, Decision, SourceRead};

/// Reads one `klaro` value.
pub(crate) fn read(raw: &[u8], ids: &[Box<str>]) -> SourceRead {
    let parsed = with_decoded(raw, |json| {
        serde_json::from_slice::<BTreeMap<&str, bool>>(json)
            .ok()
            .map(|services| {
                let mut decision = Decision::NONE;
                for (service, granted) in &services {
                    if *granted {
                        decision.granted |= bit_of(ids, service.as_bytes());
                    }
                }
                decision.outdated = ids.iter().any(|id| !services.contains_key(&**id));
                decision
            })
    });
    match parsed.flatten() {
        Some(decision) => SourceRead::Decided(decision),
        None => SourceRead::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<Box<str>> {
        names.iter().map(|&n| n.into()).collect()
    }

    const REAL: &[u8] = b"%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Afalse%2C%22google-ads%22%3Afalse%7D";

    #[test]
    fn the_real_value_grants_only_the_necessary_service() {
        let asked = ids(&["google-analytics", "google-ads", "necessary-cookies"]);
        assert_eq!(
            read(REAL, &asked),
            SourceRead::Decided(Decision {
                granted: 0b100,
                ..Decision::NONE
            })
        );
    }

    #[test]
    fn a_service_the_cookie_lacks_makes_it_outdated() {
        let asked = ids(&["google-analytics", "hotjar"]);
        assert_eq!(
            read(REAL, &asked),
            SourceRead::Decided(Decision {
                granted: 0,
                timestamp: None,
                outdated: true
            })
        );
    }

    #[test]
    fn anything_but_an_object_of_bools_is_invalid() {
        let asked = ids(&["a"]);
        for bad in [
            &b""[..],
            b"%7B",
            b"[true]",
            b"{\"a\":1}",
            b"{\"a\":true}}",
            &[0xff],
        ] {
            assert_eq!(read(bad, &asked), SourceRead::Invalid, "{bad:?}");
        }
    }
}
