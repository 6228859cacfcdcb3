//! `check FILE…`: every problem of every file, then the lint warnings of the
//! files that load; each as `FILE:LINE: …`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cookie_consent_core::Policy;

use crate::lint::lint;
use crate::{emit, Outcome};

pub(crate) fn run(files: &[PathBuf], deny_warnings: bool) -> Outcome {
    let (mut errors, mut warnings, mut unreadable) = (0, 0, false);
    for file in files {
        match Policy::check_path(file) {
            Err(problems) => {
                // A file that cannot be read is no policy to judge: exit 2, after the others.
                unreadable |= std::fs::metadata(file).map_or(true, |m| !m.is_file());
                errors += problems.len();
                for problem in problems {
                    emit(&format!("{problem}\n"))?;
                }
            }
            Ok(policy) => {
                // The text was just read; a failure now is a race, and lints need it.
                let text = std::fs::read_to_string(file).unwrap_or_default();
                for warning in lint(&policy, &text) {
                    warnings += 1;
                    emit(&format!(
                        "{}: warning: field `{}`: {}\n",
                        location(file, warning.line),
                        warning.field,
                        warning.message
                    ))?;
                }
            }
        }
    }
    eprintln!(
        "{} checked: {errors} error{}, {warnings} warning{}",
        plural(files.len(), "file"),
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    );
    Ok(if unreadable {
        ExitCode::from(2)
    } else if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn location(file: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", file.display()),
        None => file.display().to_string(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
