"""One writer thread per SQLite file that commits concurrent requests' writes together."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]

MAX_BATCH = 512
_STOP = object()


class GroupCommitWriter:
    """Runs write functions on one connection, many per transaction (group commit).

    Each submitted function runs inside its own savepoint, so one failing request
    rolls back alone; the awaiting request is answered only after the COMMIT that
    made its write durable returns.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self.commits = 0
        self.jobs = 0
        # Told each commit's batch size and seconds taken (the server's metrics listen).
        self.on_commit: Callable[[int, float], None] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="closecalls-writer", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            raise self._start_error

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Finish every queued write, then close the connection."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None

    async def submit(self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((work, future, loop))
        return await future

    def submit_sync(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """For callers outside an event loop (the CLI)."""
        done = threading.Event()
        outcome: list[Any] = []

        def settle(result: Any, error: BaseException | None) -> None:
            outcome.extend((result, error))
            done.set()

        self._queue.put((work, settle, None))
        done.wait()
        result, error = outcome
        if error is not None:
            raise error
        return result  # type: ignore[no-any-return]

    def _run(self) -> None:
        try:
            connection = self._connect()
        except BaseException as exc:
            self._start_error = exc
            self._started.set()
            return
        self._started.set()
        try:
            while True:
                batch = [self._queue.get()]
                while len(batch) < MAX_BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stopping = any(item is _STOP for item in batch)
                jobs = [item for item in batch if item is not _STOP]
                if jobs:
                    self._commit(connection, jobs)
                if stopping:
                    return
        finally:
            connection.close()

    def _transaction(
        self, connection: sqlite3.Connection, jobs: list[Any], *, isolated: bool
    ) -> list[tuple[Any, BaseException | None]]:
        """Run the jobs in one transaction and commit it.

        Savepoints double the cost of a small write, and jobs rarely fail, so a batch runs
        first without them (`isolated=False`) and raises _JobFailed at the first failure.
        """
        outcomes: list[tuple[Any, BaseException | None]] = []
        started = time.perf_counter()
        try:
            connection.execute("BEGIN IMMEDIATE")
            for work, _, _ in jobs:
                if not isolated:
                    try:
                        outcomes.append((work(connection), None))
                    except Exception as exc:
                        raise _JobFailed from exc
                    continue
                connection.execute("SAVEPOINT job")
                try:
                    outcomes.append((work(connection), None))
                except Exception as exc:
                    connection.execute("ROLLBACK TO job")
                    outcomes.append((None, exc))
                connection.execute("RELEASE job")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        self.commits += 1
        self.jobs += len(jobs)
        if self.on_commit is not None:
            self.on_commit(len(jobs), time.perf_counter() - started)
        return outcomes

    def _commit(self, connection: sqlite3.Connection, jobs: list[Any]) -> None:
        try:
            outcomes = self._transaction(connection, jobs, isolated=False)
        except _JobFailed:
            # Replay with a savepoint per job, so only the failing ones fail.
            outcomes = self._transaction(connection, jobs, isolated=True)
        except Exception as exc:
            outcomes = [(None, exc)] * len(jobs)
        by_loop: dict[Any, list[Any]] = {}
        for (_, waiter, loop), outcome in zip(jobs, outcomes, strict=True):
            if loop is None:
                waiter(*outcome)
            else:
                by_loop.setdefault(loop, []).append((waiter, outcome))
        for loop, settled in by_loop.items():
            # One wake-up per batch, not one per request.
            with contextlib.suppress(RuntimeError):  # the loop closed while we committed
                loop.call_soon_threadsafe(_settle_futures, settled)


class _JobFailed(Exception):
    """A job raised in a batch run without savepoints: the batch must be replayed."""


def _settle_futures(settled: list[tuple[asyncio.Future[Any], tuple[Any, Any]]]) -> None:
    for future, (result, error) in settled:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
