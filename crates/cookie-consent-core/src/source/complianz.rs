//! Complianz (WordPress): one cookie per category, `cmplz_<category>` valued
//! `allow` or `deny`, and `cmplz_banner-status=dismissed` once the visitor
//! chose. The prefix is the source's `cookie` (`cmplz_`, or `cmplz_rt_` on some
//! multisite roots). Complianz records no time.

use super::reading::{bit_of, Decision, SourceRead};

/// Reads the request's `cmplz_` cookies, given as `(name, value)` pairs.
pub(crate) fn read<'a>(
    pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    prefix: &str,
    ids: &[Box<str>],
) -> SourceRead {
    let mut decision = Decision::NONE;
    let mut dismissed = false;
    let mut refused = 0;
    let mut seen_any = false;
    for (name, value) in pairs {
        let Some(category) = name.strip_prefix(prefix.as_bytes()) else {
            continue;
        };
        seen_any = true;
        match (category, value) {
            (b"banner-status", status) => dismissed |= status == b"dismissed",
            (b"policy_id" | b"consented_services" | b"id", _) => {}
            (category, b"allow") => decision.granted |= bit_of(ids, category),
            // A duplicate that denies wins, as in §3.
            (category, b"deny") => refused |= bit_of(ids, category),
            (_, _) => return SourceRead::Invalid,
        }
    }
    decision.granted &= !refused;
    match (seen_any, dismissed) {
        (false, _) | (true, false) => SourceRead::Missing,
        (true, true) => SourceRead::Decided(decision),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::cookie_pairs;

    fn ids() -> Vec<Box<str>> {
        ["preferences", "statistics", "marketing"]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn read_header(header: &str) -> SourceRead {
        read(cookie_pairs(header.as_bytes()), "cmplz_", &ids())
    }

    #[test]
    fn the_real_header_grants_preferences() {
        let real = "cmplz_banner-status=dismissed; cmplz_functional=allow; cmplz_marketing=deny; cmplz_preferences=allow; cmplz_statistics=deny";
        let expected = Decision {
            granted: 0b001,
            ..Decision::NONE
        };
        assert_eq!(read_header(real), SourceRead::Decided(expected));
    }

    #[test]
    fn without_a_dismissed_banner_there_is_no_decision() {
        assert_eq!(read_header("other=1"), SourceRead::Missing);
        assert_eq!(read_header("cmplz_statistics=allow"), SourceRead::Missing);
        assert_eq!(
            read_header("cmplz_banner-status=show; cmplz_statistics=allow"),
            SourceRead::Missing
        );
    }

    #[test]
    fn a_deny_among_duplicates_wins_and_garbage_is_invalid() {
        let twice = "cmplz_banner-status=dismissed; cmplz_statistics=allow; cmplz_statistics=deny";
        assert_eq!(read_header(twice), SourceRead::Decided(Decision::NONE));
        let odd = "cmplz_banner-status=dismissed; cmplz_statistics=maybe";
        assert_eq!(read_header(odd), SourceRead::Invalid);
        let rt = "cmplz_rt_banner-status=dismissed; cmplz_rt_marketing=allow";
        assert_eq!(
            read(cookie_pairs(rt.as_bytes()), "cmplz_rt_", &ids()),
            SourceRead::Decided(Decision {
                granted: 0b100,
                ..Decision::NONE
            })
        );
    }
}
