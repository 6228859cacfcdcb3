//! `scan URL --policy FILE`: what a live site really stores, in a real
//! browser, judged against the declared policy (DESIGN §14). Headless
//! Chromium, driven by chromedriver, visits up to N same-origin pages three
//! times, each with a fresh profile: without consent, after rejecting
//! optional cookies, after accepting all — consent established as the site
//! does it ([`consent`]), and checked to hold before the pass is reported.
//! After each pass it lists every cookie the browser holds — set by the
//! server or by scripts, on any domain — with its category and the findings:
//! `undeclared`, `before-consent`, `after-reject`.

mod browser;
mod consent;
mod crawl;
mod judge;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use cookie_consent_core::{Policy, SigningKeys};
use indicatif::{ProgressBar, ProgressStyle};
use url::Url;

use crate::output::OutputFormat;
use crate::{emit, load, Outcome};
use browser::{tool, Driver, CHROMEDRIVER, CHROMIUM};
use consent::Buttons;
use judge::{judge, Found, Pass};

/// `scan`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The page to start from; same-origin links are followed.
    url: String,
    /// The site's policy file.
    #[arg(long)]
    policy: PathBuf,
    /// The most pages visited per pass.
    #[arg(long, default_value_t = 10)]
    max_pages: usize,
    /// The banner's "accept all" button (CSS), instead of the known one
    /// for the policy's first consent source.
    #[arg(long, value_name = "SELECTOR")]
    accept: Option<String>,
    /// The banner's "reject all" button (CSS).
    #[arg(long, value_name = "SELECTOR")]
    reject: Option<String>,
}

pub(crate) fn run(scan: &Args, format: Option<OutputFormat>) -> Outcome {
    let format = OutputFormat::pick(format, "scan", &[OutputFormat::Text, OutputFormat::Json])?;
    let buttons = Buttons {
        accept: scan.accept.clone(),
        reject: scan.reject.clone(),
    };
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
        &buttons,
        (&chromium, &chromedriver),
    ))?;
    let violations = found
        .iter()
        .filter(|f| f.findings.iter().any(|x| x.is_violation()))
        .count();
    emit(&if format == OutputFormat::Json {
        report::json(&start, &found)
    } else {
        report::table(&found)
    })?;
    Ok(if violations > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
        let result = crawl::visit(&client, policy, start, pass, max_pages, buttons, |page| {
            progress.set_message(format!("pass {}/3 ({}): {page}", number + 1, pass.name()));
        })
        .await;
        let cookies = match result {
            Ok(()) => browser::all_cookies(&client).await,
            Err(err) => Err(err),
        };
        let _ = client.close().await;
        let _ = std::fs::remove_dir_all(&profile);
        found.extend(judge(policy, pass, cookies?));
    }
    progress.finish_and_clear();
    Ok(found)
}
