//! `scan URL --policy FILE`: what a live site really stores, in a real
//! browser, judged against the declared policy (DESIGN §14). Headless
//! Chromium, driven by chromedriver, visits up to N same-origin pages three
//! times, each with a fresh profile: without consent, after rejecting
//! optional cookies, after accepting all — consent established as the site
//! does it ([`consent`]), and checked to hold before the pass is reported.
//! After each pass it lists every cookie the browser holds — set by the
//! server or by scripts, on any domain — with its category and the findings:
//! `undeclared`, `before-consent`, `after-reject`.

mod consent;

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

pub(crate) use consent::Buttons;
use cookie_consent_core::{ConsentChoice, Policy, Signals, SigningKeys};
use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use indicatif::{ProgressBar, ProgressStyle};
use url::Url;

use crate::{emit, load, Outcome};

/// Where Debian puts the browser and its driver; `COOKIE_CONSENT_CHROMIUM`
/// and `COOKIE_CONSENT_CHROMEDRIVER` point elsewhere.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long one page may take to load.
const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// The three passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    NoConsent,
    Rejected,
    Accepted,
}

impl Pass {
    const ALL: [Pass; 3] = [Pass::NoConsent, Pass::Rejected, Pass::Accepted];

    fn name(self) -> &'static str {
        match self {
            Pass::NoConsent => "no-consent",
            Pass::Rejected => "after-reject",
            Pass::Accepted => "after-accept",
        }
    }

    /// The consent cookie the pass starts with.
    fn choice(self) -> Option<ConsentChoice> {
        match self {
            Pass::NoConsent => None,
            Pass::Rejected => Some(ConsentChoice::RejectOptional),
            Pass::Accepted => Some(ConsentChoice::AcceptAll),
        }
    }

    /// The finding for a cookie the pass's consent does not allow.
    fn violation(self) -> Option<&'static str> {
        match self {
            Pass::NoConsent => Some("before-consent"),
            Pass::Rejected => Some("after-reject"),
            Pass::Accepted => None,
        }
    }
}

/// One cookie the browser held after a pass, judged.
#[derive(Debug)]
struct Found {
    pass: Pass,
    name: String,
    domain: String,
    path: String,
    /// Unix seconds; `None` for a session cookie.
    expires: Option<f64>,
    category: Option<String>,
    findings: Vec<&'static str>,
}

/// `scan`'s arguments.
#[derive(Debug)]
pub(crate) struct Scan {
    pub(crate) url: String,
    pub(crate) policy: PathBuf,
    pub(crate) max_pages: usize,
    pub(crate) json: bool,
    pub(crate) buttons: Buttons,
}

pub(crate) fn run(scan: &Scan) -> Outcome {
    let policy = load(&scan.policy)?;
    // A site that signs its consent: the scan signs with the same keys.
    let policy = match std::env::var("CONSENT_KEYS") {
        Ok(keys) => policy.with_signing_keys(
            SigningKeys::parse(&keys).map_err(|err| format!("CONSENT_KEYS: {err}"))?,
        ),
        Err(_) => policy,
    };
    let start =
        Url::parse(&scan.url).map_err(|err| format!("`{}` is not a URL: {err}", scan.url))?;
    if !matches!(start.scheme(), "http" | "https") || start.host_str().is_none() {
        return Err(format!("`{}` is not an http or https URL", scan.url));
    }
    let chromium = tool("COOKIE_CONSENT_CHROMIUM", CHROMIUM)?;
    let chromedriver = tool("COOKIE_CONSENT_CHROMEDRIVER", CHROMEDRIVER)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start: {err}"))?;
    let found = runtime.block_on(scan_site(
        &policy,
        &start,
        scan.max_pages.max(1),
        &scan.buttons,
        (&chromium, &chromedriver),
    ))?;
    let violations = found
        .iter()
        .filter(|f| f.findings.iter().any(|&x| x != "undeclared"))
        .count();
    emit(&if scan.json {
        json(&start, &found)
    } else {
        table(&found)
    })?;
    Ok(if violations > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A tool's path, or the message that says how to install it.
fn tool(variable: &str, default: &str) -> Result<PathBuf, String> {
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

async fn scan_site(
    policy: &Policy,
    start: &Url,
    max_pages: usize,
    buttons: &Buttons,
    (chromium, chromedriver): (&Path, &Path),
) -> Result<Vec<Found>, String> {
    let driver = Driver::start(chromedriver).await?;
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress.enable_steady_tick(Duration::from_millis(120));
    let mut found = Vec::new();
    for (number, pass) in Pass::ALL.into_iter().enumerate() {
        let profile = std::env::temp_dir().join(format!(
            "cookie-consent-scan-{}-{}",
            std::process::id(),
            pass.name()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        let client = driver.session(chromium, &profile).await?;
        let result = visit(&client, policy, start, pass, max_pages, buttons, |page| {
            progress.set_message(format!("pass {}/3 ({}): {page}", number + 1, pass.name()));
        })
        .await;
        let cookies = match result {
            Ok(()) => all_cookies(&client).await,
            Err(err) => Err(err),
        };
        let _ = client.close().await;
        let _ = std::fs::remove_dir_all(&profile);
        found.extend(judge(policy, pass, cookies?));
    }
    progress.finish_and_clear();
    Ok(found)
}

/// One pass: its consent established first when it has one, then the
/// same-origin pages breadth first, up to `max_pages`.
async fn visit(
    client: &Client,
    policy: &Policy,
    start: &Url,
    pass: Pass,
    max_pages: usize,
    buttons: &Buttons,
    on_page: impl Fn(&str),
) -> Result<(), String> {
    let goto = |url: String| async move {
        client
            .goto(&url)
            .await
            .map_err(|err| format!("{url} did not load: {err}"))
    };
    if let Some(choice) = pass.choice() {
        consent::establish(client, policy, start, &choice, buttons).await?;
    }
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen: BTreeSet<String> = BTreeSet::from([start.to_string()]);
    let mut visited = 0;
    while let Some(url) = queue.pop_front() {
        if visited == max_pages {
            break;
        }
        on_page(url.path());
        goto(url.to_string()).await?;
        visited += 1;
        // Scripts may write cookies after the load event (cookieStore.set resolves later).
        tokio::time::sleep(Duration::from_millis(300)).await;
        for link in client
            .find_all(Locator::Css("a[href]"))
            .await
            .map_err(|e| e.to_string())?
        {
            let Ok(Some(href)) = link.attr("href").await else {
                continue;
            };
            let Ok(mut next) = url.join(&href) else {
                continue;
            };
            next.set_fragment(None);
            if next.origin() == start.origin() && seen.insert(next.to_string()) {
                queue.push_back(next);
            }
        }
    }
    Ok(())
}

/// Chrome DevTools' `Storage.getCookies` through chromedriver: every cookie
/// of the browser, on every domain (WebDriver's own command sees only the
/// current page's).
/// A DevTools command through chromedriver: what WebDriver cannot do.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
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

async fn all_cookies(client: &Client) -> Result<Vec<serde_json::Value>, String> {
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

/// The cookies of one pass, judged by the policy as the layer would judge them.
fn judge(policy: &Policy, pass: Pass, cookies: Vec<serde_json::Value>) -> Vec<Found> {
    // The consent the site reads from this jar: the pass's own, checked when
    // it was established.
    let header = consent::jar_header(&cookies);
    let consent = policy.read_consent([header.as_str()], Signals::default());
    let mut found: Vec<Found> = cookies
        .iter()
        .filter_map(|cookie| {
            let name = cookie["name"].as_str()?.to_owned();
            // The consent cookies themselves (the policy's, a CMP's) are not judged.
            if policy.is_consent_cookie(&name) {
                return None;
            }
            let rule = policy.rule_for(&name);
            let mut findings = Vec::new();
            if rule.is_none() {
                findings.push("undeclared");
            }
            if policy.decide(&consent, &format!("{name}=v")).is_strip() {
                findings.extend(pass.violation());
            }
            let session = cookie["session"].as_bool().unwrap_or(false);
            Some(Found {
                pass,
                domain: cookie["domain"].as_str().unwrap_or_default().to_owned(),
                path: cookie["path"].as_str().unwrap_or_default().to_owned(),
                expires: cookie["expires"].as_f64().filter(|_| !session),
                category: rule.map(|r| r.category.clone()),
                name,
                findings,
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.domain, &a.name).cmp(&(&b.domain, &b.name)));
    found
}

/// A chromedriver on a free port, killed when dropped.
struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Result<Driver, String> {
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
    async fn session(&self, chromium: &Path, profile: &Path) -> Result<Client, String> {
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

/// How long from now until `expires`, roughly: "session", "59 minutes", "2 years".
fn lifetime(expires: Option<f64>) -> String {
    let Some(expires) = expires else {
        return "session".to_owned();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let seconds = (expires - now).max(0.0);
    let (value, unit) = [
        (365.0 * 86_400.0, "year"),
        (30.0 * 86_400.0, "month"),
        (86_400.0, "day"),
        (3600.0, "hour"),
        (60.0, "minute"),
    ]
    .into_iter()
    .find(|(per, _)| seconds >= *per)
    .map_or((seconds.round(), "second"), |(per, unit)| {
        ((seconds / per).round(), unit)
    });
    format!("{value} {unit}{}", if value == 1.0 { "" } else { "s" })
}

fn table(found: &[Found]) -> String {
    let rows: Vec<[String; 7]> = found
        .iter()
        .map(|f| {
            [
                f.pass.name().to_owned(),
                f.name.clone(),
                f.domain.clone(),
                f.path.clone(),
                lifetime(f.expires),
                f.category.clone().unwrap_or_else(|| "-".to_owned()),
                if f.findings.is_empty() {
                    "-".to_owned()
                } else {
                    f.findings.join(", ")
                },
            ]
        })
        .collect();
    let header = [
        "pass", "cookie", "domain", "path", "expires", "category", "findings",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let violations = found
        .iter()
        .filter(|f| f.findings.iter().any(|&x| x != "undeclared"))
        .count();
    let undeclared = found
        .iter()
        .filter(|f| f.findings.contains(&"undeclared"))
        .count();
    out.push_str(&format!(
        "{violations} before-consent or after-reject, {undeclared} undeclared\n"
    ));
    out
}

fn json(start: &Url, found: &[Found]) -> String {
    let passes: Vec<serde_json::Value> = Pass::ALL
        .iter()
        .map(|&pass| {
            let cookies: Vec<serde_json::Value> = found
                .iter()
                .filter(|f| f.pass == pass)
                .map(|f| {
                    serde_json::json!({
                        "name": f.name,
                        "domain": f.domain,
                        "path": f.path,
                        "expires": f.expires,
                        "category": f.category,
                        "findings": f.findings,
                    })
                })
                .collect();
            serde_json::json!({ "pass": pass.name(), "cookies": cookies })
        })
        .collect();
    let value = serde_json::json!({ "url": start.as_str(), "passes": passes });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
