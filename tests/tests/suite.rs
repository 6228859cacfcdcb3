//! One table of scenarios, run against every layer: the core directly, the
//! tower adapter, the actix adapter, and both demo sites over real HTTP.
//! Every target must produce exactly the table's expectations, so any two
//! that disagree fail the suite.

use std::convert::Infallible;
use std::fmt::Write as _;

use bytes::Bytes;
use cookie_consent_core::adapter::ResponseHeaders;
use cookie_consent_core::{Consent, ConsentChoice, CookieRule, Policy, Signals};
use cookie_consent_demo as demo;
use cookie_consent_testing::policies::{with_settings as with, MIHARI, MINOPA, PREFIXED};
use cookie_consent_tests::{
    memory_records, send, serve_actix_demo, serve_actix_demo_with, serve_axum_demo,
    serve_axum_demo_with,
};
use http_body_util::{BodyExt, Full};
use tower::{Layer, ServiceExt};

/// Which policy a scenario runs under.
#[derive(Clone, Copy, Debug)]
enum Site {
    Minopa,
    Mihari,
    /// Minopa with these top-level settings instead of its own.
    MinopaWith(&'static str),
    /// Minopa plus `_fbp` as a marketing cookie (marketing honours GPC), with these settings.
    MinopaMarketing(&'static str),
    /// Minopa with these `[[consent_sources]]` (DESIGN §9) after its own tables.
    MinopaSources(&'static str),
    /// A policy whose purges need care (`__Secure-`, `__Host-`, a domain rule),
    /// with these settings.
    Prefixed(&'static str),
}

impl Site {
    fn policy(self) -> Policy {
        match self {
            Site::Minopa => with(MINOPA, ""),
            Site::Mihari => with(MIHARI, ""),
            Site::MinopaWith(settings) => with(MINOPA, settings),
            Site::MinopaSources(sources) => Policy::from_toml_str(&format!("{MINOPA}\n{sources}"))
                .expect("a valid scenario policy"),
            Site::Prefixed(settings) => with(PREFIXED, settings),
            Site::MinopaMarketing(settings) => with(MINOPA, settings)
                .to_builder()
                .cookie(
                    CookieRule::new("_fbp", "marketing")
                        .provider("Meta")
                        .domain(".minopa.com"),
                )
                .build()
                .expect("a valid scenario policy"),
        }
    }
}

/// What the application answers.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// `/demo/set`: sets `name`s, deletes `delete`s.
    Set {
        set: &'static [&'static str],
        delete: &'static [&'static str],
    },
    /// The same under `/billing`, whose policy adds Stripe's cookies as essential.
    Billing { set: &'static [&'static str] },
    /// `POST /consent` with these form fields.
    ConsentForm(&'static [(&'static str, &'static str)]),
    /// `/demo/raw`: these lines verbatim, `consent:ACTION` the consent cookie
    /// that answer writes (the response sets consent itself), `vary:VALUE` a
    /// `Vary` the page sends itself, `status:304` a `304 Not Modified`.
    Raw(&'static [&'static str]),
}

struct Scenario {
    name: &'static str,
    site: Site,
    cookies: &'static [&'static str],
    gpc: bool,
    dnt: bool,
    answer: Answer,
    /// Set-Cookies out, short: `set:N`, `del:N`, `purge:N`, `consent`, `consent-reset`.
    expect_set_cookies: &'static [&'static str],
    expect_vary: bool,
    /// The response's whole `Vary` values, when the scenario is about them.
    expect_vary_values: Option<&'static [&'static str]>,
    /// `/demo/consent` for the request.
    expect_consent: &'static str,
}

const ANALYTICS_V1: &str = r#"cookie-preferences={"categories":{"analytics":true},"revision":1}"#;
const NOTHING_V1: &str = r#"cookie-preferences={"categories":{},"revision":1}"#;
const ALL_V1: &str = r#"cookie-preferences={"categories":{"functional":true,"analytics":true,"marketing":true,"performance":true},"revision":1}"#;

/// Real Cookiebot values (CONSENT-FORMATS.md): everything accepted, and everything refused.
const COOKIEBOT_ALL: &str = "CookieConsent={stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27implied%27%2Cver:1%2Cutc:1709627572438%2Ciab2:%27%27%2Cregion:%27VN%27}";
const COOKIEBOT_NONE: &str = "CookieConsent={stamp:%27f+7ywpRuvGmFIujhI+oEbPugblwcsBmNcpD/7RUUNZKavIMY97rzhQ==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1745620490943%2Cregion:%27pl%27}";
const COOKIEBOT_SOURCE: &str = "[[consent_sources]]\nformat = \"cookiebot\"";

/// The other formats of DESIGN §9, each with a real value (CONSENT-FORMATS.md)
/// that grants analytics, or for TCF functional and marketing.
const ONETRUST: &str = "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-06-16T12:18:11.366Z";
const COOKIEYES: &str = "cookieyes-consent=consentid:WHRLbHhJZVJlTXR3b0F4MUpUQWNCZDRNbXRpTWNEcmE,consent:yes,action:yes,necessary:yes,functional:no,analytics:yes,performance:no,advertisement:no,other:no";
const COMPLIANZ: &str = "cmplz_banner-status=dismissed; cmplz_functional=allow; cmplz_marketing=deny; cmplz_preferences=deny; cmplz_statistics=allow";
const VANILLA: &str = "cc_cookie=%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22lastConsentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%7D";
const KLARO: &str = "klaro=%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Atrue%2C%22google-ads%22%3Afalse%7D";
const ONETRUST_UNDECIDED: &str = "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Jun+16+2025+17%3A48%3A11+GMT%2B0530+(India+Standard+Time)&version=202501.2.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9f5da6c6-8680-4a0a-8100-807611edb626&interactionCount=0&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0005%3A0%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false";
const VANILLA_V2: &str = r#"cc_cookie={"categories":["necessary"],"revision":0,"data":null,"rfc_cookie":false,"consent_date":"2024-08-27T08:45:11.101Z","consent_uuid":"5b5c6534-444e-4b7f-af4a-22910eb29e48","last_consent_update":"2024-08-27T08:45:11.101Z"}"#;
const TCF_REJECT: &str = "euconsent-v2=CQEbF4AQEbF4AAHABBENBFFgAAAAAAAAAAAAAAAAAABigAMAAQU1GAAYAAgpqQAAwABBTUAA.YAAAAAAAAAAA";
const TCF: &str = "euconsent-v2=CPTtLAAPTtLAAAAAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA";

const fn scenario(
    name: &'static str,
    site: Site,
    cookies: &'static [&'static str],
    answer: Answer,
) -> Scenario {
    Scenario {
        name,
        site,
        cookies,
        gpc: false,
        dnt: false,
        answer,
        expect_set_cookies: &[],
        expect_vary: false,
        expect_vary_values: None,
        expect_consent: "",
    }
}

fn scenarios() -> Vec<Scenario> {
    let set = |set| Answer::Set { set, delete: &[] };
    vec![
        Scenario {
            expect_set_cookies: &["set:_ga", "set:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics","marketing"],"gpc":false,"source":"cookiebot"}"#,
            ..scenario(
                "a Cookiebot site: its accept-all keeps _ga",
                Site::MinopaSources(COOKIEBOT_SOURCE),
                &[COOKIEBOT_ALL],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["purge:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential"],"gpc":false,"source":"cookiebot"}"#,
            ..scenario(
                "a Cookiebot site: its reject strips and expires _ga, ignoring our own cookie",
                Site::MinopaSources(COOKIEBOT_SOURCE),
                &[COOKIEBOT_NONE, "_ga=GA1.1.1", ALL_V1],
                set(&["_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"onetrust"}"#,
            ..scenario(
                "a OneTrust site: its analytics group keeps _ga, theme goes",
                Site::MinopaSources("[[consent_sources]]\nformat = \"onetrust\""),
                &[ONETRUST],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookieyes"}"#,
            ..scenario(
                "a CookieYes site",
                Site::MinopaSources("[[consent_sources]]\nformat = \"cookieyes\""),
                &[COOKIEYES],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"complianz"}"#,
            ..scenario(
                "a Complianz site",
                Site::MinopaSources("[[consent_sources]]\nformat = \"complianz\""),
                &[COMPLIANZ],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"vanilla-cookieconsent"}"#,
            ..scenario(
                "a vanilla-cookieconsent site",
                Site::MinopaSources("[[consent_sources]]\nformat = \"vanilla-cookieconsent\""),
                &[VANILLA],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"klaro"}"#,
            ..scenario(
                "a Klaro site names its services",
                Site::MinopaSources("[[consent_sources]]\nformat = \"klaro\"\n[consent_sources.grants]\nfunctional = [\"preferences\"]\nanalytics = [\"google-analytics\"]\nmarketing = [\"google-ads\"]"),
                &[KLARO],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","marketing"],"gpc":false,"source":"tcf"}"#,
            ..scenario(
                "an IAB TCF site grants by purposes",
                Site::MinopaSources("[[consent_sources]]\nformat = \"tcf\"\n[consent_sources.grants]\nfunctional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]"),
                &[TCF],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics"],"gpc":true,"source":"cookie-consent"}"#,
            ..scenario(
                "a GPP opt-out (usnat, a real OneTrust value) denies marketing where honoured",
                Site::MinopaMarketing("honor_gpp = true"),
                &[ALL_V1, "__gpp=DBABLA~BVQVAAAABgA.QA"],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_fbp", "set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics","marketing"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "a GPP string that did not opt out changes nothing",
                Site::MinopaMarketing("honor_gpp = true"),
                &[ALL_V1, "__gpp=DBABLA~BVQqAAAACgA.QA"],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics"],"gpc":true,"source":"cookie-consent"}"#,
            ..scenario(
                "a US Privacy opt-out of sale denies marketing where honoured",
                Site::MinopaMarketing("honor_usp = true"),
                &[ALL_V1, "usprivacy=1YYN"],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "OneTrust's defaults before the visitor chose are no consent",
                Site::MinopaSources("[[consent_sources]]\nformat = \"onetrust\""),
                &[ONETRUST_UNDECIDED],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_consent: r#"{"state":"outdated","granted":["essential"],"gpc":false,"source":"vanilla-cookieconsent"}"#,
            ..scenario(
                "a vanilla-cookieconsent v2 reject at an older revision asks again",
                Site::MinopaSources("[[consent_sources]]\nformat = \"vanilla-cookieconsent\""),
                &[VANILLA_V2],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential"],"gpc":false,"source":"tcf"}"#,
            ..scenario(
                "a real TCF reject grants nothing",
                Site::MinopaSources("[[consent_sources]]\nformat = \"tcf\"\n[consent_sources.grants]\nfunctional = [1, 5, 6]\nanalytics = [1, 8, 9]\nmarketing = [1, 3, 4]"),
                &[TCF_REJECT],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:next-auth.session-token"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "first visit: only essential cookies pass",
                Site::Minopa,
                &[],
                set(&["next-auth.session-token", "_ga", "theme", "_clck"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga", "set:sentry-trace"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "analytics granted: analytics cookies pass, prefix rules too",
                Site::Minopa,
                &[ANALYTICS_V1],
                set(&["_ga", "theme", "sentry-trace"]),
            )
        },
        Scenario {
            expect_set_cookies: &["del:_ga", "del:theme"],
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "removals pass without consent",
                Site::Minopa,
                &[],
                Answer::Set {
                    set: &[],
                    delete: &["_ga", "theme"],
                },
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "undeclared cookies are stripped",
                Site::Minopa,
                &[ANALYTICS_V1],
                set(&["mystery", "_GA"]),
            )
        },
        Scenario {
            expect_set_cookies: &["purge:_ga", "purge:_clck", "purge:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "withdrawn cookies are purged",
                Site::Minopa,
                &[
                    NOTHING_V1,
                    "_ga=GA1; _clck=2; theme=dark; next-auth.session-token=s; other=1",
                ],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &[
                "purge:_ga",
                "_fbp=; Max-Age=0; Path=/",
                "_fbp=; Max-Age=0; Path=/; Domain=.minopa.com",
            ],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "withdrawn cookies are purged, with the declared domain too",
                Site::MinopaMarketing(""),
                &[NOTHING_V1, "_ga=GA1; _fbp=1; next-auth.session-token=s"],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent", "_ga=1"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "the consent a response sets is in force: its accept-all keeps _ga",
                Site::Minopa,
                &[],
                Answer::Raw(&["consent:accept-all", "_ga=1"]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent", "purge:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "the consent a response sets is in force: its reject strips _ga and purges it",
                Site::Minopa,
                &[ANALYTICS_V1, "_ga=old"],
                Answer::Raw(&["consent:reject-optional", "_ga=1"]),
            )
        },
        Scenario {
            expect_set_cookies: &[
                "__Host-pref=; Max-Age=0; Path=/; Secure",
                "__Secure-sid=; Max-Age=0; Path=/; Secure",
            ],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "prefixed names are purged with what browsers require of them",
                Site::Prefixed(""),
                &["__Host-pref=1; __Secure-sid=2"],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "room for one purge: a rule's two variants go together or not at all",
                Site::Prefixed("max_purge = 1"),
                &["_ga=1; __Secure-sid=2"],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &[
                "_ga=; Max-Age=0; Path=/",
                "_ga=; Max-Age=0; Path=/; Domain=.example.com",
            ],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "room for two purges: the first rule's two variants",
                Site::Prefixed("max_purge = 2"),
                &["_ga=1; __Secure-sid=2"],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &["next-auth.csrf-token=2", "purge:_clck"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "a 304 Not Modified is judged like any other response",
                Site::Minopa,
                &["_clck=1"],
                Answer::Raw(&["status:304", "_ga=1", "next-auth.csrf-token=2"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_vary_values: Some(&["Accept-Encoding, cookie, sec-gpc"]),
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "Vary already naming Cookie and Sec-GPC is left alone",
                Site::Minopa,
                &[],
                Answer::Raw(&["vary:Accept-Encoding, cookie, sec-gpc", "_ga=1"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_vary_values: Some(&["Accept-Encoding, cookie", "Sec-GPC"]),
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "Vary gets only what it does not name yet",
                Site::Minopa,
                &[],
                Answer::Raw(&["vary:Accept-Encoding, cookie", "_ga=1"]),
            )
        },
        Scenario {
            gpc: true,
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics"],"gpc":true,"source":"cookie-consent"}"#,
            ..scenario(
                "Sec-GPC denies marketing",
                Site::MinopaMarketing(""),
                &[ALL_V1],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            dnt: true,
            expect_set_cookies: &["set:_fbp", "set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics","marketing"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "DNT is ignored unless honoured",
                Site::MinopaMarketing(""),
                &[ALL_V1],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            dnt: true,
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "DNT denies marketing when honoured",
                Site::MinopaMarketing("honor_dnt = true"),
                &[ALL_V1],
                set(&["_fbp", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["purge:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"outdated","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "a revision bump asks again",
                Site::MinopaWith("revision = 2"),
                &[ANALYTICS_V1, "_ga=1"],
                set(&["_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_vary: true,
            expect_consent: r#"{"state":"expired","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "old consent expires",
                Site::MinopaWith("consent_max_age_days = 30"),
                &[
                    r#"cookie-preferences={"categories":{"analytics":true},"revision":1,"timestamp":1}"#,
                ],
                set(&["_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:next-auth.csrf-token"],
            expect_vary: true,
            expect_consent: r#"{"state":"invalid","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "garbage consent grants only essential",
                Site::Minopa,
                &["cookie-preferences=%7Bnot json"],
                set(&["_ga", "next-auth.csrf-token"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "several consent cookies intersect",
                Site::Minopa,
                &[
                    r#"cookie-preferences={"categories":{"functional":true,"analytics":true},"revision":1}"#,
                    ANALYTICS_V1,
                ],
                set(&["theme", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent"],
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "accept all sets the consent cookie",
                Site::Minopa,
                &[],
                Answer::ConsentForm(&[("action", "accept-all")]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent", "purge:_ga", "purge:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","analytics","marketing"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "reject optional purges at once",
                Site::Minopa,
                &[ALL_V1, "_ga=1; theme=dark"],
                Answer::ConsentForm(&[("action", "reject-optional")]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent", "purge:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "customize with analytics only",
                Site::Minopa,
                &["_ga=1; theme=dark"],
                Answer::ConsentForm(&[("action", "save"), ("category", "analytics")]),
            )
        },
        Scenario {
            expect_set_cookies: &["consent-reset", "purge:_ga"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","analytics"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "reset removes the consent and purges",
                Site::Minopa,
                &[ANALYTICS_V1, "_ga=1"],
                Answer::ConsentForm(&[("action", "reset")]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga", "set:theme"],
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "report-only changes nothing",
                Site::MinopaWith("enforcement = \"report-only\""),
                &["_clck=1"],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:mystery"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "unknown cookies kept when the policy says so",
                Site::MinopaWith("unknown_cookies = \"keep\""),
                &[],
                set(&["mystery", "_ga"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:_ga", "set:theme"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential","functional","analytics","marketing"],"gpc":false,"source":null}"#,
            ..scenario(
                "opt-out grants everything until refused",
                Site::MinopaWith("mode = \"opt-out\""),
                &[],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:theme", "purge:_clck"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional","marketing"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "opt-out refusal strips and purges",
                Site::MinopaWith("mode = \"opt-out\""),
                &[
                    r#"cookie-preferences={"categories":{"analytics":false},"revision":1}"#,
                    "_clck=1",
                ],
                set(&["_ga", "theme"]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:mihari_session", "set:lb_route"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "Mihari first visit",
                Site::Mihari,
                &[],
                set(&[
                    "mihari_session",
                    "mh_perf",
                    "mh_prefs",
                    "mh_analytics_id",
                    "lb_route",
                ]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:mh_prefs", "set:lang"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential","functional"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "Mihari functional granted",
                Site::Mihari,
                &[r#"cookie-preferences={"categories":{"functional":true},"revision":1}"#],
                set(&["mh_prefs", "lang", "mh_analytics_id"]),
            )
        },
        Scenario {
            expect_set_cookies: &["purge:mh_perf", "purge:tz"],
            expect_vary: true,
            expect_consent: r#"{"state":"valid","granted":["essential"],"gpc":false,"source":"cookie-consent"}"#,
            ..scenario(
                "Mihari purge",
                Site::Mihari,
                &[NOTHING_V1, "mh_perf=1; tz=2; csrf_token=3"],
                set(&[]),
            )
        },
        Scenario {
            expect_set_cookies: &["set:__stripe_mid", "set:__stripe_sid"],
            expect_vary: true,
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "billing pages allow Stripe",
                Site::Minopa,
                &[],
                Answer::Billing {
                    set: &["__stripe_mid", "__stripe_sid", "_ga"],
                },
            )
        },
        Scenario {
            expect_set_cookies: &[],
            expect_consent: r#"{"state":"missing","granted":["essential"],"gpc":false,"source":null}"#,
            ..scenario(
                "elsewhere Stripe is undeclared",
                Site::Minopa,
                &[],
                set(&["__stripe_mid", "__stripe_sid"]),
            )
        },
    ]
}

impl Scenario {
    fn signals(&self) -> Vec<(&'static str, &'static str)> {
        let mut headers = Vec::new();
        if self.gpc {
            headers.push(("sec-gpc", "1"));
        }
        if self.dnt {
            headers.push(("dnt", "1"));
        }
        headers
    }

    /// The policy the answering route enforces.
    fn route_policy(&self, site: &Policy) -> Policy {
        match self.answer {
            Answer::Billing { .. } => demo::billing_policy(site).expect("a billing policy"),
            _ => site.clone(),
        }
    }

    /// The Set-Cookie values the application itself answers with (what the demo routes set).
    fn answer_set_cookies(&self, site: &Policy) -> Vec<String> {
        match self.answer {
            Answer::Set { set, delete } => demo::demo_set_cookies(
                set.iter()
                    .map(|n| ("name", *n))
                    .chain(delete.iter().map(|n| ("delete", *n))),
            )
            .expect("cookie names"),
            Answer::Billing { set } => {
                demo::demo_set_cookies(set.iter().map(|n| ("name", *n))).expect("cookie names")
            }
            Answer::ConsentForm(form) => ConsentChoice::from_form(form.iter().copied())
                .map(|choice| site.write_consent(&choice))
                .into_iter()
                .collect(),
            Answer::Raw(lines) => lines
                .iter()
                .filter(|line| !line.starts_with("vary:") && !line.starts_with("status:"))
                .map(|line| match line.strip_prefix("consent:") {
                    Some(action) => {
                        let choice = ConsentChoice::from_form([("action", action)]);
                        site.write_consent(&choice.expect("a consent action"))
                    }
                    None => (*line).to_owned(),
                })
                .collect(),
        }
    }

    /// The `Vary` values the application sends itself.
    fn answer_vary(&self) -> Vec<&'static str> {
        match self.answer {
            Answer::Raw(lines) => lines
                .iter()
                .filter_map(|l| l.strip_prefix("vary:"))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the application answers `304 Not Modified`.
    fn answer_not_modified(&self) -> bool {
        matches!(self.answer, Answer::Raw(lines) if lines.contains(&"status:304"))
    }

    /// Whether `got` is what this scenario expects (whole `Vary` values only
    /// when the scenario names them).
    fn matches(&self, got: &Observed) -> bool {
        let expected = self.expected();
        (got.set_cookies == expected.set_cookies
            && got.vary == expected.vary
            && got.consent == expected.consent)
            && self
                .expect_vary_values
                .is_none_or(|values| got.vary_values == values)
    }

    fn expected(&self) -> Observed {
        let expand = |short: &&str| match short.split_once(':') {
            Some(("set", name)) => format!("{name}=demo; Path=/; Max-Age=3600"),
            Some(("del", name)) => format!("{name}=; Path=/; Max-Age=0"),
            Some(("purge", name)) => format!("{name}=; Max-Age=0; Path=/"),
            _ => short.to_string(),
        };
        Observed {
            set_cookies: self.expect_set_cookies.iter().map(expand).collect(),
            vary: self.expect_vary,
            vary_values: self
                .expect_vary_values
                .unwrap_or_default()
                .iter()
                .map(|v| (*v).to_owned())
                .collect(),
            consent: self.expect_consent.to_owned(),
        }
    }
}

/// What a target answered, normalized: the consent cookie's value varies with the time.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    set_cookies: Vec<String>,
    /// Whether `Vary` names `Cookie`.
    vary: bool,
    /// Every `Vary` value, as sent.
    vary_values: Vec<String>,
    consent: String,
}

fn observed(set_cookies: Vec<String>, vary: &[String], consent: String) -> Observed {
    let set_cookies = set_cookies
        .into_iter()
        .map(|value| match value.strip_prefix("cookie-preferences=") {
            Some(rest) if rest.starts_with(';') => "consent-reset".to_owned(),
            Some(_) => "consent".to_owned(),
            None => value,
        })
        .collect();
    let vary_values = vary.to_vec();
    let vary = vary
        .iter()
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("cookie"));
    Observed {
        set_cookies,
        vary,
        vary_values,
        consent,
    }
}

fn cookie_header_values(s: &Scenario) -> Vec<&'static str> {
    s.cookies.to_vec()
}

/// The core alone: read, review, apply the outcome to a list of values.
fn run_core(s: &Scenario) -> Observed {
    let site = s.site.policy();
    let policy = s.route_policy(&site);
    let signals = Signals {
        gpc: s.gpc,
        dnt: s.dnt,
    };
    let consent = policy.read_consent(cookie_header_values(s), signals);
    let answer = s.answer_set_cookies(&site);
    let headers = ResponseHeaders {
        request_cookies: cookie_header_values(s),
        set_cookies: &answer,
        vary: s.answer_vary(),
        mark: None,
    };
    let outcome = policy.review_response(&consent, headers, None);
    let mut out: Vec<String> = answer
        .iter()
        .enumerate()
        .filter(|(i, _)| outcome.keeps(*i))
        .map(|(_, v)| v.clone())
        .collect();
    out.extend(outcome.purges().iter().cloned());
    let vary: Vec<String> = s
        .answer_vary()
        .into_iter()
        .chain(outcome.vary())
        .map(str::to_owned)
        .collect();
    observed(out, &vary, consent_json_for(&site, s))
}

/// `/demo/consent` is served by the site-wide layer, whatever route answered.
fn consent_json_for(site: &Policy, s: &Scenario) -> String {
    let consent = site.read_consent(
        cookie_header_values(s),
        Signals {
            gpc: s.gpc,
            dnt: s.dnt,
        },
    );
    demo::consent_json(&consent)
}

fn request_headers(s: &Scenario) -> Vec<(&'static str, &'static str)> {
    let mut headers: Vec<_> = s.cookies.iter().map(|c| ("cookie", *c)).collect();
    headers.extend(s.signals());
    headers
}

/// The tower adapter around a handler that answers as the demo route would.
async fn run_tower(s: &Scenario) -> Observed {
    let site = s.site.policy();
    let answer = s.answer_set_cookies(&site);
    let (page_vary, not_modified) = (s.answer_vary(), s.answer_not_modified());
    // Like the demo's `/demo/set`, it does not read the consent (that would make it Vary).
    let handler = tower::service_fn(move |request: http::Request<()>| {
        assert!(
            request.extensions().get::<Consent>().is_some(),
            "the layer adds Consent"
        );
        let mut response = http::Response::new(Full::new(Bytes::from_static(b"set")));
        if not_modified {
            *response.status_mut() = http::StatusCode::NOT_MODIFIED;
        }
        for value in &page_vary {
            response
                .headers_mut()
                .append("vary", value.parse().expect("a valid header value"));
        }
        for value in &answer {
            response
                .headers_mut()
                .append("set-cookie", value.parse().expect("a valid header value"));
        }
        async move { Ok::<_, Infallible>(response) }
    });
    let mut request = http::Request::get("/").body(()).expect("a request");
    for (name, value) in request_headers(s) {
        request
            .headers_mut()
            .append(name, value.parse().expect("a valid header value"));
    }
    let service = cookie_consent_tower::ConsentLayer::new(s.route_policy(&site)).layer(handler);
    let response = service.oneshot(request).await.expect("infallible");
    let values = |name| {
        response
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let (set_cookies, vary): (Vec<String>, Vec<String>) = (values("set-cookie"), values("vary"));
    let _ = response.into_body().collect().await;
    observed(set_cookies, &vary, consent_json_for(&site, s))
}

/// The actix adapter on an `App` whose handler answers as the demo route would.
async fn run_actix(s: &Scenario) -> Observed {
    use actix_web::{test, web, App, HttpResponse};
    let site = s.site.policy();
    let answer = s.answer_set_cookies(&site);
    let (page_vary, not_modified) = (s.answer_vary(), s.answer_not_modified());
    let handler = move || {
        let (answer, page_vary) = (answer.clone(), page_vary.clone());
        async move {
            let mut response = match not_modified {
                true => HttpResponse::NotModified(),
                false => HttpResponse::Ok(),
            };
            for value in page_vary {
                response.append_header(("vary", value));
            }
            for value in answer {
                response.append_header(("set-cookie", value));
            }
            response.finish()
        }
    };
    let app = test::init_service(App::new().default_service(web::to(handler)).wrap(
        cookie_consent_actix::ConsentMiddleware::new(s.route_policy(&site)),
    ))
    .await;
    let mut request = test::TestRequest::get().uri("/");
    for header in request_headers(s) {
        request = request.append_header(header);
    }
    let response = test::call_service(&app, request.to_request()).await;
    let values = |name| {
        response
            .headers()
            .get_all(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let (set_cookies, vary): (Vec<String>, Vec<String>) = (values("set-cookie"), values("vary"));
    observed(set_cookies, &vary, consent_json_for(&site, s))
}

/// A demo site over HTTP: the answering route, then `/demo/consent`.
async fn run_demo(addr: std::net::SocketAddr, s: &Scenario) -> Observed {
    let headers = request_headers(s);
    let query = |set: &[&str], delete: &[&str]| -> String {
        let mut q = String::new();
        for (key, names) in [("name", set), ("delete", delete)] {
            for name in names {
                let _ = write!(q, "{}{key}={name}", if q.is_empty() { "?" } else { "&" });
            }
        }
        q
    };
    let reply = match s.answer {
        Answer::Set { set, delete } => {
            send(
                addr,
                "GET",
                &format!("/demo/set{}", query(set, delete)),
                &headers,
                "",
            )
            .await
        }
        Answer::Billing { set } => {
            send(
                addr,
                "GET",
                &format!("/billing/demo/set{}", query(set, &[])),
                &headers,
                "",
            )
            .await
        }
        Answer::Raw(_) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(
                    s.answer_set_cookies(&s.site.policy())
                        .iter()
                        .map(|l| ("v", l.as_str())),
                )
                .extend_pairs(s.answer_vary().into_iter().map(|v| ("vary", v)))
                .extend_pairs(s.answer_not_modified().then_some(("status", "304")))
                .finish();
            send(addr, "GET", &format!("/demo/raw?{query}"), &headers, "").await
        }
        Answer::ConsentForm(form) => {
            let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut with_type = headers.clone();
            with_type.push(("content-type", "application/x-www-form-urlencoded"));
            send(addr, "POST", "/consent", &with_type, &body.join("&")).await
        }
    };
    assert!(
        matches!(reply.status, 200 | 303 | 304),
        "{}: status {}",
        s.name,
        reply.status
    );
    let consent = send(addr, "GET", "/demo/consent", &headers, "").await.body;
    observed(reply.set_cookies, &reply.vary, consent)
}

/// Something the scenarios run against: the core, an adapter, or a demo site
/// over HTTP. Each brings the runtime it needs.
trait Target {
    /// Its name in a disagreement.
    const NAME: &'static str;
    /// What it answers to each scenario, in order.
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed>;
}

struct Core;
struct Tower;
struct Actix;
struct AxumDemo;
struct ActixDemo;

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

impl Target for Core {
    const NAME: &'static str = "core";
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed> {
        scenarios.iter().map(run_core).collect()
    }
}

impl Target for Tower {
    const NAME: &'static str = "tower";
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed> {
        tokio().block_on(async {
            let mut observed = Vec::new();
            for s in scenarios {
                observed.push(run_tower(s).await);
            }
            observed
        })
    }
}

impl Target for Actix {
    const NAME: &'static str = "actix";
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed> {
        actix_web::rt::System::new().block_on(async {
            let mut observed = Vec::new();
            for s in scenarios {
                observed.push(run_actix(s).await);
            }
            observed
        })
    }
}

impl Target for AxumDemo {
    const NAME: &'static str = "axum demo";
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed> {
        tokio().block_on(async {
            let mut observed = Vec::new();
            for s in scenarios {
                let addr = serve_axum_demo_with(s.site.policy(), memory_records(), raw()).await;
                observed.push(run_demo(addr, s).await);
            }
            observed
        })
    }
}

impl Target for ActixDemo {
    const NAME: &'static str = "actix demo";
    fn run_all(scenarios: &[Scenario]) -> Vec<Observed> {
        // The actix demo runs on its own threads; ask it from tokio.
        tokio().block_on(async {
            let mut observed = Vec::new();
            for s in scenarios {
                let addr = serve_actix_demo_with(s.site.policy(), memory_records(), raw());
                observed.push(run_demo(addr, s).await);
            }
            observed
        })
    }
}

/// The demos' options: `/demo/raw` on, for [`Answer::Raw`].
fn raw() -> cookie_consent_tests::Options {
    cookie_consent_tests::Options {
        raw_set_cookie: true,
    }
}

fn run<T: Target>(scenarios: &[Scenario]) -> (&'static str, Vec<Observed>) {
    (T::NAME, T::run_all(scenarios))
}

#[test]
fn every_layer_agrees_on_every_scenario() {
    let scenarios = scenarios();
    let targets = [
        run::<Core>(&scenarios),
        run::<Tower>(&scenarios),
        run::<Actix>(&scenarios),
        run::<AxumDemo>(&scenarios),
        run::<ActixDemo>(&scenarios),
    ];
    let mut report = String::new();
    for (target, observed) in &targets {
        assert_eq!(
            observed.len(),
            scenarios.len(),
            "{target} ran every scenario"
        );
        for (s, got) in scenarios.iter().zip(observed) {
            let expected = s.expected();
            if !s.matches(got) {
                let _ = writeln!(
                    report,
                    "{target} disagrees on {:?}:\n  expected {expected:?}\n  got      {got:?}",
                    s.name
                );
            }
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// The pages both demo sites serve, asked over HTTP: the same answers on both.
#[test]
fn both_demo_sites_serve_the_same_pages() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio.block_on(async {
        let minopa = Site::Minopa.policy();
        let mihari = Site::Mihari.policy();
        let sites = [
            ("axum demo", serve_axum_demo(minopa.clone()).await, minopa),
            ("actix demo", serve_actix_demo(mihari.clone()), mihari),
        ];
        for (target, addr, policy) in sites {
            let script = "<script src=\"/analytics.js\"";
            let first = send(addr, "GET", "/", &[], "").await;
            assert_eq!(first.status, 200, "{target}");
            assert!(
                first.body.contains("id=\"cookie-banner\""),
                "{target}: banner on a first visit"
            );
            assert!(
                !first.body.contains(script),
                "{target}: no analytics script without consent"
            );
            assert!(
                first.body.contains("href=\"/?cookie-settings\""),
                "{target}: Cookie settings link"
            );

            let analytics = [("cookie", ANALYTICS_V1)];
            let granted = send(addr, "GET", "/", &analytics, "").await;
            assert!(
                granted.body.contains(script),
                "{target}: analytics script once granted"
            );
            assert!(
                !granted.body.contains("id=\"cookie-banner\""),
                "{target}: no banner once chosen"
            );
            let settings = send(addr, "GET", "/?cookie-settings", &analytics, "").await;
            assert!(
                settings.body.contains("id=\"cookie-banner\""),
                "{target}: settings reopen the banner"
            );
            assert!(
                settings.body.contains("value=\"analytics\" checked"),
                "{target}: the choices are pre-filled from the consent"
            );

            let page = send(addr, "GET", "/cookie-policy", &[], "").await;
            assert_eq!(page.status, 200, "{target}");
            assert!(
                page.body.contains(&policy.render_html()),
                "{target}: the page is the core's render"
            );

            let bad = send(
                addr,
                "POST",
                "/consent",
                &[("content-type", "application/x-www-form-urlencoded")],
                "action=maybe",
            )
            .await;
            assert_eq!(bad.status, 400, "{target}: an unknown action is refused");
            let form = ("content-type", "application/x-www-form-urlencoded");
            let forged = [
                form,
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ];
            let forged = send(addr, "POST", "/consent", &forged, "action=accept-all").await;
            assert_eq!(
                forged.status, 403,
                "{target}: another site's write is refused"
            );
            assert!(
                forged.set_cookies.is_empty(),
                "{target}: {:?}",
                forged.set_cookies
            );
            let origin = format!("http://{addr}");
            let own = [
                form,
                ("origin", origin.as_str()),
                ("sec-fetch-site", "same-origin"),
            ];
            let own = send(addr, "POST", "/consent", &own, "action=accept-all").await;
            assert_eq!(
                own.status, 303,
                "{target}: the site's own write is answered"
            );
            assert!(
                own.set_cookies[0].starts_with("cookie-preferences="),
                "{target}: {:?}",
                own.set_cookies
            );
            assert_eq!(
                send(addr, "GET", "/healthz", &[], "").await.body,
                "ok",
                "{target}"
            );
        }
    });
}

/// `/.well-known/gpc.json` (§7) on both demo sites, each with either seed
/// policy: served when a category honours GPC, with `lastUpdate` when the
/// policy states `updated`; 404 otherwise. And the home page's `<head>`
/// starts with the cookie guard, then the Consent Mode default when the
/// policy has `[consent_mode]`.
#[test]
fn both_demo_sites_serve_gpc_json_and_start_the_head_with_the_page_scripts() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio.block_on(async {
        let dated_gpc = format!(
            "updated = 2026-03-01\n{}",
            example_axum_minopa::EMBEDDED_POLICY
        );
        let dated_gpc = cookie_consent_core::Policy::from_toml_str(&dated_gpc).unwrap();
        let policies = [
            (Site::Minopa.policy(), Some(r#"{"gpc":true}"#), true),
            (Site::Mihari.policy(), None, false),
            (
                dated_gpc,
                Some(r#"{"gpc":true,"lastUpdate":"2026-03-01"}"#),
                true,
            ),
        ];
        for (policy, gpc_json, consent_mode) in policies {
            let sites = [
                ("axum demo", serve_axum_demo(policy.clone()).await),
                ("actix demo", serve_actix_demo(policy.clone())),
            ];
            for (target, addr) in sites {
                let target = format!("{target} with {}", policy.name());
                let reply = send(addr, "GET", "/.well-known/gpc.json", &[], "").await;
                match gpc_json {
                    Some(json) => {
                        assert_eq!(reply.status, 200, "{target}");
                        assert_eq!(reply.body, json, "{target}");
                    }
                    None => assert_eq!(reply.status, 404, "{target}"),
                }
                let page = send(addr, "GET", "/cookie-policy", &[], "").await;
                assert_eq!(
                    page.body
                        .contains("<p class=\"cookie-policy-updated\">Last updated: "),
                    policy.updated().is_some(),
                    "{target}: Last updated, when the policy states it"
                );
                let home = send(addr, "GET", "/", &[], "").await;
                let head = home.body.split("<head>\n").nth(1).unwrap_or_default();
                assert!(
                    head.starts_with("<script>(function(d,w){var n=\"cookie-preferences\""),
                    "{target}: the guard comes first: {head:.200}"
                );
                let after_guard = head.split("</script>\n").nth(1).unwrap_or_default();
                assert_eq!(
                    after_guard.starts_with("<script>window.dataLayer=window.dataLayer||[];"),
                    consent_mode,
                    "{target}: then the Consent Mode default: {after_guard:.200}"
                );
            }
        }
    });
}

/// Languages (§12) on both demo sites over HTTP: `Accept-Language` picks the
/// banner's and the policy page's language and `<html lang>`; Minopa's
/// `[locales.de]` translations appear; what they leave out falls back per key
/// (built-in German texts, the policy's own English purposes); an unknown
/// language gets the default; the pages vary on `Accept-Language`.
#[test]
fn both_demo_sites_speak_the_visitors_language() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio.block_on(async {
        // Minopa's policy with one German override, and one cookie field it leaves out.
        let text = example_axum_minopa::EMBEDDED_POLICY
            .replace("[locales.de.categories.essential]", "[locales.de]\nsave = \"Speichern\"\n\n[locales.de.categories.essential]")
            .replace("purpose = \"Unterscheidet Nutzer für 24 Stunden\"\n", "");
        let minopa = cookie_consent_core::Policy::from_toml_str(&text).unwrap();
        let sites = [
            ("axum demo", serve_axum_demo(minopa.clone()).await),
            ("actix demo", serve_actix_demo(minopa.clone())),
        ];
        let german = [("accept-language", "de-DE,de;q=0.9,en;q=0.8")];
        for (target, addr) in sites {
            let home = send(addr, "GET", "/", &german, "").await;
            for expected in [
                "<html lang=\"de\">",
                "<section class=\"cookie-banner\" id=\"cookie-banner\" lang=\"de\"",
                "<h2 id=\"cookie-banner-title\">Cookies auf Minopa</h2>",
                ">Alle akzeptieren</button>",
                ">Optionale ablehnen</button>",
                "<summary>Anpassen</summary>",
                // Minopa's own translation of a category title.
                "<label for=\"consent-essential\">Notwendige Cookies (immer aktiv)</label>",
                "Mit Ihrer Einwilligung würden wir außerdem verwenden: Funktionale Cookies, Analyse-Cookies, Marketing-Cookies.",
                // Customize lists each category's cookies, translated where Minopa translates them.
                "<li><code>_ga</code> — Google Analytics; Unterscheidet Nutzer anhand einer zufällig erzeugten Nummer; 2 Jahre</li>",
                // …and in English where it does not: per key.
                "<li><code>_gid</code> — Google Analytics; Distinguishes unique users for a 24-hour period; 24 Stunden</li>",
                // The policy's override of one text; the other texts built in.
                ">Speichern</button>",
                ">Cookie-Einstellungen</a>",
            ] {
                assert!(home.body.contains(expected), "{target}: missing {expected}\n{}", home.body);
            }
            assert!(
                home.vary.iter().any(|v| v.contains("Accept-Language")),
                "{target}: {:?}",
                home.vary
            );

            let page = send(addr, "GET", "/cookie-policy", &german, "").await;
            for expected in [
                "<html lang=\"de\">",
                "<h1>Cookie-Richtlinie — Minopa</h1>",
                "<h2>Analyse-Cookies</h2>",
                "<th scope=\"col\">Anbieter</th>",
                "<dt>Rechtsgrundlage</dt>",
            ] {
                assert!(page.body.contains(expected), "{target}: missing {expected}\n{}", page.body);
            }

            for other in ["ja", "it-IT, pt;q=0.5", ""] {
                let home = send(addr, "GET", "/", &[("accept-language", other)], "").await;
                assert!(home.body.contains("<html lang=\"en\">"), "{target}, {other:?}");
                assert!(home.body.contains(">Accept all</button>"), "{target}, {other:?}");
            }
            let french = send(addr, "GET", "/", &[("accept-language", "fr-CA")], "").await;
            assert!(french.body.contains(">Tout accepter</button>"), "{target}");
            // No French translation of Minopa's titles: its own English ones.
            assert!(french.body.contains("Essential Cookies (toujours actifs)"), "{target}");
        }
    });
}
