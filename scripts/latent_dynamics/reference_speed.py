#!/usr/bin/env python3
"""Seconds per epoch of the reference's PyTorch model (paper_src/models.py via reference_compat)
on one CPU thread: the same work as one sweep-mpi epoch (the 1280 training trials in minibatches
of 650 and 630, forward, Poisson loss, backward and Adam; then the 320 validation trials forward
with the reference's metrics), without Lightning's own overhead.

    LATENT_REFERENCE=... python3 scripts/latent_dynamics/reference_speed.py --model node-discrete --latent-size 3

Prints one JSON line: wall and CPU seconds per epoch (median over the timed epochs).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_compat  # noqa: E402
from harness import build_model  # noqa: E402

DEFAULTS = {  # the reference's configs/model/*.yaml
    "gru": (1e-3, 1e-4, 70, 3000), "node": (5e-3, 1e-5, 5, 150), "node-discrete": (5e-4, 0.0, 20, 500),
    "rm-pass": (1e-3, 0.0, 20, 500), "rm-mlp": (1e-2, 0.0, 20, 500), "rm-gradual": (1e-2, 0.0, 70, 3000),
    "vanilla": (1e-2, 0.0, 70, 3000)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="node-discrete")
    parser.add_argument("--latent-size", type=int, default=3)
    parser.add_argument("--neurons", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--points", type=int, default=70, help="bins the loss reads (the curriculum)")
    parser.add_argument("--solver", choices=["torchdyn", "rk4"], default=None,
                        help="node: torchdyn's adaptive Tsit5 (the reference; needs TORCHDYN_PATH, the default when it is set) or RK4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    models, metrics = reference_compat.reference_models()
    solver = args.solver or ("torchdyn" if os.environ.get("TORCHDYN_PATH") else "rk4")
    reference_compat.set_node_solver(solver, 1)
    lr, wd, ppg, epg = DEFAULTS[args.model]
    p = {"obs_dim": args.neurons, "encoder_size": 64, "latent_size": args.latent_size, "learning_rate": lr, "weight_decay": wd,
         "dropout": 0.05, "points_per_group": args.points, "epochs_per_group": 3000, "model": args.model, "mlp_hidden_size": 128,
         "dt": 0.1, "mlp_activation": "tanh", "ode_steps_per_bin": 1}
    sae = build_model(models, p)
    optimizer = sae.configure_optimizers()
    rates = torch.exp(torch.randn(2000, 70, args.neurons) * 0.5)
    spikes = torch.poisson(rates)
    latents = torch.randn(2000, 70, 3)
    train, valid = torch.arange(1280), torch.arange(1280, 1600)

    def epoch():
        sae.train()
        order = train[torch.randperm(len(train))]
        for batch in (order[:650], order[650:]):
            optimizer.zero_grad()
            loss = sae.training_step((spikes[batch], rates[batch], latents[batch], batch), 0)
            loss.backward()
            optimizer.step()
        sae.eval()
        with torch.no_grad():
            sae.validation_step((spikes[valid], rates[valid], latents[valid], valid), 0)

    epoch()
    walls, cpus = [], []
    for _ in range(args.epochs):
        wall, cpu = time.perf_counter(), time.process_time()
        epoch()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    median = lambda v: sorted(v)[len(v) // 2]
    print(json.dumps({"model": args.model, "solver": solver if args.model == "node" else None, "latent_size": args.latent_size, "neurons": args.neurons, "points": args.points,
                      "wall_per_epoch": median(walls), "cpu_per_epoch": median(cpus), "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
