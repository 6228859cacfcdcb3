//! Crawling one pass: consent established as the site does it, then the
//! same-origin pages breadth first.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use cookie_consent_core::Policy;
use fantoccini::{Client, Locator};
use url::Url;

use super::consent::{self, Buttons};
use super::judge::Pass;

/// One pass: its consent established first when it has one, then the
/// same-origin pages breadth first, up to `max_pages`.
pub(super) async fn visit(
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
