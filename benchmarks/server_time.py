#!/usr/bin/env python3
"""Server time of GetSuggestions per algorithm, history size and dimension, measured on the server's
side of the wire: h2load posts one prebuilt request body per case, one call at a time, so no client
serialisation is counted. Prints mean, median and minimum per case (h2load's per-request times).

Usage: benchmarks/server_time.py [--binary PATH] [--algorithms a,b] [--dims 2,10,30]
       [--trials 0,100,1000,10000] [--seconds 2]
Builds nothing: pass a release binary (default .build/release/suggestion-server). Needs h2load
(Debian package nghttp2-client) and the interop venv. Each case runs until --seconds have passed
(at least 3 calls, at most 200) after one warm-up call. Histories: SUCCEEDED trials at uniform
random points (DOUBLE parameters in [0, 1]); cmaes trials carry its generation names, the
multi-fidelity algorithms get an INT resource `epochs` in [1, 27] and their settings.
--own-history cmaes,...: those algorithms' histories are made by the algorithm itself instead, in a
closed loop against the same server (batches of 10, a shifted sphere as the loss): for cmaes this is
what a real experiment sends, while random points under its names make every member's draws fail to
replay (its worst case)."""
import argparse
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from latency import request  # noqa: E402
from throughput import api_pb2, frame, start_server  # noqa: E402

MULTI_FIDELITY = {
    "hyperband": [("r_l", "27"), ("resource_name", "epochs")],
    "bohb": [("r_l", "27"), ("resource_name", "epochs")],
    "asha": [("resource_name", "epochs")],
}


def build(algorithm, dims, n, rng):
    req = request(algorithm, dims, n, rng)
    if algorithm in MULTI_FIDELITY:
        spec = req.experiment.spec
        spec.parameter_specs.parameters.append(api_pb2.ParameterSpec(
            name="epochs", parameter_type=api_pb2.INT, feasible_space=api_pb2.FeasibleSpace(min="1", max="27")))
        for name, value in MULTI_FIDELITY[algorithm]:
            spec.algorithm.algorithm_settings.append(api_pb2.AlgorithmSetting(name=name, value=value))
        for t in req.trials:
            t.spec.parameter_assignments.assignments.append(api_pb2.ParameterAssignment(name="epochs", value="1"))
    return req


def own_history(port, algorithm, dims, n, rng):
    """A request whose n trials the algorithm suggested itself (grpcio, batches of 10)."""
    import grpc
    from conftest import api_pb2_grpc  # noqa: E402  (the interop stubs)
    req = build(algorithm, dims, 0, rng)
    centre = [rng.random() for _ in range(dims)]
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = api_pb2_grpc.SuggestionStub(channel)
        while len(req.trials) < n:
            req.current_request_number = min(10, n - len(req.trials))
            req.total_request_number = len(req.trials) + req.current_request_number
            for pa in stub.GetSuggestions(req, timeout=600).parameter_assignments:
                loss = sum((float(a.value) - c) ** 2 for a, c in zip(pa.assignments, centre))
                req.trials.append(api_pb2.Trial(name=pa.trial_name, spec=api_pb2.TrialSpec(
                    parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                    status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                        metrics=[api_pb2.Metric(name="loss", value=repr(loss))]))))
    req.current_request_number = 1
    req.total_request_number = n + 1
    return req


def timed_calls(port, body, calls, log):
    pathlib.Path(log).unlink(missing_ok=True)   # h2load appends to an existing log
    cmd = ["h2load", "-n", str(calls), "-c", "1", "-m", "1", "--log-file", log,
           "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
           f"http://127.0.0.1:{port}/api.v1.beta1.Suggestion/GetSuggestions"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert ", 0 failed, 0 errored" in out, out
    # Log lines: start time, status, microseconds.
    return [int(line.split()[2]) / 1000 for line in pathlib.Path(log).read_text().splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--algorithms", default="random,sobol,tpe,multivariate-tpe,cmaes,bayesianoptimization,hyperband,asha,bohb")
    ap.add_argument("--dims", default="2,10,30")
    ap.add_argument("--trials", default="0,100,1000,10000")
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--own-history", default="", help="algorithms whose histories they make themselves")
    args = ap.parse_args()
    own = set(filter(None, args.own_history.split(",")))
    server, port = start_server(args.binary)
    rng = random.Random(1)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench-server-time-"))
    print(f"{'algorithm':22}{'dims':>5}{'trials':>8}{'request':>10}{'mean ms':>10}{'p50 ms':>10}{'min ms':>10}{'calls':>7}")
    try:
        for algorithm in args.algorithms.split(","):
            for dims in (int(d) for d in args.dims.split(",")):
                for n in (int(t) for t in args.trials.split(",")):
                    body = tmp / f"{algorithm}-{dims}-{n}.bin"
                    made = own_history(port, algorithm, dims, n, rng) if algorithm in own else build(algorithm, dims, n, rng)
                    body.write_bytes(frame(made))
                    first = timed_calls(port, str(body), 1, str(tmp / "log"))[0]
                    calls = int(min(200, max(3, args.seconds * 1000 / max(first, 0.01))))
                    times = timed_calls(port, str(body), calls, str(tmp / "log"))
                    size = body.stat().st_size
                    size_text = f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} B"
                    label = algorithm + (" (own)" if algorithm in own else "")
                    print(f"{label:22}{dims:>5}{n:>8}{size_text:>10}{statistics.mean(times):>10.2f}"
                          f"{statistics.median(times):>10.2f}{min(times):>10.2f}{calls:>7}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
