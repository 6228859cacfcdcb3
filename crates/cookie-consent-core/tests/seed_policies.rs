//! The example policies encode the two seed cookie-policy documents
//! (`examples/policies/seeds/`): checked here against the documents' own text.

use cookie_consent_core::{Mode, Policy};

const MINOPA_SEED: &str = include_str!("data/minopa-cookie-policy.txt");
const MIHARI_SEED: &str = include_str!("data/mihari-cookie-policy.txt");

fn load(file: &str) -> Policy {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    Policy::from_path(&path).unwrap_or_else(|err| panic!("{err}"))
}

/// The line after `heading` in `document`.
fn paragraph_after<'a>(document: &'a str, heading: &str) -> &'a str {
    let mut lines = document.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "no heading {heading:?}");
    lines.next().unwrap()
}

/// Rows `name | provider | purpose | expiry |` of the table under `heading`.
fn table_after<'a>(document: &'a str, heading: &str) -> Vec<[&'a str; 4]> {
    document
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with("| Cookie"))
        .skip(2)
        .take_while(|l| l.contains(" | "))
        .map(|row| {
            let cells: Vec<&str> = row
                .split(" | ")
                .map(|c| c.trim_end_matches(" |").trim())
                .collect();
            [cells[0], cells[1], cells[2], cells[3]]
        })
        .collect()
}

#[test]
fn minopa_encodes_its_cookie_tables_row_for_row() {
    let policy = load("minopa.toml");
    let sections = [
        ("essential", "3.1 Essential Cookies"),
        ("functional", "3.2 Functional Cookies"),
        ("analytics", "3.3 Analytics Cookies"),
    ];
    let mut rows = 0;
    for (category, heading) in sections {
        let table = table_after(MINOPA_SEED, heading);
        assert!(!table.is_empty(), "no table under {heading}");
        for [name, provider, purpose, expiry] in table {
            let rule = policy
                .rule_for(name)
                .unwrap_or_else(|| panic!("{name} is not declared"));
            assert_eq!(rule.name, name);
            assert_eq!(
                (
                    rule.category.as_str(),
                    rule.provider.as_str(),
                    rule.purpose.as_str(),
                    rule.expiry.as_str()
                ),
                (category, provider, purpose, expiry),
                "{name}"
            );
            rows += 1;
        }
    }
    assert_eq!(rows, 11);
    assert_eq!(
        policy.cookies().len(),
        rows,
        "no cookie beyond the seed's tables"
    );
}

#[test]
fn minopa_categories_follow_the_document() {
    let policy = load("minopa.toml");
    let ids: Vec<&str> = policy.categories().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["essential", "functional", "analytics", "marketing"]);
    for (category, heading) in policy.categories().iter().zip([
        "3.1 Essential Cookies",
        "3.2 Functional Cookies",
        "3.3 Analytics Cookies",
        "3.4 Marketing Cookies",
    ]) {
        assert_eq!(category.title, heading[4..], "{}", category.id);
        assert_eq!(
            category.description,
            paragraph_after(MINOPA_SEED, heading),
            "{}",
            category.id
        );
        // §7: "- Essential Cookies: Legitimate interest - …"
        let legal = MINOPA_SEED
            .lines()
            .find_map(|l| l.strip_prefix(&format!("- {}: ", &heading[4..])))
            .unwrap();
        assert_eq!(category.legal_basis, legal, "{}", category.id);
    }
    // §6's retention table.
    assert_eq!(
        policy.categories()[0].retention,
        "Session to 1 year (varies by cookie)"
    );
    assert_eq!(policy.categories()[1].retention, "1 year");
    for part in ["Up to 2 years", "Up to 1 year", "Session only"] {
        assert!(
            policy.categories()[2]
                .retention
                .to_lowercase()
                .contains(&part.to_lowercase()),
            "analytics retention lacks {part:?}"
        );
        assert!(MINOPA_SEED.contains(part));
    }
    let marketing = &policy.categories()[3];
    assert!(marketing.honor_gpc);
    assert!(!policy.categories()[..3].iter().any(|c| c.honor_gpc));
    assert_eq!(
        (policy.name(), policy.revision(), policy.mode()),
        ("Minopa", 1, Mode::OptIn)
    );
    assert!(MINOPA_SEED.contains("We currently do not respond to DNT signals"));
}

#[test]
fn mihari_categories_follow_the_document() {
    let policy = load("mihari.toml");
    let ids: Vec<&str> = policy.categories().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["essential", "performance", "functional", "analytics"]);
    for category in policy.categories() {
        let heading = category.title.as_str();
        assert_eq!(
            category.description,
            paragraph_after(MIHARI_SEED, heading),
            "{}",
            category.id
        );
        // §2 lists the four categories by these names.
        let listed = format!("- {} - ", heading.replace("Cookies", "cookies"));
        assert!(MIHARI_SEED.contains(&listed), "{heading}");
    }
    assert_eq!(
        (policy.name(), policy.revision(), policy.mode()),
        ("Mihari", 1, Mode::OptIn)
    );
}

#[test]
fn mihari_declares_the_sites_cookies() {
    let policy = load("mihari.toml");
    let expected = [
        ("mihari_session", "essential", "Session"),
        ("csrf_token", "essential", "Session"),
        ("lb_route", "essential", "Session"),
        ("cookie-preferences", "essential", "1 year"),
        ("mh_perf", "performance", "1 day"),
        ("mh_prefs", "functional", "1 year"),
        ("lang", "functional", "1 year"),
        ("tz", "functional", "1 year"),
        ("dashboard_layout", "functional", "1 year"),
        ("mh_analytics_id", "analytics", "1 year"),
    ];
    let declared: Vec<(&str, &str, &str)> = policy
        .cookies()
        .iter()
        .map(|r| (r.name.as_str(), r.category.as_str(), r.expiry.as_str()))
        .collect();
    assert_eq!(declared, expected);
    // Each purpose is, word for word, a purpose the document lists under its category.
    for rule in policy
        .cookies()
        .iter()
        .filter(|r| r.name != "cookie-preferences")
    {
        let category = &policy.categories()[policy.category_index(&rule.category).unwrap()];
        let bullets: Vec<&str> = MIHARI_SEED
            .lines()
            .skip_while(|l| *l != category.title)
            .skip(2)
            .map_while(|l| l.strip_prefix("- "))
            .collect();
        assert!(
            bullets.contains(&rule.purpose.as_str()),
            "{}: {:?} not in {bullets:?}",
            rule.name,
            rule.purpose
        );
    }
    assert!(
        policy.rule_for("__stripe_mid").is_none(),
        "Stripe is added on billing pages only"
    );
}

/// Rows of every Markdown table in `markdown` under `## title`, as cells.
fn rendered_rows<'a>(markdown: &'a str, title: &str) -> Vec<Vec<&'a str>> {
    markdown
        .lines()
        .skip_while(|l| *l != format!("## {title}"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Cookie |"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect()
}

#[test]
fn minopa_markdown_reproduces_the_seed_tables_row_for_row() {
    let policy = load("minopa.toml");
    let markdown = policy.render_markdown();
    for (title, heading) in [
        ("Essential Cookies", "3.1 Essential Cookies"),
        ("Functional Cookies", "3.2 Functional Cookies"),
        ("Analytics Cookies", "3.3 Analytics Cookies"),
    ] {
        let seed: Vec<Vec<&str>> = table_after(MINOPA_SEED, heading)
            .iter()
            .map(|row| row.to_vec())
            .collect();
        assert_eq!(rendered_rows(&markdown, title), seed, "{title}");
    }
    assert!(rendered_rows(&markdown, "Marketing Cookies").is_empty());
    assert!(markdown.contains("We do not currently set marketing cookies"));
}
