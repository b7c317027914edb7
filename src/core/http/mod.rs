//! HTTP/1.1: request heads, chunked request bodies, URI clean-up, status
//! reasons and reply framing. Pure code: no sockets here.

pub mod chunked;
pub mod path;
pub mod request;
pub mod response;
pub mod status;

/// Does a comma-separated header value (`Connection: keep-alive, Upgrade`)
/// contain `token`, compared ignoring ASCII case?
pub fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}
