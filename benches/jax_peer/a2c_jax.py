"""Whole-loop JAX A2C on CartPole-v1 (PureJaxRL style), the peer of fastfa's compiled ``A2CMLP`` loop.

Acting in K envs, the N-step rollout, the returns, the gradient and RMSprop all run inside one
``jax.jit``-compiled ``lax.scan`` over updates (PureJaxRL, Lu et al. 2022); a population of seeds
is ``jax.vmap`` of the same function, two CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=2``) split it with ``jax.pmap``.  Written for
this bench.

Same work as ``fastfa.agents.A2CMLP("CartPole-v1")`` with its default ``A2CMLPConfig`` (SB3 A2C,
RL-Zoo CartPole settings): K = 8 envs × N = 5 steps per update (B = 40), γ = 0.99, separate
4-64-64-2 (actor) and 4-64-64-1 (critic) tanh MLPs with PyTorch ``nn.Linear`` init and the actor's
output layer × 0.01, loss −mean(A ln π(a|s)) + 0.5·mean((G − V)²), no entropy bonus, global
gradient-norm clip 0.5 over both networks, torch's RMSprop (lr 7e-4, ρ = 0.99, ε = 1e-5 outside
the square root), time-limit truncation at 500 steps bootstrapping R + γV(final obs).

Differences, on purpose: the env is gymnax's CartPole arithmetic in
float32 (``dqn_jax.env_step``); random numbers from ``jax.random``; the clip is optax's
(×0.5/‖g‖ when ‖g‖ > 0.5; fastfa and torch: ×0.5/(‖g‖ + 1e-6)).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import optax

from dqn_jax import env_reset, env_step, init_params

CFG = dict(
    n_envs=8,
    n_steps=5,
    gamma=0.99,
    lr=7e-4,
    rms_alpha=0.99,
    rms_eps=1e-5,
    vf_coef=0.5,
    max_grad_norm=0.5,
    hidden=(64, 64),
    max_len=500,
    obs_dim=4,
    n_actions=2,
)


def mlp(params, x):
    for W, b in params[:-1]:
        x = jnp.tanh(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def make_train(total_steps: int, cfg: dict = CFG):
    """``train(key) -> (params, [sum of episode returns, episodes])``: ``total_steps`` env steps,
    rounded up to whole updates of n_envs·n_steps (as fastfa)."""
    c = cfg
    K, N, gamma = c["n_envs"], c["n_steps"], c["gamma"]
    n_updates = math.ceil(total_steps / (K * N))
    tx = optax.chain(
        optax.clip_by_global_norm(c["max_grad_norm"]),
        optax.rmsprop(c["lr"], decay=c["rms_alpha"], eps=c["rms_eps"], eps_in_sqrt=False),
    )
    resets = jax.vmap(env_reset)
    steps = jax.vmap(env_step)

    def rollout_step(carry, _):
        params, s, ep_len, ep_ret, stats, key = carry
        key, k_a, k_r = jax.random.split(key, 3)
        a = jax.random.categorical(k_a, mlp(params["pi"], s))
        s2, r, term = steps(s, a)
        ep_len = ep_len + 1
        ep_ret = ep_ret + r
        trunc = (ep_len >= c["max_len"]) & ~term
        # R + γ V(final obs) at a truncation (a real branch: taken about once per 500 steps)
        r = jax.lax.cond(trunc.any(), lambda: r + jnp.where(trunc, gamma * mlp(params["v"], s2)[:, 0], 0.0), lambda: r)
        done = term | trunc
        stats = stats + jnp.stack([jnp.sum(jnp.where(done, ep_ret, 0.0)), jnp.sum(done)])
        s_next = jnp.where(done[:, None], resets(jax.random.split(k_r, K)), s2)
        carry = (params, s_next, jnp.where(done, 0, ep_len), jnp.where(done, 0.0, ep_ret), stats, key)
        return carry, (s, a, r, done)

    def loss_fn(params, X, A, G):
        V = mlp(params["v"], X)[:, 0]
        adv = jax.lax.stop_gradient(G - V)
        logp = jnp.take_along_axis(jax.nn.log_softmax(mlp(params["pi"], X)), A[:, None], axis=1)[:, 0]
        return -jnp.mean(adv * logp) + c["vf_coef"] * jnp.mean((G - V) ** 2)

    def update(carry, _):
        params, opt, s, ep_len, ep_ret, stats, key = carry
        (params, s, ep_len, ep_ret, stats, key), (S, A, R, D) = jax.lax.scan(
            rollout_step, (params, s, ep_len, ep_ret, stats, key), None, length=N
        )
        v_last = mlp(params["v"], s)[:, 0]

        def back(g, x):
            r, d = x
            g = r + jnp.where(d, 0.0, gamma * g)
            return g, g

        _, G = jax.lax.scan(back, v_last, (R, D), reverse=True)
        grads = jax.grad(loss_fn)(params, S.reshape(N * K, -1), A.reshape(-1), G.reshape(-1))
        upd, opt = tx.update(grads, opt, params)
        params = optax.apply_updates(params, upd)
        return (params, opt, s, ep_len, ep_ret, stats, key), None

    def train(key):
        k_pi, k_v, k_r, key = jax.random.split(key, 4)
        d, h, A = c["obs_dim"], c["hidden"], c["n_actions"]
        pi = init_params(k_pi, (d, *h, A))
        pi[-1] = (pi[-1][0] * 0.01, pi[-1][1] * 0.01)  # small policy output layer, as fastfa
        params = {"pi": pi, "v": init_params(k_v, (d, *h, 1))}
        s = resets(jax.random.split(k_r, K))
        carry = (params, tx.init(params), s, jnp.zeros(K, jnp.int32), jnp.zeros(K, jnp.float32), jnp.zeros(2), key)
        carry, _ = jax.lax.scan(update, carry, None, length=n_updates)
        return carry[0], carry[5]

    return train


def build(total_steps: int, seeds: int, devices: int = 1):
    """A compiled callable for 1 seed, a vmap over seeds, or a pmap over ``devices`` CPU devices of a
    vmap over seeds/devices seeds, and the function making its keys; call it once to compile."""
    train = make_train(total_steps)
    if seeds == 1 and devices == 1:
        return jax.jit(train), lambda k: k
    if devices == 1:
        return jax.jit(jax.vmap(train)), lambda k: jax.random.split(k, seeds)
    if seeds % devices:
        raise ValueError(f"seeds ({seeds}) must be a multiple of devices ({devices})")
    return (
        jax.pmap(jax.vmap(train), devices=jax.devices()[:devices]),
        lambda k: jax.random.split(k, seeds).reshape(devices, seeds // devices, -1),
    )
