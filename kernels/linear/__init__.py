"""fastfa.kernels.linear: linear prediction/control/policy-gradient update kernels."""
