"""fastfa.kernels.envs: compiled environment twins (gymnax shape: params + state + pure step)."""
