//! The channel other threads use to reach the IO thread: a queue of
//! messages plus a socket pair whose read end sits in the `select()` set.
//!
//! Senders never block and never wait for an acknowledgement (5.4's
//! blocking handshake deadlocked when called from the IO thread). At most
//! one wake-up byte is in flight: `signaled` is cleared by the IO thread
//! *before* it takes the queue, so a message pushed after the take always
//! writes a fresh byte, and the read end is drained every time so it never
//! stays readable (no busy loop).

use super::sys;
use crate::ffi::types::{mg_connection, mg_event};
use std::collections::VecDeque;
use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::raw::{c_int, c_void};
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// A handler function as passed to the wakeup and iteration calls.
pub type Callback = unsafe extern "C" fn(*mut mg_connection, mg_event) -> c_int;

/// A user pointer carried to the IO thread; the user keeps it valid.
#[derive(Clone, Copy, Debug)]
pub struct UserPtr(pub *mut c_void);
// SAFETY: the pointer is only handed back to the user's callback on the IO
// thread; the API documents that it must stay valid until then.
unsafe impl Send for UserPtr {}

pub enum Message {
    /// `mg_wakeup_server`: just interrupt `select()`.
    Wake,
    /// `mg_wakeup_server_ex`: call `callback` for every connection with
    /// `callback_param` pointing at `text`.
    Text { callback: Callback, text: CString },
    /// `mg_iterate_over_connections` from another thread.
    Iterate { callback: Callback, param: UserPtr },
}

pub struct Wakeup {
    read_fd: RawFd,
    write_fd: RawFd,
    queue: sys::Lock<VecDeque<Message>>,
    signaled: AtomicBool,
}

impl Wakeup {
    pub fn new() -> io::Result<Wakeup> {
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
    pub fn push(&self, message: Message) {
        self.queue.with(|q| q.push_back(message));
        if !self.signaled.swap(true, Ordering::AcqRel) {
            // A full socket buffer would already hold a wake-up byte.
            let _ = sys::send(self.write_fd, &[1]);
        }
    }

    /// Takes every queued message (IO thread).
    pub fn take(&self) -> VecDeque<Message> {
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

impl Drop for Wakeup {
    fn drop(&mut self) {
        sys::close(self.read_fd);
        sys::close(self.write_fd);
    }
}
