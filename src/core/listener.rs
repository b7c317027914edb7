//! Listening sockets can be shared between servers
//! (`mg_set_listening_socket`), possibly on different threads. Each server
//! that uses one holds a reference; the socket is closed when the last
//! server lets go, so destroying one server never pulls the socket out from
//! under the others (5.4 closed it for everyone).

use super::sys;
use std::os::unix::io::RawFd;
use std::sync::Mutex;

/// (descriptor, number of servers using it)
static SHARED: Mutex<Vec<(RawFd, usize)>> = Mutex::new(Vec::new());

/// Registers one more user of `fd` and returns it.
pub fn adopt(fd: RawFd) -> RawFd {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    match shared.iter_mut().find(|(f, _)| *f == fd) {
        Some((_, count)) => *count += 1,
        None => shared.push((fd, 1)),
    }
    fd
}

/// Drops one user of `fd`; the last one closes it.
pub fn release(fd: RawFd) {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = shared.iter().position(|(f, _)| *f == fd) {
        shared[i].1 -= 1;
        if shared[i].1 == 0 {
            shared.swap_remove(i);
            sys::close(fd);
        }
    }
}
