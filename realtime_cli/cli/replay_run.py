"""The running `rt replay`: a recorded conversation shown (and heard) again.

The log's server events go through the conversation core as in the live run
(`core.log_replay`); its actions feed the same view, plain transcript or live screen and, when
the log kept the audio, a speaker. Frames are paced at their recorded times divided by
`speed` (0: as fast as possible).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from realtime_cli.audio import Speaker
from realtime_cli.core import AudioDone, FlushPlayback, PlayAudio
from realtime_cli.core.log_replay import replay_steps
from realtime_cli.core.traffic_check import TrafficFrame
from realtime_cli.tui import LiveScreen, PlainTranscript, Status, TalkView
from realtime_cli.tui.render import render_summary
from realtime_cli.tui.summary import summarize, summary_lines

__all__ = ["ReplayRun"]

_BYTES_PER_S = 48_000  # 24 kHz PCM16 mono


def _session_of(frames: Sequence[TrafficFrame]) -> tuple[str, str | None]:
    """Model and voice from the first session event of the log."""
    for frame in frames:
        event = frame.event
        if frame.direction != "recv" or event is None:
            continue
        if event.get("type") in ("session.created", "session.updated"):
            session = event.get("session")
            if not isinstance(session, dict):
                continue
            model = session.get("model")
            audio = session.get("audio")
            output = audio.get("output") if isinstance(audio, dict) else None
            voice = output.get("voice") if isinstance(output, dict) else None
            return (
                model if isinstance(model, str) else "gpt-realtime",
                voice if isinstance(voice, str) else None,
            )
    return "gpt-realtime", None


@dataclass
class ReplayRun:
    """One replay: `speaker` gets the audio (None: transcript only)."""

    frames: Sequence[TrafficFrame]
    plain: bool
    speed: float = 1.0
    speaker: Speaker | None = None
    clock: Callable[[], float] = time.monotonic

    async def run(self) -> None:
        """Show the whole log, then the summary; the speaker is drained and closed."""
        model, voice = _session_of(self.frames)
        start_t = self.frames[0].t if self.frames else 0.0
        view = TalkView(model=model, voice=voice, started_at=start_t)
        plain = PlainTranscript(view, sys.stdout) if self.plain else None
        screen = None if self.plain else LiveScreen()
        if screen is not None:
            screen.start()
        view.set_status(Status.LISTENING, start_t)
        began = self.clock()
        last_t = start_t
        # When the audio received so far has played out: only then is an answer finished
        # on screen, as in the live run (a barge-in can still cut it until then).
        sounding_until: float | None = None
        try:
            for step in replay_steps(self.frames):
                if self.speed > 0:
                    delay = (step.t - start_t) / self.speed - (self.clock() - began)
                    if delay > 0:
                        await asyncio.sleep(delay)
                last_t = step.t
                if sounding_until is not None and step.t >= sounding_until:
                    view.set_status(Status.LISTENING, sounding_until)
                    sounding_until = None
                self._play(step.actions)
                view.feed(step.actions, step.t)
                for action in step.actions:
                    if isinstance(action, PlayAudio):
                        if sounding_until is None:
                            view.set_status(Status.SPEAKING, step.t)
                        sounding_until = (
                            max(sounding_until or step.t, step.t) + len(action.pcm) / _BYTES_PER_S
                        )
                    elif isinstance(action, FlushPlayback):
                        sounding_until = step.t
                if plain is not None:
                    plain.flush()
                elif screen is not None:
                    screen.update(view)
            last_t = max(last_t, sounding_until or last_t, self.frames[-1].t if self.frames else 0)
            view.set_status(Status.LISTENING, last_t)
            if self.speaker is not None:
                await self.speaker.drain(timeout=None if self.speed > 0 else 0)
        finally:
            if self.speaker is not None:
                await self.speaker.close()
            view.close(last_t)
            summary = summarize(view)
            if plain is not None:
                plain.flush()
                for line in summary_lines(summary):
                    print(line, file=sys.stderr)
            elif screen is not None:
                screen.update(view)
                screen.stop()
                screen.print(render_summary(summary))

    def _play(self, actions: Sequence[object]) -> None:
        speaker = self.speaker
        if speaker is None:
            return
        for action in actions:
            if isinstance(action, PlayAudio):
                speaker.play(action.pcm, action.item_id, action.content_index)
            elif isinstance(action, AudioDone):
                speaker.end_item(action.item_id)
            elif isinstance(action, FlushPlayback):
                speaker.flush()
