//! `records export --store URL [--id ID] [--since DATE]`: the consent
//! records (DESIGN §15) as JSON lines, oldest first, for an audit or a
//! visitor's access request.

use std::process::ExitCode;

use cookie_consent_core::{ConsentId, ConsentStore, RecordQuery};

use crate::output::OutputFormat;
use crate::{emit, Outcome};

/// `records`' arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
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

pub(crate) fn run(args: &Args, format: Option<OutputFormat>) -> Outcome {
    OutputFormat::pick(format, "records export", &[OutputFormat::Json])?;
    let Command::Export { store, id, since } = &args.command;
    export(store, id.as_deref(), since.as_deref())
}

fn export(store: &str, id: Option<&str>, since: Option<&str>) -> Outcome {
    let mut query = RecordQuery::all();
    if let Some(id) = id {
        // A mistyped id would export nothing, as if the visitor had no records.
        if ConsentId::parse(id).is_none() {
            return Err(format!(
                "--id `{id}`: not a consent id (32 lower-case hex digits, as the consent cookie's `id`)"
            ));
        }
        query = query.id(id);
    }
    if let Some(since) = since {
        query = query.since(since).ok_or_else(|| {
            format!("--since `{since}`: not a date (YYYY-MM-DD) or an RFC 3339 time")
        })?;
    }
    // Opening a SQLite path creates the file: a mistyped path would export nothing.
    if let Some(path) = store.strip_prefix("sqlite:").filter(|p| *p != ":memory:") {
        if !std::path::Path::new(path).is_file() {
            return Err(format!("--store `{store}`: no such database file"));
        }
    }
    let store = cookie_consent_records::open(store).map_err(|err| err.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|err| format!("cannot start: {err}"))?;
    let records = runtime
        .block_on(store.select(&query))
        .map_err(|err| err.to_string())?;
    let mut lines = String::new();
    for record in &records {
        let line =
            serde_json::to_string(record).map_err(|err| format!("cannot write JSON: {err}"))?;
        lines.push_str(&line);
        lines.push('\n');
    }
    emit(&lines)?;
    Ok(ExitCode::SUCCESS)
}
