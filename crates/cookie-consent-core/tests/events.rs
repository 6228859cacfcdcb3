//! What the review reports to `tracing`: target, level, fields, the warning
//! once per undeclared name, and the cap on remembered names. One test, since
//! the names already warned about are remembered for the whole process.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use cookie_consent_core::adapter::ResponseHeaders;
use cookie_consent_core::{ConsentPost, Policy, Signals};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event as seen: level, target and every field as text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

/// A subscriber that keeps every event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut self.0.lock().unwrap())
    }

    /// The warnings among the events since the last take.
    fn warnings(&self) -> Vec<Seen> {
        self.take()
            .into_iter()
            .filter(|s| s.level == Level::WARN)
            .collect()
    }
}

const POLICY: &str = r#"
    [[categories]]
    id = "analytics"
    [[cookies]]
    name = "_ga"
    category = "analytics"
"#;

fn review(policy: &Policy, cookie: &str, set_cookies: &[&str]) {
    let consent = policy.read_consent([cookie], Signals::default());
    let headers = ResponseHeaders {
        request_cookies: [cookie],
        set_cookies,
        vary: [""; 0],
        mark: None,
    };
    let _ = policy.review_response(&consent, headers, None);
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn events_go_to_tracing_with_their_fields_and_undeclared_names_warn_once_up_to_a_cap() {
    let recorder = Recorder::default();
    let policy = Policy::from_toml_str(POLICY).unwrap();
    tracing::subscriber::with_default(recorder.clone(), || {
        review(&policy, "_ga=old", &["_ga=new"]);
        let seen = recorder.take();
        let debug = |pairs: &[(&str, &str)]| Seen {
            level: Level::DEBUG,
            target: "cookie_consent".to_owned(),
            fields: fields(pairs),
        };
        assert_eq!(
            seen,
            [
                debug(&[
                    ("message", "Set-Cookie stripped"),
                    ("name", "_ga"),
                    ("category", "analytics"),
                    ("reason", "missing"),
                    ("enforced", "true"),
                ]),
                debug(&[
                    ("message", "cookie expired after consent was withdrawn"),
                    ("name", "_ga"),
                    ("category", "analytics"),
                    ("reason", "purge"),
                    ("enforced", "true"),
                ]),
                // One line per judged response: what it kept, stripped and purged.
                debug(&[
                    ("message", "response judged"),
                    ("kept", "0"),
                    ("stripped", "1"),
                    ("purged", "1"),
                    ("enforced", "true"),
                ]),
            ]
        );
        // A layer that sees no Set-Cookie (inside tower-cookies, say) says so.
        review(&policy, "", &[]);
        assert_eq!(
            recorder.take(),
            [debug(&[
                ("message", "response judged"),
                ("kept", "0"),
                ("stripped", "0"),
                ("purged", "0"),
                ("enforced", "true"),
            ])]
        );
        review(&policy, "", &["_ga=1", "_ga=2"]);
        let judged = recorder.take().pop().unwrap();
        assert_eq!(
            (
                judged.fields["kept"].as_str(),
                judged.fields["stripped"].as_str()
            ),
            ("0", "2")
        );

        // An undeclared name warns once, saying how to declare it.
        review(&policy, "", &["id=1"]);
        review(&policy, "", &["id=2"]);
        let warnings = recorder.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].target, "cookie_consent");
        assert_eq!(warnings[0].fields["name"], "id");
        let message = &warnings[0].fields["message"];
        let (_, fix) = message
            .split_once('\n')
            .expect("the fix on lines of its own");
        assert_eq!(
            fix,
            "[[cookies]]\nname = \"id\"\ncategory = \"essential\"\n"
        );
        // Pasted into the policy file, it loads and declares the cookie.
        let fixed = Policy::from_toml_str(&format!("{POLICY}\n{fix}")).unwrap();
        assert!(fixed.rule_for("id").is_some());
        assert!(
            warnings[0].fields["hint"].contains("tower-sessions"),
            "{warnings:?}"
        );

        // Names are remembered up to 1024 (`id` is one); then one last warning, and silence.
        for i in 1..1024 {
            review(&policy, "", &[&format!("made-up-{i}=1")]);
        }
        let warnings = recorder.warnings();
        assert_eq!(warnings.len(), 1024, "1023 names and the cap");
        assert_eq!(
            warnings[1023].fields["message"],
            "1024 undeclared cookie names reported; no more will be"
        );
        review(&policy, "", &["made-up-1024=1", "made-up-1=1"]);
        assert!(recorder.take().iter().all(|s| s.level != Level::WARN));

        // A `Secure` consent cookie answered over plain http: warned once,
        // but not on localhost, where browsers keep it.
        let post = |host: &'static str, origin: &'static str| ConsentPost {
            host: Some(host.as_bytes()),
            origin: Some(origin.as_bytes()),
            form: b"action=accept-all",
            ..ConsentPost::default()
        };
        policy.answer_consent_post(&post("localhost:3000", "http://localhost:3000"));
        policy.answer_consent_post(&post("shop.example", "https://shop.example"));
        assert!(recorder.take().iter().all(|s| s.level != Level::WARN));
        policy.answer_consent_post(&post("shop.example", "http://shop.example"));
        policy.answer_consent_post(&post("shop.example", "http://shop.example"));
        let warnings = recorder.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].fields["message"].contains("`secure = false` under `[consent_cookie]`"));
        assert_eq!(warnings[0].fields["host"], "shop.example");
    });
}

/// A consent cookie that fails verification is Invalid and warns at most once
/// a minute for the policy's keys, without its value.
#[test]
fn an_unverified_consent_warns_once_a_minute_without_its_value() {
    let recorder = Recorder::default();
    let keys = cookie_consent_core::SigningKeys::new([[3u8; 32]]).unwrap();
    let policy = Policy::from_toml_str(POLICY)
        .unwrap()
        .with_signing_keys(keys);
    let forged = "cookie-preferences={\"categories\":{\"analytics\":true},\"revision\":0,\"id\":\"SECRET-VALUE\"}";
    tracing::subscriber::with_default(recorder.clone(), || {
        let at = 1_764_000_000;
        let mut warned = Vec::new();
        for now in [at, at + 1, at + 59, at + 60, at + 61, at + 120] {
            let consent = policy.read_consent_at([forged], Signals::default(), now);
            assert_eq!(consent.state(), cookie_consent_core::ConsentState::Invalid);
            warned.push(recorder.warnings().len());
        }
        assert_eq!(warned, [1, 0, 0, 1, 0, 1]);
    });
    // Once more, to read the message itself.
    tracing::subscriber::with_default(recorder.clone(), || {
        policy.read_consent_at([forged], Signals::default(), 1_764_001_000);
    });
    let seen = recorder.warnings();
    assert_eq!(seen.len(), 1);
    let text = format!("{:?}", seen[0].fields);
    assert!(text.contains("without a valid signature"), "{text}");
    assert!(
        !text.contains("SECRET") && !text.contains("analytics"),
        "{text}"
    );
    assert_eq!(seen[0].target, "cookie_consent");
}
