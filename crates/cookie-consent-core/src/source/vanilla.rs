//! vanilla-cookieconsent (orestbida/cookieconsent): `cc_cookie`, JSON with a
//! `categories` array — percent-encoded in v3, raw in v2 (v2 ≤ 2.8: `level`).
//! The library itself treats a cookie without `consentId`, a timestamp or the
//! `categories` array as no decision, and one whose `revision` differs from
//! the site's as stale: so do we (Missing, and Outdated when older).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::reading::{bit_of, iso_seconds, with_decoded, Decision, SourceRead};

/// The fields read; others are ignored.
#[derive(Default)]
struct Cookie<'a> {
    categories: Option<Names<'a>>,
    level: Option<Names<'a>>,
    revision: Option<u64>,
    consent_id: Option<&'a str>,
    consent_timestamp: Option<&'a str>,
    last_consent_timestamp: Option<&'a str>,
    consent_uuid: Option<&'a str>,
    consent_date: Option<&'a str>,
    last_consent_update: Option<&'a str>,
}

/// Category names, borrowed from the value where they need no unescaping.
#[derive(Deserialize)]
#[serde(transparent)]
struct Names<'a>(#[serde(borrow)] Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Cookie<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(Fields)
    }
}

/// The library reads its cookie with `JSON.parse`, which keeps the last of a
/// repeated key; so does this (serde's derive would refuse the value).
struct Fields;

impl<'de> Visitor<'de> for Fields {
    type Value = Cookie<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cc_cookie object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Cookie<'de>, M::Error> {
        let mut cookie = Cookie::default();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Categories => cookie.categories = map.next_value()?,
                Field::Level => cookie.level = map.next_value()?,
                Field::Revision => cookie.revision = map.next_value()?,
                Field::ConsentId => cookie.consent_id = map.next_value()?,
                Field::ConsentTimestamp => cookie.consent_timestamp = map.next_value()?,
                Field::LastConsentTimestamp => cookie.last_consent_timestamp = map.next_value()?,
                Field::ConsentUuid => cookie.consent_uuid = map.next_value()?,
                Field::ConsentDate => cookie.consent_date = map.next_value()?,
                Field::LastConsentUpdate => cookie.last_consent_update = map.next_value()?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(cookie)
    }
}

/// A key of the cookie's object, read without allocating.
enum Field {
    Categories,
    Level,
    Revision,
    ConsentId,
    ConsentTimestamp,
    LastConsentTimestamp,
    ConsentUuid,
    ConsentDate,
    LastConsentUpdate,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(FieldName)
    }
}

struct FieldName;

impl Visitor<'_> for FieldName {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
        Ok(match key {
            "categories" => Field::Categories,
            "level" => Field::Level,
            "revision" => Field::Revision,
            "consentId" => Field::ConsentId,
            "consentTimestamp" => Field::ConsentTimestamp,
            "lastConsentTimestamp" => Field::LastConsentTimestamp,
            "consent_uuid" => Field::ConsentUuid,
            "consent_date" => Field::ConsentDate,
            "last_consent_update" => Field::LastConsentUpdate,
            _ => Field::Other,
        })
    }
}

/// Reads one `cc_cookie` value against the policy's `revision`.
pub(crate) fn read(raw: &[u8], ids: &[Box<str>], revision: u64) -> SourceRead {
    with_decoded(raw, |json| {
        match serde_json::from_slice::<Cookie<'_>>(json) {
            Ok(cookie) => decide(&cookie, ids, revision),
            Err(_) => SourceRead::Invalid,
        }
    })
    .unwrap_or(SourceRead::Invalid)
}

fn decide(cookie: &Cookie<'_>, ids: &[Box<str>], revision: u64) -> SourceRead {
    // v3, v2, and v2 ≤ 2.8 name the same things differently.
    let categories = cookie
        .categories
        .as_ref()
        .or(cookie.level.as_ref())
        .map(|names| &names.0);
    let id = cookie.consent_id.or(cookie.consent_uuid);
    let chosen_at = cookie
        .last_consent_timestamp
        .or(cookie.consent_timestamp)
        .or(cookie.last_consent_update)
        .or(cookie.consent_date);
    let Some(categories) = categories else {
        return SourceRead::Missing;
    };
    // ≤ 2.8 wrote `level` alone; later versions always write an id and a time.
    if cookie.level.is_none() && (id.is_none() || chosen_at.is_none()) {
        return SourceRead::Missing;
    }
    let timestamp = match chosen_at.map(iso_seconds) {
        Some(None) => return SourceRead::Invalid,
        Some(seconds) => seconds,
        None => None,
    };
    let granted = categories
        .iter()
        .fold(0, |granted, c| granted | bit_of(ids, c.as_bytes()));
    SourceRead::Decided(Decision {
        granted,
        timestamp,
        outdated: cookie.revision.unwrap_or(0) < revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<Box<str>> {
        ["functional", "analytics", "marketing"]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    const V3: &[u8] = b"%7B%22categories%22%3A%5B%22necessary%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22services%22%3A%7B%22necessary%22%3A%5B%5D%2C%22analytics%22%3A%5B%5D%2C%22support%22%3A%5B%5D%7D%2C%22lastConsentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22expirationTime%22%3A1747854156824%7D";
    const V2: &[u8] = br#"{"categories":["necessary"],"revision":0,"data":null,"rfc_cookie":false,"consent_date":"2024-08-27T08:45:11.101Z","consent_uuid":"5b5c6534-444e-4b7f-af4a-22910eb29e48","last_consent_update":"2024-08-27T08:45:11.101Z"}"#;

    #[test]
    fn the_real_v3_value_is_a_reject_dated_when_chosen() {
        assert_eq!(
            read(V3, &ids(), 1),
            SourceRead::Decided(Decision {
                granted: 0,
                timestamp: Some(1_732_129_356),
                outdated: false
            })
        );
        assert!(matches!(read(V3, &ids(), 2), SourceRead::Decided(d) if d.outdated));
    }

    #[test]
    fn the_real_v2_value_reads_alike() {
        assert_eq!(
            read(V2, &ids(), 0),
            SourceRead::Decided(Decision {
                granted: 0,
                timestamp: Some(1_724_748_311),
                outdated: false
            })
        );
    }

    #[test]
    fn categories_grant_by_name_and_old_level_arrays_count() {
        let accepted = br#"{"categories":["necessary","analytics","marketing"],"revision":0,"consentId":"x","consentTimestamp":"2025-01-01T00:00:00Z"}"#;
        assert!(matches!(read(accepted, &ids(), 0), SourceRead::Decided(d) if d.granted == 0b110));
        let level = br#"{"level":["necessary","functional"]}"#;
        assert!(matches!(read(level, &ids(), 0), SourceRead::Decided(d) if d.granted == 0b001));
    }

    #[test]
    fn no_id_or_time_is_no_decision_and_garbage_is_invalid() {
        let no_id = br#"{"categories":["analytics"],"consentTimestamp":"2025-01-01T00:00:00Z"}"#;
        assert_eq!(read(no_id, &ids(), 0), SourceRead::Missing);
        assert_eq!(read(b"{}", &ids(), 0), SourceRead::Missing);
        let bad_time = br#"{"categories":[],"consentId":"x","consentTimestamp":"soon"}"#;
        assert_eq!(read(bad_time, &ids(), 0), SourceRead::Invalid);
        for bad in [
            &b""[..],
            b"%7B",
            br#"{"categories":"all"}"#,
            br#"{"categories":[1]}"#,
            &[0xff],
        ] {
            assert_eq!(read(bad, &ids(), 0), SourceRead::Invalid, "{bad:?}");
        }
    }
}
