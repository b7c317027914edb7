//! Reply output on a connection. Everything is appended to the
//! connection's send buffer and sent by the event loop; the `size_t`
//! results are, as in 5.4, the number of bytes now waiting to be sent.

use super::dialect::{ConnPtr, Connection};
use super::types::mg_connection;
use super::{c_bytes, c_slice, guard};
use crate::core::connection::Stage;
use crate::core::handlers::static_files;
use crate::core::websocket;
use std::os::raw::{c_char, c_int, c_void};

/// Runs `f` on the connection behind `conn`; NULL gives `default`.
fn with_conn<R>(conn: *const mg_connection, default: R, f: impl FnOnce(&mut Connection) -> R) -> R {
    match ConnPtr::from_public(conn) {
        Some(c) => guard(default, || c.with(f)),
        None => default,
    }
}

/// `with_conn` for the calls that queue output: notes that the handler
/// wrote (`Connection::handler_output`).
fn with_output<R>(
    conn: *const mg_connection,
    default: R,
    f: impl FnOnce(&mut Connection) -> R,
) -> R {
    with_conn(conn, default, |c| {
        let before = c.output_mark();
        let result = f(c);
        if c.output_mark() != before {
            c.handler_output = true;
        }
        result
    })
}

/// Bytes still queued on a connection.
fn queued(c: &Connection) -> usize {
    c.pending_output().len()
}

/// Sends the status line `HTTP/1.1 <code> <reason>` and sets
/// `conn->status_code`. Only the first status of a reply is sent; after
/// output has started this does nothing.
///
/// # Safety
/// `conn` must be NULL or a live connection, on the IO thread.
#[no_mangle]
pub unsafe extern "C" fn mg_send_status(conn: *mut mg_connection, status_code: c_int) {
    with_output(conn, (), |c| {
        if let Some(code) = c.response.send_status(&mut c.send, status_code) {
            c.public.status_code = code;
        }
    })
}

/// Sends the header line `name: value`, first sending `HTTP/1.1 200 OK` if
/// no status was sent. Headers after the body has started are dropped.
///
/// # Safety
/// `conn` must be NULL or a live connection; `name`/`value` C strings.
#[no_mangle]
pub unsafe extern "C" fn mg_send_header(
    conn: *mut mg_connection,
    name: *const c_char,
    value: *const c_char,
) {
    // SAFETY: NULL or C strings, as documented above.
    let (Some(name), value) = (unsafe { c_bytes(name) }, unsafe { c_bytes(value) }) else {
        return;
    };
    with_output(conn, (), |c| {
        let status = c.public.status_code;
        if let Some(code) =
            c.response
                .send_header(&mut c.send, status, name, value.unwrap_or_default())
        {
            c.public.status_code = code;
        }
    })
}

/// Sends `data_len` bytes as one chunk of a chunked body. The first call
/// sends the status line (200 unless set) and `Transfer-Encoding: chunked`;
/// a zero-length call ends the body (`mg_send_data(conn, "", 0)`; NULL
/// `data` or a negative length sends nothing), and the
/// body is also ended when the handler returns MG_TRUE. (HTTP/1.0 clients
/// get the bytes unchunked and the connection closes after the reply.)
/// Returns the number of bytes queued for sending.
///
/// # Safety
/// `conn` must be NULL or a live connection; `data` valid for `data_len`.
#[no_mangle]
pub unsafe extern "C" fn mg_send_data(
    conn: *mut mg_connection,
    data: *const c_void,
    data_len: c_int,
) -> usize {
    if data.is_null() || data_len < 0 {
        return with_conn(conn, 0, |c| queued(c));
    }
    // SAFETY: `data` is valid for `data_len` bytes, as documented above.
    let data = unsafe { c_slice(data.cast(), data_len.max(0) as usize) };
    with_output(conn, 0, |c| {
        let status = c.public.status_code;
        if let Some(code) = c.response.send_data(&mut c.send, status, data) {
            c.public.status_code = code;
        }
        queued(c)
    })
}

/// Sends `len` raw bytes: no status line, headers or framing are added.
/// Returns the number of bytes queued for sending.
///
/// # Safety
/// `conn` must be NULL or a live connection; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_write(
    conn: *mut mg_connection,
    buf: *const c_void,
    len: c_int,
) -> usize {
    // SAFETY: `buf` is valid for `len` bytes, as documented above.
    let data = unsafe { c_slice(buf.cast(), len.max(0) as usize) };
    with_output(conn, 0, |c| {
        c.response.write_raw(&mut c.send, data);
        queued(c)
    })
}

/// Sends one websocket frame (FIN set, unmasked) with `opcode` (see the
/// WEBSOCKET_OPCODE_* constants) and `data_len` bytes of payload. A
/// WEBSOCKET_OPCODE_CONNECTION_CLOSE frame closes the connection once it has
/// been sent. NULL `data`, or a connection that is not a websocket, sends
/// nothing. Returns the number of bytes queued for sending.
///
/// # Safety
/// `conn` must be NULL or a live connection; `data` valid for `data_len`.
#[no_mangle]
pub unsafe extern "C" fn mg_websocket_write(
    conn: *mut mg_connection,
    opcode: c_int,
    data: *const c_char,
    data_len: usize,
) -> usize {
    if data.is_null() {
        return with_conn(conn, 0, |c| queued(c));
    }
    // SAFETY: `data` is valid for `data_len` bytes, as documented above.
    let data = unsafe { c_slice(data, data_len) };
    with_output(conn, 0, |c| {
        // Frames on a connection that is not a websocket would corrupt
        // its HTTP stream: they are dropped.
        if c.stage == Stage::Websocket {
            websocket::write_frame(&mut c.send, opcode as u8, data);
            if opcode & 0x0f == websocket::OP_CLOSE as c_int {
                c.stage = Stage::Closing;
                c.linger = true;
            }
        }
        queued(c)
    })
}

/// Serves the file at `path` as the built-in static handler would: 404 for
/// missing or hidden files, directory redirect/index/listing, 304 for
/// conditional requests, single Range requests (206/416), the MIME type
/// from the file name. `document_root` is not consulted. The handler
/// should return MG_MORE afterwards (as in 5.4); the request ends by itself
/// once the file has been sent. Do not mix with other output calls.
///
/// # Safety
/// `conn` must be NULL or a live connection; `path` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn mg_send_file(conn: *mut mg_connection, path: *const c_char) {
    guard((), || {
        // SAFETY: NULL or a C string, as documented above.
        let (Some(c), Some(path)) = (ConnPtr::from_public(conn), unsafe { c_bytes(path) }) else {
            return;
        };
        let server = c.with(|c| c.server);
        // SAFETY: a connection's `server` points at the server that owns it,
        // which outlives its connections.
        if let Some(server) = unsafe { server.as_ref() } {
            static_files::send_file(server, c, path);
        }
    })
}
