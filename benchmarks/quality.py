#!/usr/bin/env python3
"""Solution quality: a closed loop over the real server, driven as Katib's controller drives it (ask for
`batch` suggestions with the whole history, evaluate, append the trials as SUCCEEDED, keeping the trial
names the service chose), side by side with the reference libraries on the same loop and functions:
Optuna 4.5 (TPE, multivariate TPE, CMA-ES with and without margin), scikit-optimize 0.10 (GP, gp_hedge) and SciPy's scrambled
Sobol. Prints the median and quartiles of the simple regret (best value found minus the optimum) at
each budget, per function and batch size. Every DOUBLE box is moved by a seeded offset (up to 10% of
its width by default, `--shift`), the same for every optimiser, so no optimum sits at a canonical
point such as the centre.

Usage:
  python3 -m venv benchmarks/.venv-quality
  benchmarks/.venv-quality/bin/pip install -r benchmarks/requirements-quality.txt -r tests/interop/requirements.txt
  swift build -c release
  benchmarks/.venv-quality/bin/python benchmarks/quality.py [--seeds 10] [--budgets 50,100] [--batches 1,4]
      [--functions branin,...] [--ours tpe,bayesianoptimization:RF,...] [--references optuna-tpe,skopt-rf,...]
      [--binary PATH]
"""
import argparse
import math
import pathlib
import signal
import statistics
import subprocess
import sys
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from conftest import api_pb2, api_pb2_grpc, free_port  # noqa: E402
import grpc  # noqa: E402
import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")

# ---------- test functions: (parameters, function of a dict, optimum) ----------


def branin(p):
    x, y = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H6_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(p):
    x = [p[f"x{i + 1}"] for i in range(6)]
    return -sum(H6_ALPHA[i] * math.exp(-sum(H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2 for j in range(6)))
                for i in range(4))


def rosenbrock(p, d=4):
    x = [p[f"x{i + 1}"] for i in range(d)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(d - 1))


def ackley(p, d=5):
    x = [p[f"x{i + 1}"] for i in range(d)]
    s1 = sum(v * v for v in x) / d
    s2 = sum(math.cos(2 * math.pi * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e


def levy(p, d=10):
    w = [1 + (p[f"x{i + 1}"] - 1) / 4 for i in range(d)]
    s = math.sin(math.pi * w[0]) ** 2
    s += sum((w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2) for i in range(d - 1))
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def mixed(p):
    # Doubles (one log-scaled), an INT with step 2, a categorical; optimum 0 at lr=1e-3, m=0.9, k=6, opt=adam.
    return ((math.log10(p["lr"]) + 3) ** 2 + 4 * (p["m"] - 0.9) ** 2 + ((p["k"] - 6) / 8) ** 2
            + {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.15}[p["opt"]])


def box(names, lo, hi):
    return [("double", n, lo, hi, None, None) for n in names]


FUNCTIONS = {
    "branin": (box(["x1"], -5, 10) + box(["x2"], 0, 15), branin, 0.397887357729739),
    "hartmann6": (box([f"x{i + 1}" for i in range(6)], 0, 1), hartmann6, -3.32236801141551),
    "rosenbrock4": (box([f"x{i + 1}" for i in range(4)], -2, 2), rosenbrock, 0.0),
    "ackley5": (box([f"x{i + 1}" for i in range(5)], -5, 5), ackley, 0.0),
    "levy10": (box([f"x{i + 1}" for i in range(10)], -10, 10), levy, 0.0),
    "mixed": ([("double", "lr", 1e-5, 1e-1, None, "log"), ("double", "m", 0.5, 0.99, None, None),
               ("int", "k", 0, 16, 2, None), ("categorical", "opt", None, None, ["sgd", "adam", "rmsprop"], None)],
              mixed, 0.0),
}

SHIFT = 0.1   # set from --shift


def problem(fname, seed):
    """The space and function of one run. Every DOUBLE box is moved by a seeded offset of at most
    SHIFT of its width (on log10 scale for log-scaled ones), the same for every optimiser of that
    (function, seed), so that no optimum sits at the box's centre or on a lattice a method favours;
    the function is not moved, and each function's global optimum stays inside every moved box."""
    space, f, _ = FUNCTIONS[fname]
    if not SHIFT:
        return space, f
    import random
    rng = random.Random(f"{fname}-{seed}")
    moved = []
    for kind, name, lo, hi, extra, scale in space:
        if kind == "double":
            if scale == "log":
                a, b = math.log10(lo), math.log10(hi)
                d = (2 * rng.random() - 1) * SHIFT * (b - a)
                lo, hi = 10 ** (a + d), 10 ** (b + d)
            else:
                d = (2 * rng.random() - 1) * SHIFT * (hi - lo)
                lo, hi = lo + d, hi + d
        moved.append((kind, name, lo, hi, extra, scale))
    return moved, f

# ---------- our server ----------


def proto_params(space):
    out = []
    for kind, name, lo, hi, extra, scale in space:
        fs = api_pb2.FeasibleSpace(distribution=api_pb2.LOG_UNIFORM if scale == "log" else api_pb2.UNIFORM)
        if kind == "categorical":
            fs.list.extend(extra)
            t = api_pb2.CATEGORICAL
        else:
            fs.min, fs.max = repr(lo) if kind == "double" else str(lo), repr(hi) if kind == "double" else str(hi)
            if extra:
                fs.step = str(extra)
            t = api_pb2.DOUBLE if kind == "double" else api_pb2.INT
        out.append(api_pb2.ParameterSpec(name=name, parameter_type=t, feasible_space=fs))
    return out


def decode(space, assignments):
    kinds = {name: kind for kind, name, *_ in space}
    return {a.name: (a.value if kinds[a.name] == "categorical" else float(a.value)) for a in assignments}


def run_ours(stub, label, fname, batch, seed, budget):
    """`label` is an algorithm name, optionally followed by settings: `bayesianoptimization:RF` (ET, GBRT)
    for another base_estimator, or `name:key=value+key=value` (e.g. `cmaes:sigma=0.3`)."""
    algorithm, _, extra = label.partition(":")
    estimator, settings = None, []
    for item in filter(None, extra.split("+")):
        key, eq, value = item.partition("=")
        if eq:
            settings.append(api_pb2.AlgorithmSetting(name=key, value=value))
        else:
            estimator = item
    space, f = problem(fname, seed)
    exp = api_pb2.Experiment(name=f"q-{fname}-{batch}-{seed}", spec=api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=proto_params(space)),
        objective=api_pb2.ObjectiveSpec(type=api_pb2.MINIMIZE, objective_metric_name="loss"),
        algorithm=api_pb2.AlgorithmSpec(algorithm_name=algorithm, algorithm_settings=[
            api_pb2.AlgorithmSetting(name="random_state", value=str(seed))]
            + ([api_pb2.AlgorithmSetting(name="base_estimator", value=estimator)] if estimator else []) + settings
            # Scrambled, like the SciPy reference (the service's default is Katib's unscrambled sequence).
            + ([api_pb2.AlgorithmSetting(name="scramble", value="true")] if algorithm == "sobol" else [])),
        parallel_trial_count=batch, max_trial_count=budget))
    trials, values = [], []
    while len(trials) < budget:
        k = min(batch, budget - len(trials))
        reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
            experiment=exp, trials=trials, current_request_number=k, total_request_number=len(trials) + k), timeout=600)
        for pa in reply.parameter_assignments:
            y = f(decode(space, pa.assignments))
            values.append(y)
            trials.append(api_pb2.Trial(
                name=pa.trial_name or f"t{len(trials)}",
                spec=api_pb2.TrialSpec(parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(assignments=pa.assignments)),
                status=api_pb2.TrialStatus(condition=api_pb2.TrialStatus.SUCCEEDED, observation=api_pb2.Observation(
                    metrics=[api_pb2.Metric(name="loss", value=repr(y))]))))
    return values

# ---------- reference libraries ----------


def run_optuna(kind, fname, batch, seed, budget):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    space, f = problem(fname, seed)
    if kind == "optuna-tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    elif kind == "optuna-mtpe":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    elif kind == "optuna-ga":
        # Optuna's genetic algorithm (NSGA-II reduces to one on a single objective): the nearest
        # reference for `evolution`. Population 20 as ours; Optuna's default crossover and mutation.
        sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    elif kind == "optuna-cmaes-margin":
        sampler = optuna.samplers.CmaEsSampler(seed=seed, with_margin=True, warn_independent_sampling=False)
    else:
        sampler = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    dists = {}
    for kind_, name, lo, hi, extra, scale in space:
        if kind_ == "categorical":
            dists[name] = optuna.distributions.CategoricalDistribution(extra)
        elif kind_ == "int":
            dists[name] = optuna.distributions.IntDistribution(lo, hi, step=extra or 1)
        else:
            dists[name] = optuna.distributions.FloatDistribution(lo, hi, log=scale == "log")
    values = []
    while len(values) < budget:
        k = min(batch, budget - len(values))
        asked = [study.ask(dists) for _ in range(k)]
        for t in asked:
            y = f(t.params)
            values.append(y)
            study.tell(t, y)
    return values


def skopt_gbrt():
    """skopt's own "GBRT" surrogate (cook_estimator: 30 quantile stages at 0.16/0.5/0.84). scikit-optimize
    0.10.2 fails to recognise it as a regressor under scikit-learn >= 1.6 (estimator tags moved to
    __sklearn_tags__), so the same model is passed in with the tag set."""
    from sklearn.ensemble import GradientBoostingRegressor
    from skopt.learning import GradientBoostingQuantileRegressor

    class Tagged(GradientBoostingQuantileRegressor):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.estimator_type = "regressor"
            return tags

    return Tagged(base_estimator=GradientBoostingRegressor(n_estimators=30, loss="quantile"))


def run_skopt(fname, batch, seed, budget, estimator="GP"):
    from skopt import Optimizer
    from skopt.space import Categorical, Integer, Real
    space, f = problem(fname, seed)
    dims, names = [], []
    for kind, name, lo, hi, extra, scale in space:
        names.append(name)
        if kind == "categorical":
            dims.append(Categorical(extra))
        elif kind == "int":
            dims.append(Categorical(list(range(lo, hi + 1, extra or 1))) if extra and extra > 1 else Integer(lo, hi))
        else:
            dims.append(Real(lo, hi, prior="log-uniform" if scale == "log" else "uniform"))
    if estimator == "GBRT":
        estimator = skopt_gbrt()
    opt = Optimizer(dims, base_estimator=estimator, acq_func="gp_hedge", n_initial_points=10, random_state=seed)
    values = []
    while len(values) < budget:
        k = min(batch, budget - len(values))
        xs = opt.ask(n_points=k) if k > 1 else [opt.ask()]
        ys = [f(dict(zip(names, x))) for x in xs]
        opt.tell(xs, ys)
        values.extend(ys)
    return values


def run_sobol(fname, batch, seed, budget):
    from scipy.stats import qmc
    space, f = problem(fname, seed)
    u = qmc.Sobol(len(space), scramble=True, seed=seed).random(budget)
    values = []
    for row in u:
        p = {}
        for (kind, name, lo, hi, extra, scale), v in zip(space, row):
            if kind == "categorical":
                p[name] = extra[min(int(v * len(extra)), len(extra) - 1)]
            elif kind == "int":
                n = (hi - lo) // (extra or 1) + 1
                p[name] = lo + min(int(v * n), n - 1) * (extra or 1)
            elif scale == "log":
                p[name] = math.exp(math.log(lo) + v * (math.log(hi) - math.log(lo)))
            else:
                p[name] = lo + v * (hi - lo)
        values.append(f(p))
    return values


REFERENCES = {
    "optuna-tpe": lambda *a: run_optuna("optuna-tpe", *a),
    "optuna-mtpe": lambda *a: run_optuna("optuna-mtpe", *a),
    "optuna-cmaes": lambda *a: run_optuna("optuna-cmaes", *a),
    "optuna-ga": lambda *a: run_optuna("optuna-ga", *a),
    "optuna-cmaes-margin": lambda *a: run_optuna("optuna-cmaes-margin", *a),
    "skopt-gp": run_skopt,
    "skopt-rf": lambda *a: run_skopt(*a, estimator="RF"),
    "skopt-et": lambda *a: run_skopt(*a, estimator="ET"),
    "skopt-gbrt": lambda *a: run_skopt(*a, estimator="GBRT"),
    "scipy-sobol": run_sobol,
}


def quartiles(xs):
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return q[0], q[1], q[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "suggestion-server"))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budgets", default="50,100")
    ap.add_argument("--batches", default="1,4")
    ap.add_argument("--functions", default=",".join(FUNCTIONS))
    ap.add_argument("--ours", default="random,tpe,multivariate-tpe,bayesianoptimization,cmaes,sobol")
    ap.add_argument("--references", default=",".join(REFERENCES))
    ap.add_argument("--shift", type=float, default=0.1,
                    help="move each DOUBLE box by a seeded offset of at most this fraction of its width (0: canonical boxes)")
    ap.add_argument("--skopt-seeds", type=int, default=None,
                    help="seeds for the skopt references only (tens of seconds per run); default --seeds")
    args = ap.parse_args()
    global SHIFT
    SHIFT = args.shift
    budgets = [int(b) for b in args.budgets.split(",")]
    top = max(budgets)
    port = free_port()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port), "--quiet"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 64 << 20),
                                                                   ("grpc.max_send_message_length", 64 << 20)])
    stub = api_pb2_grpc.SuggestionStub(channel)
    runners = [(a, lambda fn, b, s, n, a=a: run_ours(stub, a, fn, b, s, n)) for a in args.ours.split(",") if a]
    runners += [(r, REFERENCES[r]) for r in args.references.split(",") if r]
    try:
        for fname in args.functions.split(","):
            optimum = FUNCTIONS[fname][2]
            for batch in [int(b) for b in args.batches.split(",")]:
                print(f"\n{fname}, batch {batch}: simple regret, median [q1, q3] over {args.seeds} seeds"
                      + (f", boxes moved by up to {args.shift:g} of their width" if args.shift else ", canonical boxes"))
                print(f"{'algorithm':30}" + "".join(f"{'budget ' + str(b):>34}" for b in budgets) + f"{'s/run':>9}")
                for label, run in runners:
                    regrets = {b: [] for b in budgets}
                    started = time.monotonic()
                    seeds = args.skopt_seeds if label.startswith("skopt-") and args.skopt_seeds else args.seeds
                    for seed in range(seeds):
                        values = run(fname, batch, seed, top)
                        for b in budgets:
                            regrets[b].append(min(values[:b]) - optimum)
                    per_run = (time.monotonic() - started) / seeds
                    cells = "".join(f"{'%.4g [%.3g, %.3g]' % (quartiles(regrets[b])[1], quartiles(regrets[b])[0], quartiles(regrets[b])[2]):>34}"
                                    for b in budgets)
                    print(f"{label + ('' if seeds == args.seeds else f' ({seeds} seeds)'):30}{cells}{per_run:>9.2f}", flush=True)
    finally:
        channel.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
