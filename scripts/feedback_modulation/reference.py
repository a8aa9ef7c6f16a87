"""The reference code of Naumann, Keijser and Sprekeler 2022 (sprekelerlab/feedback_modulation_Naumann22),
imported at run time from FEEDBACK_REFERENCE (scripts/feedback_modulation/get-reference.sh clones it),
never copied into this repository; and what the harness needs around it: the reference's models
built from a sweep-mpi config, weights moved between the two sides by name, and replays of given
random draws into the reference's own training and test loops.

The reference runs unchanged: the harness only swaps the random draws its loops make (np.random
in model_base, torch.normal) for recorded ones, and wraps the gradient clipping and the optimiser
step to record gradients and weights.
"""
import contextlib
import io
import os
import sys
import types

import numpy as np

import torch

# sweep-mpi tensor name -> attribute path of the reference model.
CONTROLLER = {"W_ih": "rec_net.weight_ih_l0", "W_hh": "rec_net.weight_hh_l0", "b_ih": "rec_net.bias_ih_l0",
              "b_hh": "rec_net.bias_hh_l0", "W_out": "hidden2out.weight", "b_out": "hidden2out.bias"}
SENSORY = {"modulation": {"W0": "w0"},
           "spatial": {"W0": "w0", "W_ro": "Wro", "W_m": "Wm"},
           "dale": {"W_x": "wx", "W0": "w0", "W_inh": "w_inh", "W_ro": "Wro", "W_m": "Wm"}}
CLASSES = {"modulation": "ModulationNet", "spatial": "SpatialNet", "dale": "DaleRateNet"}
# sweep-mpi defaults (FeedbackConfig) of the parameters the reference reads.
DEFAULTS = dict(model="modulation", signals="chords", base_freq=100, signal_duration=2, sample_rate=8000,
                det_threshold=0.2, mix_noise=0.001, n_sample=1000, n_hid=100, input_to_net="xy", additive=False,
                w0_sd=0.001, Nz=100, Nm=4, mod_width=0.2, NzL=40, inh_frac=0.5, mod_target="both", batch_size=32,
                learning_rate=1e-3, max_grad_value=1, lambda_reg=0, n_test=20)
MOD_TARGET = {"both": 0, "excitation": 1, "inhibition": 2}


def load(path=None):
    """Imports model_base, data_maker and analyses from the reference folder (tensorboard, which
    model_base imports but the harness never uses, is stubbed when it is not installed)."""
    path = path or os.environ.get("FEEDBACK_REFERENCE")
    if not path or not os.path.exists(os.path.join(path, "model_base.py")):
        sys.exit("set FEEDBACK_REFERENCE to a checkout of sprekelerlab/feedback_modulation_Naumann22 "
                 "(scripts/feedback_modulation/get-reference.sh makes one)")
    try:
        import torch.utils.tensorboard  # noqa: F401
    except Exception:
        stub = types.ModuleType("torch.utils.tensorboard")
        stub.SummaryWriter = None
        sys.modules["torch.utils.tensorboard"] = stub
    sys.path.insert(0, path)
    import analyses
    import data_maker
    import model_base
    return types.SimpleNamespace(model_base=model_base, data_maker=data_maker, analyses=analyses, path=path)


def config_with_defaults(config):
    c = dict(DEFAULTS)
    c.update({k: v for k, v in config.items() if k != "family"})
    if "tau" not in config:
        c["tau"] = 1 if c["model"] == "modulation" else 100
    return c


def signals(ref, c):
    """The reference's source signals for a config."""
    dm = ref.data_maker
    if c["signals"] == "chords":
        return dm.gen_chords(c["signal_duration"], fs=c["sample_rate"], base_freq=c["base_freq"])
    if c["signals"] == "sines":
        return dm.gen_sines(c["signal_duration"], fs=c["sample_rate"], base_freq=c["base_freq"])
    return dm.gen_ica_style(c["signal_duration"], fs=c["sample_rate"], base_freq=c["base_freq"])


def build_model(ref, c):
    """The reference's model class for a config (its own random initialisation, replaced by set_weights)."""
    mb = ref.model_base
    common = dict(tau=c["tau"], input_to_net=c["input_to_net"], mix_noise=c["mix_noise"])
    if c["model"] == "modulation":
        return mb.ModulationNet(2, c["n_hid"], 4, w0_var=c["w0_sd"], add=int(c["additive"]), **common)
    if c["model"] == "spatial":
        return mb.SpatialNet(2, c["n_hid"], 4, Nz=c["Nz"], Nm=c["Nm"], mod_width=c["mod_width"], **common)
    return mb.DaleRateNet(2, c["n_hid"], 4, Nz=c["Nz"], Nm=c["Nm"], NzL=c["NzL"], inh_frac=c["inh_frac"],
                          mod_width=c["mod_width"], mod_target=MOD_TARGET[c["mod_target"]], **common)


def _get(model, path):
    obj = model
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def names(c):
    return {**CONTROLLER, **SENSORY[c["model"]]}


def set_weights(model, c, arrays, prefix="init/"):
    """Copies sweep-mpi tensors (prefix + name) into the reference model."""
    with torch.no_grad():
        for name, path in names(c).items():
            value = torch.from_numpy(np.ascontiguousarray(arrays[prefix + name], dtype=np.float32))
            if name in CONTROLLER:
                _get(model, path).copy_(value)
            else:
                setattr(model, path, value)


def get_weights(model, c, gradients=False):
    """The model's tensors (or the controller's gradients) under sweep-mpi names."""
    out = {}
    for name, path in names(c).items():
        if gradients and name not in CONTROLLER:
            continue
        value = _get(model, path)
        if gradients:
            value = value.grad
        out[name] = value.detach().numpy().astype(np.float32).copy()
    return out


class Replay:
    """Makes the reference's loops draw recorded values: np.random.randint / choice in model_base
    (the source windows of each training batch) and torch.normal (the mixing noise of every step and
    the DaleRateNet's initial gains), in the order the loops ask for them."""

    def __init__(self, ref, windows=(), noise=(), gains=None):
        self.ref = ref
        self.windows = list(windows)      # [(chosen [2], starts [2])] per batch
        self.noise = list(noise)          # [array [B, 2]] per step, in order
        self.gains = gains                # [B, Nz] or None

    @contextlib.contextmanager
    def active(self):
        mb, replay = self.ref.model_base, self
        real_np, real_normal = mb.np, torch.normal

        class RandomProxy:
            def __getattr__(self, name):
                return getattr(real_np.random, name)

            def randint(self, low, high=None, size=None):
                # Runner.train draws the window starts once per batch, after any choice of sources.
                starts = replay.windows[replay.batch][1]
                replay.batch += 1
                return np.asarray(starts, dtype=np.int64)

            def choice(self, a, size=None, replace=True):
                return np.asarray(replay.windows[replay.batch][0], dtype=np.int64)

        class NumpyProxy:
            random = RandomProxy()

            def __getattr__(self, name):
                return getattr(real_np, name)

        def normal(mean, std, size=None, *args, **kwargs):
            if size is not None and len(size) == 3 and size[-1] == 2:
                value = replay.noise[replay.step]
                replay.step += 1
                return torch.from_numpy(np.asarray(value, dtype=np.float32).reshape(size))
            if size is not None and replay.gains is not None and len(size) == 3:
                return torch.from_numpy(np.asarray(replay.gains, dtype=np.float32).reshape(size))
            return real_normal(mean, std, size=size, *args, **kwargs)

        self.batch, self.step = 0, 0
        mb.np = NumpyProxy()
        torch.normal = normal
        try:
            yield self
        finally:
            mb.np = real_np
            torch.normal = real_normal


def quiet():
    """The reference prints a line per batch and context."""
    return contextlib.redirect_stdout(io.StringIO())
