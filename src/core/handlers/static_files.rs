//! Built-in file serving when `document_root` is set, and `mg_send_file`:
//! path resolution, hidden files, directories (redirect, index file,
//! listing), conditional requests (304), single ranges (206/416), MIME
//! types, and the body streamed from the file with `sendfile`.

use crate::core::connection::{ConnPtr, Connection, FileBody};
use crate::core::dialect::Dialect;
use crate::core::files::conditional::{self, RangeResult};
use crate::core::files::{hidden, listing, resolve};
use crate::core::http::path::percent_encode;
use crate::core::options::Opt;
use crate::core::protocol::http_session;
use crate::core::router;
use crate::core::server::Server;
use crate::core::util::mime;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Files up to this size go out with the head in one write instead of
/// through `sendfile` (one syscall instead of two for small files).
const INLINE_FILE_LIMIT: u64 = 16 * 1024;

/// What to do with a resolved path.
pub struct Target {
    /// The path patterns are matched against (root + uri).
    pub path: std::path::PathBuf,
    /// The path to open.
    open: std::path::PathBuf,
    is_dir: bool,
    size: u64,
    mtime: i64,
    /// Already opened by the resolution (inside the root, no re-open race).
    file: Option<File>,
}

/// Serves the request from `document_root` (`root`).
pub fn serve_static<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, root: &[u8], uri: &[u8]) {
    let (rewrites, hide) = {
        let o = srv.options.borrow();
        (
            o.get_bytes(Opt::UrlRewrites).unwrap_or_default().to_vec(),
            o.get_bytes(Opt::HideFilesPatterns).map(<[u8]>::to_vec),
        )
    };
    let host = c.with(|c| c.head.header(b"Host").map(<[u8]>::to_vec));
    let resolved = match resolve::resolve(
        Path::new(std::ffi::OsStr::from_bytes(root)),
        uri,
        &rewrites,
        host.as_deref(),
    ) {
        Ok(r) => r,
        Err(resolve::ResolveError::BadUri) => return http_session::send_error(srv, c, 400),
        Err(resolve::ResolveError::Forbidden) => return http_session::send_error(srv, c, 404),
        Err(resolve::ResolveError::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return http_session::send_error(srv, c, 403)
        }
        Err(resolve::ResolveError::Io(_)) => return http_session::send_error(srv, c, 404),
    };
    let root_bytes = resolved.root.as_os_str().as_bytes().to_vec();
    if !resolved.exists
        || hidden::is_hidden_below(
            &root_bytes,
            resolved.path.as_os_str().as_bytes(),
            hide.as_deref(),
        )
    {
        return http_session::send_error(srv, c, 404);
    }
    if resolved.is_dir {
        if !uri.ends_with(b"/") {
            return redirect_to_directory(srv, c, uri);
        }
        return send_directory(srv, c, &resolved, uri, hide.as_deref());
    }
    router::serve_target(srv, c, target(resolved))
}

/// A directory requested with its trailing slash: its first index file
/// (`index_files`) that is not hidden, else the listing.
fn send_directory<D: Dialect>(
    srv: &Server<D>,
    c: ConnPtr<D>,
    dir: &resolve::Resolved,
    uri: &[u8],
    hide: Option<&[u8]>,
) {
    let index_files = srv
        .options
        .borrow()
        .get_bytes(Opt::IndexFiles)
        .unwrap_or_default()
        .to_vec();
    match resolve::find_index(dir, &index_files) {
        Some(index) if !hidden::is_hidden(index.path.as_os_str().as_bytes(), hide) => {
            router::serve_target(srv, c, target(index))
        }
        _ => send_listing(srv, c, &dir.path, uri, hide),
    }
}

/// `mg_send_file`: serves `path` as the static handler would a file it
/// resolved (no document_root, no rewrites).
pub fn send_file<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, path: &[u8]) {
    let hide = srv
        .options
        .borrow()
        .get_bytes(Opt::HideFilesPatterns)
        .map(<[u8]>::to_vec);
    let p = Path::new(std::ffi::OsStr::from_bytes(path));
    let meta = match std::fs::metadata(p) {
        Ok(m) if !hidden::is_hidden(path, hide.as_deref()) => m,
        _ => return http_session::send_error(srv, c, 404),
    };
    let t = Target {
        path: p.to_path_buf(),
        open: p.to_path_buf(),
        is_dir: meta.is_dir(),
        size: meta.len(),
        mtime: mtime(&meta),
        file: None,
    };
    if t.is_dir {
        let uri = c.with(|c| c.public_uri());
        if !uri.ends_with(b"/") {
            return redirect_to_directory(srv, c, &uri);
        }
        // The directory's index file, as for document_root requests.
        let dir = resolve::Resolved {
            opened: None,
            root: p.to_path_buf(),
            path: p.to_path_buf(),
            canonical: None,
            exists: true,
            is_dir: true,
            size: 0,
            mtime: 0,
        };
        return send_directory(srv, c, &dir, &uri, hide.as_deref());
    }
    router::serve_target(srv, c, t)
}

fn redirect_to_directory<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, uri: &[u8]) {
    let location = c.with(|c| {
        let mut location = percent_encode(uri, b"/-._~!$&'()*+,;=:@");
        location.push('/');
        if let Some(q) = query_string(c) {
            location.push('?');
            location.push_str(&String::from_utf8_lossy(&q));
        }
        location
    });
    http_session::reply(srv, c, 301, &format!("Location: {location}\r\n"), b"");
}

fn send_listing<D: Dialect>(
    srv: &Server<D>,
    c: ConnPtr<D>,
    dir: &Path,
    uri: &[u8],
    hide: Option<&[u8]>,
) {
    let enabled = srv
        .options
        .borrow()
        .get_bytes(Opt::EnableDirectoryListing)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"yes"));
    if !enabled {
        return http_session::send_error(srv, c, 403);
    }
    let mut entries = match listing::read_dir(dir, hide) {
        Ok(e) => e,
        Err(_) => return http_session::send_error(srv, c, 403),
    };
    let query = c.with(query_string);
    listing::sort(&mut entries, query.as_deref());
    let page = listing::render(uri, query.as_deref(), &entries);
    http_session::reply(
        srv,
        c,
        200,
        "Content-Type: text/html; charset=utf-8\r\n",
        &page,
    );
}

/// A regular file: 304, 416, or 200/206 with the body.
pub fn send_target<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, t: Target) {
    let extra = srv
        .options
        .borrow()
        .get_bytes(Opt::ExtraMimeTypes)
        .map(<[u8]>::to_vec);
    let path_bytes = t.path.as_os_str().as_bytes();
    let mime = extra
        .as_deref()
        .and_then(|e| mime::extra_mime_type(e, path_bytes))
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .or_else(|| mime::builtin_mime_type(path_bytes).map(str::to_owned))
        .unwrap_or_else(|| "text/plain".to_owned());
    let etag = conditional::etag(t.mtime, t.size);
    let last_modified = crate::core::http::date::http_date(t.mtime);
    let now = crate::core::net::clock::http_date_now();

    let (inm, ims, range) = c.with(|c| {
        (
            c.head.header(b"If-None-Match").map(<[u8]>::to_vec),
            c.head.header(b"If-Modified-Since").map(<[u8]>::to_vec),
            c.head.header(b"Range").map(<[u8]>::to_vec),
        )
    });
    if conditional::not_modified(inm.as_deref(), ims.as_deref(), &etag, t.mtime) {
        // (`reply` adds the Date.)
        let headers = format!("Last-Modified: {last_modified}\r\nEtag: {etag}\r\n");
        return http_session::reply(srv, c, 304, &headers, b"");
    }
    let range = conditional::parse_range(range.as_deref(), t.size);
    if range == RangeResult::Unsatisfiable {
        let headers = format!(
            "Content-Range: bytes */{}\r\nContent-Type: text/plain\r\n",
            t.size
        );
        return http_session::reply(
            srv,
            c,
            416,
            &headers,
            b"416 Requested Range Not Satisfiable\n",
        );
    }
    let opened = match t.file {
        Some(f) => Ok(f),
        None => File::open(&t.open),
    };
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return http_session::send_error(srv, c, 403)
        }
        Err(_) => return http_session::send_error(srv, c, 404),
    };
    let (start, len, status) = match range {
        RangeResult::Partial { start, end } => (start, end - start + 1, 206),
        _ => (0, t.size, 200),
    };
    let keep = c.with(|c| {
        c.set_status(status);
        let keep = c.response.keep_alive;
        let mut head = format!(
            "HTTP/1.1 {status} {}\r\nDate: {now}\r\nLast-Modified: {last_modified}\r\nEtag: {etag}\r\nContent-Type: {mime}\r\nContent-Length: {len}\r\nConnection: {}\r\nAccept-Ranges: bytes\r\n",
            if status == 206 { "Partial Content" } else { "OK" },
            if keep { "keep-alive" } else { "close" },
        );
        if let Some(cr) = range.content_range(t.size) {
            head.push_str(&format!("Content-Range: {cr}\r\n"));
        }
        head.push_str("\r\n");
        c.send.extend_from_slice(head.as_bytes());
        if c.head.is_head_method || len == 0 {
            return Some(keep);
        }
        if len <= INLINE_FILE_LIMIT && read_inline(c, &file, start, len) {
            return Some(keep);
        }
        c.file = Some(Box::new(FileBody {
            file,
            offset: start,
            remaining: len,
            keep_alive: keep,
        }));
        None // the request ends when the body has been sent
    });
    if let Some(keep) = keep {
        http_session::end_request(srv, c, keep);
    }
}

/// Reads a small file body straight into the send buffer.
fn read_inline<D: Dialect>(c: &mut Connection<D>, file: &File, start: u64, len: u64) -> bool {
    use std::os::unix::fs::FileExt;
    let at = c.send.len();
    c.send.resize(at + len as usize, 0);
    match file.read_exact_at(&mut c.send[at..], start) {
        Ok(()) => true,
        Err(_) => {
            c.send.truncate(at);
            false
        }
    }
}

fn target(r: resolve::Resolved) -> Target {
    Target {
        open: r.canonical.unwrap_or_else(|| r.path.clone()),
        path: r.path,
        is_dir: r.is_dir,
        size: r.size,
        mtime: r.mtime,
        file: r.opened.and_then(|f| std::sync::Arc::try_unwrap(f.0).ok()),
    }
}

fn mtime(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    meta.mtime()
}

fn query_string<D: Dialect>(c: &mut Connection<D>) -> Option<Vec<u8>> {
    c.head.query().map(<[u8]>::to_vec)
}
