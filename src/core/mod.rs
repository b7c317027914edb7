//! The safe core: sockets and the select() loop, connections, HTTP, options.
//! Nothing here is exported to C and nothing here knows a C layout: the
//! dialects in `crate::api` wrap it (see `dialect.rs`).

pub mod auth;
pub mod buffer_pool;
pub mod client;
pub mod clock;
pub mod connection;
pub mod dialect;
pub mod event_loop;
pub mod files;
pub mod http;
pub mod lifecycle;
pub mod listener;
pub mod options;
pub mod router;
pub mod server;
pub mod static_files;
pub mod sys;
pub mod util;
pub mod wakeup;
pub mod websocket;
pub mod ws_session;
