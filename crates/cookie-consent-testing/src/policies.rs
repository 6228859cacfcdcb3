//! The example sites' policies (`examples/policies/`), and the variants tests
//! build from them.

use cookie_consent_core::{CookieRule, Policy};

/// Minopa's policy file.
pub const MINOPA: &str = include_str!("../../../examples/policies/minopa.toml");
/// Mihari's policy file.
pub const MIHARI: &str = include_str!("../../../examples/policies/mihari.toml");
/// A policy whose purges need care: `__Secure-`, `__Host-` and domain rules.
pub const PREFIXED: &str = include_str!("../../../examples/policies/prefixed.toml");

/// Minopa's policy.
pub fn minopa() -> Policy {
    with_settings(MINOPA, "")
}

/// Mihari's policy.
pub fn mihari() -> Policy {
    with_settings(MIHARI, "")
}

/// The prefixed policy, with these top-level settings.
pub fn prefixed(settings: &str) -> Policy {
    with_settings(PREFIXED, settings)
}

/// The policy file `base` with the top-level `key = value` lines of
/// `settings` in place of its own.
pub fn with_settings(base: &str, settings: &str) -> Policy {
    let keys: Vec<&str> = settings
        .lines()
        .filter_map(|l| l.split('=').next())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    let kept: String = base
        .lines()
        .filter(|l| !keys.iter().any(|k| l.starts_with(&format!("{k} ="))))
        .map(|l| format!("{l}\n"))
        .collect();
    Policy::from_toml_str(&format!("{settings}\n{kept}")).expect("a valid test policy")
}

/// A site's policy for its `/billing` routes: Stripe's two cookies added as
/// essential, as the demo sites' billing pages declare them.
pub fn billing(site: &Policy) -> Policy {
    let stripe = |name: &str| {
        CookieRule::new(name, "essential")
            .provider("Stripe")
            .purpose("Fraud prevention")
    };
    site.to_builder()
        .cookie(stripe("__stripe_mid"))
        .cookie(stripe("__stripe_sid"))
        .build()
        .expect("a valid billing policy")
}

/// A policy of tags (DESIGN §20): Google's tag manager (analytics), YouTube
/// embeds and DoubleClick's hosts (marketing); for the page layer's tests
/// and benches.
pub const TAGS: &str = r#"
[[categories]]
id = "analytics"
[[categories]]
id = "marketing"
[[resources]]
match = "https://www.googletagmanager.com/"
category = "analytics"
provider = "Google Analytics"
[[resources]]
match = "https://www.youtube.com/embed/"
category = "marketing"
provider = "YouTube"
[[resources]]
match = "*.doubleclick.net"
category = "marketing"
"#;
