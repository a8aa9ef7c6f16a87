#!/usr/bin/env python3
"""Seconds per training step of the timescales network, sweep-mpi against the reference's PyTorch
code, both on one CPU thread, in the same run (H 500, B 256, M 50 by default).

    TIMESCALES_REFERENCE=~/.cache/sweep-mpi/rnn_timescale_public \\
        python3 scripts/timescales/speed.py .build/release/sweep-mpi [--steps 10] [--model default]

A reference step is training/train.py's inner loop: the minibatch drawn by its task code (at a fixed
length M), forward through RNN_Stack / RNN_Mod, the heads' cross-entropy, backward, clip_grad_norm_,
SGD with Nesterov momentum. A sweep-mpi step is the same work (`sweep-mpi bench timescales`). Both
are timed in CPU seconds of their process (wall time on a shared machine counts other jobs' turns),
and they alternate, round by round. sweep-mpi runs with OPENBLAS_CORETYPE removed from its
environment (it then picks the OpenBLAS core itself, SkylakeX on an AVX-512 CPU that OpenBLAS does
not recognise); with --coretype NAME it is also timed with OPENBLAS_CORETYPE=NAME.
"""
import argparse
import importlib
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_trace  # noqa: E402


def ours(binary, args, coretype=None):
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    environment.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        environment["OPENBLAS_CORETYPE"] = coretype
    output = subprocess.run([binary, "bench", "timescales", "--hidden", str(args.hidden), "--batch", str(args.batch),
                             "--length", str(args.length), "--steps", str(args.steps), "--model", args.model],
                            env=environment, check=True, capture_output=True, text=True).stdout
    seconds = float(re.search(r"seconds_per_step ([0-9.eE+-]+)", output).group(1))
    gflops = float(re.search(r"gflops ([0-9.eE+-]+) large_product_gflops ([0-9.eE+-]+)", output).group(1))
    large = float(re.search(r"large_product_gflops ([0-9.eE+-]+)", output).group(1))
    config = re.search(r"OpenBLAS: (.*)", output).group(1)
    return seconds, gflops, large, config


def reference_steps(args):
    torch, stack, modified = reference_trace.import_reference(reference_trace.reference_path(args.reference))
    tasks = importlib.import_module("src.tasks.tasks")
    torch.manual_seed(0)
    parameters = {"hidden_size": args.hidden, "readout_heads": 100, "model": args.model, "activation": "leakyrelu", "fixed_tau": None}
    model = reference_trace.build_model(torch, stack, modified, parameters)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.1, nesterov=True)
    criterion = torch.nn.CrossEntropyLoss()
    ns = [2]

    def batch():
        # make_batch_Nbit_pair_parity at a fixed length M.
        with torch.no_grad():
            sequences = [tasks.generate_binary_sequence(args.length).unsqueeze(-1) for _ in range(args.batch)]
            labels = [torch.stack([tasks.get_parity(s, n) for s in sequences]) for n in ns]
            return torch.stack(sequences).permute(1, 0, 2), labels

    def step():
        optimizer.zero_grad()
        sequences, labels = batch()
        _, out_class = model(sequences)
        loss = 0.
        for k in range(len(ns)):
            loss += criterion(out_class[k], labels[k])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0, norm_type=2)
        optimizer.step()

    step()
    times = []
    for _ in range(args.steps):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", help="sweep-mpi (release build)")
    parser.add_argument("--reference", help="checkout of LevinaLab/rnn_timescale_public (default $TIMESCALES_REFERENCE)")
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="default", choices=["default", "mod"])
    parser.add_argument("--coretype", help="also time sweep-mpi with OPENBLAS_CORETYPE set to this (e.g. Haswell)")
    args = parser.parse_args()

    rows = {"reference (PyTorch, 1 thread)": [], "sweep-mpi": []}
    alternative = f"sweep-mpi, OPENBLAS_CORETYPE={args.coretype}"
    if args.coretype:
        rows[alternative] = []
    details = {}
    for round_ in range(args.rounds):
        rows["reference (PyTorch, 1 thread)"].append(reference_steps(args))
        seconds, gflops, large, config = ours(args.binary, args)
        rows["sweep-mpi"].append(seconds)
        details["sweep-mpi"] = (config, large)
        if args.coretype:
            seconds, gflops, large, config = ours(args.binary, args, coretype=args.coretype)
            rows[alternative].append(seconds)
            details[alternative] = (config, large)
        print(f"round {round_ + 1}: " + ", ".join(f"{name} {values[-1]:.3f} s" for name, values in rows.items()), flush=True)

    flops = 3 * (2 * args.batch * args.hidden ** 2 + 12 * args.batch * args.hidden) * args.length
    reference = statistics.median(rows["reference (PyTorch, 1 thread)"])
    print()
    print(f"training step, H {args.hidden}, B {args.batch}, M {args.length}, model {args.model}, "
          f"{flops / 1e9:.1f} GFLOP; median over {args.rounds} rounds of the per-round median of {args.steps} steps")
    print(f"| implementation | CPU s per step | GFLOP/s | speed-up vs reference | fraction of the core's peak |")
    print(f"|---|---|---|---|---|")
    for name, values in rows.items():
        seconds = statistics.median(values)
        fraction = ""
        if name in details:
            config, large = details[name]
            fraction = f"{flops / seconds / 1e9 / large:.0%} of {large:.0f} GFLOP/s"
        print(f"| {name} | {seconds:.3f} | {flops / seconds / 1e9:.1f} | {reference / seconds:.2f}x | {fraction} |")
    for name, (config, _) in details.items():
        print(f"{name}: {config}")


if __name__ == "__main__":
    main()
