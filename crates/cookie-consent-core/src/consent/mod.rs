//! The visitor's consent, read once per request.
//!
//! [`Policy::read_consent`] reads every `cookie-preferences` cookie of the
//! request and the browser's privacy signals into a [`Consent`]: one of five
//! [`ConsentState`]s and the set of granted categories.

mod common_form;
mod read;
mod record;
mod state;
mod value;
mod write;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::category::CategorySet;
use crate::policy::Policy;

pub(crate) use state::Reading;
pub use write::ConsentChoice;

/// The common-form reader alone (the fuzz targets hold it to the general one).
#[cfg(fuzzing)]
pub(crate) fn common_form_read(
    raw: &[u8],
    categories: &[crate::Category],
) -> Option<record::Record> {
    common_form::read(raw, categories)
}

/// The general reader alone: percent-decoding and serde_json.
#[cfg(fuzzing)]
pub(crate) fn general_read(raw: &[u8], categories: &[crate::Category]) -> Option<record::Record> {
    value::parse_json(raw, categories)
}

/// Where the visitor's consent stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConsentState {
    /// No consent cookie.
    Missing,
    /// Parsed, current and not expired.
    Valid,
    /// Given to an older policy revision.
    Outdated,
    /// Older than `consent_max_age_days`, or undated while a maximum age is set.
    Expired,
    /// Malformed, or dated more than a day in the future.
    Invalid,
}

impl ConsentState {
    /// The state's name: `missing`, `valid`, `outdated`, `expired` or `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Missing => "missing",
            ConsentState::Valid => "valid",
            ConsentState::Outdated => "outdated",
            ConsentState::Expired => "expired",
            ConsentState::Invalid => "invalid",
        }
    }

    /// How bad a state is, to pick the worst of several consent cookies.
    fn severity(self) -> u8 {
        match self {
            ConsentState::Missing | ConsentState::Valid => 0,
            ConsentState::Outdated => 1,
            ConsentState::Expired => 2,
            ConsentState::Invalid => 3,
        }
    }
}

/// The browser's privacy signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Signals {
    /// `Sec-GPC: 1` (Global Privacy Control).
    pub gpc: bool,
    /// `DNT: 1` (Do Not Track); counts only when the policy sets `honor_dnt`.
    pub dnt: bool,
}

impl Signals {
    /// Reads the signals from every `Sec-GPC` and `DNT` header value: a header
    /// counts when its value is exactly `1` after trimming white space.
    pub fn from_headers<G, D>(sec_gpc: G, dnt: D) -> Signals
    where
        G: IntoIterator<Item: AsRef<[u8]>>,
        D: IntoIterator<Item: AsRef<[u8]>>,
    {
        let is_one = |value: &[u8]| value.trim_ascii() == b"1";
        Signals {
            gpc: sec_gpc.into_iter().any(|v| is_one(v.as_ref())),
            dnt: dnt.into_iter().any(|v| is_one(v.as_ref())),
        }
    }
}

/// One request's consent: its state, what it grants, and the signals.
///
/// Cheap to clone (it holds its [`Policy`] by reference count); the adapters put
/// it in the request's extensions, and handlers ask it what to render.
#[derive(Clone)]
pub struct Consent {
    pub(crate) policy: Policy,
    pub(crate) state: ConsentState,
    /// What the state table grants, before signals.
    pub(crate) recorded: CategorySet,
    granted: CategorySet,
    pub(crate) signals: Signals,
    /// Whether the state, not the visitor's choice, limited grants to essential.
    pub(crate) capped: bool,
    /// The categories of the declared cookies the request carries: when the
    /// consent in force grants them all, there is nothing to purge.
    present: CategorySet,
    /// The source that decided; `None` while the state is Missing.
    pub(crate) source: Option<Decider>,
    /// Set when the application asks what this consent grants: its response
    /// then depends on consent and must `Vary`. Shared by every clone.
    read: Option<Arc<AtomicBool>>,
}

impl std::fmt::Debug for Consent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let granted: Vec<&str> = self
            .granted
            .indices()
            .map(|i| self.policy.inner.category_id(i))
            .collect();
        f.debug_struct("Consent")
            .field("state", &self.state)
            .field("granted", &granted)
            .field("signals", &self.signals)
            .finish()
    }
}

impl Consent {
    /// The state of the consent.
    pub fn state(&self) -> ConsentState {
        self.note_read();
        self.state
    }

    /// Whether the banner should ask: the state is anything but [`ConsentState::Valid`].
    pub fn needs_prompt(&self) -> bool {
        self.state() != ConsentState::Valid
    }

    /// Whether the category with this id is granted (`essential` always is;
    /// ids the policy does not know never are).
    pub fn allows(&self, category: &str) -> bool {
        self.note_read();
        self.allows_quietly(category)
    }

    /// The granted category ids, in policy order.
    pub fn granted(&self) -> impl Iterator<Item = &str> {
        self.note_read();
        self.granted
            .indices()
            .map(|i| self.policy.categories()[i].id.as_str())
    }

    /// The granted categories as a set of policy indices.
    pub fn granted_set(&self) -> CategorySet {
        self.note_read();
        self.granted
    }

    /// The privacy signals the request carried.
    pub fn signals(&self) -> Signals {
        self.note_read();
        self.signals
    }

    /// The consent source that decided: its format's id, such as
    /// `cookie-consent`, `cookiebot` or `onetrust`; `None` while the state is
    /// [`ConsentState::Missing`].
    pub fn source(&self) -> Option<&str> {
        self.note_read();
        match self.source? {
            Decider::OwnCookie => Some("cookie-consent"),
            Decider::Source(index) => Some(self.policy.inner.sources[index].format.id()),
        }
    }

    /// Makes this consent, and every clone of it made from now on, note when
    /// the application asks what it grants ([`state`](Self::state),
    /// [`allows`](Self::allows), …), so that the response review adds `Vary`:
    /// a page rendered from consent must not be served from a shared cache to
    /// a visitor without it. Adapters call this before handing the consent to
    /// handlers; it costs one small allocation.
    pub fn watch_reads(&mut self) {
        self.read = Some(Arc::default());
    }

    /// Whether the application asked what a watched consent grants.
    #[inline]
    pub fn was_read(&self) -> bool {
        self.read
            .as_deref()
            .is_some_and(|read| read.load(Ordering::Relaxed))
    }

    fn note_read(&self) {
        if let Some(read) = &self.read {
            read.store(true, Ordering::Relaxed);
        }
    }

    /// [`allows`](Self::allows), unnoted: for the library's own decisions.
    fn allows_quietly(&self, category: &str) -> bool {
        self.policy
            .category_index(category)
            .is_some_and(|i| self.granted.contains(i))
    }

    /// The state, unnoted.
    pub(crate) fn state_quietly(&self) -> ConsentState {
        self.state
    }

    /// The granted set, unnoted.
    pub(crate) fn granted_quietly(&self) -> CategorySet {
        self.granted
    }

    /// The signals, unnoted.
    pub(crate) fn signals_quietly(&self) -> Signals {
        self.signals
    }

    /// The policy this consent was read against.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The categories of the declared cookies the request carries.
    pub(crate) fn present(&self) -> CategorySet {
        self.present
    }

    /// Whether the category at `index` of `policy` is granted; a consent read
    /// against another policy (nested layers) is matched by category id.
    pub(crate) fn grants_index(&self, policy: &Policy, index: usize) -> bool {
        if policy.same_as(&self.policy) {
            self.granted.contains(index)
        } else {
            index == 0 || self.allows_quietly(&policy.categories()[index].id)
        }
    }
}

/// Which source decided a consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decider {
    /// The policy's own consent cookie, the one source of a policy without `[[consent_sources]]`.
    OwnCookie,
    /// The policy's consent source at this index.
    Source(usize),
}

#[cfg(test)]
mod tests;
