//! The engine: safe Rust, generic over the C API dialect. Nothing here is
//! exported to C and nothing here knows a C layout: the dialects in
//! `crate::api` wrap it through the seam in `dialect.rs`.
//!
//! Layers, each importing only the ones listed after it:
//! - `router`, `handlers/`: who answers a request the handler declined
//!   (static files and listings today; CGI, SSI, WebDAV, the proxy next).
//! - `protocol/`: what a connection speaks: the HTTP/1 request session,
//!   websockets, outgoing client connections.
//! - `server`, `connection`: the context every layer is handed.
//! - `net/`: the select() loop, transports, listeners, wakeups, buffers
//!   and clocks; it knows no HTTP.
//! - `sys`: every libc call.
//! - `http/`, `files/`, `util/`, `websocket`: pure parsing and formatting.

pub mod auth;
pub mod connection;
pub mod dialect;
pub mod files;
pub mod handlers;
pub mod http;
pub mod net;
pub mod options;
pub mod protocol;
pub mod router;
pub mod server;
pub mod sys;
pub mod util;
pub mod websocket;
