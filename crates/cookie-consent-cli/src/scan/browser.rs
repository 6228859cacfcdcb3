//! Driving the browser: a chromedriver of its own, headless Chromium with a
//! fresh profile per pass, and the DevTools commands WebDriver lacks.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use url::Url;

/// Where Debian puts the browser and its driver; `COOKIE_CONSENT_CHROMIUM`
/// and `COOKIE_CONSENT_CHROMEDRIVER` point elsewhere.
pub(super) const CHROMIUM: &str = "/usr/bin/chromium";
pub(super) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long one page may take to load.
const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// A tool's path, or the message that says how to install it.
pub(super) fn tool(variable: &str, default: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "scan needs Chromium and chromedriver: {} is missing (Debian: apt-get install chromium chromium-driver; or set {variable})",
            path.display()
        ))
    }
}

/// A DevTools command through chromedriver: what WebDriver cannot do.
#[derive(Debug)]
pub(super) struct DevTools {
    pub(super) cmd: &'static str,
    pub(super) params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Chrome DevTools' `Storage.getCookies` through chromedriver: every cookie
/// of the browser, on every domain (WebDriver's own command sees only the
/// current page's).
pub(super) async fn all_cookies(client: &Client) -> Result<Vec<serde_json::Value>, String> {
    let command = DevTools {
        cmd: "Storage.getCookies",
        params: serde_json::json!({}),
    };
    let reply = client
        .issue_cmd(command)
        .await
        .map_err(|err| format!("cannot read the browser's cookies: {err}"))?;
    Ok(reply["cookies"].as_array().cloned().unwrap_or_default())
}

/// A chromedriver on a free port, killed when dropped.
pub(super) struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Driver {
    pub(super) async fn start(chromedriver: &Path) -> Result<Driver, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|err| format!("no free port for chromedriver: {err}"))?
            .port();
        let child = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", chromedriver.display()))?;
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "{} did not listen within 10 s",
            chromedriver.display()
        ))
    }

    /// A headless browser with a fresh profile at `profile`.
    pub(super) async fn session(&self, chromium: &Path, profile: &Path) -> Result<Client, String> {
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            return Err("capabilities".into());
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .map_err(|err| format!("the browser did not start: {err}"))?;
        let timeouts = TimeoutConfiguration::new(None, Some(PAGE_TIMEOUT), None);
        client
            .update_timeouts(timeouts)
            .await
            .map_err(|err| format!("the browser did not take a timeout: {err}"))?;
        Ok(client)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
