//! How a connection's bytes travel. The event loop reads, writes and
//! sends files through a [`Transport`] and never touches the descriptor
//! itself beyond putting it in the `select()` sets.
//!
//! A connection is a plain socket or a TLS session over one (`tls.rs`: it
//! may want to write while the application has nothing to send, and sends
//! files by reading them through the cipher). Other kinds slot in here
//! without touching the loop: a CGI child's pipes, or a connection linked
//! to another (proxy, tunnels).

use crate::core::net::tls::TlsStream;
use crate::core::sys;
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::io::{AsRawFd, RawFd};

/// A connection's byte stream.
pub enum Transport {
    /// A non-blocking TCP socket (accepted, or connected by `mg_connect`).
    Plain(RawFd),
    /// A TLS session over such a socket (`ssl_certificate`, `mg_connect`
    /// with `use_ssl`): see `tls.rs`.
    Tls(Box<TlsStream>),
}

impl Transport {
    /// The descriptor `select()` watches for this connection.
    pub fn fd(&self) -> RawFd {
        match self {
            Transport::Plain(fd) => *fd,
            Transport::Tls(t) => t.fd(),
        }
    }

    /// Reads and throws away up to `scratch.len()` bytes (0 = the peer
    /// closed).
    pub fn discard(&mut self, scratch: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::recv(*fd, scratch),
            Transport::Tls(t) => t.discard(scratch.len()),
        }
    }

    /// Reads up to `chunk.len()` bytes, appended to `dst` (0 = the peer
    /// closed).
    pub fn recv_into(
        &mut self,
        chunk: &mut [MaybeUninit<u8>],
        dst: &mut Vec<u8>,
    ) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::recv_into(*fd, chunk, dst),
            Transport::Tls(t) => t.recv_into(chunk.len(), dst),
        }
    }

    /// Sends what it can of `data`; `more` says a file body follows at once
    /// (so the two may share a segment).
    pub fn send(&mut self, data: &[u8], more: bool) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::send_flags(*fd, data, more),
            Transport::Tls(t) => t.send(data),
        }
    }

    /// Sends up to `count` bytes of `file` from `offset` (advanced by what
    /// was sent), without copying them through user space where possible.
    pub fn send_file(
        &mut self,
        file: &std::fs::File,
        offset: &mut u64,
        count: usize,
    ) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::sendfile(*fd, file.as_raw_fd(), offset, count),
            Transport::Tls(t) => t.send_file(file, offset, count),
        }
    }

    /// Sends small writes at once instead of waiting to coalesce them
    /// (TCP_NODELAY); best effort.
    pub fn set_nodelay(&mut self) {
        // (TLS runs over the same TCP socket.)
        let _ = sys::set_nodelay(self.fd());
    }

    /// No more output: the peer sees end of stream once what was sent
    /// arrives.
    pub fn shutdown_write(&mut self) {
        match self {
            Transport::Plain(fd) => sys::shutdown_write(*fd),
            Transport::Tls(t) => t.shutdown_write(),
        }
    }

    /// Releases the descriptor(s).
    pub fn close(&mut self) {
        match self {
            Transport::Plain(fd) => sys::close(*fd),
            Transport::Tls(t) => t.close(),
        }
    }

    /// Bytes the transport itself must still write (TLS records queued
    /// by the handshake, an alert, or output it has accepted): they count
    /// as pending output, so the socket goes in the write set.
    pub fn wants_write(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            Transport::Tls(t) => t.wants_write(),
        }
    }

    /// The application's output cannot go yet, whatever the socket says
    /// (a TLS handshake waits for the peer): keep the socket out of the
    /// write set so select() does not spin.
    pub fn output_blocked(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            Transport::Tls(t) => t.output_blocked(),
        }
    }

    /// Input is waiting inside the transport (decrypted TLS records) that
    /// the socket will not signal: read as if it were readable.
    pub fn has_buffered_input(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            Transport::Tls(t) => t.has_buffered_input(),
        }
    }

    /// Sends what the transport itself has queued (see `wants_write`).
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(_) => Ok(()),
            Transport::Tls(t) => t.flush(),
        }
    }

    /// Is this a TLS session?
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }
}
