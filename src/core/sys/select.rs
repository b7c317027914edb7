//! `select()` and its descriptor sets: `FdSet` refuses descriptors that
//! do not fit (>= `FD_SETSIZE`) and lists the ready ones word by word.
//! Sockets themselves are in `socket.rs`; the loop that calls `select` is
//! the event loop's.

use super::check;
use std::io;
use std::mem::zeroed;
use std::os::unix::io::RawFd;
use std::time::Duration;

/// The highest descriptor number (exclusive) that fits in an `fd_set`.
pub const FD_SETSIZE: RawFd = libc::FD_SETSIZE as RawFd;

/// A `select()` descriptor set that refuses descriptors it cannot hold
/// instead of corrupting memory.
pub struct FdSet {
    set: libc::fd_set,
    max: RawFd,
}

impl Default for FdSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FdSet {
    pub fn new() -> FdSet {
        // SAFETY: fd_set is plain data (an array of words on Linux), and
        // all zeroes is the empty set: exactly what FD_ZERO writes.
        let set = unsafe { zeroed::<libc::fd_set>() };
        FdSet { set, max: -1 }
    }

    /// Adds `fd`; returns false (and adds nothing) if it is out of range.
    pub fn insert(&mut self, fd: RawFd) -> bool {
        if !(0..FD_SETSIZE).contains(&fd) {
            return false;
        }
        // SAFETY: 0 <= fd < FD_SETSIZE, checked above.
        unsafe { libc::FD_SET(fd, &mut self.set) };
        self.max = self.max.max(fd);
        true
    }

    pub fn contains(&self, fd: RawFd) -> bool {
        if !(0..FD_SETSIZE).contains(&fd) {
            return false;
        }
        // SAFETY: 0 <= fd < FD_SETSIZE, checked above.
        unsafe { libc::FD_ISSET(fd, &self.set) }
    }

    pub fn max(&self) -> RawFd {
        self.max
    }

    /// The set's words: bit `fd % BITS` of word `fd / BITS` is `fd`, the
    /// layout FD_SET/FD_ISSET use.
    fn words(&self) -> &[libc::c_ulong; FD_WORDS] {
        // SAFETY: on Linux an fd_set is exactly FD_SETSIZE bits stored as
        // an array of c_ulong (size checked at compile time below); the
        // reference borrows `self.set` for its lifetime.
        unsafe { &*(&self.set as *const libc::fd_set).cast::<[libc::c_ulong; FD_WORDS]>() }
    }

    /// The descriptors in `self` or `other`, ascending. Word by word, so
    /// the cost follows the ready descriptors, not the descriptor range.
    pub fn union_iter<'a>(&'a self, other: &'a FdSet) -> impl Iterator<Item = RawFd> + 'a {
        let (a, b) = (self.words(), other.words());
        // Only the words up to the highest descriptor ever inserted can
        // hold a bit (select() clears bits, it never sets new ones).
        let used = (self.max.max(other.max) + 1) as usize;
        (0..used.div_ceil(WORD_BITS)).flat_map(move |w| {
            let mut bits = a[w] | b[w];
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                Some((w * WORD_BITS) as RawFd + bit as RawFd)
            })
        })
    }
}

const WORD_BITS: usize = 8 * std::mem::size_of::<libc::c_ulong>();
const FD_WORDS: usize = libc::FD_SETSIZE / WORD_BITS;
const _: () = assert!(std::mem::size_of::<libc::fd_set>() == FD_WORDS * (WORD_BITS / 8));

/// `select()` on the two sets for at most `timeout`. Returns the number of
/// ready descriptors; `EINTR` is reported as `Ok(0)` so callers simply poll
/// again.
pub fn select(read: &mut FdSet, write: &mut FdSet, timeout: Duration) -> io::Result<usize> {
    let mut tv = libc::timeval {
        tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    let nfds = read.max.max(write.max) + 1;
    // SAFETY: both sets are initialised fd_sets holding only descriptors
    // below FD_SETSIZE, and `tv` is a valid timeval.
    let ret = unsafe {
        libc::select(
            nfds,
            &mut read.set,
            &mut write.set,
            std::ptr::null_mut(),
            &mut tv,
        )
    };
    match check(ret) {
        Ok(n) => Ok(n as usize),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            // The kernel leaves the sets as they were passed in: clear them
            // so nothing looks ready.
            *read = FdSet::new();
            *write = FdSet::new();
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod fd_set_tests {
    use super::FdSet;

    #[test]
    fn union_iter_lists_both_sets_in_order() {
        let (mut a, mut b) = (FdSet::new(), FdSet::new());
        for fd in [0, 5, 63, 64, 700, 1023] {
            assert!(a.insert(fd));
        }
        for fd in [5, 6, 128, 1023] {
            assert!(b.insert(fd));
        }
        assert!(!a.insert(1024) && !a.insert(-1));
        let got: Vec<_> = a.union_iter(&b).collect();
        assert_eq!(got, [0, 5, 6, 63, 64, 128, 700, 1023]);
        for fd in got {
            assert!(a.contains(fd) || b.contains(fd));
        }
        assert_eq!(FdSet::new().union_iter(&FdSet::new()).count(), 0);
    }
}
