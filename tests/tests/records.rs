//! Consent records (DESIGN §15) through both demo sites over HTTP, on both
//! stores: SQLite in a file and a real PostgreSQL.
//!
//! PostgreSQL's URL comes from `COOKIE_CONSENT_POSTGRES` (`.ci/run` starts a
//! throwaway cluster with `tests/postgres.sh`); the outage tests start and stop
//! clusters of their own with that script. Under CI (`CI` set) a missing
//! server or tool fails these tests rather than skipping them.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use cookie_consent_core::{ConsentRecord, Policy, RecordQuery};
use cookie_consent_tests::{send, serve_actix_demo_recording, serve_axum_demo_recording, Reply};
use sha2::{Digest, Sha256};

/// The two demo sites, each with its own embedded policy.
#[derive(Clone, Copy, Debug)]
enum Site {
    Axum,
    Actix,
}

impl Site {
    fn policy_text(self) -> &'static str {
        match self {
            Site::Axum => example_axum_minopa::EMBEDDED_POLICY,
            Site::Actix => example_actix_mihari::EMBEDDED_POLICY,
        }
    }

    fn policy(self) -> Policy {
        Policy::from_toml_str(self.policy_text()).expect("the seed policy loads")
    }

    /// Serves this site recording into the store at `url`.
    async fn serve(self, url: &str) -> SocketAddr {
        let records = cookie_consent_demo::open_records(url).expect("the store opens");
        match self {
            Site::Axum => serve_axum_demo_recording(self.policy(), records).await,
            Site::Actix => serve_actix_demo_recording(self.policy(), records),
        }
    }
}

/// Whether a missing prerequisite must fail the test (under CI) or may skip it.
fn required() -> bool {
    std::env::var_os("CI").is_some()
}

/// The shared PostgreSQL's URL; `None` (the test skips) only outside CI.
fn postgres_url() -> Option<String> {
    match std::env::var("COOKIE_CONSENT_POSTGRES") {
        Ok(url) => Some(url),
        Err(_) if required() => panic!(
            "COOKIE_CONSENT_POSTGRES is not set: .ci/run starts PostgreSQL with tests/postgres.sh"
        ),
        Err(_) => {
            eprintln!("skipped: COOKIE_CONSENT_POSTGRES is not set (tests/postgres.sh start DIR prints one)");
            None
        }
    }
}

/// A fresh folder in the temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-records-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// The store URLs to run each test on: a SQLite file, and PostgreSQL when there is one.
fn stores(name: &str) -> Vec<String> {
    let file = scratch(name).join("records.db");
    let mut urls = vec![format!("sqlite:{}", file.display())];
    urls.extend(postgres_url());
    urls
}

async fn post(addr: SocketAddr, form: &str, cookie: Option<&str>, agent: &str) -> Reply {
    let mut headers = vec![
        ("content-type", "application/x-www-form-urlencoded"),
        ("user-agent", agent),
    ];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    send(addr, "POST", "/consent", &headers, form).await
}

/// The consent cookie's `name=value`, as the browser sends it back.
fn cookie_pair(reply: &Reply) -> String {
    assert_eq!(reply.status, 303, "{reply:?}");
    assert_eq!(reply.set_cookies.len(), 1, "{reply:?}");
    reply.set_cookies[0]
        .split(';')
        .next()
        .expect("a pair")
        .to_owned()
}

fn consent_id(policy: &Policy, pair: &str) -> String {
    policy
        .consent_id([pair])
        .expect("the consent cookie carries an id")
        .to_string()
}

async fn records_over_http(addr: SocketAddr, id: &str) -> Vec<ConsentRecord> {
    let reply = send(addr, "GET", &format!("/demo/records?id={id}"), &[], "").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    serde_json::from_str(&reply.body).expect("a JSON array of records")
}

/// The records of `id` read from the database itself, through a store opened
/// anew: what is there, not what the site's process remembers.
async fn records_in_database(url: &str, id: &str) -> Vec<ConsentRecord> {
    let store = cookie_consent_records::open(url).expect("the store opens");
    cookie_consent_core::ConsentStore::select(&store, &RecordQuery::all().id(id))
        .await
        .expect("the store answers")
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The categories granted, comma-joined in policy order, essential first.
fn granted(policy: &Policy, ids: &[&str]) -> String {
    let ids: Vec<&str> = policy
        .categories()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| *id == "essential" || ids.contains(id))
        .collect();
    ids.join(",")
}

fn all_ids(policy: &Policy) -> Vec<&str> {
    policy.categories().iter().map(|c| c.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_recorded_field_by_field_under_one_id() {
    for url in stores("fields") {
        for site in [Site::Axum, Site::Actix] {
            let policy = site.policy();
            let addr = site.serve(&url).await;
            let optional = policy.categories()[1].id.clone();
            let agent = format!("RecordsTest/1.0 ({site:?}; {})", "x".repeat(600));
            let before = time_now();

            let first = post(addr, "action=accept-all", None, &agent).await;
            let pair = cookie_pair(&first);
            let id = consent_id(&policy, &pair);
            let mut ids_written = vec![id.clone()];
            let answers = [
                format!("action=save&category={optional}"),
                "action=reject-optional".to_owned(),
                "action=reset".to_owned(),
            ];
            for form in &answers {
                let reply = post(addr, form, Some(&pair), &agent).await;
                assert_eq!(reply.status, 303, "{site:?} {url}: {reply:?}");
                if form != "action=reset" {
                    ids_written.push(consent_id(&policy, &cookie_pair(&reply)));
                } else {
                    assert!(reply.set_cookies[0].contains("Max-Age=0"), "{reply:?}");
                }
            }
            assert!(
                ids_written.iter().all(|written| *written == id),
                "{site:?}: {ids_written:?}"
            );

            let records = records_over_http(addr, &id).await;
            let label = format!("{site:?} on {url}");
            let actions: Vec<(&str, &str)> = records
                .iter()
                .map(|r| (r.action.as_str(), r.granted.as_str()))
                .collect();
            let all = granted(&policy, &all_ids(&policy));
            let saved = granted(&policy, &[optional.as_str()]);
            let essential = granted(&policy, &[]);
            assert_eq!(
                actions,
                [
                    ("accept-all", all.as_str()),
                    ("save", saved.as_str()),
                    ("reject-optional", essential.as_str()),
                    ("reset", ""),
                ],
                "{label}"
            );
            let digest = sha256_hex(site.policy_text());
            let after = time_now();
            for record in &records {
                assert_eq!(record.id, id, "{label}");
                assert_eq!(
                    record.revision,
                    i64::try_from(policy.revision()).unwrap(),
                    "{label}"
                );
                assert_eq!(
                    record.policy_digest, digest,
                    "{label}: sha256 of the policy file"
                );
                assert_eq!(
                    record.user_agent,
                    agent[..512],
                    "{label}: the first 512 bytes"
                );
                assert_eq!(record.ip, "127.0.0.0", "{label}: the peer's /24");
                // RFC 3339 in UTC to the microsecond, so the text sorts as the time.
                assert!(
                    record.recorded_at.ends_with('Z') && record.recorded_at.len() == 27,
                    "{label}: {}",
                    record.recorded_at
                );
                let at = time::OffsetDateTime::parse(
                    &record.recorded_at,
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap();
                assert!(
                    before - time::Duration::microseconds(1) <= at && at <= after,
                    "{label}: {at} not within {before}..{after}"
                );
            }
            let times: Vec<&str> = records.iter().map(|r| r.recorded_at.as_str()).collect();
            assert!(
                times.windows(2).all(|w| w[0] < w[1]),
                "{label}: oldest first: {times:?}"
            );
            assert_eq!(
                records_in_database(&url, &id).await,
                records,
                "{label}: in the database"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_answers_at_once_are_all_recorded_none_twice() {
    for url in stores("concurrent") {
        for site in [Site::Axum, Site::Actix] {
            let policy = site.policy();
            let addr = site.serve(&url).await;
            let pair = cookie_pair(&post(addr, "action=accept-all", None, "first").await);
            let id = consent_id(&policy, &pair);
            let answers = (0..100).map(|n| {
                let pair = pair.clone();
                tokio::spawn(async move {
                    let reply = post(
                        addr,
                        "action=reject-optional",
                        Some(&pair),
                        &format!("browser-{n}"),
                    )
                    .await;
                    reply.status
                })
            });
            let statuses = futures_util::future::join_all(answers).await;
            assert!(
                statuses.iter().all(|s| matches!(s, Ok(303))),
                "{site:?} on {url}: {statuses:?}"
            );
            let records = records_in_database(&url, &id).await;
            let agents: Vec<&str> = records.iter().map(|r| r.user_agent.as_str()).collect();
            let distinct: BTreeSet<&str> = agents.iter().copied().collect();
            let expected: BTreeSet<String> = (0..100)
                .map(|n| format!("browser-{n}"))
                .chain(["first".to_owned()])
                .collect();
            assert_eq!(
                agents.len(),
                101,
                "{site:?} on {url}: none twice, none lost"
            );
            assert_eq!(
                distinct,
                expected.iter().map(String::as_str).collect(),
                "{site:?} on {url}"
            );
        }
    }
}

/// Runs `tests/postgres.sh` with these arguments; its output.
fn postgres_script(args: &[&str]) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("postgres.sh");
    let output = Command::new(&script)
        .args(args)
        .output()
        .map_err(|err| format!("{}: {err}", script.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `chattr` on the file: `+i` makes it read-only for every process, root's too,
/// even through descriptors already open.
fn chattr(flag: &str, file: &Path) -> Result<(), String> {
    let output = Command::new("chattr")
        .arg(flag)
        .arg(file)
        .output()
        .map_err(|err| format!("chattr: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Makes a file writable again when dropped, however the test ends.
struct Immutable<'a>(&'a Path);

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = chattr("-i", self.0);
    }
}

/// A cluster of `tests/postgres.sh` of a test's own, stopped and removed
/// when dropped, however the test ends.
struct Cluster(String);

impl Cluster {
    /// Starts one in a scratch directory named `name`, with its URL; `None`
    /// (the test skips) where PostgreSQL is missing, outside CI.
    fn start(name: &str) -> Option<(Cluster, String)> {
        let dir = scratch(name).display().to_string();
        match postgres_script(&["start", &dir]) {
            Ok(url) => Some((Cluster(dir), url)),
            Err(why) if !required() => {
                eprintln!("skipped: no PostgreSQL to start here: {why}");
                None
            }
            Err(why) => panic!("tests/postgres.sh start: {why}"),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = postgres_script(&["stop", &self.0]);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An answer while the store is down: 503, and no consent cookie.
async fn refused_while_down(addr: SocketAddr, pair: &str, label: &str) {
    let reply = post(addr, "action=save", Some(pair), "during the outage").await;
    assert_eq!(reply.status, 503, "{label}: {reply:?}");
    assert!(
        reply.set_cookies.is_empty(),
        "{label}: no consent without its record: {reply:?}"
    );
}

/// The records of `id` after an outage: the answers before and after it, not the refused one.
async fn recorded_around_outage(addr: SocketAddr, id: &str, label: &str) {
    let actions: Vec<String> = records_over_http(addr, id)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["accept-all", "reject-optional"], "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_sqlite_file_gives_503_and_recording_resumes() {
    for site in [Site::Axum, Site::Actix] {
        let file = scratch(&format!("read-only-{site:?}")).join("records.db");
        let url = format!("sqlite:{}", file.display());
        let policy = site.policy();
        let addr = site.serve(&url).await;
        let pair = cookie_pair(&post(addr, "action=accept-all", None, "before").await);
        let id = consent_id(&policy, &pair);
        if let Err(why) = chattr("+i", &file) {
            assert!(!required(), "chattr +i {}: {why}", file.display());
            eprintln!("skipped: chattr +i needs root on a file system that has it: {why}");
            return;
        }
        let read_only = Immutable(&file);
        refused_while_down(addr, &pair, &format!("{site:?}, SQLite file read-only")).await;
        drop(read_only);
        let after = post(addr, "action=reject-optional", Some(&pair), "after").await;
        assert_eq!(consent_id(&policy, &cookie_pair(&after)), id);
        recorded_around_outage(addr, &id, &format!("{site:?}, SQLite")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_postgres_gives_503_and_recording_resumes() {
    let Some((cluster, url)) = Cluster::start("postgres-outage") else {
        return;
    };
    let dir_text = cluster.0.clone();
    for site in [Site::Axum, Site::Actix] {
        let policy = site.policy();
        let addr = site.serve(&url).await;
        let pair = cookie_pair(&post(addr, "action=accept-all", None, "before").await);
        let id = consent_id(&policy, &pair);
        postgres_script(&["stop", &dir_text]).expect("PostgreSQL stops");
        refused_while_down(addr, &pair, &format!("{site:?}, PostgreSQL stopped")).await;
        postgres_script(&["start", &dir_text]).expect("PostgreSQL starts again");
        let after = post(addr, "action=reject-optional", Some(&pair), "after").await;
        assert_eq!(consent_id(&policy, &cookie_pair(&after)), id);
        recorded_around_outage(addr, &id, &format!("{site:?}, PostgreSQL")).await;
    }
    drop(cluster);
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Behind a proxy: each adapter takes the client's address from the trusted
/// header's last entry (the proxy's), truncated; a header it was not told to
/// trust changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_trusted_header_gives_the_address() {
    use cookie_consent_core::Recording;
    let policy = Site::Axum.policy();
    let serve_both = |recording: Recording| {
        let policy = policy.clone();
        async move {
            let axum_app = axum::Router::new()
                .route_service(
                    "/consent",
                    cookie_consent_tower::ConsentEndpoint::new().recording(recording.clone()),
                )
                .layer(cookie_consent_tower::ConsentLayer::new(policy.clone()));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let axum_addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let app = axum_app.into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, app).await.unwrap()
            });
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let server = actix_web::HttpServer::new(move || {
                        actix_web::App::new()
                            .route(
                                "/consent",
                                cookie_consent_actix::recorded_consent_endpoint(recording.clone()),
                            )
                            .wrap(cookie_consent_actix::ConsentMiddleware::new(policy.clone()))
                    })
                    .workers(1)
                    .disable_signals()
                    .bind(("127.0.0.1", 0))
                    .unwrap();
                    sender.send(server.addrs()[0]).unwrap();
                    server.run().await.unwrap();
                })
            });
            [axum_addr, receiver.recv().unwrap()]
        }
    };
    for (trusted, expected) in [(true, "203.0.113.0"), (false, "127.0.0.0")] {
        let records = cookie_consent_demo::open_records("sqlite::memory:").unwrap();
        let recording = match trusted {
            true => records.trust_forwarded_header("X-Forwarded-For"),
            false => records,
        };
        for addr in serve_both(recording.clone()).await {
            let headers = [
                ("x-forwarded-for", "6.6.6.6, 203.0.113.77"),
                ("x-forwarded-for", "198.51.100.1, 203.0.113.77"),
                ("user-agent", "behind a proxy"),
            ];
            let reply = send(addr, "POST", "/consent", &headers, "action=accept-all").await;
            let id = consent_id(&policy, &cookie_pair(&reply));
            let found = recording
                .store()
                .select(&RecordQuery::all().id(&id))
                .await
                .unwrap();
            let ips: Vec<&str> = found.iter().map(|r| r.ip.as_str()).collect();
            assert_eq!(ips, [expected], "{addr}, trusted: {trusted}");
        }
    }
}

/// Every process of a `tests/postgres.sh` cluster: the postmaster (its pid
/// heads `postmaster.pid`) and its children.
fn cluster_processes(dir: &str) -> Vec<String> {
    let pid_file = std::fs::read_to_string(format!("{dir}/data/postmaster.pid")).unwrap();
    let postmaster = pid_file.lines().next().unwrap().trim().to_owned();
    let children = Command::new("pgrep")
        .args(["-P", &postmaster])
        .output()
        .unwrap();
    let mut pids = vec![postmaster];
    pids.extend(
        String::from_utf8_lossy(&children.stdout)
            .split_whitespace()
            .map(String::from),
    );
    pids
}

fn signal(pids: &[String], signal: &str) {
    let status = Command::new("kill")
        .arg(signal)
        .args(pids)
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pids:?}");
}

/// Wakes a stopped cluster when dropped, however the test ends.
struct Stopped(Vec<String>);

impl Drop for Stopped {
    fn drop(&mut self) {
        signal(&self.0, "-CONT");
    }
}

/// A PostgreSQL that hangs (every process of the cluster `SIGSTOP`ped, so
/// connections open but nothing answers): each answer gets 503 and no
/// cookie within the store's deadline, calls past the queue's limit fail at
/// once, and recording resumes when it wakes, the answers before and after
/// all kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_postgres_gives_503_within_the_deadline_and_recording_resumes() {
    use cookie_consent_core::Recording;
    use std::time::{Duration, Instant};
    let Some((cluster, url)) = Cluster::start("postgres-hung") else {
        return;
    };
    let dir_text = cluster.0.clone();
    let (deadline, limit) = (Duration::from_secs(2), 8);
    let store = cookie_consent_records::PostgresStore::new(&url)
        .unwrap()
        .deadline(deadline)
        .queue_limit(limit);
    let policy = Site::Axum.policy();
    let addr = serve_axum_demo_recording(policy.clone(), Recording::new(store)).await;
    let pair = cookie_pair(&post(addr, "action=accept-all", None, "before").await);
    let id = consent_id(&policy, &pair);

    let stopped = Stopped(cluster_processes(&dir_text));
    signal(&stopped.0, "-STOP");
    let during = |count: usize| {
        futures_util::future::join_all((0..count).map(|_| {
            let pair = pair.clone();
            async move {
                let started = Instant::now();
                let reply = post(addr, "action=save", Some(&pair), "during the hang").await;
                (reply, started.elapsed())
            }
        }))
    };
    // A first wave for the store's thread to take as its batch and wait on;
    // then 20 more: `limit` of them queue behind it, the rest find the queue full.
    let first = tokio::spawn(during(limit + 1));
    tokio::time::sleep(deadline / 4).await;
    let second = during(20).await;
    let first = first.await.unwrap();
    for (reply, took) in first.iter().chain(&second) {
        assert_eq!(reply.status, 503, "{reply:?}");
        assert!(
            reply.set_cookies.is_empty(),
            "no consent without its record: {reply:?}"
        );
        assert!(
            took < &(deadline * 2),
            "answered after {took:?}, deadline {deadline:?}"
        );
    }
    let at_once: Vec<_> = second
        .iter()
        .map(|(_, took)| *took)
        .filter(|took| *took < deadline / 2)
        .collect();
    assert!(
        at_once.len() >= 20 - limit,
        "calls past the queue's limit fail at once: {second:?}"
    );
    drop(stopped);

    // Awake again: the next answer is recorded (the connection is made anew).
    let woken = Instant::now();
    let after = loop {
        let reply = post(addr, "action=reject-optional", Some(&pair), "after").await;
        if reply.status == 303 || woken.elapsed() > Duration::from_secs(20) {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(after.status, 303, "recording resumes: {after:?}");
    assert_eq!(consent_id(&policy, &cookie_pair(&after)), id);
    let actions: Vec<String> = records_over_http(addr, &id)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions.first().map(String::as_str), Some("accept-all"));
    assert_eq!(actions.last().map(String::as_str), Some("reject-optional"));
    drop(cluster);
}
