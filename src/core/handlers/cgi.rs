//! CGI/1.1 (RFC 3875) as Mongoose 5.4 ran it, without blocking the loop.
//!
//! A file that `cgi_pattern` matches is run with the environment 5.4 built
//! (plus `SERVER_PORT`, `AUTH_TYPE`/`REMOTE_USER`), in its own directory,
//! by `cgi_interpreter`, or else itself (the kernel reads its `#!` line),
//! or else the program its `#!` line names when it is not executable. The
//! child's stdin and stdout are non-blocking pipes watched by the server's
//! `select()` (a [`Companion`] of the client's connection): the request
//! body flows to stdin as it arrives (`http_session::stream_body`), the
//! output to the client while its output queue has room, so neither is
//! ever held whole. stderr is the server's.
//!
//! The output's header block is checked (`Status:`, `Location:` → 302,
//! the other headers passed through; a missing or malformed block is a
//! 500, not 5.4's empty 200); without a `Content-Length` the body is
//! chunked for HTTP/1.1 clients and delimited by the close for HTTP/1.0.
//! The child is the leader of its own process group: when the request ends
//! early (the client left, it timed out, the server is destroyed) the
//! group is sent SIGTERM, then SIGKILL, and the child is reaped
//! (`net::companion`).

use crate::core::connection::{ConnPtr, Connection};
use crate::core::dialect::Dialect;
use crate::core::http::request::BodyFraming;
use crate::core::http::status::{has_no_body, reason};
use crate::core::http::{push_date_header, push_decimal};
use crate::core::net::companion::{Companion, Watch};
use crate::core::options::Opt;
use crate::core::protocol::http_session;
use crate::core::server::Server;
use crate::core::sys::{self, FD_SETSIZE};
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Most bytes of the script's header block (5.4: 16 KB).
const MAX_HEAD: usize = 16 * 1024;
/// The script's output is read while less than this waits for the client.
const OUTPUT_WINDOW: usize = 64 * 1024;
/// One read from the script.
const READ_CHUNK: usize = 16 * 1024;

/// Children running for requests, in the whole process (`max_cgi_processes`).
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Runs `script` for the current request.
pub fn serve<D: Dialect>(srv: &Server<D>, c: ConnPtr<D>, script: &Path) {
    let (interpreter, root, cap, timeout) = {
        let o = srv.options.borrow();
        (
            o.get_bytes(Opt::CgiInterpreter).map(<[u8]>::to_vec),
            o.get_bytes(Opt::DocumentRoot).unwrap_or_default().to_vec(),
            o.number(Opt::MaxCgiProcesses) as usize,
            o.number(Opt::IdleTimeoutMs),
        )
    };
    let script = absolute(script);
    let root = absolute(Path::new(OsStr::from_bytes(&root)));
    let Some(mut command) = command_for(&script, interpreter.as_deref()) else {
        return http_session::send_error(srv, c, 500);
    };
    let Some(env) = c.with(|c| environment(c, &script, &root)) else {
        // A NUL byte (from a decoded %00) cannot be passed in a variable.
        return http_session::send_error(srv, c, 400);
    };
    if RUNNING.load(Ordering::Relaxed) >= cap {
        return http_session::send_error(srv, c, 503);
    }
    command
        .env_clear()
        .envs(
            env.iter()
                .map(|(k, v)| (OsStr::from_bytes(k), OsStr::from_bytes(v))),
        )
        .current_dir(script.parent().unwrap_or(Path::new("/")))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own group: it and what it starts can be stopped together.
        .process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        // Not executable, no such interpreter, out of processes.
        Err(_) => return http_session::send_error(srv, c, 500),
    };
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        crate::core::net::companion::adopt(child);
        return http_session::send_error(srv, c, 500);
    };
    let fits = [stdin.as_raw_fd(), stdout.as_raw_fd()]
        .iter()
        .all(|&fd| fd < FD_SETSIZE && sys::set_nonblocking(fd).is_ok());
    RUNNING.fetch_add(1, Ordering::Relaxed);
    let mut cgi = Cgi {
        child: Some(child),
        stdin: Some(stdin),
        stdout: Some(stdout),
        head: Vec::new(),
        body: None,
        last_activity: Instant::now(),
        timeout: std::time::Duration::from_millis(timeout),
    };
    if !fits {
        // select() cannot watch a descriptor past FD_SETSIZE.
        drop(cgi);
        return http_session::send_error(srv, c, 503);
    }
    c.with(|c| {
        http_session::stream_body(c);
        cgi.feed_stdin(c);
    });
    c.with(|c| c.companion = Some(Box::new(Box::new(cgi))));
}

/// `path` made absolute against the current directory (5.4 ran scripts
/// by a path relative to a directory it had already left).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The program that runs `script`: `cgi_interpreter`; else the script
/// itself when it is executable (the kernel honours its `#!` line); else
/// the program (and one argument) its `#!` line names. None: nothing can
/// run it.
fn command_for(script: &Path, interpreter: Option<&[u8]>) -> Option<Command> {
    if let Some(interp) = interpreter {
        let mut cmd = Command::new(OsStr::from_bytes(interp));
        cmd.arg(script);
        return Some(cmd);
    }
    let meta = std::fs::metadata(script).ok()?;
    if meta.permissions().mode() & 0o111 != 0 {
        return Some(Command::new(script));
    }
    let mut first = [0u8; 512];
    let n = std::fs::File::open(script).ok()?.read(&mut first).ok()?;
    let line = first[..n].strip_prefix(b"#!")?;
    let line = &line[..line.iter().position(|&b| b == b'\n')?];
    let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii();
    let (program, arg) = match line.iter().position(|b| b.is_ascii_whitespace()) {
        Some(at) => (&line[..at], Some(line[at..].trim_ascii())),
        None => (line, None),
    };
    if program.is_empty() {
        return None;
    }
    let mut cmd = Command::new(OsStr::from_bytes(program));
    if let Some(arg) = arg.filter(|a| !a.is_empty()) {
        cmd.arg(OsStr::from_bytes(arg));
    }
    cmd.arg(script);
    Some(cmd)
}

type Env = Vec<(Vec<u8>, Vec<u8>)>;

/// The CGI/1.1 environment of 5.4 (`SERVER_PORT`, `AUTH_TYPE` and
/// `REMOTE_USER` added). None when a value holds a NUL byte.
fn environment<D: Dialect>(c: &Connection<D>, script: &Path, root: &Path) -> Option<Env> {
    let mut env: Env = Vec::new();
    let mut set = |k: &str, v: &[u8]| env.push((k.as_bytes().to_vec(), v.to_vec()));
    let local = sys::local_addr(c.fd());
    let local_ip = local.map(|a| a.ip().to_string()).unwrap_or_default();
    let server_name = std::env::var_os("SERVER_NAME");
    set(
        "SERVER_NAME",
        server_name
            .as_deref()
            .map_or(local_ip.as_bytes(), OsStrExt::as_bytes),
    );
    if let Some(a) = local {
        set("SERVER_PORT", a.port().to_string().as_bytes());
    }
    let root = root.as_os_str().as_bytes();
    set("SERVER_ROOT", root);
    set("DOCUMENT_ROOT", root);
    set("SERVER_SOFTWARE", b"Mongoose/5.4");
    set("GATEWAY_INTERFACE", b"CGI/1.1");
    set("SERVER_PROTOCOL", b"HTTP/1.1");
    set("REDIRECT_STATUS", b"200");
    set("REQUEST_METHOD", c.head.method());
    if let Some(peer) = c.peer {
        set("REMOTE_ADDR", peer.ip().to_string().as_bytes());
        set("REMOTE_PORT", peer.port().to_string().as_bytes());
    }
    let uri = c.head.uri();
    let mut request_uri = uri.to_vec();
    if let Some(q) = c.head.query() {
        request_uri.push(b'?');
        request_uri.extend_from_slice(q);
        set("QUERY_STRING", q);
    }
    set("REQUEST_URI", &request_uri);
    // The URI up to its last '/', then the script's name (a directory
    // request names its index file).
    let mut script_name = uri[..uri.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1)].to_vec();
    if script_name.is_empty() {
        script_name.push(b'/');
    }
    script_name.extend_from_slice(script.file_name().unwrap_or_default().as_bytes());
    set("SCRIPT_NAME", &script_name);
    let script = script.as_os_str().as_bytes();
    set("SCRIPT_FILENAME", script);
    set("PATH_TRANSLATED", script);
    set("HTTPS", b"off");
    if let Some(t) = c.head.header(b"Content-Type") {
        set("CONTENT_TYPE", t);
    }
    if let Some(n) = c.head.header(b"Content-Length") {
        set("CONTENT_LENGTH", n);
    } else if c.head.framing == Some(BodyFraming::Chunked) && c.body_stream.is_none() {
        // A chunked body buffered whole has a length now.
        set("CONTENT_LENGTH", c.body_len.to_string().as_bytes());
    }
    if let Some(auth) = c.head.header(b"Authorization") {
        let mut user = [0u8; 256];
        let n = crate::core::util::header_param::parse_header(auth, b"username", &mut user);
        if n > 0 {
            set("AUTH_TYPE", b"Digest");
            set("REMOTE_USER", &user[..n as usize]);
        }
    }
    for name in [
        "PATH",
        "TMP",
        "TEMP",
        "TMPDIR",
        "PERLLIB",
        "MONGOOSE_CGI",
        "LD_LIBRARY_PATH",
    ] {
        if let Some(v) = std::env::var_os(name) {
            set(name, v.as_bytes());
        }
    }
    for (name, value) in c.head.header_pairs() {
        let mut key = b"HTTP_".to_vec();
        key.extend(name.iter().map(|&b| {
            if b.is_ascii_alphanumeric() {
                b.to_ascii_uppercase()
            } else {
                b'_'
            }
        }));
        env.push((key, value.to_vec()));
    }
    let clean = env
        .iter()
        .all(|(k, v)| !k.contains(&0) && !v.contains(&0) && !k.contains(&b'='));
    clean.then_some(env)
}

/// How the body of the reply is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyOut {
    /// Chunks, for an HTTP/1.1 client, when the script gave no length.
    Chunked,
    /// The script's `Content-Length`: this many bytes still to send.
    Length(u64),
    /// Until the script closes (HTTP/1.0 client, no length).
    UntilClose,
    /// HEAD, 204, 304: the output is read and dropped.
    Discard,
}

/// A running script attached to its client's connection.
struct Cgi {
    child: Option<Child>,
    /// None once the body has been written (the script sees EOF), or the
    /// script stopped reading.
    stdin: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
    /// Output before the end of its header block.
    head: Vec<u8>,
    /// Set once the reply head has been sent.
    body: Option<(BodyOut, bool)>,
    /// Last byte that went to or came from the script.
    last_activity: Instant,
    /// How long it may be silent (`idle_timeout_ms`).
    timeout: std::time::Duration,
}

impl Drop for Cgi {
    fn drop(&mut self) {
        self.stdin = None;
        self.stdout = None;
        if let Some(child) = self.child.take() {
            RUNNING.fetch_sub(1, Ordering::Relaxed);
            crate::core::net::companion::adopt(child);
        }
    }
}

impl Cgi {
    /// Writes what has arrived of the body; closes stdin after its end.
    fn feed_stdin<D: Dialect>(&mut self, c: &mut Connection<D>) {
        while let Some(stdin) = self.stdin.as_mut() {
            let piece = http_session::body_piece(c);
            if piece.is_empty() {
                if http_session::body_done(c) {
                    self.stdin = None; // EOF for the script
                }
                return;
            }
            match stdin.write(piece) {
                Ok(n) => {
                    http_session::consume_body(c, n);
                    self.last_activity = crate::core::net::clock::now();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The script closed its stdin: the rest of the body is
                // not for it (the connection closes after the reply).
                Err(_) => self.stdin = None,
            }
        }
    }

    /// Reads output while the client's queue has room. Returns false when
    /// the request has ended.
    fn drain_stdout<D: Dialect>(&mut self, srv: &Server<D>, c: ConnPtr<D>) -> bool {
        let mut buf = [0u8; READ_CHUNK];
        loop {
            if c.with(|c| c.pending_output().len() >= OUTPUT_WINDOW || c.close_now) {
                return true;
            }
            let Some(stdout) = self.stdout.as_mut() else {
                return true;
            };
            let n = match stdout.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            if n == 0 {
                self.stdout = None;
                return self.finish(srv, c);
            }
            self.last_activity = crate::core::net::clock::now();
            if self.body.is_none() {
                self.head.extend_from_slice(&buf[..n]);
                match parse_head(&self.head) {
                    Ok(None) if self.head.len() <= MAX_HEAD => continue,
                    Ok(None) | Err(()) => {
                        http_session::send_error(srv, c, 500);
                        return false;
                    }
                    Ok(Some((head, used))) => {
                        let rest = self.head.split_off(used);
                        self.head = Vec::new();
                        let body = c.with(|c| send_head(c, &head));
                        self.body = Some(body);
                        c.with(|c| self.send_body(c, &rest));
                    }
                }
            } else {
                c.with(|c| self.send_body(c, &buf[..n]));
            }
        }
    }

    /// Queues output bytes of the body, framed.
    fn send_body<D: Dialect>(&mut self, c: &mut Connection<D>, data: &[u8]) {
        let Some((framing, _)) = self.body.as_mut() else {
            return;
        };
        if data.is_empty() {
            return;
        }
        match framing {
            BodyOut::Chunked => {
                c.send
                    .extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                c.send.extend_from_slice(data);
                c.send.extend_from_slice(b"\r\n");
            }
            BodyOut::Length(left) => {
                // Bytes past the promised length are dropped: they would
                // be read as the next reply.
                let take = (*left).min(data.len() as u64) as usize;
                c.send.extend_from_slice(&data[..take]);
                *left -= take as u64;
            }
            BodyOut::UntilClose => c.send.extend_from_slice(data),
            BodyOut::Discard => {}
        }
    }

    /// The script closed its output: end the reply and the request.
    fn finish<D: Dialect>(&mut self, srv: &Server<D>, c: ConnPtr<D>) -> bool {
        let Some((framing, keep)) = self.body else {
            // No header block at all (or cut short): 5.4 sent an empty 200.
            http_session::send_error(srv, c, 500);
            return false;
        };
        let keep = match framing {
            BodyOut::Chunked => {
                c.with(|c| c.send.extend_from_slice(b"0\r\n\r\n"));
                keep
            }
            BodyOut::Length(left) => keep && left == 0,
            BodyOut::UntilClose => false,
            BodyOut::Discard => keep,
        };
        http_session::end_request(srv, c, keep);
        false
    }
}

impl<D: Dialect> Companion<D> for Cgi {
    fn watch(&self, c: &Connection<D>, out: &mut Vec<Watch>) {
        if let Some(stdin) = self.stdin.as_ref() {
            if !http_session::body_piece(c).is_empty() || http_session::body_done(c) {
                out.push(Watch {
                    fd: stdin.as_raw_fd(),
                    read: false,
                    write: true,
                });
            }
        }
        if let Some(stdout) = self.stdout.as_ref() {
            if c.pending_output().len() < OUTPUT_WINDOW {
                out.push(Watch {
                    fd: stdout.as_raw_fd(),
                    read: true,
                    write: false,
                });
            }
        }
    }

    fn ready(&mut self, srv: &Server<D>, c: ConnPtr<D>) -> bool {
        c.with(|c| self.feed_stdin(c));
        self.drain_stdout(srv, c)
    }

    fn tick(&mut self, srv: &Server<D>, c: ConnPtr<D>, now: Instant) -> bool {
        let (gone, waiting_for_client) =
            c.with(|c| (c.peer_closed, c.pending_output().len() >= OUTPUT_WINDOW));
        if gone {
            // The client left: nobody wants the output.
            c.with(|c| c.close_now = true);
            return false;
        }
        if waiting_for_client {
            // The client's pace, which the reply's rate limit judges.
            self.last_activity = now;
        }
        if now.saturating_duration_since(self.last_activity) < self.timeout {
            return true;
        }
        if self.body.is_none() {
            http_session::send_error(srv, c, 504);
        } else {
            c.with(|c| c.close_now = true);
        }
        false
    }
}

/// The script's header block, checked.
#[derive(Debug, Default, PartialEq)]
struct ScriptHead {
    status: i32,
    /// The `Status:` reason, if it gave one.
    reason: Option<Vec<u8>>,
    length: Option<u64>,
    /// Passed through as they are.
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    has_date: bool,
}

/// Parses the header block at the start of `out`: Ok(None) until it is
/// complete, then the head and the bytes it took. Err: not a header block
/// (no `name: value` line first, a control byte such as a lone CR in a
/// name or value, a bad `Status` or `Content-Length`).
fn parse_head(out: &[u8]) -> Result<Option<(ScriptHead, usize)>, ()> {
    let mut head = ScriptHead::default();
    let mut at = 0;
    let mut location = false;
    let mut any = false;
    loop {
        let Some(len) = out[at..].iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = &out[at..at + len];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at += len + 1;
        if line.is_empty() {
            if !any {
                return Err(()); // no header at all
            }
            break;
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(())?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        any = true;
        if name.is_empty() || !name.iter().all(|&b| is_token(b)) {
            return Err(());
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(()); // CR, NUL...: header injection
        }
        if name.eq_ignore_ascii_case(b"Status") {
            let code = value.get(..3).ok_or(())?;
            if !code.iter().all(u8::is_ascii_digit) || value.get(3).is_some_and(|&b| b != b' ') {
                return Err(());
            }
            let code: i32 = std::str::from_utf8(code)
                .map_err(|_| ())?
                .parse()
                .map_err(|_| ())?;
            if !(100..=599).contains(&code) {
                return Err(());
            }
            head.status = code;
            let text = value[3..].trim_ascii();
            head.reason = (!text.is_empty()).then(|| text.to_vec());
            continue;
        }
        if name.eq_ignore_ascii_case(b"Content-Length") {
            if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
                return Err(());
            }
            let n = std::str::from_utf8(value)
                .map_err(|_| ())?
                .parse()
                .map_err(|_| ())?;
            if head.length.is_some_and(|m| m != n) {
                return Err(());
            }
            head.length = Some(n);
            continue;
        }
        if name.eq_ignore_ascii_case(b"Location") {
            location = true;
        }
        if name.eq_ignore_ascii_case(b"Date") {
            head.has_date = true;
        }
        // Hop-by-hop framing is ours to decide.
        let hop = [&b"Connection"[..], b"Keep-Alive", b"Transfer-Encoding"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        if !hop {
            head.headers.push((name.to_vec(), value.to_vec()));
        }
    }
    if head.status == 0 {
        head.status = if location { 302 } else { 200 };
    }
    Ok(Some((head, at)))
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Queues the reply head; returns how the body goes and whether the
/// connection stays open after it.
fn send_head<D: Dialect>(c: &mut Connection<D>, head: &ScriptHead) -> (BodyOut, bool) {
    c.set_status(head.status);
    let no_body = has_no_body(head.status) || c.head.is_head_method;
    let framing = match head.length {
        _ if no_body => BodyOut::Discard,
        Some(n) => BodyOut::Length(n),
        None if c.head.http10 => BodyOut::UntilClose,
        None => BodyOut::Chunked,
    };
    // Open only if the client wants it, the body is framed, and the
    // request's own body has all arrived (the rest is not a request).
    let keep = c.head.keep_alive
        && framing != BodyOut::UntilClose
        && c.body_stream.as_deref().is_none_or(|b| b.complete);
    let out = &mut c.send;
    out.extend_from_slice(b"HTTP/1.1 ");
    push_decimal(out, head.status as u64);
    out.push(b' ');
    match &head.reason {
        Some(r) => out.extend_from_slice(r),
        None => out.extend_from_slice(reason(head.status).as_bytes()),
    }
    out.extend_from_slice(b"\r\n");
    if !head.has_date {
        push_date_header(out);
    }
    for (name, value) in &head.headers {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if let Some(n) = head.length.filter(|_| !has_no_body(head.status)) {
        out.extend_from_slice(b"Content-Length: ");
        push_decimal(out, n);
        out.extend_from_slice(b"\r\n");
    } else if framing == BodyOut::Chunked
        || (c.head.is_head_method && !c.head.http10 && !has_no_body(head.status))
    {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    }
    if !keep {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    (framing, keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(out: &[u8]) -> ScriptHead {
        parse_head(out).unwrap().unwrap().0
    }

    #[test]
    fn header_blocks() {
        let h = parsed(b"Content-Type: text/plain\r\n\r\nbody");
        assert_eq!(h.status, 200);
        assert_eq!(
            h.headers,
            vec![(b"Content-Type".to_vec(), b"text/plain".to_vec())]
        );
        assert_eq!(parse_head(b"A: b\n\nxyz").unwrap().unwrap().1, 6);
        let h = parsed(b"Status: 404 Gone Fishing\nX: y\n\n");
        assert_eq!(
            (h.status, h.reason.as_deref()),
            (404, Some(&b"Gone Fishing"[..]))
        );
        assert_eq!(parsed(b"Location: /x\n\n").status, 302);
        assert_eq!(parsed(b"Location: /x\nStatus: 301\n\n").status, 301);
        assert_eq!(parsed(b"Content-Length: 5\n\n").length, Some(5));
        // Framing headers are not passed through.
        assert!(parsed(b"Connection: close\nTransfer-Encoding: x\nA: b\n\n")
            .headers
            .iter()
            .all(|(n, _)| n == b"A"));
        assert_eq!(parse_head(b"A: b\r\n"), Ok(None));
    }

    #[test]
    fn bad_header_blocks() {
        for bad in [
            &b"hello world\n\n"[..],
            b"\n\nbody",
            b"\r\n\r\n",
            b"A: b\rSet-Cookie: x\n\n",
            b"Bad Name: x\n\n",
            b"Status: abc\n\n",
            b"Status: 99\n\n",
            b"Status: 2000\n\n",
            b"Content-Length: -1\n\n",
            b"Content-Length: 1\nContent-Length: 2\n\n",
            b"A: nul\0\n\n",
        ] {
            assert_eq!(
                parse_head(bad),
                Err(()),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
