//! A per-thread cached clock. The event loop refreshes it when `select()`
//! returns; connection bookkeeping (last IO, deadlines) reads the cached
//! value instead of calling `clock_gettime` for every read and write.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static NOW: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Reads the real clock and caches it.
pub fn refresh() -> Instant {
    let now = Instant::now();
    NOW.with(|c| c.set(Some(now)));
    now
}

/// Wall-clock seconds since the Unix epoch (for HTTP dates, logs, nonces).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The cached time (at most one poll iteration old).
pub fn now() -> Instant {
    NOW.with(Cell::get).unwrap_or_else(refresh)
}
