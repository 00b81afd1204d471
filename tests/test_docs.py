"""Every code block in README.md and docs/*.md runs as written (issue 19).

A page's ```python blocks run in order, in one fresh interpreter, in an empty folder (what a
reader gets by pasting them into one script); each block must finish in under BLOCK_BUDGET_S
seconds with a warm Numba cache.  In ```bash blocks, every line that is a `fastfa ...` command
runs too (after the page's Python), each under the same budget.  Other blocks (output, file
listings: ```text, ```console ...) are not run; every fenced block must say which kind it is.

A block that cannot run (a full-length study, a cluster, an optional extra that is absent) is
marked by an HTML comment on the line before its fence, which neither GitHub nor MkDocs shows:

    <!-- docs-test: skip (why it cannot run here) -->

test_skipped_blocks_are_few_and_explained lists them; they must stay rare (MAX_SKIPPED).
Running every page takes one to two minutes on 2 cores, so the page test is marked `e2e` and left out of the
README's test command (pyproject's addopts: `-m 'not e2e and not extended'`); CI runs it as its own step,
`pytest -n 2 -m e2e` (pages in parallel under pytest-xdist).  The block-parsing tests here run
in the README's command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")]) if (REPO / "docs").is_dir() else []
BLOCK_BUDGET_S = 20.0
COLD_LIMIT_S = 600.0  # a first run compiling into an empty Numba cache (then judged warm)
MAX_SKIPPED = 12  # keep unrunnable fragments rare: raise only with a reason in the docs
RUN_KINDS = {"python", "bash"}
TEXT_KINDS = {"text", "console", "output", "toml", "yaml", "json", "ini", "csv", "c", "cython"}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_SKIP = re.compile(r"^<!--\s*docs-test:\s*skip\s*(?:\((?P<why>.*)\))?\s*-->$")
JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    kind: str  # the info string's first word ("" when missing)
    code: str
    skip: str | None  # the reason, when marked `docs-test: skip`

    @property
    def where(self) -> str:
        name = self.page.relative_to(REPO) if self.page.is_relative_to(REPO) else self.page.name
        return f"{name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page (list-indented fences are dedented)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = m["indent"], m["fence"]
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and not lines[j].strip().strip(fence[0])):
            j += 1
        body = [ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1 : j]]
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = _SKIP.match(lines[k].strip()) if k >= 0 else None
        skip = (mark["why"] or "").strip() if mark else None
        out.append(Block(page, i + 1, m["info"].lower(), "\n".join(body) + "\n", skip))
        i = j + 1
    return out


def fastfa_commands(block: Block) -> list[str]:
    """The `fastfa ...` lines of a bash block (a leading `$ ` prompt is dropped)."""
    cmds = []
    for ln in block.code.splitlines():
        ln = ln.strip().removeprefix("$ ")
        if ln.startswith("fastfa "):
            cmds.append(ln)
    return cmds


def _script(py_blocks: list[Block]) -> str:
    """One script: the page's blocks in order, each timed (reported on stderr as @@block LINE SECONDS)."""
    parts = ["import sys as _docs_sys, time as _docs_time"]
    for b in py_blocks:
        parts += [
            f"# ---- {b.where}",
            "_docs_t0 = _docs_time.perf_counter()",
            b.code.rstrip(),
            f"print('@@block {b.line} %.2f' % (_docs_time.perf_counter() - _docs_t0), "
            "file=_docs_sys.stderr, flush=True)",
        ]
    return "\n".join(parts) + "\n"


def _env(tmp: Path) -> dict:
    return dict(
        os.environ,
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        FASTFA_DOCS_TEST="1",
        HOME=os.environ.get("HOME", str(tmp)),
    )


def _run(argv: list[str], tmp: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run in a new session; on timeout kill the whole group (worker processes of a sweep too)."""
    import signal

    with subprocess.Popen(
        argv, cwd=tmp, env=_env(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise subprocess.TimeoutExpired(argv, timeout, out, err) from None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _run_page(page: Path, tmp: Path, cold: bool = False) -> list[str]:
    """Run a page; return the problems found (empty: every block ran within its budget).

    ``cold=True`` (a first run that may compile into an empty Numba cache) only bounds the
    whole run by COLD_LIMIT_S; its block times are then judged on the warm rerun.
    """
    bs = [b for b in blocks(page) if b.skip is None]
    py_blocks = [b for b in bs if b.kind == "python"]
    problems = []
    if py_blocks:
        script = tmp / "page.py"
        script.write_text(_script(py_blocks), encoding="utf-8")
        budget = COLD_LIMIT_S if cold else BLOCK_BUDGET_S * len(py_blocks) + 30
        try:
            r = _run([sys.executable, str(script)], tmp, budget)
        except subprocess.TimeoutExpired as e:
            err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            return [f"{page.name}: python blocks still running after {budget:.0f} s:\n{err[-3000:]}"]
        done = dict(re.findall(r"^@@block (\d+) ([\d.]+)$", r.stderr, flags=re.M))
        if r.returncode != 0:
            failed = next((b for b in py_blocks if str(b.line) not in done), py_blocks[-1])
            problems.append(f"{failed.where}: block fails (script {script}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
        for b in py_blocks:
            if str(b.line) in done and float(done[str(b.line)]) > BLOCK_BUDGET_S and not JIT_DISABLED:
                problems.append(f"{b.where}: took {float(done[str(b.line)]):.1f} s > {BLOCK_BUDGET_S} s")
    for b in bs:
        if b.kind != "bash":
            continue
        for cmd in fastfa_commands(b):
            argv = cmd.replace("fastfa ", f"{sys.executable} -m fastfa ", 1)
            t0 = time.perf_counter()
            try:
                r = _run(["bash", "-c", argv], tmp, COLD_LIMIT_S if cold else 3 * BLOCK_BUDGET_S)
            except subprocess.TimeoutExpired as e:
                problems.append(f"{b.where}: `{cmd}` still running after {e.timeout:.0f} s")
                continue
            dt = time.perf_counter() - t0
            if r.returncode != 0:
                problems.append(f"{b.where}: `{cmd}` exits {r.returncode}:\n{r.stdout[-1500:]}\n{r.stderr[-3000:]}")
            elif dt > BLOCK_BUDGET_S and not JIT_DISABLED:
                problems.append(f"{b.where}: `{cmd}` took {dt:.1f} s > {BLOCK_BUDGET_S} s")
    return problems


def _ids(p: Path) -> str:
    return str(p.relative_to(REPO))


def _page_param(p: Path):
    return pytest.param(p, id=_ids(p))


needs_docs = pytest.mark.skipif(not PAGES, reason="needs the source tree (README.md, docs/)")


@pytest.mark.e2e
@needs_docs
@pytest.mark.skipif(JIT_DISABLED, reason="the docs run compiled (interpreted loops are ~500x slower)")
@pytest.mark.parametrize("page", [_page_param(p) for p in PAGES])
def test_page_runs_as_written(page, tmp_path):
    problems = _run_page(page, tmp_path, cold=True)
    slow = [p for p in problems if " took " in p or "still running" in p]
    if slow and len(slow) == len(problems):
        # over budget only: the first run may have compiled into a cold Numba cache; judge it warm
        fresh = tmp_path / "warm"
        fresh.mkdir()
        problems = _run_page(page, fresh)
    assert not problems, "\n\n".join(problems)


@needs_docs
def test_every_block_declares_its_kind():
    """An unlabelled fence hides code from this test: each must be python, bash or an output kind."""
    bad = [b.where for p in PAGES for b in blocks(p) if b.kind not in RUN_KINDS | TEXT_KINDS]
    assert not bad, f"fenced blocks without a known info string (python, bash, text, ...): {bad}"


@needs_docs
def test_skipped_blocks_are_few_and_explained():
    skipped = [b for p in PAGES for b in blocks(p) if b.skip is not None]
    runnable = [b for p in PAGES for b in blocks(p) if b.kind in RUN_KINDS]
    listing = "\n".join(f"  {b.where} [{b.kind}]: {b.skip}" for b in skipped)
    print(f"\n{len(skipped)} of {len(runnable)} code blocks marked docs-test: skip\n{listing}")
    assert all(b.skip for b in skipped), f"a skip mark needs a reason in parentheses:\n{listing}"
    assert all(b.kind in RUN_KINDS for b in skipped), f"only python/bash blocks need a skip mark:\n{listing}"
    assert len(skipped) <= MAX_SKIPPED, f"{len(skipped)} skipped blocks (max {MAX_SKIPPED}):\n{listing}"
    assert len(runnable) - len(skipped) >= 20, "the docs lost their runnable examples"


def test_block_parser_on_a_hand_written_page(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "text\n```python\nx = 1\n```\n\n<!-- docs-test: skip (a cluster) -->\n\n```bash\n"
        "fastfa list\n$ fastfa run a --quick  # c\npip install x\n```\n* item\n\n  ```python\n"
        "  y = 2\n  ```\n````text\n```python\n````\n",
        encoding="utf-8",
    )
    got = [(b.line, b.kind, b.code, b.skip) for b in blocks(page)]
    assert got == [
        (2, "python", "x = 1\n", None),
        (8, "bash", "fastfa list\n$ fastfa run a --quick  # c\npip install x\n", "a cluster"),
        (15, "python", "y = 2\n", None),
        (18, "text", "```python\n", None),
    ]
    assert fastfa_commands(blocks(page)[1]) == ["fastfa list", "fastfa run a --quick  # c"]
    assert _script([blocks(page)[0]]).count("@@block 2") == 1
