//! The HTTP listener: HTTP/1.1 and HTTP/2 (gRPC) on one port, with the limits that
//! keep slow or stalled clients from holding the service:
//! - headers must arrive within `SHONEN_HTTP_HEADER_TIMEOUT_MS` of their first byte;
//! - a request body may pause at most `SHONEN_HTTP_BODY_TIMEOUT_MS` between two
//!   chunks, and take at most `SHONEN_HTTP_BODY_TOTAL_MS` in all (the request then
//!   fails and its connection is closed);
//! - a connection with no request in flight and no traffic for
//!   `SHONEN_HTTP_IDLE_TIMEOUT_MS` is closed;
//! - on shutdown, connections are asked to finish (in-flight requests complete, idle
//!   keep-alives close); whatever is left after `SHONEN_SHUTDOWN_TIMEOUT_MS` is
//!   dropped, so shutdown is bounded whatever clients do;
//! - a connection that ends normally is closed lingering (`linger`): the server's side
//!   is shut down first and what the client still sends is read and dropped for a
//!   short while, so an early answer (a 413 before an oversized body) reaches a client
//!   that is still writing instead of being lost to a reset.

pub mod coalesce;

use crate::config::Timeouts;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Header fields an HTTP/1.1 request may carry before hyper refuses it itself.
pub const PARSED_HEADERS: usize = 1000;

/// Per connection: when it last moved bytes, and the requests in flight on it.
struct Activity {
    started: Instant,
    /// Milliseconds since `started` of the last read or write.
    last_io: AtomicU64,
    /// Milliseconds since `started` of the first byte read while no request was in
    /// flight (a request head arriving); 0 = none.
    head_since: AtomicU64,
    in_flight: AtomicUsize,
    /// The socket wrapper was dropped (false after the connection ended: it was
    /// handed to an upgraded protocol, a WebSocket, which still uses it).
    released: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            started: Instant::now(),
            last_io: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            released: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        // At least 1, so 0 can mean "none".
        (self.started.elapsed().as_millis() as u64).max(1)
    }

    fn touched(&self, read: bool) {
        let now = self.now_ms();
        self.last_io.store(now, Ordering::Relaxed);
        if read && self.in_flight.load(Ordering::Relaxed) == 0 {
            let _ = self
                .head_since
                .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Why the connection should be closed now, if it should.
    fn expired(&self, t: &Timeouts) -> Option<&'static str> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let now = self.now_ms();
        let head = self.head_since.load(Ordering::Relaxed);
        if head != 0 && now.saturating_sub(head) > t.http_header.as_millis() as u64 {
            return Some("request headers not received in time");
        }
        let last = self.last_io.load(Ordering::Relaxed);
        if now.saturating_sub(last) > t.http_idle.as_millis() as u64 {
            return Some("idle");
        }
        None
    }
}

/// The socket, noting its traffic in `Activity`; on HTTP/2, writes are coalesced
/// (`coalesce`).
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
    coalesce: coalesce::Coalesce,
    /// Set when a flush was held: the connection is then polled again before its
    /// task sleeps (`OwnWakes`), and that poll's flush writes.
    poll_again: Arc<AtomicBool>,
}

impl Watched {
    /// Writes whatever `coalesce` holds.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let activity = &self.activity;
        self.coalesce
            .drain(&mut self.inner, cx, |_| activity.touched(false))
    }

    fn write_through(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        if self.coalesce.active() {
            if let Some(n) = self.coalesce.hold(bufs) {
                return Poll::Ready(Ok(n));
            }
            // Too much to hold: what is held goes first, then this.
            std::task::ready!(self.drain(cx))?;
        }
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touched(false);
        }
        r
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // Bytes held by a deferred flush go out before the connection waits for
        // more input (a socket that cannot take them now wakes the task later).
        if self.coalesce.has_held()
            && let Poll::Ready(Err(e)) = self.drain(cx)
        {
            return Poll::Ready(Err(e));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let first = &buf.filled()[before..];
            self.coalesce.saw_read(first);
            self.activity.touched(true);
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.write_through(cx, &[std::io::IoSlice::new(buf)])
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.coalesce.defer_flush() {
            // Written by the next flush: a later one in this poll of the connection,
            // else the one of the poll `OwnWakes` makes at once after it.
            self.poll_again.store(true, Ordering::Release);
            return Poll::Ready(Ok(()));
        }
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.write_through(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.activity.released.store(true, Ordering::Relaxed);
    }
}

/// Counts a request in flight until its response body is done (or dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.head_since.store(0, Ordering::Relaxed);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touched(false);
    }
}

/// A response body that keeps its request counted as in flight.
struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails when the client pauses longer than `limit`, or when
/// the whole body takes longer than `total` from its first read.
struct Timed {
    inner: Incoming,
    limit: Duration,
    total: Duration,
    /// When the body was first read: the `total` deadline counts from it.
    started: Option<tokio::time::Instant>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

#[derive(Debug, thiserror::Error)]
#[error("request body not received in time")]
pub struct BodyTimeout;

impl HttpBody for Timed {
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let started = *self.started.get_or_insert_with(tokio::time::Instant::now);
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                self.sleep = None;
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let (limit, total) = (self.limit, self.total);
                let sleep = self.sleep.get_or_insert_with(|| {
                    let pause_ends = tokio::time::Instant::now() + limit;
                    Box::pin(tokio::time::sleep_until(pause_ends.min(started + total)))
                });
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout.into()))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains within
/// `timeouts.shutdown`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    let check_every = (timeouts.http_header.min(timeouts.http_idle) / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: pause, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(
                    stream,
                    peer,
                    router.clone(),
                    timeouts.clone(),
                    check_every,
                    stop_rx.clone(),
                ));
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(timeouts.shutdown, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "shutdown timeout: closing the remaining connections"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    check_every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    // A second handle on the socket for the lingering close; the socket stays open
    // until both are dropped.
    let spare = std::os::fd::AsFd::as_fd(&stream).try_clone_to_owned().ok();
    let poll_again = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(Watched {
        coalesce: coalesce::Coalesce::default(),
        inner: stream,
        activity: activity.clone(),
        poll_again: poll_again.clone(),
    });
    let (body_limit, body_total) = (timeouts.http_body, timeouts.http_body_total);
    let service_activity = activity.clone();
    let streams = Streams::default();
    let service_streams = streams.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        // HTTP/2 hands the stream to `Streams` right after this call.
        if req.version() == hyper::Version::HTTP_2 && stays_open(req.uri().path()) {
            service_streams
                .next_stays_open
                .store(true, Ordering::Release);
        }
        let in_flight = InFlight::enter(&service_activity);
        let mut router = router.clone();
        let mut req = req.map(|inner| {
            Body::new(Timed {
                inner,
                limit: body_limit,
                total: body_total,
                started: None,
                sleep: None,
            })
        });
        req.extensions_mut().insert(ConnectInfo(peer));
        async move {
            let resp = tower::Service::call(&mut router, req).await?;
            Ok::<_, std::convert::Infallible>(resp.map(|inner| Tracked {
                inner,
                _in_flight: in_flight,
            }))
        }
    });
    let inbox = streams.inbox.clone();
    let mut running = FuturesUnordered::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(streams);
    builder
        .http1()
        .timer(TokioTimer::new())
        // The listener enforces its own header and idle limits (see `Activity`).
        .header_read_timeout(None)
        // Parsed past the API's limit (`http::MAX_HEADERS`), so that a request with
        // too many fields is answered in the contract's format, not hyper's bare 431.
        .max_headers(PARSED_HEADERS)
        // A client that sends its request and then closes its side (shutdown(WR))
        // still gets the answer.
        .half_close(true);
    builder.http2().timer(TokioTimer::new());
    let mut conn = OwnWakes::new(
        Box::pin(builder.serve_connection_with_upgrades(io, service)),
        poll_again,
    );
    let mut ticker = tokio::time::interval(check_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.touch().as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            r = &mut conn => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                drop(conn);
                // Streams still answering finish before the socket closes.
                std::future::poll_fn(|cx| {
                    if inbox.run(&mut running, cx) { Poll::Ready(()) } else { Poll::Pending }
                })
                .await;
                if let Some(spare) = spare
                    && activity.released.load(Ordering::Relaxed)
                {
                    linger(spare, timeouts.http_idle.min(LINGER_FOR)).await;
                }
                return;
            }
            () = std::future::poll_fn(|cx| {
                inbox.run(&mut running, cx);
                Poll::<()>::Pending
            }) => {}
            _ = ticker.tick() => {
                if let Some(why) = activity.expired(&timeouts) {
                    tracing::debug!(%peer, why, "closing connection");
                    return;
                }
            }
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    conn.touch().as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A connection future polled only when its own waker fired (or after `touch`),
/// not every time the task it shares is polled. A connection shares its task with
/// the streams it runs inline (`Streams`): without this, every wake of a handler
/// (each database reply) would also run the whole HTTP/2 connection (frames, flow
/// control, flushing), which then had nothing to do. When its socket held back a
/// flush (`Watched::poll_again`), it is polled again at once, so the held bytes go
/// out before the task sleeps.
struct OwnWakes<F> {
    fut: F,
    flag: Arc<WakeFlag>,
    waker: std::task::Waker,
    poll_again: Arc<AtomicBool>,
}

/// Set by the wrapped future's waker, which then wakes the task.
#[derive(Default)]
struct WakeFlag {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl std::task::Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl<F: Future + Unpin> OwnWakes<F> {
    fn new(fut: F, poll_again: Arc<AtomicBool>) -> OwnWakes<F> {
        let flag = Arc::new(WakeFlag::default());
        // The first poll always runs.
        flag.woken.store(true, Ordering::Relaxed);
        OwnWakes {
            fut,
            waker: std::task::Waker::from(flag.clone()),
            flag,
            poll_again,
        }
    }

    /// The future, to act on from outside (it is polled again next time).
    fn touch(&mut self) -> &mut F {
        self.flag.woken.store(true, Ordering::Release);
        &mut self.fut
    }
}

impl<F: Future + Unpin> Future for OwnWakes<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.flag.task.register(cx.waker());
        if !this.flag.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        let mut own = Context::from_waker(&this.waker);
        for _ in 0..4 {
            let r = Pin::new(&mut this.fut).poll(&mut own);
            if r.is_ready() || !this.poll_again.swap(false, Ordering::AcqRel) {
                return r;
            }
        }
        // Still holding bytes after several polls: the next turn of the task writes.
        this.waker.wake_by_ref();
        Poll::Pending
    }
}

type Stream = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Streams of one connection that always run inside its task at once.
const INLINE_STREAMS: usize = 2;

/// Connections with a stream running inside their task, in this process.
static BUSY_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// The executor of one connection's HTTP/2 streams. A stream (a request and its
/// response) runs inside the connection's own task, beside the connection, instead
/// of as a task of its own: a unary call then takes no hop between tasks (and often
/// none between threads) from the frames read to the frames written. But one task
/// runs on one worker thread at a time: when fewer connections are busy than there
/// are worker threads (a client multiplexing all its calls on one channel), a
/// connection with `INLINE_STREAMS` streams running spawns the next ones as tasks of
/// their own, so the idle threads share their work. Calls that may stay open
/// (`stays_open`) always run as tasks of their own.
#[derive(Clone)]
struct Streams {
    inbox: Arc<StreamInbox>,
    /// Streams queued or running inside the connection's task.
    inline: Arc<AtomicUsize>,
    /// Connections with a stream running inside their task (`BUSY_CONNECTIONS`).
    busy: &'static AtomicUsize,
    /// The stream about to start may stay open (`stays_open`).
    next_stays_open: Arc<AtomicBool>,
}

impl Default for Streams {
    fn default() -> Streams {
        Streams {
            inbox: Arc::default(),
            inline: Arc::default(),
            busy: &BUSY_CONNECTIONS,
            next_stays_open: Arc::default(),
        }
    }
}

#[derive(Default)]
struct StreamInbox {
    queued: std::sync::Mutex<Vec<Stream>>,
    waker: AtomicWaker,
}

impl StreamInbox {
    /// Moves newly started streams into `running` and polls them all; `cx` is woken
    /// when one can go on or another starts. True when none is left running.
    fn run(&self, running: &mut FuturesUnordered<Stream>, cx: &mut Context<'_>) -> bool {
        self.waker.register(cx.waker());
        running.extend(
            self.queued
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain(..),
        );
        while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
        running.is_empty()
    }
}

/// Counts a stream running inside its connection's task while it lives (and the
/// connection as busy while it has one).
struct InlineSlot {
    inline: Arc<AtomicUsize>,
    busy: &'static AtomicUsize,
}

impl Drop for InlineSlot {
    fn drop(&mut self) {
        if self.inline.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// gRPC methods whose calls may stay open as long as the client likes (the event
/// stream, health watches, reflection sessions): they run as tasks of their own, and
/// a connection holding one is not counted busy for it.
fn stays_open(path: &str) -> bool {
    ["/Subscribe", "/Watch", "/ServerReflectionInfo"]
        .iter()
        .any(|method| path.ends_with(method))
}

/// Whether a connection's next stream should run as a task of its own: it already
/// has `inline` streams running inside its task, and fewer connections are `busy`
/// than the runtime has worker threads (asked only when it matters).
fn spawn_stream(inline: usize, busy: usize, workers: impl FnOnce() -> usize) -> bool {
    inline >= INLINE_STREAMS && busy < workers()
}

fn worker_threads() -> usize {
    tokio::runtime::Handle::try_current().map_or(1, |h| h.metrics().num_workers())
}

impl<F> hyper::rt::Executor<F> for Streams
where
    F: Future + Send + 'static,
{
    fn execute(&self, fut: F) {
        // Only the connection's task starts streams, so `inline` cannot move up
        // between this read and the increment below.
        let inline = self.inline.load(Ordering::Acquire);
        let own_task = self.next_stays_open.swap(false, Ordering::AcqRel)
            || spawn_stream(inline, self.busy.load(Ordering::Acquire), worker_threads);
        if own_task {
            tokio::spawn(async move {
                let _ = fut.await;
            });
            return;
        }
        if self.inline.fetch_add(1, Ordering::AcqRel) == 0 {
            self.busy.fetch_add(1, Ordering::AcqRel);
        }
        let slot = InlineSlot {
            inline: self.inline.clone(),
            busy: self.busy,
        };
        let stream: Stream = Box::pin(async move {
            let _slot = slot;
            let _ = fut.await;
        });
        self.inbox
            .queued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(stream);
        self.inbox.waker.wake();
    }
}

/// How long, and how many bytes, a closing connection keeps reading what the client
/// still sends (an image body is at most 5 MiB).
const LINGER_FOR: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 8 * 1024 * 1024;

/// Closes a connection whose server side is done: sends FIN (the client reads the
/// whole answer, then end of stream) and drops what the client is still sending,
/// until it closes too, `wait` passes or `LINGER_BYTES` arrived. Closing with unread
/// bytes at once would reset the connection, and a client still writing a refused
/// body would see the reset instead of the answer.
async fn linger(spare: std::os::fd::OwnedFd, wait: Duration) {
    let socket = std::net::TcpStream::from(spare);
    if socket.set_nonblocking(true).is_err() {
        return;
    }
    let Ok(mut socket) = TcpStream::from_std(socket) else {
        return;
    };
    if socket.shutdown().await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 16 * 1024];
    let mut left = LINGER_BYTES;
    let _ = tokio::time::timeout(wait, async {
        while left > 0 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Executor;

    /// Counts its polls, keeps the waker it was last polled with, and asks to be
    /// polled again (as a held flush does) on the polls listed in `again_on`.
    struct Probe {
        polls: Arc<AtomicUsize>,
        waker: Arc<std::sync::Mutex<Option<std::task::Waker>>>,
        again_on: Vec<usize>,
        poll_again: Arc<AtomicBool>,
    }

    impl Future for Probe {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let n = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.again_on.contains(&n) {
                self.poll_again.store(true, Ordering::SeqCst);
            }
            Poll::Pending
        }
    }

    /// Wakes of the task that did not come from the connection leave it unpolled;
    /// its own wake, `touch` and a held flush each poll it.
    #[test]
    fn a_connection_is_polled_only_for_its_own_wakes() {
        let polls = Arc::new(AtomicUsize::new(0));
        let waker = Arc::new(std::sync::Mutex::new(None));
        let poll_again = Arc::new(AtomicBool::new(false));
        let mut conn = OwnWakes::new(
            Probe {
                polls: polls.clone(),
                waker: waker.clone(),
                again_on: vec![3],
                poll_again: poll_again.clone(),
            },
            poll_again,
        );
        let task = std::task::Waker::noop();
        let mut cx = Context::from_waker(task);
        let mut poll = |conn: &mut OwnWakes<Probe>| Pin::new(conn).poll(&mut cx).is_pending();
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 1, "the first poll runs");
        // The task woken by something else (a stream running inline).
        assert!(poll(&mut conn));
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        // Its own waker (socket readable, a response to send).
        waker.lock().unwrap().take().unwrap().wake();
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        // Acted on from outside (graceful shutdown): polled next time. The third poll
        // holds a flush, so it is polled once more at once.
        conn.touch();
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 4);
        assert!(poll(&mut conn));
        assert_eq!(polls.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn streams_past_the_inline_ones_spawn_only_while_threads_are_idle() {
        assert!(!spawn_stream(0, 0, || 2));
        assert!(!spawn_stream(INLINE_STREAMS - 1, 0, || 2));
        assert!(spawn_stream(INLINE_STREAMS, 0, || 2));
        assert!(spawn_stream(INLINE_STREAMS + 5, 1, || 2));
        // As many busy connections as threads: every thread has a connection to
        // poll, so streams stay inside their connection's task.
        assert!(!spawn_stream(INLINE_STREAMS, 2, || 2));
        assert!(!spawn_stream(INLINE_STREAMS + 5, 1, || 1));
    }

    /// One connection with many calls in flight: the first `INLINE_STREAMS` wait
    /// for the connection's task to poll them, the others run on their own; when
    /// the inline ones finish, the connection is no longer counted busy.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_multiplexed_connection_hands_its_extra_streams_to_other_threads() {
        let busy: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let streams = Streams {
            busy,
            ..Streams::default()
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..INLINE_STREAMS + 3 {
            let tx = tx.clone();
            streams.execute(async move {
                let _ = tx.send(i);
            });
        }
        drop(tx);
        assert_eq!(busy.load(Ordering::Acquire), 1);
        assert_eq!(streams.inline.load(Ordering::Acquire), INLINE_STREAMS);
        // The spawned ones ran without the connection's task.
        let mut ran = Vec::new();
        for _ in 0..3 {
            let next = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
            ran.push(next.expect("a spawned stream did not run").unwrap());
        }
        ran.sort();
        assert_eq!(
            ran,
            (INLINE_STREAMS..INLINE_STREAMS + 3).collect::<Vec<_>>()
        );
        // The inline ones run when the connection's task polls them.
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(|cx| {
            if streams.inbox.run(&mut running, cx) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        let mut rest = Vec::new();
        while let Some(i) = rx.recv().await {
            rest.push(i);
        }
        rest.sort();
        assert_eq!(rest, (0..INLINE_STREAMS).collect::<Vec<_>>());
        assert_eq!(streams.inline.load(Ordering::Acquire), 0);
        assert_eq!(busy.load(Ordering::Acquire), 0);
    }

    /// An event stream runs on its own and leaves its connection idle, so a client
    /// subscribed on every connection still gets its calls spread over the threads.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_that_stays_open_runs_as_its_own_task_and_keeps_the_connection_idle() {
        assert!(stays_open("/shonen.v1.Shonen/Subscribe"));
        assert!(stays_open("/grpc.health.v1.Health/Watch"));
        assert!(stays_open(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
        ));
        assert!(!stays_open("/shonen.v1.Shonen/GetDashboard"));
        let busy: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let streams = Streams {
            busy,
            ..Streams::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        streams.next_stays_open.store(true, Ordering::Release);
        streams.execute(async move {
            let _ = tx.send(());
        });
        let ran = tokio::time::timeout(Duration::from_secs(10), rx).await;
        assert!(
            ran.is_ok_and(|r| r.is_ok()),
            "the open call did not run on its own"
        );
        assert_eq!(streams.inline.load(Ordering::Acquire), 0);
        assert_eq!(busy.load(Ordering::Acquire), 0);
        assert!(!streams.next_stays_open.load(Ordering::Acquire));
        // The next call is an ordinary one again: inside the connection's task.
        streams.execute(async {});
        assert_eq!(streams.inline.load(Ordering::Acquire), 1);
        assert_eq!(busy.load(Ordering::Acquire), 1);
    }
}
