#!/usr/bin/env python3
"""Websocket client scenarios run by tests/websocket.rs against the C examples.

Usage: ws_client.py PORT SCENARIO

Uses the `websockets` library (asyncio client) as an independent,
standards-conforming peer. Exits 0 on success; on failure prints
"FAIL [scenario]: reason" to stderr and exits 1.
"""

import asyncio
import re
import sys

import websockets

TIMEOUT = 10.0  # seconds for any single step


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def describe(value):
    kind = type(value).__name__
    if isinstance(value, (str, bytes)):
        head = value[:40]
        return f"{kind} of length {len(value)} starting {head!r}"
    return f"{kind} {value!r}"


async def recv(ws, timeout=TIMEOUT):
    try:
        return await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        raise Failure(f"no message within {timeout} s") from None


def connect(port, path="/ws"):
    # The server negotiates no extensions, so frames are sent as they are.
    return websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=None,
                              open_timeout=TIMEOUT, close_timeout=TIMEOUT)


SIZES = [0, 125, 126, 65535, 65536, 1 << 20]


def text_payload(n):
    # ASCII so the byte length is exactly n; varied so offsets matter.
    return "".join(chr(ord("a") + (i * 7 + i // 26) % 26) for i in range(n))


def binary_payload(n):
    return bytes((i * 31 + (i >> 8)) & 0xFF for i in range(n))


async def echo_text(port):
    async with connect(port) as ws:
        for n in SIZES:
            sent = text_payload(n)
            await ws.send(sent)
            got = await recv(ws)
            check(isinstance(got, str), f"text of {n} bytes came back as {describe(got)}")
            check(got == sent, f"text of {n} bytes came back as {describe(got)}")
        # Multi-byte UTF-8 as well.
        sent = "héllo wörld ✓ 😀" * 100
        await ws.send(sent)
        got = await recv(ws)
        check(got == sent, f"UTF-8 text came back as {describe(got)}")


async def echo_binary(port):
    async with connect(port) as ws:
        for n in SIZES:
            sent = binary_payload(n)
            await ws.send(sent)
            got = await recv(ws)
            check(isinstance(got, bytes), f"binary of {n} bytes came back as {describe(got)}")
            check(got == sent, f"binary of {n} bytes came back as {describe(got)}")


async def fragmented_text(port):
    async with connect(port) as ws:
        parts = ["frag", "", "mented ", "tëxt ✓", "x" * 70000]
        await ws.send(parts)
        got = await recv(ws)
        check(isinstance(got, str), f"fragmented text came back as {describe(got)}")
        check(got == "".join(parts), f"fragmented text came back as {describe(got)}")
        # The connection is still usable for unfragmented messages.
        await ws.send("after")
        got = await recv(ws)
        check(got == "after", f"message after a fragmented one came back as {describe(got)}")


async def fragmented_binary(port):
    async with connect(port) as ws:
        parts = [b"\x00\x01", b"", binary_payload(300), binary_payload(70000)]
        await ws.send(parts)
        got = await recv(ws)
        check(isinstance(got, bytes), f"fragmented binary came back as {describe(got)}")
        check(got == b"".join(parts), f"fragmented binary came back as {describe(got)}")
        await ws.send(b"after")
        got = await recv(ws)
        check(got == b"after", f"message after a fragmented one came back as {describe(got)}")


async def ping(port):
    async with connect(port) as ws:
        for payload in [b"x", b"", b"p" * 125]:
            waiter = await ws.ping(payload)
            try:
                await asyncio.wait_for(waiter, TIMEOUT)
            except asyncio.TimeoutError:
                raise Failure(f"no PONG for PING {payload[:10]!r}") from None
        # The PINGs must not have reached the handler (it would have echoed
        # them as data): the next message is the echo of this one.
        await ws.send("after pings")
        got = await recv(ws)
        check(got == "after pings", f"expected the echo of 'after pings', got {describe(got)}")


async def close_with(port, code):
    async with connect(port) as ws:
        await ws.send("before close")
        got = await recv(ws)
        check(got == "before close", f"echo before close: {describe(got)}")
        await asyncio.wait_for(ws.close(code=code, reason="bye"), TIMEOUT)
        check(ws.close_code == code,
              f"sent CLOSE {code}, server answered with code {ws.close_code!r}")


async def close_1000(port):
    await close_with(port, 1000)


async def close_4000(port):
    await close_with(port, 4000)


async def pipelined(port):
    async with connect(port) as ws:
        count = 1000
        for i in range(count):
            if i % 2:
                await ws.send(f"message {i}")
            else:
                await ws.send(f"binary {i}".encode())
        for i in range(count):
            got = await recv(ws)
            want = f"message {i}" if i % 2 else f"binary {i}".encode()
            check(got == want, f"reply {i}: expected {want!r}, got {describe(got)}")


TIME_RE = re.compile(r"^time \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


async def next_non_time(ws, who):
    """The next message that is not a timer line."""
    while True:
        got = await recv(ws)
        check(isinstance(got, str), f"{who}: chat message is not text: {describe(got)}")
        if not got.startswith("time "):
            return got


async def chat(port):
    async with connect(port, "/chat") as a, connect(port, "/chat") as b:
        addr_a = "%s:%d" % a.local_address[:2]
        addr_b = "%s:%d" % b.local_address[:2]
        got = await next_non_time(a, "A")
        check(got == f"welcome {addr_a}", f"A: expected 'welcome {addr_a}', got {got!r}")
        got = await next_non_time(b, "B")
        check(got == f"welcome {addr_b}", f"B: expected 'welcome {addr_b}', got {got!r}")

        await a.send("hello from A")
        want = f"{addr_a} hello from A"
        for ws, who in [(a, "A"), (b, "B")]:
            got = await next_non_time(ws, who)
            check(got == want, f"{who}: expected {want!r}, got {got!r}")

        await b.send("hi from B ✓")
        want = f"{addr_b} hi from B ✓"
        for ws, who in [(a, "A"), (b, "B")]:
            got = await next_non_time(ws, who)
            check(got == want, f"{who}: expected {want!r}, got {got!r}")

        # A timer line reaches both clients within ~2.5 s.
        for ws, who in [(a, "A"), (b, "B")]:
            deadline = asyncio.get_running_loop().time() + 2.5
            while True:
                left = deadline - asyncio.get_running_loop().time()
                check(left > 0, f"{who}: no 'time ...' line within 2.5 s")
                got = await recv(ws, left)
                if isinstance(got, str) and got.startswith("time "):
                    check(TIME_RE.match(got), f"{who}: malformed time line {got!r}")
                    break


SCENARIOS = {
    f.__name__: f
    for f in [echo_text, echo_binary, fragmented_text, fragmented_binary, ping,
              close_1000, close_4000, pipelined, chat]
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        print(f"usage: {sys.argv[0]} PORT {{{'|'.join(SCENARIOS)}}}", file=sys.stderr)
        return 2
    port, name = int(sys.argv[1]), sys.argv[2]
    try:
        asyncio.run(asyncio.wait_for(SCENARIOS[name](port), 60))
    except Failure as e:
        print(f"FAIL [{name}]: {e}", file=sys.stderr)
        return 1
    except websockets.exceptions.ConnectionClosed as e:
        print(f"FAIL [{name}]: connection closed unexpectedly: {e!r}", file=sys.stderr)
        return 1
    except (asyncio.TimeoutError, OSError, websockets.exceptions.WebSocketException) as e:
        print(f"FAIL [{name}]: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"ok [{name}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
