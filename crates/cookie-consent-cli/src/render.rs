//! `render FILE --format html|markdown|json [--locale TAG]`: the renderings
//! the library serves. The JSON is `Locale::policy_view` (see README's
//! "For compliance teams" for its schema).

use std::path::Path;
use std::process::ExitCode;

use crate::{emit, load, Format, Outcome};

pub(crate) fn run(file: &Path, format: Format, locale: Option<&str>) -> Outcome {
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
        Format::Html => locale.render_html(),
        Format::Markdown => locale.render_markdown(),
        Format::Json => {
            let json = serde_json::to_string_pretty(&locale.policy_view())
                .map_err(|err| format!("cannot write JSON: {err}"))?;
            json + "\n"
        }
    };
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}
