"""The clock's channel pool: channels posted to side by side, session reminders first.

A bounded set of threads takes channel queues best first (a queue holding a session reminder
before any other, then in the order given), whichever page of the sweep they came from, so a
reminder found while other posts are being sent waits for no queue that has not started. Few
queues wait at once (`waiting`), so the sweep plans its next page only as threads come free.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class ChannelPool:
    def __init__(self, workers: int, waiting: int) -> None:
        self._heap: list[tuple[int, int, bool, Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._room = threading.Semaphore(waiting)
        self._order = itertools.count()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="oura-clock")
        self._futures: list[Future[None]] = []
        self._unfinished = 0
        self._all_done = threading.Condition(self._lock)

    def submit(self, urgent: bool, job: Callable[[], None], wait: bool = True) -> None:
        """Queue `job`; with `wait`, first wait while `waiting` jobs wait for a thread."""
        if wait:
            self._room.acquire()
        with self._lock:
            heapq.heappush(self._heap, (0 if urgent else 1, next(self._order), wait, job))
            self._unfinished += 1
        # Each task runs the best job waiting when it starts, not necessarily this one: as
        # many tasks as jobs, so each job runs once.
        self._futures.append(self._executor.submit(self._run_best))

    def _run_best(self) -> None:
        with self._lock:
            _, _, waited, job = heapq.heappop(self._heap)
        if waited:
            self._room.release()
        try:
            job()
        finally:
            with self._lock:
                self._unfinished -= 1
                self._all_done.notify_all()

    def close(self) -> None:
        """Wait for every job, those that jobs queue too; raise the first error one raised."""
        with self._lock:
            self._all_done.wait_for(lambda: self._unfinished == 0)
        self._executor.shutdown(wait=True)
        for future in self._futures:
            future.result()


class Countdown:
    """Calls `then` once `count` jobs are done (at once when there are none)."""

    def __init__(self, count: int, then: Callable[[], None]) -> None:
        self._left = count
        self._then = then
        self._lock = threading.Lock()
        if count == 0:
            then()

    def one_done(self) -> None:
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self._then()
