"""One emulated GA session as a sans-I/O state machine.

`SessionMachine` is fed decoded client frames and the current time and returns the server
events to send; streaming (response deltas paced faster than real time, the delayed
`rate_limits.updated`) is a queue of timers that `advance(now)` runs, with
`next_deadline()` telling the I/O layer when to call it. No sockets, no clock reads, so a
unit test drives a whole conversation by passing times.

A response runs as a generator: each `yield` returns the time of its next step, and the
events of a step are emitted into the machine's outbox. Cancelling a response closes the
generator and emits the closing events the service sends (`response.done` status
`cancelled`).

Each concern lives in its own module as a mixin over `machine_core.MachineCore` (the outbox,
timers and shared settings): `session_update` (session configuration), `input_audio`
(buffer and VAD), `transcription`, `item_events` (the conversation), `responses`,
`function_calls` (tools), `lifetime` (the session cap); `frames` decodes client frames.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.frames import Incoming, decode_frame
from realtime_cli.emulator.input_audio import InputAudio
from realtime_cli.emulator.item_events import ItemEvents
from realtime_cli.emulator.lifetime import Lifetime
from realtime_cli.emulator.mcp_calls import McpCalls
from realtime_cli.emulator.session_update import SessionUpdates
from realtime_cli.emulator.transcription import Transcription
from realtime_cli.protocol import (
    BaseServerEvent,
    ClientEvent,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemRetrieve,
    ConversationItemTruncate,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCommit,
    ResponseCancel,
    ResponseCreate,
    SessionCreated,
    SessionUpdate,
)

__all__ = ["SessionMachine", "decode_frame"]


class SessionMachine(SessionUpdates, InputAudio, Transcription, ItemEvents, McpCalls, Lifetime):
    """The service's side of one realtime or transcription session, without I/O.

    `speed` is how much faster than real time audio is produced (the service runs at a
    few times real time); `chunk_ms` is the duration of each `response.output_audio.delta`.
    """

    # --- the I/O layer's interface --------------------------------------------------------

    def start(self, now: float) -> list[BaseServerEvent]:
        """The events sent right after the websocket opens (`session.created`)."""
        self._now = now
        self._emit(SessionCreated(event_id=self._eid(), session=self.session))
        if self.lifetime is not None:
            self._schedule(now + self.lifetime, None, self._expire)
        return self._flush()

    def receive(self, frame: str | bytes, now: float) -> list[BaseServerEvent]:
        """Decode and handle one websocket message."""
        return self.handle(decode_frame(frame), now)

    def handle(self, incoming: Incoming, now: float) -> list[BaseServerEvent]:
        """Handle one decoded client frame; returns due events first, then the replies.

        Once `close_request` is set the session is over and frames are ignored.
        """
        self._run_due(now)
        if self.close_request is not None:
            return self._flush()
        if incoming.error is not None:
            self._refuse(incoming.error, incoming.event_id)
        elif incoming.closes:
            self._on_session_close()
        elif incoming.event is not None:
            try:
                self._dispatch(incoming.event)
            except ClientError as exc:
                self._refuse(exc, incoming.event_id)
        return self._flush()

    def _refuse(self, error: ClientError, event_id: str | None) -> None:
        """Answer a refused client event with its `error`, late in live mode. Observed: a
        refused commit is answered 0.8-1 s later, after the next commit's `committed`
        (errors are not in request order). That every refusal is as late is a guess (the
        harsher one: a client must match errors by `event_id`, never by position)."""
        low, high = self.realism.error_s
        delay = self.rng.uniform(low, high) if high > 0 else 0.0
        self._later(delay, partial(self._error, error, event_id))

    def advance(self, now: float) -> list[BaseServerEvent]:
        """Run every timer due by `now` (response deltas, rate limits)."""
        self._run_due(now)
        return self._flush()

    def next_deadline(self) -> float | None:
        """When `advance` next has something to do, or None when idle."""
        return self._timers[0].due if self._timers else None

    @property
    def active_response_ids(self) -> list[str]:
        """Ids of the responses in progress."""
        return list(self._active)

    def _dispatch(self, event: ClientEvent) -> None:
        handlers: dict[type[Any], Callable[[Any], None]] = {
            SessionUpdate: self._on_session_update,
            InputAudioBufferAppend: self._on_append,
            InputAudioBufferCommit: self._on_commit,
            InputAudioBufferClear: self._on_clear,
            ConversationItemCreate: self._on_item_create,
            ConversationItemRetrieve: self._on_item_retrieve,
            ConversationItemDelete: self._on_item_delete,
            ConversationItemTruncate: self._on_item_truncate,
            ResponseCreate: self._on_response_create,
            ResponseCancel: self._on_response_cancel,
        }
        handler = handlers.get(type(event))
        if handler is None:
            raise ClientError("invalid_value", f"Invalid value: '{event.type}'.", "type")
        handler(event)
