//! How a connection's bytes travel. The event loop reads, writes and
//! sends files through a [`Transport`] and never touches the descriptor
//! itself beyond putting it in the `select()` sets.
//!
//! Today every connection is a plain socket. The other kinds slot in here
//! without touching the loop: a TLS session over a socket (it may want to
//! write while the application has nothing to send, and sends files by
//! reading them through the cipher), a CGI child's pipes, or a connection
//! linked to another (proxy, tunnels).

use crate::core::sys;
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::io::{AsRawFd, RawFd};

/// A connection's byte stream.
pub enum Transport {
    /// A non-blocking TCP socket (accepted, or connected by `mg_connect`).
    Plain(RawFd),
}

impl Transport {
    /// The descriptor `select()` watches for this connection.
    pub fn fd(&self) -> RawFd {
        match self {
            Transport::Plain(fd) => *fd,
        }
    }

    /// Reads and throws away up to `scratch.len()` bytes (0 = the peer
    /// closed).
    pub fn discard(&mut self, scratch: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::recv(*fd, scratch),
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
        }
    }

    /// Sends what it can of `data`; `more` says a file body follows at once
    /// (so the two may share a segment).
    pub fn send(&mut self, data: &[u8], more: bool) -> io::Result<usize> {
        match self {
            Transport::Plain(fd) => sys::send_flags(*fd, data, more),
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
        }
    }

    /// No more output: the peer sees end of stream once what was sent
    /// arrives.
    pub fn shutdown_write(&mut self) {
        match self {
            Transport::Plain(fd) => sys::shutdown_write(*fd),
        }
    }

    /// Releases the descriptor(s).
    pub fn close(&mut self) {
        match self {
            Transport::Plain(fd) => sys::close(*fd),
        }
    }
}
