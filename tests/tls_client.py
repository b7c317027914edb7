#!/usr/bin/env python3
"""HTTPS and WSS client scenarios run by tests/tls.rs.

Usage: tls_client.py PORT CA_FILE SCENARIO

Python's ssl module (OpenSSL) is the independent TLS peer; the server's
certificate is verified against CA_FILE for the name "localhost". Exits
0 on success; on failure prints "FAIL [scenario]: reason" to stderr and
exits 1.
"""

import http.client
import socket
import ssl
import sys

TIMEOUT = 10.0


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def http_scenario(port, ca):
    ctx = context(ca)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=TIMEOUT)
    # Keep-alive: several requests on one TLS session.
    conn.request("GET", "/counter")
    r = conn.getresponse()
    check(r.status == 200, f"status {r.status}")
    check(r.read() == b"count=1", "first counter")
    conn.request("GET", "/counter")
    r = conn.getresponse()
    check(r.read() == b"count=2", "keep-alive: second request on a new connection")
    check(conn.sock.version() in ("TLSv1.2", "TLSv1.3"), f"version {conn.sock.version()}")
    check(conn.sock.selected_alpn_protocol() == "http/1.1", "ALPN")
    # A chunked reply.
    conn.request("GET", "/chunks")
    r = conn.getresponse()
    check(r.getheader("Transfer-Encoding") == "chunked", "chunked reply")
    body = r.read()
    check(len(body) > 0, "chunked body")
    # An upload (1 MiB body) echoed back.
    payload = bytes(range(256)) * 4096
    conn.request("POST", "/echo", body=payload, headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    body = r.read()
    check(r.status == 200, f"upload status {r.status}")
    check(body.endswith(b"content_len=%d\nbody=" % len(payload) + payload), "upload echoed")
    # A chunked upload.
    conn.request("POST", "/echo", body=iter([b"abc", b"defg"]), encode_chunked=True)
    r = conn.getresponse()
    check(r.read().endswith(b"content_len=7\nbody=abcdefg"), "chunked upload")
    # A large reply.
    conn.request("GET", "/big?n=3000000")
    r = conn.getresponse()
    check(len(r.read()) == 3000000, "big reply")
    conn.request("GET", "/counter")
    check(conn.getresponse().read() == b"count=7", "same connection throughout")
    conn.close()

    # Pipelining: three requests in one write, three replies in order.
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    reqs = b"".join(b"GET /hello?%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(3))
    s.sendall(reqs + b"GET /counter HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    check(data.count(b"HTTP/1.1 200") == 4, f"pipelined replies: {data!r}")
    check(b"count=4" in data[-40:], f"pipelined order: {data[-40:]!r}")
    s.close()


def wss_scenario(port, ca):
    import asyncio

    import websockets

    async def run():
        uri = f"wss://localhost:{port}/ws"
        async with websockets.connect(uri, ssl=context(ca), open_timeout=TIMEOUT) as ws:
            for msg in ["hello", "x" * 100000]:
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), TIMEOUT)
                check(got == msg, f"echo of {len(msg)} bytes")
            await ws.send(b"\x00\x01binary")
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            check(got == b"\x00\x01binary", "binary echo")

    asyncio.run(run())


def main():
    port, ca, scenario = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    try:
        {"http": http_scenario, "wss": wss_scenario}[scenario](port, ca)
    except Failure as e:
        print(f"FAIL [{scenario}]: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - any error is a failure here
        print(f"FAIL [{scenario}]: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
