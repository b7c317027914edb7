//! The channel other threads use to reach the IO thread: a queue of
//! messages plus a socket pair whose read end sits in the `select()` set.
//!
//! Senders never block and never wait for an acknowledgement (5.4's
//! blocking handshake deadlocked when called from the IO thread). At most
//! one wake-up byte is in flight: `signaled` is cleared by the IO thread
//! *before* it takes the queue, so a message pushed after the take always
//! writes a fresh byte, and the read end is drained every time so it never
//! stays readable (no busy loop).

use crate::core::dialect::Dialect;
use crate::core::server::Server;
use crate::core::sys;
use std::collections::VecDeque;
use std::io;
use std::mem::MaybeUninit;
use std::os::raw::c_void;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// A user pointer carried to the IO thread; the user keeps it valid.
#[derive(Clone, Copy, Debug)]
pub struct UserPtr(pub *mut c_void);
// SAFETY: the pointer is only handed back to the user's callback on the IO
// thread; the API documents that it must stay valid until then.
unsafe impl Send for UserPtr {}

/// Work for the IO thread, run with its server during a poll.
pub type Task<D> = Box<dyn FnOnce(&Server<D>) + Send>;

pub enum Message<D: Dialect> {
    /// `mg_wakeup_server`: just interrupt `select()`.
    Wake,
    /// Run a task (the C layer's wakeup and iteration callbacks).
    Run(Task<D>),
}

pub struct Wakeup<D: Dialect> {
    read_fd: RawFd,
    write_fd: RawFd,
    queue: sys::Lock<VecDeque<Message<D>>>,
    signaled: AtomicBool,
}

impl<D: Dialect> Wakeup<D> {
    pub fn new() -> io::Result<Wakeup<D>> {
        let (read_fd, write_fd) = sys::socketpair()?;
        if read_fd >= sys::FD_SETSIZE {
            // select() could never watch it: wakeups would be lost.
            sys::close(read_fd);
            sys::close(write_fd);
            return Err(io::Error::other(
                "no descriptor below FD_SETSIZE for the wakeup socket",
            ));
        }
        Ok(Wakeup {
            read_fd,
            write_fd,
            queue: sys::Lock::new(VecDeque::new()),
            signaled: AtomicBool::new(false),
        })
    }

    pub fn read_fd(&self) -> RawFd {
        self.read_fd
    }

    /// Queues a message and makes sure the IO thread wakes up. Any thread.
    pub fn push(&self, message: Message<D>) {
        self.queue.with(|q| q.push_back(message));
        if !self.signaled.swap(true, Ordering::AcqRel) {
            // A full socket buffer would already hold a wake-up byte.
            let _ = sys::send(self.write_fd, &[1]);
        }
    }

    /// Takes every queued message (IO thread).
    pub fn take(&self) -> VecDeque<Message<D>> {
        let mut sink = [MaybeUninit::<u8>::uninit(); 64];
        while let Ok(n) = sys::recv(self.read_fd, &mut sink) {
            if n == 0 {
                break;
            }
        }
        self.signaled.store(false, Ordering::Release);
        self.queue.with(std::mem::take)
    }
}

impl<D: Dialect> Drop for Wakeup<D> {
    fn drop(&mut self) {
        sys::close(self.read_fd);
        sys::close(self.write_fd);
    }
}
