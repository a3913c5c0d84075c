#!/usr/bin/env python3
"""enas GetSuggestions latency and the server's resident memory at 0, 10, 100 and 500 succeeded
trials (8 layers, hidden size 64, 6 candidate operations, one call at a time over grpcio).

Usage: .venv/bin/python benchmarks/nas.py [--binary PATH] [--calls N]   (release build)"""
import argparse
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from conftest import api_pb2, api_pb2_grpc, free_port  # noqa: E402
import grpc  # noqa: E402
import test_nas  # noqa: E402


def rss(pid, field):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--calls", type=int, default=5)
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port), "--quiet"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    stub = api_pb2_grpc.SuggestionStub(grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_send_message_length", 64 << 20)]))
    exp = test_nas.nas_experiment("enas", test_nas.ENAS_OPS, layers=8)
    rng = random.Random(1)
    print(f"{'succeeded trials':>17}{'p50 ms':>10}{'max ms':>10}{'VmRSS MiB':>11}{'VmHWM MiB':>11}")
    try:
        for n in (0, 10, 100, 500):
            trials = []
            if n:
                reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(experiment=exp, current_request_number=n), timeout=120)
                for i, pa in enumerate(reply.parameter_assignments):
                    trials.append(api_pb2.Trial(
                        name=f"t{i:04d}", spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                        status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                            metrics=[api_pb2.Metric(name="Validation-Accuracy", value=repr(rng.random()))]))))
            req = api_pb2.GetSuggestionsRequest(experiment=exp, trials=trials, current_request_number=2)
            times = []
            for _ in range(args.calls):
                start = time.perf_counter()
                stub.GetSuggestions(req, timeout=120)
                times.append((time.perf_counter() - start) * 1000)
            print(f"{n:>17}{statistics.median(times):>10.1f}{max(times):>10.1f}{rss(server.pid, 'VmRSS'):>11.1f}{rss(server.pid, 'VmHWM'):>11.1f}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
