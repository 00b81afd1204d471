"""Compiled kernels of fastfa (installed as ``fastfa.kernels``).

Pure functions over arrays and scalars: no classes, no validation, no global
state.  Numba kernels are decorated with :func:`fastfa.kernels._jit.njit`
(cached, nogil); Cython extensions are ``_*.pyx`` modules.  The validating
public API lives in ``fastfa``; call kernels directly only with trusted input.

Importing this package is cheap: submodules (and numba) are imported on use.
"""
