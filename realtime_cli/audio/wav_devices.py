"""WAV files as microphone and speaker, interchangeable with the sound-card devices.

`WavMicrophone` streams any WAV file through the same `CaptureChain` as a real microphone.
`WavSpeaker` drives the same `PlaybackBuffer` as a real speaker and writes every rendered
block to a file, so played-position accounting, underruns and flush behave exactly as on a
device: barge-in and truncation can be tested without sound hardware.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.frame_assembler import DEFAULT_FRAME_SAMPLES
from realtime_cli.audio.interfaces import PcmInput
from realtime_cli.audio.playback_buffer import (
    DEFAULT_FADE_S,
    DEFAULT_MAX_PREBUFFER_S,
    DEFAULT_PREBUFFER_S,
    BufferedOutput,
    PlaybackBuffer,
)
from realtime_cli.audio.recorder import StereoRecorder
from realtime_cli.audio.ring_buffer import SampleRing
from realtime_cli.audio.sample_format import API_RATE
from realtime_cli.audio.wavfile import SampleFormat, WavReader, WavWriter

Int16Array = NDArray[np.int16]
Pacing = Literal["realtime", "fast", "manual"]


class WavMicrophone:
    """Yields a WAV file as 24 kHz int16 frames (any rate, channels, integer/float format).

    With `realtime=True` frame k is released when it would have finished recording, k+1
    frame durations after the first; otherwise frames come as fast as the consumer takes
    them. The last frame is zero padded; `trailing_silence_s` appends silence (useful to
    let server-side VAD notice the end of speech).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = True,
        frame_samples: int = DEFAULT_FRAME_SAMPLES,
        trailing_silence_s: float = 0.0,
        recorder: StereoRecorder | None = None,
    ) -> None:
        self.path = str(path)
        self._reader = WavReader(path)
        self.info = self._reader.info
        self.realtime = realtime
        self.frame_samples = frame_samples
        self._chain = CaptureChain(self.info.rate, frame_samples=frame_samples)
        self._trailing = math.ceil(trailing_silence_s * API_RATE / frame_samples)
        self._recorder = recorder
        self._closed = False
        self.frames_delivered = 0
        self.start_time: float | None = None

    @property
    def frame_s(self) -> float:
        return self.frame_samples / API_RATE

    def __aiter__(self) -> AsyncIterator[Int16Array]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Int16Array]:
        loop = asyncio.get_running_loop()
        self.start_time = loop.time()
        block = max(1, round(self.info.rate * self.frame_s))
        silence = np.zeros(self.frame_samples, dtype=np.int16)
        exhausted = False
        while not self._closed:
            if exhausted:
                frames = [] if self._trailing <= 0 else [silence.copy()]
                self._trailing -= 1
                if not frames:
                    return
            else:
                data = self._reader.read(block)
                if data.shape[0]:
                    frames = self._chain.push(data)
                else:
                    frames = self._chain.finish()
                    exhausted = True
            for frame in frames:
                if self._closed:
                    return
                due = self.start_time + (self.frames_delivered + 1) * self.frame_s
                if self.realtime:
                    delay = due - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                else:
                    await asyncio.sleep(0)  # let other tasks run between frames
                if self._recorder is not None:
                    start = due - self.frame_s - self._chain.latency_s
                    self._recorder.add_left(frame, start)
                self.frames_delivered += 1
                yield frame

    async def close(self) -> None:
        self._closed = True
        self._reader.close()

    async def __aenter__(self) -> WavMicrophone:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class WavSpeaker(BufferedOutput):
    """Writes what a speaker would have played to a WAV file, with the same accounting.

    Pacing:
      - "realtime": a task renders one `block_s` block per block duration of wall time,
        silence included, like a running sound card (started by the first play() or by
        `async with`).
      - "manual": nothing renders until `advance(seconds)` is called: deterministic tests.
      - "fast": queued audio is rendered back to back as soon as whole blocks are available,
        no prebuffer and no silence; drain()/close() render the remainder.
    `output_latency` simulates the device latency PortAudio would report.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        rate: int = API_RATE,
        channels: int = 1,
        sample_format: SampleFormat = "int16",
        pacing: Pacing = "realtime",
        block_s: float = 0.01,
        output_latency: float = 0.0,
        prebuffer_s: float = DEFAULT_PREBUFFER_S,
        max_prebuffer_s: float = DEFAULT_MAX_PREBUFFER_S,
        fade_s: float = DEFAULT_FADE_S,
        recorder: StereoRecorder | None = None,
    ) -> None:
        self.path = str(path)
        self.rate = rate
        self.channels = channels
        self.pacing = pacing
        self.block_frames = max(1, round(block_s * rate))
        self.output_latency = output_latency
        self._recorder = recorder
        self._tap = SampleRing(API_RATE * 4) if recorder is not None else None
        self.buffer = PlaybackBuffer(
            rate,
            prebuffer_s=0.0 if pacing == "fast" else prebuffer_s,
            max_prebuffer_s=0.0 if pacing == "fast" else max_prebuffer_s,
            fade_s=fade_s,
            tap=self._tap,
        )
        self._writer = WavWriter(path, rate, channels, sample_format)
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._clock_start: float | None = None
        self._next_block_at: float | None = None  # loop time of the next realtime render
        self._tap_pos = 0

    @property
    def frames_written(self) -> int:
        return self._writer.frames

    @property
    def write_error(self) -> OSError | None:
        """Why the file stopped growing (a full disk), or None."""
        return self._writer.error

    @property
    def time_s(self) -> float:
        """Seconds of output rendered so far (the speaker's own clock)."""
        return self.buffer.rendered_frames / self.rate

    def _render(self, n_frames: int) -> None:
        if self._clock_start is None:
            self._clock_start = asyncio.get_running_loop().time() if self._has_loop() else 0.0
        mono = self.buffer.render(n_frames, self.output_latency)
        self._writer.write(np.repeat(mono[:, None], self.channels, axis=1))
        if self._tap is not None and self._recorder is not None:
            data = self._tap.read()
            heard = self._clock_start + self.output_latency + self.buffer.resampler_delay_s
            self._recorder.add_right(data, heard + self._tap_pos / API_RATE)
            self._tap_pos += data.size

    @staticmethod
    def _has_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def start(self) -> None:
        """Start the realtime clock (no-op for other pacings)."""
        if self.pacing == "realtime" and self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run_clock())

    async def _run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        blocks = 0
        block_s = self.block_frames / self.rate
        while not self._closed:
            self._render(self.block_frames)
            blocks += 1
            self._next_block_at = start + blocks * block_s
            delay = self._next_block_at - loop.time()
            # Behind schedule (a slow event loop) renders the missed blocks back to back,
            # as a sound card's clock would not wait either.
            await asyncio.sleep(max(0.0, delay))

    def flush(self) -> dict[str, int]:
        """Silence within one block (with a short fade); item_id -> played ms. In realtime
        pacing, `audible_stop_at` is when that fade ends at the simulated DAC."""
        was_playing = self.buffer.primed
        report = self.buffer.flush()
        if self.pacing == "realtime" and self._next_block_at is not None and was_playing:
            # The asyncio clock is time.monotonic() on the default loop.
            next_block = max(self._next_block_at, time.monotonic())
            self.audible_stop_at = next_block + self.output_latency + self.buffer.fade_s
        else:
            self.audible_stop_at = None
        return report

    def advance(self, seconds: float) -> None:
        """Render `seconds` of output now, in blocks (the manual clock)."""
        total = round(seconds * self.rate)
        while total > 0 and not self._closed:
            n = min(self.block_frames, total)
            self._render(n)
            total -= n

    def play(self, pcm: PcmInput, item_id: str, content_index: int = 0) -> None:
        if self._closed:
            return
        # Arrival times drive the adaptive start; only the realtime clock has them.
        now = time.monotonic() if self.pacing == "realtime" else None
        self.buffer.play(pcm, item_id, content_index, now=now)
        if self.pacing == "realtime":
            self.start()
        elif self.pacing == "fast":
            ratio = self.rate / API_RATE
            while self.buffer.queued_samples * ratio >= self.block_frames + 1:
                self._render(self.block_frames)

    async def drain(self, timeout: float | None = None) -> None:
        """Render or wait until everything queued has been played."""
        if self.pacing == "realtime":
            loop = asyncio.get_running_loop()
            deadline = None if timeout is None else loop.time() + timeout
            while not self.buffer.idle and self._task is not None:
                if deadline is not None and loop.time() >= deadline:
                    return
                await asyncio.sleep(self.block_frames / self.rate)
            return
        # Virtual clock: render exactly the remainder, the resampler's tail and the latency.
        tail = self.buffer.resampler_delay_s + self.output_latency
        frames = math.ceil((self.buffer.queued_samples / API_RATE + tail) * self.rate) + 1
        if self.pacing == "manual":
            frames += round(self.buffer.prebuffer_samples / API_RATE * self.rate)
        for _ in range(1000):
            if self.buffer.idle:
                return
            self.advance(frames / self.rate)
            frames = self.block_frames

    async def close(self) -> None:
        """Stop rendering and finish the file (call drain() first to play everything)."""
        if self._closed:
            return
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._writer.close()

    def discard(self) -> None:
        """Drop the file (a run that never connected): an earlier file at the path stays.
        close() still stops the renderer."""
        if self._task is not None:
            self._task.cancel()
        self._writer.discard()

    async def __aenter__(self) -> WavSpeaker:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
