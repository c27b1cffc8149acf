"""Where a device stream's samples are in time: anchors written by the audio callback.

Each PortAudio callback knows the sample index of its block and the time that block meets
the converter (ADC time for input, DAC time for output). The callback stores that pair on
every block; the reader maps indices to times with a line at the nominal rate through the
median offset of the last second of anchors (see `SampleClock`). The callback side writes
into preallocated arrays: no allocation, no lock, no blocking.
"""

from __future__ import annotations

import numpy as np

_DEFAULT_ANCHORS = 512


class SampleClock:
    """Maps a stream's absolute sample index to `time.monotonic()` seconds and back.

    One writer (the audio callback) calls `anchor()`; one reader (the consuming task) calls
    `time_at()` / `index_at()`. Single anchors are noisy: a host that delivers blocks in
    bursts (PulseAudio's ALSA plugin: four 10 ms blocks every 40 ms) stamps some of them
    10-15 ms off. The reader therefore follows the median offset from the nominal rate of
    the last `window` anchors (one second of 10 ms blocks): it follows real clock drift
    with a lag of half a window and ignores bursts.
    """

    def __init__(self, rate: float, capacity: int = _DEFAULT_ANCHORS, window: int = 100) -> None:
        if rate <= 0 or capacity < 2 or not 2 <= window < capacity:
            raise ValueError("a sample clock needs a positive rate and 2 <= window < capacity")
        self.rate = float(rate)
        self._index = np.zeros(capacity, dtype=np.float64)
        self._time = np.zeros(capacity, dtype=np.float64)
        self._capacity = capacity
        self._window = window
        #: For each slot, the count at which its anchor's stretch began (see `restart`): the
        #: reader learns where the current stretch begins from the newest published slot, so
        #: it never sees a stretch start that is ahead of the anchors it can read.
        self._stretch = np.zeros(capacity, dtype=np.int64)
        self._count = 0  # anchors ever written (published last); slot = count % capacity
        self._first = 0  # the writer's own copy of the current stretch's start
        self._line_count = -1
        self._line = (0.0, 0.0, 1.0 / self.rate)

    @property
    def anchored(self) -> bool:
        """True once the first anchor was written."""
        return self._count > 0

    def anchor(self, index: float, at: float, *, restart: bool = False) -> None:
        """Sample `index` of the stream meets the converter at monotonic time `at`;
        `restart`: the stream broke off here, older anchors no longer apply."""
        count = self._count
        if restart:
            self._first = count
        slot = count % self._capacity
        self._index[slot] = index
        self._time[slot] = at
        self._stretch[slot] = self._first
        # Publish after the slot is complete (the reader reads the count first).
        self._count = count + 1

    def _fit(self) -> tuple[float, float, float] | None:
        """(index, time, seconds per sample) of the robust line through recent anchors."""
        count = self._count
        if count == 0:
            return None
        if count == self._line_count:
            return self._line
        first = int(self._stretch[(count - 1) % self._capacity])
        n = min(count - first, self._window)
        slots = np.arange(count - n, count) % self._capacity
        index = self._index[slots]
        offset = self._time[slots] - index / self.rate
        # No slope of its own: 0.25 ms/s of drift moves the line by 0.12 ms over half a
        # window, while a slope fitted to bursty stamps is mostly noise.
        period = 1.0 / self.rate
        centre = float(np.median(index))
        line = (centre, centre / self.rate + float(np.median(offset)), period)
        self._line, self._line_count = line, count
        return line

    def time_at(self, index: float) -> float | None:
        """Monotonic time of sample `index` (None before the first anchor)."""
        line = self._fit()
        if line is None:
            return None
        centre, at, period = line
        return at + (index - centre) * period

    def index_at(self, at: float) -> float | None:
        """Fractional sample index meeting the converter at monotonic time `at`."""
        line = self._fit()
        if line is None:
            return None
        centre, centre_at, period = line
        return centre + (at - centre_at) / period
