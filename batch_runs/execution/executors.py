"""Where runs execute: in this process, in a process pool, or on a Dask cluster.

Each executor takes chunks of jobs and returns futures of their records; the runner
does not know which one it drives.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from batch_runs.execution.common import SweepError, one_line
from batch_runs.execution.worker import Job, RunContext, execute_chunk, init_worker


class InlineExecutor:
    """Runs each task at submission, in this process (one worker: no pickling at all)."""

    slots = 1
    in_flight = 1  # record each run before starting the next
    name = "inline"

    def submit(self, ctx: RunContext, chunk: list[Job]) -> Future:
        future: Future = Future()
        future.set_result(execute_chunk(ctx, chunk))
        return future

    def wait(self, futures: set) -> tuple[set, set]:
        return set(futures), set()

    def restart(self) -> None:
        """Nothing to restart: no worker can die."""

    def close(self, cancel: bool = False) -> None:
        """Nothing to close."""


class ProcessExecutor:
    """A ``concurrent.futures`` process pool (forkserver: safe with threads in the parent)."""

    name = "process"

    def __init__(self, workers: int) -> None:
        import multiprocessing

        self.slots = workers
        self.in_flight = 2 * workers
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["batch_runs.execution.worker"])
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=self._context,
            initializer=init_worker,
            initargs=(os.getpid(),),
        )

    def submit(self, ctx: RunContext, chunk: list[Job]) -> Future:
        return self._pool.submit(execute_chunk, ctx, chunk)

    def wait(self, futures: set) -> tuple[set, set]:
        done, pending = wait(futures, return_when=FIRST_COMPLETED)
        return done, pending

    def restart(self) -> None:
        """Replace a broken pool (a worker died) by a fresh one."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


class DaskExecutor:
    """Tasks on a Dask distributed cluster: an existing scheduler, or a local cluster."""

    name = "dask"

    def __init__(self, workers: int, scheduler: Any) -> None:
        try:
            import distributed
        except ImportError:
            raise SweepError("--backend dask needs Dask: pip install 'iran-sim[dask]'") from None
        self._distributed = distributed
        self._cluster = None
        self._own_client = True
        if isinstance(scheduler, distributed.Client):
            self._client = scheduler
            self._own_client = False
        elif scheduler:
            try:
                self._client = distributed.Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise SweepError(
                    f"cannot connect to the Dask scheduler at {scheduler}: {one_line(exc)}"
                ) from None
        else:
            import logging

            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: two clusters may run at once
                silence_logs=logging.ERROR,
            )
            self._client = distributed.Client(self._cluster)
        self.slots = max(1, sum(self._client.nthreads().values()))
        self.in_flight = 2 * self.slots

    def submit(self, ctx: RunContext, chunk: list[Job]) -> Any:
        return self._client.submit(execute_chunk, ctx, chunk, pure=False)

    def wait(self, futures: set) -> tuple[set, set]:
        done, pending = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def restart(self) -> None:
        """Dask reschedules the tasks of lost workers itself."""

    def close(self, cancel: bool = False) -> None:
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(backend: str, workers: int, scheduler: Any) -> Any:
    """The executor for ``backend``: inline for one local worker, else a pool or Dask."""
    if backend == "dask":
        return DaskExecutor(workers, scheduler)
    if workers == 1:
        return InlineExecutor()
    return ProcessExecutor(workers)
