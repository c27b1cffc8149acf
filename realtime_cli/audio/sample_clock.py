"""Where a device stream's samples are in time: anchors written by the audio callback.

Each PortAudio callback knows the sample index of its block and the time that block meets
the converter (ADC time for input, DAC time for output). Storing that pair on every callback
and interpolating only between neighbouring anchors at the nominal rate keeps the error to
one block's worth of clock drift (0.25 ms/s over 10 ms is 2.5 us), however long the stream
runs. The callback side writes into preallocated arrays: no allocation, no lock, no blocking.
"""

from __future__ import annotations

import numpy as np

_DEFAULT_ANCHORS = 512


class SampleClock:
    """Maps a stream's absolute sample index to `time.monotonic()` seconds and back.

    One writer (the audio callback) calls `anchor()`; one reader (the consuming task) calls
    `time_at()` / `index_at()`. A reader that falls more than `capacity` anchors behind gets
    an extrapolation from the oldest anchor still held, never garbage.
    """

    def __init__(self, rate: float, capacity: int = _DEFAULT_ANCHORS) -> None:
        if rate <= 0 or capacity < 2:
            raise ValueError("a sample clock needs a positive rate and room for two anchors")
        self.rate = float(rate)
        self._index = np.zeros(capacity, dtype=np.float64)
        self._time = np.zeros(capacity, dtype=np.float64)
        self._capacity = capacity
        self._count = 0  # anchors ever written; slot = count % capacity

    @property
    def anchored(self) -> bool:
        """True once the first anchor was written."""
        return self._count > 0

    def anchor(self, index: float, at: float) -> None:
        """Sample `index` of the stream meets the converter at monotonic time `at`."""
        slot = self._count % self._capacity
        self._index[slot] = index
        self._time[slot] = at
        # Publish after the slot is complete (the reader reads the count first).
        self._count += 1

    def _slots(self) -> range:
        count = self._count
        oldest = max(0, count - self._capacity + 1)  # keep one slot of slack for the writer
        return range(count - 1, oldest - 1, -1)

    def time_at(self, index: float) -> float | None:
        """Monotonic time of sample `index` (None before the first anchor)."""
        slot = None
        for n in self._slots():
            slot = n % self._capacity
            if self._index[slot] <= index:
                break
        if slot is None:
            return None
        return float(self._time[slot] + (index - self._index[slot]) / self.rate)

    def index_at(self, at: float) -> float | None:
        """Fractional sample index meeting the converter at monotonic time `at`."""
        slot = None
        for n in self._slots():
            slot = n % self._capacity
            if self._time[slot] <= at:
                break
        if slot is None:
            return None
        return float(self._index[slot] + (at - self._time[slot]) * self.rate)
