//! Writing the consent cookie, for server-side consent forms.

use std::borrow::Cow;
use std::fmt::Write as _;

use cookie::time::Duration;
use cookie::Cookie;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::record::MAX_VALUE_LEN;
use crate::clock::unix_now;
use crate::policy::{Policy, SameSite, Signing};
use crate::records::ConsentId;

/// What `encodeURIComponent` leaves alone, so a banner script and the server
/// write the same bytes.
pub(super) const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// A visitor's answer to the banner.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentChoice {
    /// Grant every category.
    AcceptAll,
    /// Grant only essential cookies.
    RejectOptional,
    /// Grant these category ids; others are refused, unknown ids ignored.
    Only(Vec<String>),
    /// Forget the choice: remove the consent cookie, so the banner asks again.
    Reset,
}

impl ConsentChoice {
    /// Reads the fields of a banner form ([`Policy::render_banner`]): `action` is
    /// `accept-all`, `reject-optional`, `reset`, or `save` with one `category`
    /// field per granted category. `None` when the form says none of these.
    ///
    /// ```
    /// # use cookie_consent_core::ConsentChoice;
    /// let form = [("action", "save"), ("category", "analytics")];
    /// assert_eq!(ConsentChoice::from_form(form), Some(ConsentChoice::Only(vec!["analytics".into()])));
    /// ```
    pub fn from_form<I, K, V>(fields: I) -> Option<ConsentChoice>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut action = None;
        let mut categories = Vec::new();
        for (key, value) in fields {
            match key.as_ref() {
                "action" => action = Some(value.as_ref().to_owned()),
                "category" => categories.push(value.as_ref().to_owned()),
                _ => {}
            }
        }
        match action.as_deref()? {
            "accept-all" => Some(ConsentChoice::AcceptAll),
            "reject-optional" => Some(ConsentChoice::RejectOptional),
            "save" => Some(ConsentChoice::Only(categories)),
            "reset" => Some(ConsentChoice::Reset),
            _ => None,
        }
    }

    /// The form's `action` that says this choice: `accept-all`,
    /// `reject-optional`, `save` or `reset` (what a consent record names).
    pub fn action(&self) -> &'static str {
        match self {
            ConsentChoice::AcceptAll => "accept-all",
            ConsentChoice::RejectOptional => "reject-optional",
            ConsentChoice::Only(_) => "save",
            ConsentChoice::Reset => "reset",
        }
    }

    /// Whether this answer grants the category at `index` (0: essential,
    /// granted by every answer but a reset) with this id.
    pub(crate) fn grants(&self, index: usize, id: &str) -> bool {
        match self {
            ConsentChoice::AcceptAll => true,
            ConsentChoice::RejectOptional => index == 0,
            ConsentChoice::Only(ids) => index == 0 || ids.iter().any(|granted| granted == id),
            ConsentChoice::Reset => false,
        }
    }
}

impl Policy {
    /// The `Set-Cookie` value that records `choice`, with the configured
    /// attributes, the current revision and timestamp, and a fresh consent
    /// id ([`ConsentId`]; none if the system has no randomness to give). A
    /// consent endpoint carries the browser's id over instead:
    /// [`write_consent_with_id`](Self::write_consent_with_id).
    ///
    /// ```
    /// # use cookie_consent_core::{ConsentChoice, ConsentState, Policy, Signals};
    /// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"")?;
    /// let set_cookie = policy.write_consent(&ConsentChoice::AcceptAll);
    /// assert!(set_cookie.starts_with("cookie-preferences=%7B%22categories%22"));
    /// // The browser sends back the name=value part.
    /// let pair = set_cookie.split(';').next().unwrap();
    /// let consent = policy.read_consent([pair], Signals::default());
    /// assert_eq!(consent.state(), ConsentState::Valid);
    /// assert!(consent.allows("analytics"));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn write_consent(&self, choice: &ConsentChoice) -> String {
        self.write_consent_with_id(choice, ConsentId::random().as_ref(), unix_now())
    }

    /// [`write_consent`](Self::write_consent) with a given timestamp (Unix
    /// seconds) and no id, for tests and replays.
    pub fn write_consent_at(&self, choice: &ConsentChoice, now: i64) -> String {
        self.write_consent_with_id(choice, None, now)
    }

    /// The `Set-Cookie` value that records `choice` at `now` (Unix seconds)
    /// under consent id `id`, written last in the value.
    ///
    /// ```
    /// # use cookie_consent_core::{ConsentChoice, ConsentId, Policy};
    /// let policy = Policy::from_toml_str("[[categories]]\nid = \"analytics\"")?;
    /// let id = ConsentId::parse("0123456789abcdef0123456789abcdef").unwrap();
    /// let set_cookie = policy.write_consent_with_id(&ConsentChoice::AcceptAll, Some(&id), 1_764_000_000);
    /// assert!(set_cookie.contains("%2C%22id%22%3A%220123456789abcdef0123456789abcdef%22%7D"));
    /// let pair = set_cookie.split(';').next().unwrap();
    /// assert_eq!(policy.consent_id([pair]), Some(id));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn write_consent_with_id(
        &self,
        choice: &ConsentChoice,
        id: Option<&ConsentId>,
        now: i64,
    ) -> String {
        let config = self.consent_cookie();
        let (value, max_age_days) = match choice {
            ConsentChoice::Reset => (String::new(), 0),
            _ => {
                let mut json = String::from("{\"categories\":{");
                for (i, category) in self.categories().iter().enumerate().skip(1) {
                    let granted = choice.grants(i, &category.id);
                    let comma = if i > 1 { "," } else { "" };
                    // Category ids are validated to need no JSON escaping.
                    let _ = write!(json, "{comma}\"{}\":{granted}", category.id);
                }
                let _ = write!(
                    json,
                    "}},\"revision\":{},\"timestamp\":{now}",
                    self.revision()
                );
                if let Some(id) = id {
                    let _ = write!(json, ",\"id\":\"{id}\"");
                }
                json.push('}');
                let value = utf8_percent_encode(&json, URI_COMPONENT).to_string();
                let value = match self.signing() {
                    Signing::Keys(keys) => keys.sign(&config.name, &value),
                    Signing::Off | Signing::KeysMissing => value,
                };
                (value, i64::from(config.max_age_days))
            }
        };
        let mut cookie = Cookie::build((config.name.as_str(), value))
            .path(config.path.as_str())
            .max_age(Duration::days(max_age_days))
            .secure(config.secure)
            .http_only(config.http_only.unwrap_or(self.signs_consent()))
            .same_site(match config.same_site {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::None => cookie::SameSite::None,
            });
        if let Some(domain) = &config.domain {
            cookie = cookie.domain(domain.as_str());
        }
        cookie.to_string()
    }
}

impl Policy {
    /// The consent id of the request's consent cookie, when it carries one this
    /// library wrote (the first, if several do): what a new answer of the same
    /// browser keeps. When the consent is signed, only a cookie whose MAC
    /// verifies gives its id, so no one can answer under another's id.
    pub fn consent_id<I>(&self, cookie_headers: I) -> Option<ConsentId>
    where
        I: IntoIterator<Item: AsRef<[u8]>>,
    {
        let name = self.consent_cookie().name.as_bytes();
        let signing = self.signing();
        cookie_headers.into_iter().find_map(|header| {
            crate::syntax::cookie_pairs(header.as_ref())
                .filter(|(pair_name, _)| *pair_name == name)
                .find_map(|(_, value)| match signing {
                    Signing::Off => id_in_value(value),
                    Signing::Keys(keys) => keys.verify(name, value).and_then(id_in_value),
                    Signing::KeysMissing => None,
                })
        })
    }
}

/// The `id` of one consent cookie value, read as the general reader reads values.
fn id_in_value(raw: &[u8]) -> Option<ConsentId> {
    #[derive(serde::Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow)]
        id: Option<Cow<'a, str>>,
    }
    if raw.len() > MAX_VALUE_LEN {
        return None;
    }
    let raw = match raw {
        [b'"', inner @ .., b'"'] => inner,
        _ => raw,
    };
    let decoded: Cow<'_, [u8]> = if raw.first() == Some(&b'{') {
        Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode(raw).into()
    };
    let value: IdOnly<'_> = serde_json::from_slice(&decoded).ok()?;
    ConsentId::parse(&value.id?)
}

impl Policy {
    /// The cookies (`name=value`, in order) the first consent source's CMP
    /// stores for `choice` (accept all or reject optional), when the format
    /// has a writer here; `None` for TCF and an application's own format,
    /// and when the policy has no source (its own cookie:
    /// [`write_consent`](Self::write_consent)).
    ///
    /// ```
    /// # use cookie_consent_core::{ConsentChoice, ConsentState, Policy, Signals};
    /// let policy = Policy::from_toml_str(
    ///     "[[categories]]\nid = \"analytics\"\n[[consent_sources]]\nformat = \"cookiebot\"",
    /// )?;
    /// let cookies = policy.write_source_consent(&ConsentChoice::AcceptAll).unwrap();
    /// assert!(cookies[0].starts_with("CookieConsent="));
    /// let consent = policy.read_consent([cookies.join("; ")], Signals::default());
    /// assert_eq!(consent.state(), ConsentState::Valid);
    /// assert!(consent.allows("analytics"));
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn write_source_consent(&self, choice: &ConsentChoice) -> Option<Vec<String>> {
        let source = self.inner.sources.first()?;
        let accept = match choice {
            ConsentChoice::AcceptAll => true,
            ConsentChoice::RejectOptional => false,
            _ => return None,
        };
        crate::source::write_source(source, accept, self.revision())
    }
}
