"""When an answer's audio may start playing: the adaptive half of the jitter buffer (no I/O,
no clock reads; times and sample counts are given).

- An utterance starts as soon as `target` samples are queued, or its audio is arriving
  clearly faster than real time (the usual case with the service: near zero extra delay)
  and the user's floor is queued,
  or it has waited `target` worth of time, or the item is complete.
- An underrun (the queue ran dry in the middle of an item) raises `target` for the rest of
  the session to what would have covered it: what was queued at the start, plus the gap,
  plus a cushion; playback resumes only after that cushion, so one late chunk costs one
  dropout, not a run of them.
- An utterance whose audio came at about real time (not `FAST_ARRIVAL` x faster) raises
  `target` to cover its longest wait between two chunks plus the cushion, even if it did
  not run dry this time (it was lucky): later answers start with what such a wait needs.
- Each other utterance without an underrun lowers `target` a little, never below the
  user's floor (`audio.prebuffer_ms`).
All counts are 24 kHz samples.
"""

from __future__ import annotations

from realtime_cli.audio.sample_format import API_RATE

__all__ = ["JitterTarget"]

#: Arrival at least this many times real time counts as "faster than real time".
FAST_ARRIVAL = 1.5
#: Played silence after an underrun before resuming, so the next chunk has some slack.
UNDERRUN_CUSHION = round(0.03 * API_RATE)
#: How much a clean utterance lowers the target.
SHRINK = round(0.005 * API_RATE)


class JitterTarget:
    """The start rule of one session's playback: see the module docstring."""

    def __init__(self, floor: int, ceiling: int) -> None:
        self.floor = max(0, floor)
        self.ceiling = max(self.floor, ceiling)
        self.target = self.floor
        self._first_at: float | None = None
        self._first_len = 0
        self._last_at: float | None = None
        self._received = 0
        self._longest_wait = 0.0
        self._started_with = 0
        self._underran = False

    def arrived(self, samples: int, now: float | None) -> None:
        """A chunk of the current utterance arrived at `now` (None: unknown)."""
        if now is None:
            return
        if self._first_at is None:
            self._first_at, self._first_len = now, samples
        else:
            previous = self._last_at if self._last_at is not None else self._first_at
            self._longest_wait = max(self._longest_wait, now - previous)
            self._last_at = now
        self._received += samples

    def fast_arrival(self) -> bool:
        """Whether the audio after the first chunk came faster than `FAST_ARRIVAL` x real
        time (so playing now will not run dry)."""
        if self._first_at is None or self._last_at is None:
            return False
        later = self._received - self._first_len
        elapsed = self._last_at - self._first_at
        if elapsed <= 1e-3:
            return later > 0
        return later / elapsed >= FAST_ARRIVAL * API_RATE

    def _paced(self) -> bool:
        """Whether this utterance's audio came at about real time (three chunks or more)."""
        return (
            self._last_at is not None
            and self._received > 2 * self._first_len
            and not (self.fast_arrival())
        )

    def should_start(self, queued: int, waited: int, complete: bool) -> bool:
        """Whether a pending utterance starts now."""
        return (
            complete
            or queued >= self.target
            or waited >= self.target
            # Fast arrival skips the adaptive part of the target, never the user's floor.
            or (queued > 0 and queued >= self.floor and self.fast_arrival())
        )

    def started(self, queued: int) -> None:
        """The utterance started with `queued` samples waiting."""
        self._started_with = queued

    def underrun(self, gap: int) -> int:
        """The queue ran dry for `gap` samples mid-item; returns the silence to add before
        resuming. Later utterances start with enough queued to have covered it."""
        self._underran = True
        needed = self._started_with + gap + UNDERRUN_CUSHION
        self.target = min(self.ceiling, max(self.target, needed))
        return UNDERRUN_CUSHION

    def ended(self) -> None:
        """The utterance ended (played out or flushed)."""
        if self._paced():
            needed = round(self._longest_wait * API_RATE) + UNDERRUN_CUSHION
            self.target = min(self.ceiling, max(self.target, needed))
        elif not self._underran:
            self.target = max(self.floor, self.target - SHRINK)
        self._underran = False
        self._first_at = self._last_at = None
        self._first_len = self._received = 0
        self._longest_wait = 0.0
