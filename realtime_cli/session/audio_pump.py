"""The microphone pump: frames are taken at once and sent by a task of their own, so a
stalled network never holds up the microphone; past a bound the oldest audio is dropped."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import numpy as np

from realtime_cli.core import Notice
from realtime_cli.session.events import VoiceEvent
from realtime_cli.session.supervised_tasks import SupervisedTasks

__all__ = ["AUDIO_BYTES_PER_S", "MAX_AUDIO_BACKLOG_S", "AudioPump"]

#: Microphone audio that may wait for a stalled network before the oldest is dropped.
MAX_AUDIO_BACKLOG_S = 2.0
AUDIO_BYTES_PER_S = 24000 * 2


def _nbytes(frame: Any) -> int:
    return int(frame.nbytes) if isinstance(frame, np.ndarray) else len(frame)


class AudioPump:
    """Moves microphone frames to `send`, keeping at most a bounded backlog waiting."""

    def __init__(
        self,
        send: Callable[[Any], Awaitable[None]],
        emit: Callable[[VoiceEvent], None],
        tasks: SupervisedTasks,
    ) -> None:
        self._send = send
        self._emit = emit
        self._tasks = tasks
        #: Frames dropped because the network did not keep up.
        self.dropped_frames = 0

    async def run(
        self,
        frames: AsyncIterable[Any],
        stopped: Callable[[], bool],
        max_backlog_s: float = MAX_AUDIO_BACKLOG_S,
    ) -> None:
        """Pump `frames` until they end or `stopped()`; a send failure is raised here."""
        backlog: deque[Any] = deque()
        limit = max_backlog_s * AUDIO_BYTES_PER_S
        queued = 0
        warned = False
        more = asyncio.Event()
        finished = False

        async def sender() -> None:
            nonlocal queued, warned
            while True:
                while backlog:
                    frame = backlog.popleft()
                    queued -= _nbytes(frame)
                    await self._send(frame)
                warned = False  # caught up: warn again if it falls behind again
                if finished:
                    return
                more.clear()
                await more.wait()

        task = self._tasks.spawn(sender(), "microphone sender")
        try:
            async for frame in frames:
                if stopped() or task.done():
                    break  # closed, or the sender failed: its error is raised below
                backlog.append(frame)
                queued += _nbytes(frame)
                while queued > limit and len(backlog) > 1:
                    queued -= _nbytes(backlog.popleft())
                    self.dropped_frames += 1
                    if not warned:
                        warned = True
                        self._emit(
                            Notice(
                                f"the network is not keeping up: dropping microphone audio "
                                f"more than {max_backlog_s:g} s old",
                                "warning",
                                {"backpressure": "dropping"},
                            )
                        )
                more.set()
            finished = True
            more.set()
            await task
        finally:
            task.cancel()
