//! Which files are never served or listed: anything ending in `.htpasswd`
//! and whatever `hide_files_patterns` matches.
//!
//! Mongoose 5.4 matched the pattern against the full path for requests but
//! against the bare name in listings, so `secret.txt` hid the file from the
//! listing yet still served it. Here both the full path and its last
//! component are tried, everywhere.

use crate::core::util::pattern::match_prefix;

/// The password files of per-directory authorisation, always hidden.
const HTPASSWD: &[u8] = b".htpasswd";

/// True when `name` ends with `.htpasswd`, ignoring ASCII case.
fn is_htpasswd(name: &[u8]) -> bool {
    name.len() >= HTPASSWD.len()
        && name[name.len() - HTPASSWD.len()..].eq_ignore_ascii_case(HTPASSWD)
}

/// The last component of `path`, ignoring trailing slashes.
fn last_component(path: &[u8]) -> &[u8] {
    let end = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
    let trimmed = &path[..end];
    let start = trimmed
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    &trimmed[start..]
}

/// True when `pattern` (a `hide_files_patterns` value) matches `path`
/// itself or its last component, with `mg_match_prefix` semantics (a match
/// must be longer than zero bytes).
fn pattern_hides(pattern: &[u8], path: &[u8]) -> bool {
    match_prefix(pattern, path) > 0 || match_prefix(pattern, last_component(path)) > 0
}

/// True when the file at `full_path` must not be served or listed: its
/// name ends in `.htpasswd` (any case), or `patterns` matches the full
/// path or the final path component.
pub fn is_hidden(full_path: &[u8], patterns: Option<&[u8]>) -> bool {
    if is_htpasswd(last_component(full_path)) {
        return true;
    }
    patterns.is_some_and(|p| pattern_hides(p, full_path))
}

/// Like [`is_hidden`], but also true when any directory between `root` and
/// the file is hidden, so a pattern `.git` hides `root/.git/config` as well
/// as `root/.git`. Components of `root` itself are not checked. When
/// `full_path` does not start with `root`, only [`is_hidden`] applies.
pub fn is_hidden_below(root: &[u8], full_path: &[u8], patterns: Option<&[u8]>) -> bool {
    if is_hidden(full_path, patterns) {
        return true;
    }
    let (Some(pattern), Some(rest)) = (patterns, full_path.strip_prefix(root)) else {
        return false;
    };
    if !(rest.is_empty() || rest[0] == b'/' || root.ends_with(b"/")) {
        return false; // `root` ends inside a component: not really below it
    }
    let mut prefix_len = root.len();
    for component in rest.split(|&b| b == b'/') {
        prefix_len += component.len();
        if !component.is_empty() && pattern_hides(pattern, &full_path[..prefix_len]) {
            return true;
        }
        prefix_len += 1; // the '/' after this component
        if prefix_len > full_path.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htpasswd_always_hidden() {
        assert!(is_hidden(b"/root/.htpasswd", None));
        assert!(is_hidden(b"/root/dir/.HTPASSWD", None));
        assert!(is_hidden(b"/root/dir/old.htpasswd", None));
        assert!(is_hidden(b".htpasswd", Some(b"")));
        assert!(!is_hidden(b"/root/.htpasswd.bak", None));
        assert!(!is_hidden(b"/root/htpasswd", None));
        assert!(!is_hidden(b"/root/a.txt", None));
        assert!(!is_hidden(b"", None));
    }

    #[test]
    fn bare_names_hide_files_anywhere() {
        let p = Some(&b"secret.txt"[..]);
        assert!(is_hidden(b"root/dir/secret.txt", p), "5.4 bug fixed");
        assert!(is_hidden(b"/root/secret.txt", p));
        assert!(is_hidden(b"secret.txt", p));
        assert!(is_hidden(b"/root/SECRET.TXT", p), "patterns ignore case");
        assert!(!is_hidden(b"/root/public.txt", p));
        assert!(!is_hidden(b"/root/secret.txt.d/x", p));
    }

    #[test]
    fn full_path_patterns_still_work() {
        assert!(is_hidden(b"/root/a/secret.txt", Some(b"**/secret.txt$")));
        assert!(is_hidden(b"/root/private/x.txt", Some(b"/root/private/")));
        assert!(is_hidden(b"/r/a.bak", Some(b"**.bak$|**.tmp$")));
        assert!(is_hidden(b"/r/a.tmp", Some(b"**.bak$|**.tmp$")));
        assert!(!is_hidden(b"/r/a.txt", Some(b"**.bak$|**.tmp$")));
        assert!(
            is_hidden(b"/r/.git/", Some(b".*")),
            "trailing slash ignored"
        );
    }

    #[test]
    fn empty_matches_do_not_hide() {
        assert!(!is_hidden(b"/root/a", Some(b"")));
        assert!(
            is_hidden(b"/root/a", Some(b"*")),
            "`*` matches any bare name"
        );
        assert!(!is_hidden(b"/root/a", Some(b"|")));
        assert!(!is_hidden(b"/", Some(b"x")));
    }

    #[test]
    fn hidden_directories_hide_their_contents() {
        let p = Some(&b".git"[..]);
        assert!(!is_hidden(b"/srv/www/.git/config", p));
        assert!(is_hidden_below(b"/srv/www", b"/srv/www/.git/config", p));
        assert!(is_hidden_below(b"/srv/www", b"/srv/www/.git", p));
        assert!(is_hidden_below(b"/srv/www", b"/srv/www/a/.git/b/c", p));
        assert!(!is_hidden_below(b"/srv/www", b"/srv/www/a/git/b", p));
        assert!(!is_hidden_below(b"/srv/www", b"/srv/www/", p));
        assert!(!is_hidden_below(b"/srv/www", b"/srv/www//x/", p));
        // Components of the root itself are not checked.
        let www = Some(&b"www"[..]);
        assert!(!is_hidden_below(b"/srv/www", b"/srv/www/a", www));
        assert!(is_hidden_below(b"/srv/www", b"/srv/www/www/a", www));
        assert!(!is_hidden_below(b"/elsewhere", b"/srv/www/a", www));
        assert!(!is_hidden_below(b"/srv/ww", b"/srv/www/a", www));
        assert!(is_hidden_below(b"/srv/", b"/srv/www/a", www));
        assert!(is_hidden_below(b"/srv", b"/srv/x/.htpasswd", None));
    }
}
