"""DQN on CartPole-v1 written the way CleanRL's single-file ``dqn.py`` does it, with its defaults.

Re-written for this bench from the published script's structure and defaults (not vendored):
a 120-84 ReLU Q-network, Adam 2.5e-4 (constant), SB3's ``ReplayBuffer`` of 10k transitions,
batch 128, one gradient step every 10 env steps once 10k steps are stored, mean squared TD
error on 1-step targets, no gradient clipping, the target network copied every 500 steps, ε
linear from 1 to 0.05 over half the run; one gymnasium env, torch on the CPU with 1 thread.
Logging (TensorBoard, printing) is left out: it is not part of the work compared.

:func:`fastfa_config` is fastfa's ``DQNConfig`` with the same settings (fastfa's squared loss is
½δ²: with Adam a constant factor of the loss leaves the steps unchanged, up to Adam's eps).
"""

from __future__ import annotations

import random

import numpy as np

HIDDEN = (120, 84)
LR = 2.5e-4
BUFFER = 10_000
GAMMA = 0.99
TARGET_EVERY = 500
BATCH = 128
START_E, END_E, FRACTION = 1.0, 0.05, 0.5
LEARNING_STARTS = 10_000
TRAIN_EVERY = 10


def fastfa_config(total_steps: int):
    from fastfa.agents.dqn import DQNConfig

    return DQNConfig(
        hidden=HIDDEN,
        learning_rate=LR,
        learning_rate_end=None,
        buffer_size=BUFFER,
        learning_starts=LEARNING_STARTS,
        batch_size=BATCH,
        gamma=GAMMA,
        train_freq=TRAIN_EVERY,
        gradient_steps=1,
        target_update_interval=TARGET_EVERY,
        exploration_initial_eps=START_E,
        exploration_final_eps=END_E,
        exploration_steps=int(FRACTION * total_steps),
        max_grad_norm=float("inf"),
        loss="squared",
        n_step=1,
    )


def train(total_steps: int, seed: int = 1):
    """Train for ``total_steps`` env steps; returns the Q-network."""
    import gymnasium as gym
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from stable_baselines3.common.buffers import ReplayBuffer

    torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    env = gym.make("CartPole-v1")
    n_obs, n_act = env.observation_space.shape[0], env.action_space.n

    def net():
        return nn.Sequential(
            nn.Linear(n_obs, HIDDEN[0]),
            nn.ReLU(),
            nn.Linear(HIDDEN[0], HIDDEN[1]),
            nn.ReLU(),
            nn.Linear(HIDDEN[1], n_act),
        )

    q, target = net(), net()
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=LR)
    rb = ReplayBuffer(BUFFER, env.observation_space, env.action_space, "cpu", handle_timeout_termination=False)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    duration = FRACTION * total_steps
    for step in range(total_steps):
        eps = max(START_E + (END_E - START_E) * step / duration, END_E)
        if random.random() < eps:
            action = env.action_space.sample()
        else:
            with torch.no_grad():
                action = int(torch.argmax(q(torch.as_tensor(obs).unsqueeze(0)), dim=1)[0])
        nxt, reward, term, trunc, _ = env.step(action)
        rb.add(obs, nxt, np.array([action]), np.array([reward]), np.array([term]), [{}])
        obs = nxt
        if term or trunc:
            obs, _ = env.reset()
        if step > LEARNING_STARTS:
            if step % TRAIN_EVERY == 0:
                data = rb.sample(BATCH)
                with torch.no_grad():
                    best, _ = target(data.next_observations).max(dim=1)
                    y = data.rewards.flatten() + GAMMA * best * (1 - data.dones.flatten())
                pred = q(data.observations).gather(1, data.actions).squeeze()
                loss = F.mse_loss(y, pred)
                opt.zero_grad()
                loss.backward()
                opt.step()
            if step % TARGET_EVERY == 0:
                target.load_state_dict(q.state_dict())
    return q


if __name__ == "__main__":
    import sys
    import time

    t = time.perf_counter()
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
    print(f"{time.perf_counter() - t:.2f} s")
