//! The cookie guard (DESIGN §11) holds the page to the same decision as the
//! layer: its JavaScript, run by Node with `document.cookie` and
//! `cookieStore.set` standing in for a browser's, lets a write through
//! exactly when `Policy::decide` keeps the same `Set-Cookie` value. Over every
//! declared name, prefix matches, undeclared names, the consent cookie, names
//! with white space or none, and removals by `Max-Age` and `Expires`; for the
//! three `unknown_cookies` settings and several consents.
//!
//! Without Node this test skips and says so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) it fails.

use std::io::Write as _;
use std::process::{Command, Stdio};

use cookie_consent_core::{ConsentChoice, Policy, Signals};

/// The Node program: the guard, then each value written through
/// `document.cookie`, then `cookieStore.set`, then `update`; it prints what
/// passed as JSON.
const HARNESS: &str = r#"
const written = [];
class Document {}
Object.defineProperty(Document.prototype, 'cookie', {
  configurable: true,
  get() { return ''; },
  set(v) { written.push(v); },
});
globalThis.Document = Document;
const document = new Document();
const stored = [];
class CookieStore {}
Object.defineProperty(CookieStore.prototype, 'set', {
  configurable: true,
  writable: true,
  value(...args) { stored.push(args); return Promise.resolve(); },
});
const window = { Document, CookieStore, cookieStore: new CookieStore(), length: 0 };
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
new Function('document', 'window', input.guard)(document, window);
const passed = input.values.map((v) => { const before = written.length; document.cookie = v; return written.length > before; });
const store = input.store.map(([name, expires]) => {
  const before = stored.length;
  window.cookieStore.set(expires === null ? name : { name, value: 'v', expires });
  return stored.length > before;
});
const granted = window.cookieConsent.granted;
window.cookieConsent.update(input.update);
const afterUpdate = input.values.map((v) => { const before = written.length; document.cookie = v; return written.length > before; });
console.log(JSON.stringify({ passed, store, granted, afterUpdate, allows: input.ids.map((id) => window.cookieConsent.allows(id)) }));
"#;

fn node_available() -> bool {
    let present = Command::new("node").arg("--version").output().is_ok();
    if !present {
        let message = "the cookie guard test needs Node (`node` on PATH)";
        if std::env::var("COOKIE_CONSENT_BROWSER").as_deref() == Ok("require") {
            panic!("{message}; COOKIE_CONSENT_BROWSER=require");
        }
        eprintln!("skipped: {message}");
    }
    present
}

/// The policy the values are judged by, with `unknown_cookies` as given.
fn policy(unknown: &str) -> Policy {
    let minopa = example_axum_minopa::EMBEDDED_POLICY.replace(
        "unknown_cookies = \"strip\"",
        &format!("unknown_cookies = \"{unknown}\""),
    );
    // Two prefixes that overlap, the shorter declared first: the longest must win.
    let text = format!(
        "{minopa}\n[[cookies]]\nname = \"_g*\"\ncategory = \"functional\"\n\
         [[cookies]]\nname = \"_ga_*\"\ncategory = \"marketing\"\n"
    );
    Policy::from_toml_str(&text).unwrap()
}

/// `Set-Cookie` values: every name form, with every kind of attributes.
fn values(policy: &Policy) -> Vec<String> {
    let mut names: Vec<String> = policy
        .cookies()
        .iter()
        .map(|rule| match rule.prefix() {
            Some(prefix) => format!("{prefix}x1"),
            None => rule.name.clone(),
        })
        .collect();
    names.extend(
        [
            "_ga_",
            "_gax",
            "sentry-",
            "undeclared",
            " _ga ",
            "THEME",
            "_GA",
        ]
        .into_iter()
        .map(String::from),
    );
    let attributes = [
        "",
        "; Path=/",
        "; Max-Age=0",
        "; max-age=-1",
        "; Max-Age=3600",
        "; Max-Age=",
        "; Max-Age=-",
        "; Max-Age=00",
        "; Max-Age=1e3",
        "; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "; expires=Fri, 01 Jan 2100 00:00:00 GMT",
        "; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=10",
        "; Max-Age=0; Max-Age=10",
        "; Path=/; Domain=example.com; Secure",
    ];
    let mut values = Vec::new();
    for name in &names {
        for attribute in attributes {
            values.push(format!("{name}=v{attribute}"));
        }
    }
    values.extend(
        ["=v", "novalue", "; Max-Age=0", " =v; Max-Age=0", "a;b=c"]
            .into_iter()
            .map(String::from),
    );
    // Every line of the table the core's tests and Chromium check, but those
    // holding a control character: no header can carry them to the layer
    // (the browser test shows the guard drops them, as Chromium rejects them).
    let table: Vec<serde_json::Value> = serde_json::from_str(include_str!(
        "../../crates/cookie-consent-core/tests/data/cookie-lines.json"
    ))
    .unwrap();
    values.extend(
        table
            .iter()
            .map(|row| row["line"].as_str().unwrap().to_owned())
            .filter(|line| {
                !line
                    .chars()
                    .any(|c| (c < ' ' && c != '\t') || c == '\u{7f}')
            }),
    );
    values
}

/// What the harness printed.
struct Outcome {
    passed: Vec<bool>,
    store: Vec<bool>,
    granted: Vec<String>,
    after_update: Vec<bool>,
    allows: Vec<bool>,
}

impl Outcome {
    fn from_json(json: &serde_json::Value) -> Outcome {
        let bools = |key: &str| -> Vec<bool> {
            json[key]
                .as_array()
                .unwrap_or_else(|| panic!("{key} in {json}"))
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect()
        };
        Outcome {
            passed: bools("passed"),
            store: bools("store"),
            granted: json["granted"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect(),
            after_update: bools("afterUpdate"),
            allows: bools("allows"),
        }
    }
}

fn run_guard(
    guard: &str,
    values: &[String],
    store: &[(String, Option<i64>)],
    update: &[&str],
    ids: &[String],
) -> Outcome {
    let script = guard
        .strip_prefix("<script>")
        .and_then(|g| g.strip_suffix("</script>\n"))
        .expect("the guard is one script");
    let input = serde_json::json!({
        "guard": script,
        "values": values,
        "store": store,
        "update": update,
        "ids": ids,
    });
    let mut child = Command::new("node")
        .arg("-e")
        .arg(HARNESS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the harness's JSON");
    Outcome::from_json(&json)
}

#[test]
fn the_cookie_guard_decides_as_the_layer_does() {
    if !node_available() {
        return;
    }
    for unknown in ["strip", "keep", "functional"] {
        let policy = policy(unknown);
        let values = values(&policy);
        let ids: Vec<String> = policy.categories().iter().map(|c| c.id.clone()).collect();
        let write = |choice| {
            let set_cookie = policy.write_consent(&choice);
            set_cookie.split(';').next().unwrap().to_owned()
        };
        let consents = [
            ("no consent", String::new(), false),
            ("accept all", write(ConsentChoice::AcceptAll), false),
            ("accept all with GPC", write(ConsentChoice::AcceptAll), true),
            (
                "analytics only",
                write(ConsentChoice::Only(vec!["analytics".into()])),
                false,
            ),
            (
                "reject optional",
                write(ConsentChoice::RejectOptional),
                false,
            ),
        ];
        for (label, cookie, gpc) in consents {
            let signals = Signals { gpc, dnt: false };
            let consent = policy.read_consent([cookie.as_str()], signals);
            let guard = policy.render_cookie_guard(&consent, None);
            let past = 0;
            let future = 4_102_444_800_000; // 2100, in milliseconds
            let store = [
                ("_ga".to_owned(), None),
                ("_ga".to_owned(), Some(past)),
                ("_ga".to_owned(), Some(future)),
                ("next-auth.session-token".to_owned(), Some(future)),
                ("cookie-preferences".to_owned(), Some(future)),
                ("undeclared".to_owned(), Some(future)),
            ];
            let outcome = run_guard(&guard, &values, &store, &["analytics"], &ids);
            let context = format!("unknown_cookies = {unknown}, {label}");

            for (value, passed) in values.iter().zip(&outcome.passed) {
                let kept = !policy.decide(&consent, value).is_strip();
                assert_eq!(*passed, kept, "{context}: `{value}`");
            }
            for ((name, expires), passed) in store.iter().zip(&outcome.store) {
                // cookieStore.set(name, value) and ({name, value, expires}) as Set-Cookie.
                let value = match expires {
                    Some(0) => format!("{name}=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
                    _ => format!("{name}=v"),
                };
                let kept = !policy.decide(&consent, &value).is_strip();
                assert_eq!(
                    *passed, kept,
                    "{context}: cookieStore.set {name} {expires:?}"
                );
            }
            let granted: Vec<&str> = consent.granted().collect();
            assert_eq!(outcome.granted, granted, "{context}: cookieConsent.granted");

            // update(["analytics"]): later writes follow it, as a consent granting
            // analytics alone would be judged.
            let analytics = write(ConsentChoice::Only(vec!["analytics".into()]));
            let updated = policy.read_consent([analytics.as_str()], Signals::default());
            for (value, passed) in values.iter().zip(&outcome.after_update) {
                let kept = !policy.decide(&updated, value).is_strip();
                assert_eq!(
                    *passed, kept,
                    "{context}, after update([analytics]): `{value}`"
                );
            }
            let expected_allows: Vec<bool> = ids.iter().map(|id| updated.allows(id)).collect();
            assert_eq!(
                outcome.allows, expected_allows,
                "{context}: allows after update"
            );
        }
    }
}
