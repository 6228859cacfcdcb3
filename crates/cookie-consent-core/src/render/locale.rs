//! Languages (DESIGN §12): the locale of a request, and per locale the
//! texts, category and cookie descriptions the pages show, each falling back.

#[cfg(feature = "page")]
use crate::policy::locales::ResourceText;
use crate::policy::locales::{CategoryText, CompiledLocale, CookieText};
use crate::policy::texts::{Text, BUILT_IN};
use crate::policy::Policy;

/// One language of a policy's banner and policy page: its texts and its
/// translations of the categories and cookies, each falling back, per key, to
/// the policy's default locale and then to English (for texts) or to what
/// `[[categories]]` and `[[cookies]]` say (for the rest).
///
/// Got from [`Policy::locale`] (negotiated from `Accept-Language`) or
/// [`Policy::locale_tagged`]; renders the banner and the policy page.
#[derive(Clone, Copy)]
pub struct Locale<'p> {
    pub(crate) policy: &'p Policy,
    index: usize,
}

impl std::fmt::Debug for Locale<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Locale").field(&self.tag()).finish()
    }
}

impl Policy {
    /// The locale to answer a request in, from its `Accept-Language` header
    /// (q-values honoured, `de-DE` matching `de`); without one, or when no
    /// language of it is spoken, the policy's `default_locale` (default `en`).
    /// Built in: `en`, `de`, `fr`; a policy adds others under `[locales.<tag>]`.
    ///
    /// ```
    /// let policy = cookie_consent_core::Policy::from_toml_str("")?;
    /// assert_eq!(policy.locale(Some("de-DE,de;q=0.9,en;q=0.8")).tag(), "de");
    /// assert_eq!(policy.locale(Some("it, fr;q=0.5")).tag(), "fr");
    /// assert_eq!(policy.locale(None).tag(), "en");
    /// # Ok::<(), cookie_consent_core::PolicyError>(())
    /// ```
    pub fn locale(&self, accept_language: Option<&str>) -> Locale<'_> {
        let locales = &self.inner.locales;
        let index = accept_language.map_or(locales.default, |header| locales.negotiate(header));
        Locale {
            policy: self,
            index,
        }
    }

    /// The locale with this tag, if the policy speaks it.
    pub fn locale_tagged(&self, tag: &str) -> Option<Locale<'_>> {
        let index = self
            .inner
            .locales
            .list
            .iter()
            .position(|l| l.tag.eq_ignore_ascii_case(tag))?;
        Some(Locale {
            policy: self,
            index,
        })
    }

    /// The tags of every locale the policy speaks.
    pub fn locale_tags(&self) -> impl Iterator<Item = &str> {
        self.inner.locales.list.iter().map(|l| l.tag.as_str())
    }
}

impl<'p> Locale<'p> {
    /// The policy this locale renders.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The language tag, for `<html lang>`.
    pub fn tag(&self) -> &'p str {
        &self.own().tag
    }

    /// A text of the banner or the policy page by its key in
    /// `[locales.<tag>]` (`accept_all`, `cookie_settings`, …), with the same
    /// fallbacks as the renderings: for a site's own templates and links.
    pub fn text_by_key(&self, key: &str) -> Option<&'p str> {
        Text::from_key(key).map(|text| self.text(text))
    }

    fn own(&self) -> &'p CompiledLocale {
        &self.policy.inner.locales.list[self.index]
    }

    fn fallback(&self) -> &'p CompiledLocale {
        let locales = &self.policy.inner.locales;
        &locales.list[locales.default]
    }

    /// A text: this locale's, the default locale's, else English.
    pub(crate) fn text(&self, text: Text) -> &'p str {
        let i = text.index();
        self.own().texts[i]
            .as_deref()
            .or(self.fallback().texts[i].as_deref())
            .unwrap_or(BUILT_IN[0].1[i])
    }

    /// A field of category `index`, translated, else as the policy states it.
    pub(crate) fn category(
        &self,
        index: usize,
        field: fn(&CategoryText) -> &Option<String>,
    ) -> Option<&'p str> {
        field(&self.own().categories[index])
            .as_deref()
            .or(field(&self.fallback().categories[index]).as_deref())
    }

    /// A field of rule `index`, translated, else as the policy states it.
    pub(crate) fn cookie(
        &self,
        index: usize,
        field: fn(&CookieText) -> &Option<String>,
    ) -> Option<&'p str> {
        field(&self.own().cookies[index])
            .as_deref()
            .or(field(&self.fallback().cookies[index]).as_deref())
    }

    /// A field of resource `index` in this locale, when translated.
    #[cfg(feature = "page")]
    pub(crate) fn resource(
        &self,
        index: usize,
        field: fn(&ResourceText) -> &Option<String>,
    ) -> Option<&'p str> {
        field(&self.own().resources[index])
            .as_deref()
            .or(field(&self.fallback().resources[index]).as_deref())
    }

    /// Category `index`'s title in this locale.
    pub(crate) fn category_title(&self, index: usize) -> &'p str {
        let category = &self.policy.categories()[index];
        self.category(index, |t| &t.title)
            .unwrap_or(&category.title)
    }

    /// Category `index`'s description in this locale.
    pub(crate) fn category_description(&self, index: usize) -> &'p str {
        let category = &self.policy.categories()[index];
        self.category(index, |t| &t.description)
            .unwrap_or(&category.description)
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    #[test]
    fn accept_language_is_negotiated_by_weight_then_primary_language() {
        let policy = Policy::from_toml_str(
            "default_locale = \"fr\"\n[locales.pt-BR]\naccept_all = \"Aceitar todos\"\n",
        )
        .unwrap();
        let tag = |header: &str| policy.locale(Some(header)).tag();
        assert_eq!(tag("de-DE,de;q=0.9,en;q=0.8"), "de");
        assert_eq!(tag("en;q=0.5, de;q=0.9"), "de");
        assert_eq!(tag("pt-br"), "pt-BR");
        assert_eq!(tag("pt-PT"), "pt-BR", "the primary language matches");
        assert_eq!(tag("it, ja"), "fr", "the default");
        assert_eq!(tag("de;q=0, en;q=0.1"), "en", "q=0 is a refusal");
        assert_eq!(tag("*"), "fr");
        assert_eq!(tag(""), "fr");
        assert_eq!(tag(";;,,q=;"), "fr");
        assert_eq!(policy.locale(None).tag(), "fr");
        let mut tags: Vec<&str> = policy.locale_tags().collect();
        tags.sort_unstable();
        assert_eq!(tags, ["de", "en", "fr", "pt-BR"]);
    }

    #[test]
    fn a_missing_key_falls_back_per_key() {
        let policy = Policy::from_toml_str(
            "[[categories]]\nid = \"analytics\"\ntitle = \"Analytics\"\ndescription = \"Counts visits.\"\n\
             [locales.de]\naccept_all = \"Alles klar\"\n\
             [locales.de.categories.analytics]\ntitle = \"Statistik\"\n\
             [locales.pt]\naccept_all = \"Aceitar todos\"\n",
        )
        .unwrap();
        let de = policy.locale(Some("de"));
        assert_eq!(
            de.text(super::Text::AcceptAll),
            "Alles klar",
            "the policy's override"
        );
        assert_eq!(de.text(super::Text::Save), "Auswahl speichern", "built in");
        assert_eq!(de.category_title(1), "Statistik");
        assert_eq!(
            de.category_description(1),
            "Counts visits.",
            "the policy's own"
        );
        let pt = policy.locale(Some("pt"));
        assert_eq!(pt.text(super::Text::AcceptAll), "Aceitar todos");
        assert_eq!(
            pt.text(super::Text::Save),
            "Save choices",
            "no built-in pt: English"
        );
    }

    #[test]
    fn errors_name_the_locale_and_the_line() {
        let cases = [
            ("[locales.de]\naccept_al = \"x\"\n", "line 2: field `locales.de.accept_al`: unknown text `accept_al`"),
            ("[locales.de.categories.ads]\ntitle = \"x\"\n", "line 1: field `locales.de.categories.ads`: unknown category `ads` (categories: essential)"),
            ("[locales.de.cookies._ga]\npurpose = \"x\"\n", "line 1: field `locales.de.cookies._ga`: `_ga` is not a declared cookie (as written in [[cookies]])"),
            ("[locales.\"de_DE\"]\naccept_all = \"x\"\n", "line 1: field `locales.de_DE`: `de_DE` is not a language tag (such as `de` or `de-AT`)"),
            ("name = \"x\"\ndefault_locale = \"it\"\n", "line 2: field `default_locale`: no locale `it` (built in or under [locales]: en, de, fr)"),
            ("[locales.de.categories.essential]\ntitel = \"x\"\n", "line 2: field `locales.de.categories.essential.titel`: unknown field `titel`, expected one of `title`, `description`, `retention`, `legal_basis`"),
        ];
        for (text, expected) in cases {
            let err = Policy::from_toml_str(text).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{text}\n{err}\n{expected}");
        }
    }
}
