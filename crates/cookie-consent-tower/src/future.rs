//! The response future of [`ConsentService`](crate::ConsentService).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use cookie_consent_core::adapter::{NestingMark, ResponseHeaders, Review, Reviewer};
use cookie_consent_core::Consent;
use http::header::{Entry, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Response};
use pin_project_lite::pin_project;

/// What the response is judged with, kept from the request.
pub(crate) struct Pending {
    pub(crate) reviewer: Reviewer,
    pub(crate) consent: Consent,
    /// Whether an outer layer waits for the [`NestingMark`] mark.
    pub(crate) nested: bool,
    pub(crate) first_cookie: Option<HeaderValue>,
    pub(crate) more_cookies: Vec<HeaderValue>,
}

pin_project! {
    /// Resolves to the inner service's response with its cookie headers judged.
    pub struct ResponseFuture<F> {
        #[pin]
        future: F,
        pending: Option<Pending>,
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The inner future is the service's own, often without `Debug`.
        f.debug_struct("ResponseFuture")
            .field("judged", &self.pending.is_none())
            .finish_non_exhaustive()
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(future: F, pending: Pending) -> Self {
        ResponseFuture {
            future,
            pending: Some(pending),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.future.poll(cx))?;
        if let Some(pending) = this.pending.take() {
            // An inner ConsentLayer's mark: only what was appended since is judged here.
            let inner_mark = response.extensions_mut().remove::<NestingMark>();
            let mark = apply(&pending, inner_mark.as_ref(), response.headers_mut());
            // Only an outer layer reads the mark (unnested, none is made).
            if let Some(mark) = mark {
                response.extensions_mut().insert(mark);
            }
        }
        Poll::Ready(Ok(response))
    }
}

/// Edits the headers as the core's review says, and gives the mark to leave
/// for an outer layer; decides nothing itself.
fn apply(
    pending: &Pending,
    mark: Option<&NestingMark>,
    headers: &mut HeaderMap,
) -> Option<NestingMark> {
    let request_cookies = pending.first_cookie.iter().chain(&pending.more_cookies);
    let (outcome, mark) = pending.reviewer.review_response_nested(
        &pending.consent,
        ResponseHeaders {
            request_cookies,
            set_cookies: &headers.get_all(SET_COOKIE),
            // Looked up only if the review needs it.
            vary: std::iter::once(&*headers).flat_map(|headers| headers.get_all(VARY)),
            mark,
        },
        pending.nested,
    );
    if outcome.strips_any() {
        remove_stripped(headers, &outcome);
    }
    for purge in outcome.purges() {
        // Purge values are built from validated names and attributes.
        if let Ok(value) = HeaderValue::from_str(purge) {
            headers.append(SET_COOKIE, value);
        }
    }
    if let Some(vary) = outcome.vary() {
        headers.append(VARY, HeaderValue::from_static(vary));
    }
    mark
}

/// How many kept `Set-Cookie` values [`remove_stripped`] holds on the stack.
const KEPT_ON_STACK: usize = 8;

/// Removes the stripped `Set-Cookie` values. `HeaderMap` cannot remove one
/// value of several, so the kept ones are cloned (clones share their bytes),
/// and the entry is set to them in order; up to 8 wait on the stack, since
/// draining through `http`'s entry API would allocate.
fn remove_stripped(headers: &mut HeaderMap, outcome: &Review) {
    let Entry::Occupied(mut entry) = headers.entry(SET_COOKIE) else {
        return;
    };
    let mut on_stack: [Option<HeaderValue>; KEPT_ON_STACK] = Default::default();
    let mut spilled = Vec::new();
    let kept = entry
        .iter()
        .enumerate()
        .filter(|(index, _)| outcome.keeps(*index));
    for (slot, (_, value)) in kept.enumerate() {
        match on_stack.get_mut(slot) {
            Some(slot) => *slot = Some(value.clone()),
            None => spilled.push(value.clone()),
        }
    }
    // Taken in place: moving the array would copy all of it.
    let mut kept = on_stack.iter_mut().map_while(Option::take).chain(spilled);
    match kept.next() {
        Some(first) => {
            entry.insert(first);
            kept.for_each(|value| entry.append(value));
        }
        None => {
            entry.remove();
        }
    }
}
