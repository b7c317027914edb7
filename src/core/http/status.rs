//! HTTP status reason phrases. 5.4 knew 17 codes and called every other one
//! "Server Error" (`mg_send_status(c, 401)` gave "401 Server Error"); this
//! table covers the codes of RFC 9110 and friends.

/// The reason phrase for `code`; unknown codes get a generic phrase by class.
#[allow(clippy::match_overlapping_arm)] // specific codes first, then classes
pub fn reason(code: i32) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        422 => "Unprocessable Entity",
        423 => "Locked",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        100..=199 => "Informational",
        200..=299 => "OK",
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        _ => "Server Error",
    }
}

/// Replies that carry no body by definition (RFC 9110 6.4.1).
pub fn has_no_body(code: i32) -> bool {
    (100..200).contains(&code) || code == 204 || code == 304
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_codes() {
        assert_eq!(reason(200), "OK");
        assert_eq!(reason(401), "Unauthorized");
        assert_eq!(reason(413), "Request Entity Too Large");
        assert_eq!(reason(505), "HTTP Version Not Supported");
        assert_eq!(reason(507), "Insufficient Storage");
        assert_eq!(reason(499), "Client Error");
        assert_eq!(reason(-5), "Server Error");
        assert!(has_no_body(304) && has_no_body(204) && !has_no_body(200));
    }
}
