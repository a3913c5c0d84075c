#!/usr/bin/env python3
"""Sustained load and memory: rounds of h2load against the release server, several connections at
once, mixing GetSuggestions (random, 10-D, 0 and 1,000 trials of history), a malformed body and the
health check, reading the server's resident memory (VmRSS, VmHWM from /proc) after every round.

A healthy server fails no call and its VmRSS stops growing after the first rounds (allocator warm-up):
the script prints the rounds and exits non-zero if any call failed or if VmRSS of the last round exceeds
the largest VmRSS of the first half of the rounds by more than --tolerance-mib.

Usage: benchmarks/soak.py [--binary PATH] [--rounds N] [--requests N] [--clients C] [--streams M]
Needs h2load (Debian package nghttp2-client) and a release build (scripts/run.sh builds one)."""
import argparse
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from throughput import api_pb2, experiment, frame, free_port, history, space  # noqa: E402


def memory(pid):
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def load(port, path, body, n, clients, streams, expect_ok):
    cmd = ["h2load", "-n", str(n), "-c", str(clients), "-m", str(streams), "-t", "1",
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
           f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("requests:"):
            fields = [f.strip() for f in line.split(":", 1)[1].split(",")]
            succeeded = int(fields[3].split()[0])
            failed = int(fields[4].split()[0]) + int(fields[5].split()[0])
            return succeeded, failed
    raise RuntimeError(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--requests", type=int, default=20000, help="small requests per round and kind")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--streams", type=int, default=8)
    ap.add_argument("--tolerance-mib", type=float, default=4.0)
    args = ap.parse_args()

    port = free_port()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port), "--quiet"],
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="soak-"))
    rng = random.Random(3)
    params = space(10)
    bodies = {}
    for n in (0, 1000):
        req = api_pb2.GetSuggestionsRequest(experiment=experiment(params), trials=history(params, n, rng),
                                            current_request_number=2, total_request_number=n + 2)
        bodies[n] = tmp / f"random-{n}.bin"
        bodies[n].write_bytes(frame(req))
    bad = tmp / "malformed.bin"
    bad.write_bytes(b"\x00\x00\x00\x00\x04\xff\xff\xff\xff")
    health = tmp / "health.bin"
    health.write_bytes(b"\x00\x00\x00\x00\x00")
    suggest = "/api.v1.beta1.Suggestion/GetSuggestions"
    failures = 0
    rss_rounds = []
    started = time.monotonic()
    try:
        print(f"{'round':>5} {'calls':>7} {'failed':>6} {'VmRSS MiB':>10} {'VmHWM MiB':>10}")
        for r in range(1, args.rounds + 1):
            calls = 0
            for path, body, n in ((suggest, bodies[0], args.requests), (suggest, bodies[1000], args.requests // 20),
                                  (suggest, bad, args.requests // 4), ("/grpc.health.v1.Health/Check", health, args.requests)):
                ok, failed = load(port, path, str(body), n, args.clients, args.streams, True)
                calls += ok + failed
                failures += failed
            rss, hwm = memory(server.pid)
            rss_rounds.append(rss)
            print(f"{r:>5} {calls:>7} {failures:>6} {rss:>10.1f} {hwm:>10.1f}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=15)
    half = max(rss_rounds[: max(1, len(rss_rounds) // 2)])
    growth = rss_rounds[-1] - half
    print(f"{time.monotonic() - started:.0f} s; failed calls {failures}; VmRSS last {rss_rounds[-1]:.1f} MiB, "
          f"max of first half {half:.1f} MiB, growth {growth:+.1f} MiB; exit code {code}")
    # h2load counts a gRPC error status as a succeeded HTTP request: "failed" means transport failures.
    if failures or growth > args.tolerance_mib or code != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
