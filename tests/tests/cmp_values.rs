//! The JavaScript side of `repeated-keys.json` (DESIGN §16): for each row
//! whose CMP reads its value with a JavaScript primitive, Node reads the row's
//! value that way — vanilla-cookieconsent with its own `getCookie` from npm,
//! Klaro with `JSON.parse`, Cookiebot's object literal evaluated as one,
//! OneTrust's query string with `URLSearchParams.get` — and must find what the
//! row says, which the core's test holds `Policy::read_consent` to.
//!
//! Without Node this test skips and says so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) it fails.

use std::io::Write as _;
use std::process::{Command, Stdio};

const PROGRAM: &str = r#"
const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const vanilla = await import(require('url').pathToFileURL(process.argv[1]).href);
  const read = (js) => {
    switch (js.reader) {
      case 'vanilla-cookieconsent getCookie':
        globalThis.document = { cookie: 'cc_cookie=' + js.value };
        return vanilla.getCookie(js.key).includes('analytics');
      case 'JSON.parse': return JSON.parse(decodeURIComponent(js.value))[js.key];
      case 'object literal': return Function('return (' + decodeURIComponent(js.value) + ')')()[js.key];
      case 'URLSearchParams.get': return new URLSearchParams(js.value).get(js.key);
      default: throw new Error('no reader ' + js.reader);
    }
  };
  console.log(JSON.stringify(rows.map((row) => (row.js ? read(row.js) : null))));
})();
"#;

#[test]
fn each_cmps_own_reading_of_a_repeated_key_is_the_tables() {
    if Command::new("node").arg("--version").output().is_err() {
        let message = "the CMP value test needs Node (`node` on PATH)";
        assert!(
            std::env::var("COOKIE_CONSENT_BROWSER").as_deref() != Ok("require"),
            "{message}; COOKIE_CONSENT_BROWSER=require"
        );
        eprintln!("skipped: {message}");
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let vanilla = root.join("js/node_modules/vanilla-cookieconsent/dist/cookieconsent.esm.js");
    assert!(
        vanilla.exists(),
        "{} (npm ci --prefix tests/js)",
        vanilla.display()
    );
    let table = std::fs::read_to_string(
        root.join("../crates/cookie-consent-core/tests/data/repeated-keys.json"),
    )
    .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&table).unwrap();
    let mut node = Command::new("node")
        .args(["-e", PROGRAM])
        .arg(&vanilla)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    node.stdin
        .take()
        .unwrap()
        .write_all(table.as_bytes())
        .unwrap();
    let output = node.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    let read: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let mut checked = 0;
    for (row, read) in rows.iter().zip(&read) {
        if row["js"].is_null() {
            continue;
        }
        assert_eq!(
            read, &row["js"]["expect"],
            "{} ({})",
            row["cookie"], row["rule"]
        );
        checked += 1;
    }
    assert_eq!(checked, 8, "every JavaScript-read row was checked");
}
