"""The shared state and plumbing of the emulated session machine."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from realtime_cli.emulator.conversation import Conversation
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.realism import Realism, obfuscation
from realtime_cli.emulator.script import Script
from realtime_cli.emulator.vad import EnergyVad
from realtime_cli.protocol import (
    UNSET,
    AudioFormat,
    BaseServerEvent,
    Error,
    FunctionCallItem,
    InputAudioConfig,
    Item,
    McpApprovalRequestItem,
    McpCallItem,
    MessageItem,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    Response,
    ResponseCreateParams,
    SemanticVad,
    ServerVad,
    Session,
    TranscriptionAudioConfig,
    UnsetType,
)

__all__ = ["IDLE_TIMER", "ActiveResponse", "MachineCore", "OutputItem", "text_tokens"]

#: Timer key of the server VAD's idle timeout.
IDLE_TIMER = "idle-timeout"


def text_tokens(text: str) -> int:
    """Tokens of a text, estimated as one per four characters."""
    return math.ceil(len(text) / 4) if text else 0


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    key: str | None = field(compare=False)
    run: Callable[[], None] = field(compare=False)


#: An item a response outputs.
OutputItem = MessageItem | FunctionCallItem | McpCallItem | McpApprovalRequestItem


@dataclass
class ActiveResponse:
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
    #: Items finished so far (a preamble, parallel calls), in output order.
    output: list[OutputItem] = field(default_factory=list)
    created_sent: bool = False
    first_audio_at: float | None = None
    text_out: int = 0
    audio_out: int = 0
    audio_ms: float = 0.0

    @property
    def index(self) -> int:
        """`output_index` of the item being streamed."""
        return len(self.output)

    @property
    def id(self) -> str:
        value = self.response.id
        return value if isinstance(value, str) else ""


class MachineCore:
    """State and plumbing shared by the concerns of `SessionMachine` (one mixin per
    concern): the outbox, the timer queue, the session's settings, and the hooks each
    concern provides to the others (declared here, implemented in their modules)."""

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
        realism: Realism | None = None,
        rng: random.Random | None = None,
        fire: Callable[[str], bool] | None = None,
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
        #: Timing and streaming shape (`Realism.exact()` unless given).
        self.realism = realism or Realism.exact()
        self.rng = rng or self.realism.rng(0)
        # The failure-rate draws have a stream of their own (a copy of `rng`'s): the other
        # draws (obfuscation, delays) depend on how events interleave in real time, and a
        # seed must give the same failures however they did.
        self._fault_rng = random.Random()
        self._fault_rng.setstate(self.rng.getstate())
        #: Whether a content fault (`faults.CONTENT_FAULTS`) fires now; the I/O layer
        #: passes the emulator's fault switch, one-shot faults switching off as they fire.
        self._fire = fire or (lambda name: False)
        self.conversation = Conversation()
        self.conversation_id = self.ids.next("conv")
        #: Set once assistant audio was produced; the voice is fixed from then on.
        self.audio_produced = False
        self._now = now
        self._outbox: list[BaseServerEvent] = []
        self._timers: list[_Timer] = []
        self._seq = 0
        self._active: dict[str, ActiveResponse] = {}
        self._item_bpm: dict[str, int] = {}
        #: item_id -> the words of a user audio item as the model hears them (a scripted
        #: transcript), known at the commit: in live mode the transcript comes too late for
        #: the answer, but the model hears the audio itself.
        self.heard_words: dict[str, str] = {}
        #: item_id -> transcription deltas already sent while the user was still speaking.
        self._early_pieces: dict[str, int] = {}
        self._tokens_seen = 0
        self._buffer = bytearray()
        self._buffer_start_ms = 0.0
        self._audio_ms = 0.0
        self._speech_item: str | None = None
        self._speech_start_ms = 0.0
        self._vad: EnergyVad | None = None
        self._vad_key: tuple[object, ...] | None = None
        #: MCP servers (by label) whose tools were listed in this session.
        self._mcp_listed: set[str] = set()
        self._configure_vad()

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

    def _later(self, delay: float, run: Callable[[], None], key: str | None = None) -> None:
        """Run `run` after `delay` seconds, or right now when there is no delay."""
        if delay <= 0:
            run()
        else:
            self._schedule(self._now + delay, key, run)

    def _emit_later(self, delay: float, event: BaseServerEvent) -> None:
        self._later(delay, lambda: self._emit(event))

    def _obfuscation(self, delta: str) -> str | UnsetType:
        """The `obfuscation` field of a delta: present in live mode, as on the service."""
        return obfuscation(self.rng, delta) if self.realism.live else UNSET

    def _pace(self, planned: float, index: int) -> float:
        """When delta number `index` of a response is due: as planned, or `delta_pause`
        after the previous one."""
        if self.delta_pause is None or index == 0:
            return planned
        return self._now + self.delta_pause

    def _content_fault(self, names: tuple[str, ...]) -> str | None:
        """The content fault (one of `names`) that strikes now, if any: one asked for, or
        (live mode with a failure rate) a seeded random one. Nothing is drawn at rate 0,
        so the exact mode stays deterministic."""
        for name in names:
            if self._fire(name):
                return name
        rate = self.realism.failure_rate
        if rate > 0 and self._fault_rng.random() < rate:
            return self._fault_rng.choice(names)
        return None

    def _drop_timers(self, key: str) -> None:
        self._timers = [timer for timer in self._timers if timer.key != key]
        heapq.heapify(self._timers)

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

    # --- hooks implemented by the concerns' modules --------------------------------------

    def _configure_vad(self) -> None:
        raise NotImplementedError

    def _list_mcp_tools(self) -> None:
        raise NotImplementedError

    def _transcribe(self, target: str, audio_ms: float, audio: bytes) -> None:
        raise NotImplementedError

    def _arm_idle_timeout(self, audio_end: float) -> None:
        raise NotImplementedError

    def _transcribe_during_speech(self, target: str) -> None:
        raise NotImplementedError

    def _emit_item_added_done(self, item: Item, previous: str | None) -> None:
        raise NotImplementedError

    def item_audio_ms(self, item: Item) -> float:
        """Duration of the audio held by an item."""
        raise NotImplementedError

    def _start_response(self, params: ResponseCreateParams) -> None:
        raise NotImplementedError

    def _cancel(self, active: ActiveResponse, reason: str) -> None:
        raise NotImplementedError
