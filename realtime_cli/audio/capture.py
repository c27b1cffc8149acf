"""The microphone on a PortAudio input device (sounddevice InputStream)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.devices import (
    STREAM_BLOCK_S,
    STREAM_LATENCY,
    load_sounddevice,
    select_device,
    supported_rate,
)
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.audio.errors import AudioError, DeviceLostError
from realtime_cli.audio.frame_assembler import DEFAULT_FRAME_SAMPLES
from realtime_cli.audio.recorder import StereoRecorder
from realtime_cli.audio.ring_buffer import SampleRing
from realtime_cli.audio.sample_clock import SampleClock
from realtime_cli.audio.sample_format import API_RATE, downmix

Int16Array = NDArray[np.int16]


class SoundDeviceMicrophone:
    """Captures from an input device at its native rate and yields 24 kHz int16 frames.

    The PortAudio callback only downmixes into a preallocated scratch buffer, writes the
    bounded `SampleRing` and schedules a wake-up on the event loop; resampling and framing
    happen in the consuming task. Use `async with` or call `close()`.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        rate: int | None = None,
        channels: int | None = None,
        frame_samples: int = DEFAULT_FRAME_SAMPLES,
        block_s: float = STREAM_BLOCK_S,
        latency: str | float = STREAM_LATENCY,
        ring_s: float = 2.0,
        silence_timeout_s: float | None = 2.0,
        stall_timeout_s: float = 2.0,
        recorder: StereoRecorder | None = None,
        echo: EchoControl | None = None,
    ) -> None:
        self.device = select_device(device, "input")
        self.channels = channels or min(self.device.max_input_channels, 2)
        self.rate = supported_rate(self.device, "input", self.channels, rate)
        self.frame_samples = frame_samples
        self._block = max(1, round(block_s * self.rate))
        self._latency = latency
        self._ring = SampleRing(max(self._block * 4, round(ring_s * self.rate)))
        self._chain = CaptureChain(self.rate, frame_samples=frame_samples)
        self._scratch = np.zeros(self._block * 8, dtype=np.float32)
        self._silence_timeout = silence_timeout_s
        self._stall_timeout = stall_timeout_s
        self._recorder = recorder
        # Echo cancellation needs each frame's ADC time: the callback anchors the stream's
        # sample index to it on every block.
        self.echo = echo
        self._clock = SampleClock(self.rate) if echo is not None else None
        self._index_offset = 0  # device sample index minus chain input index (ring overflows)
        self._chain_frames = 0
        self._frames: deque[Int16Array] = deque()
        self._frames_out = 0
        self._stream: Any = None
        self._nominal_latency = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()
        self._wake_pending = False
        self._closing = False
        self._closed = False
        self._lost = False
        self._finished = False
        self._first_sample_time: float | None = None
        self.device_overflows = 0  # PortAudio's input_overflow flags

    @property
    def silent(self) -> bool:
        """Whether the device has sent only exact zeros for `silence_timeout_s` since it
        opened (muted, noise-gated or not permitted); capture goes on regardless."""
        limit = self._silence_timeout
        return limit is not None and self._chain.leading_silence_s >= limit

    @property
    def overflows(self) -> int:
        """Times the ring buffer was full and the oldest audio was dropped."""
        return self._ring.overflows

    def start(self) -> None:
        """Open and start the stream (called by `async with` or the first iteration)."""
        if self._stream is not None:
            return
        sd = load_sounddevice()
        self._loop = asyncio.get_running_loop()
        try:
            self._stream = sd.InputStream(
                device=self.device.index,
                samplerate=self.rate,
                channels=self.channels,
                dtype="float32",
                blocksize=self._block,
                latency=self._latency,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
            self._nominal_latency = float(self._stream.latency)
            self._stream.start()
        except Exception as exc:
            self._stream = None
            raise AudioError(
                f"cannot open input device {self.device.index} ({self.device.name}): {exc}"
            ) from exc

    def _callback(
        self, indata: NDArray[np.float32], frames: int, time_info: Any, status: Any
    ) -> None:
        if status.input_overflow:
            self.device_overflows += 1
        if self._first_sample_time is None:
            age = time_info.currentTime - time_info.inputBufferAdcTime
            if not 0.0 <= age < 1.0:
                age = frames / self.rate
            self._first_sample_time = time.monotonic() - age
        if self._clock is not None:
            age = time_info.currentTime - time_info.inputBufferAdcTime
            if not 0.0 <= age < 1.0:
                age = frames / self.rate + self._nominal_latency
            self._clock.anchor(self._ring.total_written, time.monotonic() - age)
        if frames <= self._scratch.size:
            self._ring.write(downmix(indata, self._scratch))
        else:
            self._ring.write(downmix(indata))
        self._wake()

    def _on_finished(self) -> None:
        if not self._closing:
            self._lost = True
        self._finished = True
        self._wake()

    def _wake(self) -> None:
        loop = self._loop
        if loop is not None and not self._wake_pending:
            self._wake_pending = True
            # A closed loop means nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._set_event)

    def _set_event(self) -> None:
        self._wake_pending = False
        self._event.set()

    def __aiter__(self) -> AsyncIterator[Int16Array]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Int16Array]:
        self.start()
        while True:
            while self._frames:
                frame = self._frames.popleft()
                self._record(frame)
                yield frame
            if self._closed:
                return
            first_index, data = self._ring.read_indexed()
            if data.size:
                self._index_offset = first_index - self._chain.input_samples
                self._frames.extend(self._cancel_echo(self._chain.push(data)))
                continue
            if self._lost or self._finished:
                # Keep what was recorded: the resampler tail and the partial last frame.
                self._frames.extend(self._cancel_echo(self._chain.finish()))
                self._closed = True
                await self._stop_stream()
                if self._lost:
                    while self._frames:
                        frame = self._frames.popleft()
                        self._record(frame)
                        yield frame
                    raise DeviceLostError(
                        f"input device {self.device.index} ({self.device.name}) stopped "
                        "delivering audio (disconnected?); capture ended"
                    )
                continue
            self._event.clear()
            if len(self._ring):
                continue
            try:
                # Not wait_for: on Python 3.11 it can swallow a cancellation that arrives as
                # the event is set, and a frame every 10 ms makes that race likely.
                async with asyncio.timeout(self._stall_timeout):
                    await self._event.wait()
            except TimeoutError:
                if not len(self._ring):
                    self._lost = True

    def _cancel_echo(self, frames: list[Int16Array]) -> list[Int16Array]:
        echo, clock = self.echo, self._clock
        if echo is None or clock is None:
            return frames
        out = []
        ratio = self.rate / API_RATE
        for frame in frames:
            # The frame's first sample left the ADC the capture chain's delay before the
            # device sample at the same stream position.
            index = self._chain_frames * self.frame_samples * ratio + self._index_offset
            at = clock.time_at(index)
            start = None if at is None else at - self._chain.latency_s
            out.append(echo.process(frame, start))
            self._chain_frames += 1
        return out

    def _record(self, frame: Int16Array) -> None:
        if self._recorder is not None and self._first_sample_time is not None:
            start = (
                self._first_sample_time
                + self._frames_out * self.frame_samples / API_RATE
                - self._chain.latency_s
            )
            self._recorder.add_left(frame, start)
        self._frames_out += 1

    async def _stop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            self._closing = True
            # stop() joins the PortAudio thread; keep it off the event loop.
            await asyncio.to_thread(_close_stream, stream)

    async def close(self) -> None:
        """Stop the stream; frames already captured are still yielded, then iteration ends."""
        self._closing = True
        await self._stop_stream()
        self._finished = True
        self._event.set()

    async def __aenter__(self) -> SoundDeviceMicrophone:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _close_stream(stream: Any) -> None:
    try:
        stream.stop()
    finally:
        stream.close()
