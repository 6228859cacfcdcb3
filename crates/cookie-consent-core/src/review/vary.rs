//! `Vary` for a response that depends on consent: `Cookie`, and the signals
//! the policy honours, each named once.

use crate::policy::Policy;

impl Policy {
    /// The `Vary` value a response that depends on consent needs: `Cookie`,
    /// and the signals the policy honours, less those `vary` names already.
    pub(super) fn vary_value<V>(&self, vary: V) -> Option<&'static str>
    where
        V: IntoIterator<Item: AsRef<[u8]>>,
    {
        let mut needed = VaryOn::COOKIE;
        if !self.inner.gpc.is_empty() {
            needed |= VaryOn::SEC_GPC;
        }
        if self.inner.settings.honor_dnt {
            needed |= VaryOn::DNT;
        }
        for value in vary {
            needed &= !VaryOn::named_in(value.as_ref());
        }
        VaryOn::value(needed)
    }
}

/// The request headers a response that depends on consent varies on, as bits.
struct VaryOn;

impl VaryOn {
    const COOKIE: u8 = 1;
    const SEC_GPC: u8 = 2;
    const DNT: u8 = 4;
    const ALL: u8 = 7;

    /// The bits a `Vary` value names (`*` names them all).
    fn named_in(vary: &[u8]) -> u8 {
        vary.split(|&b| b == b',')
            .map(|field| {
                let field = field.trim_ascii();
                if field == b"*" {
                    VaryOn::ALL
                } else if field.eq_ignore_ascii_case(b"cookie") {
                    VaryOn::COOKIE
                } else if field.eq_ignore_ascii_case(b"sec-gpc") {
                    VaryOn::SEC_GPC
                } else if field.eq_ignore_ascii_case(b"dnt") {
                    VaryOn::DNT
                } else {
                    0
                }
            })
            .fold(0, |bits, bit| bits | bit)
    }

    /// The header value naming `bits`, none when no bit is set.
    fn value(bits: u8) -> Option<&'static str> {
        const VALUES: [&str; 8] = [
            "",
            "Cookie",
            "Sec-GPC",
            "Cookie, Sec-GPC",
            "DNT",
            "Cookie, DNT",
            "Sec-GPC, DNT",
            "Cookie, Sec-GPC, DNT",
        ];
        (bits != 0).then(|| VALUES[usize::from(bits & VaryOn::ALL)])
    }
}
