//! HTTP/1.1: request heads, chunked request bodies, URI clean-up, status
//! reasons and reply framing. Pure code: no sockets here.

pub mod chunked;
pub mod path;
pub mod request;
pub mod response;
pub mod status;
