//! IAB GPP strings (cookie `__gpp`): `Header~Section~…`. The header lists the
//! sections present as a Fibonacci-coded range; a US National (7) or US state
//! section that records an opt-out of sale, sharing or targeted advertising
//! (a 2-bit value: 1 = opted out), or whose GPC sub-segment is set, is an
//! opt-out. Sections read: US National and the state sections of California,
//! Virginia, Colorado, Utah and Connecticut; others, and an unreadable
//! string, read as no opt-out.

/// Where the opt-out fields of each section read start, in bits.
fn opt_out_fields(section: u64) -> &'static [usize] {
    match section {
        // usnat: Version 6, six 2-bit notices; then sale, sharing, targeted ads.
        7 => &[18, 20, 22],
        // usca: Version, three notices; then sale, sharing.
        8 => &[12, 14],
        // usva, usco, usct: Version, three notices; then sale, targeted ads.
        9 | 10 | 12 => &[12, 14],
        // usut: Version, four notices; then sale, targeted ads.
        11 => &[14, 16],
        _ => &[],
    }
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
    let fields = opt_out_fields(section);
    if fields.is_empty() {
        return false;
    }
    let mut segments = encoded.split(|&b| b == b'.');
    // An unreadable section counts as absent, sub-segments and all.
    let Some(core) = segments.next().and_then(Bits::new) else {
        return false;
    };
    let opted_out = fields.iter().any(|&at| core.at(at, 2) == 1);
    // The GPC sub-segment: SubsectionType 1, then the GPC bit.
    let gpc = segments
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
}
