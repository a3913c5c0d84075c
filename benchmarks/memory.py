#!/usr/bin/env python3
"""Peak resident memory of one GetSuggestions call, by history size: a fresh server per request,
h2load posting one prebuilt request body (no client serialisation in the server's process), then
the server's VmHWM (peak) and VmRSS one second later (what it keeps) from /proc.

Usage: benchmarks/memory.py [--binary PATH] [--trials 1000,10000,50000] [--dims 10] [--algorithm random]
       [--early-stopping]   (GetEarlyStoppingRules with `threshold`, which reads no logs, on a server
                             started with --service early-stopping)
Builds nothing: pass a release binary (default .build/release/suggestion-server). Needs h2load
(Debian package nghttp2-client) and the interop venv (grpcio-tools generates the stubs)."""
import argparse
import pathlib
import random
import signal
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from throughput import api_pb2, experiment, frame, h2load, history, space, start_server  # noqa: E402


def status_kib(pid, field):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--trials", default="1000,10000,50000")
    ap.add_argument("--dims", type=int, default=10)
    ap.add_argument("--algorithm", default="random")
    ap.add_argument("--early-stopping", action="store_true")
    args = ap.parse_args()
    rng = random.Random(1)
    params = space(args.dims)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-memory-"))
    what = "GetEarlyStoppingRules (threshold)" if args.early_stopping else args.algorithm
    print(f"{what}, {args.dims} parameters, one fresh server per request")
    print(f"{'trials':>8} {'request MiB':>12} {'idle MiB':>9} {'VmHWM MiB':>10} {'VmRSS +1 s':>11} {'HWM / request':>14}")
    for n in (int(t) for t in args.trials.split(",")):
        exp = experiment(params, algorithm=args.algorithm)
        if args.early_stopping:
            exp.spec.early_stopping.algorithm_name = "threshold"
            exp.spec.early_stopping.algorithm_settings.add(name="value", value="0.5")
            req = api_pb2.GetEarlyStoppingRulesRequest(experiment=exp, trials=history(params, n, rng),
                                                       db_manager_address="127.0.0.1:6789")
            path, extra = "/api.v1.beta1.EarlyStopping/GetEarlyStoppingRules", ("--service", "early-stopping")
        else:
            req = api_pb2.GetSuggestionsRequest(experiment=exp, trials=history(params, n, rng),
                                                current_request_number=1, total_request_number=n + 1)
            path, extra = "/api.v1.beta1.Suggestion/GetSuggestions", ()
        body = tmp / f"{n}.bin"
        body.write_bytes(frame(req))
        server, port = start_server(args.binary, *extra)
        try:
            idle = status_kib(server.pid, "VmRSS")
            h2load(port, path, str(body), 1, 1, 1)
            hwm = status_kib(server.pid, "VmHWM")
            time.sleep(1)
            rss = status_kib(server.pid, "VmRSS")
            size = body.stat().st_size / 2**20
            print(f"{n:>8} {size:>12.1f} {idle / 1024:>9.1f} {hwm / 1024:>10.1f} {rss / 1024:>11.1f} {hwm / 1024 / size:>14.1f}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
