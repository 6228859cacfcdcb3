//! The consent id: a random 128-bit name for one browser's consent (§3).

use std::fmt;

/// The random identifier a consent cookie carries (`id`), keying its consent
/// records: 128 bits from the operating system, written as 32 lower-case hex
/// digits. Written on a browser's first answer and carried over by its later
/// ones.
///
/// ```
/// # use cookie_consent_core::ConsentId;
/// let id = ConsentId::random().expect("the OS has randomness to give");
/// let text = id.to_string();
/// assert_eq!(text.len(), 32);
/// assert_eq!(ConsentId::parse(&text), Some(id));
/// assert_eq!(ConsentId::parse("not an id"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentId([u8; 16]);

impl ConsentId {
    /// A fresh id from the operating system's random source; `None` only when
    /// the system has none to give (the caller then writes no consent).
    pub fn random() -> Option<ConsentId> {
        let mut bytes = [0; 16];
        getrandom::fill(&mut bytes).ok()?;
        Some(ConsentId(bytes))
    }

    /// Reads an id as [`Display`](fmt::Display) writes it: exactly 32
    /// lower-case hex digits. Anything else is not an id this library wrote.
    pub fn parse(text: &str) -> Option<ConsentId> {
        let text = text.as_bytes();
        if text.len() != 32 {
            return None;
        }
        let mut bytes = [0; 16];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Some(ConsentId(bytes))
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConsentId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_read_back() {
        let a = ConsentId::random().unwrap();
        let b = ConsentId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(ConsentId::parse(&a.to_string()), Some(a));
        let text = a.to_string();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        for bad in [
            "",
            "0",
            &text.to_uppercase(),
            &format!("{text}0"),
            &text[1..],
            "g".repeat(32).as_str(),
        ] {
            if bad != text {
                assert_eq!(ConsentId::parse(bad), None, "{bad}");
            }
        }
    }
}
