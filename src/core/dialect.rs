//! The seam between the engine and a C API dialect.
//!
//! The engine knows no C layout and no event numbers. Each dialect (the
//! 5.4 API in `crate::api::v5_4`, later the other 5.x releases) implements
//! [`Dialect`]: it owns the `repr(C)` struct that C sees as
//! `struct mg_connection`, the handler type and how events reach it. The
//! engine is generic over the dialect, so the public struct sits first in
//! every connection record and the setters below compile to plain stores:
//! nothing is copied per event.

use crate::core::connection::ConnPtr;
pub use crate::core::http::request::HeadView;
use std::net::SocketAddr;
use std::os::raw::{c_char, c_void};

/// What the engine tells the user's code about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Every connection, every iteration.
    Poll,
    /// An outgoing connection was established.
    Connect,
    /// Authorise the request (declining answers 401).
    Auth,
    /// A complete request (or websocket message).
    Request,
    /// A complete reply on an outgoing connection.
    Reply,
    /// The connection is being closed.
    Close,
    /// A websocket upgrade request (declining lets the library answer 101).
    WsHandshake,
    /// The websocket is established.
    WsConnect,
    /// The library is about to send an error reply.
    HttpError,
}

/// What the handler answered to an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// "No" / "not mine": the library goes on with its own handling.
    Declined,
    /// "Yes" / "done".
    Done,
    /// The handler keeps the request open.
    More,
}

/// A C API dialect. Implemented by a zero-sized marker type per release.
pub trait Dialect: Sized + 'static {
    /// The C-visible connection struct; first in every connection record,
    /// so a pointer to it is a pointer to the record.
    type Public;
    /// The user's event handler.
    type Handler: Copy;

    /// A fresh public struct for a new connection.
    fn blank(server_param: *mut c_void) -> Self::Public;
    /// Calls the handler with `event` for `conn` (through its public
    /// struct). No Rust reference to the record is alive.
    fn deliver(handler: Self::Handler, conn: ConnPtr<Self>, event: Event) -> Answer;

    /// The peer's and our own address.
    fn set_addresses(p: &mut Self::Public, peer: Option<SocketAddr>, local: Option<SocketAddr>);
    /// A request (or reply) head was parsed; `None` clears the fields.
    fn set_head(p: &mut Self::Public, head: Option<HeadView<'_>>);
    /// The body (or message payload) the handler sees.
    fn set_content(p: &mut Self::Public, content: *mut u8, len: usize);
    /// The status of the reply being produced (or received, or an errno).
    fn set_status(p: &mut Self::Public, status: i32);
    /// The connection is (or is no longer) a websocket.
    fn set_websocket(p: &mut Self::Public, on: bool);
    /// First byte of the websocket frame being delivered.
    fn set_wsbits(p: &mut Self::Public, bits: u8);
    /// The URI as the handler left it (it may point it at its own string
    /// before declining a request); NULL when unset.
    fn uri(p: &Self::Public) -> *const c_char;
}
