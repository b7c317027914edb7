//! The passwords files of the built-in handling: `global_auth_file`,
//! per-directory `.htpasswd` files and `dav_auth_file` (the Digest check
//! itself is `core::auth`).
//!
//! - With `global_auth_file` set, every request the built-in handling
//!   answers needs credentials from that file, and `.htpasswd` files are
//!   not consulted (as in 5.4).
//! - Otherwise the nearest `.htpasswd` from the requested path up to the
//!   document root protects its whole tree (5.4 looked only in the
//!   file's own directory, so a subdirectory of a protected directory was
//!   open).
//! - A passwords file that exists but cannot be read lets nobody in (5.4
//!   let everybody in).
//! - The passwords files themselves are never served or listed: names
//!   ending in `.htpasswd` are hidden (`files::hidden`), and the global and
//!   DAV files are recognised by device and inode wherever they sit under
//!   the root, under any name or link.

use crate::core::auth::{read_passwords, Verdict};
use crate::core::connection::ConnPtr;
use crate::core::dialect::Dialect;
use crate::core::options::Opt;
use crate::core::protocol::http_session;
use crate::core::server::Server;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

fn option_path<D: Dialect>(srv: &Server<D>, opt: Opt) -> Option<PathBuf> {
    srv.options
        .borrow()
        .get_bytes(opt)
        .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p)))
}

/// The passwords file that protects `path` (under `root`), if any.
pub fn protecting_file<D: Dialect>(
    srv: &Server<D>,
    root: &Path,
    path: &Path,
    is_dir: bool,
) -> Option<PathBuf> {
    option_path(srv, Opt::GlobalAuthFile)
        .or_else(|| crate::core::auth::protecting_file(root, path, is_dir))
}

/// Checks the request against the passwords file `file`. True when it may
/// go on; otherwise the 401 challenge has been sent.
pub fn check_file<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, file: &Path) -> bool {
    let passwords = read_passwords(file).unwrap_or_default();
    let verdict = c.with(|c| http_session::check_digest(srv, c, &passwords));
    if verdict == Verdict::Granted {
        return true;
    }
    http_session::send_auth_challenge(srv, c);
    false
}

/// The `.htpasswd` or `global_auth_file` check for a request of the file
/// handler. True when it may go on; otherwise the 401 has been sent.
pub fn authorize<D: Dialect>(
    srv: &Server<D>,
    c: ConnPtr<D>,
    root: &Path,
    path: &Path,
    is_dir: bool,
) -> bool {
    match protecting_file(srv, root, path, is_dir) {
        None => true,
        Some(file) => check_file(srv, c, &file),
    }
}

/// (device, inode) of the global and DAV passwords files that exist.
fn auth_file_ids<D: Dialect>(srv: &Server<D>) -> Vec<(u64, u64)> {
    [Opt::GlobalAuthFile, Opt::DavAuthFile]
        .into_iter()
        .filter_map(|opt| option_path(srv, opt))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| (m.dev(), m.ino()))
        .collect()
}

/// True when `path` is the global or the DAV passwords file (followed
/// through links). Costs a `stat` only when one of them is set.
pub fn is_auth_file<D: Dialect>(srv: &Server<D>, path: &Path) -> bool {
    let ids = auth_file_ids(srv);
    !ids.is_empty()
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && ids.contains(&(m.dev(), m.ino())))
}

/// Keeps the entries of the listing of `dir` that are not the global or
/// DAV passwords file.
pub fn drop_auth_files<D: Dialect>(
    srv: &Server<D>,
    dir: &Path,
    entries: &mut Vec<crate::core::files::listing::Entry>,
) {
    let ids = auth_file_ids(srv);
    if ids.is_empty() {
        return;
    }
    entries.retain(|e| {
        let p = dir.join(std::ffi::OsStr::from_bytes(&e.name));
        !std::fs::metadata(p).is_ok_and(|m| ids.contains(&(m.dev(), m.ino())))
    });
}
