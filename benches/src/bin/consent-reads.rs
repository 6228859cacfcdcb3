//! `consent-reads MODE N`: reads the workload's consent N times with
//! `Policy::read_consent`: `unsigned`; `signed` (the same consent signed: the
//! memo of verified values answers after the first read); `signed-miss`
//! (4,096 signed consents in turn, so nearly every read misses the 64-slot
//! memo and computes the HMAC). `benches/callgrind.sh` counts two values of N.

use std::hint::black_box;
use std::process::ExitCode;

use cookie_consent_benches::{minopa, minopa_signed, request_count, signed_cookie_header};
use cookie_consent_benches::{COOKIE_HEADER, SIGNING_KEY};
use cookie_consent_core::{ConsentState, Signals, SigningKeys};

fn run(mut args: impl Iterator<Item = String>) -> Result<(), String> {
    let mode = args.next().unwrap_or_default();
    let (policy, headers) = match mode.as_str() {
        "unsigned" => (minopa(), vec![COOKIE_HEADER.to_owned()]),
        "signed" => (minopa_signed(), vec![signed_cookie_header()]),
        "signed-miss" => {
            let keys = SigningKeys::new([SIGNING_KEY]).map_err(|e| e.to_string())?;
            let headers = (0..4096)
                .map(|n| {
                    let value = format!(
                        "%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%2C%22timestamp%22%3A{}%7D",
                        1_764_000_000 + n
                    );
                    format!("cookie-preferences={}; _ga=GA1.1.1", keys.sign("cookie-preferences", &value))
                })
                .collect();
            (minopa_signed(), headers)
        }
        other => return Err(format!("unknown mode {other:?}")),
    };
    for (i, header) in (0..request_count(args.next())?).zip(headers.iter().cycle()) {
        let consent = policy.read_consent([black_box(header.as_str())], Signals::default());
        if i == 0 && consent.state() != ConsentState::Valid {
            return Err(format!("{mode}: {:?}", consent.state()));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("consent-reads: {message}");
            ExitCode::FAILURE
        }
    }
}
