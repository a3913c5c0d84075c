#!/usr/bin/env python3
"""A small real training job for `suggestion-server tune`: ridge-regularised linear regression
trained by mini-batch gradient descent on a synthetic dataset (fixed seed, standard library only).
Prints `epoch=N`, `loss=...` (training MSE) and `validation-loss=...` after every epoch, the format
Katib's StdOut metrics collector reads.

Hyperparameters: --lr (learning rate), --l2 (ridge penalty), --batch-size, --epochs, --momentum."""
import argparse
import math
import random

ap = argparse.ArgumentParser()
ap.add_argument("--lr", type=float, default=0.01)
ap.add_argument("--l2", type=float, default=0.0)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--epochs", type=int, default=10)
ap.add_argument("--momentum", type=float, default=0.0)
args = ap.parse_args()

rng = random.Random(42)
D = 8
true_w = [rng.gauss(0, 1) for _ in range(D)]


def sample(n):
    rows = []
    for _ in range(n):
        x = [rng.gauss(0, 1) for _ in range(D)]
        y = sum(w * v for w, v in zip(true_w, x)) + rng.gauss(0, 0.5)
        rows.append((x, y))
    return rows


train, valid = sample(400), sample(200)
w = [0.0] * D
velocity = [0.0] * D
order = list(range(len(train)))
shuffle = random.Random(7)


def mse(rows):
    return sum((sum(a * b for a, b in zip(w, x)) - y) ** 2 for x, y in rows) / len(rows)


for epoch in range(1, args.epochs + 1):
    shuffle.shuffle(order)
    for start in range(0, len(order), args.batch_size):
        batch = [train[i] for i in order[start:start + args.batch_size]]
        grad = [args.l2 * wj for wj in w]
        for x, y in batch:
            err = sum(a * b for a, b in zip(w, x)) - y
            for j in range(D):
                grad[j] += 2 * err * x[j] / len(batch)
        for j in range(D):
            velocity[j] = args.momentum * velocity[j] - args.lr * grad[j]
            w[j] += velocity[j]
    loss, val = mse(train), mse(valid)
    if not (math.isfinite(loss) and math.isfinite(val)):
        print("training diverged")
        raise SystemExit(1)
    print(f"epoch={epoch}")
    print(f"loss={loss:.6f}")
    print(f"validation-loss={val:.6f}", flush=True)
