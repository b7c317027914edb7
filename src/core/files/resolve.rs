//! Mapping a request URI to a file inside the document root, and the
//! `url_rewrites` option (virtual hosts, prefix rewrites, error
//! redirects).
//!
//! The URI arrives percent-decoded once and cleaned of `..`/`//` runs by
//! the HTTP layer; it is not decoded again here. On top of that cleaning,
//! this module refuses anything that could leave the root: NUL bytes,
//! backslashes, `..` components, and (after canonicalizing the part of the
//! path that exists) symbolic links that point outside the root.
//!
//! File-system access: `openat2(RESOLVE_BENEATH)` where the kernel has it
//! (one call that opens the file and proves it lies inside the root), else
//! `std::fs::canonicalize`, `metadata` and
//! `symlink_metadata` only.

use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::core::util::pattern::match_prefix;

/// The file a URI maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The file, already opened (read-only) when the fast path proved it
    /// lies inside the root; use it instead of opening `canonical` again.
    pub opened: Option<OpenFile>,
    /// The directory the URI was mapped under: the document root, a
    /// virtual host's directory, or (for a prefix rewrite) the rewrite's
    /// target directory. Not canonicalized.
    pub root: PathBuf,
    /// `root` followed by the URI (or the rewrite target followed by the
    /// rest of the URI), byte for byte, as 5.4 built it. Patterns
    /// (`cgi_pattern`, `ssi_pattern`, `hide_files_patterns`) are matched
    /// against this.
    pub path: PathBuf,
    /// The canonical path when the file exists and was checked by
    /// canonicalizing (the portable path); open this one when `opened` is
    /// `None`. With the `openat2` fast path it is `None`.
    pub canonical: Option<PathBuf>,
    /// Whether the file exists (the caller answers 404 otherwise).
    pub exists: bool,
    pub is_dir: bool,
    /// Size in bytes, 0 when the file does not exist.
    pub size: u64,
    /// Modification time in seconds since the epoch, 0 when the file does
    /// not exist.
    pub mtime: i64,
}

/// A file opened during resolution. Equality ignores the descriptor (it
/// only exists so `Resolved` can be compared in tests).
#[derive(Debug, Clone)]
pub struct OpenFile(pub std::sync::Arc<fs::File>);

impl PartialEq for OpenFile {
    fn eq(&self, _: &OpenFile) -> bool {
        true
    }
}

impl Eq for OpenFile {}

/// Why a URI cannot be mapped to a file.
#[derive(Debug)]
pub enum ResolveError {
    /// The URI does not start with `/` (suggested reply: 400).
    BadUri,
    /// The URI tries to leave the root: a NUL byte, a backslash, a `..`
    /// component, or a symbolic link to a place outside the root
    /// (suggested reply: 403, or 404 to reveal nothing).
    Forbidden,
    /// The file system refused a check in a way that does not simply mean
    /// "missing" (suggested reply: 404 or 500).
    Io(io::Error),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::BadUri => f.write_str("URI is not an absolute path"),
            ResolveError::Forbidden => f.write_str("path leaves the document root"),
            ResolveError::Io(e) => write!(f, "cannot check path: {e}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// The `key=value` entries of a `url_rewrites` value, in order. Entries
/// without `=` are skipped; the split is at the first `=`.
fn rewrite_entries(rewrites: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    rewrites.split(|&b| b == b',').filter_map(|entry| {
        let eq = entry.iter().position(|&b| b == b'=')?;
        Some((&entry[..eq], &entry[eq + 1..]))
    })
}

/// C `atoi` of a rewrite key: optional leading whitespace and sign, then
/// digits; 0 when there are none. Saturates instead of overflowing.
fn atoi(s: &[u8]) -> i64 {
    let s = &s[s.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let (negative, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
        });
    if negative {
        -value
    } else {
        value
    }
}

/// The redirect target of a `CODE=uri` entry of `url_rewrites` for
/// `status` (the first entry whose key, read like C `atoi`, equals it).
pub fn numeric_redirect(rewrites: &[u8], status: i32) -> Option<&[u8]> {
    if status <= 0 {
        return None;
    }
    rewrite_entries(rewrites)
        .find(|(key, _)| atoi(key) == i64::from(status))
        .map(|(_, uri)| uri)
}

/// The Host header without its `:port` (`[v6]:port` keeps the brackets).
fn host_without_port(host: &[u8]) -> &[u8] {
    if host.first() == Some(&b'[') {
        return match host.iter().position(|&b| b == b']') {
            Some(close) => &host[..=close],
            None => host,
        };
    }
    match host.iter().position(|&b| b == b':') {
        Some(colon) => &host[..colon],
        None => host,
    }
}

/// Joins bytes into a path with no separator added (the URI starts with
/// `/`), exactly like 5.4's `document_root + uri`.
fn concat(a: &[u8], b: &[u8]) -> PathBuf {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    PathBuf::from(std::ffi::OsString::from_vec(v))
}

/// The directory that must contain the result of a prefix rewrite to
/// `target` with the rest of the URI `rest`: the target itself when the
/// rest continues below it (or is empty), else the target's parent.
fn rewrite_root(target: &[u8], rest: &[u8]) -> Vec<u8> {
    if rest.is_empty() || rest.starts_with(b"/") || target.ends_with(b"/") {
        return target.to_vec();
    }
    match target.iter().rposition(|&b| b == b'/') {
        Some(slash) => target[..=slash].to_vec(),
        None => b".".to_vec(),
    }
}

/// True when a path component would step up or smuggle a separator.
fn unsafe_bytes(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes.contains(&b'\\')
        || bytes
            .split(|&b| b == b'/')
            .any(|component| component == b"..")
}

fn mtime_secs(meta: &fs::Metadata) -> i64 {
    match meta.modified().map(|t| t.duration_since(UNIX_EPOCH)) {
        Ok(Ok(after)) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Ok(Err(before)) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        Err(_) => 0,
    }
}

/// How a failed file-system check is treated.
enum Failure {
    /// The path does not exist (or names a file as a directory, or is too
    /// long to exist).
    Missing,
    /// A symbolic link loop: refused like any link that leads nowhere.
    Loop,
    Other,
}

fn classify(e: &io::Error) -> Failure {
    if e.kind() == io::ErrorKind::NotFound {
        return Failure::Missing;
    }
    match e.raw_os_error() {
        Some(libc::ENOTDIR | libc::ENAMETOOLONG) => Failure::Missing,
        Some(libc::ELOOP) => Failure::Loop,
        _ => Failure::Other,
    }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(classify(e), Failure::Missing)
}

/// The error for a failed check that is not a plain "missing".
fn failure(e: io::Error) -> ResolveError {
    match classify(&e) {
        Failure::Loop => ResolveError::Forbidden,
        _ => ResolveError::Io(e),
    }
}

/// Maps `uri` to a file under `root`, applying `url_rewrites`.
///
/// * `uri` is the decoded, cleaned request path; it must start with `/`.
/// * `rewrites` is the `url_rewrites` value (empty for none). The first
///   `@host=dir` entry whose host equals `host` (ignoring ASCII case and
///   any `:port`) replaces `root`. Then the first `pattern=path` entry
///   whose pattern matches a prefix of `uri` (`mg_match_prefix` > 0) maps
///   it to `path + uri[matched..]`; otherwise the path is `root + uri`.
/// * The result must stay inside its root: NUL bytes, backslashes or `..`
///   components in the URI (or in the rest after a rewrite), and symbolic
///   links leading outside the canonical root, give
///   [`ResolveError::Forbidden`]. A path that does not exist is
///   `Ok` with `exists: false`, after the same checks on the part of it
///   that does exist (a dangling symbolic link is refused, since creating
///   a file through it would write outside the root).
/// * A root that does not exist makes every path non-existent.
pub fn resolve(
    root: &Path,
    uri: &[u8],
    rewrites: &[u8],
    host: Option<&[u8]>,
) -> Result<Resolved, ResolveError> {
    if !uri.starts_with(b"/") {
        return Err(ResolveError::BadUri);
    }
    if unsafe_bytes(uri) {
        return Err(ResolveError::Forbidden);
    }

    let mut base: Vec<u8> = root.as_os_str().as_bytes().to_vec();
    if let Some(host) = host.map(host_without_port) {
        if let Some((_, dir)) = rewrite_entries(rewrites)
            .find(|(key, _)| key.len() > 1 && key[0] == b'@' && key[1..].eq_ignore_ascii_case(host))
        {
            base = dir.to_vec();
        }
    }

    let prefix_rewrite = rewrite_entries(rewrites)
        .filter(|(key, _)| !key.starts_with(b"@") && atoi(key) <= 0)
        .find_map(|(pattern, target)| {
            let matched = usize::try_from(match_prefix(pattern, uri)).ok()?;
            (matched > 0).then(|| (target, &uri[matched.min(uri.len())..]))
        });

    let (containing_root, path) = match prefix_rewrite {
        Some((target, rest)) => {
            if unsafe_bytes(rest) || target.contains(&0) {
                return Err(ResolveError::Forbidden);
            }
            (rewrite_root(target, rest), concat(target, rest))
        }
        None => {
            if base.contains(&0) {
                return Err(ResolveError::Forbidden);
            }
            let path = concat(&base, uri);
            (base, path)
        }
    };
    let containing_root = PathBuf::from(std::ffi::OsString::from_vec(containing_root));
    check_inside(containing_root, path)
}

/// Checks that `path` stays inside `root`: with `openat2(RESOLVE_BENEATH)`
/// where the kernel has it (one call that also opens the file), else by
/// canonicalizing what exists of the path.
fn check_inside(root: PathBuf, path: PathBuf) -> Result<Resolved, ResolveError> {
    let root_bytes = root.as_os_str().as_bytes();
    if let Some(rel) = path.as_os_str().as_bytes().strip_prefix(root_bytes) {
        match crate::core::sys::open_beneath(&root, rel, crate::core::net::clock::now()) {
            Ok(file) => {
                let meta = file.metadata().map_err(ResolveError::Io)?;
                return Ok(Resolved {
                    opened: Some(OpenFile(std::sync::Arc::new(file))),
                    is_dir: meta.is_dir(),
                    size: meta.len(),
                    mtime: mtime_secs(&meta),
                    canonical: None,
                    exists: true,
                    root,
                    path,
                });
            }
            Err(e) => match e.raw_os_error() {
                Some(libc::EXDEV | libc::ELOOP) => return Err(ResolveError::Forbidden),
                Some(libc::ENOSYS | libc::EPERM | libc::EINVAL) => {} // fall back
                // Missing: the slow path tells a plain missing file from a
                // dangling link.
                Some(libc::ENOENT | libc::ENOTDIR) => {}
                Some(libc::EACCES) => return Err(ResolveError::Io(e)),
                _ => {}
            },
        }
    }
    check_inside_portable(root, path)
}

/// Canonicalizes what exists of `path` and checks it stays inside `root`.
fn check_inside_portable(root: PathBuf, path: PathBuf) -> Result<Resolved, ResolveError> {
    let missing = |root: PathBuf, path: PathBuf| Resolved {
        opened: None,
        root,
        path,
        canonical: None,
        exists: false,
        is_dir: false,
        size: 0,
        mtime: 0,
    };
    let canonical_root = match fs::canonicalize(&root) {
        Ok(c) => c,
        Err(e) if is_missing(&e) => return Ok(missing(root, path)),
        Err(e) => return Err(failure(e)),
    };

    match fs::canonicalize(&path) {
        Ok(canonical) => {
            if !canonical.starts_with(&canonical_root) {
                return Err(ResolveError::Forbidden);
            }
            let meta = fs::metadata(&canonical).map_err(ResolveError::Io)?;
            Ok(Resolved {
                opened: None,
                root,
                path,
                is_dir: meta.is_dir(),
                size: meta.len(),
                mtime: mtime_secs(&meta),
                canonical: Some(canonical),
                exists: true,
            })
        }
        Err(e) if is_missing(&e) => {
            // Walk up to the deepest ancestor that exists. Every step that
            // does not canonicalize must not exist at all: a link there is
            // dangling (or loops) and could lead anywhere.
            let mut ancestor = path.as_path();
            loop {
                if fs::symlink_metadata(ancestor).is_ok() {
                    return Err(ResolveError::Forbidden);
                }
                ancestor = match ancestor.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                match fs::canonicalize(ancestor) {
                    Ok(c) if c.starts_with(&canonical_root) => {
                        return Ok(missing(root, path));
                    }
                    Ok(_) => return Err(ResolveError::Forbidden),
                    Err(e) if is_missing(&e) => {
                        if ancestor == Path::new(".") || ancestor == Path::new("/") {
                            return Ok(missing(root, path));
                        }
                    }
                    Err(e) => return Err(failure(e)),
                }
            }
        }
        Err(e) => Err(failure(e)),
    }
}

/// The first of the comma-separated `index_files` that exists inside the
/// resolved directory `dir` and stays inside `dir.root` (a symlinked index
/// file pointing outside the root is skipped). Returns its path built as
/// `dir.path + name` (with a `/` in between if needed) and its resolution.
pub fn find_index(dir: &Resolved, index_files: &[u8]) -> Option<Resolved> {
    if !dir.exists || !dir.is_dir {
        return None;
    }
    let base = dir.path.as_os_str().as_bytes();
    index_files
        .split(|&b| b == b',')
        .filter(|name| !name.is_empty() && !unsafe_bytes(name) && !name.contains(&b'/'))
        .find_map(|name| {
            let mut full = base.to_vec();
            if !full.ends_with(b"/") {
                full.push(b'/');
            }
            full.extend_from_slice(name);
            let path = PathBuf::from(std::ffi::OsString::from_vec(full));
            match check_inside(dir.root.clone(), path) {
                Ok(r) if r.exists && !r.is_dir => Some(r),
                _ => None,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A temporary directory tree, removed on drop.
    struct TempTree(PathBuf);

    impl TempTree {
        fn new(tag: &str) -> TempTree {
            let dir = std::env::temp_dir().join(format!("mg-resolve-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("root/sub")).unwrap();
            fs::create_dir_all(dir.join("outside")).unwrap();
            fs::create_dir_all(dir.join("vhost")).unwrap();
            fs::write(dir.join("root/a.txt"), b"hello").unwrap();
            fs::write(dir.join("root/sub/index.html"), b"<p>").unwrap();
            fs::write(dir.join("outside/secret"), b"s").unwrap();
            fs::write(dir.join("vhost/v.txt"), b"v").unwrap();
            symlink("/etc", dir.join("root/etc")).unwrap();
            symlink(dir.join("outside/secret"), dir.join("root/leak")).unwrap();
            symlink("../outside", dir.join("root/up")).unwrap();
            symlink(dir.join("outside/new"), dir.join("root/dangling")).unwrap();
            symlink("a.txt", dir.join("root/inner-link")).unwrap();
            symlink("loop", dir.join("root/loop")).unwrap();
            TempTree(dir)
        }

        fn root(&self) -> PathBuf {
            self.0.join("root")
        }
    }

    impl Drop for TempTree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Resolution of `uri` never names a file outside the tree's root.
    fn assert_contained(t: &TempTree, res: &Result<Resolved, ResolveError>, uri: &[u8]) {
        let canonical_root = fs::canonicalize(t.root()).unwrap();
        if let Ok(r) = res {
            if let Some(c) = &r.canonical {
                assert!(c.starts_with(&canonical_root), "{uri:?} -> {c:?}");
            }
            assert!(!r.exists || r.canonical.is_some());
        }
    }

    #[test]
    fn traversal_attempts_never_escape() {
        let t = TempTree::new("trav");
        let root = t.root();
        // (uri, expected outcome): F = Forbidden, B = BadUri, M = missing.
        let cases: &[(&[u8], char)] = &[
            (b"/../etc/passwd", 'F'),
            (b"/..", 'F'),
            (b"/../", 'F'),
            (b"/a/../../x", 'F'),
            (b"/sub/../a.txt", 'F'),
            (b"/\\..\\", 'F'),
            (b"/..\\..\\etc\\passwd", 'F'),
            (b"/a.txt\0.html", 'F'),
            (b"/\0", 'F'),
            (b"/etc/passwd", 'F'),
            (b"/etc", 'F'),
            (b"/etc/", 'F'),
            (b"/leak", 'F'),
            (b"/up/secret", 'F'),
            (b"/up/", 'F'),
            (b"/up/missing", 'F'),
            (b"/dangling", 'F'),
            (b"/dangling/x", 'F'),
            (b"/loop", 'F'),
            (b"/\xc0\xae\xc0\xae/", 'M'),
            (b"/\xc0\xae\xc0\xae/etc/passwd", 'M'),
            (b"/%2e%2e/etc/passwd", 'M'),
            (b"/..%2f..%2fetc%2fpasswd", 'M'),
            (b"/...", 'M'),
            (b"/.../x", 'M'),
            (b"/missing/deeper/x", 'M'),
            (b"/a.txt/x", 'M'),
            (b"etc/passwd", 'B'),
            (b"", 'B'),
            (b"../etc/passwd", 'B'),
        ];
        for &(uri, want) in cases {
            let res = resolve(&root, uri, b"", None);
            assert_contained(&t, &res, uri);
            let got = match &res {
                Err(ResolveError::Forbidden) => 'F',
                Err(ResolveError::BadUri) => 'B',
                Err(ResolveError::Io(e)) => panic!("{uri:?}: {e}"),
                Ok(r) if !r.exists => 'M',
                Ok(_) => 'E',
            };
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(uri));
        }
    }

    #[test]
    fn plain_files_and_dirs() {
        let t = TempTree::new("plain");
        let root = t.root();
        let r = resolve(&root, b"/a.txt", b"", None).unwrap();
        assert!(r.exists && !r.is_dir);
        assert_eq!(r.size, 5);
        assert!(r.mtime > 1_000_000_000);
        assert_eq!(r.path, root.join("a.txt"));
        assert_eq!(r.root, root);
        let r = resolve(&root, b"/sub/", b"", None).unwrap();
        assert!(r.exists && r.is_dir);
        assert_eq!(
            r.path.as_os_str().as_bytes(),
            [root.as_os_str().as_bytes(), b"/sub/"].concat()
        );
        let r = resolve(&root, b"/", b"", None).unwrap();
        assert!(r.exists && r.is_dir);
        let r = resolve(&root, b"/inner-link", b"", None).unwrap();
        assert!(r.exists, "links inside the root are fine");
        assert_eq!(r.size, 5, "the link's target is what was opened");
        let r = check_inside_portable(root.clone(), root.join("inner-link")).unwrap();
        assert_eq!(
            r.canonical,
            Some(fs::canonicalize(root.join("a.txt")).unwrap())
        );
        let r = resolve(&root, b"/./a.txt", b"", None).unwrap();
        assert!(r.exists);
        let r = resolve(&root, b"/nope.txt", b"", None).unwrap();
        assert!(!r.exists && r.canonical.is_none());
        assert_eq!(r.path, root.join("nope.txt"));
    }

    #[test]
    fn missing_root() {
        let r = resolve(Path::new("/nonexistent-mg-root"), b"/x", b"", None).unwrap();
        assert!(!r.exists);
    }

    #[test]
    fn relative_root() {
        let t = TempTree::new("rel");
        let root = t.root();
        let dotted = root.join(".");
        let r = resolve(&dotted, b"/a.txt", b"", None).unwrap();
        assert!(r.exists);
        assert!(matches!(
            resolve(&dotted, b"/leak", b"", None),
            Err(ResolveError::Forbidden)
        ));
    }

    #[test]
    fn virtual_hosts() {
        let t = TempTree::new("vhost");
        let root = t.root();
        let vhost = t.0.join("vhost");
        let rw = format!(
            "@other.com=/nonexistent,@Example.COM={},@example.com=/x",
            vhost.display()
        );
        let rw = rw.as_bytes();
        let r = resolve(&root, b"/v.txt", rw, Some(b"example.com:8080")).unwrap();
        assert!(r.exists);
        assert_eq!(r.root, vhost);
        let r = resolve(&root, b"/v.txt", rw, Some(b"EXAMPLE.com")).unwrap();
        assert!(r.exists);
        let r = resolve(&root, b"/v.txt", rw, Some(b"example.org")).unwrap();
        assert!(!r.exists, "falls back to the document root");
        let r = resolve(&root, b"/a.txt", rw, None).unwrap();
        assert!(r.exists);
        let r = resolve(&root, b"/a.txt", b"@[::1]=/nonexistent", Some(b"[::1]:80")).unwrap();
        assert!(!r.exists);
        // The vhost directory is the new containment root.
        assert!(matches!(
            resolve(&root, b"/../root/a.txt", rw, Some(b"example.com")),
            Err(ResolveError::Forbidden)
        ));
    }

    #[test]
    fn prefix_rewrites() {
        let t = TempTree::new("rewrite");
        let root = t.root();
        let outside = t.0.join("outside");
        let rw = format!(
            "404=/err.html,/~joe/={}/,**.doc$={}/secret,/first={}/sub/index.html,/first=/x",
            outside.display(),
            outside.display(),
            root.display()
        );
        let rw = rw.as_bytes();
        let r = resolve(&root, b"/~joe/secret", rw, None).unwrap();
        assert!(r.exists);
        assert_eq!(r.root, PathBuf::from(format!("{}/", outside.display())));
        let r = resolve(&root, b"/any/thing.doc", rw, None).unwrap();
        assert!(r.exists, "the whole URI is consumed");
        assert_eq!(r.path, outside.join("secret"));
        let r = resolve(&root, b"/first", rw, None).unwrap();
        assert!(r.exists, "first match wins");
        let r = resolve(&root, b"/a.txt", rw, None).unwrap();
        assert!(r.exists && r.root == root);
        assert!(matches!(
            resolve(&root, b"/~joe/../root/a.txt", rw, None),
            Err(ResolveError::Forbidden)
        ));
        // A rewrite whose rest does not start with '/' is contained in the
        // target's directory.
        let rw2 = format!("/p={}/sub/ind", root.display());
        let r = resolve(&root, b"/pex.html", rw2.as_bytes(), None).unwrap();
        assert!(r.exists);
        assert_eq!(r.root, root.join("sub/"));
    }

    #[test]
    fn redirects() {
        let rw = b"/x=/y,404=/err.html,@h=/d, 500=/e500,403x=/forbidden,0=/zero,-1=/neg";
        assert_eq!(numeric_redirect(rw, 404), Some(&b"/err.html"[..]));
        assert_eq!(numeric_redirect(rw, 500), Some(&b"/e500"[..]));
        assert_eq!(numeric_redirect(rw, 403), Some(&b"/forbidden"[..]));
        assert_eq!(numeric_redirect(rw, 401), None);
        assert_eq!(numeric_redirect(rw, 0), None);
        assert_eq!(numeric_redirect(rw, -1), None);
        assert_eq!(numeric_redirect(b"", 404), None);
        assert_eq!(numeric_redirect(b"404", 404), None);
        assert_eq!(numeric_redirect(b"404=", 404), Some(&b""[..]));
        assert_eq!(numeric_redirect(b"99999999999999999999=/x", 404), None);
    }

    #[test]
    fn index_files() {
        let t = TempTree::new("index");
        let root = t.root();
        symlink(t.0.join("outside/secret"), root.join("sub/index.htm")).unwrap();
        let dir = resolve(&root, b"/sub/", b"", None).unwrap();
        let idx = find_index(&dir, b"index.htm,missing.html,index.html").unwrap();
        assert_eq!(
            idx.path,
            root.join("sub/index.html"),
            "the outside link is skipped"
        );
        assert!(find_index(&dir, b"../a.txt,nothing").is_none());
        let dir = resolve(&root, b"/sub", b"", None).unwrap();
        assert!(find_index(&dir, b"index.html").is_some());
        let file = resolve(&root, b"/a.txt", b"", None).unwrap();
        assert!(find_index(&file, b"index.html").is_none());
        let root_dir = resolve(&root, b"/", b"", None).unwrap();
        assert!(
            find_index(&root_dir, b"sub").is_none(),
            "directories are not index files"
        );
    }
}
