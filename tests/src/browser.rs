//! A real browser for the suite: Debian's `chromium` driven through
//! `chromedriver`, and the DevTools commands that read what it stored.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
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
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": { "intl.accept_languages": languages }
        }
    });
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
