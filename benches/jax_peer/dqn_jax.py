"""Whole-loop JAX DQN on CartPole-v1 (PureJaxRL style), the peer of fastfa's compiled DQN loop.

Everything — the env, ε-greedy acting, the replay buffer, n-step targets, the
gradient steps and the target copy — runs inside one ``jax.jit``-compiled
``lax.scan``, as in PureJaxRL (Lu et al. 2022) and gymnax (Lange 2022); a
population of seeds is ``jax.vmap`` of the same function, and two CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=2``) split it with
``jax.pmap``.  Written for this bench (not copied from either project).

Same work as ``fastfa.agents.DQN("CartPole-v1")`` with its default
``DQNConfig``: 4-64-64-2 ReLU MLP in float32, PyTorch ``nn.Linear`` init,
replay of 100k rows, 1,000 random steps, then ε 1 → 0.01 linearly over 8k env
steps; every 256 env steps 128 gradient steps on uniform minibatches of 64
4-step returns (windows cut at termination, time-limit truncation and the
newest row, as ``kernels/replay/replay.py``), Huber loss (κ = 1), global-norm clip
10, Adam (2.3e-3 decaying linearly to 0 over 50k env steps, β = 0.9/0.999,
ε = 1e-8), γ = 0.99, target copied every 10 env steps, SB3's step order.

Differences, on purpose: the env is gymnax's CartPole arithmetic in float32
(fastfa's twin runs gymnasium's float64 arithmetic); random numbers come from
``jax.random`` (so learning curves differ per seed, not the amount of work);
the clip is optax's ``clip_by_global_norm`` (×10/‖g‖ when ‖g‖ > 10).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

CFG = dict(hidden=(64, 64), lr=2.3e-3, lr_end=0.0, lr_steps=50_000, buffer=100_000, starts=1_000,
           batch=64, gamma=0.99, train_freq=256, grad_steps=128, target_every=10, eps0=1.0, eps1=0.01,
           eps_steps=8_000, clip=10.0, n_step=4, max_len=500, obs_dim=4, n_actions=2)

# gymnax / gymnasium CartPole-v1 constants
_G, _MC, _MP, _LEN, _FORCE, _TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
_TOTAL, _PML = _MC + _MP, _MP * _LEN
_THETA, _X = 12 * 2 * jnp.pi / 360, 2.4


def env_reset(key):
    return jax.random.uniform(key, (4,), jnp.float32, -0.05, 0.05)


def env_step(s, a):
    """gymnasium's Euler step; returns (next state, reward 1, terminated)."""
    x, x_dot, th, th_dot = s[0], s[1], s[2], s[3]
    force = jnp.where(a == 1, _FORCE, -_FORCE)
    c, sn = jnp.cos(th), jnp.sin(th)
    temp = (force + _PML * th_dot ** 2 * sn) / _TOTAL
    th_acc = (_G * sn - c * temp) / (_LEN * (4.0 / 3.0 - _MP * c ** 2 / _TOTAL))
    x_acc = temp - _PML * th_acc * c / _TOTAL
    s2 = jnp.stack([x + _TAU * x_dot, x_dot + _TAU * x_acc, th + _TAU * th_dot, th_dot + _TAU * th_acc])
    term = (jnp.abs(s2[0]) > _X) | (jnp.abs(s2[2]) > _THETA)
    return s2, jnp.float32(1.0), term


def init_params(key, sizes):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, kw, kb = jax.random.split(key, 3)
        bound = 1.0 / jnp.sqrt(n_in)
        params.append((jax.random.uniform(kw, (n_in, n_out), jnp.float32, -bound, bound),
                       jax.random.uniform(kb, (n_out,), jnp.float32, -bound, bound)))
    return params


def q_net(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def make_train(total_steps: int, cfg: dict = CFG):
    """``train(key) -> (params, episode returns sum, episodes)``: ``total_steps`` env steps of DQN."""
    c = cfg
    sizes = (c["obs_dim"], *c["hidden"], c["n_actions"])
    N, B, n = c["buffer"], c["batch"], c["n_step"]
    lr_sched = optax.linear_schedule(c["lr"], c["lr_end"], c["lr_steps"])
    # the lr follows the env step count (fastfa's and SB3's schedule): Adam's direction, scaled by −lr
    tx = optax.chain(optax.clip_by_global_norm(c["clip"]), optax.scale_by_adam(eps=1e-8))
    F = c["train_freq"]
    n_blocks, tail = divmod(total_steps, F)

    def loss_fn(params, target, o, a, r, o2, disc):
        q_next = jnp.max(q_net(target, o2), axis=1)
        y = r + disc * q_next
        q = jnp.take_along_axis(q_net(params, o), a[:, None], axis=1)[:, 0]
        return jnp.mean(optax.huber_loss(q, jax.lax.stop_gradient(y), delta=1.0))

    def sample(buf, key):
        """Uniform rows, 4-step windows cut at term/trunc/newest row (kernels/replay/replay.py rule)."""
        size, pos = buf["size"], buf["pos"]
        i = jnp.minimum((jax.random.uniform(key, (B,)) * size).astype(jnp.int32), size - 1)
        oldest = jnp.where(size == N, pos, 0)
        avail = size - (i - oldest) % N
        ret = jnp.zeros(B, jnp.float32)
        g = jnp.ones(B, jnp.float32)
        alive = jnp.ones(B, bool)
        done = jnp.zeros(B, bool)
        last = i
        for s in range(n):  # static unroll over the window
            j = (i + s) % N
            use = alive & (s < avail)
            ret = ret + jnp.where(use, g * buf["rew"][j], 0.0)
            g = jnp.where(use, g * c["gamma"], g)
            last = jnp.where(use, j, last)
            t, tr = buf["term"][j], buf["trunc"][j]
            done = done | (use & t)
            alive = use & ~t & ~tr
        disc = jnp.where(done, 0.0, g)
        return buf["obs"][i], buf["act"][i], ret, buf["next_obs"][last], disc

    def grad_step(carry, key):
        params, target, opt, buf, lr = carry
        o, a, r, o2, disc = sample(buf, key)
        grads = jax.grad(loss_fn)(params, target, o, a, r, o2, disc)
        upd, opt = tx.update(grads, opt, params)
        params = jax.tree.map(lambda p, u: p - lr * u, params, upd)
        return (params, target, opt, buf, lr), None

    def env_step_fn(carry, _):
        params, target, buf, s, ep_len, ep_ret, stats, t, key = carry
        key, k_eps, k_a, k_r = jax.random.split(key, 4)
        eps = jnp.where(t < c["starts"], 1.0,
                        c["eps0"] + jnp.minimum(1.0, t / c["eps_steps"]) * (c["eps1"] - c["eps0"]))
        greedy = jnp.argmax(q_net(params, s.astype(jnp.float32)))
        a = jnp.where(jax.random.uniform(k_eps) < eps, jax.random.randint(k_a, (), 0, c["n_actions"]), greedy)
        s2, r, term = env_step(s, a)
        ep_len = ep_len + 1
        trunc = ep_len >= c["max_len"]
        p = buf["pos"]
        buf = dict(buf, obs=buf["obs"].at[p].set(s), act=buf["act"].at[p].set(a), rew=buf["rew"].at[p].set(r),
                   next_obs=buf["next_obs"].at[p].set(s2), term=buf["term"].at[p].set(term),
                   trunc=buf["trunc"].at[p].set(trunc), pos=(p + 1) % N, size=jnp.minimum(buf["size"] + 1, N))
        t = t + 1
        target = jax.tree.map(lambda th, tg: jnp.where(t % c["target_every"] == 0, th, tg), params, target)
        ep_ret = ep_ret + r
        end = term | trunc
        stats = stats + jnp.where(end, jnp.array([ep_ret, 1.0]), 0.0)
        s = jnp.where(end, env_reset(k_r), s2)
        return (params, target, buf, s, jnp.where(end, 0, ep_len), jnp.where(end, 0.0, ep_ret), stats, t, key), None

    def block(carry, blk):
        params, target, opt, buf, s, ep_len, ep_ret, stats, key = carry
        t0 = blk * F
        (params, target, buf, s, ep_len, ep_ret, stats, t, key), _ = jax.lax.scan(
            env_step_fn, (params, target, buf, s, ep_len, ep_ret, stats, t0, key), None, length=F)
        key, k_train = jax.random.split(key)

        def train(args):
            params, opt = args
            lr = lr_sched(t)
            (params, _, opt, _, _), _ = jax.lax.scan(grad_step, (params, target, opt, buf, lr),
                                                     jax.random.split(k_train, c["grad_steps"]))
            return params, opt

        # the predicate depends on the block index only, so it stays a real branch under vmap
        params, opt = jax.lax.cond(t > c["starts"], train, lambda a: a, (params, opt))
        return (params, target, opt, buf, s, ep_len, ep_ret, stats, key), None

    def train(key):
        k_init, k_reset, key = jax.random.split(key, 3)
        params = init_params(k_init, sizes)
        D = c["obs_dim"]
        buf = dict(obs=jnp.zeros((N, D), jnp.float32), act=jnp.zeros(N, jnp.int32), rew=jnp.zeros(N, jnp.float32),
                   next_obs=jnp.zeros((N, D), jnp.float32), term=jnp.zeros(N, bool), trunc=jnp.zeros(N, bool),
                   pos=jnp.int32(0), size=jnp.int32(0))
        carry = (params, params, tx.init(params), buf, env_reset(k_reset), jnp.int32(0), jnp.float32(0.0),
                 jnp.zeros(2, jnp.float32), key)
        carry, _ = jax.lax.scan(block, carry, jnp.arange(n_blocks, dtype=jnp.int32))
        if tail:
            params, target, opt, buf, s, ep_len, ep_ret, stats, key = carry
            (params, target, buf, s, ep_len, ep_ret, stats, _, key), _ = jax.lax.scan(
                env_step_fn, (params, target, buf, s, ep_len, ep_ret, stats, jnp.int32(n_blocks * F), key),
                None, length=tail)
            carry = (params, target, opt, buf, s, ep_len, ep_ret, stats, key)
        return carry[0], carry[7]

    return train


def evaluate(params, key, episodes=10, max_len=500):
    """Mean greedy return over ``episodes`` episodes (a learning check, outside the timed loop)."""
    def one(k):
        def body(carry, _):
            s, g, alive = carry
            s2, r, term = env_step(s, jnp.argmax(q_net(params, s)))
            g = g + jnp.where(alive, r, 0.0)
            return (s2, g, alive & ~term), None
        (s, g, _), _ = jax.lax.scan(body, (env_reset(k), 0.0, True), None, length=max_len)
        return g
    return jnp.mean(jax.vmap(one)(jax.random.split(key, episodes)))


def build(total_steps: int, seeds: int, devices: int = 1):
    """A compiled callable ``run(key) -> (params, stats)`` for 1 seed, a vmap over seeds, or a pmap
    over ``devices`` CPU devices of a vmap over seeds/devices seeds; call it once to compile."""
    train = make_train(total_steps)
    if seeds == 1 and devices == 1:
        return jax.jit(train), lambda k: k
    if devices == 1:
        return jax.jit(jax.vmap(train)), lambda k: jax.random.split(k, seeds)
    if seeds % devices:
        raise ValueError(f"seeds ({seeds}) must be a multiple of devices ({devices})")
    return (jax.pmap(jax.vmap(train), devices=jax.devices()[:devices]),
            lambda k: jax.random.split(k, seeds).reshape(devices, seeds // devices, -1))
