#!/usr/bin/env python3
"""Hostile and extreme calls against one running server, in turn, each followed by a health check and
the server's resident memory (VmRSS from /proc, after a settling second) against what it held before
the first case. The goal of issue 13: every case leaves the process healthy with at most +64 MiB
resident.

Cases: a history of 100,000 trials x 10 parameters (about 30 MiB); 1,000,000 parameters; a 10 MiB
CATEGORICAL value; a peer that opens a zero flow-control window and asks for 64 replies of ~1 MiB; a
peer that asks for as many and never reads its socket; a zero-window peer asking for 64 replies of
~28 MiB. The bodies of the first three go through
h2load (prebuilt, so no client serialisation runs in the measured process); the last two are raw
HTTP/2 over a socket (a preface, SETTINGS, HEADERS with literal fields, DATA), measured while the
socket is held open and unread, then again once it is closed.

Usage: benchmarks/abuse.py [--binary PATH]
Builds nothing: pass a release binary (default .build/release/suggestion-server). Needs h2load
(Debian package nghttp2-client) and the interop venv."""
import argparse
import pathlib
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from memory import status_kib  # noqa: E402
from throughput import api_pb2, experiment, frame, history, space, start_server  # noqa: E402
from conftest import health_pb2, health_pb2_grpc, param  # noqa: E402

SUGGEST = "/api.v1.beta1.Suggestion/GetSuggestions"


def post(port, body_file):
    """One call through h2load; returns its status line ("1 succeeded" or the failure counts)."""
    out = subprocess.run(["h2load", "-n", "1", "-c", "1", "-m", "1", "-t", "1", "-H", "content-type: application/grpc",
                          "-H", "te: trailers", "-d", str(body_file), f"http://127.0.0.1:{port}{SUGGEST}"],
                         capture_output=True, text=True, timeout=300).stdout
    line = next((l for l in out.splitlines() if l.startswith("requests:")), "")
    return "answered (HTTP 200)" if " 1 succeeded" in line else "failed: " + (line or out[-100:]).strip()


def healthy(port):
    import grpc
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status == 1


def h2_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    """An HPACK literal header field without indexing, new name, no Huffman (lengths < 127)."""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def raw_calls(port, body, count, window):
    """A raw HTTP/2 connection that posts `body` on `count` streams; SETTINGS_INITIAL_WINDOW_SIZE=window."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # a reader that takes little
    out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, struct.pack(">HI", 4, window))
    headers = b"".join(literal(n, v) for n, v in [(b":method", b"POST"), (b":scheme", b"http"), (b":path", SUGGEST.encode()),
                                                  (b":authority", b"x"), (b"content-type", b"application/grpc"), (b"te", b"trailers")])
    for i in range(count):
        stream = 2 * i + 1
        out += h2_frame(1, 0x4, stream, headers)
        for start in range(0, len(body), 16384):
            last = start + 16384 >= len(body)
            out += h2_frame(0, 0x1 if last else 0, stream, body[start:start + 16384])
    s.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 20
    while sent < len(out) and time.monotonic() < deadline:   # the server may stop reading: bounded
        try:
            sent += s.send(out[sent:])
        except BlockingIOError:
            time.sleep(0.01)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    args = ap.parse_args()
    rng = random.Random(1)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-abuse-"))
    params = space(10)
    bodies = {}
    req = api_pb2.GetSuggestionsRequest(experiment=experiment(params), trials=history(params, 100_000, rng),
                                        current_request_number=1, total_request_number=100_001)
    bodies["100,000 trials x 10 parameters"] = frame(req)
    wide = [param(f"p{i}", api_pb2.DOUBLE, "0", "1") for i in range(1_000_000)]
    bodies["1,000,000 parameters"] = frame(api_pb2.GetSuggestionsRequest(experiment=experiment(wide), current_request_number=1))
    huge = [param("c", api_pb2.CATEGORICAL, values=["a", "x" * (10 << 20)])]
    bodies["a 10 MiB CATEGORICAL value"] = frame(api_pb2.GetSuggestionsRequest(experiment=experiment(huge), current_request_number=1))
    # Replies of about 1 MiB (500 points of 100 parameters) and about 28 MiB (5,000 points of 200).
    def reply_request(points, dims):
        return frame(api_pb2.GetSuggestionsRequest(
            experiment=experiment([param(f"q{i:03d}", api_pb2.DOUBLE, "0", "1") for i in range(dims)]),
            current_request_number=points))
    peers = [("zero window, 64 replies of ~1 MiB", reply_request(500, 100), 0),
             ("never reads its socket, 64 x ~1 MiB", reply_request(500, 100), 65535),
             ("zero window, 64 replies of ~28 MiB", reply_request(5000, 200), 0)]

    server, port = start_server(args.binary)
    held = []
    try:
        time.sleep(0.5)
        base = status_kib(server.pid, "VmRSS")
        print(f"server idle: {base / 1024:.1f} MiB resident; goal: healthy and at most +64 MiB after every case")
        print(f"{'case':40} {'request':>10} {'outcome':36} {'healthy':>8} {'VmRSS MiB':>10} {'vs idle':>8} {'vs before':>10}")
        last = [base]
        def report(case, size, outcome, settle=1):
            time.sleep(settle)
            rss = status_kib(server.pid, "VmRSS")
            ok = healthy(port)
            print(f"{case:40} {size / 2**20:>8.1f}Mi {outcome[:36]:36} {str(ok):>8} {rss / 1024:>10.1f} "
                  f"{(rss - base) / 1024:>+8.1f} {(rss - last[0]) / 1024:>+10.1f}", flush=True)
            last[0] = rss
        for case, body in bodies.items():
            path = tmp / "body.bin"
            path.write_bytes(body)
            report(case, len(body), post(port, path))
        for case, body, window in peers:
            held.append(raw_calls(port, body, 64, window))
            report(case, len(body) * 64, "measured, connection open", settle=8)   # until computing stops
            held.pop().close()
            report("  the same connection closed", 0, "-")
    finally:
        for s in held:
            s.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
