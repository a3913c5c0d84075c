#!/usr/bin/env python3
"""GetSuggestions latency per algorithm over a real connection (grpcio, one call at a time), with 10,
100 and 1,000 trials of history (and 500 for bayesianoptimization) in 2, 10 and 30 dimensions, and
the server's peak resident memory over the whole run.

History: SUCCEEDED trials at uniform random points with random objective values; for cmaes the
trials carry the names the service gives its generations, so the call replays them as it would in a
real experiment.

Usage: benchmarks/.venv-quality/bin/python benchmarks/latency.py [--binary PATH] [--calls N]
      [--algorithms a,b] [--dims 2,10,30] [--trials 10,100,1000]
The venv needs only tests/interop/requirements.txt (grpcio); build with `swift build -c release`."""
import argparse
import math
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


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def request(algorithm, dims, n, rng):
    params = [api_pb2.ParameterSpec(name=f"x{i:02d}", parameter_type=api_pb2.DOUBLE,
                                    feasible_space=api_pb2.FeasibleSpace(min="0", max="1")) for i in range(dims)]
    exp = api_pb2.Experiment(name="lat", spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=params),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE, objective_metric_name="loss"),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=algorithm), parallel_trial_count=1))
    lam = 4 + int(3 * math.log(dims))
    trials = []
    for t in range(n):
        name = f"lat-cmaes-0-{base36(t // lam)}-{base36(t % lam)}-{base36(t)}" if algorithm == "cmaes" else f"t{t:05d}"
        a = [api_pb2.ParameterAssignment(name=p.name, value=repr(rng.random())) for p in params]
        trials.append(api_pb2.Trial(name=name, spec=api_pb2.TrialSpec(
            parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=a)),
            status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                metrics=[api_pb2.Metric(name="loss", value=repr(rng.random()))]))))
    return api_pb2.GetSuggestionsRequest(experiment=exp, trials=trials, current_request_number=1,
                                         total_request_number=n + 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--calls", type=int, default=30)
    ap.add_argument("--algorithms", default="random,tpe,multivariate-tpe,cmaes,sobol,bayesianoptimization")
    ap.add_argument("--dims", default="2,10,30")
    ap.add_argument("--trials", default="10,100,1000")
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port), "--quiet"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_send_message_length", 64 << 20)])
    stub = api_pb2_grpc.SuggestionStub(channel)
    rng = random.Random(1)
    print(f"{'algorithm':22}{'dims':>5}{'trials':>8}{'p50 ms':>10}{'p99 ms':>10}{'calls':>7}")
    try:
        for algorithm in args.algorithms.split(","):
            sizes = [int(t) for t in args.trials.split(",")]
            if algorithm == "bayesianoptimization" and 1000 in sizes:
                sizes = sorted(set(sizes) | {500})
            for dims in [int(d) for d in args.dims.split(",")]:
                for n in sizes:
                    req = request(algorithm, dims, n, rng)
                    stub.GetSuggestions(req, timeout=600)   # warm-up
                    calls = args.calls if (algorithm != "bayesianoptimization" or n <= 100) else max(5, args.calls // 6)
                    times = []
                    for _ in range(calls):
                        start = time.perf_counter()
                        stub.GetSuggestions(req, timeout=600)
                        times.append((time.perf_counter() - start) * 1000)
                    times.sort()
                    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
                    print(f"{algorithm:22}{dims:>5}{n:>8}{statistics.median(times):>10.2f}{p99:>10.2f}{calls:>7}", flush=True)
        status = pathlib.Path(f"/proc/{server.pid}/status").read_text()
        peak = [l for l in status.splitlines() if l.startswith("VmHWM")][0].split()[1]
        print(f"server peak resident memory (VmHWM): {int(peak) / 1024:.1f} MiB")
    finally:
        channel.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
