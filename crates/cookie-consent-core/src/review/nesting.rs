//! The nesting protocol (DESIGN §6): how an outer consent layer knows what an
//! inner one judged already.

use super::Review;

/// The mark a consent layer leaves on a response it reviewed (nested layers,
/// §6): the `Set-Cookie` values the response carried when it left that layer.
///
/// An outer layer judges, with its own policy, only the values that are not
/// among these: those a middleware between the two layers appended
/// (tower-cookies, tower-sessions, actix-session). So every `Set-Cookie` that
/// reaches the client was judged by some consent layer, and the innermost
/// one, closest to the route, rules on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NestingMark {
    judged: Vec<Box<[u8]>>,
}

impl NestingMark {
    /// The mark for a response whose `Set-Cookie` values are now `set_cookies`.
    pub fn of<S>(set_cookies: S) -> NestingMark
    where
        S: IntoIterator<Item: AsRef<[u8]>>,
    {
        NestingMark {
            judged: set_cookies
                .into_iter()
                .map(|value| value.as_ref().into())
                .collect(),
        }
    }

    /// The mark for a response whose `Set-Cookie` values were `set_cookies`
    /// before `review`: those it keeps, then its purges.
    pub(crate) fn after<S>(set_cookies: S, review: &Review) -> NestingMark
    where
        S: IntoIterator<Item: AsRef<[u8]>>,
    {
        let kept = set_cookies
            .into_iter()
            .enumerate()
            .filter(|(index, _)| review.keeps(*index))
            .map(|(_, value)| value.as_ref().into());
        let purges = review.purges().iter().map(|purge| purge.as_bytes().into());
        NestingMark {
            judged: kept.chain(purges).collect(),
        }
    }

    /// For each value of `set_cookies`, whether an inner layer judged it:
    /// byte for byte one of the marked values, each matched once.
    pub(crate) fn judged<S>(&self, set_cookies: S) -> Vec<bool>
    where
        S: IntoIterator<Item: AsRef<[u8]>>,
    {
        let mut unmatched: Vec<&[u8]> = self.judged.iter().map(|v| &v[..]).collect();
        set_cookies
            .into_iter()
            .map(|value| {
                let found = unmatched.iter().position(|j| *j == value.as_ref());
                found.map(|at| unmatched.swap_remove(at)).is_some()
            })
            .collect()
    }
}
