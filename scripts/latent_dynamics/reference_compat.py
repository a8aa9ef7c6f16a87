"""Imports the reference model (snel-repo/expressive-latent-dynamics-paper, paper_src/models.py)
on a current PyTorch without its training stack.

The reference is taken from $LATENT_REFERENCE (a clone of the repository; get-reference.sh makes
one); nothing of it is copied into this repository. Its models subclass Lightning's
LightningModule and its neural ODE is torchdyn's NeuralODE; neither is installed for the
harness. This module provides:

* a minimal `pytorch_lightning` (LightningModule = nn.Module with save_hyperparameters, hparams,
  log/log_dict as no-ops, current_epoch), enough for the model code to run unchanged;
* `torchdyn`: the real torchdyn 1.0.1 (the version the reference pins) when $TORCHDYN_PATH
  points at its unpacked wheel, with two patches for removed or absent library calls
  (inspect.getargspec, the torchcde import its interpolators need); otherwise a stand-in
  NeuralODE whose solver is chosen by `set_node_solver`.

`set_node_solver("rk4", steps_per_bin)` replaces the ODE solve by fixed-step RK4 (what
sweep-mpi integrates); `set_node_solver("torchdyn")` keeps torchdyn's default (adaptive
Tsitouras 5(4), atol = rtol = 1e-3).
"""
import inspect
import os
import sys
import types

import torch
from torch import nn


class _AttributeDict(dict):
    __getattr__ = dict.__getitem__


class LightningModule(nn.Module):
    """What the reference's models use of Lightning's LightningModule."""

    current_epoch = 0

    def save_hyperparameters(self, *args, ignore=None, **kwargs):
        # Lightning collects the caller's __init__ arguments (its **kwargs flattened).
        frame = inspect.currentframe().f_back
        ignore = set(ignore or [])
        hparams = getattr(self, "_hparams", _AttributeDict())
        for key, value in frame.f_locals.items():
            if key in ("self", "__class__") or key in ignore:
                continue
            if key == "kwargs" and isinstance(value, dict):
                hparams.update(value)
            else:
                hparams[key] = value
        self._hparams = hparams

    @property
    def hparams(self):
        return self._hparams

    @property
    def device(self):
        return next(self.parameters()).device

    def log(self, *args, **kwargs):
        pass

    def log_dict(self, *args, **kwargs):
        pass


class _AbsentModule(types.ModuleType):
    """A module whose every attribute is a placeholder (imports succeed, uses fail)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {})


def _install_lightning():
    module = types.ModuleType("pytorch_lightning")
    module.LightningModule = LightningModule
    module.Callback = object
    module.LightningDataModule = object
    sys.modules["pytorch_lightning"] = module


_node_solver = {"kind": "rk4", "steps_per_bin": 1}


def set_node_solver(kind, steps_per_bin=1):
    """"rk4" (fixed steps, as sweep-mpi) or "torchdyn" (its default adaptive Tsit5)."""
    _node_solver["kind"] = kind
    _node_solver["steps_per_bin"] = steps_per_bin


def rk4_solve(vector_field, x, t_span, steps_per_bin):
    """Classical RK4 with `steps_per_bin` steps between consecutive points of t_span; the
    solution at every point, z(t_0) included: [T, B, L]."""
    states = [x]
    z = x
    for j in range(len(t_span) - 1):
        h = (t_span[j + 1] - t_span[j]) / steps_per_bin
        for _ in range(steps_per_bin):
            k1 = vector_field(z)
            k2 = vector_field(z + h / 2 * k1)
            k3 = vector_field(z + h / 2 * k2)
            k4 = vector_field(z + h * k3)
            z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        states.append(z)
    return torch.stack(states)


class _TimeWrapper(nn.Module):
    """torchdyn 1.0.1 wraps a vector field without a time argument ("we've wrapped it for you")."""

    def __init__(self, vector_field):
        super().__init__()
        self.vf = vector_field

    def forward(self, t, x):
        return self.vf(x)


class _DEFunc(nn.Module):
    def __init__(self, vector_field):
        super().__init__()
        self.vf = _TimeWrapper(vector_field)

    def forward(self, t, x):
        return self.vf(t, x)


class StandInNeuralODE(nn.Module):
    """torchdyn 1.0.1's NeuralODE interface and state_dict names (decoder.vf.vf.vf.*), RK4 only."""

    def __init__(self, vector_field, **kwargs):
        super().__init__()
        self.vf = _DEFunc(vector_field)

    def forward(self, x, t_span):
        if _node_solver["kind"] != "rk4":
            raise RuntimeError("torchdyn is not available: set TORCHDYN_PATH to an unpacked torchdyn 1.0.1 wheel")
        return t_span, rk4_solve(lambda z: self.vf(t_span[0], z), x, t_span, _node_solver["steps_per_bin"])


def _install_torchdyn():
    path = os.environ.get("TORCHDYN_PATH")
    if path:
        inspect.getargspec = inspect.getfullargspec          # removed in Python 3.11
        # torchcde (interpolating adjoints) and torchsde (neural SDEs) are imported at module
        # level but never used by a NeuralODE with its default solver and sensitivity.
        for name in ["torchcde", "torchsde"]:
            sys.modules.setdefault(name, _AbsentModule(name))
        sys.path.insert(0, path)
        from torchdyn.core import NeuralODE as RealNeuralODE

        class SwitchableNeuralODE(RealNeuralODE):
            def forward(self, x, t_span):
                if _node_solver["kind"] == "rk4":
                    field = lambda z: self.vf(t_span[0], z)      # autonomous: t is not read
                    return t_span, rk4_solve(field, x, t_span, _node_solver["steps_per_bin"])
                return super().forward(x, t_span)

        neural_ode = SwitchableNeuralODE
    else:
        neural_ode = StandInNeuralODE
    core = types.ModuleType("torchdyn.core")
    core.NeuralODE = neural_ode
    package = sys.modules.get("torchdyn") or types.ModuleType("torchdyn")
    package.core = core
    sys.modules["torchdyn"] = package
    sys.modules["torchdyn.core"] = core
    return neural_ode


def reference_models():
    """paper_src.models and paper_src.metrics of the reference at $LATENT_REFERENCE."""
    root = os.environ.get("LATENT_REFERENCE")
    if not root or not os.path.isdir(os.path.join(root, "paper_src")):
        sys.exit("set LATENT_REFERENCE to a clone of snel-repo/expressive-latent-dynamics-paper "
                 "(scripts/latent_dynamics/get-reference.sh makes one)")
    _install_lightning()
    _install_torchdyn()
    sys.path.insert(0, root)
    import paper_src.metrics as metrics
    import paper_src.models as models
    return models, metrics
