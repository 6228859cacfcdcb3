//! `check FILE…`: every problem of every file in one run, as a compiler
//! reports them (`Policy::diagnose_toml_str`): each with its line quoted and
//! a caret under the span, and the fix where one is known; `--format json`
//! or `sarif` for CI.

mod sarif;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cookie_consent_core::{Diagnostic, Policy, Severity};

use crate::output::OutputFormat;
use crate::{emit, Outcome};

/// `check`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy files (TOML, or JSON by a `.json` extension).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// One file, checked: its text and problems, or why it could not be.
pub(crate) struct Checked<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: String,
    pub(crate) outcome: Result<Vec<Diagnostic>, String>,
}

impl Checked<'_> {
    fn count(&self, severity: Severity) -> usize {
        match &self.outcome {
            Ok(diagnostics) => diagnostics
                .iter()
                .filter(|d| d.severity == severity)
                .count(),
            Err(_) => 0,
        }
    }
}

pub(crate) fn run(args: &Args, format: Option<OutputFormat>) -> Outcome {
    use OutputFormat::{Json, Sarif, Text};
    let format = OutputFormat::pick(format, "check", &[Text, Json, Sarif])?;
    let checked: Vec<Checked<'_>> = args.files.iter().map(|path| check(path)).collect();
    let errors: usize = checked.iter().map(|c| c.count(Severity::Error)).sum();
    let warnings: usize = checked.iter().map(|c| c.count(Severity::Warning)).sum();
    let failed = checked.iter().filter(|c| c.outcome.is_err()).count();
    match format {
        Json => emit(&json(&checked, errors, warnings))?,
        Sarif => emit(&sarif::log(&checked))?,
        _ => {
            for file in &checked {
                match &file.outcome {
                    Ok(diagnostics) => emit(&text::render(file.path, &file.text, diagnostics))?,
                    Err(message) => eprintln!("cookie-consent: {message}"),
                }
            }
        }
    }
    eprintln!(
        "{} checked: {errors} error{}, {warnings} warning{}{}",
        plural(checked.len(), "file"),
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        match failed {
            0 => String::new(),
            n => format!(", {} not checked", plural(n, "file")),
        }
    );
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A file's problems, or why it is no policy to judge: it cannot be read,
/// is not text, or is neither TOML nor JSON with a policy's keys.
fn check(path: &Path) -> Checked<'_> {
    let failed = |message: String| Checked {
        path,
        text: String::new(),
        outcome: Err(format!("{}: {message}", path.display())),
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return failed(format!("cannot read the policy file: {err}")),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return failed("not a policy file: it is not UTF-8 text".to_owned());
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let diagnostics = if is_json {
        Policy::diagnose_json_str(&text)
    } else {
        Policy::diagnose_toml_str(&text)
    };
    if let Some(not_policy) = diagnostics.iter().find(|d| d.rule == "not-a-policy") {
        return failed(not_policy.message.clone());
    }
    Checked {
        path,
        text,
        outcome: Ok(diagnostics),
    }
}

/// `--format json`: every file with its problems (schema:
/// `crates/cookie-consent-cli/check-output.schema.json`).
fn json(checked: &[Checked<'_>], errors: usize, warnings: usize) -> String {
    let files: Vec<serde_json::Value> = checked
        .iter()
        .map(|file| match &file.outcome {
            Err(message) => serde_json::json!({
                "path": file.path.display().to_string(),
                "error": message,
            }),
            Ok(diagnostics) => {
                let diagnostics: Vec<serde_json::Value> = diagnostics
                    .iter()
                    .map(|d| {
                        let (start, end) = text::positions(&file.text, d);
                        serde_json::json!({
                            "severity": severity(d.severity),
                            "rule": d.rule,
                            "field": d.field,
                            "message": d.message,
                            "help": d.help,
                            "start": start.map(|(line, column)| serde_json::json!({"line": line, "column": column})),
                            "end": end.map(|(line, column)| serde_json::json!({"line": line, "column": column})),
                            "span": d.span.as_ref().map(|s| serde_json::json!({"start": s.start, "end": s.end})),
                            "fix": d.fix.as_ref().map(|f| serde_json::json!({
                                "start": f.span.start,
                                "end": f.span.end,
                                "replacement": f.replacement,
                            })),
                        })
                    })
                    .collect();
                serde_json::json!({
                    "path": file.path.display().to_string(),
                    "diagnostics": diagnostics,
                })
            }
        })
        .collect();
    let value = serde_json::json!({
        "files": files,
        "errors": errors,
        "warnings": warnings,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

pub(crate) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        _ => "warning",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
