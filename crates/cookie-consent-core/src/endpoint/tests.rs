//! The consent endpoint: origin checks, the way back, recorded answers.

use super::origin::host_name;
use super::*;
use std::sync::atomic::Ordering;

use crate::records::{ConsentRecord, Recording};

fn post<'a>(origin: Option<&'a str>, fetch: Option<&'a str>) -> ConsentPost<'a> {
    ConsentPost {
        host: Some(b"shop.example:8080"),
        origin: origin.map(str::as_bytes),
        sec_fetch_site: fetch.map(str::as_bytes),
        referer: None,
        form: b"action=accept-all",
        ..ConsentPost::default()
    }
}

#[test]
fn only_this_sites_own_pages_may_write_consent() {
    let allowed = [
        (None, None),
        (Some("http://shop.example:8080"), None),
        (Some("https://SHOP.example:8080"), Some("same-origin")),
        (None, Some("same-origin")),
    ];
    for (origin, fetch) in allowed {
        assert!(post(origin, fetch).is_same_origin(), "{origin:?} {fetch:?}");
    }
    let refused = [
        (Some("https://evil.example"), Some("cross-site")),
        (Some("https://evil.example"), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
        (None, Some("none")),
        (Some("null"), None),
        (Some("http://shop.example"), None),
        (Some("http://shop.example:8080.evil.example"), None),
        (Some("http://shop.example:80800"), None),
        (Some("ftp://shop.example:8080"), None),
        (Some("http://"), None),
        (Some("https://shop.example:8080"), Some("cross-site")),
    ];
    for (origin, fetch) in refused {
        assert!(
            !post(origin, fetch).is_same_origin(),
            "{origin:?} {fetch:?}"
        );
    }
    let no_host = ConsentPost {
        host: None,
        ..post(Some("http://shop.example:8080"), None)
    };
    assert!(
        !no_host.is_same_origin(),
        "an origin cannot be checked without Host"
    );
}

#[test]
fn default_ports_match_either_way() {
    let with = |host: &'static str, origin: &'static str| ConsentPost {
        host: Some(host.as_bytes()),
        origin: Some(origin.as_bytes()),
        ..ConsentPost::default()
    };
    assert!(with("shop.example", "https://shop.example:443").is_same_origin());
    assert!(with("shop.example:443", "https://shop.example").is_same_origin());
    assert!(with("shop.example:80", "http://shop.example").is_same_origin());
    assert!(!with("shop.example:443", "http://shop.example").is_same_origin());
}

#[test]
fn the_answer_leads_back_to_a_path_of_this_site_only() {
    let back = |referer: &'static str| {
        ConsentPost {
            referer: Some(referer.as_bytes()),
            ..post(None, None)
        }
        .return_path()
        .to_owned()
    };
    assert_eq!(back("http://shop.example:8080/cart?x=1#top"), "/cart");
    assert_eq!(back("http://shop.example:8080/?cookie-settings"), "/");
    assert_eq!(back("http://shop.example:8080"), "/");
    assert_eq!(back("https://evil.example/phish"), "/");
    assert_eq!(back("http://shop.example:8080//evil.example/x"), "/");
    assert_eq!(back("http://shop.example:8080/a\\b"), "/");
    assert_eq!(back("/relative"), "/");
    assert_eq!(back("http://shop.example:8080/caf\u{e9}"), "/");
}

#[test]
fn a_forged_write_is_refused_before_the_form_is_read() {
    let policy = Policy::from_toml_str("").unwrap();
    let forged = post(Some("https://evil.example"), Some("cross-site"));
    assert_eq!(
        policy.answer_consent_post(&forged),
        ConsentAnswer::CrossSite
    );
    assert_eq!(ConsentAnswer::CrossSite.status(), 403);
    let bad = ConsentPost {
        form: b"action=everything",
        ..post(None, None)
    };
    assert_eq!(policy.answer_consent_post(&bad), ConsentAnswer::BadForm);
    let garbage = ConsentPost {
        form: b"\xff\xfe=%%%&&action",
        ..post(None, None)
    };
    assert_eq!(policy.answer_consent_post(&garbage), ConsentAnswer::BadForm);
    let reset = ConsentPost {
        form: b"action=reset",
        ..post(None, None)
    };
    match policy.answer_consent_post(&reset) {
        ConsentAnswer::Recorded {
            location,
            set_cookie,
        } => {
            assert_eq!(location, "/");
            assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
        }
        other => panic!("{other:?}"),
    }
}

/// A store holding records in memory, or failing every call.
#[derive(Debug, Default)]
struct MemoryStore {
    records: std::sync::Mutex<Vec<ConsentRecord>>,
    down: std::sync::atomic::AtomicBool,
}

impl crate::ConsentStore for MemoryStore {
    fn insert(&self, record: ConsentRecord) -> crate::StoreFuture<'_, ()> {
        let down = self.down.load(Ordering::Relaxed);
        if !down {
            self.records.lock().unwrap().push(record);
        }
        Box::pin(async move {
            if down {
                return Err(crate::StoreError::new("down"));
            }
            Ok(())
        })
    }

    fn select<'a>(
        &'a self,
        query: &'a crate::RecordQuery,
    ) -> crate::StoreFuture<'a, Vec<ConsentRecord>> {
        let records = self.records.lock().unwrap();
        let found = records
            .iter()
            .filter(|r| query.matches(r))
            .cloned()
            .collect();
        Box::pin(async move { Ok(found) })
    }
}

/// Polls a future that never waits (the memory store's never do).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the memory store never waits"),
    }
}

#[test]
fn every_answer_is_recorded_under_the_browsers_id() {
    let policy = Policy::from_toml_str(
        "revision = 3\n[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"",
    )
    .unwrap();
    let store = std::sync::Arc::new(MemoryStore::default());
    let recording = Recording::from_arc(store.clone()).trust_forwarded_header("X-Forwarded-For");
    let answer = |form: &'static [u8], cookies: &[&[u8]]| {
        let post = ConsentPost {
            form,
            cookies,
            user_agent: Some(b"TestBrowser/1.0"),
            peer: Some("10.0.0.1".parse().unwrap()),
            forwarded: Some(b"6.6.6.6, 198.51.100.23"),
            ..post(None, None)
        };
        ready(policy.answer_consent_post_recorded(&post, &recording))
    };
    let ConsentAnswer::Recorded { set_cookie, .. } = answer(b"action=accept-all", &[]) else {
        panic!("recorded");
    };
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    let id = policy.consent_id([&pair]).expect("a fresh id is written");
    let cookie = format!("other=1; {pair}");
    let ConsentAnswer::Recorded { set_cookie, .. } =
        answer(b"action=save&category=analytics", &[cookie.as_bytes()])
    else {
        panic!("recorded");
    };
    assert_eq!(
        policy.consent_id([set_cookie.split(';').next().unwrap()]),
        Some(id)
    );
    answer(b"action=reset", &[cookie.as_bytes()]);
    answer(b"action=reject-optional", &[]);
    let records = store.records.lock().unwrap().clone();
    let actions: Vec<_> = records
        .iter()
        .map(|r| (r.action.as_str(), r.granted.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("accept-all", "essential,functional,analytics"),
            ("save", "essential,analytics"),
            ("reset", ""),
            ("reject-optional", "essential"),
        ]
    );
    for record in &records[..3] {
        assert_eq!(record.id, id.to_string());
    }
    assert_ne!(
        records[3].id,
        id.to_string(),
        "a browser without the cookie starts a new id"
    );
    let first = &records[0];
    assert_eq!(first.revision, 3);
    assert_eq!(first.policy_digest, policy.digest());
    assert_eq!(first.user_agent, "TestBrowser/1.0");
    assert_eq!(
        first.ip, "198.51.100.0",
        "the trusted header's last entry, truncated"
    );
    assert!(
        first.recorded_at.ends_with('Z') && first.recorded_at.len() == 27,
        "{}",
        first.recorded_at
    );
    // Forgeries and bad forms are not recorded.
    let forged = ConsentPost {
        cookies: &[],
        ..post(Some("https://evil.example"), None)
    };
    assert_eq!(
        ready(policy.answer_consent_post_recorded(&forged, &recording)),
        ConsentAnswer::CrossSite
    );
    assert_eq!(store.records.lock().unwrap().len(), 4);
}

#[test]
fn no_consent_without_its_record() {
    let policy = Policy::from_toml_str("").unwrap();
    let store = std::sync::Arc::new(MemoryStore::default());
    let recording = Recording::from_arc(store.clone());
    store.down.store(true, Ordering::Relaxed);
    let post = ConsentPost {
        peer: Some("2001:db8:1:2::9".parse().unwrap()),
        ..post(None, None)
    };
    let answer = ready(policy.answer_consent_post_recorded(&post, &recording));
    assert_eq!(answer, ConsentAnswer::Unavailable);
    assert_eq!(answer.status(), 503);
    store.down.store(false, Ordering::Relaxed);
    let answer = ready(policy.answer_consent_post_recorded(&post, &recording));
    assert_eq!(answer.status(), 303);
    assert_eq!(
        store.records.lock().unwrap()[0].ip,
        "2001:db8:1::",
        "the peer, truncated"
    );
}

#[test]
fn host_names_lose_their_port() {
    assert_eq!(host_name(b"localhost:3000"), b"localhost");
    assert_eq!(host_name(b"[::1]:3000"), b"[::1]");
    assert_eq!(host_name(b"example.com"), b"example.com");
}

/// A post as a browser sends it: `Sec-Fetch-Mode` and `Sec-Fetch-User` as given.
fn sent<'a>(mode: Option<&'a str>, user: Option<&'a str>) -> ConsentPost<'a> {
    ConsentPost {
        sec_fetch_mode: mode.map(str::as_bytes),
        sec_fetch_user: user.map(str::as_bytes),
        ..post(Some("http://shop.example:8080"), Some("same-origin"))
    }
}

#[test]
fn only_the_visitors_own_submission_writes_consent() {
    let policy = Policy::from_toml_str("").unwrap();
    // A form the visitor submitted; a client that sends no Sec-Fetch-Mode.
    for visitor in [sent(Some("navigate"), Some("?1")), sent(None, None)] {
        assert_eq!(policy.answer_consent_post(&visitor).status(), 303);
    }
    // fetch, XMLHttpRequest, form.submit() without a gesture, a bad value.
    let scripted = [
        sent(Some("cors"), None),
        sent(Some("same-origin"), Some("?1")),
        sent(Some("no-cors"), None),
        sent(Some("navigate"), None),
        sent(Some("navigate"), Some("?0")),
    ];
    for post in scripted {
        assert!(post.is_scripted());
        assert_eq!(policy.answer_consent_post(&post), ConsentAnswer::Scripted);
        assert_eq!(ConsentAnswer::Scripted.status(), 403);
    }
}

#[test]
fn a_javascript_banners_writes_are_taken_when_allowed_and_recorded_as_such() {
    let policy = Policy::from_toml_str("[consent_cookie]\nallow_scripted_writes = true").unwrap();
    let store = std::sync::Arc::new(MemoryStore::default());
    let recording = Recording::from_arc(store.clone());
    for post in [sent(Some("cors"), None), sent(Some("navigate"), Some("?1"))] {
        let answer = ready(policy.answer_consent_post_recorded(&post, &recording));
        assert_eq!(answer.status(), 303);
    }
    let scripted: Vec<bool> = store
        .records
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.scripted)
        .collect();
    assert_eq!(scripted, [true, false]);
}

#[test]
fn a_signed_policy_takes_the_id_only_from_a_cookie_it_signed() {
    let keys = crate::SigningKeys::new([[7u8; 32]]).unwrap();
    let policy = Policy::from_toml_str("").unwrap().with_signing_keys(keys);
    let store = std::sync::Arc::new(MemoryStore::default());
    let recording = Recording::from_arc(store.clone());
    let answer = |cookies: &[&[u8]]| {
        let post = ConsentPost {
            cookies,
            ..post(None, None)
        };
        match ready(policy.answer_consent_post_recorded(&post, &recording)) {
            ConsentAnswer::Recorded { set_cookie, .. } => set_cookie,
            other => panic!("{other:?}"),
        }
    };
    let first = answer(&[]);
    let first_pair = first.split(';').next().unwrap().to_owned();
    let id = policy.consent_id([first_pair.as_str()]).unwrap();
    // The same browser answers again: its signed cookie carries the id over.
    answer(&[first_pair.as_bytes()]);
    // Another visitor's id in a cookie of one's own, unsigned: a fresh id.
    let stolen = format!(
        "cookie-preferences=%7B%22categories%22%3A%7B%7D%2C%22revision%22%3A0%2C%22id%22%3A%22{id}%22%7D"
    );
    assert_eq!(
        Policy::from_toml_str("")
            .unwrap()
            .consent_id([stolen.as_str()]),
        Some(id)
    );
    answer(&[stolen.as_bytes()]);
    let records = store.records.lock().unwrap().clone();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids[..2], [id.to_string(), id.to_string()]);
    assert_ne!(
        ids[2],
        id.to_string(),
        "the unsigned cookie's id is not taken"
    );
    let under_id = records.iter().filter(|r| r.id == id.to_string()).count();
    assert_eq!(under_id, 2, "the records under the old id are unchanged");
}
