//! The one `--format` every command takes, and which values each accepts.

use clap::ValueEnum;

/// `--format`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// For people: aligned text, diagnostics with their source line.
    Text,
    /// For programs.
    Json,
    /// SARIF 2.1.0, for code-scanning uploads (`check`).
    Sarif,
    /// The policy page as HTML (`render`).
    Html,
    /// The policy page as Markdown (`render`).
    Markdown,
}

impl OutputFormat {
    fn name(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Html => "html",
            OutputFormat::Markdown => "markdown",
        }
    }

    /// The format asked for, if `command` takes it; else the message for exit 2.
    /// The first of `accepted` is the default.
    pub(crate) fn pick(
        asked: Option<OutputFormat>,
        command: &str,
        accepted: &[OutputFormat],
    ) -> Result<OutputFormat, String> {
        let Some(asked) = asked else {
            return Ok(accepted[0]);
        };
        if accepted.contains(&asked) {
            return Ok(asked);
        }
        let names: Vec<&str> = accepted.iter().map(|f| f.name()).collect();
        Err(format!(
            "`{command}` does not write `--format {}`; it writes {}",
            asked.name(),
            names.join(", ")
        ))
    }
}
