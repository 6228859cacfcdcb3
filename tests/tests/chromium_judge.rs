//! Chromium is the judge (DESIGN §16): what the browser stores decides whether
//! the layer and the guard were right. Each test serves cookie lines to
//! headless Chromium and reads its jar back over DevTools:
//! - the table (`cookie-lines.json`, which the core's tests also read) is what
//!   Chromium stores, as a header and as a `document.cookie` string;
//! - generated lines (a fixed seed and a fresh one, printed) through both demo
//!   sites: nothing Chromium stores from them is of an ungranted name; and the
//!   same generated strings written by a page with the guard: likewise;
//! - the purge expires prefixed names whatever their case.
//!
//! Without a browser these tests skip and say so; with
//! `COOKIE_CONSENT_BROWSER=require` (as `.ci/run` sets) they fail.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cookie_consent_core::{ConsentChoice, Policy, Signals};
use cookie_consent_tests::browser::{
    all_cookies, browser_available, clear_cookies, open_browser, Cdp, Driver,
};
use cookie_consent_tests::{
    memory_records, serve_actix_demo_with, serve_axum, serve_axum_demo_with, Options,
};
use fantoccini::Client;

const TABLE: &str = include_str!("../../crates/cookie-consent-core/tests/data/cookie-lines.json");

/// Generated lines per seed, and lines per page.
const LINES_PER_SEED: usize = 1500;
const BATCH: usize = 40;

fn minopa() -> Policy {
    Policy::from_toml_str(example_axum_minopa::EMBEDDED_POLICY).unwrap()
}

/// Whether a cookie of this name may be in the jar of a visitor who has not
/// consented: the consent cookie and essential names only.
fn allowed_without_consent(policy: &Policy, name: &str) -> bool {
    let consent = policy.read_consent([""], Signals::default());
    name == policy.consent_cookie().name
        || (!name.is_empty() && !policy.decide(&consent, &format!("{name}=v")).is_strip())
}

/// A browser on a fresh profile, and the driver it needs.
async fn browser(test: &str) -> Option<(Driver, Client)> {
    browser_available(test)?;
    let dir = std::env::temp_dir().join(format!(
        "cookie-consent-judge-{test}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let driver = Driver::start().await;
    let client = open_browser(&driver, &dir.join("profile")).await;
    Some((driver, client))
}

/// The page that writes `strings` through `document.cookie` (after the
/// guard, when given), then waits for the writes to land: a Cookie Store
/// read travels the same channel as the writes, so it answers after them.
fn writing_page(guard: Option<&str>, strings: &[String]) -> String {
    let strings = serde_json::to_string(strings)
        .unwrap()
        .replace('<', "\\u003c");
    format!(
        "<!doctype html><html><head>{}<script>\
         var lines = {strings};\
         for (var i = 0; i < lines.length; i++) {{ try {{ document.cookie = lines[i]; }} catch (e) {{}} }}\
         cookieStore.getAll().then(function () {{ document.title = 'written'; }});\
         </script></head><body>writing</body></html>",
        guard.unwrap_or("")
    )
}

/// A server of pages that write strings: `/write?b=K&guard=0|1` writes batch `K`.
async fn serve_writing_pages(policy: Policy, batches: Arc<Vec<Vec<String>>>) -> SocketAddr {
    use axum::extract::Query;
    use axum::response::Html;
    let write = move |Query(query): Query<BTreeMap<String, String>>| {
        let batches = batches.clone();
        let policy = policy.clone();
        async move {
            let batch: usize = query["b"].parse().unwrap();
            let guard = (query["guard"] == "1").then(|| {
                let consent = policy.read_consent([""], Signals::default());
                policy.render_cookie_guard(&consent, None)
            });
            Html(writing_page(guard.as_deref(), &batches[batch]))
        }
    };
    serve_axum(axum::Router::new().route("/write", axum::routing::get(write))).await
}

/// Opens `url` and, for a writing page, waits until its writes have landed;
/// then the jar, and an empty jar for what comes next.
async fn jar_after(client: &Client, url: &str, writes: bool) -> Vec<serde_json::Value> {
    clear_cookies(client).await;
    client
        .goto(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    if writes {
        for attempt in 0.. {
            let title = client.title().await.unwrap();
            if title == "written" {
                break;
            }
            assert!(attempt < 400, "{url}: the page did not finish writing");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let cookies = all_cookies(client).await;
    clear_cookies(client).await;
    cookies
}

/// `/demo/raw?v=…` for these lines.
fn raw_path(lines: &[String]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for line in lines {
        query.append_pair("v", line);
    }
    format!("/demo/raw?{}", query.finish())
}

fn name_of(cookie: &serde_json::Value) -> &str {
    cookie["name"].as_str().unwrap()
}

/// One row of the table.
struct Case {
    line: String,
    chromium: String,
    name: Option<String>,
    rule: String,
    via: Option<String>,
}

fn table() -> Vec<Case> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(TABLE).unwrap();
    let text = |row: &serde_json::Value, key: &str| row[key].as_str().map(str::to_owned);
    rows.iter()
        .map(|row| Case {
            line: text(row, "line").unwrap(),
            chromium: text(row, "chromium").unwrap(),
            name: text(row, "name"),
            rule: text(row, "rule").unwrap(),
            via: text(row, "via"),
        })
        .collect()
}

/// Every row of the table is what Chromium does: as a `Set-Cookie` header
/// (served by the demo's routes without the layer) and written by a script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_is_what_chromium_stores() {
    let Some((_driver, client)) = browser("table").await else {
        return;
    };
    let cases = table();
    let raw = serve_axum(example_axum_minopa::routes_with(
        minopa(),
        memory_records(),
        Options {
            raw_set_cookie: true,
        },
    ))
    .await;
    let one_per_batch: Vec<Vec<String>> = cases.iter().map(|c| vec![c.line.clone()]).collect();
    let pages = serve_writing_pages(minopa(), Arc::new(one_per_batch)).await;
    let mut wrong = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let via = case.via.as_deref().unwrap_or("both");
        let mut ways = Vec::new();
        if via != "script" {
            ways.push((
                "header",
                format!("http://{raw}{}", raw_path(std::slice::from_ref(&case.line))),
            ));
        }
        if via != "header" {
            ways.push(("script", format!("http://{pages}/write?b={index}&guard=0")));
        }
        for (way, url) in ways {
            let jar = jar_after(&client, &url, way == "script").await;
            let stored: Vec<&str> = jar.iter().map(name_of).collect();
            let expected: Vec<&str> = match case.chromium.as_str() {
                "stores" => vec![case.name.as_deref().unwrap()],
                _ => vec![],
            };
            if stored != expected {
                wrong.push(format!(
                    "{way} {:?} ({}): Chromium stored {stored:?}, the table says {expected:?}",
                    case.line, case.rule
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// SplitMix64: a generator whose lines a seed reproduces.
struct Lines(u64);

impl Lines {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A date as sites, libraries and attackers write them, or a soup of
    /// the tokens the cookie date algorithm looks for.
    fn date(&mut self) -> String {
        const DATES: &[&str] = &[
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "01 jan 1600 00:00:00",
            "1 jan 2000 1:2:3",
            "\"Thu, 01 Jan 1970 00:00:00 GMT\"",
            "Thu, 01 Jan 70 00:00:00 GMT",
            "01 jan 2000 23:59:60",
            "Fri, 01 Jan 2100 00:00:00 GMT",
            "Wed, 01 Jan 69 00:00:00 GMT",
            "01 jan 99999 00:00:00",
            "0",
            "1970-01-01",
            "2000-01-01",
            "2000-01-01T00:00:00Z",
            "31 feb 2000 00:00:00",
            "29 feb 2000 00:00:00",
            "29 feb 1900 00:00:00",
            "01 jan 2000 24:00:00",
            "0 jan 2000 00:00:00",
            "01 jan 2000",
            "junk",
            "",
        ];
        if self.chance(50) {
            return self.pick(DATES).to_owned();
        }
        const TOKENS: &[&str] = &[
            "1",
            "01",
            "31",
            "32",
            "69",
            "70",
            "99",
            "100",
            "1969",
            "1970",
            "2000",
            "2069",
            "2100",
            "99999",
            "123456",
            "jan",
            "Feb",
            "DECEMBER",
            "ju",
            "mayday",
            "12:34:56",
            "1:2:3",
            "23:59:60",
            "24:00:00",
            "99:99:99",
            "00:00",
            "12:34:56:78",
            "GMT",
            "Thu",
            "1st",
            "\u{e9}t\u{e9}",
        ];
        const DELIMITERS: &[&str] = &[" ", ", ", "-", "/", "\t", "+", "_", "\""];
        let mut date = String::new();
        for i in 0..3 + self.below(4) {
            if i > 0 {
                date.push_str(self.pick(DELIMITERS));
            }
            date.push_str(self.pick(TOKENS));
        }
        date
    }

    fn max_age(&mut self) -> String {
        const VALUES: &[&str] = &[
            "0",
            "-1",
            "+0",
            "-0",
            "3600",
            "+3600",
            "abc",
            "1e3",
            "0x10",
            "",
            " 0 ",
            "0 0",
            "-99999999999999999999",
            "99999999999999999999",
            "-99999999999999999999x",
            "0000000001",
            "- 5",
            "++1",
            "+-1",
            "-+1",
            "=0",
            "1.5",
            "-1.5",
            "\u{661}",
        ];
        match self.below(10) {
            0 => format!(
                "{}{}",
                "0".repeat(1020 + self.below(8)),
                self.pick(&["", "1"])
            ),
            1 => format!("{}{}", self.pick(&["", "+", "-"]), self.next() % 100_000),
            _ => self.pick(VALUES).to_owned(),
        }
    }

    fn attribute(&mut self) -> String {
        let key = |lines: &mut Lines, name: &str| {
            let name = match lines.below(4) {
                0 => name.to_ascii_uppercase(),
                1 => name.to_ascii_lowercase(),
                _ => name.to_owned(),
            };
            let space = lines.pick(&["", " ", "\t", " \t"]);
            format!("{space}{name}{space}")
        };
        match self.below(12) {
            0..=2 => {
                let key = key(self, "Max-Age");
                match self.below(8) {
                    0 => key,
                    _ => format!("{key}={}", self.max_age()),
                }
            }
            3..=5 => {
                let key = key(self, "Expires");
                match self.below(10) {
                    0 => key,
                    _ => format!("{key}={}", self.date()),
                }
            }
            6 => "Path=/".to_owned(),
            7 => self.pick(&["Secure", "HttpOnly", "secure"]).to_owned(),
            8 => self
                .pick(&[
                    "SameSite=Lax",
                    "SameSite=None",
                    "SameSite=Strict",
                    "Path=/x",
                ])
                .to_owned(),
            9 => self
                .pick(&["foo=bar", "", " ", "=", "max-agee=0", "expires0"])
                .to_owned(),
            10 => format!(
                "Expires={}",
                self.pick(&["0", "Thu, 01 Jan 1970 00:00:00 GMT"])
            ),
            _ => "Max-Age=0".to_owned(),
        }
    }

    /// Line `k`: its name or value carries `k` (as `k{k}k` and `v{k}`), so a
    /// stored cookie tells which line it came from.
    fn line(&mut self, k: usize, control_bytes: bool) -> String {
        const SPACES: &[&str] = &[
            "", "", "", " ", "\t", " \t", "\u{a0}", "\u{feff}", "\u{2003}", "\u{3000}",
        ];
        const FORMS: &[&str] = &[
            "k",
            "sentry-k",
            "__Host-k",
            "__HOST-k",
            "__host-k",
            "__Secure-k",
            "__SECURE-k",
            "__Http-k",
            "__Host-Http-k",
            "_ga_k",
        ];
        // At most one line a batch whose name carries no number.
        let name = if k.is_multiple_of(BATCH) {
            self.pick(&[
                "",
                "NONAME",
                "next-auth.session-token",
                "cookie-preferences",
                "_ga",
            ])
            .to_owned()
        } else {
            format!("{}{k}k", self.pick(FORMS))
        };
        let (before, after) = (self.pick(SPACES), self.pick(SPACES));
        let value = match self.below(6) {
            0 => format!("\"v{k}\""),
            1 => format!(" v{k} "),
            2 => format!("v{k}=x"),
            _ => format!("v{k}"),
        };
        let mut line = if name == "NONAME" {
            format!("v{k}")
        } else {
            format!("{before}{name}{after}={value}")
        };
        for _ in 0..self.below(6) {
            line.push(';');
            line.push_str(self.pick(&["", " ", " ", "\t"]));
            line.push_str(&self.attribute());
        }
        if control_bytes && self.chance(5) {
            let at = self.below(line.len() + 1);
            let at = (at..=line.len())
                .find(|&i| line.is_char_boundary(i))
                .unwrap();
            line.insert(
                at,
                self.pick(&["\u{1}", "\n", "\0", "\u{7f}", "\r", "\u{b}"])
                    .chars()
                    .next()
                    .unwrap(),
            );
        }
        line
    }
}

/// The line a stored cookie came from: the number in its name, else in its value.
fn line_of(cookie: &serde_json::Value) -> Option<usize> {
    let number = |text: &str, open: &str, close: Option<char>| -> Option<usize> {
        let start = text.find(open)? + open.len();
        let digits: String = text[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let rest = &text[start + digits.len()..];
        if close.is_some_and(|c| !rest.starts_with(c)) {
            return None;
        }
        digits.parse().ok()
    };
    let name = name_of(cookie);
    let value = cookie["value"].as_str().unwrap_or_default();
    number(name, "k", Some('k'))
        .or_else(|| number(value, "v", None))
        .or_else(|| number(name, "v", None))
}

/// The seeds of this run: a fixed one, and a fresh one (`JUDGE_SEED` replays one).
fn seeds() -> Vec<u64> {
    let fresh = std::env::var("JUDGE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    vec![20_261_204, fresh]
}

fn batches(seed: u64, control_bytes: bool) -> Vec<Vec<String>> {
    let mut lines = Lines(seed);
    let all: Vec<String> = (0..LINES_PER_SEED)
        .map(|k| lines.line(k, control_bytes))
        .collect();
    all.chunks(BATCH).map(<[String]>::to_vec).collect()
}

/// What one batch left in the jar that a visitor without consent must not have.
fn leaks(
    policy: &Policy,
    batch: &[String],
    jar: &[serde_json::Value],
    first: usize,
) -> Vec<String> {
    jar.iter()
        .filter(|cookie| !allowed_without_consent(policy, name_of(cookie)))
        .map(|cookie| {
            let line = line_of(cookie)
                .and_then(|k| k.checked_sub(first))
                .and_then(|i| batch.get(i));
            format!("stored {:?} from {line:?}", name_of(cookie))
        })
        .collect()
}

/// Generated `Set-Cookie` lines through both demo sites, without consent:
/// whatever Chromium would store from a line (served without the layer) of
/// a name the visitor has not granted, the layer strips; and what it lets
/// through as a removal, Chromium does not store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_lines_chromium_stores_are_stripped_by_both_layers() {
    let Some((_driver, client)) = browser("lines").await else {
        return;
    };
    let policy = minopa();
    let options = Options {
        raw_set_cookie: true,
    };
    let raw = serve_axum(example_axum_minopa::routes_with(
        policy.clone(),
        memory_records(),
        options,
    ))
    .await;
    let axum_site = serve_axum_demo_with(policy.clone(), memory_records(), options).await;
    let actix_site = serve_actix_demo_with(policy.clone(), memory_records(), options);
    let consent = policy.read_consent([""], Signals::default());
    let (mut checked, mut stored_ungranted) = (0, 0);
    for seed in seeds() {
        eprintln!("generated Set-Cookie lines: seed {seed} (JUDGE_SEED={seed} replays it)");
        let mut findings = Vec::new();
        for (index, batch) in batches(seed, false).iter().enumerate() {
            let path = raw_path(batch);
            let first = index * BATCH;
            // What Chromium makes of the lines themselves.
            let jar = jar_after(&client, &format!("http://{raw}{path}"), false).await;
            for cookie in &jar {
                if allowed_without_consent(&policy, name_of(cookie)) {
                    continue;
                }
                stored_ungranted += 1;
                let Some(line) = line_of(cookie).and_then(|k| batch.get(k.checked_sub(first)?))
                else {
                    findings.push(format!("cannot tell the line of {cookie}"));
                    continue;
                };
                if !policy.decide(&consent, line).is_strip() {
                    findings.push(format!(
                        "the layer keeps {line:?}; Chromium stores it as {:?}",
                        name_of(cookie)
                    ));
                }
            }
            // What reaches Chromium through each layer.
            for (site, addr) in [("axum", axum_site), ("actix", actix_site)] {
                let jar = jar_after(&client, &format!("http://{addr}{path}"), false).await;
                for leak in leaks(&policy, batch, &jar, first) {
                    findings.push(format!("{site}: {leak}"));
                }
            }
            checked += batch.len();
        }
        assert!(findings.is_empty(), "seed {seed}:\n{}", findings.join("\n"));
    }
    eprintln!("{checked} generated lines checked; Chromium stored {stored_ungranted} of an ungranted name when served raw");
    assert!(
        stored_ungranted > checked / 10,
        "the generator must make lines Chromium stores"
    );
}

/// The same kind of strings, written through `document.cookie` by a page
/// without consent: with the guard first in `<head>`, nothing of an
/// ungranted name is stored, though Chromium stores many without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_strings_chromium_stores_are_dropped_by_the_guard() {
    let Some((_driver, client)) = browser("strings").await else {
        return;
    };
    let policy = minopa();
    let seeds = seeds();
    let mut all = Vec::new();
    for &seed in &seeds {
        all.extend(batches(seed, true));
    }
    let per_seed = all.len() / seeds.len();
    let pages = serve_writing_pages(policy.clone(), Arc::new(all.clone())).await;
    let (mut checked, mut stored_unguarded) = (0, 0);
    let mut findings = Vec::new();
    for (index, batch) in all.iter().enumerate() {
        let seed = seeds[index / per_seed];
        let first = (index % per_seed) * BATCH;
        let unguarded = jar_after(
            &client,
            &format!("http://{pages}/write?b={index}&guard=0"),
            true,
        )
        .await;
        stored_unguarded += leaks(&policy, batch, &unguarded, first).len();
        let guarded = jar_after(
            &client,
            &format!("http://{pages}/write?b={index}&guard=1"),
            true,
        )
        .await;
        for leak in leaks(&policy, batch, &guarded, first) {
            findings.push(format!("seed {seed}: the guard let Chromium store {leak}"));
        }
        checked += batch.len();
    }
    eprintln!(
        "{checked} generated document.cookie strings checked (seeds {seeds:?}); \
         without the guard Chromium stored {stored_unguarded} of an ungranted name"
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    assert!(
        stored_unguarded > checked / 10,
        "the generator must make strings Chromium stores"
    );
}

/// Withdrawn consent expires `__Host-`, `__Secure-` and `__Http-` cookies
/// whatever the case of their prefix: Chromium ignores an expiring line
/// that lacks what the prefix demands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixed_names_in_any_case_are_purged_in_chromium() {
    let Some((_driver, client)) = browser("purge").await else {
        return;
    };
    let names = [
        "__HOST-pref",
        "__secure-sid",
        "__Http-track",
        "__host-http-id",
    ];
    let mut text = example_axum_minopa::EMBEDDED_POLICY.to_owned();
    for name in names {
        text.push_str(&format!(
            "\n[[cookies]]\nname = \"{name}\"\ncategory = \"analytics\"\n"
        ));
    }
    let policy = Policy::from_toml_str(&text).unwrap();
    let options = Options {
        raw_set_cookie: true,
    };
    for (site, addr) in [
        (
            "axum",
            serve_axum_demo_with(policy.clone(), memory_records(), options).await,
        ),
        (
            "actix",
            serve_actix_demo_with(policy.clone(), memory_records(), options),
        ),
    ] {
        let consent = |choice: ConsentChoice| {
            let line = policy.write_consent(&choice);
            let value = line
                .split(';')
                .next()
                .unwrap()
                .split_once('=')
                .unwrap()
                .1
                .to_owned();
            Cdp {
                cmd: "Network.setCookie",
                params: serde_json::json!({
                    "name": "cookie-preferences", "value": value, "url": format!("http://{addr}/"),
                }),
            }
        };
        clear_cookies(&client).await;
        client
            .issue_cmd(consent(ConsentChoice::AcceptAll))
            .await
            .unwrap();
        let lines: Vec<String> = names
            .iter()
            .map(|n| format!("{n}=1; Secure; HttpOnly; Path=/"))
            .collect();
        client
            .goto(&format!("http://{addr}{}", raw_path(&lines)))
            .await
            .unwrap();
        let stored = |jar: Vec<serde_json::Value>| -> Vec<String> {
            let mut names: Vec<String> = jar
                .iter()
                .map(|c| name_of(c).to_owned())
                .filter(|n| n != "cookie-preferences")
                .collect();
            names.sort();
            names
        };
        let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        expected.sort();
        assert_eq!(
            stored(all_cookies(&client).await),
            expected,
            "{site}: granted, all stored"
        );
        client
            .issue_cmd(consent(ConsentChoice::RejectOptional))
            .await
            .unwrap();
        client
            .goto(&format!("http://{addr}/healthz"))
            .await
            .unwrap();
        assert_eq!(
            stored(all_cookies(&client).await),
            Vec::<String>::new(),
            "{site}: withdrawn, every one expired"
        );
    }
}

/// Ways around the guard's hooks that a page script might take, each
/// trying to store `_ga` (analytics, not granted) on the demo's home page.
const HELD: &[(&str, &str)] = &[
    ("the prototype's setter", "Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set.call(document, '_ga=b1; Path=/');"),
    ("__lookupSetter__", "HTMLDocument.prototype.__lookupSetter__('cookie').call(document, '_ga=b2; Path=/');"),
    ("delete, then write", "delete document.cookie; document.cookie = '_ga=b3; Path=/';"),
    ("an about:blank frame's document", "var f = document.createElement('iframe'); document.body.appendChild(f); f.contentDocument.cookie = '_ga=b5; Path=/';"),
    ("an about:blank frame's cookieStore", "var f = document.createElement('iframe'); document.body.appendChild(f); f.contentWindow.cookieStore.set('_ga', 'b6');"),
    ("a frame's setter on this document", "var f = document.createElement('iframe'); document.body.appendChild(f); Object.getOwnPropertyDescriptor(f.contentWindow.Document.prototype, 'cookie').set.call(document, '_ga=b7; Path=/');"),
    ("a frame made by innerHTML, through window[0]", "var div = document.createElement('div'); div.innerHTML = '<iframe></iframe>'; document.body.appendChild(div); window[window.length - 1].document.cookie = '_ga=b8; Path=/';"),
    ("CookieStore.prototype.set.call", "CookieStore.prototype.set.call(cookieStore, '_ga', 'b9');"),
    ("a name that changes between check and write", "var k = 0; cookieStore.set({ get name() { return k++ === 0 ? 'cookie-preferences' : '_ga'; }, value: 'b10' });"),
    ("a value that changes between check and write", "var k = 0; document.cookie = { toString: function () { return k++ === 0 ? 'cookie-preferences=x; Path=/' : '_ga=b11; Path=/'; } };"),
];

/// Ways that may remain: a frame whose document brings its own scripts runs
/// them in a new realm before a script of the page can reach it (Chromium
/// 156 held this one in our runs; the test says which). The purge is their
/// backstop: the next response of the layer expires the cookie.
const BACKSTOPPED: &[(&str, &str)] = &[
    ("a srcdoc frame's own script", "var f = document.createElement('iframe'); f.srcdoc = '<script>document.cookie = \"_ga=r1; Path=/\"<\\/script>'; document.body.appendChild(f);"),
];

async fn has_ga(client: &Client) -> bool {
    all_cookies(client)
        .await
        .iter()
        .any(|c| name_of(c) == "_ga")
}

/// Runs `script` on the home page, then waits until the page's cookie
/// writes have landed (and, for frames with scripts of their own, a while).
async fn try_bypass(client: &Client, home: &str, script: &str) {
    clear_cookies(client).await;
    client.goto(home).await.unwrap();
    let run = format!(
        "var done = arguments[arguments.length - 1]; try {{ {script} }} catch (e) {{}} \
         setTimeout(function () {{ cookieStore.getAll().then(function () {{ done(true); }}); }}, 300);"
    );
    client
        .execute_async(&run, vec![])
        .await
        .expect("the script runs");
}

/// Every known way around the guard's hooks, in Chromium on both demo home
/// pages: the held ones store nothing; for each one that remains, the
/// cookie is gone after the next navigation (the purge, DESIGN §16).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_holds_and_the_purge_backs_it_up() {
    let Some((_driver, client)) = browser("bypass").await else {
        return;
    };
    let mut findings = Vec::new();
    let minopa = minopa();
    let mihari = Policy::from_toml_str(&format!(
        "{}\n[[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\n",
        example_actix_mihari::EMBEDDED_POLICY
    ))
    .unwrap();
    // A page without the guard, on the same host (cookies do not keep to a
    // port): each way does store `_ga` there, so its test can fail.
    let bare = serve_writing_pages(minopa.clone(), Arc::new(vec![Vec::new()])).await;
    let bare = format!("http://{bare}/write?b=0&guard=0");
    for (site, addr) in [
        (
            "axum",
            serve_axum_demo_with(minopa, memory_records(), Options::default()).await,
        ),
        (
            "actix",
            serve_actix_demo_with(mihari, memory_records(), Options::default()),
        ),
    ] {
        let home = format!("http://{addr}/");
        for (way, script) in HELD.iter().chain(BACKSTOPPED) {
            try_bypass(&client, &bare, script).await;
            // The browser reads an argument once, so these two store the
            // consent cookie's name without a guard; they catch a guard that
            // reads twice.
            if !way.contains("changes between") && !has_ga(&client).await {
                findings.push(format!("{way} stores nothing even without the guard"));
            }
            // The backstop, for any way: the next response of the layer expires it.
            client
                .goto(&format!("http://{addr}/healthz"))
                .await
                .unwrap();
            if has_ga(&client).await {
                findings.push(format!("{site}: after {way}, the next response left _ga"));
            }
        }
        for (way, script) in HELD {
            try_bypass(&client, &home, script).await;
            if has_ga(&client).await {
                findings.push(format!("{site}: {way} stored _ga"));
            }
        }
        for (way, script) in BACKSTOPPED {
            try_bypass(&client, &home, script).await;
            let slipped = has_ga(&client).await;
            client
                .goto(&format!("http://{addr}/healthz"))
                .await
                .unwrap();
            if has_ga(&client).await {
                findings.push(format!(
                    "{site}: {way} stored _ga and the next response left it"
                ));
            }
            eprintln!(
                "{site}: {way}: {}",
                if slipped {
                    "slipped past the guard, expired by the next response"
                } else {
                    "held"
                }
            );
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
