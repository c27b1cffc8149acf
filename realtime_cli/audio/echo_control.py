"""One conversation's echo handling: the speaker's far-end reference plus the canceller the
microphone applies to each frame, paired by time.

Give the control's `reference` to `SoundDeviceSpeaker(far_end=...)` and the control itself
to `SoundDeviceMicrophone(echo=...)`: the speaker writes what it plays into `reference`, the
microphone passes every 24 kHz frame with its ADC time through `process()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.echo_canceller import EchoCanceller, EchoMode, make_echo_canceller
from realtime_cli.audio.far_end import FarEndReference
from realtime_cli.audio.sample_format import API_RATE

Int16Array = NDArray[np.int16]

_log = logging.getLogger(__name__)

#: A reference this far (24 kHz samples, 200 ms) from where the clocks say jumps at once.
_RESYNC_SAMPLES = 4800
#: The smoothed pairing error (50 ms) that moves the reference by that much. Device time
#: stamps wander: PulseAudio's ALSA plugin's ADC times by up to 30 ms over seconds on a
#: path whose real delay does not move by a sample. AEC3 follows slow drift itself (its
#: delay estimator), not steps, so steps are kept for what it cannot follow.
_STEP_SAMPLES = 1200
#: Per-frame weight of the newest pairing error (about 4 s of 20 ms frames).
_ERROR_SMOOTHING = 0.005


class EchoControl:
    """Pairs each microphone frame with the far-end samples playing when it was captured."""

    def __init__(self, canceller: EchoCanceller, reference: FarEndReference | None = None):
        self.canceller = canceller
        self.reference = reference or FarEndReference()
        self._far = np.zeros(0, dtype=np.float32)
        self._said_estimated = False
        self._position: int | None = None  # where the next frame's reference starts
        self._error = 0.0  # smoothed (clock target - position), in samples
        self._breaks = 0
        self._relearnt_at = 0  # the reference's break count the canceller last relearnt at
        self._restarts = 0  # and its restart count then
        self._last: tuple[float, float] | None = None  # (ADC time, clock target) last frame
        #: Times the reference moved to follow clock drift.
        self.drift_steps = 0
        self.frames = 0
        #: Times the reference was re-synchronised with a jump (start, device hiccups).
        self.resyncs = 0
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
        target = None if start_time is None else self.reference.position_at(start_time)
        recent: float | None = None
        if start_time is None or target is None:
            self.untimed_frames += 1
            far[:] = 0.0
        else:
            self.reference.copy_into(self._continue_at(target, start_time, n), far)
            recent = self.reference.recent_level_db(start_time, start_time + n / API_RATE)
        if self.reference.breaks != self._relearnt_at:
            # Any break, not only the speaker's restarts: a host's recovery from an underrun
            # moves the echo too, and the move is measured from stamps that jitter under the
            # load that caused it. Until AEC3 has found the echo again its leaks at word
            # onsets pass for the user's voice (measured: an unnoticed 13 ms step, then a
            # self-interruption 2.5 s later).
            moved = self.reference.restarts == self._restarts
            self._restarts = self.reference.restarts
            self._relearnt_at = self.reference.breaks
            _log.debug(
                "the speaker's timeline broke off (%d breaks, %d restarts, %d steps): the "
                "echo canceller relearns",
                self.reference.breaks,
                self.reference.restarts,
                self.reference.steps,
            )
            self.canceller.far_end_restarted(moved=moved)
        if self.reference.estimated and not self._said_estimated:
            self._said_estimated = True
            _log.debug(
                "the output device reports no usable DAC time: the echo reference is aligned "
                "with the stream's nominal latency instead"
            )
        return self.canceller.process(frame, far, recent_far_db=recent)

    def _continue_at(self, target: float, at: float, n: int) -> int:
        # Consecutive frames get consecutive reference samples. AEC3 tolerates slow drift
        # but not a reference that wanders or steps: with steady voiced sound, +-1 ms of
        # wander over seconds already lets echo through, and a step makes it learn the
        # room's delay again, leaking echo meanwhile. The clocks' absolute times are off by
        # tens of ms and wander (PulseAudio's ADC times: 15-45 ms over seconds on a path that
        # does not move by a sample), so they never place the pairing except at the start:
        # - the output timeline broke off (a barge-in aborted and restarted the stream): the
        #   pairing moves by exactly the jump of the far-end clock, old line against new
        #   one at the same instant, both from the same device's DAC times;
        # - the smoothed error passes `_STEP_SAMPLES` (two devices drifting 0.25 ms/s:
        #   every few minutes): the pairing follows it;
        # - the pairing is off by more than `_RESYNC_SAMPLES` (lost): it starts over.
        position = self._position
        last, self._last = self._last, (at, target)
        if position is not None and self.reference.breaks != self._breaks and last is not None:
            # Where the old line would put this frame, against where the new one does.
            position += round(target - (last[1] + (at - last[0]) * API_RATE))
        self._breaks = self.reference.breaks
        if position is None or abs(target - position) > _RESYNC_SAMPLES:
            if position is not None:
                self.resyncs += 1
            position = round(target)
            self._error = 0.0
        else:
            self._error += _ERROR_SMOOTHING * (target - position - self._error)
            if abs(self._error) > _STEP_SAMPLES:
                position += round(self._error)
                self._error = 0.0
                self.drift_steps += 1
        self._position = position + n
        return position
