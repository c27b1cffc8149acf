"""The async voice session: the conversation core wired to a websocket and, optionally, a
speaker. This is the public library API (the Python counterpart of the seed crate's
`Realtime::builder()...voice_session()...connect_ws()`).

    async with VoiceSession.connect(api_key=key, voice="marin", tools=[add]) as session:
        await session.say("Hello!")
        async for event in session.events():
            ...

The session owns three kinds of task: the receiver (server events -> core -> actions), a
ticker that reports playback progress to the core, and one task per running tool call, so
audio and barge-in stay live while a tool runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from realtime_cli.audio import Speaker
from realtime_cli.core import (
    Action,
    AudioDone,
    CancelTool,
    ConversationCore,
    CoreConfig,
    FlushPlayback,
    Notice,
    PlayAudio,
    ResponseFinished,
    RunTool,
    Send,
)
from realtime_cli.core.pricing import Cost, estimate_cost
from realtime_cli.errors import RtError
from realtime_cli.opening import Opening
from realtime_cli.protocol import (
    AudioFormat,
    AudioTranscription,
    ContentPart,
    ConversationItemCreate,
    Error,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    InputAudioConfig,
    McpApprovalResponseItem,
    MessageItem,
    NoiseReduction,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    ResponseCreated,
    ResponseCreateParams,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputTextDelta,
    SemanticVad,
    ServerVad,
    SessionUpdate,
    SessionUpdated,
)
from realtime_cli.session.events import (
    AudioDelta,
    ResponseDone,
    ToolCalled,
    ToolCompleted,
    TranscriptDone,
    VoiceEvent,
)
from realtime_cli.session.tools import ToolRegistry, ToolSpec
from realtime_cli.transport import (
    AuthenticationError,
    ConnectOptions,
    EventLog,
    ModelError,
    RealtimeConnection,
    TransportError,
)

__all__ = ["ReconnectPolicy", "ResponseHandle", "SessionSetupError", "VoiceSession"]

#: How often playback progress is reported to the core.
TICK_S = 0.05
#: Events kept for a consumer that falls behind; past that the oldest are dropped, because a
#: realtime session must never wait for its reader.
EVENT_BACKLOG = 4096
#: Metadata key that ties a `response.created` to the request that asked for it.
REQUEST_KEY = "rt_request"
SETUP_TIMEOUT_S = 10.0
CLOSE_GRACE_S = 2.0
#: Microphone audio that may wait for a stalled network before the oldest is dropped.
MAX_AUDIO_BACKLOG_S = 2.0
AUDIO_BYTES_PER_S = 24000 * 2

Vad = Literal["server", "semantic", "none"] | ServerVad | SemanticVad | None


#: Error codes that a new connection would meet again: never retried.
FATAL_CODES = frozenset(
    {
        "invalid_api_key",
        "insufficient_quota",
        "invalid_model",
        "missing_model",
        "beta_api_shape_disabled",
    }
)


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a lost connection is re-established: exponential backoff with jitter."""

    enabled: bool = True
    initial_delay_s: float = 0.25
    max_delay_s: float = 8.0
    max_attempts: int = 8
    #: Re-create the session this long before its `expires_at` (the service caps sessions).
    rotate_before_expiry_s: float = 120.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before the given attempt (0-based)."""
        base: float = min(self.max_delay_s, self.initial_delay_s * 2.0**attempt)
        return base * (0.75 + 0.5 * random.random())


class SessionSetupError(RtError):
    """The service refused the session's settings."""


class ResponseHandle:
    """A response this session asked for: `await handle.wait()` for its outcome; `text`
    collects its text (or audio transcript) as it streams."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.response_id: str | None = None
        self.text = ""
        self._done: asyncio.Future[ResponseDone] = asyncio.get_running_loop().create_future()

    async def wait(self) -> ResponseDone:
        """The response's end: status, usage and cost."""
        return await asyncio.shield(self._done)

    @property
    def finished(self) -> bool:
        """Whether the response has ended."""
        return self._done.done()


def _turn_detection(vad: Vad) -> ServerVad | SemanticVad | None:
    if vad == "server":
        return ServerVad()
    if vad == "semantic":
        return SemanticVad()
    if vad == "none" or vad is None:
        return None
    return vad


def build_session(
    *,
    model: str,
    voice: str,
    instructions: str | None,
    vad: Vad,
    transcription: str | None,
    noise_reduction: str | None,
    output_modality: str,
) -> RealtimeSession:
    """The GA session object for the usual voice settings."""
    audio_input = InputAudioConfig(format=AudioFormat.pcm(), turn_detection=_turn_detection(vad))
    if transcription:
        audio_input.transcription = AudioTranscription(model=transcription)
    if noise_reduction:
        audio_input.noise_reduction = NoiseReduction(type=noise_reduction)
    session = RealtimeSession(
        model=model,
        output_modalities=[output_modality],
        audio=RealtimeAudioConfig(
            input=audio_input, output=OutputAudioConfig(format=AudioFormat.pcm(), voice=voice)
        ),
    )
    if instructions is not None:
        session.instructions = instructions
    return session


def _nbytes(frame: Any) -> int:
    return int(frame.nbytes) if isinstance(frame, np.ndarray) else len(frame)


class VoiceSession:
    """A live realtime voice conversation. Create it with `VoiceSession.connect(...)`."""

    def __init__(
        self,
        conn: RealtimeConnection,
        session: RealtimeSession,
        *,
        tools: ToolRegistry,
        core: ConversationCore,
        speaker: Speaker | None,
        clock: Callable[[], float] = time.monotonic,
        options: ConnectOptions | None = None,
        event_log: EventLog | None = None,
        reconnect: ReconnectPolicy | None = None,
    ) -> None:
        self._conn = conn
        self._options = options
        self._event_log = event_log
        self.reconnect_policy = reconnect or ReconnectPolicy(enabled=False)
        #: Times the connection was lost (or rotated before expiry) and re-established.
        self.reconnects = 0
        self._reconnecting = False
        self._rotate_requested = False
        #: Microphone frames dropped while the connection was down.
        self.dropped_audio_frames = 0
        self.config = session
        self.tools = tools
        self.core = core
        self.speaker = speaker
        self._clock = clock
        self._events: asyncio.Queue[VoiceEvent | None] = asyncio.Queue(EVENT_BACKLOG)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tool_tasks: dict[str, tuple[asyncio.Task[None], ToolSpec | None]] = {}
        self._handles: dict[str, ResponseHandle] = {}
        self._by_response: dict[str, ResponseHandle] = {}
        self._request_ids = itertools.count(1)
        self._failure: BaseException | None = None
        self._closed = False
        self.model = session.model if isinstance(session.model, str) else "gpt-realtime"
        #: Estimated cost of every response so far.
        self.cost_total = Cost(0.0)
        #: Events dropped because the consumer fell behind.
        self.dropped_events = 0
        #: For each barge-in: ms from the trigger reaching the session to playback flushed.
        self.barge_in_ms: list[float] = []
        self._trigger_at = 0.0

    # ---- opening -----------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        *,
        api_key: str,
        model: str = "gpt-realtime",
        voice: str = "marin",
        instructions: str | None = None,
        vad: Vad = "server",
        transcription: str | None = None,
        noise_reduction: str | None = None,
        output_modality: str = "audio",
        tools: Iterable[ToolSpec | Callable[..., Any]] = (),
        auto_barge_in: bool = True,
        auto_tool_response: bool = True,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        speaker: Speaker | None = None,
        event_log: EventLog | None = None,
        reconnect: ReconnectPolicy | None = None,
    ) -> Opening[VoiceSession]:
        """Open a voice session. `vad` is "server", "semantic", "none" (manual turns) or a
        `ServerVad`/`SemanticVad` with its parameters; `tools` are `@tool` functions."""
        session = build_session(
            model=model,
            voice=voice,
            instructions=instructions,
            vad=vad,
            transcription=transcription,
            noise_reduction=noise_reduction,
            output_modality=output_modality,
        )
        options = ConnectOptions(
            api_key=api_key, model=model, base_url=base_url, websocket_base_url=websocket_base_url
        )
        return cls.connect_with(
            options,
            session,
            tools=tools,
            auto_barge_in=auto_barge_in,
            auto_tool_response=auto_tool_response,
            speaker=speaker,
            event_log=event_log,
            reconnect=reconnect,
        )

    @classmethod
    def connect_with(
        cls,
        options: ConnectOptions,
        session: RealtimeSession,
        *,
        tools: Iterable[ToolSpec | Callable[..., Any]] = (),
        auto_barge_in: bool = True,
        auto_tool_response: bool = True,
        speaker: Speaker | None = None,
        event_log: EventLog | None = None,
        clock: Callable[[], float] = time.monotonic,
        reconnect: ReconnectPolicy | None = None,
    ) -> Opening[VoiceSession]:
        """Open a voice session from connection options and a complete session object.

        `reconnect` (default: on) re-opens a lost connection with backoff, re-applies the
        settings and replays the finished conversation as text."""
        registry = ToolRegistry(tools)
        if len(registry):
            session.tools = [*registry.to_protocol(), *(session.tools or [])]
        core = ConversationCore(
            CoreConfig(auto_barge_in=auto_barge_in, auto_tool_response=auto_tool_response)
        )

        async def open_session() -> VoiceSession:
            conn = await RealtimeConnection.connect(options, event_log=event_log)
            voice = cls(
                conn,
                session,
                tools=registry,
                core=core,
                speaker=speaker,
                clock=clock,
                options=options,
                event_log=event_log,
                reconnect=reconnect or ReconnectPolicy(),
            )
            try:
                await voice._setup()
            except BaseException:
                await conn.close()
                raise
            return voice

        return Opening(open_session)

    async def _setup(self) -> None:
        await self._apply_settings()
        self._spawn(self._receive())
        self._spawn(self._tick())

    async def _apply_settings(self) -> None:
        """Apply the settings (session.update) and wait until the service confirms them."""
        update_id = await self._conn.send(SessionUpdate(session=self.config))
        async with asyncio.timeout(SETUP_TIMEOUT_S):
            async for event in self._conn:
                if isinstance(event, Error) and event.error.event_id == update_id:
                    raise SessionSetupError(
                        f"the session settings were refused: {event.error.message}"
                    )
                await self._handle(event)
                if isinstance(event, SessionUpdated):
                    break

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---- the loops ---------------------------------------------------------------------

    async def _receive(self) -> None:
        try:
            while True:
                try:
                    async for event in self._conn:
                        await self._handle(event)
                    if not self._rotate_requested:
                        return  # closed by close()
                    self._rotate_requested = False
                    await self._reconnect("the session is nearing its time limit")
                except TransportError as exc:
                    if self._closed or not self._retryable(exc):
                        raise
                    await self._reconnect(f"connection lost: {exc.message}")
        except TransportError as exc:
            self._failure = exc
        except Exception as exc:  # a bug must end the session visibly, not hang it
            self._failure = exc
        finally:
            self._finish_events()

    def _retryable(self, exc: TransportError) -> bool:
        if not self.reconnect_policy.enabled or self._options is None:
            return False
        # A refused key or model, or an exhausted quota, fails the same way again.
        if isinstance(exc, AuthenticationError | ModelError):
            return False
        code = getattr(getattr(exc, "error", None), "code", None)
        return code not in FATAL_CODES

    async def _reconnect(self, reason: str) -> None:
        """Open a new connection, re-apply the settings, replay the finished conversation."""
        assert self._options is not None
        policy = self.reconnect_policy
        self._reconnecting = True
        self._emit(Notice(f"{reason}; reconnecting", "warning", {"reconnect": "started"}))
        history = self.core.history()
        usage = self.core.usage_total
        self._fail_handles(RtError(f"{reason} before the response finished"))
        with contextlib.suppress(Exception):
            await self._conn.close()
        last: TransportError | None = None
        try:
            for attempt in range(policy.max_attempts):
                await asyncio.sleep(policy.delay(attempt))
                try:
                    conn = await RealtimeConnection.connect(
                        self._options, event_log=self._event_log
                    )
                except (AuthenticationError, ModelError):
                    raise
                except TransportError as exc:
                    last = exc
                    continue
                self._conn = conn
                self.core = ConversationCore(self.core.config)
                self.core.usage_total = usage
                await self._apply_settings()
                for role, text in history:
                    part = (
                        ContentPart.output_text(text)
                        if role == "assistant"
                        else ContentPart.input_text(text)
                    )
                    await self._conn.send(
                        ConversationItemCreate(item=MessageItem(role=role, content=[part]))
                    )
                self.reconnects += 1
                self._emit(
                    Notice(
                        f"reconnected; {len(history)} messages of the conversation restored",
                        "info",
                        {"reconnect": "done"},
                    )
                )
                return
        finally:
            self._reconnecting = False
        raise last or RtError("could not reconnect")

    def _fail_handles(self, error: BaseException) -> None:
        for handle in self._handles.values():
            if not handle.finished:
                handle._done.set_exception(error)
        self._handles.clear()
        self._by_response.clear()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self._report_heard()
            await self._perform(self.core.tick(self._clock()))
            if self._should_rotate():
                # Rotate between turns, before the service's session cap ends it mid-answer.
                self._rotate_requested = True
                await self._conn.close()

    def _should_rotate(self) -> bool:
        expires_at = getattr(self.core.session, "expires_at", None)
        if not isinstance(expires_at, int) or self._reconnecting or self._rotate_requested:
            return False
        if not self._retry_possible():
            return False
        if self.core.response_pending:
            return False
        return time.time() >= expires_at - self.reconnect_policy.rotate_before_expiry_s

    def _retry_possible(self) -> bool:
        return self.reconnect_policy.enabled and self._options is not None

    def _report_heard(self) -> None:
        if self.speaker is None:
            return
        for track in self.core.tracks.values():
            if not track.interrupted and track.heard_ms < track.received_ms:
                self.core.audio_heard(track.item_id, self.speaker.played_ms(track.item_id))

    def _finish_events(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._events.put_nowait(None)
        self._fail_handles(self._failure or RtError("the session ended"))

    def _emit(self, event: VoiceEvent) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self._events.get_nowait()
            self._events.put_nowait(event)
            self.dropped_events += 1

    async def _handle(self, event: Any) -> None:
        now = self._trigger_at = self._clock()
        if isinstance(event, ResponseCreated):
            self._match_request(event)
        elif isinstance(event, ResponseOutputTextDelta | ResponseOutputAudioTranscriptDelta):
            handle = self._by_response.get(event.response_id)
            if handle is not None and not self.core.is_dropped(event.response_id):
                handle.text += event.delta
        caused_by = self._conn.cause_of(event) if isinstance(event, Error) else None
        actions = self.core.receive(event, now, caused_by=caused_by)  # type: ignore[arg-type]
        await self._perform(actions)

    def _match_request(self, event: ResponseCreated) -> None:
        metadata = event.response.metadata
        request_id = metadata.get(REQUEST_KEY) if isinstance(metadata, dict) else None
        handle = self._handles.get(request_id) if request_id else None
        if handle is not None and isinstance(event.response.id, str):
            handle.response_id = event.response.id
            self._by_response[event.response.id] = handle

    async def _perform(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                await self._send(action.event)
            elif isinstance(action, PlayAudio):
                if self.speaker is not None:
                    self.speaker.play(action.pcm, action.item_id, action.content_index)
                self._emit(
                    AudioDelta(action.response_id, action.item_id, action.content_index, action.pcm)
                )
            elif isinstance(action, AudioDone):
                if self.speaker is not None:
                    self.speaker.end_item(action.item_id)
            elif isinstance(action, FlushPlayback):
                heard = self._flush()
                self.barge_in_ms.append((self._clock() - self._trigger_at) * 1000)
                await self._perform(self.core.playback_flushed(heard, self._clock()))
            elif isinstance(action, RunTool):
                self._start_tool(action)
            elif isinstance(action, CancelTool):
                running = self._tool_tasks.get(action.call_id)
                if running is not None and (running[1] is None or running[1].cancel_on_interrupt):
                    running[0].cancel()
            elif isinstance(action, ResponseFinished):
                self._finish_response(action)
            else:
                self._emit(action)

    async def _send(self, event: Any) -> None:
        # A lost connection is the receive loop's to handle (reconnect or end); what could
        # not be sent meanwhile is dropped rather than raised into a tool or the mic pump.
        if self._reconnecting:
            return
        try:
            await self._conn.send(event)
        except TransportError:
            if not self._retry_possible():
                raise

    def _flush(self) -> dict[str, int]:
        if self.speaker is not None:
            return self.speaker.flush()
        # The user plays audio; what they reported through audio_heard() is what was heard.
        return {
            t.item_id: t.heard_ms
            for t in self.core.tracks.values()
            if not t.interrupted and t.received_bytes
        }

    def _finish_response(self, action: ResponseFinished) -> None:
        heard_fraction = (
            action.heard_audio_ms / action.generated_audio_ms if action.generated_audio_ms else 1.0
        )
        cost = (
            estimate_cost(action.usage, self.model, heard_fraction=heard_fraction)
            if action.usage is not None
            else Cost(0.0)
        )
        self.cost_total = self.cost_total + cost
        done = ResponseDone(
            action.response_id,
            action.status,
            action.reason,
            action.usage,
            cost,
            action.generated_audio_ms,
            action.heard_audio_ms,
        )
        self._emit(done)
        handle = self._by_response.pop(action.response_id, None)
        if handle is not None:
            self._handles.pop(handle.request_id, None)
            if not handle.finished:
                handle._done.set_result(done)

    def _start_tool(self, action: RunTool) -> None:
        spec = self.tools.get(action.name)
        self._emit(ToolCalled(action.call_id, action.name, action.arguments))

        async def run() -> None:
            try:
                output = await self.tools.run(action.name, action.arguments)
            except asyncio.CancelledError:
                output = '{"error": "cancelled: the user interrupted"}'
            finally:
                self._tool_tasks.pop(action.call_id, None)
            self._emit(ToolCompleted(action.call_id, action.name, output))
            if not self._closed:
                await self._perform(self.core.tool_result(action.call_id, output))

        self._tool_tasks[action.call_id] = (self._spawn(run()), spec)

    # ---- the public API ----------------------------------------------------------------

    async def events(self) -> AsyncIterator[VoiceEvent]:
        """Every voice event, in order, until the session ends (a lost connection raises)."""
        while True:
            event = await self._events.get()
            if event is None:
                if self._failure is not None:
                    raise self._failure
                return
            yield event

    async def next_audio_chunk(self) -> AudioDelta | None:
        """The next chunk of assistant audio (other events are skipped), or None at the end."""
        async for event in self.events():
            if isinstance(event, AudioDelta):
                return event
        return None

    async def next_transcript(self) -> TranscriptDone | None:
        """The next finished transcript, the user's or the assistant's, or None at the end."""
        async for event in self.events():
            if isinstance(event, TranscriptDone):
                return event
        return None

    async def send_pcm16(self, samples: bytes | np.ndarray[Any, Any]) -> None:
        """Append 24 kHz mono PCM16 to the input buffer (bytes or an int16 array)."""
        if self._reconnecting:
            self.dropped_audio_frames += 1
            return
        if isinstance(samples, np.ndarray):
            samples = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        await self._send(InputAudioBufferAppend.from_pcm16(samples))

    async def stream_audio_pcm16(
        self, frames: AsyncIterable[Any], *, max_backlog_s: float = MAX_AUDIO_BACKLOG_S
    ) -> None:
        """Send frames as they come. Never commits: with VAD the server decides the turns;
        with manual turns call `commit()`.

        The frames are taken at once and sent by a separate task, so a stalled network never
        holds up the microphone: up to `max_backlog_s` of audio waits, then the oldest is
        dropped (counted in `dropped_audio_frames`) with a warning event."""
        backlog: deque[Any] = deque()
        limit = max_backlog_s * AUDIO_BYTES_PER_S
        queued = 0
        warned = False
        more = asyncio.Event()
        finished = False

        async def sender() -> None:
            nonlocal queued, warned
            while True:
                while backlog:
                    frame = backlog.popleft()
                    queued -= _nbytes(frame)
                    await self.send_pcm16(frame)
                warned = False  # caught up: warn again if it falls behind again
                if finished:
                    return
                more.clear()
                await more.wait()

        task = self._spawn(sender())
        try:
            async for frame in frames:
                if self._closed or task.done():
                    break  # closed, or the sender failed: its error is raised below
                backlog.append(frame)
                queued += _nbytes(frame)
                while queued > limit and len(backlog) > 1:
                    queued -= _nbytes(backlog.popleft())
                    self.dropped_audio_frames += 1
                    if not warned:
                        warned = True
                        self._emit(
                            Notice(
                                f"the network is not keeping up: dropping microphone audio "
                                f"more than {max_backlog_s:g} s old",
                                "warning",
                                {"backpressure": "dropping"},
                            )
                        )
                more.set()
            finished = True
            more.set()
            await task
        finally:
            task.cancel()

    async def commit(self, *, respond: bool = True) -> ResponseHandle | None:
        """End the user's turn (manual turns): commit the input, then ask for a response."""
        await self._conn.send(InputAudioBufferCommit())
        return await self.create_response() if respond else None

    async def barge_in(self) -> None:
        """Interrupt the assistant now: stop playback, cancel, truncate to what was heard."""
        self._trigger_at = self._clock()
        await self._perform(self.core.barge_in(self._trigger_at))

    def audio_heard(self, item_id: str, heard_ms: int) -> None:
        """Without a speaker: tell the session how much of an item your playback has played,
        so that a barge-in truncates at the right point."""
        self.core.audio_heard(item_id, heard_ms)

    async def create_response(self, params: ResponseCreateParams | None = None) -> ResponseHandle:
        """Ask for a response (it waits behind an active one) and return its handle."""
        params = params or ResponseCreateParams()
        request_id = f"req_{next(self._request_ids)}"
        metadata = params.metadata if isinstance(params.metadata, dict) else {}
        params.metadata = {**metadata, REQUEST_KEY: request_id}
        handle = ResponseHandle(request_id)
        self._handles[request_id] = handle
        await self._perform(self.core.request_response(params))
        return handle

    async def add_user_text(self, text: str) -> None:
        """Add a user message to the conversation without asking for a response."""
        await self._conn.send(ConversationItemCreate(item=MessageItem.user_text(text)))

    async def say(self, text: str) -> ResponseHandle:
        """Say something as the user and get a spoken (or text, per the session) answer."""
        await self.add_user_text(text)
        return await self.create_response()

    async def ask(self, text: str) -> str:
        """Ask a question and return the answer's text."""
        await self.add_user_text(text)
        handle = await self.create_response(ResponseCreateParams(output_modalities=["text"]))
        await handle.wait()
        return handle.text

    async def answer_mcp_approval(
        self, approval_request_id: str, approve: bool, reason: str | None = None
    ) -> None:
        """Approve or deny an `mcp_approval_request` item."""
        item = McpApprovalResponseItem(
            id=f"mcpr_{approval_request_id}",
            approval_request_id=approval_request_id,
            approve=approve,
        )
        if reason is not None:
            item.reason = reason
        await self._conn.send(ConversationItemCreate(item=item))

    async def close(self) -> None:
        """End the session: stop the loops and tools, close the connection."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            # A server that stopped reading never answers the close: do not wait for it.
            await asyncio.wait_for(self._conn.close(), CLOSE_GRACE_S)
        except TimeoutError:
            await self._conn.abort()
        self._finish_events()

    @property
    def failure(self) -> BaseException | None:
        """Why the session ended, if it did not end by `close()`."""
        return self._failure
