#!/usr/bin/env python3
"""The README's solution-quality table from the output of benchmarks/quality.py (one or more files,
e.g. a run of our algorithms with the fast references and a separate run of scikit-optimize):
median simple regret at one budget, ours / reference per pair, then the best of ours against the
best reference. A cell is marked `*` when ours is above the reference's median but inside its
interquartile range, `!` when above its third quartile.

Usage: python3 benchmarks/quality_table.py RESULTS.txt [MORE.txt ...] [--budget 100]
       [--pairs ours:reference,...]   (default: the model-based pairs below)
"""
import argparse
import re

PAIRS = [("tpe", "optuna-tpe"), ("multivariate-tpe", "optuna-mtpe"), ("bayesianoptimization", "skopt-gp"),
         ("cmaes", "optuna-cmaes")]
OURS = {"random", "tpe", "multivariate-tpe", "bayesianoptimization", "cmaes", "sobol", "evolution"}
CELL = re.compile(r"([-+0-9.e]+|inf) \[([-+0-9.e]+|inf), ([-+0-9.e]+|inf)\]")


def read(paths):
    """{(function, batch): {label: {budget: (median, q1, q3)}}}"""
    table, key, budgets = {}, None, []
    for path in paths:
        for line in open(path):
            m = re.match(r"(\w+), batch (\d+):", line)
            if m:
                key = (m.group(1), int(m.group(2)))
                table.setdefault(key, {})
                continue
            if line.startswith("algorithm"):
                budgets = [int(b) for b in re.findall(r"budget (\d+)", line)]
                continue
            cells = CELL.findall(line)
            if key and cells and len(cells) == len(budgets):
                label = re.sub(r" \(\d+ seeds\)", "", line[:30].strip())
                table[key][label] = {b: tuple(float(x) for x in c) for b, c in zip(budgets, cells)}
    return table


def fmt(x):
    return f"{x:.2g}" if x < 0.01 or x >= 1000 else f"{x:.3g}"


def cell(ours, ref):
    if ours is None or ref is None:
        return "–"
    mark = "" if ours[0] <= ref[0] else ("*" if ours[0] <= ref[2] else "!")
    return f"{fmt(ours[0])} / {fmt(ref[0])}{mark}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--pairs", default=",".join(f"{o}:{r}" for o, r in PAIRS))
    args = ap.parse_args()
    pairs = [tuple(p.split(":", 1)) for p in args.pairs.split(",")]
    table = read(args.files)
    b = args.budget
    print("| function, batch | " + " | ".join(f"`{o}` / {r}" for o, r in pairs) + " | best of ours / best reference |")
    print("|---" * (len(pairs) + 2) + "|")
    for (fname, batch), rows in table.items():
        get = lambda label: rows.get(label, {}).get(b)
        cells = [cell(get(o), get(r)) for o, r in pairs]
        ours = [(v[b], l) for l, v in rows.items() if l.split(":")[0] in OURS and b in v]
        refs = [(v[b], l) for l, v in rows.items() if l.split(":")[0] not in OURS and b in v]
        best = "–"
        if ours and refs:
            (o, ol), (r, rl) = min(ours), min(refs)
            best = f"{fmt(o[0])} ({ol}) / {fmt(r[0])} ({rl})" + ("" if o[0] <= r[0] else ("*" if o[0] <= r[2] else "!"))
        print(f"| {fname}, {batch} | " + " | ".join(cells) + f" | {best} |")


if __name__ == "__main__":
    main()
