//! A websocket session on a connection: the upgrade (MG_AUTH,
//! MG_WS_HANDSHAKE, the 101, MG_WS_CONNECT), then frames. Data messages go
//! to the handler as MG_REQUEST (`content`, `content_len`, `wsbits`);
//! fragmented messages are reassembled first. Control frames are answered
//! here: PING gets a PONG, CLOSE gets a CLOSE and the connection ends.
//! Protocol errors close with the RFC 6455 status code.

use crate::core::connection::{ConnPtr, Connection, Stage, WsState};
use crate::core::dialect::{Answer, Dialect, Event};
use crate::core::http::has_token;
use crate::core::options::Opt;
use crate::core::protocol::http_session;
use crate::core::server::Server;
use crate::core::websocket::{self as ws, FrameHeader};
use std::time::{Duration, Instant};

/// What the next buffered frame asks for.
enum FrameStep {
    Wait,
    /// Handled here (control frame, or a fragment stored for later).
    Continue,
    /// Deliver a message to the handler.
    Deliver,
    /// Fail the connection with this close code.
    Fail(u16),
    /// The peer closed; we answered.
    Closed,
}

/// Why an upgrade request is refused.
enum HandshakeError {
    BadRequest,
    WrongVersion,
}

/// Is this request a websocket upgrade (`Upgrade: websocket`)?
pub fn is_upgrade_request<D: Dialect>(srv: &Server<D>, c: &Connection<D>) -> bool {
    srv.has_handler()
        && c.head
            .header(b"Upgrade")
            .is_some_and(|v| has_token(v, b"websocket"))
}

/// Runs the upgrade: MG_AUTH, MG_WS_HANDSHAKE, 101, MG_WS_CONNECT.
pub fn upgrade<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let checked = c.with(|c| check_handshake(c));
    match checked {
        Err(HandshakeError::WrongVersion) => {
            c.with(|c| {
                c.response.keep_alive = false;
                c.linger = true;
            });
            return http_session::reply(srv, c, 426, "Sec-WebSocket-Version: 13\r\n", b"");
        }
        Err(HandshakeError::BadRequest) => return http_session::protocol_error(srv, c, 400),
        Ok(()) => {}
    }
    // 5.4 sent the 101 before asking MG_AUTH; a refused client now gets
    // a plain 401 instead of a 101 followed by garbage.
    if srv.call(c, Event::Auth) == Answer::Declined {
        return http_session::send_auth_challenge(srv, c);
    }
    c.with(|c| D::set_websocket(&mut c.public, true));
    if srv.call(c, Event::WsHandshake) == Answer::Declined {
        c.with(|c| {
            let key = c.head.header(b"Sec-WebSocket-Key").unwrap_or_default();
            let reply = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                ws::accept_key(key)
            );
            c.send.extend_from_slice(reply.as_bytes());
        });
    }
    c.with(|c| {
        let consumed = (c.head.head_len + c.body_len).min(c.recv.len());
        c.recv.drain(..consumed);
        c.stage = Stage::Websocket;
        c.set_status(101);
        c.ws = Some(Box::new(WsState {
            message: Vec::new(),
            message_opcode: None,
            last_rx: crate::core::net::clock::now(),
            ping_sent: None,
        }));
    });
    srv.call(c, Event::WsConnect);
}

/// Handles every complete frame in the receive buffer.
pub fn process_frames<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let max = srv.options.borrow().number(Opt::WebsocketMaxMessageSize);
    loop {
        match c.with(|c| next_frame(c, max, srv.input_room(c))) {
            FrameStep::Wait | FrameStep::Closed => return,
            FrameStep::Continue => {}
            FrameStep::Fail(code) => return c.with(|c| fail(c, code)),
            FrameStep::Deliver => {
                let result = srv.call(c, Event::Request);
                c.with(finish_delivery);
                if result == Answer::Declined {
                    // 5.4: MG_FALSE for a frame closes the connection.
                    return c.with(|c| fail(c, ws::CLOSE_NORMAL));
                }
            }
        }
    }
}

/// Keep-alive pings; closes a peer that stopped answering.
pub fn websocket_timers<D: Dialect>(srv: &Server<D>, c: &mut Connection<D>, now: Instant) {
    let interval = Duration::from_millis(srv.options.borrow().number(Opt::WebsocketPingIntervalMs));
    if interval.is_zero() {
        return;
    }
    let Some(state) = c.ws.as_mut() else {
        return;
    };
    match state.ping_sent {
        Some(sent) if now.saturating_duration_since(sent) >= interval => c.close_now = true,
        Some(_) => {}
        None if now.saturating_duration_since(state.last_rx) >= interval => {
            state.ping_sent = Some(now);
            ws::write_frame(&mut c.send, ws::OP_PING, b"");
        }
        None => {}
    }
}

/// MG_TRUE from MG_POLL on a websocket ends it (as in 5.4), cleanly.
pub fn close_websocket<D: Dialect>(c: &mut Connection<D>) {
    fail(c, ws::CLOSE_NORMAL);
}

/// Ends a websocket with a CLOSE frame carrying `code`.
pub fn fail_websocket<D: Dialect>(c: &mut Connection<D>, code: u16) {
    fail(c, code);
}

fn check_handshake<D: Dialect>(c: &Connection<D>) -> Result<(), HandshakeError> {
    let h = &c.head;
    if h.method() != b"GET" || h.http10 {
        return Err(HandshakeError::BadRequest);
    }
    if h.header(b"Sec-WebSocket-Version") != Some(b"13") {
        return Err(HandshakeError::WrongVersion);
    }
    match h.header(b"Sec-WebSocket-Key") {
        Some(key) if ws::is_valid_key(key) => Ok(()),
        _ => Err(HandshakeError::BadRequest),
    }
}

/// Sends a CLOSE with `code` and closes once it has been sent.
fn fail<D: Dialect>(c: &mut Connection<D>, code: u16) {
    if c.stage == Stage::Websocket {
        ws::write_close(&mut c.send, code);
    }
    // Let the peer's own CLOSE (or remaining frames) arrive before the
    // socket goes, so our CLOSE is not lost to a reset.
    c.linger = true;
    c.recv.clear();
    c.stage = Stage::Closing;
}

/// Parses the next frame; prepares `content` when a message is ready.
/// `max` is the largest message; `room` how much input the connection may
/// hold under the server's `max_buffered_input_size`.
fn next_frame<D: Dialect>(c: &mut Connection<D>, max: u64, room: usize) -> FrameStep {
    if c.stage != Stage::Websocket {
        return FrameStep::Wait;
    }
    let header = match ws::parse_header(&c.recv, max) {
        Ok(Some(h)) => h,
        Ok(None) => return FrameStep::Wait,
        Err(code) => return FrameStep::Fail(code),
    };
    let FrameHeader {
        header_len,
        payload_len,
        opcode,
        fin,
        first_byte,
        mask,
    } = header;
    let payload_len = payload_len as usize; // <= max, checked by parse_header
    let frame_len = header_len + payload_len;
    // A continuation that takes its message over the limit fails on its
    // header, before its payload is waited for and buffered.
    if opcode == ws::OP_CONTINUATION {
        if let Some(state) = c.ws.as_ref() {
            if state.message_opcode.is_some()
                && (state.message.len() as u64).saturating_add(payload_len as u64) > max
            {
                return FrameStep::Fail(ws::CLOSE_TOO_BIG);
            }
        }
    }
    // Nor may a data frame take the server's buffered input over its
    // budget: it would be held whole (and added to the message so far).
    if opcode & 0x08 == 0 {
        let message = c.ws.as_ref().map_or(0, |state| state.message.len());
        if message.saturating_add(frame_len) > room {
            return FrameStep::Fail(ws::CLOSE_TOO_BIG);
        }
    }
    if c.recv.len() < frame_len {
        return FrameStep::Wait;
    }
    if let Some(m) = mask {
        ws::unmask(&mut c.recv[header_len..frame_len], m);
    }
    let Some(state) = c.ws.as_mut() else {
        return FrameStep::Fail(ws::CLOSE_PROTOCOL_ERROR);
    };
    state.last_rx = crate::core::net::clock::now();
    match opcode {
        ws::OP_PING => {
            let payload = c.recv[header_len..frame_len].to_vec();
            ws::write_frame(&mut c.send, ws::OP_PONG, &payload);
            c.recv.drain(..frame_len);
            FrameStep::Continue
        }
        ws::OP_PONG => {
            state.ping_sent = None;
            c.recv.drain(..frame_len);
            FrameStep::Continue
        }
        ws::OP_CLOSE => match ws::check_close_payload(&c.recv[header_len..frame_len]) {
            Ok(code) => {
                ws::write_close(&mut c.send, code);
                c.recv.clear();
                c.linger = true;
                c.stage = Stage::Closing;
                FrameStep::Closed
            }
            Err(code) => FrameStep::Fail(code),
        },
        _ => {
            let continuation = opcode == ws::OP_CONTINUATION;
            if continuation != state.message_opcode.is_some() {
                // A continuation with nothing to continue, or a new message
                // in the middle of a fragmented one.
                return FrameStep::Fail(ws::CLOSE_PROTOCOL_ERROR);
            }
            if !continuation && fin {
                // A whole message in one frame: deliver it in place.
                if opcode == ws::OP_TEXT && !ws::is_utf8(&c.recv[header_len..frame_len]) {
                    return FrameStep::Fail(ws::CLOSE_INVALID_DATA);
                }
                c.publish_content(header_len, payload_len);
                D::set_wsbits(&mut c.public, first_byte);
                c.delivered_frame = frame_len;
                return FrameStep::Deliver;
            }
            if (state.message.len() as u64).saturating_add(payload_len as u64) > max {
                return FrameStep::Fail(ws::CLOSE_TOO_BIG);
            }
            if !continuation {
                state.message_opcode = Some(opcode);
                state.message.clear();
            }
            state
                .message
                .extend_from_slice(&c.recv[header_len..frame_len]);
            c.recv.drain(..frame_len);
            if !fin {
                return FrameStep::Continue;
            }
            let first_opcode = state.message_opcode.take().unwrap_or(ws::OP_BINARY);
            if first_opcode == ws::OP_TEXT && !ws::is_utf8(&state.message) {
                return FrameStep::Fail(ws::CLOSE_INVALID_DATA);
            }
            D::set_content(
                &mut c.public,
                state.message.as_mut_ptr(),
                state.message.len(),
            );
            D::set_wsbits(&mut c.public, 0x80 | first_opcode);
            c.delivered_frame = 0;
            FrameStep::Deliver
        }
    }
}

/// Buffer capacity a websocket keeps between messages; beyond it, the
/// memory of a large message goes back once the message is delivered
/// (`max_buffered_input_size` counts the bytes held, not the capacity: an
/// idle connection must not keep its largest message's buffers).
const KEPT_CAPACITY: usize = 64 * 1024;

/// After MG_REQUEST: drop the delivered frame or message.
fn finish_delivery<D: Dialect>(c: &mut Connection<D>) {
    let n = std::mem::take(&mut c.delivered_frame).min(c.recv.len());
    c.recv.drain(..n);
    if c.recv.capacity() > KEPT_CAPACITY && c.recv.len() < KEPT_CAPACITY {
        c.recv.shrink_to(c.recv.len());
    }
    if let Some(state) = c.ws.as_mut() {
        if state.message_opcode.is_none() {
            state.message.clear();
            if state.message.capacity() > KEPT_CAPACITY {
                state.message.shrink_to(0);
            }
        }
    }
    D::set_content(&mut c.public, std::ptr::null_mut(), 0);
}
