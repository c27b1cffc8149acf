"""An energy voice-activity detector standing in for the service's server VAD.

It works on audio time (samples received), never on the wall clock, so the same stream
always yields the same turns. Frames of 10 ms are active when their RMS level exceeds a
threshold mapped from the session's `threshold` (0..1 -> -70..-20 dBFS), or a fixed
`level_dbfs`. The real service's detector is believed to fire on speech near -45 dBFS (the
loudest 10 ms frames) at its default threshold 0.5: that belief, not a measurement, is where
the mapping puts 0.5 (a deafer detector would let echo and quiet speech pass that the
service takes for a turn). The slope, 10 dB per 0.1 of threshold, is a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SERVICE_DBFS", "EnergyVad", "SpeechStart", "SpeechStop", "threshold_dbfs"]

FRAME_MS = 10


#: The level the service's detector is believed to fire at with the default threshold.
SERVICE_DBFS = -45.0


def threshold_dbfs(threshold: float) -> float:
    """The RMS level (dBFS) a frame must exceed to count as speech: `SERVICE_DBFS` at the
    default threshold 0.5."""
    return SERVICE_DBFS + 50.0 * (min(max(threshold, 0.0), 1.0) - 0.5)


@dataclass(frozen=True)
class SpeechStart:
    """Speech began at `audio_ms` (session audio time, before prefix padding)."""

    audio_ms: int


@dataclass(frozen=True)
class SpeechStop:
    """Speech ended; `audio_ms` includes the silence that confirmed it, as the service's."""

    audio_ms: int


class EnergyVad:
    """Feed int16 samples; get speech start and stop events in audio milliseconds."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        silence_duration_ms: int = 200,
        sample_rate: int = 24000,
        min_speech_ms: int = 20,
        position_ms: int = 0,
        level_dbfs: float | None = None,
    ) -> None:
        self.threshold_db = threshold_dbfs(threshold) if level_dbfs is None else level_dbfs
        self.silence_duration_ms = silence_duration_ms
        self.min_speech_ms = min_speech_ms
        self._frame = sample_rate * FRAME_MS // 1000
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames_done = 0
        self._start_frames = position_ms // FRAME_MS
        self.in_speech = False
        self._active_run = 0
        self._silent_run = 0

    @property
    def position_ms(self) -> int:
        """Audio time up to which frames were analysed."""
        return (self._start_frames + self._frames_done) * FRAME_MS

    def reset(self) -> None:
        """Forget any speech in progress (after a manual commit or a clear)."""
        self.in_speech = False
        self._active_run = 0
        self._silent_run = 0

    def feed(self, samples: npt.NDArray[np.int16]) -> list[SpeechStart | SpeechStop]:
        """Analyse more audio and return the turn events it completes."""
        data = np.concatenate([self._pending, samples]) if len(self._pending) else samples
        count = len(data) // self._frame
        self._pending = data[count * self._frame :].copy()
        if not count:
            return []
        frames = data[: count * self._frame].astype(np.float64).reshape(count, self._frame)
        rms = np.sqrt(np.mean(frames * frames, axis=1)) / 32768.0
        levels = 20 * np.log10(rms + 1e-12)
        events: list[SpeechStart | SpeechStop] = []
        min_frames = max(1, self.min_speech_ms // FRAME_MS)
        silence_frames = max(1, -(-self.silence_duration_ms // FRAME_MS))
        for active in (levels > self.threshold_db).tolist():
            index = self._start_frames + self._frames_done
            self._frames_done += 1
            if not self.in_speech:
                self._active_run = self._active_run + 1 if active else 0
                if self._active_run >= min_frames:
                    self.in_speech = True
                    self._silent_run = 0
                    onset = index - self._active_run + 1
                    events.append(SpeechStart(onset * FRAME_MS))
            elif active:
                self._silent_run = 0
            else:
                self._silent_run += 1
                if self._silent_run >= silence_frames:
                    events.append(SpeechStop((index + 1) * FRAME_MS))
                    self.reset()
        return events
