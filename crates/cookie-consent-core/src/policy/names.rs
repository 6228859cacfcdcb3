//! Finding the rule for a cookie name: the exact name first, then the longest
//! prefix. Runs for every `Set-Cookie` and every request cookie.
//!
//! Exact names are grouped by their first byte, so a lookup compares a name
//! with the few declared names that start alike, and no hash is computed. The
//! keys are the policy's own: a request cannot grow a group.

/// The compiled names of a policy's rules.
#[derive(Clone, Debug)]
pub(crate) struct NameIndex {
    /// Exact names and their rule indices, ordered by first byte.
    exact: Vec<(Box<str>, usize)>,
    /// `exact[starts[b]..starts[b + 1]]` are the names starting with byte `b`.
    starts: Vec<usize>,
    /// Prefixes and their rule indices, longest first.
    prefixes: Vec<(Box<str>, usize)>,
}

impl NameIndex {
    /// Indexes exact names (unique, non-empty) and prefixes (unique).
    pub(crate) fn new(
        mut exact: Vec<(Box<str>, usize)>,
        mut prefixes: Vec<(Box<str>, usize)>,
    ) -> NameIndex {
        exact.sort_by(|(a, _), (b, _)| a.as_bytes().cmp(b.as_bytes()));
        let starts = (0..=256)
            .map(|byte| exact.partition_point(|(name, _)| usize::from(name.as_bytes()[0]) < byte))
            .collect();
        // Longest prefix first, so the first match is the most specific.
        prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        NameIndex {
            exact,
            starts,
            prefixes,
        }
    }

    /// The declared exact names starting with `byte`.
    fn group(&self, byte: u8) -> &[(Box<str>, usize)] {
        let byte = usize::from(byte);
        &self.exact[self.starts[byte]..self.starts[byte + 1]]
    }

    /// The rule for a cookie name.
    #[inline]
    pub(crate) fn lookup(&self, name: &[u8]) -> Option<usize> {
        let exact = name.first().and_then(|&first| {
            self.group(first)
                .iter()
                .find(|(declared, _)| declared.as_bytes() == name)
        });
        match exact {
            Some(&(_, rule)) => Some(rule),
            None => self
                .prefixes
                .iter()
                .find(|(prefix, _)| name.starts_with(prefix.as_bytes()))
                .map(|&(_, rule)| rule),
        }
    }

    /// The declared exact name `pair` starts with, directly followed by `=`,
    /// and its rule: the common `name=value…` read without finding where the
    /// name ends. `None` says nothing: read the name the general way.
    #[inline]
    pub(crate) fn exact_at_start<'p>(&'p self, pair: &[u8]) -> Option<(&'p str, usize)> {
        let first = *pair.first()?;
        self.group(first).iter().find_map(|(declared, rule)| {
            let len = declared.len();
            (pair.get(len) == Some(&b'=') && pair[..len] == *declared.as_bytes())
                .then_some((&**declared, *rule))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::NameIndex;

    fn index() -> NameIndex {
        let exact = ["_ga", "_gid", "theme", "_clck", "a", "\u{e9}t\u{e9}"];
        let prefixes = ["_ga_", "_g", "sentry-"];
        NameIndex::new(
            exact
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).into(), i))
                .collect(),
            prefixes
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).into(), 10 + i))
                .collect(),
        )
    }

    #[test]
    fn exact_names_win_then_the_longest_prefix() {
        let index = index();
        assert_eq!(index.lookup(b"_ga"), Some(0));
        assert_eq!(index.lookup(b"_gid"), Some(1));
        assert_eq!(index.lookup(b"a"), Some(4));
        assert_eq!(index.lookup("\u{e9}t\u{e9}".as_bytes()), Some(5));
        assert_eq!(index.lookup(b"_ga_XYZ"), Some(10));
        assert_eq!(index.lookup(b"_gax"), Some(11));
        assert_eq!(index.lookup(b"sentry-"), Some(12));
        assert_eq!(index.lookup(b"_ga "), Some(11));
        assert_eq!(index.lookup(b"them"), None);
        assert_eq!(index.lookup(b"themes"), None);
        assert_eq!(index.lookup(b""), None);
    }

    #[test]
    fn exact_at_start_needs_the_equals_sign_right_after_the_name() {
        let index = index();
        assert_eq!(index.exact_at_start(b"_ga=1; Path=/"), Some(("_ga", 0)));
        assert_eq!(index.exact_at_start(b"_gid="), Some(("_gid", 1)));
        assert_eq!(index.exact_at_start(b"a=b"), Some(("a", 4)));
        assert_eq!(index.exact_at_start(b"_ga =1"), None);
        assert_eq!(index.exact_at_start(b" _ga=1"), None);
        assert_eq!(index.exact_at_start(b"_gax=1"), None);
        assert_eq!(index.exact_at_start(b"_ga"), None);
        assert_eq!(
            index.exact_at_start(b"_ga_1=1"),
            None,
            "prefixes are not its business"
        );
        assert_eq!(index.exact_at_start(b""), None);
    }
}
