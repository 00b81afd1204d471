"""fastfa.kernels.nn: small MLP kernels, DQN and A2C steps."""
