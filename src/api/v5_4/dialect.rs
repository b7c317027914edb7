//! The 5.4 dialect: how the engine's connections, events and requests
//! appear to a Mongoose 5.4 program (`struct mg_connection`, `enum
//! mg_event`, `mg_handler_t`).

use super::types::{mg_connection, mg_event, mg_header, mg_result};
use crate::core::connection::{write_ip, ConnPtr as CorePtr, Connection as CoreConnection};
use crate::core::dialect::{Answer, Dialect, Event, HeadView};
use crate::core::server::Server as CoreServer;
use std::net::SocketAddr;
use std::os::raw::{c_char, c_int, c_void};

/// The Mongoose 5.4 API.
pub struct V5_4;

/// A server as 5.4 programs see it.
pub type Server = CoreServer<V5_4>;
/// A connection record of a 5.4 server.
pub type Connection = CoreConnection<V5_4>;
/// A handle to a connection record of a 5.4 server.
pub type ConnPtr = CorePtr<V5_4>;

/// A 5.4 handler function (the iteration and wakeup callbacks too).
pub type Handler = unsafe extern "C" fn(*mut mg_connection, mg_event) -> c_int;

fn event_number(event: Event) -> mg_event {
    match event {
        Event::Poll => mg_event::MG_POLL,
        Event::Connect => mg_event::MG_CONNECT,
        Event::Auth => mg_event::MG_AUTH,
        Event::Request => mg_event::MG_REQUEST,
        Event::Reply => mg_event::MG_REPLY,
        Event::Close => mg_event::MG_CLOSE,
        Event::WsHandshake => mg_event::MG_WS_HANDSHAKE,
        Event::WsConnect => mg_event::MG_WS_CONNECT,
        Event::HttpError => mg_event::MG_HTTP_ERROR,
    }
}

/// 5.4 reads `MG_FALSE` (0) and `MG_TRUE` (1); anything else counts as
/// `MG_MORE`.
fn answer(result: c_int) -> Answer {
    match result {
        r if r == mg_result::MG_FALSE as c_int => Answer::Declined,
        r if r == mg_result::MG_TRUE as c_int => Answer::Done,
        _ => Answer::More,
    }
}

/// Calls a 5.4 callback for a connection.
pub fn call(h: Handler, c: ConnPtr, event: Event) -> Answer {
    // SAFETY: `h` is the user's handler, called with a live connection
    // record and a valid event, as the 5.4 API documents. No Rust
    // reference to the record is alive during the call (see ConnPtr::with).
    answer(unsafe { h(c.public(), event_number(event)) })
}

/// Calls `callback(conn, MG_POLL)` for every live connection with
/// `conn->callback_param = param` (`mg_iterate_over_connections`,
/// `mg_wakeup_server_ex`).
pub fn run_iteration(s: &Server, callback: Handler, param: *mut c_void) {
    s.for_each_live(|c| {
        c.with(|c| c.public.callback_param = param);
        call(callback, c, Event::Poll);
    });
}

impl Dialect for V5_4 {
    type Public = mg_connection;
    type Handler = Handler;

    fn blank(server_param: *mut c_void) -> mg_connection {
        mg_connection {
            request_method: std::ptr::null(),
            uri: std::ptr::null(),
            http_version: std::ptr::null(),
            query_string: std::ptr::null(),
            remote_ip: [0; 48],
            local_ip: [0; 48],
            remote_port: 0,
            local_port: 0,
            num_headers: 0,
            http_headers: [mg_header {
                name: std::ptr::null(),
                value: std::ptr::null(),
            }; 30],
            content: std::ptr::null_mut(),
            content_len: 0,
            is_websocket: 0,
            status_code: 0,
            wsbits: 0,
            server_param,
            connection_param: std::ptr::null_mut(),
            callback_param: std::ptr::null_mut(),
        }
    }

    fn deliver(handler: Handler, c: ConnPtr, event: Event) -> Answer {
        call(handler, c, event)
    }

    fn set_addresses(p: &mut mg_connection, peer: Option<SocketAddr>, local: Option<SocketAddr>) {
        if let Some(a) = peer {
            write_ip(&mut p.remote_ip, &a);
            p.remote_port = a.port();
        }
        if let Some(a) = local {
            write_ip(&mut p.local_ip, &a);
            p.local_port = a.port();
        }
    }

    fn set_head(p: &mut mg_connection, head: Option<HeadView<'_>>) {
        let Some(head) = head else {
            p.request_method = std::ptr::null();
            p.uri = std::ptr::null();
            p.http_version = std::ptr::null();
            p.query_string = std::ptr::null();
            p.num_headers = 0;
            return;
        };
        p.request_method = head.method();
        p.uri = head.uri();
        p.http_version = head.version();
        p.query_string = head.query();
        let mut n = 0;
        for (slot, (name, value)) in p.http_headers.iter_mut().zip(head.headers()) {
            *slot = mg_header { name, value };
            n += 1;
        }
        p.num_headers = n;
    }

    fn set_content(p: &mut mg_connection, content: *mut u8, len: usize) {
        p.content = content.cast::<c_char>();
        p.content_len = len;
    }

    fn set_status(p: &mut mg_connection, status: i32) {
        p.status_code = status;
    }

    fn set_websocket(p: &mut mg_connection, on: bool) {
        p.is_websocket = c_int::from(on);
    }

    fn set_wsbits(p: &mut mg_connection, bits: u8) {
        p.wsbits = c_int::from(bits);
    }

    fn uri(p: &mg_connection) -> *const c_char {
        p.uri
    }
}

#[cfg(test)]
mod tests {
    /// Every connection, idle or not, costs one record: with glibc's 16-byte
    /// chunk header it must stay within a 1 KiB allocation (bench target:
    /// 500 idle keep-alive connections in 2.5 MB RSS).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn record_fits_in_one_kib_allocation() {
        let size = std::mem::size_of::<super::Connection>();
        assert!(size + 8 <= 1024, "Connection grew to {size} bytes");
    }
}
