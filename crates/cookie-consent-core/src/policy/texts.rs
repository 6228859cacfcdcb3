//! The banner's and the policy page's own words, built in for English, German
//! and French; a policy overrides any of them per locale (`[locales.<tag>]`).

/// Every text the renderings use, by the key a policy file names it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    BannerTitle,
    BannerTitleSite,
    BannerBody,
    ReadPolicy,
    AcceptAll,
    RejectOptional,
    Customize,
    Choose,
    AlwaysOn,
    Save,
    PolicyTitle,
    LastUpdated,
    ColumnCookie,
    ColumnProvider,
    ColumnPurpose,
    ColumnExpiry,
    NoCookies,
    Retention,
    LegalBasis,
    CookieSettings,
    Loads,
    Stores,
    Placeholder,
    PlaceholderButton,
}

impl Text {
    pub(crate) const ALL: [Text; 24] = [
        Text::BannerTitle,
        Text::BannerTitleSite,
        Text::BannerBody,
        Text::ReadPolicy,
        Text::AcceptAll,
        Text::RejectOptional,
        Text::Customize,
        Text::Choose,
        Text::AlwaysOn,
        Text::Save,
        Text::PolicyTitle,
        Text::LastUpdated,
        Text::ColumnCookie,
        Text::ColumnProvider,
        Text::ColumnPurpose,
        Text::ColumnExpiry,
        Text::NoCookies,
        Text::Retention,
        Text::LegalBasis,
        Text::CookieSettings,
        Text::Loads,
        Text::Stores,
        Text::Placeholder,
        Text::PlaceholderButton,
    ];

    /// The key in `[locales.<tag>]`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Text::BannerTitle => "banner_title",
            Text::BannerTitleSite => "banner_title_site",
            Text::BannerBody => "banner_text",
            Text::ReadPolicy => "read_policy",
            Text::AcceptAll => "accept_all",
            Text::RejectOptional => "reject_optional",
            Text::Customize => "customize",
            Text::Choose => "choose",
            Text::AlwaysOn => "always_on",
            Text::Save => "save",
            Text::PolicyTitle => "policy_title",
            Text::LastUpdated => "last_updated",
            Text::ColumnCookie => "column_cookie",
            Text::ColumnProvider => "column_provider",
            Text::ColumnPurpose => "column_purpose",
            Text::ColumnExpiry => "column_expiry",
            Text::NoCookies => "no_cookies",
            Text::Retention => "retention",
            Text::LegalBasis => "legal_basis",
            Text::CookieSettings => "cookie_settings",
            Text::Loads => "loads",
            Text::Stores => "stores",
            Text::Placeholder => "placeholder",
            Text::PlaceholderButton => "placeholder_button",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Text> {
        Text::ALL.into_iter().find(|text| text.key() == key)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The built-in locales, English first (the last fallback of every text).
pub(crate) const BUILT_IN: [(&str, [&str; 24]); 3] = [
    (
        "en",
        [
            "Cookies",
            "Cookies on {site}",
            "We use essential cookies to make this site work. With your consent we would also use: {categories}.",
            "Read the cookie policy",
            "Accept all",
            "Reject optional",
            "Customize",
            "Choose the cookies you allow",
            "always on",
            "Save choices",
            "Cookie Policy",
            "Last updated",
            "Cookie",
            "Provider",
            "Purpose",
            "Expiry",
            "No cookies of this category are set.",
            "Retention",
            "Legal basis",
            "Cookie settings",
            "Loads content from",
            "Stores on your device",
            "This content from {provider} is not loaded: it needs your consent to {category}.",
            "Allow {category} and load it",
        ],
    ),
    (
        "de",
        [
            "Cookies",
            "Cookies auf {site}",
            "Wir verwenden notwendige Cookies, damit diese Website funktioniert. Mit Ihrer Einwilligung würden wir außerdem verwenden: {categories}.",
            "Cookie-Richtlinie lesen",
            "Alle akzeptieren",
            "Optionale ablehnen",
            "Anpassen",
            "Wählen Sie die Cookies, die Sie erlauben",
            "immer aktiv",
            "Auswahl speichern",
            "Cookie-Richtlinie",
            "Zuletzt aktualisiert",
            "Cookie",
            "Anbieter",
            "Zweck",
            "Ablauf",
            "Cookies dieser Kategorie werden nicht gesetzt.",
            "Speicherdauer",
            "Rechtsgrundlage",
            "Cookie-Einstellungen",
            "Lädt Inhalte von",
            "Speichert auf Ihrem Gerät",
            "Dieser Inhalt von {provider} wird nicht geladen: Er braucht Ihre Einwilligung in {category}.",
            "{category} erlauben und laden",
        ],
    ),
    (
        "fr",
        [
            "Cookies",
            "Cookies sur {site}",
            "Nous utilisons des cookies essentiels au fonctionnement de ce site. Avec votre consentement, nous utiliserions aussi : {categories}.",
            "Lire la politique relative aux cookies",
            "Tout accepter",
            "Refuser les cookies optionnels",
            "Personnaliser",
            "Choisissez les cookies que vous autorisez",
            "toujours actifs",
            "Enregistrer mes choix",
            "Politique relative aux cookies",
            "Dernière mise à jour",
            "Cookie",
            "Fournisseur",
            "Finalité",
            "Expiration",
            "Aucun cookie de cette catégorie n’est déposé.",
            "Durée de conservation",
            "Base légale",
            "Paramètres des cookies",
            "Charge des contenus de",
            "Enregistre sur votre appareil",
            "Ce contenu de {provider} n’est pas chargé : il nécessite votre consentement à {category}.",
            "Autoriser {category} et charger",
        ],
    ),
];

/// The built-in texts of `tag` (exact, then its primary language: `de-AT` → `de`).
pub(crate) fn built_in(tag: &str) -> Option<&'static [&'static str; 24]> {
    let primary = tag.split('-').next().unwrap_or(tag);
    BUILT_IN
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))
        .or_else(|| {
            BUILT_IN
                .iter()
                .find(|(t, _)| t.eq_ignore_ascii_case(primary))
        })
        .map(|(_, texts)| texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_and_every_built_in_text_is_there() {
        for (i, text) in Text::ALL.into_iter().enumerate() {
            assert_eq!(text.index(), i);
            assert_eq!(Text::from_key(text.key()), Some(text));
        }
        for (tag, texts) in BUILT_IN {
            assert!(texts.iter().all(|t| !t.is_empty()), "{tag}");
            assert!(
                texts[Text::BannerTitleSite.index()].contains("{site}"),
                "{tag}"
            );
            assert!(
                texts[Text::BannerBody.index()].contains("{categories}"),
                "{tag}"
            );
            for placeholder in [Text::Placeholder, Text::PlaceholderButton] {
                assert!(texts[placeholder.index()].contains("{category}"), "{tag}");
            }
        }
        assert_eq!(
            built_in("de-AT").unwrap()[Text::AcceptAll.index()],
            "Alle akzeptieren"
        );
        assert_eq!(built_in("it"), None);
    }
}
