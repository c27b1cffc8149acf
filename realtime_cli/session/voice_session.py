"""The async voice session: the conversation core wired to a websocket and, optionally, a
speaker. This is the public library API (the Python counterpart of the seed crate's
`Realtime::builder()...voice_session()...connect_ws()`).

    async with VoiceSession.connect(api_key=key, voice="marin", tools=[add]) as session:
        await session.say("Hello!")
        async for event in session.events():
            ...

The session owns three kinds of task: the receiver (server events -> core -> actions), a
ticker that reports playback progress to the core, and one task per running tool call, so
audio and barge-in stay live while a tool runs. Its parts: `SessionConnection` (connection
and reconnection), `AudioPump` (microphone backpressure), `ToolRunner`, `ResponseHandles`,
`EventStream`; a task that fails ends the session with its exception (`SupervisedTasks`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any

import numpy as np

from realtime_cli.audio import Speaker
from realtime_cli.audio.interfaces import StopReporting
from realtime_cli.config.session_builder import Vad, build_session
from realtime_cli.core import (
    Action,
    AudioDone,
    CancelTool,
    ConversationCore,
    CoreConfig,
    FlushPlayback,
    FollowUpDropped,
    HeardRevised,
    Notice,
    PlayAudio,
    ResponseFinished,
    RunTool,
    Send,
    ServerError,
)
from realtime_cli.core.pricing import Cost, estimate_cost, revise_heard
from realtime_cli.errors import RtError
from realtime_cli.opening import Opening
from realtime_cli.protocol import (
    ConversationItemCreate,
    Error,
    InputAudioBufferAppend,
    InputAudioBufferCommit,
    McpApprovalResponseItem,
    MessageItem,
    RealtimeSession,
    ResponseCreate,
    ResponseCreated,
    ResponseCreateParams,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputTextDelta,
)
from realtime_cli.session.audio_pump import MAX_AUDIO_BACKLOG_S, AudioPump
from realtime_cli.session.connection import (
    ReconnectPolicy,
    SessionConnection,
    SessionSetupError,
)
from realtime_cli.session.event_stream import EventStream
from realtime_cli.session.events import (
    AudioDelta,
    ResponseDone,
    TranscriptDone,
    VoiceEvent,
)
from realtime_cli.session.response_handles import ResponseHandle, ResponseHandles
from realtime_cli.session.supervised_tasks import SupervisedTasks
from realtime_cli.session.tool_runner import ToolRunner
from realtime_cli.session.tools import ToolRegistry, ToolSpec
from realtime_cli.transport import (
    ConnectOptions,
    EventLog,
    RealtimeConnection,
    TransportError,
)

__all__ = [
    "ReconnectPolicy",
    "ResponseHandle",
    "SessionSetupError",
    "Vad",
    "VoiceSession",
    "build_session",
]

#: How often playback progress is reported to the core.
TICK_S = 0.05


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
        self._link = SessionConnection(
            conn,
            options=options,
            event_log=event_log,
            policy=reconnect or ReconnectPolicy(enabled=False),
        )
        self.config = session
        self.core = core
        self.speaker = speaker
        self._clock = clock
        self._stream = EventStream()
        self._tasks = SupervisedTasks(self._fail)
        self._handles = ResponseHandles()
        self._tools = ToolRunner(tools, self._tasks, self._stream.emit, self._deliver_tool)
        self._pump = AudioPump(
            self.send_pcm16,
            self._stream.emit,
            self._tasks,
            unsent_bytes=lambda: self._link.unsent_bytes,
            on_stall=self._stalled,
        )
        self._dropped_while_reconnecting = 0
        self._closed = False
        self.model = session.model if isinstance(session.model, str) else "gpt-realtime"
        #: Estimated cost of every response so far.
        self.cost_total = Cost(0.0)
        #: For each barge-in: ms from the trigger reaching the session to silence at the
        #: speaker's DAC (to the end of the flush for a speaker that cannot tell).
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
        await self._link.apply_settings(self.config, self._handle)
        self._tasks.spawn(self._receive(), "receiver")
        self._tasks.spawn(self._tick(), "playback ticker")

    # ---- the loops ---------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            try:
                async for event in self._link:
                    await self._handle(event)
                stall, self._link.stall_reason = self._link.stall_reason, None
                if stall is not None and not self._closed:
                    if not self._link.can_retry:
                        raise RtError(f"{stall}; the connection was dropped")
                    await self._reconnect(stall)
                    continue
                if not self._link.rotate_requested:
                    self._end()  # closed by close()
                    return
                self._link.rotate_requested = False
                await self._reconnect("the session is nearing its time limit")
            except TransportError as exc:
                if self._closed or not self._link.retryable(exc):
                    raise
                await self._reconnect(f"connection lost: {exc.message}")

    async def _reconnect(self, reason: str) -> None:
        """Open a new connection, re-apply the settings, replay the finished conversation."""
        self._stream.emit(Notice(f"{reason}; reconnecting", "warning", {"reconnect": "started"}))
        history = self.core.history()
        usage = self.core.usage_total
        self._handles.fail_all(RtError(f"{reason} before the response finished"))

        async def restore() -> None:
            self.core = ConversationCore(self.core.config)
            self.core.usage_total = usage
            await self._link.apply_settings(self.config, self._handle)
            await self._link.replay(history)

        await self._link.replace(restore)
        self._stream.emit(
            Notice(
                f"reconnected; {len(history)} messages of the conversation restored",
                "info",
                {"reconnect": "done"},
            )
        )

    async def _stalled(self) -> None:
        await self._link.drop_stalled(self._pump.stall_s)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self._report_heard()
            self._speaker_notices()
            await self._perform(self.core.tick(self._clock()))
            if self._link.rotation_due(self.core.session, self.core.response_pending):
                # Rotate between turns, before the service's session cap ends it mid-answer.
                await self._link.rotate()

    def _report_heard(self) -> None:
        if self.speaker is None:
            return
        for track in self.core.tracks.values():
            if not track.interrupted and track.heard_ms < track.received_ms:
                self.core.audio_heard(track.item_id, self.speaker.played_ms(track.item_id))

    def _end(self, failure: BaseException | None = None) -> None:
        self._stream.end(failure)
        self._handles.fail_all(self._stream.failure or RtError("the session ended"))

    def _fail(self, exc: BaseException) -> None:
        """A task of the session failed: the session ends with that exception, visibly."""
        self._end(exc)

    async def _handle(self, event: Any) -> None:
        now = self._trigger_at = self._clock()
        if isinstance(event, ResponseCreated):
            self._handles.match(event)
        elif isinstance(event, ResponseOutputTextDelta | ResponseOutputAudioTranscriptDelta):
            handle = self._handles.get(event.response_id)
            if handle is not None and not self.core.is_dropped(event.response_id):
                handle.text += event.delta
        caused_by = self._link.cause_of(event) if isinstance(event, Error) else None
        actions = self.core.receive(event, now, caused_by=caused_by)  # type: ignore[arg-type]
        await self._perform(actions)

    async def _perform(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                await self._link.send(action.event)
            elif isinstance(action, PlayAudio):
                if self.speaker is not None:
                    self.speaker.play(action.pcm, action.item_id, action.content_index)
                self._stream.emit(
                    AudioDelta(action.response_id, action.item_id, action.content_index, action.pcm)
                )
            elif isinstance(action, AudioDone):
                if self.speaker is not None:
                    self.speaker.end_item(action.item_id)
            elif isinstance(action, FlushPlayback):
                heard = self._flush()
                self.barge_in_ms.append(self._audible_stop_ms())
                self._speaker_notices()
                await self._perform(self.core.playback_flushed(heard, self._clock()))
            elif isinstance(action, RunTool):
                self._tools.start(action)
            elif isinstance(action, CancelTool):
                self._tools.cancel(action)
            elif isinstance(action, ResponseFinished):
                self._finish_response(action)
            elif isinstance(action, FollowUpDropped):
                self._handles.follow_up_dropped(action.response_id)
            elif isinstance(action, HeardRevised):
                self.cost_total = revise_heard(
                    self.cost_total,
                    action.usage,
                    self.model,
                    generated_ms=action.generated_audio_ms,
                    heard_before_ms=action.heard_before_ms,
                    heard_ms=action.heard_audio_ms,
                )
                self._stream.emit(action)
            else:
                if isinstance(action, ServerError) and isinstance(action.caused_by, ResponseCreate):
                    message = action.error.message or action.error.code or "refused"
                    self._handles.refused(
                        action.caused_by.response or None,
                        RtError(f"the service refused the response: {message}"),
                    )
                self._stream.emit(action)

    async def _deliver_tool(self, call_id: str, output: str) -> None:
        if not self._closed:
            await self._perform(self.core.tool_result(call_id, output))

    def _flush(self) -> dict[str, int]:
        if self.speaker is not None:
            return self.speaker.flush()
        # The user plays audio; what they reported through audio_heard() is what was heard.
        return {
            t.item_id: t.heard_ms
            for t in self.core.tracks.values()
            if not t.interrupted and t.received_bytes
        }

    def _audible_stop_ms(self) -> float:
        """From the trigger to silence at the DAC, where the speaker knows it (else to the
        end of the flush call)."""
        elapsed = self._clock() - self._trigger_at
        if isinstance(self.speaker, StopReporting) and self.speaker.audible_stop_at is not None:
            elapsed += self.speaker.audible_stop_at - time.monotonic()
        return max(0.0, elapsed) * 1000

    def _speaker_notices(self) -> None:
        if isinstance(self.speaker, StopReporting):
            for text in self.speaker.take_notices():
                self._stream.emit(Notice(text, "warning", {"speaker": "notice"}))

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
            action.follow_up,
        )
        self._stream.emit(done)
        self._handles.finish(done)

    # ---- the public API ----------------------------------------------------------------

    @property
    def tools(self) -> ToolRegistry:
        """The session's function tools."""
        return self._tools.tools

    @property
    def reconnect_policy(self) -> ReconnectPolicy:
        """How a lost connection is re-established."""
        return self._link.policy

    @property
    def reconnects(self) -> int:
        """Times the connection was lost (or rotated before expiry) and re-established."""
        return self._link.reconnects

    @property
    def dropped_audio_frames(self) -> int:
        """Microphone frames dropped: the network fell behind or the connection was down."""
        return self._pump.dropped_frames + self._dropped_while_reconnecting

    @property
    def dropped_events(self) -> int:
        """Events dropped because the consumer fell behind."""
        return self._stream.dropped

    async def events(self) -> AsyncIterator[VoiceEvent]:
        """Every voice event, in order, until the session ends (a lost connection raises)."""
        async for event in self._stream:
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
        if self._link.down:
            self._dropped_while_reconnecting += 1
            return
        if isinstance(samples, np.ndarray):
            samples = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        await self._link.send(InputAudioBufferAppend.from_pcm16(samples))

    async def stream_audio_pcm16(
        self, frames: AsyncIterable[Any], *, max_backlog_s: float = MAX_AUDIO_BACKLOG_S
    ) -> None:
        """Send frames as they come. Never commits: with VAD the server decides the turns;
        with manual turns call `commit()`.

        The frames are taken at once and sent by a separate task, so a stalled network never
        holds up the microphone: up to `max_backlog_s` of audio waits, then the oldest is
        dropped (counted in `dropped_audio_frames`) with a warning event."""
        try:
            await self._pump.run(frames, self._ended, max_backlog_s)
        except TransportError:
            if self.failure is None:
                raise
        # The session failed first (e.g. a stall): its reason, not the closed socket's.
        if self.failure is not None:
            raise self.failure

    def _ended(self) -> bool:
        return self._closed or self.failure is not None

    async def commit(self, *, respond: bool = True) -> ResponseHandle | None:
        """End the user's turn (manual turns): commit the input, then ask for a response."""
        await self._link.conn.send(InputAudioBufferCommit())
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
        handle = self._handles.new(params)
        await self._perform(self.core.request_response(params))
        return handle

    async def restore(self, history: Iterable[tuple[str, str]]) -> int:
        """Seed the conversation with earlier messages, `(role, text)` with role `user` or
        `assistant`, as text items (as a reconnect does); returns how many were sent."""
        messages = [(role, text.strip()) for role, text in history if text.strip()]
        await self._link.replay(messages)
        return len(messages)

    async def add_user_text(self, text: str) -> None:
        """Add a user message to the conversation without asking for a response."""
        await self._link.conn.send(ConversationItemCreate(item=MessageItem.user_text(text)))

    async def say(self, text: str) -> ResponseHandle:
        """Say something as the user and get a spoken (or text, per the session) answer."""
        await self.add_user_text(text)
        return await self.create_response()

    async def ask(self, text: str) -> str:
        """Ask a question and return the answer's text (after any tools it called)."""
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
        await self._link.conn.send(ConversationItemCreate(item=item))

    async def close(self) -> None:
        """End the session: stop the loops and tools, close the connection."""
        if self._closed:
            return
        self._closed = True
        await self._tasks.cancel_all()
        await self._link.close()
        self._end()

    @property
    def failure(self) -> BaseException | None:
        """Why the session ended, if it did not end by `close()`."""
        return self._stream.failure
