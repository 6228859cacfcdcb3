//! A policy document as written, every key and value with the bytes it came
//! from: TOML through toml's recovering parser, JSON through serde_json's raw
//! values. The schema walk reads it, and a field path (`cookies[3].expiry`)
//! is turned back into the span a diagnostic points at.

use std::ops::Range;

use serde::de::{Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A value and its bytes in the text.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) span: Range<usize>,
    pub(crate) value: Value,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    /// A TOML date or time, as written.
    Date(String),
    /// JSON's `null`.
    Null,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// A key of a table, its bytes, and its value.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) key_span: Range<usize>,
    pub(crate) node: Node,
}

impl Value {
    /// What a value is, in a message: "a string", "an integer".
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Date(_) => "a date",
            Value::Null => "null",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Str(text) | Value::Date(text) => Json::String(text.clone()),
            Value::Int(n) => match (u64::try_from(*n), i64::try_from(*n)) {
                (Ok(n), _) => Json::from(n),
                (_, Ok(n)) => Json::from(n),
                // Out of every range the schema takes: rejected before this.
                _ => Json::Null,
            },
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
            Value::Bool(b) => Json::Bool(*b),
            Value::Null => Json::Null,
            Value::Array(items) => Json::Array(items.iter().map(|n| n.value.to_json()).collect()),
            Value::Table(entries) => Json::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.node.value.to_json()))
                    .collect(),
            ),
        }
    }
}

impl Node {
    /// The span of `field` (`cookies[3].expiry`, `locales.de.cookies.a.b`):
    /// its value's, else its nearest written ancestor's. `key` asks for the
    /// key's bytes instead of the value's, where the last step is a key.
    pub(crate) fn locate(&self, field: &str, key: bool) -> Range<usize> {
        let mut node = self;
        let mut rest = field;
        let mut key_span = None;
        while !rest.is_empty() {
            rest = rest.trim_start_matches('.');
            if let Some(after) = rest.strip_prefix('[') {
                let Some((index, after)) = after.split_once(']') else {
                    break;
                };
                let item = match (&node.value, index.parse::<usize>()) {
                    (Value::Array(items), Ok(i)) => items.get(i),
                    _ => None,
                };
                let Some(item) = item else { break };
                node = item;
                key_span = None;
                rest = after;
                continue;
            }
            let Value::Table(entries) = &node.value else {
                break;
            };
            // Keys may hold dots (cookie names): the longest key that fits.
            let found = entries
                .iter()
                .filter(|e| {
                    rest.strip_prefix(e.key.as_str())
                        .is_some_and(|after| after.is_empty() || after.starts_with(['.', '[']))
                })
                .max_by_key(|e| e.key.len());
            let Some(entry) = found else { break };
            rest = &rest[entry.key.len()..];
            node = &entry.node;
            key_span = Some(entry.key_span.clone());
        }
        match (key, key_span) {
            (true, Some(span)) if rest.is_empty() => span,
            _ => node.span.clone(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }
}

/// A TOML document and the syntax errors met on the way (the parser recovers).
pub(crate) fn from_toml(text: &str) -> (Node, Vec<toml::de::Error>) {
    let (table, errors) = DeTable::parse_recoverable(text);
    let span = table.span();
    let node = Node {
        span,
        value: toml_table(table.into_inner()),
    };
    (node, errors)
}

fn toml_table(table: DeTable<'_>) -> Value {
    let mut entries: Vec<Entry> = table
        .into_iter()
        .map(|(key, value)| Entry {
            key_span: key.span(),
            key: key.into_inner().into_owned(),
            node: toml_node(value),
        })
        .collect();
    entries.sort_by_key(|e| e.key_span.start);
    Value::Table(entries)
}

fn toml_node(value: Spanned<DeValue<'_>>) -> Node {
    let span = value.span();
    let value = match value.into_inner() {
        DeValue::String(text) => Value::Str(text.into_owned()),
        DeValue::Integer(n) => match i128::from_str_radix(n.as_str(), n.radix()) {
            Ok(n) => Value::Int(n),
            // Beyond i128: no field takes it, and it is still no string.
            Err(_) => Value::Float(f64::INFINITY),
        },
        DeValue::Float(x) => Value::Float(x.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(date) => Value::Date(date.to_string()),
        DeValue::Array(items) => Value::Array(items.iter().cloned().map(toml_node).collect()),
        DeValue::Table(table) => toml_table(table),
    };
    Node { span, value }
}

/// A JSON document, or serde_json's error when it is not JSON.
pub(crate) fn from_json(text: &str) -> Result<Node, serde_json::Error> {
    let raw: &RawValue = serde_json::from_str(text)?;
    json_node(text, raw)
}

fn json_node(text: &str, raw: &RawValue) -> Result<Node, serde_json::Error> {
    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    let span = start..start + raw.get().len();
    let value = match raw.get().as_bytes().first() {
        Some(b'{') => {
            let pairs = serde_json::Deserializer::from_str(raw.get()).deserialize_map(Pairs)?;
            let mut entries = Vec::with_capacity(pairs.len());
            for (key, value) in pairs {
                let node = json_node(text, value)?;
                let key_span = json_key_span(text, node.span.start);
                entries.push(Entry {
                    key,
                    key_span,
                    node,
                });
            }
            Value::Table(entries)
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get())?;
            let nodes = items.into_iter().map(|item| json_node(text, item));
            Value::Array(nodes.collect::<Result<_, _>>()?)
        }
        Some(b'"') => Value::Str(serde_json::from_str(raw.get())?),
        Some(b't' | b'f') => Value::Bool(serde_json::from_str(raw.get())?),
        Some(b'n') => Value::Null,
        _ => {
            let number: serde_json::Number = serde_json::from_str(raw.get())?;
            match (number.as_u64(), number.as_i64()) {
                (Some(n), _) => Value::Int(n.into()),
                (_, Some(n)) => Value::Int(n.into()),
                _ => Value::Float(number.as_f64().unwrap_or(f64::NAN)),
            }
        }
    };
    Ok(Node { span, value })
}

/// The quoted key before the value at `value_start` (`"key": value`).
fn json_key_span(text: &str, value_start: usize) -> Range<usize> {
    let before = &text.as_bytes()[..value_start];
    let Some(colon) = before.iter().rposition(|&b| b == b':') else {
        return value_start..value_start;
    };
    let Some(close) = before[..colon].iter().rposition(|&b| b == b'"') else {
        return value_start..value_start;
    };
    // The opening quote: the first `"` before `close` not escaped by a backslash.
    let mut open = close;
    while let Some(at) = before[..open].iter().rposition(|&b| b == b'"') {
        let backslashes = before[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        open = at;
        if backslashes % 2 == 0 {
            break;
        }
    }
    open..close + 1
}

/// A JSON object's members in order, duplicates kept.
struct Pairs;

impl<'de> Visitor<'de> for Pairs {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(pairs)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(serde::de::Error::custom("expected an object"))
    }
}
