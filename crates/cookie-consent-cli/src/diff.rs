//! `diff OLD NEW`: what changed for visitors between two policies
//! (`Policy::changes_since`), and the re-consent verdict: exit 3 when a
//! change needs re-consent and `revision` did not increase.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::OutputFormat;
use crate::{emit, load, Outcome};

/// `diff`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The policy in force.
    old: PathBuf,
    /// The policy to publish.
    new: PathBuf,
}

pub(crate) fn run(args: &Args, format: Option<OutputFormat>) -> Outcome {
    use OutputFormat::{Json, Text};
    let format = OutputFormat::pick(format, "diff", &[Text, Json])?;
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    let changes = new.changes_since(&old);
    let mut out = String::new();
    for change in &changes {
        match (change.reconsent, change.notice) {
            (Some(reason), _) => {
                let _ = writeln!(out, "{} — needs re-consent: {reason}", change.text);
            }
            (None, Some(notice)) => {
                let _ = writeln!(out, "{} — tell visitors: {notice}", change.text);
            }
            (None, None) => {
                let _ = writeln!(out, "{}", change.text);
            }
        }
    }
    let needed = changes
        .iter()
        .find_map(|c| c.reconsent.map(|r| (r, &c.text)));
    let (from, to) = (old.revision(), new.revision());
    let code = match needed {
        None if changes.is_empty() => {
            out.push_str("no change for visitors\n");
            0
        }
        None => {
            let _ = writeln!(out, "no re-consent needed (revision {from} → {to})");
            0
        }
        Some(_) if to > from => {
            let _ = writeln!(
                out,
                "re-consent needed: revision {from} → {to} asks every visitor again"
            );
            0
        }
        Some((reason, text)) => {
            let _ = writeln!(
                out,
                "re-consent needed ({reason}: {text}), but `revision` stays {to}: set it to {} or more",
                from + 1
            );
            3
        }
    };
    if format == Json {
        // The same verdict, the changes as records: the last line of the text is the verdict.
        let verdict = out.lines().last().unwrap_or_default();
        let changes: Vec<serde_json::Value> = changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "change": c.text,
                    "reconsent": c.reconsent,
                    "notice": c.notice,
                })
            })
            .collect();
        let value = serde_json::json!({
            "changes": changes,
            "reconsent_needed": needed.is_some(),
            "revision": { "old": from, "new": to },
            "verdict": verdict,
        });
        out = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    }
    emit(&out)?;
    Ok(ExitCode::from(code))
}
