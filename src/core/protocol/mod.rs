//! What a connection speaks: the HTTP/1 request session
//! (`http_session`), websockets (`websocket_session`) and outgoing client
//! connections (`client`). The network layer calls in here when bytes
//! arrive, when a peer closes and when timers run.

pub mod client;
pub mod http_session;
pub mod websocket_session;
