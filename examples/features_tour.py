"""A tour of fastfa's feature constructors on a few Mountain Car states.

Shows the two interfaces of ``fastfa.features`` (Sutton & Barto 9.5):
sparse binary codings give ``indices(obs)`` (active features, the hot path),
dense bases give ``transform(obs)`` (a float vector x(s)).

* TileCoder       — S&B 9.5.4 (tile coding, tiles3-compatible)
* Discretizer     — a uniform grid, one active cell (state aggregation, 9.3)
* Polynomial      — S&B 9.5.1
* Fourier         — S&B 9.5.2
* RBF             — S&B 9.5.5

Run:  python examples/features_tour.py     (a few seconds; first run compiles)
"""

import numpy as np

from fastfa.features import RBF, Discretizer, Fourier, Polynomial, TileCoder

LOW, HIGH = [-1.2, -0.07], [0.6, 0.07]  # Mountain Car: position, velocity
STATES = np.array([[-0.5, 0.0], [-0.45, 0.01], [0.5, 0.07]])
np.set_printoptions(precision=3, suppress=True)

# --- Tile coding: 8 tilings of 8x8 tiles; iht mode numbers tiles 0, 1, 2... as they are seen.
tc = TileCoder(low=LOW, high=HIGH, tiles_per_dim=8, n_tilings=8, mode="iht", size=4096)
print(f"TileCoder: {tc.n_features} features, {tc.n_active} active per state")
for s in STATES:
    print(f"  s={s}  active tiles {tc.indices(s)}")
# Nearby states share tiles: that overlap is the generalisation of tile coding.
a, b = tc.indices(STATES[0]), tc.indices(STATES[1])
print(f"  states 0 and 1 share {len(np.intersect1d(a, b))} of {tc.n_active} tiles")
print(f"  batch shape {tc.indices_batch(STATES).shape}; table usage {tc.collisions()}")
w = np.zeros(tc.n_features)
w[tc.indices(STATES[0])] += 1.0  # a linear value v̂(s) = Σ w[active]
print(f"  v̂ after one unit bump at s0: s0 {w[a].sum():.0f}, s1 {w[b].sum():.0f}")

# --- Discretizer: one active cell, row-major numbering.
grid = Discretizer(low=LOW, high=HIGH, bins=[10, 10])
print(f"\nDiscretizer: {grid.n_features} cells")
for s in STATES:
    print(f"  s={s}  cell {grid.cell(s)} -> index {grid.indices(s)}")

# --- Dense bases: every feature is active.
for name, phi in [
    ("Polynomial", Polynomial(LOW, HIGH, order=2)),
    ("Fourier", Fourier(LOW, HIGH, order=2)),
    ("RBF", RBF(LOW, HIGH, centres_per_dim=[3, 3])),
]:
    X = phi.transform_batch(STATES)
    print(f"\n{name}: {phi.n_features} features (dense); x(s0) = {X[0]}")
    print(f"  ‖x(s)‖ for the 3 states: {np.linalg.norm(X, axis=1)}")

# Fourier features with per-feature step sizes α/‖c_i‖ (Konidaris et al. 2011).
print(f"\nFourier step sizes for α=0.01: {Fourier(LOW, HIGH, order=2).step_sizes(0.01)}")
