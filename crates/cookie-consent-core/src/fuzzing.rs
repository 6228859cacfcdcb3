//! Entry points for the cargo-fuzz targets under `fuzz/`: each reader of
//! untrusted bytes, checked against the general path it must agree with.
//! Behind the `fuzzing` feature; not part of the public API.

use crate::adapter::ResponseHeaders;
use crate::clock::Now;
use crate::consent::{ConsentChoice, Reading, Signals};
use crate::decision::decide_by_the_steps;
use crate::endpoint::{ConsentAnswer, ConsentPost};
use crate::policy::{Diagnostic, Policy, Severity};
use crate::syntax::{cookie_pairs, is_removal, set_cookie_pair_name};

/// A fixed time, so that runs reproduce.
const NOW: i64 = 1_763_800_000;

/// The policy every target reads against: Minopa's, which has exact names,
/// prefixes, a domain rule and a category that honours GPC.
pub fn policy() -> Policy {
    Policy::from_toml_str(include_str!("../tests/data/minopa.toml")).expect("the fuzz policy")
}

/// One consent cookie value: the common-form reader, where it answers, must
/// agree with the general one (percent-decoding and serde_json).
pub fn consent_value(policy: &Policy, raw: &[u8]) {
    let categories = &policy.inner.categories;
    if let Some(common) = crate::consent::common_form_read(raw, categories) {
        let general = crate::consent::general_read(raw, categories);
        assert_eq!(Some(common), general, "readers disagree on {raw:?}");
    }
}

/// A `Cookie` header: the one-pass scan must give the state and grants that
/// reading each pair on its own gives, and a whole review must not panic.
pub fn cookie_header(policy: &Policy, header: &[u8], gpc: bool) {
    let signals = Signals { gpc, dnt: false };
    let consent = policy.read_consent_at([header], signals, NOW);
    let now = Now::at(NOW);
    let mut reading = Reading::MISSING;
    for (name, value) in cookie_pairs(header) {
        if name == policy.inner.consent_name().as_bytes() {
            reading.add(policy, value, &now);
        }
    }
    let general = reading.into_consent(policy, signals);
    // A raw `;` inside a JSON value is read whole by the scan and split by the
    // pair reader; browsers never send one, so only clean headers must agree.
    if !header_has_semicolon_in_consent(policy, header) {
        assert_eq!(
            (consent.state_quietly(), consent.granted_quietly()),
            (general.state_quietly(), general.granted_quietly()),
            "readers disagree on {header:?}"
        );
    }
    let headers = ResponseHeaders {
        request_cookies: [header],
        set_cookies: [header],
        vary: [header],
        mark: None,
    };
    let outcome = policy.review_response(&consent, headers, None);
    for purge in outcome.purges() {
        assert!(
            purge.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "{purge:?}"
        );
    }
}

/// [`policy`] with its consent signed by a fixed key.
pub fn signed_policy() -> Policy {
    let keys = crate::SigningKeys::new([[0x5e; 32]]).expect("a valid key");
    policy().with_signing_keys(keys)
}

/// A `Cookie` header read by a signing policy: never a panic, and nothing
/// granted unless some consent value of the header verifies.
pub fn signed_cookie_header(signed: &Policy, header: &[u8]) {
    let consent = signed.read_consent_at([header], Signals::default(), NOW);
    let crate::policy::Signing::Keys(keys) = signed.signing() else {
        panic!("a signing policy");
    };
    let name = signed.inner.consent_name().as_bytes();
    let verifies = cookie_pairs(header)
        .filter(|(pair_name, _)| *pair_name == name)
        .any(|(_, value)| keys.verify(name, value).is_some());
    if !verifies {
        assert!(
            matches!(
                consent.state_quietly(),
                crate::ConsentState::Missing | crate::ConsentState::Invalid
            ),
            "an unverified header is believed: {header:?}"
        );
        assert_eq!(
            signed.consent_id([header]),
            None,
            "an id from an unverified header: {header:?}"
        );
    }
}

fn header_has_semicolon_in_consent(policy: &Policy, header: &[u8]) -> bool {
    let name = policy.inner.consent_name().as_bytes();
    header.windows(name.len()).any(|w| w == name) && header.contains(&b'{')
}

/// One `Set-Cookie` value: the judge's shortcuts must decide as the design's
/// steps do, and its attributes read as [`removal`] holds them.
pub fn set_cookie(policy: &Policy, value: &[u8], granted: &[u8]) {
    let header = [b"cookie-preferences={\"categories\":{", granted, b"}}"].concat();
    let consent = policy.read_consent_at([header.as_slice()], Signals::default(), NOW);
    let now = Now::at(NOW);
    let judged = policy.decide_value(&consent, value, &now, true);
    let by_the_steps = decide_by_the_steps(policy, &consent, value, NOW);
    assert_eq!(
        (
            judged.verdict,
            judged.name,
            judged.category,
            judged.undeclared
        ),
        (
            by_the_steps.0,
            by_the_steps.1,
            by_the_steps.2,
            by_the_steps.4
        ),
        "judge and steps disagree on {value:?}"
    );
    if let Some((_, after_name)) = set_cookie_pair_name(value) {
        removal(after_name);
    }
}

/// The attributes after a `Set-Cookie` name: the one-pass removal reader
/// must agree with the rules read the slow way (every attribute collected,
/// the last of each taken), which `tests/data/cookie-lines.json` pins to
/// what Chromium stores.
pub fn removal(after_name: &[u8]) {
    let now = Now::at(NOW);
    assert_eq!(
        is_removal(after_name, &now),
        crate::syntax::removal_by_the_rules(after_name, NOW),
        "the removal readers disagree on {after_name:?}"
    );
}

/// A consent form's `POST`: never a write from another site, only paths of
/// this site as the way back, a consent cookie, and the browser's consent
/// id carried over.
pub fn consent_post(policy: &Policy, post: &ConsentPost<'_>) {
    let answer = policy.answer_consent_post(post);
    match answer {
        ConsentAnswer::CrossSite => assert!(!post.is_same_origin()),
        ConsentAnswer::Scripted => assert!(post.is_scripted() && post.is_same_origin()),
        ConsentAnswer::BadForm => {
            assert!(ConsentChoice::from_form(form_urlencoded::parse(post.form)).is_none())
        }
        ConsentAnswer::Recorded {
            location,
            set_cookie,
        } => {
            assert!(post.is_same_origin());
            assert!(!post.is_scripted() || policy.consent_cookie().allow_scripted_writes);
            assert!(
                location.starts_with('/') && !location.starts_with("//"),
                "{location}"
            );
            assert!(
                location.bytes().all(|b| (0x21..0x7f).contains(&b)),
                "{location}"
            );
            assert!(set_cookie.starts_with(&format!("{}=", policy.consent_cookie().name)));
            // The browser's consent id is kept; a browser without one gets one.
            let pair = set_cookie.split(';').next().unwrap_or_default();
            let written = policy.consent_id([pair]);
            if !set_cookie.contains("Max-Age=0") {
                match policy.consent_id(post.cookies) {
                    Some(id) => assert_eq!(written, Some(id), "{set_cookie}"),
                    None => assert!(written.is_some(), "{set_cookie}"),
                }
            }
        }
        ConsentAnswer::Unavailable => panic!("nothing is recorded, so nothing can fail"),
    }
}

/// A policy file, TOML or JSON: loaded or refused, and a refusal names a
/// line of the text when it names one at all.
pub fn policy_file(text: &str, json: bool) {
    let loaded = if json {
        Policy::from_json_str(text)
    } else {
        Policy::from_toml_str(text)
    };
    // `check` finds whatever loading finds: a problem where loading has one
    // (its first among them, by field or line), none where loading has none.
    let diagnosed = if json {
        Policy::diagnose_json_str(text)
    } else {
        Policy::diagnose_toml_str(text)
    };
    let errors: Vec<&Diagnostic> = diagnosed
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    match &loaded {
        Ok(_) => assert!(
            errors.is_empty(),
            "check finds what loading does not: {errors:?}"
        ),
        // A syntax error stops JSON reading where it is; loading, reading
        // as it goes, may meet another problem before it.
        Err(_)
            if errors
                .iter()
                .any(|d| matches!(d.rule, "syntax" | "not-a-policy")) => {}
        Err(first) => assert!(
            errors
                .iter()
                .any(|d| d.field == first.field || (d.line.is_some() && d.line == first.line)),
            "check misses what loading finds: {first:?} / {errors:?}"
        ),
    }
    for d in &diagnosed {
        if let Some(span) = &d.span {
            assert!(span.start <= span.end && span.end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{d:?}"
            );
        }
    }
    // Every fix of a text that parses leaves a text that parses.
    let parses = |text: &str| match json {
        true => serde_json::from_str::<serde_json::Value>(text).is_ok(),
        false => toml::de::DeTable::parse(text).is_ok(),
    };
    if parses(text) {
        for d in diagnosed.iter().filter(|d| d.fix.is_some()) {
            let fixed = d
                .fix
                .as_ref()
                .map(|fix| fix.apply(text))
                .unwrap_or_default();
            assert!(parses(&fixed), "the fix of {d:?} breaks the text:\n{fixed}");
        }
    }
    match loaded {
        Ok(policy) => {
            let rebuilt = policy.to_builder().build();
            assert!(rebuilt.is_ok(), "a loaded policy rebuilds: {rebuilt:?}");
        }
        Err(err) => {
            if let Some(line) = err.line {
                assert!(
                    line >= 1 && line <= text.lines().count().max(1) + 1,
                    "{err}"
                );
            }
            assert!(!err.message.is_empty());
        }
    }
}

/// The policy whose one consent source is `format` (Klaro with grants for
/// every category, since it has no defaults).
pub fn source_policy(format: &str) -> Policy {
    let grants = match format {
        "klaro" => "[consent_sources.grants]\nfunctional = [\"preferences\"]\nanalytics = [\"google-analytics\"]\nmarketing = [\"google-ads\"]\n",
        "tcf" => "[consent_sources.grants]\nfunctional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]\n",
        _ => "",
    };
    let text = format!(
        "consent_max_age_days = 30\n[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n\
         [[categories]]\nid = \"marketing\"\n[[consent_sources]]\nformat = \"{format}\"\n{grants}"
    );
    Policy::from_toml_str(&text).expect("the fuzz source policy")
}

/// One value of a source's cookie: read alone, and twice (a duplicate cookie),
/// it gives the same state and grants; essential is always granted.
pub fn source_value(policy: &Policy, value: &[u8]) {
    let source = &policy.inner.sources[0];
    // Complianz reads several cookies: the input is a whole header.
    let header = match source.format {
        crate::source::Format::Complianz => value.to_vec(),
        _ => [source.cookie.as_bytes(), b"=", value].concat(),
    };
    let twice = [&header[..], b"; ", &header[..]].concat();
    let once = policy.read_consent_at([header.as_slice()], Signals::default(), NOW);
    let duplicated = policy.read_consent_at([twice.as_slice()], Signals::default(), NOW);
    assert!(once.granted_quietly().contains(0));
    // A value holding `;` splits into other cookies: only whole values compare.
    if !value.contains(&b';') {
        assert_eq!(
            (once.state_quietly(), once.granted_quietly()),
            (duplicated.state_quietly(), duplicated.granted_quietly()),
            "a duplicate changed {value:?}"
        );
    }
}

/// A policy honouring GPP and US Privacy strings, whose one optional
/// category honours GPC.
pub fn signal_policy() -> Policy {
    let text = "honor_gpp = true\nhonor_usp = true\n[[categories]]\nid = \"ads\"\nhonor_gpc = true";
    Policy::from_toml_str(text).expect("the fuzz signal policy")
}

/// A GPP or US Privacy cookie value: an opt-out denies the GPC category, and
/// nothing else is ever granted by it.
pub fn signal_value(policy: &Policy, value: &[u8], usp: bool) {
    // A `;` would end the value and start other cookies (another consent cookie, say).
    if value.contains(&b';') {
        return;
    }
    let name: &[u8] = if usp { b"usprivacy" } else { b"__gpp" };
    let header = [
        b"cookie-preferences={\"categories\":{\"ads\":true}}; ",
        name,
        b"=",
        value,
    ]
    .concat();
    let consent = policy.read_consent_at([header.as_slice()], Signals::default(), NOW);
    let ads = consent.granted_quietly().contains(1);
    assert_eq!(ads, !consent.signals_quietly().gpc, "{value:?}");
}

/// An `Accept-Language` header: the negotiated locale is one the policy
/// speaks, and the banner and the policy page render in it.
pub fn accept_language(policy: &Policy, header: &str) {
    let locale = policy.locale(Some(header));
    assert!(policy.locale_tags().any(|tag| tag == locale.tag()));
    let consent = policy.read_consent([""], crate::Signals::default());
    assert!(locale
        .render_banner(&consent, "/consent", "/cookie-policy")
        .contains("cookie-banner"));
    assert!(!locale.render_html().is_empty());
}

/// What a consent record keeps of the client's headers: a forwarding header's
/// address (`Forwarded` when the first byte is odd, else `X-Forwarded-For`),
/// `User-Agent` within its limit, and the texts an export is asked with.
pub fn record_client(data: &[u8]) {
    use crate::records::{forwarded_ip, user_agent, USER_AGENT_LIMIT};
    let (name, value) = match data.split_first() {
        Some((first, rest)) if first % 2 == 1 => ("forwarded", rest),
        _ => ("x-forwarded-for", data),
    };
    if let Some(ip) = forwarded_ip(name, value) {
        let kept = crate::truncated_ip(ip);
        let kept: std::net::IpAddr = kept.parse().expect("a truncated address is an address");
        assert_eq!(
            crate::truncated_ip(kept),
            kept.to_string(),
            "truncating twice changes nothing"
        );
    }
    let agent = user_agent(Some(data));
    assert!(agent.len() <= USER_AGENT_LIMIT);
    assert!(String::from_utf8_lossy(data).starts_with(&agent));
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(id) = crate::ConsentId::parse(text) {
            assert_eq!(id.to_string(), text);
        }
        if let Some(query) = crate::RecordQuery::all().since(text) {
            let since = query.since_filter().expect("since is set");
            let again = crate::RecordQuery::all()
                .since(since)
                .expect("its own format reads back");
            assert_eq!(again.since_filter(), Some(since));
        }
    }
}

/// The page rewriter (DESIGN §20) on any bytes, cut into two chunks at
/// `cut`: it never panics, the output is the same wherever the page is cut,
/// and no declared URL of an ungranted category is left where the browser
/// would fetch it (read back from the output by a second rewriter).
#[cfg(feature = "page")]
pub fn page(html: &[u8], cut: usize) {
    use crate::page::{PageOptions, PageRewriter};
    let policy = Policy::from_toml_str(
        "unknown_resources = \"strip\"\n[[categories]]\nid = \"analytics\"\n\
         [[resources]]\nmatch = \"https://t.example/\"\ncategory = \"analytics\"\n\
         [[resources]]\nmatch = \"*.pixel.example\"\ncategory = \"analytics\"\n\
         [[resources]]\nmatch = \"/own/tag\"\ncategory = \"analytics\"\n",
    )
    .expect("the fuzz policy loads");
    let consent = policy.read_consent([""], Signals::default());
    let mut options = PageOptions::default();
    options.host = Some("site.example".to_owned());
    let run = |chunks: &[&[u8]]| {
        let mut rewriter = PageRewriter::new(&policy, &consent, &options).expect("UTF-8 is read");
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(rewriter.write(chunk));
        }
        out.extend(rewriter.end());
        out
    };
    let whole = run(&[html]);
    let cut = cut.min(html.len());
    let split = run(&[&html[..cut], &html[cut..]]);
    // A page the rewriter stops on (markup it cannot read with confidence)
    // may stop at another byte when cut; else the two agree.
    if !whole.is_empty() && !split.is_empty() && whole.len() == split.len() {
        assert_eq!(whole, split, "cut at {cut}");
    }
    for out in [&whole, &split] {
        for (tag, attribute, url) in crate::page::fetched_urls(out) {
            let granted = [true, false];
            let verdict = policy.resource_verdict(&granted, &url, Some("site.example"));
            assert!(
                verdict == crate::policy::ResourceVerdict::Load,
                "<{tag} {attribute}={url:?}> is left for the browser to fetch: {verdict:?}"
            );
        }
    }
}
