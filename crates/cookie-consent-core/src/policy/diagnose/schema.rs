//! The shape of a policy file, walked leniently: every unknown key, wrong
//! type and missing required key is reported, and the document is kept
//! without them, so that the semantic checks and the lints still run on the
//! rest. The shape is the serde schema of `policy/file.rs` written out; the
//! `policy_file` fuzz target holds the two to the same verdicts.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{Map, Value as Json};

use super::super::suggest::nearest;
use super::tree::{Entry, Node, Value};

/// What a value must be.
pub(crate) enum Kind {
    Str,
    Bool,
    /// A whole number from 0 to `max`.
    Int(u64),
    /// A TOML date, or a string (checked later as `YYYY-MM-DD`).
    Date,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// Strings or whole numbers (a consent source's ids).
    Ids,
    Strings,
    /// An array of tables (`[[cookies]]`).
    Tables(&'static Table),
    Table(&'static Table),
    /// A table of any keys, each value of one kind.
    Map(&'static Kind),
}

pub(crate) struct Table {
    /// How the table is named in a message: "`[[cookies]]` entry".
    pub(crate) name: &'static str,
    pub(crate) fields: &'static [Field],
    /// The kind of every other key, when other keys are allowed.
    pub(crate) rest: Option<&'static Kind>,
}

pub(crate) struct Field {
    pub(crate) key: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
    /// JSON's `null` stands for "not set".
    pub(crate) nullable: bool,
}

const fn field(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: false,
        nullable: false,
    }
}

const fn optional(key: &'static str, kind: Kind) -> Field {
    Field {
        nullable: true,
        ..field(key, kind)
    }
}

const fn required(key: &'static str, kind: Kind) -> Field {
    Field {
        required: true,
        ..field(key, kind)
    }
}

const U32: u64 = u32::MAX as u64;

pub(crate) static DOCUMENT: Table = Table {
    name: "the policy",
    fields: &[
        field("name", Kind::Str),
        optional("updated", Kind::Date),
        field("revision", Kind::Int(u64::MAX)),
        field("mode", Kind::Choice(&["opt-in", "opt-out"])),
        field("unknown_cookies", Kind::Str),
        field("enforcement", Kind::Choice(&["enforce", "report-only"])),
        optional("consent_max_age_days", Kind::Int(U32)),
        field("honor_dnt", Kind::Bool),
        field("honor_gpp", Kind::Bool),
        optional("gpp_cookie", Kind::Str),
        field("honor_usp", Kind::Bool),
        field("vary", Kind::Bool),
        field("max_purge", Kind::Int(usize::MAX as u64)),
        optional("consent_cookie", Kind::Table(&CONSENT_COOKIE)),
        field("categories", Kind::Tables(&CATEGORY)),
        field("cookies", Kind::Tables(&COOKIE)),
        field("consent_sources", Kind::Tables(&SOURCE)),
        optional("consent_mode", Kind::Table(&CONSENT_MODE)),
        optional("default_locale", Kind::Str),
        field("locales", Kind::Map(&Kind::Table(&LOCALE))),
        field(
            "unknown_resources",
            Kind::Choice(&["keep", "strip", "report"]),
        ),
        field("resources", Kind::Tables(&RESOURCE)),
        field("storage", Kind::Tables(&STORAGE)),
    ],
    rest: None,
};

static RESOURCE: Table = Table {
    name: "`[[resources]]` entry",
    fields: &[
        required("match", Kind::Str),
        required("category", Kind::Str),
        field("provider", Kind::Str),
        optional("placeholder", Kind::Str),
    ],
    rest: None,
};

static STORAGE: Table = Table {
    name: "`[[storage]]` entry",
    fields: &[required("key", Kind::Str), required("category", Kind::Str)],
    rest: None,
};

static CONSENT_COOKIE: Table = Table {
    name: "`[consent_cookie]`",
    fields: &[
        field("name", Kind::Str),
        field("max_age_days", Kind::Int(U32)),
        field("path", Kind::Str),
        optional("domain", Kind::Str),
        field("secure", Kind::Bool),
        field("same_site", Kind::Choice(&["Strict", "Lax", "None"])),
        optional("http_only", Kind::Bool),
        field("sign", Kind::Bool),
        field("allow_scripted_writes", Kind::Bool),
    ],
    rest: None,
};

static CATEGORY: Table = Table {
    name: "`[[categories]]` entry",
    fields: &[
        required("id", Kind::Str),
        optional("title", Kind::Str),
        field("description", Kind::Str),
        field("retention", Kind::Str),
        field("legal_basis", Kind::Str),
        field("honor_gpc", Kind::Bool),
    ],
    rest: None,
};

static COOKIE: Table = Table {
    name: "`[[cookies]]` entry",
    fields: &[
        required("name", Kind::Str),
        required("category", Kind::Str),
        field("provider", Kind::Str),
        field("purpose", Kind::Str),
        field("expiry", Kind::Str),
        optional("domain", Kind::Str),
        optional("path", Kind::Str),
    ],
    rest: None,
};

static SOURCE: Table = Table {
    name: "`[[consent_sources]]` entry",
    fields: &[
        required("format", Kind::Str),
        optional("cookie", Kind::Str),
        field("grants", Kind::Map(&Kind::Ids)),
    ],
    rest: None,
};

static CONSENT_MODE: Table = Table {
    name: "`[consent_mode]`",
    fields: &[
        optional("wait_for_update", Kind::Int(U32)),
        field("ads_data_redaction", Kind::Bool),
        field("url_passthrough", Kind::Bool),
    ],
    rest: Some(&Kind::Strings),
};

static LOCALE: Table = Table {
    name: "a locale",
    fields: &[
        field("categories", Kind::Map(&Kind::Table(&CATEGORY_TEXT))),
        field("cookies", Kind::Map(&Kind::Table(&COOKIE_TEXT))),
        field("resources", Kind::Map(&Kind::Table(&RESOURCE_TEXT))),
    ],
    rest: Some(&Kind::Str),
};

static RESOURCE_TEXT: Table = Table {
    name: "a resource's texts",
    fields: &[
        optional("provider", Kind::Str),
        optional("placeholder", Kind::Str),
    ],
    rest: None,
};

static CATEGORY_TEXT: Table = Table {
    name: "a category's texts",
    fields: &[
        optional("title", Kind::Str),
        optional("description", Kind::Str),
        optional("retention", Kind::Str),
        optional("legal_basis", Kind::Str),
    ],
    rest: None,
};

static COOKIE_TEXT: Table = Table {
    name: "a cookie's texts",
    fields: &[
        optional("provider", Kind::Str),
        optional("purpose", Kind::Str),
        optional("expiry", Kind::Str),
    ],
    rest: None,
};

impl Table {
    pub(crate) fn knows(&self, key: &str) -> bool {
        self.fields.iter().any(|f| f.key == key)
    }
}

/// A problem of shape, with where it is and how it may be mended.
#[derive(Debug)]
pub(crate) struct Misfit {
    pub(crate) rule: &'static str,
    pub(crate) field: String,
    pub(crate) message: String,
    pub(crate) span: Range<usize>,
    pub(crate) help: Option<String>,
    /// A replacement for the bytes of `span`.
    pub(crate) replacement: Option<String>,
}

/// What the walk leaves: the document without its misfits, the misfits, and
/// for each array of tables the written index of every entry kept.
#[derive(Default)]
pub(crate) struct Walk {
    pub(crate) misfits: Vec<Misfit>,
    pub(crate) kept: BTreeMap<String, Vec<usize>>,
}

impl Walk {
    /// The document as `table` reads it, misfits left out.
    pub(crate) fn table(&mut self, node: &Node, table: &'static Table, path: &str) -> Option<Json> {
        let Value::Table(entries) = &node.value else {
            self.wrong_type(node, path, "a table");
            return None;
        };
        let mut object = Map::new();
        let mut seen: Vec<&str> = Vec::new();
        for Entry {
            key,
            key_span,
            node,
        } in entries
        {
            let field_path = join(path, key);
            if seen.contains(&key.as_str()) {
                // Only JSON can say a key twice (TOML refuses it while parsing).
                self.misfits.push(Misfit {
                    rule: "duplicate-key",
                    field: field_path,
                    message: format!("duplicate key `{key}`"),
                    span: key_span.clone(),
                    help: Some("say each key once".to_owned()),
                    replacement: None,
                });
                continue;
            }
            seen.push(key);
            let mut name = key.as_str();
            let known = table.fields.iter().find(|f| f.key == key);
            let kind = match (known, table.rest) {
                (Some(f), _) if f.nullable && matches!(node.value, Value::Null) => {
                    continue;
                }
                (Some(f), _) => &f.kind,
                (None, Some(rest)) => rest,
                (None, None) => {
                    let written = |k: &str| entries.iter().any(|e| e.key == k);
                    let meant =
                        self.unknown_key(table, key, key_span, field_path.clone(), &written);
                    // A misspelt key that is not written otherwise is read as
                    // meant, so that its value is still checked and the entry kept.
                    match meant.filter(|m| !seen.contains(&m.key)) {
                        Some(meant) => {
                            seen.push(meant.key);
                            name = meant.key;
                            &meant.kind
                        }
                        None => continue,
                    }
                }
            };
            if let Some(value) = self.value(node, kind, &field_path) {
                object.insert(name.to_owned(), value);
            }
        }
        let missing: Vec<&str> = table
            .fields
            .iter()
            .filter(|f| f.required && !seen.contains(&f.key))
            .map(|f| f.key)
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            self.misfits.push(Misfit {
                rule: "missing-key",
                field: path.to_owned(),
                message: format!("{} has no {list}", table.name),
                span: node.span.clone(),
                help: Some(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|k| format!("`{k} = \"…\"`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
                replacement: None,
            });
            return None;
        }
        Some(Json::Object(object))
    }

    fn value(&mut self, node: &Node, kind: &Kind, path: &str) -> Option<Json> {
        let value = &node.value;
        match (kind, value) {
            (Kind::Str, Value::Str(_)) | (Kind::Bool, Value::Bool(_)) => Some(value.to_json()),
            (Kind::Date, Value::Str(_) | Value::Date(_)) => Some(value.to_json()),
            (Kind::Int(max), Value::Int(n)) => {
                if (0..=i128::from(*max)).contains(n) {
                    Some(value.to_json())
                } else {
                    self.misfits.push(Misfit {
                        rule: "wrong-type",
                        field: path.to_owned(),
                        message: format!("{n} is out of range: a whole number from 0 to {max}"),
                        span: node.span.clone(),
                        help: None,
                        replacement: None,
                    });
                    None
                }
            }
            (Kind::Choice(choices), Value::Str(text)) => {
                if choices.contains(&text.as_str()) {
                    return Some(value.to_json());
                }
                let list = choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let nearest = nearest(text, choices.iter().copied());
                self.misfits.push(Misfit {
                    rule: "unknown-value",
                    field: path.to_owned(),
                    message: format!("`{text}` is not one of {list}"),
                    span: node.span.clone(),
                    help: nearest.map(|n| format!("did you mean `{n}`?")),
                    replacement: nearest.map(quoted),
                });
                None
            }
            (Kind::Ids, Value::Array(items)) => {
                let ok = items.iter().all(|item| match &item.value {
                    Value::Str(_) => true,
                    Value::Int(n) => u64::try_from(*n).is_ok(),
                    _ => false,
                });
                if ok {
                    Some(value.to_json())
                } else {
                    self.wrong_type(node, path, "an array of names or whole numbers");
                    None
                }
            }
            (Kind::Strings, Value::Array(items)) => {
                if items.iter().all(|item| matches!(item.value, Value::Str(_))) {
                    Some(value.to_json())
                } else {
                    self.wrong_type(node, path, "an array of strings");
                    None
                }
            }
            (Kind::Tables(table), Value::Array(items)) => {
                let mut kept_items = Vec::with_capacity(items.len());
                let mut kept = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(value) = self.table(item, table, &format!("{path}[{i}]")) {
                        kept_items.push(value);
                        kept.push(i);
                    }
                }
                self.kept.insert(path.to_owned(), kept);
                Some(Json::Array(kept_items))
            }
            (Kind::Table(table), _) => self.table(node, table, path),
            (Kind::Map(inner), Value::Table(entries)) => {
                let mut object = Map::new();
                for entry in entries {
                    let field_path = join(path, &entry.key);
                    if let Some(value) = self.value(&entry.node, inner, &field_path) {
                        // A key said twice in JSON: the last counts, as serde's maps read it.
                        object.insert(entry.key.clone(), value);
                    }
                }
                Some(Json::Object(object))
            }
            (kind, _) => {
                self.wrong_type(node, path, kind.expected());
                None
            }
        }
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        // A string that reads as the number or boolean wanted is mended by unquoting it.
        let replacement = match &node.value {
            Value::Str(text)
                if (expected == "a whole number" && text.trim().parse::<u64>().is_ok())
                    || (expected == "a boolean" && matches!(text.trim(), "true" | "false")) =>
            {
                Some(text.trim().to_owned())
            }
            _ => None,
        };
        self.misfits.push(Misfit {
            rule: "wrong-type",
            field: path.to_owned(),
            message: format!("expected {expected}, found {}", node.value.kind()),
            span: node.span.clone(),
            help: replacement.as_ref().map(|r| format!("write `{r}`")),
            replacement,
        });
    }

    /// Reports an unknown key; the field it was most likely meant as, if
    /// that field is not `written` in the table too.
    fn unknown_key(
        &mut self,
        table: &'static Table,
        key: &str,
        span: &Range<usize>,
        field: String,
        written: &dyn Fn(&str) -> bool,
    ) -> Option<&'static Field> {
        let keys = table.fields.iter().map(|f| f.key);
        let nearest = nearest(key, keys.clone());
        let help = match nearest {
            Some(n) if written(n) => format!("`{n}` is set already: remove this line"),
            Some(n) => format!("did you mean `{n}`?"),
            None => format!(
                "the keys of {}: {}",
                table.name,
                keys.collect::<Vec<_>>().join(", ")
            ),
        };
        self.misfits.push(Misfit {
            rule: "unknown-key",
            field,
            message: format!("unknown key `{key}` in {}", table.name),
            span: span.clone(),
            help: Some(help),
            replacement: nearest.filter(|n| !written(n)).map(str::to_owned),
        });
        let nearest = nearest.filter(|n| !written(n));
        table.fields.iter().find(|f| Some(f.key) == nearest)
    }
}

impl Kind {
    fn expected(&self) -> &'static str {
        match self {
            Kind::Str | Kind::Choice(_) => "a string",
            Kind::Bool => "a boolean",
            Kind::Int(_) => "a whole number",
            Kind::Date => "a date (YYYY-MM-DD)",
            Kind::Ids => "an array of names or whole numbers",
            Kind::Strings => "an array of strings",
            Kind::Tables(_) => "an array of tables",
            Kind::Table(_) | Kind::Map(_) => "a table",
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A string as TOML and JSON both write it.
pub(crate) fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}
