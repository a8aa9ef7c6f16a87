#!/usr/bin/env python3
"""The feedback_modulation differential harness: sweep-mpi's Engine against the reference PyTorch code
(sprekelerlab/feedback_modulation_Naumann22, from FEEDBACK_REFERENCE; get-reference.sh clones it).

  harness.py train [--config JSON] [--batches K] [--gradient-batches G] [--work DIR]
      Trains K batches with sweep-mpi (`sweep-mpi train --trace-out`), dumping its initial weights and batches
      (contexts, source windows, mixing noise); loads them into the reference model and runs the
      reference's own Runner.train on the same draws; compares the forward pass of the first batch
      (outputs y and controller outputs u over its 1000 steps), every batch's loss, the gradients
      (before clipping) of the first G batches and the weights after them.

  harness.py shipped [--seeds N] [--work DIR]
      Loads the reference's three trained models (trained_models/*.pt), runs the reference's test
      (Runner.test, analyses.py, the freeze experiment of demo_invariant_subspaces.py) and
      sweep-mpi's test protocol on the same weights, contexts and noise, and compares clarity,
      decoding R² and freeze angles; then runs sweep-mpi's protocol on N fresh draws of contexts.

The Engine side is `sweep-mpi train CONFIG --trace-out DIR [--trace-in DIR | --dump-in DIR]` (the
project's differential tracing; the family implements it in FeedbackTrace.swift), from
.build/release/sweep-mpi or --sweep-mpi PATH. Everything runs on one CPU thread. Exit status 1 when
a checked value is outside its tolerance.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as refmod  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def npy_folder(folder):
    out = {}
    for directory, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".npy"):
                full = os.path.join(directory, f)
                out[os.path.relpath(full, folder)[:-4].replace(os.sep, "/")] = np.load(full)
    return out


def write_folder(folder, arrays):
    for name, value in arrays.items():
        path = os.path.join(folder, name + ".npy")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, np.ascontiguousarray(value, dtype=np.float32))


def sweep_mpi(args):
    path = args.sweep_mpi or os.path.join(ROOT, ".build", "release", "sweep-mpi")
    if not os.path.exists(path):
        sys.exit(f"{path} not found: swift build -c release (or pass --sweep-mpi)")
    return path


def trace(args, config, settings, out, trace_in=None, dump_in=None):
    """sweep-mpi's differential trace of a feedback_modulation config."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "config.json")
    with open(path, "w") as f:
        json.dump(dict(config, family="feedback_modulation", trace=settings), f)
    command = [sweep_mpi(args), "train", path, "--trace-out", out]
    command += ["--trace-in", trace_in] if trace_in else []
    command += ["--dump-in", dump_in] if dump_in else []
    subprocess.run(command, check=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    return npy_folder(out)


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


# ---------------------------------------------------------------------------------------------
# train: the first batches, step by step


def reference_train(ref, c, inputs, batches, gradient_batches):
    """Runs the reference's Runner.train on sweep-mpi's initial weights and draws; returns its trace."""
    torch.set_num_threads(1)
    b, t = c["batch_size"], c["n_sample"]
    model = refmod.build_model(ref, c)
    refmod.set_weights(model, c, inputs)
    optimizer = torch.optim.Adam(model.parameters(), lr=c["learning_rate"])
    runner = ref.model_base.Runner(model, torch.nn.SmoothL1Loss(), optimizer, None, batch_size=b)
    train_data, windows, noise = [], [], []
    for k in range(batches):
        a = inputs[f"data/{k}/contexts"].astype(np.float32)
        train_data.append((torch.from_numpy(a), torch.from_numpy(np.stack([np.linalg.pinv(x).flatten() for x in a]))))
        windows.append((inputs[f"data/{k}/chosen"].astype(np.int64), inputs[f"data/{k}/starts"].astype(np.int64)))
        noise.extend(inputs[f"data/{k}/noise"])
    replay = refmod.Replay(ref, windows, noise, gains=inputs.get("data/initial_gains"))
    trace, state = {}, {"batch": 0, "outputs": [], "controls": []}
    forward = model.forward

    def recording_forward(*a, **kw):
        out = forward(*a, **kw)
        if state["batch"] == 0:
            state["outputs"].append(out[1].detach().numpy().reshape(b, 2).copy())
            state["controls"].append(out[3].detach().numpy().reshape(b, -1).copy())
        return out

    model.forward = recording_forward
    clip, step = torch.nn.utils.clip_grad_value_, optimizer.step

    def recording_clip(parameters, clip_value, *a, **kw):
        if state["batch"] < gradient_batches:
            for name, value in refmod.get_weights(model, c, gradients=True).items():
                trace[f"grads/{state['batch']}/{name}"] = value
        return clip(parameters, clip_value, *a, **kw)

    def recording_step(*a, **kw):
        result = step(*a, **kw)
        k = state["batch"]
        if k < gradient_batches or k == batches - 1:
            for name, value in refmod.get_weights(model, c).items():
                trace[f"params/{k}/{name}"] = value
        state["batch"] += 1
        return result

    torch.nn.utils.clip_grad_value_ = recording_clip
    optimizer.step = recording_step
    signals = refmod.signals(ref, c)
    try:
        with replay.active(), refmod.quiet():
            store = runner.train(signals, train_data, nt=t, max_grad_value=c["max_grad_value"], lambda_reg=c["lambda_reg"])
    finally:
        torch.nn.utils.clip_grad_value_ = clip
    trace["series/loss"] = np.asarray(store["loss"], np.float32).reshape(-1)
    trace["forward/outputs"] = np.stack(state["outputs"])
    trace["forward/controls"] = np.stack(state["controls"])
    return trace


# Verdicts: the forward pass and the first loss agree to Float32 rounding; gradients of a 1000-step
# closed loop to 1e-4 (rounding grows along the loop); weights after the Adam steps to 1e-4 of
# their change.
TOLERANCES = [("forward/", 1e-4), ("series/loss", 1e-5), ("grads/", 1e-3), ("params/", 1e-4)]


def compare_traces(ours, theirs, initial):
    rows, failed = [], False
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if name.startswith("params/"):
            change = b - initial["init/" + name.split("/")[-1]]
            if not np.any(change):          # a fixed tensor: equal by construction
                error = float(np.max(np.abs(a - b)))
                detail = "fixed, max |difference| %.1e" % error
                ok = error == 0
            else:
                error = float(np.linalg.norm(a - b) / np.linalg.norm(change))
                detail = "relative to the update: %.1e" % error
                ok = error < 1e-4 if name.split("/")[1] == "0" else None
        elif name == "series/loss":
            errors = np.abs(a - b) / np.abs(b)
            error, detail = float(errors[0]), "first %.1e, largest %.1e" % (errors[0], errors.max())
            ok = error < 1e-5
        else:
            error = rel(a, b)
            detail = "max |difference| %.1e" % float(np.max(np.abs(a - b)))
            tolerance = next(v for p, v in TOLERANCES if name.startswith(p))
            ok = error < tolerance if (not name.startswith("grads/") or name.split("/")[1] == "0") else None
        failed |= ok is False
        rows.append((name, error, detail, {True: "ok", False: "FAIL", None: ""}[ok]))
    return rows, failed


def command_train(args):
    ref = refmod.load(args.reference)
    config = json.loads(args.config)
    c = refmod.config_with_defaults(config)
    work = args.work or tempfile.mkdtemp(prefix="feedback-harness-")
    dump_dir = os.path.join(work, "input")
    ours = trace(args, config, {"batches": args.batches, "gradient_batches": args.gradient_batches},
                 os.path.join(work, "sweep-mpi"), dump_in=dump_dir)
    inputs = npy_folder(dump_dir)
    theirs = reference_train(ref, c, inputs, args.batches, args.gradient_batches)
    write_folder(os.path.join(work, "reference"), theirs)
    rows, failed = compare_traces(ours, theirs, inputs)
    print(f"feedback_modulation differential trace: {json.dumps(config)}, {args.batches} batches (work folder {work})")
    print("| array | relative error | detail | verdict |")
    print("|---|---|---|---|")
    for name, error, detail, verdict in rows:
        print(f"| {name} | {error:.1e} | {detail} | {verdict} |")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# shipped: the reference's trained models under both test protocols

SHIPPED = [("trained_modulation_net_10000batch.pt", {"model": "modulation", "signals": "chords", "tau": 1}),
           ("trained_spatial_net_chords_10000batch.pt", {"model": "spatial", "signals": "chords", "tau": 100}),
           ("trained_spatial_net_sines_10000batch.pt", {"model": "spatial", "signals": "sines", "tau": 100})]


def reference_test(ref, c, model, data):
    """The reference's test and analyses (demo_proof_of_concept.py, demo_invariant_subspaces.py) on
    given contexts and noise: clarity of x, z, y per context, decoding R² per held-out context,
    the freeze angles."""
    from sklearn.decomposition import PCA
    an, mb = ref.analyses, ref.model_base
    runner = mb.Runner(model, torch.nn.SmoothL1Loss(), None, None, batch_size=1)
    signals = refmod.signals(ref, c)
    params = {"n_sample": c["n_sample"], "n_test": c["n_test"]}

    def run(contexts, noise, **kw):
        test_data = [(torch.from_numpy(a[None].astype(np.float32)), np.linalg.pinv(a).flatten()[None]) for a in contexts]
        with refmod.Replay(ref, noise=[n.reshape(1, 1, 2) for n in noise]).active(), refmod.quiet():
            return runner.test(signals, test_data, nt=c["n_sample"], **kw)

    store = run(data["test/contexts"], data["test/noise"])
    out = {}
    populations = ["x", "z", "y"] if "z" in store else ["x", "y"]
    for pop in populations:
        perf, _ = an.get_signal_clarity(store["s"], store[pop], params, n_test=c["n_test"])
        out["clarity_" + pop] = perf
        out["decoding_" + pop] = an.linear_source_decoding(store[pop], store["s"], c["n_test"] // 2, n_sample=c["n_sample"])
    if "z" in store:
        n = c["n_sample"]
        pca = PCA(n_components=3, whiten=True)
        pca.fit(store["z"])
        freeze = run(data["freeze/contexts"], data["freeze/noise"], freeze_fb_after=1)
        pcs = pca.transform(freeze["z"])
        subs = np.array([freeze["y"][:, 0], freeze["y"][:, 1], pcs[:, 0]]).T
        half = n // 2
        normals = [an.get_normal_vector(subs[a:b]) for a, b in [(n - half, n), (n, n + half), (n + half, 2 * n)]]
        out["freeze_angles"] = np.array([an.compute_angle(normals[0], normals[1]), an.compute_angle(normals[0], normals[2])])
    return out


def ours_by_population(traced, n_test):
    """The metrics of a test trace (metrics/<name>) by population."""
    metrics = {name[len("metrics/"):]: value for name, value in traced.items() if name.startswith("metrics/")}
    out = {}
    clarity = np.asarray(metrics["clarity"], float).reshape(3, n_test)
    held = n_test - n_test // 2
    decoding = np.asarray(metrics["decoding_r2"], float).reshape(3, held)
    for i, pop in enumerate(["x", "z", "y"]):
        out["clarity_" + pop] = clarity[i]
        out["decoding_" + pop] = decoding[i]
    if "freeze_angles" in metrics:
        out["freeze_angles"] = np.array(metrics["freeze_angles"], float)
    return out


def command_shipped(args):
    ref = refmod.load(args.reference)
    torch.set_num_threads(1)
    work = args.work or tempfile.mkdtemp(prefix="feedback-shipped-")
    failed = False
    print("| model | measure | reference | sweep-mpi, same draws | max abs difference | sweep-mpi, own draws (mean ± sd over %d) |" % args.seeds)
    print("|---|---|---|---|---|---|")
    for filename, overrides in SHIPPED:
        c = refmod.config_with_defaults(overrides)
        model = torch.load(os.path.join(ref.path, "trained_models", filename), weights_only=False)
        model.eval()
        folder = os.path.join(work, filename[:-3])
        weights = {"init/" + k: v for k, v in refmod.get_weights(model, c).items()}
        # One set of test draws, seeded, given to both sides.
        rng = np.random.default_rng(args.draw_seed)
        np_state = np.random.get_state()
        np.random.seed(args.draw_seed)
        test_contexts = np.stack([a.numpy() for a in ref.data_maker.gen_mixing_mats(c["n_test"])[0]])
        freeze_contexts = np.stack([a.numpy() for a in ref.data_maker.gen_mixing_mats(2)[0]])
        np.random.set_state(np_state)
        data = {"test/contexts": test_contexts,
                "test/noise": (c["mix_noise"] * rng.standard_normal((c["n_test"] * c["n_sample"], 2))).astype(np.float32),
                "freeze/contexts": freeze_contexts,
                "freeze/noise": (c["mix_noise"] * rng.standard_normal((2 * c["n_sample"], 2))).astype(np.float32)}
        given, weights_only = os.path.join(folder, "given"), os.path.join(folder, "weights")
        write_folder(given, {**weights, **data})
        write_folder(weights_only, weights)
        theirs = reference_test(ref, c, model, data)
        ours = ours_by_population(trace(args, overrides, {"mode": "test"}, os.path.join(folder, "sweep-mpi"), trace_in=given),
                                  c["n_test"])
        own = [ours_by_population(trace(args, dict(overrides, seed=seed), {"mode": "test"}, os.path.join(folder, f"own{seed}"),
                                        trace_in=weights_only), c["n_test"])
               for seed in range(args.seeds)]
        for key in theirs:
            r, o = np.asarray(theirs[key], float), ours[key]
            difference = float(np.max(np.abs(r - o)))
            # Same weights and draws: clarity and R² agree to Float32 rounding through 20000 steps;
            # the freeze angles are fits to 500 points each.
            tolerance = 0.5 if key == "freeze_angles" else 1e-3
            ok = difference < tolerance
            failed |= not ok
            own_values = np.array([np.mean(x[key]) if key != "freeze_angles" else x[key] for x in own])
            if key == "freeze_angles":
                shown = lambda v: "%.1f°, %.1f°" % (v[0], v[1])  # noqa: E731
                own_text = "%.1f ± %.1f°, %.1f ± %.1f°" % (own_values[:, 0].mean(), own_values[:, 0].std(),
                                                          own_values[:, 1].mean(), own_values[:, 1].std())
            else:
                shown = lambda v: "%.3f (mean of %d)" % (np.mean(v), len(v))  # noqa: E731
                own_text = "%.3f ± %.3f" % (own_values.mean(), own_values.std())
            print(f"| {filename[:-3]} | {key} | {shown(r)} | {shown(o)} | {difference:.1e}{'' if ok else ' FAIL'} | {own_text} |")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="checkout of the reference (default: $FEEDBACK_REFERENCE)")
    parser.add_argument("--sweep-mpi", help="the sweep-mpi binary (default: .build/release/sweep-mpi)")
    parser.add_argument("--work", help="folder for the traces (default: a new temporary folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--config", default='{"model": "modulation"}', help="sweep-mpi parameters as JSON")
    train.add_argument("--batches", type=int, default=3)
    train.add_argument("--gradient-batches", type=int, default=2)
    shipped = sub.add_parser("shipped")
    shipped.add_argument("--seeds", type=int, default=5)
    shipped.add_argument("--draw-seed", type=int, default=1)
    args = parser.parse_args()
    sys.exit(command_train(args) if args.command == "train" else command_shipped(args))


if __name__ == "__main__":
    main()
