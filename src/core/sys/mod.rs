//! Every libc call of the library lives in this folder, one concept per
//! file; each wrapper returns `io::Result` (or a small error of its own) and
//! the rest of the crate stays safe Rust. This file holds only the two
//! `errno` helpers the others share and the re-exports that keep the flat
//! `sys::xxx` paths working.
//!
//! - `select.rs`: `FdSet`, `select()`, `FD_SETSIZE`.
//! - `socket.rs`: TCP and Unix sockets, send/recv/sendfile, addresses.
//! - `fs.rs`: `open_beneath` (openat2) and its per-thread root-dir cache.
//! - `process.rs`: process-wide state: SIGPIPE, `run_as_user`, signals to
//!   child process groups.
//! - `lock.rs`: `Lock`, the pthread mutex.
//!
//! Nothing here knows HTTP, options or the C API: errors go up as values
//! and the callers map them.

// accept4, sendfile, openat2 and the fd_set layout read by
// `FdSet::words` are Linux's.
#[cfg(not(target_os = "linux"))]
compile_error!("this library targets Linux (see src/core/sys/mod.rs)");

use std::io;

/// Turns a `-1` return into the current `errno` as an `io::Error`.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

mod fs;
mod lock;
mod process;
mod select;
mod socket;

pub use fs::open_beneath;
pub use lock::Lock;
pub use process::{ignore_sigpipe, kill_process_group, run_as_user, RunAsUserError};
pub use select::{select, FdSet, FD_SETSIZE};
pub use socket::{
    accept, close, connect_tcp, listen_tcp, local_addr, open_spare, peer_addr, recv, recv_bytes,
    recv_into, send, send_flags, sendfile, set_cloexec, set_nodelay, set_nonblocking,
    shutdown_write, socket_error, socketpair,
};
