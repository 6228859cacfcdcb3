//! `cookie-consent check` through the real binary, as a compiler's
//! diagnostics are tested: every problem of a file in one run, each at its
//! span; every fix applied clears its problem; the JSON and SARIF outputs
//! hold to their schemas; the exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::{folder, run, write};

/// Ten mistakes of different kinds, and a policy that earns every lint.
const TEN: &str = include_str!("data/ten-mistakes.toml");

/// `check --format json` of one file: its diagnostics.
fn diagnostics(path: &Path) -> Vec<Value> {
    let (_, out, err) = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    report["files"][0]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no diagnostics: {report}"))
}

fn brief(d: &Value) -> (String, String, u64) {
    (
        d["rule"].as_str().unwrap().to_owned(),
        d["field"].as_str().unwrap().to_owned(),
        d["start"]["line"].as_u64().unwrap_or(0),
    )
}

fn errors(diagnostics: &[Value]) -> Vec<(String, String, u64)> {
    diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(brief)
        .collect()
}

#[test]
fn ten_mistakes_are_ten_diagnostics_at_their_spans_in_one_run() {
    let dir = folder("ten");
    let file = write(&dir, "policy.toml", TEN);
    let found = diagnostics(&file);
    let expected = [
        // Syntax and shape, in line order.
        ("unknown-key", "revison", 2),
        ("unknown-value", "mode", 3),
        ("wrong-type", "vary", 4),
        ("wrong-type", "consent_cookie.max_age_days", 7),
        ("unknown-key", "categories[0].descripton", 11),
        ("missing-key", "cookies[0]", 16),
        ("unknown-key", "cookies[1].catgory", 23),
        ("syntax", "", 25),
        // Then what the rest means, in line order.
        ("invalid-value", "cookies[1].expiry", 26),
        ("invalid-value", "cookies[2].category", 30),
    ]
    .map(|(rule, field, line)| (rule.to_owned(), field.to_owned(), line));
    assert_eq!(errors(&found), expected);
    // Each span is the offending text itself.
    let spans: Vec<&str> = found
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            &TEN[d["span"]["start"].as_u64().unwrap() as usize
                ..d["span"]["end"].as_u64().unwrap() as usize]
        })
        .collect();
    assert_eq!(
        spans,
        [
            "revison",
            "\"opt_in\"",
            "\"yes\"",
            "-5",
            "descripton",
            "[[cookies]]",
            "catgory",
            "Counts visits",
            "\"2 yeras\"",
            "\"ads\"",
        ]
    );
    // The misspelt `catgory` is read as meant: its entry is still judged (its expiry).
    // Every lint fires alongside the errors.
    let mut lints: Vec<String> = found
        .iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect();
    lints.sort();
    assert_eq!(
        lints,
        [
            "category-without-description",
            "consent-cookie-undeclared",
            "consent-unsigned",
            "cookie-without-provider",
            "cookie-without-purpose",
            "marketing-without-gpc",
            "retention-too-long",
            "tracker-declared-essential",
        ]
    );
    let (code, _, err) = run(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(err, "1 file checked: 10 errors, 8 warnings\n");
}

/// A JSON policy likewise: every problem at once, with the JSON's spans.
#[test]
fn a_json_policy_gets_every_problem_at_once() {
    let dir = folder("json");
    let text = "{\n  \"revison\": 2,\n  \"categories\": [\n    {\"id\": \"analytics\", \"descripton\": \"x\"},\n    {\"title\": \"no id\"}\n  ],\n  \"cookies\": [\n    {\"name\": \"_ga\", \"category\": \"analytics\", \"expiry\": \"2 yeras\", \"path\": 3}\n  ],\n  \"vary\": null\n}\n";
    let file = write(&dir, "policy.json", text);
    let found = diagnostics(&file);
    let expected = [
        ("unknown-key", "revison", 2),
        ("unknown-key", "categories[0].descripton", 4),
        ("missing-key", "categories[1]", 5),
        ("wrong-type", "cookies[0].path", 8),
        ("wrong-type", "vary", 10),
        ("invalid-value", "cookies[0].expiry", 8),
    ]
    .map(|(rule, field, line)| (rule.to_owned(), field.to_owned(), line));
    assert_eq!(errors(&found), expected);
    assert_eq!(found[0]["fix"]["replacement"], "\"revision\"");
}

/// Every fix `check` proposes is valid TOML, and applied alone it clears
/// its own problem and adds no error.
#[test]
fn every_fix_applied_clears_its_diagnostic() {
    let dir = folder("fixes");
    let original = write(&dir, "policy.toml", TEN);
    let found = diagnostics(&original);
    let with_fix: Vec<&Value> = found.iter().filter(|d| !d["fix"].is_null()).collect();
    let rules: Vec<&str> = with_fix
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "unknown-key",
            "unknown-value",
            "unknown-key",
            "unknown-key",
            "invalid-value",
            "consent-unsigned",
            "marketing-without-gpc",
            "consent-cookie-undeclared",
        ],
    );
    let error_count = errors(&found).len();
    for d in with_fix {
        let fix = &d["fix"];
        let (start, end) = (
            fix["start"].as_u64().unwrap() as usize,
            fix["end"].as_u64().unwrap() as usize,
        );
        let fixed = format!(
            "{}{}{}",
            &TEN[..start],
            fix["replacement"].as_str().unwrap(),
            &TEN[end..]
        );
        let path = write(&dir, "fixed.toml", &fixed);
        let after = diagnostics(&path);
        let (rule, field) = (d["rule"].as_str().unwrap(), d["field"].as_str().unwrap());
        assert!(
            !after
                .iter()
                .any(|a| a["rule"] == rule && a["field"] == field && a["message"] == d["message"]),
            "the fix for {rule} at {field} did not clear it:\n{fixed}"
        );
        let errors_after = errors(&after).len();
        let expected = if d["severity"] == "error" {
            error_count - 1
        } else {
            error_count
        };
        assert_eq!(
            errors_after, expected,
            "the fix for {rule} at {field}:\n{fixed}\n{after:?}"
        );
    }
}

/// The text output: the line quoted, a caret under the span, the fix as a patch.
#[test]
fn the_text_output_quotes_the_line_with_a_caret() {
    let dir = folder("text");
    let file = write(
        &dir,
        "policy.toml",
        "[[categories]]\nid = \"analytics\"\ndescription = \"Counts.\"\n\n[[cookies]]\nname = \"_ga\"\ncatgory = \"analytics\"\n",
    );
    let (code, out, err) = run(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let at = file.display();
    assert!(
        out.starts_with(&format!(
            "error[unknown-key]: unknown key `catgory` in `[[cookies]]` entry\n \
             --> {at}:7:1\n  |\n7 | catgory = \"analytics\"\n  | ^^^^^^^ `cookies[0].catgory`\n  |\n\
             help: did you mean `category`?\n  |\n7 | category = \"analytics\"\n  |    +\n"
        )),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour off a terminal: {out:?}");
    assert_eq!(err, "1 file checked: 1 error, 4 warnings\n");
}

/// Exit codes, the same for every command: 0 clean, 1 problems found, 2 the
/// command could not run (a file unreadable or not a policy, a format the
/// command does not write).
#[test]
fn exit_codes_are_as_documented() {
    let dir = folder("codes");
    let clean = write(
        &dir,
        "clean.toml",
        "[consent_cookie]\nsign = true\n\n[[cookies]]\nname = \"cookie-preferences\"\ncategory = \"essential\"\n\
         provider = \"Shop\"\npurpose = \"Remembers your cookie choices\"\nexpiry = \"365 days\"\n",
    );
    let warned = write(&dir, "warned.toml", "name = \"Shop\"\n");
    let broken = write(
        &dir,
        "broken.toml",
        "name = \"Shop\"\nmode = \"sometimes\"\n",
    );
    let source = write(&dir, "main.rs", "fn main() {\n    println!(\"hi\");\n}\n");
    let binary = dir.join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let missing = dir.join("missing.toml");
    let p = |path: &PathBuf| path.to_str().unwrap().to_owned();
    let code = |args: &[&str]| run(args).0;
    assert_eq!(code(&["check", &p(&clean)]), 0);
    assert_eq!(code(&["check", "--deny-warnings", &p(&clean)]), 0);
    assert_eq!(code(&["check", &p(&warned)]), 0);
    assert_eq!(code(&["check", "--deny-warnings", &p(&warned)]), 1);
    assert_eq!(code(&["check", &p(&broken)]), 1);
    for unusable in [&missing, &source, &binary] {
        let (code, out, err) = run(&["check", &p(&clean), &p(unusable), &p(&broken)]);
        assert_eq!(code, 2, "{unusable:?}: {out}{err}");
        // Every other file is still checked.
        assert!(out.contains("`sometimes` is not one of"), "{out}");
        assert!(
            err.ends_with("3 files checked: 1 error, 2 warnings, 1 file not checked\n"),
            "{err}"
        );
    }
    let (_, _, err) = run(&["check", &p(&source)]);
    assert!(err.contains("not a policy file: not TOML"), "{err}");
    assert_eq!(code(&["check", "--format", "html", &p(&clean)]), 2);
    // render and diff cannot run on a file that is not a policy that loads.
    assert_eq!(code(&["render", &p(&broken)]), 2);
    assert_eq!(code(&["render", &p(&missing)]), 2);
    assert_eq!(code(&["render", "--format", "sarif", &p(&clean)]), 2);
    assert_eq!(code(&["render", &p(&clean)]), 0);
    assert_eq!(code(&["diff", &p(&clean), &p(&broken)]), 2);
    assert_eq!(code(&["diff", &p(&source), &p(&clean)]), 2);
    assert_eq!(code(&["diff", &p(&clean), &p(&clean)]), 0);
    assert_eq!(
        code(&["diff", "--format", "markdown", &p(&clean), &p(&clean)]),
        2
    );
    // records: an id that is not one, and a store that does not exist.
    let store = format!("sqlite:{}", dir.join("none.db").display());
    assert_eq!(code(&["records", "export", "--store", &store]), 2);
    assert_eq!(
        code(&[
            "records",
            "export",
            "--store",
            "sqlite::memory:",
            "--id",
            "abc"
        ]),
        2
    );
    assert_eq!(
        code(&["records", "export", "--store", "sqlite::memory:"]),
        0
    );
    // An unknown argument is clap's usage error: 2 as well.
    assert_eq!(code(&["check", "--no-such-flag", &p(&clean)]), 2);
}

/// Runs `node` on the validator with a schema and a document; the errors it prints.
fn validate(schema: &Path, document: &str, draft04: bool) -> Result<(), String> {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/js/node_modules");
    let program = r#"
const [modules, schemaPath, draft04] = process.argv.slice(1);
const Ajv = require(modules + '/ajv');
const ajv = draft04 === '1'
  ? new Ajv({ schemaId: 'id', allErrors: true, unknownFormats: 'ignore' })
  : new Ajv({ allErrors: true });
if (draft04 === '1') ajv.addMetaSchema(require(modules + '/ajv/lib/refs/json-schema-draft-04.json'));
const schema = JSON.parse(require('fs').readFileSync(schemaPath, 'utf8'));
const document = JSON.parse(require('fs').readFileSync(0, 'utf8'));
if (!ajv.validate(schema, document)) { console.log(ajv.errorsText(ajv.errors, { separator: '\n' })); process.exit(1); }
"#;
    let mut child = Command::new("node")
        .args(["-e", program])
        .arg(&modules)
        .arg(schema)
        .arg(if draft04 { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (the schema test needs Node and `npm ci --prefix tests/js`)");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// `--format json` holds to its schema, and `--format sarif` to SARIF
/// 2.1.0's published schema (the copy in @microsoft/jest-sarif, from npm).
#[test]
fn json_and_sarif_outputs_validate_against_their_schemas() {
    let dir = folder("schemas");
    let ten = write(&dir, "ten mistakes.toml", TEN);
    let json = write(
        &dir,
        "policy.json",
        "{\"revison\": 1, \"cookies\": [{\"name\": \"a\"}]}",
    );
    let missing = dir.join("missing.toml");
    let files = [
        ten.to_str().unwrap(),
        json.to_str().unwrap(),
        missing.to_str().unwrap(),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = run(&[&["check", "--format", "json"][..], &files].concat());
    assert_eq!(code, 2);
    validate(&root.join("check-output.schema.json"), &out, false).unwrap();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"], 12);
    assert!(report["files"][2]["error"]
        .as_str()
        .unwrap()
        .contains("cannot read"));

    let (code, out, _) = run(&[&["check", "--format", "sarif"][..], &files].concat());
    assert_eq!(code, 2);
    let sarif_schema = root.join(
        "../../tests/js/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json",
    );
    assert!(
        sarif_schema.exists(),
        "{} (npm ci --prefix tests/js)",
        sarif_schema.display()
    );
    validate(&sarif_schema, &out, true).unwrap();
    let log: Value = serde_json::from_str(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 10 + 8 + 2 + 2);
    let first = &results[0];
    assert_eq!(first["ruleId"], "unknown-key");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("ten%20mistakes.toml")
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    // A schema that cannot fail proves nothing: a result without its message is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(validate(&sarif_schema, &broken.to_string(), true).is_err());
    let mut broken: Value =
        serde_json::from_str(&run(&["check", "--format", "json", files[0]]).1).unwrap();
    broken["files"][0]["diagnostics"][0]["severity"] = "fatal".into();
    assert!(validate(
        &root.join("check-output.schema.json"),
        &broken.to_string(),
        false
    )
    .is_err());
}
