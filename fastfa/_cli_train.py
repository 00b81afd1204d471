"""``fastfa train`` and ``fastfa eval``: any registered agent on any gymnasium id, from the shell.

    fastfa train sarsa MountainCar-v0 --total-steps 100000 --save sarsa.npz
    fastfa train dqn CartPole-v1 --total-steps 50000 --set learning_rate=1e-3 --save dqn.npz
    fastfa eval sarsa.npz --episodes 20

The env id goes through :func:`fastfa.make`, so a built-in compiled twin (MountainCar-v0,
CartPole-v1, Acrobot-v1, ...) trains in the fused compiled loop automatically; any other id
runs the Python loop.  ``--set key=value`` overrides a field of the agent's config (values are
JSON: ``--set hidden=[32,32]``; anything else is a string).  Wrong arguments exit with status 2
and a message, as argparse does.
"""

from __future__ import annotations

import json
import sys

__all__ = ["add_train_eval"]


def _parse_set(parser, items):
    out = {}
    for item in items or []:
        if "=" not in item:
            parser.error(f"--set expects key=value, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            out[k.strip()] = v
    return out


def _make_env(parser, env_id):
    from .agents._contract import resolve_env

    try:
        return resolve_env(env_id)
    except Exception as err:  # gymnasium raises its own Error subclasses for unknown ids
        parser.error(f"cannot make env {env_id!r}: {err}")


def _cmd_train(args) -> int:
    from .agents import registry

    p = args.parser
    try:
        cls = registry.get(args.algo)
    except ValueError as err:
        p.error(str(err))
    if args.total_steps is None and args.episodes is None:
        p.error("give a budget: --total-steps N or --episodes N")
    for name in ("total_steps", "episodes"):
        v = getattr(args, name)
        if v is not None and v <= 0:
            p.error(f"--{name.replace('_', '-')} must be a positive int, got {v}")
    overrides = _parse_set(p, args.set)
    env = _make_env(p, args.env_id)
    try:
        agent = cls(env, seed=args.seed, **overrides)
    except (TypeError, ValueError) as err:
        p.error(f"{cls.__name__}: {err}")
    budget = {"total_steps": args.total_steps}
    if args.episodes is not None:
        budget = {"episodes": args.episodes, **({"total_steps": args.total_steps} if args.total_steps else {})}
    try:
        agent.learn(progress=not args.no_progress, **budget)
    except ValueError as err:
        p.error(f"{cls.__name__}.learn: {err}")
    except FloatingPointError as err:  # diverged (too large a step size): a result, not a usage error
        print(f"fastfa train: {err}; nothing saved", file=sys.stderr)
        return 1
    path = agent.save(args.save)
    log = agent.log
    tail = log.returns[-10:]
    mean = f"{sum(tail) / len(tail):.2f}" if tail else "n/a"
    print(
        f"{cls.__name__} on {args.env_id}: {log.total_steps:,} env steps, {log.n_episodes} episodes, "
        f"{log.wall_time_s:.2f} s; mean return of the last {len(tail)} episodes: {mean}"
    )
    print(f"saved to {path}")
    return 0


def _cmd_eval(args) -> int:
    from . import io as _io
    from .agents import registry

    p = args.parser
    if args.episodes <= 0:
        p.error(f"--episodes must be a positive int, got {args.episodes}")
    try:
        kind, _, _ = _io.load(args.file)
    except (OSError, ValueError) as err:
        p.error(f"cannot read {args.file}: {err}")
    try:
        cls = registry.get(kind)
    except ValueError:
        p.error(f"{args.file} holds a {kind!r}, not an agent")
    env = _make_env(p, args.env) if args.env is not None else None
    try:
        agent = cls.load(args.file, env=env)
        res = agent.evaluate(env=env, episodes=args.episodes, seed=args.seed)
    except (TypeError, ValueError) as err:
        p.error(str(err))
    print(
        f"{cls.__name__}: mean return {res.mean_return:.2f} +/- {res.std_return:.2f} over {len(res)} episodes "
        f"(mean length {float(res.lengths.mean()):.1f})"
    )
    print("returns:", " ".join(f"{r:g}" for r in res.returns))
    return 0


def add_train_eval(sub) -> None:
    sp = sub.add_parser("train", help="train an agent (see `fastfa agents`) on a gymnasium env id and save it")
    sp.add_argument("algo", metavar="ALGO", help="agent name, e.g. sarsa, dqn, actor-critic (`fastfa agents`)")
    sp.add_argument("env_id", metavar="ENV_ID", help="gymnasium env id (compiled twin used when there is one)")
    sp.add_argument("--total-steps", type=int, default=None, help="env steps to train")
    sp.add_argument("--episodes", type=int, default=None, help="episodes to train (linear agents)")
    sp.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field (repeatable)")
    sp.add_argument("--seed", type=int, default=None, help="seed (default: none, a fresh run)")
    sp.add_argument("--save", required=True, metavar="FILE", help="where to save the trained agent (.npz)")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.set_defaults(func=_cmd_train, parser=sp)

    sp = sub.add_parser("eval", help="evaluate a saved agent greedily")
    sp.add_argument("file", metavar="FILE", help="a file written by `fastfa train` or agent.save")
    sp.add_argument("--env", default=None, metavar="ENV_ID", help="env id (default: the one it was trained on)")
    sp.add_argument("--episodes", type=int, default=10, help="episodes (default 10)")
    sp.add_argument("--seed", type=int, default=0, help="seed of the first reset (default 0)")
    sp.set_defaults(func=_cmd_eval, parser=sp)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: fastfa train ... / fastfa eval ...")
