//! Pure helpers behind the Mongoose utility API: pattern matching, URL
//! coding, form variables, header parameters, multipart parts, MD5 and MIME
//! types.
//!
//! Everything here is safe Rust working on byte slices: no I/O, no global
//! state, no allocation beyond the odd `Vec`, and no panics on any input.
//! The C exports that wrap these functions live in `crate::api::v5_4::util`;
//! the NUL-terminated buffer conventions of the C API (a `-1`/`-2` return,
//! an always-terminated output buffer) are kept here because the internal
//! callers rely on them too.

#![forbid(unsafe_code)]

pub mod form;
pub mod header_param;
pub mod md5;
pub mod mime;
pub mod multipart;
pub mod pattern;
pub mod url;
