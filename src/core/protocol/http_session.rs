//! The request lifecycle of a connection: head → body → handler (or the
//! built-in handling) → end of request (keep-alive or close), plus the
//! error replies. Events go to the user's handler in 5.4's order: MG_AUTH,
//! MG_REQUEST, MG_HTTP_ERROR; MG_POLL and MG_CLOSE come from the event loop.

use crate::core::connection::{BodyStream, ConnPtr, Connection, Stage};
use crate::core::dialect::{Answer, Dialect, Event};
use crate::core::http::chunked::ChunkError;
use crate::core::http::path::percent_encode;
use crate::core::http::request::BodyFraming;
use crate::core::http::response::Framing;
use crate::core::http::status::{has_no_body, reason};
use crate::core::http::{push_date_header, push_decimal, push_status_line};
use crate::core::options::Opt;
use crate::core::protocol::client;
use crate::core::protocol::websocket_session;
use crate::core::router;
use crate::core::server::Server;
use std::os::unix::ffi::OsStrExt;
use std::time::Instant;

enum Step {
    Wait,
    Ready,
    Error(i32),
}

/// Runs the request state machine over the buffered input, answering
/// pipelined requests in order.
pub fn process_input<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    loop {
        let stage = c.with(|c| {
            c.input_pending = false;
            c.stage
        });
        match stage {
            Stage::Head => match c.with(|c| parse_head(srv, c)) {
                Step::Wait => {
                    return c.with(|c| {
                        if c.peer_closed && !c.input_pending {
                            // Nothing more can arrive: close once the
                            // replies already queued are sent.
                            c.close_after_output();
                        }
                    });
                }
                Step::Error(code) => return protocol_error(srv, c, code),
                Step::Ready => {}
            },
            Stage::Body if c.with(|c| c.body_stream.is_some()) => {
                // Dispatched at once; the body follows the consumer.
                match c.with(stream_step) {
                    Step::Error(code) => return protocol_error(srv, c, code),
                    Step::Wait => {
                        // Whoever answers before the body's end closes
                        // the connection after the reply (the consumer
                        // may decide otherwise).
                        c.with(|c| c.response.keep_alive = false);
                        dispatch(srv, c)
                    }
                    Step::Ready => dispatch(srv, c),
                }
                return;
            }
            Stage::Body => match c.with(|c| read_body(srv, c)) {
                Step::Wait => return,
                Step::Error(code) => return protocol_error(srv, c, code),
                Step::Ready => dispatch(srv, c),
            },
            Stage::Handling
                if c.with(|c| c.body_stream.as_deref().is_some_and(|b| !b.complete)) =>
            {
                if let Step::Error(code) = c.with(stream_step) {
                    body_error(srv, c, code);
                }
                return;
            }
            Stage::Handling => {
                // 5.4: a request kept open with MG_MORE sees MG_REQUEST
                // again whenever more bytes arrive.
                let again = c.with(|c| {
                    // Not while the library streams a file for this
                    // request: the handler does not own it.
                    let again = std::mem::replace(&mut c.new_data, false)
                        && c.file.is_none()
                        && c.companion.is_none();
                    if again {
                        set_content(c);
                    }
                    again
                });
                if again
                    && srv.has_handler()
                    && srv.call(c, Event::Request) == Answer::Done
                    && handler_finished(srv, c)
                {
                    continue;
                }
                return;
            }
            Stage::Websocket => return websocket_session::process_frames(srv, c),
            Stage::Reply => return client::process_replies(srv, c),
            Stage::Connecting => return,
            Stage::Closing => return,
        }
    }
}

fn parse_head<D: Dialect>(srv: &Server<D>, c: &mut Connection<D>) -> Step {
    if c.recv.is_empty() {
        return Step::Wait;
    }
    if c.pending_output().len() > crate::core::net::event_loop::MAX_QUEUED_OUTPUT_TO_READ {
        // Answer the next pipelined request once the client has read
        // what is queued (`flush` resumes it).
        c.input_pending = true;
        return Step::Wait;
    }
    let (max_head, max_body) = {
        let o = srv.options.borrow();
        (
            o.number(Opt::MaxRequestHeadSize) as usize,
            o.number(Opt::MaxRequestBodySize),
        )
    };
    let room = srv.input_room(c);
    match c.head.parse(&c.recv, max_head) {
        Ok(false) => {
            c.head_started.get_or_insert_with(Instant::now);
            Step::Wait
        }
        Err(e) => Step::Error(e.status()),
        Ok(true) => {
            forget_request_auth(srv, c);
            c.publish_head();
            c.set_status(0);
            D::set_websocket(&mut c.public, false);
            c.response
                .begin(c.head.keep_alive, c.head.http10, c.head.is_head_method);
            c.request_output_start = c.output_mark();
            c.stage = Stage::Body;
            c.body_len = 0;
            let body_available = c.recv.len() - c.head.head_len;
            let has_body = matches!(
                c.head.framing,
                Some(BodyFraming::Chunked) | Some(BodyFraming::Length(1..))
            );
            if has_body && !srv.has_handler() && router::consumes_body(srv, c) {
                // Its consumer takes the body as it arrives: no buffer to
                // bound, so neither limit on buffered bodies applies.
                if c.head.expect_continue {
                    c.send.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                if c.head.framing == Some(BodyFraming::Chunked) {
                    c.chunked = Some(Box::default());
                }
                c.body_stream = Some(Box::default());
                return Step::Ready;
            }
            match c.head.framing {
                Some(BodyFraming::Length(n)) => {
                    if n > max_body {
                        return Step::Error(413);
                    }
                    if n > 0 && (c.head.head_len as u64).saturating_add(n) > room as u64 {
                        // Over the server-wide budget for buffered
                        // input: a temporary condition, hence 503.
                        return Step::Error(503);
                    }
                    if c.head.expect_continue && (body_available as u64) < n {
                        c.send.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    }
                }
                Some(BodyFraming::Chunked) | None => {
                    c.chunked = Some(Box::default());
                    if c.head.expect_continue {
                        c.send.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    }
                }
            }
            Step::Ready
        }
    }
}

fn read_body<D: Dialect>(srv: &Server<D>, c: &mut Connection<D>) -> Step {
    let head_len = c.head.head_len;
    // A body still arriving may not take the server's buffered input
    // over `max_buffered_input_size` (503: see `parse_head`).
    let waiting = |c: &Connection<D>| {
        if c.recv.len() > srv.input_room(c) {
            Step::Error(503)
        } else {
            Step::Wait
        }
    };
    match c.chunked.as_mut() {
        None => {
            let n = match c.head.framing {
                Some(BodyFraming::Length(n)) => n as usize,
                _ => 0,
            };
            if c.recv.len() - head_len < n {
                return waiting(c);
            }
            c.body_len = n;
        }
        Some(decoder) => {
            let max_body = srv.options.borrow().number(Opt::MaxRequestBodySize);
            let result = decoder.decode(&mut c.recv[head_len..], max_body);
            // Drop the framing bytes already decoded so the buffer holds
            // head + decoded body + undecoded rest.
            let (decoded, consumed) = (decoder.decoded, decoder.consumed);
            c.recv.drain(head_len + decoded..head_len + consumed);
            decoder.consumed = decoded;
            match result {
                Ok(false) => return waiting(c),
                Err(ChunkError::Malformed) => return Step::Error(400),
                Err(ChunkError::TooLarge) => return Step::Error(413),
                Ok(true) => c.body_len = decoded,
            }
        }
    }
    Step::Ready
}

/// The request is complete: MG_AUTH, MG_REQUEST, or built-in handling.
fn dispatch<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    c.with(|c| {
        c.stage = Stage::Handling;
        c.new_data = false;
        set_content(c);
    });
    if !srv.has_handler() {
        return router::builtin(srv, c);
    }
    if c.with(|c| websocket_session::is_upgrade_request(srv, c)) {
        return websocket_session::upgrade(srv, c);
    }
    if srv.call(c, Event::Auth) == Answer::Declined {
        return send_auth_challenge(srv, c);
    }
    match srv.call(c, Event::Request) {
        Answer::Done => {
            handler_finished(srv, c);
        }
        Answer::Declined => router::builtin(srv, c),
        Answer::More => {} // The handler keeps the request open.
    }
}

/// The handler returned MG_TRUE for the current request (from
/// MG_REQUEST or MG_POLL): terminate the reply and end the request.
/// Returns false when there was no request to end (then MG_TRUE is
/// ignored; 5.4 closed the idle connection).
pub fn handler_finished<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) -> bool {
    let keep = c.with(|c| match c.stage {
        // A file body in flight ends the request itself when it is sent.
        Stage::Handling if c.file.is_some() => None,
        // So does a built-in handler with descriptors of its own (CGI).
        Stage::Handling if c.companion.is_some() => None,
        Stage::Handling => Some(c.response.finish(&mut c.send)),
        Stage::Websocket => {
            websocket_session::close_websocket(c);
            Some(false)
        }
        _ => None,
    });
    match keep {
        Some(keep) => {
            end_request(srv, c, keep);
            true
        }
        None => false,
    }
}

/// Consumes the request from the receive buffer and either waits for the
/// next one (keep-alive) or closes once the reply is sent.
pub fn end_request<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, keep_alive: bool) {
    c.with(|c| {
        log_request(srv, c);
        // A consumer that stopped before the body's end: the rest of it
        // is still coming, and is not the next request.
        let keep_alive = keep_alive && c.body_stream.as_deref().is_none_or(|b| b.complete);
        c.body_stream = None;
        c.companion = None;
        if keep_alive {
            let consumed = (c.head.head_len + c.body_len).min(c.recv.len());
            c.recv.drain(..consumed);
            c.input_pending = !c.recv.is_empty() || c.peer_closed;
            c.stage = Stage::Head;
            c.head_started = if c.recv.is_empty() {
                None
            } else {
                Some(crate::core::net::clock::now())
            };
        } else {
            c.recv.clear();
            c.stage = Stage::Closing;
        }
        c.head.head_len = 0;
        c.head.is_head_method = false;
        c.body_len = 0;
        c.chunked = None;
        c.new_data = false;
        forget_request_auth(srv, c);
        c.reset_request_fields();
        if c.recv.is_empty() {
            // Nothing pipelined: the request's buffers go back to the
            // pool, so an idle keep-alive connection costs only its
            // record (the reply buffer follows once it is sent).
            srv.reclaim_buffers(c);
        }
    });
}

/// A request that cannot be read on: answer `code` and close.
pub fn protocol_error<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, code: i32) {
    c.with(|c| {
        c.stage = Stage::Handling;
        if c.response.framing != Framing::Idle || c.head.head_len == 0 {
            c.response.begin(false, false, false);
        }
        c.response.keep_alive = false;
        c.linger = true;
    });
    send_error(srv, c, code);
}

/// The 5.4 error routine: MG_HTTP_ERROR first, then a numeric
/// `url_rewrites` redirect, then the default reply `<code> <reason>` as
/// text/plain with a Content-Length.
pub fn send_error<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, code: i32) {
    send_error_with(srv, c, code, "")
}

/// `send_error` with extra header lines (each ending in CRLF) in the
/// default reply, e.g. `Allow:` for a 405.
pub fn send_error_with<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, code: i32, extra_headers: &str) {
    c.with(|c| c.set_status(code));
    if srv.has_handler() && srv.call(c, Event::HttpError) == Answer::Done {
        handler_finished(srv, c);
        return;
    }
    let redirect = srv
        .options
        .borrow()
        .get_bytes(Opt::UrlRewrites)
        .and_then(|r| crate::core::files::resolve::numeric_redirect(r, code))
        .map(<[u8]>::to_vec);
    if let Some(target) = redirect {
        return redirect_error(srv, c, code, &target);
    }
    let body = if has_no_body(code) || (300..400).contains(&code) {
        String::new()
    } else {
        format!("{} {}\n", code, reason(code))
    };
    let headers = format!("Content-Type: text/plain\r\n{extra_headers}");
    reply(srv, c, code, &headers, body.as_bytes());
}

/// Sends a complete reply made by the library (status line, `Date`,
/// `Content-Length`, `headers` — each line ending in CRLF —, and
/// `Connection: close` when the connection will not be kept), then ends
/// the request. HEAD requests get no body.
pub fn reply<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, status: i32, headers: &str, body: &[u8]) {
    let keep = c.with(|c| {
        c.set_status(status);
        let keep = c.response.keep_alive && c.response.framing == Framing::Idle;
        push_status_line(&mut c.send, status);
        push_date_header(&mut c.send);
        if !has_no_body(status) {
            c.send.extend_from_slice(b"Content-Length: ");
            push_decimal(&mut c.send, body.len() as u64);
            c.send.extend_from_slice(b"\r\n");
        }
        c.send.extend_from_slice(headers.as_bytes());
        if !keep {
            c.send.extend_from_slice(b"Connection: close\r\n");
        }
        c.send.extend_from_slice(b"\r\n");
        if !c.head.is_head_method {
            c.send.extend_from_slice(body);
        }
        keep
    });
    end_request(srv, c, keep);
}

/// MG_AUTH said no, or a passwords file protects the path: 401 with a
/// Digest challenge as 5.4 sent it, with a nonce this server issued (see
/// `core::auth`), `stale=true` when the request's digest was right but its
/// nonce was not acceptable, and a Content-Length, so the connection can
/// stay open.
pub fn send_auth_challenge<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let realm = srv
        .options
        .borrow()
        .get_bytes(Opt::AuthDomain)
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .unwrap_or_default();
    let nonce = srv
        .nonces
        .borrow_mut()
        .issue(crate::core::net::clock::unix_now());
    let id = c.with(|c| conn_id(c));
    let stale = srv
        .request_auth
        .borrow()
        .iter()
        .any(|(k, a)| *k == id && a.stale);
    let challenge = format!(
        "WWW-Authenticate: Digest qop=\"auth\", realm=\"{}\", nonce=\"{nonce}\"{}\r\n",
        realm.replace(['"', '\\', '\r', '\n'], "_"),
        if stale { ", stale=true" } else { "" }
    );
    reply(srv, c, 401, &challenge, b"");
}

/// Checks the request's `Authorization` header against a passwords file's
/// contents and the server's nonces (`core::auth::verify`), remembering
/// the outcome for the rest of the request.
pub fn check_digest<D: Dialect>(
    srv: &Server<D>,
    c: &mut Connection<D>,
    passwords: &[u8],
) -> crate::core::auth::Verdict {
    let realm = srv
        .options
        .borrow()
        .get_bytes(Opt::AuthDomain)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let id = conn_id(c);
    let mut table = srv.request_auth.borrow_mut();
    let at = match table.iter().position(|(k, _)| *k == id) {
        Some(at) => at,
        None => {
            table.push((id, Default::default()));
            table.len() - 1
        }
    };
    crate::core::auth::verify(
        &mut srv.nonces.borrow_mut(),
        &mut table[at].1,
        crate::core::net::clock::unix_now(),
        c.head.method(),
        c.head.header(b"Authorization").unwrap_or_default(),
        &realm,
        passwords,
    )
}

fn conn_id<D: Dialect>(c: &Connection<D>) -> usize {
    c as *const Connection<D> as usize
}

/// A request ends or begins: what an earlier one on the connection
/// proved does not carry over.
fn forget_request_auth<D: Dialect>(srv: &Server<D>, c: &Connection<D>) {
    let mut table = srv.request_auth.borrow_mut();
    if !table.is_empty() {
        let id = conn_id(c);
        table.retain(|(k, _)| *k != id);
    }
}

/// `url_rewrites` `CODE=uri`: a 302 to `uri` carrying the code, the
/// original URI and its query string.
fn redirect_error<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, code: i32, target: &[u8]) {
    let location = c.with(|c| {
        format!(
            "Location: {}?code={code}&orig_uri={}&query_string={}\r\n",
            String::from_utf8_lossy(target),
            percent_encode(c.head.uri(), b"-._~/"),
            percent_encode(c.head.query().unwrap_or_default(), b"-._~/"),
        )
    });
    reply(srv, c, 302, &location, b"");
}

/// Writes the access-log line of the request that is ending.
fn log_request<D: Dialect>(srv: &Server<D>, c: &Connection<D>) {
    let options = srv.options.borrow();
    let Some(path) = options.get(Opt::AccessLogFile) else {
        return;
    };
    if c.status <= 0 || c.head.head_len == 0 {
        return;
    }
    let user = c.head.header(b"Authorization").and_then(|auth| {
        let mut buf = [0u8; 256];
        let n = crate::core::util::header_param::parse_header(auth, b"username", &mut buf);
        (n > 0).then(|| buf[..n as usize].to_vec())
    });
    let remote = c.peer.map(|a| a.ip().to_string()).unwrap_or_default();
    let line = crate::core::files::access_log::format_line(
        &remote,
        user.as_deref(),
        crate::core::net::clock::unix_now(),
        c.head.method(),
        c.head.uri(),
        c.head.query(),
        c.head.version(),
        c.status,
        c.output_mark().saturating_sub(c.request_output_start),
        c.head.header(b"Referer"),
        c.head.header(b"User-Agent"),
    );
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(path.to_bytes()));
    let _ = crate::core::files::access_log::append(path, &line);
}

/// Points `content` at the body in the receive buffer (it may have moved).
fn set_content<D: Dialect>(c: &mut Connection<D>) {
    c.publish_content(c.head.head_len, c.body_len);
}

/// How much of a streamed body may wait in the receive buffer for its
/// consumer: reading from the client pauses beyond it (back-pressure).
pub(crate) const BODY_STREAM_WINDOW: usize = 64 * 1024;

/// Makes the current request's body a stream for a built-in consumer
/// (CGI's stdin): what has arrived is taken with [`body_piece`] and
/// [`consume_body`], the rest follows as it arrives, and reading from the
/// client pauses while [`BODY_STREAM_WINDOW`] bytes wait. A body already
/// buffered whole (for the handler) is handed over the same way.
pub fn stream_body<D: Dialect>(c: &mut Connection<D>) {
    if c.body_stream.is_none() {
        c.body_stream = Some(Box::new(BodyStream {
            consumed: 0,
            complete: true,
        }));
    }
    // The handler's view of the body goes: the buffer will move under it.
    D::set_content(&mut c.public, std::ptr::null_mut(), 0);
}

/// The body bytes received and not consumed yet.
pub fn body_piece<D: Dialect>(c: &Connection<D>) -> &[u8] {
    let start = c.head.head_len.min(c.recv.len());
    let end = (start + c.body_len).min(c.recv.len());
    &c.recv[start..end]
}

/// The consumer took `n` bytes of [`body_piece`].
pub fn consume_body<D: Dialect>(c: &mut Connection<D>, n: usize) {
    let n = n.min(c.body_len);
    let start = c.head.head_len;
    c.recv.drain(start..start + n);
    c.body_len -= n;
    if let Some(decoder) = c.chunked.as_mut() {
        decoder.decoded -= n;
        decoder.consumed -= n;
    }
    if let Some(stream) = c.body_stream.as_mut() {
        stream.consumed += n as u64;
    }
}

/// The whole body has been received and consumed.
pub fn body_done<D: Dialect>(c: &Connection<D>) -> bool {
    c.body_len == 0 && c.body_stream.as_deref().is_none_or(|b| b.complete)
}

/// Brings a streamed body up to date with what was received: decodes
/// chunked framing in place and counts the bytes ready for the consumer.
fn stream_step<D: Dialect>(c: &mut Connection<D>) -> Step {
    let head_len = c.head.head_len;
    let Some(stream) = c.body_stream.as_deref().copied() else {
        return Step::Ready;
    };
    if stream.complete {
        return Step::Ready;
    }
    let complete = match c.chunked.as_mut() {
        None => {
            let total = match c.head.framing {
                Some(BodyFraming::Length(n)) => n,
                _ => 0,
            };
            let wanted = total - stream.consumed;
            let here = (c.recv.len() - head_len) as u64;
            c.body_len = here.min(wanted) as usize;
            here >= wanted
        }
        Some(decoder) => {
            let result = decoder.decode(&mut c.recv[head_len..], u64::MAX);
            let (decoded, consumed) = (decoder.decoded, decoder.consumed);
            c.recv.drain(head_len + decoded..head_len + consumed);
            decoder.consumed = decoded;
            c.body_len = decoded;
            match result {
                Ok(done) => done,
                Err(_) => return Step::Error(400),
            }
        }
    };
    if let Some(stream) = c.body_stream.as_mut() {
        stream.complete = complete;
    }
    if complete {
        Step::Ready
    } else {
        Step::Wait
    }
}

/// A streamed body turned out malformed after its consumer started: an
/// error reply if nothing of the reply has gone out, else a plain close.
fn body_error<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, code: i32) {
    let replied = c.with(|c| c.output_mark() > c.request_output_start);
    if replied {
        c.with(|c| {
            c.companion = None;
            c.close_now = true;
        });
    } else {
        c.with(|c| c.companion = None);
        protocol_error(srv, c, code);
    }
}
