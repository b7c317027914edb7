//! `Lock`, a mutex on `pthread_mutex_t` for the little state other
//! threads touch. Nothing else lives here.

/// A mutex built on `pthread_mutex_t`. Used for the little state that
/// other threads touch (the wakeup queue, the shared-listener registry):
/// unlike std's futex-based `Mutex`, ThreadSanitizer sees these locks when a
/// C program built with `-fsanitize=thread` links the library, so its runs
/// report real races only.
pub struct Lock<T> {
    mutex: Box<std::cell::UnsafeCell<libc::pthread_mutex_t>>,
    data: std::cell::UnsafeCell<T>,
}

// SAFETY: access to `data` is serialised by the pthread mutex.
unsafe impl<T: Send> Send for Lock<T> {}
// SAFETY: as above; `&Lock` only hands out data under the mutex.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    pub fn new(value: T) -> Lock<T> {
        Lock {
            // Boxed so the pthread mutex never moves once in use.
            mutex: Box::new(std::cell::UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER)),
            data: std::cell::UnsafeCell::new(value),
        }
    }

    /// Runs `f` with the lock held.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        struct Unlock<'a>(&'a std::cell::UnsafeCell<libc::pthread_mutex_t>);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                // SAFETY: we locked this mutex below and still hold it.
                unsafe { libc::pthread_mutex_unlock(self.0.get()) };
            }
        }
        // SAFETY: an initialised, boxed (non-moving) default mutex.
        unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
        let _unlock = Unlock(&self.mutex);
        // SAFETY: the mutex is held, so this is the only access to `data`;
        // the reference does not outlive the guard.
        f(unsafe { &mut *self.data.get() })
    }
}

impl<T> Drop for Lock<T> {
    fn drop(&mut self) {
        // SAFETY: no guard can be alive while we are dropped (&mut self).
        unsafe { libc::pthread_mutex_destroy(self.mutex.get()) };
    }
}
