//! Mongoose glob patterns (`mg_match_prefix`): the matcher behind
//! `cgi_pattern`, `ssi_pattern`, `hide_files_patterns`, `url_rewrites` and
//! friends.
//!
//! Syntax: `|` separates alternatives, `*` is any run of characters other
//! than `/`, `**` is any run of characters, `?` is one character, `$`
//! anchors at the end of the string, and everything else matches itself
//! ignoring ASCII case. A match is always a *prefix* of the string.
//!
//! The classic implementation backtracks recursively, one character at a
//! time, which is exponential in the number of stars on hostile input
//! (`**a**a**a**b` against a long run of `a`). This one computes the very
//! same result with a dynamic programme over string positions: for every
//! star, from the last to the first, it tabulates where the rest of the
//! pattern ends when started at each position. Time is
//! O(pattern length × string length), memory two tables of string length.

/// Sentinel for "no match" inside the position tables.
const NONE: usize = usize::MAX;

/// Matches `pattern` against the start of `s` and returns how many bytes of
/// `s` were matched, or -1 when there is no match.
///
/// Exactly the Mongoose 5.4 semantics:
/// * the pattern is split at `|`; each alternative is tried in order and the
///   first result greater than zero wins; the last alternative's result is
///   returned as is (so a zero-length match of an earlier alternative falls
///   through);
/// * `*` and `**` are greedy: the longest run for which the rest of the
///   pattern matches is taken, and the result is where that rest ends;
/// * `?` matches any byte (including `/`) but not the end of `s`;
/// * `$` ends matching: it gives the full length of `s` if the end has been
///   reached and -1 otherwise (whatever follows `$` is ignored);
/// * other bytes compare equal ignoring ASCII case.
///
/// Callers treat only results greater than zero as a match.
pub fn match_prefix(pattern: &[u8], s: &[u8]) -> isize {
    let mut alternatives = pattern.split(|&b| b == b'|').peekable();
    while let Some(alt) = alternatives.next() {
        let res = match_alternative(alt, s);
        if res > 0 || alternatives.peek().is_none() {
            return res;
        }
    }
    -1 // unreachable: `split` always yields at least one item
}

/// One star of an alternative, with the literal segment that follows it.
struct Star<'p> {
    /// `**` (crosses `/`) rather than `*`.
    double: bool,
    /// The bytes up to the next star (no `*` inside).
    segment: &'p [u8],
}

/// Splits an alternative (no `|` inside) into the segment before the first
/// star and the list of stars with their following segments. Everything
/// after the first `$` is dropped, since matching never gets past it.
fn split_stars(alt: &[u8]) -> (&[u8], Vec<Star<'_>>) {
    let alt = match alt.iter().position(|&b| b == b'$') {
        Some(dollar) => &alt[..=dollar],
        None => alt,
    };
    let mut pieces = Vec::new();
    let head_end = alt.iter().position(|&b| b == b'*').unwrap_or(alt.len());
    let head = &alt[..head_end];
    let mut i = head_end;
    while i < alt.len() {
        // alt[i] is '*'.
        i += 1;
        let double = alt.get(i) == Some(&b'*');
        if double {
            i += 1;
        }
        let rest = &alt[i..];
        let seg_len = rest.iter().position(|&b| b == b'*').unwrap_or(rest.len());
        pieces.push(Star {
            double,
            segment: &rest[..seg_len],
        });
        i += seg_len;
    }
    (head, pieces)
}

/// Result of walking a star-free segment from some position.
enum Walk {
    /// A byte did not match.
    Fail,
    /// A `$` was reached; matching ends here with this end position.
    Anchored(usize),
    /// The whole segment matched; this is the next position in `s`.
    Continue(usize),
}

fn walk_segment(segment: &[u8], s: &[u8], mut x: usize) -> Walk {
    for &p in segment {
        match p {
            b'$' => {
                return if x == s.len() {
                    Walk::Anchored(x)
                } else {
                    Walk::Fail
                };
            }
            b'?' => {
                if x >= s.len() {
                    return Walk::Fail;
                }
            }
            _ => match s.get(x) {
                Some(c) if c.eq_ignore_ascii_case(&p) => {}
                _ => return Walk::Fail,
            },
        }
        x += 1;
    }
    Walk::Continue(x)
}

/// End position reached by matching `segment` (then the star whose table is
/// `next`, if any) from position `x`, or `NONE`.
fn segment_end(segment: &[u8], s: &[u8], x: usize, next: Option<&[usize]>) -> usize {
    match walk_segment(segment, s, x) {
        Walk::Fail => NONE,
        Walk::Anchored(end) => end,
        Walk::Continue(y) => match next {
            Some(table) => table.get(y).copied().unwrap_or(NONE),
            None => y,
        },
    }
}

fn match_alternative(alt: &[u8], s: &[u8]) -> isize {
    let (head, stars) = split_stars(alt);
    let n = s.len();

    // Cheap exit (and the common case): the head alone decides.
    let head_pos = match walk_segment(head, s, 0) {
        Walk::Fail => return -1,
        Walk::Anchored(end) => return to_isize(end),
        Walk::Continue(y) => y,
    };
    if stars.is_empty() {
        return to_isize(head_pos);
    }

    // table[x] = end position when the star (and everything after it) is
    // matched starting at x. A star at x tries the longest run first, so
    // it picks the largest y in [x, limit(x)] whose continuation matches,
    // where limit(x) is the end of `s` for `**` and the next `/` (or the
    // end) for `*`. Scanning x downwards keeps that best y incrementally.
    let mut next: Option<Vec<usize>> = None;
    for star in stars.iter().rev() {
        let mut table = vec![NONE; n + 1];
        let mut best = NONE;
        for x in (0..=n).rev() {
            let at_limit = x == n || (!star.double && s[x] == b'/');
            if at_limit {
                best = NONE;
            }
            if best == NONE {
                best = segment_end(star.segment, s, x, next.as_deref());
            }
            table[x] = best;
        }
        next = Some(table);
    }
    let end = next
        .as_deref()
        .and_then(|table| table.get(head_pos).copied())
        .unwrap_or(NONE);
    to_isize(end)
}

fn to_isize(end: usize) -> isize {
    if end == NONE {
        -1
    } else {
        isize::try_from(end).unwrap_or(-1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> isize {
        match_prefix(p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn spec_vectors() {
        let vectors: &[(&str, &str, isize)] = &[
            ("/api", "/api", 4),
            ("/a/", "/a/b/c", 3),
            ("/a/", "/ab/c", -1),
            ("/*/", "/ab/c", 4),
            ("**", "/a/b/c", 6),
            ("/*", "/a/b/c", 2),
            ("*/*", "/a/b/c", 2),
            ("**/", "/a/b/c", 5),
            ("**.foo|**.bar", "a.bar", 5),
            ("a|b|cd", "cdef", 2),
            ("a|b|c?", "cdef", 2),
            ("a|?|cd", "cdef", 1),
            ("/a/**.cgi", "/foo/bar/x.cgi", -1),
            ("/a/**.cgi", "/a/bar/x.cgi", 12),
            ("**/$", "/a/b/c", -1),
            ("**/$", "/a/b/", 5),
            ("$", "", 0),
            ("$", "x", -1),
            ("*$", "x", 1),
            ("/$", "/", 1),
            ("*", "/hello/", 0),
            ("**.a$|**.b$", "/a/b.b/", -1),
            ("**.a$|**.b$", "/a/b.b", 6),
            ("**.a$|**.b$", "/a/B.A", 6),
            ("**o$", "HELLO", 5),
        ];
        for &(p, s, want) in vectors {
            assert_eq!(m(p, s), want, "pattern {p:?} on {s:?}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(m("", ""), 0);
        assert_eq!(m("", "abc"), 0);
        assert_eq!(m("abc", ""), -1);
        assert_eq!(m("?", ""), -1);
        assert_eq!(m("?", "/"), 1);
        assert_eq!(m("a$b", "a"), 1, "text after $ is ignored");
        assert_eq!(m("a$**", "ab"), -1);
        assert_eq!(m("|", "x"), 0, "both alternatives empty");
        assert_eq!(m("|x", "x"), 1, "empty left alternative falls through");
        assert_eq!(m("x|", "y"), 0, "last alternative's result is returned");
        assert_eq!(m("ABC", "abcdef"), 3);
        assert_eq!(m("***", "a/b"), 3, "*** is ** then *");
        assert_eq!(m("*", ""), 0);
        assert_eq!(m("**", ""), 0);
        assert_eq!(m("*a", "aaa/a"), 3, "greedy, stops at /");
        assert_eq!(m("*.cgi$", "x.cgi"), 5);
        assert_eq!(m("*.cgi$", "d/x.cgi"), -1);
        assert_eq!(m("**.cgi$", "d/x.cgi"), 7);
        assert_eq!(m("\u{e9}", "\u{c9}"), -1, "only ASCII folds");
        assert_eq!(m("/a/b|/a", "/a/c"), 2);
    }

    #[test]
    fn hostile_input_is_fast() {
        let s = vec![b'a'; 10_000];
        let start = std::time::Instant::now();
        assert_eq!(match_prefix(b"**a**a**a**a**b", &s), -1);
        assert_eq!(match_prefix(b"*a*a*a*a*a*a*b", &s), -1);
        assert_eq!(match_prefix(b"**a**a**a**a**a", &s), 10_000);
        let mut p = Vec::new();
        for _ in 0..200 {
            p.extend_from_slice(b"**a");
        }
        p.extend_from_slice(b"b|**?$");
        assert_eq!(match_prefix(&p, &s), 10_000);
        let bars = vec![b'|'; 100_000];
        assert_eq!(match_prefix(&bars, b"x"), 0);
        assert!(start.elapsed().as_secs() < 10);
    }

    /// Straightforward backtracking matcher written from the spec, used as
    /// an oracle on small random inputs.
    fn reference(p: &[u8], s: &[u8]) -> isize {
        if let Some(bar) = p.iter().position(|&b| b == b'|') {
            let left = reference(&p[..bar], s);
            return if left > 0 {
                left
            } else {
                reference(&p[bar + 1..], s)
            };
        }
        let (mut i, mut j) = (0usize, 0usize);
        while i < p.len() {
            match p[i] {
                b'?' if j < s.len() => {}
                b'$' => return if j == s.len() { j as isize } else { -1 },
                b'*' => {
                    i += 1;
                    let run = if p.get(i) == Some(&b'*') {
                        i += 1;
                        s.len() - j
                    } else {
                        s[j..]
                            .iter()
                            .position(|&b| b == b'/')
                            .unwrap_or(s.len() - j)
                    };
                    let mut len = run as isize;
                    while len >= 0 {
                        let r = reference(&p[i..], &s[j + len as usize..]);
                        if r != -1 {
                            return j as isize + len + r;
                        }
                        len -= 1;
                    }
                    return -1;
                }
                c => {
                    if j >= s.len() || !s[j].eq_ignore_ascii_case(&c) {
                        return -1;
                    }
                }
            }
            i += 1;
            j += 1;
        }
        j as isize
    }

    #[test]
    fn agrees_with_backtracking_reference() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        let pat_chars = b"ab/.*?$|A";
        let str_chars = b"abA/.";
        for _ in 0..20_000 {
            let plen = rnd(9);
            let slen = rnd(9);
            let p: Vec<u8> = (0..plen).map(|_| pat_chars[rnd(9)]).collect();
            let s: Vec<u8> = (0..slen).map(|_| str_chars[rnd(5)]).collect();
            assert_eq!(
                match_prefix(&p, &s),
                reference(&p, &s),
                "pattern {:?} on {:?}",
                String::from_utf8_lossy(&p),
                String::from_utf8_lossy(&s)
            );
        }
    }
}
