//! Spare request buffers shared by a server's connections.
//!
//! An idle keep-alive connection holds no buffers: when a request ends with
//! nothing pipelined, its receive and reply buffers and its head strings
//! come back here, and the next connection that receives data borrows
//! them. Busy connections so reuse warm allocations instead of calling
//! malloc and growing vectors on every request, and a server with many
//! idle connections costs one record per connection plus a few spares.

use crate::core::http::request::HeadStrings;

/// Most spares of each kind kept (the rest are freed).
const MAX_SPARES: usize = 16;
/// Larger buffers are freed rather than kept (a big upload's buffer must
/// not stay resident on behalf of small requests).
const MAX_SPARE_CAPACITY: usize = 8 * 1024;

#[derive(Default)]
pub struct BufferPool {
    bytes: Vec<Vec<u8>>,
    // Boxed on purpose: a connection holds its head strings boxed, and they
    // move between it and the pool without being reallocated.
    #[allow(clippy::vec_box)]
    heads: Vec<Box<HeadStrings>>,
}

impl BufferPool {
    /// An empty byte buffer, warm if one is spare.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        self.bytes.pop().unwrap_or_default()
    }

    /// Keeps `buf` (emptied) for another connection, or frees it.
    pub fn give_bytes(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() == 0
            || buf.capacity() > MAX_SPARE_CAPACITY
            || self.bytes.len() >= MAX_SPARES
        {
            return;
        }
        buf.clear();
        self.bytes.push(buf);
    }

    pub fn take_head(&mut self) -> Option<Box<HeadStrings>> {
        self.heads.pop()
    }

    pub fn give_head(&mut self, head: Box<HeadStrings>) {
        if self.heads.len() < MAX_SPARES && head.capacity() <= MAX_SPARE_CAPACITY {
            self.heads.push(head);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spares_are_reused_bounded_and_small() {
        let mut pool = BufferPool::default();
        assert_eq!(pool.take_bytes().capacity(), 0);
        let mut warm = Vec::with_capacity(512);
        warm.extend_from_slice(b"old bytes");
        pool.give_bytes(warm);
        let again = pool.take_bytes();
        assert!(again.is_empty() && again.capacity() >= 512);
        pool.give_bytes(Vec::with_capacity(MAX_SPARE_CAPACITY + 1));
        pool.give_bytes(Vec::new());
        assert_eq!(pool.take_bytes().capacity(), 0);
        for _ in 0..MAX_SPARES + 10 {
            pool.give_bytes(Vec::with_capacity(64));
        }
        assert_eq!(pool.bytes.len(), MAX_SPARES);
    }
}
