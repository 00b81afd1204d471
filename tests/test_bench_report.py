"""benches/report.py's machinery: interleaving order, ratios, the Markdown it writes, `fastfa bench all`.

No timing is asserted: the sides here are fakes that report the times they are given.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benches"))

L = pytest.importorskip("report_lib")
W = pytest.importorskip("report_write")


def _fake(label, kind, seconds, calls, n=10):
    def fn(n, r):
        calls.append((label, r))
        return seconds[r], n

    return L.Side(label, kind, fn, n, calibrate=False)


def test_interleave_rotates_order_and_gives_every_side_every_round():
    calls = []
    sides = [
        _fake("a", "fastfa", [1.0] * 4, calls),
        _fake("b", "outside", [2.0] * 4, calls),
        _fake("c", "in-repo", [4.0] * 4, calls),
    ]
    t = L.interleave(sides, 4)
    order = [label for label, _ in calls]
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert all(len(t[s]) == 4 for s in "abc")
    assert len(t["_load"]) == 2


def test_summarise_rates_and_per_round_ratios_by_hand():
    calls = []
    # fastfa: 10 units in 1, 2, 4 s; peer: 10 units in 3, 4, 20 s -> per-round ratios 3, 2, 5 -> median 3
    sides = [_fake("f", "fastfa", [1.0, 2.0, 4.0], calls), _fake("p", "outside", [3.0, 4.0, 20.0], calls)]
    s = L.summarise(sides, L.interleave(sides, 3))
    assert s["sides"]["f"]["median"] == pytest.approx(5.0)  # rates 10, 5, 2.5
    assert s["sides"]["p"]["median"] == pytest.approx(2.5)  # rates 10/3, 2.5, 0.5
    assert s["sides"]["p"]["fastfa_x"] == pytest.approx(3.0)
    assert (s["sides"]["p"]["fastfa_x_min"], s["sides"]["p"]["fastfa_x_max"]) == pytest.approx((2.0, 5.0))
    assert s["sides"]["f"]["fastfa_x"] == 1.0


def _row(rid, peer_x):
    f = {
        "kind": "fastfa",
        "median": 100.0,
        "min": 90.0,
        "max": 110.0,
        "fastfa_x": 1.0,
        "fastfa_x_min": 1.0,
        "fastfa_x_max": 1.0,
    }
    p = dict(f, kind="outside", median=100.0 / peer_x, fastfa_x=peer_x, fastfa_x_min=peer_x, fastfa_x_max=peer_x)
    return {
        "id": rid,
        "title": rid,
        "unit": "x/s",
        "sides": {"fastfa thing": f, "SB3 thing": p},
        "load": [3.0, 3.0],
        "loaded": True,
        "command": f"python benches/report.py --only {rid}",
        "cpu": "CPU",
        "when": "now",
        "rounds": 5,
        "note": "",
    }


def test_markdown_says_when_a_peer_is_ahead_and_met_only_when_reached(tmp_path):
    md = tmp_path / "B.md"
    md.write_text("# title\n\nhand-written text\n")
    data = {
        "machine": {"cpu": "CPU", "cores": 2, "flags": ["avx2"], "python": "3", "versions": {}},
        "rows": {"a2c-sb3": _row("a2c-sb3", 0.5), "dqn-sb3": _row("dqn-sb3", 12.0)},
    }
    W.write_md(data, md, ["a2c-sb3", "dqn-sb3"])
    text = md.read_text()
    assert text.startswith("# title\n\nhand-written text")
    assert "**SB3 thing ahead (2.00x)**" in text
    assert "target ≥ 10x vs SB3 thing: missed (0.50x)" in text
    assert "target ≥ 10x vs SB3 thing: met (12.00x)" in text
    assert "`python benches/report.py --only a2c-sb3`" in text
    assert "under load" in text
    # regenerating replaces the section instead of appending a second one
    W.write_md(data, md, ["a2c-sb3"])
    assert md.read_text().count(W.BEGIN) == 1
    assert "--only dqn-sb3" not in md.read_text()


def test_report_rejects_unknown_rows_and_lists_them():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benches" / "report.py"), "--list"], capture_output=True, text=True
    )
    assert out.returncode == 0
    ids = out.stdout.split()
    assert {"mountaincar", "a2c-sb3", "mushroom", "startup", "scaling"} <= set(ids)
    bad = subprocess.run(
        [sys.executable, str(ROOT / "benches" / "report.py"), "--only", "nope"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "unknown row id" in bad.stderr


def test_fastfa_bench_all_delegates_to_the_report():
    # from the checkout's root: works with an editable and with a normal install alike (the console
    # script, not `python -m`, which would import the unbuilt source tree from the current directory)
    exe = Path(sys.executable).with_name("fastfa")
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "fastfa"]
    out = subprocess.run(cmd + ["bench", "all", "--only", "nope"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "unknown row id" in out.stderr


def test_fastfa_bench_all_outside_a_checkout_says_how_to_get_one(tmp_path):
    import fastfa

    if (Path(fastfa.__file__).resolve().parents[1] / "benches" / "report.py").is_file():
        pytest.skip("editable install: the package sits in a checkout")
    out = subprocess.run(
        [sys.executable, "-m", "fastfa", "bench", "all", "--only", "nope"], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 2 and "needs a source checkout" in out.stderr


def test_scaling_section_names_the_points_where_a_peer_is_ahead():
    plots = [
        {
            "title": "step vs width",
            "x": "width",
            "unit": "s/step",
            "xs": [64, 512],
            "series": {"fastfa step": [1e-4, 4e-3], "torch": [1e-3, 3e-3], "jax": [2e-3, 5e-3]},
        },
        {  # two fastfa series (the cores plot): not compared
            "title": "cores",
            "x": "cores",
            "unit": "s/unit",
            "xs": [1, 2],
            "series": {"fastfa a": [1.0, 1.0], "fastfa b": [1.0, 1.0], "torch": [0.1, 0.1]},
        },
    ]
    (line,) = W._scaling_peers_ahead(plots)
    assert line.startswith("**Peer ahead**")
    assert "**torch** at width = 512 (0.003 vs fastfa 0.004)" in line
    assert "jax" not in line and "64 (" not in line and "cores" not in line
    plots[0]["series"]["torch"] = [1e-3, 5e-3]
    assert W._scaling_peers_ahead(plots)[0].startswith("No peer is ahead")
