//! `struct mg_server` functions: create/destroy, options, polling,
//! listening sockets, iteration, wakeups and threads.

use super::dialect::ConnPtr;
use super::dialect::{run_iteration, Server};
use super::guard;
use super::types::{mg_connection, mg_handler_t, mg_server};
use crate::core::net::wakeup::{Message, UserPtr};
use crate::core::options::OPTION_NAMES;
use crate::core::protocol::client;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::thread::JoinHandleExt;
use std::time::Duration;

/// The server behind a C handle; NULL gives `None`.
///
/// # Safety
/// `s` must be NULL or a live handle from `mg_create_server`, used on its IO
/// thread.
pub(crate) unsafe fn server<'a>(s: *const mg_server) -> Option<&'a Server> {
    // SAFETY: the caller promises a live handle (a leaked Box<Server>).
    unsafe { s.cast::<Server>().as_ref() }
}

/// Creates a server. `server_param` is copied into every connection's
/// `server_param`; `handler` receives all events and may be NULL (then every
/// request gets the built-in handling). Nothing listens until the
/// `listening_port` option is set. Ignores SIGPIPE process-wide. Returns
/// NULL only if the wakeup socket pair cannot be created (no descriptor
/// left, or none below `select()`'s limit of 1024 for its read end).
#[no_mangle]
pub extern "C" fn mg_create_server(
    server_param: *mut c_void,
    handler: mg_handler_t,
) -> *mut mg_server {
    guard(std::ptr::null_mut(), || {
        match Server::new(server_param, handler) {
            Ok(s) => Box::into_raw(Box::new(s)).cast(),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// Closes the listening socket (unless other servers share it) and every
/// connection, delivering MG_CLOSE to each, frees the server and sets
/// `*server` to NULL. NULL-safe. Must not be called from a handler.
///
/// # Safety
/// `server` must be NULL or point to NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_destroy_server(server: *mut *mut mg_server) {
    guard((), || {
        if server.is_null() {
            return;
        }
        // SAFETY: `server` is non-NULL and points to a handle slot.
        let handle = unsafe { std::ptr::replace(server, std::ptr::null_mut()) };
        if handle.is_null() {
            return;
        }
        // SAFETY: the handle came from Box::into_raw in mg_create_server.
        let s = unsafe { Box::from_raw(handle.cast::<Server>()) };
        s.shutdown();
        drop(s);
    })
}

/// Sets option `name` to `value` (see mg_get_valid_option_names() for the
/// names). NULL or "" restores the default. Returns NULL on success or a
/// static error message, e.g. "No such option" or "Cannot bind to port".
/// Setting `listening_port` ("8080", "127.0.0.1:8080", "[::1]:8080", "0" for
/// an ephemeral port) binds at once.
///
/// # Safety
/// `server` must be a live handle; `name` and `value` NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn mg_set_option(
    server: *mut mg_server,
    name: *const c_char,
    value: *const c_char,
) -> *const c_char {
    guard(c"Internal error".as_ptr(), || {
        // SAFETY: pointers as documented above.
        let (s, name, value) = unsafe {
            (
                self::server(server),
                super::c_bytes(name),
                super::c_bytes(value),
            )
        };
        let (Some(s), Some(name)) = (s, name) else {
            return c"Invalid argument".as_ptr();
        };
        match s.set_option(name, value) {
            Ok(()) => std::ptr::null(),
            Err(e) => e.message().as_ptr(),
        }
    })
}

/// Returns the value of option `name`: NULL for an unknown name, "" when
/// unset. For `listening_port` it is the bound port number. The string
/// belongs to the server and is valid until the option changes.
///
/// # Safety
/// `server` must be a live handle; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn mg_get_option(
    server: *const mg_server,
    name: *const c_char,
) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: pointers as documented above.
        let (s, name) = unsafe { (self::server(server), super::c_bytes(name)) };
        match (s, name) {
            (Some(s), Some(name)) => s.get_option(name).unwrap_or(std::ptr::null()),
            _ => std::ptr::null(),
        }
    })
}

/// Returns a static array of alternating option names and default values
/// (a default may be NULL), terminated by a NULL name. Do not free it.
#[no_mangle]
pub extern "C" fn mg_get_valid_option_names() -> *mut *const c_char {
    OPTION_NAMES.as_ptr() as *mut *const c_char
}

/// Runs one iteration of the event loop: MG_POLL to every connection, then
/// select() for at most `milliseconds` on the listening socket, the
/// connections and the wakeup channel, then accept, read, call the handler,
/// write and close. Returns the number of connections. Call it in a loop
/// from one thread (the IO thread). A signal delivered to the thread ends
/// the wait early (EINTR is not an error): the call returns normally, so a
/// loop that checks a flag set by a signal handler sees it at once.
///
/// # Safety
/// `server` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_poll_server(server: *mut mg_server, milliseconds: c_int) -> c_int {
    guard(0, || {
        // SAFETY: as documented above.
        let Some(s) = (unsafe { self::server(server) }) else {
            return 0;
        };
        let timeout = Duration::from_millis(milliseconds.max(0) as u64);
        s.poll(timeout).min(c_int::MAX as usize) as c_int
    })
}

/// Makes `sock` the listening socket, closing the previous one (unless
/// another server shares it). Several servers may share one socket, each in
/// its own thread; the socket is closed when the last of them lets go.
/// `-1` removes the listener. The socket is made non-blocking. A descriptor
/// of 1024 or above (beyond `select()`'s `FD_SETSIZE`) could never be
/// watched: it is ignored and the current listener stays (check with
/// `mg_get_listening_socket`).
///
/// # Safety
/// `server` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_set_listening_socket(server: *mut mg_server, sock: c_int) {
    guard((), || {
        // SAFETY: as documented above.
        if let Some(s) = unsafe { self::server(server) } {
            s.set_listening_socket(sock);
        }
    })
}

/// Returns the listening socket, or -1 when there is none.
///
/// # Safety
/// `server` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_get_listening_socket(server: *mut mg_server) -> c_int {
    guard(-1, || {
        // SAFETY: as documented above.
        unsafe { self::server(server) }.map_or(-1, |s| s.listener.get())
    })
}

/// Iterates over connections, newest first: `mg_next(server, NULL)` gives
/// the first, `mg_next(server, c)` the one after `c`, NULL at the end. IO
/// thread only.
///
/// # Safety
/// `server` must be NULL or a live handle; `c` NULL or one of its connections.
#[no_mangle]
pub unsafe extern "C" fn mg_next(
    server: *mut mg_server,
    c: *mut mg_connection,
) -> *mut mg_connection {
    guard(std::ptr::null_mut(), || {
        // SAFETY: as documented above.
        let Some(s) = (unsafe { self::server(server) }) else {
            return std::ptr::null_mut();
        };
        s.next(ConnPtr::from_public(c))
            .map_or(std::ptr::null_mut(), ConnPtr::public)
    })
}

/// Calls `handler(conn, MG_POLL)` for every connection with
/// `conn->callback_param = param`. On the IO thread (inside a handler or
/// between polls) it runs at once, as in 5.4. From any other thread it is
/// queued and runs during the next mg_poll_server(), which it wakes; `param`
/// must then stay valid until it has run.
///
/// # Safety
/// `server` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_iterate_over_connections(
    server: *mut mg_server,
    handler: mg_handler_t,
    param: *mut c_void,
) {
    guard((), || {
        // SAFETY: as documented above.
        if let (Some(s), Some(h)) = (unsafe { self::server(server) }, handler) {
            let param = UserPtr(param);
            s.run_on_io_thread(move |s| {
                let param = param;
                run_iteration(s, h, param.0)
            });
        }
    })
}

/// Wakes a mg_poll_server() sleeping in select(). Thread-safe; never blocks.
///
/// # Safety
/// `server` must be NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mg_wakeup_server(server: *mut mg_server) {
    guard((), || {
        // SAFETY: only the thread-safe `wakeup` field is touched, through a
        // live handle.
        if let Some(s) = unsafe { self::server(server) } {
            s.wakeup.push(Message::Wake);
        }
    })
}

/// Internal: the non-variadic half of mg_wakeup_server_ex(), called by the
/// C shim with the formatted message.
///
/// # Safety
/// `server` must be NULL or a live handle; `text` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn mg_internal_wakeup_ex(
    server: *mut mg_server,
    handler: mg_handler_t,
    text: *const c_char,
) {
    guard((), || {
        // SAFETY: as documented above.
        let (s, text) = unsafe { (self::server(server), super::c_bytes(text)) };
        if let (Some(s), Some(callback)) = (s, handler) {
            let text = CString::new(text.unwrap_or_default()).unwrap_or_default();
            s.wakeup.push(Message::Run(Box::new(move |s| {
                run_iteration(s, callback, text.as_ptr() as *mut c_void)
            })));
        }
    })
}

/// Starts `func(param)` in a new detached thread; returns its pthread_t
/// cast to a pointer (NULL if it could not be created).
#[no_mangle]
pub extern "C" fn mg_start_thread(
    func: Option<extern "C" fn(*mut c_void) -> *mut c_void>,
    param: *mut c_void,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let Some(func) = func else {
            return std::ptr::null_mut();
        };
        let param = UserPtr(param);
        match std::thread::Builder::new().spawn(move || {
            let param = param;
            func(param.0);
        }) {
            Ok(handle) => handle.as_pthread_t() as *mut c_void,
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// Opens an outgoing HTTP connection to `host:port` (the name is resolved
/// at once, blocking). Returns the connection, still connecting, or NULL if
/// the name does not resolve or the socket cannot be created. The handler
/// then gets MG_CONNECT (write the request there; MG_FALSE closes), one
/// MG_REPLY per reply received (`status_code` = its status,
/// `content`/`content_len` = its body; MG_FALSE closes) and MG_CLOSE. If
/// the connect fails, only MG_CLOSE arrives, with `status_code` = the errno.
/// With `use_ssl` the connection is TLS (SNI = `host`): the server's
/// certificate is verified against the server's `ssl_ca_certificate` when
/// that is set, and not verified otherwise (as in 5.4). MG_CONNECT comes
/// when the TCP connect completes; the request is sent once the handshake
/// ends; a failed handshake gives MG_CLOSE with `status_code` = EPROTO.
///
/// # Safety
/// `server` must be NULL or a live handle; `host` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn mg_connect(
    server: *mut mg_server,
    host: *const c_char,
    port: c_int,
    use_ssl: c_int,
) -> *mut mg_connection {
    guard(std::ptr::null_mut(), || {
        // SAFETY: as documented above.
        let (s, host) = unsafe { (self::server(server), super::c_bytes(host)) };
        let (Some(s), Some(host)) = (s, host) else {
            return std::ptr::null_mut();
        };
        let (Ok(host), Ok(port)) = (std::str::from_utf8(host), u16::try_from(port)) else {
            return std::ptr::null_mut();
        };
        let conn = if use_ssl != 0 {
            client::connect_tls(s, host, port)
        } else {
            client::connect(s, host, port)
        };
        conn.map_or(std::ptr::null_mut(), ConnPtr::public)
    })
}
