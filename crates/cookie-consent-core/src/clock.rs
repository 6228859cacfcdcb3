//! The time of a request: read from the system clock at most once, and only
//! when a decision needs it.

/// The time of a request, in Unix seconds: read from the clock once, and
/// only if a decision needs it (a dated consent, an `Expires` attribute).
pub(crate) struct Now(std::cell::Cell<Option<i64>>);

impl Now {
    /// The clock, when first asked.
    pub(crate) fn lazy() -> Now {
        Now(std::cell::Cell::new(None))
    }

    /// A given time, for tests and replays.
    pub(crate) fn at(seconds: i64) -> Now {
        Now(std::cell::Cell::new(Some(seconds)))
    }

    pub(crate) fn get(&self) -> i64 {
        match self.0.get() {
            Some(seconds) => seconds,
            None => {
                let seconds = unix_now();
                self.0.set(Some(seconds));
                seconds
            }
        }
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
