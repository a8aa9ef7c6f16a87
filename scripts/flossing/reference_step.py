#!/usr/bin/env python3
"""A PyTorch re-statement of one step of the gradient-flossing reference, checked against sweep-mpi.

The reference (RainerEngelken/GradientFlossing, Julia/Flux) cannot run here, so its first steps are
restated in PyTorch from its code (GradientFlossing_ExampleCode.jl): the tanh rate network
x <- J tanh(x) + b + ws s, the logit readout wr x + offset, the BCE-with-logits loss, the Lyapunov
spectrum by QR of diag(sech^2 x) J Q at every step with the first 10 + ceil(Tp/10) steps discarded,
the flossing loss mean (lambda - Lwnt)^2 differentiated by autograd through torch.linalg.qr, Flux's
per-tensor ClipNorm and AdamW. It reads the trace written by

    sweep-mpi bench flossing --trace-out DIR [--seed S]

(the initial parameters, one flossing gradient, the parameters after that flossing update, one
training gradient and the parameters after that training update, with the inputs used), recomputes
each in float64 from the trace's own inputs, and prints the relative differences. With --time it
also times the re-statement in float32 on one thread: one training epoch (B x T forward and backward)
and one flossing update, the speed of an autograd implementation of the reference's steps.

Needs numpy and torch (a CPU wheel is enough; not a dependency of the project's tests):

    pip install torch numpy
    .build/release/sweep-mpi bench flossing --trace-out /tmp/flossing-trace
    python3 scripts/flossing/reference_step.py /tmp/flossing-trace [--time]
"""
import argparse
import json
import os
import time

import numpy as np
import torch


def load(folder, name):
    return np.load(os.path.join(folder, name + ".npy"))


def loss_start(cfg):
    # sweep-mpi's first scored step (0-based): 2 d for the copy task, d 2^h for the XOR of level h.
    d, h = cfg["delay"], -cfg["task"]
    return 2 * d if h == 0 else d * 2 ** h


def training_loss(p, inputs, targets, cfg):
    """calclossbinarycrossentropy: the mean BCE with logits over the batch and the scored steps, and the accuracy."""
    T, B, L = cfg["T"], cfg["B"], loss_start(cfg)
    x = p["xInit"].T                                    # the reference's xInit is [N, B]
    total, correct = 0.0, 0
    for t in range(T):
        x = p["J"] @ torch.tanh(x) + p["b"][:, None] + p["ws"] @ inputs[t][None, :]
        if t >= L:
            r = (p["wr"] @ x + p["offset"])[0]
            y = targets[t - L]
            total = total + torch.nn.functional.binary_cross_entropy_with_logits(r, y, reduction="sum")
            correct += int(((r >= 0).to(y.dtype) == y).sum())
    return total / (B * (T - L)), correct / (B * (T - L))


def spectrum(p, inputs, q0, cfg):
    """calcLyapunovSpectrum: the k exponents over Tp steps from xInit[:, 1] and the fixed Q0."""
    Tp = cfg["Tp"]
    transient = 10 + -(-Tp // 10)
    x, q = p["xInit"][0], q0
    sums = 0.0
    for n in range(1, Tp + 1):
        x = p["J"] @ torch.tanh(x) + p["b"] + p["ws"][:, 0] * inputs[n - 1]
        d = 1 - torch.tanh(x) ** 2
        q, r = torch.linalg.qr(d[:, None] * (p["J"] @ q))
        if n > transient:
            sums = sums + torch.log(torch.abs(torch.diagonal(r)))
    return sums / (Tp - transient)


def adam_first_step(value, gradient, lr, eps=1e-8):
    """Flux's ADAM(W, decay 0) on its first step: m̂ = g, v̂ = g², θ − lr g / (|g| + ε)."""
    return value - lr * gradient / (np.abs(gradient) + eps)


def flux_clip(gradient, threshold):
    """Flux's ClipNorm: this tensor alone, scaled to `threshold` when its norm exceeds it (no ε)."""
    norm = np.linalg.norm(gradient)
    return gradient * (threshold / norm) if norm > threshold else gradient


def relative(a, b, scale=None):
    """‖a − b‖ / ‖b‖, or / max(‖b‖, ‖scale‖): a parameter after an update is compared at the scale of
    the parameter before it (an update that cancels a parameter leaves only rounding)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = np.linalg.norm(b) if scale is None else max(np.linalg.norm(b), np.linalg.norm(scale))
    return float(np.linalg.norm(a - b) / max(norm, 1e-300))


def parameters(folder, prefix, dtype, grad=()):
    names = ["ws", "J", "b", "wr", "offset", "xInit"]
    return {n: torch.tensor(load(folder, prefix + n), dtype=dtype, requires_grad=n in grad) for n in names}


def compare(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    f64 = torch.float64
    rows = []

    # Flossing: exponents, loss and gradient at the initial parameters, then one AdamW step.
    p = parameters(folder, "init/", f64, grad=("ws", "J", "b"))
    inputs = torch.tensor(load(folder, "floss/inputs"), dtype=f64)
    q0 = torch.tensor(load(folder, "floss/q0_columns"), dtype=f64).T    # stored as [k, N]: columns of Q0
    exponents = spectrum(p, inputs, q0, cfg)
    loss = torch.mean((exponents - cfg["Lwnt"]) ** 2)
    loss.backward()
    rows.append(("flossing: exponents", relative(load(folder, "floss/exponents"), exponents.detach().numpy())))
    rows.append(("flossing: loss", relative(load(folder, "floss/loss"), [loss.item()])))
    for name in ["ws", "J", "b"]:
        rows.append((f"flossing: gradient of {name}", relative(load(folder, f"floss/grad_{name}"), p[name].grad.numpy())))
    for name in ["ws", "J", "b"]:
        before = load(folder, f"init/{name}").astype(np.float64)
        stepped = adam_first_step(before, p[name].grad.numpy(), cfg["lr"])
        rows.append((f"flossing: {name} after the AdamW step", relative(load(folder, f"floss/after_{name}"), stepped, before)))

    # Training: loss, accuracy and gradient at the flossed parameters, then ClipNorm and one AdamW step.
    names = ["ws", "J", "b", "wr", "offset", "xInit"]
    p = parameters(folder, "floss/after_", f64, grad=names)
    inputs = torch.tensor(load(folder, "train/inputs"), dtype=f64)
    targets = torch.tensor(load(folder, "train/targets"), dtype=f64)
    loss, accuracy = training_loss(p, inputs, targets, cfg)
    loss.backward()
    ours = load(folder, "train/loss_accuracy_norm")
    rows.append(("training: loss", relative([ours[0]], [loss.item()])))
    rows.append(("training: accuracy", relative([ours[1]], [accuracy])))
    for name in names:
        rows.append((f"training: gradient of {name}", relative(load(folder, f"train/grad_{name}"), p[name].grad.numpy())))
    for name in names:
        clipped = flux_clip(p[name].grad.numpy(), cfg["clip_norm"])
        before = load(folder, f"floss/after_{name}").astype(np.float64)
        stepped = adam_first_step(before, clipped, cfg["lr"])
        rows.append((f"training: {name} after ClipNorm and AdamW", relative(load(folder, f"train/after_{name}"), stepped, before)))

    width = max(len(r[0]) for r in rows)
    print(f"{'quantity'.ljust(width)}  relative difference (sweep-mpi float32 vs PyTorch float64)")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value:.2e}")
    return max(value for _, value in rows)


def timing(folder, repeats):
    """Seconds per training epoch and per flossing update of the float32 re-statement on one thread."""
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(folder, "config.json")))
    f32 = torch.float32
    names = ["ws", "J", "b", "wr", "offset", "xInit"]
    p = parameters(folder, "init/", f32, grad=names)
    train_inputs = torch.tensor(load(folder, "train/inputs"), dtype=f32)
    targets = torch.tensor(load(folder, "train/targets"), dtype=f32)
    floss_inputs = torch.tensor(load(folder, "floss/inputs"), dtype=f32)
    q0 = torch.tensor(load(folder, "floss/q0_columns"), dtype=f32).T

    def epoch():
        loss, _ = training_loss(p, train_inputs, targets, cfg)
        loss.backward()

    def update():
        torch.mean((spectrum(p, floss_inputs, q0, cfg) - cfg["Lwnt"]) ** 2).backward()

    results = {}
    for label, body in [("training epoch", epoch), ("flossing update", update)]:
        body()
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            body()
        results[label] = ((time.perf_counter() - start_wall) / repeats, (time.process_time() - start_cpu) / repeats)
        print(f"PyTorch {torch.__version__} float32, 1 thread, {label}: {1e3 * results[label][1]:.2f} ms CPU "
              f"({1e3 * results[label][0]:.2f} ms wall)")
    total = 3001 * results["training epoch"][1] + 1500 * results["flossing update"][1]
    print(f"  => 3001 epochs + 1500 flossing updates: {total:.0f} s CPU on one core")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", help="folder written by sweep-mpi bench flossing --trace-out")
    parser.add_argument("--time", action="store_true", help="also time the float32 re-statement on one thread")
    parser.add_argument("--repeats", type=int, default=20, help="epochs and updates timed (default 20)")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="largest relative difference accepted (default 1e-3)")
    args = parser.parse_args()
    worst = compare(args.trace)
    print(f"largest relative difference: {worst:.2e} ({'ok' if worst <= args.tolerance else 'ABOVE'} the tolerance {args.tolerance:g})")
    if args.time:
        timing(args.trace, args.repeats)
    raise SystemExit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
