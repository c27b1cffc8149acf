"""One conversation's echo handling: the speaker's far-end reference plus the canceller the
microphone applies to each frame, paired by time.

Give the same `EchoControl` to `SoundDeviceSpeaker(echo=...)` and
`SoundDeviceMicrophone(echo=...)`: the speaker writes what it plays into `reference`, the
microphone passes every 24 kHz frame with its ADC time through `process()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.echo_canceller import EchoCanceller, EchoMode, make_echo_canceller
from realtime_cli.audio.far_end import FarEndReference

Int16Array = NDArray[np.int16]

_log = logging.getLogger(__name__)


class EchoControl:
    """Pairs each microphone frame with the far-end samples playing when it was captured."""

    def __init__(self, canceller: EchoCanceller, reference: FarEndReference | None = None):
        self.canceller = canceller
        self.reference = reference or FarEndReference()
        self._far = np.zeros(0, dtype=np.float32)
        self._said_estimated = False
        self.frames = 0
        #: Frames processed with no time (before the capture's first callback): no reference.
        self.untimed_frames = 0

    @classmethod
    def for_mode(
        cls, mode: EchoMode, *, warn: Callable[[str], object] | None = None
    ) -> EchoControl:
        """An echo control with the canceller for `mode` (see `make_echo_canceller`)."""
        return cls(make_echo_canceller(mode, warn=warn))

    @property
    def mode(self) -> EchoMode:
        """The mode actually in use (`gate` after a fallback from `aec`)."""
        return self.canceller.mode

    @property
    def echo_removed_db(self) -> float | None:
        """The canceller's live figure (None until the far end has played)."""
        return self.canceller.echo_removed_db

    def process(self, frame: Int16Array, start_time: float | None) -> Int16Array:
        """The frame without echo; `start_time` is its first sample's ADC time
        (`time.monotonic()` seconds, capture chain delay taken off)."""
        self.frames += 1
        if self.canceller.mode == "off":
            return frame
        n = frame.shape[0]
        if self._far.size < n:
            self._far = np.zeros(n, dtype=np.float32)
        far = self._far[:n]
        if start_time is None:
            self.untimed_frames += 1
            far[:] = 0.0
        else:
            self.reference.read(start_time, far)
        if self.reference.estimated_anchors and not self._said_estimated:
            self._said_estimated = True
            _log.debug(
                "the output device reports no usable DAC time: the echo reference is aligned "
                "with the stream's nominal latency instead"
            )
        return self.canceller.process(frame, far)
