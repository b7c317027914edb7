//! Who answers a request the handler declined (or that has no handler):
//! the one place where the built-in handlers are chosen.
//!
//! Two decisions: [`route`] by method and URI (proxy, OPTIONS, WebDAV,
//! files), and [`file_handler`] for a file the static handler resolved
//! (CGI, SSI or the file itself). The slots for the handlers not written
//! yet (proxy, CGI, SSI) answer as 5.4 did without them, or 501
//! where serving the file would publish a script's source.

use crate::core::connection::{ConnPtr, Connection};
use crate::core::dialect::Dialect;
use crate::core::handlers::cgi;
use crate::core::handlers::dav;
use crate::core::handlers::static_files;
use crate::core::handlers::static_files::Target;
use crate::core::options::{Opt, Options};
use crate::core::protocol::http_session;
use crate::core::server::Server;
use crate::core::util::pattern::match_prefix;
use std::os::unix::ffi::OsStrExt;

/// Methods the built-in handling knows (5.4's list plus PATCH and TRACE,
/// which it answers 405 rather than rejecting the request as malformed).
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"CONNECT",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"PROPFIND",
    b"MKCOL",
    b"PATCH",
    b"TRACE",
    b"PROPPATCH",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
];

/// The methods the built-in handling serves.
const ALLOW: &str = "Allow: GET, HEAD, POST, OPTIONS\r\n";

/// The built-in handler for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// A method nobody here implements: 501.
    UnknownMethod,
    /// `CONNECT` or an absolute-form URI: the proxy (not implemented yet:
    /// 405, as 5.4 without `enable_proxy`).
    Proxy,
    /// `OPTIONS`: the methods served.
    Options,
    /// No `document_root`: the filesystem is never touched (404).
    NoDocumentRoot,
    /// A WebDAV method (`handlers::dav`; PATCH and TRACE get 405 there).
    Dav,
    /// GET, HEAD, POST: a file, a directory or a script under the root.
    Files,
}

/// Chooses the handler by method and (possibly handler-rewritten) URI.
pub fn route(method: &[u8], uri: &[u8], has_document_root: bool) -> Route {
    if !KNOWN_METHODS.contains(&method) {
        return Route::UnknownMethod;
    }
    if method == b"CONNECT" || (uri.len() >= 4 && uri[..4].eq_ignore_ascii_case(b"http")) {
        return Route::Proxy;
    }
    if method == b"OPTIONS" {
        return Route::Options;
    }
    if !has_document_root {
        return Route::NoDocumentRoot;
    }
    if !matches!(method, b"GET" | b"HEAD" | b"POST") {
        return Route::Dav;
    }
    Route::Files
}

/// What serves a file the static handler resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileHandler {
    /// `cgi_pattern` matches: run it (`handlers/cgi.rs`).
    Cgi,
    /// `ssi_pattern` matches: expand its includes (not implemented yet: 501).
    Ssi,
    /// Send the file itself.
    Static,
}

/// `cgi_pattern` first, then `ssi_pattern`, as 5.4 checked them.
pub fn file_handler(options: &Options, path: &[u8]) -> FileHandler {
    let matches = |opt| {
        options
            .get_bytes(opt)
            .is_some_and(|pattern| match_prefix(pattern, path) > 0)
    };
    if matches(Opt::CgiPattern) {
        FileHandler::Cgi
    } else if matches(Opt::SsiPattern) {
        FileHandler::Ssi
    } else {
        FileHandler::Static
    }
}

/// Does the built-in handling send this request's body to a consumer
/// while it arrives (a CGI script's stdin), rather than buffer it? Judged
/// from the head alone: a URI that `cgi_pattern` matches under the root,
/// or a directory (whose index file may be a script). A guess that turns
/// out wrong costs only the keep-alive of that request.
pub fn consumes_body<D: Dialect>(srv: &Server<D>, c: &Connection<D>) -> bool {
    let options = srv.options.borrow();
    let Some(root) = options.get_bytes(Opt::DocumentRoot) else {
        return false;
    };
    let uri = c.head.uri();
    if route(c.head.method(), uri, true) != Route::Files {
        return false;
    }
    let mut path = root.to_vec();
    path.extend_from_slice(uri);
    uri.ends_with(b"/") || file_handler(&options, &path) == FileHandler::Cgi
}

/// Built-in handling of the current request. Uses the public `uri`,
/// which the handler may have replaced before declining.
pub fn builtin<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let (method, uri) = c.with(|c| (c.head.method().to_vec(), c.public_uri()));
    let root = srv
        .options
        .borrow()
        .get_bytes(Opt::DocumentRoot)
        .map(<[u8]>::to_vec);
    match route(&method, &uri, root.is_some()) {
        Route::UnknownMethod => http_session::send_error(srv, c, 501),
        Route::Proxy => http_session::send_error_with(srv, c, 405, ALLOW),
        Route::Dav => dav::serve(srv, c, root.as_deref().unwrap_or_default(), &uri, &method),
        Route::Options => {
            let dav = srv.options.borrow().get(Opt::DavAuthFile).is_some() && root.is_some();
            let allow = if dav { dav::ALLOW_DAV } else { ALLOW };
            http_session::reply(srv, c, 200, allow, b"")
        }
        Route::NoDocumentRoot => http_session::send_error(srv, c, 404),
        Route::Files => {
            static_files::serve_static(srv, c, root.as_deref().unwrap_or_default(), &uri)
        }
    }
}

/// Serves a resolved file with its handler. A script served as it is
/// would publish its source (passwords in `config.php` and the like):
/// until CGI and SSI exist, such requests get 501.
pub fn serve_target<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, t: Target) {
    let handler = file_handler(&srv.options.borrow(), t.path.as_os_str().as_bytes());
    match handler {
        FileHandler::Cgi => cgi::serve(srv, c, &t.path),
        FileHandler::Ssi => http_session::send_error(srv, c, 501),
        FileHandler::Static => static_files::send_target(srv, c, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_method_and_uri() {
        assert_eq!(route(b"GET", b"/a", true), Route::Files);
        assert_eq!(route(b"POST", b"/a", true), Route::Files);
        assert_eq!(route(b"GET", b"/a", false), Route::NoDocumentRoot);
        assert_eq!(route(b"BREW", b"/a", true), Route::UnknownMethod);
        assert_eq!(route(b"CONNECT", b"h:443", true), Route::Proxy);
        assert_eq!(route(b"GET", b"http://h/", false), Route::Proxy);
        assert_eq!(route(b"GET", b"HTTP://h/", true), Route::Proxy);
        assert_eq!(route(b"OPTIONS", b"*", false), Route::Options);
        assert_eq!(route(b"PROPFIND", b"/", true), Route::Dav);
        assert_eq!(route(b"PUT", b"/", true), Route::Dav);
        assert_eq!(route(b"PUT", b"/", false), Route::NoDocumentRoot);
    }

    #[test]
    fn scripts_by_pattern() {
        let o = Options::default();
        assert_eq!(file_handler(&o, b"/r/a.php"), FileHandler::Cgi);
        assert_eq!(file_handler(&o, b"/r/a.cgi"), FileHandler::Cgi);
        assert_eq!(file_handler(&o, b"/r/a.shtml"), FileHandler::Ssi);
        assert_eq!(file_handler(&o, b"/r/a.html"), FileHandler::Static);
    }
}
