"""The terminal summary of ``fastfa run``: headline numbers, the book's values beside them, speed."""

from __future__ import annotations

from ._plot import book_entries


def summary_lines(summary: dict) -> list[str]:
    """Lines of the summary: wall time and env steps/s, each metric (with the book's value where the
    book gives one, from ``book_values.json``), the book entries drawn on the figure."""
    name = summary["experiment"]
    wall = float(summary["wall_time_s"])
    steps = int(summary["env_steps"])
    rate = f", {steps / wall:,.0f} env steps/s" if wall > 0 and steps else ""
    lines = [f"{name}: {summary.get('description', '')}", f"  wall time {wall:.2f} s, {steps:,} env steps{rate}"]
    book = {e["metric"]: e for e in book_entries(name) if e.get("metric")}
    width = max([len(str(k)) for k in summary["metrics"]] + [10])
    for k, v in summary["metrics"].items():
        line = f"  {str(k):{width}s}  {_fmt(v)}"
        if k in book:
            e = book[k]
            line += f"   book ({e['figure']}): {_fmt(e['y'])}"
        lines.append(line)
    if book:
        lines.append("  book values: " + "; ".join(sorted({e["source"] for e in book.values()})))
    return lines


def print_summary(summary: dict) -> None:
    print("\n".join(summary_lines(summary)))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    s = str(v)
    return s if len(s) <= 100 else s[:97] + "..."
