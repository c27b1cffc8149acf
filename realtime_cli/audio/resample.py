"""Streaming sample-rate conversion with a few milliseconds of added latency.

The default converter is a linear-phase polyphase FIR (Kaiser window) for any rational ratio
with a small numerator, designed for >= 90 dB stopband starting at the lower Nyquist
frequency, so every alias is rejected by >= 80 dB. Its latency is the filter's group delay
(about 1.8 ms for 48 kHz <-> 24 kHz) and it never holds output back: after T input samples
it has emitted ceil(T * out_rate / in_rate) output samples. soxr's streaming mode holds back
21 ms on average (38 ms peak) at HQ, so it is only the fallback for unusual ratios.
docs/resampling.md has the measurements.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]

#: Largest interpolation factor handled by the polyphase FIR; beyond it the tap table grows
#: past a few hundred kB and soxr becomes the better tool.
MAX_POLYPHASE_UP = 320
#: Stopband attenuation the FIR is designed for (dB); measured rejection is above 85 dB.
DESIGN_ATTENUATION_DB = 90.0


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


@dataclass(frozen=True)
class BlockLayout:
    """How a polyphase table is laid out as one dense matrix for block processing.

    Output samples are grouped in rows of `row_out` (whole periods of the phase pattern, so
    every row starts at phase 0); row q reads `window` consecutive inputs starting at
    q * row_in - (taps_per_phase - 1). `matrix[:, j]` holds the taps of the row's j-th
    output at the offset of its window, zeros elsewhere.
    """

    row_out: int
    row_in: int
    window: int
    matrix: FloatArray


#: Outputs per matrix row. Wider rows copy fewer overlapping window samples but multiply more
#: zero taps (a row's window is taps_per_phase + about row_in inputs). For 48 <-> 24 kHz,
#: 16 to 64 measured within 10 % of each other; ratios with up > 32 use one period per row.
_ROW_OUTPUTS = 32


def block_layout(in_rate: int, out_rate: int) -> BlockLayout:
    """The dense matrix form of the polyphase table for in_rate -> out_rate (cached)."""
    return _layout_cached(in_rate, out_rate)


@lru_cache(maxsize=16)
def _layout_cached(in_rate: int, out_rate: int) -> BlockLayout:
    design, table = design_filter(in_rate, out_rate)
    up, down, k = design.up, design.down, design.taps_per_phase
    periods = max(1, round(_ROW_OUTPUTS / up))
    row_out, row_in = periods * up, periods * down
    window = k + (row_out - 1) * down // up
    matrix = np.zeros((window, row_out), dtype=np.float32)
    for j in range(row_out):
        start = j * down // up  # row-relative start of output j's window
        matrix[start : start + k, j] = table[j * down % up]
    matrix.setflags(write=False)
    return BlockLayout(row_out, row_in, window, matrix)


class PolyphaseResampler:
    """Linear-phase polyphase FIR converter for rational ratios (the default).

    Each call copies the input windows of whole output rows into a contiguous scratch
    matrix and multiplies it by the dense tap matrix (one BLAS sgemm): the strided
    sliding-window view that a direct FIR needs cannot go to BLAS, and numpy's fallback
    loop was ten times slower. Rows are aligned to the global output index, so a row that
    a previous call already started is recomputed from the same inputs with the same taps;
    inputs not yet received are zeros and the outputs that depend on them are not emitted.

    State (the inputs from the start of the next row's window, and the sample counters)
    persists across calls, so blockwise output equals one-shot output whatever the block
    sizes (to float32 rounding: BLAS may order sums differently for different row counts).
    """

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self._in_rate = in_rate
        self._out_rate = out_rate
        self.design, self._table = design_filter(in_rate, out_rate)
        self.layout = block_layout(in_rate, out_rate)
        self._up = self.design.up
        self._down = self.design.down
        k = self.design.taps_per_phase
        if k - 1 < -(-self._down // self._up):
            # The kept history must reach back to the next row's first window.
            raise ValueError(f"filter too short for {in_rate} -> {out_rate}")
        self._n_in = 0
        self._n_out = 0
        # _buf[0] is the first input of the next row's window; before any input that is
        # global index -(k - 1), and the history is k - 1 zeros.
        self._held = k - 1
        self._buf = np.zeros(0, dtype=np.float32)
        self._rows_view = self._buf.reshape(0, 0)
        self._scratch = self._buf.reshape(0, 0)
        self._reserve(max(4096, 4 * self.layout.window))

    def _reserve(self, capacity: int) -> None:
        """Grow the input buffer and the window views (only for blocks larger than seen)."""
        old = self._buf
        self._buf = np.zeros(capacity, dtype=np.float32)
        kept = min(self._held, old.size)  # the initial history is zeros
        self._buf[:kept] = old[:kept]
        lay = self.layout
        rows = (capacity - lay.window) // lay.row_in + 1
        # Overlapping rows: row q starts row_in samples after row q - 1. Built once, sliced
        # per call, because sliding_window_view/as_strided cost microseconds each time.
        self._rows_view = as_strided(
            self._buf,
            shape=(rows, lay.window),
            strides=(lay.row_in * self._buf.itemsize, self._buf.itemsize),
            writeable=False,
        )
        self._scratch = np.empty((rows, lay.window), dtype=np.float32)

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
        lay = self.layout
        held = self._held
        end = held + x.size
        first = self._n_out
        self._n_in += x.size
        last = self._outputs_for(self._n_in)
        row0 = first // lay.row_out
        rows = -(-last // lay.row_out) - row0 if last > first else 0
        reach = (rows - 1) * lay.row_in + lay.window if rows else 0
        if max(end, reach) > self._buf.size:
            self._reserve(2 * max(end, reach))
        buf = self._buf
        buf[held:end] = x
        out: FloatArray
        if rows:
            if reach > end:
                buf[end:reach] = 0.0  # inputs still to come; stale samples could be inf/nan
            windows = self._scratch[:rows]
            np.copyto(windows, self._rows_view[:rows])
            skip = first - row0 * lay.row_out
            out = (windows @ lay.matrix).reshape(-1)[skip : skip + last - first]
            self._n_out = last
        else:
            out = np.zeros(0, dtype=np.float32)
        # Keep the inputs from the start of the next (possibly partial) row's window.
        drop = (last // lay.row_out - row0) * lay.row_in
        buf[: end - drop] = buf[drop:end]
        self._held = end - drop
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
