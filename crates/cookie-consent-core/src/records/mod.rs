//! Consent records: proof of every answer the consent endpoint writes.
//!
//! GDPR art. 7(1) asks a site to show that a visitor consented. The consent
//! endpoint ([`Policy::answer_consent_post_recorded`]) records each answer in
//! a [`ConsentStore`] before the answer leaves; a store that cannot take it
//! means no consent is written either. The stores themselves (SQLite,
//! PostgreSQL) live in the `cookie-consent-records` crate: nothing here
//! depends on a database.
//!
//! [`Policy::answer_consent_post_recorded`]: crate::Policy::answer_consent_post_recorded

mod client;
mod id;

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub(crate) use self::client::{forwarded_ip, user_agent};
pub use self::client::{truncated_ip, USER_AGENT_LIMIT};
pub use self::id::ConsentId;
use crate::TARGET;

/// One recorded answer: a row of the `consent_records` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The consent id ([`ConsentId`]) the answer was written under.
    pub id: String,
    /// When it was recorded: RFC 3339 in UTC with microseconds
    /// (`2026-11-30T09:15:02.123456Z`), so text order is time order.
    pub recorded_at: String,
    /// The form's action: `accept-all`, `reject-optional`, `save` or `reset`.
    pub action: String,
    /// The categories the written consent grants, in policy order,
    /// comma-joined, `essential` included; empty for `reset` (no consent stands).
    pub granted: String,
    /// The policy revision the answer was given to.
    pub revision: i64,
    /// Hex SHA-256 of the policy file's text ([`Policy::digest`](crate::Policy::digest)).
    pub policy_digest: String,
    /// `User-Agent`, at most [`USER_AGENT_LIMIT`] bytes.
    pub user_agent: String,
    /// The client's address, truncated ([`truncated_ip`]); empty when unknown.
    pub ip: String,
    /// Whether the browser marked the write as a script's, taken because the
    /// endpoint allows scripted writes (a JavaScript banner); false for a
    /// form the visitor submitted. Records written before this field read false.
    #[serde(default)]
    pub scripted: bool,
}

/// Which records to read back: all, one consent id's, and/or those recorded
/// since a moment; oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordQuery {
    id: Option<String>,
    since: Option<String>,
}

impl RecordQuery {
    /// Every record.
    pub fn all() -> RecordQuery {
        RecordQuery::default()
    }

    /// Only the records of this consent id.
    pub fn id(mut self, id: impl Into<String>) -> RecordQuery {
        self.id = Some(id.into());
        self
    }

    /// Only records from `since` on: a date (`2026-11-01`, its midnight UTC)
    /// or an RFC 3339 time. `None` when it is neither.
    pub fn since(mut self, since: &str) -> Option<RecordQuery> {
        self.since = Some(since_text(since)?);
        Some(self)
    }

    /// The consent id asked for.
    pub fn id_filter(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The earliest `recorded_at` asked for, in the records' own format (so
    /// a store compares it as text).
    pub fn since_filter(&self) -> Option<&str> {
        self.since.as_deref()
    }

    /// Whether `record` is one of those asked for (for stores that filter in memory).
    pub fn matches(&self, record: &ConsentRecord) -> bool {
        self.id.as_ref().is_none_or(|id| *id == record.id)
            && self
                .since
                .as_ref()
                .is_none_or(|since| record.recorded_at >= *since)
    }
}

/// A store's failure: the database is down, the disk full, the file read-only.
#[derive(Debug)]
pub struct StoreError(Box<dyn Error + Send + Sync>);

impl StoreError {
    /// Wraps the cause.
    pub fn new(cause: impl Into<Box<dyn Error + Send + Sync>>) -> StoreError {
        StoreError(cause.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "consent store: {}", self.0)
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

/// What a store's calls return: a future any executor can drive.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where consent records go. `cookie-consent-records` has SQLite and
/// PostgreSQL; a site can bring its own.
pub trait ConsentStore: Send + Sync + fmt::Debug {
    /// Stores `record`. `Ok` only once it is durable (committed): the consent
    /// endpoint answers right after.
    fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()>;

    /// The records `query` asks for, oldest first.
    fn select<'a>(&'a self, query: &'a RecordQuery) -> StoreFuture<'a, Vec<ConsentRecord>>;
}

/// How the consent endpoint records answers: the store, and where the
/// client's address comes from (the connection's peer, or a header a trusted
/// proxy in front sets). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Recording {
    inner: Arc<RecordingInner>,
}

#[derive(Debug)]
struct RecordingInner {
    store: Arc<dyn ConsentStore>,
    forwarded_header: Option<String>,
    /// Unix seconds of the last failure logged (`i64::MIN`: none yet).
    last_logged: AtomicI64,
    /// Failures since then, not logged.
    unlogged: AtomicU64,
}

impl Recording {
    /// Records into `store`, taking the client's address from the connection.
    pub fn new(store: impl ConsentStore + 'static) -> Recording {
        Recording::from_arc(Arc::new(store))
    }

    /// [`new`](Self::new) for a store already shared.
    pub fn from_arc(store: Arc<dyn ConsentStore>) -> Recording {
        Recording {
            inner: Arc::new(RecordingInner {
                store,
                forwarded_header: None,
                last_logged: AtomicI64::new(i64::MIN),
                unlogged: AtomicU64::new(0),
            }),
        }
    }

    /// Takes the client's address from this header (`X-Forwarded-For`,
    /// `X-Real-IP`, `Forwarded`, …), its last entry: the one the proxy in
    /// front appended. Only behind such a proxy: a client sets any header it likes.
    pub fn trust_forwarded_header(self, name: &str) -> Recording {
        let inner = &self.inner;
        Recording {
            inner: Arc::new(RecordingInner {
                store: inner.store.clone(),
                forwarded_header: Some(name.to_ascii_lowercase()),
                last_logged: AtomicI64::new(i64::MIN),
                unlogged: AtomicU64::new(0),
            }),
        }
    }

    /// The trusted forwarding header's name (lower case), if one is set.
    pub fn forwarded_header(&self) -> Option<&str> {
        self.inner.forwarded_header.as_deref()
    }

    /// The store.
    pub fn store(&self) -> &dyn ConsentStore {
        &*self.inner.store
    }

    /// Logs a store failure, at most once a minute (a database that is down
    /// fails every answer): the cause, and how many failed unlogged since.
    pub(crate) fn log_failure(&self, error: &dyn fmt::Display, now: i64) {
        let inner = &self.inner;
        let last = inner.last_logged.load(Ordering::Relaxed);
        let due = last == i64::MIN || now.saturating_sub(last) >= 60;
        if due
            && inner
                .last_logged
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let unlogged = inner.unlogged.swap(0, Ordering::Relaxed);
            tracing::error!(
                target: TARGET,
                %error,
                unlogged_failures = unlogged,
                "a consent answer could not be recorded: answered 503 and wrote no consent \
                 (logged at most once a minute)"
            );
        } else {
            inner.unlogged.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// `recorded_at` for a moment: RFC 3339, UTC, microseconds.
pub(crate) fn recorded_at_text(moment: time::OffsetDateTime) -> String {
    let utc = moment.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    )
}

/// `--since` text (a date or an RFC 3339 time) in the records' own format.
fn since_text(since: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let since = since.trim();
    if let Ok(moment) = time::OffsetDateTime::parse(since, &Rfc3339) {
        return Some(recorded_at_text(moment));
    }
    let date = format!("{since}T00:00:00Z");
    (since.len() == 10)
        .then(|| time::OffsetDateTime::parse(&date, &Rfc3339).ok())
        .flatten()
        .map(recorded_at_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_at_sorts_as_time() {
        let at = |unix: i64, nanos: i64| {
            recorded_at_text(
                time::OffsetDateTime::from_unix_timestamp(unix).unwrap()
                    + time::Duration::nanoseconds(nanos),
            )
        };
        assert_eq!(
            at(1_764_494_102, 123_456_000),
            "2025-11-30T09:15:02.123456Z"
        );
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert!(at(1, 0) > at(0, 999_999_000));
    }

    #[derive(Debug)]
    struct Down;

    impl ConsentStore for Down {
        fn insert(&self, _: ConsentRecord) -> StoreFuture<'_, ()> {
            Box::pin(async { Err(StoreError::new("down")) })
        }
        fn select<'a>(&'a self, _: &'a RecordQuery) -> StoreFuture<'a, Vec<ConsentRecord>> {
            Box::pin(async { Err(StoreError::new("down")) })
        }
    }

    #[test]
    fn a_failing_store_is_logged_at_most_once_a_minute() {
        let recording = Recording::new(Down);
        let logged = |r: &Recording| {
            let inner = &r.inner;
            (
                inner.last_logged.load(Ordering::Relaxed),
                inner.unlogged.load(Ordering::Relaxed),
            )
        };
        recording.log_failure(&"down", 1_000);
        assert_eq!(
            logged(&recording),
            (1_000, 0),
            "the first failure is logged"
        );
        recording.log_failure(&"down", 1_030);
        recording.log_failure(&"down", 1_059);
        assert_eq!(logged(&recording), (1_000, 2), "then counted, not logged");
        recording.log_failure(&"down", 1_060);
        assert_eq!(
            logged(&recording),
            (1_060, 0),
            "a minute on, logged with the count"
        );
        let behind_proxy = recording.trust_forwarded_header("X-Real-IP");
        assert_eq!(behind_proxy.forwarded_header(), Some("x-real-ip"));
    }

    #[test]
    fn since_takes_a_date_or_a_time() {
        let query = |s: &str| RecordQuery::all().since(s).map(|q| q.since);
        assert_eq!(
            query("2026-11-01"),
            Some(Some("2026-11-01T00:00:00.000000Z".into()))
        );
        assert_eq!(
            query("2026-11-01T10:00:00+01:00"),
            Some(Some("2026-11-01T09:00:00.000000Z".into()))
        );
        assert_eq!(query("yesterday"), None);
        assert_eq!(query("2026-13-01"), None);
        let record = ConsentRecord {
            id: "a".into(),
            recorded_at: "2026-11-01T00:00:00.000001Z".into(),
            action: "accept-all".into(),
            granted: String::new(),
            revision: 0,
            policy_digest: String::new(),
            user_agent: String::new(),
            ip: String::new(),
            scripted: false,
        };
        assert!(RecordQuery::all()
            .since("2026-11-01")
            .unwrap()
            .matches(&record));
        assert!(!RecordQuery::all()
            .since("2026-11-02")
            .unwrap()
            .matches(&record));
        assert!(!RecordQuery::all().id("b").matches(&record));
    }
}
