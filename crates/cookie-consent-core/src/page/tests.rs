use super::*;
use crate::{ConsentChoice, Signals};

const POLICY: &str = r#"
unknown_resources = "keep"

[[categories]]
id = "analytics"
title = "Analytics"

[[categories]]
id = "marketing"
title = "Marketing"

[[resources]]
match = "https://www.googletagmanager.com/"
category = "analytics"
provider = "Google Analytics"

[[resources]]
match = "https://www.youtube.com/embed/"
category = "marketing"
provider = "YouTube"

[[resources]]
match = "*.pixel.example"
category = "marketing"
"#;

fn policy_with(extra: &str) -> Policy {
    Policy::from_toml_str(&format!("{extra}\n{POLICY}")).unwrap()
}

fn none(policy: &Policy) -> Consent {
    policy.read_consent([""], Signals::default())
}

fn all(policy: &Policy) -> Consent {
    let cookie = policy.write_consent(&ConsentChoice::AcceptAll);
    let value = cookie.split(';').next().unwrap().to_owned();
    policy.read_consent([value.as_str()], Signals::default())
}

fn options() -> PageOptions {
    PageOptions {
        without_guard: true,
        host: Some("shop.example".to_owned()),
        ..PageOptions::default()
    }
}

/// The page rewritten in one chunk.
fn rewrite(policy: &Policy, consent: &Consent, options: &PageOptions, page: &str) -> String {
    rewrite_chunks(policy, consent, options, &[page.as_bytes()])
}

fn rewrite_chunks(
    policy: &Policy,
    consent: &Consent,
    options: &PageOptions,
    chunks: &[&[u8]],
) -> String {
    let mut rewriter = PageRewriter::new(policy, consent, options).unwrap();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(rewriter.write(chunk));
    }
    out.extend(rewriter.end());
    String::from_utf8(out).unwrap()
}

const GTAG: &str =
    r#"<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>"#;

#[test]
fn an_ungranted_script_becomes_inert_and_keeps_what_restores_it() {
    let policy = policy_with("");
    let out = rewrite(&policy, &none(&policy), &options(), GTAG);
    assert_eq!(
        out,
        r#"<script async data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1" data-consent-blocked="" data-consent-category="analytics" type="text/plain"></script>"#
    );
    // Granted, the page is the page.
    assert_eq!(rewrite(&policy, &all(&policy), &options(), GTAG), GTAG);
}

#[test]
fn an_inline_tagged_script_keeps_its_type_to_restore() {
    let policy = policy_with("");
    let page = r#"<script type="module" data-consent-category="marketing">fbq('init')</script><script>app()</script>"#;
    let out = rewrite(&policy, &none(&policy), &options(), page);
    assert_eq!(
        out,
        r#"<script type="text/plain" data-consent-category="marketing" data-consent-blocked="" data-consent-type="module">fbq('init')</script><script>app()</script>"#
    );
    // A tag naming no category of the policy is never granted.
    let unknown = r#"<script data-consent-category="ads">x()</script>"#;
    let out = rewrite(&policy, &all(&policy), &options(), unknown);
    assert!(out.contains(r#"type="text/plain""#), "{out}");
}

#[test]
fn a_frame_is_hidden_behind_a_placeholder_that_posts_the_grant() {
    let policy = policy_with("");
    let page = r#"<iframe src="https://www.youtube.com/embed/abc" title="Video"></iframe>"#;
    let mut with_language = options();
    with_language.accept_language = Some("de-DE".to_owned());
    let out = rewrite(&policy, &none(&policy), &with_language, page);
    assert_eq!(
        out,
        "<div class=\"cookie-consent-placeholder\" role=\"region\" aria-label=\"YouTube\" lang=\"de\" data-consent-placeholder=\"marketing\">\
         <p>Dieser Inhalt von YouTube wird nicht geladen: Er braucht Ihre Einwilligung in Marketing.</p>\
         <form method=\"post\" action=\"/consent\"><input type=\"hidden\" name=\"category\" value=\"marketing\">\
         <button type=\"submit\" name=\"action\" value=\"save\">Marketing erlauben und laden</button></form></div>\
         <iframe title=\"Video\" data-consent-src=\"https://www.youtube.com/embed/abc\" data-consent-blocked=\"\" data-consent-category=\"marketing\" hidden=\"\"></iframe>"
    );
}

#[test]
fn pixels_srcsets_and_preloads_lose_their_urls() {
    let policy = policy_with("");
    let page = concat!(
        r#"<img src="https://t.pixel.example/p.gif" alt="">"#,
        r#"<img srcset="/a.png 1x, https://t.pixel.example/b.png 2x">"#,
        r#"<link rel="preload" as="script" href="https://www.googletagmanager.com/gtm.js">"#,
        r#"<link rel="stylesheet" href="https://www.googletagmanager.com/x.css">"#,
        r#"<img src="/logo.png">"#,
    );
    let out = rewrite(&policy, &none(&policy), &options(), page);
    assert_eq!(
        out,
        concat!(
            r#"<img alt="" data-consent-src="https://t.pixel.example/p.gif" data-consent-blocked="" data-consent-category="marketing">"#,
            r#"<img data-consent-srcset="/a.png 1x, https://t.pixel.example/b.png 2x" data-consent-blocked="" data-consent-category="marketing">"#,
            r#"<link rel="preload" as="script" data-consent-href="https://www.googletagmanager.com/gtm.js" data-consent-blocked="" data-consent-category="analytics">"#,
            // Only what the browser fetches ahead is judged among links.
            r#"<link rel="stylesheet" href="https://www.googletagmanager.com/x.css">"#,
            r#"<img src="/logo.png">"#,
        )
    );
}

#[test]
fn the_guard_goes_first_in_head_once_or_before_the_first_script() {
    let policy = policy_with("");
    let consent = none(&policy);
    let mut with_guard = options();
    with_guard.without_guard = false;
    with_guard.nonce = Some("abc".to_owned());
    let guard = policy.render_cookie_guard(&consent, Some("abc"));
    let out = rewrite(
        &policy,
        &consent,
        &with_guard,
        "<html><head><title>x</title><script>a()</script></head><body><script>b()</script></body></html>",
    );
    assert_eq!(
        out,
        format!("<html><head>{guard}<title>x</title><script>a()</script></head><body><script>b()</script></body></html>")
    );
    let out = rewrite(
        &policy,
        &consent,
        &with_guard,
        "<p>hi</p><script>a()</script>",
    );
    assert_eq!(out, format!("<p>hi</p>{guard}<script>a()</script>"));
    // After a leading `<meta charset>`, which must stay in the first 1024 bytes.
    let out = rewrite(
        &policy,
        &consent,
        &with_guard,
        "<head><meta charset=\"utf-8\"><script>a()</script></head>",
    );
    assert_eq!(
        out,
        format!("<head><meta charset=\"utf-8\">{guard}<script>a()</script></head>")
    );
    let out = rewrite(&policy, &consent, &with_guard, "<head></head><body></body>");
    assert_eq!(out, format!("<head>{guard}</head><body></body>"));
}

/// A tag split across chunks at every byte boundary is rewritten as whole.
#[test]
fn a_page_split_at_every_byte_reads_as_whole() {
    let policy = policy_with("");
    let consent = none(&policy);
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>Grüße {GTAG}\
         <iframe src=\"https://www.youtube.com/embed/x\"></iframe><img src=\"https://a.pixel.example/p\"></body></html>"
    );
    let whole = rewrite(&policy, &consent, &options(), &page);
    assert!(whole.contains("data-consent-blocked"), "{whole}");
    let bytes = page.as_bytes();
    for cut in 0..=bytes.len() {
        let split = rewrite_chunks(
            &policy,
            &consent,
            &options(),
            &[&bytes[..cut], &bytes[cut..]],
        );
        assert_eq!(split, whole, "cut at {cut}");
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(
        rewrite_chunks(&policy, &consent, &options(), &singles),
        whole
    );
}

#[test]
fn undeclared_third_party_resources_follow_unknown_resources() {
    let page = r#"<script src="https://cdn.other.example/x.js"></script><script src="https://shop.example/own.js"></script><script src="/rel.js"></script>"#;
    let keep = policy_with("");
    assert_eq!(rewrite(&keep, &none(&keep), &options(), page), page);
    let strip = Policy::from_toml_str(&POLICY.replace("\"keep\"", "\"strip\"")).unwrap();
    let out = rewrite(&strip, &all(&strip), &options(), page);
    assert_eq!(
        out,
        r#"<script data-consent-src="https://cdn.other.example/x.js" data-consent-blocked="" type="text/plain"></script><script src="https://shop.example/own.js"></script><script src="/rel.js"></script>"#
    );
    let report = Policy::from_toml_str(&POLICY.replace("\"keep\"", "\"report\"")).unwrap();
    assert_eq!(rewrite(&report, &none(&report), &options(), page), page);
}

#[test]
fn a_legacy_charset_is_read_and_written_as_it_came() {
    let policy = policy_with("");
    let mut latin = options();
    latin.charset = Some("windows-1252".to_owned());
    // "Grüße" in windows-1252, then the tag.
    let mut page = b"<p>Gr\xfc\xdfe</p>".to_vec();
    page.extend_from_slice(GTAG.as_bytes());
    let mut rewriter = PageRewriter::new(&policy, &none(&policy), &latin).unwrap();
    let mut out = rewriter.write(&page);
    out.extend(rewriter.end());
    assert!(
        out.starts_with(b"<p>Gr\xfc\xdfe</p><script async data-consent-src="),
        "{out:?}"
    );
    // Not ASCII-compatible: no rewriter (the adapter passes the page untouched).
    let mut utf16 = options();
    utf16.charset = Some("utf-16le".to_owned());
    assert!(PageRewriter::new(&policy, &none(&policy), &utf16).is_none());
}

#[test]
fn only_html_with_a_body_is_rewritten_and_compressed_pages_are_flagged() {
    let rewrite = |charset: Option<&str>| PagePlan::Rewrite {
        charset: charset.map(str::to_owned),
    };
    assert_eq!(plan(false, 200, Some(b"text/html"), None), rewrite(None));
    assert_eq!(
        plan(false, 200, Some(b"Text/HTML; Charset=\"ISO-8859-1\""), None),
        rewrite(Some("ISO-8859-1"))
    );
    assert_eq!(
        plan(false, 200, Some(b"text/html"), Some(b"identity")),
        rewrite(None)
    );
    assert_eq!(
        plan(false, 200, Some(b"text/html"), Some(b"gzip")),
        PagePlan::Compressed
    );
    for (head, status, content_type) in [
        (true, 200, Some(&b"text/html"[..])),
        (false, 304, Some(&b"text/html"[..])),
        (false, 204, Some(&b"text/html"[..])),
        (false, 200, Some(&b"application/json"[..])),
        (false, 200, Some(&b"text/html-fragment"[..])),
        (false, 200, None),
    ] {
        assert_eq!(plan(head, status, content_type, None), PagePlan::Pass);
    }
}

#[test]
fn the_nonce_is_the_one_scripts_are_allowed_with() {
    assert_eq!(
        csp_nonce([&b"default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic'"[..]]),
        Some("abc123".to_owned())
    );
    assert_eq!(
        csp_nonce([&b"default-src 'nonce-xyz'"[..]]),
        Some("xyz".to_owned())
    );
    // script-src without a nonce: default-src's does not apply to scripts.
    assert_eq!(
        csp_nonce([&b"default-src 'nonce-xyz'; script-src 'self'"[..]]),
        None
    );
    assert_eq!(
        csp_nonce([&b"img-src *"[..], &b"script-src 'nonce-2'"[..]]),
        Some("2".to_owned())
    );
}

#[test]
fn the_banner_goes_first_in_body_until_the_visitor_chooses() {
    let policy = policy_with("");
    let mut with_banner = options();
    with_banner.banner = Some(("/consent".to_owned(), "/cookie-policy".to_owned()));
    let page = "<html><body><h1>Shop</h1></body></html>";
    let consent = none(&policy);
    let banner = policy
        .locale(None)
        .render_banner(&consent, "/consent", "/cookie-policy");
    assert_eq!(
        rewrite(&policy, &consent, &with_banner, page),
        format!("<html><body>{banner}<h1>Shop</h1></body></html>")
    );
    // Chosen: no banner; and none unless asked for.
    assert_eq!(rewrite(&policy, &all(&policy), &with_banner, page), page);
    assert_eq!(rewrite(&policy, &consent, &options(), page), page);
}

#[test]
fn a_resources_own_placeholder_is_translated_under_locales() {
    let policy = Policy::from_toml_str(&format!(
        "{POLICY}\n[locales.de.resources.\"https://www.youtube.com/embed/\"]\nplaceholder = \"Video von {{provider}}: erst nach Einwilligung.\"\n"
    ))
    .unwrap();
    let page = r#"<iframe src="https://www.youtube.com/embed/abc"></iframe>"#;
    let mut german = options();
    german.accept_language = Some("de".to_owned());
    let out = rewrite(&policy, &none(&policy), &german, page);
    assert!(
        out.contains("<p>Video von YouTube: erst nach Einwilligung.</p>"),
        "{out}"
    );
    let out = rewrite(&policy, &none(&policy), &options(), page);
    assert!(
        out.contains("<p>This content from YouTube is not loaded"),
        "{out}"
    );
    let unknown =
        format!("{POLICY}\n[locales.de.resources.\"https://x.example/\"]\nplaceholder = \"x\"\n");
    assert_eq!(
        Policy::from_toml_str(&unknown).unwrap_err().field,
        "locales.de.resources.https://x.example/"
    );
}
