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
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from realtime_cli.emulator.conversation import Conversation, item_id, strip_audio
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.faults import SESSION_EXPIRED_CLOSE, session_expired_error
from realtime_cli.emulator.formats import bytes_per_ms, decode_samples, encode_pcm24k
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.replies import FunctionPlan, plan_reply
from realtime_cli.emulator.script import Script
from realtime_cli.emulator.session_config import (
    check_response_params,
    check_session,
    merge_session,
)
from realtime_cli.emulator.synth import SAMPLE_RATE, Speech, speak, word_pieces
from realtime_cli.emulator.unknown_fields import find_unknown_field
from realtime_cli.emulator.vad import EnergyVad, SpeechStart, SpeechStop
from realtime_cli.protocol import (
    CLIENT_EVENT_TYPES,
    UNSET,
    AudioFormat,
    AudioTranscription,
    BaseServerEvent,
    CachedTokenDetails,
    ClientEvent,
    ContentPart,
    ConversationItemAdded,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemDone,
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta,
    ConversationItemRetrieve,
    ConversationItemRetrieved,
    ConversationItemTruncate,
    ConversationItemTruncated,
    Error,
    FunctionCallItem,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCleared,
    InputAudioBufferCommit,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioConfig,
    InputTokenDetails,
    InvalidClientEvent,
    Item,
    ItemReference,
    LogProb,
    MessageItem,
    OutputAudioConfig,
    OutputTokenDetails,
    ProtocolError,
    RateLimit,
    RateLimitsUpdated,
    RealtimeAudioConfig,
    RealtimeSession,
    Response,
    ResponseAudio,
    ResponseCancel,
    ResponseContentPart,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseCreate,
    ResponseCreated,
    ResponseCreateParams,
    ResponseDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    ResponseStatusDetails,
    SemanticVad,
    ServerVad,
    Session,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    Tool,
    ToolChoice,
    TranscriptionAudioConfig,
    TranscriptionDurationUsage,
    TranscriptionInputTokenDetails,
    TranscriptionTokenUsage,
    UnknownClientEvent,
    Usage,
    decode_client_event,
    validate_client_event,
)

__all__ = ["WS_EVENT_TYPES", "Incoming", "SessionMachine", "decode_frame"]

#: Client event types the service accepts over a websocket (`output_audio_buffer.clear`
#: is for WebRTC and SIP only).
WS_EVENT_TYPES = tuple(t for t in CLIENT_EVENT_TYPES if t != "output_audio_buffer.clear")

#: A manual commit needs at least this much audio.
MIN_COMMIT_MS = 100
#: With server VAD on, audio this far before the current position is dropped while idle.
IDLE_KEEP_MS = 1000
#: `semantic_vad` is emulated as energy VAD with an eagerness-dependent silence.
EAGERNESS_SILENCE_MS = {"low": 800, "medium": 500, "auto": 500, "high": 250}
TOKEN_LIMIT = 40_000
LOGPROBS_INCLUDE = "item.input_audio_transcription.logprobs"

_JSON = msgspec.json.Decoder()


@dataclass(frozen=True)
class Incoming:
    """One client frame, decoded: the event, or the error the service would answer with."""

    frame: str | bytes
    event: ClientEvent | None
    error: ClientError | None
    event_id: str | None


def _param(path: str) -> str:
    return path.removeprefix("$").removeprefix(".")


def _decode_error(exc: ProtocolError) -> ClientError:
    """Turn msgspec's complaint about a known event into the service's error codes."""
    cause = str(exc.__cause__ or exc.reason)
    message, _, where = cause.partition(" - at `")
    path = _param(where.rstrip("`"))
    if message.startswith("Object missing required field `"):
        name = message.split("`")[1]
        full = f"{path}.{name}" if path else name
        return ClientError(
            "missing_required_parameter", f"Missing required parameter: '{full}'.", full
        )
    if message.startswith("Expected `"):
        return ClientError(
            "invalid_type", f"Invalid type for '{path}': {message.lower()}.", path or None
        )
    return ClientError("invalid_value", f"Invalid value for '{path}': {message}.", path or None)


def decode_frame(frame: str | bytes) -> Incoming:
    """Decode a websocket message the way the service does, strict about unknown fields."""
    if isinstance(frame, bytes):
        error = ClientError(
            "invalid_event", "Binary frames are not supported; send events as JSON text."
        )
        return Incoming(frame, None, error, None)
    try:
        raw = _JSON.decode(frame)
    except msgspec.DecodeError as exc:
        return Incoming(frame, None, ClientError("invalid_json", f"Invalid JSON: {exc}."), None)
    if not isinstance(raw, dict):
        error = ClientError("invalid_json", "Invalid event: expected a JSON object.")
        return Incoming(frame, None, error, None)
    event_id = raw.get("event_id") if isinstance(raw.get("event_id"), str) else None
    kind = raw.get("type")
    if not isinstance(kind, str):
        error = ClientError(
            "missing_required_parameter", "Missing required parameter: 'type'.", "type"
        )
        return Incoming(frame, None, error, event_id)
    if kind not in WS_EVENT_TYPES:
        supported = ", ".join(f"'{t}'" for t in WS_EVENT_TYPES)
        error = ClientError(
            "invalid_value",
            f"Invalid value: '{kind}'. Supported values are: {supported}.",
            "type",
        )
        return Incoming(frame, None, error, event_id)
    try:
        event = decode_client_event(frame)
    except ProtocolError as exc:
        return Incoming(frame, None, _decode_error(exc), event_id)
    if isinstance(event, UnknownClientEvent):  # pragma: no cover - known types only get here
        return Incoming(frame, None, ClientError("invalid_value", "Unknown event.", "type"), None)
    unknown = find_unknown_field(raw, type(event))
    if unknown is not None:
        error = ClientError("unknown_parameter", f"Unknown parameter: '{unknown}'.", unknown)
        return Incoming(frame, event, error, event_id)
    return Incoming(frame, event, None, event_id)


def _text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    key: str | None = field(compare=False)
    run: Callable[[], None] = field(compare=False)


@dataclass
class _Active:
    """A response in progress and how far it got (for a clean cancellation)."""

    response: Response
    in_conversation: bool
    modality: str
    audio_format: AudioFormat
    input_tokens: int
    cached_tokens: int
    input_audio_tokens: int
    item: MessageItem | FunctionCallItem | None = None
    previous_item_id: str | None = None
    part_open: bool = False
    text: str = ""
    audio: bytearray = field(default_factory=bytearray)
    generator: Generator[float, None, None] | None = None

    @property
    def id(self) -> str:
        value = self.response.id
        return value if isinstance(value, str) else ""


class SessionMachine:
    """The service's side of one realtime or transcription session, without I/O.

    `speed` is how much faster than real time audio is produced (the service runs at a
    few times real time); `chunk_ms` is the duration of each `response.output_audio.delta`.
    """

    def __init__(
        self,
        session: Session,
        *,
        ids: IdFactory | None = None,
        script: Script | None = None,
        speed: float = 5.0,
        chunk_ms: int = 150,
        text_interval_ms: float = 25.0,
        rate_limit_delay: float = 0.04,
        lifetime: float | None = None,
        now: float = 0.0,
        vad_dbfs: float | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.session: Session = session
        self.ids = ids or IdFactory()
        self.script = script or Script()
        self.speed = speed
        self.chunk_ms = chunk_ms
        self.text_interval_ms = text_interval_ms
        self.rate_limit_delay = rate_limit_delay
        #: Seconds from `start` until the session expires (`error` session_expired, then
        #: `close_request`); None never expires.
        self.lifetime = lifetime
        #: A fixed server VAD level (dBFS per 10 ms frame) instead of the session's threshold.
        self.vad_dbfs = vad_dbfs
        #: When set, seconds between two deltas of a response (the `slow-response` fault);
        #: may change between calls and applies from the next delta on.
        self.delta_pause: float | None = None
        #: Set when the machine wants the connection closed: (close code, reason). The I/O
        #: layer sends what was returned, then closes; the machine emits nothing more.
        self.close_request: tuple[int, str] | None = None
        self.conversation = Conversation()
        self.conversation_id = self.ids.next("conv")
        #: Set once assistant audio was produced; the voice is fixed from then on.
        self.audio_produced = False
        self._now = now
        self._outbox: list[BaseServerEvent] = []
        self._timers: list[_Timer] = []
        self._seq = 0
        self._active: dict[str, _Active] = {}
        self._item_bpm: dict[str, int] = {}
        self._tokens_seen = 0
        self._buffer = bytearray()
        self._buffer_start_ms = 0.0
        self._audio_ms = 0.0
        self._speech_item: str | None = None
        self._speech_start_ms = 0.0
        self._vad: EnergyVad | None = None
        self._vad_key: tuple[object, ...] | None = None
        self._configure_vad()

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
            self._error(incoming.error, incoming.event_id)
        elif incoming.event is not None:
            try:
                self._dispatch(incoming.event)
            except ClientError as exc:
                self._error(exc, incoming.event_id)
        return self._flush()

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

    # --- plumbing ------------------------------------------------------------------------

    def _eid(self) -> str:
        return self.ids.next("event")

    def _emit(self, event: BaseServerEvent) -> None:
        self._outbox.append(event)

    def _flush(self) -> list[BaseServerEvent]:
        events, self._outbox = self._outbox, []
        return events

    def _error(self, error: ClientError, event_id: str | None) -> None:
        self._emit(Error(event_id=self._eid(), error=error.details(event_id)))

    def _schedule(self, due: float, key: str | None, run: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._timers, _Timer(due, self._seq, key, run))

    def _run_due(self, now: float) -> None:
        self._now = max(self._now, now)
        while self._timers and self._timers[0].due <= self._now and self.close_request is None:
            heapq.heappop(self._timers).run()

    def _expire(self) -> None:
        assert self.lifetime is not None
        self._emit(Error(event_id=self._eid(), error=session_expired_error(self.lifetime)))
        self._timers.clear()
        self.close_request = SESSION_EXPIRED_CLOSE

    def _pace(self, planned: float, index: int) -> float:
        """When delta number `index` of a response is due: as planned, or `delta_pause`
        after the previous one."""
        if self.delta_pause is None or index == 0:
            return planned
        return self._now + self.delta_pause

    def _drop_timers(self, key: str) -> None:
        self._timers = [timer for timer in self._timers if timer.key != key]
        heapq.heapify(self._timers)

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

    # --- session configuration -----------------------------------------------------------

    @property
    def _realtime(self) -> RealtimeSession | None:
        return self.session if isinstance(self.session, RealtimeSession) else None

    def _input_config(self) -> InputAudioConfig:
        audio = self.session.audio
        if isinstance(audio, RealtimeAudioConfig | TranscriptionAudioConfig) and isinstance(
            audio.input, InputAudioConfig
        ):
            return audio.input
        return InputAudioConfig()

    def _output_config(self) -> OutputAudioConfig:
        audio = self.session.audio
        if isinstance(audio, RealtimeAudioConfig) and isinstance(audio.output, OutputAudioConfig):
            return audio.output
        return OutputAudioConfig()

    def _input_format(self) -> AudioFormat:
        fmt = self._input_config().format
        return fmt if isinstance(fmt, AudioFormat) else AudioFormat.pcm()

    def _turn_detection(self) -> ServerVad | SemanticVad | None:
        vad = self._input_config().turn_detection
        return vad if isinstance(vad, ServerVad | SemanticVad) else None

    def _configure_vad(self) -> None:
        vad = self._turn_detection()
        fmt = self._input_format()
        key: tuple[object, ...] | None = None
        if vad is not None:
            key = (msgspec.json.encode(vad), fmt.type)
        if key == self._vad_key:
            return
        self._vad_key = key
        self._speech_item = None
        if vad is None:
            self._vad = None
            return
        if isinstance(vad, ServerVad):
            threshold = vad.threshold if isinstance(vad.threshold, float | int) else 0.5
            silence = vad.silence_duration_ms if isinstance(vad.silence_duration_ms, int) else 200
        else:
            threshold = 0.5
            eagerness = vad.eagerness if isinstance(vad.eagerness, str) else "auto"
            silence = EAGERNESS_SILENCE_MS.get(eagerness, 500)
        rate = SAMPLE_RATE if fmt.type in (UNSET, None, "audio/pcm") else 8000
        self._vad = EnergyVad(
            threshold=float(threshold),
            silence_duration_ms=silence,
            sample_rate=rate,
            position_ms=int(self._audio_ms),
            level_dbfs=self.vad_dbfs,
        )

    def _on_session_update(self, event: SessionUpdate) -> None:
        check_session(event.session, self.session, audio_produced=self.audio_produced)
        self.session = merge_session(self.session, event.session)
        self._configure_vad()
        self._emit(SessionUpdated(event_id=self._eid(), session=self.session))

    # --- input audio buffer --------------------------------------------------------------

    def _validate(self, event: ClientEvent) -> None:
        try:
            validate_client_event(event)
        except InvalidClientEvent as exc:
            raise ClientError(
                "invalid_value", f"Invalid '{exc.path}': {exc.rule}.", exc.path
            ) from exc

    def _on_append(self, event: InputAudioBufferAppend) -> None:
        self._validate(event)
        data = bytes(event.audio)
        fmt = self._input_format()
        bpm = bytes_per_ms(fmt)
        self._buffer += data
        self._audio_ms += len(data) / bpm
        if self._vad is None:
            return
        for turn in self._vad.feed(decode_samples(data, fmt)):
            if isinstance(turn, SpeechStart):
                self._speech_started(turn.audio_ms)
            elif isinstance(turn, SpeechStop):
                self._speech_stopped(turn.audio_ms)
        if self._speech_item is None:
            # Keep only what prefix padding may still need, so an idle stream stays small.
            keep_ms = IDLE_KEEP_MS + self._prefix_padding_ms()
            excess_ms = self._audio_ms - self._buffer_start_ms - keep_ms
            if excess_ms > 0:
                cut = int(excess_ms) * bpm
                del self._buffer[:cut]
                self._buffer_start_ms += cut / bpm

    def _prefix_padding_ms(self) -> int:
        vad = self._turn_detection()
        if isinstance(vad, ServerVad) and isinstance(vad.prefix_padding_ms, int):
            return vad.prefix_padding_ms
        return 300

    def _speech_started(self, onset_ms: int) -> None:
        start = max(self._buffer_start_ms, onset_ms - self._prefix_padding_ms())
        self._speech_item = self.ids.next("item")
        self._speech_start_ms = start
        self._emit(
            InputAudioBufferSpeechStarted(
                event_id=self._eid(), item_id=self._speech_item, audio_start_ms=int(start)
            )
        )
        vad = self._turn_detection()
        if vad is not None and vad.interrupt_response is not False:
            for active in list(self._active.values()):
                if active.in_conversation:
                    self._cancel(active, "turn_detected")

    def _speech_stopped(self, end_ms: int) -> None:
        speech_item = self._speech_item or self.ids.next("item")
        self._speech_item = None
        self._emit(
            InputAudioBufferSpeechStopped(
                event_id=self._eid(), item_id=speech_item, audio_end_ms=end_ms
            )
        )
        bpm = bytes_per_ms(self._input_format())
        start = int(self._speech_start_ms - self._buffer_start_ms) * bpm
        end = min(len(self._buffer), int(end_ms - self._buffer_start_ms) * bpm)
        audio = bytes(self._buffer[max(0, start) : end])
        del self._buffer[:end]
        self._buffer_start_ms += end / bpm
        self._commit_audio(audio, speech_item)
        vad = self._turn_detection()
        if (
            self._realtime is not None
            and vad is not None
            and vad.create_response is not False
            and not any(active.in_conversation for active in self._active.values())
        ):
            self._start_response(ResponseCreateParams())

    def _on_commit(self, event: InputAudioBufferCommit) -> None:
        bpm = bytes_per_ms(self._input_format())
        buffered_ms = len(self._buffer) / bpm
        if buffered_ms < MIN_COMMIT_MS:
            raise ClientError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {buffered_ms:.2f}ms of audio.",
            )
        speech_item = self._speech_item or self.ids.next("item")
        audio = bytes(self._buffer)
        self._reset_buffer()
        self._commit_audio(audio, speech_item)

    def _on_clear(self, event: InputAudioBufferClear) -> None:
        self._reset_buffer()
        self._emit(InputAudioBufferCleared(event_id=self._eid()))

    def _reset_buffer(self) -> None:
        self._buffer.clear()
        self._buffer_start_ms = self._audio_ms
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()

    def _commit_audio(self, audio: bytes, new_item_id: str) -> None:
        item = MessageItem(
            id=new_item_id,
            status="completed",
            role="user",
            content=[ContentPart(type="input_audio", audio=audio, transcript=None)],
        )
        previous = self.conversation.insert(item)
        self._item_bpm[new_item_id] = bytes_per_ms(self._input_format())
        self._emit(
            InputAudioBufferCommitted(
                event_id=self._eid(), item_id=new_item_id, previous_item_id=previous
            )
        )
        self._emit_item_added_done(item, previous)
        self._transcribe(new_item_id, len(audio) / self._item_bpm[new_item_id])

    # --- input transcription -------------------------------------------------------------

    def _transcribe(self, target: str, audio_ms: float) -> None:
        config = self._input_config().transcription
        if not isinstance(config, AudioTranscription):
            return
        model = config.model if isinstance(config.model, str) else "whisper-1"
        text = self.script.next_transcript() or f"Speech of {audio_ms / 1000:.1f} seconds."
        include = self.session.include if isinstance(self.session.include, list) else []
        with_logprobs = LOGPROBS_INCLUDE in include
        # whisper-1 is not a streaming model: its one delta is the whole transcript.
        pieces = [text] if model == "whisper-1" else word_pieces(text)
        for piece in pieces:
            self._emit(
                ConversationItemInputAudioTranscriptionDelta(
                    event_id=self._eid(),
                    item_id=target,
                    content_index=0,
                    delta=piece,
                    logprobs=_logprobs(piece) if with_logprobs else UNSET,
                )
            )
        audio_tokens = math.ceil(audio_ms / 100)
        usage: TranscriptionDurationUsage | TranscriptionTokenUsage
        if model == "whisper-1":
            usage = TranscriptionDurationUsage(seconds=round(audio_ms / 1000, 3))
        else:
            output_tokens = _text_tokens(text)
            usage = TranscriptionTokenUsage(
                input_tokens=audio_tokens,
                output_tokens=output_tokens,
                total_tokens=audio_tokens + output_tokens,
                input_token_details=TranscriptionInputTokenDetails(
                    text_tokens=0, audio_tokens=audio_tokens
                ),
            )
        self._emit(
            ConversationItemInputAudioTranscriptionCompleted(
                event_id=self._eid(),
                item_id=target,
                content_index=0,
                transcript=text,
                usage=usage,
                logprobs=_logprobs(text) if with_logprobs else UNSET,
            )
        )
        stored = self.conversation.get(target)
        if isinstance(stored, MessageItem) and stored.content:
            parts = list(stored.content)
            parts[0] = msgspec.structs.replace(parts[0], transcript=text)
            self.conversation.replace(msgspec.structs.replace(stored, content=parts))

    # --- conversation items --------------------------------------------------------------

    def _emit_item_added_done(self, item: Item, previous: str | None) -> None:
        echo = strip_audio(item)
        self._emit(
            ConversationItemAdded(event_id=self._eid(), item=echo, previous_item_id=previous)
        )
        self._emit(ConversationItemDone(event_id=self._eid(), item=echo, previous_item_id=previous))

    def _on_item_create(self, event: ConversationItemCreate) -> None:
        self._validate(event)
        item = event.item
        if not isinstance(item.id, str) or not item.id:
            item = msgspec.structs.replace(item, id=self.ids.next("item"))
        if hasattr(item, "status") and getattr(item, "status", UNSET) in (UNSET, None):
            item = msgspec.structs.replace(item, status="completed")
        previous_id = event.previous_item_id if isinstance(event.previous_item_id, str) else None
        previous = self.conversation.insert(item, previous_id)
        self._item_bpm[item_id(item)] = bytes_per_ms(self._input_format())
        self._emit_item_added_done(item, previous)
        if isinstance(item, MessageItem) and item.role == "user":
            for part in item.content:
                if part.type == "input_audio" and isinstance(part.audio, bytes):
                    self._transcribe(item_id(item), len(part.audio) / self._item_bpm[item_id(item)])
                    break

    def _find(self, target: str, code: str) -> Item:
        item = self.conversation.get(target)
        if item is None:
            raise ClientError(
                code, f"Item with item_id '{target}' not found in the conversation.", "item_id"
            )
        return item

    def _on_item_retrieve(self, event: ConversationItemRetrieve) -> None:
        item = self._find(event.item_id, "item_retrieve_invalid_item_id")
        self._emit(ConversationItemRetrieved(event_id=self._eid(), item=item))

    def _on_item_delete(self, event: ConversationItemDelete) -> None:
        self._find(event.item_id, "item_delete_invalid_item_id")
        self.conversation.delete(event.item_id)
        self._emit(ConversationItemDeleted(event_id=self._eid(), item_id=event.item_id))

    def _on_item_truncate(self, event: ConversationItemTruncate) -> None:
        self._validate(event)
        item = self._find(event.item_id, "item_truncate_invalid_item_id")
        if not isinstance(item, MessageItem) or item.role != "assistant":
            raise ClientError(
                "invalid_value", "Only assistant messages can be truncated.", "item_id"
            )
        index = event.content_index
        if not 0 <= index < len(item.content) or item.content[index].type != "output_audio":
            raise ClientError(
                "invalid_value",
                f"Content index {index} is not an audio part of item '{event.item_id}'.",
                "content_index",
            )
        part = item.content[index]
        audio = part.audio if isinstance(part.audio, bytes) else b""
        bpm = self._item_bpm.get(event.item_id, 48)
        duration_ms = len(audio) / bpm
        if event.audio_end_ms > duration_ms:
            raise ClientError(
                "invalid_value",
                f"Audio content of {duration_ms:.0f}ms is already shorter than "
                f"{event.audio_end_ms}ms.",
                "audio_end_ms",
            )
        transcript = part.transcript if isinstance(part.transcript, str) else ""
        ratio = event.audio_end_ms / duration_ms if duration_ms else 0.0
        kept = transcript[: round(len(transcript) * ratio)].rstrip()
        parts = list(item.content)
        parts[index] = msgspec.structs.replace(
            part, audio=audio[: event.audio_end_ms * bpm], transcript=kept
        )
        self.conversation.replace(msgspec.structs.replace(item, content=parts))
        self._emit(
            ConversationItemTruncated(
                event_id=self._eid(),
                item_id=event.item_id,
                content_index=index,
                audio_end_ms=event.audio_end_ms,
            )
        )

    def item_audio_ms(self, item: Item) -> float:
        """Duration of the audio held by an item."""
        if not isinstance(item, MessageItem):
            return 0.0
        size = sum(len(p.audio) for p in item.content if isinstance(p.audio, bytes))
        return size / self._item_bpm.get(item_id(item), 48)

    # --- responses -----------------------------------------------------------------------

    def _on_response_create(self, event: ResponseCreate) -> None:
        if self._realtime is None:
            raise ClientError(
                "invalid_value", "Responses are not supported in transcription sessions.", "type"
            )
        params = event.response if isinstance(event.response, ResponseCreateParams) else None
        params = params or ResponseCreateParams()
        check_response_params(params)
        if params.conversation != "none":
            for active in self._active.values():
                if active.in_conversation:
                    raise ClientError(
                        "conversation_already_has_active_response",
                        "Conversation already has an active response in progress: "
                        f"{active.id}. Wait until the response is finished before creating "
                        "a new one.",
                    )
        self._start_response(params)

    def _on_response_cancel(self, event: ResponseCancel) -> None:
        target: _Active | None
        if isinstance(event.response_id, str):
            target = self._active.get(event.response_id)
        else:
            in_conversation = [a for a in self._active.values() if a.in_conversation]
            candidates = in_conversation or list(self._active.values())
            target = candidates[-1] if candidates else None
        if target is None:
            raise ClientError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        self._cancel(target, "client_cancelled")

    def _context(self, params: ResponseCreateParams) -> list[Item]:
        if not isinstance(params.input, list):
            return list(self.conversation.items)
        context: list[Item] = []
        for index, entry in enumerate(params.input):
            if isinstance(entry, ItemReference):
                found = self.conversation.get(entry.id)
                if found is None:
                    raise ClientError(
                        "invalid_value",
                        f"Item with id '{entry.id}' not found.",
                        f"response.input[{index}].id",
                    )
                context.append(found)
            else:
                context.append(entry)
        return context

    def _input_tokens(self, context: list[Item], instructions: str) -> tuple[int, int]:
        text = _text_tokens(instructions)
        audio = 0
        for item in context:
            if isinstance(item, MessageItem):
                for part in item.content:
                    text += _text_tokens(part.text if isinstance(part.text, str) else "")
                    if isinstance(part.audio, bytes):
                        audio += math.ceil(self.item_audio_ms(item) / 100)
                    elif isinstance(part.transcript, str):
                        text += _text_tokens(part.transcript)
            elif isinstance(item, FunctionCallItem):
                text += _text_tokens(item.name + item.arguments)
            else:
                text += _text_tokens(msgspec.json.encode(item).decode())
        return text, audio

    def _start_response(self, params: ResponseCreateParams) -> None:
        session = self._realtime
        assert session is not None
        context = self._context(params)
        in_conversation = params.conversation != "none"
        modalities = params.output_modalities
        if not isinstance(modalities, list):
            modalities = session.output_modalities
        modality = modalities[0] if isinstance(modalities, list) and modalities else "audio"
        out = self._output_config()
        override = params.audio.output if isinstance(params.audio, ResponseAudio) else None
        override = override if isinstance(override, OutputAudioConfig) else OutputAudioConfig()
        voice = override.voice if override.voice is not UNSET else out.voice
        fmt = override.format if isinstance(override.format, AudioFormat) else out.format
        fmt = fmt if isinstance(fmt, AudioFormat) else AudioFormat.pcm()
        max_tokens = params.max_output_tokens
        if max_tokens is UNSET:
            max_tokens = session.max_output_tokens
        max_tokens = max_tokens if isinstance(max_tokens, int) or max_tokens == "inf" else "inf"
        instructions = params.instructions
        if not isinstance(instructions, str):
            instructions = session.instructions if isinstance(session.instructions, str) else ""
        text_in, audio_in = self._input_tokens(context, instructions)
        cached = min(self._tokens_seen, text_in + audio_in) // 64 * 64
        if in_conversation:
            self._tokens_seen = text_in + audio_in
        response = Response(
            id=self.ids.next("resp"),
            object="realtime.response",
            status="in_progress",
            status_details=None,
            output=[],
            conversation_id=self.conversation_id if in_conversation else None,
            output_modalities=[modality],
            max_output_tokens=max_tokens,
            audio=ResponseAudio(output=OutputAudioConfig(format=fmt, voice=voice)),
            usage=None,
            metadata=params.metadata if isinstance(params.metadata, dict) else None,
        )
        active = _Active(
            response=response,
            in_conversation=in_conversation,
            modality=modality,
            audio_format=fmt,
            input_tokens=text_in + audio_in,
            cached_tokens=cached,
            input_audio_tokens=audio_in,
        )
        self._active[active.id] = active
        tools = params.tools if isinstance(params.tools, list) else session.tools
        choice: ToolChoice | None = None
        for candidate in (params.tool_choice, session.tool_choice):
            if candidate is not UNSET and candidate is not None:
                choice = candidate
                break
        plan = plan_reply(
            context,
            tools=tools if isinstance(tools, list) else list[Tool](),
            tool_choice=choice,
            script=self.script,
            audio_ms=self.item_audio_ms,
        )
        self._emit(ResponseCreated(event_id=self._eid(), response=response))
        if isinstance(plan, FunctionPlan):
            active.generator = self._run_function(active, plan, self._now)
        else:
            budget = max_tokens if isinstance(max_tokens, int) else None
            speed = out.speed if isinstance(out.speed, float | int) else 1.0
            active.generator = self._run_message(active, plan.text, budget, float(speed), self._now)
        self._step(active)

    def _step(self, active: _Active) -> None:
        assert active.generator is not None
        try:
            due = next(active.generator)
        except StopIteration:
            return
        self._schedule(due, active.id, lambda: self._step(active))

    def _open_item(self, active: _Active, item: MessageItem | FunctionCallItem) -> None:
        active.item = item
        self._emit(
            ResponseOutputItemAdded(
                event_id=self._eid(), response_id=active.id, output_index=0, item=item
            )
        )
        if active.in_conversation:
            active.previous_item_id = self.conversation.insert(item)
            self._emit(
                ConversationItemAdded(
                    event_id=self._eid(), item=item, previous_item_id=active.previous_item_id
                )
            )

    def _run_message(
        self, active: _Active, text: str, budget: int | None, voice_speed: float, t0: float
    ) -> Generator[float, None, None]:
        audio = active.modality == "audio"
        pieces = word_pieces(text)
        speech = speak(text, speed=voice_speed) if audio else None
        status = "completed"
        if budget is not None:
            kept, used = 0, 0
            for index, piece in enumerate(pieces):
                cost = _text_tokens(piece)
                if speech is not None:
                    end = speech.words[index + 1][0] if index + 1 < len(pieces) else None
                    length = (end or len(speech.samples)) - speech.words[index][0]
                    cost += math.ceil(length / SAMPLE_RATE * 20)
                if used + cost > budget:
                    break
                used += cost
                kept += 1
            if kept < len(pieces):
                status = "incomplete"
                pieces = pieces[:kept]
                if speech is not None:
                    cut = speech.words[kept][0]
                    speech = Speech(samples=speech.samples[:cut], words=speech.words[:kept])
        item_key = self.ids.next("item")
        self._item_bpm[item_key] = bytes_per_ms(active.audio_format)
        self._open_item(
            active,
            MessageItem(id=item_key, status="in_progress", role="assistant", content=[]),
        )
        kind = "audio" if audio else "text"
        self._emit(
            ResponseContentPartAdded(
                event_id=self._eid(),
                response_id=active.id,
                item_id=item_key,
                output_index=0,
                content_index=0,
                part=ResponseContentPart(type=kind, transcript="")
                if audio
                else ResponseContentPart(type=kind, text=""),
            )
        )
        active.part_open = True
        if speech is not None:
            chunk = self.chunk_ms * SAMPLE_RATE // 1000
            count = math.ceil(len(speech.samples) / chunk)
            word = 0
            for index in range(count):
                yield self._pace(t0 + (index + 1) * self.chunk_ms / 1000 / self.speed, index)
                end = (index + 1) * chunk
                while word < len(speech.words) and speech.words[word][0] < end:
                    piece = speech.words[word][1]
                    active.text += piece
                    self._emit(
                        ResponseOutputAudioTranscriptDelta(
                            event_id=self._eid(),
                            response_id=active.id,
                            item_id=item_key,
                            output_index=0,
                            content_index=0,
                            delta=piece,
                        )
                    )
                    word += 1
                data = encode_pcm24k(speech.samples[index * chunk : end], active.audio_format)
                active.audio += data
                self.audio_produced = True
                self._emit(
                    ResponseOutputAudioDelta(
                        event_id=self._eid(),
                        response_id=active.id,
                        item_id=item_key,
                        output_index=0,
                        content_index=0,
                        delta=data,
                    )
                )
        else:
            for index, piece in enumerate(pieces):
                yield self._pace(
                    t0 + (index + 1) * self.text_interval_ms / 1000 / self.speed, index
                )
                active.text += piece
                self._emit(
                    ResponseOutputTextDelta(
                        event_id=self._eid(),
                        response_id=active.id,
                        item_id=item_key,
                        output_index=0,
                        content_index=0,
                        delta=piece,
                    )
                )
        self._close_part(active)
        self._close_item(active, status)
        details = (
            ResponseStatusDetails(type="incomplete", reason="max_output_tokens")
            if status == "incomplete"
            else None
        )
        self._finish(active, status, details)

    def _run_function(
        self, active: _Active, plan: FunctionPlan, t0: float
    ) -> Generator[float, None, None]:
        call_id = self.ids.next("call")
        item_key = self.ids.next("item")
        self._open_item(
            active,
            FunctionCallItem(
                id=item_key, status="in_progress", name=plan.name, call_id=call_id, arguments=""
            ),
        )
        size = max(1, math.ceil(len(plan.arguments) / 3))
        pieces = [plan.arguments[i : i + size] for i in range(0, len(plan.arguments), size)]
        for index, piece in enumerate(pieces):
            yield self._pace(t0 + (index + 1) * self.text_interval_ms / 1000 / self.speed, index)
            self._emit(
                ResponseFunctionCallArgumentsDelta(
                    event_id=self._eid(),
                    response_id=active.id,
                    item_id=item_key,
                    output_index=0,
                    call_id=call_id,
                    delta=piece,
                )
            )
            active.text += piece
        self._emit(
            ResponseFunctionCallArgumentsDone(
                event_id=self._eid(),
                response_id=active.id,
                item_id=item_key,
                output_index=0,
                call_id=call_id,
                name=plan.name,
                arguments=plan.arguments,
            )
        )
        self._close_item(active, "completed")
        self._finish(active, "completed", None)

    def _close_part(self, active: _Active) -> None:
        if not active.part_open or not isinstance(active.item, MessageItem):
            return
        active.part_open = False
        common: dict[str, Any] = {
            "response_id": active.id,
            "item_id": item_id(active.item),
            "output_index": 0,
            "content_index": 0,
        }
        if active.modality == "audio":
            self._emit(ResponseOutputAudioDone(event_id=self._eid(), **common))
            self._emit(
                ResponseOutputAudioTranscriptDone(
                    event_id=self._eid(), transcript=active.text, **common
                )
            )
            part = ResponseContentPart(type="audio", transcript=active.text)
        else:
            self._emit(ResponseOutputTextDone(event_id=self._eid(), text=active.text, **common))
            part = ResponseContentPart(type="text", text=active.text)
        self._emit(ResponseContentPartDone(event_id=self._eid(), part=part, **common))

    def _close_item(self, active: _Active, status: str) -> None:
        item = active.item
        if item is None:
            return
        final: MessageItem | FunctionCallItem
        if isinstance(item, MessageItem):
            content = (
                ContentPart(type="output_audio", audio=bytes(active.audio), transcript=active.text)
                if active.modality == "audio"
                else ContentPart.output_text(active.text)
            )
            final = msgspec.structs.replace(item, status=status, content=[content])
        else:
            final = msgspec.structs.replace(item, status=status, arguments=active.text)
        active.item = final
        if active.in_conversation:
            self.conversation.replace(final)
        echo = strip_audio(final)
        if active.in_conversation:
            self._emit(
                ConversationItemDone(
                    event_id=self._eid(), item=echo, previous_item_id=active.previous_item_id
                )
            )
        self._emit(
            ResponseOutputItemDone(
                event_id=self._eid(), response_id=active.id, output_index=0, item=echo
            )
        )

    def _usage(self, active: _Active) -> Usage:
        text_out = _text_tokens(active.text)
        audio_out = 0
        if active.modality == "audio" and isinstance(active.item, MessageItem):
            audio_ms = len(active.audio) / bytes_per_ms(active.audio_format)
            audio_out = math.ceil(audio_ms / 50)
        output = text_out + audio_out
        text_in = active.input_tokens - active.input_audio_tokens
        cached_audio = min(active.cached_tokens, active.input_audio_tokens)
        return Usage(
            total_tokens=active.input_tokens + output,
            input_tokens=active.input_tokens,
            output_tokens=output,
            input_token_details=InputTokenDetails(
                text_tokens=text_in,
                audio_tokens=active.input_audio_tokens,
                image_tokens=0,
                cached_tokens=active.cached_tokens,
                cached_tokens_details=CachedTokenDetails(
                    text_tokens=active.cached_tokens - cached_audio,
                    audio_tokens=cached_audio,
                    image_tokens=0,
                ),
            ),
            output_token_details=OutputTokenDetails(text_tokens=text_out, audio_tokens=audio_out),
        )

    def _finish(self, active: _Active, status: str, details: ResponseStatusDetails | None) -> None:
        usage = self._usage(active)
        output = [strip_audio(active.item)] if active.item is not None else []
        response = msgspec.structs.replace(
            active.response, status=status, status_details=details, output=output, usage=usage
        )
        self._active.pop(active.id, None)
        self._emit(ResponseDone(event_id=self._eid(), response=response))
        total = usage.total_tokens if isinstance(usage.total_tokens, int) else 0
        self._schedule(self._now + self.rate_limit_delay, None, lambda: self._rate_limits(total))

    def _rate_limits(self, used: int) -> None:
        remaining = max(0, TOKEN_LIMIT - used)
        self._emit(
            RateLimitsUpdated(
                event_id=self._eid(),
                rate_limits=[
                    RateLimit(
                        name="tokens",
                        limit=TOKEN_LIMIT,
                        remaining=remaining,
                        reset_seconds=round(used / TOKEN_LIMIT * 60, 3),
                    )
                ],
            )
        )

    def _cancel(self, active: _Active, reason: str) -> None:
        self._drop_timers(active.id)
        if active.generator is not None:
            active.generator.close()
        self._close_part(active)
        self._close_item(active, "incomplete")
        self._finish(active, "cancelled", ResponseStatusDetails(type="cancelled", reason=reason))


def _logprobs(text: str) -> list[LogProb]:
    return [
        LogProb(token=piece, bytes=list(piece.encode()), logprob=-0.01)
        for piece in word_pieces(text)
    ]
