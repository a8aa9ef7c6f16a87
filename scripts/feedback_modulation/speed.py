#!/usr/bin/env python3
"""Seconds per training batch: the reference PyTorch code (its own Runner.train, one CPU thread) against
sweep-mpi (`sweep-mpi bench feedback`), measured in the same run, alternating, for ModulationNet and
SpatialNet at the reference's defaults (32 contexts of 1000 steps, a 100-unit LSTM).

    FEEDBACK_REFERENCE=DIR python3 scripts/feedback_modulation/speed.py [--sweep-mpi PATH] [--batches N] [--rounds R]

Reports wall-clock and CPU seconds per batch of each side (CPU time is what other load on the
machine does not inflate) and their ratios; the reference's README gives 1-2 s per batch. sweep-mpi
runs the OpenBLAS core its CPU supports unless OPENBLAS_CORETYPE chooses one (the table names the
core); with --coretype NAME it is also measured with OPENBLAS_CORETYPE=NAME, and with --coretype auto
without the variable (OpenBLAS's and sweep-mpi's own choice).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as refmod  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def reference_seconds(ref, model_name, batches):
    """(wall, cpu) seconds per batch of the reference's Runner.train, after one warm-up batch."""
    torch.set_num_threads(1)
    c = refmod.config_with_defaults({"model": model_name})
    model = refmod.build_model(ref, c)
    optimizer = torch.optim.Adam(model.parameters(), lr=c["learning_rate"])
    runner = ref.model_base.Runner(model, torch.nn.SmoothL1Loss(), optimizer, None, batch_size=c["batch_size"])
    signals = refmod.signals(ref, c)
    train, _ = ref.data_maker.gen_train_test_data((batches + 1) * c["batch_size"], 2, batch_size=c["batch_size"])
    with refmod.quiet():
        runner.train(signals, train[:2], nt=c["n_sample"])       # warm-up (two batches: the reference needs >= 2)
        wall, cpu = time.perf_counter(), time.process_time()
        runner.train(signals, train[:batches], nt=c["n_sample"])
        return (time.perf_counter() - wall) / batches, (time.process_time() - cpu) / batches


def ours(binary, model_name, batches, coretype=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if coretype == "auto":
        env.pop("OPENBLAS_CORETYPE", None)
    elif coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([binary, "bench", "feedback", "--model", model_name, "--batches", str(batches), "--json"],
                         check=True, capture_output=True, text=True, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds_per_batch"], result["cpu_seconds_per_batch"], result["openblas_core"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="checkout of the reference (default: $FEEDBACK_REFERENCE)")
    parser.add_argument("--sweep-mpi", default=os.path.join(ROOT, ".build", "release", "sweep-mpi"))
    parser.add_argument("--batches", type=int, default=3, help="timed batches per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternating measurements per side and model")
    parser.add_argument("--coretype", help="also measure sweep-mpi with OPENBLAS_CORETYPE set to this")
    args = parser.parse_args()
    ref = refmod.load(args.reference)
    extra = f" | sweep-mpi, OPENBLAS_CORETYPE {args.coretype} (wall, CPU), core | ratio CPU" if args.coretype else ""
    print("| model | reference s/batch (wall, CPU) | sweep-mpi s/batch (wall, CPU), OpenBLAS core | ratio wall | ratio CPU" + extra + " |")
    print("|---|---|---|---|---" + ("|---|---" if args.coretype else "") + "|")
    for model_name in ["modulation", "spatial"]:
        theirs, mine, named = [], [], []
        for _ in range(args.rounds):
            theirs.append(reference_seconds(ref, model_name, args.batches))
            mine.append(ours(args.sweep_mpi, model_name, args.batches))
            if args.coretype:
                named.append(ours(args.sweep_mpi, model_name, args.batches, args.coretype))
        # The best round of each side: the least disturbed by other load.
        tw, tc = min(t[0] for t in theirs), min(t[1] for t in theirs)
        ow, oc = min(m[0] for m in mine), min(m[1] for m in mine)
        line = f"| {model_name} | {tw:.3f}, {tc:.3f} | {ow:.3f}, {oc:.3f}, {mine[0][2]} | {tw / ow:.1f}x | {tc / oc:.1f}x"
        if args.coretype:
            nw, nc = min(m[0] for m in named), min(m[1] for m in named)
            line += f" | {nw:.3f}, {nc:.3f}, {named[0][2]} | {tc / nc:.1f}x"
        print(line + " |")


if __name__ == "__main__":
    main()
