#!/usr/bin/env python3
"""Throughput and latency of GetSuggestions(random) over a real HTTP/2 connection, with h2load
(Debian package nghttp2-client) as the load generator, side by side with the same server's
health check (a 2-byte reply: the cost of the event loop, HTTP/2 and gRPC framing alone).

Usage: benchmarks/throughput.py [--binary PATH] [--requests N] [--dims D]
Builds nothing: pass a release binary (default .build/release/suggestion-server).
The server and h2load share this machine's cores, so compare rows of one run, not runs."""
import argparse
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from conftest import api_pb2, health_pb2, param, experiment, trial  # noqa: E402  (generates stubs)


def frame(message):
    body = message.SerializeToString()
    return b"\x00" + len(body).to_bytes(4, "big") + body


def space(dims):
    params = []
    for i in range(dims):
        kind = i % 4
        if kind == 0:
            params.append(param(f"lr{i}", api_pb2.DOUBLE, "1e-5", "0.1", dist=api_pb2.LOG_UNIFORM))
        elif kind == 1:
            params.append(param(f"m{i}", api_pb2.DOUBLE, "0.5", "0.99"))
        elif kind == 2:
            params.append(param(f"n{i}", api_pb2.INT, "1", "64", step="1"))
        else:
            params.append(param(f"c{i}", api_pb2.CATEGORICAL, values=["relu", "tanh", "gelu", "silu"]))
    return params


def history(params, n, rng):
    trials = []
    for t in range(n):
        a = []
        for p in params:
            fs = p.feasible_space
            if p.parameter_type == api_pb2.DOUBLE:
                a.append((p.name, repr(rng.uniform(float(fs.min), float(fs.max)))))
            elif p.parameter_type == api_pb2.INT:
                a.append((p.name, str(rng.randint(int(fs.min), int(fs.max)))))
            else:
                a.append((p.name, rng.choice(list(fs.list))))
        trials.append(trial(f"bench-{t:05d}", a, value=rng.random()))
    return trials


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, *extra):
    """The binary serving on a free loopback port, quiet; returns (process, port)."""
    port = free_port()
    server = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port), "--quiet", *extra],
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return server, port


def h2load(port, path, body_file, n, clients, streams, log_file=None):
    cmd = ["h2load", "-n", str(n), "-c", str(clients), "-m", str(streams), "-t", "1",
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body_file,
           f"http://127.0.0.1:{port}{path}"]
    if log_file:
        cmd[1:1] = ["--log-file", log_file]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = None
    for line in out.splitlines():
        if line.startswith("finished in"):
            rps = float(line.split(",")[1].split()[0])
        if line.startswith("requests:"):
            fields = line.split(",")
            failed = int(fields[4].split()[0]) + int(fields[5].split()[0])
            assert failed == 0, out
    return rps


def latencies(port, path, body_file, n):
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        h2load(port, path, body_file, n, 1, 1, log.name)
        micros = sorted(int(line.split()[2]) for line in pathlib.Path(log.name).read_text().splitlines())
    def q(p):
        return micros[min(len(micros) - 1, int(p * len(micros)))] / 1000
    return q(0.50), q(0.99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--dims", type=int, default=10)
    args = ap.parse_args()

    server, port = start_server(args.binary)
    rng = random.Random(1)
    params = space(args.dims)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-"))
    cases = [("health check (2-byte reply)", "/grpc.health.v1.Health/Check", health_pb2.HealthCheckRequest())]
    for n in (0, 100, 1000):
        req = api_pb2.GetSuggestionsRequest(experiment=experiment(params), trials=history(params, n, rng),
                                            current_request_number=1, total_request_number=n + 1)
        cases.append((f"random, {args.dims}-D, {n} trials", "/api.v1.beta1.Suggestion/GetSuggestions", req))
    try:
        print(f"{'call':34} {'request':>9} {'p50 ms':>8} {'p99 ms':>8} {'req/s c1 m1':>12} {'req/s c4 m16':>13}")
        base = None
        for label, path, msg in cases:
            body = tmp / f"{len(label)}-{abs(hash(label))}.bin"
            body.write_bytes(frame(msg))
            n_serial = max(200, args.requests // 10)
            p50, p99 = latencies(port, path, str(body), n_serial)
            serial = h2load(port, path, str(body), n_serial, 1, 1)
            parallel = h2load(port, path, str(body), args.requests, 4, 16)
            base = base or parallel
            print(f"{label:34} {body.stat().st_size:>8}B {p50:>8.3f} {p99:>8.3f} {serial:>12.0f} {parallel:>13.0f}"
                  f"  ({parallel / base:.2f} of health)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
