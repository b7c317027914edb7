//! Outgoing connections (`mg_connect`): a non-blocking connect, then
//! MG_CONNECT (the handler writes its request), then one MG_REPLY per reply
//! received. 5.4 semantics, with its bugs fixed: MG_REPLY fires once per
//! complete reply (not on a partial head), chunked replies are decoded,
//! `status_code` holds the reply's status, and a connect that succeeds at
//! once is not mistaken for a failure.

use crate::core::connection::{ConnPtr, Connection, Stage};
use crate::core::dialect::{Answer, Dialect, Event};
use crate::core::http::chunked::ChunkedDecoder;
use crate::core::http::request::BodyFraming;
use crate::core::options::Opt;
use crate::core::server::Server;
use crate::core::sys;
use std::net::ToSocketAddrs;

enum ReplyStep {
    Wait,
    /// `content`/`content_len` are set: call MG_REPLY, then drop `consumed`
    /// bytes (`keep_head`: the body runs until close, more may follow).
    Deliver {
        consumed: usize,
        keep_head: bool,
    },
    /// Unusable reply: close.
    Fail,
}

/// `mg_connect`: resolves `host` (blocking, as in 5.4) and starts a
/// non-blocking connect.
pub fn connect<D: Dialect>(srv: &Server<D>, host: &str, port: u16) -> Option<ConnPtr<D>> {
    let addr = (host, port).to_socket_addrs().ok()?.next()?;
    let (fd, _in_progress) = sys::connect_tcp(&addr).ok()?;
    if fd >= sys::FD_SETSIZE {
        sys::close(fd);
        return None;
    }
    let mut conn = Connection::new(fd, None, None, srv.server_param);
    conn.server = srv;
    conn.stage = Stage::Connecting;
    let c = ConnPtr::from_box(conn);
    srv.add_connection(c);
    Some(c)
}

/// `mg_connect` with `use_ssl`: the same, as a TLS client of `host` (SNI;
/// the certificate is verified only when the server has
/// `ssl_ca_certificate`, see `net::tls`). The handshake starts once the
/// TCP connect completes; the request MG_CONNECT writes goes out when it
/// ends. A failed handshake closes the connection with `status_code` =
/// `EPROTO`.
pub fn connect_tls<D: Dialect>(srv: &Server<D>, host: &str, port: u16) -> Option<ConnPtr<D>> {
    let c = connect(srv, host, port)?;
    if c.with(|c| crate::core::net::tls::wrap_outgoing(srv, c, host))
        .is_err()
    {
        // (Not announced yet: closed by the next sweep without events.)
        c.with(|c| {
            c.close_notified = true;
            c.close_now = true;
        });
        return None;
    }
    Some(c)
}

/// The socket became writable while connecting: MG_CONNECT, or on
/// failure MG_CLOSE with `status_code` = the errno (5.4 behaviour).
pub fn finish_connect<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let ok = c.with(|c| {
        let err = sys::socket_error(c.fd());
        if err != 0 {
            c.set_status(err);
            c.close_now = true;
            return false;
        }
        c.peer = sys::peer_addr(c.fd());
        let local = sys::local_addr(c.fd());
        D::set_addresses(&mut c.public, c.peer, local);
        c.set_status(0);
        c.stage = Stage::Reply;
        c.last_io = crate::core::net::clock::now();
        true
    });
    if ok && srv.call(c, Event::Connect) == Answer::Declined {
        c.with(|c| c.close_now = true);
    }
    srv.flush(c);
}

/// Delivers every complete reply in the receive buffer.
pub fn process_replies<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>) {
    let (max_head, max_body) = {
        let o = srv.options.borrow();
        (
            o.number(Opt::MaxRequestHeadSize) as usize,
            o.number(Opt::MaxRequestBodySize),
        )
    };
    loop {
        match c.with(|c| next_reply(c, max_head, max_body)) {
            ReplyStep::Wait => return,
            ReplyStep::Fail => return c.with(|c| c.close_now = true),
            ReplyStep::Deliver {
                consumed,
                keep_head,
            } => {
                c.with(|c| c.reply_delivered = true);
                let result = srv.call(c, Event::Reply);
                c.with(|c| {
                    let head_len = c.head.head_len;
                    D::set_content(&mut c.public, std::ptr::null_mut(), 0);
                    if keep_head {
                        c.recv
                            .drain(head_len..(head_len + consumed).min(c.recv.len()));
                    } else {
                        c.recv.drain(..(head_len + consumed).min(c.recv.len()));
                        c.reply_head_parsed = false;
                        c.chunked = None;
                        c.reset_request_fields();
                    }
                    if result == Answer::Declined {
                        c.close_now = true;
                    }
                });
                if keep_head || result == Answer::Declined {
                    return;
                }
            }
        }
    }
}

fn next_reply<D: Dialect>(c: &mut Connection<D>, max_head: usize, max_body: u64) -> ReplyStep {
    if c.close_now {
        return ReplyStep::Wait;
    }
    if !c.reply_head_parsed {
        if c.recv.is_empty() {
            return ReplyStep::Wait;
        }
        match c.head.parse_reply(&c.recv, max_head) {
            Ok(None) => return ReplyStep::Wait,
            Err(_) => return ReplyStep::Fail,
            Ok(Some(code)) => {
                // (The reply head has no query string.)
                c.publish_head();
                c.set_status(code as i32);
                c.reply_head_parsed = true;
                c.reply_delivered = false;
                c.chunked = (c.head.framing == Some(BodyFraming::Chunked))
                    .then(|| Box::new(ChunkedDecoder::lenient()));
            }
        }
    }
    let head_len = c.head.head_len;
    let available = c.recv.len() - head_len;
    match c.head.framing {
        Some(BodyFraming::Length(n)) => {
            if n > max_body {
                return ReplyStep::Fail;
            }
            let n = n as usize;
            if available < n {
                return ReplyStep::Wait;
            }
            set_content(c, n);
            ReplyStep::Deliver {
                consumed: n,
                keep_head: false,
            }
        }
        Some(BodyFraming::Chunked) => {
            let Some(decoder) = c.chunked.as_mut() else {
                return ReplyStep::Fail;
            };
            let result = decoder.decode(&mut c.recv[head_len..], max_body);
            let (decoded, consumed) = (decoder.decoded, decoder.consumed);
            c.recv.drain(head_len + decoded..head_len + consumed);
            decoder.consumed = decoded;
            match result {
                Ok(true) => {
                    set_content(c, decoded);
                    ReplyStep::Deliver {
                        consumed: decoded,
                        keep_head: false,
                    }
                }
                Ok(false) => ReplyStep::Wait,
                Err(_) => ReplyStep::Fail,
            }
        }
        // No length: the body runs until the peer closes; each piece is
        // delivered as it arrives (5.4 did the same).
        None => {
            // A reply that ends without any body still gets one (empty)
            // MG_REPLY when the peer closes.
            let owed_empty_reply = c.peer_closed && !c.reply_delivered;
            if available == 0 && !owed_empty_reply {
                return ReplyStep::Wait;
            }
            set_content(c, available);
            ReplyStep::Deliver {
                consumed: available,
                keep_head: true,
            }
        }
    }
}

fn set_content<D: Dialect>(c: &mut Connection<D>, len: usize) {
    c.publish_content(c.head.head_len, len);
}
