//! Privacy signals beyond `Sec-GPC` (DESIGN §10): a GPP string (`honor_gpp`)
//! or a US Privacy string (`honor_usp`) that records an opt-out counts as
//! `Sec-GPC: 1`. Neither grants anything; an unreadable one counts as absent.

mod gpp;
mod usp;

use crate::syntax::cookie_pairs;

/// The signal cookies a policy honours.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Honoured<'a> {
    /// The GPP cookie's name, when `honor_gpp`.
    pub(crate) gpp_cookie: Option<&'a [u8]>,
    /// `honor_usp`: the `usprivacy` cookie.
    pub(crate) usp: bool,
}

/// Whether the request's GPP or US Privacy cookie, where honoured, records an opt-out.
pub(crate) fn opted_out<'h>(
    honoured: Honoured<'_>,
    headers: impl Iterator<Item = &'h [u8]>,
) -> bool {
    if honoured.gpp_cookie.is_none() && !honoured.usp {
        return false;
    }
    headers.flat_map(cookie_pairs).any(|(name, value)| {
        (honoured.gpp_cookie == Some(name) && gpp::opted_out(value))
            || (honoured.usp && name == b"usprivacy" && usp::opted_out(value))
    })
}
