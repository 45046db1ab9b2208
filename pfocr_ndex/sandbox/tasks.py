"""The server's one system task queue: loads and index builds, one at a time, first in first out.

ndex-rest ``task/NdexServerQueue`` holds a single ``LinkedBlockingDeque``; one
``SystemTaskProcessor`` thread (started in ``NdexHttpServletDispatcher``) takes and runs its tasks
in order. A loading task (``CX2NetworkLoadingTask``) queues the network's Solr index task at the
back when it succeeds; an update's ``completed`` turns true only when that index task runs.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Literal

__all__ = ["TaskQueue"]

logger = logging.getLogger(__name__)

TaskKind = Literal["load", "index"]


class TaskQueue:
    """Runs ``run_load(network_id) -> bool`` (true: queue its index task) and ``run_index(network_id)``.

    ``load_seconds()`` is how long each loading task takes (read when the task starts, so a
    test can change it while the server runs); index tasks take no time of their own.
    """

    def __init__(
        self,
        run_load: Callable[[str], bool],
        run_index: Callable[[str], None],
        load_seconds: Callable[[], float],
        stop: threading.Event,
    ) -> None:
        self._run_load, self._run_index, self._load_seconds = run_load, run_index, load_seconds
        self._stop = stop
        self._tasks: deque[tuple[TaskKind, str]] = deque()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="ndex-sandbox-tasks", daemon=True)
        self._thread.start()

    def add(self, kind: TaskKind, network_id: str) -> None:
        """Queue a task at the back."""
        with self._cond:
            self._tasks.append((kind, network_id))
            self._cond.notify()

    def pending(self) -> list[tuple[TaskKind, str]]:
        """Tasks not started yet, in the order they will run."""
        with self._cond:
            return list(self._tasks)

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if not self._tasks:
                    self._cond.wait(timeout=0.5)
                    continue
                kind, network_id = self._tasks.popleft()
            try:
                if kind == "index":
                    self._run_index(network_id)
                    continue
                if self._stop.wait(max(self._load_seconds(), 0.0)):
                    return  # stopped mid-task: the network stays locked and is queued again next start
                if self._run_load(network_id):
                    self.add("index", network_id)
            except Exception:  # keep serving the other networks; this one stays as it is, as on NDEx
                if not self._stop.is_set():
                    logger.exception("NDEx sandbox: %s task for network %s failed", kind, network_id)
