"""The dense linear value ``v̂(s) = w·x(s)`` as a plain loop, shared by the policy-gradient steps
(``pg_steps``), their fused loop and Baird's counterexample (``baird``).  (``@`` in Numba needs
SciPy's BLAS, which fastfa does not require; the loop also fixes the summation order.)"""

from .._jit import njit


@njit
def dense_value(w, x):
    """v̂(s) = Σ_f w[f]·x[f] in feature order (for binary x the same number as ``pg_steps.sparse_value``)."""
    v = 0.0
    for f in range(x.shape[0]):
        v += w[f] * x[f]
    return v
