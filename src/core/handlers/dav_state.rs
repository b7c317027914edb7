//! What the WebDAV handler remembers between requests, per server and in
//! memory (lost when the server stops): write locks (RFC 4918 class 2)
//! and dead properties (PROPPATCH), both keyed by the resource's file
//! path; and the `If:` header.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Longest lock timeout granted (a week); `Infinite` gets this too.
pub(crate) const MAX_LOCK_TIMEOUT_SECS: i64 = 7 * 24 * 3600;
/// Timeout of a lock that asks for none.
pub(crate) const DEFAULT_LOCK_TIMEOUT_SECS: i64 = 3600;
/// Most locks at once (beyond: 503 for new locks).
pub(crate) const MAX_LOCKS: usize = 10_000;
/// Bytes of dead properties (names and values) kept at most (beyond:
/// 507 Insufficient Storage).
pub(crate) const MAX_PROPERTY_BYTES: usize = 16 << 20;

/// A write lock.
#[derive(Debug, Clone)]
pub struct Lock {
    pub token: String,
    /// The locked resource (normalized file path).
    pub path: PathBuf,
    /// Its URI, for `lockroot`.
    pub href: String,
    pub exclusive: bool,
    pub infinite: bool,
    /// The `owner` element's content, raw XML, and the namespace
    /// declarations it needs.
    pub owner: String,
    pub timeout: i64,
    pub expires: i64,
}

impl Lock {
    /// True when the lock covers `path`.
    pub fn covers(&self, path: &Path) -> bool {
        self.path == path || (self.infinite && path.starts_with(&self.path))
    }
}

/// A dead property: namespace URI, local name, raw XML value (with the
/// namespace declarations it needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadProp {
    pub ns: Vec<u8>,
    pub name: Vec<u8>,
    pub value: String,
    pub decls: String,
}

impl DeadProp {
    fn size(&self) -> usize {
        self.ns.len() + self.name.len() + self.value.len() + self.decls.len()
    }
}

/// A server's locks and dead properties.
#[derive(Default)]
pub struct DavState {
    locks: Vec<Lock>,
    props: BTreeMap<PathBuf, Vec<DeadProp>>,
    prop_bytes: usize,
    serial: u64,
}

/// The normal form of a path used as a key: no trailing slash, no `.`.
pub fn key(path: &Path) -> PathBuf {
    path.components().collect()
}

impl DavState {
    fn expire(&mut self, now: i64) {
        self.locks.retain(|l| l.expires > now);
    }

    /// The live locks that cover `path`.
    pub fn locks_covering(&mut self, path: &Path, now: i64) -> Vec<Lock> {
        self.expire(now);
        self.locks
            .iter()
            .filter(|l| l.covers(path))
            .cloned()
            .collect()
    }

    /// The live locks on `path` or anywhere below it.
    pub fn locks_below(&mut self, path: &Path, now: i64) -> Vec<Lock> {
        self.expire(now);
        self.locks
            .iter()
            .filter(|l| l.path.starts_with(path))
            .cloned()
            .collect()
    }

    /// Whether a new lock would conflict with the live ones.
    pub fn conflicts(&mut self, path: &Path, exclusive: bool, infinite: bool, now: i64) -> bool {
        self.expire(now);
        self.locks.iter().any(|l| {
            (l.covers(path) || (infinite && l.path.starts_with(path))) && (exclusive || l.exclusive)
        })
    }

    /// Adds a lock (None when there are too many).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        path: PathBuf,
        href: String,
        exclusive: bool,
        infinite: bool,
        owner: String,
        timeout: i64,
        now: i64,
        random: u64,
    ) -> Option<Lock> {
        self.expire(now);
        if self.locks.len() >= MAX_LOCKS {
            return None;
        }
        self.serial += 1;
        let a = random ^ self.serial.rotate_left(17);
        let b = (now as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.serial;
        let token = format!(
            "opaquelocktoken:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        );
        let lock = Lock {
            token,
            path,
            href,
            exclusive,
            infinite,
            owner,
            timeout,
            expires: now + timeout,
        };
        self.locks.push(lock.clone());
        Some(lock)
    }

    /// Renews the lock `token` (it must cover `path`).
    pub fn refresh(&mut self, path: &Path, token: &str, timeout: i64, now: i64) -> Option<Lock> {
        self.expire(now);
        let l = self
            .locks
            .iter_mut()
            .find(|l| l.token == token && l.covers(path))?;
        l.timeout = timeout;
        l.expires = now + timeout;
        Some(l.clone())
    }

    /// Removes the lock `token` if it covers `path`.
    pub fn unlock(&mut self, path: &Path, token: &str, now: i64) -> bool {
        self.expire(now);
        let before = self.locks.len();
        self.locks.retain(|l| !(l.token == token && l.covers(path)));
        self.locks.len() != before
    }

    /// Forgets the locks and properties of `path` and everything below it
    /// (DELETE, the source of a MOVE, an overwritten destination).
    pub fn forget(&mut self, path: &Path, locks_too: bool) {
        if locks_too {
            self.locks.retain(|l| !l.path.starts_with(path));
        }
        let gone: Vec<PathBuf> = self
            .props
            .range(path.to_path_buf()..)
            .take_while(|(k, _)| k.starts_with(path))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(v) = self.props.remove(&k) {
                self.prop_bytes -= v.iter().map(DeadProp::size).sum::<usize>();
            }
        }
    }

    /// Copies the properties of `from` and everything below it to `to`
    /// (COPY, MOVE). False when over [`MAX_PROPERTY_BYTES`].
    pub fn copy_props(&mut self, from: &Path, to: &Path, depth_zero: bool) -> bool {
        let copies: Vec<(PathBuf, Vec<DeadProp>)> = self
            .props
            .range(from.to_path_buf()..)
            .take_while(|(k, _)| k.starts_with(from))
            .filter(|(k, _)| !depth_zero || k.as_path() == from)
            .filter_map(|(k, v)| Some((to.join(k.strip_prefix(from).ok()?), v.clone())))
            .collect();
        for (k, v) in copies {
            let size: usize = v.iter().map(DeadProp::size).sum();
            if self.prop_bytes + size > MAX_PROPERTY_BYTES {
                return false;
            }
            self.prop_bytes += size;
            let k = key(&k);
            if let Some(old) = self.props.insert(k, v) {
                self.prop_bytes -= old.iter().map(DeadProp::size).sum::<usize>();
            }
        }
        true
    }

    /// The dead properties of `path`.
    pub fn props(&self, path: &Path) -> &[DeadProp] {
        self.props.get(path).map_or(&[], Vec::as_slice)
    }

    /// Applies a PROPPATCH: each `(Some(prop))` sets, `(None, ns, name)`
    /// removes, all or nothing. False when over the size limit.
    pub fn patch(&mut self, path: &Path, ops: &[(bool, DeadProp)]) -> bool {
        let mut list = self.props.get(path).cloned().unwrap_or_default();
        for (set, p) in ops {
            list.retain(|q| !(q.ns == p.ns && q.name == p.name));
            if *set {
                list.push(p.clone());
            }
        }
        let old: usize = self.props(path).iter().map(DeadProp::size).sum();
        let new: usize = list.iter().map(DeadProp::size).sum();
        if self.prop_bytes - old + new > MAX_PROPERTY_BYTES {
            return false;
        }
        self.prop_bytes = self.prop_bytes - old + new;
        if list.is_empty() {
            self.props.remove(path);
        } else {
            self.props.insert(path.to_path_buf(), list);
        }
        true
    }
}

/// One condition of an `If:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Token(String),
    ETag(String),
}

/// A list of conditions, all of which must hold; `bool` is `Not`.
pub type List = Vec<(bool, Condition)>;

/// The `If:` header: lists, each with the resource tag it applies to
/// (None: the request URI).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IfHeader {
    pub lists: Vec<(Option<String>, List)>,
}

impl IfHeader {
    /// Parses RFC 4918 10.4's grammar. `None` when malformed (400).
    pub fn parse(h: &[u8]) -> Option<IfHeader> {
        let s = std::str::from_utf8(h).ok()?;
        let mut out = IfHeader::default();
        let mut rest = s.trim_start();
        let mut tag: Option<String> = None;
        let mut tagged = None;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('<') {
                let end = r.find('>')?;
                tag = Some(r[..end].to_string());
                if tagged == Some(false) {
                    return None;
                }
                tagged = Some(true);
                rest = r[end + 1..].trim_start();
                continue;
            }
            let r = rest.strip_prefix('(')?;
            if tagged.is_none() {
                tagged = Some(false);
            }
            let end = r.find(')')?;
            let mut body = r[..end].trim();
            rest = r[end + 1..].trim_start();
            let mut list = Vec::new();
            while !body.is_empty() {
                let mut not = false;
                if body.len() >= 3 && body[..3].eq_ignore_ascii_case("not") {
                    not = true;
                    body = body[3..].trim_start();
                }
                if let Some(b) = body.strip_prefix('<') {
                    let e = b.find('>')?;
                    list.push((not, Condition::Token(b[..e].to_string())));
                    body = b[e + 1..].trim_start();
                } else if let Some(b) = body.strip_prefix('[') {
                    let e = b.find(']')?;
                    list.push((not, Condition::ETag(b[..e].trim().to_string())));
                    body = b[e + 1..].trim_start();
                } else {
                    return None;
                }
            }
            if list.is_empty() {
                return None;
            }
            out.lists.push((tag.clone(), list));
        }
        if out.lists.is_empty() {
            return None;
        }
        Some(out)
    }

    /// The lock tokens the header submits (those not under `Not`).
    pub fn tokens(&self) -> Vec<&str> {
        self.lists
            .iter()
            .flat_map(|(_, l)| l.iter())
            .filter_map(|(not, c)| match c {
                Condition::Token(t) if !not => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_if_headers() {
        let h = IfHeader::parse(b"(<opaquelocktoken:a> [\"e1\"]) (Not <DAV:no-lock>)").unwrap();
        assert_eq!(h.lists.len(), 2);
        assert_eq!(h.tokens(), vec!["opaquelocktoken:a"]);
        assert_eq!(
            h.lists[1].1,
            vec![(true, Condition::Token("DAV:no-lock".into()))]
        );
        let h = IfHeader::parse(b"<http://h/a> (<t1>) <http://h/b> ([\"x\"])").unwrap();
        assert_eq!(h.lists[0].0.as_deref(), Some("http://h/a"));
        assert_eq!(h.lists[1].0.as_deref(), Some("http://h/b"));
        assert!(IfHeader::parse(b"").is_none());
        assert!(IfHeader::parse(b"(<a>").is_none());
        assert!(IfHeader::parse(b"()").is_none());
        assert!(IfHeader::parse(b"(<a>) <http://x> (<b>)").is_none());
        assert!(IfHeader::parse(b"(foo)").is_none());
    }

    #[test]
    fn locks_cover_and_conflict() {
        let mut s = DavState::default();
        let a = PathBuf::from("/r/a");
        let l = s
            .add(
                a.clone(),
                "/a".into(),
                true,
                true,
                String::new(),
                10,
                100,
                7,
            )
            .unwrap();
        assert!(l.token.starts_with("opaquelocktoken:"));
        assert_eq!(s.locks_covering(Path::new("/r/a/b"), 100).len(), 1);
        assert_eq!(s.locks_covering(Path::new("/r/ab"), 100).len(), 0);
        assert!(s.conflicts(Path::new("/r/a/b"), false, false, 100));
        assert!(s.conflicts(Path::new("/r"), true, true, 100));
        assert!(!s.conflicts(Path::new("/r"), true, false, 100));
        assert_eq!(s.locks_covering(&a, 111).len(), 0, "expired");
        let l2 = s
            .add(
                a.clone(),
                "/a".into(),
                false,
                false,
                String::new(),
                10,
                200,
                7,
            )
            .unwrap();
        assert_ne!(l.token, l2.token);
        assert!(!s.conflicts(&a, false, false, 200));
        assert!(s.conflicts(&a, true, false, 200));
        assert!(s.unlock(&a, &l2.token, 200));
        assert!(!s.unlock(&a, &l2.token, 200));
    }

    #[test]
    fn dead_properties_patch_copy_forget() {
        let mut s = DavState::default();
        let p = |n: &str, v: &str| DeadProp {
            ns: b"urn:x".to_vec(),
            name: n.as_bytes().to_vec(),
            value: v.into(),
            decls: String::new(),
        };
        let a = PathBuf::from("/r/a");
        assert!(s.patch(&a, &[(true, p("x", "1")), (true, p("y", "2"))]));
        assert!(s.patch(&a, &[(false, p("x", "")), (true, p("y", "3"))]));
        assert_eq!(s.props(&a), &[p("y", "3")]);
        assert!(s.patch(&PathBuf::from("/r/a/c"), &[(true, p("z", "4"))]));
        assert!(s.copy_props(&a, Path::new("/r/b"), false));
        assert_eq!(s.props(Path::new("/r/b/c")), &[p("z", "4")]);
        s.forget(&a, true);
        assert!(s.props(&a).is_empty());
        assert!(s.props(Path::new("/r/a/c")).is_empty());
        assert_eq!(s.props(Path::new("/r/b")), &[p("y", "3")]);
        let big = "v".repeat(MAX_PROPERTY_BYTES);
        assert!(!s.patch(&a, &[(true, p("big", &big))]));
    }
}
