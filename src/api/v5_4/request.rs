//! Reading the request: headers and templates.

use super::dialect::ConnPtr;
use super::types::{mg_connection, mg_expansion};
use super::{c_bytes, guard};
use crate::core::auth::Verdict;
use crate::core::protocol::http_session::check_digest;
use std::os::raw::{c_char, c_int};

/// Returns the value of the first request header called `name`
/// (case-insensitive), or NULL. Valid until the request ends.
///
/// # Safety
/// `conn` must be NULL or a live connection; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn mg_get_header(
    conn: *const mg_connection,
    name: *const c_char,
) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: NULL or a C string, as documented above.
        let (Some(c), Some(name)) = (ConnPtr::from_public(conn), unsafe { c_bytes(name) }) else {
            return std::ptr::null();
        };
        c.with(|c| {
            let p = &c.public;
            let n = (p.num_headers.max(0) as usize).min(p.http_headers.len());
            p.http_headers[..n]
                .iter()
                // SAFETY: header names are NULL or C strings (set by us, or
                // by the handler, which keeps them valid).
                .find(|h| unsafe { c_bytes(h.name) }.is_some_and(|h| h.eq_ignore_ascii_case(name)))
                .map_or(std::ptr::null(), |h| h.value)
        })
    })
}

/// Sends `text` as chunked data (mg_send_data), replacing every
/// `{{keyword}}` that names an entry of `expansions` by a call to that
/// entry's handler. Unknown markers are sent as they are. `expansions` ends
/// with an entry whose keyword is NULL.
///
/// # Safety
/// `conn` must be NULL or a live connection; `text` NULL or a C string;
/// `expansions` NULL or an array terminated by a NULL keyword.
#[no_mangle]
pub unsafe extern "C" fn mg_template(
    conn: *mut mg_connection,
    text: *const c_char,
    expansions: *mut mg_expansion,
) {
    guard((), || {
        // SAFETY: NULL or a C string, as documented above.
        let Some(text) = (unsafe { c_bytes(text) }) else {
            return;
        };
        if conn.is_null() {
            return;
        }
        let mut keywords: Vec<(&[u8], Option<unsafe extern "C" fn(*mut mg_connection)>)> =
            Vec::new();
        let mut e = expansions;
        // SAFETY: the array is terminated by a NULL keyword, as documented.
        while let Some(entry) = unsafe { e.as_ref() } {
            // SAFETY: keywords are C strings.
            let Some(k) = (unsafe { c_bytes(entry.keyword) }) else {
                break;
            };
            keywords.push((k, entry.handler));
            // SAFETY: the terminator has not been reached, so the next
            // element is still inside the array.
            e = unsafe { e.add(1) };
        }
        let send = |bytes: &[u8]| {
            if !bytes.is_empty() {
                // SAFETY: `conn` is a live connection; `bytes` is a live slice.
                unsafe {
                    super::output::mg_send_data(conn, bytes.as_ptr().cast(), bytes.len() as i32)
                };
            }
        };
        let mut rest = text;
        while let Some(open) = find(rest, b"{{") {
            let Some(close) = find(&rest[open + 2..], b"}}") else {
                break;
            };
            let keyword = &rest[open + 2..open + 2 + close];
            let end = open + 2 + close + 2;
            match keywords.iter().find(|(k, _)| *k == keyword) {
                Some((_, handler)) => {
                    send(&rest[..open]);
                    if let Some(h) = handler {
                        // SAFETY: the user's expansion handler, called with
                        // the live connection; no Rust borrow is held.
                        unsafe { h(conn) };
                    }
                }
                None => send(&rest[..end]),
            }
            rest = &rest[end..];
        }
        send(rest);
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Checks the request's `Authorization: Digest ...` header against the
/// open passwords file `fp` (lines `user:realm:HA1`, HA1 =
/// md5("user:realm:password"), as written by the `mongoose -A` tool) and
/// the server's `auth_domain` option. Reads `fp` from its current position.
/// Returns 1 (MG_TRUE) on a match, else 0; 0 when `conn` or `fp` is NULL.
/// Unlike 5.4, the nonce must be one the server issued in its challenge,
/// at most 300 s ago, and each `nc` of it counts once: a replayed or
/// expired one gives 0, and the challenge that follows says `stale=true`.
///
/// # Safety
/// `conn` must be NULL or a live connection; `fp` NULL or an open FILE.
#[no_mangle]
pub unsafe extern "C" fn mg_authorize_digest(
    conn: *mut mg_connection,
    fp: *mut libc::FILE,
) -> c_int {
    guard(0, || {
        let Some(c) = ConnPtr::from_public(conn) else {
            return 0;
        };
        if fp.is_null() {
            return 0;
        }
        let mut passwords = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: `fp` is an open FILE (documented); `buf` is writable.
            let n = unsafe { libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), fp) };
            passwords.extend_from_slice(&buf[..n]);
            if n < buf.len() || passwords.len() > 16 << 20 {
                break;
            }
        }
        let server = c.with(|c| c.server);
        // SAFETY: a connection's `server` points at the server that owns it.
        let Some(srv) = (unsafe { server.as_ref() }) else {
            return 0;
        };
        c.with(|c| (check_digest(srv, c, &passwords) == Verdict::Granted) as c_int)
    })
}

/// Not implemented yet (TLS termination of CONNECT tunnels comes with the
/// proxy): always returns 0 (failure), and the connection is left as it
/// was. Present so 5.4 programs that reference it still link.
#[no_mangle]
pub extern "C" fn mg_terminate_ssl(conn: *mut mg_connection, cert: *const c_char) -> c_int {
    let _ = (conn, cert);
    0
}
