//! IAB GPP strings (cookie `__gpp`): `Header~Section~…`. The header lists the
//! sections present as a Fibonacci-coded range; a US National (7) or US state
//! section (8–27) that records an opt-out of sale, sharing or targeted
//! advertising (a 2-bit value: 1 = opted out), or whose GPC sub-segment is
//! set, is an opt-out. Other sections, and an unreadable string, read as no
//! opt-out. Field offsets are from each section's IAB specification
//! (Global-Privacy-Platform, `Sections/US-*`).

/// How a US section is laid out: where its opt-out fields start in the core
/// segment, in bits, and whether the sub-segments after the core may be GPC.
struct Layout {
    opt_outs: &'static [usize],
    gpc: bool,
}

fn layout(section: u64) -> Option<Layout> {
    let (opt_outs, gpc): (&'static [usize], bool) = match section {
        // usnat: Version 6, six 2-bit notices; then sale, sharing, targeted ads.
        7 => (&[18, 20, 22], true),
        // usca: Version, three notices; then sale, sharing.
        8 => (&[12, 14], true),
        // Version, three notices; then sale, targeted ads: usva, usco, usct,
        // usfl, usmt, usor, ustx, usde, usne, usnh, usnj, ustn, usmn. usva
        // and usfl define no GPC sub-segment.
        9 | 13 => (&[12, 14], false),
        10 | 12 | 14..=17 | 19..=23 => (&[12, 14], true),
        // usut, usia: Version, four notices; then sale, targeted ads. usut
        // defines no GPC sub-segment.
        11 => (&[14, 16], false),
        18 => (&[14, 16], true),
        // usmd, usri: MspaVersion 6, MspaCoveredTransaction 2, MspaMode 2,
        // three notices; then sale, targeted ads. A subsection after the core
        // is GPC (the IAB's encoder writes one for usri too).
        24 | 27 => (&[16, 18], true),
        // usin, usky: as usmd, but the subsection after the core is sensitive
        // data consents, with no type bits: never read as GPC.
        25 | 26 => (&[16, 18], false),
        _ => return None,
    };
    Some(Layout { opt_outs, gpc })
}

/// Whether a GPP string records an opt-out of sale, sharing or targeted ads.
pub(crate) fn opted_out(value: &[u8]) -> bool {
    let mut parts = value.trim_ascii().split(|&b| b == b'~');
    let Some(sections) = parts.next().and_then(section_ids) else {
        return false;
    };
    sections
        .into_iter()
        .zip(parts)
        .any(|(section, encoded)| section_opts_out(section, encoded))
}

/// The section ids the header lists, in order; `None` when it is not a GPP v1 header.
fn section_ids(header: &[u8]) -> Option<Vec<u64>> {
    let mut bits = Bits::new(header)?;
    if bits.read(6)? != 3 || bits.read(6)? != 1 {
        return None;
    }
    let mut ids = Vec::new();
    let mut last = 0;
    for _ in 0..bits.read(12)? {
        let is_range = bits.read(1)? == 1;
        let start = last + bits.fibonacci()?;
        let end = if is_range {
            start + bits.fibonacci()?
        } else {
            start
        };
        if end - start > 64 {
            return None;
        }
        ids.extend(start..=end);
        last = end;
    }
    Some(ids)
}

fn section_opts_out(section: u64, encoded: &[u8]) -> bool {
    let Some(layout) = layout(section) else {
        return false;
    };
    let mut segments = encoded.split(|&b| b == b'.').peekable();
    // Sections 24 and up may open with a section header (SectionID 6 bits,
    // Version 6, SubSections) as their specification says; the IAB's own
    // encoder writes none. A first segment naming this section is that header.
    if section >= 24
        && segments
            .peek()
            .and_then(|first| Bits::new(first))
            .is_some_and(|header| header.at(0, 6) == section)
    {
        segments.next();
    }
    // An unreadable section counts as absent, sub-segments and all.
    let Some(core) = segments.next().and_then(Bits::new) else {
        return false;
    };
    let opted_out = layout.opt_outs.iter().any(|&at| core.at(at, 2) == 1);
    // The GPC sub-segment: SubsectionType 1, then the GPC bit.
    let gpc = layout.gpc
        && segments
            .filter_map(Bits::new)
            .any(|sub| sub.at(0, 2) == 1 && sub.at(2, 1) == 1);
    opted_out || gpc
}

/// The bits of a base64url segment, 6 per character, big-endian. GPP
/// encoders drop trailing zero bits: bits past the end read as 0.
struct Bits<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(text: &'a [u8]) -> Option<Bits<'a>> {
        (!text.is_empty() && text.len() <= 4096 && text.iter().all(|&c| sextet(c).is_some()))
            .then_some(Bits { text, at: 0 })
    }

    fn bit(&self, at: usize) -> u64 {
        self.text
            .get(at / 6)
            .and_then(|&c| sextet(c))
            .map_or(0, |sextet| u64::from((sextet >> (5 - at % 6)) & 1))
    }

    /// `count` bits from `at`, as a number.
    fn at(&self, at: usize, count: usize) -> u64 {
        (at..at + count).fold(0, |value, i| (value << 1) | self.bit(i))
    }

    /// The next `count` bits; `None` past the end of the text.
    fn read(&mut self, count: usize) -> Option<u64> {
        if self.at + count > self.text.len() * 6 {
            return None;
        }
        let value = self.at(self.at, count);
        self.at += count;
        Some(value)
    }

    /// A Fibonacci-coded number: Zeckendorf bits, least first, ended by `11`.
    fn fibonacci(&mut self) -> Option<u64> {
        let (mut value, mut previous_bit) = (0u64, 0);
        let (mut fib, mut next) = (1u64, 2u64);
        for _ in 0..90 {
            let bit = self.read(1)?;
            if bit == 1 && previous_bit == 1 {
                return Some(value);
            }
            if bit == 1 {
                value = value.checked_add(fib)?;
            }
            previous_bit = bit;
            (fib, next) = (next, fib.checked_add(next)?);
        }
        None
    }
}

fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_lists_its_sections() {
        assert_eq!(section_ids(b"DBABLA"), Some(vec![7]));
        // The GPP specification's example: tcfeuv2 (2) and uspv1 (6).
        assert_eq!(section_ids(b"DBACNYA"), Some(vec![2, 6]));
        assert_eq!(section_ids(b"DBA"), None, "truncated");
        assert_eq!(section_ids(b"DBAA"), Some(vec![]), "no section");
        assert_eq!(section_ids(b"BBABLA"), None, "not type 3");
    }

    #[test]
    fn the_real_onetrust_values_read_as_they_say() {
        assert!(opted_out(b"DBABLA~BVQVAAAABgA.QA"));
        assert!(!opted_out(b"DBABLA~BVQqAAAACgA.QA"));
    }

    #[test]
    fn the_gpc_sub_segment_counts_and_garbage_does_not() {
        // Did not opt out, but the GPC bit is set: `.YA` is type 1, GPC 1.
        assert!(opted_out(b"DBABLA~BVQqAAAACgA.YA"));
        for absent in [
            &b""[..],
            b"~",
            b"DBABLA",
            b"DBABLA~",
            b"garbage~!!",
            b"DBABLA~!!!.YA",
            &[0xff; 9],
        ] {
            assert!(!opted_out(absent), "{:?}", String::from_utf8_lossy(absent));
        }
    }

    /// Independent decoders' test suites (prebid/go-gpp, noirotm/iabgpp-rs;
    /// the IAB's Java encoder for the sections the others lack) and
    /// iabgpp-rs's decoding of generated sections 7–27: `tests/data/decoders/gpp.json`.
    #[test]
    fn independent_decoders_agree_on_every_opt_out() {
        #[derive(serde::Deserialize)]
        struct Vector {
            suite: String,
            value: String,
            section: Option<u64>,
            opted_out: bool,
        }
        let vectors: Vec<Vector> =
            serde_json::from_str(include_str!("../../tests/data/decoders/gpp.json")).unwrap();
        let mut sections = std::collections::BTreeSet::new();
        for vector in &vectors {
            let ours = match vector.section {
                Some(section) => section_opts_out(section, vector.value.as_bytes()),
                None => opted_out(vector.value.as_bytes()),
            };
            assert_eq!(
                ours, vector.opted_out,
                "{} ({})",
                vector.value, vector.suite
            );
            let header = vector.value.split('~').next().unwrap();
            sections.extend(
                vector
                    .section
                    .or_else(|| section_ids(header.as_bytes())?.first().copied()),
            );
        }
        assert!(vectors.len() > 700, "{}", vectors.len());
        // Every US section has vectors, opted out and not.
        assert!((7..=27).all(|id| sections.contains(&id)), "{sections:?}");
    }

    #[test]
    fn later_state_sections_are_read_and_sensitive_data_is_no_gpc() {
        // usfl (13): SaleOptOut (bits 12–13) is 1; ustx (16): targeted ads (14–15).
        assert!(opted_out(b"DBABAw~BAQAAAAAAA"));
        assert!(opted_out(b"DBABEw~BAEAAAAAAA"));
        assert!(!opted_out(b"DBABEw~BAAAAAAAAA"));
        // usnj (21) with targeted advertising opted out, and not.
        assert!(section_opts_out(21, b"BAEAAAAAAA"));
        assert!(!section_opts_out(21, b"BAAAAAAAAA"));
        // usin (25): a second subsection is sensitive data consents, whose
        // first bits `011` are no GPC bit; for usmd (24) the same bits are GPC.
        assert!(!section_opts_out(25, b"BQAA.YA"));
        assert!(section_opts_out(24, b"BQAA.YA"));
        // With the section header the specification describes (SectionID 25).
        assert!(section_opts_out(25, b"ZBABY.BVVV"));
    }
}
