"""The LLM judge off the page: the debrief shows the offline grade at once, the judge's replaces it later.

One worker thread (a local model server grades one transcript at a time anyway); a job per
session id, started once. The job stores its grade; the page only polls `running()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class BackgroundJudge:
    """Runs judge jobs on a worker thread, at most one job per key at a time."""

    def __init__(self, workers: int = 1) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="judge")
        self._jobs: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, key: str, work: Callable[[], None]) -> Future[None]:
        """Start `work` for `key` unless a job for it exists (running or finished): then return that one."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = self._executor.submit(work)
                self._jobs[key] = job
            return job

    def running(self, key: str) -> bool:
        """True while the job for `key` has not finished."""
        with self._lock:
            job = self._jobs.get(key)
        return job is not None and not job.done()

    def forget(self, key: str) -> None:
        """Drop a finished job, so the next `submit` for `key` starts again."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.done():
                del self._jobs[key]

    def shutdown(self) -> None:
        """Stop taking jobs and wait for the running one."""
        self._executor.shutdown(wait=True, cancel_futures=True)
