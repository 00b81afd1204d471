"""Dask pieces (imported only by backend='dask'): client start-up and the warm-up worker plugin."""

from __future__ import annotations

from distributed import Client, LocalCluster, WorkerPlugin

from .plan import warm


class WarmPlugin(WorkerPlugin):
    """On every worker (including ones that join or restart later): load the cell's
    kernels from the Numba cache once, before the first task arrives."""

    def __init__(self, target, params, threads) -> None:
        self.target, self.params, self.threads = target, dict(params), threads

    def setup(self, worker) -> None:
        warm(self.target, self.params, self.threads)


def start_client(client, address, n_workers, threads=None):
    """Return (client, objects to close): the given client, one connected to
    ``address``, or a LocalCluster of ``n_workers`` single-threaded worker processes."""
    if client is not None:
        return client, []
    if address is not None:
        c = Client(address)
        return c, [c]
    import dask

    env = {"NUMBA_NUM_THREADS": str(threads)} if threads else {}
    # Dask's statistical profiler samples every worker thread each 10 ms; measured here it made
    # compiled population cells 1.6-1.9x slower (benches/sweep.md): off for the cluster we start
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None, env=env
        )
    c = Client(cluster)
    return c, [c, cluster]
