//! The state table: what the consent cookies a request (or a response)
//! carries say, turned into a state and the categories granted.

use super::record::{self, Record};
use super::{Consent, ConsentState, Signals};
use crate::category::CategorySet;
use crate::clock::Now;
use crate::policy::{Mode, Policy};
use crate::source::reading::SourceRead;
use crate::source::CompiledSource;

/// A timestamp in Unix seconds. A banner script that writes `Date.now()`
/// writes milliseconds: from 10^12 (September 2001 in milliseconds, the year
/// 33658 in seconds) a number is read as milliseconds, so such a consent is
/// not dated 50,000 years ahead. Below that it is seconds, however far ahead:
/// a consent dated the year 5138 is in the future, so Invalid, not a
/// millisecond date of 1973.
fn unix_seconds(timestamp: i64) -> i64 {
    const MILLISECONDS_FROM: i64 = 1_000_000_000_000;
    if timestamp >= MILLISECONDS_FROM {
        timestamp / 1000
    } else {
        timestamp
    }
}

/// What one consent cookie, of any source, says: before the state table.
#[derive(Clone, Copy)]
struct Observed {
    granted: CategorySet,
    refused: CategorySet,
    /// The consent was given to an older revision, or the banner asks again.
    outdated: bool,
    timestamp: Option<i64>,
    /// Whether an undated consent counts as Expired when a maximum age is set
    /// (our own cookie: yes; a format that records no time: never).
    undated_expires: bool,
}

/// Consent as the request's consent cookies, or a response's, state it.
#[derive(Clone, Copy)]
pub(crate) struct Reading {
    state: ConsentState,
    /// Intersection of what each cookie records, with the mode's default for ids not mentioned.
    recorded: CategorySet,
}

impl Reading {
    pub(crate) const MISSING: Reading = Reading {
        state: ConsentState::Missing,
        recorded: CategorySet::EMPTY,
    };

    /// Adds one consent cookie value: grants intersect, the worst state wins.
    pub(crate) fn add(&mut self, policy: &Policy, raw: &[u8], now: &Now) {
        self.add_record(policy, record::parse(raw, &policy.inner.categories), now);
    }

    /// Adds what one consent cookie records (`None`: it is invalid).
    #[inline]
    pub(super) fn add_record(&mut self, policy: &Policy, record: Option<Record>, now: &Now) {
        let observed = record.map(|record| Observed {
            granted: record.granted,
            refused: record.refused,
            outdated: record.revision < policy.inner.settings.revision,
            timestamp: record.timestamp,
            undated_expires: true,
        });
        self.add_observed(policy, observed, now);
    }

    /// Adds what one cookie of a consent source says.
    pub(crate) fn add_source(
        &mut self,
        policy: &Policy,
        source: &CompiledSource,
        read: SourceRead,
        now: &Now,
    ) {
        let decision = match read {
            SourceRead::Missing => return,
            SourceRead::Invalid => return self.add_observed(policy, None, now),
            SourceRead::Decided(decision) => decision,
        };
        let granted = source
            .required
            .iter()
            .enumerate()
            .filter(|&(_, &required)| required != 0 && decision.granted & required == required)
            .fold(CategorySet::ESSENTIAL, |set, (i, _)| {
                set.with(CategorySet::single(i))
            });
        let observed = Observed {
            granted,
            refused: policy.inner.all.without(granted),
            outdated: decision.outdated,
            timestamp: decision.timestamp,
            // A format that records no time is never Expired (§9).
            undated_expires: false,
        };
        self.add_observed(policy, Some(observed), now);
    }

    /// Adds one observation (`None`: an unreadable cookie): grants intersect,
    /// the worst state wins.
    fn add_observed(&mut self, policy: &Policy, observed: Option<Observed>, now: &Now) {
        let inner = &policy.inner;
        let (state, recorded) = match observed {
            None => (ConsentState::Invalid, CategorySet::EMPTY),
            Some(observed) => {
                let recorded = match inner.settings.mode {
                    Mode::OptIn => observed.granted,
                    Mode::OptOut => inner.all.without(observed.refused),
                };
                let max_age = inner
                    .settings
                    .consent_max_age_days
                    .map(|d| i64::from(d) * 86_400);
                let state = match observed.timestamp.map(unix_seconds) {
                    Some(t) if t > now.get().saturating_add(86_400) => ConsentState::Invalid,
                    _ if observed.outdated => ConsentState::Outdated,
                    Some(t) if max_age.is_some_and(|age| now.get().saturating_sub(t) > age) => {
                        ConsentState::Expired
                    }
                    None if max_age.is_some() && observed.undated_expires => ConsentState::Expired,
                    _ => ConsentState::Valid,
                };
                (state, recorded)
            }
        };
        if self.state == ConsentState::Missing {
            *self = Reading { state, recorded };
        } else {
            self.recorded = self.recorded.and(recorded);
            if state.severity() > self.state.severity() {
                self.state = state;
            }
        }
    }

    /// Whether no cookie of the source said anything.
    pub(crate) fn is_missing(&self) -> bool {
        self.state == ConsentState::Missing
    }

    /// Applies the state table of §3 and the signals.
    pub(crate) fn into_consent(self, policy: &Policy, signals: Signals) -> Consent {
        let inner = &policy.inner;
        let essential = CategorySet::ESSENTIAL;
        let (recorded, capped) = match (inner.settings.mode, self.state) {
            (_, ConsentState::Valid) => (self.recorded, false),
            (Mode::OptOut, ConsentState::Missing) => (inner.all, false),
            (Mode::OptOut, ConsentState::Outdated | ConsentState::Expired) => {
                (self.recorded, false)
            }
            (Mode::OptIn, _) | (Mode::OptOut, ConsentState::Invalid) => (essential, true),
        };
        let recorded = recorded.with(essential);
        let signalled = signals.gpc || (signals.dnt && inner.settings.honor_dnt);
        let denied = if signalled {
            inner.gpc
        } else {
            CategorySet::EMPTY
        };
        // DNT only counts when honoured; remember it only then, so reasons stay exact.
        let signals = Signals {
            gpc: signals.gpc,
            dnt: signals.dnt && inner.settings.honor_dnt,
        };
        Consent {
            policy: policy.clone(),
            state: self.state,
            recorded,
            granted: recorded.without(denied),
            signals,
            capped,
            present: CategorySet::EMPTY,
            source: None,
            read: None,
        }
    }
}
