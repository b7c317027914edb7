#!/usr/bin/env python3
"""Benchmarks of the Mongoose-compatible server against nginx (issue 7).

Usage: python3 bench/run.py [--quick] [--duration S] [--reps N]
                            [--cases a,b,...] [--ws-depth D] [--out DIR]

Needs wrk, nginx, taskset and a C compiler; installs nothing. Runs on
loopback only, every run bounded in time. See bench/README.md for what
each case measures and how to read the output (results.md, results.csv,
ratios.png in bench/results/).

Python standard library only; matplotlib is used for the chart when it is
importable, otherwise a small built-in PNG writer draws it.
"""

import argparse
import csv
import http.client
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "0"
CLIENT_CPU = "1"

STATIC_FILES = [("f1k.bin", 1024), ("f64k.bin", 64 * 1024), ("f1m.bin", 1024 * 1024)]

# HTTP cases: (id, title, our server, path, connections, extra headers,
# client). The client is wrk, or for the static files bench/http_load.c,
# which drops response bodies in the kernel (recv with MSG_TRUNC) so that
# the server, not the copy into the client, is what limits req/s; the same
# files are also measured with wrk, for reference.
HTTP_CASES = [
    ("hello_ka_c10", "hello keep-alive c=10", "hello", "/hello", 10, [], "wrk"),
    ("hello_ka_c100", "hello keep-alive c=100", "hello", "/hello", 100, [], "wrk"),
    ("static_1k", "static 1 KiB c=10 (http_load)", "static", "/f1k.bin", 10, [], "http_load"),
    ("static_64k", "static 64 KiB c=10 (http_load)", "static", "/f64k.bin", 10, [], "http_load"),
    ("static_1m", "static 1 MiB c=10 (http_load)", "static", "/f1m.bin", 10, [], "http_load"),
    ("static_1k_wrk", "static 1 KiB c=10 (wrk)", "static", "/f1k.bin", 10, [], "wrk"),
    ("static_64k_wrk", "static 64 KiB c=10 (wrk)", "static", "/f64k.bin", 10, [], "wrk"),
    ("static_1m_wrk", "static 1 MiB c=10 (wrk)", "static", "/f1m.bin", 10, [], "wrk"),
    ("close_c10", "hello Connection: close c=10", "hello", "/hello", 10,
     ["Connection: close"], "wrk"),
]
WS_CASES = [("ws_c1", "WebSocket echo 64 B c=1", 1), ("ws_c50", "WebSocket echo 64 B c=50", 50)]
RSS_CASES = ["rss_fresh", "rss_idle500"]
INSTR_CASE = "instr_hello"
ALL_CASES = [c[0] for c in HTTP_CASES] + [c[0] for c in WS_CASES] + RSS_CASES + [INSTR_CASE]
# Keep-alive requests driven under callgrind: two runs, the difference
# divided by INSTR_EXTRA gives instructions per request without start-up.
INSTR_BASE, INSTR_EXTRA = 1000, 10000

IDLE_CONNS = 500
WS_TARGET = 190000.0
RSS_TARGET_KIB = 2.5 * 1024  # 2.5 MiB
# Code and read-only data of hello_world as size(1) counts it ("text"),
# issue 19; KB = 1000 bytes, as size's figures are usually quoted.
TEXT_TARGET = 300 * 1000

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
worker_rlimit_nofile 8192;
events {{
    worker_connections 4096;
    use epoll;
}}
http {{
    access_log off;
    server_tokens off;
    default_type application/octet-stream;
    sendfile on;
    # tcp_nopush (TCP_CORK) stays at its default, off: on loopback it cost
    # nginx 15-25% more CPU per 1 MiB reply (measured; the same holds for
    # our server, which therefore does not cork either).
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {docroot};
        location = /hello {{
            default_type text/plain;
            return 200 "Hello";
        }}
    }}
}}
"""


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- tools

def find_tool(name, extra_dirs=("/usr/sbin", "/sbin", "/usr/local/sbin")):
    path = shutil.which(name)
    if path:
        return path
    for d in extra_dirs:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return None


def check_tools():
    tools = {n: find_tool(n) for n in ("wrk", "nginx", "taskset")}
    tools["cc"] = find_tool(os.environ.get("CC", "cc")) or find_tool("gcc")
    missing = [n for n, p in tools.items() if p is None]
    if missing:
        pkgs = {"wrk": "wrk", "nginx": "nginx", "taskset": "util-linux", "cc": "gcc"}
        sys.stderr.write(
            "bench: missing tool(s): %s\n"
            "bench: nothing is installed automatically. On Debian/Ubuntu install them with:\n"
            "    sudo apt-get install %s\n"
            % (", ".join(missing), " ".join(sorted({pkgs[m] for m in missing}))))
        sys.exit(2)
    if (os.cpu_count() or 1) < 2:
        sys.stderr.write("bench: needs at least 2 CPUs (server on CPU 0, load on CPU 1)\n")
        sys.exit(2)
    for exe in ("examples/hello_world", "examples/websocket_echo", "mongoose"):
        if not os.access(os.path.join(BUILD, exe), os.X_OK):
            sys.stderr.write("bench: build/%s is missing: run `make` first\n" % exe)
            sys.exit(2)
    return tools


def footprint():
    """What a C programmer sees with size(1) and ls: text/data/bss of the
    two linked programs (Berkeley format: text = code plus read-only data,
    unwind tables and relocations) and the archive's size in bytes. The
    standard library is "small" when built with `make SMALL_STD=1`, i.e.
    without its backtrace symbolizer (no gimli symbols in the program)."""
    size = find_tool("size")
    progs = []
    for label, rel in (("hello_world", "examples/hello_world"), ("build/mongoose", "mongoose")):
        path = os.path.join(BUILD, rel)
        tdb = None
        if size:
            out = subprocess.run([size, "-B", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 timeout=10).stdout.decode(errors="replace").splitlines()
            if len(out) >= 2:
                tdb = [int(x) for x in out[1].split()[:3]]
        progs.append((label, tdb))
    with open(os.path.join(BUILD, "examples", "hello_world"), "rb") as f:
        std = "stable, with its backtrace symbolizer" if b"gimli" in f.read() else \
            "rebuilt without its backtrace symbolizer (SMALL_STD=1)"
    return dict(programs=progs, archive=os.path.getsize(os.path.join(BUILD, "libmongoose.a")), std=std)


def tool_version(argv):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=5).stdout.decode(errors="replace")
        return out.strip().splitlines()[0]
    except Exception:  # noqa: BLE001 - best effort
        return "?"


def build_bench_tools(cc):
    """Builds the load generators and the WebSocket floor server (bench/)."""
    out_dir = os.path.join(BUILD, "bench")
    os.makedirs(out_dir, exist_ok=True)
    shared = os.path.join(ROOT, "bench", "ws_accept.h")
    exes = []
    for name in ("ws_load", "ws_floor", "http_load"):
        src = os.path.join(ROOT, "bench", name + ".c")
        exe = os.path.join(out_dir, name)
        newest = max(os.path.getmtime(src), os.path.getmtime(shared))
        if not os.path.exists(exe) or os.path.getmtime(exe) < newest:
            subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-o", exe, src], check=True)
        exes.append(exe)
    return exes


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- processes

class Proc:
    """A server process pinned to SERVER_CPU."""

    def __init__(self, name, argv, tmp, reads_port=True, port=None, wrapper=()):
        self.name = name
        self.log_path = os.path.join(tmp, "%s.%d.log" % (name, int(time.time() * 1000)))
        self.errf = open(self.log_path, "wb")
        self.out_path = self.log_path + ".out"
        self.outf = open(self.out_path, "wb")
        self.p = subprocess.Popen(["taskset", "-c", SERVER_CPU] + list(wrapper) + argv,
                                  stdout=self.outf, stderr=self.errf, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        self.pid = self.p.pid  # taskset execs the server: same pid
        self.port = port
        if reads_port:
            self.port = self._read_port()
        self._wait_listening()

    def _read_port(self):
        """Waits for the first stdout line, "Listening on port N"."""
        deadline = time.time() + 30
        while True:
            with open(self.out_path, "rb") as f:
                buf = f.read()
            if b"\n" in buf:
                break
            if time.time() > deadline or self.p.poll() is not None:
                raise RuntimeError("%s did not print its port (see %s)" % (self.name, self.log_path))
            time.sleep(0.02)
        line = buf.split(b"\n")[0].decode(errors="replace")
        m = re.search(r"Listening on port .*?(\d+)\s*$", line)
        if not m:
            raise RuntimeError("%s: unexpected first line %r" % (self.name, line))
        return int(m.group(1))

    def _wait_listening(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError("%s exited early (see %s)" % (self.name, self.log_path))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s does not accept connections" % self.name)

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state): utime is field 14, stime 15.
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.errf.close()
        self.outf.close()


def start_ours(kind, tmp, docroot, wrapper=()):
    listen = "127.0.0.1:0"
    if kind == "hello":
        return Proc("hello_world", [os.path.join(BUILD, "examples", "hello_world"), listen], tmp,
                    wrapper=wrapper)
    if kind == "ws":
        return Proc("websocket_echo", [os.path.join(BUILD, "examples", "websocket_echo"), listen], tmp)
    if kind == "ws_floor":
        return Proc("ws_floor", [os.path.join(BUILD, "bench", "ws_floor"), "0"], tmp)
    if kind == "static":
        return Proc("mongoose", [os.path.join(BUILD, "mongoose"), "-document_root", docroot,
                                 "-listening_port", listen], tmp)
    raise ValueError(kind)


def start_nginx(nginx, tmp, docroot, wrapper=()):
    ntmp = tempfile.mkdtemp(prefix="nginx.", dir=tmp)
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(ntmp, d), exist_ok=True)
    port = free_port()
    conf = os.path.join(ntmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=ntmp, port=port, docroot=docroot))
    argv = [nginx, "-p", ntmp, "-c", conf, "-e", os.path.join(ntmp, "error.log")]
    return Proc("nginx", argv, tmp, reads_port=False, port=port, wrapper=wrapper)


# ---------------------------------------------------------------- checks

def http_get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def verify(kind, port, path, docroot):
    """Returns None when the server answers `path` correctly, else why not."""
    try:
        status, body = http_get(port, path)
    except Exception as e:  # noqa: BLE001
        return "GET %s failed: %s" % (path, e)
    if status != 200:
        return "GET %s answered %d" % (path, status)
    if kind == "static":
        with open(os.path.join(docroot, path.lstrip("/")), "rb") as f:
            if f.read() != body:
                return "GET %s: body differs from the file" % path
    return None


# ---------------------------------------------------------------- load

def children_cpu():
    """CPU seconds of the waited-for children (the load generators)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cpus_busy():
    """Busy (non-idle, non-iowait) seconds of CPUs 0 and 1 together, from /proc/stat."""
    busy = 0
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("cpu" + SERVER_CPU, "cpu" + CLIENT_CPU):
                v = list(map(int, parts[1:9]))
                busy += sum(v) - v[3] - v[4]
    return busy / CLK_TCK


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


WRK_NUM = r"([\d.]+)([kKmMgG]?)"


def _num(value, suffix):
    mult = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[suffix.lower()]
    return float(value) * mult


def parse_wrk(out):
    r = {"requests": 0, "rps": 0.0, "latency_ms": None, "err_connect": 0, "err_read": 0,
         "err_write": 0, "err_timeout": 0, "non2xx": 0, "duration": None}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if m:
        r["requests"] = int(m.group(1))
        r["duration"] = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[m.group(3)]
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    if m:
        r["latency_ms"] = float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["err_connect"], r["err_read"], r["err_write"], r["err_timeout"] = map(int, m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    return r


def run_wrk(wrk, server, path, conns, duration, headers):
    url = "http://127.0.0.1:%d%s" % (server.port, path)
    cmd = ["taskset", "-c", CLIENT_CPU, wrk, "-t1", "-c", str(conns), "-d", "%gs" % duration,
           "--timeout", "5s"]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(url)
    cpu0, ch0, b0 = server.cpu_seconds(), children_cpu(), cpus_busy()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=duration + 30)
    cpu1, ch1, b1 = server.cpu_seconds(), children_cpu(), cpus_busy()
    out = proc.stdout.decode(errors="replace")
    r = parse_wrk(out)
    r["other_cpu_s"] = max(0.0, (b1 - b0) - (cpu1 - cpu0) - (ch1 - ch0))
    r["cpu_s"] = cpu1 - cpu0
    r["client_cpu_s"] = ch1 - ch0
    r["loadavg1"] = loadavg()
    r["cpu_us_per_op"] = (r["cpu_s"] / r["requests"] * 1e6) if r["requests"] else None
    r["errors"] = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"]
    if proc.returncode != 0 or r["requests"] == 0:
        r["note"] = "wrk rc=%d: %s" % (proc.returncode, out.strip().replace("\n", " | ")[:200])
    return r


def run_http_load(exe, server, path, conns, duration, size):
    cmd = ["taskset", "-c", CLIENT_CPU, exe, "127.0.0.1", str(server.port), path, str(conns),
           "%g" % duration, str(size)]
    cpu0, ch0, b0 = server.cpu_seconds(), children_cpu(), cpus_busy()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=duration + 30)
    cpu1, ch1, b1 = server.cpu_seconds(), children_cpu(), cpus_busy()
    kv = dict(re.findall(r"(\w+)=([\d.]+)", proc.stdout.decode(errors="replace")))
    n = int(kv.get("requests", 0))
    r = {"requests": n, "rps": float(kv.get("rps", 0.0)), "duration": float(kv.get("seconds", 0) or 0),
         "errors": int(kv.get("errors", 0)), "non2xx": 0, "latency_ms": None,
         "cpu_s": cpu1 - cpu0, "client_cpu_s": ch1 - ch0,
         "other_cpu_s": max(0.0, (b1 - b0) - (cpu1 - cpu0) - (ch1 - ch0)), "loadavg1": loadavg()}
    r["cpu_us_per_op"] = (r["cpu_s"] / n * 1e6) if n else None
    if proc.returncode != 0 or n == 0:
        r["note"] = "http_load rc=%d: %s" % (proc.returncode,
                                             proc.stderr.decode(errors="replace").strip()[:200])
        if not kv:
            r["errors"] = max(r["errors"], 1)
    return r


def run_ws_load(exe, server, conns, duration, depth):
    cmd = ["taskset", "-c", CLIENT_CPU, exe, "127.0.0.1", str(server.port), "/ws", str(conns),
           "%g" % duration, str(depth), "64"]
    cpu0, ch0, b0 = server.cpu_seconds(), children_cpu(), cpus_busy()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=duration + 30)
    cpu1, ch1, b1 = server.cpu_seconds(), children_cpu(), cpus_busy()
    out = proc.stdout.decode(errors="replace")
    kv = dict(re.findall(r"(\w+)=([\d.]+)", out))
    msgs = int(kv.get("messages", 0))
    r = {"requests": msgs, "rps": float(kv.get("msgs_per_sec", 0.0)),
         "duration": float(kv.get("seconds", 0) or 0), "errors": int(kv.get("errors", 0)) +
         int(kv.get("lost", 0)), "cpu_s": cpu1 - cpu0, "client_cpu_s": ch1 - ch0,
         "other_cpu_s": max(0.0, (b1 - b0) - (cpu1 - cpu0) - (ch1 - ch0)), "loadavg1": loadavg()}
    # Server CPU includes the up-to-2 s drain and the handshakes: tiny.
    r["cpu_us_per_op"] = (r["cpu_s"] / msgs * 1e6) if msgs else None
    if proc.returncode != 0:
        r["note"] = "ws_load rc=%d: %s" % (proc.returncode,
                                           proc.stderr.decode(errors="replace").strip()[:200])
        if not kv:
            r["errors"] = max(r["errors"], 1)
    return r


def drive_keepalive(port, n, conns=10):
    """n GET /hello requests over `conns` keep-alive connections."""
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(conns)]
    for i in range(n):
        c = clients[i % conns]
        c.request("GET", "/hello")
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError("status %d" % r.status)
    for c in clients:
        c.close()


def callgrind_instructions(start_fn, tmp, label):
    """User-space instructions per keep-alive request (callgrind), start-up
    excluded: runs with INSTR_BASE and INSTR_BASE + INSTR_EXTRA requests."""
    totals = []
    for n in (INSTR_BASE, INSTR_BASE + INSTR_EXTRA):
        out = os.path.join(tmp, "callgrind.%s.%d.out" % (label, n))
        srv = start_fn(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out])
        try:
            drive_keepalive(srv.port, n)
        finally:
            srv.stop()
        with open(out) as f:
            m = re.search(r"^summary:\s*(\d+)", f.read(), re.M)
        if not m:
            raise RuntimeError("no callgrind summary in " + out)
        totals.append(int(m.group(1)))
    return (totals[1] - totals[0]) / INSTR_EXTRA


def open_idle(port, n):
    """Opens n keep-alive connections, each having completed one request."""
    socks = []
    req = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("server closed an idle-test connection")
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        if m:
            need = int(m.group(1))
            while len(body) < need:
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        socks.append(s)
    return socks


def measure_rss(start_fn, settle):
    srv = start_fn()
    try:
        time.sleep(settle)
        fresh = srv.rss_kib()
        socks = open_idle(srv.port, IDLE_CONNS)
        time.sleep(settle)
        alive = sum(1 for s in socks if _still_open(s))
        idle = srv.rss_kib()
        for s in socks:
            s.close()
        return fresh, idle, alive
    finally:
        srv.stop()


def _still_open(s):
    s.setblocking(False)
    try:
        return s.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


# ---------------------------------------------------------------- reporting

def busy_pct(runs, key):
    """Median share of the run's wall time that a process spent on CPU."""
    v = med([r[key] / r["duration"] for r in runs if r.get(key) is not None and r.get("duration")])
    return "n/a" if v is None else "%.0f%%" % (v * 100)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return "{:,.0f}".format(v).replace(",", "\u202f")
    return "{:.{}f}".format(v, digits)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def paired_ratio(ours, peer, key):
    """Median of the per-repetition ratios ours/peer. Each repetition runs
    both servers back to back, so a pair shares the machine's state of the
    moment (these machines drift by 10-20% within minutes): the median of
    the pairs is steadier than the ratio of the two medians."""
    pairs = [ratio(o.get(key), p.get(key)) for o, p in zip(ours, peer)]
    return med([r for r in pairs if r is not None])


# ---- a minimal PNG bar chart (used when matplotlib is not available)

_FONT = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    " ": "00000 00000 00000 00000 00000 00000 00000", ".": "00000 00000 00000 00000 00000 01100 01100",
    ",": "00000 00000 00000 00000 01100 00100 01000", "=": "00000 00000 11111 00000 11111 00000 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000", ":": "00000 01100 01100 00000 01100 01100 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "-": "00000 00000 00000 11111 00000 00000 00000", "+": "00000 00100 00100 11111 00100 00100 00000",
    "%": "11000 11001 00010 00100 01000 10011 00011", "<": "00010 00100 01000 10000 01000 00100 00010",
    ">": "01000 00100 00010 00001 00010 00100 01000", "_": "00000 00000 00000 00000 00000 00000 11111",
    "?": "01110 10001 00001 00010 00100 00000 00100",
}


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b"\xff" * (w * h * 3))

    def rect(self, x0, y0, x1, y1, rgb):
        x0, x1 = max(0, int(x0)), min(self.w, int(x1))
        y0, y1 = max(0, int(y0)), min(self.h, int(y1))
        if x1 <= x0:
            return
        row = bytes(rgb) * (x1 - x0)
        for y in range(y0, y1):
            i = (y * self.w + x0) * 3
            self.px[i:i + len(row)] = row

    def text(self, x, y, s, rgb=(0, 0, 0), scale=2):
        for ch in s.upper():
            glyph = _FONT.get(ch, _FONT["?"]).split()
            for gy, bits in enumerate(glyph):
                for gx, b in enumerate(bits):
                    if b == "1":
                        self.rect(x + gx * scale, y + gy * scale, x + (gx + 1) * scale,
                                  y + (gy + 1) * scale, rgb)
            x += 6 * scale

    @staticmethod
    def text_width(s, scale=2):
        return len(s) * 6 * scale

    def png(self):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3])
                       for y in range(self.h))

        def chunk(tag, data):
            return (struct.pack(">I", len(data)) + tag + data +
                    struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


GOOD = (46, 139, 87)
BAD = (200, 60, 50)
GREY = (150, 150, 150)


def chart_pure(bars, title, path):
    """bars: list of (label, value, good: bool|None)."""
    scale = 2
    label_w = max(Canvas.text_width(b[0], scale) for b in bars) + 30
    plot_w = 560
    row_h = 34
    top = 70
    w = label_w + plot_w + 120
    h = top + row_h * len(bars) + 60
    vmax = max([b[1] for b in bars if b[1] is not None] + [1.0]) * 1.1
    c = Canvas(w, h)
    c.text(20, 18, title, scale=2)
    c.text(20, 42, "GREEN = MEETS ITS DIRECTION/TARGET, RED = DOES NOT, GREY = NO VERDICT (REFERENCE ROWS), LINE = 1.0", (90, 90, 90), 1)
    x0 = label_w
    for i, (label, value, good) in enumerate(bars):
        y = top + i * row_h
        c.text(x0 - 15 - Canvas.text_width(label, scale), y + 8, label, scale=scale)
        if value is None:
            c.text(x0 + 6, y + 8, "N/A", GREY, scale)
            continue
        bw = value / vmax * plot_w
        c.rect(x0, y + 4, x0 + bw, y + row_h - 4, GOOD if good else (BAD if good is False else GREY))
        c.text(x0 + bw + 8, y + 8, "%.2f" % value, scale=scale)
    # axis and the 1.0 reference line
    c.rect(x0 - 1, top - 6, x0 + 1, top + row_h * len(bars) + 6, (0, 0, 0))
    x1 = x0 + 1.0 / vmax * plot_w
    for yy in range(top - 6, top + row_h * len(bars) + 6, 6):
        c.rect(x1 - 1, yy, x1 + 1, yy + 3, (0, 0, 0))
    c.text(x1 - 18, top + row_h * len(bars) + 14, "1.0", scale=scale)
    with open(path, "wb") as f:
        f.write(c.png())


def chart(bars, title, path):
    try:
        import matplotlib  # noqa: PLC0415
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except Exception:  # noqa: BLE001
        chart_pure(bars, title, path)
        return "built-in PNG writer (matplotlib not available)"
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(bars) + 1.6))
    labels = [b[0] for b in bars][::-1]
    values = [b[1] if b[1] is not None else 0 for b in bars][::-1]
    colors = ["#2e8b57" if b[2] else ("#c83c32" if b[2] is False else "#999999") for b in bars][::-1]
    ax.barh(labels, values, color=colors)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    for i, b in enumerate(bars[::-1]):
        ax.text(values[i], i, " %.2f" % b[1] if b[1] is not None else " n/a", va="center")
    ax.set_title(title)
    ax.set_xlabel("ratio (green = meets its direction/target, red = does not, grey = no verdict)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return "matplotlib"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=2.0, help="seconds per run (default 2)")
    ap.add_argument("--reps", type=int, default=7, help="runs per case and server (default 7)")
    ap.add_argument("--quick", action="store_true", help="~1 minute smoke run (2 x 1 s runs)")
    ap.add_argument("--cases", default="", help="comma-separated subset of: " + ",".join(ALL_CASES))
    ap.add_argument("--ws-depth", type=int, default=1, help="WebSocket messages in flight per connection")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    if args.quick:
        args.duration, args.reps = 1.0, 2
    selected = set(args.cases.split(",")) if args.cases else set(ALL_CASES)
    unknown = selected - set(ALL_CASES)
    if unknown:
        ap.error("unknown case(s): " + ", ".join(sorted(unknown)))

    tools = check_tools()
    args.footprint = footprint()
    ws_load, ws_floor, http_load = build_bench_tools(tools["cc"])
    try:
        os.sched_setaffinity(0, {int(CLIENT_CPU)})  # this script is a client too
    except OSError:
        pass
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="mgbench.")
    docroot = os.path.join(tmp, "www")
    os.makedirs(docroot)
    for name, size in STATIC_FILES:
        with open(os.path.join(docroot, name), "wb") as f:
            f.write(os.urandom(size))

    t_start = time.time()
    args.load_start = loadavg()
    if args.load_start > 1.0:
        log("bench: warning: load average is %.2f before starting: other processes compete for "
            "the 2 CPUs and the numbers will be noisy" % args.load_start)
    rows = []      # raw CSV rows
    summary = []   # per case
    servers = {}

    def server(kind):
        if kind not in servers or not servers[kind].alive():
            if kind == "nginx":
                servers[kind] = start_nginx(tools["nginx"], tmp, docroot)
            else:
                servers[kind] = start_ours(kind, tmp, docroot)
        return servers[kind]

    try:
        # ---- HTTP cases against nginx
        sizes = dict(("/" + name, size) for name, size in STATIC_FILES)
        for cid, title, kind, path, conns, headers, client in HTTP_CASES:
            if cid not in selected:
                continue
            problems = {}
            for who in (kind, "nginx"):
                why = verify("static" if path.endswith(".bin") else "hello", server(who).port, path, docroot)
                if why:
                    problems[who] = why
                    log("  ! %s: %s" % (who, why))
            per = {"ours": [], "nginx": []}
            for rep in range(args.reps):
                order = [("ours", kind), ("nginx", "nginx")]
                if rep % 2:
                    order.reverse()
                for label, k in order:
                    if client == "http_load":
                        r = run_http_load(http_load, server(k), path, conns, args.duration, sizes[path])
                    else:
                        r = run_wrk(tools["wrk"], server(k), path, conns, args.duration, headers)
                    r.update(case=cid, server=label, rep=rep + 1, connections=conns, client=client)
                    per[label].append(r)
                    rows.append(r)
                    log("%-15s %-5s rep %d: %10.0f req/s  cpu %.2f us/req  errors %d  non2xx %d%s" % (
                        cid, label, rep + 1, r["rps"], r["cpu_us_per_op"] or 0, r["errors"], r["non2xx"],
                        ("  [" + r["note"] + "]") if r.get("note") else ""))
            summary.append(dict(case=cid, title=title, kind="http", per=per, problems=problems))

        # ---- WebSocket echo: the target is absolute; the peer is the floor
        # (bench/ws_floor.c), a bare select() echo loop measured in the
        # same run, which pays the same loopback TCP cost and nothing else.
        for cid, title, conns in WS_CASES:
            if cid not in selected:
                continue
            per = {"ours": [], "floor": []}
            for rep in range(args.reps):
                order = [("ours", "ws"), ("floor", "ws_floor")]
                if rep % 2:
                    order.reverse()
                for label, k in order:
                    r = run_ws_load(ws_load, server(k), conns, args.duration, args.ws_depth)
                    r.update(case=cid, server=label, rep=rep + 1, connections=conns, non2xx=0)
                    per[label].append(r)
                    rows.append(r)
                    log("%-15s %-5s rep %d: %10.0f msg/s  cpu %.2f us/msg  errors %d%s" % (
                        cid, label, rep + 1, r["rps"], r["cpu_us_per_op"] or 0, r["errors"],
                        ("  [" + r["note"] + "]") if r.get("note") else ""))
            summary.append(dict(case=cid, title=title, kind="ws", per=per, problems={}))

        for s in list(servers.values()):
            s.stop()
        servers.clear()

        # ---- RSS: fresh servers, then with IDLE_CONNS idle keep-alive connections
        if selected & set(RSS_CASES):
            settle = 0.3 if args.quick else 1.0
            per = {"ours": [], "ours_static": [], "nginx": []}
            starters = {"ours": lambda: start_ours("hello", tmp, docroot),
                        "ours_static": lambda: start_ours("static", tmp, docroot),
                        "nginx": lambda: start_nginx(tools["nginx"], tmp, docroot)}
            for rep in range(args.reps):
                order = ["ours", "nginx", "ours_static"] if rep % 2 == 0 else ["nginx", "ours", "ours_static"]
                for label in order:
                    fresh, idle, alive = measure_rss(starters[label], settle)
                    per[label].append((fresh, idle, alive))
                    for cid, v in (("rss_fresh", fresh), ("rss_idle500", idle)):
                        rows.append(dict(case=cid, server=label, rep=rep + 1,
                                         connections=0 if cid == "rss_fresh" else IDLE_CONNS,
                                         rss_kib=v, note="%d/%d connections still open" % (alive, IDLE_CONNS)
                                         if cid == "rss_idle500" else ""))
                    log("rss             %-11s rep %d: fresh %d KiB, %d idle conns %d KiB (%d still open)" % (
                        label, rep + 1, fresh, IDLE_CONNS, idle, alive))
            summary.append(dict(case="rss", kind="rss", per=per))

        # ---- instructions per request under callgrind (deterministic)
        if INSTR_CASE in selected:
            valgrind = find_tool("valgrind")
            if valgrind is None:
                log("instr_hello: skipped: valgrind is not installed (sudo apt-get install valgrind)")
            else:
                ours = callgrind_instructions(
                    lambda w: start_ours("hello", tmp, docroot, wrapper=w), tmp, "ours")
                peer = callgrind_instructions(
                    lambda w: start_nginx(tools["nginx"], tmp, docroot, wrapper=w), tmp, "nginx")
                log("instr_hello     ours %.0f, nginx %.0f user-space instructions per request" % (ours, peer))
                rows.append(dict(case=INSTR_CASE, server="ours", rep=1, connections=10,
                                 note="%.0f instructions per request" % ours))
                rows.append(dict(case=INSTR_CASE, server="nginx", rep=1, connections=10,
                                 note="%.0f instructions per request" % peer))
                summary.append(dict(case=INSTR_CASE, kind="instr", ours=ours, peer=peer))
    finally:
        for s in servers.values():
            s.stop()

    elapsed = time.time() - t_start
    write_reports(args, tools, rows, summary, elapsed)
    shutil.rmtree(tmp, ignore_errors=True)


def write_reports(args, tools, rows, summary, elapsed):
    # ---- CSV (one row per run)
    cols = ["case", "server", "client", "rep", "connections", "duration", "requests", "rps", "latency_ms",
            "err_connect", "err_read", "err_write", "err_timeout", "errors", "non2xx", "cpu_s",
            "cpu_us_per_op", "client_cpu_s", "other_cpu_s", "loadavg1", "rss_kib", "note"]
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            out = {}
            for k in cols:
                v = r.get(k, "")
                if isinstance(v, float):
                    v = "%.6g" % v if k != "rps" else "%.1f" % v
                out[k] = "" if v is None else v
            w.writerow(out)

    # ---- summary table
    table = []
    bars = []
    for s in summary:
        if s["kind"] == "http":
            o, n = s["per"]["ours"], s["per"]["nginx"]
            o_rps, n_rps = med([r["rps"] for r in o]), med([r["rps"] for r in n])
            o_cpu, n_cpu = med([r["cpu_us_per_op"] for r in o]), med([r["cpu_us_per_op"] for r in n])
            o_err = sum(r["errors"] + r["non2xx"] for r in o)
            n_err = sum(r["errors"] + r["non2xx"] for r in n)
            rr, cr = paired_ratio(o, n, "rps"), paired_ratio(o, n, "cpu_us_per_op")
            busy = "%s / %s" % (busy_pct(o, "cpu_s"), busy_pct(n, "cpu_s"))
            gen = "%s / %s" % (busy_pct(o, "client_cpu_s"), busy_pct(n, "client_cpu_s"))
            ours_problems = [v for k, v in s["problems"].items() if k != "nginx"]
            # http_load counts every wrong answer (status, length, short
            # body, dropped connection) as an error: any makes the row invalid.
            invalid = bool(ours_problems) or any(
                r["non2xx"] or (r.get("client") == "http_load" and r["errors"]) for r in o)
            target, ok = "", None
            cid = s["case"]
            if cid == "hello_ka_c100":
                target, ok = "CPU/req <= nginx", (cr is not None and cr <= 1.0 and not invalid)
            elif cid in ("static_1k", "static_64k", "static_1m"):
                target, ok = "req/s >= 1.0x nginx", (rr is not None and rr >= 1.0 and not invalid)
            elif cid == "close_c10":
                target, ok = "no client errors", (o_err == 0 and bool(o) and not invalid)
            table.append(dict(title=s["title"], metric="req/s", ours=fmt(o_rps), nginx=fmt(n_rps),
                              ratio=fmt(rr, 2), ocpu=fmt(o_cpu, 2), ncpu=fmt(n_cpu, 2), cratio=fmt(cr, 2),
                              errs="%d / %d" % (o_err, n_err), busy=busy, gen=gen, target=target,
                              result=("" if ok is None else ("PASS" if ok else "FAIL")) +
                              ("; INVALID: %s" % "; ".join(ours_problems) if ours_problems else
                               ("; INVALID: wrong responses" if invalid else ""))))
            short = s["title"].replace("keep-alive ", "").replace("Connection: ", "")
            # The *_wrk static rows are client-bound references: no colour
            # (their CPU per request depends on how the kernel's loopback
            # work splits between a slow client and the server).
            reference = cid.endswith("_wrk")
            bars.append(("%s req/s" % short, rr, None if rr is None or reference else
                         (rr >= 1.0 and not invalid)))
            bars.append(("%s CPU/req" % short, cr, None if cr is None or reference else
                         (cr <= 1.0 and not invalid)))
        elif s["kind"] == "ws":
            o, fl = s["per"]["ours"], s["per"]["floor"]
            o_rps, o_cpu = med([r["rps"] for r in o]), med([r["cpu_us_per_op"] for r in o])
            f_rps, f_cpu = med([r["rps"] for r in fl]), med([r["cpu_us_per_op"] for r in fl])
            o_err = sum(r["errors"] for r in o)
            f_err = sum(r["errors"] for r in fl)
            rr, cr = paired_ratio(o, fl, "rps"), paired_ratio(o, fl, "cpu_us_per_op")
            target, ok = "", None
            if s["case"] == "ws_c50":
                target, ok = ">= %s msg/s" % fmt(WS_TARGET), (o_rps is not None and o_rps >= WS_TARGET and o_err == 0)
                bars.append(("WS C=50 MSG/S / TARGET", ratio(o_rps, WS_TARGET), ok))
                bars.append(("WS C=50 MSG/S / FLOOR", rr, None))
            table.append(dict(title=s["title"] + (" (depth %d; peer: bare select() echo)" % args.ws_depth),
                              metric="msg/s", ours=fmt(o_rps), nginx=fmt(f_rps), ratio=fmt(rr, 2),
                              ocpu=fmt(o_cpu, 2), ncpu=fmt(f_cpu, 2), cratio=fmt(cr, 2),
                              errs="%d / %d" % (o_err, f_err),
                              busy="%s / %s" % (busy_pct(o, "cpu_s"), busy_pct(fl, "cpu_s")),
                              gen="%s / %s" % (busy_pct(o, "client_cpu_s"), busy_pct(fl, "client_cpu_s")),
                              target=target, result="" if ok is None else ("PASS" if ok else "FAIL")))
        elif s["kind"] == "instr":
            rr = ratio(s["ours"], s["peer"])
            bars.append(("HELLO INSTR/REQ / NGINX", rr, None if rr is None else rr <= 1.0))
            table.append(dict(title="hello keep-alive c=10 under callgrind (user space only)",
                              metric="instructions/req", ours=fmt(s["ours"]), nginx=fmt(s["peer"]),
                              ratio=fmt(rr, 2), ocpu="-", ncpu="-", cratio="-", errs="-", busy="-",
                              gen="-", target="", result=""))
        elif s["kind"] == "rss":
            per = s["per"]
            for idx, title in ((0, "RSS fresh"), (1, "RSS with %d idle keep-alive conns" % IDLE_CONNS)):
                o = med([v[idx] for v in per["ours"]])
                st = med([v[idx] for v in per["ours_static"]])
                n = med([v[idx] for v in per["nginx"]])
                rr = ratio(o, n)
                target, ok = "", None
                if idx == 1:
                    all_open = all(v[2] == IDLE_CONNS for v in per["ours"])
                    target, ok = "<= 2.5 MiB (2560 KiB)", (o is not None and o <= RSS_TARGET_KIB and all_open)
                    bars.append(("RSS IDLE%d / NGINX" % IDLE_CONNS, rr, None if rr is None else rr <= 1.0))
                    bars.append(("RSS IDLE%d / 2.5 MIB" % IDLE_CONNS, ratio(o, RSS_TARGET_KIB), ok))
                else:
                    bars.append(("RSS FRESH / NGINX", rr, None if rr is None else rr <= 1.0))
                table.append(dict(title=title + " (hello_world; build/mongoose: %s KiB)" % fmt(st),
                                  metric="KiB", ours=fmt(o), nginx=fmt(n), ratio=fmt(rr, 2), ocpu="-",
                                  ncpu="-", cratio="-", errs="-", busy="-", gen="-", target=target,
                                  result="" if ok is None else ("PASS" if ok else "FAIL")))

    lines = []
    lines.append("# Benchmark: Mongoose (Rust) vs nginx\n")
    lines.append("Generated by `bench/run.py` on %s; %d run(s) of %g s per case and server, alternating; "
                 "medians shown. Server pinned to CPU %s, load generator to CPU %s, loopback only. "
                 "Whole run took %.0f s.\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), args.reps, args.duration,
                                               SERVER_CPU, CLIENT_CPU, elapsed))
    lines.append("Machine: %s, %d CPUs, kernel %s. %s. %s. Python %s.\n" % (
        platform.machine(), os.cpu_count() or 0, platform.release(), tool_version([tools["nginx"], "-v"]),
        tool_version([tools["wrk"], "--version"]).split(" Copyright")[0], platform.python_version()))
    other = med([r["other_cpu_s"] / r["duration"] for r in rows
                 if r.get("other_cpu_s") is not None and r.get("duration")])
    other_max = max([r["other_cpu_s"] / r["duration"] for r in rows
                     if r.get("other_cpu_s") is not None and r.get("duration")] or [0])
    noisy = args.load_start > 1.0 or (other or 0) > 0.10
    lines.append("Interference: 1-minute load average %.2f before the first run; CPU time on CPUs %s+%s used "
                 "by anything but the server and the load generator: median %.0f%%, max %.0f%% of one CPU "
                 "per run%s.\n" % (args.load_start, SERVER_CPU, CLIENT_CPU, (other or 0) * 100, other_max * 100,
                                   " — **other processes were competing for the CPUs: treat the numbers as "
                                   "noisy**" if noisy else ""))
    lines.append("The peer is nginx, except for WebSocket echo (nginx has none): there it is "
                 "`bench/ws_floor.c`, a bare select() echo loop with no parsing, checks or handler "
                 "calls — the floor this machine's loopback TCP allows a select() server in this run.\n")
    lines.append("| Case | Metric | Ours | Peer | Ratio ours/peer | Server CPU µs/op ours | peer | "
                 "CPU ratio | Errors ours / peer | Server CPU busy ours / peer | Load gen CPU busy "
                 "ours / peer | Target | Result |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for t in table:
        lines.append("| {title} | {metric} | {ours} | {nginx} | {ratio} | {ocpu} | {ncpu} | {cratio} | "
                     "{errs} | {busy} | {gen} | {target} | {result} |".format(**t))
    lines.append("")
    foot = args.footprint
    lines.append("Footprint (`size -B`, bytes; standard library: %s; build/libmongoose.a: %s bytes):\n"
                 % (foot["std"], fmt(foot["archive"])))
    lines.append("| Program | text | data | bss | Target | Result |")
    lines.append("|---|---:|---:|---:|---|---|")
    for label, tdb in foot["programs"]:
        target, result = "", ""
        if label == "hello_world":
            target = "text <= %s" % fmt(TEXT_TARGET)
            result = "" if tdb is None else ("PASS" if tdb[0] <= TEXT_TARGET else "FAIL")
            bars.append(("HELLO TEXT / 300 KB", None if tdb is None else tdb[0] / TEXT_TARGET,
                         None if tdb is None else tdb[0] <= TEXT_TARGET))
        cells = ["n/a"] * 3 if tdb is None else [fmt(v) for v in tdb]
        lines.append("| %s | %s | %s | %s | %s | %s |" % (label, cells[0], cells[1], cells[2], target, result))
    lines.append("")
    lines.append("Ratios are medians of the per-run ratios (each run measures both servers back to "
                 "back), so they need not equal the ratio of the medians shown. "
                 "Ratio > 1 is better for req/s; CPU ratio and RSS ratio < 1 are better. \"Errors\" adds "
                 "wrk's socket errors (connect/read/write/timeout) and non-2xx responses over all runs "
                 "(for http_load: responses that were not a 200 with the file's exact length, and "
                 "dropped connections; for "
                 "WebSocket: bad or lost echoes). The static-file targets are judged on the http_load "
                 "rows, where the servers rather than the client limit req/s (see `bench/README.md`). Raw numbers per run: `results.csv`; chart: "
                 "`ratios.png`. See `bench/README.md`.")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")

    how = chart(bars, "MONGOOSE (RUST) / NGINX RATIOS", os.path.join(args.out, "ratios.png")) if bars else "none"
    log("")
    log("\n".join(lines))
    log("\nchart: %s (%s)" % (os.path.join(args.out, "ratios.png"), how))


if __name__ == "__main__":
    main()
