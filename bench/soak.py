#!/usr/bin/env python3
"""make soak: mixed traffic against the servers for a bounded time, with
memory and descriptors sampled every second.

Servers (all on 127.0.0.1, ephemeral ports, killed at the end whatever
happens):
  mongoose     build/mongoose serving a temporary directory of files of
               several sizes (0 B .. 4 MiB), with an access log
  ws           build/examples/websocket_echo
  upload       build/examples/file_upload saving into a temporary directory

Clients (one asyncio loop in this process, each kind a few concurrent
workers, each paced so the client stays well under one core):
  keepalive    sessions of GET/HEAD/conditional/listing requests on one
               connection, some pipelined; every body compared byte for byte
  close        one request per connection (Connection: close, HTTP/1.0)
  range        byte ranges (a-b, a-, -n, unsatisfiable, multi) with their
               Content-Range and bytes checked
  post         POST bodies to build/mongoose (a static file answers them)
  upload       multipart uploads to file_upload; the saved file is compared
               with what was sent
  ws           WebSocket echo: text and binary, fragmented, PINGs, closing
               handshake; every echo compared
  slowloris    a head or body trickled a byte a second, a websocket message
               trickled, a reply read 100 bytes a second: the server must
               cut each (408 / close 1008 / close)
  malformed    requests and frames the server must refuse with a given
               status or close code, then close
  reset        abrupt resets (SO_LINGER 0) in the middle of a download, a
               head, an upload, a websocket message, pipelined requests

Properties (exit status 1 if any fails):
  * every well-formed request got its correct reply (counted per kind),
    and every kind ran at least once;
  * the only errors are those the malformed and slowloris clients earned;
  * after warm-up, each server's RSS stays within 5 % of its post-warm-up
    level (median of the 10 samples after warm-up);
  * once the load stops, each server's descriptor count returns to its
    baseline (taken idle, after one request: a server takes its spare
    descriptor at its first accept);
  * the servers are alive at the end, still answer, print nothing on
    stderr and exit 0 on SIGTERM.

Output: bench/results/soak.csv (one row per second), soak.png (RSS and
descriptors over time) and soak.md (the numbers).

Usage: python3 bench/soak.py [--seconds N] [--out DIR]
       (SOAK_SECONDS sets the default duration: 600)
"""

import argparse
import asyncio
import base64
import csv
import hashlib
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")

# The files build/mongoose serves: name -> size.
FILE_SIZES = {
    "empty.bin": 0,
    "one.bin": 1,
    "small.txt": 100,
    "k1.bin": 1000,
    "k4.bin": 4096,
    "k16.bin": 16384,
    "k64.bin": 65536 + 7,
    "k256.bin": 262144,
    "m1.bin": 1048576 + 3,
    "m4.bin": 4 * 1048576,
}
# build/mongoose's timeouts in the soak: slowloris clients are cut after
# about this long (request_timeout_ms is also min_transfer_rate's window).
MG_REQUEST_TIMEOUT_MS = 5000
# websocket_echo and file_upload keep the library defaults.
DEFAULT_REQUEST_TIMEOUT_MS = 30000
# Longest a well-formed exchange may take before it counts as lost.
OP_TIMEOUT = 30.0
# The servers run with glibc's heap trimming and dynamic mmap threshold
# turned off (--malloc highwater, the default), so their RSS is the
# high-water mark of the heap: a buffer in flight at the moment of a
# sample (a 1.5 MB upload, a 200 KB websocket message) does not make it
# swing by more than the 5 % under test, while anything that leaks or
# fragments still makes it climb. --malloc default keeps glibc's own
# settings (RSS then follows the buffers in flight).
HIGHWATER_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(1 << 40),
}
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Stats:
    """Counters shared by the workers (one asyncio thread) and read by
    the sampler thread (ints only: reads are atomic enough)."""

    def __init__(self):
        self.ok = {}  # kind -> well-formed requests answered correctly
        self.earned = {}  # "kind: what" -> errors the client asked for
        self.aborted = {}  # kind -> slowloris sessions ended by the stop
        self.failures = 0
        self.failure_notes = []

    def good(self, kind, n=1):
        self.ok[kind] = self.ok.get(kind, 0) + n

    def earn(self, what):
        self.earned[what] = self.earned.get(what, 0) + 1

    def fail(self, kind, message):
        self.failures += 1
        if len(self.failure_notes) < 40:
            self.failure_notes.append(f"{time.strftime('%H:%M:%S')} {kind}: {message}")
            print(f"FAILURE {kind}: {message}", file=sys.stderr, flush=True)

    def total_ok(self):
        return sum(self.ok.values())

    def total_earned(self):
        return sum(self.earned.values())


class Failure(Exception):
    """A wrong reply to a well-formed request."""


def check(cond, message):
    if not cond:
        raise Failure(message)


# ---------------------------------------------------------------- servers


class ServerProc:
    def __init__(self, name, argv, workdir, env):
        self.name = name
        self.stderr_path = os.path.join(workdir, f"{name}.stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=self.stderr, cwd=workdir, env=env
        )
        line = self.proc.stdout.readline().decode()
        if not line.startswith("Listening on port"):
            raise SystemExit(f"{name}: unexpected banner {line!r}")
        self.port = int(line.split()[-1].rsplit(":", 1)[-1])
        # Drain the rest of stdout so the server never blocks on it.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def memory_kib(self):
        """VmRSS and its anonymous part (heap, stacks: what a leak grows;
        the rest is the program's file pages, faulted in as code runs)."""
        found = {}
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(("VmRSS:", "RssAnon:")):
                        found[line.split(":")[0]] = int(line.split()[1])
        except OSError:
            pass
        return found.get("VmRSS", -1), found.get("RssAnon", -1)

    def fds(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return -1

    def cpu_s(self):
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return -1.0

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        if not self.alive():
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()

    def stderr_text(self):
        self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")


# ---------------------------------------------------------------- HTTP


async def timed(aw, timeout=OP_TIMEOUT):
    return await asyncio.wait_for(aw, timeout)


async def open_conn(port, rcvbuf=None):
    if rcvbuf is None:
        return await timed(asyncio.open_connection("127.0.0.1", port), 10)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await timed(asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), 10)
    return await asyncio.open_connection(sock=sock, limit=rcvbuf)


def close_quietly(writer):
    try:
        writer.close()
    except Exception:
        pass


def reset(writer):
    """Closes with SO_LINGER 0: the peer gets an RST, not a FIN."""
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


class Reply:
    def __init__(self, status, headers, body, raw_head):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        return self.headers.get(name.lower())


async def read_reply(reader, head_request=False):
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    check(len(parts) >= 2 and parts[0].startswith(b"HTTP/1."), f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.decode().strip().lower()] = value.decode(errors="replace").strip()
    body = b""
    if head_request or status in (204, 304) or 100 <= status < 200:
        pass
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        pieces = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                check(await reader.readuntil(b"\r\n") == b"\r\n", "trailers after chunks")
                break
            pieces.append(await reader.readexactly(size))
            check(await reader.readexactly(2) == b"\r\n", "chunk not followed by CRLF")
        body = b"".join(pieces)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return Reply(status, headers, body, raw)


async def read_to_eof(reader, limit=1 << 20):
    out = b""
    while len(out) < limit:
        try:
            data = await reader.read(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        out += data
    return out


async def expect_eof(reader, what):
    rest = await timed(read_to_eof(reader), 10)
    check(rest == b"", f"{what}: {len(rest)} unexpected bytes before the close")


def get_request(path, extra="", method="GET", version="HTTP/1.1"):
    host = "Host: soak\r\n" if version == "HTTP/1.1" else ""
    return f"{method} {path} {version}\r\n{host}{extra}\r\n".encode()


# ---------------------------------------------------------------- WebSocket


def mask_bytes(payload, key):
    if not payload:
        return payload
    n = len(payload)
    pad = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(pad, "big")).to_bytes(n, "big")


def ws_frame(opcode, payload, fin=True, masked=True, rsv=0):
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", first, mask_bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


async def ws_read_frame(reader):
    b0, b1 = await reader.readexactly(2)
    check(b1 & 0x80 == 0, "server frame is masked")
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    return b0 & 0x80 != 0, b0 & 0x0F, await reader.readexactly(n)


def split_frames(data):
    """The (opcode, payload) of each complete server frame in `data`."""
    frames, i = [], 0
    while i + 2 <= len(data):
        n, at = data[i + 1] & 0x7F, i + 2
        if n == 126:
            n, at = struct.unpack("!H", data[at:at + 2])[0], at + 2
        elif n == 127:
            n, at = struct.unpack("!Q", data[at:at + 8])[0], at + 8
        if at + n > len(data):
            break
        frames.append((data[i] & 0x0F, data[at:at + n]))
        i = at + n
    return frames


async def ws_open(port):
    reader, writer = await open_conn(port)
    key = base64.b64encode(os.urandom(16))
    writer.write(
        b"GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    reply = await timed(read_reply(reader, head_request=True))
    check(reply.status == 101, f"websocket handshake got {reply.status}")
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
    check(reply.header("sec-websocket-accept") == accept, "wrong Sec-WebSocket-Accept")
    return reader, writer


async def ws_expect_close(reader, code, what):
    """The next frame must be a CLOSE with `code`; then the server closes."""
    fin, opcode, payload = await timed(ws_read_frame(reader), OP_TIMEOUT)
    check(opcode == 8, f"{what}: expected a CLOSE frame, got opcode {opcode}")
    got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    check(got == code, f"{what}: close code {got}, expected {code}")
    await expect_eof(reader, what)


# ---------------------------------------------------------------- workers


class Soak:
    def __init__(self, servers, docroot, upload_dir, files, stats, rng_seed):
        self.mg = servers["mongoose"]
        self.ws = servers["ws"]
        self.up = servers["upload"]
        self.docroot = docroot
        self.upload_dir = upload_dir
        self.files = files
        self.names = sorted(files)
        self.stats = stats
        self.seed = rng_seed
        self.stopping = asyncio.Event()
        self.etags = {}
        self.ws_page = None

    def rng(self, name):
        return random.Random(f"{self.seed}-{name}")

    async def pause(self, rng, lo=0.005, hi=0.03):
        try:
            await asyncio.wait_for(self.stopping.wait(), rng.uniform(lo, hi))
        except asyncio.TimeoutError:
            pass

    async def run_worker(self, kind, index, body, gap):
        rng = self.rng(f"{kind}{index}")
        n = 0
        while not self.stopping.is_set():
            n += 1
            try:
                await body(rng, f"{kind}{index}-{n}")
            except Failure as e:
                self.stats.fail(kind, str(e))
            except (asyncio.TimeoutError, asyncio.IncompleteReadError, OSError, ValueError) as e:
                self.stats.fail(kind, f"{type(e).__name__}: {e}")
            await self.pause(rng, gap / 2, gap * 1.5)

    # -- well-formed HTTP

    def expect_file(self, reply, name, head=False):
        data = self.files[name]
        check(reply.status == 200, f"GET /{name}: status {reply.status}")
        check(
            reply.header("content-length") == str(len(data)),
            f"GET /{name}: Content-Length {reply.header('content-length')}",
        )
        if not head:
            check(reply.body == data, f"GET /{name}: wrong body ({len(reply.body)} bytes)")
        etag = reply.header("etag")
        check(etag is not None, f"GET /{name}: no Etag")
        self.etags[name] = etag

    async def one_file_request(self, rng, reader, writer):
        """One request of the keep-alive mix; returns after checking it."""
        r = rng.random()
        name = rng.choice(self.names)
        if r < 0.75:
            writer.write(get_request(f"/{name}"))
            self.expect_file(await timed(read_reply(reader)), name)
        elif r < 0.85:
            writer.write(get_request(f"/{name}", method="HEAD"))
            self.expect_file(await timed(read_reply(reader, head_request=True)), name, head=True)
        elif r < 0.95 and name in self.etags:
            writer.write(get_request(f"/{name}", f"If-None-Match: {self.etags[name]}\r\n"))
            reply = await timed(read_reply(reader))
            check(reply.status == 304, f"conditional GET /{name}: status {reply.status}")
        else:
            writer.write(get_request("/"))
            reply = await timed(read_reply(reader))
            check(reply.status == 200, f"listing: status {reply.status}")
            missing = [n for n in self.names if n.encode() not in reply.body]
            check(not missing, f"listing lacks {missing}")

    async def keepalive(self, rng, tag):
        reader, writer = await open_conn(self.mg.port)
        try:
            for _ in range(rng.randint(5, 30)):
                if rng.random() < 0.15:
                    # Three pipelined GETs in one write.
                    names = [rng.choice(self.names) for _ in range(3)]
                    writer.write(b"".join(get_request(f"/{n}") for n in names))
                    for n in names:
                        self.expect_file(await timed(read_reply(reader)), n)
                    self.stats.good("keepalive", 3)
                else:
                    await self.one_file_request(rng, reader, writer)
                    self.stats.good("keepalive")
                await self.pause(rng, 0.005, 0.03)
        finally:
            close_quietly(writer)

    async def close_each(self, rng, tag):
        if rng.random() < 0.2:
            # The websocket server's page, over HTTP.
            reader, writer = await open_conn(self.ws.port)
            try:
                writer.write(get_request("/", "Connection: close\r\n"))
                reply = await timed(read_reply(reader))
                check(reply.status == 200, f"ws page: status {reply.status}")
                check(reply.body == self.ws_page, "ws page: wrong body")
                await expect_eof(reader, "ws page with Connection: close")
            finally:
                close_quietly(writer)
            self.stats.good("close")
            return
        name = rng.choice(self.names)
        reader, writer = await open_conn(self.mg.port)
        try:
            if rng.random() < 0.5:
                writer.write(get_request(f"/{name}", "Connection: close\r\n"))
            else:
                writer.write(get_request(f"/{name}", version="HTTP/1.0"))
            self.expect_file(await timed(read_reply(reader)), name)
            await expect_eof(reader, f"GET /{name} with close")
        finally:
            close_quietly(writer)
        self.stats.good("close")

    async def ranges(self, rng, tag):
        reader, writer = await open_conn(self.mg.port)
        try:
            for _ in range(rng.randint(3, 15)):
                name = rng.choice([n for n in self.names if self.files[n]])
                data = self.files[name]
                size = len(data)
                kind = rng.random()
                if kind < 0.5:
                    a = rng.randrange(size)
                    b = rng.randrange(a, size)
                    spec, want = f"{a}-{b}", (a, b)
                elif kind < 0.7:
                    a = rng.randrange(size)
                    spec, want = f"{a}-", (a, size - 1)
                elif kind < 0.85:
                    n = rng.randint(1, size)
                    spec, want = f"-{n}", (size - n, size - 1)
                elif kind < 0.95:
                    spec, want = f"{size + rng.randint(0, 100)}-", None
                else:
                    spec, want = "0-0,2-3", "all"
                writer.write(get_request(f"/{name}", f"Range: bytes={spec}\r\n"))
                reply = await timed(read_reply(reader))
                if want is None:
                    check(reply.status == 416, f"range {spec} of {size}: {reply.status}")
                    check(
                        reply.header("content-range") == f"bytes */{size}",
                        f"416 Content-Range {reply.header('content-range')}",
                    )
                elif want == "all":
                    # Several ranges: the whole file is a correct answer.
                    self.expect_file(reply, name)
                else:
                    a, b = want
                    check(reply.status == 206, f"range {spec} of {size}: {reply.status}")
                    check(
                        reply.header("content-range") == f"bytes {a}-{b}/{size}",
                        f"range {spec}: Content-Range {reply.header('content-range')}",
                    )
                    check(reply.body == data[a : b + 1], f"range {spec}: wrong bytes")
                self.stats.good("range")
                await self.pause(rng, 0.005, 0.03)
        finally:
            close_quietly(writer)

    async def post(self, rng, tag):
        """POST bodies to build/mongoose: a static file answers them, the
        body is read and discarded, and the connection goes on."""
        reader, writer = await open_conn(self.mg.port)
        try:
            for _ in range(rng.randint(2, 8)):
                name = rng.choice(self.names)
                body = rng.randbytes(rng.choice([0, 10, 1000, 20000, 200000]))
                if rng.random() < 0.3:
                    # Chunked, in a few chunks.
                    cuts = sorted(rng.randrange(len(body) + 1) for _ in range(3))
                    pieces = [body[i:j] for i, j in zip([0] + cuts, cuts + [len(body)])]
                    framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
                    writer.write(
                        get_request(f"/{name}", "Transfer-Encoding: chunked\r\n", "POST")
                        + framed
                        + b"0\r\n\r\n"
                    )
                else:
                    writer.write(
                        get_request(f"/{name}", f"Content-Length: {len(body)}\r\n", "POST") + body
                    )
                self.expect_file(await timed(read_reply(reader)), name)
                self.stats.good("post")
        finally:
            close_quietly(writer)

    async def upload(self, rng, tag):
        reader, writer = await open_conn(self.up.port)
        try:
            for i in range(rng.randint(1, 4)):
                fname = f"{tag}-{i}.bin"
                data = rng.randbytes(rng.choice([0, 1, 5000, 100000, 700000, 1500000]))
                boundary = "----soak" + rng.randbytes(8).hex()
                body = (
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
                    f"hello\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                    f"filename=\"{fname}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
                writer.write(
                    get_request(
                        "/upload",
                        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                        f"Content-Length: {len(body)}\r\n",
                        "POST",
                    )
                    + body
                )
                reply = await timed(read_reply(reader))
                check(reply.status == 200, f"upload {len(data)} bytes: status {reply.status}")
                want = f"saved {fname} (field file): {len(data)} bytes\n1 file(s) uploaded\n"
                check(reply.body.decode(errors="replace") == want, f"upload reply {reply.body[:200]!r}")
                path = os.path.join(self.upload_dir, fname)
                with open(path, "rb") as f:
                    check(f.read() == data, f"uploaded {fname}: saved bytes differ")
                os.unlink(path)
                self.stats.good("upload")
        finally:
            close_quietly(writer)

    async def websocket(self, rng, tag):
        reader, writer = await ws_open(self.ws.port)
        self.stats.good("ws")  # the handshake
        try:
            for _ in range(rng.randint(5, 40)):
                r = rng.random()
                size = rng.choice([0, 1, 125, 126, 1000, 65535, 65536, 200000])
                if r < 0.1:
                    payload = rng.randbytes(min(size, 125))
                    writer.write(ws_frame(9, payload))
                    fin, opcode, got = await timed(ws_read_frame(reader))
                    check(opcode == 10 and got == payload, f"PING answered with opcode {opcode}")
                else:
                    text = r < 0.5
                    payload = (
                        rng.choice(["a", "é", "€", "z"]) * (size // 3)
                    ).encode() if text else rng.randbytes(size)
                    opcode = 1 if text else 2
                    if r > 0.8 and len(payload) > 4:
                        # Three fragments; UTF-8 split anywhere is fine.
                        a, b = sorted(rng.sample(range(1, len(payload)), 2))
                        writer.write(
                            ws_frame(opcode, payload[:a], fin=False)
                            + ws_frame(0, payload[a:b], fin=False)
                            + ws_frame(0, payload[b:])
                        )
                    else:
                        writer.write(ws_frame(opcode, payload))
                    fin, got_op, got = await timed(ws_read_frame(reader))
                    check(fin and got_op == opcode, f"echo opcode {got_op} fin {fin}")
                    check(got == payload, f"echo of {len(payload)} bytes differs ({len(got)})")
                self.stats.good("ws")
                await self.pause(rng, 0.005, 0.03)
            writer.write(ws_frame(8, struct.pack("!H", 1000) + b"bye"))
            await ws_expect_close(reader, 1000, "closing handshake")
            self.stats.good("ws")
        finally:
            close_quietly(writer)

    # -- clients that earn their errors

    async def trickle(self, writer, reader, data, interval):
        """Sends `data` a byte per `interval` until the server closes or
        the soak stops. Returns what the server sent, or None on stop."""
        got = b""
        for i in range(len(data)):
            if self.stopping.is_set():
                return None
            try:
                writer.write(data[i : i + 1])
                await writer.drain()
            except (ConnectionError, OSError):
                break
            try:
                chunk = await asyncio.wait_for(reader.read(4096), interval)
                if not chunk:
                    return got
                got += chunk
            except asyncio.TimeoutError:
                pass
            except ConnectionError:
                return got
        rest = await timed(read_to_eof(reader), OP_TIMEOUT)
        return got + rest

    async def slowloris(self, rng, tag):
        variant = rng.choice(["head", "body", "reader", "ws_head", "ws_message"])
        limit_ms = MG_REQUEST_TIMEOUT_MS
        started = time.monotonic()
        if variant in ("head", "body", "ws_head"):
            port = self.ws.port if variant == "ws_head" else self.mg.port
            if variant == "ws_head":
                limit_ms = DEFAULT_REQUEST_TIMEOUT_MS
            reader, writer = await open_conn(port)
            try:
                if variant == "body":
                    writer.write(get_request("/k1.bin", "Content-Length: 1000000\r\n", "POST"))
                    data = b"x" * 1000
                else:
                    writer.write(b"GET /k1.bin HTTP/1.1\r\nHost: soak\r\nX-Slow: ")
                    data = b"a" * 1000
                got = await self.trickle(writer, reader, data, 1.0)
            finally:
                close_quietly(writer)
            if got is None:
                self.stats.aborted[variant] = self.stats.aborted.get(variant, 0) + 1
                return
            check(got.startswith(b"HTTP/1.1 408 "), f"slowloris {variant}: got {got[:40]!r}")
            self.stats.earn(f"slowloris {variant}: 408")
        elif variant == "reader":
            reader, writer = await open_conn(self.mg.port, rcvbuf=4096)
            got = 0
            try:
                writer.write(get_request("/m4.bin"))
                while not self.stopping.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(100), 1.0)
                    except asyncio.TimeoutError:
                        continue
                    except ConnectionError:
                        data = b""
                    if not data:
                        break
                    got += len(data)
                    await asyncio.sleep(1.0)
            finally:
                close_quietly(writer)
            if self.stopping.is_set():
                self.stats.aborted[variant] = self.stats.aborted.get(variant, 0) + 1
                return
            check(got < FILE_SIZES["m4.bin"], "slow reader was never cut")
            self.stats.earn("slowloris reader: closed")
        else:
            limit_ms = DEFAULT_REQUEST_TIMEOUT_MS
            reader, writer = await ws_open(self.ws.port)
            try:
                frame = ws_frame(2, b"m" * 100000)
                writer.write(frame[:14])  # the header, then a byte a second
                got = await self.trickle(writer, reader, frame[14:], 1.0)
            finally:
                close_quietly(writer)
            if got is None:
                self.stats.aborted[variant] = self.stats.aborted.get(variant, 0) + 1
                return
            # The server may PING the connection meanwhile; then it closes.
            codes = [struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
                     for op, p in split_frames(got) if op == 8]
            check(codes == [1008], f"trickled websocket message: got {got[:16]!r}")
            self.stats.earn("slowloris ws_message: close 1008")
        took = time.monotonic() - started
        # Cut after about one request_timeout_ms window, surely within three.
        check(took < 3 * limit_ms / 1000 + 5, f"slowloris {variant} cut only after {took:.0f} s")

    MALFORMED_HTTP = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"GET / HTTP/1.1\nHost: x\n\n", 400),  # bare LF
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
        (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        (b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413),
        (b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400),
    ]
    # (frame bytes sent after the handshake, expected close code)
    MALFORMED_WS = [
        (ws_frame(1, b"unmasked", masked=False), 1002),
        (ws_frame(1, b"rsv", rsv=0x40), 1002),
        (ws_frame(3, b"opcode 3"), 1002),
        (ws_frame(9, b"p" * 126), 1002),  # control frame over 125 bytes
        (ws_frame(9, b"fragmented ping", fin=False), 1002),
        (ws_frame(0, b"continuation of nothing"), 1002),
        (ws_frame(1, b"\xff\xfe not utf-8"), 1007),
    ]

    async def malformed(self, rng, tag):
        if rng.random() < 0.3:
            frame, code = rng.choice(self.MALFORMED_WS)
            reader, writer = await ws_open(self.ws.port)
            try:
                writer.write(frame)
                await ws_expect_close(reader, code, f"malformed frame {frame[:12]!r}")
            finally:
                close_quietly(writer)
            self.stats.earn(f"malformed websocket: close {code}")
            return
        request, status = rng.choice(self.MALFORMED_HTTP)
        port = rng.choice([self.mg.port, self.ws.port, self.up.port])
        reader, writer = await open_conn(port)
        try:
            writer.write(request)
            reply = await timed(read_reply(reader))
            check(reply.status == status, f"{request[:40]!r}: {reply.status}, expected {status}")
            await expect_eof(reader, f"after {status}")
        finally:
            close_quietly(writer)
        self.stats.earn(f"malformed http: {status}")

    async def resets(self, rng, tag):
        variant = rng.choice(["download", "head", "upload", "ws", "pipelined"])
        if variant == "ws":
            reader, writer = await ws_open(self.ws.port)
            writer.write(ws_frame(2, b"w" * 70000)[:30000])
        else:
            port = self.up.port if variant == "upload" else self.mg.port
            reader, writer = await open_conn(port)
            if variant == "download":
                writer.write(get_request("/m4.bin"))
                await timed(reader.readexactly(rng.randint(1, 200000)))
            elif variant == "head":
                writer.write(b"GET /k1.bin HTTP/1.1\r\nHost: so")
            elif variant == "upload":
                writer.write(
                    get_request("/upload", "Content-Type: multipart/form-data; boundary=x\r\n"
                                "Content-Length: 1000000\r\n", "POST")
                    + b"--x\r\n" + b"u" * 300000
                )
            else:
                writer.write(b"".join(get_request("/m1.bin") for _ in range(5)))
        await writer.drain()
        await asyncio.sleep(rng.uniform(0, 0.05))
        reset(writer)
        self.stats.earn(f"reset: {variant}")


# ---------------------------------------------------------------- main


def make_files(docroot, seed):
    rng = random.Random(seed)
    files = {}
    for name, size in FILE_SIZES.items():
        data = rng.randbytes(size) if name.endswith(".bin") else (b"soak\n" * 20)[:size]
        with open(os.path.join(docroot, name), "wb") as f:
            f.write(data)
        files[name] = data
    return files


async def prime(soak):
    """One request per server (each takes its spare descriptor at its first
    accept) and the reference copy of the websocket page."""
    for srv in (soak.mg, soak.up):
        reader, writer = await open_conn(srv.port)
        writer.write(get_request("/small.txt", "Connection: close\r\n"))
        await timed(read_reply(reader))
        close_quietly(writer)
    reader, writer = await open_conn(soak.ws.port)
    writer.write(get_request("/", "Connection: close\r\n"))
    soak.ws_page = (await timed(read_reply(reader))).body
    close_quietly(writer)


WORKERS = [
    # kind, concurrent workers, method, mean pause between sessions (s)
    ("keepalive", 3, "keepalive", 0.05),
    ("close", 2, "close_each", 0.05),
    ("range", 2, "ranges", 0.05),
    ("post", 1, "post", 0.05),
    ("upload", 2, "upload", 0.1),
    ("ws", 2, "websocket", 0.05),
    ("slowloris", 4, "slowloris", 0.5),
    ("malformed", 1, "malformed", 0.1),
    ("reset", 1, "resets", 0.1),
]


async def run_load(soak, seconds, kinds):
    tasks = [
        asyncio.create_task(soak.run_worker(kind, i, getattr(soak, method), gap))
        for kind, count, method, gap in WORKERS
        if kind in kinds
        for i in range(count)
    ]
    await asyncio.sleep(seconds)
    soak.stopping.set()
    done, pending = await asyncio.wait(tasks, timeout=OP_TIMEOUT + 30)
    for t in pending:
        t.cancel()
    if pending:
        soak.stats.fail("stop", f"{len(pending)} workers did not finish within the grace period")


async def final_check(soak):
    """Each server still answers correctly after the soak."""
    reader, writer = await open_conn(soak.mg.port)
    writer.write(get_request("/m1.bin"))
    soak.expect_file(await timed(read_reply(reader)), "m1.bin")
    close_quietly(writer)
    reader, writer = await ws_open(soak.ws.port)
    writer.write(ws_frame(1, b"still there?"))
    _, opcode, got = await timed(ws_read_frame(reader))
    check(got == b"still there?", "websocket echo after the soak")
    close_quietly(writer)
    reader, writer = await open_conn(soak.up.port)
    writer.write(get_request("/", "Connection: close\r\n"))
    check((await timed(read_reply(reader))).status == 200, "file_upload form after the soak")
    close_quietly(writer)


class Sampler(threading.Thread):
    """Samples every server once a second."""

    def __init__(self, servers, stats, t0):
        super().__init__(daemon=True)
        self.servers = servers
        self.stats = stats
        self.t0 = t0
        self.phase = "idle"
        self.rows = []
        self.halt = threading.Event()

    def sample(self):
        row = {"t_s": round(time.monotonic() - self.t0, 1), "phase": self.phase}
        for name, srv in self.servers.items():
            row[f"{name}_rss_kib"], row[f"{name}_anon_kib"] = srv.memory_kib()
            row[f"{name}_fds"] = srv.fds()
        row["ok_total"] = self.stats.total_ok()
        row["earned_total"] = self.stats.total_earned()
        row["failures"] = self.stats.failures
        self.rows.append(row)
        return row

    def run(self):
        next_t = time.monotonic()
        while not self.halt.is_set():
            self.sample()
            next_t += 1.0
            self.halt.wait(max(0.0, next_t - time.monotonic()))


def plot(rows, servers, warmup_end, load_end, levels, path):
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is missing: installing it with pip", flush=True)
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"]
        if subprocess.call(cmd) != 0 and subprocess.call(cmd + ["--break-system-packages"]) != 0:
            print("could not install matplotlib: no plot", file=sys.stderr)
            return False
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [r["t_s"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    colors = {"mongoose": "tab:blue", "ws": "tab:orange", "upload": "tab:green"}
    labels = {
        "mongoose": "build/mongoose",
        "ws": "websocket_echo",
        "upload": "file_upload",
    }
    for name in servers:
        rss = [r[f"{name}_rss_kib"] / 1024 for r in rows]
        ax1.plot(t, rss, color=colors[name], label=labels[name], linewidth=1)
        if name in levels:
            lvl = levels[name] / 1024
            ax1.axhspan(lvl * 0.95, lvl * 1.05, xmin=0, xmax=1, color=colors[name], alpha=0.08)
        ax2.plot(t, [r[f"{name}_fds"] for r in rows], color=colors[name], label=labels[name],
                 linewidth=1)
    for ax in (ax1, ax2):
        ax.axvline(warmup_end, color="grey", linestyle="--", linewidth=0.8)
        ax.axvline(load_end, color="black", linestyle="--", linewidth=0.8)
        ax.grid(alpha=0.3)
    ax1.set_ylabel("RSS (MiB)")
    ax1.set_title("make soak: RSS (bands: ±5 % of the post-warm-up level) and open descriptors;\n"
                  "dashed: end of warm-up (grey), end of load (black)", fontsize=10)
    ax1.legend(loc="upper left", fontsize=8)
    ax1.set_ylim(bottom=0)
    ax2.set_ylabel("open descriptors")
    ax2.set_xlabel("seconds")
    ax2.legend(loc="upper left", fontsize=8)
    ax2.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)),
                    help="load duration (default: $SOAK_SECONDS or 600)")
    ap.add_argument("--warmup", type=float, default=None,
                    help="warm-up seconds (default: a fifth of the load, 10..120)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--seed", default="soak")
    ap.add_argument("--kinds", default=None,
                    help="comma-separated client kinds to run (default: all; a "
                         "partial run checks only what it ran)")
    ap.add_argument("--malloc", choices=["highwater", "default"], default="highwater",
                    help="glibc allocator settings of the servers (see HIGHWATER_MALLOC)")
    args = ap.parse_args()
    seconds = max(args.seconds, 20.0)
    kinds = [k for k, *_ in WORKERS]
    if args.kinds:
        kinds = args.kinds.split(",")
        unknown = set(kinds) - {k for k, *_ in WORKERS}
        if unknown:
            raise SystemExit(f"unknown kinds {sorted(unknown)}")
    warmup = args.warmup if args.warmup is not None else min(120.0, max(10.0, seconds / 5))
    for binary in ("mongoose", "examples/websocket_echo", "examples/file_upload"):
        if not os.access(os.path.join(BUILD, binary), os.X_OK):
            raise SystemExit(f"build/{binary} is missing: run `make`")

    work = tempfile.mkdtemp(prefix="mongoose-soak-")
    docroot = os.path.join(work, "www")
    upload_dir = os.path.join(work, "uploads")
    os.makedirs(docroot)
    os.makedirs(upload_dir)
    files = make_files(docroot, args.seed)
    stats = Stats()
    servers = {}
    violations = []
    env = dict(os.environ, **(HIGHWATER_MALLOC if args.malloc == "highwater" else {}))
    try:
        servers["mongoose"] = ServerProc("mongoose", [
            os.path.join(BUILD, "mongoose"), "-document_root", docroot,
            "-listening_port", "127.0.0.1:0",
            "-request_timeout_ms", str(MG_REQUEST_TIMEOUT_MS),
            "-access_log_file", os.path.join(work, "access.log"),
        ], work, env)
        servers["ws"] = ServerProc("ws", [
            os.path.join(BUILD, "examples", "websocket_echo"), "127.0.0.1:0"], work, env)
        servers["upload"] = ServerProc("upload", [
            os.path.join(BUILD, "examples", "file_upload"), "127.0.0.1:0", upload_dir], work, env)
        soak = Soak(servers, docroot, upload_dir, files, stats, args.seed)
        print(f"soak: {seconds:.0f} s of load ({warmup:.0f} s warm-up); servers "
              + ", ".join(f"{n} pid {s.pid} port {s.port}" for n, s in servers.items()),
              flush=True)

        t0 = time.monotonic()
        sampler = Sampler(servers, stats, t0)
        asyncio.run(prime(soak))
        time.sleep(1.5)
        sampler.start()
        time.sleep(3.0)  # baseline samples, idle
        baseline = {n: s.fds() for n, s in servers.items()}
        cpu0 = time.process_time()
        server_cpu0 = {n: s.cpu_s() for n, s in servers.items()}
        sampler.phase = "load"
        load_start = time.monotonic() - t0
        progress = threading.Thread(target=report_progress, args=(sampler, seconds), daemon=True)
        progress.start()
        asyncio.run(run_load(soak, seconds, kinds))
        load_end = time.monotonic() - t0
        client_cpu = time.process_time() - cpu0
        server_cpu = {n: s.cpu_s() - server_cpu0[n] for n, s in servers.items()}
        sampler.phase = "drain"

        # Descriptors back to the baseline: our clients are all closed, so
        # only the server's linger (2 s) and reset handling remain.
        drain_deadline = time.monotonic() + 30
        while time.monotonic() < drain_deadline:
            time.sleep(1)
            if all(s.fds() == baseline[n] for n, s in servers.items()):
                break
        time.sleep(2)
        sampler.halt.set()
        sampler.join()
        rows = sampler.rows
        drain_rows = [r for r in rows if r["phase"] == "drain"]

        for name, srv in servers.items():
            if not srv.alive():
                violations.append(f"{name} exited during the soak (status {srv.proc.returncode})")
        if not violations:
            try:
                asyncio.run(final_check(soak))
            except Exception as e:  # noqa: BLE001 - any failure is a violation
                violations.append(f"a server no longer answers correctly: {type(e).__name__}: {e}")

        # RSS: within 5 % of the level right after warm-up.
        warm_t = load_start + warmup
        levels, summary = {}, {}
        for name in servers:
            key = f"{name}_rss_kib"
            after = [r for r in rows if r["phase"] == "load" and r["t_s"] >= warm_t]
            window = [r[key] for r in after[:10]]
            if len(window) < 5:
                violations.append(f"{name}: too few samples after warm-up")
                continue
            level = statistics.median(window)
            levels[name] = level
            rss_after = [r[key] for r in after]
            lo, hi = min(rss_after), max(rss_after)
            fds_after = [r[f"{name}_fds"] for r in after]
            summary[name] = {
                "level": level, "rss_lo": lo, "rss_hi": hi,
                "fd_lo": min(fds_after), "fd_hi": max(fds_after),
                "fd_base": baseline[name],
                "fd_end": drain_rows[-1][f"{name}_fds"] if drain_rows else None,
                "rss_end": drain_rows[-1][key] if drain_rows else None,
                "rss_idle": rows[0][key],
                "cpu": server_cpu[name],
            }
            if hi > level * 1.05 or lo < level * 0.95:
                violations.append(
                    f"{name}: RSS after warm-up ranged {lo}..{hi} KiB, outside "
                    f"{level:.0f} KiB ± 5 %")
            if drain_rows and drain_rows[-1][key] > level * 1.05:
                violations.append(f"{name}: RSS {drain_rows[-1][key]} KiB after the load")
            if not drain_rows or drain_rows[-1][f"{name}_fds"] != baseline[name]:
                violations.append(
                    f"{name}: {summary[name]['fd_end']} descriptors after the load, "
                    f"baseline {baseline[name]}")

        for kind in kinds:
            if kind in ("slowloris", "malformed", "reset"):
                if not any(k.startswith(kind) for k in stats.earned):
                    violations.append(f"no {kind} client completed")
            elif stats.ok.get(kind, 0) == 0:
                violations.append(f"no {kind} request was answered")
        if stats.failures:
            violations.append(f"{stats.failures} well-formed requests failed or were lost")

        codes = {}
        for name, srv in servers.items():
            codes[name] = srv.stop()
            if codes[name] != 0:
                violations.append(f"{name}: exit status {codes[name]} after SIGTERM")
            text = srv.stderr_text()
            if text.strip():
                violations.append(f"{name} wrote to stderr: {text[:300]!r}")

        os.makedirs(args.out, exist_ok=True)
        csv_path = os.path.join(args.out, "soak.csv")
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        png_path = os.path.join(args.out, "soak.png")
        plotted = plot(rows, servers, warm_t, load_end, levels, png_path)
        md = render_summary(seconds, warmup, stats, summary, client_cpu, load_end - load_start,
                            violations)
        with open(os.path.join(args.out, "soak.md"), "w") as f:
            f.write(md)
        print(md)
        print(f"wrote {csv_path}" + (f" and {png_path}" if plotted else ""))
    finally:
        for srv in servers.values():
            srv.kill()
        shutil.rmtree(work, ignore_errors=True)
    if violations:
        print("SOAK FAILED", file=sys.stderr)
        sys.exit(1)
    print("SOAK PASSED")


def report_progress(sampler, seconds):
    while sampler.phase == "load":
        time.sleep(30)
        if sampler.rows and sampler.phase == "load":
            r = sampler.rows[-1]
            print(f"  t={r['t_s']:.0f}s ok={r['ok_total']} earned={r['earned_total']} "
                  f"failures={r['failures']} rss(KiB) mongoose={r['mongoose_rss_kib']} "
                  f"ws={r['ws_rss_kib']} upload={r['upload_rss_kib']} fds "
                  f"{r['mongoose_fds']}/{r['ws_fds']}/{r['upload_fds']}", flush=True)


def render_summary(seconds, warmup, stats, summary, client_cpu, load_s, violations):
    out = ["# make soak", ""]
    out.append(f"{seconds:.0f} s of load after an idle baseline, warm-up {warmup:.0f} s; "
               f"client CPU {client_cpu:.0f} s ({100 * client_cpu / load_s:.0f} % of one core).")
    out.append("")
    out.append("| server | idle RSS | RSS level after warm-up | RSS range after warm-up "
               "| descriptors under load | baseline → after load | server CPU |")
    out.append("|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        spread = 100 * max(s["rss_hi"] - s["level"], s["level"] - s["rss_lo"]) / s["level"]
        out.append(
            f"| {name} | {s['rss_idle']} KiB | {s['level']:.0f} KiB | {s['rss_lo']}..{s['rss_hi']}"
            f" KiB (±{spread:.1f} %) | {s['fd_lo']}..{s['fd_hi']} | {s['fd_base']} → "
            f"{s['fd_end']} | {s['cpu']:.0f} s |")
    out.append("")
    out.append("Well-formed requests answered correctly, per kind (ws: handshakes, messages, "
               "closes): " + ", ".join(f"{k} {v}" for k, v in sorted(stats.ok.items()))
               + f"; total {stats.total_ok()}; failed or lost: {stats.failures}.")
    out.append("")
    out.append("Errors the clients earned: " + ", ".join(
        f"{k} × {v}" for k, v in sorted(stats.earned.items())) + ".")
    if stats.aborted:
        out.append("")
        out.append("Slowloris sessions still running when the load stopped (closed by us): "
                   + ", ".join(f"{k} {v}" for k, v in sorted(stats.aborted.items())) + ".")
    if stats.failure_notes:
        out += ["", "First failures:", ""] + [f"- {n}" for n in stats.failure_notes]
    out += ["", "Result: " + ("PASS" if not violations else "FAIL")]
    out += [f"- {v}" for v in violations]
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
