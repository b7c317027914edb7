//! C exports of the pure helpers in `crate::core::util`: pattern matching,
//! URL coding, form variables, header parameters, multipart parsing, MIME
//! types and MD5. Each function converts its arguments and calls the core;
//! no logic lives here beyond the C buffer conventions.

use std::os::raw::{c_char, c_int};

use super::types::mg_connection;
use super::{c_buf, c_bytes, c_slice, guard};
use crate::core::util::{form, header_param, md5, mime, multipart, pattern, url};

/// Converts a C `int` length to `usize`; negative lengths give `None`.
fn int_len(len: c_int) -> Option<usize> {
    usize::try_from(len).ok()
}

/// Copies `src` into `dst`, truncated to leave room for the NUL, and
/// NUL-terminates it.
fn copy_truncated(dst: &mut [u8], src: &[u8]) {
    let Some(room) = dst.len().checked_sub(1) else {
        return;
    };
    let n = src.len().min(room);
    dst[..n].copy_from_slice(&src[..n]);
    dst[n] = 0;
}

fn to_c_int(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// Matches a Mongoose glob pattern against the start of `str`.
///
/// Only the first `pattern_len` bytes of `pattern` are used (it need not be
/// NUL-terminated); `str` must be NUL-terminated. Syntax: `|` separates
/// alternatives (the first one matching more than 0 characters wins), `*`
/// matches any run of characters except `/`, `**` any run at all, `?` one
/// character, `$` the end of `str`; other characters match ignoring ASCII
/// case.
///
/// Returns the number of characters of `str` matched from its start, or -1
/// when there is no match. Treat only results > 0 as a match. Returns -1
/// when `pattern` or `str` is NULL or `pattern_len` is negative.
///
/// # Safety
/// `pattern` must be NULL or readable for `pattern_len` bytes; `str` must
/// be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mg_match_prefix(
    pattern: *const c_char,
    pattern_len: c_int,
    str: *const c_char,
) -> c_int {
    guard(-1, || {
        let Some(len) = int_len(pattern_len) else {
            return -1;
        };
        if pattern.is_null() {
            return -1;
        }
        // SAFETY: the caller promises `str` is NULL or NUL-terminated.
        let Some(s) = (unsafe { c_bytes(str) }) else {
            return -1;
        };
        // SAFETY: the caller promises `pattern_len` readable bytes.
        let p = unsafe { c_slice(pattern, len) };
        c_int::try_from(pattern::match_prefix(p, s)).unwrap_or(c_int::MAX)
    })
}

/// Percent-decodes `src_len` bytes of `src` into `dst` and NUL-terminates
/// it.
///
/// `%XX` (two hex digits) becomes that byte; a `%` not followed by two hex
/// digits is copied as is. When `is_form_url_encoded` is non-zero, `+`
/// becomes a space. At most `dst_len - 1` bytes are written, then a NUL.
///
/// Returns the decoded length, or -1 when `dst` was too small for the
/// whole input (it then holds the decoded, NUL-terminated prefix). Also
/// returns -1, writing nothing, when `dst` is NULL or `dst_len <= 0`, and
/// -1 with `dst` set to "" when `src` is NULL or `src_len` is negative.
///
/// # Safety
/// `src` must be NULL or readable for `src_len` bytes; `dst` must be NULL
/// or writable for `dst_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_url_decode(
    src: *const c_char,
    src_len: c_int,
    dst: *mut c_char,
    dst_len: c_int,
    is_form_url_encoded: c_int,
) -> c_int {
    guard(-1, || {
        // SAFETY: the caller promises `dst_len` writable bytes at `dst`.
        let Some(out) = (unsafe { c_buf(dst, int_len(dst_len).unwrap_or(0)) }) else {
            return -1;
        };
        let Some(len) = int_len(src_len).filter(|_| !src.is_null()) else {
            out[0] = 0;
            return -1;
        };
        // SAFETY: the caller promises `src_len` readable bytes at `src`.
        let input = unsafe { c_slice(src, len) };
        url::url_decode(input, out, is_form_url_encoded != 0)
    })
}

/// Percent-encodes `s_len` bytes of `src` into `dst` and NUL-terminates it.
///
/// ASCII letters, digits and `._-$,;~()` are copied; every other byte
/// becomes `%xx` with lowercase hex digits. Encoding stops at the first
/// character that does not fit in front of the NUL, so `dst` always holds a
/// complete, NUL-terminated prefix of the encoding.
///
/// Returns the length written (not counting the NUL). Returns 0 and writes
/// nothing when `dst` is NULL or `dst_len` is 0; a NULL `src` encodes as
/// the empty string.
///
/// # Safety
/// `src` must be NULL or readable for `s_len` bytes; `dst` must be NULL or
/// writable for `dst_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_url_encode(
    src: *const c_char,
    s_len: usize,
    dst: *mut c_char,
    dst_len: usize,
) -> c_int {
    guard(0, || {
        // SAFETY: the caller promises `dst_len` writable bytes at `dst`.
        let Some(out) = (unsafe { c_buf(dst, dst_len) }) else {
            return 0;
        };
        // SAFETY: the caller promises `s_len` readable bytes at `src`.
        let input = unsafe { c_slice(src, s_len) };
        url::url_encode(input, out)
    })
}

/// Extracts parameter `var_name` from a header value such as a Cookie or
/// an `Authorization: Digest ...` header (`name=value` items separated by
/// spaces or commas) and copies its value into `buf`, NUL-terminated.
///
/// The name is case-sensitive and must start `hdr` or follow a space or a
/// comma; the first occurrence followed by `=` decides. A value in double
/// or single quotes runs to the closing quote (commas allowed) and `\"`
/// inside it stands for the quote. An unquoted value ends at a space, a
/// comma or the end, and a trailing `;` is dropped.
///
/// Returns the value's length. Returns 0, with `buf` set to "", when the
/// parameter is missing, its quote is not closed, or the value needs
/// `buf_size` bytes or more. Returns 0 when `hdr` or `var_name` is NULL
/// (`buf` set to "" if usable) and when `buf` is NULL or `buf_size` is 0.
///
/// # Safety
/// `hdr` and `var_name` must be NULL or NUL-terminated; `buf` must be NULL
/// or writable for `buf_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_parse_header(
    hdr: *const c_char,
    var_name: *const c_char,
    buf: *mut c_char,
    buf_size: usize,
) -> c_int {
    guard(0, || {
        // SAFETY: the caller promises `buf_size` writable bytes at `buf`.
        let Some(out) = (unsafe { c_buf(buf, buf_size) }) else {
            return 0;
        };
        out[0] = 0;
        // SAFETY: the caller promises NULL or NUL-terminated strings.
        let (Some(hdr), Some(name)) = (unsafe { (c_bytes(hdr), c_bytes(var_name)) }) else {
            return 0;
        };
        header_param::parse_header(hdr, name, out)
    })
}

/// Parses one part of a `multipart/form-data` body.
///
/// `buf` must start with the boundary line (`--boundary` and CRLF or LF),
/// followed by the part's headers, a blank line and its content. The
/// `name` and `filename` parameters of its Content-Disposition header are
/// copied into `var_name` and `file_name` (truncated to fit,
/// NUL-terminated; both are first set to "" when non-NULL and their length
/// is positive). `*data` is set to the content inside `buf` and
/// `*data_len` to its length (without the line ending before the next
/// boundary); `data` and `data_len` may be NULL.
///
/// Returns the number of bytes to skip to reach the next part, or 0 when
/// `buf` holds no complete part (including at the final `--boundary--`),
/// when `buf` is NULL, or when `buf_len <= 0`. On 0, `*data` and
/// `*data_len` are left untouched. Typical loop: `while ((n =
/// mg_parse_multipart(p, len, ...)) > 0) { ...; p += n; len -= n; }`.
///
/// # Safety
/// `buf` must be NULL or readable for `buf_len` bytes; `var_name` and
/// `file_name` must be NULL or writable for their lengths; `data` and
/// `data_len` must be NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn mg_parse_multipart(
    buf: *const c_char,
    buf_len: c_int,
    var_name: *mut c_char,
    var_name_len: c_int,
    file_name: *mut c_char,
    file_name_len: c_int,
    data: *mut *const c_char,
    data_len: *mut c_int,
) -> c_int {
    guard(0, || {
        // SAFETY: the caller promises `var_name_len` writable bytes.
        let mut name_out = unsafe { c_buf(var_name, int_len(var_name_len).unwrap_or(0)) };
        // SAFETY: the caller promises `file_name_len` writable bytes.
        let mut file_out = unsafe { c_buf(file_name, int_len(file_name_len).unwrap_or(0)) };
        for out in [name_out.as_deref_mut(), file_out.as_deref_mut()]
            .into_iter()
            .flatten()
        {
            out[0] = 0;
        }
        let Some(len) = int_len(buf_len).filter(|&n| n > 0 && !buf.is_null()) else {
            return 0;
        };
        // SAFETY: the caller promises `buf_len` readable bytes at `buf`.
        let input = unsafe { c_slice(buf, len) };
        let Some((skip, part)) = multipart::parse_multipart(input) else {
            return 0;
        };
        if let Some(out) = name_out {
            copy_truncated(out, part.name);
        }
        if let Some(out) = file_out {
            copy_truncated(out, part.file_name);
        }
        if !data.is_null() {
            // SAFETY: `data` is non-NULL and the caller promises it is
            // writable; the stored pointer is inside the caller's `buf`.
            unsafe { *data = part.data.as_ptr().cast::<c_char>() };
        }
        if !data_len.is_null() {
            // SAFETY: `data_len` is non-NULL and the caller promises it is
            // writable.
            unsafe { *data_len = to_c_int(part.data.len()) };
        }
        to_c_int(skip)
    })
}

/// Returns the built-in MIME type for file name `name`, chosen by its
/// extension (case-insensitive; e.g. "x.PNG" gives "image/png"), or
/// `default_mime_type` (which may be NULL) when the extension is unknown or
/// `name` is NULL. The `extra_mime_types` option is not consulted. The
/// returned string is static; do not free it.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mg_get_mime_type(
    name: *const c_char,
    default_mime_type: *const c_char,
) -> *const c_char {
    guard(default_mime_type, || {
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let Some(name) = (unsafe { c_bytes(name) }) else {
            return default_mime_type;
        };
        mime::builtin_mime_type_cstr(name).map_or(default_mime_type, |m| m.as_ptr())
    })
}

/// Looks up form variable `var_name` in the request's query string, then
/// in its body (`content`/`content_len`), and copies its decoded value
/// (`%XX` and `+` decoded) into `buf`, NUL-terminated.
///
/// The name is compared case-insensitively and must start the data or
/// follow an `&`; the body is searched regardless of its Content-Type
/// (multipart bodies are not understood).
///
/// Returns the value's length (0 for an empty value); -1 when the variable
/// is not found (`buf` set to ""); -2 when `buf` is NULL, `buf_len` is 0,
/// or the value does not fit (`buf` then holds the truncated,
/// NUL-terminated value). Returns -1 when `conn` or `var_name` is NULL.
///
/// # Safety
/// `conn` must be NULL or a connection given by the library;
/// `var_name` must be NULL or NUL-terminated; `buf` must be NULL or
/// writable for `buf_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_get_var(
    conn: *const mg_connection,
    var_name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
) -> c_int {
    guard(-1, || {
        // SAFETY: the caller promises `buf_len` writable bytes at `buf`.
        let Some(out) = (unsafe { c_buf(buf, buf_len) }) else {
            return -2;
        };
        out[0] = 0;
        // SAFETY: the caller promises NULL or a NUL-terminated string.
        let Some(name) = (unsafe { c_bytes(var_name) }) else {
            return -1;
        };
        // SAFETY: the caller promises NULL or a valid connection.
        let Some(conn) = (unsafe { conn.as_ref() }) else {
            return -1;
        };
        // SAFETY: `query_string` is NULL or NUL-terminated (struct contract).
        if let Some(query) = unsafe { c_bytes(conn.query_string) } {
            let res = form::get_var(query, name, out);
            if res != -1 {
                return res;
            }
        }
        // SAFETY: `content` is NULL or holds `content_len` bytes (struct
        // contract).
        let body = unsafe { c_slice(conn.content, conn.content_len) };
        form::get_var(body, name, out)
    })
}

/// Internal: used by the `mg_md5` C shim; not part of the Mongoose API.
///
/// Computes the MD5 of `len` bytes at `data` and writes 32 lowercase hex
/// digits plus a NUL into `buf33`. Does nothing when `buf33` is NULL; a
/// NULL `data` is hashed as the empty input.
///
/// # Safety
/// `buf33` must be NULL or writable for 33 bytes; `data` must be NULL or
/// readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn mg_internal_md5(buf33: *mut c_char, data: *const c_char, len: usize) {
    guard((), || {
        // SAFETY: the caller promises 33 writable bytes at `buf33`.
        let Some(out) = (unsafe { c_buf(buf33, 33) }) else {
            return;
        };
        // SAFETY: the caller promises `len` readable bytes at `data`.
        let input = unsafe { c_slice(data, len) };
        out[..32].copy_from_slice(&md5::hex_lower(&md5::digest(input)));
        out[32] = 0;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::ptr;

    fn cstr(buf: &[c_char]) -> &[u8] {
        // SAFETY: the tests only pass buffers that hold a NUL.
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes()
    }

    #[test]
    fn match_prefix_export() {
        // SAFETY: valid NUL-terminated literals and lengths.
        unsafe {
            assert_eq!(
                mg_match_prefix(c"/a/**.cgi".as_ptr(), 9, c"/a/bar/x.cgi".as_ptr()),
                12
            );
            assert_eq!(
                mg_match_prefix(c"x/8,/y**".as_ptr(), 3, c"x/8/z".as_ptr()),
                3
            );
            assert_eq!(mg_match_prefix(ptr::null(), 0, c"x".as_ptr()), -1);
            assert_eq!(mg_match_prefix(c"x".as_ptr(), 1, ptr::null()), -1);
            assert_eq!(mg_match_prefix(c"x".as_ptr(), -1, c"x".as_ptr()), -1);
        }
    }

    #[test]
    fn url_exports() {
        let mut buf = [0x55 as c_char; 8];
        // SAFETY: buffers and lengths match.
        unsafe {
            assert_eq!(
                mg_url_decode(c"%61+".as_ptr(), 4, buf.as_mut_ptr(), 8, 1),
                2
            );
            assert_eq!(cstr(&buf), b"a ");
            assert_eq!(
                mg_url_decode(c"foo".as_ptr(), 3, buf.as_mut_ptr(), 0, 0),
                -1
            );
            assert_eq!(mg_url_decode(c"foo".as_ptr(), 3, ptr::null_mut(), 8, 0), -1);
            assert_eq!(mg_url_decode(ptr::null(), 3, buf.as_mut_ptr(), 8, 0), -1);
            assert_eq!(cstr(&buf), b"");
            assert_eq!(mg_url_encode(c"f o".as_ptr(), 3, buf.as_mut_ptr(), 8), 5);
            assert_eq!(cstr(&buf), b"f%20o");
            assert_eq!(mg_url_encode(c"f o".as_ptr(), 3, ptr::null_mut(), 8), 0);
            assert_eq!(mg_url_encode(ptr::null(), 3, buf.as_mut_ptr(), 8), 0);
            assert_eq!(cstr(&buf), b"");
        }
    }

    #[test]
    fn parse_header_export() {
        let mut buf = [0x55 as c_char; 10];
        let hdr = c"xx=1 kl yy, ert=234 kl=123";
        // SAFETY: buffers and lengths match.
        unsafe {
            assert_eq!(
                mg_parse_header(hdr.as_ptr(), c"ert".as_ptr(), buf.as_mut_ptr(), 10),
                3
            );
            assert_eq!(cstr(&buf), b"234");
            assert_eq!(
                mg_parse_header(ptr::null(), c"ert".as_ptr(), buf.as_mut_ptr(), 10),
                0
            );
            assert_eq!(cstr(&buf), b"");
            assert_eq!(
                mg_parse_header(hdr.as_ptr(), ptr::null(), buf.as_mut_ptr(), 10),
                0
            );
            assert_eq!(
                mg_parse_header(hdr.as_ptr(), c"ert".as_ptr(), ptr::null_mut(), 10),
                0
            );
            assert_eq!(
                mg_parse_header(hdr.as_ptr(), c"ert".as_ptr(), buf.as_mut_ptr(), 0),
                0
            );
        }
    }

    #[test]
    fn parse_multipart_export() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"field\"; filename=\"f.txt\"\r\n\r\nhi\r\n--b--\r\n";
        let mut name = [0x55 as c_char; 4];
        let mut file = [0x55 as c_char; 16];
        let mut data: *const c_char = ptr::null();
        let mut data_len: c_int = -7;
        let p = body.as_ptr().cast::<c_char>();
        let len = body.len() as c_int;
        // SAFETY: buffers and lengths match.
        unsafe {
            let n = mg_parse_multipart(
                p,
                len,
                name.as_mut_ptr(),
                4,
                file.as_mut_ptr(),
                16,
                &mut data,
                &mut data_len,
            );
            assert_eq!(&body[n as usize..], b"--b--\r\n");
            assert_eq!(cstr(&name), b"fie");
            assert_eq!(cstr(&file), b"f.txt");
            assert_eq!(data_len, 2);
            assert_eq!(data, p.add(body.len() - 11));
            let rest = p.add(n as usize);
            let rest_len = len - n;
            let null = ptr::null_mut();
            assert_eq!(
                mg_parse_multipart(
                    rest,
                    rest_len,
                    name.as_mut_ptr(),
                    4,
                    null,
                    0,
                    null.cast(),
                    null.cast()
                ),
                0
            );
            assert_eq!(cstr(&name), b"");
            assert_eq!(
                mg_parse_multipart(ptr::null(), 10, null, 0, null, 0, null.cast(), null.cast()),
                0
            );
            assert_eq!(
                mg_parse_multipart(p, -1, null, 0, null, 0, null.cast(), null.cast()),
                0
            );
            assert!(mg_parse_multipart(p, len, null, -5, null, 0, null.cast(), null.cast()) > 0);
        }
    }

    #[test]
    fn mime_export() {
        let d = c"d".as_ptr();
        // SAFETY: valid NUL-terminated literals.
        unsafe {
            let png = mg_get_mime_type(c"x.PNG".as_ptr(), d);
            assert_eq!(CStr::from_ptr(png).to_bytes(), b"image/png");
            assert_eq!(mg_get_mime_type(c"x.unknown".as_ptr(), d), d);
            assert_eq!(mg_get_mime_type(ptr::null(), d), d);
            assert!(mg_get_mime_type(c"x.unknown".as_ptr(), ptr::null()).is_null());
        }
    }

    #[test]
    fn get_var_export() {
        // SAFETY: an all-zero mg_connection is valid plain data (NULL
        // pointers, zero numbers).
        let mut conn: mg_connection = unsafe { std::mem::zeroed() };
        let mut body = *b"a=body&long=0123456789";
        conn.query_string = c"a=query&long=0123456789&q=1".as_ptr();
        conn.content = body.as_mut_ptr().cast();
        conn.content_len = body.len();
        let mut buf = [0x55 as c_char; 6];
        // SAFETY: buffers and lengths match; `conn` outlives the calls.
        unsafe {
            assert_eq!(mg_get_var(&conn, c"A".as_ptr(), buf.as_mut_ptr(), 6), 5);
            assert_eq!(cstr(&buf), b"query");
            assert_eq!(mg_get_var(&conn, c"long".as_ptr(), buf.as_mut_ptr(), 6), -2);
            assert_eq!(cstr(&buf), b"01234");
            assert_eq!(mg_get_var(&conn, c"nope".as_ptr(), buf.as_mut_ptr(), 6), -1);
            assert_eq!(cstr(&buf), b"");
            conn.query_string = ptr::null();
            assert_eq!(mg_get_var(&conn, c"a".as_ptr(), buf.as_mut_ptr(), 6), 4);
            assert_eq!(cstr(&buf), b"body");
            conn.content = ptr::null_mut();
            assert_eq!(mg_get_var(&conn, c"a".as_ptr(), buf.as_mut_ptr(), 6), -1);
            assert_eq!(mg_get_var(&conn, c"a".as_ptr(), ptr::null_mut(), 6), -2);
            assert_eq!(mg_get_var(&conn, c"a".as_ptr(), buf.as_mut_ptr(), 0), -2);
            assert_eq!(
                mg_get_var(ptr::null(), c"a".as_ptr(), buf.as_mut_ptr(), 6),
                -1
            );
            assert_eq!(mg_get_var(&conn, ptr::null(), buf.as_mut_ptr(), 6), -1);
        }
    }

    #[test]
    fn md5_export() {
        let mut buf = [0x55 as c_char; 33];
        // SAFETY: 33-byte buffer; literal data.
        unsafe {
            mg_internal_md5(buf.as_mut_ptr(), c"abc".as_ptr(), 3);
            assert_eq!(cstr(&buf), b"900150983cd24fb0d6963f7d28e17f72");
            mg_internal_md5(buf.as_mut_ptr(), ptr::null(), 5);
            assert_eq!(cstr(&buf), b"d41d8cd98f00b204e9800998ecf8427e");
            mg_internal_md5(ptr::null_mut(), c"abc".as_ptr(), 3);
        }
    }
}
