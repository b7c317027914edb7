//! Parsing a request head (with httparse) into the NUL-terminated strings
//! that `struct mg_connection` points at, plus what the server needs to
//! frame the request: body length, keep-alive, `Expect: 100-continue`.
//! The head record (`RequestHead`, `HeadStrings`, `HeadView`) and the
//! length/coding helpers are shared with `reply.rs`, which parses the reply
//! heads of outgoing connections into the same record.

use super::path;
use std::mem::MaybeUninit;
use std::os::raw::c_char;

/// Headers exposed through `struct mg_connection` (a 5.4 ABI limit).
pub(crate) const MAX_PUBLIC_HEADERS: usize = 30;
/// Largest head accepted whatever `max_request_head_size` says (431 above):
/// offsets into a head's strings fit in 32 bits.
pub(super) const MAX_HEAD_BYTES: usize = 1 << 30;
/// Headers parsed for framing; more than this is a 431.
pub(super) const MAX_PARSED_HEADERS: usize = 128;

/// How the request body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// `Content-Length` bytes (0 when absent).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Why a request head was refused, with the status to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// Malformed request line or headers, bad Content-Length: 400.
    BadRequest,
    /// Head larger than the limit or too many headers: 431.
    TooLarge,
    /// HTTP version other than 1.0/1.1: 505.
    BadVersion,
    /// Transfer-Encoding other than chunked: 501.
    UnsupportedEncoding,
}

impl HeadError {
    pub fn status(self) -> i32 {
        match self {
            HeadError::BadRequest => 400,
            HeadError::TooLarge => 431,
            HeadError::BadVersion => 505,
            HeadError::UnsupportedEncoding => 501,
        }
    }
}

/// A parsed request head. The strings live in `strings`, which is not
/// touched until the request ends, so the pointers handed to C stay valid.
#[derive(Default)]
pub struct RequestHead {
    /// Boxed: an idle keep-alive connection has none (see `release`).
    strings: Option<Box<HeadStrings>>,
    /// Bytes of the head in the receive buffer.
    pub head_len: usize,
    pub framing: Option<BodyFraming>,
    pub keep_alive: bool,
    pub http10: bool,
    pub expect_continue: bool,
    pub is_head_method: bool,
}

/// Pointers into a parsed head, as the public struct shows them: each
/// string is NUL-terminated and stays valid until the request ends.
#[derive(Clone, Copy)]
pub struct HeadView<'a> {
    base: *const c_char,
    strings: &'a HeadStrings,
}

impl HeadView<'_> {
    // `wrapping_add` keeps these safe; every offset is inside `storage`.
    fn at(&self, offset: u32) -> *const c_char {
        self.base.wrapping_add(offset as usize)
    }

    pub fn method(&self) -> *const c_char {
        self.at(self.strings.method)
    }

    pub fn uri(&self) -> *const c_char {
        self.at(self.strings.uri)
    }

    pub fn version(&self) -> *const c_char {
        self.at(self.strings.version)
    }

    /// NULL when the target had no `?`.
    pub fn query(&self) -> *const c_char {
        self.strings.query.map_or(std::ptr::null(), |q| self.at(q))
    }

    /// `(name, value)` of the exposed headers (at most
    /// `MAX_PUBLIC_HEADERS`), in order.
    pub fn headers(&self) -> impl Iterator<Item = (*const c_char, *const c_char)> + '_ {
        self.strings
            .headers
            .iter()
            .map(|&(n, v)| (self.at(n), self.at(v)))
    }
}

impl RequestHead {
    /// Parses the head at the start of `buf`. `Ok(false)` means more bytes
    /// are needed. On success the previous contents are replaced (the
    /// allocation is reused).
    pub fn parse(&mut self, buf: &[u8], max_head: usize) -> Result<bool, HeadError> {
        let max_head = max_head.min(MAX_HEAD_BYTES);
        // Tolerate empty lines (CRLF) before the request line (RFC 9112
        // 2.2); a bare LF there is refused below, like anywhere in the head.
        let skip = buf
            .chunks_exact(2)
            .take_while(|pair| *pair == b"\r\n")
            .count()
            * 2;
        let data = &buf[skip..];
        // Uninitialised header slots: nothing to zero on every parse.
        let mut raw_headers =
            [const { MaybeUninit::<httparse::Header>::uninit() }; MAX_PARSED_HEADERS];
        let mut req = httparse::Request::new(&mut []);
        let n = match req.parse_with_uninit_headers(data, &mut raw_headers) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                return if buf.len() > max_head {
                    Err(HeadError::TooLarge)
                } else {
                    Ok(false)
                };
            }
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
            Err(httparse::Error::Version) => return Err(version_error(data)),
            Err(_) => return Err(HeadError::BadRequest),
        };
        if skip + n > max_head {
            return Err(HeadError::TooLarge);
        }
        // httparse also ends lines at a bare LF, which RFC 9112 2.2 allows
        // but a proxy in front may not: it would see one header where we
        // see two (`X: a<LF>Transfer-Encoding: chunked`). Refused.
        if !crlf_only(&data[..n]) {
            return Err(HeadError::BadRequest);
        }
        let method = req.method.unwrap_or("").as_bytes();
        let target = req.path.unwrap_or("").as_bytes();
        let minor = req.version.unwrap_or(1);

        let (raw_path, query) = match target.iter().position(|&b| b == b'?') {
            Some(q) => (&target[..q], Some(&target[q + 1..])),
            None => (target, None),
        };
        // Decoded in the strings' scratch buffer (reused from request to
        // request, like the strings themselves).
        let mut uri = self
            .strings
            .as_mut()
            .map(|s| std::mem::take(&mut s.scratch))
            .unwrap_or_default();
        uri.clear();
        path::percent_decode_into(raw_path, &mut uri);
        path::remove_double_dots_and_slashes(&mut uri);
        if uri.contains(&0) || !path::is_valid_target(&uri) {
            return Err(HeadError::BadRequest);
        }

        let framing = request_framing(req.headers, minor == 0)?;
        let (mut close, mut keep) = (false, false);
        let mut expect_continue = false;
        let mut hosts = 0;
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("Connection") {
                close |= super::has_token(h.value, b"close");
                keep |= super::has_token(h.value, b"keep-alive");
            } else if h.name.eq_ignore_ascii_case("Expect") {
                expect_continue = h.value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
            } else if h.name.eq_ignore_ascii_case("Host") {
                // RFC 9112 3.2: 400 for more than one Host line or an
                // invalid one, and for an HTTP/1.1 request without Host.
                hosts += 1;
                if hosts > 1 || !is_valid_host(super::trim_ows(h.value)) {
                    return Err(HeadError::BadRequest);
                }
            }
        }
        if hosts == 0 && minor == 1 {
            return Err(HeadError::BadRequest);
        }
        let keep_alive = !close && (minor == 1 || keep);

        let version: &[u8] = if minor == 0 { b"1.0" } else { b"1.1" };
        self.store_strings(method, &uri, version, query, req.headers);
        if let Some(strings) = self.strings.as_mut() {
            strings.scratch = uri;
        }
        self.head_len = skip + n;
        self.framing = Some(framing);
        self.keep_alive = keep_alive;
        self.http10 = minor == 0;
        self.expect_continue = expect_continue;
        self.is_head_method = method == b"HEAD";
        Ok(true)
    }

    /// Copies the strings of a parsed head into `storage`, NUL-terminated,
    /// and records where each starts (headers: the first 30).
    pub(super) fn store_strings(
        &mut self,
        method: &[u8],
        uri: &[u8],
        version: &[u8],
        query: Option<&[u8]>,
        headers: &[httparse::Header],
    ) {
        let strings = self.strings.get_or_insert_with(Box::default);
        let storage = &mut strings.storage;
        storage.clear();
        // One allocation of the right size (kept with the strings when they
        // go back to the server's pool).
        let needed = method.len()
            + uri.len()
            + version.len()
            + query.map_or(0, <[u8]>::len)
            + headers
                .iter()
                .take(MAX_PUBLIC_HEADERS)
                .map(|h| h.name.len() + h.value.len() + 2)
                .sum::<usize>()
            + 4;
        storage.reserve(needed);
        let mut push = |s: &[u8]| -> u32 {
            // At most MAX_HEAD_BYTES plus a NUL per string: fits in u32.
            let at = storage.len() as u32;
            storage.extend_from_slice(s);
            storage.push(0);
            at
        };
        strings.method = push(method);
        strings.uri = push(uri);
        strings.version = push(version);
        strings.query = query.map(&mut push);
        strings.headers.clear();
        strings
            .headers
            .reserve(headers.len().min(MAX_PUBLIC_HEADERS));
        for h in headers.iter().take(MAX_PUBLIC_HEADERS) {
            let name = push(h.name.as_bytes());
            let value = push(trim_value(h.value));
            strings.headers.push((name, value));
        }
    }

    /// Takes the strings of a finished request away (for reuse by another
    /// request): an idle keep-alive connection then holds no request
    /// memory. The public fields must no longer point here
    /// (`Connection::reset_request_fields`).
    pub fn release(&mut self) -> Option<Box<HeadStrings>> {
        let mut strings = self.strings.take()?;
        // Emptied here, so a connection that borrows it never sees another
        // client's request (e.g. in an error redirect before its own head
        // has parsed).
        strings.clear();
        Some(strings)
    }

    /// Gives this head a spare to parse into (its allocations are reused).
    pub fn reuse(&mut self, spare: Box<HeadStrings>) {
        if self.strings.is_none() {
            self.strings = Some(spare);
        }
    }

    pub fn has_strings(&self) -> bool {
        self.strings.is_some()
    }

    /// The declared body length (0 for chunked or no body).
    pub fn declared_length(&self) -> usize {
        match self.framing {
            Some(BodyFraming::Length(n)) => n as usize,
            _ => 0,
        }
    }

    /// Pointers to this head's NUL-terminated strings, for the public
    /// struct; `None` when no head has been parsed into it.
    pub fn view(&self) -> Option<HeadView<'_>> {
        let s = self.strings.as_deref()?;
        Some(HeadView {
            base: s.storage.as_ptr().cast::<c_char>(),
            strings: s,
        })
    }

    pub fn method(&self) -> &[u8] {
        self.strings.as_ref().map_or(&[], |s| s.string(s.method))
    }

    pub fn uri(&self) -> &[u8] {
        self.strings.as_ref().map_or(&[], |s| s.string(s.uri))
    }

    /// The raw query string (after `?`), if any.
    pub fn query(&self) -> Option<&[u8]> {
        let s = self.strings.as_ref()?;
        s.query.map(|q| s.string(q))
    }

    /// "1.0" or "1.1" (for replies: the reason phrase).
    pub fn version(&self) -> &[u8] {
        self.strings.as_ref().map_or(&[], |s| s.string(s.version))
    }

    /// The value of the first header called `name` (case-insensitive),
    /// among the first 30.
    pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
        let s = self.strings.as_ref()?;
        s.headers
            .iter()
            .find(|&&(n, v)| {
                // A name is stored right before its value, NUL between:
                // its length is known without scanning for the NUL.
                let (n, v) = (n as usize, v as usize);
                v - n - 1 == name.len()
                    && s.storage
                        .get(n..v - 1)
                        .is_some_and(|stored| stored.eq_ignore_ascii_case(name))
            })
            .map(|&(_, v)| s.string(v))
    }

    /// Every exposed header (the first 30) as (name, value), in order.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.strings.iter().flat_map(|s| {
            s.headers.iter().map(move |&(n, v)| {
                let (n, v) = (n as usize, v as usize);
                (&s.storage[n..v - 1], s.string(v as u32))
            })
        })
    }
}

/// The strings of a parsed head, NUL-terminated, in one buffer.
#[derive(Default)]
pub struct HeadStrings {
    storage: Vec<u8>,
    // Offsets into `storage` (u32: heads are capped at MAX_HEAD_BYTES).
    method: u32,
    uri: u32,
    version: u32,
    query: Option<u32>,
    headers: Vec<(u32, u32)>,
    /// Where the request target is decoded before it is stored.
    scratch: Vec<u8>,
}

impl HeadStrings {
    /// Forgets every string, keeping the allocations.
    fn clear(&mut self) {
        self.storage.clear();
        self.headers.clear();
        self.scratch.clear();
        (self.method, self.uri, self.version, self.query) = (0, 0, 0, None);
    }

    /// Bytes held by this record's buffers.
    pub fn capacity(&self) -> usize {
        self.storage.capacity()
            + self.scratch.capacity()
            + self.headers.capacity() * std::mem::size_of::<(u32, u32)>()
    }

    fn string(&self, off: u32) -> &[u8] {
        let s = self.storage.get(off as usize..).unwrap_or_default();
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        &s[..end]
    }
}

/// Values lose surrounding whitespace.
fn trim_value(v: &[u8]) -> &[u8] {
    v.trim_ascii()
}

/// httparse reports any non-1.x version the same way; tell a well-formed
/// `HTTP/x.y` (505) from garbage (400).
fn version_error(data: &[u8]) -> HeadError {
    let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let line = data[..line_end].trim_ascii_end();
    match line.rsplit(|&b| b == b' ').next() {
        Some(v)
            if v.len() == 8
                && v.starts_with(b"HTTP/")
                && v[5].is_ascii_digit()
                && v[6] == b'.'
                && v[7].is_ascii_digit() =>
        {
            HeadError::BadVersion
        }
        _ => HeadError::BadRequest,
    }
}

/// Does every LF in `head` follow a CR, and every CR precede an LF?
fn crlf_only(head: &[u8]) -> bool {
    let mut prev = 0u8;
    for &b in head {
        if (b == b'\n') != (prev == b'\r') {
            return false;
        }
        prev = b;
    }
    prev != b'\r'
}

/// `Host` = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2); empty is
/// allowed (a target without authority).
fn is_valid_host(v: &[u8]) -> bool {
    let (host, port) = if v.first() == Some(&b'[') {
        let Some(end) = v.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &v[1..end];
        let ok = !literal.is_empty()
            && literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return false;
        }
        match &v[end + 1..] {
            [] => (&[][..], None),
            [b':', port @ ..] => (&[][..], Some(port)),
            _ => return false,
        }
    } else {
        match v.iter().position(|&b| b == b':') {
            Some(colon) => (&v[..colon], Some(&v[colon + 1..])),
            None => (v, None),
        }
    };
    // reg-name: unreserved / pct-encoded / sub-delims.
    let mut i = 0;
    while i < host.len() {
        match host[i] {
            b'%' => {
                let hex = |j: usize| host.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !hex(i + 1) || !hex(i + 2) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b) => {}
            _ => return false,
        }
        i += 1;
    }
    port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
}

/// The `Content-Length` of a message, if it has one; invalid or conflicting
/// values are a 400.
pub(super) fn content_length(headers: &[httparse::Header]) -> Result<Option<u64>, HeadError> {
    let mut length: Option<u64> = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("Content-Length") {
            // 1*DIGIT: no sign, no list, at most 19 digits (fits in u64).
            let v = super::trim_ows(h.value);
            if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
                return Err(HeadError::BadRequest);
            }
            let n = v.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            if length.is_some_and(|prev| prev != n) {
                return Err(HeadError::BadRequest);
            }
            length = Some(n);
        }
    }
    Ok(length)
}

/// The transfer codings of a message, in order, over all its
/// `Transfer-Encoding` lines (empty list elements ignored, RFC 9110
/// 5.6.1); `None` when it has no such header.
pub(super) fn transfer_codings<'a>(headers: &'a [httparse::Header<'a>]) -> Option<Vec<&'a [u8]>> {
    let mut codings: Option<Vec<&[u8]>> = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("Transfer-Encoding") {
            let list = codings.get_or_insert_with(Vec::new);
            list.extend(
                h.value
                    .split(|&b| b == b',')
                    .map(super::trim_ows)
                    .filter(|c| !c.is_empty()),
            );
        }
    }
    codings
}

/// Works out a request's body framing, strictly: every way two parsers
/// could disagree on where a request ends (request smuggling) is refused,
/// and the connection is closed after the error.
/// - `Content-Length` with `Transfer-Encoding`: 400 (RFC 9112 6.3 allows
///   this instead of letting Transfer-Encoding win).
/// - `Transfer-Encoding` in HTTP/1.0: 400 (RFC 9112 6.1: faulty framing).
/// - chunked not the final coding, or twice: 400 (RFC 9112 6.3, 7).
/// - another coding before chunked (`gzip, chunked`): 501 (RFC 9112 6.1;
///   we decode no other coding, and the handler would get encoded bytes).
fn request_framing(headers: &[httparse::Header], http10: bool) -> Result<BodyFraming, HeadError> {
    let length = content_length(headers)?;
    let Some(codings) = transfer_codings(headers) else {
        return Ok(BodyFraming::Length(length.unwrap_or(0)));
    };
    if length.is_some() || http10 {
        return Err(HeadError::BadRequest);
    }
    let is_chunked = |c: &&[u8]| c.eq_ignore_ascii_case(b"chunked");
    match codings.split_last() {
        Some((last, rest)) if is_chunked(last) => {
            if rest.iter().any(is_chunked) {
                Err(HeadError::BadRequest)
            } else if rest.is_empty() {
                Ok(BodyFraming::Chunked)
            } else {
                Err(HeadError::UnsupportedEncoding)
            }
        }
        _ => Err(HeadError::BadRequest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<RequestHead, HeadError> {
        let mut h = RequestHead::default();
        assert!(h.parse(s.as_bytes(), 16384)?);
        Ok(h)
    }

    #[test]
    fn simple_get() {
        let h = parse("GET /a%20b/../c?x=1&y=%20 HTTP/1.1\r\nHost: x\r\nX-A:  v \r\n\r\n").unwrap();
        assert_eq!(h.method(), b"GET");
        assert_eq!(h.uri(), b"/a b/c");
        assert_eq!(h.header(b"x-a"), Some(&b"v"[..]));
        assert_eq!(h.framing, Some(BodyFraming::Length(0)));
        assert!(h.keep_alive && !h.http10);
        assert_eq!(h.query(), Some(&b"x=1&y=%20"[..]));
    }

    #[test]
    fn released_head_reads_as_empty_and_parses_again() {
        let mut h = parse("GET /a?q HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let spare = h.release().expect("parsed strings");
        // What another connection borrows says nothing of this request.
        let mut other = RequestHead::default();
        other.reuse(spare);
        assert!(other.has_strings());
        assert_eq!(
            (other.method(), other.uri(), other.query()),
            (&b""[..], &b""[..], None)
        );
        assert_eq!(other.header(b"Host"), None);
        assert_eq!(h.method(), b"");
        assert_eq!(h.uri(), b"");
        assert_eq!(h.query(), None);
        assert_eq!(h.header(b"Host"), None);
        assert!(h.view().is_none());
        assert!(h.parse(b"PUT /b HTTP/1.0\r\nX: 1\r\n\r\n", 16384).unwrap());
        assert_eq!((h.method(), h.uri()), (&b"PUT"[..], &b"/b"[..]));
        assert_eq!(h.header(b"x"), Some(&b"1"[..]));
    }

    #[test]
    fn partial_and_limits() {
        let mut h = RequestHead::default();
        assert_eq!(h.parse(b"GET / HTTP/1.1\r\nHost:", 100), Ok(false));
        let big = format!("GET / HTTP/1.1\r\nHost: x\r\nX: {}", "a".repeat(200));
        assert_eq!(h.parse(big.as_bytes(), 100), Err(HeadError::TooLarge));
        let mut many = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
        for i in 0..200 {
            many += &format!("H{i}: v\r\n");
        }
        many += "\r\n";
        assert_eq!(h.parse(many.as_bytes(), 1 << 20), Err(HeadError::TooLarge));
    }

    #[test]
    fn keep_alive_rules() {
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Upgrade\r\n\r\n")
                .unwrap()
                .keep_alive
        );
    }

    #[test]
    fn framing_errors() {
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                .err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")
                .unwrap()
                .framing,
            Some(BodyFraming::Length(3))
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
                .err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap()
                .framing,
            Some(BodyFraming::Chunked)
        );
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("GET / HTTP/2.0\r\n\r\n").err(),
            Some(HeadError::BadVersion)
        );
        assert_eq!(
            parse("GET / FOO\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("GET abc HTTP/1.1\r\nHost: x\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
        assert_eq!(
            parse("\x01GET / HTTP/1.1\r\nHost: x\r\n\r\n").err(),
            Some(HeadError::BadRequest)
        );
    }

    #[test]
    fn leading_empty_lines_are_skipped() {
        let h = parse("\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(h.uri(), b"/x");
        assert_eq!(
            h.head_len,
            "\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n".len()
        );
    }

    #[test]
    fn bare_lf_and_lone_cr_are_refused() {
        for req in [
            "GET /x HTTP/1.1\nHost: x\n\n",
            "GET /x HTTP/1.1\r\nHost: x\nA: b\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: x\r\n\n",
            "\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n",
            "\r\n\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            assert_eq!(parse(req).err(), Some(HeadError::BadRequest), "{req:?}");
        }
        assert!(crlf_only(b"a\r\nb\r\n\r\n"));
        assert!(!crlf_only(b"a\rb\r\n"));
        assert!(!crlf_only(b"a\r\n\r"));
    }

    #[test]
    fn host_rules() {
        // HTTP/1.1 needs exactly one valid Host; HTTP/1.0 may omit it.
        assert!(parse("GET / HTTP/1.0\r\n\r\n").is_ok());
        assert!(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").is_ok());
        for host in [
            "example.com",
            "EXAMPLE.com:8080",
            "127.0.0.1:80",
            "[::1]:8080",
            "[fe80::1]",
            "a%2Db.example",
            "xn--bcher-kva.example",
            "host:",
        ] {
            let req = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
            assert!(parse(&req).is_ok(), "{host}");
        }
        for req in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\\b\r\n\r\n",
        ] {
            assert_eq!(parse(req).err(), Some(HeadError::BadRequest), "{req:?}");
        }
    }

    #[test]
    fn transfer_coding_rules() {
        let te = |v: &str, version: &str| {
            parse(&format!(
                "POST / HTTP/{version}\r\nHost: x\r\nTransfer-Encoding: {v}\r\n\r\n"
            ))
            .map(|h| h.framing)
        };
        for ok in ["chunked", "Chunked", "chunked ", ", chunked", "chunked,"] {
            assert_eq!(te(ok, "1.1"), Ok(Some(BodyFraming::Chunked)), "{ok:?}");
        }
        for v in ["gzip, chunked", "deflate,chunked", "x;q=1, chunked"] {
            assert_eq!(te(v, "1.1"), Err(HeadError::UnsupportedEncoding), "{v:?}");
        }
        for v in [
            "gzip",
            "identity",
            "chunked, gzip",
            "chunked, chunked",
            "chunked;x=1",
            "xchunked",
            "",
            ",",
        ] {
            assert_eq!(te(v, "1.1"), Err(HeadError::BadRequest), "{v:?}");
        }
        // HTTP/1.0 has no transfer codings: faulty framing (RFC 9112 6.1).
        assert_eq!(te("chunked", "1.0"), Err(HeadError::BadRequest));
        // Split over two lines, the list is the same.
        assert_eq!(
            parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
                .err(),
            Some(HeadError::UnsupportedEncoding)
        );
    }
}
