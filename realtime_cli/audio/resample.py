"""Streaming sample-rate conversion with a few milliseconds of added latency.

The default converter is a linear-phase polyphase FIR (Kaiser window) for any rational ratio
with a small numerator, designed for >= 90 dB stopband starting at the lower Nyquist
frequency, so every alias is rejected by >= 80 dB. Its latency is the filter's group delay
(about 1.8 ms for 48 kHz <-> 24 kHz) and it never holds output back: after T input samples
it has emitted ceil(T * out_rate / in_rate) output samples. soxr's streaming mode holds back
21 ms on average (38 ms peak) at HQ, so it is only the fallback for unusual ratios.
RESAMPLING.md has the measurements.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]

#: Largest interpolation factor handled by the polyphase FIR; beyond it the tap table grows
#: past a few hundred kB and soxr becomes the better tool.
MAX_POLYPHASE_UP = 320
#: Stopband attenuation the FIR is designed for (dB); measured rejection is above 85 dB.
DESIGN_ATTENUATION_DB = 90.0
# Per-residue matmuls beat a gather while the number of filter phases is small.
_RESIDUE_LOOP_MAX_UP = 16


class Resampler(Protocol):
    """A stateful mono float32 rate converter: feed blocks of any size, get output blocks."""

    @property
    def in_rate(self) -> int: ...

    @property
    def out_rate(self) -> int: ...

    @property
    def group_delay_s(self) -> float:
        """The converter's nominal added latency in seconds."""
        ...

    def process(self, block: FloatArray) -> FloatArray:
        """Convert the next block; returns every output sample that is ready."""
        ...

    def pending_input(self) -> float:
        """Input samples consumed whose effect has not yet been emitted (exact for the FIR)."""
        ...

    def output_available(self, extra_input: int) -> int:
        """How many output samples `extra_input` more input samples would release."""
        ...


@dataclass(frozen=True)
class FilterDesign:
    """The prototype low-pass filter of a polyphase converter."""

    up: int
    down: int
    passband_hz: float
    stopband_hz: float
    taps: int
    taps_per_phase: int

    def group_delay_s(self, in_rate: int) -> float:
        """The linear-phase filter's group delay in seconds."""
        return (self.taps - 1) / 2.0 / (in_rate * self.up)


def rational_ratio(in_rate: int, out_rate: int) -> tuple[int, int]:
    """(up, down) with out_rate / in_rate == up / down in lowest terms."""
    g = math.gcd(in_rate, out_rate)
    return out_rate // g, in_rate // g


def design_filter(
    in_rate: int, out_rate: int, attenuation_db: float = DESIGN_ATTENUATION_DB
) -> tuple[FilterDesign, FloatArray]:
    """Design the polyphase table for in_rate -> out_rate.

    Returns the design and a (up, taps_per_phase) float32 table, each row reversed so that a
    window of input samples in time order dots with it directly.
    """
    return _design_cached(in_rate, out_rate, attenuation_db)


@lru_cache(maxsize=16)
def _design_cached(
    in_rate: int, out_rate: int, attenuation_db: float
) -> tuple[FilterDesign, FloatArray]:
    up, down = rational_ratio(in_rate, out_rate)
    stop = min(in_rate, out_rate) / 2.0
    # A relative transition band of 12.5 % keeps the delay under 2 ms for 44.1/48 kHz; low
    # rates get at least 1 kHz so 8/16 kHz devices stay under 5 ms.
    transition = min(max(0.125 * stop, 1000.0), 0.25 * stop)
    passband = stop - transition
    fs_up = float(in_rate * up)
    beta = 0.1102 * (attenuation_db - 8.7)
    n = math.ceil((attenuation_db - 7.95) / (2.285 * 2.0 * math.pi * transition / fs_up)) + 1
    per_phase = math.ceil(n / up)
    fc = (passband + stop) / 2.0 / fs_up
    centre = (n - 1) / 2.0
    k = np.arange(n, dtype=np.float64)
    h = 2.0 * fc * np.sinc(2.0 * fc * (k - centre)) * np.kaiser(n, beta)
    padded = np.zeros(per_phase * up, dtype=np.float64)
    padded[:n] = h
    table = padded.reshape(per_phase, up).T.copy()  # table[phase, t] = h[phase + t * up]
    # Each phase sums to exactly 1 so DC passes without phase-dependent ripple.
    table /= table.sum(axis=1, keepdims=True)
    reversed_rows = np.ascontiguousarray(table[:, ::-1], dtype=np.float32)
    design = FilterDesign(up, down, passband, stop, n, per_phase)
    return design, reversed_rows


class PolyphaseResampler:
    """Linear-phase polyphase FIR converter for rational ratios (the default).

    State (the last taps_per_phase - 1 inputs and the sample counters) persists across
    calls, so blockwise output is identical to one-shot output whatever the block sizes.
    """

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self._in_rate = in_rate
        self._out_rate = out_rate
        self.design, self._table = design_filter(in_rate, out_rate)
        self._up = self.design.up
        self._down = self.design.down
        k = self.design.taps_per_phase
        self._k = k
        self._history = np.zeros(k - 1, dtype=np.float32)
        self._n_in = 0
        self._n_out = 0
        self._offsets = np.arange(k)  # window offsets for the gather path

    @property
    def in_rate(self) -> int:
        return self._in_rate

    @property
    def out_rate(self) -> int:
        return self._out_rate

    @property
    def group_delay_s(self) -> float:
        return self.design.group_delay_s(self._in_rate)

    def _outputs_for(self, total_in: int) -> int:
        # Output n needs input floor(n * down / up); ceil(total_in * up / down) are ready.
        return -(-total_in * self._up // self._down)

    def output_available(self, extra_input: int) -> int:
        return self._outputs_for(self._n_in + extra_input) - self._n_out

    def input_needed(self, n_out: int) -> int:
        """Fewest further input samples that release at least n_out output samples."""
        target = self._n_out + n_out
        if target <= 0:
            return 0
        total = (target - 1) * self._down // self._up + 1
        return max(0, total - self._n_in)

    def pending_input(self) -> float:
        centre = (self.design.taps - 1) / 2.0
        return self._n_in - (self._n_out * self._down - centre) / self._up

    def process(self, block: FloatArray) -> FloatArray:
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        k = self._k
        base = self._n_in - (k - 1)  # global input index of buf[0]
        buf = np.concatenate((self._history, x)) if k > 1 else x
        self._n_in += x.size
        first = self._n_out
        last = self._outputs_for(self._n_in)
        count = last - first
        if k > 1:
            self._history = buf[buf.size - (k - 1) :].copy()
        if count <= 0:
            return np.zeros(0, dtype=np.float32)
        self._n_out = last
        up, down = self._up, self._down
        out = np.empty(count, dtype=np.float32)
        if up <= _RESIDUE_LOOP_MAX_UP:
            windows = sliding_window_view(buf, k)
            for r in range(min(up, count)):
                n = first + r
                phase = (n * down) % up
                start = (n * down) // up - base - (k - 1)
                # Outputs n, n+up, n+2up... share a phase and advance by `down` inputs.
                rows = windows[start : start + down * ((count - r + up - 1) // up) : down]
                out[r::up] = rows @ self._table[phase]
        else:
            idx = np.arange(first, last, dtype=np.int64)
            phases = (idx * down) % up
            ends = (idx * down) // up - base
            windows_g = buf[ends[:, None] - (k - 1) + self._offsets[None, :]]
            out[:] = np.einsum("ij,ij->i", windows_g, self._table[phases])
        return out


class PassthroughResampler:
    """Equal rates: returns the input unchanged (no delay)."""

    def __init__(self, rate: int) -> None:
        self._rate = rate

    @property
    def in_rate(self) -> int:
        return self._rate

    @property
    def out_rate(self) -> int:
        return self._rate

    @property
    def group_delay_s(self) -> float:
        return 0.0

    def process(self, block: FloatArray) -> FloatArray:
        return np.asarray(block, dtype=np.float32).reshape(-1)

    def pending_input(self) -> float:
        return 0.0

    def output_available(self, extra_input: int) -> int:
        return extra_input


class SoxrResampler:
    """soxr's streaming converter: the fallback for ratios the polyphase FIR does not cover.

    HQ streaming holds back about 21 ms (38 ms peak) of output and releases it in bursts.
    """

    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        soxr = importlib.import_module("soxr")  # only needed for unusual rates
        self._in_rate = in_rate
        self._out_rate = out_rate
        self._stream: Any = soxr.ResampleStream(
            in_rate, out_rate, 1, dtype="float32", quality=quality
        )
        self._n_in = 0
        self._n_out = 0

    @property
    def in_rate(self) -> int:
        return self._in_rate

    @property
    def out_rate(self) -> int:
        return self._out_rate

    @property
    def group_delay_s(self) -> float:
        return float(self._stream.delay()) / self._out_rate

    def process(self, block: FloatArray) -> FloatArray:
        x = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
        y: FloatArray = self._stream.resample_chunk(x)
        self._n_in += x.size
        self._n_out += y.size
        return y

    def pending_input(self) -> float:
        return max(0.0, self._n_in - self._n_out * self._in_rate / self._out_rate)

    def output_available(self, extra_input: int) -> int:
        # soxr releases output in bursts; this is the steady-state estimate.
        return int(extra_input * self._out_rate / self._in_rate)


def make_resampler(in_rate: int, out_rate: int) -> Resampler:
    """The lowest-latency converter that meets the alias-rejection target for these rates."""
    if in_rate <= 0 or out_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
    if in_rate == out_rate:
        return PassthroughResampler(in_rate)
    up, _ = rational_ratio(in_rate, out_rate)
    if up <= MAX_POLYPHASE_UP:
        return PolyphaseResampler(in_rate, out_rate)
    return SoxrResampler(in_rate, out_rate)
