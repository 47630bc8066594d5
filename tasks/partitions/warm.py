"""Worker processes forked from the command before its flow starts, ready when the first partition is.

A spawned worker imports Prefect, GX (which pulls in scipy), pandas and the flow's modules before it can
screen anything: about 4 s of a core each, measured. Two of them did so while the flow waited, some 5 s of
every partitioned run from the command (a 1,000,000-household screening took about 42 s, its bare script
17 s). The command has imported all of it already; forked while it is still one thread (before Prefect's
own threads exist, which a fork would copy mid-lock), each worker starts with it in a few milliseconds.

`start` is called by the command while its temporary Prefect server starts; the run's process pool adopts
the forked workers (`WarmProcessPoolTaskRunner`), else it spawns its own as Prefect does. A process that has
started threads (a test, a served deployment) or a system without fork keeps Prefect's way."""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, _initialize_process_pool_worker


@dataclass
class _Warm:
    workers: int
    prepare: Callable[[], None] | None
    queue: Any
    executor: ProcessPoolExecutor


_waiting: _Warm | None = None


def start(workers: int, prepare: Callable[[], None] | None) -> bool:
    """Fork `workers` processes now, each `prepare`d, for the next run's pool; False when it cannot be done
    safely here (threads already running, no fork, a pool already waiting)."""
    global _waiting
    if _waiting is not None or workers < 2:
        return False
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        logging.getLogger(__name__).info("worker processes not forked early (threads: %s; fork: %s); the run "
                                         "starts its own", [t.name for t in threading.enumerate()],
                                         "fork" in multiprocessing.get_all_start_methods())
        return False
    context = multiprocessing.get_context("fork")
    queue = context.Queue()  # the workers' logs and events, forwarded to the API by the run's pool
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_initialize_process_pool_worker,
                                   initargs=(queue, _forked, (prepare,)))
    try:
        executor.submit(int).result()  # with fork, the first task starts every worker at once: now, one thread
    except Exception:  # a fork refused (memory) or a worker failing its preparation: the run spawns its own
        logging.getLogger(__name__).exception("worker processes could not be forked; the run starts its own")
        executor.shutdown(wait=False, cancel_futures=True)
        queue.close()
        return False
    _waiting = _Warm(workers, prepare, queue, executor)
    atexit.register(_discard)
    return True


def _forked(prepare: Callable[[], None] | None) -> None:
    """In a forked worker: the command's database connections are its, not this process's (SQLAlchemy's
    advice: drop them without closing), then the worker's own preparation (cheap: already made)."""
    from tasks.storage.engine import forget_engines

    forget_engines()
    if prepare is not None:
        prepare()


def take(workers: int, prepare: Callable[[], None] | None) -> _Warm | None:
    """The waiting workers, if they are what the run asks for (once: a pool is shut down with its run)."""
    global _waiting
    warm, _waiting = _waiting, None
    if warm is not None and (warm.workers, warm.prepare) != (workers, prepare):
        _shut(warm)
        return None
    return warm


def _discard() -> None:
    global _waiting
    if _waiting is not None:
        _shut(_waiting)
        _waiting = None


def _shut(warm: _Warm) -> None:
    warm.executor.shutdown(wait=True, cancel_futures=True)
    warm.queue.close()


class WarmProcessPoolTaskRunner(ProcessPoolTaskRunner):
    """Prefect's process pool, taking the workers forked by `start` when there are; otherwise Prefect's own
    `__enter__` (spawned workers). What it sets is what that method sets, with the forked pool's queue."""

    def __enter__(self) -> WarmProcessPoolTaskRunner:
        warm = take(self._max_workers, self._initializer)
        if warm is None:
            return super().__enter__()
        TaskRunner.__enter__(self)
        self._subprocess_message_queue = warm.queue
        self._message_forwarding_thread = threading.Thread(
            target=self._forward_subprocess_messages, name="ProcessPoolTaskRunnerMessageForwarder", daemon=True)
        self._message_forwarding_thread.start()
        self._executor = warm.executor
        self._resolver_executor = ThreadPoolExecutor(max_workers=self._max_workers)
        return self
