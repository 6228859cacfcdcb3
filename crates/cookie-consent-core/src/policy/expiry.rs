//! The grammar of a cookie's `expiry` (DESIGN §19): `Session`, or a number
//! and an English unit, so that every policy states retention the same way
//! and the lints can read it. Translations belong under `[locales]`.

/// The units, singular; a plural adds `s`. Days each, for the lints.
const UNITS: [(&str, f64); 6] = [
    ("minute", 1.0 / 1440.0),
    ("hour", 1.0 / 24.0),
    ("day", 1.0),
    ("week", 7.0),
    ("month", 30.5),
    ("year", 365.0),
];

/// What an `expiry` text says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Expiry {
    /// Not stated (an empty text).
    Unstated,
    /// Until the browser session ends.
    Session,
    /// This many days.
    Days(f64),
}

/// Reads an `expiry`; the error says what is wrong and, where one is near,
/// the valid form to write instead.
pub(crate) fn parse(text: &str) -> Result<Expiry, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Expiry::Unstated);
    }
    if trimmed.eq_ignore_ascii_case("session") {
        return Ok(Expiry::Session);
    }
    let expected = "write `Session`, or a number and a unit (minutes, hours, days, weeks, \
                    months, years), e.g. `13 months`; translations go under [locales]";
    let (number, unit) = split(trimmed);
    let Some(number) = number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
    else {
        return Err(format!("`{text}` is not a retention: {expected}"));
    };
    let unit_lower = unit.to_ascii_lowercase();
    let singular = unit_lower.strip_suffix('s').unwrap_or(&unit_lower);
    if let Some(&(_, days)) = UNITS.iter().find(|(name, _)| *name == singular) {
        return Ok(Expiry::Days(number * days));
    }
    match nearest(text) {
        Some(form) => Err(format!("`{text}` is not a retention: write `{form}`")),
        None => Err(format!("`{text}` is not a retention: {expected}")),
    }
}

/// The valid form nearest to an `expiry` that does not read, when one is
/// near (`2 yeras` → `2 years`, `1y` → `1 year`).
pub(crate) fn nearest(text: &str) -> Option<String> {
    let (number, unit) = split(text.trim());
    let number = number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)?;
    let name = nearest_unit(&unit.to_ascii_lowercase())?;
    let plural = if number == 1.0 { "" } else { "s" };
    Some(format!("{} {name}{plural}", number_text(number)))
}

/// The number and the unit: `2 years`, `2years`, `1y`.
fn split(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    (&text[..end], text[end..].trim())
}

fn number_text(number: f64) -> String {
    if number.fract() == 0.0 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// The unit meant by an abbreviation or a misspelling, when one is near.
fn nearest_unit(unit: &str) -> Option<&'static str> {
    let abbreviation = match unit {
        "min" | "mins" => Some("minute"),
        "h" | "hr" | "hrs" => Some("hour"),
        "d" => Some("day"),
        "w" | "wk" | "wks" => Some("week"),
        "mo" | "mon" | "mos" | "mth" | "mths" => Some("month"),
        "y" | "yr" | "yrs" => Some("year"),
        _ => None,
    };
    abbreviation.or_else(|| {
        UNITS
            .iter()
            .flat_map(|(name, _)| [(*name, name.to_string()), (*name, format!("{name}s"))])
            .map(|(name, form)| (strsim::damerau_levenshtein(unit, &form), name))
            .filter(|&(d, _)| d <= 2 && unit.len() >= 3)
            .min_by_key(|&(d, _)| d)
            .map(|(_, name)| name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_reads_session_and_a_number_with_a_unit() {
        assert_eq!(parse(""), Ok(Expiry::Unstated));
        assert_eq!(parse("Session"), Ok(Expiry::Session));
        assert_eq!(parse("session"), Ok(Expiry::Session));
        assert_eq!(parse("2 years"), Ok(Expiry::Days(730.0)));
        assert_eq!(parse("1 year"), Ok(Expiry::Days(365.0)));
        assert_eq!(parse("13 Months"), Ok(Expiry::Days(396.5)));
        assert_eq!(parse("24 hours"), Ok(Expiry::Days(1.0)));
        assert_eq!(parse("30 minutes"), Ok(Expiry::Days(30.0 * (1.0 / 1440.0))));
    }

    #[test]
    fn anything_else_is_an_error_with_the_nearest_valid_form() {
        let suggests = |text: &str, fix: &str| {
            let error = parse(text).unwrap_err();
            assert!(
                error.ends_with(&format!("write `{fix}`")),
                "{text}: {error}"
            );
            // The suggestion itself is valid.
            assert!(matches!(parse(fix), Ok(Expiry::Days(_))), "{fix}");
        };
        suggests("2 yeras", "2 years");
        suggests("1y", "1 year");
        suggests("6 mo", "6 months");
        suggests("3 dyas", "3 days");
        suggests("1 yaer", "1 year");
        for text in [
            "forever-ish",
            "-5 days",
            "2 Jahre",
            "0 days",
            "Persistent",
            "Up to 2 years",
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains("is not a retention"), "{text}: {error}");
        }
    }
}
