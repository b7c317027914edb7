//! Building a reply through the 5.4 output API: the auto status line, the
//! auto `Transfer-Encoding: chunked` of `mg_send_data`, raw writes, and the
//! terminator added when a request ends.
//!
//! Differences from 5.4, all of which only turn invalid output into valid
//! output: a header block is always terminated; headers after the body has
//! started are dropped instead of landing in the body; data after the
//! terminating chunk is dropped; HTTP/1.0 clients get an unframed body and a
//! closed connection instead of chunked encoding they cannot read;
//! `mg_send_status` works inside `MG_HTTP_ERROR`; a head the library closes
//! carries a `Date` (RFC 9110 6.6.1) unless the handler sent one.

/// Where the reply stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Framing {
    /// Nothing written for this request yet.
    #[default]
    Idle,
    /// Status line (and maybe headers) written; header block still open.
    HeadOpen,
    /// Chunked body in progress.
    Chunked,
    /// Body in progress without chunking (HTTP/1.0 client); ends by close.
    Unframed,
    /// Terminating chunk written (`mg_send_data(c, "", 0)`).
    Ended,
    /// The handler writes the reply itself (`mg_write` / `mg_printf`).
    Raw,
}

/// Reply state of one request.
#[derive(Default, Debug)]
pub struct Response {
    pub framing: Framing,
    /// The handler sent Content-Length or Transfer-Encoding itself.
    pub user_length_header: bool,
    /// The handler sent a Connection header itself.
    pub user_connection_header: bool,
    /// The head has a `Date` (the handler's, or ours once added).
    pub date_header_sent: bool,
    /// The request allows keep-alive.
    pub keep_alive: bool,
    pub http10: bool,
    /// A status line has been written for this request.
    pub status_line_sent: bool,
    /// The request is a HEAD: headers only, never body bytes.
    pub head_only: bool,
    /// The status (204, 304) forbids a body, and with it
    /// `Transfer-Encoding` (and, for 204, `Content-Length`): RFC 9110
    /// 6.4.1, RFC 9112 6.1. What the handler sends as data is dropped.
    pub no_body: bool,
    /// Raw reply progress, once the handler wrote with `mg_write` or
    /// `mg_printf` (boxed: most replies never need it, and every idle
    /// connection record carries this struct).
    raw: Option<Box<RawReply>>,
}

/// What is known of a raw reply written with `mg_write`/`mg_printf`.
#[derive(Default, Debug)]
struct RawReply {
    /// The start of the reply, kept until its head is complete so its
    /// framing can be checked.
    head: Option<Vec<u8>>,
    /// Raw bytes written so far for this reply.
    seen: usize,
    /// Where the reply's head ends (within the raw bytes), once known.
    head_end: Option<usize>,
    /// Raw offset at which `head` starts.
    head_start: usize,
}

/// A final reply that ends with its headers: 204 and 304. (A 1xx has no
/// body either, but it is interim: the real reply still follows.)
fn forbids_body(code: i32) -> bool {
    code >= 200 && super::status::has_no_body(code)
}

/// The status code of a raw reply whose status line is complete.
fn raw_status(head: &[u8]) -> Option<i32> {
    let line = &head[..head.windows(2).position(|w| w == b"\r\n")?];
    let code = line.strip_prefix(b"HTTP/1.")?.get(2..5)?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// Does a raw head have a header line `name` (given as `\nlower-case:`)?
fn declares(head: &[u8], name: &[u8]) -> bool {
    head.windows(name.len())
        .any(|w| w.eq_ignore_ascii_case(name))
}

/// Longest raw reply head inspected.
const MAX_RAW_HEAD: usize = 8192;

impl RawReply {
    /// Reads the reply head once it is complete. Returns `Some(true)` when
    /// the reply ends the connection: it cannot be delimited (no
    /// Content-Length, not chunked, or HTTP/1.0) or says `Connection:
    /// close`, so the client sees where it ends.
    fn inspect_head(&mut self) -> Option<bool> {
        let head = self.head.as_ref()?;
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut reply = httparse::Response::new(&mut headers);
        match reply.parse(head) {
            Ok(httparse::Status::Complete(head_len)) => {
                let code = reply.code.unwrap_or(200);
                let interim = (100..200).contains(&code);
                if interim {
                    self.head_start += head_len;
                } else {
                    self.head_end = Some(self.head_start + head_len);
                }
                let mut delimited = super::status::has_no_body(i32::from(code));
                let mut close = false;
                for h in reply.headers.iter() {
                    if h.name.eq_ignore_ascii_case("Content-Length")
                        || h.name.eq_ignore_ascii_case("Transfer-Encoding")
                    {
                        delimited = true;
                    }
                    if h.name.eq_ignore_ascii_case("Connection")
                        && super::has_token(h.value, b"close")
                    {
                        close = true;
                    }
                }
                let close = close || !delimited || reply.version == Some(0);
                // A 100 Continue written by the handler: the real head follows.
                self.head = interim.then(Vec::new);
                Some(close)
            }
            Ok(httparse::Status::Partial) if head.len() < MAX_RAW_HEAD => None,
            // Not an HTTP head we can read: leave the framing to the handler.
            _ => {
                self.head = None;
                None
            }
        }
    }
}

impl Response {
    /// Starts the reply state for a new request.
    pub fn begin(&mut self, keep_alive: bool, http10: bool, head_only: bool) {
        *self = Response {
            keep_alive,
            http10,
            head_only,
            ..Response::default()
        };
    }

    fn status_line(&mut self, out: &mut Vec<u8>, code: i32) {
        super::push_status_line(out, code);
        self.status_line_sent = true;
        self.no_body = forbids_body(code);
    }

    /// `mg_send_status`: emits the status line once, before anything else.
    /// Returns the status code to store in `status_code`, if it changed.
    pub fn send_status(&mut self, out: &mut Vec<u8>, code: i32) -> Option<i32> {
        if self.framing != Framing::Idle {
            return None;
        }
        self.status_line(out, code);
        self.framing = Framing::HeadOpen;
        Some(code)
    }

    /// `mg_send_header`. `status` is the current `status_code` (0 → 200).
    pub fn send_header(
        &mut self,
        out: &mut Vec<u8>,
        status: i32,
        name: &[u8],
        value: &[u8],
    ) -> Option<i32> {
        let mut new_status = None;
        match self.framing {
            Framing::Idle => {
                let code = if status == 0 { 200 } else { status };
                self.status_line(out, code);
                self.framing = Framing::HeadOpen;
                new_status = Some(code);
            }
            Framing::HeadOpen | Framing::Raw => {}
            Framing::Chunked | Framing::Unframed | Framing::Ended => return None,
        }
        if name.eq_ignore_ascii_case(b"Content-Length")
            || name.eq_ignore_ascii_case(b"Transfer-Encoding")
        {
            self.user_length_header = true;
        }
        if name.eq_ignore_ascii_case(b"Date") {
            self.date_header_sent = true;
        }
        if name.eq_ignore_ascii_case(b"Connection") {
            self.user_connection_header = true;
            if super::has_token(value, b"close") {
                self.keep_alive = false;
            }
        }
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
        new_status
    }

    /// Does the head being closed lack a `Date` we should add? Only heads
    /// the library started or was left to end: a status line from
    /// `mg_send_status`/`mg_send_header`/`mg_send_data`, or a raw status
    /// line the handler did not end; not raw headers after our status
    /// line, which may hold the handler's own `Date`.
    fn owes_date(&self) -> bool {
        if self.date_header_sent {
            return false;
        }
        match self.framing {
            Framing::HeadOpen => true,
            Framing::Raw => self.raw.as_ref().is_some_and(|r| {
                r.head_end.is_none()
                    && r.head
                        .as_ref()
                        .is_some_and(|h| !h.is_empty() && !declares(h, b"\ndate:"))
            }),
            _ => false,
        }
    }

    /// Adds `Date` when the head being closed owes one.
    fn date_header(&mut self, out: &mut Vec<u8>, owed: bool) {
        if owed {
            super::push_date_header(out);
            self.date_header_sent = true;
        }
    }

    /// Adds `Connection: close` when the connection will not be kept.
    fn connection_header(&mut self, out: &mut Vec<u8>) {
        if !self.keep_alive && !self.user_connection_header {
            out.extend_from_slice(b"Connection: close\r\n");
            self.user_connection_header = true;
        }
    }

    /// `mg_send_data` / `mg_printf_data`: one chunk; an empty one ends the
    /// body. Returns the status code to store, if it changed.
    pub fn send_data(&mut self, out: &mut Vec<u8>, status: i32, data: &[u8]) -> Option<i32> {
        let mut new_status = None;
        if self.framing == Framing::Idle {
            let code = if status == 0 { 200 } else { status };
            self.status_line(out, code);
            self.framing = Framing::HeadOpen;
            new_status = Some(code);
        }
        if matches!(self.framing, Framing::HeadOpen | Framing::Raw) {
            let owed = self.owes_date();
            self.date_header(out, owed);
            if self.no_body {
                // Headers only: a 204 or 304 is complete without a body.
                self.connection_header(out);
                out.extend_from_slice(b"\r\n");
                self.framing = Framing::Ended;
                return new_status;
            }
            if self.http10 {
                self.keep_alive = false;
                self.connection_header(out);
                out.extend_from_slice(b"\r\n");
                self.framing = Framing::Unframed;
            } else {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
                self.connection_header(out);
                out.extend_from_slice(b"\r\n");
                self.framing = Framing::Chunked;
            }
        }
        match self.framing {
            // A reply to HEAD has no body: headers only, then done.
            Framing::Chunked | Framing::Unframed if self.head_only => self.framing = Framing::Ended,
            Framing::Chunked if data.is_empty() => {
                out.extend_from_slice(b"0\r\n\r\n");
                self.framing = Framing::Ended;
            }
            Framing::Chunked => {
                super::push_hex(out, data.len() as u64);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
            }
            Framing::Unframed => out.extend_from_slice(data),
            _ => {}
        }
        new_status
    }

    /// Ends an open head with an empty body (`date`: add a `Date`).
    fn end_head(&mut self, out: &mut Vec<u8>, date: bool) {
        self.date_header(out, date);
        if !self.user_length_header && !self.no_body {
            out.extend_from_slice(b"Content-Length: 0\r\n");
        }
        self.connection_header(out);
        out.extend_from_slice(b"\r\n");
        self.framing = Framing::Ended;
    }

    /// `mg_write` / `mg_printf`: bytes go out verbatim.
    pub fn write_raw(&mut self, out: &mut Vec<u8>, data: &[u8]) {
        let starts_reply = !data.is_empty() && self.framing == Framing::Idle;
        if !data.is_empty() && matches!(self.framing, Framing::Idle | Framing::HeadOpen) {
            self.framing = Framing::Raw;
        }
        let raw = self.raw.get_or_insert_with(Box::default);
        let start = raw.seen;
        if starts_reply {
            raw.head = Some(Vec::new());
            raw.head_start = start;
        }
        if let Some(head) = raw.head.as_mut() {
            head.extend_from_slice(&data[..data.len().min(MAX_RAW_HEAD)]);
            if let Some(code) = raw_status(head) {
                self.no_body = forbids_body(code);
            }
            if let Some(close) = raw.inspect_head() {
                if close {
                    self.keep_alive = false;
                }
            }
        }
        raw.seen += data.len();
        // A reply to HEAD carries no body, whoever wrote it.
        let keep = match raw.head_end {
            Some(end) if self.head_only => end.saturating_sub(start).min(data.len()),
            _ => data.len(),
        };
        out.extend_from_slice(&data[..keep]);
    }

    /// The handler finished the request (returned `MG_TRUE`): terminate
    /// whatever is open. Returns whether the connection may be kept alive.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> bool {
        match self.framing {
            Framing::Chunked => {
                out.extend_from_slice(b"0\r\n\r\n");
                self.framing = Framing::Ended;
            }
            Framing::Unframed if self.head_only => self.framing = Framing::Ended,
            Framing::HeadOpen => {
                let date = self.owes_date();
                self.end_head(out, date);
            }
            // A raw status line (and maybe headers) the handler never
            // ended with a blank line: end it, or the client waits forever.
            Framing::Raw
                if self
                    .raw
                    .as_ref()
                    .is_some_and(|r| r.head.is_some() && r.head_end.is_none()) =>
            {
                let date = self.owes_date();
                let head = self.raw.take().and_then(|r| r.head).unwrap_or_default();
                if declares(&head, b"\ncontent-length:") || declares(&head, b"\ntransfer-encoding:")
                {
                    // A length the handler promised and never wrote: only
                    // the close tells the client where the reply ends.
                    self.user_length_header = true;
                    self.keep_alive = false;
                }
                self.end_head(out, date);
            }
            _ => {}
        }
        self.keep_alive && matches!(self.framing, Framing::Ended | Framing::Raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The output as text, with the value of each `Date` header (the
    /// current time) replaced by `D`.
    fn s(v: &[u8]) -> String {
        let text = std::str::from_utf8(v).unwrap();
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("Date: ") {
            let end = at + rest[at..].find("\r\n").unwrap();
            let value = &rest[at + 6..end];
            assert!(value.ends_with(" GMT") && value.len() == 29, "{value:?}");
            out.push_str(&rest[..at]);
            out.push_str("Date: D");
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn no_content_and_not_modified_have_no_body_framing() {
        for (code, line) in [(204, "204 No Content"), (304, "304 Not Modified")] {
            // mg_send_status, then data: headers only, the data dropped.
            let (mut r, mut out) = (Response::default(), Vec::new());
            r.begin(true, false, false);
            r.send_status(&mut out, code);
            r.send_header(&mut out, code, b"X-A", b"b");
            r.send_data(&mut out, code, b"ignored");
            r.send_data(&mut out, code, b"");
            assert!(r.finish(&mut out), "{code} keeps the connection");
            assert_eq!(
                s(&out),
                format!("HTTP/1.1 {line}\r\nX-A: b\r\nDate: D\r\n\r\n")
            );
            // mg_send_status alone: no Content-Length either.
            let (mut r, mut out) = (Response::default(), Vec::new());
            r.begin(true, false, false);
            r.send_status(&mut out, code);
            assert!(r.finish(&mut out));
            assert_eq!(s(&out), format!("HTTP/1.1 {line}\r\nDate: D\r\n\r\n"));
        }
        // Other statuses keep their framing.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.send_status(&mut out, 200);
        r.send_data(&mut out, 200, b"");
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn raw_status_line_then_api_calls() {
        // mg_printf("HTTP/1.1 204 ...\r\n") then mg_send_data: no body.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 204 No Content\r\n");
        r.send_data(&mut out, 0, b"x");
        assert!(r.finish(&mut out));
        assert_eq!(s(&out), "HTTP/1.1 204 No Content\r\nDate: D\r\n\r\n");
        // A raw status line plus an API header, never ended by the
        // handler: the head is ended for it.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\n");
        r.send_header(&mut out, 200, b"X-A", b"b");
        assert!(r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nX-A: b\r\nDate: D\r\nContent-Length: 0\r\n\r\n"
        );
        // ... and when the raw head promised a length it never sent, the
        // connection closes so the client sees where the reply ends.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n");
        assert!(!r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDate: D\r\nConnection: close\r\n\r\n"
        );
        // A complete raw reply is left alone.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assert!(r.finish(&mut out));
        assert_eq!(s(&out), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    #[test]
    fn printf_data_sample() {
        let mut r = Response::default();
        r.begin(true, false, false);
        let mut out = Vec::new();
        assert_eq!(r.send_data(&mut out, 0, b"Hello [/hello]"), Some(200));
        assert!(r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\nE\r\nHello [/hello]\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn status_header_data_sample() {
        let mut r = Response::default();
        r.begin(true, false, false);
        let mut out = Vec::new();
        assert_eq!(r.send_status(&mut out, 201), Some(201));
        assert_eq!(r.send_header(&mut out, 201, b"X-A", b"b"), None);
        r.send_data(&mut out, 201, b"abc");
        r.finish(&mut out);
        assert_eq!(
            s(&out),
            "HTTP/1.1 201 Created\r\nX-A: b\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn empty_data_ends_body_and_later_data_is_dropped() {
        let mut r = Response::default();
        r.begin(true, false, false);
        let mut out = Vec::new();
        r.send_data(&mut out, 0, b"ab");
        r.send_data(&mut out, 200, b"");
        r.send_data(&mut out, 200, b"cd");
        r.send_header(&mut out, 200, b"X", b"y");
        assert!(r.finish(&mut out));
        assert!(s(&out).ends_with("2\r\nab\r\n0\r\n\r\n"));
    }

    #[test]
    fn headers_only_are_terminated() {
        let mut r = Response::default();
        r.begin(false, false, false);
        let mut out = Vec::new();
        r.send_status(&mut out, 202);
        r.send_header(&mut out, 202, b"X", b"y");
        assert!(!r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 202 Accepted\r\nX: y\r\nDate: D\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        // A 204 must not carry Content-Length (RFC 9110 8.6).
        let mut r = Response::default();
        r.begin(false, false, false);
        let mut out = Vec::new();
        r.send_status(&mut out, 204);
        assert!(!r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 204 No Content\r\nDate: D\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn head_request_gets_headers_only() {
        let mut r = Response::default();
        r.begin(true, false, true);
        let mut out = Vec::new();
        r.send_data(&mut out, 0, b"body");
        r.send_data(&mut out, 200, b"more");
        assert!(r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nDate: D\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
    }

    #[test]
    fn http10_gets_unframed_body() {
        let mut r = Response::default();
        r.begin(true, true, false);
        let mut out = Vec::new();
        r.send_data(&mut out, 0, b"hi");
        assert!(!r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nDate: D\r\nConnection: close\r\n\r\nhi"
        );
    }

    #[test]
    fn raw_reply_without_length_closes() {
        let mut r = Response::default();
        r.begin(true, false, false);
        let mut out = Vec::new();
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
        r.write_raw(&mut out, b"\r\nuntil close");
        assert!(!r.finish(&mut out));
        let mut r = Response::default();
        r.begin(true, false, false);
        r.write_raw(
            &mut out,
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
        );
        assert!(!r.finish(&mut out));
        let mut r = Response::default();
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
        assert!(r.finish(&mut out));
    }

    #[test]
    fn raw_reply_to_head_loses_its_body() {
        let mut r = Response::default();
        r.begin(true, false, true);
        let mut out = Vec::new();
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n");
        r.write_raw(&mut out, b"\r\nraw");
        r.write_raw(&mut out, b"more");
        assert!(r.finish(&mut out));
        assert_eq!(s(&out), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
    }

    #[test]
    fn raw_output_untouched() {
        let mut r = Response::default();
        r.begin(true, false, false);
        let mut out = Vec::new();
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assert!(r.finish(&mut out));
        assert_eq!(s(&out), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assert_eq!(
            r.send_status(&mut out, 500),
            None,
            "no status line after raw output"
        );
    }

    #[test]
    fn date_is_added_once_unless_the_handler_sent_one() {
        // The handler's own Date is kept and ours not added.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.send_header(&mut out, 0, b"date", b"Sun, 06 Nov 1994 08:49:37 GMT");
        r.send_data(&mut out, 200, b"x");
        r.send_data(&mut out, 200, b"y");
        assert!(r.finish(&mut out));
        assert_eq!(
            s(&out).matches("Date: ").count() + s(&out).matches("date: ").count(),
            1
        );
        assert!(s(&out).contains("date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
        // A raw head with its own Date, ended by the library: not added.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(
            &mut out,
            b"HTTP/1.1 200 OK\r\nDATE: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
        );
        assert!(r.finish(&mut out));
        assert_eq!(
            s(&out),
            "HTTP/1.1 200 OK\r\nDATE: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n"
        );
        // Raw headers after our status line may hold a Date: none added.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.send_status(&mut out, 200);
        r.write_raw(&mut out, b"Content-Length: 0\r\n\r\n");
        assert!(r.finish(&mut out));
        assert_eq!(s(&out), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        // A fully raw reply is left alone.
        let (mut r, mut out) = (Response::default(), Vec::new());
        r.begin(true, false, false);
        r.write_raw(&mut out, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert!(r.finish(&mut out));
        assert!(!s(&out).contains("Date"));
    }
}
