//! Descriptors a connection watches besides its socket, and the child
//! processes the server must reap.
//!
//! A built-in handler that talks to something other than the client (a
//! CGI child's stdin and stdout pipes) attaches a [`Companion`] to the
//! client's connection. Each poll the loop asks it which descriptors to
//! watch, puts them in the same `select()` sets as the sockets, and hands
//! it back the ones that are ready. The loop learns nothing else about it.
//!
//! Why not a pseudo-connection whose transport is the pipe: a record in
//! the connection table is visible to the C program (`mg_next`,
//! `mg_iterate_over_connections`, `MG_POLL` and `MG_CLOSE` on a struct
//! that is no client), a CGI has two pipes (two records, or a transport
//! with two descriptors), and the two linked records would have to be
//! freed together by the sweep. A companion lives and dies with the one
//! connection it serves: when the record is freed, or its request ends,
//! the companion is dropped, and dropping a CGI kills its child.
//!
//! Children that were told to stop are handed to [`adopt`]; the loop reaps
//! them ([`reap`]) so none is left a zombie, and kills the ones that do not
//! stop.

use crate::core::connection::{ConnPtr, Connection};
use crate::core::dialect::Dialect;
use crate::core::server::Server;
use crate::core::sys;
use std::os::unix::io::RawFd;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One descriptor to watch, and for what.
#[derive(Clone, Copy, Debug)]
pub struct Watch {
    pub fd: RawFd,
    pub read: bool,
    pub write: bool,
}

/// Work attached to a connection that has descriptors of its own.
pub trait Companion<D: Dialect> {
    /// The descriptors to watch now (given the connection's state: a
    /// companion that feeds the client watches its source only while the
    /// client's output queue has room).
    fn watch(&self, c: &Connection<D>, out: &mut Vec<Watch>);

    /// Some of its descriptors are ready. Returns false when it is done
    /// (it has ended the request, or closed the connection).
    fn ready(&mut self, srv: &Server<D>, c: ConnPtr<D>) -> bool;

    /// Called on every timer check. Returns false when it is done.
    fn tick(&mut self, srv: &Server<D>, c: ConnPtr<D>, now: Instant) -> bool;
}

/// Runs `f` on the connection's companion, taken out of the record while
/// it runs (it may call into the HTTP session and the user's handler),
/// and puts it back unless it is done or something replaced it.
pub fn run<D: Dialect>(
    srv: &Server<D>,
    c: ConnPtr<D>,
    f: impl FnOnce(&mut dyn Companion<D>, &Server<D>, ConnPtr<D>) -> bool,
) {
    let Some(mut companion) = c.with(|c| c.companion.take()) else {
        return;
    };
    if f(&mut **companion, srv, c) {
        c.with(|c| {
            if c.companion.is_none() && !c.close_now {
                c.companion = Some(companion);
            }
        });
    }
}

/// Stopped children not reaped yet, with when they were sent SIGTERM.
static ORPHANS: Mutex<Vec<(Child, Instant)>> = Mutex::new(Vec::new());
/// `ORPHANS.len()`, readable without the lock on every poll.
static ORPHAN_COUNT: AtomicUsize = AtomicUsize::new(0);
/// How long a child may take to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);

/// Asks `child`'s process group (the child made its own) to stop with
/// SIGTERM, and reaps the child now or later.
pub fn adopt(mut child: Child) {
    // The group first, while the child is not reaped (its id cannot have
    // been reused): what the script started in the background goes too.
    sys::kill_process_group(child.id(), libc::SIGTERM);
    if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
        return;
    }
    let mut orphans = ORPHANS.lock().unwrap_or_else(|e| e.into_inner());
    orphans.push((child, Instant::now()));
    ORPHAN_COUNT.store(orphans.len(), Ordering::Relaxed);
}

/// Reaps the children that have exited; kills those past their grace.
pub fn reap(now: Instant) {
    if ORPHAN_COUNT.load(Ordering::Relaxed) == 0 {
        return;
    }
    let mut orphans = ORPHANS.lock().unwrap_or_else(|e| e.into_inner());
    orphans.retain_mut(|(child, since)| {
        if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
            return false;
        }
        if now.saturating_duration_since(*since) >= TERM_GRACE {
            sys::kill_process_group(child.id(), libc::SIGKILL);
        }
        true
    });
    ORPHAN_COUNT.store(orphans.len(), Ordering::Relaxed);
}

/// Kills and reaps every stopped child now (the server is going away).
pub fn reap_all() {
    let mut orphans = ORPHANS.lock().unwrap_or_else(|e| e.into_inner());
    for (child, _) in orphans.iter_mut() {
        sys::kill_process_group(child.id(), libc::SIGKILL);
        let _ = child.wait();
    }
    orphans.clear();
    ORPHAN_COUNT.store(0, Ordering::Relaxed);
}
