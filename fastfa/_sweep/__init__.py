"""Internals of :mod:`fastfa.sweep`: the plan (grid, seeds, cells), the part-file
store, the execution backends and the reporting helpers.  Nothing here is
imported by ``import fastfa`` or ``import fastfa.sweep``; the heavy pieces
(pandas, pyarrow, dask, ray, numba) load only when a sweep needs them."""
