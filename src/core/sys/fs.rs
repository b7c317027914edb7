//! Opening files to serve: `open_beneath` (openat2 with `RESOLVE_BENEATH`)
//! and the per-thread cache of the document root's descriptor it opens
//! from. Path checks and the fallback for older kernels are the caller's
//! (`files/resolve.rs`); sockets are in `socket.rs`. The time comes in
//! as an argument, so this layer reads no clock of its own.

use super::check;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::unix::io::RawFd;

/// Opens `rel` (relative, no leading `/` needed) for reading *beneath* the
/// directory `root`: the kernel (`openat2` with `RESOLVE_BENEATH`) refuses
/// any resolution that would leave `root` — `..`, absolute paths or
/// symbolic links pointing outside — with `EXDEV`. This both opens the file
/// and proves containment in two syscalls, instead of canonicalising every
/// path component. `ENOSYS` (kernels before 5.6) or `EPERM` (seccomp) tell
/// the caller to fall back to its portable check. `now` (the event loop's
/// cached clock) ages the cached root descriptor.
pub fn open_beneath(
    root: &std::path::Path,
    rel: &[u8],
    now: std::time::Instant,
) -> io::Result<std::fs::File> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::FromRawFd;
    let invalid = || io::Error::from(io::ErrorKind::InvalidInput);
    let root = std::ffi::CString::new(root.as_os_str().as_bytes()).map_err(|_| invalid())?;
    let rel = rel.strip_prefix(b"/").unwrap_or(rel);
    let rel = std::ffi::CString::new(if rel.is_empty() { &b"."[..] } else { rel })
        .map_err(|_| invalid())?;
    let dir = root_dir(&root, now)?;
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
fn root_dir(root: &std::ffi::CStr, now: std::time::Instant) -> io::Result<RawFd> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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
