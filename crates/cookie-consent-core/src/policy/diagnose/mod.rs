//! Every problem of a policy text at once, as a compiler reports them
//! (DESIGN §19): the syntax errors the parser recovers from, then every
//! unknown key, wrong type and missing key (a lenient walk of the document,
//! [`schema`]), then the semantic errors of what is left, then the lints —
//! each with its span in the text and, where one can be written, a fix.
//! Loading a policy stays strict and reports the first problem only.

mod schema;
mod tree;

use std::collections::BTreeMap;
use std::ops::Range;

use super::file::{self, line_number};
use super::lint::{LintFix, LintTarget};
use super::{Policy, PolicyError};
use schema::{quoted, Misfit, Walk, DOCUMENT};
use tree::{Node, Value};

/// How bad a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// The policy does not load.
    Error,
    /// The policy loads, but misinforms or leaves a gap (a [`Lint`](super::Lint)).
    Warning,
}

/// One problem of a policy text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// An error or a warning.
    pub severity: Severity,
    /// A stable name for the kind of problem: `unknown-key`, `wrong-type`,
    /// `missing-key`, `syntax`, `invalid-value`, or a lint's rule.
    pub rule: &'static str,
    /// The field, as a path such as `cookies[3].expiry` (empty for the document).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to mend it, in words.
    pub help: Option<String>,
    /// The bytes of the text at fault.
    pub span: Option<Range<usize>>,
    /// The 1-based line `span` starts on.
    pub line: Option<usize>,
    /// An edit of the text that mends it.
    pub fix: Option<Fix>,
}

/// An edit of a policy text: `span` replaced by `replacement` (an empty
/// span inserts). Applied, the text is valid TOML (or JSON) again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The bytes replaced.
    pub span: Range<usize>,
    /// What is written there instead.
    pub replacement: String,
}

impl Fix {
    /// `text` with the edit made.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.replacement.len());
        out.push_str(text.get(..self.span.start).unwrap_or(text));
        out.push_str(&self.replacement);
        out.push_str(text.get(self.span.end..).unwrap_or(""));
        out
    }
}

impl Diagnostic {
    fn error(misfit: Misfit, text: &str) -> Diagnostic {
        let fix = misfit.replacement.map(|replacement| {
            // A quoted key stays quoted.
            let quote = text
                .get(misfit.span.clone())
                .is_some_and(|t| t.starts_with('"'));
            let replacement = match (misfit.rule, quote) {
                ("unknown-key", true) => quoted(&replacement),
                _ => replacement,
            };
            Fix {
                span: misfit.span.clone(),
                replacement,
            }
        });
        Diagnostic {
            severity: Severity::Error,
            rule: misfit.rule,
            field: misfit.field,
            message: misfit.message,
            help: misfit.help,
            line: Some(line_number(text, misfit.span.start)),
            span: Some(misfit.span),
            fix,
        }
    }

    fn start(&self) -> usize {
        self.span.as_ref().map_or(usize::MAX, |s| s.start)
    }
}

impl From<Diagnostic> for PolicyError {
    fn from(d: Diagnostic) -> PolicyError {
        PolicyError::new(d.field, d.message)
            .at_line(d.line)
            .at_span(d.span)
    }
}

impl Policy {
    /// Every problem of a TOML policy text, in the order a reader meets them:
    /// syntax and shape errors in line order, then semantic errors, then the
    /// [lints](Policy::lints), which run on the valid parts even when there
    /// are errors. What `cookie-consent check` prints.
    ///
    /// ```
    /// use cookie_consent_core::{Policy, Severity};
    /// let text = "[[categories]]\nid = \"analytics\"\n\n\
    ///             [[cookies]]\nname = \"_ga\"\ncatgory = \"analytics\"\nprovder = \"Google\"\nexpiry = \"2 yeras\"\n";
    /// let problems = Policy::diagnose_toml_str(text);
    /// let errors: Vec<&str> = problems
    ///     .iter()
    ///     .filter(|d| d.severity == Severity::Error)
    ///     .map(|d| d.message.as_str())
    ///     .collect();
    /// // A misspelt key is read as meant, so its entry is still judged.
    /// assert_eq!(errors, [
    ///     "unknown key `catgory` in `[[cookies]]` entry",
    ///     "unknown key `provder` in `[[cookies]]` entry",
    ///     "`2 yeras` is not a retention: write `2 years`",
    /// ]);
    /// let fixed = problems[0].fix.as_ref().unwrap().apply(text);
    /// assert_eq!(fixed.lines().nth(5), Some("category = \"analytics\""));
    /// ```
    pub fn diagnose_toml_str(text: &str) -> Vec<Diagnostic> {
        let (tree, syntax) = tree::from_toml(text);
        let syntax = syntax.into_iter().map(|err| {
            let span = err.span().unwrap_or(0..0);
            Misfit {
                rule: "syntax",
                field: String::new(),
                message: err.message().to_owned(),
                span,
                help: None,
                replacement: None,
            }
        });
        let syntax: Vec<Misfit> = syntax.collect();
        let keys = |tree: &Node| match &tree.value {
            Value::Table(entries) => entries.iter().any(|e| DOCUMENT.knows(&e.key)),
            _ => false,
        };
        if !syntax.is_empty() && !keys(&tree) {
            return vec![not_a_policy(text, "TOML", &syntax[0])];
        }
        diagnose(text, &tree, syntax, true)
    }

    /// [`diagnose_toml_str`](Self::diagnose_toml_str) for JSON.
    pub fn diagnose_json_str(text: &str) -> Vec<Diagnostic> {
        match tree::from_json(text) {
            Ok(tree) => diagnose(text, &tree, Vec::new(), false),
            Err(err) => {
                let at = offset_of(text, err.line(), err.column());
                let message = err.to_string();
                let message = match message.rfind(" at line ") {
                    Some(cut) => message[..cut].to_owned(),
                    None => message,
                };
                let misfit = Misfit {
                    rule: "syntax",
                    field: String::new(),
                    message,
                    span: at..at,
                    help: None,
                    replacement: None,
                };
                // JSON that does not parse names no key: look for one in the text.
                let names_a_key = DOCUMENT
                    .fields
                    .iter()
                    .any(|f| text.contains(&format!("\"{}\"", f.key)));
                if !names_a_key {
                    return vec![not_a_policy(text, "JSON", &misfit)];
                }
                vec![Diagnostic::error(misfit, text)]
            }
        }
    }
}

/// A text that is no policy at all (a source file passed by mistake): not
/// the language, and none of a policy's keys. `check` exits 2 on it.
fn not_a_policy(text: &str, language: &str, first: &Misfit) -> Diagnostic {
    let line = line_number(text, first.span.start);
    Diagnostic {
        severity: Severity::Error,
        rule: "not-a-policy",
        field: String::new(),
        message: format!(
            "not a policy file: not {language} (line {line}: {}) and none of a policy's keys",
            first.message
        ),
        help: None,
        span: Some(first.span.clone()),
        line: Some(line),
        fix: None,
    }
}

/// The byte offset of serde_json's 1-based line and column, on a character boundary.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn diagnose(text: &str, tree: &Node, syntax: Vec<Misfit>, toml: bool) -> Vec<Diagnostic> {
    let mut walk = Walk::default();
    let repaired = walk.table(tree, &DOCUMENT, "");
    let mut errors: Vec<Diagnostic> = syntax
        .into_iter()
        .chain(walk.misfits)
        .map(|m| Diagnostic::error(m, text))
        .collect();
    errors.sort_by_key(Diagnostic::start);
    let Some(repaired) = repaired else {
        return errors;
    };
    // The rest goes through the loader's own reading, as JSON.
    let (policy, problems) = file::from_json_parts(&repaired.to_string(), false);
    let mut semantic: Vec<Diagnostic> = problems
        .into_iter()
        .map(|problem| semantic_error(problem, text, tree, &walk.kept))
        .collect();
    semantic.sort_by_key(Diagnostic::start);
    errors.extend(semantic);
    let Some(policy) = policy else {
        return errors;
    };
    let mut warnings: Vec<Diagnostic> = policy
        .lints()
        .into_iter()
        .filter_map(|lint| {
            let (field, node) = find_target(tree, &lint.target)?;
            let span = node.map(|n| n.locate(&field, false));
            let fix = match (&lint.fix, toml) {
                (Some(fix), true) => lint_fix(text, tree, &lint.target, fix),
                _ => None,
            };
            Some(Diagnostic {
                severity: Severity::Warning,
                rule: lint.rule,
                field,
                message: lint.message,
                help: lint.help,
                line: span.as_ref().map(|s| line_number(text, s.start)),
                span,
                fix,
            })
        })
        .collect();
    warnings.sort_by_key(Diagnostic::start);
    errors.extend(warnings);
    errors
}

/// A semantic error of the walked document, its field and span those of the text.
fn semantic_error(
    problem: PolicyError,
    text: &str,
    tree: &Node,
    kept: &BTreeMap<String, Vec<usize>>,
) -> Diagnostic {
    let field = written_field(&problem.field, kept);
    let span = (!field.is_empty()).then(|| tree.locate(&field, false));
    let mut message = problem.message;
    if let Some(line) = first_declaration(tree, &field).map(|n| line_number(text, n.span.start)) {
        message = format!("{message} (first declared at line {line})");
    }
    // A retention that does not read has a nearest valid form to offer.
    let suggestion = match (field.ends_with(".expiry"), tree_value(tree, &field)) {
        (true, Some(Value::Str(expiry))) => super::expiry::nearest(expiry),
        _ => None,
    };
    let fix = suggestion
        .as_ref()
        .zip(span.clone())
        .map(|(value, span)| Fix {
            span,
            replacement: quoted(value),
        });
    let help = suggestion.as_ref().map(|value| format!("write `{value}`"));
    Diagnostic {
        severity: Severity::Error,
        rule: "invalid-value",
        field,
        message,
        help,
        line: span.as_ref().map(|s| line_number(text, s.start)),
        span,
        fix,
    }
}

/// The value written at `field` (`cookies[3].expiry`).
fn tree_value<'a>(tree: &'a Node, field: &str) -> Option<&'a Value> {
    let (array, rest) = field.split_once('[')?;
    let (index, key) = rest.split_once("].")?;
    let Value::Array(items) = &tree.get(array)?.value else {
        return None;
    };
    Some(&items.get(index.parse::<usize>().ok()?)?.get(key)?.value)
}

/// For a name or id said twice (`cookies[3].name`), the value where it was
/// said first.
fn first_declaration<'a>(tree: &'a Node, field: &str) -> Option<&'a Node> {
    let (array, rest) = field.split_once('[')?;
    let (index, key) = rest.split_once("].")?;
    let index: usize = index.parse().ok()?;
    let Value::Array(items) = &tree.get(array)?.value else {
        return None;
    };
    let Value::Str(value) = &items.get(index)?.get(key)?.value else {
        return None;
    };
    items[..index].iter().find_map(|item| {
        let node = item.get(key)?;
        matches!(&node.value, Value::Str(v) if v == value).then_some(node)
    })
}

/// `cookies[2].name` of the walked document as the text numbers it, where
/// the walk left entries out.
fn written_field(field: &str, kept: &BTreeMap<String, Vec<usize>>) -> String {
    let Some((array, rest)) = field.split_once('[') else {
        return field.to_owned();
    };
    let Some((index, after)) = rest.split_once(']') else {
        return field.to_owned();
    };
    match (kept.get(array), index.parse::<usize>()) {
        (Some(kept), Ok(i)) => match kept.get(i) {
            Some(written) => format!("{array}[{written}]{after}"),
            None => field.to_owned(),
        },
        _ => field.to_owned(),
    }
}

/// The field a lint is about, as the text numbers it, and the document to
/// find it in (none for a part that is not written, such as `essential`
/// when the library adds it).
fn find_target<'a>(tree: &'a Node, target: &LintTarget) -> Option<(String, Option<&'a Node>)> {
    let entry = |array: &str, key: &str, value: &str| -> Option<usize> {
        let Some(Value::Array(items)) = tree.get(array).map(|n| &n.value) else {
            return None;
        };
        items.iter().position(
            |item| matches!(item.get(key).map(|n| &n.value), Some(Value::Str(v)) if v == value),
        )
    };
    Some(match target {
        LintTarget::Category { id, key } => {
            let i = entry("categories", "id", id)?;
            (format!("categories[{i}].{key}"), Some(tree))
        }
        LintTarget::Cookie { name, key } => {
            let i = entry("cookies", "name", name)?;
            (format!("cookies[{i}].{key}"), Some(tree))
        }
        LintTarget::ConsentCookie { key } => {
            let field = format!("consent_cookie.{key}");
            let written = tree.get("consent_cookie").is_some();
            (field, written.then_some(tree))
        }
        LintTarget::Cookies => ("cookies".to_owned(), None),
        LintTarget::Resource { pattern, key } => {
            let i = entry("resources", "match", pattern)?;
            (format!("resources[{i}].{key}"), Some(tree))
        }
    })
}

/// The edit that makes a lint's fix, where the text's layout allows one:
/// a key set in a `[table]` or `[[entry]]` written with a header, a table
/// or an entry added at the end.
fn lint_fix(text: &str, tree: &Node, target: &LintTarget, fix: &LintFix) -> Option<Fix> {
    let append = |block: String| {
        let newline = if text.ends_with('\n') || text.is_empty() {
            ""
        } else {
            "\n"
        };
        Fix {
            span: text.len()..text.len(),
            replacement: format!("{newline}\n{block}"),
        }
    };
    match (fix, target) {
        (LintFix::AddCookie(entry), _) => {
            // Only beside `[[cookies]]` headers: an inline `cookies = [...]` cannot take one.
            let inline = match tree.get("cookies").map(|n| &n.value) {
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|item| !text[item.span.clone()].starts_with("[[")),
                Some(_) => true,
                None => false,
            };
            (!inline).then(|| append(entry.clone()))
        }
        (LintFix::Set(value), LintTarget::ConsentCookie { key }) => {
            match tree.get("consent_cookie") {
                None => Some(append(format!("[consent_cookie]\n{key} = {value}\n"))),
                Some(table) => set_key(text, table, key, value),
            }
        }
        (LintFix::Set(value), LintTarget::Category { id, key }) => {
            let Some(Value::Array(items)) = tree.get("categories").map(|n| &n.value) else {
                return None;
            };
            let entry = items.iter().find(
                |item| matches!(item.get("id").map(|n| &n.value), Some(Value::Str(v)) if v == id),
            )?;
            set_key(text, entry, key, value)
        }
        _ => None,
    }
}

/// `key = value` in a table: its value replaced, or a line added under the
/// table's header.
fn set_key(text: &str, table: &Node, key: &str, value: &str) -> Option<Fix> {
    if let Some(node) = table.get(key) {
        return Some(Fix {
            span: node.span.clone(),
            replacement: value.to_owned(),
        });
    }
    if !text.get(table.span.clone())?.starts_with('[') {
        return None;
    }
    let line_end = text[table.span.start..]
        .find('\n')
        .map(|at| table.span.start + at + 1);
    Some(match line_end {
        Some(at) => Fix {
            span: at..at,
            replacement: format!("{key} = {value}\n"),
        },
        None => Fix {
            span: text.len()..text.len(),
            replacement: format!("\n{key} = {value}\n"),
        },
    })
}
