//! Declarations of the variadic functions, which stable Rust cannot define.
//! They live in `src/shim/variadic.c`: each formats its arguments and calls
//! a non-variadic export (`mg_write`, `mg_send_data`, `mg_websocket_write`,
//! `mg_internal_wakeup_ex`, `mg_internal_md5`). Declaring them here puts
//! them in the generated header.

use super::types::{mg_connection, mg_handler_t, mg_server};
use std::os::raw::{c_char, c_int};

#[allow(improper_ctypes)] // `mg_server` is opaque: C only sees pointers to it.
extern "C" {
    /// Sends printf-formatted raw bytes (no framing; see mg_write()).
    /// Returns the number of bytes queued for sending.
    pub fn mg_printf(conn: *mut mg_connection, fmt: *const c_char, ...) -> usize;

    /// Sends printf-formatted data as one chunk (see mg_send_data()). An
    /// empty result ends the chunked body. Returns the bytes queued.
    pub fn mg_printf_data(conn: *mut mg_connection, fmt: *const c_char, ...) -> usize;

    /// Sends a printf-formatted websocket frame (see mg_websocket_write());
    /// an empty result sends nothing. Returns the bytes queued.
    pub fn mg_websocket_printf(
        conn: *mut mg_connection,
        opcode: c_int,
        fmt: *const c_char,
        ...
    ) -> usize;

    /// Thread-safe: formats a message and has the IO thread call
    /// `handler(conn, MG_POLL)` for every connection during its next poll,
    /// with `conn->callback_param` pointing at the message text (valid during
    /// the call). Wakes the poll; never blocks; messages of any length.
    pub fn mg_wakeup_server_ex(
        server: *mut mg_server,
        handler: mg_handler_t,
        fmt: *const c_char,
        ...
    );

    /// Computes the MD5 of the concatenation of the string arguments, which
    /// end with a NULL, and writes it to `buf` as 32 lowercase hex digits and
    /// a NUL. Returns `buf`.
    pub fn mg_md5(buf: *mut c_char, ...) -> *mut c_char;
}
