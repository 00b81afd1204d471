"""fastfa.kernels.features: feature kernels: tile coding (Numba and the Cython tiles3), grids, dense bases."""
