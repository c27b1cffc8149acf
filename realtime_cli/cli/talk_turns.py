"""Push-to-talk for `rt talk --vad none`: which microphone frames go out, and when a turn ends.

Pure: fed key presses, microphone frames and the current time; returns the frames to send and
whether to commit. No asyncio, no terminal, no clock reads.

A terminal reports key presses, never releases, and a held key arrives as a press followed
(after the keyboard's repeat delay) by a stream of auto-repeats. Both ways of using the key
work:

- toggle: press to start talking, press again to send;
- hold: the auto-repeats keep the turn open, and the turn ends when they stop.

So a press that would end the turn only does so once `repeat_s` has passed without another
press; one that follows within `repeat_s` proves the key is held. That costs `repeat_s` of
latency at the end of a tapped turn, and a key repeating slower than `repeat_s` reads as taps.
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

__all__ = ["MIN_COMMIT_SAMPLES", "REPEAT_S", "Outgoing", "PushToTalk", "TurnChange"]

F = TypeVar("F", bound=Sized)

#: The API refuses to commit less than 100 ms of audio (24 kHz samples).
MIN_COMMIT_SAMPLES = 2400
#: Presses closer together than this are one held key (terminal auto-repeat runs at 10-40 Hz).
REPEAT_S = 0.15


class TurnChange(StrEnum):
    """What happened to the user's turn."""

    STARTED = "started"
    #: Ended with enough audio sent: it is committed and answered.
    COMMITTED = "committed"
    #: Ended before `MIN_COMMIT_SAMPLES` were captured: nothing was sent.
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Outgoing(Generic[F]):
    """What to do now, in this order: send `tail` (the end of a turn), commit (if `commit`),
    barge in (if `barge_in`: a turn just started), send `frames`."""

    frames: list[F] = field(default_factory=list)
    commit: bool = False
    barge_in: bool = False
    tail: list[F] = field(default_factory=list)


class PushToTalk(Generic[F]):
    """Manual turns driven by one key (`press`) or by the input's start and end (`start`,
    `finish`). Frames are sent only while talking; the first `min_commit_samples` of a turn
    are held back, so that a turn too short to commit sends nothing at all."""

    def __init__(
        self, *, min_commit_samples: int = MIN_COMMIT_SAMPLES, repeat_s: float = REPEAT_S
    ) -> None:
        self.min_commit_samples = min_commit_samples
        self.repeat_s = repeat_s
        self.talking = False
        #: Samples of the current (or last) turn, sent or held back.
        self.captured_samples = 0
        self.turns_committed = 0
        self._held: list[F] = []
        self._sending = False
        self._last_press: float | None = None
        self._stop_at: float | None = None
        self._after_stop: list[F] = []
        self._key_held = False
        self._commit_due = False
        self._tail: list[F] = []
        self._started_unannounced = False
        self._changes: list[TurnChange] = []

    @property
    def ending(self) -> bool:
        """A press asked to end the turn; it ends unless the key turns out to be held."""
        return self._stop_at is not None

    def press(self, now: float) -> None:
        """The talk key arrived (a press or an auto-repeat)."""
        self._resolve(now)
        last, self._last_press = self._last_press, now
        repeat = last is not None and now - last < self.repeat_s
        if not self.talking:
            if not repeat:
                self._start()
            # An auto-repeat after the end of a held turn must not open the next one.
            return
        if self._stop_at is not None:
            # Another press right after the one that was to end the turn: the key is held.
            self._stop_at = None
            self._key_held = True
            self._send(self._after_stop)
            self._after_stop = []
        elif repeat:
            self._key_held = True
        elif not self._key_held:
            self._stop_at = now

    def start(self, now: float) -> None:
        """Start a turn without a key (a whole input file is one turn)."""
        self._resolve(now)
        if not self.talking:
            self._start()

    def feed(self, frame: F, now: float) -> Outgoing[F]:
        """A microphone frame: what to send now (nothing while not talking)."""
        self._resolve(now)
        if self.talking:
            if self._stop_at is not None:
                self._after_stop.append(frame)
            else:
                self._send([frame])
        return self._outgoing()

    def finish(self, now: float) -> Outgoing[F]:
        """The input ended (or the key reader closed): end the turn now."""
        self._resolve(now)
        if self.talking:
            self._stop()
        return self._outgoing()

    def take_changes(self) -> list[TurnChange]:
        """The turn changes since the last call, oldest first."""
        changes, self._changes = self._changes, []
        return changes

    # ---- internals -------------------------------------------------------------------------

    def _resolve(self, now: float) -> None:
        if self._stop_at is not None:
            since = now - self._stop_at  # no press since the one that ends the turn
        elif self._key_held and self._last_press is not None:
            since = now - self._last_press  # the auto-repeats stopped: the key was released
        else:
            return
        if since >= self.repeat_s:
            self._stop()

    def _start(self) -> None:
        self.talking = True
        self.captured_samples = 0
        self._held = []
        self._sending = False
        self._key_held = False
        self._started_unannounced = True
        self._changes.append(TurnChange.STARTED)

    def _stop(self) -> None:
        self.talking = False
        self._stop_at = None
        self._after_stop = []  # captured after the user asked to end the turn
        self._key_held = False
        if self._sending:
            self._tail += self._held
            self._held = []
            self._commit_due = True
            self.turns_committed += 1
            self._changes.append(TurnChange.COMMITTED)
        else:
            self._held = []
            self._changes.append(TurnChange.DISCARDED)

    def _send(self, frames: list[F]) -> None:
        for frame in frames:
            self.captured_samples += len(frame)
            self._held.append(frame)
        if not self._sending and self.captured_samples >= self.min_commit_samples:
            self._sending = True

    def _outgoing(self) -> Outgoing[F]:
        frames: list[F] = []
        if self._sending and self._held:
            frames, self._held = self._held, []
        out = Outgoing(
            frames, self._commit_due, barge_in=self._started_unannounced, tail=self._tail
        )
        self._tail = []
        self._commit_due = False
        self._started_unannounced = False
        return out
