"""The far-end reference: what the speaker actually played, and when.

The playback buffer writes every 24 kHz sample it hands towards the device (silence, flush
fades and all) into `FarEndReference.write` as its tap; the speaker's callback calls
`anchor()` with the timeline position of its block and the block's DAC time, and the speaker
calls `restart()` whenever it (re)starts its stream. The echo canceller then asks for the
samples that were at the DAC at a microphone frame's ADC time: pairing by time rather than
by callback order, so an echo is looked for where it can be.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.sample_clock import SampleClock
from realtime_cli.audio.sample_format import API_RATE

FloatArray = NDArray[np.float32]

DEFAULT_REFERENCE_S = 4.0
#: Consecutive anchors this far (20 ms) off the nominal rate mean the timeline broke off
#: without the speaker saying so (a host's own recovery from an underrun); DAC stamps jitter
#: by about 2 ms.
_BREAK_SAMPLES = API_RATE // 50
#: A smaller step that lasts is a break too: an output underrun of a block or so (seen under
#: CPU load: 13 ms) moves the timeline for good, and AEC3, paired on the old line, leaks
#: echo at word onsets seconds later. Single stamps under load jitter by 10 ms and more, so
#: the step must hold (the median of `_STEP_ANCHORS` anchors, nearly all on one side).
_STEP_S = 0.004
_STEP_ANCHORS = 7
#: How fast the expected offset follows slow drift (per anchor within `_STEP_S`).
_OFFSET_SMOOTHING = 0.05


#: Written blocks kept for `recent_level_db` (10 ms callbacks: 2.5 s).
_LEVELS = 256
#: How long before a microphone frame a block written towards the device can still be in
#: its echo: the device's latency (tens of ms, more while the host recovers from an
#: underrun) plus the echo path and the room's tail.
RECENT_WINDOW_S = 0.5


class FarEndReference:
    """A preallocated ring of the 24 kHz samples played, addressable by monotonic time.

    `write()` and `anchor()` run on the output callback (no allocation, no lock); `read()`
    runs on the capture side. Times are `time.monotonic()` seconds.
    """

    def __init__(self, seconds: float = DEFAULT_REFERENCE_S) -> None:
        self._capacity = max(API_RATE, round(seconds * API_RATE))
        self._buf = np.zeros(self._capacity, dtype=np.float32)
        self._written = 0
        self.clock = SampleClock(API_RATE)
        #: Callbacks whose DAC time was missing or implausible (the nominal latency was used).
        self.estimated_anchors = 0
        self.anchors = 0
        #: Times the timeline broke off (a flush that aborted the stream, a device restart):
        #: the pairing must start again from the clock.
        self.breaks = 0
        #: Of those, the speaker's own restarts (`restart()`) once their first anchor came.
        self.restarts = 0
        self._last: tuple[float, float] | None = None
        self._restarting = False  # set by `restart()`, taken by the next anchor
        self._device_times = False  # the device has reported a real DAC time
        self._stretch_estimated = False  # the clock's current stretch holds estimated times
        #: Of the breaks, the lasting steps under `_BREAK_SAMPLES` (see `_STEP_S`).
        self.steps = 0
        self._offset: float | None = None  # expected DAC time minus timeline time, smoothed
        self._deviations = [0.0] * _STEP_ANCHORS  # the latest anchors' offset minus expected
        self._deviation_count = 0
        # When each block was written (monotonic) and its level (dBFS): a bound on the echo
        # that rests on no device time stamp.
        self._level_at = np.full(_LEVELS, -np.inf)
        self._level_db = np.full(_LEVELS, -120.0)
        self._levels = 0

    @property
    def written(self) -> int:
        """Samples ever written (the timeline position of the next one)."""
        return self._written

    def write(self, samples: NDArray[np.floating]) -> None:
        """Append the next samples of the timeline (the playback buffer's tap)."""
        n = samples.shape[0]
        if n:
            power = float(np.dot(samples, samples)) / n
            slot = self._levels % _LEVELS
            self._level_db[slot] = 10.0 * math.log10(power + 1e-12)
            self._level_at[slot] = time.monotonic()
            self._levels += 1
        cap = self._capacity
        if n > cap:
            samples = samples[n - cap :]
            self._written += n - cap
            n = cap
        start = self._written % cap
        first = min(n, cap - start)
        self._buf[start : start + first] = samples[:first]
        if first < n:
            self._buf[: n - first] = samples[first:]
        self._written += n

    def restart(self) -> None:
        """The output stream is (re)starting (first start, or a flush that aborted it): the
        timeline meets the DAC differently from now on, older anchors no longer apply.

        Called before the stream starts, so no callback of it runs concurrently.
        """
        self._restarting = True

    def anchor(self, position: float, dac_time: float, *, estimated: bool = False) -> None:
        """Timeline `position` reaches the DAC at monotonic `dac_time` (output callback).

        `estimated` marks a time from the stream's nominal latency because the device
        reported no usable DAC time. Hosts that report DAC times still give none on the first
        callbacks of every stream (PulseAudio: two), and the nominal latency is tens of ms
        off there (the device buffer is still empty): such anchors are left out of the
        clock, which only a device that never reports DAC times relies on.
        """
        self.anchors += 1
        if estimated:
            self.estimated_anchors += 1
            if self._device_times:
                return
        else:
            self._device_times = True
        last = self._last
        broke = last is not None and (
            self._restarting
            # The first real time after estimated ones: those were off.
            or (self._stretch_estimated and not estimated)
            or abs((position - last[0]) - (dac_time - last[1]) * API_RATE) > _BREAK_SAMPLES
        )
        if not broke and last is not None and self._stepped(dac_time - position / API_RATE):
            broke = True
            self.steps += 1
        if broke or last is None:
            self._offset = dac_time - position / API_RATE
            self._deviation_count = 0
        if broke:
            self._stretch_estimated = False
            self.breaks += 1
            self.restarts += self._restarting
        self._restarting = False
        self._stretch_estimated = self._stretch_estimated or estimated
        self._last = (position, dac_time)
        self.clock.anchor(position, dac_time, restart=broke)

    def _stepped(self, offset: float) -> bool:
        """Whether the timeline has moved for good against the DAC (see `_STEP_S`)."""
        expected = self._offset
        if expected is None:
            return False
        deviation = offset - expected
        if abs(deviation) <= _STEP_S:
            self._offset = expected + _OFFSET_SMOOTHING * deviation
            self._deviation_count = 0
            return False
        deviations = self._deviations
        deviations[self._deviation_count % _STEP_ANCHORS] = deviation
        self._deviation_count += 1
        if self._deviation_count < _STEP_ANCHORS:
            return False
        # All of the latest anchors are off by more than the step: a step, not jitter, when
        # they are all on one side (a burst stamps some early, some late).
        return all(d > 0 for d in deviations) or all(d < 0 for d in deviations)

    def recent_level_db(self, start: float, end: float) -> float:
        """The loudest block (dBFS) written towards the device from `RECENT_WINDOW_S`
        before monotonic `start` to `end`: whatever the time stamps say, the echo of a
        microphone frame captured then comes from these. -120 when nothing was written."""
        written = (self._level_at >= start - RECENT_WINDOW_S) & (self._level_at <= end)
        if not written.any():
            return -120.0
        return float(self._level_db[written].max())

    @property
    def estimated(self) -> bool:
        """True when the timeline is placed by the nominal latency: the device has never
        reported a DAC time."""
        return self.estimated_anchors > 0 and not self._device_times

    def position_at(self, at: float) -> float | None:
        """Timeline position at the DAC at monotonic time `at` (None before any anchor)."""
        return self.clock.index_at(at)

    def read(self, at: float, out: FloatArray) -> FloatArray:
        """Fill `out` with what was at the DAC from monotonic time `at` on (zeros where
        nothing was played, not yet written, or already overwritten)."""
        position = self.clock.index_at(at)
        if position is None:
            out[:] = 0.0
            return out
        return self.copy_into(round(position), out)

    def copy_into(self, start: int, out: FloatArray) -> FloatArray:
        """Fill `out` with timeline samples [start, start + len(out)), zeros where not held."""
        out[:] = 0.0
        n = out.shape[0]
        written = self._written
        # Keep a block of slack: the writer may be overwriting the oldest samples right now.
        oldest = written - self._capacity + API_RATE // 10
        lo = max(start, oldest, 0)
        hi = min(start + n, written)
        if hi <= lo:
            return out
        cap = self._capacity
        a = lo % cap
        count = hi - lo
        first = min(count, cap - a)
        dest = lo - start
        out[dest : dest + first] = self._buf[a : a + first]
        if first < count:
            out[dest + first : dest + count] = self._buf[: count - first]
        return out
