//! Form variables (`name=value&...`): the search behind `mg_get_var`.
//!
//! Only one block of data is searched here; `mg_get_var` (in the FFI
//! layer) tries the query string first and then the request body.

use super::url::url_decode;

/// Looks up variable `name` in `data` (`a=1&b=2` form encoding) and
/// form-decodes its value (`%XX`, `+` to space) into `buf`, NUL-terminated.
///
/// The name must start at the beginning of `data` or right after `&`, be
/// followed by `=`, and is compared ignoring ASCII case; the first such
/// occurrence wins. The value runs to the next `&` or the end. Bare keys
/// without `=` never match.
///
/// Returns the decoded length (0 for `e=`); -1 when the variable is absent
/// (`buf[0]` is then 0); -2 when `buf` is empty, or when the value does not
/// fit (`buf` then holds the truncated, NUL-terminated prefix).
pub fn get_var(data: &[u8], name: &[u8], buf: &mut [u8]) -> i32 {
    let Some(first) = buf.first_mut() else {
        return -2;
    };
    *first = 0;
    let n = name.len();
    for p in 0..data.len() {
        let at_start = p == 0 || data[p - 1] == b'&';
        if !at_start || p + n >= data.len() || data[p + n] != b'=' {
            continue;
        }
        if !data[p..p + n].eq_ignore_ascii_case(name) {
            continue;
        }
        let value = &data[p + n + 1..];
        let value_len = value.iter().position(|&b| b == b'&').unwrap_or(value.len());
        let len = url_decode(&value[..value_len], buf, true);
        return if len == -1 { -2 } else { len };
    }
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gv(data: &str, name: &str, n: usize) -> (i32, Vec<u8>) {
        let mut buf = vec![0xAAu8; n];
        let r = get_var(data.as_bytes(), name.as_bytes(), &mut buf);
        let end = buf.iter().position(|&b| b == 0).unwrap_or(0);
        (r, buf[..end].to_vec())
    }

    const DATA: &str = "a=1&&b=2&d&=&c=3%20&e=";

    #[test]
    fn spec_vectors() {
        assert_eq!(gv(DATA, "a", 20), (1, b"1".to_vec()));
        assert_eq!(gv(DATA, "b", 20), (1, b"2".to_vec()));
        assert_eq!(gv(DATA, "c", 20), (2, b"3 ".to_vec()));
        assert_eq!(gv(DATA, "e", 20), (0, vec![]));
        assert_eq!(gv(DATA, "d", 20), (-1, vec![]));
        assert_eq!(gv(DATA, "c", 2), (-2, b"3".to_vec()));
        let mut empty: [u8; 0] = [];
        assert_eq!(get_var(DATA.as_bytes(), b"a", &mut empty), -2);

        let d2 = "q=&st=2012%2F11%2F13+17%3A05&et=&team_id=";
        assert_eq!(gv(d2, "st", 16), (-2, b"2012/11/13 17:0".to_vec()));
        assert_eq!(gv(d2, "st", 17), (16, b"2012/11/13 17:05".to_vec()));
        assert_eq!(gv(d2, "team_id", 5), (0, vec![]));
        assert_eq!(gv(d2, "q", 5), (0, vec![]));
    }

    #[test]
    fn not_found_clears_buffer() {
        let mut buf = *b"garbage";
        assert_eq!(get_var(b"x=1", b"y", &mut buf), -1);
        assert_eq!(buf[0], 0);
    }

    #[test]
    fn matching_rules() {
        assert_eq!(gv("NAME=v", "name", 10), (1, b"v".to_vec()));
        assert_eq!(gv("xa=1&a=2", "a", 10), (1, b"2".to_vec()));
        assert_eq!(gv("a=1&a=2", "a", 10), (1, b"1".to_vec()));
        assert_eq!(gv("a", "a", 10), (-1, vec![]));
        assert_eq!(gv("a=", "a", 10), (0, vec![]));
        assert_eq!(gv("ab=1", "a", 10), (-1, vec![]));
        assert_eq!(gv("", "a", 10), (-1, vec![]));
        assert_eq!(gv("a=%zz+%41", "a", 10), (5, b"%zz A".to_vec()));
        assert_eq!(gv("x=1;a=2", "a", 10), (-1, vec![]), "only & separates");
        assert_eq!(gv("a=1", "a", 1), (-2, vec![]));
        // Empty name matches the first parameter that starts with '='.
        assert_eq!(gv("x=1&=7", "", 10), (1, b"7".to_vec()));
    }
}
