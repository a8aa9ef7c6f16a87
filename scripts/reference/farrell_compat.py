"""Loads Farrell et al.'s published reference code (code/ of msf235/Robust_representations_paper_code)
from the folder named by FARRELL_REFERENCE, on a current PyTorch/NumPy/pandas, without changing it.

The reference was written for PyTorch 1.7 (2021). This module only patches the library calls that
have since been removed (farrell.md G.2 item 10), each with the same semantics:

  torch.eig(A)             -> eigenvalues as an [n, 2] (real, imaginary) tensor via torch.linalg.eigvals
  torch.symeig(A)          -> torch.linalg.eigh (ascending eigenvalues, as symeig)
  numpy.bool               -> bool
  DataFrame.append         -> pandas.concat
  ReduceLROnPlateau(verbose=...) -> the argument is dropped (it only printed)
  torch.load               -> weights_only=False (the reference's checkpoints hold optimizer state)

and replaces the run-table bookkeeping (model_output_manager) by a private run folder, so that a
run never reuses or writes the reference's data/output table. Nothing of the reference is copied:
the modules are imported from FARRELL_REFERENCE at run time.
"""
import os
import sys
import tempfile

import numpy as np
import torch

_loaded = None


def reference_dir():
    path = os.environ.get("FARRELL_REFERENCE")
    if not path:
        sys.exit("FARRELL_REFERENCE is not set: point it at the code/ folder of the reference "
                 "(scripts/reference/get-reference.sh clones it)")
    if os.path.isdir(os.path.join(path, "code")):
        path = os.path.join(path, "code")
    if not os.path.isfile(os.path.join(path, "initialize_and_train.py")):
        sys.exit(f"FARRELL_REFERENCE={path} does not hold the reference's code/ folder "
                 "(initialize_and_train.py is missing)")
    return os.path.abspath(path)


def _patch_libraries():
    if not hasattr(torch, "eig") or getattr(torch.eig, "_farrell_compat", False) is False:
        def eig(a, eigenvectors=False):
            values = torch.linalg.eigvals(a)
            pairs = torch.stack([values.real, values.imag], dim=1).to(a.dtype)
            return pairs, torch.empty(0, dtype=a.dtype)
        eig._farrell_compat = True
        torch.eig = eig
    if not hasattr(torch, "symeig") or getattr(torch.symeig, "_farrell_compat", False) is False:
        def symeig(a, eigenvectors=False, upper=True):
            values, vectors = torch.linalg.eigh(a, UPLO="U" if upper else "L")
            return values, (vectors if eigenvectors else torch.empty(0, dtype=a.dtype))
        symeig._farrell_compat = True
        torch.symeig = symeig
    if "bool" not in np.__dict__:
        np.bool = bool
    try:
        import pandas as pd
        if not hasattr(pd.DataFrame, "append"):
            def append(self, other, ignore_index=False, sort=False):
                if isinstance(other, (list, dict)):
                    other = pd.DataFrame(other)
                return pd.concat([self, other], ignore_index=ignore_index, sort=sort)
            pd.DataFrame.append = append
    except ImportError:
        pass
    original_load = torch.load
    if not getattr(original_load, "_farrell_compat", False):
        def load(*args, **kwargs):
            kwargs.setdefault("weights_only", False)
            return original_load(*args, **kwargs)
        load._farrell_compat = True
        torch.load = load


class Reference:
    """The reference's modules, imported with the patches above. `workdir` is a scratch folder:
    the reference creates ../joblib_cache and run folders relative to its working directory."""

    def __init__(self, workdir=None):
        _patch_libraries()
        self.code = reference_dir()
        self.workdir = workdir or tempfile.mkdtemp(prefix="farrell-ref-")
        run_cwd = os.path.join(self.workdir, "cwd")
        os.makedirs(run_cwd, exist_ok=True)
        os.chdir(run_cwd)                       # lyap.py makes ../joblib_cache at import
        if self.code not in sys.path:
            sys.path.insert(0, self.code)
        import initialize_and_train
        import model_trainer
        import model_output_manager
        import utils
        import lyap
        import classification_task
        import models
        self.initialize_and_train = initialize_and_train
        self.model_trainer = model_trainer
        self.utils = utils
        self.lyap = lyap
        self.classification_task = classification_task
        self.models = models

        # ReduceLROnPlateau(verbose=...) was removed from PyTorch; the reference passes verbose=False.
        plateau = model_trainer.ReduceLROnPlateau
        if not getattr(plateau, "_farrell_compat", False):
            original_init = plateau.__init__

            def init(self_, optimizer, **kwargs):
                kwargs.pop("verbose", None)
                original_init(self_, optimizer, **kwargs)
            plateau.__init__ = init
            plateau._farrell_compat = True

        # A private run folder instead of the shared CSV run table.
        counter = {"n": 0}
        runs = os.path.join(self.workdir, "runs")

        def get_dirs_and_ids_for_run(*args, **kwargs):
            return [], [], False

        def make_dir_for_run(*args, **kwargs):
            counter["n"] += 1
            path = os.path.join(runs, f"run_{counter['n']}")
            os.makedirs(path, exist_ok=True)
            return counter["n"], path
        model_output_manager.get_dirs_and_ids_for_run = get_dirs_and_ids_for_run
        model_output_manager.make_dir_for_run = make_dir_for_run
        initialize_and_train.mom.get_dirs_and_ids_for_run = get_dirs_and_ids_for_run
        initialize_and_train.mom.make_dir_for_run = make_dir_for_run


def get():
    global _loaded
    if _loaded is None:
        _loaded = Reference()
    return _loaded
