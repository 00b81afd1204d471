"""fastfa.kernels.replay: replay buffer kernels (uniform, prioritized, n-step)."""
