//! Errors met while loading or building a policy.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a policy: where it is and what is wrong.
///
/// Displayed as `FILE:LINE: field `FIELD`: MESSAGE`, the parts that are known.
/// `Debug` shows the same text, so that `fn main() -> Result<(), Box<dyn Error>>`
/// and `?` print it readably.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyError {
    /// The policy file, when the policy was loaded from a path.
    pub file: Option<PathBuf>,
    /// The 1-based line of the offending field, when the policy came from text.
    pub line: Option<usize>,
    /// The field, as a path such as `cookies[3].category` (empty for the whole document).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// The bytes of the text at fault, when known: what `check` points at.
    pub span: Option<Range<usize>>,
}

impl PolicyError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            file: None,
            line: None,
            field: field.into(),
            message: message.into(),
            span: None,
        }
    }

    pub(crate) fn at_span(mut self, span: Option<Range<usize>>) -> Self {
        self.span = self.span.take().or(span);
        self
    }

    pub(crate) fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = self.line.or(line);
        self
    }

    pub(crate) fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ",)?,
            (None, None) => {}
        }
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl fmt::Debug for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for PolicyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_reads_like_display_for_question_mark_in_main() {
        let err = PolicyError::new("cookies[0].category", "unknown category `x`")
            .at_line(Some(4))
            .in_file(Path::new("policy.toml"));
        let expected = "policy.toml:4: field `cookies[0].category`: unknown category `x`";
        assert_eq!(format!("{err}"), expected);
        assert_eq!(format!("{err:?}"), expected);
    }
}
