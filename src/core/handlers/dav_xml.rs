//! The XML of WebDAV request bodies (PROPFIND, PROPPATCH, LOCK), read with
//! `quick-xml` into a small element tree with resolved namespaces, and the
//! escaping of what the replies write.
//!
//! Document type declarations are refused (no entity can be defined, so
//! none can expand: no "billion laughs"), nesting is limited to
//! [`MAX_DEPTH`] and the body's size by `max_request_body_size`. Malformed
//! XML is an error the caller answers with 400.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::ops::Range;

/// Deepest element nesting accepted in a request body.
pub(crate) const MAX_DEPTH: usize = 64;

/// Most elements accepted in a request body.
pub(crate) const MAX_ELEMENTS: usize = 100_000;

/// An element: its namespace URI (empty when none), local name, children
/// and the byte range of its content (between its tags) in the body.
#[derive(Debug, Clone)]
pub struct Element {
    pub ns: Vec<u8>,
    pub name: Vec<u8>,
    pub children: Vec<Element>,
    pub inner: Range<usize>,
    /// Namespace declarations (prefix, URI) in scope at the element, for
    /// values kept as raw XML.
    pub scope: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Element {
    /// True for the element `DAV:name`.
    pub fn is(&self, name: &str) -> bool {
        self.ns == b"DAV:" && self.name == name.as_bytes()
    }

    /// The first child `DAV:name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(name))
    }
}

/// Parses `body` into its root element. `None` for malformed XML, a
/// document type declaration, or a body beyond the limits.
pub fn parse(body: &[u8]) -> Option<Element> {
    let mut reader = NsReader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let (resolved, event) = reader.read_resolved_event().ok()?;
        let ns = match resolved {
            ResolveResult::Bound(ns) => ns.0.to_vec(),
            ResolveResult::Unbound => Vec::new(),
            ResolveResult::Unknown(_) => return None,
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS || root.is_some() {
                    return None;
                }
                let mut scope = stack.last().map(|p| p.scope.clone()).unwrap_or_default();
                for attr in e.attributes() {
                    let attr = attr.ok()?;
                    let key = attr.key.as_ref();
                    if key == b"xmlns" {
                        scope.push((Vec::new(), attr.value.to_vec()));
                    } else if let Some(prefix) = key.strip_prefix(b"xmlns:") {
                        scope.push((prefix.to_vec(), attr.value.to_vec()));
                    }
                }
                let after = reader.buffer_position() as usize;
                let el = Element {
                    ns,
                    name: e.local_name().as_ref().to_vec(),
                    children: Vec::new(),
                    inner: after..after,
                    scope,
                };
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let mut el = stack.pop()?;
                el.inner.end = before;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::DocType(_) => return None,
            Event::Text(ref t) if stack.is_empty() && !t.iter().all(u8::is_ascii_whitespace) => {
                return None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// `s` escaped for XML text and attribute values.
pub fn escape(s: &[u8]) -> String {
    let text = String::from_utf8_lossy(s);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Raw XML content (a dead property's value, a lock's owner) made to
/// stand alone: the namespace declarations it uses from outside are
/// repeated on its elements' parent, which the caller writes. Returns the
/// declarations as attribute text (` xmlns:p="uri"`...).
pub fn scope_attributes(scope: &[(Vec<u8>, Vec<u8>)]) -> String {
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut out = String::new();
    for (prefix, uri) in scope.iter().rev() {
        if seen.contains(&prefix.as_slice()) {
            continue;
        }
        seen.push(prefix);
        if prefix.is_empty() {
            continue; // the default namespace is set by the parent itself
        }
        out.push_str(&format!(" xmlns:{}=\"{}\"", escape(prefix), escape(uri)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_namespaces_and_content_ranges() {
        let body = br#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:x="urn:x"><D:prop><x:a>v<b/></x:a><D:getetag/></D:prop></D:propfind>"#;
        let root = parse(body).unwrap();
        assert!(root.is("propfind"));
        let prop = root.child("prop").unwrap();
        assert_eq!(prop.children.len(), 2);
        assert_eq!(prop.children[0].ns, b"urn:x");
        assert_eq!(prop.children[0].name, b"a");
        assert_eq!(&body[prop.children[0].inner.clone()], b"v<b/>");
        assert!(prop.children[1].is("getetag"));
    }

    #[test]
    fn refuses_malformed_deep_or_entity_bodies() {
        assert!(parse(b"<a><b></a>").is_none());
        assert!(parse(b"<a>").is_none());
        assert!(parse(b"").is_none());
        assert!(parse(b"<x:a/>").is_none()); // unbound prefix
        assert!(parse(b"<a/><b/>").is_none());
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;">]><a>&l2;</a>"#;
        assert!(parse(laughs).is_none());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_none());
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_some());
    }

    #[test]
    fn escapes() {
        assert_eq!(escape(b"a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
