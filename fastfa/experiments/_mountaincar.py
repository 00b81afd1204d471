"""Shared helpers of the Mountain Car control experiments (S&B chapters 10 and 12)."""

from __future__ import annotations

import numpy as np

EIGHTHS = "/8"


def params(ctx_params, defaults: dict) -> dict:
    """``defaults`` updated with ``--set`` overrides; unknown keys are an error naming the allowed ones."""
    p = dict(defaults)
    for k, v in dict(ctx_params or {}).items():
        if k not in p:
            raise ValueError(f"unknown parameter {k!r}; allowed: {', '.join(sorted(p))}")
        p[k] = v
    return p


def steps_table(steps: np.ndarray, columns: dict, metric: str = "steps") -> dict:
    """Tidy rows from ``steps[cell..., run, episode]`` with one value array per leading axis in ``columns``."""
    *lead, n_runs, n_ep = steps.shape
    names = list(columns)
    grids = np.meshgrid(
        *[np.asarray(columns[k]) for k in names], np.arange(n_runs), np.arange(1, n_ep + 1), indexing="ij"
    )
    table = {"run": grids[-2].ravel()}
    for k, g in zip(names, grids[:-2]):
        table[k] = g.ravel()
    table["x"] = grids[-1].ravel()
    table["metric"] = np.full(steps.size, metric)
    table["value"] = steps.ravel()
    return table


def alpha_label(alpha: float, tilings: int = 8) -> str:
    return f"{alpha * tilings:g}{EIGHTHS}" if tilings == 8 else f"{alpha:g}"
