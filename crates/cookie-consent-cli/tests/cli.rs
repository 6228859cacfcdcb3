//! `cookie-consent check`, `render`, `diff` and `records export` through the
//! real binary: exact outputs and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use cookie_consent_core::{ConsentRecord, Policy};
use cookie_consent_tests::{send, serve_axum_demo_recording};

const MINOPA: &str = include_str!("../../../examples/policies/minopa.toml");

/// A fresh folder for one test's files.
fn folder(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cookie-consent-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the command: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cookie-consent"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `check`'s warning for a policy that does not declare its consent cookie.
const UNDECLARED: &str = "the consent cookie `cookie-preferences` is not declared: the policy page must list it; add\n[[cookies]]\nname = \"cookie-preferences\"\ncategory = \"essential\"\npurpose = \"Remembers your cookie choices\"\nexpiry = \"365 days\"";

/// `check`'s warning for a policy whose consent cookie is not signed.
const SIGN: &str = "the consent cookie is not signed: any script on the page can write a consent that grants every category; set `sign = true` under `[consent_cookie]` and give the application its keys (`Policy::with_signing_keys`; the demo sites read `CONSENT_KEYS`)";

#[test]
fn check_reports_every_problem_of_every_file_then_the_warnings() {
    let dir = folder("check");
    let bad = write(
        &dir,
        "bad.toml",
        "[[categories]]\nid = \"ads\"\n\n[[cookies]]\nname = \"a\"\ncategory = \"nope\"\n\n\
         [[cookies]]\nname = \"b*c\"\ncategory = \"ads\"\n",
    );
    let unparsable = write(&dir, "broken.json", "{\"categories\": [}");
    let warned = write(
        &dir,
        "warned.toml",
        "[[categories]]\nid = \"marketing\"\ndescription = \"Ads.\"\n\n\
         [[cookies]]\nname = \"_fbp\"\ncategory = \"marketing\"\nprovider = \"Meta\"\n\
         purpose = \"Ads\"\nexpiry = \"2 years\"\n\n\
         [[cookies]]\nname = \"_ga\"\ncategory = \"essential\"\nprovider = \"Google Analytics\"\n",
    );
    let missing = dir.join("missing.toml");
    let (code, out, err) = run(&[
        "check",
        path(&bad),
        path(&unparsable),
        path(&warned),
        path(&missing),
    ]);
    let d = dir.display();
    assert_eq!(
        out,
        format!(
            "{d}/bad.toml:6: field `cookies[0].category`: unknown category `nope` (categories: essential, ads)\n\
             {d}/bad.toml:9: field `cookies[1].name`: `b*c`: `*` may only stand at the end of a name\n\
             {d}/broken.json:1: field `categories[0]`: expected value\n\
             {d}/warned.toml: warning: field `cookies`: {UNDECLARED}\n\
             {d}/warned.toml: warning: field `consent_cookie.sign`: {SIGN}\n\
             {d}/warned.toml:2: warning: field `categories[1].honor_gpc`: category `marketing` looks like marketing but does not honour GPC: set `honor_gpc = true` (a sale or share opt-out under US state laws)\n\
             {d}/warned.toml:6: warning: field `cookies[0].expiry`: cookie `_fbp` is kept for 2 years (730 days), longer than 13 months\n\
             {d}/warned.toml:13: warning: field `cookies[1].purpose`: cookie `_ga` has no purpose: the policy page shows an empty cell\n\
             {d}/warned.toml:13: warning: field `cookies[1].category`: cookie `_ga` of Google Analytics is declared essential: a tracking provider's cookie passes without consent\n\
             {d}/missing.toml: cannot read the policy file: No such file or directory (os error 2)\n"
        )
    );
    assert_eq!(err, "4 files checked: 4 errors, 6 warnings\n");
    assert_eq!(
        code, 2,
        "a file that cannot be read: exit 2, after every file"
    );
    // Errors alone: 1.
    assert_eq!(run(&["check", path(&bad), path(&warned)]).0, 1);

    // Warnings alone pass, unless denied.
    assert_eq!(run(&["check", path(&warned)]).0, 0);
    assert_eq!(run(&["check", "--deny-warnings", path(&warned)]).0, 1);
    let clean = write(
        &dir,
        "clean.toml",
        "[[categories]]\nid = \"analytics\"\ndescription = \"Counts.\"\n\n\
         [[cookies]]\nname = \"_ga\"\ncategory = \"analytics\"\nprovider = \"Google Analytics\"\n\
         purpose = \"Counts\"\nexpiry = \"13 months\"\n\n[consent_cookie]\nsign = true\n",
    );
    // The undeclared consent cookie's fix, pasted as the warning gives it, clears it.
    let fix = UNDECLARED.split_once("add\n").unwrap().1;
    let fixed = std::fs::read_to_string(&clean).unwrap() + "\n" + fix + "\n";
    std::fs::write(&clean, fixed).unwrap();
    assert_eq!(
        run(&["check", "--deny-warnings", path(&clean)]),
        (
            0,
            String::new(),
            "1 file checked: 0 errors, 0 warnings\n".to_owned()
        )
    );
    // Both seed policies load; Minopa keeps `_ga` for two years, as its document says.
    let (code, out, _) = run(&[
        "check",
        "../../examples/policies/minopa.toml",
        "../../examples/policies/mihari.toml",
    ]);
    assert_eq!(code, 0);
    // Their files leave signing to the deployment (`CONSENT_KEYS`): check says so.
    assert_eq!(
        out,
        format!(
            "../../examples/policies/minopa.toml: warning: field `consent_cookie.sign`: {SIGN}\n\
             ../../examples/policies/minopa.toml:83: warning: field `cookies[5].expiry`: cookie `_ga` is kept for 2 years (730 days), longer than 13 months\n\
             ../../examples/policies/mihari.toml: warning: field `consent_cookie.sign`: {SIGN}\n"
        )
    );
}

/// `expiry` has a grammar: a misspelt retention is an error naming the valid
/// form, and writing that form clears it.
#[test]
fn a_misspelt_retention_is_an_error_whose_fix_clears_it() {
    let dir = folder("expiry");
    let text = "[[categories]]\nid = \"analytics\"\n\n[[cookies]]\nname = \"_ga\"\n\
                category = \"analytics\"\nexpiry = \"2 yeras\"\n";
    let file = write(&dir, "policy.toml", text);
    let (code, out, _) = run(&["check", path(&file)]);
    assert_eq!(code, 1);
    assert!(
        out.contains("policy.toml:7: field `cookies[0].expiry`: `2 yeras` is not a retention: write `2 years`"),
        "{out}"
    );
    let fixed = write(&dir, "policy.toml", &text.replace("2 yeras", "2 years"));
    let (code, out, _) = run(&["check", path(&fixed)]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("is not a retention"), "{out}");
}

#[test]
fn render_prints_what_the_library_serves() {
    let policy = Policy::from_toml_str(MINOPA).unwrap();
    let file = "../../examples/policies/minopa.toml";
    assert_eq!(
        run(&["render", file]),
        (0, policy.render_html(), String::new())
    );
    let german = policy.locale_tagged("de").unwrap();
    assert_eq!(
        run(&["render", file, "--format", "markdown", "--locale", "de"]),
        (0, german.render_markdown(), String::new())
    );
    let (code, json, _) = run(&["render", file, "--format", "json", "--locale", "de"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["lang"], "de");
    assert_eq!(json["name"], "Minopa");
    assert_eq!(json["revision"], 1);
    assert_eq!(json["texts"]["column_provider"], "Anbieter");
    assert_eq!(json["categories"][2]["id"], "analytics");
    assert_eq!(json["categories"][2]["title"], "Analyse-Cookies");
    assert_eq!(json["categories"][2]["cookies"][0]["name"], "_ga");
    assert_eq!(json["categories"][2]["cookies"][0]["expiry"], "2 Jahre");
    assert_eq!(json["categories"][3]["honor_gpc"], true);

    let (code, out, err) = run(&["render", file, "--locale", "it"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        format!("cookie-consent: {file}: no locale `it` (locales: de, en, fr)\n")
    );
    let (code, _, err) = run(&["render", "nowhere.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("cookie-consent: nowhere.toml: cannot read the policy file"),
        "{err}"
    );
    let (code, _, err) = run(&["render", file, "--format", "pdf"]);
    assert_eq!(code, 2, "{err}");
}

/// One pair of policies for `diff`: what changes, and the verdict.
struct Pair {
    name: &'static str,
    /// Edits of Minopa's policy text: (from, to).
    edits: &'static [(&'static str, &'static str)],
    output: &'static str,
    code: i32,
}

const PAIRS: &[Pair] = &[
    Pair {
        name: "the same policy",
        edits: &[],
        output: "no change for visitors\n",
        code: 0,
    },
    Pair {
        name: "a new non-essential cookie",
        edits: &[("[[cookies]]\nname = \"theme\"", "[[cookies]]\nname = \"_fbp\"\ncategory = \"marketing\"\n\n[[cookies]]\nname = \"theme\"")],
        output: "+ cookie `_fbp` (marketing) — needs re-consent: a new non-essential cookie\n\
                 re-consent needed (a new non-essential cookie: + cookie `_fbp` (marketing)), but `revision` stays 1: set it to 2 or more\n",
        code: 3,
    },
    Pair {
        name: "a new non-essential cookie, revision bumped",
        edits: &[("revision = 1", "revision = 2"), ("[[cookies]]\nname = \"theme\"", "[[cookies]]\nname = \"_fbp\"\ncategory = \"marketing\"\n\n[[cookies]]\nname = \"theme\"")],
        output: "+ cookie `_fbp` (marketing) — needs re-consent: a new non-essential cookie\n\
                 re-consent needed: revision 1 → 2 asks every visitor again\n",
        code: 0,
    },
    Pair {
        name: "a new category",
        edits: &[("[[cookies]]\nname = \"next-auth.session-token\"", "[[categories]]\nid = \"social\"\n\n[[cookies]]\nname = \"next-auth.session-token\"")],
        output: "+ category `social` — needs re-consent: a new category\n\
                 re-consent needed (a new category: + category `social`), but `revision` stays 1: set it to 2 or more\n",
        code: 3,
    },
    Pair {
        name: "a cookie re-categorised",
        edits: &[("name = \"theme\"\ncategory = \"functional\"", "name = \"theme\"\ncategory = \"analytics\"")],
        output: "~ cookie `theme`: category `functional` → `analytics` — needs re-consent: a cookie in another category\n\
                 re-consent needed (a cookie in another category: ~ cookie `theme`: category `functional` → `analytics`), but `revision` stays 1: set it to 2 or more\n",
        code: 3,
    },
    Pair {
        name: "a changed purpose",
        edits: &[("Remembers your dark/light mode preference", "Remembers your preferences and shares them with partners")],
        output: "~ cookie `theme`: purpose \"Remembers your dark/light mode preference\" → \"Remembers your preferences and shares them with partners\" — needs re-consent: a changed purpose\n\
                 re-consent needed (a changed purpose: ~ cookie `theme`: purpose \"Remembers your dark/light mode preference\" → \"Remembers your preferences and shares them with partners\"), but `revision` stays 1: set it to 2 or more\n",
        code: 3,
    },
    Pair {
        name: "a removed cookie, an essential one added, a changed expiry and description",
        edits: &[
            ("[[cookies]]\nname = \"locale\"\ncategory = \"functional\"\nprovider = \"Minopa\"\npurpose = \"Remembers your language preference\"\nexpiry = \"1 year\"\n", ""),
            ("[locales.de.cookies.locale]\npurpose = \"Speichert Ihre bevorzugte Sprache\"\nexpiry = \"1 Jahr\"\n", ""),
            ("[[cookies]]\nname = \"theme\"", "[[cookies]]\nname = \"__Host-sid\"\ncategory = \"essential\"\n\n[[cookies]]\nname = \"theme\""),
            ("purpose = \"Distinguishes unique users for a 24-hour period\"\nexpiry = \"24 hours\"", "purpose = \"Distinguishes unique users for a 24-hour period\"\nexpiry = \"1 day\""),
            ("All information is aggregated", "Everything is aggregated"),
        ],
        output: "~ category `analytics`: description \"These cookies help us understand how visitors interact with the Service. All information is aggregated and used to improve the Service.\" → \"These cookies help us understand how visitors interact with the Service. Everything is aggregated and used to improve the Service.\"\n\
                 + cookie `__Host-sid` (essential)\n\
                 ~ cookie `_gid`: expiry \"24 hours\" → \"1 day\"\n\
                 - cookie `locale` (functional)\n\
                 no re-consent needed (revision 1 → 1)\n",
        code: 0,
    },
    Pair {
        name: "a lengthened retention and a withdrawn signal: notices, no re-consent",
        edits: &[
            ("purpose = \"Distinguishes unique users for a 24-hour period\"\nexpiry = \"24 hours\"", "purpose = \"Distinguishes unique users for a 24-hour period\"\nexpiry = \"13 months\""),
            ("legal_basis = \"Consent - we would request your permission before setting these cookies.\"\nhonor_gpc = true", "legal_basis = \"Consent - we would request your permission before setting these cookies.\"\nhonor_gpc = false"),
        ],
        output: "~ category `marketing`: honor_gpc true → false — tell visitors: a privacy signal (Global Privacy Control) is no longer honoured\n\
                 ~ cookie `_gid`: expiry \"24 hours\" → \"13 months\" — tell visitors: the cookie is kept longer\n\
                 no re-consent needed (revision 1 → 1)\n",
        code: 0,
    },
    Pair {
        name: "a cookie made essential",
        edits: &[("name = \"theme\"\ncategory = \"functional\"", "name = \"theme\"\ncategory = \"essential\"")],
        output: "~ cookie `theme`: category `functional` → `essential`\n\
                 no re-consent needed (revision 1 → 1)\n",
        code: 0,
    },
];

#[test]
fn diff_says_what_changed_and_whether_it_needs_re_consent() {
    let dir = folder("diff");
    let old = write(&dir, "old.toml", MINOPA);
    for pair in PAIRS {
        let mut text = MINOPA.to_owned();
        for (from, to) in pair.edits {
            assert!(
                text.contains(from),
                "{}: the edit finds {from:?}",
                pair.name
            );
            text = text.replacen(from, to, 1);
        }
        let new = write(&dir, "new.toml", &text);
        let (code, out, err) = run(&["diff", path(&old), path(&new)]);
        assert_eq!(
            (out.as_str(), code),
            (pair.output, pair.code),
            "{}: {err}",
            pair.name
        );
    }
    let broken = write(&dir, "broken.toml", "revision = \"x\"\n");
    let (code, out, err) = run(&["diff", path(&old), path(&broken)]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("broken.toml:1: field `revision`"), "{err}");
}

/// `records export` with these arguments.
fn export(args: &[&str]) -> (i32, String, String) {
    run(&[&["records", "export"], args].concat())
}

fn lines(stdout: &str) -> Vec<ConsentRecord> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one record per line"))
        .collect()
}

#[test]
fn records_export_prints_the_records_as_json_lines() {
    let dir =
        std::env::temp_dir().join(format!("cookie-consent-cli-records-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("sqlite:{}", dir.join("records.db").display());
    let policy = Policy::from_toml_str(example_axum_minopa::EMBEDDED_POLICY).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Two browsers: one answers twice, the other once.
    let ids = runtime.block_on(async {
        let records = cookie_consent_demo::open_records(&store).unwrap();
        let addr = serve_axum_demo_recording(policy.clone(), records).await;
        let answer = |form: &'static str, cookie: Option<String>| async move {
            let mut headers = vec![("user-agent", "ExportTest")];
            if let Some(cookie) = &cookie {
                headers.push(("cookie", cookie.as_str()));
            }
            let reply = send(addr, "POST", "/consent", &headers, form).await;
            assert_eq!(reply.status, 303, "{reply:?}");
            reply.set_cookies[0].split(';').next().unwrap().to_owned()
        };
        let first = answer("action=accept-all", None).await;
        answer("action=reject-optional", Some(first.clone())).await;
        let other = answer("action=reject-optional", None).await;
        [first, other].map(|pair| policy.consent_id([pair]).unwrap().to_string())
    });

    let (code, stdout, stderr) = export(&["--store", &store]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let all = lines(&stdout);
    let summary: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r.id.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (ids[0].as_str(), "accept-all"),
            (ids[0].as_str(), "reject-optional"),
            (ids[1].as_str(), "reject-optional")
        ]
    );
    assert!(all
        .iter()
        .all(|r| r.user_agent == "ExportTest" && r.policy_digest == policy.digest()));

    let (code, stdout, _) = export(&["--store", &store, "--id", &ids[0]]);
    assert_eq!((code, lines(&stdout)), (0, all[..2].to_vec()));
    let (code, stdout, _) = export(&["--store", &store, "--since", &all[2].recorded_at]);
    assert_eq!((code, lines(&stdout)), (0, all[2..].to_vec()));
    let (code, stdout, _) = export(&["--store", &store, "--since", "2999-01-01"]);
    assert_eq!((code, stdout.as_str()), (0, ""));

    // A mistyped id is an error, not an empty export.
    let (code, stdout, stderr) = export(&["--store", &store, "--id", "abc"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("--id `abc`: not a consent id"), "{stderr}");

    let (code, _, stderr) = export(&["--store", &store, "--since", "last week"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "cookie-consent: --since `last week`: not a date (YYYY-MM-DD) or an RFC 3339 time\n"
    );
    let missing = format!("sqlite:{}", dir.join("typo.db").display());
    let (code, _, stderr) = export(&["--store", &missing]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!("cookie-consent: --store `{missing}`: no such database file\n")
        )
    );
    let (code, _, stderr) = export(&["--store", "postgres://nobody@127.0.0.1:1/none"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Connection refused"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
