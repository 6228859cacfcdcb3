//! `cookie-consent`: the command for the people who answer for a site's
//! compliance (DESIGN §14). `check` validates policy files in CI, `render`
//! publishes the policy page, `diff` says whether a change needs every
//! visitor asked again, `scan` shows what a live site really stores,
//! `records export` hands over the proof of consent.
//!
//! Exit codes: 0 fine; 1 `check` found errors (or warnings, with
//! `--deny-warnings`), or `scan` found cookies the consent does not allow; 2 the command could not run (a bad argument, a file
//! that cannot be read or is not a policy); 3 `diff` found a change that needs
//! re-consent while `revision` did not increase.

mod check;
mod diff;
mod lint;
mod records;
mod render;
mod scan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Check, render and compare cookie-policy files.
#[derive(Debug, Parser)]
#[command(name = "cookie-consent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every problem of every file, then lint warnings; exit 1 on errors.
    Check {
        /// Policy files (TOML, or JSON by a `.json` extension).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// The policy page, as the library serves it.
    Render {
        /// The policy file.
        file: PathBuf,
        /// What to print.
        #[arg(long, value_enum, default_value = "html")]
        format: Format,
        /// The language (a tag the policy speaks); default: its `default_locale`.
        #[arg(long)]
        locale: Option<String>,
    },
    /// What changed for visitors, and whether it needs re-consent; exit 3
    /// when it does and `revision` did not increase.
    Diff {
        /// The policy in force.
        old: PathBuf,
        /// The policy to publish.
        new: PathBuf,
    },
    /// A live site in headless Chromium, three times (no consent, optional
    /// rejected, all accepted): every cookie it holds, judged by the policy;
    /// exit 1 on a `before-consent` or `after-reject` finding.
    Scan {
        /// The page to start from; same-origin links are followed.
        url: String,
        /// The site's policy file.
        #[arg(long)]
        policy: PathBuf,
        /// The most pages visited per pass.
        #[arg(long, default_value_t = 10)]
        max_pages: usize,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The banner's "accept all" button (CSS), instead of the known one
        /// for the policy's first consent source.
        #[arg(long, value_name = "SELECTOR")]
        accept: Option<String>,
        /// The banner's "reject all" button (CSS).
        #[arg(long, value_name = "SELECTOR")]
        reject: Option<String>,
    },
    /// Consent records: the proof of every answer the consent endpoint wrote.
    Records {
        #[command(subcommand)]
        command: RecordsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RecordsCommand {
    /// The records as JSON lines, oldest first.
    Export {
        /// The store: sqlite:PATH or postgres://USER@HOST:PORT/DB.
        #[arg(long)]
        store: String,
        /// Only this consent id's records.
        #[arg(long)]
        id: Option<String>,
        /// Only records from this date (YYYY-MM-DD, UTC) or RFC 3339 time on.
        #[arg(long)]
        since: Option<String>,
    },
}

/// `render`'s output formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Html,
    Markdown,
    Json,
}

/// What a command ends with: an exit code, or a message and exit 2.
type Outcome = Result<ExitCode, String>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check {
            files,
            deny_warnings,
        } => check::run(&files, deny_warnings),
        Command::Render {
            file,
            format,
            locale,
        } => render::run(&file, format, locale.as_deref()),
        Command::Diff { old, new } => diff::run(&old, &new),
        Command::Scan {
            url,
            policy,
            max_pages,
            json,
            accept,
            reject,
        } => scan::run(&scan::Scan {
            url,
            policy,
            max_pages,
            json,
            buttons: scan::Buttons { accept, reject },
        }),
        Command::Records {
            command: RecordsCommand::Export { store, id, since },
        } => records::export(&store, id.as_deref(), since.as_deref()),
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

/// A policy file, or a message naming its first problem.
fn load(path: &std::path::Path) -> Result<cookie_consent_core::Policy, String> {
    cookie_consent_core::Policy::from_path(path).map_err(|err| err.to_string())
}
