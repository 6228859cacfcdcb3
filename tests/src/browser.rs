//! A real browser for the suite: Debian's `chromium` driven through
//! `chromedriver`, and the DevTools commands that read what it stored.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Its WebDriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser is here; `None` means the test should skip.
pub fn browser_available(test: &str) -> Option<()> {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    let needs = format!("{CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
    needed(test, present, &needs)
}

/// `Some` when what `test` needs is `present`; else it skips, saying what it
/// needs, or fails under `COOKIE_CONSENT_BROWSER=require`.
pub fn needed(test: &str, present: bool, needs: &str) -> Option<()> {
    if present {
        return Some(());
    }
    let message = format!("{test}: needs {needs}");
    if std::env::var("COOKIE_CONSENT_BROWSER").as_deref() == Ok("require") {
        panic!("{message}; COOKIE_CONSENT_BROWSER=require");
    }
    eprintln!("skipped: {message}");
    None
}

/// A chromedriver on a free port, killed when dropped.
#[derive(Debug)]
pub struct Driver {
    child: tokio::process::Child,
    /// Where it listens.
    pub url: String,
}

impl Driver {
    /// Starts one.
    pub async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, so the browsers it starts go with it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let driver_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(driver_addr).await.is_ok() {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not listen on port {port} within 5 s");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver: end the whole group.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

/// A browser with a profile in `profile`, speaking English.
pub async fn open_browser(driver: &Driver, profile: &Path) -> Client {
    open_browser_in(driver, profile, "en-US,en").await
}

/// A browser whose requests carry `Accept-Language: languages`.
pub async fn open_browser_in(driver: &Driver, profile: &Path, languages: &str) -> Client {
    open_browser_with(driver, profile, languages, &[]).await
}

/// A browser started with these further command-line switches.
pub async fn open_browser_with(
    driver: &Driver,
    profile: &Path,
    languages: &str,
    switches: &[&str],
) -> Client {
    open_browser_logging(driver, profile, languages, switches, false).await
}

/// A browser that logs every network request it makes (DevTools' Network
/// events, through chromedriver's performance log): read with
/// [`network_requests`].
pub async fn open_browser_recording_network(driver: &Driver, profile: &Path) -> Client {
    open_browser_logging(driver, profile, "en-US,en", &[], true).await
}

async fn open_browser_logging(
    driver: &Driver,
    profile: &Path,
    languages: &str,
    switches: &[&str],
    network: bool,
) -> Client {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=390,844",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push(format!("--accept-lang={languages}"));
    args.extend(switches.iter().map(|s| (*s).to_owned()));
    let mut capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": { "intl.accept_languages": languages }
        }
    });
    if network {
        capabilities["goog:loggingPrefs"] = serde_json::json!({ "performance": "ALL" });
    }
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// The names of the cookies in the browser's jar.
pub async fn jar(client: &Client) -> BTreeSet<String> {
    client
        .get_all_cookies()
        .await
        .expect("cookies")
        .iter()
        .map(|c| c.name().to_owned())
        .collect()
}

/// A DevTools command through chromedriver (`goog/cdp/execute`): what
/// WebDriver cannot say, such as every cookie of the browser.
#[derive(Debug)]
pub struct Cdp {
    /// The command, e.g. `Storage.getCookies`.
    pub cmd: &'static str,
    /// Its parameters.
    pub params: serde_json::Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Every cookie the browser holds, on every domain, as DevTools reports them.
pub async fn all_cookies(client: &Client) -> Vec<serde_json::Value> {
    let command = Cdp {
        cmd: "Storage.getCookies",
        params: serde_json::json!({}),
    };
    let reply = client.issue_cmd(command).await.expect("Storage.getCookies");
    reply["cookies"].as_array().cloned().unwrap_or_default()
}

/// Empties the browser's cookie jar.
pub async fn clear_cookies(client: &Client) {
    let command = Cdp {
        cmd: "Storage.clearCookies",
        params: serde_json::json!({}),
    };
    client
        .issue_cmd(command)
        .await
        .expect("Storage.clearCookies");
}

/// Clicks a link or submit button and waits until the page it leads to has loaded:
/// a click returns before its navigation ends, and a reload then would cut it short.
pub async fn click(client: &Client, css: &str) {
    client
        .execute("window.__cookieConsentOldPage = true;", vec![])
        .await
        .expect("a script runs");
    toggle(client, css).await;
    for _ in 0..200 {
        let check =
            "return document.readyState === 'complete' && window.__cookieConsentOldPage !== true;";
        if client
            .execute(check, vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("clicking {css} did not load a new page within 5 s");
}

/// Clicks something that does not navigate.
pub async fn toggle(client: &Client, css: &str) {
    let element = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    element.click().await.expect("a click");
}

/// Runs `script` in the page and returns its JSON result.
pub async fn evaluate(client: &Client, script: &str) -> serde_json::Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// axe-core (npm, `tests/js`) in the page: the serious and critical
/// violations, each as "rule: help (targets)".
pub async fn serious_violations(client: &Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.expect("axe-core loads");
    let script = "const done = arguments[arguments.length - 1];\
        axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations\
          .filter(v => v.impact === 'serious' || v.impact === 'critical')\
          .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')));";
    let found = client
        .execute_async(script, vec![])
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// chromedriver's log of a kind (`performance`: the DevTools events), since
/// the last read.
#[derive(Debug)]
struct Log(&'static str);

impl WebDriverCompatibleCommand for Log {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "type": self.0 });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The URL of every request the browser sent since the last call
/// (`Network.requestWillBeSent`), in order; needs
/// [`open_browser_recording_network`].
pub async fn network_requests(client: &Client) -> Vec<String> {
    let entries = client
        .issue_cmd(Log("performance"))
        .await
        .expect("the performance log");
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let message: serde_json::Value =
                serde_json::from_str(entry["message"].as_str()?).ok()?;
            let event = &message["message"];
            (event["method"] == "Network.requestWillBeSent")
                .then(|| {
                    event["params"]["request"]["url"]
                        .as_str()
                        .map(str::to_owned)
                })
                .flatten()
        })
        .collect()
}
