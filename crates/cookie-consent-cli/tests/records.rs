//! `cookie-consent records export` through the real binary, on the records
//! the axum demo wrote over HTTP into a SQLite file.

use std::process::Command;

use cookie_consent_core::{ConsentRecord, Policy};
use cookie_consent_tests::{send, serve_axum_demo_recording};

fn export(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cookie-consent"))
        .args(["records", "export"])
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn lines(stdout: &str) -> Vec<ConsentRecord> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one record per line"))
        .collect()
}

#[test]
fn export_prints_the_records_as_json_lines() {
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
