"""One scheduler of periodic jobs in each server process: the hold sweeper, the purge
of old idempotent answers, the outbox dispatcher.

Every job is safe to run in every process at once, because the database decides who
does what (a write transaction, a `SKIP LOCKED` claim). A job runs `first_after` seconds
after start, then every `every` seconds — or `settle` seconds after something sets its
`wake` event. A failed run is logged and the job carries on. Stopping lets a run in
progress finish (it may be inside a write transaction) for up to `GRACE` seconds before
cancelling it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("slotbook.jobs")

GRACE = 15.0


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between runs
    run: Callable[[], Awaitable[object]]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: after a wake, wait this long first, so that a burst of wakes makes one run
    settle: float = 0.0
    #: seconds before the first run (default: `every`), so start-up is not crowded
    first_after: float | None = None


class Scheduler:
    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = list(jobs)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._repeat(job), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        """Let every job finish its current run, then end (cancelled after GRACE s)."""
        self._stopping.set()
        if not self._tasks:
            return
        for job in self.jobs:
            job.wake.set()
        _, late = await asyncio.wait(self._tasks, timeout=GRACE)
        for task in late:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _repeat(self, job: Job) -> None:
        await self._pause(job, job.every if job.first_after is None else job.first_after)
        while not self._stopping.is_set():
            try:
                await job.run()
            except Exception:
                log.warning("%s failed; trying again in %ss", job.name, job.every, exc_info=True)
            await self._pause(job, job.every)

    async def _pause(self, job: Job, seconds: float) -> None:
        """Until `seconds` have passed or the job is woken (then `settle` more, or until a
        stop)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await job.wake.wait()
                if job.settle:
                    # a stop ends the settle at once: no run follows a stop, so waiting
                    # it out only made every shutdown after a commit that much slower
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(job.settle):
                            await self._stopping.wait()
        job.wake.clear()
