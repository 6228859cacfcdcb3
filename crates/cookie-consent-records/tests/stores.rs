//! Each store keeps what it is given, field for field, and reads it back as
//! asked: SQLite in memory and in a file, and PostgreSQL at
//! `COOKIE_CONSENT_POSTGRES` (required under CI; `.ci/run` starts one).

use cookie_consent_records::{open, ConsentRecord, ConsentStore, RecordQuery, Store};

fn record(id: &str, recorded_at: &str, n: usize) -> ConsentRecord {
    ConsentRecord {
        id: id.to_owned(),
        recorded_at: recorded_at.to_owned(),
        action: "save".to_owned(),
        granted: "essential,analytics".to_owned(),
        revision: 7,
        policy_digest: "ab".repeat(32),
        user_agent: format!("agent-{n} \u{e9}'\"; DROP TABLE consent_records; --"),
        ip: "2001:db8:1::".to_owned(),
        scripted: n % 2 == 1,
    }
}

/// The stores, with a file of the test's own: tests run at once, and one
/// test's fresh directory must not remove another's database.
fn stores(test: &str) -> Vec<(String, Store)> {
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-stores-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![
        "sqlite::memory:".to_owned(),
        format!("sqlite:{}", dir.join("records.db").display()),
    ];
    match std::env::var("COOKIE_CONSENT_POSTGRES") {
        Ok(url) if cfg!(feature = "postgres") => urls.push(url),
        Ok(_) => eprintln!("PostgreSQL skipped: built without the `postgres` feature"),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("COOKIE_CONSENT_POSTGRES is not set: .ci/run starts PostgreSQL with tests/postgres.sh")
        }
        Err(_) => eprintln!("PostgreSQL skipped: COOKIE_CONSENT_POSTGRES is not set"),
    }
    urls.into_iter()
        .map(|url| {
            let store = open(&url).unwrap_or_else(|e| panic!("{e}"));
            (url, store)
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn records_read_back_as_written_oldest_first() {
    for (url, store) in stores("read-back") {
        let id = format!("{:032x}", rand_id(&url));
        let other = format!("{:032x}", rand_id(&url) ^ 1);
        let written = [
            record(&id, "2026-11-02T10:00:00.000002Z", 2),
            record(&id, "2026-11-01T10:00:00.000001Z", 1),
            record(&other, "2026-11-03T10:00:00.000000Z", 3),
        ];
        for r in &written {
            store
                .insert(r.clone())
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        let mine = store.select(&RecordQuery::all().id(&id)).await.unwrap();
        assert_eq!(mine, [written[1].clone(), written[0].clone()], "{url}");
        let since = RecordQuery::all().id(&id).since("2026-11-02").unwrap();
        assert_eq!(
            store.select(&since).await.unwrap(),
            [written[0].clone()],
            "{url}"
        );
        let all = store.select(&RecordQuery::all()).await.unwrap();
        assert!(all.contains(&written[2]), "{url}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn more_answers_at_once_than_one_transaction_takes_are_all_kept() {
    for (url, store) in stores("many-at-once") {
        let id = format!("{:032x}", rand_id(&url) ^ 2);
        let inserts =
            (0..600).map(|n| store.insert(record(&id, &format!("2026-11-01T00:00:00.{n:06}Z"), n)));
        let results = futures_util::future::join_all(inserts).await;
        assert!(results.iter().all(Result::is_ok), "{url}");
        let kept = store.select(&RecordQuery::all().id(&id)).await.unwrap();
        let agents: Vec<String> = kept.iter().map(|r| r.user_agent.clone()).collect();
        let expected: Vec<String> = (0..600).map(|n| record(&id, "", n).user_agent).collect();
        assert_eq!(agents, expected, "{url}: all 600, in order, none twice");
    }
}

/// An id no other run shares: the time, and the store it is for.
fn rand_id(url: &str) -> u128 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    nanos ^ (url.len() as u128) << 100
}

/// A new database on the PostgreSQL of `COOKIE_CONSENT_POSTGRES`, and a
/// connection to drop it with; `None` outside CI when none is set.
#[cfg(feature = "postgres")]
struct FreshDatabase {
    admin: tokio_postgres::Client,
    database: String,
    url: String,
}

#[cfg(feature = "postgres")]
async fn fresh_database(prefix: &str) -> Option<FreshDatabase> {
    let Ok(url) = std::env::var("COOKIE_CONSENT_POSTGRES") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "COOKIE_CONSENT_POSTGRES is not set"
        );
        return None;
    };
    let database = format!("{prefix}_{}", rand_id(&url) % 1_000_000_000_000);
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let url = format!("{base}/{database}");
    Some(FreshDatabase {
        admin,
        database,
        url,
    })
}

/// Servers starting together on a new database all create the table at
/// once: each must find it there, none fail.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_starting_together_on_a_new_database_all_work() {
    let Some(FreshDatabase {
        admin,
        database,
        url: fresh,
    }) = fresh_database("race").await
    else {
        return;
    };
    let stores: Vec<Store> = (0..8).map(|_| open(&fresh).unwrap()).collect();
    let inserts = stores
        .iter()
        .enumerate()
        .map(|(n, store)| store.insert(record("race", "2026-11-01T00:00:00.000000Z", n)));
    let results = futures_util::future::join_all(inserts).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let kept = stores[0]
        .select(&RecordQuery::all().id("race"))
        .await
        .unwrap();
    assert_eq!(kept.len(), 8);
    drop(stores);
    let _ = admin
        .batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .await;
}

/// What 0.1 created: the table without `scripted`.
const TABLE_OF_0_1: &str = "CREATE TABLE consent_records (
  id TEXT NOT NULL, recorded_at TEXT NOT NULL, action TEXT NOT NULL, granted TEXT NOT NULL,
  revision INTEGER NOT NULL, policy_digest TEXT NOT NULL, user_agent TEXT NOT NULL, ip TEXT NOT NULL);
INSERT INTO consent_records VALUES
  ('old', '2026-01-01T00:00:00.000000Z', 'save', 'essential', 1, 'ab', 'agent', '');";

/// The record 0.1 wrote above, as it reads after the migration.
fn old_record() -> ConsentRecord {
    ConsentRecord {
        id: "old".to_owned(),
        recorded_at: "2026-01-01T00:00:00.000000Z".to_owned(),
        action: "save".to_owned(),
        granted: "essential".to_owned(),
        revision: 1,
        policy_digest: "ab".to_owned(),
        user_agent: "agent".to_owned(),
        ip: String::new(),
        scripted: false,
    }
}

/// Opening a store on a table of 0.1 adds `scripted`: old records read
/// false, new ones keep theirs.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "current_thread")]
async fn a_sqlite_table_of_0_1_gains_the_scripted_column() {
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-stores-{}-migration",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("records.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(TABLE_OF_0_1)
        .unwrap();
    let store = open(&format!("sqlite:{}", path.display())).unwrap();
    let new = ConsentRecord {
        scripted: true,
        ..record("new", "2026-02-01T00:00:00.000000Z", 1)
    };
    store.insert(new.clone()).await.unwrap();
    let all = store.select(&RecordQuery::all()).await.unwrap();
    assert_eq!(all, [old_record(), new]);
    drop(store);
    // Opened again, the column is there: nothing to migrate, nothing lost.
    let again = open(&format!("sqlite:{}", path.display())).unwrap();
    assert_eq!(again.select(&RecordQuery::all()).await.unwrap().len(), 2);
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_table_of_0_1_gains_the_scripted_column() {
    let Some(FreshDatabase {
        admin,
        database,
        url: fresh,
    }) = fresh_database("old").await
    else {
        return;
    };
    let (old, connection) = tokio_postgres::connect(&fresh, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    old.batch_execute(TABLE_OF_0_1).await.unwrap();
    drop(old);
    let store = open(&fresh).unwrap();
    let new = ConsentRecord {
        scripted: true,
        ..record("new", "2026-02-01T00:00:00.000000Z", 1)
    };
    store.insert(new.clone()).await.unwrap();
    assert_eq!(
        store.select(&RecordQuery::all()).await.unwrap(),
        [old_record(), new]
    );
    drop(store);
    let _ = admin
        .batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .await;
}
