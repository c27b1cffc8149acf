"""The microphone pump: frames are taken at once and sent by a task of their own, so a
stalled network never holds up the microphone.

What waits between the microphone and the network is bounded end to end: rt's queue plus
what the connection reports unsent (the websocket library's buffer and the kernel's send
queue, both kept small by the transport) stays within `max_backlog_s` of audio; past that
the oldest queued audio is dropped, with a warning. A frame older than `max_backlog_s` is
never sent, and a send that stays blocked for `stall_s` declares the connection stalled (it
is dropped with what it holds and re-opened), so audio captured more than about
`max_backlog_s` + a fraction of a second ago never reaches the service after a stall.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import numpy as np

from realtime_cli.core import Notice
from realtime_cli.session.events import VoiceEvent
from realtime_cli.session.supervised_tasks import SupervisedTasks

__all__ = ["AUDIO_BYTES_PER_S", "MAX_AUDIO_BACKLOG_S", "STALL_S", "AudioPump"]

#: Microphone audio that may wait for a stalled network before the oldest is dropped.
MAX_AUDIO_BACKLOG_S = 2.0
#: A send blocked this long means the network has stalled.
STALL_S = 2.0
AUDIO_BYTES_PER_S = 24000 * 2
#: Wire bytes per audio byte of an `input_audio_buffer.append` (base64; the JSON around it
#: counted as audio too, which errs on the side of dropping).
_WIRE_PER_AUDIO = 4 / 3


def _nbytes(frame: Any) -> int:
    return int(frame.nbytes) if isinstance(frame, np.ndarray) else len(frame)


class AudioPump:
    """Moves microphone frames to `send`, keeping a bounded, fresh backlog."""

    def __init__(
        self,
        send: Callable[[Any], Awaitable[None]],
        emit: Callable[[VoiceEvent], None],
        tasks: SupervisedTasks,
        *,
        unsent_bytes: Callable[[], int] = lambda: 0,
        on_stall: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stall_s: float = STALL_S,
    ) -> None:
        self._send = send
        self._emit = emit
        self._tasks = tasks
        self._unsent_bytes = unsent_bytes
        self._on_stall = on_stall
        self._clock = clock
        self.stall_s = stall_s
        #: Frames dropped because the network did not keep up.
        self.dropped_frames = 0
        #: Stalls detected (each dropped the connection).
        self.stalls = 0
        self._warned = False

    def _in_flight(self) -> float:
        """Audio bytes the connection holds unsent."""
        return self._unsent_bytes() / _WIRE_PER_AUDIO

    def _drop(self, max_backlog_s: float) -> None:
        self.dropped_frames += 1
        if not self._warned:
            self._warned = True
            self._emit(
                Notice(
                    f"the network is not keeping up: dropping microphone audio "
                    f"more than {max_backlog_s:g} s old",
                    "warning",
                    {"backpressure": "dropping"},
                )
            )

    async def _send_or_stall(self, frame: Any) -> None:
        try:
            # Not wait_for: on Python 3.11 it swallows a cancellation that arrives as the send
            # completes, and the sender then outlives the pump, waiting for frames forever.
            async with asyncio.timeout(self.stall_s):
                await self._send(frame)
        except TimeoutError:
            self.stalls += 1
            if self._on_stall is not None:
                await self._on_stall()

    async def run(
        self,
        frames: AsyncIterable[Any],
        stopped: Callable[[], bool],
        max_backlog_s: float = MAX_AUDIO_BACKLOG_S,
    ) -> None:
        """Pump `frames` until they end or `stopped()`; a send failure is raised here."""
        backlog: deque[tuple[float, Any]] = deque()
        limit = max_backlog_s * AUDIO_BYTES_PER_S
        queued = 0
        more = asyncio.Event()
        finished = False

        async def sender() -> None:
            nonlocal queued
            while True:
                while backlog:
                    captured, frame = backlog.popleft()
                    queued -= _nbytes(frame)
                    if self._clock() - captured > max_backlog_s:
                        self._drop(max_backlog_s)  # stale: never sent
                        continue
                    await self._send_or_stall(frame)
                self._warned = False  # caught up: warn again if it falls behind again
                if finished:
                    return
                more.clear()
                await more.wait()

        task = self._tasks.spawn(sender(), "microphone sender")
        try:
            async for frame in frames:
                if stopped() or task.done():
                    break  # closed, or the sender failed: its error is raised below
                backlog.append((self._clock(), frame))
                queued += _nbytes(frame)
                while queued + self._in_flight() > limit and len(backlog) > 1:
                    queued -= _nbytes(backlog.popleft()[1])
                    self._drop(max_backlog_s)
                more.set()
            finished = True
            more.set()
            await task
        finally:
            task.cancel()
