"""Play a signal on an output device while recording an input device, lined up in time.

Two separate PortAudio streams rather than one duplex stream: a duplex stream needs both
devices on one host API at one sample rate, while `rt talk` opens each device at its own
rate, and these are the rates the self-test should exercise. The two streams are lined up
on the monotonic clock: each callback reads the clock, and the earliest-looking reading
(the callback that ran with the least scheduling delay) fixes where sample 0 of each stream
sits in time.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.devices import DeviceInfo, load_sounddevice
from realtime_cli.audio.errors import AudioError, DeviceLostError
from realtime_cli.audio.sample_format import downmix

__all__ = ["LoopbackRecording", "play_and_record"]

FloatArray = NDArray[np.float32]

_POLL_S = 0.02
# Recording room beyond the planned length, for an output stream that starts late.
_SLACK_S = 2.0
# How long devices may take to open, start and deliver their first blocks.
_STARTUP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class LoopbackRecording:
    """The input device's audio while the signal played, and where the signal sits in it."""

    #: Mono float32 at `input_rate`.
    samples: FloatArray
    input_rate: int
    output_rate: int
    #: Fractional index into `samples` at which the signal's first sample was handed to the
    #: output device; an echo found at index i is (i - signal_start) / input_rate late.
    signal_start: float
    #: The same for the sample after the signal's last one.
    signal_end: float
    input_overflows: int
    output_underflows: int


class _Duplex:
    """The two callbacks and what they share with the waiting thread."""

    def __init__(self, timeline: FloatArray, capacity: int, in_rate: int, out_rate: int) -> None:
        self.timeline = timeline
        self.buffer = np.zeros(capacity, dtype=np.float32)
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.in_pos = 0
        self.out_pos = 0
        self.in_t0 = math.inf
        self.out_t0 = math.inf
        self.overflows = 0
        self.underflows = 0

    def on_input(self, indata: FloatArray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        pos = self.in_pos
        end = pos + frames
        # Samples [pos, end) are in hand now, so sample 0 arrived no later than this.
        self.in_t0 = min(self.in_t0, now - end / self.in_rate)
        n = min(frames, self.buffer.size - pos)
        if n > 0:
            downmix(indata[:n], self.buffer[pos : pos + n])
        self.in_pos = end

    def on_output(self, outdata: FloatArray, frames: int, time_info: Any, status: Any) -> None:
        now = time.monotonic()
        if status.output_underflow:
            self.underflows += 1
        pos = self.out_pos
        # Sample `pos` is handed over now; at a steady pace sample 0 went this long ago.
        self.out_t0 = min(self.out_t0, now - pos / self.out_rate)
        n = max(0, min(frames, self.timeline.size - pos))
        outdata[:n] = self.timeline[pos : pos + n, None]
        outdata[n:] = 0.0
        self.out_pos = pos + frames

    def input_index(self, output_index: int) -> float:
        """Where output sample `output_index` falls in the recording (fractional)."""
        at = self.out_t0 + output_index / self.out_rate
        return (at - self.in_t0) * self.in_rate


def play_and_record(
    input_device: DeviceInfo,
    output_device: DeviceInfo,
    signal: NDArray[np.floating],
    *,
    input_rate: int,
    output_rate: int,
    lead_s: float,
    tail_s: float,
    block_s: float = 0.01,
    latency: str | float = "low",
) -> LoopbackRecording:
    """Record `input_device`; after `lead_s` of silence play `signal` (mono, at
    `output_rate`) on `output_device`; stop `tail_s` after the signal ended.

    Blocks for about lead + signal + tail. Raises `AudioError` when a device cannot be opened
    and `DeviceLostError` when one stops delivering audio.
    """
    sd = load_sounddevice()
    lead = round(lead_s * output_rate)
    sig = np.asarray(signal, dtype=np.float32)
    timeline = np.concatenate([np.zeros(lead, dtype=np.float32), sig])
    planned_s = lead_s + sig.size / output_rate + tail_s
    state = _Duplex(
        timeline, math.ceil((planned_s + _SLACK_S) * input_rate), input_rate, output_rate
    )
    streams: list[Any] = []
    try:
        for kind, device, rate, channels, callback in (
            ("input", input_device, input_rate, input_device.max_input_channels, state.on_input),
            (
                "output",
                output_device,
                output_rate,
                output_device.max_output_channels,
                state.on_output,
            ),
        ):
            make = sd.InputStream if kind == "input" else sd.OutputStream
            try:
                stream = make(
                    device=device.index,
                    samplerate=rate,
                    channels=min(channels, 2),
                    dtype="float32",
                    blocksize=max(1, round(block_s * rate)),
                    latency=latency,
                    callback=callback,
                )
                streams.append(stream)
                stream.start()
            except Exception as exc:  # sounddevice raises PortAudioError or ValueError
                raise AudioError(
                    f"cannot open {kind} device {device.index} ({device.name}): {exc}"
                ) from exc
        deadline = time.monotonic() + planned_s + _STARTUP_TIMEOUT_S
        while not _finished(state, tail_s):
            if time.monotonic() > deadline:
                raise _stall_error(state, input_device, output_device)
            time.sleep(_POLL_S)
    finally:
        for stream in streams:
            _close(stream)
    recorded = min(state.in_pos, state.buffer.size)
    return LoopbackRecording(
        samples=state.buffer[:recorded],
        input_rate=input_rate,
        output_rate=output_rate,
        signal_start=state.input_index(lead),
        signal_end=state.input_index(timeline.size),
        input_overflows=state.overflows,
        output_underflows=state.underflows,
    )


def _close(stream: Any) -> None:
    # The measurement is over (or already failed); a device that also fails to stop must not
    # hide that, nor keep the other stream open.
    with contextlib.suppress(Exception):
        stream.abort()
    with contextlib.suppress(Exception):
        stream.close()


def _finished(state: _Duplex, tail_s: float) -> bool:
    if state.in_pos >= state.buffer.size:
        return True
    if state.out_pos < state.timeline.size or state.in_pos == 0:
        return False
    return state.in_pos >= state.input_index(state.timeline.size) + tail_s * state.in_rate


def _stall_error(state: _Duplex, inp: DeviceInfo, out: DeviceInfo) -> DeviceLostError:
    if state.in_pos == 0:
        return DeviceLostError(f"input device {inp.index} ({inp.name}) delivered no audio")
    if state.out_pos < state.timeline.size:
        return DeviceLostError(f"output device {out.index} ({out.name}) stopped playing")
    return DeviceLostError(f"input device {inp.index} ({inp.name}) stopped delivering audio")
