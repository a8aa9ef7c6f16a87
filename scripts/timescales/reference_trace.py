#!/usr/bin/env python3
"""Differential harness of the timescales family against the published PyTorch code.

The reference is LevinaLab/rnn_timescale_public (not part of this repository):

    git clone https://github.com/LevinaLab/rnn_timescale_public ~/.cache/sweep-mpi/rnn_timescale_public
    export TIMESCALES_REFERENCE=~/.cache/sweep-mpi/rnn_timescale_public

Commands (trace folders: one .npy per array, named by its path; docs/families/timescales.md):

    reference_trace.py replay OURS REF      the reference model from OURS' initial weights, trained on
                                            OURS' minibatches exactly as training/train.py does; writes
                                            its trace to REF
    reference_trace.py compare OURS REF     the agreement table (losses, gradients, logits, weights)
    reference_trace.py export OUT           the shipped trained models (trained_models/) as weight sets
                                            weights/<curriculum>_N<N>/<tensor> for `sweep-mpi train --trace-in`
    reference_trace.py tau-net OUT LABEL..  the reference's own tau_net pipeline (analysis/timescales) on
                                            shipped models, e.g. cumulative_N2: OUT/<label>/{tau_net,...}.npy
    reference_trace.py fits OURS            the reference's fits (scipy) on the autocorrelations sweep-mpi
                                            fitted, neuron by neuron, against sweep-mpi's fits

Needs PyTorch (CPU is enough), numpy and scipy; runs on one thread.
"""
import argparse
import importlib.machinery
import json
import os
import sys
import types

import numpy as np

TENSORS = ["tau", "W_in", "b_in", "W_hh", "b_hh", "W_out", "b_out"]


def reference_path(given=None):
    path = given or os.environ.get("TIMESCALES_REFERENCE")
    if not path or not os.path.isdir(os.path.join(path, "src", "models")):
        sys.exit("reference_trace: set TIMESCALES_REFERENCE (or --reference) to a checkout of "
                 "LevinaLab/rnn_timescale_public (see the top of this file)")
    return os.path.abspath(path)


def import_reference(path):
    """The reference's modules, importable on a current PyTorch (tqdm is only a progress bar)."""
    if "tqdm" not in sys.modules:
        try:
            import tqdm  # noqa: F401
        except ImportError:
            stub = types.ModuleType("tqdm")
            stub.__spec__ = importlib.machinery.ModuleSpec("tqdm", None)
            stub.tqdm = lambda iterable, **kwargs: iterable
            sys.modules["tqdm"] = stub
    sys.path.insert(0, path)
    import torch
    torch.set_num_threads(1)
    import src.models  # noqa: F401  (its __init__ shadows the module names with the classes)
    stack, modified = sys.modules["src.models.RNN_Stack"], sys.modules["src.models.RNN_modified"]
    stack.device = modified.device = torch.device("cpu")
    return torch, stack, modified


def read(folder, name):
    return np.load(os.path.join(folder, name + ".npy"), allow_pickle=False)


def write(folder, name, array):
    path = os.path.join(folder, name + ".npy")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)


def build_model(torch, stack, modified, parameters):
    """RNN_Stack ('default') or RNN_Mod ('mod') as training/train.py builds it, with every head of the config."""
    hidden, heads = int(parameters["hidden_size"]), int(parameters["readout_heads"])
    fixed = parameters.get("fixed_tau")
    tau, train_tau = (1.0, True) if fixed is None else (float(fixed), False)
    if parameters["model"] == "mod":
        activations = {"leakyrelu": torch.nn.LeakyReLU, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
        return modified.RNN_Mod(input_size=1, net_size=[hidden], num_classes=2, bias=True, num_readout_heads=heads,
                                tau=tau, afunc=activations[parameters["activation"]], train_tau=train_tau)
    if parameters["activation"] != "leakyrelu":
        sys.exit("reference_trace: the reference's default model has LeakyReLU only")
    return stack.RNN_Stack(input_size=1, net_size=[hidden], num_classes=2, bias=True, num_readout_heads=heads,
                           tau=tau, train_tau=train_tau)


def load_ours(torch, model, tensors):
    """Our tensor names into the reference model (W_out [2K, H]: head k is rows 2k, 2k+1)."""
    with torch.no_grad():
        tau = torch.from_numpy(tensors["tau"])
        model.taus[0].copy_(tau if model.taus[0].numel() == tau.numel() else tau[:1])
        model.input_layers[0].weight.copy_(torch.from_numpy(tensors["W_in"]))
        model.input_layers[0].bias.copy_(torch.from_numpy(tensors["b_in"]))
        model.w_hh[0].weight.copy_(torch.from_numpy(tensors["W_hh"]))
        model.w_hh[0].bias.copy_(torch.from_numpy(tensors["b_hh"]))
        for k, head in enumerate(model.fc):
            head.weight.copy_(torch.from_numpy(tensors["W_out"][2 * k:2 * k + 2]))
            head.bias.copy_(torch.from_numpy(tensors["b_out"][2 * k:2 * k + 2]))


def ours_from_model(model):
    """The reference model's tensors under our names (fixed tau: one value)."""
    as_numpy = lambda t: t.detach().cpu().numpy().astype(np.float32)
    return {"tau": as_numpy(model.taus[0]), "W_in": as_numpy(model.input_layers[0].weight),
            "b_in": as_numpy(model.input_layers[0].bias), "W_hh": as_numpy(model.w_hh[0].weight),
            "b_hh": as_numpy(model.w_hh[0].bias),
            "W_out": np.concatenate([as_numpy(h.weight) for h in model.fc]),
            "b_out": np.concatenate([as_numpy(h.bias) for h in model.fc])}


def gradients_from_model(model):
    grad = lambda t: None if t.grad is None else t.grad.detach().cpu().numpy().astype(np.float32)
    heads_w = [grad(h.weight) for h in model.fc]
    heads_b = [grad(h.bias) for h in model.fc]
    shape = model.fc[0].weight.shape
    return {"tau": grad(model.taus[0]), "W_in": grad(model.input_layers[0].weight), "b_in": grad(model.input_layers[0].bias),
            "W_hh": grad(model.w_hh[0].weight), "b_hh": grad(model.w_hh[0].bias),
            "W_out": np.concatenate([g if g is not None else np.zeros(shape, np.float32) for g in heads_w]),
            "b_out": np.concatenate([g if g is not None else np.zeros(2, np.float32) for g in heads_b])}


def replay(args):
    torch, stack, modified = import_reference(reference_path(args.reference))
    with open(os.path.join(args.ours, "trace.json")) as f:
        manifest = json.load(f)
    parameters = manifest["parameters"]
    torch.manual_seed(0)
    model = build_model(torch, stack, modified, parameters)
    load_ours(torch, model, {name: read(args.ours, "params/init/" + name) for name in TENSORS})
    optimizer = torch.optim.SGD(model.parameters(), lr=parameters["learning_rate"], momentum=parameters["momentum"], nesterov=True)
    criterion = torch.nn.CrossEntropyLoss()
    steps = sorted(d for d in os.listdir(os.path.join(args.ours, "data")) if d.startswith("step_"))
    losses, norms = [], []
    for index, step in enumerate(steps):
        inputs = torch.from_numpy(read(args.ours, f"data/{step}/inputs")).unsqueeze(-1)       # [M, B, 1]
        labels = [torch.from_numpy(l.astype(np.int64)) for l in read(args.ours, f"data/{step}/labels")]
        h0 = torch.from_numpy(read(args.ours, f"data/{step}/h0"))
        # training/train.py's step, with the minibatch's initial states given instead of drawn.
        optimizer.zero_grad()
        hs, out_class = model(inputs, hs=[h0.clone()])
        loss = 0.
        for k in range(len(labels)):
            loss += criterion(out_class[k], labels[k])
        loss.backward()
        losses.append(loss.item())
        for name, g in gradients_from_model(model).items():
            if g is not None and (name != "tau" or model.taus[0].requires_grad):
                write(args.ref, f"grads/{step}/{name}", g)
        if index == 0:
            write(args.ref, "forward/step_000000/logits", np.stack([out_class[k].detach().numpy() for k in range(len(labels))]))
            write(args.ref, "forward/step_000000/h_last", hs[0].detach().numpy())
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=parameters["clip_norm"], norm_type=2)))
        optimizer.step()
    write(args.ref, "series/train_loss", np.array(losses))
    write(args.ref, "series/grad_norm", np.array(norms))
    for name, value in ours_from_model(model).items():
        write(args.ref, "params/final/" + name, value)
    with open(os.path.join(args.ref, "trace.json"), "w") as f:
        json.dump({"format": "sweep-mpi-trace", "version": 1, "writer": "reference", "family": "timescales",
                   "parameters": parameters, "torch": torch.__version__}, f, indent=1)
    print(f"reference_trace: {len(steps)} steps replayed -> {args.ref}")


def compare(args):
    names = []
    for root, _, files in os.walk(args.ref):
        for f in files:
            if f.endswith(".npy"):
                names.append(os.path.relpath(os.path.join(root, f), args.ref)[:-4])
    print(f"{'array':40s} {'shape':>14s} {'relative error':>15s}")
    worst = {}
    for name in sorted(names):
        ours_path = os.path.join(args.ours, name + ".npy")
        if not os.path.exists(ours_path):
            continue
        a, b = read(args.ours, name).astype(np.float64), read(args.ref, name).astype(np.float64)
        if a.shape != b.shape and a.size == b.size:
            a = a.reshape(b.shape)
        if name.endswith("/tau") and a.size != b.size:
            a = a[:1]
        error = np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)
        kind = name.split("/")[0]
        worst[kind] = max(worst.get(kind, 0), error)
        print(f"{name:40s} {str(b.shape):>14s} {error:15.2e}")
    print()
    for kind, error in sorted(worst.items()):
        print(f"largest relative error of {kind}: {error:.2e}")


def shipped_models(reference):
    """(label, path) of the shipped trained models of the cumulative and single-head curricula."""
    base = os.path.join(reference, "trained_models")
    found = []
    for curriculum, pattern in [("cumulative", "rnn_N2_N{}"), ("single", "rnn_N{0}_N{0}")]:
        folder = os.path.join(base, f"{curriculum}_parity_network_1")
        for n in range(2, 102):
            path = os.path.join(folder, pattern.format(n))
            if os.path.exists(path):
                found.append((f"{curriculum}_N{n}", path))
    return found


def export(args):
    torch, _, _ = import_reference(reference_path(args.reference))
    for label, path in shipped_models(reference_path(args.reference)):
        state = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
        heads = sorted({int(k.split(".")[1]) for k in state if k.startswith("modulelist.") and int(k.split(".")[1]) >= 2})
        tensors = {"tau": state["parameterlist.0"], "W_in": state["modulelist.0.weight"], "b_in": state["modulelist.0.bias"],
                   "W_hh": state["modulelist.1.weight"], "b_hh": state["modulelist.1.bias"],
                   "W_out": torch.cat([state[f"modulelist.{k}.weight"] for k in heads]),
                   "b_out": torch.cat([state[f"modulelist.{k}.bias"] for k in heads])}
        for name, value in tensors.items():
            write(args.out, f"weights/{label}/{name}", value.numpy().astype(np.float32))
        print(f"reference_trace: {label} <- {os.path.relpath(path, reference_path(args.reference))}")


def tau_net(args):
    """analysis/timescales/timescales_utils.py on shipped models, as compute_taus.py calls it (with the
    device argument it forgets): 10 trials of 10^5 + 1000 steps, ACs, fits, AIC."""
    reference = reference_path(args.reference)
    torch, _, _ = import_reference(reference)
    sys.path.insert(0, os.path.join(reference, "analysis", "timescales"))
    import timescales_utils as utils
    utils.device = torch.device("cpu")
    from src.models import init_model
    models = dict(shipped_models(reference))
    for label in args.labels:
        model = init_model(DEVICE="cpu")
        model.load_state_dict(torch.load(models[label], map_location="cpu", weights_only=False)["state_dict"], strict=False)
        torch.manual_seed(args.seed)
        burn, steps, trials, max_lag, fit_lag = 500, 10 ** 5 + 1000, 10, 200, 30
        data = utils.make_binary_data(model, steps, trials, [500])["l00"][burn:]          # time x trials x neurons
        population = utils.comp_ac_fft(np.transpose(np.sum(data, axis=2)))[:max_lag]
        taus, chosen = np.zeros(500), np.zeros(500)
        lags = np.arange(0, max_lag + 1)
        for j in range(500):
            ac = utils.comp_ac_fft(np.transpose(data[:, :, j]))[:max_lag]
            chosen[j], selected = utils.model_comp(ac, lags, 0, fit_lag)
            taus[j] = selected if chosen[j] == 1 else (selected[1] if chosen[j] == 2 else np.nan)
        write(args.out, f"{label}/tau_net", taus)
        write(args.out, f"{label}/tau_net_model", chosen)
        write(args.out, f"{label}/population_ac", population)
        # analysis/network_dynamics: PCA per trial, the index of the first component past 90 %.
        dims = []
        for r in range(trials):
            x = data[:, r, :].astype(np.float64)
            eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1]
            ratios = eigenvalues / eigenvalues.sum()
            dims.append(int(np.where(np.cumsum(ratios) > 0.9)[0][0]))
        write(args.out, f"{label}/pca_dimension", np.array(dims, dtype=np.float64))
        kept = taus[taus > 1]
        print(f"reference_trace: {label}: mean tau {model.taus[0].mean().item():.4f}, mean tau_net (> 1) {kept.mean():.3f} "
              f"over {kept.size} neurons, double fits {int((chosen == 2).sum())}, PCA dimension {np.mean(dims):.1f}")


def fits(args):
    """The reference's model_comp (scipy's bounded curve_fit, AIC) on the autocorrelations sweep-mpi's
    analysis fitted (analysis/<label>/autocorrelation of a trace): the fits compared on the same data."""
    reference = reference_path(args.reference)
    import_reference(reference)
    sys.path.insert(0, os.path.join(reference, "analysis", "timescales"))
    import timescales_utils as utils
    analysis = os.path.join(args.ours, "analysis")
    print("| weight set | neurons | same model | mean tau_net (> 1): scipy | sweep-mpi | median: scipy | sweep-mpi "
          "| tau_net within 1 %: | scipy at the bound 100 | sweep-mpi at 100 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label in sorted(os.listdir(analysis)):
        if not os.path.exists(os.path.join(analysis, label, "autocorrelation.npy")):
            continue
        ac = read(args.ours, f"analysis/{label}/autocorrelation")
        ours_tau = read(args.ours, f"analysis/{label}/tau_net")
        ours_model = read(args.ours, f"analysis/{label}/tau_net_model")
        lags = np.arange(ac.shape[1] + 1)
        scipy_tau, scipy_model = np.full(len(ac), np.nan), np.full(len(ac), np.nan)
        for j, curve in enumerate(ac):
            with np.errstate(all="ignore"):
                scipy_model[j], selected = utils.model_comp(curve, lags, 0, ac.shape[1] - 1)
            if scipy_model[j] == 1:
                scipy_tau[j] = selected
            elif scipy_model[j] == 2:
                scipy_tau[j] = selected[1]
        same = np.sum((scipy_model == ours_model) | (np.isnan(scipy_model) & np.isnan(ours_model)))
        close = np.sum(np.abs(scipy_tau - ours_tau) <= 0.01 * np.abs(scipy_tau))
        kept_scipy, kept_ours = scipy_tau[scipy_tau > 1], ours_tau[ours_tau > 1]
        print(f"| {label} | {len(ac)} | {same} | {kept_scipy.mean():.3f} | {kept_ours.mean():.3f} | {np.median(kept_scipy):.3f} "
              f"| {np.median(kept_ours):.3f} | {close} | {int(np.sum(scipy_tau >= 99.9))} | {int(np.sum(ours_tau >= 99.9))} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="checkout of LevinaLab/rnn_timescale_public (default $TIMESCALES_REFERENCE)")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("replay"); p.add_argument("ours"); p.add_argument("ref"); p.set_defaults(run=replay)
    p = commands.add_parser("compare"); p.add_argument("ours"); p.add_argument("ref"); p.set_defaults(run=compare)
    p = commands.add_parser("export"); p.add_argument("out"); p.set_defaults(run=export)
    p = commands.add_parser("fits"); p.add_argument("ours"); p.set_defaults(run=fits)
    p = commands.add_parser("tau-net"); p.add_argument("out"); p.add_argument("labels", nargs="+")
    p.add_argument("--seed", type=int, default=0); p.set_defaults(run=tau_net)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
