//! [`PostgresStore`]: consent records in PostgreSQL, for several app servers.

use std::fmt::Write as _;
use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

use cookie_consent_core::{ConsentRecord, ConsentStore, RecordQuery, StoreFuture};
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls};

use crate::queue::{answer_batch, take_batch, Job, Queue};
use crate::{without_password, OpenError, SCHEMA, SCRIPTED_COLUMN};

/// The advisory lock held while the table is created: "cookiere" in ASCII.
const SCHEMA_LOCK: i64 = 0x636f_6f6b_6965_7265;

/// How long one connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Consent records in PostgreSQL. One connection, made on first use and
/// again after any failure, on a thread of its own; the answers waiting
/// together go in one `INSERT`, committed before any of them is answered.
/// No TLS: reach the database over loopback or a private network.
#[derive(Debug)]
pub struct PostgresStore {
    queue: Queue,
}

impl PostgresStore {
    /// A store for the database at `url` (`postgres://USER[:PASSWORD]@HOST:PORT/DB`,
    /// or any form libpq takes). Only the URL is checked here: the database
    /// may be down when the app starts; answers then get 503 until it is up.
    pub fn new(url: &str) -> Result<PostgresStore, OpenError> {
        let mut config: Config = url.parse().map_err(|e| OpenError::new(url, e))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| OpenError::new(url, e))?;
        let (queue, receiver) = Queue::new();
        let label = without_password(url);
        thread::Builder::new()
            .name("consent-records-postgres".into())
            .spawn(move || runtime.block_on(serve(config, label, receiver)))
            .map_err(|e| OpenError::new(url, e))?;
        Ok(PostgresStore { queue })
    }

    /// How long a call waits for its answer before it fails (the consent
    /// endpoint then answers 503): [`DEFAULT_DEADLINE`](crate::DEFAULT_DEADLINE) unless set.
    pub fn deadline(mut self, deadline: Duration) -> PostgresStore {
        self.queue.set_deadline(deadline);
        self
    }

    /// How many calls may wait at once; more fail at once:
    /// [`DEFAULT_QUEUE_LIMIT`](crate::DEFAULT_QUEUE_LIMIT) unless set.
    pub fn queue_limit(mut self, limit: usize) -> PostgresStore {
        self.queue.set_limit(limit);
        self
    }
}

impl ConsentStore for PostgresStore {
    fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()> {
        self.queue.insert(record)
    }

    fn select<'a>(&'a self, query: &'a RecordQuery) -> StoreFuture<'a, Vec<ConsentRecord>> {
        self.queue.select(query)
    }
}

/// The store's thread: until the store is dropped, commit what waits, then
/// read, each within the time its callers wait.
async fn serve(config: Config, label: String, mut receiver: mpsc::UnboundedReceiver<Job>) {
    let mut client = None;
    while let Some(first) = receiver.recv().await {
        let batch = take_batch(first, &mut receiver);
        if !batch.inserts.is_empty() {
            let records: Vec<&ConsentRecord> =
                batch.inserts.iter().map(|(record, _)| record).collect();
            let result = until(batch.inserts_deadline, async {
                let connected = connected(&mut client, &config, &label).await?;
                insert_all(connected, &records).await
            })
            .await;
            if result.is_err() {
                client = None; // reconnect next time
            }
            answer_batch(batch.inserts, &result);
        }
        for ((query, reply), deadline) in batch.reads {
            let result = until(deadline, async {
                let connected = connected(&mut client, &config, &label).await?;
                select(connected, &query).await
            })
            .await;
            if result.is_err() {
                client = None;
            }
            let _ = reply.send(result);
        }
    }
}

async fn until<T>(
    deadline: Instant,
    work: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout_at(deadline.into(), work)
        .await
        .unwrap_or_else(|_| Err("no answer from PostgreSQL in time".to_owned()))
}

/// The open connection, or a new one (the table created when absent).
async fn connected<'c>(
    client: &'c mut Option<Client>,
    config: &Config,
    label: &str,
) -> Result<&'c Client, String> {
    if client.as_ref().is_some_and(Client::is_closed) {
        *client = None;
    }
    if client.is_none() {
        let (new, connection) = config
            .connect(NoTls)
            .await
            .map_err(|e| format!("{label}: {}", with_causes(&e)))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(target: cookie_consent_core::TARGET, %error, "consent records: connection closed");
            }
        });
        // Servers starting together would race to create the table (`IF NOT
        // EXISTS` is not atomic in PostgreSQL): one at a time, under a lock.
        // A table of 0.1 gains `scripted` under the same lock.
        let migrate = SCRIPTED_COLUMN.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS");
        let create = format!(
            "BEGIN; SELECT pg_advisory_xact_lock({SCHEMA_LOCK}); {SCHEMA} {migrate}; COMMIT;"
        );
        new.batch_execute(&create)
            .await
            .map_err(|e| format!("{label}: creating the table: {}", with_causes(&e)))?;
        *client = Some(new);
    }
    client.as_ref().ok_or_else(|| "not connected".to_owned())
}

/// An error and its causes, `: `-joined (tokio-postgres keeps the OS's reason in a cause).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    text
}

/// One statement for the batch: committed when it returns.
async fn insert_all(client: &Client, records: &[&ConsentRecord]) -> Result<(), String> {
    let mut sql = String::from(
        "INSERT INTO consent_records \
         (id, recorded_at, action, granted, revision, policy_digest, user_agent, ip, scripted) VALUES ",
    );
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(records.len() * 9);
    for (i, r) in records.iter().enumerate() {
        let n = i * 9;
        let comma = if i > 0 { "," } else { "" };
        let _ = write!(
            sql,
            "{comma}(${},${},${},${},${}::int8,${},${},${},${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9
        );
        params.extend([
            &r.id as &(dyn ToSql + Sync),
            &r.recorded_at,
            &r.action,
            &r.granted,
            &r.revision,
            &r.policy_digest,
            &r.user_agent,
            &r.ip,
            &r.scripted,
        ]);
    }
    client
        .execute(&sql, &params)
        .await
        .map(drop)
        .map_err(|e| with_causes(&e))
}

async fn select(client: &Client, query: &RecordQuery) -> Result<Vec<ConsentRecord>, String> {
    let rows = client
        .query(
            "SELECT id, recorded_at, action, granted, revision::int8, policy_digest, user_agent, ip, scripted \
             FROM consent_records \
             WHERE ($1::text IS NULL OR id = $1::text) AND ($2::text IS NULL OR recorded_at >= $2::text) \
             ORDER BY recorded_at",
            &[&query.id_filter(), &query.since_filter()],
        )
        .await
        .map_err(|e| e.to_string())?;
    rows.iter()
        .map(|row| {
            Ok(ConsentRecord {
                id: row.try_get(0)?,
                recorded_at: row.try_get(1)?,
                action: row.try_get(2)?,
                granted: row.try_get(3)?,
                revision: row.try_get(4)?,
                policy_digest: row.try_get(5)?,
                user_agent: row.try_get(6)?,
                ip: row.try_get(7)?,
                scripted: row.try_get(8)?,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(|e| e.to_string())
}
