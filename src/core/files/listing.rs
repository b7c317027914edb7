//! Directory listings: reading the entries, sorting them as the query
//! string asks, and rendering the HTML page.
//!
//! The page keeps the 5.4 look (a three-column table with sortable
//! headers, `[DIRECTORY]`, sizes like `1.5k`) but, unlike 5.4, it is
//! complete HTML with closing tags, it has a parent `..` link, names are
//! HTML-escaped, and times are UTC. The caller sends it with a single
//! `Transfer-Encoding` (or a `Content-Length`).

use std::cmp::Ordering;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::hidden::is_hidden;
use crate::core::http::date::utc;
use crate::core::util::url::url_encode;

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The bare file name (no `/`), as raw bytes.
    pub name: Vec<u8>,
    pub is_dir: bool,
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
}

/// Seconds since the epoch of a file time (negative before 1970).
fn unix_secs(meta: &fs::Metadata) -> i64 {
    let Ok(time) = meta.modified() else {
        return 0;
    };
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Reads the directory at `path` (unsorted).
///
/// Left out: `.` and `..`, names ending in `.htpasswd` (any case), and
/// names that `hide` (a `hide_files_patterns` value) matches, either as the
/// bare name or as the full path `path/name` (see
/// [`is_hidden`](super::hidden::is_hidden)), so a listing never shows a
/// file that a direct request would refuse. Symbolic links are described
/// by their targets; a dangling link is listed as itself.
pub fn read_dir(path: &Path, hide: Option<&[u8]>) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let dir_bytes = path.as_os_str().as_bytes();
    for item in fs::read_dir(path)? {
        let item = item?;
        let file_name = item.file_name();
        let name = file_name.as_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let mut full = Vec::with_capacity(dir_bytes.len() + 1 + name.len());
        full.extend_from_slice(dir_bytes);
        if !full.ends_with(b"/") {
            full.push(b'/');
        }
        full.extend_from_slice(name);
        if is_hidden(&full, hide) {
            continue;
        }
        let item_path = item.path();
        let meta = match fs::metadata(&item_path) {
            Ok(meta) => meta,
            Err(_) => match fs::symlink_metadata(&item_path) {
                Ok(meta) => meta,
                Err(_) => continue, // removed meanwhile
            },
        };
        entries.push(Entry {
            name: name.to_vec(),
            is_dir: meta.is_dir(),
            size: meta.len(),
            mtime: unix_secs(&meta),
        });
    }
    Ok(entries)
}

/// True when the query string asks for descending order (its second
/// byte is `d`).
fn descending(query: Option<&[u8]>) -> bool {
    query.and_then(|q| q.get(1)) == Some(&b'd')
}

/// Sorts entries as the 5.4 listing does: directories always first, then
/// by the query string's first byte — `n` name (byte order), `s` size,
/// `d` modification time — ascending, or descending when the second byte
/// is `d`. No query (or an unknown key) sorts by name. Ties on size or time
/// are broken by name, so the order is fully defined.
pub fn sort(entries: &mut [Entry], query: Option<&[u8]>) {
    let key = query.and_then(|q| q.first()).copied().unwrap_or(b'n');
    let desc = descending(query);
    entries.sort_by(|a, b| {
        let dirs_first = b.is_dir.cmp(&a.is_dir);
        if dirs_first != Ordering::Equal {
            return dirs_first;
        }
        let primary = match key {
            b's' => a.size.cmp(&b.size),
            b'd' => a.mtime.cmp(&b.mtime),
            _ => Ordering::Equal,
        };
        let primary = if desc { primary.reverse() } else { primary };
        primary.then_with(|| {
            let by_name = a.name.cmp(&b.name);
            if desc && !matches!(key, b's' | b'd') {
                by_name.reverse()
            } else {
                by_name
            }
        })
    });
}

/// Appends `s` HTML-escaped (`& < > " '`); invalid UTF-8 becomes U+FFFD
/// so the page stays valid UTF-8.
fn push_html(out: &mut Vec<u8>, s: &[u8]) {
    for ch in String::from_utf8_lossy(s).chars() {
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&#39;"),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Appends `name` percent-encoded with `mg_url_encode` rules.
fn push_url_encoded(out: &mut Vec<u8>, name: &[u8]) {
    let mut buf = vec![0u8; name.len() * 3 + 1];
    let n = usize::try_from(url_encode(name, &mut buf)).unwrap_or(0);
    out.extend_from_slice(&buf[..n.min(buf.len())]);
}

/// The 5.4 size column: bytes below 1 KiB, then `%.1fk`, `%.1fM`, `%.1fG`
/// (one decimal, exact halves to even as printf does; integer arithmetic
/// keeps the float formatting code out of the binary).
pub fn format_size(size: u64) -> String {
    let (unit, suffix) = match size {
        0..0x400 => return size.to_string(),
        0x400..0x10_0000 => (1u128 << 10, 'k'),
        0x10_0000..0x4000_0000 => (1u128 << 20, 'M'),
        _ => (1u128 << 30, 'G'),
    };
    let scaled = u128::from(size) * 10;
    let (mut tenths, rest) = (scaled / unit, scaled % unit);
    if rest * 2 > unit || (rest * 2 == unit && tenths % 2 == 1) {
        tenths += 1;
    }
    // At most u64::MAX * 10 / 1024 + 1: formatting it as a u64 keeps the
    // u128 formatter out of the binary.
    let tenths = u64::try_from(tenths).unwrap_or(u64::MAX);
    format!("{}.{}{}", tenths / 10, tenths % 10, suffix)
}

/// The 5.4 time column, `%d-%b-%Y %H:%M`, in UTC.
pub fn format_mtime(mtime: i64) -> String {
    let t = utc(mtime);
    format!(
        "{:02}-{}-{:04} {:02}:{:02}",
        t.day,
        t.month_name(),
        t.year,
        t.hour,
        t.minute
    )
}

/// Renders the listing page for the directory at request `uri` (decoded,
/// ending with `/`), whose `entries` are already read and sorted.
///
/// The column headers link to `?n`, `?d` and `?s` followed by the
/// direction to switch to: `a` when the current query's second byte is
/// `d`, else `d` (5.4's toggle). Entry links are relative and
/// percent-encoded; directories get a trailing `/`. A `..` link to the
/// parent comes first unless `uri` is `/`.
pub fn render(uri: &[u8], query: Option<&[u8]>, entries: &[Entry]) -> Vec<u8> {
    let toggle = if descending(query) { "a" } else { "d" };
    let mut out = Vec::with_capacity(512 + entries.len() * 160);
    out.extend_from_slice(b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ");
    push_html(&mut out, uri);
    out.extend_from_slice(
        b"</title><style>th {text-align: left;} td, th {padding: 0 1em 0 0;} \
          td {font-family: monospace;}</style></head>\n<body><h1>Index of ",
    );
    push_html(&mut out, uri);
    out.extend_from_slice(
        format!(
            "</h1>\n<table>\n<tr><th><a href=\"?n{toggle}\">Name</a></th>\
             <th><a href=\"?d{toggle}\">Modified</a></th>\
             <th><a href=\"?s{toggle}\">Size</a></th></tr>\n\
             <tr><td colspan=\"3\"><hr></td></tr>\n"
        )
        .as_bytes(),
    );
    if uri != b"/" {
        out.extend_from_slice(
            b"<tr><td><a href=\"../\">../</a></td><td>&nbsp;-</td>\
              <td>&nbsp;&nbsp;[DIRECTORY]</td></tr>\n",
        );
    }
    for entry in entries {
        let slash: &[u8] = if entry.is_dir { b"/" } else { b"" };
        out.extend_from_slice(b"<tr><td><a href=\"");
        push_url_encoded(&mut out, &entry.name);
        out.extend_from_slice(slash);
        out.extend_from_slice(b"\">");
        push_html(&mut out, &entry.name);
        out.extend_from_slice(slash);
        out.extend_from_slice(b"</a></td><td>&nbsp;");
        out.extend_from_slice(format_mtime(entry.mtime).as_bytes());
        out.extend_from_slice(b"</td><td>&nbsp;&nbsp;");
        if entry.is_dir {
            out.extend_from_slice(b"[DIRECTORY]");
        } else {
            out.extend_from_slice(format_size(entry.size).as_bytes());
        }
        out.extend_from_slice(b"</td></tr>\n");
    }
    out.extend_from_slice(b"</table>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, is_dir: bool, size: u64, mtime: i64) -> Entry {
        Entry {
            name: name.as_bytes().to_vec(),
            is_dir,
            size,
            mtime,
        }
    }

    fn names(entries: &[Entry]) -> Vec<&str> {
        entries
            .iter()
            .map(|e| std::str::from_utf8(&e.name).unwrap())
            .collect()
    }

    fn sample() -> Vec<Entry> {
        vec![
            entry("b.txt", false, 300, 20),
            entry("zdir", true, 4096, 5),
            entry("a.txt", false, 10, 30),
            entry("B.txt", false, 300, 10),
            entry("adir", true, 4096, 50),
        ]
    }

    #[test]
    fn sorting() {
        let mut e = sample();
        sort(&mut e, None);
        assert_eq!(names(&e), ["adir", "zdir", "B.txt", "a.txt", "b.txt"]);
        sort(&mut e, Some(b"nd"));
        assert_eq!(names(&e), ["zdir", "adir", "b.txt", "a.txt", "B.txt"]);
        sort(&mut e, Some(b"sa"));
        assert_eq!(names(&e), ["adir", "zdir", "a.txt", "B.txt", "b.txt"]);
        sort(&mut e, Some(b"sd"));
        assert_eq!(names(&e), ["adir", "zdir", "B.txt", "b.txt", "a.txt"]);
        sort(&mut e, Some(b"d"));
        assert_eq!(names(&e), ["zdir", "adir", "B.txt", "b.txt", "a.txt"]);
        sort(&mut e, Some(b"dd"));
        assert_eq!(names(&e), ["adir", "zdir", "a.txt", "b.txt", "B.txt"]);
        sort(&mut e, Some(b"?x"));
        assert_eq!(names(&e), ["adir", "zdir", "B.txt", "a.txt", "b.txt"]);
        sort(&mut e, Some(b""));
        assert_eq!(names(&e), ["adir", "zdir", "B.txt", "a.txt", "b.txt"]);
    }

    #[test]
    fn sizes_and_times() {
        assert_eq!(format_size(0), "0");
        assert_eq!(format_size(1023), "1023");
        assert_eq!(format_size(1024), "1.0k");
        assert_eq!(format_size(1536), "1.5k");
        // Exact halves go to the even digit, like printf's %.1f.
        assert_eq!(format_size(1280), "1.2k");
        assert_eq!(format_size(3328), "3.2k");
        assert_eq!(format_size(1024 + 1024 * 3 / 20 + 1), "1.2k");
        assert_eq!(format_size(7 << 20 | 3 << 18), "7.8M");
        assert_eq!(format_size((1 << 20) - 1), "1024.0k");
        assert_eq!(format_size(1 << 20), "1.0M");
        assert_eq!(format_size(5 * (1 << 20) + (1 << 19)), "5.5M");
        assert_eq!(format_size(3 << 30), "3.0G");
        assert_eq!(format_size(u64::MAX), "17179869184.0G");
        assert_eq!(format_mtime(784_111_777), "06-Nov-1994 08:49");
        assert_eq!(format_mtime(0), "01-Jan-1970 00:00");
    }

    #[test]
    fn page_structure() {
        let mut e = sample();
        sort(&mut e, None);
        let page = String::from_utf8(render(b"/docs/", None, &e)).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>\n<html>"));
        assert!(page.ends_with("</table>\n</body></html>\n"));
        assert!(page.contains("<title>Index of /docs/</title>"));
        assert!(page.contains("<h1>Index of /docs/</h1>"));
        assert!(page.contains("href=\"?nd\""));
        assert!(page.contains("href=\"?dd\""));
        assert!(page.contains("href=\"?sd\""));
        assert!(page.contains("<a href=\"../\">../</a>"));
        assert!(page.contains(
            "<tr><td><a href=\"adir/\">adir/</a></td><td>&nbsp;01-Jan-1970 00:00</td>\
             <td>&nbsp;&nbsp;[DIRECTORY]</td></tr>\n"
        ));
        assert!(page.contains(
            "<tr><td><a href=\"a.txt\">a.txt</a></td><td>&nbsp;01-Jan-1970 00:00</td>\
             <td>&nbsp;&nbsp;10</td></tr>\n"
        ));
        assert_eq!(page.matches("<tr>").count(), page.matches("</tr>").count());
        // Directories come before files, the parent link before both.
        let parent = page.find("../").unwrap();
        let zdir = page.find("zdir/").unwrap();
        let btxt = page.find("B.txt").unwrap();
        assert!(parent < zdir && zdir < btxt);
    }

    #[test]
    fn toggles_direction() {
        let page = String::from_utf8(render(b"/", Some(b"nd"), &[])).unwrap();
        assert!(page.contains("href=\"?na\"") && page.contains("href=\"?sa\""));
        assert!(!page.contains("../"), "no parent link at the root");
        let page = String::from_utf8(render(b"/", Some(b"sa"), &[])).unwrap();
        assert!(page.contains("href=\"?sd\""));
    }

    #[test]
    fn names_are_escaped() {
        let e = [
            entry("<script>alert(1)</script>.html", false, 1, 0),
            entry("a\"b' c&d", true, 0, 0),
            entry("javascript:alert(1)", false, 1, 0),
        ];
        let raw_bad = Entry {
            name: b"bad\xff\xfe.txt".to_vec(),
            is_dir: false,
            size: 1,
            mtime: 0,
        };
        let mut all = e.to_vec();
        all.push(raw_bad);
        let out = render(b"/x<y>/", None, &all);
        let page = String::from_utf8(out).expect("valid UTF-8 even for raw names");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.html"));
        assert!(page.contains("href=\"%3cscript%3ealert(1)%3c%2fscript%3e.html\""));
        assert!(page.contains(">a&quot;b&#39; c&amp;d/</a>"));
        assert!(page.contains("href=\"a%22b%27%20c%26d/\""));
        assert!(page.contains("href=\"javascript%3aalert(1)\""));
        assert!(page.contains("href=\"bad%ff%fe.txt\""));
        assert!(page.contains(">bad\u{fffd}\u{fffd}.txt</a>"));
        assert!(page.contains("<title>Index of /x&lt;y&gt;/</title>"));
    }

    #[test]
    fn reads_directories() {
        let dir = std::env::temp_dir().join(format!("mg-listing-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("a.txt"), b"hello").unwrap();
        fs::write(dir.join(".htpasswd"), b"x").unwrap();
        fs::write(dir.join("Old.HTPASSWD"), b"x").unwrap();
        fs::write(dir.join("secret.txt"), b"x").unwrap();
        fs::write(dir.join(".hidden"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("dangling")).unwrap();
        std::os::unix::fs::symlink(dir.join("sub"), dir.join("linkdir")).unwrap();

        let mut e = read_dir(&dir, Some(b"secret.txt")).unwrap();
        sort(&mut e, None);
        assert_eq!(
            names(&e),
            ["linkdir", "sub", ".hidden", "a.txt", "dangling"]
        );
        let a = e.iter().find(|x| x.name == b"a.txt").unwrap();
        assert_eq!(a.size, 5);
        assert!(!a.is_dir);
        assert!(a.mtime > 1_000_000_000);

        let e = read_dir(&dir, Some(b"**.txt$|.*")).unwrap();
        assert_eq!(e.len(), 3, "{:?}", names(&e));
        let full = format!("{}/sub", dir.display());
        let e = read_dir(&dir, Some(full.as_bytes())).unwrap();
        assert!(
            !e.iter().any(|x| x.name == b"sub"),
            "full-path patterns too"
        );

        assert!(read_dir(&dir.join("a.txt"), None).is_err());
        assert!(read_dir(&dir.join("missing"), None).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
