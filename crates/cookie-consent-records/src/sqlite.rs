//! [`SqliteStore`]: consent records in a SQLite file, or in memory.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cookie_consent_core::{ConsentRecord, ConsentStore, RecordQuery, StoreFuture};
use rusqlite::{params, Connection, TransactionBehavior};
use tokio::sync::mpsc;

use crate::queue::{answer_batch, take_batch, Job, Queue};
use crate::{OpenError, DEFAULT_DEADLINE, SCHEMA, SCRIPTED_COLUMN};

/// Consent records in SQLite: a file (several processes may share it), or
/// memory (gone with the process: for demos and tests). One connection on a
/// thread of its own; the answers waiting together commit in one
/// transaction, in SQLite's rollback-journal mode with `synchronous = FULL`:
/// committed means on disk.
#[derive(Debug)]
pub struct SqliteStore {
    queue: Queue,
    path: Option<PathBuf>,
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path`, creating the table when absent.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, OpenError> {
        let path = path.as_ref().to_owned();
        let url = format!("sqlite:{}", path.display());
        let opened = path.clone();
        SqliteStore::start(&url, Some(path), move || Connection::open(opened))
    }

    /// A database in memory.
    pub fn in_memory() -> Result<SqliteStore, OpenError> {
        SqliteStore::start("sqlite::memory:", None, Connection::open_in_memory)
    }

    /// The database file; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How long a call waits for its answer before it fails (the consent
    /// endpoint then answers 503): [`DEFAULT_DEADLINE`](crate::DEFAULT_DEADLINE) unless set.
    pub fn deadline(mut self, deadline: Duration) -> SqliteStore {
        self.queue.set_deadline(deadline);
        self
    }

    /// How many calls may wait at once; more fail at once:
    /// [`DEFAULT_QUEUE_LIMIT`](crate::DEFAULT_QUEUE_LIMIT) unless set.
    pub fn queue_limit(mut self, limit: usize) -> SqliteStore {
        self.queue.set_limit(limit);
        self
    }

    fn start(
        url: &str,
        path: Option<PathBuf>,
        connect: impl FnOnce() -> rusqlite::Result<Connection> + Send + 'static,
    ) -> Result<SqliteStore, OpenError> {
        let (queue, receiver) = Queue::new();
        let (ready, opened) = std_mpsc::channel();
        let thread = thread::Builder::new()
            .name("consent-records-sqlite".into())
            .spawn(move || match connect().and_then(prepare) {
                Ok(connection) => {
                    let _ = ready.send(Ok(()));
                    serve(connection, receiver);
                }
                Err(error) => {
                    let _ = ready.send(Err(error.to_string()));
                }
            });
        thread.map_err(|error| OpenError::new(url, error))?;
        match opened.recv() {
            Ok(Ok(())) => Ok(SqliteStore { queue, path }),
            Ok(Err(message)) => Err(OpenError::new(url, message)),
            Err(_) => Err(OpenError::new(
                url,
                "the store's thread stopped while opening",
            )),
        }
    }
}

impl ConsentStore for SqliteStore {
    fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()> {
        self.queue.insert(record)
    }

    fn select<'a>(&'a self, query: &'a RecordQuery) -> StoreFuture<'a, Vec<ConsentRecord>> {
        self.queue.select(query)
    }
}

/// Durable commits, a wait rather than an error when another process holds
/// the lock, and the table.
fn prepare(connection: Connection) -> rusqlite::Result<Connection> {
    connection.busy_timeout(DEFAULT_DEADLINE)?;
    // The journal beside the file, not a write-ahead log: a commit writes the
    // database file itself, so a file that cannot be written fails the commit.
    connection.pragma_update(None, "journal_mode", "DELETE")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.execute_batch(SCHEMA)?;
    let has_scripted: bool = connection.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('consent_records') WHERE name = 'scripted'",
        [],
        |row| row.get(0),
    )?;
    if !has_scripted {
        connection.execute_batch(SCRIPTED_COLUMN)?;
    }
    Ok(connection)
}

/// The store's thread: until the store is dropped, commit what waits, then
/// read. A lock held by another process is waited for up to the deadline.
fn serve(mut connection: Connection, mut receiver: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = receiver.blocking_recv() {
        let batch = take_batch(first, &mut receiver);
        if !batch.inserts.is_empty() {
            let _ = connection.busy_timeout(left(batch.inserts_deadline));
            let records = batch.inserts.iter().map(|(record, _)| record);
            let result = insert_all(&mut connection, records).map_err(|error| error.to_string());
            answer_batch(batch.inserts, &result);
        }
        for ((query, reply), deadline) in batch.reads {
            let _ = connection.busy_timeout(left(deadline));
            let _ = reply.send(select(&connection, &query).map_err(|e| e.to_string()));
        }
    }
}

/// The time until `deadline`.
fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

fn insert_all<'r>(
    connection: &mut Connection,
    records: impl Iterator<Item = &'r ConsentRecord>,
) -> rusqlite::Result<()> {
    // Dropped without a commit, the transaction rolls back.
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = transaction.prepare(
            "INSERT INTO consent_records \
             (id, recorded_at, action, granted, revision, policy_digest, user_agent, ip, scripted) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for r in records {
            insert.execute(params![
                r.id,
                r.recorded_at,
                r.action,
                r.granted,
                r.revision,
                r.policy_digest,
                r.user_agent,
                r.ip,
                r.scripted
            ])?;
        }
    }
    transaction.commit()
}

fn select(connection: &Connection, query: &RecordQuery) -> rusqlite::Result<Vec<ConsentRecord>> {
    let mut statement = connection.prepare(
        "SELECT id, recorded_at, action, granted, revision, policy_digest, user_agent, ip, scripted \
         FROM consent_records \
         WHERE (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR recorded_at >= ?2) \
         ORDER BY recorded_at, rowid",
    )?;
    let rows = statement.query_map(params![query.id_filter(), query.since_filter()], |row| {
        Ok(ConsentRecord {
            id: row.get(0)?,
            recorded_at: row.get(1)?,
            action: row.get(2)?,
            granted: row.get(3)?,
            revision: row.get(4)?,
            policy_digest: row.get(5)?,
            user_agent: row.get(6)?,
            ip: row.get(7)?,
            scripted: row.get(8)?,
        })
    })?;
    rows.collect()
}
