//! `render FILE --format html|markdown|json [--locale TAG]`: the renderings
//! the library serves. The JSON is `Locale::policy_view` (see README's
//! "For compliance teams" for its schema).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::OutputFormat;
use crate::{emit, load, Outcome};

/// `render`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The policy file.
    file: PathBuf,
    /// The language (a tag the policy speaks); default: its `default_locale`.
    #[arg(long)]
    locale: Option<String>,
}

pub(crate) fn run(args: &Args, format: Option<OutputFormat>) -> Outcome {
    use OutputFormat::{Html, Json, Markdown};
    let format = OutputFormat::pick(format, "render", &[Html, Markdown, Json])?;
    let (file, locale) = (&args.file, args.locale.as_deref());
    let policy = load(file)?;
    let locale = match locale {
        Some(tag) => policy.locale_tagged(tag).ok_or_else(|| {
            let tags: Vec<&str> = policy.locale_tags().collect();
            format!(
                "{}: no locale `{tag}` (locales: {})",
                file.display(),
                tags.join(", ")
            )
        })?,
        None => policy.locale(None),
    };
    let text = match format {
        Html => locale.render_html(),
        Markdown => locale.render_markdown(),
        _ => {
            let json = serde_json::to_string_pretty(&locale.policy_view())
                .map_err(|err| format!("cannot write JSON: {err}"))?;
            json + "\n"
        }
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
