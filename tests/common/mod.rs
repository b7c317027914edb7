//! Shared test harness: compiles C programs against `include/mongoose.h`
//! and `build/libmongoose.a` (built by `make`), runs them on loopback
//! ports and talks to them with raw sockets and curl.

#![allow(dead_code)]

pub mod ws;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn static_lib() -> PathBuf {
    let lib = root().join("build/libmongoose.a");
    assert!(
        lib.exists(),
        "build/libmongoose.a is missing: run `make` (or `make test`)"
    );
    lib
}

static COMPILE_LOCK: Mutex<()> = Mutex::new(());

/// Compiles `tests/c/<name>.c` (or a path) with `cc` and strict warnings;
/// returns the binary. Extra flags go after the source.
pub fn compile_c(source: &str, extra: &[&str]) -> PathBuf {
    compile_with("cc", source, extra)
}

pub fn compile_with(compiler: &str, source: &str, extra: &[&str]) -> PathBuf {
    let _guard = COMPILE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let src = if source.contains('/') {
        root().join(source)
    } else {
        root().join("tests/c").join(format!("{source}.c"))
    };
    let stem = src.file_stem().unwrap().to_string_lossy().into_owned();
    let out_dir = root().join("target/ctests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let tag = compiler.replace(['/', '+'], "_");
    let extra_tag: String = extra
        .iter()
        .map(|e| e.replace(['-', '=', '/'], ""))
        .collect();
    let out = out_dir.join(format!("{stem}-{tag}{extra_tag}"));
    let tmp = out_dir.join(format!("{stem}-{tag}{extra_tag}.tmp{}", std::process::id()));
    let lib = static_lib();
    let std_flag = if compiler.contains("++") {
        "-std=c++11"
    } else {
        "-std=c99"
    };
    let status = Command::new(compiler)
        .args([std_flag, "-Wall", "-Wextra", "-Werror", "-O1", "-g"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(&src)
        .args(extra)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&tmp)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(status.success(), "{compiler} failed on {}", src.display());
    // Another test binary may be running the previous copy: replace it
    // atomically instead of writing over it ("Text file busy").
    std::fs::rename(&tmp, &out).unwrap();
    out
}

pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

/// A running C server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// Starts `binary PORT-ARG args...` and waits for "Listening on port N".
    pub fn start(binary: &Path, args: &[&str]) -> Server {
        Self::start_cmd(Command::new(binary).arg("0").args(args))
    }

    /// Starts through `sh -c` (for `ulimit`), with the script's `exec` line.
    pub fn start_shell(script: &str) -> Server {
        Self::start_cmd(Command::new("sh").arg("-c").arg(script))
    }

    pub fn start_cmd(cmd: &mut Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn server");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read server banner");
        let port = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected banner {line:?}"));
        Server {
            child,
            port,
            stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn connect(&self) -> TcpStream {
        connect(self.port)
    }

    /// Sends SIGTERM and returns the rest of stdout after exit.
    pub fn stop(mut self) -> String {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        let _ = self.child.wait();
        rest
    }

    /// User + system CPU time of the server process, from /proc.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(self.pid())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident set size of process `pid`, in KiB.
pub fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Asserts that the server behind `cpu` uses (almost) no CPU for 2 s: it
/// sleeps in select() instead of spinning.
pub fn assert_sleeps_in_select(cpu: impl Fn() -> Duration) {
    let before = cpu();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu() - before;
    assert!(
        used < Duration::from_millis(100),
        "idle server used {used:?} of CPU in 2 s"
    );
}

/// User + system CPU time of process `pid`, from /proc.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_comm.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat (11 and 12 after comm).
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Sends `request` on a fresh connection, half-closes, and returns
/// everything the server sends until it closes.
pub fn exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    s.write_all(request).unwrap();
    read_to_close(&mut s)
}

/// Like `exchange` but keeps the write side open (the server must close).
pub fn exchange_open(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    s.write_all(request).unwrap();
    read_to_close(&mut s)
}

pub fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!(
                "read failed after {} bytes: {e}: {:?}",
                out.len(),
                String::from_utf8_lossy(&out)
            ),
        }
    }
    out
}

/// `raw` with the value of each `Date` header replaced by `D`, so whole
/// replies can be compared (`...\r\nDate: D\r\n...`). Each replaced value
/// must look like an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn fixed_dates(raw: &[u8]) -> Vec<u8> {
    const NAME: &[u8] = b"\r\nDate: ";
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.windows(NAME.len()).position(|w| w == NAME) {
        let value = &rest[at + NAME.len()..];
        let end = value
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(value.len());
        assert!(
            end == 29 && value[..end].ends_with(b" GMT"),
            "not an HTTP date: {:?}",
            String::from_utf8_lossy(&value[..end])
        );
        out.extend_from_slice(&rest[..at + NAME.len()]);
        out.push(b'D');
        rest = &value[end..];
    }
    out.extend_from_slice(rest);
    out
}

/// `fixed_dates` as text.
pub fn fixed_dates_text(raw: &[u8]) -> String {
    String::from_utf8_lossy(&fixed_dates(raw)).into_owned()
}

pub fn shutdown_write(s: &TcpStream) {
    let _ = s.shutdown(Shutdown::Write);
}

/// One parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The exact bytes of the response.
    pub raw: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads exactly one response from `s`, following its framing
/// (Content-Length, chunked, or close). Panics on malformed framing.
pub fn read_response(s: &mut TcpStream) -> Response {
    read_response_for(s, false)
}

pub fn read_response_for(s: &mut TcpStream, head_request: bool) -> Response {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    // Head, byte by byte so nothing of the next response is consumed.
    while !raw.ends_with(b"\r\n\r\n") {
        let n = read_retrying(s, &mut byte).expect("read head");
        assert!(
            n == 1,
            "connection closed inside the head: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_string();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l
                .split_once(':')
                .unwrap_or_else(|| panic!("bad header line {l:?}"));
            (n.to_string(), v.trim().to_string())
        })
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        // no body
    } else if let Some(te) = find("Transfer-Encoding") {
        assert!(te.eq_ignore_ascii_case("chunked"), "unexpected TE {te}");
        loop {
            let line = read_line(s, &mut raw);
            let size = usize::from_str_radix(line.trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {line:?}"));
            if size == 0 {
                let end = read_line(s, &mut raw);
                assert!(end.is_empty(), "trailers not expected: {end:?}");
                break;
            }
            let mut chunk = vec![0u8; size];
            s.read_exact(&mut chunk).unwrap();
            raw.extend_from_slice(&chunk);
            body.extend_from_slice(&chunk);
            let crlf = read_line(s, &mut raw);
            assert!(crlf.is_empty(), "chunk not followed by CRLF");
        }
    } else if let Some(len) = find("Content-Length") {
        let len: usize = len.parse().unwrap();
        body.resize(len, 0);
        s.read_exact(&mut body).unwrap();
        raw.extend_from_slice(&body);
    } else {
        let rest = read_to_close(s);
        raw.extend_from_slice(&rest);
        body = rest;
    }
    Response {
        status,
        status_line,
        headers,
        body,
        raw,
    }
}

fn read_line(s: &mut TcpStream, raw: &mut Vec<u8>) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        let n = read_retrying(s, &mut byte).unwrap();
        assert!(n == 1, "closed inside a chunked body");
        line.push(byte[0]);
    }
    raw.extend_from_slice(&line);
    String::from_utf8_lossy(&line[..line.len() - 2]).into_owned()
}

/// `read`, retried when a signal interrupts it.
fn read_retrying(s: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match s.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Sends a GET on `s` and reads the response.
pub fn get(s: &mut TcpStream, path: &str) -> Response {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    read_response(s)
}

/// Is the connection closed by the server (EOF within `wait`)?
pub fn is_closed(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + wait;
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {
                if Instant::now() > deadline {
                    return false;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

pub fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-s", "--max-time", "20"])
        .args(args)
        .output()
        .expect("run curl")
}

/// The test server (tests/c/test_server.c), compiled once per test binary.
pub fn test_server_binary() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| compile_c("test_server", &[])).clone()
}

pub fn start_test_server(options: &[&str]) -> Server {
    Server::start(&test_server_binary(), options)
}
