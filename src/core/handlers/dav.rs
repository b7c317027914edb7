//! WebDAV (RFC 4918, classes 1 and 2) under `document_root`: PUT, DELETE,
//! MKCOL, PROPFIND (Depth 0 and 1), PROPPATCH, COPY, MOVE, LOCK and UNLOCK.
//!
//! Access: with `dav_auth_file` set, every DAV method needs a user of that
//! file (5.4: the `.htpasswd` files do not apply to DAV requests). Without
//! it, the methods that change anything get 405 and PROPFIND is answered
//! under the same `.htpasswd`/`global_auth_file` rules as GET. Paths are
//! confined to the root as for static files, in the request URI and in
//! `Destination:`; hidden files (`.htpasswd`, `hide_files_patterns`, the
//! passwords files) cannot be read, listed, written, copied or moved onto.
//!
//! Locks and dead properties live in memory (`dav_state`). A PUT writes a
//! temporary file next to the target and renames it into place, so a
//! failed upload leaves the old file as it was.

use crate::core::connection::ConnPtr;
use crate::core::dialect::Dialect;
use crate::core::files::{conditional, hidden, resolve};
use crate::core::handlers::auth_files;
use crate::core::handlers::dav_state::{key, DavState, DeadProp, IfHeader, Lock};
use crate::core::handlers::dav_state::{
    Condition, DEFAULT_LOCK_TIMEOUT_SECS, MAX_LOCK_TIMEOUT_SECS,
};
use crate::core::handlers::dav_xml::{self, escape, Element};
use crate::core::http::path::{percent_decode, percent_encode};
use crate::core::options::Opt;
use crate::core::protocol::http_session;
use crate::core::server::Server;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The methods served when `dav_auth_file` is set.
pub const ALLOW_DAV: &str = "Allow: GET, HEAD, POST, OPTIONS, PUT, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK\r\nDAV: 1, 2\r\n";
/// The methods served without it (read only).
const ALLOW_READ: &str = "Allow: GET, HEAD, POST, OPTIONS, PROPFIND\r\n";

const XML: &str = "Content-Type: application/xml; charset=utf-8\r\n";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
const HREF_SAFE: &[u8] = b"/-._~!$&'()*+,;=:@";
/// Prefix of PUT's temporary files (never listed).
const TEMP_PREFIX: &str = ".mg-dav-put-";

/// The request, as the DAV code needs it.
struct Req {
    method: Vec<u8>,
    uri: Vec<u8>,
    root: PathBuf,
    path: PathBuf,
    key: PathBuf,
    exists: bool,
    is_dir: bool,
    hide: Option<Vec<u8>>,
    rewrites: Vec<u8>,
    host: Option<Vec<u8>>,
}

impl Req {
    fn href(&self) -> String {
        href_of(&self.uri, self.is_dir)
    }
}

fn href_of(uri: &[u8], is_dir: bool) -> String {
    let mut h = percent_encode(uri, HREF_SAFE);
    if is_dir && !h.ends_with('/') {
        h.push('/');
    }
    escape(h.as_bytes())
}

fn is_mutation(method: &[u8]) -> bool {
    matches!(
        method,
        b"PUT" | b"DELETE" | b"MKCOL" | b"PROPPATCH" | b"COPY" | b"MOVE" | b"LOCK" | b"UNLOCK"
    )
}

fn now() -> i64 {
    crate::core::net::clock::unix_now()
}

fn header<D: Dialect>(c: ConnPtr<D>, name: &[u8]) -> Option<Vec<u8>> {
    c.with(|c| c.head.header(name).map(<[u8]>::to_vec))
}

fn body<D: Dialect>(c: ConnPtr<D>) -> Vec<u8> {
    c.with(|c| {
        let start = c.head.head_len;
        c.recv
            .get(start..start + c.body_len)
            .unwrap_or_default()
            .to_vec()
    })
}

/// Serves a WebDAV request under `root`.
pub fn serve<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, root: &[u8], uri: &[u8], method: &[u8]) {
    let (rewrites, hide, dav_file) = {
        let o = srv.options.borrow();
        (
            o.get_bytes(Opt::UrlRewrites).unwrap_or_default().to_vec(),
            o.get_bytes(Opt::HideFilesPatterns).map(<[u8]>::to_vec),
            o.get_bytes(Opt::DavAuthFile)
                .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p))),
        )
    };
    if !is_mutation(method) && method != b"PROPFIND" {
        return http_session::send_error_with(srv, c, 405, ALLOW_READ);
    }
    if is_mutation(method) && dav_file.is_none() {
        return http_session::send_error_with(srv, c, 405, ALLOW_READ);
    }
    let host = header(c, b"Host");
    let resolved = match resolve::resolve(
        Path::new(std::ffi::OsStr::from_bytes(root)),
        uri,
        &rewrites,
        host.as_deref(),
    ) {
        Ok(r) => r,
        Err(resolve::ResolveError::BadUri) => return http_session::send_error(srv, c, 400),
        Err(resolve::ResolveError::Forbidden) => return http_session::send_error(srv, c, 404),
        Err(resolve::ResolveError::Io(e)) if e.kind() == io::ErrorKind::PermissionDenied => {
            return http_session::send_error(srv, c, 403)
        }
        Err(resolve::ResolveError::Io(_)) => return http_session::send_error(srv, c, 404),
    };
    match &dav_file {
        Some(file) => {
            if !auth_files::check_file(srv, c, file) {
                return;
            }
        }
        None => {
            if !auth_files::authorize(srv, c, &resolved.root, &resolved.path, resolved.is_dir) {
                return;
            }
        }
    }
    let req = Req {
        method: method.to_vec(),
        uri: uri.to_vec(),
        key: key(&resolved.path),
        root: resolved.root.clone(),
        path: resolved.path.clone(),
        exists: resolved.exists,
        is_dir: resolved.is_dir,
        hide,
        rewrites,
        host,
    };
    if is_hidden(srv, &req, &req.path) {
        let code = if is_mutation(method) { 403 } else { 404 };
        return http_session::send_error(srv, c, code);
    }
    // The If: header holds for every method (RFC 4918 10.4).
    let tokens = match evaluate_if(srv, c, &req) {
        Ok(t) => t,
        Err(code) => return http_session::send_error(srv, c, code),
    };
    match method {
        b"PROPFIND" => propfind(srv, c, &req),
        b"PUT" => put(srv, c, &req, &tokens),
        b"DELETE" => delete(srv, c, &req, &tokens),
        b"MKCOL" => mkcol(srv, c, &req, &tokens),
        b"PROPPATCH" => proppatch(srv, c, &req, &tokens),
        b"COPY" | b"MOVE" => copy_move(srv, c, &req, &tokens),
        b"LOCK" => lock(srv, c, &req, &tokens),
        b"UNLOCK" => unlock(srv, c, &req),
        _ => http_session::send_error_with(srv, c, 405, ALLOW_DAV),
    }
}

fn is_hidden<D: Dialect>(srv: &Server<D>, req: &Req, path: &Path) -> bool {
    let bytes = path.as_os_str().as_bytes();
    hidden::is_hidden_below(req.root.as_os_str().as_bytes(), bytes, req.hide.as_deref())
        || auth_files::is_auth_file(srv, path)
        || path
            .file_name()
            .is_some_and(|n| n.as_bytes().starts_with(TEMP_PREFIX.as_bytes()))
}

fn etag_of(meta: &fs::Metadata) -> String {
    conditional::etag(meta.mtime(), if meta.is_dir() { 0 } else { meta.len() })
}

/// Maps a URL (absolute, or an absolute path) of this server to a path
/// under the root: Err(502) for another host, Err(403) for one that
/// leaves the root, Err(400) when malformed.
fn url_to_path(req: &Req, url: &[u8]) -> Result<(Vec<u8>, resolve::Resolved), i32> {
    let mut path = url;
    let lower = url.to_ascii_lowercase();
    for scheme in [&b"http://"[..], b"https://"] {
        if lower.starts_with(scheme) {
            let rest = &url[scheme.len()..];
            let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            let authority = &rest[..slash];
            let same = req
                .host
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(authority));
            if !same {
                return Err(502);
            }
            path = &rest[slash..];
        }
    }
    let end = path
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(path.len());
    let decoded = percent_decode(&path[..end]);
    if !decoded.starts_with(b"/") {
        return Err(400);
    }
    if decoded.contains(&0)
        || decoded.contains(&b'\\')
        || decoded.split(|&b| b == b'/').any(|s| s == b"..")
    {
        return Err(403);
    }
    let r = resolve::resolve(
        &req.root_for_rewrites(),
        &decoded,
        &req.rewrites,
        req.host.as_deref(),
    )
    .map_err(|e| match e {
        resolve::ResolveError::BadUri => 400,
        _ => 403,
    })?;
    Ok((decoded, r))
}

impl Req {
    /// The document root the URI was resolved under (before rewrites).
    fn root_for_rewrites(&self) -> PathBuf {
        // `path` is root + uri: strip the URI back off.
        let p = self.path.as_os_str().as_bytes();
        let n = p.len().saturating_sub(self.uri.len());
        PathBuf::from(std::ffi::OsStr::from_bytes(&p[..n]))
    }
}

/// Evaluates `If:`: Ok with the lock tokens it submits, Err(400) when
/// malformed, Err(412) when no list holds.
fn evaluate_if<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req) -> Result<Vec<String>, i32> {
    let Some(h) = header(c, b"If") else {
        return Ok(Vec::new());
    };
    let parsed = IfHeader::parse(&h).ok_or(400)?;
    let t = now();
    let mut state = srv_state(srv);
    let any = parsed.lists.iter().any(|(tag, list)| {
        let path = match tag {
            None => req.key.clone(),
            Some(url) => match url_to_path(req, url.as_bytes()) {
                Ok((_, r)) => key(&r.path),
                Err(_) => return false,
            },
        };
        let meta = fs::metadata(&path).ok();
        let locks = state.locks_covering(&path, t);
        list.iter().all(|(not, cond)| {
            let holds = match cond {
                Condition::Token(tok) => locks.iter().any(|l| &l.token == tok),
                Condition::ETag(e) => meta.as_ref().is_some_and(|m| etag_of(m) == *e),
            };
            holds != *not
        })
    });
    if !any {
        return Err(412);
    }
    Ok(parsed.tokens().into_iter().map(str::to_owned).collect())
}

fn srv_state<D: Dialect>(srv: &Server<D>) -> std::cell::RefMut<'_, DavState> {
    srv.dav.borrow_mut()
}

/// True when every lock on the paths is one whose token was submitted:
/// `(path, subtree)` pairs; `subtree` also takes the locks below it.
fn locks_allow<D: Dialect>(srv: &Server<D>, paths: &[(&Path, bool)], tokens: &[String]) -> bool {
    let t = now();
    let mut state = srv_state(srv);
    paths.iter().all(|(p, subtree)| {
        let mut locks = state.locks_covering(p, t);
        if *subtree {
            locks.extend(state.locks_below(p, t));
        }
        locks.iter().all(|l| tokens.contains(&l.token))
    })
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// PROPFIND
// ---------------------------------------------------------------------------

enum PropRequest {
    All,
    Names,
    Some(Vec<(Vec<u8>, Vec<u8>)>),
}

fn parse_propfind(body: &[u8]) -> Option<PropRequest> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(PropRequest::All);
    }
    let root = dav_xml::parse(body)?;
    if !root.is("propfind") {
        return None;
    }
    if root.child("allprop").is_some() {
        return Some(PropRequest::All);
    }
    if root.child("propname").is_some() {
        return Some(PropRequest::Names);
    }
    let prop = root.child("prop")?;
    Some(PropRequest::Some(
        prop.children
            .iter()
            .map(|e| (e.ns.clone(), e.name.clone()))
            .collect(),
    ))
}

const LIVE: &[&str] = &[
    "resourcetype",
    "getcontentlength",
    "getcontenttype",
    "getetag",
    "getlastmodified",
    "supportedlock",
    "lockdiscovery",
];

fn live_value(name: &str, path: &Path, meta: &fs::Metadata, locks: &[Lock]) -> Option<String> {
    Some(match name {
        "resourcetype" if meta.is_dir() => "<D:collection/>".to_owned(),
        "resourcetype" => String::new(),
        "getcontentlength" if !meta.is_dir() => meta.len().to_string(),
        "getcontenttype" if !meta.is_dir() => {
            crate::core::util::mime::builtin_mime_type(path.as_os_str().as_bytes())
                .unwrap_or("application/octet-stream")
                .to_owned()
        }
        "getetag" => escape(etag_of(meta).as_bytes()),
        "getlastmodified" => crate::core::http::date::http_date(meta.mtime()),
        "supportedlock" => "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>".to_owned(),
        "lockdiscovery" => locks.iter().map(active_lock).collect(),
        _ => return None,
    })
}

fn active_lock(l: &Lock) -> String {
    format!(
        "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:{}/></D:lockscope><D:depth>{}</D:depth>{}<D:timeout>Second-{}</D:timeout><D:locktoken><D:href>{}</D:href></D:locktoken><D:lockroot><D:href>{}</D:href></D:lockroot></D:activelock>",
        if l.exclusive { "exclusive" } else { "shared" },
        if l.infinite { "infinity" } else { "0" },
        l.owner,
        l.timeout,
        escape(l.token.as_bytes()),
        l.href,
    )
}

fn prop_element(ns: &[u8], name: &[u8], decls: &str, value: Option<&str>) -> String {
    let name = String::from_utf8_lossy(name);
    let (open, close) = if ns == b"DAV:" {
        (format!("D:{name}{decls}"), format!("D:{name}"))
    } else if ns.is_empty() {
        (format!("{name} xmlns=\"\"{decls}"), name.to_string())
    } else {
        (
            format!("P:{name} xmlns:P=\"{}\"{decls}", escape(ns)),
            format!("P:{name}"),
        )
    };
    match value {
        Some(v) if !v.is_empty() => format!("<{open}>{v}</{close}>"),
        _ => format!("<{open}/>"),
    }
}

fn propstat(props: &str, status: &str) -> String {
    format!(
        "<D:propstat><D:prop>{props}</D:prop><D:status>HTTP/1.1 {status}</D:status></D:propstat>"
    )
}

fn response_for<D: Dialect>(
    srv: &Server<D>,
    href: &str,
    path: &Path,
    meta: &fs::Metadata,
    what: &PropRequest,
) -> String {
    let t = now();
    let mut state = srv_state(srv);
    let k = key(path);
    let locks = state.locks_covering(&k, t);
    let dead = state.props(&k).to_vec();
    drop(state);
    let mut found = String::new();
    let mut missing = String::new();
    match what {
        PropRequest::All | PropRequest::Names => {
            for name in LIVE {
                if let Some(v) = live_value(name, path, meta, &locks) {
                    let v = matches!(what, PropRequest::All).then_some(v);
                    found.push_str(&prop_element(b"DAV:", name.as_bytes(), "", v.as_deref()));
                }
            }
            for p in &dead {
                let v = matches!(what, PropRequest::All).then_some(p.value.as_str());
                found.push_str(&prop_element(&p.ns, &p.name, &p.decls, v));
            }
        }
        PropRequest::Some(names) => {
            for (ns, name) in names {
                let live = (ns == b"DAV:")
                    .then(|| std::str::from_utf8(name).ok())
                    .flatten()
                    .and_then(|n| live_value(n, path, meta, &locks));
                if let Some(v) = live {
                    found.push_str(&prop_element(ns, name, "", Some(&v)));
                } else if let Some(p) = dead.iter().find(|p| p.ns == *ns && p.name == *name) {
                    found.push_str(&prop_element(ns, name, &p.decls, Some(&p.value)));
                } else {
                    missing.push_str(&prop_element(ns, name, "", None));
                }
            }
        }
    }
    let mut out = format!("<D:response><D:href>{href}</D:href>");
    if !found.is_empty() || missing.is_empty() {
        out.push_str(&propstat(&found, "200 OK"));
    }
    if !missing.is_empty() {
        out.push_str(&propstat(&missing, "404 Not Found"));
    }
    out.push_str("</D:response>\n");
    out
}

fn propfind<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req) {
    let depth_one = match header(c, b"Depth").as_deref() {
        Some(b"0") => false,
        Some(b"1") => true,
        _ => {
            // Infinity (also when absent): refused as RFC 4918 9.1 allows.
            let body = format!(
                "{XML_HEAD}<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n"
            );
            return http_session::reply(srv, c, 403, XML, body.as_bytes());
        }
    };
    let Some(what) = parse_propfind(&body(c)) else {
        return http_session::send_error(srv, c, 400);
    };
    if !req.exists {
        return http_session::send_error(srv, c, 404);
    }
    let Ok(meta) = fs::metadata(&req.path) else {
        return http_session::send_error(srv, c, 404);
    };
    let mut out = format!("{XML_HEAD}<D:multistatus xmlns:D=\"DAV:\">\n");
    out.push_str(&response_for(srv, &req.href(), &req.path, &meta, &what));
    if depth_one && meta.is_dir() {
        let Ok(dir) = fs::read_dir(&req.path) else {
            return http_session::send_error(srv, c, 403);
        };
        let mut base = req.uri.clone();
        if !base.ends_with(b"/") {
            base.push(b'/');
        }
        for entry in dir.flatten() {
            let child = entry.path();
            if is_hidden(srv, req, &child) {
                continue;
            }
            let Ok(m) = fs::metadata(&child) else {
                continue;
            };
            let mut uri = base.clone();
            uri.extend_from_slice(entry.file_name().as_bytes());
            out.push_str(&response_for(
                srv,
                &href_of(&uri, m.is_dir()),
                &child,
                &m,
                &what,
            ));
        }
    }
    out.push_str("</D:multistatus>\n");
    http_session::reply(srv, c, 207, XML, out.as_bytes());
}

// ---------------------------------------------------------------------------
// PUT, DELETE, MKCOL
// ---------------------------------------------------------------------------

fn io_status(e: &io::Error) -> i32 {
    match e.kind() {
        io::ErrorKind::PermissionDenied => 403,
        io::ErrorKind::NotFound => 409,
        _ if e.raw_os_error() == Some(libc::ENOSPC) || e.raw_os_error() == Some(libc::EDQUOT) => {
            507
        }
        _ => 500,
    }
}

fn temp_path(dir: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()))
}

fn put<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    if header(c, b"Content-Range").is_some() {
        // Partial PUT (5.4 wrote the range, truncating the rest): refused.
        return http_session::send_error(srv, c, 501);
    }
    if req.is_dir || req.uri.ends_with(b"/") {
        return http_session::send_error_with(srv, c, 405, ALLOW_DAV);
    }
    let parent = parent_of(&req.path);
    if !parent.is_dir() {
        return http_session::send_error(srv, c, 409);
    }
    let parent_key = key(&parent);
    if !locks_allow(srv, &[(&req.key, false), (&parent_key, false)], tokens) {
        return http_session::send_error(srv, c, 423);
    }
    let tmp = temp_path(&parent);
    let written = c.with(|c| {
        let start = c.head.head_len;
        let data = c.recv.get(start..start + c.body_len).unwrap_or_default();
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_data().ok();
        Ok::<(), io::Error>(())
    });
    let result = written.and_then(|()| fs::rename(&tmp, &req.path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return http_session::send_error(srv, c, io_status(&e));
    }
    let status = if req.exists { 204 } else { 201 };
    let etag = fs::metadata(&req.path)
        .map(|m| format!("ETag: {}\r\n", etag_of(&m)))
        .unwrap_or_default();
    http_session::reply(srv, c, status, &etag, b"");
}

fn delete<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    if !req.exists {
        return http_session::send_error(srv, c, 404);
    }
    let parent_key = key(&parent_of(&req.path));
    if !locks_allow(srv, &[(&req.key, true), (&parent_key, false)], tokens) {
        return http_session::send_error(srv, c, 423);
    }
    let result = if req.is_dir {
        fs::remove_dir_all(&req.path)
    } else {
        fs::remove_file(&req.path)
    };
    if let Err(e) = result {
        return http_session::send_error(srv, c, io_status(&e));
    }
    srv_state(srv).forget(&req.key, true);
    http_session::reply(srv, c, 204, "", b"");
}

fn mkcol<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    if c.with(|c| c.body_len) > 0 {
        return http_session::send_error(srv, c, 415);
    }
    if req.exists {
        return http_session::send_error_with(srv, c, 405, ALLOW_DAV);
    }
    let parent = parent_of(&req.path);
    if !parent.is_dir() {
        return http_session::send_error(srv, c, 409);
    }
    if !locks_allow(srv, &[(&key(&parent), false)], tokens) {
        return http_session::send_error(srv, c, 423);
    }
    match fs::create_dir(&req.path) {
        Ok(()) => http_session::reply(srv, c, 201, "", b""),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            http_session::send_error_with(srv, c, 405, ALLOW_DAV)
        }
        Err(e) => http_session::send_error(srv, c, io_status(&e)),
    }
}

// ---------------------------------------------------------------------------
// PROPPATCH
// ---------------------------------------------------------------------------

fn proppatch<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    let data = body(c);
    let Some(root) = dav_xml::parse(&data) else {
        return http_session::send_error(srv, c, 400);
    };
    if !root.is("propertyupdate") {
        return http_session::send_error(srv, c, 400);
    }
    if !req.exists {
        return http_session::send_error(srv, c, 404);
    }
    if !locks_allow(srv, &[(&req.key, false)], tokens) {
        return http_session::send_error(srv, c, 423);
    }
    let mut ops = Vec::new();
    for action in &root.children {
        let set = if action.is("set") {
            true
        } else if action.is("remove") {
            false
        } else {
            continue;
        };
        for prop in action.children.iter().filter(|e| e.is("prop")) {
            for p in &prop.children {
                ops.push((set, dead_prop(p, &data)));
            }
        }
    }
    // Live properties cannot be changed: 403 for them, 424 for the rest.
    let protected = |p: &DeadProp| p.ns == b"DAV:" && LIVE.iter().any(|n| n.as_bytes() == p.name);
    let failed = ops.iter().any(|(_, p)| protected(p));
    let stored = !failed && srv_state(srv).patch(&req.key, &ops);
    let mut body = format!(
        "{XML_HEAD}<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>{}</D:href>",
        req.href()
    );
    for (_, p) in &ops {
        let status = if stored {
            "200 OK"
        } else if protected(p) {
            "403 Forbidden"
        } else if failed {
            "424 Failed Dependency"
        } else {
            "507 Insufficient Storage"
        };
        body.push_str(&propstat(&prop_element(&p.ns, &p.name, "", None), status));
    }
    body.push_str("</D:response></D:multistatus>\n");
    http_session::reply(srv, c, 207, XML, body.as_bytes());
}

fn dead_prop(e: &Element, data: &[u8]) -> DeadProp {
    let mut decls = dav_xml::scope_attributes(&e.scope);
    if let Some((_, uri)) = e.scope.iter().rev().find(|(p, _)| p.is_empty()) {
        if !e.ns.is_empty() {
            decls.push_str(&format!(" xmlns=\"{}\"", escape(uri)));
        }
    }
    DeadProp {
        ns: e.ns.clone(),
        name: e.name.clone(),
        value: String::from_utf8_lossy(&data[e.inner.clone()]).into_owned(),
        decls,
    }
}

// ---------------------------------------------------------------------------
// COPY, MOVE
// ---------------------------------------------------------------------------

fn copy_tree(from: &Path, to: &Path, depth_zero: bool) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir(to)?;
        if depth_zero {
            return Ok(());
        }
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                continue; // links are not followed (they may lead outside)
            }
            copy_tree(&entry.path(), &to.join(entry.file_name()), false)?;
        }
        Ok(())
    } else {
        fs::copy(from, to).map(|_| ())
    }
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    }
}

fn copy_move<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    let is_move = req.method == b"MOVE";
    let Some(dest) = header(c, b"Destination") else {
        return http_session::send_error(srv, c, 400);
    };
    let overwrite = match header(c, b"Overwrite").as_deref() {
        None | Some(b"T") | Some(b"t") => true,
        Some(b"F") | Some(b"f") => false,
        _ => return http_session::send_error(srv, c, 400),
    };
    let depth_zero = match header(c, b"Depth").as_deref() {
        None => false,
        Some(d) if d.eq_ignore_ascii_case(b"infinity") => false,
        Some(b"0") if !is_move => true,
        _ => return http_session::send_error(srv, c, 400),
    };
    if !req.exists {
        return http_session::send_error(srv, c, 404);
    }
    let (_, target) = match url_to_path(req, &dest) {
        Ok(t) => t,
        Err(code) => return http_session::send_error(srv, c, code),
    };
    let dest_key = key(&target.path);
    if is_hidden(srv, req, &target.path) {
        return http_session::send_error(srv, c, 403);
    }
    if dest_key == req.key || (req.is_dir && dest_key.starts_with(&req.key)) {
        return http_session::send_error(srv, c, 403);
    }
    let dest_parent = parent_of(&dest_key);
    if !dest_parent.is_dir() {
        return http_session::send_error(srv, c, 409);
    }
    let src_parent = parent_of(&req.key);
    let mut check: Vec<(&Path, bool)> = vec![(&dest_key, true), (&dest_parent, false)];
    if is_move {
        check.push((&req.key, true));
        check.push((&src_parent, false));
    }
    if !locks_allow(srv, &check, tokens) {
        return http_session::send_error(srv, c, 423);
    }
    let existed = fs::symlink_metadata(&dest_key).is_ok();
    if existed {
        if !overwrite {
            return http_session::send_error(srv, c, 412);
        }
        if let Err(e) = remove_any(&dest_key) {
            return http_session::send_error(srv, c, io_status(&e));
        }
        srv_state(srv).forget(&dest_key, true);
    }
    let result = if is_move {
        fs::rename(&req.key, &dest_key).or_else(|e| {
            if e.raw_os_error() == Some(libc::EXDEV) {
                copy_tree(&req.key, &dest_key, false).and_then(|()| remove_any(&req.key))
            } else {
                Err(e)
            }
        })
    } else {
        copy_tree(&req.key, &dest_key, depth_zero)
    };
    if let Err(e) = result {
        return http_session::send_error(srv, c, io_status(&e));
    }
    {
        let mut state = srv_state(srv);
        let copied = state.copy_props(&req.key, &dest_key, depth_zero);
        if is_move {
            state.forget(&req.key, true);
        }
        if !copied {
            drop(state);
            return http_session::send_error(srv, c, 507);
        }
    }
    http_session::reply(srv, c, if existed { 204 } else { 201 }, "", b"");
}

// ---------------------------------------------------------------------------
// LOCK, UNLOCK
// ---------------------------------------------------------------------------

fn lock_timeout(h: Option<&[u8]>) -> i64 {
    let Some(h) = h else {
        return DEFAULT_LOCK_TIMEOUT_SECS;
    };
    let first = String::from_utf8_lossy(h)
        .split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if first.eq_ignore_ascii_case("infinite") {
        return MAX_LOCK_TIMEOUT_SECS;
    }
    first
        .strip_prefix("Second-")
        .and_then(|n| n.parse::<i64>().ok())
        .map_or(DEFAULT_LOCK_TIMEOUT_SECS, |n| {
            n.clamp(1, MAX_LOCK_TIMEOUT_SECS)
        })
}

fn lock_reply<D: Dialect>(
    srv: &Server<D>,
    c: ConnPtr<D>,
    status: i32,
    l: &Lock,
    token_header: bool,
) {
    let body = format!(
        "{XML_HEAD}<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>{}</D:lockdiscovery></D:prop>\n",
        active_lock(l)
    );
    let mut headers = XML.to_owned();
    if token_header {
        headers.push_str(&format!("Lock-Token: <{}>\r\n", l.token));
    }
    http_session::reply(srv, c, status, &headers, body.as_bytes());
}

fn lock<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req, tokens: &[String]) {
    let timeout = lock_timeout(header(c, b"Timeout").as_deref());
    let data = body(c);
    let t = now();
    if data.iter().all(u8::is_ascii_whitespace) {
        // A refresh: the If: header names the lock.
        let refreshed = tokens
            .iter()
            .find_map(|tok| srv_state(srv).refresh(&req.key, tok, timeout, t));
        return match refreshed {
            Some(l) => lock_reply(srv, c, 200, &l, false),
            None => http_session::send_error(srv, c, 412),
        };
    }
    let Some(info) = dav_xml::parse(&data) else {
        return http_session::send_error(srv, c, 400);
    };
    let scope = info.child("lockscope");
    let exclusive = match scope {
        Some(s) if s.child("exclusive").is_some() => true,
        Some(s) if s.child("shared").is_some() => false,
        _ => return http_session::send_error(srv, c, 400),
    };
    let write = info.child("locktype").and_then(|t| t.child("write"));
    if !info.is("lockinfo") || write.is_none() {
        return http_session::send_error(srv, c, 400);
    }
    let infinite = match header(c, b"Depth").as_deref() {
        None => true,
        Some(d) if d.eq_ignore_ascii_case(b"infinity") => true,
        Some(b"0") => false,
        _ => return http_session::send_error(srv, c, 400),
    };
    let owner = info
        .child("owner")
        .map(|o| {
            format!(
                "<D:owner{}>{}</D:owner>",
                dav_xml::scope_attributes(&o.scope),
                String::from_utf8_lossy(&data[o.inner.clone()])
            )
        })
        .unwrap_or_default();
    if srv_state(srv).conflicts(&req.key, exclusive, infinite, t) {
        return http_session::send_error(srv, c, 423);
    }
    let mut status = 200;
    if !req.exists {
        // Locking an unmapped URL creates an empty resource (RFC 4918 7.3).
        let parent = parent_of(&req.key);
        if !parent.is_dir() {
            return http_session::send_error(srv, c, 409);
        }
        if !locks_allow(srv, &[(&parent, false)], tokens) {
            return http_session::send_error(srv, c, 423);
        }
        if let Err(e) = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&req.key)
        {
            return http_session::send_error(srv, c, io_status(&e));
        }
        status = 201;
    }
    let random = rand_u64();
    let added = srv_state(srv).add(
        req.key.clone(),
        req.href(),
        exclusive,
        infinite,
        owner,
        timeout,
        t,
        random,
    );
    match added {
        Some(l) => lock_reply(srv, c, status, &l, true),
        None => http_session::send_error(srv, c, 503),
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now());
    h.finish()
}

fn unlock<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, req: &Req) {
    let Some(token) = header(c, b"Lock-Token") else {
        return http_session::send_error(srv, c, 400);
    };
    let token = String::from_utf8_lossy(&token);
    let token = token.trim().trim_start_matches('<').trim_end_matches('>');
    if srv_state(srv).unlock(&req.key, token, now()) {
        http_session::reply(srv, c, 204, "", b"")
    } else {
        http_session::send_error(srv, c, 409)
    }
}
