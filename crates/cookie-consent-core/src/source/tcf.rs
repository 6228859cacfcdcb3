//! IAB TCF v2.2/v2.3 TC strings (`euconsent-v2` by convention): segments of
//! URL-safe base64 joined by `.`, the core first, then others each starting
//! with a 3-bit type (3: PublisherTC). Grants are purpose numbers: the
//! PublisherTC segment's purposes when present, else the core's
//! PurposesConsent. A TcfPolicyVersion below 4 is no longer valid: Outdated.
//! Real strings bend the spec (PublisherCC `UK`, trailing pad bits), but
//! every mandatory field must be there, the vendor sections and publisher
//! restrictions too: a string cut short is Invalid, not its valid prefix, as
//! the independent decoders (prebid/go-gdpr, GDPR::IAB::TCFv2) judge it.

use super::reading::{bit_of, Decision, SourceRead, MAX_VALUE_LEN};

/// A TC string's fields that this library reads, and the vendor sections
/// (kept for checking the decoder against the reference decoders' vectors).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TcString {
    pub(crate) version: u8,
    /// Deciseconds since the epoch.
    pub(crate) created: u64,
    /// Deciseconds since the epoch.
    pub(crate) last_updated: u64,
    pub(crate) cmp_id: u16,
    pub(crate) cmp_version: u16,
    pub(crate) consent_screen: u8,
    pub(crate) consent_language: [u8; 2],
    pub(crate) vendor_list_version: u16,
    pub(crate) policy_version: u8,
    pub(crate) is_service_specific: bool,
    /// Bit `i` for special feature `i + 1`.
    pub(crate) special_feature_opt_ins: u16,
    /// Bit `i` for purpose `i + 1`.
    pub(crate) purposes_consent: u32,
    pub(crate) purposes_li: u32,
    pub(crate) publisher_cc: [u8; 2],
    /// Vendor ids with consent and with legitimate interest, when the string
    /// carries whole vendor sections.
    pub(crate) vendors: Option<(Vec<u16>, Vec<u16>)>,
    /// The PublisherTC segment: purposes consented and with legitimate interest.
    pub(crate) publisher: Option<(u32, u32)>,
}

/// Reads one TC string cookie value.
pub(crate) fn read(raw: &[u8], ids: &[Box<str>]) -> SourceRead {
    let Some(tc) = decode_fields(raw, false) else {
        return SourceRead::Invalid;
    };
    let purposes = tc
        .publisher
        .map_or(tc.purposes_consent, |(consent, _)| consent);
    let granted = (0..24)
        .filter(|bit| purposes & (1 << bit) != 0)
        .fold(0, |granted, bit| {
            granted | bit_of(ids, purpose_name(bit + 1).as_bytes())
        });
    SourceRead::Decided(Decision {
        granted,
        timestamp: i64::try_from(tc.last_updated / 10).ok(),
        outdated: tc.policy_version < 4,
    })
}

/// Purpose `n`'s id as a policy file names it (`"1"` … `"24"`).
fn purpose_name(n: u32) -> &'static str {
    const NAMES: [&str; 24] = [
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24",
    ];
    NAMES[(n as usize - 1) % 24]
}

/// Decodes a TC string, vendor sections too; `None` when it is not one.
#[cfg(test)]
pub(crate) fn decode(raw: &[u8]) -> Option<TcString> {
    decode_fields(raw, true)
}

/// Decodes a TC string; the vendor sections (which allocate) only when asked.
fn decode_fields(raw: &[u8], with_vendors: bool) -> Option<TcString> {
    if raw.is_empty() || raw.len() > MAX_VALUE_LEN {
        return None;
    }
    let mut segments = raw.split(|&b| b == b'.');
    let mut core = Bits::new(segments.next()?)?;
    let version = core.read(6)? as u8;
    if version != 2 {
        return None;
    }
    let mut tc = TcString {
        version,
        created: core.read(36)?,
        last_updated: core.read(36)?,
        cmp_id: core.read(12)? as u16,
        cmp_version: core.read(12)? as u16,
        consent_screen: core.read(6)? as u8,
        consent_language: core.letters()?,
        vendor_list_version: core.read(12)? as u16,
        policy_version: core.read(6)? as u8,
        is_service_specific: core.read(1)? == 1,
        special_feature_opt_ins: {
            core.read(1)?; // UseNonStandardTexts
            core.flags(12)? as u16
        },
        purposes_consent: core.flags(24)?,
        purposes_li: core.flags(24)?,
        publisher_cc: {
            core.read(1)?; // PurposeOneTreatment
            core.letters()?
        },
        vendors: None,
        publisher: None,
    };
    // The vendor sections and publisher restrictions must be whole; they are
    // kept only when asked (a decision does not need them, and they allocate).
    let (mut consent, mut li) = (Vec::new(), Vec::new());
    core.vendor_section(with_vendors.then_some(&mut consent))?;
    core.vendor_section(with_vendors.then_some(&mut li))?;
    core.publisher_restrictions()?;
    if with_vendors {
        tc.vendors = Some((consent, li));
    }
    for segment in segments {
        let mut bits = Bits::new(segment)?;
        match bits.read(3)? {
            // DisclosedVendors, AllowedVendors: a vendor section.
            1 | 2 => bits.vendor_section(None)?,
            3 => {
                tc.publisher = Some((bits.flags(24)?, bits.flags(24)?));
                let custom = bits.read(6)? as usize;
                bits.read(custom)?;
                bits.read(custom)?;
            }
            // A type this reader does not know: not read.
            _ => {}
        }
    }
    Some(tc)
}

/// Big-endian bits of a URL-safe base64 segment, 6 per character.
struct Bits<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(text: &'a [u8]) -> Option<Bits<'a>> {
        // Some encoders pad with `=`; the bits end before it.
        let end = text
            .iter()
            .rposition(|&c| c != b'=')
            .map_or(0, |last| last + 1);
        let text = &text[..end];
        (!text.is_empty() && text.iter().all(|&c| sextet(c).is_some()))
            .then_some(Bits { text, at: 0 })
    }

    /// Where the data ends, in bits. A TC string is bytes in base64: the
    /// bits of a last partial byte are padding, not data.
    fn end(&self) -> usize {
        self.text.len() * 6 / 8 * 8
    }

    /// The next `count` bits (at most 64) as a number.
    fn read(&mut self, count: usize) -> Option<u64> {
        if self.at + count > self.end() {
            return None;
        }
        let mut value = 0;
        for _ in 0..count {
            let sextet = sextet(self.text[self.at / 6])?;
            let bit = (sextet >> (5 - self.at % 6)) & 1;
            value = (value << 1) | u64::from(bit);
            self.at += 1;
        }
        Some(value)
    }

    /// The next `count` bits (at most 32) as flags: the first read is bit 0.
    fn flags(&mut self, count: usize) -> Option<u32> {
        let mut flags = 0;
        for bit in 0..count {
            flags |= (self.read(1)? as u32) << bit;
        }
        Some(flags)
    }

    /// Two letters, 6 bits each (`A` = 0).
    fn letters(&mut self) -> Option<[u8; 2]> {
        Some([
            b'A'.wrapping_add(self.read(6)? as u8),
            b'A'.wrapping_add(self.read(6)? as u8),
        ])
    }

    /// A vendor section: MaxVendorId, then a bitfield or ranges; its vendor
    /// ids go to `ids` when given.
    fn vendor_section(&mut self, mut ids: Option<&mut Vec<u16>>) -> Option<()> {
        let max = self.read(16)? as u16;
        if self.read(1)? == 1 {
            return self.ranges(max, |start, end| {
                if let Some(ids) = ids.as_deref_mut() {
                    ids.extend(start..=end);
                }
            });
        }
        let Some(ids) = ids else {
            // Only its length counts.
            return self.skip(usize::from(max));
        };
        for id in 1..=max {
            if self.read(1)? == 1 {
                ids.push(id);
            }
        }
        Some(())
    }

    /// Passes `count` bits that must be there.
    fn skip(&mut self, count: usize) -> Option<()> {
        if self.at + count > self.end() {
            return None;
        }
        self.at += count;
        Some(())
    }

    /// NumEntries, then each a single id or a range, within `1..=max`.
    fn ranges(&mut self, max: u16, mut each: impl FnMut(u16, u16)) -> Option<()> {
        for _ in 0..self.read(12)? {
            let is_range = self.read(1)? == 1;
            let start = self.read(16)? as u16;
            let end = if is_range {
                self.read(16)? as u16
            } else {
                start
            };
            if start == 0 || end < start || end > max {
                return None;
            }
            each(start, end);
        }
        Some(())
    }

    /// NumPubRestrictions, then each PurposeId 6, RestrictionType 2 and its vendor ranges.
    fn publisher_restrictions(&mut self) -> Option<()> {
        for _ in 0..self.read(12)? {
            self.read(8)?;
            self.ranges(u16::MAX, |_, _| {})?;
        }
        Some(())
    }
}

/// The value of a URL-safe base64 character (`+` and `/` accepted too).
fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purposes(mask: u32) -> Vec<u32> {
        (0..24)
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| b + 1)
            .collect()
    }

    #[test]
    fn the_iabgpp_es_vector_decodes_field_by_field() {
        let tc = decode(
            b"CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA",
        )
        .unwrap();
        assert_eq!((tc.version, tc.policy_version, tc.cmp_id), (2, 5, 0));
        assert_eq!(tc.last_updated, 16_436_736_000);
        assert_eq!(purposes(tc.purposes_consent), [1, 3, 4, 5, 6]);
        assert_eq!(purposes(tc.purposes_li), [2]);
        let (consent, li) = tc.vendors.clone().unwrap();
        assert_eq!(consent, [11, 28, 29]);
        assert!(li.is_empty(), "{li:?}");
        let (pub_consent, pub_li) = tc.publisher.unwrap();
        assert_eq!(purposes(pub_consent), [1, 3, 4, 5, 6]);
        assert_eq!(purposes(pub_li), [2, 7]);
    }

    #[test]
    fn a_real_reject_has_no_purpose() {
        let tc = decode(b"CQEbF4AQEbF4AAHABBENBFFgAAAAAAAAAAAAAAAAAABigAMAAQU1GAAYAAgpqQAAwABBTUAA.YAAAAAAAAAAA")
            .unwrap();
        assert_eq!((tc.cmp_id, tc.policy_version), (7, 5));
        assert_eq!(tc.purposes_consent, 0);
        assert_eq!(tc.publisher, Some((0, 0)));
        let ids: Vec<Box<str>> = ["1", "8", "9"].into_iter().map(Into::into).collect();
        assert!(matches!(
            read(b"CQEbF4AQEbF4AAHABBENBFFgAAAAAAAAAAAAAAAAAABigAMAAQU1GAAYAAgpqQAAwABBTUAA.YAAAAAAAAAAA", &ids),
            SourceRead::Decided(Decision { granted: 0, outdated: false, .. })
        ));
    }

    #[test]
    fn publisher_purposes_rule_when_present_and_old_policies_are_outdated() {
        let ids: Vec<Box<str>> = ["1", "7", "2"].into_iter().map(Into::into).collect();
        let with_publisher =
            b"CPTtLAAPTtLAAAAAAAENABFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA";
        let SourceRead::Decided(decision) = read(with_publisher, &ids) else {
            panic!("decided");
        };
        // The iabgpp-es vector with VendorListVersion 1 (0 is Invalid).
        // Publisher consent [1,3,4,5,6]: of the ids asked, only purpose 1.
        assert_eq!(decision.granted, 0b001);
        assert!(!decision.outdated, "policy version 5");
        assert_eq!(decision.timestamp, Some(1_643_673_600));
        // The same core with TcfPolicyVersion 2 (TCF 2.0): the CMP must ask again.
        let old = b"CPTtLAAPTtLAAAAAAAENABCgALwAAEAAAAAAAOgAgABgAAAA";
        assert_eq!(decode(old).unwrap().policy_version, 2);
        assert!(matches!(read(old, &ids), SourceRead::Decided(d) if d.outdated));
        let core_only = b"CPTtLAAPTtLAAAAAAAENABFgALwAAEAAAAAAAOgAgABgAAAA";
        assert!(matches!(read(core_only, &ids), SourceRead::Decided(d) if d.granted == 0b001));
    }

    fn vendors(tc: &TcString) -> (Vec<u16>, Vec<u16>) {
        tc.vendors.clone().expect("whole vendor sections")
    }

    /// The IAB's Java reference decoder's vectors (iabtcf-java, TCStringV2Test).
    #[test]
    fn the_reference_decoders_vectors_decode_alike() {
        let tc = decode(b"COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA").unwrap();
        // 2020-01-26T17:01:00Z and 2021-02-02T17:01:00Z, in deciseconds.
        assert_eq!(
            (tc.created, tc.last_updated),
            (15_800_580_600, 16_122_852_600)
        );
        assert_eq!((tc.cmp_id, tc.cmp_version, tc.consent_screen), (675, 2, 1));
        assert_eq!((tc.vendor_list_version, tc.policy_version), (15, 2));
        assert_eq!((&tc.consent_language, &tc.publisher_cc), (b"EN", b"AA"));
        assert!(!tc.is_service_specific);
        assert_eq!(tc.special_feature_opt_ins, 0b1);
        assert_eq!(purposes(tc.purposes_consent), [2, 10]);
        assert_eq!(purposes(tc.purposes_li), [2, 9]);

        let tc = decode(
            b"COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA",
        )
        .unwrap();
        assert_eq!(purposes(tc.purposes_consent), [3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(
            vendors(&tc),
            (
                vec![23, 37, 47, 48, 53, 65, 98],
                vec![37, 47, 48, 53, 65, 98, 129]
            )
        );
        // Range-encoded vendor legitimate interest.
        let tc = decode(b"COv__-wOv__-wC2AAAENAPCgAAAAAAAAAAAAA_wAQA_gEBABAEAAAA").unwrap();
        assert_eq!(vendors(&tc).1, [128]);
        // Range-encoded vendor consent: two entries, then one range.
        let two = decode(b"COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw").unwrap();
        assert_eq!(vendors(&two).0, [702, 703]);
        let one = decode(b"COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAQFfgUbABAUaAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw").unwrap();
        assert_eq!(vendors(&one).0, [703]);
        let tc = decode(b"COwxsONOwxsONKpAAAENAdCAAMAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(&purposes(tc.purposes_consent)[..2], [1, 2]);
        // All four segments, the last padded with `=`: one publisher purpose.
        let tc = decode(b"COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA.cAAAAAAAITg=").unwrap();
        assert_eq!(purposes(tc.publisher.unwrap().0).len(), 1);
    }

    #[test]
    fn anything_else_is_invalid() {
        let ids: Vec<Box<str>> = vec!["1".into()];
        for bad in [
            &b""[..],
            b"CPTtLA",
            b"!!!",
            b"BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
            b".",
            b"CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.!",
            // Cut short inside the vendor consent section, and inside a PublisherTC segment.
            b"CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgAB",
            b"CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACE",
        ] {
            assert_eq!(
                read(bad, &ids),
                SourceRead::Invalid,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Independent decoders' suites (prebid/go-gdpr; GDPR::IAB::TCFv2's golden
    /// corpus and its verdicts on those strings cut short; iabgpp-rs's
    /// TCF EU v2 vectors): `tests/data/decoders/tcf.json`.
    #[test]
    fn independent_decoders_agree_on_every_string() {
        #[derive(serde::Deserialize)]
        struct Vector {
            suite: String,
            value: String,
            valid: bool,
            policy_version: Option<u8>,
            purposes: Option<Vec<u32>>,
            purposes_li: Option<Vec<u32>>,
            publisher: Option<Vec<u32>>,
            vendor_consents: Option<usize>,
        }
        let vectors: Vec<Vector> =
            serde_json::from_str(include_str!("../../tests/data/decoders/tcf.json")).unwrap();
        let (mut valid, mut invalid) = (0, 0);
        for v in &vectors {
            let context = format!("{} ({})", v.value, v.suite);
            let read = read(v.value.as_bytes(), &[]);
            assert_eq!(read != SourceRead::Invalid, v.valid, "{context}");
            if !v.valid {
                invalid += 1;
                continue;
            }
            valid += 1;
            let tc = decode(v.value.as_bytes()).unwrap();
            if let Some(version) = v.policy_version {
                assert_eq!(tc.policy_version, version, "{context}");
            }
            if let Some(expected) = &v.purposes {
                assert_eq!(&purposes(tc.purposes_consent), expected, "{context}");
            }
            if let Some(expected) = &v.purposes_li {
                assert_eq!(&purposes(tc.purposes_li), expected, "{context}");
            }
            if let Some(expected) = &v.publisher {
                let publisher = tc.publisher.map(|(consent, _)| purposes(consent));
                assert_eq!(publisher.as_ref(), Some(expected), "{context}");
            }
            if let Some(count) = v.vendor_consents {
                assert_eq!(vendors(&tc).0.len(), count, "{context}");
            }
        }
        assert!(
            valid > 150 && invalid > 200,
            "{valid} valid, {invalid} invalid"
        );
    }
}
