"""Files of the linear policy-gradient agents: one pickle-free file with the config, the action
space, the features and the parameters (and a REINFORCE batch saved half-accumulated); every
array of a loaded file is checked for shape and finiteness (files are untrusted)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TYPE_CHECKING

import numpy as np

from .. import io as _io
from ..features.constant import ConstantFeatures
from .._typing import EnvArg, FeaturesArg, PathLike

if TYPE_CHECKING:
    from typing_extensions import Self


class PGFiles:
    """Mixin of the linear policy-gradient agents (``_pg_base._PGAgent``): save and load."""

    # attributes of the agent this mixin sets (typed by the agent)
    _batch: Any
    _n_eps: Any

    if TYPE_CHECKING:  # the agent's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def save(self, path: PathLike) -> Path:
        """Config, action space, features and parameters in one pickle-free file."""
        from ..approx.linear_v import features_to_state

        fmeta, farr = features_to_state(self.features)
        space = (
            {"n": int(self.action_space.n)}
            if self.discrete
            else {"low": self.action_space.low.tolist(), "high": self.action_space.high.tolist()}
        )
        arrays = {
            "w": self.w,
            **{f"policy.{k}": v for k, v in self.policy.state_dict().items()},
            **{f"features.{k}": v for k, v in farr.items()},
            # REINFORCE with n_rollouts > 1 between two updates: the gradients summed so far
            **{f"batch.{j}": b for j, b in enumerate(self._batch or [])},
        }
        return _io.save(
            path,
            type(self).__name__,
            {
                "config": dataclasses.asdict(self.config),
                "space": space,
                "features": fmeta,
                "seed": self.seed,
                "rng": _io.rng_state(self.rng),
                "contract": self._contract_meta(),
                "batch_episodes": int(self._n_eps),
            },
            arrays,
        )

    @classmethod
    @_io.loader
    def load(cls, path: PathLike, env: EnvArg = None, *, features: FeaturesArg = None) -> Self:
        """Rebuild an agent saved by :meth:`save` (0.1.0 files too) on ``env`` (default: the saved env id);
        pass ``features`` for non-fastfa feature objects."""
        _, meta, arrays = _io.load(path, kind=cls.__name__)
        agent = cls._from_loaded(meta, arrays, features)
        agent._restore_contract(meta, env)
        return agent

    @classmethod
    def _from_loaded(cls, meta: dict, arrays, features=None):
        from gymnasium import spaces

        from ..approx.linear_v import features_from_state

        if features is None:
            if meta["features"]["class"] == "ConstantFeatures":
                features = ConstantFeatures()
            else:
                fa = {k[len("features.") :]: a for k, a in arrays.items() if k.startswith("features.")}
                features = features_from_state(meta["features"], fa)
        sp = meta["space"]
        space = (
            spaces.Discrete(sp["n"])
            if "n" in sp
            else spaces.Box(np.array(sp["low"], np.float32), np.array(sp["high"], np.float32))
        )
        cfg = dict(meta["config"])
        cfg["std_bounds"] = tuple(cfg["std_bounds"])
        agent: Any = object.__new__(cls)  # QAC/A2C constructors need more than the saved state
        from ._pg_base import PGConfig, _PGAgent

        _PGAgent._build(agent, features, space, PGConfig(**cfg), meta["seed"], {}, None)
        # untrusted file: every array must have exactly the shape the rebuilt agent has (no broadcasting,
        # no new attributes), and be finite
        agent.w = np.array(
            _io.check_array(arrays, "w", kind="biuf", shape=np.shape(agent.w), finite=True), dtype=np.float64
        )
        for k in set(agent.policy.state_dict()) | {k[len("policy.") :] for k in arrays if k.startswith("policy.")}:
            old = getattr(agent.policy, k, None)
            if not isinstance(old, np.ndarray):
                raise ValueError(f"array 'policy.{k}': the policy has no such parameter array")
            setattr(
                agent.policy,
                k,
                np.array(
                    _io.check_array(arrays, "policy." + k, kind="biuf", shape=old.shape, finite=True), dtype=np.float64
                ),
            )
        agent.rng = _io.rng_from_state(meta["rng"])
        agent._restore_batch(meta, arrays)
        return agent

    def _restore_batch(self, meta, arrays) -> None:
        """The half-accumulated REINFORCE batch of a file saved mid-batch (absent: none)."""
        n_eps = meta.get("batch_episodes", 0)
        keys = sorted((k for k in arrays if k.startswith("batch.")), key=lambda k: int(k.split(".", 1)[1]))
        if isinstance(n_eps, bool) or not isinstance(n_eps, int) or not 0 <= n_eps < self.config.n_rollouts:
            raise ValueError(f"batch_episodes must be an int in [0, n_rollouts), got {n_eps!r}")
        if not keys:
            if n_eps:
                raise ValueError(f"batch_episodes={n_eps} but the file holds no batch arrays")
            return
        params = self._params()
        if keys != [f"batch.{j}" for j in range(len(params))] or not n_eps:
            raise ValueError(f"batch arrays {keys} do not match the policy's {len(params)} parameter arrays")
        self._batch = [
            np.array(_io.check_array(arrays, k, kind="f", shape=p.shape, finite=True), dtype=np.float64)
            for k, p in zip(keys, params)
        ]
        self._n_eps = n_eps
