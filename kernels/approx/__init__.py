"""fastfa.kernels.approx: non-parametric approximators (k-NN, trees)."""
