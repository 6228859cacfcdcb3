//! Categories and sets of them.

/// One category of the policy, as declared in `[[categories]]`.
///
/// Categories are listed in display order; `essential` is always the first.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Category {
    /// Identifier used in the consent cookie and in `[[cookies]] category = …`.
    pub id: String,
    /// Heading shown on the policy page and in the banner.
    pub title: String,
    /// What the category is for.
    pub description: String,
    /// How long its cookies are kept, as display text.
    pub retention: String,
    /// The legal basis for setting them (e.g. "Consent").
    pub legal_basis: String,
    /// Whether `Sec-GPC: 1` (and `DNT: 1` when the policy honours it) denies this category.
    pub honor_gpc: bool,
}

impl Category {
    /// A category with the given id; the title defaults to the id.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        Category {
            title: id.clone(),
            id,
            description: String::new(),
            retention: String::new(),
            legal_basis: String::new(),
            honor_gpc: false,
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the retention text.
    #[must_use]
    pub fn retention(mut self, retention: impl Into<String>) -> Self {
        self.retention = retention.into();
        self
    }

    /// Sets the legal basis text.
    #[must_use]
    pub fn legal_basis(mut self, legal_basis: impl Into<String>) -> Self {
        self.legal_basis = legal_basis.into();
        self
    }

    /// Makes `Sec-GPC: 1` deny this category.
    #[must_use]
    pub fn honor_gpc(mut self, honor_gpc: bool) -> Self {
        self.honor_gpc = honor_gpc;
        self
    }
}

/// A set of the categories of one policy.
///
/// Bit `i` stands for the policy's `i`-th category, so a set is one machine
/// word and set operations cost nothing; this is why a policy may have at
/// most 63 categories besides `essential`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CategorySet(u64);

impl CategorySet {
    /// No category.
    pub const EMPTY: CategorySet = CategorySet(0);
    /// Only `essential`, which is always the policy's first category.
    pub const ESSENTIAL: CategorySet = CategorySet(1);

    /// The first `count` categories of a policy.
    pub(crate) fn first(count: usize) -> Self {
        debug_assert!(count <= 64);
        if count >= 64 {
            CategorySet(u64::MAX)
        } else {
            CategorySet((1u64 << count) - 1)
        }
    }

    /// The set holding only the category at `index`.
    pub(crate) fn single(index: usize) -> Self {
        CategorySet(1u64 << index)
    }

    /// Whether the category at `index` (in policy order) is in the set.
    pub fn contains(self, index: usize) -> bool {
        index < 64 && self.0 & (1u64 << index) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The indices in the set, in policy order.
    pub fn indices(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&i| self.contains(i))
    }

    pub(crate) fn with(self, other: CategorySet) -> Self {
        CategorySet(self.0 | other.0)
    }

    pub(crate) fn and(self, other: CategorySet) -> Self {
        CategorySet(self.0 & other.0)
    }

    pub(crate) fn without(self, other: CategorySet) -> Self {
        CategorySet(self.0 & !other.0)
    }
}

impl std::fmt::Debug for CategorySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.indices()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_work_on_indices() {
        let a = CategorySet::single(1).with(CategorySet::single(3));
        assert!(a.contains(1) && a.contains(3) && !a.contains(0) && !a.contains(64));
        assert_eq!(a.indices().collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(a.and(CategorySet::single(3)), CategorySet::single(3));
        assert_eq!(a.without(CategorySet::single(3)), CategorySet::single(1));
        assert_eq!(CategorySet::first(3).indices().count(), 3);
        assert_eq!(CategorySet::first(64).indices().count(), 64);
        assert!(CategorySet::EMPTY.is_empty());
    }
}
