#!/usr/bin/env python3
"""Multi-objective quality: hypervolume on a shifted ZDT1 (Zitzler, Deb & Thiele 2000), our services
in a closed loop over the real server (driven as Katib's controller drives them, trial names kept, both
objectives reported as metrics) side by side with Optuna 4.5's TPESampler (multi-objective) and
NSGAIISampler on the same loop and the same function. Prints the median and quartiles of the
hypervolume (larger is better) at each budget.

Shifted ZDT1 on [0, 1]^d: f1 = x1, g = 1 + 9·mean_i |x_i − c_i| (i >= 2), f2 = g·(1 − √(f1/g)),
both minimised; c_i are drawn per seed in [0.2, 0.8], so the Pareto set (x_i = c_i) sits inside the
box, not on its boundary as in the textbook ZDT1. Reference point (1.1, 1.1·(1 + 9·0.8)).

Usage (venv of benchmarks/quality.py):
  benchmarks/.venv-quality/bin/python benchmarks/multiobjective.py [--seeds 10] [--budgets 50,100]
      [--batch 4] [--dims 6] [--ours random,motpe,nsga2] [--references optuna-tpe,optuna-nsga2] [--binary PATH]
"""
import argparse
import pathlib
import random
import signal
import statistics
import sys
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from throughput import api_pb2, start_server  # noqa: E402
from conftest import api_pb2_grpc  # noqa: E402  (throughput puts tests/interop on the path)
import grpc  # noqa: E402

warnings.filterwarnings("ignore")
REFERENCE = (1.1, 1.1 * (1 + 9 * 0.8))


def centres(seed, dims):
    rng = random.Random(1000 + seed)
    return [rng.uniform(0.2, 0.8) for _ in range(dims - 1)]


def zdt1(x, c):
    f1 = x[0]
    g = 1 + 9 * sum(abs(v - ci) for v, ci in zip(x[1:], c)) / len(c)
    return f1, g * (1 - (f1 / g) ** 0.5)


def hypervolume(points):
    """Area dominated by `points` (both minimised) and bounded by REFERENCE."""
    front = sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1])
    area, best = 0.0, REFERENCE[1]
    for x, y in front:
        if y < best:
            area += (REFERENCE[0] - x) * (best - y)
            best = y
    return area


def run_ours(stub, algorithm, seed, dims, budget, batch):
    c = centres(seed, dims)
    names = [f"x{i + 1}" for i in range(dims)]
    settings = {"random_state": str(seed), "objectives": "f1:minimize,f2:minimize"}
    exp = api_pb2.Experiment(name=f"mo-{seed}", spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=[
            api_pb2.ParameterSpec(name=n, parameter_type=api_pb2.DOUBLE, feasible_space=api_pb2.FeasibleSpace(min="0", max="1"))
            for n in names]),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE, objective_metric_name="f1", additional_metric_names=["f2"]),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=algorithm, algorithm_settings=[
            api_pb2.AlgorithmSetting(name=k, value=v) for k, v in settings.items()]),
        parallel_trial_count=batch, max_trial_count=budget))
    trials, found = [], []
    while len(trials) < budget:
        k = min(batch, budget - len(trials))
        reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
            experiment=exp, trials=trials, current_request_number=k, total_request_number=len(trials) + k), timeout=600)
        for pa in reply.parameter_assignments:
            values = {a.name: float(a.value) for a in pa.assignments}
            f = zdt1([values[n] for n in names], c)
            found.append(f)
            trials.append(api_pb2.Trial(
                name=pa.trial_name or f"t{len(trials)}",
                spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                    metrics=[api_pb2.Metric(name="f1", value=repr(f[0])), api_pb2.Metric(name="f2", value=repr(f[1]))]))))
    return found


def run_optuna(kind, seed, dims, budget, batch):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    c = centres(seed, dims)
    if kind == "optuna-tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    else:
        sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    study = optuna.create_study(sampler=sampler, directions=["minimize", "minimize"])
    dists = {f"x{i + 1}": optuna.distributions.FloatDistribution(0, 1) for i in range(dims)}
    found = []
    while len(found) < budget:
        asked = [study.ask(dists) for _ in range(min(batch, budget - len(found)))]
        for t in asked:
            f = zdt1([t.params[f"x{i + 1}"] for i in range(dims)], c)
            found.append(f)
            study.tell(t, list(f))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budgets", default="50,100")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--dims", type=int, default=6)
    ap.add_argument("--ours", default="random,motpe,nsga2")
    ap.add_argument("--references", default="optuna-tpe,optuna-nsga2")
    args = ap.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    server, port = start_server(args.binary)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = api_pb2_grpc.SuggestionStub(channel)
    runners = [(a, lambda s, a=a: run_ours(stub, a, s, args.dims, max(budgets), args.batch)) for a in args.ours.split(",") if a]
    runners += [(r, lambda s, r=r: run_optuna(r, s, args.dims, max(budgets), args.batch)) for r in args.references.split(",") if r]
    try:
        print(f"shifted ZDT1, {args.dims} parameters, batch {args.batch}: hypervolume (reference {REFERENCE[0]:g}, "
              f"{REFERENCE[1]:g}; larger is better), median [q1, q3] over {args.seeds} seeds")
        print(f"{'algorithm':16}" + "".join(f"{'budget ' + str(b):>28}" for b in budgets) + f"{'s/run':>9}")
        for label, run in runners:
            started = time.monotonic()
            volumes = {b: [] for b in budgets}
            for seed in range(args.seeds):
                found = run(seed)
                for b in budgets:
                    volumes[b].append(hypervolume(found[:b]))
            per_run = (time.monotonic() - started) / args.seeds
            cells = ""
            for b in budgets:
                q1, med, q3 = statistics.quantiles(volumes[b], n=4, method="inclusive") if len(volumes[b]) > 1 else [volumes[b][0]] * 3
                cells += f"{'%.4f [%.4f, %.4f]' % (med, q1, q3):>28}"
            print(f"{label:16}{cells}{per_run:>9.2f}", flush=True)
    finally:
        channel.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
