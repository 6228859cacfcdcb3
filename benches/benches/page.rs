//! The page rewriter (DESIGN §20) against lol_html alone, side by side in
//! one run: the same 100 KB page, the same selectors, handlers that do
//! nothing. `cargo bench -p cookie-consent-benches --bench page`; the goal is
//! at least 0.75× lol_html's throughput.

use std::hint::black_box;

use cookie_consent_core::page::{PageOptions, PageRewriter};
use cookie_consent_core::{Policy, Signals};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lol_html::html_content::Element;
use lol_html::{element, HtmlRewriter, Settings};

use cookie_consent_testing::policies::TAGS as POLICY;

/// About 100 KB shaped like a shop's product listing: a head of metas,
/// styles, preloads and tags, then cards with images and links, a few
/// trackers and a frame.
fn page() -> String {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop</title>\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <link rel=\"stylesheet\" href=\"/css/site.css\"><link rel=\"preload\" as=\"script\" href=\"/js/app.js\">\
         <script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>\
         <script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>\
         <script src=\"/js/app.js\" defer></script></head><body><header><nav><a href=\"/\">Home</a></nav></header><main>",
    );
    let mut n = 0;
    while page.len() < 100 * 1024 {
        page.push_str(&format!(
            "<article class=\"card\"><a href=\"/p/{n}\"><img src=\"/img/{n}.webp\" srcset=\"/img/{n}@2x.webp 2x\" alt=\"Product {n}\" loading=\"lazy\"></a>\
             <h2>Product {n}</h2><p class=\"price\">{n}.99 €</p><p>A sentence about the product, long enough to be a description.</p>\
             <button type=\"button\" data-id=\"{n}\">Add to cart</button></article>"
        ));
        if n % 40 == 0 {
            page.push_str("<img src=\"https://ad.doubleclick.net/pixel?x=1\" alt=\"\">");
        }
        n += 1;
    }
    page.push_str("<iframe src=\"https://www.youtube.com/embed/abc\" title=\"Video\"></iframe></main></body></html>");
    page
}

fn rewrite(c: &mut Criterion) {
    let policy = Policy::from_toml_str(POLICY).unwrap();
    let consent = policy.read_consent([""], Signals::default());
    let page = page();
    let chunks: Vec<&[u8]> = page.as_bytes().chunks(16 * 1024).collect();
    let mut group = c.benchmark_group("page_100kb");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("lol_html alone, same selectors", |b| {
        b.iter(|| {
            let mut out = 0usize;
            let mut rewriter = HtmlRewriter::new(
                Settings::new()
                    .append_element_content_handler(element!(
                        "head > *",
                        |_el: &mut Element| Ok(())
                    ))
                    .append_element_content_handler(element!("head", |_el: &mut Element| Ok(())))
                    .append_element_content_handler(element!(
                        "script, iframe, img, link",
                        |_el: &mut Element| Ok(())
                    )),
                |bytes: &[u8]| out += bytes.len(),
            );
            for chunk in &chunks {
                rewriter.write(black_box(chunk)).unwrap();
            }
            rewriter.end().unwrap();
            out
        })
    });
    let options = PageOptions::default();
    group.bench_function("PageRewriter", |b| {
        b.iter(|| {
            let mut rewriter = PageRewriter::new(&policy, &consent, &options).unwrap();
            let mut out = 0usize;
            for chunk in &chunks {
                out += rewriter.write(black_box(chunk)).len();
            }
            out + rewriter.end().len()
        })
    });
    group.finish();
}

criterion_group!(benches, rewrite);
criterion_main!(benches);
