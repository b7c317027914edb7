//! The network layer: the select() loop, each connection's transport and
//! buffers, listeners, the wakeup channel, the buffer pool and the clock.
//! It moves bytes and runs timers; what the bytes mean is the business of
//! `crate::core::protocol`, which it calls through a few hooks.

pub mod buffer_pool;
pub mod clock;
pub mod companion;
pub mod event_loop;
pub mod listener;
pub mod tls;
pub mod transport;
pub mod wakeup;
