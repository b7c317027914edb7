//! MIME types by file-name suffix: the built-in Mongoose 5.4 table
//! (`mg_get_mime_type`) and the `extra_mime_types` option.
//!
//! The table's types are NUL-terminated statics so the C API can hand out
//! pointers to them.

use std::ffi::CStr;

/// The 5.4 table, searched in order; the first matching suffix wins.
const BUILTIN: &[(&[u8], &CStr)] = &[
    (b".html", c"text/html"),
    (b".htm", c"text/html"),
    (b".shtm", c"text/html"),
    (b".shtml", c"text/html"),
    (b".css", c"text/css"),
    (b".js", c"application/x-javascript"),
    (b".ico", c"image/x-icon"),
    (b".gif", c"image/gif"),
    (b".jpg", c"image/jpeg"),
    (b".jpeg", c"image/jpeg"),
    (b".png", c"image/png"),
    (b".svg", c"image/svg+xml"),
    (b".txt", c"text/plain"),
    (b".torrent", c"application/x-bittorrent"),
    (b".wav", c"audio/x-wav"),
    (b".mp3", c"audio/x-mp3"),
    (b".mid", c"audio/mid"),
    (b".m3u", c"audio/x-mpegurl"),
    (b".ogg", c"application/ogg"),
    (b".ram", c"audio/x-pn-realaudio"),
    (b".xml", c"text/xml"),
    (b".json", c"application/json"),
    (b".xslt", c"application/xml"),
    (b".xsl", c"application/xml"),
    (b".ra", c"audio/x-pn-realaudio"),
    (b".doc", c"application/msword"),
    (b".exe", c"application/octet-stream"),
    (b".zip", c"application/x-zip-compressed"),
    (b".xls", c"application/excel"),
    (b".tgz", c"application/x-tar-gz"),
    (b".tar", c"application/x-tar"),
    (b".gz", c"application/x-gunzip"),
    (b".arj", c"application/x-arj-compressed"),
    (b".rar", c"application/x-rar-compressed"),
    (b".rtf", c"application/rtf"),
    (b".pdf", c"application/pdf"),
    (b".swf", c"application/x-shockwave-flash"),
    (b".mpg", c"video/mpeg"),
    (b".webm", c"video/webm"),
    (b".mpeg", c"video/mpeg"),
    (b".mov", c"video/quicktime"),
    (b".mp4", c"video/mp4"),
    (b".m4v", c"video/x-m4v"),
    (b".asf", c"video/x-ms-asf"),
    (b".avi", c"video/x-msvideo"),
    (b".bmp", c"image/bmp"),
    (b".ttf", c"application/x-font-ttf"),
];

/// True when `name` ends with `suffix`, ignoring ASCII case.
fn ends_with_ignore_case(name: &[u8], suffix: &[u8]) -> bool {
    name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// The built-in type for `name` as a NUL-terminated C string.
///
/// The suffix match ignores ASCII case, and `name` must be strictly longer
/// than the extension (`.txt` alone matches nothing).
pub fn builtin_mime_type_cstr(name: &[u8]) -> Option<&'static CStr> {
    BUILTIN
        .iter()
        .find(|(ext, _)| name.len() > ext.len() && ends_with_ignore_case(name, ext))
        .map(|&(_, mime)| mime)
}

/// The built-in type for `name` (see [`builtin_mime_type_cstr`]).
pub fn builtin_mime_type(name: &[u8]) -> Option<&'static str> {
    builtin_mime_type_cstr(name).and_then(|mime| mime.to_str().ok())
}

/// Looks `path` up in an `extra_mime_types` option value
/// (`ext=type,ext=type,...`) and returns the type of the first entry whose
/// `ext` is a suffix of `path`, ignoring ASCII case.
///
/// The compare is a plain suffix test, so `txt=foo/bar` matches `a.txt`
/// as well as `.txt=foo/bar` does, and a path equal to `ext` matches. An
/// `ext` longer than `path` never matches. Entries without `=` or with an
/// empty `ext` are skipped.
pub fn extra_mime_type<'a>(extra_option: &'a [u8], path: &[u8]) -> Option<&'a [u8]> {
    extra_option
        .split(|&b| b == b',')
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            Some((&entry[..eq], &entry[eq + 1..]))
        })
        .find(|(ext, _)| !ext.is_empty() && ends_with_ignore_case(path, ext))
        .map(|(_, mime)| mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors() {
        assert_eq!(builtin_mime_type(b"x.PNG"), Some("image/png"));
        assert_eq!(builtin_mime_type(b"x.unknown"), None);
    }

    #[test]
    fn builtin_rules() {
        assert_eq!(builtin_mime_type(b".txt"), None, "name must be longer");
        assert_eq!(builtin_mime_type(b"a.txt"), Some("text/plain"));
        assert_eq!(builtin_mime_type(b"/dir/Index.HTML"), Some("text/html"));
        assert_eq!(builtin_mime_type(b"a.shtml"), Some("text/html"));
        assert_eq!(builtin_mime_type(b"a.xslt"), Some("application/xml"));
        assert_eq!(builtin_mime_type(b"song.ra"), Some("audio/x-pn-realaudio"));
        assert_eq!(builtin_mime_type(b"a.tar.gz"), Some("application/x-gunzip"));
        assert_eq!(builtin_mime_type(b"a.js"), Some("application/x-javascript"));
        assert_eq!(builtin_mime_type(b"a.json"), Some("application/json"));
        assert_eq!(
            builtin_mime_type(b"a.rar"),
            Some("application/x-rar-compressed")
        );
        assert_eq!(builtin_mime_type(b"html"), None);
        assert_eq!(builtin_mime_type(b""), None);
        assert_eq!(
            builtin_mime_type_cstr(b"a.css").map(CStr::to_bytes_with_nul),
            Some(&b"text/css\0"[..])
        );
    }

    #[test]
    fn table_is_well_formed() {
        assert_eq!(BUILTIN.len(), 47);
        for (ext, mime) in BUILTIN {
            assert!(ext.starts_with(b"."));
            assert!(mime.to_str().is_ok());
            let name = [&b"f"[..], ext].concat();
            assert!(builtin_mime_type(&name).is_some());
        }
    }

    #[test]
    fn extra_types() {
        let opt = b".foo=a/b,txt=x/y,.HTM=text/weird,noeq,=empty/ext,.bar=";
        assert_eq!(extra_mime_type(opt, b"/x.foo"), Some(&b"a/b"[..]));
        assert_eq!(extra_mime_type(opt, b"a.TXT"), Some(&b"x/y"[..]));
        assert_eq!(extra_mime_type(opt, b"txt"), Some(&b"x/y"[..]));
        assert_eq!(extra_mime_type(opt, b"a.htm"), Some(&b"text/weird"[..]));
        assert_eq!(extra_mime_type(opt, b"a.bar"), Some(&b""[..]));
        assert_eq!(extra_mime_type(opt, b"a.html"), None);
        assert_eq!(extra_mime_type(opt, b"noeq"), None);
        assert_eq!(extra_mime_type(opt, b"xt"), None, "ext longer than path");
        assert_eq!(extra_mime_type(opt, b""), None);
        assert_eq!(extra_mime_type(b"", b"a.txt"), None);
        assert_eq!(extra_mime_type(b".a=1,.a=2", b"x.a"), Some(&b"1"[..]));
    }
}
