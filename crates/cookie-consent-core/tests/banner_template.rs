//! The banner's view (DESIGN §12, "your own templates") rendered through a
//! template engine into a banner of a site's own markup that works: each of
//! its buttons posts what `ConsentChoice::from_form` reads as the choice it
//! names, in the visitor's language, pre-filled from the consent.

use cookie_consent_core::{ConsentChoice, Policy, Signals};

/// A site's own banner: a `<dialog>` with its own classes, built only from the view.
const TEMPLATE: &str = r#"<dialog open class="consent" lang="{{ banner.lang }}">
<h2>{{ banner.title }}</h2>
<p>{{ banner.text }} <a href="{{ banner.policy_url }}">{{ banner.read_policy }}</a></p>
<form method="post" action="{{ banner.action }}">
<button name="{{ banner.choice_field }}" value="{{ banner.accept_all.value }}">{{ banner.accept_all.label }}</button>
<button name="{{ banner.choice_field }}" value="{{ banner.reject_optional.value }}">{{ banner.reject_optional.label }}</button>
</form>
<form method="post" action="{{ banner.action }}">
<h3>{{ banner.customize }}</h3>
{% for category in banner.categories %}
<label><input type="checkbox"{% if category.essential %} disabled{% else %} name="{{ banner.category_field }}" value="{{ category.id }}"{% endif %}{% if category.checked %} checked{% endif %}> {{ category.title }}</label>
<small>{{ category.description }}{% for cookie in category.cookies %} [{{ cookie.name }}: {{ cookie.purpose }}]{% endfor %}</small>
{% endfor %}
<button name="{{ banner.choice_field }}" value="{{ banner.save.value }}">{{ banner.save.label }}</button>
</form>
</dialog>"#;

/// One control of a form: its attributes.
#[derive(Debug)]
struct Control {
    tag: String,
    name: Option<String>,
    value: Option<String>,
    checked: bool,
    disabled: bool,
}

/// The `<input>` and `<button>` tags of each `<form>` in `html`.
fn forms(html: &str) -> Vec<Vec<Control>> {
    html.split("<form")
        .skip(1)
        .map(|form| {
            let form = form.split("</form>").next().unwrap_or_default();
            form.split('<')
                .filter(|tag| tag.starts_with("input") || tag.starts_with("button"))
                .map(|tag| {
                    let tag = tag.split('>').next().unwrap_or_default();
                    let attribute = |name: &str| {
                        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
                        let raw = tag[start..].split('"').next()?;
                        Some(html_escape::decode_html_entities(raw).into_owned())
                    };
                    Control {
                        tag: tag.split(' ').next().unwrap_or_default().to_owned(),
                        name: attribute("name"),
                        value: attribute("value"),
                        checked: tag.contains(" checked"),
                        disabled: tag.contains(" disabled"),
                    }
                })
                .collect()
        })
        .collect()
}

/// What a browser posts when `button` of `form` is pressed: the ticked,
/// enabled, named checkboxes and the button's own name and value.
fn submit(form: &[Control], button: &Control) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = form
        .iter()
        .filter(|c| c.tag == "input" && c.checked && !c.disabled)
        .filter_map(|c| {
            Some((
                c.name.clone()?,
                c.value.clone().unwrap_or_else(|| "on".into()),
            ))
        })
        .collect();
    if let (Some(name), Some(value)) = (&button.name, &button.value) {
        fields.push((name.clone(), value.clone()));
    }
    fields
}

#[test]
fn a_template_of_the_view_is_a_working_banner() {
    let text = format!(
        "{}\n[locales.de]\nsave = \"Speichern\"\n",
        include_str!("data/minopa.toml")
    );
    let policy = Policy::from_toml_str(&text).unwrap();
    let consent_cookie = policy.write_consent(&ConsentChoice::Only(vec!["analytics".into()]));
    let cookie = consent_cookie.split(';').next().unwrap();
    let consent = policy.read_consent([cookie], Signals::default());
    let locale = policy.locale(Some("de-DE"));
    let view = locale.banner_view(&consent, "/privacy/consent", "/privacy");

    let mut env = minijinja::Environment::new();
    env.add_template("banner.html", TEMPLATE).unwrap();
    let html = env
        .get_template("banner.html")
        .unwrap()
        .render(minijinja::context! { banner => view })
        .unwrap();

    assert!(
        html.contains("<dialog open class=\"consent\" lang=\"de\">"),
        "{html}"
    );
    assert!(html.contains(">Alle akzeptieren</button>"), "{html}");
    assert!(
        html.contains(">Speichern</button>"),
        "the policy's override: {html}"
    );
    assert!(
        html.contains("Notwendige Cookies"),
        "a translated title: {html}"
    );
    assert!(
        html.contains("[_ga: Unterscheidet Nutzer"),
        "cookies and their purposes: {html}"
    );
    let decoded = html_escape::decode_html_entities(&html);
    assert!(
        decoded.contains("<a href=\"/privacy\">Cookie-Richtlinie lesen</a>"),
        "{html}"
    );
    assert!(
        decoded.contains("<form method=\"post\" action=\"/privacy/consent\">"),
        "{html}"
    );
    assert!(
        html.contains("value=\"analytics\" checked>"),
        "pre-filled: {html}"
    );

    let own = forms(&html);
    assert_eq!(own.len(), 2, "{html}");
    let buttons = |form: &[Control]| -> Vec<Vec<(String, String)>> {
        form.iter()
            .filter(|c| c.tag == "button")
            .map(|b| submit(form, b))
            .collect()
    };
    let first_layer = buttons(&own[0]);
    assert_eq!(
        first_layer
            .iter()
            .map(|fields| ConsentChoice::from_form(
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
            ))
            .collect::<Vec<_>>(),
        [
            Some(ConsentChoice::AcceptAll),
            Some(ConsentChoice::RejectOptional)
        ]
    );
    let save = buttons(&own[1]);
    assert_eq!(save.len(), 1);
    assert_eq!(
        ConsentChoice::from_form(save[0].iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        Some(ConsentChoice::Only(vec!["analytics".into()])),
        "the ticked boxes, essential not posted: {:?}",
        save[0]
    );

    // The built-in banner is one rendering of the same view: same choices.
    let built_in = locale.render_banner(&consent, "/privacy/consent", "/privacy");
    let built_in_forms = forms(&built_in);
    assert_eq!(built_in_forms.len(), 2);
    assert_eq!(buttons(&built_in_forms[0]), first_layer);
    assert_eq!(buttons(&built_in_forms[1]), save);
}
