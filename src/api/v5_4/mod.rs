//! The Mongoose 5.4 API: `struct mg_connection`, `enum mg_event` and every
//! exported function of 5.4 (`include/mongoose.h`).
//!
//! Every exported function is a few lines: check its pointers, enter
//! [`guard`] so that no panic unwinds into C, convert arguments and call the
//! safe core (`crate::api::boundary` has that vocabulary).

pub mod dialect;
pub mod output;
pub mod request;
pub mod server;
pub mod types;
pub mod util;
pub mod variadic;

pub(crate) use super::boundary::{c_buf, c_bytes, c_slice, guard};
