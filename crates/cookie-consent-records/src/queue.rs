//! The work a store's own thread takes: inserts, committed together when
//! several wait, and reads. The queue is bounded and every call has a
//! deadline, so a database that hangs turns into errors (503s at the consent
//! endpoint) within the deadline, never into a pile of waiting requests.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{mpsc as std_mpsc, Arc};
use std::task::Poll;
use std::time::{Duration, Instant};

use cookie_consent_core::{ConsentRecord, RecordQuery, StoreError, StoreFuture};
use tokio::sync::{mpsc, oneshot};

/// The most records one transaction commits.
pub(crate) const BATCH_LIMIT: usize = 256;

/// How long a store call waits for its answer by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// How many calls may wait for a store's thread by default; more fail at once.
pub const DEFAULT_QUEUE_LIMIT: usize = 1024;

/// Where an answer goes.
type Reply<T> = oneshot::Sender<Result<T, String>>;

/// An insert waiting for its commit, and where to say how it went.
pub(crate) type Insert = (ConsentRecord, Reply<()>);

/// A read waiting for its rows.
pub(crate) type Select = (RecordQuery, Reply<Vec<ConsentRecord>>);

/// One call: its work, when its caller stops waiting, and its place in the queue.
pub(crate) struct Job {
    work: Work,
    deadline: Instant,
    _place: Place,
}

enum Work {
    Insert(Insert),
    Select(Select),
}

/// A call's place among those waiting: given back when the job is dropped.
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// The sending side, held by the store; the thread ends when it is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Queue {
    sender: mpsc::UnboundedSender<Job>,
    waiting: Arc<AtomicUsize>,
    limit: usize,
    deadline: Duration,
    alarms: Alarms,
}

impl Queue {
    pub(crate) fn new() -> (Queue, mpsc::UnboundedReceiver<Job>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queue = Queue {
            sender,
            waiting: Arc::default(),
            limit: DEFAULT_QUEUE_LIMIT,
            deadline: DEFAULT_DEADLINE,
            alarms: Alarms::start(),
        };
        (queue, receiver)
    }

    pub(crate) fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    pub(crate) fn insert(&self, record: ConsentRecord) -> StoreFuture<'_, ()> {
        let (reply, answer) = oneshot::channel();
        self.call(|| Work::Insert((record, reply)), answer)
    }

    pub(crate) fn select(&self, query: &RecordQuery) -> StoreFuture<'_, Vec<ConsentRecord>> {
        let (reply, answer) = oneshot::channel();
        self.call(|| Work::Select((query.clone(), reply)), answer)
    }

    /// Queues the work unless the queue is full, and waits for its answer
    /// until the deadline.
    fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Work,
        mut answer: oneshot::Receiver<Result<T, String>>,
    ) -> StoreFuture<'_, T> {
        let deadline = Instant::now() + self.deadline;
        let queued = if self.waiting.fetch_add(1, Relaxed) >= self.limit {
            self.waiting.fetch_sub(1, Relaxed);
            Err(format!("{} calls already wait for the store", self.limit))
        } else {
            let job = Job {
                work: work(),
                deadline,
                _place: Place(self.waiting.clone()),
            };
            self.sender
                .send(job)
                .map_err(|_| "the store's thread has stopped".to_owned())
        };
        let mut alarm = queued.is_ok().then(|| self.alarms.set(deadline));
        let waited = self.deadline;
        Box::pin(async move {
            queued.map_err(StoreError::new)?;
            let answered = poll_fn(|cx| {
                if let Poll::Ready(answer) = Pin::new(&mut answer).poll(cx) {
                    return Poll::Ready(Some(answer));
                }
                match alarm.as_mut().map(|alarm| Pin::new(alarm).poll(cx)) {
                    Some(Poll::Pending) => Poll::Pending,
                    _ => Poll::Ready(None),
                }
            })
            .await;
            match answered {
                Some(Ok(result)) => result.map_err(StoreError::new),
                Some(Err(_)) => Err(StoreError::new(
                    "the store's thread stopped before answering",
                )),
                None => Err(StoreError::new(format!(
                    "no answer from the store within {waited:?}"
                ))),
            }
        })
    }
}

/// What a store's thread does next: the inserts waiting right now, up to
/// [`BATCH_LIMIT`], committed together, and the reads among them (answered
/// after the commit, so they see it).
pub(crate) struct Batch {
    pub(crate) inserts: Vec<Insert>,
    /// When the last of the inserts' callers stops waiting.
    pub(crate) inserts_deadline: Instant,
    pub(crate) reads: Vec<(Select, Instant)>,
}

/// The batch that starts with `first`. Calls whose caller stopped waiting
/// are answered at once and not done.
pub(crate) fn take_batch(first: Job, receiver: &mut mpsc::UnboundedReceiver<Job>) -> Batch {
    let now = Instant::now();
    let mut batch = Batch {
        inserts: Vec::new(),
        inserts_deadline: now,
        reads: Vec::new(),
    };
    let mut next = Some(first);
    while let Some(job) = next.take() {
        match job.work {
            Work::Insert((_, reply)) if job.deadline <= now => late(reply),
            Work::Select((_, reply)) if job.deadline <= now => late(reply),
            Work::Insert(insert) => {
                batch.inserts.push(insert);
                batch.inserts_deadline = batch.inserts_deadline.max(job.deadline);
            }
            Work::Select(select) => batch.reads.push((select, job.deadline)),
        }
        if batch.inserts.len() < BATCH_LIMIT {
            next = receiver.try_recv().ok();
        }
    }
    batch
}

fn late<T>(reply: Reply<T>) {
    let _ = reply.send(Err("the deadline passed in the queue".to_owned()));
}

/// Tells every waiting insert how its batch went.
pub(crate) fn answer_batch(inserts: Vec<Insert>, result: &Result<(), String>) {
    for (_, reply) in inserts {
        // A caller that stopped waiting (its connection closed) needs no answer.
        let _ = reply.send(result.clone());
    }
}

/// Rings each call's alarm at its deadline: one thread per store, asleep
/// until the nearest (the callers may run on any executor, so none of
/// theirs is assumed to have a timer).
#[derive(Debug, Clone)]
struct Alarms(std_mpsc::Sender<Alarm>);

struct Alarm {
    at: Instant,
    ring: oneshot::Sender<()>,
}

impl Alarms {
    fn start() -> Alarms {
        let (sender, receiver) = std_mpsc::channel();
        // Without the thread, every alarm rings at once: calls fail, never hang.
        let _ = std::thread::Builder::new()
            .name("consent-records-deadlines".into())
            .spawn(move || ring(&receiver));
        Alarms(sender)
    }

    /// An alarm at `at`; it also rings when the thread is gone.
    fn set(&self, at: Instant) -> oneshot::Receiver<()> {
        let (ring, alarm) = oneshot::channel();
        let _ = self.0.send(Alarm { at, ring });
        alarm
    }
}

fn ring(receiver: &std_mpsc::Receiver<Alarm>) {
    let mut waiting = BinaryHeap::new();
    loop {
        let now = Instant::now();
        while waiting.peek().is_some_and(|alarm: &Alarm| alarm.at <= now) {
            if let Some(alarm) = waiting.pop() {
                let _ = alarm.ring.send(());
            }
        }
        let next = match waiting.peek() {
            Some(alarm) => receiver.recv_timeout(alarm.at - now),
            None => receiver
                .recv()
                .map_err(|_| std_mpsc::RecvTimeoutError::Disconnected),
        };
        match next {
            // An answered call's alarm is dropped here rather than kept to its time.
            Ok(alarm) if alarm.ring.is_closed() => {}
            Ok(alarm) => waiting.push(alarm),
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

// The heap is a max-heap: the nearest deadline is the greatest.
impl Ord for Alarm {
    fn cmp(&self, other: &Alarm) -> Ordering {
        other.at.cmp(&self.at)
    }
}

impl PartialOrd for Alarm {
    fn partial_cmp(&self, other: &Alarm) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Alarm {
    fn eq(&self, other: &Alarm) -> bool {
        self.at == other.at
    }
}

impl Eq for Alarm {}
