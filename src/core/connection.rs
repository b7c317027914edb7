//! One connection: the dialect's public struct (first, so the C pointer to
//! it is also a pointer to the whole record) followed by the engine's
//! state: socket, buffers, request and reply progress.
//!
//! Records are boxed and never move; they are freed only by the server's
//! sweep, which runs outside every user callback.

use crate::core::dialect::Dialect;
use crate::core::http::chunked::ChunkedDecoder;
use crate::core::http::request::RequestHead;
use crate::core::http::response::Response;
use crate::core::net::companion::Companion;
use crate::core::net::transport::Transport;
use crate::core::server::Server;
use std::net::SocketAddr;
use std::os::raw::{c_char, c_void};
use std::os::unix::io::RawFd;
use std::ptr::NonNull;
use std::time::Instant;

/// What the connection is doing with the request stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for (the rest of) a request head.
    Head,
    /// Head parsed; waiting for the body.
    Body,
    /// The handler owns the request (it returned `MG_MORE`).
    Handling,
    /// Upgraded: the input is websocket frames.
    Websocket,
    /// Outgoing connection (`mg_connect`) waiting for connect() to finish.
    Connecting,
    /// Outgoing connection: reading replies.
    Reply,
    /// No more requests: close once the reply has been sent.
    Closing,
}

#[repr(C)]
pub struct Connection<D: Dialect> {
    /// Must stay the first field: C sees a pointer to it.
    pub public: D::Public,
    /// How the bytes travel (a plain socket, or TLS over one).
    pub transport: Transport,
    /// Received, not yet consumed bytes (current request first).
    pub recv: Vec<u8>,
    /// Bytes waiting to be sent, from `send_pos` on.
    pub send: Vec<u8>,
    pub send_pos: usize,
    pub head: RequestHead,
    /// Decoder of a chunked body (boxed: rare, and every record carries it).
    pub chunked: Option<Box<ChunkedDecoder>>,
    /// Length of the current request's (decoded) body.
    pub body_len: usize,
    pub response: Response,
    /// Last successful read or write.
    pub last_io: Instant,
    /// When the first byte of the current request head arrived.
    pub head_started: Option<Instant>,
    /// Bytes arrived since the handler last saw `MG_REQUEST` (for `MG_MORE`).
    pub new_data: bool,
    /// The peer sent FIN (or the socket failed for reading).
    pub peer_closed: bool,
    /// Close at the next sweep, without sending anything more.
    pub close_now: bool,
    /// Close with a lingering close (shut down writing, drain input until
    /// the peer's FIN) rather than at once: set for error replies, where
    /// the client may still be sending a request we refused.
    pub linger: bool,
    pub close_notified: bool,
    /// Keep-alive decision of the file body that just completed.
    pub file_keep_alive: bool,
    /// TCP_NODELAY is set (before the second write; see `write_out`).
    pub nodelay: bool,
    /// (The one-byte fields sit together: the record is `repr(C)`, and
    /// each one alone would cost a padded word.)
    pub stage: Stage,
    /// Outgoing connection: the head of the current reply has been parsed.
    pub reply_head_parsed: bool,
    /// Outgoing connection: an MG_REPLY was delivered for the current reply.
    pub reply_delivered: bool,
    /// Buffered input waits to be processed (see `Server::process_pending`).
    pub input_pending: bool,
    /// The handler queued output here since the last `select()`, in a
    /// call after which it goes on working (MG_POLL, MG_REQUEST returning
    /// MG_MORE, wakeup and iteration callbacks, MG_CONNECT/MG_REPLY): the
    /// next `select()` must not sleep (see `Server::poll`, `Server::call`).
    pub handler_output: bool,
    /// After the reply drained: shut down writing and wait this long for
    /// the peer's FIN before closing (so unread input does not turn into a
    /// reset that destroys the reply).
    pub linger_until: Option<Instant>,
    /// Websocket session state, once upgraded.
    pub ws: Option<Box<WsState>>,
    /// Bytes of the single-frame message being delivered (in `recv`).
    pub delivered_frame: usize,
    /// A file being sent after `send` drains (static files, `mg_send_file`);
    /// boxed, as most connections never have one.
    pub file: Option<Box<FileBody>>,
    /// Bytes written to the socket so far (for the access log).
    pub output_sent: u64,
    /// `output_mark()` when the current request started.
    pub request_output_start: u64,
    /// The server that owns this connection (for `mg_send_file`).
    pub server: *const Server<D>,
    /// The peer's address, when known.
    pub peer: Option<SocketAddr>,
    /// Status of the reply being produced or received (the dialect shows
    /// it as `status_code`).
    pub status: i32,
    /// Bytes read from the socket so far (for the transfer rate).
    pub input_received: u64,
    /// Start of the current transfer-rate window (see `in_transit`).
    /// (Boxed: only connections with a transfer under way have one.)
    pub transfer_mark: Option<Box<TransferMark>>,
    /// Bytes of input this connection is counted for in the server's
    /// `buffered_input` (see `Server::recharge`).
    pub input_charge: usize,
    /// A built-in handler's own descriptors (a CGI child's pipes), watched
    /// with the socket; dropped when the request ends or the record is
    /// freed (see `net::companion`).
    /// (Boxed twice: a thin pointer, as every record carries it.)
    #[allow(clippy::type_complexity)]
    pub companion: Option<Box<Box<dyn Companion<D>>>>,
    /// The request body goes to a consumer while it arrives instead of
    /// being buffered whole (see `http_session::stream_body`).
    pub body_stream: Option<Box<BodyStream>>,
}

/// Progress of a request body handed to a consumer piece by piece. The
/// bytes received and not consumed yet are `recv[head_len..][..body_len]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BodyStream {
    /// Body bytes the consumer has taken (and that left the buffer).
    pub consumed: u64,
    /// The whole body has been received (it may not all be consumed).
    pub complete: bool,
}

/// Where a transfer-rate window started: when, and how many bytes the
/// connection had moved (`input_received + output_sent`) by then.
#[derive(Clone, Copy, Debug)]
pub struct TransferMark {
    pub since: Instant,
    pub moved: u64,
}

/// A file (or a range of it) streamed as a reply body, straight from the
/// file to the socket with `sendfile`, so it never sits in memory.
pub struct FileBody {
    pub file: std::fs::File,
    pub offset: u64,
    pub remaining: u64,
    /// Keep the connection after the body (what the reply headers said).
    pub keep_alive: bool,
}

/// Per-connection websocket state.
pub struct WsState {
    /// A fragmented message being reassembled.
    pub message: Vec<u8>,
    /// Opcode of the first frame of `message`, while one is in progress.
    pub message_opcode: Option<u8>,
    /// Last frame received from the peer.
    pub last_rx: Instant,
    /// When we sent a keep-alive PING that is still unanswered.
    pub ping_sent: Option<Instant>,
}

impl<D: Dialect> Connection<D> {
    pub fn new(
        fd: RawFd,
        peer: Option<SocketAddr>,
        local: Option<SocketAddr>,
        server_param: *mut c_void,
    ) -> Box<Connection<D>> {
        let now = Instant::now();
        let mut c = Box::new(Connection {
            public: D::blank(server_param),
            transport: Transport::Plain(fd),
            nodelay: false,
            stage: Stage::Head,
            recv: Vec::new(),
            send: Vec::new(),
            send_pos: 0,
            head: RequestHead::default(),
            chunked: None,
            body_len: 0,
            response: Response::default(),
            last_io: now,
            head_started: None,
            new_data: false,
            peer_closed: false,
            close_now: false,
            linger_until: None,
            linger: false,
            close_notified: false,
            ws: None,
            delivered_frame: 0,
            file: None,
            file_keep_alive: false,
            output_sent: 0,
            request_output_start: 0,
            server: std::ptr::null(),
            peer,
            status: 0,
            reply_head_parsed: false,
            reply_delivered: false,
            input_pending: false,
            handler_output: false,
            input_received: 0,
            transfer_mark: None,
            input_charge: 0,
            companion: None,
            body_stream: None,
        });
        D::set_addresses(&mut c.public, peer, local);
        c
    }

    /// Sets the reply status (and its public field).
    pub fn set_status(&mut self, status: i32) {
        self.status = status;
        D::set_status(&mut self.public, status);
    }

    /// Shows the parsed head (request, or reply on an outgoing connection)
    /// in the public struct, with the declared body length as content
    /// length until the body is there.
    pub fn publish_head(&mut self) {
        D::set_head(&mut self.public, self.head.view());
        D::set_content(
            &mut self.public,
            std::ptr::null_mut(),
            self.head.declared_length(),
        );
    }

    /// Points the public content at `len` bytes of the receive buffer
    /// starting at `start` (the buffer may have moved since last time).
    pub fn publish_content(&mut self, start: usize, len: usize) {
        let start = start.min(self.recv.len());
        D::set_content(&mut self.public, self.recv[start..].as_mut_ptr(), len);
    }

    /// Bytes queued for sending.
    pub fn pending_output(&self) -> &[u8] {
        &self.send[self.send_pos..]
    }

    /// Is anything waiting to be sent (buffered bytes or a file body)?
    pub fn has_pending_output(&self) -> bool {
        self.send_pos < self.send.len() || self.file.is_some() || self.transport.wants_write()
    }

    /// Bytes of output produced so far: sent, queued, or still in the file
    /// body. The difference between two marks is the size of a reply.
    pub fn output_mark(&self) -> u64 {
        self.output_sent
            + self.pending_output().len() as u64
            + self.file.as_ref().map_or(0, |f| f.remaining)
    }

    /// Marks `n` queued bytes as sent.
    pub fn consume_output(&mut self, n: usize) {
        self.output_sent += n as u64;
        self.send_pos += n;
        if self.send_pos >= self.send.len() {
            self.send.clear();
            self.send_pos = 0;
            if self.send.capacity() > 64 * 1024 {
                // Do not keep a big reply's buffer (an idle connection's
                // goes back to the server's pool: `Server::flush`).
                self.send = Vec::new();
            }
        } else if self.send_pos > 65536 && self.send_pos * 2 > self.send.len() {
            self.send.drain(..self.send_pos);
            self.send_pos = 0;
        }
    }

    /// The current `uri` field as bytes. The handler may have pointed it at
    /// its own string (5.4 allows that before returning `MG_FALSE`).
    pub fn public_uri(&self) -> Vec<u8> {
        let uri = D::uri(&self.public);
        if uri.is_null() {
            return Vec::new();
        }
        // SAFETY: `uri` points either into our request storage or at a
        // NUL-terminated string the handler keeps valid for the request,
        // as the 5.4 API requires.
        unsafe { std::ffi::CStr::from_ptr(uri) }.to_bytes().to_vec()
    }

    /// Does `Server::flush` have work here: output to send, or a finished
    /// reply whose connection must now close or linger?
    pub fn needs_flush(&self) -> bool {
        self.has_pending_output()
            || (self.stage == Stage::Closing && self.linger_until.is_none() && !self.close_now)
    }

    /// Is a transfer under way that the peer must keep moving at
    /// `min_transfer_rate`: a request body, an incoming websocket message
    /// (part of a frame buffered, or a fragmented message begun), or output
    /// waiting to be sent? (A request head has `request_timeout_ms`; a
    /// websocket between messages, or a request the handler keeps open
    /// with nothing to send, may be quiet.)
    pub fn in_transit(&self) -> bool {
        match self.stage {
            Stage::Connecting => false,
            Stage::Body => true,
            Stage::Websocket => {
                self.has_pending_output()
                    || !self.recv.is_empty()
                    || self.ws.as_ref().is_some_and(|w| w.message_opcode.is_some())
            }
            // A streamed body still arriving moves at the client's pace.
            Stage::Handling if self.body_stream.as_ref().is_some_and(|b| !b.complete) => true,
            _ => self.has_pending_output(),
        }
    }

    /// Bytes of input held in memory: the receive buffer and a websocket
    /// message being reassembled.
    pub fn input_held(&self) -> usize {
        self.recv.len() + self.ws.as_ref().map_or(0, |w| w.message.len())
    }

    /// Between requests, with nothing received or queued.
    pub fn is_idle(&self) -> bool {
        self.awaits_request() && !self.has_pending_output()
    }

    /// Waiting for a request, with nothing of it received yet.
    pub fn awaits_request(&self) -> bool {
        self.stage == Stage::Head && self.recv.is_empty()
    }

    /// The descriptor `select()` watches.
    pub fn fd(&self) -> RawFd {
        self.transport.fd()
    }

    /// An outgoing connection whose connect() has not finished.
    pub fn is_connecting(&self) -> bool {
        self.stage == Stage::Connecting
    }

    /// No more input will be served: close once the queued output is sent.
    pub fn close_after_output(&mut self) {
        self.stage = Stage::Closing;
        if !self.has_pending_output() {
            self.close_now = true;
        }
    }

    /// Clears the request fields of the public struct (5.4's end-of-request
    /// reset; `connection_param` is kept, as in 5.4).
    pub fn reset_request_fields(&mut self) {
        D::set_head(&mut self.public, None);
        D::set_content(&mut self.public, std::ptr::null_mut(), 0);
        self.set_status(0);
        D::set_websocket(&mut self.public, false);
    }
}

/// Writes the textual IP (IPv4 dotted, IPv6 full) NUL-terminated. IPv4 is
/// written by hand: this runs twice per accepted connection, and the
/// formatting machinery cost more than the rest of a short request.
pub fn write_ip(dst: &mut [c_char; 48], addr: &SocketAddr) {
    let v4 = match addr {
        SocketAddr::V4(a) => Some(*a.ip()),
        SocketAddr::V6(a) => a.ip().to_ipv4_mapped(),
    };
    let Some(ip) = v4 else {
        let text = addr.ip().to_string();
        for (d, s) in dst.iter_mut().zip(text.bytes().take(47)) {
            *d = s as c_char;
        }
        return;
    };
    let mut at = 0;
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            dst[at] = b'.' as c_char;
            at += 1;
        }
        // At most "255.255.255.255": 15 bytes of the 48.
        for &d in crate::core::http::digits::<10>(u64::from(octet), &mut [0; 20]) {
            dst[at] = d as c_char;
            at += 1;
        }
    }
}

/// The text of an address field `write_ip` filled (up to its NUL).
pub fn ip_text(field: &[c_char; 48]) -> String {
    let bytes: Vec<u8> = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A connection record owned by a server. Copyable handle; see [`ConnPtr::with`].
pub struct ConnPtr<D: Dialect>(NonNull<Connection<D>>);

impl<D: Dialect> Clone for ConnPtr<D> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<D: Dialect> Copy for ConnPtr<D> {}
impl<D: Dialect> PartialEq for ConnPtr<D> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<D: Dialect> Eq for ConnPtr<D> {}
impl<D: Dialect> std::fmt::Debug for ConnPtr<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<D: Dialect> ConnPtr<D> {
    pub fn from_box(b: Box<Connection<D>>) -> ConnPtr<D> {
        ConnPtr(NonNull::from(Box::leak(b)))
    }

    /// The handle for a public struct pointer given by C; NULL gives None.
    pub fn from_public(p: *const D::Public) -> Option<ConnPtr<D>> {
        NonNull::new(p as *mut Connection<D>).map(ConnPtr)
    }

    pub fn public(self) -> *mut D::Public {
        self.0.as_ptr().cast()
    }

    /// Runs `f` with exclusive access to the record.
    ///
    /// The library keeps two rules that make this sound: a record is only
    /// freed by [`ConnPtr::free`] from the server's sweep, which never runs
    /// inside a callback; and no code calls the user's handler (or another
    /// `with` on the same record) from inside `f`, so the `&mut` never
    /// overlaps with the handler's own access through its pointer.
    pub fn with<R>(self, f: impl FnOnce(&mut Connection<D>) -> R) -> R {
        // SAFETY: see the rules above; the pointer came from Box::leak.
        f(unsafe { &mut *self.0.as_ptr() })
    }

    /// Frees the record. Called once, by the sweep, after `MG_CLOSE`.
    pub fn free(self) {
        // SAFETY: the pointer came from Box::leak in `from_box`, and the
        // sweep removes it from the server's list before freeing it.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

#[cfg(test)]
mod tests {
    use super::{ip_text, write_ip};
    use std::net::SocketAddr;

    fn text(addr: &str) -> String {
        let mut buf = [0; 48];
        write_ip(&mut buf, &addr.parse::<SocketAddr>().unwrap());
        ip_text(&buf)
    }

    #[test]
    fn addresses_as_text() {
        assert_eq!(text("127.0.0.1:80"), "127.0.0.1");
        assert_eq!(text("0.0.0.0:1"), "0.0.0.0");
        assert_eq!(text("255.254.10.9:1"), "255.254.10.9");
        assert_eq!(text("[::ffff:10.1.2.3]:1"), "10.1.2.3");
        assert_eq!(text("[2001:db8::1]:1"), "2001:db8::1");
        assert_eq!(
            text("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:1"),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
        );
    }
}
