"""Drawing and saving an experiment's figure: headless backend, the book's values, a caption line.

The runner (:func:`fastfa.experiments.run_experiment`) calls :func:`prepare` before an
experiment's ``plot(table, path)``; the plot function draws with matplotlib and ends with
:func:`save_figure`, which adds the book's published values for that experiment (from
``book_values.json``, each with its source, drawn dashed and labelled ``book``), a caption
line (experiment, runs, seed, fastfa version) and writes the PNG (and the SVG on request).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .._typing import PathLike

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_STATE: dict = {}


def _config_dir_or_temp() -> None:
    """Without a writable home (a service user, a locked-down container) matplotlib makes a
    temporary config folder itself and logs two lines about it; give it one up front instead, so
    that fastfa's own cache warning stays the only message.  Same figures; matplotlib rebuilds its
    font cache in that folder."""
    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    home = os.path.expanduser("~")
    if sys.platform.startswith(("linux", "freebsd")):
        cfg = os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "matplotlib")
    else:
        cfg = os.path.join(home, ".matplotlib")
    try:
        os.makedirs(cfg, exist_ok=True)
        writable = os.access(cfg, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="fastfa-matplotlib-")


def use_headless_backend() -> None:
    """Select the Agg backend unless pyplot is already in use (then its backend is kept)."""
    _config_dir_or_temp()
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")


@lru_cache(maxsize=1)
def book_values() -> list[dict]:
    """The entries of ``book_values.json``: published values with their sources."""
    return json.loads((Path(__file__).with_name("book_values.json")).read_text(encoding="utf-8"))["entries"]


def book_entries(experiment: str) -> list[dict]:
    return [e for e in book_values() if e["experiment"] == experiment]


def prepare(experiment: str, caption: str, svg: bool = False) -> None:
    """Set what :func:`save_figure` adds (called by the runner before ``plot``)."""
    _STATE.clear()
    _STATE.update(experiment=experiment, caption=caption, svg=svg, drawn=[])


def draw_book(fig, experiment: str) -> list[dict]:
    """Draw the book's values of ``experiment`` on ``fig``'s axes; returns the entries drawn."""
    axes = fig.get_axes()
    drawn = []
    for e in book_entries(experiment):
        if e["kind"] not in ("hline", "points") or e.get("axes", 0) >= len(axes):
            continue
        ax = axes[e.get("axes", 0)]
        if e["kind"] == "hline":
            ax.axhline(e["y"], color="k", ls=":", lw=1.2, label=e["label"], gid="book")
        else:
            ax.plot(e["x"], e["y"], "k:", marker="s", ms=4, lw=1.0, label=e["label"], gid="book")
        ax.legend(fontsize=7)
        drawn.append(e)
    return drawn


def save_figure(fig: Figure, path: PathLike) -> None:
    """Add the book's values and the caption, then write ``path`` (PNG) and, if asked, the SVG."""
    path = Path(path)
    exp = _STATE.get("experiment")
    if exp:
        _STATE["drawn"] = draw_book(fig, exp)
    if _STATE.get("caption"):
        fig.text(0.01, -0.01, _STATE["caption"], fontsize=7, color="0.35", ha="left", va="top")
    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.1)
    if _STATE.get("svg"):
        fig.savefig(path.with_suffix(".svg"), bbox_inches="tight", pad_inches=0.1)


def drawn() -> list[dict]:
    """The book entries drawn by the last :func:`save_figure`."""
    return list(_STATE.get("drawn", []))
