"""A stereo WAV recording of a session: left the microphone, right what was played."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.sample_format import API_RATE, float_to_pcm16
from realtime_cli.audio.wavfile import WavWriter

Int16Array = NDArray[np.int16]

#: A channel may run this far ahead of the other before the other counts as silent.
DEFAULT_MAX_LAG_S = 1.0
#: Timestamp jumps larger than this become silence (dropped audio, a restarted device).
_GAP_TOLERANCE_S = 0.04


class _Track:
    def __init__(self) -> None:
        self.chunks: deque[tuple[int, Int16Array]] = deque()  # (start index, samples)
        self.end: int | None = None  # index after the last sample received

    def add(self, samples: Int16Array, index: int, tolerance: int) -> None:
        # After the first chunk the track stays contiguous: stream clocks jitter, sample
        # counts do not. Only a real gap (dropped audio) moves it forward.
        start = index if self.end is None or index - self.end > tolerance else self.end
        if samples.size:
            self.chunks.append((start, samples))
        self.end = start + samples.size

    def take(self, dest: Int16Array, lo: int) -> None:
        hi = lo + dest.size
        while self.chunks:
            start, samples = self.chunks[0]
            end = start + samples.size
            a, b = max(start, lo), min(end, hi)
            if a < b:
                dest[a - lo : b - lo] = samples[a - start : b - start]
            if end <= hi:
                self.chunks.popleft()
            else:
                break


class StereoRecorder:
    """Writes two 24 kHz mono streams into one time-aligned stereo PCM16 WAV file.

    Each `add_*` call carries the time (seconds on a clock shared by both streams, e.g.
    `time.monotonic()`) at which its first sample was captured or heard. The file starts at
    the first timestamp seen; a channel that has not produced audio yet is written as
    silence once the other is `max_lag_s` ahead.
    """

    def __init__(
        self, path: str | Path, rate: int = API_RATE, *, max_lag_s: float = DEFAULT_MAX_LAG_S
    ) -> None:
        self.path = str(path)
        self.rate = rate
        self._writer = WavWriter(path, rate, channels=2, sample_format="int16")
        self._tracks = (_Track(), _Track())
        self._t0: float | None = None
        self._written = 0
        self._max_lag = round(max_lag_s * rate)
        self._tolerance = round(_GAP_TOLERANCE_S * rate)
        self._closed = False

    @property
    def frames_written(self) -> int:
        return self._written

    @property
    def write_error(self) -> OSError | None:
        """Why the file stopped growing (a full disk), or None."""
        return self._writer.error

    def add_left(self, samples: NDArray[np.generic], start_time: float) -> None:
        """Microphone audio whose first sample was captured at start_time."""
        self._add(0, samples, start_time)

    def add_right(self, samples: NDArray[np.generic], start_time: float) -> None:
        """Played audio whose first sample reached the listener at start_time."""
        self._add(1, samples, start_time)

    def _add(self, channel: int, samples: NDArray[np.generic], start_time: float) -> None:
        if self._closed:
            return
        arr = np.asarray(samples).reshape(-1)
        pcm = arr if arr.dtype == np.int16 else float_to_pcm16(arr)
        if self._t0 is None:
            self._t0 = start_time
        index = round((start_time - self._t0) * self.rate)
        self._tracks[channel].add(pcm, index, self._tolerance)
        self._write_ready(final=False)

    def _write_ready(self, *, final: bool) -> None:
        ends = [t.end for t in self._tracks]
        started = [e for e in ends if e is not None]
        if not started:
            return
        ahead = max(started)
        if final:
            limit = ahead
        else:
            limit = min(e if e is not None else self._written for e in ends)
            limit = max(limit, ahead - self._max_lag)
        if limit <= self._written:
            return
        block = np.zeros((limit - self._written, 2), dtype=np.int16)
        for channel, track in enumerate(self._tracks):
            column = np.zeros(block.shape[0], dtype=np.int16)
            track.take(column, self._written)
            block[:, channel] = column
        self._writer.write(block)
        self._written = limit

    def close(self) -> None:
        """Write everything received (the shorter channel padded with silence) and close."""
        if self._closed:
            return
        self._write_ready(final=True)
        self._closed = True
        self._writer.close()

    def discard(self) -> None:
        """Drop the file (a run that never connected): an earlier file at the path stays."""
        self._closed = True
        self._writer.discard()
