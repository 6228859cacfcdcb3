//! `decisions VALUE N`: decides one `Set-Cookie` of the workload N times with
//! `Policy::decide` on Minopa's policy and the workload's consent: VALUE is
//! `kept` (`next-auth.csrf-token`, essential) or `stripped` (`theme`, not
//! granted). `benches/callgrind.sh` counts two values of N and subtracts.

use std::hint::black_box;
use std::process::ExitCode;

use cookie_consent_benches::{minopa, request_count, COOKIE_HEADER, SET_COOKIES};
use cookie_consent_core::{Signals, Verdict};

fn run(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let (value, keep) = match args.next().as_deref() {
        Some("kept") => (SET_COOKIES[0], true),
        Some("stripped") => (SET_COOKIES[1], false),
        other => return Err(format!("unknown value {other:?}")),
    };
    let policy = minopa();
    let consent = policy.read_consent([COOKIE_HEADER], Signals::default());
    for _ in 0..request_count(args.next())? {
        let verdict = policy.decide(&consent, black_box(value));
        if matches!(verdict, Verdict::Keep) != keep {
            return Err(format!("{value}: {verdict:?}"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("decisions: {message}");
            ExitCode::FAILURE
        }
    }
}
