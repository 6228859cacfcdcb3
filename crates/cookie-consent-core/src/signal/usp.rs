//! The US Privacy string (`usprivacy`): four characters, version `1`, then
//! notice, opt-out of sale and LSPA, each `Y`, `N` or `-`. `1?Y?` is an
//! opt-out of sale. Anything else reads as absent.

/// Whether a `usprivacy` value records an opt-out of sale.
pub(crate) fn opted_out(value: &[u8]) -> bool {
    match value.trim_ascii() {
        [b'1', notice, sale, lspa] => {
            let flag = |b: &u8| matches!(b, b'Y' | b'N' | b'-' | b'y' | b'n');
            flag(notice) && flag(lspa) && matches!(sale, b'Y' | b'y')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_opt_out_of_sale_counts() {
        assert!(opted_out(b"1YYN"));
        assert!(opted_out(b"1-Y-"));
        for absent in [
            &b"1YNN"[..],
            b"1---",
            b"",
            b"2YYN",
            b"1YY",
            b"1YYNN",
            b"1?Y?",
            &[0xff; 4],
        ] {
            assert!(!opted_out(absent), "{absent:?}");
        }
    }
}
