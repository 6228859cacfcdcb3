//! `check`'s text output: each problem as rustc writes one — the line
//! quoted, a caret under the span, the help and the fix as a patch —
//! through annotate-snippets (the renderer rustc and cargo use); in colour
//! only on a terminal, and never with `NO_COLOR` set.

use std::io::IsTerminal as _;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};
use cookie_consent_core::{Diagnostic, Severity};

pub(crate) fn render(path: &Path, text: &str, diagnostics: &[Diagnostic]) -> String {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let renderer = if colour {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let origin = path.display().to_string();
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            _ => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.rule);
        let mut report: Vec<Group<'_>> = Vec::new();
        let mut group = Group::with_title(title);
        match &d.span {
            Some(span) => {
                // A nested field is named under the caret; a top-level key names itself.
                let nested = d.field.contains(['.', '[']);
                let label = nested.then(|| format!("`{}`", d.field));
                let mut annotation = AnnotationKind::Primary.span(span.clone());
                if let Some(label) = label {
                    annotation = annotation.label(label);
                }
                group = group.element(
                    Snippet::source(text)
                        .line_start(1)
                        .path(origin.as_str())
                        .annotation(annotation),
                );
            }
            None => {
                let at = if d.field.is_empty() {
                    origin.clone()
                } else {
                    format!("{origin}: `{}`", d.field)
                };
                group = group.element(Level::NOTE.message(format!("in {at}")));
            }
        }
        match (&d.help, &d.fix) {
            (Some(help), Some(fix)) => {
                report.push(group);
                let help_group = Level::HELP
                    .secondary_title(help.lines().next().unwrap_or(help))
                    .element(
                        Snippet::source(text)
                            .line_start(1)
                            .path(origin.as_str())
                            .patch(Patch::new(fix.span.clone(), fix.replacement.as_str())),
                    );
                report.push(help_group);
            }
            (Some(help), None) => {
                report.push(group.element(Level::HELP.message(help.as_str())));
            }
            (None, _) => report.push(group),
        }
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    out
}

/// A 1-based line and column (in characters).
pub(crate) type Position = (usize, usize);

/// Where a diagnostic starts and ends.
pub(crate) fn positions(text: &str, d: &Diagnostic) -> (Option<Position>, Option<Position>) {
    let Some(span) = &d.span else {
        return (None, None);
    };
    (position(text, span.start), position(text, span.end))
}

pub(crate) fn position(text: &str, offset: usize) -> Option<Position> {
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    Some((line, before[line_start..].chars().count() + 1))
}
