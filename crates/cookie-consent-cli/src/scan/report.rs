//! What `scan` prints: a table for people, JSON for programs.

use url::Url;

use super::judge::{Finding, Found, Pass};

fn names(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.name()).collect()
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

pub(super) fn table(found: &[Found]) -> String {
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
                    names(&f.findings).join(", ")
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
        .filter(|f| f.findings.iter().any(|x| x.is_violation()))
        .count();
    let undeclared = found
        .iter()
        .filter(|f| f.findings.contains(&Finding::Undeclared))
        .count();
    out.push_str(&format!(
        "{violations} before-consent or after-reject, {undeclared} undeclared\n"
    ));
    out
}

pub(super) fn json(start: &Url, found: &[Found]) -> String {
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
                        "findings": names(&f.findings),
                    })
                })
                .collect();
            serde_json::json!({ "pass": pass.name(), "cookies": cookies })
        })
        .collect();
    let value = serde_json::json!({ "url": start.as_str(), "passes": passes });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
