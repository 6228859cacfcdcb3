//! The outcome of a review: what an adapter does to the response's headers.

use crate::consent::ConsentState;

/// What to do to one response's headers, decided by [`Policy::review_response`](crate::Policy::review_response).
///
/// An adapter removes the `Set-Cookie` values for which [`keeps`](Self::keeps)
/// is false, appends [`purges`](Self::purges) as `Set-Cookie` values, and
/// appends [`vary`](Self::vary) to `Vary` when there is one. Nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Review {
    pub(super) stripped: Stripped,
    pub(super) purges: Vec<String>,
    pub(super) vary: Option<&'static str>,
    pub(super) consent_state: Option<ConsentState>,
}

impl Review {
    /// Whether the `Set-Cookie` value at `index` (in response order) stays.
    #[inline]
    pub fn keeps(&self, index: usize) -> bool {
        !self.stripped.contains(index)
    }

    /// Whether any `Set-Cookie` value goes.
    #[inline]
    pub fn strips_any(&self) -> bool {
        !self.stripped.is_empty()
    }

    /// Indices of the `Set-Cookie` values to remove, ascending.
    pub fn stripped(&self) -> impl Iterator<Item = usize> + '_ {
        self.stripped.iter()
    }

    /// `Set-Cookie` values to append that expire cookies no longer allowed.
    #[inline]
    pub fn purges(&self) -> &[String] {
        &self.purges
    }

    /// The value to append as a `Vary` header, when the response depends on
    /// consent and does not vary on it yet: `Cookie`, with `Sec-GPC` and `DNT`
    /// when the policy honours them, less what `Vary` already names.
    #[inline]
    pub fn vary(&self) -> Option<&'static str> {
        self.vary
    }

    /// Whether a `Vary` value is to be appended.
    pub fn add_vary(&self) -> bool {
        self.vary.is_some()
    }

    /// The state of the consent in force for this response.
    pub fn consent_state(&self) -> ConsentState {
        self.consent_state.unwrap_or(ConsentState::Missing)
    }

    /// Whether the response's headers stay exactly as they are.
    pub fn leaves_headers_unchanged(&self) -> bool {
        !self.strips_any() && self.purges.is_empty() && self.vary.is_none()
    }
}

/// The indices of the `Set-Cookie` values to remove: a bit each for the first
/// 64, so the common response needs no list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Stripped {
    first_64: u64,
    /// Indices from 64 on, ascending.
    beyond: Vec<usize>,
}

impl Stripped {
    #[inline]
    pub(crate) fn contains(&self, index: usize) -> bool {
        if index < 64 {
            self.first_64 & (1 << index) != 0
        } else {
            self.beyond.binary_search(&index).is_ok()
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first_64 == 0 && self.beyond.is_empty()
    }

    /// Adds `index`, larger than any before.
    #[inline]
    pub(crate) fn insert(&mut self, index: usize) {
        if index < 64 {
            self.first_64 |= 1 << index;
        } else {
            self.beyond.push(index);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let mut bits = self.first_64;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let index = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                index
            })
        })
        .chain(self.beyond.iter().copied())
    }
}
