//! Privacy signals beyond `Sec-GPC` (DESIGN §10): a GPP string (`honor_gpp`)
//! or a US Privacy string (`honor_usp`) that records an opt-out counts as
//! `Sec-GPC: 1`. Neither grants anything; an unreadable one counts as absent.

mod gpp;
mod usp;

use crate::policy::Policy;
use crate::syntax::cookie_pairs;

/// Whether the request's GPP or US Privacy cookie, where the policy honours
/// it, records an opt-out.
pub(crate) fn opted_out<'h>(policy: &Policy, headers: impl Iterator<Item = &'h [u8]>) -> bool {
    let settings = &policy.inner.settings;
    let gpp_cookie = settings.gpp_cookie.as_bytes();
    headers.flat_map(cookie_pairs).any(|(name, value)| {
        (settings.honor_gpp && name == gpp_cookie && gpp::opted_out(value))
            || (settings.honor_usp && name == b"usprivacy" && usp::opted_out(value))
    })
}
