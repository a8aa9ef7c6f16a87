#!/usr/bin/env python3
"""Differential harness: the reference's PyTorch model (paper_src/models.py, imported by
reference_compat.py) against a sweep-mpi trace of the same trial.

    sweep-mpi train CONFIG.json --trace-out TRACE       # CONFIG with "trace": {"steps": 4}
    sweep-mpi train PARAMS.json --resolve-only > TRACE/resolved.json   # the same without "trace"
    LATENT_REFERENCE=... python3 scripts/latent_dynamics/harness.py TRACE

The reference model is built from the trace's parameters, given sweep-mpi's initial weights, fed
sweep-mpi's minibatches (the trials of each step) with sweep-mpi's dropout masks, and trained by
its own training_step and configure_optimizers (Adam); every array the trace holds is compared:
log-rates, latents, loss and gradients of every step, the weights after every update, and the
validation loss and metrics (the reference's metrics.py) before and after. The reference continues
from its own updated weights, so later steps also show how Float32 rounding differences grow.

--solver torchdyn (with TORCHDYN_PATH set) runs the node decoder with torchdyn's adaptive Tsit5
instead of the RK4 that sweep-mpi integrates, to measure what the solver changes.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_compat  # noqa: E402


def load_trace(folder):
    arrays = {}
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".npy"):
                path = os.path.join(root, name)
                key = os.path.relpath(path, folder)[:-4].replace(os.sep, "/")
                arrays[key] = np.load(path)
    # The resolved parameters: `sweep-mpi train --resolve-only` beside the trace (trace.json holds
    # the config as given, without the model's defaults).
    with open(os.path.join(folder, "resolved.json")) as f:
        return json.load(f)["parameters"], arrays


def build_model(models, p):
    common = dict(input_size=p["obs_dim"], encoder_size=p["encoder_size"], latent_size=p["latent_size"],
                  learning_rate=p["learning_rate"], weight_decay=p["weight_decay"], dropout=p["dropout"],
                  points_per_group=p["points_per_group"], epochs_per_group=p["epochs_per_group"])
    latent, hidden, model = p["latent_size"], [p["mlp_hidden_size"]], p["model"]
    if model == "node":
        sae = models.NODELatentSAE(mlp_hidden_dims=hidden, **common)
    else:
        if model == "gru":
            cell = nn.GRUCell(1, latent)
        elif model in ("node-discrete", "rm-gradual"):
            cell = models.AblatedNODECell(1, latent, mlp_hidden_dims=hidden, dt=p["dt"])
        elif model == "rm-pass":
            cell = models.AblatedNODECell(1, latent, mlp_hidden_dims=hidden, dt=None)
        elif model == "rm-mlp":
            cell = models.AblatedNODECell(1, latent, mlp_hidden_dims=[], dt=p["dt"])
        elif model == "vanilla":
            cell = models.AblatedNODECell(1, latent, mlp_hidden_dims=[], dt=None)
        else:
            sys.exit(f"unknown model {model}")
        sae = models.RNNLatentSAE(rnn_cell=cell, **common)
    if p["mlp_activation"] == "relu":
        # The code that trained the shipped ablation runs used ReLU in the decoder MLP.
        for module in list(sae.decoder.modules()):
            for name, child in module.named_children():
                if isinstance(child, nn.Tanh):
                    setattr(module, name, nn.ReLU())
    return sae


def load_weights(sae, arrays, prefix):
    """sweep-mpi's tensors into the reference model. The weights of the decoders' constant zero
    input (absent in sweep-mpi: GRUCell/RNNCell weight_ih, the first column of the MLP's first
    layer) and the RNNCell tensors an AblatedNODECell with an MLP never uses are set to 0, which
    changes no output."""
    state = sae.state_dict()
    with torch.no_grad():
        for name, tensor in state.items():
            key = f"{prefix}/{name}"
            if key not in arrays:
                tensor.zero_()
                continue
            value = torch.from_numpy(arrays[key])
            if value.shape == tensor.shape:
                tensor.copy_(value)
            elif name.endswith("mlp.0.weight") and value.shape[1] + 1 == tensor.shape[1]:
                tensor.zero_()
                tensor[:, 1:] = value
            else:
                sys.exit(f"{key}: shape {tuple(value.shape)} does not fit the reference's {tuple(tensor.shape)}")
    sae.load_state_dict(state)


class MaskDropout(nn.Module):
    """The reference's nn.Dropout replaced by sweep-mpi's masks (0 or 1/(1-p)), in call order."""

    def __init__(self):
        super().__init__()
        self.masks = []

    def forward(self, x):
        if not self.training or not self.masks:
            return x
        return x * self.masks.pop(0)


def ours_of(name, tensor_shape, value):
    """The entries sweep-mpi holds of a reference tensor (mlp.0.weight without its input column)."""
    if name.endswith("mlp.0.weight") and value.shape[1] == tensor_shape[1] + 1:
        return value[:, 1:]
    return value


class Report:
    def __init__(self):
        self.rows = []
        self.worst = {}

    def compare(self, label, kind, reference, ours):
        reference = np.asarray(reference, dtype=np.float64)
        ours = np.asarray(ours, dtype=np.float64).reshape(reference.shape)
        scale = max(np.linalg.norm(reference), 1e-30)
        relative = np.linalg.norm(reference - ours) / scale
        absolute = np.max(np.abs(reference - ours)) if reference.size else 0.0
        self.rows.append((label, relative, absolute))
        self.worst[kind] = max(self.worst.get(kind, 0.0), relative)

    def print(self, verbose):
        if verbose:
            for label, relative, absolute in self.rows:
                print(f"  {label:60s} rel {relative:9.2e}  max|diff| {absolute:9.2e}")
        print("worst relative difference per kind:")
        for kind, value in self.worst.items():
            print(f"  {kind:28s} {value:9.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace")
    parser.add_argument("--solver", choices=["rk4", "torchdyn"], default="rk4")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", help="write the worst differences per kind to this file")
    args = parser.parse_args()
    torch.set_num_threads(1)

    models, metrics = reference_compat.reference_models()
    p, arrays = load_trace(args.trace)
    reference_compat.set_node_solver(args.solver, p.get("ode_steps_per_bin", 1))
    sae = build_model(models, p)
    load_weights(sae, arrays, "init")
    dropout = MaskDropout()
    sae.dropout = dropout
    optimizer = sae.configure_optimizers()
    report = Report()

    data = {k: torch.from_numpy(arrays[f"data/{k}"]) for k in ("spikes", "rates", "latents")}
    valid = torch.from_numpy(arrays["data/valid_inds"]).long()
    captured = {}
    original_forward = sae.forward

    def capturing_forward(x):
        logrates, latents = original_forward(x)
        captured["log_rates"], captured["latents"] = logrates, latents
        return logrates, latents
    sae.forward = capturing_forward

    def validation(label, epoch):
        sae.eval()
        sae.current_epoch = epoch
        batch = (data["spikes"][valid], data["rates"][valid], data["latents"][valid], valid)
        with torch.no_grad():
            loss = sae.validation_step(batch, 0)
            logrates, latents = captured["log_rates"], captured["latents"]
            full = nn.functional.poisson_nll_loss(logrates, batch[0], full=True).item()
            rates = torch.exp(logrates)
            chunks = lambda x: [x] + list(torch.chunk(x, 3, dim=1))
            observ = [metrics.r2_score(a, b).item() for a, b in zip(chunks(rates), chunks(batch[1]))]
            latent = [metrics.regression_r2_score(a, b).item() for a, b in zip(chunks(batch[2]), chunks(latents))]
        report.compare(f"{label}/log_rates", "validation log-rates", logrates.numpy(), arrays[f"{label}/log_rates"])
        report.compare(f"{label}/latents", "validation latents", latents.numpy(), arrays[f"{label}/latents"])
        report.compare(f"{label}/loss", "validation loss", [loss.item(), full], arrays[f"{label}/loss"])
        report.compare(f"{label}/r2_observ", "r2_observ", observ, arrays[f"{label}/r2_observ"])
        report.compare(f"{label}/r2_latent", "r2_latent", latent, arrays[f"{label}/r2_latent"])
        print(f"{label}: loss {loss.item():.6f} (sweep-mpi {arrays[f'{label}/loss'][0]:.6f}); "
              f"r2_observ {observ[0]:.5f} ({arrays[f'{label}/r2_observ'][0]:.5f}); "
              f"r2_latent {latent[0]:.5f} ({arrays[f'{label}/r2_latent'][0]:.5f})")

    validation("valid_init", 0)
    step = 0
    while f"step_{step}/trials" in arrays:
        label = f"step_{step}"
        sae.train()
        sae.current_epoch = int(arrays[f"{label}/epoch"][0])
        trials = torch.from_numpy(arrays[f"{label}/trials"]).long()
        dropout.masks = [torch.from_numpy(arrays[f"{label}/final_mask"]), torch.from_numpy(arrays[f"{label}/initial_mask"])]
        batch = (data["spikes"][trials], data["rates"][trials], data["latents"][trials], trials)
        optimizer.zero_grad()
        loss = sae.training_step(batch, 0)
        loss.backward()
        report.compare(f"{label}/log_rates", "log-rates", captured["log_rates"].detach().numpy(), arrays[f"{label}/log_rates"])
        report.compare(f"{label}/latents", "latents", captured["latents"].detach().numpy(), arrays[f"{label}/latents"])
        report.compare(f"{label}/loss", "loss", [loss.item()], arrays[f"{label}/loss"])
        for name, parameter in sae.named_parameters():
            key = f"{label}/grads/{name}"
            if key in arrays and parameter.grad is not None:
                grad = parameter.grad.numpy()
                report.compare(key, "gradients", ours_of(name, arrays[key].shape, grad), arrays[key])
        optimizer.step()
        for name, parameter in sae.named_parameters():
            key = f"{label}/params/{name}"
            if key in arrays:
                report.compare(key, "weights after the update", ours_of(name, arrays[key].shape, parameter.detach().numpy()), arrays[key])
        print(f"{label} (epoch {sae.current_epoch}, {int(arrays[f'{label}/points'][0])} bins): "
              f"loss {loss.item():.6f} (sweep-mpi {arrays[f'{label}/loss'][0]:.6f})")
        step += 1
    last_epoch = int(arrays[f"step_{step - 1}/epoch"][0]) if step else 0
    validation("valid_final", last_epoch)
    report.print(args.verbose)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"parameters": p, "solver": args.solver, "steps": step, "worst": report.worst}, f, indent=1)


if __name__ == "__main__":
    main()
