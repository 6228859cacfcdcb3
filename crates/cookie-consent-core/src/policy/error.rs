//! Errors met while loading or building a policy.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a policy: where it is and what is wrong.
///
/// Displayed as `FILE:LINE: field `FIELD`: MESSAGE`, the parts that are known.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl PolicyError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            file: None,
            line: None,
            field: field.into(),
            message: message.into(),
        }
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

impl std::error::Error for PolicyError {}
