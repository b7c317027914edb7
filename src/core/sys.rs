//! Every libc call of the library lives here: sockets, `select()` and its
//! fd sets, the wakeup socket pair and signals. Each wrapper returns
//! `io::Result` and the rest of the crate stays safe Rust.

// accept4, sendfile, openat2 and the fd_set layout read by
// `FdSet::words` are Linux's.
#[cfg(not(target_os = "linux"))]
compile_error!("this library targets Linux (see src/core/sys.rs)");

use std::io;
use std::mem::{size_of, zeroed, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::io::RawFd;
use std::time::Duration;

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

/// The highest descriptor number (exclusive) that fits in an `fd_set`.
pub const FD_SETSIZE: RawFd = libc::FD_SETSIZE as RawFd;

/// A `select()` descriptor set that refuses descriptors it cannot hold
/// instead of corrupting memory.
pub struct FdSet {
    set: libc::fd_set,
    max: RawFd,
}

impl Default for FdSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FdSet {
    pub fn new() -> FdSet {
        // SAFETY: fd_set is plain data (an array of words on Linux), and
        // all zeroes is the empty set: exactly what FD_ZERO writes.
        let set = unsafe { zeroed::<libc::fd_set>() };
        FdSet { set, max: -1 }
    }

    /// Adds `fd`; returns false (and adds nothing) if it is out of range.
    pub fn insert(&mut self, fd: RawFd) -> bool {
        if !(0..FD_SETSIZE).contains(&fd) {
            return false;
        }
        // SAFETY: 0 <= fd < FD_SETSIZE, checked above.
        unsafe { libc::FD_SET(fd, &mut self.set) };
        self.max = self.max.max(fd);
        true
    }

    pub fn contains(&self, fd: RawFd) -> bool {
        if !(0..FD_SETSIZE).contains(&fd) {
            return false;
        }
        // SAFETY: 0 <= fd < FD_SETSIZE, checked above.
        unsafe { libc::FD_ISSET(fd, &self.set) }
    }

    pub fn max(&self) -> RawFd {
        self.max
    }

    /// The set's words: bit `fd % BITS` of word `fd / BITS` is `fd`, the
    /// layout FD_SET/FD_ISSET use.
    fn words(&self) -> &[libc::c_ulong; FD_WORDS] {
        // SAFETY: on Linux an fd_set is exactly FD_SETSIZE bits stored as
        // an array of c_ulong (size checked at compile time below); the
        // reference borrows `self.set` for its lifetime.
        unsafe { &*(&self.set as *const libc::fd_set).cast::<[libc::c_ulong; FD_WORDS]>() }
    }

    /// The descriptors in `self` or `other`, ascending. Word by word, so
    /// the cost follows the ready descriptors, not the descriptor range.
    pub fn union_iter<'a>(&'a self, other: &'a FdSet) -> impl Iterator<Item = RawFd> + 'a {
        let (a, b) = (self.words(), other.words());
        // Only the words up to the highest descriptor ever inserted can
        // hold a bit (select() clears bits, it never sets new ones).
        let used = (self.max.max(other.max) + 1) as usize;
        (0..used.div_ceil(WORD_BITS)).flat_map(move |w| {
            let mut bits = a[w] | b[w];
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                Some((w * WORD_BITS) as RawFd + bit as RawFd)
            })
        })
    }
}

const WORD_BITS: usize = 8 * std::mem::size_of::<libc::c_ulong>();
const FD_WORDS: usize = libc::FD_SETSIZE / WORD_BITS;
const _: () = assert!(std::mem::size_of::<libc::fd_set>() == FD_WORDS * (WORD_BITS / 8));

/// `select()` on the two sets for at most `timeout`. Returns the number of
/// ready descriptors; `EINTR` is reported as `Ok(0)` so callers simply poll
/// again.
pub fn select(read: &mut FdSet, write: &mut FdSet, timeout: Duration) -> io::Result<usize> {
    let mut tv = libc::timeval {
        tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    let nfds = read.max.max(write.max) + 1;
    // SAFETY: both sets are initialised fd_sets holding only descriptors
    // below FD_SETSIZE, and `tv` is a valid timeval.
    let ret = unsafe {
        libc::select(
            nfds,
            &mut read.set,
            &mut write.set,
            std::ptr::null_mut(),
            &mut tv,
        )
    };
    match check(ret) {
        Ok(n) => Ok(n as usize),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            // The kernel leaves the sets as they were passed in: clear them
            // so nothing looks ready.
            *read = FdSet::new();
            *write = FdSet::new();
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

pub fn close(fd: RawFd) {
    if fd >= 0 {
        // SAFETY: closing a descriptor we own; errors are irrelevant here.
        unsafe { libc::close(fd) };
    }
}

/// Opens /dev/null read-only and close-on-exec: a descriptor held in
/// reserve for when the process runs out of them.
pub fn open_spare() -> io::Result<RawFd> {
    // SAFETY: the path is a NUL-terminated static string.
    check(unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) })
}

/// Half-closes the sending side (used for a lingering close).
pub fn shutdown_write(fd: RawFd) {
    // SAFETY: plain syscall on a descriptor we own.
    unsafe { libc::shutdown(fd, libc::SHUT_WR) };
}

pub fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor; invalid descriptors give EBADF.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above.
        check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) })?;
    }
    Ok(())
}

pub fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor; invalid descriptors give EBADF.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    // SAFETY: as above.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) })?;
    Ok(())
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `value` is a live c_int and its size is passed.
    check(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

pub fn set_nodelay(fd: RawFd) -> io::Result<()> {
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
}

fn to_sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn from_sockaddr(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match storage.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin: &libc::sockaddr_in =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin6: &libc::sockaddr_in6 =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// A non-blocking, close-on-exec TCP socket of `addr`'s family.
fn tcp_socket(addr: &SocketAddr) -> io::Result<RawFd> {
    let family = match addr.ip() {
        IpAddr::V4(_) => libc::AF_INET,
        IpAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: plain syscall.
    check(unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })
}

/// Creates a non-blocking, close-on-exec listening TCP socket bound to `addr`.
pub fn listen_tcp(addr: &SocketAddr) -> io::Result<RawFd> {
    let fd = tcp_socket(addr)?;
    let result = (|| {
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        let (storage, len) = to_sockaddr(addr);
        // SAFETY: `storage` holds a valid address of length `len`.
        check(unsafe { libc::bind(fd, (&storage as *const libc::sockaddr_storage).cast(), len) })?;
        // SAFETY: plain syscall on our socket.
        check(unsafe { libc::listen(fd, libc::SOMAXCONN) })?;
        Ok(fd)
    })();
    if result.is_err() {
        close(fd);
    }
    result
}

/// Starts a non-blocking TCP connect to `addr`. Returns the socket and
/// whether the connection is still in progress.
pub fn connect_tcp(addr: &SocketAddr) -> io::Result<(RawFd, bool)> {
    let fd = tcp_socket(addr)?;
    let (storage, len) = to_sockaddr(addr);
    // SAFETY: `storage` holds a valid address of length `len`.
    let ret = unsafe { libc::connect(fd, (&storage as *const libc::sockaddr_storage).cast(), len) };
    match check(ret) {
        Ok(_) => Ok((fd, false)),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok((fd, true)),
        Err(e) => {
            close(fd);
            Err(e)
        }
    }
}

/// The pending error of a socket (`SO_ERROR`), 0 when none.
pub fn socket_error(fd: RawFd) -> i32 {
    let mut err: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `err`/`len` describe a writable c_int.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if ret == -1 {
        io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO)
    } else {
        err
    }
}

/// Accepts one connection as a non-blocking, close-on-exec socket.
pub fn accept(listener: RawFd) -> io::Result<(RawFd, Option<SocketAddr>)> {
    // SAFETY: sockaddr_storage is plain data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: storage/len describe a writable sockaddr buffer.
    let fd = check(unsafe {
        libc::accept4(
            listener,
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    })?;
    Ok((fd, from_sockaddr(&storage)))
}

/// `recv()` into `buf`. `Ok(0)` means the peer closed.
pub fn recv(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is writable for its length.
    check_size(unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) })
}

/// `recv()` into `scratch`, appending what arrived to `buf`. `Ok(0)` means
/// the peer closed.
pub fn recv_into(
    fd: RawFd,
    scratch: &mut [MaybeUninit<u8>],
    buf: &mut Vec<u8>,
) -> io::Result<usize> {
    let n = recv(fd, scratch)?;
    // SAFETY: recv initialised the first `n` bytes of `scratch`.
    let data = unsafe { std::slice::from_raw_parts(scratch.as_ptr().cast::<u8>(), n) };
    buf.extend_from_slice(data);
    Ok(n)
}

/// `send()` without raising SIGPIPE.
pub fn send(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    send_flags(fd, buf, false)
}

/// `send()`; `more` (MSG_MORE) tells the kernel more data follows at once
/// (a reply head before a small `sendfile` body), so both share packets.
pub fn send_flags(fd: RawFd, buf: &[u8], more: bool) -> io::Result<usize> {
    let flags = libc::MSG_NOSIGNAL | if more { libc::MSG_MORE } else { 0 };
    // SAFETY: `buf` is readable for its length.
    check_size(unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), flags) })
}

/// `sendfile()`: copies up to `count` bytes of `file` from `*offset` to the
/// socket, advancing `*offset`.
pub fn sendfile(socket: RawFd, file: RawFd, offset: &mut u64, count: usize) -> io::Result<usize> {
    let mut off = *offset as libc::off_t;
    // SAFETY: plain syscall; `off` is a valid off_t the kernel updates.
    let n = check_size(unsafe { libc::sendfile(socket, file, &mut off, count) })?;
    *offset = off as u64;
    Ok(n)
}

/// A connected pair of non-blocking, close-on-exec Unix stream sockets.
pub fn socketpair() -> io::Result<(RawFd, RawFd)> {
    let mut fds = [-1 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    Ok((fds[0], fds[1]))
}

/// Ignores SIGPIPE process-wide, as Mongoose 5.4's `mg_create_server` does.
pub fn ignore_sigpipe() {
    // SAFETY: installing SIG_IGN is always sound.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Drops privileges to `user` (getpwnam, setgid, setuid), as 5.4's
/// `run_as_user` option does.
pub fn run_as_user(user: &[u8]) -> Result<(), super::options::OptionError> {
    use super::options::OptionError;
    let name = std::ffi::CString::new(user).map_err(|_| OptionError::UnknownUser)?;
    // SAFETY: `name` is a valid C string; getpwnam returns NULL or a
    // pointer to static storage that we read immediately.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(OptionError::UnknownUser);
    }
    // SAFETY: `pw` is non-NULL and points at a valid passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    // SAFETY: plain syscalls.
    if unsafe { libc::setgid(gid) } != 0 {
        return Err(OptionError::SetgidFailed);
    }
    // SAFETY: plain syscall.
    if unsafe { libc::setuid(uid) } != 0 {
        return Err(OptionError::SetuidFailed);
    }
    Ok(())
}

/// A mutex built on `pthread_mutex_t`. Used for the little state that
/// other threads touch (the wakeup queue, the shared-listener registry):
/// unlike std's futex-based `Mutex`, ThreadSanitizer sees these locks when a
/// C program built with `-fsanitize=thread` links the library, so its runs
/// report real races only.
pub struct Lock<T> {
    mutex: Box<std::cell::UnsafeCell<libc::pthread_mutex_t>>,
    data: std::cell::UnsafeCell<T>,
}

// SAFETY: access to `data` is serialised by the pthread mutex.
unsafe impl<T: Send> Send for Lock<T> {}
// SAFETY: as above; `&Lock` only hands out data under the mutex.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    pub fn new(value: T) -> Lock<T> {
        Lock {
            // Boxed so the pthread mutex never moves once in use.
            mutex: Box::new(std::cell::UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER)),
            data: std::cell::UnsafeCell::new(value),
        }
    }

    /// Runs `f` with the lock held.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        struct Unlock<'a>(&'a std::cell::UnsafeCell<libc::pthread_mutex_t>);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                // SAFETY: we locked this mutex below and still hold it.
                unsafe { libc::pthread_mutex_unlock(self.0.get()) };
            }
        }
        // SAFETY: an initialised, boxed (non-moving) default mutex.
        unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
        let _unlock = Unlock(&self.mutex);
        // SAFETY: the mutex is held, so this is the only access to `data`;
        // the reference does not outlive the guard.
        f(unsafe { &mut *self.data.get() })
    }
}

impl<T> Drop for Lock<T> {
    fn drop(&mut self) {
        // SAFETY: no guard can be alive while we are dropped (&mut self).
        unsafe { libc::pthread_mutex_destroy(self.mutex.get()) };
    }
}

/// Opens `rel` (relative, no leading `/` needed) for reading *beneath* the
/// directory `root`: the kernel (`openat2` with `RESOLVE_BENEATH`) refuses
/// any resolution that would leave `root` — `..`, absolute paths or
/// symbolic links pointing outside — with `EXDEV`. This both opens the file
/// and proves containment in two syscalls, instead of canonicalising every
/// path component. `ENOSYS` (kernels before 5.6) or `EPERM` (seccomp) tell
/// the caller to fall back to its portable check.
pub fn open_beneath(root: &std::path::Path, rel: &[u8]) -> io::Result<std::fs::File> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::FromRawFd;
    let invalid = || io::Error::from(io::ErrorKind::InvalidInput);
    let root = std::ffi::CString::new(root.as_os_str().as_bytes()).map_err(|_| invalid())?;
    let rel = rel.strip_prefix(b"/").unwrap_or(rel);
    let rel = std::ffi::CString::new(if rel.is_empty() { &b"."[..] } else { rel })
        .map_err(|_| invalid())?;
    let dir = root_dir(&root)?;
    // SAFETY: open_how is plain data; all-zero is valid.
    let mut how: libc::open_how = unsafe { zeroed() };
    how.flags = (libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY) as u64;
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: `dir` is an open directory, `rel` a valid C string and `how`
    // a valid open_how of the size passed.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir,
            rel.as_ptr(),
            &how as *const libc::open_how,
            size_of::<libc::open_how>(),
        )
    };
    let result = if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(fd as RawFd)
    };
    // SAFETY: `fd` is a descriptor we just opened and own.
    result.map(|fd| unsafe { std::fs::File::from_raw_fd(fd) })
}

/// How long an opened document root is reused before it is looked up
/// again (so a root directory replaced on disk is picked up quickly).
const ROOT_DIR_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The last document root opened by this thread: its path, an `O_PATH`
/// descriptor, and when it was opened.
type RootDirCache = Option<(std::ffi::CString, std::os::fd::OwnedFd, std::time::Instant)>;

thread_local! {
    /// Saves an open/close pair per static-file request.
    static ROOT_DIR: std::cell::RefCell<RootDirCache> = const { std::cell::RefCell::new(None) };
}

/// An `O_PATH` descriptor for the directory `root`, cached per thread.
fn root_dir(root: &std::ffi::CStr) -> io::Result<RawFd> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let now = crate::core::net::clock::now();
    ROOT_DIR.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((path, fd, opened)) = cache.as_ref() {
            if path.as_c_str() == root && now.saturating_duration_since(*opened) < ROOT_DIR_TTL {
                return Ok(fd.as_raw_fd());
            }
        }
        // SAFETY: `root` is a valid C string.
        let fd = check(unsafe {
            libc::open(
                root.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        })?;
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        *cache = Some((root.to_owned(), owned, now));
        Ok(fd)
    })
}

/// The local address of a socket.
pub fn local_addr(fd: RawFd) -> Option<SocketAddr> {
    socket_name(fd, libc::getsockname)
}

/// The peer address of a connected socket.
pub fn peer_addr(fd: RawFd) -> Option<SocketAddr> {
    socket_name(fd, libc::getpeername)
}

type NameCall =
    unsafe extern "C" fn(libc::c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> libc::c_int;

/// Runs `getsockname` or `getpeername` on `fd`.
fn socket_name(fd: RawFd, call: NameCall) -> Option<SocketAddr> {
    // SAFETY: sockaddr_storage is plain data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: storage/len describe a writable sockaddr buffer.
    let ret = unsafe {
        call(
            fd,
            (&mut storage as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    if ret == 0 {
        from_sockaddr(&storage)
    } else {
        None
    }
}

#[cfg(test)]
mod fd_set_tests {
    use super::FdSet;

    #[test]
    fn union_iter_lists_both_sets_in_order() {
        let (mut a, mut b) = (FdSet::new(), FdSet::new());
        for fd in [0, 5, 63, 64, 700, 1023] {
            assert!(a.insert(fd));
        }
        for fd in [5, 6, 128, 1023] {
            assert!(b.insert(fd));
        }
        assert!(!a.insert(1024) && !a.insert(-1));
        let got: Vec<_> = a.union_iter(&b).collect();
        assert_eq!(got, [0, 5, 6, 63, 64, 128, 700, 1023]);
        for fd in got {
            assert!(a.contains(fd) || b.contains(fd));
        }
        assert_eq!(FdSet::new().union_iter(&FdSet::new()).count(), 0);
    }
}
