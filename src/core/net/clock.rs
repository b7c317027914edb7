//! A per-thread cached clock. The event loop refreshes it when `select()`
//! returns; connection bookkeeping (last IO, deadlines) reads the cached
//! value instead of calling `clock_gettime` for every read and write. The
//! `Date` header text is cached here too, formatted once per second.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

thread_local! {
    static NOW: Cell<Option<Instant>> = const { Cell::new(None) };
    /// The last second formatted as an HTTP date, and its text.
    static HTTP_DATE: RefCell<(i64, Rc<str>)> = RefCell::new((i64::MIN, Rc::from("")));
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

/// The current time as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`),
/// formatted once per second per thread.
pub fn http_date_now() -> Rc<str> {
    let now = unix_now();
    HTTP_DATE.with(|d| {
        let mut d = d.borrow_mut();
        if d.0 != now {
            *d = (now, Rc::from(crate::core::http::date::http_date(now)));
        }
        d.1.clone()
    })
}
