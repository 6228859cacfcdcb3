//! `Accept-Language` negotiation (RFC 9110 §12.5.4, as far as pages need):
//! the ranges by weight (`q`), each matched by tag, then by primary language.

/// The index in `tags` of the best match for `header`; `None` when no range matches.
pub(crate) fn best(header: &str, tags: &[&str]) -> Option<usize> {
    let mut ranges: Vec<(&str, u16)> = header
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let mut weight = 1000;
            for parameter in parts {
                if let Some(q) = parameter.trim().strip_prefix("q=") {
                    weight = q
                        .trim()
                        .parse::<f32>()
                        .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
                }
            }
            (!tag.is_empty() && tag != "*" && weight > 0).then_some((tag, weight))
        })
        .collect();
    // Stable: of equal weights, the one listed first wins.
    ranges.sort_by_key(|&(_, weight)| std::cmp::Reverse(weight));
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    for (tag, _) in ranges {
        if let Some(i) = tags.iter().position(|t| t.eq_ignore_ascii_case(tag)) {
            return Some(i);
        }
        if let Some(i) = tags.iter().position(|t| primary(t) == primary(tag)) {
            return Some(i);
        }
    }
    None
}
