#!/usr/bin/env python3
"""Two builds of the server side by side in one run: per round, each binary in turn serves the same
prebuilt request bodies (random and tpe with 1,000 trials x 10 parameters, one call at a time; random
with an empty history and the health check at 4 connections x 16 streams; random with an empty history
one at a time while 8 tpe calls keep the worker threads busy). Prints h2load's per-request mean and
minimum and the request rates, then the medians over rounds. Alternating rounds on one machine
is what makes the two comparable on a shared, noisy host.

Usage: benchmarks/compare_binaries.py OLD_BINARY NEW_BINARY [--rounds 3]
Build each with: swift build -c release --product suggestion-server --static-swift-stdlib
(in a worktree of the older commit for OLD)."""
import argparse
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from throughput import api_pb2, experiment, frame, h2load, health_pb2, history, space, start_server  # noqa: E402

SUGGEST = "/api.v1.beta1.Suggestion/GetSuggestions"
HEALTH = "/grpc.health.v1.Health/Check"


def bodies(tmp):
    rng = random.Random(1)
    params = space(10)
    out = {}
    for algorithm, n in (("random", 1000), ("tpe", 1000), ("random", 0)):
        req = api_pb2.GetSuggestionsRequest(experiment=experiment(params, algorithm=algorithm),
                                            trials=history(params, n, rng), current_request_number=1,
                                            total_request_number=n + 1)
        path = tmp / f"{algorithm}{n}.bin"
        path.write_bytes(frame(req))
        out[f"{algorithm}{n}"] = path
    out["health"] = tmp / "health.bin"
    out["health"].write_bytes(frame(health_pb2.HealthCheckRequest()))
    return out


def serial_ms(port, body, n):
    cmd = ["h2load", "-n", str(n), "-c", "1", "-m", "1", "-t", "1", "-H", "content-type: application/grpc",
           "-H", "te: trailers", "-d", str(body), f"http://127.0.0.1:{port}{SUGGEST}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("time for request:"))
    fields = line.split()
    def ms(text):
        return float(text[:-2]) if text.endswith("ms") else float(text[:-2]) / 1000 if text.endswith("us") else float(text[:-1]) * 1000
    return ms(fields[5]), ms(fields[3])   # mean, min


def serial_ms_while_busy(port, body, busy_body, n):
    """serial_ms of `body` while 4 connections x 2 streams post `busy_body` (heavy calls) for its whole run."""
    cmd = ["h2load", "-n", "100000", "-c", "4", "-m", "2", "-t", "1", "-H", "content-type: application/grpc",
           "-H", "te: trailers", "-d", str(busy_body), f"http://127.0.0.1:{port}{SUGGEST}"]
    busy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        return serial_ms(port, body, n)
    finally:
        busy.kill()
        busy.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="compare-"))
    b = bodies(tmp)
    rows = {label: [] for label in ("old", "new")}
    print(f"{'round':>5} {'build':5} {'random 1000 mean/min ms':>24} {'tpe 1000 mean/min ms':>22} {'health req/s':>13} {'random 0 req/s':>15} {'ratio':>6} {'random 0 busy mean ms':>22}")
    for r in range(args.rounds):
        for label in ("old", "new"):
            server, port = start_server(getattr(args, label))
            try:
                rnd = serial_ms(port, b["random1000"], 300)
                tpe = serial_ms(port, b["tpe1000"], 300)
                health = h2load(port, HEALTH, str(b["health"]), 50000, 4, 16)
                empty = h2load(port, SUGGEST, str(b["random0"]), 50000, 4, 16)
                busy = serial_ms_while_busy(port, b["random0"], b["tpe1000"], 300)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=15)
            rows[label].append((rnd, tpe, health, empty, busy))
            print(f"{r + 1:>5} {label:5} {rnd[0]:>12.2f} / {rnd[1]:<9.2f} {tpe[0]:>10.2f} / {tpe[1]:<9.2f} {health:>13.0f} {empty:>15.0f} {empty / health:>6.2f} {busy[0]:>22.3f}")
    print("medians over rounds:")
    for label in ("old", "new"):
        m = lambda f: statistics.median(f(x) for x in rows[label])
        print(f"  {label:5} random 1000 mean {m(lambda x: x[0][0]):.2f} ms, tpe 1000 mean {m(lambda x: x[1][0]):.2f} ms, "
              f"empty-history throughput {m(lambda x: x[3] / x[2]):.2f} of the health check's, "
              f"empty-history mean {m(lambda x: x[4][0]):.3f} ms while tpe calls run")


if __name__ == "__main__":
    main()
