#!/usr/bin/env python3
"""Solution quality of the multi-fidelity algorithms against total resource spent, side by side with
random search at full resource (our `random`) and Optuna's HyperbandPruner (RandomSampler and
TPESampler), on a multi-fidelity Branin.

Test function (minimised): x1 in [-5, 10], x2 in [0, 15], resource r = epochs in 1 ... R (R = 27):
    f(x, r) = branin(x) + (1 - r/R) * (10 + 10 sin(x1) cos(x2)) + N(0, (3/sqrt(r))^2)
The low-fidelity bias is configuration-dependent (it misleads early rungs) and vanishes at r = R;
the noise shrinks as 1/sqrt(r). branin's minimum is 0.397887.

Measure: after each share of the budget (total epochs trained, B = 80 R), the *true* branin(x) of the
incumbent, i.e. of the configuration with the best reported value among trials that trained with the
full resource R (infinity while there is none). Median over seeds. Our algorithms run behind the
real suggestion-server over gRPC, driven like Katib's controller (parallel 3, requests sized
parallel - active, results in random order); a trial costs its epochs. Optuna's trials report every
epoch and cost the epochs they ran before being pruned.

Usage: benchmarks/.venv-multifidelity/bin/python benchmarks/multifidelity.py [--seeds N] [--binary PATH]
(venv: python3 -m venv benchmarks/.venv-multifidelity &&
 benchmarks/.venv-multifidelity/bin/pip install -r benchmarks/requirements-multifidelity.txt)."""
import argparse
import math
import pathlib
import random
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
import conftest  # noqa: E402  (generates the stubs, starts servers)
from conftest import api_pb2, api_pb2_grpc, experiment, param  # noqa: E402

R = 27
BUDGET = 80 * R
SHARES = (0.25, 0.5, 1.0)
PARALLEL = 3


def branin(x1, x2):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


def observe(x1, x2, r, rng):
    bias = (1 - r / R) * (10 + 10 * math.sin(x1) * math.cos(x2))
    return branin(x1, x2) + bias + rng.gauss(0, 3 / math.sqrt(r))


class Trace:
    """Incumbent's true value after each budget share."""

    def __init__(self):
        self.spent = 0
        self.best = (math.inf, math.inf)   # (reported, true)
        self.marks = {}

    def add(self, cost, full, reported, true):
        self.spent += cost
        if full and reported < self.best[0]:
            self.best = (reported, true)
        for share in SHARES:
            if share not in self.marks and self.spent >= share * BUDGET:
                self.marks[share] = self.best[1]

    def done(self):
        return self.spent >= BUDGET


PARAMS = [param("x1", api_pb2.DOUBLE, "-5", "10"), param("x2", api_pb2.DOUBLE, "0", "15"),
          param("epochs", api_pb2.INT, "1", str(R))]
ALGORITHMS = {
    "random (full resource)": ("random", []),
    "hyperband": ("hyperband", [("r_l", str(R)), ("resource_name", "epochs")]),
    "asha": ("asha", [("resource_name", "epochs")]),
    "bohb": ("bohb", [("r_l", str(R)), ("resource_name", "epochs")]),
    # bohb's engine with its model switched off: what the density model adds or costs.
    "bohb (random_fraction 1)": ("bohb", [("r_l", str(R)), ("resource_name", "epochs"), ("random_fraction", "1")]),
}
OPTUNA = ["optuna random + HyperbandPruner", "optuna TPE + HyperbandPruner"]


def run_ours(stub, algorithm, settings, seed):
    rng = random.Random(seed)
    exp = experiment(PARAMS, algorithm=algorithm, objective=api_pb2.MINIMIZE, metric="loss",
                     settings=settings + [("random_state", str(seed))], name=f"bench-{algorithm}", parallel=PARALLEL)
    trials, running, trace, count = [], [], Trace(), 0
    while not trace.done():
        want = PARALLEL - len(running)
        if want > 0:
            reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=exp, trials=trials, current_request_number=want, total_request_number=count + want),
                timeout=60)
            count += want
            for pa in reply.parameter_assignments:
                t = api_pb2.Trial(name=pa.trial_name or f"t{len(trials)}", spec=api_pb2.TrialSpec(
                    parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                    status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.RUNNING))
                trials.append(t)
                running.append(t)
        t = running.pop(rng.randrange(len(running)))
        a = {x.name: x.value for x in t.spec.parameter_assignments.assignments}
        x1, x2 = float(a["x1"]), float(a["x2"])
        r = int(a.get("epochs", R)) if algorithm != "random" else R
        value = observe(x1, x2, r, rng)
        t.status.condition = api_pb2.TrialStatus.SUCCEEDED
        t.status.observation.metrics.append(api_pb2.Metric(name="loss", value=repr(value)))
        trace.add(r, r == R, value, branin(x1, x2))
    return trace.marks


def run_optuna(sampler_name, seed):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = random.Random(seed)
    sampler = optuna.samplers.TPESampler(seed=seed) if sampler_name == "tpe" else optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler,
                                pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=R, reduction_factor=3))
    trace = Trace()

    def objective(trial):
        x1 = trial.suggest_float("x1", -5, 10)
        x2 = trial.suggest_float("x2", 0, 15)
        value = None
        for r in range(1, R + 1):
            value = observe(x1, x2, r, rng)
            trial.report(value, r)
            if trial.should_prune():
                trace.add(r, False, value, branin(x1, x2))
                raise optuna.TrialPruned()
        trace.add(R, True, value, branin(x1, x2))
        return value

    while not trace.done():
        study.optimize(objective, n_trials=1)
    return trace.marks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--binary", default=None)
    ap.add_argument("--algorithms", default=",".join([a for a in ALGORITHMS if "random_fraction" not in a] + OPTUNA),
                    help="comma-separated rows to run (default: all but the bohb variant), from: " + ", ".join(list(ALGORITHMS) + OPTUNA))
    args = ap.parse_args()
    chosen = [a.strip() for a in args.algorithms.split(",") if a.strip()]
    unknown = [a for a in chosen if a not in ALGORITHMS and a not in OPTUNA]
    if unknown:
        ap.error(f"unknown rows: {unknown}")
    if args.binary:
        conftest.BINARY = args.binary
    server = conftest.Server()
    results = {}
    try:
        with server.channel(conftest.BIG) as ch:
            stub = api_pb2_grpc.SuggestionStub(ch)
            for label, (algorithm, settings) in ALGORITHMS.items():
                if label in chosen:
                    results[label] = [run_ours(stub, algorithm, settings, s) for s in range(args.seeds)]
    finally:
        server.stop()
    for label, sampler in zip(OPTUNA, ["random", "tpe"]):
        if label in chosen:
            results[label] = [run_optuna(sampler, s) for s in range(args.seeds)]
    print(f"multi-fidelity Branin (min 0.397887), R = {R}, budget B = {BUDGET} epochs, {args.seeds} seeds; "
          "median true value of the incumbent (best reported at full resource)")
    print(f"{'algorithm':34s}" + "".join(f"{f'{int(s * 100)}% of B':>12s}" for s in SHARES))
    for label, runs in results.items():
        row = [statistics.median(r.get(s, math.inf) for r in runs) for s in SHARES]
        print(f"{label:34s}" + "".join(f"{v:12.3f}" for v in row))


if __name__ == "__main__":
    main()
