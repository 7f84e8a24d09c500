"""One scheduler of periodic jobs in each server process: the hold sweeper, the purge
of old idempotent answers, the outbox dispatcher.

Every job is safe to run in every process at once, because the database decides who
does what (a write transaction, a `SKIP LOCKED` claim). A job runs at start, then every
`every` seconds — or at once when something sets its `wake` event. A failed run is
logged and the job carries on.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("slotbook.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between runs
    run: Callable[[], Awaitable[object]]
    wake: asyncio.Event = field(default_factory=asyncio.Event)


async def _repeat(job: Job) -> None:
    while True:
        try:
            await job.run()
        except Exception:
            log.warning("%s failed; trying again in %ss", job.name, job.every, exc_info=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(job.every):
                await job.wake.wait()
        job.wake.clear()


async def run_jobs(jobs: Sequence[Job]) -> None:
    """Run every job until cancelled."""
    async with asyncio.TaskGroup() as group:
        for job in jobs:
            group.create_task(_repeat(job), name=job.name)
