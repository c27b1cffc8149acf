"""The speaker on a PortAudio output device (sounddevice OutputStream)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.devices import (
    STREAM_BLOCK_S,
    STREAM_LATENCY,
    load_sounddevice,
    select_device,
    supported_rate,
)
from realtime_cli.audio.errors import AudioError, DeviceLostError
from realtime_cli.audio.far_end import FarEndReference
from realtime_cli.audio.interfaces import PcmInput
from realtime_cli.audio.playback_buffer import (
    DEFAULT_FADE_S,
    DEFAULT_MAX_PREBUFFER_S,
    DEFAULT_PREBUFFER_S,
    BufferedOutput,
    PlaybackBuffer,
)
from realtime_cli.audio.recorder import StereoRecorder
from realtime_cli.audio.ring_buffer import SampleRing, SampleSink, SampleTee
from realtime_cli.audio.sample_format import API_RATE

_TAP_PUMP_S = 0.05


class SoundDeviceSpeaker(BufferedOutput):
    """Plays 24 kHz PCM16 on an output device at its native rate.

    The stream runs continuously from `start()` (silence between utterances) so that the
    played-position accounting follows the device clock; the callback only calls
    `PlaybackBuffer.render` and copies the block to every output channel.

    `flush()` (barge-in) aborts and restarts the stream: PortAudio then drops what the
    device still holds, so the output falls silent at once instead of after the device
    latency, and the cut audio is taken off the accounting by its DAC time.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        rate: int | None = None,
        channels: int | None = None,
        block_s: float = STREAM_BLOCK_S,
        latency: str | float = STREAM_LATENCY,
        prebuffer_s: float = DEFAULT_PREBUFFER_S,
        max_prebuffer_s: float = DEFAULT_MAX_PREBUFFER_S,
        fade_s: float = DEFAULT_FADE_S,
        recorder: StereoRecorder | None = None,
        far_end: FarEndReference | None = None,
    ) -> None:
        self.device = select_device(device, "output")
        self.channels = channels or min(self.device.max_output_channels, 2)
        self.rate = supported_rate(self.device, "output", self.channels, rate)
        self._block = max(1, round(block_s * self.rate))
        self._latency = latency
        self._recorder = recorder
        self._tap = SampleRing(API_RATE * 4) if recorder is not None else None
        # The echo canceller's reference is exactly what the buffer hands to the device.
        self._far_end = far_end
        sinks: list[SampleSink] = [s for s in (self._tap, far_end) if s is not None]
        tap = SampleTee(*sinks) if len(sinks) > 1 else next(iter(sinks), None)
        self.buffer = PlaybackBuffer(
            self.rate,
            prebuffer_s=prebuffer_s,
            max_prebuffer_s=max_prebuffer_s,
            fade_s=fade_s,
            tap=tap,
        )
        self._stream: Any = None
        self._nominal_latency = 0.0
        self._tap_start: float | None = None
        self._tap_pos = 0
        self._pump: asyncio.Task[None] | None = None
        self._closing = False
        self._lost = False
        self._block_without_dac_time = False  # the latest block's DAC time was estimated
        self._told_no_dac_time = False
        self._cutting = False  # an abort on purpose is not a lost device
        self.device_underflows = 0  # PortAudio's output_underflow flags

    def start(self) -> None:
        """Open and start the stream (also done by `async with` and the first play())."""
        if self._stream is not None:
            return
        if self._lost:
            raise self._lost_error()
        self._open()
        if self._recorder is not None:
            self._pump = asyncio.get_running_loop().create_task(self._pump_tap())

    def _open(self) -> None:
        sd = load_sounddevice()
        try:
            self._stream = sd.OutputStream(
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
            if self._far_end is not None:
                self._far_end.restart()
            self._stream.start()
        except Exception as exc:
            self._stream = None
            raise AudioError(
                f"cannot open output device {self.device.index} ({self.device.name}): {exc}"
            ) from exc

    def _callback(
        self, outdata: NDArray[np.float32], frames: int, time_info: Any, status: Any
    ) -> None:
        if status.output_underflow:
            self.device_underflows += 1
        now = time.monotonic()
        latency = time_info.outputBufferDacTime - time_info.currentTime
        # Some hosts report 0 (or garbage) on the first callbacks; use the stream's figure.
        no_dac_time = not 0.0 < latency < 2.0
        if no_dac_time:
            latency = self._nominal_latency
        self._block_without_dac_time = no_dac_time
        if self._tap_start is None:
            self._tap_start = now + latency + self.buffer.resampler_delay_s
        if self._far_end is not None:
            self._far_end.anchor(self.buffer.emitted_position, now + latency, estimated=no_dac_time)
        outdata[:] = self.buffer.render(frames, latency, now)[:, None]

    def _on_finished(self) -> None:
        if not self._closing and not self._cutting:
            self._lost = True

    def _lost_error(self) -> DeviceLostError:
        notices = self._notices or []
        return DeviceLostError(
            notices[-1]
            if notices
            else f"output device {self.device.index} ({self.device.name}) stopped (disconnected?)"
        )

    def flush(self) -> dict[str, int]:
        """Silence now: abort the stream (the device drops what it holds), take the cut
        audio off the accounting by its DAC time, restart; item_id -> played ms."""
        stream = self._stream
        if stream is None or self._lost:
            self.audible_stop_at = time.monotonic()
            return self.buffer.flush()
        # What is cut is placed by the latest block's DAC time: only when that one was
        # missing does the truncation rest on the nominal latency. Hosts that leave it out
        # on a stream's first callbacks only (PulseAudio: two) are not such devices.
        if self._block_without_dac_time and not self._told_no_dac_time:
            self._told_no_dac_time = True
            self._notice(
                f"output device {self.device.index} reports no DAC time: barge-in truncation "
                f"assumes its nominal latency of {self._nominal_latency * 1000:.0f} ms"
            )
        self._cutting = True
        try:
            try:
                stream.abort()
            except Exception as exc:
                # Not fatal: the buffer's own flush still stops within the device latency.
                self._notice(f"could not cut the output at once ({exc}); it stops after a fade")
                report = self.buffer.flush()
                self.audible_stop_at = time.monotonic() + self._nominal_latency
                return report
            self.audible_stop_at = now = time.monotonic()
            report = self.buffer.cut(now)
            self._restart(stream)
            return report
        finally:
            self._cutting = False

    def _restart(self, stream: Any) -> None:
        if self._far_end is not None:
            # The device dropped what it held: the timeline meets the DAC earlier now.
            self._far_end.restart()
        try:
            stream.start()
            return
        except Exception as first:
            self._stream = None
            with contextlib.suppress(Exception):
                stream.close()
            try:
                self._open()  # a new stream on the same device
            except Exception as exc:
                self._lost = True
                self._notice(
                    f"output device {self.device.index} ({self.device.name}) did not restart "
                    f"after a barge-in: {first}; reopening failed: {exc}"
                )

    def play(self, pcm: PcmInput, item_id: str, content_index: int = 0) -> None:
        """Queue 24 kHz PCM16 audio of an item; starts the stream on first use."""
        if self._lost:
            raise self._lost_error()
        self.start()
        self.buffer.play(pcm, item_id, content_index, now=time.monotonic())

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until everything queued has reached the listener (or the device is lost)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.buffer.idle and not self._lost and self._stream is not None:
            if deadline is not None and time.monotonic() >= deadline:
                return
            await asyncio.sleep(0.01)

    async def _pump_tap(self) -> None:
        while True:
            await asyncio.sleep(_TAP_PUMP_S)
            self._drain_tap()

    def _drain_tap(self) -> None:
        if self._tap is None or self._recorder is None or self._tap_start is None:
            return
        data = self._tap.read()
        if data.size:
            self._recorder.add_right(data, self._tap_start + self._tap_pos / API_RATE)
            self._tap_pos += data.size

    async def close(self) -> None:
        """Stop the stream now (call drain() first to let queued audio finish)."""
        self._closing = True
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(_abort_stream, stream)
        self._drain_tap()

    async def __aenter__(self) -> SoundDeviceSpeaker:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _abort_stream(stream: Any) -> None:
    try:
        stream.abort()
    finally:
        stream.close()
