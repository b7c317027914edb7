//! Socket calls: TCP sockets (listen, connect, accept), the wakeup socket
//! pair, recv/send/sendfile, socket options (non-blocking, close-on-exec,
//! `TCP_NODELAY`), pending errors, local and peer addresses, shutdown and
//! close, and the spare descriptor. `select()` is in `select.rs`; files
//! opened for serving are in `fs.rs`.

use super::{check, check_size};
use std::io;
use std::mem::{size_of, zeroed, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::io::RawFd;

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

/// `recv()` into an initialised buffer (rustls reads records through it).
pub fn recv_bytes(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
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
