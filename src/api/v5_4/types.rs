//! The public C types of the Mongoose 5.4 API: `struct mg_connection` (whose
//! layout is ABI), the event and result enums, the handler type and
//! `struct mg_expansion`. Everything here is plain data; no logic lives here.

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_ushort, c_void};

/// Version of the Mongoose API this library implements.
pub const MONGOOSE_VERSION: &str = "5.4";

/// One parsed request header: `name` and `value` are NUL-terminated and
/// valid for the duration of the callback that sees them.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mg_header {
    /// Header name, e.g. "Content-Type".
    pub name: *const c_char,
    /// Header value, leading whitespace removed.
    pub value: *const c_char,
}

/// The user-visible part of a connection (exact Mongoose 5.4 layout).
///
/// Request strings (`request_method`, `uri`, `http_version`,
/// `query_string`, header names and values) are NUL-terminated and stay
/// valid until the request ends. `content` is not NUL-terminated.
/// The struct stays at the same address for the life of the connection and
/// is invalid after `MG_CLOSE`.
#[repr(C)]
pub struct mg_connection {
    /// "GET", "POST", ... (for replies on outgoing connections: "HTTP/1.1").
    pub request_method: *const c_char,
    /// Percent-decoded, cleaned URI without the query string. The handler
    /// may point it elsewhere before returning `MG_FALSE`.
    pub uri: *const c_char,
    /// "1.0" or "1.1".
    pub http_version: *const c_char,
    /// Raw text after the first `?`, or NULL when there is none.
    pub query_string: *const c_char,
    /// Peer address as text.
    pub remote_ip: [c_char; 48],
    /// Local address as text.
    pub local_ip: [c_char; 48],
    /// Peer port, host byte order.
    pub remote_port: c_ushort,
    /// Local port, host byte order.
    pub local_port: c_ushort,
    /// Number of entries of `http_headers` in use (at most 30).
    pub num_headers: c_int,
    /// The first 30 request headers, in order.
    pub http_headers: [mg_header; 30],
    /// Request body (or websocket frame payload); not NUL-terminated.
    pub content: *mut c_char,
    /// Length of `content` in bytes.
    pub content_len: usize,
    /// 1 once a websocket upgrade request has been seen.
    pub is_websocket: c_int,
    /// Status of the reply being produced (0 before anything was sent).
    pub status_code: c_int,
    /// First byte of the current websocket frame (FIN, RSV, opcode).
    pub wsbits: c_int,
    /// The pointer given to `mg_create_server`.
    pub server_param: *mut c_void,
    /// Free for the user; never read or freed by the library.
    pub connection_param: *mut c_void,
    /// Argument of `mg_iterate_over_connections` / message of `mg_wakeup_server_ex`.
    pub callback_param: *mut c_void,
}

/// Opaque server handle.
pub struct mg_server {
    _private: [u8; 0],
}

/// Return values of event handlers.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum mg_result {
    MG_FALSE = 0,
    MG_TRUE = 1,
    MG_MORE = 2,
}

/// Events delivered to the event handler.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum mg_event {
    /// Sent to every connection on every poll iteration.
    MG_POLL = 100,
    /// An outgoing connection (`mg_connect`) was established.
    MG_CONNECT = 101,
    /// Authorise the request; `MG_FALSE` answers 401.
    MG_AUTH = 102,
    /// Serve the request (or a websocket message).
    MG_REQUEST = 103,
    /// A reply arrived on an outgoing connection.
    MG_REPLY = 104,
    /// The connection is being closed.
    MG_CLOSE = 105,
    /// A websocket upgrade request; `MG_FALSE` lets the library answer 101.
    MG_WS_HANDSHAKE = 106,
    /// The websocket connection is established.
    MG_WS_CONNECT = 107,
    /// The library is about to send an error reply; `MG_TRUE` means the
    /// handler has sent its own.
    MG_HTTP_ERROR = 108,
}

/// Event handler: returns `MG_TRUE`, `MG_FALSE` or `MG_MORE` (see `enum mg_result`).
pub type mg_handler_t = Option<unsafe extern "C" fn(*mut mg_connection, mg_event) -> c_int>;

/// One `{{keyword}}` expansion for `mg_template`; the array ends with a
/// NULL `keyword`.
#[repr(C)]
pub struct mg_expansion {
    pub keyword: *const c_char,
    pub handler: Option<unsafe extern "C" fn(*mut mg_connection)>,
}
