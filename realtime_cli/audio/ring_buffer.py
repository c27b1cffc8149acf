"""A bounded, preallocated float32 sample ring shared by a PortAudio callback and asyncio."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]


class SampleSink(Protocol):
    """Anything an audio callback can hand a block of samples to without blocking."""

    def write(self, samples: NDArray[np.floating]) -> None: ...


class SampleTee:
    """One sink that writes every block to several (e.g. a recorder tap and the echo
    reference)."""

    def __init__(self, *sinks: SampleSink) -> None:
        self.sinks = sinks

    def write(self, samples: NDArray[np.floating]) -> None:
        """Hand the block to every sink in turn."""
        for sink in self.sinks:
            sink.write(samples)


class SampleRing:
    """Single-producer single-consumer ring of mono float32 samples.

    Memory is allocated once. When the writer outruns the reader the oldest samples are
    dropped (the freshest audio matters in a conversation) and `overflows` counts the
    events, `dropped_samples` the samples. The lock is held only for two slice copies, so
    the audio callback never waits for more than a memcpy.
    """

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("ring capacity must be positive")
        self._buf = np.zeros(capacity, dtype=np.float32)
        self._capacity = capacity
        self._read = 0  # absolute sample counters; index = counter % capacity
        self._write = 0
        self._lock = threading.Lock()
        self.overflows = 0
        self.dropped_samples = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def __len__(self) -> int:
        with self._lock:
            return self._write - self._read

    @property
    def total_written(self) -> int:
        """Samples ever written (dropped ones included)."""
        return self._write

    def write(self, samples: NDArray[np.floating]) -> None:
        """Append samples; drops the oldest ones if the ring would exceed its capacity."""
        n = samples.shape[0]
        cap = self._capacity
        if n == 0:
            return
        with self._lock:
            if n >= cap:
                samples = samples[n - cap :]
                dropped = (self._write - self._read) + (n - cap)
                self._write += n - cap
                self._read = self._write
                n = cap
            else:
                dropped = max(0, (self._write - self._read) + n - cap)
                self._read += dropped
            if dropped:
                self.overflows += 1
                self.dropped_samples += dropped
            start = self._write % cap
            first = min(n, cap - start)
            self._buf[start : start + first] = samples[:first]
            if first < n:
                self._buf[: n - first] = samples[first:]
            self._write += n

    def read(self, max_samples: int | None = None) -> FloatArray:
        """Remove and return up to max_samples (all available by default) as a new array."""
        return self.read_indexed(max_samples)[1]

    def read_indexed(self, max_samples: int | None = None) -> tuple[int, FloatArray]:
        """Like `read()`, with the absolute index (in samples ever written) of the first one:
        a reader that must know where its samples are in the stream survives overflows."""
        with self._lock:
            first_index = self._read
            available = self._write - self._read
            n = available if max_samples is None else min(available, max_samples)
            out = np.empty(n, dtype=np.float32)
            cap = self._capacity
            start = self._read % cap
            first = min(n, cap - start)
            out[:first] = self._buf[start : start + first]
            if first < n:
                out[first:] = self._buf[: n - first]
            self._read += n
        return first_index, out

    def clear(self) -> None:
        """Discard everything buffered (counters are kept)."""
        with self._lock:
            self._read = self._write
