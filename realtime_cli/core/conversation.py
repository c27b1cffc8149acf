"""The conversation as a state machine: fed server events, local audio facts and the time;
returns the client events to send and the actions for the adapters. No I/O, no clock reads.

Barge-in on a websocket (DESIGN.md): on `input_audio_buffer.speech_started`, or a local speech
onset, playback is flushed at once; `response.cancel` goes out only when a response is active
and the server will not cancel it itself; when the adapter reports what was heard
(`playback_flushed`), `conversation.item.truncate` cuts the playing item at the audio that
reached the speaker, clamped to the audio received; later deltas of that response are
dropped. `output_audio_buffer.clear` is never sent: it is for WebRTC and SIP only.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from msgspec import UNSET

from realtime_cli.core.actions import (
    Action,
    AudioDone,
    CancelTool,
    FlushPlayback,
    FollowUpDropped,
    HeardRevised,
    Interrupted,
    Notice,
    PlayAudio,
    ResponseFailed,
    ResponseFinished,
    ResponseStarted,
    RunTool,
    Send,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    TranscriptFailed,
    UserTurnCommitted,
)
from realtime_cli.core.heard_text import split_heard
from realtime_cli.core.item_order import ItemOrder
from realtime_cli.protocol import (
    BaseClientEvent,
    BaseServerEvent,
    ContentPart,
    ConversationItemAdded,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemDone,
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionFailed,
    ConversationItemTruncate,
    ConversationItemTruncated,
    Error,
    FunctionCallOutputItem,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    MessageItem,
    RealtimeSession,
    ResponseCancel,
    ResponseCreate,
    ResponseCreated,
    ResponseCreateParams,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    SemanticVad,
    ServerVad,
    SessionCreated,
    SessionUpdated,
    Usage,
)

__all__ = ["AudioTrack", "ConversationCore", "CoreConfig"]

SAMPLE_RATE = 24000
BYTES_PER_MS = SAMPLE_RATE * 2 // 1000
#: How long to hold our own `response.create` back after a committed turn, waiting for the
#: server's automatic response, before deciding none is coming.
AUTO_RESPONSE_GRACE_S = 3.0
#: How many cancelled responses to remember for dropping their late deltas.
DROPPED_MEMORY = 64


@dataclass
class CoreConfig:
    """Behaviour switches of the conversation core."""

    auto_barge_in: bool = True
    auto_tool_response: bool = True


@dataclass
class AudioTrack:
    """An assistant audio item: what was received and what the listener heard of it."""

    item_id: str
    response_id: str
    content_index: int
    received_bytes: int = 0
    heard_ms: int = 0
    transcript: str = ""
    interrupted: bool = False
    #: The whole audio arrived (`response.output_audio.done`).
    audio_done: bool = False

    @property
    def received_ms(self) -> int:
        """Milliseconds of audio received so far."""
        return self.received_bytes // BYTES_PER_MS


@dataclass
class _ToolCalls:
    pending: set[str] = field(default_factory=set)
    answered: int = 0
    #: What the response that made the calls was asked for with (None: the server's own).
    params: ResponseCreateParams | None = None
    #: `ResponseFinished` said a follow-up response would come.
    promised: bool = False


class ConversationCore:
    """The sans-I/O heart of a voice session. Every input returns the actions to perform."""

    def __init__(self, config: CoreConfig | None = None) -> None:
        self.config = config or CoreConfig()
        self.session: RealtimeSession | None = None
        self.items = ItemOrder()
        self.tracks: dict[str, AudioTrack] = {}
        self.active_response: str | None = None
        self.usage_total = Usage(input_tokens=0, output_tokens=0, total_tokens=0)
        self._create_in_flight = False
        self._in_flight_params: ResponseCreateParams | None = None
        self._active_params: ResponseCreateParams | None = None
        self._auto_expected_since: float | None = None
        self._queue: deque[ResponseCreateParams | None] = deque()
        self._dropped: deque[str] = deque(maxlen=DROPPED_MEMORY)
        self._flush_pending = False
        self._tools: dict[str, _ToolCalls] = {}
        self._tool_response: dict[str, str] = {}
        self._done_responses: deque[str] = deque(maxlen=DROPPED_MEMORY)
        self._cancel_sent_for: str | None = None
        #: item_id -> (role, text): what each finished message said (as heard, if cut).
        self._texts: dict[str, tuple[str, str]] = {}
        #: response_id -> (usage, heard ms) of finished responses, to revise the heard share
        #: when their audio is cut after they finished generating.
        self._finished: dict[str, tuple[Usage, int]] = {}

    # ---- facts from the session's settings -------------------------------------------------

    def _turn_detection(self) -> ServerVad | SemanticVad | None:
        audio = self.session.audio if self.session is not None else None
        detection = getattr(getattr(audio, "input", None), "turn_detection", None)
        return detection if isinstance(detection, ServerVad | SemanticVad) else None

    def _server_cancels_on_speech(self) -> bool:
        detection = self._turn_detection()
        # The service's default for interrupt_response is true.
        return detection is not None and detection.interrupt_response is not False

    def _server_creates_responses(self) -> bool:
        detection = self._turn_detection()
        return detection is not None and detection.create_response is not False

    @property
    def response_pending(self) -> bool:
        """Whether a response is active, requested, expected from the server or queued."""
        return bool(
            self.active_response is not None
            or self._create_in_flight
            or self._auto_expected_since is not None
            or self._queue
        )

    def is_dropped(self, response_id: str) -> bool:
        """Whether deltas of this response are being discarded (it was interrupted)."""
        return response_id in self._dropped

    # ---- inputs ----------------------------------------------------------------------------

    def receive(
        self, event: BaseServerEvent, now: float, *, caused_by: BaseClientEvent | None = None
    ) -> list[Action]:
        """Feed one server event; `caused_by` is the client event an `error` refers to."""
        if isinstance(event, Error):
            return self._on_error(event, caused_by)
        handler = _HANDLERS.get(type(event))
        return [] if handler is None else handler(self, event, now)

    def tick(self, now: float) -> list[Action]:
        """Let time pass: give up waiting for an automatic response that never came."""
        if (
            self._auto_expected_since is not None
            and now - self._auto_expected_since > AUTO_RESPONSE_GRACE_S
        ):
            self._auto_expected_since = None
            return self._pump()
        return []

    def audio_heard(self, item_id: str, heard_ms: int) -> None:
        """Progress report from playback: `heard_ms` of the item have reached the listener."""
        track = self.tracks.get(item_id)
        if track is not None:
            track.heard_ms = max(track.heard_ms, min(heard_ms, track.received_ms))

    def local_speech_started(self, now: float, audio_start_ms: int = 0) -> list[Action]:
        """A local voice-activity onset: barge in without waiting for the server."""
        return [SpeechStarted(audio_start_ms, local=True), *self._barge_in(server_cancels=False)]

    def barge_in(self, now: float) -> list[Action]:
        """Interrupt the assistant on request (the library's `barge_in()`)."""
        return self._barge_in(server_cancels=False, forced=True)

    def playback_flushed(self, heard: Mapping[str, int], now: float) -> list[Action]:
        """The adapter flushed playback; `heard` gives, for each item that still had audio
        queued, how many ms of it reached the listener. Sends the truncation."""
        self._flush_pending = False
        actions: list[Action] = []
        for item_id, heard_ms in heard.items():
            track = self.tracks.get(item_id)
            if track is None or track.interrupted:
                continue  # unknown, or already cut by an earlier barge-in
            end_ms = max(0, min(int(heard_ms), track.received_ms))
            track.heard_ms = end_ms
            still_generating = track.response_id == self.active_response
            if end_ms >= track.received_ms and not still_generating:
                continue  # everything generated was heard: nothing to cut
            track.interrupted = True
            if end_ms == 0:
                # Nothing was heard: delete the item rather than truncate at 0 ms, which the
                # service is reported to refuse (PROTOCOL.md section 11).
                actions.append(Send(ConversationItemDelete(item_id=item_id)))
                self._texts.pop(item_id, None)
            else:
                actions.append(
                    Send(
                        ConversationItemTruncate(
                            item_id=item_id, content_index=track.content_index, audio_end_ms=end_ms
                        )
                    )
                )
            heard_text, unheard_text = split_heard(
                track.transcript, end_ms, track.received_ms, audio_complete=track.audio_done
            )
            if end_ms:
                self._texts[item_id] = ("assistant", heard_text)
            actions.append(
                Interrupted(item_id, end_ms, track.received_ms, heard_text, unheard_text)
            )
            actions += self._revise_heard(track.response_id)
        return actions

    def _revise_heard(self, response_id: str) -> list[Action]:
        """A response that had finished before the cut: its heard share changed."""
        finished = self._finished.get(response_id)
        if finished is None:
            return []
        usage, heard_before = finished
        tracks = [t for t in self.tracks.values() if t.response_id == response_id]
        generated = sum(t.received_ms for t in tracks)
        heard = sum(t.heard_ms if t.interrupted else t.received_ms for t in tracks)
        if heard == heard_before:
            return []
        self._finished[response_id] = (usage, heard)
        return [HeardRevised(response_id, usage, generated, heard_before, heard)]

    def request_response(self, params: ResponseCreateParams | None = None) -> list[Action]:
        """Ask for a response; it waits while another is active or about to start."""
        self._queue.append(params)
        return self._pump()

    def tool_result(self, call_id: str, output: str) -> list[Action]:
        """A tool finished (or failed: `output` then describes the error for the model)."""
        actions: list[Action] = [
            Send(
                ConversationItemCreate(item=FunctionCallOutputItem(call_id=call_id, output=output))
            )
        ]
        response_id = self._tool_response.pop(call_id, None)
        calls = self._tools.get(response_id) if response_id is not None else None
        if calls is None or response_id is None:
            return actions
        calls.pending.discard(call_id)
        calls.answered += 1
        if not calls.pending and response_id in self._done_responses:
            actions += self._follow_up(response_id)
        return actions

    # ---- internals -------------------------------------------------------------------------

    def _pump(self) -> list[Action]:
        if (
            not self._queue
            or self._create_in_flight
            or self.active_response is not None
            or self._auto_expected_since is not None
        ):
            return []
        params = self._queue.popleft()
        self._create_in_flight = True
        self._in_flight_params = params
        event = ResponseCreate() if params is None else ResponseCreate(response=params)
        return [Send(event)]

    def _follow_up(self, response_id: str) -> list[Action]:
        calls = self._tools.pop(response_id, None)
        if calls is None:
            return []
        if not calls.answered or not self.config.auto_tool_response or response_id in self._dropped:
            # Interrupted: the user's new turn decides what comes next.
            return [FollowUpDropped(response_id)] if calls.promised else []
        return self.request_response(_follow_up_params(calls.params))

    def _barge_in(self, *, server_cancels: bool, forced: bool = False) -> list[Action]:
        if not (self.config.auto_barge_in or forced):
            return []
        active = self.active_response
        unheard = any(
            not t.interrupted
            and (t.response_id == active or t.heard_ms < t.received_ms)
            and t.received_bytes > 0
            for t in self.tracks.values()
        )
        if active is None and not unheard:
            return []
        actions: list[Action] = []
        if not self._flush_pending:
            self._flush_pending = True
            actions.append(FlushPlayback("barge-in"))
        if active is not None:
            if active not in self._dropped:
                self._dropped.append(active)
            if not server_cancels and self._cancel_sent_for != active:
                self._cancel_sent_for = active
                actions.append(Send(ResponseCancel()))
        for track in self.tracks.values():
            if track.response_id not in self._dropped and track.heard_ms < track.received_ms:
                self._dropped.append(track.response_id)
        return actions

    def _on_error(self, event: Error, caused_by: BaseClientEvent | None) -> list[Action]:
        code = event.error.code
        if isinstance(caused_by, ResponseCreate):
            self._create_in_flight = False
            if code == "conversation_already_has_active_response":
                self._queue.appendleft(caused_by.response or None)
                return [Notice("response.create deferred: a response is already active")]
            return [ServerError(event.error, caused_by), *self._pump()]
        if isinstance(caused_by, ResponseCancel) or code == "response_cancel_not_active":
            return [Notice(f"response.cancel failed: {event.error.message}")]
        if isinstance(caused_by, ConversationItemTruncate | ConversationItemDelete):
            what = "truncate" if isinstance(caused_by, ConversationItemTruncate) else "delete"
            return [Notice(f"{what} failed: {event.error.message}", level="warning")]
        return [ServerError(event.error, caused_by)]

    # ---- server event handlers -------------------------------------------------------------

    def _on_session(self, event: SessionCreated | SessionUpdated, now: float) -> list[Action]:
        if isinstance(event.session, RealtimeSession):
            self.session = event.session
        return []

    def _on_item_added(
        self, event: ConversationItemAdded | ConversationItemDone, now: float
    ) -> list[Action]:
        item = event.item
        item_id = getattr(item, "id", UNSET)
        if isinstance(item_id, str):
            self.items.add(item_id, event.previous_item_id)
            if isinstance(item, MessageItem) and isinstance(event, ConversationItemDone):
                text = "".join(_part_text(part) for part in item.content)
                track = self.tracks.get(item_id)
                if track is not None and track.interrupted:
                    return []  # the heard part, set at the cut, is what counts
                if text or item_id not in self._texts:
                    self._texts[item_id] = (item.role, text)
        return []

    def history(self) -> list[tuple[str, str]]:
        """The finished messages, in conversation order, as (role, text); an interrupted
        assistant message as the part that was heard. For replaying a conversation into a
        new session after a reconnect."""
        return [
            self._texts[item_id]
            for item_id in self.items.ids()
            if item_id in self._texts and self._texts[item_id][1].strip()
        ]

    def _on_item_deleted(self, event: ConversationItemDeleted, now: float) -> list[Action]:
        self.items.remove(event.item_id)
        self.tracks.pop(event.item_id, None)
        return []

    def _on_committed(self, event: InputAudioBufferCommitted, now: float) -> list[Action]:
        self.items.add(event.item_id, event.previous_item_id)
        if self._server_creates_responses() and self.active_response is None:
            self._auto_expected_since = now
        return [UserTurnCommitted(event.item_id, self._transcribing())]

    def _transcribing(self) -> bool:
        audio = self.session.audio if self.session is not None else None
        transcription = getattr(getattr(audio, "input", None), "transcription", None)
        return transcription not in (None, UNSET)

    def _on_speech_started(self, event: InputAudioBufferSpeechStarted, now: float) -> list[Action]:
        # The service gives the item id the speech will have once committed.
        actions: list[Action] = [SpeechStarted(event.audio_start_ms, item_id=event.item_id)]
        return actions + self._barge_in(server_cancels=self._server_cancels_on_speech())

    def _on_speech_stopped(self, event: InputAudioBufferSpeechStopped, now: float) -> list[Action]:
        return [SpeechStopped(event.audio_end_ms)]

    def _on_response_created(self, event: ResponseCreated, now: float) -> list[Action]:
        response_id = event.response.id if isinstance(event.response.id, str) else ""
        # A response created while ours was in flight is ours (the service answers one
        # response.create at a time); otherwise the server made it (voice activity).
        self._active_params = self._in_flight_params if self._create_in_flight else None
        self._in_flight_params = None
        self._create_in_flight = False
        self._auto_expected_since = None
        self.active_response = response_id
        return [ResponseStarted(response_id)]

    def _on_response_done(self, event: ResponseDone, now: float) -> list[Action]:
        response = event.response
        response_id = response.id if isinstance(response.id, str) else ""
        if self.active_response == response_id:
            self.active_response = None
        self._done_responses.append(response_id)
        status = response.status if isinstance(response.status, str) else "completed"
        details = response.status_details
        reason = getattr(details, "reason", None)
        usage = response.usage if isinstance(response.usage, Usage) else None
        if usage is not None:
            self._add_usage(usage)
        tracks = [t for t in self.tracks.values() if t.response_id == response_id]
        generated = sum(t.received_ms for t in tracks)
        heard = sum(t.heard_ms if t.interrupted else t.received_ms for t in tracks)
        if usage is not None:
            self._finished[response_id] = (usage, heard)
            while len(self._finished) > DROPPED_MEMORY:
                self._finished.pop(next(iter(self._finished)))
        calls = self._tools.get(response_id)
        interrupted = status == "cancelled" or response_id in self._dropped
        if calls is not None:
            calls.promised = not interrupted and self.config.auto_tool_response
        actions: list[Action] = [
            ResponseFinished(
                response_id,
                status,
                reason if isinstance(reason, str) else None,
                usage,
                generated,
                heard,
                follow_up=calls is not None and calls.promised,
            )
        ]
        if status in ("failed", "incomplete"):
            actions.append(_failure(response_id, status, details))
        if calls is not None:
            if interrupted:
                actions += [CancelTool(call_id) for call_id in sorted(calls.pending)]
            elif not calls.pending:
                actions += self._follow_up(response_id)
        return actions + self._pump()

    def _add_usage(self, usage: Usage) -> None:
        total = self.usage_total
        for name in ("input_tokens", "output_tokens", "total_tokens"):
            value = getattr(usage, name)
            if isinstance(value, int):
                setattr(total, name, getattr(total, name) + value)

    def _track(self, response_id: str, item_id: str, content_index: int) -> AudioTrack:
        track = self.tracks.get(item_id)
        if track is None:
            track = AudioTrack(item_id, response_id, content_index)
            self.tracks[item_id] = track
        return track

    def _on_audio_delta(self, event: ResponseOutputAudioDelta, now: float) -> list[Action]:
        if event.response_id in self._dropped:
            return []
        track = self._track(event.response_id, event.item_id, event.content_index)
        track.received_bytes += len(event.delta)
        return [PlayAudio(event.response_id, event.item_id, event.content_index, event.delta)]

    def _on_audio_done(self, event: ResponseOutputAudioDone, now: float) -> list[Action]:
        track = self.tracks.get(event.item_id)
        if track is not None:
            track.audio_done = True
        return [] if event.response_id in self._dropped else [AudioDone(event.item_id)]

    def _on_transcript_delta(
        self, event: ResponseOutputAudioTranscriptDelta | ResponseOutputTextDelta, now: float
    ) -> list[Action]:
        if event.response_id in self._dropped:
            return []
        if isinstance(event, ResponseOutputAudioTranscriptDelta):
            track = self._track(event.response_id, event.item_id, event.content_index)
            track.transcript += event.delta
        return [TranscriptDelta("assistant", event.item_id, event.delta)]

    def _on_transcript_done(
        self, event: ResponseOutputAudioTranscriptDone | ResponseOutputTextDone, now: float
    ) -> list[Action]:
        text = (
            event.transcript if isinstance(event, ResponseOutputAudioTranscriptDone) else event.text
        )
        track = self.tracks.get(event.item_id)
        if track is not None and not track.interrupted:
            track.transcript = text
        return [TranscriptDone("assistant", event.item_id, text)]

    def _on_user_delta(
        self, event: ConversationItemInputAudioTranscriptionDelta, now: float
    ) -> list[Action]:
        delta = event.delta if isinstance(event.delta, str) else ""
        return [TranscriptDelta("user", event.item_id, delta)] if delta else []

    def _on_user_done(
        self, event: ConversationItemInputAudioTranscriptionCompleted, now: float
    ) -> list[Action]:
        self._texts[event.item_id] = ("user", event.transcript)
        return [TranscriptDone("user", event.item_id, event.transcript)]

    def _on_user_failed(
        self, event: ConversationItemInputAudioTranscriptionFailed, now: float
    ) -> list[Action]:
        message = event.error.message if isinstance(event.error.message, str) else ""
        code = event.error.code if isinstance(event.error.code, str) else ""
        return [TranscriptFailed(event.item_id, message or code or "transcription failed")]

    def _on_function_call(
        self, event: ResponseFunctionCallArgumentsDone, now: float
    ) -> list[Action]:
        if event.response_id in self._dropped:
            return []
        calls = self._tools.get(event.response_id)
        if calls is None:
            mine = event.response_id == self.active_response
            calls = self._tools[event.response_id] = _ToolCalls(
                params=self._active_params if mine else None
            )
        calls.pending.add(event.call_id)
        self._tool_response[event.call_id] = event.response_id
        return [RunTool(event.call_id, event.name, event.arguments)]

    def _on_truncated(self, event: ConversationItemTruncated, now: float) -> list[Action]:
        track = self.tracks.get(event.item_id)
        if track is not None:
            track.interrupted = True
        return []


def _part_text(part: ContentPart) -> str:
    for value in (part.text, part.transcript):
        if isinstance(value, str):
            return value
    return ""


_RETRY = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s|m)\b", re.IGNORECASE)


def _follow_up_params(origin: ResponseCreateParams | None) -> ResponseCreateParams | None:
    """The response after tool calls answers as the one that made them was asked to (text
    only, its instructions, its metadata), but not with its `input` or `tool_choice`: those
    shaped the calls, and a forced tool choice would only call again."""
    if origin is None:
        return None
    keep = ("audio", "instructions", "max_output_tokens", "metadata", "output_modalities")
    params = ResponseCreateParams()
    for name in keep:
        value = getattr(origin, name)
        if value is not UNSET:
            setattr(params, name, value)
    return params if params != ResponseCreateParams() else None


def _failure(response_id: str, status: str, details: object) -> ResponseFailed:
    """What a failed or incomplete response's `status_details` tell the user."""
    reason = getattr(details, "reason", None)
    error = getattr(details, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    retry = None
    if isinstance(message, str) and (match := _RETRY.search(message)):
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(2).lower()]
        retry = float(match.group(1)) * scale
    return ResponseFailed(
        response_id,
        status,
        reason if isinstance(reason, str) else None,
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
        retry,
    )


_HANDLERS: dict[type[BaseServerEvent], Callable[[ConversationCore, Any, float], list[Action]]] = {
    SessionCreated: ConversationCore._on_session,
    SessionUpdated: ConversationCore._on_session,
    ConversationItemAdded: ConversationCore._on_item_added,
    ConversationItemDone: ConversationCore._on_item_added,
    ConversationItemDeleted: ConversationCore._on_item_deleted,
    ConversationItemTruncated: ConversationCore._on_truncated,
    InputAudioBufferCommitted: ConversationCore._on_committed,
    InputAudioBufferSpeechStarted: ConversationCore._on_speech_started,
    InputAudioBufferSpeechStopped: ConversationCore._on_speech_stopped,
    ResponseCreated: ConversationCore._on_response_created,
    ResponseDone: ConversationCore._on_response_done,
    ResponseOutputAudioDelta: ConversationCore._on_audio_delta,
    ResponseOutputAudioDone: ConversationCore._on_audio_done,
    ResponseOutputAudioTranscriptDelta: ConversationCore._on_transcript_delta,
    ResponseOutputTextDelta: ConversationCore._on_transcript_delta,
    ResponseOutputAudioTranscriptDone: ConversationCore._on_transcript_done,
    ResponseOutputTextDone: ConversationCore._on_transcript_done,
    ConversationItemInputAudioTranscriptionDelta: ConversationCore._on_user_delta,
    ConversationItemInputAudioTranscriptionCompleted: ConversationCore._on_user_done,
    ConversationItemInputAudioTranscriptionFailed: ConversationCore._on_user_failed,
    ResponseFunctionCallArgumentsDone: ConversationCore._on_function_call,
}
