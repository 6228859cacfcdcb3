//! Putting a pass's browser in the consent state it asks for, as the site
//! does: the CMP's own button (known per format, or `--accept`/`--reject`),
//! else the first source's cookies written as its CMP writes them. Then the
//! browser's jar is read with the policy's sources: a pass whose state did
//! not take is an error, never a clean report.

use std::time::Duration;

use cookie_consent_core::{ConsentChoice, ConsentState, Policy, Signals};
use fantoccini::{Client, Locator};
use url::Url;

use super::browser::{all_cookies, DevTools};

/// Buttons given on the command line, in place of the known ones.
#[derive(Debug, Default)]
pub(crate) struct Buttons {
    pub(crate) accept: Option<String>,
    pub(crate) reject: Option<String>,
}

/// Each format's "accept all" and "reject all" buttons, as its banner ships
/// them; `cookie-consent` is this library's own banner.
fn known_buttons(format: &str) -> Option<(&'static str, &'static str)> {
    Some(match format {
        "cookie-consent" => ("button[value=accept-all]", "button[value=reject-optional]"),
        "vanilla-cookieconsent" => ("#cc-main [data-role=all]", "#cc-main [data-role=necessary]"),
        "klaro" => (
            "#klaro-cookie-notice .cm-btn-success",
            "#klaro-cookie-notice .cn-decline",
        ),
        "cookiebot" => (
            "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll",
            "#CybotCookiebotDialogBodyButtonDecline",
        ),
        "onetrust" => (
            "#onetrust-accept-btn-handler",
            "#onetrust-reject-all-handler",
        ),
        "cookieyes" => (".cky-btn-accept", ".cky-btn-reject"),
        "complianz" => (".cmplz-btn.cmplz-accept", ".cmplz-btn.cmplz-deny"),
        _ => return None,
    })
}

/// How long a banner may take to show its button.
const BUTTON_WAIT: Duration = Duration::from_secs(3);

/// Establishes `choice` on `start`'s site in a fresh browser, and says how.
pub(crate) async fn establish(
    client: &Client,
    policy: &Policy,
    start: &Url,
    choice: &ConsentChoice,
    buttons: &Buttons,
) -> Result<String, String> {
    let accept = matches!(choice, ConsentChoice::AcceptAll);
    let format = policy
        .consent_source_formats()
        .next()
        .unwrap_or("cookie-consent");
    let given = if accept {
        &buttons.accept
    } else {
        &buttons.reject
    };
    let known = known_buttons(format).map(|(a, r)| if accept { a } else { r });
    let goto = |url: &str| {
        let url = url.to_owned();
        async move {
            client
                .goto(&url)
                .await
                .map_err(|err| format!("{url} did not load: {err}"))
        }
    };
    goto(start.as_str()).await?;
    client
        .delete_all_cookies()
        .await
        .map_err(|e| e.to_string())?;
    goto(start.as_str()).await?;
    let how = match (given.as_deref(), known) {
        (Some(selector), _) => {
            if !click(client, selector).await {
                return Err(format!(
                    "the {} button `{selector}` was not found on {start}: check the selector",
                    if accept { "--accept" } else { "--reject" }
                ));
            }
            format!("clicked `{selector}`")
        }
        (None, Some(selector)) if click(client, selector).await => format!("clicked `{selector}`"),
        (None, _) => {
            write(client, policy, start, choice, format).await?;
            format!("wrote the {format} cookies")
        }
    };
    verify(client, policy, start, accept, &how).await?;
    Ok(how)
}

/// Clicks the button once the banner shows it; false when it never does.
async fn click(client: &Client, selector: &str) -> bool {
    let until = tokio::time::Instant::now() + BUTTON_WAIT;
    while tokio::time::Instant::now() < until {
        if let Ok(button) = client.find(Locator::Css(selector)).await {
            if button.is_displayed().await.unwrap_or(false) && button.click().await.is_ok() {
                // The banner stores the choice, or its form's answer loads.
                tokio::time::sleep(Duration::from_millis(700)).await;
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Writes the consent cookies the site's CMP (or this library) would.
async fn write(
    client: &Client,
    policy: &Policy,
    start: &Url,
    choice: &ConsentChoice,
    format: &str,
) -> Result<(), String> {
    let cannot = |e: fantoccini::error::CmdError| format!("cannot write the consent cookie: {e}");
    if format == "cookie-consent" && policy.signs_consent() {
        // As the server writes it: HttpOnly, which no page script may set
        // (WebDriver's add-cookie cannot set one on an IP address's site).
        let set_cookie = policy.write_consent(choice);
        let pair = set_cookie.split(';').next().unwrap_or_default();
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let command = DevTools {
            cmd: "Network.setCookie",
            params: serde_json::json!({
                "name": name, "value": value, "url": start.as_str(), "path": "/", "httpOnly": true,
            }),
        };
        client.issue_cmd(command).await.map_err(cannot)?;
        return Ok(());
    }
    let pairs = if format == "cookie-consent" {
        let set_cookie = policy.write_consent(choice);
        vec![set_cookie.split(';').next().unwrap_or_default().to_owned()]
    } else {
        policy.write_source_consent(choice).ok_or_else(|| {
            format!(
                "cannot set up consent on {start}: no {format} button was found, and scan cannot \
                 write the {format} format; name the banner's buttons with --accept and --reject"
            )
        })?
    };
    // As a banner script writes them: through `document.cookie`.
    for pair in pairs {
        let argument = serde_json::Value::from(format!("{pair}; Path=/"));
        client
            .execute("document.cookie = arguments[0];", vec![argument])
            .await
            .map_err(cannot)?;
    }
    Ok(())
}

/// Reads the jar as the server would: the pass's state must hold.
async fn verify(
    client: &Client,
    policy: &Policy,
    start: &Url,
    accept: bool,
    how: &str,
) -> Result<(), String> {
    let cookies = all_cookies(client).await?;
    let header = jar_header(&cookies);
    let consent = policy.read_consent([header.as_str()], Signals::default());
    let granted: Vec<&str> = consent.granted().collect();
    let all: Vec<&str> = policy.categories().iter().map(|c| c.id.as_str()).collect();
    let wanted: &[&str] = if accept { &all } else { &all[..1] };
    if consent.state() != ConsentState::Valid || granted != wanted {
        let pass = if accept {
            "accept all"
        } else {
            "reject optional"
        };
        return Err(format!(
            "the {pass} pass could not establish its consent on {start} ({how}): the site then \
             reads it as {} granting {}; a scan from here would report nothing it could trust",
            consent.state().as_str(),
            if granted.is_empty() {
                "nothing".to_owned()
            } else {
                granted.join(", ")
            },
        ));
    }
    Ok(())
}

/// The browser's cookies as one `Cookie` header.
pub(crate) fn jar_header(cookies: &[serde_json::Value]) -> String {
    cookies
        .iter()
        .filter_map(|c| Some(format!("{}={}", c["name"].as_str()?, c["value"].as_str()?)))
        .collect::<Vec<_>>()
        .join("; ")
}
