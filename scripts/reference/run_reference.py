#!/usr/bin/env python3
"""Runs Farrell et al.'s reference training (its own code, from FARRELL_REFERENCE) for one config
and records a trace (TRACE.md): the loss of every minibatch, the gradients of the first K updates,
the weights after chosen numbers of updates, the learning rate and validation loss per epoch, and
the analyses (participation ratio per layer, Lyapunov spectrum, accuracy) on named weight sets.

  run_reference.py CONFIG.json --trace-out OUT [--trace-in IN] [--dump-in IN]

CONFIG.json is a sweep-mpi config (the reference's parameter names, "seed" for model_seed); keys
the reference does not know (analyses, dim_samples, ...) are ignored.

--trace-in IN   start from IN's initial weights and feed IN's minibatches and evaluation set
                (the other side's, or a dump); analyse IN's extra weight sets (weights/<label>/) too.
--dump-in IN    write the reference's own initial weights, minibatches, evaluation set and
                Lyapunov initial conditions as a trace input folder (without --trace-in only).

The reference runs single-threaded, in float32, on the CPU, with its own model, loss function,
optimiser, scheduler and training loop: the runner only wraps train_model to swap data and
weights in and to record what passes through.
"""
import argparse
import contextlib
import io
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import farrell_compat  # noqa: E402
import tracefmt  # noqa: E402

# The reference's base configuration (farrell.md E.1), which sweep-mpi's defaults also are.
BASE = dict(N=200, num_epochs=40, num_train_samples_per_epoch=800, X_clusters=60, X_dim=200,
            num_classes=2, n_lag=10, g_radius=20, clust_sig=.02, input_scale=1, n_hold=1, n_out=1,
            loss='cce', optimizer='rmsprop', dt=.01, momentum=0, learning_rate=1e-3, batch_size=10,
            freeze_input=False, network='vanilla_rnn', Win='orthog', patience_before_stopping=6000,
            hid_nonlin='tanh', model_seed=0)
REFERENCE_KEYS = set(BASE) | {"l2_regularization", "dropout_p", "unit_injected_noise", "scheduler",
                              "learning_patience", "scheduler_factor", "use_biases", "wout_scale",
                              "train_output_weights", "num_test_samples_per_epoch", "saves_per_epoch",
                              "Wrec_rand_proportion"}
# Trace settings and analysis parameters (sweep-mpi names), with their defaults.
SETTINGS = dict(grad_steps=3, weight_steps=[1, 10, 100, 1000], dim_samples=500, dim_time_steps=15,
                lyap_exponents=10, lyap_max_steps=1000, lyap_ics=4, lyap_step_tolerance=0.0,
                analyses=["dim_layers", "lyapunov", "accuracy"])
PARAMETERS = ("Win", "Wrec", "brec", "Wout", "bout")


def reference_params(config):
    params = dict(BASE)
    for key, value in config.items():
        if key == "seed":
            params["model_seed"] = int(value)
        elif key in REFERENCE_KEYS:
            params[key] = value
    return params


TRACE_KEYS = ("grad_steps", "weight_steps", "analyses", "lyap_ics")


def settings_from(config):
    """Analysis parameters are sweep-mpi parameters (top level of the config); the trace's own
    settings (grad_steps, weight_steps, analyses) sit under the config's "trace" key."""
    settings = dict(SETTINGS)
    for key in SETTINGS:
        if key in TRACE_KEYS:
            if key in config.get("trace", {}):
                settings[key] = config["trace"][key]
        elif key in config:
            settings[key] = config[key]
    return settings


class ReplayLoader:
    """Serves the minibatches of one phase from arrays [E, S, D] / [E, S], one epoch per iteration,
    in the reference's tensor layout: inputs [b, n_lag, D] (input at the first n_hold steps),
    targets [b, n_lag] (the label at every step)."""

    def __init__(self, inputs, labels, batch, n_lag, n_hold):
        self.inputs, self.labels, self.batch = inputs, labels, batch
        self.n_lag, self.n_hold = n_lag, n_hold
        self.epoch = 0

    def __len__(self):
        return -(-self.inputs.shape[1] // self.batch)

    def __iter__(self):
        e = self.epoch
        self.epoch += 1
        if e >= self.inputs.shape[0]:
            raise RuntimeError(f"the trace holds {self.inputs.shape[0]} epochs of minibatches, epoch {e} was asked for")
        count = self.inputs.shape[1]
        for start in range(0, count, self.batch):
            x = torch.from_numpy(np.ascontiguousarray(self.inputs[e, start:start + self.batch], dtype=np.float32))
            y = torch.from_numpy(np.ascontiguousarray(self.labels[e, start:start + self.batch], dtype=np.int64))
            full = torch.zeros(x.shape[0], self.n_lag, x.shape[1])
            full[:, :self.n_hold] = x[:, None, :]
            yield full, y[:, None].repeat(1, self.n_lag)


class RecordingLoader:
    """Wraps the reference's own DataLoader and keeps what it yields (the input at t = 0 and the
    label), epoch by epoch, without changing how it draws."""

    def __init__(self, loader):
        self.loader = loader
        self.epochs = []

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        xs, ys = [], []
        self.epochs.append((xs, ys))
        for inputs, targets in self.loader:
            xs.append(inputs[:, 0].detach().numpy().copy())
            ys.append(targets[:, 0].detach().numpy().copy())
            yield inputs, targets

    def arrays(self):
        x = np.stack([np.concatenate(xs) for xs, _ in self.epochs]) if self.epochs else None
        y = np.stack([np.concatenate(ys) for _, ys in self.epochs]) if self.epochs else None
        return x, y


class SchedulerRecorder:
    """Forwards to the reference's scheduler callback; records the learning rate after the
    scheduler step that closes each epoch's validation pass."""

    def __init__(self, scheduler, optimizer, record):
        self.scheduler, self.optimizer, self.record = scheduler, optimizer, record

    def __call__(self, stats):
        self.scheduler(stats)
        if stats['current_phase'] == 'val' and stats['batch'] == stats['num_batches'] - 1:
            self.record(self.optimizer.param_groups[0]['lr'])

    def state_dict(self):
        return self.scheduler.state_dict()


def named_parameters(model):
    return {name: p for name, p in model.named_parameters() if name in PARAMETERS}


def snapshot(model):
    return {name: p.detach().numpy().copy() for name, p in named_parameters(model).items()}


def load_weights(model, weights):
    with torch.no_grad():
        for name, p in named_parameters(model).items():
            if name in weights:
                given = torch.from_numpy(np.asarray(weights[name], dtype=np.float32))
                if tuple(given.shape) != tuple(p.shape):
                    raise ValueError(f"{name}: the trace's shape {tuple(given.shape)} is not the model's {tuple(p.shape)}")
                p.copy_(given)          # in place: the model's cached transposes stay valid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config")
    parser.add_argument("--trace-out", required=True)
    parser.add_argument("--trace-in")
    parser.add_argument("--dump-in")
    parser.add_argument("--quiet", action="store_true", help="hide the reference's own printing")
    args = parser.parse_args(argv)
    if args.trace_in and args.dump_in:
        parser.error("--dump-in writes the reference's own inputs: it cannot be combined with --trace-in")
    # The reference runs in a scratch working directory (it writes relative to it): fix paths first.
    for key in ("config", "trace_out", "trace_in", "dump_in"):
        if getattr(args, key):
            setattr(args, key, os.path.abspath(getattr(args, key)))

    torch.set_num_threads(1)
    with open(args.config) as f:
        config = json.load(f)
    manifest_in = tracefmt.read_manifest(args.trace_in) if args.trace_in else None
    if manifest_in:
        config = dict(manifest_in.get("config", {}), **config)
    settings = settings_from(config)
    params = reference_params(config)
    n_lag, n_hold, batch = params["n_lag"], params["n_hold"], params["batch_size"]
    if params["network"] != "vanilla_rnn" or params.get("freeze_input"):
        sys.exit("the runner supports the vanilla_rnn network with online data")

    ref = farrell_compat.get()
    ref.model_trainer.DISABLE_CHECKPOINTS = True
    record = dict(train_loss=[], stepped=[], val_batches=[], val_loss=[], lr=[], grads={}, weights={})
    captured = {}
    original_train_model = ref.model_trainer.train_model

    def train_model(model, dataloaders, device, loss_function, optimizer, stopping_epoch=5, out_dir=None,
                    load_prev=True, learning_scheduler=None, save_model_criterion=None, **kwargs):
        if args.trace_in:
            weights = {name: tracefmt.read(args.trace_in, f"init/{name}", required=False) for name in PARAMETERS}
            load_weights(model, {k: v for k, v in weights.items() if v is not None})
            train_x = tracefmt.read(args.trace_in, "data/train_inputs")
            val_x = tracefmt.read(args.trace_in, "data/val_inputs")
            loaders = {"train": ReplayLoader(train_x, tracefmt.read(args.trace_in, "data/train_labels"), batch, n_lag, n_hold),
                       "val": ReplayLoader(val_x, tracefmt.read(args.trace_in, "data/val_labels"), batch, n_lag, n_hold)}
        else:
            loaders = {"train": RecordingLoader(dataloaders["train"]), "val": RecordingLoader(dataloaders["val"])}
        captured.update(model=model, loaders=loaders, loss_function=loss_function, initial=snapshot(model))
        state = {"updates": 0}
        original_step = optimizer.step

        def step(*a, **k):
            u = state["updates"]
            if u < settings["grad_steps"]:
                record["grads"][u] = {name: p.grad.detach().numpy().copy()
                                      for name, p in named_parameters(model).items() if p.grad is not None}
            if u in settings["weight_steps"]:
                record["weights"][u] = snapshot(model)
            result = original_step(*a, **k)
            state["updates"] += 1
            return result
        optimizer.step = step

        def loss_fn(output, label):
            loss = loss_function(output, label)
            value = float(loss.item()) if torch.is_tensor(loss) else float(loss)
            if model.training:
                record["train_loss"].append(value)
                record["stepped"].append(1 if value > 0 else 0)
            else:
                record["val_batches"].append(value)
            return loss

        def lr_recorded(lr):
            values = record["val_batches"]
            record["val_loss"].append(float(torch.mean(torch.tensor(values)).item()))
            record["val_batches"] = []
            record["lr"].append(lr)
        scheduler = SchedulerRecorder(learning_scheduler, optimizer, lr_recorded)
        captured["updates"] = state
        return original_train_model(model, loaders, device, loss_fn, optimizer, stopping_epoch, out_dir, False,
                                    learning_scheduler=scheduler, save_model_criterion=save_model_criterion, **kwargs)

    ref.model_trainer.train_model = train_model
    sink = io.StringIO() if args.quiet else sys.stderr
    with contextlib.redirect_stdout(sink):
        model, returned, _ = ref.initialize_and_train.initialize_and_train(**params)
    ref.model_trainer.train_model = original_train_model
    final = snapshot(model)

    # The evaluation set and Lyapunov initial conditions: the trace's, or the reference's own draw
    # (balanced samples after seeding both global generators with the model seed, as its analyses do).
    seed = params["model_seed"]
    if args.trace_in:
        eval_x = tracefmt.read(args.trace_in, "eval/inputs")
        eval_y = tracefmt.read(args.trace_in, "eval/labels")
        eval_c = tracefmt.read(args.trace_in, "eval/clusters", required=False)
        ics = tracefmt.read(args.trace_in, "eval/lyap_ics", required=False)
    else:
        dataset = returned["datasets"]["train"]
        dataset.max_samples = settings["dim_samples"]
        torch.manual_seed(seed)
        np.random.seed(seed)
        x, y = dataset[:]
        eval_x, eval_y = x[:, 0].numpy().copy(), y[:, 0].numpy().copy()
        eval_c = np.asarray(dataset.cluster_identity)
        ics = np.random.RandomState(seed).uniform(-.2, .2, (settings["lyap_ics"], params["N"]))

    weight_sets = {"init": captured["initial"], "final": final}
    if args.trace_in:
        for name in tracefmt.names(args.trace_in, "weights"):
            _, label, parameter = name.split("/")
            weight_sets.setdefault(label, {})[parameter] = tracefmt.read(args.trace_in, name)

    analyses = {label: analyse(ref, model, captured["loss_function"], weights, eval_x, eval_y, ics, params, settings)
                for label, weights in weight_sets.items()}
    load_weights(model, final)

    out = args.trace_out
    os.makedirs(out, exist_ok=True)
    tracefmt.write_manifest(out, writer="reference", family="farrell", config=config, settings=settings,
                            reference_params={k: v for k, v in params.items()},
                            updates=captured["updates"]["updates"], torch=torch.__version__)
    tracefmt.write(out, "series/train_loss", record["train_loss"], np.float64)
    tracefmt.write(out, "series/train_stepped", record["stepped"], np.uint8)
    tracefmt.write(out, "series/val_loss", record["val_loss"], np.float64)
    tracefmt.write(out, "series/lr", record["lr"], np.float64)
    for u, grads in record["grads"].items():
        for name, g in grads.items():
            tracefmt.write(out, f"grads/{tracefmt.step_name(u)}/{name}", g, np.float32)
    for u, weights in record["weights"].items():
        for name, w in weights.items():
            tracefmt.write(out, f"params/{tracefmt.step_name(u)}/{name}", w, np.float32)
    for label in ("init", "final"):
        for name, w in weight_sets[label].items():
            tracefmt.write(out, f"params/{label}/{name}", w, np.float32)
    for label, values in analyses.items():
        for name, value in values.items():
            tracefmt.write(out, f"analysis/{label}/{name}", np.atleast_1d(value), np.float64)

    if args.dump_in:
        dump = args.dump_in
        tracefmt.write_manifest(dump, writer="reference", family="farrell", config=config, settings=settings)
        for name, w in captured["initial"].items():
            tracefmt.write(dump, f"init/{name}", w, np.float32)
        for phase in ("train", "val"):
            x, y = captured["loaders"][phase].arrays()
            tracefmt.write(dump, f"data/{phase}_inputs", x, np.float32)
            tracefmt.write(dump, f"data/{phase}_labels", y, np.int32)
        tracefmt.write(dump, "eval/inputs", eval_x, np.float32)
        tracefmt.write(dump, "eval/labels", eval_y, np.int32)
        tracefmt.write(dump, "eval/clusters", eval_c, np.int32)
        tracefmt.write(dump, "eval/lyap_ics", ics, np.float32)
    return 0


def analyse(ref, model, loss_function, weights, eval_x, eval_y, ics, params, settings):
    """The reference's analyses on one weight set, with the reference's own functions."""
    load_weights(model, weights)
    model.eval()
    n_lag, n_hold = params["n_lag"], params["n_hold"]
    x = torch.from_numpy(np.asarray(eval_x, dtype=np.float32))
    y = torch.from_numpy(np.asarray(eval_y, dtype=np.int64))
    full = torch.zeros(x.shape[0], n_lag, x.shape[1])
    full[:, :n_hold] = x[:, None, :]
    results = {}
    if "dim_layers" in settings["analyses"]:
        # As the reference's dim_over_layers: input padded to dim_time_steps steps, layer 0 = the input.
        extended = ref.utils.extend_input(full, settings["dim_time_steps"])
        with torch.no_grad():
            hidden = [extended[:, 0]] + model.get_post_activations(extended)[:-1]
        dims = []
        for h in hidden:
            try:
                dims.append(ref.utils.get_effdim(h, preserve_gradients=False).item())
            except RuntimeError:
                dims.append(np.nan)
        results["dim_layers"] = np.asarray(dims)
    if "accuracy" in settings["analyses"]:
        with torch.no_grad():
            out = model(full)
            targets = y[:, None].repeat(1, n_lag)
            results["loss"] = float(loss_function(out, targets).item())
            results["accuracy"] = float(torch.mean((torch.argmax(out[:, -1], dim=1) == y).double()).item())
    if "lyapunov" in settings["analyses"] and ics is not None:
        w = model.Wrec.detach().numpy()
        with contextlib.redirect_stdout(io.StringIO()):
            spectrum, sem, _ = ref.lyap.getSpectrum(
                w, model.brec.detach().numpy(), model.Win.detach().numpy(), x=0, k_LE=settings["lyap_exponents"],
                max_iters=settings["lyap_max_steps"], max_ICs=len(ics), ICs=np.asarray(ics, dtype=np.float64),
                tol=10 * settings["lyap_step_tolerance"])   # the reference's per-IC rule uses tol/10
        results["lyap"] = np.sort(spectrum)[::-1]
        results["lyap_sem"] = float(sem)
    return results


if __name__ == "__main__":
    sys.exit(main())
