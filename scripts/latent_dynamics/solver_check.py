#!/usr/bin/env python3
"""What integrating the node decoder with fixed-step RK4 (sweep-mpi) instead of torchdyn's
adaptive Tsitouras 5(4) at atol = rtol = 1e-3 (the reference) changes, on the reference's own
trained models: the shipped node_arneodo checkpoints (last.ckpt, 3000 epochs) are loaded into the
reference model and fed the validation trials of sweep-mpi's Arneodo trajectory (from a trace)
observed through the reference's own readout (numpy's default_rng(0), as its data module draws
it: the neurons the checkpoints were trained on); their latents are integrated by RK4 with 1 and
4 steps per bin, by torchdyn's default, and by torchdyn's dopri5 at 1e-10 in Float64 (the
accurate solution). Prints the error of each against the accurate one and the R2 metrics each
gives. The accurate solution's R2 also checks sweep-mpi's trajectory: the reference's trained
models should reach on it what they reached on their own data (about 0.94 / 0.91 at L 3).

    echo '{"family": "latent_dynamics", "model": "node", "trace": {"steps": 0}}' | sweep-mpi train - --trace-out TRACE
    echo '{"family": "latent_dynamics", "model": "node"}' | sweep-mpi train - --resolve-only > TRACE/resolved.json
    LATENT_REFERENCE=... TORCHDYN_PATH=... python3 scripts/latent_dynamics/solver_check.py TRACE
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_compat  # noqa: E402
from harness import load_trace  # noqa: E402


def reference_observations(latents, obs_dim, seed=0):
    """Spikes and rates [S, T, n] of latents [S, T, D] through the reference's readout, drawn as
    paper_src/data.py draws it (default_rng(seed): readout U(-0.5, 0.5) [D, n], columns sorted by
    the first row, activity z-scored over the whole trajectory, rates e^activity, spikes from the
    same generator)."""
    s, t, d = latents.shape
    flat = latents.reshape(s * t, d).astype(np.float64)
    rng = np.random.default_rng(seed)
    readout = rng.uniform(-0.5, 0.5, (d, obs_dim))
    readout = readout[:, np.argsort(readout[0])]
    activity = flat @ readout
    activity = (activity - activity.mean(axis=0, keepdims=True)) / activity.std(axis=0, keepdims=True)
    rates = np.exp(activity)
    spikes = rng.poisson(rates).astype(float)
    return spikes.reshape(s, t, obs_dim).astype(np.float32), rates.reshape(s, t, obs_dim).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("--sizes", default="3,10", help="latent sizes of the checkpoints to check")
    parser.add_argument("--seeds", type=int, default=5, help="checkpoints (seeds) per latent size")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    if not os.environ.get("TORCHDYN_PATH"):
        raise SystemExit("set TORCHDYN_PATH to an unpacked torchdyn 1.0.1 wheel (get-reference.sh)")
    torch.set_num_threads(1)
    models, metrics = reference_compat.reference_models()
    from torchdyn.numerics import odeint
    _, arrays = load_trace(args.trace)
    valid = arrays["data/valid_inds"]
    spikes, rates = reference_observations(arrays["data/latents"], obs_dim=10)
    spikes, rates = torch.from_numpy(spikes[valid]), torch.from_numpy(rates[valid])
    latents_true = torch.from_numpy(arrays["data/latents"][valid])
    root = os.environ["LATENT_REFERENCE"]
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for folder in sorted(glob.glob(os.path.join(root, "runs/node_arneodo", f"train_*latent_size={size},seed=*")))[:args.seeds]:
            checkpoint = torch.load(os.path.join(folder, "last.ckpt"), map_location="cpu", weights_only=False)
            h = checkpoint["hyper_parameters"]
            sae = models.NODELatentSAE(mlp_hidden_dims=[h["vf_hidden_size"]], input_size=h["input_size"], encoder_size=h["encoder_size"],
                                       latent_size=h["latent_size"], learning_rate=h["learning_rate"], weight_decay=h["weight_decay"],
                                       dropout=h["dropout"], points_per_group=h["points_per_group"], epochs_per_group=h["epochs_per_group"])
            sae.load_state_dict(checkpoint["state_dict"])
            sae.eval()
            t_span = torch.linspace(0, 1, spikes.shape[1])
            with torch.no_grad():
                _, h_n = sae.encoder(spikes)
                ic = sae.ic_linear(torch.cat([*h_n], -1))
                field = lambda t, x: sae.decoder.vf(t, x)
                solutions = {}
                for steps in (1, 4):
                    solutions[f"rk4, {steps}/bin"] = reference_compat.rk4_solve(lambda z: field(t_span[0], z), ic, t_span, steps)
                solutions["tsit5 1e-3 (torchdyn default)"] = odeint(field, ic, t_span, solver="tsit5", atol=1e-3, rtol=1e-3)[1]
                # The accurate solution in Float64 (a tolerance below Float32's resolution would
                # shrink the steps forever).
                vf64 = sae.decoder.vf.double()
                exact = odeint(lambda t, x: vf64(t, x), ic.double(), t_span.double(), solver="dopri5", atol=1e-10, rtol=1e-10)[1]
                sae.decoder.vf.float()
            row = {"run": os.path.basename(folder).split("_")[3], "latent_size": size}
            for name, solution in solutions.items():
                z = solution.transpose(0, 1)
                error = (solution.double() - exact).abs().max().item() / exact.abs().max().item()
                rate_r2 = metrics.r2_score(torch.exp(sae.readout(z)), rates).item()
                latent_r2 = metrics.regression_r2_score(latents_true, z).item()
                row[name] = {"max_error_relative": error, "r2_observ": rate_r2, "r2_latent": latent_r2}
            z = exact.float().transpose(0, 1)
            row["exact"] = {"r2_observ": metrics.r2_score(torch.exp(sae.readout(z)), rates).item(),
                            "r2_latent": metrics.regression_r2_score(latents_true, z).item()}
            results.append(row)
            print(f"L {size}, {row['run']}: accurate solution r2_latent {row['exact']['r2_latent']:.4f}, r2_observ {row['exact']['r2_observ']:.4f}")
            for name in solutions:
                r = row[name]
                print(f"  {name:30s} max |z - z_exact| / max |z_exact| {r['max_error_relative']:.2e}   "
                      f"r2_latent {r['r2_latent']:.4f}   r2_observ {r['r2_observ']:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
