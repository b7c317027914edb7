//! Listening sockets can be shared between servers
//! (`mg_set_listening_socket`), possibly on different threads. Each server
//! that uses one holds a reference; the socket is closed when the last
//! server lets go, so destroying one server never pulls the socket out from
//! under the others (5.4 closed it for everyone).

use crate::core::sys;
use std::os::unix::io::RawFd;
use std::sync::OnceLock;

/// (descriptor, number of servers using it)
fn shared() -> &'static sys::Lock<Vec<(RawFd, usize)>> {
    static SHARED: OnceLock<sys::Lock<Vec<(RawFd, usize)>>> = OnceLock::new();
    SHARED.get_or_init(|| sys::Lock::new(Vec::new()))
}

/// Registers one more user of `fd` and returns it.
pub fn adopt(fd: RawFd) -> RawFd {
    shared().with(|shared| match shared.iter_mut().find(|(f, _)| *f == fd) {
        Some((_, count)) => *count += 1,
        None => shared.push((fd, 1)),
    });
    fd
}

/// Drops one user of `fd`; the last one closes it.
pub fn release(fd: RawFd) {
    let last = shared().with(|shared| {
        let i = shared.iter().position(|(f, _)| *f == fd)?;
        shared[i].1 -= 1;
        (shared[i].1 == 0).then(|| shared.swap_remove(i))
    });
    if last.is_some() {
        sys::close(fd);
    }
}
