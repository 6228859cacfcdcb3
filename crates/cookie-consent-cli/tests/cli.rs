//! `cookie-consent check`, `render`, `diff` and `records export` through the
//! real binary: exact outputs and exit codes.

use std::path::Path;

use cookie_consent_core::{ConsentRecord, Policy};
use cookie_consent_tests::{send, serve_axum_demo_recording};

mod common;
use common::{folder, run, write};

const MINOPA: &str = include_str!("../../../examples/policies/minopa.toml");

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `check --format json`: (exit code, every diagnostic as (severity, rule, field, line)).
fn check_json(files: &[&str]) -> (i32, Vec<(String, String, String, u64)>) {
    let (code, out, _) = run(&[&["check", "--format", "json"][..], files].concat());
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|file| file["diagnostics"].as_array().cloned().unwrap_or_default())
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
            (
                text("severity"),
                text("rule"),
                text("field"),
                d["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (code, found)
}

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
    let (code, found) = check_json(&[path(&bad), path(&unparsable), path(&warned)]);
    assert_eq!(code, 1);
    let row = |severity: &str, rule: &str, field: &str, line| {
        (severity.to_owned(), rule.to_owned(), field.to_owned(), line)
    };
    assert_eq!(
        found,
        [
            row("error", "invalid-value", "cookies[0].category", 6),
            row("error", "invalid-value", "cookies[1].name", 9),
            // The policy's own lints of a file with errors still run.
            row(
                "warning",
                "category-without-description",
                "categories[0].description",
                1
            ),
            row("warning", "consent-cookie-undeclared", "cookies", 0),
            row("warning", "consent-unsigned", "consent_cookie.sign", 0),
            row("error", "syntax", "", 1),
            row(
                "warning",
                "marketing-without-gpc",
                "categories[0].honor_gpc",
                1
            ),
            row("warning", "retention-too-long", "cookies[0].expiry", 10),
            row(
                "warning",
                "cookie-without-purpose",
                "cookies[1].purpose",
                12
            ),
            row(
                "warning",
                "tracker-declared-essential",
                "cookies[1].category",
                14
            ),
            row("warning", "consent-cookie-undeclared", "cookies", 0),
            row("warning", "consent-unsigned", "consent_cookie.sign", 0),
        ]
    );
    // Warnings alone pass, unless denied.
    assert_eq!(run(&["check", path(&warned)]).0, 0);
    assert_eq!(run(&["check", "--deny-warnings", path(&warned)]).0, 1);
}

/// The seed policies load; Minopa keeps `_ga` for two years, as its document
/// says, and both leave signing to the deployment (`CONSENT_KEYS`). Their
/// fixes, applied, clear the warnings they are for.
#[test]
fn check_on_the_seed_policies_and_their_fixes() {
    let dir = folder("seeds");
    let seeds = [
        "../../examples/policies/minopa.toml",
        "../../examples/policies/mihari.toml",
    ];
    let (code, found) = check_json(&seeds);
    assert_eq!(code, 0);
    let rules: Vec<(&str, &str)> = found.iter().map(|f| (f.1.as_str(), f.2.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("retention-too-long", "cookies[5].expiry"),
            ("consent-unsigned", "consent_cookie.sign"),
            ("consent-unsigned", "consent_cookie.sign"),
        ]
    );
    for seed in seeds {
        let text = std::fs::read_to_string(seed).unwrap();
        let (_, out, _) = run(&["check", "--format", "json", seed]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let unsigned = report["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "consent-unsigned")
            .unwrap()
            .clone();
        let fix = &unsigned["fix"];
        let at = |key: &str| fix[key].as_u64().unwrap() as usize;
        let fixed = format!(
            "{}{}{}",
            &text[..at("start")],
            fix["replacement"].as_str().unwrap(),
            &text[at("end")..]
        );
        let file = write(&dir, "fixed.toml", &fixed);
        let (code, found) = check_json(&[path(&file)]);
        assert_eq!(code, 0);
        assert!(!found.iter().any(|f| f.1 == "consent-unsigned"), "{fixed}");
        Policy::from_toml_str(&fixed).unwrap();
    }
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

/// Resources and storage keys (DESIGN §20) are on the policy page, and a
/// new resource of a non-essential category needs re-consent.
#[test]
fn resources_are_rendered_and_diffed() {
    let dir = folder("resources");
    let before =
        "revision = 1\n[[categories]]\nid = \"analytics\"\ndescription = \"Counts visits.\"\n";
    let after = format!(
        "{}\n[[resources]]\nmatch = \"https://www.googletagmanager.com/\"\ncategory = \"analytics\"\n\
         provider = \"Google Analytics\"\n\n[[storage]]\nkey = \"_hj*\"\ncategory = \"analytics\"\n",
        before
    );
    let old = write(&dir, "old.toml", before);
    let new = write(&dir, "new.toml", &after);
    let (code, out, _) = run(&["render", "--format", "markdown", path(&new)]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "**Loads content from:** Google Analytics (https://www.googletagmanager.com/)\n"
        ),
        "{out}"
    );
    assert!(out.contains("**Stores on your device:** _hj*\n"), "{out}");
    let (_, out, _) = run(&["render", "--format", "json", path(&new)]);
    let view: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        view["categories"][1]["resources"],
        serde_json::json!([{ "provider": "Google Analytics", "match": "https://www.googletagmanager.com/" }])
    );
    assert_eq!(
        view["categories"][1]["storage"],
        serde_json::json!(["_hj*"])
    );
    let (code, out, _) = run(&["diff", path(&old), path(&new)]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("+ resource `https://www.googletagmanager.com/` (analytics) — needs re-consent: a new non-essential resource\n"),
        "{out}"
    );
    let (code, out, _) = run(&["diff", "--format", "json", path(&new), path(&old)]);
    assert_eq!(code, 0);
    let diff: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        diff["changes"][0]["change"],
        "- resource `https://www.googletagmanager.com/` (analytics)"
    );
    assert_eq!(diff["reconsent_needed"], false);
}
