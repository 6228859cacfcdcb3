//! criterion benches of the core's per-request work, on Minopa's policy:
//! `cargo bench -p cookie-consent-benches --bench core`.

use std::hint::black_box;

use cookie_consent_benches::{minopa, minopa_reading, COOKIE_HEADER, SET_COOKIES, SOURCE_SAMPLES};
use cookie_consent_core::adapter::ResponseHeaders;
use cookie_consent_core::Signals;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn read_consent(c: &mut Criterion) {
    let policy = minopa();
    let mut group = c.benchmark_group("read_consent");
    for (case, header) in [
        ("valid", COOKIE_HEADER),
        // As the consent endpoint writes it since consent records: with a timestamp and an id.
        (
            "valid, as written with an id",
            "cookie-preferences=%7B%22categories%22%3A%7B%22functional%22%3Afalse%2C%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D%2C%22revision%22%3A1%2C%22timestamp%22%3A1796010373%2C%22id%22%3A%22d873a41d77aded21687f305bf74b2175%22%7D; _ga=GA1.1.1",
        ),
        (
            "valid, as written without an id",
            "cookie-preferences=%7B%22categories%22%3A%7B%22functional%22%3Afalse%2C%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D%2C%22revision%22%3A1%2C%22timestamp%22%3A1796010373%7D; _ga=GA1.1.1",
        ),
        (
            "invalid",
            "cookie-preferences=%7B%22categories%22%3A%5Bnot-json; _ga=GA1.1.1",
        ),
        ("absent", "_ga=GA1.1.1; next-auth.session-token=abc"),
    ] {
        group.bench_function(case, |b| {
            b.iter(|| policy.read_consent([black_box(header)], Signals::default()))
        });
    }
    group.finish();
}

/// Reading each consent source's typical real value (DESIGN §9).
fn read_source(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_source");
    for (format, grants, header) in SOURCE_SAMPLES {
        let policy = minopa_reading(format, grants);
        assert_eq!(
            policy.read_consent([header], Signals::default()).source(),
            Some(format),
            "the sample is read"
        );
        group.bench_function(format, |b| {
            b.iter(|| policy.read_consent([black_box(header)], Signals::default()))
        });
    }
    group.finish();
}

fn decide(c: &mut Criterion) {
    let policy = minopa();
    let consent = policy.read_consent([COOKIE_HEADER], Signals::default());
    let mut group = c.benchmark_group("decide");
    for (case, set_cookie) in [
        ("kept", "_ga=GA1.1.1; Path=/; Max-Age=63072000"),
        ("stripped", "theme=dark; Path=/; Max-Age=31536000"),
        ("removal", "theme=; Path=/; Max-Age=0"),
        ("prefix", "sentry-trace=abc; Path=/"),
    ] {
        group.bench_function(case, |b| {
            b.iter(|| policy.decide(&consent, black_box(set_cookie)).is_strip())
        });
    }
    group.finish();
}

fn review_response(c: &mut Criterion) {
    let policy = minopa();
    let consent = policy.read_consent([COOKIE_HEADER], Signals::default());
    let mut group = c.benchmark_group("review_response");
    for count in [0, 4, 16] {
        // The workload's four cookies, repeated.
        let set_cookies: Vec<&str> = SET_COOKIES.iter().copied().cycle().take(count).collect();
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &set_cookies,
            |b, set| {
                b.iter(|| {
                    policy.review_response(
                        &consent,
                        ResponseHeaders {
                            request_cookies: [COOKIE_HEADER],
                            set_cookies: black_box(set),
                            vary: [""; 0],
                            mark: None,
                        },
                        None,
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, read_consent, read_source, decide, review_response);
criterion_main!(benches);
