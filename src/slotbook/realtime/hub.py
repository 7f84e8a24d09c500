"""This instance's live subscribers, by topic: on a change, one fresh render per topic,
pushed to every subscriber of it that has not seen it yet.

Renders of one topic are coalesced: while one runs, any number of further requests (a
change, a new subscriber, a `get_slots`) wait for a single next run, which starts after
they were made and so sees everything committed before them. A thousand clients
connecting at once cost a few renders, not a thousand.
"""

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slotbook.engine import CalendarDay
from slotbook.realtime.send_queue import SendQueue, State

log = logging.getLogger("slotbook.realtime")


@dataclass(frozen=True, slots=True)
class Topic:
    """What a connection watches: one day of a calendar, or (day None) its today, which
    rolls over with the clock."""

    calendar_id: int
    day: date | None


#: Renders a topic's full state as (key, text); `key` is the part that shows a change.
Render = Callable[[Topic], Awaitable[tuple[str, str]]]


@dataclass(slots=True)
class _Runs:
    """The render of a topic under way, and the one queued after it. Each future says
    whether its render succeeded."""

    current: asyncio.Future[bool]
    next: asyncio.Future[bool] | None = None


class _Done:
    """An awaitable that is done already: awaiting it neither suspends nor allocates."""

    def __await__(self) -> Generator[None, None, None]:
        yield from ()


_NOTHING_TO_WAIT_FOR = _Done()


class Hub:
    def __init__(self, render: Render) -> None:
        self._render = render
        self._topics: dict[int, dict[Topic, set[SendQueue]]] = {}
        self._runs: dict[Topic, _Runs] = {}
        self._seq = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.connections = 0

    def subscribe(self, topic: Topic, queue: SendQueue) -> None:
        self._topics.setdefault(topic.calendar_id, {}).setdefault(topic, set()).add(queue)
        self.connections += 1

    def unsubscribe(self, topic: Topic, queue: SendQueue) -> None:
        topics = self._topics.get(topic.calendar_id, {})
        queues = topics.get(topic, set())
        if queue not in queues:
            return
        queues.discard(queue)
        self.connections -= 1
        if not queues:
            del topics[topic]
        if not topics:
            self._topics.pop(topic.calendar_id, None)

    async def refresh(self, topic: Topic) -> bool:
        """Render `topic` afresh and queue it for every subscriber that has not seen it
        (a new one, or one that forgot); False if it could not be rendered."""
        return await asyncio.shield(self._request(topic))

    def notify(self, days: Iterable[CalendarDay]) -> Awaitable[Any]:
        """Refresh every topic these calendar-days touch; the result completes once every
        subscriber's update is queued."""
        touched = {
            topic
            for changed in days
            for topic in self._topics.get(changed.calendar_id, {})
            if changed.day is None or topic.day in (None, changed.day)
        }
        return self._refresh(touched)

    def notify_all(self) -> Awaitable[Any]:
        """Refresh every topic (after changes may have been missed)."""
        return self._refresh({t for topics in self._topics.values() for t in topics})

    def _refresh(self, topics: set[Topic]) -> Awaitable[Any]:
        if not topics:  # most changes: nobody watches their day on this instance
            return _NOTHING_TO_WAIT_FOR
        return asyncio.gather(*(asyncio.shield(self._request(t)) for t in topics))

    def _request(self, topic: Topic) -> asyncio.Future[bool]:
        """A broadcast of `topic` that starts from now on: a new one, or the queued next."""
        runs = self._runs.get(topic)
        if runs is None:
            done = asyncio.get_running_loop().create_future()
            self._runs[topic] = _Runs(done)
            self._spawn(self._broadcast(topic, done))
            return done
        if runs.next is None:
            runs.next = asyncio.get_running_loop().create_future()
        return runs.next

    async def _broadcast(self, topic: Topic, done: asyncio.Future[bool]) -> None:
        rendered = False
        try:
            seq = next(self._seq)
            key, text = await self._render(topic)
            rendered = True
        except Exception:
            log.exception("could not render %s; its subscribers keep their last state", topic)
        else:
            state = State(seq, key, text)
            for queue in list(self._topics.get(topic.calendar_id, {}).get(topic, ())):
                if not queue.send_state(state):
                    self.unsubscribe(topic, queue)
        finally:
            done.set_result(rendered)
            runs = self._runs[topic]
            if runs.next is None or self._closed:
                del self._runs[topic]
                if runs.next is not None:
                    runs.next.set_result(False)
            else:
                runs.current, runs.next = runs.next, None
                self._spawn(self._broadcast(topic, runs.current))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
