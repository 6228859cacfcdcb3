//! `cookie-consent`: the command for the people who answer for a site's
//! compliance (DESIGN §14, §19). `check` validates policy files in CI,
//! `render` publishes the policy page, `diff` says whether a change needs
//! every visitor asked again, `scan` shows what a live site really stores,
//! `records export` hands over the proof of consent. One module per command,
//! each with its arguments.
//!
//! Exit codes, the same for every command: 0 fine; 1 problems found (`check`:
//! errors, or warnings with `--deny-warnings`; `scan`: cookies the consent
//! does not allow); 2 the command could not run (a bad argument, a file that
//! cannot be read or is not a policy, a store that cannot be opened); 3
//! `diff` found a change that needs re-consent while `revision` did not
//! increase.

mod check;
mod diff;
mod output;
mod records;
mod render;
mod scan;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::OutputFormat;

/// Check, render and compare cookie-policy files.
#[derive(Debug, Parser)]
#[command(name = "cookie-consent", version, about)]
struct Cli {
    /// The output: `text` (default), `json` or `sarif` for `check`; `html`
    /// (default), `markdown` or `json` for `render`; `text` or `json` for
    /// `diff` and `scan`.
    #[arg(long, global = true, value_enum)]
    format: Option<OutputFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every problem of every file, then lint warnings; exit 1 on errors.
    Check(check::Args),
    /// The policy page, as the library serves it.
    Render(render::Args),
    /// What changed for visitors, and whether it needs re-consent; exit 3
    /// when it does and `revision` did not increase.
    Diff(diff::Args),
    /// A live site in headless Chromium, three times (no consent, optional
    /// rejected, all accepted): every cookie it holds, judged by the policy;
    /// exit 1 on a `before-consent` or `after-reject` finding.
    Scan(scan::Args),
    /// Consent records: the proof of every answer the consent endpoint wrote.
    Records(records::Args),
}

/// What a command ends with: an exit code, or a message and exit 2.
type Outcome = Result<ExitCode, String>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    let outcome = match &cli.command {
        Command::Check(args) => check::run(args, format),
        Command::Render(args) => render::run(args, format),
        Command::Diff(args) => diff::run(args, format),
        Command::Scan(args) => scan::run(args, format),
        Command::Records(args) => records::run(args, format),
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("cookie-consent: {message}");
        ExitCode::from(2)
    })
}

/// Writes to standard output; a reader that went away (`| head`) ends the
/// output quietly, as it does for other commands.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {err}"))
        }
        _ => Ok(()),
    }
}

/// A policy file, or a message naming its first problem (the command cannot run: exit 2).
fn load(path: &std::path::Path) -> Result<cookie_consent_core::Policy, String> {
    cookie_consent_core::Policy::from_path(path).map_err(|err| err.to_string())
}
