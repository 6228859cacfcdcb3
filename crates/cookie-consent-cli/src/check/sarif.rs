//! `check --format sarif`: a SARIF 2.1.0 log (OASIS), the format code
//! scanning ingests: one run, a rule per kind of problem met, a result per
//! problem with its region and, where known, its fix.

use std::collections::BTreeMap;

use super::text::{position, positions};
use super::{severity, Checked};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(crate) fn log(checked: &[Checked<'_>]) -> String {
    let mut rules: BTreeMap<&str, &str> = BTreeMap::new();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in checked {
        let uri = uri_reference(&file.path.display().to_string());
        let diagnostics = match &file.outcome {
            Ok(diagnostics) => diagnostics,
            Err(message) => {
                notifications.push(serde_json::json!({
                    "level": "error",
                    "message": { "text": message },
                    "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
                }));
                continue;
            }
        };
        for d in diagnostics {
            rules
                .entry(d.rule)
                .or_insert_with(|| rule_description(d.rule));
            let mut location = serde_json::json!({ "artifactLocation": { "uri": uri } });
            if let (Some((start_line, start_column)), Some((end_line, end_column))) =
                positions(&file.text, d)
            {
                location["region"] = serde_json::json!({
                    "startLine": start_line,
                    "startColumn": start_column,
                    "endLine": end_line,
                    "endColumn": end_column,
                });
            }
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text = format!("{text} ({})", help.lines().next().unwrap_or(help));
            }
            let mut result = serde_json::json!({
                "ruleId": d.rule,
                "level": severity(d.severity),
                "message": { "text": text },
                "locations": [{ "physicalLocation": location }],
            });
            if let Some(fix) = &d.fix {
                let start = position(&file.text, fix.span.start);
                let end = position(&file.text, fix.span.end);
                if let (Some((sl, sc)), Some((el, ec))) = (start, end) {
                    result["fixes"] = serde_json::json!([{
                        "description": { "text": d.help.clone().unwrap_or_else(|| "apply the fix".to_owned()) },
                        "artifactChanges": [{
                            "artifactLocation": { "uri": uri },
                            "replacements": [{
                                "deletedRegion": {
                                    "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec,
                                },
                                "insertedContent": { "text": fix.replacement },
                            }],
                        }],
                    }]);
                }
            }
            results.push(result);
        }
    }
    let rules: Vec<serde_json::Value> = rules
        .into_iter()
        .map(|(id, text)| serde_json::json!({ "id": id, "shortDescription": { "text": text } }))
        .collect();
    let value = serde_json::json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cookie-consent",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// A path as a SARIF `uri` (a URI reference): `/` between parts, and every
/// byte but the unreserved and `/` percent-encoded.
fn uri_reference(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for &byte in path.replace('\\', "/").as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// What each kind of problem is, for the rule list.
fn rule_description(rule: &str) -> &'static str {
    match rule {
        "syntax" => "The file is not valid TOML or JSON.",
        "unknown-key" => "A key the policy schema does not know.",
        "unknown-value" => "A value that is not one of those allowed.",
        "wrong-type" => "A value of the wrong type.",
        "missing-key" => "An entry without a key it needs.",
        "duplicate-key" => "A key said twice.",
        "invalid-value" => "A value the policy cannot take.",
        "category-without-description" => "A category visitors choose without a description.",
        "marketing-without-gpc" => "A marketing category that ignores Global Privacy Control.",
        "cookie-without-provider" => "A cookie without a provider.",
        "cookie-without-purpose" => "A cookie without a purpose.",
        "retention-too-long" => "A consent-based cookie kept longer than 13 months.",
        "tracker-declared-essential" => "A tracking provider's cookie declared essential.",
        "consent-cookie-undeclared" => "A consent cookie the policy page does not list.",
        "consent-unsigned" => "A consent cookie any page script can forge.",
        "resource-without-provider" => "A resource that names no provider.",
        "resource-provider-undeclared" => {
            "A resource of a provider none of whose cookies are declared."
        }
        _ => "A problem of the policy.",
    }
}
