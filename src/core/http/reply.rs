//! Parsing the reply head of an outgoing connection (`mg_connect`) into
//! the same `RequestHead` record a request uses, with 5.4's field reuse,
//! and the lenient reply framing. Request heads and the shared strings
//! record are in `request.rs`; building replies is `response.rs`'s.

use super::request::{
    content_length, transfer_codings, BodyFraming, HeadError, RequestHead, MAX_HEAD_BYTES,
    MAX_PARSED_HEADERS,
};

impl RequestHead {
    /// Parses a reply head (outgoing connections): the fields then hold
    /// `request_method` = "HTTP/1.x", `uri` = the status code, and
    /// `http_version` = the reason phrase, as in 5.4. Returns the status.
    pub fn parse_reply(&mut self, buf: &[u8], max_head: usize) -> Result<Option<u16>, HeadError> {
        let max_head = max_head.min(MAX_HEAD_BYTES);
        let mut raw_headers = [httparse::EMPTY_HEADER; MAX_PARSED_HEADERS];
        let mut resp = httparse::Response::new(&mut raw_headers);
        let n = match resp.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if buf.len() > max_head => {
                return Err(HeadError::TooLarge)
            }
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
            Err(_) => return Err(HeadError::BadRequest),
        };
        let code = resp.code.unwrap_or(0);
        let version = if resp.version == Some(0) {
            &b"HTTP/1.0"[..]
        } else {
            b"HTTP/1.1"
        };
        let code_text = code.to_string();
        let framing = if code / 100 == 1 || code == 204 || code == 304 {
            BodyFraming::Length(0)
        } else {
            match reply_framing(resp.headers) {
                Ok(f) => f,
                Err(_) => return Err(HeadError::BadRequest),
            }
        };
        let has_length = resp.headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("Content-Length")
                || h.name.eq_ignore_ascii_case("Transfer-Encoding")
        });
        self.store_strings(
            version,
            code_text.as_bytes(),
            resp.reason.unwrap_or("").as_bytes(),
            None,
            resp.headers,
        );
        self.head_len = n;
        // No length and no chunking: the body runs until the peer closes.
        self.framing = if has_length || framing == BodyFraming::Length(0) && code / 100 == 1 {
            Some(framing)
        } else if code == 204 || code == 304 {
            Some(BodyFraming::Length(0))
        } else {
            None
        };
        self.keep_alive = true;
        self.http10 = resp.version == Some(0);
        self.expect_continue = false;
        self.is_head_method = false;
        Ok(Some(code))
    }
}

/// A reply's body framing (outgoing connections), leniently: a final
/// chunked coding is decoded whatever came before it; conflicting or
/// invalid lengths still fail the reply.
fn reply_framing(headers: &[httparse::Header]) -> Result<BodyFraming, HeadError> {
    let length = content_length(headers)?;
    match (transfer_codings(headers), length) {
        (None, n) => Ok(BodyFraming::Length(n.unwrap_or(0))),
        (Some(_), Some(_)) => Err(HeadError::BadRequest),
        (Some(codings), None) => match codings.last() {
            Some(c) if c.eq_ignore_ascii_case(b"chunked") => Ok(BodyFraming::Chunked),
            _ => Err(HeadError::UnsupportedEncoding),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(s: &str) -> (RequestHead, Result<Option<u16>, HeadError>) {
        let mut head = RequestHead::default();
        let result = head.parse_reply(s.as_bytes(), 8192);
        (head, result)
    }

    #[test]
    fn fields_hold_version_code_and_reason() {
        let (head, r) = reply("HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n\r\nabc");
        assert_eq!(r, Ok(Some(404)));
        assert_eq!(head.method(), b"HTTP/1.0");
        assert_eq!(head.uri(), b"404");
        assert_eq!(head.version(), b"Not Found");
        assert_eq!(head.header(b"content-length"), Some(&b"3"[..]));
        assert_eq!(head.framing, Some(BodyFraming::Length(3)));
        assert!(head.http10);
        assert_eq!(head.head_len, 45);
    }

    #[test]
    fn framing_of_replies() {
        let framing = |s: &str| reply(s).0.framing;
        assert_eq!(framing("HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(
            framing("HTTP/1.1 204 No Content\r\n\r\n"),
            Some(BodyFraming::Length(0))
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            Some(BodyFraming::Chunked)
        );
        let bad = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(reply(bad).1, Err(HeadError::BadRequest));
    }

    #[test]
    fn partial_and_too_large() {
        assert_eq!(reply("HTTP/1.1 200 OK\r\n").1, Ok(None));
        let mut head = RequestHead::default();
        let long = format!("HTTP/1.1 200 OK\r\nX: {}\r\n", "a".repeat(100));
        assert_eq!(
            head.parse_reply(long.as_bytes(), 64),
            Err(HeadError::TooLarge)
        );
    }
}
