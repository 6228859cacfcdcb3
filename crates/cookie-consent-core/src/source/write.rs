//! Writing a source's cookies as its CMP would for a choice: for tools that
//! must put a site in a consent state the way its own banner does
//! (`cookie-consent scan` on a site whose CMP it cannot click). Each value
//! is one its reader here reads back as that choice.

use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::{CompiledSource, Format};

/// When the written choice was made: a fixed, plausible moment of the past.
const CHOSEN_AT: &str = "2026-01-01T00:00:00.000Z";
const CHOSEN_AT_MS: i64 = 1_767_225_600_000;

/// The cookies (`name=value`) `source`'s CMP writes when the visitor
/// accepts every id (`accept`) or none; `None` for a format without a writer.
pub(crate) fn write(source: &CompiledSource, accept: bool, revision: u64) -> Option<Vec<String>> {
    let cookie = &*source.cookie;
    let ids = || source.ids.iter().map(|id| &**id);
    let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    let yes_no = |yes: &'static str, no: &'static str| if accept { yes } else { no };
    Some(match source.format {
        Format::VanillaCookieconsent => {
            let granted: Vec<&str> = match accept {
                true => ids().collect(),
                false => Vec::new(),
            };
            let json = serde_json::json!({
                "categories": granted,
                "revision": revision,
                "data": null,
                "consentTimestamp": CHOSEN_AT,
                "consentId": "00000000-0000-4000-8000-000000000000",
                "lastConsentTimestamp": CHOSEN_AT,
            });
            vec![format!("{cookie}={}", encode(&json.to_string()))]
        }
        Format::Klaro => {
            let services: serde_json::Map<String, serde_json::Value> =
                ids().map(|id| (id.to_owned(), accept.into())).collect();
            let json = serde_json::Value::Object(services).to_string();
            vec![format!("{cookie}={}", encode(&json))]
        }
        Format::Cookiebot => {
            let mut object = String::from("{stamp:'cookie-consent-scan',necessary:true");
            for id in ids().filter(|id| *id != "necessary") {
                let _ = write!(object, ",{id}:{accept}");
            }
            let _ = write!(object, ",method:'explicit',ver:1,utc:{CHOSEN_AT_MS}}}");
            vec![format!(
                "{cookie}={}",
                object.replace('\'', "%27").replace(',', "%2C")
            )]
        }
        Format::CookieYes => {
            let mut value =
                String::from("consentid:cookie-consent-scan,consent:yes,action:yes,necessary:yes");
            for id in ids().filter(|id| *id != "necessary") {
                let _ = write!(value, ",{id}:{}", yes_no("yes", "no"));
            }
            vec![format!("{cookie}={value}")]
        }
        Format::OneTrust => {
            let mut groups = String::from("C0001:1");
            for id in ids().filter(|id| *id != "C0001") {
                let _ = write!(groups, ",{id}:{}", yes_no("1", "0"));
            }
            vec![
                format!(
                    "{cookie}=isGpcEnabled=0&version=202501.2.0&interactionCount=1&groups={}&AwaitingReconsent=false",
                    encode(&groups)
                ),
                format!("OptanonAlertBoxClosed={CHOSEN_AT}"),
            ]
        }
        Format::Complianz => {
            let mut cookies = vec![format!("{cookie}banner-status=dismissed")];
            cookies.extend(ids().map(|id| format!("{cookie}{id}={}", yes_no("allow", "deny"))));
            cookies
        }
        Format::CookieConsent | Format::Tcf | Format::Custom(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{ConsentChoice, ConsentState, Policy, Signals};

    const CATEGORIES: &str = "[[categories]]\nid = \"functional\"\n[[categories]]\nid = \"analytics\"\n[[categories]]\nid = \"marketing\"\n";

    /// Each writer's cookies read back, by the format's own reader, as the choice.
    #[test]
    fn what_is_written_reads_back_as_the_choice() {
        let sources = [
            "format = \"vanilla-cookieconsent\"",
            "format = \"klaro\"\n[consent_sources.grants]\nfunctional = [\"prefs\"]\nanalytics = [\"ga\"]\nmarketing = [\"ads\", \"pixel\"]",
            "format = \"cookiebot\"",
            "format = \"cookieyes\"",
            "format = \"onetrust\"",
            "format = \"complianz\"",
        ];
        for source in sources {
            let policy = Policy::from_toml_str(&format!(
                "revision = 3\n{CATEGORIES}[[consent_sources]]\n{source}\n"
            ))
            .unwrap();
            for (choice, granted) in [
                (
                    ConsentChoice::AcceptAll,
                    vec!["essential", "functional", "analytics", "marketing"],
                ),
                (ConsentChoice::RejectOptional, vec!["essential"]),
            ] {
                let cookies = policy.write_source_consent(&choice).unwrap();
                let consent = policy.read_consent([cookies.join("; ")], Signals::default());
                assert_eq!(
                    consent.state(),
                    ConsentState::Valid,
                    "{source}: {cookies:?}"
                );
                assert_eq!(
                    consent.granted().collect::<Vec<_>>(),
                    granted,
                    "{source}: {cookies:?}"
                );
            }
        }
        let tcf = Policy::from_toml_str(&format!(
            "{CATEGORIES}[[consent_sources]]\nformat = \"tcf\"\n[consent_sources.grants]\nfunctional = [1]\nanalytics = [1]\nmarketing = [1]\n"
        ))
        .unwrap();
        assert_eq!(tcf.write_source_consent(&ConsentChoice::AcceptAll), None);
        assert_eq!(
            Policy::from_toml_str(CATEGORIES)
                .unwrap()
                .write_source_consent(&ConsentChoice::AcceptAll),
            None
        );
    }
}
