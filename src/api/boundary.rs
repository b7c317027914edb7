//! The C boundary's vocabulary, shared by every dialect: catching panics
//! and borrowing C strings and buffers.

use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`; if it panics, returns `default` instead of unwinding into C
/// (which would abort the host program).
pub fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// Borrows a NUL-terminated C string as bytes; NULL gives `None`.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller promises a valid NUL-terminated string.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// Borrows `len` bytes at `p` as a slice; NULL or a negative length gives an
/// empty slice.
///
/// # Safety
/// `p` must be NULL or valid for reads of `len` bytes for `'a`.
pub unsafe fn c_slice<'a>(p: *const c_char, len: usize) -> &'a [u8] {
    if p.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller promises `len` readable bytes at `p`.
        unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }
    }
}

/// Mutable view of a caller's output buffer; NULL or zero length gives `None`.
///
/// # Safety
/// `p` must be NULL or valid for writes of `len` bytes for `'a`.
pub unsafe fn c_buf<'a>(p: *mut c_char, len: usize) -> Option<&'a mut [u8]> {
    if p.is_null() || len == 0 {
        None
    } else {
        // SAFETY: the caller promises `len` writable bytes at `p`.
        Some(unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), len) })
    }
}

#[cfg(test)]
mod tests {
    use super::guard;

    #[test]
    fn guard_turns_a_panic_into_the_neutral_value() {
        assert_eq!(guard(7, || 3), 3);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let caught = guard(-1, || -> i32 { panic!("inside an exported function") });
        std::panic::set_hook(previous);
        assert_eq!(caught, -1);
    }
}
