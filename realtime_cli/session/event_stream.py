"""The bounded stream of `VoiceEvent`s a voice session hands its user."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from realtime_cli.session.events import VoiceEvent

__all__ = ["EVENT_BACKLOG", "EventStream"]

#: Events kept for a consumer that falls behind; past that the oldest are dropped, because a
#: realtime session must never wait for its reader.
EVENT_BACKLOG = 4096


class EventStream:
    """Events in order; the oldest dropped when the reader falls behind; an end marker that
    carries why the session ended."""

    def __init__(self, backlog: int = EVENT_BACKLOG) -> None:
        self._queue: asyncio.Queue[VoiceEvent | None] = asyncio.Queue(backlog)
        self.failure: BaseException | None = None
        #: Events dropped because the consumer fell behind.
        self.dropped = 0

    def emit(self, event: VoiceEvent) -> None:
        """Queue an event without waiting, dropping the oldest when full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._queue.get_nowait()
            self._queue.put_nowait(event)
            self.dropped += 1

    def end(self, failure: BaseException | None = None) -> None:
        """Mark the end; the first failure given is what the reader gets raised."""
        if failure is not None and self.failure is None:
            self.failure = failure
        if self._queue.full():
            self._queue.get_nowait()  # the end must always reach the reader
            self.dropped += 1
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[VoiceEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                # Left in place so that every later reader ends too.
                with contextlib.suppress(asyncio.QueueFull):
                    self._queue.put_nowait(None)
                if self.failure is not None:
                    raise self.failure
                return
            yield event
