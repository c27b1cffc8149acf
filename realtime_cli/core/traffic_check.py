"""Anomalies in recorded websocket traffic (`rt replay --check`). Pure: fed the frames of a
log in order, returns what a developer reading a bug report should look at first."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from realtime_cli.protocol import ProtocolError, decode_server_event

__all__ = ["Anomaly", "TrafficFrame", "check_traffic"]

_BYTES_PER_MS = 48  # 24 kHz PCM16 mono

#: Server events that announce an item, and where its id is.
_ANNOUNCE_ITEM = {
    "conversation.item.added": "item",
    "conversation.item.created": "item",
    "conversation.item.done": "item",
    "conversation.item.retrieved": "item",
    "response.output_item.added": "item",
    "response.output_item.done": "item",
}
#: Server events whose `item_id` names the (future) item of the user's audio.
_ANNOUNCE_ITEM_ID = frozenset(
    {
        "input_audio_buffer.committed",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.timeout_triggered",
    }
)
#: Server events that belong to a response: they must fall between its created and done.
_RESPONSE_PREFIX = "response."
_RESPONSE_LIFECYCLE = frozenset({"response.created", "response.done"})


class TrafficFrame(Protocol):
    """One recorded frame (a `transport.event_log_reader.LogEntry` is one)."""

    @property
    def line(self) -> int: ...
    @property
    def t(self) -> float: ...
    @property
    def direction(self) -> str | None: ...
    @property
    def event(self) -> dict[str, Any] | None: ...
    @property
    def raw(self) -> str | None: ...
    @property
    def problem(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Something in the traffic that a correct client and server should not produce."""

    line: int
    t: float
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line} (t={self.t:.3f} s): {self.kind}: {self.message}"


def _audio_bytes(delta: Any) -> int:
    """Bytes of PCM a delta carried: logs keep the base64 text or, without --log-audio, the
    decoded length."""
    if isinstance(delta, int) and not isinstance(delta, bool):
        return max(0, delta)
    if isinstance(delta, str):
        try:
            return len(base64.b64decode(delta, validate=False))
        except (binascii.Error, ValueError):
            return 0
    return 0


class _Checker:
    def __init__(self) -> None:
        self.anomalies: list[Anomaly] = []
        self.items: set[str] = set()
        self.audio_bytes: dict[str, int] = {}
        self.active: dict[str, float] = {}  # response id -> t created
        self.ended: set[str] = set()
        self.sent: dict[str, tuple[str, int, float]] = {}  # event_id -> type, line, t

    def add(self, frame: TrafficFrame, kind: str, message: str) -> None:
        self.anomalies.append(Anomaly(frame.line, frame.t, kind, message))

    def frame(self, frame: TrafficFrame) -> None:
        if frame.problem is not None:
            self.add(frame, "unreadable line", frame.problem)
        elif frame.event is None:
            if frame.direction == "recv":
                self.add(frame, "malformed frame", f"the server sent non-JSON: {frame.raw!r:.80}")
        elif frame.direction == "send":
            self.sent_event(frame, frame.event)
        else:
            self.received_event(frame, frame.event)

    def sent_event(self, frame: TrafficFrame, event: dict[str, Any]) -> None:
        kind = event.get("type")
        event_id = event.get("event_id")
        if isinstance(event_id, str) and isinstance(kind, str):
            self.sent[event_id] = (kind, frame.line, frame.t)
        if kind == "conversation.item.truncate":
            item_id = event.get("item_id")
            end = event.get("audio_end_ms")
            if isinstance(item_id, str) and isinstance(end, int):
                received = self.audio_bytes.get(item_id, 0) // _BYTES_PER_MS
                if end > received:
                    self.add(
                        frame,
                        "truncation beyond the audio",
                        f"{item_id} cut at {end} ms but only {received} ms of its audio "
                        "had arrived",
                    )
                elif end < 0:
                    self.add(frame, "truncation beyond the audio", f"{item_id} cut at {end} ms")

    def received_event(self, frame: TrafficFrame, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if not isinstance(kind, str):
            self.add(frame, "malformed frame", "a server event without a string 'type'")
            return
        if not self.decodes(frame, event):
            return
        if kind == "session.created":
            # A new connection (a reconnect): the server knows nothing of earlier items.
            self.items.clear()
            self.active.clear()
        if kind == "error":
            self.error(frame, event)
            return
        self.response_order(frame, kind, event)
        self.item_reference(frame, kind, event)

    def decodes(self, frame: TrafficFrame, event: dict[str, Any]) -> bool:
        if event.get("type") == "response.output_audio.delta" and not isinstance(
            event.get("delta"), str
        ):
            return True  # logged without audio: the length stands in for the payload
        try:
            decode_server_event(msgspec.json.encode(event))
        except ProtocolError as exc:
            self.add(frame, "malformed event", exc.message)
            return False
        return True

    def error(self, frame: TrafficFrame, event: dict[str, Any]) -> None:
        error = event.get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code") or error.get("type") or "error"
        message = f"{code}: {error.get('message', '')}".rstrip(": ")
        cause = error.get("event_id")
        if isinstance(cause, str) and cause in self.sent:
            sent_kind, line, t = self.sent[cause]
            message += f" (caused by {sent_kind} sent at line {line}, t={t:.3f} s)"
        elif isinstance(cause, str):
            message += f" (caused by event {cause}, not in the log)"
        self.add(frame, "server error", message)

    def response_order(self, frame: TrafficFrame, kind: str, event: dict[str, Any]) -> None:
        if kind == "response.created":
            response = event.get("response")
            rid = response.get("id") if isinstance(response, dict) else None
            if not isinstance(rid, str):
                return
            for other in self.active:
                self.add(frame, "overlapping responses", f"{rid} created while {other} is active")
            self.active[rid] = frame.t
        elif kind == "response.done":
            response = event.get("response")
            rid = response.get("id") if isinstance(response, dict) else None
            if not isinstance(rid, str):
                return
            if rid not in self.active and rid not in self.ended:
                self.add(frame, "unknown response", f"{rid} ended but was never created")
            self.active.pop(rid, None)
            self.ended.add(rid)
        elif kind.startswith(_RESPONSE_PREFIX) and kind not in _RESPONSE_LIFECYCLE:
            rid = event.get("response_id")
            if isinstance(rid, str) and rid in self.ended:
                self.add(frame, "event after its response ended", f"{kind} for {rid}")
            elif isinstance(rid, str) and rid not in self.active:
                self.add(frame, "unknown response", f"{kind} for {rid}, never created")

    def item_reference(self, frame: TrafficFrame, kind: str, event: dict[str, Any]) -> None:
        if kind in _ANNOUNCE_ITEM:
            item = event.get(_ANNOUNCE_ITEM[kind])
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str):
                self.items.add(item_id)
            return
        item_id = event.get("item_id")
        if not isinstance(item_id, str):
            return
        if kind in _ANNOUNCE_ITEM_ID:
            self.items.add(item_id)
            return
        if item_id not in self.items:
            self.add(frame, "event for an unknown item", f"{kind} for {item_id}")
        if kind == "response.output_audio.delta":
            self.audio_bytes[item_id] = self.audio_bytes.get(item_id, 0) + _audio_bytes(
                event.get("delta")
            )
        elif kind == "conversation.item.deleted":
            self.items.discard(item_id)


def check_traffic(frames: Iterable[TrafficFrame]) -> list[Anomaly]:
    """Every anomaly in the traffic, in log order (an empty list: nothing to report)."""
    checker = _Checker()
    for frame in frames:
        checker.frame(frame)
    return checker.anomalies
