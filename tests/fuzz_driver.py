"""Hypothesis fuzzing of public entry points, run as a child process by tests/test_fuzz.py.

    python tests/fuzz_driver.py GROUP N_EXAMPLES LOGFILE

Each example's input is appended to LOGFILE (flushed) *before* it runs, so if the interpreter
dies the parent can name the input that killed it (hypothesis cannot shrink across a dead
process).  An example passes when the call returns or raises one of the documented error types;
an input known to be invalid that is accepted silently is reported on a line ``SILENT ...``.
The last line is ``TRIED <n>``.
"""

import os
import sys
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

warnings.simplefilter("ignore")
GROUP, N, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N = max(1, int(N * float(os.environ.get("FASTFA_FUZZ_SCALE", "1"))))  # e.g. 10 for a long run
_log = open(LOG, "a", buffering=1)
TRIED = [0]
SILENT = []

import gymnasium  # noqa: E402

import fastfa  # noqa: E402
from fastfa.io import FormatError  # noqa: E402

OK_ERRORS = (TypeError, ValueError, FormatError, gymnasium.error.Error, FileNotFoundError)

# adversarial scalars and arrays: NaN, ±inf, huge, negative, zero, empty, wrong shape/dtype/type, bool
WEIRD = st.one_of(
    st.sampled_from(
        [
            float("nan"),
            float("inf"),
            -float("inf"),
            0,
            -1,
            1,
            2**63,
            -(2**63),
            10**30,
            1.5,
            -0.5,
            True,
            False,
            None,
            "",
            "3",
            [],
            (),
            [[]],
            {},
            b"\x00",
        ]
    ),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
    st.builds(
        lambda s, d: np.full(s, 1, d),
        st.sampled_from([(), (0,), (3,), (2, 2), (1, 0, 2)]),
        st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128, np.uint8]),
    ),
)
COUNT = st.one_of(WEIRD, st.integers(-3, 5))


def attempt(label, fn, *, invalid=False):
    TRIED[0] += 1
    _log.write(f"{GROUP} #{TRIED[0]}: {' '.join(label.split())}\n")
    try:
        fn()
    except OK_ERRORS:
        return
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"{label}: undocumented {type(e).__name__}: {e}") from e
    if invalid:
        SILENT.append(label)


def is_count(v, low=1):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and low <= v <= 2**62


def is_index(v, low=1):
    """An int-like (Python/NumPy int or 0-d integer array, not bool) in [low, 2**62]."""
    import operator

    if isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray) and v.dtype == np.bool_):
        return False
    try:
        return low <= operator.index(v) <= 2**62
    except TypeError:
        return False


RUN = settings(max_examples=N, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


# ------------------------------------------------------------------ groups
def group_tiles():
    from fastfa import tiles3

    @RUN
    @given(WEIRD, WEIRD, WEIRD, WEIRD, st.booleans())
    def tiles(size, nt, floats, ints, ro):
        attempt(
            f"tiles({size!r}, {nt!r}, {floats!r}, {ints!r}, {ro})",
            lambda: tiles3.tiles(size, nt, floats, () if ints is None else ints, ro),
        )
        attempt(
            f"tileswrap({size!r}, {nt!r}, {floats!r}, {ints!r})",
            lambda: tiles3.tileswrap(size, nt, floats, ints if isinstance(ints, list) else [ints]),
        )
        attempt(
            f"tiles_batch({size!r}, {nt!r}, {floats!r}, {ints!r})", lambda: tiles3.tiles_batch(size, nt, floats, ints)
        )
        attempt(f"IHT({size!r})", lambda: tiles3.IHT(size), invalid=not is_index(size))

    @RUN
    @given(WEIRD, WEIRD, WEIRD, WEIRD, WEIRD)
    def features(low, high, tiles, nt, obs):
        from fastfa.features import GridTileCoder, TileCoder

        def tc():
            TileCoder(low, high, tiles, nt).indices(obs)

        def grid():
            GridTileCoder(low, high, tiles, nt).indices(obs)

        attempt(f"TileCoder({low!r}, {high!r}, {tiles!r}, {nt!r}).indices({obs!r})", tc)
        attempt(f"GridTileCoder({low!r}, {high!r}, {tiles!r}, {nt!r}).indices({obs!r})", grid)
        good = TileCoder([0, 0], [1, 1], 4, 4, mode="iht", size=64)
        attempt(f"TileCoder.indices({obs!r}, action={nt!r})", lambda: good.indices(obs, nt))

    tiles()
    features()


def group_buffers():
    from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer

    @RUN
    @given(COUNT, WEIRD, st.sampled_from(["uniform", "per", "compact", "nstep"]), WEIRD, WEIRD, WEIRD, COUNT)
    def buffers(cap, shape, kind, obs, action, reward, batch):
        attempt(f"ReplayBuffer({cap!r}, {shape!r})", lambda: ReplayBuffer(cap, shape), invalid=not is_count(cap))
        b = (
            PrioritizedReplayBuffer(4, (2,), seed=0)
            if kind == "per"
            else ReplayBuffer(4, (2,), seed=0, store_next_obs=kind != "compact", n_step=2 if kind == "nstep" else 1)
        )
        attempt(f"{kind}.add({obs!r}, {action!r}, {reward!r})", lambda: b.add(obs, action, reward, obs, False))
        b.add(np.zeros(2, np.float32), 0, 1.0, np.ones(2, np.float32), False)
        attempt(
            f"{kind}.add_batch({obs!r}, {action!r}, {reward!r})", lambda: b.add_batch(obs, action, reward, obs, [False])
        )
        attempt(f"{kind}.sample({batch!r})", lambda: b.sample(batch), invalid=not is_count(batch) or batch > len(b))
        if kind == "per":
            attempt(f"update_priorities({action!r}, {reward!r})", lambda: b.update_priorities(action, reward))

    buffers()


def group_files():
    import tempfile

    from fastfa.agents import DQN, registry
    from fastfa.buffers import PrioritizedReplayBuffer, ReplayBuffer
    from fastfa.features import TileCoder

    d = tempfile.mkdtemp()
    per = PrioritizedReplayBuffer(8, (2,), seed=0)
    for t in range(5):
        per.add(np.full(2, t, np.float32), t % 2, 1.0, np.full(2, t + 1, np.float32), False)
    tc = TileCoder([0, 0], [1, 1], 4, 4, mode="iht", size=64)
    tc.indices_batch(np.random.default_rng(0).random((10, 2)))
    saved = [
        (ReplayBuffer, per.__class__.save(per, os.path.join(d, "per"))),
        (PrioritizedReplayBuffer, per.save(os.path.join(d, "per2"))),
        (TileCoder, tc.save(os.path.join(d, "tc"))),
        (
            DQN,
            DQN("CartPole-v1", seed=0, buffer_size=64, batch_size=8).save(os.path.join(d, "dqnb"), include_buffer=True),
        ),
    ]
    for n in registry.names():  # every agent of the registry: a fresh one saved
        agent = make_agent(n, seed=0)
        saved.append((type(agent), agent.save(os.path.join(d, n))))
    blobs = [(cls, open(p, "rb").read()) for cls, p in saved]

    @RUN
    @given(
        st.integers(0, len(blobs) - 1),
        st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
        st.integers(0, 10**6),
        st.binary(max_size=64),
    )
    def files(which, flips, cut, junk):
        cls, blob = blobs[which]
        b = bytearray(blob)
        for i, v in flips:
            b[i % len(b)] = v
        b = bytes(b[: max(cut, len(b) // 2) if cut % 3 else len(b)]) + (junk if cut % 5 == 0 else b"")
        p = os.path.join(d, "fuzz.npz")
        with open(p, "wb") as fh:
            fh.write(b)
        attempt(f"{cls.__name__}.load(<{which}: flips={flips}, cut={cut}, junk={junk!r}>)", lambda: cls.load(p))

    files()


# one small setup per agent family, as in tests/agents/test_contract.py (the registry is the agent list)
FAMILY_ENV = {
    "control": "MountainCar-v0",
    "prediction": "fastfa/RandomWalk1000-v0",
    "policy-gradient": "MountainCar-v0",
    "deep": "CartPole-v1",
}
SMALL = {"dqn": dict(hidden=(8,), buffer_size=256, batch_size=8, learning_starts=50), "a2c-mlp": dict(n_envs=2)}


def make_agent(name, **kw):
    from fastfa.agents import registry

    e = registry.entry(name)
    return e.load()(FAMILY_ENV[e.family], **{**SMALL.get(name, {}), **kw})


def config_fields():
    """Registry name -> the names of its config's fields (the options a constructor takes)."""
    import dataclasses

    from fastfa.agents import registry

    return {n: sorted(f.name for f in dataclasses.fields(make_agent(n, seed=0).config)) for n in registry.names()}


def group_agents():
    from fastfa.agents import DQN

    fields = config_fields()
    names = sorted(fields)

    @RUN
    @given(st.sampled_from(names), st.data(), WEIRD, COUNT, COUNT)
    def agents(name, data, value, steps, episodes):
        field = data.draw(st.sampled_from(fields[name] + ["seed"]), label="field")
        attempt(f"{name}({field}={value!r})", lambda: make_agent(name, **{field: value}))
        a = make_agent(name, seed=0)
        valid = (
            (steps is None or is_count(steps))
            and (episodes is None or is_count(episodes))
            and (steps is not None or episodes is not None)
        )
        if valid and max(steps or 0, (episodes or 0) * 200) > 400:  # a valid budget: keep the run short
            return
        attempt(
            f"{name}.learn(total_steps={steps!r}, episodes={episodes!r})",
            lambda: a.learn(total_steps=steps, episodes=episodes),
            invalid=not valid,
        )
        attempt(f"{name}.predict({value!r})", lambda: a.predict(value))
        if not is_count(episodes):  # (a valid count would run that many episodes)
            attempt(f"{name}.evaluate(episodes={episodes!r})", lambda: a.evaluate(episodes=episodes), invalid=True)
        attempt(f"{name}.load({value!r})", lambda: type(a).load(value), invalid=True)

    @RUN
    @given(st.sampled_from(fields["dqn"]), WEIRD)
    def dqn(field, value):
        attempt(f"DQN({field}={value!r})", lambda: DQN("CartPole-v1", seed=0, **{field: value}))

    @RUN
    @given(WEIRD, WEIRD)
    def make(env_id, compiled):
        attempt(
            f"make({env_id!r}, compiled={compiled!r})",
            lambda: fastfa.make(env_id, compiled=compiled),
            invalid=not isinstance(env_id, str) or (compiled is not True and compiled is not False),
        )
        attempt(
            f"make('MountainCar-v0', compiled={compiled!r})",
            lambda: fastfa.make("MountainCar-v0", compiled=compiled),
            invalid=compiled is not True and compiled is not False,
        )

    agents()
    dqn()
    make()


# ------------------------------------------------------------------ the command line
# tokens a user might type where a number, a name or a key=value is expected
TOKENS = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "2",
            "3",
            "0.5",
            "1.5",
            "nan",
            "inf",
            "-inf",
            "1e309",
            "abc",
            "",
            " ",
            "[]",
            "[1,2]",
            "[0.1,0.2]",
            "{}",
            "true",
            "null",
            "9" * 25,
            "-" + "9" * 25,
            "2,3",
            "1,,2",
            "0,-1",
            "=",
            "a=b",
            "--",
            "-h",
            "é",
            "\x00",
        ]
    ),
    st.integers(-5, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=4),
)
OUTCOMES: dict = {}  # (command, outcome) -> count, printed at the end


class Reached(BaseException):
    """Raised where the work behind a command line would start: every check has passed by then."""


def is_pos_int_token(t, low=1):
    try:
        return int(t) >= low
    except ValueError:
        return False


def group_cli():
    """``fastfa run/sweep/train/eval/list/agents/info`` with adversarial arguments, in-process.

    Each command line must end in exit status 0 (valid), 1 (a sweep with failed cells) or 2 (one
    message, no traceback); any other exception is a failure, and a command line known to be wrong
    that gets past the checks is reported as SILENT.  The work behind ``run`` and ``sweep`` is
    replaced by a stub raising ``Reached`` once every check has passed (the runs themselves are
    covered by the experiments' tests); ``train`` and ``eval`` run for real with tiny budgets.
    """
    import contextlib
    import dataclasses
    import io
    import tempfile

    from fastfa import cli
    from fastfa._sweep import plan
    from fastfa.experiments import _base, get, names

    def reached(*args, **kwargs):
        raise Reached

    exps = names()
    for n in exps:  # an experiment's run, and a sweep's cells, start where every check has passed
        _base._REGISTRY[n] = dataclasses.replace(get(n), fn=reached)
    plan.make_cells = reached
    declared = {n: sorted(p.name for p in get(n).params or ()) for n in exps}
    cell_declared = {n: sorted(p.name for p in get(n).cell_params or ()) for n in exps if get(n).cell is not None}
    fields = config_fields()
    agents = sorted(fields)
    d = tempfile.mkdtemp()
    saved = make_agent("sarsa", seed=0).save(os.path.join(d, "sarsa"))
    junk = os.path.join(d, "junk.npz")
    with open(junk, "wb") as fh:
        fh.write(b"PK\x03\x04 not a zip")
    env_ids = ["MountainCar-v0", "CartPole-v1", "fastfa/RandomWalk1000-v0", "Pendulum-v1", "NoSuchEnv-v0", "", "-"]

    def call(argv, invalid):
        out, err = io.StringIO(), io.StringIO()

        def go():
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = cli.main(argv)
            except SystemExit as e:
                code = e.code
            except Reached:
                code = "reached"
            assert "Traceback" not in err.getvalue(), f"{argv}: a traceback:\n{err.getvalue()[-2000:]}"
            key = (argv[0] if argv else "", "refused" if code == 2 else "accepted")
            OUTCOMES[key] = OUTCOMES.get(key, 0) + 1
            if code == 2:
                assert err.getvalue().strip(), f"{argv}: exit 2 without a message"
                raise ValueError("exit 2")  # a clean refusal
            assert code in (0, 1, "reached", None), f"{argv}: exit {code!r}"

        attempt(f"fastfa {' '.join(map(repr, argv))}", go, invalid=invalid)

    key = st.one_of(st.sampled_from(["bogus", "", " ", "alpha=", "=1"]), st.text(max_size=4))

    def either(good, bad=TOKENS):
        """Half the time a value that passes, half the time an adversarial one (one_of would flatten
        ``bad``'s branches and make good values rare)."""
        return st.booleans().flatmap(lambda ok: st.sampled_from(good) if ok else bad)

    def key_of(keys):
        return either(keys, key) if keys else key

    small = ["1", "2", "0.5", "0.1", "0", "[1]", "[0.5,0.25]"]  # values many declared parameters take

    @RUN
    @given(either(exps, st.sampled_from(["nope", ""])), st.data())
    def run(name, data):
        keys = declared.get(name, [])
        k = data.draw(key_of(keys), label="key")
        value = data.draw(either(small), label="value")
        runs = data.draw(st.one_of(st.none(), either(["1", "2"])), label="runs")
        seed = data.draw(st.one_of(st.none(), either(["0", "7"])), label="seed")
        argv = ["run", name, "--quick", "--no-progress", "--no-plot", "--out", d, "--set", f"{k}={value}"]
        argv += (["--runs", runs] if runs is not None else []) + (["--seed", seed] if seed is not None else [])
        bad = name not in exps or k.strip() not in keys
        bad = (
            bad
            or (runs is not None and not is_pos_int_token(runs))
            or (seed is not None and not is_pos_int_token(seed, 0))
        )
        call(argv, invalid=bad)

    @RUN
    @given(either(sorted(cell_declared), st.sampled_from(["randomwalk-bases", "nope"])), st.data())
    def sweep(name, data):
        keys = cell_declared.get(name, [])
        k = data.draw(key_of(keys), label="key")
        value = data.draw(either(small), label="value")
        seeds = data.draw(either(["1", "2", "0,3"]), label="seeds")
        opt = data.draw(st.sampled_from([None, "--workers", "--chunk", "--retries"]), label="option")
        n = data.draw(either(["1", "2"]), label="option value")
        argv = ["sweep", name, "--backend", "serial", "--no-progress", "--out", os.path.join(d, "sw"), "--no-resume"]
        argv += ["--grid", f"{k}={value}", "--seeds", seeds] + ([opt, n] if opt else [])
        bad = name not in cell_declared or k.strip() not in keys
        bad = bad or not (is_pos_int_token(seeds) or all(is_pos_int_token(x, 0) for x in seeds.split(",")))
        bad = bad or (opt is not None and not is_pos_int_token(n, 0 if opt == "--retries" else 1))
        call(argv, invalid=bad)

    @RUN
    @given(either(agents, st.sampled_from(["nope", ""])), st.sampled_from(env_ids), st.data())
    def train(algo, env_id, data):
        keys = fields.get(algo, [])
        k = data.draw(key_of(keys), label="key")
        value = data.draw(either(["0.5", "0.1", "1", "[8]"]), label="value")
        flag = data.draw(st.sampled_from(["--total-steps", "--episodes", None]), label="budget flag")
        budget = data.draw(either(["1", "50", "300"]), label="budget")
        if is_pos_int_token(budget) and int(budget) > (1 if flag == "--episodes" else 300):
            budget = "300" if flag != "--episodes" else "1"  # keep a valid run short
        argv = ["train", algo, env_id, "--no-progress", "--save", os.path.join(d, "t")]
        argv += [flag, budget] if flag else []
        argv += data.draw(st.sampled_from([[], ["--set", f"{k}={value}"]]), label="set")
        bad = algo not in agents or flag is None or not is_pos_int_token(budget)
        bad = bad or ("--set" in argv and k.strip() not in keys) or env_id in ("NoSuchEnv-v0", "", "-")
        call(argv, invalid=bad)

    @RUN
    @given(
        either([saved], st.sampled_from([junk, os.path.join(d, "missing.npz"), d, ""])),
        either(["1", "2"]),
        st.sampled_from([None] + env_ids),
    )
    def evaluate(path, episodes, env):
        if is_pos_int_token(episodes) and int(episodes) > 2:
            episodes = "2"
        argv = ["eval", str(path), "--episodes", episodes, "--seed", "0"] + (["--env", env] if env is not None else [])
        bad = path != saved or not is_pos_int_token(episodes) or env not in (None, "MountainCar-v0")
        call(argv, invalid=bad)

    @RUN
    @given(
        st.lists(
            st.one_of(
                TOKENS,
                st.sampled_from(
                    [
                        "run",
                        "sweep",
                        "train",
                        "eval",
                        "list",
                        "agents",
                        "info",
                        "--set",
                        "--grid",
                        "--seeds",
                        "--runs",
                        "-h",
                    ]
                ),
            ),
            max_size=5,
        )
    )
    def anything(argv):
        if argv and argv[0] in ("run", "sweep", "train", "eval") and len(argv) > 1:
            argv = argv[:1] + ["nope"] + argv[2:]  # never a real run from random words
        call(argv, invalid=False)

    run()
    sweep()
    train()
    evaluate()
    anything()
    print("OUTCOMES", sorted(OUTCOMES.items()))
    for cmd in ("run", "sweep", "train", "eval"):  # the fuzz reaches both sides of every command's checks
        assert OUTCOMES.get((cmd, "accepted")) and OUTCOMES.get((cmd, "refused")), (cmd, OUTCOMES)


GROUPS = {
    "tiles": group_tiles,
    "buffers": group_buffers,
    "files": group_files,
    "agents": group_agents,
    "cli": group_cli,
}
GROUPS[GROUP]()
for s in SILENT:
    print("SILENT", s)
print("TRIED", TRIED[0], flush=True)
