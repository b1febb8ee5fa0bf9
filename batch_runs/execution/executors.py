"""Where runs execute: in this process, in a process pool, or on a Dask cluster.

Each executor takes chunks of jobs and returns futures of their batches
(``batches.Batch``); the runner does not know which one it drives. ``runs_per_task``
is the executor's own task size (None: the runner sizes tasks by their duration).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from batch_runs.execution.batches import Batch
from batch_runs.execution.common import SweepError, one_line
from batch_runs.execution.worker import Job, RunContext, execute_chunk, init_worker


class InlineExecutor:
    """Runs each task at submission, in this process (one worker: no pickling at all)."""

    slots = 1
    in_flight = 1  # record each run before starting the next
    runs_per_task = 1  # nothing to amortise here: each run is committed as it ends
    name = "inline"

    def submit(self, ctx: RunContext, chunk: list[Job]) -> Future[Batch]:
        future: Future[Batch] = Future()
        future.set_result(execute_chunk(ctx, chunk))
        return future

    def wait(self, futures: set) -> tuple[set, set]:
        return set(futures), set()

    def restart(self) -> None:
        """Nothing to restart: no worker can die."""

    def close(self, cancel: bool = False) -> None:
        """Nothing to close."""


class ProcessExecutor:
    """A ``concurrent.futures`` process pool, forked from this process when that is safe
    (see :func:`start_method`), else from a fork server."""

    name = "process"
    runs_per_task = None

    def __init__(self, workers: int) -> None:
        self.slots = workers
        self.in_flight = 2 * workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        """A pool started the safe way now (a restart may find the old pool's threads)."""
        context = multiprocessing.get_context(start_method())
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["batch_runs.execution.worker"])
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=context,
            initializer=init_worker,
            initargs=(os.getpid(),),
        )

    def submit(self, ctx: RunContext, chunk: list[Job]) -> Future[Batch]:
        with warnings.catch_warnings():  # the first submit forks the workers
            warnings.filterwarnings("ignore", _FORK_WARNING, DeprecationWarning)
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


# Python warns about any fork from a process with more than one OS thread. Here the
# only others are numpy's BLAS threads, which stop before a fork and start again in the
# child (pthread_atfork), so the warning does not apply.
_FORK_WARNING = r".*is multi-threaded, use of fork\(\) may lead to deadlocks"


def start_method() -> str:
    """How worker processes start: ``fork`` where it is safe, else ``forkserver``.

    Forked workers start at once, with the model, its compiled kernels and the
    scenario already loaded; a fork server imports them again, which takes seconds per
    sweep. Fork is safe on Linux when this process runs no other Python thread (none can
    hold a lock that a worker would inherit held): the command line. The dashboard, with
    its server threads, and other systems use a fork server.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "forkserver"


class DaskExecutor:
    """Tasks on a Dask distributed cluster: an existing scheduler, or a local cluster."""

    name = "dask"
    runs_per_task = None

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
