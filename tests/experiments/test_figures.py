"""`fastfa run` draws the book's figure: a valid PNG of sensible size whose plotted series are the
run's own numbers (checked on the data handed to matplotlib, not on pixels), with the book's
quoted values drawn beside ours and named in the terminal summary."""

import csv
import json
import struct
from collections import defaultdict

import numpy as np
import pytest

from fastfa.cli import main
from fastfa.experiments import run_experiment
from fastfa.experiments._plot import book_values

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def figures(monkeypatch):
    """Every matplotlib Figure saved during the test, with what was drawn on it."""
    from matplotlib.figure import Figure

    saved = []
    orig = Figure.savefig

    def spy(self, fname, *a, **kw):
        saved.append((self, str(fname)))
        return orig(self, fname, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", spy)
    return saved


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_mountaincar_sarsa_figure_plots_the_results(tmp_path, figures, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(
        [
            "run",
            "mountaincar-sarsa",
            "--quick",
            "--runs",
            "2",
            "--no-progress",
            "--set",
            "episodes=6",
            "--set",
            "fig10_1_episodes=[1,2]",
            "--set",
            "alphas=[0.0625,0.025]",
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    png = tmp_path / "runs" / "mountaincar-sarsa" / "mountaincar-sarsa.png"
    assert f"figure: runs/mountaincar-sarsa/mountaincar-sarsa.png  ({png.resolve().as_uri()})" in out
    assert "env steps/s" in out and "wall time" in out
    w, h = png_size(png)
    assert 600 <= w <= 3000 and 500 <= h <= 3000, (w, h)
    assert png.stat().st_size > 20_000
    summary = json.loads((png.parent / "summary.json").read_text())
    assert summary["plot"] == str(png.relative_to(tmp_path)) and summary["params"]["episodes"] == 6

    # the Fig 10.2 curves: mean over runs of results.csv's steps per episode, per alpha
    rows = read_csv(png.parent / "results.csv")
    want = defaultdict(lambda: defaultdict(list))
    for r in rows:
        want[float(r["alpha"])][int(r["x"])].append(float(r["value"]))
    ((fig, path),) = figures
    ax = [a for a in fig.get_axes() if a.get_yscale() == "log"][0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) == {"α=0.5/8", "α=0.2/8"}
    for alpha, label in ((0.0625, "α=0.5/8"), (0.025, "α=0.2/8")):
        x, y = lines[label].get_xdata(), lines[label].get_ydata()
        assert list(x) == list(range(1, 7))
        np.testing.assert_allclose(y, [np.mean(want[alpha][e]) for e in range(1, 7)], rtol=0, atol=1e-9)
    assert len([a for a in fig.get_axes() if a.name == "3d"]) == 2  # Fig 10.1 panels after episodes 1, 2
    caption = [t.get_text() for t in fig.texts]
    assert any("fastfa run mountaincar-sarsa" in c and "2 runs" in c and "root seed 0" in c for c in caption)


def test_book_values_drawn_and_printed(tmp_path, figures, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        main(["run", "short-corridor", "--quick", "--runs", "2", "--no-progress", "--set", "episodes=20", "--svg"]) == 0
    )
    out = capsys.readouterr().out
    folder = tmp_path / "runs" / "short-corridor"
    png_size(folder / "short-corridor.png")
    assert (folder / "short-corridor.svg").read_text().lstrip().startswith("<?xml")
    entries = [e for e in book_values() if e["experiment"] == "short-corridor"]
    assert all(e["source"].startswith("S&B 2nd ed.") for e in entries)
    fig = figures[0][0]
    book_lines = [ln for a in fig.get_axes() for ln in a.get_lines() if ln.get_gid() == "book"]
    assert len(book_lines) == 2 and all(list(ln.get_ydata()) == [-11.6, -11.6] for ln in book_lines)
    # beside our exactly computed v*(s0) = -11.657 and p* = 2 - sqrt(2)
    assert "book (Fig 13.1): -11.6" in out and "book (Example 13.1): 0.59" in out
    summary = json.loads((folder / "summary.json").read_text())
    assert abs(summary["metrics"]["v_star"] - (-11.6)) < 0.1 and abs(summary["metrics"]["p_star"] - 0.59) < 0.01
    assert len(summary["book_drawn"]) == 2


def test_no_plot_and_open(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["run", "baird", "--no-progress", "--set", "steps=20"]
    assert main(args + ["--no-plot"]) == 0
    assert not (tmp_path / "runs" / "baird" / "baird.png").exists()
    assert "figure:" not in capsys.readouterr().out

    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda uri: opened.append(uri) or True)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(args + ["--open"]) == 0
    assert "no display here" in capsys.readouterr().out and opened == []  # headless: a message, no viewer
    monkeypatch.setenv("DISPLAY", ":0")
    assert main(args + ["--open"]) == 0
    assert opened == [(tmp_path / "runs" / "baird" / "baird.png").resolve().as_uri()]


def test_python_api_plot_flags(tmp_path):
    s = run_experiment("baird", out=tmp_path, progress=False, params={"steps": 20}, plot=False)
    assert "plot" not in s
    s = run_experiment("baird", out=tmp_path, progress=False, params={"steps": 20})
    assert png_size(tmp_path / "baird" / "baird.png")[0] > 600 and s["plot"].endswith("baird.png")
