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

    from fastfa.agents import DQN, TD0, Reinforce, Sarsa
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
        (Sarsa, Sarsa("MountainCar-v0", seed=0).save(os.path.join(d, "sarsa"))),
        (TD0, TD0("fastfa/RandomWalk1000-v0", seed=0).save(os.path.join(d, "td0"))),
        (Reinforce, Reinforce("fastfa/ShortCorridor-v0", seed=0).save(os.path.join(d, "rf"))),
        (
            DQN,
            DQN("CartPole-v1", seed=0, buffer_size=64, batch_size=8).save(os.path.join(d, "dqn"), include_buffer=True),
        ),
    ]
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


def group_agents():
    from fastfa.agents import DQN, TD0, DiscretizedQLearning, NStepSarsa, Reinforce, Sarsa

    makers = {
        "Sarsa": lambda **k: Sarsa("MountainCar-v0", **k),
        "NStepSarsa": lambda **k: NStepSarsa("MountainCar-v0", **k),
        "DiscretizedQLearning": lambda **k: DiscretizedQLearning("MountainCar-v0", **k),
        "TD0": lambda **k: TD0("fastfa/RandomWalk1000-v0", **k),
        "Reinforce": lambda **k: Reinforce("fastfa/ShortCorridor-v0", **k),
    }

    @RUN
    @given(
        st.sampled_from(sorted(makers)),
        st.sampled_from(["alpha", "gamma", "epsilon", "seed", "n", "lam"]),
        WEIRD,
        COUNT,
        COUNT,
    )
    def agents(name, field, value, steps, episodes):
        attempt(f"{name}({field}={value!r})", lambda: makers[name](**{field: value}))
        a = makers[name](seed=0)
        valid = (
            (steps is None or is_count(steps))
            and (episodes is None or is_count(episodes))
            and (steps is not None or episodes is not None)
        )
        if valid and max(steps or 0, (episodes or 0) * 50) > 200:  # a valid budget: keep the run short
            return
        attempt(
            f"{name}.learn(total_steps={steps!r}, episodes={episodes!r})",
            lambda: a.learn(total_steps=steps, episodes=episodes),
            invalid=not valid,
        )
        attempt(f"{name}.predict({value!r})", lambda: a.predict(value))

    @RUN
    @given(
        st.sampled_from(
            [
                "buffer_size",
                "batch_size",
                "hidden",
                "gamma",
                "learning_rate",
                "train_freq",
                "n_step",
                "exploration_steps",
                "tau",
            ]
        ),
        WEIRD,
    )
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


{"tiles": group_tiles, "buffers": group_buffers, "files": group_files, "agents": group_agents}[GROUP]()
for s in SILENT:
    print("SILENT", s)
print("TRIED", TRIED[0], flush=True)
