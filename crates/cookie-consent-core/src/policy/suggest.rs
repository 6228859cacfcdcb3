//! "Did you mean": the word a misspelt key, value or id was meant as.

/// The candidate `word` was most likely meant as: the same but for case,
/// `-` or `_`, or at most two edits (one for short words) away.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = |w: &str| w.to_ascii_lowercase().replace('-', "_");
    let word_folded = folded(word);
    candidates
        .map(|c| {
            let distance = if folded(c) == word_folded {
                0
            } else {
                strsim::damerau_levenshtein(&word_folded, &folded(c))
            };
            (distance, c)
        })
        .filter(|&(d, c)| d <= if c.len() <= 4 { 1 } else { 2 })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` after a message, when a candidate is near.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    nearest(word, candidates)
        .map(|meant| format!("; did you mean `{meant}`?"))
        .unwrap_or_default()
}
