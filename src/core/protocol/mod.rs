//! What a connection speaks: the HTTP/1 request session
//! (`http_session`), websockets (`websocket_session`) and outgoing client
//! connections (`client`). The network layer calls in here through the
//! hooks below: how much a connection may buffer, what a received byte or
//! a peer's close means, and its timers.

pub mod client;
pub mod http_session;
pub mod websocket_session;

use super::connection::{ConnPtr, Connection, Stage, TransferMark};
use super::dialect::Dialect;
use super::net::clock;
use super::net::event_loop::{MAX_QUEUED_OUTPUT_TO_READ, READ_CHUNK};
use super::options::{Opt, Options};
use super::server::Server;
use super::websocket as ws;
use std::time::{Duration, Instant};

/// Sent to connections we cannot serve (no descriptor slot or too many).
pub const REFUSAL: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// The options that bound a connection's receive buffer, read once per
/// walk over the connections.
pub struct ReadLimits {
    max_head: usize,
    max_body: usize,
    max_message: usize,
}

impl ReadLimits {
    /// The limits as the options say now.
    pub fn from_options(options: &Options) -> ReadLimits {
        let n = |o| options.number(o) as usize;
        ReadLimits {
            max_head: n(Opt::MaxRequestHeadSize),
            max_body: n(Opt::MaxRequestBodySize),
            max_message: n(Opt::WebsocketMaxMessageSize),
        }
    }

    /// How many more bytes `c` may buffer now (0 = don't read).
    pub fn budget<D: Dialect>(&self, c: &Connection<D>) -> usize {
        if c.peer_closed || c.close_now {
            return 0;
        }
        if c.linger_until.is_some() || c.stage == Stage::Closing {
            return READ_CHUNK; // read and discard until the peer's FIN
        }
        if c.pending_output().len() > MAX_QUEUED_OUTPUT_TO_READ {
            // A client that sends requests but does not read the replies
            // must not make us buffer without bound: wait for it to read.
            return 0;
        }
        let cap = match c.stage {
            Stage::Head => self.max_head + 1,
            Stage::Connecting => 0,
            // One whole frame of the largest message, plus its header.
            Stage::Websocket => self.max_message.saturating_add(65536),
            // A body streamed to a consumer: a window of it at a time.
            Stage::Handling | Stage::Body
                if c.body_stream.as_deref().is_some_and(|b| !b.complete) =>
            {
                c.head
                    .head_len
                    .saturating_add(http_session::BODY_STREAM_WINDOW)
            }
            // The body is complete: buffer at most one more head of
            // pipelined input until this request ends.
            Stage::Handling => c
                .head
                .head_len
                .saturating_add(c.body_len)
                .saturating_add(self.max_head),
            _ => c
                .head
                .head_len
                .saturating_add(self.max_body)
                .saturating_add(self.max_head),
        };
        cap.saturating_sub(c.recv.len())
    }
}

/// Bytes were received on `c`: a request head starts its clock.
pub fn on_received<D: Dialect>(c: &mut Connection<D>) {
    if c.head_started.is_none() && c.stage == Stage::Head {
        c.head_started = Some(clock::now());
    }
}

/// Does `c` need its input processed once the peer has closed, even with
/// no new bytes (a reply delimited by the close)?
pub fn wants_input_at_close<D: Dialect>(c: &Connection<D>) -> bool {
    c.peer_closed && c.stage == Stage::Reply
}

/// The peer closed and nothing more can arrive: finish what is queued,
/// then close (a request the handler owns finishes first).
pub fn on_peer_closed<D: Dialect>(c: &mut Connection<D>) {
    match c.stage {
        Stage::Head
        | Stage::Body
        | Stage::Closing
        | Stage::Websocket
        | Stage::Connecting
        | Stage::Reply => c.close_after_output(),
        Stage::Handling => {}
    }
}

pub fn check_timers<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, now: Instant) {
    let (request_timeout, idle_timeout, min_rate) = {
        let o = srv.options.borrow();
        (
            Duration::from_millis(o.number(Opt::RequestTimeoutMs)),
            Duration::from_millis(o.number(Opt::IdleTimeoutMs)),
            o.number(Opt::MinTransferRate),
        )
    };
    let expired = c.with(|c| {
        if let Some(until) = c.linger_until {
            if now >= until {
                c.close_now = true;
            }
            return Expired::No;
        }
        if too_slow(c, now, request_timeout, min_rate) {
            c.transfer_mark = None;
            return match c.stage {
                Stage::Body => Expired::Request,
                Stage::Websocket if !c.has_pending_output() => Expired::Message,
                // A reader too slow for its reply (a websocket's
                // included: a CLOSE frame would wait behind the rest).
                _ => {
                    c.close_now = true;
                    Expired::No
                }
            };
        }
        let idle = now.saturating_duration_since(c.last_io);
        if c.has_pending_output() {
            // Output the peer does not read: give up after the idle
            // timeout, whatever the request stage.
            if idle >= idle_timeout {
                c.close_now = true;
            }
            return Expired::No;
        }
        let request_expired = match c.stage {
            Stage::Head if c.recv.is_empty() => {
                if idle >= idle_timeout {
                    c.close_now = true;
                }
                false
            }
            Stage::Head => c
                .head_started
                .is_some_and(|t| now.saturating_duration_since(t) >= request_timeout),
            Stage::Body => idle >= idle_timeout,
            // A request the handler keeps open (MG_MORE) may be quiet
            // for as long as it likes.
            Stage::Websocket => {
                websocket_session::websocket_timers(srv, c, now);
                false
            }
            Stage::Connecting if idle >= idle_timeout => {
                c.set_status(libc::ETIMEDOUT);
                c.close_now = true;
                false
            }
            Stage::Reply if idle >= idle_timeout => {
                c.close_now = true;
                false
            }
            Stage::Handling | Stage::Closing | Stage::Connecting | Stage::Reply => false,
        };
        if request_expired {
            Expired::Request
        } else {
            Expired::No
        }
    });
    match expired {
        Expired::No => {}
        Expired::Request => http_session::protocol_error(srv, c, 408),
        Expired::Message => c.with(|c| websocket_session::fail_websocket(c, ws::CLOSE_POLICY)),
    }
}

/// What `check_timeouts` found.
enum Expired {
    No,
    /// The request head or body is late: 408.
    Request,
    /// An incoming websocket message moves too slowly: close with 1008.
    Message,
}

/// Is a transfer in progress on `c` (see `Connection::in_transit`) moving
/// slower than `min_rate` bytes a second? Measured over windows of at
/// least `window` (`request_timeout_ms`): each must see `min_rate` bytes
/// per second of it moved, in or out. Nothing is checked before the first
/// window ends, and a burst in one window buys nothing in the next.
fn too_slow<D: Dialect>(
    c: &mut Connection<D>,
    now: Instant,
    window: Duration,
    min_rate: u64,
) -> bool {
    if min_rate == 0 || window.is_zero() || !c.in_transit() {
        c.transfer_mark = None;
        return false;
    }
    let moved = c.input_received + c.output_sent;
    let mark = **c
        .transfer_mark
        .get_or_insert_with(|| Box::new(TransferMark { since: now, moved }));
    let elapsed = now.saturating_duration_since(mark.since);
    if elapsed < window {
        return false;
    }
    let needed = (u128::from(min_rate) * elapsed.as_millis() / 1000) as u64;
    if moved - mark.moved < needed {
        return true;
    }
    if let Some(mark) = c.transfer_mark.as_mut() {
        **mark = TransferMark { since: now, moved };
    }
    false
}
