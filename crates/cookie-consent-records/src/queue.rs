//! The work a store's own thread takes: inserts, committed together when
//! several wait, and reads.

use cookie_consent_core::{ConsentRecord, RecordQuery, StoreError, StoreFuture};
use tokio::sync::{mpsc, oneshot};

/// The most records one transaction commits.
pub(crate) const BATCH_LIMIT: usize = 256;

/// An insert waiting for its commit, and where to say how it went.
pub(crate) type Insert = (ConsentRecord, oneshot::Sender<Result<(), String>>);

/// One piece of work, with where its answer goes.
pub(crate) enum Job {
    Insert(ConsentRecord, oneshot::Sender<Result<(), String>>),
    Select(
        RecordQuery,
        oneshot::Sender<Result<Vec<ConsentRecord>, String>>,
    ),
}

/// The sending side, held by the store; the thread ends when it is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Queue(mpsc::UnboundedSender<Job>);

impl Queue {
    pub(crate) fn new() -> (Queue, mpsc::UnboundedReceiver<Job>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Queue(sender), receiver)
    }

    pub(crate) fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()> {
        let (reply, answer) = oneshot::channel();
        let sent = self.0.send(Job::Insert(record, reply));
        Box::pin(async move {
            sent.map_err(|_| StoreError::new("the store's thread has stopped"))?;
            answered(answer.await)
        })
    }

    pub(crate) fn select(&self, query: &RecordQuery) -> StoreFuture<'_, Vec<ConsentRecord>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.0.send(Job::Select(query.clone(), reply));
        Box::pin(async move {
            sent.map_err(|_| StoreError::new("the store's thread has stopped"))?;
            answered(answer.await)
        })
    }
}

fn answered<T>(
    answer: Result<Result<T, String>, oneshot::error::RecvError>,
) -> Result<T, StoreError> {
    match answer {
        Ok(result) => result.map_err(StoreError::new),
        Err(_) => Err(StoreError::new(
            "the store's thread stopped before answering",
        )),
    }
}

/// The inserts waiting right now after `first`, up to [`BATCH_LIMIT`], and
/// the reads among them (answered after the batch commits, so they see it).
pub(crate) fn take_batch(
    first: Job,
    receiver: &mut mpsc::UnboundedReceiver<Job>,
) -> (Vec<Insert>, Vec<Job>) {
    let mut inserts = Vec::new();
    let mut reads = Vec::new();
    let mut next = Some(first);
    while let Some(job) = next.take() {
        match job {
            Job::Insert(record, reply) => inserts.push((record, reply)),
            select @ Job::Select(..) => reads.push(select),
        }
        if inserts.len() < BATCH_LIMIT {
            next = receiver.try_recv().ok();
        }
    }
    (inserts, reads)
}

/// Tells every waiting insert how its batch went.
pub(crate) fn answer_batch(inserts: Vec<Insert>, result: &Result<(), String>) {
    for (_, reply) in inserts {
        // A caller that stopped waiting (its connection closed) needs no answer.
        let _ = reply.send(result.clone());
    }
}
