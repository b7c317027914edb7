//! A Rust implementation of the Mongoose 5.4 embedded web server, linked by
//! C programs through `include/mongoose.h` and `libmongoose.a`.
//!
//! - [`core`]: safe Rust — the select() event loop, connections, HTTP
//!   parsing and reply framing, options, utilities.
//! - [`api`]: the C APIs, one dialect per 5.x release (5.4 today); the
//!   only `#[no_mangle]` functions. `core` imports nothing from here.
//! - `src/shim/variadic.c`: the printf-style functions, which format and
//!   call the non-variadic exports.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod api;
pub mod core;
