//! Signed consent over real HTTP, on both demo sites: what fails verification
//! is invalid, a rotated key keeps consent, and nobody answers under another
//! visitor's consent id.

use std::net::SocketAddr;

use cookie_consent_core::{Policy, SigningKeys};
use cookie_consent_testing::policies::{mihari, minopa};
use cookie_consent_tests::{
    memory_records, send, serve_actix_demo_with, serve_axum_demo_with, Options,
};

const OLD: [u8; 32] = [0x01; 32];
const NEW: [u8; 32] = [0x02; 32];

fn keys(keys: &[[u8; 32]]) -> SigningKeys {
    SigningKeys::new(keys).expect("valid keys")
}

/// The consent cookie a same-origin form answer sets, as `name=value`.
async fn answer(addr: SocketAddr, form: &str, cookie: Option<&str>) -> String {
    // `send` names the host; the origin is the same.
    let origin = format!("http://{addr}");
    let mut headers = vec![
        ("origin", origin.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-user", "?1"),
    ];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    let reply = send(addr, "POST", "/consent", &headers, form).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply.set_cookies[0].split(';').next().unwrap().to_owned()
}

/// What `/demo/consent` says of this `Cookie` header.
async fn state(addr: SocketAddr, cookie: &str) -> String {
    let reply = send(addr, "GET", "/demo/consent", &[("cookie", cookie)], "").await;
    let view: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    view["state"].as_str().unwrap().to_owned()
}

/// The records a demo holds under `id`.
async fn records(addr: SocketAddr, id: &str) -> Vec<serde_json::Value> {
    let reply = send(addr, "GET", &format!("/demo/records?id={id}"), &[], "").await;
    serde_json::from_str(&reply.body).unwrap()
}

async fn what_fails_verification_is_invalid(site: &str, addr: SocketAddr, policy: &Policy) {
    let name = policy.consent_cookie().name.clone();
    let pair = answer(addr, "action=save&category=analytics", None).await;
    assert_eq!(state(addr, &pair).await, "valid", "{site}");
    let value = pair.strip_prefix(&format!("{name}=")).unwrap();
    let (tag, unsigned) = value.split_at(44);
    let forged = [
        ("unsigned", format!("{name}={unsigned}")),
        (
            "another key",
            format!("{name}={}", keys(&[NEW]).sign(&name, unsigned)),
        ),
        (
            "a truncated MAC",
            format!("{name}={}{unsigned}", &tag[..42]),
        ),
        (
            "a MAC moved from another name",
            format!("{name}={}", keys(&[OLD]).sign("other-cookie", unsigned)),
        ),
        (
            "re-encoded after signing",
            format!("{name}={tag}{}", unsigned.replace("%7B", "%7b")),
        ),
    ];
    for (what, cookie) in forged {
        assert_eq!(state(addr, &cookie).await, "invalid", "{site}: {what}");
    }

    // Another visitor's id, in an unsigned cookie of one's own: a fresh id,
    // and the records under the stolen one unchanged.
    let victim = policy.consent_id([pair.as_str()]).expect("an id");
    let stolen = format!(
        "{name}=%7B%22categories%22%3A%7B%7D%2C%22revision%22%3A0%2C%22id%22%3A%22{victim}%22%7D"
    );
    let before = records(addr, &victim.to_string()).await;
    assert_eq!(before.len(), 1, "{site}");
    let attacker = answer(addr, "action=accept-all", Some(&stolen)).await;
    let given = policy.consent_id([attacker.as_str()]).expect("an id");
    assert_ne!(
        given, victim,
        "{site}: the unsigned cookie's id is not taken"
    );
    assert_eq!(records(addr, &victim.to_string()).await, before, "{site}");
    assert_eq!(records(addr, &given.to_string()).await.len(), 1, "{site}");
}

#[tokio::test]
async fn what_fails_verification_is_invalid_on_both_demos() {
    let minopa = minopa().with_signing_keys(keys(&[OLD]));
    let axum = serve_axum_demo_with(minopa.clone(), memory_records(), Options::default()).await;
    what_fails_verification_is_invalid("axum demo", axum, &minopa).await;
    let mihari = mihari().with_signing_keys(keys(&[OLD]));
    let actix = serve_actix_demo_with(mihari.clone(), memory_records(), Options::default());
    what_fails_verification_is_invalid("actix demo", actix, &mihari).await;
}

/// A new key in front: consents the old key signed still hold; new ones are
/// signed by the new key, which a server that has only the old one refuses.
#[tokio::test]
async fn a_rotated_key_keeps_consent_and_signs_with_the_new_one() {
    let serve = |keys: SigningKeys| {
        serve_axum_demo_with(
            minopa().with_signing_keys(keys),
            memory_records(),
            Options::default(),
        )
    };
    let (before, rotated, after) = (
        serve(keys(&[OLD])).await,
        serve(keys(&[NEW, OLD])).await,
        serve(keys(&[NEW])).await,
    );
    let by_old = answer(before, "action=accept-all", None).await;
    assert_eq!(state(rotated, &by_old).await, "valid");
    let by_new = answer(rotated, "action=accept-all", Some(&by_old)).await;
    assert_eq!(state(after, &by_new).await, "valid");
    assert_eq!(state(before, &by_new).await, "invalid");
    // The visitor kept their id across the rotation.
    let policy = minopa().with_signing_keys(keys(&[NEW, OLD]));
    assert_eq!(
        policy.consent_id([by_new.as_str()]),
        policy.consent_id([by_old.as_str()])
    );
}
