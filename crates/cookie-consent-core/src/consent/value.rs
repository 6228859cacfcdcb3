//! The general reader of one consent cookie value (§3 of the design): any
//! value the common-form reader does not take is percent-decoded and read by
//! serde_json with a `DeserializeSeed` that maps category ids straight to bits
//! of the policy's [`CategorySet`].

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::record::Record;
use crate::category::{Category, CategorySet};

/// The general reader: percent-decode (unless the value is raw JSON), then serde_json.
pub(super) fn parse_json(raw: &[u8], categories: &[Category]) -> Option<Record> {
    // Borrowed when nothing is escaped; decoding allocates only on this rare path.
    let decoded: Cow<'_, [u8]> = if raw.first() == Some(&b'{') {
        Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode(raw).into()
    };
    let mut deserializer = serde_json::Deserializer::from_slice(&decoded);
    let record = RecordSeed(categories).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(record)
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Categories,
    Revision,
    Timestamp,
    #[serde(other)]
    Other,
}

struct RecordSeed<'p>(&'p [Category]);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Record;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Record, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a consent object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut categories = None;
        let mut revision = None;
        let mut timestamp = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Categories if categories.is_none() => {
                    categories = Some(map.next_value_seed(CategoriesSeed(self.0))?);
                }
                Field::Revision if revision.is_none() => revision = Some(map.next_value::<u64>()?),
                Field::Timestamp if timestamp.is_none() => {
                    timestamp = Some(map.next_value::<Timestamp>()?.0);
                }
                Field::Categories | Field::Revision | Field::Timestamp => {
                    return Err(de::Error::custom("duplicate field"));
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (granted, refused) =
            categories.ok_or_else(|| de::Error::missing_field("categories"))?;
        Ok(Record {
            granted,
            refused,
            revision: revision.unwrap_or(0),
            timestamp,
        })
    }
}

/// `{"id": bool, …}` → (granted, refused); ids the policy does not know are ignored.
struct CategoriesSeed<'p>(&'p [Category]);

impl<'de> DeserializeSeed<'de> for CategoriesSeed<'_> {
    type Value = (CategorySet, CategorySet);
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CategoriesSeed<'_> {
    type Value = (CategorySet, CategorySet);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of category ids to booleans")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut granted = CategorySet::EMPTY;
        let mut refused = CategorySet::EMPTY;
        while let Some(index) = map.next_key_seed(CategoryKey(self.0))? {
            let value = map.next_value::<bool>()?;
            if let Some(index) = index {
                let bit = CategorySet::single(index);
                if value {
                    granted = granted.with(bit);
                } else {
                    refused = refused.with(bit);
                }
            }
        }
        Ok((granted.without(refused), refused))
    }
}

/// A category id, looked up in the policy without allocating.
struct CategoryKey<'p>(&'p [Category]);

impl<'de> DeserializeSeed<'de> for CategoryKey<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CategoryKey<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a category id")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|c| c.id == id))
    }
}

/// Unix seconds, or an RFC 3339 string.
struct Timestamp(i64);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unix seconds or an RFC 3339 date")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v).map(Timestamp).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                    .map(|t| Timestamp(t.unix_timestamp()))
                    .map_err(E::custom)
            }
        }
        deserializer.deserialize_any(TimestampVisitor)
    }
}
