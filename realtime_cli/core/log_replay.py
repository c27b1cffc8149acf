"""Recorded traffic fed back through the conversation core (`rt replay`). Pure: the frames
of a log in, the actions the live run's adapters saw out, each at its recorded time.

The live run's playback is not in the log, only its consequences: what was heard of an
interrupted item is the `audio_end_ms` of the truncation the live run sent (0 for an item it
deleted), and a truncation the replayed core did not start itself (a local barge-in) starts
one. Audio logged without `--log-audio` comes back as silence of the recorded length.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from realtime_cli.core.actions import Action, FlushPlayback
from realtime_cli.core.conversation import ConversationCore, CoreConfig
from realtime_cli.core.traffic_check import TrafficFrame
from realtime_cli.protocol import (
    BaseClientEvent,
    BaseServerEvent,
    ProtocolError,
    decode_client_event,
    decode_server_event,
)

__all__ = ["ReplayStep", "conversation_history", "has_audio", "replay_steps"]

_AUDIO_DELTA = "response.output_audio.delta"


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """The actions one recorded frame gave, at the frame's time (seconds into the log)."""

    t: float
    actions: list[Action]


def has_audio(frames: Sequence[TrafficFrame]) -> bool:
    """Whether the log kept the assistant's audio (`--log-audio`)."""
    return any(
        f.direction == "recv"
        and f.event is not None
        and f.event.get("type") == _AUDIO_DELTA
        and isinstance(f.event.get("delta"), str)
        for f in frames
    )


def _with_audio(event: dict[str, Any]) -> bytes:
    if event.get("type") == _AUDIO_DELTA and isinstance(event.get("delta"), int):
        # Logged as its length: silence of that length keeps the accounting right.
        event = {**event, "delta": bytes(max(0, event["delta"]))}
    return msgspec.json.encode(event)


def _cuts(frames: Sequence[TrafficFrame]) -> dict[str, int]:
    """item id -> ms heard, from the first truncation (or deletion) the live run sent."""
    cuts: dict[str, int] = {}
    for frame in frames:
        event = frame.event
        if frame.direction != "send" or event is None:
            continue
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or item_id in cuts:
            continue
        if event.get("type") == "conversation.item.truncate":
            end = event.get("audio_end_ms")
            cuts[item_id] = end if isinstance(end, int) else 0
        elif event.get("type") == "conversation.item.delete":
            cuts[item_id] = 0
    return cuts


class _Replayer:
    def __init__(self, frames: Sequence[TrafficFrame]) -> None:
        # The live run answered tools itself; the log has its outputs, so never ask again.
        self.core = ConversationCore(CoreConfig(auto_tool_response=False))
        self.cuts = _cuts(frames)
        self.sent: dict[str, BaseClientEvent] = {}

    def heard(self) -> dict[str, int]:
        return {
            item_id: self.cuts.get(item_id, track.received_ms)
            for item_id, track in self.core.tracks.items()
            if not track.interrupted
        }

    def settle(self, actions: list[Action], t: float) -> list[Action]:
        if any(isinstance(a, FlushPlayback) for a in actions):
            actions += self.core.playback_flushed(self.heard(), t)
        return actions

    def frame(self, frame: TrafficFrame) -> list[Action]:
        event = frame.event
        if event is None:
            return []
        if frame.direction == "send":
            return self.sent_event(frame, event)
        try:
            decoded = decode_server_event(_with_audio(event))
        except ProtocolError:
            return []  # `--check` reports it; the replay goes on like the live run did
        if not isinstance(decoded, BaseServerEvent):
            return []  # an event type this version does not know
        caused_by = None
        error = event.get("error")
        if isinstance(error, dict) and isinstance(error.get("event_id"), str):
            caused_by = self.sent.get(error["event_id"])
        return self.settle(self.core.receive(decoded, frame.t, caused_by=caused_by), frame.t)

    def sent_event(self, frame: TrafficFrame, event: dict[str, Any]) -> list[Action]:
        try:
            decoded = decode_client_event(msgspec.json.encode(event))
        except ProtocolError:
            return []
        event_id = getattr(decoded, "event_id", None)
        if isinstance(event_id, str) and isinstance(decoded, BaseClientEvent):
            self.sent[event_id] = decoded
        item_id = event.get("item_id")
        if event.get("type") in ("conversation.item.truncate", "conversation.item.delete"):
            track = self.core.tracks.get(item_id) if isinstance(item_id, str) else None
            if track is not None and not track.interrupted:
                # The live run barged in locally (a key, or its own detector).
                return self.settle(self.core.barge_in(frame.t), frame.t)
        return []


def replay_steps(frames: Sequence[TrafficFrame]) -> Iterator[ReplayStep]:
    """The core's actions for each frame that gave any, in log order."""
    replayer = _Replayer(frames)
    for frame in frames:
        actions = replayer.frame(frame)
        if actions:
            yield ReplayStep(frame.t, actions)


def conversation_history(frames: Sequence[TrafficFrame]) -> list[tuple[str, str]]:
    """The finished messages of a logged conversation as `(role, text)`, an interrupted
    answer as the part that was heard: what `rt talk --resume` seeds a new session with."""
    replayer = _Replayer(frames)
    for frame in frames:
        replayer.frame(frame)
    return replayer.core.history()
