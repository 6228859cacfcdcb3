//! Signed consent cookies: a MAC the server alone can make, so no page
//! script can write a consent the server believes.
//!
//! A signed value is `TAG VALUE`: `TAG` is the standard, padded base64 (44
//! characters) of HMAC-SHA-256 under a key over the cookie's name, `=` and
//! `VALUE` — the layout of the `cookie` crate's signed cookies, with the name
//! inside the MAC so a tag cannot be moved onto another cookie. The first
//! key signs; every key verifies, so keys can be rotated.

use std::cell::RefCell;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::TARGET;

/// The length of the base64 tag in front of a signed value.
pub(crate) const TAG_LEN: usize = 44;

/// The fewest bytes a key may have: HMAC-SHA-256's own output size.
pub const MIN_KEY_LEN: usize = 32;

/// The keys that sign and verify the consent cookie: the first signs, all
/// verify. Cheap to clone; its `Debug` shows how many keys, never a key.
///
/// ```
/// # use cookie_consent_core::SigningKeys;
/// // What `CONSENT_KEYS` holds: comma-separated, each hex or base64, at least 32 bytes.
/// let keys = SigningKeys::parse(&format!("{},{}", "ab".repeat(32), "Q".repeat(44)))?;
/// assert_eq!(keys.len(), 2);
/// assert!(SigningKeys::parse("short").is_err());
/// # Ok::<(), cookie_consent_core::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKeys {
    inner: Arc<Keys>,
}

struct Keys {
    /// One MAC per key, keyed once (HMAC's inner and outer pads are computed).
    macs: Vec<Hmac<Sha256>>,
    /// Tells these keys apart in the memo of verified values.
    id: u64,
    /// When a bad tag was last logged (Unix seconds), to log once a minute.
    last_warning: AtomicI64,
}

/// Why keys were refused. Never holds a key's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No key at all.
    None,
    /// The key at this position (from 1) is neither hex nor base64.
    Unreadable(usize),
    /// The key at this position (from 1) has fewer than [`MIN_KEY_LEN`] bytes.
    TooShort(usize),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::None => write!(f, "no signing key given"),
            KeyError::Unreadable(n) => write!(f, "signing key {n} is neither hex nor base64"),
            KeyError::TooShort(n) => {
                write!(f, "signing key {n} has fewer than {MIN_KEY_LEN} bytes")
            }
        }
    }
}

impl std::error::Error for KeyError {}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("keys", &self.len())
            .finish()
    }
}

impl PartialEq for SigningKeys {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}

impl Eq for SigningKeys {}

impl SigningKeys {
    /// Keys from their bytes, the signing key first; each at least
    /// [`MIN_KEY_LEN`] bytes.
    pub fn new<I>(keys: I) -> Result<SigningKeys, KeyError>
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let mut macs = Vec::new();
        for (n, key) in keys.into_iter().enumerate() {
            let key = key.as_ref();
            if key.len() < MIN_KEY_LEN {
                return Err(KeyError::TooShort(n + 1));
            }
            macs.push(Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length"));
        }
        if macs.is_empty() {
            return Err(KeyError::None);
        }
        Ok(SigningKeys {
            inner: Arc::new(Keys {
                macs,
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                last_warning: AtomicI64::new(i64::MIN),
            }),
        })
    }

    /// Keys as `CONSENT_KEYS` holds them: comma-separated, each hex (an even
    /// number of hex digits) or else base64 (standard or URL-safe, padded or
    /// not), white space around each ignored.
    pub fn parse(text: &str) -> Result<SigningKeys, KeyError> {
        let mut keys = Vec::new();
        for (n, part) in text.split(',').enumerate() {
            let part = part.trim();
            if part.is_empty() && text.trim().is_empty() {
                break;
            }
            keys.push(decode_key(part).ok_or(KeyError::Unreadable(n + 1))?);
        }
        SigningKeys::new(keys)
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.inner.macs.len()
    }

    /// Always false: there is at least one key.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// `value` signed for the cookie `name` with the first key: the tag, then
    /// the value. What [`Policy::write_consent`](crate::Policy::write_consent)
    /// writes when signing; for tests, and for values made elsewhere.
    pub fn sign(&self, name: &str, value: &str) -> String {
        let mut mac = self.inner.macs[0].clone();
        mac.update(name.as_bytes());
        mac.update(b"=");
        mac.update(value.as_bytes());
        let mut signed = STANDARD.encode(mac.finalize().into_bytes());
        signed.push_str(value);
        signed
    }

    /// The value under the tag of `signed`, when some key made that tag for
    /// the cookie `name` over exactly these bytes; `None` otherwise.
    pub(crate) fn verify<'v>(&self, name: &[u8], signed: &'v [u8]) -> Option<&'v [u8]> {
        let (tag_text, value) = (signed.get(..TAG_LEN)?, &signed[TAG_LEN..]);
        if memo_holds(self.inner.id, name, signed) {
            return Some(value);
        }
        // The standard engine refuses a tag whose last character has stray bits,
        // so each tag has one spelling.
        let mut tag = [0u8; 33];
        let Ok(32) = STANDARD.decode_slice(tag_text, &mut tag) else {
            return None;
        };
        let good = self.inner.macs.iter().any(|mac| {
            let mut mac = mac.clone();
            mac.update(name);
            mac.update(b"=");
            mac.update(value);
            mac.verify_slice(&tag[..32]).is_ok()
        });
        if !good {
            return None;
        }
        memo_keep(self.inner.id, name, signed);
        Some(value)
    }

    /// Logs a consent cookie that failed verification, at most once a minute
    /// for these keys, never with its value.
    pub(crate) fn warn_unverified(&self, now: i64) {
        let last = self.inner.last_warning.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 60
            && self
                .inner
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: TARGET,
                "a consent cookie without a valid signature was read as invalid \
                 (a page script or another server wrote it, or the keys changed); \
                 logged at most once a minute"
            );
        }
    }
}

/// Logs, at most once a minute, that a policy says `sign = true` but the
/// application gave it no keys, so no consent verifies.
pub(crate) fn warn_keys_missing(now: i64) {
    static LAST: AtomicI64 = AtomicI64::new(i64::MIN);
    let last = LAST.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= 60
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            target: TARGET,
            "the policy says `[consent_cookie] sign = true` but no signing keys were given \
             (Policy::with_signing_keys, CONSENT_KEYS): every consent reads as invalid; \
             logged at most once a minute"
        );
    }
}

/// A key's bytes from hex, else base64.
fn decode_key(text: &str) -> Option<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    if !text.is_empty() && text.len().is_multiple_of(2) && text.bytes().all(|b| hex(b).is_some()) {
        let bytes = text.as_bytes();
        return Some(
            bytes
                .chunks(2)
                .map(|pair| hex(pair[0]).unwrap_or(0) << 4 | hex(pair[1]).unwrap_or(0))
                .collect(),
        );
    }
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// Signed values this thread has verified, so a visitor's consent is checked
/// by HMAC once per thread rather than on every request. A slot holds the
/// keys' id and the cookie's name and signed value; a hit needs all three
/// equal, compared in constant time ([`same_bytes`]).
const MEMO_SLOTS: usize = 64;

/// A slot: the keys' id, and the cookie's name followed by its signed value.
type Verified = Option<(u64, Box<[u8]>)>;

thread_local! {
    static MEMO: RefCell<Vec<Verified>> = const { RefCell::new(Vec::new()) };
}

/// The slot of a signed value: from its tag, which only a key makes, so the
/// values that share a slot are few.
fn memo_slot(signed: &[u8]) -> usize {
    let mut hash = 0usize;
    for &b in &signed[..8] {
        hash = hash.wrapping_mul(31).wrapping_add(usize::from(b));
    }
    hash % MEMO_SLOTS
}

fn memo_holds(id: u64, name: &[u8], signed: &[u8]) -> bool {
    MEMO.with(|memo| {
        let memo = memo.borrow();
        let Some(Some((held_id, held))) = memo.get(memo_slot(signed)) else {
            return false;
        };
        *held_id == id
            && held.len() == name.len() + signed.len()
            && same_bytes(&held[..name.len()], name) & same_bytes(&held[name.len()..], signed)
    })
}

/// Whether two slices of one length hold the same bytes, in time that
/// depends on their length only: every byte is compared, with no branch on
/// what it holds, so the time says nothing of where they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    // An OR of XORs: the compiler vectorises it and cannot stop early.
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |difference, (x, y)| difference | (x ^ y));
    std::hint::black_box(difference) == 0
}

fn memo_keep(id: u64, name: &[u8], signed: &[u8]) {
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.is_empty() {
            memo.resize(MEMO_SLOTS, None);
        }
        let held: Box<[u8]> = [name, signed].concat().into();
        memo[memo_slot(signed)] = Some((id, held));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(seeds: &[u8]) -> SigningKeys {
        SigningKeys::new(seeds.iter().map(|&s| [s; 32])).unwrap()
    }

    #[test]
    fn a_signed_value_verifies_only_as_written_for_its_name() {
        let (keys, value) = (keys(&[1]), "%7B%22categories%22%3A%7B%7D%7D");
        let signed = keys.sign("cookie-preferences", value);
        assert_eq!(signed.len(), TAG_LEN + value.len());
        let verified = keys.verify(b"cookie-preferences", signed.as_bytes());
        assert_eq!(verified, Some(value.as_bytes()));
        // Twice: the second answer comes from the memo, and must agree.
        assert_eq!(
            keys.verify(b"cookie-preferences", signed.as_bytes()),
            Some(value.as_bytes())
        );
        assert_eq!(keys.verify(b"other-name", signed.as_bytes()), None);
        let reencoded = signed.replace("%7B", "%7b");
        assert_eq!(
            keys.verify(b"cookie-preferences", reencoded.as_bytes()),
            None
        );
        assert_eq!(
            keys.verify(b"cookie-preferences", &signed.as_bytes()[..43]),
            None
        );
        let truncated_tag = format!("{}{value}", &signed[..40]);
        assert_eq!(
            keys.verify(b"cookie-preferences", truncated_tag.as_bytes()),
            None
        );
        assert_eq!(keys.verify(b"cookie-preferences", value.as_bytes()), None);
    }

    #[test]
    fn the_first_key_signs_and_every_key_verifies() {
        let (old, new, rotated) = (keys(&[1]), keys(&[2]), keys(&[2, 1]));
        let by_old = old.sign("c", "v");
        assert_eq!(new.verify(b"c", by_old.as_bytes()), None);
        assert_eq!(rotated.verify(b"c", by_old.as_bytes()), Some(&b"v"[..]));
        assert_eq!(rotated.sign("c", "v"), new.sign("c", "v"));
        // The memo is per keys: a value verified under one set is not taken under another.
        assert_eq!(old.verify(b"c", by_old.as_bytes()), Some(&b"v"[..]));
        assert_eq!(new.verify(b"c", by_old.as_bytes()), None);
    }

    #[test]
    fn a_tag_with_stray_bits_is_refused() {
        let keys = keys(&[3]);
        let signed = keys.sign("c", "v");
        // The 43rd character carries 2 bits of padding: change only those.
        let mut bytes = signed.into_bytes();
        let at = TAG_LEN - 2;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let index = alphabet.iter().position(|&c| c == bytes[at]).unwrap();
        bytes[at] = alphabet[index ^ 1];
        assert_eq!(keys.verify(b"c", &bytes), None);
    }

    #[test]
    fn keys_are_read_as_hex_or_base64_and_short_ones_refused() {
        assert_eq!(SigningKeys::parse(&"0f".repeat(32)).unwrap().len(), 1);
        let base64 = STANDARD.encode([9u8; 48]);
        let url = URL_SAFE_NO_PAD.encode([250u8; 40]);
        assert_eq!(
            SigningKeys::parse(&format!(" {base64} , {url}"))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            SigningKeys::parse(&"0f".repeat(31)).unwrap_err(),
            KeyError::TooShort(1)
        );
        assert_eq!(
            SigningKeys::parse(&format!("{},???", "0f".repeat(32))).unwrap_err(),
            KeyError::Unreadable(2)
        );
        assert_eq!(SigningKeys::parse("").unwrap_err(), KeyError::None);
        assert!(!format!("{:?}", SigningKeys::parse(&"0f".repeat(32)).unwrap()).contains("0f"));
    }
}
