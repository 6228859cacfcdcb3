//! The first step of a review: each `Set-Cookie` decided.

use super::Stripped;
use crate::clock::Now;
use crate::consent::Consent;
use crate::decision::Verdict;
use crate::event::{Event, Observer};
use crate::policy::Policy;

/// How one review judges: what an inner layer judged already (per value),
/// who hears the events, and whether decisions are enforced.
#[derive(Clone, Copy)]
pub(super) struct Judged<'r> {
    pub(super) inside: Option<&'r [bool]>,
    pub(super) observer: Observer<'r>,
    pub(super) enforced: bool,
    pub(super) now: &'r Now,
}

impl Policy {
    /// Decides each `Set-Cookie` value no inner layer judged, reporting each;
    /// what enforcement strips. Notes in `depends_on_consent` whether a
    /// decision consulted the consent.
    pub(super) fn judge<S>(
        &self,
        consent: &Consent,
        set_cookies: S,
        judged: Judged<'_>,
        depends_on_consent: &mut bool,
    ) -> Stripped
    where
        S: IntoIterator<Item: AsRef<[u8]>>,
    {
        // What enforcement strips; report-only reports it and strips nothing.
        let mut strips = Stripped::default();
        let Judged {
            inside,
            observer,
            enforced,
            now,
        } = judged;
        for (index, value) in set_cookies.into_iter().enumerate() {
            if inside.is_some_and(|inside| inside[index]) {
                continue;
            }
            let decision = self.decide_value(consent, value.as_ref(), now, !*depends_on_consent);
            *depends_on_consent |= decision.consulted_consent;
            if decision.undeclared {
                Event::Undeclared {
                    name: decision.name,
                }
                .emit(observer);
            }
            match decision.verdict {
                // Kept values are not logged: only an observer hears of them.
                Verdict::Keep if observer.is_some() => {
                    Event::Kept {
                        name: decision.name,
                        category: decision.category,
                    }
                    .emit(observer);
                }
                Verdict::Keep => {}
                Verdict::Strip {
                    name,
                    category,
                    reason,
                } => {
                    Event::Stripped {
                        name,
                        category,
                        reason,
                        enforced,
                    }
                    .emit(observer);
                    strips.insert(index);
                }
            }
        }
        strips
    }
}
