#!/usr/bin/env python3
"""Ask a running suggestion server for hyperparameters from Python, with grpcio.

Stubs are generated from this repository's proto/ at start-up (grpcio-tools), so nothing generated
is checked in. Usage:
  python3 -m venv .venv && .venv/bin/pip install grpcio==1.85.1 grpcio-tools==1.85.1
  scripts/run.sh &                                   # the server on localhost:6789
  .venv/bin/python examples/python-client/suggest.py --target localhost:6789 --algorithm tpe --trials 12

It runs a small optimisation loop: ask for a batch, evaluate a toy function, report the results back
as SUCCEEDED trials on the next call (the service keeps no state: every call carries the history)."""
import argparse
import math
import pathlib
import sys
import tempfile

import grpc
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = tempfile.mkdtemp(prefix="katib-stubs-")
if protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={OUT}", f"--grpc_python_out={OUT}",
                str(ROOT / "proto" / "api.proto")]) != 0:
    sys.exit("cannot generate stubs from proto/")
sys.path.insert(0, OUT)
import api_pb2  # noqa: E402
import api_pb2_grpc  # noqa: E402


def objective(x, y):
    return (x - 0.3) ** 2 + (math.log10(y) + 2) ** 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="localhost:6789")
    ap.add_argument("--algorithm", default="tpe")
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--batch", type=int, default=3)
    args = ap.parse_args()
    params = [
        api_pb2.ParameterSpec(name="x", parameter_type=api_pb2.DOUBLE, feasible_space=api_pb2.FeasibleSpace(min="0", max="1")),
        api_pb2.ParameterSpec(name="y", parameter_type=api_pb2.DOUBLE,
                              feasible_space=api_pb2.FeasibleSpace(min="0.0001", max="1", distribution=api_pb2.LOG_UNIFORM)),
    ]
    experiment = api_pb2.Experiment(name="python-client", spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=params),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE, objective_metric_name="loss"),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=args.algorithm),
        parallel_trial_count=args.batch, max_trial_count=args.trials))
    trials = []
    with grpc.insecure_channel(args.target) as channel:
        stub = api_pb2_grpc.SuggestionStub(channel)
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(experiment=experiment), timeout=10)
        while len(trials) < args.trials:
            k = min(args.batch, args.trials - len(trials))
            reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=experiment, trials=trials, current_request_number=k, total_request_number=len(trials) + k), timeout=30)
            for pa in reply.parameter_assignments:
                values = {a.name: float(a.value) for a in pa.assignments}
                loss = objective(values["x"], values["y"])
                name = pa.trial_name or f"python-client-{len(trials)}"
                print(f"{name}: x={values['x']:.4f} y={values['y']:.5f} loss={loss:.5f}")
                trials.append(api_pb2.Trial(
                    name=name,
                    spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                    status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                        metrics=[api_pb2.Metric(name="loss", value=repr(loss))]))))
    best = min(trials, key=lambda t: float(t.status.observation.metrics[0].value))
    print("best:", best.name, {a.name: a.value for a in best.spec.parameter_assignments.assignments},
          "loss", best.status.observation.metrics[0].value)


if __name__ == "__main__":
    main()
