"""Matching a server `error` to the client event that caused it, through `event_id`.

The service echoes the offending client event's `event_id` in `error.event_id`, so every
outgoing event gets one (`evt_<n>` unless the caller set its own) and the most recent ones
are remembered in a bounded map.
"""

from __future__ import annotations

from collections import OrderedDict

import msgspec

from realtime_cli.protocol import (
    BaseClientEvent,
    Error,
    InputAudioBufferAppend,
    UnknownClientEvent,
)

__all__ = ["DEFAULT_REMEMBERED", "SentEvents"]

#: How many sent events are remembered. An error arrives within a few events of its cause;
#: at 50 appends a second this still covers several seconds of audio.
DEFAULT_REMEMBERED = 512

OutgoingEvent = BaseClientEvent | UnknownClientEvent


class SentEvents:
    """Assigns client `event_id`s and remembers the last `capacity` events sent.

    Appends are remembered without their audio (`audio=b""`) so that memory stays bounded
    whatever the append size.
    """

    def __init__(self, capacity: int = DEFAULT_REMEMBERED, prefix: str = "evt_") -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._prefix = prefix
        self._next = 1
        self._events: OrderedDict[str, OutgoingEvent] = OrderedDict()

    def __len__(self) -> int:
        return len(self._events)

    def assign_id(self, event: OutgoingEvent) -> tuple[OutgoingEvent, str]:
        """The event with an `event_id` (a copy when one had to be added) and that id."""
        if isinstance(event, UnknownClientEvent):
            existing = event.raw.get("event_id")
            if isinstance(existing, str) and existing:
                return event, existing
            new_id = self._new_id()
            return UnknownClientEvent(event.type, {**event.raw, "event_id": new_id}), new_id
        if isinstance(event.event_id, str) and event.event_id:
            return event, event.event_id
        new_id = self._new_id()
        return msgspec.structs.replace(event, event_id=new_id), new_id

    def remember(self, event_id: str, event: OutgoingEvent) -> None:
        """Record a sent event; the oldest is forgotten once the map is full."""
        if isinstance(event, InputAudioBufferAppend):
            event = msgspec.structs.replace(event, audio=b"")
        self._events[event_id] = event
        self._events.move_to_end(event_id)
        while len(self._events) > self._capacity:
            self._events.popitem(last=False)

    def get(self, event_id: str | None) -> OutgoingEvent | None:
        """The remembered event with this id, or None (unknown, forgotten, or no id)."""
        if not event_id:
            return None
        return self._events.get(event_id)

    def cause_of(self, error: Error) -> OutgoingEvent | None:
        """The client event an `error` event names in `error.event_id`, if remembered."""
        event_id = error.error.event_id
        return self.get(event_id if isinstance(event_id, str) else None)

    def _new_id(self) -> str:
        while True:
            candidate = f"{self._prefix}{self._next}"
            self._next += 1
            # A caller's own ids may use the same pattern; never shadow one of them.
            if candidate not in self._events:
                return candidate
