//! One write per HTTP/2 response instead of two.
//!
//! The HTTP/2 framer sends a DATA frame of more than 256 bytes from its own buffer
//! and must flush it before it can frame anything else, so a gRPC reply (HEADERS +
//! DATA, then the trailers with `grpc-status`) costs two `writev`s, each a full trip
//! through the TCP stack for the sender and a wake-up for the reader. On an HTTP/2
//! connection this writer keeps written bytes until the next flush after the one
//! that asked for them: the framer's mid-response flush is held, the trailers join
//! the same buffer, and its final flush writes everything at once. A flush held
//! with nothing following it in that poll of the connection is written by the poll
//! the listener makes at once after it (`OwnWakes` in serve.rs: every poll of an
//! HTTP/2 connection ends with a flush), and any read, flush or shutdown writes held
//! bytes first, so nothing waits past the turn of the connection's task.
//!
//! HTTP/1.1 connections (and connections not yet known to be HTTP/2) pass straight
//! through.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// The HTTP/2 client preface starts with these bytes (RFC 9113 §3.4); no HTTP/1.1
/// request does.
const PREFACE_START: &[u8] = b"PRI * HTTP/2.0";

/// Above this many held bytes, writes go out at once (a large body gains nothing
/// from being held, and memory stays bounded per connection).
const MAX_HELD: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct Coalesce {
    /// Whether the connection speaks HTTP/2 (`None` until its first bytes arrive).
    http2: Option<bool>,
    held: Vec<u8>,
    /// How much of `held` has already gone out.
    sent: usize,
    /// A flush was answered without writing; the next one writes.
    flush_owed: bool,
}

impl Coalesce {
    /// For a socket known to speak HTTP/2 from its first byte (a gRPC client's).
    pub fn http2() -> Coalesce {
        Coalesce {
            http2: Some(true),
            ..Coalesce::default()
        }
    }

    /// Notes the first bytes read from the client (what protocol it speaks).
    pub fn saw_read(&mut self, first: &[u8]) {
        if self.http2.is_none() && !first.is_empty() {
            let n = first.len().min(PREFACE_START.len());
            self.http2 = Some(first[..n] == PREFACE_START[..n]);
        }
    }

    pub fn active(&self) -> bool {
        self.http2 == Some(true)
    }

    pub fn has_held(&self) -> bool {
        self.sent < self.held.len()
    }

    /// Keeps `bufs` for the next flush; `None` when they must go out now (too many
    /// bytes held), after `drain`.
    pub fn hold(&mut self, bufs: &[IoSlice<'_>]) -> Option<usize> {
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if self.held.len() - self.sent + len > MAX_HELD {
            return None;
        }
        if self.sent == self.held.len() {
            self.held.clear();
            self.sent = 0;
        }
        for b in bufs {
            self.held.extend_from_slice(b);
        }
        Some(len)
    }

    /// Whether this flush may be answered without writing: the first flush after
    /// bytes were held is, once (the caller wakes its task so the bytes still go
    /// out on its next poll).
    pub fn defer_flush(&mut self) -> bool {
        if self.has_held() && !self.flush_owed {
            self.flush_owed = true;
            return true;
        }
        false
    }

    /// Writes the held bytes to `io`; ready when all are out. `wrote` is told how
    /// many bytes each write moved.
    pub fn drain<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
        mut wrote: impl FnMut(usize),
    ) -> Poll<io::Result<()>> {
        while self.has_held() {
            match Pin::new(&mut *io).poll_write(cx, &self.held[self.sent..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => {
                    self.sent += n;
                    wrote(n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.held.clear();
        self.sent = 0;
        self.flush_owed = false;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    /// A socket that counts its writes.
    #[derive(Default)]
    struct Counting {
        writes: usize,
        bytes: Vec<u8>,
    }

    impl AsyncWrite for Counting {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writes += 1;
            self.bytes.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn only_http2_connections_are_held() {
        let mut c = Coalesce::default();
        c.saw_read(b"GET / HTTP/1.1\r\n");
        assert!(!c.active());
        let mut c = Coalesce::default();
        c.saw_read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert!(c.active());
        // A later read does not change the verdict.
        c.saw_read(b"GET");
        assert!(c.active());
    }

    /// Response, then trailers, each followed by a flush: one write, all bytes in
    /// order.
    #[test]
    fn a_response_and_its_trailers_go_out_in_one_write() {
        let waker = Arc::new(Noop).into();
        let mut cx = Context::from_waker(&waker);
        let mut io = Counting::default();
        let mut c = Coalesce::default();
        c.saw_read(PREFACE_START);
        assert_eq!(
            c.hold(&[IoSlice::new(b"HEADERS"), IoSlice::new(b"DATA")]),
            Some(11)
        );
        assert!(c.defer_flush(), "the framer's mid-response flush is held");
        assert_eq!(c.hold(&[IoSlice::new(b"TRAILERS")]), Some(8));
        assert!(!c.defer_flush(), "the next flush writes");
        assert!(matches!(
            c.drain(&mut io, &mut cx, |_| {}),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(io.writes, 1);
        assert_eq!(io.bytes, b"HEADERSDATATRAILERS");
        assert!(!c.has_held());
        // The next response starts afresh.
        c.hold(&[IoSlice::new(b"X")]);
        assert!(c.defer_flush());
    }

    #[test]
    fn large_writes_are_not_held() {
        let mut c = Coalesce::default();
        c.saw_read(PREFACE_START);
        let big = vec![0u8; MAX_HELD + 1];
        assert_eq!(c.hold(&[IoSlice::new(&big)]), None);
        assert!(!c.has_held());
    }
}
