"""Summaries, the book-style parameter-study plot and an rliable export of a sweep table (pandas)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

_NOT_PARAMS = {"run", "seed", "x", "metric", "value"}


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("sweep summaries need pandas: pip install 'fastfa[dist]' (or pandas)") from None
    return pd


def param_columns(df) -> list[str]:
    return [c for c in df.columns if c not in _NOT_PARAMS]


def per_run(df, by: Sequence[str]):
    """One value per (run, by...): the mean of ``value`` over every column not in ``by`` (e.g. x)."""
    keys = ["run", *[c for c in by if c != "run"]]
    return df.groupby(keys, sort=False, dropna=False)["value"].mean().reset_index()


def summary(
    df, by: Sequence[str] | None = None, ci: str = "se", level: float = 0.95, n_boot: int = 2000, seed: int = 0
):
    """Mean over runs (seeds) with standard error and a confidence interval, by parameter.

    Each run is first reduced to one number per group: its values are averaged
    over every column not in ``by`` (so ``by=["alpha", "lam"]`` gives, per
    point, the mean over seeds of each run's average over ``x``, the book's
    "averaged over the first N episodes and R runs"; add ``"x"`` to ``by`` for
    learning curves).  ``"metric"`` is always part of ``by``.

    Args:
        by: grouping columns (default: every swept parameter).
        ci: ``"se"`` (normal interval mean ± z·SE) or ``"bootstrap"`` (percentile
            interval of the mean from ``n_boot`` resamples of runs).
        level: confidence level of ``ci_lo`` / ``ci_hi``.

    Returns:
        DataFrame with columns ``*by, mean, se, n, ci_lo, ci_hi``, ordered as the grid
        (``value_mean, value_se, ...`` when a parameter is named like one of them, e.g. ``n``).
    """
    _pandas()  # the summary needs pandas: a clear ImportError here without it
    if ci not in ("se", "bootstrap"):
        raise ValueError(f"ci must be 'se' or 'bootstrap', got {ci!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    by = list(param_columns(df) if by is None else by)
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise ValueError(f"by: unknown columns {missing}; the table has {list(df.columns)}")
    if "metric" not in by:
        by.append("metric")
    runs = per_run(df, by)
    g = runs.groupby(by, sort=False, dropna=False)["value"]
    out = g.agg(_mean="mean", _n="count", _sd="std").reset_index()
    out["_se"] = out["_sd"] / np.sqrt(out["_n"])
    out = out.drop(columns="_sd")
    if ci == "se":
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + level / 2)
        out["_ci_lo"] = out["_mean"] - z * out["_se"]
        out["_ci_hi"] = out["_mean"] + z * out["_se"]
    else:
        rng = np.random.default_rng(seed)
        lo, hi = [], []
        for _, v in g:
            v = v.to_numpy(dtype=float)
            means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
            lo.append(np.quantile(means, (1 - level) / 2))
            hi.append(np.quantile(means, 1 - (1 - level) / 2))
        out["_ci_lo"], out["_ci_hi"] = lo, hi
    stats = ["mean", "se", "n", "ci_lo", "ci_hi"]
    # a swept parameter may be called like a statistic (e.g. n-step "n"): then prefix the statistics
    names = {f"_{k}": (f"value_{k}" if set(stats) & set(by) else k) for k in stats}
    out = out.rename(columns=names)
    out.attrs["ci"] = f"{ci} {level:g}"
    return out[[*by, *names.values()]]


_GREEK: dict[str | None, str | None] = {
    "alpha": "α",
    "lam": "λ",
    "lambda": "λ",
    "gamma": "γ",
    "epsilon": "ε",
    "eps": "ε",
    "n": "n",
}


def plot_parameter_study(
    df,
    x: str = "alpha",
    curve: str | None = "lam",
    metric: str | None = None,
    ax=None,
    path: str | Path | None = None,
    band: bool = True,
    logx: bool = False,
    ylim: tuple | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    x_scale: float = 1.0,
    xlabel: str | None = None,
):
    """The book's parameter-study figure: ``metric`` (mean over runs and x) against ``x``,
    one curve per value of ``curve`` (e.g. Fig 12.10: RMS error vs α, one curve per λ).

    Other swept parameters must have a single value in ``df`` (filter first).
    ``x_scale`` multiplies the x values (the book plots α × number of tilings:
    ``x_scale=8, xlabel="α × number of tilings"``).
    Returns the matplotlib Axes; writes ``path`` when given.
    """
    _pandas()
    import matplotlib

    if path is not None and ax is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(dict.fromkeys(df["metric"]))
    if metric is None:
        if len(metrics) != 1:
            raise ValueError(f"metric: the table has several metrics {metrics}; choose one")
        metric = metrics[0]
    elif metric not in metrics:
        raise ValueError(f"metric {metric!r} not in the table (has {metrics})")
    params = param_columns(df)
    for c in [x] + ([curve] if curve else []):
        if c not in params:
            raise ValueError(f"{c!r} is not a swept parameter of this table ({params})")
    others = [c for c in params if c not in (x, curve) and df[c].nunique() > 1]
    if others:
        raise ValueError(f"parameters {others} vary too: select one value of each first, e.g. df[df.{others[0]} == v]")
    s = summary(df[df["metric"] == metric], by=[x] + ([curve] if curve else []))
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    groups = [(None, s)] if not curve else list(s.groupby(curve, sort=False))
    for val, part in groups:
        part = part.sort_values(x)
        label = (
            None
            if val is None
            else f"{_GREEK.get(curve, curve)}={val:g}"
            if isinstance(val, float)
            else f"{_GREEK.get(curve, curve)}={val}"
        )
        xs = part[x] * x_scale
        mean, se = (part["value_mean"], part["value_se"]) if "value_mean" in part else (part["mean"], part["se"])
        (line,) = ax.plot(xs, mean, marker="o", ms=3, label=label)
        if band:
            ax.fill_between(xs, mean - se, mean + se, color=line.get_color(), alpha=0.2, lw=0)
    if logx:
        ax.set_xscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel or (_GREEK.get(x, x) if x_scale == 1 else f"{_GREEK.get(x, x)} × {x_scale:g}"))
    ax.set_ylabel(ylabel or f"{metric} (mean ± SE over runs)")
    if title:
        ax.set_title(title)
    if curve:
        ax.legend(fontsize="small", frameon=False)
    if path is not None:
        ax.figure.tight_layout()
        ax.figure.savefig(path, dpi=120)
    return ax


def to_rliable(
    df,
    metric: str | None = None,
    by: Sequence[str] | None = None,
    task: str | None = None,
    score: str = "mean",
    path: str | Path | None = None,
) -> dict[str, np.ndarray]:
    """Scores for rliable-style aggregate metrics: ``{algorithm: array (n_runs, n_tasks)}``.

    An *algorithm* is one combination of the ``by`` parameters (default: all swept
    parameters except ``task``), labelled like ``"alpha=0.1,lam=0.9"``; a *task* is
    one value of the ``task`` column (default: a single task).  A run's score is
    its ``metric`` averaged over x (``score="mean"``) or at the largest x
    (``score="last"``).  Rows are seeds in increasing order, so runs line up
    across tasks.  rliable assumes higher is better: negate errors first.
    Use as ``rliable.library.get_interval_estimates(scores, aggregate_func)``;
    ``path`` also saves the dict as ``.npz``.
    """
    _pandas()
    metrics = list(dict.fromkeys(df["metric"]))
    if metric is None:
        if len(metrics) != 1:
            raise ValueError(f"metric: the table has several metrics {metrics}; choose one")
        metric = metrics[0]
    if score not in ("mean", "last"):
        raise ValueError(f"score must be 'mean' or 'last', got {score!r}")
    d = df[df["metric"] == metric]
    if d.empty:
        raise ValueError(f"metric {metric!r} not in the table (has {metrics})")
    params = param_columns(d)
    by = [c for c in (params if by is None else by) if c != task]
    keys = ["run", "seed", *by] + ([task] if task else [])
    if score == "mean":
        runs = d.groupby(keys, sort=False)["value"].mean().reset_index()
    else:
        runs = d.sort_values("x", kind="stable").groupby(keys, sort=False)["value"].last().reset_index()
    out: dict[str, np.ndarray] = {}
    for vals, part in runs.groupby(by, sort=False) if by else [((), runs)]:
        vals = vals if isinstance(vals, tuple) else (vals,)
        label = ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in zip(by, vals)) or "all"
        if task:
            table = part.pivot_table(index="seed", columns=task, values="value", aggfunc="first")
        else:
            table = part.set_index("seed")[["value"]].sort_index()
        out[label] = table.sort_index().to_numpy(dtype=float)
    if path is not None:
        np.savez(path, **out)  # type: ignore[arg-type]  # numpy's stub types allow_pickle among **kwds
    return out
