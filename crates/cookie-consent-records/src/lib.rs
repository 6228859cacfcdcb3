//! Consent records: the [`ConsentStore`]s that keep proof of
//! every answer the consent endpoint writes, in the site's own database.
//!
//! - [`SqliteStore`] (feature `sqlite`, the default): a file, or memory.
//!   SQLite is built in; nothing to install.
//! - [`PostgresStore`] (feature `postgres`): one database for several app servers.
//!
//! Both create the `consent_records` table (and an index on `id`) when
//! absent, and answer an insert only once its transaction is committed.
//! Answers arriving together are committed together: one transaction, one
//! flush to disk, for however many are waiting, so recording does not
//! serialise the app behind the disk. Each store does its work on a thread
//! of its own, so it serves axum (tokio) and actix-web alike.
//!
//! A slow or hung database never piles up requests: at most
//! [`DEFAULT_QUEUE_LIMIT`] calls wait in the queue, besides the batch the
//! store's thread is on (at most 256); more fail at once. Each call fails
//! after [`DEFAULT_DEADLINE`] without an answer; the consent endpoint then
//! answers 503 and sets no cookie. Both are set per store (`deadline`,
//! `queue_limit`). A call that failed at its deadline may still be committed
//! when the database wakes: a record of an answer whose cookie was never set.
//!
//! ```no_run
//! use cookie_consent_core::Recording;
//!
//! let store = cookie_consent_records::open("sqlite:consent-records.db")?;
//! let recording = Recording::new(store);
//! // axum: ConsentEndpoint::new().recording(recording)
//! // actix: recorded_consent_endpoint(recording)
//! # Ok::<(), cookie_consent_records::OpenError>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "postgres")]
mod postgres;
mod queue;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;

pub use cookie_consent_core::{ConsentRecord, ConsentStore, RecordQuery, StoreError, StoreFuture};
pub use queue::{DEFAULT_DEADLINE, DEFAULT_QUEUE_LIMIT};

#[cfg(feature = "postgres")]
pub use crate::postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use crate::sqlite::SqliteStore;

/// The `consent_records` table, and the index records are looked up by.
/// A table of 0.1 lacks `scripted`: each store adds it ([`SCRIPTED_COLUMN`]).
pub const SCHEMA: &str = "\
CREATE TABLE IF NOT EXISTS consent_records (
  id TEXT NOT NULL, recorded_at TEXT NOT NULL, action TEXT NOT NULL, granted TEXT NOT NULL,
  revision INTEGER NOT NULL, policy_digest TEXT NOT NULL, user_agent TEXT NOT NULL, ip TEXT NOT NULL,
  scripted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS consent_records_id ON consent_records (id);
";

/// The migration of a table made by 0.1, which has no `scripted` column:
/// its records were all forms the visitor submitted, so they read false.
pub const SCRIPTED_COLUMN: &str =
    "ALTER TABLE consent_records ADD COLUMN scripted BOOLEAN NOT NULL DEFAULT FALSE";

/// A store named by a URL, as `CONSENT_RECORDS` and `cookie-consent records
/// export --store` take it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Store {
    /// `sqlite:PATH` or `sqlite::memory:`.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    /// `postgres://…` or `postgresql://…`.
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore),
}

/// Opens the store a URL names: `sqlite::memory:`, `sqlite:PATH` (the file
/// is created when absent) or `postgres://USER@HOST:PORT/DB` (connected on
/// first use, and again after a failure).
pub fn open(url: &str) -> Result<Store, OpenError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        #[cfg(feature = "sqlite")]
        return if path == ":memory:" {
            SqliteStore::in_memory()
        } else {
            SqliteStore::open(path.strip_prefix("//").unwrap_or(path))
        }
        .map(Store::Sqlite);
        #[cfg(not(feature = "sqlite"))]
        return Err(OpenError::new(url, "built without the `sqlite` feature"));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return PostgresStore::new(url).map(Store::Postgres);
        #[cfg(not(feature = "postgres"))]
        return Err(OpenError::new(url, "built without the `postgres` feature"));
    }
    Err(OpenError::new(
        url,
        "not a store: use sqlite::memory:, sqlite:PATH or postgres://…",
    ))
}

impl ConsentStore for Store {
    fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()> {
        match self {
            #[cfg(feature = "sqlite")]
            Store::Sqlite(store) => store.insert(record),
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.insert(record),
        }
    }

    fn select<'a>(&'a self, query: &'a RecordQuery) -> StoreFuture<'a, Vec<ConsentRecord>> {
        match self {
            #[cfg(feature = "sqlite")]
            Store::Sqlite(store) => store.select(query),
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.select(query),
        }
    }
}

/// A store URL that cannot be opened, and why.
#[derive(Debug)]
pub struct OpenError {
    /// The URL, its password hidden.
    url: String,
    message: String,
}

impl OpenError {
    fn new(url: &str, message: impl fmt::Display) -> OpenError {
        OpenError {
            url: without_password(url),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "consent records `{}`: {}", self.url, self.message)
    }
}

impl std::error::Error for OpenError {}

/// `scheme://user:password@host…` with the password replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            without_password("postgres://app:s3cret@db:5432/site"),
            "postgres://app:***@db:5432/site"
        );
        assert_eq!(
            without_password("postgres://app@db/site"),
            "postgres://app@db/site"
        );
        assert_eq!(without_password("sqlite:x.db"), "sqlite:x.db");
    }

    #[test]
    fn unknown_urls_are_refused_with_the_forms_that_work() {
        let error = open("mysql://db/site").unwrap_err().to_string();
        assert!(error.contains("sqlite:PATH"), "{error}");
    }
}
