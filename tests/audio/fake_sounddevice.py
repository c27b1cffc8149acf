"""A stand-in for the sounddevice module: streams whose callbacks the test drives."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np


class _Flags:
    input_overflow = False
    output_underflow = False


class FakeStream:
    def __init__(
        self,
        *,
        device: int,
        samplerate: float,
        channels: int,
        dtype: str,
        blocksize: int,
        latency: object,
        callback: Callable[..., None],
        finished_callback: Callable[[], None],
    ) -> None:
        self.device = device
        self.samplerate = samplerate
        self.channels = channels
        self.blocksize = blocksize
        self.callback = callback
        self.finished_callback = finished_callback
        self.latency = 0.04
        self.started = self.stopped = self.closed = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True
        self.finished_callback()

    abort = stop

    def close(self) -> None:
        self.closed = True

    def feed(self, block: np.ndarray) -> None:
        """Deliver one input block as PortAudio would."""
        t = SimpleNamespace(currentTime=1.0, inputBufferAdcTime=1.0 - 0.01)
        self.callback(block, block.shape[0], t, _Flags())

    def pull(self, frames: int, latency: float) -> np.ndarray:
        """Ask for one output block, reporting `latency` until it reaches the DAC."""
        out = np.full((frames, self.channels), np.nan, dtype=np.float32)
        t = SimpleNamespace(currentTime=2.0, outputBufferDacTime=2.0 + latency)
        self.callback(out, frames, t, _Flags())
        return out

    def disconnect(self) -> None:
        """The device vanishes: PortAudio ends the stream on its own."""
        self.finished_callback()


class FakeSoundDevice:
    """Module-like object with two devices: 0 a stereo 48 kHz mic, 1 a stereo 44.1 kHz output."""

    def __init__(self, accepted_rates: set[int] | None = None) -> None:
        self.accepted_rates = accepted_rates
        self.streams: list[FakeStream] = []
        self.default = SimpleNamespace(device=[0, 1])

    def query_hostapis(self) -> tuple[dict[str, Any], ...]:
        return ({"name": "ALSA"},)

    def query_devices(self) -> list[dict[str, Any]]:
        return [
            {"index": 0, "name": "USB Mic", "hostapi": 0, "max_input_channels": 2,
             "max_output_channels": 0, "default_samplerate": 48000.0},
            {"index": 1, "name": "Speakers", "hostapi": 0, "max_input_channels": 0,
             "max_output_channels": 2, "default_samplerate": 44100.0},
        ]  # fmt: skip

    def _check(self, *, device: int, channels: int, dtype: str, samplerate: float) -> None:
        if self.accepted_rates is not None and int(samplerate) not in self.accepted_rates:
            raise ValueError("Invalid sample rate")

    check_input_settings = _check
    check_output_settings = _check

    def InputStream(self, **kwargs: Any) -> FakeStream:
        stream = FakeStream(**kwargs)
        self.streams.append(stream)
        return stream

    OutputStream = InputStream
