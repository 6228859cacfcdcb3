//! What one consent cookie records, and which reader reads it.

use crate::category::{Category, CategorySet};

/// Values longer than this are invalid: no browser keeps a larger cookie.
pub(crate) const MAX_VALUE_LEN: usize = 4096;

/// What one consent cookie records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// Categories set to `true`.
    pub(crate) granted: CategorySet,
    /// Categories set to `false` (any `false` wins over a `true` for the same id).
    pub(crate) refused: CategorySet,
    pub(crate) revision: u64,
    /// Unix seconds.
    pub(crate) timestamp: Option<i64>,
}

/// Parses a raw cookie value; `None` means Invalid. The common form (what
/// browsers and [`Policy::write_consent`](crate::Policy::write_consent) write)
/// is read in place; anything else by the general reader.
pub(crate) fn parse(raw: &[u8], categories: &[Category]) -> Option<Record> {
    if raw.len() > MAX_VALUE_LEN {
        return None;
    }
    let raw = match raw {
        [b'"', inner @ .., b'"'] => inner,
        _ => raw,
    };
    super::common_form::read(raw, categories).or_else(|| super::value::parse_json(raw, categories))
}
