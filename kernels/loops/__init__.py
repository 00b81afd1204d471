"""fastfa.kernels.loops: fused compiled loops (env + features + policy + update in one @njit loop)."""
