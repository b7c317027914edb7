//! The C APIs. Each 5.x release is a dialect in a folder of its own that
//! owns its `repr(C)` structs, event numbers and exported functions, over
//! the engine in `crate::core` (which imports nothing from here).
//!
//! - [`v5_4`]: Mongoose 5.4, `include/mongoose.h` (the default).
//! - [`boundary`]: panic catching and C string helpers for every dialect.

pub mod boundary;
pub mod v5_4;
