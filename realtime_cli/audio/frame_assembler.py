"""Cut a stream of PCM16 samples into fixed-size frames."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Int16Array = NDArray[np.int16]

#: 20 ms at 24 kHz.
DEFAULT_FRAME_SAMPLES = 480


class FrameAssembler:
    """Accumulates samples of any block size and emits frames of exactly `frame_samples`.

    The partial frame lives in one preallocated buffer; emitted frames are fresh arrays the
    caller owns.
    """

    def __init__(self, frame_samples: int = DEFAULT_FRAME_SAMPLES) -> None:
        if frame_samples <= 0:
            raise ValueError("frame_samples must be positive")
        self.frame_samples = frame_samples
        self._partial = np.zeros(frame_samples, dtype=np.int16)
        self._fill = 0

    @property
    def pending(self) -> int:
        """Samples waiting for the next frame."""
        return self._fill

    def push(self, samples: Int16Array) -> list[Int16Array]:
        """Add samples; return the frames they complete, in order."""
        frames: list[Int16Array] = []
        size = self.frame_samples
        pos = 0
        n = samples.shape[0]
        if self._fill:
            take = min(size - self._fill, n)
            self._partial[self._fill : self._fill + take] = samples[:take]
            self._fill += take
            pos = take
            if self._fill < size:
                return frames
            frames.append(self._partial.copy())
            self._fill = 0
        whole = (n - pos) // size
        if whole:
            block = np.array(samples[pos : pos + whole * size], dtype=np.int16)
            frames.extend(block.reshape(whole, size))
            pos += whole * size
        rest = n - pos
        if rest:
            self._partial[:rest] = samples[pos:]
            self._fill = rest
        return frames

    def flush(self) -> Int16Array | None:
        """The partial frame padded with zeros to full size, or None if there is none."""
        if not self._fill:
            return None
        frame = np.zeros(self.frame_samples, dtype=np.int16)
        frame[: self._fill] = self._partial[: self._fill]
        self._fill = 0
        return frame
